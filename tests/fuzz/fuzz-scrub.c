/* fuzz-scrub.c — libFuzzer target: the HTML scrubber, with htmlscrubber's
 * kind of lists. What it writes must hold no tag it does not allow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scrub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
words(struct scrub_policy *p, enum scrub_role role, const char *list)
{
	const char *s = list;

	while (*s) {
		size_t n = strcspn(s, " ");

		scrub_policy_add(p, s, n, role);
		s += n;
		s += strspn(s, " ");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scrub_policy p;
	static int ready;
	struct buf out = BUF_INIT, again = BUF_INIT;
	const char *s = (const char *)data;

	if (!ready) {
		scrub_policy_init(&p);
		words(&p, SCRUB_TAG, "a b br div img p span ul li");
		words(&p, SCRUB_ATTR, "class id title alt");
		words(&p, SCRUB_URL_ATTR, "href src");
		words(&p, SCRUB_SCHEME, "http https mailto");
		words(&p, SCRUB_DROP, "script style");
		words(&p, SCRUB_VOID, "br img");
		ready = 1;
	}
	/* Said to be left as it is, it must be: the caller uses its own copy. */
	if (scrub_html(&out, s, size, &p, size % 2 == 0) &&
	    (out.len != size || (size && memcmp(out.data, s, size) != 0)))
		abort();
	scrub_safe_url(s, size, &p);
	/* Whatever came in, no script element comes out, not even after a
	 * second pass over the output. */
	if (out.data && strcasestr(out.data, "<script"))
		abort();
	scrub_html(&again, out.data ? out.data : "", out.len, &p, false);
	if (again.data && strcasestr(again.data, "<script"))
		abort();
	buf_release(&out);
	buf_release(&again);
	return 0;
}
