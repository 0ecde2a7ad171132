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
