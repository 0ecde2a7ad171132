/* scan.h — finding a site's sources: which files are pages, internal pages or
 * files to copy, what each is called and where it is written. */
#ifndef WEFT_SCAN_H
#define WEFT_SCAN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag;
struct page;
struct site;
struct stat;
struct timespec;

struct scan_opts {
	/* Absolute paths never taken as sources: weft's state, plugin and
	 * theme directories, the output directory, the config file. */
	const char *const *prune;
	size_t nprune;
	const regex_t *exclude;	/* the exclude option, matched on relative paths */
	/* The html plugin is on: *.html and *.htm are pages. Off, they are
	 * left out (with *.xhtml), as ikiwiki's wiki_file_prune_regexps do. */
	bool html;
	unsigned jobs;		/* threads to stat a large directory's entries with */
	/* Called, when set, with each source's page as the walk adds it. */
	void (*added)(void *arg, struct page *p);
	void *added_arg;
	/* Called, when set, before the files of a large directory are added:
	 * the k-th of them it will add next (k from 0), by relative path and
	 * stat, until it returns false. A look ahead, for a caller that
	 * wants to know early that a file changed. */
	bool (*peek)(void *arg, size_t k, const char *rel, const struct stat *st);
};

/*
 * Walks s->srcdir and adds a page for every source: dotfiles and the pruned
 * paths are left out, as are pending comments and the .tmpl files
 * under the site's templates/. A symlink is followed only to a file inside the site;
 * one that leads out of it, to a directory, or nowhere is a warning naming
 * it. Two sources of one page name are an error naming both; the first (by
 * path) wins. Fills name, src, type, kind, size and mtime (ctime = mtime);
 * reads no file. Returns the number of errors reported.
 */
int scan_tree(struct site *s, const struct scan_opts *o, struct diag *d);

/* A stat's time in nanoseconds, as pages keep their sources' mtime and
 * ctime to tell them from their records. */
int64_t scan_ns(const struct timespec *t);

/*
 * Fills dest and url of the pages scan_tree found, with up to jobs
 * threads; then, in the order the walk found them, two pages of one output
 * path are an error naming both, and the first keeps it. A build that
 * finds nothing changed never needs them. Returns the number of errors
 * reported.
 */
int scan_place_all(struct site *s, const char *htmlext, unsigned jobs, struct diag *d);

/* Fills dest and url of p from its name and kind. */
void scan_place(struct site *s, struct page *p, const char *htmlext);

/* Reads p's source into p->text. Invalid UTF-8 is a warning naming the file
 * and line, and is replaced by U+FFFD so the output stays valid. 0 or -1
 * after reporting. */
int scan_read(struct site *s, struct page *p, struct diag *d);

#endif
