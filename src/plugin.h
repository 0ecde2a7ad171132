/* plugin.h — the plugin host as the core sees it: Lua plugins that provide
 * directives and hook into the stages of a build. Only plugin.c and
 * luaapi.c include Lua's headers. */
#ifndef WEFT_PLUGIN_H
#define WEFT_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

struct build;
struct ctx;
struct dtok;
struct plugins;
struct tmpl;
struct tvars;

/*
 * Loads the plugins a site enables: ikiwiki's default set, plus
 * add_plugins, minus disable_plugins; each from the site's plugin
 * directory, else from the copies in the binary. Options the plugins
 * declare are added to b->cfg and page types to b->site. A plugin that
 * fails to load is reported (with its file and line) and left out; a
 * plugin weft does not have is one note. Returns the number of errors.
 */
int plugins_load(struct plugins **out, struct build *b);
void plugins_free(struct plugins *p);

/* Appends a digest of the plugins loaded: their names and sources. */
void plugin_digest(const struct plugins *p, struct buf *out);

/* The plugin names enabled, for enabled() and weft check. */
bool plugin_enabled(const struct plugins *p, const char *name);

/* How a directive runs, as weft.directive's options say. */
enum {
	DIRECTIVE_SCAN = 1 << 0,	/* also in the scan pass */
	DIRECTIVE_RENDER = 1 << 1,	/* in the render pass (else it shows nothing) */
	/* A string its scan call returns is what it shows where it stands
	 * in the page's body: the render pass does not call it there. */
	DIRECTIVE_SETTLE = 1 << 2,
};

/* Whether a plugin registered the directive name; *how (when not NULL)
 * gets its DIRECTIVE_* bits. Thread-safe. */
bool plugin_has_directive(struct plugins *p, const char *name, size_t len, unsigned *how);

/* Whether name is a directive of an ikiwiki plugin that only works
 * through its CGI (edittemplate, poll...): shown as nothing, noted once. */
bool plugin_cgi_directive(const char *name, size_t len);

/* Runs the directive tok for c: its output is appended to out (NULL: it is
 * dropped). Returns 1 when it returned a string (or a number), 0 when it
 * returned nil. On failure the error is reported with the plugin's file
 * and line and the page's, err holds the message for the page's error
 * marker, and -1 is returned. */
int plugin_directive(struct buf *out, struct buf *err, struct ctx *c,
		     const struct dtok *tok);

/* The hooks of ikiwiki's pipeline. Each returns 0, or -1 after reporting
 * (the page is then marked failed); text hooks replace the buffer's
 * contents with what the plugins returned. */
int plugin_scan(struct ctx *c);
int plugin_filter(struct ctx *c, struct buf *text);
/* Whether a plugin htmlizes pages of type; then plugin_htmlize does it. */
bool plugin_has_htmlize(struct plugins *p, const char *type);
int plugin_htmlize(struct ctx *c, const char *type, struct buf *text);
int plugin_sanitize(struct ctx *c, struct buf *html);
/* Lets the pagetemplate hooks add to v before t (named name) is filled
 * for c->page shown on c->dest. */
int plugin_pagetemplate(struct ctx *c, const struct tmpl *t, const char *name,
			struct tvars *v);
int plugin_format(struct ctx *c, struct buf *html);
/* After the scan, single-threaded: plugins may add pages (tag pages,
 * archives). Returns the number of pages added, or -1. */
int plugin_autofiles(struct build *b);
/* The autofiles rounds are over (pages are sorted next): what they kept
 * between rounds goes. */
void plugin_autofiles_done(struct build *b);
/* After every page is written, single-threaded. */
int plugin_done(struct build *b);

/* Appends ikiwiki's displaytime of t (build_displaytime), or what a plugin
 * injected in its place (relativedate, prettydate). */
int plugin_displaytime(struct ctx *c, struct buf *out, time_t t, bool pubdate);

/* With -vv: what the directives and hooks took in this build, the
 * slowest first. */
struct diag;
void plugin_profile_report(struct plugins *p, struct diag *d);

#endif
