/* tap.c — a tiny TAP producer. */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int count, failed;

static bool report(bool cond, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static bool
report(bool cond, const char *fmt, va_list ap)
{
	printf("%sok %d - ", cond ? "" : "not ", ++count);
	vprintf(fmt, ap);
	putchar('\n');
	if (!cond)
		failed++;
	return cond;
}

bool
tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	return cond;
}

bool
tap_is(const char *got, const char *want, const char *fmt, ...)
{
	bool cond = got && want ? strcmp(got, want) == 0 : got == want;
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("# got:  \"%s\"\n# want: \"%s\"\n", got ? got : "(null)",
		       want ? want : "(null)");
	return cond;
}

bool
tap_is_int(long got, long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("# got:  %ld\n# want: %ld\n", got, want);
	return got == want;
}

int
tap_done(void)
{
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}
