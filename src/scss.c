/* scss.c — libsass, with every file (imports too) read through a callback. */
#include "scss.h"

#include <sass.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "lazylib.h"
#include "path.h"
#include "xalloc.h"

/*
 * libsass is given each file under a virtual root: "scss/a.scss" is
 * "/scss/a.scss" to it. libsass keeps an absolute name as it is (it would
 * make a relative one absolute against the working directory), so the
 * importer learns the importing file's directory from it, and errors name
 * the file as load named it, wherever weft runs. libsass frees the texts
 * handed to it with free(): buf_detach's are malloc'd.
 */

/* libsass, opened on first use (lazylib.h): the functions weft calls. */
#define SASS_FUNCTIONS(X) \
	X(sass_compiler_execute) \
	X(sass_compiler_get_import_entry) \
	X(sass_compiler_get_import_stack_size) \
	X(sass_compiler_get_last_import) \
	X(sass_compiler_parse) \
	X(sass_context_get_error_file) \
	X(sass_context_get_error_line) \
	X(sass_context_get_error_status) \
	X(sass_context_get_error_text) \
	X(sass_context_get_output_string) \
	X(sass_data_context_get_context) \
	X(sass_data_context_get_options) \
	X(sass_delete_compiler) \
	X(sass_delete_data_context) \
	X(sass_delete_import_list) \
	X(sass_import_get_abs_path) \
	X(sass_import_get_error_message) \
	X(sass_import_set_error) \
	X(sass_importer_get_cookie) \
	X(sass_importer_set_list_entry) \
	X(sass_make_data_compiler) \
	X(sass_make_data_context) \
	X(sass_make_import) \
	X(sass_make_import_entry) \
	X(sass_make_import_list) \
	X(sass_make_importer) \
	X(sass_make_importer_list) \
	X(sass_option_set_c_importers) \
	X(sass_option_set_input_path) \
	X(sass_option_set_omit_source_map_url) \
	X(sass_option_set_output_style) \
	X(sass_option_set_source_comments)
LAZYLIB_DEFINE(sass, libsass, SASS_FUNCTIONS, WEFT_SASS_SONAME, "SCSS");

/*
 * libsass 3.6 frees the import list an importer returns only when the
 * import went well: an error entry, or an error while parsing the file
 * imported (or a file it imports), throws past the free. The loader keeps
 * the lists it handed out that may still be in flight, each with the depth
 * of libsass's import stack when it was asked, and frees after compiling
 * those libsass dropped (see reclaim).
 */
struct handed {
	Sass_Import_List list;
	size_t depth;
	bool failed;		/* an error entry: libsass never frees it */
};

/* The importer's cookie. */
struct loader {
	scss_load_fn load;
	void *arg;
	struct handed *lists;	/* by increasing depth */
	size_t n, cap;
};

/* Imports Sass leaves in the CSS for the browser: a .css file or a URL.
 * Returning no import for them lets libsass write them out as they are,
 * without looking for a file (url(...) never reaches the importer). */
static bool
plain_css(const char *url)
{
	size_t n = strlen(url);
	const char *p = url;

	if (n > 4 && strcmp(url + n - 4, ".css") == 0)
		return true;
	if (strncmp(url, "//", 2) == 0)
		return true;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		p++;
	return p > url && strncmp(p, "://", 3) == 0;
}

struct form {
	const char *pre, *post;
};

static const struct form plain_forms[] = {
	{ "", ".scss" }, { "_", ".scss" }, { "", "/_index.scss" }, { NULL, NULL }
};
static const struct form scss_forms[] = {
	{ "", "" }, { "_", "" }, { NULL, NULL }
};

/* Reads the first of D/x.scss, D/_x.scss, D/x/_index.scss (D/x and D/_x
 * when x ends in .scss) that load has into text, with its name in path.
 * rel is D/x, cleaned; the names tried are listed in tried. */
static int
find(struct buf *path, struct buf *text, struct buf *tried,
     const struct loader *l, const char *rel)
{
	const char *base = path_base(rel), *ext = path_ext(base);
	const struct form *f = ext && strcmp(ext, "scss") == 0 ? scss_forms :
	    plain_forms;

	for (; f->pre; f++) {
		buf_reset(path);
		buf_reset(text);
		buf_put(path, rel, (size_t)(base - rel));
		buf_printf(path, "%s%s%s", f->pre, base, f->post);
		buf_printf(tried, "%s%s", tried->len ? ", " : "", path->data);
		if (l->load(path->data, text, l->arg) == 0)
			return 0;
	}
	return -1;
}

/* An import that fails with message at the @import (libsass takes the
 * line and column of the rule when both are npos). */
static Sass_Import_Entry
import_error(const char *url, const char *message)
{
	Sass_Import_Entry e = sass.sass_make_import_entry(url, NULL, NULL);

	return sass.sass_import_set_error(e, message, SIZE_MAX, SIZE_MAX);
}

/* The name load knows a virtual name by. */
static const char *
unrooted(const char *vpath)
{
	return vpath[0] == '/' ? vpath + 1 : vpath;
}

/* Appends to msg the chain of imports from vpath back to it when vpath
 * is being imported already (libsass's own message would name the files
 * relative to the working directory). */
static void
import_loop(struct buf *msg, struct Sass_Compiler *comp, const char *vpath)
{
	size_t n = sass.sass_compiler_get_import_stack_size(comp), i = n, k;

	while (i > 0 && strcmp(vpath, sass.sass_import_get_abs_path(
				       sass.sass_compiler_get_import_entry(comp, i - 1))))
		i--;
	if (i == 0)
		return;
	buf_puts(msg, "import loop:");
	for (k = i - 1; k < n; k++)
		buf_printf(msg, " %s imports", unrooted(sass.sass_import_get_abs_path(
			sass.sass_compiler_get_import_entry(comp, k))));
	buf_printf(msg, " %s", unrooted(vpath));
}

/* url resolved against the directory of the importing file, the last on
 * the import stack. */
static Sass_Import_Entry
import_one(const struct loader *l, struct Sass_Compiler *comp, const char *url)
{
	struct buf dir = BUF_INIT, rel = BUF_INIT, path = BUF_INIT;
	struct buf text = BUF_INIT, tried = BUF_INIT, msg = BUF_INIT;
	const char *from = unrooted(sass.sass_import_get_abs_path(
		sass.sass_compiler_get_last_import(comp)));
	Sass_Import_Entry e;

	buf_put(&dir, from, path_dirlen(from, strlen(from)));
	path_join(&rel, dir.data, url);
	if (url[0] == '/' || path_clean(rel.data) < 0)
		buf_printf(&msg, "\"%s\" is outside the theme", url);
	else if (find(&path, &text, &tried, l, rel.data) < 0)
		buf_printf(&msg, "cannot find \"%s\" (tried %s)", url, tried.data);
	else {
		buf_reset(&rel);
		buf_printf(&rel, "/%s", path.data);
		import_loop(&msg, comp, rel.data);
	}
	if (msg.len)
		e = import_error(url, msg.data);
	else
		e = sass.sass_make_import(url, rel.data, buf_detach(&text, NULL), NULL);
	buf_release(&dir);
	buf_release(&rel);
	buf_release(&path);
	buf_release(&text);
	buf_release(&tried);
	buf_release(&msg);
	return e;
}

/* Records list, handed out at depth. An import asked for at depth means
 * every list handed out at depth or deeper came back, and libsass freed
 * it: the stack only grows past depth while an import from there runs. */
static void
hand(struct loader *l, Sass_Import_List list, size_t depth)
{
	struct handed *h;

	while (l->n > 0 && l->lists[l->n - 1].depth >= depth)
		l->n--;
	l->lists = xgrow(l->lists, &l->cap, l->n + 1, sizeof(*l->lists));
	h = &l->lists[l->n++];
	h->list = list;
	h->depth = depth;
	h->failed = sass.sass_import_get_error_message(list[0]) != NULL;
}

/* Frees the lists libsass dropped. After an error at import stack depth
 * (left as it was when libsass threw), a list handed out less deep was
 * still in flight, and so was one holding an error entry; the others
 * came back. */
static void
reclaim(struct loader *l, size_t depth, bool error)
{
	size_t i;

	for (i = 0; error && i < l->n; i++)
		if (l->lists[i].depth < depth || l->lists[i].failed)
			sass.sass_delete_import_list(l->lists[i].list);
	free(l->lists);
}

static Sass_Import_List
importer(const char *url, Sass_Importer_Entry cb, struct Sass_Compiler *comp)
{
	struct loader *l = sass.sass_importer_get_cookie(cb);
	Sass_Import_List list;

	if (plain_css(url))
		return NULL;
	list = sass.sass_make_import_list(1);
	list[0] = import_one(l, comp, url);
	hand(l, list, sass.sass_compiler_get_import_stack_size(comp));
	return list;
}

static void
set_options(struct Sass_Options *o, const char *ventry, struct loader *l)
{
	Sass_Importer_List imps = sass.sass_make_importer_list(1);

	sass.sass_importer_set_list_entry(imps, 0, sass.sass_make_importer(importer, 0, l));
	sass.sass_option_set_c_importers(o, imps);
	sass.sass_option_set_input_path(o, ventry);
	sass.sass_option_set_output_style(o, SASS_STYLE_EXPANDED);
	sass.sass_option_set_source_comments(o, false);
	sass.sass_option_set_omit_source_map_url(o, true);
}

/* The name errors give a file: label/path. */
static void
labelled(struct buf *out, const char *label, const char *path)
{
	if (label && *label)
		buf_printf(out, "%s/", label);
	buf_puts(out, path);
}

/* Reports libsass's error at the file and line it names. */
static int
report(struct diag *d, struct Sass_Context *ctx, const char *label,
       const char *ventry)
{
	const char *vfile = sass.sass_context_get_error_file(ctx);
	const char *msg = sass.sass_context_get_error_text(ctx);
	struct buf file = BUF_INIT, text = BUF_INIT;
	int rc;

	labelled(&file, label, unrooted(vfile ? vfile : ventry));
	buf_puts(&text, msg ? msg : "libsass error");
	while (text.len && (text.data[text.len - 1] == '\n' ||
			    text.data[text.len - 1] == ' '))
		buf_truncate(&text, text.len - 1);
	rc = diag_error(d, file.data, (unsigned)sass.sass_context_get_error_line(ctx),
			"%s", text.data);
	buf_release(&file);
	buf_release(&text);
	return rc;
}

/* Compiles dc: the outcome is in its context. */
static void
run(struct Sass_Data_Context *dc, struct loader *l)
{
	struct Sass_Context *ctx = sass.sass_data_context_get_context(dc);
	struct Sass_Compiler *comp = sass.sass_make_data_compiler(dc);

	sass.sass_compiler_parse(comp);
	sass.sass_compiler_execute(comp);
	reclaim(l, sass.sass_compiler_get_import_stack_size(comp),
		sass.sass_context_get_error_status(ctx) != 0);
	sass.sass_delete_compiler(comp);
}

int
scss_compile(struct buf *css, const char *entry, const char *label,
	     scss_load_fn load, void *arg, struct diag *d)
{
	struct loader l = { load, arg, NULL, 0, 0 };
	struct buf text = BUF_INIT, ventry = BUF_INIT;
	struct Sass_Data_Context *dc;
	struct Sass_Context *ctx;
	const char *out;
	int rc = -1;

	if (lazylib_load(&libsass, d) < 0)
		return -1;
	if (load(entry, &text, arg) < 0) {
		buf_release(&text);
		labelled(&ventry, label, entry);
		diag_error(d, ventry.data, 0, "no such file");
		buf_release(&ventry);
		return -1;
	}
	buf_printf(&ventry, "/%s", entry);
	dc = sass.sass_make_data_context(buf_detach(&text, NULL));
	set_options(sass.sass_data_context_get_options(dc), ventry.data, &l);
	run(dc, &l);
	ctx = sass.sass_data_context_get_context(dc);
	if (sass.sass_context_get_error_status(ctx))
		report(d, ctx, label, ventry.data);
	else if ((out = sass.sass_context_get_output_string(ctx)) != NULL) {
		buf_puts(css, out);
		rc = 0;
	}
	sass.sass_delete_data_context(dc);
	buf_release(&ventry);
	return rc;
}
