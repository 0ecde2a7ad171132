/* fuzz-frontmatter.c — libFuzzer target: a page's front matter block. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "frontmatter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *out = fopen("/dev/null", "w");
	struct yaml_doc fm;
	struct diag d;
	size_t body;
	unsigned line;
	int rc;

	if (!out)
		return 0;
	diag_init(&d, out, 0);
	rc = frontmatter_read(&fm, &body, &line, (const char *)data, size,
			      "page.mdwn", &d);
	if (body > size || line == 0 || (rc == 0 && body != 0) ||
	    (rc == 1 && fm.root && !cJSON_IsObject(fm.root)))
		abort();	/* a broken contract */
	free(cJSON_PrintUnformatted(fm.root));
	yaml_doc_release(&fm);
	diag_release(&d);
	fclose(out);
	return 0;
}
