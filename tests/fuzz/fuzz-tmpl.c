/* fuzz-tmpl.c — compiles arbitrary text as a template and fills it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The includes the loader serves; any other name fails to load. */
static const char *const includes[][2] = {
	{ "header.tmpl", "<h1><TMPL_VAR title ESCAPE=HTML></h1>\n"
	  "<TMPL_IF items><TMPL_INCLUDE footer.tmpl></TMPL_IF>" },
	{ "footer.tmpl", "<TMPL_LOOP items><TMPL_VAR __counter__>"
	  "<TMPL_VAR name DEFAULT=\"-\"></TMPL_LOOP>" },
	{ "open.tmpl", "<TMPL_IF title>" },
	{ "close.tmpl", "</TMPL_IF>" },
	{ "self.tmpl", "x<TMPL_INCLUDE self.tmpl>" },
	{ "empty.tmpl", "" },
};

static int
load(const char *name, struct buf *text, struct buf *file, void *arg)
{
	size_t i;

	for (i = 0; i < sizeof(includes) / sizeof(includes[0]); i++) {
		if (strcmp(includes[i][0], name) == 0) {
			buf_puts(text, includes[i][1]);
			buf_puts(file, name);
			return 0;
		}
	}
	return diag_error(arg, NULL, 0, "no template %s", name);
}

/*
 * Every row clears the loops it sits in, so nested loops cannot multiply
 * the output beyond the rows below: the fill stays linear in the input.
 */
static struct tvars *
make_vars(void)
{
	struct tvars *v = tvars_new(), *r, *g;
	int i, j;

	tvars_set(v, "title", "Fuzz & <Title>");
	tvars_set(v, "content", "<p>\"quoted\" 'single' \\ back\n\r\x01</p>");
	tvars_set(v, "url", "a/b c?d=1&e=\xc3\xa9~");
	tvars_set(v, "zero", "0");
	tvars_set(v, "empty", "");
	for (i = 0; i < 3; i++) {
		r = tvars_add_row(v, "items");
		tvars_set(r, "name", i == 1 ? "0" : "row");
		tvars_clear(r, "items");
		for (j = 0; j < 2; j++) {
			g = tvars_add_row(r, "tags");
			tvars_set(g, "tag", "t<g>");
			tvars_clear(g, "tags");
			tvars_clear(g, "items");
		}
	}
	return v;
}

static struct tmpl *
compile(const uint8_t *data, size_t size, unsigned flags, struct diag *d)
{
	return tmpl_compile("fuzz.tmpl", (const char *)data, size, flags,
			    load, d, d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *null = fopen("/dev/null", "w");
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct tmpl *t, *untrusted;
	struct tvars *v;
	struct diag d;

	if (!null)
		abort();
	diag_init(&d, null, 0);
	v = make_vars();
	t = compile(data, size, 0, &d);
	untrusted = compile(data, size, TMPL_NO_INCLUDES, &d);
	if (t) {
		tmpl_fill(&out, t, v);
		(void)tmpl_uses(t, "TITLE");
		(void)tmpl_uses(t, "items");
	}
	if (untrusted) {
		/* without includes, both compile the same text */
		if (!t)
			abort();
		tmpl_fill(&out2, untrusted, v);
		if (out.len != out2.len ||
		    memcmp(out.data, out2.data, out.len) != 0)
			abort();
	}
	tmpl_free(t);
	tmpl_free(untrusted);
	tvars_free(v);
	buf_release(&out);
	buf_release(&out2);
	diag_release(&d);
	fclose(null);
	return 0;
}
