/* build.c — a whole build: configuration, scan, link, render, write. */
#include "build.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "find.h"
#include "pagespec.h"
#include "path.h"
#include "plan.h"
#include "plugin.h"
#include "pool.h"
#include "render.h"
#include "scan.h"
#include "tmpl.h"
#include "vcs.h"
#include "xalloc.h"

/* The site's timeformat of each time formatted in this build: a post's
 * date is shown on its page, in every list of it (three tag pages' archives,
 * say) and in its feeds, and a localtime and strftime are thousands of
 * instructions. */
void
build_strftime(struct build *b, struct buf *out, const char *fmt, time_t t)
{
	struct tm tm;
	char tmp[512];
	size_t n;
	struct times_shown *ts = NULL;
	void **slot;
	const char *known;

	if (fmt == b->timeformat) {
		ts = &b->times_shown[(uint64_t)t % (sizeof(b->times_shown) / sizeof(*ts))];
		pthread_mutex_lock(&ts->lock);
		if ((known = strmap_get(&ts->map, (const char *)&t, sizeof(t))))
			buf_puts(out, known);
		pthread_mutex_unlock(&ts->lock);
		if (known)
			return;
	}
	localtime_r(&t, &tm);
	n = strftime_l(tmp, sizeof(tmp), fmt, &tm, b->clocale);
	buf_put(out, tmp, n);
	if (ts) {
		char *text = xstrndup(tmp, n);

		pthread_mutex_lock(&ts->lock);
		slot = strmap_slot(&ts->map, (const char *)&t, sizeof(t));
		if (!*slot)
			*slot = text;
		else
			free(text);
		pthread_mutex_unlock(&ts->lock);
	}
}

void
build_date3339(struct buf *out, time_t t)
{
	struct tm tm;
	char tmp[64];

	gmtime_r(&t, &tm);
	buf_put(out, tmp, strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm));
}

void
build_displaytime_open(struct build *b, struct buf *out, time_t t, bool pubdate)
{
	if (b->html5) {
		buf_puts(out, "<time datetime=\"");
		build_date3339(out, t);
		buf_puts(out, pubdate ? "\" pubdate=\"pubdate\">" : "\">");
	} else {
		buf_puts(out, "<span class=\"date\">");
	}
}

void
build_displaytime_close(struct build *b, struct buf *out)
{
	buf_puts(out, b->html5 ? "</time>" : "</span>");
}

void
build_displaytime(struct build *b, struct buf *out, time_t t, bool pubdate, const char *fmt)
{
	build_displaytime_open(b, out, t, pubdate);
	build_strftime(b, out, fmt ? fmt : b->timeformat, t);
	build_displaytime_close(b, out);
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int
load_config(struct build *b)
{
	const struct build_opts *o = &b->opts;
	struct buf file = BUF_INIT;
	int rc;

	config_init(&b->cfg);
	if (o->setup) {
		rc = config_load(&b->cfg, o->setup, b->diag);
	} else {
		path_join(&file, o->sitedir ? o->sitedir : ".", "weft.yaml");
		if (is_file(file.data))
			rc = config_load(&b->cfg, file.data, b->diag);
		else
			rc = diag_error(b->diag, o->sitedir ? o->sitedir : ".", 0,
					"no weft.yaml here (an ikiwiki site builds with --setup FILE)");
	}
	buf_release(&file);
	if (rc < 0)
		return -1;
	/* The configured destdir stays out of the sources even when -d
	 * writes elsewhere: it holds an earlier build. */
	b->configured_destdir = config_path(&b->cfg, "destdir");
	if (o->destdir) {
		char *d = path_absolute(o->destdir);

		config_set(&b->cfg, "destdir", d);
		free(d);
	}
	return 0;
}

/* A writable state directory: the configured one, else one under the
 * user's cache directory named after the source directory. */
static char *
state_dir(struct build *b)
{
	char *dir = config_path(&b->cfg, "wikistatedir");
	struct buf alt = BUF_INIT;
	const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (dir && path_mkdirs(dir) == 0 && access(dir, W_OK) == 0)
		return dir;
	if (cache && *cache)
		path_join(&alt, cache, "weft");
	else
		path_join(&alt, home ? home : "/tmp", ".cache/weft");
	buf_printf(&alt, "/%08x", strmap_hash(b->site.srcdir, strlen(b->site.srcdir)));
	if (!b->opts.check)
		diag_note(b->diag, NULL, 0, "%s is not writable; keeping the build state in %s",
			  dir ? dir : "the state directory", alt.data);
	free(dir);
	path_mkdirs(alt.data);
	return buf_detach(&alt, NULL);
}

static bool
inside_or_same(const char *dir, const char *root)
{
	size_t n = strlen(root);

	return strncmp(dir, root, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

static int
setup_site(struct build *b)
{
	struct site *s = &b->site;
	char *tz;

	site_init(s);
	s->cfg = &b->cfg;
	s->diag = b->diag;
	s->srcdir = config_path(&b->cfg, "srcdir");
	s->destdir = config_path(&b->cfg, "destdir");
	if (!s->srcdir || !s->destdir)
		return diag_error(b->diag, b->cfg.file, 0, "srcdir and destdir must be set");
	if (access(s->srcdir, R_OK | X_OK) < 0)
		return diag_error(b->diag, b->cfg.file, config_line(&b->cfg, "srcdir"),
				  "srcdir %s: %s", s->srcdir, strerror(errno));
	if (inside_or_same(s->srcdir, s->destdir))
		return diag_error(b->diag, b->cfg.file, config_line(&b->cfg, "destdir"),
				  "destdir %s would hold the sources", s->destdir);
	s->statedir = state_dir(b);
	s->usedirs = config_bool(&b->cfg, "usedirs");
	s->userdir = config_str(&b->cfg, "userdir");
	s->indexpages = config_bool(&b->cfg, "indexpages");
	b->wikiname = config_str(&b->cfg, "wikiname");
	b->url = config_str(&b->cfg, "url");
	if (b->url && *b->url) {
		/* ikiwiki would write "http://x//feed" for "http://x/". */
		size_t n = strlen(b->url);

		while (n > 1 && b->url[n - 1] == '/')
			n--;
		b->url = b->trimmed_url = xstrndup(b->url, n);
	} else {
		b->url = NULL;
	}
	b->timeformat = config_str(&b->cfg, "timeformat");
	b->htmlext = config_str(&b->cfg, "htmlext");
	b->html5 = config_bool(&b->cfg, "html5");
	b->discussion = config_bool(&b->cfg, "discussion");
	b->discussionpage = config_str(&b->cfg, "discussionpage");
	b->discussion_type = site_linktype(s, "discussion");
	b->numbacklinks = config_int(&b->cfg, "numbacklinks");
	if ((tz = (char *)config_str(&b->cfg, "timezone")) && *tz) {
		setenv("TZ", tz, 1);
		tzset();
	} else if (!getenv("TZ") && access("/etc/localtime", R_OK) == 0) {
		/* The system's zone, named: with TZ unset, glibc's mktime
		 * stats /etc/localtime on every call (twice a dated page),
		 * under the lock localtime_r takes on every other thread. */
		setenv("TZ", ":/etc/localtime", 0);
		tzset();
	}
	b->clocale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (config_str(&b->cfg, "locale") && *config_str(&b->cfg, "locale")) {
		locale_t l = newlocale(LC_TIME_MASK, config_str(&b->cfg, "locale"), b->clocale);

		if (l)
			b->clocale = l;
		else
			diag_warning(b->diag, b->cfg.file, config_line(&b->cfg, "locale"),
				     "locale \"%s\" is not available; dates use the C locale",
				     config_str(&b->cfg, "locale"));
	}
	return 0;
}

static int
scan_sources(struct build *b)
{
	const char *keys[] = { "wikistatedir", "plugindir", "themedir" };
	const char *prune[9];
	char *owned[4] = { 0 };
	struct scan_opts so = { prune, 0, NULL, false, b->nthreads, plan_source_added, b,
				plan_source_peek };
	size_t i;
	int errors;

	so.html = plugin_enabled(b->plugins, "html");
	if (so.html) {
		site_add_type(&b->site, "html", SRC_PAGE);
		site_add_type(&b->site, "htm", SRC_PAGE);
	}
	for (i = 0; i < 3; i++)
		if ((owned[i] = config_path(&b->cfg, keys[i])))
			prune[so.nprune++] = owned[i];
	prune[so.nprune++] = b->site.statedir;
	prune[so.nprune++] = b->site.destdir;
	if (b->configured_destdir)
		prune[so.nprune++] = b->configured_destdir;
	if (b->cfg.file)
		prune[so.nprune++] = b->cfg.file;
	errors = scan_tree(&b->site, &so, b->diag);
	for (i = 0; i < 4; i++)
		free(owned[i]);
	site_sort(&b->site);
	b->has_local_css = site_page(&b->site, "local.css") != NULL;
	return errors;
}

struct range {
	struct build *b;
	size_t from;
};

/* Reads a page's source, unless its scan results can be restored from the
 * last build (then its text is read only if something needs it). */
static void
read_range(size_t i, unsigned w, void *arg)
{
	struct range *r = arg;
	struct page *p = r->b->site.pages.v[r->from + i];

	(void)w;
	if (p->kind == SRC_FILE || plan_restore(r->b, p))
		return;
	if (!p->text)
		render_read(r->b, p);
}

static void
scan_range(size_t i, unsigned w, void *arg)
{
	struct range *r = arg;
	struct page *p = r->b->site.pages.v[r->from + i];
	struct ctx c = { r->b, w, p, p, 0, NULL, false, NULL };

	if (p->kind == SRC_FILE || p->restored || !p->text)
		return;
	deps_free(p->scan_deps);
	c.deps = p->scan_deps = deps_new();
	render_scan(&c);
}

/* What rendering p may cost, to start the costly pages first: a page that
 * lists pages (any directive with a pages= argument: inline, map,
 * pagestats, ...) renders many, and one such page begun last would leave
 * the other workers waiting for it at the end of the pass. */
static uint64_t
render_cost(const struct page *p)
{
	uint64_t cost = (uint64_t)(p->text ? p->len : (size_t)p->size);
	const char *t = p->text, *end = t ? t + p->len : NULL;

	while (t && (t = find_mem(t, (size_t)(end - t), "pages=", 6))) {
		cost += 1000000;
		t += 6;
	}
	return cost;
}

struct costed {
	uint64_t cost;
	struct page *p;
	size_t pos;
};

static int
by_cost(const void *x, const void *y)
{
	const struct costed *a = x, *b = y;

	if (a->cost != b->cost)
		return a->cost < b->cost ? 1 : -1;
	return (a->pos > b->pos) - (a->pos < b->pos);
}

/* The render order: rendered pages by cost, the rest after them in name
 * order (an incremental build sorts the few it renders). */
static void
order_render(struct build *b)
{
	size_t n = b->site.pages.n, i, k = 0, rest = 0;
	struct costed *c = xcalloc(n + 1, sizeof(*c));
	struct page **others = xcalloc(n + 1, sizeof(*others));

	for (i = 0; i < n; i++) {
		struct page *p = b->site.pages.v[i];

		if (p->render && p->kind == SRC_PAGE)
			c[k++] = (struct costed){ render_cost(p) + 1, p, i };
		else
			others[rest++] = p;
	}
	qsort(c, k, sizeof(*c), by_cost);
	b->order = xcalloc(n + 1, sizeof(*b->order));
	for (i = 0; i < k; i++)
		b->order[i] = c[i].p;
	memcpy(b->order + k, others, rest * sizeof(*others));
	free(others);
	free(c);
}

/* Claims the outputs of the pages this build does not render, so they
 * stay: before the render pass, on one thread (an edit keeps nearly every
 * page's, and workers claiming them by turns spent half their time waiting
 * for the lock). */
static void
keep_unrendered(struct build *b)
{
	size_t i, k;

	output_reserve(&b->out, b->site.pages.n);
	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];
		const char *owner = p->src ? p->src : p->name;

		if (!p->dest || p->render)
			continue;
		output_keep(&b->out, p->dest, owner);
		for (k = 0; p->render_deps && k < p->render_deps->outputs.n; k++)
			output_keep(&b->out, p->render_deps->outputs.v[k], owner);
	}
}

/* Writes a page or copies a file this build must. */
static void
render_one(size_t i, unsigned w, void *arg)
{
	struct build *b = arg;
	struct page *p = b->order[i];
	bool unsettled = false;
	struct ctx c = { b, w, p, p, 0, NULL, false, &unsettled };
	struct buf src = BUF_INIT;
	struct timespec t0, t1;

	if (!p->dest || !p->render)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (p->kind == SRC_PAGE) {
		deps_free(p->render_deps);
		c.deps = p->render_deps = deps_new();
		if (plan_text(b, p))
			render_page(&c);
		else
			p->failed = true;
	} else if (p->kind == SRC_FILE) {
		path_join(&src, b->site.srcdir, p->src);
		if (output_copy(&b->out, p->dest, src.data, p->src) < 0)
			p->failed = true;
		buf_release(&src);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	p->render_us = (unsigned)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
}

/* The render pass's jobs: when the theme changed, its stylesheet first
 * (libsass holds one core for a while, which the others spend on pages),
 * then the pages in b->order. write_theme writes the stylesheet after. */
static void
render_job(size_t i, unsigned w, void *arg)
{
	struct build *b = arg;

	if (b->theme_changed) {
		if (i == 0) {
			b->css_rc = theme_css(&b->theme, &b->css);
			return;
		}
		i--;
	}
	render_one(i, w, b);
}

static int
by_render_time(const void *x, const void *y)
{
	const struct page *a = *(struct page *const *)x, *b = *(struct page *const *)y;

	return a->render_us < b->render_us ? 1 : a->render_us > b->render_us ? -1 : 0;
}

/* Names, at -vv, the pages whose render took longest. */
static void
report_slowest(struct build *b)
{
	struct page **v;
	size_t i, n = b->site.pages.n;

	if (b->diag->verbosity < 2 || n == 0)
		return;
	v = xmalloc(n * sizeof(*v));
	memcpy(v, b->site.pages.v, n * sizeof(*v));
	qsort(v, n, sizeof(*v), by_render_time);
	for (i = 0; i < n && i < 10 && v[i]->render_us; i++)
		diag_debug(b->diag, "slow: %s rendered in %.1f ms", v[i]->src ? v[i]->src : v[i]->name,
			   v[i]->render_us / 1e3);
	free(v);
}

/* The scan pass over every page, then over the pages the autofiles hooks
 * make (tag pages, archives), until they make no more. */
static int
scan_all(struct build *b)
{
	size_t from = 0, to, round;
	int added = 0;

	for (round = 0; round < 4; round++) {
		to = b->site.pages.n;
		diag_hold(b->diag);
		pool_run(b->nthreads, to - from, read_range, &(struct range){ b, from });
		pool_run(b->nthreads, to - from, scan_range, &(struct range){ b, from });
		diag_flush(b->diag);
		added = plugin_autofiles(b);
		if (added <= 0)
			break;
		from = to;
	}
	plugin_autofiles_done(b);
	site_sort(&b->site);
	return added < 0 ? -1 : 0;
}

struct broken {
	const struct link *first;
	size_t count;
};

static void
report_one(struct build *b, const struct page *p, const struct broken *k)
{
	const char *t = k->first->target;
	int shown = strlen(t) > 80 ? 80 : (int)strlen(t);
	const char *more = strlen(t) > 80 ? "..." : "";

	if (k->count > 1 && b->opts.check)
		diag_error(b->diag, p->src, k->first->line, "broken link to \"%.*s%s\" (%zu times)",
			   shown, t, more, k->count);
	else if (k->count > 1)
		diag_warning(b->diag, p->src, k->first->line, "broken link to \"%.*s%s\" (%zu times)",
			     shown, t, more, k->count);
	else if (b->opts.check)
		diag_error(b->diag, p->src, k->first->line, "broken link to \"%.*s%s\"",
			   shown, t, more);
	else
		diag_warning(b->diag, p->src, k->first->line, "broken link to \"%.*s%s\"",
			     shown, t, more);
}

/* Reports the links no page answers: each target once per page, at its
 * first line, with how many times the page has it. */
static void
report_broken(struct build *b)
{
	size_t i, j;

	for (i = 0; i < b->site.pages.n; i++) {
		struct page *p = b->site.pages.v[i];
		struct strmap seen = STRMAP_INIT;
		struct broken *list = NULL;
		size_t n = 0, cap = 0;

		for (j = 0; j < p->nlinks; j++) {
			const struct link *l = &p->links[j];
			void **slot;

			if (l->to || l->type || !l->line)
				continue;
			slot = strmap_slot(&seen, l->target, strlen(l->target));
			if (*slot) {
				list[(size_t)*slot - 1].count++;
				continue;
			}
			list = xgrow(list, &cap, n + 1, sizeof(*list));
			list[n].first = l;
			list[n++].count = 1;
			*slot = (void *)n;
		}
		for (j = 0; j < n; j++)
			report_one(b, p, &list[j]);
		free(list);
		strmap_release(&seen, NULL);
	}
}

/* Writes path for the theme, and remembers it for the next build. */
static int
theme_write(struct build *b, const char *path, const char *data, size_t len)
{
	vec_push(&b->theme_outputs, xstrdup(path));
	return output_write(&b->out, path, data, len, "theme");
}

/* The compiled stylesheet and the theme's static files; when the theme is
 * as the last build left it, what that build wrote stays. */
static int
write_theme(struct build *b)
{
	struct buf text = BUF_INIT, rel = BUF_INIT;
	struct vec files = VEC_INIT;
	size_t i;
	int rc = 0, r;

	if (!b->theme_changed) {
		for (i = 0; i < b->old.outputs.n; i++) {
			const char *o = b->old.outputs.v[i];

			if (strcmp(o, "404.html") != 0 && !output_claimed(&b->out, o)) {
				output_keep(&b->out, o, "theme");
				vec_push(&b->theme_outputs, xstrdup(o));
			}
		}
		return 0;
	}
	r = b->css_rc;
	if (r < 0)
		rc = -1;
	else if (r == 0 && !site_page(&b->site, "style.css") &&
		 theme_write(b, "style.css", b->css.data, b->css.len) < 0)
		rc = -1;
	theme_static(&b->theme, &files);
	for (i = 0; i < files.n; i++) {
		buf_reset(&text);
		buf_reset(&rel);
		buf_printf(&rel, "static/%s", (char *)files.v[i]);
		if (!site_page(&b->site, files.v[i]) &&
		    (theme_read(&b->theme, rel.data, &text) < 0 ||
		     theme_write(b, files.v[i], text.data, text.len) < 0))
			rc = -1;
		free(files.v[i]);
	}
	vec_release(&files);
	buf_release(&text);
	buf_release(&rel);
	return rc;
}

/* A 404.html from the theme's 404.tmpl, with links from the site's root:
 * a server shows it at any depth, so relative links would break. */
static int
write_404(struct build *b)
{
	const struct tmpl *body, *page;
	struct tvars *v;
	struct buf content = BUF_INIT, html = BUF_INIT, base = BUF_INIT;
	const char *slash;
	int rc = 0;

	if (output_claimed(&b->out, "404.html") ||
	    !(body = theme_template(&b->theme, "404.tmpl")) ||
	    !(page = theme_template(&b->theme, "page.tmpl")))
		return 0;
	if (b->url && (slash = strstr(b->url, "://")) && (slash = strchr(slash + 3, '/')))
		buf_puts(&base, slash);
	if (!base.len || base.data[base.len - 1] != '/')
		buf_putc(&base, '/');
	v = tvars_new();
	tvars_set(v, "baseurl", base.data);
	tvars_set(v, "wikiname", b->wikiname);
	tmpl_fill(&content, body, v);
	tvars_set(v, "title", "Page not found");
	tvars_set(v, "html5", b->html5 ? "1" : "");
	tvars_set(v, "responsive_layout", "1");
	tvars_set(v, "html_lang_code", config_str(&b->cfg, "lang"));
	tvars_set(v, "html_lang_dir", "ltr");
	if (b->has_local_css)
		tvars_set(v, "local_css", "local.css");
	tvars_set_owned(v, "content", buf_detach(&content, NULL));
	tmpl_fill(&html, page, v);
	tvars_free(v);
	if (theme_write(b, "404.html", html.data, html.len) < 0)
		rc = -1;
	buf_release(&html);
	buf_release(&base);
	return rc;
}

/* Notes how long the phase that just ended took, for -v. */
static void
phase(struct build *b, const char *name)
{
	struct timespec now;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - b->phase_start.tv_sec) * 1e3 +
	     (double)(now.tv_nsec - b->phase_start.tv_nsec) / 1e6;
	buf_printf(&b->phases, "%s%s %.0f", b->phases.len ? ", " : "", name, ms);
	b->phase_start = now;
}

static size_t
count_rendered(struct build *b)
{
	size_t n = 0, i;

	for (i = 0; i < b->site.pages.n; i++)
		n += ((struct page *)b->site.pages.v[i])->render;
	return n;
}

static unsigned
count_failed(struct build *b)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < b->site.pages.n; i++)
		n += ((struct page *)b->site.pages.v[i])->failed;
	return n;
}

static void
release(struct build *b)
{
	size_t i;

	if (b->out.destdir)
		output_close(&b->out);
#ifndef WEFT_FREE_AT_EXIT
	/* The process ends here: freeing a large site piece by piece would
	 * take longer than a build that found nothing to do. (Builds with
	 * the sanitizers free everything, so a leak still shows.) */
	if (b->opts.exiting)
		return;
#endif
	plan_end(b);
	free(b->order);
	buf_release(&b->phases);
	buf_release(&b->css);
	for (i = 0; i < b->theme_outputs.n; i++)
		free(b->theme_outputs.v[i]);
	vec_release(&b->theme_outputs);
	if (b->theme.name)
		theme_release(&b->theme);
	site_release(&b->site);
	config_release(&b->cfg);
	free(b->configured_destdir);
	free(b->trimmed_url);
	vcs_times_free(b->times);
	plugins_free(b->plugins);
	if (b->clocale)
		freelocale(b->clocale);
	for (i = 0; i < sizeof(b->times_shown) / sizeof(*b->times_shown); i++) {
		strmap_release(&b->times_shown[i].map, free);
		pthread_mutex_destroy(&b->times_shown[i].lock);
	}
}

int
build_run(const struct build_opts *opts, struct diag *d)
{
	struct build b;
	struct timespec t0, t1;
	unsigned failed;
	int status = 2, errors = 0;

	memset(&b, 0, sizeof(b));
	for (size_t i = 0; i < sizeof(b.times_shown) / sizeof(*b.times_shown); i++) {
		pthread_mutex_init(&b.times_shown[i].lock, NULL);
		strmap_init(&b.times_shown[i].map);
	}
	buf_init(&b.css);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b.opts = *opts;
	b.diag = d;
	b.nthreads = opts->jobs ? opts->jobs : pool_cores();
	if (load_config(&b) < 0 || setup_site(&b) < 0)
		goto out;
	theme_init(&b.theme, &b.cfg, b.site.srcdir, d);
	errors += plugins_load(&b.plugins, &b);
	config_check(&b.cfg, d);
	if (output_open(&b.out, b.site.destdir, b.site.statedir, opts->check, d) < 0)
		goto out;
	b.phase_start = t0;
	phase(&b, "setup");
	plan_begin(&b);
	errors += scan_sources(&b);
	if (plan_sources(&b)) {
		/* Nothing the last build read has changed. */
		status = 0;
		phase(&b, "sources");
		diag_info(d, "%zu sources, nothing changed (ms: %s)", b.site.pages.n, b.phases.data);
		goto out;
	}
	errors += scan_place_all(&b.site, b.htmlext, b.nthreads, d);
	phase(&b, "sources");
	plan_outputs(&b);
	plan_dates(&b);
	if (scan_all(&b) < 0)
		errors++;
	phase(&b, "scan");
	site_link(&b.site, plan_same_pages(&b), b.nthreads);
	pagespec_index_build(&b.site);
	report_broken(&b);
	plan_changes(&b);
	phase(&b, "link");
	diag_hold(d);
	order_render(&b);
	keep_unrendered(&b);
	b.rendering = true;
	pool_run(b.nthreads, b.site.pages.n + (b.theme_changed ? 1 : 0), render_job, &b);
	b.rendering = false;
	diag_flush(d);
	phase(&b, "render");
	report_slowest(&b);
	plugin_profile_report(b.plugins, d);
	if (write_theme(&b) < 0 || write_404(&b) < 0)
		errors++;
	if (plugin_done(&b) < 0)
		errors++;
	if (output_finish(&b.out) < 0)
		errors++;
	phase(&b, "finish");
	if (plan_save(&b) < 0)
		errors++;
	phase(&b, "save");
	failed = count_failed(&b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	diag_info(d, "%zu sources, %zu rendered, %u files written, %u unchanged, %u removed in %.0f ms (%s)",
		  b.site.pages.n, count_rendered(&b), b.out.written, b.out.unchanged, b.out.removed,
		  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		  b.phases.data);
	if (failed)
		diag_error(d, NULL, 0, "%u page%s failed", failed, failed == 1 ? "" : "s");
	/* An error reported anywhere (a template that does not compile,
	 * say) fails the build, even when every page was written. */
	status = failed || errors || d->errors ? 1 : 0;
out:
	release(&b);
	return status;
}

static void
influence(const char *page, unsigned type, void *arg)
{
	deps_hit(arg, page, type);
}

void
build_dep_begin(struct ctx *c, struct deprec *rec, const char *spec,
		const char *location, unsigned type, struct pagespec_env *env)
{
	memset(rec, 0, sizeof(*rec));
	if (!c || !c->deps)
		return;
	if (deps_record(rec, &c->b->deps, spec, location, type) && env) {
		env->influence = influence;
		env->influence_arg = rec;
	}
}

void
build_dep_hit(struct deprec *rec, const char *page, unsigned type)
{
	if (rec->dep)
		deps_hit(rec, page, type);
}

void
build_dep_end(struct ctx *c, struct deprec *rec)
{
	if (!rec->dep)
		return;
	deps_commit(rec, &c->b->deps);
	deps_add(c->deps, rec->dep);
}

void
build_depend_page(struct ctx *c, const char *name, unsigned type)
{
	struct deprec rec;

	build_dep_begin(c, &rec, name, "", type, NULL);
	build_dep_hit(&rec, name, type);
	build_dep_end(c, &rec);
}

void
build_lookup(struct ctx *c, const char *from, const char *link,
	     const struct page *found)
{
	if (c && c->deps)
		deps_lookup(c->deps, from, link, found ? found->name : NULL);
}

void
build_template(struct ctx *c, const char *name)
{
	if (c && c->deps)
		deps_template(c->deps, name);
}

void
build_output(struct ctx *c, const char *path)
{
	if (c && c->deps)
		deps_output(c->deps, path);
}

void
build_help_options(FILE *out)
{
	struct build b;
	struct diag d;

	memset(&b, 0, sizeof(b));
	diag_init(&d, stderr, -1);
	b.diag = &d;
	b.nthreads = 1;
	b.opts.all_plugins = true;
	config_init(&b.cfg);
	config_load_none(&b.cfg, ".");
	site_init(&b.site);
	plugins_load(&b.plugins, &b);
	config_help(out, &b.cfg);
	plugins_free(b.plugins);
	site_release(&b.site);
	config_release(&b.cfg);
	diag_release(&d);
}
