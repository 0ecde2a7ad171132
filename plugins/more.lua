-- more: [[!more linktext="..." text="..." pages="..."]] hides text from
-- the pages that inline this one, as ikiwiki's more plugin: where the page
-- is inlined (and, with pages=, the inlining page matches it), a link to
-- the rest of the page (PAGE#more) shows instead; on the page itself, an
-- anchor named "more" and the text (its directives expanded).

weft.directive("more", function(args, page, dest)
	local linktext = args.linktext or "more"
	if page ~= dest and (args.pages == nil or
			     weft.match(dest, args.pages, { location = page })) then
		return "\n" .. weft.link(page, { text = linktext, anchor = "more" })
	end
	return '<a name="more"></a>\n\n' .. weft.preprocess(args.text or "")
end)
