-- version: [[!version]] shows the version of the wiki compiler that built
-- the page, as ikiwiki's version plugin does: weft's.

weft.directive("version", function()
	return weft.version
end)
