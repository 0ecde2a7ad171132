-- conditional: [[!if test="PAGESPEC" then="..." else="..." all=yes|no]]
-- shows then= when the test holds and else= (or nothing) when it does
-- not, expanding the directives in the text chosen, as ikiwiki's
-- conditional plugin.
--
-- A test made only of enabled(), sourcepage(), destpage(), included(),
-- "and", "or", "!" and parentheses, or any test with all=no, is matched
-- against the page itself (the one holding the directive, shown on the
-- page being written); any other test holds when some page of the site
-- matches it. enabled(), sourcepage(), destpage() and included() are
-- PageSpec functions of weft's core.
--
-- As in ikiwiki, "if" does not run in the scan pass (PageSpecs cannot be
-- matched before every page is scanned). weft's core scans the parameters
-- of every directive, though, so a link or a [[!tag]] in then= or else=
-- counts whichever branch is shown. ikiwiki counts such links too (it
-- finds links in the raw source), but a tag only when its branch is shown
-- (tag.pm adds it again as the page renders).

local function yesno(v)
	return v ~= nil and (v:lower() == "yes" or v == "1")
end

-- The functions conditional.pm matches on the page alone.
local SIMPLE = { "enabled%([^)]*%)", "sourcepage%([^)]*%)", "destpage%([^)]*%)",
		 "included%([^)]*%)", "and", "or" }

-- Whether test matches conditional.pm's regex
-- ^([\s!()]*((enabled|sourcepage|destpage|included)\([^)]*\)|(and|or))[\s!()]*)+$
local function simple(test)
	local i, n = 1, 0
	while i <= #test do
		i = test:match("^[%s!()]*()", i)
		if i > #test then break end
		local e
		for _, pat in ipairs(SIMPLE) do
			e = test:match("^" .. pat .. "()", i)
			if e then break end
		end
		if not e then return false end
		i, n = e, n + 1
	end
	return n > 0
end

weft.directive("if", function(args, page)
	for _, k in ipairs{ "test", "then" } do
		if args[k] == nil then error(("%s parameter is required"):format(k), 0) end
	end
	local result
	if (args.all ~= nil and not yesno(args.all)) or simple(args.test) then
		result = weft.match(page, args.test, { location = page })
	else
		result = #weft.pages(args.test, { num = 1 }) > 0
	end
	local text = args["else"] or ""
	if result then text = args["then"] end
	return weft.preprocess(text)
end)
