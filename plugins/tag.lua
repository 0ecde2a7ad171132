-- tag: [[!tag a b]] and [[!taglink a]] / [[!taglink text|a]], ikiwiki's tag
-- plugin (tag.pm). A tag is a link of type "tag" to tagpage(name), which is
-- "/tagbase/name" when tagbase is set; the PageSpec tagged() (in C) matches
-- those links. Fills the TAGS loop (LINK) and, in feeds, CATEGORIES
-- (CATEGORY), and makes the missing tag pages from autotag.tmpl.
-- Returns {tags = function(page)}: the page's tag names, sorted, as feeds
-- show them.
--
-- Differences from ikiwiki:
-- * Tag pages are made for the build (weft.add_page), never written to the
--   source or committed: tag_autocreate_commit has no effect. A tag page
--   that was deleted comes back (ikiwiki remembers not to remake it).
-- * A tag page's ctime is that of the newest page with the tag (ikiwiki's
--   is when it wrote the file), so builds are reproducible.
-- * [[!taglink a b]] shows and records every tag, in the order written
--   (ikiwiki returns after the first, taken in Perl's hash order).
-- * Tags differing only in case share one tag page, the first made (ikiwiki
--   on a case-sensitive file system makes one for each).

weft.option{ name = "tagbase", type = "string",
             help = "parent page tags are located under" }
-- "any": unset means "yes when tagbase is set", which a bool cannot say.
weft.option{ name = "tag_autocreate", type = "any",
             help = "autocreate new tag pages? (unset: when tagbase is set)" }
weft.option{ name = "tag_autocreate_commit", type = "bool", default = true,
             help = "commit autocreated tag pages (no effect: weft never commits)" }

-- The configuration holds for a build, and each build has its own Lua
-- states: what is worked out from it alone is worked out once.
local base, base_prefix
local function tagbase()
	if base == nil then
		base = weft.config("tagbase") or false
		base_prefix = base and "/" .. base .. "/"
	end
	return base or nil
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

local function autocreate()
	local v = weft.config("tag_autocreate")
	if v == nil or v == "" then return (tagbase() or "") ~= "" end
	return truth(v)
end

-- tag.pm taglink(): the link a tag makes.
local function taglink(tag)
	if tag:byte(1) ~= 47 and tagbase() then	-- not "/..."
		tag = base_prefix .. tag
		-- (A plain search first: the pattern is tried at every byte.)
		if tag:find("//", 1, true) then tag = tag:gsub("//+", "/") end
	end
	return tag
end

-- The tag a tag link stands for: tagbase removed.
local function tag_of(link)
	if tagbase() then
		if link:sub(1, #base_prefix) == base_prefix then return link:sub(#base_prefix + 1) end
		return link
	end
	return (link:gsub("^%.?/", ""))
end

-- tag.pm tagname(): a tag link as people read it.
local tagnames = {}
local function tagname(link)
	local name = tagnames[link]
	if not name then
		name = weft.pagetitle(tag_of(link), true)
		tagnames[link] = name
	end
	return name
end

-- A tag link as ikiwiki's htmllink takes it: without a trailing "/".
local function target_of(link)
	if link:byte(-1) == 47 then return link:sub(1, -2) end
	return link
end

-- ikiwiki's htmllink(from, dest, link, opts), shown on the page being
-- written (dest): weft.link's, its options (from=, text=) passed on.
local function htmllink(link, o)
	return weft.link(target_of(link), o)
end

-- Calls fn(name, ...) for each tag a directive names: each parameter's
-- key, or the bare word. (No list made: [[!tag]] is on every post.)
local function each_name(args, fn, ...)
	for i = 1, #args do
		local p = args[i]
		local name = p.key or p.value
		if name ~= "page" and name ~= "destpage" and name ~= "preview" then
			fn(name, ...)
		end
	end
end

local function add_tag(name, page)
	page:add_link(taglink(weft.linkpage(name)), "tag")
end

-- Its links are all it does: it shows nothing, so it is not called then.
weft.directive("tag", function(args, page)
	each_name(args, add_tag, page)
end, { scan = true, render = false })

local function add_taglink(name, page, scan, out)
	local text, tag = name:match("^(.*)|(.*)$")
	tag = weft.linkpage(tag or name)
	if scan then
		page:add_link(taglink(tag), "tag")
	else
		out[#out + 1] = htmllink(taglink(tag),
			{ from = page, text = text and weft.pagetitle(text) })
	end
end

weft.directive("taglink", function(args, page, dest, scan)
	local out = {}
	each_name(args, add_taglink, page, scan, out)
	return table.concat(out, " ")
end, { scan = true })

-- The page's tag links, each once, sorted.
local function tag_links(page)
	return page:links_of("tag", true)
end

-- HTML::Entities::encode_entities_numeric, for feed categories.
local function encode_numeric(s)
	if weft.html_safe(s) then return s end
	return (s:gsub("[%z\1-\8\11\12\14-\31\"&'<>\127-\255][\128-\191]*", function(ch)
		local ok, c = pcall(utf8.codepoint, ch)
		return ("&#x%X;"):format(ok and c or ch:byte())
	end))
end

weft.hook("pagetemplate", function(page, dest, vars, template, uses)
	local links = tag_links(page)
	if #links == 0 then return end
	if uses.tags then
		-- The rows made in C: the hook runs for every page.
		local targets, texts = {}, {}
		for i, l in ipairs(links) do
			texts[i], targets[i] = tagname(l), target_of(l)
		end
		weft.link_loop(vars, "tags", "link", targets, { from = page, rel = "tag", texts = texts })
	end
	if uses.categories then
		local rows = {}
		for _, l in ipairs(links) do
			rows[#rows + 1] = { category = encode_numeric(tagname(l)) }
		end
		vars.categories = rows
	end
end, { vars = { "tags", "categories" } })

-- The tag page of a tag link (tag.pm gentag()), or nil when there is one
-- (in any case: made names maps their lowercase forms).
local function missing_tag_page(link, made)
	local name = link:gsub("^%./", ""):gsub("^/+", "")
	if name == "" or made[name:lower()] or weft.page(name) or
	   weft.bestlink("", "/" .. name) then
		return nil
	end
	made[name:lower()] = true
	return name
end

-- Tag pages for the tags used that have none, from autotag.tmpl, dated as
-- the newest page with the tag.
weft.hook("autofiles", function()
	if not autocreate() then return end
	local order, newest = weft.link_targets("tag")
	local template, made = nil, {}
	for _, link in ipairs(order) do
		local name = missing_tag_page(link, made)
		if name then
			template = template or assert(weft.template("autotag"))
			local text = template:fill({ tagname = tagname(link), tag = tag_of(link) })
			weft.add_page(name, text, { ctime = newest[link], mtime = newest[link] })
		end
	end
end)

return {
	tags = function(page)
		local list = {}
		for _, l in ipairs(tag_links(page)) do list[#list + 1] = tagname(l) end
		return list
	end,
	taglink = taglink,
}
