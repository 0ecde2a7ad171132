-- pagestats: [[!pagestats pages="..." among="..." style=cloud|list|table
-- limit=N show=FIELD class=...]], ikiwiki's pagestats plugin (pagestats.pm):
-- how many pages link to each matching page (only the pages matching among,
-- when given), as a tag cloud (classes smallestPC smallPC normalPC bigPC
-- biggestPC), a list or a table. Same HTML as pagestats.pm; a numeric show
-- is the old spelling of limit.

local CLASSES = { "smallestPC", "smallPC", "normalPC", "bigPC", "biggestPC" }

-- The link text: the meta field show names, when the page has it.
local function linktext(page, show)
	if not show then return nil end
	local v = weft.page(page):meta(show)
	if v == nil or type(v) == "table" then return nil end
	return tostring(v)
end

-- Backlink counts of the pages matching spec, and the largest. The among
-- pages are listed once, as a set: counts change when their links change,
-- or when a page starts or stops being one of them.
-- Counts are the same for every page the directive shows on with the same
-- arguments (a sidebar's cloud on every page): found once per build and
-- worker, each later use recording the same dependencies again.
local found = {}

local function count_uncached(spec, among)
	local counts, max, keep = {}, 0, nil
	if among then
		keep = {}
		for _, b in ipairs(weft.pages(among, { deptype = "links" })) do
			keep[b.name] = true
		end
	else
		weft.depends("*", "links")
	end
	for _, p in ipairs(weft.pages(spec, { deptype = "presence" })) do
		local n = 0
		for _, b in ipairs(p.backlinks) do
			if not keep or keep[b.name] then n = n + 1 end
		end
		counts[p.name] = n
		if n > max then max = n end
	end
	return counts, max
end

local function count(spec, among, page)
	-- A spec with a relative part ("./x", "."): the page's own counts.
	local relative = spec:find(".", 1, true) or (among or ""):find(".", 1, true)
	local key = table.concat({ spec, among or "", relative and page.name or "" }, "\0")
	local hit = found[key]
	if hit then
		if among then weft.depends(among, "links") else weft.depends("*", "links") end
		weft.depends(spec, "presence")
		return hit.counts, hit.max
	end
	local counts, max = count_uncached(spec, among)
	found[key] = { counts = counts, max = max }
	return counts, max
end

-- The names in counts in byte order, sorted once for each counts table (a
-- cloud's are the same on every page it shows on).
local sorted = setmetatable({}, { __mode = "k" })

local function by_name(counts)
	local names = sorted[counts]
	if not names then
		names = {}
		for name in pairs(counts) do names[#names + 1] = name end
		table.sort(names)
		sorted[counts] = names
	end
	return names
end

-- Names by count, largest first, then by name.
local function by_count(counts)
	local names = {}
	for name in pairs(counts) do names[#names + 1] = name end
	table.sort(names, function(a, b)
		if counts[a] ~= counts[b] then return counts[a] > counts[b] end
		return a < b
	end)
	return names
end

local function keep_first(counts, limit)
	local kept = {}
	for i, name in ipairs(by_count(counts)) do
		if i > limit then break end
		kept[name] = counts[name]
	end
	return kept
end

-- The styles' links: ikiwiki's htmllink(page, destpage, name, {linktext,
-- noimageinline}) is weft.link(name, opts) with opts.from the page the
-- directive is on, one opts for all of a directive's links (a sidebar's
-- cloud is a hundred links on every page).
local function table_style(page, counts, class, show)
	local rows, opts = {}, { from = page, noimageinline = true }
	for _, name in ipairs(by_count(counts)) do
		opts.text = linktext(name, show)
		rows[#rows + 1] = "<tr><td>" .. weft.link(name, opts) ..
			"</td><td>" .. counts[name] .. "</td></tr>"
	end
	return "<table class='" .. (class or "pageStats") .. "'>\n" ..
		table.concat(rows, "\n") .. "\n</table>\n"
end

local function cloud_style(page, counts, max, style, class, show)
	local out = {}
	if style == "list" then
		out[1] = "<ul class='" .. (class or "list") .. "'>\n"
	else
		out[1] = "<div class='" .. (class or "pagecloud") .. "'>\n"
	end
	local opts = { from = page }
	for _, name in ipairs(by_name(counts)) do
		local n = counts[name]
		if n > 0 then
			local class_of = CLASSES[n * #CLASSES // (max + 1) + 1]
			opts.text = linktext(name, show)
			local item = '<span class="' .. class_of .. '">' ..
				weft.link(name, opts) .. "</span>\n"
			if style == "list" then item = "<li>" .. item .. "</li>" end
			out[#out + 1] = item
		end
	end
	out[#out + 1] = style == "list" and "</ul>\n" or "</div>\n"
	return table.concat(out)
end

weft.directive("pagestats", function(args, page)
	local style = args.style
	if not style or style == "" or style == "0" then style = "cloud" end
	local limit, show = args.limit, args.show
	if show and show:find("^%d+$") then limit, show = show, nil end
	local counts, max = count(args.pages or "*", args.among, page)
	if limit then
		counts = keep_first(counts, tonumber(limit:match("^%s*(%d+)")) or 0)
	end
	if style == "table" then
		return table_style(page, counts, args.class, show)
	end
	-- Any other style is a cloud, as in ikiwiki (a misspelling included).
	return cloud_style(page, counts, max, style, args.class, show)
end)
