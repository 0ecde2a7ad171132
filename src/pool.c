/* pool.c — a work-sharing loop over items, on POSIX threads. */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xalloc.h"

struct job {
	atomic_size_t next;
	size_t n;
	pool_fn fn;
	void *arg;
};

struct worker {
	struct job *job;
	unsigned id;
};

static void *
work(void *p)
{
	struct worker *w = p;
	struct job *j = w->job;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
		j->fn(i, w->id, j->arg);
	return NULL;
}

void
pool_run(unsigned nthreads, size_t n, pool_fn fn, void *arg)
{
	struct job job = { 0, n, fn, arg };
	struct worker *w;
	pthread_t *t;
	pthread_attr_t attr;
	unsigned i, started = 0;

	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > n)
		nthreads = n ? (unsigned)n : 1;
	w = xcalloc(nthreads, sizeof(*w));
	t = xcalloc(nthreads, sizeof(*t));
	pthread_attr_init(&attr);
	/* Room for deep Lua calls and the recursion of nested directives. */
	pthread_attr_setstacksize(&attr, 16u << 20);
	for (i = 0; i < nthreads; i++) {
		w[i].job = &job;
		w[i].id = i;
	}
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&t[i], &attr, work, &w[i]) == 0)
			started = i;
		else
			break;
	work(&w[0]);
	for (i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	pthread_attr_destroy(&attr);
	free(w);
	free(t);
}

unsigned
pool_threads(unsigned jobs, size_t n)
{
	return n >= 256 ? jobs : 1;
}

unsigned
pool_cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}
