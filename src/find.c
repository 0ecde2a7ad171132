/* find.c — substring search by the needle's rarest byte. */
#include "find.h"

#include <string.h>

/* A rarest byte ranked this common turns up every few bytes of text:
 * memchr would stop at each, and glibc's memmem, which steps by up to
 * the needle's length, does better. */
enum { RANK_COMMON = 245 };

/* How common each byte is, higher for more common: the order of their
 * frequency in the benchmark blog's Markdown and HTML, averaged (English
 * letter order, with HTML's punctuation among the letters; ',' moved up
 * to where English has it, and a few bytes the blog lacks put in). Only
 * the order matters. Bytes not listed (controls, rare punctuation,
 * UTF-8) are rarest. */
static const unsigned char byte_rank[256] = {
	[' '] = 255, ['e'] = 254, ['t'] = 253, ['a'] = 252, ['i'] = 251,
	['s'] = 250, ['o'] = 249, ['r'] = 248, ['n'] = 247, ['\n'] = 246,
	['l'] = 245, ['d'] = 244, ['c'] = 243, ['p'] = 242, ['h'] = 241,
	['"'] = 240, ['<'] = 239, ['>'] = 238, ['/'] = 237, ['g'] = 236,
	['m'] = 235, ['u'] = 234, ['.'] = 233, ['-'] = 232, ['='] = 231,
	['b'] = 230, ['f'] = 229, ['0'] = 228, ['v'] = 227, ['w'] = 226,
	['|'] = 225, ['y'] = 224, ['k'] = 223, ['2'] = 222, ['1'] = 221,
	['['] = 220, [']'] = 219, ['4'] = 218, ['3'] = 217, ['5'] = 216,
	['8'] = 215, ['6'] = 214, [':'] = 213, ['7'] = 212, ['9'] = 211,
	['x'] = 210, ['S'] = 209, ['`'] = 208, ['*'] = 207, ['C'] = 206,
	['!'] = 205, ['T'] = 204, ['q'] = 203, ['P'] = 202, ['M'] = 201,
	['('] = 200, [')'] = 199, ['#'] = 198, ['B'] = 197, ['L'] = 196,
	['j'] = 195, ['F'] = 193, ['D'] = 192, ['+'] = 191,
	['A'] = 190, ['W'] = 189, ['_'] = 188, ['N'] = 187, ['O'] = 186,
	['E'] = 185, ['R'] = 184, ['z'] = 183, ['H'] = 182,
	[','] = 233, ['\''] = 200, ['&'] = 200, [';'] = 199, ['\t'] = 195,
	['?'] = 190,
};

/* The index of needle's rarest byte (the first, of equals). */
static size_t
rarest(const unsigned char *needle, size_t nlen)
{
	size_t i, best = 0;

	for (i = 1; i < nlen; i++)
		if (byte_rank[needle[i]] < byte_rank[needle[best]])
			best = i;
	return best;
}

const char *
find_mem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const unsigned char *n = (const unsigned char *)needle;
	const char *p, *last;
	size_t r;

	if (nlen == 0)
		return hay;
	if (nlen > hlen)
		return NULL;
	r = rarest(n, nlen);
	if (byte_rank[n[r]] >= RANK_COMMON)
		return memmem(hay, hlen, needle, nlen);
	/* The rare byte of a match at start s is at s + r, and s + nlen
	 * fits in hay: it is looked for in [hay + r, last]. */
	p = hay + r;
	last = hay + (hlen - nlen) + r;
	while (p <= last && (p = memchr(p, n[r], (size_t)(last - p) + 1))) {
		const char *s = p - r;
		size_t i = nlen;

		/* By hand: the needles are short, a call to memcmp costs
		 * more than the comparison. From the end: markers share
		 * their starts ('<div class="...'), a wrong one differs
		 * at once there. */
		while (i > 0 && s[i - 1] == needle[i - 1])
			i--;
		if (i == 0)
			return s;
		p++;
	}
	return NULL;
}
