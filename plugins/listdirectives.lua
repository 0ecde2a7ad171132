-- listdirectives: [[!listdirectives]] lists the directives the site can
-- use, each linking to its page under directive_description_dir
-- (ikiwiki/directive/NAME), as ikiwiki's listdirectives plugin does.
-- ikiwiki's "generated" parameter adds the directives of plugins not
-- enabled; weft knows only those loaded, so it lists the same.

weft.option{ name = "directive_description_dir", type = "string", default = "ikiwiki/directive",
	     help = "listdirectives: where the pages describing directives are" }

weft.directive("listdirectives", function(_, page)
	local dir = (weft.config("directive_description_dir") or "ikiwiki/directive"):gsub("/+$", "")
	local out = { '<ul class="listdirectives">' }
	for _, name in ipairs(weft.directives()) do
		weft.depends(weft.linkpage(dir .. "/" .. name), "presence")
		out[#out + 1] = '<li class="listdirectives">' ..
			weft.link("/" .. dir .. "/" .. name, { from = page }) .. "</li>"
	end
	out[#out + 1] = "</ul>"
	return table.concat(out)
end)
