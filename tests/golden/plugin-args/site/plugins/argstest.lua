-- argstest: [[!argstest ...]] shows its parameters as a plugin gets them:
-- in order, each {key=, value=} (a bare value has no key), then by key
-- (the first of each key; a bare value is a key of its own, with "").

local function show(s)
	return s == nil and "nil" or ("%q"):format(s)
end

weft.directive("argstest", function(args, _, _, scan)
	if scan then return "" end
	local out = { "count " .. #args }
	for i, a in ipairs(args) do
		out[#out + 1] = ("%d: key=%s value=%s"):format(i, show(a.key), show(a.value))
	end
	for _, k in ipairs{ "a", "b", "bare", "long", "missing" } do
		out[#out + 1] = ("args.%s = %s"):format(k, show(args[k]))
	end
	return table.concat(out, "\n\n")
end)

-- [[!scanonly word]] only scans (render = false): it keeps its word in
-- the page's state and is never called to render, where it would fail;
-- [[!scanned]] shows what it kept.
weft.directive("scanonly", function(args, page, _, scan)
	if not scan then error("scanonly was called to render") end
	page:set("argstest", "word", args[1] and args[1].value or "")
	return "scan output is ignored"
end, { scan = true, render = false })

weft.directive("scanned", function(_, page)
	return "scanned: " .. tostring(page:state("argstest", "word"))
end)

-- [[!settled]] settles in its scan (settle = true): what the scan returns
-- is what it shows where it stands in a page's text, on the page and
-- wherever the page is inlined, and the render pass does not call it
-- there. The render calls it where the scan left it unsettled (keep=no),
-- where no scan saw it (in what another directive made), and anywhere on
-- a page after [[!unsettle]] there.
weft.directive("settled", function(args, page, dest, scan)
	if scan then
		if args.keep == "no" then return nil end
		return "settled by the scan of " .. page.name .. " (see [[inlined]])"
	end
	return "rendered on " .. dest.name .. " for " .. page.name
end, { scan = true, settle = true })

weft.directive("unsettle", function()
	weft.unsettle()
	return ""
end)
