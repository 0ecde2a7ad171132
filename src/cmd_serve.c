/* cmd_serve.c — weft serve: build a site, serve it, rebuild when a file
 * changes and tell the open pages. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "command.h"
#include "config.h"
#include "diag.h"
#include "path.h"
#include "serve.h"
#include "watch.h"
#include "xalloc.h"

enum {
	CMD_SETUP = 256,
	CMD_PORT,
	CMD_BIND,
	CMD_DEBOUNCE,
};

static const char usage_line[] = "[OPTIONS] [SITE]";

static const struct cmd_option options[] = {
	{ { "port", required_argument, NULL, CMD_PORT }, "N",
	  "listen on port N (default 8000; 0: any free port)" },
	{ { "bind", required_argument, NULL, CMD_BIND }, "ADDR",
	  "listen on ADDR (default 127.0.0.1: this machine only)" },
	{ { "debounce", required_argument, NULL, CMD_DEBOUNCE }, "MS",
	  "build MS milliseconds after the last change (default 100)" },
	{ { "setup", required_argument, NULL, CMD_SETUP }, "FILE",
	  "read the ikiwiki YAML setup FILE instead of SITE/weft.yaml" },
	{ { "destdir", required_argument, NULL, 'd' }, "DIR",
	  "build into and serve DIR instead of the configured destdir" },
	{ { "jobs", required_argument, NULL, 'j' }, "N",
	  "use N threads (default: one per core)" },
	{ { "verbose", no_argument, NULL, 'v' }, NULL, "say more" },
	{ { "quiet", no_argument, NULL, 'q' }, NULL, "report errors only" },
	{ { "help", no_argument, NULL, 'h' }, NULL, "show this help" },
	{ { NULL, 0, NULL, 0 }, NULL, NULL },
};

/* Where a site's files are: what to watch, what to leave alone, what to
 * serve. Absolute paths. */
struct places {
	char *config;
	char *srcdir;
	char *destdir;
	char *configured_destdir;
	char *statedir;
	char *dirs[3];		/* plugindir, themedir, templatedir; may be NULL */
};

struct server {
	struct build_opts o;
	int verbosity;
	unsigned debounce_ms;	/* quiet after the last change before building */
	struct diag *diag;	/* the server's own messages */
	struct places p;
	struct serve *srv;
	struct watch *w;	/* the sources */
	struct watch *out;	/* destdir; NULL when it cannot be watched */
};

static void
help(const char *name)
{
	cmd_usage(stdout, name, usage_line, options);
	printf("\nBuilds SITE (the directory holding weft.yaml; default: the current one),\n"
	       "serves its output, rebuilds when one of its files changes and reloads\n"
	       "the pages open in browsers: only the stylesheets when only they changed,\n"
	       "and an overlay with the messages when the build fails. Stop with Ctrl-C.\n"
	       "A port in use is an error (exit 2): choose another with --port.\n");
}

/* Reads the configuration once, for the places to watch and serve; the
 * builds read it again each time. */
static int
find_places(struct places *p, const struct build_opts *o, struct diag *d)
{
	static const char *const keys[] = { "plugindir", "themedir", "templatedir" };
	struct config cfg;
	struct buf file = BUF_INIT;
	size_t i;
	int rc = -1;

	config_init(&cfg);
	if (!o->setup)
		path_join(&file, o->sitedir ? o->sitedir : ".", "weft.yaml");
	if (config_load(&cfg, o->setup ? o->setup : file.data, d) < 0)
		goto out;
	p->config = xstrdup(cfg.file);
	p->srcdir = config_path(&cfg, "srcdir");
	p->configured_destdir = config_path(&cfg, "destdir");
	p->destdir = o->destdir ? path_absolute(o->destdir) : config_path(&cfg, "destdir");
	p->statedir = config_path(&cfg, "wikistatedir");
	for (i = 0; i < 3; i++)
		p->dirs[i] = config_path(&cfg, keys[i]);
	if (!p->srcdir || !p->destdir) {
		diag_error(d, cfg.file, 0, "srcdir and destdir must be set");
		goto out;
	}
	rc = 0;
out:
	config_release(&cfg);
	buf_release(&file);
	return rc;
}

static void
places_release(struct places *p)
{
	size_t i;

	free(p->config);
	free(p->srcdir);
	free(p->destdir);
	free(p->configured_destdir);
	free(p->statedir);
	for (i = 0; i < 3; i++)
		free(p->dirs[i]);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Watches destdir, where the builds write: what changes there decides
 * what the open pages do. */
static int
watch_output(struct server *x)
{
	watch_free(x->out);
	x->out = NULL;
	path_mkdirs(x->p.destdir);
	if (!(x->out = watch_new(x->diag)) || watch_tree(x->out, x->p.destdir) < 0) {
		watch_free(x->out);
		x->out = NULL;
		return -1;
	}
	return 0;
}

/* Watches the sources, plugins, themes, templates and configuration,
 * never the output or the build state. */
static int
watch_site(struct server *x)
{
	struct places *p = &x->p;
	size_t i;

	if (!(x->w = watch_new(x->diag)))
		return -1;
	watch_ignore(x->w, p->destdir);
	if (p->configured_destdir)
		watch_ignore(x->w, p->configured_destdir);
	if (p->statedir)
		watch_ignore(x->w, p->statedir);
	if (watch_tree(x->w, p->srcdir) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (is_dir(p->dirs[i]) && watch_tree(x->w, p->dirs[i]) < 0)
			return -1;
	if (watch_file(x->w, p->config) < 0)
		return -1;
	watch_output(x);
	return 0;
}

/* What a build did to destdir. */
struct outcome {
	enum serve_event ev;
	bool lost;		/* anything may have changed */
};

static void
note_output(const char *path, void *arg)
{
	struct outcome *o = arg;
	const char *ext = path_ext(path);
	enum serve_event ev = ext && strcmp(ext, "css") == 0 ? SERVE_CSS : SERVE_RELOAD;

	if (!*path)
		o->lost = true;
	if (ev > o->ev)
		o->ev = ev;
}

/*
 * What the last build changed in destdir, for the pages open: nothing,
 * only stylesheets, or more. The build writes through a temporary file
 * and a rename (output.h), so each file it changed is one event, and
 * the files it left alone none. Without a watch on destdir, every build
 * reloads.
 */
static enum serve_event
changes(struct server *x)
{
	struct outcome o = { SERVE_NONE, false };

	if (!x->out)
		return SERVE_RELOAD;
	if (watch_read(x->out, note_output, &o) < 0 || o.lost) {
		o.ev = SERVE_RELOAD;
		watch_output(x);
	}
	return o.ev;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static const char *
relative(const struct server *x, const char *path)
{
	size_t n = strlen(x->p.srcdir);

	if (strncmp(path, x->p.srcdir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static void
say_built(const struct server *x, const char *why, int status,
	  enum serve_event ev, double ms)
{
	static const char *const what[] = {
		[SERVE_NONE] = "nothing served changed",
		[SERVE_CSS] = "stylesheets swapped",
		[SERVE_RELOAD] = "pages reloaded",
		[SERVE_ERROR] = "it failed; the pages show why",
	};

	if (x->verbosity < 0 && status == 0)
		return;
	if (!why)
		fprintf(stderr, "weft: built in %.0f ms%s\n", ms, status ? "; it failed" : "");
	else
		fprintf(stderr, "weft: %s changed: rebuilt in %.0f ms, %s\n",
			*why ? relative(x, why) : "a lot", ms, what[ev]);
}

/* One build, its messages to the terminal and, when it fails, to the
 * pages; why is the changed file (NULL for the first build). */
static void
rebuild(struct server *x, const char *why)
{
	struct timespec t0;
	struct diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int status;
	enum serve_event ev;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!(f = open_memstream(&text, &len))) {
		perror("weft: open_memstream");
		abort();
	}
	diag_init(&d, f, x->verbosity);
	if (x->srv)
		serve_building(x->srv);
	x->o.changed = why != NULL;
	status = build_run(&x->o, &d);
	diag_release(&d);
	fclose(f);
	fputs(text, stderr);
	ev = changes(x);
	if (status != 0)
		ev = SERVE_ERROR;
	say_built(x, why, status, ev, ms_since(&t0));
	if (x->srv)
		serve_built(x->srv, ev, text);
	free(text);
}

/* SIGINT and SIGTERM are blocked in every thread (they inherit the mask)
 * and read from a signalfd by the loop, so a build is never interrupted
 * and no handler shares state. They must not be ignored, as a shell
 * without job control does for "weft serve &", or they would never
 * arrive. */
static int
signals_fd(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int
serve_site(struct server *x)
{
	int sigfd = signals_fd(), r;

	if (sigfd < 0)
		return diag_error(x->diag, NULL, 0, "signalfd: %s", strerror(errno));
	rebuild(x, NULL);
	if (serve_start(x->srv, x->p.destdir) < 0) {
		close(sigfd);
		return -1;
	}
	printf("weft: serving %s at %s (Ctrl-C to stop)\n", x->p.destdir, serve_url(x->srv));
	fflush(stdout);
	while ((r = watch_wait(x->w, sigfd, x->debounce_ms)) > 0)
		rebuild(x, watch_changed(x->w));
	close(sigfd);
	if (r == 0 && x->verbosity >= 0)
		fprintf(stderr, "weft: stopped\n");
	return r;
}

/* The argument s of option opt, a number in [0, max], into *n; -1 after
 * saying so for anything else. */
static int
number_arg(unsigned *n, const char *opt, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "weft serve: --%s %s: not a number from 0 to %ld\n", opt, s, max);
		return -1;
	}
	*n = (unsigned)v;
	return 0;
}

static int
start(struct server *x, const char *bind, const char *port)
{
	int status = EXIT_USAGE;

	if (find_places(&x->p, &x->o, x->diag) < 0)
		goto out;
	if (!(x->srv = serve_new(bind, port, x->diag)))
		goto out;
	if (watch_site(x) < 0)
		goto out;
	status = serve_site(x) < 0 ? EXIT_FAILED : EXIT_OK;
out:
	serve_free(x->srv);
	watch_free(x->w);
	watch_free(x->out);
	places_release(&x->p);
	return status;
}

int
cmd_serve(int argc, char **argv)
{
	struct server x = { 0 };
	struct option *longopts;
	char *shortopts;
	const char *bind = "127.0.0.1", *port = "8000";
	int c, status = EXIT_USAGE;
	unsigned portnum;
	struct diag d;

	x.debounce_ms = 100;
	cmd_getopt_table(options, &longopts, &shortopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case CMD_PORT: port = optarg; break;
		case CMD_BIND: bind = optarg; break;
		case CMD_DEBOUNCE:
			if (number_arg(&x.debounce_ms, "debounce", optarg, 60000) < 0)
				goto usage;
			break;
		case CMD_SETUP: x.o.setup = optarg; break;
		case 'd': x.o.destdir = optarg; break;
		case 'j': x.o.jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': x.verbosity++; break;
		case 'q': x.verbosity = -1; break;
		case 'h':
			help(argv[0]);
			status = EXIT_OK;
			goto out;
		default:
			goto usage;
		}
	}
	if (argc - optind > 1 || number_arg(&portnum, "port", port, 65535) < 0)
		goto usage;
	if (optind < argc)
		x.o.sitedir = argv[optind];
	diag_init(&d, stderr, x.verbosity);
	x.diag = &d;
	status = start(&x, bind, port);
	diag_release(&d);
	goto out;
usage:
	cmd_usage(stderr, argv[0], usage_line, options);
out:
	free(longopts);
	free(shortopts);
	return status;
}
