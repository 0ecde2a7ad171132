/* serve.c — the preview server: files under one root over HTTP with
 * libmicrohttpd, the live reload client and its event stream. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "diag.h"
#include "lazylib.h"
#include "path.h"
#include "xalloc.h"

/* libmicrohttpd, opened when a server starts (lazylib.h). */
#define MHD_FUNCTIONS(X) \
	X(MHD_add_response_header) \
	X(MHD_create_response_from_buffer) \
	X(MHD_create_response_from_callback) \
	X(MHD_create_response_from_fd64) \
	X(MHD_destroy_response) \
	X(MHD_get_connection_info) \
	X(MHD_lookup_connection_value) \
	X(MHD_queue_response) \
	X(MHD_start_daemon) \
	X(MHD_stop_daemon)
LAZYLIB_DEFINE(mhd, libmhd, MHD_FUNCTIONS, WEFT_MICROHTTPD_SONAME, "weft serve");

enum {
	PING_SECONDS = 15,	/* an idle event stream's keep-alive */
	MAX_CONNECTIONS = 100,
	IDLE_TIMEOUT = 60,	/* seconds before an idle connection closes */
};

struct serve {
	struct diag *diag;
	int sock;		/* listening; -1 once the daemon owns it */
	int family;
	char *url;
	char *root;
	char id[40];		/* this run's: a client that reconnects to
				 * another reloads */
	struct MHD_Daemon *mhd;

	pthread_mutex_t lock;
	pthread_cond_t cond;	/* signalled on each build and on stopping */
	/* Under lock: */
	unsigned long gen;	/* builds so far */
	unsigned long reload_gen;	/* the last build that changed pages */
	unsigned long css_gen;	/* the last that changed only stylesheets */
	char *error;		/* the last build's messages if it failed */
	unsigned streams;	/* event streams open */
	bool building;
	bool stopping;
};

/* The client: reloads on "reload", swaps stylesheets on "css" without a
 * reload, shows a failed build's messages on "builderror", and retries a
 * lost connection every second, reloading when the server it reaches is
 * another one or has built meanwhile. */
static const char client_js[] =
	"/* weft serve: live reload. */\n"
	"(function () {\n"
	"\t\"use strict\";\n"
	"\tvar id = null, build = null, box = null;\n"
	"\tfunction hide() {\n"
	"\t\tif (box) { box.remove(); box = null; }\n"
	"\t}\n"
	"\tfunction line(text) {\n"
	"\t\tvar div = document.createElement(\"div\"), b, m = /^(.+?):(\\d+): (.*)$/.exec(text);\n"
	"\t\tif (/: (warning|note): /.test(text)) div.style.opacity = \"0.6\";\n"
	"\t\tif (m) {\n"
	"\t\t\tb = document.createElement(\"b\");\n"
	"\t\t\tb.textContent = m[1] + \":\" + m[2] + \":\";\n"
	"\t\t\tdiv.appendChild(b);\n"
	"\t\t\tdiv.appendChild(document.createTextNode(\" \" + m[3]));\n"
	"\t\t} else {\n"
	"\t\t\tdiv.textContent = text;\n"
	"\t\t}\n"
	"\t\treturn div;\n"
	"\t}\n"
	"\tfunction show(text) {\n"
	"\t\tvar h = document.createElement(\"div\"), pre = document.createElement(\"pre\");\n"
	"\t\thide();\n"
	"\t\tbox = document.createElement(\"div\");\n"
	"\t\tbox.id = \"weft-build-error\";\n"
	"\t\tbox.setAttribute(\"style\", \"position:fixed;inset:0;z-index:2147483647;\" +\n"
	"\t\t\t\"overflow:auto;margin:0;padding:2em;background:rgba(30,0,0,.93);\" +\n"
	"\t\t\t\"color:#fee;font:14px/1.5 monospace;text-align:left\");\n"
	"\t\th.textContent = \"weft: the build failed. Fix the file and save: this goes away.\";\n"
	"\t\th.setAttribute(\"style\", \"font-weight:bold;margin-bottom:1em\");\n"
	"\t\tpre.setAttribute(\"style\", \"white-space:pre-wrap;margin:0;font:inherit\");\n"
	"\t\ttext.split(\"\\n\").forEach(function (l) { if (l) pre.appendChild(line(l)); });\n"
	"\t\tbox.appendChild(h);\n"
	"\t\tbox.appendChild(pre);\n"
	"\t\t(document.body || document.documentElement).appendChild(box);\n"
	"\t}\n"
	"\tfunction swapcss(n) {\n"
	"\t\tdocument.querySelectorAll(\"link[rel~=stylesheet]\").forEach(function (old) {\n"
	"\t\t\tvar u = new URL(old.href, location.href), l;\n"
	"\t\t\tif (u.origin !== location.origin) return;\n"
	"\t\t\tu.searchParams.set(\"weft\", n);\n"
	"\t\t\tl = old.cloneNode();\n"
	"\t\t\tl.href = u.href;\n"
	"\t\t\tl.onload = l.onerror = function () { old.remove(); };\n"
	"\t\t\told.after(l);\n"
	"\t\t});\n"
	"\t}\n"
	"\tfunction connect() {\n"
	"\t\tvar es = new EventSource(\"/__weft/events\");\n"
	"\t\tes.addEventListener(\"hello\", function (e) {\n"
	"\t\t\tvar d = JSON.parse(e.data);\n"
	"\t\t\tif (id !== null && (id !== d.id || build !== d.build)) location.reload();\n"
	"\t\t\tid = d.id;\n"
	"\t\t\tbuild = d.build;\n"
	"\t\t});\n"
	"\t\tes.addEventListener(\"reload\", function () { location.reload(); });\n"
	"\t\tes.addEventListener(\"css\", function (e) {\n"
	"\t\t\tbuild = JSON.parse(e.data).build;\n"
	"\t\t\thide();\n"
	"\t\t\tswapcss(build);\n"
	"\t\t});\n"
	"\t\tes.addEventListener(\"builderror\", function (e) {\n"
	"\t\t\tvar d = JSON.parse(e.data);\n"
	"\t\t\tbuild = d.build;\n"
	"\t\t\tshow(d.text);\n"
	"\t\t});\n"
	"\t\tes.onerror = function () {\n"
	"\t\t\tes.close();\n"
	"\t\t\tsetTimeout(connect, 1000);\n"
	"\t\t};\n"
	"\t}\n"
	"\tconnect();\n"
	"})();\n";

static const char client_tag[] = "<script src=\"/__weft/livereload.js\"></script>\n";

/* Content types by extension; anything else is application/octet-stream. */
static const struct {
	const char *ext, *type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "xml", "application/xml" },
	{ "rss", "application/rss+xml" },
	{ "atom", "application/atom+xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/x-icon" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "pdf", "application/pdf" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
};

static const char *
content_type(const char *name)
{
	const char *ext = path_ext(name);
	size_t i;

	for (i = 0; ext && i < sizeof(types) / sizeof(*types); i++)
		if (strcasecmp(ext, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static bool
is_html(const char *type)
{
	return strncmp(type, "text/html", 9) == 0;
}

/* Listening. */

static void
set_url(struct serve *s, const struct sockaddr *sa, socklen_t len)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(host, sizeof(host), "?"), snprintf(port, sizeof(port), "?");
	s->url = xasprintf(sa->sa_family == AF_INET6 ? "http://[%s]:%s/" : "http://%s:%s/",
			   host, port);
}

static int
bind_one(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1, err;

	if (fd < 0)
		return -1;
	/* A restart right after Ctrl-C finds the port in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int
listen_on(struct serve *s, const char *addr, const char *port)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r, err = 0;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(addr, port, &hints, &res)) != 0)
		return diag_error(s->diag, NULL, 0, "cannot listen on %s: %s", addr,
				  gai_strerror(r));
	for (ai = res; ai && s->sock < 0; ai = ai->ai_next) {
		s->sock = bind_one(ai);
		s->family = ai->ai_family;
		err = errno;
	}
	freeaddrinfo(res);
	if (s->sock < 0)
		return diag_error(s->diag, NULL, 0, "cannot listen on %s port %s: %s%s",
				  addr, port, strerror(err),
				  err == EADDRINUSE ? " (choose another with --port)" : "");
	getsockname(s->sock, (struct sockaddr *)&ss, &len);
	set_url(s, (struct sockaddr *)&ss, len);
	return 0;
}

struct serve *
serve_new(const char *addr, const char *port, struct diag *d)
{
	struct serve *s;
	pthread_condattr_t ca;
	struct timespec ts;

	if (lazylib_load(&libmhd, d) < 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->diag = d;
	s->sock = -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(s->id, sizeof(s->id), "%lx-%lx-%x", (unsigned long)ts.tv_sec,
		 (unsigned long)ts.tv_nsec, (unsigned)getpid());
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (listen_on(s, addr, port) < 0) {
		serve_free(s);
		return NULL;
	}
	return s;
}

const char *
serve_url(const struct serve *s)
{
	return s->url;
}

/* Request paths. */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Percent-decodes the raw request path url into out. -1 for what could
 * name a file outside the root or another file than it seems to: a bad
 * escape, a NUL, a '\\' or an encoded '/', a ".." segment.
 */
static int
decode_path(struct buf *out, const char *url)
{
	const char *p, *seg;
	int hi, lo, c;

	for (p = url; *p; p++) {
		c = (unsigned char)*p;
		if (c == '%') {
			if ((hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0)
				return -1;
			c = hi << 4 | lo;
			p += 2;
			if (c == '/' || c == '\0')
				return -1;
		}
		if (c == '\\')
			return -1;
		buf_putc(out, c);
	}
	for (seg = out->data; *seg; seg += strcspn(seg, "/")) {
		seg += *seg == '/';
		if (seg[0] == '.' && seg[1] == '.' && (seg[2] == '/' || seg[2] == '\0'))
			return -1;
	}
	return out->data[0] == '/' ? 0 : -1;
}

/* What a request path names. */
struct target {
	int fd;			/* open, or -1 */
	struct stat st;
	const char *type;
};

/* Opens name under the directory dirfd, never through a symlink: 0, 403
 * or 404. A FIFO opens without blocking, and is refused later. */
static unsigned
open_at(struct target *t, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno == ELOOP || errno == EACCES ? MHD_HTTP_FORBIDDEN : MHD_HTTP_NOT_FOUND;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	if (fstat(fd, &t->st) < 0)
		return MHD_HTTP_NOT_FOUND;
	return 0;
}

/* Walks path one segment at a time from root, so that neither ".." nor a
 * symlink can lead out of it. 0, 403 or 404. */
static unsigned
walk(struct target *t, const char *root, char *path)
{
	char *seg, *save = NULL;
	unsigned r;

	t->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->fd < 0 || fstat(t->fd, &t->st) < 0)
		return MHD_HTTP_NOT_FOUND;
	for (seg = strtok_r(path, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!S_ISDIR(t->st.st_mode))
			return MHD_HTTP_NOT_FOUND;
		if (strcmp(seg, ".") != 0 && (r = open_at(t, t->fd, seg)) != 0)
			return r;
	}
	return 0;
}

/*
 * Finds the file the raw request path url names under root: the file, or a
 * directory's index.html. Returns 200 (t->fd open), 302 (a directory named
 * without its trailing '/'), 403 or 404; t->fd is -1 unless 200.
 */
static unsigned
find_target(struct target *t, const char *root, const char *url)
{
	struct buf path = BUF_INIT;
	unsigned r = MHD_HTTP_FORBIDDEN;
	const char *name;

	t->fd = -1;
	if (decode_path(&path, url) < 0)
		goto out;
	name = path_base(path.data);	/* walk leaves the last segment as it is */
	if ((r = walk(t, root, path.data)) != 0)
		goto out;
	if (S_ISDIR(t->st.st_mode)) {
		r = MHD_HTTP_FOUND;
		if (url[strlen(url) - 1] != '/' || (r = open_at(t, t->fd, "index.html")) != 0)
			goto out;
		name = "index.html";
	} else if (url[strlen(url) - 1] == '/') {
		r = MHD_HTTP_NOT_FOUND;	/* a file named as a directory */
		goto out;
	}
	r = S_ISREG(t->st.st_mode) ? MHD_HTTP_OK : MHD_HTTP_FORBIDDEN;
	t->type = content_type(name);
out:
	if (r != MHD_HTTP_OK && t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	}
	buf_release(&path);
	return r;
}

/* Responses. */

static enum MHD_Result
queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	ret = mhd.MHD_queue_response(c, status, r);
	mhd.MHD_destroy_response(r);
	return ret;
}

static struct MHD_Response *
text_response(const char *text, const char *type)
{
	struct MHD_Response *r = mhd.MHD_create_response_from_buffer(strlen(text),
		(void *)text, MHD_RESPMEM_MUST_COPY);

	if (r) {
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
		mhd.MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	}
	return r;
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return queue(c, status, text_response(text, "text/plain; charset=utf-8"));
}

/* Redirects to url with a '/' added; "//host/dir" would leave the site. */
static enum MHD_Result
redirect(struct MHD_Connection *c, const char *url)
{
	struct MHD_Response *r = text_response("Found\n", "text/plain; charset=utf-8");
	char *to;

	while (url[0] == '/' && url[1] == '/')
		url++;
	to = xasprintf("%s/", url);
	if (r)
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
	free(to);
	return queue(c, MHD_HTTP_FOUND, r);
}

/* Inserts the client before the last </body>, or at the end without one. */
static void
inject(struct buf *out, const char *html, size_t len)
{
	size_t at = len;

	while (at >= 6 && strncasecmp(html + at - 6, "</body", 6) != 0)
		at--;
	at = at >= 6 ? at - 6 : len;
	buf_put(out, html, at);
	buf_puts(out, client_tag);
	buf_put(out, html + at, len - at);
}

static int
read_fd(struct buf *b, int fd)
{
	ssize_t n;

	do {
		buf_grow(b, 65536);
		n = read(fd, b->data + b->len, 65536);
		if (n > 0) {
			b->len += (size_t)n;
			b->data[b->len] = '\0';
		}
	} while (n > 0 || (n < 0 && errno == EINTR));
	return n < 0 ? -1 : 0;
}

static struct MHD_Response *
html_response(int fd)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	struct MHD_Response *r = NULL;
	size_t len;
	char *data;

	if (read_fd(&raw, fd) == 0) {
		inject(&out, raw.data, raw.len);
		data = buf_detach(&out, &len);
		r = mhd.MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(data);
	}
	buf_release(&raw);
	return r;
}

/* HTTP dates, in the C locale whatever the process's. */
static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void
http_date(char *out, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), or -1. */
static time_t
parse_http_date(const char *s)
{
	struct tm tm = { 0 };
	char mon[4];
	int i;

	if (sscanf(s, "%*3s, %d %3s %d %d:%d:%d GMT", &tm.tm_mday, mon, &tm.tm_year,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	for (i = 0; i < 12 && strcmp(mon, months[i]) != 0; i++)
		;
	if (i == 12)
		return -1;
	tm.tm_mon = i;
	tm.tm_year -= 1900;
	return timegm(&tm);
}

/* Whether the If-None-Match list holds etag (compared weakly, as RFC 9110
 * asks for this header). */
static bool
etag_listed(const char *list, const char *etag)
{
	size_t n = strlen(etag), k;
	const char *p = list;

	while (*p) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		k = strcspn(p, ",");
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k == n && strncmp(p, etag, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static bool
not_modified(struct MHD_Connection *c, const char *etag, time_t mtime)
{
	const char *inm = mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims = mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	time_t t;

	if (inm)
		return etag_listed(inm, etag);
	return ims && (t = parse_http_date(ims)) != -1 && mtime <= t;
}

static void
add_validators(struct MHD_Response *r, const char *etag, time_t mtime)
{
	char date[40];

	http_date(date, sizeof(date), mtime);
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
}

/* Sends the file t names (taking its fd) with status: HTML with the
 * client in it, anything else as it is; 304 when the client's copy is
 * current. Nothing is cached without asking: a preview changes. */
static enum MHD_Result
send_file(struct MHD_Connection *c, struct target *t, unsigned status)
{
	struct MHD_Response *r;
	char etag[80];

	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx.%lx\"",
		 (unsigned long long)t->st.st_ino, (unsigned long long)t->st.st_size,
		 (unsigned long long)t->st.st_mtim.tv_sec, (long)t->st.st_mtim.tv_nsec);
	if (status == MHD_HTTP_OK && not_modified(c, etag, t->st.st_mtim.tv_sec)) {
		close(t->fd);
		r = mhd.MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_MODIFIED;
	} else if (is_html(t->type)) {
		r = html_response(t->fd);
		close(t->fd);
	} else {
		r = mhd.MHD_create_response_from_fd64((uint64_t)t->st.st_size, t->fd);
		if (!r)
			close(t->fd);
	}
	if (!r)
		return MHD_NO;
	if (status != MHD_HTTP_NOT_MODIFIED)
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, t->type);
	if (status != MHD_HTTP_NOT_FOUND)
		add_validators(r, etag, t->st.st_mtim.tv_sec);
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	mhd.MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	return queue(c, status, r);
}

/* The site's 404.html with status 404, or a page of our own; with the
 * client either way, so that a page that appears is shown. */
static enum MHD_Result
reply_404(struct serve *s, struct MHD_Connection *c)
{
	struct target t;
	struct buf page = BUF_INIT;
	enum MHD_Result ret;

	if (find_target(&t, s->root, "/404.html") == MHD_HTTP_OK)
		return send_file(c, &t, MHD_HTTP_NOT_FOUND);
	buf_puts(&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		 "<title>Not found</title></head>\n<body><h1>Not found</h1>\n");
	buf_puts(&page, client_tag);
	buf_puts(&page, "</body></html>\n");
	ret = queue(c, MHD_HTTP_NOT_FOUND, text_response(page.data, "text/html; charset=utf-8"));
	buf_release(&page);
	return ret;
}

static enum MHD_Result
answer_file(struct serve *s, struct MHD_Connection *c, const char *url)
{
	struct target t;

	switch (find_target(&t, s->root, url)) {
	case MHD_HTTP_OK:
		return send_file(c, &t, MHD_HTTP_OK);
	case MHD_HTTP_FOUND:
		return redirect(c, url);
	case MHD_HTTP_NOT_FOUND:
		return reply_404(s, c);
	default:
		return reply_text(c, MHD_HTTP_FORBIDDEN, "Forbidden\n");
	}
}

/* The event stream. */

/* One open event stream. */
struct stream {
	struct serve *s;
	int fd;			/* the client's socket, to notice it leave */
	unsigned long seen;	/* the last build it was told about */
	struct buf out;		/* what is still to send, from off */
	size_t off;
};

static void
put_json_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, c);
	}
	buf_putc(b, '"');
}

/* Appends the event that brings a client that saw build st->seen up to
 * date, if any. Called with the lock held. */
static void
put_event(struct stream *st)
{
	struct serve *s = st->s;

	if (s->error) {
		buf_printf(&st->out, "event: builderror\ndata: {\"build\":%lu,\"text\":", s->gen);
		put_json_string(&st->out, s->error);
		buf_puts(&st->out, "}\n\n");
	} else if (s->reload_gen > st->seen) {
		buf_printf(&st->out, "event: reload\ndata: {\"build\":%lu}\n\n", s->gen);
	} else if (s->css_gen > st->seen) {
		buf_printf(&st->out, "event: css\ndata: {\"build\":%lu}\n\n", s->gen);
	}
	st->seen = s->gen;
}

static bool
client_left(int fd)
{
	struct pollfd p = { fd, POLLRDHUP, 0 };

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Waits, in the connection's own thread, for something to send: an event,
 * or a keep-alive after PING_SECONDS. -1 when the server stops or the
 * client left. */
static int
stream_wait(struct stream *st)
{
	struct serve *s = st->s;
	struct timespec now, until;
	int rc = 0;

	buf_reset(&st->out);
	st->off = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&s->lock);
	while (st->out.len == 0) {
		if (s->stopping || client_left(st->fd)) {
			rc = -1;
			break;
		}
		if (s->gen > st->seen) {
			put_event(st);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		if (until.tv_sec - now.tv_sec >= PING_SECONDS) {
			buf_puts(&st->out, ": ping\n\n");
			break;
		}
		until.tv_sec += 1;	/* to look at the socket again */
		pthread_cond_timedwait(&s->cond, &s->lock, &until);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct stream *st = cls;
	size_t n;

	if (st->off == st->out.len && stream_wait(st) < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = st->out.len - st->off;
	if (n > max)
		n = max;
	memcpy(dst, st->out.data + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream *st = cls;

	pthread_mutex_lock(&st->s->lock);
	st->s->streams--;
	pthread_mutex_unlock(&st->s->lock);
	buf_release(&st->out);
	free(st);
}

static enum MHD_Result
answer_events(struct serve *s, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		mhd.MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct stream *st = xcalloc(1, sizeof(*st));
	struct MHD_Response *r;

	st->s = s;
	st->fd = ci ? ci->connect_fd : -1;
	buf_init(&st->out);
	pthread_mutex_lock(&s->lock);
	s->streams++;
	buf_printf(&st->out, "retry: 1000\n\nevent: hello\ndata: {\"id\":\"%s\",\"build\":%lu}\n\n",
		   s->id, s->gen);
	st->seen = s->gen;
	if (s->error)
		put_event(st);
	pthread_mutex_unlock(&s->lock);
	r = mhd.MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st,
					      stream_free);
	if (!r) {
		stream_free(st);
		return MHD_NO;
	}
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	mhd.MHD_add_response_header(r, "X-Accel-Buffering", "no");
	return queue(c, MHD_HTTP_OK, r);
}

static enum MHD_Result
answer_status(struct serve *s, struct MHD_Connection *c)
{
	char *json;
	enum MHD_Result ret;

	struct mallinfo2 mi = mallinfo2();

	pthread_mutex_lock(&s->lock);
	json = xasprintf("{\"id\":\"%s\",\"builds\":%lu,\"building\":%s,\"ok\":%s,"
			 "\"streams\":%u,\"heap\":%zu}\n", s->id, s->gen,
			 s->building ? "true" : "false", s->error ? "false" : "true",
			 s->streams, mi.uordblks);
	pthread_mutex_unlock(&s->lock);
	ret = queue(c, MHD_HTTP_OK, text_response(json, "application/json"));
	free(json);
	return ret;
}

/* Requests. */

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct serve *s = cls;
	struct MHD_Response *r;

	/* The first call has the headers only; answering then would close
	 * the connection, so answer on the next. */
	if (!*req) {
		*req = s;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;	/* no method here takes a body */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		r = text_response("Method not allowed\n", "text/plain; charset=utf-8");
		if (r)
			mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
	}
	if (strcmp(url, "/__weft/livereload.js") == 0)
		return queue(c, MHD_HTTP_OK, text_response(client_js, "text/javascript; charset=utf-8"));
	if (strcmp(url, "/__weft/events") == 0)
		return answer_events(s, c);
	if (strcmp(url, "/__weft/status") == 0)
		return answer_status(s, c);
	return answer_file(s, c, url);
}

/* Leaves the request path as it came, so that decode_path sees what was
 * encoded (an encoded '/' is not a '/'). */
static size_t
keep_raw(void *cls, struct MHD_Connection *c, char *uri)
{
	return strlen(uri);
}

__attribute__((format(printf, 2, 0)))
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct serve *s = cls;

	diag_report(s->diag, DIAG_INFO, NULL, 0, fmt, ap);
}

int
serve_start(struct serve *s, const char *root)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;

	if (s->family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->root = xstrdup(root);
	s->mhd = mhd.MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
				  MHD_OPTION_LISTEN_SOCKET, s->sock,
				  MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
				  MHD_OPTION_END);
	if (!s->mhd)
		return diag_error(s->diag, NULL, 0, "cannot start the HTTP server on %s", s->url);
	s->sock = -1;
	return 0;
}

void
serve_building(struct serve *s)
{
	pthread_mutex_lock(&s->lock);
	s->building = true;
	pthread_mutex_unlock(&s->lock);
}

void
serve_built(struct serve *s, enum serve_event ev, const char *text)
{
	pthread_mutex_lock(&s->lock);
	s->building = false;
	s->gen++;
	/* After a failure the pages may be stale whatever this build wrote. */
	if (s->error && ev != SERVE_ERROR)
		ev = SERVE_RELOAD;
	free(s->error);
	s->error = ev == SERVE_ERROR ? xstrdup(text ? text : "") : NULL;
	if (ev == SERVE_RELOAD)
		s->reload_gen = s->gen;
	else if (ev == SERVE_CSS)
		s->css_gen = s->gen;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void
serve_free(struct serve *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->mhd)
		mhd.MHD_stop_daemon(s->mhd);
	if (s->sock >= 0)
		close(s->sock);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->error);
	free(s->root);
	free(s->url);
	free(s);
}
