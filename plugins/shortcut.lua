-- shortcut: [[!shortcut name=NAME url=URL desc=DESC]] on the page
-- "shortcuts" defines the directive [[!NAME text]], a link to URL with
-- text in it, as ikiwiki's shortcut plugin: in the URL, %s is the text
-- URL-escaped, %S the text as it is, %W the text escaped for Wikipedia
-- (UTF-8 bytes); the link shows DESC with %s replaced by the text (with
-- "_" as spaces), or the text. [[!NAME text desc=...]] overrides DESC.
-- A site without a "shortcuts" page gets ikiwiki's (the basewiki's).
--
-- Differences from ikiwiki:
-- - Only the "shortcuts" page defines shortcuts (ikiwiki reads that page
--   first, and a [[!shortcut]] elsewhere defines one only for the pages
--   rendered after it); elsewhere the directive shows what it would
--   define and warns.
-- - In the default page, the links to ikiwiki/directive (a basewiki page
--   weft sites do not have) point to ikiwiki.info instead, and the
--   examples in code lose their backslashes: weft leaves code as written,
--   where ikiwiki removes the backslash that keeps a directive as text.

-- The definitions are kept in this page's state.
local PAGE = "shortcuts"

-- ikiwiki's basewiki shortcuts.mdwn (GPL-2+, as weft).
local DEFAULT_PAGE = [==[
[[!if test="enabled(shortcut)"
     then="This wiki has shortcuts **enabled**."
     else="This wiki has shortcuts **disabled**."]]

Some examples of using shortcuts include:

	[[!google foo]]
	[[!wikipedia War_of_1812]]
	[[!debbug 12345]]
	Check the [[!google ikiwiki desc="google search for %s"]].

This page controls what shortcut links the wiki supports.

* [[!shortcut name=google url="https://encrypted.google.com/search?q=%s"]]
* [[!shortcut name=archive url="http://web.archive.org/*/%S"]]
* [[!shortcut name=gmap url="https://maps.google.com/maps?q=%s"]]
* [[!shortcut name=gmsg url="https://groups.google.com/groups?selm=%s"]]
* [[!shortcut name=wikipedia url="https://en.wikipedia.org/wiki/%W"]]
* [[!shortcut name=wikitravel url="https://wikitravel.org/en/%s"]]
* [[!shortcut name=wiktionary url="https://en.wiktionary.org/wiki/%s"]]
* [[!shortcut name=debbug url="http://bugs.debian.org/%S" desc="Debian bug #%s"]]
* [[!shortcut name=deblist url="https://lists.debian.org/debian-%s" desc="debian-%s@lists.debian.org"]]
* [[!shortcut name=debpkg url="http://packages.debian.org/%s"]]
* [[!shortcut name=debpkgsid url="http://packages.debian.org/sid/%s"]]
* [[!shortcut name=debpts url="http://packages.qa.debian.org/%s"]]
* [[!shortcut name=debmsg url="https://lists.debian.org/msgid-search/%s"]]
* [[!shortcut name=debrt url="https://rt.debian.org/Ticket/Display.html?id=%s"]]
* [[!shortcut name=debss url="http://snapshot.debian.org/package/%s/"]]
  * Usage: `[[!debss package]]` or `[[!debss package/version]]`.  See <http://snapshot.debian.org/> for details.
* [[!shortcut name=debwiki url="https://wiki.debian.org/%S"]]
* [[!shortcut name=debcve url="https://security-tracker.debian.org/tracker/%S"]]
  * also supports Debian bug numbers, packages and whatever the [security tracker](https://security-tracker.debian.org/tracker/) supports.
* [[!shortcut name=fdobug url="https://bugs.freedesktop.org/show_bug.cgi?id=%s" desc="freedesktop.org bug #%s"]]
* [[!shortcut name=fdolist url="http://lists.freedesktop.org/mailman/listinfo/%s" desc="%s@lists.freedesktop.org"]]
* [[!shortcut name=gnomebug url="https://bugzilla.gnome.org/show_bug.cgi?id=%s" desc="GNOME bug #%s"]]
* [[!shortcut name=linuxbug url="https://bugzilla.kernel.org/show_bug.cgi?id=%s" desc="Linux bug #%s"]]
* [[!shortcut name=mozbug url="https://bugzilla.mozilla.org/show_bug.cgi?id=%s" desc="Mozilla bug #%s"]]
* [[!shortcut name=gnulist url="https://lists.gnu.org/mailman/listinfo/%s" desc="%s@gnu.org"]]
* [[!shortcut name=marcmsg url="http://marc.info/?i=%s"]]
* [[!shortcut name=marclist url="http://marc.info/?l=%s"]]
* [[!shortcut name=gmane url="http://dir.gmane.org/gmane.%s" desc="gmane.%s"]]
* [[!shortcut name=gmanemsg url="http://mid.gmane.org/%s"]]
* [[!shortcut name=cpan url="http://search.cpan.org/search?mode=dist&query=%s"]]
* [[!shortcut name=ctan url="http://tug.ctan.org/cgi-bin/ctanPackageInformation.py?id=%s"]]
* [[!shortcut name=hoogle url="http://haskell.org/hoogle/?q=%s"]]
* [[!shortcut name=iki url="http://ikiwiki.info/%S/"]]
* [[!shortcut name=ljuser url="http://%s.livejournal.com/"]]
* [[!shortcut name=rfc url="https://www.ietf.org/rfc/rfc%s.txt" desc="RFC %s"]]
* [[!shortcut name=c2 url="http://wiki.c2.com/?%s"]]
* [[!shortcut name=meatballwiki url="http://www.usemod.com/cgi-bin/mb.pl?%s"]]
* [[!shortcut name=emacswiki url="http://www.emacswiki.org/cgi-bin/wiki/%s"]]
* [[!shortcut name=haskellwiki url="http://haskell.org/haskellwiki/%s"]]
* [[!shortcut name=dict url="http://www.dict.org/bin/Dict?Form=Dict1&Strategy=*&Database=*&Query=%s"]]
* [[!shortcut name=imdb url="http://imdb.com/find?q=%s"]]
* [[!shortcut name=gpg url="http://pgpkeys.mit.edu:11371/pks/lookup?op=vindex&exact=on&search=0x%s"]]
* [[!shortcut name=perldoc url="http://perldoc.perl.org/search.html?q=%s"]]
* [[!shortcut name=whois url="http://reports.internic.net/cgi/whois?whois_nic=%s&type=domain"]]
* [[!shortcut name=cve url="https://cve.mitre.org/cgi-bin/cvename.cgi?name=%s"]]
* [[!shortcut name=flickr url="https://secure.flickr.com/photos/%s"]]
* [[!shortcut name=man url="http://manpages.debian.org/%s"]]
* [[!shortcut name=ohloh url="https://www.ohloh.net/p/%s"]]
* [[!shortcut name=cpanrt url="https://rt.cpan.org/Ticket/Display.html?id=%s" desc="CPAN RT#%s"]]
* [[!shortcut name=novellbug url="https://bugzilla.novell.com/show_bug.cgi?id=%s" desc="bug %s"]]
* [[!shortcut name=ubupkg url="http://packages.ubuntu.com/%s"]]
* [[!shortcut name=mozillazinekb url="http://kb.mozillazine.org/%s"]]
* [[!shortcut name=freebsdwiki url="http://wiki.freebsd.org/%s"]]
* [[!shortcut name=hackage url="http://hackage.haskell.org/package/%s"]]
* [[!shortcut name=pkgsrc url="http://pkgsrc.se/%S"]]
* [[!shortcut name=doi url="http://dx.doi.org/%s" desc="doi:%s"]]
* [[!shortcut name=arxiv url="http://arxiv.org/abs/%s" desc="arXiv:%s"]]

To add a new shortcut, use the `shortcut`
[directive](https://ikiwiki.info/ikiwiki/directive/). In the url, "%s" is replaced with the
text passed to the named shortcut, after [[!wikipedia url_encoding]]
it, and '%S' is replaced with the raw, non-encoded text. 
Additionally, `%W` is replaced with the text encoded just right for
Wikipedia. The optional `desc` parameter controls the description of
the link.

Remember that the `name` you give the shortcut will become a new
[directive](https://ikiwiki.info/ikiwiki/directive/).  Avoid using a `name` that conflicts
with an existing directive.  These directives also accept a `desc`
parameter that will override the one provided at definition time.

If you come up with a shortcut that you think others might find useful,
consider contributing it to the [shortcuts page on the ikiwiki
wiki](http://ikiwiki.info/shortcuts/), so that future versions of
ikiwiki will include your shortcut in the standard underlay.
]==]

-- %s: each character that is not a letter or digit as %XX of its code
-- point, as shortcut.pm does on Perl's decoded text (so "é" is %E9).
local function escape_chars(text)
	if not utf8.len(text) then
		return (text:gsub("[^A-Za-z0-9]", function(c)
			return ("%%%02X"):format(c:byte())
		end))
	end
	local out = {}
	for _, cp in utf8.codes(text) do
		local c = utf8.char(cp)
		out[#out + 1] = c:match("^[A-Za-z0-9]$") and c or ("%%%02X"):format(cp)
	end
	return table.concat(out)
end

-- %W: each byte of the UTF-8 text that is not a letter or digit as %XX.
local function escape_bytes(text)
	return (text:gsub("[^A-Za-z0-9]", function(c)
		return ("%%%02X"):format(c:byte())
	end))
end

-- The text a shortcut links: its bare parameters (and keys with empty
-- values, as shortcut.pm collects them), joined with spaces.
local function shortcut_text(args)
	local words = {}
	for _, a in ipairs(args) do
		if a.key == nil then
			words[#words + 1] = a.value
		elseif a.value == "" then
			words[#words + 1] = a.key
		end
	end
	return table.concat(words, " ")
end

local function expand(def, args)
	local text = shortcut_text(args)
	local url = def.url:gsub("%%([sSW])", function(c)
		if c == "s" then return escape_chars(text) end
		if c == "S" then return text end
		return escape_bytes(text)
	end)
	text = text:gsub("_", " ")
	local desc = args.desc or def.desc
	if desc then
		desc = desc:gsub("%%s", function() return text end)
	else
		desc = text
	end
	return ('<a href="%s">%s</a>'):format(url, desc)
end

-- The names defined so far while the shortcuts page is scanned (in this
-- worker's state; emptied by the scan hook once the page is done).
local defined = {}

-- On the shortcuts page in the scan pass: records and declares one. The
-- first definition of a name wins, as ikiwiki's no_override hooks.
local function define(args, page)
	if page.name ~= PAGE or defined[args.name] then return end
	defined[args.name] = true
	page:set("shortcut", args.name, { url = args.url, desc = args.desc })
	weft.alias_directive(args.name, "shortcut")
end

-- Only a page that mentions shortcuts can define one: the others, every
-- post of a blog, are not handed to Lua.
weft.hook("scan", function(page)
	if page.name == PAGE then defined = {} end
end, { contains = "shortcut" })

-- [[!shortcut]] defines (in the scan pass) and shows what it defined; an
-- alias [[!NAME]] arrives here with its name and expands.
weft.directive("shortcut", function(args, page, dest, scan, name)
	if name ~= "shortcut" then
		if scan then return nil end
		weft.depends(PAGE)
		local p = weft.page(PAGE)
		local def = p and p:state("shortcut", name)
		if not def or not def.url then
			error("shortcut " .. name .. " is not defined on the " .. PAGE .. " page", 0)
		end
		return expand(def, args)
	end
	if args.name == nil or args.url == nil then
		if scan then return nil end
		error("missing name or url parameter", 0)
	end
	if scan then
		define(args, page)
		return nil
	end
	if page.name ~= PAGE then
		weft.warn(("shortcut %s is only defined on the %s page"):format(args.name, PAGE))
	end
	return ("shortcut %s points to <i>%s</i>"):format(args.name, args.url)
end, { scan = true })

-- ikiwiki always has the basewiki's shortcuts page under the site's own.
-- The shortcuts are declared again from the page's state on every build:
-- an incremental build keeps the page's last scan instead of scanning it.
weft.hook("autofiles", function()
	local p = weft.page(PAGE)
	if not p then
		weft.add_page(PAGE, DEFAULT_PAGE)
		return
	end
	for name in pairs(p:state("shortcut") or {}) do
		weft.alias_directive(name, "shortcut")
	end
end)
