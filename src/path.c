/* path.c — path and URL arithmetic. */
#include "path.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

void
path_join(struct buf *out, const char *a, const char *b)
{
	if (b[0] == '/' || !a[0]) {
		buf_puts(out, b);
		return;
	}
	buf_puts(out, a);
	if (b[0]) {
		if (out->len && out->data[out->len - 1] != '/')
			buf_putc(out, '/');
		buf_puts(out, b);
	}
}

int
path_clean(char *p)
{
	char *r = p, *w = p, *start;
	bool abs = *p == '/';

	if (abs)
		r++, w++;
	start = w;
	while (*r) {
		char *seg = r;
		size_t n;

		while (*r && *r != '/')
			r++;
		n = (size_t)(r - seg);
		if (*r == '/')
			r++;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (w == start) {
				if (!abs)
					return -1;
				continue;	/* "/.." is "/" */
			}
			while (w > start && w[-1] != '/')
				w--;
			if (w > start)
				w--;	/* the '/' before the dropped segment */
			continue;
		}
		if (w > start)
			*w++ = '/';
		memmove(w, seg, n);
		w += n;
	}
	*w = '\0';
	return 0;
}

bool
path_is_clean(const char *p)
{
	const char *seg = p;

	for (;; p++) {
		if (*p && *p != '/')
			continue;
		/* p ends the segment from seg: not empty, ".", or "..". */
		if (p == seg || (seg[0] == '.' && (p - seg == 1 || (p - seg == 2 && seg[1] == '.'))))
			return false;
		if (!*p)
			return true;
		seg = p + 1;
	}
}

size_t
path_dirlen(const char *p, size_t len)
{
	while (len > 0 && p[len - 1] != '/')
		len--;
	return len ? len - 1 : 0;
}

const char *
path_base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

const char *
path_ext(const char *p)
{
	const char *base = path_base(p);
	const char *dot = strrchr(base, '.');

	return dot && dot != base ? dot + 1 : NULL;
}

int
path_mkdirs(const char *dir)
{
	char *p = xstrdup(dir), *s;
	struct stat st;
	int rc = -1;

	for (s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			goto out;
		*s = c;
		if (!c)
			break;
	}
	if (stat(p, &st) < 0)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

/* The bytes buf_put_urlpath escapes, by value: controls, space, DEL and
 * "#%<>?\^`{|}. */
static bool
url_unsafe(unsigned char c)
{
	static const uint32_t unsafe[8] = {
		0xffffffff,		/* 0x00-0x1f */
		0xd000002d,		/* ' ' '"' '#' '%' '<' '>' '?' */
		0x50000000,		/* '\\' '^' */
		0xb8000001,		/* '`' '{' '|' '}' DEL */
	};

	return unsafe[c >> 5] >> (c & 31) & 1;
}

void
buf_put_urlpath(struct buf *out, const char *path, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];
		char esc[3];

		if (!url_unsafe(c))
			continue;
		/* The safe bytes before it at once, then it escaped. */
		buf_put(out, path + run, i - run);
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		buf_put(out, esc, 3);
		run = i + 1;
	}
	buf_put(out, path + run, len - run);
}

int
path_mkdirs_parent(const char *file)
{
	size_t n = path_dirlen(file, strlen(file));
	char *dir;
	int rc;

	if (n == 0)
		return 0;
	dir = xstrndup(file, n);
	rc = path_mkdirs(dir);
	free(dir);
	return rc;
}

void
url_relative(struct buf *out, const char *from, const char *to)
{
	size_t fdir = path_dirlen(from, strlen(from));
	size_t common = 0, i;
	unsigned ups = 0;

	/* The longest run of whole directory segments the two share. */
	for (i = 1; i <= fdir; i++) {
		if (i < fdir && from[i] != '/')
			continue;
		if (strncmp(from, to, i) != 0 || to[i] != '/')
			break;
		common = i;
	}
	/* One "../" per segment of from's directory below that run. */
	if (common == 0 && fdir > 0)
		ups = 1;
	for (i = common; i < fdir; i++)
		ups += from[i] == '/';
	if (!ups)
		buf_puts(out, "./");
	while (ups--)
		buf_puts(out, "../");
	to += common;
	if (common)
		to++;
	buf_puts(out, to);
}

/* The working directory, or NULL when it is gone; the caller frees. */
static char *
current_dir(void)
{
	size_t cap = 256;
	char *cwd = NULL;

	for (;;) {
		cwd = xrealloc(cwd, cap);
		if (getcwd(cwd, cap))
			return cwd;
		if (errno != ERANGE || cap > 1 << 20)
			break;
		cap *= 2;
	}
	free(cwd);
	return NULL;
}

char *
path_absolute(const char *p)
{
	struct buf b = BUF_INIT;
	char *cwd = p[0] == '/' ? NULL : current_dir();

	path_join(&b, cwd ? cwd : "", p);
	free(cwd);
	if (b.data[0] == '/')
		path_clean(b.data);	/* an absolute path cannot escape */
	return buf_detach(&b, NULL);
}
