/* test-embed.c — the files compiled into the binary, and the bundled
 * plugins' bytecode beside them. */
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "embed.h"
#include "tap.h"

static bool
is_plugin(const char *path)
{
	size_t n = strlen(path);

	return strncmp(path, "plugins/", 8) == 0 && n > 4 && strcmp(path + n - 4, ".lua") == 0;
}

/* The bytecode of the plugin at path loads as bytecode, from the source's
 * name and its lines: messages and tracebacks read as for the source. */
static void
check_plugin(const struct embedded_file *f)
{
	const struct embedded_file *code = embed_find_bytecode(f->path);
	lua_State *L = luaL_newstate();
	char want[256];
	lua_Debug ar;

	if (!tap_ok(code != NULL, "%s has bytecode", f->path)) {
		lua_close(L);
		return;
	}
	tap_ok(code->len > 4 && memcmp(code->data, LUA_SIGNATURE, 4) == 0,
	       "%s: it is Lua's bytecode, not the source", f->path);
	tap_is_int(luaL_loadbufferx(L, (const char *)code->data, code->len, "=other", "b"),
		   LUA_OK, "%s: it loads", f->path);
	lua_pushvalue(L, -1);
	lua_getinfo(L, ">S", &ar);
	snprintf(want, sizeof(want), "@(built in) %s", f->path);
	tap_is(ar.source, want, "%s: under the name a plugin from the binary has", f->path);
	lua_getinfo(L, ">L", &ar);	/* the chunk's lines, a table */
	lua_pushnil(L);
	tap_ok(lua_istable(L, -2) && lua_next(L, -2) != 0,
	       "%s: with its line numbers", f->path);
	lua_close(L);
}

int
main(void)
{
	size_t i, plugins = 0;

	for (i = 0; i < embedded_count; i++) {
		if (is_plugin(embedded_files[i].path)) {
			check_plugin(&embedded_files[i]);
			plugins++;
		}
	}
	tap_ok(plugins > 20, "the bundled plugins are embedded (%zu)", plugins);
	tap_is_int((long)embedded_bytecode_count, (long)plugins, "and nothing else is compiled");
	tap_ok(embed_find_bytecode("themes/default/templates/page.tmpl") == NULL,
	       "a template has no bytecode");
	return tap_done();
}
