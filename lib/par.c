/*
 * par.c - jobs side by side (par.h).
 *
 * The helpers are a pool that grows on demand and is kept for the
 * process's life: a thread started and ended per request costs more than
 * the job here (a new stack mapped, its pages faulted in, unmapped again
 * at exit, with the TLB shootdowns that brings).  A run that finds too
 * few idle helpers starts the missing ones, up to POOL_THREADS, so a
 * process that only ever runs small jobs never pays for the whole pool.  A run is queued with the
 * number of helpers it still wants; idle helpers join it until that is
 * met.  The caller works too, then takes its run off the queue and waits
 * for the helpers still inside (the run lives on its stack).
 */
#include "par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

/* The jobs mostly wait (a WAL sync, a datanode's answer), so the pool is
 * sized for concurrency, not cores: with 4 remote-write senders of ten
 * metrics each, 7 helpers let a request's region writes reach the shared
 * WAL in waves, about 2 fdatasyncs a request; 31 let them arrive
 * together, about 1 (perf stat of fdatasync). */
enum { POOL_THREADS = 31 };

struct par {
	atomic_uint next;
	uint32_t n;
	void (*job)(void *ctx, uint32_t i);
	void *ctx;
	uint32_t wanted;             /* helpers it may still take (pool.mu) */
	uint32_t inside;             /* helpers working on it (pool.mu) */
	bool queued;                 /* on pool.queue (pool.mu) */
	struct par *qnext;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct par *queue;
	uint32_t threads;            /* started */
	uint32_t idle;               /* started and not working on a run */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0};

static void drain(struct par *p)
{
	for (uint32_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
		p->job(p->ctx, i);
}

/* Take p off the queue (mu held). */
static void unqueue(struct par *p)
{
	struct par **q = &pool.queue;
	while (*q && *q != p)
		q = &(*q)->qnext;
	if (*q)
		*q = p->qnext;
	p->queued = false;
}

static void *helper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (!pool.queue)
			pthread_cond_wait(&pool.work, &pool.mu);
		pool.idle--;
		struct par *p = pool.queue;
		p->inside++;
		if (--p->wanted == 0)
			unqueue(p);
		pthread_mutex_unlock(&pool.mu);
		drain(p);
		pthread_mutex_lock(&pool.mu);
		if (--p->inside == 0)
			pthread_cond_broadcast(&pool.done);
		pool.idle++;
	}
	return NULL;
}

/* Start helpers until want of them are idle or starting, or the pool is
 * full (pool.mu held).  A new helper counts as idle from the start: it
 * goes straight to the queue. */
static void pool_grow(uint32_t want)
{
	pthread_attr_t a;
	pthread_t th;

	if (pool.idle >= want || pool.threads >= POOL_THREADS)
		return;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 1u << 20);
	for (uint32_t k = pool.idle; k < want && pool.threads < POOL_THREADS; k++) {
		if (pthread_create(&th, &a, helper, NULL))
			break;
		pool.threads++;
		pool.idle++;
	}
	pthread_attr_destroy(&a);
}

void gt_par_run(uint32_t n, uint32_t max_threads, void (*job)(void *ctx, uint32_t i), void *ctx)
{
	struct par p = {.n = n, .job = job, .ctx = ctx};

	atomic_init(&p.next, 0);
	p.wanted = (max_threads < n ? max_threads : n);
	p.wanted = p.wanted > 1 ? p.wanted - 1 : 0;
	bool shared = p.wanted > 0;  /* p.wanted itself counts down as helpers join */
	if (shared) {
		pthread_mutex_lock(&pool.mu);
		pool_grow(p.wanted);
		if (p.wanted > pool.threads)
			p.wanted = pool.threads;
		if (!(shared = p.wanted > 0))
			pthread_mutex_unlock(&pool.mu);
	}
	if (shared) {
		p.queued = true;
		p.qnext = pool.queue;
		pool.queue = &p;
		pthread_cond_broadcast(&pool.work);
		pthread_mutex_unlock(&pool.mu);
	}
	drain(&p);
	if (shared) {
		pthread_mutex_lock(&pool.mu);
		if (p.queued)
			unqueue(&p);
		while (p.inside)
			pthread_cond_wait(&pool.done, &pool.mu);
		pthread_mutex_unlock(&pool.mu);
	}
}
