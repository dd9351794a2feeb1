/*
 * key.h - series keys: the primary-key tag values of a row, encoded so
 * that memcmp order is tuple order and equal tuples encode equal bytes.
 *
 * Per tag, in primary-key order:
 *   null:   0x00
 *   value:  0x01, the bytes with every 0x00 written 0x00 0xff, then 0x00 0x01
 * Trailing null tags are omitted, so appending a tag column to the key
 * leaves every existing key unchanged (old rows read as null there).
 */
#ifndef GT_KEY_H
#define GT_KEY_H

#include "buf.h"

#define GT_KEY_MAX (64u << 10)   /* longest encoded key */

struct gt_key_part {
	const char *p;     /* NULL for a null tag */
	uint32_t n;
};

/* Append the encoding of parts[0..n) to out (callers reset out first). */
int gt_key_encode(struct gt_buf *out, const struct gt_key_part *parts, uint32_t n);

/*
 * Decode key into at most max parts; unescaped bytes go to scratch (reset
 * by the call) and parts point into it.  Parts past the encoded ones are
 * null.  Returns the count of encoded parts or GT_ECORRUPT.
 */
int gt_key_decode(const void *key, size_t len, struct gt_key_part *parts, uint32_t max,
		  struct gt_buf *scratch);

#endif
