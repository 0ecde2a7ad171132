/* plan.c — incremental builds: the site as it is against the last build's
 * state, so exactly the pages a change can reach are scanned and rendered. */
#include "plan.h"

#include <stdatomic.h>

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "build.h"
#include "diag.h"
#include "pagespec.h"
#include "path.h"
#include "plugin.h"
#include "pool.h"
#include "render.h"
#include "scan.h"
#include "state.h"
#include "vcs.h"
#include "xalloc.h"

/* ---- the start ------------------------------------------------------------- */

/* Everything of the configuration a page could show: a change rebuilds
 * everything, as any plugin may read any key. */
static char *
config_digest(struct build *b)
{
	struct buf out = BUF_INIT;
	char *doc = b->cfg.doc.root ? cJSON_PrintUnformatted(b->cfg.doc.root) : NULL;
	char *set = b->cfg.set ? cJSON_PrintUnformatted(b->cfg.set) : NULL;
	uint64_t h = state_hash_str(STATE_HASH_INIT, WEFT_VERSION);

	h = state_hash_str(h, doc);
	h = state_hash_str(h, set);
	buf_printf(&out, "%016llx", (unsigned long long)h);
	free(doc);
	free(set);
	return buf_detach(&out, NULL);
}

static bool
same(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Whether the last build's state holds, so far as anything but the
 * sources (and outputs) can tell. */
static bool
only_sources_left(const struct build *b)
{
	return b->incremental && !b->theme_changed && b->old.failed == 0 &&
	       b->changed_templates.count == 0 && same(b->head, b->old.head);
}

/* The last build's pages are decoded on a thread of their own while the
 * sources are walked, from the first source found changed (or at once,
 * when something else already changed): the walk leaves a core idle much
 * of its time (one thread lists a directory and adds its pages between
 * the stats), and a build that finds a change needs every page's record.
 * A build that finds nothing changed never starts it. It runs at the
 * usual priority: glibc's thread attributes refuse SCHED_IDLE, so the
 * idle priority once asked for here never applied, and set from the
 * thread itself it changed nothing (one edit among 10,000 posts: 106 ms
 * either way, medians of 12 of `weft build -v`). */
static void *
decode_pages(void *arg)
{
	struct build *b = arg;

	b->decoded = state_decode_pages(&b->old, &b->decode_stop);
	return NULL;
}

static void
start_decoding(struct build *b)
{
	if (b->decoding || !b->incremental || !b->old.path || pool_cores() < 2)
		return;
	atomic_init(&b->decode_stop, false);
	b->decoding = pthread_create(&b->decoder, NULL, decode_pages, b) == 0;
}

/* The decoding joined: stopped first when its pages are not wanted (then
 * only released). With them wanted, decoded here when no thread did. */
static int
finish_decoding(struct build *b, bool wanted)
{
	if (!b->decoding)
		return wanted ? state_load_pages(&b->old, b->diag) : 0;
	if (!wanted)
		atomic_store(&b->decode_stop, true);
	pthread_join(b->decoder, NULL);
	b->decoding = false;
	return wanted ? state_decoded(&b->old, b->decoded, b->diag) : 0;
}

void
plan_begin(struct build *b)
{
	struct buf d = BUF_INIT, path = BUF_INIT;
	struct strmap_entry *e;
	size_t iter = 0;

	depstore_init(&b->deps);
	state_init(&b->old, &b->deps);
	strmap_init(&b->changed_templates);
	strmap_init(&b->template_digests);
	strmap_init(&b->specs);
	pthread_mutex_init(&b->textlock, NULL);
	b->digest_config = config_digest(b);
	plugin_digest(b->plugins, &d);
	b->digest_plugins = buf_detach(&d, NULL);
	theme_digest(&b->theme, &d);
	b->digest_theme = buf_detach(&d, NULL);
	if (vcs_head(&d, b->site.srcdir, b->diag) == 0)
		b->head = buf_detach(&d, NULL);
	path_join(&path, b->site.statedir, "state");
	b->statefile = buf_detach(&path, NULL);
	if (!b->opts.rebuild && !b->opts.check)
		state_load(&b->old, b->statefile, b->diag);
	b->incremental = same(b->old.config, b->digest_config) &&
			 same(b->old.plugins, b->digest_plugins);
	b->theme_changed = !b->incremental || !same(b->old.theme, b->digest_theme);
	/* The digests as the build starts are what it saves: a template
	 * edited while it runs is then seen by the next build. */
	while (b->incremental && (e = strmap_next(&b->old.templates, &iter))) {
		theme_template_digest(&b->theme, e->key, &d);
		if (strcmp(d.data, e->val) != 0)
			strmap_put(&b->changed_templates, e->key, e->keylen, b);
		strmap_put(&b->template_digests, e->key, e->keylen, buf_detach(&d, NULL));
	}
	buf_release(&d);
	b->walk_in_order = true;
	if (!only_sources_left(b) || b->opts.changed)
		start_decoding(b);
}

/* ---- sources ------------------------------------------------------------- */

/* What a page itself changed, that other pages may have read: a new page
 * has changed in every way. */
enum {
	CHANGED_ITSELF = CHANGE_ADDED | CHANGE_TEXT | CHANGE_META | CHANGE_MTIME | CHANGE_LINKS,
};

static void
flag_new(struct page *p)
{
	p->change |= CHANGED_ITSELF;
}

/* Whether p's source has the stat its record in the last build has. */
static bool
same_stat(const struct state_source *os, const struct page *p)
{
	return os->size == p->size && os->mtime_ns == p->mtime_ns &&
	       os->ctime_ns == p->ctime_ns && os->ino == p->ino;
}

/* The same, for a stat the walk has taken and not yet made a page of. */
static bool
same_stat_ahead(const struct state_source *os, const struct stat *st)
{
	return os->size == st->st_size && os->mtime_ns == scan_ns(&st->st_mtim) &&
	       os->ctime_ns == scan_ns(&st->st_ctim) && os->ino == (uint64_t)st->st_ino;
}

/* Whether p's source differs from its record in the last build: by its
 * stat first, by its bytes when that differs (*read counts those). */
static bool
source_changed(struct build *b, struct page *p, const struct state_source *os,
	       size_t *read)
{
	if (same_stat(os, p)) {
		p->text_hash = os->hash;
		return false;
	}
	if (p->kind == SRC_FILE)
		return true;	/* copied again; the writer skips equal bytes */
	(*read)++;
	if (render_read(b, p) < 0)
		return true;
	return p->text_hash != os->hash;
}

/* The last build's record of p's source: saved in the walk's order, the
 * one after the last found (*next) while the sources are as they were. */
static const struct state_source *
old_source(struct build *b, const struct page *p, size_t *next, bool *in_order)
{
	const struct vec *saved = &b->old.source_order;

	if (*next < saved->n && strcmp(saved->v[*next], p->src) == 0)
		return &b->old.source_recs[(*next)++];
	*in_order = false;
	return state_source_get(&b->old, p->src);
}

void
plan_source_added(void *arg, struct page *p)
{
	struct build *b = arg;

	if (!b->incremental)
		return;
	p->old_source = old_source(b, p, &b->walk_next, &b->walk_in_order);
	if (!p->old_source || !same_stat(p->old_source, p))
		start_decoding(b);
}

bool
plan_source_peek(void *arg, size_t k, const char *rel, const struct stat *st)
{
	struct build *b = arg;
	const struct vec *saved = &b->old.source_order;
	size_t at = b->walk_next + k;

	if (!b->incremental || b->decoding || !b->walk_in_order || at >= saved->n ||
	    strcmp(saved->v[at], rel) != 0)
		return false;
	if (same_stat_ahead(&b->old.source_recs[at], st))
		return true;
	start_decoding(b);
	return false;
}

bool
plan_sources(struct build *b)
{
	size_t i, read = 0;
	bool quiet = only_sources_left(b);

	/* The head of the state first: sources and outputs as they were (each
	 * source's record found by the walk, plan_source_added). */
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];
		const struct state_source *os = p->old_source;

		if (!p->src)
			continue;
		if (!os) {
			flag_new(p);
			quiet = false;
		} else if (source_changed(b, p, os, &read)) {
			p->change |= CHANGE_TEXT;
			quiet = false;
		}
	}
	/* Sources read because their stat changed though their bytes did
	 * not (a clone, a copy, a touch): the state learns their stat now,
	 * or every build would read them again. */
	if (read) {
		diag_debug(b->diag, "sources: %zu read, their stat changed", read);
		quiet = false;
	}
	/* A source gone: when each page found the next record, none is. */
	if (quiet && !(b->walk_in_order && b->walk_next == b->old.source_order.n))
		for (i = 0; quiet && i < b->old.source_order.n; i++)
			if (!site_page_src(&b->site, b->old.source_order.v[i]))
				quiet = false;
	/* The output directory went away, or files the theme wrote did. */
	if (quiet && (!b->out.existed || access(b->out.manifest, R_OK) != 0))
		quiet = false;
	for (i = 0; quiet && i < b->old.outputs.n; i++)
		if (!output_exists(&b->out, b->old.outputs.v[i]))
			quiet = false;
	if (quiet) {
		finish_decoding(b, false);
		return true;
	}
	/* Something changed: the pages as they were. */
	if (b->incremental && finish_decoding(b, true) < 0) {
		b->incremental = false;
		b->theme_changed = true;
	}
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];

		if (!b->incremental)
			p->old_source = NULL;	/* a damaged state is gone */
		if (!p->src)
			continue;
		p->old = b->incremental ? strmap_gets(&b->old.pages, p->name) : NULL;
		if (!p->old)
			flag_new(p);
	}
	return false;
}

/* ---- dates -------------------------------------------------------------- */

void
plan_dates(struct build *b)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t clamp = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : 0;
	bool walk = b->head && !(b->incremental && same(b->head, b->old.head));
	size_t i;

	if (walk && vcs_times_load(&b->times, b->site.srcdir, b->diag) < 0)
		b->times = NULL;
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];
		const struct state_source *os = p->old_source;
		time_t c, m;

		if (!p->src)
			continue;
		if (b->times && vcs_times_get(b->times, p->src, &c, &m)) {
			p->from_git = true;
		} else if (!walk && b->head && os && os->from_git) {
			/* The history has not moved: its dates stand. */
			c = os->ctime, m = os->mtime;
			p->from_git = true;
		} else {
			c = m = p->mtime;
			if (clamp && m > clamp)
				c = m = clamp;
		}
		p->ctime = p->base_ctime = c;
		p->mtime = p->base_mtime = m;
		/* Scanned again, so meta date applies anew. */
		if (os && (os->ctime != c || os->mtime != m))
			p->change |= CHANGE_DATES;
	}
}

/* ---- restoring scan results ---------------------------------------------- */

/* Whether a dependency of a scan fired: the scans of the last build read
 * pages' texts (template pages, say), by name. */
static bool
scan_dep_fired(struct build *b, const struct dep *d)
{
	const char *name;
	size_t iter = 0;

	while ((name = dep_next_hit(d, &iter))) {
		struct page *q = site_page(&b->site, name);

		if (q ? (q->change & (CHANGE_TEXT | CHANGE_ADDED)) != 0 :
		    strmap_gets(&b->old.pages, name) != NULL)
			return true;
	}
	return false;
}

static bool
scan_deps_fired(struct build *b, const struct deps *d)
{
	size_t i;

	for (i = 0; d && i < d->list.n; i++)
		if (scan_dep_fired(b, d->list.v[i]))
			return true;
	return false;
}

static void
restore_links(struct build *b, struct page *p, const struct state_page *o)
{
	const char *last = NULL, *interned = NULL;
	size_t i;

	page_reserve_links(p, o->nlinks);
	for (i = 0; i < o->nlinks; i++) {
		const struct state_link *l = &o->links[i];

		/* A page's typed links are mostly of one type (its tags): the
		 * site's interned copy, which takes a lock, once. */
		if (l->type && (!last || strcmp(l->type, last) != 0)) {
			last = l->type;
			interned = site_linktype(&b->site, last);
		}
		/* The record's strings stay mapped while the build lasts. */
		page_borrow_link(p, l->target, l->type ? interned : NULL, l->line);
		p->links[p->nlinks - 1].was = l->to;
	}
	p->links_kept = true;
}

bool
plan_restore(struct build *b, struct page *p)
{
	struct state_page *o;

	if (!p->src)	/* a page a plugin made: known by its text */
		p->text_hash = state_hash(STATE_HASH_INIT, p->text, p->len);
	if (!b->incremental)
		return false;
	if (!p->src) {
		p->old = strmap_gets(&b->old.pages, p->name);
		if (!p->old)
			flag_new(p);
		else if (p->old->text_hash != p->text_hash)
			p->change |= CHANGE_TEXT;
		else if (p->old->ctime != p->ctime || p->old->mtime != p->mtime)
			p->change |= CHANGE_DATES;	/* its plugin dates it anew */
	}
	o = p->old;
	if (!o || (p->change & (CHANGE_ADDED | CHANGE_TEXT | CHANGE_DATES)) || o->failed ||
	    o->kind != (int)p->kind || !same(o->type, p->type) ||
	    scan_deps_fired(b, o->scan))
		return false;
	p->body = o->body;
	p->body_line = o->body_line;
	p->ctime = o->ctime;
	p->mtime = o->mtime;
	restore_links(b, p, o);
	cJSON_Delete(p->state);
	p->state = NULL;
	p->saved_state = o->state;
	atomic_store_explicit(&p->state_ready, false, memory_order_relaxed);
	p->scan_deps = o->scan;
	o->scan = NULL;
	p->restored = true;
	return true;
}

bool
plan_text(struct build *b, struct page *p)
{
	bool ok;

	if (!p->src)
		return p->text != NULL;	/* made before rendering began */
	/* Workers may ask for one page's text at once (its own render, the
	 * pages inlining it): it is read under the lock and published whole,
	 * code regions and body offset included, by the flag. */
	if (atomic_load_explicit(&p->text_ready, memory_order_acquire))
		return true;
	pthread_mutex_lock(&b->textlock);
	if (!p->text) {
		/* The body's offset was restored: front matter is not read
		 * again. The same text gives the same body: its code regions,
		 * which render_read finds, stand. */
		size_t body = p->body;
		unsigned line = p->body_line;

		render_read(b, p);
		p->body = body;
		p->body_line = line;
		cJSON_Delete(p->frontmatter);
		p->frontmatter = NULL;
	}
	ok = p->text != NULL;
	if (ok)
		atomic_store_explicit(&p->text_ready, true, memory_order_release);
	pthread_mutex_unlock(&b->textlock);
	return ok;
}

/* ---- what changed -------------------------------------------------------- */

static uint64_t
links_hash(const struct page *p)
{
	uint64_t h = STATE_HASH_INIT;
	size_t i;

	for (i = 0; i < p->nlinks; i++) {
		h = state_hash_str(h, p->links[i].target);
		h = state_hash_str(h, p->links[i].type);
	}
	return h;
}

static uint64_t
old_links_hash(const struct state_page *o)
{
	uint64_t h = STATE_HASH_INIT;
	size_t i;

	for (i = 0; i < o->nlinks; i++) {
		h = state_hash_str(h, o->links[i].target);
		h = state_hash_str(h, o->links[i].type);
	}
	return h;
}

/* Whether p's links lead where the last build's did. */
static bool
same_resolved(const struct page *p, const struct state_page *o)
{
	size_t i;

	if (p->nlinks != o->nlinks)
		return false;
	for (i = 0; i < p->nlinks; i++)
		if (!same(p->links[i].to ? p->links[i].to->name : NULL, o->links[i].to))
			return false;
	return true;
}

/* The hash of p's backlinks' names, made once (the change plan and the
 * save both want it; backlinks stand once the site is linked). */
static uint64_t
plan_backlinks_hash(struct page *p)
{
	uint64_t h = STATE_HASH_INIT;
	size_t i;

	if (p->backlinks_hashed)
		return p->backlinks_hash;
	for (i = 0; i < p->backlinks.n; i++)
		h = state_hash_str(h, ((struct page *)p->backlinks.v[i])->name);
	p->backlinks_hash = h;
	p->backlinks_hashed = true;
	return h;
}

static uint64_t
meta_hash(const char *state, time_t ctime)
{
	return state_hash(state_hash_str(STATE_HASH_INIT, state), &ctime, sizeof(ctime));
}

/* How a page scanned in this build differs from its record. The
 * modification date apart: a list of titles and creation dates does not
 * show it, and every edit moves it. */
static void
compare_scan(struct page *p)
{
	const struct state_page *o = p->old;
	char *json = p->state ? cJSON_PrintUnformatted(p->state) : NULL;

	if (meta_hash(json, p->ctime) != meta_hash(o->state, o->ctime))
		p->change |= CHANGE_META;
	if (p->mtime != o->mtime)
		p->change |= CHANGE_MTIME;
	if (links_hash(p) != old_links_hash(o))
		p->change |= CHANGE_LINKS;
	free(json);
}

/* Whether page q now matches the dependency d. */
static bool
now_matches(struct build *b, const struct dep *d, const struct page *q)
{
	struct pagespec_env env;
	struct buf err = BUF_INIT;
	void **slot;

	if (pagespec_is_simple(d->spec))
		return strcasecmp(d->spec, q->name) == 0;
	slot = strmap_slot(&b->specs, d->spec, strlen(d->spec));
	if (!*slot)
		*slot = pagespec_compile(d->spec, &err);
	buf_release(&err);
	if (!*slot)
		return true;	/* cannot tell: rebuild */
	memset(&env, 0, sizeof(env));
	env.site = &b->site;
	env.location = d->location;
	env.tagbase = config_str(&b->cfg, "tagbase");
	return pagespec_match(*slot, q, &env);
}

/* Whether a change reaches a dependency: a page it reached changed in a way
 * it cares about, or went away, or a changed page now matches it. */
static bool
dep_fired(struct build *b, struct dep *d)
{
	size_t i;

	if (d->fired >= 0)
		return d->fired;
	d->fired = 0;
	for (i = 0; i < b->changed.n && !d->fired; i++) {
		struct page *q = b->changed.v[i];
		unsigned how = dep_hit(d, q->name);

		if (how)
			d->fired = ((how & DEP_CONTENT) &&
				    (q->change & (CHANGE_TEXT | CHANGE_META | CHANGE_MTIME))) ||
				   ((how & DEP_META) && (q->change & CHANGE_META)) ||
				   ((how & DEP_MTIME) && (q->change & CHANGE_MTIME)) ||
				   ((how & DEP_LINKS) && (q->change & CHANGE_LINKS)) ||
				   (q->change & CHANGE_ADDED);
		else if (!(d->type & DEP_ONEPAGE))
			d->fired = (q->change & CHANGED_ITSELF) && now_matches(b, d, q);
	}
	for (i = 0; i < b->deleted.n && !d->fired; i++)
		d->fired = dep_hit(d, b->deleted.v[i]) != 0;
	return d->fired;
}

/* Whether a bestlink a plugin made finds another page now: only when pages
 * came or went. */
static bool
lookups_moved(struct build *b, const struct deps *d)
{
	const char *key, *found;
	size_t iter = 0;
	bool moved = false;

	if (!d || (b->deleted.n == 0 && b->added == 0))
		return false;
	while (!moved && (key = deps_next_lookup(d, &iter, &found))) {
		char *from = xstrdup(key), *nl = strchr(from, '\n');
		struct page *to;

		if (!nl) {
			moved = true;
		} else {
			*nl = '\0';
			to = site_bestlink(&b->site, from, nl + 1, strlen(nl + 1));
			moved = strcmp(to ? to->name : "", found) != 0;
		}
		free(from);
	}
	return moved;
}

static bool
templates_changed(struct build *b, const struct deps *d)
{
	const char *name;
	size_t iter = 0;

	if (b->changed_templates.count == 0)
		return false;
	while (d && (name = deps_next_template(d, &iter)))
		if (strmap_gets(&b->changed_templates, name))
			return true;
	return false;
}

/* The first dependency of d that fired, or NULL. */
static const struct dep *
fired_dep(struct build *b, const struct deps *d)
{
	size_t i;

	for (i = 0; d && i < d->list.n; i++)
		if (dep_fired(b, d->list.v[i]))
			return d->list.v[i];
	return NULL;
}

/* Whether p is to be rendered, and why (said with -v -v). */
static bool
must_render(struct build *b, struct page *p)
{
	const struct dep *d;
	const char *why = NULL;

	if (!b->incremental || !p->old || p->old->failed)
		return true;
	if (p->change & (CHANGED_ITSELF | CHANGE_RESOLVED | CHANGE_BACKLINKS))
		why = "it changed";
	else if (templates_changed(b, p->render_deps))
		why = "a template it uses changed";
	else if (lookups_moved(b, p->render_deps))
		why = "a page it looks up came or went";
	else if ((d = fired_dep(b, p->render_deps)))
		diag_debug(b->diag, "rendering %s: it depends on \"%s\" from %s",
			   p->name, d->spec, d->location);
	else
		return false;
	if (why)
		diag_debug(b->diag, "rendering %s: %s (%#x)", p->name, why, p->change);
	return true;
}

/* Whether the pages' outputs are still there, from listings of their
 * directories (a listing is a few system calls for thousands of names, a
 * stat one for each), on a thread of its own while the pages scan and
 * link. An output is looked for in its directory's listing when that holds
 * other pages' outputs too, or is destdir; a directory holding one page's
 * output alone (a page's own, as usedirs makes) is looked for in its
 * parent's listing instead: such a directory deleted is noticed, the one
 * file deleted from it is not, as it would take a stat for every page.
 * The pages are those the walk found (their outputs' names stand); the
 * thread writes only their output_seen, read once it is joined. */
struct listing {
	struct buf names;	/* each ending in '\0' */
	struct strmap set;	/* borrowed: the names */
	bool missing;		/* not a directory */
};

static const struct listing *
listing_of(struct build *b, struct strmap *lists, const char *dir, size_t len)
{
	void **slot = strmap_slot(lists, dir, len);
	struct listing *l = *slot;
	char *path;
	size_t at, n;

	if (l)
		return l;
	l = xcalloc(1, sizeof(*l));
	buf_init(&l->names);
	strmap_init_borrowed(&l->set);
	path = xstrndup(dir, len);
	l->missing = output_list(&b->out, path, &l->names) < 0;
	free(path);
	for (at = 0, n = 0; at < l->names.len; at++)
		n += l->names.data[at] == '\0';
	strmap_reserve(&l->set, n);
	for (at = 0; at < l->names.len; at += n + 1) {
		n = strlen(l->names.data + at);
		strmap_put(&l->set, l->names.data + at, n, l);
	}
	*slot = l;
	return l;
}

static void
free_listing(void *v)
{
	struct listing *l = v;

	strmap_release(&l->set, NULL);
	buf_release(&l->names);
	free(l);
}

static void *
look_for_outputs(void *arg)
{
	struct build *b = arg;
	struct strmap outputs_in = STRMAP_INIT, lists = STRMAP_INIT;
	size_t i;

	strmap_reserve(&outputs_in, b->outputs_n);
	for (i = 0; i < b->outputs_n; i++) {
		const char *dest = b->outputs_pages[i]->dest;
		void **n;

		if (!dest)
			continue;
		n = strmap_slot(&outputs_in, dest, path_dirlen(dest, strlen(dest)));
		*n = (void *)((uintptr_t)*n + 1);
	}
	for (i = 0; i < b->outputs_n; i++) {
		struct page *p = b->outputs_pages[i];
		const struct listing *l;
		size_t len, dir, at;

		if (!p->dest)
			continue;
		/* The name looked for, dest[at, len), in the listing of
		 * dest[0, dir). */
		len = strlen(p->dest);
		dir = path_dirlen(p->dest, len);
		if (dir && (uintptr_t)strmap_get(&outputs_in, p->dest, dir) == 1) {
			len = dir;	/* its own directory, in its parent */
			dir = path_dirlen(p->dest, len);
		}
		at = dir ? dir + 1 : 0;
		l = listing_of(b, &lists, p->dest, dir);
		p->output_seen = !l->missing && strmap_get(&l->set, p->dest + at, len - at) ? 1 : 2;
	}
	strmap_release(&outputs_in, NULL);
	strmap_release(&lists, free_listing);
	return NULL;
}

void
plan_outputs(struct build *b)
{
	if (!b->incremental)
		return;
	b->outputs_n = b->site.pages.n;
	b->outputs_pages = xcalloc(b->outputs_n + 1, sizeof(*b->outputs_pages));
	memcpy(b->outputs_pages, b->site.pages.v, b->outputs_n * sizeof(*b->outputs_pages));
	b->outputs_looking = pthread_create(&b->outputs_thread, NULL, look_for_outputs, b) == 0;
	if (!b->outputs_looking)
		look_for_outputs(b);
}

/* An output someone deleted is written again. */
static void
outputs_missing(struct build *b)
{
	size_t i;

	if (b->outputs_looking)
		pthread_join(b->outputs_thread, NULL);
	b->outputs_looking = false;
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];

		if (p->dest && !p->render &&
		    (p->output_seen ? p->output_seen == 2 : !output_exists(&b->out, p->dest)))
			p->render = true;
	}
}

bool
plan_same_pages(struct build *b)
{
	size_t i;

	b->same_pages = false;
	if (!b->incremental || b->site.pages.n != b->old.pages.count)
		return false;
	for (i = 0; i < b->site.pages.n; i++) {
		const struct page *p = b->site.pages.v[i];

		if (!p->old && !strmap_gets(&b->old.pages, p->name))
			return false;
	}
	b->same_pages = true;
	return true;
}

/* Whether every link leads where it led in the last build, so no page's
 * backlinks moved either: the pages are the same, and each page's links
 * are the ones restored (site_link took them where they led) or lead to
 * the same pages as its record's. Only the pages scanned again are
 * compared, a few in a build after an edit. */
static bool
links_stand(struct build *b)
{
	size_t i;

	if (!b->same_pages)
		return false;
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];
		const struct state_page *o = p->old ? p->old : strmap_gets(&b->old.pages, p->name);

		if (!(p->restored && p->links_kept) && !(o && same_resolved(p, o)))
			return false;
	}
	return true;
}

/* How page i differs from its record: its own fields, and its record's,
 * alone are read and written. */
static void
compare_one(size_t i, unsigned w, void *arg)
{
	struct build *b = arg;
	struct page *p = b->site.pages.v[i];

	(void)w;
	if (!p->old && !(p->change & CHANGE_ADDED))
		p->old = strmap_gets(&b->old.pages, p->name);
	if (!p->old) {
		flag_new(p);
		return;
	}
	if (!p->restored)
		compare_scan(p);
	if (b->links_stand) {
		/* Its backlinks are the last build's, and so is their hash:
		 * not made again from every backlink's name. */
#ifdef WEFT_CHECK_STATE
		if (plan_backlinks_hash(p) != p->old->backlinks_hash) {
			fprintf(stderr, "weft: plan: the backlinks of %s moved\n", p->name);
			abort();
		}
#endif
		p->backlinks_hash = p->old->backlinks_hash;
		p->backlinks_hashed = true;
	} else {
		if (!same_resolved(p, p->old))
			p->change |= CHANGE_RESOLVED;
		if (plan_backlinks_hash(p) != p->old->backlinks_hash)
			p->change |= CHANGE_BACKLINKS;
	}
	if (!p->render_deps) {
		p->render_deps = p->old->render;
		p->old->render = NULL;
	}
}

void
plan_changes(struct build *b)
{
	struct strmap_entry *e;
	size_t i, iter = 0, n = b->site.pages.n;

	if (b->incremental) {
		b->links_stand = links_stand(b);
		pool_run(pool_threads(b->nthreads, n), n, compare_one, b);
		for (i = 0; i < n; i++) {
			struct page *p = b->site.pages.v[i];

			b->added += (p->change & CHANGE_ADDED) != 0;
			if (p->change & CHANGED_ITSELF)
				vec_push(&b->changed, p);
		}
		/* With the same pages, none is gone. */
		while (!b->same_pages && (e = strmap_next(&b->old.pages, &iter)))
			if (!site_page(&b->site, e->key))
				vec_push(&b->deleted, e->key);
	}
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];

		if (p->dest)
			p->render = p->kind == SRC_FILE ?
				!b->incremental || (p->change & (CHANGE_ADDED | CHANGE_TEXT)) :
				p->kind == SRC_PAGE && must_render(b, p);
	}
	if (b->incremental)
		outputs_missing(b);
	for (i = 0; !b->theme_changed && i < b->old.outputs.n; i++)
		if (!output_exists(&b->out, b->old.outputs.v[i]))
			b->theme_changed = true;
}

/* ---- the next build's state -------------------------------------------- */

/* Whether p's record in the last build is its record now, byte for byte:
 * a page this build neither scanned nor rendered, in which it saw nothing
 * change (links found, backlinks, state). */
static bool
record_stands(const struct page *p)
{
	return p->old && p->restored && !p->render && !p->change && !p->failed &&
	       p->saved_state == p->old->state && (p->old->state || !p->state);
}

/* The record of p made from its fields. It borrows its strings from the
 * page (the state is saved and dropped while the site stands), its saved
 * state text included: only the links array and state JSON printed here
 * are its own, freed by free_record. */
static struct state_page *
make_record(struct page *p)
{
	struct state_page *s = xcalloc(1, sizeof(*s));
	size_t i;

	s->name = p->name;
	s->src = p->src;
	s->kind = (int)p->kind;
	s->type = (char *)p->type;
	s->ctime = p->ctime;
	s->mtime = p->mtime;
	s->size = p->size;
	s->body = p->body;
	s->body_line = p->body_line;
	s->text_hash = p->text_hash;
	s->nlinks = p->nlinks;
	s->links = xcalloc(p->nlinks + 1, sizeof(*s->links));
	for (i = 0; i < p->nlinks; i++) {
		s->links[i].target = p->links[i].target;
		s->links[i].type = (char *)p->links[i].type;
		s->links[i].line = p->links[i].line;
		s->links[i].to = p->links[i].to ? p->links[i].to->name : NULL;
	}
	if (p->saved_state)
		s->state = (char *)p->saved_state;
	else if (p->state)
		s->state = cJSON_PrintUnformatted(p->state);
	s->backlinks_hash = plan_backlinks_hash(p);
	s->failed = p->failed;
	s->scan = p->scan_deps;
	s->render = p->render_deps;
	return s;
}

static void
free_record(struct state_page *s, const struct page *p)
{
	free(s->links);
	if (s->state != p->saved_state)
		free(s->state);
	free(s);
}

/* A record that stands is the one read, lent the page's dependencies while
 * it is saved (state_save copies its bytes where it can); builds that
 * check each copy (the sanitizers') also make it from the page's fields,
 * which must make those bytes. Records go in site order, which is name
 * order, so the save sorts nothing. */
static struct state_page *
save_page(struct page *p)
{
	struct state_page *s;

	if (!record_stands(p))
		return make_record(p);
	s = p->old;
	s->scan = p->scan_deps;
	s->render = p->render_deps;
#ifdef WEFT_CHECK_STATE
	s->made = make_record(p);
#endif
	return s;
}

struct saving {
	struct page **pages;
	struct state_page **recs;
};

/* Page i's record, made on any worker: after a full build each is new,
 * its state printed as JSON, and the main thread alone spent most of
 * the save phase (100-130 ms of a 1.6 s build of 10,000 posts) on
 * them. */
static void
save_range(size_t i, unsigned w, void *arg)
{
	const struct saving *sv = arg;

	(void)w;
	sv->recs[i] = save_page(sv->pages[i]);
}

static void
unsave_page(struct state_page *s, const struct page *p)
{
	if (s != p->old) {
		free_record(s, p);
		return;
	}
	s->scan = s->render = NULL;	/* lent: the page keeps its dependencies */
#ifdef WEFT_CHECK_STATE
	free_record((struct state_page *)s->made, p);
	s->made = NULL;
#endif
}

/* Appends p's source to st: called in the walk's order, which the next
 * walk follows again. */
static void
save_source(struct state *st, const struct page *p)
{
	struct state_source *s = &st->source_recs[st->source_order.n];

	vec_push(&st->source_order, p->src);
	s->size = p->size;
	s->mtime_ns = p->mtime_ns;
	s->ctime_ns = p->ctime_ns;
	s->ino = p->ino;
	s->hash = p->text_hash;
	s->ctime = p->base_ctime;
	s->mtime = p->base_mtime;
	s->from_git = p->from_git;
}

/* The digest of every template some page used: as the build started, or as
 * the theme read it when it was first used. */
static void
save_templates(struct build *b, struct state *st)
{
	struct buf d = BUF_INIT;
	const char *last = NULL;
	size_t i;

	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];
		const char *name;
		size_t iter = 0;

		while (p->render_deps && (name = deps_next_template(p->render_deps, &iter))) {
			void **slot;
			const char *known;

			/* Page after page uses the same template: not looked
			 * up again. */
			if (last && strcmp(name, last) == 0)
				continue;
			last = name;
			slot = strmap_slot(&st->templates, name, strlen(name));
			if (*slot)
				continue;
			known = strmap_gets(&b->template_digests, name);
			if (!known)
				known = theme_digest_read(&b->theme, name);
			if (known) {
				*slot = xstrdup(known);
			} else {
				theme_template_digest(&b->theme, name, &d);
				*slot = buf_detach(&d, NULL);
			}
		}
	}
	buf_release(&d);
}

/* The sources' texts, which nothing needs any more (plan_text reads one
 * again for whoever asks): freed before the state is written, its buffers
 * take their memory rather than fresh (first touches are slow). A page a
 * plugin made keeps its text, which is not in any file. */
static void
drop_texts(struct build *b)
{
	size_t i;

	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];

		if (!p->src || !p->text)
			continue;
		atomic_store_explicit(&p->text_ready, false, memory_order_relaxed);
		free(p->text);
		p->text = NULL;
	}
}

int
plan_save(struct build *b)
{
	struct state st;
	struct saving sv;
	struct page **walked;	/* the sources in the walk's order */
	size_t i;
	int rc;

	if (b->opts.check)
		return 0;
	drop_texts(b);
	state_init(&st, &b->deps);
	st.config = xstrdup(b->digest_config);
	st.plugins = xstrdup(b->digest_plugins);
	st.theme = xstrdup(b->digest_theme);
	st.head = b->head ? xstrdup(b->head) : NULL;
	st.source_recs = xcalloc(b->site.pages.n + 1, sizeof(*st.source_recs));
	walked = xcalloc(b->site.pages.n + 1, sizeof(*walked));
	sv.pages = (struct page **)b->site.pages.v;
	sv.recs = xcalloc(b->site.pages.n + 1, sizeof(*sv.recs));
	pool_run(pool_threads(b->nthreads, b->site.pages.n), b->site.pages.n, save_range, &sv);
	st.order.v = (void **)sv.recs;
	st.order.n = st.order.cap = b->site.pages.n;
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];

		if (p->src && p->walked && p->walked <= b->site.pages.n)
			walked[p->walked - 1] = p;
	}
	for (i = 0; i < b->site.pages.n; i++)
		if (walked[i])
			save_source(&st, walked[i]);
	free(walked);
	save_templates(b, &st);
	for (i = 0; i < b->theme_outputs.n; i++)
		vec_push(&st.outputs, xstrdup(b->theme_outputs.v[i]));
	rc = state_save(&st, &b->old, b->statefile, b->diag);
	for (i = 0; i < st.order.n; i++)	/* one record per page, in order */
		unsave_page(st.order.v[i], b->site.pages.v[i]);
	state_release(&st);
	return rc;
}

static void
free_spec(void *p)
{
	pagespec_free(p);
}

void
plan_end(struct build *b)
{
	if (!b->statefile)
		return;
	finish_decoding(b, false);
	state_release(&b->old);
	depstore_release(&b->deps);
	strmap_release(&b->changed_templates, NULL);
	strmap_release(&b->template_digests, free);
	strmap_release(&b->specs, free_spec);
	pthread_mutex_destroy(&b->textlock);
	vec_release(&b->changed);
	vec_release(&b->deleted);
	free(b->digest_config);
	free(b->digest_plugins);
	free(b->digest_theme);
	free(b->head);
	free(b->statefile);
	if (b->outputs_looking)
		pthread_join(b->outputs_thread, NULL);
	free(b->outputs_pages);
}
