-- headinganchors: gives each heading of a page's content an id made from
-- its text, as ikiwiki's headinganchors.pm does (same id scheme, same
-- headings: only a <hN> with no attributes and no tag inside gets one).
-- Like ikiwiki's, it is a sanitize hook, so it works on the htmlized
-- content (of the page and of the pages it inlines), never on the theme.
-- The module returns {anchors = fn(html)} so toc can apply it first, as
-- ikiwiki's toc, a format hook, always sees these ids.

-- Perl's \s on a decoded string: ASCII and Unicode white space.
local function is_space(cp)
	return (cp >= 9 and cp <= 13) or cp == 32 or cp == 0x85 or cp == 0xA0 or
		cp == 0x1680 or (cp >= 0x2000 and cp <= 0x200A) or cp == 0x2028 or
		cp == 0x2029 or cp == 0x202F or cp == 0x205F or cp == 0x3000
end

local function is_letter(cp)
	return (cp >= 65 and cp <= 90) or (cp >= 97 and cp <= 122)
end

-- The code points of s; its bytes when it is not valid UTF-8, so a
-- malformed page still gets an id.
local function codepoints(s)
	local cps = {}
	if utf8.len(s) then
		for _, cp in utf8.codes(s) do cps[#cps + 1] = cp end
	else
		for i = 1, #s do cps[i] = s:byte(i) end
	end
	return cps
end

-- headinganchors.pm's text_to_anchor: trim, white space to "_", no '"',
-- a first character that is not a letter becomes "z-", then URI-escaped
-- (UTF-8) with "." in place of "%".
local function text_to_anchor(text)
	-- cmark writes a '"' of the text as &quot;, where Discount, ikiwiki's
	-- Markdown, leaves it: drop it all the same, so ids match ikiwiki's.
	local cps = codepoints((text:gsub("&quot;", '"')))
	local first, last = 1, #cps
	while first <= last and is_space(cps[first]) do first = first + 1 end
	while last >= first and is_space(cps[last]) do last = last - 1 end
	local out = {}
	for i = first, last do
		local cp = cps[i]
		if is_space(cp) then cp = 95 end
		if cp ~= 34 then out[#out + 1] = cp end
	end
	local s = {}
	for i, cp in ipairs(out) do
		if i == 1 and not is_letter(cp) then
			s[1] = "z-"
		elseif cp < 0x80 then
			s[#s + 1] = string.char(cp)
		else
			s[#s + 1] = utf8.char(cp)
		end
	end
	return (table.concat(s):gsub("[^A-Za-z0-9%-%._~]", function(c)
		return (".%02X"):format(c:byte())
	end))
end

-- The substitution of headinganchors.pm: case-insensitive like its /i, and
-- like it writes the tags back in lower case. Plain searches for "<h" find
-- the candidates: a pattern tried at every byte of a long page costs far
-- more than the headings it finds.
local function anchors(html)
	local out, from, pos = {}, 1, 1
	local lower, upper = html:find("<h", 1, true), html:find("<H", 1, true)
	while lower or upper do
		local s = (lower and upper) and math.min(lower, upper) or lower or upper
		local _, e, open, text, close = html:find("^<[hH](%d)>([^>]*)</[hH](%d)>", s)
		if e then
			out[#out + 1] = html:sub(from, s - 1)
			out[#out + 1] = ("<h%s id=\"%s\">%s</h%s>"):format(open, text_to_anchor(text), text, close)
			from, pos = e + 1, e + 1
		else
			pos = s + 2
		end
		if lower and lower < pos then lower = html:find("<h", pos, true) end
		if upper and upper < pos then upper = html:find("<H", pos, true) end
	end
	if from == 1 then return html end
	out[#out + 1] = html:sub(from)
	return table.concat(out)
end

weft.hook("sanitize", function(_, _, html)
	local done = anchors(html)
	if done ~= html then return done end
end)

return { anchors = anchors, text_to_anchor = text_to_anchor }
