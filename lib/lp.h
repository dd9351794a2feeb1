/*
 * lp.h - InfluxDB line protocol parser (the hot path of ingest).
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * The parser walks a buffer of whole lines and calls back once per point.
 * It unescapes names and string values in place (the buffer must be
 * writable; unescaped text is never longer than escaped), so the
 * callback's pointers point into the caller's buffer and are valid until
 * the caller reuses it.  Blank lines and lines starting with '#' are
 * skipped.  A trailing '\r' is ignored.
 *
 * Field values: 1.5 / -2e3 / NaN-free floats (Influx has no NaN/Inf
 * literal), 12i (int64), 12u (uint64), t/T/true/True/TRUE and
 * f/F/false/False/FALSE, "strings" with \" and \\ escapes.  Floats are
 * parsed with a fast exact path (mantissa < 2^53 and |exp10| <= 22 is
 * exact by one IEEE multiply or divide) and strtod otherwise, so every
 * value equals strtod's.
 *
 * Timestamps are integers in the given precision and are converted to
 * nanoseconds (overflow is an error).  A point with no timestamp gets
 * default_ts_ns.
 *
 * Errors name the line (first_lineno + offset) and column and the reason:
 *   "line 3, column 17: invalid field value 'x1'".
 * Thread-safe: no global state.
 */
#ifndef GT_LP_H
#define GT_LP_H

#include "schema.h"

#define GT_LP_MAX_TAGS 256
#define GT_LP_MAX_FIELDS 1024

struct gt_lp_str {
	const char *p;
	uint32_t n;
};

struct gt_lp_tag {
	struct gt_lp_str key, val;
};

struct gt_lp_field {
	struct gt_lp_str key;
	uint8_t type;           /* GT_F64, GT_I64, GT_U64, GT_BOOL, GT_STRING */
	union {
		double f64;
		int64_t i64;
		uint64_t u64;
		int b;
	} v;
	struct gt_lp_str s;     /* GT_STRING */
};

struct gt_lp_point {
	struct gt_lp_str measurement;
	uint32_t ntags, nfields;
	struct gt_lp_tag *tags;      /* in the order written */
	struct gt_lp_field *fields;
	int64_t ts_ns;
	uint64_t lineno;
};

/* Returns 0 to go on, or a negative code that stops the parse and is returned. */
typedef int (*gt_lp_fn)(void *ctx, const struct gt_lp_point *pt);

/*
 * Parse buf[0..len).  precision is a gt_unit (GT_UNIT_NS ...).  On the
 * first malformed line, stops and returns GT_EINVAL with err naming the
 * line and column.  Returns the number of points, or a negative code.
 */
long gt_lp_parse(char *buf, size_t len, enum gt_unit precision, int64_t default_ts_ns,
		 uint64_t first_lineno, gt_lp_fn fn, void *ctx, struct gt_err *err);

/*
 * Fast decimal float parse of s[0..n) (no surrounding space).  Returns 0
 * and the value, or GT_EINVAL if the text is not a number.  Equal to
 * strtod for every input it accepts.
 */
int gt_parse_f64(const char *s, size_t n, double *out);

/* Precision names: "ns", "n", "us", "u", "ms", "s", "h", "m".  -1 if unknown. */
int gt_lp_precision(const char *name);

/* Write a point as a line (escaping as the protocol wants); used by dumps. */
struct gt_buf;
int gt_lp_escape(struct gt_buf *b, const char *s, size_t n, const char *specials);

#endif
