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
/* Drop every unreferenced entry with key a (a file that was deleted). */
void gt_cache_forget(struct gt_cache *c, uint64_t a);

struct gt_cache_stats {
	uint64_t hits, misses, bytes, entries, evictions;
};
void gt_cache_stats(struct gt_cache *c, struct gt_cache_stats *out);

#endif
