#!/bin/sh
# Configuration: weft.yaml, ikiwiki setup files, unknown and ignored keys,
# malformed YAML.
. "$(dirname "$0")/lib.sh"

site "$T/s"
cd "$T/s" || exit 1
printf 'Hello\n' >index.mdwn
cat >>weft.yaml <<'X'
frobnicate: 1
cgiurl: http://example.org/ikiwiki.cgi
X
run "$WEFT" build
check_status 0 "unknown keys do not stop a build"
check_grep 'weft.yaml:6: warning: unknown setup key "frobnicate"' "$T/err" "an unknown key is a warning with its line"
check_grep 'cgiurl' "$T/err" "a CGI-only key gets a note"
[ "$(grep -c frobnicate "$T/err")" -eq 1 ]
ok $? "the unknown key is reported once"

printf 'wikiname: [unclosed\nurl: x\n' >weft.yaml
run "$WEFT" build
check_status 2 "malformed YAML is exit 2"
check_grep 'weft.yaml:[0-9]' "$T/err" "the error names the file and line"

rm weft.yaml
run "$WEFT" build
check_status 2 "a directory without weft.yaml is exit 2"
check_grep 'no weft.yaml' "$T/err" "and says why"

# An ikiwiki setup file beside the source directory, as ikiwiki keeps them.
mkdir -p "$T/iki/src"
printf 'Top [[sub]]\n' >"$T/iki/src/index.mdwn"
printf 'Sub page\n' >"$T/iki/src/sub.mdwn"
cat >"$T/iki/site.setup" <<'X'
# IkiWiki::Setup::Yaml - YAML formatted setup file
wikiname: Iki
srcdir: src
destdir: out
usedirs: 0
X
run "$WEFT" build --setup "$T/iki/site.setup"
check_status 0 "an ikiwiki setup file builds"
check_file "$T/iki/out/sub.html" "usedirs: 0 writes sub.html"
check_grep 'href="./sub.html"' "$T/iki/out/index.html" "links follow usedirs: 0"
check_grep '<title>Iki</title>' "$T/iki/out/index.html" "the top page is titled by wikiname"

done_testing
