/* test-cache.c - the LRU cache: hits, eviction order, references, forget, threads. */
#include "cache.h"
#include "tap.h"

#include <pthread.h>

static int nfreed;
static uint64_t freed_log[64];

struct val {
	uint64_t tag;
};

static void val_free(void *p)
{
	struct val *v = p;
	int i = __atomic_fetch_add(&nfreed, 1, __ATOMIC_RELAXED);
	if (i < (int)GT_ARRAY_LEN(freed_log))
		freed_log[i] = v->tag;
	free(v);
}

static struct val *mk(uint64_t tag)
{
	struct val *v = malloc(sizeof(*v));
	v->tag = tag;
	return v;
}

/* put and release at once: the entry stays cached, unreferenced. */
static void put1(struct gt_cache *c, uint64_t a, uint64_t b, size_t bytes)
{
	gt_cache_release(c, gt_cache_put(c, a, b, mk(a * 1000 + b), bytes, val_free));
}

static int cached(struct gt_cache *c, uint64_t a, uint64_t b)
{
	struct gt_cache_entry *e = gt_cache_get(c, a, b);
	gt_cache_release(c, e);
	return e != NULL;
}

static void test_hits(void)
{
	struct gt_cache *c = gt_cache_new(1000);
	struct gt_cache_stats st;
	struct gt_cache_entry *e;

	ok(gt_cache_get(c, 1, 1) == NULL, "miss on an empty cache");
	e = gt_cache_put(c, 1, 1, mk(1001), 10, val_free);
	ok(e && ((struct val *)gt_cache_value(e))->tag == 1001, "put returns a referenced entry");
	gt_cache_release(c, e);
	e = gt_cache_get(c, 1, 1);
	ok(e && ((struct val *)gt_cache_value(e))->tag == 1001, "hit");
	gt_cache_release(c, e);
	ok(gt_cache_get(c, 1, 2) == NULL && gt_cache_get(c, 2, 1) == NULL, "both halves of the key count");
	gt_cache_stats(c, &st);
	ok(st.hits == 1 && st.misses == 3 && st.entries == 1 && st.bytes == 10 && st.evictions == 0,
	   "stats: %llu hits %llu misses %llu entries %llu bytes", (unsigned long long)st.hits,
	   (unsigned long long)st.misses, (unsigned long long)st.entries, (unsigned long long)st.bytes);

	/* Losing a race: the second value is freed, the first returned. */
	nfreed = 0;
	e = gt_cache_put(c, 1, 1, mk(9999), 10, val_free);
	ok(e && ((struct val *)gt_cache_value(e))->tag == 1001 && nfreed == 1 && freed_log[0] == 9999,
	   "put of an existing key returns the existing entry and frees the new value");
	gt_cache_release(c, e);
	gt_cache_stats(c, &st);
	ok(st.entries == 1 && st.bytes == 10, "and counts nothing twice");
	nfreed = 0;
	gt_cache_free(c);
	ok(nfreed == 1, "free frees the values");

	/* Many keys: the table grows and nothing is lost. */
	c = gt_cache_new(SIZE_MAX);
	for (uint64_t i = 0; i < 5000; i++)
		put1(c, i % 50, i, 1);
	int all = 1;
	for (uint64_t i = 0; i < 5000; i++)
		all &= cached(c, i % 50, i);
	ok(all, "5000 entries, all found after the table grew");
	nfreed = 0;
	gt_cache_free(c);
	ok(nfreed == 5000, "all freed");
}

static void test_lru(void)
{
	struct gt_cache *c = gt_cache_new(100);
	struct gt_cache_stats st;

	nfreed = 0;
	put1(c, 1, 0, 40);
	put1(c, 2, 0, 40);
	ok(cached(c, 1, 0), "touch 1: now 2 is least recently used");
	put1(c, 3, 0, 40);   /* 120 > 100: evict the LRU */
	ok(!cached(c, 2, 0) && cached(c, 1, 0) && cached(c, 3, 0), "the least recently used entry went");
	ok(nfreed == 1 && freed_log[0] == 2000, "and its value was freed");
	gt_cache_stats(c, &st);
	ok(st.bytes == 80 && st.entries == 2 && st.evictions == 1, "stats after eviction");

	put1(c, 4, 0, 100);   /* evicts 1 and 3, in LRU order */
	ok(nfreed == 3 && freed_log[1] == 1000 && freed_log[2] == 3000, "a big entry evicts in LRU order");
	ok(cached(c, 4, 0), "the entry that fills the budget stays");
	put1(c, 5, 0, 150);   /* over budget on its own: cached only while held */
	ok(!cached(c, 5, 0) && !cached(c, 4, 0), "an entry larger than the budget is not kept");
	gt_cache_stats(c, &st);
	ok(st.bytes == 0 && st.entries == 0, "empty again");
	gt_cache_free(c);
}

static void test_refs(void)
{
	struct gt_cache *c = gt_cache_new(100);
	struct gt_cache_entry *held, *e2;
	struct gt_cache_stats st;

	nfreed = 0;
	held = gt_cache_put(c, 1, 0, mk(1000), 60, val_free);
	put1(c, 2, 0, 60);    /* 120 > 100, but 1 is held: 2 goes */
	ok(cached(c, 1, 0) && !cached(c, 2, 0), "a referenced entry is not evicted");
	e2 = gt_cache_put(c, 3, 0, mk(3000), 60, val_free);
	gt_cache_stats(c, &st);
	ok(st.bytes == 120, "held entries may pass the budget (%llu bytes)", (unsigned long long)st.bytes);
	gt_cache_release(c, held);   /* 1 is now the LRU and unreferenced */
	gt_cache_stats(c, &st);
	ok(st.bytes == 60 && !cached(c, 1, 0), "release brings the total back under the budget");
	ok(((struct val *)gt_cache_value(e2))->tag == 3000, "the held entry's value is intact");
	gt_cache_release(c, e2);
	ok(cached(c, 3, 0), "and it stays cached");

	/* Two references to one entry. */
	struct gt_cache_entry *a = gt_cache_get(c, 3, 0), *b = gt_cache_get(c, 3, 0);
	ok(a && a == b, "two gets share the entry");
	gt_cache_release(c, a);
	gt_cache_release(c, b);
	gt_cache_free(c);
}

static void test_forget(void)
{
	struct gt_cache *c = gt_cache_new(1000);
	struct gt_cache_entry *held;
	struct gt_cache_stats st;

	put1(c, 7, 1, 10);
	put1(c, 7, 2, 10);
	put1(c, 8, 1, 10);
	held = gt_cache_get(c, 7, 2);
	nfreed = 0;
	gt_cache_forget(c, 7);
	ok(!cached(c, 7, 1) && !cached(c, 7, 2) && cached(c, 8, 1), "forget(7) drops both entries of 7, not 8");
	ok(nfreed == 1 && freed_log[0] == 7001, "the unreferenced one is freed at once");
	gt_cache_stats(c, &st);
	ok(st.entries == 1 && st.bytes == 10, "stats count only what is cached");
	ok(((struct val *)gt_cache_value(held))->tag == 7002, "the held one is still usable");
	put1(c, 7, 2, 10);   /* a new copy may be cached meanwhile */
	gt_cache_release(c, held);
	ok(nfreed == 2 && freed_log[1] == 7002, "the last release frees the forgotten entry");
	ok(cached(c, 7, 2), "and the new copy is untouched");
	nfreed = 0;
	gt_cache_free(c);
	ok(nfreed == 2, "free frees the rest");
}

/* Four threads getting and putting over 64 keys with room for about 8. */
struct worker {
	struct gt_cache *c;
	unsigned seed;
	int bad;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 20000; i++) {
		uint64_t k = (uint64_t)rand_r(&w->seed) % 64;
		struct gt_cache_entry *e = gt_cache_get(w->c, k % 4, k);
		if (!e)
			e = gt_cache_put(w->c, k % 4, k, mk(k), 100 + k, val_free);
		if (!e || ((struct val *)gt_cache_value(e))->tag != k)
			w->bad++;
		if (i % 1000 == 999)
			gt_cache_forget(w->c, k % 4);
		gt_cache_release(w->c, e);
	}
	return NULL;
}

static void test_threads(void)
{
	struct gt_cache *c = gt_cache_new(1000);
	pthread_t th[4];
	struct worker w[4];
	struct gt_cache_stats st;
	int bad = 0;

	nfreed = 0;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.c = c, .seed = (unsigned)i + 1};
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += w[i].bad;
	}
	gt_cache_stats(c, &st);
	ok(bad == 0, "4 threads, 80000 operations: every value is the right one");
	ok(st.bytes <= 1000, "under the budget once every reference is back (%llu bytes)", (unsigned long long)st.bytes);
	ok(st.hits + st.misses == 80000 && st.evictions > 0, "%llu hits, %llu misses, %llu evictions",
	   (unsigned long long)st.hits, (unsigned long long)st.misses, (unsigned long long)st.evictions);
	int before = nfreed;
	gt_cache_free(c);
	ok((uint64_t)(nfreed - before) == st.entries, "free frees what is left (%d)", nfreed - before);
}

int main(void)
{
	test_hits();
	test_lru();
	test_refs();
	test_forget();
	test_threads();
	return tap_done();
}
