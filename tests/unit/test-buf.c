/* test-buf.c — the growable buffer and its escapes. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

int
main(void)
{
	struct buf b = BUF_INIT;
	char *s;
	size_t len, i;

	tap_is(b.data, "", "a new buf is an empty string");
	buf_puts(&b, "abc");
	buf_printf(&b, "-%d-%s", 42, "x");
	tap_is(b.data, "abc-42-x", "puts and printf append");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%zu,", i);
	tap_ok(b.len == strlen(b.data), "len matches the terminated string after growth");
	buf_truncate(&b, 3);
	tap_is(b.data, "abc", "truncate");
	buf_cat(&b, "", "-", "de", "", "f", NULL);
	tap_is(b.data, "abc-def", "cat appends each piece, empty ones too, up to the NULL");
	buf_cat(&b, NULL);
	tap_ok(b.len == 7, "cat of nothing appends nothing");
	buf_reset(&b);
	buf_put_html(&b, "<a href=\"x\">&'</a>", 18);
	tap_is(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;", "html escape");
	buf_reset(&b);
	buf_put_url(&b, "a b/c~d.e_f-g", 13);
	tap_is(b.data, "a%20b%2Fc%7Ed.e_f-g", "url escape as HTML::Template");
	buf_reset(&b);
	buf_put_js(&b, "it's \"x\"\n</script>", 18);
	tap_is(b.data, "it\\'s \\\"x\\\"\\n\\x3c/script\\x3e", "js escape");
	s = buf_detach(&b, &len);
	tap_ok(b.data == buf_empty && len == strlen(s), "detach hands over and resets");
	free(s);
	s = buf_detach(&b, &len);
	tap_ok(s && *s == '\0' && len == 0, "detach of an empty buf gives a freeable string");
	free(s);
	buf_put(&b, "a\0b", 3);
	tap_ok(b.len == 3 && b.data[1] == '\0' && b.data[3] == '\0', "embedded NUL kept");
	buf_release(&b);
	return tap_done();
}
