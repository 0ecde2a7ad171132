-- testpagespec: [[!testpagespec pagespec="..." match="page"]] says whether
-- the page matches the PageSpec, as ikiwiki's testpagespec plugin does
-- ("match: ..." or "no match: ..."). ikiwiki adds the reason its matcher
-- gives; weft names the page and the spec instead.

weft.directive("testpagespec", function(args, page)
	for _, k in ipairs{ "match", "pagespec" } do
		if args[k] == nil then
			error(("%s parameter is required"):format(k), 0)
		end
	end
	weft.depends(args.pagespec)
	local target = weft.page(args.match) or args.match
	local ok = weft.match(target, args.pagespec, { location = page })
	return ("%s: %s %s %s"):format(ok and "match" or "no match", weft.escape_html(args.match),
		ok and "matches" or "does not match", weft.escape_html(args.pagespec))
end)
