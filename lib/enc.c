/*
 * enc.c - column encodings for time series.  The byte layout of every
 * encoding is specified in man/man5/gt-sst.5 "ENCODINGS"; in short:
 *
 *   stream   := u8 codec (0 raw, 1 zstd, 2 rANS) | uvarint rawlen |
 *               [codec 1, 2: uvarint storedlen] | bytes
 *   RUNS     := stream of uvarint (value, count) pairs, count >= 1
 *   DOD      := stream of zigzag uvarints: v0, v1-v0, then
 *               (v[i]-v[i-1]) - (v[i-1]-v[i-2]); arithmetic mod 2^64
 *   DELTA    := stream of zigzag uvarints v[i]-v[i-1], v[-1] = 0
 *   INT      := (n = 0: nothing) | uvarint zigzag(v0) | u8 nplanes |
 *               nplanes streams of n-1 bytes: plane k holds byte k of
 *               zigzag(v[i]-v[i-1]) for i = 1..n-1
 *   DEC      := u8 scale e | uvarint nexc | [nexc > 0: stream of
 *               (uvarint gap, le64 bits) exceptions] | INT of mantissas
 *   F64RAW   := (n = 0: nothing) | 8 streams of n bytes: byte k of the
 *               IEEE 754 bits of each value
 *   BOOL     := stream of (n+7)/8 bytes, bit i of byte i/8 (LSB first)
 *   STR      := stream of n uvarint lengths | stream of the bytes
 *
 * Why byte planes: the zigzag deltas of two-decimal mantissas of a
 * random walk mostly fit 16 bits; kept apart, the near-uniform low
 * bytes go raw and the highly skewed high bytes go to rANS, which codes
 * them near their entropy where zstd's Huffman stage spends at least a
 * bit a byte (measured in gt-sst.5 ALTERNATIVES CONSIDERED).
 */
#include "enc.h"

#include <math.h>
#include <zstd.h>

/* Exact powers of ten: every one up to 1e22 is a double. */
static const double p10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define TWO53 9007199254740992.0

static const char *const enc_names[GT_ENC_COUNT] = {
	[GT_ENC_NULL] = "all-null",
	[GT_ENC_RUNS] = "runs",
	[GT_ENC_DOD] = "delta-of-delta",
	[GT_ENC_DELTA] = "delta",
	[GT_ENC_INT] = "delta-planes",
	[GT_ENC_DEC] = "decimal-planes",
	[GT_ENC_F64RAW] = "raw-f64",
	[GT_ENC_BOOL] = "bits",
	[GT_ENC_STR] = "plain-strings",
};

const char *gt_enc_name(unsigned id)
{
	return id < GT_ENC_COUNT ? enc_names[id] : "unknown";
}

int gt_enc_init(struct gt_enc *e, int level)
{
	memset(e, 0, sizeof(*e));
	e->level = level ? level : 3;
	e->zc = ZSTD_createCCtx();
	return e->zc ? 0 : GT_ENOMEM;
}

void gt_enc_release(struct gt_enc *e)
{
	ZSTD_freeCCtx(e->zc);
	gt_buf_release(&e->z);
	gt_buf_release(&e->a);
	gt_buf_release(&e->b);
	gt_buf_release(&e->r);
	free(e->u);
	memset(e, 0, sizeof(*e));
}

int gt_dec_init(struct gt_dec *d)
{
	memset(d, 0, sizeof(*d));
	d->zd = ZSTD_createDCtx();
	return d->zd ? 0 : GT_ENOMEM;
}

void gt_dec_release(struct gt_dec *d)
{
	ZSTD_freeDCtx(d->zd);
	for (size_t i = 0; i < GT_ARRAY_LEN(d->slot); i++)
		gt_buf_release(&d->slot[i]);
	memset(d, 0, sizeof(*d));
}

/* A LEB128 reader over raw pointers for the hot loops: one branch for
 * the common one-byte case. */
static inline int uv(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	if (GT_LIKELY(p < end && *p < 0x80)) {
		*out = *p;
		*pp = p + 1;
		return 0;
	}
	while (p < end) {
		uint8_t c = *p++;
		if (shift == 63 && c > 1)
			return -1;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			*pp = p;
			return 0;
		}
		shift += 7;
		if (shift > 63)
			return -1;
	}
	return -1;
}

/* Append n uvarints would need up to 10 bytes each: grow once. */
static inline uint8_t *room(struct gt_buf *b, size_t n, int *rc)
{
	*rc = gt_buf_grow(b, n);
	return *rc ? NULL : (uint8_t *)b->p + b->len;
}

static inline void commit(struct gt_buf *b, uint8_t *end)
{
	b->len = (size_t)(end - (uint8_t *)b->p);
	b->p[b->len] = '\0';
}

static int scratch_u(struct gt_enc *e, size_t n)
{
	if (n <= e->ucap)
		return 0;
	uint64_t *u = gt_reallocarray(e->u, n, sizeof(*u));
	if (!u)
		return GT_ENOMEM;
	e->u = u;
	e->ucap = n;
	return 0;
}

/* ---- rANS: an order-0 entropy coder for skewed byte streams ---------
 *
 * zstd codes literals with Huffman, which spends at least one bit per
 * byte; the high byte plane of small deltas is mostly zeros (0.8 bits
 * of information a byte), where rANS gets within a few percent of the
 * entropy.  Byte-wise rANS after Duda and Giesen's rans_byte.h: 32-bit
 * state in [2^23, 2^31), frequencies scaled to 2^12.
 *
 * Payload: uvarint nsym | nsym x { u8 symbol (ascending) | uvarint
 * freq (1 .. 4096) } (freqs sum to 4096) | le32 final state of the even
 * bytes | le32 final state of the odd bytes | renormalisation bytes.
 */
#define RANS_BITS 12
#define RANS_SCALE (1u << RANS_BITS)
#define RANS_L (1u << 23)

/* Scale counts to frequencies summing to RANS_SCALE, none of a present symbol 0. */
static void rans_norm(const uint64_t *cnt, size_t n, uint32_t *freq)
{
	uint32_t sum = 0;
	int big = -1;

	for (int s = 0; s < 256; s++) {
		freq[s] = 0;
		if (!cnt[s])
			continue;
		uint64_t f = cnt[s] * RANS_SCALE / n;
		freq[s] = f ? (uint32_t)f : 1;
		sum += freq[s];
		if (big < 0 || cnt[s] > cnt[big])
			big = s;
	}
	/* hand the rounding error to (or take it from) the largest symbols */
	while (sum != RANS_SCALE) {
		if (sum < RANS_SCALE) {
			freq[big] += RANS_SCALE - sum;
			sum = RANS_SCALE;
			break;
		}
		int t = -1;
		for (int s = 0; s < 256; s++)
			if (freq[s] > 1 && (t < 0 || freq[s] > freq[t]))
				t = s;
		uint32_t take = GT_MIN(sum - RANS_SCALE, freq[t] - 1);
		freq[t] -= take;
		sum -= take;
	}
}

/*
 * Append the rANS payload of p[0..n) to out; n >= 1.  Two states take
 * the even and the odd bytes, so that the decoder runs two independent
 * dependency chains; both renormalise through the one byte string.
 */
static int rans_encode(struct gt_enc *e, struct gt_buf *out, const uint8_t *p, size_t n)
{
	uint64_t cnt[256] = {0};
	uint32_t freq[256], cum[256], c = 0, x[2] = {RANS_L, RANS_L};
	uint8_t *buf, *q;
	int rc;

	for (size_t i = 0; i < n; i++)
		cnt[p[i]]++;
	rans_norm(cnt, n, freq);
	uint32_t nsym = 0;
	for (int s = 0; s < 256; s++) {
		cum[s] = c;
		c += freq[s];
		nsym += freq[s] > 0;
	}
	if ((rc = gt_buf_uvarint(out, nsym)))
		return rc;
	for (int s = 0; s < 256; s++)
		if (freq[s] && ((rc = gt_buf_addch(out, s)) || (rc = gt_buf_uvarint(out, freq[s]))))
			return rc;
	/* encode backwards into the end of e->z, then copy forwards */
	gt_buf_reset(&e->z);
	if ((rc = gt_buf_grow(&e->z, n + n / 2 + 16)))
		return rc;
	buf = (uint8_t *)e->z.p;
	q = buf + e->z.cap - 1;
	for (size_t i = n; i-- > 0;) {
		uint32_t f = freq[p[i]], *xs = &x[i & 1];
		uint32_t xmax = ((RANS_L >> RANS_BITS) << 8) * f;
		while (*xs >= xmax) {
			if (q == buf)
				return GT_ETOOBIG;   /* incompressible: the caller keeps another codec */
			*--q = (uint8_t)*xs;
			*xs >>= 8;
		}
		*xs = ((*xs / f) << RANS_BITS) + (*xs % f) + cum[p[i]];
	}
	if ((rc = gt_buf_le32(out, x[0])) || (rc = gt_buf_le32(out, x[1])))
		return rc;
	return gt_buf_add(out, q, (size_t)(buf + e->z.cap - 1 - q));
}

/* Per slot of the 2^12 range: the symbol, its frequency and the slot's
 * distance from the symbol's first slot, in one load. */
struct rans_slot {
	uint16_t freq, bias;
	uint8_t sym;
};

/* One decoding step of state x.  A step reads at most two bytes (the
 * state falls no lower than 2^11), so the caller checks room once. */
#define RANS_STEP(x, out)                                                     \
	do {                                                                  \
		const struct rans_slot *t_ = &tab[(x) & (RANS_SCALE - 1)];    \
		(out) = t_->sym;                                              \
		(x) = t_->freq * ((x) >> RANS_BITS) + t_->bias;               \
		if ((x) < RANS_L) {                                           \
			(x) = ((x) << 8) | *p++;                              \
			if ((x) < RANS_L)                                     \
				(x) = ((x) << 8) | *p++;                      \
		}                                                             \
	} while (0)

/* Decode exactly n bytes of a rANS payload [p, end) into dst. */
static int rans_decode(const uint8_t *p, const uint8_t *end, uint8_t *dst, size_t n)
{
	struct rans_slot tab[RANS_SCALE];
	uint32_t sum = 0, x0, x1;
	uint64_t nsym, f;
	int last = -1;
	size_t i = 0;

	if (uv(&p, end, &nsym) || nsym == 0 || nsym > 256)
		return GT_ECORRUPT;
	for (uint64_t k = 0; k < nsym; k++) {
		if (p >= end || (int)*p <= last)
			return GT_ECORRUPT;
		last = *p++;
		if (uv(&p, end, &f) || f == 0 || f > RANS_SCALE - sum)
			return GT_ECORRUPT;
		for (uint32_t j = 0; j < f; j++) {
			tab[sum + j].sym = (uint8_t)last;
			tab[sum + j].freq = (uint16_t)(f == RANS_SCALE ? 0 : f);
			tab[sum + j].bias = (uint16_t)j;
		}
		sum += (uint32_t)f;
	}
	if (sum != RANS_SCALE || end - p < 8)
		return GT_ECORRUPT;
	if (nsym == 1) {
		/* one symbol: the states never move and no bytes follow */
		memset(dst, tab[0].sym, n);
		return gt_get_le32(p) == RANS_L && gt_get_le32(p + 4) == RANS_L && end - p == 8 ? 0 : GT_ECORRUPT;
	}
	x0 = gt_get_le32(p);
	x1 = gt_get_le32(p + 4);
	p += 8;
	if (x0 < RANS_L || x0 >= RANS_L << 8 || x1 < RANS_L || x1 >= RANS_L << 8)
		return GT_ECORRUPT;
	for (; i + 1 < n && end - p >= 4; i += 2) {
		RANS_STEP(x0, dst[i]);
		RANS_STEP(x1, dst[i + 1]);
	}
	/* near the end of the bytes: one at a time, every read checked */
	for (; i < n; i++) {
		uint32_t *x = i & 1 ? &x1 : &x0;
		const struct rans_slot *t = &tab[*x & (RANS_SCALE - 1)];
		dst[i] = t->sym;
		*x = t->freq * (*x >> RANS_BITS) + t->bias;
		while (*x < RANS_L) {
			if (p >= end)
				return GT_ECORRUPT;
			*x = (*x << 8) | *p++;
		}
	}
	return x0 == RANS_L && x1 == RANS_L && p == end ? 0 : GT_ECORRUPT;
}

/* Codec byte then uvarint raw length, [uvarint stored length], bytes. */
static int put_stream(struct gt_buf *out, int codec, size_t raw, const void *p, size_t stored)
{
	int rc = gt_buf_addch(out, codec);
	if (!rc)
		rc = gt_buf_uvarint(out, raw);
	if (!rc && codec)
		rc = gt_buf_uvarint(out, stored);
	if (!rc)
		rc = gt_buf_add(out, p, stored);
	return rc;
}

int gt_enc_stream(struct gt_enc *e, struct gt_buf *out, const void *p, size_t n)
{
	size_t best = n;
	int codec = 0, rc;

	if (n > GT_ENC_STREAM_MAX)
		return GT_ETOOBIG;
	if (n < 32)
		return put_stream(out, 0, n, p, n);
	/* candidates: rANS into e->r, zstd into e->z; keep the smallest */
	gt_buf_reset(&e->r);
	rc = rans_encode(e, &e->r, p, n);
	if (rc && rc != GT_ETOOBIG)
		return rc;
	if (!rc && e->r.len + 8 < best) {
		best = e->r.len;
		codec = 2;
	}
	size_t bound = ZSTD_compressBound(n), c;
	gt_buf_reset(&e->z);
	if ((rc = gt_buf_grow(&e->z, bound)))
		return rc;
	c = ZSTD_compressCCtx(e->zc, e->z.p, bound, p, n, e->level);
	if (!ZSTD_isError(c) && c + 8 < best) {
		best = c;
		codec = 1;
	}
	if (codec == 1)
		return put_stream(out, 1, n, e->z.p, c);
	if (codec == 2)
		return put_stream(out, 2, n, e->r.p, e->r.len);
	return put_stream(out, 0, n, p, n);
}

int gt_dec_stream(struct gt_dec *d, struct gt_rd *r, size_t want, size_t max, unsigned slot,
		  const uint8_t **p, size_t *len)
{
	uint8_t codec = gt_rd_u8(r);
	uint64_t raw = gt_rd_uvarint(r);
	struct gt_buf *b;

	if (r->bad || codec > 2 || slot >= GT_ARRAY_LEN(d->slot))
		return GT_ECORRUPT;
	if (want != SIZE_MAX ? raw != want : raw > max)
		return GT_ECORRUPT;
	if (raw > GT_ENC_STREAM_MAX)
		return GT_ECORRUPT;
	*len = (size_t)raw;
	if (codec == 0) {
		*p = gt_rd_take(r, (size_t)raw);
		return *p || !raw ? 0 : GT_ECORRUPT;
	}
	uint64_t stored = gt_rd_uvarint(r);
	if (r->bad || !raw || stored > gt_rd_left(r))
		return GT_ECORRUPT;
	const void *src = gt_rd_take(r, (size_t)stored);
	b = &d->slot[slot];
	gt_buf_reset(b);
	if (gt_buf_grow(b, (size_t)raw))
		return GT_ENOMEM;
	*p = (const uint8_t *)b->p;
	if (codec == 2)
		return rans_decode(src, (const uint8_t *)src + stored, (uint8_t *)b->p, (size_t)raw);
	size_t got = ZSTD_decompressDCtx(d->zd, b->p, (size_t)raw, src, (size_t)stored);
	if (ZSTD_isError(got) || got != raw)
		return GT_ECORRUPT;
	return 0;
}

/* ---- runs ---------------------------------------------------------- */

#define ENC_RUNS(T)                                                          \
	int rc;                                                              \
	uint8_t *p, *start;                                                  \
	gt_buf_reset(&e->a);                                                 \
	if (!(p = room(&e->a, (size_t)n * 15 + 1, &rc)))                     \
		return rc;                                                   \
	start = p;                                                           \
	for (uint32_t i = 0; i < n;) {                                       \
		T x = v[i];                                                  \
		uint32_t j = i + 1;                                          \
		while (j < n && v[j] == x)                                   \
			j++;                                                 \
		p += gt_put_uvarint(p, x);                                   \
		p += gt_put_uvarint(p, j - i);                               \
		i = j;                                                       \
	}                                                                    \
	commit(&e->a, p);                                                    \
	(void)start;                                                         \
	return gt_enc_stream(e, out, e->a.p, e->a.len);

int gt_enc_runs_u32(struct gt_enc *e, struct gt_buf *out, const uint32_t *v, uint32_t n)
{
	ENC_RUNS(uint32_t)
}

int gt_enc_runs_u8(struct gt_enc *e, struct gt_buf *out, const uint8_t *v, uint32_t n)
{
	ENC_RUNS(uint8_t)
}

#define DEC_RUNS(T)                                                          \
	const uint8_t *p, *end;                                              \
	size_t len;                                                          \
	uint32_t i = 0;                                                      \
	int rc = gt_dec_stream(d, r, SIZE_MAX, (size_t)n * 15, 0, &p, &len); \
	if (rc)                                                              \
		return rc;                                                   \
	end = p + len;                                                       \
	while (p < end) {                                                    \
		uint64_t x, c;                                               \
		if (uv(&p, end, &x) || uv(&p, end, &c) || x > max || !c ||  \
		    c > n - i)                                               \
			return GT_ECORRUPT;                                  \
		for (uint32_t k = 0; k < (uint32_t)c; k++)                   \
			v[i + k] = (T)x;                                     \
		i += (uint32_t)c;                                            \
	}                                                                    \
	return i == n ? 0 : GT_ECORRUPT;

int gt_dec_runs_u32(struct gt_dec *d, struct gt_rd *r, uint32_t *v, uint32_t n, uint32_t max)
{
	DEC_RUNS(uint32_t)
}

int gt_dec_runs_u8(struct gt_dec *d, struct gt_rd *r, uint8_t *v, uint32_t n, uint8_t max)
{
	DEC_RUNS(uint8_t)
}

/* ---- delta-of-delta and delta -------------------------------------- */

int gt_enc_dod(struct gt_enc *e, struct gt_buf *out, const int64_t *v, uint32_t n)
{
	int rc;
	uint8_t *p;
	uint64_t prev = 0, delta = 0;

	gt_buf_reset(&e->a);
	if (!(p = room(&e->a, (size_t)n * 10, &rc)))
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t x = (uint64_t)v[i], d = x - prev;
		p += gt_put_uvarint(p, gt_zigzag((int64_t)(i < 2 ? d : d - delta)));
		delta = d;
		prev = x;
	}
	commit(&e->a, p);
	return gt_enc_stream(e, out, e->a.p, e->a.len);
}

int gt_dec_dod(struct gt_dec *d, struct gt_rd *r, int64_t *v, uint32_t n)
{
	const uint8_t *p, *end;
	size_t len;
	uint64_t prev = 0, delta = 0, z;
	int rc = gt_dec_stream(d, r, SIZE_MAX, (size_t)n * 10, 0, &p, &len);

	if (rc)
		return rc;
	end = p + len;
	for (uint32_t i = 0; i < n; i++) {
		if (GT_UNLIKELY(uv(&p, end, &z)))
			return GT_ECORRUPT;
		uint64_t dd = (uint64_t)gt_unzigzag(z);
		delta = i < 2 ? dd : delta + dd;
		prev += delta;
		v[i] = (int64_t)prev;
	}
	return p == end ? 0 : GT_ECORRUPT;
}

int gt_enc_delta(struct gt_enc *e, struct gt_buf *out, const uint64_t *v, uint32_t n)
{
	int rc;
	uint8_t *p;
	uint64_t prev = 0;

	gt_buf_reset(&e->a);
	if (!(p = room(&e->a, (size_t)n * 10, &rc)))
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		p += gt_put_uvarint(p, gt_zigzag((int64_t)(v[i] - prev)));
		prev = v[i];
	}
	commit(&e->a, p);
	return gt_enc_stream(e, out, e->a.p, e->a.len);
}

int gt_dec_delta(struct gt_dec *d, struct gt_rd *r, uint64_t *v, uint32_t n)
{
	const uint8_t *p, *end;
	size_t len;
	uint64_t prev = 0, z;
	int rc = gt_dec_stream(d, r, SIZE_MAX, (size_t)n * 10, 0, &p, &len);

	if (rc)
		return rc;
	end = p + len;
	for (uint32_t i = 0; i < n; i++) {
		if (GT_UNLIKELY(uv(&p, end, &z)))
			return GT_ECORRUPT;
		prev += (uint64_t)gt_unzigzag(z);
		v[i] = prev;
	}
	return p == end ? 0 : GT_ECORRUPT;
}

/* ---- integer byte planes ------------------------------------------- */

static inline uint64_t zz_delta(const uint64_t *x, uint32_t i)
{
	return gt_zigzag((int64_t)(x[i] - x[i - 1]));
}

/* INT payload of x[0..n). */
static int int_planes(struct gt_enc *e, struct gt_buf *out, const uint64_t *x, uint32_t n)
{
	uint64_t all = 0;
	unsigned np = 0;
	int rc;

	if (!n)
		return 0;
	for (uint32_t i = 1; i < n; i++)
		all |= zz_delta(x, i);
	while (np < 8 && (all >> (8 * np)))
		np++;
	if ((rc = gt_buf_uvarint(out, gt_zigzag((int64_t)x[0]))) || (rc = gt_buf_addch(out, (int)np)))
		return rc;
	for (unsigned k = 0; k < np; k++) {
		uint8_t *p;
		gt_buf_reset(&e->a);
		if (!(p = room(&e->a, n, &rc)))
			return rc;
		for (uint32_t i = 1; i < n; i++)
			p[i - 1] = (uint8_t)(zz_delta(x, i) >> (8 * k));
		commit(&e->a, p + n - 1);
		if ((rc = gt_enc_stream(e, out, e->a.p, e->a.len)))
			return rc;
	}
	return 0;
}

int gt_enc_int(struct gt_enc *e, struct gt_buf *out, const uint64_t *v, uint32_t n)
{
	return int_planes(e, out, v, n);
}

/* Read the head of an INT payload: first value and plane pointers. */
static int int_head(struct gt_dec *d, struct gt_rd *r, uint32_t n, uint64_t *first,
		    const uint8_t *pl[8], unsigned *np)
{
	size_t len;
	int rc;

	*first = (uint64_t)gt_unzigzag(gt_rd_uvarint(r));
	*np = gt_rd_u8(r);
	if (r->bad || *np > 8 || (n == 1 && *np))
		return GT_ECORRUPT;
	for (unsigned k = 0; k < *np; k++)
		if ((rc = gt_dec_stream(d, r, n - 1, 0, k, &pl[k], &len)))
			return rc;
	return 0;
}

/*
 * The decode loop over planes, specialised for the common widths so
 * that the compiler sees a straight loop: BODY consumes z, the zigzag
 * delta of row i.
 */
#define PLANE_LOOP(np, pl, n, BODY)                                                   \
	switch (np) {                                                                 \
	case 0:                                                                       \
		for (uint32_t i = 1; i < (n); i++) {                                  \
			const uint64_t z = 0;                                         \
			BODY                                                          \
		}                                                                     \
		break;                                                                \
	case 1: {                                                                     \
		const uint8_t *p0 = (pl)[0] - 1;                                      \
		for (uint32_t i = 1; i < (n); i++) {                                  \
			const uint64_t z = p0[i];                                     \
			BODY                                                          \
		}                                                                     \
		break;                                                                \
	}                                                                             \
	case 2: {                                                                     \
		const uint8_t *p0 = (pl)[0] - 1, *p1 = (pl)[1] - 1;                   \
		for (uint32_t i = 1; i < (n); i++) {                                  \
			const uint64_t z = p0[i] | (uint64_t)p1[i] << 8;              \
			BODY                                                          \
		}                                                                     \
		break;                                                                \
	}                                                                             \
	default:                                                                      \
		for (uint32_t i = 1; i < (n); i++) {                                  \
			uint64_t z = 0;                                               \
			for (unsigned k = 0; k < (np); k++)                           \
				z |= (uint64_t)(pl)[k][i - 1] << (8 * k);             \
			BODY                                                          \
		}                                                                     \
		break;                                                                \
	}

int gt_dec_int(struct gt_dec *d, struct gt_rd *r, uint64_t *v, uint32_t n)
{
	const uint8_t *pl[8];
	unsigned np;
	uint64_t acc;
	int rc;

	if (!n)
		return 0;
	if ((rc = int_head(d, r, n, &acc, pl, &np)))
		return rc;
	v[0] = acc;
	PLANE_LOOP(np, pl, n, acc += (uint64_t)gt_unzigzag(z); v[i] = acc;)
	return 0;
}

/* ---- floats -------------------------------------------------------- */

static inline uint64_t f2u(double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	return u;
}

/* Is v exactly m / 10^e with |m| < 2^53?  Bit-exact, so -0.0 is not. */
static inline int dec_exact(double v, unsigned e, int64_t *m)
{
	double s = e ? v * p10[e] : v;
	int64_t x;

	if (!(s > -TWO53 && s < TWO53))
		return 0;
	x = e ? llround(s) : (int64_t)s;
	if (f2u((double)x / p10[e]) != f2u(v))
		return 0;
	*m = x;
	return 1;
}

/* Smallest scale at which v is exact, starting the search at guess; -1 if none. */
static int min_scale(double v, int guess)
{
	int64_t m;
	int g = guess;

	if (dec_exact(v, (unsigned)g, &m)) {
		while (g > 0 && dec_exact(v, (unsigned)g - 1, &m))
			g--;
		return g;
	}
	for (g++; g <= GT_ENC_DEC_MAX_SCALE; g++)
		if (dec_exact(v, (unsigned)g, &m))
			return g;
	return -1;
}

int gt_enc_f64raw(struct gt_enc *e, struct gt_buf *out, const double *v, uint32_t n)
{
	int rc;

	for (unsigned k = 0; n && k < 8; k++) {
		uint8_t *p;
		gt_buf_reset(&e->a);
		if (!(p = room(&e->a, n, &rc)))
			return rc;
		for (uint32_t i = 0; i < n; i++)
			p[i] = (uint8_t)(f2u(v[i]) >> (8 * k));
		commit(&e->a, p + n);
		if ((rc = gt_enc_stream(e, out, e->a.p, e->a.len)))
			return rc;
	}
	return 0;
}

/*
 * DEC: the scale is the smallest e that leaves at most n/32 values as
 * exceptions (values that are no short decimal at that scale, NaN,
 * infinities, -0.0); exceptions keep their bits and leave a zero delta
 * in the mantissa stream.
 */
static int enc_dec(struct gt_enc *e, struct gt_buf *out, const double *v, uint32_t n,
		   uint32_t *nexc_out)
{
	uint32_t hist[GT_ENC_DEC_MAX_SCALE + 2] = {0}, cum = 0, nexc = 0, last = 0;
	int guess = 0, rc;
	unsigned scale = 0;
	int64_t prev = 0;
	uint8_t *p;

	if ((rc = scratch_u(e, n)))
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		int s = min_scale(v[i], guess);
		if (s >= 0)
			guess = s;
		hist[s < 0 ? GT_ENC_DEC_MAX_SCALE + 1 : s]++;
		/* mostly not decimals: give up early, raw will win */
		if (i == 255 && hist[GT_ENC_DEC_MAX_SCALE + 1] > 128)
			return GT_EUNSUPP;
	}
	for (scale = 0; scale <= GT_ENC_DEC_MAX_SCALE; scale++) {
		cum += hist[scale];
		if (n - cum <= n / 32)
			break;
	}
	if (scale > GT_ENC_DEC_MAX_SCALE)
		return GT_EUNSUPP;
	gt_buf_reset(&e->b);
	if (!(p = room(&e->b, (size_t)n * 18, &rc)))
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		int64_t m;
		if (dec_exact(v[i], scale, &m)) {
			prev = m;
		} else {
			p += gt_put_uvarint(p, i - last);
			gt_put_le64(p, f2u(v[i]));
			p += 8;
			last = i + 1;
			nexc++;
		}
		e->u[i] = (uint64_t)prev;
	}
	commit(&e->b, p);
	if (nexc > n / 4)
		return GT_EUNSUPP;
	if ((rc = gt_buf_addch(out, (int)scale)) || (rc = gt_buf_uvarint(out, nexc)))
		return rc;
	if (nexc && (rc = gt_enc_stream(e, out, e->b.p, e->b.len)))
		return rc;
	*nexc_out = nexc;
	return int_planes(e, out, e->u, n);
}

int gt_enc_f64(struct gt_enc *e, struct gt_buf *out, const double *v, uint32_t n, unsigned *id)
{
	size_t start = out->len;
	uint32_t nexc = 0;
	int rc;

	*id = GT_ENC_DEC;
	if (!n)
		return 0;   /* no values: no bytes, as the decoder expects */
	rc = enc_dec(e, out, v, n, &nexc);

	if (rc && rc != GT_EUNSUPP)
		return rc;
	if (!rc && !nexc) {
		*id = GT_ENC_DEC;
		return 0;
	}
	/* With exceptions, or no decimals at all: keep raw bits if smaller. */
	size_t declen = rc ? SIZE_MAX : out->len - start;
	gt_buf_reset(&e->b);
	if ((rc = gt_enc_f64raw(e, &e->b, v, n)))
		return rc;
	*id = GT_ENC_DEC;
	if (e->b.len < declen) {
		out->len = start;
		*id = GT_ENC_F64RAW;
		return gt_buf_add(out, e->b.p, e->b.len);
	}
	return 0;
}

int gt_dec_f64(struct gt_dec *d, struct gt_rd *r, unsigned id, double *v, uint32_t n)
{
	const uint8_t *pl[8];
	unsigned np;
	int rc;

	if (!n)
		return 0;
	if (id == GT_ENC_F64RAW) {
		size_t len;
		for (unsigned k = 0; k < 8; k++)
			if ((rc = gt_dec_stream(d, r, n, 0, k, &pl[k], &len)))
				return rc;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t b = (uint64_t)pl[0][i] | (uint64_t)pl[1][i] << 8 |
				     (uint64_t)pl[2][i] << 16 | (uint64_t)pl[3][i] << 24 |
				     (uint64_t)pl[4][i] << 32 | (uint64_t)pl[5][i] << 40 |
				     (uint64_t)pl[6][i] << 48 | (uint64_t)pl[7][i] << 56;
			memcpy(&v[i], &b, 8);
		}
		return 0;
	}
	if (id != GT_ENC_DEC)
		return GT_ECORRUPT;

	unsigned scale = gt_rd_u8(r);
	uint64_t nexc = gt_rd_uvarint(r), acc;
	const uint8_t *ep = NULL, *eend = NULL;
	size_t elen = 0;

	if (r->bad || scale > GT_ENC_DEC_MAX_SCALE || nexc > n)
		return GT_ECORRUPT;
	/* exceptions in slot 8: the planes use 0..7 */
	if (nexc && (rc = gt_dec_stream(d, r, SIZE_MAX, (size_t)nexc * 18, 8, &ep, &elen)))
		return rc;
	eend = ep ? ep + elen : NULL;
	if ((rc = int_head(d, r, n, &acc, pl, &np)))
		return rc;
	const double div = p10[scale];
	v[0] = (double)(int64_t)acc / div;
	PLANE_LOOP(np, pl, n, acc += (uint64_t)gt_unzigzag(z); v[i] = (double)(int64_t)acc / div;)
	uint64_t pos = 0;
	for (uint64_t k = 0; k < nexc; k++) {
		uint64_t gap;
		if (uv(&ep, eend, &gap) || gap >= n - pos || eend - ep < 8)
			return GT_ECORRUPT;
		pos += gap;
		uint64_t b = gt_get_le64(ep);
		memcpy(&v[pos], &b, 8);
		ep += 8;
		pos++;
	}
	return ep == eend ? 0 : GT_ECORRUPT;
}

/* ---- bools and strings --------------------------------------------- */

int gt_enc_bool(struct gt_enc *e, struct gt_buf *out, const uint8_t *v, uint32_t n)
{
	size_t nb = ((size_t)n + 7) / 8;
	uint8_t *p;
	int rc;

	gt_buf_reset(&e->a);
	if (!(p = room(&e->a, nb, &rc)))
		return rc;
	memset(p, 0, nb);
	for (uint32_t i = 0; i < n; i++)
		p[i >> 3] |= (uint8_t)((v[i] & 1) << (i & 7));
	commit(&e->a, p + nb);
	return gt_enc_stream(e, out, e->a.p, e->a.len);
}

int gt_dec_bool(struct gt_dec *d, struct gt_rd *r, uint8_t *v, uint32_t n)
{
	const uint8_t *p;
	size_t len;
	int rc = gt_dec_stream(d, r, ((size_t)n + 7) / 8, 0, 0, &p, &len);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		v[i] = (p[i >> 3] >> (i & 7)) & 1;
	return 0;
}

int gt_enc_str(struct gt_enc *e, struct gt_buf *out, const char *base, const uint32_t *off, uint32_t n)
{
	uint8_t *p;
	int rc;

	gt_buf_reset(&e->a);
	if (!(p = room(&e->a, (size_t)n * 5, &rc)))
		return rc;
	for (uint32_t i = 0; i < n; i++)
		p += gt_put_uvarint(p, off[i + 1] - off[i]);
	commit(&e->a, p);
	if ((rc = gt_enc_stream(e, out, e->a.p, e->a.len)))
		return rc;
	return gt_enc_stream(e, out, n ? base + off[0] : "", n ? off[n] - off[0] : 0);
}

int gt_dec_str(struct gt_dec *d, struct gt_rd *r, uint32_t *off, uint32_t n, const char **base)
{
	const uint8_t *lp, *lend, *bp;
	size_t llen, blen;
	uint64_t sum = 0, x;
	int rc = gt_dec_stream(d, r, SIZE_MAX, (size_t)n * 5, 7, &lp, &llen);

	if (rc)
		return rc;
	if ((rc = gt_dec_stream(d, r, SIZE_MAX, GT_ENC_STREAM_MAX, 8, &bp, &blen)))
		return rc;
	lend = lp + llen;
	off[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (uv(&lp, lend, &x) || x > blen - sum)
			return GT_ECORRUPT;
		sum += x;
		off[i + 1] = (uint32_t)sum;
	}
	if (lp != lend || sum != blen)
		return GT_ECORRUPT;
	*base = blen ? (const char *)bp : "";
	return 0;
}
