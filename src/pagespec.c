/* pagespec.c — ikiwiki's PageSpecs and sort specs: compiled to a tree,
 * matched with ikiwiki's influences, narrowed by a per-site index. */

/*
 * Deliberate deviations from ikiwiki (IkiWiki.pm, meta.pm, tag.pm,
 * conditional.pm, comments.pm), each tested in fixtures/pagespec/cases.txt:
 * - Sort ties are broken by page name, and reverse reverses the whole
 *   order; without a sort, the order is by name (reverse applies too).
 * - An unknown function, a non-numeric creation_*() argument and "()" are
 *   compile errors; ikiwiki fails when matching, or not at all.
 * - created_before/after() of a missing page, user(), admin(), ip() do not
 *   match rather than fail; meta_title without a parameter is meta(title).
 * - sourcepage(), destpage() and included() use the location when no
 *   source or destination page is given.
 * - Case folding is ASCII; Perl's \w is taken to hold every non-ASCII byte;
 *   strings compare by bytes (Perl's cmp without a locale).
 * - Lists leave untested the pages the index shows cannot match; of their
 *   influences, which could not change the result, only the pages that
 *   backlink() and created_*() name are reported (always, when the index
 *   narrowed the list). Internal pages are candidates only when the spec
 *   names internal(, comment( or comment_pending(.
 */
#include "pagespec.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "pagename.h"
#include "site.h"
#include "xalloc.h"

#define MAX_DEPTH 100		/* nesting of parentheses in a spec */

/* ---- characters and strings ---- */

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Perl's \w, with every non-ASCII byte taken for a letter. */
static bool
is_word(int c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool
is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static char *
lower_dup(const char *s)
{
	char *l = xstrdup(s);
	char *q;

	for (q = l; *q; q++)
		*q = (char)lc((unsigned char)*q);
	return l;
}

/* The length of the UTF-8 character at s (at most n bytes), as Perl's '.'
 * sees a decoded string: a lead byte and its continuation bytes. */
static size_t
char_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	size_t i;

	for (i = 1; i < want && i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			break;
	return i;
}

/* ikiwiki's derel(): "./x" is x beside from, "." is from itself. */
static char *
derel(const char *path, const char *from)
{
	size_t dir;

	if (path[0] != '.' || (path[1] != '/' && path[1] != '\0'))
		return xstrdup(path);
	if (path[1] == '\0')
		return xstrdup(from);
	/* from =~ s#/?[^/]+$## */
	dir = strlen(from);
	if (dir && from[dir - 1] != '/') {
		while (dir && from[dir - 1] != '/')
			dir--;
		if (dir)
			dir--;
	}
	if (!dir)
		return xstrdup(path + 2);
	return xasprintf("%.*s/%s", (int)dir, from, path + 2);
}

/* Whether the first n bytes of text can end as pat does: what follows
 * pat's last '*', when it has no '?', must end the text. Most names fail
 * there, not after glob_match has tried each start in them (a
 * "Discussion" excluded in every archive's PageSpec). */
static bool
tail_fits(const char *pat, const char *text, size_t n)
{
	const char *last = strrchr(pat, '*');
	size_t k, from;

	if (!last || strchr(last + 1, '?'))
		return true;
	k = strlen(last + 1);
	if (k > n)
		return false;
	for (from = n - k; k; k--)
		if (lc((unsigned char)text[from + k - 1]) != last[k])
			return false;
	return true;
}

/*
 * Whether text matches the glob pat (already lower-cased), as the regex of
 * ikiwiki's glob2re: anchored, ASCII case folded, '*' any run and '?' one
 * character, neither crossing a newline, and a final newline ignored as
 * Perl's '$' does. Greedy with one backtrack point: O(len(pat) * len(text)).
 */
static bool
glob_match(const char *pat, const char *text)
{
	size_t n = strlen(text), t = 0, st = 0;
	const char *p = pat, *star = NULL;

	if (n && text[n - 1] == '\n')
		n--;
	if (!tail_fits(pat, text, n))
		return false;
	while (t < n) {
		if (*p == '*') {
			star = ++p;
			st = t;
			if (!*p)	/* a last '*' takes the rest of a line */
				return !memchr(text + t, '\n', n - t);
		} else if (*p == '?' && text[t] != '\n') {
			t += char_len(text + t, n - t);
			p++;
		} else if (*p && *p != '?' && lc((unsigned char)text[t]) == *p) {
			t++;
			p++;
		} else if (star && text[st] != '\n') {
			st += char_len(text + st, n - st);
			t = st;
			p = star;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* The length of pat before its first wildcard. */
static size_t
glob_prefix(const char *pat)
{
	return strcspn(pat, "*?");
}

/* ---- the compiled tree ---- */

enum op { N_TERM, N_NOT, N_AND, N_OR };

enum fn {
	F_GLOB, F_PAGE, F_INTERNAL, F_LINK, F_BACKLINK, F_TAGGED,
	F_CREATED_BEFORE, F_CREATED_AFTER, F_CREATION_DAY, F_CREATION_MONTH,
	F_CREATION_YEAR, F_META, F_ENABLED, F_SOURCEPAGE, F_DESTPAGE,
	F_INCLUDED, F_COMMENT, F_COMMENT_PENDING, F_NEVER,
};

static const struct {
	const char *name;
	enum fn fn;
	const char *what;	/* creation_*: the word in "invalid day x"; meta: the field */
} functions[] = {
	{ "glob", F_GLOB, NULL },
	{ "page", F_PAGE, NULL },
	{ "internal", F_INTERNAL, NULL },
	{ "link", F_LINK, NULL },
	{ "backlink", F_BACKLINK, NULL },
	{ "tagged", F_TAGGED, NULL },
	{ "created_before", F_CREATED_BEFORE, NULL },
	{ "created_after", F_CREATED_AFTER, NULL },
	{ "creation_day", F_CREATION_DAY, "day" },
	{ "creation_month", F_CREATION_MONTH, "month" },
	{ "creation_year", F_CREATION_YEAR, "year" },
	{ "title", F_META, "title" },
	{ "author", F_META, "author" },
	{ "authorurl", F_META, "authorurl" },
	{ "license", F_META, "license" },
	{ "copyright", F_META, "copyright" },
	{ "guid", F_META, "guid" },
	{ "enabled", F_ENABLED, NULL },
	{ "sourcepage", F_SOURCEPAGE, NULL },
	{ "destpage", F_DESTPAGE, NULL },
	{ "included", F_INCLUDED, NULL },
	{ "comment", F_COMMENT, NULL },
	{ "comment_pending", F_COMMENT_PENDING, NULL },
	{ "user", F_NEVER, NULL },
	{ "admin", F_NEVER, NULL },
	{ "ip", F_NEVER, NULL },
	{ "postcomment", F_NEVER, NULL },
};

struct node {
	enum op op;
	enum fn fn;
	const char *what;	/* F_META: the field */
	size_t first, count;	/* N_AND, N_OR: kids[first..first+count); N_NOT: kids[first] */
	char *arg;
	long num;		/* creation_*: the number; -1 never matches */
};

struct pagespec {
	struct node *nodes;
	size_t n, cap;
	size_t *kids;
	size_t nkids, capkids;
	long root;		/* -1: the empty spec */
	bool internal;		/* it names internal(, comment( or comment_pending( */
};

/* ---- the tokenizer: exactly pagespec_translate's regex ---- */

enum tok { T_END, T_NOT, T_LP, T_RP, T_AND, T_OR, T_GLOB, T_FUNC };

struct parser {
	struct pagespec *ps;
	const char *spec;
	const char *pos;
	enum tok tok;
	const char *tp;		/* the token's text */
	size_t tn;
	struct buf *err;
};

/* Length of \w+\([^\)]*\) at s, or 0. */
static size_t
func_len(const char *s)
{
	size_t i = 0;
	const char *close;

	while (is_word(s[i]))
		i++;
	if (!i || s[i] != '(')
		return 0;
	close = strchr(s + i, ')');
	return close ? (size_t)(close - s) + 1 : 0;
}

static void
next_token(struct parser *p)
{
	const char *s = p->pos;
	size_t n;

	while (is_space(*s))
		s++;
	p->tp = s;
	p->tn = 1;
	if (!*s) {
		p->tok = T_END;
		p->tn = 0;
	} else if (*s == '!' || *s == '(' || *s == ')') {
		p->tok = *s == '!' ? T_NOT : *s == '(' ? T_LP : T_RP;
	} else if ((n = func_len(s))) {
		p->tok = T_FUNC;
		p->tn = n;
		/* ^(\w+)\((.*)\)$ fails on a newline: the word is a glob */
		if (memchr(s, '\n', n))
			p->tok = T_GLOB;
	} else {
		for (n = 0; s[n] && !is_space(s[n]) &&
		     s[n] != '(' && s[n] != ')'; n++)
			;
		p->tn = n;
		p->tok = T_GLOB;
		if (n == 3 && lc(s[0]) == 'a' && lc(s[1]) == 'n' && lc(s[2]) == 'd')
			p->tok = T_AND;
		else if (n == 2 && lc(s[0]) == 'o' && lc(s[1]) == 'r')
			p->tok = T_OR;
	}
	p->pos = s + p->tn;
}

static int
syntax_error(struct parser *p, const char *what)
{
	if (p->err)
		buf_printf(p->err, "syntax error in pagespec \"%s\": %s",
			   p->spec, what);
	return -1;
}

static int
syntax_error_at(struct parser *p, const char *what)
{
	if (p->err) {
		if (p->tok == T_END)
			buf_printf(p->err, "syntax error in pagespec \"%s\": %s at the end",
				   p->spec, what);
		else
			buf_printf(p->err, "syntax error in pagespec \"%s\": %s before \"%.*s\"",
				   p->spec, what, (int)p->tn, p->tp);
	}
	return -1;
}

static long
new_node(struct pagespec *ps, enum op op)
{
	struct node *nd;

	ps->nodes = xgrow(ps->nodes, &ps->cap, ps->n + 1, sizeof(*ps->nodes));
	nd = &ps->nodes[ps->n];
	memset(nd, 0, sizeof(*nd));
	nd->op = op;
	return (long)ps->n++;
}

/* A creation_* argument: /^\d+$/; too large a number never matches. */
static int
parse_number(struct parser *p, struct node *nd, const char *what)
{
	const char *a = nd->arg;
	long v = 0;

	if (!*a || strspn(a, "0123456789") != strlen(a)) {
		if (p->err)
			buf_printf(p->err, "invalid %s %s in pagespec \"%s\"",
				   what, a, p->spec);
		return -1;
	}
	for (; *a; a++) {
		if (v > 100000000) {
			v = -1;
			break;
		}
		v = v * 10 + (*a - '0');
	}
	nd->num = v;
	return 0;
}

static long
parse_func(struct parser *p)
{
	size_t nlen = (size_t)(strchr(p->tp, '(') - p->tp);
	const char *args = p->tp + nlen + 1;
	size_t alen = p->tn - nlen - 2;
	size_t i;
	long id;
	struct node *nd;

	for (i = 0; i < sizeof(functions) / sizeof(*functions); i++)
		if (strlen(functions[i].name) == nlen &&
		    memcmp(functions[i].name, p->tp, nlen) == 0)
			break;
	if (i == sizeof(functions) / sizeof(*functions)) {
		if (p->err)
			buf_printf(p->err, "unknown function in pagespec \"%.*s\"",
				   (int)p->tn, p->tp);
		return -1;
	}
	id = new_node(p->ps, N_TERM);
	nd = &p->ps->nodes[id];
	nd->fn = functions[i].fn;
	nd->what = functions[i].what;
	nd->arg = xstrndup(args, alen);
	if ((nd->fn == F_CREATION_DAY || nd->fn == F_CREATION_MONTH ||
	     nd->fn == F_CREATION_YEAR) && parse_number(p, nd, nd->what) < 0)
		return -1;
	return id;
}

static long parse_or(struct parser *p, int depth);

static long
parse_primary(struct parser *p, int depth)
{
	long id;

	switch (p->tok) {
	case T_LP:
		if (depth >= MAX_DEPTH)
			return syntax_error(p, "parentheses nested too deeply");
		next_token(p);
		if (p->tok == T_RP)
			return syntax_error(p, "empty parentheses");
		if ((id = parse_or(p, depth + 1)) < 0)
			return -1;
		if (p->tok != T_RP)
			return syntax_error_at(p, "missing \")\"");
		next_token(p);
		return id;
	case T_GLOB:
		id = new_node(p->ps, N_TERM);
		p->ps->nodes[id].fn = F_GLOB;
		p->ps->nodes[id].arg = xstrndup(p->tp, p->tn);
		next_token(p);
		return id;
	case T_FUNC:
		if ((id = parse_func(p)) < 0)
			return -1;
		next_token(p);
		return id;
	case T_RP:
		return syntax_error_at(p, "a term expected, not \")\"");
	case T_AND:
	case T_OR:
		return syntax_error_at(p, "an operand expected");
	default:
		return syntax_error_at(p, "a term expected");
	}
}

/* '!' chains fold into one negation or none. */
static long
parse_unary(struct parser *p, int depth)
{
	bool neg = false;
	long id, child;

	while (p->tok == T_NOT) {
		neg = !neg;
		next_token(p);
	}
	if ((child = parse_primary(p, depth)) < 0 || !neg)
		return child;
	id = new_node(p->ps, N_NOT);
	p->ps->nodes[id].first = (size_t)child;
	return id;
}

/* "a OP b OP c" as one n-ary node, so long chains do not deepen the
 * recursion; "or" binds looser than "and". */
static long
parse_binary(struct parser *p, int depth, bool or)
{
	struct pagespec *ps = p->ps;
	size_t *tmp = NULL, n = 0, cap = 0, i;
	long id = -1, child;

	for (;;) {
		child = or ? parse_binary(p, depth, false) : parse_unary(p, depth);
		if (child < 0)
			goto out;
		tmp = xgrow(tmp, &cap, n + 1, sizeof(*tmp));
		tmp[n++] = (size_t)child;
		if (p->tok != (or ? T_OR : T_AND))
			break;
		next_token(p);
	}
	if (n == 1) {
		id = (long)tmp[0];
		goto out;
	}
	id = new_node(ps, or ? N_OR : N_AND);
	ps->kids = xgrow(ps->kids, &ps->capkids, ps->nkids + n, sizeof(*ps->kids));
	ps->nodes[id].first = ps->nkids;
	ps->nodes[id].count = n;
	for (i = 0; i < n; i++)
		ps->kids[ps->nkids++] = tmp[i];
out:
	free(tmp);
	return id;
}

static long
parse_or(struct parser *p, int depth)
{
	return parse_binary(p, depth, true);
}

struct pagespec *
pagespec_compile(const char *spec, struct buf *err)
{
	struct pagespec *ps = xcalloc(1, sizeof(*ps));
	struct parser p = { ps, spec ? spec : "", NULL, T_END, NULL, 0, err };

	p.pos = p.spec;
	ps->root = -1;
	ps->internal = strstr(p.spec, "internal(") || strstr(p.spec, "comment(") ||
		       strstr(p.spec, "comment_pending(");
	next_token(&p);
	if (p.tok == T_END)
		return ps;
	if ((ps->root = parse_or(&p, 0)) < 0)
		goto fail;
	if (p.tok == T_RP) {
		syntax_error(&p, "unbalanced \")\"");
		goto fail;
	}
	if (p.tok != T_END) {
		syntax_error_at(&p, "two terms without \"and\" or \"or\"");
		goto fail;
	}
	return ps;
fail:
	pagespec_free(ps);
	return NULL;
}

bool
pagespec_reads_pages(const struct pagespec *ps)
{
	size_t i;

	for (i = 0; ps && i < ps->n; i++)
		if (ps->nodes[i].op == N_TERM &&
		    (ps->nodes[i].fn == F_SOURCEPAGE || ps->nodes[i].fn == F_DESTPAGE ||
		     ps->nodes[i].fn == F_INCLUDED))
			return true;
	return false;
}

void
pagespec_free(struct pagespec *ps)
{
	size_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->n; i++)
		free(ps->nodes[i].arg);
	free(ps->nodes);
	free(ps->kids);
	free(ps);
}

bool
pagespec_is_simple(const char *spec)
{
	const unsigned char *s = (const unsigned char *)spec;

	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum(*s) && *s < 0x80 && !strchr("-+/.:_", *s))
			return false;
	return true;
}

/* ---- sort specs (sortspec_translate, cmp_*) ---- */

enum skind { S_AGE, S_MTIME, S_TITLE, S_PATH, S_TITLE_NAT, S_PATH_NAT, S_META };

struct skey {
	enum skind kind;
	bool neg;
	bool numeric;		/* meta(date), meta(updated) */
	char *field;		/* meta */
};

struct sortspec {
	struct skey *k;
	size_t n, cap;
};

/* One value of one key of one page, computed once per sort. */
struct sval {
	double num;
	char *str;
	char *nat;		/* natural keys: lc, first \W+ run dropped */
	bool ready;		/* worked out (the fields above are set) */
};

struct srec {
	struct page *p;
	const struct sortspec *spec;
	struct sval *v;
};

static void
sortspec_release(struct sortspec *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		free(ss->k[i].field);
	free(ss->k);
}

static int
sort_error(struct buf *err, const char *what, const char *w, size_t n)
{
	if (err)
		buf_printf(err, "%s%.*s", what, (int)n, w);
	return -1;
}

static int
sort_word(struct sortspec *ss, const char *w, size_t n, bool neg, struct buf *err)
{
	static const struct { const char *name; enum skind kind; } keys[] = {
		{ "age", S_AGE }, { "mtime", S_MTIME }, { "title", S_TITLE },
		{ "path", S_PATH }, { "title_natural", S_TITLE_NAT },
		{ "path_natural", S_PATH_NAT }, { "meta", S_META },
		{ "meta_title", S_META },
	};
	size_t wn = 0, i;
	const char *param = NULL;
	struct skey *k;

	while (wn < n && is_word(w[wn]))
		wn++;
	/* ^(\w+)\((.*)\)$, where '.' is no newline; else ^\w+$ */
	if (wn && wn < n && w[wn] == '(' && w[n - 1] == ')' &&
	    !memchr(w, '\n', n))
		param = w + wn + 1;
	else if (wn != n)
		return sort_error(err, "invalid sort type ", w, n);
	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (strlen(keys[i].name) == wn && memcmp(keys[i].name, w, wn) == 0)
			break;
	if (i == sizeof(keys) / sizeof(*keys))
		return sort_error(err, "unknown sort type ", w, wn);
	if (keys[i].kind == S_META && wn == 4 && !param)
		return sort_error(err, "sort=meta requires a parameter", "", 0);
	ss->k = xgrow(ss->k, &ss->cap, ss->n + 1, sizeof(*ss->k));
	k = &ss->k[ss->n++];
	memset(k, 0, sizeof(*k));
	k->kind = keys[i].kind;
	k->neg = neg;
	if (k->kind == S_META) {
		/* meta_title is meta(title), whatever its parameter */
		k->field = wn == 4 ? xstrndup(param, (size_t)(w + n - 1 - param)) :
			   xstrdup("title");
		k->numeric = !strcmp(k->field, "date") || !strcmp(k->field, "updated");
	}
	return 0;
}

/* Tokens as sortspec_translate: \s*(-?)\s*(\w+\([^\)]*\)|\S+)\s* */
static int
sortspec_parse(struct sortspec *ss, const char *spec, struct buf *err)
{
	const char *s = spec ? spec : "";
	bool neg;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			return 0;
		neg = false;
		if (*s == '-') {
			const char *t = s + 1;

			while (is_space(*t))
				t++;
			if (*t) {
				neg = true;
				s = t;
			}
		}
		if (!(n = func_len(s)))
			while (s[n] && !is_space(s[n]))
				n++;
		if (sort_word(ss, s, n, neg, err) < 0) {
			sortspec_release(ss);
			return -1;
		}
		s += n;
	}
}

bool
pagespec_sort_reads_mtime(const char *sort)
{
	struct sortspec ss;
	bool reads = false;
	size_t i;

	if (sortspec_parse(&ss, sort, NULL) < 0)
		return false;	/* no list is made */
	for (i = 0; i < ss.n; i++)
		reads |= ss.k[i].kind == S_MTIME ||
			 (ss.k[i].kind == S_META && ss.k[i].numeric &&
			  strcmp(ss.k[i].field, "date") != 0);	/* updated, else the mtime */
	sortspec_release(&ss);
	return reads;
}

/* Perl's numification of a string: its leading decimal number, else 0. */
static double
numify(const char *s)
{
	double v = 0, scale = 1, sign = 1;
	int ex = 0, esign = 1;

	while (is_space(*s))
		s++;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	for (; is_digit(*s); s++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; is_digit(*s); s++)
			v += (*s - '0') * (scale /= 10);
	if ((*s == 'e' || *s == 'E') && (is_digit(s[1]) ||
	    ((s[1] == '-' || s[1] == '+') && is_digit(s[2])))) {
		s++;
		if (*s == '-' || *s == '+')
			esign = *s++ == '-' ? -1 : 1;
		for (; is_digit(*s) && ex < 10000; s++)
			ex = ex * 10 + (*s - '0');
		for (; ex > 0; ex--)
			v = esign > 0 ? v * 10 : v / 10;
	}
	return sign * v;
}

/* A state value as Perl would see it: a string, a number printed as Perl
 * prints it, or NULL for undef. */
static char *
state_string(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v))
		return xasprintf("%.15g", v->valuedouble);
	return NULL;
}

static void
title_of(struct buf *b, const char *name, bool base)
{
	const char *slash = base ? strrchr(name, '/') : NULL;

	if (slash)
		name = slash + 1;
	pagetitle(b, name, strlen(name), false);
}

/* Sort::Naturally's preparation: lc, then s/\W+//. */
static char *
natural_form(const char *s)
{
	char *x = lower_dup(s);
	size_t i = 0, j;

	while (x[i] && is_word(x[i]))
		i++;
	for (j = i; x[j] && !is_word(x[j]); j++)
		;
	memmove(x + i, x + j, strlen(x + j) + 1);
	return x;
}

/* meta.pm get_sort_key(), numeric for date and updated. */
static void
meta_key(struct sval *v, const struct page *p, const struct skey *k)
{
	char *sortfield = xasprintf("%ssort", k->field);
	const cJSON *j = page_state(p, "meta", sortfield);
	struct buf b = BUF_INIT;

	free(sortfield);
	if (!cJSON_IsString(j) && !cJSON_IsNumber(j))
		j = page_state(p, "meta", k->field);
	if (k->numeric) {
		if (cJSON_IsNumber(j))
			v->num = j->valuedouble;
		else if (cJSON_IsString(j))
			v->num = numify(j->valuestring);
		else
			v->num = (double)(!strcmp(k->field, "date") ? p->ctime : p->mtime);
		return;
	}
	if ((v->str = state_string(j)))
		return;
	if (!strcmp(k->field, "title"))
		title_of(&b, p->name, true);
	v->str = buf_detach(&b, NULL);
}

static void
key_value(struct sval *v, const struct page *p, const struct skey *k)
{
	struct buf b = BUF_INIT;

	memset(v, 0, sizeof(*v));
	switch (k->kind) {
	case S_AGE:
		v->num = (double)p->ctime;
		return;
	case S_MTIME:
		v->num = (double)p->mtime;
		return;
	case S_META:
		meta_key(v, p, k);
		return;
	default:
		title_of(&b, p->name, k->kind == S_TITLE || k->kind == S_TITLE_NAT);
		v->str = buf_detach(&b, NULL);
		if (k->kind == S_TITLE_NAT || k->kind == S_PATH_NAT)
			v->nat = natural_form(v->str);
	}
}

static int
sign(int c)
{
	return (c > 0) - (c < 0);
}

/* The length of a run of \D (from) or \d at s. */
static size_t
run_len(const char *s, bool digits)
{
	size_t n = 0;

	while (s[n] && is_digit(s[n]) == digits)
		n++;
	return n;
}

/* Two digit runs by value. */
static int
num_cmp(const char *x, size_t xn, const char *y, size_t yn)
{
	while (xn && *x == '0')
		x++, xn--;
	while (yn && *y == '0')
		y++, yn--;
	if (xn != yn)
		return xn < yn ? -1 : 1;
	return sign(memcmp(x, y, xn));
}

/* Sort::Naturally::ncmp(a, b), given x and y, their natural forms. */
static int
ncmp(const char *a, const char *b, const char *x, const char *y)
{
	int rv = 0;
	size_t xn, yn, m;

	if (!strcmp(a, b))
		return 0;
	if (strcmp(x, y) != 0 && (is_digit(*x) || is_digit(*y)))
		rv = is_digit(*x) && is_digit(*y) ? 0 : is_digit(*x) ? -1 : 1;
	while (!rv && *x && *y) {
		xn = run_len(x, false);
		yn = run_len(y, false);
		if ((m = xn < yn ? xn : yn)) {
			if ((rv = sign(memcmp(x, y, m))))
				break;
			x += m, y += m;
		}
		xn = run_len(x, true);
		yn = run_len(y, true);
		if (xn && yn)
			rv = num_cmp(x, xn, y, yn);
		else if (xn || yn)
			rv = xn ? 1 : -1;
		x += xn, y += yn;
	}
	if (!rv && (xn = strlen(x)) != (yn = strlen(y)))
		rv = xn < yn ? -1 : 1;
	if (!rv)
		rv = sign(strcmp(x, y));
	return rv ? rv : sign(strcmp(a, b));
}

static int
key_cmp(const struct skey *k, const struct sval *a, const struct sval *b)
{
	switch (k->kind) {
	case S_AGE:
	case S_MTIME:
		/* newest first */
		return (a->num < b->num) - (a->num > b->num);
	case S_TITLE_NAT:
	case S_PATH_NAT:
		return ncmp(a->str, b->str, a->nat, b->nat);
	case S_META:
		if (k->numeric)
			return (a->num > b->num) - (a->num < b->num);
		return sign(strcmp(a->str, b->str));
	default:
		return sign(strcmp(a->str, b->str));
	}
}

/* Key i of r, worked out when a comparison first needs it: a key after
 * the first only breaks ties ("age title" titles a page only when another
 * has its date), so most are never needed. */
static const struct sval *
rec_key(const struct srec *r, size_t i)
{
	struct sval *v = &r->v[i];

	if (!v->ready) {
		key_value(v, r->p, &r->spec->k[i]);
		v->ready = true;
	}
	return v;
}

static int
srec_cmp(const void *x, const void *y)
{
	const struct srec *a = x, *b = y;
	const struct sortspec *ss = a->spec;
	size_t i;
	int c;

	for (i = 0; i < ss->n; i++) {
		c = key_cmp(&ss->k[i], rec_key(a, i), rec_key(b, i));
		if (c)
			return ss->k[i].neg ? -c : c;
	}
	return strcmp(a->p->name, b->p->name);
}

/* Sorts pages in place by ss, ties by name. */
static void
sort_by(struct page **pages, size_t n, const struct sortspec *ss)
{
	struct srec *r = xcalloc(n ? n : 1, sizeof(*r));
	struct sval *vals = xcalloc(n * ss->n + 1, sizeof(*vals));
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].p = pages[i];
		r[i].spec = ss;
		r[i].v = vals + i * ss->n;
	}
	qsort(r, n, sizeof(*r), srec_cmp);
	for (i = 0; i < n; i++)
		pages[i] = r[i].p;
	for (i = 0; i < n * ss->n; i++) {
		free(vals[i].str);
		free(vals[i].nat);
	}
	free(vals);
	free(r);
}

static void
reverse_pages(struct page **v, size_t n)
{
	size_t i;
	struct page *t;

	for (i = 0; i < n / 2; i++) {
		t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

static int
name_cmp(const void *x, const void *y)
{
	const struct page *a = *(struct page *const *)x;
	const struct page *b = *(struct page *const *)y;

	return strcmp(a->name, b->name);
}

int
pagespec_sort(struct page **pages, size_t n, const char *sort, bool reverse,
	      struct buf *err)
{
	struct sortspec ss;

	if (sortspec_parse(&ss, sort, err) < 0)
		return -1;
	if (n && ss.n)
		sort_by(pages, n, &ss);
	else if (n)
		qsort(pages, n, sizeof(*pages), name_cmp);
	if (reverse)
		reverse_pages(pages, n);
	sortspec_release(&ss);
	return 0;
}

/* ---- the index ---- */

/*
 * Built once after site_link(), read-only afterwards except for the
 * sorted orders and the link targets, which are made on first use under
 * the lock (only a link() glob that names no page reads the targets). Positions
 * are indexes into site.pages, so ascending positions are name order.
 */
struct pagespec_index {
	size_t npages;		/* site.pages.n when built: any other count disables it */
	atomic_bool base_ready;	/* lckeys... and linkoff... may be read without the lock */
	char **lckeys;		/* page names in lower case, sorted */
	uint32_t *lcpos;	/* the page of each */
	uint32_t *lcrun;	/* from i, how many lcpos ascend strictly */
	uint32_t *linkoff;	/* pages linking to page i: linkers[linkoff[i]..linkoff[i+1]) */
	uint32_t *linkers;
	char **tkeys;		/* raw link targets, lower case, one leading '/' dropped, sorted */
	uint32_t *tpos;		/* the linking page of each */
	uint32_t *trun;
	size_t ntargets;
	atomic_bool targets_ready;	/* tkeys... may be read without the lock */
	struct day *days;	/* each page's creation day, made on first use */
	atomic_bool days_ready;
	pthread_mutex_t lock;
	struct strmap orders;	/* sort spec -> uint32_t[npages], ascending by it */
};

/* A page's ctime and its local date (ok false: localtime failed). */
struct day {
	time_t ctime;
	long year;
	int month, mday;
	bool ok;
};

struct keyed {
	char *key;
	uint32_t pos;
};

static int
keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

static void
split_keyed(struct keyed *kv, size_t n, char ***keys, uint32_t **pos, uint32_t **run)
{
	size_t i;

	/* Page names come sorted, and mostly stay so in lower case. */
	for (i = 1; i < n && keyed_cmp(&kv[i - 1], &kv[i]) <= 0; i++)
		;
	if (i < n)
		qsort(kv, n, sizeof(*kv), keyed_cmp);
	*keys = xcalloc(n + 1, sizeof(**keys));
	*pos = xcalloc(n + 1, sizeof(**pos));
	*run = xcalloc(n + 1, sizeof(**run));
	for (i = 0; i < n; i++) {
		(*keys)[i] = kv[i].key;
		(*pos)[i] = kv[i].pos;
	}
	for (i = n; i-- > 0;)
		(*run)[i] = i + 1 < n && kv[i + 1].pos > kv[i].pos ? (*run)[i + 1] + 1 : 1;
	free(kv);
}

/* The position of page p in s->pages (sorted by name), or -1. */
static long
page_pos(const struct site *s, const struct page *p)
{
	return p->pos < s->pages.n && s->pages.v[p->pos] == p ? (long)p->pos : -1;
}

static void
index_links(struct pagespec_index *ix, const struct site *s)
{
	size_t n = s->pages.n, i, j, total = 0;
	uint32_t *fill;
	long to;

	ix->linkoff = xcalloc(n + 2, sizeof(*ix->linkoff));
	for (i = 0; i < n; i++) {
		const struct page *p = s->pages.v[i];

		for (j = 0; j < p->nlinks; j++)
			if (p->links[j].to && (to = page_pos(s, p->links[j].to)) >= 0)
				ix->linkoff[to + 1]++, total++;
	}
	for (i = 0; i < n; i++)
		ix->linkoff[i + 1] += ix->linkoff[i];
	ix->linkers = xcalloc(total + 1, sizeof(*ix->linkers));
	fill = xcalloc(n + 1, sizeof(*fill));
	for (i = 0; i < n; i++) {
		const struct page *p = s->pages.v[i];

		for (j = 0; j < p->nlinks; j++) {
			if (!p->links[j].to || (to = page_pos(s, p->links[j].to)) < 0)
				continue;
			uint32_t *v = ix->linkers + ix->linkoff[to];

			/* pages come in name order: a repeat is the last one */
			if (!fill[to] || v[fill[to] - 1] != i)
				v[fill[to]++] = (uint32_t)i;
		}
	}
	/* squeeze out the room the repeats left */
	for (i = 0, total = 0; i < n; i++) {
		uint32_t start = ix->linkoff[i];

		memmove(ix->linkers + total, ix->linkers + start, fill[i] * sizeof(uint32_t));
		ix->linkoff[i] = (uint32_t)total;
		total += fill[i];
	}
	ix->linkoff[n] = (uint32_t)total;
	free(fill);
}

static void
index_targets(struct pagespec_index *ix, const struct site *s)
{
	struct keyed *kv = NULL;
	size_t n = 0, cap = 0, i, j;

	for (i = 0; i < s->pages.n; i++) {
		const struct page *p = s->pages.v[i];

		for (j = 0; j < p->nlinks; j++) {
			const char *t = p->links[j].target;

			kv = xgrow(kv, &cap, n + 1, sizeof(*kv));
			kv[n].key = lower_dup(t[0] == '/' ? t + 1 : t);
			kv[n++].pos = (uint32_t)i;
		}
	}
	ix->ntargets = n;
	split_keyed(kv, n, &ix->tkeys, &ix->tpos, &ix->trun);
}

/* Makes a part of the index the first time it is asked for: make(ix, s)
 * once, under the index's lock, then ready read without it. */
static void
make_once(const struct pagespec_index *cix, atomic_bool *ready,
	  void (*make)(struct pagespec_index *, const struct site *), const struct site *s)
{
	struct pagespec_index *ix = (struct pagespec_index *)cix;

	if (atomic_load_explicit(ready, memory_order_acquire))
		return;
	pthread_mutex_lock(&ix->lock);
	if (!atomic_load_explicit(ready, memory_order_relaxed)) {
		make(ix, s);
		atomic_store_explicit(ready, true, memory_order_release);
	}
	pthread_mutex_unlock(&ix->lock);
}

/* The link target index, made on first use. */
static const struct pagespec_index *
with_targets(const struct pagespec_index *cix, const struct site *s)
{
	make_once(cix, &((struct pagespec_index *)cix)->targets_ready, index_targets, s);
	return cix;
}

static struct day
day_of(time_t t)
{
	struct day d = { t, 0, 0, 0, false };
	struct tm tm;

	if (localtime_r(&t, &tm)) {
		d.year = (long)tm.tm_year + 1900;
		d.month = tm.tm_mon + 1;
		d.mday = tm.tm_mday;
		d.ok = true;
	}
	return d;
}

static void
index_days(struct pagespec_index *ix, const struct site *s)
{
	size_t i;

	ix->days = xcalloc(ix->npages + 1, sizeof(*ix->days));
	for (i = 0; i < ix->npages; i++)
		ix->days[i] = day_of(((const struct page *)s->pages.v[i])->ctime);
}

/* The creation days, made on first use: each of 168 monthly archives of a
 * blog asked localtime the date of every page again. */
static const struct day *
with_days(const struct pagespec_index *cix, const struct site *s)
{
	make_once(cix, &((struct pagespec_index *)cix)->days_ready, index_days, s);
	return cix->days;
}

/* The names in lower case and the links: what every use of the index
 * reads, made on the first (an edit that lists no pages makes none). */
static void
index_base(struct pagespec_index *ix, const struct site *s)
{
	struct keyed *kv = xcalloc(s->pages.n + 1, sizeof(*kv));
	size_t i;

	for (i = 0; i < s->pages.n; i++) {
		kv[i].key = lower_dup(((struct page *)s->pages.v[i])->name);
		kv[i].pos = (uint32_t)i;
	}
	split_keyed(kv, s->pages.n, &ix->lckeys, &ix->lcpos, &ix->lcrun);
	index_links(ix, s);
}

void
pagespec_index_build(struct site *s)
{
	struct pagespec_index *ix = xcalloc(1, sizeof(*ix));

	pagespec_index_free(s->psindex);
	ix->npages = s->pages.n;
	pthread_mutex_init(&ix->lock, NULL);
	strmap_init(&ix->orders);
	s->psindex = ix;
}

void
pagespec_index_free(struct pagespec_index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; ix->lckeys && i < ix->npages; i++)
		free(ix->lckeys[i]);
	for (i = 0; i < ix->ntargets; i++)
		free(ix->tkeys[i]);
	free(ix->lckeys);
	free(ix->lcpos);
	free(ix->lcrun);
	free(ix->linkoff);
	free(ix->linkers);
	free(ix->tkeys);
	free(ix->tpos);
	free(ix->trun);
	free(ix->days);
	strmap_release(&ix->orders, free);
	pthread_mutex_destroy(&ix->lock);
	free(ix);
}

static const struct pagespec_index *
usable_index(const struct site *s)
{
	const struct pagespec_index *ix = s->psindex;

	if (!ix || ix->npages != s->pages.n)
		return NULL;
	make_once(ix, &((struct pagespec_index *)ix)->base_ready, index_base, s);
	return ix;
}

static int
key_cmp_prefix(const char *key, const char *prefix, size_t plen, bool exact)
{
	return exact ? strcmp(key, prefix) : strncmp(key, prefix, plen);
}

/* The keys in keys[0..n) (sorted) that start with the first plen bytes of
 * prefix, or with exact that equal prefix: [*lo, *hi). */
static void
key_range(char *const *keys, size_t n, const char *prefix, size_t plen,
	  bool exact, size_t *lo, size_t *hi)
{
	size_t a = 0, b = n, mid;

	while (a < b) {
		mid = (a + b) / 2;
		if (key_cmp_prefix(keys[mid], prefix, plen, exact) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = n;
	while (a < b) {
		mid = (a + b) / 2;
		if (key_cmp_prefix(keys[mid], prefix, plen, exact) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

/* The pages in the order of sort spec text, made on first use. */
static const uint32_t *
sorted_order(const struct site *s, const char *text, const struct sortspec *ss)
{
	struct pagespec_index *ix = s->psindex;
	struct page **pages;
	uint32_t *order;
	void **slot;
	size_t i;
	long pos;

	pthread_mutex_lock(&ix->lock);
	slot = strmap_slot(&ix->orders, text, strlen(text));
	if (!*slot) {
		pages = xcalloc(s->pages.n + 1, sizeof(*pages));
		if (s->pages.n)
			memcpy(pages, s->pages.v, s->pages.n * sizeof(*pages));
		sort_by(pages, s->pages.n, ss);
		order = xcalloc(s->pages.n + 1, sizeof(*order));
		for (i = 0; i < s->pages.n; i++)
			order[i] = (uint32_t)((pos = page_pos(s, pages[i])) < 0 ? 0 : pos);
		free(pages);
		*slot = order;
	}
	order = *slot;
	pthread_mutex_unlock(&ix->lock);
	return order;
}

/* ---- binding a spec to its location ---- */

/* What a link()/tagged()/backlink() compares against. */
struct linkq {
	const struct page *to;	/* bestlink(location, link), or NULL: */
	char **v;		/* the glob, derel'd, as each leading '/' goes */
	size_t nv;
	const char *type;	/* "tag" for tagged() */
};

struct bterm {
	char *pat;		/* a lower-case glob */
	char *name;		/* created_*, backlink: the page named */
	const struct page *page;	/* ...when it exists */
	struct linkq q;
	bool narrow_glob;	/* link glob: the target index may narrow it */
};

struct infl {
	const char *page;
	unsigned type;
};

struct ctx {
	const struct pagespec *ps;
	const struct pagespec_env *env;
	const struct site *s;
	const char *loc;	/* location, "" when none */
	bool record;		/* influences wanted */
	struct bterm *bt;	/* by node */
	struct infl *iv;
	size_t in, icap;
	struct buf scratch;
};

static void
link_variants(struct linkq *q, const char *link, const char *loc)
{
	size_t k = strspn(link, "/"), j;

	q->nv = k + 1;
	q->v = xcalloc(q->nv, sizeof(*q->v));
	for (j = 0; j <= k; j++) {
		char *d = derel(link + j, loc);

		q->v[j] = lower_dup(d);
		free(d);
	}
}

/* match_link's setup: lc, derel, bestlink. */
static void
bind_link(struct ctx *c, struct bterm *bt, const char *arg, const char *type)
{
	char *l = lower_dup(arg), *d = derel(l, c->loc);
	size_t j;

	bt->q.type = type;
	bt->q.to = site_bestlink(c->s, c->loc, d, strlen(d));
	if (!bt->q.to) {
		link_variants(&bt->q, d, c->loc);
		/* narrowing by target prefix holds for at most one leading
		 * '/' and when derel changed nothing */
		bt->narrow_glob = bt->q.nv <= 2 && !strcmp(d, l);
		for (j = 0; bt->narrow_glob && j < bt->q.nv; j++)
			if (strcmp(bt->q.v[j], l + j) != 0)
				bt->narrow_glob = false;
	}
	free(d);
	free(l);
}

/* tag.pm taglink(): "/tagbase/tag", '/' runs squashed. */
static char *
taglink(const char *tag, const char *tagbase)
{
	char *t, *r, *w;

	if (tag[0] == '/' || !tagbase)
		return xstrdup(tag);
	t = xasprintf("/%s/%s", tagbase, tag);
	for (r = w = t; *r; r++)
		if (*r != '/' || w == t || w[-1] != '/')
			*w++ = *r;
	*w = '\0';
	return t;
}

static void
bind_term(struct ctx *c, const struct node *nd, struct bterm *bt)
{
	char *t, *d;

	switch (nd->fn) {
	case F_GLOB:
	case F_PAGE:
	case F_INTERNAL:
	case F_SOURCEPAGE:
	case F_DESTPAGE:
		d = derel(nd->arg, c->loc);
		bt->pat = lower_dup(d);
		free(d);
		break;
	case F_COMMENT:
	case F_COMMENT_PENDING:
		t = xasprintf("%s/*", nd->arg);
		d = derel(t, c->loc);
		bt->pat = lower_dup(d);
		free(d);
		free(t);
		break;
	case F_META:
		bt->pat = lower_dup(nd->arg);
		break;
	case F_LINK:
		bind_link(c, bt, nd->arg, NULL);
		break;
	case F_TAGGED:
		t = taglink(nd->arg, c->env->tagbase);
		bind_link(c, bt, t, "tag");
		free(t);
		break;
	case F_BACKLINK:
		bt->name = xstrdup(strcmp(nd->arg, ".") ? nd->arg : c->loc);
		bt->page = site_page(c->s, bt->name);
		break;
	case F_CREATED_BEFORE:
	case F_CREATED_AFTER:
		bt->name = derel(nd->arg, c->loc);
		bt->page = site_page(c->s, bt->name);
		break;
	default:
		break;
	}
}

static void
linkq_release(struct linkq *q)
{
	size_t j;

	for (j = 0; j < q->nv; j++)
		free(q->v[j]);
	free(q->v);
	q->v = NULL;
	q->nv = 0;
}

static void
ctx_init(struct ctx *c, const struct pagespec *ps, const struct pagespec_env *env)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->ps = ps;
	c->env = env;
	c->s = env->site;
	c->loc = env->location ? env->location : "";
	c->record = env->influence != NULL;
	buf_init(&c->scratch);
	c->bt = xcalloc(ps->n + 1, sizeof(*c->bt));
	for (i = 0; i < ps->n; i++)
		if (ps->nodes[i].op == N_TERM)
			bind_term(c, &ps->nodes[i], &c->bt[i]);
}

static void
ctx_release(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->ps->n; i++) {
		free(c->bt[i].pat);
		free(c->bt[i].name);
		linkq_release(&c->bt[i].q);
	}
	free(c->bt);
	free(c->iv);
	buf_release(&c->scratch);
}

/* ---- matching, with ikiwiki's SuccessReason/FailReason algebra ---- */

/* A result: its influences are iv[start..in) of the context; dyn is the
 * "" key (influences that differ from page to page). */
struct res {
	bool ok;
	bool dyn;
	size_t start;
};

/* Records an influence; "" (backlink(.) without a location) is no page. */
static void
influence(struct ctx *c, const char *page, unsigned type)
{
	if (!c->record || !*page)
		return;
	c->iv = xgrow(c->iv, &c->icap, c->in + 1, sizeof(*c->iv));
	c->iv[c->in].page = page;
	c->iv[c->in++].type = type;
}

static bool
is_internal(const struct site *s, const char *name)
{
	const struct page *p = site_page(s, name);

	return p && p->kind == SRC_INTERNAL;
}

/* match_glob against a raw link target, which is tested for being an
 * internal page by name. */
static bool
target_glob(const struct ctx *c, const char *pat, const char *target)
{
	return glob_match(pat, target) && !is_internal(c->s, target);
}

/* Whether the link at links[j] is the first with its target (ikiwiki
 * keeps a page's links unique) and, typed, whether its target has a link
 * of that type. */
static bool
link_considered(const struct page *p, size_t j, const char *type)
{
	const char *t = p->links[j].target;
	bool typed = !type;
	size_t i;

	for (i = 0; i < p->nlinks; i++) {
		if (strcmp(p->links[i].target, t) != 0)
			continue;
		if (i < j)
			return false;
		if (!typed && p->links[i].type && !strcmp(p->links[i].type, type))
			typed = true;
	}
	return typed;
}

/* The body of ikiwiki's match_link: whether p links to q. */
static bool
links_to(const struct ctx *c, const struct page *p, const struct linkq *q)
{
	size_t j, k = 0;
	const char *t;

	for (j = 0; j < p->nlinks; j++) {
		const struct link *l = &p->links[j];

		/* links with one target share its bestlink, so a typed
		 * one of them is as good as ikiwiki's typedlinks test */
		if (q->to) {
			if (l->to == q->to && (!q->type ||
			    (l->type && !strcmp(l->type, q->type))))
				return true;
			continue;
		}
		if (!link_considered(p, j, q->type))
			continue;
		if (target_glob(c, q->v[k < q->nv ? k : q->nv - 1], l->target))
			return true;
		k++;
		t = l->target[0] == '/' ? l->target + 1 : l->target;
		if (target_glob(c, q->v[k < q->nv ? k : q->nv - 1], t))
			return true;
	}
	return false;
}

static bool
eval_link(struct ctx *c, const struct page *p, const struct linkq *q, bool *dyn)
{
	influence(c, p->name, DEP_LINKS);
	*dyn = true;
	return p->nlinks && links_to(c, p, q);
}

/* match_backlink: the test page links to bestlink(location, lc page). */
static bool
eval_backlink(struct ctx *c, const struct page *p, const struct bterm *bt)
{
	struct linkq q = { NULL, NULL, 0, NULL };
	char *l, *d;
	bool ok = false;

	influence(c, bt->name, DEP_LINKS);
	if (!bt->page || !bt->page->nlinks)
		return false;
	l = lower_dup(p->name);
	d = derel(l, c->loc);
	q.to = site_bestlink(c->s, c->loc, d, strlen(d));
	if (!q.to)
		link_variants(&q, d, c->loc);
	ok = links_to(c, bt->page, &q);
	linkq_release(&q);
	free(d);
	free(l);
	return ok;
}

/* meta.pm match(): a glob against a meta field, the title falling back to
 * the page's title. */
static bool
eval_meta(struct ctx *c, const struct page *p, const struct node *nd,
	  const struct bterm *bt, bool *dyn)
{
	const cJSON *j = page_state(p, "meta", nd->what);
	char *own = state_string(j);
	const char *val = own;
	bool ok;

	if (!j && !strcmp(nd->what, "title")) {
		buf_reset(&c->scratch);
		title_of(&c->scratch, p->name, false);
		val = c->scratch.data;
	}
	influence(c, p->name, DEP_CONTENT);
	if (!val)
		return false;
	*dyn = true;
	ok = glob_match(bt->pat, val);
	free(own);
	return ok;
}

static bool
eval_created(struct ctx *c, const struct page *p, const struct node *nd,
	     const struct bterm *bt)
{
	influence(c, bt->name, DEP_PRESENCE);
	if (!bt->page)
		return false;
	return nd->fn == F_CREATED_BEFORE ? p->ctime < bt->page->ctime :
					    p->ctime > bt->page->ctime;
}

static bool
eval_creation(const struct ctx *c, const struct page *p, const struct node *nd)
{
	const struct pagespec_index *ix = usable_index(c->s);
	long pos = ix ? page_pos(c->s, p) : -1;
	const struct day *known = pos >= 0 ? &with_days(ix, c->s)[pos] : NULL;
	struct day d = known && known->ctime == p->ctime ? *known : day_of(p->ctime);

	if (nd->num < 0 || !d.ok)
		return false;
	switch (nd->fn) {
	case F_CREATION_DAY:
		return d.mday == nd->num;
	case F_CREATION_MONTH:
		return d.month == nd->num;
	default:
		return d.year == nd->num;
	}
}

/* conditional.pm's sourcepage()/destpage(). */
static bool
eval_srcdest(const struct ctx *c, const struct node *nd, const struct bterm *bt)
{
	const char *v = nd->fn == F_SOURCEPAGE ? c->env->sourcepage : c->env->destpage;

	if (!v)
		v = c->env->location;
	return v && glob_match(bt->pat, v) && !is_internal(c->s, v);
}

static bool
eval_included(const struct ctx *c)
{
	const struct pagespec_env *e = c->env;
	const char *src = e->sourcepage ? e->sourcepage : e->location;
	const char *dst = e->destpage ? e->destpage : e->location;

	return src && dst && strcmp(src, dst) != 0;
}

static bool
eval_comment(const struct page *p, const struct node *nd, const struct bterm *bt)
{
	const char *want = nd->fn == F_COMMENT ? "_comment" : "_comment_pending";

	return p->type && !strcmp(p->type, want) && glob_match(bt->pat, p->name);
}

static struct res
eval_term(struct ctx *c, size_t i, const struct page *p)
{
	const struct node *nd = &c->ps->nodes[i];
	const struct bterm *bt = &c->bt[i];
	struct res r = { false, false, c->in };

	switch (nd->fn) {
	case F_GLOB:
	case F_PAGE:
	case F_INTERNAL:
		r.ok = glob_match(bt->pat, p->name) &&
		       (p->kind != SRC_INTERNAL || nd->fn == F_INTERNAL) &&
		       (p->kind != SRC_FILE || nd->fn != F_PAGE);
		break;
	case F_LINK:
	case F_TAGGED:
		r.ok = eval_link(c, p, &bt->q, &r.dyn);
		break;
	case F_BACKLINK:
		r.ok = eval_backlink(c, p, bt);
		break;
	case F_CREATED_BEFORE:
	case F_CREATED_AFTER:
		r.ok = eval_created(c, p, nd, bt);
		break;
	case F_CREATION_DAY:
	case F_CREATION_MONTH:
	case F_CREATION_YEAR:
		r.ok = eval_creation(c, p, nd);
		break;
	case F_META:
		r.ok = eval_meta(c, p, nd, bt, &r.dyn);
		break;
	case F_ENABLED:
		r.ok = c->env->enabled && c->env->enabled(nd->arg, c->env->arg);
		break;
	case F_SOURCEPAGE:
	case F_DESTPAGE:
		r.ok = eval_srcdest(c, nd, bt);
		break;
	case F_INCLUDED:
		r.ok = eval_included(c);
		break;
	case F_COMMENT:
	case F_COMMENT_PENDING:
		r.ok = eval_comment(p, nd, bt);
		break;
	case F_NEVER:
		break;
	}
	return r;
}

/* Whether a result has influences or the "" key: what decides whether
 * "and" keeps the influences of both sides. */
static bool
has_influences(const struct res *r, size_t end)
{
	return r->dyn || end > r->start;
}

static struct res eval(struct ctx *c, size_t i, const struct page *p);

/*
 * IkiWiki::SuccessReason's '&' and '|': the value of a Perl "and"/"or" of
 * both sides (both are always evaluated), influences merged, except that
 * "and" drops all of them when a side fails without any influence.
 * Without an influence callback only the value matters, so it stops early.
 */
static struct res
eval_chain(struct ctx *c, const struct node *nd, const struct page *p)
{
	bool and = nd->op == N_AND;
	struct res acc = eval(c, c->ps->kids[nd->first], p), r;
	size_t k;

	for (k = 1; k < nd->count; k++) {
		if (!c->record && acc.ok != and)
			break;
		r = eval(c, c->ps->kids[nd->first + k], p);
		if (and && !((acc.ok || has_influences(&acc, r.start)) &&
			     (r.ok || has_influences(&r, c->in)))) {
			c->in = acc.start;
			acc.dyn = false;
		} else {
			acc.dyn = acc.dyn || r.dyn;
		}
		acc.ok = and ? acc.ok && r.ok : acc.ok || r.ok;
	}
	return acc;
}

static struct res
eval(struct ctx *c, size_t i, const struct page *p)
{
	const struct node *nd = &c->ps->nodes[i];
	struct res r;

	switch (nd->op) {
	case N_TERM:
		return eval_term(c, i, p);
	case N_NOT:
		r = eval(c, nd->first, p);
		r.ok = !r.ok;
		return r;
	default:
		return eval_chain(c, nd, p);
	}
}

/* Reports influences iv[start..in), each page once, except skip. */
static void
report(struct ctx *c, size_t start, const char *skip)
{
	size_t i, j;
	unsigned type;

	for (i = start; i < c->in; i++) {
		const char *pg = c->iv[i].page;

		if (!c->iv[i].type || (skip && !strcmp(pg, skip)))
			continue;
		type = c->iv[i].type;
		for (j = i + 1; j < c->in; j++)
			if (c->iv[j].type && !strcmp(c->iv[j].page, pg)) {
				type |= c->iv[j].type;
				c->iv[j].type = 0;
			}
		c->env->influence(pg, type, c->env->influence_arg);
	}
}

/* Tests one candidate of a list, as pagespec_match_list does: a failure
 * whose influences vary by page is not influenced by the page itself. */
static bool
test_candidate(struct ctx *c, const struct page *p)
{
	struct res r;

	c->in = 0;
	if (c->ps->root < 0)
		return false;
	r = eval(c, (size_t)c->ps->root, p);
	if (c->record)
		report(c, 0, !r.ok && r.dyn ? p->name : NULL);
	return r.ok;
}

bool
pagespec_match(const struct pagespec *ps, const struct page *p,
	       const struct pagespec_env *env)
{
	struct ctx c;
	struct res r = { false, false, 0 };

	if (ps->root < 0)
		return false;
	ctx_init(&c, ps, env);
	r = eval(&c, (size_t)ps->root, p);
	if (c.record)
		report(&c, 0, NULL);
	ctx_release(&c);
	return r.ok;
}

/* ---- candidates: the pages a spec may match, from the index ---- */

struct span {
	const uint32_t *v;
	size_t n;
	bool sorted;		/* strictly ascending */
};

struct cset {
	bool all;
	struct span *v;
	size_t n, cap;
	size_t total;
	size_t limit;		/* more entries than pages: test every page */
};

static void
cset_release(struct cset *cs)
{
	size_t limit = cs->limit;

	free(cs->v);
	memset(cs, 0, sizeof(*cs));
	cs->limit = limit;
}

static void
cset_add(struct cset *cs, const uint32_t *v, size_t n, bool sorted)
{
	if (!n || cs->all)
		return;
	if (cs->total + n > cs->limit) {
		cset_release(cs);
		cs->all = true;
		return;
	}
	cs->v = xgrow(cs->v, &cs->cap, cs->n + 1, sizeof(*cs->v));
	cs->v[cs->n].v = v;
	cs->v[cs->n].n = n;
	cs->v[cs->n++].sorted = sorted;
	cs->total += n;
}

static void
cset_add_range(struct cset *cs, const uint32_t *pos, const uint32_t *run,
	       size_t lo, size_t hi)
{
	if (hi > lo)
		cset_add(cs, pos + lo, hi - lo, run[lo] >= hi - lo);
}

static void
cands_prefix(struct cset *cs, const struct pagespec_index *ix, const char *pat)
{
	size_t lo, hi;

	key_range(ix->lckeys, ix->npages, pat, glob_prefix(pat),
		  pat[glob_prefix(pat)] == '\0', &lo, &hi);
	cset_add_range(cs, ix->lcpos, ix->lcrun, lo, hi);
}

static void
cands_link(struct cset *cs, const struct ctx *c, const struct pagespec_index *ix,
	   const struct bterm *bt)
{
	const char *pat;
	size_t lo, hi, plen;
	long pos;

	if (bt->q.to) {
		if ((pos = page_pos(c->s, bt->q.to)) >= 0)
			cset_add(cs, ix->linkers + ix->linkoff[pos],
				 ix->linkoff[pos + 1] - ix->linkoff[pos], true);
		return;
	}
	pat = bt->q.v[bt->q.nv - 1];
	if (!bt->narrow_glob || !(plen = glob_prefix(pat))) {
		cs->all = true;
		return;
	}
	ix = with_targets(ix, c->s);
	key_range(ix->tkeys, ix->ntargets, pat, plen, false, &lo, &hi);
	cset_add_range(cs, ix->tpos, ix->trun, lo, hi);
}

/* backlink(T): the pages whose name, as a link from the location, reaches
 * a page T links to: that page's name without a leading ancestor of the
 * location. */
static void
cands_backlink(struct cset *cs, const struct ctx *c, const struct pagespec_index *ix,
	       const struct bterm *bt)
{
	char *loc = lower_dup(c->loc), *to;
	size_t j, a, lo, hi, len = strlen(loc);

	for (j = 0; bt->page && j < bt->page->nlinks; j++) {
		if (!bt->page->links[j].to)
			continue;
		to = lower_dup(bt->page->links[j].to->name);
		for (a = len;;) {
			if (!a)
				key_range(ix->lckeys, ix->npages, to, strlen(to), true, &lo, &hi);
			else if (!strncmp(to, loc, a) && to[a] == '/')
				key_range(ix->lckeys, ix->npages, to + a + 1,
					  strlen(to + a + 1), true, &lo, &hi);
			else
				lo = hi = 0;
			cset_add_range(cs, ix->lcpos, ix->lcrun, lo, hi);
			if (!a)
				break;
			while (a && loc[a - 1] != '/')
				a--;
			if (a)
				a--;
		}
		free(to);
	}
	free(loc);
}

static void cands(struct cset *cs, const struct ctx *c,
		  const struct pagespec_index *ix, size_t i);

/* "and" narrows to its smallest side, "or" to the union of its sides. */
static void
cands_chain(struct cset *cs, const struct ctx *c, const struct pagespec_index *ix,
	    const struct node *nd)
{
	struct cset best = { true, NULL, 0, 0, 0, cs->limit }, one;
	size_t k, j;

	for (k = 0; k < nd->count && !(nd->op == N_OR && cs->all); k++) {
		memset(&one, 0, sizeof(one));
		one.limit = cs->limit;
		cands(&one, c, ix, c->ps->kids[nd->first + k]);
		if (nd->op == N_OR) {
			for (j = 0; j < one.n; j++)
				cset_add(cs, one.v[j].v, one.v[j].n, one.v[j].sorted);
			if (one.all) {
				cset_release(cs);
				cs->all = true;
			}
			cset_release(&one);
		} else if (!one.all && (best.all || one.total < best.total)) {
			cset_release(&best);
			best = one;
		} else {
			cset_release(&one);
		}
	}
	if (nd->op == N_AND)
		*cs = best;
}

static void
cands(struct cset *cs, const struct ctx *c, const struct pagespec_index *ix, size_t i)
{
	const struct node *nd = &c->ps->nodes[i];
	const struct bterm *bt = &c->bt[i];

	if (nd->op == N_AND || nd->op == N_OR) {
		cands_chain(cs, c, ix, nd);
		return;
	}
	switch (nd->op == N_TERM ? nd->fn : F_NEVER) {
	case F_GLOB:
	case F_PAGE:
	case F_INTERNAL:
	case F_COMMENT:
	case F_COMMENT_PENDING:
		cands_prefix(cs, ix, bt->pat);
		break;
	case F_LINK:
	case F_TAGGED:
		cands_link(cs, c, ix, bt);
		break;
	case F_BACKLINK:
		cands_backlink(cs, c, ix, bt);
		break;
	default:
		cs->all = true;
	}
}

static int
u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

/* The candidates as positions in name order, each once: *v (which *own
 * must free when set), *n; NULL with all set for every page. */
static const uint32_t *
candidates(const struct ctx *c, size_t *n, uint32_t **own, bool *all)
{
	const struct pagespec_index *ix = usable_index(c->s);
	struct cset cs = { false, NULL, 0, 0, 0, 0 };
	uint32_t *v;
	size_t i, k;

	*own = NULL;
	*all = false;
	*n = 0;
	if (c->ps->root < 0)
		return NULL;
	if (!ix) {
		*all = true;
		return NULL;
	}
	cs.limit = ix->npages;
	cands(&cs, c, ix, (size_t)c->ps->root);
	if (cs.all) {
		*all = true;
		cset_release(&cs);
		return NULL;
	}
	if (cs.n == 1 && cs.v[0].sorted) {
		const uint32_t *one = cs.v[0].v;

		*n = cs.v[0].n;
		cset_release(&cs);
		return one;
	}
	v = xcalloc(cs.total + 1, sizeof(*v));
	for (i = 0, k = 0; i < cs.n; k += cs.v[i].n, i++)
		memcpy(v + k, cs.v[i].v, cs.v[i].n * sizeof(*v));
	qsort(v, cs.total, sizeof(*v), u32_cmp);
	for (i = 0, k = 0; i < cs.total; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*n = k;
	*own = v;
	cset_release(&cs);
	return v;
}

/* ---- pagespec_match_list ---- */

struct lister {
	struct ctx c;
	struct vec *out;
	size_t num;
	size_t found;
};

/* Tests page p when it may be a candidate; false when num is reached. */
static bool
list_test(struct lister *ls, struct page *p)
{
	if (p->kind == SRC_INTERNAL && !ls->c.ps->internal)
		return true;
	if (test_candidate(&ls->c, p)) {
		vec_push(ls->out, p);
		ls->found++;
	}
	return !ls->num || ls->found < ls->num;
}

/* Tests pages in the order of pages[0..n), backwards when reverse,
 * stopping at num matches, as ikiwiki does with both num and sort. */
static void
list_in_order(struct lister *ls, struct page **pages, size_t n, bool reverse)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!list_test(ls, pages[reverse ? n - 1 - i : i]))
			return;
}

static struct page **
cand_pages(const struct site *s, const uint32_t *v, size_t n, bool all)
{
	struct page **pages;
	size_t i;

	if (all)
		n = s->pages.n;
	pages = xcalloc(n + 1, sizeof(*pages));
	for (i = 0; i < n; i++)
		pages[i] = s->pages.v[all ? i : v[i]];
	return pages;
}

/* Walks the whole site in sort order, as ikiwiki does: worth it when
 * candidates are dense, num matches expected after about num*n/k pages. */
static void
list_walk(struct lister *ls, const char *sort, const struct sortspec *ss,
	  bool reverse)
{
	const struct site *s = ls->c.s;
	const uint32_t *order = sorted_order(s, sort, ss);
	size_t i, n = s->pages.n;

	for (i = 0; i < n; i++)
		if (!list_test(ls, s->pages.v[order[reverse ? n - 1 - i : i]]))
			return;
}

/*
 * The influences of backlink() and created_*() name a page whatever page is
 * tested, and ikiwiki reports them from every page it tests; when the index
 * left pages untested, they are reported here (even when ikiwiki's "and"
 * would have dropped them for those pages: one rebuild too many at worst).
 */
static void
report_fixed(struct ctx *c)
{
	size_t i;

	c->in = 0;
	for (i = 0; i < c->ps->n; i++) {
		if (c->ps->nodes[i].op != N_TERM)
			continue;
		if (c->ps->nodes[i].fn == F_BACKLINK)
			influence(c, c->bt[i].name, DEP_LINKS);
		else if (c->ps->nodes[i].fn == F_CREATED_BEFORE ||
			 c->ps->nodes[i].fn == F_CREATED_AFTER)
			influence(c, c->bt[i].name, DEP_PRESENCE);
	}
	report(c, 0, NULL);
}

/* Tests the candidates: in sort order up to num when num is set, else all
 * of them in name order, then sorts the matches. */
static void
list_candidates(struct lister *ls, struct page **pages, size_t k,
		const struct sortspec *ss, bool reverse)
{
	size_t start = ls->out->n;

	if (ls->num) {
		if (ss->n)
			sort_by(pages, k, ss);
		list_in_order(ls, pages, k, reverse);
		return;
	}
	list_in_order(ls, pages, k, false);
	if (ss->n)
		sort_by((struct page **)ls->out->v + start, ls->out->n - start, ss);
	if (reverse)
		reverse_pages((struct page **)ls->out->v + start, ls->out->n - start);
}

static void
list_run(struct lister *ls, const char *sort, const struct sortspec *ss,
	 bool reverse)
{
	const struct site *s = ls->c.s;
	uint32_t *own;
	bool all;
	size_t n, k;
	const uint32_t *v = candidates(&ls->c, &n, &own, &all);
	struct page **pages;

	k = all ? s->pages.n : n;
	if (ls->num && ss->n && usable_index(s) && k &&
	    (uint64_t)k * k >= (uint64_t)ls->num * s->pages.n) {
		/* tests what ikiwiki tests: no page is left out */
		list_walk(ls, sort, ss, reverse);
		all = true;
	} else if (k) {
		pages = cand_pages(s, v, n, all);
		list_candidates(ls, pages, k, ss, reverse);
		free(pages);
	}
	if (!all && ls->c.record && ls->c.ps->root >= 0)
		report_fixed(&ls->c);
	free(own);
}

int
pagespec_match_list(struct vec *out, const struct pagespec *ps,
		    const struct pagespec_env *env, const char *sort,
		    size_t num, bool reverse, struct buf *err)
{
	struct sortspec ss;
	struct lister ls;

	if (sortspec_parse(&ss, sort, err) < 0)
		return -1;
	ctx_init(&ls.c, ps, env);
	ls.out = out;
	ls.num = num;
	ls.found = 0;
	list_run(&ls, sort ? sort : "", &ss, reverse);
	ctx_release(&ls.c);
	sortspec_release(&ss);
	return 0;
}
