/* options.c — the core's options: the keys of weft.yaml and of an ikiwiki
 * setup file that weft itself reads, and the ikiwiki keys it ignores. */
#include "config.h"

/* Defaults follow ikiwiki's getsetup, except where weft's layout differs
 * (srcdir, destdir, wikistatedir, plugindir, themedir). Options of the
 * bundled plugins (tagbase, rss, comments_*...) are declared by them. */
#define R OPT_REBUILD
#define P OPT_PATH

/* Why weft ignores an ikiwiki key: the text of its one note. */
#define NO_CGI		"weft has no CGI"
#define NO_WEB		"weft has no CGI, so no web editing or accounts"
#define NO_WRAPPER	"weft generates no wrappers: run weft deploy from a hook"
#define NO_NET		"weft fetches nothing from the network"
#define NO_UPLOAD	"weft uploads nothing: copy the output with rsync"
#define CMARK		"weft renders Markdown with cmark-gfm"
#define NO_UNDERLAY	"weft has no basewiki underlay: a site holds all its pages"

#define IGNORED(name, why) { name, OPT_ANY, NULL, why, OPT_IGNORED }

const struct config_option core_options[] = {
	{ "wikiname", OPT_STRING, "wiki", "name of the wiki", R },
	{ "url", OPT_STRING, NULL, "base URL of the site", R },
	{ "srcdir", OPT_STRING, ".", "where the pages are", P | R },
	{ "destdir", OPT_STRING, "public", "where the site is written", P },
	{ "usedirs", OPT_BOOL, "1", "write page a/b as a/b/index.html", R },
	{ "indexpages", OPT_BOOL, "0", "take page a/b from a/b/index.mdwn", R },
	{ "add_plugins", OPT_LIST, NULL, "plugins to enable besides the default ones", R },
	{ "disable_plugins", OPT_LIST, NULL, "plugins to disable", R },
	{ "plugindir", OPT_STRING, "plugins", "the site's Lua plugins", P | R },
	{ "themedir", OPT_STRING, "themes", "the site's themes", P | R },
	{ "theme", OPT_STRING, "default", "the theme, a directory under themedir", R },
	{ "templatedir", OPT_STRING, NULL, "templates searched before the theme's", P | R },
	{ "wikistatedir", OPT_STRING, ".weft", "build state, never committed", P },
	{ "timezone", OPT_STRING, NULL, "time zone of dates shown (unset: the system's)", R },
	{ "timeformat", OPT_STRING, "%c", "strftime format of dates shown", R },
	{ "locale", OPT_STRING, NULL, "UTF-8 locale for dates and sorting", R },
	{ "html5", OPT_BOOL, "0", "use HTML5 elements such as <section>", R },
	{ "responsive_layout", OPT_BOOL, "1", "the theme adapts to small screens", R },
	{ "discussion", OPT_BOOL, "1", "link pages to their Discussion pages", R },
	{ "discussionpage", OPT_STRING, "Discussion", "name of Discussion pages", R },
	{ "numbacklinks", OPT_INT, "10", "backlinks shown before the rest are hidden (0: all)", R },
	{ "htmlext", OPT_STRING, "html", "extension of the HTML files written", R },
	{ "default_pageext", OPT_STRING, "mdwn", "extension of new pages", 0 },
	{ "exclude", OPT_STRING, NULL, "regexp of source files to skip", R },
	{ "include", OPT_STRING, NULL, "regexp of normally skipped files to take", R },
	{ "wiki_file_chars", OPT_STRING, "-[:alnum:]+/.:_", "characters allowed in source file names", R },
	{ "prefix_directives", OPT_BOOL, "1", "directives are written [[!name ...]]", R },
	{ "userdir", OPT_STRING, "", "the page that user pages are under", R },
	{ "rcs", OPT_STRING, "", "\"git\" or \"\": weft reads git itself, through libgit2", R },
	{ "gettime", OPT_BOOL, "0", "take page dates from the version control history", R },
	{ "historyurl", OPT_STRING, NULL, "URL of a page's history ([[file]] substituted)", R },
	{ "diffurl", OPT_STRING, NULL, "URL of a change ([[file]], [[sha1_commit]]... substituted)", R },
	{ "deterministic", OPT_BOOL, "0", "try harder to produce the same output each time", R },
	{ "verbose", OPT_BOOL, NULL, "say more while building", 0 },
	{ "lang", OPT_STRING, "en", "language of the pages, for <html lang>", R },
	{ "plugins_trusted", OPT_BOOL, "0", "give the site's plugins Lua's whole standard library", R },
	{ "plugin_memory_limit", OPT_INT, "256", "MiB a plugin call may allocate", 0 },
	{ "plugin_instruction_limit", OPT_INT, "100", "millions of Lua instructions a plugin call may run", 0 },

	/* ikiwiki's CGI, accounts and web editing. */
	IGNORED("cgiurl", NO_CGI),
	IGNORED("reverse_proxy", NO_CGI),
	IGNORED("cgi_wrapper", NO_CGI),
	IGNORED("cgi_wrappermode", NO_CGI),
	IGNORED("cgi_overload_delay", NO_CGI),
	IGNORED("cgi_overload_message", NO_CGI),
	IGNORED("cgi_disable_uploads", NO_CGI),
	IGNORED("cgiauthurl", NO_CGI),
	IGNORED("sslcookie", NO_CGI),
	IGNORED("sessioncookie", NO_CGI),
	IGNORED("sessioncookie_samesite", NO_CGI),
	IGNORED("adminuser", NO_WEB),
	IGNORED("adminemail", NO_WEB),
	IGNORED("banned_users", NO_WEB),
	IGNORED("account_creation_password", NO_WEB),
	IGNORED("password_cost", NO_WEB),
	IGNORED("openid_realm", NO_WEB),
	IGNORED("openid_cgiurl", NO_WEB),
	IGNORED("httpauth_pagespec", NO_WEB),
	IGNORED("emailauth_sender", NO_WEB),
	IGNORED("anonok_pagespec", NO_WEB),
	IGNORED("locked_pages", NO_WEB),
	IGNORED("moderate_pagespec", NO_WEB),
	IGNORED("allowed_attachments", NO_WEB),
	IGNORED("virus_checker", NO_WEB),
	IGNORED("websetup_force_plugins", NO_WEB),
	IGNORED("websetup_show_unsafe", NO_WEB),
	IGNORED("websetup_unsafe", NO_WEB),

	/* Hooks and what ikiwiki does from them. */
	IGNORED("wrappers", NO_WRAPPER),
	IGNORED("wrappergroup", NO_WRAPPER),
	IGNORED("git_wrapper", NO_WRAPPER),
	IGNORED("git_wrappermode", NO_WRAPPER),
	IGNORED("git_test_receive_wrapper", NO_WRAPPER),
	IGNORED("git_wrapper_background_command", NO_WRAPPER),
	IGNORED("untrusted_committers", NO_WRAPPER),
	IGNORED("gitorigin_branch", "weft neither pulls nor pushes"),
	IGNORED("gitmaster_branch", "weft builds the tree it is given"),
	IGNORED("only_committed_changes", "weft builds the tree it is given"),
	IGNORED("web_commit_regexp", NO_WEB),

	/* The host ikiwiki runs on. */
	IGNORED("ENV", "weft runs no programs that would read it"),
	IGNORED("libdir", "weft's plugins are Lua files under plugindir"),
	IGNORED("libdirs", "weft's plugins are Lua files under plugindir"),
	IGNORED("umask", "weft keeps the umask it is started with"),
	IGNORED("setuptype", "weft reads YAML setup files"),
	IGNORED("syslog", "weft reports on standard error"),
	IGNORED("hardlink", "weft copies files"),
	IGNORED("allow_symlinks_before_srcdir", "weft has symlink checks of its own"),
	IGNORED("cookiejar", NO_NET),
	IGNORED("useragent", NO_NET),
	IGNORED("pingurl", NO_NET),
	IGNORED("underlaydir", NO_UNDERLAY),
	IGNORED("underlaydirbase", NO_UNDERLAY),
	IGNORED("add_underlays", NO_UNDERLAY),
	IGNORED("rsync_command", NO_UPLOAD),
	IGNORED("amazon_s3_key_id", NO_UPLOAD),
	IGNORED("amazon_s3_key_file", NO_UPLOAD),
	IGNORED("amazon_s3_bucket", NO_UPLOAD),
	IGNORED("amazon_s3_prefix", NO_UPLOAD),
	IGNORED("amazon_s3_location", NO_UPLOAD),
	IGNORED("amazon_s3_dupindex", NO_UPLOAD),

	/* Markdown flavours of ikiwiki's mdwn plugin. */
	IGNORED("multimarkdown", CMARK),
	IGNORED("nodiscount", CMARK),
	IGNORED("mdwn_footnotes", CMARK),
	IGNORED("mdwn_alpha_lists", CMARK),
};

const size_t core_options_count = sizeof(core_options) / sizeof(core_options[0]);
