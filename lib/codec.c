/* codec.c - varints and the bounds-checked reader. */
#include "codec.h"

int gt_buf_le32(struct gt_buf *b, uint32_t v)
{
	uint8_t t[4];
	gt_put_le32(t, v);
	return gt_buf_add(b, t, 4);
}

int gt_buf_le64(struct gt_buf *b, uint64_t v)
{
	uint8_t t[8];
	gt_put_le64(t, v);
	return gt_buf_add(b, t, 8);
}

int gt_buf_uvarint(struct gt_buf *b, uint64_t v)
{
	uint8_t t[10];
	return gt_buf_add(b, t, gt_put_uvarint(t, v));
}

int gt_buf_svarint(struct gt_buf *b, int64_t v)
{
	return gt_buf_uvarint(b, gt_zigzag(v));
}

int gt_buf_bytes(struct gt_buf *b, const void *p, size_t n)
{
	int rc = gt_buf_uvarint(b, n);
	return rc ? rc : gt_buf_add(b, p, n);
}

uint8_t gt_rd_u8(struct gt_rd *r)
{
	if (r->p >= r->end) {
		r->bad = 1;
		return 0;
	}
	return *r->p++;
}

uint32_t gt_rd_le32(struct gt_rd *r)
{
	const uint8_t *p = gt_rd_take(r, 4);
	return p ? gt_get_le32(p) : 0;
}

uint64_t gt_rd_le64(struct gt_rd *r)
{
	const uint8_t *p = gt_rd_take(r, 8);
	return p ? gt_get_le64(p) : 0;
}

uint64_t gt_rd_uvarint(struct gt_rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (r->p < r->end) {
		uint8_t c = *r->p++;
		if (shift == 63 && c > 1)
			break;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
		shift += 7;
		if (shift > 63)
			break;
	}
	r->bad = 1;
	return 0;
}

int64_t gt_rd_svarint(struct gt_rd *r)
{
	return gt_unzigzag(gt_rd_uvarint(r));
}

const void *gt_rd_take(struct gt_rd *r, size_t n)
{
	const uint8_t *p = r->p;
	if (r->bad || n > gt_rd_left(r)) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	return p;
}

const void *gt_rd_bytes(struct gt_rd *r, size_t max, size_t *len)
{
	uint64_t n = gt_rd_uvarint(r);
	if (r->bad || n > max || n > gt_rd_left(r)) {
		r->bad = 1;
		*len = 0;
		return NULL;
	}
	*len = (size_t)n;
	return gt_rd_take(r, (size_t)n);
}
