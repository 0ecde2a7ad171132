#!/bin/sh
# weft new makes a complete, self-contained site in a git repository that
# builds at once; weft vendor fills a site that lacks the bundled files.
. "$(dirname "$0")/lib.sh"

export HOME="$T/home"	# no git identity: weft must not need one
mkdir -p "$HOME"

run "$WEFT" new "$T/blog"
check_status 0 "weft new succeeds"
for f in weft.yaml index.mdwn about.mdwn posts/first-post.mdwn .gitignore \
	 themes/default/templates/page.tmpl themes/default/scss/style.scss; do
	check_file "$T/blog/$f" "the new site has $f"
done
git -C "$T/blog" log --oneline >"$T/log" 2>&1
check_grep 'weft new' "$T/log" "a first commit is made"
git -C "$T/blog" status --porcelain >"$T/status"
[ ! -s "$T/status" ]
ok $? "every file of the new site is committed"
git -C "$T/blog" ls-files >"$T/files"
check_grep '^themes/default/templates/page.tmpl$' "$T/files" "the theme is committed"

run "$WEFT" build "$T/blog"
check_status 0 "the new site builds at once"
check_file "$T/blog/public/index.html" "its index is written"
check_file "$T/blog/public/posts/first-post/index.html" "its first post is written"
git -C "$T/blog" status --porcelain >"$T/status"
[ ! -s "$T/status" ]
ok $? "building leaves the repository clean (output and state are ignored)"

run "$WEFT" new "$T/blog"
check_status 2 "weft new refuses a directory that is not empty"

# vendor: a site without the bundled files gets them; its own edits stay.
rm -rf "$T/blog/themes"
printf 'mine\n' >"$T/blog/themes.keep"
mkdir -p "$T/blog/themes/default/templates"
printf 'my page.tmpl <TMPL_VAR CONTENT>\n' >"$T/blog/themes/default/templates/page.tmpl"
run "$WEFT" vendor "$T/blog"
check_status 0 "weft vendor succeeds"
check_file "$T/blog/themes/default/scss/style.scss" "vendor restores the theme"
check_grep 'my page.tmpl' "$T/blog/themes/default/templates/page.tmpl" "and keeps the site's own edit"

done_testing
