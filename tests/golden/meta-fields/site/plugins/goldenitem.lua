-- goldenitem: test helpers for the golden cases of meta and tag.
-- [[!item page=NAME]] fills a small template for page NAME as an inlined
-- item would be (the pagetemplate hooks run with that page and the page
-- being written); [[!listpages pages=SPEC sort=SORT]] lists the names of
-- the matching pages.
local ITEM = "T=<TMPL_VAR TITLE>|TO=<TMPL_VAR TITLE_OVERRIDDEN>|A=<TMPL_VAR AUTHOR>" ..
	"|AU=<TMPL_VAR AUTHORURL>|D=<TMPL_VAR DESCRIPTION>|P=<TMPL_VAR PERMALINK>" ..
	"|L=<TMPL_VAR LICENSE>|C=<TMPL_VAR COPYRIGHT>|E=<TMPL_VAR ENCLOSURE>" ..
	"|M=<TMPL_VAR META>|TAGS=<TMPL_LOOP TAGS><TMPL_VAR LINK> </TMPL_LOOP>" ..
	"|CAT=<TMPL_LOOP CATEGORIES><TMPL_VAR CATEGORY> </TMPL_LOOP>|SB=<TMPL_VAR SIDEBAR>"

weft.directive("item", function(args, page, dest)
	local item = assert(weft.page(args.page), "no page " .. tostring(args.page))
	local t = assert(weft.template_from(ITEM, "item"))
	return '<div class="item">' .. t:fill({ title = weft.pagetitle(weft.basename(item.name)) }, item) .. "</div>"
end)

weft.directive("listpages", function(args)
	local names = {}
	for _, p in ipairs(weft.pages(args.pages, { sort = args.sort })) do
		names[#names + 1] = p.name
	end
	return table.concat(names, " ")
end)
