/*
 * cache.c - LRU cache with a byte budget.
 *
 *   tab[hash(a,b) & mask] -> entry -> entry -> NULL      (chains by hnext)
 *   lru: head <-> most recent <-> ... <-> least recent <-> head (circular)
 *
 * One mutex guards everything.  Values are freed outside it: eviction
 * moves victims to a private list under the lock and frees them after
 * unlocking.
 */
#include "cache.h"

#include <pthread.h>
#include <stdbool.h>

struct gt_cache_entry {
	uint64_t a, b;
	void *value;
	size_t bytes;
	gt_cache_free_fn fn;
	uint32_t refs;
	bool cached;                       /* in the table and on the LRU list */
	struct gt_cache_entry *hnext;      /* hash chain; also the victim list */
	struct gt_cache_entry *prev, *next;
};

struct gt_cache {
	pthread_mutex_t mu;
	size_t budget;
	struct gt_cache_entry **tab;
	size_t mask;                       /* buckets - 1, a power of two */
	struct gt_cache_entry lru;         /* sentinel */
	struct gt_cache_stats st;
};

static size_t hash(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (size_t)(x ^ (x >> 31));
}

struct gt_cache *gt_cache_new(size_t budget_bytes)
{
	struct gt_cache *c = gt_calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->mask = 63;
	c->tab = gt_calloc(c->mask + 1, sizeof(*c->tab));
	if (!c->tab || pthread_mutex_init(&c->mu, NULL)) {
		free(c->tab);
		free(c);
		return NULL;
	}
	c->budget = budget_bytes;
	c->lru.prev = c->lru.next = &c->lru;
	return c;
}

static void entry_free(struct gt_cache_entry *e)
{
	if (e->fn)
		e->fn(e->value);
	free(e);
}

void gt_cache_free(struct gt_cache *c)
{
	struct gt_cache_entry *e, *next;

	if (!c)
		return;
	for (e = c->lru.next; e != &c->lru; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c->tab);
	free(c);
}

static void lru_unlink(struct gt_cache_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static void lru_push_front(struct gt_cache *c, struct gt_cache_entry *e)
{
	e->prev = &c->lru;
	e->next = c->lru.next;
	c->lru.next->prev = e;
	c->lru.next = e;
}

static struct gt_cache_entry *find(struct gt_cache *c, uint64_t a, uint64_t b)
{
	struct gt_cache_entry *e = c->tab[hash(a, b) & c->mask];
	while (e && (e->a != a || e->b != b))
		e = e->hnext;
	return e;
}

/* Take e out of the table, the list and the totals (under the lock). */
static void uncache(struct gt_cache *c, struct gt_cache_entry *e)
{
	struct gt_cache_entry **pp = &c->tab[hash(e->a, e->b) & c->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	e->hnext = NULL;
	lru_unlink(e);
	e->cached = false;
	c->st.bytes -= e->bytes;
	c->st.entries--;
}

/* Double the table; on failure keep the longer chains. */
static void grow(struct gt_cache *c)
{
	size_t n = (c->mask + 1) * 2;
	struct gt_cache_entry **tab = gt_calloc(n, sizeof(*tab));

	if (!tab)
		return;
	for (size_t i = 0; i <= c->mask; i++) {
		struct gt_cache_entry *e = c->tab[i], *next;
		for (; e; e = next) {
			size_t h = hash(e->a, e->b) & (n - 1);
			next = e->hnext;
			e->hnext = tab[h];
			tab[h] = e;
		}
	}
	free(c->tab);
	c->tab = tab;
	c->mask = n - 1;
}

/* While over budget, move least recently used unreferenced entries to
 * the victim list (under the lock); the caller frees them unlocked. */
static struct gt_cache_entry *evict(struct gt_cache *c)
{
	struct gt_cache_entry *victims = NULL, **tail = &victims, *e = c->lru.prev, *prev;

	for (; e != &c->lru && c->st.bytes > c->budget; e = prev) {
		prev = e->prev;
		if (e->refs)
			continue;
		uncache(c, e);
		c->st.evictions++;
		*tail = e;    /* in eviction order, so values are freed oldest first */
		tail = &e->hnext;
	}
	return victims;
}

static void free_victims(struct gt_cache_entry *v)
{
	while (v) {
		struct gt_cache_entry *next = v->hnext;
		entry_free(v);
		v = next;
	}
}

struct gt_cache_entry *gt_cache_get(struct gt_cache *c, uint64_t a, uint64_t b)
{
	struct gt_cache_entry *e;

	pthread_mutex_lock(&c->mu);
	e = find(c, a, b);
	if (e) {
		e->refs++;
		lru_unlink(e);
		lru_push_front(c, e);
		c->st.hits++;
	} else {
		c->st.misses++;
	}
	pthread_mutex_unlock(&c->mu);
	return e;
}

struct gt_cache_entry *gt_cache_put(struct gt_cache *c, uint64_t a, uint64_t b, void *value,
				    size_t bytes, gt_cache_free_fn fn)
{
	struct gt_cache_entry *e = gt_calloc(1, sizeof(*e)), *old, *victims;

	if (!e) {
		if (fn)
			fn(value);
		return NULL;
	}
	e->a = a;
	e->b = b;
	e->value = value;
	e->bytes = bytes;
	e->fn = fn;
	e->refs = 1;
	pthread_mutex_lock(&c->mu);
	old = find(c, a, b);
	if (old) {
		/* Another thread loaded the same object first: use its copy. */
		old->refs++;
		lru_unlink(old);
		lru_push_front(c, old);
		pthread_mutex_unlock(&c->mu);
		entry_free(e);
		return old;
	}
	if (c->st.entries >= c->mask + 1)
		grow(c);
	e->hnext = c->tab[hash(a, b) & c->mask];
	c->tab[hash(a, b) & c->mask] = e;
	lru_push_front(c, e);
	e->cached = true;
	c->st.bytes += bytes;
	c->st.entries++;
	victims = evict(c);
	pthread_mutex_unlock(&c->mu);
	free_victims(victims);
	return e;
}

void *gt_cache_value(struct gt_cache_entry *e)
{
	return e->value;
}

void gt_cache_release(struct gt_cache *c, struct gt_cache_entry *e)
{
	struct gt_cache_entry *victims = NULL;
	bool orphan;

	if (!e)
		return;
	pthread_mutex_lock(&c->mu);
	e->refs--;
	orphan = !e->refs && !e->cached;
	if (!e->refs && e->cached && c->st.bytes > c->budget)
		victims = evict(c);
	pthread_mutex_unlock(&c->mu);
	if (orphan)
		entry_free(e);
	free_victims(victims);
}

void gt_cache_forget(struct gt_cache *c, uint64_t a)
{
	struct gt_cache_entry *victims = NULL, *e, *next;

	pthread_mutex_lock(&c->mu);
	for (e = c->lru.next; e != &c->lru; e = next) {
		next = e->next;
		if (e->a != a)
			continue;
		uncache(c, e);
		if (!e->refs) {
			e->hnext = victims;
			victims = e;
		}
	}
	pthread_mutex_unlock(&c->mu);
	free_victims(victims);
}

void gt_cache_stats(struct gt_cache *c, struct gt_cache_stats *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->st;
	pthread_mutex_unlock(&c->mu);
}

size_t gt_cache_budget(const struct gt_cache *c)
{
	return c->budget;
}
