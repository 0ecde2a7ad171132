/* html.h — small rewrites of generated HTML, for feeds. */
#ifndef WEFT_HTML_H
#define WEFT_HTML_H

#include <stddef.h>

#include "buf.h"

/* Appends html with every relative href and src attribute made absolute
 * against base (an absolute URL of the page the HTML was rendered for, such
 * as "http://example.org/posts/a/"), as ikiwiki does for feed items:
 * "../b/" becomes "http://example.org/posts/b/", "#x" becomes base#x, and
 * "/x" becomes "http://example.org/x". Everything else is copied as is. */
void html_absolute_urls(struct buf *out, const char *html, size_t len,
			const char *base);

/* ikiwiki's htmlize() quirk for content without a newline: one surrounding
 * <p>...</p> is dropped, so a one-line value renders inline. */
void html_strip_paragraph(struct buf *html);

/* Appends the absolute URL of ref against base, resolving "." and "..". */
void url_resolve(struct buf *out, const char *base, const char *ref);

#endif
