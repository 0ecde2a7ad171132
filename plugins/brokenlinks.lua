-- brokenlinks: [[!brokenlinks pages=...]] lists the wiki links of the
-- matching pages (default: all) that lead to no page, as ikiwiki's
-- brokenlinks.pm: a <ul> of "<link> from <page>, <page>" items sorted by
-- their HTML, or "There are no broken links!".
-- Like ikiwiki, links to Discussion pages are left out when discussion
-- is on. Difference: typed links (tags) are left out too; ikiwiki lists
-- a link to a missing tag page.

-- ikiwiki's htmllink to an existing page with noimageinline: a relative
-- link titled with its base name, or a selflink on the page itself.
-- (weft.link would show an image file as an <img>.)
local function page_link(p, dest)
	local title = weft.pagetitle(weft.basename(p.name))
	if p.name == dest.name then
		return ('<span class="selflink">%s</span>'):format(title)
	end
	return ('<a href="%s">%s</a>'):format(weft.url(p), title)
end

-- What marks a link to a discussion page, which brokenlinks.pm leaves
-- out: "/discussion" anywhere in it, in any case; nil when discussion is
-- off.
local function discussion_mark()
	if not weft.config("discussion") then return nil end
	return "/" .. weft.config("discussionpage"):lower()
end

-- The broken links of pages: target -> the pages having it, and the
-- targets in the order first seen.
local function broken_links(pages)
	local mark = discussion_mark()
	local by_target, targets = {}, {}
	for _, p in ipairs(pages) do
		local seen = {}
		for _, l in ipairs(p.links or {}) do
			local t = l.target
			if l.to == nil and l.type == nil and t ~= "" and not seen[t] and
					not (mark and t:lower():find(mark, 1, true)) then
				seen[t] = true
				if not by_target[t] then
					by_target[t] = {}
					targets[#targets + 1] = t
				end
				table.insert(by_target[t], p)
			end
		end
	end
	return by_target, targets
end

weft.directive("brokenlinks", function(args, page, dest)
	-- Depends on the links of the matching pages: the list changes when
	-- they do.
	local pages = weft.pages(args.pages or "*", { deptype = "links" })
	local by_target, targets = broken_links(pages)
	local items = {}
	for _, t in ipairs(targets) do
		local from = by_target[t]
		table.sort(from, function(a, b) return a.name < b.name end)
		local names = {}
		for i, p in ipairs(from) do names[i] = page_link(p, dest) end
		items[#items + 1] = ("%s from %s"):format(weft.link(t, { from = from[1] }),
			table.concat(names, ", "))
	end
	if #items == 0 then return "There are no broken links!" end
	table.sort(items)
	local out = {}
	for i, item in ipairs(items) do out[i] = "<li>" .. item .. "</li>" end
	return "<ul>\n" .. table.concat(out, "\n") .. "</ul>\n"
end)
