#!/bin/sh
# Real ikiwiki sites, built unchanged: each corpus in ../shared/corpora is
# built by Debian's ikiwiki (the reference) and by weft from the same setup
# file, and ikiwiki-compare holds weft's output against ikiwiki's page by
# page with the project's thresholds. Skips when the corpora, their tools or
# ikiwiki are not there. WEFT_SHARED names the shared directory (default:
# the repository's sibling ../shared).
. "$(dirname "$0")/lib.sh"

shared=${WEFT_SHARED:-$SRCROOT/../shared}
tools=$shared/tools
if [ ! -d "$shared/corpora" ] || [ ! -x "$tools/ikiwiki-reference" ] || [ ! -f "$tools/ikiwiki-compare" ]; then
	echo "1..0 # SKIP no corpora at $shared (set WEFT_SHARED)"
	exit 0
fi
if ! command -v ikiwiki >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP Debian's ikiwiki or python3 is not installed"
	exit 0
fi

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc 2>/dev/null || awk "BEGIN { print $2 - $1 }"; }

# corpus NAME COMPARE-THRESHOLDS...
corpus() {
	name=$1
	shift
	setup=$shared/corpora/$name.setup
	t0=$(now)
	run "$tools/ikiwiki-reference" "$name" "$T/ref-$name"
	t1=$(now)
	check_status 0 "$name: ikiwiki builds the reference"
	run "$WEFT" build --setup "$setup" -d "$T/new-$name"
	t2=$(now)
	check_status 0 "$name: weft builds it with the setup file unchanged"
	! grep -q ': error:\|^weft: [0-9]* pages\? failed' "$T/err"
	ok $? "$name: and reports no error"
	grep ': error:' "$T/err" | head -5 | sed 's/^/# /'
	# Plugins weft lacks are notes, each named once.
	dup=$(grep -o 'note: plugin [^ :]*' "$T/err" | sort | uniq -d)
	[ -z "$dup" ]
	ok $? "$name: each plugin weft lacks is noted once"
	grep 'note: plugin' "$T/err" | sed 's/^[^ ]* /# /'
	echo "# $name: ikiwiki $(elapsed "$t0" "$t1") s, weft $(elapsed "$t1" "$t2") s (one run each)"
	run python3 "$tools/ikiwiki-compare" "$@" "$T/ref-$name" "$T/new-$name"
	sed 's/^/# /' "$T/out"
	check_status 0 "$name: ikiwiki-compare finds weft's output within the thresholds"
}

corpus feeding.cloud --min-pages 0.99 --min-titles 0.98 --min-content 0.97 \
	--min-links 0.95 --max-broken 0 --min-feeds 0.98
corpus ikiwiki-doc --min-pages 0.98 --min-titles 0.95 --min-content 0.95 \
	--min-links 0.90 --max-broken 20 --min-feeds 0.95

done_testing
