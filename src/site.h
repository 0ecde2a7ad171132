/* site.h — the core model: a site's sources and pages, and what a build learns
 * of them. The one header most modules include. */
#ifndef WEFT_SITE_H
#define WEFT_SITE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "strmap.h"

struct cJSON;
struct spans;
struct config;
struct deps;
struct diag;
struct state_page;
struct state_source;
struct pagespec_index;

enum src_kind {
	SRC_PAGE,		/* htmlized and written as a page */
	SRC_INTERNAL,		/* "._comment" and the like: scanned, inlinable, never written */
	SRC_FILE,		/* copied as it is */
};

/* A link the scan found on a page. */
struct link {
	char *target;		/* as written, through linkpage(): "foo_bar", "/abs", "a/b" */
	const char *type;	/* NULL for a wiki link, "tag" for a tag: interned (site_linktype) */
	struct page *to;	/* bestlink(target), set by site_link(); NULL when broken */
	const char *was;	/* the name it reached in the last build (links_kept) */
	unsigned line;		/* in the page's source; 0 when not from the text */
	bool borrowed;		/* target is the last build's state's: not freed */
};

/* A directive of a page's body whose scan settled what it shows
 * (DIRECTIVE_SETTLE): where it stands in the body, and its output. */
struct settled {
	size_t start, end;
	char *html;		/* NULL: nothing */
	size_t len;
};

struct page {
	/* ikiwiki's page name: "posts/first", "index" for the top page. A file
	 * keeps its extension: "posts/first/photo.jpg". */
	char *name;
	char *lcname;		/* name in lower case, for case-insensitive lookups */
	char *src;		/* source path relative to srcdir; NULL for a page a plugin made */
	const char *type;	/* "mdwn", "md", "html", "_comment"...; NULL for a file */
	enum src_kind kind;
	/* The main output, relative to destdir: "posts/first/index.html" with
	 * usedirs, "posts/first.html" without, the same path for a file; NULL
	 * for an internal page. */
	char *dest;
	/* Its URL path from the site root: "posts/first/", "posts/first.html",
	 * "" for the top page with usedirs, "img/x.png" for a file. */
	char *url;
	time_t ctime;		/* creation: from git, else the file; meta date overrides */
	time_t mtime;		/* last modification */
	off_t size;
	int64_t mtime_ns, ctime_ns;	/* the source file's stat times */
	uint64_t ino;
	size_t walked;		/* a source's place in the walk's order, from 1 */
	time_t base_ctime, base_mtime;	/* the dates before any meta date */
	bool from_git;		/* those came from git's history */

	/* The source text, read by the scan (NUL-terminated); its body starts
	 * after any front matter, at byte body of line body_line. */
	char *text;
	size_t len;
	size_t body;
	unsigned body_line;
	struct cJSON *frontmatter;	/* its front matter, between read and scan */
	struct spans *code;	/* where its body's code is (Markdown), found once */

	/* What the scan found. */
	struct link *links;
	size_t nlinks, caplinks;
	struct settled *settled;	/* in the order of the body */
	size_t nsettled, capsettled;
	/* Plugin state, an object keyed by plugin id. A restored page keeps
	 * the last build's JSON text (saved_state, owned by the build's old
	 * state) and parses it on first use: read it through page_state_root. */
	struct cJSON *state;
	const char *saved_state;
	atomic_bool state_ready;	/* state may be read without the lock */

	/* What linking found: the pages whose links reach this one, sorted by
	 * name, each once. */
	struct vec backlinks;

	size_t pos;		/* its place in site.pages, once sorted */
	bool failed;		/* an error was reported while building it */
	unsigned render_us;	/* how long its render took, for -vv */

	/* Incremental builds (plan.c). */
	struct deps *scan_deps;	/* what its scan read (this build's, or kept) */
	struct deps *render_deps;	/* what its render read (this build's, or kept) */
	uint64_t text_hash;	/* of its source's bytes, or of a made page's text */
	unsigned change;	/* CHANGE_* bits, against the last build */
	bool render;		/* rendered in this build */
	bool restored;		/* scan results taken from the last build */
	bool links_kept;	/* its links' was names are the last build's */
	unsigned char output_seen;	/* plan_outputs: 0 not looked at, 1 there, 2 missing */
	bool backlinks_hashed;	/* backlinks_hash is set */
	uint64_t backlinks_hash;	/* of its backlinks' names (plan.c) */
	atomic_bool text_ready;	/* text, body and code may be read without the lock */
	struct state_page *old;	/* its record in the last build, or NULL */
	const struct state_source *old_source;	/* its source's, or NULL */
};

/* How a page differs from the last build (page.change). */
enum {
	CHANGE_ADDED = 1 << 0,		/* new since the last build */
	CHANGE_TEXT = 1 << 1,		/* its source (or made text) differs */
	CHANGE_META = 1 << 2,		/* its state or creation date differs */
	CHANGE_LINKS = 1 << 3,		/* the links it has differ */
	CHANGE_RESOLVED = 1 << 4,	/* where its links lead differs */
	CHANGE_BACKLINKS = 1 << 5,	/* the pages linking to it differ */
	CHANGE_MTIME = 1 << 6,		/* its modification date differs */
	/* The dates it was given (its file's, or its history's) differ: it
	 * is scanned again, its meta date may override them; what it then
	 * shows differently is a change of its own. */
	CHANGE_DATES = 1 << 7,
};

/*
 * A site, as one build sees it. Pages are owned here. The page list and the
 * indexes are written only while scanning (single-threaded insertion) and
 * read-only afterwards, when render workers share them.
 */
struct site {
	struct config *cfg;
	struct diag *diag;
	char *srcdir;		/* absolute, without trailing '/' */
	char *destdir;		/* absolute */
	char *statedir;		/* absolute: the build state (.weft) */
	struct vec pages;	/* every source and made page, sorted by name after the scan */
	size_t sorted;		/* how many site_sort left in order (pages are only added) */
	struct strmap byname;	/* name -> page */
	struct strmap bylcname;	/* lower-case name -> page (the first by name) */
	bool lcshared;		/* two pages share a lower-case name */
	struct strmap bydest;	/* dest -> page, to catch two pages writing one file */
	struct vec unplaced;	/* pages the walk found, in its order, to be placed */
	struct strmap bysrc;	/* src -> page */
	struct strmap types;	/* page type (extension) -> (void *)(kind + 1) */
	struct strmap linktypes;	/* interned link types ("tag"): site_linktype */
	/* Every name some page lives under ("a" and "a/b" for "a/b/c"), as
	 * site_sort leaves them; parents_ready until a page is added. */
	struct strmap parents;
	bool parents_ready;
	pthread_mutex_t lock;	/* guards linktypes, which scans on any thread add to */
	/* pagespec's index of pages and links (pagespec_index_build), or
	 * NULL; freed by site_release. */
	struct pagespec_index *psindex;
	bool usedirs;
	bool indexpages;
	const char *userdir;	/* the userdir option, or NULL: where bestlink looks last */
};

/* The kind of a source with extension ext: SRC_FILE for an extension that is
 * no page type. */
enum src_kind site_kind(const struct site *s, const char *ext);
/* Makes ext a page type of kind (a plugin's htmlize type). */
void site_add_type(struct site *s, const char *ext, enum src_kind kind);

/* Creates the page name in s and returns it; NULL (nothing added) when a page
 * of that name exists already. The caller fills the rest. */
struct page *site_add(struct site *s, const char *name);
/* Makes room in the page list and the maps the walk fills for n more. */
void site_reserve(struct site *s, size_t n);
struct page *site_page(const struct site *s, const char *name);
/* The page whose source is src (relative to srcdir), or NULL. */
struct page *site_page_src(const struct site *s, const char *src);
/* Case-insensitive lookup. */
struct page *site_page_ci(const struct site *s, const char *name);
/* Sorts pages by name and rebuilds the indexes. */
void site_sort(struct site *s);
/* Plugin state: p->state is an object keyed by plugin id, each an object of
 * that plugin's values (ikiwiki's %pagestate). The meta plugin keeps
 * "meta": {"title", "titlesort", "author", "authorsort", "authorurl",
 * "description", "guid", "license", "copyright", "permalink", "updated"
 * (a number), ...}, as ikiwiki's meta plugin does. Read it through
 * these, which parse a restored page's saved text on first use. */
/* p's state object, or NULL when it has none (thread-safe). */
const struct cJSON *page_state_root(const struct page *p);
/* The string at state[plugin][key], or NULL when missing or not a string. */
const char *page_state_str(const struct page *p, const char *plugin,
			   const char *key);
/* The value at state[plugin][key], or NULL. */
const struct cJSON *page_state(const struct page *p, const char *plugin,
			       const char *key);
/* Sets state[plugin][key] to val (taking ownership; NULL deletes). */
void page_state_set(struct page *p, const char *plugin, const char *key,
		    struct cJSON *val);
/* Adds val at the end of the list state[plugin][key], made when missing,
 * taking ownership; -1 (val not taken) when that holds something else. */
int page_state_append(struct page *p, const char *plugin, const char *key,
		      struct cJSON *val);

/* The interned copy of a link type, made on first use; thread-safe. */
const char *site_linktype(struct site *s, const char *type);

/* Records, in the scan, what the directive at [start, end) of p's body
 * shows (html copied); they come in the order of the body. */
void page_settle(struct page *p, size_t start, size_t end, const char *html, size_t len);
/* What the scan settled for the directive at [start, end) of p's body, or
 * NULL. Thread-safe once the scan is over. */
const struct settled *page_settled(const struct page *p, size_t start, size_t end);
/* Forgets what the last scan of p settled. */
void page_clear_settled(struct page *p);

/* Adds a link to p (target copied, type kept as given). */
void page_add_link(struct page *p, const char *target, size_t len,
		   const char *type, unsigned line);
/* Makes room for n more links on p, so many added in a row take one
 * allocation of their size (the links a page's record restores). */
void page_reserve_links(struct page *p, size_t n);
/* Adds a link to p whose target is borrowed, not copied: one the last
 * build's state holds, which outlives the page's use. */
void page_borrow_link(struct page *p, const char *target, const char *type,
		      unsigned line);

/*
 * ikiwiki's bestlink(): the page a link written on page from reaches, or
 * NULL. A leading '/' anchors the link at the top; otherwise it is tried as
 * a subpage of from, then of each of from's parents up to the top, each
 * time exactly and then case-insensitively; at last, with a userdir, as
 * the user page userdir/link (lower-cased), so [[joey]] reaches users/joey.
 */
struct page *site_bestlink(const struct site *s, const char *from,
			   const char *link, size_t len);
/* Resolves every page's links (with up to jobs threads) and fills the
 * backlinks; after site_sort. With same_pages (the site has the same page
 * names as the last build), a page whose links_kept takes where its links
 * led then: bestlink depends on nothing else. */
void site_link(struct site *s, bool same_pages, unsigned jobs);

void site_init(struct site *s);
void site_release(struct site *s);
void page_free(struct page *p);

#endif
