/* diag.h — error, warning and note reporting with file and line, per build. */
#ifndef WEFT_DIAG_H
#define WEFT_DIAG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "strmap.h"

enum diag_level { DIAG_DEBUG, DIAG_INFO, DIAG_NOTE, DIAG_WARNING, DIAG_ERROR };

/*
 * One sink per build (or command). Safe to call from several threads.
 * Messages read "FILE:LINE: MSG" for errors, "FILE:LINE: warning: MSG" and
 * "FILE:LINE: note: MSG" otherwise; the line is left out when 0, the file
 * when NULL ("weft: MSG"). While held (diag_hold), messages are kept and
 * printed by diag_flush sorted by file, then in the order they came, so a
 * parallel build reports the same way each time.
 */
struct diag {
	pthread_mutex_t lock;
	FILE *out;
	int verbosity;		/* -1 quiet (errors only), 0 normal, 1 verbose, 2 debug */
	unsigned errors;
	unsigned warnings;
	bool held;
	struct diag_msg *msgs;
	size_t nmsgs, capmsgs;
	struct strmap once;	/* keys already reported by diag_once */
};

void diag_init(struct diag *d, FILE *out, int verbosity);
/* Flushes what is held, then frees. */
void diag_release(struct diag *d);

/* Reports an error and returns -1, so "return diag_error(...)" reports and
 * fails in one statement. */
int diag_error(struct diag *d, const char *file, unsigned line,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_warning(struct diag *d, const char *file, unsigned line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_note(struct diag *d, const char *file, unsigned line,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Shown with -v only. */
void diag_info(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Shown with -v -v only. */
void diag_debug(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag_report(struct diag *d, enum diag_level level, const char *file,
		 unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
/* Reports at level unless key was already reported through diag_once;
 * returns true when it reported. For "one note per unknown plugin". */
bool diag_once(struct diag *d, const char *key, enum diag_level level,
	       const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

void diag_hold(struct diag *d);
void diag_flush(struct diag *d);

#endif
