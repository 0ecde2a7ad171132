/* test-strmap.c — the hash map and vec. */
#include <stdio.h>
#include <string.h>

#include "strmap.h"
#include "tap.h"

int
main(void)
{
	struct strmap m = STRMAP_INIT;
	struct strmap_entry *e;
	struct vec v = VEC_INIT;
	char key[32];
	size_t i, iter = 0, seen = 0;
	int ok = 1;

	tap_ok(strmap_gets(&m, "x") == NULL, "empty map finds nothing");
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key%zu", i);
		strmap_put(&m, key, strlen(key), (void *)(i + 1));
	}
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key%zu", i);
		if (strmap_gets(&m, key) != (void *)(i + 1))
			ok = 0;
	}
	tap_ok(ok, "5000 keys survive growth");
	tap_ok(m.count == 5000, "count");
	tap_ok(strmap_put(&m, "key7", 4, (void *)9) == (void *)8, "put returns the old value");
	tap_ok(strmap_get(&m, "key7xyz", 4) == (void *)9, "keys are (ptr, len)");
	tap_ok(strmap_get(&m, "a\0b", 3) == NULL, "a key with a NUL is distinct");
	strmap_put(&m, "a\0b", 3, (void *)1);
	tap_ok(strmap_get(&m, "a\0b", 3) == (void *)1 && strmap_get(&m, "a", 1) == NULL,
	       "binary keys");
	while ((e = strmap_next(&m, &iter)))
		seen++;
	tap_ok(seen == m.count, "iteration visits every entry");
	strmap_release(&m, NULL);

	for (i = 0; i < 100; i++)
		vec_push(&v, (void *)i);
	tap_ok(v.n == 100 && v.v[99] == (void *)99, "vec push");
	vec_release(&v);
	return tap_done();
}
