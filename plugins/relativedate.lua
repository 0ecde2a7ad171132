-- relativedate: dates shown relative to the reader's now ("3 days ago"), as
-- ikiwiki's relativedate plugin (relativedate.pm) does. Every date is
-- written with class "relativedate" and the full date in its title; a
-- small script at the end of each page rewrites the text in the browser.
-- Without JavaScript the date reads as formattime writes it (prettydate's
-- words, when that plugin is on).
--
-- Differences from ikiwiki: the script is weft's own, written into the page
-- (ikiwiki links ikiwiki/ikiwiki.js and ikiwiki/relativedate.js from its
-- underlay), so the site carries no extra file.

local function relativedate(t, format, pubdate)
	-- The title is what the script reads back: RFC 2822 in the site's zone.
	local mid = ' class="relativedate" title="' ..
		weft.strftime("%a, %d %b %Y %H:%M:%S %z", t) .. '">' .. weft.formattime(t, format)
	if weft.config("html5") then
		return '<time datetime="' .. weft.date3339(t) .. '"' ..
			(pubdate and ' pubdate="pubdate"' or "") .. mid .. "</time>"
	end
	return "<span" .. mid .. "</span>"
end

-- Each date written once a build (the plugin is loaded anew for each): a
-- post's date is shown on its page and in each list of it.
local written = {}

weft.inject("displaytime", function(t, format, pubdate)
	local key = (pubdate and "p" or "-") .. t .. "\0" .. (format or "")
	local s = written[key]
	if not s then
		s = relativedate(t, format, pubdate)
		written[key] = s
	end
	return s
end)

local SCRIPT = [==[
<script>
(function () {
	var units = [["year", 31536000], ["month", 2592000], ["day", 86400],
		["hour", 3600], ["minute", 60], ["second", 1]];
	function relative(when) {
		var s = Math.round((Date.now() - when) / 1000), future = s < 0;
		s = Math.abs(s);
		if (s < 1) return "now";
		for (var i = 0; i < units.length; i++) {
			var n = Math.floor(s / units[i][1]);
			if (n >= 1) {
				var text = n + " " + units[i][0] + (n > 1 ? "s" : "");
				return future ? "in " + text : text + " ago";
			}
		}
	}
	function update() {
		var els = document.getElementsByClassName("relativedate");
		for (var i = 0; i < els.length; i++) {
			var when = Date.parse(els[i].getAttribute("title"));
			if (!isNaN(when)) els[i].textContent = relative(when);
		}
	}
	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", update);
	else
		update();
})();
</script>
]==]

-- The script, before </body>, once per page that shows a relative date.
weft.hook("format", function(page, html)
	local s = html:find("</body", 1, true)
	if not s then return nil end
	return html:sub(1, s - 1) .. SCRIPT .. html:sub(s)
end, { contains = 'class="relativedate"' })
