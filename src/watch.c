/* watch.c — inotify over a site's trees: new directories, editors' save
 * patterns and debouncing. */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "path.h"
#include "strmap.h"
#include "xalloc.h"

/* Every way a file can change, be created, replaced or removed. */
#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | \
	IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
	IN_ONLYDIR | IN_EXCL_UNLINK)

/* One watched directory. */
struct wdir {
	int wd;
	char *path;		/* absolute */
	char *only;		/* the one name that counts (a file's
				 * directory); NULL: a directory of a tree */
};

struct watch {
	int fd;
	struct diag *diag;
	struct wdir *dirs;	/* unordered; few lookups per change */
	size_t n, cap;
	struct vec roots;	/* the trees' tops (owned), for an overflow */
	struct vec ignored;	/* paths whose changes never count (owned) */
	struct buf changed;	/* the last path that counted */
	bool overflowed;	/* anything may have changed */
	bool limit_reported;
};

struct watch *
watch_new(struct diag *d)
{
	struct watch *w;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0) {
		diag_error(d, NULL, 0, "cannot watch files: inotify: %s", strerror(errno));
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->diag = d;
	buf_init(&w->changed);
	return w;
}

static void
free_strings(struct vec *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	vec_release(v);
}

void
watch_free(struct watch *w)
{
	size_t i;

	if (!w)
		return;
	close(w->fd);
	for (i = 0; i < w->n; i++) {
		free(w->dirs[i].path);
		free(w->dirs[i].only);
	}
	free(w->dirs);
	free_strings(&w->roots);
	free_strings(&w->ignored);
	buf_release(&w->changed);
	free(w);
}

void
watch_ignore(struct watch *w, const char *path)
{
	vec_push(&w->ignored, xstrdup(path));
}

static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool
ignored(const struct watch *w, const char *path)
{
	size_t i;

	for (i = 0; i < w->ignored.n; i++)
		if (under(path, w->ignored.v[i]))
			return true;
	return false;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Names no build reads: dotfiles, and what editors write beside a file
 * they save (vim's 4913 probe, swap and backup files, Emacs's #autosave#). */
static bool
scratch_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || name[n - 1] == '~' ||
	       (name[0] == '#' && n > 1 && name[n - 1] == '#') ||
	       ends_with(name, ".swp") || ends_with(name, ".swx") ||
	       strcmp(name, "4913") == 0;
}

static struct wdir *
find(const struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

static void
drop(struct watch *w, struct wdir *e)
{
	free(e->path);
	free(e->only);
	*e = w->dirs[--w->n];
}

/* Watches one directory; -1 when it cannot (reported, except for a
 * directory already gone again). A directory watched already (moved,
 * say) keeps its watch under its new path. */
static int
add_dir(struct watch *w, const char *path, const char *only)
{
	int wd = inotify_add_watch(w->fd, path, WATCH_MASK);
	struct wdir *e;

	if (wd < 0) {
		if (errno == ENOSPC && !w->limit_reported) {
			w->limit_reported = true;
			diag_warning(w->diag, path, 0, "not watched: the kernel's limit of "
				     "watches is reached (raise fs.inotify.max_user_watches)");
		} else if (errno != ENOENT && errno != ENOTDIR && errno != ENOSPC) {
			diag_warning(w->diag, path, 0, "not watched: %s", strerror(errno));
		}
		return -1;
	}
	if ((e = find(w, wd))) {
		free(e->path);
		free(e->only);
	} else {
		w->dirs = xgrow(w->dirs, &w->cap, w->n + 1, sizeof(*w->dirs));
		e = &w->dirs[w->n++];
		e->wd = wd;
	}
	e->path = xstrdup(path);
	e->only = only ? xstrdup(only) : NULL;
	return 0;
}

static bool
is_dir(int dir, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* Watches dir and the directories under it, except ignored ones, dot
 * directories and symlinks (which the build does not follow). */
static int
add_tree(struct watch *w, const char *dir)
{
	struct buf sub = BUF_INIT;
	struct dirent *de;
	DIR *dp;

	if (ignored(w, dir) || add_dir(w, dir, NULL) < 0)
		return -1;
	if (!(dp = opendir(dir)))
		return 0;	/* removed meanwhile: its parent reports that */
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.' || !is_dir(dirfd(dp), de))
			continue;
		buf_reset(&sub);
		path_join(&sub, dir, de->d_name);
		add_tree(w, sub.data);
	}
	closedir(dp);
	buf_release(&sub);
	return 0;
}

static bool
in_tree(const struct watch *w, const char *path)
{
	size_t i;

	for (i = 0; i < w->roots.n; i++)
		if (under(path, w->roots.v[i]))
			return true;
	return false;
}

int
watch_tree(struct watch *w, const char *dir)
{
	struct stat st;

	if (in_tree(w, dir))
		return 0;
	if (stat(dir, &st) < 0)
		return diag_error(w->diag, dir, 0, "cannot watch: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return diag_error(w->diag, dir, 0, "cannot watch: not a directory");
	if (add_tree(w, dir) < 0)
		return -1;
	vec_push(&w->roots, xstrdup(dir));
	return 0;
}

int
watch_file(struct watch *w, const char *file)
{
	const char *name = path_base(file);
	char *dir = xstrndup(file, path_dirlen(file, strlen(file)));
	int rc = 0;

	if (!in_tree(w, dir) && add_dir(w, *dir ? dir : "/", name) < 0)
		rc = diag_error(w->diag, file, 0, "cannot watch it");
	free(dir);
	return rc;
}

/* Forgets the watches of dir and the directories under it: it moved
 * away (when it moved within a tree, its new place is watched anew). */
static void
forget(struct watch *w, const char *dir)
{
	size_t i = 0;

	while (i < w->n) {
		if (w->dirs[i].only == NULL && under(w->dirs[i].path, dir)) {
			inotify_rm_watch(w->fd, w->dirs[i].wd);
			drop(w, &w->dirs[i]);
		} else {
			i++;
		}
	}
}

/* Watches whatever the lost events brought. */
static void
overflow(struct watch *w)
{
	size_t i;

	for (i = 0; i < w->roots.n; i++)
		add_tree(w, w->roots.v[i]);
}

static bool
is_root(const struct watch *w, const char *dir)
{
	size_t i;

	for (i = 0; i < w->roots.n; i++)
		if (strcmp(dir, w->roots.v[i]) == 0)
			return true;
	return false;
}

/*
 * Whether one event is a change that counts, watching the directories it
 * brings; its path into path, "" when anything may have changed (events
 * were lost, or a whole tree went away).
 */
static bool
handle(struct watch *w, const struct inotify_event *ev, struct buf *path)
{
	struct wdir *e;

	buf_reset(path);
	if (ev->mask & IN_Q_OVERFLOW) {
		overflow(w);
		return true;
	}
	if (!(e = find(w, ev->wd)))
		return false;
	if (ev->mask & IN_IGNORED) {
		drop(w, e);
		return false;
	}
	if (ev->len == 0 || !ev->name[0])
		return (ev->mask & IN_DELETE_SELF) && !e->only && is_root(w, e->path);
	if ((e->only && strcmp(ev->name, e->only) != 0) || scratch_name(ev->name))
		return false;
	path_join(path, e->path, ev->name);
	if (ignored(w, path->data))
		return false;
	if ((ev->mask & IN_ISDIR) && !e->only) {
		if (ev->mask & IN_MOVED_FROM)
			forget(w, path->data);
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			add_tree(w, path->data);	/* e may have moved */
	}
	return true;
}

int
watch_read(struct watch *w, void (*fn)(const char *path, void *arg), void *arg)
{
	_Alignas(struct inotify_event) char buf[16384];
	const struct inotify_event *ev;
	struct buf path = BUF_INIT;
	ssize_t n, off;
	int count = 0;

	for (;;) {
		n = read(w->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			count = diag_error(w->diag, NULL, 0, "reading inotify events: %s",
					   n < 0 ? strerror(errno) : "end of file");
			break;
		}
		for (off = 0; off < n; off += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (const struct inotify_event *)(buf + off);
			if (handle(w, ev, &path)) {
				fn(path.data, arg);
				count++;
			}
		}
	}
	buf_release(&path);
	return count;
}

/* Keeps the last change's path, for watch_changed. */
static void
note_change(const char *path, void *arg)
{
	struct watch *w = arg;

	if (!*path)
		w->overflowed = true;
	buf_reset(&w->changed);
	buf_puts(&w->changed, path);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
watch_wait(struct watch *w, int stopfd, unsigned debounce_ms)
{
	struct pollfd p[2] = { { w->fd, POLLIN, 0 }, { stopfd, POLLIN, 0 } };
	long long quiet_at = -1;	/* when to report the change; -1: none yet */
	int r, timeout, count;

	buf_reset(&w->changed);
	w->overflowed = false;
	for (;;) {
		timeout = quiet_at < 0 ? -1 : (int)(quiet_at - now_ms());
		if (quiet_at >= 0 && timeout <= 0)
			return 1;
		r = poll(p, 2, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return diag_error(w->diag, NULL, 0, "poll: %s", strerror(errno));
		if (p[1].revents)
			return 0;
		if (r == 0)
			return 1;
		if ((count = watch_read(w, note_change, w)) < 0)
			return -1;
		if (count > 0)
			quiet_at = now_ms() + debounce_ms;
	}
}

const char *
watch_changed(const struct watch *w)
{
	return w->overflowed ? "" : w->changed.data;
}
