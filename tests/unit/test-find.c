/* test-find.c — find_mem against the cases a wrong search gets wrong, and
 * against a plain search over many small strings. */
#include <stdint.h>
#include <string.h>

#include "find.h"
#include "tap.h"

/* The offset find_mem gives, -1 for none. */
static long
at(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const char *p = find_mem(hay, hlen, needle, nlen);

	return p ? (long)(p - hay) : -1;
}

/* The first match, one offset after another: what find_mem must agree
 * with. */
static long
slow(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i;

	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return (long)i;
	return -1;
}

/* Every needle of up to 4 bytes from a small alphabet (a common byte, a
 * rare one, a byte above 127, NUL) in every haystack of up to 7 bytes
 * from it: each place a rare byte can be, twice, or at an edge. */
static void
exhaustive(void)
{
	static const char alpha[] = { 'e', '`', (char)0xc3, '\0' };
	char hay[8], needle[5];
	size_t hlen, nlen, bad = 0, tried = 0;
	uint32_t h, nd, k, hmax, nmax;

	for (nlen = 1; nlen <= 4; nlen++) {
		for (nmax = 1, k = 0; k < nlen; k++)
			nmax *= 4;
		for (nd = 0; nd < nmax; nd++) {
			for (k = 0; k < nlen; k++)
				needle[k] = alpha[nd >> (2 * k) & 3];
			for (hlen = 0; hlen <= 7; hlen++) {
				for (hmax = 1, k = 0; k < hlen; k++)
					hmax *= 4;
				for (h = 0; h < hmax; h++) {
					for (k = 0; k < hlen; k++)
						hay[k] = alpha[h >> (2 * k) & 3];
					bad += at(hay, hlen, needle, nlen) !=
					    slow(hay, hlen, needle, nlen);
					tried++;
				}
			}
		}
	}
	tap_ok(bad == 0, "exhaustive: %zu of %zu searches differ from a plain one", bad, tried);
}

int
main(void)
{
	const char *t = "pages:\"x\" and pages=";

	tap_is_int(at("pages=x", 7, "pages=", 6), 0, "needle at the start");
	tap_is_int(at(t, strlen(t), "pages=", 6), 14, "first of two, the second at the end");
	tap_is_int(at("xx pages", 8, "pages=", 6), -1, "the needle cut short at the end");
	tap_is_int(at("a````b", 6, "```", 3), 1, "overlapping: the first of two");
	tap_is_int(at("`` `` ```", 9, "```", 3), 6, "repeated byte, short runs before");
	tap_is_int(at("~~ ~~~", 6, "~~~", 3), 3, "needle ending the haystack");
	tap_is_int(at("aab", 3, "ab", 2), 1, "a false start");
	tap_is_int(at("abc", 3, "abcd", 4), -1, "needle longer than the haystack");
	tap_is_int(at("", 0, "a", 1), -1, "empty haystack");
	tap_is_int(at("abc", 3, "", 0), 0, "empty needle found at the start");
	tap_is_int(at("", 0, "", 0), 0, "empty needle in empty haystack");
	tap_is_int(at("caf\xc3\xa9 \xc3\xa9t\xc3\xa9", 11, "\xc3\xa9t", 3), 6,
	    "bytes above 127");
	tap_is_int(at("a\0b\0c", 5, "\0c", 2), 3, "NUL bytes");
	/* The rare byte found where the match would start before hay. */
	tap_is_int(at("`ab`x", 5, "ab`x", 4), 1, "rare byte inside the needle, also earlier");
	tap_is_int(at("`abc", 4, "a`", 2), -1, "rare byte with no room before it");
	tap_is_int(at("x    y", 6, "    ", 4), 1, "a needle of common bytes");
	exhaustive();
	return tap_done();
}
