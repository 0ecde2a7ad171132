/* main.c — weft's entry point: dispatches to the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WEFT_MIMALLOC
#include <mimalloc.h>
#endif

#include "command.h"
#include "md.h"
#include "xalloc.h"

static const struct command commands[] = {
	{ "build", cmd_build, "build a site into its output directory" },
	{ "check", cmd_check, "validate a site without writing anything" },
	{ "new", cmd_new, "create a new site, ready to build" },
	{ "serve", cmd_serve, "build, serve and rebuild a site as its files change" },
	{ "vendor", cmd_vendor, "copy the bundled plugins and theme into a site" },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: weft COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'weft COMMAND --help' describes a command's options.\n");
}

void
cmd_getopt_table(const struct cmd_option *opts, struct option **longopts,
		 char **shortopts)
{
	size_t n = 0, i, k = 0;

	while (opts[n].opt.name)
		n++;
	*longopts = xcalloc(n + 1, sizeof(**longopts));
	*shortopts = xcalloc(2 * n + 2, 1);
	(*shortopts)[k++] = '+';	/* stop at the first operand */
	for (i = 0; i < n; i++) {
		(*longopts)[i] = opts[i].opt;
		if (opts[i].opt.val > 0 && opts[i].opt.val < 128) {
			(*shortopts)[k++] = (char)opts[i].opt.val;
			if (opts[i].opt.has_arg == required_argument)
				(*shortopts)[k++] = ':';
		}
	}
}

void
cmd_usage(FILE *out, const char *name, const char *usage_line,
	  const struct cmd_option *opts)
{
	size_t i;

	fprintf(out, "usage: weft %s %s\n\noptions:\n", name, usage_line);
	for (i = 0; opts[i].opt.name; i++) {
		char left[64];
		int v = opts[i].opt.val;

		if (v > 0 && v < 128 && v != '?')
			snprintf(left, sizeof(left), "-%c, --%s%s%s", v, opts[i].opt.name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts[i].opt.name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(out, "  %-26s %s\n", left, opts[i].help);
	}
}

int
main(int argc, char **argv)
{
	size_t i;

#ifdef WEFT_MIMALLOC
	/* 2 MiB pages where the kernel gives them (transparent huge pages,
	 * "madvise" or "always"): a build fills fresh memory with the last
	 * build's records and maps over every page, and each 4 KiB page was
	 * a fault (3 µs on a VM). A build of 10,000 pages with one edit made
	 * 8,300 faults, now 4,000. MIMALLOC_LARGE_OS_PAGES=0 still turns it
	 * off. */
	mi_option_set_enabled_default(mi_option_large_os_pages, true);
	/* And, for `weft build`, each thread's first segment too: mimalloc
	 * commits it piece by piece by default (for threads that allocate
	 * little), which kept the workers' memory in 4 KiB pages. An edit of
	 * one post among 10,000 went from 3,900 faults to 470, and from 99.9
	 * to 90.6 ms (medians of 30, taking turns). Not for the server, which
	 * stays up: its resident size rose from 26 to 38 MiB, in steps.
	 * MIMALLOC_EAGER_COMMIT_DELAY=1 is the default again. */
	if (argc >= 2 && strcmp(argv[1], "build") == 0)
		mi_option_set_default(mi_option_eager_commit_delay, 0);
#endif
	md_init();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("weft %s\n", WEFT_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "weft: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
