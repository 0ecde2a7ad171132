/* tmpl.c — HTML::Template-compatible templates: a compiler to a flat node
 * array with precomputed jumps, and a fill that walks it without recursion. */

/*
 * Where this differs from HTML::Template 2.97 as ikiwiki sets it up (every
 * template HTML::Template accepts fills the same, except for the first):
 * - inside a loop, a name the row lacks is looked up in the enclosing rows
 *   and the top (tmpl.h); HTML::Template leaves it empty;
 * - text that starts like a tag but meets '<' or the end before its '>' is
 *   literal, where HTML::Template's strict mode fails;
 * - "<TMPL_VARx>" is an unknown tag, not <TMPL_VAR x>; a bare value ending
 *   the tag loses a trailing "/" or "--" (<TMPL_VAR x/> names x, not x/);
 * - blocks nest at most 100 deep; the first error ends the compile.
 */
#include "tmpl.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "strmap.h"
#include "xalloc.h"

/* Nesting of IF, UNLESS and LOOP blocks; bounds the fill's loop frames and
 * the cost of a lookup through enclosing rows. */
#define MAX_DEPTH 100
/* Nesting of TMPL_INCLUDE, as HTML::Template's max_includes. */
#define MAX_INCLUDES 10
/* How much of a bad name or value an error message quotes. */
#define QUOTE_MAX 40

enum op { OP_TEXT, OP_VAR, OP_IF, OP_UNLESS, OP_ELSE, OP_LOOP, OP_ENDLOOP };
enum esc { ESC_NONE, ESC_HTML, ESC_URL, ESC_JS };
enum ctx {
	CTX_NONE, CTX_FIRST, CTX_LAST, CTX_INNER, CTX_OUTER, CTX_ODD,
	CTX_EVEN, CTX_COUNTER, CTX_INDEX
};

/*
 * One step of a compiled template. off/len is the text (OP_TEXT) or the
 * lowercased name (with its hash), doff/dlen the DEFAULT, both in the
 * template's pool.
 * jump: OP_IF and OP_UNLESS go there when their branch is not taken,
 * OP_ELSE always, OP_LOOP when it has no rows, OP_ENDLOOP back to the
 * loop's body while rows remain.
 */
struct node {
	unsigned char op;
	unsigned char esc;
	unsigned char ctx;
	unsigned char has_def;
	uint32_t hash;
	size_t off, len;
	size_t doff, dlen;
	size_t jump;
};

struct tmpl {
	char *file;
	struct node *nodes;
	size_t nnodes;
	char *pool;
	size_t textlen;		/* literal text, to size the output once */
	struct strmap uses;	/* lowercased names, for tmpl_uses; no values */
	uint64_t serial;	/* tmpl_serial's */
};

/* A string value that tvars_set_owned took: freed with its set, or when a
 * second set replaces it. */
struct owned {
	char *s;
	struct owned *next;
};

/* A name's value: a string, or (str == NULL) a loop of rows. */
struct tval {
	const char *str;
	size_t len;
	struct owned *own;	/* str's, when it is owned */
	struct tvars **rows;
	size_t nrows, caprows;
};

/* A name (lowercased) with its value, and the name's hash. */
struct tvar {
	const char *name;
	size_t len;
	uint32_t hash;
	struct tval val;
};

/*
 * The memory of a set of parameters and of its rows: names, copied values,
 * rows and their arrays are carved from chunks freed together, so that a
 * set costs an allocation or two instead of several per name. What a
 * second set replaces stays until the set is freed: a set lives for one
 * fill.
 */
struct chunk {
	struct chunk *next;
	_Alignas(max_align_t) char mem[];
};

struct arena {
	char *at, *end;		/* the free part of the chunk being carved */
	struct chunk *chunks;	/* all but the one made with the set */
	struct owned *owned;	/* tvars_set_owned's strings, to free */
};

/* Most sets of parameters are small (a loop's row holds a few): they are
 * searched in turn, comparing hashes. Past TVARS_LINEAR names an index
 * finds them: an open-addressing table of places + 1, at most half full.
 * A value's place moves as names are added: a struct tval * holds only
 * until the next. */
#define TVARS_LINEAR 8

struct tvars {
	struct tvar *v;
	size_t n, cap;
	uint32_t *index;	/* NULL up to TVARS_LINEAR names */
	size_t icap;		/* a power of two */
	struct arena *arena;	/* the top set's, shared by its rows */
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\f' || c == '\v';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether the n bytes at s are word, ignoring ASCII case. */
static bool
ieq(const char *s, size_t n, const char *word)
{
	size_t i;

	if (n != strlen(word))
		return false;
	for (i = 0; i < n; i++)
		if (lower(s[i]) != word[i])
			return false;
	return true;
}

static size_t
count_lines(const char *s, size_t n)
{
	const char *end = s + n;
	size_t lines = 0;

	while ((s = memchr(s, '\n', (size_t)(end - s)))) {
		lines++;
		s++;
	}
	return lines;
}

/* w with each byte in 'A'..'Z' lowered, eight at once: the top bit of a
 * byte of ge_a (of gt_z) is set when its low seven bits are at least 'A'
 * (more than 'Z'); no sum carries into the next byte. Bytes past 127
 * stay, as lower() leaves them. */
static uint64_t
lower8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, top = ones * 0x80;
	uint64_t low7 = w & ~top;
	uint64_t ge_a = low7 + ones * (0x80 - 'A');
	uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1);

	return w | ((ge_a & ~gt_z & ~w & top) >> 2);
}

static uint64_t
hash_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 29);
}

/* A lowercased copy of a name for lookups, on the stack when short, and
 * the hash of the copy. Both are made in one pass, a word at a time: the
 * compiler makes them for each name of a template, so that a fill never
 * hashes, and each set of a parameter makes them once. */
struct key {
	char small[64];
	char *s;
	size_t len;
	uint32_t hash;
};

/* Lowers the 8 bytes at name + i into k and hashes them. */
static uint64_t
key_word(struct key *k, const char *name, size_t i, uint64_t h)
{
	uint64_t w;

	memcpy(&w, name + i, 8);
	w = lower8(w);
	memcpy(k->s + i, &w, 8);
	return hash_word(h, w);
}

/*
 * A name of 8 bytes or more is taken in words, the last one overlapping
 * the one before when the length is not a multiple of 8; a shorter one
 * in a zero-padded word, whose 8 bytes fit in k->small.
 */
static void
key_init(struct key *k, const char *name, size_t len)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ len, w = 0;
	size_t i;

	k->s = len < sizeof(k->small) ? k->small : xmalloc(len);
	if (len >= 8) {
		for (i = 0; i + 8 <= len; i += 8)
			h = key_word(k, name, i, h);
		if (i < len)
			h = key_word(k, name, len - 8, h);
	} else {
		memcpy(&w, name, len);
		w = lower8(w);
		memcpy(k->s, &w, 8);
		h = hash_word(h, w);
	}
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	k->len = len;
	k->hash = (uint32_t)(h ^ (h >> 32));
}

static void
key_release(struct key *k)
{
	if (k->s != k->small)
		free(k->s);
}

/* ---- parameters ---- */

/* The chunk a set is made with, and the size of each later one; a value
 * larger than a quarter of that gets a chunk of its own. */
#define FIRST_CHUNK 2048
#define CHUNK 8192

/* A set made by tvars_new: with its arena and first chunk, in one
 * allocation. */
struct top {
	struct tvars v;
	struct arena arena;
	_Alignas(max_align_t) char first[FIRST_CHUNK];
};

static void *
arena_large(struct arena *a, size_t n)
{
	struct chunk *c;

	c = xmalloc(n > SIZE_MAX - sizeof(*c) ? SIZE_MAX : sizeof(*c) + n);
	c->next = a->chunks;
	a->chunks = c;
	return c->mem;
}

/* n bytes, aligned for any type, that live as long as the arena. */
static void *
arena_alloc(struct arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	char *p;

	if (n > CHUNK / 4)
		return arena_large(a, n);
	n = (n + align - 1) & ~(align - 1);
	if (n > (size_t)(a->end - a->at)) {
		a->at = arena_large(a, CHUNK);
		a->end = a->at + CHUNK;
	}
	p = a->at;
	a->at += n;
	return p;
}

static const char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (!n)
		return "";
	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* xgrow in the arena: the array outgrown stays, unused, until the set is
 * freed. */
static void *
arena_grow(struct arena *a, void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 8;
	void *q;

	if (need <= *cap)
		return p;
	while (c < need)
		c = c > SIZE_MAX / 2 ? SIZE_MAX : c * 2;
	q = arena_alloc(a, c > SIZE_MAX / size ? SIZE_MAX : c * size);
	if (*cap)
		memcpy(q, p, *cap * size);
	*cap = c;
	return q;
}

struct tvars *
tvars_new(void)
{
	struct top *t = xmalloc(sizeof(*t));

	t->v = (struct tvars){ .arena = &t->arena };
	t->arena = (struct arena){
		.at = t->first,
		.end = t->first + sizeof(t->first),
	};
	return &t->v;
}

/* Makes tv an empty loop, freeing its string if it is owned. Its rows
 * stay in the arena, their owned strings in its list. */
static void
tval_reset(struct tval *tv)
{
	if (tv->own) {
		free(tv->own->s);
		tv->own->s = NULL;
	}
	memset(tv, 0, sizeof(*tv));
}

void
tvars_free(struct tvars *v)
{
	struct owned *o;
	struct chunk *c, *next;

	if (!v)
		return;
	for (o = v->arena->owned; o; o = o->next)
		free(o->s);
	for (c = v->arena->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free((struct top *)v);
}

static bool
same_name(const struct tvar *tv, const char *key, size_t len, uint32_t hash)
{
	return tv->hash == hash && tv->len == len &&
	       memcmp(tv->name, key, len) == 0;
}

/* The value of the lowercased name key with its hash, or NULL. */
static struct tval *
find_val(const struct tvars *v, const char *key, size_t len, uint32_t hash)
{
	size_t i, mask = v->icap - 1;
	struct tvar *tv;

	if (!v->index) {
		for (i = 0; i < v->n; i++)
			if (same_name(&v->v[i], key, len, hash))
				return &v->v[i].val;
		return NULL;
	}
	for (i = hash & mask; v->index[i]; i = (i + 1) & mask) {
		tv = &v->v[v->index[i] - 1];
		if (same_name(tv, key, len, hash))
			return &tv->val;
	}
	return NULL;
}

/* Puts the place of v->v[at] in the index, which has room. */
static void
index_put(struct tvars *v, size_t at)
{
	size_t i, mask = v->icap - 1;

	for (i = v->v[at].hash & mask; v->index[i]; i = (i + 1) & mask)
		;
	v->index[i] = (uint32_t)(at + 1);
}

/* Indexes the newest name once there are more than TVARS_LINEAR, making
 * the index anew (twice as large) when it would be more than half full. */
static void
index_add(struct tvars *v)
{
	size_t i;

	if (v->n <= TVARS_LINEAR)
		return;
	if (v->n * 2 > v->icap) {
		v->icap = v->icap ? v->icap * 2 : 4 * TVARS_LINEAR;
		v->index = arena_alloc(v->arena, v->icap * sizeof(*v->index));
		memset(v->index, 0, v->icap * sizeof(*v->index));
		for (i = 0; i + 1 < v->n; i++)
			index_put(v, i);
	}
	index_put(v, v->n - 1);
}

/* The value of name, created (an empty loop) when missing. */
static struct tval *
tval_slot(struct tvars *v, const char *name)
{
	struct key k;
	struct tval *tv;

	key_init(&k, name, strlen(name));
	tv = find_val(v, k.s, k.len, k.hash);
	if (!tv) {
		v->v = arena_grow(v->arena, v->v, &v->cap, v->n + 1,
				  sizeof(*v->v));
		v->v[v->n] = (struct tvar){
			.name = arena_strndup(v->arena, k.s, k.len),
			.len = k.len,
			.hash = k.hash,
		};
		tv = &v->v[v->n++].val;
		index_add(v);
	}
	key_release(&k);
	return tv;
}

static void
set_str(struct tvars *v, const char *name, const char *str, size_t len,
	struct owned *own)
{
	struct tval *tv = tval_slot(v, name);

	tval_reset(tv);
	tv->str = str;
	tv->len = len;
	tv->own = own;
}

void
tvars_set(struct tvars *v, const char *name, const char *val)
{
	tvars_setn(v, name, val, val ? strlen(val) : 0);
}

void
tvars_setn(struct tvars *v, const char *name, const char *val, size_t len)
{
	if (!val)
		len = 0;
	set_str(v, name, arena_strndup(v->arena, val, len), len, NULL);
}

void
tvars_set_owned(struct tvars *v, const char *name, char *val)
{
	struct owned *own;

	if (!val) {
		tvars_setn(v, name, "", 0);
		return;
	}
	own = arena_alloc(v->arena, sizeof(*own));
	own->s = val;
	own->next = v->arena->owned;
	v->arena->owned = own;
	set_str(v, name, val, strlen(val), own);
}

const char *
tvars_get(const struct tvars *v, const char *name)
{
	const struct tval *tv;
	struct key k;

	key_init(&k, name, strlen(name));
	tv = find_val(v, k.s, k.len, k.hash);
	key_release(&k);
	return tv ? tv->str : NULL;
}

struct tvars *
tvars_add_row(struct tvars *v, const char *name)
{
	struct tval *tv = tval_slot(v, name);
	struct tvars *row = arena_alloc(v->arena, sizeof(*row));

	memset(row, 0, sizeof(*row));
	row->arena = v->arena;
	if (tv->str)
		tval_reset(tv);
	tv->rows = arena_grow(v->arena, tv->rows, &tv->caprows, tv->nrows + 1,
			      sizeof(*tv->rows));
	tv->rows[tv->nrows++] = row;
	return row;
}

void
tvars_clear(struct tvars *v, const char *name)
{
	tval_reset(tval_slot(v, name));
}

/* ---- the compiler ---- */

enum tag_kind { TAG_VAR, TAG_IF, TAG_UNLESS, TAG_ELSE, TAG_LOOP, TAG_INCLUDE };

static const char *const tag_words[] = {
	"var", "if", "unless", "else", "loop", "include"
};
static const char *const tag_names[] = {
	"TMPL_VAR", "TMPL_IF", "TMPL_UNLESS", "TMPL_ELSE", "TMPL_LOOP",
	"TMPL_INCLUDE"
};

/* One tag, its values pointing into the text being compiled. */
struct tag {
	enum tag_kind kind;
	bool close;
	bool has_name, has_esc, has_def;
	enum esc esc;
	const char *name, *def;
	size_t namelen, deflen;
	const char *file;	/* where it is, for messages */
	unsigned line;
};

/* A text being read: the template or an include being expanded. */
struct src {
	const char *file;
	const char *text;
	size_t len, pos;
	unsigned line;
	char *owned;		/* an include's text, freed when done */
};

/* An IF, UNLESS or LOOP waiting for its closing tag. */
struct block {
	enum tag_kind kind;
	size_t node;		/* its OP_IF, OP_UNLESS or OP_LOOP */
	size_t else_node;	/* its OP_ELSE, or 0 */
	const char *file;
	unsigned line;
};

struct parser {
	struct node *nodes;
	size_t nnodes, capnodes;
	struct buf pool;
	size_t textlen;
	size_t target;		/* a node a jump lands on: no text merges into it */
	struct strmap uses;
	struct src srcs[MAX_INCLUDES + 1];
	size_t nsrcs;
	struct block blocks[MAX_DEPTH];
	size_t nblocks;
	struct vec files;	/* included files' names, alive to the end */
	unsigned flags;
	tmpl_load_fn load;
	void *arg;
	struct diag *d;
};

static int
tag_error(struct parser *p, const struct tag *tag, const char *what)
{
	return diag_error(p->d, tag->file, tag->line, "<%s%s> %s",
			  tag->close ? "/" : "", tag_names[tag->kind], what);
}

static int
quote_len(size_t n)
{
	return n > QUOTE_MAX ? QUOTE_MAX : (int)n;
}

static struct node *
add_node(struct parser *p, enum op op)
{
	struct node *nd;

	p->nodes = xgrow(p->nodes, &p->capnodes, p->nnodes + 1,
			 sizeof(*p->nodes));
	nd = &p->nodes[p->nnodes++];
	memset(nd, 0, sizeof(*nd));
	nd->op = (unsigned char)op;
	return nd;
}

/* Appends literal text, extending the previous text node when it ends
 * where the pool does and no jump lands between them. */
static void
emit_text(struct parser *p, const char *s, size_t n)
{
	struct node *last = p->nnodes ? &p->nodes[p->nnodes - 1] : NULL;

	if (!n)
		return;
	if (!last || last->op != OP_TEXT || p->target == p->nnodes ||
	    last->off + last->len != p->pool.len) {
		last = add_node(p, OP_TEXT);
		last->off = p->pool.len;
	}
	buf_put(&p->pool, s, n);
	last->len += n;
	p->textlen += n;
}

static enum ctx
ctx_of(const char *name, size_t len)
{
	static const char *const names[] = {
		NULL, "__first__", "__last__", "__inner__", "__outer__",
		"__odd__", "__even__", "__counter__", "__index__"
	};
	size_t i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (len == strlen(names[i]) && memcmp(name, names[i], len) == 0)
			return (enum ctx)i;
	return CTX_NONE;
}

/* A node for a tag that names a variable or loop: the name lowercased into
 * the pool and recorded for tmpl_uses. */
static struct node *
add_named(struct parser *p, enum op op, const struct tag *tag)
{
	struct node *nd = add_node(p, op);
	struct key k;

	key_init(&k, tag->name, tag->namelen);
	nd->off = p->pool.len;
	nd->len = k.len;
	nd->hash = k.hash;
	buf_put(&p->pool, k.s, k.len);
	key_release(&k);
	nd->ctx = (unsigned char)ctx_of(p->pool.data + nd->off, nd->len);
	strmap_put(&p->uses, p->pool.data + nd->off, nd->len, (void *)1);
	return nd;
}

static void
add_var(struct parser *p, const struct tag *tag)
{
	struct node *nd = add_named(p, OP_VAR, tag);

	nd->esc = (unsigned char)tag->esc;
	if (tag->has_def) {
		nd->has_def = 1;
		nd->doff = p->pool.len;
		nd->dlen = tag->deflen;
		buf_put(&p->pool, tag->def, tag->deflen);
	}
}

static int
open_block(struct parser *p, const struct tag *tag)
{
	static const enum op ops[] = {
		[TAG_IF] = OP_IF, [TAG_UNLESS] = OP_UNLESS, [TAG_LOOP] = OP_LOOP
	};
	struct block *b;

	if (p->nblocks == MAX_DEPTH)
		return diag_error(p->d, tag->file, tag->line,
				  "<%s> nests blocks deeper than %d",
				  tag_names[tag->kind], MAX_DEPTH);
	add_named(p, ops[tag->kind], tag);
	b = &p->blocks[p->nblocks++];
	b->kind = tag->kind;
	b->node = p->nnodes - 1;
	b->else_node = 0;
	b->file = tag->file;
	b->line = tag->line;
	return 0;
}

static int
add_else(struct parser *p, const struct tag *tag)
{
	struct block *b = p->nblocks ? &p->blocks[p->nblocks - 1] : NULL;

	if (!b || b->kind == TAG_LOOP)
		return tag_error(p, tag, "outside <TMPL_IF> or <TMPL_UNLESS>");
	if (b->else_node)
		return diag_error(p->d, tag->file, tag->line,
				  "second <TMPL_ELSE> in the <%s> at %s:%u",
				  tag_names[b->kind], b->file ? b->file : "-",
				  b->line);
	add_node(p, OP_ELSE);
	b->else_node = p->nnodes - 1;
	p->nodes[b->node].jump = p->nnodes;
	return 0;
}

static int
close_block(struct parser *p, const struct tag *tag)
{
	struct block *b = p->nblocks ? &p->blocks[p->nblocks - 1] : NULL;

	if (!b)
		return tag_error(p, tag, "closes nothing");
	if (b->kind != tag->kind)
		return diag_error(p->d, tag->file, tag->line,
				  "</%s> does not match the <%s> at %s:%u",
				  tag_names[tag->kind], tag_names[b->kind],
				  b->file ? b->file : "-", b->line);
	if (b->kind == TAG_LOOP) {
		add_node(p, OP_ENDLOOP)->jump = b->node + 1;
		p->nodes[b->node].jump = p->nnodes;
	} else if (b->else_node) {
		p->nodes[b->else_node].jump = p->nnodes;
	} else {
		p->nodes[b->node].jump = p->nnodes;
	}
	p->target = p->nnodes;
	p->nblocks--;
	return 0;
}

/* Whether the rest of a tag is its end: an optional "--" (the comment
 * form), an optional "/", then the '>' at end. */
static bool
at_tag_end(const char *q, const char *end)
{
	size_t n = (size_t)(end - q);

	return n == 0 || (n == 1 && q[0] == '/') ||
	       (n == 2 && memcmp(q, "--", 2) == 0) ||
	       (n == 3 && memcmp(q, "--/", 3) == 0);
}

/*
 * Reads a value at *q: "double" or 'single' quoted, or bare up to a space,
 * '=' or the tag's end. A bare value that runs to the end loses a trailing
 * "/", "--" or "--/", which belong to the tag's end.
 */
static int
read_value(struct parser *p, const struct tag *tag, const char **q,
	   const char *end, const char **val, size_t *len)
{
	const char *s = *q, *close;

	if (s < end && (*s == '"' || *s == '\'')) {
		close = memchr(s + 1, *s, (size_t)(end - s - 1));
		if (!close)
			return tag_error(p, tag, "has an unterminated quote");
		*val = s + 1;
		*len = (size_t)(close - s - 1);
		*q = close + 1;
		return 0;
	}
	while (s < end && !is_space(*s) && *s != '=')
		s++;
	*val = *q;
	*len = (size_t)(s - *q);
	*q = s;
	if (s == end) {
		if (*len >= 1 && (*val)[*len - 1] == '/')
			--*len;
		if (*len >= 2 && memcmp(*val + *len - 2, "--", 2) == 0)
			*len -= 2;
	}
	return 0;
}

static int
set_escape(struct parser *p, struct tag *tag, const char *val, size_t len)
{
	if (ieq(val, len, "html") || ieq(val, len, "1"))
		tag->esc = ESC_HTML;
	else if (ieq(val, len, "url"))
		tag->esc = ESC_URL;
	else if (ieq(val, len, "js"))
		tag->esc = ESC_JS;
	else if (ieq(val, len, "none") || ieq(val, len, "0"))
		tag->esc = ESC_NONE;
	else
		return diag_error(p->d, tag->file, tag->line,
				  "unknown ESCAPE value \"%.*s\" in <%s>",
				  quote_len(len), val, tag_names[tag->kind]);
	tag->has_esc = true;
	return 0;
}

static int
set_name(struct parser *p, struct tag *tag, const char *val, size_t len)
{
	if (tag->has_name)
		return tag_error(p, tag, "has more than one NAME");
	tag->has_name = true;
	tag->name = val;
	tag->namelen = len;
	return 0;
}

static int
set_attr(struct parser *p, struct tag *tag, const char *key, size_t keylen,
	 const char *val, size_t len)
{
	if (ieq(key, keylen, "name"))
		return set_name(p, tag, val, len);
	if (ieq(key, keylen, "escape"))
		return set_escape(p, tag, val, len);
	if (ieq(key, keylen, "default")) {
		if (tag->has_def)
			return tag_error(p, tag, "has more than one DEFAULT");
		tag->has_def = true;
		tag->def = val;
		tag->deflen = len;
		return 0;
	}
	return diag_error(p->d, tag->file, tag->line,
			  "unknown attribute \"%.*s\" in <%s>",
			  quote_len(keylen), key, tag_names[tag->kind]);
}

/* Parses the attributes between q and end (the tag's '>'): NAME=v,
 * ESCAPE=v, DEFAULT=v and a bare name, in any order. */
static int
parse_attrs(struct parser *p, struct tag *tag, const char *q, const char *end)
{
	const char *key, *val, *r;
	size_t keylen, len;

	for (;;) {
		while (q < end && is_space(*q))
			q++;
		if (at_tag_end(q, end))
			return 0;
		if (*q == '=')
			return tag_error(p, tag, "has a stray '='");
		key = q;
		if (read_value(p, tag, &q, end, &val, &len) < 0)
			return -1;
		keylen = (size_t)(q - key);
		for (r = q; r < end && is_space(*r); r++)
			;
		if (*key == '"' || *key == '\'' || r == end || *r != '=') {
			if (set_name(p, tag, val, len) < 0)
				return -1;
			continue;
		}
		for (q = r + 1; q < end && is_space(*q); q++)
			;
		if (read_value(p, tag, &q, end, &val, &len) < 0 ||
		    set_attr(p, tag, key, keylen, val, len) < 0)
			return -1;
	}
}

/*
 * The length of the tag at s (s[0] == '<'), through its '>', when s starts
 * like a TMPL tag ("<TMPL_", "</TMPL_", "<!-- TMPL_", any case) and a '>'
 * comes before any other '<'; else 0, and the '<' is literal text.
 * Sets *word to where the tag's name starts, after "TMPL_".
 */
static size_t
tag_extent(const char *s, size_t n, size_t *word, bool *close)
{
	size_t i = 1;

	if (n - i >= 3 && memcmp(s + i, "!--", 3) == 0)
		for (i += 3; i < n && is_space(s[i]); i++)
			;
	*close = i < n && s[i] == '/';
	if (*close)
		i++;
	if (n - i < 5 || !ieq(s + i, 5, "tmpl_"))
		return 0;
	*word = i + 5;
	for (i += 5; i < n; i++) {
		if (s[i] == '>')
			return i + 1;
		if (s[i] == '<')
			return 0;
	}
	return 0;
}

static bool
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Checks what the tag carries against what its kind allows. */
static int
check_tag(struct parser *p, const struct tag *tag)
{
	bool named = tag->kind != TAG_ELSE && !tag->close;

	if (tag->close && (tag->kind == TAG_VAR || tag->kind == TAG_ELSE ||
			   tag->kind == TAG_INCLUDE))
		return tag_error(p, tag, "is not a tag");
	if ((tag->has_esc || tag->has_def) &&
	    (tag->kind != TAG_VAR || tag->close))
		return tag_error(p, tag, "takes no ESCAPE or DEFAULT");
	if (named && tag->namelen == 0)
		return tag_error(p, tag, "has no NAME");
	return 0;
}

/* Parses the tag text s..s+n (from '<' through '>'); word is the offset of
 * its name after "TMPL_". */
static int
parse_tag(struct parser *p, struct tag *tag, const char *s, size_t n,
	  size_t word)
{
	const char *w = s + word, *q = w, *end = s + n - 1;
	size_t i;

	while (q < end && is_word(*q))
		q++;
	for (i = 0; i < sizeof(tag_words) / sizeof(tag_words[0]); i++)
		if (ieq(w, (size_t)(q - w), tag_words[i]))
			break;
	if (i == sizeof(tag_words) / sizeof(tag_words[0]))
		return diag_error(p->d, tag->file, tag->line,
				  "unknown tag <%sTMPL_%.*s>",
				  tag->close ? "/" : "",
				  quote_len((size_t)(q - w)), w);
	tag->kind = (enum tag_kind)i;
	if (parse_attrs(p, tag, q, end) < 0)
		return -1;
	return check_tag(p, tag);
}

static bool
file_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Expands an include: loads it and makes it the text being read. */
static int
include(struct parser *p, const struct tag *tag)
{
	struct buf text = BUF_INIT, file = BUF_INIT;
	struct src *s;
	char *name, *fname;
	size_t i;
	int rc = -1;

	if (p->flags & TMPL_NO_INCLUDES)
		return tag_error(p, tag, "is not allowed here");
	if (!p->load)
		return tag_error(p, tag, "cannot be used: no loader");
	if (p->nsrcs > MAX_INCLUDES)
		return diag_error(p->d, tag->file, tag->line,
				  "<TMPL_INCLUDE> nests includes deeper than %d",
				  MAX_INCLUDES);
	name = xstrndup(tag->name, tag->namelen);
	if (p->load(name, &text, &file, p->arg) < 0) {
		diag_note(p->d, tag->file, tag->line,
			  "in <TMPL_INCLUDE NAME=\"%.*s\">",
			  quote_len(tag->namelen), name);
		goto out;
	}
	fname = file.len ? buf_detach(&file, NULL) : xstrdup(name);
	vec_push(&p->files, fname);
	for (i = 0; i < p->nsrcs; i++)
		if (file_eq(p->srcs[i].file, fname)) {
			diag_error(p->d, tag->file, tag->line,
				   "<TMPL_INCLUDE> of %s loops back to it",
				   fname);
			goto out;
		}
	s = &p->srcs[p->nsrcs++];
	memset(s, 0, sizeof(*s));
	s->file = fname;
	s->len = text.len;
	s->owned = buf_detach(&text, NULL);
	s->text = s->owned;
	s->line = 1;
	rc = 0;
out:
	free(name);
	buf_release(&text);
	buf_release(&file);
	return rc;
}

static int
handle_tag(struct parser *p, struct tag *tag)
{
	if (tag->close)
		return close_block(p, tag);
	switch (tag->kind) {
	case TAG_VAR:
		add_var(p, tag);
		return 0;
	case TAG_ELSE:
		return add_else(p, tag);
	case TAG_INCLUDE:
		return include(p, tag);
	default:
		return open_block(p, tag);
	}
}

/* Reads s up to and including its next tag. */
static int
step(struct parser *p, struct src *s)
{
	const char *at = s->text + s->pos, *end = s->text + s->len, *lt = at;
	size_t text, n = 0, word = 0;
	struct tag tag;

	memset(&tag, 0, sizeof(tag));
	while ((lt = memchr(lt, '<', (size_t)(end - lt)))) {
		n = tag_extent(lt, (size_t)(end - lt), &word, &tag.close);
		if (n)
			break;
		lt++;
	}
	text = lt ? (size_t)(lt - at) : (size_t)(end - at);
	emit_text(p, at, text);
	s->line += (unsigned)count_lines(at, text);
	s->pos += text;
	if (!lt)
		return 0;
	tag.file = s->file;
	tag.line = s->line;
	s->line += (unsigned)count_lines(lt, n);
	s->pos += n;
	if (parse_tag(p, &tag, lt, n, word) < 0)
		return -1;
	return handle_tag(p, &tag);
}

static int
parse(struct parser *p)
{
	struct src *s;
	struct block *b;

	while (p->nsrcs) {
		s = &p->srcs[p->nsrcs - 1];
		if (s->pos == s->len) {
			free(s->owned);
			p->nsrcs--;
			continue;
		}
		if (step(p, s) < 0)
			return -1;
	}
	if (p->nblocks) {
		b = &p->blocks[p->nblocks - 1];
		return diag_error(p->d, b->file, b->line,
				  "<%s> is never closed", tag_names[b->kind]);
	}
	return 0;
}

static void
parser_release(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->nsrcs; i++)
		free(p->srcs[i].owned);
	for (i = 0; i < p->files.n; i++)
		free(p->files.v[i]);
	vec_release(&p->files);
	free(p->nodes);
	buf_release(&p->pool);
	strmap_release(&p->uses, NULL);
}

/* The serial number the next template takes. */
static atomic_uint_fast64_t serials;

struct tmpl *
tmpl_compile(const char *file, const char *text, size_t len, unsigned flags,
	     tmpl_load_fn load, void *arg, struct diag *d)
{
	struct parser p;
	struct tmpl *t;

	memset(&p, 0, sizeof(p));
	buf_init(&p.pool);
	strmap_init(&p.uses);
	p.flags = flags;
	p.load = load;
	p.arg = arg;
	p.d = d;
	p.srcs[0].file = file;
	p.srcs[0].text = text ? text : "";
	p.srcs[0].len = text ? len : 0;
	p.srcs[0].line = 1;
	p.nsrcs = 1;
	if (parse(&p) < 0) {
		parser_release(&p);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->file = file ? xstrdup(file) : NULL;
	t->nodes = p.nodes;
	t->nnodes = p.nnodes;
	t->pool = buf_detach(&p.pool, NULL);
	t->textlen = p.textlen;
	t->uses = p.uses;
	t->serial = atomic_fetch_add_explicit(&serials, 1, memory_order_relaxed) + 1;
	p.nodes = NULL;
	strmap_init(&p.uses);
	parser_release(&p);
	return t;
}

void
tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	free(t->file);
	free(t->nodes);
	free(t->pool);
	strmap_release(&t->uses, NULL);
	free(t);
}

const char *
tmpl_file(const struct tmpl *t)
{
	return t->file;
}

uint64_t
tmpl_serial(const struct tmpl *t)
{
	return t->serial;
}

bool
tmpl_uses(const struct tmpl *t, const char *name)
{
	struct key k;
	bool found;

	key_init(&k, name, strlen(name));
	found = strmap_get(&t->uses, k.s, k.len) != NULL;
	key_release(&k);
	return found;
}

void
tmpl_each_use(const struct tmpl *t, void (*fn)(const char *name, size_t len, void *arg),
	      void *arg)
{
	const struct strmap_entry *e;
	size_t it = 0;

	while ((e = strmap_next(&t->uses, &it)))
		fn(e->key, e->keylen, arg);
}

/* ---- the fill ---- */

struct frame {
	const struct tval *loop;
	size_t row;
};

/* Where names are looked up: the rows of the loops being filled, innermost
 * last, then the top. */
struct scope {
	const struct tvars *top;
	struct frame frames[MAX_DEPTH];
	size_t depth;
};

/* The value of a node's name. */
static const struct tval *
lookup(const struct tmpl *t, const struct node *nd, const struct scope *sc)
{
	const char *name = t->pool + nd->off;
	const struct frame *f;
	const struct tval *tv;
	size_t i;

	for (i = sc->depth; i-- > 0;) {
		f = &sc->frames[i];
		tv = find_val(f->loop->rows[f->row], name, nd->len, nd->hash);
		if (tv)
			return tv;
	}
	return sc->top ? find_val(sc->top, name, nd->len, nd->hash) : NULL;
}

/*
 * The loop context variable ctx of the innermost loop, as HTML::Template
 * spells it (__odd__ is "1" or "", __last__ is "" on a first row that is
 * not the only one); false outside loops, where it is an ordinary name.
 */
static bool
ctx_value(const struct scope *sc, enum ctx ctx, char num[32], const char **s)
{
	const struct frame *f;
	size_t i, last;
	bool first;

	if (!sc->depth)
		return false;
	f = &sc->frames[sc->depth - 1];
	i = f->row;
	last = f->loop->nrows - 1;
	first = i == 0;
	switch (ctx) {
	case CTX_FIRST: *s = first ? "1" : "0"; break;
	case CTX_LAST:
		*s = first ? (last == 0 ? "1" : "") : i == last ? "1" : "0";
		break;
	case CTX_INNER: *s = !first && i != last ? "1" : "0"; break;
	case CTX_OUTER: *s = first || i == last ? "1" : "0"; break;
	case CTX_ODD: *s = i % 2 == 0 ? "1" : ""; break;
	case CTX_EVEN: *s = i % 2 == 1 ? "1" : ""; break;
	default:
		snprintf(num, 32, "%zu", ctx == CTX_COUNTER ? i + 1 : i);
		*s = num;
	}
	return true;
}

/* The string value of a node's name; false when it has none (unset or a
 * loop). */
static bool
value(const struct tmpl *t, const struct node *nd, const struct scope *sc,
      char num[32], const char **s, size_t *n)
{
	const struct tval *tv;

	if (nd->ctx && ctx_value(sc, (enum ctx)nd->ctx, num, s)) {
		*n = strlen(*s);
		return true;
	}
	tv = lookup(t, nd, sc);
	if (!tv || !tv->str)
		return false;
	*s = tv->str;
	*n = tv->len;
	return true;
}

static bool
truthy(const char *s, size_t n)
{
	return n > 0 && !(n == 1 && s[0] == '0');
}

/* A node's condition: a string is true when truthy, a loop when it has
 * rows, an unknown name never. */
static bool
is_true(const struct tmpl *t, const struct node *nd, const struct scope *sc)
{
	const struct tval *tv;
	const char *s;
	char num[32];

	if (nd->ctx && ctx_value(sc, (enum ctx)nd->ctx, num, &s))
		return truthy(s, strlen(s));
	tv = lookup(t, nd, sc);
	if (!tv)
		return false;
	return tv->str ? truthy(tv->str, tv->len) : tv->nrows > 0;
}

static void
fill_var(struct buf *out, const struct tmpl *t, const struct node *nd,
	 const struct scope *sc)
{
	const char *s;
	char num[32];
	size_t n;

	if (!value(t, nd, sc, num, &s, &n)) {
		if (nd->has_def)
			buf_put(out, t->pool + nd->doff, nd->dlen);
		return;
	}
	switch (nd->esc) {
	case ESC_HTML: buf_put_html(out, s, n); break;
	case ESC_URL: buf_put_url(out, s, n); break;
	case ESC_JS: buf_put_js(out, s, n); break;
	default: buf_put(out, s, n);
	}
}

/* Enters the loop of nd when it has rows. */
static bool
enter_loop(const struct tmpl *t, const struct node *nd, struct scope *sc)
{
	const struct tval *tv = lookup(t, nd, sc);

	if (!tv || tv->str || !tv->nrows)
		return false;
	sc->frames[sc->depth].loop = tv;
	sc->frames[sc->depth].row = 0;
	sc->depth++;
	return true;
}

/* Moves the innermost loop to its next row; false (and leaves the loop)
 * after the last. */
static bool
next_row(struct scope *sc)
{
	struct frame *f = &sc->frames[sc->depth - 1];

	if (++f->row < f->loop->nrows)
		return true;
	sc->depth--;
	return false;
}

void
tmpl_fill(struct buf *out, const struct tmpl *t, const struct tvars *v)
{
	const struct node *nd;
	struct scope sc;
	size_t i = 0;

	sc.top = v;
	sc.depth = 0;
	buf_grow(out, t->textlen);
	while (i < t->nnodes) {
		nd = &t->nodes[i];
		switch (nd->op) {
		case OP_TEXT:
			buf_put(out, t->pool + nd->off, nd->len);
			i++;
			break;
		case OP_VAR:
			fill_var(out, t, nd, &sc);
			i++;
			break;
		case OP_IF:
			i = is_true(t, nd, &sc) ? i + 1 : nd->jump;
			break;
		case OP_UNLESS:
			i = is_true(t, nd, &sc) ? nd->jump : i + 1;
			break;
		case OP_ELSE:
			i = nd->jump;
			break;
		case OP_LOOP:
			i = enter_loop(t, nd, &sc) ? i + 1 : nd->jump;
			break;
		case OP_ENDLOOP:
			i = next_row(&sc) ? nd->jump : i + 1;
			break;
		}
	}
}
