/* vcs.h — the site's git repository, through libgit2: the only file that
 * includes libgit2's headers, and opens the library (only when a site is
 * in git, see vcs.c). */
#ifndef WEFT_VCS_H
#define WEFT_VCS_H

#include <stdbool.h>
#include <time.h>

struct diag;

/* Makes dir a git repository (or uses the one there), stages every file
 * under it that .gitignore does not exclude, and commits them with
 * message. The author is git's configured user, else "weft
 * <weft@localhost>". 0, or -1 after reporting. */
int vcs_init_commit(const char *dir, const char *message, struct diag *d);

/* The id of the commit HEAD points at in the repository holding dir, as
 * 40 hex digits appended to id; 1 when dir is in no repository or HEAD has
 * no commit; -1 when the repository cannot be read (quietly), or libgit2
 * cannot be opened (reported through d). Cheap: an incremental build asks
 * it to see whether the history moved. */
struct buf;
int vcs_head(struct buf *id, const char *dir, struct diag *d);

/*
 * The creation and modification times of the files of a repository, from
 * one walk of the history of HEAD, as ikiwiki's git plugin computes them: a
 * file's mtime is the author time of the newest commit that changed it, its
 * ctime that of the oldest; merge commits are not looked into.
 */
struct vcs_times;

/* Walks the history of the repository holding dir (dir may be a
 * subdirectory of it: paths are then taken relative to dir). *out is NULL
 * (and the result 0) when dir is in no repository or HEAD has no commit;
 * -1 after reporting a damaged repository, or libgit2 that cannot be
 * opened. */
int vcs_times_load(struct vcs_times **out, const char *dir, struct diag *d);
/* The times of path (relative to the dir given to vcs_times_load); false
 * when no commit touched it (an uncommitted file). */
bool vcs_times_get(const struct vcs_times *t, const char *path,
		   time_t *ctime, time_t *mtime);
void vcs_times_free(struct vcs_times *t);

#endif
