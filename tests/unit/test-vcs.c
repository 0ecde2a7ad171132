/* test-vcs.c — the first commit and history times, checked with git itself. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "path.h"
#include "strmap.h"
#include "tap.h"
#include "vcs.h"
#include "xalloc.h"

/* git with an identity of its own and no signing, whatever the host has. */
#define GIT "git -c user.name=Tester -c user.email=tester@example.org " \
	"-c init.defaultBranch=main -c commit.gpgsign=false "

/* Runs a shell command; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void capture(struct buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	int st;

	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd.data);
	buf_release(&cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* The standard output of a shell command, appended to out. */
static void
capture(struct buf *out, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	char chunk[4096];
	size_t n;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	fflush(stdout);
	if ((p = popen(cmd.data, "r"))) {
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
			buf_put(out, chunk, n);
		pclose(p);
	}
	buf_release(&cmd);
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	struct buf p = BUF_INIT;
	FILE *f;

	path_join(&p, dir, rel);
	buf_truncate(&p, path_dirlen(p.data, p.len));
	path_mkdirs(p.data);
	buf_reset(&p);
	path_join(&p, dir, rel);
	if ((f = fopen(p.data, "w"))) {
		fputs(text, f);
		fclose(f);
	}
	buf_release(&p);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void
rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Author time t, committer time a little later, for the next git commit. */
static void
at(long t)
{
	char v[32];

	snprintf(v, sizeof(v), "%ld +0000", t);
	setenv("GIT_AUTHOR_DATE", v, 1);
	snprintf(v, sizeof(v), "%ld +0000", t + 7);
	setenv("GIT_COMMITTER_DATE", v, 1);
}

/* A diag writing into memory, read back with diag_text. */
struct sink {
	struct diag d;
	FILE *f;
	char *text;
	size_t len;
};

static void
sink_open(struct sink *s)
{
	s->text = NULL;
	s->f = open_memstream(&s->text, &s->len);
	diag_init(&s->d, s->f, 0);
}

static const char *
sink_text(struct sink *s)
{
	fflush(s->f);
	return s->text;
}

static void
sink_close(struct sink *s)
{
	diag_release(&s->d);
	fclose(s->f);
	free(s->text);
}

static void
test_init_configured(const char *root)
{
	struct buf dir = BUF_INIT, out = BUF_INIT;
	struct sink s;

	sink_open(&s);
	buf_printf(&dir, "%s/configured", root);
	write_file(dir.data, "index.mdwn", "hello\n");
	write_file(dir.data, "sub/page.mdwn", "page\n");
	write_file(dir.data, "notes.tmp", "scratch\n");
	write_file(dir.data, "cache/x", "cached\n");
	write_file(dir.data, ".gitignore", "*.tmp\n/cache/\n");
	sh(GIT "init -q '%s' && git -C '%s' config user.name Ada && "
	   "git -C '%s' config user.email ada@example.org",
	   dir.data, dir.data, dir.data);

	tap_is_int(vcs_init_commit(dir.data, "first", &s.d), 0, "init commit");
	capture(&out, "git -C '%s' log --format='%%an <%%ae> %%cn|%%B' "
		"--name-only", dir.data);
	tap_is(out.data, "Ada <ada@example.org> Ada|first\n\n\n"
	       ".gitignore\nindex.mdwn\nsub/page.mdwn\n",
	       "the repository's identity, every file but the ignored ones");

	write_file(dir.data, "index.mdwn", "changed\n");
	write_file(dir.data, "new.mdwn", "new\n");
	sh("rm '%s/sub/page.mdwn'", dir.data);
	tap_is_int(vcs_init_commit(dir.data, "second\n\n\n", &s.d), 0,
		   "commit on top of HEAD");
	buf_reset(&out);
	capture(&out, "git -C '%s' log --format=%%B --name-status -1 && "
		"git -C '%s' rev-list --count HEAD && "
		"git -C '%s' status --porcelain", dir.data, dir.data, dir.data);
	tap_is(out.data, "second\n\n\nM\tindex.mdwn\nA\tnew.mdwn\n"
	       "D\tsub/page.mdwn\n2\n",
	       "the second commit: on the first, changes and removals staged, "
	       "nothing left");

	buf_puts(&dir, "/nested");
	write_file(dir.data, "index.mdwn", "inner\n");
	tap_is_int(vcs_init_commit(dir.data, "inner", &s.d), 0,
		   "init commit in a directory of another repository");
	buf_reset(&out);
	capture(&out, "git -C '%s' rev-parse --git-dir && "
		"git -C '%s' rev-list --count HEAD", dir.data, dir.data);
	tap_is(out.data, ".git\n1\n", "makes a repository of its own");
	tap_is(sink_text(&s), "", "no diagnostics");
	sink_close(&s);
	buf_release(&dir);
	buf_release(&out);
}

static void
test_init_fresh(const char *root)
{
	struct buf dir = BUF_INIT, out = BUF_INIT;
	struct sink s;

	sink_open(&s);
	buf_printf(&dir, "%s/fresh", root);
	write_file(dir.data, "index.mdwn", "hello\n");
	tap_is_int(vcs_init_commit(dir.data, "Create the site", &s.d), 0,
		   "init commit without a git identity");
	capture(&out, "git -C '%s' log --format='%%an <%%ae>|%%cn <%%ce>|%%B' "
		"--name-only", dir.data);
	tap_is(out.data, "weft <weft@localhost>|weft <weft@localhost>|"
	       "Create the site\n\n\nindex.mdwn\n", "weft's own identity");
	tap_is(sink_text(&s), "", "no diagnostics");
	sink_close(&s);
	buf_release(&dir);
	buf_release(&out);
}

/* Compares every path git log names under dir with vcs_times_get. */
static void
check_against_git_log(const struct vcs_times *t, const char *dir,
		      const char *name)
{
	struct buf out = BUF_INIT;
	struct strmap seen = STRMAP_INIT;
	struct strmap_entry *e;
	size_t iter = 0;
	char *line, *next;
	time_t date = 0, ct, mt, *v;
	int bad = 0, n = 0;

	capture(&out, "cd '%s' && git log --format=%%at --name-only "
		"--relative --no-renames -- .", dir);
	for (line = out.data; *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (!*line)
			continue;
		if (line[0] >= '0' && line[0] <= '9' && !strchr(line, '.')) {
			date = strtol(line, NULL, 10);
			continue;
		}
		if (!(v = strmap_gets(&seen, line))) {
			v = xmalloc(2 * sizeof(*v));
			v[1] = date;
			strmap_put(&seen, line, strlen(line), v);
		}
		v[0] = date;
	}
	while ((e = strmap_next(&seen, &iter)) != NULL) {
		v = e->val;
		n++;
		if (!vcs_times_get(t, e->key, &ct, &mt) || ct != v[0] ||
		    mt != v[1]) {
			printf("# %s: git says %ld %ld\n", e->key, (long)v[0],
			       (long)v[1]);
			bad++;
		}
	}
	tap_ok(n > 0 && bad == 0, "the same times as git log for %d paths in %s",
	       n, name);
	strmap_release(&seen, free);
	buf_release(&out);
}

/* A history with a subdirectory, a modified file, a branch and its merge,
 * a deletion, a mode change and a commit outside the subdirectory. */
static void
make_history(const char *r)
{
	sh(GIT "init -q '%s'", r);
	write_file(r, "site/a.mdwn", "a\n");
	write_file(r, "site/b.mdwn", "b\n");
	write_file(r, "site/sub/d.mdwn", "d\n");
	write_file(r, "top.txt", "top\n");
	at(1000000000);
	sh(GIT "-C '%s' add -A && " GIT "-C '%s' commit -qm one", r, r);
	write_file(r, "site/a.mdwn", "a2\n");
	at(1000001000);
	sh(GIT "-C '%s' commit -qam two", r);
	sh(GIT "-C '%s' checkout -qb side", r);
	write_file(r, "site/c.mdwn", "c\n");
	at(1000002000);
	sh(GIT "-C '%s' add -A && " GIT "-C '%s' commit -qm three", r, r);
	sh(GIT "-C '%s' checkout -q main", r);
	write_file(r, "site/b.mdwn", "b2\n");
	at(1000003000);
	sh(GIT "-C '%s' commit -qam four", r);
	at(1000004000);
	sh(GIT "-C '%s' merge -q --no-edit side", r);
	at(1000005000);
	sh(GIT "-C '%s' rm -q site/b.mdwn && " GIT "-C '%s' commit -qm five", r, r);
	write_file(r, "top.txt", "top2\n");
	at(1000006000);
	sh(GIT "-C '%s' commit -qam six", r);
	at(1000007000);
	sh("chmod +x '%s/site/sub/d.mdwn' && " GIT "-C '%s' commit -qam seven",
	   r, r);
	write_file(r, "site/uncommitted.mdwn", "u\n");
}

static void
is_times(const struct vcs_times *t, const char *path, long ctime, long mtime)
{
	time_t ct = 0, mt = 0;
	bool found = vcs_times_get(t, path, &ct, &mt);

	tap_ok(found && ct == ctime && mt == mtime, "%s: ctime %ld mtime %ld",
	       path, ctime, mtime);
	if (found && (ct != ctime || mt != mtime))
		printf("# got ctime %ld mtime %ld\n", (long)ct, (long)mt);
}

static void
test_times(const char *root)
{
	struct buf r = BUF_INIT, site = BUF_INIT;
	struct vcs_times *t = NULL;
	struct sink s;

	sink_open(&s);
	buf_printf(&r, "%s/history", root);
	buf_printf(&site, "%s/history/site", root);
	make_history(r.data);

	tap_is_int(vcs_times_load(&t, site.data, &s.d), 0, "load from a subdirectory");
	tap_ok(t != NULL, "times found");
	is_times(t, "a.mdwn", 1000000000, 1000001000);
	is_times(t, "b.mdwn", 1000000000, 1000005000);
	is_times(t, "c.mdwn", 1000002000, 1000002000);
	is_times(t, "sub/d.mdwn", 1000000000, 1000007000);
	tap_ok(!vcs_times_get(t, "site/a.mdwn", NULL, NULL),
	       "paths are relative to dir");
	tap_ok(!vcs_times_get(t, "top.txt", NULL, NULL) &&
	       !vcs_times_get(t, "../top.txt", NULL, NULL),
	       "files outside dir are not recorded");
	tap_ok(!vcs_times_get(t, "uncommitted.mdwn", NULL, NULL),
	       "an uncommitted file has no times");
	tap_ok(!vcs_times_get(t, "sub", NULL, NULL), "directories have no times");
	check_against_git_log(t, site.data, "the subdirectory");
	vcs_times_free(t);

	tap_is_int(vcs_times_load(&t, r.data, &s.d), 0, "load from the top");
	is_times(t, "site/a.mdwn", 1000000000, 1000001000);
	is_times(t, "top.txt", 1000000000, 1000006000);
	check_against_git_log(t, r.data, "the top");
	vcs_times_free(t);
	tap_is(sink_text(&s), "", "no diagnostics");
	sink_close(&s);
	buf_release(&r);
	buf_release(&site);
}

/* A shallow clone (as CI checks out) stops at its boundary commit, which
 * git log shows as adding every file it has. */
static void
test_shallow(const char *root)
{
	struct buf dir = BUF_INIT;
	struct vcs_times *t = NULL;
	struct sink s;

	sink_open(&s);
	buf_printf(&dir, "%s/shallow", root);
	sh("git clone -q --depth 3 'file://%s/history' '%s'", root, dir.data);
	buf_puts(&dir, "/site");
	tap_is_int(vcs_times_load(&t, dir.data, &s.d), 0, "load a shallow clone");
	is_times(t, "a.mdwn", 1000005000, 1000005000);
	is_times(t, "sub/d.mdwn", 1000005000, 1000007000);
	tap_ok(!vcs_times_get(t, "b.mdwn", NULL, NULL),
	       "a file deleted beyond the boundary is unknown");
	check_against_git_log(t, dir.data, "the shallow clone");
	vcs_times_free(t);
	tap_is(sink_text(&s), "", "no diagnostics");
	sink_close(&s);
	buf_release(&dir);
}

static void
test_no_history(const char *root)
{
	struct buf dir = BUF_INIT;
	struct vcs_times *t = (struct vcs_times *)&dir;
	struct sink s;

	sink_open(&s);
	buf_printf(&dir, "%s/plain", root);
	write_file(dir.data, "index.mdwn", "x\n");
	tap_ok(vcs_times_load(&t, dir.data, &s.d) == 0 && t == NULL,
	       "not a repository: no times, no error");
	tap_ok(!vcs_times_get(NULL, "index.mdwn", NULL, NULL), "get on no times");

	buf_reset(&dir);
	buf_printf(&dir, "%s/unborn", root);
	sh(GIT "init -q '%s'", dir.data);
	t = (struct vcs_times *)&dir;
	tap_ok(vcs_times_load(&t, dir.data, &s.d) == 0 && t == NULL,
	       "unborn HEAD: no times, no error");
	write_file(dir.data, "index.mdwn", "x\n");
	sh(GIT "-C '%s' add index.mdwn", dir.data);
	t = (struct vcs_times *)&dir;
	tap_ok(vcs_times_load(&t, dir.data, &s.d) == 0 && t == NULL,
	       "staged but never committed: no times, no error");
	tap_is(sink_text(&s), "", "no diagnostics");
	sink_close(&s);
	buf_release(&dir);
}

static void
test_corrupt(const char *root)
{
	struct buf dir = BUF_INIT, tree = BUF_INIT;
	struct vcs_times *t = NULL;
	struct sink s;

	sink_open(&s);
	buf_printf(&dir, "%s/corrupt", root);
	sh(GIT "init -q '%s'", dir.data);
	write_file(dir.data, "sub/index.mdwn", "x\n");
	sh(GIT "-C '%s' add -A && " GIT "-C '%s' commit -qm one", dir.data,
	   dir.data);
	capture(&tree, "git -C '%s' rev-parse HEAD:sub", dir.data);
	buf_truncate(&tree, 40);
	tap_ok(sh("rm -f '%s/.git/objects/%.2s/%s'", dir.data, tree.data,
		  tree.data + 2) == 0, "a tree object removed");
	tap_is_int(vcs_times_load(&t, dir.data, &s.d), -1,
		   "a damaged repository fails");
	tap_ok(t == NULL, "and gives no times");
	tap_ok(strncmp(sink_text(&s), dir.data, dir.len) == 0 &&
	       strstr(sink_text(&s), "cannot read the history"),
	       "the error names the directory");
	printf("# %s", sink_text(&s));
	sink_close(&s);
	buf_release(&dir);
	buf_release(&tree);
}

int
main(void)
{
	char root[] = "/tmp/weft-test-vcs-XXXXXX";
	struct buf home = BUF_INIT;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	/* No identity or settings from the host: an empty home. */
	buf_printf(&home, "%s/home", root);
	path_mkdirs(home.data);
	setenv("HOME", home.data, 1);
	unsetenv("XDG_CONFIG_HOME");
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);

	test_init_configured(root);
	test_init_fresh(root);
	test_times(root);
	test_shallow(root);
	test_no_history(root);
	test_corrupt(root);

	rmtree(root);
	buf_release(&home);
	return tap_done();
}
