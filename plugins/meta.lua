-- meta: [[!meta field="value" ...]], ikiwiki's meta plugin (meta.pm).
-- Keeps a page's metadata in page state "meta" with meta.pm's names (title,
-- titlesort, author, authorsort, authorurl, description, guid, license,
-- copyright, permalink, enclosure, enclosurefile, updated as a number,
-- redir), which the PageSpec functions title(), author()... and the
-- meta(...) sort read; date sets the page's ctime. Fills the template
-- variables TITLE (and TITLE_OVERRIDDEN), AUTHOR, AUTHORURL, PERMALINK,
-- DESCRIPTION, LICENSE, COPYRIGHT, ENCLOSURE for pages and inlined items,
-- and META (the page's head tags) for the page itself.
--
-- Differences from ikiwiki:
-- * weft does not scrub pages (they are the site owner's), so the head tags
--   ikiwiki's htmlscrubber deletes are kept: stylesheet, script, link with
--   parameters, name, permalink's rel="bookmark", an external redir, and the
--   <meta name=...> of every other field (date, updated, guid, authorurl,
--   enclosure, any unknown key).
-- * Every head tag is worked out in the scan pass and kept in page state
--   ("heads"), so META does not depend on the order pages render in.
-- * Errors (a bad date, a missing stylesheet, a redir loop...) are raised
--   once, when the page renders; the scan skips what it cannot use.
-- * name and link list their extra parameters in the order written (ikiwiki:
--   Perl's hash order).
-- * keywords keeps non-ASCII characters (Perl's [:alnum:] keeps the
--   non-ASCII letters and digits only).
-- * A redir loop is reported on every page of the loop.

-- The HTML 4 entities HTML::Entities knows (code:name); the names of
-- characters above 255 need their ';' to be decoded.
local ENTITIES = [[34:quot 38:amp 60:lt 62:gt 160:nbsp 161:iexcl 162:cent
163:pound 164:curren 165:yen 166:brvbar 167:sect 168:uml 169:copy 170:ordf
171:laquo 172:not 173:shy 174:reg 175:macr 176:deg 177:plusmn 178:sup2
179:sup3 180:acute 181:micro 182:para 183:middot 184:cedil 185:sup1 186:ordm
187:raquo 188:frac14 189:frac12 190:frac34 191:iquest 192:Agrave 193:Aacute
194:Acirc 195:Atilde 196:Auml 197:Aring 198:AElig 199:Ccedil 200:Egrave
201:Eacute 202:Ecirc 203:Euml 204:Igrave 205:Iacute 206:Icirc 207:Iuml
208:ETH 209:Ntilde 210:Ograve 211:Oacute 212:Ocirc 213:Otilde 214:Ouml
215:times 216:Oslash 217:Ugrave 218:Uacute 219:Ucirc 220:Uuml 221:Yacute
222:THORN 223:szlig 224:agrave 225:aacute 226:acirc 227:atilde 228:auml
229:aring 230:aelig 231:ccedil 232:egrave 233:eacute 234:ecirc 235:euml
236:igrave 237:iacute 238:icirc 239:iuml 240:eth 241:ntilde 242:ograve
243:oacute 244:ocirc 245:otilde 246:ouml 247:divide 248:oslash 249:ugrave
250:uacute 251:ucirc 252:uuml 253:yacute 254:thorn 255:yuml 338:OElig
339:oelig 352:Scaron 353:scaron 376:Yuml 402:fnof 710:circ 732:tilde
913:Alpha 914:Beta 915:Gamma 916:Delta 917:Epsilon 918:Zeta 919:Eta
920:Theta 921:Iota 922:Kappa 923:Lambda 924:Mu 925:Nu 926:Xi 927:Omicron
928:Pi 929:Rho 931:Sigma 932:Tau 933:Upsilon 934:Phi 935:Chi 936:Psi
937:Omega 945:alpha 946:beta 947:gamma 948:delta 949:epsilon 950:zeta
951:eta 952:theta 953:iota 954:kappa 955:lambda 956:mu 957:nu 958:xi
959:omicron 960:pi 961:rho 962:sigmaf 963:sigma 964:tau 965:upsilon 966:phi
967:chi 968:psi 969:omega 977:thetasym 978:upsih 982:piv 8194:ensp
8195:emsp 8201:thinsp 8204:zwnj 8205:zwj 8206:lrm 8207:rlm 8211:ndash
8212:mdash 8216:lsquo 8217:rsquo 8218:sbquo 8220:ldquo 8221:rdquo
8222:bdquo 8224:dagger 8225:Dagger 8226:bull 8230:hellip 8240:permil
8242:prime 8243:Prime 8249:lsaquo 8250:rsaquo 8254:oline 8260:frasl
8364:euro 8465:image 8472:weierp 8476:real 8482:trade 8501:alefsym
8592:larr 8593:uarr 8594:rarr 8595:darr 8596:harr 8629:crarr 8656:lArr
8657:uArr 8658:rArr 8659:dArr 8660:hArr 8704:forall 8706:part 8707:exist
8709:empty 8711:nabla 8712:isin 8713:notin 8715:ni 8719:prod 8721:sum
8722:minus 8727:lowast 8730:radic 8733:prop 8734:infin 8736:ang 8743:and
8744:or 8745:cap 8746:cup 8747:int 8756:there4 8764:sim 8773:cong
8776:asymp 8800:ne 8801:equiv 8804:le 8805:ge 8834:sub 8835:sup 8836:nsub
8838:sube 8839:supe 8853:oplus 8855:otimes 8869:perp 8901:sdot 8968:lceil
8969:rceil 8970:lfloor 8971:rfloor 9001:lang 9002:rang 9674:loz
9824:spades 9827:clubs 9829:hearts 9830:diams]]

local name_of, code_of = {}, {}
for code, name in ENTITIES:gmatch("(%d+):(%w+)") do
	code = tonumber(code)
	name_of[code] = name
	code_of[name] = code
end
code_of.apos = 39

-- The characters HTML::Entities encodes by default: all but \n \r \t,
-- space, ! # $ % ( to ; = and ? to ~. Multibyte UTF-8 sequences are taken
-- whole; a stray byte stands for itself.
local UNSAFE = "[%z\1-\8\11\12\14-\31\"&'<>\127-\255][\128-\191]*"

local function codepoint(ch)
	local ok, c = pcall(utf8.codepoint, ch)
	return ok and c or ch:byte()
end

-- HTML::Entities::encode_entities: named entities where HTML 4 has one,
-- else decimal below 256 and hexadecimal above.
local function encode_entities(s)
	if weft.html_safe(s) then return s end
	return (s:gsub(UNSAFE, function(ch)
		local c = codepoint(ch)
		if c == 39 then return "&#39;" end
		if name_of[c] then return "&" .. name_of[c] .. ";" end
		return c < 256 and ("&#%d;"):format(c) or ("&#x%X;"):format(c)
	end))
end

-- HTML::Entities::encode_numeric: every unsafe character as &#xHEX;.
local function encode_numeric(s)
	if weft.html_safe(s) then return s end
	return (s:gsub(UNSAFE, function(ch)
		return ("&#x%X;"):format(codepoint(ch))
	end))
end

local function utf8char(c)
	if c < 1 or c > 0x10FFFF or (c >= 0xD800 and c <= 0xDFFF) then return nil end
	return utf8.char(c)
end

-- HTML::Entities::decode_entities, in one pass: named and numeric
-- entities; the ';' may be left out, but for the names of characters
-- above 255.
local function decode_entity(hash, name, semi)
	if hash == "#" then
		local digits, tail = name:match("^[xX](%x+)(.*)$")
		local c = digits and tonumber(digits, 16)
		if not c then
			digits, tail = name:match("^(%d+)(.*)$")
			c = digits and tonumber(digits)
		end
		local ch = c and utf8char(c)
		if not ch then return nil end
		return tail == "" and ch or ch .. tail .. semi
	end
	local c = code_of[name]
	if not c or (semi == "" and c > 255) then return nil end
	return utf8.char(c)
end

local function decode_entities(s)
	if not s:find("&", 1, true) then return s end
	return (s:gsub("&(#?)(%w+)(;?)", decode_entity))
end

-- htmlscrubber's $safe_url_regexp: a known scheme, a few data:image types,
-- a relative URL (no ':' before the first '/', '?' or '#'), or an anchor.
local SCHEMES = {}
for s in ([[http https ftp mailto file telnet gopher aaa aaas acap cap cid
crid dav dict dns fax go h323 im imap ldap mid news nfs nntp pop pres sip
sips snmp tel urn wais xmpp z39.50r z39.50s aim callto cvs ed2k feed fish gg
irc ircs lastfm ldaps magnet mms msnim notes rsync secondlife skype ssh sftp
smb sms snews webcal ymsgr bitcoin git svn bzr darcs hg]]):gmatch("%S+") do
	SCHEMES[s] = true
end

local function safeurl(url)
	-- ikiwiki only checks URLs when its htmlscrubber is loaded.
	if not weft.enabled("htmlscrubber") then return true end
	local lower = url:lower()
	local colon = url:find(":", 1, true)
	if url:sub(1, 1) == "#" or not colon then return url ~= "" end
	if SCHEMES[lower:sub(1, colon - 1)] then return true end
	if lower:find("^data:image/png") or lower:find("^data:image/jpeg")
	   or lower:find("^data:image/gif") then
		return true
	end
	return url:sub(1, colon - 1):find("[/?#]", 2) ~= nil
end

-- ikiwiki's urlabs (URI->new_abs): url resolved against the site's url.
local function urlabs(url, base)
	if not base or base == "" or url:find("^%a[%w+.-]*:") then return url end
	local scheme, rest = base:match("^(%a[%w+.-]*:)(.*)$")
	if not scheme then return url end
	if url:sub(1, 2) == "//" then return scheme .. url end
	local authority, path = rest:match("^(//[^/?#]*)([^?#]*)")
	authority, path = authority or "", path or rest:match("^[^?#]*")
	if url:sub(1, 1) == "/" then return scheme .. authority .. url end
	if url == "" then return base end
	local dir = path:match("^(.*/)") or "/"
	if url:find("^[?#]") then return scheme .. authority .. path .. url end
	local segs = {}
	for seg in (dir .. url):gmatch("[^/]*") do segs[#segs + 1] = seg end
	local out = {}
	for i, seg in ipairs(segs) do
		if seg == ".." then
			-- Like URI.pm, a ".." above the root is kept.
			if #out > 1 and out[#out] ~= ".." then table.remove(out) else out[#out + 1] = ".." end
			if i == #segs then out[#out + 1] = "" end
		elseif seg == "." then
			if i == #segs then out[#out + 1] = "" end
		else
			out[#out + 1] = seg
		end
	end
	return scheme .. authority .. table.concat(out, "/")
end

local function site_url()
	local url = weft.config("url")
	return url ~= "" and url or nil
end

-- An empty table that stays so: the other parameters of a directive with
-- one, the state of a page without any.
local NONE = setmetatable({}, { __newindex = function() error("read only", 2) end })

-- The directive's field, its value and its other parameters (the last of
-- each key wins, as in the Perl hash; page, destpage, preview are ikiwiki's
-- own and dropped).
local function parse_args(args)
	local first = args[1]
	if not first then return nil end
	local key = first.key or first.value
	local value = first.key and first.value or ""
	-- Most directives have one parameter: no tables made for the others.
	if #args == 1 then return key, value, NONE, NONE end
	local params, order = {}, {}
	for i = 2, #args do
		local k = args[i].key or args[i].value
		local v = args[i].key and args[i].value or ""
		if k == key then
			value = v
		elseif k ~= "page" and k ~= "destpage" and k ~= "preview" then
			if params[k] == nil then order[#order + 1] = k end
			params[k] = v
		end
	end
	return key, value, params, order
end

local function attrs(params, order, encode)
	local out = {}
	for _, k in ipairs(order) do
		local v = params[k]
		if encode then v = encode_entities(decode_entities(v)) end
		out[#out + 1] = (encode and encode_entities(k) or k) .. '="' .. v .. '"'
	end
	return table.concat(out, " ")
end

local function openid_heads(value, params, heads)
	local delegate = 0 -- both
	local d = params.delegate and params.delegate:lower()
	if d == "openid" then delegate = 1 elseif d == "openid2" then delegate = 2 end
	local server = params.server
	if server and safeurl(server) then
		server = encode_entities(server)
		if delegate ~= 2 then heads[#heads + 1] = '<link href="' .. server .. '" rel="openid.server" />' end
		if delegate ~= 1 then heads[#heads + 1] = '<link href="' .. server .. '" rel="openid2.provider" />' end
	end
	if safeurl(value) then
		local v = encode_entities(value)
		if delegate ~= 2 then heads[#heads + 1] = '<link href="' .. v .. '" rel="openid.delegate" />' end
		if delegate ~= 1 then heads[#heads + 1] = '<link href="' .. v .. '" rel="openid2.local_id" />' end
	end
	local xrds = params["xrds-location"]
	if xrds and safeurl(xrds) then
		heads[#heads + 1] = '<meta http-equiv="X-XRDS-Location" content="' ..
			encode_entities(urlabs(xrds, site_url())) .. '" />'
	end
end

-- Follows the redir chain from page; an error when it comes back.
local function redir_loop(page)
	local seen, at = {}, page
	while at do
		local target = at:meta("redir")
		if not target then return false end
		if seen[at.name] then return true end
		seen[at.name] = true
		at = weft.page(target)
	end
	return false
end

local function redir_head(page, value, params, scan)
	local url = value
	if not value:find("^[%w_]+://") then
		local target, anchor = value:match("^([^#]*)#?([^#]*)")
		local to = weft.bestlink(page, target)
		if not to then return nil, "redir page not found" end
		weft.depends(to.name, "presence")
		if scan then page:set("meta", "redir", to.name) end
		if not scan and redir_loop(page) then return nil, "redir cycle is not allowed" end
		url = weft.url(to, page)
		if value:find("#", 1, true) then url = url .. "#" .. anchor end
	else
		url = encode_entities(value)
	end
	local delay = tonumber((params.delay or ""):match("^%s*([+-]?%d+)")) or 0
	return ('<meta http-equiv="refresh" content="%d; URL=%s" />'):format(delay, url)
end

-- The head tags one directive adds (meta.pm's preprocessing pass), or nil
-- and an error.
local function heads_of(page, key, value, params, order, scan)
	local heads = {}
	if key == "license" then
		heads[1] = '<link rel="license" href="#pagelicense" />'
	elseif key == "copyright" then
		heads[1] = '<link rel="copyright" href="#pagecopyright" />'
	elseif key == "title" or (key == "link" and #order == 0) then
		return heads
	elseif key == "permalink" then
		if safeurl(value) then heads[1] = '<link rel="bookmark" href="' .. encode_entities(value) .. '" />' end
	elseif key == "stylesheet" then
		local css = weft.bestlink(page, value .. ".css")
		if not css then return nil, "stylesheet not found" end
		heads[1] = ('<link href="%s" rel="%s" title="%s" type="text/css" />'):format(
			weft.url(css, page), encode_entities(params.rel or "alternate stylesheet"),
			encode_entities(params.title or value))
	elseif key == "script" then
		local js = weft.bestlink(page, value .. ".js")
		if not js then return nil, "script not found" end
		heads[1] = ('<script src="%s"%s%s type="text/javascript"></script>'):format(
			weft.url(js, page), params.defer and ' defer="defer"' or "",
			params.async and ' async="async"' or "")
	elseif key == "openid" then
		openid_heads(value, params, heads)
	elseif key == "foaf" then
		if safeurl(value) then
			heads[1] = '<link rel="meta" type="application/rdf+xml" title="FOAF" href="' ..
				encode_entities(value) .. '" />'
		end
	elseif key == "redir" then
		local head, err = redir_head(page, value, params, scan)
		if not head then return nil, err end
		heads[1] = head
	elseif key == "link" then
		heads[1] = '<link href="' .. encode_entities(value) .. '" ' .. attrs(params, order, true) .. ' />\n'
	elseif key == "robots" or key == "description" or key == "author" then
		heads[1] = '<meta name="' .. key .. '" content="' .. encode_entities(value) .. '" />'
	elseif key == "name" then
		heads[1] = '<meta name="' .. encode_entities(value) .. '" ' .. attrs(params, order, false) .. ' />'
	elseif key == "keywords" then
		-- Only letters, digits, spaces and commas are kept.
		value = value:gsub("[^%w, \128-\255]+", "")
		heads[1] = '<meta name="keywords" content="' .. encode_entities(value) .. '" />'
	else
		heads[1] = '<meta name="' .. encode_entities(key) .. '" content="' .. encode_entities(value) .. '" />'
	end
	return heads
end

-- Each page's meta state as this Lua state's hooks have read it: decoded
-- once (a page shows in its own template and in every list of it; a tag
-- page lists hundreds), read and never written while pages render, when
-- page state no longer changes.
local states = {}
local function state_of(page)
	local meta = states[page]
	if not meta then
		meta = page:state("meta") or NONE
		states[page] = meta
	end
	return meta
end

-- Fields a meta directive set while its page rendered, by page: one that
-- another directive wrote then ([[!if]], a template's body) was not there
-- in the scan. As in ikiwiki, where meta sets page state in both passes,
-- the page's own template shows them.
local late = {}

-- A field set while page renders. Most directives are the scan's again,
-- setting what the state holds: no table until a value differs, and from
-- then on every one (the template shows the last value set of each field,
-- which, for one set only before, is the state's). Until then the render
-- need not call the directives the scan settled; from then on it must.
local function set_late(page, k, v)
	local own = late[page]
	if not own then
		if v == nil or state_of(page)[k] == v then return end
		own = {}
		late[page] = own
		weft.unsettle()
	end
	own[k] = v
end

-- The fields meta.pm sets while scanning; value is already decoded.
-- Returns the value the head tags show (enclosure's becomes its URL), or
-- nil and an error. In the render pass, own is true for the page itself
-- (its template is to show them).
local function set(page, scan, own, k, v)
	if scan then
		page:set("meta", k, v)
	elseif own and v ~= nil then
		set_late(page, k, v)
	end
end

local function set_fields(page, key, value, params, scan, own)
	if key == "title" or key == "author" then
		set(page, scan, own, key, value)
		set(page, scan, own, key .. "sort", params.sortas)
	elseif key == "description" or key == "guid" or key == "license" or key == "copyright" then
		set(page, scan, own, key, value)
	elseif key == "link" and next(params) == nil then
		if scan then page:add_link(value) end
	elseif key == "enclosure" then
		local file = weft.bestlink(page, value)
		if not file then return nil, "enclosure not found" end
		weft.depends(file.name, "presence")
		value = weft.absurl(file)
		set(page, scan, own, "enclosure", value)
		set(page, scan, own, "enclosurefile", file.name)
	elseif key == "authorurl" or key == "permalink" then
		if safeurl(value) then set(page, scan, own, key, value) end
	elseif key == "date" or key == "updated" then
		local t = weft.parse_date(value)
		if not t then return nil, "cannot parse date/time: " .. value end
		if key == "date" then
			if scan then page:set_ctime(t) end
		else
			set(page, scan, own, "updated", t)
		end
	end
	return value
end

local function add_heads(page, heads)
	for i = 1, #heads do page:append("meta", "heads", heads[i]) end
end

local LOOKS_UP = { stylesheet = true, script = true, redir = true }

-- What rendering the directive does, besides fields set_late keeps, is
-- known from its scan (settle): nothing, unless it looks a page up (its
-- dependency is the render's) or its value is wrong (the error shows).
local function settles(key, err)
	return not err and not LOOKS_UP[key] and key ~= "enclosure"
end

weft.directive("meta", function(args, page, dest, scan)
	local key, value, params, order = parse_args(args)
	if not key then return "" end
	-- A redir only counts on its own page, not where the page is inlined.
	if key == "redir" and not scan and page ~= dest then return "" end
	value = decode_entities(value)
	local own = not scan and page == dest
	local shown, err = set_fields(page, key, value, params, scan, own)
	local heads
	-- Rendering, only the head tags that look up pages matter (for their
	-- dependencies and errors): the scan kept the tags themselves.
	if shown and (scan or LOOKS_UP[key]) then
		heads, err = heads_of(page, key, shown, params, order, scan)
	end
	if scan then
		if heads then add_heads(page, heads) end
		if settles(key, err) then return "" end
		return nil
	end
	if err then error(err, 0) end
	return ""
end, { scan = true, settle = true })

-- META: the page's head tags without repeats, license and copyright first
-- (meta.pm adds those two in its scan pass too). A page in a redir loop
-- does not redirect: its directive shows the error instead.
local function first_head(h)
	return h:find('^<link rel="license"') or h:find('^<link rel="copyright"')
end

local function meta_var(page, meta)
	local heads = meta.heads
	if not heads then return nil end
	local looped = meta.redir and redir_loop(page)
	-- Most pages have one head (a date, say): nothing to order or repeat.
	if #heads == 1 and not looped then return heads[1] end
	local list, seen = {}, {}
	for pass = 1, 2 do
		for _, h in ipairs(heads) do
			if (pass == 2 or first_head(h)) and not seen[h] and
			   not (looped and h:find('^<meta http%-equiv="refresh"')) then
				seen[h] = true
				list[#list + 1] = h
			end
		end
	end
	return table.concat(list, "\n")
end

-- license and copyright may hold wiki text: rendered as part of page, on dest.
local function htmlize(page, text)
	return weft.htmlize(weft.preprocess(text, { page = page }), page.type)
end

-- Each page's title as templates show it, encoded once: every list of
-- the page shows the same.
local titles = {}

weft.hook("pagetemplate", function(page, dest, vars, template, uses)
	local meta = state_of(page)
	local own = page == dest and late[page]
	if page == dest and uses.meta then
		local m = meta_var(page, meta)
		if m then vars.meta = m end
	end
	if own then
		late[page] = nil
		for k, v in pairs(meta) do if own[k] == nil then own[k] = v end end
		meta = own
	end
	if meta.title and uses.title then
		local title = not own and titles[page]
		if not title then
			title = encode_numeric(meta.title)
			if not own then titles[page] = title end
		end
		vars.title = title
		vars.title_overridden = true
	end
	if meta.enclosure then
		vars.enclosure = encode_entities(urlabs(meta.enclosure, site_url()))
	end
	if meta.authorurl and uses.authorurl then
		vars.authorurl = encode_entities(meta.authorurl)
	end
	if meta.permalink and uses.permalink then
		vars.permalink = encode_entities(urlabs(meta.permalink, site_url()))
	end
	-- Each field written out, not a loop over their names: that cost 900
	-- instructions a call, and the hook runs for every archive entry.
	if meta.description and uses.description then
		vars.description = encode_numeric(meta.description)
	end
	if meta.author and uses.author then
		vars.author = encode_numeric(meta.author)
	end
	-- license and copyright may hold wiki text, rendered for dest.
	if meta.license and uses.license and
	   (page == dest or dest:meta("license") ~= meta.license) then
		vars.license = htmlize(page, meta.license)
	end
	if meta.copyright and uses.copyright and
	   (page == dest or dest:meta("copyright") ~= meta.copyright) then
		vars.copyright = htmlize(page, meta.copyright)
	end
end, { vars = { "meta", "title", "enclosure", "authorurl", "permalink",
	"description", "author", "license", "copyright" } })

return {
	encode_entities = encode_entities,
	encode_numeric = encode_numeric,
	decode_entities = decode_entities,
}
