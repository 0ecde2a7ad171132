-- readingtime: this blog's own plugin. Every post gets READINGTIME, "4 min
-- read" at 200 words a minute, for the templates to show; the index shows
-- it through this site's templates/inlinepage.tmpl.
--
-- Setup key readingtime_wpm sets the reading speed.

weft.option{ name = "readingtime_wpm", type = "int", default = "200",
	     help = "readingtime: words read in a minute" }

local function words(text)
	-- Directives and wiki links are markup, not reading.
	text = text:gsub("%[%[!.-%]%]", " "):gsub("%[%[([^|%]]*)|?[^%]]*%]%]", "%1")
	local n = 0
	for _ in text:gmatch("%w+") do n = n + 1 end
	return n
end

weft.hook("pagetemplate", function(page, dest, vars, template)
	if not template:uses("readingtime") or not page.name:find("^posts/") then
		return
	end
	local wpm = weft.config("readingtime_wpm")
	if wpm < 1 then wpm = 200 end
	local minutes = math.max(1, math.floor(words(page:text() or "") / wpm + 0.5))
	vars.readingtime = ("%d min read"):format(minutes)
end)
