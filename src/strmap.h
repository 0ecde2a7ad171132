/* strmap.h — a hash map from byte-string keys to pointers, and a pointer vector. */
#ifndef WEFT_STRMAP_H
#define WEFT_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Keys are copied in (the map owns its copies), unless the map was made
 * with strmap_init_borrowed; values are the caller's.
 * Lookups never modify the map, so a map that is no longer written may be
 * read from several threads at once. Iteration order is the slot order:
 * stable for the same insertions, but not sorted; sort when order shows.
 */
struct strmap_entry {
	char *key;		/* NULL for an empty slot */
	size_t keylen;
	uint32_t hash;
	void *val;
};

struct strmap {
	struct strmap_entry *slots;
	size_t count;
	size_t cap;		/* 0 or a power of two */
	int borrowed;		/* keys are the caller's */
};

#define STRMAP_INIT { NULL, 0, 0, 0 }

void strmap_init(struct strmap *m);
/* A map that keeps the caller's keys instead of copies: each key an
 * insertion passes must stay, unchanged and NUL-terminated at its length,
 * as long as the map (a page's name in the map of pages, say). A site's
 * maps over every page save a copy of each name this way. */
void strmap_init_borrowed(struct strmap *m);
/* Makes room for n entries in all, so that many insertions do not grow the
 * table step by step (each step rehashes every key and clears a larger
 * table). */
void strmap_reserve(struct strmap *m, size_t n);
/* Frees the keys and slots, and each value with free_val when not NULL. */
void strmap_release(struct strmap *m, void (*free_val)(void *));
void *strmap_get(const struct strmap *m, const char *key, size_t len);
void *strmap_gets(const struct strmap *m, const char *key);
/* The value slot for key, inserting it (value NULL) when missing; the
 * pointer is valid until the next insertion. */
void **strmap_slot(struct strmap *m, const char *key, size_t len);
/* Sets key to val; returns the previous value or NULL. */
void *strmap_put(struct strmap *m, const char *key, size_t len, void *val);
/* The map's own copy of key, inserting key (value NULL) when missing: a
 * string that lasts as long as the map, for interning. */
const char *strmap_intern(struct strmap *m, const char *key, size_t len);
/* Walks the entries: start *iter at 0; returns NULL at the end. */
struct strmap_entry *strmap_next(const struct strmap *m, size_t *iter);

uint32_t strmap_hash(const char *key, size_t len);

/* A growable array of pointers it does not own. */
struct vec {
	void **v;
	size_t n;
	size_t cap;
};

#define VEC_INIT { NULL, 0, 0 }

void vec_push(struct vec *a, void *p);
/* Appends b's pointers to a. */
void vec_extend(struct vec *a, const struct vec *b);
void vec_release(struct vec *a);
/* qsort's comparison of two strings in an array of char *: byte order. */
int str_ptr_cmp(const void *a, const void *b);

#endif
