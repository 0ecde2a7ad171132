-- toc: [[!toc levels=N startlevel=N]], a table of contents of the page's
-- headings, as ikiwiki's toc.pm: <div class="toc"> holding nested <ol>s
-- with <li class="L1">, <li class="L2">..., each linking to its heading.
-- A heading with an id is linked by it; one without gets the anchor
-- <a name="index<N>h<L>"></a> (its N-th h<L>), as in ikiwiki.
--
-- Differences from ikiwiki:
-- * ikiwiki's toc reads the headings of the whole finished page (a format
--   hook), so with a theme that adds headings (weft's <h1> title, the
--   comments, the sidebar) the table lists them too. weft's reads only the
--   page's own content: the directive leaves a placeholder and a sanitize
--   hook, which gets just the page's htmlized content, fills it.
-- * Heading text is copied as written: ikiwiki decodes its entities (so
--   "&lt;b&gt;" became a tag in the table and the heading).
-- * A heading that already has an id gets no extra <a name> anchor.
-- As in ikiwiki, a toc in an inlined page shows nothing, and when a page
-- has several, the first placeholder is filled with the last one's options.

-- The options of the toc directive of each page being rendered, from its
-- directive to its sanitize hook. Both run in this Lua state: a page's
-- content is rendered by one worker.
local pending = {}

local PLACEHOLDER = '<div class="toc">'

-- Whether a Perl value is true: defined, and neither "" nor "0".
local function perl_true(v)
	return v ~= nil and v ~= "" and v ~= "0"
end

-- Where the tag starting at i ends (its ">"), skipping quoted values.
local function tag_end(html, i)
	local j = i + 1
	while true do
		local k = html:find("[\"'>]", j)
		if not k then return #html end
		local c = html:sub(k, k)
		if c == ">" then return k end
		local q = html:find(c, k + 1, true)
		if not q then return #html end
		j = q + 1
	end
end

-- The value of the id attribute of a start tag's text, or nil. Attribute
-- names are case-insensitive; a value may be quoted either way or bare.
local function id_of(tag)
	local pos = (tag:find("[%s/>]") or #tag + 1)
	while pos <= #tag do
		local s, e, name = tag:find("^[%s/]*([^%s=/>]+)", pos)
		if not s then break end
		pos = e + 1
		local value
		local _, ve, q = tag:find("^%s*=%s*([\"'])", pos)
		if q then
			local close = tag:find(q, ve + 1, true) or #tag + 1
			value, pos = tag:sub(ve + 1, close - 1), close + 1
		else
			local _, be, bare = tag:find("^%s*=%s*([^%s>]*)", pos)
			if be then value, pos = bare, be + 1 end
		end
		if name:lower() == "id" then return value or "" end
	end
	return nil
end

-- Where the content of a raw text element (script, style) ends: before
-- its end tag, in any case.
local function raw_end(html, i, name)
	local any_case = name:gsub("%a", function(c) return "[" .. c:lower() .. c:upper() .. "]" end)
	local k = html:find("</" .. any_case, i)
	return k and k - 1 or #html
end

-- The headings of html, in order: {level=, id=, anchor=, open_end=,
-- text=}, where anchor is index<N>h<L> for the N-th h<L>, open_end the
-- index of the start tag's ">", and text the heading's content without
-- tags (entities kept).
local function headings(html)
	local found, counts, pos = {}, {}, 1
	while true do
		local i = html:find("<", pos, true)
		if not i then break end
		if html:sub(i, i + 3) == "<!--" then
			local k = html:find("-->", i + 4, true)
			pos = k and k + 3 or #html + 1
		else
			local name = html:match("^<([%a][%w]*)", i)
			local lname = name and name:lower()
			local e = (name or html:match("^<[/!?]", i)) and tag_end(html, i) or i
			if lname and lname:match("^h[1-6]$") then
				local close = html:find("</[hH]%d+%s*>", e + 1)
				local inner = html:sub(e + 1, close and close - 1 or #html)
				local level = tonumber(lname:sub(2))
				counts[level] = (counts[level] or 0) + 1
				found[#found + 1] = {
					level = level,
					id = id_of(html:sub(i, e)),
					anchor = ("index%dh%d"):format(counts[level], level),
					open_end = e,
					text = inner:gsub("<!%-%-.-%-%->", ""):gsub("<[^>]*>", ""),
				}
				pos = close or #html + 1
			elseif lname == "script" or lname == "style" then
				pos = raw_end(html, e + 1, lname) + 1
			else
				pos = e + 1
			end
		end
	end
	return found
end

-- The <ol> list of toc.pm for the headings, each linked by its id or else
-- its anchor. A straight port of toc.pm's start handler.
local function build_index(found, params)
	local levels = params.levels == nil and 1 or (tonumber(params.levels) or 0)
	local startlevel = perl_true(params.startlevel) and (tonumber(params.startlevel) or 0) or 0
	local curlevel = startlevel - 1
	local liststarted = false
	local index = {}
	local function add(s) index[#index + 1] = ("\t"):rep(curlevel) .. s end

	for _, h in ipairs(found) do
		local level = h.level
		local target = perl_true(h.id) and h.id or h.anchor
		local skip = false
		-- Without startlevel, the first heading's level is the top one,
		-- even if higher headings come later.
		if startlevel == 0 then
			startlevel = level
			curlevel = startlevel - 1
		elseif params.startlevel ~= nil and level < (tonumber(params.startlevel) or 0) then
			skip = true
		elseif level < startlevel then
			level = startlevel
		end
		if not skip and level - startlevel < levels then
			if level > curlevel then
				while level > curlevel + 1 do
					add("<ol>\n")
					curlevel = curlevel + 1
					add(("<li class=\"L%d\">\n"):format(curlevel))
				end
				add("<ol>\n")
				curlevel = level
				liststarted = true
			elseif level < curlevel then
				while level < curlevel do
					if curlevel ~= 0 then add("</li>\n") end
					curlevel = curlevel - 1
					add("</ol>\n")
				end
				liststarted = false
			end
			if not liststarted then add("</li>\n") end
			liststarted = false
			add(("<li class=\"L%d\"><a href=\"#%s\">"):format(curlevel,
				(target:gsub("\"", "&quot;"))))
			index[#index + 1] = h.text .. "</a>\n"
		end
	end
	while startlevel ~= 0 and curlevel >= startlevel do
		if curlevel ~= 0 then add("</li>\n") end
		curlevel = curlevel - 1
		add("</ol>\n")
	end
	return table.concat(index)
end

-- html with <a name> anchors after the start tags of headings without id.
local function add_anchors(html, found)
	local out, pos = {}, 1
	for _, h in ipairs(found) do
		if not perl_true(h.id) then
			out[#out + 1] = html:sub(pos, h.open_end)
			out[#out + 1] = ("<a name=\"%s\"></a>"):format(h.anchor)
			pos = h.open_end + 1
		end
	end
	out[#out + 1] = html:sub(pos)
	return table.concat(out)
end

local function toc(html, params)
	-- ikiwiki's toc runs after every sanitize hook, so it sees the ids
	-- headinganchors gives: give them first, whatever the hook order.
	if weft.enabled("headinganchors") and weft.plugin("headinganchors") then
		html = weft.plugin("headinganchors").anchors(html)
	end
	local found = headings(html)
	local index = build_index(found, params)
	html = add_anchors(html, found)
	local s, e = html:find(PLACEHOLDER, 1, true)
	if not s then return html end
	return html:sub(1, e) .. "\n" .. index .. html:sub(e + 1)
end

weft.directive("toc", function(args, page, dest)
	-- An inlined page's table would be built from the inlining page's
	-- headings in ikiwiki: it shows nothing there instead.
	if page.name ~= dest.name then return "" end
	pending[page.name] = args
	return "\n" .. PLACEHOLDER .. "</div>\n"
end)

weft.hook("sanitize", function(page, dest, html)
	if page.name ~= dest.name then return nil end
	local params = pending[page.name]
	if not params then return nil end
	pending[page.name] = nil
	return toc(html, params)
end, { contains = PLACEHOLDER })
