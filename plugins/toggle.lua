-- toggle: [[!toggle id=ID text="..."]] is a link that shows or hides the
-- [[!toggleable id=ID text="..." open=yes|no]] section of the same id, as
-- ikiwiki's toggle plugin, with its HTML (classes toggle, toggleable,
-- toggleable-open; ids made from the page's name and ID).
--
-- Difference from ikiwiki: no JavaScript. ikiwiki adds toggle.js to pages
-- with sections; weft's theme shows a closed section while it is the
-- target of the URL (the toggle link's #ID), so the link opens it but a
-- second click does not close it.

-- toggle.pm's genid(): PAGE.ID as a valid HTML id.
local function genid(page, id)
	id = (page.name .. "." .. id):gsub("[^-a-zA-Z0-9.]", "-")
	if not id:match("^[a-zA-Z]") then id = "id" .. id end
	return id
end

weft.directive("toggle", function(args, page)
	local id = genid(page, args.id or "default")
	return ('<a class="toggle" href="#%s">%s</a>'):format(id, args.text or "more")
end)

-- The section is written as an empty div, the text and an end marker, so
-- Markdown renders the text; the format hook below then moves the text
-- into the div, as toggle.pm's does.
weft.directive("toggleable", function(args, page)
	local text = weft.preprocess(args.text or "")
	local id = genid(page, args.id or "default")
	local class = (args.open or "no"):lower() ~= "yes" and "toggleable" or "toggleable-open"
	local indent = text:match("( +)$") or ""
	return ('<div class="%s" id="%s"></div>\n\n%s\n%s<div class="toggleableend"></div>')
		:format(class, id, text, indent)
end)

-- Closes each section's div after its text: the empty div loses its
-- "</div>", the end marker its "<div ...>" (its "</div>" now closes the
-- section).
weft.hook("format", function(page, html)
	if not html:find('<div class="toggleable', 1, true) then return nil end
	local n1, n2
	html, n1 = html:gsub('(<div class="toggleable" id="[^"]+">%s*)</div>', "%1")
	html, n2 = html:gsub('(<div class="toggleable%-open" id="[^"]+">%s*)</div>', "%1")
	if n1 + n2 == 0 then return nil end
	return (html:gsub('<div class="toggleableend">', ""))
end, { contains = '<div class="toggleable' })
