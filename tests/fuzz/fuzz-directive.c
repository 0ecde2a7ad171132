/* fuzz-directive.c — scans any text in every mode, with and without skip
 * spans, checking the token stream's invariants and touching every byte
 * a token points to, so that the sanitizers see a bad pointer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directive.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reading through a volatile keeps the reads. */
static unsigned
touch(const char *p, size_t n)
{
	const volatile char *v = p;
	unsigned h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		h = h * 31 + (unsigned char)v[i];
	return h;
}

/* Whether [p, p + n) lies inside [t + a, t + b). */
static bool
inside(const char *t, size_t a, size_t b, const char *p, size_t n)
{
	return p >= t + a && p + n <= t + b;
}

static void
check_token(const char *t, const struct dtok *tok, unsigned first_line)
{
	size_t i;

	touch(t + tok->start, tok->end - tok->start);
	if (tok->line < first_line)
		abort();
	switch (tok->type) {
	case DTOK_TEXT:
		if (!tok->problem)
			break;
		touch(tok->problem, strlen(tok->problem));
		if (tok->end - tok->start < 3 || memcmp(t + tok->start, "[[!", 3))
			abort();
		break;
	case DTOK_ESCAPE:
		if (t[tok->start] != '\\' || tok->lit != t + tok->start + 1 ||
		    tok->litlen != tok->end - tok->start - 1)
			abort();
		break;
	case DTOK_LINK:
		if (!inside(t, tok->start, tok->end, tok->target, tok->targetlen) ||
		    tok->targetlen == 0 ||
		    (tok->text && !inside(t, tok->start, tok->end, tok->text,
					  tok->textlen)) ||
		    (tok->anchor && !inside(t, tok->start, tok->end, tok->anchor,
					    tok->anchorlen)))
			abort();
		break;
	case DTOK_DIRECTIVE:
		if (!inside(t, tok->start, tok->end, tok->name, tok->namelen) ||
		    tok->namelen == 0)
			abort();
		for (i = 0; i < tok->nparams; i++) {
			const struct dparam *p = &tok->params[i];

			if (p->key && !inside(t, tok->start, tok->end, p->key,
					      p->keylen))
				abort();
			touch(p->val, p->vallen);
			if (p->val[p->vallen] != '\0' || p->line < tok->line)
				abort();
		}
		dtok_param(tok, "k");
		break;
	default:
		abort();
	}
}

/* Scans t; the values of directives are scanned again as a plugin that
 * expands them would, depth levels down. */
static void
scan(const char *t, size_t len, unsigned first_line, const struct spans *skip,
     bool dirs, bool links, int depth)
{
	struct dscan *s = dscan_new(t, len, first_line, skip, dirs, links);
	struct dtok tok;
	size_t pos = 0, i;
	bool prevtext = false;

	while (dscan_next(s, &tok)) {
		if (tok.start != pos || tok.end <= tok.start || tok.end > len ||
		    (tok.type == DTOK_TEXT && prevtext && !tok.problem) ||
		    (!dirs && tok.type == DTOK_DIRECTIVE) ||
		    (!links && tok.type == DTOK_LINK))
			abort();
		check_token(t, &tok, first_line);
		prevtext = tok.type == DTOK_TEXT;
		pos = tok.end;
		for (i = 0; depth > 0 && i < tok.nparams; i++) {
			char *v = xstrndup(tok.params[i].val, tok.params[i].vallen);

			scan(v, tok.params[i].vallen, tok.params[i].line, NULL,
			     true, true, depth - 1);
			free(v);
		}
	}
	if (pos != len || dscan_next(s, &tok))
		abort();
	dscan_free(s);
}

/* Code-span-like skip spans: from each backtick to the next. */
static void
backtick_spans(struct spans *sp, const char *t, size_t len)
{
	const char *a, *b;
	size_t i = 0;

	while (i < len && (a = memchr(t + i, '`', len - i)) &&
	       (b = memchr(a + 1, '`', len - (size_t)(a + 1 - t)))) {
		sp->v = xgrow(sp->v, &sp->cap, sp->n + 1, sizeof(*sp->v));
		sp->v[sp->n].start = (size_t)(a - t);
		sp->v[sp->n].end = (size_t)(b - t) + 1;
		sp->n++;
		i = (size_t)(b - t) + 1;
	}
}

/* Spans at places taken from the first bytes, so they fall anywhere. */
static void
byte_spans(struct spans *sp, const uint8_t *data, size_t size)
{
	size_t i, at = 0;

	for (i = 0; i + 1 < size && i < 8; i += 2) {
		at += data[i] % 16;
		if (at >= size)
			break;
		sp->v = xgrow(sp->v, &sp->cap, sp->n + 1, sizeof(*sp->v));
		sp->v[sp->n].start = at;
		at += data[i + 1] % 16;
		sp->v[sp->n].end = at < size ? at : size;
		sp->n++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: reading past it is a bug. */
	char *t = xmalloc(size ? size : 1);
	struct spans sp = { NULL, 0, 0 };
	int mode;

	memcpy(t, data, size);
	scan(t, size, 1, NULL, true, true, 2);
	for (mode = 1; mode < 4; mode++)
		scan(t, size, 7, NULL, mode & 1, mode & 2, 0);
	backtick_spans(&sp, t, size);
	for (mode = 1; mode < 4; mode++)
		scan(t, size, 1, &sp, mode & 1, mode & 2, 0);
	sp.n = 0;
	byte_spans(&sp, data, size);
	scan(t, size, 1, &sp, true, true, 0);
	free(sp.v);
	free(t);
	return 0;
}
