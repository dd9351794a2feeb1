/* keymap.c - byte strings to dense ids (open addressing, linear probing). */
#include "keymap.h"

#include <xxhash.h>

void gt_keymap_release(struct gt_keymap *m)
{
	gt_buf_release(&m->keys);
	free(m->off);
	free(m->len);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static int rehash(struct gt_keymap *m)
{
	uint32_t ns = m->nslots ? m->nslots * 2 : 64;
	uint32_t *sl = gt_malloc((size_t)ns * sizeof(*sl));
	if (!sl)
		return GT_ENOMEM;
	memset(sl, 0xff, (size_t)ns * sizeof(*sl));
	for (uint32_t id = 0; id < m->n; id++) {
		uint64_t h = XXH3_64bits(m->keys.p + m->off[id], m->len[id]) & (ns - 1);
		while (sl[h] != UINT32_MAX)
			h = (h + 1) & (ns - 1);
		sl[h] = id;
	}
	free(m->slots);
	m->slots = sl;
	m->nslots = ns;
	return 0;
}

int gt_keymap_find(const struct gt_keymap *m, const void *k, size_t kl)
{
	if (!m->nslots)
		return -1;
	for (uint64_t h = XXH3_64bits(k, kl) & (m->nslots - 1); m->slots[h] != UINT32_MAX;
	     h = (h + 1) & (m->nslots - 1)) {
		uint32_t id = m->slots[h];
		if (m->len[id] == kl && (!kl || !memcmp(m->keys.p + m->off[id], k, kl)))
			return (int)id;
	}
	return -1;
}

int gt_keymap_get(struct gt_keymap *m, const void *k, size_t kl, bool *isnew)
{
	uint64_t h;
	int rc;

	if (m->n * 2 + 2 >= m->nslots && (rc = rehash(m)))
		return rc;
	h = XXH3_64bits(k, kl) & (m->nslots - 1);
	while (m->slots[h] != UINT32_MAX) {
		uint32_t id = m->slots[h];
		if (m->len[id] == kl && (!kl || !memcmp(m->keys.p + m->off[id], k, kl))) {
			*isnew = false;
			return (int)id;
		}
		h = (h + 1) & (m->nslots - 1);
	}
	if (m->n == m->cap) {
		uint32_t nc = m->cap ? m->cap * 2 : 64;
		uint32_t *o = gt_reallocarray(m->off, nc, sizeof(*o));
		if (!o)
			return GT_ENOMEM;
		m->off = o;
		uint32_t *l = gt_reallocarray(m->len, nc, sizeof(*l));
		if (!l)
			return GT_ENOMEM;
		m->len = l;
		m->cap = nc;
	}
	if (m->keys.len + kl > UINT32_MAX)
		return GT_ETOOBIG;
	if (kl && gt_buf_add(&m->keys, k, kl) < 0)
		return GT_ENOMEM;
	m->off[m->n] = (uint32_t)(m->keys.len - kl);
	m->len[m->n] = (uint32_t)kl;
	m->slots[h] = m->n;
	*isnew = true;
	return (int)m->n++;
}
