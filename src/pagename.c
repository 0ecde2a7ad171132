/* pagename.c — ikiwiki's naming rules. */
#include "pagename.h"

#include <stdint.h>
#include <string.h>

#include "path.h"

void
pagename(struct buf *out, const char *file, const char *type, bool indexpages)
{
	size_t len = strlen(file);
	size_t tlen = type ? strlen(type) : 0;

	if (type && len > tlen + 1 && file[len - tlen - 1] == '.' &&
	    memcmp(file + len - tlen, type, tlen) == 0)
		len -= tlen + 1;
	if (indexpages && len > 6 && memcmp(file + len - 6, "/index", 6) == 0)
		len -= 6;
	buf_put(out, file, len);
}

void
pagetitle(struct buf *out, const char *name, size_t len, bool unescaped)
{
	size_t i = 0;

	while (i < len) {
		if (name[i] != '_') {
			buf_putc(out, name[i++]);
			continue;
		}
		/* "__NN__"? */
		size_t j = i + 2;
		uint32_t cp = 0;

		while (j < len && j < i + 10 && name[j] >= '0' && name[j] <= '9')
			cp = cp * 10 + (uint32_t)(name[j++] - '0');
		if (i + 1 < len && name[i + 1] == '_' && j > i + 2 &&
		    j + 1 < len && name[j] == '_' && name[j + 1] == '_' &&
		    cp <= 0x10FFFF) {
			if (!unescaped) {
				/* ikiwiki copies the digits as written. */
				buf_puts(out, "&#");
				buf_put(out, name + i + 2, j - i - 2);
				buf_putc(out, ';');
			} else if (cp == 0) {
				/* No NUL in a title. */
			} else if (cp < 0x80) {
				buf_putc(out, (int)cp);
			} else if (cp < 0x800) {
				buf_putc(out, 0xC0 | (int)(cp >> 6));
				buf_putc(out, 0x80 | (int)(cp & 0x3F));
			} else if (cp < 0x10000) {
				buf_putc(out, 0xE0 | (int)(cp >> 12));
				buf_putc(out, 0x80 | (int)((cp >> 6) & 0x3F));
				buf_putc(out, 0x80 | (int)(cp & 0x3F));
			} else {
				buf_putc(out, 0xF0 | (int)(cp >> 18));
				buf_putc(out, 0x80 | (int)((cp >> 12) & 0x3F));
				buf_putc(out, 0x80 | (int)((cp >> 6) & 0x3F));
				buf_putc(out, 0x80 | (int)(cp & 0x3F));
			}
			i = j + 2;
			continue;
		}
		buf_putc(out, ' ');
		i++;
	}
}

/* Decodes one UTF-8 character at s[0..len); returns its length, 0 when the
 * bytes are not valid UTF-8. */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		n = 2, c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3, c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4, c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* Whether a non-ASCII character counts as a letter or digit for
 * wiki_file_chars ([:alnum:] in ikiwiki's Perl): the punctuation and
 * symbol blocks do not. */
static bool
wide_alnum(uint32_t cp)
{
	if (cp < 0xC0)
		return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
	if (cp == 0xD7 || cp == 0xF7)
		return false;
	if (cp >= 0x2000 && cp <= 0x2BFF)	/* punctuation, arrows, math, symbols */
		return false;
	if (cp >= 0x3000 && cp <= 0x303F)	/* CJK punctuation */
		return false;
	if (cp >= 0xFE30 && cp <= 0xFE6F)	/* compatibility forms */
		return false;
	if (cp >= 0xFF00 && cp <= 0xFF0F)	/* fullwidth punctuation */
		return false;
	if (cp >= 0x1F000 && cp <= 0x1FAFF)	/* emoji and pictographs */
		return false;
	return true;
}

static void
encode(struct buf *out, const char *text, size_t len, bool keep_underscore)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t n;

		if (c == ' ') {
			buf_putc(out, '_');
			i++;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '+' ||
			   c == '/' || c == '.' || c == ':' ||
			   (c == '_' && keep_underscore)) {
			buf_putc(out, c);
			i++;
		} else if (c < 0x80) {
			buf_printf(out, "__%u__", c);
			i++;
		} else if ((n = utf8_decode(s + i, len - i, &cp)) == 0) {
			buf_printf(out, "__%u__", c);	/* a stray byte */
			i++;
		} else if (wide_alnum(cp)) {
			buf_put(out, s + i, n);
			i += n;
		} else {
			buf_printf(out, "__%u__", (unsigned)cp);
			i += n;
		}
	}
}

void
linkpage(struct buf *out, const char *text, size_t len)
{
	encode(out, text, len, true);
}

void
titlepage(struct buf *out, const char *title, size_t len)
{
	encode(out, title, len, false);
}

void
targetpage(struct buf *out, const char *page, const char *ext, bool usedirs)
{
	buf_puts(out, page);
	buf_puts(out, !usedirs || strcmp(page, "index") == 0 ? "." : "/index.");
	buf_puts(out, ext);
}

void
pageurl(struct buf *out, const char *page, const char *ext, bool usedirs)
{
	if (!usedirs) {
		buf_puts(out, page);
		buf_putc(out, '.');
		buf_puts(out, ext);
	} else if (strcmp(page, "index") != 0) {
		buf_puts(out, page);
		buf_putc(out, '/');
	}
}
