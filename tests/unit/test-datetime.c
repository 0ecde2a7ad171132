/* test-datetime.c — the dates pages give meta date, in the forms
 * ikiwiki's Date::Parse reads (those seen in real ikiwiki sites first). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "datetime.h"
#include "tap.h"

static void
parses(const char *in, const char *want)
{
	char got[64] = "(no date)";
	time_t t;

	if (datetime_parse(in, &t))
		strftime(got, sizeof(got), "%Y-%m-%d %H:%M:%S", gmtime(&t));
	tap_is(got, want, "\"%s\"", in);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	parses("2019-03-01T10:00:00.123+01:00", "2019-03-01 09:00:00");
	parses("2019-03-01T10:00:00.123-07:00", "2019-03-01 17:00:00");
	parses("2008-06-05 10:11:12 -0700", "2008-06-05 17:11:12");
	parses("2011-01-29T18:17:40Z", "2011-01-29 18:17:40");
	parses("2024-03-01", "2024-03-01 00:00:00");
	parses("2024-03-01 14:05", "2024-03-01 14:05:00");
	parses("2024/3/1", "2024-03-01 00:00:00");
	parses("Thu Jun  5 10:00:00 2008", "2008-06-05 10:00:00");
	parses("Fri, 17 Aug 2018 14:25:25 +0000", "2018-08-17 14:25:25");
	parses("17 Aug 2018 14:25:25 GMT", "2018-08-17 14:25:25");
	parses("Jan 2 2020", "2020-01-02 00:00:00");
	parses("2 Jan 2020", "2020-01-02 00:00:00");
	parses("Jan 2, 2020", "2020-01-02 00:00:00");
	parses("March 5th, 2024 at 13:05", "2024-03-05 13:05:00");
	parses("  2024-03-01  ", "2024-03-01 00:00:00");
	parses("bogus", "(no date)");
	parses("", "(no date)");
	parses("2024-13-01", "(no date)");
	parses("2024-03-01 junk", "(no date)");
	parses("<TMPL_VAR date>", "(no date)");

	/* Without a zone, a date is local time in the site's time zone. */
	setenv("TZ", "America/Vancouver", 1);
	tzset();
	parses("2024-01-15 12:00", "2024-01-15 20:00:00");
	parses("2024-01-15T12:00:00Z", "2024-01-15 12:00:00");
	return tap_done();
}
