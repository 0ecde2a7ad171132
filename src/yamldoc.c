/* yamldoc.c — YAML into cJSON through libyaml's event parser, bounded in depth
 * and in alias expansion. */
#include "yamldoc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "diag.h"
#include "strmap.h"
#include "xalloc.h"

enum {
	MAX_DEPTH = 64,			/* collections inside collections */
	ALIAS_MAX_BYTES = 1 << 20,	/* scalar bytes copied by aliases */
	ALIAS_MAX_NODES = 100000,	/* values copied by aliases */
};

/* What a value holds: charged to the budget each time an alias copies it. */
struct size {
	size_t nodes;
	size_t bytes;
	unsigned height;	/* 0 for a scalar, 1 + the children's for a collection */
};

struct anchor {
	cJSON *node;		/* in the tree or in the graveyard until the end */
	struct size size;
};

struct reader {
	yaml_parser_t parser;
	const char *file;
	const char *text;
	size_t len;
	unsigned first_line;
	struct diag *d;
	struct yaml_doc *doc;
	struct strmap anchors;	/* name -> struct anchor * */
	struct vec graveyard;	/* values a repeated key replaced: anchors may
				 * still point into them */
	size_t alias_nodes, alias_bytes;
};

/* A key and its value while a mapping is read: the object is built at its
 * end, so a repeated key replaces the value without touching cJSON's list. */
struct pair {
	char *key;
	cJSON *val;
	unsigned line;
};

struct pairs {
	struct pair *v;
	size_t n, cap;
	struct strmap index;	/* key -> position + 1 */
};

static int node(struct reader *r, yaml_event_t *ev, unsigned level,
		cJSON **out, struct size *sz);

static cJSON *
must(cJSON *v)
{
	if (!v) {
		fputs("weft: out of memory\n", stderr);
		abort();
	}
	return v;
}

static unsigned
line_of(const struct reader *r, yaml_mark_t mark)
{
	return r->first_line + (unsigned)mark.line;
}

/* The 1-based line (counted from first_line) of byte offset off. */
static unsigned
line_at(const struct reader *r, size_t off)
{
	unsigned line = r->first_line;
	size_t i;

	for (i = 0; i < off && i < r->len; i++)
		if (r->text[i] == '\n')
			line++;
	return line;
}

static int
parser_error(struct reader *r)
{
	yaml_parser_t *p = &r->parser;
	const char *problem = p->problem ? p->problem : "malformed YAML";
	unsigned line, cline;

	if (p->error == YAML_MEMORY_ERROR)
		must(NULL);
	if (p->error == YAML_READER_ERROR)
		return diag_error(r->d, r->file, line_at(r, p->problem_offset),
				  "%s", problem);
	line = line_of(r, p->problem_mark);
	cline = line_of(r, p->context_mark);
	if (!p->context)
		return diag_error(r->d, r->file, line, "%s", problem);
	if (cline == line)
		return diag_error(r->d, r->file, line, "%s (%s)", problem,
				  p->context);
	return diag_error(r->d, r->file, line, "%s (%s on line %u)", problem,
			  p->context, cline);
}

static int
next(struct reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev))
		return parser_error(r);
	return 0;
}

/* A plain ~, null, Null, NULL or nothing: what Perl's reader gives as undef. */
static bool
is_null(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) ||
			   !memcmp(s, "NULL", 4)));
}

static void
anchor_free(void *p)
{
	free(p);
}

/* Remembers node under name once it is complete, so an alias inside it
 * cannot refer to it (no cycles). A name defined again takes the new node. */
static void
anchor_set(struct reader *r, const yaml_char_t *name, cJSON *n,
	   const struct size *sz)
{
	struct anchor *a;

	if (!name)
		return;
	a = xmalloc(sizeof(*a));
	a->node = n;
	a->size = *sz;
	free(strmap_put(&r->anchors, (const char *)name,
			strlen((const char *)name), a));
}

static int
alias(struct reader *r, const yaml_event_t *ev, unsigned level, cJSON **out,
      struct size *sz)
{
	const char *name = (const char *)ev->data.alias.anchor;
	unsigned line = line_of(r, ev->start_mark);
	struct anchor *a = strmap_gets(&r->anchors, name);
	cJSON *copy;

	if (!a)
		return diag_error(r->d, r->file, line,
				  "alias *%s refers to no anchor before it", name);
	if (level + a->size.height > MAX_DEPTH)
		return diag_error(r->d, r->file, line,
				  "alias *%s nests deeper than %d levels",
				  name, MAX_DEPTH);
	if (a->size.nodes > ALIAS_MAX_NODES - r->alias_nodes ||
	    a->size.bytes > ALIAS_MAX_BYTES - r->alias_bytes)
		return diag_error(r->d, r->file, line,
				  "aliases expand beyond 1 MB or %d values",
				  ALIAS_MAX_NODES);
	r->alias_nodes += a->size.nodes;
	r->alias_bytes += a->size.bytes;
	copy = must(cJSON_Duplicate(a->node, 1));
	if (copy->string) {
		cJSON_free(copy->string);	/* the key it had in its mapping */
		copy->string = NULL;
	}
	*out = copy;
	*sz = a->size;
	return 0;
}

static void
scalar(const yaml_event_t *ev, cJSON **out, struct size *sz)
{
	*out = is_null(ev) ? must(cJSON_CreateNull()) :
	       must(cJSON_CreateString((const char *)ev->data.scalar.value));
	sz->nodes = 1;
	sz->bytes = ev->data.scalar.length;
	sz->height = 0;
}

static void
size_add(struct size *total, const struct size *child)
{
	total->nodes += child->nodes;
	total->bytes += child->bytes;
	if (child->height + 1 > total->height)
		total->height = child->height + 1;
}

/* Reads the value whose first event is next in the stream. */
static int
value(struct reader *r, unsigned level, cJSON **out, struct size *sz)
{
	yaml_event_t ev;
	int rc;

	if (next(r, &ev) < 0)
		return -1;
	rc = node(r, &ev, level, out, sz);
	yaml_event_delete(&ev);
	return rc;
}

static int
sequence(struct reader *r, unsigned level, cJSON **out, struct size *sz)
{
	cJSON *arr = must(cJSON_CreateArray());
	yaml_event_t ev;
	cJSON *item;
	struct size isz;

	*sz = (struct size){ 1, 0, 1 };
	for (;;) {
		if (next(r, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (node(r, &ev, level, &item, &isz) < 0) {
			yaml_event_delete(&ev);
			goto fail;
		}
		yaml_event_delete(&ev);
		cJSON_AddItemToArray(arr, item);
		size_add(sz, &isz);
	}
	yaml_event_delete(&ev);
	*out = arr;
	return 0;
fail:
	cJSON_Delete(arr);
	return -1;
}

static void
pairs_release(struct pairs *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].key);
		cJSON_Delete(ps->v[i].val);
	}
	free(ps->v);
	strmap_release(&ps->index, NULL);
}

/* Adds key (taken) and val; a key seen before keeps its place and takes
 * the new value and line, the old value going to the graveyard. */
static void
pairs_put(struct reader *r, struct pairs *ps, char *key, cJSON *val,
	  unsigned line)
{
	void **slot = strmap_slot(&ps->index, key, strlen(key));
	struct pair *p;

	if (*slot) {
		p = &ps->v[(uintptr_t)*slot - 1];
		vec_push(&r->graveyard, p->val);
		free(key);
		p->val = val;
		p->line = line;
		return;
	}
	ps->v = xgrow(ps->v, &ps->cap, ps->n + 1, sizeof(*ps->v));
	p = &ps->v[ps->n++];
	p->key = key;
	p->val = val;
	p->line = line;
	*slot = (void *)(uintptr_t)ps->n;
}

/* An anchor on a key: its node lives in the graveyard, not in the tree. */
static void
key_anchor(struct reader *r, const yaml_event_t *ev)
{
	struct size sz;
	cJSON *n;

	if (!ev->data.scalar.anchor)
		return;
	scalar(ev, &n, &sz);
	vec_push(&r->graveyard, n);
	anchor_set(r, ev->data.scalar.anchor, n, &sz);
}

/* The text of a mapping key: a scalar, or an alias of a string. */
static int
key_of(struct reader *r, const yaml_event_t *ev, char **key)
{
	unsigned line = line_of(r, ev->start_mark);
	struct anchor *a;

	if (ev->type == YAML_SCALAR_EVENT) {
		*key = xstrdup((const char *)ev->data.scalar.value);
		key_anchor(r, ev);
		return 0;
	}
	if (ev->type == YAML_ALIAS_EVENT) {
		a = strmap_gets(&r->anchors, (const char *)ev->data.alias.anchor);
		if (a && cJSON_IsString(a->node)) {
			*key = xstrdup(a->node->valuestring);
			return 0;
		}
	}
	return diag_error(r->d, r->file, line,
			  "a mapping key must be a string");
}

static void
record_keys(struct yaml_doc *doc, const struct pairs *ps)
{
	size_t i;

	doc->keys = xcalloc(ps->n ? ps->n : 1, sizeof(*doc->keys));
	doc->nkeys = ps->n;
	for (i = 0; i < ps->n; i++) {
		doc->keys[i].key = xstrdup(ps->v[i].key);
		doc->keys[i].line = ps->v[i].line;
	}
}

static int
mapping(struct reader *r, unsigned level, cJSON **out, struct size *sz)
{
	struct pairs ps = { NULL, 0, 0, STRMAP_INIT };
	yaml_event_t ev;
	cJSON *obj, *val;
	struct size vsz;
	unsigned line;
	char *key = NULL;
	size_t i;

	*sz = (struct size){ 1, 0, 1 };
	for (;;) {
		if (next(r, &ev) < 0)
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT)
			break;
		line = line_of(r, ev.start_mark);
		if (key_of(r, &ev, &key) < 0) {
			yaml_event_delete(&ev);
			goto fail;
		}
		yaml_event_delete(&ev);
		if (value(r, level, &val, &vsz) < 0) {
			free(key);
			goto fail;
		}
		sz->bytes += strlen(key);
		size_add(sz, &vsz);
		pairs_put(r, &ps, key, val, line);
	}
	yaml_event_delete(&ev);
	if (level == 1)
		record_keys(r->doc, &ps);
	obj = must(cJSON_CreateObject());
	for (i = 0; i < ps.n; i++) {
		cJSON_AddItemToObject(obj, ps.v[i].key, ps.v[i].val);
		ps.v[i].val = NULL;
	}
	pairs_release(&ps);
	*out = obj;
	return 0;
fail:
	pairs_release(&ps);
	return -1;
}

/* Builds the value that ev starts; level counts the collections around it.
 * The caller deletes ev. */
static int
node(struct reader *r, yaml_event_t *ev, unsigned level, cJSON **out,
     struct size *sz)
{
	const yaml_char_t *anchor;
	int rc;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return alias(r, ev, level, out, sz);
	case YAML_SCALAR_EVENT:
		scalar(ev, out, sz);
		anchor_set(r, ev->data.scalar.anchor, *out, sz);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		break;
	default:
		return diag_error(r->d, r->file, line_of(r, ev->start_mark),
				  "unexpected YAML event");
	}
	if (level >= MAX_DEPTH)
		return diag_error(r->d, r->file, line_of(r, ev->start_mark),
				  "nesting deeper than %d levels", MAX_DEPTH);
	if (ev->type == YAML_SEQUENCE_START_EVENT) {
		anchor = ev->data.sequence_start.anchor;
		rc = sequence(r, level + 1, out, sz);
	} else {
		anchor = ev->data.mapping_start.anchor;
		rc = mapping(r, level + 1, out, sz);
	}
	if (rc == 0)
		anchor_set(r, anchor, *out, sz);
	return rc;
}

static bool
is_marker(const char *line, size_t n, const char *mark)
{
	return n >= 3 && memcmp(line, mark, 3) == 0 &&
	       (n == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

static bool
is_blank_or_comment(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	return i == n || line[i] == '#';
}

/*
 * The length of the first document: up to the "---" or "..." line that
 * ends it (a marker at column 0 ends any scalar too), so that libyaml,
 * which reads ahead, never sees a later document nor reports on it.
 */
static size_t
first_doc_len(const char *t, size_t len)
{
	bool started = false;
	size_t i = 0, n;
	const char *nl;

	if (len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < len; i += n + 1) {
		nl = memchr(t + i, '\n', len - i);
		n = nl ? (size_t)(nl - (t + i)) : len - i;
		if (is_marker(t + i, n, "---")) {
			if (started)
				return i;
			started = true;
		} else if (is_marker(t + i, n, "...")) {
			if (started)
				return i;
		} else if (!is_blank_or_comment(t + i, n) &&
			   (started || t[i] != '%')) {
			started = true;
		}
	}
	return len;
}

/* Reads the stream's first document into r->doc. */
static int
document(struct reader *r)
{
	struct yaml_doc *doc = r->doc;
	yaml_event_t ev;
	struct size sz;
	int rc = -1;

	if (next(r, &ev) < 0)	/* the stream start */
		return -1;
	yaml_event_delete(&ev);
	if (next(r, &ev) < 0)
		return -1;
	if (ev.type != YAML_DOCUMENT_START_EVENT) {	/* no document at all */
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);
	if (next(r, &ev) < 0)
		return -1;
	doc->line = line_of(r, ev.start_mark);
	if (node(r, &ev, 0, &doc->root, &sz) < 0)
		goto out;
	yaml_event_delete(&ev);
	if (next(r, &ev) < 0)	/* the document end, or trailing junk */
		return -1;
	rc = 0;
out:
	yaml_event_delete(&ev);
	return rc;
}

int
yaml_read(struct yaml_doc *doc, const char *text, size_t len,
	  const char *file, unsigned first_line, struct diag *d)
{
	struct reader r;
	size_t i;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (len == 0)
		return 0;
	memset(&r, 0, sizeof(r));
	if (!yaml_parser_initialize(&r.parser))
		must(NULL);
	r.file = file;
	r.text = text;
	r.len = first_doc_len(text, len);
	r.first_line = first_line ? first_line : 1;
	r.d = d;
	r.doc = doc;
	strmap_init(&r.anchors);
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text,
				     r.len);
	rc = document(&r);
	yaml_parser_delete(&r.parser);
	strmap_release(&r.anchors, anchor_free);
	for (i = 0; i < r.graveyard.n; i++)
		cJSON_Delete(r.graveyard.v[i]);
	vec_release(&r.graveyard);
	if (rc < 0)
		yaml_doc_release(doc);
	else if (cJSON_IsNull(doc->root))
		yaml_doc_release(doc);	/* "---" and nothing, or "~": empty */
	return rc;
}

void
yaml_doc_release(struct yaml_doc *doc)
{
	size_t i;

	cJSON_Delete(doc->root);
	for (i = 0; i < doc->nkeys; i++)
		free(doc->keys[i].key);
	free(doc->keys);
	memset(doc, 0, sizeof(*doc));
}
