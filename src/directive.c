/* directive.c — finds [[!directives]], [[wiki links]] and escapes as
 * ikiwiki's regexes do, in time linear in the text. */
#include "directive.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xalloc.h"

/*
 * ikiwiki finds directives with one backtracking regex (IkiWiki.pm,
 * preprocess(), prefix_directives):
 *
 *   (\\?)\[\[(!)([-\w]+)(\s+(?:(?:[-.\w]+=)?(?:""".*?"""|"[^"]*?"|
 *     '''.*?'''|<<([a-zA-Z]+)\n(?:.*?)\n\5|[^"\s\]]+)\s*)*)?\]\]
 *
 * applied with s///g, and splits the parameters with a second one:
 *
 *   (?:([-.\w]+)=)?(?:"""(.*?)"""|"([^"]*?)"|'''(.*?)'''|
 *     <<([a-zA-Z]+)\n(.*?)\n\5|(\S+))(?:\s+|$)
 *
 * Both are reproduced exactly, backtracking included: the first regex
 * decides where a directive ends (outer_match), the second what its
 * parameters are (parse_params). weft adds 'v' as a quoted value, after
 * '''v''' in both. Classes are ASCII: \w is [A-Za-z0-9_], \s is
 * [ \t\n\v\f\r], as Perl's /a has them.
 *
 * outer_match is a depth-first search in Perl's order over "loop" states
 * (before a parameter, after the whitespace) and "value" states. The
 * rest of the regex after a state does not depend on how the state was
 * reached, so a state seen once is never explored again: it failed, or
 * the search would have stopped. Walks over a value's possible ends
 * (the lazy .*? of """, ''' and heredocs, the greedy bare run) remember
 * which ends are already tried. That makes the search linear, with these
 * deliberate divergences, reached only by inputs no one writes:
 *
 *  - heredoc terminators are searched with a budget of a few times the
 *    text's length; many distinct unterminated heredoc IDs exhaust it,
 *    and heredocs then never match;
 *  - a directive whose search needs more than MAXFRAMES pending choices
 *    (about a million parameters) or too much work is not a directive;
 *    the scan reports it once and finds no directive after it;
 *  - ikiwiki decodes UTF-8 first, so its \w and \s include non-ASCII
 *    letters and spaces (U+00A0): weft's names and keys are ASCII, and
 *    a non-breaking space does not separate parameters.
 *
 * Wiki links (link.pm) cannot backtrack far: a link holds no ']' before
 * its "]]", so each part is found with memoised "next occurrence"
 * searches. ikiwiki expands directives before it looks for links; here a
 * link that would contain the start of a directive is not a link, and
 * the directive is found instead.
 */

#define NONE SIZE_MAX
#define MAXFRAMES ((size_t)1 << 20)

/* No match in [from, at); a match at at, or at is the end of the range. */
struct memo {
	size_t from, at;
};

/* A memo valid only for the parameters of directive number dir. */
struct imemo {
	size_t dir, from, at;
};

/* What is known about one heredoc ID. */
struct hdmemo {
	size_t done;		/* every terminator at or after it is tried */
	struct imemo in;	/* first delimited terminator (parse_params) */
};

enum phase {
	PH_TQ,			/* """...""": trying each later """ */
	PH_DQ,			/* "..." */
	PH_SQ3,			/* '''...''' */
	PH_SQ1,			/* '...' (weft) */
	PH_HD,			/* <<ID\n...\nID: trying each later \nID */
	PH_BWSTART,		/* the bare walk, not started yet */
	PH_BW,			/* [^"\s\]]+: trying each shorter run */
};

/* A value state with alternatives left. item is where the value ends
 * for the next alternative to try. */
struct frame {
	size_t v;
	size_t item;
	enum phase ph;
};

enum { M_NOMATCH, M_MATCH, M_GIVEUP };

enum why {
	WHY_UNTERM,
	WHY_NONAME,
	WHY_NOSPACE,
	WHY_COMPLEX,
};

struct dres {
	bool ok;
	size_t end, name_end;
};

struct lres {
	size_t end;
	size_t text, textlen;	/* textlen 0: no text */
	size_t target, targetlen;
	size_t anchor, anchorlen;	/* anchorlen 0: no anchor */
};

enum evtype { EV_NONE, EV_DIR, EV_ESC, EV_LINK, EV_PROBLEM };

struct event {
	enum evtype type;
	size_t start, end;
	size_t q;		/* the "[[" */
	struct dres d;
	struct lres l;
};

struct dscan {
	const char *t;
	size_t len;
	unsigned first_line;
	const struct spans *skip;
	bool directives, links;
	bool giveup;		/* no more directives: see the top */
	size_t giveup_at;

	size_t pos;		/* where the next token starts */
	size_t lpos;		/* line cursor: lline newlines before lpos */
	unsigned lline;

	struct event ev;	/* the first event at or after ev_from */
	size_t ev_from;
	bool have_ev;

	/* Links: next ']', '|', end of target, whitespace. No link starts
	 * before nolink: their first ']' is not followed by another. */
	struct memo m_rbr, m_bar, m_tgt1, m_tgt2, m_ws1, m_ws2;
	size_t nolink;

	/* No directive starts in [dfrom, dto); one at dto when dhit. */
	size_t dfrom, dto;
	bool dhit;
	struct dres hit;

	/* outer_match state, kept across directives. */
	unsigned char *loopv, *valv, *bwf;	/* loopv owns all three */
	size_t tq_done, sq_done;	/* every """/''' at or after is tried */
	struct strmap hd;
	struct frame *stack;
	size_t nstack, capstack;
	size_t work, worklimit, hdwork, hdlimit;

	/* parse_params state. */
	size_t ndir;
	struct imemo i_tq, i_sq;
	struct memo m_dq, m_sq;

	/* The token's strings. */
	struct buf arena;
	struct dparam *params;
	size_t capparams;
};

/* The classes of a byte, from one table: the scanner asks them of every
 * byte of a directive, several times. ASCII only, as at the top. */
enum {
	C_WS = 1,		/* \s: [ \t\n\v\f\r] */
	C_ALPHA = 2,		/* [A-Za-z] */
	C_NAME = 4,		/* \w and '-': [-A-Za-z0-9_] */
	C_KEY = 8,		/* a name's and '.' */
	C_BARE = 16,		/* [^"\s\]] */
};

#define W C_WS
#define A (C_ALPHA | C_NAME | C_KEY | C_BARE)
#define N (C_NAME | C_KEY | C_BARE)
#define K (C_KEY | C_BARE)
#define O 0
#define B C_BARE
static const unsigned char cls[256] = {
	B, B, B, B, B, B, B, B, B, W, W, W, W, W, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	W, B, O, B, B, B, B, B, B, B, B, B, B, N, K, B,
	N, N, N, N, N, N, N, N, N, N, B, B, B, B, B, B,
	B, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,
	A, A, A, A, A, A, A, A, A, A, A, B, B, O, B, N,
	B, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,
	A, A, A, A, A, A, A, A, A, A, A, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
};
#undef W
#undef A
#undef N
#undef K
#undef O
#undef B

static bool
is_ws(unsigned char c)
{
	return cls[c] & C_WS;
}

static bool
is_alpha(unsigned char c)
{
	return cls[c] & C_ALPHA;
}

static bool
is_name(unsigned char c)
{
	return cls[c] & C_NAME;
}

static bool
is_key(unsigned char c)
{
	return cls[c] & C_KEY;
}

static bool
is_bare(unsigned char c)
{
	return cls[c] & C_BARE;
}

static bool
is_tgtend(unsigned char c)
{
	return c == '\n' || c == '\r' || c == '#';
}

static unsigned char
at(const struct dscan *s, size_t i)
{
	return (unsigned char)s->t[i];
}

static void
memo_init(struct memo *m)
{
	m->from = 1;
	m->at = 0;
}

/* Whether m answers a query from from: returns the answer in *at. */
static bool
memo_get(const struct dscan *s, const struct memo *m, size_t *from, size_t *at)
{
	if (*from > s->len)
		*from = s->len;
	*at = m->at;
	return m->from <= *from && *from <= m->at;
}

static size_t
memo_set(struct memo *m, size_t from, size_t at)
{
	m->from = from;
	m->at = at;
	return at;
}

/* The first i >= from with pred(t[i]), or len. Forward queries look at
 * each byte once. */
static size_t
memo_next(const struct dscan *s, struct memo *m, size_t from,
	  bool (*pred)(unsigned char))
{
	size_t i;

	if (memo_get(s, m, &from, &i))
		return i;
	for (i = from; i < s->len && !pred(at(s, i)); i++)
		;
	return memo_set(m, from, i);
}

/* memo_next for one byte, found with memchr: the byte-wise loop cost a
 * tenth of the scan ("]" and "|" of links, the ends of "quoted" values). */
static size_t
memo_chr(const struct dscan *s, struct memo *m, size_t from, char c)
{
	const char *p;
	size_t i;

	if (memo_get(s, m, &from, &i))
		return i;
	p = memchr(s->t + from, c, s->len - from);
	return memo_set(m, from, p ? (size_t)(p - s->t) : s->len);
}

/* The end of the skip span holding i, or 0 when i is in none. */
static size_t
skip_end(const struct dscan *s, size_t i)
{
	size_t lo = 0, hi, mid;

	if (!s->skip || s->skip->n == 0)
		return 0;
	hi = s->skip->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->skip->v[mid].end <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->skip->n && s->skip->v[lo].start <= i)
		return s->skip->v[lo].end;
	return 0;
}

static size_t
skipws(struct dscan *s, size_t i)
{
	size_t from = i;

	while (i < s->len && is_ws(at(s, i)))
		i++;
	s->work += i - from;
	return i;
}

/* Sets bit i; false when it was set already. */
static bool
mark(unsigned char *bm, size_t i)
{
	unsigned char b = (unsigned char)(1u << (i & 7));

	if (bm[i >> 3] & b)
		return false;
	bm[i >> 3] |= b;
	return true;
}

static bool
bit(const unsigned char *bm, size_t i)
{
	return bm[i >> 3] & (1u << (i & 7));
}

static bool
triple_at(const struct dscan *s, size_t i, size_t lim, char c)
{
	return i + 3 <= lim && s->t[i] == c && s->t[i + 1] == c &&
	       s->t[i + 2] == c;
}

/* The first q in [from, lim) where ccc starts, or NONE. */
static size_t
find_triple(struct dscan *s, size_t from, size_t lim, char c)
{
	const char *p;
	size_t i = from;

	if (lim > s->len)
		lim = s->len;
	while (i < lim) {
		if (!(p = memchr(s->t + i, c, lim - i)))
			break;
		i = (size_t)(p - s->t);
		if (triple_at(s, i, s->len, c)) {
			s->work += i - from;
			return i;
		}
		i++;
	}
	if (lim > from)
		s->work += lim - from;
	return NONE;
}

static size_t
find_char(struct dscan *s, size_t from, char c)
{
	const char *p;

	if (from >= s->len)
		return NONE;
	p = memchr(s->t + from, c, s->len - from);
	s->work += (p ? (size_t)(p - s->t) : s->len) - from;
	return p ? (size_t)(p - s->t) : NONE;
}

/* Whether "<<ID\n" starts at v and ends before lim; sets the ID. */
static bool
heredoc_at(const struct dscan *s, size_t v, size_t lim, size_t *idlen)
{
	size_t i = v + 2;

	if (v + 2 >= lim || s->t[v] != '<' || s->t[v + 1] != '<')
		return false;
	while (i < lim && is_alpha(at(s, i)))
		i++;
	if (i == v + 2 || i >= lim || s->t[i] != '\n')
		return false;
	*idlen = i - v - 2;
	return true;
}

/* The first q in [from, lim) where "\nID" starts, or NONE. Distinct IDs
 * each search afresh, so all searches share a budget. */
static size_t
find_hd(struct dscan *s, size_t from, size_t lim, const char *id,
	size_t idlen)
{
	const char *p;
	size_t i = from, q = NONE;

	if (lim > s->len)
		lim = s->len;
	if (s->hdwork > s->hdlimit)
		return NONE;
	while (i < lim) {
		if (!(p = memchr(s->t + i, '\n', lim - i)))
			break;
		i = (size_t)(p - s->t);
		if (i + 1 + idlen <= s->len &&
		    memcmp(s->t + i + 1, id, idlen) == 0) {
			q = i;
			break;
		}
		i++;
	}
	i = q != NONE ? q : lim;
	s->hdwork += (i > from ? i - from : 0) + 1;
	return q;
}

static struct hdmemo *
hd_memo(struct dscan *s, size_t v, size_t idlen)
{
	void **slot = strmap_slot(&s->hd, s->t + v + 2, idlen);
	struct hdmemo *m = *slot;

	if (!m) {
		m = xmalloc(sizeof(*m));
		m->done = NONE;
		m->in.dir = NONE;
		*slot = m;
	}
	return m;
}

static bool dq_phase(struct dscan *s, struct frame *f);
static bool sq1_phase(struct dscan *s, struct frame *f);

/* A value state's alternatives, in the regex's order. Each *_more finds
 * the next end of its kind at or after from, or moves on to the next
 * kind. The search stops at the ends already tried (tq_done...), which is
 * what keeps it linear. Finishing a walk may record that every end after
 * its start is tried even before the last end is explored: any walk that
 * starts inside that exploration starts after the last end, where only
 * ends already tried remain. */
static bool
tq_more(struct dscan *s, struct frame *f, size_t from)
{
	size_t q = find_triple(s, from, s->tq_done, '"');

	if (q != NONE) {
		f->ph = PH_TQ;
		f->item = q + 3;
		return true;
	}
	if (f->v + 3 < s->tq_done)
		s->tq_done = f->v + 3;
	return dq_phase(s, f);
}

static bool
dq_phase(struct dscan *s, struct frame *f)
{
	size_t q = find_char(s, f->v + 1, '"');

	if (q == NONE)
		return false;
	f->ph = PH_DQ;
	f->item = q + 1;
	return true;
}

static bool
sq3_more(struct dscan *s, struct frame *f, size_t from)
{
	size_t q = find_triple(s, from, s->sq_done, '\'');

	if (q != NONE) {
		f->ph = PH_SQ3;
		f->item = q + 3;
		return true;
	}
	if (f->v + 3 < s->sq_done)
		s->sq_done = f->v + 3;
	return sq1_phase(s, f);
}

/* The bare walk starts later: starting it marks positions as tried. */
static bool
bw_later(struct frame *f)
{
	f->ph = PH_BWSTART;
	return true;
}

static bool
sq1_phase(struct dscan *s, struct frame *f)
{
	size_t q = find_char(s, f->v + 1, '\'');

	if (q == NONE)
		return bw_later(f);
	f->ph = PH_SQ1;
	f->item = q + 1;
	return true;
}

static bool
hd_more(struct dscan *s, struct frame *f, size_t from, size_t idlen)
{
	struct hdmemo *m;
	size_t q;

	if (s->hdwork > s->hdlimit)
		return bw_later(f);
	m = hd_memo(s, f->v, idlen);
	q = find_hd(s, from, m->done, s->t + f->v + 2, idlen);
	if (q != NONE) {
		f->ph = PH_HD;
		f->item = q + 1 + idlen;
		return true;
	}
	if (f->v + idlen + 3 < m->done)
		m->done = f->v + idlen + 3;
	return bw_later(f);
}

/* The next end of a bare walk below hi: only ends at a ' or < can lead
 * anywhere new (see bw_phase). */
static bool
bw_more(struct dscan *s, struct frame *f, size_t hi)
{
	size_t e;

	for (e = hi; e > f->v; e--)
		if (s->t[e] == '\'' || s->t[e] == '<')
			break;
	s->work += hi - e + 1;
	if (e <= f->v)
		return false;
	f->ph = PH_BW;
	f->item = e;
	return true;
}

/*
 * The bare walk from v: [^"\s\]]+ is greedy, so its ends are tried from
 * the end r of the run down to v + 1. bwf marks the positions x of a run
 * whose walk has tried every end above x; the marks of a run always form
 * a suffix of it. An end e inside the run leads to the loop state at e,
 * whose key path and bare walk lead only to states already tried, so
 * only ends at a quote form's start (' or <) are worth trying, then
 * first the run's end, when no earlier walk has tried it.
 */
static bool
bw_phase(struct dscan *s, struct frame *f)
{
	size_t v = f->v, x, i;

	if (bit(s->bwf, v))
		return false;
	for (x = v + 1; x < s->len && is_bare(at(s, x)) && !bit(s->bwf, x); x++)
		;
	s->work += x - v;
	for (i = v; i < x; i++)
		mark(s->bwf, i);
	if (x >= s->len || !is_bare(at(s, x))) {
		f->ph = PH_BW;
		f->item = x;
		return true;
	}
	return bw_more(s, f, x);
}

/* The first alternative of the value state v. */
static bool
val_first(struct dscan *s, struct frame *f, size_t v)
{
	size_t idlen;
	bool ok;

	f->v = v;
	switch (s->t[v]) {
	case '"':
		if (triple_at(s, v, s->len, '"'))
			return tq_more(s, f, v + 3);
		return dq_phase(s, f);
	case '\'':
		ok = triple_at(s, v, s->len, '\'') ? sq3_more(s, f, v + 3) :
		     sq1_phase(s, f);
		break;
	case '<':
		ok = heredoc_at(s, v, s->len, &idlen) ?
		     hd_more(s, f, v + idlen + 3, idlen) : bw_later(f);
		break;
	default:
		return is_bare(at(s, v)) && bw_phase(s, f);
	}
	if (ok && f->ph == PH_BWSTART)
		return bw_phase(s, f);
	return ok;
}

/* Moves f from the alternative just taken to the next one. */
static bool
val_next(struct dscan *s, struct frame *f)
{
	size_t idlen;

	switch (f->ph) {
	case PH_TQ:
		return tq_more(s, f, f->item - 2);
	case PH_DQ:
	case PH_BWSTART:	/* never: no item was taken from it */
		return false;
	case PH_SQ3:
		return sq3_more(s, f, f->item - 2);
	case PH_SQ1:
		return bw_later(f);
	case PH_HD:	/* the heredoc that began it is still there */
		if (!heredoc_at(s, f->v, s->len, &idlen))
			return false;
		return hd_more(s, f, f->item - idlen, idlen);
	case PH_BW:
		return bw_more(s, f, f->item - 1);
	}
	return false;
}

/*
 * The value state a loop state at p leads to. With a key ([-.\w]+=) the
 * value after '=' is tried first, then the whole as a bare value; but
 * when a value can start after '=', the bare value reaches only states
 * the keyed one tries, so it is not tried.
 */
static size_t
iter_val(struct dscan *s, size_t p)
{
	size_t k = p;

	if (!is_key(at(s, p)))
		return p;
	while (k < s->len && is_key(at(s, k)))
		k++;
	s->work += k - p;
	if (k + 1 < s->len && s->t[k] == '=' && !is_ws(at(s, k + 1)) &&
	    s->t[k + 1] != ']')
		return k + 1;
	return p;
}

static void
push(struct dscan *s, const struct frame *f)
{
	if (s->nstack == s->capstack)
		s->stack = xgrow(s->stack, &s->capstack, s->nstack + 1,
				 sizeof(*s->stack));
	s->stack[s->nstack++] = *f;
}

/* Takes the next alternative left on the stack: where its value ends. */
static bool
backtrack(struct dscan *s, size_t *e)
{
	struct frame *f;

	while (s->nstack > 0) {
		f = &s->stack[s->nstack - 1];
		if (f->ph == PH_BWSTART && !bw_phase(s, f)) {
			s->nstack--;
			continue;
		}
		*e = f->item;
		if (!val_next(s, f))
			s->nstack--;
		return true;
	}
	return false;
}

/* Whether i is a state an earlier search tried (no bitmap: none did). */
static bool
tried(const struct dscan *s, const unsigned char *bm, size_t i)
{
	return s->loopv && bit(bm, i);
}

/* Where the first alternative of the value at v ends, when it is one
 * that leaves no other behind: "v" but not """, or a bare run holding
 * no ' or < (the starts of other forms). NONE otherwise. Counts the
 * work as dq_phase, or bw_phase and bw_more, count it. */
static size_t
plain_value(struct dscan *s, size_t v)
{
	size_t x;

	if (s->t[v] == '"') {
		if (triple_at(s, v, s->len, '"') ||
		    (x = find_char(s, v + 1, '"')) == NONE)
			return NONE;
		return x + 1;
	}
	if (!is_bare(at(s, v)) || s->t[v] == '\'' || s->t[v] == '<' ||
	    tried(s, s->bwf, v))
		return NONE;
	for (x = v + 1; x < s->len && is_bare(at(s, x)); x++)
		if (s->t[x] == '\'' || s->t[x] == '<' || tried(s, s->bwf, x))
			return NONE;
	s->work += 2 * (x - v);
	return x;
}

/*
 * outer_match's first descent, for the directives people write, without
 * its bitmaps and stack: at each loop state the first alternative, when
 * plain_value says it leaves no other. Reaching "]]" that way is the
 * match the search finds first. The states it passes are not marked:
 * only a later search could ask about them, and every later search
 * starts after the end of this match. Anything else (a state an earlier
 * search tried, a value with alternatives, no "]]", the work budget
 * spent) is left to the full search, with the work count restored.
 */
static bool
plain_match(struct dscan *s, size_t p, size_t *end)
{
	size_t work = s->work, v, e;

	while (p < s->len && s->work <= s->worklimit) {
		if (s->t[p] == ']') {
			if (p + 1 >= s->len || s->t[p + 1] != ']')
				break;
			*end = p + 2;
			return true;
		}
		if (tried(s, s->loopv, p))
			break;
		v = iter_val(s, p);
		if (tried(s, s->valv, v) || (e = plain_value(s, v)) == NONE)
			break;
		p = skipws(s, e);
	}
	s->work = work;
	return false;
}

/* Matches (P\s*)*\]\] at p, P being a parameter; sets *end after "]]". */
static int
outer_match(struct dscan *s, size_t p, size_t *end)
{
	struct frame f;
	size_t e, v;

	if (plain_match(s, p, end))
		return M_MATCH;
	if (!s->loopv) {
		size_t n = s->len / 8 + 1;

		/* One allocation for the three: valv and bwf point into it. */
		s->loopv = xcalloc(3, n);
		s->valv = s->loopv + n;
		s->bwf = s->valv + n;
	}
	s->nstack = 0;
	for (;;) {
		if (s->work > s->worklimit || s->nstack >= MAXFRAMES)
			return M_GIVEUP;
		if (p < s->len && s->t[p] == ']') {
			if (p + 1 < s->len && s->t[p + 1] == ']') {
				*end = p + 2;
				return M_MATCH;
			}
		} else if (p < s->len && mark(s->loopv, p) &&
			   mark(s->valv, (v = iter_val(s, p))) &&
			   val_first(s, &f, v)) {
			e = f.item;
			if (val_next(s, &f))
				push(s, &f);
			p = skipws(s, e);
			continue;
		}
		if (!backtrack(s, &e))
			return M_NOMATCH;
		p = skipws(s, e);
	}
}

/* Why the "[[!" at q is not a directive. */
static enum why
dir_why(const struct dscan *s, size_t q)
{
	size_t n = q + 3;

	if (s->giveup && q == s->giveup_at)
		return WHY_COMPLEX;
	while (n < s->len && is_name(at(s, n)))
		n++;
	if (n == q + 3)
		return WHY_NONAME;
	if (n < s->len && !is_ws(at(s, n)) && s->t[n] != ']')
		return WHY_NOSPACE;
	return WHY_UNTERM;
}

/* Matches the directive regex at the "[[!" at q. */
static struct dres
dir_try(struct dscan *s, size_t q)
{
	struct dres r = { false, 0, 0 };
	size_t n = q + 3;

	while (n < s->len && is_name(at(s, n)))
		n++;
	s->work += n - q;
	r.name_end = n;
	if (n == q + 3 || n >= s->len)
		return r;
	if (n + 1 < s->len && s->t[n] == ']' && s->t[n + 1] == ']') {
		r.ok = true;
		r.end = n + 2;
		return r;
	}
	if (!is_ws(at(s, n)) || s->giveup)
		return r;
	switch (outer_match(s, skipws(s, n), &r.end)) {
	case M_MATCH:
		r.ok = true;
		break;
	case M_GIVEUP:
		s->giveup = true;
		s->giveup_at = q;
		break;
	}
	return r;
}

static bool
dir_start(const struct dscan *s, size_t q)
{
	return q + 2 < s->len && s->t[q] == '[' && s->t[q + 1] == '[' &&
	       s->t[q + 2] == '!';
}

/* The directive at the "[[!" at q (outside the skip spans). Queries
 * move forward, so each "[[!" is matched once: a match marks states as
 * tried, and must not be matched again. */
static struct dres
dir_at(struct dscan *s, size_t q)
{
	struct dres r;

	if (s->dhit && q == s->dto)
		return s->hit;
	if (s->dfrom <= q && q < s->dto) {
		memset(&r, 0, sizeof(r));
		return r;
	}
	r = dir_try(s, q);
	if (!(s->dfrom <= q && q <= s->dto))
		s->dfrom = q;
	s->dto = r.ok ? q : q + 1;
	s->dhit = r.ok;
	s->hit = r;
	return r;
}

/* The first "[[!" in [from, lim) outside the skip spans, or NONE. It
 * looks for the '!', rare in text and absent from runs of brackets. */
static size_t
find_dir_start(struct dscan *s, size_t from, size_t lim)
{
	const char *p;
	size_t i = from + 2, end, e;	/* i: where the '!' may be */

	end = lim + 2 < s->len ? lim + 2 : s->len;
	while (i < end) {
		if (!(p = memchr(s->t + i, '!', end - i)))
			return NONE;
		i = (size_t)(p - s->t);
		if (!dir_start(s, i - 2)) {
			i++;
			continue;
		}
		if ((e = skip_end(s, i - 2)) != 0) {
			i = e + 2;
			continue;
		}
		return i - 2;
	}
	return NONE;
}

/* The first directive that starts in [from, lim), or NONE. */
static size_t
dir_next(struct dscan *s, size_t from, size_t lim)
{
	size_t q;

	if (!(s->dfrom <= from && from <= s->dto)) {
		s->dfrom = s->dto = from;
		s->dhit = false;
	}
	while (!s->dhit && !s->giveup) {
		if (s->dto >= lim)
			return NONE;
		if ((q = find_dir_start(s, s->dto, lim)) == NONE) {
			s->dto = lim;
			return NONE;
		}
		s->dto = q;
		dir_at(s, q);
	}
	return s->dhit && s->dto < lim ? s->dto : NONE;
}

static bool
dirs_on(const struct dscan *s)
{
	return s->directives && !s->giveup;
}

/* Parses [from, c) as "target" or "target#anchor". */
static bool
link_target(struct dscan *s, struct lres *l, size_t from, size_t c,
	    struct memo *mt, struct memo *mw)
{
	size_t te;

	if (from >= c)
		return false;
	te = memo_next(s, mt, from, is_tgtend);
	l->target = from;
	if (te >= c) {
		l->targetlen = c - from;
		return true;
	}
	if (te == from || s->t[te] != '#' || te + 1 >= c ||
	    memo_next(s, mw, te + 1, is_ws) < c)
		return false;
	l->targetlen = te - from;
	l->anchor = te + 1;
	l->anchorlen = c - te - 1;
	return true;
}

/* Matches link.pm's regex at the "[[" at i. */
static bool
link_at(struct dscan *s, size_t i, struct lres *l)
{
	size_t c, bar;
	bool ok = false;

	memset(l, 0, sizeof(*l));
	if (i + 2 >= s->len || s->t[i + 2] == '!')
		return false;
	c = memo_chr(s, &s->m_rbr, i + 2, ']');
	if (c + 1 >= s->len || s->t[c + 1] != ']') {
		s->nolink = c - 1;
		return false;
	}
	bar = memo_chr(s, &s->m_bar, i + 2, '|');
	if (bar < c && bar > i + 2 &&
	    link_target(s, l, bar + 1, c, &s->m_tgt2, &s->m_ws2)) {
		l->text = i + 2;
		l->textlen = bar - i - 2;
		ok = true;
	} else {
		memset(l, 0, sizeof(*l));
		ok = link_target(s, l, i + 2, c, &s->m_tgt1, &s->m_ws1);
	}
	if (ok && dirs_on(s) && dir_next(s, i + 1, c) != NONE)
		ok = false;
	l->end = c + 2;
	return ok;
}

/* What happens at the "[[" at q, whose escaping backslash may be at
 * q - 1 when that is at or after from. */
static bool
event_at(struct dscan *s, size_t q, size_t from, struct event *ev)
{
	bool bang = q + 2 < s->len && s->t[q + 2] == '!';

	ev->q = q;
	if (q > from && s->t[q - 1] == '\\' && !skip_end(s, q - 1)) {
		if (bang && dirs_on(s) && (ev->d = dir_at(s, q)).ok) {
			ev->type = EV_ESC;
			ev->start = q - 1;
			ev->end = ev->d.end;
			return true;
		}
		if (!bang && s->links && link_at(s, q, &ev->l)) {
			ev->type = EV_ESC;
			ev->start = q - 1;
			ev->end = ev->l.end;
			return true;
		}
	}
	ev->start = q;
	if (bang && (dirs_on(s) || (s->directives && q == s->giveup_at))) {
		ev->d = dir_at(s, q);
		ev->type = ev->d.ok ? EV_DIR : EV_PROBLEM;
		ev->end = ev->d.ok ? ev->d.end : q + 3;
		return true;
	}
	if (!bang && s->links && link_at(s, q, &ev->l)) {
		ev->type = EV_LINK;
		ev->end = ev->l.end;
		return true;
	}
	return false;
}

/* The next "[[" at or after i where something may start, or NONE. Where
 * no link can start, only "[[!" is looked for. */
static size_t
next_open(struct dscan *s, size_t i)
{
	const char *p;
	size_t q, lim, e;
	bool dirs = s->directives && (!s->giveup || s->giveup_at >= i);

	while (i + 1 < s->len) {
		if (!s->links || i < s->nolink) {
			lim = s->links ? s->nolink : s->len;
			if (dirs && (q = find_dir_start(s, i, lim)) != NONE)
				return q;
			if (lim >= s->len)
				return NONE;
			i = lim;
			continue;
		}
		if (!(p = memchr(s->t + i, '[', s->len - i - 1)))
			return NONE;
		q = (size_t)(p - s->t);
		if (s->t[q + 1] != '[') {
			i = q + 2;
			continue;
		}
		if ((e = skip_end(s, q)) != 0) {
			i = e;
			continue;
		}
		return q;
	}
	return NONE;
}

/* The first event at or after from, kept in s->ev until the next call. */
static const struct event *
find_event(struct dscan *s, size_t from)
{
	struct event *ev = &s->ev;
	size_t i = from, q;

	if (s->have_ev && s->ev_from <= from &&
	    (ev->type == EV_NONE || from <= ev->start))
		return ev;
	ev->type = EV_NONE;
	while ((q = next_open(s, i)) != NONE) {
		if (event_at(s, q, from, ev))
			break;
		i = q + 1;
	}
	s->ev_from = from;
	s->have_ev = true;
	return ev;
}

/* The line of i; i moves forward but for a step back inside a token. */
static unsigned
line_at(struct dscan *s, size_t i)
{
	const char *p, *end;

	if (i >= s->lpos) {
		p = s->t + s->lpos;
		end = s->t + i;
		while ((p = memchr(p, '\n', (size_t)(end - p)))) {
			s->lline++;
			p++;
		}
	} else {
		p = s->t + i;
		end = s->t + s->lpos;
		while ((p = memchr(p, '\n', (size_t)(end - p)))) {
			s->lline--;
			p++;
		}
	}
	s->lpos = i;
	return s->first_line + s->lline;
}

/* The first q >= from where ccc starts, ends by end and is followed by
 * whitespace or end. */
static size_t
inner_triple(struct dscan *s, struct imemo *m, size_t from, size_t end,
	     char c)
{
	size_t q = from;

	if (m->dir == s->ndir && m->from <= from && from <= m->at)
		return m->at < end ? m->at : NONE;
	while (end >= 3 &&
	       (q = find_triple(s, q, end - 2, c)) != NONE &&
	       q + 3 < end && !is_ws(at(s, q + 3)))
		q++;
	m->dir = s->ndir;
	m->from = from;
	m->at = q == NONE || end < 3 ? end : q;
	return m->at < end ? m->at : NONE;
}

/* The first heredoc terminator at or after from that fits before end
 * and is followed by whitespace or end. */
static size_t
inner_hd(struct dscan *s, size_t v, size_t idlen, size_t from, size_t end)
{
	struct hdmemo *m;
	const char *id = s->t + v + 2;
	size_t q = from, lim = end - idlen;

	if (s->hdwork > s->hdlimit)
		return NONE;
	m = hd_memo(s, v, idlen);
	if (m->in.dir == s->ndir && m->in.from <= from && from <= m->in.at)
		return m->in.at < lim ? m->in.at : NONE;
	while ((q = find_hd(s, q, lim, id, idlen)) != NONE &&
	       q + 1 + idlen < end && !is_ws(at(s, q + 1 + idlen)))
		q++;
	m->in.dir = s->ndir;
	m->in.from = from;
	m->in.at = q == NONE ? lim : q;
	return q;
}

static bool
delimited(const struct dscan *s, size_t i, size_t end)
{
	return i == end || (i < end && is_ws(at(s, i)));
}

/* One parameter value at v: where its text is and where it ends. */
struct pval {
	size_t start, len, next;
	bool triple;		/* """: CRLF and newlines to fix */
};

static void
parse_value(struct dscan *s, size_t v, size_t end, struct pval *pv)
{
	size_t q, idlen;

	pv->triple = false;
	if (triple_at(s, v, end, '"') &&
	    (q = inner_triple(s, &s->i_tq, v + 3, end, '"')) != NONE) {
		pv->triple = true;
		goto quoted3;
	}
	if (s->t[v] == '"' && (q = memo_chr(s, &s->m_dq, v + 1, '"')) < end &&
	    delimited(s, q + 1, end))
		goto quoted1;
	if (triple_at(s, v, end, '\'') &&
	    (q = inner_triple(s, &s->i_sq, v + 3, end, '\'')) != NONE)
		goto quoted3;
	if (s->t[v] == '\'' && (q = memo_chr(s, &s->m_sq, v + 1, '\'')) < end &&
	    delimited(s, q + 1, end))
		goto quoted1;
	if (heredoc_at(s, v, end, &idlen) &&
	    (q = inner_hd(s, v, idlen, v + idlen + 3, end)) != NONE) {
		pv->start = v + idlen + 3;
		pv->len = q - pv->start;
		pv->next = q + 1 + idlen;
		return;
	}
	for (q = v; q < end && !is_ws(at(s, q)); q++)
		;
	pv->start = v;
	pv->len = q - v;
	pv->next = q;
	return;
quoted3:
	pv->start = v + 3;
	pv->len = q - v - 3;
	pv->next = q + 3;
	return;
quoted1:
	pv->start = v + 1;
	pv->len = q - v - 1;
	pv->next = q + 1;
}

/* Appends a """ value: CRLF becomes LF, leading and trailing newlines
 * go. Returns how many source bytes the leading newlines took. */
static size_t
put_triple(struct buf *b, const char *v, size_t n)
{
	size_t i = 0, lead = 0, start;

	while (lead < n && (v[lead] == '\n' ||
			    (v[lead] == '\r' && lead + 1 < n && v[lead + 1] == '\n')))
		lead += v[lead] == '\r' ? 2 : 1;
	buf_grow(b, n - lead);
	start = b->len;
	for (i = lead; i < n; i++) {
		if (v[i] == '\r' && i + 1 < n && v[i + 1] == '\n')
			i++;
		b->data[b->len++] = v[i];
	}
	while (b->len > start && b->data[b->len - 1] == '\n')
		b->len--;
	b->data[b->len] = '\0';
	return lead;
}

static void
add_param(struct dscan *s, size_t n, size_t key, size_t keylen,
	  const struct pval *pv)
{
	struct dparam *p;
	size_t off = s->arena.len, src = pv->start;

	if (n == s->capparams)
		s->params = xgrow(s->params, &s->capparams, n + 1,
				  sizeof(*s->params));
	p = &s->params[n];
	p->key = keylen ? s->t + key : NULL;
	p->keylen = keylen;
	if (pv->triple) {
		src += put_triple(&s->arena, s->t + pv->start, pv->len);
	} else {
		buf_put(&s->arena, s->t + pv->start, pv->len);
	}
	p->vallen = s->arena.len - off;
	buf_putc(&s->arena, '\0');
	p->line = line_at(s, src);
}

/* Splits text[from, end) into parameters as ikiwiki's second regex does:
 * each match starts at the first non-space, and when a quoted value is
 * not followed by whitespace or the end, the value is read as \S+. */
static size_t
parse_params(struct dscan *s, size_t from, size_t end)
{
	struct pval pv;
	size_t p = from, k, n = 0, key, keylen, off = s->arena.len;

	s->ndir++;
	for (;;) {
		while (p < end && is_ws(at(s, p)))
			p++;
		if (p >= end)
			break;
		key = p;
		keylen = 0;
		for (k = p; k < end && is_key(at(s, k)); k++)
			;
		if (k > p && k + 1 < end && s->t[k] == '=' &&
		    !is_ws(at(s, k + 1))) {
			keylen = k - p;
			p = k + 1;
		}
		parse_value(s, p, end, &pv);
		add_param(s, n++, key, keylen, &pv);
		p = pv.next;
	}
	/* The values lie in the arena one after another, each ended by a
	 * NUL; placed only now, as the arena may move while it grows. */
	for (k = 0; k < n; k++) {
		s->params[k].val = s->arena.data + off;
		off += s->params[k].vallen + 1;
	}
	return n;
}

static void
set_problem(struct dscan *s, struct dtok *tok, size_t q)
{
	size_t n = q + 3;

	while (n < s->len && n < q + 67 && is_name(at(s, n)))
		n++;
	switch (dir_why(s, q)) {
	case WHY_NONAME:
		buf_puts(&s->arena, "\"[[!\" without a directive name");
		break;
	case WHY_NOSPACE:
		buf_printf(&s->arena, "malformed directive [[!%.*s: "
			   "a space must follow the name",
			   (int)(n - q - 3), s->t + q + 3);
		break;
	case WHY_COMPLEX:
		buf_printf(&s->arena, "directive [[!%.*s is too complex: "
			   "no directives are read after it",
			   (int)(n - q - 3), s->t + q + 3);
		break;
	case WHY_UNTERM:
		buf_printf(&s->arena, "unterminated directive [[!%.*s",
			   (int)(n - q - 3), s->t + q + 3);
		break;
	}
	tok->problem = s->arena.data;
}

static void
fill_token(struct dscan *s, struct dtok *tok, const struct event *ev)
{
	const char *t = s->t;

	tok->start = ev->start;
	tok->end = ev->end;
	tok->line = line_at(s, ev->start);
	if (ev->type == EV_ESC) {
		tok->type = DTOK_ESCAPE;
		tok->lit = t + ev->q;
		tok->litlen = ev->end - ev->q;
	} else if (ev->type == EV_DIR) {
		tok->type = DTOK_DIRECTIVE;
		tok->name = t + ev->q + 3;
		tok->namelen = ev->d.name_end - ev->q - 3;
		tok->nparams = parse_params(s, ev->d.name_end, ev->end - 2);
		tok->params = s->params;
	} else {
		tok->type = DTOK_LINK;
		tok->text = ev->l.textlen ? t + ev->l.text : NULL;
		tok->textlen = ev->l.textlen;
		tok->target = t + ev->l.target;
		tok->targetlen = ev->l.targetlen;
		tok->anchor = ev->l.anchorlen ? t + ev->l.anchor : NULL;
		tok->anchorlen = ev->l.anchorlen;
	}
}

struct dscan *
dscan_new(const char *text, size_t len, unsigned first_line,
	  const struct spans *skip, bool directives, bool links)
{
	struct dscan *s = xcalloc(1, sizeof(*s));

	s->t = text;
	s->len = len;
	s->first_line = first_line;
	s->skip = skip;
	s->directives = directives;
	s->links = links;
	memo_init(&s->m_rbr);
	memo_init(&s->m_bar);
	memo_init(&s->m_tgt1);
	memo_init(&s->m_tgt2);
	memo_init(&s->m_ws1);
	memo_init(&s->m_ws2);
	memo_init(&s->m_dq);
	memo_init(&s->m_sq);
	s->i_tq.dir = s->i_sq.dir = NONE;
	s->dfrom = s->dto = 0;
	s->tq_done = s->sq_done = NONE;
	s->giveup_at = NONE;
	s->worklimit = 32 * len + ((size_t)1 << 20);
	s->hdlimit = 8 * len + ((size_t)1 << 20);
	strmap_init(&s->hd);
	buf_init(&s->arena);
	return s;
}

bool
dscan_next(struct dscan *s, struct dtok *tok)
{
	const struct event *ev;
	size_t start = s->pos;

	memset(tok, 0, sizeof(*tok));
	buf_reset(&s->arena);
	if (start >= s->len)
		return false;
	ev = find_event(s, start);
	if (ev->type != EV_NONE && ev->type != EV_PROBLEM && ev->start == start) {
		fill_token(s, tok, ev);
		s->pos = ev->end;
		return true;
	}
	tok->type = DTOK_TEXT;
	tok->start = start;
	tok->line = line_at(s, start);
	if (ev->type == EV_PROBLEM && ev->start == start) {
		set_problem(s, tok, start);
		ev = find_event(s, start + 1);
	}
	tok->end = ev->type == EV_NONE ? s->len : ev->start;
	s->pos = tok->end;
	return true;
}

void
dscan_free(struct dscan *s)
{
	if (!s)
		return;
	free(s->loopv);
	free(s->stack);
	free(s->params);
	strmap_release(&s->hd, free);
	buf_release(&s->arena);
	free(s);
}

const struct dparam *
dtok_param(const struct dtok *tok, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < tok->nparams; i++)
		if (tok->params[i].key && tok->params[i].keylen == n &&
		    memcmp(tok->params[i].key, key, n) == 0)
			return &tok->params[i];
	return NULL;
}
