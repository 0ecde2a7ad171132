/* scrub.h — HTML made safe to publish: a whitelist scrubber in the manner
 * of Perl's HTML::Scrubber as ikiwiki's htmlscrubber sets it up. The
 * mechanism is here; which tags, attributes and URL schemes pass is the
 * caller's policy (the htmlscrubber plugin's lists). */
#ifndef WEFT_SCRUB_H
#define WEFT_SCRUB_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "strmap.h"

/* What passes. Every name is lower case; a map's values only need to be
 * non-NULL. */
struct scrub_policy {
	struct strmap tags;	/* elements kept (the others lose their tags, not their text) */
	struct strmap attrs;	/* attributes kept on them */
	struct strmap url_attrs;	/* attributes kept only with a safe URL */
	struct strmap schemes;	/* URL schemes that are safe */
	struct strmap drop;	/* elements dropped with all they hold (script, style) */
	struct strmap void_tags;	/* elements without an end tag (br, img) */
};

void scrub_policy_init(struct scrub_policy *p);
void scrub_policy_release(struct scrub_policy *p);

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
 */
void scrub_html(struct buf *out, const char *html, size_t len,
		const struct scrub_policy *p, bool balance);

/* Whether url (as written in an attribute, entities and all) is safe by
 * p: a known scheme, an image data: URL, a fragment, or a relative URL
 * (a '/', '?' or '#' before any ':'), as htmlscrubber's $safe_url_regexp. */
bool scrub_safe_url(const char *url, size_t len, const struct scrub_policy *p);

#endif
