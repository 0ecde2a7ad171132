/* preprocess.c — directives, wiki links and escapes expanded in one pass. */
#include "preprocess.h"

#include <ctype.h>
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
	const unsigned char *m = (const unsigned char *)msg;

	buf_puts(out, "[[!");
	buf_put(out, name, namelen);
	buf_puts(out, " <span class=\"error\">Error: ");
	/* As ikiwiki: ASCII punctuation as entities too, so the message is not
	 * read as Markdown; letters and UTF-8 stay. */
	for (; *m; m++) {
		if (*m >= 0x80 || isalnum(*m) || strchr("-+_,./:;= '", *m))
			buf_putc(out, *m);
		else if (*m == '&')
			buf_puts(out, "&amp;");
		else if (*m == '<')
			buf_puts(out, "&lt;");
		else if (*m == '>')
			buf_puts(out, "&gt;");
		else if (*m == '"')
			buf_puts(out, "&quot;");
		else
			buf_printf(out, "&#%d;", *m);
	}
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
		    const char *anchor, size_t anchorlen, bool noimage)
{
	struct page *to = site_bestlink(&c->b->site, c->page->name, target, targetlen);

	preprocess_htmllink_attrs(out, c, to, target, targetlen, text, textlen, anchor,
				  anchorlen, noimage, NULL);
}

void
preprocess_htmllink_attrs(struct buf *out, struct ctx *c, const struct page *to,
			  const char *target, size_t targetlen, const char *text,
			  size_t textlen, const char *anchor, size_t anchorlen, bool noimage,
			  const struct htmllink_attrs *attrs)
{
	struct buf title = BUF_INIT, href = BUF_INIT;

	if (text) {
		buf_put(&title, text, textlen);
	} else {
		while (targetlen && target[targetlen - 1] == '/')
			targetlen--;
		const char *base = target + targetlen;

		while (base > target && base[-1] != '/')
			base--;
		pagetitle(&title, base, (size_t)(target + targetlen - base), false);
	}
	if (to && to == c->dest && !anchor) {
		buf_cat(out, "<span class=\"selflink\">", title.data, "</span>", NULL);
	} else if (!to || !to->url) {
		buf_cat(out, "<span class=\"createlink\">", title.data, "</span>", NULL);
	} else {
		url_relative(&href, c->dest->url ? c->dest->url : "", to->url);
		if (!noimage && image(to->name, strlen(to->name))) {
			buf_cat(out, "<img src=\"", href.data, "\" alt=\"", title.data, "\" />", NULL);
		} else {
			buf_cat(out, "<a href=\"", href.data, NULL);
			if (anchor) {
				buf_putc(out, '#');
				buf_put(out, anchor, anchorlen);
			}
			buf_putc(out, '"');
			if (attrs && attrs->rel)
				buf_cat(out, " rel=\"", attrs->rel, "\"", NULL);
			if (attrs && attrs->class)
				buf_cat(out, " class=\"", attrs->class, "\"", NULL);
			if (attrs && attrs->title)
				buf_cat(out, " title=\"", attrs->title, "\"", NULL);
			buf_cat(out, ">", title.data, "</a>", NULL);
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
	else if (tok->text) {
		struct buf text = BUF_INIT;

		pagetitle(&text, tok->text, tok->textlen, false);
		preprocess_htmllink(out, c, target.data, target.len, text.data,
				    text.len, tok->anchor, tok->anchorlen, false);
		buf_release(&text);
	} else {
		preprocess_htmllink(out, c, target.data, target.len, NULL, 0,
				    tok->anchor, tok->anchorlen, false);
	}
	buf_release(&target);
}

enum { PP_NODIRECTIVES = 1 << 8 };	/* internal: a directive's output */

static int expand(struct buf *out, struct ctx *c, const char *text, size_t len,
		  unsigned first_line, unsigned flags);

/* In the scan pass, the links inside a directive's parameters count, as
 * they do for ikiwiki, which finds links in the raw source. */
static void
scan_params(struct ctx *c, const struct dtok *tok, unsigned flags)
{
	size_t i;

	for (i = 0; i < tok->nparams; i++) {
		const struct dparam *p = &tok->params[i];

		/* Links only: a directive nested in a value is run, in the
		 * scan pass too, by the plugin that owns the value. */
		if (memmem(p->val, p->vallen, "[[", 2))
			expand(NULL, c, p->val, p->vallen, p->line, flags | PP_NODIRECTIVES);
	}
}

static void
directive(struct buf *out, struct ctx *c, const struct dtok *tok, unsigned flags)
{
	struct plugins *pl = c->b->plugins;
	const char *file = c->page->src ? c->page->src : c->page->name;
	struct buf result = BUF_INIT, err = BUF_INIT;
	bool scan_hook = false, renders = true;
	bool known = pl && plugin_has_directive(pl, tok->name, tok->namelen, &scan_hook, &renders);

	if (c->scan) {
		scan_params(c, tok, flags);
		if (known && scan_hook)
			plugin_directive(NULL, &err, c, tok);
		goto out;
	}
	if (!known && plugin_cgi_directive(tok->name, tok->namelen)) {
		buf_puts(&err, "cgi-directive:");
		buf_put(&err, tok->name, tok->namelen);
		diag_once(c->b->diag, err.data, DIAG_NOTE, file, tok->line,
			  "%.*s: a directive of ikiwiki's CGI; a static build shows nothing",
			  (int)tok->namelen, tok->name);
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
	/* A directive that only scans shows nothing: no call to learn it. */
	if (!renders)
		goto out;
	if (plugin_directive(&result, &err, c, tok) < 0) {
		/* The host said whether the page failed (a plugin that broke)
		 * or only shows the error (ikiwiki's error()). */
		preprocess_error_marker(out, tok->name, tok->namelen, err.data);
		goto out;
	}
	/* A directive's output is linkified but not preprocessed again. */
	if (flags & PP_NOLINKS)
		buf_put(out, result.data, result.len);
	else
		expand(out, c, result.data, result.len, tok->line, flags | PP_NODIRECTIVES);
out:
	buf_release(&result);
	buf_release(&err);
}

/* Copies code (a span or block) with only its escapes undone: pages
 * written for ikiwiki escape "\\[[" even in code, which ikiwiki would
 * otherwise expand, and expect to see "[[". */
static void
copy_code(struct buf *out, const char *text, size_t len)
{
	struct dscan *s;
	struct dtok tok;

	if (!memmem(text, len, "\\[[", 3)) {
		buf_put(out, text, len);
		return;
	}
	s = dscan_new(text, len, 1, NULL, true, true);
	while (dscan_next(s, &tok)) {
		if (tok.type == DTOK_ESCAPE)
			buf_put(out, tok.lit, tok.litlen);
		else
			buf_put(out, text + tok.start, tok.end - tok.start);
	}
	dscan_free(s);
}

/* Copies text[start, end), a text token, passing its code through
 * copy_code. */
static void
copy_text(struct buf *out, const char *text, size_t start, size_t end,
	  const struct spans *code, size_t *next)
{
	while (*next < code->n && code->v[*next].end <= start)
		(*next)++;
	while (start < end) {
		size_t cs = *next < code->n ? code->v[*next].start : end;
		size_t ce;

		if (cs >= end) {
			buf_put(out, text + start, end - start);
			return;
		}
		if (cs > start)
			buf_put(out, text + start, cs - start);
		ce = code->v[*next].end < end ? code->v[*next].end : end;
		copy_code(out, text + (cs > start ? cs : start), ce - (cs > start ? cs : start));
		start = ce;
		if (code->v[*next].end <= end)
			(*next)++;
	}
}

static int
expand(struct buf *out, struct ctx *c, const char *text, size_t len,
       unsigned first_line, unsigned flags)
{
	struct spans code = { 0 };
	const struct spans *known = NULL;
	struct dscan *s;
	struct dtok tok;
	const char *file = c->page->src ? c->page->src : c->page->name;
	size_t next = 0;

	if ((flags & PP_BODY) && c->page->code)
		known = c->page->code;
	else if (flags & PP_MARKDOWN)
		md_code_spans(&code, text, len);
	if (!known)
		known = &code;
	s = dscan_new(text, len, first_line, known, !(flags & PP_NODIRECTIVES),
		      !(flags & PP_NOLINKS));
	while (dscan_next(s, &tok)) {
		switch (tok.type) {
		case DTOK_TEXT:
			if (tok.problem && !c->scan)
				diag_warning(c->b->diag, file, tok.line, "%s", tok.problem);
			if (out)
				copy_text(out, text, tok.start, tok.end, known, &next);
			break;
		case DTOK_ESCAPE:
			if (out)
				buf_put(out, tok.lit, tok.litlen);
			break;
		case DTOK_LINK:
			link(out, c, &tok);
			break;
		case DTOK_DIRECTIVE:
			directive(out, c, &tok, flags & ~(PP_NODIRECTIVES | PP_BODY));
			break;
		}
	}
	dscan_free(s);
	spans_release(&code);
	return 0;
}

int
preprocess(struct buf *out, struct ctx *c, const char *text, size_t len,
	   unsigned first_line, unsigned flags)
{
	int rc;

	if (c->depth >= MAX_DEPTH) {
		c->page->failed = true;
		return diag_error(c->b->diag, c->page->src ? c->page->src : c->page->name,
				  first_line, "preprocessing loop detected (directives nested %d deep)",
				  MAX_DEPTH);
	}
	c->depth++;
	rc = expand(c->scan ? NULL : out, c, text, len, first_line, flags);
	c->depth--;
	return rc;
}
