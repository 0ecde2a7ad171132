/* embed.h — the bundled theme and plugins, compiled into the binary. */
#ifndef WEFT_EMBED_H
#define WEFT_EMBED_H

#include <stddef.h>

/* A file from the project tree, by its path there: "themes/default/
 * templates/page.tmpl", "plugins/meta.lua". data is NUL-terminated. */
struct embedded_file {
	const char *path;
	const unsigned char *data;
	size_t len;
};

/* Sorted by path. */
extern const struct embedded_file *const embedded_files;
extern const size_t embedded_count;

/* The file at path, or NULL. */
const struct embedded_file *embed_find(const char *path);

/* The bundled plugins again, compiled to Lua bytecode (debug information
 * kept), each under its source's path ("plugins/meta.lua") and compiled
 * under the name of a plugin taken from the binary: "@(built in)
 * plugins/meta.lua". Sorted by path. */
extern const struct embedded_file *const embedded_bytecode;
extern const size_t embedded_bytecode_count;

/* The bytecode of the plugin whose source is at path, or NULL. */
const struct embedded_file *embed_find_bytecode(const char *path);

#endif
