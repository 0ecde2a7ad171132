/* preprocess.c — directives, wiki links and escapes expanded in one pass. */
#include "preprocess.h"

#include <string.h>
#include <strings.h>

#include "build.h"
#include "diag.h"
#include "directive.h"
#include "md.h"
#include "pagename.h"
#include "path.h"
#include "plugin.h"
#include "site.h"

enum { MAX_DEPTH = 8 };	/* as ikiwiki's "preprocessing loop detected" */

void
preprocess_error_marker(struct buf *out, const char *name, size_t namelen,
			const char *msg)
{
	buf_puts(out, "[[!");
	buf_put(out, name, namelen);
	buf_puts(out, " <span class=\"error\">Error: ");
	buf_put_html(out, msg, strlen(msg));
	buf_puts(out, "</span>]]");
}

/* ikiwiki's is_externallink(): a URL with a scheme, mailto:, or an address. */
static bool
external(const char *t, size_t n)
{
	const char *colon = memchr(t, ':', n), *at;

	if (colon && colon > t && (size_t)(colon - t) + 2 < n &&
	    colon[1] == '/' && colon[2] == '/' && !memchr(t, '/', (size_t)(colon - t)))
		return true;
	if (n > 7 && memcmp(t, "mailto:", 7) == 0)
		return true;
	at = memchr(t, '@', n);
	return at && at > t && memchr(at + 1, '.', n - (size_t)(at + 1 - t)) &&
	       t[n - 1] != '.';
}

static void
external_link(struct buf *out, const struct dtok *tok)
{
	struct buf url = BUF_INIT;
	bool scheme = memchr(tok->target, ':', tok->targetlen) != NULL;

	if (!scheme)
		buf_puts(&url, "mailto:");
	buf_put(&url, tok->target, tok->targetlen);
	if (tok->anchor) {
		buf_putc(&url, '#');
		buf_put(&url, tok->anchor, tok->anchorlen);
	}
	buf_puts(out, "<a href=\"");
	buf_put(out, url.data, url.len);
	buf_puts(out, "\">");
	if (tok->text)
		pagetitle(out, tok->text, tok->textlen, false);
	else if (url.len > 7 && memcmp(url.data, "mailto:", 7) == 0)
		buf_put(out, url.data + 7, strcspn(url.data + 7, "?"));
	else
		buf_put(out, url.data, url.len);
	buf_puts(out, "</a>");
	buf_release(&url);
}

static bool
image(const char *name, size_t n)
{
	static const char *const exts[] = { ".png", ".gif", ".jpg", ".jpeg", ".svg" };
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(*exts); i++) {
		size_t e = strlen(exts[i]);

		if (n > e && strncasecmp(name + n - e, exts[i], e) == 0)
			return true;
	}
	return false;
}

void
preprocess_htmllink(struct buf *out, struct ctx *c, const char *target,
		    size_t targetlen, const char *text, size_t textlen,
		    const char *anchor, size_t anchorlen)
{
	struct site *s = &c->b->site;
	struct page *to = site_bestlink(s, c->page->name, target, targetlen);
	struct buf title = BUF_INIT, href = BUF_INIT;

	if (text) {
		pagetitle(&title, text, textlen, false);
	} else {
		while (targetlen && target[targetlen - 1] == '/')
			targetlen--;
		const char *base = target + targetlen;

		while (base > target && base[-1] != '/')
			base--;
		pagetitle(&title, base, (size_t)(target + targetlen - base), false);
	}
	if (to && to == c->dest && !anchor) {
		buf_printf(out, "<span class=\"selflink\">%s</span>", title.data);
	} else if (!to || !to->url) {
		buf_printf(out, "<span class=\"createlink\">%s</span>", title.data);
	} else {
		url_relative(&href, c->dest->url ? c->dest->url : "", to->url);
		if (image(to->name, strlen(to->name))) {
			buf_printf(out, "<img src=\"%s\" alt=\"%s\" />", href.data, title.data);
		} else {
			buf_printf(out, "<a href=\"%s", href.data);
			if (anchor) {
				buf_putc(out, '#');
				buf_put(out, anchor, anchorlen);
			}
			buf_printf(out, "\">%s</a>", title.data);
		}
	}
	buf_release(&title);
	buf_release(&href);
}

static void
link(struct buf *out, struct ctx *c, const struct dtok *tok)
{
	struct buf target = BUF_INIT;

	if (external(tok->target, tok->targetlen)) {
		if (!c->scan)
			external_link(out, tok);
		return;
	}
	linkpage(&target, tok->target, tok->targetlen);
	if (c->scan)
		page_add_link(c->page, target.data, target.len, NULL, tok->line);
	else
		preprocess_htmllink(out, c, target.data, target.len, tok->text,
				    tok->textlen, tok->anchor, tok->anchorlen);
	buf_release(&target);
}

static int expand(struct buf *out, struct ctx *c, const char *text, size_t len,
		  unsigned first_line, bool markdown, bool directives);

/* In the scan pass, the links inside a directive's parameters count, as
 * they do for ikiwiki, which finds links in the raw source. */
static void
scan_params(struct ctx *c, const struct dtok *tok, bool markdown)
{
	size_t i;

	for (i = 0; i < tok->nparams; i++) {
		const struct dparam *p = &tok->params[i];

		if (memmem(p->val, p->vallen, "[[", 2))
			expand(NULL, c, p->val, p->vallen, p->line, markdown, true);
	}
}

static void
directive(struct buf *out, struct ctx *c, const struct dtok *tok, bool markdown)
{
	struct plugins *pl = c->b->plugins;
	const char *file = c->page->src ? c->page->src : c->page->name;
	struct buf result = BUF_INIT, err = BUF_INIT;
	bool scan_hook = false;
	bool known = pl && plugin_has_directive(pl, tok->name, tok->namelen, &scan_hook);

	if (c->scan) {
		scan_params(c, tok, markdown);
		if (known && scan_hook)
			plugin_directive(NULL, &err, c, tok);
		goto out;
	}
	if (!known) {
		diag_warning(c->b->diag, file, tok->line, "unknown directive \"%.*s\"",
			     (int)tok->namelen, tok->name);
		buf_puts(&err, "unknown directive \"");
		buf_put(&err, tok->name, tok->namelen);
		buf_putc(&err, '"');
		preprocess_error_marker(out, tok->name, tok->namelen, err.data);
		goto out;
	}
	if (plugin_directive(&result, &err, c, tok) < 0) {
		c->page->failed = true;
		preprocess_error_marker(out, tok->name, tok->namelen, err.data);
		goto out;
	}
	/* A directive's output is linkified but not preprocessed again. */
	expand(out, c, result.data, result.len, tok->line, markdown, false);
out:
	buf_release(&result);
	buf_release(&err);
}

static int
expand(struct buf *out, struct ctx *c, const char *text, size_t len,
       unsigned first_line, bool markdown, bool directives)
{
	struct spans code = { 0 };
	struct dscan *s;
	struct dtok tok;
	const char *file = c->page->src ? c->page->src : c->page->name;

	if (markdown)
		md_code_spans(&code, text, len);
	s = dscan_new(text, len, first_line, &code, directives, true);
	while (dscan_next(s, &tok)) {
		switch (tok.type) {
		case DTOK_TEXT:
			if (tok.problem && !c->scan)
				diag_warning(c->b->diag, file, tok.line, "%s", tok.problem);
			if (out)
				buf_put(out, text + tok.start, tok.end - tok.start);
			break;
		case DTOK_ESCAPE:
			if (out)
				buf_put(out, tok.lit, tok.litlen);
			break;
		case DTOK_LINK:
			link(out, c, &tok);
			break;
		case DTOK_DIRECTIVE:
			directive(out, c, &tok, markdown);
			break;
		}
	}
	dscan_free(s);
	spans_release(&code);
	return 0;
}

int
preprocess(struct buf *out, struct ctx *c, const char *text, size_t len,
	   unsigned first_line, bool markdown)
{
	int rc;

	if (c->depth >= MAX_DEPTH) {
		c->page->failed = true;
		return diag_error(c->b->diag, c->page->src ? c->page->src : c->page->name,
				  first_line, "preprocessing loop detected (directives nested %d deep)",
				  MAX_DEPTH);
	}
	c->depth++;
	rc = expand(c->scan ? NULL : out, c, text, len, first_line, markdown, true);
	c->depth--;
	return rc;
}
