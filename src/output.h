/* output.h — writing a build's files into destdir: atomically, only when
 * their bytes change, never outside destdir, and removing what no page
 * produces any more. */
#ifndef WEFT_OUTPUT_H
#define WEFT_OUTPUT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "strmap.h"

struct buf;

struct diag;

struct output {
	char *destdir;		/* absolute */
	char *manifest;		/* statedir/outputs: what the last build wrote */
	char *marker;		/* statedir/writing: there while a build writes */
	atomic_bool marked;	/* this build has left it */
	bool sweep;		/* the last build was killed: remove its temporaries */
	int dirfd;		/* destdir, open */
	long pid;		/* names this process's temporary files */
	bool dry_run;		/* weft check: claim paths, write nothing */
	bool existed;		/* destdir was there before output_open */
	struct diag *diag;
	pthread_mutex_t lock;
	struct strmap claimed;	/* path -> owner (a page name, interned here) */
	struct strmap parents;	/* directory -> its descriptor + 1, kept open */
	unsigned written;	/* files whose bytes changed */
	unsigned unchanged;	/* files left alone: same bytes */
	unsigned removed;
};

/* Opens destdir (creating it); the manifest in statedir is output_finish's
 * to read. -1 after reporting when destdir cannot be made. */
int output_open(struct output *o, const char *destdir, const char *statedir,
		bool dry_run, struct diag *d);
void output_close(struct output *o);

/*
 * Claims path (relative to destdir) for owner and writes data there unless
 * the file already holds exactly these bytes. The write goes to a temporary
 * file in the same directory, then rename(2); in a directory this call
 * made, where there is nothing to replace, to the file itself. A path that
 * is not clean or climbs out of destdir, a directory on the way that is a
 * symlink, or a path already claimed by another owner in this build are
 * errors (reported as "owner: ..."). Thread-safe.
 */
int output_write(struct output *o, const char *path, const char *data,
		 size_t len, const char *owner);
/* Like output_write with the bytes of the file at src. */
int output_copy(struct output *o, const char *path, const char *src,
		const char *owner);
/* Claims path without writing, so the file the last build wrote stays:
 * for a page not rendered again, or one that failed this time, so
 * nothing is lost. */
void output_keep(struct output *o, const char *path, const char *owner);
/* Room for n paths more to be claimed without the table growing. */
void output_reserve(struct output *o, size_t n);
/* Whether the file path (relative to destdir) exists. */
bool output_exists(struct output *o, const char *path);
/* The names in the directory dir (relative to destdir, "" for destdir
 * itself; its last component not followed when a symlink) appended to
 * names, each ending in '\0': 0, or -1 when it is not a directory there. */
int output_list(struct output *o, const char *dir, struct buf *names);
/* Whether path was claimed in this build. */
bool output_claimed(struct output *o, const char *path);

/* Removes the files of the last build (its manifest) that nobody claimed
 * (and directories left empty), then saves the manifest. When the last build was killed
 * while writing, its temporary files are removed too. */
int output_finish(struct output *o);

#endif
