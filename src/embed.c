/* embed.c — lookups in the files compiled into the binary. */
#include "embed.h"

#include <string.h>

static const struct embedded_file *
search(const struct embedded_file *files, size_t n, const char *path)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, files[mid].path);

		if (c == 0)
			return &files[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct embedded_file *
embed_find(const char *path)
{
	return search(embedded_files, embedded_count, path);
}

const struct embedded_file *
embed_find_bytecode(const char *path)
{
	return search(embedded_bytecode, embedded_bytecode_count, path);
}
