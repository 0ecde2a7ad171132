/* datetime.c — a lenient date reader for page metadata. */
#include "datetime.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const months[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

/* Reads exactly n digits. */
static bool
digits(const char **s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

/* Reads 1 or 2 digits. */
static bool
small(const char **s, int *out)
{
	if (!isdigit((unsigned char)**s))
		return false;
	*out = *(*s)++ - '0';
	if (isdigit((unsigned char)**s))
		*out = *out * 10 + (*(*s)++ - '0');
	return true;
}

static void
spaces(const char **s)
{
	while (**s == ' ' || **s == '\t' || **s == ',')
		(*s)++;
}

/* A month name (or its first three letters) at *s. */
static bool
month(const char **s, int *mon)
{
	const char *p = *s;
	size_t n = 0;
	int i;

	while (isalpha((unsigned char)p[n]))
		n++;
	if (n < 3)
		return false;
	for (i = 0; i < 12; i++) {
		if (strncasecmp(p, months[i], 3) == 0) {
			*mon = i;
			*s = p + n;
			return true;
		}
	}
	return false;
}

/* An optional "HH:MM[:SS[.fff]]"; tm is left alone when there is none. */
static bool
clock_time(const char **s, struct tm *tm)
{
	const char *p = *s;
	int h, m, sec = 0;

	if (!small(&p, &h) || *p++ != ':' || !digits(&p, 2, &m))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &sec))
			return false;
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = sec;
	*s = p;
	return true;
}

/* An optional zone: "Z", "+01:00", "-0700", "UTC", "GMT"; sets *offset in
 * seconds east of UTC and *has when one was found. */
static bool
zone(const char **s, long *offset, bool *has)
{
	const char *p = *s;
	int h, m = 0, sign;

	spaces(&p);
	*has = false;
	if (*p == 'Z' || *p == 'z' || strncasecmp(p, "UTC", 3) == 0 ||
	    strncasecmp(p, "GMT", 3) == 0) {
		p += (*p == 'Z' || *p == 'z') ? 1 : 3;
		*offset = 0;
		*has = true;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &h))
			return false;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && !digits(&p, 2, &m))
			return false;
		*offset = sign * (h * 3600L + m * 60L);
		*has = true;
	}
	*s = p;
	return true;
}

static bool
finish(const char *p, struct tm *tm, long offset, bool has_zone, time_t *t)
{
	spaces(&p);
	if (*p)
		return false;
	if (tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 || tm->tm_mday > 31 ||
	    tm->tm_hour > 24 || tm->tm_min > 59 || tm->tm_sec > 61)
		return false;
	tm->tm_isdst = -1;
	if (has_zone) {
		*t = timegm(tm) - offset;
	} else {
		*t = mktime(tm);
	}
	return true;
}

/* 2024-03-01[ T]14:05[:09[.123]][zone] */
static bool
iso(const char *p, time_t *t)
{
	struct tm tm = { 0 };
	long offset = 0;
	bool has = false;

	if (!digits(&p, 4, &tm.tm_year) || (*p != '-' && *p != '/'))
		return false;
	p++;
	if (!small(&p, &tm.tm_mon) || (*p != '-' && *p != '/'))
		return false;
	p++;
	if (!small(&p, &tm.tm_mday))
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		const char *q = p + 1;

		while (*q == ' ')
			q++;
		if (clock_time(&q, &tm))
			p = q;
	}
	if (!zone(&p, &offset, &has))
		return false;
	return finish(p, &tm, offset, has, t);
}

/* [Fri, ]17 Aug 2018 [14:25:25] [zone]; Aug 17[,] 2018 [time]; ctime. */
static bool
words(const char *p, time_t *t)
{
	struct tm tm = { 0 };
	long offset = 0;
	bool has = false;
	int year;

	spaces(&p);
	/* A leading weekday. */
	if (isalpha((unsigned char)*p) && !month(&(const char *){ p }, &tm.tm_mon)) {
		while (isalpha((unsigned char)*p))
			p++;
		spaces(&p);
	}
	if (isdigit((unsigned char)*p)) {
		if (!small(&p, &tm.tm_mday))
			return false;
		spaces(&p);
		if (!month(&p, &tm.tm_mon))
			return false;
	} else {
		if (!month(&p, &tm.tm_mon))
			return false;
		spaces(&p);
		if (!small(&p, &tm.tm_mday))
			return false;
		while (isalpha((unsigned char)*p))	/* 1st, 2nd */
			p++;
	}
	spaces(&p);
	/* The year, or a ctime's time before its year. */
	if (clock_time(&p, &tm)) {
		spaces(&p);
		if (!zone(&p, &offset, &has))
			return false;
		spaces(&p);
		if (!digits(&p, 4, &year))
			return false;
	} else {
		if (!digits(&p, 4, &year))
			return false;
		spaces(&p);
		if (*p == 'a' || *p == 'A')	/* "at" */
			while (isalpha((unsigned char)*p))
				p++;
		spaces(&p);
		clock_time(&p, &tm);
		if (!zone(&p, &offset, &has))
			return false;
	}
	tm.tm_year = year - 1900;
	return finish(p, &tm, offset, has, t);
}

bool
datetime_parse(const char *s, time_t *t)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	return iso(s, t) || words(s, t);
}
