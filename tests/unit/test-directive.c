/* test-directive.c — the directive and wiki-link scanner, against what
 * ikiwiki's regexes do (cases marked "perl" were checked with them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "directive.h"
#include "md.h"
#include "tap.h"
#include "xalloc.h"

enum {
	F_DIRS = 1 << 0,
	F_LINKS = 1 << 1,
	F_LINES = 1 << 2,	/* show token and value lines */
	F_BOTH = F_DIRS | F_LINKS,
};

/* Bytes as themselves, but for \n \r \t and the unprintable as \xNN. */
static void
esc(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\r')
			buf_puts(b, "\\r");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, c);
	}
}

static void
render_tok(struct buf *out, const char *t, const struct dtok *tok,
	   unsigned flags)
{
	size_t i;

	if (flags & F_LINES)
		buf_printf(out, "%u:", tok->line);
	switch (tok->type) {
	case DTOK_TEXT:
		buf_puts(out, tok->problem ? "P\"" : "T\"");
		esc(out, t + tok->start, tok->end - tok->start);
		buf_putc(out, '"');
		break;
	case DTOK_ESCAPE:
		buf_puts(out, "E\"");
		esc(out, tok->lit, tok->litlen);
		buf_putc(out, '"');
		break;
	case DTOK_LINK:
		buf_puts(out, "L{");
		if (tok->text) {
			esc(out, tok->text, tok->textlen);
			buf_putc(out, '|');
		}
		esc(out, tok->target, tok->targetlen);
		if (tok->anchor) {
			buf_putc(out, '#');
			esc(out, tok->anchor, tok->anchorlen);
		}
		buf_putc(out, '}');
		break;
	case DTOK_DIRECTIVE:
		buf_puts(out, "D{");
		esc(out, tok->name, tok->namelen);
		for (i = 0; i < tok->nparams; i++) {
			const struct dparam *p = &tok->params[i];

			buf_putc(out, ';');
			if (p->key) {
				esc(out, p->key, p->keylen);
				buf_putc(out, '=');
			}
			esc(out, p->val, p->vallen);
			if (flags & F_LINES)
				buf_printf(out, "@%u", p->line);
		}
		buf_putc(out, '}');
		break;
	}
}

/* The token stream of t as a string; checks the invariants of the
 * contract on the way (tokens tile the text, values are terminated, a
 * text token follows another only to report a problem). */
static bool
render(struct buf *out, const char *t, size_t len, unsigned flags,
       const struct spans *skip)
{
	struct dscan *s = dscan_new(t, len, 1, skip, flags & F_DIRS,
				    flags & F_LINKS);
	struct dtok tok;
	size_t pos = 0, i;
	bool ok = true, prevtext = false;

	buf_reset(out);
	while (dscan_next(s, &tok)) {
		if (tok.start != pos || tok.end <= tok.start || tok.end > len)
			ok = false;
		if (tok.type == DTOK_TEXT && prevtext && !tok.problem)
			ok = false;
		for (i = 0; i < tok.nparams; i++)
			if (tok.params[i].val[tok.params[i].vallen] != '\0')
				ok = false;
		prevtext = tok.type == DTOK_TEXT;
		pos = tok.end;
		render_tok(out, t, &tok, flags);
	}
	dscan_free(s);
	return ok && pos == len;
}

struct tcase {
	const char *in;
	unsigned flags;
	const char *want;
};

static const struct tcase cases[] = {
	/* Plain text. */
	{ "", F_BOTH, "" },
	{ "plain text, [single] brackets, ]] and [[", F_BOTH,
	  "T\"plain text, [single] brackets, ]] and [[\"" },

	/* Real directives from ikiwiki's documentation and sites. */
	{ "[[!tag foo bar baz]]", F_BOTH, "D{tag;foo;bar;baz}" },
	{ "[[!inline pages=\"blog/* and !*/Discussion\" show=\"10\" rss=yes]]",
	  F_BOTH, "D{inline;pages=blog/* and !*/Discussion;show=10;rss=yes}" },
	{ "[[!template id=note text=\"\"\"Here's a [[link]] and \"quotes\".\"\"\"]]",
	  F_BOTH, "D{template;id=note;text=Here's a [[link]] and \"quotes\".}" },
	{ "[[!format perl \"\"\"\nprint \"hi\";\n\"\"\"]]", F_BOTH,
	  "D{format;perl;print \"hi\";}" },
	{ "[[!toggle id=\"x\" text=\"\"\"a]]b\"\"\"]]", F_BOTH,
	  "D{toggle;id=x;text=a]]b}" },
	{ "[[!table data=<<EOF\na,b\nc,d\nEOF]]", F_BOTH,
	  "D{table;data=a,b\\nc,d}" },
	{ "[[!meta author=\"Joey Hess\"]]\n[[!meta date=\"2008-01-01\"]]",
	  F_BOTH, "D{meta;author=Joey Hess}T\"\\n\"D{meta;date=2008-01-01}" },
	{ "[[!img pics/foo.png size=\"200x200\" alt=\"a cat\"]]", F_BOTH,
	  "D{img;pics/foo.png;size=200x200;alt=a cat}" },
	{ "[[!if test=\"enabled(tag)\" then=\"\"\"[[!tag x]]\"\"\" else=\"no\"]]",
	  F_BOTH, "D{if;test=enabled(tag);then=[[!tag x]];else=no}" },
	{ "[[!toc levels=2]] [[!toc ]] [[!toc\n]]", F_BOTH,
	  "D{toc;levels=2}T\" \"D{toc}T\" \"D{toc}" },
	{ "[[!foo-bar_baz9 x]]", F_BOTH, "D{foo-bar_baz9;x}" },

	/* "[^"]*?" stops at the first quote, and the second regex wants
	 * whitespace after a value, else it reads \S+ (perl). */
	{ "[[!meta title=\"Hello \\\"world\\\"\"]]", F_BOTH,
	  "D{meta;title=\"Hello;\\\"world\\\"\"}" },
	{ "[[!a k=\"x\"y]]", F_BOTH, "D{a;k=\"x\"y}" },
	{ "[[!a \"x\"\"y\"]]", F_BOTH, "D{a;\"x\"\"y\"}" },
	{ "[[!a x\"y\"]]", F_BOTH, "D{a;x\"y\"}" },
	{ "[[!a b=\"x]] c\" d]]", F_BOTH, "D{a;b=x]] c;d}" },
	{ "[[!a k=v\"]] \"]]", F_BOTH, "D{a;k=v\"]];\"}" },

	/* Value forms. */
	{ "[[!a k='''it's \"q\" ]]''' m]]", F_BOTH,
	  "D{a;k=it's \"q\" ]];m}" },
	{ "[[!a k='x y' 'z']]", F_BOTH, "D{a;k=x y;z}" },
	{ "[[!tag don't won't]]", F_BOTH, "D{tag;don't;won't}" },
	{ "[[!meta title='It's mine']]", F_BOTH,
	  "D{meta;title='It's;mine'}" },
	{ "[[!a \"\" '' \"\"\"\"\"\"]]", F_BOTH, "D{a;;;}" },
	{ "[[!a \"\"\"\"]]", F_BOTH, "D{a;\"\"\"\"}" },
	{ "[[!a \"\"\"a\"\"\"\"]]", F_BOTH, "D{a;a\"}" },
	{ "[[!a \"\"\"x\"\"\"y\"\"\"]]", F_BOTH, "D{a;x\"\"\"y}" },
	{ "[[!a \"\"\"\"\"]]", F_BOTH, "P\"[[!a \"\"\"\"\"]]\"" },

	/* """ loses CRLF and leading and trailing newlines, nothing else. */
	{ "[[!a k=\"\"\"\r\n\r\nx\r\ny\r\n\r\n\"\"\"]]", F_BOTH,
	  "D{a;k=x\\ny}" },
	{ "[[!a k=\"\"\" \nx\n \"\"\"]]", F_BOTH, "D{a;k= \\nx\\n }" },
	{ "[[!a k=\"\"\"\n\n\"\"\"]]", F_BOTH, "D{a;k=}" },
	{ "[[!a k=\"\"\"x\r\r\n\"\"\"]]", F_BOTH, "D{a;k=x\\r}" },
	{ "[[!a k='''\nx\n''']]", F_BOTH, "D{a;k=\\nx\\n}" },
	{ "[[!a k=\"\nx\n\"]]", F_BOTH, "D{a;k=\\nx\\n}" },

	/* Heredocs (perl). */
	{ "[[!template id=t text=<<OUTER\n[[!inline pages=<<INNER\nblog/*\n"
	  "INNER]]\nOUTER]]", F_BOTH,
	  "D{template;id=t;text=[[!inline pages=<<INNER\\nblog/*\\nINNER]]}" },
	{ "[[!a <<A\n<<B\nx\nB\nA]]", F_BOTH, "D{a;<<B\\nx\\nB}" },
	{ "[[!a x=<<A\ny\nA z=<<B\nw\nB]]", F_BOTH, "D{a;x=y;z=w}" },
	{ "[[!t <<EOF\n\nEOF]]", F_BOTH, "D{t;}" },
	{ "[[!t <<EOF\nx\nEOFX]]", F_BOTH, "D{t;<<EOF;x;EOFX}" },
	{ "[[!t <<EOF\nEOF]]", F_BOTH, "D{t;<<EOF;EOF}" },
	{ "[[!a <<A\nx\nA\"q\"]]", F_BOTH, "D{a;<<A;x;A\"q\"}" },
	{ "[[!a k=<<E\n\"\"\" ]] '''\nE m]]", F_BOTH,
	  "D{a;k=\"\"\" ]] ''';m}" },

	/* Keys, bare values, spacing. */
	{ "[[!a a.b-c=1 -x.=2 .=3]]", F_BOTH, "D{a;a.b-c=1;-x.=2;.=3}" },
	{ "[[!a =x ==y k==v]]", F_BOTH, "D{a;=x;==y;k==v}" },
	{ "[[!a k= v]]", F_BOTH, "D{a;k=;v}" },
	{ "[[!a\tb\r\nc\x0b" "d\x0c" "e ]]", F_BOTH, "D{a;b;c;d;e}" },
	{ "[[!a k=v]]]", F_BOTH, "D{a;k=v}T\"]\"" },
	{ "[[!x ]]]]", F_BOTH, "D{x}T\"]]\"" },

	/* Backtracking picks what Perl picks (perl). */
	{ "[[!a '''x]] y''']]", F_BOTH, "D{a;x]] y}" },
	{ "[[!a '''x]] y]]", F_BOTH, "D{a;'''x}T\" y]]\"" },
	{ "[[!a \"\"\"x [[!b c]]", F_BOTH, "P\"[[!a \"\"\"x \"D{b;c}" },
	{ "[[!a b] c]]", F_BOTH, "P\"[[!a b] c]]\"" },
	{ "[[!a \"b]]", F_BOTH, "P\"[[!a \"b]]\"" },

	/* The plain first descent (one way to end each value) and where it
	 * hands over to the full search: a ' or < in a bare value, a
	 * state a failed search tried, no "]]". */
	{ "[[!a x=1 y<z w]]", F_BOTH, "D{a;x=1;y<z;w}" },
	{ "[[!a k=\"v\" it's]]", F_BOTH, "D{a;k=v;it's}" },
	{ "[[!a x=y z=]] [[!b k=\"w\" ]]", F_BOTH, "D{a;x=y;z=}T\" \"D{b;k=w}" },
	{ "[[!a \"b [[!c d]] e", F_BOTH, "P\"[[!a \"b \"D{c;d}T\" e\"" },
	{ "[[!a b] [[!c d]]", F_BOTH, "P\"[[!a b] \"D{c;d}" },
	{ "[[!a k=\"\" \"\" l=m=n]]", F_BOTH, "D{a;k=;;l=m=n}" },
	{ "[[!a k=v\"w\"]]", F_BOTH, "D{a;k=v\"w\"}" },
	{ "text [[!a b]]", F_BOTH, "T\"text \"D{a;b}" },
	{ "[[!a b", F_BOTH, "P\"[[!a b\"" },
	{ "[[!a b]", F_BOTH, "P\"[[!a b]\"" },
	{ "[[!a b c]][[!d \"e\"]]", F_BOTH, "D{a;b;c}D{d;e}" },

	/* Not directives. */
	{ "[[!tag\"x\"]]", F_BOTH, "P\"[[!tag\"x\"]]\"" },
	{ "[[! x]] [[!]]", F_BOTH, "P\"[[! x]] \"P\"[[!]]\"" },
	{ "[[!inline pages=\"foo", F_BOTH, "P\"[[!inline pages=\"foo\"" },
	{ "[[!a \"x [[!b \"y", F_BOTH, "P\"[[!a \"x \"P\"[[!b \"y\"" },
	{ "[[!a\n", F_BOTH, "P\"[[!a\\n\"" },
	{ "[[!", F_BOTH, "P\"[[!\"" },
	{ "[[!a]", F_BOTH, "P\"[[!a]\"" },

	/* Escapes. */
	{ "\\[[!foo bar]]", F_BOTH, "E\"[[!foo bar]]\"" },
	{ "\\[[x]] \\[[a|b#c]]", F_BOTH, "E\"[[x]]\"T\" \"E\"[[a|b#c]]\"" },
	{ "\\\\[[!x]]", F_BOTH, "T\"\\\"E\"[[!x]]\"" },
	{ "\\[[!x", F_BOTH, "T\"\\\"P\"[[!x\"" },
	{ "a\\[[!toc ]]b", F_BOTH, "T\"a\"E\"[[!toc ]]\"T\"b\"" },
	{ "\\[[ x\n]]", F_BOTH, "T\"\\[[ x\\n]]\"" },

	/* Links. */
	{ "[[page]] [[text|page]] [[page#anchor]] [[text|page#anchor]]", F_BOTH,
	  "L{page}T\" \"L{text|page}T\" \"L{page#anchor}T\" \"L{text|page#anchor}" },
	{ "see [[a page with spaces]].", F_BOTH,
	  "T\"see \"L{a page with spaces}T\".\"" },
	{ "[[multi\nline text|target]]", F_BOTH, "L{multi\\nline text|target}" },
	{ "[[target\nnewline]] [[a|b\nc]] [[a\rb]]", F_BOTH,
	  "T\"[[target\\nnewline]] [[a|b\\nc]] [[a\\rb]]\"" },
	{ "[[|foo]] [[a|]] [[a|#x]] [[a|b|c]]", F_BOTH,
	  "L{|foo}T\" \"L{a|}T\" \"L{a|#x}T\" \"L{a|b|c}" },
	{ "[[a#b c]] [[a#]] [[#a]] [[]]", F_BOTH,
	  "T\"[[a#b c]] [[a#]] [[#a]] [[]]\"" },
	{ "[[ ]] [[a#b#c]] [[x|y#z\tw]]", F_BOTH,
	  "L{ }T\" \"L{a#b#c}T\" [[x|y#z\\tw]]\"" },
	{ "[[[[x]]]]", F_BOTH, "L{[[x}T\"]]\"" },
	{ "[[a]b]]", F_BOTH, "T\"[[a]b]]\"" },

	/* The searches for ']', '|' and quotes remember their answer from
	 * one token to the next, and stop at the end of the text. */
	{ "[[a]] [[b|c]] [[d|e#f]] [[g]]", F_BOTH,
	  "L{a}T\" \"L{b|c}T\" \"L{d|e#f}T\" \"L{g}" },
	{ "[[a]] x|y [[b]]", F_BOTH, "L{a}T\" x|y \"L{b}" },
	{ "x [[a|b", F_BOTH, "T\"x [[a|b\"" },
	{ "x [[a|b]", F_BOTH, "T\"x [[a|b]\"" },
	{ "x [[a", F_BOTH, "T\"x [[a\"" },
	{ "[[a|b]]", F_BOTH, "L{a|b}" },
	{ "[[!a x=\"1\" y=\"2\" 'z' w='v']]", F_BOTH,
	  "D{a;x=1;y=2;z;w=v}" },
	{ "x [[!a k=\"v\"]]", F_BOTH, "T\"x \"D{a;k=v}" },
	{ "[[!a k=\"v", F_BOTH, "P\"[[!a k=\"v\"" },
	{ "[[!a k='v", F_BOTH, "P\"[[!a k='v\"" },
	{ "[[!a k=\"", F_BOTH, "P\"[[!a k=\"\"" },

	/* A link does not swallow a directive: ikiwiki expands directives
	 * before it looks for links. */
	{ "[[a [[!b]] c]]", F_BOTH, "T\"[[a \"D{b}T\" c]]\"" },
	{ "[[[!x]]", F_BOTH, "T\"[\"D{x}" },
	{ "[[a|[[!b c=\"]]\"]]", F_BOTH, "T\"[[a|\"D{b;c=]]}" },
	{ "[[a [[!b \"c]]", F_BOTH, "L{a [[!b \"c}" },
	{ "[[a [[!b]] c]]", F_LINKS, "L{a [[!b}T\" c]]\"" },

	/* One kind only. */
	{ "[[!tag a]] [[link]] \\[[!x]] \\[[y]]", F_LINKS,
	  "T\"[[!tag a]] \"L{link}T\" \\[[!x]] \"E\"[[y]]\"" },
	{ "[[!tag a]] [[link]] \\[[!x]] \\[[y]]", F_DIRS,
	  "D{tag;a}T\" [[link]] \"E\"[[!x]]\"T\" \\[[y]]\"" },
	{ "[[!a \"x [[link]]", F_LINKS, "T\"[[!a \"x \"L{link}" },
	{ "[[!tag a]] [[b]]", 0, "T\"[[!tag a]] [[b]]\"" },

	/* Lines: of the token, and of each value's first byte. */
	{ "[[!comment format=mdwn\n username=\"x\"\n subject=\"hi\"\n"
	  " date=\"2011-01-29T18:17:40Z\"\n content=\"\"\"\nline\n\"\"\"]]",
	  F_BOTH | F_LINES,
	  "1:D{comment;format=mdwn@1;username=x@2;subject=hi@3;"
	  "date=2011-01-29T18:17:40Z@4;content=line@6}" },
	{ "a\n[[!b\nc=d\n  e]]\nf [[g]]\n\\[[h]]", F_BOTH | F_LINES,
	  "1:T\"a\\n\"2:D{b;c=d@3;e@4}4:T\"\\nf \"5:L{g}5:T\"\\n\"6:E\"[[h]]\"" },
	{ "ok\n[[!a\n\"x\nmore\n[[!b", F_BOTH | F_LINES,
	  "1:T\"ok\\n\"2:P\"[[!a\\n\"x\\nmore\\n\"5:P\"[[!b\"" },
	{ "[[!a k=\"\"\"\r\n\r\nx\"\"\" m=<<E\n\ny\nE]]", F_BOTH | F_LINES,
	  "1:D{a;k=x@3;m=\\ny@4}" },
};

static void
test_cases(void)
{
	struct buf out = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		bool ok = render(&out, c->in, strlen(c->in), c->flags, NULL);

		tap_ok(ok, "tokens tile the text: case %zu", i);
		tap_is(out.data, c->want, "case %zu", i);
	}
	buf_release(&out);
}

/* Enough parameters, and long enough values, that the parameter array
 * and the arena holding the values both grow while they are read. */
static void
test_many_params(void)
{
	struct buf in = BUF_INIT, want = BUF_INIT, out = BUF_INIT;
	size_t i;

	buf_puts(&in, "[[!a");
	buf_puts(&want, "D{a");
	for (i = 0; i < 40; i++) {
		buf_printf(&in, " k%zu=\"%0*zu\"", i, (int)(10 + 7 * i), i);
		buf_printf(&want, ";k%zu=%0*zu", i, (int)(10 + 7 * i), i);
		if (i % 5 == 0) {
			buf_printf(&in, " \"\"\"\n%zu\n\"\"\"", i);
			buf_printf(&want, ";%zu", i);
		}
	}
	buf_puts(&in, "]]");
	buf_putc(&want, '}');
	tap_ok(render(&out, in.data, in.len, F_BOTH, NULL),
	       "many parameters: tokens tile the text");
	tap_is(out.data, want.data, "many parameters: values");
	buf_release(&in);
	buf_release(&want);
	buf_release(&out);
}

static void
test_bytes(void)
{
	static const char in[] = "a\xff\xfe[[!t v\xc3\x28 \0k=\"\0\"]]\0[[l\0x]]\x80";
	struct buf out = BUF_INIT;

	render(&out, in, sizeof(in) - 1, F_BOTH, NULL);
	tap_is(out.data, "T\"a\\xff\\xfe\"D{t;v\\xc3(;\\x00k=\"\\x00\"}T\"\\x00\"L{l\\x00x}T\"\\x80\"",
	       "invalid UTF-8 and NUL bytes pass through");
	buf_release(&out);
}

static void
spans_add(struct spans *sp, const char *t, const char *from, const char *to)
{
	const char *a = strstr(t, from), *b = strstr(a + 1, to);

	sp->v = xgrow(sp->v, &sp->cap, sp->n + 1, sizeof(*sp->v));
	sp->v[sp->n].start = (size_t)(a - t);
	sp->v[sp->n].end = (size_t)(b - t) + strlen(to);
	sp->n++;
}

static void
skip_case(const char *t, const char *from, const char *to, const char *from2,
	  const char *to2, const char *want)
{
	struct spans sp = { NULL, 0, 0 };
	struct buf out = BUF_INIT;
	bool ok;

	spans_add(&sp, t, from, to);
	if (from2)
		spans_add(&sp, t, from2, to2);
	ok = render(&out, t, strlen(t), F_BOTH, &sp);
	tap_ok(ok, "skip spans: tokens tile the text");
	tap_is(out.data, want, "skip spans: %s", want);
	buf_release(&out);
	free(sp.v);
}

static void
test_skip(void)
{
	skip_case("`[[!x]]` [[!y]]", "`", "`", NULL, NULL, "T\"`[[!x]]` \"D{y}");
	skip_case("a `[[l]]` \\`[[m]]` [[n]]", "`[[l", "`", "`[[m", "`",
		  "T\"a `[[l]]` \\`[[m]]` \"L{n}");
	skip_case("[[!meta title=\"a `b` c\"]]", "`", "`", NULL, NULL,
		  "D{meta;title=a `b` c}");
	skip_case("[[a `b` c]]", "`", "`", NULL, NULL, "L{a `b` c}");
	skip_case("\\[[!x]] x\n    [[!y]]\n[[!z\n", "    ", "\n", NULL, NULL,
		  "E\"[[!x]]\"T\" x\\n    [[!y]]\\n\"P\"[[!z\\n\"");
	skip_case("x [[!a `\"` \"]]", "`", "`", NULL, NULL, "T\"x \"D{a;`\"`;\"}");
	skip_case("[[a [[!b]] `[[!c]]` d]]", "`", "`", NULL, NULL,
		  "T\"[[a \"D{b}T\" `[[!c]]` d]]\"");
	skip_case("[[a `[[!c]]` d]]", "`", "`", NULL, NULL, "L{a `[[!c}T\"` d]]\"");
}

static void
test_api(void)
{
	static const char t[] = "x\n[[!inline pages=\"a\" show=10 raw pages=b]]\n[[!a\n";
	struct dscan *s = dscan_new(t, sizeof(t) - 1, 10, NULL, true, true);
	const struct dparam *p;
	struct dtok tok;

	tap_ok(dscan_next(s, &tok) && tok.type == DTOK_TEXT && tok.line == 10 &&
	       !tok.problem, "text first, at first_line");
	tap_ok(dscan_next(s, &tok) && tok.type == DTOK_DIRECTIVE &&
	       tok.line == 11 && tok.nparams == 4, "then the directive");
	p = dtok_param(&tok, "pages");
	tap_ok(p && p->vallen == 1 && strcmp(p->val, "a") == 0 &&
	       p->line == 11, "dtok_param finds the first pages");
	p = dtok_param(&tok, "show");
	tap_ok(p && strcmp(p->val, "10") == 0, "dtok_param show");
	tap_ok(dtok_param(&tok, "raw") == NULL, "a bare value has no key");
	tap_ok(dtok_param(&tok, "pag") == NULL, "keys match whole");
	tap_ok(tok.params[2].key == NULL && strcmp(tok.params[2].val, "raw") == 0,
	       "bare value");
	tap_ok(dscan_next(s, &tok) && tok.type == DTOK_TEXT && !tok.problem &&
	       tok.end - tok.start == 1, "newline");
	tap_ok(dscan_next(s, &tok) && tok.type == DTOK_TEXT && tok.problem &&
	       tok.line == 12, "the problem at its own line");
	tap_is(tok.problem, "unterminated directive [[!a", "problem message");
	tap_ok(!dscan_next(s, &tok) && !dscan_next(s, &tok), "then the end, twice");
	dscan_free(s);
	dscan_free(NULL);
}

static void
problem_is(const char *t, const char *want)
{
	struct dscan *s = dscan_new(t, strlen(t), 1, NULL, true, true);
	struct dtok tok;
	const char *got = NULL;

	while (dscan_next(s, &tok))
		if (tok.problem && !got)
			got = xstrdup(tok.problem);
	tap_is(got, want, "problem in %s", t);
	free((char *)got);
	dscan_free(s);
}

static void
test_problems(void)
{
	problem_is("a [[!inline pages=\"x", "unterminated directive [[!inline");
	problem_is("[[! x]]", "\"[[!\" without a directive name");
	problem_is("[[!tag\"x\"]]",
		   "malformed directive [[!tag: a space must follow the name");
	problem_is("[[!tag]", "unterminated directive [[!tag");
	problem_is("[[a|b]] [[x]]", NULL);
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* pre, then unit up to total bytes, then post. */
static char *
repeat(const char *pre, const char *unit, size_t total, const char *post,
       size_t *len)
{
	size_t pl = strlen(pre), ul = strlen(unit), ql = strlen(post), n;
	char *t = xmalloc(pl + total + ul + ql + 1);

	memcpy(t, pre, pl);
	for (n = pl; n < pl + total; n += ul)
		memcpy(t + n, unit, ul);
	memcpy(t + n, post, ql + 1);
	*len = n + ql;
	return t;
}

/* Scans t in both modes, under 2 s of CPU even with sanitizers; a
 * quadratic scan of these sizes would take hours. */
static void
timed(const char *name, char *t, size_t len, size_t wantdirs)
{
	struct dscan *s;
	struct dtok tok;
	size_t ndirs = 0;
	double t0 = cpu_now(), dt;

	s = dscan_new(t, len, 1, NULL, true, true);
	while (dscan_next(s, &tok))
		ndirs += tok.type == DTOK_DIRECTIVE;
	dscan_free(s);
	s = dscan_new(t, len, 1, NULL, true, false);
	while (dscan_next(s, &tok))
		;
	dscan_free(s);
	dt = cpu_now() - t0;
	tap_ok(dt < 2.0 && ndirs == wantdirs,
	       "%s: %zu bytes in %.3f s, %zu directives", name, len, dt, ndirs);
	free(t);
}

static void
test_pathological(void)
{
	size_t big = (size_t)20 << 20, mid = (size_t)1 << 20, len, i;
	char *t;

	t = repeat("", "The quick brown fox [jumps] over the lazy dog.\n", big,
		   "", &len);
	timed("20 MB of text", t, len, 0);
	t = repeat("", "[[", big, "", &len);
	timed("\"[[\" 10 million times", t, len, 0);
	t = repeat("", "\\[[", big, "", &len);
	timed("\"\\[[\" repeated", t, len, 0);
	t = xmalloc(40004);
	for (i = 0; i < 20000; i++) {
		t[i] = '[';
		t[20001 + i] = ']';
	}
	t[20000] = 'x';
	t[40001] = '\0';
	timed("20,000 nested brackets", t, 40001, 0);
	t = repeat("", "[[!a \"\"\"", mid, "", &len);
	timed("\"[[!a \\\"\\\"\\\"\" repeated", t, len, 0);
	t = repeat("", "[[!a '''", mid, "", &len);
	timed("\"[[!a '''\" repeated", t, len, 0);
	t = repeat("", "[[!a b=", mid, "", &len);
	timed("\"[[!a b=\" repeated", t, len, 0);
	t = repeat("", "[[!a <<E\n", mid, "", &len);
	timed("unterminated heredocs", t, len, 0);
	t = repeat("[[!a ", "<<E\nx\n", mid, "]]", &len);
	timed("one heredoc start, no terminator", t, len, 1);
	t = repeat("[[!a ", "\"\"\"x\"\"\" ", mid, "", &len);
	timed("\"\"\"x\"\"\" without ]]", t, len, 0);
	t = repeat("[[!a ", "a", mid, "", &len);
	timed("a long bare value without ]]", t, len, 0);
	t = repeat("[[!a ", "'a", mid, "", &len);
	timed("'a repeated without ]]", t, len, 0);
	t = repeat("[[!a ", "don't ", mid, "", &len);
	timed("don't repeated without ]]", t, len, 0);
	t = repeat("[[!a ", "x\" ", mid, "", &len);
	timed("x\" repeated", t, len, 0);
	t = repeat("", "[[a|", mid, "", &len);
	timed("[[a| repeated", t, len, 0);
	t = repeat("", "[[a#b", mid, "]]", &len);
	timed("[[a#b repeated", t, len, 0);
	t = repeat("", "[[x [[!a ", mid, "", &len);
	timed("[[x [[!a repeated", t, len, 0);
	t = repeat("", "[[!a b]] ", mid, "", &len);
	timed("many directives", t, len, len / 9);
	t = repeat("[[!a ", "b ", mid, "]]", &len);
	timed("one directive, a million parameters", t, len, 1);

	/* Distinct heredoc IDs each search afresh, within a budget. */
	t = xmalloc(mid + 16);
	memcpy(t, "[[!a ", 5);
	for (len = 5, i = 0; len < mid; i++) {
		char id[5];
		size_t k, x = i;

		for (k = 0; k < 4; k++, x /= 26)
			id[k] = (char)('a' + x % 26);
		id[4] = '\0';
		len += (size_t)sprintf(t + len, "<<%s\n", id);
	}
	timed("distinct heredoc IDs", t, len, 0);
}

/* A directive that needs more than a million pending choices is given
 * up: reported once, and no directive is read after it (links are). */
static void
test_giveup(void)
{
	size_t len;
	char *t = repeat("[[!a ", "a' ", (size_t)3 << 20, "]] [[!ok]] [[l]]",
			 &len);
	struct dscan *s = dscan_new(t, len, 1, NULL, true, true);
	struct dtok tok;
	double t0 = cpu_now();

	tap_ok(dscan_next(s, &tok) && tok.type == DTOK_TEXT && tok.problem &&
	       tok.end == len - 5, "too complex: text up to the link");
	tap_is(tok.problem, "directive [[!a is too complex: no directives are "
	       "read after it", "too complex: the problem");
	tap_ok(dscan_next(s, &tok) && tok.type == DTOK_LINK &&
	       !dscan_next(s, &tok), "too complex: links are still read");
	tap_ok(cpu_now() - t0 < 2.0, "too complex: in %.3f s", cpu_now() - t0);
	dscan_free(s);
	free(t);
}

int
main(void)
{
	test_cases();
	test_many_params();
	test_bytes();
	test_skip();
	test_api();
	test_problems();
	test_pathological();
	test_giveup();
	return tap_done();
}
