/* render.h — a page from its source to its file: ikiwiki's scan and render
 * stages for one page. */
#ifndef WEFT_RENDER_H
#define WEFT_RENDER_H

#include "buf.h"

struct build;
struct ctx;
struct page;

/* Reads p's source and finds its front matter. Every source is read before
 * any is scanned, so a plugin scanning one page may read another's text.
 * 0, or -1 after reporting (the page is then marked failed). */
int render_read(struct build *b, struct page *p);

/* The scan pass over c->page (read already): applies its front matter,
 * records its links and runs the scan-time directives and hooks. */
int render_scan(struct ctx *c);

/* c->page's content as HTML, for c->dest: filter, preprocess (directives
 * and links), htmlize, sanitize. Used for a page itself and for a page
 * inlined into another. */
int render_content(struct buf *out, struct ctx *c);

/* Renders c->page (== c->dest) into its file: content, page.tmpl with
 * ikiwiki's variables, format hooks, the write. 0 or -1; the page is marked
 * failed when anything in it failed. */
int render_page(struct ctx *c);

#endif
