/*
 * sql-expr.c - vectorized expression evaluation for the SQL executor.
 *
 * An expression is evaluated over a whole frame (a set of columns of
 * equal length) at once: every node produces one struct sql_xv holding
 * a gt_vec of results (or a single value marked scalar, read at index 0
 * for every row, so constants are never materialised per row).  Each
 * operator is one loop over the rows of its operands.
 *
 * Frames: the input frame holds one vec per schema column (tags decoded
 * from series keys); the group frame (after aggregation) holds one vec
 * per group key and per aggregate, and nodes the executor annotated
 * with slot >= 0 read it.
 */
#include "dtoa.h"
#include "sql-aggfn.h"
#include "sql-expr.h"
#include "sql-match.h"
#include "sql-window.h"
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

void sql_xv_release(struct sql_xv *x)
{
	gt_vec_release(&x->v);
	memset(x, 0, sizeof(*x));
}

static int x_nomem(struct sql_ctx *c)
{
	return sql_err(c->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
}

double sql_xv_f64(const struct sql_xv *x, uint32_t i)
{
	i = SQL_IX(x, i);
	switch (x->v.type) {
	case GT_F64:
		return x->v.v.f64[i];
	case GT_U64:
		return (double)x->v.v.u64[i];
	case GT_BOOL:
		return x->v.v.b[i];
	case GT_STRING: {
		uint32_t n;
		const char *s = gt_vec_str(&x->v, i, &n);
		char buf[64];
		snprintf(buf, sizeof(buf), "%.*s", (int)GT_MIN(n, 63), s);
		return strtod(buf, NULL);
	}
	default:
		return (double)x->v.v.i64[i];
	}
}

int64_t sql_xv_i64(const struct sql_xv *x, uint32_t i)
{
	i = SQL_IX(x, i);
	switch (x->v.type) {
	case GT_F64: {
		double d = x->v.v.f64[i];
		return d != d ? 0 : d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
	}
	case GT_U64:
		return (int64_t)x->v.v.u64[i];
	case GT_BOOL:
		return x->v.v.b[i];
	case GT_STRING: {
		uint32_t n;
		const char *s = gt_vec_str(&x->v, i, &n);
		char buf[64];
		snprintf(buf, sizeof(buf), "%.*s", (int)GT_MIN(n, 63), s);
		return strtoll(buf, NULL, 10);
	}
	default:
		return x->v.v.i64[i];
	}
}

static int scalar_of(struct sql_xv *o, uint8_t type)
{
	memset(o, 0, sizeof(*o));
	gt_vec_init(&o->v, type);
	o->scalar = true;
	return 0;
}

/* The digits of v, zero-padded to width, at p; returns the count. */
static size_t put_digits(char *p, uint64_t v, int width)
{
	char t[24];
	int k = 0;
	size_t n = 0;
	do {
		t[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k < width)
		t[k++] = '0';
	while (k)
		p[n++] = t[--k];
	return n;
}

/* No printf: this runs per row of every timestamp column the MySQL protocol sends. */
size_t sql_fmt_ts_sep(char *buf, size_t n, int64_t v, uint8_t unit, char sep)
{
	static const int64_t pow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
					  1000000000};
	int64_t per = pow10[unit > 9 ? 9 : unit];
	int64_t secs = v / per, sub = v % per;
	if (sub < 0) {
		sub += per;
		secs--;
	}
	int64_t nanos = sub * pow10[9 - (unit > 9 ? 9 : unit)];
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	gt_civil_from_days(days, &y, &m, &d);
	char t[64];
	size_t len = 0;
	if (y > 9999)
		t[len++] = '+';
	else if (y < 0)
		t[len++] = '-';
	len += put_digits(t + len, (uint64_t)(y < 0 ? -y : y), 4);
	t[len++] = '-';
	len += put_digits(t + len, m, 2);
	t[len++] = '-';
	len += put_digits(t + len, d, 2);
	t[len++] = sep;
	len += put_digits(t + len, (uint64_t)(rem / 3600), 2);
	t[len++] = ':';
	len += put_digits(t + len, (uint64_t)(rem / 60 % 60), 2);
	t[len++] = ':';
	len += put_digits(t + len, (uint64_t)(rem % 60), 2);
	if (nanos) {
		t[len++] = '.';
		if (nanos % 1000000 == 0)
			len += put_digits(t + len, (uint64_t)(nanos / 1000000), 3);
		else if (nanos % 1000 == 0)
			len += put_digits(t + len, (uint64_t)(nanos / 1000), 6);
		else
			len += put_digits(t + len, (uint64_t)nanos, 9);
	}
	if (!n)
		return 0;
	if (len >= n)
		len = n - 1;
	memcpy(buf, t, len);
	buf[len] = 0;
	return len;
}

void sql_fmt_ts(char *buf, size_t n, int64_t v, uint8_t unit)
{
	sql_fmt_ts_sep(buf, n, v, unit, 'T');
}

/*
 * A float as DataFusion prints it: NaN, inf, -inf, whole numbers below
 * 1e16 with ".0", else the shortest digits that read back to the value
 * (as a float32 when f32), plain between 1e-5 and 1e16, otherwise with an
 * exponent written as 1e308, 3.999999872114277e38, 1e-7.
 */
static void fmt_float(char *buf, size_t n, double v, bool f32)
{
	if (isnan(v)) {
		snprintf(buf, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e16) {
		snprintf(buf, n, "%.1f", v);
		return;
	}
	/* printf's %g picks plain notation up to the digits it prints: a
	 * 17-digit number below 1e17 stays plain */
	char digits[32];
	int e10, nd = gt_dtoa_digits(v, f32, digits, &e10);
	if (e10 >= 16 && e10 + 1 == nd)
		snprintf(buf, n, "%s%s", signbit(v) ? "-" : "", digits);
	else
		gt_dtoa_layout(buf, n, signbit(v), digits, nd, e10, nd > 16 ? nd : 16);
}

void sql_fmt_f64(char *buf, size_t n, double v)
{
	fmt_float(buf, n, v, false);
}

int64_t sql_days_of_ns(int64_t ns)
{
	const int64_t day = 86400000000000LL;
	return ns / day - (ns % day < 0);
}

int sql_narrow_last(struct gt_vec *v, uint8_t lt, const char *what, struct gt_sql_error *e)
{
	uint32_t i = v->len - 1;
	bool ok = true;

	if (!v->len || gt_vec_is_null(v, i))
		return 0;
	switch (v->type) {
	case GT_F64:
		if (lt == GT_LT_F32)
			v->v.f64[i] = (double)(float)v->v.f64[i];
		return 0;
	case GT_I64:
		ok = gt_ltype_fits_i64(lt, v->v.i64[i]);
		if (!ok)
			return sql_err(e, GT_STATUS_INVALID_SYNTAX,
				       "Failed to parse value: Fail to parse number %lld, invalid column type: %s",
				       (long long)v->v.i64[i], what);
		return 0;
	case GT_U64:
		ok = gt_ltype_fits_u64(lt, v->v.u64[i]);
		if (!ok)
			return sql_err(e, GT_STATUS_INVALID_SYNTAX,
				       "Failed to parse value: Fail to parse number %llu, invalid column type: %s",
				       (unsigned long long)v->v.u64[i], what);
		return 0;
	default:
		return 0;
	}
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* n nanoseconds' fraction of a second as chrono prints it: none, or 3, 6 or 9 digits. */
static size_t fmt_nanos(char *buf, size_t n, int64_t ns)
{
	if (ns == 0)
		return 0;
	if (ns % 1000000 == 0)
		return (size_t)snprintf(buf, n, ".%03lld", (long long)(ns / 1000000));
	if (ns % 1000 == 0)
		return (size_t)snprintf(buf, n, ".%06lld", (long long)(ns / 1000));
	return (size_t)snprintf(buf, n, ".%09lld", (long long)ns);
}

/*
 * A duration as Arrow prints one (chrono's ISO 8601 form): P0D for zero,
 * else PT<seconds>[.<fraction without trailing zeros>]S, negative spans
 * with a leading '-'.
 */
static void fmt_duration(char *buf, size_t n, int64_t v, uint8_t unit)
{
	int64_t per = 1;
	for (unsigned k = 0; k < unit && k < 9; k++)
		per *= 10;
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	uint64_t secs = mag / (uint64_t)per, frac = (mag % (uint64_t)per) * (uint64_t)(1000000000 / per);
	if (mag == 0) {
		snprintf(buf, n, "P0D");
		return;
	}
	int k = snprintf(buf, n, "%sPT%llu", v < 0 ? "-" : "", (unsigned long long)secs);
	if (frac && k > 0 && (size_t)k < n) {
		int digits = 9;
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		k += snprintf(buf + k, n - (size_t)k, ".%0*llu", digits, (unsigned long long)frac);
	}
	if (k > 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, "S");
}

bool sql_fmt_logical(char *buf, size_t n, const struct gt_vec *v, uint32_t r, uint8_t lt, uint8_t unit)
{
	if (lt == GT_LT_F32 && v->type == GT_F64) {
		fmt_float(buf, n, (double)(float)v->v.f64[r], true);
		return true;
	}
	if (v->type != GT_I64)
		return false;
	if (lt == GT_LT_DATE) {
		int64_t y;
		unsigned m, d;
		gt_civil_from_days(v->v.i64[r], &y, &m, &d);
		snprintf(buf, n, "%04lld-%02u-%02u", (long long)y, m, d);
		return true;
	}
	if (lt == GT_LT_TIME) {
		/* Arrow's Time64(ns) as chrono's NaiveTime prints it: 01:01:01[.500] */
		int64_t ns = v->v.i64[r], s = ns / 1000000000;
		int k = snprintf(buf, n, "%02lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
				 (long long)(s % 60));
		if (k > 0 && (size_t)k < n)
			fmt_nanos(buf + k, n - (size_t)k, ns % 1000000000);
		return true;
	}
	if (lt == GT_LT_DURATION) {
		fmt_duration(buf, n, v->v.i64[r], unit);
		return true;
	}
	return false;
}

/* Value of row i as text (for CAST to string and string concatenation). */
int sql_xv_text(const struct sql_xv *x, uint32_t i, char *buf, size_t n, const char **s, uint32_t *len)
{
	uint32_t r = SQL_IX(x, i);
	if (sql_fmt_logical(buf, n, &x->v, r, x->lt, x->unit)) {
		*s = buf;
		*len = (uint32_t)strlen(buf);
		return 0;
	}
	switch (x->v.type) {
	case GT_STRING:
		*s = gt_vec_str(&x->v, r, len);
		return 0;
	case GT_F64:
		sql_fmt_f64(buf, n, x->v.v.f64[r]);
		break;
	case GT_U64:
		snprintf(buf, n, "%llu", (unsigned long long)x->v.v.u64[r]);
		break;
	case GT_BOOL:
		snprintf(buf, n, "%s", x->v.v.b[r] ? "true" : "false");
		break;
	case GT_TS:
		sql_fmt_ts(buf, n, x->v.v.i64[r], x->unit);
		break;
	default:
		snprintf(buf, n, "%lld", (long long)x->v.v.i64[r]);
	}
	*s = buf;
	*len = (uint32_t)strlen(buf);
	return 0;
}

int sql_xv_cmp(const struct sql_xv *x, uint32_t i, uint32_t j)
{
	const struct gt_vec *v = &x->v;
	i = SQL_IX(x, i);
	j = SQL_IX(x, j);
	switch (v->type) {
	case GT_STRING: {
		uint32_t la, lb;
		const char *a = gt_vec_str(v, i, &la), *b = gt_vec_str(v, j, &lb);
		int r = memcmp(a, b, GT_MIN(la, lb));
		return r ? (r > 0 ? 1 : -1) : (la > lb) - (la < lb);
	}
	case GT_F64: {
		double a = v->v.f64[i], b = v->v.f64[j];
		if (a != a || b != b)
			return (a != a) - (b != b);
		return (a > b) - (a < b);
	}
	case GT_U64:
		return (v->v.u64[i] > v->v.u64[j]) - (v->v.u64[i] < v->v.u64[j]);
	case GT_BOOL:
		return (v->v.b[i] > v->v.b[j]) - (v->v.b[i] < v->v.b[j]);
	default:
		return (v->v.i64[i] > v->v.i64[j]) - (v->v.i64[i] < v->v.i64[j]);
	}
}

int sql_key_add(struct gt_buf *k, const struct sql_xv *x, uint32_t i)
{
	if (SQL_NULL(x, i))
		return gt_buf_addch(k, 0);
	gt_buf_addch(k, 1);
	uint32_t r = SQL_IX(x, i);
	switch (x->v.type) {
	case GT_STRING: {
		uint32_t n;
		const char *s = gt_vec_str(&x->v, r, &n);
		gt_buf_add(k, &n, sizeof(n));
		return gt_buf_add(k, s, n);
	}
	case GT_BOOL:
		return gt_buf_addch(k, x->v.v.b[r]);
	default:
		return gt_buf_add(k, &x->v.v.i64[r], 8);
	}
}


static uint32_t out_rows(const struct sql_xv *a, const struct sql_xv *b, uint32_t nrows)
{
	return (a->scalar && (!b || b->scalar)) ? 1 : nrows;
}

static bool both_int(const struct sql_xv *a, const struct sql_xv *b)
{
	bool ai = a->v.type == GT_I64 || a->v.type == GT_U64 || a->v.type == GT_BOOL;
	bool bi = b->v.type == GT_I64 || b->v.type == GT_U64 || b->v.type == GT_BOOL;
	return ai && bi;
}

/* Coerce a string scalar to a timestamp of unit when compared with one. */
static int coerce_ts(struct sql_ctx *c, struct sql_xv *s, uint8_t unit)
{
	struct sql_xv o;
	uint32_t n = s->scalar ? 1 : s->v.len;
	scalar_of(&o, GT_TS);
	o.scalar = s->scalar;
	o.unit = unit;
	/* a text with finer digits than the column compares at its own
	 * precision (as DataFusion casts both sides to the finer unit) */
	for (uint32_t i = 0; i < n && o.unit != GT_UNIT_NS; i++) {
		uint32_t len;
		int64_t lo, hi;
		const char *str;
		if (gt_vec_is_null(&s->v, i))
			continue;
		str = gt_vec_str(&s->v, i, &len);
		if (gt_time_bounds(str, len, unit, &lo, &hi) == 0 && lo != hi)
			o.unit = GT_UNIT_NS;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len;
		int64_t ns;
		if (gt_vec_is_null(&s->v, i)) {
			if (gt_vec_push_null(&o.v) < 0)
				goto nomem;
			continue;
		}
		const char *str = gt_vec_str(&s->v, i, &len);
		if (gt_parse_time_unit(str, len, o.unit, &ns) < 0) {
			sql_xv_release(&o);
			return sql_err(c->e, GT_STATUS_INVALID_ARGUMENTS, "Failed to parse timestamp: %.*s",
				       (int)GT_MIN(len, 200), str);
		}
		if (gt_vec_push_i64(&o.v, ns) < 0)
			goto nomem;
	}
	sql_xv_release(s);
	*s = o;
	return 0;
nomem:
	sql_xv_release(&o);
	return x_nomem(c);
}

static int cmp_rows(const struct sql_xv *a, const struct sql_xv *b, uint32_t i, int *res)
{
	uint8_t ta = a->v.type, tb = b->v.type;
	if (ta == GT_STRING && tb == GT_STRING) {
		uint32_t la, lb;
		const char *sa = gt_vec_str(&a->v, SQL_IX(a, i), &la);
		const char *sb = gt_vec_str(&b->v, SQL_IX(b, i), &lb);
		int r = memcmp(sa, sb, GT_MIN(la, lb));
		*res = r ? r : (la > lb) - (la < lb);
		return 0;
	}
	if (ta == GT_TS && tb == GT_TS && a->unit != b->unit) {
		int64_t x = gt_unit_convert(a->v.v.i64[SQL_IX(a, i)], a->unit, GT_UNIT_NS);
		int64_t y = gt_unit_convert(b->v.v.i64[SQL_IX(b, i)], b->unit, GT_UNIT_NS);
		*res = (x > y) - (x < y);
		return 0;
	}
	if ((ta == GT_I64 || ta == GT_TS || ta == GT_BOOL) && (tb == GT_I64 || tb == GT_TS || tb == GT_BOOL)) {
		int64_t x = sql_xv_i64(a, i), y = sql_xv_i64(b, i);
		*res = (x > y) - (x < y);
		return 0;
	}
	double x = sql_xv_f64(a, i), y = sql_xv_f64(b, i);
	*res = (x > y) - (x < y);
	return 0;
}

static int push_bool3(struct gt_vec *v, int b)
{
	return b < 0 ? gt_vec_push_null(v) : gt_vec_push_bool(v, b);
}

/* Coerce a string compared with a Date to days. */
static int coerce_date(struct sql_ctx *c, struct sql_xv *s)
{
	int rc = coerce_ts(c, s, GT_UNIT_S);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < s->v.len; i++) {
		int64_t v = s->v.v.i64[i];
		s->v.v.i64[i] = v / 86400 - (v % 86400 < 0);
	}
	s->v.type = GT_I64;
	s->unit = 0;
	s->lt = GT_LT_DATE;
	return 0;
}

/* An interval (nanoseconds) compared with a duration (timestamp -
 * timestamp, in the timestamps' unit) is brought into that unit. */
static void interval_to_unit(struct sql_xv *x, uint8_t unit)
{
	for (uint32_t i = 0; i < x->v.len; i++)
		x->v.v.i64[i] = gt_unit_convert(x->v.v.i64[i], GT_UNIT_NS, unit);
	x->interval = false;
	x->lt = GT_LT_DURATION;
	x->unit = unit;
}

static int prep_compare(struct sql_ctx *c, struct sql_xv *a, struct sql_xv *b)
{
	int rc = 0;
	if (a->interval && !b->interval && b->lt == GT_LT_DURATION)
		interval_to_unit(a, b->unit);
	else if (b->interval && !a->interval && a->lt == GT_LT_DURATION)
		interval_to_unit(b, a->unit);
	if (a->v.type == GT_TS && b->v.type == GT_STRING)
		rc = coerce_ts(c, b, a->unit);
	else if (b->v.type == GT_TS && a->v.type == GT_STRING)
		rc = coerce_ts(c, a, b->unit);
	else if (a->lt == GT_LT_DATE && b->v.type == GT_STRING)
		rc = coerce_date(c, b);
	else if (b->lt == GT_LT_DATE && a->v.type == GT_STRING)
		rc = coerce_date(c, a);
	return rc;
}

/* r of cmp_rows as op's verdict. */
static inline bool verdict(uint8_t op, int r)
{
	return op == B_EQ ? r == 0 : op == B_NE ? r != 0 : op == B_LT ? r < 0 : op == B_LE ? r <= 0 :
	       op == B_GT ? r > 0 : r >= 0;
}

/*
 * The common filter, a column without nulls against a constant of the same
 * kind (field > 90.0, ts >= '...'), in one loop into out (reserved for n):
 * false when the operands are of another shape, for the row by row path.
 * Same verdicts as cmp_rows.
 */
static bool compare_col_const(uint8_t op, const struct sql_xv *a, const struct sql_xv *b, uint32_t n,
			      struct gt_vec *out)
{
	bool flip = a->scalar;
	const struct sql_xv *col = flip ? b : a, *k = flip ? a : b;
	if (col->scalar || !k->scalar || col->v.valid || col->v.len != n || gt_vec_is_null(&k->v, 0))
		return false;
	uint8_t tc = col->v.type, tk = k->v.type;
	uint8_t *o = out->v.b;
	if (flip)   /* k op col == col op' k */
		op = op == B_LT ? B_GT : op == B_GT ? B_LT : op == B_LE ? B_GE : op == B_GE ? B_LE : op;
	if (tc == GT_F64 && (tk == GT_F64 || tk == GT_I64)) {
		const double *x = col->v.v.f64;
		double y = sql_xv_f64(k, 0);
		for (uint32_t i = 0; i < n; i++)
			o[i] = verdict(op, (x[i] > y) - (x[i] < y));
	} else if ((tc == GT_I64 && tk == GT_I64) || (tc == GT_TS && tk == GT_TS && col->unit == k->unit)) {
		const int64_t *x = col->v.v.i64;
		int64_t y = k->v.v.i64[0];
		for (uint32_t i = 0; i < n; i++)
			o[i] = verdict(op, (x[i] > y) - (x[i] < y));
	} else {
		return false;
	}
	out->len = n;
	return true;
}

static int compare(struct sql_ctx *c, uint8_t op, struct sql_xv *a, struct sql_xv *b, struct sql_xv *o)
{
	int rc = prep_compare(c, a, b);
	if (rc < 0)
		return rc;
	uint32_t n = out_rows(a, b, c->nrows);
	scalar_of(o, GT_BOOL);
	o->scalar = n == 1 && a->scalar && b->scalar;
	if (gt_vec_reserve(&o->v, n) < 0)
		return x_nomem(c);
	if (compare_col_const(op, a, b, n, &o->v))
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		if (SQL_NULL(a, i) || SQL_NULL(b, i)) {
			if (gt_vec_push_null(&o->v) < 0)
				return x_nomem(c);
			continue;
		}
		int r;
		cmp_rows(a, b, i, &r);
		if (gt_vec_push_bool(&o->v, verdict(op, r)) < 0)
			return x_nomem(c);
	}
	return 0;
}

/* Three-valued truth of row i: 1, 0, or -1 for null. */
static int truth(const struct sql_xv *x, uint32_t i)
{
	if (SQL_NULL(x, i))
		return -1;
	if (x->v.type == GT_BOOL)
		return x->v.v.b[SQL_IX(x, i)] != 0;
	return sql_xv_f64(x, i) != 0;
}

static int arith(struct sql_ctx *c, uint8_t op, struct sql_xv *a, struct sql_xv *b, struct sql_xv *o)
{
	uint32_t n = out_rows(a, b, c->nrows);
	bool ts = false;
	uint8_t unit = 0, type;
	if (op == B_CONCAT) {
		char b1[64], b2[64];
		scalar_of(o, GT_STRING);
		o->scalar = n == 1 && a->scalar && b->scalar;
		for (uint32_t i = 0; i < n; i++) {
			const char *s1, *s2;
			uint32_t l1, l2;
			if (SQL_NULL(a, i) || SQL_NULL(b, i)) {
				if (gt_vec_push_null(&o->v) < 0)
					return x_nomem(c);
				continue;
			}
			sql_xv_text(a, i, b1, sizeof(b1), &s1, &l1);
			sql_xv_text(b, i, b2, sizeof(b2), &s2, &l2);
			char *t = gt_malloc((size_t)l1 + l2 + 1);
			if (!t)
				return x_nomem(c);
			memcpy(t, s1, l1);
			memcpy(t + l1, s2, l2);
			int r = gt_vec_push_str(&o->v, t, (size_t)l1 + l2);
			free(t);
			if (r < 0)
				return x_nomem(c);
		}
		return 0;
	}
	if (a->v.type == GT_STRING || b->v.type == GT_STRING)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: Cannot coerce arithmetic expression %s to valid types",
			       "with a string operand");
	if (a->v.type == GT_TS && b->v.type == GT_TS && op != B_SUB) {
		/* Arrow has no sum, product or ratio of two instants: DataFusion's planner refuses them */
		static const char ops[] = {[B_ADD] = '+', [B_MUL] = '*', [B_DIV] = '/', [B_MOD] = '%'};
		const char *ta = sql_arrow_type_name(GT_TS, a->unit, 0), *tb = sql_arrow_type_name(GT_TS, b->unit, 0);
		char ch = op < sizeof(ops) && ops[op] ? ops[op] : '?';
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: Cannot get result type for temporal operation %s %c %s: "
			       "Invalid argument error: Invalid timestamp arithmetic operation: %s %c %s",
			       ta, ch, tb, ta, ch, tb);
	}
	if (a->v.type == GT_TS || b->v.type == GT_TS) {
		const struct sql_xv *t = a->v.type == GT_TS ? a : b;
		if (a->v.type == GT_TS && b->v.type == GT_TS) {
			/* instant - instant: a Duration in the finer of the two units */
			type = GT_I64;
			unit = GT_MAX(a->unit, b->unit);
		} else {
			/* ts +- integer: the integer is in the column's unit; an interval or duration is converted */
			ts = true;
			unit = t->unit;
			type = GT_TS;
		}
	} else if (both_int(a, b) && !(op == B_DIV && 0)) {
		type = GT_I64;
	} else {
		type = GT_F64;
	}
	scalar_of(o, type);
	o->unit = unit;
	if (a->v.type == GT_TS && b->v.type == GT_TS)
		o->lt = GT_LT_DURATION;
	/* Float32 with Float32 or an integer stays Float32, as DataFusion coerces */
	if (type == GT_F64 && (a->lt == GT_LT_F32 || b->lt == GT_LT_F32) &&
	    (a->v.type != GT_F64 || a->lt == GT_LT_F32) && (b->v.type != GT_F64 || b->lt == GT_LT_F32))
		o->lt = GT_LT_F32;
	o->interval = a->interval && b->interval;
	o->scalar = n == 1 && a->scalar && b->scalar;
	if (gt_vec_reserve(&o->v, n) < 0)
		return x_nomem(c);
	for (uint32_t i = 0; i < n; i++) {
		if (SQL_NULL(a, i) || SQL_NULL(b, i)) {
			if (gt_vec_push_null(&o->v) < 0)
				return x_nomem(c);
			continue;
		}
		int r;
		if (type == GT_F64) {
			double x = sql_xv_f64(a, i), y = sql_xv_f64(b, i), z;
			switch (op) {
			case B_ADD: z = x + y; break;
			case B_SUB: z = x - y; break;
			case B_MUL: z = x * y; break;
			case B_DIV: z = x / y; break;
			default: z = fmod(x, y); break;
			}
			r = gt_vec_push_f64(&o->v, o->lt == GT_LT_F32 ? (double)(float)z : z);
		} else {
			int64_t x = sql_xv_i64(a, i), y = sql_xv_i64(b, i), z;
			if (ts) {
				if (a->interval || a->lt == GT_LT_DURATION)
					x = gt_unit_convert(x, a->interval ? GT_UNIT_NS : a->unit, unit);
				if (b->interval || b->lt == GT_LT_DURATION)
					y = gt_unit_convert(y, b->interval ? GT_UNIT_NS : b->unit, unit);
			} else if (a->v.type == GT_TS && b->v.type == GT_TS) {
				x = gt_unit_convert(x, a->unit, unit);
				y = gt_unit_convert(y, b->unit, unit);
			}
			switch (op) {
			case B_ADD: z = (int64_t)((uint64_t)x + (uint64_t)y); break;
			case B_SUB: z = (int64_t)((uint64_t)x - (uint64_t)y); break;
			case B_MUL: z = (int64_t)((uint64_t)x * (uint64_t)y); break;
			case B_DIV:
			case B_MOD:
				if (y == 0) {
					if (gt_vec_push_null(&o->v) < 0)
						return x_nomem(c);
					continue;
				}
				if (x == INT64_MIN && y == -1)
					z = op == B_DIV ? INT64_MIN : 0;
				else
					z = op == B_DIV ? x / y : x % y;
				break;
			default: z = 0;
			}
			r = gt_vec_push_i64(&o->v, z);
		}
		if (r < 0)
			return x_nomem(c);
	}
	return 0;
}

static inline bool ch_eq(char a, char b, bool icase)
{
	return a == b || (icase && tolower((unsigned char)a) == tolower((unsigned char)b));
}

/* LIKE (ILIKE when icase: ASCII letters match either case). */
static bool like_match(const char *s, uint32_t n, const char *p, uint32_t m, bool icase)
{
	/* Iterative % / _ matching with backtracking to the last %. */
	uint32_t i = 0, j = 0, star_j = UINT32_MAX, star_i = 0;
	while (i < n) {
		if (j < m && p[j] == '\\' && j + 1 < m && ch_eq(p[j + 1], s[i], icase)) {
			i++;
			j += 2;
		} else if (j < m && (p[j] == '_' || ch_eq(p[j], s[i], icase)) && p[j] != '%') {
			i++;
			j++;
		} else if (j < m && p[j] == '%') {
			star_j = j++;
			star_i = i;
		} else if (star_j != UINT32_MAX) {
			j = star_j + 1;
			i = ++star_i;
		} else {
			return false;
		}
	}
	while (j < m && p[j] == '%')
		j++;
	return j == m;
}

/*
 * What arrow's string-to-timestamp cast (the one GreptimeDB's casts run)
 * says of text whose shape it refuses before reading the time: NULL
 * when it starts YYYY-MM-DD (four-digit year, after blanks) followed by
 * nothing, 'T' or a blank.
 */
static const char *ts_text_shape(const char *s, uint32_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	if (len < 10)
		return "timestamp must contain at least 10 characters";
	for (int k = 0; k < 10; k++)
		if (k == 4 || k == 7 ? s[k] != '-' : !isdigit((unsigned char)s[k]))
			return "error parsing date";
	if (len > 10 && s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return "invalid timestamp separator";
	return NULL;
}

/*
 * Timestamp text whose time is followed by a zone name ('2017-07-23
 * 13:10:11 Asia/Shanghai'), which arrow reads after the offsets gt's own
 * parser knows: 1 with *out in unit, 0 when the text has no such tail
 * (or its date and time do not read), or arrow's error for an unknown zone.
 */
static int ts_text_named_zone(struct sql_ctx *c, const char *s, uint32_t len, uint8_t unit, int64_t *out)
{
	const char *p = s, *end = s + len, *z;
	char zone[64];
	int64_t v, per = 1;
	int32_t off;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (end - p <= 11)
		return 0;
	for (p += 11; p < end && (isdigit((unsigned char)*p) || *p == ':' || *p == '.'); p++)
		;
	for (z = p; z < end && isspace((unsigned char)*z); z++)
		;
	if (z == end || *z == '+' || *z == '-' || ((*z == 'Z' || *z == 'z') && z + 1 == end))
		return 0;
	snprintf(zone, sizeof(zone), "%.*s", (int)GT_MIN(end - z, 63), z);
	if (gt_tz_offset(zone, 0, &off) < 0)
		return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
			       "Parser error: Invalid timezone \"%s\": failed to parse timezone", zone);
	if (gt_parse_time_unit(s, (size_t)(p - s), unit, &v) < 0)
		return 0;
	for (unsigned k = 0; k < unit; k++)
		per *= 10;
	/* the zone's offset at that wall-clock time read as UTC: right but within a DST change */
	if (gt_tz_offset(zone, v / per, &off) < 0)
		return 0;
	*out = v - (int64_t)off * per;
	return 1;
}

/* ns nanoseconds since midnight of H:MM[:SS[.fffffffff]]: 0, or -1 if s is not such a time. */
static int time_of_day(const char *s, uint32_t len, int64_t *ns)
{
	char buf[64];
	int64_t v;
	/* the time of day of that time on the epoch's day */
	int n = snprintf(buf, sizeof(buf), "1970-01-01 %s%.*s", len > 1 && s[1] == ':' ? "0" : "", (int)GT_MIN(len, 40), s);
	if (n <= 0 || gt_parse_time(buf, (size_t)n, &v) < 0 || v < 0 || v >= 86400000000000LL)
		return -1;
	*ns = v;
	return 0;
}

static int cast_to(struct sql_ctx *c, struct sql_xv *a, uint8_t type, uint8_t unit, uint8_t lt, struct sql_xv *o)
{
	uint32_t n = a->scalar ? 1 : c->nrows;
	const char *tname = gt_ltype_name((enum gt_type)type, (enum gt_unit)unit, lt);
	scalar_of(o, type);
	o->scalar = a->scalar;
	o->unit = unit;
	o->lt = lt;
	for (uint32_t i = 0; i < n; i++) {
		int r;
		if (SQL_NULL(a, i)) {
			r = gt_vec_push_null(&o->v);
		} else if (lt == GT_LT_DATE && a->v.type == GT_STRING) {
			uint32_t len;
			const char *s = gt_vec_str(&a->v, SQL_IX(a, i), &len);
			int64_t ns;
			if (gt_parse_time(s, len, &ns) < 0)
				return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
					       "Cast error: Cannot cast string '%.*s' to value of Date type", (int)GT_MIN(len, 127), s);
			r = gt_vec_push_i64(&o->v, sql_days_of_ns(ns));
		} else if (lt == GT_LT_TIME && a->v.type == GT_TS) {
			int64_t ns = gt_unit_convert(a->v.v.i64[SQL_IX(a, i)], a->unit, GT_UNIT_NS);
			r = gt_vec_push_i64(&o->v, ns - floor_div(ns, 86400000000000LL) * 86400000000000LL);
		} else if (lt == GT_LT_TIME && a->v.type == GT_STRING) {
			uint32_t len;
			const char *s = gt_vec_str(&a->v, SQL_IX(a, i), &len);
			int64_t ns;
			if (time_of_day(s, len, &ns) < 0)
				return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
					       "Cast error: Cannot cast string '%.*s' to value of Time64(Nanosecond) type",
					       (int)GT_MIN(len, 127), s);
			r = gt_vec_push_i64(&o->v, ns);
		} else if (lt == GT_LT_TIME && a->lt != GT_LT_TIME) {
			return sql_err(c->e, GT_STATUS_PLAN_QUERY,
				       "Failed to plan SQL: Error during planning: Unsupported CAST from %s to Time64(ns)",
				       sql_arrow_type_name(a->v.type, a->unit, a->lt));
		} else if (lt == GT_LT_DATE && a->v.type == GT_TS) {
			r = gt_vec_push_i64(&o->v, sql_days_of_ns(gt_unit_convert(a->v.v.i64[SQL_IX(a, i)], a->unit, GT_UNIT_NS)));
		} else if (type == GT_TS && a->lt == GT_LT_DATE) {
			r = gt_vec_push_i64(&o->v, gt_unit_convert(a->v.v.i64[SQL_IX(a, i)] * 86400, GT_UNIT_S, unit));
		} else if (type != GT_STRING && a->v.type == GT_F64 && type != GT_F64 && type != GT_BOOL &&
			   !isfinite(a->v.v.f64[SQL_IX(a, i)])) {
			char buf[32];
			sql_fmt_f64(buf, sizeof(buf), a->v.v.f64[SQL_IX(a, i)]);
			return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY, "Cast error: Can't cast value %s to type %s", buf, tname);
		} else if (lt && a->v.type != GT_STRING && type != GT_STRING && lt != GT_LT_DATE && lt != GT_LT_F32 &&
			   !(a->v.type == GT_U64 ? gt_ltype_fits_u64(lt, a->v.v.u64[SQL_IX(a, i)]) :
			     a->v.type == GT_F64 ? fabs(a->v.v.f64[SQL_IX(a, i)]) < 9.2e18 &&
						   gt_ltype_fits_i64(lt, (int64_t)a->v.v.f64[SQL_IX(a, i)]) :
			     gt_ltype_fits_i64(lt, sql_xv_i64(a, i)))) {
			char buf[64];
			const char *s;
			uint32_t len;
			sql_xv_text(a, i, buf, sizeof(buf), &s, &len);
			return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY, "Cast error: Can't cast value %.*s to type %s",
				       (int)len, s, tname);
		} else if (type == GT_STRING) {
			char buf[64];
			const char *s;
			uint32_t len;
			sql_xv_text(a, i, buf, sizeof(buf), &s, &len);
			r = gt_vec_push_str(&o->v, s, len);
		} else if (a->v.type == GT_STRING) {
			uint32_t len;
			const char *s = gt_vec_str(&a->v, SQL_IX(a, i), &len);
			char buf[128], *ep;
			snprintf(buf, sizeof(buf), "%.*s", (int)GT_MIN(len, 127), s);
			if (type == GT_TS) {
				int64_t ns;
				const char *why = ts_text_shape(s, len);
				if (!why && gt_parse_time_unit(s, len, unit, &ns) < 0) {
					int z = ts_text_named_zone(c, s, len, unit, &ns);
					if (z < 0)
						return z;
					if (z == 0)
						why = "error parsing time";
				}
				if (why)
					return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
						       "Parser error: Error parsing timestamp from '%s': %s", buf, why);
				r = gt_vec_push_i64(&o->v, ns);
			} else if (type == GT_BOOL) {
				if (!strcasecmp(buf, "true") || !strcmp(buf, "1") || !strcasecmp(buf, "t"))
					r = gt_vec_push_bool(&o->v, true);
				else if (!strcasecmp(buf, "false") || !strcmp(buf, "0") || !strcasecmp(buf, "f"))
					r = gt_vec_push_bool(&o->v, false);
				else
					return sql_err(c->e, GT_STATUS_INVALID_ARGUMENTS, "Cannot cast string '%s' to value of Boolean type", buf);
			} else if (type == GT_F64) {
				double d = strtod(buf, &ep);
				if (ep == buf || *ep)
					return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
						       "Cast error: Cannot cast string '%s' to value of %s type", buf, tname);
				r = gt_vec_push_f64(&o->v, lt == GT_LT_F32 ? (double)(float)d : d);
			} else {
				errno = 0;
				long long v = type == GT_U64 ? (long long)strtoull(buf, &ep, 10) : strtoll(buf, &ep, 10);
				if (ep == buf || *ep || errno || (type == GT_U64 && buf[0] == '-') ||
				    (type == GT_U64 ? !gt_ltype_fits_u64(lt, (uint64_t)v) : !gt_ltype_fits_i64(lt, v)))
					return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
						       "Cast error: Cannot cast string '%s' to value of %s type", buf, tname);
				r = type == GT_U64 ? gt_vec_push_u64(&o->v, (uint64_t)v) : gt_vec_push_i64(&o->v, v);
			}
		} else if (type == GT_F64) {
			double d = sql_xv_f64(a, i);
			r = gt_vec_push_f64(&o->v, lt == GT_LT_F32 ? (double)(float)d : d);
		} else if (type == GT_BOOL) {
			r = gt_vec_push_bool(&o->v, sql_xv_f64(a, i) != 0);
		} else if (type == GT_U64) {
			r = gt_vec_push_u64(&o->v, (uint64_t)sql_xv_i64(a, i));
		} else if (type == GT_TS && a->v.type == GT_TS) {
			r = gt_vec_push_i64(&o->v, gt_unit_convert(a->v.v.i64[SQL_IX(a, i)], a->unit, unit));
		} else {
			r = gt_vec_push_i64(&o->v, sql_xv_i64(a, i));
		}
		if (r < 0)
			return x_nomem(c);
	}
	return 0;
}

int sql_xv_cast(struct sql_ctx *c, struct sql_xv *a, uint8_t type, uint8_t unit, uint8_t lt, struct sql_xv *o)
{
	return cast_to(c, a, type, unit, lt, o);
}

/* text @@ term over the frame (both strings). */
static int atat(struct sql_ctx *c, struct sql_xv *a, struct sql_xv *b, struct sql_xv *o)
{
	uint32_t n = out_rows(a, b, c->nrows);
	if (a->v.type != GT_STRING || b->v.type != GT_STRING)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: The @@ operator expects two strings");
	scalar_of(o, GT_BOOL);
	o->scalar = n == 1 && a->scalar && b->scalar;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t la, lb;
		int r;
		if (SQL_NULL(a, i) || SQL_NULL(b, i)) {
			r = gt_vec_push_null(&o->v);
		} else {
			const char *sa = gt_vec_str(&a->v, SQL_IX(a, i), &la), *sb = gt_vec_str(&b->v, SQL_IX(b, i), &lb);
			r = gt_vec_push_bool(&o->v, sql_match_term(sa, la, sb, lb));
		}
		if (r < 0)
			return x_nomem(c);
	}
	return 0;
}

/* matches(text, 'query'): the query is a literal, compiled once. */
static int matches_fn(struct sql_ctx *c, struct sql_xv *av, uint32_t n, struct sql_xv *o)
{
	struct sql_match *m = NULL;
	const char *err;
	uint32_t pl;
	if (av[0].v.type != GT_STRING || av[1].v.type != GT_STRING || !av[1].scalar)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: matches expects a string column and a literal query");
	scalar_of(o, GT_BOOL);
	o->scalar = n == 1;
	if (SQL_NULL(&av[1], 0)) {
		for (uint32_t i = 0; i < n; i++)
			if (gt_vec_push_null(&o->v) < 0)
				return x_nomem(c);
		return 0;
	}
	const char *pat = gt_vec_str(&av[1].v, 0, &pl);
	int rc = sql_match_compile(pat, pl, &m, &err);
	if (rc == GT_ENOMEM)
		return x_nomem(c);
	if (rc < 0)
		return sql_err(c->e, GT_STATUS_INVALID_ARGUMENTS, "Invalid function args: matches query '%.*s': %s",
			       (int)GT_MIN(pl, 200), pat, err);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint32_t l = 0;
		const char *t = SQL_NULL(&av[0], i) ? NULL : gt_vec_str(&av[0].v, SQL_IX(&av[0], i), &l);
		int r = t ? gt_vec_push_bool(&o->v, sql_match_eval(m, t, l)) : gt_vec_push_null(&o->v);
		if (r < 0)
			rc = x_nomem(c);
	}
	sql_match_free(m);
	return rc;
}

/* split_part(text, delimiter, n): the n-th field (1-based, negative from the end), '' past the ends. */
static int split_part(struct sql_ctx *c, struct sql_xv *av, uint32_t n, struct sql_xv *o)
{
	scalar_of(o, GT_STRING);
	o->scalar = n == 1;
	for (uint32_t i = 0; i < n; i++) {
		char b1[64], b2[64];
		const char *s, *d;
		uint32_t sl, dl;
		int r;
		if (SQL_NULL(&av[0], i) || SQL_NULL(&av[1], i) || SQL_NULL(&av[2], i)) {
			if (gt_vec_push_null(&o->v) < 0)
				return x_nomem(c);
			continue;
		}
		int64_t k = sql_xv_i64(&av[2], i);
		if (k == 0)
			return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
				       "Execution error: field position must not be zero");
		sql_xv_text(&av[0], i, b1, sizeof(b1), &s, &sl);
		sql_xv_text(&av[1], i, b2, sizeof(b2), &d, &dl);
		/* Field boundaries: count the fields first, then pick one. */
		uint32_t nf = 1;
		for (uint32_t j = 0; dl && j + dl <= sl;) {
			if (!memcmp(s + j, d, dl)) {
				nf++;
				j += dl;
			} else {
				j++;
			}
		}
		int64_t want = k > 0 ? k - 1 : (int64_t)nf + k;
		if (want < 0 || want >= nf) {
			r = gt_vec_push_str(&o->v, "", 0);
		} else {
			uint32_t f = 0, start = 0, j = 0, end = sl;
			while (dl && j + dl <= sl) {
				if (memcmp(s + j, d, dl)) {
					j++;
					continue;
				}
				if (f == want) {
					end = j;
					break;
				}
				f++;
				j += dl;
				start = j;
			}
			r = gt_vec_push_str(&o->v, s + start, end - start);
		}
		if (r < 0)
			return x_nomem(c);
	}
	return 0;
}

/* greatest(...) / least(...): nulls are skipped, null only when every argument is. */
/* Row i of x (not null) appended to o in o's type: Float64, x's own type, else Int64. */
static int push_as(struct sql_xv *o, const struct sql_xv *x, uint32_t i)
{
	if (o->v.type == GT_F64)
		return gt_vec_push_f64(&o->v, sql_xv_f64(x, i));
	if (x->v.type == o->v.type)
		return gt_vec_push_from(&o->v, &x->v, SQL_IX(x, i));
	return gt_vec_push_i64(&o->v, sql_xv_i64(x, i));
}

static int extremum(struct sql_ctx *c, struct sql_expr *x, bool greatest, struct sql_xv *o)
{
	struct sql_xv *all = gt_calloc(x->nargs + 1, sizeof(*all));
	int rc = 0;
	uint32_t k, n = 1;
	if (!all)
		return x_nomem(c);
	if (x->nargs == 0)
		rc = sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: Error during planning: %s was called without any arguments. It requires at least 1.",
			     x->s);
	for (k = 0; k < x->nargs && rc == 0; k++)
		rc = sql_eval(c, x->args[k], &all[k]);
	uint8_t t = 0;
	for (k = 0; k < x->nargs && rc == 0; k++) {
		uint8_t tk = all[k].v.type;
		if (!all[k].scalar)
			n = c->nrows;
		if (x->args[k]->kind == E_NULL)
			continue;
		if (!t)
			t = tk;
		else if (t != tk && (t == GT_STRING || tk == GT_STRING || t == GT_TS || tk == GT_TS))
			rc = sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: Error during planning: %s cannot mix these argument types", x->s);
		else if (t != tk)
			t = t == GT_F64 || tk == GT_F64 ? GT_F64 : GT_I64;
	}
	if (rc == 0) {
		scalar_of(o, t ? t : GT_I64);
		o->scalar = n == 1;
		for (k = 0; k < x->nargs; k++)
			if (all[k].v.type == GT_TS)
				o->unit = all[k].unit;
	}
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		int best = -1, r;
		for (k = 0; k < x->nargs; k++) {
			if (SQL_NULL(&all[k], i))
				continue;
			if (best < 0) {
				best = (int)k;
				continue;
			}
			int cr;
			cmp_rows(&all[k], &all[best], i, &cr);
			if (greatest ? cr > 0 : cr < 0)
				best = (int)k;
		}
		r = best < 0 ? gt_vec_push_null(&o->v) : push_as(o, &all[best], i);
		if (r < 0)
			rc = x_nomem(c);
	}
	for (k = 0; k < x->nargs; k++)
		sql_xv_release(&all[k]);
	free(all);
	if (rc < 0)
		sql_xv_release(o);
	return rc;
}

static double sgn(double v)
{
	return v > 0 ? 1 : v < 0 ? -1 : v;
}

static double degrees(double v)
{
	return v * (180.0 / M_PI);
}

static double radians(double v)
{
	return v * (M_PI / 180.0);
}

/* The one-argument Float64 math functions, by DataFusion's names. */
static double (*math1(const char *f))(double)
{
	static const struct {
		const char *name;
		double (*fn)(double);
	} t[] = {
		{"abs", fabs}, {"floor", floor}, {"ceil", ceil}, {"round", round}, {"trunc", trunc},
		{"sqrt", sqrt}, {"cbrt", cbrt}, {"ln", log}, {"log10", log10}, {"log2", log2}, {"exp", exp},
		{"sin", sin}, {"cos", cos}, {"tan", tan}, {"asin", asin}, {"acos", acos}, {"atan", atan},
		{"sinh", sinh}, {"cosh", cosh}, {"tanh", tanh}, {"asinh", asinh}, {"acosh", acosh},
		{"atanh", atanh}, {"signum", sgn}, {"degrees", degrees}, {"radians", radians},
	};
	for (size_t k = 0; k < GT_ARRAY_LEN(t); k++)
		if (!strcmp(f, t[k].name))
			return t[k].fn;
	return NULL;
}

static uint64_t i64_mag(int64_t v)
{
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* The parts date_part() (and EXTRACT) reads, as DataFusion names them: an
 * interval unit, singular or plural, or one of Postgres' extra fields. */
enum dpart { DP_YEAR, DP_QUARTER, DP_MONTH, DP_WEEK, DP_DAY, DP_DOY, DP_DOW, DP_HOUR, DP_MINUTE,
	     DP_SECOND, DP_MS, DP_US, DP_NS, DP_EPOCH };

static int dpart_of(const char *s, uint32_t n)
{
	static const struct {
		const char *name;
		uint8_t part;
	} parts[] = {
		{"year", DP_YEAR}, {"month", DP_MONTH}, {"week", DP_WEEK}, {"day", DP_DAY}, {"hour", DP_HOUR},
		{"minute", DP_MINUTE}, {"second", DP_SECOND}, {"millisecond", DP_MS}, {"microsecond", DP_US},
		{"nanosecond", DP_NS}, {"qtr", DP_QUARTER}, {"quarter", DP_QUARTER}, {"doy", DP_DOY},
		{"dow", DP_DOW}, {"epoch", DP_EPOCH},
	};
	for (size_t k = 0; k < GT_ARRAY_LEN(parts); k++) {
		size_t l = strlen(parts[k].name);
		bool plural = parts[k].part < DP_QUARTER || (parts[k].part >= DP_HOUR && parts[k].part <= DP_NS);
		if ((n == l || (plural && n == l + 1 && (s[l] == 's' || s[l] == 'S'))) && !strncasecmp(s, parts[k].name, l))
			return parts[k].part;
	}
	return -1;
}

/* Field part of an instant ns nanoseconds after the epoch. */
static int64_t dpart_value(int part, int64_t ns)
{
	int64_t secs = floor_div(ns, 1000000000), sub = ns - secs * 1000000000;
	int64_t days = floor_div(secs, 86400), sod = secs - days * 86400, y;
	unsigned m, d;
	gt_civil_from_days(days, &y, &m, &d);
	switch (part) {
	case DP_YEAR: return y;
	case DP_QUARTER: return (m + 2) / 3;
	case DP_MONTH: return m;
	case DP_DAY: return d;
	case DP_DOY: return days - gt_days_from_civil(y, 1, 1) + 1;
	case DP_DOW: return ((days + 4) % 7 + 7) % 7;     /* 1970-01-01 was a Thursday; Sunday is 0 */
	case DP_HOUR: return sod / 3600;
	case DP_MINUTE: return sod / 60 % 60;
	case DP_SECOND: return sod % 60;
	case DP_MS: return sod % 60 * 1000 + sub / 1000000;
	case DP_US: return sod % 60 * 1000000 + sub / 1000;
	case DP_NS: return sod % 60 * 1000000000 + sub;
	default: {
		/* ISO 8601 week: the week (from Monday) holding the year's first Thursday is 1 */
		int64_t wd = ((days + 3) % 7 + 7) % 7, thu = days - wd + 3, ty;
		unsigned tm, td;
		gt_civil_from_days(thu, &ty, &tm, &td);
		return (thu - gt_days_from_civil(ty, 1, 1)) / 7 + 1;
	}
	}
}

/* date_part(part, x) over a timestamp, date, time of day or timestamp text:
 * Int32, or Float64 seconds for epoch, as DataFusion answers. */
static int date_part(struct sql_ctx *c, struct sql_xv *av, uint32_t n, struct sql_xv *o)
{
	uint32_t pl = 0;
	const char *ps = av[0].v.type == GT_STRING && !SQL_NULL(&av[0], 0) ? gt_vec_str(&av[0].v, 0, &pl) : "";
	int part = dpart_of(ps, pl);
	struct sql_xv *a = &av[1];
	if (part < 0)
		return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY, "Execution error: Date part '%.*s' not supported",
			       (int)GT_MIN(pl, 64), ps);
	scalar_of(o, part == DP_EPOCH ? GT_F64 : GT_I64);
	o->lt = part == DP_EPOCH ? 0 : GT_LT_I32;
	o->scalar = n == 1;
	for (uint32_t i = 0; i < n; i++) {
		int64_t ns;
		int r;
		if (SQL_NULL(a, i)) {
			if (gt_vec_push_null(&o->v) < 0)
				return x_nomem(c);
			continue;
		}
		if (a->v.type == GT_TS) {
			ns = gt_unit_convert(a->v.v.i64[SQL_IX(a, i)], a->unit, GT_UNIT_NS);
		} else if (a->v.type == GT_I64 && a->lt == GT_LT_DATE) {
			ns = a->v.v.i64[SQL_IX(a, i)] * 86400000000000LL;
		} else if (a->v.type == GT_I64 && a->lt == GT_LT_TIME) {
			ns = a->v.v.i64[SQL_IX(a, i)];
		} else if (a->v.type == GT_STRING) {
			uint32_t len;
			const char *s = gt_vec_str(&a->v, SQL_IX(a, i), &len);
			if (gt_parse_time(s, len, &ns) < 0)
				return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
					       "Parser error: Error parsing timestamp from '%.*s': error parsing date",
					       (int)GT_MIN(len, 127), s);
		} else {
			return sql_err(c->e, GT_STATUS_PLAN_QUERY,
				       "Failed to plan SQL: Error during planning: Function 'date_part' does not support %s",
				       sql_arrow_type_name(a->v.type, a->unit, a->lt));
		}
		if (part == DP_EPOCH)
			r = gt_vec_push_f64(&o->v, (double)ns / 1e9);
		else
			r = gt_vec_push_i64(&o->v, dpart_value(part, ns));
		if (r < 0)
			return x_nomem(c);
	}
	return 0;
}

static int func(struct sql_ctx *c, struct sql_expr *x, struct sql_xv *o)
{
	struct sql_xv av[3];
	uint32_t na = GT_MIN(x->nargs, 3u);
	int rc = 0;
	memset(av, 0, sizeof(av));
	if (!strcmp(x->s, "now")) {
		scalar_of(o, GT_TS);
		o->unit = GT_UNIT_MS;
		return gt_vec_push_i64(&o->v, c->now_ns / 1000000) < 0 ? x_nomem(c) : 0;
	}
	if (!strcmp(x->s, "greatest") || !strcmp(x->s, "least"))
		return extremum(c, x, x->s[0] == 'g', o);
	for (uint32_t k = 0; k < na; k++)
		if ((rc = sql_eval(c, x->args[k], &av[k])) < 0)
			goto out;
	uint32_t n = 1;
	for (uint32_t k = 0; k < na; k++)
		if (!av[k].scalar)
			n = c->nrows;
	const char *f = x->s;
	if (!strcmp(f, "to_unixtime") && x->nargs == 1) {
		/* Seconds since the epoch of a time string, date, timestamp or integer. */
		scalar_of(o, GT_I64);
		o->scalar = n == 1;
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			int64_t v = 0, ns;
			int r;
			if (SQL_NULL(&av[0], i)) {
				r = gt_vec_push_null(&o->v);
			} else if (av[0].v.type == GT_STRING) {
				uint32_t l;
				const char *s0 = gt_vec_str(&av[0].v, SQL_IX(&av[0], i), &l);
				while (l && (*s0 == ' ' || *s0 == '\t')) {
					s0++;
					l--;
				}
				while (l && (s0[l - 1] == ' ' || s0[l - 1] == '\t'))
					l--;
				if (gt_parse_time(s0, l, &ns) < 0) {
					r = gt_vec_push_null(&o->v);
				} else {
					r = gt_vec_push_i64(&o->v, floor_div(ns, 1000000000));
				}
			} else if (av[0].v.type == GT_TS) {
				v = gt_unit_convert(sql_xv_i64(&av[0], i), av[0].unit, GT_UNIT_NS);
				r = gt_vec_push_i64(&o->v, floor_div(v, 1000000000));
			} else if (av[0].lt == GT_LT_DATE) {
				r = gt_vec_push_i64(&o->v, sql_xv_i64(&av[0], i) * 86400);
			} else {
				r = gt_vec_push_i64(&o->v, sql_xv_i64(&av[0], i));
			}
			if (r < 0)
				rc = x_nomem(c);
		}
		goto out;
	}
	if (!strcmp(f, "matches") && x->nargs == 2) {
		rc = matches_fn(c, av, n, o);
		goto out;
	}
	if (!strcmp(f, "split_part") && x->nargs == 3) {
		rc = split_part(c, av, n, o);
		goto out;
	}
	if (!strcmp(f, "date_bin") && na >= 2) {
		if (!av[0].interval || av[1].v.type != GT_TS) {
			rc = sql_err(c->e, GT_STATUS_PLAN_QUERY, "date_bin expects (INTERVAL, timestamp[, origin])");
			goto out;
		}
		scalar_of(o, GT_TS);
		o->unit = av[1].unit;
		o->scalar = n == 1;
		for (uint32_t i = 0; i < n; i++) {
			if (SQL_NULL(&av[0], i) || SQL_NULL(&av[1], i)) {
				if (gt_vec_push_null(&o->v) < 0)
					goto nomem;
				continue;
			}
			int64_t stride = gt_unit_convert(sql_xv_i64(&av[0], i), GT_UNIT_NS, o->unit);
			int64_t t = sql_xv_i64(&av[1], i), origin = 0;
			if (na > 2 && av[2].v.type == GT_TS)
				origin = gt_unit_convert(sql_xv_i64(&av[2], i), av[2].unit, o->unit);
			if (stride <= 0)
				stride = 1;
			int64_t v = origin + floor_div(t - origin, stride) * stride;
			if (gt_vec_push_i64(&o->v, v) < 0)
				goto nomem;
		}
		goto out;
	}
	if (!strcmp(f, "date_trunc") && na == 2 && av[0].v.type == GT_STRING && av[1].v.type == GT_TS) {
		scalar_of(o, GT_TS);
		o->unit = av[1].unit;
		o->scalar = n == 1;
		uint32_t ul;
		const char *u = gt_vec_str(&av[0].v, 0, &ul);
		char unit[16];
		snprintf(unit, sizeof(unit), "%.*s", (int)GT_MIN(ul, 15), u);
		for (uint32_t i = 0; i < n; i++) {
			if (SQL_NULL(&av[1], i)) {
				if (gt_vec_push_null(&o->v) < 0)
					goto nomem;
				continue;
			}
			int64_t ns = gt_unit_convert(sql_xv_i64(&av[1], i), o->unit, GT_UNIT_NS);
			int64_t secs = floor_div(ns, 1000000000), days = floor_div(secs, 86400), r;
			int64_t y;
			unsigned m, d;
			gt_civil_from_days(days, &y, &m, &d);
			if (!strcasecmp(unit, "second"))
				r = secs * 1000000000;
			else if (!strcasecmp(unit, "minute"))
				r = floor_div(secs, 60) * 60000000000LL;
			else if (!strcasecmp(unit, "hour"))
				r = floor_div(secs, 3600) * 3600000000000LL;
			else if (!strcasecmp(unit, "day"))
				r = days * 86400000000000LL;
			else if (!strcasecmp(unit, "week"))
				r = (days - ((days + 3) % 7 + 7) % 7) * 86400000000000LL;
			else if (!strcasecmp(unit, "month"))
				r = gt_days_from_civil(y, m, 1) * 86400000000000LL;
			else if (!strcasecmp(unit, "year"))
				r = gt_days_from_civil(y, 1, 1) * 86400000000000LL;
			else if (!strcasecmp(unit, "millisecond"))
				r = floor_div(ns, 1000000) * 1000000;
			else {
				rc = sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY, "Unsupported date_trunc granularity: %s", unit);
				goto out;
			}
			if (gt_vec_push_i64(&o->v, gt_unit_convert(r, GT_UNIT_NS, o->unit)) < 0)
				goto nomem;
		}
		goto out;
	}
	if (!strcmp(f, "date_part") && na == 2) {
		rc = date_part(c, av, n, o);
		goto out;
	}
	if (na == 1 && math1(f)) {
		double (*fn)(double) = math1(f);
		bool keep_int = both_int(&av[0], &av[0]) && !strcmp(f, "abs");
		scalar_of(o, keep_int ? GT_I64 : GT_F64);
		o->scalar = n == 1;
		for (uint32_t i = 0; i < n; i++) {
			int r;
			if (SQL_NULL(&av[0], i)) {
				r = gt_vec_push_null(&o->v);
			} else if (keep_int) {
				int64_t v = sql_xv_i64(&av[0], i);
				r = gt_vec_push_i64(&o->v, v < 0 ? (int64_t)(0 - (uint64_t)v) : v);
			} else {
				r = gt_vec_push_f64(&o->v, fn(sql_xv_f64(&av[0], i)));
			}
			if (r < 0)
				goto nomem;
		}
		goto out;
	}
	if (na == 2 && (!strcmp(f, "gcd") || !strcmp(f, "lcm"))) {
		/* DataFusion: Int64 in and out; lcm of 0 is 0. */
		scalar_of(o, GT_I64);
		o->scalar = n == 1;
		for (uint32_t i = 0; i < n; i++) {
			int r;
			if (SQL_NULL(&av[0], i) || SQL_NULL(&av[1], i)) {
				r = gt_vec_push_null(&o->v);
			} else {
				uint64_t a = i64_mag(sql_xv_i64(&av[0], i)), b = i64_mag(sql_xv_i64(&av[1], i));
				uint64_t g = gcd_u64(a, b);
				r = gt_vec_push_i64(&o->v, f[0] == 'g' ? (int64_t)g : g ? (int64_t)(a / g * b) : 0);
			}
			if (r < 0)
				goto nomem;
		}
		goto out;
	}
	if (na == 2 && !strcmp(f, "round")) {
		/* round(x, digits): half away from zero at that decimal place */
		scalar_of(o, GT_F64);
		o->scalar = n == 1;
		for (uint32_t i = 0; i < n; i++) {
			int r;
			if (SQL_NULL(&av[0], i) || SQL_NULL(&av[1], i)) {
				r = gt_vec_push_null(&o->v);
			} else {
				int64_t d = sql_xv_i64(&av[1], i);
				double v = sql_xv_f64(&av[0], i), p10 = pow(10.0, (double)(d < -308 ? -308 : d > 308 ? 308 : d));
				r = gt_vec_push_f64(&o->v, round(v * p10) / p10);
			}
			if (r < 0)
				goto nomem;
		}
		goto out;
	}
	if (na == 1 && (!strcmp(f, "trim") || !strcmp(f, "btrim") || !strcmp(f, "ltrim") || !strcmp(f, "rtrim"))) {
		/* spaces off both ends (trim, btrim) or one (ltrim, rtrim), as DataFusion and PostgreSQL */
		bool left = f[0] != 'r', right = f[0] != 'l';
		scalar_of(o, GT_STRING);
		o->scalar = n == 1;
		for (uint32_t i = 0; i < n; i++) {
			char buf[64];
			const char *t;
			uint32_t l;
			int r;
			if (SQL_NULL(&av[0], i)) {
				r = gt_vec_push_null(&o->v);
			} else {
				sql_xv_text(&av[0], i, buf, sizeof(buf), &t, &l);
				while (left && l && *t == ' ')
					t++, l--;
				while (right && l && t[l - 1] == ' ')
					l--;
				r = gt_vec_push_str(&o->v, t, l);
			}
			if (r < 0)
				goto nomem;
		}
		goto out;
	}
	if (na == 1 && (!strcmp(f, "lower") || !strcmp(f, "upper") || !strcmp(f, "length") ||
			!strcmp(f, "char_length") || !strcmp(f, "character_length"))) {
		bool len = f[0] == 'l' && f[1] == 'e' ? true : f[0] == 'c';
		scalar_of(o, len ? GT_I64 : GT_STRING);
		o->scalar = n == 1;
		for (uint32_t i = 0; i < n; i++) {
			int r;
			char buf[64];
			const char *s;
			uint32_t l;
			if (SQL_NULL(&av[0], i)) {
				r = gt_vec_push_null(&o->v);
			} else {
				sql_xv_text(&av[0], i, buf, sizeof(buf), &s, &l);
				if (len) {
					int64_t chars = 0;
					for (uint32_t k = 0; k < l; k++)
						chars += ((unsigned char)s[k] & 0xC0) != 0x80;
					r = gt_vec_push_i64(&o->v, chars);
				} else {
					char *t = gt_malloc((size_t)l + 1);
					if (!t)
						goto nomem;
					for (uint32_t k = 0; k < l; k++)
						t[k] = (char)(f[0] == 'l' ? tolower((unsigned char)s[k]) : toupper((unsigned char)s[k]));
					r = gt_vec_push_str(&o->v, t, l);
					free(t);
				}
			}
			if (r < 0)
				goto nomem;
		}
		goto out;
	}
	if (!strcmp(f, "if") && x->nargs == 3) {
		/* MySQL's IF(cond, a, b): a where cond is true, else b (NULL is not true) */
		struct sql_xv br[3];
		memset(br, 0, sizeof(br));
		rc = 0;
		for (uint32_t k = 0; k < 3 && rc == 0; k++)
			rc = sql_eval(c, x->args[k], &br[k]);
		if (rc == 0) {
			uint8_t t = x->args[1]->kind == E_NULL ? br[2].v.type : br[1].v.type;
			if (t == GT_I64 && (br[1].v.type == GT_F64 || br[2].v.type == GT_F64))
				t = GT_F64;
			n = br[0].scalar && br[1].scalar && br[2].scalar ? 1 : c->nrows;
			scalar_of(o, t);
			o->scalar = n == 1;
			o->unit = x->args[1]->kind == E_NULL ? br[2].unit : br[1].unit;
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				struct sql_xv *v = &br[truth(&br[0], i) == 1 ? 1 : 2];
				if ((SQL_NULL(v, i) ? gt_vec_push_null(&o->v) : push_as(o, v, i)) < 0)
					rc = x_nomem(c);
			}
		}
		for (uint32_t k = 0; k < 3; k++)
			sql_xv_release(&br[k]);
		goto out;
	}
	if ((!strcmp(f, "coalesce") && x->nargs > 0) ||
	    ((!strcmp(f, "ifnull") || !strcmp(f, "nvl")) && x->nargs == 2)) {
		/* Evaluate every argument (not just three). */
		struct sql_xv *all = gt_calloc(x->nargs, sizeof(*all));
		if (!all)
			goto nomem;
		uint32_t k;
		rc = 0;
		for (k = 0; k < x->nargs && rc == 0; k++)
			rc = sql_eval(c, x->args[k], &all[k]);
		if (rc == 0) {
			/* the type of the first argument that is not a bare NULL */
			uint32_t first = 0;
			while (first + 1 < x->nargs && x->args[first]->kind == E_NULL)
				first++;
			uint8_t t = all[first].v.type;
			n = 1;
			for (k = 0; k < x->nargs; k++) {
				if (!all[k].scalar)
					n = c->nrows;
				if (t == GT_I64 && all[k].v.type == GT_F64)
					t = GT_F64;
			}
			scalar_of(o, t);
			o->unit = all[first].unit;
			o->scalar = n == 1;
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				for (k = 0; k < x->nargs && SQL_NULL(&all[k], i); k++)
					;
				int r;
				r = k == x->nargs ? gt_vec_push_null(&o->v) : push_as(o, &all[k], i);
				if (r < 0)
					rc = x_nomem(c);
			}
		}
		for (k = 0; k < x->nargs; k++)
			sql_xv_release(&all[k]);
		free(all);
		goto out;
	}
	if ((rc = sql_pg_func(c, x, av, n, o)) != 0) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	rc = sql_err(c->e, GT_STATUS_PLAN_QUERY,
		     "Failed to plan SQL: Error during planning: Invalid function '%s'.", f);
	goto out;
nomem:
	rc = x_nomem(c);
out:
	for (uint32_t k = 0; k < na; k++)
		sql_xv_release(&av[k]);
	if (rc < 0)
		sql_xv_release(o);
	return rc;
}

#define SQL_QUAL(c, k) ((c)->quals ? (c)->quals[k] : (c)->table)

int sql_col_find(const struct sql_ctx *c, const struct sql_expr *x)
{
	const struct gt_schema *sc = c->schema;
	if (!c->quals) {
		int k = gt_schema_find(sc, x->s);
		return k >= 0 && x->q && !sql_qual_match(x->q, c->table) ? -1 : k;
	}
	int found = -1;
	for (uint32_t k = 0; k < sc->ncols; k++) {
		if (strcmp(sc->cols[k].name, x->s))
			continue;
		if (x->q ? !sql_qual_match(x->q, c->quals[k]) : c->hidden && c->hidden[k])
			continue;
		if (found < 0)
			found = (int)k;
		else if (!x->q && (!c->quals[k] || !c->quals[found] || strcmp(c->quals[k], c->quals[found])))
			return -2;
	}
	return found;
}

bool sql_qual_match(const char *q, const char *table)
{
	if (!q || !table)
		return false;
	size_t lq = strlen(q), lt = strlen(table);
	return !strcmp(q, table) || (lt > lq && table[lt - lq - 1] == '.' && !strcmp(table + lt - lq, q));
}

/* x::INTERVAL: an interval as is, a string read as one (its months as 30 days). */
static int cast_interval(struct sql_ctx *c, struct sql_xv *a, struct sql_xv *o)
{
	int64_t ns, months, days;
	if (a->interval) {
		*o = *a;
		memset(a, 0, sizeof(*a));
		return 0;
	}
	scalar_of(o, GT_I64);
	o->interval = true;
	o->scalar = a->scalar;
	for (uint32_t i = 0; i < (a->scalar ? 1 : c->nrows); i++) {
		uint32_t n;
		const char *s;
		int r;
		if (SQL_NULL(a, i) || a->v.type != GT_STRING) {
			if (!SQL_NULL(a, i))
				return sql_err(c->e, GT_STATUS_PLAN_QUERY,
					       "Failed to plan SQL: Error during planning: Cannot cast to Interval(MonthDayNano)");
			r = gt_vec_push_null(&o->v);
		} else {
			s = gt_vec_str(&a->v, SQL_IX(a, i), &n);
			if (sql_interval_parse(s, n, NULL, 0, &ns, &months, &days) < 0)
				return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
					       "Cast error: Cannot cast %.*s to Interval(MonthDayNano)", (int)GT_MIN(n, 200), s);
			r = gt_vec_push_i64(&o->v, ns + months * 30 * 86400000000000LL);
		}
		if (r < 0)
			return x_nomem(c);
	}
	return 0;
}

int sql_eval(struct sql_ctx *c, struct sql_expr *x, struct sql_xv *o)
{
	struct sql_xv a, b, d;
	int rc = 0;
	memset(o, 0, sizeof(*o));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	if (x->slot >= 0 && c->slots) {
		struct sql_xv *s = &c->slots[x->slot];
		scalar_of(o, s->v.type);
		o->scalar = false;
		o->unit = s->unit;
		o->lt = s->lt;
		o->interval = s->interval;
		return gt_vec_append(&o->v, &s->v, 0, s->v.len) < 0 ? x_nomem(c) : 0;
	}
	switch (x->kind) {
	case E_NULL:
		scalar_of(o, GT_I64);
		return gt_vec_push_null(&o->v) < 0 ? x_nomem(c) : 0;
	case E_INT:
		scalar_of(o, GT_I64);
		return gt_vec_push_i64(&o->v, x->i) < 0 ? x_nomem(c) : 0;
	case E_FLOAT:
		scalar_of(o, GT_F64);
		return gt_vec_push_f64(&o->v, x->f) < 0 ? x_nomem(c) : 0;
	case E_BOOL:
		scalar_of(o, GT_BOOL);
		return gt_vec_push_bool(&o->v, x->i != 0) < 0 ? x_nomem(c) : 0;
	case E_STR:
		scalar_of(o, GT_STRING);
		return gt_vec_push_str(&o->v, x->s, strlen(x->s)) < 0 ? x_nomem(c) : 0;
	case E_INTERVAL:
		scalar_of(o, GT_I64);
		o->interval = true;
		return gt_vec_push_i64(&o->v, x->i + x->i2 * 30 * 86400000000000LL) < 0 ? x_nomem(c) : 0;
	case E_COL: {
		int k = -1;
		if (c->schema && !c->slots && (k = sql_col_find(c, x)) == -2)
			return sql_err(c->e, GT_STATUS_PLAN_QUERY,
				       "Failed to plan SQL: Ambiguous reference to unqualified field %s", x->s);
		if (k < 0 && !x->q && !strcmp(x->s, "user") && c->s && c->s->channel == GT_SQL_POSTGRES) {
			/* PostgreSQL's USER is current_user (a column named user still wins) */
			scalar_of(o, GT_STRING);
			const char *u = c->s->user ? c->s->user : "greptime";
			return gt_vec_push_str(&o->v, u, strlen(u)) < 0 ? x_nomem(c) : 0;
		}
		if (k < 0) {
			if (c->slots)
				return sql_err(c->e, GT_STATUS_PLAN_QUERY,
					       "Failed to plan SQL: Error during planning: Column in SELECT must be in GROUP BY or an aggregate function: %s", x->s);
			if (c->schema && c->schema->ncols) {
				char valid[1024] = "";
				size_t vl = 0;
				for (uint32_t j = 0; j < c->schema->ncols && vl < 900; j++)
					vl += (size_t)snprintf(valid + vl, sizeof(valid) - vl, "%s%s%s%s", j ? ", " : "",
							       SQL_QUAL(c, j) ? SQL_QUAL(c, j) : "", SQL_QUAL(c, j) ? "." : "",
							       c->schema->cols[j].name);
				return sql_err(c->e, GT_STATUS_PLAN_QUERY,
					       "Failed to plan SQL: No field named %s%s%s. Valid fields are %s.", x->q ? x->q : "",
					       x->q ? "." : "", x->s, valid);
			}
			/* DataFusion quotes a name that is not all lowercase letters, digits and _. */
			bool plain = true;
			for (const char *q = x->s; *q; q++)
				plain &= (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_';
			return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: No field named %s%s%s.",
				       plain ? "" : "\"", x->s, plain ? "" : "\"");
		}
		scalar_of(o, c->schema->cols[k].type);
		o->scalar = false;
		o->unit = c->schema->cols[k].unit;
		o->lt = c->schema->cols[k].lt;
		return gt_vec_append(&o->v, &c->cols[k], 0, c->cols[k].len) < 0 ? x_nomem(c) : 0;
	}
	case E_STAR:
		return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: * is not allowed here");
	case E_NEG:
		if ((rc = sql_eval(c, x->a, &a)) < 0)
			return rc;
		scalar_of(&b, GT_I64);
		b.scalar = true;
		gt_vec_push_i64(&b.v, 0);
		rc = arith(c, B_SUB, &b, &a, o);
		goto out;
	case E_NOT: {
		if ((rc = sql_eval(c, x->a, &a)) < 0)
			return rc;
		uint32_t n = a.scalar ? 1 : c->nrows;
		scalar_of(o, GT_BOOL);
		o->scalar = a.scalar;
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			int t = truth(&a, i);
			if (push_bool3(&o->v, t < 0 ? -1 : !t) < 0)
				rc = x_nomem(c);
		}
		goto out;
	}
	case E_BIN:
		if ((rc = sql_eval(c, x->a, &a)) < 0 || (rc = sql_eval(c, x->b, &b)) < 0)
			goto out;
		if (x->op >= B_EQ && x->op <= B_GE) {
			rc = compare(c, x->op, &a, &b, o);
		} else if (x->op == B_ATAT) {
			rc = atat(c, &a, &b, o);
		} else if (x->op == B_AND || x->op == B_OR) {
			uint32_t n = out_rows(&a, &b, c->nrows);
			scalar_of(o, GT_BOOL);
			o->scalar = n == 1 && a.scalar && b.scalar;
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				int p = truth(&a, i), q = truth(&b, i), r;
				if (x->op == B_AND)
					r = (p == 0 || q == 0) ? 0 : (p < 0 || q < 0) ? -1 : 1;
				else
					r = (p == 1 || q == 1) ? 1 : (p < 0 || q < 0) ? -1 : 0;
				if (push_bool3(&o->v, r) < 0)
					rc = x_nomem(c);
			}
		} else {
			rc = arith(c, x->op, &a, &b, o);
		}
		goto out;
	case E_ISNULL: {
		if ((rc = sql_eval(c, x->a, &a)) < 0)
			return rc;
		uint32_t n = a.scalar ? 1 : c->nrows;
		scalar_of(o, GT_BOOL);
		o->scalar = a.scalar;
		for (uint32_t i = 0; i < n && rc == 0; i++)
			if (gt_vec_push_bool(&o->v, SQL_NULL(&a, i) != x->neg) < 0)
				rc = x_nomem(c);
		goto out;
	}
	case E_BETWEEN: {
		struct sql_xv lo, hi;
		if ((rc = sql_eval(c, x->a, &a)) < 0)
			return rc;
		if ((rc = sql_eval(c, x->b, &b)) < 0 || (rc = sql_eval(c, x->c, &d)) < 0)
			goto out;
		/* compare() coerces its operands in place; keep a for the second one. */
		struct sql_xv a2;
		scalar_of(&a2, a.v.type);
		a2.scalar = a.scalar;
		a2.unit = a.unit;
		if (gt_vec_append(&a2.v, &a.v, 0, a.v.len) < 0) {
			sql_xv_release(&a2);
			rc = x_nomem(c);
			goto out;
		}
		rc = compare(c, B_GE, &a, &b, &lo);
		if (rc == 0)
			rc = compare(c, B_LE, &a2, &d, &hi);
		sql_xv_release(&a2);
		if (rc == 0) {
			uint32_t n = c->nrows;
			if (lo.scalar && hi.scalar)
				n = 1;
			scalar_of(o, GT_BOOL);
			o->scalar = n == 1 && lo.scalar && hi.scalar;
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				int p = truth(&lo, i), q = truth(&hi, i);
				int r = (p == 0 || q == 0) ? 0 : (p < 0 || q < 0) ? -1 : 1;
				if (x->neg && r >= 0)
					r = !r;
				if (push_bool3(&o->v, r) < 0)
					rc = x_nomem(c);
			}
		}
		if (rc == 0 || lo.v.type)
			sql_xv_release(&lo);
		if (rc == 0 || hi.v.type)
			sql_xv_release(&hi);
		goto out;
	}
	case E_IN: {
		if ((rc = sql_eval(c, x->a, &a)) < 0)
			return rc;
		uint32_t n = a.scalar ? 1 : c->nrows;
		int *res = gt_calloc(n ? n : 1, sizeof(int));
		if (!res) {
			rc = x_nomem(c);
			goto out;
		}
		for (uint32_t k = 0; k < x->nargs && rc == 0; k++) {
			struct sql_xv v, r, a2;
			if ((rc = sql_eval(c, x->args[k], &v)) < 0)
				break;
			scalar_of(&a2, a.v.type);
			a2.scalar = a.scalar;
			a2.unit = a.unit;
			if (gt_vec_append(&a2.v, &a.v, 0, a.v.len) < 0)
				rc = x_nomem(c);
			if (rc == 0 && (rc = compare(c, B_EQ, &a2, &v, &r)) == 0) {
				for (uint32_t i = 0; i < n; i++) {
					int t = truth(&r, i);
					if (t == 1)
						res[i] = 1;
					else if (t < 0 && res[i] == 0)
						res[i] = -1;
				}
				sql_xv_release(&r);
			}
			sql_xv_release(&a2);
			sql_xv_release(&v);
		}
		if (rc == 0) {
			scalar_of(o, GT_BOOL);
			o->scalar = a.scalar;
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				int t = SQL_NULL(&a, i) ? -1 : res[i];
				if (x->neg && t >= 0)
					t = !t;
				if (push_bool3(&o->v, t) < 0)
					rc = x_nomem(c);
			}
		}
		free(res);
		goto out;
	}
	case E_LIKE: {
		if ((rc = sql_eval(c, x->a, &a)) < 0 || (rc = sql_eval(c, x->b, &b)) < 0)
			goto out;
		uint32_t n = out_rows(&a, &b, c->nrows);
		scalar_of(o, GT_BOOL);
		o->scalar = n == 1 && a.scalar && b.scalar;
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			char b1[64], b2[64];
			const char *s1, *s2;
			uint32_t l1, l2;
			if (SQL_NULL(&a, i) || SQL_NULL(&b, i)) {
				if (gt_vec_push_null(&o->v) < 0)
					rc = x_nomem(c);
				continue;
			}
			sql_xv_text(&a, i, b1, sizeof(b1), &s1, &l1);
			sql_xv_text(&b, i, b2, sizeof(b2), &s2, &l2);
			if (gt_vec_push_bool(&o->v, like_match(s1, l1, s2, l2, x->icase) != x->neg) < 0)
				rc = x_nomem(c);
		}
		goto out;
	}
	case E_CAST:
		if ((rc = sql_eval(c, x->a, &a)) < 0)
			return rc;
		if (x->cast_type == SQL_CAST_INTERVAL)
			rc = cast_interval(c, &a, o);
		else
			rc = cast_to(c, &a, x->cast_type, x->cast_unit, x->cast_lt, o);
		goto out;
	case E_CASE: {
		/* Evaluate every branch over the frame, then pick per row. */
		uint32_t nb = x->nargs / 2;
		struct sql_xv *br = gt_calloc((size_t)x->nargs + 1, sizeof(*br));
		if (!br)
			return x_nomem(c);
		for (uint32_t k = 0; k < x->nargs && rc == 0; k++)
			rc = sql_eval(c, x->args[k], &br[k]);
		if (rc == 0) {
			if (x->a)
				rc = sql_eval(c, x->a, &br[x->nargs]);
			else {
				scalar_of(&br[x->nargs], br[1].v.type);
				if (gt_vec_push_null(&br[x->nargs].v) < 0)
					rc = x_nomem(c);
			}
		}
		if (rc == 0) {
			uint8_t t = br[1].v.type;
			for (uint32_t k = 0; k <= nb; k++) {
				struct sql_xv *v = &br[k < nb ? 2 * k + 1 : x->nargs];
				if (v->v.type == GT_F64 && t == GT_I64)
					t = GT_F64;
			}
			scalar_of(o, t);
			o->scalar = false;
			o->unit = br[1].unit;
			for (uint32_t i = 0; i < c->nrows && rc == 0; i++) {
				uint32_t k;
				for (k = 0; k < nb; k++)
					if (truth(&br[2 * k], i) == 1)
						break;
				struct sql_xv *v = &br[k < nb ? 2 * k + 1 : x->nargs];
				int r;
				if (SQL_NULL(v, i))
					r = gt_vec_push_null(&o->v);
				else if (t == GT_F64)
					r = gt_vec_push_f64(&o->v, sql_xv_f64(v, i));
				else if (v->v.type == t)
					r = gt_vec_push_from(&o->v, &v->v, SQL_IX(v, i));
				else
					r = gt_vec_push_i64(&o->v, sql_xv_i64(v, i));
				if (r < 0)
					rc = x_nomem(c);
			}
		}
		for (uint32_t k = 0; k <= x->nargs; k++)
			sql_xv_release(&br[k]);
		free(br);
		goto out;
	}
	case E_WINDOW:
		return sql_window_eval(c, x, o);
	case E_FUNC:
		if (sql_is_agg(x))
			return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: aggregate %s is not allowed here", x->s);
		return func(c, x, o);
	default:
		return sql_err(c->e, GT_STATUS_UNSUPPORTED, "unsupported expression");
	}
out:
	sql_xv_release(&a);
	sql_xv_release(&b);
	sql_xv_release(&d);
	if (rc < 0)
		sql_xv_release(o);
	return rc;
}

static int name_rec(struct gt_buf *b, const struct sql_expr *x, const char *table, int depth);

const char *sql_dt_name(uint8_t t, uint8_t lt)
{
	static const char *const lnames[] = {
		[GT_LT_I8] = "Int8(Int8Type)", [GT_LT_I16] = "Int16(Int16Type)", [GT_LT_I32] = "Int32(Int32Type)",
		[GT_LT_U8] = "UInt8(UInt8Type)", [GT_LT_U16] = "UInt16(UInt16Type)", [GT_LT_U32] = "UInt32(UInt32Type)",
		[GT_LT_F32] = "Float32(Float32Type)", [GT_LT_DATE] = "Date(DateType)", [GT_LT_BINARY] = "Binary(BinaryType)",
	};
	if (lt && lt < GT_ARRAY_LEN(lnames))
		return lnames[lt];
	switch (t) {
	case GT_STRING: return "String(StringType { size_type: Utf8 })";
	case GT_F64: return "Float64(Float64Type)";
	case GT_I64: return "Int64(Int64Type)";
	case GT_U64: return "UInt64(UInt64Type)";
	case GT_BOOL: return "Boolean(BooleanType)";
	default: return "Timestamp";
	}
}

const char *sql_arrow_type_name(uint8_t t, uint8_t unit, uint8_t lt)
{
	static const char *const lnames[] = {
		[GT_LT_I8] = "Int8", [GT_LT_I16] = "Int16", [GT_LT_I32] = "Int32", [GT_LT_U8] = "UInt8",
		[GT_LT_U16] = "UInt16", [GT_LT_U32] = "UInt32", [GT_LT_F32] = "Float32", [GT_LT_DATE] = "Date32",
		[GT_LT_BINARY] = "Binary", [GT_LT_TIME] = "Time64(ns)",
	};
	static const char *const ts[] = {
		[GT_UNIT_S] = "Timestamp(s)", [GT_UNIT_MS] = "Timestamp(ms)", [GT_UNIT_US] = "Timestamp(µs)",
		[GT_UNIT_NS] = "Timestamp(ns)",
	};
	static const char *const durations[] = {
		[GT_UNIT_S] = "Duration(s)", [GT_UNIT_MS] = "Duration(ms)", [GT_UNIT_US] = "Duration(µs)",
		[GT_UNIT_NS] = "Duration(ns)",
	};
	if (lt == GT_LT_DURATION && unit < GT_ARRAY_LEN(durations) && durations[unit])
		return durations[unit];
	if (lt && lt < GT_ARRAY_LEN(lnames) && lnames[lt])
		return lnames[lt];
	switch (t) {
	case GT_STRING: return "Utf8";
	case GT_F64: return "Float64";
	case GT_I64: return "Int64";
	case GT_U64: return "UInt64";
	case GT_BOOL: return "Boolean";
	default: return unit < GT_ARRAY_LEN(ts) && ts[unit] ? ts[unit] : "Timestamp(ms)";
	}
}

bool sql_str_to_num(const char *s, size_t n, uint8_t type, uint8_t lt, union sql_num *out)
{
	char buf[128], *ep;
	if (n == 0 || n >= sizeof(buf) || isspace((unsigned char)s[0]))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	errno = 0;
	switch (type) {
	case GT_BOOL:
		out->i = !strcmp(buf, "true");
		return out->i || !strcmp(buf, "false");
	case GT_F64:
		out->f = strtod(buf, &ep);
		return !*ep && !(lt == GT_LT_F32 && isfinite(out->f) && fabs(out->f) > FLT_MAX);
	case GT_U64:
		out->u = strtoull(buf, &ep, 10);
		return buf[0] != '-' && !*ep && !errno && gt_ltype_fits_u64(lt, out->u);
	case GT_I64:
		out->i = strtoll(buf, &ep, 10);
		return !*ep && !errno && gt_ltype_fits_i64(lt, out->i);
	default:
		return false;
	}
}

/* " RANGE 5s FILL PREV" after a range aggregate's name. */
static int range_name(struct gt_buf *b, const struct sql_range *r, const char *table, int depth)
{
	static const char *const fills[] = {"", " FILL NULL", " FILL PREV", " FILL LINEAR", " FILL "};
	gt_buf_addstr(b, " RANGE ");
	if (r->dur->kind == E_STR)
		gt_buf_addstr(b, r->dur->s);
	else
		name_rec(b, r->dur, table, depth + 1);
	gt_buf_addstr(b, fills[r->fill < GT_ARRAY_LEN(fills) ? r->fill : 0]);
	return r->fill == SQL_FILL_CONST ? gt_buf_addstr(b, r->fillv) : 0;
}

static int name_rec(struct gt_buf *b, const struct sql_expr *x, const char *table, int depth)
{
	static const char *const binops[] = {"", "+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=",
					    "AND", "OR", "||", "@@"};
	if (depth > GT_SQL_MAX_DEPTH * 2)
		return gt_buf_addstr(b, "...");
	/* DataFusion names a bound placeholder as written in the plan ($1: GreptimeDB numbers MySQL's ?). */
	if (x->param)
		return gt_buf_addf(b, "$%u", (unsigned)x->param);
	switch (x->kind) {
	case E_NULL:
		return gt_buf_addstr(b, "NULL");
	case E_INT:
		return gt_buf_addf(b, "Int64(%lld)", (long long)x->i);
	case E_FLOAT: {
		char f[64];
		gt_fmt_f64(f, sizeof(f), x->f);
		return gt_buf_addf(b, "Float64(%s)", f);
	}
	case E_BOOL:
		return gt_buf_addf(b, "Boolean(%s)", x->i ? "true" : "false");
	case E_STR:
		return gt_buf_addf(b, "Utf8(\"%s\")", x->s);
	case E_INTERVAL:
		return gt_buf_addf(b, "IntervalMonthDayNano(\"IntervalMonthDayNano { months: %lld, days: %lld, nanoseconds: %lld }\")",
				   (long long)x->i2, (long long)x->days, (long long)(x->i - x->days * 86400000000000LL));
	case E_COL:
		/* A join has no one table: its columns keep the qualifier written. */
		if (table || x->q)
			return gt_buf_addf(b, "%s.%s", table ? table : x->q, x->s);
		return gt_buf_addstr(b, x->s);
	case E_STAR:
		return gt_buf_addstr(b, "*");
	case E_NEG:
		gt_buf_addstr(b, "(- ");
		name_rec(b, x->a, table, depth + 1);
		return gt_buf_addstr(b, ")");
	case E_NOT:
		gt_buf_addstr(b, "NOT ");
		return name_rec(b, x->a, table, depth + 1);
	case E_BIN:
		name_rec(b, x->a, table, depth + 1);
		gt_buf_addf(b, " %s ", binops[x->op < GT_ARRAY_LEN(binops) ? x->op : 0]);
		return name_rec(b, x->b, table, depth + 1);
	case E_CAST:
		/* DataFusion names a cast by its operand alone; GreptimeDB's arrow_cast rewrite by the call. */
		if (x->s) {
			gt_buf_addstr(b, "arrow_cast(");
			name_rec(b, x->a, table, depth + 1);
			return gt_buf_addf(b, ",Utf8(\"%s\"))", x->s);
		}
		return name_rec(b, x->a, table, depth + 1);
	case E_ISNULL:
		name_rec(b, x->a, table, depth + 1);
		return gt_buf_addstr(b, x->neg ? " IS NOT NULL" : " IS NULL");
	case E_BETWEEN:
		name_rec(b, x->a, table, depth + 1);
		gt_buf_addstr(b, x->neg ? " NOT BETWEEN " : " BETWEEN ");
		name_rec(b, x->b, table, depth + 1);
		gt_buf_addstr(b, " AND ");
		return name_rec(b, x->c, table, depth + 1);
	case E_LIKE:
		name_rec(b, x->a, table, depth + 1);
		gt_buf_addstr(b, x->icase ? (x->neg ? " NOT ILIKE " : " ILIKE ") : (x->neg ? " NOT LIKE " : " LIKE "));
		return name_rec(b, x->b, table, depth + 1);
	case E_IN:
		name_rec(b, x->a, table, depth + 1);
		gt_buf_addstr(b, x->neg ? " NOT IN ([" : " IN ([");
		for (uint32_t k = 0; k < x->nargs; k++) {
			if (k)
				gt_buf_addstr(b, ", ");
			name_rec(b, x->args[k], table, depth + 1);
		}
		return gt_buf_addstr(b, "])");
	case E_CASE:
		gt_buf_addstr(b, "CASE");
		for (uint32_t k = 0; k + 1 < x->nargs; k += 2) {
			gt_buf_addstr(b, " WHEN ");
			name_rec(b, x->args[k], table, depth + 1);
			gt_buf_addstr(b, " THEN ");
			name_rec(b, x->args[k + 1], table, depth + 1);
		}
		if (x->a) {
			gt_buf_addstr(b, " ELSE ");
			name_rec(b, x->a, table, depth + 1);
		}
		return gt_buf_addstr(b, " END");
	case E_WINDOW:
	case E_FUNC:
		/* DataFusion names an alias by its function (covar is covar_samp). */
		/* DataFusion names PostgreSQL's version() bare, as a column. */
		if (!strcmp(x->s, "version") && !x->nargs)
			return gt_buf_addstr(b, "version");
		gt_buf_addf(b, "%s(", strcmp(x->s, "covar") ? x->s : "covar_samp");
		if (x->distinct)
			gt_buf_addstr(b, "DISTINCT ");
		for (uint32_t k = 0; k < x->nargs; k++) {
			if (k)
				gt_buf_addstr(b, ",");
			/* GreptimeDB's range planner rewrites count(*) as count(1). */
			if (x->range && x->args[k]->kind == E_STAR)
				gt_buf_addstr(b, "Int64(1)");
			else
				name_rec(b, x->args[k], table, depth + 1);
		}
		gt_buf_addstr(b, ")");
		if (x->ord) {
			gt_buf_addstr(b, x->within ? " WITHIN GROUP [" : " ORDER BY [");
			name_rec(b, x->ord, table, depth + 1);
			gt_buf_addstr(b, x->ord_desc ? " DESC NULLS FIRST]" : " ASC NULLS LAST]");
		}
		if (x->kind == E_WINDOW) {
			/* DataFusion: f(args) PARTITION BY [..] ORDER BY [..] <frame> */
			if (x->npart) {
				gt_buf_addstr(b, " PARTITION BY [");
				for (uint32_t k = 0; k < x->npart; k++) {
					if (k)
						gt_buf_addstr(b, ", ");
					name_rec(b, x->part[k], table, depth + 1);
				}
				gt_buf_addstr(b, "]");
			}
			if (x->nworder) {
				gt_buf_addstr(b, " ORDER BY [");
				for (uint32_t k = 0; k < x->nworder; k++) {
					const struct sql_order *o = &x->worder[k];
					bool nf = o->nulls_first < 0 ? o->desc : o->nulls_first;
					if (k)
						gt_buf_addstr(b, ", ");
					name_rec(b, o->e, table, depth + 1);
					gt_buf_addf(b, " %s NULLS %s", o->desc ? "DESC" : "ASC", nf ? "FIRST" : "LAST");
				}
				gt_buf_addstr(b, "] RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW");
			} else {
				gt_buf_addstr(b, " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING");
			}
		}
		if (x->range)
			return range_name(b, x->range, table, depth);
		return 0;
	default:
		return gt_buf_addstr(b, "?");
	}
}

int sql_expr_name(struct gt_buf *b, const struct sql_expr *x, const char *table)
{
	if (x->kind == E_COL)
		return gt_buf_addstr(b, x->s);
	return name_rec(b, x, table, 0);
}

int sql_expr_name_q(struct gt_buf *b, const struct sql_expr *x, const char *table)
{
	return name_rec(b, x, table, 0);
}
