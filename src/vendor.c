/* vendor.c — the bundled plugins and theme, written into a site. */
#include "vendor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "embed.h"
#include "path.h"

/* Whether path holds exactly the n bytes at data. */
static bool
holds(const char *path, const unsigned char *data, size_t n)
{
	FILE *f = fopen(path, "rb");
	unsigned char chunk[8192];
	size_t off = 0, k;
	bool same = true;

	if (!f)
		return false;
	while (same && (k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		same = off + k <= n && memcmp(chunk, data + off, k) == 0;
		off += k;
	}
	fclose(f);
	return same && off == n;
}

static bool
exists(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (f)
		fclose(f);
	return f != NULL;
}

static int
put(struct vendor_report *r, const char *path, const struct embedded_file *f,
    bool force, struct diag *d)
{
	FILE *out;

	if (holds(path, f->data, f->len)) {
		r->same++;
		return 0;
	}
	if (!force && exists(path)) {
		r->kept++;
		diag_note(d, path, 0, "differs from weft's copy; kept (--force replaces it)");
		return 0;
	}
	if (path_mkdirs_parent(path) < 0 || !(out = fopen(path, "wb")))
		return diag_error(d, path, 0, "cannot write: %s", strerror(errno));
	if (fwrite(f->data, 1, f->len, out) != f->len || fclose(out) != 0)
		return diag_error(d, path, 0, "cannot write: %s", strerror(errno));
	r->copied++;
	return 0;
}

int
vendor_copy(struct vendor_report *r, const char *plugindir, const char *themedir,
	    bool force, struct diag *d)
{
	struct buf path = BUF_INIT;
	size_t i;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < embedded_count; i++) {
		const struct embedded_file *f = &embedded_files[i];

		buf_reset(&path);
		if (strncmp(f->path, "plugins/", 8) == 0)
			path_join(&path, plugindir, f->path + 8);
		else if (strncmp(f->path, "themes/", 7) == 0)
			path_join(&path, themedir, f->path + 7);
		else
			continue;
		if (put(r, path.data, f, force, d) < 0)
			rc = -1;
	}
	buf_release(&path);
	return rc;
}
