/*
 * key.h - series keys: the primary-key tag values of a row, encoded so
 * that memcmp order is tuple order and equal tuples encode equal bytes.
 *
 * Per tag, in primary-key order:
 *   null:   0x00
 *   value:  0x01, the bytes with every 0x00 written 0x00 0xff, then 0x00 0x01
 * Trailing null tags are omitted, so appending a tag column to the key
 * leaves every existing key unchanged (old rows read as null there).
 *
 * The bytes of a part are the tag's value: the string itself for a
 * GT_STRING tag; for the other types a fixed-width form whose memcmp
 * order is the value order (gt_key_part_of / gt_key_part_push):
 *   GT_I64, GT_TS  8 bytes big-endian, sign bit flipped
 *   GT_U64         8 bytes big-endian
 *   GT_F64         8 bytes big-endian of the bits, all bits flipped when
 *                  negative, else the sign bit flipped (IEEE total order;
 *                  -0.0 and NaN are normalised to 0.0 and the one quiet NaN)
 *   GT_BOOL        1 byte, 0 or 1
 * A string tag keeps the encoding gt wrote before typed tags existed.
 */
#ifndef GT_KEY_H
#define GT_KEY_H

#include "batch.h"

#define GT_KEY_MAX (64u << 10)   /* longest encoded key */

struct gt_key_part {
	const char *p;     /* NULL for a null tag */
	uint32_t n;
};

/* Append the encoding of parts[0..n) to out (callers reset out first). */
int gt_key_encode(struct gt_buf *out, const struct gt_key_part *parts, uint32_t n);

/*
 * Decode key into at most max parts.  A part points into key itself, or,
 * when its value holds zero bytes, into scratch (reset by the call) where
 * they are unescaped: parts live as long as both.  Parts past the encoded
 * ones are null.  Returns the count of encoded parts or GT_ECORRUPT.
 */
int gt_key_decode(const void *key, size_t len, struct gt_key_part *parts, uint32_t max,
		  struct gt_buf *scratch);
/* The same for the first max parts only: the rest of key is not read. */
int gt_key_prefix_decode(const void *key, size_t len, struct gt_key_part *parts, uint32_t max,
			 struct gt_buf *scratch);

/* Longest fixed-width value of a non-string tag. */
#define GT_KEY_VAL_MAX 8

/*
 * The key part of row i of v: a null part for a null row, the string for
 * GT_STRING (pointing into v), else the fixed-width form written to buf.
 */
void gt_key_part_of(struct gt_key_part *part, const struct gt_vec *v, uint32_t i,
		    uint8_t buf[GT_KEY_VAL_MAX]);
/* The key part for a value given as bits (int64/uint64/double bits/bool). */
void gt_key_part_val(struct gt_key_part *part, enum gt_type type, uint64_t bits,
		     uint8_t buf[GT_KEY_VAL_MAX]);
/*
 * Append the value of a key part to v, decoded as v's type (null for a
 * null part).  GT_ECORRUPT when a non-string part has the wrong width.
 */
int gt_key_part_push(struct gt_vec *v, const struct gt_key_part *part);

#endif
