/* output.c — atomic, change-only writes confined to destdir. */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "path.h"
#include "xalloc.h"

/* How many parent directories output_write keeps open. */
#define PARENTS_MAX 64

int
output_open(struct output *o, const char *destdir, const char *statedir,
	    bool dry_run, struct diag *d)
{
	struct buf b = BUF_INIT;

	memset(o, 0, sizeof(*o));
	o->dirfd = -1;
	o->pid = (long)getpid();
	o->diag = d;
	o->dry_run = dry_run;
	o->destdir = xstrdup(destdir);
	pthread_mutex_init(&o->lock, NULL);
	strmap_init(&o->claimed);
	strmap_init(&o->parents);
	path_join(&b, statedir, "outputs");
	o->manifest = buf_detach(&b, NULL);
	path_join(&b, statedir, "writing");
	o->marker = buf_detach(&b, NULL);
	o->existed = access(destdir, F_OK) == 0;
	if (dry_run)
		return 0;
	/* A marker left behind means a build was killed while writing. */
	o->sweep = access(o->marker, F_OK) == 0;
	if (path_mkdirs(destdir) < 0)
		return diag_error(d, destdir, 0, "cannot create: %s", strerror(errno));
	o->dirfd = open(destdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0)
		return diag_error(d, destdir, 0, "cannot open: %s", strerror(errno));
	return 0;
}

void
output_close(struct output *o)
{
	struct strmap_entry *e;
	size_t iter = 0;

	while ((e = strmap_next(&o->parents, &iter)))
		close((int)(intptr_t)e->val - 1);
	strmap_release(&o->parents, NULL);
	if (o->dirfd >= 0)
		close(o->dirfd);
	strmap_release(&o->claimed, free);
	pthread_mutex_destroy(&o->lock);
	free(o->destdir);
	free(o->manifest);
	free(o->marker);
}

/* Claims path for owner; -1 when someone else has it. */
static int
claim(struct output *o, const char *path, const char *owner)
{
	void **slot;
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	slot = strmap_slot(&o->claimed, path, strlen(path));
	if (!*slot)
		*slot = xstrdup(owner);
	else if (strcmp(*slot, owner) != 0)
		rc = -1;
	pthread_mutex_unlock(&o->lock);
	if (rc < 0)
		return diag_error(o->diag, owner, 0,
				  "%s is also written by %s", path, (char *)*slot);
	return 0;
}

/* A clean copy of path, or NULL when it is not a relative path that stays
 * inside destdir. */
static char *
clean_path(const char *path)
{
	char *p = xstrdup(path);

	if (!*p || *p == '/' || path_clean(p) < 0 || !*p) {
		free(p);
		return NULL;
	}
	return p;
}

static void
close_dir(struct output *o, int fd)
{
	if (fd >= 0 && fd != o->dirfd)
		close(fd);
}

/* Opens (or, with create, makes and opens) the directory seg in fd,
 * refusing a symlink; *made says whether this call made it. Where destdir
 * is new, every directory in it is too, so mkdir comes first. A directory
 * made is opened only with open_made: else fd itself is returned (a
 * directory just made is empty and no symlink, written into as seg/name
 * from fd). */
static int
open_seg(struct output *o, int fd, const char *seg, bool create, bool open_made,
	 bool *made)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int next = -1;

	*made = false;
	if (!create || o->existed) {
		next = openat(fd, seg, flags);
		if (next >= 0 || errno != ENOENT || !create)
			return next;
	}
	/* Another thread may make the directory between the two calls. */
	*made = mkdirat(fd, seg, 0777) == 0;
	if (*made && !open_made)
		return fd;
	if (*made || errno == EEXIST)
		next = openat(fd, seg, flags);
	return next;
}

/* Opens the directory dir[0, len) below fd (closing fd unless it is
 * destdir's), as open_seg does each of its names. */
static int
walk_dir(struct output *o, int fd, const char *dir, size_t len, bool create,
	 bool *made)
{
	size_t i = 0;

	*made = false;
	while (fd >= 0 && i < len) {
		size_t j = i;
		char seg[NAME_MAX + 1];
		int next;

		while (j < len && dir[j] != '/')
			j++;
		if (j - i > NAME_MAX) {
			close_dir(o, fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(seg, dir + i, j - i);
		seg[j - i] = '\0';
		next = open_seg(o, fd, seg, create, true, made);
		close_dir(o, fd);
		fd = next;
		i = j + 1;
	}
	return fd;
}

/* The directory dir[0, len) as a parent of the directories written into:
 * kept open in o->parents for the rest of the build (posts/ is the parent
 * of every post's directory), so *owned is false; or, past PARENTS_MAX of
 * them, opened for the caller to close. */
static int
parent_dir(struct output *o, const char *dir, size_t len, bool *owned)
{
	void *v;
	bool made;
	int fd;

	*owned = false;
	if (len == 0)
		return o->dirfd;
	pthread_mutex_lock(&o->lock);
	v = strmap_get(&o->parents, dir, len);
	pthread_mutex_unlock(&o->lock);
	if (v)
		return (int)(intptr_t)v - 1;
	if ((fd = walk_dir(o, o->dirfd, dir, len, true, &made)) < 0)
		return -1;
	pthread_mutex_lock(&o->lock);
	v = strmap_get(&o->parents, dir, len);
	if (!v && o->parents.count < PARENTS_MAX) {
		strmap_put(&o->parents, dir, len, (void *)(intptr_t)(fd + 1));
		v = (void *)(intptr_t)(fd + 1);
	}
	pthread_mutex_unlock(&o->lock);
	if (!v) {
		*owned = true;
		return fd;
	}
	if ((int)(intptr_t)v - 1 != fd)	/* another thread was first */
		close(fd);
	return (int)(intptr_t)v - 1;
}

/* Where a file is written: the directory fd, and the name of the file's
 * own directory in it (sub) when this write made that one. A directory
 * just made is empty and no symlink, so it needs no descriptor of its
 * own: a page of a usedirs site is written in posts/post/ without opening
 * post/ (two system calls of seven). */
struct place {
	int fd;
	bool owned;		/* fd is this write's to close */
	char sub[NAME_MAX + 1];	/* "" when fd is the file's directory */
};

/* Opens the directory dir[0, len) below destdir, creating what is missing
 * and refusing to pass through a symlink, into *at (see struct place). */
static int
open_dir_create(struct output *o, const char *dir, size_t len, struct place *at)
{
	size_t plen = path_dirlen(dir, len);
	size_t start = plen ? plen + 1 : 0;
	bool owned, made;
	int parent;

	at->fd = o->dirfd;
	at->owned = false;
	at->sub[0] = '\0';
	if (len == 0)
		return 0;
	if (len - start > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((parent = parent_dir(o, dir, plen, &owned)) < 0)
		return -1;
	memcpy(at->sub, dir + start, len - start);
	at->sub[len - start] = '\0';
	at->fd = open_seg(o, parent, at->sub, true, false, &made);
	if (made) {
		at->owned = owned;
		return 0;
	}
	at->owned = at->fd >= 0;
	at->sub[0] = '\0';
	if (owned)
		close(parent);
	return at->fd < 0 ? -1 : 0;
}

/* Whether the file name in dirfd holds exactly data. */
static bool
same_bytes(int dirfd, const char *name, const char *data, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char chunk[65536];
	struct stat st;
	size_t off = 0;
	bool same = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
		goto out;
	while (off < len) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n <= 0 || memcmp(chunk, data + off, (size_t)n) != 0)
			goto out;
		off += (size_t)n;
	}
	same = true;
out:
	close(fd);
	return same;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Leaves the marker before the build's first temporary file, so a build
 * that writes nothing (nothing changed) leaves none, and the next build
 * has no reason to sweep the whole output tree. */
static void
mark_writing(struct output *o)
{
	if (atomic_load_explicit(&o->marked, memory_order_acquire))
		return;
	pthread_mutex_lock(&o->lock);
	if (!atomic_load_explicit(&o->marked, memory_order_relaxed)) {
		if (path_mkdirs_parent(o->marker) == 0) {
			FILE *f = fopen(o->marker, "w");

			if (f)
				fclose(f);
		}
		atomic_store_explicit(&o->marked, true, memory_order_release);
	}
	pthread_mutex_unlock(&o->lock);
}

/* Writes data to the file name in the place at through a temporary file
 * (named with pid) and rename. A temporary file a killed run of the same
 * process id left is removed first.
 *
 * In a directory this write made (at->sub), the file is written in place:
 * nothing was there, so no reader can find half of it where a whole file
 * was, and the rename cost a tenth of a full build's system time. A build
 * killed while writing it leaves it short, the last state not saved: the
 * next build renders the page again, finds the bytes differ and replaces
 * it. */
static int
replace(const struct place *at, const char *name, const char *data, size_t len, long pid)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	char file[2 * NAME_MAX + 32];
	bool direct = at->sub[0] != '\0';
	int fd, saved, rc;

	if (strlen(name) > NAME_MAX) {	/* file would hold it cut short */
		errno = ENAMETOOLONG;
		return -1;
	}
	if (direct)
		snprintf(file, sizeof(file), "%s/%s", at->sub, name);
	else
		snprintf(file, sizeof(file), ".%.200s.weft-%ld", name, pid);
	fd = openat(at->fd, file, flags, 0666);
	if (fd < 0 && !direct && errno == EEXIST && unlinkat(at->fd, file, 0) == 0)
		fd = openat(at->fd, file, flags, 0666);
	if (fd < 0)
		return -1;
	rc = write_all(fd, data, len);
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0 || (!direct && renameat(at->fd, file, at->fd, name) < 0)) {
		saved = errno;
		unlinkat(at->fd, file, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

int
output_write(struct output *o, const char *path, const char *data, size_t len,
	     const char *owner)
{
	char *p = clean_path(path);
	size_t dirlen;
	struct place at = { -1, false, "" };
	int rc = -1;
	bool same;

	if (!p)
		return diag_error(o->diag, owner, 0,
				  "output path \"%s\" is outside the output directory", path);
	if (claim(o, p, owner) < 0)
		goto out;
	if (o->dry_run) {
		rc = 0;
		goto out;
	}
	dirlen = path_dirlen(p, strlen(p));
	if (open_dir_create(o, p, dirlen, &at) < 0) {
		diag_error(o->diag, owner, 0, "cannot create the directory of %s: %s",
			   p, strerror(errno));
		goto out;
	}
	/* A directory this call made holds nothing yet. */
	same = !at.sub[0] && same_bytes(at.fd, path_base(p), data, len);
	if (!same)
		mark_writing(o);
	if (!same && replace(&at, path_base(p), data, len, o->pid) < 0) {
		diag_error(o->diag, owner, 0, "cannot write %s: %s", p, strerror(errno));
		goto out;
	}
	pthread_mutex_lock(&o->lock);
	if (same)
		o->unchanged++;
	else
		o->written++;
	pthread_mutex_unlock(&o->lock);
	rc = 0;
out:
	if (at.owned)
		close(at.fd);
	free(p);
	return rc;
}

int
output_copy(struct output *o, const char *path, const char *src, const char *owner)
{
	struct buf b = BUF_INIT;
	int rc;

	if (o->dry_run)
		return output_write(o, path, "", 0, owner);
	if (buf_read_file(&b, src) < 0) {
		rc = diag_error(o->diag, owner, 0, "cannot read %s: %s", src, strerror(errno));
		buf_release(&b);
		return rc;
	}
	rc = output_write(o, path, b.data, b.len, owner);
	buf_release(&b);
	return rc;
}

void
output_keep(struct output *o, const char *path, const char *owner)
{
	char *p = NULL;

	/* An edit keeps every other page's output: most paths are clean
	 * already, and need no copy to clean. */
	if (path_is_clean(path) || (p = clean_path(path)))
		claim(o, p ? p : path, owner);
	free(p);
}

void
output_reserve(struct output *o, size_t n)
{
	pthread_mutex_lock(&o->lock);
	strmap_reserve(&o->claimed, o->claimed.count + n);
	pthread_mutex_unlock(&o->lock);
}

bool
output_exists(struct output *o, const char *path)
{
	struct stat st;

	return o->dirfd >= 0 && fstatat(o->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int
output_list(struct output *o, const char *dir, struct buf *names)
{
	struct dirent *e;
	DIR *d;
	int fd;

	fd = o->dirfd < 0 ? -1 :
	     openat(o->dirfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			buf_put(names, e->d_name, strlen(e->d_name) + 1);
	closedir(d);
	return 0;
}

bool
output_claimed(struct output *o, const char *path)
{
	bool found;

	pthread_mutex_lock(&o->lock);
	found = strmap_gets(&o->claimed, path) != NULL;
	pthread_mutex_unlock(&o->lock);
	return found;
}

/* Removes the entry at p[0, len) (a file, or an empty directory with
 * AT_REMOVEDIR in flags), never through a symlink. */
static int
remove_at(struct output *o, const char *p, size_t len, int flags)
{
	size_t dirlen = path_dirlen(p, len);
	size_t baselen = len - (dirlen ? dirlen + 1 : 0);
	char base[NAME_MAX + 1];
	bool made;
	int fd, rc;

	if (baselen > NAME_MAX || (fd = walk_dir(o, o->dirfd, p, dirlen, false, &made)) < 0)
		return -1;
	memcpy(base, p + len - baselen, baselen);
	base[baselen] = '\0';
	rc = unlinkat(fd, base, flags);
	close_dir(o, fd);
	return rc;
}

/* Removes path and then its parent directories while they are empty. */
static void
remove_stale(struct output *o, const char *path)
{
	char *p = clean_path(path);
	size_t len;

	if (!p)
		return;
	len = strlen(p);
	if (remove_at(o, p, len, 0) == 0)
		o->removed++;
	while ((len = path_dirlen(p, len)) > 0) {
		p[len] = '\0';
		if (output_claimed(o, p) || remove_at(o, p, len, AT_REMOVEDIR) < 0)
			break;
	}
	free(p);
}

static int
save_manifest(struct output *o)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT;
	struct strmap_entry *e;
	char **paths = xmalloc((o->claimed.count + 1) * sizeof(*paths));
	size_t iter = 0, n = 0, i;
	FILE *f;
	int rc = -1;

	while ((e = strmap_next(&o->claimed, &iter)))
		paths[n++] = e->key;
	qsort(paths, n, sizeof(*paths), str_ptr_cmp);
	for (i = 0; i < n; i++) {
		buf_puts(&b, paths[i]);
		buf_putc(&b, '\n');
	}
	buf_printf(&tmp, "%s.new", o->manifest);
	if (path_mkdirs_parent(o->manifest) < 0 || !(f = fopen(tmp.data, "w"))) {
		diag_error(o->diag, o->manifest, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	if (fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0 ||
	    rename(tmp.data, o->manifest) < 0) {
		diag_error(o->diag, o->manifest, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(paths);
	buf_release(&b);
	buf_release(&tmp);
	return rc;
}

/* Whether name is one of the writer's temporary files: ".NAME.weft-PID". */
static bool
temporary(const char *name)
{
	const char *w = strstr(name, ".weft-");

	return name[0] == '.' && w && w[6] && strspn(w + 6, "0123456789") == strlen(w + 6);
}

/* Removes the temporary files a killed build left below the directory fd. */
static void
sweep(int fd, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > 64 || !(d = fdopendir(fd)))
		return;
	while ((e = readdir(d))) {
		int sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (temporary(e->d_name)) {
			unlinkat(fd, e->d_name, 0);
			continue;
		}
		sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			sweep(sub, depth + 1);
	}
	closedir(d);
}

/* Removes what the last build wrote (its manifest, a path a line) and
 * this one did not: read only now, as a build that finds nothing changed
 * never gets here. Whether the manifest names exactly the paths claimed,
 * so that it stands as it is. */
static bool
remove_unclaimed(struct output *o)
{
	FILE *f = fopen(o->manifest, "r");
	char *line = NULL;
	size_t cap = 0, kept = 0;
	ssize_t n;
	bool same = true;

	if (!f)
		return false;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && strmap_get(&o->claimed, line, (size_t)n)) {
			kept++;
		} else {
			same = false;
			if (n > 0)
				remove_stale(o, line);
		}
	}
	free(line);
	fclose(f);
	return same && kept == o->claimed.count;
}

int
output_finish(struct output *o)
{
	int rc = 0, fd;
	bool same;

	if (o->dry_run)
		return 0;
	same = remove_unclaimed(o);
	if (o->sweep && (fd = dup(o->dirfd)) >= 0)
		sweep(fd, 0);
	if (!same)
		rc = save_manifest(o);
	if (rc == 0)
		unlink(o->marker);
	return rc;
}
