/* scss.h — SCSS to CSS with libsass: the only file that includes sass.h. */
#ifndef WEFT_SCSS_H
#define WEFT_SCSS_H

#include "buf.h"

struct diag;

/* Reads the file at path (relative to the theme's root, such as
 * "scss/style.scss") into text; 0, or -1 when there is none (quietly: the
 * importer tries several names). */
typedef int (*scss_load_fn)(const char *path, struct buf *text, void *arg);

/*
 * Compiles the SCSS file entry, read through load, to CSS appended to css.
 * @import "x" inside a file in directory D tries D/x.scss, D/_x.scss,
 * D/x/_index.scss, all through load, so a theme compiles the same from the
 * site's disk and from the copy embedded in the binary. An error is
 * reported as "FILE:LINE: message" through d (FILE as load named it,
 * prefixed with label and '/'), and -1 returned. The output is
 * deterministic (no timestamps, no absolute paths, no source map).
 */
int scss_compile(struct buf *css, const char *entry, const char *label,
		 scss_load_fn load, void *arg, struct diag *d);

#endif
