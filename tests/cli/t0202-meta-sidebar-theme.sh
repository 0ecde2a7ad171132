#!/bin/sh
# With the default theme, meta's fields and head tags, tags and the sidebar
# land where page.tmpl shows them.
. "$(dirname "$0")/lib.sh"

site "$T/s"
cd "$T/s" || exit 1
printf 'add_plugins: [tag, sidebar]\ntagbase: tags\n' >>weft.yaml
cat >index.mdwn <<'X'
[[!meta title="""Fish & "chips" <3"""]]
[[!meta author="Ann" authorurl="http://ann.example/"]]
[[!meta stylesheet="extra"]]
[[!meta license="CC-BY"]]
[[!meta copyright="(c) Ann"]]
[[!tag food]]
Home.
X
printf 'p { }\n' >extra.css
printf 'The *sidebar*.\n' >sidebar.mdwn

run "$WEFT" build
check_status 0 "the site builds"
out=public/index.html
check_grep '<title>Fish &#x26; &#x22;chips&#x22; &#x3C;3' "$out" "the meta title, escaped as ikiwiki does, in <title>"
check_grep '<link href="./extra.css" rel="alternate stylesheet" title="extra" type="text/css" />' "$out" \
	"the stylesheet's link is in the head"
check_grep '<link rel="license" href="#pagelicense" />' "$out" "license's link is in the head"
check_grep 'CC-BY' "$out" "the license is shown"
check_grep '(c) Ann' "$out" "the copyright is shown"
check_grep 'rel="tag">food</a>' "$out" "the tag is listed"
check_grep 'The <em>sidebar</em>.' "$out" "the sidebar is shown"
check_file public/tags/food/index.html "the tag page is made"

# weft.html_safe, the encoders' way out: plain text only (tab, newline,
# return, printable ASCII but " & ' < >).
mkdir -p plugins
cat >plugins/probe.lua <<'X'
weft.directive("safe", function(args)
	local s = args[1].value:gsub("\\t", "\t"):gsub("\\n", "\n")
	return weft.html_safe(s) and "[SAFE]" or "[UNSAFE]"
end)
X
sed -i 's/add_plugins: \[tag, sidebar\]/add_plugins: [tag, sidebar, probe]/' weft.yaml
cat >probe.mdwn <<'X'
1 [[!safe "Plain, with (punctuation)! #1 ~ $5 = ok?"]]
2 [[!safe "tab\there and a\nnewline"]]
3 [[!safe "fish & chips"]]
4 [[!safe "it's"]]
5 [[!safe "a <b>"]]
6 [[!safe "café"]]
7 [[!safe "a b"]]
X
run "$WEFT" build
check_status 0 "a site plugin calls weft.html_safe"
for want in "1 \[SAFE\]" "2 \[SAFE\]" "3 \[UNSAFE\]" "4 \[UNSAFE\]" "5 \[UNSAFE\]" "6 \[UNSAFE\]" "7 \[UNSAFE\]"; do
	check_grep "$want" public/probe/index.html "html_safe: $want"
done

# The theme's stylesheet is compiled while pages render, and written
# after them: an error in it names the file and line and fails the build,
# the pages written all the same; mended, the stylesheet comes back.
"$WEFT" vendor >/dev/null 2>&1
cp themes/default/scss/style.scss "$T/style.scss"
printf '\n.broken { color: ; }\n' >>themes/default/scss/style.scss
rm -rf public
run "$WEFT" build
check_status 1 "a stylesheet that does not compile fails the build"
check_grep 'themes/default/scss/style.scss:[0-9]' "$T/err" "naming its file and line"
check_file public/probe/index.html "the pages are written all the same"
check_no_file public/style.css "no stylesheet is written"
cp "$T/style.scss" themes/default/scss/style.scss
run "$WEFT" build
check_status 0 "the stylesheet mended, the site builds"
check_grep 'body' public/style.css "and the stylesheet is written"
done_testing
