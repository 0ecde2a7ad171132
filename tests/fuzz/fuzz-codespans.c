/* fuzz-codespans.c — libFuzzer target: md_code_free, the look at a
 * Markdown text's lines that spares weft a parse, against the parse. When
 * it says no "[[" can lie in code, no code range md_code_parse finds may
 * hold or touch one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct spans code = { 0 };
	size_t i, k;

	/* cmark reads a NUL as U+FFFD, three bytes: its positions shift. */
	if (memchr(data, 0, size))
		return 0;
	md_init();
	if (!md_code_free(text, size))
		return 0;
	md_code_parse(&code, text, size);
	for (i = 0; i < code.n; i++) {
		size_t from = code.v[i].start ? code.v[i].start - 1 : 0;

		for (k = from; k + 1 < size && k < code.v[i].end; k++)
			if (text[k] == '[' && text[k + 1] == '[')
				abort();
	}
	spans_release(&code);
	return 0;
}
