/* cmd_build.c — weft build and weft check: build a site, or validate it. */
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "command.h"
#include "config.h"
#include "diag.h"

enum { CMD_SETUP = 256, CMD_REBUILD };

static const struct cmd_option options[] = {
	{ { "destdir", required_argument, NULL, 'd' }, "DIR",
	  "write the site to DIR instead of the configured destdir" },
	{ { "setup", required_argument, NULL, CMD_SETUP }, "FILE",
	  "read the ikiwiki YAML setup FILE instead of SITE/weft.yaml" },
	{ { "rebuild", no_argument, NULL, CMD_REBUILD }, NULL,
	  "build every page, ignoring the saved state" },
	{ { "jobs", required_argument, NULL, 'j' }, "N",
	  "use N threads (default: one per core)" },
	{ { "verbose", no_argument, NULL, 'v' }, NULL, "say more" },
	{ { "quiet", no_argument, NULL, 'q' }, NULL, "report errors only" },
	{ { "help", no_argument, NULL, 'h' }, NULL, "show this help" },
	{ { NULL, 0, NULL, 0 }, NULL, NULL },
};

static void
help(const char *name)
{
	cmd_usage(stdout, name, "[OPTIONS] [SITE]", options);
	printf("\nSITE is the directory holding weft.yaml (default: the current one).\n"
	       "Its settings (ikiwiki's setup keys; also accepted in an ikiwiki setup file):\n\n");
	build_help_options(stdout);
}

static int
run(int argc, char **argv, bool check)
{
	struct build_opts o = { 0 };
	struct option *longopts;
	char *shortopts;
	int c, verbosity = 0, status;
	struct diag d;

	o.check = check;
	cmd_getopt_table(options, &longopts, &shortopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.destdir = optarg; break;
		case CMD_SETUP: o.setup = optarg; break;
		case CMD_REBUILD: o.rebuild = true; break;
		case 'j': o.jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': verbosity++; break;
		case 'q': verbosity = -1; break;
		case 'h':
			help(argv[0]);
			status = EXIT_OK;
			goto out;
		default:
			cmd_usage(stderr, argv[0], "[OPTIONS] [SITE]", options);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (argc - optind > 1) {
		cmd_usage(stderr, argv[0], "[OPTIONS] [SITE]", options);
		status = EXIT_USAGE;
		goto out;
	}
	if (optind < argc)
		o.sitedir = argv[optind];
	diag_init(&d, stderr, verbosity);
	o.exiting = true;
	status = build_run(&o, &d);
	diag_release(&d);
out:
	free(longopts);
	free(shortopts);
	return status;
}

int
cmd_build(int argc, char **argv)
{
	return run(argc, argv, false);
}

int
cmd_check(int argc, char **argv)
{
	return run(argc, argv, true);
}
