/* yamldoc.h — YAML read into cJSON values, with libyaml: the only file that
 * includes libyaml's yaml.h. */
#ifndef WEFT_YAMLDOC_H
#define WEFT_YAMLDOC_H

#include <stddef.h>

struct cJSON;
struct diag;

/* Where a mapping key was found, for messages about it. */
struct yaml_keyline {
	char *key;		/* a top-level key of the document's mapping */
	unsigned line;
};

struct yaml_doc {
	struct cJSON *root;	/* NULL for an empty document */
	unsigned line;		/* where root starts, 0 when it is NULL */
	struct yaml_keyline *keys;	/* the top-level keys, in document order
					 * (a repeated key once, in its first
					 * place, with the line of its last) */
	size_t nkeys;
};

/*
 * Reads the first document of text[0, len) (named file in messages; its
 * first line is line first_line of the file). Mappings become objects,
 * sequences arrays, and every scalar a string, as Perl's YAML reader gives
 * them to ikiwiki ("1", "yes" and "on" stay strings; the accessors of
 * config.h interpret them); a plain "~" or "null" or an empty value is
 * null. Aliases are resolved. A repeated key keeps the last value.
 *
 * Malformed YAML, nesting deeper than 64, or aliases expanding beyond 1 MB
 * of values are reported as "file:line: ..." and give -1 (doc is then
 * empty). Never crashes or hangs on any input.
 */
int yaml_read(struct yaml_doc *doc, const char *text, size_t len,
	      const char *file, unsigned first_line, struct diag *d);
void yaml_doc_release(struct yaml_doc *doc);

#endif
