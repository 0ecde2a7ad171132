-- highlight: with it on, [[!format LANGUAGE """code"""]] shows code in a
-- language weft has no renderer for (perl, c, sh...) as preformatted text
-- marked with its language (<pre class="hl"><code class="language-perl">),
-- where ikiwiki colours it with the highlight library. weft does not
-- colour code (a stylesheet or script of the site's may, by the class);
-- the format plugin does the work when this plugin is enabled.
--
-- ikiwiki's tohighlight option (files of other extensions shown as
-- highlighted pages) is accepted and has no effect.

weft.option{ name = "tohighlight", type = "string", default = "",
	     help = "highlight: ikiwiki's extensions to show highlighted; weft ignores it" }
