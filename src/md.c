/* md.c — the cmark-gfm wrapper: the only file that includes cmark's headers. */
#include "md.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "find.h"
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

/*
 * Rendering a page makes a few hundred nodes and buffers that all go
 * together when the HTML is out: they come from an arena of the render
 * (cmark takes an allocator), freed in one go, instead of a malloc, a
 * memset and a free each. cmark's allocator functions take no context:
 * the arena in use is the thread's. Each block has its size before it,
 * for realloc; the newest block grows in place (cmark's buffers grow by
 * realloc) and, freed, is given back.
 */
struct chunk {
	struct chunk *next;
	size_t cap, used;
	max_align_t data[];
};

struct arena {
	struct chunk *head;	/* the chunk being filled */
	unsigned char *last;	/* the newest block, in head */
};

enum { HEADER = sizeof(max_align_t), FIRST_CHUNK = 64 * 1024 };

static _Thread_local struct arena *arena;

static size_t
rounded(size_t n)
{
	return (n + HEADER - 1) / HEADER * HEADER;
}

static size_t
block_size(const unsigned char *p)
{
	size_t n;

	memcpy(&n, p - HEADER, sizeof(n));
	return n;
}

static void
set_block_size(unsigned char *p, size_t n)
{
	memcpy(p - HEADER, &n, sizeof(n));
}

static void *
arena_alloc(size_t n)
{
	struct chunk *c = arena->head;
	size_t need = HEADER + rounded(n);
	unsigned char *p;

	if (!c || c->cap - c->used < need) {
		size_t cap = c ? 2 * c->cap : FIRST_CHUNK;

		if (cap < need)
			cap = need;
		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = arena->head;
		arena->head = c;
	}
	p = (unsigned char *)c->data + c->used + HEADER;
	c->used += need;
	set_block_size(p, n);
	arena->last = p;
	return p;
}

static void *
arena_calloc(size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > SIZE_MAX / 2 / size)
		abort();
	p = arena_alloc(nmemb * size);
	return memset(p, 0, nmemb * size);
}

static void *
arena_realloc(void *ptr, size_t n)
{
	struct chunk *c = arena->head;
	unsigned char *p = ptr, *q;
	size_t old;

	if (!p)
		return arena_alloc(n);
	old = block_size(p);
	if (n <= old)
		return p;
	if (p == arena->last && n <= SIZE_MAX / 2 &&
	    rounded(n) - rounded(old) <= c->cap - c->used) {
		c->used += rounded(n) - rounded(old);
		set_block_size(p, n);
		return p;
	}
	q = arena_alloc(n);
	return memcpy(q, p, old);
}

static void
arena_free(void *ptr)
{
	unsigned char *p = ptr;

	if (p && p == arena->last) {
		arena->head->used -= HEADER + rounded(block_size(p));
		arena->last = NULL;
	}
}

static cmark_mem arena_mem = { arena_calloc, arena_realloc, arena_free };

static void
arena_release(struct arena *a)
{
	while (a->head) {
		struct chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
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
	int opts = CMARK_OPT_DEFAULT;
	struct arena a = { NULL, NULL };
	cmark_parser *p;
	cmark_node *doc;

	md_init();
	if (flags & MD_UNSAFE)
		opts |= CMARK_OPT_UNSAFE;
	/* Footnotes cost a walk of the whole tree after the parse; a text
	 * without "[^" has neither a footnote nor a reference to one. */
	if (find_mem(text, len, "[^", 2))
		opts |= CMARK_OPT_FOOTNOTES;
	if (flags & MD_HARDBREAKS)
		opts |= CMARK_OPT_HARDBREAKS;
	arena = &a;
	p = cmark_parser_new_with_mem(opts, &arena_mem);
	/* Discount's features as ikiwiki uses it: tables, ~~strikethrough~~;
	 * no autolinking of bare URLs (ikiwiki leaves them text, and a URL
	 * given to a template inside an attribute must stay one). */
	attach(p, "table");
	attach(p, "strikethrough");
	attach(p, "tasklist");
	cmark_parser_feed(p, text, len);
	doc = cmark_parser_finish(p);
	buf_puts(out, cmark_render_html_with_mem(doc, opts, cmark_parser_get_syntax_extensions(p),
						 &arena_mem));
	/* The tree, the parser and the HTML are all in the arena. */
	arena_release(&a);
	arena = NULL;
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

/*
 * cmark-gfm 0.29 places an inline node on a paragraph's later line as if
 * the line's own indentation (beyond its container's) were not there: in
 * "foo\n  and `x`" the span is reported two bytes early, never late. A
 * one-line span's text is the source's, so it is looked for from there
 * on, between backticks (a space may stand between); [*s, *e) becomes it.
 * Unchanged when it is not found there.
 */
static void
realign(const char *text, size_t len, const char *lit, size_t *s, size_t *e)
{
	size_t n = lit ? strlen(lit) : 0, q;
	const char *nl = memchr(text + *s, '\n', len - *s);
	size_t end = nl ? (size_t)(nl - text) : len;

	if (!n)
		return;
	for (q = *s; q + n <= end; q++) {
		size_t a = q + n;
		bool before = q >= 1 && (text[q - 1] == '`' ||
					 (q >= 2 && text[q - 1] == ' ' && text[q - 2] == '`'));
		bool after = a < len && (text[a] == '`' ||
					 (a + 1 < len && text[a] == ' ' && text[a + 1] == '`'));

		if (before && after && memcmp(text + q, lit, n) == 0) {
			*s = q;
			*e = a;
			return;
		}
	}
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
			if (cmark_node_get_start_line(n) == cmark_node_get_end_line(n))
				realign(text, len, cmark_node_get_literal(n), &s, &e);
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

/* Whether s[0..n) holds four spaces in a row. A byte that is not a space
 * rules out the four runs that would hold it, so the look mostly steps
 * by four (spaces are too common to memchr for). */
static bool
four_spaces(const char *s, size_t n)
{
	size_t i = 3, k;

	while (i < n) {
		if (s[i] != ' ') {
			i += 4;
			continue;
		}
		for (k = 1; k < 4 && s[i - k] == ' '; k++)
			;
		if (k == 4)
			return true;
		/* s[i - k] is not a space: a run ends at i - k + 4 at the
		 * earliest. */
		i += 4 - k;
	}
	return false;
}

/* A fenced block as md_code_free finds it: from its opening line to the
 * end of its closing line (or of the text). */
struct fence {
	const char *from, *to;
};

/* The start of at's line, looking back no further than from (a line start
 * or what is known about before it: memrchr's range is the whole of it
 * under the sanitizers, which would make the look quadratic). */
static const char *
line_start(const char *text, const char *at)
{
	const char *nl = at > text ? memrchr(text, '\n', (size_t)(at - text)) : NULL;

	return nl ? nl + 1 : text;
}

static const char *
line_end(const char *at, const char *end)
{
	const char *nl = memchr(at, '\n', (size_t)(end - at));

	return nl ? nl : end;
}

/* A line that may open or close a fence: up to three spaces, then three
 * backticks or tildes. */
static bool
fence_like(const char *s, size_t n)
{
	size_t ind = run_of(s, n, ' ');

	return ind <= 3 && ind < n && (s[ind] == '`' || s[ind] == '~') &&
	       run_of(s + ind, n - ind, s[ind]) >= 3;
}

/*
 * The fenced blocks of text before limit, found from its backticks and
 * tildes (memchr: most lines have neither). Returns the start of the first
 * line that leaves a doubt (a fence that is not at the first column, in a
 * container or malformed), or end when none does.
 */
static const char *
find_fences(const char *text, const char *end, const char *limit,
	    struct fence *v, size_t *n, size_t max)
{
	const char *at = text;
	const char *tick = memchr(text, '`', (size_t)(limit - text));
	const char *tilde = memchr(text, '~', (size_t)(limit - text));
	struct fence *open = NULL;
	size_t k = 0;
	char c = 0;

	*n = 0;
	while (at < limit) {
		const char *hit, *ls, *le;

		if (tick && tick < at)
			tick = memchr(at, '`', (size_t)(limit - at));
		if (tilde && tilde < at)
			tilde = memchr(at, '~', (size_t)(limit - at));
		hit = !tick ? tilde : !tilde || tick < tilde ? tick : tilde;
		if (!hit)
			break;
		ls = line_start(at, hit);
		le = line_end(hit, end);
		if (open) {
			if (fence_close(ls, (size_t)(le - ls), c, k)) {
				open->to = le;
				open = NULL;
			}
		} else if ((k = fence_open(ls, (size_t)(le - ls), &c))) {
			if (*n == max)
				return ls;
			open = &v[(*n)++];
			open->from = ls;
			open->to = end;
		} else if (find_mem(ls, (size_t)(le - ls), "```", 3) ||
			   find_mem(ls, (size_t)(le - ls), "~~~", 3)) {
			return ls;
		}
		at = le;
	}
	return end;
}

enum { MAX_FENCES = 64 };

/* The next "[[" in [at, end), by memchr: glibc's memmem goes a byte at a
 * time for a needle this short. */
static const char *
next_link(const char *at, const char *end)
{
	while (at < end && (at = memchr(at, '[', (size_t)(end - at)))) {
		if (at + 1 < end && at[1] == '[')
			return at;
		at++;
	}
	return NULL;
}

bool
md_code_free(const char *text, size_t len)
{
	const char *end = text + len, *last = NULL, *at = text, *hit, *doubt;
	const char *ls = NULL, *le = NULL, *seen = text;
	struct fence fences[MAX_FENCES];
	size_t nfences, f = 0;

	while ((hit = next_link(at, end))) {
		last = hit;
		at = hit + 1;
	}
	if (!last)
		return true;
	if (memchr(text, '\r', len))
		return false;
	doubt = find_fences(text, end, last + 2, fences, &nfences, MAX_FENCES);
	if (doubt > last)
		doubt = last + 1;
	/* A line starting an HTML block (outside the fences) may hide one. */
	for (at = text; at < doubt && (hit = memchr(at, '<', (size_t)(doubt - at)));) {
		const char *s = line_start(at, hit);

		while (f < nfences && fences[f].to <= hit)
			f++;
		if (run_of(s, (size_t)(hit - s), ' ') == (size_t)(hit - s) && hit - s <= 3 &&
		    !(f < nfences && fences[f].from <= hit)) {
			doubt = s;
			break;
		}
		if ((at = line_end(hit, end)) < doubt)
			at++;	/* the line's other '<' do not start it */
	}
	/* Each "[[", its line and its paragraph before it; every byte is
	 * looked at once (seen: where the last look ended). */
	f = 0;
	for (at = text; (hit = next_link(at, end)); at = hit + 1) {
		const char *p, *from;

		if (hit >= doubt)
			return false;
		while (f < nfences && fences[f].to <= hit)
			f++;
		if (f < nfences && fences[f].from <= hit)
			return false;	/* in a fenced block */
		if (!le || hit > le) {
			ls = line_start(le ? le + 1 : text, hit);
			le = line_end(hit, end);
			if (memchr(ls, '\t', (size_t)(le - ls)) ||
			    four_spaces(ls, (size_t)(le - ls)))
				return false;	/* maybe an indented code line */
		}
		/* A code span holding it opens before it, in its paragraph:
		 * back to a blank line or a fence (no other line has one), or
		 * to where the last "[["'s paragraph was found free. */
		from = ls > seen ? ls : seen;
		if (memchr(from, '`', (size_t)(hit - from)))
			return false;
		for (p = ls; p > seen;) {
			const char *prev = line_start(seen, p - 1);
			size_t n = (size_t)(p - 1 - prev);

			/* A line from seen on, or the first line: whole. */
			if ((prev > seen || prev == text) &&
			    (blank_line(prev, n) || fence_like(prev, n)))
				break;
			if (memchr(prev, '`', n))
				return false;
			p = prev;
		}
		seen = hit;
	}
	return true;
}

void
md_code_spans(struct spans *out, const char *text, size_t len)
{
	if (!md_code_free(text, len))
		md_code_parse(out, text, len);
}
