/* preprocess.h — expanding a page's directives and wiki links, ikiwiki's
 * preprocess and linkify stages in one pass that leaves code alone. */
#ifndef WEFT_PREPROCESS_H
#define WEFT_PREPROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct ctx;
struct page;

enum {
	PP_MARKDOWN = 1 << 0,	/* the text is Markdown: leave its code alone */
	PP_NOLINKS = 1 << 1,	/* expand directives only; links stay as written */
	PP_BODY = 1 << 2,	/* the text is c->page's body as read: its code
				 * regions are known (page.code) */
};

/*
 * Expands text (lines numbered from first_line) of c->page for c->dest:
 * each directive is replaced by what its plugin returns (then linkified),
 * each wiki link by its HTML, each escape by its literal; code spans and
 * blocks are copied untouched with PP_MARKDOWN (but for "\\[[" escapes,
 * whose backslash goes, as ikiwiki's pages expect). In the scan pass
 * (c->scan) links are recorded on c->page instead, scan-time directives
 * run, and out receives nothing. Problems are reported with the page's
 * file and line; a failing directive leaves ikiwiki's error marker and
 * marks the page failed. Returns 0, or -1 when the nesting of directives
 * that expand their parameters runs too deep (a loop).
 */
int preprocess(struct buf *out, struct ctx *c, const char *text, size_t len,
	       unsigned first_line, unsigned flags);

/* Appends ikiwiki's htmllink(): a link from c->page, shown on c->dest, to
 * target (a linkpage()'d name), with text as HTML (NULL: the title of the
 * target's last part) and anchor (NULL: none). A missing target is a
 * createlink span; the page itself a selflink span; an image is an <img>
 * unless noimage. */
void preprocess_htmllink(struct buf *out, struct ctx *c, const char *target,
			 size_t targetlen, const char *text, size_t textlen,
			 const char *anchor, size_t anchorlen, bool noimage);
/* The same, with attributes for the <a> (rel, class, title: each NULL or
 * HTML-escaped already), as ikiwiki's htmllink options, and to, the
 * target's bestlink from c->page as the caller found it (NULL: none). */
struct htmllink_attrs {
	const char *rel, *class, *title;
};
void preprocess_htmllink_attrs(struct buf *out, struct ctx *c, const struct page *to,
			       const char *target, size_t targetlen,
			       const char *text, size_t textlen,
			       const char *anchor, size_t anchorlen, bool noimage,
			       const struct htmllink_attrs *attrs);

/* Appends ikiwiki's directive error marker: [[!name <span class="error">Error:
 * msg</span>]] with msg escaped. */
void preprocess_error_marker(struct buf *out, const char *name, size_t namelen,
			     const char *msg);

#endif
