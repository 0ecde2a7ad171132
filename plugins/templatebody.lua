-- templatebody: [[!templatebody <<ENDBODY ... ENDBODY]] marks the part of
-- a template page (templates/NAME) that [[!template id=NAME]] uses; the
-- rest of the page documents the template. Where it stands, the directive
-- shows nothing, as in ikiwiki.
--
-- Difference from ikiwiki: ikiwiki's plugin records the body while the
-- template page is scanned and hands it over in a readtemplate hook; weft
-- has no such hook, so the template plugin finds the directive in the
-- page's text itself (the result is the same).

-- As ikiwiki: the content is the first parameter, written bare.
weft.directive("templatebody", function(args)
	local first = args[1]
	if not first or (first.key ~= nil and first.value ~= "") then
		error("first parameter must be the content", 0)
	end
	return ""
end)
