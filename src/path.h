/* path.h — file-path and URL-path arithmetic, with no file-system access
 * except path_mkdirs. Paths use '/', never a trailing slash. */
#ifndef WEFT_PATH_H
#define WEFT_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends a, a '/', and b to out (no '/' when a is empty; b alone when b
 * is absolute). */
void path_join(struct buf *out, const char *a, const char *b);

/* Normalises p in place: collapses "//", drops "." segments and a trailing
 * '/', resolves ".." against the previous segment. Returns -1 (p is then
 * unspecified) when a ".." would climb above the start of a relative path,
 * so the result of a 0 return always stays inside the directory it is
 * taken relative to. An absolute path keeps its leading '/'. */
int path_clean(char *p);
/* Whether p is a relative path path_clean leaves as it is: not empty, and
 * no leading or trailing '/', "//", "." or ".." segment. */
bool path_is_clean(const char *p);

/* p made absolute against the working directory, and cleaned (a new
 * string). When the working directory is gone, p stays relative: nothing
 * better is known. */
char *path_absolute(const char *p);

/* The length of the directory part of p[0..len): "a/b/c" gives 3 ("a/b"),
 * "c" gives 0. */
size_t path_dirlen(const char *p, size_t len);
/* A pointer to the last segment of p. */
const char *path_base(const char *p);
/* The extension of the last segment, after its last '.', or NULL when there
 * is none (a leading dot does not start one: ".profile" has none). */
const char *path_ext(const char *p);

/* Creates dir and its missing parents (mode 0777 & ~umask). 0 or -1 with
 * errno set. */
int path_mkdirs(const char *dir);

/* Appends path to out as a URL path: bytes that cannot stand in a URL (space,
 * '"', '#', '%', '?', '<', '>', '\\', '^', '`', '{', '|', '}', controls) are
 * percent-encoded; '/' and UTF-8 stay. */
void buf_put_urlpath(struct buf *out, const char *path, size_t len);

/* Creates the directory that will hold file (path_mkdirs of its dirname). */
int path_mkdirs_parent(const char *file);

/*
 * The relative URL from the directory of a document at URL path from (for
 * example "posts/a/index.html" or "posts/a/") to the path to, in the
 * manner of ikiwiki's urlto(): the result always starts with "./" or "../"
 * when it is not empty, so "posts/a/" to "posts/b/" gives "../b/", and
 * "index.html" to "tags/x/" gives "./tags/x/".
 */
void url_relative(struct buf *out, const char *from, const char *to);

#endif
