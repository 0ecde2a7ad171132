#!/bin/sh
# Comments with the default theme: shown under the posts that
# comments_pagespec names, oldest first, with ikiwiki's anchors; never
# written as pages; sanitized; pending ones never published; "N comments"
# on the index.
. "$(dirname "$0")/lib.sh"

site "$T/s"
cd "$T/s" || exit 1
cat >>weft.yaml <<'X'
add_plugins: [comments]
atom: 1
comments_pagespec: 'posts/* and !*/Discussion'
X
printf '[[!inline pages="posts/* and !*/Discussion"]]\n' >index.mdwn
mkdir -p posts/a posts/b
printf '[[!meta date="2024-01-01 10:00:00"]]\nPost A.\n' >posts/a.mdwn
printf '[[!meta date="2024-01-02 10:00:00"]]\nPost B, no comments.\n' >posts/b.mdwn
printf 'About, not a post.\n' >about.mdwn
mkdir -p about
cat >about/comment_1_0f0f._comment <<'X'
[[!comment format=mdwn username="zed" subject="Hidden" date="2024-01-03T10:00:00Z" content="""
Not shown: about is not in comments_pagespec.
"""]]
X
cat >posts/a/comment_1_aaaa._comment <<'X'
[[!comment format=mdwn
 username="later"
 subject="Later one"
 date="2024-01-05T10:00:00Z"
 content="""
Written second.
"""]]
X
cat >posts/a/comment_2_bbbb._comment <<'X'
[[!comment format=mdwn
 ip="192.0.2.3"
 subject="Earlier one"
 date="2024-01-04T10:00:00Z"
 content="""
Written first. <script>document.write("pwned")</script><img src=x onerror="alert(1)">
"""]]
X
cat >posts/a/comment_3_cccc._comment_pending <<'X'
[[!comment format=mdwn username="spammer" subject="Pending" date="2024-01-06T10:00:00Z" content="""
Buy now.
"""]]
X

run "$WEFT" build
check_status 0 "a site with comments builds"
check_grep 'id="comments"' public/posts/a/index.html "a post with comments has the comments section"
check_no_grep 'id="comments"' public/posts/b/index.html "a post without comments has none"
check_no_grep 'Hidden' public/about/index.html "comments on a page outside comments_pagespec are not shown"
check_no_file public/posts/a/comment_1_aaaa "a comment is not written as a page"
check_no_file public/posts/a/comment_1_aaaa/index.html "nor as a directory"
check_no_grep 'Pending' public/posts/a/index.html "a pending comment is not published"
check_file public/posts/a/comments.atom "the post's comments have a feed"
check_no_grep 'Buy now' public/posts/a/comments.atom "a pending comment is not in the feed"
id=$(printf '%s' posts/a/comment_2_bbbb | md5sum | cut -d' ' -f1)
check_grep "id=\"comment-$id\"" public/posts/a/index.html "a comment's anchor is ikiwiki's comment-md5(page)"
check_grep "href=\"http://example.org/posts/a/#comment-$id\"" public/posts/a/index.html "and its permalink points at it"
earlier=$(grep -n 'Earlier one' public/posts/a/index.html | head -1 | cut -d: -f1)
later=$(grep -n 'Later one' public/posts/a/index.html | head -1 | cut -d: -f1)
[ -n "$earlier" ] && [ -n "$later" ] && [ "$earlier" -lt "$later" ]
ok $? "comments are listed oldest first (by their date, not their number)"
check_grep 'Unauthenticated, from 192.0.2.3' public/posts/a/index.html "an anonymous comment shows its IP as ikiwiki's theme does"
check_no_grep '<script' public/posts/a/index.html "a comment's script is dropped"
check_no_grep 'pwned' public/posts/a/index.html "with its text"
check_no_grep 'onerror' public/posts/a/index.html "and its event handlers"
check_grep '<a href="./posts/a/#comments">2 comments</a>' public/index.html "the index says how many comments a post has"
check_no_grep 'posts/b/#comments' public/index.html "and nothing for a post without comments"

done_testing
