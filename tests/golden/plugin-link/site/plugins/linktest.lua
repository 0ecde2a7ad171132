-- linktest: [[!linktest]] shows what weft.link makes of each of its
-- options, one per line, so a change in how they are read shows in the
-- golden output.

weft.directive("linktest", function(_, page, dest, scan)
	if scan then return "" end
	local lines = {
		weft.link("sub/child"),
		weft.link("sub/child", { text = "the child" }),
		weft.link("sub/child", { text = 42 }),
		weft.link("sub/child", { text = 4.5, anchor = "part" }),
		weft.link("sub/child", { rel = "tag", class = "c", title = "t" }),
		weft.link("sibling", { from = weft.page("sub/child") }),
		weft.link("missing"),
		weft.link("missing", { text = "not there" }),
		weft.link(page.name, { text = "me" }),
		weft.link("pic.png"),
		weft.link("pic.png", { noimageinline = true }),
		weft.link(weft.page("sub/child"), { unknown = "ignored" }),
	}
	for i = 1, #lines do lines[i] = i .. ": " .. lines[i] end
	return table.concat(lines, "\n\n")
end)
