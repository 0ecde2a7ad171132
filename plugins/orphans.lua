-- orphans: [[!orphans pages=...]] lists the matching pages (default: all)
-- that no other page links to, as ikiwiki's orphans.pm: a sorted <ul> of
-- links, or "All pages have other pages linking to them.".
-- As in ikiwiki: inlining is not linking; the top index is never an
-- orphan; nor is a page that links to another page (it is reached through
-- that page's backlinks), its Discussion link aside.

-- ikiwiki's htmllink to an existing page with noimageinline (weft.link
-- would show an image file as an <img>).
local function page_link(p, dest)
	local title = weft.pagetitle(weft.basename(p.name))
	if p.name == dest.name then
		return ('<span class="selflink">%s</span>'):format(title)
	end
	return ('<a href="%s">%s</a>'):format(weft.url(p), title)
end

-- What ends a link to a discussion page, which does not count:
-- "/discussion", in any case; nil when discussion is off.
local function discussion_mark()
	if not weft.config("discussion") then return nil end
	return "/" .. weft.config("discussionpage"):lower()
end

local function discussion_link(l, mark)
	return l.type == "discussion" or
		(mark ~= nil and l.target:lower():sub(-#mark) == mark)
end

-- Whether p links to a page other than itself.
local function links_out(p, mark)
	for _, l in ipairs(p.links or {}) do
		if l.target ~= "" and not discussion_link(l, mark) and l.to and
				l.to.name ~= p.name then
			return true
		end
	end
	return false
end

local function orphan(p, mark)
	return #p.backlinks == 0 and p.name ~= "index" and not links_out(p, mark)
end

weft.directive("orphans", function(args, page, dest)
	-- Any page's links can make or unmake an orphan.
	weft.depends("*", "links")
	local found, mark = {}, discussion_mark()
	for _, p in ipairs(weft.pages(args.pages or "*", { deptype = "presence" })) do
		if orphan(p, mark) then found[#found + 1] = p end
	end
	if #found == 0 then return "All pages have other pages linking to them." end
	table.sort(found, function(a, b) return a.name < b.name end)
	local items = {}
	for i, p in ipairs(found) do items[i] = "<li>" .. page_link(p, dest) .. "</li>" end
	return "<ul>\n" .. table.concat(items, "\n") .. "</ul>\n"
end)
