-- favicon: every page links favicon.ico at the root of the site, as
-- ikiwiki's favicon plugin (favicon.pm) does: page.tmpl writes
-- <TMPL_VAR BASEURL><TMPL_VAR FAVICON>.

weft.hook("pagetemplate", function(_, _, vars)
	vars.favicon = "favicon.ico"
end, { vars = { "favicon" } })
