/* build.h — one build of a site: its stages and the state they share. */
#ifndef WEFT_BUILD_H
#define WEFT_BUILD_H

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "output.h"
#include "site.h"
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
	long numbacklinks;
	bool has_local_css;
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
};

/* Records that c->dest depends on spec (a PageSpec, or a page name) as
 * written on location, in the ways deptype names ("content", "presence",
 * "links", or several separated by spaces; NULL: content), so an
 * incremental build knows when to rebuild it. */
struct pagespec_env;
void build_depend(struct ctx *c, const char *spec, const char *deptype,
		  const char *location);
/* Points env's influence callback at c's dependencies. */
void build_depend_env(struct ctx *c, struct pagespec_env *env);
/* Records that c->dest wrote path (besides its page). */
void build_output(struct ctx *c, const char *path);

/* Runs a whole build. Returns the exit status: 0 when every page rendered, 1
 * when some failed (each reported), 2 when the site could not be built at
 * all (bad configuration, unwritable destination). */
int build_run(const struct build_opts *opts, struct diag *d);

/* Prints every setup key: the core's and those the bundled plugins
 * declare, with types, defaults and help. */
void build_help_options(FILE *out);

/* Formats t as ikiwiki's displaytime(): the timeformat in the site's time
 * zone, in <time datetime="..."> (with pubdate="pubdate" when asked) with
 * html5, else in <span class="date">. */
void build_displaytime(struct build *b, struct buf *out, time_t t, bool pubdate);
/* t formatted with the strftime format fmt in the site's time zone and the
 * C locale. */
void build_strftime(struct build *b, struct buf *out, const char *fmt, time_t t);
/* t in RFC 3339, UTC: "2026-11-21T05:46:00Z". */
void build_date3339(struct buf *out, time_t t);

#endif
