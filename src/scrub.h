/* scrub.h — HTML made safe to publish: a whitelist scrubber in the manner
 * of Perl's HTML::Scrubber as ikiwiki's htmlscrubber sets it up. The
 * mechanism is here; which tags, attributes and URL schemes pass is the
 * caller's policy (the htmlscrubber plugin's lists). */
#ifndef WEFT_SCRUB_H
#define WEFT_SCRUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* What a name is to a policy: any of these at once ("a" can be a tag kept
 * and a URL scheme). */
enum scrub_role {
	SCRUB_TAG = 1 << 0,	/* an element kept (the others lose their tags, not their text) */
	SCRUB_ATTR = 1 << 1,	/* an attribute kept on them */
	SCRUB_URL_ATTR = 1 << 2,	/* an attribute kept only with a safe URL */
	SCRUB_SCHEME = 1 << 3,	/* a URL scheme that is safe */
	SCRUB_DROP = 1 << 4,	/* an element dropped with all it holds (script, style) */
	SCRUB_VOID = 1 << 5,	/* an element without an end tag (br, img) */
};

/* No element or attribute name is longer: longer names are never kept. */
#define SCRUB_NAME_MAX 63

/* One name of a policy, a slot of its table (name NULL when empty). */
struct scrub_name {
	char *name;		/* lower case, owned */
	uint32_t hash;
	unsigned char len;
	unsigned char roles;
};

/* What passes: each lower-case name with its roles, one lookup a name.
 * An open-addressed table of its own rather than a strmap: the scrubber
 * hashes a name while it reads and lower-cases it, and compares it in
 * place, so a lookup (one for every tag and attribute of every page) makes
 * no calls. */
struct scrub_policy {
	struct scrub_name *slots;
	size_t count;
	size_t cap;		/* 0 or a power of two, at most half full */
};

void scrub_policy_init(struct scrub_policy *p);
void scrub_policy_release(struct scrub_policy *p);
/* Gives name[0, len) (any case) the role; an empty name or one past
 * SCRUB_NAME_MAX is ignored. */
void scrub_policy_add(struct scrub_policy *p, const char *name, size_t len,
		      enum scrub_role role);

/*
 * Appends html scrubbed by p: HTML comments and the drop elements go (an
 * unclosed one takes the rest of the text), a tag of an element not in tags
 * goes (its text stays), a kept tag is written anew with its kept
 * attributes, each value entity-decoded and escaped again and in double
 * quotes (a bare attribute as name="name", "<br/>" as "<br />"), and a "<"
 * that starts no tag is written "&lt;". Text is copied as it is.
 *
 * With balance, end tags that close no element the text opened are
 * dropped and the elements left open are closed at the end: scrubbed text
 * can then be put inside a page without closing the page's own elements.
 *
 * Returns true when nothing was written anew: what it appended is html as
 * it is (most pages), which the caller may use instead of a copy.
 */
bool scrub_html(struct buf *out, const char *html, size_t len,
		const struct scrub_policy *p, bool balance);

/* Whether url (as written in an attribute, entities and all) is safe by
 * p: a known scheme, an image data: URL, a fragment, or a relative URL
 * (a '/', '?' or '#' before any ':'), as htmlscrubber's $safe_url_regexp. */
bool scrub_safe_url(const char *url, size_t len, const struct scrub_policy *p);

#endif
