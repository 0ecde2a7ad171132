/* md.c — the cmark-gfm wrapper: the only file that includes cmark's headers. */
#include "md.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

/*
 * cmark-gfm 0.29.0.gfm.6 (Debian 12's) keeps its extensions' special
 * inline characters in one process-wide table: every parse adds them when
 * it starts on inlines and removes them when it is done, so a parse that
 * finishes on one thread takes them from a parse still running on another,
 * and autolinks or strikethrough go missing at random. weft attaches the
 * same extensions to every parser, so it lets the library add them and
 * never remove them. The library calls this through its PLT, so weft's
 * definition is the one it reaches (the binary exports it).
 */
typedef void (*manage_fn)(cmark_parser *, int);
static manage_fn real_manage;

static void
find_real_manage(void)
{
	/* POSIX's way to take a function from dlsym in ISO C. */
	*(void **)&real_manage = dlsym(RTLD_NEXT,
				       "cmark_manage_extensions_special_characters");
}

void cmark_manage_extensions_special_characters(cmark_parser *parser, int add);

void
cmark_manage_extensions_special_characters(cmark_parser *parser, int add)
{
	static pthread_once_t found = PTHREAD_ONCE_INIT;

	pthread_once(&found, find_real_manage);
	if (add && real_manage)
		real_manage(parser, add);
}

static void
register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

void
md_init(void)
{
	pthread_once(&once, register_extensions);
}

void
spans_release(struct spans *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static void
attach(cmark_parser *p, const char *name)
{
	cmark_syntax_extension *ext = cmark_find_syntax_extension(name);

	if (ext)
		cmark_parser_attach_syntax_extension(p, ext);
}

void
md_render(struct buf *out, const char *text, size_t len, unsigned flags)
{
	int opts = CMARK_OPT_FOOTNOTES;
	cmark_parser *p;
	cmark_node *doc;
	char *html;

	md_init();
	if (flags & MD_UNSAFE)
		opts |= CMARK_OPT_UNSAFE;
	if (flags & MD_HARDBREAKS)
		opts |= CMARK_OPT_HARDBREAKS;
	p = cmark_parser_new(opts);
	/* Discount's features as ikiwiki uses it: tables, ~~strikethrough~~;
	 * no autolinking of bare URLs (ikiwiki leaves them text, and a URL
	 * given to a template inside an attribute must stay one). */
	attach(p, "table");
	attach(p, "strikethrough");
	attach(p, "tasklist");
	cmark_parser_feed(p, text, len);
	doc = cmark_parser_finish(p);
	html = cmark_render_html(doc, opts, cmark_parser_get_syntax_extensions(p));
	buf_puts(out, html);
	free(html);
	cmark_node_free(doc);
	cmark_parser_free(p);
}

/* Byte offsets of the start of each line, so (line, column) positions from
 * cmark become offsets. */
struct lines {
	size_t *start;
	size_t n;
};

static void
lines_index(struct lines *l, const char *text, size_t len)
{
	size_t i, cap = 0;

	l->start = NULL;
	l->n = 0;
	l->start = xgrow(l->start, &cap, 1, sizeof(*l->start));
	l->start[l->n++] = 0;
	for (i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		l->start = xgrow(l->start, &cap, l->n + 1, sizeof(*l->start));
		l->start[l->n++] = i + 1;
	}
}

/* The offset of 1-based (line, col), clamped to the text. */
static size_t
offset(const struct lines *l, size_t len, int line, int col)
{
	size_t off;

	if (line < 1)
		return 0;
	if ((size_t)line > l->n)
		return len;
	off = l->start[line - 1] + (col > 0 ? (size_t)col - 1 : 0);
	return off > len ? len : off;
}

static void
push(struct spans *out, size_t start, size_t end)
{
	if (end <= start)
		return;
	if (out->n && out->v[out->n - 1].end >= start) {
		if (end > out->v[out->n - 1].end)
			out->v[out->n - 1].end = end;
		return;
	}
	out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof(*out->v));
	out->v[out->n].start = start;
	out->v[out->n].end = end;
	out->n++;
}

static bool
may_have_code(const char *text, size_t len)
{
	size_t i;

	if (memchr(text, '`', len) || memchr(text, '~', len) ||
	    memchr(text, '\t', len))
		return true;
	for (i = 0; i + 4 <= len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "    ", 4) == 0)
			return true;
	}
	return false;
}

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void
md_code_parse(struct spans *out, const char *text, size_t len)
{
	struct spans found = { 0 };
	struct lines l;
	cmark_node *doc;
	cmark_iter *it;
	cmark_event_type ev;
	size_t i;

	if (!may_have_code(text, len))
		return;
	lines_index(&l, text, len);
	/* Without extensions: a table cell's code span keeps its position. */
	doc = cmark_parse_document(text, len, CMARK_OPT_SOURCEPOS);
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		int type = cmark_node_get_type(n);
		size_t s, e;

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (type == CMARK_NODE_CODE_BLOCK) {
			s = offset(&l, len, cmark_node_get_start_line(n), 1);
			e = offset(&l, len, cmark_node_get_end_line(n) + 1, 1);
		} else if (type == CMARK_NODE_CODE) {
			s = offset(&l, len, cmark_node_get_start_line(n),
				   cmark_node_get_start_column(n));
			e = offset(&l, len, cmark_node_get_end_line(n),
				   cmark_node_get_end_column(n) + 1);
			/* The positions cover the content; take the backticks too. */
			while (s > 0 && (text[s - 1] == '`' || text[s - 1] == ' '))
				s--;
			while (e < len && (text[e] == '`' || text[e] == ' '))
				e++;
		} else {
			continue;
		}
		if (e > s) {
			found.v = xgrow(found.v, &found.cap, found.n + 1, sizeof(*found.v));
			found.v[found.n].start = s;
			found.v[found.n++].end = e;
		}
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	free(l.start);
	if (found.n)
		qsort(found.v, found.n, sizeof(*found.v), span_cmp);
	for (i = 0; i < found.n; i++)
		push(out, found.v[i].start, found.v[i].end);
	spans_release(&found);
}

/* The length of the run of c at s, at most n. */
static size_t
run_of(const char *s, size_t n, char c)
{
	size_t i = 0;

	while (i < n && s[i] == c)
		i++;
	return i;
}

static bool
blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* A fence opening at the first column: three or more backticks (with no
 * backtick after them) or tildes, and an ASCII info string (cmark reads
 * one with a byte of bad UTF-8 as no fence: weft does not check UTF-8
 * here). Its character and length, or 0. */
static size_t
fence_open(const char *s, size_t n, char *c)
{
	size_t i, k;

	if (!n || (s[0] != '`' && s[0] != '~'))
		return 0;
	k = run_of(s, n, s[0]);
	if (k < 3 || (s[0] == '`' && memchr(s + k, '`', n - k)))
		return 0;
	for (i = k; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	*c = s[0];
	return k;
}

/* Whether the line closes a fence of k c's: up to three spaces, at least
 * k c's, then only blanks. */
static bool
fence_close(const char *s, size_t n, char c, size_t k)
{
	size_t ind = run_of(s, n, ' '), m;

	if (ind > 3)
		return false;
	m = run_of(s + ind, n - ind, c);
	return m >= k && blank_line(s + ind + m, n - ind - m);
}

bool
md_code_free(const char *text, size_t len)
{
	const char *end = text + len, *line = text, *last = NULL, *at = text, *hit;
	bool para_tick = false, para_link = false;
	size_t fence_len = 0;
	char fence = 0;

	while ((hit = memmem(at, (size_t)(end - at), "[[", 2))) {
		last = hit;
		at = hit + 1;
	}
	if (!last)
		return true;
	if (memchr(text, '\r', len))
		return false;
	while (line <= last) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl ? nl : end) - line), ind = run_of(line, n, ' ');
		bool link = memmem(line, n, "[[", 2) != NULL;

		if (fence) {
			if (fence_close(line, n, fence, fence_len))
				fence = 0;
			else if (link)
				return false;
		} else if (blank_line(line, n) ||
			   (fence_len = fence_open(line, n, &fence))) {
			/* A paragraph ends here: its code spans are within it. */
			if ((para_tick && para_link) || (fence && link))
				return false;
			para_tick = para_link = false;
		} else if (memmem(line, n, "```", 3) || memmem(line, n, "~~~", 3) ||
			   (ind <= 3 && ind < n && line[ind] == '<')) {
			return false;
		} else {
			if (link && (memchr(line, '\t', n) || memmem(line, n, "    ", 4)))
				return false;
			para_tick = para_tick || memchr(line, '`', n);
			para_link = para_link || link;
		}
		line = nl ? nl + 1 : end;
		if (!nl)
			break;
	}
	/* The paragraph of the last "[[" may go on past it. */
	while (para_link && line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl ? nl : end) - line);

		if (blank_line(line, n) || fence_open(line, n, &fence))
			break;
		if (memchr(line, '`', n))
			return false;
		line = nl ? nl + 1 : end;
	}
	return !(para_tick && para_link);
}

void
md_code_spans(struct spans *out, const char *text, size_t len)
{
	if (!md_code_free(text, len))
		md_code_parse(out, text, len);
}
