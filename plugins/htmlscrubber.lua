-- htmlscrubber: page content is made safe to publish, as ikiwiki's
-- htmlscrubber plugin (htmlscrubber.pm, with HTML::Scrubber) does: only its
-- whitelisted tags and attributes stay, URLs in href, src and the like only
-- with a known scheme (or relative), scripts and styles go with their text,
-- HTML comments go, and any other "<" is shown as text. htmlscrubber_skip
-- names pages left alone. It is one of ikiwiki's default plugins.
--
-- The comments plugin always scrubs comments with it, balancing their
-- elements too (stray end tags dropped, open ones closed), so a comment
-- cannot close the page's elements; weft loads it for comments even when
-- the site turns htmlscrubber off.

weft.option{ name = "htmlscrubber_skip", type = "string", default = "",
	     help = "htmlscrubber: PageSpec of the pages not to scrub" }

-- htmlscrubber.pm's lists: the elements kept, their attributes, those
-- holding URLs (kept only when safe), and the URL schemes that are safe.
local TAGS = [[
	a abbr acronym address area b big blockquote br button caption center
	cite code col colgroup dd del dfn dir div dl dt em fieldset font form h1
	h2 h3 h4 h5 h6 hr i img input ins kbd label legend li map menu ol
	optgroup option p pre q s samp select small span strike strong sub sup
	table tbody td textarea tfoot th thead tr tt u ul var video audio source
	section nav article aside hgroup header footer figure figcaption time
	mark canvas datalist progress meter ruby rt rp details summary]]

local ATTRS = [[
	abbr accept accept-charset accesskey align alt axis border cellpadding
	cellspacing char charoff charset checked class clear cols colspan color
	compact coords datetime dir disabled enctype for frame headers height
	hreflang hspace id ismap label lang maxlength media method multiple name
	nohref noshade nowrap prompt readonly rel rev rows rowspan rules scope
	selected shape size span start summary tabindex target title type valign
	value vspace width autofocus autoplay preload loopstart loopend end
	playcount controls pubdate loop muted placeholder min max step low high
	optimum form required autocomplete novalidate pattern list formenctype
	formmethod formnovalidate formtarget reversed spellcheck open hidden]]

local URL_ATTRS = "href src action formaction cite longdesc poster usemap"

local SCHEMES = [[
	http https ftp mailto file telnet gopher aaa aaas acap cap cid crid dav
	dict dns fax go h323 im imap ldap mid news nfs nntp pop pres sip sips
	snmp tel urn wais xmpp z39.50r z39.50s aim callto cvs ed2k feed fish gg
	irc ircs lastfm ldaps magnet mms msnim notes rsync secondlife skype ssh
	sftp smb sms snews webcal ymsgr bitcoin git svn bzr darcs hg]]

local function words(s)
	local list = {}
	for w in s:gmatch("%S+") do list[#list + 1] = w end
	return list
end

-- The scrubbing itself is weft's (weft.scrubber): these lists are the
-- policy. script and style go with their text, as HTML::Scrubber's do.
local scrubber = weft.scrubber{
	tags = words(TAGS), attrs = words(ATTRS), url_attrs = words(URL_ATTRS),
	schemes = words(SCHEMES), drop = { "script", "style" },
	void = words("area br col hr img input source"),
}

-- HTML made safe to show; with balance, its elements balanced (stray end
-- tags dropped, open ones closed), as a comment needs.
local function scrub(html, balance)
	return scrubber:scrub(html, balance)
end

-- htmlscrubber's $safe_url_regexp: a known scheme, an image data: URL, a
-- fragment, or a relative URL (no ":" before its first "/", "?" or "#").
local function safe_url(u)
	return scrubber:safe_url(u)
end

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

-- Every page's content, as it is htmlized (its own, and where it is
-- inlined), unless htmlscrubber_skip names the page. Only where the
-- site has the plugin on: comments load it for themselves regardless.
-- With no page to skip, weft runs the scrubber itself: no call here.
if weft.enabled("htmlscrubber") then
	local skip = weft.config("htmlscrubber_skip") or ""
	if skip == "" then
		weft.hook("sanitize", scrubber, { contains = "<" })
	else
		weft.hook("sanitize", function(page, _, html)
			if weft.match(page, skip) then return nil end
			local clean = scrub(html)
			if clean ~= html then return clean end
		end, { contains = "<" })
	end
end

return { scrub = scrub, safe_url = safe_url, decode_entities = decode_entities }
