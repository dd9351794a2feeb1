/* test-par.c - jobs side by side: each runs once, on several threads, from several callers at once. */
#include "par.h"
#include "tap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
	int count[1000];
	pthread_t who[1000];
};

static void job(void *ctx, uint32_t i)
{
	struct run *r = ctx;
	__atomic_fetch_add(&r->count[i], 1, __ATOMIC_RELAXED);
	r->who[i] = pthread_self();
}

static int each_once(const struct run *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (r->count[i] != 1)
			return 0;
	for (uint32_t i = n; i < 1000; i++)
		if (r->count[i] != 0)
			return 0;
	return 1;
}

static int threads_used(const struct run *r, uint32_t n)
{
	pthread_t seen[64];
	int k = 0;
	for (uint32_t i = 0; i < n; i++) {
		int j = 0;
		while (j < k && !pthread_equal(seen[j], r->who[i]))
			j++;
		if (j == k && k < 64)
			seen[k++] = r->who[i];
	}
	return k;
}

static void test_counts(void)
{
	static struct run r;
	uint32_t ns[] = {0, 1, 2, 7, 1000};
	for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
		memset(&r, 0, sizeof(r));
		gt_par_run(ns[t], 8, job, &r);
		ok(each_once(&r, ns[t]), "%u jobs on up to 8 threads: each ran once", ns[t]);
	}
	memset(&r, 0, sizeof(r));
	gt_par_run(50, 1, job, &r);
	ok(each_once(&r, 50) && threads_used(&r, 50) == 1 && pthread_equal(r.who[0], pthread_self()),
	   "max_threads 1: all on the caller");
}

/* Job 0 waits (10 s at most) until some other job has started: only a
 * helper beside the caller can start one, so this passes on a loaded
 * machine too and fails when nothing runs side by side. */
static int started_other;

static void meet(void *ctx, uint32_t i)
{
	struct run *r = ctx;
	job(ctx, i);
	if (i == 0) {
		for (int k = 0; k < 10000 && !__atomic_load_n(&started_other, __ATOMIC_ACQUIRE); k++)
			usleep(1000);
	} else {
		__atomic_store_n(&started_other, 1, __ATOMIC_RELEASE);
	}
	(void)r;
}

static void test_side_by_side(void)
{
	static struct run r;
	memset(&r, 0, sizeof(r));
	gt_par_run(16, 4, meet, &r);
	int used = threads_used(&r, 16);
	ok(each_once(&r, 16) && __atomic_load_n(&started_other, __ATOMIC_ACQUIRE) && used > 1 && used <= 4,
	   "16 jobs, up to 4 threads: a helper ran beside the caller (%d threads)", used);
}

static void *caller(void *arg)
{
	struct run *r = arg;
	for (int k = 0; k < 200; k++) {
		memset(r->count, 0, sizeof(r->count));
		gt_par_run(37, 8, job, r);
		if (!each_once(r, 37))
			return r;
	}
	return NULL;
}

static void test_callers(void)
{
	static struct run r[4];
	pthread_t th[4];
	int bad = 0;
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, caller, &r[i]);
	for (int i = 0; i < 4; i++) {
		void *res;
		pthread_join(th[i], &res);
		bad += res != NULL;
	}
	ok(bad == 0, "4 callers at once, 200 runs each: every job of every run once");
}

int main(void)
{
	test_counts();
	test_side_by_side();
	test_callers();
	return tap_done();
}
