/* command.h — the command table: one file per command, one entry each. */
#ifndef WEFT_COMMAND_H
#define WEFT_COMMAND_H

#include <getopt.h>
#include <stdio.h>

/* Exit statuses shared by every command. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the work was done, but some of it failed */
	EXIT_USAGE = 2,		/* bad usage or configuration: nothing was done */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Describes one command-line option for --help, beside getopt's table. */
struct cmd_option {
	struct option opt;	/* getopt_long's entry; name NULL ends a table */
	const char *arg;	/* the argument's name in help, NULL when none */
	const char *help;
};

/* Fills a getopt_long table and a short-option string from opts. The caller
 * frees both. */
void cmd_getopt_table(const struct cmd_option *opts, struct option **longopts,
		      char **shortopts);
/* Prints "usage: weft NAME USAGE", then the options with their help. */
void cmd_usage(FILE *out, const char *name, const char *usage,
	       const struct cmd_option *opts);

int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_vendor(int argc, char **argv);

#endif
