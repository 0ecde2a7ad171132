/* html.c — attribute rewriting in generated HTML. */
#include "html.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "find.h"
#include "path.h"
#include "xalloc.h"

/* The length of "scheme://host" at the start of url, 0 when it has none. */
static size_t
origin_len(const char *url)
{
	const char *s = strstr(url, "://");

	if (!s)
		return 0;
	s += 3;
	return (size_t)(s - url) + strcspn(s, "/?#");
}

static bool
has_scheme(const char *ref, size_t n)
{
	size_t i;

	for (i = 0; i < n && (isalnum((unsigned char)ref[i]) || strchr("+-.", ref[i])); i++)
		;
	return i > 0 && i < n && ref[i] == ':';
}

void
url_resolve(struct buf *out, const char *base, const char *ref)
{
	size_t olen = origin_len(base), dirlen;
	const char *path = base + olen;
	struct buf joined = BUF_INIT;
	size_t tail;

	if (has_scheme(ref, strlen(ref)) || ref[0] == '\0' || !olen) {
		if (ref[0] == '\0' || ref[0] == '#')
			buf_put(out, base, strcspn(base, "#"));
		buf_puts(out, ref);
		return;
	}
	if (ref[0] == '#' || ref[0] == '?') {
		buf_put(out, base, strcspn(base, ref[0] == '#' ? "#" : "?#"));
		buf_puts(out, ref);
		return;
	}
	if (ref[0] == '/' && ref[1] == '/') {	/* scheme-relative */
		buf_put(out, base, (size_t)(strstr(base, "://") - base) + 1);
		buf_puts(out, ref);
		return;
	}
	buf_put(out, base, olen);
	if (ref[0] == '/') {
		buf_puts(&joined, ref);
	} else {
		dirlen = strcspn(path, "?#");
		while (dirlen && path[dirlen - 1] != '/')
			dirlen--;
		buf_put(&joined, path, dirlen);
		if (!dirlen)
			buf_putc(&joined, '/');
		buf_puts(&joined, ref);
	}
	/* Resolve dot segments in the path only, keeping a trailing '/'. */
	tail = strcspn(joined.data, "?#");
	{
		char *p = xstrndup(joined.data, tail);
		bool slash = tail && joined.data[tail - 1] == '/';
		bool dotend = tail >= 2 && joined.data[tail - 1] == '.' &&
			      (joined.data[tail - 2] == '/' || joined.data[tail - 2] == '.');

		if (path_clean(p) < 0)
			strcpy(p, "/");
		buf_puts(out, p[0] ? p : "/");
		if ((slash || dotend) && p[1] != '\0')
			buf_putc(out, '/');
		free(p);
	}
	buf_puts(out, joined.data + tail);
	buf_release(&joined);
}

/* At html[i] is '<': copies the tag to out with its href and src values
 * made absolute; returns the index after the tag. */
static size_t
tag(struct buf *out, const char *html, size_t len, size_t i, const char *base)
{
	size_t j = i + 1;

	if (j >= len || !isalpha((unsigned char)html[j]))
		return buf_putc(out, '<'), i + 1;
	while (j < len && html[j] != '>') {
		size_t name = j, namelen, v, vlen;
		char q = 0;

		if (html[j] == '"' || html[j] == '\'') {	/* stray quote: skip */
			j++;
			continue;
		}
		while (j < len && !isspace((unsigned char)html[j]) && html[j] != '>' &&
		       html[j] != '=')
			j++;
		namelen = j - name;
		if (j >= len || html[j] != '=') {
			while (j < len && isspace((unsigned char)html[j]))
				j++;
			continue;
		}
		j++;
		if (j < len && (html[j] == '"' || html[j] == '\''))
			q = html[j++];
		v = j;
		while (j < len && (q ? html[j] != q : !isspace((unsigned char)html[j]) && html[j] != '>'))
			j++;
		vlen = j - v;
		if (q && j < len)
			j++;
		if (((namelen == 4 && strncasecmp(html + name, "href", 4) == 0) ||
		     (namelen == 3 && strncasecmp(html + name, "src", 3) == 0)) &&
		    !has_scheme(html + v, vlen)) {
			char *ref = xstrndup(html + v, vlen);

			buf_put(out, html + i, v - i);
			url_resolve(out, base, ref);
			free(ref);
			i = v + vlen;
		}
		while (j < len && isspace((unsigned char)html[j]))
			j++;
	}
	if (j < len)
		j++;
	buf_put(out, html + i, j - i);
	return j;
}

void
html_absolute_urls(struct buf *out, const char *html, size_t len, const char *base)
{
	size_t i = 0;

	while (i < len) {
		const char *lt = memchr(html + i, '<', len - i);
		size_t at = lt ? (size_t)(lt - html) : len;

		buf_put(out, html + i, at - i);
		if (at >= len)
			break;
		if (at + 4 <= len && memcmp(html + at, "<!--", 4) == 0) {
			const char *end = find_mem(html + at + 4, len - at - 4, "-->", 3);
			size_t stop = end ? (size_t)(end - html) + 3 : len;

			buf_put(out, html + at, stop - at);
			i = stop;
			continue;
		}
		i = tag(out, html, len, at, base);
	}
}

void
html_strip_paragraph(struct buf *html)
{
	size_t n = html->len;

	if (n >= 3 && strncasecmp(html->data, "<p>", 3) == 0) {
		memmove(html->data, html->data + 3, n - 3);
		n -= 3;
	}
	if (n >= 5 && strncasecmp(html->data + n - 5, "</p>\n", 5) == 0)
		n -= 5;
	else if (n >= 4 && strncasecmp(html->data + n - 4, "</p>", 4) == 0)
		n -= 4;
	buf_truncate(html, n);
}
