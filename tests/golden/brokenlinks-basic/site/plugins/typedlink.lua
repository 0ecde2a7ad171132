-- typedlink: [[!typedlink target]] gives the page a link of type "tag" to
-- target, as a tag does, for the brokenlinks test without the tag plugin.
weft.directive("typedlink", function(args, page, dest, scan)
	if scan then page:add_link(args[1].value, "tag") end
	return ""
end, { scan = true })
