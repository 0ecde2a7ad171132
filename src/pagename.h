/* pagename.h — ikiwiki's naming rules: source files to page names, names to
 * titles and back, pages to output paths and URLs. */
#ifndef WEFT_PAGENAME_H
#define WEFT_PAGENAME_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* The page name of a source file of the given type (NULL for a plain file,
 * whose name is its path): the extension is dropped, and with indexpages
 * "x/index" becomes "x" (the top "index" stays). */
void pagename(struct buf *out, const char *file, const char *type,
	      bool indexpages);

/* The display title of a page name or a part of one: '_' is a space and
 * "__NN__" the character NN, written as "&#NN;" (for HTML) or, with
 * unescaped, as the UTF-8 character itself. */
void pagetitle(struct buf *out, const char *name, size_t len, bool unescaped);

/* The page name a link text stands for: a space becomes '_', and any
 * character outside ikiwiki's wiki_file_chars (letters and digits of any
 * script, and "-+/.:_") becomes "__NN__" with NN its code point. */
void linkpage(struct buf *out, const char *text, size_t len);

/* Like linkpage, but '_' is encoded too, so pagetitle(titlepage(t)) == t. */
void titlepage(struct buf *out, const char *title, size_t len);

/* ikiwiki's targetpage(): the output file of page with extension ext:
 * "index" -> "index.EXT"; with usedirs "p" -> "p/index.EXT", else "p.EXT". */
void targetpage(struct buf *out, const char *page, const char *ext,
		bool usedirs);

/* The URL path of a page from the site root, as links show it: with usedirs
 * "p/" ("" for the top page), else "p.EXT". */
void pageurl(struct buf *out, const char *page, const char *ext, bool usedirs);

#endif
