/* cmd_new.c — weft new: a complete site, ready to build, in a new git
 * repository. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "command.h"
#include "diag.h"
#include "embed.h"
#include "path.h"
#include "vcs.h"
#include "vendor.h"
#include "xalloc.h"

static const struct cmd_option options[] = {
	{ { "help", no_argument, NULL, 'h' }, NULL, "show this help" },
	{ { NULL, 0, NULL, 0 }, NULL, NULL },
};

/* Whether dir is missing or empty. */
static bool
vacant(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return errno == ENOENT;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Appends text with each @KEY@ of vars replaced. */
static void
substitute(struct buf *out, const char *text, size_t len, const char *const *vars)
{
	size_t i = 0, k;

	while (i < len) {
		for (k = 0; vars[k]; k += 2) {
			size_t n = strlen(vars[k]);

			if (i + n <= len && memcmp(text + i, vars[k], n) == 0)
				break;
		}
		if (vars[k]) {
			buf_puts(out, vars[k + 1]);
			i += strlen(vars[k]);
		} else {
			buf_putc(out, text[i++]);
		}
	}
}

static int
write_skeleton(const char *dir, const char *const *vars, struct diag *d)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < embedded_count; i++) {
		const struct embedded_file *f = &embedded_files[i];
		const char *rel = f->path + strlen("src/skeleton/");
		FILE *out;

		if (strncmp(f->path, "src/skeleton/", 13) != 0)
			continue;
		buf_reset(&path);
		buf_reset(&text);
		path_join(&path, dir, strcmp(rel, "gitignore") == 0 ? ".gitignore" : rel);
		substitute(&text, (const char *)f->data, f->len, vars);
		if (path_mkdirs_parent(path.data) < 0 || !(out = fopen(path.data, "w"))) {
			rc = diag_error(d, path.data, 0, "cannot write: %s", strerror(errno));
			break;
		}
		fwrite(text.data, 1, text.len, out);
		if (fclose(out) != 0) {
			rc = diag_error(d, path.data, 0, "cannot write: %s", strerror(errno));
			break;
		}
	}
	buf_release(&path);
	buf_release(&text);
	return rc;
}

/* The site's name from its directory, fit for a double-quoted YAML string. */
static char *
site_name(const char *dir)
{
	char *copy = xstrdup(dir);
	struct buf b = BUF_INIT;
	const char *s;

	path_clean(copy);
	for (s = path_base(copy); *s; s++)
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			buf_putc(&b, *s);
	if (!b.len)
		buf_puts(&b, "My site");
	free(copy);
	return buf_detach(&b, NULL);
}

static int
make_site(const char *dir, struct diag *d)
{
	struct vendor_report r;
	struct buf plugins = BUF_INIT, themes = BUF_INIT;
	char *name = site_name(dir), date[32];
	const char *vars[] = { "@WIKINAME@", name, "@DATE@", date, NULL };
	time_t now = time(NULL);
	struct tm tm;
	int rc = -1;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);

	if (path_mkdirs(dir) < 0) {
		diag_error(d, dir, 0, "cannot create: %s", strerror(errno));
		goto out;
	}
	path_join(&plugins, dir, "plugins");
	path_join(&themes, dir, "themes");
	if (write_skeleton(dir, vars, d) < 0 ||
	    vendor_copy(&r, plugins.data, themes.data, false, d) < 0 ||
	    vcs_init_commit(dir, "New site, made by weft new", d) < 0)
		goto out;
	rc = 0;
out:
	free(name);
	buf_release(&plugins);
	buf_release(&themes);
	return rc;
}

int
cmd_new(int argc, char **argv)
{
	struct option *longopts;
	char *shortopts;
	struct diag d;
	int c, status = EXIT_USAGE;

	cmd_getopt_table(options, &longopts, &shortopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			cmd_usage(stdout, argv[0], "DIR", options);
			status = EXIT_OK;
		} else {
			cmd_usage(stderr, argv[0], "DIR", options);
		}
		goto out;
	}
	if (argc - optind != 1) {
		cmd_usage(stderr, argv[0], "DIR", options);
		goto out;
	}
	diag_init(&d, stderr, 0);
	if (!vacant(argv[optind])) {
		diag_error(&d, argv[optind], 0, "exists and is not empty");
	} else if (make_site(argv[optind], &d) == 0) {
		printf("Made a new site in %s. Build it with:\n  cd %s && weft build\n",
		       argv[optind], argv[optind]);
		status = EXIT_OK;
	} else {
		status = EXIT_FAILED;
	}
	diag_release(&d);
out:
	free(longopts);
	free(shortopts);
	return status;
}
