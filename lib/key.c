/* key.c - order-preserving series key encoding. */
#include "key.h"

#include <math.h>
#include <string.h>

static void put_be64(uint8_t *b, uint64_t x)
{
	for (int k = 7; k >= 0; k--, x >>= 8)
		b[k] = (uint8_t)x;
}

static uint64_t get_be64(const uint8_t *b)
{
	uint64_t x = 0;
	for (int k = 0; k < 8; k++)
		x = x << 8 | b[k];
	return x;
}

void gt_key_part_val(struct gt_key_part *part, enum gt_type type, uint64_t bits,
		     uint8_t buf[GT_KEY_VAL_MAX])
{
	const uint64_t sign = (uint64_t)1 << 63;

	part->p = (const char *)buf;
	part->n = 8;
	switch (type) {
	case GT_BOOL:
		buf[0] = bits != 0;
		part->n = 1;
		return;
	case GT_U64:
		break;
	case GT_F64: {
		double d;
		memcpy(&d, &bits, 8);
		if (d == 0)
			d = 0.0;
		else if (isnan(d))
			d = NAN;
		memcpy(&bits, &d, 8);
		bits = bits & sign ? ~bits : bits | sign;
		break;
	}
	default:
		bits ^= sign;
		break;
	}
	put_be64(buf, bits);
}

void gt_key_part_of(struct gt_key_part *part, const struct gt_vec *v, uint32_t i,
		    uint8_t buf[GT_KEY_VAL_MAX])
{
	uint64_t bits = 0;

	if (gt_vec_is_null(v, i)) {
		part->p = NULL;
		part->n = 0;
		return;
	}
	switch (v->type) {
	case GT_STRING:
		part->p = gt_vec_str(v, i, &part->n);
		return;
	case GT_BOOL:
		bits = v->v.b[i];
		break;
	default:
		bits = v->v.u64[i];
		break;
	}
	gt_key_part_val(part, (enum gt_type)v->type, bits, buf);
}

int gt_key_part_push(struct gt_vec *v, const struct gt_key_part *part)
{
	const uint8_t *b = (const uint8_t *)part->p;
	const uint64_t sign = (uint64_t)1 << 63;
	uint64_t bits;

	if (!part->p)
		return gt_vec_push_null(v);
	switch (v->type) {
	case GT_STRING:
		return gt_vec_push_str(v, part->p, part->n);
	case GT_BOOL:
		if (part->n != 1)
			return GT_ECORRUPT;
		return gt_vec_push_bool(v, b[0] != 0);
	default:
		break;
	}
	if (part->n != 8)
		return GT_ECORRUPT;
	bits = get_be64(b);
	switch (v->type) {
	case GT_U64:
		return gt_vec_push_u64(v, bits);
	case GT_F64: {
		double d;
		bits = bits & sign ? bits ^ sign : ~bits;
		memcpy(&d, &bits, 8);
		return gt_vec_push_f64(v, d);
	}
	default:
		return gt_vec_push_i64(v, (int64_t)(bits ^ sign));
	}
}

int gt_key_encode(struct gt_buf *out, const struct gt_key_part *parts, uint32_t n)
{
	size_t start = out->len, most = 0;

	while (n && !parts[n - 1].p)
		n--;
	/* room for the worst case (every byte a zero, escaped to two) at once:
	 * a key is built for every series of every write */
	for (uint32_t i = 0; i < n; i++)
		most += parts[i].p ? 2 * (size_t)parts[i].n + 3 : 1;
	if (most > GT_KEY_MAX * 2 + 3 * (size_t)n)
		return GT_ETOOBIG;
	int rc = gt_buf_grow(out, most);
	if (rc)
		return rc;
	char *w = out->p + out->len;
	for (uint32_t i = 0; i < n; i++) {
		const char *p = parts[i].p, *z;
		size_t left = parts[i].n;
		if (!p) {
			*w++ = 0;
			continue;
		}
		*w++ = 1;
		while (left && (z = memchr(p, 0, left))) {
			size_t k = (size_t)(z - p);
			memcpy(w, p, k);
			w += k;
			*w++ = 0;
			*w++ = (char)0xff;
			p += k + 1;
			left -= k + 1;
		}
		memcpy(w, p, left);
		w += left;
		*w++ = 0;
		*w++ = 1;
	}
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
	if (out->len - start > GT_KEY_MAX) {
		out->len = start;
		out->p[start] = '\0';
		return GT_ETOOBIG;
	}
	return 0;
}

static int decode(const void *key, size_t len, struct gt_key_part *parts, uint32_t max, struct gt_buf *scratch,
		  bool prefix)
{
	const uint8_t *p = key, *end = p + len;
	uint32_t n = 0;
	/* a part without escaped zero bytes points into the key; the others
	 * are unescaped into scratch, by offset, as scratch may move */
	size_t offs[256];
	uint8_t where[256];   /* 0 null, 1 in the key, 2 in scratch */

	gt_buf_reset(scratch);
	if (max > 256)
		max = 256;
	while (p < end) {
		if (n >= max) {
			if (prefix)
				break;
			return GT_ECORRUPT;
		}
		if (*p == 0) {
			where[n] = 0;
			parts[n].n = 0;
			p++;
			n++;
			continue;
		}
		if (*p != 1)
			return GT_ECORRUPT;
		p++;
		const uint8_t *z = memchr(p, 0, (size_t)(end - p));
		if (!z || z + 1 >= end)
			return GT_ECORRUPT;
		if (z[1] == 0x01) {
			where[n] = 1;
			parts[n].p = (const char *)p;
			parts[n].n = (uint32_t)(z - p);
			p = z + 2;
			n++;
			continue;
		}
		where[n] = 2;
		offs[n] = scratch->len;
		for (;;) {
			z = memchr(p, 0, (size_t)(end - p));
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
		if (where[i] != 1)
			parts[i].p = !where[i] ? NULL : (scratch->p ? scratch->p + offs[i] : "");
	for (uint32_t i = n; i < max; i++) {
		parts[i].p = NULL;
		parts[i].n = 0;
	}
	return (int)n;
}

int gt_key_decode(const void *key, size_t len, struct gt_key_part *parts, uint32_t max, struct gt_buf *scratch)
{
	return decode(key, len, parts, max, scratch, false);
}

int gt_key_prefix_decode(const void *key, size_t len, struct gt_key_part *parts, uint32_t max, struct gt_buf *scratch)
{
	return decode(key, len, parts, max, scratch, true);
}
