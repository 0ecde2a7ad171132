/* test-frontmatter.c — the YAML block at the top of a page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "frontmatter.h"
#include "tap.h"
#include "xalloc.h"

/* What frontmatter_read made of a page. */
struct result {
	int rc;
	size_t body;
	unsigned body_line;
	char *json;		/* the block as compact JSON, "" when empty */
	char *msgs;		/* the diagnostics */
	struct yaml_doc fm;
};

static void
run(struct result *r, const char *page)
{
	size_t len;
	FILE *f = open_memstream(&r->msgs, &len);
	struct diag d;

	diag_init(&d, f, 0);
	r->rc = frontmatter_read(&r->fm, &r->body, &r->body_line, page,
				 strlen(page), "p.mdwn", &d);
	r->json = r->fm.root ? cJSON_PrintUnformatted(r->fm.root) : xstrdup("");
	diag_release(&d);
	fclose(f);
}

static void
done(struct result *r)
{
	yaml_doc_release(&r->fm);
	free(r->json);
	free(r->msgs);
}

static void
test_normal(void)
{
	const char *page = "---\ntitle: Hello\ntags: [a, b]\n---\nBody text\n";
	struct result r;

	run(&r, page);
	tap_is_int(r.rc, 1, "a block is read");
	tap_is(r.json, "{\"title\":\"Hello\",\"tags\":[\"a\",\"b\"]}", "its values");
	tap_is(page + r.body, "Body text\n", "the body follows the block");
	tap_is_int(r.body_line, 5, "on line 5");
	tap_ok(r.fm.nkeys == 2 && r.fm.keys[0].line == 2 &&
	       r.fm.keys[1].line == 3, "key lines are the page's");
	tap_is(r.msgs, "", "no messages");
	done(&r);
}

static void
test_none(void)
{
	static const char *const pages[] = {
		"Just a page\n---\nx: y\n---\n",
		"",
		"----\nx: y\n----\n",
		" ---\nx: y\n---\n",
		"--- x\ny: z\n---\n",
	};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(pages) / sizeof(*pages); i++) {
		run(&r, pages[i]);
		tap_ok(r.rc == 0 && r.body == 0 && r.body_line == 1 &&
		       !r.fm.root && !r.msgs[0], "no block in page %zu", i);
		done(&r);
	}
}

static void
test_crlf(void)
{
	const char *page = "---  \r\ntitle: \"Win\"\r\nn: 1\r\n---\r\nBody\r\n";
	struct result r;

	run(&r, page);
	tap_is_int(r.rc, 1, "CRLF: a block");
	tap_is(r.json, "{\"title\":\"Win\",\"n\":\"1\"}", "CRLF: values without CR");
	tap_is(page + r.body, "Body\r\n", "CRLF: the body");
	tap_is_int(r.body_line, 5, "CRLF: its line");
	done(&r);
}

static void
test_dots(void)
{
	const char *page = "---\na: b\n...\nrest";
	struct result r;

	run(&r, page);
	tap_is_int(r.rc, 1, "\"...\" closes a block");
	tap_is(page + r.body, "rest", "the body after it");
	done(&r);

	run(&r, "---\n---\nbody\n");
	tap_ok(r.rc == 1 && !r.fm.root && r.body == 8 && r.body_line == 3,
	       "an empty block");
	done(&r);

	run(&r, "---\na: 1\n---");
	tap_ok(r.rc == 1 && r.body == 12 && r.body_line == 4,
	       "a closing line without a newline ends the page");
	done(&r);
}

static void
test_unclosed(void)
{
	struct result r;

	run(&r, "---\ntitle: x\n\nSome text\n");
	tap_is_int(r.rc, -1, "an unclosed block fails");
	tap_is(r.msgs, "p.mdwn:1: front matter is never closed\n", "and says so");
	tap_ok(r.body == 0 && r.body_line == 1 && !r.fm.root,
	       "and the whole page is body");
	done(&r);

	run(&r, "---");
	tap_ok(r.rc == -1 && r.body == 0, "\"---\" alone is never closed");
	done(&r);
}

static void
test_malformed(void)
{
	const char *page = "---\ntitle: ok\ntags: [a, b\n---\nBody\n";
	struct result r;

	run(&r, page);
	tap_is_int(r.rc, -1, "malformed YAML fails");
	tap_is(r.msgs, "p.mdwn:4: did not find expected ',' or ']' "
	       "(while parsing a flow sequence on line 3)\n",
	       "with the page's line");
	tap_is(page + r.body, "Body\n", "the body still skips the block");
	tap_is_int(r.body_line, 5, "and its line");
	tap_ok(!r.fm.root && r.fm.nkeys == 0, "nothing read");
	done(&r);

	run(&r, "---\n- a\n- b\n---\nBody\n");
	tap_is_int(r.rc, -1, "a list is not front matter");
	tap_is(r.msgs, "p.mdwn:2: front matter must be a mapping of keys to "
	       "values\n", "and says so");
	tap_ok(!r.fm.root, "and nothing is kept");
	done(&r);

	run(&r, "---\njust a line\n---\nBody\n");
	tap_is_int(r.rc, -1, "a scalar is not front matter");
	done(&r);
}

static void
test_bom(void)
{
	const char *page = "\xef\xbb\xbf---\na: b\n---\nx";
	struct result r;

	run(&r, page);
	tap_ok(r.rc == 1 && !strcmp(page + r.body, "x"),
	       "a byte-order mark before the block");
	done(&r);
}

int
main(void)
{
	test_normal();
	test_none();
	test_crlf();
	test_dots();
	test_unclosed();
	test_malformed();
	test_bom();
	return tap_done();
}
