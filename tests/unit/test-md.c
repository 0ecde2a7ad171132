/* test-md.c — Markdown rendering and code detection. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "md.h"
#include "tap.h"

static void
code(const char *text, const char *want, const char *what)
{
	struct spans s = { 0 };
	struct buf b = BUF_INIT;
	size_t i;

	md_code_parse(&s, text, strlen(text));
	for (i = 0; i < s.n; i++) {
		buf_putc(&b, '[');
		buf_put(&b, text + s.v[i].start, s.v[i].end - s.v[i].start);
		buf_putc(&b, ']');
	}
	tap_is(b.data, want, "%s", what);
	buf_release(&b);
	spans_release(&s);
}

/* md_code_free's answer, and md_code_spans': nothing when it is free. */
static void
free_of_code(const char *text, bool want, const char *what)
{
	struct spans s = { 0 };
	bool got = md_code_free(text, strlen(text));

	md_code_spans(&s, text, strlen(text));
	tap_ok(got == want && (!got || s.n == 0), "%s: %s", what,
	       want ? "no parse" : "parsed");
	spans_release(&s);
}

static void
render(const char *text, unsigned flags, const char *want, const char *what)
{
	struct buf b = BUF_INIT;

	md_render(&b, text, strlen(text), flags);
	tap_is(b.data, want, "%s", what);
	buf_release(&b);
}

/* Several threads render at once; each result must have its strikethrough
 * (an extension's special character) and its angle-bracket autolink. */
enum { THREADS = 8, ROUNDS = 300 };
static int race_failures;

static void *
render_many(void *arg)
{
	struct buf b = BUF_INIT, c = BUF_INIT;
	const char *t = "~~gone~~ see <https://example.org/x> and ~~that~~\n";
	struct spans s = { 0 };
	int i;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		buf_reset(&b);
		md_render(&b, t, strlen(t), MD_UNSAFE);
		if (!strstr(b.data, "<del>gone</del>") || !strstr(b.data, "href=\"https://example.org/x\"") ||
		    !strstr(b.data, "<del>that</del>"))
			__atomic_add_fetch(&race_failures, 1, __ATOMIC_RELAXED);
		/* A parse without extensions, interleaved, as weft's code search. */
		md_code_parse(&s, "`x`\n", 4);
		spans_release(&s);
	}
	buf_release(&b);
	buf_release(&c);
	return NULL;
}

int
main(void)
{
	md_init();
	code("plain [[link]] text\n", "", "no code");
	code("a `[[x]]` b\n", "[ `[[x]]` ]", "a code span");
	code("a ``x`y`` b\n", "[ ``x`y`` ]", "a double-backtick span");
	code("x\n\n    [[y]]\n\nz\n", "[    [[y]]\n\n]", "an indented block");
	code("```\n[[z]]\n```\nafter\n", "[```\n[[z]]\n```\n]", "a fenced block");
	code("- item `c` ok\n", "[ `c` ]", "a span in a list item");
	code("> quote `q`\n", "[ `q`]", "a span in a block quote");
	code("an `unclosed span\n", "", "an unclosed backtick is no code");
	code("foo\n  and `[[x]]` here\n", "[ `[[x]]` ]",
	     "a span on a paragraph's indented later line (cmark places it early)");
	code("- a\n     b `c` d `e`\n", "[ `c` ][ `e`]", "two on an indented line in a list item");

	free_of_code("no link at all `x`\n", true, "no \"[[\"");
	free_of_code("See [[a]].\n\n```sh\nx\n```\n\nThen `b` and\n\n[[c]]\n", true,
		     "links outside fences and apart from backticks");
	free_of_code("a `b\n[[c]]` d\n", false, "a backtick in the link's paragraph");
	free_of_code("```\n[[z]]\n```\n", false, "a link in a fence");
	free_of_code("````\n```\n[[z]]\n````\n", false, "a shorter fence inside a longer one");
	free_of_code("x\n\n    [[y]]\n", false, "a link on an indented line");
	free_of_code("a b  c   d [[y]] e\n", true, "runs of one, two and three spaces on the link's line");
	free_of_code("a [[y]] b    c\n", false, "four spaces on the link's line, after it");
	free_of_code("ab  cd   [[y]]\n", true, "three spaces right before the link");
	free_of_code("   ab [[y]]\n", true, "three at the start of its line");
	free_of_code("x    [[y]]\n", false, "four right before the link");
	free_of_code("- a\n\n  ```\n  x\n```\n[[y]]\n```\n", false,
		     "a fence in a list item (where it ends is the list's business)");
	free_of_code("<div>\n```\n\n```\n[[y]]\n", false, "an HTML block before the link");
	free_of_code("```\xe9\nx\n```\n[[y]]\n", false,
		     "an info string cmark may not take for one");
	free_of_code("a\r\n[[b]]\n", false, "carriage returns");

	render("# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", MD_UNSAFE,
	       "<h1>T</h1>\n<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
	       "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n",
	       "tables");
	render("~~x~~ www.example.org\n", MD_UNSAFE,
	       "<p><del>x</del> www.example.org</p>\n",
	       "strikethrough; a bare URL stays text, as in ikiwiki's Discount");
	render("- [x] done\n", MD_UNSAFE,
	       "<ul>\n<li><input type=\"checkbox\" checked=\"\" disabled=\"\" /> done</li>\n</ul>\n",
	       "task list");
	render("<div class=\"x\">raw</div>\n", MD_UNSAFE, "<div class=\"x\">raw</div>\n", "raw HTML kept when unsafe");
	render("<script>x</script>\n", 0, "<!-- raw HTML omitted -->\n", "raw HTML dropped when safe");
	render("[a](javascript:alert(1))\n", 0, "<p><a href=\"\">a</a></p>\n", "unsafe URL dropped when safe");
	{
		struct buf b = BUF_INIT;
		const char *t = "x[^1]\n\n[^1]: note\n";

		md_render(&b, t, strlen(t), MD_UNSAFE);
		tap_ok(strstr(b.data, "class=\"footnotes\"") != NULL, "footnotes");
		buf_release(&b);
	}
	{
		pthread_t t[THREADS];
		int i;

		for (i = 0; i < THREADS; i++)
			pthread_create(&t[i], NULL, render_many, NULL);
		for (i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		tap_ok(race_failures == 0, "renders on %d threads at once keep their "
		       "extensions (%d of %d lost them)", THREADS, race_failures,
		       THREADS * ROUNDS);
	}
	return tap_done();
}
