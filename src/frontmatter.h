/* frontmatter.h — a YAML front matter block at the top of a page. */
#ifndef WEFT_FRONTMATTER_H
#define WEFT_FRONTMATTER_H

#include <stddef.h>

#include "yamldoc.h"

struct diag;

/*
 * When text starts with a line "---" and a later line "---" or "..." closes
 * the block, reads the YAML between them into fm (it must be a mapping) and
 * sets *body to the offset of the text after the closing line and *body_line
 * to that line's number. Returns 1 when there was a block, 0 when there was
 * none (*body = 0, *body_line = 1), -1 when the block is malformed: that is
 * reported with file and the line inside the page, and *body still skips
 * the block so the rest of the page renders.
 */
int frontmatter_read(struct yaml_doc *fm, size_t *body, unsigned *body_line,
		     const char *text, size_t len, const char *file,
		     struct diag *d);

#endif
