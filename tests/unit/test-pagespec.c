/* test-pagespec.c — PageSpecs and sort specs against ikiwiki's answers
 * (fixtures/pagespec, checked by ikiwiki-check.pl there), influences,
 * errors, threads, and speed on 10,000 pages. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "pagespec.h"
#include "site.h"
#include "strmap.h"
#include "tap.h"
#include "xalloc.h"

#define FIXTURES "tests/unit/fixtures/pagespec/"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- fixtures ---- */

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f) {
		perror(path);
		exit(1);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

/* Splits s in place at sep into at most max fields, the last one taking
 * the rest, the missing ones ""; returns the number of fields. */
static size_t
split(char *s, int sep, char **f, size_t max)
{
	size_t n = 0, i;

	for (;;) {
		f[n++] = s;
		if (n == max || !(s = strchr(s, sep)))
			break;
		*s++ = '\0';
	}
	for (i = n; i < max; i++)
		f[i] = "";
	return n;
}

static const char *
page_type(const char *t)
{
	if (!strcmp(t, "-"))
		return NULL;
	return !strcmp(t, "_comment") ? "_comment" : "mdwn";
}

static struct page *
add_page(struct site *s, const char *name, const char *type, time_t ctime,
	 time_t mtime)
{
	struct page *p = site_add(s, name);

	p->type = page_type(type);
	p->kind = site_kind(s, p->type);
	p->ctime = ctime;
	p->mtime = mtime;
	return p;
}

/* Loads site.txt (its format is described at its top). */
static void
load_site(struct site *s)
{
	char *text = slurp(FIXTURES "site.txt"), *line, *next, *f[3], *g[3];
	struct page *p = NULL;
	size_t n;

	site_init(s);
	for (line = text; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		/* verb, a word, the rest */
		n = split(line, ' ', f, 3);
		if (!strcmp(f[0], "page") && n == 3 && split(f[2], ' ', g, 3) == 3)
			p = add_page(s, f[1], g[0], atol(g[1]), atol(g[2]));
		else if (!strcmp(f[0], "link") && n >= 2)
			page_add_link(p, f[1], strlen(f[1]), n == 3 ?
				      strmap_intern(&s->linktypes, "tag", 3) : NULL, 0);
		else if (!strcmp(f[0], "meta") && n == 3)
			page_state_set(p, "meta", f[1], cJSON_CreateString(f[2]));
		else if (!strcmp(f[0], "metanum") && n == 3)
			page_state_set(p, "meta", f[1], cJSON_CreateNumber(atof(f[2])));
		else
			fprintf(stderr, "site.txt: a bad line: %s\n", line), exit(1);
	}
	free(text);
	site_sort(s);
	site_link(s, false, 1);
	pagespec_index_build(s);
}

/* ---- influences, as ikiwiki's depends_simple: page -> types ---- */

struct collect {
	struct strmap types;
	size_t calls;
};

static void
collect_influence(const char *page, unsigned type, void *arg)
{
	struct collect *c = arg;
	void **slot = strmap_slot(&c->types, page, strlen(page));

	*slot = (void *)((uintptr_t)*slot | type);
	c->calls++;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "page:type ..." sorted, "-" for none; the collector is emptied. */
static char *
collected(struct collect *c)
{
	struct buf b = BUF_INIT;
	struct strmap_entry *e;
	char **v = xcalloc(c->types.count + 1, sizeof(*v));
	size_t it = 0, n = 0, i;

	while ((e = strmap_next(&c->types, &it)))
		v[n++] = xasprintf("%s:%u", e->key, (unsigned)(uintptr_t)e->val);
	qsort(v, n, sizeof(*v), str_cmp);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i ? " " : "", v[i]);
		free(v[i]);
	}
	free(v);
	strmap_release(&c->types, NULL);
	strmap_init(&c->types);
	c->calls = 0;
	return n ? buf_detach(&b, NULL) : xstrdup("-");
}

static bool
enabled(const char *plugin, void *arg)
{
	(void)arg;
	return !strcmp(plugin, "tag") || !strcmp(plugin, "meta");
}

static void
env_init(struct pagespec_env *env, const struct site *s, const char *loc,
	 struct collect *c)
{
	memset(env, 0, sizeof(*env));
	env->site = s;
	env->location = loc;
	env->tagbase = "tags";
	env->enabled = enabled;
	env->influence = c ? collect_influence : NULL;
	env->arg = c;
	env->influence_arg = c;
}

static char *
names(const struct vec *v)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < v->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", ((struct page *)v->v[i])->name);
	return v->n ? buf_detach(&b, NULL) : xstrdup("-");
}

/* ---- the table of cases ---- */

struct tcase {
	unsigned line;
	const char *spec, *loc, *sort, *want, *infl, *note;
	size_t num;
	bool reverse;
};

static size_t
load_cases(char *text, struct tcase **out)
{
	struct tcase *v = NULL;
	size_t n = 0, cap = 0, nf;
	char *line, *next, *f[8];
	unsigned lineno = 0;

	for (line = text; line && *line; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		if ((nf = split(line, '\t', f, 8)) < 7) {
			fprintf(stderr, "cases.txt:%u: %zu fields\n", lineno, nf);
			exit(1);
		}
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n].line = lineno;
		v[n].spec = f[0];
		v[n].loc = strcmp(f[1], "-") ? f[1] : NULL;
		v[n].sort = strcmp(f[2], "-") ? f[2] : NULL;
		v[n].num = (size_t)atol(f[3]);
		v[n].reverse = atoi(f[4]);
		v[n].want = f[5];
		v[n].infl = f[6];
		v[n++].note = nf > 7 ? f[7] : "";
	}
	*out = v;
	return n;
}

/* One run of a case: the matches (or "ERROR") and the influences. */
static char *
run_case(const struct site *s, const struct tcase *t, char **infl)
{
	struct buf err = BUF_INIT;
	struct collect c = { STRMAP_INIT, 0 };
	struct pagespec_env env;
	struct pagespec *ps = pagespec_compile(t->spec, &err);
	struct vec out = VEC_INIT;
	char *got;

	env_init(&env, s, t->loc, infl ? &c : NULL);
	if (!ps || pagespec_match_list(&out, ps, &env, t->sort, t->num,
				       t->reverse, &err) < 0)
		got = xstrdup(err.len ? "ERROR" : "ERROR without a message");
	else
		got = names(&out);
	if (infl)
		*infl = collected(&c);
	strmap_release(&c.types, NULL);
	vec_release(&out);
	pagespec_free(ps);
	buf_release(&err);
	return got;
}

/* pagespec_match on every page agrees with the list (unsorted cases). */
static void
check_single(const struct site *s, const struct tcase *t)
{
	struct pagespec *ps = pagespec_compile(t->spec, NULL);
	struct pagespec_env env;
	bool internal = strstr(t->spec, "internal(") || strstr(t->spec, "comment(");
	size_t i, bad = 0;
	char *want;

	if (!ps || t->sort || t->num || t->reverse) {
		pagespec_free(ps);
		return;
	}
	env_init(&env, s, t->loc, NULL);
	want = xasprintf(" %s ", t->want);
	for (i = 0; i < s->pages.n; i++) {
		const struct page *p = s->pages.v[i];
		char *key = xasprintf(" %s ", p->name);

		if (p->kind != SRC_INTERNAL || internal)
			bad += pagespec_match(ps, p, &env) != (strstr(want, key) != NULL);
		free(key);
	}
	tap_ok(bad == 0, "cases.txt:%u: pagespec_match agrees on each page (%zu differ)",
	       t->line, bad);
	free(want);
	pagespec_free(ps);
}

static void
test_cases(struct site *s, const struct tcase *v, size_t n)
{
	struct pagespec_index *ix = s->psindex;
	size_t i;
	char *got, *infl;

	for (i = 0; i < n; i++) {
		const struct tcase *t = &v[i];

		got = run_case(s, t, &infl);
		tap_is(got, t->want, "cases.txt:%u: %s [%s] %s", t->line, t->spec,
		       t->loc ? t->loc : "", t->sort ? t->sort : "");
		if (strcmp(t->infl, "*"))
			tap_is(infl, t->infl, "cases.txt:%u: influences of %s",
			       t->line, t->spec);
		free(got);
		free(infl);
		/* without the index: every page tested, as ikiwiki does */
		s->psindex = NULL;
		got = run_case(s, t, &infl);
		tap_is(got, t->want, "cases.txt:%u: %s, without the index",
		       t->line, t->spec);
		if (strcmp(t->infl, "*"))
			tap_is(infl, t->infl, "cases.txt:%u: influences without the index",
			       t->line);
		s->psindex = ix;
		free(got);
		free(infl);
		check_single(s, t);
	}
}

/* ---- errors ---- */

static void
expect_error(const char *spec, const char *msg)
{
	struct buf err = BUF_INIT;
	struct pagespec *ps = pagespec_compile(spec, &err);

	if (!tap_ok(!ps && strstr(err.data, msg), "error for \"%.40s\"", spec))
		printf("# got: %s\n# want: %s\n", err.data, msg);
	pagespec_free(ps);
	buf_release(&err);
}

static void
test_errors(void)
{
	struct buf b = BUF_INIT;
	struct pagespec *ps;
	int i;

	expect_error("a b", "syntax error in pagespec \"a b\": two terms without \"and\" or \"or\" before \"b\"");
	expect_error("a and", "a term expected at the end");
	expect_error("or a", "an operand expected before \"or\"");
	expect_error("(a", "missing \")\" at the end");
	expect_error("a)", "unbalanced \")\"");
	expect_error("( )", "empty parentheses");
	expect_error("a and )", "a term expected, not \")\"");
	expect_error("nosuch(x) or a", "unknown function in pagespec \"nosuch(x)\"");
	expect_error("creation_day(x)", "invalid day x");
	expect_error("creation_month(-1)", "invalid month -1");
	expect_error("creation_year(2024a)", "invalid year 2024a");

	/* nesting is bounded; long chains are not */
	for (i = 0; i < 200; i++)
		buf_putc(&b, '(');
	buf_puts(&b, "a");
	for (i = 0; i < 200; i++)
		buf_putc(&b, ')');
	expect_error(b.data, "nested too deeply");
	buf_reset(&b);
	for (i = 0; i < 50; i++)
		buf_putc(&b, '(');
	buf_puts(&b, "a");
	for (i = 0; i < 50; i++)
		buf_putc(&b, ')');
	ps = pagespec_compile(b.data, NULL);
	tap_ok(ps != NULL, "50 levels of parentheses");
	pagespec_free(ps);
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_puts(&b, i ? " or x" : "x");
	buf_putc(&b, ' ');
	for (i = 0; i < 100000; i++)
		buf_putc(&b, '!');
	ps = pagespec_compile(b.data, NULL);
	tap_ok(ps == NULL, "100000 terms then a dangling \"!\" chain is an error");
	pagespec_free(ps);
	buf_truncate(&b, b.len - 100001);
	buf_puts(&b, " or !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!x");
	ps = pagespec_compile(b.data, NULL);
	tap_ok(ps != NULL, "a chain of 100000 terms compiles");
	pagespec_free(ps);
	buf_release(&b);
}

/* ---- the rest of the contract ---- */

static void
test_simple(void)
{
	tap_ok(pagespec_is_simple("foo"), "simple: foo");
	tap_ok(pagespec_is_simple("blog/Foo_bar-1.2+x:y"), "simple: wiki_file_chars");
	tap_ok(pagespec_is_simple("caf\xc3\xa9"), "simple: UTF-8 letters");
	tap_ok(!pagespec_is_simple(""), "not simple: empty");
	tap_ok(!pagespec_is_simple("foo bar"), "not simple: a space");
	tap_ok(!pagespec_is_simple("blog/*"), "not simple: *");
	tap_ok(!pagespec_is_simple("foo?"), "not simple: ?");
	tap_ok(!pagespec_is_simple("link(foo)"), "not simple: a function");
	tap_ok(!pagespec_is_simple("!foo"), "not simple: !");
	tap_ok(!pagespec_is_simple("foo\n"), "not simple: a newline");
	tap_ok(!pagespec_is_simple("a,b"), "not simple: a comma");
}

static bool
match1(const struct site *s, const char *spec, const char *page,
       const struct pagespec_env *base)
{
	struct pagespec *ps = pagespec_compile(spec, NULL);
	struct pagespec_env env = *base;
	bool r;

	env.site = s;
	r = ps && pagespec_match(ps, site_page(s, page), &env);
	pagespec_free(ps);
	return r;
}

static void
test_env(struct site *s)
{
	struct pagespec_env env;
	struct collect c = { STRMAP_INIT, 0 };
	struct pagespec *ps;
	char *got;

	env_init(&env, s, "index", NULL);
	tap_ok(!match1(s, "included()", "music", &env), "included(): not when source is dest");
	env.sourcepage = "blog/first";
	env.destpage = "index";
	tap_ok(match1(s, "included()", "music", &env), "included(): source is not dest");
	tap_ok(match1(s, "sourcepage(blog/*)", "music", &env), "sourcepage(blog/*)");
	tap_ok(match1(s, "sourcepage(./blog/f*)", "music", &env), "sourcepage() is derel'd");
	tap_ok(!match1(s, "destpage(blog/*)", "music", &env), "destpage(blog/*) on index");
	tap_ok(match1(s, "destpage(INDEX)", "music", &env), "destpage() is case-insensitive");
	env.sourcepage = "blog/a/comment_1";
	tap_ok(!match1(s, "sourcepage(*)", "music", &env), "sourcepage(): never an internal page");
	env.sourcepage = env.destpage = NULL;
	env.location = NULL;
	tap_ok(!match1(s, "sourcepage(*)", "music", &env), "sourcepage() without a location");
	tap_ok(match1(s, "./mus*", "music", &env), "./ without a location is the top");
	env.enabled = NULL;
	tap_ok(!match1(s, "enabled(tag)", "music", &env), "enabled() without a callback");

	/* tagged() without a tagbase is link() to the tag, typed */
	env_init(&env, s, "index", NULL);
	env.tagbase = NULL;
	tap_ok(!match1(s, "tagged(foo)", "sandbox", &env), "no tagbase: tagged(foo) wants a tag link to Foo");
	tap_ok(match1(s, "tagged(/tags/foo)", "blog/first", &env), "no tagbase: tagged(/tags/foo)");
	tap_ok(!match1(s, "tagged(tags/foo)", "Foo", &env), "no tagbase: a plain link is no tag");
	env.tagbase = "/tags//";
	tap_ok(match1(s, "tagged(foo)", "blog/first", &env), "tagbase slashes are squashed");

	/* pagespec_match reports every influence, its own page too */
	env_init(&env, s, "index", &c);
	ps = pagespec_compile("link(music) or created_before(blog/first)", NULL);
	tap_ok(!pagespec_match(ps, site_page(s, "blog/second"), &env), "link() or created_before(): no");
	got = collected(&c);
	tap_is(got, "blog/first:2 blog/second:4", "pagespec_match keeps a failure's own page");
	free(got);
	pagespec_free(ps);
	strmap_release(&c.types, NULL);
}

/* Glob corners: Perl's '.' and '$', UTF-8 characters, no blowup. */
static void
test_glob(struct site *s)
{
	struct pagespec_env env;
	struct page *p;
	struct buf name = BUF_INIT;
	struct timespec t0, t1;
	double secs;
	int i;

	env_init(&env, s, "index", NULL);
	p = site_page(s, "blog/sub/deep");
	page_state_set(p, "meta", "title", cJSON_CreateString("Trailing\n"));
	tap_ok(match1(s, "title(trailing)", "blog/sub/deep", &env), "a final newline is ignored, as by '$'");
	tap_ok(!match1(s, "title(trailing?)", "blog/sub/deep", &env), "'?' matches no newline");
	page_state_set(p, "meta", "title", cJSON_CreateString("two\nlines"));
	tap_ok(!match1(s, "title(two*)", "blog/sub/deep", &env), "'*' crosses no newline");
	tap_ok(!match1(s, "title(*lines)", "blog/sub/deep", &env), "'*' crosses no newline (2)");
	page_state_set(p, "meta", "title", cJSON_CreateNumber(42));
	tap_ok(match1(s, "title(42)", "blog/sub/deep", &env), "a number in state is matched as Perl prints it");
	page_state_set(p, "meta", "title", cJSON_CreateNull());
	tap_ok(!match1(s, "title(*)", "blog/sub/deep", &env), "a null title: no fallback");
	page_state_set(p, "meta", "title", NULL);
	tap_ok(match1(s, "title(deep)", "blog/sub/deep", &env) == false &&
	       match1(s, "title(blog/sub/deep)", "blog/sub/deep", &env),
	       "the title falls back to the whole name");

	add_page(s, "caf\xc3\xa9", "mdwn", 0, 0);
	for (i = 0; i < 3000; i++)
		buf_putc(&name, 'a');
	add_page(s, name.data, "mdwn", 0, 0);
	site_sort(s);
	tap_ok(match1(s, "caf?", "caf\xc3\xa9", &env), "'?' is one UTF-8 character");
	tap_ok(!match1(s, "caf??", "caf\xc3\xa9", &env), "'?' is not one byte");
	tap_ok(match1(s, "c*?", "caf\xc3\xa9", &env), "'*' then '?' over UTF-8");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tap_ok(!match1(s, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", name.data, &env),
	       "many stars against 3000 bytes: no match");
	tap_ok(match1(s, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", name.data, &env),
	       "many stars against 3000 bytes: a match");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# pathological globs: %.4f s\n", secs);
	tap_ok(secs < 2, "pathological globs stay linear-ish");
	buf_release(&name);
}

/* Long "or" chains: spans beyond the page count mean every page. */
static void
test_long_or(const struct site *s)
{
	struct buf spec = BUF_INIT;
	struct pagespec *ps;
	struct pagespec_env env;
	struct vec out = VEC_INIT;
	double t0 = now();
	int i;

	for (i = 0; i < 20000; i++)
		buf_puts(&spec, i ? " or *" : "*");
	buf_puts(&spec, " or tagged(foo) or blog/*");
	ps = pagespec_compile(spec.data, NULL);
	env_init(&env, s, "index", NULL);
	pagespec_match_list(&out, ps, &env, "age", 3, false, NULL);
	tap_ok(out.n == 3, "20000 \"*\" or'd: a list");
	out.n = 0;
	pagespec_match_list(&out, ps, &env, NULL, 0, false, NULL);
	tap_ok(out.n > 20, "20000 \"*\" or'd: every page (%zu)", out.n);
	printf("# 20000 terms or'd, matched twice: %.3f s\n", now() - t0);
	vec_release(&out);
	pagespec_free(ps);
	buf_release(&spec);
}

/* The names of s's pages in order, with their pos checked. */
static void
order_of(const struct site *s, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = 0; i < s->pages.n; i++) {
		const struct page *p = s->pages.v[i];

		buf_printf(out, "%s%s", i ? " " : "", p->name);
		if (p->pos != i)
			buf_printf(out, "(pos %zu)", p->pos);
	}
}

/* Pages added after a sort (a plugin's) are merged in; their parents join
 * the ones that stand, which bestlink needs to look under them. */
static void
test_sort_added(void)
{
	struct site s;
	struct buf order = BUF_INIT;
	const char *first[] = { "d", "b", "f/x" }, *later[] = { "g", "c/y", "a", "e" };
	struct page *to;
	size_t i;

	site_init(&s);
	for (i = 0; i < 3; i++)
		site_add(&s, first[i]);
	site_sort(&s);
	order_of(&s, &order);
	tap_is(order.data, "b d f/x", "site_sort: the walk's pages");
	for (i = 0; i < 4; i++)
		site_add(&s, later[i]);
	site_sort(&s);
	order_of(&s, &order);
	tap_is(order.data, "a b c/y d e f/x g", "site_sort: added pages merged in");
	to = site_bestlink(&s, "c", "y", 1);
	tap_is(to ? to->name : "(none)", "c/y", "an added page's parent is known");
	to = site_bestlink(&s, "f", "x", 1);
	tap_is(to ? to->name : "(none)", "f/x", "an earlier page's parent stays known");
	site_add(&s, "h");
	site_sort(&s);
	order_of(&s, &order);
	tap_is(order.data, "a b c/y d e f/x g h", "site_sort: a page added after all");
	buf_release(&order);
	site_release(&s);
}

/* bestlink's candidates: up from the linking page's directory, absolute,
 * in any case, the userdir last; names too long for its stack room. */
static void
test_bestlink(void)
{
	struct site s;
	struct buf longdir = BUF_INIT, longpage = BUF_INIT;
	struct page *to;
	size_t i;

	for (i = 0; i < 40; i++)
		buf_puts(&longdir, i ? "/segment" : "segment");	/* 319 bytes */
	buf_printf(&longpage, "%s/target", longdir.data);
	site_init(&s);
	site_add(&s, "a/b/c");
	site_add(&s, "a/c");
	site_add(&s, "c");
	site_add(&s, "users/joey");
	site_add(&s, longpage.data);
	site_sort(&s);
	s.userdir = "users";
	to = site_bestlink(&s, "a/b", "c", 1);
	tap_is(to ? to->name : "(none)", "a/b/c", "bestlink: under the page first");
	to = site_bestlink(&s, "a/x", "c", 1);
	tap_is(to ? to->name : "(none)", "a/c", "bestlink: then its parent");
	to = site_bestlink(&s, "a/b", "/c", 2);
	tap_is(to ? to->name : "(none)", "c", "bestlink: absolute");
	to = site_bestlink(&s, "a/b", "C", 1);
	tap_is(to ? to->name : "(none)", "a/b/c", "bestlink: in any case");
	to = site_bestlink(&s, "x", "Joey", 4);
	tap_is(to ? to->name : "(none)", "users/joey", "bestlink: the userdir last");
	to = site_bestlink(&s, longdir.data, "target", 6);
	tap_is(to ? to->name : "(none)", longpage.data, "bestlink: a name past 256 bytes");
	to = site_bestlink(&s, "", longpage.data, longpage.len);
	tap_is(to ? to->name : "(none)", longpage.data, "bestlink: a long link from the top");
	to = site_bestlink(&s, longdir.data, "nothere", 7);
	tap_ok(to == NULL, "bestlink: nothing found");
	buf_release(&longdir);
	buf_release(&longpage);
	site_release(&s);
}

static char *
match_names(const struct site *s, const char *spec)
{
	struct pagespec_env env;
	struct pagespec *ps = pagespec_compile(spec, NULL);
	struct vec out = VEC_INIT;
	char *got;

	env_init(&env, s, "index", NULL);
	pagespec_match_list(&out, ps, &env, NULL, 0, false, NULL);
	got = names(&out);
	vec_release(&out);
	pagespec_free(ps);
	return got;
}

/* The index keeps each page's creation day from the first creation_*()
 * on; a ctime that changed since is read again. */
static void
test_changed_ctime(struct site *s)
{
	struct page *p = site_page(s, "blog/first");
	time_t was = p->ctime;
	char *got;

	pagespec_index_build(s);	/* the tests before added pages */
	got = match_names(s, "blog/first and creation_year(2024) and creation_month(3)");
	tap_is(got, "blog/first", "creation_year() and creation_month() of a page");
	free(got);
	p->ctime = 1560000000;	/* 2019-06-08 */
	got = match_names(s, "blog/first and creation_year(2019) and creation_day(8)");
	tap_is(got, "blog/first", "creation_year() after the page's ctime changed");
	free(got);
	p->ctime = was;
}

/* A page added after the index: the index is not used, nothing is lost. */
static void
test_stale_index(struct site *s)
{
	char *got;

	add_page(s, "blog/new", "mdwn", 0, 0);
	site_sort(s);
	got = match_names(s, "blog/n*");
	tap_is(got, "blog/new", "a page added after the index is found");
	free(got);
}

static void
test_sort(struct site *s)
{
	struct page *v[4];
	struct buf err = BUF_INIT;
	struct vec out = VEC_INIT;
	char *got;

	v[0] = site_page(s, "item9");
	v[1] = site_page(s, "Item2");
	v[2] = site_page(s, "item10");
	v[3] = site_page(s, "blog");
	tap_ok(pagespec_sort(v, 4, "title_natural", false, &err) == 0, "pagespec_sort");
	out.v = (void **)v;
	out.n = 4;
	got = names(&out);
	tap_is(got, "blog Item2 item9 item10", "pagespec_sort title_natural");
	free(got);
	pagespec_sort(v, 4, NULL, true, &err);
	got = names(&out);
	tap_is(got, "item9 item10 blog Item2", "pagespec_sort: no key is name order, reversed");
	free(got);
	tap_ok(pagespec_sort(v, 4, "age nosuch", false, &err) < 0 &&
	       strstr(err.data, "unknown sort type nosuch"), "pagespec_sort: unknown key");
	buf_reset(&err);
	tap_ok(pagespec_sort(v, 4, "meta", false, &err) < 0 &&
	       strstr(err.data, "sort=meta requires a parameter"), "pagespec_sort: meta needs a field");
	buf_reset(&err);
	tap_ok(pagespec_sort(v, 4, "a-b", false, &err) < 0 &&
	       strstr(err.data, "invalid sort type a-b"), "pagespec_sort: invalid key");
	buf_release(&err);
}

/* natural.txt: ikiwiki's title_natural order of 300 random names. */
static void
test_natural(void)
{
	char *text = slurp(FIXTURES "natural.txt"), *line, *next;
	struct site s;
	struct buf want = BUF_INIT;
	struct pagespec *ps = pagespec_compile("*", NULL);
	struct pagespec_env env;
	struct vec out = VEC_INIT;
	char *got;

	site_init(&s);
	for (line = text; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		add_page(&s, line, "mdwn", 0, 0);
		buf_printf(&want, "%s%s", want.len ? " " : "", line);
	}
	site_sort(&s);
	site_link(&s, false, 1);
	pagespec_index_build(&s);
	env_init(&env, &s, "index", NULL);
	pagespec_match_list(&out, ps, &env, "title_natural", 0, false, NULL);
	got = names(&out);
	tap_ok(!strcmp(got, want.data), "title_natural agrees with Sort::Naturally on %zu names", out.n);
	free(got);
	vec_release(&out);
	pagespec_free(ps);
	buf_release(&want);
	site_release(&s);
	free(text);
}

/* ---- threads: one compiled spec and one site shared ---- */

struct worker {
	const struct site *s;
	const struct tcase *cases;
	size_t n;
	size_t bad;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	size_t round, i;
	char *got, *infl;

	for (round = 0; round < 5; round++)
		for (i = 0; i < w->n; i++) {
			got = run_case(w->s, &w->cases[i], &infl);
			w->bad += strcmp(got, w->cases[i].want) != 0 ||
				  (strcmp(w->cases[i].infl, "*") &&
				   strcmp(infl, w->cases[i].infl));
			free(got);
			free(infl);
		}
	return NULL;
}

static void
test_threads(const struct site *s, const struct tcase *cases, size_t n)
{
	pthread_t t[8];
	struct worker w[8];
	size_t i, bad = 0;

	for (i = 0; i < 8; i++) {
		w[i].s = s;
		w[i].cases = cases;
		w[i].n = n;
		w[i].bad = 0;
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
	}
	tap_ok(bad == 0, "8 threads sharing the site agree with the table (%zu differ)", bad);
}

/* ---- speed: 10,000 posts, 50 tags ---- */

static void
perf_site(struct site *s)
{
	const char *tag = NULL;
	struct page *p;
	char name[64], link[64];
	int i, j;

	site_init(s);
	tag = strmap_intern(&s->linktypes, "tag", 3);
	add_page(s, "index", "mdwn", 0, 0);
	add_page(s, "posts", "mdwn", 0, 0);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "tags/t%d", i);
		add_page(s, name, "mdwn", 1000, 1000);
	}
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), i % 100 == 5 ? "posts/p%04d/Discussion" :
			 "posts/p%04d", i);
		/* ctimes spread, with ties */
		p = add_page(s, name, "mdwn", 1600000000 + (i * 7919 % 10007) / 2 * 3600,
			     1700000000 + i);
		snprintf(link, sizeof(link), "Post %d", i);
		page_state_set(p, "meta", "title", cJSON_CreateString(link));
		for (j = 0; j <= i % 4; j++) {
			snprintf(link, sizeof(link), "/tags/t%d", (i * 7 + j * 13) % 50);
			page_add_link(p, link, strlen(link), tag, 0);
		}
		snprintf(link, sizeof(link), "p%04d", (i + 1) % 10000);
		page_add_link(p, link, strlen(link), NULL, 0);
		page_add_link(p, "index", 5, NULL, 0);
	}
	site_sort(s);
	site_link(s, false, 1);
	pagespec_index_build(s);
}

/* n calls of one spec, each located on another page, like a tag cloud or
 * an index on every page; the first result is kept in *first. */
static double
time_calls(const struct site *s, const char *spec, const char *sort, size_t num,
	   size_t *total, char **first)
{
	struct pagespec *ps = pagespec_compile(spec, NULL);
	struct collect c = { STRMAP_INIT, 0 };
	struct pagespec_env env;
	struct vec out = VEC_INIT;
	double t0 = now();
	size_t i;

	*total = 0;
	*first = NULL;
	for (i = 0; i < s->pages.n; i++) {
		env_init(&env, s, ((struct page *)s->pages.v[i])->name, &c);
		out.n = 0;
		pagespec_match_list(&out, ps, &env, sort, num, false, NULL);
		*total += out.n;
		if (!*first)
			*first = names(&out);
	}
	t0 = now() - t0;
	strmap_release(&c.types, NULL);
	vec_release(&out);
	pagespec_free(ps);
	return t0;
}

/* The same, once, testing every page (no index), as ikiwiki would; *unit
 * is the quickest of five such calls: what each of n calls would cost
 * without the index. */
static char *
brute(struct site *s, const char *spec, const char *sort, size_t num, double *unit)
{
	struct pagespec_index *ix = s->psindex;
	struct pagespec *ps = pagespec_compile(spec, NULL);
	struct collect c = { STRMAP_INIT, 0 };
	struct pagespec_env env;
	struct vec out = VEC_INIT;
	char *got;
	double t;
	int i;

	s->psindex = NULL;
	env_init(&env, s, "index", &c);
	for (i = 0; i < 5; i++) {
		out.n = 0;
		t = now();
		pagespec_match_list(&out, ps, &env, sort, num, false, NULL);
		t = now() - t;
		if (!i || t < *unit)
			*unit = t;
	}
	s->psindex = ix;
	got = names(&out);
	strmap_release(&c.types, NULL);
	vec_release(&out);
	pagespec_free(ps);
	return got;
}

/*
 * n calls that test every page cost n units: an O(n^2) blowup. With the
 * index they must cost at most n / 2 units, whatever the optimisation or
 * sanitizer. A tag cloud's calls cost their ~400 matches and influences
 * each: some 330 units at -O2, 1400 under ASan (where malloc is dear); an
 * index page's cost some 10 to 20 units.
 */
static void
check_speed(const char *what, double secs, double unit, size_t n)
{
	printf("# %s: %.3f s for %zu calls; one call testing every page: %.2f ms\n",
	       what, secs, n, unit * 1e3);
	tap_ok(secs < unit * (double)n / 2,
	       "%s: %zu calls cost %.0f calls testing every page (at most %zu)",
	       what, n, secs / unit, n / 2);
}

static void
test_speed(void)
{
	struct site s;
	size_t total, n;
	double secs, unit = 0;
	char *first, *want;

	perf_site(&s);
	n = s.pages.n;
	secs = time_calls(&s, "tagged(t7)", NULL, 0, &total, &first);
	want = brute(&s, "tagged(t7)", NULL, 0, &unit);
	tap_is(first, want, "tagged(t7) with the index is what testing every page gives");
	tap_ok(total / n > 100, "tagged(t7) matches some hundreds (%zu)", total / n);
	check_speed("tagged(t7) on each page", secs, unit, n);
	free(first);
	free(want);

	secs = time_calls(&s, "posts/* and !*/Discussion", "age title", 10, &total, &first);
	want = brute(&s, "posts/* and !*/Discussion", "age title", 10, &unit);
	tap_is(first, want, "an index page's 10 newest, with the index, as without");
	tap_ok(total == 10 * n, "10 matches each time");
	check_speed("posts/* and !*/Discussion, age title, num 10, on each page",
		    secs, unit, n);
	free(first);
	free(want);

	secs = time_calls(&s, "link(posts/p0042) or backlink(posts/p0042)", NULL, 0,
			  &total, &first);
	want = brute(&s, "link(posts/p0042) or backlink(posts/p0042)", NULL, 0, &unit);
	tap_is(first, "index posts/p0041 posts/p0043 tags/t20 tags/t44 tags/t7",
	       "link() or backlink()");
	tap_is(first, want, "link() or backlink() with the index, as without");
	check_speed("link(x) or backlink(x) on each page", secs, unit, n);
	free(first);
	free(want);
	site_release(&s);
}

int
main(void)
{
	struct site s;
	char *text;
	struct tcase *cases;
	size_t n;

	setenv("TZ", "UTC", 1);
	tzset();
	load_site(&s);
	text = slurp(FIXTURES "cases.txt");
	n = load_cases(text, &cases);
	test_cases(&s, cases, n);
	test_threads(&s, cases, n);
	test_errors();
	test_simple();
	test_env(&s);
	test_sort(&s);
	test_natural();
	test_long_or(&s);
	test_glob(&s);
	test_changed_ctime(&s);
	test_stale_index(&s);
	test_sort_added();
	test_bestlink();
	test_speed();
	free(cases);
	free(text);
	site_release(&s);
	return tap_done();
}
