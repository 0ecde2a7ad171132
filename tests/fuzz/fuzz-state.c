/* fuzz-state.c — libFuzzer target: the build state file (.weft/state),
 * which a crash, a full disk or another version can leave damaged. It is
 * read whole (head, then pages), saved again and read back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "deps.h"
#include "diag.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file holding data, named by a path state_load can open. */
static int
memfile(const void *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("state", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* Reads the state at path whole; the number of pages it holds. */
static size_t
load(struct state *st, struct depstore *deps, const char *path, struct diag *d)
{
	struct strmap_entry *e;
	size_t iter = 0, n = 0, i;

	depstore_init(deps);
	state_init(st, deps);
	state_load(st, path, d);
	state_load_pages(st, d);
	while ((e = strmap_next(&st->pages, &iter))) {
		struct state_page *p = e->val;

		if (!p->name || strcmp(p->name, e->key) != 0)
			abort();	/* a record without its name */
		/* Written from its fields: copying a record as it was read
		 * is the planner's (t0501 under the sanitizers checks it),
		 * and a record the fuzzer wrote need not be in the form
		 * weft writes. */
		p->raw = NULL;
		for (i = 0; i < p->nlinks; i++)
			if (!p->links[i].target)
				abort();
		n++;
	}
	return n;
}

static void
unload(struct state *st, struct depstore *deps)
{
	state_release(st);
	depstore_release(deps);
}

static char scratch_dir[64];

static void
remove_scratch(void)
{
	rmdir(scratch_dir);
}

/* Where states are saved: one directory for the run, on tmpfs when the
 * machine has one, removed at exit. */
static const char *
scratch(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	if (!scratch_dir[0]) {
		snprintf(scratch_dir, sizeof(scratch_dir), "%s/fuzz-state.XXXXXX", base);
		if (mkdtemp(scratch_dir))
			atexit(remove_scratch);
		else
			scratch_dir[0] = '\0';
	}
	return scratch_dir[0] ? scratch_dir : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *out = fopen("/dev/null", "w");
	struct depstore deps, deps2;
	struct state st, st2;
	struct diag d;
	char path[64], saved[96];
	const char *dir = scratch();
	size_t n;
	int fd;

	if (!out)
		return 0;
	diag_init(&d, out, 0);
	fd = memfile(data, size, path, sizeof(path));
	if (fd >= 0) {
		n = load(&st, &deps, path, &d);
		/* What was read is written the same way and reads back. */
		if (dir && n > 0) {
			snprintf(saved, sizeof(saved), "%s/state", dir);
			if (state_save(&st, saved, &d) == 0) {
				if (load(&st2, &deps2, saved, &d) != n)
					abort();
				unload(&st2, &deps2);
			}
			unlink(saved);
		}
		unload(&st, &deps);
		close(fd);
	}
	diag_release(&d);
	fclose(out);
	return 0;
}
