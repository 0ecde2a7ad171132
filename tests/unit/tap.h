/* tap.h — a tiny TAP producer for the unit tests. */
#ifndef WEFT_TAP_H
#define WEFT_TAP_H

#include <stdbool.h>
#include <stddef.h>

/* Records one test; prints "ok N - name" or "not ok N - name". */
bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Compares strings; on a mismatch prints both as TAP diagnostics. */
bool tap_is(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool tap_is_int(long got, long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prints the plan and returns the exit status: 0 when every test passed. */
int tap_done(void);

#endif
