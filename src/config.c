/* config.c — the configuration: a YAML file read against tables of options,
 * with typed reads, overrides, checks and --help. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "diag.h"
#include "path.h"
#include "xalloc.h"

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strmap_init(&c->options);
	config_declare(c, core_options, core_options_count);
}

static void
config_forget(struct config *c)
{
	free(c->file);
	free(c->dir);
	yaml_doc_release(&c->doc);
	c->file = NULL;
	c->dir = NULL;
}

void
config_release(struct config *c)
{
	config_forget(c);
	cJSON_Delete(c->set);
	strmap_release(&c->options, NULL);
	memset(c, 0, sizeof(*c));
}

static int
read_file(struct buf *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = -1, err;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(out, chunk, n);
	if (!ferror(f))
		rc = 0;
	err = errno;
	fclose(f);
	errno = err;	/* fread's, for the message */
	return rc;
}

int
config_load(struct config *c, const char *path, struct diag *d)
{
	struct buf text = BUF_INIT;
	char *file, *dir;
	int rc;

	if (read_file(&text, path) < 0) {
		rc = diag_error(d, path, 0, "cannot read: %s", strerror(errno));
		buf_release(&text);
		return rc;
	}
	file = path_absolute(path);
	dir = xstrndup(file, path_dirlen(file, strlen(file)));
	rc = config_load_text(c, text.data, text.len, file,
			      dir[0] ? dir : "/", d);
	free(dir);
	free(file);
	buf_release(&text);
	return rc;
}

int
config_load_text(struct config *c, const char *text, size_t len,
		 const char *name, const char *dir, struct diag *d)
{
	config_forget(c);
	c->file = name ? xstrdup(name) : NULL;
	c->dir = path_absolute(dir);
	if (yaml_read(&c->doc, text, len, c->file, 1, d) < 0)
		return -1;
	if (c->doc.root && !cJSON_IsObject(c->doc.root)) {
		diag_error(d, c->file, c->doc.line,
			   "a setup file holds a mapping of keys to values");
		yaml_doc_release(&c->doc);
		return -1;
	}
	return 0;
}

void
config_load_none(struct config *c, const char *dir)
{
	config_forget(c);
	c->dir = path_absolute(dir);
}

void
config_declare(struct config *c, const struct config_option *opts, size_t n)
{
	void **slot;
	size_t i;

	for (i = 0; i < n; i++) {
		slot = strmap_slot(&c->options, opts[i].name,
				   strlen(opts[i].name));
		if (!*slot)
			*slot = (void *)&opts[i];
	}
}

void
config_set(struct config *c, const char *key, const char *val)
{
	cJSON *v = val ? cJSON_CreateString(val) : cJSON_CreateNull();

	if (!c->set)
		c->set = cJSON_CreateObject();
	if (!c->set || !v) {
		fputs("weft: out of memory\n", stderr);
		abort();
	}
	if (cJSON_GetObjectItemCaseSensitive(c->set, key))
		cJSON_ReplaceItemInObjectCaseSensitive(c->set, key, v);
	else
		cJSON_AddItemToObject(c->set, key, v);
}

/* The value of key: set from the command line, else from the file. */
static const cJSON *
lookup(const struct config *c, const char *key)
{
	const cJSON *v = NULL;

	if (c->set)
		v = cJSON_GetObjectItemCaseSensitive(c->set, key);
	if (!v && cJSON_IsObject(c->doc.root))
		v = cJSON_GetObjectItemCaseSensitive(c->doc.root, key);
	return v;
}

static const char *
default_of(const struct config *c, const char *key)
{
	const struct config_option *o = strmap_gets(&c->options, key);

	return o ? o->def : NULL;
}

/* 1 or 0, or -1 when s is not a boolean. A number counts as Perl counts
 * it: zero is false, any other true. */
static int
parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off", "" };
	char *end;
	long n;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || *end || errno)
		return -1;
	return n != 0;
}

/* A decimal number, all of s. */
static int
parse_int(const char *s, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(s, &end, 10);
	return end == s || *end || errno ? -1 : 0;
}

static bool
is_string_list(const cJSON *v)
{
	const cJSON *i;

	if (cJSON_IsString(v) || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsArray(v))
		return false;
	cJSON_ArrayForEach(i, v)
		if (!cJSON_IsString(i))
			return false;
	return true;
}

/* Whether v is a value of type t; null (an empty value) fits every type. */
static bool
fits(enum opt_type t, const cJSON *v)
{
	long n;

	if (cJSON_IsNull(v) || t == OPT_ANY)
		return true;
	switch (t) {
	case OPT_STRING:
		return cJSON_IsString(v);
	case OPT_BOOL:
		return cJSON_IsString(v) && parse_bool(v->valuestring) >= 0;
	case OPT_INT:
		return cJSON_IsString(v) && parse_int(v->valuestring, &n) == 0;
	case OPT_LIST:
		return is_string_list(v);
	default:
		return true;
	}
}

const char *
config_str(const struct config *c, const char *key)
{
	const cJSON *v = lookup(c, key);

	if (cJSON_IsString(v))
		return v->valuestring;
	return default_of(c, key);
}

bool
config_bool(const struct config *c, const char *key)
{
	const cJSON *v = lookup(c, key);
	const char *def = default_of(c, key);

	if (cJSON_IsNull(v))
		return false;
	if (cJSON_IsString(v) && parse_bool(v->valuestring) >= 0)
		return parse_bool(v->valuestring);
	return def && parse_bool(def) == 1;
}

long
config_int(const struct config *c, const char *key)
{
	const cJSON *v = lookup(c, key);
	const char *def = default_of(c, key);
	long n;

	if (cJSON_IsString(v) && parse_int(v->valuestring, &n) == 0)
		return n;
	if (def && parse_int(def, &n) == 0)
		return n;
	return 0;
}

char *
config_path(const struct config *c, const char *key)
{
	const char *s = config_str(c, key);
	struct buf b = BUF_INIT;

	if (!s)
		return NULL;
	if (s[0] == '/' || !c->dir)
		return path_absolute(s);
	path_join(&b, c->dir, s);
	path_clean(b.data);	/* c->dir is absolute: this cannot fail */
	return buf_detach(&b, NULL);
}

/* A scalar as a list: none for "", else one item. */
static size_t
list_of_one(const char *s, const char ***items)
{
	*items = xcalloc(2, sizeof(**items));
	if (!s || !s[0])
		return 0;
	(*items)[0] = s;
	return 1;
}

size_t
config_list(const struct config *c, const char *key, const char ***items)
{
	const cJSON *v = lookup(c, key), *i;
	size_t n = 0;

	if (!v || !is_string_list(v))
		return list_of_one(default_of(c, key), items);
	if (cJSON_IsNull(v))
		return list_of_one(NULL, items);
	if (cJSON_IsString(v))
		return list_of_one(v->valuestring, items);
	*items = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(**items));
	cJSON_ArrayForEach(i, v)
		(*items)[n++] = i->valuestring;
	return n;
}

const struct cJSON *
config_value(const struct config *c, const char *key)
{
	return lookup(c, key);
}

unsigned
config_line(const struct config *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->doc.nkeys; i++)
		if (strcmp(c->doc.keys[i].key, key) == 0)
			return c->doc.keys[i].line;
	return 0;
}

static const char *
shape_name(const cJSON *v)
{
	if (cJSON_IsObject(v))
		return "a mapping";
	if (cJSON_IsArray(v))
		return "a list";
	return "a string";
}

static const char *
type_name(const struct config_option *o)
{
	static const char *const names[] = {
		[OPT_STRING] = "string", [OPT_BOOL] = "bool",
		[OPT_INT] = "int", [OPT_LIST] = "list", [OPT_ANY] = "any",
	};

	if (o->flags & OPT_PATH)
		return "path";
	return (unsigned)o->type < sizeof(names) / sizeof(*names) ?
	       names[o->type] : "?";
}

/* The default as --help and messages show it. */
static const char *
default_text(const struct config_option *o)
{
	if (o->type == OPT_BOOL)
		return o->def && parse_bool(o->def) == 1 ? "yes" : "no";
	if (!o->def)
		return "-";
	if (!o->def[0])
		return "\"\"";
	return o->def;
}

/* One warning for a value that does not fit its option. */
static void
check_value(struct diag *d, const char *file, unsigned line,
	    const struct config_option *o, const cJSON *v)
{
	const char *def = default_text(o);

	if (fits(o->type, v))
		return;
	if (cJSON_IsString(v))
		diag_warning(d, file, line,
			     "%s: \"%s\" is not %s; using the default (%s)",
			     o->name, v->valuestring,
			     o->type == OPT_BOOL ? "a boolean (yes or no)" :
			     "a number", def);
	else
		diag_warning(d, file, line,
			     "%s: expected %s, not %s; using the default (%s)",
			     o->name, o->type == OPT_LIST ? "a list of strings" :
			     o->type == OPT_STRING ? "a string" : "a scalar",
			     shape_name(v), def);
}

/* The value of the key at k, which is v, the next member of the root, as
 * both are in document order: a walk in step stays linear. */
static const cJSON *
member(const struct config *c, const struct yaml_keyline *k, const cJSON *v)
{
	if (v && v->string && strcmp(v->string, k->key) == 0)
		return v;
	return cJSON_GetObjectItemCaseSensitive(c->doc.root, k->key);
}

void
config_check(struct config *c, struct diag *d)
{
	const struct yaml_keyline *k;
	const struct config_option *o;
	const cJSON *v = c->doc.root ? c->doc.root->child : NULL;
	size_t i;

	for (i = 0; i < c->doc.nkeys; i++, v = v ? v->next : NULL) {
		k = &c->doc.keys[i];
		v = member(c, k, v);
		o = strmap_gets(&c->options, k->key);
		if (!o)
			diag_warning(d, c->file, k->line,
				     "unknown setup key \"%s\"", k->key);
		else if (o->flags & OPT_IGNORED)
			diag_note(d, c->file, k->line, "%s: ignored: %s",
				  k->key, o->help);
		else
			check_value(d, c->file, k->line, o, v);
	}
	if (!c->set)
		return;
	cJSON_ArrayForEach(v, c->set) {
		o = strmap_gets(&c->options, v->string);
		if (o && !(o->flags & OPT_IGNORED))
			check_value(d, NULL, 0, o, v);
	}
}

static bool
is_core(const struct config_option *o)
{
	size_t i;

	for (i = 0; i < core_options_count; i++)
		if (o == &core_options[i])
			return true;
	return false;
}

static int
option_cmp(const void *a, const void *b)
{
	const struct config_option *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The options --help lists, core ones in table order, then declared ones
 * by name; the caller frees the array. */
static size_t
help_list(const struct config *c, const struct config_option ***out)
{
	const struct config_option **v = xcalloc(c->options.count + 1, sizeof(*v));
	const struct strmap_entry *e;
	size_t i, n = 0, ncore, iter = 0;

	for (i = 0; i < core_options_count; i++)
		if (!(core_options[i].flags & OPT_IGNORED))
			v[n++] = &core_options[i];
	ncore = n;
	while ((e = strmap_next(&c->options, &iter))) {
		const struct config_option *o = e->val;

		if (!is_core(o) && !(o->flags & OPT_IGNORED))
			v[n++] = o;
	}
	qsort(v + ncore, n - ncore, sizeof(*v), option_cmp);
	*out = v;
	return n;
}

void
config_help(FILE *out, const struct config *c)
{
	const struct config_option **v;
	size_t i, n = help_list(c, &v);
	int wname = 4, wdef = 7;
	bool core = true;

	for (i = 0; i < n; i++) {
		if ((int)strlen(v[i]->name) > wname)
			wname = (int)strlen(v[i]->name);
		if ((int)strlen(default_text(v[i])) > wdef)
			wdef = (int)strlen(default_text(v[i]));
	}
	fprintf(out, "Core options:\n");
	for (i = 0; i < n; i++) {
		if (core && !is_core(v[i])) {
			fprintf(out, "\nPlugin options:\n");
			core = false;
		}
		fprintf(out, "  %-*s  %-6s  %-*s  %s\n", wname, v[i]->name,
			type_name(v[i]), wdef, default_text(v[i]),
			v[i]->help ? v[i]->help : "");
	}
	free(v);
}
