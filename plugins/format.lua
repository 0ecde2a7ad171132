-- format: [[!format TYPE """text"""]] shows text rendered as a page of
-- type TYPE (mdwn, html, txt, or any type a plugin renders), its
-- directives expanded first, as ikiwiki's format plugin. Another type is
-- an error "unsupported page format TYPE".
--
-- Differences from ikiwiki: there are no htmlizeformat hooks; with the
-- highlight plugin on, a language weft has no renderer for shows as plain
-- preformatted code (ikiwiki colours it with the highlight library); a
-- directive without a text is an error (ikiwiki reads on into the
-- parameters it adds itself, and shows "page"). txt and html need their
-- plugins, as in ikiwiki.

local function markdown(type)
	return type == "mdwn" or type == "md"
end

-- Whether the text between "[[" and "]]" is a wiki link (link.pm's regex).
local function is_link(inner)
	local function target_ok(rest)
		return rest:match("^[^\n\r#]+$") or rest:match("^[^\n\r#]+#[^%s]+$")
	end
	if inner == "" or inner:sub(1, 1) == "!" then return false end
	local bar = inner:find("|", 1, true)
	if bar and bar > 1 and target_ok(inner:sub(bar + 1)) then return true end
	return target_ok(inner) ~= nil
end

-- text with its wiki links escaped. ikiwiki links the page after the
-- format directive has rendered its text, so a link in a txt text becomes
-- a link; weft.preprocess would link it before the text is rendered (and
-- escaped, for txt). Escaped, the link comes out of weft.preprocess as it
-- was written, and weft links the directive's result.
local function escape_links(text)
	local out, pos, from = {}, 1, 1
	while true do
		local s = text:find("[[", from, true)
		if not s then break end
		from = s + 2
		local close = text:find("]", s + 2, true)
		if text:sub(s - 1, s - 1) ~= "\\" and close and
		   text:sub(close, close + 1) == "]]" and is_link(text:sub(s + 2, close - 1)) then
			out[#out + 1] = text:sub(pos, s - 1) .. "\\"
			pos = s
			from = close + 2
		end
	end
	out[#out + 1] = text:sub(pos)
	return table.concat(out)
end

-- format.pm takes the first two parameters' names, however written.
local function positional(args, i)
	local a = args[i]
	return a and (a.key or a.value)
end

weft.directive("format", function(args)
	local format, text = positional(args, 1), positional(args, 2)
	if format == nil or text == nil then
		error("must specify format and text", 0)
	end
	if markdown(format) then
		text = weft.preprocess(text, { markdown = true })
	else
		text = weft.preprocess(escape_links(text), { markdown = false })
	end
	local ok, html = pcall(weft.htmlize, text, format)
	if not ok then
		if tostring(html):find("unsupported page format", 1, true) then
			if weft.enabled("highlight") and format:match("^[%w_+#.-]+$") then
				return ('<pre class="hl"><code class="language-%s">%s</code></pre>')
					:format(format, weft.escape_html(text))
			end
			error(("unsupported page format %s"):format(format), 0)
		end
		error(html, 0)
	end
	return html
end)
