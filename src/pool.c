/* pool.c — a work-sharing loop over items, on POSIX threads kept between
 * runs. */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "xalloc.h"

struct job {
	atomic_size_t next;
	size_t n;
	pool_fn fn;
	void *arg;
};

static void
work(struct job *j, unsigned id)
{
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
		j->fn(i, id, j->arg);
}

/* Room for deep Lua calls and the recursion of nested directives. */
#define STACK_SIZE (16u << 20)

/* ---- threads of one run ---- */

struct spawned {
	struct job *job;
	unsigned id;
};

static void *
spawned_work(void *p)
{
	struct spawned *s = p;

	work(s->job, s->id);
	return NULL;
}

/* Runs job on the caller and nthreads - 1 threads started for it. */
static void
run_spawned(struct job *job, unsigned nthreads)
{
	struct spawned *s = xcalloc(nthreads, sizeof(*s));
	pthread_t *t = xcalloc(nthreads, sizeof(*t));
	pthread_attr_t attr;
	unsigned i, started = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	for (i = 1; i < nthreads; i++) {
		s[i] = (struct spawned){ job, i };
		if (pthread_create(&t[i], &attr, spawned_work, &s[i]) != 0)
			break;
		started = i;
	}
	work(job, 0);
	for (i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	pthread_attr_destroy(&attr);
	free(s);
	free(t);
}

/* ---- the workers kept between runs ---- */

/* Worker k (from 1) is worker k of every run with more than k threads;
 * the caller is worker 0. They wait between runs. A thread started for
 * each run gave up its heap as it ended, and the next run's began on
 * fresh memory: an edit of one post among 10,000 ended 12 threads, 8.7%
 * of its instructions (callgrind), 4 now; a full build's system time went
 * from 442 to 403 ms (medians of 10, taking turns). One run has them at a
 * time: another begun meanwhile (the state's decoder beside the walk, a
 * run inside a job) starts threads of its own. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned started;	/* workers 1..started wait or work */
	bool busy;		/* a run has them */
	unsigned long gen;	/* the number of the last run given them */
	struct job *job;	/* its job */
	unsigned wanted;	/* its workers: 1..wanted */
	unsigned working;	/* of them, the ones not done */
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	   PTHREAD_COND_INITIALIZER, 0, false, 0, NULL, 0, 0 };

struct worker {
	unsigned id;
	unsigned long seen;	/* the last run it looked at */
};

static void *
serve(void *p)
{
	struct worker w = *(struct worker *)p;
	struct job *job;

	free(p);
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		while (pool.gen == w.seen)
			pthread_cond_wait(&pool.go, &pool.lock);
		w.seen = pool.gen;
		if (w.id > pool.wanted)
			continue;
		job = pool.job;
		pthread_mutex_unlock(&pool.lock);
		work(job, w.id);
		pthread_mutex_lock(&pool.lock);
		if (--pool.working == 0)
			pthread_cond_signal(&pool.done);
	}
	return NULL;
}

/* Starts worker id, with the lock held: 0, or -1 when it cannot be. Its
 * signals are blocked: they are for the main thread (weft serve reads
 * SIGINT from a signalfd). */
static int
start_worker(unsigned id)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int rc;

	w->id = id;
	w->seen = pool.gen;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, serve, w);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(w);
		return -1;
	}
	return 0;
}

void
pool_run(unsigned nthreads, size_t n, pool_fn fn, void *arg)
{
	struct job job = { 0, n, fn, arg };
	unsigned want;

	if (nthreads > n)
		nthreads = n ? (unsigned)n : 1;
	if (nthreads <= 1) {
		work(&job, 0);
		return;
	}
	pthread_mutex_lock(&pool.lock);
	if (pool.busy) {
		pthread_mutex_unlock(&pool.lock);
		run_spawned(&job, nthreads);
		return;
	}
	while (pool.started < nthreads - 1 && start_worker(pool.started + 1) == 0)
		pool.started++;
	want = pool.started < nthreads - 1 ? pool.started : nthreads - 1;
	pool.busy = true;
	pool.job = &job;
	pool.wanted = pool.working = want;
	pool.gen++;
	pthread_cond_broadcast(&pool.go);
	pthread_mutex_unlock(&pool.lock);
	work(&job, 0);
	pthread_mutex_lock(&pool.lock);
	while (pool.working)
		pthread_cond_wait(&pool.done, &pool.lock);
	pool.busy = false;
	pool.job = NULL;
	pthread_mutex_unlock(&pool.lock);
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
