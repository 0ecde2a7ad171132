-- parentlinks: the PARENTLINKS loop of page.tmpl, as ikiwiki's
-- parentlinks.pm: one row per parent of the page, from the top (titled
-- with the wikiname) down to the page's directory, skipping "index"
-- components. Each row has URL (to the parent page, or to the top when the
-- parent has no page), PAGE (its title), DEPTH, HEIGHT, DEPTH_<n> and
-- HEIGHT_<n>; HAS_PARENTLINKS tells whether there is any row.
-- Difference from ikiwiki: only page.tmpl gets them (ikiwiki fills any
-- template that shows PARENTLINKS, inlined items included).

-- The rows of parentlinks.pm's parentlinks() for page.
local function rows(page)
	local parts = {}
	for part in page.name:gmatch("[^/]+") do parts[#parts + 1] = part end
	local out, path, title, i = {}, "", weft.config("wikiname"), 0
	for _, dir in ipairs(parts) do
		if dir ~= "index" then
			local depth, height = i, #parts - i
			-- bestlink of "" is nothing: the first row goes to the top.
			local to = path ~= "" and weft.bestlink(page, path) or nil
			out[#out + 1] = {
				url = weft.url(to or "", page),
				page = title,
				depth = depth,
				height = height,
				["depth_" .. depth] = true,
				["height_" .. height] = true,
			}
			path = path .. "/" .. dir
			title = weft.pagetitle(dir)
			i = i + 1
		end
	end
	return out
end

weft.hook("pagetemplate", function(page, dest, vars, template)
	if page.name ~= dest.name or template.name ~= "page.tmpl" then return end
	local links = rows(page)
	-- Set even when empty: it replaces whatever was there.
	vars.parentlinks = links
	vars.has_parentlinks = #links > 0
end, { vars = { "parentlinks", "has_parentlinks" } })
