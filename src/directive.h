/* directive.h — finds ikiwiki's [[!directives]], [[wiki links]] and their
 * escapes in a page's text. */
#ifndef WEFT_DIRECTIVE_H
#define WEFT_DIRECTIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "md.h"

/*
 * The syntax, as ikiwiki 3 reads it with prefix_directives (IkiWiki.pm
 * preprocess() and link.pm):
 *
 *   [[!name]]  [[!name param param ...]]       name: [-A-Za-z0-9_]+
 *   param:  [key=]value                         key:  [-.A-Za-z0-9_]+
 *   value:  """v"""  '''v'''  "v"  'v'  <<ID\nv\nID  bare
 *
 * A "v" holds no '"'; '''v''' and """v""" may hold quotes and "]]";
 * """v""" turns CRLF into LF and loses leading and trailing newlines; a
 * heredoc (ID letters only) runs to a line holding just ID and may hold
 * anything else; a bare value runs to whitespace, '"' or ']'. Parameters
 * are separated by whitespace (newlines too: a directive may span lines).
 * A parameter without "key=" is a bare value: [[!tag a b]].
 *
 *   [[target]]  [[text|target]]  [[target#anchor]]  [[text|target#anchor]]
 *
 * A link's text holds no ']' or '|'; its target no ']', '#' or newline;
 * its anchor no ']' or whitespace; the character after "[[" is not '!'.
 *
 * A backslash before "[[" escapes a directive or link: the output is the
 * same text without the backslash.
 *
 * Directives are not nested at this level: a directive's parameter values
 * are raw text, and the plugin that owns the directive expands what is in
 * them. Text inside the skip spans (code, from md_code_spans) is never
 * looked at.
 */

struct dparam {
	const char *key;	/* NULL for a bare value */
	size_t keylen;
	const char *val;	/* quoting removed; NUL-terminated */
	size_t vallen;
	unsigned line;		/* where the value starts */
};

enum dtok_type {
	DTOK_TEXT,		/* plain text, to be copied */
	DTOK_DIRECTIVE,
	DTOK_LINK,
	DTOK_ESCAPE,		/* an escaped directive or link: output lit */
};

struct dtok {
	enum dtok_type type;
	size_t start, end;	/* the token's bytes: text[start, end) */
	unsigned line;		/* the line of start, 1-based (plus first_line - 1) */

	/* DTOK_DIRECTIVE: name and parameters in source order. The strings
	 * belong to the scanner and last until the next dscan_next. */
	const char *name;
	size_t namelen;
	const struct dparam *params;
	size_t nparams;

	/* DTOK_LINK: text is NULL when the link has none, anchor when it has
	 * none; each points into the scanned text. */
	const char *text, *target, *anchor;
	size_t textlen, targetlen, anchorlen;

	/* DTOK_ESCAPE: what to output (points into the scanned text). */
	const char *lit;
	size_t litlen;

	/* DTOK_TEXT: set when the text starts with "[[!" that never closes, so
	 * the caller can report it at line; NULL otherwise. */
	const char *problem;
};

struct dscan;

/*
 * Starts a scan of text[0, len) whose first line is line first_line of its
 * file. skip (may be NULL) holds sorted, disjoint spans that are copied as
 * text untouched. With links false, "[[x]]" is text (for scanning inside
 * places where only directives matter, and vice versa with directives
 * false). The text must outlive the scan.
 *
 * Scanning is linear in the length of the text whatever it holds
 * (unterminated quotes, 20,000 nested brackets, a 20 MB page).
 */
struct dscan *dscan_new(const char *text, size_t len, unsigned first_line,
			const struct spans *skip, bool directives, bool links);
/* Fills tok with the next token and returns true; false at the end. Text
 * tokens are as long as possible: two follow each other only when the
 * second starts with a problem. */
bool dscan_next(struct dscan *s, struct dtok *tok);
void dscan_free(struct dscan *s);

/* The value of the first parameter named key, or NULL. */
const struct dparam *dtok_param(const struct dtok *tok, const char *key);

#endif
