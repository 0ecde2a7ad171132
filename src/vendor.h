/* vendor.h — copying the bundled plugins and theme into a site, so it
 * carries everything it needs. */
#ifndef WEFT_VENDOR_H
#define WEFT_VENDOR_H

#include <stdbool.h>

struct diag;

struct vendor_report {
	unsigned copied;	/* files written */
	unsigned same;		/* already there with the same bytes */
	unsigned kept;		/* there with other bytes: the site's own edit, kept */
};

/* Copies every bundled plugin into plugindir and the default theme into
 * themedir/default. A file the site already has with other bytes is kept
 * unless force is set. 0, or -1 after reporting. */
int vendor_copy(struct vendor_report *r, const char *plugindir,
		const char *themedir, bool force, struct diag *d);

#endif
