/* plugin.c — the Lua plugin host: which plugins a site enables, one
 * sandboxed state per worker, and every call into Lua through one
 * protected call with limits. */
#include "plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "diag.h"
#include "directive.h"
#include "embed.h"
#include "find.h"
#include "luahost.h"
#include "pagespec.h"
#include "path.h"
#include "scrub.h"
#include "state.h"
#include "tmpl.h"
#include "xalloc.h"

enum { HOOK_EVERY = 1000 };	/* instructions between checks of the limit */

/* ikiwiki's default plugins, as weft has them. */
static const char *const default_plugins[] = {
	"mdwn", "link", "inline", "meta", "htmlscrubber", "conditional",
	"recentchanges", "parentlinks", "templatebody", NULL,
};

/* Bundles ikiwiki's setup files name, and what they stand for. */
static const char *const goodstuff[] = {
	"brokenlinks", "img", "map", "more", "orphans", "pagecount", "pagestats",
	"progress", "shortcut", "smiley", "tag", "table", "template", "toc",
	"toggle", "repolist", NULL,
};

/* Plugins whose work the C core does. */
static const char *const core_plugins[] = {
	"mdwn", "link", "html", "goodstuff", "theme", NULL,
};

/* Plugins another needs loaded, whether or not the site enables them: the
 * second is then in every state (weft.plugin finds it) but not enabled. */
static const char *const needs[][2] = {
	{ "comments", "htmlscrubber" },
};

/* Directives of ikiwiki plugins that only work through its CGI or a
 * service: a page using one shows nothing there, and the build notes it
 * once. */
static const char *const cgi_directives[] = {
	"aggregate", "edittemplate", "ping", "poll", "userlist", NULL,
};

bool
plugin_cgi_directive(const char *name, size_t len)
{
	const char *const *d;

	for (d = cgi_directives; *d; d++)
		if (strlen(*d) == len && memcmp(*d, name, len) == 0)
			return true;
	return false;
}

/* ikiwiki plugins that only serve its CGI, its wrappers or a service weft
 * does not run: enabling one is a note, not an error. */
static const char *const cgi_plugins[] = {
	"404", "aggregate", "anonok", "attachment", "blogspam", "editdiff",
	"editpage", "editinfo", "edittemplate", "emailauth", "getsource",
	"google", "httpauth", "lockedit", "moderatedcomments", "notifyemail",
	"openid", "opendiscussion", "passwordauth", "pinger", "pingee",
	"poll", "recentchangesdiff", "remove", "rename", "search", "signinedit",
	"websetup", "xapian", "git", "mercurial", "svn", "bzr", "cvs", "darcs",
	"monotone", "tla", "norcs", "underlay", "goto",
	"mirrorlist", "repolist", "userlist", NULL,
};

static bool
in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

struct pstate *
pstate_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* The allocator of a state: counts what it holds and refuses, during a
 * call, to grow beyond the call's limit. */
static void *
lalloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct pstate *ps = ud;
	size_t old = ptr ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		ps->used -= old;
		return NULL;
	}
	if (ps->limited && nsize > old && ps->used + (nsize - old) > ps->limit)
		return NULL;
	/* Most are new objects: malloc's path is the short one. */
	if (!(p = ptr ? realloc(ptr, nsize) : malloc(nsize)))
		return NULL;
	ps->used = ps->used - old + nsize;
	return p;
}

static void
count_hook(lua_State *L, lua_Debug *ar)
{
	struct pstate *ps = pstate_of(L);

	ps->count += HOOK_EVERY;
	if (!ps->limited || ps->count <= ps->pl->instruction_limit)
		return;
	/* The hook's own level is the running function: name its line. */
	if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
		lua_pushfstring(L, "%s:%d: ", ar->short_src, ar->currentline);
	else
		lua_pushliteral(L, "");
	lua_pushfstring(L, "%sinstruction limit exceeded (%I instructions): an endless loop?",
			lua_tostring(L, -1), (lua_Integer)ps->pl->instruction_limit);
	lua_error(L);
}

static int
message_handler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static const char *
page_file(const struct ctx *c)
{
	if (!c || !c->page)
		return NULL;
	return c->page->src ? c->page->src : c->page->name;
}

/* The length of a leading "chunk:line: " in msg[0, n), 0 when none. The
 * chunk may hold spaces ("(built in) plugins/x.lua") but no ": ". */
static size_t
position_len(const char *msg, size_t n)
{
	size_t i, j;

	for (i = 1; i + 1 < n; i++) {
		if (msg[i] == ':' && msg[i + 1] == ' ')
			return 0;
		if (msg[i] != ':')
			continue;
		for (j = i + 1; j < n && msg[j] >= '0' && msg[j] <= '9'; j++)
			;
		if (j > i + 1 && j + 1 < n && msg[j] == ':' && msg[j + 1] == ' ')
			return j + 2;
	}
	return 0;
}

int
pstate_call(struct pstate *ps, int nargs, int nresults, struct ctx *c,
	    const char *what, struct buf *err)
{
	lua_State *L = ps->L;
	int base = lua_gettop(L) - nargs, rc;
	struct ctx *saved_ctx = ps->ctx;
	const char *saved_what = ps->what;
	bool outer = !ps->limited;
	size_t nl;
	const char *msg;
	lua_Debug ar;
	char where[256] = "";

	/* Below the call: the message handler, and a copy of the function, to
	 * say where it is defined when an error carries no position of its
	 * own (memory exhausted); one rotation puts both there. */
	lua_pushcfunction(L, message_handler);
	lua_pushvalue(L, base);
	lua_rotate(L, base, 2);
	base++;
	ps->ctx = c;
	ps->what = what;
	if (outer) {
		ps->count = 0;
		ps->limit = ps->used + ps->pl->memory_limit;
		ps->limited = true;
	}
	rc = lua_pcall(L, nargs, nresults, base - 1);
	if (outer)
		ps->limited = false;
	ps->ctx = saved_ctx;
	ps->what = saved_what;
	if (rc != LUA_OK && rc == LUA_ERRMEM) {
		lua_pushvalue(L, base);
		if (lua_getinfo(L, ">S", &ar) && ar.source[0] == '@')
			snprintf(where, sizeof(where), "%s:%d: ", ar.source + 1,
				 ar.linedefined);
	}
	/* The results (or the error) down over the copy and the handler:
	 * copies, not rotations, of the few values there are. */
	nl = (size_t)(lua_gettop(L) - base);
	for (size_t i = 0; i < nl; i++)
		lua_copy(L, base + 1 + (int)i, base - 1 + (int)i);
	lua_settop(L, base - 2 + (int)nl);
	if (rc == LUA_OK)
		return 0;
	msg = lua_tostring(L, -1);
	if (!msg)
		msg = "(no message)";
	if (rc == LUA_ERRMEM)
		msg = "memory limit exceeded: the plugin allocates without end?";
	nl = strcspn(msg, "\n");
	if (c && c->scan) {
		/* As ikiwiki: the scan pass keeps quiet; the render pass runs
		 * the same directive again and reports. */
		diag_debug(ps->pl->b->diag, "%s: %s (in the scan pass)", what, msg);
	} else if (rc == LUA_ERRRUN && position_len(msg, nl) == 0 && c && c->page &&
		   !ps->pl->b->opts.check) {
		/* error("...", 0): a plugin telling the writer what is wrong
		 * with the page, as ikiwiki's error() does. The page shows it
		 * and the build goes on; weft check makes it an error. */
		diag_warning(ps->pl->b->diag, page_file(c), ps->line, "%s: %.*s", what, (int)nl, msg);
	} else {
		/* A plugin that broke (its own file and line in the message),
		 * ran out of time or memory: the page failed. */
		if (c && c->page)
			c->page->failed = true;
		diag_error(ps->pl->b->diag, page_file(c), c && c->page ? ps->line : 0,
			   "%s: %s%.*s", what, rc == LUA_ERRMEM ? where : "", (int)nl, msg);
		if (msg[nl])
			diag_debug(ps->pl->b->diag, "%s", msg);
	}
	if (err) {
		/* The page's marker shows the message without the plugin's
		 * position, as ikiwiki's does; the report above has it. */
		buf_reset(err);
		buf_put(err, msg + position_len(msg, nl), nl - position_len(msg, nl));
	}
	lua_pop(L, 1);
	return -1;
}

/* The sandbox: base (without the functions that reach files or load
 * bytecode), string, table, math and utf8. */
static int
safe_load(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");

	if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	if (!lua_isnoneornil(L, 4)) {
		lua_pushvalue(L, 4);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

static void
open_sandbox(lua_State *L, bool trusted)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base }, { LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table }, { LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 }, { NULL, NULL },
	};
	static const char *const removed[] = {
		"dofile", "loadfile", "collectgarbage", "print", NULL,
	};
	const luaL_Reg *lib;
	size_t i;

	if (trusted) {
		luaL_openlibs(L);
		return;
	}
	for (lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	for (i = 0; removed[i]; i++) {
		lua_pushnil(L);
		lua_setglobal(L, removed[i]);
	}
	lua_pushcfunction(L, safe_load);
	lua_setglobal(L, "load");
}

/* Runs plugin pl->list[i] in ps: its chunk gets an environment of its own
 * that reads through to the shared globals, and what it returns is kept as
 * its module (weft.plugin(name)). */
static int
run_plugin(struct pstate *ps, size_t i)
{
	struct plugin *p = &ps->pl->list[i];

	if (p->failed)
		return 0;
	ps->loading = i;
	lua_State *L = ps->L;
	struct buf chunk = BUF_INIT;
	bool source;
	int rc;

	buf_printf(&chunk, "@%s", p->chunk);
	/* The bytecode, unless a Lua library other than the one weft was
	 * built with finds it foreign: then the source. */
	source = !p->code;
	if (!source && luaL_loadbufferx(L, (const char *)p->code, p->codelen, chunk.data,
					"b") != LUA_OK) {
		lua_pop(L, 1);
		source = true;
	}
	if (source && luaL_loadbufferx(L, p->text, p->len, chunk.data, "t") != LUA_OK) {
		diag_error(ps->pl->b->diag, NULL, 0, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		buf_release(&chunk);
		return -1;
	}
	buf_release(&chunk);
	lua_newtable(L);			/* the plugin's environment */
	lua_newtable(L);
	lua_pushglobaltable(L);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	lua_setupvalue(L, -2, 1);
	lua_pushstring(L, p->name);		/* ... = the plugin's name */
	rc = pstate_call(ps, 1, 1, NULL, p->chunk, NULL);
	if (rc < 0)
		return -1;
	lua_getfield(L, LUA_REGISTRYINDEX, REG_MODULES);
	lua_insert(L, -2);
	lua_setfield(L, -2, p->name);
	lua_pop(L, 1);
	return 0;
}

static struct pstate *
state_new(struct plugins *pl, unsigned worker)
{
	struct pstate *ps = xcalloc(1, sizeof(*ps));
	size_t i;

	ps->pl = pl;
	ps->worker = worker;
	strmap_init(&ps->specs);
	strmap_init(&ps->prof);
	strmap_init(&ps->lists);
	ps->L = lua_newstate(lalloc, ps);
	if (!ps->L) {
		fprintf(stderr, "weft: cannot create a Lua state\n");
		abort();
	}
	/* Generational collection: nearly everything a hook makes (its
	 * tables, the strings it builds) is dropped before the next page,
	 * and young collections leave the long-lived rest (page objects,
	 * the plugins' tables) alone, where the incremental collector walked
	 * all of it on every cycle. A 10,000-post full build: 4-8% less
	 * wall time (alternating runs), less peak memory. */
	lua_gc(ps->L, LUA_GCGEN, 0, 0);
	if (pl->counted)
		lua_sethook(ps->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	open_sandbox(ps->L, pl->trusted);
	lua_newtable(ps->L);
	lua_setfield(ps->L, LUA_REGISTRYINDEX, REG_DIRECTIVES);
	lua_newtable(ps->L);
	lua_setfield(ps->L, LUA_REGISTRYINDEX, REG_HOOKS);
	lua_newtable(ps->L);
	lua_setfield(ps->L, LUA_REGISTRYINDEX, REG_HTMLIZE);
	lua_newtable(ps->L);
	lua_setfield(ps->L, LUA_REGISTRYINDEX, REG_MODULES);
	lua_newtable(ps->L);
	lua_setfield(ps->L, LUA_REGISTRYINDEX, REG_INJECT);
	lua_newtable(ps->L);
	lua_setfield(ps->L, LUA_REGISTRYINDEX, REG_USES);
	luaapi_open(ps->L);
	for (i = 0; i < pl->n; i++) {
		if (run_plugin(ps, i) < 0 && worker == 0) {
			pl->errors++;
			pl->list[i].failed = true;
		}
	}
	return ps;
}

static void
pagespec_free_void(void *p)
{
	pagespec_free(p);
}

static void
free_list(void *v)
{
	vec_release(v);
	free(v);
}

static void
state_free(struct pstate *ps)
{
	if (!ps)
		return;
	lua_close(ps->L);
	strmap_release(&ps->specs, pagespec_free_void);
	strmap_release(&ps->prof, free);
	strmap_release(&ps->lists, free_list);
	free(ps);
}

/* The state of worker w, made on its first use; each worker only ever
 * touches its own slot. */
static struct pstate *
state_for(struct plugins *pl, unsigned w)
{
	if (w >= pl->nstates)
		w = 0;
	if (!pl->states[w])
		pl->states[w] = state_new(pl, w);
	return pl->states[w];
}

/* Reads a plugin's source: the site's copy first, then the binary's. A
 * copy with the binary's bytes is weft's own code all the same. */
static bool
find_plugin(struct plugins *pl, const char *name, struct plugin *out)
{
	char *dir = config_path(&pl->b->cfg, "plugindir");
	struct buf path = BUF_INIT, text = BUF_INIT;
	const struct embedded_file *f;
	bool found = false;

	buf_printf(&path, "plugins/%s.lua", name);
	f = embed_find(path.data);
	if (dir) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s.lua", dir, name);
		if (buf_read_file(&text, path.data) == 0) {
			found = true;
			buf_reset(&path);
			buf_printf(&path, "%s/%s.lua", pl->b->cfg.dir &&
				   strncmp(dir, pl->b->cfg.dir, strlen(pl->b->cfg.dir)) == 0 &&
				   dir[strlen(pl->b->cfg.dir)] == '/' ?
				   dir + strlen(pl->b->cfg.dir) + 1 : dir, name);
		}
	}
	if (!found && f) {
		const struct embedded_file *code = embed_find_bytecode(f->path);

		buf_put(&text, f->data, f->len);
		buf_reset(&path);
		buf_printf(&path, "(built in) plugins/%s.lua", name);
		out->code = code ? code->data : NULL;
		out->codelen = code ? code->len : 0;
		buf_printf(&pl->fallbacks, "%s%s", pl->fallbacks.len ? ", " : "", name);
		found = true;
	}
	if (found) {
		out->builtin = f && f->len == text.len && memcmp(f->data, text.data, text.len) == 0;
		out->name = xstrdup(name);
		out->chunk = buf_detach(&path, NULL);
		out->text = buf_detach(&text, &out->len);
	}
	free(dir);
	buf_release(&path);
	buf_release(&text);
	return found;
}

/* Loads a plugin another needs, without enabling it. */
static void
load_library(struct plugins *pl, const char *name)
{
	struct plugin p = { 0 };
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (strcmp(pl->list[i].name, name) == 0)
			return;
	if (!find_plugin(pl, name, &p))
		return;
	pl->list = xgrow(pl->list, &pl->cap, pl->n + 1, sizeof(*pl->list));
	pl->list[pl->n++] = p;
}

static void
enable(struct plugins *pl, const char *name, struct strmap *disabled, bool quiet)
{
	struct diag *d = pl->b->diag;
	struct plugin p = { 0 };
	struct buf key = BUF_INIT;

	if (strmap_gets(&pl->enabled, name) || strmap_gets(disabled, name))
		return;
	if (strcmp(name, "goodstuff") == 0) {
		const char *const *g;

		strmap_put(&pl->enabled, name, strlen(name), pl);
		/* A bundle member weft lacks is not worth a note on every site
		 * that names the bundle. */
		for (g = goodstuff; *g; g++)
			enable(pl, *g, disabled, true);
		return;
	}
	if (find_plugin(pl, name, &p)) {
		strmap_put(&pl->enabled, name, strlen(name), pl);
		pl->list = xgrow(pl->list, &pl->cap, pl->n + 1, sizeof(*pl->list));
		pl->list[pl->n++] = p;
		return;
	}
	if (in_list(core_plugins, name)) {
		strmap_put(&pl->enabled, name, strlen(name), pl);
		return;
	}
	if (quiet)
		return;
	buf_printf(&key, "plugin:%s", name);
	if (in_list(cgi_plugins, name))
		diag_once(d, key.data, DIAG_NOTE, pl->b->cfg.file, config_line(&pl->b->cfg, "add_plugins"),
			  "plugin %s is not needed by a static build; ignored", name);
	else
		diag_once(d, key.data, DIAG_NOTE, pl->b->cfg.file, config_line(&pl->b->cfg, "add_plugins"),
			  "plugin %s: weft has no such plugin; its directives will show an error", name);
	buf_release(&key);
}

static void
choose(struct plugins *pl)
{
	struct strmap disabled = STRMAP_INIT;
	const char **items;
	size_t i, n;

	n = config_list(&pl->b->cfg, "disable_plugins", &items);
	for (i = 0; i < n; i++)
		strmap_put(&disabled, items[i], strlen(items[i]), pl);
	free(items);
	for (i = 0; default_plugins[i]; i++)
		enable(pl, default_plugins[i], &disabled, true);
	n = config_list(&pl->b->cfg, "add_plugins", &items);
	for (i = 0; i < n; i++)
		enable(pl, items[i], &disabled, false);
	free(items);
	if (pl->b->opts.all_plugins) {
		for (i = 0; i < embedded_count; i++) {
			const char *path = embedded_files[i].path;
			const char *ext = path_ext(path);
			struct buf name = BUF_INIT;

			if (strncmp(path, "plugins/", 8) != 0 || !ext || strcmp(ext, "lua") != 0)
				continue;
			buf_put(&name, path + 8, strlen(path + 8) - 4);
			enable(pl, name.data, &disabled, true);
			buf_release(&name);
		}
	}
	for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
		if (strmap_gets(&pl->enabled, needs[i][0]) && !strmap_gets(&pl->enabled, needs[i][1]))
			load_library(pl, needs[i][1]);
	strmap_release(&disabled, NULL);
}

int
plugins_load(struct plugins **out, struct build *b)
{
	struct plugins *pl = xcalloc(1, sizeof(*pl));

	pl->b = b;
	strmap_init(&pl->enabled);
	strmap_init(&pl->directives);
	strmap_init(&pl->htmlize);
	pthread_mutex_init(&pl->lock, NULL);
	pl->trusted = config_bool(&b->cfg, "plugins_trusted");
	pl->profile = b->diag->verbosity >= 2;
	pl->memory_limit = (size_t)config_int(&b->cfg, "plugin_memory_limit") << 20;
	pl->instruction_limit = (uint64_t)config_int(&b->cfg, "plugin_instruction_limit") * 1000000u;
	if (!pl->memory_limit)
		pl->memory_limit = (size_t)256 << 20;
	if (!pl->instruction_limit)
		pl->instruction_limit = 100000000u;
	choose(pl);
	/* The count hook makes Lua call it before every instruction (a
	 * twelfth of a full build's instructions): weft's own plugins run
	 * without it, so a site that has none of its own does too. */
	for (size_t i = 0; i < pl->n; i++) {
		if (!pl->list[i].builtin && !pl->counted) {
			pl->counted = true;
			diag_debug(b->diag, "plugins: instructions counted (%s is the site's own)",
				   pl->list[i].chunk);
		}
	}
	if (!pl->counted)
		diag_debug(b->diag, "plugins: instructions not counted (all are weft's own)");
	if (b->opts.check && pl->fallbacks.len)
		diag_note(b->diag, b->cfg.file, 0,
			  "the site does not carry these plugins and takes them from weft: %s "
			  "(weft vendor copies them into it)", pl->fallbacks.data);
	pl->nstates = b->nthreads ? b->nthreads : 1;
	pl->states = xcalloc(pl->nstates, sizeof(*pl->states));
	pl->loading = true;
	pl->states[0] = state_new(pl, 0);
	pl->loading = false;
	config_declare(&b->cfg, pl->options, pl->noptions);
	*out = pl;
	return pl->errors;
}

static void
free_dirent(void *p)
{
	struct dirent_info *d = p;

	free(d->via);
	free(d);
}

void
plugins_free(struct plugins *pl)
{
	size_t i;

	if (!pl)
		return;
	for (i = 0; i < pl->nstates; i++)
		state_free(pl->states[i]);
	free(pl->states);
	for (i = 0; i < pl->n; i++) {
		free(pl->list[i].name);
		free(pl->list[i].chunk);
		free(pl->list[i].text);
	}
	free(pl->list);
	for (i = 0; i < pl->noptions; i++) {
		free((char *)pl->options[i].name);
		free((char *)pl->options[i].def);
		free((char *)pl->options[i].help);
	}
	free(pl->options);
	strmap_release(&pl->enabled, NULL);
	strmap_release(&pl->directives, free_dirent);
	strmap_release(&pl->htmlize, NULL);
	buf_release(&pl->fallbacks);
	for (i = 0; i < HOOK_COUNT; i++) {
		size_t k;

		for (k = 0; k < pl->markers[i].n; k++)
			free(pl->markers[i].v[k]);
		vec_release(&pl->markers[i]);
		vec_release(&pl->owners[i]);
	}
	for (i = 0; i < pl->hookvars.n; i++) {
		char **v = pl->hookvars.v[i];

		for (size_t k = 0; v && v[k]; k++)
			free(v[k]);
		free(v);
	}
	vec_release(&pl->hookvars);
	luaapi_link_memo_free(pl->link_memo);
	pthread_mutex_destroy(&pl->lock);
	free(pl);
}

void
plugin_digest(const struct plugins *pl, struct buf *out)
{
	uint64_t h = STATE_HASH_INIT;
	size_t i;

	for (i = 0; pl && i < pl->n; i++) {
		h = state_hash_str(h, pl->list[i].chunk);
		h = state_hash(h, pl->list[i].text, pl->list[i].len);
	}
	buf_printf(out, "%016llx", (unsigned long long)h);
}

bool
plugin_enabled(const struct plugins *pl, const char *name)
{
	return pl && strmap_gets(&pl->enabled, name) != NULL;
}

static struct dirent_info *
lookup_directive(struct plugins *pl, const char *name, size_t len)
{
	struct dirent_info *d;

	pthread_mutex_lock(&pl->lock);
	d = strmap_get(&pl->directives, name, len);
	pthread_mutex_unlock(&pl->lock);
	return d;
}

bool
plugin_has_directive(struct plugins *pl, const char *name, size_t len, unsigned *how)
{
	struct dirent_info *d = lookup_directive(pl, name, len);

	if (d && how)
		*how = d->how;
	return d != NULL;
}

/* Pushes the parameters of a directive: params[i] = {key=, value=} in
 * order, and params[key] = value for the first of each key (a bare value
 * as its own key, with "", as ikiwiki passes it). */
static void
push_params(lua_State *L, const struct dtok *tok)
{
	size_t i;
	int params;

	lua_createtable(L, (int)tok->nparams, (int)tok->nparams);
	params = lua_gettop(L);
	for (i = 0; i < tok->nparams; i++) {
		const struct dparam *p = &tok->params[i];

		/* Each string made once: the row's key and value are the
		 * by-key entry's. */
		lua_createtable(L, 0, 2);
		if (p->key) {
			lua_pushlstring(L, p->key, p->keylen);
			lua_pushlstring(L, p->val, p->vallen);
			lua_pushvalue(L, -2);
			lua_setfield(L, -4, "key");
			lua_pushvalue(L, -1);
			lua_setfield(L, -4, "value");
		} else {
			lua_pushlstring(L, p->val, p->vallen);
			lua_pushliteral(L, "");
			lua_pushvalue(L, -2);
			lua_setfield(L, -4, "value");
		}
		/* row, the entry's key, its value */
		lua_pushvalue(L, -2);
		if (lua_rawget(L, params) == LUA_TNIL) {
			lua_pop(L, 1);
			lua_rawset(L, params);
		} else {
			lua_pop(L, 3);
		}
		lua_rawseti(L, params, (lua_Integer)i + 1);
	}
}

/* Pushes the page c works on and the page it writes: most often the
 * same, looked up once. */
static void
push_page_dest(lua_State *L, const struct ctx *c)
{
	luaapi_push_page(L, c->page);
	if (c->dest == c->page)
		lua_pushvalue(L, -1);
	else
		luaapi_push_page(L, c->dest);
}

/* Appends the string result at the top of the stack to out; a result that
 * is neither a string, a number nor nil is an error naming the plugin. */
static int
take_result(lua_State *L, struct buf *out, struct plugins *pl, size_t plugin,
	    struct ctx *c, const char *what, struct buf *err)
{
	struct pstate *ps = pstate_of(L);
	int t = lua_type(L, -1);
	size_t len;
	const char *s;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (t != LUA_TSTRING && t != LUA_TNUMBER) {
		if (c && c->page)
			c->page->failed = true;
		buf_reset(err);
		buf_printf(err, "%s returned a %s, not a string", what, lua_typename(L, t));
		diag_error(pl->b->diag, page_file(c), ps->line, "%s: %s: %s", what,
			   plugin < pl->n ? pl->list[plugin].chunk : "a plugin", err->data);
		lua_pop(L, 1);
		return -1;
	}
	s = lua_tolstring(L, -1, &len);
	if (out)
		buf_put(out, s, len);
	lua_pop(L, 1);
	return 0;
}

/* The profile (-vv): when on, a call's start time, else zero. */
static uint64_t
prof_start(const struct pstate *ps)
{
	struct timespec t;

	if (!ps->pl->profile)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Adds the call begun at start to what what (plugin and stage, or
 * directive) took. Each state keeps its own: no locking. */
static void
prof_end(struct pstate *ps, uint64_t start, const char *kind, const char *what)
{
	struct prof_entry *e, **slot;
	struct timespec t;
	char key[160];

	if (!start)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	snprintf(key, sizeof(key), "%s %s", kind, what);
	slot = (struct prof_entry **)strmap_slot(&ps->prof, key, strlen(key));
	if (!*slot)
		*slot = xcalloc(1, sizeof(**slot));
	e = *slot;
	e->calls++;
	e->ns += (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec - start;
}

/* The name of the plugin that registered hook i (from 1) of stage. */
static const char *
hook_owner(const struct plugins *pl, enum hook_stage stage, lua_Integer i)
{
	size_t k = (size_t)i - 1;

	if (k >= pl->owners[stage].n)
		return "?";
	k = (size_t)(uintptr_t)pl->owners[stage].v[k];
	return k < pl->n ? pl->list[k].name : "?";
}

int
plugin_directive(struct buf *out, struct buf *err, struct ctx *c,
		 const struct dtok *tok)
{
	struct plugins *pl = c->b->plugins;
	struct dirent_info *d = lookup_directive(pl, tok->name, tok->namelen);
	struct pstate *ps = state_for(pl, c->worker);
	lua_State *L = ps->L;
	char name[128];
	size_t namelen = tok->namelen < sizeof(name) ? tok->namelen : sizeof(name) - 1;
	unsigned saved_line = ps->line;
	uint64_t start;
	int rc;

	memcpy(name, tok->name, namelen);
	name[namelen] = '\0';
	lua_getfield(L, LUA_REGISTRYINDEX, REG_DIRECTIVES);
	lua_getfield(L, -1, d && d->via ? d->via : name);
	lua_remove(L, -2);
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		buf_printf(err, "directive %s has no handler", name);
		c->page->failed = true;
		return diag_error(c->b->diag, page_file(c), tok->line, "%s", err->data);
	}
	push_params(L, tok);
	push_page_dest(L, c);
	lua_pushboolean(L, c->scan);
	lua_pushstring(L, name);
	ps->line = tok->line;
	start = prof_start(ps);
	rc = pstate_call(ps, 5, 1, c, name, err);
	if (rc == 0) {
		bool value = lua_type(L, -1) != LUA_TNIL;

		rc = take_result(L, out, pl, d ? d->plugin : (size_t)-1, c, name, err);
		if (rc == 0 && value)
			rc = 1;
	}
	prof_end(ps, start, "directive", name);
	ps->line = saved_line;
	return rc;
}

/* Pushes the registry list of hooks of a stage; returns its length. */
static lua_Integer
push_hooks(lua_State *L, enum hook_stage stage)
{
	lua_getfield(L, LUA_REGISTRYINDEX, REG_HOOKS);
	lua_rawgeti(L, -1, stage + 1);
	lua_remove(L, -2);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
	return (lua_Integer)lua_rawlen(L, -1);
}

static const char *const stage_names[HOOK_COUNT] = {
	"scan", "filter", "sanitize", "pagetemplate", "format", "autofiles", "done",
};

/* Runs each hook of stage with the page arguments; with text set, each
 * takes and may replace the text (its last argument). */
static int
run_text_hooks(struct ctx *c, enum hook_stage stage, bool with_dest,
	       struct buf *text)
{
	struct plugins *pl = c->b->plugins;
	struct pstate *ps;
	lua_State *L;
	lua_Integer i, n;
	struct buf err = BUF_INIT;
	int rc = 0;

	if (!pl || !(pl->hooks & (1u << stage)))
		return 0;
	ps = state_for(pl, c->worker);
	L = ps->L;
	n = push_hooks(L, stage);
	for (i = 1; i <= n && rc == 0; i++) {
		const char *marker = (size_t)i <= pl->markers[stage].n ?
			pl->markers[stage].v[i - 1] : NULL;
		const struct scrub_policy *policy;
		int nargs = 1;
		uint64_t start;

		/* The whole text goes into Lua only when the hook wants it. */
		if (marker && !find_mem(text->data, text->len, marker, strlen(marker)))
			continue;
		lua_rawgeti(L, -1, i);
		if ((policy = luaapi_to_scrubber(L, -1))) {
			struct buf clean = BUF_INIT, was = *text;

			lua_pop(L, 1);
			start = prof_start(ps);
			if (!scrub_html(&clean, text->data, text->len, policy, false)) {
				*text = clean;
				clean = was;
			}
			buf_release(&clean);
			prof_end(ps, start, hook_owner(pl, stage, i), stage_names[stage]);
			continue;
		}
		if (with_dest) {
			push_page_dest(L, c);
			nargs++;
		} else {
			luaapi_push_page(L, c->page);
		}
		lua_pushlstring(L, text->data, text->len);
		nargs++;
		start = prof_start(ps);
		if (pstate_call(ps, nargs, 1, c, stage_names[stage], &err) < 0) {
			rc = -1;
		} else if (lua_type(L, -1) != LUA_TNIL && stage != HOOK_SCAN) {
			struct buf out = BUF_INIT;

			rc = take_result(L, &out, pl, (size_t)-1, c, stage_names[stage], &err);
			if (rc == 0) {
				buf_reset(text);
				buf_put(text, out.data, out.len);
			}
			buf_release(&out);
		} else {
			lua_pop(L, 1);
		}
		prof_end(ps, start, hook_owner(pl, stage, i), stage_names[stage]);
	}
	lua_pop(L, 1);
	buf_release(&err);
	return rc;
}

int
plugin_scan(struct ctx *c)
{
	struct buf text = BUF_INIT;
	int rc;

	if (!c->b->plugins || !(c->b->plugins->hooks & (1u << HOOK_SCAN)))
		return 0;
	buf_put(&text, c->page->text + c->page->body, c->page->len - c->page->body);
	rc = run_text_hooks(c, HOOK_SCAN, false, &text);
	buf_release(&text);
	return rc;
}

int
plugin_filter(struct ctx *c, struct buf *text)
{
	return run_text_hooks(c, HOOK_FILTER, true, text);
}

int
plugin_sanitize(struct ctx *c, struct buf *html)
{
	return run_text_hooks(c, HOOK_SANITIZE, true, html);
}

int
plugin_format(struct ctx *c, struct buf *html)
{
	return run_text_hooks(c, HOOK_FORMAT, false, html);
}

bool
plugin_has_htmlize(struct plugins *pl, const char *type)
{
	return pl && strmap_gets(&pl->htmlize, type) != NULL;
}

int
plugin_htmlize(struct ctx *c, const char *type, struct buf *text)
{
	struct pstate *ps = state_for(c->b->plugins, c->worker);
	lua_State *L = ps->L;
	struct buf err = BUF_INIT, out = BUF_INIT;
	uint64_t start;
	int rc;

	lua_getfield(L, LUA_REGISTRYINDEX, REG_HTMLIZE);
	lua_getfield(L, -1, type);
	lua_remove(L, -2);
	luaapi_push_page(L, c->page);
	lua_pushlstring(L, text->data, text->len);
	start = prof_start(ps);
	rc = pstate_call(ps, 2, 1, c, type, &err);
	if (rc == 0)
		rc = take_result(L, &out, c->b->plugins, (size_t)-1, c, type, &err);
	prof_end(ps, start, "htmlize", type);
	if (rc == 0) {
		buf_reset(text);
		buf_put(text, out.data, out.len);
	}
	buf_release(&out);
	buf_release(&err);
	return rc;
}

/* Whether t uses any of the variables names (NULL-terminated). */
static bool
uses_any(const struct tmpl *t, char **names)
{
	for (; *names; names++)
		if (tmpl_uses(t, *names))
			return true;
	return false;
}

/* Whether the pagetemplate hook i (from 1) wants t: it said no variables,
 * or t uses one of them. */
static bool
hook_wants_now(const struct plugins *pl, const struct tmpl *t, lua_Integer i)
{
	char **want = (size_t)i <= pl->hookvars.n ? pl->hookvars.v[i - 1] : NULL;

	return !want || uses_any(t, want);
}

/* hook_wants_now, worked out once per template and state for the first
 * 64 of the n hooks. */
static bool
hook_wants(struct pstate *ps, const struct tmpl *t, lua_Integer i, lua_Integer n)
{
	uint64_t serial = tmpl_serial(t);
	struct hook_wants *w = &ps->wants[serial % (sizeof(ps->wants) / sizeof(ps->wants[0]))];
	lua_Integer k;

	if (i > 64)
		return hook_wants_now(ps->pl, t, i);
	if (w->serial != serial || w->hooks != (long)n) {
		w->serial = serial;
		w->hooks = (long)n;
		w->mask = 0;
		for (k = 1; k <= n && k <= 64; k++)
			if (hook_wants_now(ps->pl, t, k))
				w->mask |= (uint64_t)1 << (k - 1);
	}
	return w->mask >> (i - 1) & 1;
}

/* Runs the pagetemplate hooks with t's object from idx in from, or, with
 * from NULL, the object of the theme template t named name. */
static int
run_pagetemplate(struct ctx *c, const struct tmpl *t, const char *name,
		 struct tvars *v, lua_State *from, int idx)
{
	struct plugins *pl = c->b->plugins;
	struct pstate *ps;
	lua_State *L;
	lua_Integer i, n;
	int rc = 0, vars;

	if (!pl || !(pl->hooks & (1u << HOOK_PAGETEMPLATE)))
		return 0;
	ps = state_for(pl, c->worker);
	L = ps->L;
	n = push_hooks(L, HOOK_PAGETEMPLATE);
	luaapi_push_vars(L, v);
	vars = lua_gettop(L);
	if (!from) {
		luaapi_push_theme_tmpl(L, t, name);
	} else if (pstate_of(from) != ps) {
		luaapi_push_tmpl(L, t, name);	/* not expected: c is from's */
	} else {
		/* from may be a coroutine of the state. */
		lua_pushvalue(from, idx);
		if (from != L)
			lua_xmove(from, L, 1);
	}
	/* The pages once for all the hooks: each is a lookup to push. */
	push_page_dest(L, c);
	luaapi_push_uses(L, t);
	for (i = 1; i <= n && rc == 0; i++) {
		uint64_t start;

		if (!hook_wants(ps, t, i, n))
			continue;
		lua_rawgeti(L, vars - 1, i);
		lua_pushvalue(L, vars + 2);
		lua_pushvalue(L, vars + 3);
		lua_pushvalue(L, vars);
		lua_pushvalue(L, vars + 1);
		lua_pushvalue(L, vars + 4);
		start = prof_start(ps);
		rc = pstate_call(ps, 5, 0, c, "pagetemplate", NULL);
		prof_end(ps, start, hook_owner(pl, HOOK_PAGETEMPLATE, i), "pagetemplate");
	}
	luaapi_close_vars(L, vars);
	lua_pop(L, 6);
	return rc;
}

/* The core fills only theme templates (render.c's page.tmpl). */
int
plugin_pagetemplate(struct ctx *c, const struct tmpl *t, const char *name,
		    struct tvars *v)
{
	return run_pagetemplate(c, t, name, v, NULL, 0);
}

/* A template object's fill (luaapi.c): its hooks get that object, not a
 * new one for each listed item. */
int
plugin_pagetemplate_of(struct ctx *c, const struct tmpl *t, const char *name,
		       struct tvars *v, lua_State *from, int idx)
{
	return run_pagetemplate(c, t, name, v, from, idx);
}

/* Runs the hooks of a single-threaded stage in the first state. */
static int
run_global_hooks(struct build *b, enum hook_stage stage)
{
	struct plugins *pl = b->plugins;
	struct pstate *ps;
	lua_State *L;
	lua_Integer i, n;
	int rc = 0;

	if (!pl || !(pl->hooks & (1u << stage)))
		return 0;
	ps = state_for(pl, 0);
	L = ps->L;
	n = push_hooks(L, stage);
	for (i = 1; i <= n; i++) {
		uint64_t start = prof_start(ps);

		lua_rawgeti(L, -1, i);
		if (pstate_call(ps, 0, 0, NULL, stage_names[stage], NULL) < 0)
			rc = -1;
		prof_end(ps, start, hook_owner(pl, stage, i), stage_names[stage]);
	}
	lua_pop(L, 1);
	return rc;
}

int
plugin_autofiles(struct build *b)
{
	size_t before = b->site.pages.n;
	int rc;

	if (!b->plugins)
		return 0;
	b->plugins->autofiles = true;
	b->plugins->autofiles_scanned = before;
	rc = run_global_hooks(b, HOOK_AUTOFILES);
	b->plugins->autofiles = false;
	return rc < 0 ? -1 : (int)(b->site.pages.n - before);
}

void
plugin_autofiles_done(struct build *b)
{
	if (!b->plugins)
		return;
	luaapi_link_memo_free(b->plugins->link_memo);
	b->plugins->link_memo = NULL;
}

int
plugin_displaytime(struct ctx *c, struct buf *out, time_t t, bool pubdate)
{
	struct plugins *pl = c->b->plugins;
	struct pstate *ps;
	struct buf err = BUF_INIT;
	lua_State *L;
	int rc;

	if (!pl || !pl->injected) {
		build_displaytime(c->b, out, t, pubdate, NULL);
		return 0;
	}
	ps = state_for(pl, c->worker);
	L = ps->L;
	lua_pushcfunction(L, luaapi_displaytime);
	lua_pushinteger(L, (lua_Integer)t);
	lua_pushboolean(L, pubdate);
	rc = pstate_call(ps, 2, 1, c, "displaytime", &err);
	if (rc == 0)
		rc = take_result(L, out, pl, (size_t)-1, c, "displaytime", &err);
	buf_release(&err);
	return rc;
}

int
plugin_done(struct build *b)
{
	return run_global_hooks(b, HOOK_DONE);
}

static int
by_time(const void *x, const void *y)
{
	const struct strmap_entry *a = *(struct strmap_entry *const *)x;
	const struct strmap_entry *b = *(struct strmap_entry *const *)y;
	uint64_t ta = ((struct prof_entry *)a->val)->ns, tb = ((struct prof_entry *)b->val)->ns;

	return ta < tb ? 1 : ta > tb ? -1 : strcmp(a->key, b->key);
}

void
plugin_profile_report(struct plugins *pl, struct diag *d)
{
	struct strmap all = STRMAP_INIT;
	struct strmap_entry *e, **v;
	size_t i, it, n = 0;
	unsigned w;

	if (!pl || !pl->profile)
		return;
	for (w = 0; w < pl->nstates; w++) {
		if (!pl->states[w])
			continue;
		for (it = 0; (e = strmap_next(&pl->states[w]->prof, &it));) {
			struct prof_entry *from = e->val;
			struct prof_entry **to = (struct prof_entry **)strmap_slot(&all, e->key, e->keylen);

			if (!*to)
				*to = xcalloc(1, sizeof(**to));
			(*to)->calls += from->calls;
			(*to)->ns += from->ns;
		}
	}
	v = xcalloc(all.count + 1, sizeof(*v));
	for (it = 0; (e = strmap_next(&all, &it));)
		v[n++] = e;
	qsort(v, n, sizeof(*v), by_time);
	for (i = 0; i < n && i < 15; i++) {
		struct prof_entry *p = v[i]->val;

		diag_debug(d, "plugin time: %s: %llu calls, %.1f ms (nested calls counted in each)",
			   v[i]->key, (unsigned long long)p->calls, (double)p->ns / 1e6);
	}
	free(v);
	strmap_release(&all, free);
}
