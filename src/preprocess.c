/* preprocess.c — directives, wiki links and escapes expanded in one pass. */
#include "preprocess.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "build.h"
#include "diag.h"
#include "directive.h"
#include "find.h"
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

/* Whether a page name ends in an image extension after at least one
 * other byte (case aside), as ikiwiki's htmllink checks. */
static bool
image(const char *name)
{
	static const char *const exts[] = { "png", "gif", "jpg", "jpeg", "svg" };
	const char *dot = strrchr(name, '.');
	size_t i;

	/* Most names have no '.': one scan, no comparison. */
	if (!dot || dot == name)
		return false;
	for (i = 0; i < sizeof(exts) / sizeof(*exts); i++)
		if (strcasecmp(dot + 1, exts[i]) == 0)
			return true;
	return false;
}

/* One link to write, as htmllink's arguments have it. */
struct hlink {
	const struct page *to;
	const char *target, *text, *anchor;
	size_t targetlen, textlen, anchorlen;
	bool rawtext;		/* text is a link's text, shown through pagetitle */
	bool noimage;
	const struct htmllink_attrs *attrs;
};

/* Appends the link's text: its HTML, the title of its raw text, or the
 * title of the target's last part. It stops at a NUL, as the text always
 * did when it went through a C string. */
static void
put_title(struct buf *out, const struct hlink *l)
{
	size_t start = out->len, n = l->targetlen;
	const char *base, *nul;

	if (l->text && !l->rawtext) {
		buf_put(out, l->text, l->textlen);
	} else if (l->text) {
		pagetitle(out, l->text, l->textlen, false);
	} else {
		while (n && l->target[n - 1] == '/')
			n--;
		base = l->target + n;
		while (base > l->target && base[-1] != '/')
			base--;
		pagetitle(out, base, (size_t)(l->target + n - base), false);
	}
	if ((nul = memchr(out->data + start, '\0', out->len - start)))
		buf_truncate(out, (size_t)(nul - out->data));
}

/* Appends <a href=...>: the pieces go straight to out, with no buffer of
 * their own (three links a post, ten thousand posts). */
static void
put_anchor(struct buf *out, const struct ctx *c, const struct hlink *l)
{
	const struct htmllink_attrs *a = l->attrs;

	BUF_PUT_LIT(out, "<a href=\"");
	url_relative(out, c->dest->url ? c->dest->url : "", l->to->url);
	if (l->anchor) {
		buf_putc(out, '#');
		buf_put(out, l->anchor, l->anchorlen);
	}
	buf_putc(out, '"');
	if (a && a->rel)
		buf_cat(out, " rel=\"", a->rel, "\"", NULL);
	if (a && a->class)
		buf_cat(out, " class=\"", a->class, "\"", NULL);
	if (a && a->title)
		buf_cat(out, " title=\"", a->title, "\"", NULL);
	buf_putc(out, '>');
	put_title(out, l);
	BUF_PUT_LIT(out, "</a>");
}

static void
htmllink(struct buf *out, const struct ctx *c, const struct hlink *l)
{
	if (l->to && l->to == c->dest && !l->anchor) {
		BUF_PUT_LIT(out, "<span class=\"selflink\">");
		put_title(out, l);
		BUF_PUT_LIT(out, "</span>");
	} else if (!l->to || !l->to->url) {
		BUF_PUT_LIT(out, "<span class=\"createlink\">");
		put_title(out, l);
		BUF_PUT_LIT(out, "</span>");
	} else if (!l->noimage && image(l->to->name)) {
		BUF_PUT_LIT(out, "<img src=\"");
		url_relative(out, c->dest->url ? c->dest->url : "", l->to->url);
		BUF_PUT_LIT(out, "\" alt=\"");
		put_title(out, l);
		BUF_PUT_LIT(out, "\" />");
	} else {
		put_anchor(out, c, l);
	}
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
	struct hlink l = {
		.to = to, .target = target, .targetlen = targetlen,
		.text = text, .textlen = textlen,
		.anchor = anchor, .anchorlen = anchorlen,
		.noimage = noimage, .attrs = attrs,
	};

	htmllink(out, c, &l);
}

/* A wiki link: recorded in the scan pass, written in the render pass.
 * scratch is the caller's, reused from link to link. */
static void
link(struct buf *out, struct ctx *c, const struct dtok *tok, struct buf *scratch)
{
	struct hlink l = { 0 };

	if (external(tok->target, tok->targetlen)) {
		if (!c->scan)
			external_link(out, tok);
		return;
	}
	buf_reset(scratch);
	linkpage(scratch, tok->target, tok->targetlen);
	if (c->scan) {
		page_add_link(c->page, scratch->data, scratch->len, NULL, tok->line);
		return;
	}
	l.to = site_bestlink(&c->b->site, c->page->name, scratch->data, scratch->len);
	l.target = scratch->data;
	l.targetlen = scratch->len;
	l.text = tok->text;
	l.textlen = tok->textlen;
	l.rawtext = true;
	l.anchor = tok->anchor;
	l.anchorlen = tok->anchorlen;
	htmllink(out, c, &l);
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
		if (find_mem(p->val, p->vallen, "[[", 2))
			expand(NULL, c, p->val, p->vallen, p->line, flags | PP_NODIRECTIVES);
	}
}

/* A directive of the text; body: it stands in c->page's body (not in
 * what a directive made), where the scan may settle what it shows. */
static void
directive(struct buf *out, struct ctx *c, const struct dtok *tok, unsigned flags, bool body)
{
	struct plugins *pl = c->b->plugins;
	const char *file = c->page->src ? c->page->src : c->page->name;
	struct buf result = BUF_INIT, err = BUF_INIT;
	const struct settled *settled;
	unsigned how = 0;
	bool known = pl && plugin_has_directive(pl, tok->name, tok->namelen, &how);

	if (c->scan) {
		scan_params(c, tok, flags);
		if (known && (how & DIRECTIVE_SETTLE) && body) {
			if (plugin_directive(&result, &err, c, tok) == 1)
				page_settle(c->page, tok->start, tok->end, result.data, result.len);
		} else if (known && (how & DIRECTIVE_SCAN)) {
			plugin_directive(NULL, &err, c, tok);
		}
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
	if (!(how & DIRECTIVE_RENDER))
		goto out;
	/* What the scan settled needs no call (unless a plugin unsettled
	 * the page since). */
	if (body && c->unsettled && !*c->unsettled &&
	    (settled = page_settled(c->page, tok->start, tok->end))) {
		if (settled->len)
			buf_put(&result, settled->html, settled->len);
	} else if (plugin_directive(&result, &err, c, tok) < 0) {
		/* The host said whether the page failed (a plugin that broke)
		 * or only shows the error (ikiwiki's error()). */
		preprocess_error_marker(out, tok->name, tok->namelen, err.data);
		goto out;
	}
	/* A directive's output is linkified but not preprocessed again. */
	if (!result.len)
		goto out;
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

	if (!find_mem(text, len, "\\[[", 3)) {
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
	struct buf scratch = BUF_INIT;
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
			link(out, c, &tok, &scratch);
			break;
		case DTOK_DIRECTIVE:
			directive(out, c, &tok, flags & ~(PP_NODIRECTIVES | PP_BODY),
				  (flags & PP_BODY) != 0);
			break;
		}
	}
	dscan_free(s);
	spans_release(&code);
	buf_release(&scratch);
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
