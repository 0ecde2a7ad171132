-- statetest: [[!statetest]] keeps a value of every JSON kind in the page's
-- state while scanning, and shows what reading it back gives, on its page
-- and on another ([[!statetest from=page]]), so a value that went through
-- the state and came back changed shows in the golden output.

-- 30 nested objects, each with its depth, and an array at the bottom.
local function deep(n)
	if n == 0 then return { "bottom", 1, false } end
	return { depth = n, inner = deep(n - 1) }
end

-- A value as text, keys sorted: the same whatever the table's order.
local function show(v)
	if type(v) ~= "table" then
		return type(v) .. ":" .. tostring(v)
	end
	local keys = {}
	for k in pairs(v) do keys[#keys + 1] = k end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	local out = {}
	for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. show(v[k]) end
	return "{" .. table.concat(out, ",") .. "}"
end

-- The pagetemplate hooks run only where templates are filled for output:
-- a fill in the scan pass runs none, so none sees page state still being
-- made (this one would keep a mark in it, and the scan may set it).
local FILL = "<TMPL_VAR HOOKED>"
weft.hook("pagetemplate", function(page, _, vars, template)
	if template.name ~= "statetest" then return end
	vars.hooked = "hooked"
	pcall(page.set, page, "statetest", "hooked", true)
end, { vars = { "hooked" } })

weft.directive("statetest", function(args, page, dest, scan)
	local from
	for _, a in ipairs(args) do
		if a.key == "from" then from = a.value end
	end
	if scan then
		if not from then
			page:set("statetest", "kinds", {
				int = 42, float = 2.5, yes = true, no = false, text = "a \"quoted\" & text",
				list = { "one", "two", { key = "in a list" } }, empty = {},
				big = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 },
			})
			page:set("statetest", "deep", deep(30))
			-- What cannot be kept is refused, whole, with an error the
			-- plugin may catch (and nothing of it left behind).
			local refused = {}
			for _, case in ipairs{
				{ "too deep", deep(40) },
				{ "a function in a list", { 1, 2, function() end } },
				{ "a function in a table", { a = { b = function() end } } },
			} do
				local ok, err = pcall(page.set, page, "statetest", "bad", case[2])
				refused[#refused + 1] = case[1] .. ": " ..
					(ok and "kept" or tostring(err):gsub("^.-: ", ""))
			end
			page:set("statetest", "refused", refused)
			weft.template_from(FILL, "statetest"):fill({}, page)
		end
		return nil
	end
	local p = from and weft.page(from) or page
	local all = p:state("statetest") or {}
	local depth, d = 0, all.deep
	while type(d) == "table" and d.inner do depth, d = depth + 1, d.inner end
	return ("kinds %s\n\none key %s\n\ndeep %d levels, bottom %s\n\nmissing %s\n\nrefused %s, bad %s\n\n" ..
		"a fill while scanning left %s; one now is %s\n"):format(
		show(all.kinds), show(p:state("statetest", "kinds").list),
		depth, show(d), tostring(p:state("nosuchplugin")),
		table.concat(all.refused or {}, "; "), tostring(all.bad),
		tostring(all.hooked), weft.template_from(FILL, "statetest"):fill({}, page))
end, { scan = true })
