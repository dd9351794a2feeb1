/* key.c - order-preserving series key encoding. */
#include "key.h"

#include <string.h>

int gt_key_encode(struct gt_buf *out, const struct gt_key_part *parts, uint32_t n)
{
	int rc = 0;
	size_t start = out->len;

	while (n && !parts[n - 1].p)
		n--;
	for (uint32_t i = 0; i < n && !rc; i++) {
		const char *p = parts[i].p, *z;
		size_t left;
		if (!p) {
			rc = gt_buf_addch(out, 0);
			continue;
		}
		rc = gt_buf_addch(out, 1);
		left = parts[i].n;
		while (!rc && left && (z = memchr(p, 0, left))) {
			size_t k = (size_t)(z - p);
			rc = gt_buf_add(out, p, k);
			if (!rc)
				rc = gt_buf_add(out, "\0\xff", 2);
			p += k + 1;
			left -= k + 1;
		}
		if (!rc)
			rc = gt_buf_add(out, p, left);
		if (!rc)
			rc = gt_buf_add(out, "\0\x01", 2);
	}
	if (!rc && out->len - start > GT_KEY_MAX)
		rc = GT_ETOOBIG;
	return rc;
}

int gt_key_decode(const void *key, size_t len, struct gt_key_part *parts, uint32_t max,
		  struct gt_buf *scratch)
{
	const uint8_t *p = key, *end = p + len;
	uint32_t n = 0;
	/* offsets first: scratch may move while it grows */
	size_t offs[256];
	int isnull[256];

	gt_buf_reset(scratch);
	if (max > 256)
		max = 256;
	while (p < end) {
		if (n >= max)
			return GT_ECORRUPT;
		if (*p == 0) {
			isnull[n] = 1;
			offs[n] = 0;
			parts[n].n = 0;
			p++;
			n++;
			continue;
		}
		if (*p != 1)
			return GT_ECORRUPT;
		p++;
		isnull[n] = 0;
		offs[n] = scratch->len;
		for (;;) {
			const uint8_t *z = memchr(p, 0, (size_t)(end - p));
			if (!z || z + 1 >= end)
				return GT_ECORRUPT;
			if (gt_buf_add(scratch, p, (size_t)(z - p)))
				return GT_ENOMEM;
			if (z[1] == 0x01) {
				p = z + 2;
				break;
			}
			if (z[1] != 0xff || gt_buf_addch(scratch, 0))
				return GT_ECORRUPT;
			p = z + 2;
		}
		parts[n].n = (uint32_t)(scratch->len - offs[n]);
		n++;
	}
	for (uint32_t i = 0; i < n; i++)
		parts[i].p = isnull[i] ? NULL : (scratch->p ? scratch->p + offs[i] : "");
	for (uint32_t i = n; i < max; i++) {
		parts[i].p = NULL;
		parts[i].n = 0;
	}
	return (int)n;
}
