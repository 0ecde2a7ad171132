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

-- The whitelist scrubber and its URL test are htmlscrubber's, which weft
-- loads for comments even where the site turns it off for pages.
local function scrubber()
	return weft.plugin("htmlscrubber")
end

local function safe_url(u)
	return scrubber().safe_url(u)
end

local function scrub(html)
	return scrubber().scrub(html, true)
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
		page:set("meta", "title", (meta and meta.decode_entities or scrubber().decode_entities)(args.subject))
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
-- What is wrong with a comment directive, as comments.pm checks it first:
-- a format not allowed or not known, or no content; nil when nothing is.
local function problem(args)
	local format = args.format
	if format and (not format_allowed(format) or not pcall(weft.htmlize, "", format)) then
		return ("unsupported page format %s"):format(format)
	end
	if not args.content then
		return "comment must have content"
	end
end

-- The scan records the comment's metadata, unless the directive is wrong:
-- then, as in ikiwiki, the comment has none of it (no date, no author), and
-- the error shows when it renders.
local function comment(args, page, dest, scan)
	local wrong = problem(args)
	if scan then
		if wrong then return nil end
		-- The comment's own directives run only when the site allows
		-- them; otherwise a commenter could claim to be someone else.
		if weft.config("comments_allowdirectives") then
			weft.preprocess((args.content:gsub('\\"', '"')))
		end
		record(page, args)
		return nil
	end
	if wrong then
		error(wrong, 0)
	end
	return render((args.content:gsub('\\"', '"')), args.format)
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
local function comments_html(page, dest, vars, uses)
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
	if links and uses.feedlinks then
		vars.feedlinks = links
	end
end

local function links(page, vars, uses)
	if uses.commentsurl then
		vars.commentsurl = weft.absurl(page) .. "#comments"
	end
	if uses.atomcommentsurl and weft.config("usedirs") then
		vars.atomcommentsurl = weft.absurl(page) .. "comments.atom"
	end
	if uses.commentslink then
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
local function comment_vars(page, vars, uses)
	local st = page:state("comments")
	if not st then
		return
	end
	if uses.commentid then
		vars.commentid = "comment-" .. weft.md5(page.name)
	end
	for _, k in ipairs{ "user", "openid", "ip", "author", "authorurl" } do
		if st[k] and uses["comment" .. k] then
			vars["comment" .. k] = st[k]
		end
	end
	if st.avatar and uses.commentauthoravatar then
		vars.commentauthoravatar = st.avatar
	end
end

weft.hook("pagetemplate", function(page, dest, vars, t, uses)
	if uses.commentslink or uses.commentsurl or uses.atomcommentsurl or
	   uses.comments then
		if shown(page) then
			if uses.comments and page.name == dest.name then
				comments_html(page, dest, vars, uses)
			end
			links(page, vars, uses)
		end
	end
	if page.type == "_comment" then
		comment_vars(page, vars, uses)
	end
end, { vars = { "comments", "commentslink", "commentsurl", "atomcommentsurl",
	"commentid", "commentuser", "commentopenid", "commentip", "commentauthor",
	"commentauthorurl", "commentauthoravatar" } })
