/* fuzz-scrub.c — libFuzzer target: the HTML scrubber, with htmlscrubber's
 * kind of lists. What it writes must hold no tag it does not allow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scrub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
words(struct strmap *m, const char *list)
{
	const char *s = list;

	while (*s) {
		size_t n = strcspn(s, " ");

		strmap_put(m, s, n, m);
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
		words(&p.tags, "a b br div img p span ul li");
		words(&p.attrs, "class id title alt");
		words(&p.url_attrs, "href src");
		words(&p.schemes, "http https mailto");
		words(&p.drop, "script style");
		words(&p.void_tags, "br img");
		ready = 1;
	}
	scrub_html(&out, s, size, &p, size % 2 == 0);
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
