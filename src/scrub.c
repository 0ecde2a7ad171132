/* scrub.c — the whitelist HTML scrubber (scrub.h). One pass over the text:
 * no tree is built, so malformed HTML costs nothing extra and every input
 * is handled in linear time (a drop element or comment searched for its
 * end once). */
#include "scrub.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "find.h"
#include "xalloc.h"

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* FNV-1a, a byte at a time: names are hashed as they are read. */
#define HASH_INIT UINT32_C(2166136261)

static uint32_t
hash_step(uint32_t h, unsigned char c)
{
	return (h ^ c) * UINT32_C(16777619);
}

/* The slot where the search for hash starts: FNV's low bits alone
 * collide more among short names. */
static size_t
slot_of(uint32_t hash, size_t cap)
{
	return (hash ^ (hash >> 16)) & (cap - 1);
}

void
scrub_policy_init(struct scrub_policy *p)
{
	p->slots = NULL;
	p->count = 0;
	p->cap = 0;
}

void
scrub_policy_release(struct scrub_policy *p)
{
	size_t i;

	for (i = 0; i < p->cap; i++)
		free(p->slots[i].name);
	free(p->slots);
	scrub_policy_init(p);
}

/* A name read from the text, lower-cased and hashed; too long for any
 * role when it does not fit. */
struct name {
	char s[SCRUB_NAME_MAX + 1];
	size_t len;
	uint32_t hash;
	bool lowered;		/* a tag's name that was not all in lower case */
};

static void
name_init(struct name *nm)
{
	nm->len = 0;
	nm->hash = HASH_INIT;
	nm->lowered = false;
}

/* Whether nm can have a role: not empty, not too long. */
static bool
name_fits(const struct name *nm)
{
	return nm->len > 0 && nm->len <= SCRUB_NAME_MAX;
}

/* Adds c, already in lower case, to nm. */
static void
name_push(struct name *nm, unsigned char c)
{
	if (nm->len < SCRUB_NAME_MAX) {
		nm->s[nm->len] = (char)c;
		nm->hash = hash_step(nm->hash, c);
	}
	nm->len++;
}

/* Adds c to nm, lower-cased. */
static void
name_add(struct name *nm, char c)
{
	name_push(nm, (unsigned char)lower((unsigned char)c));
}

/* Each ASCII letter and digit as it is in a tag's name, in lower case, and
 * 0 for every other byte: one load tells both whether a name goes on and
 * what to keep of the byte, for every byte of every tag's name. */
#define LETTER(l) [l] = l, [l - 'a' + 'A'] = l
static const unsigned char tag_byte[256] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	LETTER('a'), LETTER('b'), LETTER('c'), LETTER('d'), LETTER('e'),
	LETTER('f'), LETTER('g'), LETTER('h'), LETTER('i'), LETTER('j'),
	LETTER('k'), LETTER('l'), LETTER('m'), LETTER('n'), LETTER('o'),
	LETTER('p'), LETTER('q'), LETTER('r'), LETTER('s'), LETTER('t'),
	LETTER('u'), LETTER('v'), LETTER('w'), LETTER('x'), LETTER('y'),
	LETTER('z'),
};
#undef LETTER

/* Reads the letters and digits of a tag's name at s[k, n) into nm;
 * returns where they end. */
static size_t
tag_name(struct name *nm, const char *s, size_t n, size_t k)
{
	unsigned char c, diff = 0;

	for (; k < n && (c = tag_byte[(unsigned char)s[k]]); k++) {
		diff |= c ^ (unsigned char)s[k];
		name_push(nm, c);
	}
	nm->lowered |= diff != 0;
	return k;
}

/* The slot of p holding nm, or the empty one where it would go. */
static struct scrub_name *
find(const struct scrub_policy *p, const struct name *nm)
{
	size_t i, j, mask = p->cap - 1;

	for (i = slot_of(nm->hash, p->cap);; i = (i + 1) & mask) {
		struct scrub_name *e = &p->slots[i];

		if (!e->name)
			return e;
		if (e->hash != nm->hash || e->len != nm->len)
			continue;
		/* A byte loop: names are a few bytes, less than a call. */
		for (j = 0; j < nm->len && e->name[j] == nm->s[j]; j++)
			;
		if (j == nm->len)
			return e;
	}
}

/* The roles of nm: one lookup for all of them. */
static unsigned
roles(const struct scrub_policy *p, const struct name *nm)
{
	if (!name_fits(nm) || !p->cap)
		return 0;
	return find(p, nm)->roles;
}

/* Doubles p's table, each name moved to its new slot. */
static void
policy_grow(struct scrub_policy *p)
{
	struct scrub_name *old = p->slots;
	size_t i, oldcap = p->cap;

	p->cap = oldcap ? oldcap * 2 : 64;
	p->slots = xcalloc(p->cap, sizeof(*p->slots));
	for (i = 0; i < oldcap; i++) {
		size_t j = slot_of(old[i].hash, p->cap);

		if (!old[i].name)
			continue;
		while (p->slots[j].name)
			j = (j + 1) & (p->cap - 1);
		p->slots[j] = old[i];
	}
	free(old);
}

void
scrub_policy_add(struct scrub_policy *p, const char *name, size_t len,
		 enum scrub_role role)
{
	struct scrub_name *e;
	struct name nm;
	size_t i;

	name_init(&nm);
	for (i = 0; i < len; i++)
		name_add(&nm, name[i]);
	if (!name_fits(&nm))
		return;
	if ((p->count + 1) * 2 > p->cap)
		policy_grow(p);
	e = find(p, &nm);
	if (!e->name) {
		e->name = xstrndup(nm.s, nm.len);
		e->hash = nm.hash;
		e->len = (unsigned char)nm.len;
		p->count++;
	}
	e->roles |= (unsigned char)role;
}

/* Character classes by arithmetic, without branches: the scrubber asks
 * for every byte of every tag. */
static bool
is_space(int c)
{
	return c == ' ' || (unsigned)c - '\t' <= '\r' - '\t';
}

static bool
is_alpha(int c)
{
	return ((unsigned)c | 0x20) - 'a' < 26;
}

static bool
is_alnum(int c)
{
	return is_alpha(c) || (unsigned)c - '0' < 10;
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
	struct buf d = BUF_INIT;
	struct name scheme;
	const char *u = url, *colon;
	size_t n = len, i;
	bool safe = false;

	name_init(&scheme);
	if (memchr(url, '&', len)) {
		decode_entities(&d, url, len);
		u = d.data ? d.data : "";
		n = d.len;
	}
	for (i = 0; i < n && u[i] != ':' && u[i] != '/' && u[i] != '?' && u[i] != '#'; i++)
		name_add(&scheme, u[i]);
	if (n && u[0] == '#')
		safe = true;
	else if (i < n && u[i] == ':' && (roles(p, &scheme) & SCRUB_SCHEME))
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
	BUF_PUT_LIT(out, "=\"");
	if (memchr(v, '&', vlen)) {
		decode_entities(&d, v, vlen);
		buf_put_html(out, d.data, d.len);
		buf_release(&d);
	} else {
		buf_put_html(out, v, vlen);
	}
	buf_putc(out, '"');
}

/* The kept attributes of a tag's attribute text s. */
static void
attributes(struct buf *out, const char *s, size_t n, const struct scrub_policy *p)
{
	size_t i = 0;

	for (;;) {
		size_t ns, ne, vs = 0, ve = 0, j;
		struct name nm;
		bool value = false;
		unsigned r;

		name_init(&nm);
		while (i < n && is_space((unsigned char)s[i]))
			i++;
		for (ns = i; i < n && !is_space((unsigned char)s[i]) && s[i] != '=' &&
		     s[i] != '/' && s[i] != '>' && s[i] != '"' && s[i] != '\''; i++)
			name_add(&nm, s[i]);
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
		r = roles(p, &nm);
		if (r & SCRUB_URL_ATTR) {
			if (value && scrub_safe_url(s + vs, ve - vs, p))
				put_attr(out, nm.s, nm.len, s + vs, ve - vs);
		} else if (r & SCRUB_ATTR) {
			if (value) {
				put_attr(out, nm.s, nm.len, s + vs, ve - vs);
			} else {
				buf_putc(out, ' ');
				buf_put(out, nm.s, nm.len);
				BUF_PUT_LIT(out, "=\"");
				buf_put(out, nm.s, nm.len);
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

/* One tag: name (lower case, with its roles r) with attribute text rest. */
static void
tag(struct buf *out, bool close, const struct name *name, unsigned r, const char *rest,
    size_t rlen, const struct scrub_policy *p, struct open *open)
{
	size_t i, k, nlen = name->len;
	bool selfclose = false;

	if (!(r & SCRUB_TAG))
		return;
	if (close) {
		if (!open) {
			BUF_PUT_LIT(out, "</");
			buf_put(out, name->s, nlen);
			buf_putc(out, '>');
			return;
		}
		/* Closes the innermost element of that name and those inside
		 * it; an end tag that closes nothing open goes. */
		for (i = open->n; i > 0; i--) {
			if (strlen(open->v[i - 1]) == nlen && memcmp(open->v[i - 1], name->s, nlen) == 0) {
				for (k = open->n; k >= i; k--) {
					BUF_PUT_LIT(out, "</");
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
	if (open && !selfclose && !(r & SCRUB_VOID))
		open_push(open, name->s, nlen);
	buf_putc(out, '<');
	buf_put(out, name->s, nlen);
	attributes(out, rest, rlen, p);
	if (selfclose)
		BUF_PUT_LIT(out, " />");
	else
		buf_putc(out, '>');
}

/* Whether a tag whose ">" is n bytes after its "<" is kept just as it is
 * written: allowed, its name nm (read right after "<" or "</") in lower
 * case, and nothing between the name and ">". It then stays in the run of
 * text around it, copied in one piece: most tags of a page are such, and
 * so cost no writes of their own. (Balancing is left to tag(), which may
 * drop or add end tags.) */
static bool
verbatim(size_t n, bool close, const struct name *nm, unsigned r)
{
	return (r & SCRUB_TAG) && !nm->lowered && n == (close ? 2 : 1) + nm->len;
}

/* Where the end tag of the drop element name begins at or after from:
 * "</", spaces, name (any case), spaces, ">"; its end in *end. */
static const char *
end_tag(const char *s, size_t n, size_t from, const char *name, size_t *end)
{
	const char *e;

	for (e = find_mem(s + from, n - from, "</", 2); e; e = find_mem(e + 1, n - (size_t)(e + 1 - s), "</", 2)) {
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

bool
scrub_html(struct buf *out, const char *html, size_t len,
	   const struct scrub_policy *p, bool balance)
{
	struct open open = { NULL, 0, 0 };
	size_t i = 0, run = 0, k;
	bool unchanged;

	while (i < len) {
		const char *lt = memchr(html + i, '<', len - i);
		struct name name;
		size_t at, j, ne, end;
		unsigned r;
		bool close;

		name_init(&name);
		if (!lt)
			break;
		at = (size_t)(lt - html);
		/* An HTML comment goes, up to its end (or the rest). */
		if (at + 3 < len && memcmp(html + at, "<!--", 4) == 0) {
			const char *e = find_mem(html + at + 4, len - at - 4, "-->", 3);

			if (e) {
				buf_put(out, html + run, at - run);
				i = run = (size_t)(e - html) + 3;
				continue;
			}
		}
		/* "<", spaces and the name of a drop element followed by a
		 * space, "/" or ">": the element goes, up to after its end
		 * tag (or the rest). */
		for (j = at + 1; j < len && is_space((unsigned char)html[j]); j++)
			;
		k = tag_name(&name, html, len, j);
		r = roles(p, &name);
		if (name.len && k < len && (is_space((unsigned char)html[k]) || html[k] == '/' ||
					    html[k] == '>') && (r & SCRUB_DROP)) {
			name.s[name.len] = '\0';
			if (!end_tag(html, len, k, name.s, &end))
				end = len;
			buf_put(out, html + run, at - run);
			i = run = end;
			continue;
		}
		/* A tag's name starts right after "<" or "</" with a letter:
		 * the name just read, unless spaces or "/" came first. */
		k = at + 1;
		close = k < len && html[k] == '/';
		if (close)
			k++;
		if (close || j != k || j >= len || !is_alpha((unsigned char)html[j])) {
			name_init(&name);
			if (k < len && is_alpha((unsigned char)html[k]))
				k = tag_name(&name, html, len, k);
			r = roles(p, &name);
		} else {
			k += name.len;
		}
		ne = k;
		end = name.len ? tag_end(html, len, ne) : len;
		if (end < len && !balance && verbatim(end - at, close, &name, r)) {
			i = end + 1;
			continue;
		}
		buf_put(out, html + run, at - run);
		if (end < len) {
			tag(out, close, &name, r, html + ne, end - ne, p,
			    balance ? &open : NULL);
			i = run = end + 1;
		} else {
			BUF_PUT_LIT(out, "&lt;");
			i = run = at + 1;
		}
	}
	/* run moves on only where something is dropped or written anew
	 * (tags kept as written stay in the run), and balancing writes only
	 * after tag() has. */
	unchanged = run == 0;
	buf_put(out, html + run, len - run);
	while (open.n) {
		BUF_PUT_LIT(out, "</");
		buf_puts(out, open.v[open.n - 1]);
		buf_putc(out, '>');
		free(open.v[--open.n]);
	}
	free(open.v);
	return unchanged;
}
