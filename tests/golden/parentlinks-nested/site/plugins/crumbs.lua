-- crumbs: [[!crumbs]] shows weft.parentlinks(page) as Lua has them (the
-- rows as tables, where the parentlinks plugin sets them into its vars).
weft.directive("crumbs", function(_, page)
	local out = {}
	for _, r in ipairs(weft.parentlinks(page)) do
		local flags = {}
		for k in pairs(r) do
			if k:find("^depth_") or k:find("^height_") then flags[#flags + 1] = k end
		end
		table.sort(flags)
		out[#out + 1] = ("%s=%s d%d h%d %s"):format(r.url, tostring(r.page), r.depth, r.height,
			table.concat(flags, ","))
	end
	return "crumbs: " .. table.concat(out, " / ")
end)
