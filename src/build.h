/* build.h — one build of a site: its stages and the state they share. */
#ifndef WEFT_BUILD_H
#define WEFT_BUILD_H

#include <locale.h>
#include <stdatomic.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "deps.h"
#include "output.h"
#include "site.h"
#include "state.h"
#include "theme.h"

struct deps;
struct diag;
struct plugins;
struct vcs_times;

struct build_opts {
	const char *sitedir;	/* the site (holding weft.yaml); NULL: "." */
	const char *setup;	/* --setup FILE: an ikiwiki setup file */
	const char *destdir;	/* -d: overrides the configured destdir */
	bool rebuild;		/* ignore the saved state */
	bool check;		/* weft check: everything but writing */
	unsigned jobs;		/* worker threads; 0: one per core */
	bool all_plugins;	/* enable every bundled plugin (for --help) */
	bool exiting;		/* the process ends after the build */
	/* A source is known to have changed (weft serve saw it): the last
	 * build's records are decoded while the sources are walked. */
	bool changed;
};

/* Everything one build owns. Workers share it read-only while rendering,
 * except through the locked parts (diag, output, theme cache). */
struct build {
	struct build_opts opts;
	struct diag *diag;
	struct config cfg;
	struct site site;
	struct theme theme;
	struct output out;
	struct plugins *plugins;	/* NULL: no plugin host */
	struct vcs_times *times;
	locale_t clocale;	/* dates are formatted in the C locale */
	/* Times shown in the timeformat: time_t's bytes -> text, in shards by
	 * the time, each with its lock (the threads format dates at once). */
	struct times_shown {
		pthread_mutex_t lock;
		struct strmap map;
	} times_shown[16];
	unsigned nthreads;
	char *configured_destdir;	/* the destdir option, before -d */
	char *trimmed_url;	/* owns url */

	/* Options read once. */
	const char *wikiname;
	const char *url;	/* the site's URL without a trailing '/', or NULL */
	const char *timeformat;
	const char *htmlext;
	bool html5;
	bool discussion;
	const char *discussionpage;
	const char *discussion_type;	/* its links' type, interned once */
	long numbacklinks;
	bool has_local_css;

	/* Incremental builds (plan.c). */
	struct depstore deps;
	struct state old;	/* the last build's state */
	bool incremental;	/* it holds: compare against it */
	bool same_pages;	/* the last build's pages by name (plan_same_pages) */
	bool links_stand;	/* and every link leads where it led (plan_changes) */
	bool theme_changed;
	char *statefile;
	char *digest_config, *digest_plugins, *digest_theme;
	char *head;		/* HEAD's commit, NULL outside git */
	struct strmap changed_templates;
	struct strmap template_digests;	/* name -> digest, as the build started */
	struct strmap specs;	/* compiled PageSpecs, while planning */
	pthread_mutex_t textlock;	/* reading restored pages' texts */
	/* Decoding the last build's pages in the background while the
	 * sources are walked: from plan_begin, or from the first changed
	 * source the walk adds (plan_source_added), until plan_sources. */
	pthread_t decoder;
	bool decoding;
	atomic_bool decode_stop;
	int decoded;		/* what state_decode_pages returned */
	size_t walk_next;	/* the walk's place in old.source_order */
	bool walk_in_order;	/* each source was the next of it so far */
	/* Looking for outputs deleted by hand (plan_outputs), in the
	 * background from the walk's end to plan_changes, at these pages. */
	pthread_t outputs_thread;
	bool outputs_looking;
	struct page **outputs_pages;
	size_t outputs_n;
	struct vec changed;	/* struct page *: what changed since the last build */
	struct vec deleted;	/* char *: names of pages gone (keys of old.pages) */
	size_t added;
	bool rendering;		/* in the render pass: pages and their state are final */
	struct page **order;	/* the render pass's pages, the costliest first */
	struct vec theme_outputs;	/* char *: files written for the theme */
	struct buf css;		/* the theme's stylesheet, compiled in the render pass */
	int css_rc;		/* as theme_css returned */
	struct timespec phase_start;	/* for the phase times -v shows */
	struct buf phases;
};

/* A page being processed: what the stages hand each other. page is the page
 * whose text is processed, dest the page being written (they differ when a
 * page is inlined into another). */
struct ctx {
	struct build *b;
	unsigned worker;
	struct page *page;
	struct page *dest;
	unsigned depth;		/* nesting of preprocess calls */
	struct deps *deps;	/* what c->dest depends on; NULL: not recorded */
	bool scan;		/* the scan pass: find links, run scan hooks, write nothing */
	/* Set (weft.unsettle), the render calls the directives the scan
	 * settled; NULL, it always does. Shared by the render's inner ctxs. */
	bool *unsettled;
};

/*
 * Recording what a page reads, for incremental builds (c->deps; nothing is
 * recorded when it is NULL). A match is recorded in three steps:
 * build_dep_begin (the spec, as written on location, with the ways that
 * matter: DEP_* bits), the pages it reached (build_dep_hit, and the
 * influences the matcher reports through env), build_dep_end.
 */
struct deprec;
struct pagespec_env;
void build_dep_begin(struct ctx *c, struct deprec *rec, const char *spec,
		     const char *location, unsigned type, struct pagespec_env *env);
void build_dep_hit(struct deprec *rec, const char *page, unsigned type);
void build_dep_end(struct ctx *c, struct deprec *rec);
/* A dependency on one page by name (its text, its content, its state). */
void build_depend_page(struct ctx *c, const char *name, unsigned type);
/* A bestlink a plugin made, and what it found. */
void build_lookup(struct ctx *c, const char *from, const char *link,
		  const struct page *found);
void build_template(struct ctx *c, const char *name);
/* Records that c->dest wrote path (besides its page). */
void build_output(struct ctx *c, const char *path);

/* Runs a whole build. Returns the exit status: 0 when every page rendered, 1
 * when some failed (each reported), 2 when the site could not be built at
 * all (bad configuration, unwritable destination). */
int build_run(const struct build_opts *opts, struct diag *d);

/* Prints every setup key: the core's and those the bundled plugins
 * declare, with types, defaults and help. */
void build_help_options(FILE *out);

/* Formats t as ikiwiki's displaytime(): the strftime format fmt (NULL: the
 * timeformat) in the site's time zone, in <time datetime="..."> (with
 * pubdate="pubdate" when asked) with html5, else in <span class="date">. */
void build_displaytime(struct build *b, struct buf *out, time_t t, bool pubdate,
		       const char *fmt);
/* The markup build_displaytime puts before and after the formatted time,
 * for a time formatted otherwise (a formattime a plugin injected). */
void build_displaytime_open(struct build *b, struct buf *out, time_t t, bool pubdate);
void build_displaytime_close(struct build *b, struct buf *out);
/* t formatted with the strftime format fmt in the site's time zone and the
 * C locale. */
void build_strftime(struct build *b, struct buf *out, const char *fmt, time_t t);
/* t in RFC 3339, UTC: "2026-11-21T05:46:00Z". */
void build_date3339(struct buf *out, time_t t);

#endif
