/*
 * keymap.h - a hash table of byte strings to dense ids 0, 1, 2 ... in
 * order of first appearance: the group keys of aggregations, distinct
 * values, series keys.  Keys are copied into one arena.  A zeroed
 * struct is an empty map; gt_keymap_release() frees it.  Not
 * thread-safe.
 */
#ifndef GT_KEYMAP_H
#define GT_KEYMAP_H

#include <stdbool.h>
#include "buf.h"

struct gt_keymap {
	struct gt_buf keys;
	uint32_t *off, *len, *slots;
	uint32_t n, cap, nslots;
};

/* The id of key k[0..kl); a new key gets id n-1 and *isnew.  GT_ENOMEM
 * (or GT_ETOOBIG past 4 GiB of keys) on failure. */
int gt_keymap_get(struct gt_keymap *m, const void *k, size_t kl, bool *isnew);
/* The id of key k[0..kl), or -1 when the map does not have it. */
int gt_keymap_find(const struct gt_keymap *m, const void *k, size_t kl);
void gt_keymap_release(struct gt_keymap *m);

static inline const char *gt_keymap_key(const struct gt_keymap *m, uint32_t id, uint32_t *len)
{
	*len = m->len[id];
	return m->keys.p + m->off[id];
}

#endif
