-- comments: ikiwiki's comments, as a static site shows them. The comment
-- directive of ikiwiki's PAGE/comment_N_HASH._comment files (internal pages,
-- never written themselves), the COMMENTS of the pages comments_pagespec
-- names (listed oldest first through the inline plugin), their feeds
-- PAGE/comments.rss and .atom, COMMENTSLINK ("2 comments") and the other
-- variables ikiwiki's templates use.
--
-- Differences from ikiwiki:
--  * No CGI, so no comment form, ADDCOMMENTURL, "Comment" link or
--    moderation page: weft takes comments by mail or from Mastodon
--    (weft comment). comments_closed_pagespec therefore changes nothing
--    shown, as in ikiwiki without a cgiurl; closed pages still show their
--    comments. comments_commit is accepted and ignored.
--  * COMMENTS is set only when the page has comments (ikiwiki sets it to an
--    empty list too), so a theme shows no empty "Comments" section.
--  * Comment text is always sanitized, whatever the site's other plugins:
--    the htmlized comment goes through a whitelist scrubber with
--    htmlscrubber's tags, attributes and URL schemes (scripts and styles
--    dropped with their text), and its elements balanced. Directives in a
--    comment run only with comments_allowdirectives; its wiki links always
--    do, as in ikiwiki. Without comments_allowdirectives a comment's
--    directives do not run at all, in the scan either, so a commenter's
--    [[!meta author]] does not count (ikiwiki's scan ran it).
--  * A comment's modification time is its date, as its ctime is: a comment
--    is never edited, and its date then does not depend on the checkout.
--  * The links to a page's comments (COMMENTSURL, ATOMCOMMENTSURL) are
--    absolute, as feeds need them; the comment feeds' <link> tags are
--    always in FEEDLINKS (ikiwiki's hook order made that vary).

weft.option{ name = "comments_pagespec", type = "string", default = "",
	     help = "comments: PageSpec of the pages whose comments are shown" }
weft.option{ name = "comments_closed_pagespec", type = "string", default = "",
	     help = "comments: PageSpec of the pages that take no new comments" }
weft.option{ name = "comments_pagename", type = "string", default = "comment_",
	     help = "comments: base name of comment files (PAGE/comment_N_HASH._comment)" }
weft.option{ name = "comments_allowdirectives", type = "bool", default = false,
	     help = "comments: run directives in comments" }
weft.option{ name = "comments_allowauthor", type = "bool", default = false,
	     help = "comments: honour claimedauthor= and url= of anonymous comments" }
weft.option{ name = "comments_commit", type = "bool", default = true,
	     help = "comments: ikiwiki's; weft ignores it (weft comment commits)" }
weft.option{ name = "comments_allowformats", type = "string", default = "",
	     help = "comments: the formats comments may use, e.g. \"mdwn txt\" (empty: any)" }

-- ikiwiki's comments loads inline to list the comments; here it is a
-- default plugin, so it is loaded first.
local inline = weft.plugin("inline")

-- ---- sanitizing -----------------------------------------------------------

-- htmlscrubber's lists.
local function set(words)
	local s = {}
	for w in words:gmatch("%S+") do s[w] = true end
	return s
end

local allowed_tags = set[[
	a abbr acronym address area b big blockquote br button caption center
	cite code col colgroup dd del dfn dir div dl dt em fieldset font form h1
	h2 h3 h4 h5 h6 hr i img input ins kbd label legend li map menu ol
	optgroup option p pre q s samp select small span strike strong sub sup
	table tbody td textarea tfoot th thead tr tt u ul var video audio source
	section nav article aside hgroup header footer figure figcaption time
	mark canvas datalist progress meter ruby rt rp details summary
]]

local allowed_attrs = set[[
	abbr accept accept-charset accesskey align alt axis border cellpadding
	cellspacing char charoff charset checked class clear cols colspan color
	compact coords datetime dir disabled enctype for frame headers height
	hreflang hspace id ismap label lang maxlength media method multiple name
	nohref noshade nowrap prompt readonly rel rev rows rowspan rules scope
	selected shape size span start summary tabindex target title type valign
	value vspace width autofocus autoplay preload loopstart loopend end
	playcount controls pubdate loop muted placeholder min max step low high
	optimum form required autocomplete novalidate pattern list formenctype
	formmethod formnovalidate formtarget reversed spellcheck open hidden
]]

local url_attrs = set"href src action formaction cite longdesc poster usemap"

local schemes = set[[
	http https ftp mailto file telnet gopher aaa aaas acap cap cid crid dav
	dict dns fax go h323 im imap ldap mid news nfs nntp pop pres sip sips
	snmp tel urn wais xmpp z39.50r z39.50s aim callto cvs ed2k feed fish gg
	irc ircs lastfm ldaps magnet mms msnim notes rsync secondlife skype ssh
	sftp smb sms snews webcal ymsgr bitcoin git svn bzr darcs hg
]]

local named = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'", nbsp = "\194\160" }

-- HTML entities decoded (the numeric ones and the few named ones that
-- matter for attribute values and subjects).
local function decode_entities(s)
	return (s:gsub("&(#?[xX]?)(%w+);", function(kind, v)
		local n
		if kind == "#" then
			n = tonumber(v)
		elseif kind == "#x" or kind == "#X" then
			n = tonumber(v, 16)
		elseif kind == "" then
			return named[v]
		end
		if n and n > 0 and n < 0x110000 and not (n >= 0xD800 and n < 0xE000) then
			return utf8.char(n)
		end
	end))
end

-- htmlscrubber's $safe_url_regexp: a known scheme, an image data: URL, or
-- a relative URL (no ":" before its first "/", "?" or "#").
local function safe_url(u)
	u = decode_entities(u)
	local l = u:lower()
	local scheme = l:match("^([^:/?#]*):")
	if l:sub(1, 1) == "#" or (scheme and schemes[scheme]) then
		return true
	end
	if l:match("^data:image/png") or l:match("^data:image/jpeg") or l:match("^data:image/gif") then
		return true
	end
	local colon = u:find(":", 1, true)
	if not colon then
		return #u > 0
	end
	local sep = u:find("[/?#]", 2)
	return sep ~= nil and sep <= colon
end

-- One tag's attributes kept: allowed names, URLs only when safe, values
-- re-quoted.
local function attributes(s)
	local out = {}
	local i = 1
	while true do
		local ns, ne, name = s:find("^%s*([^%s=/>\"']+)", i)
		if not ns then break end
		i = ne + 1
		local value
		local vs, ve, v = s:find('^%s*=%s*"([^"]*)"', i)
		if not vs then vs, ve, v = s:find("^%s*=%s*'([^']*)'", i) end
		if not vs then vs, ve, v = s:find("^%s*=%s*([^%s>]+)", i) end
		if vs then
			value = v
			i = ve + 1
		end
		name = name:lower()
		if url_attrs[name] then
			if value and safe_url(value) then
				out[#out + 1] = (' %s="%s"'):format(name, weft.escape_html(decode_entities(value)))
			end
		elseif allowed_attrs[name] then
			if value then
				out[#out + 1] = (' %s="%s"'):format(name, weft.escape_html(decode_entities(value)))
			else
				out[#out + 1] = (' %s="%s"'):format(name, name)
			end
		end
	end
	return table.concat(out)
end

-- Elements that have no end tag.
local void = set"area br col hr img input source"

-- One tag, kept when allowed, re-written with its allowed attributes. open
-- is the stack of the elements open in the comment: an end tag that closes
-- none of them is dropped, so a comment cannot close the page's elements.
local function tag(close, name, rest, open)
	name = name:lower()
	if not allowed_tags[name] then
		return ""
	end
	if close ~= "" then
		local out = {}
		for i = #open, 1, -1 do
			if open[i] == name then
				for j = #open, i, -1 do
					out[#out + 1] = "</" .. open[j] .. ">"
					open[j] = nil
				end
				break
			end
		end
		return table.concat(out)
	end
	local selfclose = rest:match("/%s*$") and " /" or ""
	if not void[name] and selfclose == "" then
		open[#open + 1] = name
	end
	return "<" .. name .. attributes((rest:gsub("/%s*$", ""))) .. selfclose .. ">"
end

-- Where the tag whose attributes start at html[i] ends (its ">"), the
-- quoted attribute values skipped; nil when it does not end, or holds a
-- "<" (then its "<" is shown as text).
local function tag_end(html, i)
	while true do
		local j = html:find("[<=>]", i)
		if not j or html:byte(j) == 60 then
			return nil
		elseif html:byte(j) == 62 then
			return j
		end
		local k = html:find("%S", j + 1)
		local q = k and html:sub(k, k)
		if q == '"' or q == "'" then
			local close = html:find(q, k + 1, true)
			if not close then
				return nil
			end
			i = close + 1
		else
			i = k or #html + 1
		end
	end
end

-- html without the elements name (script, style) and what they hold; an
-- unclosed one takes the rest with it.
local function drop_elements(html, name)
	local lower = html:lower()
	local out, i = {}, 1
	while true do
		local s = lower:find("<%s*" .. name .. "[%s/>]", i)
		if not s then
			break
		end
		out[#out + 1] = html:sub(i, s - 1)
		local _, e = lower:find("</%s*" .. name .. "%s*>", s)
		i = e and e + 1 or #html + 1
	end
	out[#out + 1] = html:sub(i)
	return table.concat(out)
end

-- HTML made safe to show: htmlscrubber's whitelist; scripts and styles
-- dropped with their text, comments dropped, any other "<" escaped, and
-- the elements balanced (stray end tags dropped, open ones closed).
local function scrub(html)
	html = drop_elements(drop_elements(html:gsub("<!%-%-.-%-%->", ""), "script"), "style")
	local out, open, i = {}, {}, 1
	while i <= #html do
		local lt = html:find("<", i, true)
		if not lt then
			out[#out + 1] = html:sub(i)
			break
		end
		out[#out + 1] = html:sub(i, lt - 1)
		local _, ne, close, name = html:find("^<(/?)(%a%w*)", lt)
		local e = ne and tag_end(html, ne + 1)
		if e then
			out[#out + 1] = tag(close, name, html:sub(ne + 1, e - 1), open)
			i = e + 1
		else
			out[#out + 1] = "&lt;"
			i = lt + 1
		end
	end
	for j = #open, 1, -1 do
		out[#out + 1] = "</" .. open[j] .. ">"
	end
	return table.concat(out)
end

-- ---- the comment directive ------------------------------------------------

local function format_allowed(format)
	local allowed = weft.config("comments_allowformats") or ""
	return allowed == "" or (" " .. allowed .. " "):find("[^%w_]" .. format:gsub("%p", "%%%0") .. "[^%w_]") ~= nil
end

-- Net::OpenID's DisplayOfURL.
local function display_of_url(url)
	local host, path = url:match("^https?://([^/]+)(/.*)$")
	if not host then
		host, path = url:match("^https?://([^/]+)$"), ""
	end
	if not host then
		return url
	end
	host = host:lower():gsub(":.+", ""):gsub("^www%.", "")
	if #path <= 1 then
		return host
	end
	local name = path:match("^/~([^/]+)/?$") or path:match("^/users?/([^/]+)/?$") or
		path:match("^/members?/([^/]+)/?$")
	if name then
		return name .. " [" .. host .. "]"
	end
	local site = host:match("^profile%.(.+)")
	name = site and path:match("^/([^/]+)/?$")
	if name then
		return name .. " [" .. site .. "]"
	end
	return url
end

-- ikiwiki's openiduser: the name to show for an OpenID URL, or nil when
-- the user is not one.
local function openiduser(user)
	if not user:match("^https?://") then
		return nil
	end
	local display = display_of_url(user)
	if not display:find("[", 1, true) then
		display = display:gsub("^([-%w]+)%.([-.%w]+%.%l+)$", "%1 [%2]")
	end
	if not display:find("[", 1, true) then
		local n
		display, n = display:gsub("^https?://(.+)/([^/#?]+)/?$", "%2 [%1]")
		if n == 0 then
			display = display:gsub("^https?://(.+)/([^/#?]+)/?[#?].*$", "%2 [%1]")
		end
	end
	display = display:gsub("^https?://", "")
	return weft.escape_html(display)
end

-- ikiwiki's emailuser: the name part of an address, as a page name.
local function emailuser(user)
	local nick = user:match("^(.+)@")
	return nick and nick:gsub("[^-%w+/.:_\128-\255]", "_") or nil
end

-- URI::Heuristic's uf_uristr, which ikiwiki applies to a commenter's url:
-- "www.x.org" and "x.org/y" get http://, "ftp.x.org" ftp://, "a@b.com"
-- mailto:, "/path" file:. The one rule left out is its DNS guessing for a
-- bare host name without a dot ("foo" -> "www.foo.com" if that resolves):
-- a build never depends on the network.
local function uristr(url)
	url = url:match("^%s*(.-)%s*$")
	local lower = url:lower()
	local function starts(words)
		for _, w in ipairs(words) do
			local rest = lower:sub(#w + 1)
			if lower:sub(1, #w) == w and (rest:match("^[a-z0-9-]*%.") or rest:match("^[a-z0-9-]*$")) then
				return w
			end
		end
	end
	if starts{ "www", "web", "home" } then
		return "http://" .. url
	end
	local scheme = starts{ "ftp", "gopher", "news", "wais", "https", "http" }
	if scheme then
		return scheme .. "://" .. url
	end
	if url:match("^/") or url:match("^%.%.?/") or url:match("^%a:[/\\]") then
		return "file:" .. url
	end
	-- \w+([.-]\w+)*@(\w+\.)+\w{2,3}
	local user, host = url:match("^([%w_][%w_.-]*)@([%w_.]+)$")
	if user and not user:find("[.-][.-]") and not user:find("[.-]$") then
		local tld = host:match("%.([%w_]+)$")
		if tld and #tld >= 2 and #tld <= 3 and not host:find("%.%.") and not host:find("^%.") then
			return "mailto:" .. url
		end
	end
	if url:match("^%a[%w+.-]*:") then
		return url
	end
	local hostpart, rest = url:match("^([%w_-]+[%w_.-]*)(.*)$")
	if hostpart and not hostpart:find("%.%.") and not hostpart:find("%.$") and
	   (rest == "" or rest:match("^[/:?#]")) then
		local scheme2 = "http"
		local port = rest:match("^:(%d+)")
		if port then
			if port:match("^[56789]?443$") then scheme2 = "https"
			elseif port == "21" then scheme2 = "ftp" end
		end
		return scheme2 .. "://" .. url
	end
	return url
end

-- Who wrote the comment, as ikiwiki's preprocess works it out.
local function author_of(args)
	local a = {}
	if args.username then
		a.user = args.username
		local oid = openiduser(a.user)
		if oid then
			a.authorurl, a.openid = a.user, a.user
			a.author = (args.nickname and args.nickname ~= "") and args.nickname or oid
		else
			a.user = emailuser(a.user) or a.user
			a.author = a.user
		end
	else
		a.ip = args.ip
		a.author = "Anonymous"
	end
	if weft.config("comments_allowauthor") then
		a.author = args.claimedauthor or a.author
		if args.url then
			local url = uristr(args.url)
			if safe_url(url) then a.authorurl = url end
		end
	end
	a.avatar = args.avatar
	return a
end

-- The absolute URL of the page name, also when there is no such page.
local function page_url(name)
	local p = weft.page(name)
	if p and p.url then
		return weft.absurl(p)
	end
	return weft.absurl(weft.config("usedirs") and name .. "/" or
		name .. "." .. (weft.config("htmlext") or "html"))
end

-- The scan: the comment's author, title, permalink and date as the page's
-- meta state, the rest as its comments state.
local function record(page, args)
	local a = author_of(args)
	for _, k in ipairs{ "user", "openid", "ip", "author", "authorurl", "avatar" } do
		if a[k] then page:set("comments", k, a[k]) end
	end
	-- As ikiwiki: a [[!meta author]] in the comment (run by the scan
	-- with comments_allowdirectives) wins.
	if not page:meta("author") then page:set("meta", "author", a.author) end
	if a.authorurl and not page:meta("authorurl") then
		page:set("meta", "authorurl", a.authorurl)
	end
	if args.subject then
		-- Decoded as meta decodes a title (its full entity table).
		local meta = weft.plugin("meta")
		page:set("meta", "title", (meta and meta.decode_entities or decode_entities)(args.subject))
	end
	local prefix = weft.config("comments_pagename") or "comment_"
	if page.name:find("/" .. prefix:gsub("%p", "%%%0") .. "%d") then
		page:set("meta", "permalink", page_url(weft.dirname(page.name)) ..
			"#comment-" .. weft.md5(page.name))
	end
	local t = args.date and weft.parse_date(args.date)
	if t then
		page:set_ctime(t)
		page:set_mtime(t)
	end
end

-- Wiki links (and, with comments_allowdirectives, directives) of a
-- comment's text expanded, as part of the comment page.
local function expand(text, markdown)
	if not weft.config("comments_allowdirectives") then
		text = text:gsub("%[%[!", "\\[[!")
	end
	return weft.preprocess(text, { markdown = markdown })
end

-- The comment's HTML: its links expanded (before Markdown, which would
-- garble directives' quotes; after any other format, as ikiwiki links the
-- htmlized comment), htmlized, then scrubbed. Not with cmark's safe mode:
-- it would drop the HTML of the links too.
local function render(content, format)
	local markdown = format == "mdwn" or format == "md"
	if markdown then
		content = expand(content, true)
	end
	if format then
		local ok, html = pcall(weft.htmlize, content, format)
		if not ok then
			error(html, 0)	-- "unsupported page format x", as ikiwiki's
		end
		content = html
	end
	if not markdown then
		content = expand(content, false)
	end
	return scrub(content)
end

-- The scan records the comment's metadata whatever is wrong with it; the
-- errors are raised once, when it renders.
local function comment(args, page, dest, scan)
	if scan then
		-- The comment's own directives run only when the site allows
		-- them; otherwise a commenter could claim to be someone else.
		if args.content and weft.config("comments_allowdirectives") then
			weft.preprocess((args.content:gsub('\\"', '"')))
		end
		record(page, args)
		return nil
	end
	local format = args.format
	if format and not format_allowed(format) then
		error(("unsupported page format %s"):format(format), 0)
	end
	if not args.content then
		error("comment must have content", 0)
	end
	return render((args.content:gsub('\\"', '"')), format)
end

weft.directive("comment", comment, { scan = true })
-- ikiwiki's name for it in old comment files.
weft.directive("_comment", comment, { scan = true })

weft.directive("commentmoderation", function(args)
	return args.desc or "Comment Moderation"
end)

-- A ._comment file's text is what its comment directive made of it.
weft.htmlize_type("_comment", function(page, text)
	return text
end)

-- ---- showing comments -------------------------------------------------------

local function shown(page)
	local spec = weft.config("comments_pagespec") or ""
	return spec ~= "" and weft.match(page, spec, { location = page })
end

-- How many comments a page has (ikiwiki counts its comment files).
local function num_comments(page)
	local prefix = page.name .. "/" .. (weft.config("comments_pagename") or "comment_")
	local n = 0
	for _, c in ipairs(weft.pages("comment(" .. page.name .. ")", { deptype = "presence" })) do
		if c.type == "_comment" and c.name:sub(1, #prefix) == prefix and
		   not c.name:find("/", #prefix + 1, true) then
			n = n + 1
		end
	end
	return n
end

-- COMMENTS: the page's comments, oldest first, and their feeds.
local function comments_html(page, dest, vars, t)
	if not inline then
		error("comments needs the inline plugin, which is disabled", 0)
	end
	local html = inline.render({
		pages = ("comment(%s) and !comment(%s/*)"):format(page.name, page.name),
		template = "comment", show = "0", reverse = "yes",
		feedfile = "comments", emptyfeeds = "no",
	}, page, dest)
	if html ~= "" then
		vars.comments = html
	end
	local links = inline.feedlinks(dest)
	if links and t:uses("feedlinks") then
		vars.feedlinks = links
	end
end

local function links(page, vars, t)
	if t:uses("commentsurl") then
		vars.commentsurl = weft.absurl(page) .. "#comments"
	end
	if t:uses("atomcommentsurl") and weft.config("usedirs") then
		vars.atomcommentsurl = weft.absurl(page) .. "comments.atom"
	end
	if t:uses("commentslink") then
		local n = num_comments(page)
		if n > 0 then
			vars.commentslink = weft.link(page, {
				text = n == 1 and "1 comment" or ("%d comments"):format(n),
				anchor = "comments",
			})
		end
	end
end

-- The variables of comment.tmpl, for a comment page.
local function comment_vars(page, vars, t)
	local st = page:state("comments")
	if not st then
		return
	end
	if t:uses("commentid") then
		vars.commentid = "comment-" .. weft.md5(page.name)
	end
	for _, k in ipairs{ "user", "openid", "ip", "author", "authorurl" } do
		if st[k] and t:uses("comment" .. k) then
			vars["comment" .. k] = st[k]
		end
	end
	if st.avatar and t:uses("commentauthoravatar") then
		vars.commentauthoravatar = st.avatar
	end
end

weft.hook("pagetemplate", function(page, dest, vars, t)
	if t:uses("commentslink") or t:uses("commentsurl") or t:uses("atomcommentsurl") or
	   t:uses("comments") then
		if shown(page) then
			if t:uses("comments") and page.name == dest.name then
				comments_html(page, dest, vars, t)
			end
			links(page, vars, t)
		end
	end
	if page.type == "_comment" then
		comment_vars(page, vars, t)
	end
end, { vars = { "comments", "commentslink", "commentsurl", "atomcommentsurl",
	"commentid", "commentuser", "commentopenid", "commentip", "commentauthor",
	"commentauthorurl", "commentauthoravatar" } })
