-- parentlinks: the PARENTLINKS loop of page.tmpl, as ikiwiki's
-- parentlinks.pm: one row per parent of the page, from the top (titled
-- with the wikiname) down to the page's directory, skipping "index"
-- components. Each row has URL (to the parent page, or to the top when the
-- parent has no page), PAGE (its title), DEPTH, HEIGHT, DEPTH_<n> and
-- HEIGHT_<n>; HAS_PARENTLINKS tells whether there is any row.
-- Difference from ikiwiki: only page.tmpl gets them (ikiwiki fills any
-- template that shows PARENTLINKS, inlined items included).

-- The keys of the DEPTH_<n> and HEIGHT_<n> flags, each made once.
local function flag_key(cache, prefix, n)
	local k = cache[n]
	if not k then
		k = prefix .. n
		cache[n] = k
	end
	return k
end
local DEPTH, HEIGHT = {}, {}

-- The rows of parentlinks.pm's parentlinks() for page. Run for every
-- page: the name is split by find, not gmatch (a closure and a pattern
-- state each page), and the flag keys are not made again.
local function rows(page)
	local name, parts, from = page.name, {}, 1
	repeat
		local slash = name:find("/", from, true)
		local part = name:sub(from, (slash or 0) - 1)
		if part ~= "" then parts[#parts + 1] = part end
		from = slash and slash + 1
	until not from
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
				[flag_key(DEPTH, "depth_", depth)] = true,
				[flag_key(HEIGHT, "height_", height)] = true,
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
