/* plan.h — what an incremental build must redo: the last build's state
 * against the site as it is now. */
#ifndef WEFT_PLAN_H
#define WEFT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

struct build;
struct page;
struct stat;

/*
 * The order of a build:
 *   plan_begin     digests of configuration, plugins, theme; the last state
 *                  (before the walk of the sources, which calls
 *                  plan_source_added)
 *   plan_sources   each source against the last build (after scan_tree);
 *                  true when nothing at all can have changed
 *   plan_outputs   starts looking for pages' outputs deleted by hand, in
 *                  the background until plan_changes
 *   plan_dates     page dates (git history only when it moved)
 *   plan_restore   for each page about to be scanned: its last scan
 *                  results instead, when they still hold
 *   plan_same_pages  whether the pages are the last build's, by name, so
 *                  restored links lead where they led (site_link)
 *   plan_changes   after linking: how each page changed, which to render
 *   plan_save      the state for the next build
 *
 * Nothing cascades through rendered pages: a page that inlines another
 * records, as its own, the dependencies of what it inlines, so one pass
 * over the dependencies finds every page a change reaches.
 */
void plan_begin(struct build *b);
/* Each source as the walk finds it (arg is the build): its record in the
 * last build (p->old_source), and the first one that differs starts
 * decoding the last build's page records. */
void plan_source_added(void *arg, struct page *p);
/* A look ahead of the walk (scan_opts.peek): when the k-th source it adds
 * next differs from its record, decoding starts before the walk gets
 * there. False once that is known, or when the sources are not the
 * records' next in order. */
bool plan_source_peek(void *arg, size_t k, const char *rel, const struct stat *st);
bool plan_sources(struct build *b);
void plan_outputs(struct build *b);
void plan_dates(struct build *b);
bool plan_restore(struct build *b, struct page *p);
bool plan_same_pages(struct build *b);
void plan_changes(struct build *b);
int plan_save(struct build *b);
void plan_end(struct build *b);

/* p's source text, read on first use for a page whose scan results were
 * restored (thread-safe). */
bool plan_text(struct build *b, struct page *p);

#endif
