/* fuzz-codespans.c — libFuzzer target: md_code_free, the look at a
 * Markdown text's lines that spares weft a parse, against the parse. When
 * it says no "[[" can lie in code, no code span or block cmark finds may
 * hold one: neither its text nor a fenced block's first line. (The text,
 * not md_code_parse's ranges: cmark's columns on a paragraph's later lines
 * leave out their indentation.) */
#include <cmark-gfm.h>
#include <stdint.h>
#include <string.h>

#include "md.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
holds_link(const char *s)
{
	return s && strstr(s, "[[");
}

/* Whether line (1-based) of text holds "[[". */
static int
line_holds_link(const char *text, size_t size, int line)
{
	const char *p = text, *end = text + size, *nl;

	while (--line > 0 && (nl = memchr(p, '\n', (size_t)(end - p))))
		p = nl + 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	return memmem(p, (size_t)((nl ? nl : end) - p), "[[", 2) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	cmark_node *doc;
	cmark_iter *it;
	cmark_event_type ev;

	/* A NUL would end the strings compared. */
	if (memchr(data, 0, size))
		return 0;
	md_init();
	if (!md_code_free(text, size))
		return 0;
	doc = cmark_parse_document(text, size, CMARK_OPT_SOURCEPOS);
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		int type = cmark_node_get_type(n);

		if (ev == CMARK_EVENT_ENTER &&
		    (type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK) &&
		    (holds_link(cmark_node_get_literal(n)) ||
		     (type == CMARK_NODE_CODE_BLOCK &&
		      line_holds_link(text, size, cmark_node_get_start_line(n)))))
			__builtin_trap();
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	return 0;
}
