#!/bin/sh
# The feeds of a small blog: the index's RSS and Atom, a tag page's, and a
# post's comments feeds, read by Debian's python3-feedparser (no parse
# errors, the entries expected, absolute links, dates) and by an XML parser
# (well-formed); the comments on the post are sanitized.
. "$(dirname "$0")/lib.sh"

# Debian's Python: the one first on PATH may not see Debian's packages.
PY=/usr/bin/python3
if ! "$PY" -c 'import feedparser' 2>/dev/null; then
	echo "1..0 # SKIP $PY has no feedparser (apt-get install python3-feedparser)"
	exit 0
fi

site "$T/s"
cd "$T/s" || exit 1
cat >>weft.yaml <<'X'
wikiname: Feed & test
url: http://example.org/blog/
add_plugins: [tag, comments, html]
tagbase: tags
rss: 1
atom: 1
comments_pagespec: 'posts/* and !*/Discussion'
X
cat >index.mdwn <<'X'
The blog.

[[!inline pages="posts/* and !*/Discussion" show=4]]
X
mkdir -p posts/one
cat >posts/one.mdwn <<'X'
[[!meta date="2024-01-10 08:00:00"]]
[[!meta author="Ann Author"]]
[[!tag news]]
Café post with a link to [[two]], [an anchor](#top), [the root](/), and
an image ![x](pic.png) & <b>raw</b> HTML.
X
cat >posts/two.mdwn <<'X'
[[!meta date="2024-02-10 08:00:00"]]
[[!meta updated="2024-02-11 09:30:00"]]
[[!tag news other]]
The second post.
X
cat >posts/three.mdwn <<'X'
[[!meta date="2024-03-10 08:00:00"]]
[[!meta title="""Three <is> a "title" & more"""]]
The third post.
X
cat >posts/four.mdwn <<'X'
[[!meta date="2024-04-10 08:00:00"]]
The fourth post.
X
cat >posts/one/comment_1_5d41402abc4b2a76b9719d911017c592._comment <<'X'
[[!comment format=mdwn
 username="http://joe.example.com/"
 nickname="joe"
 subject="First"
 date="2024-01-11T10:00:00Z"
 content="""
Nice *post*. <script>alert("x")</script> [a link](javascript:alert(1))
"""]]
X
cat >posts/one/comment_2_7d793037a0760186574b0282f2f435e7._comment <<'X'
[[!comment format=html
 ip="192.0.2.1"
 subject="Second & last"
 date="2024-01-12T10:00:00Z"
 content="""
<p onclick="evil()">HTML <i>comment</i> linking <a href="/elsewhere/">elsewhere</a>.</p>
"""]]
X

run "$WEFT" build
check_status 0 "the blog builds"
for f in index.rss index.atom tags/news/index.rss tags/news/index.atom \
	posts/one/comments.rss posts/one/comments.atom; do
	check_file "public/$f" "$f is written"
done
check_no_file public/posts/two/comments.rss "no comments feed for a post without comments"
check_grep 'href="index.rss"' public/index.html "the index links its RSS feed"
check_grep '<link rel="alternate" type="application/atom+xml" title="Feed &amp; test (Atom feed)" href="index.atom" />' \
	public/index.html "and its Atom feed, in the head"
check_grep 'href="comments.atom"' public/posts/one/index.html "a post links its comments feed"
check_grep '2 comments' public/index.html "the index says how many comments a post has"

# Comments are sanitized.
check_no_grep '<script' public/posts/one/index.html "no script from a comment survives"
check_no_grep 'javascript:' public/posts/one/index.html "no javascript: URL from a comment survives"
check_no_grep 'onclick' public/posts/one/index.html "no event handler from a comment survives"
check_grep '<i>comment</i>' public/posts/one/index.html "allowed HTML in a comment stays"

# feedparser and xml.etree on every feed. Each line of the script's output
# is "STATUS description" for ok.
cat >"$T/check.py" <<'X'
import sys, time, calendar, xml.etree.ElementTree as ET
import feedparser

def check(cond, desc):
    print("%d %s" % (0 if cond else 1, desc))

def utc(t):
    return calendar.timegm(t) if t else None

def when(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M"))

THREE = 'Three <is> a "title" & more'
expect = {
    # file: (entries, entry titles in order, feed link)
    "index.rss": (4, ["four", THREE, "two", "one"], "http://example.org/blog/"),
    "index.atom": (4, ["four", THREE, "two", "one"], "http://example.org/blog/"),
    "tags/news/index.rss": (2, ["two", "one"], "http://example.org/blog/tags/news/"),
    "tags/news/index.atom": (2, ["two", "one"], "http://example.org/blog/tags/news/"),
    "posts/one/comments.rss": (2, ["First", "Second & last"], "http://example.org/blog/posts/one/"),
    "posts/one/comments.atom": (2, ["First", "Second & last"], "http://example.org/blog/posts/one/"),
}
published = {
    "one": when("2024-01-10 08:00"), "two": when("2024-02-10 08:00"),
    THREE: when("2024-03-10 08:00"), "four": when("2024-04-10 08:00"),
    "First": when("2024-01-11 10:00"), "Second & last": when("2024-01-12 10:00"),
}
for name, (count, titles, link) in sorted(expect.items()):
    path = "public/" + name
    try:
        ET.parse(path)
        check(True, "%s is well-formed XML" % name)
    except ET.ParseError as e:
        check(False, "%s is well-formed XML: %s" % (name, e))
    d = feedparser.parse(path)
    check(not d.bozo, "%s parses without errors %s" % (name, d.get("bozo_exception", "")))
    check(len(d.entries) == count, "%s has %d entries (%d)" % (name, count, len(d.entries)))
    check([e.title for e in d.entries] == titles,
          "%s has its entries in order: %r" % (name, [e.title for e in d.entries]))
    check(d.feed.get("link") == link, "%s links its page %s (%s)" % (name, link, d.feed.get("link")))
    self_links = [l.href for l in d.feed.get("links", []) if l.get("rel") == "self"]
    check(self_links == ["http://example.org/blog/" + name],
          "%s names itself absolutely (%s)" % (name, self_links))
    for e in d.entries:
        check(e.link.startswith("http://example.org/blog/"),
              "%s: %s links absolutely (%s)" % (name, e.title, e.link))
        check(e.id.startswith("http://example.org/blog/"),
              "%s: %s has an absolute id (%s)" % (name, e.title, e.id))
        check(utc(e.get("published_parsed")) == published.get(e.title),
              "%s: %s is dated by its meta date or comment date" % (name, e.title))
        check(e.get("updated_parsed") is not None, "%s: %s has an update date" % (name, e.title))
        content = e.content[0].value if "content" in e else e.get("summary", "")
        for attr in ('href="', 'src="'):
            rest = content.split(attr)[1:]
            check(all(r.startswith("http") for r in rest),
                  "%s: %s has only absolute %s URLs" % (name, e.title, attr[:-2]))
        check("<script" not in content and "javascript:" not in content,
              "%s: %s carries no script" % (name, e.title))
    newest = max(utc(e.get("updated_parsed")) for e in d.entries)
    check(utc(d.feed.get("updated_parsed")) == newest,
          "%s is dated by its newest entry" % name)

d = feedparser.parse("public/index.atom")
two = [e for e in d.entries if e.title == "two"][0]
check(utc(two.updated_parsed) == when("2024-02-11 09:30"), "meta updated dates an entry's update")
check(sorted(t.term for t in two.get("tags", [])) == ["news", "other"], "tags are the entry's categories")
d = feedparser.parse("public/tags/news/index.rss")
one = [e for e in d.entries if e.title == "one"][0]
check(one.get("author") == "Ann Author", "the author is the entry's (%s)" % one.get("author"))
check('href="http://example.org/blog/posts/two/"' in one.summary, "a wiki link becomes absolute")
check('href="http://example.org/blog/tags/news/#top"' in one.summary, "an anchor becomes absolute")
check('href="http://example.org/"' in one.summary, "a root link becomes absolute")
check("Café" in one.summary, "UTF-8 text survives")
check(one.get("comments") == "http://example.org/blog/posts/one/#comments", "an item links its comments")
d = feedparser.parse("public/posts/one/comments.atom")
check(d.entries[0].link.startswith("http://example.org/blog/posts/one/#comment-"),
      "a comment's link is its anchor on the post")
check(d.entries[0].author == "joe", "a comment's author is its commenter")
X
"$PY" "$T/check.py" >"$T/results" 2>"$T/py-err"
ok $? "the feed checks ran"
[ -s "$T/py-err" ] && sed 's/^/# /' "$T/py-err"
while read -r st desc; do
	ok "$st" "$desc"
done <"$T/results"

done_testing
