/* pagespec.h — ikiwiki's PageSpec language: compiled once, matched fast
 * over a whole site, with the dependencies each match creates. */
#ifndef WEFT_PAGESPEC_H
#define WEFT_PAGESPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "strmap.h"

struct page;
struct pagespec_index;
struct site;

/*
 * The language (IkiWiki.pm pagespec_translate, match_*):
 *   terms      glob | function(args)        args hold no ')'
 *   operators  ! (tightest), and, or (loosest); "and"/"or" in any case;
 *              parentheses group
 *   glob       '*' any run of characters, '/' included; '?' one character;
 *              anchored, case-insensitive; never matches internal pages
 *              (those of a type starting with '_'); "./x" is relative to
 *              the directory of the location page, "." the location
 * Functions: glob(g) page(g) internal(g) link(p) backlink(p) tagged(t)
 * created_before(p) created_after(p) creation_day(d) creation_month(m)
 * creation_year(y) title(g) author(g) authorurl(g) license(g)
 * copyright(g) guid(g) enabled(plugin) sourcepage(g) destpage(g)
 * included() comment(g) comment_pending(g); user(g) admin() ip(g)
 * postcomment(g) never match (they concern ikiwiki's CGI).
 */
struct pagespec;

/* Dependency types, as ikiwiki's: what about a page a result depended on. */
enum {
	DEP_CONTENT = 1,	/* its content */
	DEP_PRESENCE = 2,	/* whether it exists */
	DEP_LINKS = 4,		/* its links */
	DEP_META = 8,		/* weft's: its metadata (title, creation date,
				 * state), not its text, as a list of titles
				 * shows */
	DEP_MTIME = 16,		/* weft's: its modification date */
};

/* Compiles spec. A syntax error (unbalanced parentheses, two terms without
 * an operator, an operator without an operand, an unknown function, a
 * non-numeric creation_day...) gives NULL with the message in err. An
 * empty spec matches nothing. The result is immutable and may be shared
 * between threads. */
struct pagespec *pagespec_compile(const char *spec, struct buf *err);
void pagespec_free(struct pagespec *ps);

/* Whether its result depends on the env's sourcepage or destpage
 * (sourcepage(), destpage(), included()), not only on its location. */
bool pagespec_reads_pages(const struct pagespec *ps);

/* Where a spec is matched from, and where its findings go. */
struct pagespec_env {
	const struct site *site;
	const char *location;	/* the page the spec is written on */
	const char *sourcepage;	/* for sourcepage() and included(); NULL: location */
	const char *destpage;	/* for destpage() and included(); NULL: location */
	const char *tagbase;	/* the tagbase option, for tagged(); NULL: none */
	/* Whether a plugin is enabled, for enabled(); NULL: none is. */
	bool (*enabled)(const char *plugin, void *arg);
	/* Told of every page whose data a result depended on, and how (ikiwiki's
	 * "influences"), so incremental builds rebuild exactly; may be NULL.
	 * A page name that does not exist (created_before(x) of a missing x)
	 * is reported too. */
	void (*influence)(const char *page, unsigned deptype, void *arg);
	void *arg;		/* for enabled */
	void *influence_arg;	/* for influence */
};

/* Whether page p matches. */
bool pagespec_match(const struct pagespec *ps, const struct page *p,
		    const struct pagespec_env *env);

/*
 * Appends to out the pages that match, sorted by sort (an ikiwiki sort
 * spec: space-separated keys among age mtime title path title_natural
 * path_natural meta(field), each reversible with a leading '-'; NULL or ""
 * is unsorted, in name order), reversed when reverse is set, and cut to the
 * first num (0: all). Ties are broken by page name, so the order is always
 * the same. Internal pages are candidates only when the spec uses
 * internal(), comment() or comment_pending(). An unknown sort key gives -1
 * with the message in err. Stays fast on 10,000 pages: candidates are
 * narrowed by an index (glob prefixes, link targets) rather than testing
 * every page.
 */
int pagespec_match_list(struct vec *out, const struct pagespec *ps,
			const struct pagespec_env *env, const char *sort,
			size_t num, bool reverse, struct buf *err);

/* Whether spec (text) is a plain page name rather than a real PageSpec:
 * ikiwiki's test for a "simple" dependency. */
bool pagespec_is_simple(const char *spec);

/*
 * Builds s->psindex, which pagespec_match_list uses to test only the pages
 * a spec can match (by glob prefix, link target, backlink). Call it once,
 * single-threaded, after site_link(), when pages, links, ctimes, mtimes and
 * meta state are final: the first match that uses the index snapshots them
 * (each part, under a lock: a build that lists no pages makes none). Replaces
 * any earlier index. Without an index, or once pages are added, matching
 * tests every page.
 */
void pagespec_index_build(struct site *s);
/* Frees an index (site_release does); NULL is fine. */
void pagespec_index_free(struct pagespec_index *ix);

/* Sorts pages (an array of struct page *) by an ikiwiki sort spec, as
 * pagespec_match_list does. -1 with err on an unknown key. */
int pagespec_sort(struct page **pages, size_t n, const char *sort,
		  bool reverse, struct buf *err);
/* Whether sorting by sort reads the pages' modification dates (mtime, or
 * meta(updated), which falls back to them): a list so sorted depends on
 * them (DEP_MTIME). */
bool pagespec_sort_reads_mtime(const char *sort);

#endif
