/* test-config.c — YAML into cJSON, and the configuration read through it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "tap.h"
#include "xalloc.h"
#include "yamldoc.h"

#define FIXTURES "tests/unit/fixtures/config/"
#define CORPORA "/work/shared/corpora"

/* A diag whose messages land in memory. */
struct capture {
	FILE *f;
	char *text;
	size_t len;
	struct diag d;
};

static void
capture_start(struct capture *c)
{
	c->text = NULL;
	c->f = open_memstream(&c->text, &c->len);
	diag_init(&c->d, c->f, 0);
}

static const char *
capture_text(struct capture *c)
{
	fflush(c->f);
	return c->text ? c->text : "";
}

static void
capture_end(struct capture *c)
{
	diag_release(&c->d);
	fclose(c->f);
	free(c->text);
}

/* The first document of text as compact JSON ("empty" when there is
 * none), or "error: " and the messages when it fails. */
static char *
yaml_json(const char *text, unsigned first_line)
{
	struct capture cap;
	struct yaml_doc doc;
	char *out, *json;

	capture_start(&cap);
	if (yaml_read(&doc, text, strlen(text), "f.yaml", first_line,
		      &cap.d) < 0) {
		out = xasprintf("error: %s", capture_text(&cap));
	} else if (!doc.root) {
		out = xstrdup("empty");
	} else {
		json = cJSON_PrintUnformatted(doc.root);
		out = xstrdup(json);
		free(json);
	}
	yaml_doc_release(&doc);
	capture_end(&cap);
	return out;
}

static void
yaml_is(const char *text, const char *want, const char *name)
{
	char *got = yaml_json(text, 1);

	tap_is(got, want, "yaml: %s", name);
	free(got);
}

static void
test_yaml_scalars(void)
{
	yaml_is("a: 1\nb: yes\nc: 'it''s'\nd: \"tab\\there\"\ne: on\n",
		"{\"a\":\"1\",\"b\":\"yes\",\"c\":\"it's\",\"d\":\"tab\\there\",\"e\":\"on\"}",
		"every scalar is a string");
	yaml_is("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nULL\n",
		"{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,\"f\":\"nULL\"}",
		"the plain null forms");
	yaml_is("a: 'null'\nb: \"~\"\nc: ''\n",
		"{\"a\":\"null\",\"b\":\"~\",\"c\":\"\"}",
		"quoted nulls stay strings");
	yaml_is("lit: |\n  one\n  two\nfold: >\n  one\n  two\n\n  three\nstrip: |-\n  x\n",
		"{\"lit\":\"one\\ntwo\\n\",\"fold\":\"one two\\nthree\\n\",\"strip\":\"x\"}",
		"literal and folded block scalars");
	yaml_is("a: plain text, with:colon#hash # comment\n",
		"{\"a\":\"plain text, with:colon#hash\"}",
		"a plain scalar and a comment");
}

static void
test_yaml_collections(void)
{
	yaml_is("- a\n- [b, c]\n- {d: e}\n-\n",
		"[\"a\",[\"b\",\"c\"],{\"d\":\"e\"},null]",
		"block and flow sequences");
	yaml_is("a:\n  b:\n    c: d\n  e: [1, 2]\n",
		"{\"a\":{\"b\":{\"c\":\"d\"},\"e\":[\"1\",\"2\"]}}",
		"nested mappings");
	yaml_is("base: &b {x: 1, y: [2]}\ncopy: *b\nname: &n value\nn2: *n\n",
		"{\"base\":{\"x\":\"1\",\"y\":[\"2\"]},\"copy\":{\"x\":\"1\",\"y\":[\"2\"]},\"name\":\"value\",\"n2\":\"value\"}",
		"aliases copy the anchored value");
	yaml_is("k: &k key\n*k : v\n", "{\"k\":\"key\",\"key\":\"v\"}",
		"an alias of a string as a key");
	yaml_is("&k key: v\nother: *k\n", "{\"key\":\"v\",\"other\":\"key\"}",
		"an anchor on a key");
	yaml_is("a: 1\nb: 2\na: 3\n", "{\"a\":\"3\",\"b\":\"2\"}",
		"a repeated key keeps the last value, in the first place");
	yaml_is("a: &x [1]\na: 2\nb: *x\n", "{\"a\":\"2\",\"b\":[\"1\"]}",
		"an alias to a value a repeated key replaced");
	yaml_is("a: 1\n---\nb: [: bad\n", "{\"a\":\"1\"}",
		"only the first document is read");
	yaml_is("--- # start\na: 1\n...\n\x80\x81 junk\n", "{\"a\":\"1\"}",
		"junk after the end marker is not read");
	yaml_is("%YAML 1.1\n---\na: 1\n", "{\"a\":\"1\"}", "a directive");
	yaml_is("\xef\xbb\xbf" "a: b\n", "{\"a\":\"b\"}", "a byte-order mark");
	yaml_is("a: 1\r\nb:\r\n  - c\r\n", "{\"a\":\"1\",\"b\":[\"c\"]}",
		"CRLF line ends");
}

static void
test_yaml_empty(void)
{
	yaml_is("", "empty", "empty input");
	yaml_is("# just a comment\n\n", "empty", "only comments");
	yaml_is("---\n", "empty", "an empty document");
	yaml_is("~\n", "empty", "a null document");
	yaml_is("just text\n", "\"just text\"", "a scalar document");
}

static void
test_yaml_errors(void)
{
	yaml_is("a: 1\n  b: 2\n",
		"error: f.yaml:2: mapping values are not allowed in this context\n",
		"bad indentation, with its line");
	yaml_is("a: [1, 2\nb: 3\n",
		"error: f.yaml:2: did not find expected ',' or ']' (while parsing a flow sequence on line 1)\n",
		"an unclosed flow sequence");
	yaml_is("a:\n\tb: 1\n",
		"error: f.yaml:2: found character that cannot start any token (while scanning for the next token)\n",
		"a tab as indentation");
	yaml_is("a: ok\nb: \x80\n",
		"error: f.yaml:2: invalid leading UTF-8 octet\n",
		"invalid UTF-8");
	yaml_is("a: *nowhere\n",
		"error: f.yaml:1: alias *nowhere refers to no anchor before it\n",
		"an alias without its anchor");
	yaml_is("a: &s [*s]\n",
		"error: f.yaml:1: alias *s refers to no anchor before it\n",
		"an alias inside its own anchor");
	yaml_is("a: 1\n? [x]\n: 2\n",
		"error: f.yaml:2: a mapping key must be a string\n",
		"a sequence as a key");
	yaml_is("a: 1\n]\n",
		"error: f.yaml:2: did not find expected key (while parsing a block mapping on line 1)\n",
		"trailing junk in the first document");
}

static void
test_yaml_first_line(void)
{
	struct capture cap;
	struct yaml_doc doc;
	int rc;

	capture_start(&cap);
	rc = yaml_read(&doc, "a: 1\nb: 2\nb: 3\n", 15, "p.mdwn", 2, &cap.d);
	tap_ok(rc == 0 && doc.nkeys == 2, "keys recorded once each");
	tap_ok(doc.nkeys == 2 && !strcmp(doc.keys[0].key, "a") &&
	       doc.keys[0].line == 2 && !strcmp(doc.keys[1].key, "b") &&
	       doc.keys[1].line == 4, "key lines count from first_line; a "
	       "repeated key has the line of its value");
	tap_is_int(doc.line, 2, "the root's line");
	yaml_doc_release(&doc);
	rc = yaml_read(&doc, "a: 1\nb: [\n", 10, "p.mdwn", 5, &cap.d);
	tap_ok(rc == -1 && doc.root == NULL && doc.nkeys == 0,
	       "a failed read leaves the document empty");
	tap_is(capture_text(&cap),
	       "p.mdwn:7: did not find expected node content (while parsing a flow node)\n",
	       "error lines count from first_line");
	yaml_doc_release(&doc);
	capture_end(&cap);
}

static char *
nested(int depth)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < depth; i++)
		buf_putc(&b, '[');
	buf_putc(&b, 'x');
	for (i = 0; i < depth; i++)
		buf_putc(&b, ']');
	return buf_detach(&b, NULL);
}

static void
test_yaml_limits(void)
{
	char *s = nested(64), *got;
	struct buf b = BUF_INIT;
	clock_t start;
	int i, j;

	got = yaml_json(s, 1);
	tap_ok(got[0] == '[', "64 levels of nesting are read");
	free(got);
	free(s);
	s = nested(65);
	got = yaml_json(s, 1);
	tap_is(got, "error: f.yaml:1: nesting deeper than 64 levels\n",
	       "65 levels are an error");
	free(got);
	free(s);
	s = nested(200000);
	got = yaml_json(s, 1);
	tap_ok(strstr(got, "nesting deeper") != NULL, "200000 levels stop early");
	free(got);
	free(s);
	yaml_is("a: &a [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
		"b: [[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]\n",
		"error: f.yaml:2: alias *a nests deeper than 64 levels\n",
		"an alias counts its depth where it lands");

	buf_puts(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 10; i++) {
		buf_printf(&b, "a%d: &a%d [", i, i);
		for (j = 0; j < 10; j++)
			buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
		buf_puts(&b, "]\n");
	}
	start = clock();
	got = yaml_json(b.data, 1);
	tap_is(got, "error: f.yaml:5: aliases expand beyond 1 MB or 100000 values\n",
	       "a billion laughs stop at the budget");
	tap_ok(clock() - start < CLOCKS_PER_SEC, "and quickly");
	free(got);
	buf_release(&b);
}

/* The 1-based line of the first line of file starting with prefix, found
 * without yaml.c: what config_line and the messages must agree with. */
static unsigned
line_in_file(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	return 0;
}

static void
list_is(const struct config *c, const char *key, const char *want,
	const char *name)
{
	struct buf b = BUF_INIT;
	const char **items;
	size_t i, n = config_list(c, key, &items);

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", items[i]);
	tap_is(b.data, want, "%s", name);
	free(items);
	buf_release(&b);
}

static void
path_is(const struct config *c, const char *key, const char *want,
	const char *name)
{
	char *p = config_path(c, key);

	tap_is(p, want, "%s", name);
	free(p);
}

static void
test_feeding_cloud(void)
{
	const char *path = CORPORA "/feeding.cloud.setup";
	struct capture cap;
	struct config c;
	char *want;

	if (access(path, R_OK) != 0) {
		tap_ok(1, "# SKIP %s is not there", path);
		return;
	}
	capture_start(&cap);
	config_init(&c);
	tap_is_int(config_load(&c, path, &cap.d), 0, "feeding.cloud.setup loads");
	tap_is(c.file, path, "its file, absolute");
	tap_is(c.dir, CORPORA, "its directory");
	tap_is(config_str(&c, "wikiname"), "Feeding the Cloud", "wikiname");
	tap_ok(config_bool(&c, "usedirs"), "usedirs: 1");
	tap_ok(config_bool(&c, "html5"), "html5: 1");
	tap_ok(!config_bool(&c, "discussion"), "discussion: 0");
	tap_ok(!config_bool(&c, "indexpages"), "indexpages: 0");
	tap_is(config_str(&c, "timeformat"), "%c", "timeformat");
	tap_is(config_str(&c, "rcs"), "", "rcs: ''");
	tap_is_int(config_int(&c, "numbacklinks"), 10, "numbacklinks");
	list_is(&c, "add_plugins", "goodstuff,404,comments,sidebar,favicon,"
		"format,highlight,listdirectives,progress,testpagespec,version,"
		"theme,calendar,headinganchors,autoindex,date,prettydate,"
		"recentchanges,relativedate", "add_plugins, in order");
	list_is(&c, "disable_plugins", "fortune,txt", "disable_plugins");
	path_is(&c, "srcdir", CORPORA "/feeding.cloud", "srcdir, absolute");
	path_is(&c, "destdir", CORPORA "/feeding.cloud.out", "destdir, absolute");
	tap_is_int(config_line(&c, "tagbase"),
		   line_in_file(path, "tagbase:"), "config_line");
	tap_is(cJSON_GetStringValue(config_value(&c, "comments_pagespec")),
	       "posts/* and !*/Discussion", "a plugin's key, as read");
	config_check(&c, &cap.d);
	want = xasprintf("%s:%u: note: hardlink: ignored: weft copies files\n",
			 path, line_in_file(path, "hardlink:"));
	tap_ok(strstr(capture_text(&cap), want) != NULL, "hardlink is ignored");
	free(want);
	want = xasprintf("%s:%u: warning: unknown setup key \"tagbase\"\n",
			 path, line_in_file(path, "tagbase:"));
	tap_ok(strstr(capture_text(&cap), want) != NULL,
	       "an undeclared plugin key is unknown");
	free(want);
	tap_ok(strstr(capture_text(&cap), "wikiname") == NULL &&
	       strstr(capture_text(&cap), "usedirs") == NULL,
	       "nothing said about core keys");
	config_release(&c);
	capture_end(&cap);
}

static void
test_ikiwiki_doc(void)
{
	const char *path = CORPORA "/ikiwiki-doc.setup";
	struct capture cap;
	struct config c;

	if (access(path, R_OK) != 0) {
		tap_ok(1, "# SKIP %s is not there", path);
		return;
	}
	capture_start(&cap);
	config_init(&c);
	tap_is_int(config_load(&c, path, &cap.d), 0, "ikiwiki-doc.setup loads");
	path_is(&c, "srcdir", CORPORA "/ikiwiki-doc", "srcdir");
	tap_ok(config_bool(&c, "discussion"), "discussion: 1");
	tap_is(config_str(&c, "userdir"), "users", "userdir");
	tap_is(config_str(&c, "timeformat"), "%c", "timeformat defaults");
	list_is(&c, "disable_plugins", "recentchanges,openid", "disable_plugins");
	path_is(&c, "wikistatedir", CORPORA "/.weft", "wikistatedir defaults");
	tap_is(capture_text(&cap), "", "no messages on loading");
	config_release(&c);
	capture_end(&cap);
}

/* What ikiwiki --dumpsetup writes: every key is known, and of its type. */
static void
test_dumpsetup(void)
{
	const char *path = FIXTURES "dumpsetup.setup";
	struct capture cap;
	struct config c;
	const char *msgs, *p;
	unsigned notes = 0, warnings = 0;

	capture_start(&cap);
	config_init(&c);
	tap_is_int(config_load(&c, path, &cap.d), 0, "a dumped setup loads");
	config_check(&c, &cap.d);
	msgs = capture_text(&cap);
	for (p = msgs; (p = strstr(p, ": note: ")); p++)
		notes++;
	for (p = msgs; (p = strstr(p, ": warning: ")); p++)
		warnings++;
	tap_ok(strstr(msgs, "note: cgiurl: ignored: weft has no CGI\n") &&
	       strstr(msgs, "note: ENV: ignored: ") &&
	       strstr(msgs, "note: cookiejar: ignored: "), "ikiwiki's keys, noted");
	tap_is_int(warnings, 2, "only the recentchanges plugin's keys warn");
	tap_ok(strstr(msgs, "unknown setup key \"recentchangesnum\"") != NULL,
	       "a plugin key nobody declared");
	tap_ok(notes >= 20, "one note per ignored key (%u)", notes);
	tap_is(config_str(&c, "timezone"), ":/etc/localtime", "timezone");
	tap_is(config_str(&c, "wiki_file_chars"), "-[:alnum:]+/.:_",
	       "wiki_file_chars");
	tap_is(config_str(&c, "url"), "", "an empty url");
	tap_ok(!config_bool(&c, "html5"), "html5: 0");
	config_release(&c);
	capture_end(&cap);
}

static const struct config_option plugin_opts[] = {
	{ "tagbase", OPT_STRING, "tags", "where tag pages go", 0 },
	{ "rss", OPT_BOOL, "0", "RSS feeds for inlines", 0 },
	{ "wikiname", OPT_STRING, "plugin's", "a plugin claiming a core name", 0 },
};

static const struct config_option plugin_again[] = {
	{ "tagbase", OPT_STRING, "other", "declared a second time", 0 },
};

static void
test_site(void)
{
	const char *path = FIXTURES "site.yaml";
	struct capture cap;
	struct config c;
	struct buf want = BUF_INIT;
	char *abs = realpath(path, NULL);
	char *dir = xstrndup(abs, strlen(abs) - strlen("/site.yaml"));
	char *up = xstrndup(abs, strlen(abs) - strlen("/config/site.yaml"));

	capture_start(&cap);
	config_init(&c);
	tap_is_int(config_load(&c, path, &cap.d), 0, "site.yaml loads");
	tap_is(c.file, abs, "a relative path made absolute");
	tap_is(c.dir, dir, "its directory");
	config_declare(&c, plugin_opts, 3);
	config_declare(&c, plugin_again, 1);
	config_check(&c, &cap.d);
	buf_printf(&want, "%s:4: warning: usedirs: \"maybe\" is not a boolean "
		   "(yes or no); using the default (yes)\n", abs);
	buf_printf(&want, "%s:5: warning: numbacklinks: \"ten\" is not a "
		   "number; using the default (10)\n", abs);
	buf_printf(&want, "%s:6: note: cgiurl: ignored: weft has no CGI\n", abs);
	buf_printf(&want, "%s:7: warning: unknown setup key \"colour_scheme\"\n",
		   abs);
	buf_printf(&want, "%s:12: warning: timeformat: expected a string, not "
		   "a mapping; using the default (%%c)\n", abs);
	tap_is(capture_text(&cap), want.data, "config_check's messages");
	tap_ok(config_bool(&c, "usedirs"), "a bad bool reads as its default");
	tap_is_int(config_int(&c, "numbacklinks"), 10,
		   "a bad int reads as its default");
	tap_is(config_str(&c, "timeformat"), "%c",
	       "a mapping for a string reads as the default");
	tap_is(config_str(&c, "wikiname"), "My Notes", "a string");
	tap_ok(config_bool(&c, "html5"), "Yes is true");
	list_is(&c, "add_plugins", "tag,calendar", "a list");
	list_is(&c, "disable_plugins", "smiley", "a scalar is a list of one");
	tap_is(config_str(&c, "tagbase"), "tags", "a declared option");
	tap_is(config_str(&c, "rss"), "0", "a declared option's default");
	tap_ok(!config_bool(&c, "rss"), "read as a bool");
	tap_is(((const struct config_option *)strmap_gets(&c.options, "tagbase"))->def,
	       "tags", "declared twice keeps the first");
	tap_is(((const struct config_option *)strmap_gets(&c.options, "wikiname"))->def,
	       "wiki", "a plugin cannot redeclare a core option");
	buf_reset(&want);
	buf_printf(&want, "%s/pages", up);
	path_is(&c, "srcdir", want.data, "a relative path against the file's dir");
	path_is(&c, "destdir", "/srv/www/notes/html", "an absolute path, cleaned");
	buf_reset(&want);
	buf_printf(&want, "%s/themes", dir);
	path_is(&c, "themedir", want.data, "a default path against the file's dir");
	path_is(&c, "templatedir", NULL, "a path without a default");
	tap_is_int(config_line(&c, "srcdir"), 13, "config_line");
	tap_is_int(config_line(&c, "themedir"), 0, "config_line when absent");

	config_set(&c, "destdir", "out");
	config_set(&c, "usedirs", "no");
	config_set(&c, "wikiname", "Set");
	config_set(&c, "wikiname", "Set twice");
	config_set(&c, "numbacklinks", "many");
	buf_reset(&want);
	buf_printf(&want, "%s/out", dir);
	path_is(&c, "destdir", want.data, "set wins over the file");
	tap_ok(!config_bool(&c, "usedirs"), "a bool set");
	tap_is(config_str(&c, "wikiname"), "Set twice", "the last set wins");
	tap_is_int(config_int(&c, "numbacklinks"), 10, "a bad set is the default");
	capture_end(&cap);
	capture_start(&cap);
	config_check(&c, &cap.d);
	tap_ok(strstr(capture_text(&cap), "weft: warning: numbacklinks: \"many\" "
		      "is not a number; using the default (10)\n") != NULL,
	       "a bad set value is a warning too");
	config_release(&c);
	capture_end(&cap);
	buf_release(&want);
	free(abs);
	free(dir);
	free(up);
}

static void
test_load_errors(void)
{
	struct capture cap;
	struct config c;
	char *abs;

	capture_start(&cap);
	config_init(&c);
	tap_is_int(config_load(&c, FIXTURES "missing.yaml", &cap.d), -1,
		   "a missing file fails");
	tap_is(capture_text(&cap), FIXTURES "missing.yaml: cannot read: "
	       "No such file or directory\n", "and says so");
	config_release(&c);
	capture_end(&cap);

	capture_start(&cap);
	config_init(&c);
	tap_is_int(config_load(&c, FIXTURES, &cap.d), -1, "a directory fails");
	tap_is(capture_text(&cap), FIXTURES ": cannot read: Is a directory\n",
	       "and says so");
	config_release(&c);
	capture_end(&cap);

	capture_start(&cap);
	config_init(&c);
	abs = realpath(FIXTURES "bad.yaml", NULL);
	tap_is_int(config_load(&c, FIXTURES "bad.yaml", &cap.d), -1,
		   "malformed YAML fails");
	tap_ok(strncmp(capture_text(&cap), abs, strlen(abs)) == 0 &&
	       strncmp(capture_text(&cap) + strlen(abs), ":4: ", 4) == 0,
	       "with its file and line");
	tap_ok(c.doc.root == NULL, "and nothing read");
	tap_is(config_str(&c, "wikiname"), "wiki", "reads give defaults");
	free(abs);
	config_release(&c);
	capture_end(&cap);

	capture_start(&cap);
	config_init(&c);
	abs = realpath(FIXTURES "list.yaml", NULL);
	tap_is_int(config_load(&c, FIXTURES "list.yaml", &cap.d), -1,
		   "a list at the top fails");
	tap_ok(strstr(capture_text(&cap), ":1: a setup file holds a mapping "
		      "of keys to values\n") != NULL, "and says so");
	free(abs);
	config_release(&c);
	capture_end(&cap);

	capture_start(&cap);
	config_init(&c);
	tap_is_int(config_load(&c, FIXTURES "empty.yaml", &cap.d), 0,
		   "a setup file of comments loads");
	config_check(&c, &cap.d);
	tap_is(capture_text(&cap), "", "and checks quietly");
	tap_is(config_str(&c, "htmlext"), "html", "with defaults");
	config_release(&c);
	capture_end(&cap);
}

static void
test_defaults(void)
{
	struct config c;
	const char **items;

	config_init(&c);
	config_load_none(&c, "/srv/site/");
	tap_ok(c.file == NULL, "no file");
	tap_is(c.dir, "/srv/site", "the directory, cleaned");
	path_is(&c, "srcdir", "/srv/site", "srcdir defaults to the directory");
	path_is(&c, "destdir", "/srv/site/public", "destdir");
	path_is(&c, "wikistatedir", "/srv/site/.weft", "wikistatedir");
	path_is(&c, "plugindir", "/srv/site/plugins", "plugindir");
	tap_is(config_str(&c, "wikiname"), "wiki", "wikiname");
	tap_is(config_str(&c, "url"), NULL, "url has no default");
	tap_is(config_str(&c, "theme"), "default", "theme");
	tap_is(config_str(&c, "discussionpage"), "Discussion", "discussionpage");
	tap_ok(config_bool(&c, "usedirs"), "usedirs");
	tap_ok(!config_bool(&c, "html5"), "html5 is off, as in ikiwiki");
	tap_ok(config_bool(&c, "discussion"), "discussion");
	tap_ok(!config_bool(&c, "verbose"), "no default is false");
	tap_is_int(config_int(&c, "numbacklinks"), 10, "numbacklinks");
	tap_is_int(config_int(&c, "nosuchkey"), 0, "an unknown int is 0");
	tap_is_int((long)config_list(&c, "add_plugins", &items), 0,
		   "add_plugins is empty");
	free(items);
	tap_ok(config_value(&c, "wikiname") == NULL, "no value read");
	config_set(&c, "add_plugins", "tag");
	list_is(&c, "add_plugins", "tag", "a list set on the command line");
	config_set(&c, "add_plugins", "");
	list_is(&c, "add_plugins", "", "an empty string is an empty list");
	config_set(&c, "url", NULL);
	tap_ok(cJSON_IsNull(config_value(&c, "url")), "set to null");
	config_release(&c);
}

static void
bool_is(struct config *c, const char *val, bool want)
{
	config_set(c, "usedirs", val);
	tap_ok(config_bool(c, "usedirs") == want, "bool \"%s\" is %s",
	       val ? val : "(null)", want ? "true" : "false");
}

static void
test_bools(void)
{
	struct config c;

	config_init(&c);
	config_load_none(&c, "/");
	bool_is(&c, "0", false);
	bool_is(&c, "yes", true);
	bool_is(&c, "OFF", false);
	bool_is(&c, "True", true);
	bool_is(&c, "no", false);
	bool_is(&c, "On", true);
	bool_is(&c, "", false);
	bool_is(&c, NULL, false);
	bool_is(&c, "2", true);
	config_set(&c, "indexpages", "perhaps");
	tap_ok(!config_bool(&c, "indexpages"), "an unknown spelling is the default");
	config_release(&c);
}

static void
test_yaml_shapes(void)
{
	static const char text[] = "a: [x, {y: z}]\nb: ~\nc: [one]\nd:\n";
	struct capture cap;
	struct config c;
	const char **items;

	capture_start(&cap);
	config_init(&c);
	config_load_text(&c, text, strlen(text), "mem.yaml", "/x", &cap.d);
	tap_is(c.file, "mem.yaml", "config_load_text keeps the name");
	tap_is(c.dir, "/x", "and the directory");
	tap_ok(config_list(&c, "a", &items) == 0, "a list holding a mapping is "
	       "not a list of strings");
	free(items);
	tap_ok(config_list(&c, "b", &items) == 0, "null is an empty list");
	free(items);
	list_is(&c, "c", "one", "an undeclared list");
	tap_is(config_str(&c, "d"), NULL, "null is unset");
	tap_ok(cJSON_IsObject(config_value(&c, "a")->child->next),
	       "config_value gives the value as read");
	config_release(&c);
	capture_end(&cap);
}

static void
test_help(void)
{
	struct config c;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	const char *core, *plugin, *tag;

	config_init(&c);
	config_declare(&c, plugin_opts, 3);
	config_help(f, &c);
	fclose(f);
	core = strstr(text, "Core options:");
	plugin = strstr(text, "Plugin options:");
	tag = strstr(text, "tagbase");
	tap_ok(core && plugin && core < plugin, "core options come first");
	tap_ok(strstr(text, "  wikiname ") != NULL &&
	       strstr(text, "name of the wiki\n") != NULL, "a core option");
	tap_ok(strstr(text, "numbacklinks") != NULL && strstr(text, " int ") != NULL,
	       "its type");
	tap_ok(tag && plugin && tag > plugin, "a declared option after them");
	tap_ok(strstr(text, "cgiurl") == NULL, "ignored options are not listed");
	config_release(&c);
	free(text);
}

static void
test_table(void)
{
	struct strmap seen = STRMAP_INIT;
	size_t i, ignored = 0;
	bool unique = true, helped = true;

	for (i = 0; i < core_options_count; i++) {
		const struct config_option *o = &core_options[i];

		if (strmap_put(&seen, o->name, strlen(o->name), (void *)o))
			unique = false;
		if (!o->help || !o->help[0] || strchr(o->help, '\n'))
			helped = false;
		if (o->flags & OPT_IGNORED)
			ignored++;
	}
	tap_ok(unique, "core option names are unique");
	tap_ok(helped, "each has one line of help");
	tap_ok(ignored >= 40, "ikiwiki's CGI and hosting keys are known (%zu)",
	       ignored);
	strmap_release(&seen, NULL);
}

int
main(void)
{
	test_yaml_scalars();
	test_yaml_collections();
	test_yaml_empty();
	test_yaml_errors();
	test_yaml_first_line();
	test_yaml_limits();
	test_feeding_cloud();
	test_ikiwiki_doc();
	test_dumpsetup();
	test_site();
	test_load_errors();
	test_defaults();
	test_bools();
	test_yaml_shapes();
	test_help();
	test_table();
	return tap_done();
}
