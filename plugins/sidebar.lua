-- sidebar: ikiwiki's sidebar plugin (sidebar.pm). Each page shows, in the
-- SIDEBAR variable of page.tmpl, the page "sidebar" that a link from it
-- reaches (a subdirectory may have its own), rendered for that page; with
-- global_sidebars off, only pages holding [[!sidebar]] show it.
-- [[!sidebar content="""..."""]] gives a page a sidebar of its own.
--
-- Difference from ikiwiki: the directive is recorded in the scan pass (page
-- state "sidebar") and its content rendered when the page template is
-- filled, rather than while the page's text renders; the result is the same.

weft.option{ name = "global_sidebars", type = "bool", default = true,
             help = "show sidebar page on all pages?" }

weft.directive("sidebar", function(args, page, dest, scan)
	-- Only the page's own directive counts, not one in an inlined page.
	if scan and page == dest then
		page:set("sidebar", "set", true)
		page:set("sidebar", "content", args.content)
	end
	return ""
end, { scan = true })

-- The page's own sidebar, rendered as part of it.
local function own_sidebar(page, content)
	return weft.htmlize(weft.preprocess(content, { page = page }), page.type)
end

-- The sidebar page for page, rendered for it, or nil.
local function global_sidebar(page)
	local sidebar = weft.bestlink(page, "sidebar")
	if not sidebar or sidebar.kind ~= "page" then return nil end
	weft.depends(sidebar.name)
	if (sidebar:text() or "") == "" then return nil end
	return weft.content(sidebar)
end

local function sidebar_of(page)
	local state = page:state("sidebar") or {}
	if state.content then return own_sidebar(page, state.content) end
	if not state.set and not weft.config("global_sidebars") then return nil end
	return global_sidebar(page)
end

weft.hook("pagetemplate", function(page, dest, vars, template, uses)
	if page ~= dest or not uses.sidebar then return end
	local html = sidebar_of(page)
	if html and html ~= "" then vars.sidebar = html end
end, { vars = { "sidebar" } })
