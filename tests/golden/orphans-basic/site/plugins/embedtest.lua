-- embedtest: [[!embed page]] shows another page's content, as inlining
-- does, for the toc test of an inlined page without the inline plugin.
weft.directive("embed", function(args)
	return "\n" .. weft.content(weft.page(args[1].value)) .. "\n"
end)
