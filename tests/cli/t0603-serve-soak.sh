#!/bin/sh
# weft serve over many rebuilds (WEFT_SOAK_BUILDS, default 1000): each edit
# is one build, the heap and the resident size stay flat, event stream
# clients that come and go are forgotten; then, under valgrind when it is
# there (WEFT_SOAK_VALGRIND=0 skips it), rebuilds leak nothing.
. "$(dirname "$0")/lib.sh"

N=${WEFT_SOAK_BUILDS:-1000}
sanitized=$(ldd "$WEFT" 2>/dev/null | grep -e libasan -e libtsan)
pid=
spid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT

start_server() {	# start_server DIR TRIES [ARGS]: sets $pid and $url
	dir=$1
	tries=$2
	shift 2
	: >"$T/serve.out"
	(cd "$dir" && exec "$@" serve --port 0 --debounce 10 -q) >"$T/serve.out" 2>"$T/serve.err" &
	pid=$!
	url=
	i=0
	while [ -z "$url" ] && [ $i -lt "$tries" ] && kill -0 $pid 2>/dev/null; do
		url=$(grep -o 'http://[^ ]*' "$T/serve.out")
		[ -n "$url" ] || sleep 0.05
		i=$((i + 1))
	done
}

status_field() { curl -s "${url}__weft/status" | sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"; }
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"; }

# edit I TIMEOUT: writes revision I of the page and waits (up to TIMEOUT
# tenths of a second) until build base+I is done.
edit() {
	printf 'Revision %s of the page.\n' "$1" >"$T/s/page.mdwn"
	j=0
	while [ "$(status_field builds)" -lt $((base + $1)) ]; do
		[ $j -ge $(($2 * 10)) ] && return 1
		sleep 0.01
		j=$((j + 1))
	done
}

site "$T/s"
for i in $(seq 1 30); do
	printf 'Page %s links to [[page]] and [[p%s]].\n\n## A heading\n\nText.\n' "$i" $((i + 1)) >"$T/s/p$i.mdwn"
done
printf 'Home: [[!inline pages="p*" show=10]]\n' >"$T/s/index.mdwn"
printf 'body { color: black }\n' >"$T/s/local.css"
printf 'Revision 0 of the page.\n' >"$T/s/page.mdwn"

start_server "$T/s" 200 "$WEFT"
[ -n "$url" ]
ok $? "the server starts"
[ -n "$url" ] || { sed 's/^/# /' "$T/serve.err"; done_testing; exit 1; }
curl -s -N "${url}__weft/events" >"$T/events" &
spid=$!
sleep 0.2
base=$(status_field builds)

t0=$(date +%s)
failed_at=
i=1
while [ $i -le "$N" ]; do
	edit $i 100 || { failed_at=$i; break; }
	if [ $((i % 50)) -eq 0 ]; then
		# A client that opens the stream and vanishes, and a page view.
		curl -s -N --max-time 0.2 -o /dev/null "${url}__weft/events"
		curl -s -o /dev/null "${url}page/"
	fi
	[ $i -eq 10 ] && rss10=$(rss) heap10=$(status_field heap)
	[ $i -eq $((N / 10)) ] && rss100=$(rss) heap100=$(status_field heap)
	i=$((i + 1))
done
rssN=$(rss)
heapN=$(status_field heap)
t1=$(date +%s)
[ -z "$failed_at" ]
ok $? "$N edits, each built within 10 s (${failed_at:+stuck at $failed_at, }$((t1 - t0)) s in all)"
[ "$(status_field builds)" -eq $((base + N)) ]
ok $? "each edit is exactly one build ($(($(status_field builds) - base)) builds)"
curl -s "${url}page/" | grep -q "Revision $N of the page"
ok $? "the last revision is served"
reloads=$(grep -c '^event: reload' "$T/events")
[ "$reloads" -ge $((N * 9 / 10)) ]
ok $? "the open page was told of the builds ($reloads reloads)"

echo "# resident size after 10, $((N / 10)) and $N builds: $rss10, $rss100, $rssN kB"
echo "# heap in use after 10, $((N / 10)) and $N builds: $heap10, $heap100, $heapN bytes"
# Flat: the resident size after N builds within 2 MB of that after N/10
# (allocator noise), the heap within 128 KB (malloc arenas of new threads
# warm up over the first hundred builds or so). A sanitizer's allocator keeps
# what is freed in quarantine and says nothing of its heap: it checks
# leaks its own way, at exit.
if [ -n "$sanitized" ]; then
	echo "ok $((n = n + 1)) # skip the resident size of a sanitized build grows by design"
	echo "ok $((n = n + 1)) # skip a sanitized build does not tell its heap"
else
	[ -n "$rss100" ] && [ -n "$rssN" ] && [ $((rssN - rss100)) -le 2048 ]
	ok $? "the resident size stays flat from $((N / 10)) to $N builds ($rss100 -> $rssN kB)"
	if [ "$heapN" = 0 ] && ldd "$WEFT" | grep -q mimalloc; then
		echo "ok $((n = n + 1)) # skip mimalloc does not tell its heap (mallinfo2); the resident size tells"
	else
		[ -n "$heap100" ] && [ -n "$heapN" ] && [ "$heapN" -gt 0 ] && [ $((heapN - heap100)) -le 131072 ]
		ok $? "the heap stays flat from $((N / 10)) to $N builds ($heap100 -> $heapN bytes)"
	fi
fi

i=0
while [ "$(status_field streams)" != 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(status_field streams)" = 1 ]
ok $? "clients that came and went are forgotten: one stream open ($(status_field streams))"

kill -INT $pid
st=0
wait $pid || st=$?
pid=
[ $st -eq 0 ]
ok $? "Ctrl-C after $N builds stops it cleanly (exit $st)"
[ $st -eq 0 ] || grep -v '^weft: ' "$T/serve.err" | grep -A14 -e 'leak of' -e 'ERROR' | head -60 | sed 's/^/# /' 
kill $spid 2>/dev/null
spid=

# Leaks, under valgrind: twenty rebuilds, then Ctrl-C.
if [ "${WEFT_SOAK_VALGRIND:-1}" = 0 ] || ! command -v valgrind >/dev/null; then
	echo "ok $((n = n + 1)) # skip valgrind not run"
elif [ -n "$sanitized" ]; then
	echo "ok $((n = n + 1)) # skip a sanitized build checks its own leaks"
else
	# libsass reads an uninitialised value when it compiles some @extend.
	cat >"$T/libsass.supp" <<'X'
{
   libsass-uninitialised
   Memcheck:Cond
   obj:*/libsass.so*
}
X
	rm -rf "$T/s/public" "$T/s/.weft"	# a full build first
	# --soname-synonyms: valgrind's allocator stands in for mimalloc's too
	# (whose operator delete frees what valgrind's new gave: no mismatch).
	start_server "$T/s" 1200 valgrind -q --leak-check=full \
		--soname-synonyms='somalloc=*mimalloc*' --show-mismatched-frees=no \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--suppressions="$T/libsass.supp" --log-file="$T/valgrind" "$WEFT"
	base=$(status_field builds)
	i=1
	while [ $i -le 20 ] && edit $i 300; do i=$((i + 1)); done
	kill -INT $pid
	st=0
	wait $pid || st=$?
	pid=
	[ $i -gt 20 ] && [ $st -eq 0 ]
	ok $? "under valgrind, twenty rebuilds leak nothing and no memory error shows (exit $st)"
	[ $st -eq 0 ] || grep -A12 -e 'definitely lost in' -e 'indirectly lost in' -e 'Invalid' "$T/valgrind" | head -60 | sed 's/^/# /'
fi

done_testing
