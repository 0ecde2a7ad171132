-- map: [[!map pages="..." show=title|description]], ikiwiki's map plugin
-- (map.pm): the matching pages as nested lists, <div class='map'><ul><li>,
-- their common directory left out, parents that are not in the map shown as
-- "mapparent" links, the pages as "mapitem" links (with show=, the meta
-- field as the text). Same HTML as map.pm.

local IMAGE = { png = true, gif = true, jpg = true, jpeg = true, svg = true }

-- ikiwiki's htmllink(from, dest, link, opts) with noimageinline and class.
local function htmllink(from, dest, link, o)
	link = link:gsub("/$", ""):gsub("^//+", "/")
	local to = weft.bestlink(from, link)
	local text = o.text or weft.pagetitle(weft.basename(link))
	if to and to == dest then
		return '<span class="selflink">' .. text .. '</span>'
	end
	if not to or not to.url then
		return '<span class="createlink">' .. text .. '</span>'
	end
	return '<a href="' .. weft.url(to, dest) .. '" class="' .. o.class .. '">' .. text .. '</a>'
end

local function dirname(p)
	return p:match("^(.*)/[^/]*$") or ""
end

-- Whether s starts with prefix followed by '/' or its end (map.pm's
-- /^\Qprefix\E(\/|$)/).
local function under(s, prefix)
	if s:sub(1, #prefix) ~= prefix then return false end
	local rest = s:sub(#prefix + 1, #prefix + 1)
	return rest == "" or rest == "/"
end

local function split(p)
	local bits = {}
	for b in p:gmatch("[^/]+") do bits[#bits + 1] = b end
	return bits
end

-- The longest run of leading directories every name shares.
local function common_prefix(names)
	local prefix
	for _, name in ipairs(names) do
		if not prefix then
			prefix = name
		elseif prefix ~= "" and not under(name, prefix) then
			local a, b, out = split(name), split(prefix), {}
			for i = 1, math.min(#a, #b) do
				if a[i] ~= b[i] then break end
				out[i] = a[i]
			end
			prefix = table.concat(out, "/")
		end
	end
	return prefix
end

-- Builds the map as map.pm does, line by line, including its
-- <map:collapse> marks that join a closed list with the next one.
local function render(page, dest, items, texts, prefix)
	local out = { "<div class='map'>\n", "<ul>\n" }
	local function put(s) out[#out + 1] = s end
	local parent, indent, openli, addparent = "", 0, false, ""
	for _, name in ipairs(items) do
		local item = name
		if prefix ~= "" then item = item:gsub("^" .. prefix:gsub("%p", "%%%0") .. "/", "") end
		local depth = select(2, item:gsub("/", "")) + 1
		local baseitem = dirname(item)
		while parent ~= "" and baseitem ~= "" and not under(baseitem, parent) do
			parent = dirname(parent)
			if addparent ~= "" and under(baseitem, addparent) then break end
			addparent = ""
			put("</li>\n")
			if indent > 1 then put("</ul><map:collapse>\n") end
			indent = indent - 1
		end
		while depth < indent do
			put("</li>\n")
			if indent > 1 then put("</ul>\n") end
			indent = indent - 1
		end
		local bits, p = split(item), ""
		for i = 1, indent do p = p .. "/" .. (bits[i] or "") end
		local nextbit = indent + 1
		while depth > indent do
			indent = indent + 1
			if indent > 1 then put("<ul><map:collapse>\n") end
			if depth > indent then
				p = p .. "/" .. (bits[nextbit] or "")
				nextbit = nextbit + 1
				addparent = p:sub(2)
				put("<li>\n")
				put(htmllink(page, dest, "/" .. prefix .. p, { class = "mapparent" }) .. "\n")
				openli = true
			else
				openli = false
			end
		end
		if openli then put("</li>\n") end
		put("<li>\n")
		put(htmllink(page, dest, "/" .. prefix .. "/" .. item,
			{ class = "mapitem", text = texts[name] }) .. "\n")
		openli = true
		parent = item
	end
	while indent > 0 do
		put("</li>\n")
		indent = indent - 1
		put("</ul>\n")
	end
	local map = table.concat(out)
	map = map:gsub("\n *</ul><map:collapse>\n *<ul><map:collapse>\n", "\n")
	map = map:gsub("<map:collapse>", "")
	return map .. "</div>\n"
end

weft.directive("map", function(args, page, dest)
	-- Content dependency with show=, as the text comes from the pages.
	local list = weft.pages(args.pages or "*",
		{ deptype = args.show and "content" or "presence" })
	local names, texts = {}, {}
	for _, p in ipairs(list) do
		names[#names + 1] = p.name
		local v = args.show and p:meta(args.show)
		if v ~= nil and type(v) ~= "table" and tostring(v) ~= "" then
			texts[p.name] = tostring(v)
		end
	end
	if #names == 0 then return "<div class='map'>\n</div>\n" end
	table.sort(names)
	local present = {}
	for _, n in ipairs(names) do present[n] = true end
	-- The common prefix must not be a page of the map.
	local prefix = common_prefix(names)
	while prefix ~= "" and present[prefix] do prefix = dirname(prefix) end
	return render(page, dest, names, texts, prefix)
end)
