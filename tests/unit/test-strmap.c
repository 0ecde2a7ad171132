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

	{
		size_t cap;

		strmap_reserve(&m, 1000);
		cap = m.cap;
		for (i = 0; i < 1000; i++) {
			snprintf(key, sizeof(key), "r%zu", i);
			strmap_put(&m, key, strlen(key), (void *)(i + 1));
		}
		tap_ok(cap >= 1024 && m.cap == cap, "reserved room takes its entries without growing");
		tap_ok(strmap_gets(&m, "r999") == (void *)1000, "and finds them");
		strmap_reserve(&m, 10);
		tap_ok(m.cap == cap && m.count == 1000, "reserving less changes nothing");
		strmap_release(&m, NULL);
	}

	/* A borrowing map keeps the caller's keys, through growth and a
	 * release that leaves them to their owner (ASan would see a free). */
	{
		char keys[100][8];
		int same = 1;

		strmap_init_borrowed(&m);
		for (i = 0; i < 100; i++) {
			snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
			strmap_put(&m, keys[i], strlen(keys[i]), keys[i]);
		}
		iter = 0;
		while ((e = strmap_next(&m, &iter)))
			same &= e->key == e->val;
		tap_ok(same && m.count == 100, "a borrowing map holds the caller's keys, not copies");
		tap_ok(strmap_gets(&m, "k42") == keys[42], "and finds them by their bytes");
		strmap_release(&m, NULL);
		tap_ok(m.borrowed && m.count == 0, "released, it still borrows");
	}

	for (i = 0; i < 100; i++)
		vec_push(&v, (void *)i);
	tap_ok(v.n == 100 && v.v[99] == (void *)99, "vec push");
	vec_release(&v);
	return tap_done();
}
