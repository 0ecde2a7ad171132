-- progress: [[!progress percent=N]], or [[!progress totalpages="spec"
-- donepages="spec"]] (the share of the first set that matches the
-- second), a progress bar as ikiwiki's progress.pm:
-- <div class="progress"><div class="progress-done" style="width: N%">N%</div></div>
-- Errors are raised at level 0, so the page shows them as ikiwiki does,
-- without the plugin's file and line.
-- Difference: no format hook putting back a style attribute that an HTML
-- scrubber removed, since weft has no scrubber.

-- The fill of percent=, "N%", as progress.pm: the first run of digits
-- (with its "%") anywhere in the value, from 0 to 100.
local function percent_fill(value)
	local fill = value:match("[0-9]+%%?")
	fill = fill and fill:gsub("%%$", "")
	if not fill or fill == "" or tonumber(fill) > 100 then
		error(("illegal percent value %s"):format(value), 0)
	end
	return fill .. "%"
end

-- The fill of totalpages= and donepages=, truncated like Perl's %u. Only
-- which pages match matters, so the dependency is on presence.
local function pages_fill(total, done)
	local totalcount = #weft.pages(total, { deptype = "presence" })
	local donecount = #weft.pages(done, { deptype = "presence" })
	if totalcount == 0 then return "100%" end
	return ("%d%%"):format(math.floor(donecount / totalcount * 100))
end

weft.directive("progress", function(args)
	local fill
	if args.percent ~= nil then
		fill = percent_fill(args.percent)
	elseif args.totalpages ~= nil and args.donepages ~= nil then
		fill = pages_fill(args.totalpages, args.donepages)
	else
		error("need either `percent` or `totalpages` and `donepages` parameters", 0)
	end
	return ('<div class="progress">\n' ..
		'  <div class="progress-done" style="width: %s">%s</div>\n' ..
		'</div>\n'):format(fill, fill)
end)

-- The bar's width, which the htmlscrubber takes away with the style
-- attribute, put back once the page is whole (progress.pm's format hook).
weft.hook("format", function(_, html)
	return (html:gsub('<div class="progress%-done">(%d+%%)</div>',
		'<div class="progress-done" style="width: %1">%1</div>'))
end, { contains = '<div class="progress-done">' })
