/* main.c — weft's entry point: dispatches to the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
