#!/bin/sh
# weft serve over HTTP: content types, directories, the 404 page, HEAD,
# conditional GET, caching, the injected client, path traversal refused,
# the event stream and its clients, ports, and a clean Ctrl-C.
. "$(dirname "$0")/lib.sh"

pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$T"' EXIT

# start_server DIR [ARGS]: runs weft serve in DIR on a free port; sets
# $pid and $url (empty when it did not start).
start_server() {
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

# get PATH [CURL-ARGS]: fetches PATH (as it is, no ".." resolved by curl),
# the body into $T/body, the headers into $T/head; the status in $code.
get() {
	p=$1
	shift
	rm -f "$T/body" "$T/head"
	code=$(curl -s --path-as-is -o "$T/body" -D "$T/head" -w '%{http_code}' "$@" "${url%/}$p")
}

header() {	# header NAME: the value of a response header in $T/head
	grep -i "^$1:" "$T/head" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

check_eq() {	# check_eq GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || echo "# got \"$1\", want \"$2\""
}

site "$T/s"
cd "$T/s" || exit 1
printf 'Home page, see [[posts]].\n' >index.mdwn
printf 'The posts.\n' >posts.mdwn
mkdir -p posts files
printf 'A post.\n' >posts/one.mdwn
printf 'body { color: black }\n' >local.css
printf '\211PNG\r\n\032\nfake' >files/a.png
printf 'jpeg' >files/b.jpg
printf 'jpeg' >files/c.jpeg
printf 'GIF89a' >files/d.gif
printf 'webp' >files/e.webp
printf 'ico' >files/f.ico
printf 'woff2' >files/g.woff2
printf '<svg xmlns="http://www.w3.org/2000/svg"/>' >files/h.svg
printf 'var x = 1;\n' >files/i.js
printf '{"a": 1}\n' >files/j.json
printf '<?xml version="1.0"?><a/>\n' >files/k.xml
printf 'plain\n' >files/l.txt
printf '%%PDF-1.4\n' >files/m.pdf
printf 'data' >files/n.bin
printf 'rss: 1\natom: 1\n' >>weft.yaml
printf '[[!inline pages="posts/*" rss=yes atom=yes]]\n' >>posts.mdwn

start_server "$T/s"
[ -n "$url" ]
ok $? "weft serve starts and prints its URL"
[ -n "$url" ] || { sed 's/^/# /' "$T/serve.err"; done_testing; exit 1; }
case $url in http://127.0.0.1:*) r=0 ;; *) r=1 ;; esac
ok $r "it listens on 127.0.0.1 unless asked ($url)"

# Pages, with the client injected, never cached without asking.
get /
check_eq "$code" 200 "/ is served"
check_eq "$(header Content-Type)" "text/html; charset=utf-8" "HTML is text/html; charset=utf-8"
check_eq "$(header Cache-Control)" "no-cache" "HTML is served with Cache-Control: no-cache"
check_grep 'Home page' "$T/body" "/ is index.html"
check_grep '<script src="/__weft/livereload.js"></script>' "$T/body" "the live reload client is injected into served HTML"
[ "$(grep -n '__weft/livereload' "$T/body" | cut -d: -f1)" -lt "$(grep -n -i '</body>' "$T/body" | cut -d: -f1)" ]
ok $? "before </body>"
check_no_grep 'livereload' public/index.html "but not into the file on disk"
grep -v -x -F '<script src="/__weft/livereload.js"></script>' "$T/body" | cmp -s - public/index.html
ok $? "the served page is the file with the client, and nothing else, added"
get /posts/one/
check_eq "$code" 200 "a page's directory URL serves its index.html"
check_grep 'A post' "$T/body" "with the page"
get /posts/one
check_eq "$code" 302 "a directory URL without its slash redirects"
check_eq "$(header Location)" "/posts/one/" "to the URL with the slash"
get /posts/one/index.html
check_eq "$code" 200 "index.html by name is served too"
get /posts/one/index.html/
check_eq "$code" 404 "a file named as a directory is 404"
mkdir -p public/evil.example
get //evil.example
check_eq "$(header Location)" "/evil.example/" "a redirect never leads to another host"
rmdir public/evil.example

# Content types.
for pair in style.css:text/css local.css:text/css \
	files/a.png:image/png files/b.jpg:image/jpeg files/c.jpeg:image/jpeg \
	files/d.gif:image/gif files/e.webp:image/webp files/f.ico:image/x-icon \
	files/g.woff2:font/woff2 files/h.svg:image/svg+xml \
	files/i.js:text/javascript files/j.json:application/json \
	files/k.xml:application/xml files/l.txt:text/plain \
	files/m.pdf:application/pdf files/n.bin:application/octet-stream \
	posts/index.rss:application/rss+xml posts/index.atom:application/atom+xml; do
	get "/${pair%%:*}"
	type=$(header Content-Type)
	case $type in "${pair#*:}"|"${pair#*:}; charset=utf-8") r=0 ;; *) r=1 ;; esac
	[ "$code" = 200 ] && [ $r -eq 0 ]
	ok $? "${pair%%:*} is ${pair#*:} (got $code $type)"
done
get /style.css
check_eq "$(header Content-Type)" "text/css; charset=utf-8" "text types say charset=utf-8"
check_no_grep 'livereload' "$T/body" "nothing is injected into CSS"
get /files/a.png
cmp -s "$T/body" files/a.png
ok $? "a binary file is served byte for byte"

# The site's 404 page, with status 404.
get /no/such/page/
check_eq "$code" 404 "a missing file is 404"
check_grep 'livereload' "$T/body" "the 404 page has the client"
grep -v -x -F '<script src="/__weft/livereload.js"></script>' "$T/body" | cmp -s - public/404.html
ok $? "the 404 page is the site's 404.html"
get /missing.css
check_eq "$code" 404 "a missing stylesheet is 404 too"

# HEAD.
get / -I
check_eq "$code" 200 "HEAD / is 200"
! grep -q -e '<' "$T/body"
ok $? "HEAD sends no body"
get /
len=$(wc -c <"$T/body")
get / -I
check_eq "$(header Content-Length)" "$len" "HEAD says the length GET sends"
get /files/a.png -I
check_eq "$(header Content-Length)" "$(wc -c <files/a.png)" "HEAD of a file says its length"

# Conditional GET.
get /style.css
etag=$(header ETag)
lastmod=$(header Last-Modified)
[ -n "$etag" ] && [ -n "$lastmod" ]
ok $? "files have an ETag and a Last-Modified ($etag, $lastmod)"
get /style.css -H "If-None-Match: $etag"
check_eq "$code" 304 "If-None-Match with the ETag is 304"
[ ! -s "$T/body" ]
ok $? "a 304 has no body"
get /style.css -H "If-None-Match: \"other\", $etag"
check_eq "$code" 304 "an ETag anywhere in the list is 304"
get /style.css -H 'If-None-Match: "other"'
check_eq "$code" 200 "another ETag is 200"
get /style.css -H "If-Modified-Since: $lastmod"
check_eq "$code" 304 "If-Modified-Since the Last-Modified is 304"
get /style.css -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT'
check_eq "$code" 200 "If-Modified-Since long ago is 200"
get /style.css -H 'If-None-Match: "other"' -H "If-Modified-Since: $lastmod"
check_eq "$code" 200 "If-None-Match wins over If-Modified-Since"
get /
etag=$(header ETag)
get / -H "If-None-Match: $etag"
check_eq "$code" 304 "pages are revalidated too"

# Nothing outside the output directory, however asked for.
printf 'secret-outside\n' >"$T/outside.txt"
ln -s /etc/passwd public/passwd-link
ln -s "$T/outside.txt" public/outside-link
ln -s .. public/up
for p in '/../weft.yaml' '/%2e%2e/weft.yaml' '/%2E%2E/weft.yaml' '/..%2fweft.yaml' \
	'/..%2Fweft.yaml' '/%2e%2e%2fweft.yaml' '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd' \
	'/posts/../../weft.yaml' '/posts/..%2f..%2fweft.yaml' '/.%2e/weft.yaml' \
	'/..%5cweft.yaml' '/%5c..%5cweft.yaml' '/index.html%00.png' '/%2fetc/passwd' \
	'/passwd-link' '/outside-link' '/up/weft.yaml' '/up/' '/up' \
	'/../../../../../../etc/passwd' '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd'; do
	get "$p"
	case $code in 403|404) r=0 ;; *) r=1 ;; esac
	! grep -q -e 'root:' -e 'wikiname' -e 'secret-outside' "$T/body" && [ $r -eq 0 ]
	ok $? "$p is refused ($code) without the file"
done
get '/..\weft.yaml'
case $code in 403|404) r=0 ;; *) r=1 ;; esac
ok $r "a backslash is refused ($code)"
rm public/passwd-link public/outside-link public/up

# Other methods.
get / -X POST -d x=1
check_eq "$code" 405 "POST is 405"
check_eq "$(header Allow)" "GET, HEAD" "saying what is allowed"

# The client and its event stream.
get /__weft/livereload.js
check_eq "$code" 200 "the client is served"
check_eq "$(header Content-Type)" "text/javascript; charset=utf-8" "as JavaScript"
check_grep 'EventSource' "$T/body" "it listens to the event stream"
curl -s -N --max-time 1 -D "$T/sse-head" -o "$T/sse" "${url}__weft/events"
check_grep '^event: hello' "$T/sse" "the event stream says hello first"
check_grep '"id":"' "$T/sse" "with the server's id"
check_grep '^Content-Type: text/event-stream' "$T/sse-head" "as text/event-stream"

# Event stream clients that go away are forgotten.
streams() { curl -s "${url}__weft/status" | sed -n 's/.*"streams":\([0-9]*\).*/\1/p'; }
i=0
while [ "$(streams)" != 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "$(streams)" 0 "the stream closed by its client above is forgotten"
cpids=
for i in 1 2 3 4 5; do
	curl -s -N -o /dev/null "${url}__weft/events" &
	cpids="$cpids $!"
done
i=0
while [ "$(streams)" != 5 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "$(streams)" 5 "five open event streams are counted"
kill $cpids 2>/dev/null
wait $cpids 2>/dev/null
i=0
while [ "$(streams)" != 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "$(streams)" 0 "and forgotten within seconds once their clients are gone"

# A port in use is an error, said as such.
port=${url##*:}
port=${port%/}
run "$WEFT" serve --port "$port" "$T/s"
check_status 2 "a port in use exits 2"
check_grep 'in use' "$T/err" "saying the address is in use"
run "$WEFT" serve --port 99999 "$T/s"
check_status 2 "a bad port number exits 2"
run "$WEFT" serve "$T/nothing-here"
check_status 2 "a directory without weft.yaml exits 2"

# weft build output never holds the client.
(cd "$T/s" && "$WEFT" build -q)
! grep -r -q livereload public
ok $? "weft build writes no live reload client"

# Ctrl-C stops it cleanly, with its streams open.
curl -s -N -o /dev/null "${url}__weft/events" &
cpid=$!
sleep 0.2
kill -INT $pid
status=0
wait $pid || status=$?
pid=
check_eq "$status" 0 "SIGINT stops the server with status 0"
check_grep 'stopped' "$T/serve.err" "saying so"
wait $cpid 2>/dev/null
curl -s -o /dev/null "$url"
[ $? -eq 7 ]
ok $? "the port is closed afterwards"

# --bind: another address only when asked.
start_server "$T/s" --bind 127.0.0.2
case $url in http://127.0.0.2:*) r=0 ;; *) r=1 ;; esac
ok $r "--bind listens where asked ($url)"
get /
check_eq "$code" 200 "and serves there"
kill -TERM $pid
status=0
wait $pid || status=$?
pid=
check_eq "$status" 0 "SIGTERM stops it with status 0 too"

done_testing
