#!/bin/sh
# Tag pages and calendar archive pages are made only when their setup asks
# for them, from the theme's templates, and never over a page the site has.
. "$(dirname "$0")/lib.sh"

post() {	# post NAME DATE TAGS...
	name=$1 date=$2
	shift 2
	printf '[[!meta date="%s"]]\n[[!tag %s]]\nText.\n' "$date" "$*" >"posts/$name.mdwn"
}

site "$T/s"
cd "$T/s" || exit 1
printf 'add_plugins: [tag, calendar]\ntagbase: tags\narchivebase: archives\n' >>weft.yaml
printf 'archive_pagespec: page(posts/*)\n' >>weft.yaml
mkdir -p posts tags
post one "2023-11-05 10:00" foo bar
post two "2021-03-02 10:00" foo
printf 'The bar tag, by hand.\n' >tags/bar.mdwn

run "$WEFT" build
check_status 0 "the site builds"
check_no_grep 'unknown setup key' "$T/err" "the plugins declare their setup keys"
check_file public/tags/foo/index.html "a tag page is made for a tag in use"
check_grep 'tagged foo' public/tags/foo/index.html "it comes from autotag.tmpl"
check_grep 'The bar tag, by hand.' public/tags/bar/index.html "a tag page the site has is kept"
check_file public/archives/2023/index.html "a year archive is made"
check_file public/archives/2023/11/index.html "a month archive is made"
check_file public/archives/2022/index.html "calendar_fill_gaps: a year between is made"
check_file public/archives/2021/12/index.html "calendar_fill_gaps: every month of a year"
check_grep '<title>11</title>' public/archives/2023/11/index.html "from calendarmonth.tmpl, titled as ikiwiki's"
check_grep 'class="month-calendar"' public/archives/2023/11/index.html "with the month's calendar"

printf 'tag_autocreate: 0\ncalendar_fill_gaps: 0\n' >>weft.yaml
rm -rf public .weft
run "$WEFT" build
check_status 0 "the site builds without gap pages"
check_no_file public/tags/foo "tag_autocreate: 0 makes no tag page"
check_file public/archives/2021/03/index.html "a month with a post still has its archive"
check_no_file public/archives/2022 "without calendar_fill_gaps, no year between"
check_no_file public/archives/2021/04 "without calendar_fill_gaps, no empty month"

site "$T/bare"
cd "$T/bare" || exit 1
printf 'add_plugins: [tag, calendar]\n' >>weft.yaml
mkdir -p posts
post one "2023-11-05 10:00" foo
run "$WEFT" build
check_status 0 "a site without tagbase or archivebase builds"
check_no_file public/foo "no tag page without tagbase"
check_no_file public/archives "no archives without archivebase"
check_grep '<span class="createlink">foo</span>' public/posts/one/index.html \
	"the tag shows on the page, a link to a page to create"
# A page another plugin's autofiles hook adds may use a tag no page used:
# the next round makes its tag page, whether that plugin's hook runs
# before tag's or after (its page is scanned only then).
for order in "addtagged, tag" "tag, addtagged"; do
	site "$T/rounds"
	cd "$T/rounds" || exit 1
	printf 'add_plugins: [%s]\ntagbase: tags\n' "$order" >>weft.yaml
	mkdir -p posts plugins
	post one "2023-11-05 10:00" foo
	cat >plugins/addtagged.lua <<'X'
weft.hook("autofiles", function()
	if not weft.page("made/tagged") then
		weft.add_page("made/tagged", "[[!tag fromplugin]]\nMade by a plugin.\n")
	end
end)
X
	run "$WEFT" build
	check_status 0 "a plugin adds a tagged page ($order)"
	check_file public/made/tagged/index.html "its page is written ($order)"
	check_file public/tags/fromplugin/index.html "and its new tag has a page ($order)"
	check_file public/tags/foo/index.html "as the posts' tags do ($order)"
	cd "$T" || exit 1
	rm -rf "$T/rounds"
done

# weft.link_loop, the TAGS rows' way in: a loop of links from C, to pages
# or links as written, with texts or the targets' titles, a missing one
# shown as ikiwiki's createlink; what it found is recorded, so a page that
# appears makes the link.
site "$T/loop"
cd "$T/loop" || exit 1
printf 'add_plugins: [rows]\n' >>weft.yaml
mkdir -p plugins
printf 'Alpha page.\n' >alpha.mdwn
printf 'Beta page.\n' >beta.mdwn
printf 'Rows here.\n' >rows.mdwn
cat >plugins/rows.lua <<'X'
weft.hook("pagetemplate", function(page, dest, vars, template)
	if page.name ~= "rows" or page ~= dest then return end
	vars.tags = { { link = "replaced" } }
	local n = weft.link_loop(vars, "tags", "link", { "alpha", weft.page("beta"), "gamma" },
				 { texts = { "First <em>A</em>" }, rel = "tag" })
	vars.title = "rows " .. n
end)
X
run "$WEFT" build
check_status 0 "a site plugin makes a loop of links"
out=public/rows/index.html
check_grep '<a href="../alpha/" rel="tag">First <em>A</em></a>' $out "a link as written, with its text as HTML"
check_grep '<a href="../beta/" rel="tag">beta</a>' $out "a page, titled by its name"
check_grep '<span class="createlink">gamma</span>' $out "a missing page shown as ikiwiki does"
check_no_grep 'replaced' $out "the loop is replaced, not added to"
check_grep '<title>rows 3</title>' $out "the number of rows returned"
printf 'Gamma page.\n' >gamma.mdwn
run "$WEFT" build
check_status 0 "the missing page added"
check_grep '<a href="../gamma/" rel="tag">gamma</a>' $out "the page with the loop links to it now"
sed -i 's/{ "alpha", weft.page("beta"), "gamma" }/{ "alpha", {} }/' plugins/rows.lua
run "$WEFT" build
check_status 1 "a target neither a page nor a link fails the page"
check_grep 'weft.link_loop: target 2 is a table' "$T/err" "and says which"
cd "$T" || exit 1
done_testing
