/* test-buf.c — the growable buffer, its escapes and its file reading. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "tap.h"

/* buf_read_file_sized with size, of a file holding n bytes of a pattern,
 * reads them all. */
static void
read_sized(const char *path, size_t n, size_t size, const char *what)
{
	struct buf b = BUF_INIT;
	FILE *f = fopen(path, "w");
	size_t i;
	bool same;

	for (i = 0; i < n; i++)
		fputc('a' + (int)(i % 26), f);
	fclose(f);
	buf_puts(&b, "kept:");
	tap_ok(buf_read_file_sized(&b, path, size) == 0, "read sized: %s reads", what);
	same = b.len == n + 5 && b.data[b.len] == '\0' && memcmp(b.data, "kept:", 5) == 0;
	for (i = 0; same && i < n; i++)
		same = b.data[5 + i] == 'a' + (int)(i % 26);
	tap_ok(same, "read sized: %s: all %zu bytes, after what was there", what, n);
	buf_release(&b);
}

/* buf_put_html, byte at a time, to check the fast one against. */
static void
html_slow(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, s[i]);
		}
	}
}

/* Every byte value escaped or kept, at every place in and around a
 * block of sixteen (where the fast path hands over to the slow one), in
 * text with bytes above 127 and NULs that must pass untouched. */
static void
html_everywhere(void)
{
	struct buf got = BUF_INIT, want = BUF_INIT;
	char s[40];
	size_t at, n, bad = 0;
	int c;

	for (c = 0; c < 256; c++) {
		for (n = 1; n <= sizeof(s); n++) {
			for (at = 0; at < n; at++) {
				for (size_t i = 0; i < n; i++)
					s[i] = "ab\xc3\xa9 \0z\x80\xff"[i % 8];
				s[at] = (char)c;
				if (n > 20)
					s[n - 1] = '>';
				buf_reset(&got);
				buf_reset(&want);
				buf_puts(&got, "x");
				buf_puts(&want, "x");
				buf_put_html(&got, s, n);
				html_slow(&want, s, n);
				bad += got.len != want.len ||
				    memcmp(got.data, want.data, got.len) != 0 ||
				    got.data[got.len] != '\0';
			}
		}
	}
	tap_ok(bad == 0, "html escape: every byte at every place as byte at a time (%zu differ)", bad);
	buf_reset(&got);
	buf_put_html(&got, "0123456789abcdef0123456789abcdef&", 33);
	tap_is(got.data, "0123456789abcdef0123456789abcdef&amp;", "html escape: after two blocks");
	buf_reset(&got);
	buf_put_html(&got, "&&&&&&&&&&&&&&&&''", 18);
	tap_is(got.data, "&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;"
	    "&amp;&amp;&amp;&amp;&#39;&#39;", "html escape: a block of nothing but escapes");
	buf_release(&got);
	buf_release(&want);
}

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
	html_everywhere();
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

	{
		char dir[] = "/tmp/weft-test-buf.XXXXXX", path[64];

		tap_ok(mkdtemp(dir) != NULL, "a scratch directory");
		snprintf(path, sizeof(path), "%s/f", dir);
		read_sized(path, 1000, 1000, "the size the stat gave");
		read_sized(path, 0, 0, "an empty file");
		read_sized(path, 300000, 10, "a file that grew past its size");
		read_sized(path, 10, 300000, "a file that shrank");
		read_sized(path, 65536 * 2, 65536 * 2, "a file of whole chunks");
		errno = 0;
		tap_ok(buf_read_file_sized(&b, dir, 4096) < 0 && errno == EISDIR,
		       "read sized: a directory is EISDIR");
		buf_release(&b);
		unlink(path);
		rmdir(dir);
	}
	return tap_done();
}
