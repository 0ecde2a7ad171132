/* scrub.c — the whitelist HTML scrubber (scrub.h). One pass over the text:
 * no tree is built, so malformed HTML costs nothing extra and every input
 * is handled in linear time (a drop element or comment searched for its
 * end once). */
#include "scrub.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
scrub_policy_init(struct scrub_policy *p)
{
	strmap_init(&p->tags);
	strmap_init(&p->attrs);
	strmap_init(&p->url_attrs);
	strmap_init(&p->schemes);
	strmap_init(&p->drop);
	strmap_init(&p->void_tags);
}

void
scrub_policy_release(struct scrub_policy *p)
{
	strmap_release(&p->tags, NULL);
	strmap_release(&p->attrs, NULL);
	strmap_release(&p->url_attrs, NULL);
	strmap_release(&p->schemes, NULL);
	strmap_release(&p->drop, NULL);
	strmap_release(&p->void_tags, NULL);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Case-insensitive search for the ASCII needle (lower case) in s[from, n). */
static const char *
find_ci(const char *s, size_t n, size_t from, const char *needle)
{
	size_t k = strlen(needle), i, j;

	for (i = from; i + k <= n; i++) {
		for (j = 0; j < k && lower((unsigned char)s[i + j]) == needle[j]; j++)
			;
		if (j == k)
			return s + i;
	}
	return NULL;
}

static bool
starts_ci(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && find_ci(s, k, 0, prefix) == s;
}

static void
put_utf8(struct buf *b, unsigned long c)
{
	if (c < 0x80) {
		buf_putc(b, (char)c);
	} else if (c < 0x800) {
		buf_putc(b, (char)(0xC0 | (c >> 6)));
		buf_putc(b, (char)(0x80 | (c & 0x3F)));
	} else if (c < 0x10000) {
		buf_putc(b, (char)(0xE0 | (c >> 12)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (c & 0x3F)));
	} else {
		buf_putc(b, (char)(0xF0 | (c >> 18)));
		buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (c & 0x3F)));
	}
}

/* The entity at s[0] == '&' decoded onto out: numeric ones, and amp, lt,
 * gt, quot, apos and nbsp, as attribute values need. Returns its length, or
 * 0 when it is no entity weft decodes (then it stays as written). */
static size_t
entity(struct buf *out, const char *s, size_t n)
{
	static const struct { const char *name, *text; } named[] = {
		{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
		{ "apos", "'" }, { "nbsp", "\xC2\xA0" },
	};
	size_t i = 1, v, k;
	bool hash = false, hex = false;
	unsigned long c = 0;

	if (i < n && s[i] == '#')
		hash = true, i++;
	if (i < n && (s[i] == 'x' || s[i] == 'X') && i + 1 < n && is_alnum((unsigned char)s[i + 1]))
		hex = true, i++;
	for (v = i; i < n && is_alnum((unsigned char)s[i]); i++)
		;
	if (i == v || i >= n || s[i] != ';')
		return 0;
	if (!hash) {
		if (hex)
			return 0;	/* "&x41;": no entity */
		for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
			if (strlen(named[k].name) == i - v && memcmp(named[k].name, s + v, i - v) == 0) {
				buf_puts(out, named[k].text);
				return i + 1;
			}
		return 0;
	}
	for (k = v; k < i; k++) {
		int d = s[k] >= '0' && s[k] <= '9' ? s[k] - '0' :
			hex && lower((unsigned char)s[k]) >= 'a' && lower((unsigned char)s[k]) <= 'f' ?
			lower((unsigned char)s[k]) - 'a' + 10 : -1;

		if (d < 0)
			return 0;
		c = c * (hex ? 16 : 10) + (unsigned long)d;
		if (c >= 0x110000)
			return 0;
	}
	if (c == 0 || (c >= 0xD800 && c < 0xE000))
		return 0;
	put_utf8(out, c);
	return i + 1;
}

static void
decode_entities(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, run = 0, k;

	while (i < n) {
		if (s[i] == '&') {
			buf_put(out, s + run, i - run);
			k = entity(out, s + i, n - i);
			if (k) {
				i += k;
				run = i;
				continue;
			}
			run = i;
		}
		i++;
	}
	buf_put(out, s + run, n - run);
}

bool
scrub_safe_url(const char *url, size_t len, const struct scrub_policy *p)
{
	struct buf d = BUF_INIT, scheme = BUF_INIT;
	const char *u, *colon;
	size_t n, i;
	bool safe = false;

	decode_entities(&d, url, len);
	u = d.data ? d.data : "";
	n = d.len;
	for (i = 0; i < n && u[i] != ':' && u[i] != '/' && u[i] != '?' && u[i] != '#'; i++)
		buf_putc(&scheme, (char)lower((unsigned char)u[i]));
	if (n && u[0] == '#')
		safe = true;
	else if (i < n && u[i] == ':' && strmap_get(&p->schemes, scheme.data ? scheme.data : "", scheme.len))
		safe = true;
	else if (starts_ci(u, n, "data:image/png") || starts_ci(u, n, "data:image/jpeg") ||
		 starts_ci(u, n, "data:image/gif"))
		safe = true;
	else if (!(colon = memchr(u, ':', n)))
		safe = n > 0;
	else
		for (i = 1; i < (size_t)(colon - u) && !safe; i++)
			safe = u[i] == '/' || u[i] == '?' || u[i] == '#';
	buf_release(&d);
	buf_release(&scheme);
	return safe;
}

/* Where the tag whose attributes start at s[i] ends (its '>'), quoted
 * values skipped; n when it does not end or holds a '<' before its end. */
static size_t
tag_end(const char *s, size_t n, size_t i)
{
	while (i < n) {
		const char *q;

		while (i < n && s[i] != '<' && s[i] != '=' && s[i] != '>')
			i++;
		if (i >= n || s[i] == '<')
			return n;
		if (s[i] == '>')
			return i;
		for (i++; i < n && is_space((unsigned char)s[i]); i++)
			;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			q = memchr(s + i + 1, s[i], n - i - 1);
			if (!q)
				return n;
			i = (size_t)(q - s) + 1;
		}
	}
	return n;
}

/* A kept value: decoded, escaped, in double quotes. */
static void
put_attr(struct buf *out, const char *name, size_t nlen, const char *v, size_t vlen)
{
	struct buf d = BUF_INIT;

	buf_putc(out, ' ');
	buf_put(out, name, nlen);
	buf_puts(out, "=\"");
	if (memchr(v, '&', vlen)) {
		decode_entities(&d, v, vlen);
		buf_put_html(out, d.data, d.len);
		buf_release(&d);
	} else {
		buf_put_html(out, v, vlen);
	}
	buf_putc(out, '"');
}

/* The kept attributes of a tag's attribute text s; name is room for
 * their names. */
static void
attributes(struct buf *out, const char *s, size_t n, const struct scrub_policy *p,
	   struct buf *name)
{
	size_t i = 0;

	for (;;) {
		size_t ns, ne, vs = 0, ve = 0, j;
		bool value = false;

		while (i < n && is_space((unsigned char)s[i]))
			i++;
		for (ns = i; i < n && !is_space((unsigned char)s[i]) && s[i] != '=' &&
		     s[i] != '/' && s[i] != '>' && s[i] != '"' && s[i] != '\''; i++)
			;
		ne = i;
		if (ne == ns)
			break;
		for (j = i; j < n && is_space((unsigned char)s[j]); j++)
			;
		if (j < n && s[j] == '=') {
			for (j++; j < n && is_space((unsigned char)s[j]); j++)
				;
			if (j < n && (s[j] == '"' || s[j] == '\'')) {
				const char *q = memchr(s + j + 1, s[j], n - j - 1);

				if (q) {
					vs = j + 1, ve = (size_t)(q - s), value = true;
					i = ve + 1;
				}
			} else if (j < n && !is_space((unsigned char)s[j]) && s[j] != '>') {
				for (vs = j; j < n && !is_space((unsigned char)s[j]) && s[j] != '>'; j++)
					;
				ve = j, value = true;
				i = j;
			}
		}
		buf_reset(name);
		for (j = ns; j < ne; j++)
			buf_putc(name, (char)lower((unsigned char)s[j]));
		if (strmap_get(&p->url_attrs, name->data, name->len)) {
			if (value && scrub_safe_url(s + vs, ve - vs, p))
				put_attr(out, name->data, name->len, s + vs, ve - vs);
		} else if (strmap_get(&p->attrs, name->data, name->len)) {
			if (value) {
				put_attr(out, name->data, name->len, s + vs, ve - vs);
			} else {
				buf_putc(out, ' ');
				buf_put(out, name->data, name->len);
				buf_puts(out, "=\"");
				buf_put(out, name->data, name->len);
				buf_putc(out, '"');
			}
		}
	}
}

/* The open elements, when balancing: names, innermost last. */
struct open {
	char **v;
	size_t n, cap;
};

static void
open_push(struct open *o, const char *name, size_t len)
{
	o->v = xgrow(o->v, &o->cap, o->n + 1, sizeof(*o->v));
	o->v[o->n++] = xstrndup(name, len);
}

/* One tag: name (lower case) with attribute text rest; room is a buffer
 * to work in. */
static void
tag(struct buf *out, bool close, const char *name, size_t nlen, const char *rest, size_t rlen,
    const struct scrub_policy *p, struct open *open, struct buf *room)
{
	size_t i, k;
	bool selfclose = false;

	if (!strmap_get(&p->tags, name, nlen))
		return;
	if (close) {
		if (!open) {
			buf_puts(out, "</");
			buf_put(out, name, nlen);
			buf_putc(out, '>');
			return;
		}
		/* Closes the innermost element of that name and those inside
		 * it; an end tag that closes nothing open goes. */
		for (i = open->n; i > 0; i--) {
			if (strlen(open->v[i - 1]) == nlen && memcmp(open->v[i - 1], name, nlen) == 0) {
				for (k = open->n; k >= i; k--) {
					buf_puts(out, "</");
					buf_puts(out, open->v[k - 1]);
					buf_putc(out, '>');
					free(open->v[k - 1]);
				}
				open->n = i - 1;
				break;
			}
		}
		return;
	}
	/* A trailing "/" (XHTML's "<br/>") is kept as " /". */
	k = rlen;
	while (k && is_space((unsigned char)rest[k - 1]))
		k--;
	if (k && rest[k - 1] == '/') {
		selfclose = true;
		rlen = k - 1;
	}
	if (open && !selfclose && !strmap_get(&p->void_tags, name, nlen))
		open_push(open, name, nlen);
	buf_putc(out, '<');
	buf_put(out, name, nlen);
	attributes(out, rest, rlen, p, room);
	buf_puts(out, selfclose ? " />" : ">");
}

/* Where the end tag of the drop element name begins at or after from:
 * "</", spaces, name (any case), spaces, ">"; its end in *end. */
static const char *
end_tag(const char *s, size_t n, size_t from, const char *name, size_t *end)
{
	const char *e;

	for (e = memmem(s + from, n - from, "</", 2); e; e = memmem(e + 1, n - (size_t)(e + 1 - s), "</", 2)) {
		size_t m = (size_t)(e - s) + 2, k = strlen(name), j;

		while (m < n && is_space((unsigned char)s[m]))
			m++;
		for (j = 0; j < k && m + j < n && lower((unsigned char)s[m + j]) == name[j]; j++)
			;
		if (j < k)
			continue;
		m += k;
		while (m < n && is_space((unsigned char)s[m]))
			m++;
		if (m < n && s[m] == '>') {
			*end = m + 1;
			return e;
		}
	}
	return NULL;
}

/* s[i..] starts "<": whether "<", spaces and a name of a drop element
 * followed by a space, "/" or ">" start there, and then where the element
 * ends (after its end tag, or n). name is room for the name. */
static bool
dropped(const char *s, size_t n, size_t i, const struct scrub_policy *p, size_t *end,
	struct buf *name)
{
	size_t j = i + 1, k;
	bool drop;

	while (j < n && is_space((unsigned char)s[j]))
		j++;
	buf_reset(name);
	for (k = j; k < n && is_alnum((unsigned char)s[k]); k++)
		buf_putc(name, (char)lower((unsigned char)s[k]));
	drop = name->len && k < n && (is_space((unsigned char)s[k]) || s[k] == '/' || s[k] == '>') &&
	       strmap_get(&p->drop, name->data, name->len);
	if (drop && !end_tag(s, n, k, name->data, end))
		*end = n;
	return drop;
}

void
scrub_html(struct buf *out, const char *html, size_t len,
	   const struct scrub_policy *p, bool balance)
{
	struct open open = { NULL, 0, 0 };
	struct buf name = BUF_INIT, room = BUF_INIT;
	size_t i = 0, run = 0, k;

	while (i < len) {
		const char *lt = memchr(html + i, '<', len - i);
		size_t at, ne, end;
		bool close;

		if (!lt)
			break;
		at = (size_t)(lt - html);
		buf_put(out, html + run, at - run);
		i = run = at;
		/* An HTML comment goes, up to its end (or the rest). */
		if (at + 3 < len && memcmp(html + at, "<!--", 4) == 0) {
			const char *e = memmem(html + at + 4, len - at - 4, "-->", 3);

			if (e) {
				i = run = (size_t)(e - html) + 3;
				continue;
			}
		}
		if (dropped(html, len, at, p, &end, &room)) {
			i = run = end;
			continue;
		}
		k = at + 1;
		close = k < len && html[k] == '/';
		if (close)
			k++;
		buf_reset(&name);
		if (k < len && is_alpha((unsigned char)html[k]))
			for (; k < len && is_alnum((unsigned char)html[k]); k++)
				buf_putc(&name, (char)lower((unsigned char)html[k]));
		ne = k;
		end = name.len ? tag_end(html, len, ne) : len;
		if (end < len) {
			tag(out, close, name.data, name.len, html + ne, end - ne, p,
			    balance ? &open : NULL, &room);
			i = run = end + 1;
		} else {
			buf_puts(out, "&lt;");
			i = run = at + 1;
		}
	}
	buf_put(out, html + run, len - run);
	while (open.n) {
		buf_puts(out, "</");
		buf_puts(out, open.v[open.n - 1]);
		buf_putc(out, '>');
		free(open.v[--open.n]);
	}
	free(open.v);
	buf_release(&name);
	buf_release(&room);
}
