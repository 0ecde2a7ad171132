# lib.sh — the helpers every command-line test sources: TAP output, a
# scratch directory, and assertions on files and command results.
#
# A test script sets nothing and calls: plan-free `ok`/`check_*`, then
# `done_testing`. $WEFT is the binary under test, $SRCROOT the repository.

set -u
: "${WEFT:?WEFT must name the weft binary}"
: "${SRCROOT:?SRCROOT must name the repository}"
T=$(mktemp -d "${TMPDIR:-/tmp}/weft-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() {		# ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# run CMD...: runs a command, keeping its status in $status, its output in
# $T/out and $T/err.
run() {
	status=0
	"$@" >"$T/out" 2>"$T/err" || status=$?
}

check_status() {	# check_status WANT DESCRIPTION
	[ "$status" -eq "$1" ]
	ok $? "$2 (exit $status, want $1)"
	[ "$status" -eq "$1" ] || cut -c1-200 "$T/err" | head -20 | sed 's/^/# /'
}

check_grep() {		# check_grep PATTERN FILE DESCRIPTION
	grep -q -e "$1" "$2"
	ok $? "$3"
	grep -q -e "$1" "$2" || { echo "# no \"$1\" in $2:"; cut -c1-200 "$2" | head -20 | sed 's/^/# /'; }
}

check_no_grep() {	# check_no_grep PATTERN FILE DESCRIPTION
	! grep -q -e "$1" "$2"
	ok $? "$3"
}

check_file() {		# check_file PATH DESCRIPTION
	[ -f "$1" ]
	ok $? "$2"
}

check_no_file() {	# check_no_file PATH DESCRIPTION
	[ ! -e "$1" ]
	ok $? "$2"
}

# site DIR: makes a minimal site in DIR (weft.yaml plus what follows on
# stdin as "path<TAB>content" lines is not needed: tests write files).
site() {
	mkdir -p "$1"
	cat >"$1/weft.yaml" <<YAML
wikiname: Test site
url: http://example.org/
srcdir: .
destdir: public
html5: 1
YAML
}

done_testing() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
