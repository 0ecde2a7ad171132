/* find.h — substring search, for the short needles weft looks for in
 * page text and HTML ("pages=", "```", a plugin's marker). */
#ifndef WEFT_FIND_H
#define WEFT_FIND_H

#include <stddef.h>

/*
 * The first occurrence of needle[0..nlen) in hay[0..hlen), or NULL; an
 * empty needle is found at hay. Like memmem, but faster where weft uses
 * it: glibc's memmem steps through the haystack a byte or two at a time
 * for a short needle, while this memchr()s (which tests many bytes at
 * once) for the needle's rarest byte, by a fixed rank of how often each
 * byte appears in text and HTML, and compares only where it is found.
 * A needle made only of the commonest bytes (such as "    ") is left
 * to memmem, as memchr would stop every few bytes.
 */
const char *find_mem(const char *hay, size_t hlen, const char *needle,
		     size_t nlen);

#endif
