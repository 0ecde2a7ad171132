/* test-path.c — path cleaning and relative URLs. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "tap.h"
#include "xalloc.h"

static void
clean(const char *in, const char *want)
{
	char *p = xstrdup(in);
	int rc = path_clean(p);

	if (!want)
		tap_ok(rc == -1, "clean %s escapes", in);
	else
		tap_ok(rc == 0 && strcmp(p, want) == 0, "clean %s -> %s (got %s)", in, want, rc ? "error" : p);
	free(p);
}

/* path_is_clean says what path_clean would do: true exactly for the
 * relative paths it leaves as they are. */
static void
is_clean(const char *in, bool want)
{
	char *p = xstrdup(in);
	bool unchanged = *p && *p != '/' && path_clean(p) == 0 && strcmp(p, in) == 0;

	tap_ok(path_is_clean(in) == want, "%s is %sclean", in, want ? "" : "not ");
	tap_ok(unchanged == want, "path_clean %s %s", in, want ? "leaves it" : "changes or refuses it");
	free(p);
}

static void
rel(const char *from, const char *to, const char *want)
{
	struct buf b = BUF_INIT;

	url_relative(&b, from, to);
	tap_is(b.data, want, "url from %s to %s", from, to);
	buf_release(&b);
}

/* Every byte alone, against the rule buf_put_urlpath documents. */
static void
urlpath_bytes(void)
{
	struct buf b = BUF_INIT;
	char want[4];
	int c, bad = 0;

	for (c = 1; c < 256; c++) {
		char in = (char)c;
		bool esc = c <= 0x20 || c == 0x7f || strchr("\"#%?<>\\^`{|}", c) != NULL;

		buf_reset(&b);
		buf_put_urlpath(&b, &in, 1);
		if (esc)
			snprintf(want, sizeof(want), "%%%02X", c);
		else
			snprintf(want, sizeof(want), "%c", c);
		if (strcmp(b.data, want) != 0 && bad++ < 5)
			tap_is(b.data, want, "byte 0x%02x", c);
	}
	tap_ok(bad == 0, "each byte is escaped exactly when it cannot stand in a URL path");
	buf_reset(&b);
	buf_put_urlpath(&b, "a b/c?d/\xc3\xa9\0x", 12);
	tap_is_int((long)b.len, 18, "a path keeps '/', UTF-8, and escapes the rest, NUL too");
	tap_ok(memcmp(b.data, "a%20b/c%3Fd/\xc3\xa9%00x", 18) == 0, "in place");
	buf_release(&b);
}

int
main(void)
{
	struct buf b = BUF_INIT;

	clean("a/b/../c", "a/c");
	clean("./a//b/", "a/b");
	clean("a/./b/.", "a/b");
	clean("../etc/passwd", NULL);
	clean("a/../../etc/passwd", NULL);
	clean("a/..", "");
	clean("/../x", "/x");
	clean("/a/b/../../c", "/c");
	clean("..a/b", "..a/b");

	tap_ok(path_dirlen("a/b/c", 5) == 3, "dirlen of a/b/c");
	tap_ok(path_dirlen("c", 1) == 0, "dirlen of c");
	tap_is(path_base("a/b/c.mdwn"), "c.mdwn", "base");
	tap_is(path_ext("a/b/c.mdwn"), "mdwn", "ext");
	tap_ok(path_ext("a/.profile") == NULL, "a dotfile has no ext");
	tap_ok(path_ext("a.d/file") == NULL, "a dot in a directory is no ext");

	path_join(&b, "a/b", "c");
	tap_is(b.data, "a/b/c", "join");
	buf_reset(&b);
	path_join(&b, "", "c");
	tap_is(b.data, "c", "join with empty");
	buf_reset(&b);
	path_join(&b, "a", "/abs");
	tap_is(b.data, "/abs", "join with absolute");
	buf_release(&b);

	rel("posts/a/", "posts/b/", "../b/");
	rel("posts/a/index.html", "posts/b/", "../b/");
	rel("index.html", "posts/first/", "./posts/first/");
	rel("", "posts/first/", "./posts/first/");
	rel("posts/a/", "", "../../");
	rel("posts/a/", "posts/a/photo.jpg", "./photo.jpg");
	rel("posts/a/", "posts/a/sub/", "./sub/");
	rel("posts/a.html", "posts/b.html", "./b.html");
	rel("posts/a.html", "index.html", "../index.html");
	rel("postsx/a/", "posts/b/", "../../posts/b/");
	rel("a/b/c/", "a/x/", "../../x/");
	is_clean("posts/a/index.html", true);
	is_clean("index.html", true);
	is_clean(".well-known/x", true);
	is_clean("a/..b/c.", true);
	is_clean("", false);
	is_clean("/abs", false);
	is_clean("a//b", false);
	is_clean("a/./b", false);
	is_clean("./a", false);
	is_clean("a/.", false);
	is_clean("a/../b", false);
	is_clean("..", false);
	is_clean("a/", false);
	urlpath_bytes();
	return tap_done();
}
