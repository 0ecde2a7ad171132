/* test-tmpl.c — the HTML::Template-compatible template engine. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "tap.h"
#include "tmpl.h"
#include "xalloc.h"

/* Includes served by the test loader: name, text; a NULL text fails. */
static const char *const includes[][2] = {
	{ "inc1.tmpl", "[inc1 <TMPL_VAR a>]" },
	{ "inc2.tmpl", "{inc2 <TMPL_INCLUDE NAME=\"inc1.tmpl\">}" },
	{ "inc3.tmpl", "(inc3\n<TMPL_INCLUDE inc2.tmpl>)" },
	{ "open.tmpl", "<TMPL_IF a>open " },
	{ "close.tmpl", " close</TMPL_IF>" },
	{ "row.tmpl", "<TMPL_VAR n>;" },
	{ "empty.tmpl", "" },
	{ "self.tmpl", "x\n<TMPL_INCLUDE self.tmpl>" },
	{ "ping.tmpl", "<TMPL_INCLUDE pong.tmpl>" },
	{ "pong.tmpl", "\n\n<TMPL_INCLUDE ping.tmpl>" },
	{ "bad.tmpl", "line1\n<TMPL_VAR a escape=bogus>" },
	{ "unclosed.tmpl", "\n<TMPL_LOOP l>" },
	{ "chain0.tmpl", "<TMPL_INCLUDE chain1.tmpl>" },
	{ "chain1.tmpl", "<TMPL_INCLUDE chain2.tmpl>" },
	{ "chain2.tmpl", "<TMPL_INCLUDE chain3.tmpl>" },
	{ "chain3.tmpl", "<TMPL_INCLUDE chain4.tmpl>" },
	{ "chain4.tmpl", "<TMPL_INCLUDE chain5.tmpl>" },
	{ "chain5.tmpl", "<TMPL_INCLUDE chain6.tmpl>" },
	{ "chain6.tmpl", "<TMPL_INCLUDE chain7.tmpl>" },
	{ "chain7.tmpl", "<TMPL_INCLUDE chain8.tmpl>" },
	{ "chain8.tmpl", "<TMPL_INCLUDE chain9.tmpl>" },
	{ "chain9.tmpl", "<TMPL_INCLUDE chain10.tmpl>" },
	{ "chain10.tmpl", "end of chain" },
	{ "broken.tmpl", NULL },
};

static int
load(const char *name, struct buf *text, struct buf *file, void *arg)
{
	struct diag *d = arg;
	size_t i;

	for (i = 0; i < sizeof(includes) / sizeof(includes[0]); i++) {
		if (strcmp(includes[i][0], name) != 0 || !includes[i][1])
			continue;
		buf_puts(text, includes[i][1]);
		buf_printf(file, "templates/%s", name);
		return 0;
	}
	return diag_error(d, NULL, 0, "cannot load template %s", name);
}

/* Compiles src (named t.tmpl) with the test loader; messages go to *msgs
 * when msgs is not NULL, else to stderr. */
static struct tmpl *
compile_flags(const char *src, size_t len, unsigned flags, char **msgs,
	      unsigned *errors)
{
	struct tmpl *t;
	struct diag d;
	size_t msglen;
	FILE *f = msgs ? open_memstream(msgs, &msglen) : stderr;

	diag_init(&d, f, 0);
	t = tmpl_compile("t.tmpl", src, len, flags, load, &d, &d);
	if (errors)
		*errors = d.errors;
	diag_release(&d);
	if (msgs)
		fclose(f);
	return t;
}

/* The filled text of src, or "ERROR" when it does not compile. */
static char *
render_n(const char *src, size_t len, const struct tvars *v, size_t *outlen)
{
	struct buf out = BUF_INIT;
	struct tmpl *t = compile_flags(src, len, 0, NULL, NULL);

	if (!t)
		return xstrdup("ERROR");
	tmpl_fill(&out, t, v);
	tmpl_free(t);
	return buf_detach(&out, outlen);
}

static void
check(const struct tvars *v, const char *src, const char *want, const char *what)
{
	char *got = render_n(src, strlen(src), v, NULL);

	tap_is(got, want, "%s", what);
	free(got);
}

/* Diagnostics on one line, to be quoted in a test's name. */
static char *
chomp(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	return s;
}

/* Checks that src fails to compile with exactly one error reading want. */
static void
check_error(const char *src, unsigned flags, const char *want, const char *what)
{
	unsigned errors = 0;
	char *msgs = NULL;
	struct tmpl *t = compile_flags(src, strlen(src), flags, &msgs, &errors);

	chomp(msgs);
	tap_ok(!t && errors == 1 && strstr(msgs, want) != NULL,
	       "error: %s (got %u errors: %s)", what, errors, msgs);
	tmpl_free(t);
	free(msgs);
}

/* CPU seconds, so that a loaded machine does not fail the time limits. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct tvars *
sample_vars(void)
{
	struct tvars *v = tvars_new(), *r, *g;

	tvars_set(v, "a", "A&B \"q\" 'z' <i>");
	tvars_set(v, "Title", "My Title");
	tvars_set(v, "zero", "0");
	tvars_set(v, "empty", "");
	tvars_set(v, "n", "top-n");
	tvars_set(v, "u", "a/b c?d=1&e~");
	r = tvars_add_row(v, "items");
	tvars_set(r, "n", "one");
	g = tvars_add_row(r, "tags");
	tvars_set(g, "g", "g1");
	g = tvars_add_row(r, "tags");
	tvars_set(g, "g", "g2");
	tvars_set(g, "n", "g2-n");
	r = tvars_add_row(v, "items");
	tvars_set(r, "n", "two");
	tvars_clear(r, "tags");
	r = tvars_add_row(v, "items");
	tvars_set(r, "other", "x");
	tvars_clear(v, "none");
	return v;
}

static void
test_vars(const struct tvars *v)
{
	check(v, "", "", "empty template");
	check(v, "plain <b>text</b> & more", "plain <b>text</b> & more", "text passes");
	check(v, "[<TMPL_VAR title>]", "[My Title]", "var");
	check(v, "[<TMPL_VAR TITLE>][<tmpl_var Title>][<TmPl_VaR tItLe>]",
	      "[My Title][My Title][My Title]", "names and tags ignore case");
	check(v, "[<TMPL_VAR nosuch>]", "[]", "unknown var is empty");
	check(v, "<TMPL_VAR NAME=title>|<TMPL_VAR NAME=\"title\">|"
	      "<TMPL_VAR NAME='title'>|<TMPL_VAR \"title\">|<TMPL_VAR 'title'>",
	      "My Title|My Title|My Title|My Title|My Title", "name forms");
	check(v, "<TMPL_VAR  name = \"title\" >|<TMPL_VAR\n\tNAME=title\n>",
	      "My Title|My Title", "whitespace in tags");
	check(v, "<TMPL_VAR title />|<TMPL_VAR title/>|<TMPL_VAR name=\"title\"/>",
	      "My Title|My Title|My Title", "trailing slash");
	check(v, "<!-- TMPL_VAR title -->|<!--TMPL_VAR NAME=\"title\"-->|"
	      "<!-- tmpl_var title-->",
	      "My Title|My Title|My Title", "comment form");
	check(v, "<TMPL_VAR name>|<TMPL_VAR escape>|<TMPL_VAR default>", "||",
	      "attribute words as bare names");
	check(v, "<TMPL_VAR zero>|<TMPL_VAR empty>", "0|", "zero and empty print");
	check(v, "<TMPL_VAR items>", "", "a loop as a var is empty");
}

static void
test_escapes(const struct tvars *v)
{
	check(v, "<TMPL_VAR a>", "A&B \"q\" 'z' <i>", "no escape");
	check(v, "<TMPL_VAR a ESCAPE=HTML>", "A&amp;B &quot;q&quot; &#39;z&#39; &lt;i&gt;",
	      "escape html");
	check(v, "<TMPL_VAR a escape=html>|<TMPL_VAR a ESCAPE=\"HTML\">|"
	      "<TMPL_VAR a escape='Html'>|<TMPL_VAR a ESCAPE=1>|<TMPL_VAR a ESCAPE=\"1\">",
	      "A&amp;B &quot;q&quot; &#39;z&#39; &lt;i&gt;|"
	      "A&amp;B &quot;q&quot; &#39;z&#39; &lt;i&gt;|"
	      "A&amp;B &quot;q&quot; &#39;z&#39; &lt;i&gt;|"
	      "A&amp;B &quot;q&quot; &#39;z&#39; &lt;i&gt;|"
	      "A&amp;B &quot;q&quot; &#39;z&#39; &lt;i&gt;", "escape html spellings");
	check(v, "<TMPL_VAR ESCAPE=HTML a>", "A&amp;B &quot;q&quot; &#39;z&#39; &lt;i&gt;",
	      "escape before the name");
	check(v, "<TMPL_VAR u ESCAPE=URL>", "a%2Fb%20c%3Fd%3D1%26e%7E", "escape url");
	check(v, "<TMPL_VAR a ESCAPE=JS>", "A&B \\\"q\\\" \\'z\\' \\x3ci\\x3e", "escape js");
	check(v, "<TMPL_VAR a ESCAPE=NONE>|<TMPL_VAR a ESCAPE=0>|<TMPL_VAR a escape=\"none\">",
	      "A&B \"q\" 'z' <i>|A&B \"q\" 'z' <i>|A&B \"q\" 'z' <i>", "escape none and 0");
}

static void
test_default(const struct tvars *v)
{
	check(v, "<TMPL_VAR nosuch DEFAULT=\"the default\">", "the default", "default");
	check(v, "<TMPL_VAR nosuch DEFAULT='a&b \"c\"' ESCAPE=HTML>|<TMPL_VAR nosuch default=bare>",
	      "a&b \"c\"|bare", "default forms; a default is not escaped");
	check(v, "<TMPL_VAR DEFAULT=\"d\" NAME=nosuch ESCAPE=HTML>", "d", "default first");
	check(v, "<TMPL_VAR title DEFAULT=\"d\">", "My Title", "set var ignores default");
	check(v, "[<TMPL_VAR empty DEFAULT=\"d\">]", "[]", "an empty value is set: no default");
	check(v, "<TMPL_VAR items DEFAULT=\"d\">", "d", "a loop has no string: default");
}

static void
test_conditionals(const struct tvars *v)
{
	struct tvars *w = tvars_new();

	check(v, "<TMPL_IF title>yes</TMPL_IF>", "yes", "if true");
	check(v, "<TMPL_IF nosuch>yes</TMPL_IF>", "", "if unknown");
	check(v, "<TMPL_IF zero>y<TMPL_ELSE>n</TMPL_IF>", "n", "\"0\" is false");
	check(v, "<TMPL_IF empty>y<TMPL_ELSE>n</TMPL_IF>", "n", "\"\" is false");
	tvars_set(w, "a", "00");
	tvars_set(w, "b", " ");
	tvars_set(w, "c", "0.0");
	check(w, "<TMPL_IF a>1</TMPL_IF><TMPL_IF b>2</TMPL_IF><TMPL_IF c>3</TMPL_IF>",
	      "123", "\"00\", \" \" and \"0.0\" are true");
	check(v, "<TMPL_UNLESS title>y<TMPL_ELSE>n</TMPL_UNLESS>", "n", "unless true");
	check(v, "<TMPL_UNLESS zero>y<TMPL_ELSE>n</TMPL_UNLESS>", "y", "unless false");
	check(v, "<TMPL_IF items>rows</TMPL_IF>|<TMPL_IF none>x<TMPL_ELSE>no rows</TMPL_IF>",
	      "rows|no rows", "a loop is true when it has rows");
	check(v, "<TMPL_IF title>a<TMPL_IF zero>b<TMPL_ELSE>c<TMPL_UNLESS empty>d"
	      "</TMPL_UNLESS></TMPL_IF>e<TMPL_ELSE>f</TMPL_IF>g",
	      "acdeg", "nested conditionals");
	check(v, "<TMPL_IF title>a</TMPL_IF>b<TMPL_IF zero>c</TMPL_IF>d",
	      "abd", "text after a block is kept apart from it");
	check(v, "<TMPL_IF zero>a<TMPL_ELSE>b</TMPL_IF>c<TMPL_IF title>d<TMPL_ELSE>e</TMPL_IF>f",
	      "bcdf", "text after an else branch");
	check(v, "<TMPL_IF NAME=\"title\">y</TMPL_IF NAME=\"title\"><!-- TMPL_IF title -->"
	      "z<!-- /TMPL_IF -->", "yz", "closing tags may carry a name; comment form");
	tvars_free(w);
}

static void
test_loops(const struct tvars *v)
{
	check(v, "<TMPL_LOOP items>[<TMPL_VAR n>]</TMPL_LOOP>", "[one][two][top-n]",
	      "loop, with a row falling back to the top");
	check(v, "<TMPL_LOOP items><TMPL_VAR n>:<TMPL_LOOP tags><TMPL_VAR g>/<TMPL_VAR n>,"
	      "</TMPL_LOOP>;</TMPL_LOOP>",
	      "one:g1/one,g2/g2-n,;two:;top-n:;",
	      "nested loops look up the row, enclosing rows, then the top");
	check(v, "<TMPL_LOOP items><TMPL_VAR title>,</TMPL_LOOP>",
	      "My Title,My Title,My Title,", "top vars inside loops");
	check(v, "<TMPL_LOOP none>x</TMPL_LOOP>|<TMPL_LOOP nosuch>x</TMPL_LOOP>|"
	      "<TMPL_LOOP title>x</TMPL_LOOP>", "||", "empty, unknown and string loops");
	check(v, "<TMPL_LOOP items><TMPL_IF other>o<TMPL_ELSE>-</TMPL_IF></TMPL_LOOP>",
	      "--o", "conditionals in loops");
	check(v, "<TMPL_LOOP items><TMPL_LOOP items>x</TMPL_LOOP></TMPL_LOOP>",
	      "xxxxxxxxx", "a loop inside itself iterates the top loop");
}

static void
test_context(void)
{
	static const char body[] =
		"<TMPL_LOOP l>[f=<TMPL_VAR __first__>,i=<TMPL_VAR __inner__>,"
		"o=<TMPL_VAR __outer__>,l=<TMPL_VAR __last__>,odd=<TMPL_VAR __odd__>,"
		"e=<TMPL_VAR __even__>,c=<TMPL_VAR __counter__>,x=<TMPL_VAR __index__>]"
		"</TMPL_LOOP>";
	struct tvars *v = tvars_new(), *w = tvars_new(), *r;
	int i;

	tvars_add_row(v, "l");
	/* the strings HTML::Template 2.97 prints with loop_context_vars */
	check(v, body, "[f=1,i=0,o=1,l=1,odd=1,e=,c=1,x=0]", "context vars, one row");
	tvars_add_row(v, "l");
	tvars_add_row(v, "l");
	check(v, body, "[f=1,i=0,o=1,l=,odd=1,e=,c=1,x=0]"
	      "[f=0,i=1,o=0,l=0,odd=,e=1,c=2,x=1]"
	      "[f=0,i=0,o=1,l=1,odd=1,e=,c=3,x=2]", "context vars, three rows");
	check(v, "<TMPL_LOOP l><TMPL_IF __FIRST__>F</TMPL_IF><TMPL_IF __odd__>o"
	      "<TMPL_ELSE>e</TMPL_IF><TMPL_UNLESS __last__>,</TMPL_UNLESS>"
	      "<TMPL_IF __inner__>I</TMPL_IF></TMPL_LOOP>",
	      "Fo,e,Io", "conditionals on context vars");
	for (i = 0; i < 2; i++) {
		r = tvars_add_row(w, "outer");
		tvars_add_row(r, "inner");
		tvars_add_row(r, "inner");
		tvars_add_row(r, "inner");
		tvars_set(r, "__counter__", "mine");
	}
	check(w, "<TMPL_LOOP outer><TMPL_VAR __counter__>:<TMPL_LOOP inner>"
	      "<TMPL_VAR __counter__></TMPL_LOOP>;</TMPL_LOOP>",
	      "1:123;2:123;", "context vars are the innermost loop's and win over rows");
	tvars_set(w, "__first__", "top");
	check(w, "<TMPL_VAR __first__>", "top", "outside loops they are ordinary names");
	tvars_free(v);
	tvars_free(w);
}

static void
test_literals(const struct tvars *v)
{
	check(v, "<TMPL_VARx", "<TMPL_VARx", "unterminated tag-like text is literal");
	check(v, "a < b > c <<>> <", "a < b > c <<>> <", "plain < and >");
	check(v, "<TMPL_VAR title <b>", "<TMPL_VAR title <b>", "a tag cut by '<' is literal");
	check(v, "<TMPL x> <TMPLVAR x> <!-- comment --> <!-- <TMPL_VAR title> -->",
	      "<TMPL x> <TMPLVAR x> <!-- comment --> <!-- My Title -->",
	      "near-misses and comments are literal");
	check(v, "<TMPL_VAR title>>", "My Title>", "a stray > after a tag");
}

static void
test_binary(void)
{
	struct tvars *v = tvars_new();
	static const char src[] = "a\0b<TMPL_VAR x>\xff\xfe<TMPL_VAR y ESCAPE=HTML>\0";
	static const char want[] = "a\0b1\0" "2\xff\xfe\xc3(&lt;\0";
	size_t len;
	char *got;

	tvars_setn(v, "x", "1\0" "2", 3);
	tvars_set(v, "y", "\xc3(<");
	got = render_n(src, sizeof(src) - 1, v, &len);
	tap_ok(len == sizeof(want) - 1 && memcmp(got, want, len) == 0,
	       "NUL bytes and invalid UTF-8 pass through (len %zu)", len);
	free(got);
	tvars_free(v);
}

static void
test_no_loader(void)
{
	struct diag d;
	char *msgs = NULL;
	size_t msglen;
	FILE *f = open_memstream(&msgs, &msglen);
	struct tmpl *t;
	struct buf out = BUF_INIT;
	static const char src[] = "a\n<TMPL_INCLUDE inc1.tmpl>";

	diag_init(&d, f, 0);
	t = tmpl_compile("x.tmpl", src, sizeof(src) - 1, 0, NULL, NULL, &d);
	tap_ok(t == NULL && d.errors == 1, "an include without a loader fails");
	tmpl_free(t);
	t = tmpl_compile(NULL, "<TMPL_VAR x>", 12, 0, NULL, NULL, &d);
	buf_puts(&out, "kept:");
	if (t)
		tmpl_fill(&out, t, NULL);
	tap_ok(t && tmpl_file(t) == NULL && strcmp(out.data, "kept:") == 0,
	       "no file name, no vars; the fill appends");
	tmpl_free(t);
	buf_release(&out);
	diag_release(&d);
	fclose(f);
	tap_ok(strstr(msgs, "x.tmpl:2: <TMPL_INCLUDE> cannot be used: no loader") != NULL,
	       "no loader: %s", chomp(msgs));
	free(msgs);
}

static void
test_includes(const struct tvars *v)
{
	char *msgs = NULL;
	struct tmpl *t;

	check(v, "<TMPL_INCLUDE NAME=\"inc1.tmpl\">", "[inc1 A&B \"q\" 'z' <i>]", "include");
	check(v, "<TMPL_INCLUDE inc3.tmpl>|<tmpl_include 'empty.tmpl'>|",
	      "(inc3\n{inc2 [inc1 A&B \"q\" 'z' <i>]})||", "nested and empty includes");
	check(v, "<TMPL_LOOP items><TMPL_INCLUDE row.tmpl></TMPL_LOOP>", "one;two;top-n;",
	      "an include in a loop sees the row");
	check(v, "<TMPL_INCLUDE open.tmpl>mid<TMPL_INCLUDE close.tmpl>", "open mid close",
	      "a block may open in one include and close in another");
	check(v, "<TMPL_INCLUDE chain1.tmpl>", "end of chain", "includes nested 10 deep");
	check_error("x\n<TMPL_INCLUDE chain0.tmpl>", 0,
		    "templates/chain9.tmpl:1: <TMPL_INCLUDE> nests includes deeper than 10",
		    "includes nested 11 deep");
	check_error("<TMPL_INCLUDE self.tmpl>", 0,
		    "templates/self.tmpl:2: <TMPL_INCLUDE> of templates/self.tmpl loops back",
		    "an include including itself");
	check_error("<TMPL_INCLUDE ping.tmpl>", 0,
		    "templates/pong.tmpl:3: <TMPL_INCLUDE> of templates/ping.tmpl loops back",
		    "an include loop through two files");
	check_error("a\n<TMPL_INCLUDE NAME=\"inc1.tmpl\">", TMPL_NO_INCLUDES,
		    "t.tmpl:2: <TMPL_INCLUDE> is not allowed here", "TMPL_NO_INCLUDES");
	check_error("\n<TMPL_INCLUDE bad.tmpl>", 0,
		    "templates/bad.tmpl:2: unknown ESCAPE value \"bogus\"",
		    "an error inside an include names the include");
	check_error("<TMPL_INCLUDE unclosed.tmpl>", 0,
		    "templates/unclosed.tmpl:2: <TMPL_LOOP> is never closed",
		    "a block left open by an include");
	t = compile_flags("\n\n<TMPL_INCLUDE broken.tmpl>", 28, 0, &msgs, NULL);
	tap_ok(!t && strstr(msgs, "cannot load template broken.tmpl") &&
	       strstr(msgs, "t.tmpl:3: note: in <TMPL_INCLUDE NAME=\"broken.tmpl\">"),
	       "a failing load fails the compile, with where (%s)", chomp(msgs));
	free(msgs);
	check_error("<TMPL_INCLUDE>", 0, "t.tmpl:1: <TMPL_INCLUDE> has no NAME",
		    "an include without a name");
	test_no_loader();
}

static void
test_errors(void)
{
	check_error("a\nb\n<TMPL_IF x>\n", 0, "t.tmpl:3: <TMPL_IF> is never closed",
		    "unclosed if");
	check_error("<TMPL_IF x></TMPL_IF>\n<TMPL_UNLESS x>", 0,
		    "t.tmpl:2: <TMPL_UNLESS> is never closed", "unclosed unless");
	check_error("\n\n\n<TMPL_LOOP x><TMPL_IF y></TMPL_IF>", 0,
		    "t.tmpl:4: <TMPL_LOOP> is never closed", "unclosed loop");
	check_error("<TMPL_UNLESS x>\n</TMPL_IF>", 0,
		    "t.tmpl:2: </TMPL_IF> does not match the <TMPL_UNLESS> at t.tmpl:1",
		    "mismatched close");
	check_error("<TMPL_IF x>\n<TMPL_LOOP y>\n</TMPL_IF>", 0,
		    "t.tmpl:3: </TMPL_IF> does not match the <TMPL_LOOP> at t.tmpl:2",
		    "if closed across a loop");
	check_error("<TMPL_LOOP y></TMPL_UNLESS>", 0, "t.tmpl:1: </TMPL_UNLESS> does not match",
		    "loop closed by unless");
	check_error("x\n</TMPL_LOOP>", 0, "t.tmpl:2: </TMPL_LOOP> closes nothing",
		    "close with nothing open");
	check_error("\n<TMPL_ELSE>", 0,
		    "t.tmpl:2: <TMPL_ELSE> outside <TMPL_IF> or <TMPL_UNLESS>", "else outside");
	check_error("<TMPL_LOOP l><TMPL_ELSE></TMPL_LOOP>", 0,
		    "t.tmpl:1: <TMPL_ELSE> outside", "else directly in a loop");
	check_error("<TMPL_IF x>a<TMPL_ELSE>b\n<TMPL_ELSE>c</TMPL_IF>", 0,
		    "t.tmpl:2: second <TMPL_ELSE> in the <TMPL_IF> at t.tmpl:1", "else twice");
	check_error("\n\n<TMPL_VAR>", 0, "t.tmpl:3: <TMPL_VAR> has no NAME", "var without name");
	check_error("<TMPL_VAR NAME=\"\">", 0, "t.tmpl:1: <TMPL_VAR> has no NAME", "empty name");
	check_error("<TMPL_IF>", 0, "<TMPL_IF> has no NAME", "if without name");
	check_error("<TMPL_LOOP ESCAPE=0>", 0, "<TMPL_LOOP> takes no ESCAPE or DEFAULT",
		    "escape on a loop");
	check_error("<TMPL_VAR x ESCAPE=xml>", 0, "t.tmpl:1: unknown ESCAPE value \"xml\"",
		    "unknown escape");
	check_error("<TMPL_VAR x ESCAPE=>", 0, "unknown ESCAPE value \"\"", "empty escape");
	check_error("\n<TMPL_FOO x>", 0, "t.tmpl:2: unknown tag <TMPL_FOO>", "unknown tag");
	check_error("</TMPL_VAR>", 0, "</TMPL_VAR> is not a tag", "closing var");
	check_error("<TMPL_IF x DEFAULT=1></TMPL_IF>", 0, "<TMPL_IF> takes no ESCAPE or DEFAULT",
		    "default on if");
	check_error("<TMPL_VAR x FOO=1>", 0, "unknown attribute \"FOO\" in <TMPL_VAR>",
		    "unknown attribute");
	check_error("<TMPL_VAR x y>", 0, "<TMPL_VAR> has more than one NAME", "two names");
	check_error("<TMPL_VAR x DEFAULT=a DEFAULT=b>", 0, "more than one DEFAULT",
		    "two defaults");
	check_error("<TMPL_VAR NAME=\"x>", 0, "<TMPL_VAR> has an unterminated quote",
		    "unterminated quote");
	check_error("<TMPL_VAR = x>", 0, "<TMPL_VAR> has a stray '='", "stray =");
	check_error("<TMPL_VAR\nx\nESCAPE=bad>", 0, "t.tmpl:1: unknown ESCAPE",
		    "a tag's line is where it starts");
}

/* tmpl_each_use's callback: appends " name" to a buf. */
static void
collect_use(const char *name, size_t len, void *arg)
{
	buf_putc(arg, ' ');
	buf_put(arg, name, len);
}

static void
test_uses(void)
{
	static const char src[] =
		"<TMPL_VAR Alpha> <TMPL_IF beta></TMPL_IF><TMPL_UNLESS gamma></TMPL_UNLESS>"
		"<TMPL_LOOP Delta><TMPL_VAR epsilon><TMPL_IF __first__></TMPL_IF></TMPL_LOOP>"
		"<TMPL_INCLUDE inc1.tmpl> zeta <!-- eta -->";
	struct tmpl *t = compile_flags(src, sizeof(src) - 1, 0, NULL, NULL);

	tap_ok(t != NULL, "uses: compiles");
	if (!t)
		return;
	tap_ok(tmpl_uses(t, "alpha") && tmpl_uses(t, "ALPHA") && tmpl_uses(t, "Beta") &&
	       tmpl_uses(t, "gamma") && tmpl_uses(t, "delta"),
	       "uses: var, if, unless, loop, any case");
	tap_ok(tmpl_uses(t, "epsilon") && tmpl_uses(t, "__first__"), "uses: inside loops");
	tap_ok(tmpl_uses(t, "a"), "uses: inside includes");
	tap_ok(!tmpl_uses(t, "zeta") && !tmpl_uses(t, "eta") && !tmpl_uses(t, "inc1.tmpl") &&
	       !tmpl_uses(t, "") && !tmpl_uses(t, "alph"),
	       "uses: not text, comments, include names or prefixes");
	{
		struct buf names = BUF_INIT;

		static const char *const want[] = {
			" __first__ ", " a ", " alpha ", " beta ", " delta ", " epsilon ", " gamma ",
		};
		size_t i, found = 0, spaces = 0;

		tmpl_each_use(t, collect_use, &names);
		buf_putc(&names, ' ');
		for (i = 0; i < names.len; i++)
			spaces += names.data[i] == ' ';
		for (i = 0; i < sizeof(want) / sizeof(*want); i++)
			found += strstr(names.data, want[i]) != NULL;
		tap_ok(spaces == 8 && found == 7,
		       "each_use: every name once, lowercased, includes' too (%s)", names.data);
		buf_release(&names);
	}
	tap_is(tmpl_file(t), "t.tmpl", "tmpl_file");
	/* Serials key what is worked out per template: never 0, never
	 * another's, not even one compiled where a freed one was. */
	{
		uint64_t first = tmpl_serial(t), second;
		struct tmpl *u;

		tmpl_free(t);
		u = compile_flags(src, sizeof(src) - 1, 0, NULL, NULL);
		second = u ? tmpl_serial(u) : 0;
		tap_ok(first != 0 && second != 0 && second != first,
		       "tmpl_serial: a new template has its own (%llu, %llu)",
		       (unsigned long long)first, (unsigned long long)second);
		tmpl_free(u);
	}
}

static void
test_tvars(void)
{
	struct tvars *v = tvars_new(), *r;
	char *s = xstrdup("owned value");

	tvars_set(v, "Key", "one");
	tap_is(tvars_get(v, "KEY"), "one", "tvars: case-insensitive get");
	tvars_set(v, "key", "two");
	tap_is(tvars_get(v, "key"), "two", "tvars: a second set replaces");
	tvars_set_owned(v, "big", s);
	tap_ok(tvars_get(v, "BIG") == s, "tvars: set_owned keeps the pointer");
	tap_ok(tvars_get(v, "nosuch") == NULL, "tvars: unknown is NULL");
	r = tvars_add_row(v, "key");
	tvars_set(r, "x", "in row");
	tap_ok(tvars_get(v, "key") == NULL, "tvars: a string made a loop");
	check(v, "<TMPL_LOOP key><TMPL_VAR x></TMPL_LOOP>", "in row", "tvars: the new loop");
	tvars_set(v, "key", "again");
	check(v, "<TMPL_LOOP key>x</TMPL_LOOP><TMPL_VAR key>", "again",
	      "tvars: a loop made a string");
	tvars_clear(v, "key");
	check(v, "<TMPL_IF key>t<TMPL_ELSE>f</TMPL_IF>[<TMPL_VAR key>]", "f[]",
	      "tvars: clear makes an empty loop");
	tvars_add_row(v, "key");
	tvars_add_row(v, "KEY");
	check(v, "<TMPL_LOOP key>r</TMPL_LOOP>", "rr", "tvars: add_row appends, any case");
	tvars_free(v);
	tvars_free(NULL);
}

/* A page's parameters are many (past the few searched in turn, they are
 * found through a map): each still found, in any case, and replaced. */
static void
test_tvars_many(void)
{
	struct tvars *v = tvars_new();
	struct buf src = BUF_INIT, want = BUF_INIT, name = BUF_INIT;
	char val[32];
	int i;

	for (i = 0; i < 40; i++) {
		buf_reset(&name);
		buf_printf(&name, "Name%d", i);
		snprintf(val, sizeof(val), "v%d", i);
		tvars_set(v, name.data, val);
		if (i == 5 || i == 20) {	/* before and after the map starts */
			tvars_set(v, "NAME0", i == 5 ? "early" : "late");
			tap_is(tvars_get(v, "name0"), i == 5 ? "early" : "late",
			       "tvars: %d names, an old one replaced", i + 1);
		}
	}
	for (i = 0; i < 40; i++) {
		buf_printf(&src, "<TMPL_VAR NAME%d>,", i);
		buf_printf(&want, "%s,", i == 0 ? "late" : (snprintf(val, sizeof(val), "v%d", i), val));
	}
	check(v, src.data, want.data, "tvars: 40 names, each found");
	tap_is(tvars_get(v, "name39"), "v39", "tvars: the last of 40 names");
	tap_ok(tvars_get(v, "name40") == NULL, "tvars: one never set, among 40");
	buf_release(&src);
	buf_release(&want);
	buf_release(&name);
	tvars_free(v);
}

/* Past a few names an index finds them, made anew as it fills: after each
 * of 300 sets, every name so far is still found, in another case, and a
 * template names them all. */
static void
test_tvars_index(void)
{
	struct tvars *v = tvars_new();
	struct buf src = BUF_INIT, want = BUF_INIT, name = BUF_INIT;
	char val[32];
	const char *got;
	int i, j, lost = 0;

	for (i = 0; i < 300; i++) {
		buf_reset(&name);
		buf_printf(&name, "Index_Key_%d", i);
		snprintf(val, sizeof(val), "v%d", i);
		tvars_set(v, name.data, val);
		for (j = 0; j <= i; j++) {
			buf_reset(&name);
			buf_printf(&name, "INDEX_key_%d", j);
			snprintf(val, sizeof(val), "v%d", j);
			got = tvars_get(v, name.data);
			lost += !got || strcmp(got, val) != 0;
		}
		buf_printf(&src, "<TMPL_VAR index_KEY_%d>,", i);
		buf_printf(&want, "v%d,", i);
	}
	tap_ok(lost == 0, "tvars: each of 300 names found after every set (%d lost)", lost);
	tap_ok(tvars_get(v, "index_key_300") == NULL, "tvars: one never set, among 300");
	check(v, src.data, want.data, "tvars: 300 names filled");
	buf_release(&src);
	buf_release(&want);
	buf_release(&name);
	tvars_free(v);
}

/* Only ASCII letters fold: the bytes beside 'A' and 'Z', and bytes past
 * 127, are names of their own, whether in the 8-byte words a name is
 * lowered by or in the bytes after them; a name longer than the stack
 * key too. */
static void
test_tvars_case(void)
{
	static const char *const pairs[][2] = {
		{ "x@", "x`" }, { "x[", "x{" }, { "x\xc1", "x\xe1" },
		{ "@bcdefgh", "`bcdefgh" }, { "a[cdefgh", "a{cdefgh" },
		{ "ab\xc1\xda" "defgh_x", "ab\xe1\xfa" "defgh_x" },
		{ "\x80\xc0\xda\xdb\xc1\x7f\xff\xfe", "\xa0\xe0\xfa\xfb\xe1\x7f\xff\xfe" },
	};
	struct tvars *v = tvars_new();
	char longname[200], longupper[200];
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		tvars_set(v, pairs[i][0], "set");
		tap_ok(tvars_get(v, pairs[i][1]) == NULL,
		       "tvars: name %zu is not folded to its neighbour", i);
	}
	for (i = 0; i + 1 < sizeof(longname); i++) {
		longname[i] = (char)('a' + i % 26);
		longupper[i] = (char)('A' + i % 26);
	}
	longname[i] = longupper[i] = '\0';
	tvars_set(v, longupper, "long");
	tap_is(tvars_get(v, longname), "long", "tvars: a 199-byte name, any case");
	tvars_set(v, "MiXeD_CaSe_NaMe_LoNgEr", "m");
	check(v, "<TMPL_VAR mixed_case_name_longer>|<TMPL_VAR MIXED_CASE_NAME_LONGER>",
	      "m|m", "tvars: a mixed-case name filled in two cases");
	tvars_free(v);
}

/* A set's names and copied values are carved from chunks of its own, a
 * large value in a chunk of its own: values of every size from none to
 * several chunks, in the set and in rows, each read back whole after all
 * the others; owned values replaced, or in rows of a cleared loop, are
 * freed once (the sanitizer build finds a leak or a double free). */
static void
test_tvars_arena(void)
{
	static const size_t sizes[] = { 0, 1, 7, 8, 15, 16, 17, 100, 511,
					2047, 2048, 2049, 4000, 8191, 8192,
					8193, 20000, 70000 };
	const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	struct tvars *v = tvars_new(), *row;
	struct buf src = BUF_INIT, want = BUF_INIT;
	char name[32], *val;
	const char *first, *got;
	size_t i, j, bad = 0;

	for (i = 0; i < 3 * nsizes; i++) {
		val = xmalloc(sizes[i % nsizes] + 1);
		memset(val, 'a' + (int)(i % 26), sizes[i % nsizes]);
		val[sizes[i % nsizes]] = '\0';
		snprintf(name, sizeof(name), "v%zu", i);
		row = i % 3 == 2 ? tvars_add_row(v, "rows") : v;
		tvars_set(row, name, val);
		free(val);
	}
	first = tvars_get(v, "v0");
	for (i = 0; i < 3 * nsizes; i++) {
		if (i % 3 == 2)
			continue;
		snprintf(name, sizeof(name), "V%zu", i);
		got = tvars_get(v, name);
		if (!got || strlen(got) != sizes[i % nsizes])
			bad++;
		for (j = 0; got && got[j]; j++)
			bad += got[j] != 'a' + (int)(i % 26);
	}
	tap_ok(bad == 0 && first && tvars_get(v, "v0") == first,
	       "tvars: %zu values of 0 to 70000 bytes read back whole (%zu bad)",
	       3 * nsizes, bad);
	buf_puts(&src, "<TMPL_LOOP rows>");
	for (i = 2; i < 3 * nsizes; i += 3) {
		buf_printf(&src, "<TMPL_VAR v%zu>", i);
		for (j = 0; j < sizes[i % nsizes]; j++)
			buf_putc(&want, (char)('a' + (int)(i % 26)));
		buf_putc(&want, '|');
	}
	buf_puts(&src, "|</TMPL_LOOP>");
	check(v, src.data, want.data, "tvars: values in rows, each filled whole");
	buf_release(&src);
	buf_release(&want);
	tvars_set_owned(v, "own", xstrdup("one"));
	tvars_set_owned(v, "own", xstrdup("two"));
	tap_is(tvars_get(v, "own"), "two", "tvars: an owned value replaced by another");
	tvars_set(v, "own", "copied");
	tap_is(tvars_get(v, "own"), "copied", "tvars: an owned value replaced by a copy");
	tvars_set_owned(tvars_add_row(v, "ownrows"), "x", xstrdup("in a row"));
	tvars_clear(v, "ownrows");
	tvars_set_owned(tvars_add_row(v, "ownrows"), "x", xstrdup("kept"));
	tvars_set_owned(v, "none", NULL);
	tvars_setn(v, "nullval", NULL, 0);
	check(v, "<TMPL_LOOP ownrows><TMPL_VAR x></TMPL_LOOP>[<TMPL_VAR none>]"
	      "[<TMPL_VAR nullval>]<TMPL_IF none>t</TMPL_IF>",
	      "kept[][]", "tvars: owned values in rows of a cleared loop, NULL values");
	tvars_free(v);
}

struct fill_job {
	const struct tmpl *t;
	const struct tvars *v;
	const char *want;
	int ok;
};

static void *
fill_many(void *arg)
{
	struct fill_job *job = arg;
	struct buf out = BUF_INIT;
	int i;

	job->ok = 1;
	for (i = 0; i < 2000; i++) {
		buf_reset(&out);
		tmpl_fill(&out, job->t, job->v);
		if (strcmp(out.data, job->want) != 0)
			job->ok = 0;
	}
	buf_release(&out);
	return NULL;
}

static void
test_threads(const struct tvars *v)
{
	static const char src[] =
		"<TMPL_LOOP items>[<TMPL_VAR n>|<TMPL_VAR __counter__>"
		"<TMPL_LOOP tags>(<TMPL_VAR g ESCAPE=HTML>)</TMPL_LOOP>]</TMPL_LOOP>";
	struct tmpl *t = compile_flags(src, sizeof(src) - 1, 0, NULL, NULL);
	struct fill_job jobs[4];
	pthread_t th[4];
	struct buf want = BUF_INIT;
	int i, ok = 1;

	tmpl_fill(&want, t, v);
	for (i = 0; i < 4; i++) {
		jobs[i] = (struct fill_job){ t, v, want.data, 0 };
		pthread_create(&th[i], NULL, fill_many, &jobs[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ok &= jobs[i].ok;
	}
	tap_ok(ok && strcmp(want.data, "[one|1(g1)(g2)][two|2][top-n|3]") == 0,
	       "four threads fill one template at once");
	buf_release(&want);
	tmpl_free(t);
}

/* src repeated n times, then tail. */
static char *
repeat(const char *src, size_t n, const char *tail, size_t *len)
{
	struct buf b = BUF_INIT;
	size_t i, l = strlen(src);

	buf_grow(&b, l * n + strlen(tail));
	for (i = 0; i < n; i++)
		buf_put(&b, src, l);
	buf_puts(&b, tail);
	return buf_detach(&b, len);
}

static void
test_pathological(const struct tvars *v)
{
	static const char line[] =
		"text <b>bold</b> &amp; <TMPL_VAR title> <a href=\"<TMPL_VAR u ESCAPE=URL>\">\n";
	struct buf out = BUF_INIT, open = BUF_INIT;
	struct tmpl *t;
	double t0;
	char *src, *msgs = NULL;
	size_t len, i;
	unsigned errors;

	t0 = now();
	src = repeat("<TMPL_IF title>", 20000, "", &len);
	t = compile_flags(src, len, 0, &msgs, &errors);
	tap_ok(!t && errors == 1 && strstr(msgs, "t.tmpl:1: <TMPL_IF> nests blocks deeper than 100"),
	       "20000 nested ifs: one error (%s)", chomp(msgs));
	free(src);
	free(msgs);
	src = repeat("<TMPL_LOOP items><TMPL_IF x>", 10000, "", &len);
	t = compile_flags(src, len, 0, &msgs, NULL);
	tap_ok(!t, "10000 nested loops and ifs: an error");
	free(src);
	free(msgs);
	for (i = 0; i < 50; i++)
		buf_puts(&open, "<TMPL_LOOP items><TMPL_UNLESS zero>");
	src = repeat("</TMPL_UNLESS></TMPL_LOOP>", 50, "", &len);
	buf_put(&open, src, len);
	free(src);
	t = compile_flags(open.data, open.len, 0, NULL, NULL);
	tap_ok(t != NULL, "100 nested blocks compile");
	tmpl_free(t);
	buf_release(&open);
	src = repeat("<TMPL_IF title>a<TMPL_ELSE>b</TMPL_IF>", 200000, "", &len);
	t = compile_flags(src, len, 0, NULL, NULL);
	if (t)
		tmpl_fill(&out, t, v);
	tap_ok(t && out.len == 200000, "200000 sequential ifs");
	tmpl_free(t);
	free(src);
	buf_reset(&out);
	tap_ok(now() - t0 < 5, "deep and wide nesting is quick (%.2fs)", now() - t0);

	t0 = now();
	src = repeat(line, 20 * 1024 * 1024 / (sizeof(line) - 1), "", &len);
	t = compile_flags(src, len, 0, NULL, NULL);
	if (t)
		tmpl_fill(&out, t, v);
	tap_ok(t && out.len == len / (sizeof(line) - 1) * (sizeof(line) - 1 - 16 + 8 - 23 + 24),
	       "a 20 MB template compiles and fills (%zu bytes in, %zu out)", len, out.len);
	tap_ok(now() - t0 < 10, "20 MB in %.2fs", now() - t0);
	tmpl_free(t);
	free(src);
	buf_reset(&out);

	t0 = now();
	src = repeat("<tmpl_", 1000000, "", &len);
	t = compile_flags(src, len, 0, NULL, NULL);
	if (t)
		tmpl_fill(&out, t, v);
	tap_ok(t && out.len == len, "a million unterminated tags are literal");
	tmpl_free(t);
	free(src);
	buf_reset(&out);
	src = repeat("<", 5000000, "", &len);
	t = compile_flags(src, len, 0, NULL, NULL);
	tap_ok(t != NULL, "five million '<'");
	tmpl_free(t);
	free(src);
	src = repeat(" ", 5000000, "", &len);
	memcpy(src, "<!--", 4);
	t = compile_flags(src, len, 0, NULL, NULL);
	tap_ok(t != NULL, "a comment opener and five million spaces");
	tmpl_free(t);
	free(src);
	src = repeat(" ", 5000000, ">", &len);
	memcpy(src, "<TMPL_VAR title", 15);
	t = compile_flags(src, len, 0, NULL, NULL);
	if (t)
		tmpl_fill(&out, t, v);
	tap_ok(t && strcmp(out.data, "My Title") == 0, "a tag with five million spaces");
	tmpl_free(t);
	free(src);
	tap_ok(now() - t0 < 5, "pathological tags are quick (%.2fs)", now() - t0);
	buf_release(&out);
}

/* The fixture at name, under the repository root or the tests directory
 * (the test may run in either). */
static char *
read_fixture(const char *name, size_t *len)
{
	static const char *const dirs[] = { "tests/unit/fixtures/tmpl", "unit/fixtures/tmpl" };
	struct buf b = BUF_INIT;
	char path[512], tmp[4096];
	size_t i, n;
	FILE *f = NULL;

	for (i = 0; !f && i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		f = fopen(path, "rb");
	}
	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_put(&b, tmp, n);
	fclose(f);
	return buf_detach(&b, len);
}

static struct tmpl *
compile_fixture(const char *name)
{
	struct tmpl *t;
	size_t len;
	char *src = read_fixture(name, &len);

	if (!src)
		return NULL;
	t = compile_flags(src, len, 0, NULL, NULL);
	free(src);
	return t;
}

static void
test_page_tmpl(void)
{
	struct tmpl *t = compile_fixture("page.tmpl");
	struct tvars *v = tvars_new(), *r;
	struct buf out = BUF_INIT;

	tap_ok(t != NULL, "ikiwiki page.tmpl compiles");
	if (!t)
		return;
	tvars_set(v, "title", "Hello &amp; welcome");
	tvars_set(v, "wikiname", "MyWiki");
	tvars_set(v, "html5", "1");
	tvars_set(v, "baseurl", "../");
	tvars_set(v, "content", "<p>The body.</p>");
	tvars_set(v, "have_actions", "1");
	tvars_set(v, "editurl", "/ikiwiki.cgi?do=edit&amp;page=hello");
	tvars_set(v, "mtime", "Mon Jan 1");
	tvars_set(v, "ctime", "Sun Dec 31");
	r = tvars_add_row(v, "parentlinks");
	tvars_set(r, "url", "../");
	tvars_set(r, "page", "home");
	r = tvars_add_row(v, "parentlinks");
	tvars_set(r, "url", "../blog/");
	tvars_set(r, "page", "blog");
	r = tvars_add_row(v, "backlinks");
	tvars_set(r, "url", "../other/");
	tvars_set(r, "page", "other");
	tvars_clear(v, "tags");
	tmpl_fill(&out, t, v);
	tap_ok(strstr(out.data, "<title>Hello &amp; welcome</title>") != NULL, "page: title");
	tap_ok(strstr(out.data, "<meta charset=\"utf-8\" />") != NULL &&
	       strstr(out.data, "<article class=\"page\">") != NULL &&
	       strstr(out.data, "<div class=\"page\">") == NULL, "page: html5 branches");
	tap_ok(strstr(out.data, "href=\"../style.css\"") != NULL &&
	       strstr(out.data, "href=\"../local.css\"") != NULL, "page: baseurl and else branch");
	tap_ok(strstr(out.data, "<a href=\"../\">home</a>/ \n\n<a href=\"../blog/\">blog</a>/ ") != NULL,
	       "page: parentlinks loop");
	tap_ok(strstr(out.data, "<section id=\"content\" role=\"main\">\n<p>The body.</p>\n</section>") != NULL,
	       "page: content");
	tap_ok(strstr(out.data, "Links:\n\n<a href=\"../other/\">other</a>\n") != NULL,
	       "page: backlinks");
	tap_ok(strstr(out.data, "<li><a href=\"/ikiwiki.cgi?do=edit&amp;page=hello\" rel=\"nofollow\">Edit</a></li>") != NULL,
	       "page: actions");
	tap_ok(strstr(out.data, "Tags:") == NULL && strstr(out.data, "<!-- from MyWiki -->") != NULL &&
	       strstr(out.data, "<!-- Created Sun Dec 31 -->") != NULL,
	       "page: empty tags loop, variables in HTML comments");
	tap_ok(strstr(out.data, "TMPL_") == NULL && strstr(out.data, "</html>") != NULL,
	       "page: no tag left over");
	tap_ok(tmpl_uses(t, "parentlinks") && tmpl_uses(t, "PERCENTTRANSLATED") &&
	       tmpl_uses(t, "master") && !tmpl_uses(t, "inlinepage"), "page: uses");
	buf_release(&out);
	tvars_free(v);
	tmpl_free(t);
}

static void
test_inlinepage_tmpl(void)
{
	struct tmpl *t = compile_fixture("inlinepage.tmpl");
	struct tvars *v = tvars_new(), *r;
	struct buf out = BUF_INIT;

	tap_ok(t != NULL, "ikiwiki inlinepage.tmpl compiles");
	if (!t)
		return;
	tvars_set(v, "title", "Post");
	tvars_set(v, "pageurl", "post/");
	tvars_set(v, "content", "<p>text</p>");
	tvars_set(v, "author", "Ann");
	tvars_set(v, "ctime", "today");
	r = tvars_add_row(v, "tags");
	tvars_set(r, "link", "<a href=\"../tags/c/\">c</a>");
	tmpl_fill(&out, t, v);
	tap_ok(strstr(out.data, "<div class=\"inlinepage\">") != NULL &&
	       strstr(out.data, "<a href=\"post/\">Post</a>") != NULL &&
	       strstr(out.data, "<span class=\"author\">\n\nAnn\n\n</span>") != NULL &&
	       strstr(out.data, "Posted today") != NULL &&
	       strstr(out.data, "Tags:\n\n<a href=\"../tags/c/\">c</a>\n\n") != NULL,
	       "inlinepage: filled");
	buf_release(&out);
	tvars_free(v);
	tmpl_free(t);
}

/* Loads includes of ikiwiki's templates from its directory. */
static int
load_dir(const char *name, struct buf *text, struct buf *file, void *arg)
{
	char tmp[4096];
	size_t n;
	FILE *f;

	buf_printf(file, "%s/%s", (const char *)arg, name);
	if (!(f = fopen(file->data, "rb")))
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_put(text, tmp, n);
	fclose(f);
	return 0;
}

static void
test_ikiwiki_templates(void)
{
	static const char dir[] = "/usr/share/ikiwiki/templates";
	struct diag d;
	struct dirent *e;
	unsigned count = 0, failed = 0;
	DIR *dp = opendir(dir);

	if (!dp) {
		tap_ok(true, "ikiwiki's templates # skip %s is absent", dir);
		return;
	}
	diag_init(&d, stderr, 0);
	while ((e = readdir(dp))) {
		struct buf text = BUF_INIT, file = BUF_INIT;
		struct tmpl *t;
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 5, ".tmpl") != 0)
			continue;
		if (load_dir(e->d_name, &text, &file, (void *)dir) < 0) {
			failed++;
			continue;
		}
		t = tmpl_compile(file.data, text.data, text.len, 0, load_dir,
				 (void *)dir, &d);
		count++;
		if (!t)
			failed++;
		tmpl_free(t);
		buf_release(&text);
		buf_release(&file);
	}
	closedir(dp);
	diag_release(&d);
	tap_ok(count > 0 && failed == 0, "all %u ikiwiki templates compile (%u failed)",
	       count, failed);
}

int
main(void)
{
	struct tvars *v = sample_vars();

	test_vars(v);
	test_escapes(v);
	test_default(v);
	test_conditionals(v);
	test_loops(v);
	test_context();
	test_literals(v);
	test_binary();
	test_includes(v);
	test_errors();
	test_uses();
	test_tvars();
	test_tvars_many();
	test_tvars_index();
	test_tvars_case();
	test_tvars_arena();
	test_threads(v);
	test_pathological(v);
	test_page_tmpl();
	test_inlinepage_tmpl();
	test_ikiwiki_templates();
	tvars_free(v);
	return tap_done();
}
