#!/bin/sh
# run.sh — weft serve's end-to-end test in headless Chromium (e2e.mjs) on
# a copy of the example blog. Installs playwright-core (package-lock.json)
# when it is missing; skips, saying why, without node or chromium.
#
#   WEFT=build/src/weft SRCROOT=. tests/browser/run.sh
set -u
: "${WEFT:?WEFT must name the weft binary}"
: "${SRCROOT:?SRCROOT must name the repository}"
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}

skip() {
	echo "ok 1 # skip $*"
	echo "1..1"
	exit 0
}

command -v node >/dev/null || skip "node is not installed (Debian: nodejs)"
[ -x "$chromium" ] || skip "chromium is not installed ($chromium; Debian: chromium)"
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
	command -v npm >/dev/null || skip "npm is not installed (Debian: npm)"
	(cd "$here" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; }) >&2 ||
		skip "npm could not install playwright-core"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/weft-browser.XXXXXX")
trap 'rm -rf "$T"' EXIT
cp -R "$SRCROOT/examples/blog" "$T/site"
rm -rf "$T/site/public" "$T/site/.weft"
printf 'body { }\n' >"$T/site/local.css"
: >"$T/serve.log"
status=0
node "$here/e2e.mjs" "$WEFT" "$T/site" "$chromium" "$T/serve.log" || status=$?
[ $status -eq 0 ] || sed 's/^/# weft: /' "$T/serve.log" | tail -30
exit $status
