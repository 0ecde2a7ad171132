-- template: [[!template id=NAME param=value ...]] fills a template with
-- the parameters and puts the result in the page, as ikiwiki's template
-- plugin does.
--
-- The template is the wiki page templates/NAME (/NAME for an id starting
-- with "/"): the body of its [[!templatebody]] directive, or its whole
-- text when it has none. Else it is the template file NAME (NAME.tmpl
-- when NAME has no extension) from the site's templates/, the theme or
-- weft. Each parameter is expanded (directives, links) and htmlized as
-- the page's type into <TMPL_VAR NAME>, and kept as expanded text in
-- <TMPL_VAR raw_NAME>; page, destpage, basename and id are parameters
-- too. The filled text is expanded again. The directive runs in the scan
-- pass, so the directives the template holds (meta, tag) count.
--
-- Differences from ikiwiki:
-- - ikiwiki's basewiki template pages "note" and "popup" are built in:
--   when the site has no page templates/note, the basewiki's body is
--   used (before any note.tmpl, as ikiwiki finds pages first), without
--   adding pages to the site.
-- - A missing template's error names it as text, not as an HTML link that
--   the error marker would show escaped.
-- - id=NAME without ".tmpl" also finds the file NAME.tmpl.

-- ikiwiki's basewiki templates/note.mdwn and templates/popup.mdwn bodies
-- (GPL-2+, as weft).
local BUILTIN = {
	note = '<div class="notebox">\n<TMPL_VAR text>\n</div>',
	popup = '<span class="popup"><TMPL_VAR mouseover>\n' ..
		'<span class="paren">[</span><span class="balloon"><TMPL_VAR popup>' ..
		'</span><span class="paren">]</span>\n</span>',
}

-- Compiled templates by text: each Lua state (worker) keeps its own.
local compiled = {}

---------------------------------------------------------------------------
-- Directive syntax, as ikiwiki's preprocess() reads it: enough to find a
-- template page's [[!templatebody]] (which may not be scanned yet when a
-- page using it is) and to drop directives from values in the scan pass.

-- The value at i: """v""", '''v''', "v", 'v', <<ID\nv\nID or bare.
-- Returns the value and the index after it, or nil.
local function read_value(text, i)
	local q3 = text:sub(i, i + 2)
	if q3 == '"""' or q3 == "'''" then
		local e = text:find(q3, i + 3, true)
		if not e then return nil end
		local v = text:sub(i + 3, e - 1)
		if q3 == '"""' then
			v = v:gsub("\r\n", "\n"):gsub("^\n+", ""):gsub("\n+$", "")
		end
		return v, e + 3
	end
	local c = text:sub(i, i)
	if c == '"' or c == "'" then
		local e = text:find(c, i + 1, true)
		if not e then return nil end
		return text:sub(i + 1, e - 1), e + 1
	end
	local id, body = text:match("^<<([a-zA-Z]+)\n()", i)
	if id then
		local e = text:find("\n" .. id, body, true)
		if not e then return nil end
		return text:sub(body, e - 1), e + 1 + #id
	end
	local bare = text:match('^[^"%s%]]+', i)
	if bare then return bare, i + #bare end
	return nil
end

-- One parameter at i: {key=, value=} and the index after it, or nil.
local function read_param(text, i)
	local key = text:match("^([-.%w_]+)=", i)
	if key then
		local v, e = read_value(text, i + #key + 1)
		if v then return { key = key, value = v }, e end
	end
	local v, e = read_value(text, i)
	if v then return { value = v }, e end
	return nil
end

-- The directive starting at s ("[[!"): its name, parameters and the index
-- after its "]]", or nil when the text there is no directive.
local function read_directive(text, s)
	local name, i = text:match("^([-%w_]+)()", s + 3)
	if not name then return nil end
	local params = {}
	if text:sub(i, i + 1) ~= "]]" then
		local ws = text:match("^%s+()", i)
		if not ws then return nil end
		i = ws
		while text:sub(i, i + 1) ~= "]]" do
			local p, e = read_param(text, i)
			if not p then return nil end
			params[#params + 1] = p
			i = text:match("^%s*()", e)
		end
	end
	return name, params, i + 2
end

-- Whether the text between "[[" and "]]" is a wiki link (link.pm's regex).
local function is_link(inner)
	if inner == "" or inner:find("!", 1, true) == 1 then return false end
	local function target_ok(rest)
		return rest:match("^[^\n\r#]+$") or rest:match("^[^\n\r#]+#[^%s]+$")
	end
	local bar = inner:find("|", 1, true)
	if bar and bar > 1 and target_ok(inner:sub(bar + 1)) then return true end
	return target_ok(inner) ~= nil
end

-- Calls fn(kind, s, e, name, params) for each unescaped directive
-- ("directive") and wiki link ("link") in text, s..e being its bytes.
local function each_token(text, fn)
	local i = 1
	while true do
		local s = text:find("[[", i, true)
		if not s then return end
		i = s + 2
		if s > 1 and text:sub(s - 1, s - 1) == "\\" then
			-- escaped: stays text
		elseif text:sub(s + 2, s + 2) == "!" then
			local name, params, e = read_directive(text, s)
			if name then
				fn("directive", s, e - 1, name, params)
				i = e
			end
		else
			local close = text:find("]", s + 2, true)
			if close and text:sub(close, close + 1) == "]]" and
			   is_link(text:sub(s + 2, close - 1)) then
				fn("link", s, close + 1)
				i = close + 2
			end
		end
	end
end

-- text without its directives and wiki links: what a parameter value
-- becomes in ikiwiki's scan pass, where directives expand to nothing
-- (weft has already scanned the parameters themselves).
local function strip_markup(text)
	if not text:find("[[", 1, true) then return text end
	local out, pos = {}, 1
	each_token(text, function(_, s, e)
		out[#out + 1] = text:sub(pos, s - 1)
		pos = e + 1
	end)
	out[#out + 1] = text:sub(pos)
	return table.concat(out)
end

-- The template in a template page's text: the content of its last
-- [[!templatebody]] (as ikiwiki keeps the last), else the whole text.
local function template_body(text)
	if not weft.enabled("templatebody") then return text end
	local body
	each_token(text, function(kind, _, _, name, params)
		local first = params and params[1]
		if kind == "directive" and name == "templatebody" and first then
			if first.key == nil then
				body = first.value
			elseif first.value == "" then
				body = first.key
			end
		end
	end)
	return body or text
end

---------------------------------------------------------------------------
-- Finding the template.

-- The template compiled from a page's text (cached), or nil and a message.
local function from_text(text, name)
	local hit = compiled[text]
	if hit == nil then
		local t, msg = weft.template_from(text, name)
		hit = t or { failed = msg or ("template " .. name .. " does not compile") }
		compiled[text] = hit
	end
	if hit.failed then return nil, hit.failed end
	return hit
end

-- The template for id: the compiled template and the page name the page
-- depends on (ikiwiki's template_file()); or nil and a message.
local function find(id)
	local name, tpage = id, "templates/" .. id
	if name:sub(1, 1) == "/" then
		name = name:sub(2)
		tpage = name
	end
	if not name:find("%.tmpl$") then
		local p = weft.page(tpage)
		if p and p.kind ~= "file" then
			local text = p:text()
			if not text then return nil, "template " .. id .. " cannot be read", tpage end
			local t, msg = from_text(template_body(text), p.src or tpage)
			return t, msg, tpage
		end
	end
	-- ikiwiki finds the basewiki's pages before any file.
	local body = BUILTIN[name]
	if body then
		local t, msg = from_text(body, "templates/" .. name)
		return t, msg, tpage
	end
	if name ~= "" and not name:find("..", 1, true) then
		local t = weft.template(name)
		if t then return t, nil, tpage end
	end
	return nil, "template " .. id .. " not found", tpage
end

---------------------------------------------------------------------------
-- The directive.

-- The parameters as ikiwiki's %params has them: the last of a repeated
-- key wins, a bare value is a key with an empty value; plus the page
-- names.
local function param_table(args, page, dest)
	local params, order = {}, {}
	for _, a in ipairs(args) do
		local k, v = a.key or a.value, a.key and a.value or ""
		if params[k] == nil then order[#order + 1] = k end
		params[k] = v
	end
	local names = { { "page", page.name }, { "destpage", dest.name },
			{ "basename", weft.basename(page.name) } }
	for _, kv in ipairs(names) do
		if params[kv[1]] == nil then order[#order + 1] = kv[1] end
		params[kv[1]] = kv[2]
	end
	return params, order
end

-- In the scan pass, as template.pm: each value is preprocessed (its own
-- directives, a [[!tag]] say, run in the scan) and the template, filled
-- with the values stripped of their markup so nothing counts twice, is
-- scanned too, so its own directives (meta, tag) and links count.
local function scan_fill(t, params, order)
	local vars = {}
	for _, k in ipairs(order) do
		weft.preprocess(params[k])
		local v = strip_markup(params[k])
		vars[k] = v
		vars["raw_" .. k] = v
	end
	weft.preprocess(t:fill(vars, { hooks = false }))
end

-- Each parameter expanded into raw_NAME and, htmlized, into NAME, as
-- template.pm: every value is expanded, only the used ones htmlized.
local function render_fill(t, params, order)
	local vars = {}
	for _, k in ipairs(order) do
		local value = weft.preprocess(params[k])
		if t:uses(k) then
			vars[k] = (weft.htmlize(value):gsub("\n$", ""))
		end
		vars["raw_" .. k] = (value:gsub("\n$", ""))
	end
	return weft.preprocess(t:fill(vars, { hooks = false }))
end

weft.directive("template", function(args, page, dest, scan)
	if args.id == nil then
		if scan then return nil end
		error("missing id parameter", 0)
	end
	local t, msg, tpage = find(args.id)
	if scan then
		if t then scan_fill(t, param_table(args, page, dest)) end
		return nil
	end
	if tpage then weft.depends(tpage) end
	if not t then
		error(("failed to process template %s: %s"):format(tpage or args.id, msg), 0)
	end
	return render_fill(t, param_table(args, page, dest))
end, { scan = true })
