/* fuzz-state.c — libFuzzer target: the build state (.weft/state and the
 * files beside it), which a crash, a full disk or another version can
 * leave damaged. An input is the head, then each file it names (the
 * dependencies', then the parts) after a line SEP. It is read whole (head,
 * then pages), saved again and read back. */
#include <dirent.h>
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

#define SEP "\n--weft-state-file--\n"
#define MAX_BLOBS 80

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

/* Reads the state whole: the head at path, then the nblobs files beside
 * it given (when there are none, those it names beside it); the number of
 * pages it holds. */
static size_t
load(struct state *st, struct depstore *deps, const char *path,
     const struct state_blob *blobs, size_t nblobs, struct diag *d)
{
	struct strmap_entry *e;
	size_t iter = 0, n = 0, i;

	depstore_init(deps);
	state_init(st, deps);
	state_load(st, path, d);
	if (!nblobs)
		state_load_pages(st, d);
	else if (st->path)	/* the head was read */
		state_decoded(st, state_decode_blobs(st, blobs, nblobs, NULL) < 0 ? -1 : 0, d);
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

/* Empties the scratch directory (a saved head and the files beside it). */
static void
clear_scratch(void)
{
	DIR *dp = opendir(scratch_dir);
	struct dirent *e;

	while (dp && (e = readdir(dp)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(dp), e->d_name, 0);
	if (dp)
		closedir(dp);
}

static void
remove_scratch(void)
{
	clear_scratch();
	rmdir(scratch_dir);
}

/* Cuts data at each SEP: the head, then up to MAX_BLOBS files. */
static size_t
split(const uint8_t *data, size_t size, size_t *headlen, struct state_blob *blobs)
{
	size_t seplen = strlen(SEP), n = 0, at = 0, i;
	size_t cut[MAX_BLOBS + 1];

	for (i = 0; i + seplen <= size && n <= MAX_BLOBS; i++)
		if (memcmp(data + i, SEP, seplen) == 0) {
			cut[n++] = i;
			i += seplen - 1;
		}
	*headlen = n ? cut[0] : size;
	for (i = 0; i < n; i++) {
		at = cut[i] + seplen;
		blobs[i].data = data + at;
		blobs[i].len = (i + 1 < n ? cut[i + 1] : size) - at;
		blobs[i].hash = 0;
	}
	return n;
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
	struct state_blob blobs[MAX_BLOBS + 1];
	struct diag d;
	char path[64], saved[96];
	const char *dir = scratch();
	size_t n, headlen, nblobs = split(data, size, &headlen, blobs);
	int fd;

	if (!out)
		return 0;
	diag_init(&d, out, 0);
	fd = memfile(data, headlen, path, sizeof(path));
	if (fd >= 0) {
		n = load(&st, &deps, path, blobs, nblobs, &d);
		/* What was read is written the same way and reads back from
		 * its files. */
		if (dir && n > 0) {
			snprintf(saved, sizeof(saved), "%s/state", dir);
			if (state_save(&st, NULL, saved, &d) == 0) {
				if (load(&st2, &deps2, saved, NULL, 0, &d) != n)
					abort();
				unload(&st2, &deps2);
			}
			clear_scratch();
		}
		unload(&st, &deps);
		close(fd);
	}
	diag_release(&d);
	fclose(out);
	return 0;
}
