#!/bin/sh
# The command line: help, version, unknown commands and options.
. "$(dirname "$0")/lib.sh"

run "$WEFT" --version
check_status 0 "--version succeeds"
check_grep '^weft [0-9]' "$T/out" "--version prints the version"

run "$WEFT" --help
check_status 0 "--help succeeds"
check_grep 'build' "$T/out" "--help lists build"

run "$WEFT"
check_status 2 "no command is a usage error"

run "$WEFT" frobnicate
check_status 2 "an unknown command is a usage error"
check_grep 'unknown command "frobnicate"' "$T/err" "and names it"

for cmd in build check new vendor; do
	run "$WEFT" $cmd --help
	check_status 0 "$cmd --help succeeds"
	check_grep "usage: weft $cmd" "$T/out" "$cmd --help shows its usage"
done

run "$WEFT" build --help
check_grep 'wikiname' "$T/out" "build --help lists the setup keys"
check_grep 'usedirs' "$T/out" "build --help lists usedirs"
check_grep 'tagbase' "$T/out" "build --help lists the bundled plugins' keys"

run "$WEFT" build --no-such-option
check_status 2 "an unknown option is a usage error"

done_testing
