/* test-pagename.c — ikiwiki's naming rules. */
#include <string.h>

#include "pagename.h"
#include "tap.h"

#define CHECK(call, want, ...) do { \
	struct buf b_ = BUF_INIT; \
	call; \
	tap_is(b_.data, want, __VA_ARGS__); \
	buf_release(&b_); \
} while (0)

int
main(void)
{
	CHECK(pagename(&b_, "posts/first.mdwn", "mdwn", false), "posts/first", "pagename strips the type");
	CHECK(pagename(&b_, "index.mdwn", "mdwn", false), "index", "index page");
	CHECK(pagename(&b_, "a/index.mdwn", "mdwn", false), "a/index", "a/index without indexpages");
	CHECK(pagename(&b_, "a/index.mdwn", "mdwn", true), "a", "a/index with indexpages");
	CHECK(pagename(&b_, "img/x.png", NULL, false), "img/x.png", "a file keeps its extension");
	CHECK(pagename(&b_, "p/comment_1_ab._comment", "_comment", false), "p/comment_1_ab", "comment");

	CHECK(pagetitle(&b_, "foo_bar", 7, false), "foo bar", "pagetitle underscores");
	CHECK(pagetitle(&b_, "what__63__", 10, false), "what&#63;", "pagetitle entity");
	CHECK(pagetitle(&b_, "what__63__", 10, true), "what?", "pagetitle unescaped");
	CHECK(pagetitle(&b_, "caf__233__", 10, true), "caf\xc3\xa9", "pagetitle unescaped UTF-8");
	CHECK(pagetitle(&b_, "a__b", 4, false), "a  b", "a double underscore without digits");
	CHECK(pagetitle(&b_, "x__063__", 8, false), "x&#063;", "the digits are kept as written, as ikiwiki does");

	CHECK(linkpage(&b_, "Foo Bar?", 8), "Foo_Bar__63__", "linkpage");
	CHECK(linkpage(&b_, "a_b", 3), "a_b", "linkpage keeps underscore");
	CHECK(linkpage(&b_, "caf\xc3\xa9 \xe2\x80\x94 x", 11), "caf\xc3\xa9___8212___x", "letters pass, a dash is encoded");
	CHECK(linkpage(&b_, "bad\xff", 4), "bad__255__", "a stray byte is encoded");
	CHECK(titlepage(&b_, "a_b c", 5), "a__95__b_c", "titlepage encodes underscores");

	CHECK(targetpage(&b_, "index", "html", true), "index.html", "targetpage index");
	CHECK(targetpage(&b_, "posts/a", "html", true), "posts/a/index.html", "targetpage usedirs");
	CHECK(targetpage(&b_, "posts/a", "html", false), "posts/a.html", "targetpage no usedirs");
	CHECK(pageurl(&b_, "index", "html", true), "", "url of the top page");
	CHECK(pageurl(&b_, "posts/a", "html", true), "posts/a/", "url usedirs");
	CHECK(pageurl(&b_, "posts/a", "html", false), "posts/a.html", "url no usedirs");
	return tap_done();
}
