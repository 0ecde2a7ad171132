/* test-deps.c — a dependency's hits: as the last state saved them (sorted,
 * searched), then as this build records them. */
#include <stdio.h>
#include <string.h>

#include "deps.h"
#include "pagespec.h"
#include "tap.h"
#include "xalloc.h"

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
	depstore_release(&s);
	return tap_done();
}
