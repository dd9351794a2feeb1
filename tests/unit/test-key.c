/* test-key.c - series keys: memcmp order of encoded keys is the order of
 * the typed tag values, and every value decodes back to itself. */
#include "key.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Encode one value of a one-tag key (null when isnull). */
static void enc1(struct gt_buf *out, enum gt_type t, uint64_t bits, int isnull)
{
	uint8_t vb[GT_KEY_VAL_MAX];
	struct gt_key_part p = {NULL, 0};
	gt_buf_reset(out);
	if (!isnull)
		gt_key_part_val(&p, t, bits, vb);
	gt_key_encode(out, &p, 1);
}

static int cmpkey(const struct gt_buf *a, const struct gt_buf *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->p, b->p, n) : 0;
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* The values of vals[] are ascending: check their keys are too, and
 * that each decodes back to the same bits. */
static void check_order(const char *what, enum gt_type t, const uint64_t *vals, int n)
{
	struct gt_buf prev = {0}, cur = {0}, scratch = {0};
	int sorted = 1, roundtrip = 1;
	for (int i = 0; i < n; i++) {
		struct gt_key_part p;
		struct gt_vec v;
		enc1(&cur, t, vals[i], 0);
		if (i && cmpkey(&prev, &cur) >= 0)
			sorted = 0;
		gt_vec_init(&v, t);
		if (gt_key_decode(cur.p, cur.len, &p, 1, &scratch) != 1 || gt_key_part_push(&v, &p) < 0 ||
		    v.len != 1)
			roundtrip = 0;
		else if (t == GT_BOOL ? v.v.b[0] != (vals[i] != 0) : v.v.u64[0] != vals[i])
			roundtrip = 0;
		gt_vec_release(&v);
		gt_buf_reset(&prev);
		gt_buf_add(&prev, cur.p, cur.len);
	}
	ok(sorted, "%s: keys sort as the values", what);
	ok(roundtrip, "%s: every key decodes to its value", what);
	/* null sorts before every value */
	struct gt_buf nul = {0};
	enc1(&nul, t, 0, 1);
	enc1(&cur, t, vals[0], 0);
	ok(cmpkey(&nul, &cur) < 0 || nul.len == 0, "%s: null sorts first", what);
	gt_buf_release(&nul);
	gt_buf_release(&prev);
	gt_buf_release(&cur);
	gt_buf_release(&scratch);
}

static uint64_t dbits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

int main(void)
{
	const int64_t ints[] = {INT64_MIN, INT64_MIN + 1, -65536, -256, -1, 0, 1, 255, 256, 65536, INT64_MAX};
	uint64_t iv[GT_ARRAY_LEN(ints)];
	for (size_t i = 0; i < GT_ARRAY_LEN(ints); i++)
		iv[i] = (uint64_t)ints[i];
	check_order("int64", GT_I64, iv, (int)GT_ARRAY_LEN(ints));
	check_order("timestamp", GT_TS, iv, (int)GT_ARRAY_LEN(ints));

	const uint64_t uv[] = {0, 1, 255, 256, 65535, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX};
	check_order("uint64", GT_U64, uv, (int)GT_ARRAY_LEN(uv));

	const double ds[] = {-INFINITY, -1e300, -2.5, -1, -1e-300, 0.0, 1e-300, 0.5, 1, 3, 1e300, INFINITY};
	uint64_t dv[GT_ARRAY_LEN(ds)];
	for (size_t i = 0; i < GT_ARRAY_LEN(ds); i++)
		dv[i] = dbits(ds[i]);
	check_order("float64", GT_F64, dv, (int)GT_ARRAY_LEN(ds));

	const uint64_t bv[] = {0, 1};
	check_order("bool", GT_BOOL, bv, 2);

	/* -0.0 is the key of 0.0; a NaN sorts after +inf */
	struct gt_buf a = {0}, b = {0};
	enc1(&a, GT_F64, dbits(-0.0), 0);
	enc1(&b, GT_F64, dbits(0.0), 0);
	ok(cmpkey(&a, &b) == 0, "float64: -0.0 and 0.0 are one key");
	enc1(&a, GT_F64, dbits(NAN), 0);
	enc1(&b, GT_F64, dbits(INFINITY), 0);
	ok(cmpkey(&a, &b) > 0, "float64: NaN sorts after +inf");

	/* a fixed-width part of the wrong width is corrupt, not a crash */
	struct gt_vec v;
	struct gt_key_part p = {"abc", 3};
	gt_vec_init(&v, GT_I64);
	ok(gt_key_part_push(&v, &p) == GT_ECORRUPT, "int64: a 3-byte part is corrupt");
	gt_vec_release(&v);

	/* string keys keep the encoding written before typed tags */
	struct gt_key_part sp[2] = {{"a\0b", 3}, {NULL, 0}};
	gt_buf_reset(&a);
	gt_key_encode(&a, sp, 2);
	ok(a.len == 7 && !memcmp(a.p, "\x01" "a\0\xff" "b\0\x01", 7), "string: the pre-existing encoding");
	gt_buf_release(&a);
	gt_buf_release(&b);
	return tap_done();
}
