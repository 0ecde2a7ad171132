/* xalloc.h — allocation that aborts on failure, so no caller handles it. */
#ifndef WEFT_XALLOC_H
#define WEFT_XALLOC_H

#include <stddef.h>

/* Each returns memory the caller owns and frees with free(); on exhaustion
 * they print one line and abort, they never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of nmemb elements of size bytes to hold at least need;
 * *cap is updated. Overflow aborts. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
/* A NUL-terminated copy of the n bytes at s (s need not be terminated). */
char *xstrndup(const char *s, size_t n);
/* A formatted string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
