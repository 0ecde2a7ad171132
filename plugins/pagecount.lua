-- pagecount: [[!pagecount pages=...]] shows how many pages match (default:
-- all), as ikiwiki's pagecount.pm. It depends on the pages' presence only:
-- the number changes when pages come or go, not when they are edited.

weft.directive("pagecount", function(args)
	return tostring(#weft.pages(args.pages or "*", { deptype = "presence" }))
end)
