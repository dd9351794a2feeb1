/*
 * enc.h - column encodings for time series (the value streams inside an
 * SST block, man/man5/gt-sst.5 "ENCODINGS").
 *
 * What this module owns: the transform of one dense column of values
 * (no nulls: the caller removes null slots and keeps the validity
 * bitmap itself) into bytes and back, and the "stream" wrapper that
 * stores a byte string raw or zstd-compressed, whichever is smaller.
 *
 *   series ordinals, ops   GT_ENC_RUNS    (value, count) uvarint pairs
 *   timestamps             GT_ENC_DOD     first, first delta, then
 *                                         delta-of-delta zigzag uvarints
 *   sequences              GT_ENC_DELTA   zigzag uvarint deltas
 *   int64, uint64          GT_ENC_INT     first value, then zigzag deltas
 *                                         split into byte planes
 *   float64                GT_ENC_DEC     short decimals: per call the
 *                                         smallest scale e with
 *                                         (double)m / 10^e == v bit-exact,
 *                                         mantissas m coded as GT_ENC_INT,
 *                                         values that are not short
 *                                         decimals kept as exceptions
 *                          GT_ENC_F64RAW  the bits as eight byte planes
 *   bool                   GT_ENC_BOOL    bit-packed, LSB first
 *   string                 GT_ENC_STR     uvarint lengths, then the bytes
 *
 * Calling sequence: gt_enc_init() once per writer (or per thread), then
 * any number of gt_enc_* calls appending to a gt_buf; gt_enc_release().
 * Decoding: gt_dec_init(), then gt_dec_* calls, each reading one
 * encoded column from a bounds-checked gt_rd and filling exactly n
 * values; gt_dec_release().  A decoder returns GT_ECORRUPT (never
 * crashes, never allocates more than its ceiling allows) when the bytes
 * do not decode to exactly n values.  Every output bit pattern equals
 * the input's: NaN payloads, -0.0, infinities and denormals survive.
 *
 * Thread safety: a struct gt_enc or gt_dec is used by one thread at a
 * time; distinct contexts are independent.  Values written by decoders
 * point into the caller's arrays, except strings, whose bytes stay in
 * the decoder's scratch until the next call with the same slot.
 */
#ifndef GT_ENC_H
#define GT_ENC_H

#include "buf.h"
#include "codec.h"

enum gt_enc_id {
	GT_ENC_NULL = 0,     /* a field column null in every row: no payload */
	GT_ENC_RUNS = 1,
	GT_ENC_DOD = 2,
	GT_ENC_DELTA = 3,
	GT_ENC_INT = 4,
	GT_ENC_DEC = 5,
	GT_ENC_F64RAW = 6,
	GT_ENC_BOOL = 7,
	GT_ENC_STR = 8,
	GT_ENC_COUNT = 9,
};

/* Ceiling of one stream's raw bytes (a block's strings, mostly). */
#define GT_ENC_STREAM_MAX ((size_t)256 << 20)
/* The largest decimal scale tried: 10^15 keeps typical mantissas < 2^53. */
#define GT_ENC_DEC_MAX_SCALE 15

/* Name of an encoding for people: "runs", "delta-of-delta", ... */
const char *gt_enc_name(unsigned id);

struct gt_enc {
	void *zc;              /* ZSTD_CCtx */
	int level;             /* zstd level */
	struct gt_buf z;       /* compressed output of gt_enc_stream */
	struct gt_buf a, b;    /* raw streams being built, candidate encodings */
	struct gt_buf r;       /* rANS candidate of gt_enc_stream */
	uint64_t *u;           /* scratch values */
	size_t ucap;
};

struct gt_dec {
	void *zd;              /* ZSTD_DCtx */
	struct gt_buf slot[9]; /* decompressed streams: planes, lengths, bytes */
};

/* level 0 = 3.  Returns 0 or GT_ENOMEM. */
int gt_enc_init(struct gt_enc *e, int level);
void gt_enc_release(struct gt_enc *e);
int gt_dec_init(struct gt_dec *d);
void gt_dec_release(struct gt_dec *d);

/*
 * A stream: u8 codec (0 raw, 1 zstd, 2 rANS) | uvarint raw length |
 * [codec 1, 2: uvarint stored length] | bytes.  gt_enc_stream picks the
 * smallest.  gt_dec_stream returns in *p the raw bytes, either
 * inside r's range or in slot; len must be exactly `want` unless want is
 * SIZE_MAX, in which case it may be anything up to max.
 */
int gt_enc_stream(struct gt_enc *e, struct gt_buf *out, const void *p, size_t n);
int gt_dec_stream(struct gt_dec *d, struct gt_rd *r, size_t want, size_t max, unsigned slot,
		  const uint8_t **p, size_t *len);

/* Encoders append one column of n values to out and return 0 or a GT_E* code. */
int gt_enc_runs_u32(struct gt_enc *e, struct gt_buf *out, const uint32_t *v, uint32_t n);
int gt_enc_runs_u8(struct gt_enc *e, struct gt_buf *out, const uint8_t *v, uint32_t n);
int gt_enc_dod(struct gt_enc *e, struct gt_buf *out, const int64_t *v, uint32_t n);
int gt_enc_delta(struct gt_enc *e, struct gt_buf *out, const uint64_t *v, uint32_t n);
int gt_enc_int(struct gt_enc *e, struct gt_buf *out, const uint64_t *v, uint32_t n);
/* Writes GT_ENC_DEC or GT_ENC_F64RAW, whichever is smaller; *id says which. */
int gt_enc_f64(struct gt_enc *e, struct gt_buf *out, const double *v, uint32_t n, unsigned *id);
int gt_enc_f64raw(struct gt_enc *e, struct gt_buf *out, const double *v, uint32_t n);
int gt_enc_bool(struct gt_enc *e, struct gt_buf *out, const uint8_t *v, uint32_t n);
/* Strings i in [0,n): bytes base[off[i] .. off[i+1]). */
int gt_enc_str(struct gt_enc *e, struct gt_buf *out, const char *base, const uint32_t *off, uint32_t n);

/*
 * Decoders read one column of exactly n values from r.  For runs, max
 * bounds every value (values > max are corrupt).  gt_dec_str fills
 * off[0..n] (off[0] = 0) and points *base at the bytes (in slot 8 or
 * inside r's range).
 */
int gt_dec_runs_u32(struct gt_dec *d, struct gt_rd *r, uint32_t *v, uint32_t n, uint32_t max);
int gt_dec_runs_u8(struct gt_dec *d, struct gt_rd *r, uint8_t *v, uint32_t n, uint8_t max);
int gt_dec_dod(struct gt_dec *d, struct gt_rd *r, int64_t *v, uint32_t n);
int gt_dec_delta(struct gt_dec *d, struct gt_rd *r, uint64_t *v, uint32_t n);
int gt_dec_int(struct gt_dec *d, struct gt_rd *r, uint64_t *v, uint32_t n);
int gt_dec_f64(struct gt_dec *d, struct gt_rd *r, unsigned id, double *v, uint32_t n);
int gt_dec_bool(struct gt_dec *d, struct gt_rd *r, uint8_t *v, uint32_t n);
int gt_dec_str(struct gt_dec *d, struct gt_rd *r, uint32_t *off, uint32_t n, const char **base);

#endif
