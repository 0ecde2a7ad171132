/* state.h — what a build leaves for the next one: the sources as they were,
 * each page's scan results and what its scan and render read.
 *
 * The state is a head file (path) and the files it names beside it,
 * path-<16 hex digits>, each named by a digest of its bytes. The head
 * (digests, sources, outputs, how many pages failed) is all a build needs
 * to find that nothing changed; it then names the dependencies' file and
 * the page records' parts, most of the state, which are read only when
 * something did. The parts are runs of the pages in order, of equal
 * counts: a build that changed a few pages writes the head and their
 * parts, and finds the other files there already, with the same bytes (a
 * page added or removed moves the parts after it). Each file is written to a
 * temporary name and renamed, the head last, and the files no head names
 * any more are removed after it: a build killed halfway leaves the last
 * good state whole. Page records name dependencies by number; a build that
 * reached few pages keeps the numbers and writes the other pages' records
 * back as it read them. */
#ifndef WEFT_STATE_H
#define WEFT_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "deps.h"
#include "strmap.h"

struct diag;

/* A source file as the last build saw it. */
struct state_source {
	off_t size;
	int64_t mtime_ns, ctime_ns;
	uint64_t ino;
	uint64_t hash;		/* of its bytes */
	time_t ctime, mtime;	/* its page's dates before any meta date */
	bool from_git;		/* those came from git's history */
};

/* A saved link. */
struct state_link {
	char *target;
	char *type;		/* NULL for a plain link */
	unsigned line;
	char *to;		/* the page it reached, NULL when broken */
};

/* A page as the last build left it. */
struct state_page {
	char *name;
	char *src;		/* NULL for a page a plugin made */
	int kind;
	char *type;
	time_t ctime, mtime;
	off_t size;
	size_t body;
	unsigned body_line;
	uint64_t text_hash;	/* of the text of a page a plugin made */
	struct state_link *links;	/* read from a file: in the record's allocation */
	size_t nlinks;
	char *state;		/* plugin state as JSON, NULL when none */
	uint64_t backlinks_hash;	/* of its backlinks' names */
	bool failed;
	bool mapped;		/* its strings lie in the state file's mapping */
	struct deps *scan;	/* what its scan read */
	struct deps *render;	/* what its render read */
	/* Its record in the mapping, as read. When saving, the same bytes
	 * to write as they are, or NULL: the fields must say the same (its
	 * scan and render dependencies are still counted as used). */
	const unsigned char *raw;
	size_t rawlen;
#ifdef WEFT_CHECK_STATE
	/* Builds that check each copy (the sanitizers'): the same record
	 * made from the page's fields, whose bytes must be raw's. */
	const struct state_page *made;
#endif
};

/* The bytes of one of the files beside the head, with their digest (its
 * name) when read from it. */
struct state_blob {
	const void *data;
	size_t len;
	uint64_t hash;
};

struct state {
	char *config;		/* digest of the effective configuration */
	char *plugins;		/* digest of the plugins' sources */
	char *theme;		/* digest of the theme's stylesheet sources */
	char *head;		/* the commit HEAD pointed at, NULL outside git */
	struct strmap templates;	/* template name -> its digest (char *) */
	/* Every source's path (borrowed: from the mapped file, or the
	 * caller's when saving) with its record at the same index of
	 * source_recs (owned), in the order written: the walk's. */
	struct vec source_order;
	struct state_source *source_recs;
	struct strmap sources;	/* path -> its record: state_source_get's */
	struct strmap pages;	/* name -> struct state_page * */
	/* For state_save, when the caller knows it: every page in the order
	 * to write (then pages may be empty). */
	struct vec order;
	struct vec outputs;	/* char *: files the build wrote outside pages */
	unsigned failed;	/* pages whose build failed */
	struct depstore *deps;	/* the dependencies the records point to */
	char *path;		/* the head, while its pages are not read */
	const char *raw;	/* its bytes (mapped: sources point in) */
	size_t rawlen, rest;	/* their length; where the files' list begins */
	/* The other files, mapped while the build lasts: records and hits
	 * point in. */
	struct state_blob *maps;
	size_t nmaps;
};

void state_init(struct state *st, struct depstore *deps);
void state_release(struct state *st);

/* Reads the head of the state at path into st. A missing file is an
 * empty state (0); an unreadable or damaged one is an empty state too,
 * with a note (it is rebuilt). */
int state_load(struct state *st, const char *path, struct diag *d);
/* Reads the pages of the state state_load left unread into st.pages (and
 * its depstore the dependencies they point to); at once when read. -1,
 * with a note, when that part is damaged: st is then an empty state. */
int state_load_pages(struct state *st, struct diag *d);
/* state_load_pages in two halves, the first for a thread of its own: the
 * decoding, which reports nothing and, once *stop is set (stop may be
 * NULL), stops as at a damaged record (st is then only to be released);
 * then, given what it returned, the note of a damaged state. */
int state_decode_pages(struct state *st, const atomic_bool *stop);
int state_decoded(struct state *st, int rc, struct diag *d);
/* What state_decode_pages does with the files the head names, from their
 * bytes in memory (the dependencies', then the parts), which must outlive
 * st: the pages read, or -1 when damaged. For the fuzzer. */
long state_decode_blobs(struct state *st, const struct state_blob *blobs, size_t n,
			const atomic_bool *stop);
/* Writes st to path and the files beside it (those not there already),
 * each through a temporary file and rename(2), then removes the files
 * beside path no longer named. last, when not NULL, is the state that
 * records saved as they were come from: a part that is one of its files
 * whole is known by that file's name. */
int state_save(const struct state *st, const struct state *last, const char *path,
	       struct diag *d);

/* The record of the source at path, or NULL; the first call makes the
 * map (a build that walks the sources in their saved order needs none). */
const struct state_source *state_source_get(struct state *st, const char *path);
void state_page_free(struct state_page *p);

/* A 64-bit digest for noticing changes (not for security), chained:
 * start with STATE_HASH_INIT. */
#define STATE_HASH_INIT UINT64_C(14695981039346656037)
uint64_t state_hash(uint64_t h, const void *data, size_t len);
uint64_t state_hash_str(uint64_t h, const char *s);

#endif
