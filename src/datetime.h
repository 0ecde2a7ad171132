/* datetime.h — reading the dates people write in pages: ikiwiki passes
 * meta dates to Perl's Date::Parse, which takes most common forms. */
#ifndef WEFT_DATETIME_H
#define WEFT_DATETIME_H

#include <stdbool.h>
#include <time.h>

/*
 * Parses s into *t. Accepted: ISO 8601 / RFC 3339 ("2024-03-01",
 * "2024-03-01 14:05", "2024-03-01T14:05:09.123+01:00", "...Z", a
 * "-0700" or "+01:00" offset after a space), RFC 822 ("Fri, 17 Aug 2018
 * 14:25:25 +0000"), ctime ("Thu Jun  5 10:00:00 2008"), and "March 5,
 * 2024" or "5 March 2024" with an optional time. A date without an offset
 * or zone name is local time in the process's time zone (the site's
 * timezone option). Returns false when s is none of these.
 */
bool datetime_parse(const char *s, time_t *t);

#endif
