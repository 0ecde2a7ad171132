/* cmd_vendor.c — weft vendor: copy the bundled plugins and theme into a
 * site that lacks them (a migrated ikiwiki site, or one made by an older
 * weft). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "command.h"
#include "config.h"
#include "diag.h"
#include "path.h"
#include "vendor.h"

enum { CMD_SETUP = 256, CMD_FORCE };

static const struct cmd_option options[] = {
	{ { "setup", required_argument, NULL, CMD_SETUP }, "FILE",
	  "the site's ikiwiki YAML setup FILE instead of SITE/weft.yaml" },
	{ { "force", no_argument, NULL, CMD_FORCE }, NULL,
	  "replace files the site has changed" },
	{ { "help", no_argument, NULL, 'h' }, NULL, "show this help" },
	{ { NULL, 0, NULL, 0 }, NULL, NULL },
};

static int
vendor(const char *site, const char *setup, bool force, struct diag *d)
{
	struct config c;
	struct buf file = BUF_INIT;
	struct vendor_report r;
	char *plugins = NULL, *themes = NULL;
	int rc = -1;

	config_init(&c);
	path_join(&file, site ? site : ".", "weft.yaml");
	if (config_load(&c, setup ? setup : file.data, d) < 0)
		goto out;
	plugins = config_path(&c, "plugindir");
	themes = config_path(&c, "themedir");
	if (vendor_copy(&r, plugins, themes, force, d) < 0)
		goto out;
	printf("%u files copied, %u already there, %u kept as the site has them\n",
	       r.copied, r.same, r.kept);
	rc = 0;
out:
	free(plugins);
	free(themes);
	buf_release(&file);
	config_release(&c);
	return rc;
}

int
cmd_vendor(int argc, char **argv)
{
	struct option *longopts;
	char *shortopts;
	const char *setup = NULL;
	bool force = false;
	struct diag d;
	int c, status = EXIT_USAGE;

	cmd_getopt_table(options, &longopts, &shortopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case CMD_SETUP: setup = optarg; break;
		case CMD_FORCE: force = true; break;
		case 'h':
			cmd_usage(stdout, argv[0], "[OPTIONS] [SITE]", options);
			status = EXIT_OK;
			goto out;
		default:
			cmd_usage(stderr, argv[0], "[OPTIONS] [SITE]", options);
			goto out;
		}
	}
	if (argc - optind > 1) {
		cmd_usage(stderr, argv[0], "[OPTIONS] [SITE]", options);
		goto out;
	}
	diag_init(&d, stderr, 0);
	status = vendor(optind < argc ? argv[optind] : NULL, setup, force, &d) == 0 ?
		EXIT_OK : EXIT_FAILED;
	diag_release(&d);
out:
	free(longopts);
	free(shortopts);
	return status;
}
