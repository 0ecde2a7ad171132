/* theme.c — template and theme-file lookup, and the compiled-template cache. */
#include "theme.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "embed.h"
#include "path.h"
#include "scss.h"
#include "state.h"
#include "tmpl.h"
#include "xalloc.h"

static const char failed;	/* the cache's mark for "tried, no template" */

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
embedded_theme(const char *name)
{
	struct buf b = BUF_INIT;
	bool found;

	buf_printf(&b, "themes/%s/templates/page.tmpl", name);
	found = embed_find(b.data) != NULL;
	buf_release(&b);
	return found;
}

void
theme_init(struct theme *t, const struct config *cfg, const char *srcdir,
	   struct diag *d)
{
	const char *name = config_str(cfg, "theme");
	char *themedir = config_path(cfg, "themedir");
	struct buf b = BUF_INIT;

	memset(t, 0, sizeof(*t));
	t->diag = d;
	pthread_mutex_init(&t->lock, NULL);
	strmap_init(&t->cache);
	strmap_init(&t->digests);
	t->sitedir = xstrdup(cfg->dir ? cfg->dir : srcdir);
	path_join(&b, srcdir, "templates");
	t->sitetemplates = buf_detach(&b, NULL);
	t->templatedir = config_path(cfg, "templatedir");
	if (!name || !*name)
		name = "default";
	if (themedir) {
		path_join(&b, themedir, name);
		if (is_dir(b.data))
			t->dir = buf_detach(&b, NULL);
		buf_release(&b);
	}
	if (!t->dir && !embedded_theme(name)) {
		diag_note(d, cfg->file, config_line(cfg, "theme"),
			  "theme \"%s\" is not in %s or built in; using the default theme",
			  name, themedir ? themedir : "the site");
		name = "default";
	}
	t->name = xstrdup(name);
	free(themedir);
}

static void
free_tmpl(void *p)
{
	if (p != &failed)
		tmpl_free(p);
}

void
theme_release(struct theme *t)
{
	strmap_release(&t->cache, free_tmpl);
	strmap_release(&t->digests, free);
	pthread_mutex_destroy(&t->lock);
	free(t->name);
	free(t->sitetemplates);
	free(t->templatedir);
	free(t->dir);
	free(t->sitedir);
}

/* The name of path for messages: relative to the site when inside it. */
static void
display_name(struct theme *t, const char *path, struct buf *out)
{
	size_t n = strlen(t->sitedir);

	buf_reset(out);
	if (strncmp(path, t->sitedir, n) == 0 && path[n] == '/')
		buf_puts(out, path + n + 1);
	else
		buf_puts(out, path);
}

/* Tries dir/sub/name on disk. */
static int
try_disk(struct theme *t, const char *dir, const char *sub, const char *name,
	 struct buf *text, struct buf *file)
{
	struct buf path = BUF_INIT;
	int rc;

	if (!dir)
		return -1;
	path_join(&path, dir, sub);
	buf_putc(&path, '/');
	buf_puts(&path, name);
	rc = buf_read_file(text, path.data);
	if (rc == 0 && file)
		display_name(t, path.data, file);
	buf_release(&path);
	return rc;
}

static int
try_embedded(const char *theme, const char *relpath, struct buf *text,
	     struct buf *file)
{
	struct buf path = BUF_INIT;
	const struct embedded_file *f;

	buf_printf(&path, "themes/%s/%s", theme, relpath);
	f = embed_find(path.data);
	if (f) {
		buf_put(text, f->data, f->len);
		if (file) {
			buf_reset(file);
			buf_printf(file, "(built in) %s", path.data);
		}
	}
	buf_release(&path);
	return f ? 0 : -1;
}

int
theme_template_text(struct theme *t, const char *name, struct buf *text,
		    struct buf *file)
{
	struct buf rel = BUF_INIT;
	int rc;

	/* A template name never reaches outside the template directories. */
	if (!*name || strchr(name, '/') || strcmp(name, "..") == 0)
		return -1;
	buf_printf(&rel, "templates/%s", name);
	rc = try_disk(t, t->sitetemplates, "", name, text, file);
	if (rc < 0)
		rc = try_disk(t, t->templatedir, "", name, text, file);
	if (rc < 0)
		rc = try_disk(t, t->dir, "templates", name, text, file);
	if (rc < 0)
		rc = try_embedded(t->name, rel.data, text, file);
	if (rc < 0 && strcmp(t->name, "default") != 0)
		rc = try_embedded("default", rel.data, text, file);
	buf_release(&rel);
	return rc;
}

static int
load_include(const char *name, struct buf *text, struct buf *file, void *arg)
{
	struct theme *t = arg;

	if (theme_template_text(t, name, text, file) == 0)
		return 0;
	return diag_error(t->diag, NULL, 0, "template \"%s\" not found", name);
}

static struct tmpl *
compile(struct theme *t, const char *name)
{
	struct buf text = BUF_INIT, file = BUF_INIT;
	struct tmpl *tm = NULL;

	/* Not found is the caller's to report: plugins may look templates up
	 * to see whether a site has one. */
	if (theme_template_text(t, name, &text, &file) == 0) {
		struct buf d = BUF_INIT;
		uint64_t h = state_hash_str(STATE_HASH_INIT, file.data);

		h = state_hash(h, text.data, text.len);
		buf_printf(&d, "%016llx", (unsigned long long)h);
		free(strmap_put(&t->digests, name, strlen(name), buf_detach(&d, NULL)));
		tm = tmpl_compile(file.data, text.data, text.len, 0,
				  load_include, t, t->diag);
	}
	buf_release(&text);
	buf_release(&file);
	return tm;
}

const struct tmpl *
theme_template(struct theme *t, const char *name)
{
	void **slot;
	void *tm;

	/* Compiling under the lock keeps "reported once" simple; templates
	 * are few and compile in microseconds. */
	pthread_mutex_lock(&t->lock);
	slot = strmap_slot(&t->cache, name, strlen(name));
	if (!*slot) {
		struct tmpl *c = compile(t, name);

		slot = strmap_slot(&t->cache, name, strlen(name));
		*slot = c ? (void *)c : (void *)&failed;
	}
	tm = *slot;
	pthread_mutex_unlock(&t->lock);
	return tm == &failed ? NULL : tm;
}

int
theme_read(struct theme *t, const char *relpath, struct buf *text)
{
	if (try_disk(t, t->dir, "", relpath, text, NULL) == 0)
		return 0;
	return try_embedded(t->name, relpath, text, NULL);
}

/* Appends the files below dir/sub (sub relative to the static root). */
static void
list_disk(const char *root, const char *sub, struct vec *out, int depth)
{
	struct buf path = BUF_INIT;
	struct dirent *e;
	DIR *d;

	path_join(&path, root, sub);
	if (depth > 32 || !(d = opendir(path.data))) {
		buf_release(&path);
		return;
	}
	while ((e = readdir(d))) {
		struct buf rel = BUF_INIT, full = BUF_INIT;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		path_join(&rel, sub, e->d_name);
		path_join(&full, root, rel.data);
		if (lstat(full.data, &st) == 0 && S_ISDIR(st.st_mode))
			list_disk(root, rel.data, out, depth + 1);
		else if (S_ISREG(st.st_mode))
			vec_push(out, buf_detach(&rel, NULL));
		buf_release(&rel);
		buf_release(&full);
	}
	closedir(d);
	buf_release(&path);
}

void
theme_static(struct theme *t, struct vec *out)
{
	struct buf prefix = BUF_INIT;
	size_t i, start = out->n;

	if (t->dir) {
		struct buf root = BUF_INIT;

		path_join(&root, t->dir, "static");
		list_disk(root.data, "", out, 0);
		buf_release(&root);
	}
	buf_printf(&prefix, "themes/%s/static/", t->name);
	if (!t->dir) {
		for (i = 0; i < embedded_count; i++) {
			const char *p = embedded_files[i].path;

			if (strncmp(p, prefix.data, prefix.len) == 0)
				vec_push(out, xstrdup(p + prefix.len));
		}
	}
	buf_release(&prefix);
	if (out->n > start)
		qsort(out->v + start, out->n - start, sizeof(*out->v), str_ptr_cmp);
}

static int
load_scss(const char *path, struct buf *text, void *arg)
{
	return theme_read(arg, path, text);
}

int
theme_css(struct theme *t, struct buf *css)
{
	struct buf probe = BUF_INIT, label = BUF_INIT;
	int rc;

	if (theme_read(t, "scss/style.scss", &probe) < 0) {
		buf_release(&probe);
		return 1;
	}
	if (t->dir)
		display_name(t, t->dir, &label);
	else
		buf_printf(&label, "(built in) themes/%s", t->name);
	rc = scss_compile(css, "scss/style.scss", label.data, load_scss, t, t->diag);
	buf_release(&probe);
	buf_release(&label);
	return rc;
}

/* Hashes the files below root/sub, in name order. */
static uint64_t
hash_tree(uint64_t h, const char *root, const char *sub, int depth)
{
	struct buf path = BUF_INIT;
	struct dirent **names;
	int i, n;

	path_join(&path, root, sub);
	n = depth > 32 ? -1 : scandir(path.data, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		struct buf rel = BUF_INIT, full = BUF_INIT, data = BUF_INIT;
		struct stat st;

		if (names[i]->d_name[0] != '.') {
			path_join(&rel, sub, names[i]->d_name);
			path_join(&full, root, rel.data);
			if (lstat(full.data, &st) == 0 && S_ISDIR(st.st_mode)) {
				h = hash_tree(h, root, rel.data, depth + 1);
			} else if (buf_read_file(&data, full.data) == 0) {
				h = state_hash_str(h, rel.data);
				h = state_hash(h, data.data, data.len);
			}
		}
		buf_release(&rel);
		buf_release(&full);
		buf_release(&data);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	buf_release(&path);
	return h;
}

void
theme_digest(struct theme *t, struct buf *out)
{
	uint64_t h = state_hash_str(STATE_HASH_INIT, t->name);

	/* The binary's copy changes only with weft itself. */
	h = state_hash_str(h, WEFT_VERSION);
	if (t->dir) {
		h = hash_tree(h, t->dir, "scss", 0);
		h = hash_tree(h, t->dir, "static", 0);
	}
	buf_printf(out, "%016llx", (unsigned long long)h);
}

void
theme_template_digest(struct theme *t, const char *name, struct buf *out)
{
	struct buf text = BUF_INIT, file = BUF_INIT;

	if (theme_template_text(t, name, &text, &file) < 0) {
		buf_puts(out, "-");
	} else {
		uint64_t h = state_hash_str(STATE_HASH_INIT, file.data);

		h = state_hash(h, text.data, text.len);
		buf_printf(out, "%016llx", (unsigned long long)h);
	}
	buf_release(&text);
	buf_release(&file);
}

const char *
theme_digest_read(struct theme *t, const char *name)
{
	const char *d;

	pthread_mutex_lock(&t->lock);
	d = strmap_gets(&t->digests, name);
	pthread_mutex_unlock(&t->lock);
	return d;
}
