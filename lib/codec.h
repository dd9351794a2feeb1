/*
 * codec.h - explicit little-endian packing, varints and zigzag, shared by
 * every on-disk and wire format of gt.  Nothing in gt writes a raw struct:
 * each field goes through these helpers with a stated byte order.
 *
 * Readers (gt_rd) never trust a length: every get checks the bytes left
 * and sets rd->bad on underflow, returning 0; a caller checks rd->bad once
 * after a run of gets.
 */
#ifndef GT_CODEC_H
#define GT_CODEC_H

#include <stdint.h>
#include <string.h>
#include "buf.h"

static inline void gt_put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void gt_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void gt_put_le64(uint8_t *p, uint64_t v)
{
	gt_put_le32(p, (uint32_t)v);
	gt_put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t gt_get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t gt_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t gt_get_le64(const uint8_t *p)
{
	return (uint64_t)gt_get_le32(p) | ((uint64_t)gt_get_le32(p + 4) << 32);
}

/* A double's bits and back (the wire and file forms of floats). */
static inline uint64_t gt_f64_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	return u;
}
static inline double gt_f64_of(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

static inline uint64_t gt_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t gt_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Write v as a LEB128 varint into p (at least 10 bytes); returns bytes used. */
static inline size_t gt_put_uvarint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Appenders onto a gt_buf; return 0 or a GT_E* code. */
int gt_buf_le32(struct gt_buf *b, uint32_t v);
int gt_buf_le64(struct gt_buf *b, uint64_t v);
int gt_buf_uvarint(struct gt_buf *b, uint64_t v);
int gt_buf_svarint(struct gt_buf *b, int64_t v);
/* uvarint length then bytes */
int gt_buf_bytes(struct gt_buf *b, const void *p, size_t n);

/* A bounds-checked reader over a byte range. */
struct gt_rd {
	const uint8_t *p, *end;
	int bad;           /* set once any get ran past the end or a varint was malformed */
};

static inline void gt_rd_init(struct gt_rd *r, const void *p, size_t n)
{
	r->p = p;
	r->end = r->p + n;
	r->bad = 0;
}
static inline size_t gt_rd_left(const struct gt_rd *r) { return (size_t)(r->end - r->p); }
uint8_t gt_rd_u8(struct gt_rd *r);
uint32_t gt_rd_le32(struct gt_rd *r);
uint64_t gt_rd_le64(struct gt_rd *r);
uint64_t gt_rd_uvarint(struct gt_rd *r);
int64_t gt_rd_svarint(struct gt_rd *r);
/* Returns a pointer to n bytes inside the range, or NULL (and bad) if fewer are left. */
const void *gt_rd_take(struct gt_rd *r, size_t n);
/* uvarint length then bytes; the length is checked against max and the bytes left. */
const void *gt_rd_bytes(struct gt_rd *r, size_t max, size_t *len);

#endif
