/* buf.h — the one growable byte buffer, used wherever text is built. */
#ifndef WEFT_BUF_H
#define WEFT_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/*
 * Invariants: data is never NULL and data[len] is always '\0', so a buf can
 * be handed to any function that wants a C string. A buf that has never
 * grown points at a shared empty string and owns no memory (cap == 0).
 * Bytes may include NULs; len is the truth.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

extern char buf_empty[1];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
/* Frees the memory; b is back in its initial state. */
void buf_release(struct buf *b);
/* Empties b but keeps its memory for reuse. */
void buf_reset(struct buf *b);
void buf_truncate(struct buf *b, size_t len);
/* Makes room for extra more bytes (plus the terminator). */
void buf_grow(struct buf *b, size_t extra);
/* Hands the memory to the caller (always a malloc'd, terminated string,
 * even for an empty buf); b is back in its initial state. */
char *buf_detach(struct buf *b, size_t *len);

/* buf_put and buf_putc are here, inline, because text is built a byte or
 * a few at a time: a build of 10,000 pages makes 13 million such calls. */
static inline void
buf_put(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->len + n >= b->cap)
		buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_putc(struct buf *b, int c)
{
	if (b->len + 1 >= b->cap)
		buf_grow(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = '\0';
}

/* Appends a string literal with the length the compiler knows: buf_puts
 * is a call and a strlen, for the few bytes of a tag or a link. */
#define BUF_PUT_LIT(b, lit) buf_put((b), "" lit, sizeof(lit) - 1)

void buf_puts(struct buf *b, const char *s);
/* Appends each string argument up to the NULL: text made of pieces, as
 * on the paths run for every link, where printf's parsing of its format
 * cost more than the copying. */
void buf_cat(struct buf *b, ...) __attribute__((sentinel));
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Appends the contents of the file at path. 0, or -1 with errno set (b
 * then holds what was read before the error). A path that is not a
 * regular file is an error (EISDIR for a directory). */
int buf_read_file(struct buf *b, const char *path);
/* Like buf_read_file for a file a stat of the caller found regular and
 * of size bytes: no stat again (a build reads ten thousand of them). A
 * file that grew since is read whole; one that became a directory is an
 * error. */
int buf_read_file_sized(struct buf *b, const char *path, size_t size);

/* Escaping appenders, for templates and HTML built in C. */
/* & < > " ' as entities. */
void buf_put_html(struct buf *b, const char *s, size_t n);
/* Percent-encodes every byte outside [A-Za-z0-9_.-], as HTML::Template's
 * ESCAPE=URL does ('/' and '~' are encoded too). */
void buf_put_url(struct buf *b, const char *s, size_t n);
/* Backslash-escapes for a JavaScript string literal (ESCAPE=JS). */
void buf_put_js(struct buf *b, const char *s, size_t n);

#endif
