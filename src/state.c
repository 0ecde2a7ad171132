/* state.c — the build state: a head file of versioned records and the files
 * beside it that it names. */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "path.h"
#include "pool.h"
#include "xalloc.h"

#define MAGIC "weft-state 6\n"

/* Eight bytes a step, the last few with their count. Each step is a
 * bijection of h (a rotation that carries high bits down, an xor, a
 * multiplication by an odd constant), so texts that differ in one word
 * always hash apart. Not strmap_hash: that one mixes more per step, as a
 * table takes slots from the low bits (with this step instead, a no-change
 * build of 10,000 posts probed 126 M -> 164 M instructions); this one
 * only tells contents apart, 64 bits wide, and chains. */
static inline uint64_t
hash_word(uint64_t h, uint64_t w)
{
	return ((h << 5 | h >> 59) ^ w) * UINT64_C(0x9e3779b97f4a7c15);
}

static uint64_t
hash_words(uint64_t h, const unsigned char *p, size_t nwords)
{
	uint64_t w;

	for (; nwords; nwords--, p += 8) {
		memcpy(&w, p, 8);
		h = hash_word(h, w);
	}
	return h;
}

uint64_t
state_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t w = 0;

	h = hash_words(h, p, len / 8);
	memcpy(&w, p + len / 8 * 8, len % 8);
	return hash_word(h, w ^ (uint64_t)(len % 8) << 61);
}

/* state_hash of bytes given in pieces, the same wherever they are cut. */
struct digest {
	uint64_t h;
	unsigned char w[8];
	size_t n;		/* bytes in w, not yet hashed */
};

static void
digest_add(struct digest *g, const unsigned char *p, size_t len)
{
	if (!len)
		return;
	if (g->n) {
		size_t k = 8 - g->n < len ? 8 - g->n : len;

		memcpy(g->w + g->n, p, k);
		g->n += k;
		p += k;
		len -= k;
		if (g->n < 8)
			return;
		g->h = hash_words(g->h, g->w, 1);
		g->n = 0;
	}
	g->h = hash_words(g->h, p, len / 8);
	memcpy(g->w, p + len / 8 * 8, len % 8);
	g->n = len % 8;
}

uint64_t
state_hash_str(uint64_t h, const char *s)
{
	/* The terminator too, so "ab","c" and "a","bc" differ. */
	return state_hash(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

void
state_init(struct state *st, struct depstore *deps)
{
	memset(st, 0, sizeof(*st));
	strmap_init(&st->templates);
	/* Keyed by strings of the records: in the mapped file, or the
	 * pages' own when saving. */
	strmap_init_borrowed(&st->sources);
	strmap_init_borrowed(&st->pages);
	st->deps = deps;
}

void
state_page_free(struct state_page *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; !p->mapped && i < p->nlinks; i++) {
		free(p->links[i].target);
		free(p->links[i].type);
		free(p->links[i].to);
	}
	if (p->links != (struct state_link *)(p + 1))
		free(p->links);
	if (!p->mapped) {
		free(p->name);
		free(p->src);
		free(p->type);
		free(p->state);
	}
	deps_free(p->scan);
	deps_free(p->render);
	free(p);
}

static void
free_page_void(void *p)
{
	state_page_free(p);
}

void
state_release(struct state *st)
{
	size_t i;

	free(st->config);
	free(st->plugins);
	free(st->theme);
	free(st->head);
	free(st->path);
	strmap_release(&st->templates, free);
	strmap_release(&st->sources, NULL);
	strmap_release(&st->pages, free_page_void);
	vec_release(&st->order);
	vec_release(&st->source_order);
	free(st->source_recs);
	if (st->raw)
		munmap((void *)st->raw, st->rawlen);
	for (i = 0; i < st->nmaps; i++)
		if (st->maps[i].len)
			munmap((void *)st->maps[i].data, st->maps[i].len);
	free(st->maps);
	for (i = 0; i < st->outputs.n; i++)
		free(st->outputs.v[i]);
	vec_release(&st->outputs);
}

const struct state_source *
state_source_get(struct state *st, const char *path)
{
	size_t i;

	if (st->sources.count == 0 && st->source_order.n) {
		strmap_reserve(&st->sources, st->source_order.n);
		for (i = 0; i < st->source_order.n; i++) {
			const char *k = st->source_order.v[i];

			strmap_put(&st->sources, k, strlen(k), &st->source_recs[i]);
		}
	}
	return strmap_gets(&st->sources, path);
}

/* ---- writing ------------------------------------------------------------ */

/* Room for n more bytes: the writers below append without keeping the
 * terminator, which state_save restores at the end. */
static inline unsigned char *
room(struct buf *b, size_t n)
{
	if (b->cap - b->len <= n)
		buf_grow(b, n);
	return (unsigned char *)b->data + b->len;
}

static inline void
put_u64(struct buf *b, uint64_t v)
{
	unsigned char *c = room(b, 10);
	size_t n = 0;

	do {
		c[n] = v & 0x7f;
		v >>= 7;
		c[n++] |= v ? 0x80 : 0;
	} while (v);
	b->len += n;
}

static inline void
put_i64(struct buf *b, int64_t v)
{
	put_u64(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* A string: its length plus one (0 for none), its bytes and a NUL, so a
 * reader can use it where it lies. */
static void
put_str(struct buf *b, const char *s)
{
	size_t n;
	unsigned char *c;

	if (!s) {
		put_u64(b, 0);
		return;
	}
	n = strlen(s);
	put_u64(b, n + 1);
	c = room(b, n + 1);
	memcpy(c, s, n + 1);
	b->len += n + 1;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct strmap_entry *const *)a)->key,
		      (*(const struct strmap_entry *const *)b)->key);
}

/* A map's entries sorted by key, so the file is the same for the same
 * state; most maps written (a page's lookups and templates) hold a
 * handful, which fit in small. */
struct sorted {
	const struct strmap_entry **v, *small[16];
	size_t n;
};

static void
sort_entries(struct sorted *s, const struct strmap *m)
{
	struct strmap_entry *e;
	size_t iter = 0;

	s->v = m->count > 16 ? xcalloc(m->count, sizeof(*s->v)) : s->small;
	s->n = 0;
	while ((e = strmap_next(m, &iter)))
		s->v[s->n++] = e;
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), entry_cmp);
}

static void
sorted_release(struct sorted *s)
{
	if (s->v != s->small)
		free(s->v);
}

/* A map of strings, sorted: its keys, each with its value when vals. */
static void
put_map(struct buf *b, const struct strmap *m, bool vals)
{
	struct sorted s;
	size_t i;

	sort_entries(&s, m);
	put_u64(b, s.n);
	for (i = 0; i < s.n; i++) {
		put_str(b, s.v[i]->key);
		if (vals)
			put_str(b, s.v[i]->val);
	}
	sorted_release(&s);
}

static void
put_deps(struct buf *b, const struct deps *d)
{
	size_t i;

	if (!d) {
		put_u64(b, 0);
		return;
	}
	put_u64(b, 1);
	put_u64(b, d->list.n);
	for (i = 0; i < d->list.n; i++)
		put_u64(b, ((struct dep *)d->list.v[i])->id);
	/* Read from a file (its order is sorted), or recorded. */
	if (d->saved_lookups || !d->maps) {
		put_u64(b, d->nsaved_lookups);
		for (i = 0; i < 2 * d->nsaved_lookups; i++)
			put_str(b, d->saved_lookups[i]);
	} else {
		put_map(b, &d->maps->lookups, true);
	}
	if (d->saved_templates || !d->maps) {
		put_u64(b, d->nsaved_templates);
		for (i = 0; i < d->nsaved_templates; i++)
			put_str(b, d->saved_templates[i]);
	} else {
		put_map(b, &d->maps->templates, false);
	}
	put_u64(b, d->outputs.n);
	for (i = 0; i < d->outputs.n; i++)
		put_str(b, d->outputs.v[i]);
}

static void
put_source(struct buf *b, const char *path, const struct state_source *s)
{
	put_str(b, path);
	put_i64(b, s->size);
	put_i64(b, s->mtime_ns);
	put_i64(b, s->ctime_ns);
	put_u64(b, s->ino);
	put_u64(b, s->hash);
	put_i64(b, s->ctime);
	put_i64(b, s->mtime);
	put_u64(b, s->from_git);
}

static void
put_page(struct buf *b, const struct state_page *p)
{
	size_t i;

	put_str(b, p->name);
	put_str(b, p->src);
	put_u64(b, (uint64_t)p->kind);
	put_str(b, p->type);
	put_i64(b, p->ctime);
	put_i64(b, p->mtime);
	put_i64(b, p->size);
	put_u64(b, p->body);
	put_u64(b, p->body_line);
	put_u64(b, p->text_hash);
	put_u64(b, p->nlinks);
	for (i = 0; i < p->nlinks; i++) {
		put_str(b, p->links[i].target);
		put_str(b, p->links[i].type);
		put_u64(b, p->links[i].line);
		put_str(b, p->links[i].to);
	}
	put_str(b, p->state);
	put_u64(b, p->backlinks_hash);
	put_u64(b, p->failed);
	put_deps(b, p->scan);
	put_deps(b, p->render);
}

static bool hits_as_saved(const struct dep *d);

#ifdef WEFT_CHECK_STATE
/* Builds with the sanitizers check every saved form copied (of what, its
 * name) against the bytes its fields make, in made. */
static void
check_copy(struct buf *made, const void *raw, size_t len, const char *what, const char *name)
{
	if (made->len != len || memcmp(made->data, raw, len) != 0) {
		fprintf(stderr, "weft: state: the %s of %s copied as saved differs\n", what, name);
		abort();
	}
	buf_release(made);
}
#endif

/* d's hits from its map, sorted. */
static void
put_hits(struct buf *b, const struct dep *d)
{
	struct sorted hits;
	size_t j;

	sort_entries(&hits, &d->hits);
	put_u64(b, hits.n);
	for (j = 0; j < hits.n; j++) {
		put_str(b, hits.v[j]->key);
		put_u64(b, (uintptr_t)hits.v[j]->val);
	}
	sorted_release(&hits);
}

/* Writes d, its hits copied as the last file saved them while they are
 * not fresh, or when the fresh ones are the same: returns true then. */
static bool
put_dep(struct buf *b, struct dep *d)
{
	bool same;

	put_str(b, d->spec);
	put_str(b, d->location);
	put_u64(b, d->type);
	same = d->saved_hits && d->fresh && hits_as_saved(d);
	if (!d->saved_hits || (d->fresh && !same)) {
		put_hits(b, d);
		return false;
	}
#ifdef WEFT_CHECK_STATE
	if (same) {
		struct buf made = BUF_INIT;

		put_hits(&made, d);
		check_copy(&made, d->saved_hits, d->saved_hits_len, "hits", d->spec);
	}
#endif
	memcpy(room(b, d->saved_hits_len), d->saved_hits, d->saved_hits_len);
	b->len += d->saved_hits_len;
	return same;
}

/*
 * Numbers the dependencies the pages use and writes them. Records saved as
 * they were (raw) name dependencies by their numbers in the last file:
 * when there are such, every dependency the last file numbered keeps its
 * number (one no page uses any more too) and new ones follow. Otherwise,
 * or when a quarter of the old numbers are unused (the file would only
 * grow), they are numbered afresh in order of first use, and raw records
 * are written from their fields. Returns how many are copied; same says
 * how many dependencies recorded again found what they found.
 */
static size_t
put_all_deps(struct buf *b, const struct state *st, const struct state_page **pages, size_t n,
	     size_t *same)
{
	struct depstore *ds = st->deps;
	struct vec used = VEC_INIT;
	size_t i, j, h, raw = 0, nsaved = ds->nsaved, oldused = 0;
	bool keep;

	for (i = 0; i < ds->all.n; i++)
		((struct dep *)ds->all.v[i])->id = UINT32_MAX;
	for (i = 0; i < n; i++) {
		const struct state_page *p = pages[i];
		const struct deps *lists[2] = { p->scan, p->render };

		raw += p->raw != NULL;
		for (h = 0; h < 2; h++) {
			for (j = 0; lists[h] && j < lists[h]->list.n; j++) {
				struct dep *d = lists[h]->list.v[j];

				if (d->id == UINT32_MAX) {
					d->id = (uint32_t)used.n;
					vec_push(&used, d);
					oldused += d->saved_id != UINT32_MAX;
				}
			}
		}
	}
	keep = raw && !ds->saved_twice && nsaved - oldused <= nsaved / 4;
	if (keep) {
		/* The old numbers, then the new dependencies in use. */
		struct dep **all = xcalloc(nsaved + used.n + 1, sizeof(*all));
		size_t nall = nsaved;

		for (i = 0; i < ds->all.n; i++) {
			struct dep *d = ds->all.v[i];

			if (d->saved_id < nsaved)
				all[d->saved_id] = d;
		}
		for (i = 0; i < used.n; i++)
			if (((struct dep *)used.v[i])->saved_id == UINT32_MAX)
				all[nall++] = used.v[i];
		for (i = 0; keep && i < nsaved; i++)
			keep = all[i] != NULL;
		if (keep) {
			vec_release(&used);
			used.v = (void **)all;
			used.n = used.cap = nall;
			for (i = 0; i < used.n; i++)
				((struct dep *)used.v[i])->id = (uint32_t)i;
		} else {
			free(all);
		}
	}
	put_u64(b, used.n);
	for (i = 0, *same = 0; i < used.n; i++)
		*same += put_dep(b, used.v[i]);
	vec_release(&used);
	return keep ? raw : 0;
}

/* The pages in the order they are written: as the caller gave them, or
 * sorted by name. */
static const struct state_page **
pages_in_order(const struct state *st, size_t *n)
{
	const struct state_page **v;
	struct sorted names;
	size_t i;

	if (st->order.n) {
		*n = st->order.n;
		v = xcalloc(*n + 1, sizeof(*v));
		memcpy(v, st->order.v, *n * sizeof(*v));
		return v;
	}
	sort_entries(&names, &st->pages);
	*n = names.n;
	v = xcalloc(*n + 1, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = names.v[i]->val;
	sorted_release(&names);
	return v;
}

/* The page records, most of the state, are written in parts, one file
 * each, made on every core: runs of the pages in order (neighbours, read
 * together by the next build, stay together), of equal counts. While no
 * page is added or removed, a part none of whose pages changed has the
 * same bytes as before, and the same file. A part is a run of pieces:
 * records made from their fields, in the part's buffer, and records saved
 * as they were, left in the mapping they were read from (neighbours there
 * are neighbours in the file, so a piece may span hundreds), written from
 * where they lie. The dependencies' file is made the same way, in one
 * piece. */
struct piece {
	const unsigned char *raw;	/* NULL: at off in the part's buffer */
	size_t off, len;
};

struct part_out {
	struct buf buf;
	struct piece *pieces;
	size_t npieces, cap, len;
	uint64_t hash;		/* of its bytes: its file's name */
};

struct parts {
	const struct state *last;	/* NULL, or where raw records lie */
	const struct state_page **pages;
	size_t n, nparts;
	struct part_out *out;	/* the dependencies', then each part's */
	bool raw;		/* records saved as they were are copied */
};

/* About 256 records a part, at most 64 parts: a build that changed a few
 * pages among 10,000 writes a few parts of 150 KB. */
static size_t
parts_for(size_t n)
{
	size_t k = n / 256;

	return k < 1 ? 1 : k > 64 ? 64 : k;
}

/* The digest of o's bytes. A part whose records were all saved as they
 * were, from one file of last they fill, is that file again: its digest
 * is known. */
static void
hash_part(struct part_out *o, const struct state *last)
{
	struct digest g = { .h = STATE_HASH_INIT };
	size_t i;

	for (i = 0; last && o->npieces == 1 && o->pieces[0].raw && i < last->nmaps; i++)
		if (last->maps[i].data == (const void *)o->pieces[0].raw &&
		    last->maps[i].len == o->len) {
			o->hash = last->maps[i].hash;
			return;
		}

	for (i = 0; i < o->npieces; i++) {
		const struct piece *c = &o->pieces[i];

		digest_add(&g, c->raw ? c->raw : (const unsigned char *)o->buf.data + c->off, c->len);
	}
	o->hash = state_hash(g.h, g.w, g.n);
}

/* Adds len bytes to part o: from the mapping at raw, or the last len of
 * its buffer when raw is NULL; a piece that continues the last grows it. */
static void
add_piece(struct part_out *o, const unsigned char *raw, size_t len)
{
	struct piece *last = o->npieces ? &o->pieces[o->npieces - 1] : NULL;

	o->len += len;
	if (last && (raw ? last->raw && last->raw + last->len == raw :
		     !last->raw && last->off + last->len == o->buf.len - len)) {
		last->len += len;
		return;
	}
	o->pieces = xgrow(o->pieces, &o->cap, o->npieces + 1, sizeof(*o->pieces));
	o->pieces[o->npieces++] = (struct piece){ raw, raw ? 0 : o->buf.len - len, len };
}

static void
put_part(size_t k, unsigned worker, void *arg)
{
	struct parts *pp = arg;
	struct part_out *o = &pp->out[k + 1];
	size_t i, from = pp->n * k / pp->nparts, to = pp->n * (k + 1) / pp->nparts;

	(void)worker;
	for (i = from; i < to; i++) {
		const struct state_page *p = pp->pages[i];
		size_t before = o->buf.len;

		if (!pp->raw || !p->raw) {
			put_page(&o->buf, p);
			add_piece(o, NULL, o->buf.len - before);
			continue;
		}
		add_piece(o, p->raw, p->rawlen);
#ifdef WEFT_CHECK_STATE
		{
			struct buf made = BUF_INIT;

			put_page(&made, p->made ? p->made : p);
			check_copy(&made, p->raw, p->rawlen, "record", p->name);
		}
#endif
	}
	hash_part(o, pp->last);
}

static int
write_all(FILE *f, const void *data, size_t len)
{
	return len && fwrite(data, 1, len, f) != len ? -1 : 0;
}

static int
write_part(FILE *f, const struct part_out *o)
{
	size_t i;

	for (i = 0; i < o->npieces; i++) {
		const struct piece *c = &o->pieces[i];

		if (write_all(f, c->raw ? c->raw : (const unsigned char *)o->buf.data + c->off,
			      c->len) < 0)
			return -1;
	}
	return 0;
}

/* The name of the file beside path holding bytes of digest hash. */
static void
blob_name(struct buf *name, const char *path, uint64_t hash)
{
	buf_reset(name);
	buf_printf(name, "%s-%016" PRIx64, path, hash);
}

/* Writes o to the file dest through a temporary one (tmp holds its name)
 * and rename(2): 0, or -1 (errno set, no temporary file left). */
static int
write_renamed(const char *dest, const struct part_out *o, struct buf *tmp)
{
	FILE *f;
	int bad, e;

	buf_reset(tmp);
	buf_printf(tmp, "%s.new", dest);
	f = fopen(tmp->data, "wb");
	bad = !f || write_part(f, o) < 0;
	if (f && fclose(f) != 0)
		bad = 1;
	if (!bad && rename(tmp->data, dest) == 0)
		return 0;
	e = errno;
	unlink(tmp->data);
	errno = e;
	return -1;
}

/* Writes o to its file beside path, unless a file of its name and size is
 * there (the same bytes, as they are its name): 1 when written, 0 when
 * there, -1 (errno set) when it cannot be. */
static int
write_blob(const char *path, const struct part_out *o, struct buf *name, struct buf *tmp)
{
	struct stat sb;

	blob_name(name, path, o->hash);
	if (stat(name->data, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == o->len)
		return 0;
	return write_renamed(name->data, o, tmp) < 0 ? -1 : 1;
}

/* Removes the files beside path named as its own (path-<16 hex digits>,
 * or that with ".new": one a killed build left) but not one of the n in
 * out: those of the last state, now replaced. */
static void
remove_stale(const char *path, const struct part_out *out, size_t n)
{
	const char *base = path_base(path);
	size_t dirlen = path_dirlen(path, strlen(path)), blen = strlen(base), i;
	char *dir = dirlen ? xstrndup(path, dirlen) : xstrdup(path[0] == '/' ? "/" : ".");
	DIR *dp = opendir(dir);
	struct dirent *e;

	while (dp && (e = readdir(dp))) {
		const char *hex = e->d_name + blen + 1;
		bool named = false;
		uint64_t h;

		if (strncmp(e->d_name, base, blen) != 0 || e->d_name[blen] != '-' ||
		    strspn(hex, "0123456789abcdef") != 16 ||
		    (hex[16] && strcmp(hex + 16, ".new") != 0))
			continue;
		h = strtoull(hex, NULL, 16);
		for (i = 0; !hex[16] && i < n && !named; i++)
			named = h == out[i].hash;
		if (!named)
			unlinkat(dirfd(dp), e->d_name, 0);
	}
	if (dp)
		closedir(dp);
	free(dir);
}

int
state_save(const struct state *st, const struct state *last, const char *path,
	   struct diag *d)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT, name = BUF_INIT;
	struct parts pp = { 0 };
	struct part_out *deps, head = { 0 };
	size_t i, failed, copied, same, written = 0;
	int rc = -1, bad = 0, w;

	/* The head grows to about this (a source's path and fields): made
	 * large at once, not doubled step by step, each step fresh memory
	 * to touch and a copy. */
	buf_grow(&b, 64 * st->source_order.n + 4096);
	buf_puts(&b, MAGIC);
	put_str(&b, st->config);
	put_str(&b, st->plugins);
	put_str(&b, st->theme);
	put_str(&b, st->head);
	put_map(&b, &st->templates, true);
	put_u64(&b, st->source_order.n);
	for (i = 0; i < st->source_order.n; i++)
		put_source(&b, st->source_order.v[i], &st->source_recs[i]);
	put_u64(&b, st->outputs.n);
	for (i = 0; i < st->outputs.n; i++)
		put_str(&b, st->outputs.v[i]);
	pp.last = last;
	pp.pages = pages_in_order(st, &pp.n);
	for (i = 0, failed = 0; i < pp.n; i++)
		failed += pp.pages[i]->failed;
	put_u64(&b, failed);

	/* The dependencies, then the pages' parts. */
	pp.nparts = parts_for(pp.n);
	pp.out = xcalloc(pp.nparts + 1, sizeof(*pp.out));
	for (i = 0; i <= pp.nparts; i++)
		buf_init(&pp.out[i].buf);
	deps = &pp.out[0];
	buf_grow(&deps->buf, 64 * pp.n + 4096);
	copied = put_all_deps(&deps->buf, st, pp.pages, pp.n, &same);
	add_piece(deps, NULL, deps->buf.len);
	hash_part(deps, NULL);
	pp.raw = copied > 0;
	pool_run(pool_cores(), pp.nparts, put_part, &pp);
	diag_debug(d, "state: %zu of %zu page records saved as they were; "
		   "%zu dependencies found again what they found", copied, pp.n, same);
	/* The head names them, with their sizes. */
	put_u64(&b, pp.n);
	put_u64(&b, pp.nparts + 1);
	for (i = 0; i <= pp.nparts; i++) {
		put_u64(&b, pp.out[i].len);
		put_u64(&b, pp.out[i].hash);
	}
	b.data[b.len] = '\0';

	if (path_mkdirs_parent(path) < 0)
		bad = 1;
	for (i = 0; !bad && i <= pp.nparts; i++) {
		w = write_blob(path, &pp.out[i], &name, &tmp);
		bad = w < 0;
		written += w > 0;
	}
	/* The head last, as a part of one piece: its buffer, borrowed. */
	head.buf = b;
	add_piece(&head, NULL, b.len);
	if (bad || write_renamed(path, &head, &tmp) < 0) {
		diag_error(d, path, 0, "cannot write the build state: %s", strerror(errno));
		goto out;
	}
	remove_stale(path, pp.out, pp.nparts + 1);
	diag_debug(d, "state: %zu of %zu files beside the head written, the others there already",
		   written, pp.nparts + 1);
	rc = 0;
out:
	for (i = 0; i <= pp.nparts; i++) {
		buf_release(&pp.out[i].buf);
		free(pp.out[i].pieces);
	}
	free(pp.out);
	free(pp.pages);
	free(head.pieces);
	buf_release(&b);
	buf_release(&tmp);
	buf_release(&name);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

struct rd {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t
get_u64(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (!r->bad) {
		unsigned char c;

		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			break;
		}
		c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
		shift += 7;
	}
	return 0;
}

static int64_t
get_i64(struct rd *r)
{
	uint64_t u = get_u64(r);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* The next string where it lies in the file, NULL for an absent one. Its
 * last byte must be the NUL its length says; one earlier (the file damaged)
 * only makes it shorter, so that is not looked for: an edit among 10,000
 * pages reads some 300,000 strings. */
static const char *
get_ref(struct rd *r)
{
	uint64_t n = get_u64(r);
	const char *str;

	if (r->bad || n == 0)
		return NULL;
	if (n > (uint64_t)(r->end - r->p) || r->p[n - 1] != '\0') {
		r->bad = true;
		return NULL;
	}
	str = (const char *)r->p;
	r->p += n;
	return str;
}

/* A copy of the next string, NULL for an absent one. */
static char *
get_str(struct rd *r)
{
	const char *str = get_ref(r);

	return str ? xstrdup(str) : NULL;
}

/* A count of items each at least min bytes long: a damaged count cannot
 * make the reader allocate more than the file could hold. */
static size_t
get_count(struct rd *r, size_t min)
{
	uint64_t n = get_u64(r);

	if (n > (uint64_t)(r->end - r->p) / (min ? min : 1)) {
		r->bad = true;
		return 0;
	}
	return (size_t)n;
}

/* Whether the hits d recorded again are those the last file saved (the
 * index of a blog after one post changed finds every post it found):
 * their saved form is copied, not sorted and written again. */
static bool
hits_as_saved(const struct dep *d)
{
	size_t i;

	if (d->nsaved != d->hits.count)
		return false;
	for (i = 0; i < d->nsaved; i++)
		if (!d->saved[i].type ||
		    (uintptr_t)strmap_gets(&d->hits, d->saved[i].page) != d->saved[i].type)
			return false;
	return true;
}

/* A page's deps, its arrays read into tmp first: they go into one block
 * with the struct (deps_read), an allocation or two a record rather than
 * several, for the thousands of pages an edit does not reach. */
static struct deps *
get_deps(struct rd *r, struct dep **ids, size_t nids, struct vec *tmp)
{
	struct deps *d;
	size_t i, n, nlist, nlookups, ntemplates;

	if (get_u64(r) == 0)
		return NULL;
	tmp->n = 0;
	nlist = get_count(r, 1);
	for (i = 0; i < nlist && !r->bad; i++) {
		uint64_t id = get_u64(r);

		if (id >= nids)
			r->bad = true;
		else
			vec_push(tmp, ids[id]);
	}
	nlist = tmp->n;
	/* The lookups and templates stay in the mapping (see deps.h). */
	n = get_count(r, 2);
	for (i = 0; i < n && !r->bad; i++) {
		const char *k = get_ref(r), *v = get_ref(r);

		if (k) {
			vec_push(tmp, (void *)k);
			vec_push(tmp, (void *)v);
		}
	}
	nlookups = (tmp->n - nlist) / 2;
	n = get_count(r, 1);
	for (i = 0; i < n && !r->bad; i++) {
		const char *k = get_ref(r);

		if (k)
			vec_push(tmp, (void *)k);
	}
	ntemplates = tmp->n - nlist - 2 * nlookups;
	d = deps_read((struct dep *const *)tmp->v, nlist, (const char *const *)tmp->v + nlist,
		      nlookups, (const char *const *)tmp->v + nlist + 2 * nlookups, ntemplates);
	n = get_count(r, 1);
	for (i = 0; i < n && !r->bad; i++) {
		char *k = get_str(r);

		if (k)
			vec_push(&d->outputs, k);
	}
	return d;
}

/* A page's record: its strings are left in the mapping. */
static struct state_page *
get_page(struct rd *r, struct dep **ids, size_t nids, struct vec *tmp)
{
	const unsigned char *start = r->p;
	const char *name = get_ref(r);
	struct state_page head = { 0 }, *p;
	size_t i;

	if (!name) {
		r->bad = true;
		return NULL;
	}
	head.mapped = true;
	head.name = (char *)name;
	head.src = (char *)get_ref(r);
	head.kind = (int)get_u64(r);
	head.type = (char *)get_ref(r);
	head.ctime = (time_t)get_i64(r);
	head.mtime = (time_t)get_i64(r);
	head.size = (off_t)get_i64(r);
	head.body = (size_t)get_u64(r);
	head.body_line = (unsigned)get_u64(r);
	head.text_hash = get_u64(r);
	head.nlinks = get_count(r, 4);
	/* The links follow the record in its allocation: state_page_free
	 * knows them by their place. */
	p = xmalloc(sizeof(*p) + (head.nlinks + 1) * sizeof(*p->links));
	*p = head;
	p->links = (struct state_link *)(p + 1);
	memset(p->links, 0, (p->nlinks + 1) * sizeof(*p->links));
	for (i = 0; i < p->nlinks && !r->bad; i++) {
		p->links[i].target = (char *)get_ref(r);
		p->links[i].type = (char *)get_ref(r);
		p->links[i].line = (unsigned)get_u64(r);
		p->links[i].to = (char *)get_ref(r);
		if (!p->links[i].target)
			r->bad = true;
	}
	p->state = (char *)get_ref(r);
	p->backlinks_hash = get_u64(r);
	p->failed = get_u64(r) != 0;
	p->scan = get_deps(r, ids, nids, tmp);
	p->render = get_deps(r, ids, nids, tmp);
	p->raw = start;
	p->rawlen = (size_t)(r->p - start);
	return p;
}

/* The saved hits of d moved to its map. */
static void
hits_to_map(struct dep *d)
{
	size_t i;

	for (i = 0; i < d->nsaved; i++)
		strmap_put(&d->hits, d->saved[i].page, strlen(d->saved[i].page),
			   (void *)(uintptr_t)d->saved[i].type);
	free(d->saved);
	d->saved = NULL;
	d->nsaved = 0;
}

static struct dep **
get_all_deps(struct rd *r, struct state *st, size_t *n)
{
	struct dep **ids;
	const unsigned char *start;
	size_t i, j, h;
	bool fresh;

	*n = get_count(r, 4);
	ids = xcalloc(*n + 1, sizeof(*ids));
	for (i = 0; i < *n && !r->bad; i++) {
		const char *spec = get_ref(r), *loc = get_ref(r);
		unsigned type = (unsigned)get_u64(r);

		if (!spec) {
			r->bad = true;
			break;
		}
		ids[i] = depstore_get(st->deps, spec, loc, type);
		if (ids[i]->saved_id != UINT32_MAX)
			st->deps->saved_twice = true;
		ids[i]->saved_id = (uint32_t)i;
		/* A dependency the file names twice (damaged) has no one
		 * saved form of its hits: they all go to its map. */
		fresh = !ids[i]->saved_hits && ids[i]->hits.count == 0 && !ids[i]->nsaved;
		if (!fresh)
			hits_to_map(ids[i]);
		start = r->p;
		h = get_count(r, 2);
		if (fresh)
			ids[i]->saved = xcalloc(h + 1, sizeof(*ids[i]->saved));
		for (j = 0; j < h && !r->bad; j++) {
			struct saved_hit hit = { get_ref(r), (unsigned)get_u64(r) };

			if (!hit.page) {	/* weft writes none: damaged */
				r->bad = true;
				break;
			}
			if (!fresh) {
				strmap_put(&ids[i]->hits, hit.page, strlen(hit.page),
					   (void *)(uintptr_t)hit.type);
				continue;
			}
			/* Sorted, as written: a damaged order cannot be searched. */
			if (ids[i]->nsaved && strcmp(ids[i]->saved[ids[i]->nsaved - 1].page, hit.page) >= 0)
				r->bad = true;
			ids[i]->saved[ids[i]->nsaved++] = hit;
		}
		ids[i]->saved_hits = fresh && !r->bad ? start : NULL;
		ids[i]->saved_hits_len = (size_t)(r->p - start);
	}
	st->deps->nsaved = (uint32_t)*n;
	return ids;
}

static void
parse_head(struct rd *r, struct state *st)
{
	size_t i, n;

	st->config = get_str(r);
	st->plugins = get_str(r);
	st->theme = get_str(r);
	st->head = get_str(r);
	n = get_count(r, 2);
	for (i = 0; i < n && !r->bad; i++) {
		const char *k = get_ref(r), *v = get_ref(r);

		if (k && v)
			free(strmap_put(&st->templates, k, strlen(k), xstrdup(v)));
	}
	n = get_count(r, 6);
	if (n)
		st->source_recs = xcalloc(n, sizeof(*st->source_recs));
	for (i = 0; i < n && !r->bad; i++) {
		const char *path = get_ref(r);
		struct state_source *s = &st->source_recs[i];

		if (!path) {
			r->bad = true;
			break;
		}
		vec_push(&st->source_order, (void *)path);
		s->size = (off_t)get_i64(r);
		s->mtime_ns = get_i64(r);
		s->ctime_ns = get_i64(r);
		s->ino = get_u64(r);
		s->hash = get_u64(r);
		s->ctime = (time_t)get_i64(r);
		s->mtime = (time_t)get_i64(r);
		s->from_git = get_u64(r) != 0;
	}
	n = get_count(r, 1);
	for (i = 0; i < n && !r->bad; i++) {
		char *o = get_str(r);

		if (o)
			vec_push(&st->outputs, o);
	}
	st->failed = (unsigned)get_u64(r);
}

/* The page records come in parts, read on every core, each into its own
 * list; the lists go into the map in file order (a name written twice:
 * the last record wins). */
struct part {
	struct rd r;
	struct vec pages;
};

struct parts_in {
	struct part *v;
	struct dep **ids;
	size_t nids;
	const atomic_bool *stop;	/* NULL, or set: stop, as if damaged */
};

static void
get_part(size_t k, unsigned worker, void *arg)
{
	struct parts_in *in = arg;
	struct part *pt = &in->v[k];
	struct vec tmp = VEC_INIT;

	(void)worker;
	while (!pt->r.bad && pt->r.p < pt->r.end) {
		struct state_page *p;

		if (in->stop && atomic_load_explicit(in->stop, memory_order_relaxed)) {
			pt->r.bad = true;
			break;
		}
		p = get_page(&pt->r, in->ids, in->nids, &tmp);

		if (p)
			vec_push(&pt->pages, p);
	}
	vec_release(&tmp);
}

long
state_decode_blobs(struct state *st, const struct state_blob *blobs, size_t n,
		   const atomic_bool *stop)
{
	static const unsigned char none[1];
	struct parts_in in = { .stop = stop };
	struct rd r;
	size_t i, j, nparts = n ? n - 1 : 0, total = 0;
	bool bad;

	if (n == 0)
		return -1;
	r.p = blobs[0].len ? blobs[0].data : none;
	r.end = r.p + blobs[0].len;
	r.bad = false;
	in.ids = get_all_deps(&r, st, &in.nids);
	bad = r.bad || r.p != r.end;
	in.v = xcalloc(nparts + 1, sizeof(*in.v));
	for (i = 0; i < nparts; i++) {
		in.v[i].r.p = blobs[i + 1].len ? blobs[i + 1].data : none;
		in.v[i].r.end = in.v[i].r.p + blobs[i + 1].len;
	}
	if (!bad)
		pool_run(pool_cores(), nparts, get_part, &in);
	for (i = 0; i < nparts; i++)
		total += in.v[i].pages.n;
	strmap_reserve(&st->pages, total);
	for (i = 0; i < nparts; i++) {
		struct part *pt = &in.v[i];

		bad = bad || pt->r.bad;
		for (j = 0; j < pt->pages.n; j++) {
			struct state_page *p = pt->pages.v[j];

			state_page_free(strmap_put(&st->pages, p->name, strlen(p->name), p));
		}
		vec_release(&pt->pages);
	}
	free(in.v);
	free(in.ids);
	return bad ? -1 : (long)total;
}

static const char *map_file(const char *path, size_t *len);

/* Maps the files the head names (at r) and reads the pages from them. */
static void
parse_pages(struct rd *r, struct state *st, const atomic_bool *stop)
{
	struct buf name = BUF_INIT;
	/* (The pages are not in the head: their count is only compared.) */
	uint64_t n = get_u64(r);
	size_t i, nblobs = get_count(r, 2);
	long got;

	st->maps = xcalloc(nblobs + 1, sizeof(*st->maps));
	for (i = 0; i < nblobs && !r->bad; i++) {
		uint64_t len = get_u64(r), hash = get_u64(r);
		size_t size = 0;
		const char *m;

		if (r->bad || len == 0)
			continue;
		blob_name(&name, st->path, hash);
		m = map_file(name.data, &size);
		if (!m) {
			r->bad = true;
			break;
		}
		st->maps[i] = (struct state_blob){ m, size, hash };
		st->nmaps = i + 1;
		if (size != len)	/* not the file the head names */
			r->bad = true;
	}
	buf_release(&name);
	if (!r->bad && r->p != r->end)
		r->bad = true;
	if (!r->bad) {
		got = state_decode_blobs(st, st->maps, nblobs, stop);
		r->bad = got < 0 || (uint64_t)got != n;
	}
	r->p = r->end;
}

/* Makes st an empty state again, with a note saying why. */
static void
damaged(struct state *st, const char *path, struct diag *d)
{
	struct depstore *deps = st->deps;

	diag_note(d, path, 0, "the build state is damaged or from another version; "
		  "building everything");
	state_release(st);
	depstore_release(deps);
	depstore_init(deps);
	state_init(st, deps);
}

/* The file mapped, so a build that finds nothing changed reads the pages
 * of it the head is on and no more. NULL with errno when it cannot be. */
static const char *
map_file(const char *path, size_t *len)
{
	struct stat sb;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	if (sb.st_size == 0) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	*len = (size_t)sb.st_size;
	m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	e = errno;
	close(fd);
	errno = e;
	return m == MAP_FAILED ? NULL : m;
}

int
state_load(struct state *st, const char *path, struct diag *d)
{
	struct rd r;
	size_t m = strlen(MAGIC), len = 0;
	const char *raw = map_file(path, &len);

	if (!raw) {
		if (errno == EINVAL)
			damaged(st, path, d);
		else if (errno != ENOENT)
			diag_note(d, path, 0, "cannot read the build state (%s); building everything",
				  strerror(errno));
		return 0;
	}
	r.p = (const unsigned char *)raw + m;
	r.end = (const unsigned char *)raw + len;
	r.bad = len < m || memcmp(raw, MAGIC, m) != 0;
	if (!r.bad)
		parse_head(&r, st);
	if (r.bad) {
		munmap((void *)raw, len);
		damaged(st, path, d);
		return 0;
	}
	st->rest = (size_t)((const char *)r.p - raw);
	st->path = xstrdup(path);
	st->raw = raw;
	st->rawlen = len;
	return 0;
}

int
state_decode_pages(struct state *st, const atomic_bool *stop)
{
	struct rd r;

	if (!st->path)
		return 0;
	r.p = (const unsigned char *)st->raw + st->rest;
	r.end = (const unsigned char *)st->raw + st->rawlen;
	r.bad = false;
	parse_pages(&r, st, stop);
	return r.bad ? -1 : 0;
}

int
state_decoded(struct state *st, int rc, struct diag *d)
{
	char *path = st->path;

	if (!path)
		return rc;
	/* The pages' strings lie in the mapping: it stays to the end. */
	st->path = NULL;
	if (rc < 0)
		damaged(st, path, d);
	free(path);
	return rc;
}

int
state_load_pages(struct state *st, struct diag *d)
{
	return state_decoded(st, state_decode_pages(st, NULL), d);
}
