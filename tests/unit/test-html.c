/* test-html.c — making a feed item's links absolute. */
#include <string.h>

#include "html.h"
#include "tap.h"

static void
resolve(const char *base, const char *ref, const char *want)
{
	struct buf b = BUF_INIT;

	url_resolve(&b, base, ref);
	tap_is(b.data, want, "%s + %s", base, ref);
	buf_release(&b);
}

static void
absolute(const char *html, const char *want, const char *what)
{
	struct buf b = BUF_INIT;

	html_absolute_urls(&b, html, strlen(html), "http://example.org/posts/a/");
	tap_is(b.data, want, "%s", what);
	buf_release(&b);
}

int
main(void)
{
	const char *base = "http://example.org/posts/a/";
	struct buf b = BUF_INIT;

	resolve(base, "../b/", "http://example.org/posts/b/");
	resolve(base, "./photo.jpg", "http://example.org/posts/a/photo.jpg");
	resolve(base, "photo.jpg", "http://example.org/posts/a/photo.jpg");
	resolve(base, "../../", "http://example.org/");
	resolve(base, "../../../../x", "http://example.org/x");
	resolve(base, "/tags/x/", "http://example.org/tags/x/");
	resolve(base, "#frag", "http://example.org/posts/a/#frag");
	resolve(base, "?q=1", "http://example.org/posts/a/?q=1");
	resolve(base, "https://other.org/x", "https://other.org/x");
	resolve(base, "mailto:a@b.c", "mailto:a@b.c");
	resolve(base, "//cdn.example/x", "http://cdn.example/x");
	resolve("http://example.org", "a/", "http://example.org/a/");

	absolute("<a href=\"../b/\">b</a> <img src='x.png' alt=\"../no\">",
		 "<a href=\"http://example.org/posts/b/\">b</a> "
		 "<img src='http://example.org/posts/a/x.png' alt=\"../no\">",
		 "href and src, quoted either way; other attributes alone");
	absolute("<A HREF=../b/>x</A>", "<A HREF=http://example.org/posts/b/>x</A>",
		 "unquoted, upper case");
	absolute("<!-- <a href=\"x\"> --> a < b", "<!-- <a href=\"x\"> --> a < b",
		 "comments and a bare < left alone");
	absolute("<a href=\"http://x.org/\">", "<a href=\"http://x.org/\">", "absolute stays");
	absolute("<a href=\"x", "<a href=\"http://example.org/posts/a/x", "a tag cut short");

	buf_puts(&b, "<p>one line</p>\n");
	html_strip_paragraph(&b);
	tap_is(b.data, "one line", "one paragraph dropped for one-line content");
	buf_release(&b);
	return tap_done();
}
