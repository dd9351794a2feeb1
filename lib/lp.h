/*
 * lp.h - InfluxDB line protocol parser (the hot path of ingest).
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * The parser walks a buffer of whole lines and calls back once per point.
 * It unescapes names and string values in place (the buffer must be
 * writable; unescaped text is never longer than escaped), so the
 * callback's pointers point into the caller's buffer and are valid until
 * the caller reuses it.  The buffer need not be NUL-terminated.  Blank
 * lines, lines of only spaces and tabs, and lines whose first non-blank
 * character is '#' are skipped.  A '\r' before a '\n' (or at the end of
 * the buffer) is ignored.
 *
 * Grammar, as GreptimeDB's parser (influxdb_line_protocol) reads it:
 *   - Sections are separated by one or more spaces.  A tab ends a name
 *     but is not a separator, so it is an error outside strings.
 *   - Measurement: ends at ',' or ' '; escapes \, \space \\.
 *   - Tag key and field key: end at '=' or ' '; tag value: ends at ',' or
 *     ' '; escapes \, \= \space \\.  A backslash before any other
 *     character keeps both (Influx's rule).  A name may not end in a lone
 *     backslash, may not contain a NUL byte and may not be empty.
 *   - Lines end at '\n', except inside a quoted string field value, where
 *     a newline is part of the string.
 *   - Bytes are passed through: UTF-8 is not validated.
 *
 * Field values: floats [+-]digits[.digits][e[+-]digits] (also "1." and
 * ".5"; Influx has no NaN/Inf literal and a float that overflows to
 * infinity is an error), 12i (int64), 12u (uint64), t/T/true/True/TRUE
 * and f/F/false/False/FALSE, "strings" with \" and \\ escapes (any other
 * backslash is kept).  Floats are parsed with a fast exact path
 * (mantissa <= 2^53 and |exp10| <= 22 is exact by one IEEE multiply or
 * divide) and strtod otherwise, so every value equals strtod's.  strtod
 * is locale-dependent: the program must leave LC_NUMERIC as "C" (gt's
 * programs never call setlocale).
 *
 * Timestamps are integers (a '-' sign allowed) in the given precision and
 * are converted to nanoseconds (overflow is an error).  A point with no
 * timestamp gets default_ts_ns.
 *
 * Errors name the line (first_lineno + newlines before the error) and the
 * 1-based byte column and the reason:
 *   "line 3, column 17: invalid field value 'x1'".
 * Points before the bad line have already been passed to the callback;
 * a caller that wants all-or-nothing (as GreptimeDB's HTTP API does)
 * buffers them and commits only when gt_lp_parse() returns >= 0.
 *
 * Memory: no allocation per line.  Lines with more than 32 tags or 32
 * fields make one heap allocation for the call's scratch arrays.
 * Thread-safe: no global state.
 */
#ifndef GT_LP_H
#define GT_LP_H

#include "schema.h"

#define GT_LP_MAX_TAGS 256
#define GT_LP_MAX_FIELDS 1024

/* Precisions beyond enum gt_unit that gt_lp_parse() accepts: Influx v1's
 * "m" (minutes) and "h" (hours).  They are not storage units. */
enum gt_lp_prec {
	GT_LP_PREC_MINUTE = 100,
	GT_LP_PREC_HOUR = 101,
};

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
	struct gt_lp_tag *tags;      /* in the order written; valid during the callback */
	struct gt_lp_field *fields;  /* in the order written; valid during the callback */
	int64_t ts_ns;
	uint64_t lineno;             /* line where the point starts */
};

/* Returns 0 to go on, or a negative code that stops the parse and is
 * returned as is (err is left for the callback to fill). */
typedef int (*gt_lp_fn)(void *ctx, const struct gt_lp_point *pt);

/*
 * Parse buf[0..len).  precision is a gt_unit (GT_UNIT_NS ...) or a
 * gt_lp_prec.  first_lineno is the number of the buffer's first line
 * (1 for a whole request).  On the first malformed line, stops and
 * returns GT_EINVAL with err naming the line and column.  Returns the
 * number of points, or a negative code (GT_EINVAL, GT_ENOMEM, or the
 * callback's).
 */
long gt_lp_parse(char *buf, size_t len, enum gt_unit precision, int64_t default_ts_ns,
		 uint64_t first_lineno, gt_lp_fn fn, void *ctx, struct gt_err *err);

/*
 * Fast decimal float parse of s[0..n) (no surrounding space).  Returns 0
 * and the value, or GT_EINVAL if the text is not a number or overflows
 * to infinity (GT_ENOMEM only for texts over 127 bytes that need a heap
 * copy).  Equal to strtod for every input it accepts.
 */
int gt_parse_f64(const char *s, size_t n, double *out);

/* Precision names: "ns", "n", "us", "u", "ms", "s" give a gt_unit; "m"
 * and "h" give GT_LP_PREC_MINUTE and GT_LP_PREC_HOUR.  -1 if unknown. */
int gt_lp_precision(const char *name);

/*
 * Append s[0..n) to b with a backslash before every character in
 * specials, for writing lines.  Pass one of the sets below: they escape
 * the backslash too, so that parsing gives back exactly s (a newline in a
 * name cannot be written in line protocol; callers must reject it).
 */
#define GT_LP_ESC_MEASUREMENT ", \\"
#define GT_LP_ESC_TAG ",= \\"        /* tag keys, tag values, field keys */
#define GT_LP_ESC_STRING "\"\\"       /* string field values, inside the quotes */
struct gt_buf;
int gt_lp_escape(struct gt_buf *b, const char *s, size_t n, const char *specials);

#endif
