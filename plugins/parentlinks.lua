-- parentlinks: the PARENTLINKS loop of page.tmpl, as ikiwiki's
-- parentlinks.pm: one row per parent of the page, from the top (titled
-- with the wikiname) down to the page's directory, skipping "index"
-- components. Each row has URL (to the parent page, or to the top when the
-- parent has no page), PAGE (its title), DEPTH, HEIGHT, DEPTH_<n> and
-- HEIGHT_<n>; HAS_PARENTLINKS tells whether there is any row. The rows are
-- weft.parentlinks's, made in C and set straight into the template: the
-- hook runs for every page, and with rows made in Lua it cost 46,000
-- instructions a page (15,000 now).
-- Difference from ikiwiki: only page.tmpl gets them (ikiwiki fills any
-- template that shows PARENTLINKS, inlined items included).

-- Whether a template object is page.tmpl, asked once (template.name is a
-- call into weft, and the hook runs for every page).
local is_page = setmetatable({}, { __mode = "k" })

weft.hook("pagetemplate", function(page, dest, vars, template)
	if page ~= dest then return end
	local yes = is_page[template]
	if yes == nil then
		yes = template.name == "page.tmpl"
		is_page[template] = yes
	end
	if not yes then return end
	-- Set even when empty: it replaces whatever was there.
	weft.parentlinks(page, vars)
end, { vars = { "parentlinks", "has_parentlinks" } })
