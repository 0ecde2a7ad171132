/* scan.c — the walk over a site's source directory. */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "pagename.h"
#include "path.h"
#include "pool.h"
#include "site.h"
#include "xalloc.h"

struct walk {
	struct site *site;
	const struct scan_opts *opts;
	struct diag *diag;
	struct buf abs;		/* the absolute path being looked at */
	size_t rootlen;		/* length of srcdir in abs */
	int errors;
	size_t *prunelen;	/* the length of each of opts->prune */
};

/* Whether abs (of length len) is one of the paths left out. Each entry
 * of the walk is tested, twice: their lengths tell most apart. */
static bool
pruned(const struct walk *w, const char *abs, size_t len)
{
	size_t i;

	for (i = 0; i < w->opts->nprune; i++)
		if (w->prunelen[i] == len && memcmp(abs, w->opts->prune[i], len) == 0)
			return true;
	return false;
}

/* Whether the resolved path of a symlink stays inside the site. */
static bool
inside(const struct walk *w, const char *real)
{
	const char *root = w->site->srcdir;
	size_t n = strlen(root);

	return strncmp(real, root, n) == 0 && real[n] == '/';
}

void
scan_place(struct site *s, struct page *p, const char *htmlext)
{
	struct buf b = BUF_INIT;

	free(p->dest);
	free(p->url);
	p->dest = p->url = NULL;
	if (p->kind == SRC_INTERNAL)
		return;
	if (p->kind == SRC_FILE) {
		p->dest = xstrdup(p->name);
		buf_put_urlpath(&b, p->name, strlen(p->name));
		p->url = buf_detach(&b, NULL);
		return;
	}
	targetpage(&b, p->name, htmlext, s->usedirs);
	p->dest = buf_detach(&b, NULL);
	pageurl(&b, p->name, htmlext, s->usedirs);
	{
		struct buf enc = BUF_INIT;

		buf_put_urlpath(&enc, b.data, b.len);
		p->url = buf_detach(&enc, NULL);
	}
	buf_release(&b);
}

int64_t
scan_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Adds the source at relative path rel. */
static void
add_source(struct walk *w, const char *rel, const struct stat *st)
{
	struct site *s = w->site;
	const char *ext = path_ext(rel);
	enum src_kind kind = site_kind(s, ext);
	struct buf name = BUF_INIT;
	struct page *p, *other;

	pagename(&name, rel, kind == SRC_FILE ? NULL : ext, s->indexpages);
	p = site_add(s, name.data);
	if (!p) {
		other = site_page(s, name.data);
		w->errors++;
		diag_error(w->diag, rel, 0, "is also page \"%s\", from %s; it is left out",
			   name.data, other->src ? other->src : "a plugin");
		buf_release(&name);
		return;
	}
	p->src = xstrdup(rel);
	strmap_put(&s->bysrc, p->src, strlen(p->src), p);
	p->kind = kind;
	if (kind != SRC_FILE)
		p->type = strmap_intern(&s->types, ext, strlen(ext));
	p->size = st->st_size;
	p->mtime = p->ctime = st->st_mtime;
	p->mtime_ns = scan_ns(&st->st_mtim);
	p->ctime_ns = scan_ns(&st->st_ctim);
	p->ino = (uint64_t)st->st_ino;
	vec_push(&s->unplaced, p);
	p->walked = s->unplaced.n;
	buf_release(&name);
	if (w->opts->added)
		w->opts->added(w->opts->added_arg, p);
}

struct placing {
	struct site *site;
	const char *htmlext;
};

static void
place_one(size_t i, unsigned w, void *arg)
{
	struct placing *pl = arg;

	(void)w;
	scan_place(pl->site, pl->site->unplaced.v[i], pl->htmlext);
}

int
scan_place_all(struct site *s, const char *htmlext, unsigned jobs, struct diag *d)
{
	size_t i;
	int errors = 0;

	/* Each page's paths are its own work; only the map is shared. */
	pool_run(pool_threads(jobs, s->unplaced.n), s->unplaced.n, place_one,
		 &(struct placing){ s, htmlext });
	strmap_reserve(&s->bydest, s->bydest.count + s->unplaced.n);
	for (i = 0; i < s->unplaced.n; i++) {
		struct page *p = s->unplaced.v[i], *other;
		void **slot;

		if (!p->dest)
			continue;
		slot = strmap_slot(&s->bydest, p->dest, strlen(p->dest));
		if (!*slot) {
			*slot = p;
			continue;
		}
		other = *slot;
		errors++;
		diag_error(d, p->src, 0, "writes %s, as %s does; it is left out",
			   p->dest, other->src ? other->src : other->name);
		p->kind = SRC_INTERNAL;	/* keeps the name taken, writes nothing */
		p->failed = true;	/* and fails: the next build says so again */
		free(p->dest);
		p->dest = NULL;
	}
	vec_release(&s->unplaced);
	return errors;
}

/* Whether a file of the walk is to be left out by name. */
static bool
ignored(const struct walk *w, const char *rel, const char *base)
{
	const char *ext = path_ext(base);

	if (base[0] == '.')
		return true;
	if (ext && strcmp(ext, "_comment_pending") == 0)
		return true;
	if (ext && !w->opts->html && (strcmp(ext, "html") == 0 || strcmp(ext, "htm") == 0 ||
				      strcmp(ext, "xhtml") == 0))
		return true;
	if (ext && strcmp(ext, "tmpl") == 0 && strncmp(rel, "templates/", 10) == 0)
		return true;
	if (w->opts->exclude && regexec(w->opts->exclude, rel, 0, NULL, 0) == 0)
		return true;
	return false;
}

/* Whether a listing's entry is the directory itself or its parent. */
static bool
dot_entry(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Whether the entry whose path is in w->abs, named base, is left out. */
static bool
left_out(const struct walk *w, const char *base)
{
	return pruned(w, w->abs.data, w->abs.len) ||
	       ignored(w, w->abs.data + w->rootlen + 1, base);
}

static int
entry_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void walk_dir(struct walk *w, int depth);

/* A directory's entries, stat'ed ahead (lstat: links are not followed),
 * by several threads when there are many: a stat is a system call, and a
 * build that finds nothing changed is mostly the walk. */
struct entries {
	int dfd;
	struct dirent **names;
	struct stat *st;
	int *err;		/* errno of each stat, 0 when it worked */
};

static void
stat_one(size_t i, unsigned w, void *arg)
{
	struct entries *e = arg;

	(void)w;
	e->err[i] = fstatat(e->dfd, e->names[i]->d_name, &e->st[i], AT_SYMLINK_NOFOLLOW) < 0 ?
		    errno : 0;
}

/* Looks at the entry whose absolute path is in w->abs, named base in the
 * directory dfd (so the kernel does not walk the whole path again), with
 * its stat when it was taken ahead (err its errno), else NULL. */
static void
visit(struct walk *w, int dfd, const char *base, const struct stat *ahead, int err,
      int depth)
{
	const char *abs = w->abs.data, *rel = abs + w->rootlen + 1;
	struct stat st;
	char *real;

	if (left_out(w, base))
		return;
	if (ahead)
		st = *ahead;
	else if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		err = errno;
	if (err) {
		diag_warning(w->diag, rel, 0, "cannot read: %s", strerror(err));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		walk_dir(w, depth + 1);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		real = realpath(abs, NULL);
		if (!real || stat(real, &st) < 0) {
			diag_warning(w->diag, rel, 0, "is a symlink to nothing; left out");
		} else if (!inside(w, real)) {
			diag_warning(w->diag, rel, 0,
				     "is a symlink out of the site (to %s); not followed", real);
		} else if (!S_ISREG(st.st_mode)) {
			diag_warning(w->diag, rel, 0,
				     "is a symlink to a directory; not followed");
		} else {
			add_source(w, rel, &st);
		}
		free(real);
		return;
	}
	if (S_ISREG(st.st_mode))
		add_source(w, rel, &st);
}

/* Shows opts->peek the directory's files in the order they will be added,
 * from their stats taken ahead, until it has seen enough or an entry is
 * not a plain file (a subdirectory's sources come between). */
static void
peek_ahead(struct walk *w, const struct entries *e, int n)
{
	size_t len = w->abs.len, k = 0;
	bool more = true;
	int i;

	for (i = 0; more && i < n; i++) {
		const char *base = e->names[i]->d_name;

		if (dot_entry(base))
			continue;
		if (e->err[i] || !S_ISREG(e->st[i].st_mode))
			break;
		buf_putc(&w->abs, '/');
		buf_puts(&w->abs, base);
		if (!left_out(w, base))
			more = w->opts->peek(w->opts->added_arg, k++,
					     w->abs.data + w->rootlen + 1, &e->st[i]);
		buf_truncate(&w->abs, len);
	}
}

static void
walk_dir(struct walk *w, int depth)
{
	struct dirent **names;
	struct entries ahead;
	size_t len = w->abs.len;
	int i, n, dfd;

	if (depth > 64) {
		diag_warning(w->diag, w->abs.data + w->rootlen + 1, 0,
			     "directories nested too deep; left out");
		return;
	}
	dfd = open(w->abs.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	n = dfd < 0 ? -1 : scandir(w->abs.data, &names, NULL, entry_cmp);
	if (n < 0) {
		diag_warning(w->diag, len > w->rootlen ? w->abs.data + w->rootlen + 1 : ".",
			     0, "cannot read directory: %s", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return;
	}
	site_reserve(w->site, (size_t)n);
	ahead.dfd = dfd;
	ahead.names = names;
	ahead.st = NULL;
	ahead.err = NULL;
	if (pool_threads(w->opts->jobs, (size_t)n) > 1) {
		ahead.st = xcalloc((size_t)n, sizeof(*ahead.st));
		ahead.err = xcalloc((size_t)n, sizeof(*ahead.err));
		pool_run(w->opts->jobs, (size_t)n, stat_one, &ahead);
		if (w->opts->peek)
			peek_ahead(w, &ahead, n);
	}
	for (i = 0; i < n; i++) {
		const char *e = names[i]->d_name;

		if (!dot_entry(e)) {
			buf_putc(&w->abs, '/');
			buf_puts(&w->abs, e);
			visit(w, dfd, e, ahead.st ? &ahead.st[i] : NULL,
			      ahead.st ? ahead.err[i] : 0, depth);
			buf_truncate(&w->abs, len);
		}
		free(names[i]);
	}
	if (ahead.st) {
		free(ahead.st);
		free(ahead.err);
	}
	free(names);
	close(dfd);
}

int
scan_tree(struct site *s, const struct scan_opts *o, struct diag *d)
{
	struct walk w = { s, o, d, BUF_INIT, 0, 0, NULL };
	size_t i;

	w.prunelen = xcalloc(o->nprune + 1, sizeof(*w.prunelen));
	for (i = 0; i < o->nprune; i++)
		w.prunelen[i] = strlen(o->prune[i]);
	buf_puts(&w.abs, s->srcdir);
	w.rootlen = w.abs.len;
	walk_dir(&w, 0);
	buf_release(&w.abs);
	free(w.prunelen);
	return w.errors;
}

/* The number of the line holding t[at]. */
static unsigned
line_at(const unsigned char *t, size_t at)
{
	const unsigned char *nl;
	unsigned line = 1;

	while ((nl = memchr(t, '\n', at)) != NULL) {
		line++;
		at -= (size_t)(nl + 1 - t);
		t = nl + 1;
	}
	return line;
}

/* Whether the eight bytes at t are all ASCII. */
static bool
ascii8(const unsigned char *t)
{
	uint64_t w;

	memcpy(&w, t, sizeof(w));
	return !(w & 0x8080808080808080u);
}

/* Replaces each invalid UTF-8 sequence of p's text by U+FFFD; warns once
 * with the line of the first. ASCII goes eight bytes at a time: every
 * source is checked, and most are all ASCII. */
static void
fix_utf8(struct page *p, struct diag *d)
{
	const unsigned char *t = (const unsigned char *)p->text;
	struct buf out = BUF_INIT;
	unsigned bad = 0;
	size_t i = 0, run = 0;

	while (i < p->len) {
		size_t n = 0, k;
		unsigned char c = t[i];

		if (c < 0x80) {
			for (i++; i + 8 <= p->len && ascii8(t + i); i += 8)
				;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4;
		for (k = 1; n && k < n; k++)
			if (i + k >= p->len || (t[i + k] & 0xC0) != 0x80)
				n = 0;
		if (n == 3 && ((c == 0xE0 && t[i + 1] < 0xA0) || (c == 0xED && t[i + 1] > 0x9F)))
			n = 0;
		if (n == 4 && ((c == 0xF0 && t[i + 1] < 0x90) || (c == 0xF4 && t[i + 1] > 0x8F)))
			n = 0;
		if (n) {
			i += n;
			continue;
		}
		if (!bad++)
			diag_warning(d, p->src, line_at(t, i), "invalid UTF-8; replaced by U+FFFD");
		buf_put(&out, t + run, i - run);
		buf_puts(&out, "\xEF\xBF\xBD");
		run = ++i;
	}
	if (!bad)
		return;
	buf_put(&out, t + run, p->len - run);
	free(p->text);
	p->text = buf_detach(&out, &p->len);
}

int
scan_read(struct site *s, struct page *p, struct diag *d)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc = 0;

	path_join(&path, s->srcdir, p->src);
	if (buf_read_file_sized(&text, path.data, (size_t)p->size) < 0) {
		rc = diag_error(d, p->src, 0, "cannot read: %s", strerror(errno));
	} else {
		free(p->text);
		p->text = buf_detach(&text, &p->len);
		fix_utf8(p, d);
	}
	buf_release(&path);
	buf_release(&text);
	return rc;
}
