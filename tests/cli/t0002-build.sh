#!/bin/sh
# A small site builds: page names and output paths as ikiwiki's, links,
# copies, atomic and change-only writes, stale files removed.
. "$(dirname "$0")/lib.sh"

site "$T/s"
cd "$T/s" || exit 1
cat >index.mdwn <<'X'
Home page. See [[posts/first]] and [[Missing page]].
X
mkdir -p posts/first sub
cat >posts/first.mdwn <<'X'
# First

Back [[home|index]], a sibling [[second]], and `[[not a link]]` in code.

    [[also not a link]]

A [[!unknowndirective foo="bar"]] here.
X
printf 'Second post\n' >posts/second.md
printf 'binary\0data' >posts/first/photo.jpg
printf '<p>raw html page</p>\n' >sub/raw.html
printf 'secret' >.hidden
mkdir .git-like && printf x >.git-like/file

run "$WEFT" build
check_status 0 "the site builds"
check_file public/index.html "index.mdwn -> index.html"
check_file public/posts/first/index.html "posts/first.mdwn -> posts/first/index.html"
check_file public/posts/second/index.html ".md is a Markdown page"
check_no_file public/sub/raw/index.html "without the html plugin, .html is no page"
check_no_file public/sub/raw.html "nor a file to copy, as ikiwiki prunes it"
check_file public/posts/first/photo.jpg "other files are copied"
cmp -s posts/first/photo.jpg public/posts/first/photo.jpg
ok $? "a copied file keeps its bytes"
check_no_file public/.hidden "dotfiles are not copied"
check_no_file public/.git-like "dot directories are not copied"
check_no_file public/weft.yaml "the config file is not copied"
check_file public/style.css "the theme's stylesheet is compiled"
check_file public/404.html "a 404 page is written"

check_grep '<a href="./posts/first/">first</a>' public/index.html "a wiki link is a relative link"
check_grep '<span class="createlink">Missing page</span>' public/index.html "a link to a missing page is a createlink"
check_grep 'index.mdwn:1: warning: broken link to "Missing_page"' "$T/err" "and is reported with file and line"
check_grep '<a href="../../">home</a>' public/posts/first/index.html "a link with text to the top page"
check_grep '<a href="../second/">second</a>' public/posts/first/index.html "bestlink finds a sibling"
check_grep '<code>\[\[not a link\]\]</code>' public/posts/first/index.html "no link inside a code span"
check_grep '\[\[also not a link\]\]' public/posts/first/index.html "no link inside a code block"
check_grep 'unknowndirective <span class="error">Error: unknown directive' public/posts/first/index.html "an unknown directive shows ikiwiki's error marker"
check_grep 'posts/first.mdwn:7: warning: unknown directive "unknowndirective"' "$T/err" "and is reported with file and line"

# Backlinks and parent links.
check_grep 'id="backlinks"' public/posts/first/index.html "backlinks are shown"
check_grep 'parentlinks' public/posts/first/index.html "parent links are shown"

# A second build writes nothing: the mtime of an output stays.
touch -d '2001-01-01' public/posts/first/index.html
run "$WEFT" build
check_status 0 "a second build succeeds"
[ "$(stat -c %Y public/posts/first/index.html)" = "$(date -d 2001-01-01 +%s)" ]
ok $? "an output whose bytes did not change is not rewritten"

# A source copied in again with the same bytes and date (a checkout, a
# restore) is read once to find it unchanged; the state then knows its
# new stat.
cp -p posts/first.mdwn "$T/first" && mv "$T/first" posts/first.mdwn
run "$WEFT" build -vv
check_grep 'sources: 1 read, their stat changed' "$T/err" "a source copied in again is read to compare"
[ "$(stat -c %Y public/posts/first/index.html)" = "$(date -d 2001-01-01 +%s)" ]
ok $? "and, its bytes the same, its page is not written"
run "$WEFT" build -vv
check_no_grep 'read, their stat changed' "$T/err" "the next build does not read it again"
check_grep 'nothing changed' "$T/err" "and finds nothing changed"

# libsass and libmicrohttpd are opened when needed, not as weft starts:
# the full build compiled the theme's SCSS, a build with nothing to do
# loads neither (the dynamic loader names every file it opens).
LD_DEBUG=files "$WEFT" build --rebuild -q 2>"$T/ld" >/dev/null
check_grep 'file=libsass\.so' "$T/ld" "a build that compiles SCSS opens libsass"
LD_DEBUG=files "$WEFT" build -q 2>"$T/ld" >/dev/null
grep -q 'file=libsass\|file=libmicrohttpd' "$T/ld"
ok $((! $?)) "a build with nothing to do opens neither libsass nor libmicrohttpd"

# Same sources, same bytes: a build elsewhere is byte-identical.
cp -a "$T/s" "$T/copy" && rm -rf "$T/copy/public" "$T/copy/.weft"
(cd "$T/copy" && "$WEFT" build -j 1 -q)
diff -r public "$T/copy/public" >/dev/null
ok $? "two builds of the same sources are byte-identical (-j1 against all cores)"

# The list of what weft wrote is saved again only when it changes.
touch -d '2001-01-01' .weft/outputs
printf 'Second post, edited\n' >posts/second.md
run "$WEFT" build
check_status 0 "an edit builds"
[ "$(stat -c %Y .weft/outputs)" = "$(date -d 2001-01-01 +%s)" ]
ok $? "an edit that adds and removes no output leaves the list of outputs alone"
check_grep '^posts/second/index.html$' .weft/outputs "which names the edited page's output"

# A deleted page's output goes away; files nobody wrote stay.
printf 'mine\n' >public/not-weft.txt
rm posts/second.md
run "$WEFT" build
check_status 0 "a build after a deletion succeeds"
check_no_file public/posts/second/index.html "a deleted page's output is removed"
check_no_file public/posts/second "and its directory"
check_no_grep '^posts/second/' .weft/outputs "and leaves the list of outputs"
check_file public/not-weft.txt "a file weft never wrote is left alone"

# A build that writes nothing leaves no marker behind; a build killed
# while writing leaves one, and its temporaries, which the next sweeps.
run "$WEFT" build
check_status 0 "a build with nothing to do succeeds"
check_no_file .weft/writing "and leaves no marker of a build writing"
: >.weft/writing
printf 'half' >public/posts/.index.html.weft-12345
printf 'More.\n' >>index.mdwn
run "$WEFT" build
check_status 0 "a build after a killed one succeeds"
check_no_file public/posts/.index.html.weft-12345 "the killed build's temporary is swept"
check_no_file .weft/writing "and the marker removed"
# A page's directory made in a build is written into in place: a build
# killed then leaves the new page short, and no state that knows it.
: >.weft/writing
mkdir -p public/posts/fresh
printf '<html><body><p>Fre' >public/posts/fresh/index.html
printf 'A fresh post.\n' >posts/fresh.mdwn
run "$WEFT" build
check_status 0 "a build after one killed writing a new page succeeds"
check_grep '<p>A fresh post.</p>' public/posts/fresh/index.html "and writes the page whole"
check_grep '</html>' public/posts/fresh/index.html "to its end"
rm posts/fresh.mdwn
run "$WEFT" build
check_status 0 "the fresh post gone"
check_no_file public/posts/fresh "its directory goes with it"

# -d puts the output elsewhere, relative to the current directory.
run "$WEFT" build -d "$T/elsewhere"
check_status 0 "-d builds elsewhere"
check_file "$T/elsewhere/posts/first/index.html" "-d DIR receives the pages"

# With the html plugin, .html and .htm sources are pages.
printf '<p>an htm page</p>\n' >sub/other.htm
printf 'add_plugins: [html]\n' >>weft.yaml
run "$WEFT" build
check_status 0 "a build with the html plugin succeeds"
check_grep 'raw html page' public/sub/raw/index.html ".html is then a page"
check_grep 'an htm page' public/sub/other/index.html "and so is .htm"

# A directory in the output that is a symlink is not written through,
# whether it holds the page's directory (posts/ here) or is it (sub/raw).
mkdir -p "$T/linked/sub" "$T/outside"
ln -s "$T/outside" "$T/linked/posts"
ln -s "$T/outside" "$T/linked/sub/raw"
run "$WEFT" build -d "$T/linked"
check_status 1 "a build into symlinked directories fails"
check_grep 'posts/first.mdwn: cannot create the directory of posts/first/index.html' "$T/err" \
	"naming the page whose directory it is"
check_grep 'sub/raw.html: cannot create the directory of sub/raw/index.html' "$T/err" \
	"also where the symlink is the page's own directory"
check_no_file "$T/outside/first" "nothing is written through the symlink"
check_no_file "$T/outside/index.html" "nor into the other one"
check_file "$T/linked/index.html" "the other pages are written"

# Pages in more directories than weft keeps open at once all arrive.
for i in $(seq 10 80); do
	mkdir -p "many/d$i" && printf 'page %s\n' "$i" >"many/d$i/p.mdwn"
done
run "$WEFT" build
check_status 0 "a site with 71 page directories builds"
pages=$(ls public/many/d*/p/index.html | wc -l)
test "$pages" -eq 71
ok $? "each of their pages is written ($pages)"
check_grep 'page 80' public/many/d80/p/index.html "the last one as its source says"

# Parent links (parentlinks.pm): the top, titled with the wikiname, then
# each parent down to the page's directory, linked to its page when there
# is one, else to the top; "index" components are skipped.
site "$T/pl"
cd "$T/pl" || exit 1
mkdir -p docs/guide docs/index
printf 'Docs\n' >docs.mdwn
printf 'Intro\n' >docs/guide/intro.mdwn
printf 'Deep\n' >docs/index/deep.mdwn
parents() {	# the parent links of a page's output, one "href title" a line
	sed -n '/class="parentlinks"/,/<\/nav>/s/.*<a href="\([^"]*\)">\([^<]*\)<.*/\1 \2/p' "$1"
}
run "$WEFT" build
check_status 0 "a site of nested pages builds"
parents public/docs/guide/intro/index.html >"$T/pl.out"
printf '%s\n' '../../../ Test site' '../../ docs' '../../../ guide' >"$T/pl.want"
cmp -s "$T/pl.want" "$T/pl.out"
ok $? "a page's parents: the top, a parent page, a directory with no page"
parents public/docs/index/deep/index.html >"$T/pl.out"
printf '%s\n' '../../../ Test site' '../../ docs' >"$T/pl.want"
cmp -s "$T/pl.want" "$T/pl.out"
ok $? "an index component is no parent"
rm docs.mdwn
run "$WEFT" build
parents public/docs/guide/intro/index.html >"$T/pl.out"
printf '%s\n' '../../../ Test site' '../../../ docs' '../../../ guide' >"$T/pl.want"
cmp -s "$T/pl.want" "$T/pl.out"
ok $? "a parent page deleted: the next build links the top instead"

done_testing
