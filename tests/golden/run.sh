#!/bin/sh
# run.sh — golden rendering tests. Each case is a directory tests/golden/NAME/
# holding site/ (a site: weft.yaml and pages) and expected/ (the output files
# that matter, at their paths in the built site). The case passes when weft
# builds site/ and each expected file is byte-identical to its output.
#
#   run.sh WEFT [CASE...]                 check (TAP output)
#   run.sh --regenerate WEFT [CASE...]    rewrite expected/ from the outputs,
#                                         to review in `git diff`
# A new case needs an expected/ listing the files to hold: create each as an
# empty file, then run --regenerate.
set -u
regenerate=0
if [ "${1:-}" = "--regenerate" ]; then
	regenerate=1
	shift
fi
WEFT=${1:?usage: run.sh [--regenerate] WEFT [CASE...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000 TZ=UTC
n=0
failed=0

if [ $# -eq 0 ]; then
	set -- $(cd "$here" && for d in */; do [ -d "$d/site" ] && echo "${d%/}"; done)
fi
for case in "$@"; do
	rm -rf "$tmp/site" "$tmp/out"
	cp -r "$here/$case/site" "$tmp/site"
	"$WEFT" build -q -d "$tmp/out" "$tmp/site" >"$tmp/log" 2>&1
	status=$?
	if [ -f "$here/$case/status" ]; then
		want=$(cat "$here/$case/status")
	else
		want=0
	fi
	n=$((n + 1))
	if [ "$status" -eq "$want" ]; then
		echo "ok $n - $case builds (exit $status)"
	else
		echo "not ok $n - $case builds (exit $status, want $want)"
		sed 's/^/# /' "$tmp/log"
		failed=$((failed + 1))
	fi
	for f in $(cd "$here/$case/expected" && find . -type f | sort); do
		f=${f#./}
		n=$((n + 1))
		if [ $regenerate -eq 1 ]; then
			cp "$tmp/out/$f" "$here/$case/expected/$f" 2>/dev/null || : >"$here/$case/expected/$f"
			echo "ok $n - $case/$f regenerated"
		elif cmp -s "$tmp/out/$f" "$here/$case/expected/$f"; then
			echo "ok $n - $case/$f"
		else
			echo "not ok $n - $case/$f differs"
			diff -u "$here/$case/expected/$f" "$tmp/out/$f" 2>&1 | head -40 | sed 's/^/# /'
			failed=$((failed + 1))
		fi
	done
done
echo "1..$n"
[ $failed -eq 0 ]
