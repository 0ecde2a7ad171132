-- autoindex: a directory of the site that holds pages or files but has no
-- page of its own gets one, made from autoindex.tmpl (a map of what is in
-- it), as ikiwiki's autoindex plugin does.
--
-- Differences from ikiwiki: the index pages are made for the build, never
-- written into the source (autoindex_commit is accepted and changes
-- nothing), so removing the last file of a directory removes its index
-- with it. Directories holding only internal pages (comments) get none, as
-- in ikiwiki; nor do the site's templates/, which weft does not publish.

weft.option{ name = "autoindex_commit", type = "bool", default = true,
	     help = "autoindex: ikiwiki's; weft never writes the index pages into the source" }

weft.hook("autofiles", function()
	local dirs, order, newest = {}, {}, {}
	for _, p in ipairs(weft.pages("*")) do
		local src = p.src
		if src then
			local dir = weft.dirname(src)
			while dir ~= "" and dir ~= "." do
				if not dirs[dir] then
					dirs[dir] = true
					order[#order + 1] = dir
				end
				if not newest[dir] or p.ctime > newest[dir] then newest[dir] = p.ctime end
				dir = weft.dirname(dir)
			end
		end
	end
	table.sort(order)
	local template
	for _, dir in ipairs(order) do
		if not weft.page(dir) then
			template = template or assert(weft.template("autoindex"))
			weft.add_page(dir, template:fill({ page = dir }),
				{ ctime = newest[dir], mtime = newest[dir] })
		end
	end
end)
