/* test-deps.c — a dependency's hits: as the last state saved them (sorted,
 * searched), then as this build records them. */
#include <stdio.h>
#include <string.h>

#include "deps.h"
#include "pagespec.h"
#include "tap.h"
#include "xalloc.h"

/* A page's deps as a state holds them, in one block: what they say, and a
 * dependency added after (its list then its own). */
static void
read_back(struct depstore *s)
{
	struct dep *list[2] = { depstore_get(s, "tagged(x)", "a", DEP_PRESENCE),
				depstore_get(s, "b/c", "a", DEP_CONTENT) };
	const char *lookups[4] = { "a\nb", "b", "a\nnone", NULL };
	const char *templates[1] = { "page.tmpl" };
	struct dep *more = depstore_get(s, "posts/*", "a", DEP_LINKS);
	struct deps *d = deps_read(list, 2, lookups, 2, templates, 1);
	const char *key, *found;
	size_t iter = 0;

	tap_ok(d->list.n == 2 && d->list.v[0] == list[0] && d->list.v[1] == list[1],
	       "deps read back list their dependencies in order");
	key = deps_next_lookup(d, &iter, &found);
	tap_ok(key && strcmp(key, "a\nb") == 0 && strcmp(found, "b") == 0, "and their lookups");
	key = deps_next_lookup(d, &iter, &found);
	tap_ok(key && strcmp(key, "a\nnone") == 0 && strcmp(found, "") == 0 &&
	       !deps_next_lookup(d, &iter, &found), "a lookup that found nothing, last");
	iter = 0;
	key = deps_next_template(d, &iter);
	tap_ok(key && strcmp(key, "page.tmpl") == 0 && !deps_next_template(d, &iter),
	       "and their templates");
	deps_add(d, list[1]);
	tap_ok(d->list.n == 2, "a dependency they list is not added twice");
	deps_add(d, more);
	deps_add(d, list[0]);
	tap_ok(d->list.n == 3 && d->list.v[0] == list[0] && d->list.v[1] == list[1] &&
	       d->list.v[2] == more, "a new one is added after them, once");
	deps_free(d);
	d = deps_read(NULL, 0, NULL, 0, NULL, 0);
	iter = 0;
	tap_ok(d->list.n == 0 && !deps_next_lookup(d, &iter, &found) &&
	       !deps_next_template(d, &iter), "deps read back empty say nothing");
	deps_free(d);
}

int
main(void)
{
	static const char *const names[] = { "a", "b/c", "b/d", "index", "posts/x", "posts/y" };
	struct depstore s;
	struct dep *d;
	struct deprec rec;
	const char *name;
	size_t i, iter = 0, n = sizeof(names) / sizeof(names[0]);
	int ok = 1;

	depstore_init(&s);
	d = depstore_get(&s, "posts/*", "index", DEP_CONTENT);
	d->saved = xcalloc(n, sizeof(*d->saved));
	for (i = 0; i < n; i++) {
		d->saved[i].page = names[i];
		d->saved[i].type = i % 2 ? DEP_PRESENCE : DEP_CONTENT;
	}
	d->nsaved = n;
	for (i = 0; i < n; i++)
		if (dep_hit(d, names[i]) != (i % 2 ? DEP_PRESENCE : DEP_CONTENT))
			ok = 0;
	tap_ok(ok, "every saved hit is found, with its type");
	tap_ok(dep_hit(d, "") == 0 && dep_hit(d, "b") == 0 && dep_hit(d, "posts/z") == 0 &&
	       dep_hit(d, "zzz") == 0, "names between, before and after them are not");
	for (i = 0; (name = dep_next_hit(d, &iter)); i++)
		if (i >= n || strcmp(name, names[i]) != 0)
			ok = 0;
	tap_ok(ok && i == n, "the saved hits are visited in order");

	/* Recorded again: the fresh hits answer, the saved ones stay for
	 * saving. */
	tap_ok(deps_record(&rec, &s, "posts/*", "index", DEP_CONTENT) && rec.dep == d,
	       "the same key records the same dependency");
	deps_hit(&rec, "posts/new", DEP_CONTENT);
	deps_commit(&rec, &s);
	tap_ok(d->fresh && dep_hit(d, "posts/new") == DEP_CONTENT && dep_hit(d, "a") == 0,
	       "fresh hits answer once recorded");
	iter = 0;
	tap_ok((name = dep_next_hit(d, &iter)) && strcmp(name, "posts/new") == 0 &&
	       !dep_next_hit(d, &iter), "and are the ones visited");
	tap_ok(d->nsaved == n, "the saved hits are kept");
	read_back(&s);
	depstore_release(&s);
	return tap_done();
}
