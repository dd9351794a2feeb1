/*
 * cache.h - an LRU cache of decoded objects with a byte budget, shared
 * by every region of a process (decoded SST blocks, SST readers).
 *
 * Entries are keyed by (uint64 a, uint64 b) -- e.g. (hash of the file
 * id, block index) -- and hold an opaque value with a size in bytes and a
 * free function.  get() returns a counted reference; put() inserts (or
 * returns the entry that won a race).  When the total size passes the
 * budget, least recently used entries without outstanding references are
 * evicted.  Thread-safe (one mutex; the critical sections are short).
 *
 * Invariants: every entry in the cache is in the hash table and on the
 * LRU list (most recently used first) and counts in stats.bytes; an entry
 * in use (refs > 0) is never evicted, so the total may pass the budget
 * while entries are held, and it is brought back under the budget by the
 * put or release that allows it.  An entry that left the cache (evicted
 * while unreferenced, or forgotten) is freed by whoever drops its last
 * reference: the cache itself or the last gt_cache_release().  Value free
 * functions run outside the mutex, so they may call into the cache.
 *
 * Who frees what: the cache owns values from gt_cache_put on (even when
 * put fails or loses a race).  Every reference from get or put must be
 * given back with gt_cache_release before gt_cache_free.
 */
#ifndef GT_CACHE_H
#define GT_CACHE_H

#include "gt.h"

struct gt_cache;
struct gt_cache_entry;

typedef void (*gt_cache_free_fn)(void *value);

struct gt_cache *gt_cache_new(size_t budget_bytes);
void gt_cache_free(struct gt_cache *c);
/* A referenced entry, or NULL on a miss. */
struct gt_cache_entry *gt_cache_get(struct gt_cache *c, uint64_t a, uint64_t b);
/* Insert value (taking ownership); returns a referenced entry: the new one,
 * or an existing one for the same key (then value is freed).  NULL on ENOMEM
 * (value freed). */
struct gt_cache_entry *gt_cache_put(struct gt_cache *c, uint64_t a, uint64_t b, void *value,
				    size_t bytes, gt_cache_free_fn fn);
void *gt_cache_value(struct gt_cache_entry *e);
void gt_cache_release(struct gt_cache *c, struct gt_cache_entry *e);
/* Drop every entry with key a (a file that was deleted): unreferenced
 * ones are freed now, referenced ones leave the cache at once (later gets
 * miss) and are freed by their last gt_cache_release. */
void gt_cache_forget(struct gt_cache *c, uint64_t a);

/* hits and misses count gets; bytes and entries are what the cache holds
 * now (not forgotten entries still referenced); evictions count entries
 * dropped for the budget (not forget). */
/* The byte budget the cache was made with. */
size_t gt_cache_budget(const struct gt_cache *c);

struct gt_cache_stats {
	uint64_t hits, misses, bytes, entries, evictions;
};
void gt_cache_stats(struct gt_cache *c, struct gt_cache_stats *out);

#endif
