/* tmpl.h — templates in the HTML::Template syntax ikiwiki's themes use. */
#ifndef WEFT_TMPL_H
#define WEFT_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct diag;

/*
 * The syntax (tag and attribute names case-insensitive; attribute values
 * bare, "double" or 'single' quoted; the <!-- TMPL_x ... --> comment form
 * and a trailing "/" accepted):
 *
 *   <TMPL_VAR NAME [ESCAPE=HTML|URL|JS|NONE|0|1] [DEFAULT=text]>
 *   <TMPL_IF NAME> ... [<TMPL_ELSE> ...] </TMPL_IF>
 *   <TMPL_UNLESS NAME> ... [<TMPL_ELSE> ...] </TMPL_UNLESS>
 *   <TMPL_LOOP NAME> ... </TMPL_LOOP>
 *   <TMPL_INCLUDE NAME="file">
 *
 * NAME may be written NAME=x or bare. Variable names are case-insensitive.
 * An unknown variable is empty. A value is true when it is non-empty and
 * not "0"; a loop is true when it has rows. Inside a loop a name is looked
 * up in the row, then in the enclosing rows and the top (ikiwiki's
 * parent_global_vars), and __first__, __last__, __inner__, __odd__,
 * __even__ and __counter__ describe the row.
 */
struct tmpl;

/* Loads an included template's text: on success fills text and file (the
 * path to name it by in messages) and returns 0; on failure reports it and
 * returns -1. */
typedef int (*tmpl_load_fn)(const char *name, struct buf *text,
			    struct buf *file, void *arg);

enum {
	TMPL_NO_INCLUDES = 1 << 0,	/* untrusted text: TMPL_INCLUDE is an error */
};

/*
 * Compiles text (named file in messages). Includes are expanded here,
 * through load, to a depth of 10; a loop is an error. Every error (an
 * unclosed or mismatched tag, a TMPL_ELSE out of place, an unknown tag or
 * ESCAPE, an include that fails or loops) is reported through d as
 * "file:line: ..." and the result is NULL. Bad input never crashes or
 * hangs it, whatever its size or nesting.
 *
 * A compiled template is immutable: several threads may fill it at once.
 */
struct tmpl *tmpl_compile(const char *file, const char *text, size_t len,
			  unsigned flags, tmpl_load_fn load, void *arg,
			  struct diag *d);
void tmpl_free(struct tmpl *t);
const char *tmpl_file(const struct tmpl *t);
/* A number no other template of the process has (from 1): a key for what
 * callers work out once per template, which its address is not once it
 * is freed. */
uint64_t tmpl_serial(const struct tmpl *t);

/* Whether the template (with its includes) mentions the variable or loop
 * name, so callers compute only what a template shows (ikiwiki's
 * $template->query). */
bool tmpl_uses(const struct tmpl *t, const char *name);
/* Calls fn with each name the template mentions, lowercased (not
 * NUL-terminated: len bytes), in no particular order. */
void tmpl_each_use(const struct tmpl *t, void (*fn)(const char *name, size_t len, void *arg),
		   void *arg);

/* The parameters of one fill: names to strings, or to loops of rows that are
 * parameter sets of their own. Names are case-insensitive; a second set of a
 * name replaces the first. Values are copied. A set and its rows keep their
 * names and copies in memory of their own, freed at once by tvars_free: what
 * a second set replaces stays until then, so a set is for one fill (or a
 * few), not for a long run of sets. */
struct tvars;

struct tvars *tvars_new(void);
void tvars_free(struct tvars *v);
void tvars_set(struct tvars *v, const char *name, const char *val);
void tvars_setn(struct tvars *v, const char *name, const char *val, size_t len);
/* Takes ownership of val (a malloc'd string), to spare a copy of large
 * values such as a page's content. */
void tvars_set_owned(struct tvars *v, const char *name, char *val);
/* The string value of name, or NULL (also for a loop); valid until name is
 * set again or v is freed. */
const char *tvars_get(const struct tvars *v, const char *name);
/* Appends an empty row to the loop name (creating the loop) and returns it;
 * the row belongs to v and is freed with it, never by tvars_free. */
struct tvars *tvars_add_row(struct tvars *v, const char *name);
/* Makes the loop name exist with no rows (false in TMPL_IF). */
void tvars_clear(struct tvars *v, const char *name);

/* Appends the filled template to out. Cannot fail: everything that could go
 * wrong is caught by tmpl_compile. */
void tmpl_fill(struct buf *out, const struct tmpl *t, const struct tvars *v);

#endif
