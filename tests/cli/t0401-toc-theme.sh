#!/bin/sh
# With the default theme, a table of contents lists the page's own
# headings only, not the theme's title heading; it links to the ids
# headinganchors gives; parent links show with the theme.
. "$(dirname "$0")/lib.sh"

site "$T/s"
cd "$T/s" || exit 1
printf 'add_plugins: [toc, headinganchors]\n' >>weft.yaml
mkdir -p docs
cat >docs/guide.mdwn <<'X'
[[!toc levels=2]]

## Installing

### From source

## Using
X
printf 'The docs.\n' >docs.mdwn

run "$WEFT" build
check_status 0 "the site builds"
out=public/docs/guide/index.html
toc=$T/toc.html
sed -n '/<div class="toc">/,/<\/div>/p' "$out" >"$toc"
check_grep '<a href="#Installing">Installing</a>' "$toc" "the toc lists a heading of the page by its headinganchors id"
check_grep '<li class="L3"><a href="#From_source">From source</a>' "$toc" "a second level is listed"
check_grep '<h1[^>]*>guide</h1>' "$out" "the theme gives the page a title heading"
check_no_grep 'guide' "$toc" "the theme's title is not in the toc"
check_grep '<h2 id="Installing">Installing</h2>' "$out" "headinganchors gives the heading its id"
check_grep 'href="../">docs<' "$out" "the parent shows in the parent links"
done_testing
