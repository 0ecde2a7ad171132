/* strmap.c — open-addressing hash map with linear probing, and vec. */
#include "strmap.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

uint32_t
strmap_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

void
strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->count = 0;
	m->cap = 0;
}

void
strmap_release(struct strmap *m, void (*free_val)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_val)
			free_val(m->slots[i].val);
	}
	free(m->slots);
	strmap_init(m);
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

void **
strmap_slot(struct strmap *m, const char *key, size_t len)
{
	uint32_t h = strmap_hash(key, len);
	struct strmap_entry *e;

	if ((m->count + 1) * 4 > m->cap * 3)
		rehash(m, m->cap ? m->cap * 2 : 16);
	e = find(m, key, len, h);
	if (!e->key) {
		e->key = xstrndup(key, len);
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
