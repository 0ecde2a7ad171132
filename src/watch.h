/* watch.h — noticing changes to a site's files with inotify: whole trees,
 * new directories included, and single files; debounced. */
#ifndef WEFT_WATCH_H
#define WEFT_WATCH_H

struct diag;
struct watch;

/*
 * A watcher reporting its problems (a tree it cannot watch, the kernel's
 * limit on watches) to d, which must outlive it. NULL after reporting when
 * inotify is not available.
 */
struct watch *watch_new(struct diag *d);
void watch_free(struct watch *w);

/* Changes at path, or under it, never count: the output and state
 * directories, which the build itself writes. Call before watch_tree. */
void watch_ignore(struct watch *w, const char *path);

/*
 * Watches dir and every directory under it, and each directory created
 * or moved in later. Names starting with '.' (.git, the state directory,
 * editors' lock files) and editors' backup and swap files (*~, #*#, *.swp,
 * *.swx, 4913) never count, and dot directories are not entered. A dir
 * that is already inside a watched tree adds nothing. 0, or -1 after
 * reporting.
 */
int watch_tree(struct watch *w, const char *dir);
/* Watches one file (a setup file outside the site), through its
 * directory, so that saving it by rename counts. 0, or -1 after
 * reporting. */
int watch_file(struct watch *w, const char *file);

/*
 * Waits for a change, then until debounce_ms pass without another, so
 * that a burst of events (an editor's save, a git checkout) is one change.
 * Returns 1 after a change, 0 when stopfd became readable first (it is
 * not read), -1 after reporting an error. Events that came while the
 * caller was busy are waiting in the kernel, so a change during a build
 * makes the next call return at once.
 */
int watch_wait(struct watch *w, int stopfd, unsigned debounce_ms);

/* The path of the last change the last watch_wait saw (an editor's save
 * ends with the file saved), or "" when anything may have changed (the
 * kernel's queue overflowed, a whole tree went away); valid until the next
 * call. */
const char *watch_changed(const struct watch *w);

/*
 * Reads the events already queued, without waiting, and calls fn with the
 * path of each change that counts (absolute; "" when anything may have
 * changed). Returns how many counted, or -1 after reporting.
 */
int watch_read(struct watch *w, void (*fn)(const char *path, void *arg), void *arg);

#endif
