-- img: [[!img file size=WxH|Wx|xH|full alt= title= class= align= id=
-- hspace= vspace= caption= link=no|page|url]], and [[!img defaults ...]]
-- for the page's later images, as ikiwiki's img.pm: an <img> (class "img"
-- unless given) linked to the file, to a page or to a URL, in a
-- <table class="img"> with a <caption> when there is one. The image is a
-- link of the page, as in ikiwiki. A file that does not exist shows as a
-- link to create it, as img.pm does.
--
-- Errors are raised at level 0: they are about the page, and show in its
-- error marker as ikiwiki's do, without the plugin's file and line.
--
-- Differences from ikiwiki:
-- * weft has no image library, so it never scales. The <img> shows the
--   original file and gets width and height attributes only from size:
--   both for WxH (where ikiwiki keeps the image's aspect ratio inside
--   that box), one for Wx or xH, none for full (ikiwiki writes the real
--   size there).
-- * It does not check the file's magic number, nor ask for the format of
--   an extension it does not know (with img_allowed_formats "everything"
--   such a file is shown as it is), and cannot turn a PDF into an image
--   (pagenumber is ignored).
-- * Defaults apply to the later images only, as documented; ikiwiki also
--   applies a page's last defaults to the images before them.

weft.option{ name = "img_allowed_formats", type = "list",
	default = { "jpeg", "png", "gif", "svg" },
	help = "image formats to show (jpeg, png, gif, svg, pdf, or everything)" }

-- The defaults of each page, from [[!img defaults]] to the page's later
-- images: a page's content is rendered in order, in one Lua state, and the
-- filter hook forgets them when it starts. (ikiwiki keeps them from the
-- scan pass, hence its difference.)
local defaults = {}

-- The formats img.pm knows by their extension.
local FORMATS = {
	jpeg = "jpeg", jpg = "jpeg", png = "png", gif = "gif", svg = "svg", pdf = "pdf",
}

-- The image's name: ikiwiki takes the first parameter's name (a bare
-- word's is the word), and accepts only wiki_file_regexp's characters
-- (its [:alnum:] takes non-ASCII letters: any UTF-8 byte passes here).
local function image_name(args)
	local first = args[1]
	local name = first and (first.key or first.value)
	if name and name:match("^[-%w_.:/+\128-\255]+$") then return name end
	return nil
end

-- args with the page's defaults for the parameters not given.
local function with_defaults(args, page)
	local params = {}
	for k, v in pairs(defaults[page.name] or {}) do params[k] = v end
	for k, v in pairs(args) do
		if type(k) == "string" then params[k] = v end
	end
	if params.size == nil or params.size == "" then params.size = "full" end
	return params
end

local function allowed(format)
	local list = weft.config("img_allowed_formats")
	if type(list) ~= "table" or #list == 0 then list = { "jpeg", "png", "gif", "svg" } end
	for _, a in ipairs(list) do
		if a:lower() == format or a:lower() == "everything" then return true end
	end
	return false
end

-- The image's format from its extension, checked against
-- img_allowed_formats; errors as img.pm's. img.pm asks ImageMagick for the
-- format of other extensions; weft cannot, so it takes any file when
-- "everything" is allowed (it never reads the file), and otherwise fails
-- as img.pm does for a file ImageMagick does not know.
local function check_format(file)
	local ext = weft.basename(file.name):match("%.([%w]+)$")
	if not ext then error("Unable to detect image type from extension", 0) end
	local format = FORMATS[ext:lower()]
	if not format and not allowed("everything") then
		error(("failed to determine format of %s"):format(file.name), 0)
	end
	if format and not allowed(format) then
		error(("%s image processing disabled in img_allowed_formats configuration")
			:format(format), 0)
	end
	if format == "pdf" then
		error(("cannot show %s: weft does not turn PDF into images"):format(file.name), 0)
	end
end

-- The width and height size asks for: "W", "H" or nil each.
local function dimensions(size)
	if size == "full" then return nil, nil end
	local w, h = size:match("^(%d*)x(%d*)$")
	return (w ~= "" and w or nil), (h ~= "" and h or nil)
end

local function img_tag(params, url)
	local w, h = dimensions(params.size)
	local tag = { '<img src="', url, '"' }
	if w then tag[#tag + 1] = (' width="%s"'):format(w) end
	if h then tag[#tag + 1] = (' height="%s"'):format(h) end
	for _, attr in ipairs({ "alt", "title", "class", "id", "hspace", "vspace" }) do
		if params[attr] ~= nil then tag[#tag + 1] = (' %s="%s"'):format(attr, params[attr]) end
	end
	if params.align ~= nil and params.caption == nil then
		tag[#tag + 1] = (' align="%s"'):format(params.align)
	end
	tag[#tag + 1] = " />"
	return table.concat(tag)
end

-- The image inside the link that link= asks for: the file by default, a
-- URL, a page (found from the page), or nothing (link=no, or no page).
-- Built here, not with weft.link, which would run the HTML it is given as
-- text through pagetitle.
local function linked(tag, params, page, dest, file)
	local link = params.link
	if link == nil then
		return ('<a href="%s">%s</a>'):format(weft.url(file), tag)
	elseif link:match("^[%w_]+://") then
		return ('<a href="%s">%s</a>'):format(link, tag)
	end
	local to = weft.bestlink(page, link)
	if not to then return tag end
	weft.depends(to.name, "presence")
	if to.name == dest.name then
		return ('<span class="selflink">%s</span>'):format(tag)
	end
	return ('<a href="%s">%s</a>'):format(weft.url(to), tag)
end

weft.directive("img", function(args, page, dest, scan)
	local image = image_name(args)
	-- A bad name is reported once, by the render pass.
	if scan then
		if image and image ~= "defaults" then page:add_link(image) end
		return nil
	end
	if not image then error("bad image filename", 0) end
	local params = with_defaults(args, page)
	if image == "defaults" then
		defaults[page.name] = params
		return ""
	end
	weft.depends(image)
	local file = weft.bestlink(page, image)
	if not file then return weft.link(image) end
	check_format(file)
	if params.class == nil then params.class = "img" end
	local tag = linked(img_tag(params, weft.url(file)), params, page, dest, file)
	if params.caption == nil then return tag end
	return ('<table class="img%s"><caption>%s</caption><tr><td>%s</td></tr></table>')
		:format(params.align ~= nil and " align-" .. params.align or "", params.caption, tag)
end, { scan = true })

weft.hook("filter", function(page)
	defaults[page.name] = nil
end, { contains = "[[!img" })
