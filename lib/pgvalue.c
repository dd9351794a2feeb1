/*
 * pgvalue.c - gt values as a PostgreSQL client sees them: type OIDs,
 * the text and binary forms of result values, and Bind parameters
 * turned back into SQL literals (pgwire-int.h).
 *
 * Binary forms (big-endian): bool 1 byte; int2/int4/int8 two's
 * complement; float4/float8 IEEE 754; timestamp int64 microseconds since
 * 2000-01-01 00:00:00; date int32 days since 2000-01-01; time int64
 * microseconds since midnight; interval int64 microseconds | int32
 * days | int32 months (a duration: all in the microseconds); numeric
 * int16 ndigits | int16 weight | int16 sign | int16 dscale | ndigits x
 * int16 base-10000 digits; text and bytea their bytes.
 */
#include "pgwire-int.h"
#include "dtoa.h"
#include "timeutil.h"

#include <math.h>

#define PG_EPOCH_DAYS 10957          /* 2000-01-01 in days since 1970-01-01 */

static const struct gt_pg_type t_bool = {GT_PG_BOOL, 1, "boolean"};
static const struct gt_pg_type t_int2 = {GT_PG_INT2, 2, "smallint"};
static const struct gt_pg_type t_int4 = {GT_PG_INT4, 4, "integer"};
static const struct gt_pg_type t_int8 = {GT_PG_INT8, 8, "bigint"};
static const struct gt_pg_type t_numeric = {GT_PG_NUMERIC, -1, "numeric"};
static const struct gt_pg_type t_float4 = {GT_PG_FLOAT4, 4, "real"};
static const struct gt_pg_type t_float8 = {GT_PG_FLOAT8, 8, "double precision"};
static const struct gt_pg_type t_text = {GT_PG_TEXT, -1, "text"};
static const struct gt_pg_type t_bytea = {GT_PG_BYTEA, -1, "bytea"};
static const struct gt_pg_type t_ts = {GT_PG_TIMESTAMP, 8, "timestamp without time zone"};
static const struct gt_pg_type t_date = {GT_PG_DATE, 4, "date"};
static const struct gt_pg_type t_time = {GT_PG_TIME, 8, "time without time zone"};
static const struct gt_pg_type t_interval = {GT_PG_INTERVAL, 16, "interval"};

const struct gt_pg_type *gt_pg_type_of(unsigned type, unsigned unit, unsigned lt)
{
	(void)unit;
	switch (lt) {
	case GT_LT_I8: case GT_LT_I16: case GT_LT_U8: return &t_int2;
	case GT_LT_I32: case GT_LT_U16: return &t_int4;
	case GT_LT_U32: return &t_int8;
	case GT_LT_F32: return &t_float4;
	case GT_LT_DATE: return &t_date;
	case GT_LT_BINARY: return &t_bytea;
	case GT_LT_TIME: return &t_time;
	case GT_LT_DURATION: return &t_interval;
	default: break;
	}
	switch (type) {
	case GT_BOOL: return &t_bool;
	case GT_I64: return &t_int8;
	case GT_U64: return &t_numeric;
	case GT_F64: return &t_float8;
	case GT_TS: return &t_ts;
	default: return &t_text;
	}
}

static int put_be(struct gt_buf *b, uint64_t v, unsigned n)
{
	uint8_t x[8];
	for (unsigned i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return gt_buf_add(b, x, n);
}

/* Digits of v, zero-padded to width, into p; returns the count written. */
static int put_digits(char *p, uint64_t v, int width)
{
	char t[24];
	int n = 0, k = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		t[n++] = '0';
	while (n)
		p[k++] = t[--n];
	return k;
}

/* PostgreSQL's float output (extra_float_digits = 1, the default since 12):
 * the shortest digits that read back, plain for exponents -4..14 (6 for
 * real), else d.ddde+XX; into out (room for GT_PG_TEXT_FIXED), its length. */
static int text_float(char *out, double x, bool f32)
{
	char digits[24];
	int e10, nd, n = 0;
	const char *w = NULL;

	if (isnan(x))
		w = "NaN";
	else if (isinf(x))
		w = x > 0 ? "Infinity" : "-Infinity";
	else if (x == 0)
		w = signbit(x) ? "-0" : "0";
	if (w) {
		n = (int)strlen(w);
		memcpy(out, w, (size_t)n);
		return n;
	}
	nd = gt_dtoa_digits(x, f32, digits, &e10);
	if (x < 0)
		out[n++] = '-';
	if (e10 < -4 || e10 >= (f32 ? 6 : 15)) {
		out[n++] = digits[0];
		if (nd > 1) {
			out[n++] = '.';
			memcpy(out + n, digits + 1, (size_t)nd - 1);
			n += nd - 1;
		}
		out[n++] = 'e';
		out[n++] = e10 < 0 ? '-' : '+';
		n += put_digits(out + n, (uint64_t)abs(e10), 2);
	} else if (e10 < 0) {
		out[n++] = '0';
		out[n++] = '.';
		for (int i = 0; i < -e10 - 1; i++)
			out[n++] = '0';
		memcpy(out + n, digits, (size_t)nd);
		n += nd;
	} else {
		for (int i = 0; i <= e10 || i < nd; i++) {
			if (i == e10 + 1)
				out[n++] = '.';
			out[n++] = i < nd ? digits[i] : '0';
		}
	}
	return n;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 'YYYY-MM-DD' into p (room for 24); returns its length.  (No printf: this runs per row.) */
static int fmt_date(char *p, int64_t days)
{
	int64_t y;
	unsigned m, d;
	int n = 0;
	gt_civil_from_days(days, &y, &m, &d);
	if (y < 0) {
		p[n++] = '-';
		y = -y;
	}
	n += put_digits(p + n, (uint64_t)y, 4);
	p[n++] = '-';
	n += put_digits(p + n, m, 2);
	p[n++] = '-';
	n += put_digits(p + n, d, 2);
	return n;
}

static int put_date(struct gt_buf *b, int64_t days)
{
	char p[24];
	return gt_buf_add(b, p, (size_t)fmt_date(p, days));
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* 'YYYY-MM-DD HH:MM:SS[.ffffff]', trailing zeros of the fraction dropped as
 * PostgreSQL does.  The date of the last day seen is kept per thread: a
 * series' rows, and the series of one time, mostly share their day. */
static int text_ts(char *p, int64_t us)
{
	static _Thread_local struct {
		bool ok;
		int64_t days;
		int n;
		char p[24];
	} day;
	int64_t days = floor_div(us, 86400000000LL), rem = us - days * 86400000000LL;
	unsigned s = (unsigned)(rem / 1000000), frac = (unsigned)(rem % 1000000);
	int n;

	if (!day.ok || day.days != days) {
		day.n = fmt_date(day.p, days);
		day.days = days;
		day.ok = true;
	}
	memcpy(p, day.p, (size_t)day.n);
	n = day.n;
	p[n++] = ' ';
	put2(p + n, s / 3600);
	p[n + 2] = ':';
	put2(p + n + 3, s / 60 % 60);
	p[n + 5] = ':';
	put2(p + n + 6, s % 60);
	n += 8;
	if (frac) {
		p[n++] = '.';
		n += put_digits(p + n, frac, 6);
		while (p[n - 1] == '0')
			n--;
	}
	return n;
}

static int put_ts(struct gt_buf *b, int64_t us)
{
	char p[GT_PG_TEXT_FIXED];
	return gt_buf_add(b, p, (size_t)text_ts(p, us));
}

static int64_t ts_to_us(int64_t v, unsigned unit)
{
	switch (unit) {
	case GT_UNIT_S: return v * 1000000;
	case GT_UNIT_MS: return v * 1000;
	case GT_UNIT_NS: return floor_div(v, 1000);
	default: return v;
	}
}

/* 'HH:MM:SS[.ffffff]' of a time of day or a span in microseconds (hours
 * past 24 as they are, '-' before a negative span), as GreptimeDB's
 * interval text writes a duration: zero is 00:00:00, a fraction has six
 * digits.  Returns the length. */
static int text_hms(char *p, int64_t us, bool trim)
{
	uint64_t mag = us < 0 ? -(uint64_t)us : (uint64_t)us, s = mag / 1000000;
	unsigned frac = (unsigned)(mag % 1000000);
	int n = 0;
	if (us < 0)
		p[n++] = '-';
	n += put_digits(p + n, s / 3600, 2);
	p[n++] = ':';
	put2(p + n, (unsigned)(s / 60 % 60));
	p[n + 2] = ':';
	put2(p + n + 3, (unsigned)(s % 60));
	n += 5;
	if (frac) {
		p[n++] = '.';
		n += put_digits(p + n, frac, 6);
		while (trim && p[n - 1] == '0')
			n--;
	}
	return n;
}

/* numeric's binary form of an unsigned integer. */
static int put_numeric_u64(struct gt_buf *b, uint64_t v)
{
	uint16_t d[5];
	int n = 0, rc;
	while (v) {
		d[n++] = (uint16_t)(v % 10000);
		v /= 10000;
	}
	if ((rc = put_be(b, (uint64_t)n, 2)) || (rc = put_be(b, (uint64_t)(n ? n - 1 : 0), 2)) ||
	    (rc = put_be(b, 0, 2)) || (rc = put_be(b, 0, 2)))
		return rc;
	for (int i = n - 1; i >= 0; i--)
		if ((rc = put_be(b, d[i], 2)))
			return rc;
	return 0;
}

static const char hexd[] = "0123456789abcdef";

size_t gt_pg_text_size(const struct gt_pg_type *t, const struct gt_vec *v, uint32_t r)
{
	uint32_t n;
	if (v->type != GT_STRING)
		return GT_PG_TEXT_FIXED;
	gt_vec_str(v, r, &n);
	return t->oid == GT_PG_BYTEA ? 2 + 2 * (size_t)n : n;
}

size_t gt_pg_text(char *p, const struct gt_pg_type *t, unsigned unit, const struct gt_vec *v, uint32_t r)
{
	switch (v->type) {
	case GT_STRING: {
		uint32_t n;
		const char *s = gt_vec_str(v, r, &n);
		if (t->oid != GT_PG_BYTEA) {
			memcpy(p, s, n);
			return n;
		}
		p[0] = '\\';
		p[1] = 'x';
		for (uint32_t i = 0; i < n; i++) {
			p[2 + 2 * i] = hexd[(uint8_t)s[i] >> 4];
			p[3 + 2 * i] = hexd[(uint8_t)s[i] & 15];
		}
		return 2 + 2 * (size_t)n;
	}
	case GT_BOOL:
		p[0] = v->v.b[r] ? 't' : 'f';
		return 1;
	case GT_F64:
		return (size_t)text_float(p, v->v.f64[r], t->oid == GT_PG_FLOAT4);
	case GT_U64:
		return (size_t)gt_utoa(v->v.u64[r], p);
	case GT_TS:
		return (size_t)text_ts(p, ts_to_us(v->v.i64[r], unit));
	default:
		if (t->oid == GT_PG_DATE)
			return (size_t)fmt_date(p, v->v.i64[r]);
		if (t->oid == GT_PG_TIME)
			return (size_t)text_hms(p, floor_div(v->v.i64[r], 1000), true);
		if (t->oid == GT_PG_INTERVAL)
			return (size_t)text_hms(p, ts_to_us(v->v.i64[r], unit), false);
		if (v->v.i64[r] >= 0)
			return (size_t)gt_utoa((uint64_t)v->v.i64[r], p);
		p[0] = '-';
		return 1 + (size_t)gt_utoa(-(uint64_t)v->v.i64[r], p + 1);
	}
}

int gt_pg_value(struct gt_buf *b, const struct gt_sql_column *c, const struct gt_vec *v, uint32_t r, int fmt)
{
	const struct gt_pg_type *t = gt_pg_type_of(c->type, c->unit, c->lt);

	if (!fmt) {
		int rc = gt_buf_grow(b, gt_pg_text_size(t, v, r));
		if (rc)
			return rc;
		b->len += gt_pg_text(b->p + b->len, t, c->unit, v, r);
		b->p[b->len] = 0;
		return 0;
	}
	switch (v->type) {
	case GT_STRING: {
		uint32_t n;
		const char *s = gt_vec_str(v, r, &n);
		return gt_buf_add(b, s, n);
	}
	case GT_BOOL:
		return gt_buf_addch(b, v->v.b[r] ? 1 : 0);
	case GT_F64:
		if (t->oid == GT_PG_FLOAT4) {
			float f = (float)v->v.f64[r];
			uint32_t u;
			memcpy(&u, &f, 4);
			return put_be(b, u, 4);
		} else {
			uint64_t u;
			memcpy(&u, &v->v.f64[r], 8);
			return put_be(b, u, 8);
		}
	case GT_U64:
		if (t->oid == GT_PG_NUMERIC)
			return put_numeric_u64(b, v->v.u64[r]);
		return put_be(b, v->v.u64[r], (unsigned)t->len);
	case GT_TS:
		return put_be(b, (uint64_t)(ts_to_us(v->v.i64[r], c->unit) - PG_EPOCH_DAYS * 86400000000LL), 8);
	default:
		if (t->oid == GT_PG_DATE)
			return put_be(b, (uint64_t)(v->v.i64[r] - PG_EPOCH_DAYS), 4);
		if (t->oid == GT_PG_TIME)
			return put_be(b, (uint64_t)floor_div(v->v.i64[r], 1000), 8);
		if (t->oid == GT_PG_INTERVAL) {
			int rc = put_be(b, (uint64_t)ts_to_us(v->v.i64[r], c->unit), 8);
			return rc ? rc : put_be(b, 0, 8);
		}
		return put_be(b, (uint64_t)v->v.i64[r], (unsigned)t->len);
	}
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A quoted SQL string: ' doubled; a NUL byte is refused. */
static int put_quoted(struct gt_buf *sql, unsigned idx, const uint8_t *v, size_t n, struct gt_err *err)
{
	int rc;
	if (memchr(v, 0, n))
		return gt_errf(err, GT_EINVAL, "parameter $%u contains a NUL byte", idx);
	if ((rc = gt_buf_addch(sql, '\'')))
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((v[i] == '\'' && (rc = gt_buf_addch(sql, '\''))) || (rc = gt_buf_addch(sql, v[i])))
			return rc;
	return gt_buf_addch(sql, '\'');
}

/* Whether text is a number SQL reads as one: [+-]digits[.digits][e[+-]digits]. */
static bool numeric_text(const uint8_t *v, size_t n)
{
	size_t i = 0, digits = 0;
	if (i < n && (v[i] == '+' || v[i] == '-'))
		i++;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		digits++;
	if (i < n && v[i] == '.')
		for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++)
			digits++;
	if (!digits)
		return false;
	if (i < n && (v[i] == 'e' || v[i] == 'E')) {
		size_t ed = 0;
		if (++i < n && (v[i] == '+' || v[i] == '-'))
			i++;
		for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
			ed++;
		if (!ed)
			return false;
	}
	return i == n;
}

static bool text_eq(const uint8_t *v, size_t n, const char *s)
{
	return strlen(s) == n && !strncasecmp((const char *)v, s, n);
}

int gt_pg_param_literal(struct gt_buf *sql, unsigned idx, uint32_t oid, int fmt, const uint8_t *v, int32_t len,
			struct gt_err *err)
{
	size_t n = (size_t)len;
	struct gt_buf tmp = {0};
	int rc;

	if (len < 0)
		return gt_buf_addstr(sql, "NULL");
	if (!fmt) {
		switch (oid) {
		case GT_PG_INT2: case GT_PG_INT4: case GT_PG_INT8: case GT_PG_OID:
		case GT_PG_FLOAT4: case GT_PG_FLOAT8: case GT_PG_NUMERIC:
			if (text_eq(v, n, "NaN") || text_eq(v, n, "Infinity") || text_eq(v, n, "-Infinity"))
				return put_quoted(sql, idx, v, n, err);
			if (!numeric_text(v, n))
				return gt_errf(err, GT_EINVAL, "parameter $%u is not a number: '%.*s'", idx,
					       (int)GT_MIN(n, 64), (const char *)v);
			return gt_buf_add(sql, v, n);
		case GT_PG_BOOL:
			if (text_eq(v, n, "t") || text_eq(v, n, "true") || text_eq(v, n, "1") || text_eq(v, n, "yes") ||
			    text_eq(v, n, "on") || text_eq(v, n, "y"))
				return gt_buf_addstr(sql, "TRUE");
			if (text_eq(v, n, "f") || text_eq(v, n, "false") || text_eq(v, n, "0") || text_eq(v, n, "no") ||
			    text_eq(v, n, "off") || text_eq(v, n, "n"))
				return gt_buf_addstr(sql, "FALSE");
			return gt_errf(err, GT_EINVAL, "parameter $%u is not a boolean: '%.*s'", idx,
				       (int)GT_MIN(n, 64), (const char *)v);
		default:
			return put_quoted(sql, idx, v, n, err);
		}
	}
	switch (oid) {
	case GT_PG_BOOL:
		if (n != 1)
			break;
		return gt_buf_addstr(sql, v[0] ? "TRUE" : "FALSE");
	case GT_PG_INT2:
		if (n != 2)
			break;
		return gt_buf_add_i64(sql, (int16_t)get_be(v, 2));
	case GT_PG_INT4:
		if (n != 4)
			break;
		return gt_buf_add_i64(sql, (int32_t)get_be(v, 4));
	case GT_PG_OID:
		if (n != 4)
			break;
		return gt_buf_add_u64(sql, get_be(v, 4));
	case GT_PG_INT8:
		if (n != 8)
			break;
		return gt_buf_add_i64(sql, (int64_t)get_be(v, 8));
	case GT_PG_FLOAT4:
	case GT_PG_FLOAT8: {
		double d;
		char buf[48];
		if (n == 4 && oid == GT_PG_FLOAT4) {
			uint32_t u = (uint32_t)get_be(v, 4);
			float f;
			memcpy(&f, &u, 4);
			d = f;
		} else if (n == 8 && oid == GT_PG_FLOAT8) {
			uint64_t u = get_be(v, 8);
			memcpy(&d, &u, 8);
		} else {
			break;
		}
		if (!isfinite(d))
			return gt_buf_addf(sql, "'%s'", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
		int k = gt_dtoa(buf, sizeof(buf), d, oid == GT_PG_FLOAT4);
		return gt_buf_add(sql, buf, (size_t)k);
	}
	case GT_PG_TIMESTAMP:
	case GT_PG_TIMESTAMPTZ:
		if (n != 8)
			break;
		if ((rc = put_ts(&tmp, (int64_t)get_be(v, 8) + PG_EPOCH_DAYS * 86400000000LL)) == 0)
			rc = put_quoted(sql, idx, (const uint8_t *)tmp.p, tmp.len, err);
		gt_buf_release(&tmp);
		return rc;
	case GT_PG_DATE:
		if (n != 4)
			break;
		if ((rc = put_date(&tmp, (int32_t)get_be(v, 4) + PG_EPOCH_DAYS)) == 0)
			rc = put_quoted(sql, idx, (const uint8_t *)tmp.p, tmp.len, err);
		gt_buf_release(&tmp);
		return rc;
	case 0: case GT_PG_TEXT: case GT_PG_VARCHAR: case GT_PG_NAME: case GT_PG_UNKNOWN: case GT_PG_BYTEA:
	case GT_PG_CHAR:
		return put_quoted(sql, idx, v, n, err);
	default:
		return gt_errf(err, GT_EUNSUPP, "parameter $%u: binary format of type %u is not supported", idx, oid);
	}
	return gt_errf(err, GT_EINVAL, "parameter $%u: %zu bytes are not a binary value of type %u", idx, n, oid);
}

/*
 * Walk sql, calling fn on each $n outside quotes and comments (when fn is
 * NULL: stop at the first ';' there, returning its offset).  Quotes:
 * '...' ('' inside), "..." and `...`; comments: -- to the end of the
 * line and C style.  Returns len at the end, or fn's negative code.
 */
static long scan_params(const char *sql, size_t len, int (*fn)(void *ctx, size_t at, size_t end, unsigned n),
			void *ctx)
{
	size_t i = 0;
	while (i < len) {
		char ch = sql[i];
		if (ch == ';' && !fn) {
			return (long)i;
		} else if (ch == '\'' || ch == '"' || ch == '`') {
			for (i++; i < len; i++)
				if (sql[i] == ch) {
					if (i + 1 < len && sql[i + 1] == ch) {
						i++;
						continue;
					}
					break;
				}
			i++;
		} else if (ch == '-' && i + 1 < len && sql[i + 1] == '-') {
			while (i < len && sql[i] != '\n')
				i++;
		} else if (ch == '/' && i + 1 < len && sql[i + 1] == '*') {
			for (i += 2; i + 1 < len && !(sql[i] == '*' && sql[i + 1] == '/'); i++)
				;
			i += 2;
		} else if (ch == '$' && i + 1 < len && sql[i + 1] >= '0' && sql[i + 1] <= '9' &&
			   (i == 0 || !(sql[i - 1] == '_' || ((sql[i - 1] | 32) >= 'a' && (sql[i - 1] | 32) <= 'z') ||
					(sql[i - 1] >= '0' && sql[i - 1] <= '9')))) {
			size_t j = i + 1;
			unsigned long n = 0;
			while (j < len && sql[j] >= '0' && sql[j] <= '9') {
				if (n <= GT_PG_MAX_PARAMS)
					n = n * 10 + (unsigned long)(sql[j] - '0');
				j++;
			}
			int rc = fn ? fn(ctx, i, j, n > GT_PG_MAX_PARAMS ? GT_PG_MAX_PARAMS + 1 : (unsigned)n) : 0;
			if (rc)
				return rc;
			i = j;
		} else {
			i++;
		}
	}
	return (long)len;
}

size_t gt_pg_stmt_end(const char *sql, size_t len)
{
	long end = scan_params(sql, len, NULL, NULL);
	return (size_t)end;
}

static int max_fn(void *ctx, size_t at, size_t end, unsigned n)
{
	unsigned *m = ctx;
	(void)at;
	(void)end;
	if (n > GT_PG_MAX_PARAMS)
		return GT_ETOOBIG;
	if (n > *m)
		*m = n;
	return 0;
}

int gt_pg_max_param(const char *sql, size_t len)
{
	unsigned m = 0;
	long rc = scan_params(sql, len, max_fn, &m);
	return rc < 0 ? (int)rc : (int)m;
}

struct subst {
	struct gt_buf *out;
	const char *sql;
	size_t done;
	const char *lits;
	const size_t *off;
	unsigned n;
	struct gt_err *err;
};

static int subst_fn(void *ctx, size_t at, size_t end, unsigned n)
{
	struct subst *s = ctx;
	int rc;
	if (n < 1 || n > s->n)
		return gt_errf(s->err, GT_EINVAL, "there is no parameter $%u", n);
	if ((rc = gt_buf_add(s->out, s->sql + s->done, at - s->done)) ||
	    (rc = gt_buf_addstr(s->out, s->lits + s->off[n - 1])))
		return rc;
	s->done = end;
	return 0;
}

int gt_pg_substitute(struct gt_buf *out, const char *sql, size_t len, const char *lits, const size_t *off,
		     unsigned n, struct gt_err *err)
{
	struct subst s = {out, sql, 0, lits, off, n, err};
	long rc = scan_params(sql, len, subst_fn, &s);
	if (rc < 0)
		return (int)rc;
	return gt_buf_add(out, sql + s.done, len - s.done);
}

int gt_pg_output_text(struct gt_sql_result *res, const char *const *names, uint32_t ncols)
{
	struct gt_sql_output *o;
	memset(res, 0, sizeof(*res));
	if (!(res->outs = gt_calloc(1, sizeof(*res->outs))))
		return GT_ENOMEM;
	res->n = 1;
	o = &res->outs[0];
	o->kind = GT_SQL_RECORDS;
	gt_batch_init(&o->rows);
	if (!(o->cols = gt_calloc(ncols, sizeof(*o->cols))))
		return GT_ENOMEM;
	for (uint32_t i = 0; i < ncols; i++) {
		o->ncols++;
		o->cols[i].type = GT_STRING;
		if (!(o->cols[i].name = gt_strdup(names[i])) || gt_batch_add_col(&o->rows, i, GT_STRING) < 0)
			return GT_ENOMEM;
	}
	return 0;
}

int gt_pg_output_row(struct gt_sql_result *res, const char *const *vals)
{
	struct gt_sql_output *o = &res->outs[0];
	for (uint32_t i = 0; i < o->ncols; i++) {
		int rc = vals[i] ? gt_vec_push_str(&o->rows.cols[i], vals[i], strlen(vals[i]))
				 : gt_vec_push_null(&o->rows.cols[i]);
		if (rc < 0)
			return rc;
	}
	o->rows.nrows++;
	return 0;
}
