#!/bin/sh
# The example blog, a whole site: it passes weft check, builds, and a real
# link checker crawling it over HTTP finds no broken internal link; its
# feeds parse in a real feed reader library.
. "$(dirname "$0")/lib.sh"

cp -r "$SRCROOT/examples/blog" "$T/blog"
rm -rf "$T/blog/public" "$T/blog/.weft"
export SOURCE_DATE_EPOCH=1763700000

run "$WEFT" check "$T/blog"
check_status 0 "weft check passes (no broken internal link, no error)"

run "$WEFT" build "$T/blog"
check_status 0 "the example blog builds"
[ ! -s "$T/err" ]
ok $? "and says nothing"
out=$T/blog/public
posts=$(find "$T/blog/posts" -maxdepth 1 -name "*.mdwn" | wc -l)
[ "$posts" -ge 12 ]
ok $? "it has at least 12 posts ($posts)"
check_grep 'readingtime' "$out/index.html" "its own plugin and template override show on the index"
check_file "$out/tags/backups/index.html" "tag pages are made"
check_file "$out/archives/2024/index.html" "calendar archives are made"
check_grep 'class="month-calendar"\|class="year-calendar"' "$out/archives/index.html" "the archives page has a calendar"
check_grep 'class="sidebar"' "$out/posts/hand-cut-dovetails/index.html" "posts have the sidebar"
check_grep 'id="comments"' "$out/posts/hand-cut-dovetails/index.html" "comments show"
check_grep 'class="toc"' "$out/posts/hand-cut-dovetails/index.html" "a post has a table of contents"

# The next builds read what this one saved (its pages' records come in
# parts, read on every core): nothing to do, then one post edited is a
# few pages, not the whole site again.
run "$WEFT" build -v "$T/blog"
check_grep 'nothing changed' "$T/err" "a second build finds nothing changed"
cp "$T/blog/posts/hand-cut-dovetails.mdwn" "$T/post.bak"
printf '\nOne more line.\n' >>"$T/blog/posts/hand-cut-dovetails.mdwn"
run "$WEFT" build -v "$T/blog"
check_status 0 "a build after one edit succeeds"
check_no_grep 'damaged\|building everything' "$T/err" "and reads the saved state"
rendered=$(sed -n 's/.* \([0-9]*\) rendered.*/\1/p' "$T/err")
[ -n "$rendered" ] && [ "$rendered" -lt 10 ]
ok $? "it renders a few pages, not all ($rendered)"
cp "$T/post.bak" "$T/blog/posts/hand-cut-dovetails.mdwn"
run "$WEFT" build "$T/blog"
check_status 0 "and the blog builds again as it was"

# A real link checker, over HTTP as a reader would see it.
if command -v linkchecker >/dev/null && command -v python3 >/dev/null; then
	port=$((20000 + $$ % 20000))
	# http.server's listen queue holds 5: linkchecker's ten threads
	# overflowed it under the sanitizers (a refused connect, errno 11,
	# reported as a broken link). A queue of 128, and four threads.
	(cd "$out" && exec python3 -c '
import http.server as h, sys
h.ThreadingHTTPServer.request_queue_size = 128
h.test(HandlerClass=h.SimpleHTTPRequestHandler, ServerClass=h.ThreadingHTTPServer,
       port=int(sys.argv[1]), bind="127.0.0.1")' "$port") >/dev/null 2>&1 &
	server=$!
	i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
	done
	linkchecker --threads 4 --no-status --no-warnings -o text \
		--ignore-url='^mailto:' "http://127.0.0.1:$port/" >"$T/links" 2>&1
	lc=$?
	kill $server 2>/dev/null
	[ $lc -eq 0 ]
	ok $? "linkchecker finds no broken link (exit $lc)"
	[ $lc -eq 0 ] || grep -E 'URL|Parent|Result' "$T/links" | head -30 | sed 's/^/# /'
	grep -q 'links in' "$T/links"
	ok $? "linkchecker crawled the site"
	grep -o '[0-9]* links in [0-9]* URLs' "$T/links" | sed 's/^/# /'
else
	echo "ok $((n = n + 1)) # skip linkchecker is not installed"
fi

if /usr/bin/python3 -c 'import feedparser' 2>/dev/null; then
	for f in "$out/index.rss" "$out/index.atom" "$out/tags/backups/index.rss"; do
		/usr/bin/python3 - "$f" >"$T/feed" 2>&1 <<'PY'
import sys, feedparser
d = feedparser.parse(sys.argv[1])
assert not d.bozo, d.get("bozo_exception")
assert len(d.entries) > 0, "no entries"
for e in d.entries:
    assert e.link.startswith("http://blog.example.org/"), e.link
print(len(d.entries))
PY
		ok $? "$(basename "$(dirname "$f")")/$(basename "$f") parses with $(cat "$T/feed") entries"
	done
else
	echo "ok $((n = n + 1)) # skip python3-feedparser is not installed"
fi

done_testing
