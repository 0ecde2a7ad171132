-- inline: ikiwiki's [[!inline]] directive. Lists of pages (blogs, archives,
-- tag pages), their RSS 2.0 and Atom feeds, the feed buttons, and the
-- FEEDLINKS <link> tags of the page that holds them. The comments plugin
-- lists a page's comments with it, through weft.plugin("inline").render.
--
-- As in ikiwiki, the directive returns a placeholder and the format hook
-- puts the list in the finished page, so Markdown never sees its HTML. An
-- inline inside an inlined page (nested) makes no feed, as in ikiwiki.
--
-- Differences from ikiwiki:
--  * No CGI: postform, rootpage, postformtext and actions' edit links show
--    nothing (ikiwiki shows them only with a cgiurl); trail=yes is ignored.
--  * URLs in feeds are absolute under `url` without ikiwiki's doubled slash
--    ("http://x//posts/"), and an item's <comments> link is absolute too.
--  * A feed's date is its newest item's modification date as the items show
--    it (meta updated, else mtime); ikiwiki takes the mtime only, so a feed
--    could claim to be older than one of its entries.
--  * A feed's title (title="...", the page's or the wiki's name) and the
--    feed descriptions in attributes have a bare "&", "<" or '"' escaped,
--    so the feed stays well-formed XML and the page valid HTML ("Tom & Jerry"
--    as a wikiname broke ikiwiki's feeds); entities already written stay.
--  * A nested inline's HTML is put in place when its page is inlined
--    (ikiwiki returns it raw into the inlined page's Markdown, which
--    Markdown.pl leaves alone but CommonMark breaks at its blank lines).
--  * Enclosures have length 0: weft does not give plugins a file's size.

weft.option{ name = "rss", type = "bool", default = false,
	     help = "inline: RSS feeds for every inline unless it says rss=no" }
weft.option{ name = "atom", type = "bool", default = false,
	     help = "inline: Atom feeds for every inline unless it says atom=no" }
weft.option{ name = "allowrss", type = "bool", default = false,
	     help = "inline: an inline may ask for an RSS feed with rss=yes" }
weft.option{ name = "allowatom", type = "bool", default = false,
	     help = "inline: an inline may ask for an Atom feed with atom=yes" }

-- Per worker state (each worker has its own Lua state, and a page is
-- rendered, from its filter hook to its format hook, in one worker). All
-- tables are keyed by the name of the page being written, and reset when
-- its format hook consumes them.
local nested = 0	-- > 0 while an item's content is being rendered
local placeholders = {}	-- dest -> array of the HTML of its inlines
local feedlinks = {}	-- dest -> its <link rel="alternate"> tags
local feednums = {}	-- dest -> {known = {id -> suffix}, count = {base -> n}}
-- The items' contents rendered for the page being written, by page: its
-- inlines, their feeds and the inlines nested in their items share them
-- (a sitemap's feed holds each post, and each month's archive holding it
-- again). Only the last page's: a worker writes one page at a time.
local contents = { dest = nil, by_page = {} }

local function reset(dest)
	placeholders[dest], feedlinks[dest], feednums[dest] = nil, nil, nil
	if contents.dest == dest then
		contents.dest, contents.by_page = nil, {}
	end
end

-- ikiwiki's yesno().
local function yesno(v)
	return v ~= nil and (v:lower() == "yes" or v == "1")
end

-- A parameter as Perl reads it as a number: its leading integer, else 0.
local function number(v)
	return tonumber(v and v:match("^%s*([-+]?%d+)")) or 0
end

-- The parameters as ikiwiki's %params: a repeated key keeps its last value.
local function params_of(args)
	local p = {}
	for _, a in ipairs(args) do
		if a.key then
			p[a.key] = a.value
		else
			p[a.value] = ""
		end
	end
	return p
end

-- A string as text in XML or an attribute: "<", ">", '"' and any "&" that
-- does not begin an entity escaped, so text written already escaped stays.
local function xml_text(s)
	if weft.html_safe(s) then return s end
	s = s:gsub("&([^&]*)", function(rest)
		if rest:match("^#%d+;") or rest:match("^#[xX]%x+;") or rest:match("^%a%w*;") then
			return "&" .. rest
		end
		return "&amp;" .. rest
	end)
	return (s:gsub("[<>\"]", { ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

-- HTML::Entities::encode_numeric: what is not printable ASCII, and
-- & < > " ', as &#xHEX; (as ikiwiki writes guids).
local function encode_numeric(s)
	if weft.html_safe(s) then return s end
	local ok, out = pcall(function()
		local t = {}
		for _, c in utf8.codes(s) do
			if c == 9 or c == 10 or c == 13 or (c >= 32 and c <= 126 and
			    c ~= 34 and c ~= 38 and c ~= 39 and c ~= 60 and c ~= 62) then
				t[#t + 1] = string.char(c)
			else
				t[#t + 1] = ("&#x%X;"):format(c)
			end
		end
		return table.concat(t)
	end)
	return ok and out or weft.escape_html(s)
end

local function escape_pattern(s)
	return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

-- ikiwiki's targetpage(page, "", feedfile): where a page's feeds go, less
-- their extension.
local function feedbase(name, feedfile)
	if feedfile then
		return name .. "/" .. feedfile .. "."
	elseif not weft.config("usedirs") or name == "index" then
		return name .. "."
	end
	return name .. "/index."
end

-- ikiwiki's abs2rel(path, dirname(htmlpage(dest))): a feed's URL from the
-- page that shows its button ("index.rss", "../posts/index.rss").
local function relative(path, dest)
	local from, to = {}, {}
	for seg in (weft.dirname(dest.dest or "")):gmatch("[^/]+") do from[#from + 1] = seg end
	for seg in path:gmatch("[^/]+") do to[#to + 1] = seg end
	local i = 1
	while i <= #from and i < #to and from[i] == to[i] do i = i + 1 end
	local out = {}
	for _ = i, #from do out[#out + 1] = ".." end
	for j = i, #to do out[#out + 1] = to[j] end
	return table.concat(out, "/")
end

-- The suffix of a feed's files on dest: "" for the first feed with a base,
-- "2", "3"... for other feeds there (index.rss2), the same one again for
-- an inline with the same parameters (ikiwiki's %knownfeeds).
local function feednum(dest, base, params, page)
	local st = feednums[dest]
	if not st then
		st = { known = {}, count = {} }
		feednums[dest] = st
	end
	local keys = {}
	for k in pairs(params) do keys[#keys + 1] = k end
	table.sort(keys)
	local id = { base, page }
	for _, k in ipairs(keys) do id[#id + 1] = k .. "\0" .. params[k] end
	id = table.concat(id, "\0")
	if not st.known[id] then
		local n = st.count[base]
		st.count[base] = (n or 0) + 1
		st.known[id] = n and tostring(n + 1) or ""
	end
	return st.known[id]
end

-- The HTML of dest's inlines put in place of their placeholders.
local function fill_placeholders(html, dest)
	local list = placeholders[dest]
	if not list then
		return html
	end
	-- Found by plain search: a pattern is tried at every byte, and the
	-- page of a tag with hundreds of pages is long.
	local out, at = {}, 1
	while true do
		local s, e = html:find('<div class="inline" id="', at, true)
		if not s then break end
		local n, after = html:match('^(%d+)"></div>()', e + 1)
		local piece = n and list[tonumber(n)]
		if piece then
			out[#out + 1] = html:sub(at, s - 1)
			out[#out + 1] = piece
			at = after
		else
			out[#out + 1] = html:sub(at, s)
			at = s + 1
		end
	end
	if at == 1 then return html end
	out[#out + 1] = html:sub(at)
	return table.concat(out)
end

-- An item's content, rendered once for the page being written. While it
-- renders, inlines in it are nested: their placeholders are filled here,
-- so the feeds get their HTML too.
local function content_of(p, dest)
	if contents.dest ~= dest.name then
		contents.dest, contents.by_page = dest.name, {}
	end
	local cache = contents.by_page
	local c = cache[p.name]
	if c == nil then
		nested = nested + 1
		local ok, res = pcall(weft.content, p)
		nested = nested - 1
		if not ok then
			error(res, 0)
		end
		c = fill_placeholders(res, dest.name)
		cache[p.name] = c
	end
	return c
end

-- The pages an inline lists, in order: pagenames as written, or the
-- PageSpec sorted, without the page itself. num > 0 keeps that many.
local function select_pages(params, page, deptype, num)
	if params.pagenames then
		for _, k in ipairs{ "sort", "pages" } do
			if params[k] then
				error(("the pagenames and %s parameters cannot be used together"):format(k), 0)
			end
		end
		local names = {}
		for n in params.pagenames:gmatch("%S+") do names[#names + 1] = n end
		if yesno(params.reverse) then
			for i = 1, #names // 2 do
				names[i], names[#names + 1 - i] = names[#names + 1 - i], names[i]
			end
		end
		local list = {}
		for _, n in ipairs(names) do
			weft.depends(n, deptype)
			local p = weft.page(n)
			if p then list[#list + 1] = p end
		end
		return list
	end
	local found = weft.pages(params.pages, {
		sort = params.sort or "age title", reverse = yesno(params.reverse),
		num = num > 0 and num + 1 or nil, deptype = deptype, location = page,
	})
	local list = {}
	for _, p in ipairs(found) do
		if p.name ~= page.name and (num <= 0 or #list < num) then
			list[#list + 1] = p
		end
	end
	return list
end

local function slice(list, from, to)
	local out = {}
	for i = from, math.min(to, #list) do out[#out + 1] = list[i] end
	return out
end

-- Media types of enclosures, by extension (ikiwiki asks File::MimeInfo).
local mimetypes = {
	mp3 = "audio/mpeg", ogg = "audio/ogg", oga = "audio/ogg", opus = "audio/ogg",
	m4a = "audio/mp4", flac = "audio/flac", wav = "audio/x-wav",
	mp4 = "video/mp4", m4v = "video/mp4", webm = "video/webm", ogv = "video/ogg",
	pdf = "application/pdf", epub = "application/epub+zip", zip = "application/zip",
	png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg", gif = "image/gif",
	svg = "image/svg+xml", webp = "image/webp", txt = "text/plain",
}

local function enclosure(vars, url, name)
	local ext = name and name:match("%.([%w]+)$")
	vars.enclosure = url
	vars.type = ext and mimetypes[ext:lower()] or "unknown"
	vars.length = "0"
end

-- A feed item's date fields; returns its modification time.
local function item_dates(vars, p, meta)
	local mtime = p.mtime
	local updated = meta.updated
	if type(updated) == "string" then
		updated = tonumber(updated) or weft.parse_date(updated)
	end
	if type(updated) == "number" then
		mtime = math.floor(updated)
	end
	vars.cdate_822, vars.cdate_3339 = weft.date822(p.ctime), weft.date3339(p.ctime)
	vars.mdate_822, vars.mdate_3339 = weft.date822(mtime), weft.date3339(mtime)
	return mtime
end

-- ikiwiki's urlto(p, "", 1): the absolute URL of a page, also of one that
-- is not written (an internal page: a comment), where it would be.
local function absurl(p)
	if p.url then
		return weft.absurl(p)
	end
	local htmlext = weft.config("htmlext") or "html"
	if weft.config("usedirs") then
		return weft.absurl(p.name .. "/")
	end
	return weft.absurl(p.name .. "." .. htmlext)
end

-- ikiwiki's genfeed: the text of the kind ("rss" or "atom") feed of page.
local function genfeed(kind, f, page, dest, list)
	local itemt = assert(weft.template(kind .. "item"))
	local url = absurl(page)
	local items, lasttime = {}, 0
	for _, p in ipairs(list) do
		local u = absurl(p)
		local meta = p:state("meta") or {}
		local vars = { title = weft.pagetitle(weft.basename(p.name)), url = u, permalink = u }
		local mtime = item_dates(vars, p, meta)
		if meta.guid then
			vars.guid = encode_numeric(tostring(meta.guid))
		end
		if meta.enclosure then
			local e = tostring(meta.enclosure)
			if not e:match("^%a[%w+.-]*:") then e = weft.absurl(e) end
			enclosure(vars, e, meta.enclosurefile or e)
		elseif p.kind == "file" then
			enclosure(vars, u, p.name)
			vars.simplepodcast = true
		end
		if p.kind ~= "file" then
			vars.content = weft.absolute_urls(content_of(p, dest), url)
		end
		-- CATEGORIES come from the tag plugin's pagetemplate hook, as
		-- in ikiwiki (inline.pm sets none).
		items[#items + 1] = itemt:fill(vars, p, dest)
		if mtime > lasttime then lasttime = mtime end
	end
	return assert(weft.template(kind .. "page")):fill({
		wants_absolute_urls = true, title = f.title, wikiname = xml_text(weft.config("wikiname")),
		pageurl = url, content = table.concat(items), feeddesc = f.desc, guid = f.guid,
		feeddate = weft.date3339(lasttime), feeddate_822 = weft.date822(lasttime),
		feedurl = f.url,
	}, page, dest)
end

-- What every item of a list shows besides its own page, worked out once
-- for the list (a tag page lists hundreds): the dates only when the
-- template t shows them (an archive shows no mtime), and the name of the
-- discussion page when the items show actions.
local function list_shows(t, params)
	local s = {
		ctime = t:uses("ctime"), mtime = t:uses("mtime"),
		timeformat = params.timeformat, html5 = weft.config("html5"),
	}
	if yesno(params.actions) and weft.config("discussion") then
		s.discussion = weft.config("discussionpage") or "Discussion"
	end
	return s
end

-- What a listed page shows beyond the variables t:fill_items sets: its
-- content, the link to its discussion page.
local function more_vars(s, p, content)
	local vars = { content = content }
	local dp = s.discussion
	if dp then
		local name = p.name
		local disc = name .. "/" .. dp:lower()
		if not name:lower():match("/" .. escape_pattern(dp:lower()) .. "$") and weft.page(disc) then
			vars.have_actions = true
			vars.discussionlink = weft.link("/" .. disc, { text = dp, from = p })
		end
	end
	return vars
end

-- The listed pages, filled in the item template, or their source when raw.
local function items_html(o, list, page, dest)
	local out = {}
	if o.raw then
		for _, p in ipairs(list) do
			if p.kind ~= "file" then
				out[#out + 1] = "\n" .. weft.preprocess(p:text() or "", { page = p })
			else
				out[#out + 1] = "\n" .. (p:text() or "")
			end
		end
		return out
	end
	local t, err = weft.template(o.template)
	if not t then
		error(("failed to process template %s.tmpl: %s"):format(o.template, err), 0)
	end
	local needcontent = not (o.archive and o.quick) and t:uses("content")
	local shows = list_shows(t, o.params)
	-- The items are filled in C; an archive's need no table each.
	if needcontent or shows.discussion then
		local more = {}
		for i, p in ipairs(list) do
			more[i] = more_vars(shows, p, needcontent and content_of(p, dest) or nil)
		end
		shows.vars = more
	end
	out[1] = t:fill_items(list, dest, shows)
	return out
end

-- The feed buttons (ikiwiki's feedlink.tmpl).
local function buttons(f, params)
	local vars = { id = params.id }
	if f.rss then vars.rssurl, vars.rssdesc = f.rssurl, xml_text(f.desc .. " (RSS feed)") end
	if f.atom then vars.atomurl, vars.atomdesc = f.atomurl, xml_text(f.desc .. " (Atom feed)") end
	return assert(weft.template("feedlink")):fill(vars)
end

-- Writes the feeds and adds their <link> tags to dest's FEEDLINKS.
local function write_feeds(f, page, dest, list)
	for _, kind in ipairs{ "rss", "atom" } do
		if f[kind] then
			local path = f.base .. kind .. f.num
			f.url = weft.absurl(path)
			weft.write(path, genfeed(kind, f, page, dest, list))
			feedlinks[dest.name] = (feedlinks[dest.name] or "") ..
				('<link rel="alternate" type="application/%s+xml" title="%s" href="%s" />'):format(
					kind, xml_text(f.desc .. (kind == "rss" and " (RSS feed)" or " (Atom feed)")),
					f[kind .. "url"])
		end
	end
end

-- The options of an inline from its parameters, as preprocess_inline
-- reads them.
local function options(params, page)
	local o = { params = params }
	o.raw, o.archive = yesno(params.raw), yesno(params.archive)
	o.quick = yesno(params.quick)
	local rss, atom = weft.config("rss"), weft.config("atom")
	o.rss = rss
	if (rss or weft.config("allowrss")) and params.rss then o.rss = yesno(params.rss) end
	o.atom = atom
	if (atom or weft.config("allowatom")) and params.atom then o.atom = yesno(params.atom) end
	if params.feeds then
		o.feeds = yesno(params.feeds)
	else
		o.feeds = not o.quick and not o.raw
	end
	o.emptyfeeds = params.emptyfeeds == nil or yesno(params.emptyfeeds)
	o.feedonly = yesno(params.feedonly)
	local limit, feedlimit = params.limit, params.feedlimit
	if params.show and params.show:match("^%-?%d+$") then limit = params.show end
	if params.feedshow and params.feedshow:match("^%d+$") then feedlimit = params.feedshow end
	if limit == nil and not o.archive then limit = "10" end
	if feedlimit == nil then feedlimit = limit end
	o.limit, o.feedlimit, o.skip = number(limit), number(feedlimit), number(params.skip)
	o.template = params.template and params.template:gsub("[^%-_a-zA-Z0-9]+", "") or
		(o.archive and "archivepage" or "inlinepage")
	return o
end

-- How many pages to ask for: the list's and the feed's, after skip.
local function wanted(o)
	local num = o.limit
	if o.feedlimit > 0 and num > 0 and num < o.feedlimit then num = o.feedlimit end
	if o.skip > 0 and num > 0 then num = num + o.skip end
	return num
end

-- The feed's names and texts, or nil when the inline makes none.
local function feed_of(o, params, page, dest)
	local wikiname = weft.config("wikiname")
	local f = { rss = o.rss, atom = o.atom, guid = params.guid,
		    desc = params.description or wikiname }
	f.title = xml_text(params.title or
		(page.name ~= "index" and weft.pagetitle(page.name) or wikiname))
	local feedfile = weft.config("usedirs") and params.feedfile or nil
	if feedfile and (feedfile:find("/", 1, true) or feedfile == "" or
			 feedfile:find("[^%w%-%+/%.:_\128-\255]")) then
		error("illegal feedfile", 0)
	end
	f.base = feedbase(page.name, feedfile)
	f.num = feednum(dest.name, f.base, params, page.name)
	f.rssurl = relative(f.base .. "rss" .. f.num, dest)
	f.atomurl = relative(f.base .. "atom" .. f.num, dest)
	return f
end

-- ikiwiki's preprocess_inline for params on page, shown on dest: the HTML
-- of the list (with its feed buttons). Writes the feeds.
local function render(params, page, dest)
	if not params.pages and not params.pagenames then
		error("missing pages parameter", 0)
	end
	local o = options(params, page)
	local nest = nested > 0 or page.name ~= dest.name
	if nest then o.feeds = false end
	-- What the list shows decides what about its pages matters: an archive
	-- shows titles and dates (metadata), a full inline their content. A
	-- feed's items show their content whatever the list shows.
	local deptype = o.quick and "presence" or
		(o.archive and not params.template) and "meta" or "content"
	local list = select_pages(params, page, deptype, params.pagenames and 0 or wanted(o))
	if o.skip > 0 then list = slice(list, o.skip + 1, #list) end
	local feedlist = {}
	if o.feeds then
		feedlist = o.feedlimit > 0 and slice(list, 1, o.feedlimit) or slice(list, 1, #list)
	end
	if o.limit > 0 then list = slice(list, 1, o.limit) end
	if deptype ~= "content" then
		for _, p in ipairs(feedlist) do weft.depends(p.name, "content") end
	end
	if o.feeds and params.feedpages then
		local spec = params.pages and ("(" .. params.pages .. ") and (" .. params.feedpages .. ")")
			or params.feedpages
		weft.depends(spec, deptype)
		local kept = {}
		for _, p in ipairs(feedlist) do
			if weft.match(p, spec, { location = page }) then kept[#kept + 1] = p end
		end
		feedlist = kept
	end
	local f = o.feeds and feed_of(o, params, page, dest) or nil
	local makefeeds = f and (o.emptyfeeds or #feedlist > 0)
	local out = {}
	if makefeeds then
		out[1] = buttons(f, params)
	end
	if not o.feedonly then
		for _, h in ipairs(items_html(o, list, page, dest)) do out[#out + 1] = h end
	end
	if makefeeds then
		write_feeds(f, page, dest, feedlist)
	end
	return table.concat(out), o.raw
end

weft.directive("inline", function(args, page, dest)
	local html, raw = render(params_of(args), page, dest)
	if raw then
		return html
	end
	local list = placeholders[dest.name] or {}
	placeholders[dest.name] = list
	list[#list + 1] = html
	return ('<div class="inline" id="%d"></div>\n\n'):format(#list)
end)

-- The start of a page's rendering: what an earlier, interrupted one left
-- must not number its feeds or fill its placeholders.
weft.hook("filter", function(page, dest)
	if nested == 0 and page.name == dest.name then
		reset(dest.name)
	end
end, { contains = "[[!inline" })

weft.hook("pagetemplate", function(page, dest, vars, t, uses)
	local links = feedlinks[dest.name]
	if links and page.name == dest.name and uses.feedlinks then
		vars.feedlinks = links
	end
end, { vars = { "feedlinks" } })

weft.hook("format", function(page, html)
	if not placeholders[page.name] then
		reset(page.name)
		return nil
	end
	html = fill_placeholders(html, page.name)
	reset(page.name)
	return html
end, { contains = '<div class="inline"' })

return {
	-- render(params, page, dest) -> html: an inline with ikiwiki's
	-- parameters (strings), its HTML returned directly.
	render = function(params, page, dest)
		return (render(params, page, dest))
	end,
	-- feedlinks(dest) -> the <link> tags of dest's feeds so far, or nil.
	feedlinks = function(dest)
		return feedlinks[dest.name or dest]
	end,
	yesno = yesno,
}
