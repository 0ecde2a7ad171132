/* theme.h — where templates and theme files come from: the site's
 * templates/, ikiwiki's templatedir, the site's theme on disk, then the
 * default theme compiled into the binary. */
#ifndef WEFT_THEME_H
#define WEFT_THEME_H

#include <pthread.h>
#include <stdbool.h>

#include "buf.h"
#include "strmap.h"

struct config;
struct diag;
struct tmpl;

struct theme {
	char *name;		/* the theme used: "default" unless configured */
	char *sitetemplates;	/* srcdir/templates */
	char *templatedir;	/* the templatedir option, NULL when unset */
	char *dir;		/* themedir/name on disk; NULL: only the binary's */
	char *sitedir;		/* for naming files in messages */
	struct diag *diag;
	pthread_mutex_t lock;
	struct strmap cache;	/* template name -> struct tmpl *, or &failed */
	struct strmap digests;	/* template name -> digest of the text compiled */
};

/* Finds the configured theme; a theme that exists neither on disk nor in
 * the binary is one note, and the default theme is used. */
void theme_init(struct theme *t, const struct config *cfg, const char *srcdir,
		struct diag *d);
void theme_release(struct theme *t);

/* The compiled template name ("page.tmpl"), compiled on first use and
 * cached; thread-safe. NULL when no place has it (not reported: that is
 * the caller's to say) or it does not compile (reported once, with its
 * file and line). */
const struct tmpl *theme_template(struct theme *t, const char *name);

/* Reads the template text name the way theme_template finds it; fills file
 * with the path to name it by. 0, or -1 (quietly) when there is none. */
int theme_template_text(struct theme *t, const char *name, struct buf *text,
			struct buf *file);

/* Reads relpath ("scss/style.scss") of the theme: from its directory on
 * disk, else from the binary's default theme. 0, or -1 quietly. */
int theme_read(struct theme *t, const char *relpath, struct buf *text);

/* Appends the paths (relative to static/) of the theme's static files, as
 * malloc'd strings, sorted: those on disk and, for the default theme, the
 * binary's files the disk lacks. */
void theme_static(struct theme *t, struct vec *out);

/* Appends a digest of what the theme writes besides pages: its stylesheet
 * sources and static files (templates are followed one by one, with
 * theme_template_digest). */
void theme_digest(struct theme *t, struct buf *out);
/* Appends a digest of the text the template name would be read from, or
 * "-" when there is none. */
void theme_template_digest(struct theme *t, const char *name, struct buf *out);

/* The digest of the text template name was compiled from in this build,
 * or NULL when it was not used; the string lasts as long as t. */
const char *theme_digest_read(struct theme *t, const char *name);

/* Compiles scss/style.scss into css. 0; -1 after reporting; 1 when the
 * theme has no stylesheet. */
int theme_css(struct theme *t, struct buf *css);

#endif
