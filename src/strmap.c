/* strmap.c — open-addressing hash map with linear probing, and vec. */
#include "strmap.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Eight bytes a step, each mixed by a multiply and a shift that brings the
 * high bits down (slots are taken from the low ones). Keys are page names
 * and paths: a build hashes millions of them. */
uint32_t
strmap_hash(const char *key, size_t len)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ len, w;

	for (; len >= 8; key += 8, len -= 8) {
		memcpy(&w, key, 8);
		h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, key, len);
	h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 32;
	return (uint32_t)h;
}

void
strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->count = 0;
	m->cap = 0;
	m->borrowed = 0;
}

void
strmap_init_borrowed(struct strmap *m)
{
	strmap_init(m);
	m->borrowed = 1;
}

void
strmap_release(struct strmap *m, void (*free_val)(void *))
{
	int borrowed = m->borrowed;
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		if (!borrowed)
			free(m->slots[i].key);
		if (free_val)
			free_val(m->slots[i].val);
	}
	free(m->slots);
	strmap_init(m);
	m->borrowed = borrowed;
}

static struct strmap_entry *
find(const struct strmap *m, const char *key, size_t len, uint32_t h)
{
	size_t i, mask;

	if (!m->cap)
		return NULL;
	mask = m->cap - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct strmap_entry *e = &m->slots[i];

		if (!e->key)
			return e;
		if (e->hash == h && e->keylen == len &&
		    memcmp(e->key, key, len) == 0)
			return e;
	}
}

static void
rehash(struct strmap *m, size_t cap)
{
	struct strmap_entry *old = m->slots;
	size_t i, oldcap = m->cap;

	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key)
			*find(m, old[i].key, old[i].keylen, old[i].hash) = old[i];
	}
	free(old);
}

void *
strmap_get(const struct strmap *m, const char *key, size_t len)
{
	struct strmap_entry *e = find(m, key, len, strmap_hash(key, len));

	return e && e->key ? e->val : NULL;
}

void *
strmap_gets(const struct strmap *m, const char *key)
{
	return strmap_get(m, key, strlen(key));
}

void
strmap_reserve(struct strmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 4;

	while ((n + 1) * 4 > cap * 3)
		cap *= 2;
	if (cap > m->cap)
		rehash(m, cap);
}

void **
strmap_slot(struct strmap *m, const char *key, size_t len)
{
	uint32_t h = strmap_hash(key, len);
	struct strmap_entry *e;

	if ((m->count + 1) * 4 > m->cap * 3)
		rehash(m, m->cap ? m->cap * 2 : 4);
	e = find(m, key, len, h);
	if (!e->key) {
		e->key = m->borrowed ? (char *)key : xstrndup(key, len);
		e->keylen = len;
		e->hash = h;
		e->val = NULL;
		m->count++;
	}
	return &e->val;
}

const char *
strmap_intern(struct strmap *m, const char *key, size_t len)
{
	void **slot = strmap_slot(m, key, len);
	struct strmap_entry *e = (struct strmap_entry *)((char *)slot -
							 offsetof(struct strmap_entry, val));

	return e->key;
}

void *
strmap_put(struct strmap *m, const char *key, size_t len, void *val)
{
	void **slot = strmap_slot(m, key, len);
	void *old = *slot;

	*slot = val;
	return old;
}

struct strmap_entry *
strmap_next(const struct strmap *m, size_t *iter)
{
	while (*iter < m->cap) {
		struct strmap_entry *e = &m->slots[(*iter)++];

		if (e->key)
			return e;
	}
	return NULL;
}

void
vec_push(struct vec *a, void *p)
{
	a->v = xgrow(a->v, &a->cap, a->n + 1, sizeof(*a->v));
	a->v[a->n++] = p;
}

void
vec_extend(struct vec *a, const struct vec *b)
{
	if (!b->n)
		return;
	a->v = xgrow(a->v, &a->cap, a->n + b->n, sizeof(*a->v));
	memcpy(a->v + a->n, b->v, b->n * sizeof(*a->v));
	a->n += b->n;
}

void
vec_release(struct vec *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

int
str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}
