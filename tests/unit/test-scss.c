/* test-scss.c — SCSS compilation with imports from an in-memory theme. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "scss.h"
#include "tap.h"

struct file {
	const char *path;
	const char *text;
};

/* A theme in memory, and the names asked for. */
struct theme {
	const struct file *files;
	struct buf asked;
};

static const struct file good[] = {
	{ "scss/style.scss",
	  "@import \"print.css\";\n"
	  "@import \"base\";\n"
	  "@import \"components/button\";\n"
	  "@import \"theme/colors.scss\";\n"
	  "@import \"layout\";\n"
	  "$pad: 4px;\n"
	  "nav {\n"
	  "  ul { margin: 0; }\n"
	  "  a {\n"
	  "    padding: $pad * 2;\n"
	  "    &:hover { color: darken($link, 10%); }\n"
	  "  }\n"
	  "}\n" },
	{ "scss/_base.scss", "$link: #336699;\nbody { margin: 0; }\n" },
	{ "scss/components/_button.scss",
	  "@import \"../mixins\";\n.button { @include rounded(3px); }\n" },
	{ "scss/_mixins.scss", "@mixin rounded($r) { border-radius: $r; }\n" },
	{ "scss/theme/_colors.scss", ".accent { color: $link; }\n" },
	{ "scss/layout/_index.scss", ".wrap { max-width: 40em; }\n" },
	{ NULL, NULL }
};

static const char good_css[] =
	"@import url(print.css);\n"
	"body {\n  margin: 0;\n}\n\n"
	".button {\n  border-radius: 3px;\n}\n\n"
	".accent {\n  color: #336699;\n}\n\n"
	".wrap {\n  max-width: 40em;\n}\n\n"
	"nav ul {\n  margin: 0;\n}\n\n"
	"nav a {\n  padding: 8px;\n}\n\n"
	"nav a:hover {\n  color: #264d73;\n}\n";

static const struct file bad[] = {
	{ "undefined.scss", "a {\n  color: red;\n  width: $nope;\n}\n" },
	{ "deep.scss", "// one\n@import \"sub/broken\";\n" },
	{ "sub/_broken.scss", ".x {\n  color: red;\n  .y { color: blue\n}\n" },
	{ "nested.scss", "@import \"sub/uses\";\n" },
	{ "sub/_uses.scss", "@import \"vars\";\n\n.z { margin: $missing; }\n" },
	{ "sub/_vars.scss", "$here: 1px;\n" },
	{ "empty.scss", "// nothing\n@import \"sub/vars\";\n" },
	{ "missing.scss", "a { color: red; }\n\n@import \"nothere\";\n" },
	{ "outside.scss", "@import \"../secret\";\n" },
	{ "chain.scss", "@import \"sub/vars\";\n@import \"sub/chain\";\n" },
	{ "sub/_chain.scss", "@import \"vars\";\n@import \"uses\";\n"
	  "@import \"broken\";\n" },
	{ "chain-missing.scss", "@import \"sub/vars\", \"sub/lost\";\n" },
	{ "sub/_lost.scss", "@import \"vars\";\n\n@import \"gone\";\n" },
	{ "late.scss", "@import \"sub/vars\";\n@import \"sub/vars\";\n"
	  "a { b: c\n" },
	{ "loop.scss", "@import \"sub/loop\";\n" },
	{ "sub/_loop.scss", "@import \"../loop.scss\";\n" },
	{ NULL, NULL }
};

static int
load(const char *path, struct buf *text, void *arg)
{
	struct theme *t = arg;
	const struct file *f;

	buf_printf(&t->asked, "%s\n", path);
	for (f = t->files; f->path; f++) {
		if (strcmp(f->path, path) == 0) {
			buf_puts(text, f->text);
			return 0;
		}
	}
	return -1;
}

/* Compiles entry; the CSS and the diagnostics in out, the result. */
static int
compile(struct buf *css, struct buf *msgs, struct theme *t, const char *entry,
	const char *label)
{
	struct diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	diag_init(&d, f, 0);
	rc = scss_compile(css, entry, label, load, t, &d);
	diag_release(&d);
	fclose(f);
	buf_put(msgs, text, len);
	free(text);
	return rc;
}

static void
test_good(void)
{
	struct theme t = { good, BUF_INIT };
	struct buf css = BUF_INIT, again = BUF_INIT, msgs = BUF_INIT;

	tap_is_int(compile(&css, &msgs, &t, "scss/style.scss", "themes/x"), 0,
		   "compiles");
	tap_is(css.data, good_css, "variables, nesting, partials, a mixin, "
	       "a .css import, nested directories");
	tap_is(msgs.data, "", "no diagnostics");
	tap_is(t.asked.data,
	       "scss/style.scss\n"
	       "scss/base.scss\nscss/_base.scss\n"
	       "scss/components/button.scss\nscss/components/_button.scss\n"
	       "scss/mixins.scss\nscss/_mixins.scss\n"
	       "scss/theme/colors.scss\nscss/theme/_colors.scss\n"
	       "scss/layout.scss\nscss/_layout.scss\nscss/layout/_index.scss\n",
	       "imports resolved relative to the importing file, in order");
	tap_is_int(compile(&again, &msgs, &t, "scss/style.scss", "themes/x"), 0,
		   "compiles again");
	tap_ok(css.len == again.len && memcmp(css.data, again.data, css.len) == 0,
	       "the output is the same each time");
	buf_reset(&css);
	buf_puts(&css, "/* kept */\n");
	compile(&css, &msgs, &t, "scss/style.scss", "themes/x");
	tap_ok(strncmp(css.data, "/* kept */\n@import", 18) == 0,
	       "the CSS is appended");
	buf_release(&t.asked);
	buf_release(&css);
	buf_release(&again);
	buf_release(&msgs);
}

static void
is_error(const char *entry, const char *label, const char *want,
	 const char *name)
{
	struct theme t = { bad, BUF_INIT };
	struct buf css = BUF_INIT, msgs = BUF_INIT;

	tap_is_int(compile(&css, &msgs, &t, entry, label), -1, "%s fails", name);
	tap_is(msgs.data, want, "%s: where and why", name);
	tap_is(css.data, "", "%s: no CSS", name);
	buf_release(&t.asked);
	buf_release(&css);
	buf_release(&msgs);
}

static void
test_empty(void)
{
	struct theme t = { bad, BUF_INIT };
	struct buf css = BUF_INIT, msgs = BUF_INIT;

	tap_is_int(compile(&css, &msgs, &t, "empty.scss", "t"), 0,
		   "a file with no rules compiles");
	tap_is(css.data, "", "to nothing");
	buf_release(&t.asked);
	buf_release(&css);
	buf_release(&msgs);
}

static void
test_errors(void)
{
	is_error("undefined.scss", "theme", "theme/undefined.scss:3: "
		 "Undefined variable: \"$nope\".\n", "an undefined variable");
	is_error("deep.scss", "theme", "theme/sub/_broken.scss:4: "
		 "Invalid CSS after \"}\": expected \"}\", was \"\"\n",
		 "a syntax error in a partial");
	is_error("nested.scss", "t", "t/sub/_uses.scss:3: "
		 "Undefined variable: \"$missing\".\n",
		 "an undefined variable two imports deep");
	is_error("missing.scss", "theme", "theme/missing.scss:3: "
		 "cannot find \"nothere\" (tried nothere.scss, _nothere.scss, "
		 "nothere/_index.scss)\n", "a missing import");
	is_error("outside.scss", "theme", "theme/outside.scss:1: "
		 "\"../secret\" is outside the theme\n", "an import outside");
	is_error("chain.scss", "t", "t/sub/_broken.scss:4: "
		 "Invalid CSS after \"}\": expected \"}\", was \"\"\n",
		 "a syntax error three imports deep, after others");
	is_error("chain-missing.scss", "t", "t/sub/_lost.scss:3: "
		 "cannot find \"gone\" (tried sub/gone.scss, sub/_gone.scss, "
		 "sub/gone/_index.scss)\n", "a missing import two deep");
	is_error("late.scss", "t", "t/late.scss:3: "
		 "Invalid CSS after \"a { b: c\": expected \"}\", was \"\"\n",
		 "a syntax error after imports");
	is_error("loop.scss", "t", "t/sub/_loop.scss:1: import loop: "
		 "loop.scss imports sub/_loop.scss imports loop.scss\n",
		 "an import loop");
	is_error("none.scss", "theme", "theme/none.scss: no such file\n",
		 "a missing entry");
	is_error("undefined.scss", NULL, "undefined.scss:3: "
		 "Undefined variable: \"$nope\".\n", "no label");
}

int
main(void)
{
	test_good();
	test_empty();
	test_errors();
	return tap_done();
}
