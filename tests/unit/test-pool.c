/* test-pool.c — pool_run hands out every item once, to workers numbered
 * below the threads asked for, run after run on the threads it keeps;
 * also with a run inside a job and two runs at once. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "tap.h"

#define MAXN 5000

struct count {
	atomic_uint seen[MAXN];
	atomic_uint bad_worker;
	unsigned nthreads;
};

static void
count_one(size_t i, unsigned w, void *arg)
{
	struct count *c = arg;

	atomic_fetch_add(&c->seen[i], 1);
	if (w >= c->nthreads)
		atomic_fetch_add(&c->bad_worker, 1);
}

/* Whether a run of n items on nthreads threads saw each once, each by a
 * worker below nthreads. */
static int
run_once(unsigned nthreads, size_t n)
{
	static struct count c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.nthreads = nthreads;
	pool_run(nthreads, n, count_one, &c);
	for (i = 0; i < n; i++)
		if (atomic_load(&c.seen[i]) != 1)
			return 0;
	return atomic_load(&c.bad_worker) == 0;
}

static void
many_runs(void)
{
	static const unsigned threads[] = { 1, 2, 3, 4, 8, 2, 1, 5 };
	static const size_t sizes[] = { 0, 1, 2, 3, 7, 64, 1000, MAXN };
	unsigned t, k, good = 0, runs = 0;

	/* Runs with more threads and fewer, one after another: the kept
	 * workers serve runs that want fewer of them, and more are started
	 * when a run wants more. */
	for (k = 0; k < 20; k++)
		for (t = 0; t < sizeof(threads) / sizeof(*threads); t++) {
			good += run_once(threads[t], sizes[(t + k) % (sizeof(sizes) / sizeof(*sizes))]);
			runs++;
		}
	tap_ok(good == runs, "%u of %u runs saw each item once, on workers below the threads asked", good,
	   runs);
}

/* The thread that is worker 1 of a run, seen by its item 1 (each item
 * waits until both have begun, so the two workers take one each). */
struct who {
	atomic_uint begun;
	pid_t worker1;		/* its kernel thread id: a new thread has a new one */
	atomic_uint seen;
};

static void
who_one(size_t i, unsigned w, void *arg)
{
	struct who *x = arg;

	struct timespec t0, t;

	atomic_fetch_add(&x->begun, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do	/* (not forever: one thread may have run both) */
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (atomic_load(&x->begun) < 2 && t.tv_sec - t0.tv_sec < 5);
	if (w == 1) {
		x->worker1 = (pid_t)syscall(SYS_gettid);
		atomic_store(&x->seen, 1);
	}
	(void)i;
}

static void
kept_workers(void)
{
	struct who a, b;

	atomic_init(&a.begun, 0);
	atomic_init(&a.seen, 0);
	atomic_init(&b.begun, 0);
	atomic_init(&b.seen, 0);
	pool_run(2, 2, who_one, &a);
	pool_run(2, 2, who_one, &b);
	tap_ok(atomic_load(&a.seen) && atomic_load(&b.seen) &&
	       a.worker1 == b.worker1,
	       "worker 1 of two runs one after the other is the same thread, kept between them");
}

/* A job that runs a pool of its own: the inner run cannot have the kept
 * workers (the outer one has them) and starts threads. */
struct nested {
	atomic_uint inner_good;
};

static void
nested_one(size_t i, unsigned w, void *arg)
{
	struct nested *n = arg;
	struct count *c = calloc(1, sizeof(*c));
	size_t k, good = 1;

	(void)i;
	(void)w;
	c->nthreads = 2;
	pool_run(2, 100, count_one, c);
	for (k = 0; k < 100; k++)
		good &= atomic_load(&c->seen[k]) == 1;
	good &= atomic_load(&c->bad_worker) == 0;
	atomic_fetch_add(&n->inner_good, (unsigned)good);
	free(c);
}

static void
nested_runs(void)
{
	struct nested n;

	atomic_init(&n.inner_good, 0);
	pool_run(2, 8, nested_one, &n);
	tap_ok(atomic_load(&n.inner_good) == 8, "8 runs inside jobs each saw their items once");
}

/* Two threads running pools at once, as the state's decoder does beside
 * the walk. */
static void *
runner(void *arg)
{
	unsigned *good = arg;
	unsigned k;

	for (k = 0; k < 200; k++) {
		struct count *c = calloc(1, sizeof(*c));
		size_t i, all = 1;

		c->nthreads = 2;
		pool_run(2, 300, count_one, c);
		for (i = 0; i < 300; i++)
			all &= atomic_load(&c->seen[i]) == 1;
		*good += (unsigned)all && atomic_load(&c->bad_worker) == 0;
		free(c);
	}
	return NULL;
}

static void
concurrent_runs(void)
{
	pthread_t t;
	unsigned a = 0, b = 0;

	if (pthread_create(&t, NULL, runner, &a) != 0) {
		tap_ok(0, "cannot start a thread");
		return;
	}
	runner(&b);
	pthread_join(t, NULL);
	tap_ok(a == 200 && b == 200, "two threads' runs at once: %u and %u of 200 good", a, b);
}

int
main(void)
{
	many_runs();
	kept_workers();
	nested_runs();
	concurrent_runs();
	return tap_done();
}
