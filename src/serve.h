/* serve.h — the preview server: a site's output over HTTP, with a live
 * reload client injected into its pages and told about each build. */
#ifndef WEFT_SERVE_H
#define WEFT_SERVE_H

struct diag;
struct serve;

/* What a build means to the pages open in browsers. */
enum serve_event {
	SERVE_NONE,		/* nothing served changed */
	SERVE_CSS,		/* only stylesheets changed: swap them in place */
	SERVE_RELOAD,		/* pages changed: reload */
	SERVE_ERROR,		/* the build failed: show its messages */
};

/*
 * Binds addr:port (a numeric address or a host name; port "0": any free
 * one), so a port in use is known before anything is built. NULL after
 * reporting to d, which must outlive the server.
 */
struct serve *serve_new(const char *addr, const char *port, struct diag *d);

/*
 * Starts answering requests in threads of its own, with the files under
 * root (which must exist) and nothing else: a path that climbs out, holds
 * an encoded '/' or '\\' or a NUL, or passes through a symlink is refused
 * with 403. HTML gets the live reload client before its </body>. Under
 * /__weft/ are the client (livereload.js), its event stream (events) and a
 * status document for tests (status: the builds so far, whether one is
 * running, whether the last failed, the streams open and the bytes malloc
 * holds). 0, or -1 after
 * reporting.
 */
int serve_start(struct serve *s, const char *root);

/* "http://ADDR:PORT/", for people. */
const char *serve_url(const struct serve *s);

/* Says a build has started (for the status document). */
void serve_building(struct serve *s);

/*
 * Tells every open page about a build: text is the build's messages for
 * SERVE_ERROR (copied), NULL otherwise. Never waits for a client: slow
 * ones catch up with the latest state, skipping what they missed.
 */
void serve_built(struct serve *s, enum serve_event ev, const char *text);

/* Closes every connection, stops the threads and frees s. */
void serve_free(struct serve *s);

#endif
