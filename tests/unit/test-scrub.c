/* test-scrub.c — the whitelist HTML scrubber, with htmlscrubber's lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrub.h"
#include "tap.h"

static struct scrub_policy policy;

static void
words(struct scrub_policy *p, enum scrub_role role, const char *list)
{
	const char *s = list;

	while (*s) {
		size_t n = strcspn(s, " ");

		if (n)
			scrub_policy_add(p, s, n, role);
		s += n;
		s += strspn(s, " ");
	}
}

/* The text goes in without its NUL, so that under ASan a read past
 * its end fails. */
static void
scrubs(const char *html, bool balance, const char *want, const char *what)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(html);
	char *copy = malloc(len ? len : 1);

	memcpy(copy, html, len);
	scrub_html(&b, copy, len, &policy, balance);
	tap_is(b.data ? b.data : "", want, "%s", what);
	buf_release(&b);
	free(copy);
}

/* Names are matched whole and in any case: a wrong match would keep a
 * tag or an attribute the policy does not allow. */
static void
names(void)
{
	char x63[64], in[512], want[512];

	scrubs("<scr>a</scr><scripts>b</scripts><a2>c</a2><tablex>d</tablex><t>e</t><tab>f</tab>",
	       false, "abcdef", "names that share a prefix with an allowed one go");
	scrubs("<scriptx>a</scriptx><styles>b</styles><scrip>c", false, "abc",
	       "and with a drop element's, only their tags go");
	scrubs("<TaBlE><Tr><tD>x</Td></tR></TABLE>", false, "<table><tr><td>x</td></tr></table>",
	       "mixed case names are lower-cased and kept");
	scrubs("<p hreff=\"x\" HREF=\"http://e/\" onclick=\"a()\" OnLoad=b Class=c classes=d ids=e i=f>t</p>",
	       false, "<p href=\"http://e/\" class=\"c\">t</p>",
	       "attributes: prefixes, suffixes and on* handlers go, any case is kept lower-cased");
	memset(x63, 'x', 63);
	x63[63] = '\0';
	snprintf(in, sizeof(in), "<%s>a</%s><%sx>b</%sx><%s%s>c", x63, x63, x63, x63, x63, x63);
	snprintf(want, sizeof(want), "<%s>a</%s>bc", x63, x63);
	scrubs(in, false, want, "a name of the longest kept length is kept, no longer one");
	snprintf(in, sizeof(in), "<p %s=1 %sx=2 id=3>", x63, x63);
	scrubs(in, false, "<p id=\"3\">", "attribute names past the longest length go");
	snprintf(in, sizeof(in), "<script%s>a</script%s>b", x63, x63);
	scrubs(in, false, "ab", "a long name after a drop element's is no drop element");
}

/* A tag kept just as written stays in the text around it: what is not
 * kept as written must still be rewritten, and the text before it kept. */
static void
as_written(void)
{
	scrubs("<P>a</P><Em>b</eM>", false, "<p>a</p><em>b</em>", "names not in lower case are rewritten");
	scrubs("<p >a</p >b<p\n>c</p\t>", false, "<p>a</p>b<p>c</p>", "spaces before > go");
	scrubs("<br/><br /><hr>", false, "<br /><br /><hr>", "a self-closing tag is rewritten");
	scrubs("</p class=x>", false, "</p>", "an end tag loses its attributes");
	scrubs("a<p>b<title>c</title>d<!-- x -->e<em>f</em>g<script>h</script>i<p2>j</p2>k<p",
	       false, "a<p>bcde<em>f</em>gijk&lt;p",
	       "text and kept tags around tags dropped, comments, scripts and a stray <");
	scrubs("<p>x</p></p><b>y", true, "<p>x</p><b>y</b>", "balancing still drops and adds end tags");
}

/* A policy of many names, its table grown several times, finds each of
 * them and none of their neighbours. */
static void
many_names(void)
{
	struct scrub_policy p;
	struct buf b = BUF_INIT;
	char name[16], html[64];
	int i, found = 0, wrong = 0;

	scrub_policy_init(&p);
	for (i = 0; i < 500; i++) {
		int n = snprintf(name, sizeof(name), "N%d", i);

		scrub_policy_add(&p, name, (size_t)n, SCRUB_TAG);
	}
	for (i = 0; i < 1000; i++) {
		int n = snprintf(html, sizeof(html), "<n%d>", i);

		buf_reset(&b);
		scrub_html(&b, html, (size_t)n, &p, false);
		if (i < 500)
			found += strcmp(b.data, html) == 0;
		else
			wrong += b.len != 0;
	}
	tap_is_int(found, 500, "each of 500 names is found");
	tap_is_int(wrong, 0, "and no name that is not in the policy");
	buf_release(&b);
	scrub_policy_release(&p);
}

/* Whether scrub_html says it left html as it is: the caller then uses
 * its own copy, so a "yes" for a text that changed would keep what the
 * scrubber drops. A "yes" is checked against the output itself. */
static void
same(const char *html, bool balance, bool want)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(html);
	bool said = scrub_html(&b, html, len, &policy, balance);

	tap_ok(said == want && (!said || (b.len == len && memcmp(b.data, html, len) == 0)),
	       "%s is %s%s", html, want ? "left as it is" : "changed",
	       balance ? " (balanced)" : "");
	buf_release(&b);
}

static void
unchanged(void)
{
	same("", false, true);
	same("plain text", false, true);
	same("<p>a <b>b</b></p>\n<ul>\n<li>x</li>\n</ul>", false, true);
	same("<P>upper</P>", false, false);
	same("<p class=x>attribute</p>", false, false);
	same("a<!-- c -->b", false, false);
	same("x<script>1</script>", false, false);
	same("<title>t</title>", false, false);
	same("1 < 2", false, false);
	same("<br/>", false, false);
	same("<p>x", true, false);
	same("text", true, true);
}

static void
url(const char *u, bool want)
{
	tap_ok(scrub_safe_url(u, strlen(u), &policy) == want, "%s is %s", u, want ? "safe" : "unsafe");
}

int
main(void)
{
	scrub_policy_init(&policy);
	words(&policy, SCRUB_TAG, "a b br div em hr i img p pre span table td tr ul li");
	words(&policy, SCRUB_ATTR, "class id title alt width height");
	words(&policy, SCRUB_URL_ATTR, "href src");
	words(&policy, SCRUB_SCHEME, "http https mailto ftp");
	words(&policy, SCRUB_DROP, "script style");
	words(&policy, SCRUB_VOID, "br hr img");
	/* The longest name kept, SCRUB_NAME_MAX long. */
	words(&policy, SCRUB_TAG, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

	scrubs("<p>plain <b>bold</b></p>", false, "<p>plain <b>bold</b></p>", "allowed tags stay");
	scrubs("a <title>t</title> b", false, "a t b", "a tag not allowed goes, its text stays");
	scrubs("x<script>alert(1)</script>y", false, "xy", "a script goes with its text");
	scrubs("x<SCRIPT type=\"a\">1</ script >y", false, "xy", "in any case, whatever spaces end it");
	scrubs("x<style>p{}</style>y<style>never closed", false, "xy", "an unclosed style takes the rest");
	scrubs("a<!-- hidden <b> -->b", false, "ab", "an HTML comment goes");
	scrubs("1 < 2 and 3 <4", false, "1 &lt; 2 and 3 &lt;4", "a < that starts no tag is text");
	scrubs("ends <", false, "ends &lt;", "and so is a < that ends the text");
	scrubs("<SCRIPT>x</script>y<Br/><B>b</B>", false, "y<br /><b>b</b>", "names in any case");
	scrubs("<a href='x' onclick=\"evil()\" class=c>l</a>", false,
	       "<a href=\"x\" class=\"c\">l</a>", "event handlers go, values are double-quoted");
	scrubs("<a href=\"javascript:alert(1)\">j</a>", false, "<a>j</a>", "an unsafe URL goes");
	scrubs("<a href=\"&#106;avascript:x\">j</a>", false, "<a>j</a>", "also written with entities");
	scrubs("<img src=\"a.png\" alt=\"A &amp; B\"/>", false,
	       "<img src=\"a.png\" alt=\"A &amp; B\" />", "a self-closing tag, values escaped again");
	scrubs("<td title=\"Tom & 'Jerry'\">x</td>", false,
	       "<td title=\"Tom &amp; &#39;Jerry&#39;\">x</td>", "a bare & in a value is escaped");
	scrubs("<a title='say \"hi\"' href=x>t</a>", false,
	       "<a title=\"say &quot;hi&quot;\" href=\"x\">t</a>", "a value with no entity is escaped too");
	scrubs("<p class=a>1</p>< script>x</script ><p class=b id=c>2</p>", false,
	       "<p class=\"a\">1</p><p class=\"b\" id=\"c\">2</p>", "tags around a dropped element keep theirs");
	scrubs("<hr noshade>", false, "<hr>", "an attribute not allowed goes");
	scrubs("<div id>x</div>", false, "<div id=\"id\">x</div>", "a bare allowed attribute gets its name");
	scrubs("<a href=\"x\" title=\"a>b\">t</a>", false, "<a href=\"x\" title=\"a&gt;b\">t</a>",
	       "a > inside a quoted value");
	scrubs("<a href=\"x>t</a>", false, "&lt;a href=\"x>t</a>", "an unclosed quote makes no tag");
	scrubs("</div><b>x", false, "</div><b>x", "without balance, tags are left as they are");
	scrubs("</div><b>x", true, "<b>x</b>", "balanced: a stray end tag goes, open ones close");
	scrubs("<ul><li>a<li>b</ul>", true, "<ul><li>a<li>b</li></li></ul>", "closing an outer one closes the inner");
	scrubs("<br><img src=a.png>x", true, "<br><img src=\"a.png\">x", "void elements stay open-free");

	names();
	unchanged();
	as_written();
	many_names();

	url("http://example.org/", true);
	url("HTTPS://example.org/", true);
	url("mailto:a@b.c", true);
	url("javascript:alert(1)", false);
	url("jAvAsCrIpT:x", false);
	url("data:image/png;base64,AAA", true);
	url("data:text/html,<b>", false);
	url("#frag", true);
	url("relative/path", true);
	url("path/with:colon", true);
	url("foo:bar", false);
	url("", false);
	url("&#x6A;avascript:x", false);

	scrub_policy_release(&policy);
	return tap_done();
}
