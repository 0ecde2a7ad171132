/* deps.h — what each page's scan and render read, so an incremental build
 * knows which pages a change can reach. */
#ifndef WEFT_DEPS_H
#define WEFT_DEPS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "strmap.h"

/* A hit as the last build's state file holds it: the page's name is in
 * the file's mapping. */
struct saved_hit {
	const char *page;
	unsigned type;
};

/*
 * A dependency: a PageSpec (or a plain page name) matched from a location,
 * in the ways it matters (DEP_CONTENT, DEP_PRESENCE, DEP_LINKS of
 * pagespec.h), with the pages it reached: its results and every page whose
 * data the answer depended on (ikiwiki's influences), each with how.
 *
 * While pages render the site does not change, so a dependency is known by
 * its spec, location and type alone: the store holds one object per such
 * key, shared by every page that has it (a sidebar's tag cloud, on every
 * page), and its hits are recorded once per build. Hits read from the last
 * build's state are kept until this build records the dependency again.
 */
struct dep {
	char *spec;
	char *location;
	unsigned type;
	/* Its hits: recorded by this build (fresh), else read from the last
	 * build's state, sorted by name, to be searched (saved; the map holds
	 * them only when the file named the dependency twice). */
	struct strmap hits;	/* page name -> (void *)(uintptr_t)deptype */
	struct saved_hit *saved;
	size_t nsaved;
	bool fresh;		/* hits recorded by this build */
	/* The same saved hits as bytes (their count and entries, in the
	 * mapping), to be copied: saved again as they are while they are not
	 * fresh, or when the fresh ones are the same. */
	const void *saved_hits;
	size_t saved_hits_len;
	int fired;		/* this build: -1 undecided, 0 quiet, 1 fired */
	uint32_t id;		/* for saving */
	/* Its number in the last build's state file (UINT32_MAX for one
	 * this build made): records saved again as they were name it so. */
	uint32_t saved_id;
};

/* What a scan or render records as it reads: made by the first record, so
 * the deps read from a state, one per page for its scan and one for its
 * render, stay small. */
struct deps_maps {
	struct strmap seen;	/* the list's keys, to keep each once */
	struct strmap lookups;	/* "from\nlink" -> the page found ("" for none) */
	struct strmap templates;	/* template names used */
};

/* What one page read while it was scanned or rendered. */
struct deps {
	struct vec list;	/* struct dep *, each once */
	struct vec outputs;	/* char *: files written besides the page's own */
	/* Read from the last build's state (and then only read), a page's
	 * lookups and templates stay where the file has them, sorted, in its
	 * mapping: pairs of a key and the page found (NULL for none), and
	 * names. */
	const char **saved_lookups;
	size_t nsaved_lookups;	/* pairs */
	const char **saved_templates;
	size_t nsaved_templates;
	struct deps_maps *maps;	/* NULL until something is recorded */
	/* Made by deps_read: the list's array and the saved arrays lie in
	 * the same allocation as the struct. */
	bool in_block;
};

struct depstore {
	pthread_mutex_t lock;
	struct strmap bykey;	/* "type\nlocation\nspec" -> struct dep * */
	struct vec all;		/* struct dep *, by id */
	uint32_t nsaved;	/* how many the last state file numbered */
	bool saved_twice;	/* it named one twice (damaged): numbered afresh */
};

void depstore_init(struct depstore *s);
void depstore_release(struct depstore *s);

/* The dependency of key (spec, location, type), made empty when new. */
struct dep *depstore_get(struct depstore *s, const char *spec,
			 const char *location, unsigned type);

struct deps *deps_new(void);
/* Deps as a state holds them, in one allocation: the list (n deps, each
 * once, as deps_add would keep them), then nlookups pairs and ntemplates
 * names, to stay where they are as long as d (see saved_lookups). */
struct deps *deps_read(struct dep *const *list, size_t n, const char *const *lookups,
		       size_t nlookups, const char *const *templates, size_t ntemplates);
void deps_free(struct deps *d);
/* How d hit page (its DEP_* bits), 0 when it did not. */
unsigned dep_hit(const struct dep *d, const char *page);
/* The pages d hit, one a call from *iter = 0, then NULL. */
const char *dep_next_hit(const struct dep *d, size_t *iter);
/* d's lookups, one a call from *iter = 0: the key ("from\nlink"), with the
 * page it found in *found ("" for none); NULL at the end. */
const char *deps_next_lookup(const struct deps *d, size_t *iter, const char **found);
/* The templates d used, one a call from *iter = 0; NULL at the end. */
const char *deps_next_template(const struct deps *d, size_t *iter);
/* Adds dep to d (once). */
void deps_add(struct deps *d, struct dep *dep);
void deps_lookup(struct deps *d, const char *from, const char *link,
		 const char *found);
void deps_template(struct deps *d, const char *name);
void deps_output(struct deps *d, const char *path);

/*
 * Recording one match: deps_record starts it, returning true when the
 * dependency's hits are to be recorded (the first match of its key in this
 * build), false when they are known already; the hits go to rec through
 * deps_hit, and deps_commit publishes them (the first to finish wins).
 */
/* A dependency's type may add DEP_ONEPAGE to the DEP_* bits: it records a
 * test of one page (weft.match), which other pages coming to match cannot
 * change; only the pages it hit matter. */
enum { DEP_ONEPAGE = 1 << 8 };

struct deprec {
	struct dep *dep;
	struct strmap hits;
	bool recording;
};
bool deps_record(struct deprec *rec, struct depstore *s, const char *spec,
		 const char *location, unsigned type);
void deps_hit(struct deprec *rec, const char *page, unsigned type);
void deps_commit(struct deprec *rec, struct depstore *s);

/* The type mask named by words ("content presence links"); NULL or "":
 * content. */
unsigned deps_type(const char *words);

#endif
