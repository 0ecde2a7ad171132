/* luahost.h — what plugin.c (the host: states, sandbox, calls) and luaapi.c
 * (the weft table plugins call) share. Internal to those two files. */
#ifndef WEFT_LUAHOST_H
#define WEFT_LUAHOST_H

#include <lauxlib.h>
#include <lua.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "strmap.h"

struct build;
struct ctx;
struct scrub_policy;

/* A plugin file, as loaded into every state. */
struct plugin {
	bool failed;		/* did not load in the first state: left out */
	bool builtin;		/* weft's own: the binary's copy, or the same bytes */
	char *name;		/* "meta" */
	char *chunk;		/* how messages name it: "plugins/meta.lua" */
	char *text;
	size_t len;
	/* Taken from the binary: its bytecode, compiled under chunk's name
	 * when weft was built (loading it costs a tenth of compiling text). */
	const unsigned char *code;
	size_t codelen;
};

/* A directive some plugin registered. */
struct dirent_info {
	size_t plugin;		/* index in plugins.list */
	unsigned how;		/* DIRECTIVE_* (plugin.h) */
	char *via;		/* handled by directive via (weft.alias_directive), or NULL */
};

enum hook_stage {
	HOOK_SCAN, HOOK_FILTER, HOOK_SANITIZE, HOOK_PAGETEMPLATE, HOOK_FORMAT,
	HOOK_AUTOFILES, HOOK_DONE, HOOK_COUNT
};

struct plugins {
	struct build *b;
	struct plugin *list;	/* in load order */
	size_t n, cap;
	struct strmap enabled;	/* name -> non-NULL, for every enabled plugin */
	pthread_mutex_t lock;	/* guards directives while the scan adds aliases */
	struct strmap directives;	/* name -> struct dirent_info * */
	struct strmap htmlize;	/* page type -> non-NULL */
	unsigned hooks;		/* bit per enum hook_stage some plugin uses */
	/* Per stage, per hook in registration order: the text a filter,
	 * sanitize or format hook wants to see before it is called (its
	 * "contains" option), NULL for every text. */
	struct vec markers[HOOK_COUNT];
	/* For pagetemplate hooks, in registration order: the variables each
	 * sets (its "vars" option), NULL-terminated arrays, or NULL when it did
	 * not say: it is called only for templates that use one of them. */
	struct vec hookvars;
	/* weft.link_targets' answers in a build's autofiles rounds, each
	 * round counting only the pages added since; NULL after them. */
	struct link_memo *link_memo;
	size_t autofiles_scanned;	/* pages scanned when the round began */
	/* Per stage, per hook in registration order: the plugin (index in
	 * list) that registered it, for the profile. */
	struct vec owners[HOOK_COUNT];
	bool profile;		/* -vv: time every call, by directive and hook */
	bool injected;		/* some plugin replaced displaytime or formattime */
	struct config_option *options;	/* declared by plugins, owned */
	size_t noptions, capoptions;
	struct pstate **states;	/* one per worker, made on first use */
	unsigned nstates;
	size_t memory_limit;	/* bytes a call may allocate */
	uint64_t instruction_limit;	/* VM instructions a call may run */
	bool counted;		/* some plugin is the site's own: count instructions */
	bool trusted;		/* plugins_trusted: the full standard library */
	bool loading;		/* state 0 is loading: registrations are recorded */
	bool autofiles;		/* in the autofiles stage: weft.add_page allowed */
	int errors;
	struct buf fallbacks;	/* plugins taken from the binary, for weft check */
};

/* One worker's Lua state. */
struct pstate {
	lua_State *L;
	struct plugins *pl;
	unsigned worker;
	size_t used;		/* bytes allocated by the state */
	size_t limit;		/* while in a call: the most it may hold */
	bool limited;
	uint64_t count;		/* instructions run by the current call */
	struct ctx *ctx;	/* the page the current call works for */
	unsigned line;		/* the directive's line, for messages */
	const char *what;	/* the directive or hook running, for messages */
	size_t loading;		/* the plugin being run at load time */
	bool injected;		/* weft.inject was called in this state */
	struct strmap specs;	/* compiled PageSpecs by text */
	struct strmap prof;	/* "directive inline" -> struct prof_entry, with -vv */
	/* While rendering, when pages no longer change: what weft.pages found,
	 * by its arguments (struct vec * of pages). */
	struct strmap lists;
	/* The metatables of weft's userdata kinds (enum ud_kind in
	 * luaapi.c), compared by address to check an argument's kind. */
	const void *mt[4];
	/* The registry's reference to the table of theme templates' objects
	 * by template (see luaapi_push_theme_tmpl). */
	int tmpls;
	/* The registry's reference to the table of page objects by page
	 * (an integer key: pages are pushed a million times a build). */
	int pages;
	/* Which pagetemplate hooks the last templates filled want (bit i for
	 * the hook i + 1), by template serial: an archive fills its item
	 * template for each of hundreds of pages, and asking the template
	 * about each hook's variables every time cost more than the fill. */
	struct hook_wants {
		uint64_t serial;	/* 0: none yet */
		uint64_t mask;
		long hooks;		/* how many there were */
	} wants[8];
};

/* What the calls of one directive or hook took, in one state. */
struct prof_entry {
	uint64_t calls;
	uint64_t ns;		/* inclusive: nested calls count in both */
};

/* The state that owns L. */
struct pstate *pstate_of(lua_State *L);

/* Frees a list of weft.link_targets answers (luaapi.c). */
struct link_memo;
void luaapi_link_memo_free(struct link_memo *m);

/* Registers the weft table and the userdata types in L (luaapi.c). */
void luaapi_open(lua_State *L);

/* weft.displaytime(t [, pubdate [, format]]): ikiwiki's displaytime, or what
 * a plugin injected in its place; the core calls it for ctime and mtime. */
int luaapi_displaytime(lua_State *L);

/* Pushes a page object for p (nil for NULL). */
struct page;
void luaapi_push_page(lua_State *L, struct page *p);
/* Pushes the template vars proxy for v, valid until luaapi_close_vars. */
struct tvars;
void luaapi_push_vars(lua_State *L, struct tvars *v);
void luaapi_close_vars(lua_State *L, int idx);
struct tmpl;
void luaapi_push_tmpl(lua_State *L, const struct tmpl *t, const char *name);
/* Pushes the object of t, a theme template (which lives as long as the
 * build): made once per state and kept, as page objects are. */
void luaapi_push_theme_tmpl(lua_State *L, const struct tmpl *t, const char *name);
/* Pushes the table of the variables t shows (lowercased name -> true),
 * read only: made once per template and state, a pagetemplate hook's
 * fifth argument, so that a hook run for every item of a list asks no
 * call into weft what the template shows. */
void luaapi_push_uses(lua_State *L, const struct tmpl *t);
/* The policy of the scrubber (weft.scrubber) at idx, or NULL when the
 * value there is something else. */
const struct scrub_policy *luaapi_to_scrubber(lua_State *L, int idx);
/* plugin_pagetemplate for the template whose object is at idx in from (a
 * thread of the state c's hooks run in): the hooks get that object. */
int plugin_pagetemplate_of(struct ctx *c, const struct tmpl *t, const char *name,
			   struct tvars *v, lua_State *from, int idx);

/* Calls the function below its nargs arguments on the stack with the limits
 * of a call, on behalf of c (what names it in messages). On an error, it is
 * reported and -1 returned with the message left in err (when not NULL);
 * on success nresults are left on the stack. */
struct buf;
int pstate_call(struct pstate *ps, int nargs, int nresults, struct ctx *c,
		const char *what, struct buf *err);

/* The registry tables of a state: weft.directives, weft.hooks[stage]... */
#define REG_DIRECTIVES "weft.directives"
#define REG_HOOKS "weft.hooks"
#define REG_HTMLIZE "weft.htmlize"
#define REG_MODULES "weft.modules"
#define REG_INJECT "weft.inject"		/* name -> function replacing a core one */
#define REG_USES "weft.uses"		/* template serial -> luaapi_push_uses's table */

#endif
