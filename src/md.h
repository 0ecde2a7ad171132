/* md.h — Markdown through cmark-gfm, and where a Markdown text keeps its code. */
#ifndef WEFT_MD_H
#define WEFT_MD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* A byte range [start, end) of a text. */
struct span {
	size_t start;
	size_t end;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

void spans_release(struct spans *s);

/* Registers the GFM extensions; call once before any thread uses md. */
void md_init(void);

enum {
	MD_UNSAFE = 1 << 0,	/* keep raw HTML and every URL (the site's own pages) */
	MD_HARDBREAKS = 1 << 1,
};

/* Renders Markdown to HTML with the table, strikethrough, autolink,
 * tasklist and footnotes extensions. Without MD_UNSAFE raw HTML and
 * javascript:-style URLs are dropped, which is how comments are rendered. */
void md_render(struct buf *out, const char *text, size_t len, unsigned flags);

/* Appends to out, sorted and disjoint, the byte ranges of text that are
 * code: fenced and indented code blocks (whole lines) and code spans
 * (backticks included), from a parse of its own. Cheap when the text has
 * no backtick, tilde or indented line. */
void md_code_parse(struct spans *out, const char *text, size_t len);

/* Whether no "[[" of text can lie in code, from a look at its lines
 * instead of a parse. Conservative: true only when each "[[" sits on a
 * line with no tab or run of four spaces, outside any fenced block, in a
 * paragraph (lines between blank ones or fences) with no backtick before
 * it, and no line before it leaves a doubt about where fenced blocks
 * start and end (an indented fence, a fence in a list or quote, a line
 * starting an HTML block, a carriage return). */
bool md_code_free(const char *text, size_t len);

/* The code ranges weft needs: wiki links and directives are not looked
 * for in code. md_code_parse's ranges, or none when md_code_free says
 * that no "[[" is in code (then no range would matter). */
void md_code_spans(struct spans *out, const char *text, size_t len);

#endif
