-- date: [[!date "2008-11-04 12:30"]] shows the date as the site shows
-- dates (ikiwiki's date plugin, date.pm): with timeformat, or as the
-- prettydate and relativedate plugins write them. The text is parsed as
-- weft.parse_date reads dates (meta date's formats); one it cannot read
-- is an error, as in ikiwiki.

weft.directive("date", function(args)
	local text = args[1] and args[1].value
	if not text or text == "" then
		error("missing date", 0)
	end
	local t = weft.parse_date(text)
	if not t then
		error("unable to parse " .. text, 0)
	end
	return weft.displaytime(t)
end)
