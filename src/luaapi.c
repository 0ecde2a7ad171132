/* luaapi.c — the weft table: what plugins may ask of the core. Pages, PageSpecs,
 * links, templates, outputs, configuration, dates and messages. */
#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "datetime.h"
#include "diag.h"
#include "digest.h"
#include "html.h"
#include "luahost.h"
#include "md.h"
#include "pagename.h"
#include "pagespec.h"
#include "path.h"
#include "plan.h"
#include "plugin.h"
#include "preprocess.h"
#include "render.h"
#include "scan.h"
#include "scrub.h"
#include "tmpl.h"
#include "xalloc.h"

#define PAGE_MT "weft.page"
#define VARS_MT "weft.vars"
#define TMPL_MT "weft.template"
#define SCRUB_MT "weft.scrubber"

/* The userdata kinds, for check_ud. */
enum ud_kind { UD_PAGE, UD_VARS, UD_TMPL, UD_SCRUB };
static const char *const ud_names[] = { PAGE_MT, VARS_MT, TMPL_MT, SCRUB_MT };

/*
 * luaL_testudata and luaL_checkudata without their lookup of the
 * metatable by name, which pushes (and so hashes and interns) the name on
 * every call: hooks check their page, vars and template arguments over a
 * million times in a build of 10,000 pages. The state keeps each kind's
 * metatable address; check_ud's mismatch goes to luaL_checkudata for its
 * error message.
 */
static void *
test_ud(lua_State *L, int idx, enum ud_kind kind)
{
	void *u = lua_touserdata(L, idx);

	if (u && lua_getmetatable(L, idx)) {
		const void *mt = lua_topointer(L, -1);

		lua_pop(L, 1);
		if (mt == pstate_of(L)->mt[kind])
			return u;
	}
	return NULL;
}

static void *
check_ud(lua_State *L, int idx, enum ud_kind kind)
{
	void *u = test_ud(L, idx, kind);

	return u ? u : luaL_checkudata(L, idx, ud_names[kind]);
}

static struct ctx *
current(lua_State *L)
{
	return pstate_of(L)->ctx;
}

static struct build *
build_of(lua_State *L)
{
	return pstate_of(L)->pl->b;
}

/* ---- messages ---------------------------------------------------------- */

static const char *
where(lua_State *L, unsigned *line)
{
	struct pstate *ps = pstate_of(L);
	struct ctx *c = ps->ctx;

	*line = c && c->page ? ps->line : 0;
	if (!c || !c->page)
		return NULL;
	return c->page->src ? c->page->src : c->page->name;
}

/* "name: plugins/x.lua:12: msg", the plugin's position from the caller. */
static void
message(lua_State *L, enum diag_level level)
{
	struct pstate *ps = pstate_of(L);
	const char *msg = luaL_checkstring(L, 1);
	unsigned line;
	const char *file = where(L, &line);

	struct diag *d = ps->pl->b->diag;
	const char *what = ps->what ? ps->what : "plugin";

	luaL_where(L, 1);
	switch (level) {
	case DIAG_WARNING:
		diag_warning(d, file, line, "%s: %s%s", what, lua_tostring(L, -1), msg);
		break;
	case DIAG_NOTE:
		diag_note(d, file, line, "%s: %s%s", what, lua_tostring(L, -1), msg);
		break;
	default:
		diag_debug(d, "%s: %s: %s%s", file ? file : "weft", what, lua_tostring(L, -1), msg);
	}
	lua_pop(L, 1);
}

static int
l_warn(lua_State *L)
{
	message(L, DIAG_WARNING);
	return 0;
}

static int
l_note(lua_State *L)
{
	message(L, DIAG_NOTE);
	return 0;
}

static int
l_debug(lua_State *L)
{
	message(L, DIAG_DEBUG);
	return 0;
}

/* ---- registration ------------------------------------------------------ */

static int
l_directive(lua_State *L)
{
	struct pstate *ps = pstate_of(L);
	struct plugins *pl = ps->pl;
	const char *name = luaL_checkstring(L, 1);
	unsigned how = DIRECTIVE_RENDER;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (lua_istable(L, 3) && (lua_getfield(L, 3, "scan"), lua_toboolean(L, -1))) {
		how |= DIRECTIVE_SCAN;
		/* render = false: a directive that only scans, and shows nothing. */
		if (lua_getfield(L, 3, "render") == LUA_TBOOLEAN && !lua_toboolean(L, -1))
			how &= ~(unsigned)DIRECTIVE_RENDER;
		if (lua_getfield(L, 3, "settle"), lua_toboolean(L, -1))
			how |= DIRECTIVE_SETTLE;
	}
	lua_getfield(L, LUA_REGISTRYINDEX, REG_DIRECTIVES);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, name);
	if (pl->loading && ps->worker == 0) {
		struct dirent_info *d = xcalloc(1, sizeof(*d));

		d->plugin = ps->loading;
		d->how = how;
		pthread_mutex_lock(&pl->lock);
		d = strmap_put(&pl->directives, name, strlen(name), d);
		pthread_mutex_unlock(&pl->lock);
		if (d) {
			free(d->via);
			free(d);
		}
	}
	return 0;
}

/* weft.unsettle(): for the rest of the page being rendered, the
 * directives its scan settled are called again: a plugin says so when
 * what it keeps for the render is no longer what the scan left. */
static int
l_unsettle(lua_State *L)
{
	struct ctx *c = current(L);

	if (c && c->unsettled)
		*c->unsettled = true;
	return 0;
}

/* weft.alias_directive(name, via): directive name is handled by the
 * directive via (which receives name as its fifth argument). Allowed in
 * the scan and in autofiles, so a page can define directives (shortcuts). */
static int
l_alias_directive(lua_State *L)
{
	struct plugins *pl = pstate_of(L)->pl;
	const char *name = luaL_checkstring(L, 1), *via = luaL_checkstring(L, 2);
	struct dirent_info *d, *target, *old = NULL;

	pthread_mutex_lock(&pl->lock);
	target = strmap_gets(&pl->directives, via);
	if (target && !strmap_gets(&pl->directives, name)) {
		d = xcalloc(1, sizeof(*d));
		d->plugin = target->plugin;
		d->how = target->how;
		d->via = xstrdup(via);
		old = strmap_put(&pl->directives, name, strlen(name), d);
	}
	pthread_mutex_unlock(&pl->lock);
	if (!target)
		return luaL_error(L, "alias_directive: no directive \"%s\"", via);
	(void)old;
	return 0;
}

static const char *const stages[] = {
	"scan", "filter", "sanitize", "pagetemplate", "format", "autofiles", "done", NULL,
};

static int
l_hook(lua_State *L)
{
	struct pstate *ps = pstate_of(L);
	int stage = luaL_checkoption(L, 1, NULL, stages);

	/* A scrubber sanitizes by itself: weft runs it, with no call. */
	if (!(stage == HOOK_SANITIZE && luaapi_to_scrubber(L, 2)))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_HOOKS);
	if (lua_rawgeti(L, -1, stage + 1) == LUA_TNIL) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, stage + 1);
	}
	lua_pushvalue(L, 2);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	if (ps->pl->loading && ps->worker == 0) {
		const char *marker = NULL;
		char **vars = NULL;

		if (lua_istable(L, 3)) {
			lua_getfield(L, 3, "contains");
			marker = lua_tostring(L, -1);
			lua_getfield(L, 3, "vars");
			if (lua_istable(L, -1)) {
				lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);

				vars = xcalloc((size_t)n + 1, sizeof(*vars));
				for (i = 1; i <= n; i++) {
					lua_rawgeti(L, -1, i);
					vars[i - 1] = xstrdup(luaL_checkstring(L, -1));
					lua_pop(L, 1);
				}
			}
		}
		ps->pl->hooks |= 1u << stage;
		vec_push(&ps->pl->markers[stage], marker ? xstrdup(marker) : NULL);
		vec_push(&ps->pl->owners[stage], (void *)(uintptr_t)ps->loading);
		if (stage == HOOK_PAGETEMPLATE)
			vec_push(&ps->pl->hookvars, vars);
		else
			free(vars);
	}
	return 0;
}

/* weft.htmlize(type, fn): pages with extension type are rendered by fn; a
 * type starting with '_' makes internal pages. */
static int
l_htmlize(lua_State *L)
{
	struct pstate *ps = pstate_of(L);
	const char *type = luaL_checkstring(L, 1);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_HTMLIZE);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, type);
	if (ps->pl->loading && ps->worker == 0) {
		strmap_put(&ps->pl->htmlize, type, strlen(type), ps->pl);
		site_add_type(&ps->pl->b->site, type, type[0] == '_' ? SRC_INTERNAL : SRC_PAGE);
	}
	return 0;
}

static int
l_option(lua_State *L)
{
	static const char *const types[] = { "string", "bool", "int", "list", "any", NULL };
	struct pstate *ps = pstate_of(L);
	struct plugins *pl = ps->pl;
	struct config_option *o;
	const char *name, *def, *help;
	int type;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "name");
	name = luaL_checkstring(L, -1);
	lua_getfield(L, 1, "type");
	type = luaL_checkoption(L, -1, "string", types);
	lua_getfield(L, 1, "default");
	if (lua_isboolean(L, -1)) {
		lua_pushstring(L, lua_toboolean(L, -1) ? "1" : "0");
		lua_replace(L, -2);
	}
	def = lua_tostring(L, -1);
	lua_getfield(L, 1, "help");
	help = luaL_optstring(L, -1, "");
	if (!pl->loading || ps->worker != 0)
		return 0;
	pl->options = xgrow(pl->options, &pl->capoptions, pl->noptions + 1, sizeof(*pl->options));
	o = &pl->options[pl->noptions++];
	memset(o, 0, sizeof(*o));
	o->name = xstrdup(name);
	o->type = (enum opt_type)type;
	o->def = def ? xstrdup(def) : NULL;
	o->help = xstrdup(help);
	return 0;
}

/* ---- pages --------------------------------------------------------------- */

static struct page *
check_page(lua_State *L, int idx)
{
	struct page **p = check_ud(L, idx, UD_PAGE);

	return *p;
}

/* A page argument: a page object, or a page's name. */
static struct page *
opt_page(lua_State *L, int idx)
{
	if (lua_isuserdata(L, idx))
		return check_page(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING)
		return site_page(&build_of(L)->site, lua_tostring(L, idx));
	return NULL;
}

/* A page's object is made once per state and kept (pages live as long as
 * the build): plugins ask for pages in every hook of every page. Being the
 * only one, it is compared as itself: page == dest needs no __eq, which
 * Lua would call for every two different pages (twice an item, in the
 * meta plugin's hook of every list). */
void
luaapi_push_page(lua_State *L, struct page *p)
{
	struct page **u;

	if (!p) {
		lua_pushnil(L);
		return;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, pstate_of(L)->pages);
	if (lua_rawgetp(L, -1, p) != LUA_TNIL) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	/* The name, interned once, as the object's user value: plugins read
	 * p.name tens of thousands of times a build, and pushing it from C
	 * hashes it each time. */
	u = lua_newuserdatauv(L, sizeof(*u), 1);
	*u = p;
	luaL_setmetatable(L, PAGE_MT);
	lua_pushstring(L, p->name);
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, -3, p);
	lua_remove(L, -2);
}

static void push_json(lua_State *L, const cJSON *v, int depth);

static void
push_json(lua_State *L, const cJSON *v, int depth)
{
	const cJSON *e;
	lua_Integer i = 1;

	/* Each level holds a table and a key on the stack. */
	luaL_checkstack(L, 3, "JSON nested too deep");
	if (!v || cJSON_IsNull(v) || depth > 64) {
		lua_pushnil(L);
	} else if (cJSON_IsString(v)) {
		lua_pushstring(L, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		if (v->valuedouble == (double)(lua_Integer)v->valuedouble)
			lua_pushinteger(L, (lua_Integer)v->valuedouble);
		else
			lua_pushnumber(L, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		lua_pushboolean(L, cJSON_IsTrue(v));
	} else if (cJSON_IsArray(v)) {
		/* Tables made at their size: grown one item at a time, each
		 * rehash cost more than the items. */
		lua_createtable(L, cJSON_GetArraySize(v), 0);
		cJSON_ArrayForEach(e, v) {
			push_json(L, e, depth + 1);
			lua_rawseti(L, -2, i++);
		}
	} else {
		lua_createtable(L, 0, cJSON_GetArraySize(v));
		cJSON_ArrayForEach(e, v) {
			lua_pushstring(L, e->string);
			push_json(L, e, depth + 1);
			lua_rawset(L, -3);
		}
	}
}

/* A Lua value as JSON: strings, numbers, booleans, and tables (arrays when
 * their keys are 1..n, objects when they are strings); NULL for nil. A
 * value that cannot be kept gives NULL with why it cannot in why (a
 * buffer of WHY_SIZE, "" on entry), and what was built of it freed: the
 * caller raises the error, as an error raised in here would leave it. */
#define WHY_SIZE 80

static cJSON *
to_json(lua_State *L, int idx, int depth, char *why)
{
	cJSON *obj, *item;
	lua_Integer n, i;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TSTRING: return cJSON_CreateString(lua_tostring(L, idx));
	case LUA_TNUMBER: return cJSON_CreateNumber(lua_tonumber(L, idx));
	case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, idx));
	case LUA_TTABLE: break;
	case LUA_TNIL: return NULL;
	default:
		snprintf(why, WHY_SIZE, "a %s cannot be kept in page state", luaL_typename(L, idx));
		return NULL;
	}
	if (depth > 32) {
		snprintf(why, WHY_SIZE, "page state nested too deep");
		return NULL;
	}
	/* Each level holds a key and a value on the stack (asked without
	 * raising, for the same reason). */
	if (!lua_checkstack(L, 3)) {
		snprintf(why, WHY_SIZE, "page state nested too deep");
		return NULL;
	}
	n = (lua_Integer)lua_rawlen(L, idx);
	if (n > 0) {
		obj = cJSON_CreateArray();
		for (i = 1; i <= n && !*why; i++) {
			lua_rawgeti(L, idx, i);
			item = to_json(L, -1, depth + 1, why);
			lua_pop(L, 1);
			if (item)
				cJSON_AddItemToArray(obj, item);
		}
	} else {
		obj = cJSON_CreateObject();
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			if (lua_type(L, -2) == LUA_TSTRING) {
				item = to_json(L, -1, depth + 1, why);
				if (*why) {
					lua_pop(L, 2);	/* the value and the key */
					break;
				}
				cJSON_AddItemToObject(obj, lua_tostring(L, -2), item);
			}
			lua_pop(L, 1);
		}
	}
	if (*why) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

/* Page state may be written only while the page itself is scanned, or in
 * the autofiles stage: while pages render, other threads read it. */
static void
check_writable(lua_State *L, const struct page *p)
{
	struct pstate *ps = pstate_of(L);
	struct ctx *c = ps->ctx;

	if (ps->pl->autofiles)
		return;
	if (!c || !c->scan || c->page != p)
		luaL_error(L, "the state of page %s can only be set while it is scanned", p->name);
}

/* The arguments of page:set and page:append, checked: the page, the
 * plugin and key, and the value as JSON (NULL for nil). Raises when the
 * page is not being scanned or page state cannot keep the value. */
static cJSON *
state_args(lua_State *L, struct page **p, const char **plugin, const char **key)
{
	char why[WHY_SIZE] = "";
	cJSON *v;

	*p = check_page(L, 1);
	*plugin = luaL_checkstring(L, 2);
	*key = luaL_checkstring(L, 3);
	check_writable(L, *p);
	v = to_json(L, 4, 0, why);
	if (*why)
		luaL_error(L, "%s", why);
	return v;
}

static int
page_set(lua_State *L)
{
	struct page *p;
	const char *plugin, *key;
	cJSON *v = state_args(L, &p, &plugin, &key);

	page_state_set(p, plugin, key, v);
	return 0;
}

/* page:append(plugin, key, value): value added at the end of the list the
 * page's state holds at plugin.key (made when missing); what page:state
 * and page:set would do, without the list's trip through Lua each time. */
static int
page_append(lua_State *L)
{
	struct page *p;
	const char *plugin, *key;
	cJSON *v = state_args(L, &p, &plugin, &key);

	if (!v)
		return 0;	/* nil: nothing to add */
	if (page_state_append(p, plugin, key, v) < 0) {
		cJSON_Delete(v);
		return luaL_error(L, "page state %s.%s is not a list", plugin, key);
	}
	return 0;
}

static int
page_state_get(lua_State *L)
{
	struct page *p = check_page(L, 1);
	const char *plugin = luaL_checkstring(L, 2);
	struct ctx *c = current(L);

	if (c && c->page != p)
		build_depend_page(c, p->name, DEP_CONTENT);
	const cJSON *root = page_state_root(p);
	const cJSON *obj = root ? cJSON_GetObjectItemCaseSensitive(root, plugin) : NULL;

	if (lua_isnoneornil(L, 3))
		push_json(L, obj, 0);
	else
		push_json(L, obj ? cJSON_GetObjectItemCaseSensitive(obj, luaL_checkstring(L, 3)) : NULL, 0);
	return 1;
}

static int
page_meta(lua_State *L)
{
	struct page *p = check_page(L, 1);

	push_json(L, page_state(p, "meta", luaL_checkstring(L, 2)), 0);
	return 1;
}

static int
page_set_time(lua_State *L, bool creation)
{
	struct page *p = check_page(L, 1);
	lua_Integer t = luaL_checkinteger(L, 2);

	check_writable(L, p);
	if (creation)
		p->ctime = (time_t)t;
	else
		p->mtime = (time_t)t;
	return 0;
}

static int
page_set_ctime(lua_State *L)
{
	return page_set_time(L, true);
}

static int
page_set_mtime(lua_State *L)
{
	return page_set_time(L, false);
}

static int
page_add_link_l(lua_State *L)
{
	struct page *p = check_page(L, 1);
	size_t len;
	const char *target = luaL_checklstring(L, 2, &len);
	const char *type = luaL_optstring(L, 3, NULL);
	struct build *b = build_of(L);
	struct buf t = BUF_INIT;

	check_writable(L, p);
	linkpage(&t, target, len);
	page_add_link(p, t.data, t.len,
		      type ? site_linktype(&b->site, type) : NULL,
		      pstate_of(L)->line);
	buf_release(&t);
	return 0;
}

/* The page's source body: its text after any front matter. A plain file's
 * bytes are read from the site each time. */
static int
page_text(lua_State *L)
{
	struct page *p = check_page(L, 1);
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct ctx *c = current(L);

	if (c && c->page != p)
		build_depend_page(c, p->name, DEP_CONTENT);
	if (p->kind != SRC_FILE && plan_text(build_of(L), p)) {
		lua_pushlstring(L, p->text + p->body, p->len - p->body);
	} else if (p->kind == SRC_FILE && p->src) {
		path_join(&path, build_of(L)->site.srcdir, p->src);
		if (buf_read_file(&data, path.data) == 0)
			lua_pushlstring(L, data.data, data.len);
		else
			lua_pushnil(L);
		buf_release(&path);
		buf_release(&data);
	} else {
		lua_pushnil(L);
	}
	return 1;
}

static void
push_title(lua_State *L, const struct page *p, struct build *b)
{
	const char *t = page_state_str(p, "meta", "title");
	struct buf title = BUF_INIT;

	if (t) {
		lua_pushstring(L, t);
		return;
	}
	if (strcmp(p->name, "index") == 0) {
		lua_pushstring(L, b->wikiname);
		return;
	}
	pagetitle(&title, path_base(p->name), strlen(path_base(p->name)), true);
	lua_pushlstring(L, title.data, title.len);
	buf_release(&title);
}

static void
push_links(lua_State *L, const struct page *p)
{
	size_t i;

	lua_createtable(L, (int)p->nlinks, 0);
	for (i = 0; i < p->nlinks; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, p->links[i].target);
		lua_setfield(L, -2, "target");
		if (p->links[i].type) {
			lua_pushstring(L, p->links[i].type);
			lua_setfield(L, -2, "type");
		}
		luaapi_push_page(L, p->links[i].to);
		lua_setfield(L, -2, "to");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* page:links_of(type [, sorted]): the targets (as written, linkpage()'d)
 * of the page's links of type ("tag"), a cheaper page.links for the
 * common question; sorted, each once, in byte order (Lua's in the C
 * locale, weft's). */
static int
page_links_of(lua_State *L)
{
	struct page *p = check_page(L, 1);
	const char *type = luaL_checkstring(L, 2);
	bool sorted = lua_toboolean(L, 3);
	const char **v;
	size_t i, n = 0;
	lua_Integer k = 0;

	if (!p->nlinks) {
		lua_newtable(L);
		return 1;
	}
	v = xcalloc(p->nlinks, sizeof(*v));
	for (i = 0; i < p->nlinks; i++)
		if (p->links[i].type && strcmp(p->links[i].type, type) == 0)
			v[n++] = p->links[i].target;
	if (sorted)
		qsort(v, n, sizeof(*v), str_ptr_cmp);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		if (sorted && i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, ++k);
	}
	free(v);
	return 1;
}

/* A page object's fields, in the order page_index's switch takes them. */
enum page_field {
	F_NAME, F_TITLE, F_SRC, F_TYPE, F_KIND, F_URL, F_DEST, F_CTIME, F_MTIME,
	F_SIZE, F_LINKS, F_BACKLINKS,
};

static const char *const page_fields[] = {
	"name", "title", "src", "type", "kind", "url", "dest", "ctime", "mtime",
	"size", "links", "backlinks", NULL,
};

static const luaL_Reg page_methods[] = {
	{ "state", page_state_get }, { "meta", page_meta }, { "set", page_set },
	{ "append", page_append },
	{ "links_of", page_links_of },
	{ "set_ctime", page_set_ctime }, { "set_mtime", page_set_mtime },
	{ "add_link", page_add_link_l }, { "text", page_text }, { NULL, NULL },
};

/* __index, with one upvalue: a table from each method's name to its
 * function and each field's name to its enum page_field (plugins read
 * page fields in every hook of every page: one table lookup, no string
 * comparisons). */
static int
page_index(lua_State *L)
{
	struct page *p = check_page(L, 1);
	struct ctx *c;
	size_t i;

	luaL_checkstring(L, 2);
	lua_pushvalue(L, 2);
	switch (lua_rawget(L, lua_upvalueindex(1))) {
	case LUA_TFUNCTION:
		return 1;
	case LUA_TNUMBER:
		break;
	default:
		lua_pushnil(L);
		return 1;
	}
	switch ((enum page_field)lua_tointeger(L, -1)) {
	case F_NAME: lua_getiuservalue(L, 1, 1); break;
	case F_TITLE: push_title(L, p, build_of(L)); break;
	case F_SRC: lua_pushstring(L, p->src); break;
	case F_TYPE: lua_pushstring(L, p->type); break;
	case F_KIND:
		lua_pushstring(L, p->kind == SRC_PAGE ? "page" :
			       p->kind == SRC_INTERNAL ? "internal" : "file");
		break;
	case F_URL: lua_pushstring(L, p->url); break;
	case F_DEST: lua_pushstring(L, p->dest); break;
	case F_CTIME: lua_pushinteger(L, (lua_Integer)p->ctime); break;
	case F_MTIME:
		/* What shows another page's modification date depends on it
		 * (a list of titles and creation dates does not). */
		if ((c = current(L)) && c->dest && p != c->dest)
			build_depend_page(c, p->name, DEP_MTIME);
		lua_pushinteger(L, (lua_Integer)p->mtime);
		break;
	case F_SIZE: lua_pushinteger(L, (lua_Integer)p->size); break;
	case F_LINKS: push_links(L, p); break;
	case F_BACKLINKS:
		lua_createtable(L, (int)p->backlinks.n, 0);
		for (i = 0; i < p->backlinks.n; i++) {
			luaapi_push_page(L, p->backlinks.v[i]);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	default: lua_pushnil(L); break;
	}
	return 1;
}

/* Pushes page_index with its table of names. */
static void
push_page_index(lua_State *L)
{
	const luaL_Reg *m;
	int i;

	lua_newtable(L);
	for (m = page_methods; m->name; m++) {
		lua_pushcfunction(L, m->func);
		lua_setfield(L, -2, m->name);
	}
	for (i = 0; page_fields[i]; i++) {
		lua_pushinteger(L, i);
		lua_setfield(L, -2, page_fields[i]);
	}
	lua_pushcclosure(L, page_index, 1);
}

static int
page_tostring(lua_State *L)
{
	lua_pushstring(L, check_page(L, 1)->name);
	return 1;
}

/* ---- PageSpecs ----------------------------------------------------------- */

static bool
enabled_cb(const char *plugin, void *arg)
{
	return plugin_enabled(arg, plugin);
}

/* The compiled spec, cached per state; raises a Lua error for a bad one. */
static const struct pagespec *
spec_of(lua_State *L, const char *text)
{
	struct pstate *ps = pstate_of(L);
	void **slot = strmap_slot(&ps->specs, text, strlen(text));
	struct buf err = BUF_INIT;

	if (!*slot) {
		*slot = pagespec_compile(text, &err);
		if (!*slot) {
			lua_pushfstring(L, "bad PageSpec \"%s\": %s", text, err.data);
			buf_release(&err);
			lua_error(L);
		}
	}
	return *slot;
}

static void
spec_env(lua_State *L, struct pagespec_env *env, int opts)
{
	struct ctx *c = current(L);
	struct build *b = build_of(L);
	struct page *loc = NULL;

	memset(env, 0, sizeof(*env));
	env->site = &b->site;
	if (opts && lua_istable(L, opts)) {
		lua_getfield(L, opts, "location");
		loc = opt_page(L, -1);
		if (!loc && lua_type(L, -1) == LUA_TSTRING)
			env->location = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	if (loc)
		env->location = loc->name;
	else if (!env->location)
		env->location = c && c->page ? c->page->name : "";
	env->sourcepage = c && c->page ? c->page->name : NULL;
	env->destpage = c && c->dest ? c->dest->name : NULL;
	env->tagbase = config_str(&b->cfg, "tagbase");
	env->enabled = enabled_cb;
	env->arg = b->plugins;
}

/* PageSpecs are matched once every page is scanned: in the scan pass other
 * pages are still being scanned, on other threads. */
static void
check_not_scanning(lua_State *L)
{
	struct ctx *c = current(L);

	if (c && c->scan)
		luaL_error(L, "PageSpecs can only be matched after the scan pass "
			   "(every page must be scanned first)");
}

/* opts.key as text, or NULL. A string stays held by the table; a number's
 * text is a new string nothing else holds, which the collector could free
 * at the next allocation: it is left on the stack, which holds it until
 * the C function returns. */
static const char *
opt_string(lua_State *L, int opts, const char *key)
{
	const char *v = NULL;

	if (opts && lua_istable(L, opts)) {
		lua_getfield(L, opts, key);
		if (lua_type(L, -1) == LUA_TNUMBER)
			return lua_tostring(L, -1);
		v = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	return v;
}

/* Whether opts.key is given and false. */
static bool
opt_is_false(lua_State *L, int opts, const char *key)
{
	bool v;

	lua_getfield(L, opts, key);
	v = lua_isboolean(L, -1) && !lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

static lua_Integer
opt_integer(lua_State *L, int opts, const char *key)
{
	lua_Integer v = 0;

	if (opts && lua_istable(L, opts)) {
		lua_getfield(L, opts, key);
		v = lua_tointeger(L, -1);
		lua_pop(L, 1);
	}
	return v;
}

static bool
opt_bool(lua_State *L, int opts, const char *key)
{
	bool v = false;

	if (opts && lua_istable(L, opts)) {
		lua_getfield(L, opts, key);
		v = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	return v;
}

/* The key of a weft.pages call in the state's memo: everything its
 * result depends on once pages are final. */
static void
list_key(struct buf *key, const char *text, const struct pagespec *ps,
	 const struct pagespec_env *env, const char *sort, size_t num, bool reverse)
{
	buf_printf(key, "%s\037%s\037%s\037%d\037%zu", text, env->location,
		   sort ? sort : "", reverse, num);
	if (pagespec_reads_pages(ps))
		buf_printf(key, "\037%s\037%s", env->sourcepage ? env->sourcepage : "",
			   env->destpage ? env->destpage : "");
}

/* weft.pages(spec [, {sort=, num=, reverse=, location=, deptype=}]).
 * While rendering, a list is found once per state: pages and their state
 * no longer change, and a dependency is recorded once per build (the first
 * recorder matches for real, so the influences are seen). */
static int
l_pages(lua_State *L)
{
	const char *text = luaL_checkstring(L, 1);
	const struct pagespec *ps = spec_of(L, text);
	int opts = lua_istable(L, 2) ? 2 : 0;
	struct pstate *pst = pstate_of(L);
	struct pagespec_env env;
	struct vec out = VEC_INIT, *found = NULL;
	struct buf err = BUF_INIT, key = BUF_INIT;
	lua_Integer num = opt_integer(L, opts, "num");
	const char *sort = opt_string(L, opts, "sort");
	bool reverse = opt_bool(L, opts, "reverse");
	unsigned type = deps_type(opt_string(L, opts, "deptype")), sorted = 0;
	struct deprec rec;
	size_t i, want;
	int rc = 0;

	check_not_scanning(L);
	spec_env(L, &env, opts);
	build_dep_begin(current(L), &rec, text, env.location, type, &env);
	/* While recording, every match is needed: those cut by num enter the
	 * list only if their sort keys (metadata) change. */
	want = num > 0 && !rec.recording ? (size_t)num : 0;
	if (build_of(L)->rendering && !rec.recording) {
		list_key(&key, text, ps, &env, sort, want, reverse);
		found = strmap_get(&pst->lists, key.data, key.len);
	}
	if (found) {
		vec_extend(&out, found);
	} else {
		rc = pagespec_match_list(&out, ps, &env, sort, want, reverse, &err);
		if (rc == 0 && key.len) {
			found = xcalloc(1, sizeof(*found));
			vec_extend(found, &out);
			strmap_put(&pst->lists, key.data, key.len, found);
		}
	}
	buf_release(&key);
	/* A list sorted by modification dates changes with them. */
	if (rec.recording && sort && pagespec_sort_reads_mtime(sort))
		sorted = DEP_MTIME;
	for (i = 0; rec.recording && i < out.n; i++)
		build_dep_hit(&rec, ((struct page *)out.v[i])->name,
			      (num > 0 && i >= (size_t)num ? DEP_META : type) | sorted);
	if (num > 0 && out.n > (size_t)num)
		out.n = (size_t)num;
	build_dep_end(current(L), &rec);
	if (rc < 0) {
		vec_release(&out);
		lua_pushstring(L, err.data);
		buf_release(&err);
		return lua_error(L);
	}
	lua_createtable(L, (int)out.n, 0);
	for (i = 0; i < out.n; i++) {
		luaapi_push_page(L, out.v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	vec_release(&out);
	return 1;
}

/* weft.match(page, spec [, opts]) */
static int
l_match(lua_State *L)
{
	struct page *p = opt_page(L, 1);
	const char *text = luaL_checkstring(L, 2);
	const struct pagespec *ps = spec_of(L, text);
	struct pagespec_env env;

	struct deprec rec;
	bool match;

	check_not_scanning(L);
	spec_env(L, &env, lua_istable(L, 3) ? 3 : 0);
	build_dep_begin(current(L), &rec, text, env.location, DEP_CONTENT | DEP_ONEPAGE, &env);
	match = p && pagespec_match(ps, p, &env);
	if (p)
		build_dep_hit(&rec, p->name, DEP_CONTENT);
	build_dep_end(current(L), &rec);
	lua_pushboolean(L, match);
	return 1;
}

/* weft.sort(pages, sortspec [, reverse]): sorts an array of pages in place. */
static int
l_sort(lua_State *L)
{
	lua_Integer n, i;
	struct page **v;
	struct buf err = BUF_INIT;
	int rc;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 1);
	v = xcalloc((size_t)n + 1, sizeof(*v));
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		v[i - 1] = check_page(L, -1);
		lua_pop(L, 1);
	}
	rc = pagespec_sort(v, (size_t)n, luaL_checkstring(L, 2), lua_toboolean(L, 3), &err);
	for (i = 1; rc == 0 && i <= n; i++) {
		luaapi_push_page(L, v[i - 1]);
		lua_rawseti(L, 1, i);
	}
	free(v);
	if (rc < 0) {
		lua_pushstring(L, err.data);
		buf_release(&err);
		return lua_error(L);
	}
	lua_settop(L, 1);
	return 1;
}

/* weft.depends(spec [, deptype]): the current page depends on spec (a
 * page name, or a PageSpec: then its matches are recorded as for
 * weft.pages, so a page going away is noticed). */
static int
l_depends(lua_State *L)
{
	struct ctx *c = current(L);
	const char *spec = luaL_checkstring(L, 1);
	unsigned type = deps_type(luaL_optstring(L, 2, NULL));
	struct pagespec_env env;
	struct vec out = VEC_INIT;
	struct buf err = BUF_INIT;
	struct deprec rec;
	size_t i;

	if (pagespec_is_simple(spec)) {
		build_depend_page(c, spec, type);
		return 0;
	}
	check_not_scanning(L);
	spec_env(L, &env, 0);
	build_dep_begin(c, &rec, spec, env.location, type, &env);
	/* Matched only by the first page of the build to record it: the
	 * others share what it found. */
	if (rec.recording)
		pagespec_match_list(&out, spec_of(L, spec), &env, NULL, 0, false, &err);
	for (i = 0; i < out.n; i++)
		build_dep_hit(&rec, ((struct page *)out.v[i])->name, type);
	build_dep_end(c, &rec);
	vec_release(&out);
	buf_release(&err);
	return 0;
}

static int
l_page(lua_State *L)
{
	luaapi_push_page(L, site_page(&build_of(L)->site, luaL_checkstring(L, 1)));
	return 1;
}

/* The page link (in linkpage's form) reaches from the page named from,
 * with the lookup recorded for the page being built: what a link's HTML
 * shows changes when a page it could reach comes or goes. */
static struct page *
lookup_link(lua_State *L, const char *from, const char *link, size_t len)
{
	struct page *found = site_bestlink(&build_of(L)->site, from, link, len);

	build_lookup(current(L), from, link, found);
	return found;
}

static int
l_bestlink(lua_State *L)
{
	struct page *from = opt_page(L, 1);
	size_t len;
	const char *link = luaL_checklstring(L, 2, &len);
	struct buf t = BUF_INIT;

	const char *fromname = from ? from->name : luaL_checkstring(L, 1);
	struct page *found;

	linkpage(&t, link, len);
	found = lookup_link(L, fromname, t.data, t.len);
	luaapi_push_page(L, found);
	buf_release(&t);
	return 1;
}

/* ---- URLs and links ------------------------------------------------------ */

static struct tvars *check_vars(lua_State *L, int idx);

/* Writes n in decimal after prefix into key (room for 48). */
static void
numbered(char *key, const char *prefix, size_t n)
{
	char digits[24];
	size_t len = strlen(prefix), k = 0;

	do
		digits[k++] = (char)('0' + n % 10);
	while ((n /= 10) && k < sizeof(digits));
	memcpy(key, prefix, len);
	while (k)
		key[len++] = digits[--k];
	key[len] = '\0';
}

/* One row of parentlinks.pm's: into the loop of v when there is one, else
 * as a table appended to the array on the top of the stack. The numbers
 * are written by hand: snprintf took a quarter of the rows' time. */
static void
parent_row(lua_State *L, struct tvars *v, const struct buf *url,
	   const struct buf *title, size_t depth, size_t height)
{
	char depthkey[48], heightkey[48], num[48];

	numbered(depthkey, "depth_", depth);
	numbered(heightkey, "height_", height);
	if (v) {
		struct tvars *row = tvars_add_row(v, "parentlinks");

		tvars_setn(row, "url", url->data, url->len);
		if (title)
			tvars_setn(row, "page", title->data, title->len);
		numbered(num, "", depth);
		tvars_set(row, "depth", num);
		numbered(num, "", height);
		tvars_set(row, "height", num);
		tvars_set(row, depthkey, "1");
		tvars_set(row, heightkey, "1");
		return;
	}
	lua_createtable(L, 0, 6);
	lua_pushlstring(L, url->data, url->len);
	lua_setfield(L, -2, "url");
	if (title) {
		lua_pushlstring(L, title->data, title->len);
		lua_setfield(L, -2, "page");
	}
	lua_pushinteger(L, (lua_Integer)depth);
	lua_setfield(L, -2, "depth");
	lua_pushinteger(L, (lua_Integer)height);
	lua_setfield(L, -2, "height");
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, depthkey);
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, heightkey);
	lua_rawseti(L, -2, (lua_Integer)depth + 1);
}

/* weft.parentlinks(page [, vars]): parentlinks.pm's parentlinks(): a row
 * for each parent of page, from the top (titled with the wikiname) down to
 * its directory, "index" components skipped. Each row has url (to the
 * parent page, or to the top when the parent has none; its lookup
 * recorded, lookup_link), page (its title), depth, height, and
 * the flags depth_<n> and height_<n>. Given a pagetemplate hook's vars, it
 * sets their parentlinks loop (replacing what was there) and
 * has_parentlinks instead, and returns the number of rows. In C, and
 * straight into the template: the hook runs for every page, and with its
 * rows made in Lua, then turned into the template's, it cost 46,000
 * instructions a page (15,000 now). */
static int
l_parentlinks(lua_State *L)
{
	struct page *p = check_page(L, 1);
	struct tvars *v = lua_isnoneornil(L, 2) ? NULL : check_vars(L, 2);
	struct build *b = build_of(L);
	const char *s, *e, *from = p->url ? p->url : "";
	struct buf path = BUF_INIT, link = BUF_INIT, u = BUF_INIT, title = BUF_INIT;
	size_t nparts = 0, i = 0;
	bool titled = b->wikiname != NULL;	/* the top's title: the wikiname */

	if (titled)
		buf_puts(&title, b->wikiname);
	for (s = p->name; *s; s = *e ? e + 1 : e) {
		e = strchrnul(s, '/');
		nparts += e > s;
	}
	if (v)
		tvars_clear(v, "parentlinks");
	else
		lua_createtable(L, (int)nparts, 0);
	for (s = p->name; *s; s = *e ? e + 1 : e) {
		struct page *to = NULL;

		e = strchrnul(s, '/');
		if (e == s || ((size_t)(e - s) == 5 && memcmp(s, "index", 5) == 0))
			continue;
		if (path.len) {	/* bestlink of "" is nothing: the top */
			buf_reset(&link);
			linkpage(&link, path.data, path.len);
			to = lookup_link(L, p->name, link.data, link.len);
		}
		buf_reset(&u);
		url_relative(&u, from, to && to->url ? to->url : "");
		parent_row(L, v, &u, titled ? &title : NULL, i, nparts - i);
		i++;
		buf_putc(&path, '/');
		buf_put(&path, s, (size_t)(e - s));
		buf_reset(&title);
		pagetitle(&title, s, (size_t)(e - s), false);
		titled = true;
	}
	if (v) {
		tvars_set(v, "has_parentlinks", i ? "1" : "");
		lua_pushinteger(L, (lua_Integer)i);
	}
	buf_release(&path);
	buf_release(&link);
	buf_release(&u);
	buf_release(&title);
	return 1;
}

/* The site-relative URL path of a page object, a page name, or a path. */
static const char *
url_of(lua_State *L, int idx)
{
	struct page *p = opt_page(L, idx);

	if (p)
		return p->url ? p->url : "";
	return luaL_checkstring(L, idx);
}

/* weft.url(to [, from]): the relative URL from from (default: the page
 * being written) to to. */
static int
l_url(lua_State *L)
{
	const char *to = url_of(L, 1);
	struct page *from = lua_isnoneornil(L, 2) ? (current(L) ? current(L)->dest : NULL) :
			    opt_page(L, 2);
	struct buf u = BUF_INIT;

	url_relative(&u, from && from->url ? from->url : "", to);
	lua_pushlstring(L, u.data, u.len);
	buf_release(&u);
	return 1;
}

/* weft.absurl(to): the absolute URL of to under the url option; nil for
 * a page that has no URL (an internal page). */
static int
l_absurl(lua_State *L)
{
	struct page *p = opt_page(L, 1);
	const char *to;

	if (p && !p->url) {
		lua_pushnil(L);
		return 1;
	}
	to = url_of(L, 1);
	const char *url = build_of(L)->url;
	struct buf u = BUF_INIT;

	if (url) {
		buf_puts(&u, url);
		while (u.len && u.data[u.len - 1] == '/')
			buf_truncate(&u, u.len - 1);
	}
	buf_putc(&u, '/');
	buf_puts(&u, to);
	lua_pushlstring(L, u.data, u.len);
	buf_release(&u);
	return 1;
}

/* weft.link's options, read once for any number of links. */
struct link_opts {
	struct ctx ctx;		/* the current one, from the from= page */
	const char *text, *anchor;
	bool noimageinline;
	struct htmllink_attrs attrs;
};

/* Reads the options table at opts (0: none) into o; an error when no page
 * is being written. The strings stay the table's (a number's, made a
 * string, stays on the stack). The table's entries are walked, not each
 * option looked up: a cloud of tags calls weft.link a hundred times with
 * one or two of the seven set, on every page. */
static void
link_opts(lua_State *L, int opts, struct link_opts *o)
{
	static const char *const names[] = { "from", "text", "anchor", "noimageinline",
					      "rel", "class", "title", NULL };
	const char **strs[] = { NULL, &o->text, &o->anchor, NULL,
				&o->attrs.rel, &o->attrs.class, &o->attrs.title };
	struct ctx *c = current(L);
	struct page *from;
	size_t i;

	if (!c || !c->dest)
		luaL_error(L, "weft.link needs a page being built");
	o->ctx = *c;
	o->text = o->anchor = NULL;
	o->noimageinline = false;
	memset(&o->attrs, 0, sizeof(o->attrs));
	if (!opts)
		return;
	lua_pushnil(L);
	while (lua_next(L, opts)) {
		const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";

		for (i = 0; names[i] && strcmp(key, names[i]) != 0; i++)
			;
		if (!names[i]) {
			lua_pop(L, 1);	/* not an option */
			continue;
		}
		if (i == 0) {
			if ((from = opt_page(L, -1)))
				o->ctx.page = from;
		} else if (i == 3) {
			o->noimageinline = lua_toboolean(L, -1);
		} else if (lua_type(L, -1) == LUA_TNUMBER) {
			lua_pushvalue(L, -1);
			*strs[i] = lua_tostring(L, -1);
			lua_insert(L, -3);	/* below the key, kept */
		} else {
			*strs[i] = lua_tostring(L, -1);
		}
		lua_pop(L, 1);
	}
}

/* Appends the link to the target at idx (a page, or a link as written)
 * with text (NULL: the target's title) to out, its lookup recorded. */
static void
put_link(lua_State *L, struct buf *out, int idx, struct link_opts *o, const char *text)
{
	struct page *to = lua_isuserdata(L, idx) ? check_page(L, idx) : NULL;
	struct buf target = BUF_INIT;

	if (to) {
		buf_printf(&target, "/%s", to->name);
	} else {
		size_t len;
		const char *t = luaL_checklstring(L, idx, &len);

		linkpage(&target, t, len);
	}
	preprocess_htmllink_attrs(out, &o->ctx,
				  lookup_link(L, o->ctx.page->name, target.data, target.len),
				  target.data, target.len, text, text ? strlen(text) : 0, o->anchor,
				  o->anchor ? strlen(o->anchor) : 0, o->noimageinline, &o->attrs);
	buf_release(&target);
}

/* weft.link(target [, {text=, anchor=, from=, noimageinline=, rel=, class=,
 * title=}]): ikiwiki's htmllink from the current page to target, shown on
 * the page being written; text and the attributes are HTML, used as they
 * are. */
static int
l_link(lua_State *L)
{
	struct link_opts o;
	struct buf out = BUF_INIT;

	link_opts(L, lua_istable(L, 2) ? 2 : 0, &o);
	put_link(L, &out, 1, &o, o.text);
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* weft.link_loop(vars, loop, field, targets [, options]): sets the loop of
 * a pagetemplate hook's vars (replacing what was there) to a row for each
 * of targets, whose field is weft.link(target, options), with the text
 * options.texts[i] when given. Returns the number of rows. The tag
 * plugin's TAGS: one call for a page's tags, where a call and an options
 * table for each, then the rows turned into the template's, cost more than
 * the links. */
static int
l_link_loop(lua_State *L)
{
	struct tvars *v = check_vars(L, 1);
	const char *loop = luaL_checkstring(L, 2), *field = luaL_checkstring(L, 3);
	int opts = lua_istable(L, 5) ? 5 : 0, texts = 0;
	struct link_opts o;
	struct buf out = BUF_INIT;
	lua_Integer i, n;

	luaL_checktype(L, 4, LUA_TTABLE);
	link_opts(L, opts, &o);
	if (opts && lua_getfield(L, opts, "texts") == LUA_TTABLE)
		texts = lua_gettop(L);
	n = (lua_Integer)lua_rawlen(L, 4);
	/* Checked before any row is made: an error then would leak them. */
	for (i = 1; i <= n; i++) {
		if (lua_rawgeti(L, 4, i) == LUA_TUSERDATA)
			check_page(L, -1);
		else if (!lua_isstring(L, -1))
			luaL_error(L, "weft.link_loop: target %d is a %s, not a page or a link",
				   (int)i, luaL_typename(L, -1));
		if (texts && lua_rawgeti(L, texts, i) != LUA_TNIL && !lua_isstring(L, -1))
			luaL_error(L, "weft.link_loop: text %d is a %s", (int)i, luaL_typename(L, -1));
		lua_pop(L, texts ? 2 : 1);
	}
	tvars_clear(v, loop);
	for (i = 1; i <= n; i++) {
		const char *text = o.text;

		lua_rawgeti(L, 4, i);
		if (texts && lua_rawgeti(L, texts, i) != LUA_TNIL)
			text = lua_tostring(L, -1);
		buf_reset(&out);
		put_link(L, &out, texts ? -2 : -1, &o, text);
		tvars_setn(tvars_add_row(v, loop), field, out.data, out.len);
		lua_pop(L, texts ? 2 : 1);
	}
	buf_release(&out);
	lua_pushinteger(L, n);
	return 1;
}

/* ---- content ------------------------------------------------------------- */

/* weft.content(page): the page's content as HTML, for the page being
 * written (ikiwiki's inlining). */
static int
l_content(lua_State *L)
{
	struct ctx *c = current(L), sub;
	struct page *p = opt_page(L, 1);
	struct buf out = BUF_INIT;

	if (!c || !p)
		return luaL_error(L, "weft.content needs a page");
	build_depend_page(c, p->name, DEP_CONTENT);
	if (!plan_text(build_of(L), p)) {
		lua_pushliteral(L, "");
		return 1;
	}
	sub = *c;
	sub.page = p;
	sub.scan = false;
	sub.depth = c->depth + 1;
	if (render_content(&out, &sub) < 0 && sub.depth > 8) {
		buf_release(&out);
		return luaL_error(L, "inlining %s: pages inline each other in a loop", p->name);
	}
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* weft.preprocess(text [, {page=, markdown=, links=}]): expands directives
 * and (unless links is false) links in text as part of the current page.
 * In the scan pass it records and returns "". */
static int
l_preprocess(lua_State *L)
{
	struct ctx *c = current(L), sub;
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	int opts = lua_istable(L, 2) ? 2 : 0;
	struct buf out = BUF_INIT;
	bool markdown;
	struct page *p = NULL;
	int rc;

	if (!c)
		return luaL_error(L, "weft.preprocess needs a page being built");
	sub = *c;
	if (opts) {
		lua_getfield(L, opts, "page");
		p = opt_page(L, -1);
		lua_pop(L, 1);
	}
	if (p)
		sub.page = p;
	markdown = sub.page->type && (strcmp(sub.page->type, "mdwn") == 0 ||
				      strcmp(sub.page->type, "md") == 0);
	if (opts) {
		lua_getfield(L, opts, "markdown");
		if (!lua_isnil(L, -1))
			markdown = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	rc = preprocess(&out, &sub, text, len, pstate_of(L)->line ? pstate_of(L)->line : 1,
			(markdown ? PP_MARKDOWN : 0) |
			(opts && opt_is_false(L, opts, "links") ? PP_NOLINKS : 0));
	if (rc < 0) {
		buf_release(&out);
		return luaL_error(L, "preprocessing loop detected");
	}
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* weft.htmlize(text [, type [, {safe=}]]): text rendered as a page of type
 * (default: the current page's) would be; with safe, raw HTML and unsafe
 * URLs are dropped (for comments). */
static int
l_htmlize_text(lua_State *L)
{
	struct ctx *c = current(L);
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	const char *type = luaL_optstring(L, 2, c && c->page && c->page->type ? c->page->type : "mdwn");
	bool safe = opt_bool(L, lua_istable(L, 3) ? 3 : 0, "safe");
	struct buf out = BUF_INIT;

	if (strcmp(type, "mdwn") == 0 || strcmp(type, "md") == 0) {
		md_render(&out, text, len, safe ? 0 : MD_UNSAFE);
	} else if (c && plugin_has_htmlize(build_of(L)->plugins, type)) {
		buf_put(&out, text, len);
		if (plugin_htmlize(c, type, &out) < 0) {
			buf_release(&out);
			return luaL_error(L, "htmlize %s failed", type);
		}
	} else if ((strcmp(type, "html") == 0 || strcmp(type, "htm") == 0 ||
		    strcmp(type, "txt") == 0) &&
		   plugin_enabled(build_of(L)->plugins, type[0] == 't' ? "txt" : "html")) {
		/* As in ikiwiki, these formats are the html and txt plugins'. */
		if (strcmp(type, "txt") == 0) {
			buf_puts(&out, "<pre>");
			buf_put_html(&out, text, len);
			buf_puts(&out, "</pre>");
		} else {
			buf_put(&out, text, len);
		}
	} else {
		return luaL_error(L, "unsupported page format %s", type);
	}
	if (!memchr(text, '\n', len))
		html_strip_paragraph(&out);
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* ---- templates ------------------------------------------------------------ */

struct vars_ud {
	struct tvars *v;	/* NULL once the hook that got it returned */
};

struct tmpl_ud {
	const struct tmpl *t;	/* the theme's (lives as long as the build), or owned */
	bool owned;		/* made by weft.template_from: freed with the object */
	char name[64];
};

void
luaapi_push_vars(lua_State *L, struct tvars *v)
{
	struct vars_ud *u = lua_newuserdatauv(L, sizeof(*u), 0);

	u->v = v;
	luaL_setmetatable(L, VARS_MT);
}

void
luaapi_close_vars(lua_State *L, int idx)
{
	struct vars_ud *u = check_ud(L, idx, UD_VARS);

	u->v = NULL;
}

static struct tvars *
check_vars(lua_State *L, int idx)
{
	struct vars_ud *u = check_ud(L, idx, UD_VARS);

	if (!u->v)
		luaL_error(L, "template variables used after their hook returned");
	return u->v;
}

static void fill_vars(lua_State *L, struct tvars *v, int idx, int depth);

/* What a template shows for the value at idx: a string or number as it
 * is, a boolean as "1" or ""; NULL for any other value. */
static const char *
scalar_text(lua_State *L, int idx, size_t *len)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
	case LUA_TNUMBER:
		return lua_tolstring(L, idx, len);
	case LUA_TBOOLEAN:
		*len = lua_toboolean(L, idx) ? 1 : 0;
		return *len ? "1" : "";
	default:
		return NULL;
	}
}

/* Sets name in v from the Lua value at idx: strings and numbers as they
 * are, booleans as "1" or "", an array of tables as a loop. */
static void
set_var(lua_State *L, struct tvars *v, const char *name, int idx, int depth)
{
	lua_Integer i, n;
	const char *s;
	size_t len;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
	case LUA_TNUMBER:
	case LUA_TBOOLEAN:
		s = scalar_text(L, idx, &len);
		tvars_setn(v, name, s, len);
		break;
	case LUA_TNIL:
		tvars_set(v, name, "");
		break;
	case LUA_TTABLE:
		if (depth > 16)
			luaL_error(L, "template loops nested too deep");
		tvars_clear(v, name);
		n = (lua_Integer)lua_rawlen(L, idx);
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, idx, i);
			if (lua_istable(L, -1))
				fill_vars(L, tvars_add_row(v, name), -1, depth + 1);
			lua_pop(L, 1);
		}
		break;
	default:
		luaL_error(L, "template variable %s cannot be a %s", name, luaL_typename(L, idx));
	}
}

static void
fill_vars(lua_State *L, struct tvars *v, int idx, int depth)
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) == LUA_TSTRING)
			set_var(L, v, lua_tostring(L, -2), -1, depth);
		lua_pop(L, 1);
	}
}

static int
vars_index(lua_State *L)
{
	lua_pushstring(L, tvars_get(check_vars(L, 1), luaL_checkstring(L, 2)));
	return 1;
}

static int
vars_newindex(lua_State *L)
{
	set_var(L, check_vars(L, 1), luaL_checkstring(L, 2), 3, 0);
	return 0;
}

void
luaapi_push_tmpl(lua_State *L, const struct tmpl *t, const char *name)
{
	struct tmpl_ud *u = lua_newuserdatauv(L, sizeof(*u), 0);
	size_t n = strlen(name);

	/* Made for every pagetemplate call: no printf to copy a name. */
	if (n >= sizeof(u->name))
		n = sizeof(u->name) - 1;
	u->t = t;
	u->owned = false;
	memcpy(u->name, name, n);
	u->name[n] = '\0';
	luaL_setmetatable(L, TMPL_MT);
}

void
luaapi_push_theme_tmpl(lua_State *L, const struct tmpl *t, const char *name)
{
	struct tmpl_ud *u;

	lua_rawgeti(L, LUA_REGISTRYINDEX, pstate_of(L)->tmpls);
	if (lua_rawgetp(L, -1, t) == LUA_TUSERDATA) {
		/* Another name for the same template (too long to keep, say)
		 * gets an object of its own, as before. */
		u = lua_touserdata(L, -1);
		if (strcmp(u->name, name) == 0) {
			lua_remove(L, -2);
			return;
		}
	}
	lua_pop(L, 1);
	luaapi_push_tmpl(L, t, name);
	u = lua_touserdata(L, -1);
	if (strcmp(u->name, name) == 0) {
		lua_pushvalue(L, -1);
		lua_rawsetp(L, -3, t);
	}
	lua_remove(L, -2);
}

static void
add_use(const char *name, size_t len, void *arg)
{
	lua_State *L = arg;

	lua_pushlstring(L, name, len);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
}

static int
uses_newindex(lua_State *L)
{
	return luaL_error(L, "a template's uses are read only");
}

void
luaapi_push_uses(lua_State *L, const struct tmpl *t)
{
	lua_Integer serial = (lua_Integer)tmpl_serial(t);

	lua_getfield(L, LUA_REGISTRYINDEX, REG_USES);
	if (lua_rawgeti(L, -1, serial) == LUA_TNIL) {
		/* An empty table reading through to the names (a table's
		 * __index is no call): one that held them would take writes. */
		lua_pop(L, 1);
		lua_newtable(L);
		lua_createtable(L, 0, 3);
		lua_newtable(L);
		tmpl_each_use(t, add_use, L);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, uses_newindex);
		lua_setfield(L, -2, "__newindex");
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_setmetatable(L, -2);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, serial);
	}
	lua_remove(L, -2);
}

static int
tmpl_gc(lua_State *L)
{
	struct tmpl_ud *u = check_ud(L, 1, UD_TMPL);

	if (u->owned)
		tmpl_free((struct tmpl *)u->t);
	u->t = NULL;
	return 0;
}

/* weft.template_from(text, name): a template from text (a wiki page's,
 * say), compiled as untrusted: TMPL_INCLUDE is refused. nil and a message
 * when it does not compile; the errors are reported with name's lines. */
static int
l_template_from(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	const char *name = luaL_checkstring(L, 2);
	struct tmpl *t = tmpl_compile(name, text, len, TMPL_NO_INCLUDES, NULL, NULL,
				      build_of(L)->diag);

	if (!t) {
		lua_pushnil(L);
		lua_pushfstring(L, "template %s does not compile", name);
		return 2;
	}
	luaapi_push_tmpl(L, t, name);
	((struct tmpl_ud *)lua_touserdata(L, -1))->owned = true;
	return 1;
}

/* weft.template(name): the template, or nil and a message. */
static int
l_template(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct buf full = BUF_INIT;
	const struct tmpl *t;

	buf_puts(&full, name);
	if (!strchr(name, '.'))
		buf_puts(&full, ".tmpl");
	t = theme_template(&build_of(L)->theme, full.data);
	build_template(current(L), full.data);
	if (t)
		luaapi_push_theme_tmpl(L, t, full.data);
	else
		lua_pushnil(L);
	buf_release(&full);
	if (!t) {
		lua_pushfstring(L, "template %s not found or broken", name);
		return 2;
	}
	return 1;
}

/* fill_vars for lua_pcall: the vars (light userdata) and the table. */
static int
fill_vars_p(lua_State *L)
{
	fill_vars(L, lua_touserdata(L, 1), 2, 0);
	return 0;
}

/* fill_vars(L, v, idx) in protected mode, for a C function that holds
 * memory: false with the error on the stack, placed as luaL_error in the
 * function itself would place it (at its Lua caller's line). */
static bool
fill_vars_safely(lua_State *L, struct tvars *v, int idx)
{
	idx = lua_absindex(L, idx);
	lua_pushcfunction(L, fill_vars_p);
	lua_pushlightuserdata(L, v);
	lua_pushvalue(L, idx);
	if (lua_pcall(L, 2, 0, 0) == LUA_OK)
		return true;
	if (lua_type(L, -1) == LUA_TSTRING) {
		luaL_where(L, 1);
		lua_insert(L, -2);
		lua_concat(L, 2);
	}
	return false;
}

/* The pagetemplate hooks of a fill of the template object u (at index 1)
 * for page p (NULL: c's) on d (NULL: c's dest). */
static int
fill_hooks(lua_State *L, const struct ctx *c, const struct tmpl_ud *u, struct tvars *v,
	   struct page *p, struct page *d)
{
	struct ctx sub = *c;

	if (p)
		sub.page = p;
	sub.dest = d ? d : c->dest;
	return plugin_pagetemplate_of(&sub, u->t, u->name, v, L, 1);
}

/* tmpl:fill(vars [, page [, dest]]) or tmpl:fill(vars, {page=, dest=,
 * hooks=}): the pagetemplate hooks run for page (default: the current one)
 * first, as ikiwiki runs them when it fills a page's or an item's template;
 * hooks = false leaves them out (the template directive's fills). */
static int
tmpl_fill_l(lua_State *L)
{
	struct tmpl_ud *u = check_ud(L, 1, UD_TMPL);
	struct ctx *c = current(L);
	struct tvars *v;
	struct buf out = BUF_INIT;
	struct page *p, *d;
	bool hooks = true;

	if (!u->t)
		return luaL_error(L, "template used after it was freed");
	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, "page");
		p = opt_page(L, -1);
		lua_getfield(L, 3, "dest");
		d = opt_page(L, -1);
		hooks = !opt_is_false(L, 3, "hooks");
		lua_pop(L, 2);
	} else {
		p = opt_page(L, 3);
		d = opt_page(L, 4);
	}
	v = tvars_new();
	if (lua_istable(L, 2) && !fill_vars_safely(L, v, 2)) {	/* v freed first */
		tvars_free(v);
		return lua_error(L);
	}
	/* Not in the scan pass, whose output is thrown away: the hooks may
	 * take page state as final (the meta plugin keeps what it read). */
	if (c && hooks && !c->scan) {
		if (fill_hooks(L, c, u, v, p, d) < 0) {
			tvars_free(v);
			return luaL_error(L, "a pagetemplate hook failed");
		}
	}
	tmpl_fill(&out, u->t, v);
	tvars_free(v);
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* Sets name in v to the time t as weft.displaytime shows it with the
 * format at index format (nil: the timeformat), what a plugin injected if
 * any, in protected mode: false with the error on the stack when that
 * raised one. tmp is room for the text. */
static bool
set_displaytime(lua_State *L, struct tvars *v, const char *name, time_t t, bool pubdate,
		int format, struct buf *tmp)
{
	size_t len;
	const char *s;

	if (!pstate_of(L)->injected) {	/* as luaapi_displaytime, without a call */
		buf_reset(tmp);
		build_displaytime(build_of(L), tmp, t, pubdate, lua_tostring(L, format));
		tvars_setn(v, name, tmp->data, tmp->len);
		return true;
	}
	lua_pushcfunction(L, luaapi_displaytime);
	lua_pushinteger(L, (lua_Integer)t);
	lua_pushboolean(L, pubdate);
	lua_pushvalue(L, format);
	if (lua_pcall(L, 3, 1, 0) != LUA_OK)
		return false;
	s = lua_tolstring(L, -1, &len);
	tvars_setn(v, name, s, len);
	lua_pop(L, 1);
	return true;
}

/* tmpl:fill_items(pages, dest [, opts]): the template filled for each page
 * of the array pages in turn, joined, as ikiwiki's inline fills an item's:
 * PAGEURL (from dest), INLINEPAGE, TITLE (from the page's name), FIRST and
 * LAST, opts.html5 as HTML5, and with opts.ctime or opts.mtime set, CTIME
 * or MTIME as weft.displaytime(t, ..., opts.timeformat) shows them; then
 * the variables of opts.vars[i] (t:fill's values) for the i-th page; then
 * the pagetemplate hooks for the page on dest. What t:fill does with a
 * table of all those for each item, without the tables: a tag page's
 * archive has hundreds of items. */
static int
tmpl_fill_items_l(lua_State *L)
{
	struct tmpl_ud *u = check_ud(L, 1, UD_TMPL);
	struct ctx *c = current(L);
	struct page *dest = opt_page(L, 3), *p;
	struct buf out = BUF_INIT, field = BUF_INIT;
	struct tvars *v;
	const char *html5 = NULL, *base;
	size_t html5len = 0;
	bool ctime, mtime, hooks;
	int format, more;
	lua_Integer i, n;

	if (!u->t)
		return luaL_error(L, "template used after it was freed");
	luaL_checktype(L, 2, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 2);
	for (i = 1; i <= n; i++) {	/* checked before anything is made */
		lua_rawgeti(L, 2, i);
		if (!opt_page(L, -1))
			return luaL_error(L, "fill_items: pages[%d] is not a page", (int)i);
		lua_pop(L, 1);
	}
	lua_settop(L, 4);
	if (!lua_istable(L, 4)) {
		lua_newtable(L);
		lua_replace(L, 4);
	}
	ctime = lua_getfield(L, 4, "ctime") != LUA_TNIL && lua_toboolean(L, -1);
	mtime = lua_getfield(L, 4, "mtime") != LUA_TNIL && lua_toboolean(L, -1);
	if (lua_getfield(L, 4, "timeformat") != LUA_TNIL && !lua_isstring(L, -1))
		return luaL_error(L, "fill_items: timeformat is a %s, not a string",
				  luaL_typename(L, -1));
	format = lua_gettop(L);
	/* Taken as t:fill takes a value, before anything is made. */
	if (lua_getfield(L, 4, "html5") != LUA_TNIL &&
	    !(html5 = scalar_text(L, -1, &html5len)))
		return luaL_error(L, "template variable html5 cannot be a %s", luaL_typename(L, -1));
	more = lua_getfield(L, 4, "vars") == LUA_TTABLE ? lua_gettop(L) : 0;
	if (!dest && c)
		dest = c->dest;
	hooks = c && !c->scan;
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		p = opt_page(L, -1);
		lua_pop(L, 1);
		v = tvars_new();
		buf_reset(&field);
		url_relative(&field, dest && dest->url ? dest->url : "", p->url ? p->url : "");
		tvars_setn(v, "pageurl", field.data, field.len);
		tvars_set(v, "inlinepage", p->name);
		buf_reset(&field);
		base = path_base(p->name);
		pagetitle(&field, base, strlen(base), false);
		tvars_setn(v, "title", field.data, field.len);
		if (html5)
			tvars_setn(v, "html5", html5, html5len);
		if (ctime && !set_displaytime(L, v, "ctime", p->ctime, true, format, &field))
			goto raise;
		if (mtime) {
			/* As p.mtime records it. */
			if (c && c->dest && p != c->dest)
				build_depend_page(c, p->name, DEP_MTIME);
			if (!set_displaytime(L, v, "mtime", p->mtime, false, format, &field))
				goto raise;
		}
		if (i == 1)
			tvars_set(v, "first", "1");
		if (i == n)
			tvars_set(v, "last", "1");
		if (more && lua_rawgeti(L, more, i) == LUA_TTABLE && !fill_vars_safely(L, v, -1))
			goto raise;
		lua_settop(L, more ? more : format + 1);
		if (hooks && fill_hooks(L, c, u, v, p, dest) < 0) {
			luaL_where(L, 1);	/* as luaL_error says it */
			lua_pushliteral(L, "a pagetemplate hook failed");
			lua_concat(L, 2);
			goto raise;
		}
		tmpl_fill(&out, u->t, v);
		tvars_free(v);
	}
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	buf_release(&field);
	return 1;
raise:
	tvars_free(v);
	buf_release(&out);
	buf_release(&field);
	return lua_error(L);
}

static int
tmpl_uses_l(lua_State *L)
{
	struct tmpl_ud *u = check_ud(L, 1, UD_TMPL);

	lua_pushboolean(L, tmpl_uses(u->t, luaL_checkstring(L, 2)));
	return 1;
}

static int
tmpl_index(lua_State *L)
{
	struct tmpl_ud *u = check_ud(L, 1, UD_TMPL);
	const char *k = luaL_checkstring(L, 2);

	if (strcmp(k, "fill") == 0)
		lua_pushcfunction(L, tmpl_fill_l);
	else if (strcmp(k, "uses") == 0)
		lua_pushcfunction(L, tmpl_uses_l);
	else if (strcmp(k, "fill_items") == 0)
		lua_pushcfunction(L, tmpl_fill_items_l);
	else if (strcmp(k, "name") == 0)
		lua_pushstring(L, u->name);
	else
		lua_pushnil(L);
	return 1;
}

/* ---- outputs and made pages -------------------------------------------------- */

/* weft.write(path, data): one more output file of the page being written
 * (a feed, say), relative to the output directory. */
static int
l_write(lua_State *L)
{
	struct ctx *c = current(L);
	const char *path = luaL_checkstring(L, 1);
	size_t len;
	const char *data = luaL_checklstring(L, 2, &len);
	struct build *b = build_of(L);

	if (!c || !c->dest || c->scan)
		return luaL_error(L, "weft.write is for pages being written, not scanned");
	if (output_write(&b->out, path, data, len, c->dest->src ? c->dest->src : c->dest->name) < 0)
		return luaL_error(L, "cannot write %s", path);
	build_output(c, path);
	return 0;
}

/* The newest date of the site's own pages: what a made page without a date
 * of its own gets, so the same sources give the same dates. */
static time_t
newest_source(const struct site *s)
{
	time_t t = 0;
	size_t i;

	for (i = 0; i < s->pages.n; i++) {
		const struct page *p = s->pages.v[i];

		/* Pages only: a stylesheet or image edited leaves it alone. */
		if (p->src && p->kind != SRC_FILE && p->ctime > t)
			t = p->ctime;
	}
	return t;
}

/* weft.add_page(name, text [, {type=, ctime=, mtime=}]): a page the site
 * does not have as a file (a tag page, an archive); in autofiles only.
 * Without a ctime it is as new as the site's newest page. */
static int
l_add_page(lua_State *L)
{
	struct build *b = build_of(L);
	const char *name = luaL_checkstring(L, 1);
	size_t len;
	const char *text = luaL_checklstring(L, 2, &len);
	int opts = lua_istable(L, 3) ? 3 : 0;
	const char *type = opt_string(L, opts, "type");
	struct page *p;

	if (!pstate_of(L)->pl->autofiles)
		return luaL_error(L, "weft.add_page is only for the autofiles hook");
	if (!type)
		type = "mdwn";
	if (!*name || name[0] == '/' || strstr(name, "..") || site_page(&b->site, name)) {
		lua_pushnil(L);
		return 1;
	}
	p = site_add(&b->site, name);
	p->kind = site_kind(&b->site, type);
	if (p->kind == SRC_FILE)
		p->kind = SRC_PAGE;
	p->type = strmap_intern(&b->site.types, type, strlen(type));
	p->text = xstrndup(text, len);
	p->len = len;
	p->ctime = (time_t)opt_integer(L, opts, "ctime");
	p->mtime = (time_t)opt_integer(L, opts, "mtime");
	if (!p->ctime)
		p->ctime = newest_source(&b->site);
	if (!p->mtime)
		p->mtime = p->ctime;
	scan_place(&b->site, p, b->htmlext);
	if (p->dest)
		strmap_put(&b->site.bydest, p->dest, strlen(p->dest), p);
	luaapi_push_page(L, p);
	return 1;
}

/* ---- configuration ------------------------------------------------------------ */

static int
l_config(lua_State *L)
{
	struct build *b = build_of(L);
	const char *key = luaL_checkstring(L, 1);
	const struct config_option *o = strmap_gets(&b->cfg.options, key);
	const char **items;
	size_t i, n;

	if (!o) {
		push_json(L, config_value(&b->cfg, key), 0);
		return 1;
	}
	switch (o->type) {
	case OPT_BOOL:
		lua_pushboolean(L, config_bool(&b->cfg, key));
		break;
	case OPT_INT:
		lua_pushinteger(L, config_int(&b->cfg, key));
		break;
	case OPT_LIST:
		n = config_list(&b->cfg, key, &items);
		lua_createtable(L, (int)n, 0);
		for (i = 0; i < n; i++) {
			lua_pushstring(L, items[i]);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		free(items);
		break;
	case OPT_STRING:
		lua_pushstring(L, config_str(&b->cfg, key));
		break;
	default:
		push_json(L, config_value(&b->cfg, key), 0);
	}
	return 1;
}

static int
l_enabled(lua_State *L)
{
	/* pstate's: while the plugins load, the build has no host yet. */
	lua_pushboolean(L, plugin_enabled(pstate_of(L)->pl, luaL_checkstring(L, 1)));
	return 1;
}

/* weft.plugin(name): what another plugin's file returned. */
static int
l_plugin(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, REG_MODULES);
	lua_getfield(L, -1, luaL_checkstring(L, 1));
	return 1;
}

/* ---- the HTML scrubber ------------------------------------------------------- */

/* Gives the strings of the list opts[key] the role in p. */
static void
word_list(lua_State *L, int opts, const char *key, struct scrub_policy *p,
	  enum scrub_role role)
{
	lua_Integer i, n;

	lua_getfield(L, opts, key);
	if (lua_istable(L, -1)) {
		n = (lua_Integer)lua_rawlen(L, -1);
		for (i = 1; i <= n; i++) {
			size_t len;
			const char *s;

			lua_rawgeti(L, -1, i);
			s = luaL_checklstring(L, -1, &len);
			scrub_policy_add(p, s, len, role);
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
}

/* weft.scrubber{tags=, attrs=, url_attrs=, schemes=, drop=, void=}: a
 * whitelist scrubber (scrub.h) with these lists of names. */
static int
l_scrubber(lua_State *L)
{
	struct scrub_policy *p;

	luaL_checktype(L, 1, LUA_TTABLE);
	p = lua_newuserdatauv(L, sizeof(*p), 0);
	scrub_policy_init(p);
	luaL_setmetatable(L, SCRUB_MT);
	word_list(L, 1, "tags", p, SCRUB_TAG);
	word_list(L, 1, "attrs", p, SCRUB_ATTR);
	word_list(L, 1, "url_attrs", p, SCRUB_URL_ATTR);
	word_list(L, 1, "schemes", p, SCRUB_SCHEME);
	word_list(L, 1, "drop", p, SCRUB_DROP);
	word_list(L, 1, "void", p, SCRUB_VOID);
	return 1;
}

const struct scrub_policy *
luaapi_to_scrubber(lua_State *L, int idx)
{
	return test_ud(L, idx, UD_SCRUB);
}

/* scrubber:scrub(html [, balance]) */
static int
scrubber_scrub(lua_State *L)
{
	struct scrub_policy *p = check_ud(L, 1, UD_SCRUB);
	size_t len;
	const char *html = luaL_checklstring(L, 2, &len);
	struct buf out = BUF_INIT;

	/* Most html comes out as it went in: give back the same string
	 * rather than a copy of it. */
	if (scrub_html(&out, html, len, p, lua_toboolean(L, 3)))
		lua_pushvalue(L, 2);
	else
		lua_pushlstring(L, out.data ? out.data : "", out.len);
	buf_release(&out);
	return 1;
}

/* scrubber:safe_url(url) */
static int
scrubber_safe_url(lua_State *L)
{
	struct scrub_policy *p = check_ud(L, 1, UD_SCRUB);
	size_t len;
	const char *url = luaL_checklstring(L, 2, &len);

	lua_pushboolean(L, scrub_safe_url(url, len, p));
	return 1;
}

static int
scrubber_gc(lua_State *L)
{
	scrub_policy_release(check_ud(L, 1, UD_SCRUB));
	return 0;
}

/* ---- dates ---------------------------------------------------------------------- */

static int
l_strftime(lua_State *L)
{
	struct buf out = BUF_INIT;

	build_strftime(build_of(L), &out, luaL_checkstring(L, 1), (time_t)luaL_checkinteger(L, 2));
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* Calls the function a plugin injected in place of name, if any, with the
 * n values on the stack; leaves its result (a string) and returns true.
 * Without one, leaves the stack as it was. */
static bool
call_injected(lua_State *L, const char *name, int n)
{
	lua_getfield(L, LUA_REGISTRYINDEX, REG_INJECT);
	if (lua_getfield(L, -1, name) != LUA_TFUNCTION) {
		lua_pop(L, 2);
		return false;
	}
	lua_remove(L, -2);
	lua_insert(L, -1 - n);
	lua_call(L, n, 1);
	if (!lua_isstring(L, -1))
		luaL_error(L, "the %s a plugin injected returned a %s, not a string",
			   name, luaL_typename(L, -1));
	return true;
}

/* ikiwiki's formattime: t with format (NULL: timeformat), or what a plugin
 * (prettydate) injected. */
static void
formattime(lua_State *L, struct buf *out, time_t t, const char *format)
{
	lua_pushinteger(L, (lua_Integer)t);
	if (format)
		lua_pushstring(L, format);
	else
		lua_pushnil(L);
	if (call_injected(L, "formattime", 2)) {
		size_t n;
		const char *s = lua_tolstring(L, -1, &n);

		buf_put(out, s, n);
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 2);
	build_strftime(build_of(L), out, format ? format : build_of(L)->timeformat, t);
}

/* weft.formattime(t [, format]) */
static int
l_formattime(lua_State *L)
{
	struct buf out = BUF_INIT;

	formattime(L, &out, (time_t)luaL_checkinteger(L, 1), luaL_optstring(L, 2, NULL));
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

int
luaapi_displaytime(lua_State *L)
{
	time_t t = (time_t)luaL_checkinteger(L, 1);
	bool pubdate = lua_toboolean(L, 2);
	const char *format = luaL_optstring(L, 3, NULL);
	struct build *b = build_of(L);
	struct buf out = BUF_INIT;

	/* Nothing injected in this state (no lookup to know it): the core's,
	 * which keeps the timeformat's text of each time. */
	if (!pstate_of(L)->injected) {
		build_displaytime(b, &out, t, pubdate, format);
		lua_pushlstring(L, out.data, out.len);
		buf_release(&out);
		return 1;
	}
	lua_settop(L, 3);
	lua_pushinteger(L, (lua_Integer)t);
	lua_pushvalue(L, 3);
	lua_pushboolean(L, pubdate);
	if (call_injected(L, "displaytime", 3))
		return 1;
	lua_settop(L, 3);
	build_displaytime_open(b, &out, t, pubdate);
	formattime(L, &out, t, format);
	build_displaytime_close(b, &out);
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* weft.inject(name, fn): fn replaces the core's displaytime(t, format,
 * pubdate) or formattime(t, format), as ikiwiki's inject() does. */
static int
l_inject(lua_State *L)
{
	static const char *const names[] = { "displaytime", "formattime", NULL };
	int which = luaL_checkoption(L, 1, NULL, names);
	struct pstate *ps = pstate_of(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_INJECT);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, names[which]);
	lua_pop(L, 1);
	ps->injected = true;
	if (ps->pl->loading && ps->worker == 0)
		ps->pl->injected = true;
	return 0;
}

static int
l_date3339(lua_State *L)
{
	struct buf out = BUF_INIT;

	build_date3339(&out, (time_t)luaL_checkinteger(L, 1));
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* RFC 822 in the site's time zone, as RSS wants. */
static int
l_date822(lua_State *L)
{
	struct buf out = BUF_INIT;

	build_strftime(build_of(L), &out, "%a, %d %b %Y %H:%M:%S %z",
		       (time_t)luaL_checkinteger(L, 1));
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

static int
l_parse_date(lua_State *L)
{
	time_t t;

	if (datetime_parse(luaL_checkstring(L, 1), &t))
		lua_pushinteger(L, (lua_Integer)t);
	else
		lua_pushnil(L);
	return 1;
}

/* The time a build takes as "now": SOURCE_DATE_EPOCH when set, so builds
 * can be reproduced. */
static int
l_build_time(lua_State *L)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");

	lua_pushinteger(L, e && *e ? (lua_Integer)strtoll(e, NULL, 10) : (lua_Integer)time(NULL));
	return 1;
}

/* weft.directives(): the names of every directive the plugins registered
 * (shortcuts included), sorted. */
static int
l_directives(lua_State *L)
{
	struct plugins *pl = pstate_of(L)->pl;
	struct strmap_entry *e;
	const char **names;
	size_t it = 0, n = 0, i;

	/* Copied under the lock, pushed after it: a push may raise. */
	pthread_mutex_lock(&pl->lock);
	names = xcalloc(pl->directives.count + 1, sizeof(*names));
	while ((e = strmap_next(&pl->directives, &it)))
		names[n++] = xstrdup(e->key);
	pthread_mutex_unlock(&pl->lock);
	qsort(names, n, sizeof(*names), str_ptr_cmp);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	for (i = 0; i < n; i++)
		free((char *)names[i]);
	free(names);
	return 1;
}

/* ---- strings ----------------------------------------------------------------------- */

static int
string_op(lua_State *L, void (*op)(struct buf *, const char *, size_t))
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	struct buf out = BUF_INIT;

	op(&out, s, len);
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

static void
pagetitle_html(struct buf *out, const char *s, size_t n)
{
	pagetitle(out, s, n, false);
}

static void
pagetitle_text(struct buf *out, const char *s, size_t n)
{
	pagetitle(out, s, n, true);
}

static int
l_pagetitle(lua_State *L)
{
	return string_op(L, lua_toboolean(L, 2) ? pagetitle_text : pagetitle_html);
}

static int
l_titlepage(lua_State *L)
{
	return string_op(L, titlepage);
}

static int
l_linkpage(lua_State *L)
{
	return string_op(L, linkpage);
}

static int
l_escape_html(lua_State *L)
{
	return string_op(L, buf_put_html);
}

/* weft.html_safe(s): whether s has nothing HTML::Entities would encode
 * (only tab, newline, return and printable ASCII but " & ' < >), so the
 * plugins' encoders can hand it back as it is. */
static int
l_html_safe(lua_State *L)
{
	size_t n, i;
	const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &n);

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 32 ? c != '\t' && c != '\n' && c != '\r' :
		    c > 126 || c == '"' || c == '&' || c == '\'' || c == '<' || c == '>')
			break;
	}
	lua_pushboolean(L, i == n);
	return 1;
}

static int
l_escape_url(lua_State *L)
{
	return string_op(L, buf_put_url);
}

static void
md5_hex(struct buf *out, const char *s, size_t n)
{
	digest_md5_hex(out, s, n);
}

static int
l_md5(lua_State *L)
{
	return string_op(L, md5_hex);
}

static int
l_basename(lua_State *L)
{
	lua_pushstring(L, path_base(luaL_checkstring(L, 1)));
	return 1;
}

static int
l_dirname(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);

	lua_pushlstring(L, s, path_dirlen(s, len));
	return 1;
}

/* weft.absolute_urls(html, base): relative href/src made absolute. */
static int
l_absolute_urls(lua_State *L)
{
	size_t len;
	const char *html = luaL_checklstring(L, 1, &len);
	struct buf out = BUF_INIT;

	html_absolute_urls(&out, html, len, luaL_checkstring(L, 2));
	lua_pushlstring(L, out.data, out.len);
	buf_release(&out);
	return 1;
}

/* The targets of one link type over the pages counted so far: in the
 * order the pages list them, with the newest ctime of the pages linking
 * to each. */
struct link_memo {
	const char *type;	/* interned: known by its pointer */
	size_t upto;		/* pages counted */
	struct strmap newest;	/* target (borrowed) -> its index in order + 1 */
	struct vec order;	/* the targets, borrowed from the pages' links */
	time_t *ctimes;		/* at the same index */
	size_t cap;
	struct link_memo *next;	/* another type's */
};

static struct link_memo *
link_memo_new(const char *type)
{
	struct link_memo *m = xcalloc(1, sizeof(*m));

	m->type = type;
	strmap_init_borrowed(&m->newest);
	return m;
}

void
luaapi_link_memo_free(struct link_memo *m)
{
	while (m) {
		struct link_memo *next = m->next;

		strmap_release(&m->newest, NULL);
		vec_release(&m->order);
		free(m->ctimes);
		free(m);
		m = next;
	}
}

/* Counts the pages of s from m->upto on into m; the next count starts
 * again at scanned, as pages past it have not been scanned yet (they have
 * no links now, but will have: counting one twice changes nothing). */
static void
count_link_targets(struct link_memo *m, const struct site *s, size_t scanned)
{
	struct vec mine = VEC_INIT;
	size_t i, j;

	for (i = m->upto; i < s->pages.n; i++) {
		const struct page *p = s->pages.v[i];

		mine.n = 0;
		for (j = 0; j < p->nlinks; j++) {
			size_t k;

			if (p->links[j].type != m->type)
				continue;
			/* a page has a few: sorted as they come */
			vec_push(&mine, NULL);
			for (k = mine.n - 1; k > 0 && strcmp(mine.v[k - 1], p->links[j].target) > 0; k--)
				mine.v[k] = mine.v[k - 1];
			mine.v[k] = p->links[j].target;
		}
		for (j = 0; j < mine.n; j++) {
			const char *t = mine.v[j];
			void **slot;
			size_t k;

			if (j > 0 && strcmp(t, mine.v[j - 1]) == 0)
				continue;
			slot = strmap_slot(&m->newest, t, strlen(t));
			if (!*slot) {
				m->ctimes = xgrow(m->ctimes, &m->cap, m->order.n + 1, sizeof(*m->ctimes));
				m->ctimes[m->order.n] = p->ctime;
				vec_push(&m->order, (void *)t);
				*slot = (void *)(uintptr_t)m->order.n;	/* its index + 1 */
			}
			k = (uintptr_t)*slot - 1;
			if (m->ctimes[k] < p->ctime)
				m->ctimes[k] = p->ctime;
		}
	}
	m->upto = scanned < s->pages.n ? scanned : s->pages.n;
	vec_release(&mine);
}

/* weft.link_targets(type): the targets of every link of that type over all
 * pages, as the pages are listed, each page's own sorted and each target
 * once; and a table from each target to the newest ctime of the pages
 * linking to it. For autofiles hooks (the tag pages to make): it records no
 * dependency, so a render must use weft.pages instead. Within a build's
 * autofiles rounds the answer is kept and the next round only counts the
 * pages added since: the others' links cannot change in between (a
 * 10,000-page site's second round was 7 million instructions an edit). */
static int
l_link_targets(lua_State *L)
{
	struct plugins *pl = pstate_of(L)->pl;
	struct site *s = &build_of(L)->site;
	const char *type = site_linktype(s, luaL_checkstring(L, 1));
	struct link_memo *m = NULL;
	size_t i;

	check_not_scanning(L);
	if (pl->autofiles)
		for (m = pl->link_memo; m && m->type != type; m = m->next)
			;
	if (!m) {
		m = link_memo_new(type);
		if (pl->autofiles) {
			m->next = pl->link_memo;
			pl->link_memo = m;
		}
	}
	count_link_targets(m, s, pl->autofiles ? pl->autofiles_scanned : s->pages.n);
	lua_createtable(L, (int)m->order.n, 0);
	lua_createtable(L, 0, (int)m->order.n);
	for (i = 0; i < m->order.n; i++) {
		lua_pushstring(L, m->order.v[i]);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -4, (lua_Integer)i + 1);
		lua_pushinteger(L, (lua_Integer)m->ctimes[i]);
		lua_rawset(L, -3);
	}
	if (!pl->autofiles)
		luaapi_link_memo_free(m);
	return 2;
}

/* ---- the table ---------------------------------------------------------------------- */

void
luaapi_open(lua_State *L)
{
	static const luaL_Reg weft[] = {
		{ "directive", l_directive }, { "alias_directive", l_alias_directive },
		{ "unsettle", l_unsettle },
		{ "hook", l_hook }, { "htmlize_type", l_htmlize }, { "option", l_option },
		{ "page", l_page }, { "pages", l_pages }, { "match", l_match },
		{ "link_targets", l_link_targets },
		{ "sort", l_sort }, { "depends", l_depends }, { "bestlink", l_bestlink },
		{ "parentlinks", l_parentlinks },
		{ "url", l_url }, { "absurl", l_absurl }, { "link", l_link },
		{ "link_loop", l_link_loop },
		{ "content", l_content }, { "preprocess", l_preprocess },
		{ "htmlize", l_htmlize_text }, { "template", l_template },
		{ "template_from", l_template_from },
		{ "write", l_write }, { "add_page", l_add_page },
		{ "config", l_config }, { "enabled", l_enabled }, { "plugin", l_plugin },
		{ "strftime", l_strftime }, { "displaytime", luaapi_displaytime },
		{ "formattime", l_formattime }, { "inject", l_inject },
		{ "scrubber", l_scrubber }, { "directives", l_directives },
		{ "date3339", l_date3339 }, { "date822", l_date822 },
		{ "parse_date", l_parse_date }, { "build_time", l_build_time },
		{ "pagetitle", l_pagetitle }, { "titlepage", l_titlepage },
		{ "linkpage", l_linkpage }, { "escape_html", l_escape_html },
		{ "html_safe", l_html_safe },
		{ "escape_url", l_escape_url }, { "md5", l_md5 },
		{ "basename", l_basename }, { "dirname", l_dirname },
		{ "absolute_urls", l_absolute_urls },
		{ "warn", l_warn }, { "note", l_note }, { "debug", l_debug },
		{ NULL, NULL },
	};
	static const luaL_Reg page_mt[] = {
		{ "__tostring", page_tostring }, { NULL, NULL },
	};
	static const luaL_Reg vars_mt[] = {
		{ "__index", vars_index }, { "__newindex", vars_newindex }, { NULL, NULL },
	};
	static const luaL_Reg tmpl_mt[] = {
		{ "__index", tmpl_index }, { "__gc", tmpl_gc }, { NULL, NULL },
	};
	static const luaL_Reg scrub_methods[] = {
		{ "scrub", scrubber_scrub }, { "safe_url", scrubber_safe_url }, { NULL, NULL },
	};
	struct pstate *ps = pstate_of(L);

	luaL_newmetatable(L, PAGE_MT);
	ps->mt[UD_PAGE] = lua_topointer(L, -1);
	luaL_setfuncs(L, page_mt, 0);
	push_page_index(L);
	lua_setfield(L, -2, "__index");
	luaL_newmetatable(L, VARS_MT);
	ps->mt[UD_VARS] = lua_topointer(L, -1);
	luaL_setfuncs(L, vars_mt, 0);
	luaL_newmetatable(L, TMPL_MT);
	ps->mt[UD_TMPL] = lua_topointer(L, -1);
	luaL_setfuncs(L, tmpl_mt, 0);
	luaL_newmetatable(L, SCRUB_MT);
	ps->mt[UD_SCRUB] = lua_topointer(L, -1);
	lua_pushcfunction(L, scrubber_gc);
	lua_setfield(L, -2, "__gc");
	luaL_newlib(L, scrub_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 4);
	luaL_newlib(L, weft);
	lua_pushstring(L, WEFT_VERSION);
	lua_setfield(L, -2, "version");
	lua_setglobal(L, "weft");
	lua_newtable(L);	/* page pointer -> its object */
	pstate_of(L)->pages = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);	/* theme template pointer -> its object */
	pstate_of(L)->tmpls = luaL_ref(L, LUA_REGISTRYINDEX);
}
