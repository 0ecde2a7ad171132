/* site.c — the page table, its indexes, and ikiwiki's bestlink. */
#include "site.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "deps.h"
#include "md.h"
#include "pagespec.h"
#include "pool.h"
#include "xalloc.h"

void
site_init(struct site *s)
{
	memset(s, 0, sizeof(*s));
	/* Keyed by the pages' own name and source (never changed once set). */
	strmap_init_borrowed(&s->byname);
	strmap_init_borrowed(&s->bylcname);
	strmap_init(&s->bydest);
	strmap_init_borrowed(&s->bysrc);
	strmap_init(&s->types);
	strmap_init(&s->linktypes);
	strmap_init(&s->parents);
	pthread_mutex_init(&s->lock, NULL);
	s->usedirs = true;
	site_add_type(s, "mdwn", SRC_PAGE);
	site_add_type(s, "md", SRC_PAGE);
	site_add_type(s, "_comment", SRC_INTERNAL);
}

enum src_kind
site_kind(const struct site *s, const char *ext)
{
	void *v = ext ? strmap_gets(&s->types, ext) : NULL;

	return v ? (enum src_kind)((uintptr_t)v - 1) : SRC_FILE;
}

void
site_add_type(struct site *s, const char *ext, enum src_kind kind)
{
	strmap_put(&s->types, ext, strlen(ext), (void *)(uintptr_t)(kind + 1));
}

void
page_free(struct page *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nlinks; i++)
		if (!p->links[i].borrowed)
			free(p->links[i].target);
	free(p->links);
	page_clear_settled(p);
	cJSON_Delete(p->state);
	cJSON_Delete(p->frontmatter);
	if (p->code) {
		spans_release(p->code);
		free(p->code);
	}
	deps_free(p->scan_deps);
	deps_free(p->render_deps);
	vec_release(&p->backlinks);
	if (p->lcname != p->name)
		free(p->lcname);
	free(p->name);
	free(p->src);
	free(p->dest);
	free(p->url);
	free(p->text);
	free(p);
}

void
site_release(struct site *s)
{
	size_t i;

	for (i = 0; i < s->pages.n; i++)
		page_free(s->pages.v[i]);
	vec_release(&s->pages);
	strmap_release(&s->byname, NULL);
	strmap_release(&s->bylcname, NULL);
	strmap_release(&s->bydest, NULL);
	vec_release(&s->unplaced);
	strmap_release(&s->bysrc, NULL);
	strmap_release(&s->types, NULL);
	strmap_release(&s->linktypes, NULL);
	strmap_release(&s->parents, NULL);
	pthread_mutex_destroy(&s->lock);
	pagespec_index_free(s->psindex);
	s->psindex = NULL;
	free(s->srcdir);
	free(s->destdir);
	free(s->statedir);
}

/* name[0, n) lowercased: name itself when it has no uppercase letter, as
 * most page names have none (a copy fewer for every page of a site). */
static char *
lower(char *name, size_t n)
{
	size_t i = 0;
	char *l;

	while (i < n && name[i] == (char)tolower((unsigned char)name[i]))
		i++;
	if (i == n)
		return name;
	l = xstrndup(name, n);
	for (; i < n; i++)
		l[i] = (char)tolower((unsigned char)l[i]);
	return l;
}

struct page *
site_add(struct site *s, const char *name)
{
	size_t n = strlen(name);
	char *own = xstrndup(name, n);
	void **slot = strmap_slot(&s->byname, own, n);	/* the map borrows own */
	struct page *p;

	if (*slot) {
		free(own);
		return NULL;
	}
	s->parents_ready = false;
	p = xcalloc(1, sizeof(*p));
	p->name = own;
	p->lcname = lower(p->name, n);
	*slot = p;
	vec_push(&s->pages, p);
	/* Until site_sort, the first added wins case-insensitive lookups. */
	slot = strmap_slot(&s->bylcname, p->lcname, n);
	if (!*slot)
		*slot = p;
	else
		s->lcshared = true;
	return p;
}

void
site_reserve(struct site *s, size_t n)
{
	n += s->pages.n;
	s->pages.v = xgrow(s->pages.v, &s->pages.cap, n, sizeof(*s->pages.v));
	strmap_reserve(&s->byname, n);
	strmap_reserve(&s->bylcname, n);
	strmap_reserve(&s->bysrc, n);
}

struct page *
site_page(const struct site *s, const char *name)
{
	return strmap_gets(&s->byname, name);
}

const char *
site_linktype(struct site *s, const char *type)
{
	const char *t;

	pthread_mutex_lock(&s->lock);
	t = strmap_intern(&s->linktypes, type, strlen(type));
	pthread_mutex_unlock(&s->lock);
	return t;
}

struct page *
site_page_src(const struct site *s, const char *src)
{
	return strmap_gets(&s->bysrc, src);
}

/* The n bytes at name in lower case, in small when they fit (256 bytes),
 * else in memory the caller frees when it is not small. */
static char *
lower_into(char *small, const char *name, size_t n)
{
	char *l = n < 256 ? small : xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		l[i] = (char)tolower((unsigned char)name[i]);
	l[n] = '\0';
	return l;
}

struct page *
site_page_ci(const struct site *s, const char *name)
{
	size_t n = strlen(name);
	char small[256], *l = lower_into(small, name, n);
	struct page *p = strmap_get(&s->bylcname, l, n);

	if (l != small)
		free(l);
	return p;
}

static int
page_cmp(const void *a, const void *b)
{
	const struct page *x = *(struct page *const *)a;
	const struct page *y = *(struct page *const *)b;

	return strcmp(x->name, y->name);
}

/* Merges the sorted pages from the sorted ones before them, in place;
 * returns the first place that changed. */
static size_t
merge_added(struct site *s, size_t from)
{
	void **v = s->pages.v, **added;
	size_t n = s->pages.n, i = from, j = n, k = n, first;

	if (from == 0 || from == n || page_cmp(&v[from - 1], &v[from]) < 0)
		return from;
	added = xcalloc(n - from, sizeof(*added));
	memcpy(added, v + from, (n - from) * sizeof(*added));
	/* From the back: the largest of the two runs' ends goes last. */
	while (j > from) {
		if (i > 0 && page_cmp(&v[i - 1], &added[j - from - 1]) > 0)
			v[--k] = v[--i];
		else
			v[--k] = added[--j - from];
	}
	first = i;
	free(added);
	return first;
}

void
site_sort(struct site *s)
{
	size_t i, from = s->sorted <= s->pages.n ? s->sorted : 0, changed;

	/* The walk adds a directory's pages in order, and a plugin's pages
	 * come after the ones sorted before: those are sorted on their own,
	 * then merged in. */
	for (i = from + 1; i < s->pages.n && page_cmp(&s->pages.v[i - 1], &s->pages.v[i]) < 0; i++)
		;
	if (i < s->pages.n)
		qsort(s->pages.v + from, s->pages.n - from, sizeof(*s->pages.v), page_cmp);
	/* Every name a page lives under; those of the pages sorted before
	 * stand, as pages are only ever added. */
	if (from == 0)
		strmap_release(&s->parents, NULL);
	for (i = from; i < s->pages.n; i++) {
		const char *name = ((struct page *)s->pages.v[i])->lcname, *c;

		for (c = strchr(name, '/'); c; c = strchr(c + 1, '/'))
			strmap_put(&s->parents, name, (size_t)(c - name), s);
	}
	s->parents_ready = true;
	changed = merge_added(s, from);
	for (i = changed; i < s->pages.n; i++)
		((struct page *)s->pages.v[i])->pos = i;
	/* The first by name wins a lower-case name two pages share. */
	if (s->lcshared) {
		strmap_release(&s->bylcname, NULL);
		for (i = 0; i < s->pages.n; i++) {
			struct page *p = s->pages.v[i];
			void **slot = strmap_slot(&s->bylcname, p->lcname, strlen(p->lcname));

			if (!*slot)
				*slot = p;
		}
	}
	s->sorted = s->pages.n;
}

static void
append_link(struct page *p, char *target, const char *type, unsigned line, bool borrowed)
{
	p->links = xgrow(p->links, &p->caplinks, p->nlinks + 1, sizeof(*p->links));
	p->links[p->nlinks++] = (struct link){
		.target = target, .type = type, .line = line, .borrowed = borrowed,
	};
	p->links_kept = false;	/* a new link's place is not known */
}

void
page_settle(struct page *p, size_t start, size_t end, const char *html, size_t len)
{
	struct settled *s;

	p->settled = xgrow(p->settled, &p->capsettled, p->nsettled + 1, sizeof(*p->settled));
	s = &p->settled[p->nsettled++];
	s->start = start;
	s->end = end;
	s->html = len ? xstrndup(html, len) : NULL;
	s->len = len;
}

const struct settled *
page_settled(const struct page *p, size_t start, size_t end)
{
	size_t lo = 0, hi = p->nsettled;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->settled[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nsettled && p->settled[lo].start == start && p->settled[lo].end == end)
		return &p->settled[lo];
	return NULL;
}

void
page_clear_settled(struct page *p)
{
	size_t i;

	for (i = 0; i < p->nsettled; i++)
		free(p->settled[i].html);
	free(p->settled);
	p->settled = NULL;
	p->nsettled = p->capsettled = 0;
}

void
page_add_link(struct page *p, const char *target, size_t len, const char *type,
	      unsigned line)
{
	append_link(p, xstrndup(target, len), type, line, false);
}

void
page_reserve_links(struct page *p, size_t n)
{
	if (n > p->caplinks - p->nlinks) {
		p->links = xrealloc(p->links, (p->nlinks + n) * sizeof(*p->links));
		p->caplinks = p->nlinks + n;
	}
}

void
page_borrow_link(struct page *p, const char *target, const char *type, unsigned line)
{
	append_link(p, (char *)target, type, line, true);
}

/* Looks up name exactly, then case-insensitively. */
static struct page *
lookup(const struct site *s, const char *name, size_t n)
{
	struct page *p = strmap_get(&s->byname, name, n);
	char small[256], *l;

	if (p)
		return p;
	l = lower_into(small, name, n);
	p = strmap_get(&s->bylcname, l, n);
	if (l != small)
		free(l);
	return p;
}

/* Whether some page's name starts with dir/ (in any case). */
static bool
has_children(const struct site *s, const char *dir, size_t n)
{
	char small[256], *l = lower_into(small, dir, n);
	bool yes = strmap_get(&s->parents, l, n) != NULL;

	if (l != small)
		free(l);
	return yes;
}

/* Looks up dir[0, n) "/" link[0, len) (link alone when n is 0), composed
 * on the stack when it fits: bestlink tries several for every link of
 * every page. */
static struct page *
lookup_under(const struct site *s, const char *dir, size_t n, const char *link, size_t len)
{
	char small[256];
	struct buf big = BUF_INIT;
	char *at = n + 1 + len <= sizeof(small) ? small : NULL;
	size_t total = n ? n + 1 + len : len;
	struct page *p;

	if (!at) {
		buf_grow(&big, total);
		at = big.data;
	}
	memcpy(at, dir, n);
	if (n)
		at[n] = '/';
	memcpy(at + (n ? n + 1 : 0), link, len);
	p = lookup(s, at, total);
	buf_release(&big);
	return p;
}

struct page *
site_bestlink(const struct site *s, const char *from, const char *link, size_t len)
{
	struct page *found = NULL;
	size_t cwd;

	if (len && link[0] == '/') {
		while (len && link[0] == '/')
			link++, len--;
		from = "";
	}
	while (len && link[len - 1] == '/')
		len--;
	if (!len)
		return NULL;
	cwd = strlen(from);
	for (;;) {
		/* No page lives under from[0..cwd): nothing to find there. */
		if (!(cwd && s->parents_ready && !has_children(s, from, cwd)) &&
		    (found = lookup_under(s, from, cwd, link, len)))
			break;
		if (!cwd)
			break;
		while (cwd && from[cwd - 1] != '/')
			cwd--;
		if (cwd)
			cwd--;
	}
	if (!found && s->userdir && *s->userdir) {
		char small[256], *lower = lower_into(small, link, len);

		found = lookup_under(s, s->userdir, strlen(s->userdir), lower, len);
		if (lower != small)
			free(lower);
	}
	return found;
}

struct linking {
	const struct site *site;
	bool same_pages;
};

/* Where page i's links lead: each page's own, the site only read. */
static void
link_one(size_t i, unsigned w, void *arg)
{
	const struct linking *k = arg;
	struct page *p = k->site->pages.v[i];
	bool kept = k->same_pages && p->links_kept;
	size_t j;

	(void)w;
	for (j = 0; j < p->nlinks; j++) {
		struct link *l = &p->links[j];

		if (kept)
			l->to = l->was ? site_page(k->site, l->was) : NULL;
		else
			l->to = site_bestlink(k->site, p->name, l->target, strlen(l->target));
	}
}

void
site_link(struct site *s, bool same_pages, unsigned jobs)
{
	size_t i, j;

	pool_run(pool_threads(jobs, s->pages.n), s->pages.n, link_one,
		 &(struct linking){ s, same_pages });
	for (i = 0; i < s->pages.n; i++)
		((struct page *)s->pages.v[i])->backlinks.n = 0;
	for (i = 0; i < s->pages.n; i++) {
		struct page *p = s->pages.v[i];

		for (j = 0; j < p->nlinks; j++) {
			struct page *to = p->links[j].to;

			if (!to || to == p)
				continue;
			/* Pages are visited in name order (site_sort), so
			 * backlinks come out sorted and a repeat is last. */
			if (to->backlinks.n && to->backlinks.v[to->backlinks.n - 1] == p)
				continue;
			vec_push(&to->backlinks, p);
		}
	}
}

/* Most restored pages' state is never read: it is parsed on first use,
 * under a lock since any worker may ask, and published by the flag. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;

const struct cJSON *
page_state_root(const struct page *p)
{
	struct page *w = (struct page *)p;

	if (!p->saved_state || atomic_load_explicit(&p->state_ready, memory_order_acquire))
		return p->state;
	pthread_mutex_lock(&state_lock);
	if (!atomic_load_explicit(&p->state_ready, memory_order_relaxed)) {
		w->state = cJSON_Parse(p->saved_state);
		atomic_store_explicit(&w->state_ready, true, memory_order_release);
	}
	pthread_mutex_unlock(&state_lock);
	return p->state;
}

const struct cJSON *
page_state(const struct page *p, const char *plugin, const char *key)
{
	const cJSON *root = page_state_root(p), *obj;

	if (!root)
		return NULL;
	obj = cJSON_GetObjectItemCaseSensitive(root, plugin);
	return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

const char *
page_state_str(const struct page *p, const char *plugin, const char *key)
{
	const cJSON *v = page_state(p, plugin, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The object of plugin in p's state, to be changed: made when missing if
 * make, else NULL then. */
static cJSON *
state_to_change(struct page *p, const char *plugin, bool make)
{
	cJSON *obj;

	/* Once changed, the saved text no longer stands for it. */
	page_state_root(p);
	p->saved_state = NULL;
	if (!p->state)
		p->state = cJSON_CreateObject();
	obj = cJSON_GetObjectItemCaseSensitive(p->state, plugin);
	if (!obj && make)
		obj = cJSON_AddObjectToObject(p->state, plugin);
	return obj;
}

int
page_state_append(struct page *p, const char *plugin, const char *key, cJSON *val)
{
	cJSON *obj = state_to_change(p, plugin, true);
	cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!list)
		list = cJSON_AddArrayToObject(obj, key);
	else if (!cJSON_IsArray(list))
		return -1;
	cJSON_AddItemToArray(list, val);
	return 0;
}

void
page_state_set(struct page *p, const char *plugin, const char *key, cJSON *val)
{
	cJSON *obj = state_to_change(p, plugin, val != NULL);

	if (!obj)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (val)
		cJSON_AddItemToObject(obj, key, val);
}
