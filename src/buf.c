/* buf.c — the growable byte buffer and its escaping appenders. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "xalloc.h"

char buf_empty[1];

void
buf_init(struct buf *b)
{
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
}

void
buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

/* The first allocation of a buffer: most grow past a few bytes at once. */
#define BUF_FIRST 64

void
buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	char *old = b->cap ? b->data : NULL;

	if (need <= b->cap)
		return;
	if (need < b->len)
		xgrow(NULL, &b->cap, (size_t)-1, 1);	/* overflow: aborts */
	if (!old && need < BUF_FIRST)
		need = BUF_FIRST;
	b->data = xgrow(old, &b->cap, need, 1);
	if (!old)
		b->data[0] = '\0';
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	p = b->cap ? b->data : xstrdup("");
	buf_init(b);
	return p;
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_cat(struct buf *b, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, b);
	while ((s = va_arg(ap, const char *)) != NULL)
		buf_put(b, s, strlen(s));
	va_end(ap);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* The entity for each byte buf_put_html escapes, with its length (0 for
 * the bytes copied as they are). */
static const struct {
	char text[7];
	unsigned char len;
} html_entity[256] = {
	['&'] = { "&amp;", 5 }, ['<'] = { "&lt;", 4 }, ['>'] = { "&gt;", 4 },
	['"'] = { "&quot;", 6 }, ['\''] = { "&#39;", 5 },
};

/* The length of the run of bytes at the start of s[0..n) that
 * buf_put_html copies as they are. Templates and feeds escape every
 * value and most bytes need nothing: sixteen are tested at once where
 * SSE2 is (every x86-64), the rest by the table. */
static size_t
html_safe_run(const unsigned char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<');
	const __m128i gt = _mm_set1_epi8('>'), quot = _mm_set1_epi8('"');
	const __m128i apos = _mm_set1_epi8('\'');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i m = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)),
			_mm_or_si128(_mm_cmpeq_epi8(v, gt),
			_mm_or_si128(_mm_cmpeq_epi8(v, quot), _mm_cmpeq_epi8(v, apos))));
		int bits = _mm_movemask_epi8(m);

		if (bits)
			return i + (size_t)__builtin_ctz((unsigned)bits);
	}
#endif
	while (i < n && !html_entity[s[i]].len)
		i++;
	return i;
}

void
buf_put_html(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	buf_grow(b, n);	/* most text has few escapes: room once */
	while (i < n) {
		size_t run = html_safe_run(u + i, n - i);

		buf_put(b, s + i, run);
		i += run;
		if (i == n)
			break;
		buf_put(b, html_entity[u[i]].text, html_entity[u[i]].len);
		i++;
	}
}

void
buf_put_url(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.') {
			buf_putc(b, c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

void
buf_put_js(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '\\': buf_puts(b, "\\\\"); break;
		case '"': buf_puts(b, "\\\""); break;
		case '\'': buf_puts(b, "\\'"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '<': buf_puts(b, "\\x3c"); break;	/* no </script> */
		case '>': buf_puts(b, "\\x3e"); break;
		default:
			if (c < 0x20)
				buf_printf(b, "\\x%02x", c);
			else
				buf_putc(b, c);
		}
	}
}

/* Reads fd to its end onto b, whose room is for size bytes more; a read
 * short of what was asked is the end of a regular file. */
static int
read_rest(struct buf *b, int fd, size_t size)
{
	size_t start = b->len;
	ssize_t n;
	int saved;

	/* The size is known: room for exactly that, a byte more to see the
	 * end and the NUL, not the next power of two (a build keeps every
	 * source in memory: a third more for nothing). */
	if (b->len + size + 2 > b->cap && size < SIZE_MAX / 2) {
		b->data = xrealloc(b->cap ? b->data : NULL, b->len + size + 2);
		if (!b->cap)
			b->data[0] = '\0';
		b->cap = b->len + size + 2;
	}
	do {
		buf_grow(b, b->len - start < size ? size - (b->len - start) + 1 : 65536);
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n > 0) {
			b->len += (size_t)n;
			b->data[b->len] = '\0';
		}
	} while ((n > 0 && b->len == b->cap - 1) || (n < 0 && errno == EINTR));
	saved = errno;
	close(fd);
	errno = saved;
	return n < 0 ? -1 : 0;
}

int
buf_read_file_sized(struct buf *b, const char *path, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return read_rest(b, fd, size);
}

int
buf_read_file(struct buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int saved;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else
		return read_rest(b, fd, (size_t)st.st_size);
	close(fd);
	errno = saved;
	return -1;
}
