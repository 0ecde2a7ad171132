-- prettydate: dates as ikiwiki's prettydate plugin (prettydate.pm) writes
-- them, "late Saturday night, February 22nd, 2020": the time of day in
-- words, in the format prettydateformat ("%X, %B %o, %Y"; "%X" is the
-- words, "%o" the day of the month as an ordinal). It replaces ikiwiki's
-- formattime, so every date the site shows (page dates, inlined items,
-- comments) is written this way; a timeformat an inline asks for is still
-- used, with "%X" there too.

weft.option{ name = "prettydateformat", type = "string",
             help = "prettydate: format to use to display date (unset: %X, %B %o, %Y)" }
weft.option{ name = "timetable", type = "list",
             help = "prettydate: the 24 descriptions of the hours of the day (an empty one repeats the hour before)" }

-- The hours of the day in words, from midnight; "%A-" is the day before.
local DEFAULT_TIMETABLE = {
	"late %A- night", "", "in the wee hours of %A- night", "", "",
	"terribly early %A morning", "", "early %A morning", "", "",
	"mid-morning %A", "late %A morning", "at lunch time on %A", "",
	"%A afternoon", "", "", "late %A afternoon", "%A evening", "",
	"late %A evening", "", "%A night", "",
}

local DAYS = { [0] = "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
	"Friday", "Saturday" }

-- The table with its blanks filled from the hour before.
local function timetable()
	local t = weft.config("timetable")
	if type(t) ~= "table" or #t == 0 then t = DEFAULT_TIMETABLE end
	local out = {}
	for h = 0, 23 do
		local v = t[h + 1]
		-- Midnight's blank takes eleven at night as written (Perl's $a[-1]).
		if v == nil or v == "" then v = out[h - 1] or t[24] or "" end
		out[h] = v
	end
	return out
end

local TIMES = timetable()

-- Date::Format's %o: the day of the month, right-aligned in two columns,
-- with its English suffix ("20th", " 1st").
local function ordinal(day)
	local suffix = "th"
	if day % 100 < 11 or day % 100 > 13 then
		suffix = ({ [1] = "st", [2] = "nd", [3] = "rd" })[day % 10] or "th"
	end
	return ("%2d%s"):format(day, suffix)
end

-- The words for the time of day, as prettydate.pm chooses them.
local function words(h, m, wday)
	local t
	if h == 16 and m < 30 then
		t = "at teatime on %A"
	elseif (h == 0 and m < 30) or (h == 23 and m > 50) then
		t = "at midnight"
	elseif (h == 12 and m < 15) or (h == 11 and m > 50) then
		t = "at noon on %A"
	else
		t = TIMES[h]
		if t == "" then t = "sometime" end
	end
	return (t:gsub("%%A%-", function() return DAYS[(wday + 6) % 7] end))
end

-- strftime with Date::Format's %o, which C's strftime does not have.
local function strftime(format, t, day)
	local out = format:gsub("%%(.)", function(c)
		if c == "o" then return ordinal(day) end
		return nil
	end)
	return weft.strftime(out, t)
end

local function prettydate(t, format)
	if not format then
		format = weft.config("prettydateformat")
		if not format or format == "" or format == "%c" then
			format = "%X, %B %o, %Y"
		end
	end
	local h, m, wday, day = weft.strftime("%H %M %w %d", t):match("(%d+) (%d+) (%d+) (%d+)")
	local w = words(tonumber(h), tonumber(m), tonumber(wday))
	-- "%X" becomes the words; a "%" they hold is the strftime's to expand.
	format = format:gsub("%%%%", "\0"):gsub("%%X", function() return w end):gsub("\0", "%%%%")
	return strftime(format, t, tonumber(day))
end

-- Each time and format written once a build (the plugin is loaded anew
-- for each): a post's date is shown on its page, in each list and feed
-- of it, and the words take three strftimes and five substitutions.
local written = {}

weft.inject("formattime", function(t, format)
	local key = format and t .. "\0" .. format or t
	local s = written[key]
	if not s then
		s = prettydate(t, format)
		written[key] = s
	end
	return s
end)

return { words = words, ordinal = ordinal }
