#!/bin/sh
# weft serve rebuilds when a file changes: edits, new directories, editors'
# save patterns, stylesheets, templates, plugins and the configuration; a
# failed build is told to the pages and recovered from.
. "$(dirname "$0")/lib.sh"

pid=
spid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT

start_server() {	# start_server DIR [ARGS]: sets $pid and $url
	dir=$1
	shift
	: >"$T/serve.out"
	(cd "$dir" && exec "$WEFT" serve --port 0 "$@") >"$T/serve.out" 2>"$T/serve.err" &
	pid=$!
	url=
	i=0
	while [ -z "$url" ] && [ $i -lt 200 ] && kill -0 $pid 2>/dev/null; do
		url=$(grep -o 'http://[^ ]*' "$T/serve.out")
		[ -n "$url" ] || sleep 0.05
		i=$((i + 1))
	done
}

builds() { curl -s "${url}__weft/status" | sed -n 's/.*"builds":\([0-9]*\).*/\1/p'; }

# served PATH TEXT: waits up to 5 s for PATH to hold TEXT; $waited is
# how long it took in tenths of a second.
served() {
	waited=0
	while [ $waited -lt 50 ]; do
		curl -s "$url${1#/}" | grep -q -e "$2" && return 0
		sleep 0.1
		waited=$((waited + 1))
	done
	return 1
}

# settle: waits until no build runs, nor has started for half a second.
settle() {
	last=$(builds)
	i=0
	while [ $i -lt 40 ]; do
		sleep 0.5
		now=$(builds)
		[ "$now" = "$last" ] && curl -s "${url}__weft/status" | grep -q '"building":false' &&
			return 0
		last=$now
		i=$((i + 1))
	done
}

# events: the names of the events the stream has had so far.
events() { grep '^event:' "$T/events" | sed 's/^event: //'; }

# wait_event NAME: waits up to 5 s for a new NAME event in the stream.
wait_event() {
	i=0
	while [ $i -lt 50 ]; do
		[ "$(events | wc -l)" -gt "$seen" ] && events | tail -n +$((seen + 1)) | grep -q "^$1\$" && break
		sleep 0.1
		i=$((i + 1))
	done
	got=$(events | tail -n +$((seen + 1)) | tr '\n' ' ')
	seen=$(events | wc -l)
	case " $got" in *" $1 "*) return 0 ;; esac
	return 1
}

site "$T/s"
cd "$T/s" || exit 1
printf 'Home page.\n' >index.mdwn
printf 'First version.\n' >page.mdwn
printf 'body { color: black }\n' >local.css
mkdir templates plugins
start_server "$T/s"
[ -n "$url" ]
ok $? "the server starts"
[ -n "$url" ] || { sed 's/^/# /' "$T/serve.err"; done_testing; exit 1; }
curl -s -N "${url}__weft/events" >"$T/events" &
spid=$!
sleep 0.3
seen=$(events | wc -l)

# An edit.
printf 'Second version.\n' >page.mdwn
served /page/ 'Second version'
ok $? "an edited page is served within seconds ($waited tenths)"
wait_event reload
ok $? "and the open pages are told to reload (got: $got)"
check_grep 'page.mdwn changed: rebuilt in' "$T/serve.err" "the terminal says what changed and how long it took"

# A new directory, with a page in a new directory under it.
mkdir -p new/deeper
printf 'Deep page.\n' >new/deeper/leaf.mdwn
served /new/deeper/leaf/ 'Deep page'
ok $? "a page in new directories is picked up"
printf 'Deeper still.\n' >new/deeper/leaf.mdwn
served /new/deeper/leaf/ 'Deeper still'
ok $? "and its later edits, the new directories being watched"

# Saved by writing a temporary file and renaming it over the page.
printf 'Renamed into place.\n' >.page.mdwn.tmp
mv .page.mdwn.tmp page.mdwn
served /page/ 'Renamed into place'
ok $? "a save by rename is seen"

# Saved by deleting and writing anew (and vim's backup dance).
mv page.mdwn page.mdwn~
printf 'x' >4913 && rm 4913
printf 'Recreated.\n' >page.mdwn
rm page.mdwn~
served /page/ 'Recreated'
ok $? "a delete and recreate is seen"
rm page.mdwn
i=0
while [ $i -lt 50 ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "${url}page/")" != 404 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(curl -s -o /dev/null -w '%{http_code}' "${url}page/")" = 404 ]
ok $? "a deleted page is gone"
printf 'Back again.\n' >page.mdwn
served /page/ 'Back again'
ok $? "and comes back when written again"

# A directory moved in from elsewhere, and one moved within the site.
mkdir -p "$T/elsewhere/sub"
printf 'Moved in.\n' >"$T/elsewhere/sub/moved.mdwn"
mv "$T/elsewhere" moved
served /moved/sub/moved/ 'Moved in'
ok $? "a directory moved into the site is picked up"
mv moved renamed
printf 'Edited after the move.\n' >renamed/sub/moved.mdwn
served /renamed/sub/moved/ 'Edited after the move'
ok $? "and watched under its new name"

# Editors' scratch files and the output do not build.
settle
before=$(builds)
printf 'x' >'page.mdwn~'
printf 'x' >.page.mdwn.swp
printf 'x' >'#page.mdwn#'
printf 'x' >4913
mkdir .hidden && printf 'x' >.hidden/file.mdwn
printf 'x' >public/stray.txt
sleep 0.8
[ "$(builds)" = "$before" ]
ok $? "backup, swap, autosave, dot and output files trigger no build ($before, then $(builds))"
rm -f 'page.mdwn~' .page.mdwn.swp '#page.mdwn#' 4913 public/stray.txt
rm -rf .hidden
sleep 0.3

# The builds do not feed themselves: an idle server stays idle.
before=$(builds)
sleep 1
[ "$(builds)" = "$before" ]
ok $? "no build follows a build by itself"

# A burst of changes is one or two builds, and the last one wins.
settle
before=$(builds)
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf 'Burst %s.\n' "$i" >page.mdwn
	sleep 0.02
done
served /page/ 'Burst 10\.'
ok $? "after a burst of saves the last one is served"
settle
nb=$(($(builds) - before))
[ $nb -ge 1 ] && [ $nb -le 3 ]
ok $? "ten saves 20 ms apart are coalesced ($nb builds)"

# A change while a build runs is built after it: a slow plugin makes
# each build last long enough to change a page in the middle.
cat >plugins/slow.lua <<'X'
-- Makes every build take a while (half a second, here).
weft.hook("done", function ()
	local x = 0
	for i = 1, 1e8 do x = x + i end
end)
X
printf 'add_plugins: [slow]\nplugin_instruction_limit: 5000\n' >>weft.yaml
sleep 0.5
printf 'During 0.\n' >page.mdwn
sleep 0.3
printf 'During 1.\n' >page.mdwn
served /page/ 'During 1'
ok $? "a change made during a build is built after it"
check_no_grep 'slow.lua' "$T/serve.err" "(the slow plugin ran without an error)"
settle
sed -i -e '/add_plugins: \[slow\]/d' -e '/plugin_instruction_limit/d' weft.yaml
rm plugins/slow.lua

# Only a stylesheet: the pages swap it, no reload.
settle
seen=$(events | wc -l)
printf 'body { color: navy }\n' >local.css
wait_event css
r=$?
ok $r "a stylesheet change is a css event (got: $got)"
[ $r -eq 0 ] || tail -12 "$T/serve.err" | sed 's/^/# /' 
case " $got" in *" reload "*) r=1 ;; *) r=0 ;; esac
ok $r "and not a reload"
[ $r -eq 0 ] || tail -6 "$T/serve.err" | sed 's/^/# /' 
curl -s "${url}local.css" | grep -q navy
ok $? "the new stylesheet is served"

# The output directory removed while serving: rebuilt, watched anew.
settle
rm -rf public
printf 'After the output went.\n' >page.mdwn
served /page/ 'After the output went'
ok $? "a build after the output directory was removed serves again"
settle
seen=$(events | wc -l)
printf 'body { color: teal }\n' >local.css
wait_event css
ok $? "and a stylesheet change is still told as such (got: $got)"

# A template that does not parse: an error event with file and line; the
# server goes on serving; fixing it recovers.
seen=$(events | wc -l)
cp "$SRCROOT/themes/default/templates/page.tmpl" templates/page.tmpl
printf '<TMPL_IF title>\nnever closed\n' >>templates/page.tmpl
wait_event builderror
ok $? "a broken template is a builderror event (got: $got)"
grep '^data:' "$T/events" | tail -1 >"$T/last"
check_grep 'templates/page.tmpl:[0-9][0-9]*:' "$T/last" "naming the file and line"
check_grep 'TMPL_IF' "$T/last" "and what is wrong"
check_grep 'templates/page.tmpl:[0-9]*:' "$T/serve.err" "the terminal shows it too"
curl -s "${url}__weft/status" | grep -q '"ok":false'
ok $? "the status says the last build failed"
code=$(curl -s -o /dev/null -w '%{http_code}' "${url}page/")
[ "$code" = 200 ]
ok $? "the server still serves the last good pages ($code)"
curl -s -N --max-time 1 "${url}__weft/events" >"$T/late"
check_grep '^event: builderror' "$T/late" "a page opened now is told at once"
kill -0 $pid
ok $? "the server is still running"
seen=$(events | wc -l)
cp "$SRCROOT/themes/default/templates/page.tmpl" templates/page.tmpl
wait_event reload
ok $? "fixing the template reloads the pages (got: $got)"
curl -s "${url}__weft/status" | grep -q '"ok":true'
ok $? "and the status is good again"

# Plugins, templates and the configuration are watched.
cat >plugins/mark.lua <<'X'
-- Adds a mark to every page.
weft.hook("format", function (page, html)
	return html .. "<p>plugin-mark-1</p>"
end)
X
printf 'add_plugins: [mark]\n' >>weft.yaml
served /page/ 'plugin-mark-1'
ok $? "a new plugin and a configuration change are built"
sed -i 's/plugin-mark-1/plugin-mark-2/' plugins/mark.lua
served /page/ 'plugin-mark-2'
ok $? "a plugin edit is built"
sed -i 's/^wikiname: .*/wikiname: Renamed site/' weft.yaml
served /page/ 'Renamed site'
ok $? "a configuration edit is built"

# An ikiwiki setup file outside the site, with the site's own plugins
# and templates elsewhere too.
kill $spid 2>/dev/null
spid=
kill $pid
wait $pid 2>/dev/null
mkdir -p "$T/ext/src" "$T/ext/tmpl"
printf 'Ikiwiki page.\n' >"$T/ext/src/index.mdwn"
cat >"$T/ext/wiki.setup" <<X
# IkiWiki::Setup::Yaml - YAML formatted setup file
wikiname: Setup wiki
srcdir: $T/ext/src
destdir: $T/ext/out
templatedir: $T/ext/tmpl
X
start_server "$T/ext" --setup "$T/ext/wiki.setup"
served / 'Ikiwiki page'
ok $? "a site from an ikiwiki setup file is served"
sed -i 's/^wikiname: .*/wikiname: Setup renamed/' "$T/ext/wiki.setup"
served / 'Setup renamed'
ok $? "an edit of the setup file outside srcdir is built"
settle
cp "$SRCROOT/themes/default/templates/page.tmpl" "$T/ext/tmpl/page.tmpl"
sed -i 's,</body>,<p>from-templatedir</p></body>,' "$T/ext/tmpl/page.tmpl"
served / 'from-templatedir'
r=$?
ok $r "a template in a templatedir outside srcdir is built"
[ $r -eq 0 ] || tail -12 "$T/serve.err" | sed 's/^/# /' 
kill -INT $pid
status=0
wait $pid || status=$?
pid=
[ $status -eq 0 ]
ok $? "and it stops cleanly"

done_testing
