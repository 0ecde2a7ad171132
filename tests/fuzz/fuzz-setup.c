/* fuzz-setup.c — libFuzzer target: a setup file read as YAML, then loaded,
 * checked and read as a configuration. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "diag.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct config_option plugin_opts[] = {
	{ "tagbase", OPT_STRING, "tags", "where tag pages go", 0 },
	{ "comments_pagespec", OPT_STRING, NULL, "pages taking comments", 0 },
	{ "pagestats", OPT_ANY, NULL, "anything", 0 },
};

/* Every typed read of the first keys the file holds, whatever their
 * type (each read is linear in the keys: all of them would be quadratic). */
static void
read_all(const struct config *c)
{
	const char **items;
	size_t i;

	for (i = 0; i < c->doc.nkeys && i < 64; i++) {
		const char *k = c->doc.keys[i].key;

		(void)config_str(c, k);
		(void)config_bool(c, k);
		(void)config_int(c, k);
		(void)config_value(c, k);
		(void)config_line(c, k);
		free(config_path(c, k));
		config_list(c, k, &items);
		free(items);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *out = fopen("/dev/null", "w");
	struct yaml_doc doc;
	struct config c;
	struct diag d;

	if (!out)
		return 0;
	diag_init(&d, out, 1);
	if (yaml_read(&doc, (const char *)data, size, "fuzz.yaml", 1, &d) == 0)
		free(cJSON_PrintUnformatted(doc.root));
	yaml_doc_release(&doc);

	config_init(&c);
	config_declare(&c, plugin_opts, sizeof(plugin_opts) / sizeof(*plugin_opts));
	if (config_load_text(&c, (const char *)data, size, "/site/weft.yaml",
			     "/site", &d) == 0) {
		config_set(&c, "destdir", "../out");
		config_check(&c, &d);
		read_all(&c);
	}
	config_help(out, &c);
	config_release(&c);
	diag_release(&d);
	fclose(out);
	return 0;
}
