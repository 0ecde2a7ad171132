-- calendar: [[!calendar type=month|year pages="..." archivebase=... year=
-- month= week_start_day= months_per_row=]], ikiwiki's calendar plugin
-- (calendar.pm): a month table with each day's pages, or a year table of
-- months, linking to the archive pages archivebase/YYYY and
-- archivebase/YYYY/MM. Same HTML as calendar.pm. With calendar_autocreate,
-- the archive pages are made (from calendaryear.tmpl and calendarmonth.tmpl)
-- for every year and month with a page matching archive_pagespec, and with
-- calendar_fill_gaps for every month of those years and the years between.
-- "Now" (the default year and month, today's cell) is weft.build_time().
--
-- Differences from ikiwiki:
-- * Archive pages are made for the build (weft.add_page), never written to
--   the source. Their ctime is that of the newest page they archive (for a
--   gap, of the newest archived page), so builds are reproducible; ikiwiki's
--   is when it wrote the file. Pages under archivebase are not archived.
-- * The arrows reach back and forth as far as the archive pages that exist
--   (ikiwiki: as far as the years it remembers making archives for).
-- * No rebuild at midnight: ikiwiki's needsbuild hook re-renders calendars
--   showing the current day; weft shows the day of the build.
-- * The pages of a day are listed by name (ikiwiki: Perl's hash order).
-- * week_start_day is taken modulo 7; a '"' in a page title is escaped in
--   the link's title attribute; a year outside 1..9999 is an error.

weft.option{ name = "archivebase", type = "string",
             help = "base of the archives hierarchy (unset: archives)" }
weft.option{ name = "archive_pagespec", type = "string", default = "*",
             help = "PageSpec of pages to include in the archives, if option calendar_autocreate is true" }
-- "any": unset means "yes when archivebase is set", which a bool cannot say.
weft.option{ name = "calendar_autocreate", type = "any",
             help = "autocreate new calendar pages? (unset: when archivebase is set)" }
weft.option{ name = "calendar_fill_gaps", type = "bool", default = true,
             help = "when building calendar pages, also build pages of years and months without pages" }

local function archivebase_config()
	local base = weft.config("archivebase")
	return (base and base ~= "") and base or nil
end

-- weft's reading of a boolean setup value (1/yes/true/on).
local function truth(v)
	if type(v) == "boolean" then return v end
	if type(v) == "number" then return v ~= 0 end
	if type(v) ~= "string" then return false end
	v = v:lower()
	if v == "yes" or v == "true" or v == "on" then return true end
	return (tonumber(v) or 0) ~= 0
end

-- Perl's reading of a string as a number: its leading number, else 0.
local function num(s)
	if type(s) == "number" then return s end
	return tonumber((s or ""):match("^%s*([+-]?%d*%.?%d+)")) or 0
end

local function trunc(x)
	return x < 0 and math.ceil(x) or math.floor(x)
end

-- Noon of a day, local time: a time whose date and weekday are that day in
-- any time zone (ikiwiki uses timelocal(0,0,0,...)).
local function noon(year, month, day)
	return weft.parse_date(("%04d-%02d-%02d 12:00:00"):format(year, month, day))
end

local function localdate(t)
	local y, m, d = weft.strftime("%Y %m %d", t):match("(%-?%d+) (%d+) (%d+)")
	return tonumber(y), tonumber(m), tonumber(d)
end

local function month_days(year, month)
	local days = ({ 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 })[month]
	local leap = year % 4 == 0 and (year % 100 ~= 0 or year % 400 == 0)
	if month == 2 and leap then days = days + 1 end
	return days
end

local function archive_page(base, year, month)
	if month then return ("%s/%s/%02d"):format(base, year, month) end
	return ("%s/%s"):format(base, year)
end

-- ikiwiki's htmllink with noimageinline and a title attribute.
local function htmllink(from, dest, link, text, title)
	local to = weft.bestlink(from, link)
	if to and to == dest then
		return '<span class="selflink">' .. text .. '</span>'
	end
	if not to or not to.url then
		return '<span class="createlink">' .. text .. '</span>'
	end
	local attr = tostring(title):gsub('"', "&quot;")
	return ('<a href="%s" title="%s">%s</a>'):format(weft.url(to, dest), attr, text)
end

-- Links to an archive page when it exists (and records that the calendar
-- depends on whether it does), else nil.
local function archive_link(page, dest, name, text, title)
	weft.depends(name, "presence")
	if not weft.page(name) then return nil end
	return htmllink(page, dest, name, text, title)
end

-- The first and last years of the archive pages under base: how far the
-- arrows look for a previous or next archive.
local function archive_years(base, year)
	local min, max = year, year
	local prefix = base .. "/"
	for _, p in ipairs(weft.pages(base .. "/*", { deptype = "presence" })) do
		local y = p.name:sub(#prefix + 1):match("^(%d+)")
		if p.name:sub(1, #prefix) == prefix and y then
			y = tonumber(y)
			if y < min then min = y end
			if y > max then max = y end
		end
	end
	return min, max
end

-- calendar.pm previousmonth()/nextmonth(): the nearest month with an
-- archive page, and whether there is one.
local function other_month(base, year, month, step, limit)
	local y, m = year, month
	repeat
		m = m + step
		if m == 0 then y, m = y - 1, 12 end
		if m == 13 then y, m = y + 1, 1 end
		if (step < 0 and y < limit) or (step > 0 and y > limit) then return y, m, false end
	until weft.page(archive_page(base, y, m))
	return y, m, true
end

local function other_year(base, year, step, limit)
	local y = year + step
	while not weft.page(archive_page(base, y)) do
		y = y + step
		if (step < 0 and y < limit) or (step > 0 and y > limit) then return y, false end
	end
	return y, true
end

local function month_name(year, month, fmt)
	return weft.strftime(fmt, noon(year, month, 15))
end

-- The pages of a month, by day of the month.
local function pages_by_day(p)
	local days = {}
	local spec = ("creation_year(%s) and creation_month(%s) and (%s)"):format(p.year, p.mtag, p.pages)
	for _, page in ipairs(weft.pages(spec, { deptype = "presence meta" })) do
		local _, _, d = localdate(page.ctime)
		days[d] = days[d] or {}
		table.insert(days[d], page)
	end
	return days
end

-- Day names by weekday (0 = Sunday), and the header row's cells.
local function day_heads(p, first_wday)
	local names, cells = {}, {}
	local day = 1 + (7 - first_wday + p.week_start_day) % 7
	for dow = p.week_start_day, p.week_start_day + 6 do
		local name = weft.strftime("%A", noon(p.year, p.month, day))
		day = day + 1
		names[dow % 7] = name
		local abbr = name:match("^[%z\1-\127\194-\244][\128-\191]*") or ""
		cells[#cells + 1] = ('\t\t<th class="month-calendar-day-head %s" title="%s">%s</th>\n')
			:format(name, name, abbr)
	end
	return names, table.concat(cells)
end

local function day_cell(p, day, pages, class, names, wday)
	local out = { ('\t\t<td class="%s %s">'):format(class, names[wday]),
		"<div class='popup'>" .. day .. "<div class='balloon'>", "<ul>" }
	for _, page in ipairs(pages) do
		local title = page:meta("title") or weft.pagetitle(weft.basename(page.name))
		out[#out + 1] = "\n\t\t\t<li>" .. htmllink(p.page, p.dest, page.name, title, title) .. "</li>"
	end
	out[#out + 1] = "\n\t\t</ul></div></div></td>\n"
	return table.concat(out)
end

local function month_head(p)
	local base = p.archivebase
	local py, pm = other_month(base, p.year, p.month, -1, p.minyear)
	local ny, nm = other_month(base, p.year, p.month, 1, p.maxyear)
	local name = month_name(p.year, p.month, "%B")
	local url = archive_link(p.page, p.dest, archive_page(base, p.year, p.month),
		month_name(p.year, p.month, "%b") .. " " .. p.year, name) or (name .. " " .. p.year)
	local purl = archive_link(p.page, p.dest, archive_page(base, py, pm), "&larr;",
		month_name(py, pm, "%B")) or ""
	local nurl = archive_link(p.page, p.dest, archive_page(base, ny, nm), "&rarr;",
		month_name(ny, nm, "%B")) or ""
	return '<table class="month-calendar">\n\t<tr>\n' ..
		'\t<th class="month-calendar-arrow">' .. purl .. '</th>\n' ..
		'\t<th class="month-calendar-head" colspan="5">' .. url .. '</th>\n' ..
		'\t<th class="month-calendar-arrow">' .. nurl .. '</th>\n' ..
		'\t</tr>\n\t<tr>\n'
end

-- calendar.pm format_month().
local function format_month(p)
	local days = pages_by_day(p)
	local today, future = 0, 0
	if p.year == p.now_year and p.month == p.now_month then
		today, future = p.now_day, p.now_day + 1
	end
	local first_wday = tonumber(weft.strftime("%w", noon(p.year, p.month, 1)))
	local names, heads = day_heads(p, first_wday)
	local out = { month_head(p), heads, "\t</tr>\n" }
	local function put(s) out[#out + 1] = s end
	local wsd, wday = p.week_start_day, p.week_start_day
	while wday ~= first_wday do
		if wday == wsd then put("\t<tr>\n") end
		put(('\t\t<td class="month-calendar-day-noday %s">&nbsp;</td>\n'):format(names[wday]))
		wday = (wday + 1) % 7
	end
	for day = 1, month_days(p.year, p.month) do
		if wday == wsd then
			if day ~= 1 then put("\t</tr>\n") end
			put("\t<tr>\n")
		end
		if days[day] then
			local class = day == today and "month-calendar-day-this-day" or "month-calendar-day-link"
			put(day_cell(p, day, days[day], class, names, wday))
		else
			local class = day == today and "month-calendar-day-this-day" or
				day == future and "month-calendar-day-future" or "month-calendar-day-nolink"
			put(('\t\t<td class="%s %s">%d</td>\n'):format(class, names[wday], day))
		end
		wday = (wday + 1) % 7
	end
	while wday ~= wsd do
		put(('\t\t<td class="month-calendar-day-noday %s">&nbsp;</td>\n'):format(names[wday]))
		wday = (wday + 1) % 7
	end
	put("\t</tr>\n</table>\n")
	return table.concat(out)
end

local function year_head(p)
	local base = p.archivebase
	local py = other_year(base, p.year, -1, p.minyear)
	local ny = other_year(base, p.year, 1, p.maxyear)
	local url = archive_link(p.page, p.dest, archive_page(base, p.year), p.year, p.year) or p.year
	local purl = archive_link(p.page, p.dest, archive_page(base, py), "&larr;", py) or ""
	local nurl = archive_link(p.page, p.dest, archive_page(base, ny), "&rarr;", ny) or ""
	return '<table class="year-calendar">\n\t<tr>\n' ..
		'\t<th class="year-calendar-arrow">' .. purl .. '</th>\n' ..
		' \t<th class="year-calendar-head" colspan="' .. (p.months_per_row - 2) .. '">' .. url .. '</th>\n' ..
		'\t<th class="year-calendar-arrow">' .. nurl .. '</th>\n' ..
		'\t</tr>\n\t<tr>\n' ..
		'\t\t<th class="year-calendar-subhead" colspan="' .. p.months_per_row .. '">Months</th>\n' ..
		'\t</tr>\n'
end

local function month_class(p, month, archived)
	local future = p.year == p.now_year and p.now_month or 0
	if month == p.month and p.now_year == p.year then return "year-calendar-this-month" end
	if archived then return "year-calendar-month-link" end
	if future ~= 0 and month >= future then return "year-calendar-month-future" end
	return "year-calendar-month-nolink"
end

-- calendar.pm format_year().
local function format_year(p)
	local posts = {}
	local spec = ("creation_year(%s) and (%s)"):format(p.year, p.pages)
	for _, page in ipairs(weft.pages(spec, { deptype = "presence meta" })) do
		local _, m = localdate(page.ctime)
		posts[m] = true
	end
	local out = { year_head(p) }
	local function put(s) out[#out + 1] = s end
	local mpr = p.months_per_row
	for month = 1, 12 do
		local abbr = month_name(p.year, month, "%b")
		if month % mpr == 1 then put("\t<tr>\n") end
		local name = archive_page(p.archivebase, p.year, month)
		local archived = weft.page(name) ~= nil
		local class = month_class(p, month, archived)
		local link = posts[month] and archive_link(p.page, p.dest, name, abbr, month_name(p.year, month, "%B"))
		weft.depends(name, "presence")
		if link then
			put('\t<td class="' .. class .. '">' .. link .. '\t</td>\n')
		else
			put('\t<td class="' .. class .. '">' .. abbr .. '</td>\n')
		end
		if month % mpr == 0 then put("\t</tr>\n") end
	end
	put("</table>\n")
	return table.concat(out)
end

-- The directive's parameters with calendar.pm's defaults; relative years
-- (< 1) and months (< 1) count back from now.
local function params_of(args, page, dest)
	local now_year, now_month, now_day = localdate(weft.build_time())
	local p = {
		page = page, dest = dest, pages = args.pages or "*", type = args.type or "month",
		week_start_day = math.floor(num(args.week_start_day or 0)) % 7,
		months_per_row = math.floor(num(args.months_per_row or 3)),
		year = args.year and num(args.year) or now_year,
		month = args.month and num(args.month) or now_month,
		now_year = now_year, now_month = now_month, now_day = now_day,
		archivebase = args.archivebase or archivebase_config() or "archives",
	}
	if p.year < 1 then p.year = now_year + p.year end
	if p.month < 1 then
		local off = p.month
		p.month = (now_month + off) % 12
		if p.month == 0 then p.month = 12 end
		p.year = p.year - (math.ceil((now_month - p.month) / -12) - trunc(off / 12))
	end
	p.year, p.month = math.floor(p.year), math.floor(p.month)
	p.mtag = ("%02d"):format(p.month)
	p.minyear, p.maxyear = archive_years(p.archivebase, p.year)
	return p
end

weft.directive("calendar", function(args, page, dest)
	local p = params_of(args, page, dest)
	if p.year < 1 or p.year > 9999 then error("invalid year " .. p.year, 0) end
	local calendar = ""
	if p.type == "month" then
		if p.month > 12 then error("invalid month " .. p.month, 0) end
		calendar = format_month(p)
	elseif p.type == "year" then
		if p.months_per_row < 1 then error("invalid months_per_row " .. p.months_per_row, 0) end
		calendar = format_year(p)
	end
	return '\n<div><div class="calendar">' .. calendar .. '</div></div>\n'
end)

-- ---- archive pages -----------------------------------------------------

local function autocreate()
	local v = weft.config("calendar_autocreate")
	if v == nil or v == "" then return archivebase_config() ~= nil end
	return truth(v)
end

-- The newest ctime of the archived pages, by "YYYY" and "YYYY/MM".
local function archived_periods(base)
	local newest, latest = {}, nil
	local function note(key, t)
		if not newest[key] or t > newest[key] then newest[key] = t end
	end
	for _, p in ipairs(weft.pages(weft.config("archive_pagespec") or "*")) do
		if p.kind == "page" and p.name:sub(1, #base + 1) ~= base .. "/" then
			local y, m = localdate(p.ctime)
			note(tostring(y), p.ctime)
			note(("%d/%02d"):format(y, m), p.ctime)
			if not latest or p.ctime > latest then latest = p.ctime end
		end
	end
	return newest, latest
end

local function make_page(template, name, vars, ctime)
	if weft.page(name) then return end
	local t = assert(weft.template(template))
	weft.add_page(name, t:fill(vars), { ctime = ctime, mtime = ctime })
end

-- The years to make pages for: those with pages, and with
-- calendar_fill_gaps the years between.
local function years_of(newest)
	local years, min, max = {}, nil, nil
	for key in pairs(newest) do
		local y = key:match("^(%-?%d+)$")
		if y then
			y = tonumber(y)
			years[#years + 1] = y
			min, max = math.min(min or y, y), math.max(max or y, y)
		end
	end
	if weft.config("calendar_fill_gaps") and min then
		years = {}
		for y = min, max do years[#years + 1] = y end
	end
	table.sort(years)
	return years
end

weft.hook("autofiles", function()
	if not autocreate() then return end
	local base = archivebase_config() or "archives"
	local spec = weft.config("archive_pagespec") or "*"
	local newest, latest = archived_periods(base)
	local fill = weft.config("calendar_fill_gaps")
	for _, year in ipairs(years_of(newest)) do
		make_page("calendaryear", archive_page(base, year),
			{ year = year, pagespec = spec }, newest[tostring(year)] or latest)
		for month = 1, 12 do
			local key = ("%d/%02d"):format(year, month)
			if fill or newest[key] then
				make_page("calendarmonth", archive_page(base, year, month),
					{ year = year, month = ("%02d"):format(month), pagespec = spec },
					newest[key] or latest)
			end
		end
	end
end)
