/* deps.c — the dependency records of incremental builds. */
#include "deps.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pagespec.h"
#include "xalloc.h"

void
depstore_init(struct depstore *s)
{
	pthread_mutex_init(&s->lock, NULL);
	strmap_init(&s->bykey);
	memset(&s->all, 0, sizeof(s->all));
}

static void
dep_free(struct dep *d)
{
	free(d->spec);
	free(d->location);
	strmap_release(&d->hits, NULL);
	free(d->saved);
	free(d);
}

void
depstore_release(struct depstore *s)
{
	size_t i;

	for (i = 0; i < s->all.n; i++)
		dep_free(s->all.v[i]);
	vec_release(&s->all);
	strmap_release(&s->bykey, NULL);
	pthread_mutex_destroy(&s->lock);
}

static void
key_of(struct buf *k, const char *spec, const char *location, unsigned type)
{
	buf_printf(k, "%u\n%s\n%s", type, location ? location : "", spec);
}

/* Called with the lock held. */
static struct dep *
get_locked(struct depstore *s, const char *spec, const char *location,
	   unsigned type)
{
	struct buf k = BUF_INIT;
	void **slot;
	struct dep *d;

	key_of(&k, spec, location, type);
	slot = strmap_slot(&s->bykey, k.data, k.len);
	buf_release(&k);
	if (*slot)
		return *slot;
	d = xcalloc(1, sizeof(*d));
	d->spec = xstrdup(spec);
	d->location = xstrdup(location ? location : "");
	d->type = type;
	d->fired = -1;
	strmap_init(&d->hits);
	d->id = (uint32_t)s->all.n;
	d->saved_id = UINT32_MAX;
	vec_push(&s->all, d);
	*slot = d;
	return d;
}

struct dep *
depstore_get(struct depstore *s, const char *spec, const char *location,
	     unsigned type)
{
	struct dep *d;

	pthread_mutex_lock(&s->lock);
	d = get_locked(s, spec, location, type);
	pthread_mutex_unlock(&s->lock);
	return d;
}

struct deps *
deps_new(void)
{
	return xcalloc(1, sizeof(struct deps));
}

/* The bytes of a block deps_read makes: the struct, then its arrays of
 * pointers (SIZE_MAX, which xmalloc refuses, when that overflows). */
static size_t
block_size(size_t n, size_t nlookups, size_t ntemplates)
{
	size_t max = (SIZE_MAX - sizeof(struct deps)) / sizeof(void *) / 4;

	if (n > max || nlookups > max || ntemplates > max)
		return SIZE_MAX;
	return sizeof(struct deps) + (n + 2 * nlookups + ntemplates) * sizeof(void *);
}

struct deps *
deps_read(struct dep *const *list, size_t n, const char *const *lookups, size_t nlookups,
	  const char *const *templates, size_t ntemplates)
{
	struct deps *d = xmalloc(block_size(n, nlookups, ntemplates));
	void **at = (void **)(d + 1);

	memset(d, 0, sizeof(*d));
	d->in_block = true;
	if (n) {
		d->list.v = at;
		d->list.n = d->list.cap = n;
		memcpy(at, list, n * sizeof(*at));
		at += n;
	}
	if (nlookups) {
		d->saved_lookups = (const char **)at;
		d->nsaved_lookups = nlookups;
		memcpy(at, lookups, 2 * nlookups * sizeof(*at));
		at += 2 * nlookups;
	}
	if (ntemplates) {
		d->saved_templates = (const char **)at;
		d->nsaved_templates = ntemplates;
		memcpy(at, templates, ntemplates * sizeof(*at));
	}
	return d;
}

static struct deps_maps *
maps_of(struct deps *d)
{
	if (!d->maps) {
		d->maps = xcalloc(1, sizeof(*d->maps));
		strmap_init(&d->maps->seen);
		strmap_init(&d->maps->lookups);
		strmap_init(&d->maps->templates);
	}
	return d->maps;
}

/* Whether d's list is its own array (else in its block). */
static bool
list_owned(const struct deps *d)
{
	return !d->in_block || d->list.v != (void **)(d + 1);
}

void
deps_free(struct deps *d)
{
	size_t i;

	if (!d)
		return;
	if (list_owned(d))
		vec_release(&d->list);
	if (d->maps) {
		strmap_release(&d->maps->seen, NULL);
		strmap_release(&d->maps->lookups, free);
		strmap_release(&d->maps->templates, NULL);
		free(d->maps);
	}
	for (i = 0; i < d->outputs.n; i++)
		free(d->outputs.v[i]);
	vec_release(&d->outputs);
	free(d);
}

const char *
deps_next_lookup(const struct deps *d, size_t *iter, const char **found)
{
	struct strmap_entry *e;
	const char *key;

	if (d->saved_lookups) {
		if (*iter >= d->nsaved_lookups)
			return NULL;
		key = d->saved_lookups[2 * *iter];
		*found = d->saved_lookups[2 * *iter + 1] ? d->saved_lookups[2 * *iter + 1] : "";
		++*iter;
		return key;
	}
	if (!d->maps || !(e = strmap_next(&d->maps->lookups, iter)))
		return NULL;
	*found = e->val;
	return e->key;
}

const char *
deps_next_template(const struct deps *d, size_t *iter)
{
	struct strmap_entry *e;

	if (d->saved_templates)
		return *iter < d->nsaved_templates ? d->saved_templates[(*iter)++] : NULL;
	e = d->maps ? strmap_next(&d->maps->templates, iter) : NULL;
	return e ? e->key : NULL;
}

/* Whether the saved hits are the ones that answer. */
static bool
answers_saved(const struct dep *d)
{
	return !d->fresh && d->nsaved;
}

unsigned
dep_hit(const struct dep *d, const char *page)
{
	size_t lo = 0, hi = d->nsaved;

	if (!answers_saved(d))
		return (unsigned)(uintptr_t)strmap_gets(&d->hits, page);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(page, d->saved[mid].page);

		if (c == 0)
			return d->saved[mid].type;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

const char *
dep_next_hit(const struct dep *d, size_t *iter)
{
	struct strmap_entry *e;

	if (answers_saved(d))
		return *iter < d->nsaved ? d->saved[(*iter)++].page : NULL;
	e = strmap_next(&d->hits, iter);
	return e ? e->key : NULL;
}

void
deps_add(struct deps *d, struct dep *dep)
{
	struct deps_maps *m = maps_of(d);
	void **slot;
	size_t i;

	/* A list read from a state: its own array now, each dep seen. */
	if (!list_owned(d)) {
		struct vec own = VEC_INIT;

		vec_extend(&own, &d->list);
		d->list = own;
		for (i = 0; i < d->list.n; i++)
			strmap_put(&m->seen, (const char *)&d->list.v[i], sizeof(void *), d->list.v[i]);
	}
	slot = strmap_slot(&m->seen, (const char *)&dep, sizeof(dep));
	if (*slot)
		return;
	*slot = dep;
	vec_push(&d->list, dep);
}

void
deps_lookup(struct deps *d, const char *from, const char *link, const char *found)
{
	struct buf k = BUF_INIT;
	void **slot;

	buf_cat(&k, from, "\n", link, NULL);
	slot = strmap_slot(&maps_of(d)->lookups, k.data, k.len);
	if (!*slot)
		*slot = xstrdup(found ? found : "");
	buf_release(&k);
}

void
deps_template(struct deps *d, const char *name)
{
	strmap_slot(&maps_of(d)->templates, name, strlen(name));
}

void
deps_output(struct deps *d, const char *path)
{
	vec_push(&d->outputs, xstrdup(path));
}

bool
deps_record(struct deprec *rec, struct depstore *s, const char *spec,
	    const char *location, unsigned type)
{
	pthread_mutex_lock(&s->lock);
	rec->dep = get_locked(s, spec, location, type);
	rec->recording = !rec->dep->fresh;
	pthread_mutex_unlock(&s->lock);
	strmap_init(&rec->hits);
	return rec->recording;
}

void
deps_hit(struct deprec *rec, const char *page, unsigned type)
{
	void **slot;

	if (!rec->recording)
		return;
	slot = strmap_slot(&rec->hits, page, strlen(page));
	*slot = (void *)((uintptr_t)*slot | type);
}

void
deps_commit(struct deprec *rec, struct depstore *s)
{
	pthread_mutex_lock(&s->lock);
	if (rec->recording && !rec->dep->fresh) {
		/* The hits read from the last build's state give way: the
		 * firing decisions that needed them are made before rendering. */
		strmap_release(&rec->dep->hits, NULL);
		rec->dep->hits = rec->hits;
		rec->dep->fresh = true;
		strmap_init(&rec->hits);
	}
	pthread_mutex_unlock(&s->lock);
	strmap_release(&rec->hits, NULL);
}

unsigned
deps_type(const char *words)
{
	unsigned t = 0;

	if (!words || !*words)
		return DEP_CONTENT;
	if (strstr(words, "content"))
		t |= DEP_CONTENT;
	if (strstr(words, "presence"))
		t |= DEP_PRESENCE;
	if (strstr(words, "links"))
		t |= DEP_LINKS;
	if (strstr(words, "meta"))
		t |= DEP_META;
	if (strstr(words, "mtime"))
		t |= DEP_MTIME;
	return t ? t : DEP_CONTENT;
}
