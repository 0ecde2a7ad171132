-- txt: plain text files (*.txt) are pages, shown as preformatted text, and
-- [[!format txt """..."""]] works, as with ikiwiki's txt plugin (txt.pm).
-- robots.txt is also written as it is, for the robots.
--
-- Differences from ikiwiki: URLs in the text are not made links (ikiwiki
-- does that only when Perl's URI::Find is installed), and the text is
-- escaped after directives run, so their output shows as text.

weft.htmlize_type("txt", function(page, text)
	if page.src == "robots.txt" then
		weft.write("robots.txt", page:text() or text)
	end
	return "<pre>" .. weft.escape_html(text) .. "</pre>"
end)
