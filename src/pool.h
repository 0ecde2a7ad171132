/* pool.h — running a function over numbered items on several threads. */
#ifndef WEFT_POOL_H
#define WEFT_POOL_H

#include <stddef.h>

/* Called once per item i in [0, n), by worker w in [0, nthreads). Items are
 * handed out in order, so earlier items start first, but they finish in any
 * order: fn must not depend on another item's result. */
typedef void (*pool_fn)(size_t i, unsigned w, void *arg);

/* Runs fn over every item with up to nthreads threads (the caller is one of
 * them) and returns when all are done. The other threads are kept, waiting,
 * for the next run; a run begun while another has them (on another thread,
 * or inside one of its jobs) starts threads of its own. */
void pool_run(unsigned nthreads, size_t n, pool_fn fn, void *arg);

/* The threads worth starting for n small items (a stat, a page's paths):
 * one when there are few, as starting threads costs more than they save;
 * else jobs. */
unsigned pool_threads(unsigned jobs, size_t n);

/* The number of processors available to this process. */
unsigned pool_cores(void);

#endif
