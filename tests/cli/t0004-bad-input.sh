#!/bin/sh
# Bad input never crashes or hangs weft and never loses the rest of the
# site: each problem names its file (and line), every other page is built,
# and the exit status says whether a page failed.
. "$(dirname "$0")/lib.sh"

site "$T/s"
cd "$T/s" || exit 1
printf 'Good page linking [[bad-utf8]]\n' >index.mdwn
printf 'line one, long enough to be read eight bytes at a time\ncaf\303\251 na\303\257ve \342\234\223\n\nbad \377\376 bytes\n' >bad-utf8.mdwn
awk 'BEGIN { for (i = 0; i < 400000; i++) print "A line of a very large page, with a [[link]] and *emphasis* here." }' >huge.mdwn
printf 'Before\n[[!inline pages="x" show=\n\nnever closed\n' >unterminated.mdwn
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "[["; for (i = 0; i < 20000; i++) printf "]]"; print "" }' >brackets.mdwn
printf -- '---\ntitle: [unclosed\n---\nBody text survives.\n' >frontmatter.mdwn
ln -s /etc/passwd passwd.mdwn
ln -s /etc secrets
printf 'A link out: [[../../etc/passwd]]\n' >escape.mdwn
mkdir -p templates
printf '<html><TMPL_IF TITLE><TMPL_VAR CONTENT></html>\n' >templates/page.tmpl

run timeout 60 "$WEFT" build
[ "$status" -ne 124 ] && [ "$status" -lt 128 ]
ok $? "weft neither hangs nor crashes (exit $status)"
check_grep 'templates/page.tmpl:1' "$T/err" "the broken template is named with its line"
[ "$status" -eq 1 ]
ok $? "a failed page makes the exit status 1"

# Fix the template: the rest of the problems are page problems.
rm templates/page.tmpl
run timeout 60 "$WEFT" build
[ "$status" -ne 124 ] && [ "$status" -lt 128 ]
ok $? "weft neither hangs nor crashes without the bad template (exit $status)"
check_status 1 "the malformed front matter fails its page"
check_file public/index.html "a good page is built"
check_grep 'bad-utf8.mdwn:4: warning: invalid UTF-8' "$T/err" "invalid UTF-8 is reported with file and line"
check_file public/bad-utf8/index.html "and the page is still built"
check_grep "$(printf 'caf\303\251 na\303\257ve \342\234\223')" public/bad-utf8/index.html "valid UTF-8 before it stays"
check_grep "$(printf 'bad \357\277\275\357\277\275 bytes')" public/bad-utf8/index.html "each bad byte is U+FFFD"
check_file public/huge/index.html "a large page is built"
check_grep 'unterminated.mdwn:2' "$T/err" "an unterminated directive is reported with its line"
check_grep 'never closed' public/unterminated/index.html "and the text after it is kept"
check_file public/brackets/index.html "20,000 nested brackets are built"
check_grep 'frontmatter.mdwn:[0-9]' "$T/err" "malformed front matter is reported with its line"
check_grep 'Body text survives' public/frontmatter/index.html "and the body is still rendered"
check_grep 'passwd.mdwn: warning: is a symlink out of the site' "$T/err" "a symlink out of the site is a warning naming it"
check_no_file public/passwd "the symlinked file is not copied"
check_grep 'secrets: warning: is a symlink out of the site' "$T/err" "a symlinked directory out of the site is refused"
# Nothing changed: the failed page is built again and fails again.
run timeout 60 "$WEFT" build
check_status 1 "an unchanged site with a failed page fails again"
check_grep 'frontmatter.mdwn:[0-9]' "$T/err" "with the same message"
check_no_grep 'root:' public/passwd/index.html 2>/dev/null "nothing of /etc/passwd is published"
[ -z "$(grep -rl 'root:x:' public)" ]
ok $? "no output holds /etc/passwd"
check_grep 'createlink' public/escape/index.html "a link to ../../etc/passwd is a broken link"

# A directive the writer got wrong shows its error in the page, as in
# ikiwiki, and the build goes on; weft check fails on it.
rm -rf "$T/d" && site "$T/d" && cd "$T/d" || exit 1
printf 'add_plugins: [table]\n' >>weft.yaml
printf 'Before\n\n[[!table data=""]]\n\nAfter\n' >index.mdwn
run "$WEFT" build
check_status 0 "a directive's error is no failed build"
check_grep 'index.mdwn:3: warning: table: empty data' "$T/err" "it is a warning with file and line"
check_grep 'class="error">Error: empty data' public/index.html "and the page shows it"
check_grep 'After' public/index.html "with the rest of the page"
run "$WEFT" check
check_status 1 "weft check fails on it"
check_grep 'index.mdwn:3: table: empty data' "$T/err" "as an error"

# A template a directive fills that does not compile is an error of the
# build (exit 1) naming its file and line; the pages are all written.
rm -rf "$T/i" && site "$T/i" && cd "$T/i" || exit 1
mkdir -p templates posts
printf 'A post.\n' >posts/one.mdwn
printf '[[!inline pages="posts/*"]]\n' >index.mdwn
printf '<div><TMPL_IF title>\n<TMPL_VAR content>\n</div>\n' >templates/inlinepage.tmpl
run "$WEFT" build
check_status 1 "a broken inline template fails the build"
check_grep 'templates/inlinepage.tmpl:1: <TMPL_IF> is never closed' "$T/err" "naming its file and line"
check_file public/index.html "the page using it is still written"
check_file public/posts/one/index.html "and the others"

# A plugin of the site's own that loops forever fails its page at the
# instruction limit, and the build goes on. So does a copy of a bundled
# plugin the site changed (an unchanged copy is weft's own code, whose
# instructions weft does not count).
for kind in own changed; do
	rm -rf "$T/l" && site "$T/l" && cd "$T/l" || exit 1
	mkdir -p plugins
	if [ $kind = own ]; then
		printf 'weft.directive("spin", function() while true do end end)\n' >plugins/spin.lua
		printf 'add_plugins: [spin]\n' >>weft.yaml
	else
		{ printf 'weft.directive("spin", function() while true do end end)\n'
		  cat "$SRCROOT/plugins/shortcut.lua"; } >plugins/shortcut.lua
		printf 'add_plugins: [shortcut]\n' >>weft.yaml
	fi
	printf 'plugin_instruction_limit: 5\n' >>weft.yaml
	printf 'Before\n\n[[!spin]]\n\nAfter\n' >index.mdwn
	printf 'Another page.\n' >other.mdwn
	run timeout 60 "$WEFT" build
	check_status 1 "an endless loop in a plugin ($kind) fails the build, and ends"
	check_grep 'index.mdwn:3.*instruction limit exceeded' "$T/err" "naming the page and the limit ($kind)"
	check_file public/other/index.html "the other pages are built ($kind)"
	run timeout 60 "$WEFT" build -vv
	check_grep "instructions counted (plugins/.*is the site's own)" "$T/err" \
		"-vv says the instructions are counted ($kind)"
done

# A plugin call that holds more than plugin_memory_limit fails its page;
# one that makes and drops far more than the limit (garbage, collected as
# it goes) does not.
rm -rf "$T/m" && site "$T/m" && cd "$T/m" || exit 1
mkdir -p plugins
printf 'weft.directive("hog", function() local t = {} for i = 1, 1e8 do t[i] = ("x"):rep(100) .. i end end)\n' >plugins/hog.lua
printf 'weft.directive("churn", function() local n = 0 for i = 1, 200000 do local t = { ("y"):rep(200) .. i } n = n + #t[1] end return "churned " .. n end)\n' >plugins/churn.lua
printf 'add_plugins: [hog, churn]\nplugin_memory_limit: 8\n' >>weft.yaml
printf 'Before\n\n[[!hog]]\n' >index.mdwn
printf '[[!churn]]\n' >other.mdwn
run timeout 60 "$WEFT" build
check_status 1 "a plugin holding more than its memory limit fails the build"
check_grep 'index.mdwn:3: hog: .*memory limit exceeded' "$T/err" "naming the page, the directive and the limit"
check_grep 'churned 41088895' public/other/index.html "40 MB of garbage under an 8 MiB limit is collected, not refused"

# weft's own plugins, taken from the binary or as an unchanged copy, run
# without the count.
rm -rf "$T/u" && site "$T/u" && cd "$T/u" || exit 1
printf 'add_plugins: [shortcut]\n' >>weft.yaml
printf 'A page.\n' >index.mdwn
run "$WEFT" build -vv
check_grep "instructions not counted" "$T/err" "bundled plugins run without the instruction count"
mkdir -p plugins
cp "$SRCROOT/plugins/shortcut.lua" plugins/
run "$WEFT" build -vv
check_grep "instructions not counted" "$T/err" "and so does an unchanged copy of one"

# Two sources of one output file: the first the walk finds keeps it (a
# file foo/index.txt, before foo.mdwn, which with htmlext txt writes there
# too), the other is named with the error, and the rest is built.
rm -rf "$T/d" && site "$T/d" && cd "$T/d" || exit 1
printf 'htmlext: txt\n' >>weft.yaml
mkdir -p foo
printf 'A page.\n' >foo.mdwn
printf 'A file.\n' >foo/index.txt
printf 'Other.\n' >other.mdwn
run "$WEFT" build
check_status 1 "two sources of one output file fail the build"
check_grep 'foo.mdwn: writes foo/index.txt, as foo/index.txt does; it is left out' \
	"$T/err" "naming both"
check_grep 'A file.' public/foo/index.txt "the first found keeps the file"
check_file public/other/index.txt "the other pages are built"
run "$WEFT" build
check_status 1 "and so does the build after it, which finds nothing else changed"
check_grep 'foo.mdwn: writes foo/index.txt' "$T/err" "and says why again"

# A file name longer than the file system takes, from a plugin's
# weft.write, is an error naming the page: nothing is written under a name
# cut short, and a name of 255 bytes, the most there is, is written.
rm -rf "$T/e" && site "$T/e" && cd "$T/e" || exit 1
printf 'add_plugins: [longname]\nplugindir: plugins\n' >>weft.yaml
mkdir plugins
cat >plugins/longname.lua <<'LUA'
weft.hook("pagetemplate", function(page, dest)
	if page.name == "index" and page == dest then
		weft.write("most/" .. string.rep("a", 255), "the longest name\n")
		weft.write(string.rep("b", 255) .. "/" .. string.rep("a", 300), "too long\n")
	end
end)
LUA
printf 'A page.\n' >index.mdwn
run "$WEFT" build
check_status 1 "an output name too long fails the build"
check_grep 'index.mdwn: cannot write b*/a*: File name too long' "$T/err" "naming the page"
check_grep 'the longest name' "public/most/$(printf '%0255d' 0 | tr 0 a)" \
	"a name of 255 bytes is written"
[ -z "$(ls -A "public/$(printf '%0255d' 0 | tr 0 b)")" ]
ok $? "nothing is written for the one too long"

# A hook that keeps its template variables past its call gets an error
# when it uses them; the template it kept still answers (theme templates'
# objects are kept for the build).
rm -rf "$T/k" && site "$T/k" && cd "$T/k" || exit 1
printf 'add_plugins: [keeper]\nplugindir: plugins\n' >>weft.yaml
mkdir plugins
cat >plugins/keeper.lua <<'LUA'
local kept_vars, kept_t
weft.hook("pagetemplate", function(page, dest, vars, t)
	if kept_vars then
		local ok, err = pcall(function() kept_vars.title = "stale" end)
		weft.warn(("kept vars: %s %s"):format(tostring(ok), err))
		weft.warn(("kept template: %s %s"):format(kept_t.name,
			tostring(kept_t:uses("title"))))
	end
	kept_vars, kept_t = vars, t
end)
LUA
printf 'A page.\n' >index.mdwn
printf 'Another.\n' >other.mdwn
run "$WEFT" build
check_status 0 "a hook keeping its vars does not fail the build"
check_grep 'kept vars: false .*template variables used after their hook returned' \
	"$T/err" "using kept vars is an error"
check_grep 'kept template: page.tmpl true' "$T/err" "a kept template still answers"
check_grep 'A page.' public/index.html "the page is built"

# An archive's items are filled in C (t:fill_items): a pagetemplate hook
# failing on one item fails the list's page and names the hook's file and
# line, as does a displaytime a plugin injected; every page is written.
rm -rf "$T/a" && site "$T/a" && cd "$T/a" || exit 1
printf 'add_plugins: [boom]\nplugindir: plugins\n' >>weft.yaml
mkdir plugins posts
cat >plugins/boom.lua <<'LUA'
weft.hook("pagetemplate", function(page, dest, vars, t)
	if page.name == "posts/two" and dest.name == "index" then error("boom in the hook") end
end, { vars = { "title" } })
LUA
printf '[[!inline pages="posts/*" archive=yes feeds=no]]\n' >index.mdwn
printf 'One.\n' >posts/one.mdwn
printf 'Two.\n' >posts/two.mdwn
run "$WEFT" build
check_status 1 "a hook failing on an archive item fails the build"
check_grep 'index.mdwn:1: inline: .*plugins/inline.lua:[0-9]*: a pagetemplate hook failed' \
	"$T/err" "the list's page names the failed hook"
check_grep 'pagetemplate: plugins/boom.lua:2: boom in the hook' "$T/err" "the hook's own error is shown"
check_grep 'One.' public/posts/one/index.html "the other pages are written"
cat >plugins/boom.lua <<'LUA'
weft.inject("displaytime", function(t, format, pubdate)
	error("boom in displaytime")
end)
LUA
run "$WEFT" build
check_status 1 "an injected displaytime raising in an archive fails the build"
check_grep 'index.mdwn:1: inline: plugins/boom.lua:2: boom in displaytime' "$T/err" \
	"the archive's page names the injected function"
test -f public/index.html
ok $? "the list's page is written with the error"

# A template variable Lua cannot give (a function) is the directive's
# error, placed at the plugin's line, for t:fill and t:fill_items alike
# (under the sanitizers: with nothing leaked).
cat >plugins/boom.lua <<'LUA'
weft.directive("badfill", function(args, page, dest)
	local t = weft.template("archivepage")
	local ok, err = pcall(function() return t:fill({ title = function() end }) end)
	local ok2, err2 = pcall(function()
		return t:fill_items({ page }, dest, { vars = { { title = function() end } } })
	end)
	local _, err3 = pcall(t.fill_items, t, { page }, dest, { html5 = {} })
	local _, err4 = pcall(t.fill_items, t, { page }, dest, { timeformat = {} })
	local _, err5 = pcall(t.fill_items, t, { page, "nosuchpage" }, dest)
	local html5 = t:fill_items({ page }, dest, { html5 = true }) ==
		t:fill_items({ page }, dest, { html5 = 1 })
	return ("[%s] [%s] [%s] [%s] [%s] [%s]"):format(err, err2, err3, err4, err5,
		tostring(html5))
end)
LUA
printf '[[!badfill]]\n' >index.mdwn
run "$WEFT" build
check_status 0 "a bad template variable a plugin caught fails nothing"
check_grep '\[plugins/boom.lua:3: template variable title cannot be a function\]' \
	public/index.html "t:fill's error names the plugin's line"
check_grep '\[plugins/boom.lua:5: template variable title cannot be a function\]' \
	public/index.html "t:fill_items's too"
check_grep '\[template variable html5 cannot be a table\]' public/index.html \
	"fill_items: html5 taken as t:fill takes a value"
check_grep '\[fill_items: timeformat is a table, not a string\]' public/index.html \
	"fill_items: a timeformat must be a string"
check_grep '\[fill_items: pages\[2\] is not a page\] \[true\]' public/index.html \
	"fill_items: every item must be a page; true and 1 are the same HTML5"

# A pagetemplate hook's fifth argument: the variables the template shows,
# in lower case, read only.
cat >plugins/boom.lua <<'LUA'
weft.hook("pagetemplate", function(page, dest, vars, t, uses)
	if page ~= dest then return end
	local ok, err = pcall(function() uses.title = false end)
	weft.warn(("uses: %s %s %s %s"):format(tostring(uses.title), tostring(uses.TITLE),
		tostring(uses.nosuchvar), tostring(ok) .. " " .. err))
end)
LUA
printf 'A page.\n' >index.mdwn
run "$WEFT" build
check_status 0 "a hook reading its template's uses builds"
check_grep 'uses: true nil nil false .*read only' "$T/err" "uses: lower-case names, read only"

# page:append adds to a list in the page's state while the page is
# scanned; on a key holding something else, or later, it is an error.
cat >plugins/boom.lua <<'LUA'
weft.directive("app", function(args, page, dest, scan)
	if scan then
		page:append("boom", "list", "one")
		page:append("boom", "list", { two = 2 })
		page:set("boom", "text", "x")
		local ok, err = pcall(page.append, page, "boom", "text", "y")
		page:set("boom", "why", err)
		return nil
	end
	local ok, err = pcall(page.append, page, "boom", "list", "late")
	local list = page:state("boom", "list")
	return ("[%d %s %s] [%s] [%s]"):format(#list, list[1], list[2].two,
		page:state("boom", "why"), err)
end, { scan = true })
LUA
printf '[[!app]]\n' >index.mdwn
run "$WEFT" build
check_status 0 "page:append builds"
check_grep '\[2 one 2\]' public/index.html "page:append adds at the end, made when missing"
check_grep 'page state boom.text is not a list' public/index.html "a key holding a string is no list"
check_grep 'can only be set while it is scanned' public/index.html "not after the scan"

done_testing
