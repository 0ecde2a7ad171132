/* frontmatter.c — the "---" block of YAML at the top of a page. */
#include "frontmatter.h"

#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "diag.h"

/* Whether the line text[0, n) (without its '\n') is mark, which may be
 * followed by spaces, tabs and a '\r'. */
static bool
is_fence(const char *line, size_t n, const char *mark)
{
	size_t i;

	if (n < 3 || memcmp(line, mark, 3) != 0)
		return false;
	for (i = 3; i < n; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

/* The length of the line at text[off] without its '\n'. */
static size_t
line_len(const char *text, size_t len, size_t off)
{
	const char *nl = memchr(text + off, '\n', len - off);

	return nl ? (size_t)(nl - (text + off)) : len - off;
}

/* Finds the closing fence after the line starting at off: its offset into
 * *close and the offset after it into *after; line counts the lines. */
static bool
find_close(const char *text, size_t len, size_t off, unsigned *line,
	   size_t *close, size_t *after)
{
	size_t n;

	while (off < len) {
		n = line_len(text, len, off);
		if (is_fence(text + off, n, "---") || is_fence(text + off, n, "...")) {
			*close = off;
			*after = off + n < len ? off + n + 1 : len;
			return true;
		}
		off += n + 1;
		(*line)++;
	}
	return false;
}

int
frontmatter_read(struct yaml_doc *fm, size_t *body, unsigned *body_line,
		 const char *text, size_t len, const char *file,
		 struct diag *d)
{
	size_t start = 0, n, close, after;
	unsigned line = 2;

	memset(fm, 0, sizeof(*fm));
	*body = 0;
	*body_line = 1;
	if (len == 0)
		return 0;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		start = 3;	/* a byte-order mark, as some editors write */
	n = line_len(text, len, start);
	if (!is_fence(text + start, n, "---"))
		return 0;
	start += n + 1;
	if (start > len || !find_close(text, len, start, &line, &close, &after))
		return diag_error(d, file, 1, "front matter is never closed");
	*body = after;
	*body_line = line + 1;
	if (yaml_read(fm, text + start, close - start, file, 2, d) < 0)
		return -1;
	if (fm->root && !cJSON_IsObject(fm->root)) {
		diag_error(d, file, fm->line,
			   "front matter must be a mapping of keys to values");
		yaml_doc_release(fm);
		return -1;
	}
	return 1;
}
