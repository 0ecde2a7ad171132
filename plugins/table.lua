-- table: [[!table data="..." format=csv|dsv|auto delimiter=X
-- header=row|column|no class=NAME]] (or file=FILE instead of data=) shows
-- CSV or DSV data as an HTML table, as ikiwiki's table plugin, with its
-- HTML: thead and tbody when there is a header row, th for header cells
-- (the first column too with header=column), colspan for the empty cells
-- that follow a cell, each cell's directives and links expanded and the
-- cell htmlized as a one-line text of the page's type.
--
-- Differences from ikiwiki:
-- - CSV is parsed here (ikiwiki uses Text::CSV with allow_loose_quotes):
--   quoted fields, "" for a quote inside them, and newlines inside quoted
--   fields, which ikiwiki cannot read (it parses line by line); a quote
--   that never closes loses its line, as a line Text::CSV cannot parse.
-- - DSV does not split inside [[...]]: ikiwiki links the data before
--   splitting it, so that a link's "|" stays in its cell, and then the
--   link's HTML may hold the delimiter; weft keeps whole any link or
--   directive.
-- - file= reads a file of the site (data.csv) or a page's source text
--   (after any front matter); ikiwiki reads only files, as it looks a
--   page up by its name instead of its file name.

local function yesno(v)
	return v ~= nil and (v:lower() == "yes" or v == "1")
end

-- Perl's split(/\n/, text): the lines, without the trailing empty ones.
local function lines(text)
	local out = {}
	for line in (text .. "\n"):gmatch("(.-)\n") do out[#out + 1] = line end
	while #out > 0 and out[#out] == "" do out[#out] = nil end
	return out
end

-- table.pm's is_dsv_data(): the first line has a "|" after something.
local function is_dsv(text)
	local first = text:match("^[^\n]*")
	return first:find(".|") ~= nil
end

-- What is at i in CSV text: "sep", "end" (of the record) or nil.
local function csv_at(text, i, sep)
	if text:sub(i, i + #sep - 1) == sep then return "sep" end
	if i > #text or text:sub(i, i) == "\n" then return "end" end
	return nil
end

-- One CSV record at i: its fields and where the next starts, or nil when a
-- quoted field does not close properly (the caller skips the line).
-- Quotes inside an unquoted field are kept (Text::CSV's
-- allow_loose_quotes).
local function csv_record(text, i, sep)
	local fields = {}
	while true do
		if text:sub(i, i) == '"' then
			local parts, j = {}, i + 1
			while true do
				local q = text:find('"', j, true)
				if not q then return nil end
				parts[#parts + 1] = text:sub(j, q - 1)
				if text:sub(q + 1, q + 1) ~= '"' then
					i = q + 1
					break
				end
				parts[#parts + 1] = '"'
				j = q + 2
			end
			fields[#fields + 1] = table.concat(parts)
			if not csv_at(text, i, sep) then return nil end
		else
			local e = i
			while not csv_at(text, e, sep) do e = e + 1 end
			fields[#fields + 1] = text:sub(i, e - 1)
			i = e
		end
		if csv_at(text, i, sep) == "end" then return fields, i + 1 end
		i = i + #sep
	end
end

-- The rows of CSV text; a record that cannot be parsed loses its line,
-- as table.pm skips the lines Text::CSV fails on.
local function split_csv(text, sep)
	text = text:gsub("\r\n", "\n")
	text = table.concat(lines(text), "\n")
	local rows, i = {}, 1
	while i <= #text do
		local fields, next_i = csv_record(text, i, sep)
		if fields then
			rows[#rows + 1] = fields
		else
			local nl = text:find("\n", i, true)
			weft.debug(("parse fail at: %s"):format(text:sub(i, (nl or #text + 1) - 1)))
			next_i = nl and nl + 1 or #text + 1
		end
		i = next_i
	end
	return rows
end

-- The fields of one DSV line, split at sep outside [[...]].
local function dsv_fields(line, sep)
	local fields, start, i = {}, 1, 1
	while i <= #line do
		if line:sub(i, i + 1) == "[[" then
			local close = line:find("]]", i + 2, true)
			i = close and close + 2 or #line + 1
		elseif line:sub(i, i + #sep - 1) == sep then
			fields[#fields + 1] = line:sub(start, i - 1)
			i = i + #sep
			start = i
		else
			i = i + 1
		end
	end
	-- Perl's split returns nothing for an empty line.
	if #line > 0 then fields[#fields + 1] = line:sub(start) end
	return fields
end

local function split_dsv(text, sep)
	local rows = {}
	for _, line in ipairs(lines(text)) do rows[#rows + 1] = dsv_fields(line, sep) end
	return rows
end

-- A cell as table.pm's genrow(): expanded and htmlized.
local function cell_html(text)
	return weft.htmlize(weft.preprocess(text))
end

-- table.pm's genrow(): a row's lines, empty cells widening the one
-- before them. As in table.pm, header=column makes the first cell a th
-- only when no empty cells follow it.
local function genrow(out, cells, elt, header_column)
	out[#out + 1] = "\t\t<tr>"
	local x = 1
	while x <= #cells do
		local cell = cell_html(cells[x])
		local colspan = 1
		while x < #cells and cells[x + 1] == "" do
			x = x + 1
			colspan = colspan + 1
		end
		local e = (x == 1 and header_column) and "th" or elt
		if colspan > 1 then
			out[#out + 1] = ('\t\t\t<%s colspan="%d">%s</%s>'):format(e, colspan, cell, e)
		else
			out[#out + 1] = ("\t\t\t<%s>%s</%s>"):format(e, cell, e)
		end
		x = x + 1
	end
	out[#out + 1] = "\t\t</tr>"
end

-- The data of file=: a file's content, or a page's source text.
local function read_file(name)
	local p = weft.page(name)
	if not p then error("cannot find file", 0) end
	local text = p:text()
	if not text then error(("cannot read %s"):format(name), 0) end
	return text, p
end

local function parse(args, data)
	if args.delimiter == "" then error("empty delimiter", 0) end
	local format = (args.format or "auto"):lower()
	if format == "auto" then format = is_dsv(data) and "dsv" or "csv" end
	if format == "csv" then return split_csv(data, args.delimiter or ",") end
	if format == "dsv" then return split_dsv(data, args.delimiter or "|") end
	error("unknown data format", 0)
end

local function render(args, data)
	local rows = parse(args, data)
	local header_opt = (args.header or "row"):lower()
	local header
	if header_opt == "row" or yesno(args.header) then
		header = table.remove(rows, 1)
	end
	if #rows == 0 then error("empty data", 0) end
	local column = header_opt == "column"
	local out = { args.class and ('<table class="%s">'):format(args.class) or "<table>" }
	if header then
		out[#out + 1] = "\t<thead>"
		genrow(out, header, "th", column)
		out[#out + 1] = "\t</thead>"
		out[#out + 1] = "\t<tbody>"
	end
	for _, row in ipairs(rows) do genrow(out, row, "td", column) end
	if header then out[#out + 1] = "\t</tbody>" end
	out[#out + 1] = "</table>"
	return table.concat(out, "\n")
end

weft.directive("table", function(args, page, dest, scan)
	local data, file = args.data, nil
	if args.file then
		if scan then
			-- The file's links and directives count for this page.
			local p = weft.page(args.file)
			local text = p and p:text()
			if text then weft.preprocess(text) end
			return nil
		end
		data, file = read_file(args.file)
		weft.depends(args.file)
	elseif scan then
		return nil
	end
	local html = render(args, data or "")
	if file then
		html = html .. "\n\n" .. weft.link(file, { text = "Direct data download" })
	end
	return html
end, { scan = true })
