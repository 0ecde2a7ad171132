/* render.c — one page through ikiwiki's pipeline: scan, then filter,
 * preprocess, htmlize, sanitize, page template, format, write. */
#include "render.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build.h"
#include "diag.h"
#include "directive.h"
#include "frontmatter.h"
#include "html.h"
#include "md.h"
#include "pagename.h"
#include "plugin.h"
#include "path.h"
#include "preprocess.h"
#include "scan.h"
#include "site.h"
#include "state.h"
#include "tmpl.h"
#include "xalloc.h"

static const char *
src_name(const struct page *p)
{
	return p->src ? p->src : p->name;
}

static bool
is_markdown(const struct page *p)
{
	return p->type && (strcmp(p->type, "mdwn") == 0 || strcmp(p->type, "md") == 0);
}

/* Runs a directive named name with the parameters of one front matter
 * key, as if the page began with it. */
static void
call_directive(struct ctx *c, const char *name, struct dparam *params, size_t n)
{
	struct dtok tok;
	struct buf err = BUF_INIT;

	if (!c->b->plugins || !plugin_has_directive(c->b->plugins, name, strlen(name), NULL))
		return;
	memset(&tok, 0, sizeof(tok));
	tok.type = DTOK_DIRECTIVE;
	tok.name = name;
	tok.namelen = strlen(name);
	tok.params = params;
	tok.nparams = n;
	tok.line = 1;
	plugin_directive(NULL, &err, c, &tok);
	buf_release(&err);
}

static void
param(struct dparam *p, const char *key, const char *val)
{
	p->key = key;
	p->keylen = key ? strlen(key) : 0;
	p->val = val;
	p->vallen = strlen(val);
	p->line = 1;
}

/* Front matter maps onto meta fields; "tags" (a list or one string) onto
 * tags, as if written [[!meta key="value"]] and [[!tag ...]]. */
static void
apply_frontmatter(struct ctx *c, const cJSON *fm)
{
	const cJSON *e, *t;

	if (!cJSON_IsObject(fm))
		return;
	cJSON_ArrayForEach(e, fm) {
		struct dparam params[64];
		size_t n = 0;

		if (strcmp(e->string, "tags") == 0 || strcmp(e->string, "tag") == 0) {
			if (cJSON_IsString(e))
				param(&params[n++], NULL, e->valuestring);
			else if (cJSON_IsArray(e))
				cJSON_ArrayForEach(t, e)
					if (cJSON_IsString(t) && n < 64)
						param(&params[n++], NULL, t->valuestring);
			call_directive(c, "tag", params, n);
		} else if (cJSON_IsString(e)) {
			param(&params[n++], e->string, e->valuestring);
			call_directive(c, "meta", params, n);
		}
	}
}

/* Where the body's code is, once for the scan, the render and every
 * inlining (md_code_spans: only where a "[[" may be in code). */
static void
find_code(struct page *p)
{
	if (p->code || !is_markdown(p))
		return;
	p->code = xcalloc(1, sizeof(*p->code));
	md_code_spans(p->code, p->text + p->body, p->len - p->body);
}

int
render_read(struct build *b, struct page *p)
{
	struct yaml_doc fm = { 0 };
	int rc = 0;

	if (p->src && !p->text && scan_read(&b->site, p, b->diag) < 0) {
		p->failed = true;
		return -1;
	}
	if (p->src)
		p->text_hash = state_hash(STATE_HASH_INIT, p->text, p->len);
	p->body = 0;
	p->body_line = 1;
	if (is_markdown(p)) {
		rc = frontmatter_read(&fm, &p->body, &p->body_line, p->text, p->len,
				      src_name(p), b->diag);
		if (rc < 0)
			p->failed = true;
		if (rc > 0) {
			p->frontmatter = fm.root;
			fm.root = NULL;
		}
		yaml_doc_release(&fm);
	}
	find_code(p);
	return rc < 0 ? -1 : 0;
}

int
render_scan(struct ctx *c)
{
	struct page *p = c->page;
	int rc;

	if (!p->text)
		return -1;
	c->scan = true;
	page_clear_settled(p);
	if (p->frontmatter) {
		apply_frontmatter(c, p->frontmatter);
		cJSON_Delete(p->frontmatter);
		p->frontmatter = NULL;
	}
	if (c->b->discussion) {
		struct buf d = BUF_INIT;
		size_t i;

		buf_cat(&d, p->name, "/", NULL);
		for (i = 0; c->b->discussionpage[i]; i++)
			buf_putc(&d, tolower((unsigned char)c->b->discussionpage[i]));
		page_add_link(p, d.data, d.len, c->b->discussion_type, 0);
		buf_release(&d);
	}
	rc = preprocess(NULL, c, p->text + p->body, p->len - p->body, p->body_line,
			is_markdown(p) ? PP_MARKDOWN | PP_BODY : 0);
	if (plugin_scan(c) < 0)
		rc = -1;
	c->scan = false;
	return rc;
}

int
render_content(struct buf *out, struct ctx *c)
{
	struct page *p = c->page;
	struct buf expanded = BUF_INIT;
	const char *text = p->text + p->body;
	size_t len = p->len - p->body;
	size_t start = out->len;
	int rc;

	struct buf filtered = BUF_INIT, html = BUF_INIT;
	bool body;

	buf_put(&filtered, text, len);
	rc = plugin_filter(c, &filtered);
	/* Its code regions hold while no filter changed the text. */
	body = filtered.len == len && memcmp(filtered.data, text, len) == 0;
	if (preprocess(&expanded, c, filtered.data, filtered.len, p->body_line,
		       is_markdown(p) ? PP_MARKDOWN | (body ? PP_BODY : 0) : 0) < 0)
		rc = -1;
	if (is_markdown(p)) {
		md_render(&html, expanded.data, expanded.len, MD_UNSAFE);
	} else {
		buf_put(&html, expanded.data, expanded.len);
		if (p->type && plugin_has_htmlize(c->b->plugins, p->type) &&
		    plugin_htmlize(c, p->type, &html) < 0)
			rc = -1;
	}
	if (plugin_sanitize(c, &html) < 0)
		rc = -1;
	buf_put(out, html.data, html.len);
	buf_release(&filtered);
	buf_release(&html);
	if (!memchr(text, '\n', len)) {
		struct buf tail = BUF_INIT;

		buf_put(&tail, out->data + start, out->len - start);
		html_strip_paragraph(&tail);
		buf_truncate(out, start);
		buf_put(out, tail.data, tail.len);
		buf_release(&tail);
	}
	buf_release(&expanded);
	return rc;
}

/* ikiwiki's baseurl(): "../" for each directory of the page's file. */
static void
baseurl(struct buf *out, const struct page *p)
{
	const char *s;

	for (s = p->dest; *s; s++)
		if (*s == '/')
			buf_puts(out, "../");
}


struct backlink {
	char *page;		/* the title, with common directories trimmed */
	char *url;
};

static int
backlink_cmp(const void *a, const void *b)
{
	const struct backlink *x = a, *y = b;
	int r = strcmp(x->page, y->page);

	return r ? r : strcmp(x->url, y->url);
}

/* ikiwiki's backlinks(): sorted by trimmed title; the first numbacklinks
 * in BACKLINKS, the rest in MORE_BACKLINKS. */
static void
backlinks(struct tvars *v, struct ctx *c)
{
	struct page *p = c->page;
	struct backlink *bl = xcalloc(p->backlinks.n + 1, sizeof(*bl));
	size_t i, n = 0;
	long limit = c->b->numbacklinks;

	for (i = 0; i < p->backlinks.n; i++) {
		struct page *from = p->backlinks.v[i];
		const char *a = from->name, *b = p->name;
		struct buf t = BUF_INIT, u = BUF_INIT;

		if (!from->url)
			continue;
		for (;;) {	/* trim the directories the two share */
			const char *sa = strchr(a, '/'), *sb = strchr(b, '/');

			if (!sa || !sb || sa - a != sb - b || memcmp(a, b, (size_t)(sa - a)))
				break;
			a = sa + 1, b = sb + 1;
		}
		pagetitle(&t, a, strlen(a), false);
		url_relative(&u, c->dest->url, from->url);
		bl[n].page = buf_detach(&t, NULL);
		bl[n++].url = buf_detach(&u, NULL);
	}
	qsort(bl, n, sizeof(*bl), backlink_cmp);
	for (i = 0; i < n; i++) {
		bool more = limit > 0 && i >= (size_t)limit;
		struct tvars *row = tvars_add_row(v, more ? "more_backlinks" : "backlinks");

		tvars_set_owned(row, "page", bl[i].page);
		tvars_set_owned(row, "url", bl[i].url);
	}
	free(bl);
}

/* Whether name is a discussion page: ".../Discussion", in any case. */
static bool
is_discussion(const char *name, const char *dp)
{
	size_t n = strlen(name), k = strlen(dp);

	return n > k && name[n - k - 1] == '/' && strcasecmp(name + n - k, dp) == 0;
}

static void
page_vars(struct tvars *v, struct ctx *c)
{
	struct build *b = c->b;
	struct page *p = c->page, *disc;
	struct buf t = BUF_INIT;

	if (strcmp(p->name, "index") == 0) {
		tvars_set(v, "title", b->wikiname);
	} else {
		pagetitle(&t, path_base(p->name), strlen(path_base(p->name)), false);
		tvars_set(v, "title", t.data);
		buf_reset(&t);
	}
	tvars_set(v, "wikiname", b->wikiname);
	baseurl(&t, p);
	tvars_set(v, "baseurl", t.data);
	buf_reset(&t);
	tvars_set(v, "html5", b->html5 ? "1" : "");
	tvars_set(v, "responsive_layout",
		  config_bool(&b->cfg, "responsive_layout") ? "1" : "");
	plugin_displaytime(c, &t, p->mtime, false);
	tvars_set(v, "mtime", t.data);
	buf_reset(&t);
	plugin_displaytime(c, &t, p->ctime, true);
	tvars_set(v, "ctime", t.data);
	buf_reset(&t);
	if (b->has_local_css)
		tvars_set(v, "local_css", "local.css");
	tvars_set(v, "html_lang_code", config_str(&b->cfg, "lang"));
	tvars_set(v, "html_lang_dir", "ltr");
	if (b->discussion && !is_discussion(p->name, b->discussionpage)) {
		buf_cat(&t, p->name, "/", b->discussionpage, NULL);
		disc = site_page(&b->site, t.data);
		buf_reset(&t);
		if (disc) {
			preprocess_htmllink(&t, c, path_base(disc->name),
					    strlen(path_base(disc->name)), NULL, 0, NULL, 0, true);
			tvars_set(v, "discussionlink", t.data);
			tvars_set(v, "have_actions", "1");
			buf_reset(&t);
		}
	}
	backlinks(v, c);
	buf_release(&t);
}

int
render_page(struct ctx *c)
{
	struct build *b = c->b;
	struct page *p = c->page;
	const struct tmpl *tm;
	struct tvars *v;
	struct buf content = BUF_INIT, html = BUF_INIT;
	int rc = -1;

	c->dest = p;
	if (render_content(&content, c) < 0)
		p->failed = true;
	build_template(c, "page.tmpl");
	if (!(tm = theme_template(&b->theme, "page.tmpl"))) {
		diag_once(b->diag, "no page.tmpl", DIAG_ERROR, NULL, 0,
			  "page.tmpl: no usable template (the site's templates/, its theme, weft's)");
		p->failed = true;
		output_keep(&b->out, p->dest, src_name(p));
		goto out;
	}
	v = tvars_new();
	page_vars(v, c);
	tvars_set_owned(v, "content", buf_detach(&content, NULL));
	if (plugin_pagetemplate(c, tm, "page.tmpl", v) < 0)
		p->failed = true;
	tmpl_fill(&html, tm, v);
	tvars_free(v);
	if (plugin_format(c, &html) < 0)
		p->failed = true;
	if (output_write(&b->out, p->dest, html.data, html.len, src_name(p)) < 0)
		p->failed = true;
	else
		rc = 0;
out:
	buf_release(&content);
	buf_release(&html);
	return p->failed ? -1 : rc;
}
