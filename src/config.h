/* config.h — a site's configuration: weft.yaml, or an ikiwiki YAML setup
 * file, described by tables of options. */
#ifndef WEFT_CONFIG_H
#define WEFT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "strmap.h"
#include "yamldoc.h"

struct cJSON;
struct diag;

enum opt_type {
	OPT_STRING,
	OPT_BOOL,		/* "1" "yes" "true" "on" / "0" "no" "false" "off" "" */
	OPT_INT,
	OPT_LIST,		/* a sequence of strings; a single scalar is a list of one */
	OPT_ANY,		/* anything: a mapping, say; read by a plugin */
};

enum {
	OPT_PATH = 1 << 0,	/* a path: relative to the config file's directory */
	OPT_IGNORED = 1 << 1,	/* an ikiwiki key weft has no use for (CGI,
				 * wrappers, ...): a note, once, when set */
	OPT_REBUILD = 1 << 2,	/* changing it changes every page */
};

/* One option. Tables of these describe the core's options (options.c) and
 * each plugin's; the same table drives parsing, checking and --help. */
struct config_option {
	const char *name;
	enum opt_type type;
	const char *def;	/* default as a scalar ("1", "", "page.tmpl"), NULL: none */
	const char *help;	/* one line; for OPT_IGNORED, why weft ignores it */
	unsigned flags;
};

/* The core's options, in options.c. */
extern const struct config_option core_options[];
extern const size_t core_options_count;

struct config {
	char *file;		/* absolute path of the file read, NULL when none */
	char *dir;		/* absolute: relative paths are taken from here */
	struct yaml_doc doc;	/* the file as read */
	struct cJSON *set;	/* values set from the command line (config_set) */
	struct strmap options;	/* name -> const struct config_option *, core and declared */
};

void config_init(struct config *c);
void config_release(struct config *c);

/*
 * Reads the YAML file at path: a weft.yaml, or an ikiwiki setup file (its
 * "# IkiWiki::Setup::Yaml" first line is a comment to YAML). The top must be
 * a mapping. An unreadable file, malformed YAML (with its line) or another
 * top are reported and give -1; the command then exits 2.
 */
int config_load(struct config *c, const char *path, struct diag *d);
/* The same for text[0, len) already in memory: name is the file named in
 * messages (kept as c->file; NULL for none), dir the directory relative
 * paths are taken from (made absolute). config_load reads the file and
 * calls this; tests and the fuzz target call it directly. */
int config_load_text(struct config *c, const char *text, size_t len,
		     const char *name, const char *dir, struct diag *d);
/* No file: every option at its default, relative paths taken from dir. */
void config_load_none(struct config *c, const char *dir);

/* Adds options to those known (a plugin's); the table must outlive c. A
 * name declared twice keeps the first. */
void config_declare(struct config *c, const struct config_option *opts, size_t n);
/* Overrides key from the command line (-d, say): wins over the file. */
void config_set(struct config *c, const char *key, const char *val);

/*
 * Checks the values against the options known: an unknown key is one
 * warning naming it and its line; a key of an OPT_IGNORED option one note;
 * a value of the wrong type one warning, and the default is used. Never
 * fails. Call once every plugin has declared its options.
 */
void config_check(struct config *c, struct diag *d);

/* Typed reads: the value set, else the default, else NULL / false / 0 / an
 * empty list. The string comes from c and lasts as long as it. */
const char *config_str(const struct config *c, const char *key);
bool config_bool(const struct config *c, const char *key);
long config_int(const struct config *c, const char *key);
/* A path option made absolute against c->dir and cleaned; the caller frees;
 * NULL when unset. */
char *config_path(const struct config *c, const char *key);
/* The items of a list option into *items (a malloc'd array the caller frees,
 * pointing into c); returns their count. A scalar holding spaces is not
 * split: that is for the option's reader. */
size_t config_list(const struct config *c, const char *key,
		   const char ***items);
/* The value as read (NULL when unset): for plugins, which may take any
 * shape. */
const struct cJSON *config_value(const struct config *c, const char *key);
/* The line of key in the file, 0 when it is not there. */
unsigned config_line(const struct config *c, const char *key);

/* Prints the known options, their types, defaults and help, for --help. */
void config_help(FILE *out, const struct config *c);

#endif
