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
done_testing
