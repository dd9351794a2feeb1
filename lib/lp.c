/*
 * lp.c - InfluxDB line protocol parser.
 *
 * One pass over the buffer with a pointer; no line splitting first,
 * because a quoted string value may hold a newline.  Each token is found
 * by a byte loop over a 256-entry class table (one load and one test a
 * byte); only a token that meets a backslash, a lone '\r' or a NUL drops
 * into a slow path that unescapes in place with a write pointer behind
 * the read pointer.  Numbers are scanned once into a decimal mantissa and
 * exponent and converted exactly (Clinger's fast path) or by strtod.
 *
 * Positions for error messages are tracked as the current physical line
 * number and a pointer to its first byte, so a message costs nothing
 * until it is needed; in-place unescaping never moves the read pointer,
 * so columns stay those of the text the user sent.
 */
#include "lp.h"

#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "buf.h"

/* Byte classes.  A "stop" class ends a token of that kind; the slow
 * path decides what a backslash, a '\r' or a NUL means. */
enum {
	C_MEAS = 1 << 0,    /* ends a measurement or a tag value */
	C_KEY = 1 << 1,     /* ends a tag key or a field key */
	C_VAL = 1 << 2,     /* ends an unquoted field value or a timestamp */
	C_STR = 1 << 3,     /* interesting inside a quoted string */
	C_ESC_M = 1 << 4,   /* escapable in a measurement */
	C_ESC_T = 1 << 5,   /* escapable in tag keys, tag values, field keys */
};

static const uint8_t cls[256] = {
	['\0'] = C_MEAS | C_KEY,
	['\t'] = C_MEAS | C_KEY | C_VAL,
	['\n'] = C_MEAS | C_KEY | C_VAL | C_STR,
	['\r'] = C_MEAS | C_KEY | C_VAL,
	[' '] = C_MEAS | C_KEY | C_VAL | C_ESC_M | C_ESC_T,
	[','] = C_MEAS | C_VAL | C_ESC_M | C_ESC_T,
	['='] = C_KEY | C_ESC_T,
	['"'] = C_STR,
	['\\'] = C_MEAS | C_KEY | C_STR | C_ESC_M | C_ESC_T,
};

#define STACK_TAGS 32
#define STACK_FIELDS 32

struct lp {
	char *end;
	char *ls;               /* first byte of the current physical line */
	uint64_t line;          /* its number */
	struct gt_err *err;
	struct gt_lp_tag *tags;
	struct gt_lp_field *fields;
	uint32_t tcap, fcap;
	void *heap_tags, *heap_fields;
	int rc;                 /* why the last scanner returned NULL */
};

static inline int at_eol(const char *p, const char *end)
{
	return p == end || *p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'));
}

/* Copy up to 40 bytes of s for a message, control bytes as '?'. */
static const char *show(char *out, size_t cap, const char *s, size_t n)
{
	size_t i, k = GT_MIN(n, cap - 4);

	for (i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (k < n)
		memcpy(out + i, "...", 3), i += 3;
	out[i] = '\0';
	return out;
}

#define SHOW(buf, s, n) show(buf, sizeof(buf), s, n)

static const char *show_char(char *out, size_t cap, char c)
{
	if (c == '\t')
		return "a tab";
	if (c == '\r')
		return "a carriage return";
	if ((unsigned char)c < 0x20 || c == 0x7f)
		snprintf(out, cap, "byte 0x%02x", (unsigned char)c);
	else
		snprintf(out, cap, "'%c'", c);
	return out;
}

__attribute__((cold, noinline))
static int lp_nomem(struct lp *st)
{
	st->rc = GT_ENOMEM;
	return gt_errf(st->err, GT_ENOMEM, "out of memory");
}

__attribute__((format(printf, 3, 4), cold, noinline))
static int lp_fail(struct lp *st, const char *at, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	st->rc = GT_EINVAL;
	if (!st->err)
		return GT_EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gt_errf(st->err, GT_EINVAL, "line %llu, column %zu: %s",
		       (unsigned long long)st->line,
		       at >= st->ls ? (size_t)(at - st->ls) + 1 : 1, msg);
}

/*
 * Names.  The fast path stops at the first byte of the token's stop
 * class; the slow path takes over at a backslash, a '\r' or a NUL and
 * copies the rest of the token down over the escapes.
 */
__attribute__((noinline))
static char *scan_name_slow(struct lp *st, char *s, char *p, unsigned stop, unsigned esc,
			    const char *what, struct gt_lp_str *out)
{
	char *w = p, *end = st->end;

	while (p < end) {
		char c = *p;
		if (c == '\\') {
			if (p + 1 == end || at_eol(p + 1, end))
				return lp_fail(st, p, "%s ends with a backslash", what), NULL;
			if (p[1] == '\0')
				return lp_fail(st, p + 1, "NUL byte in %s", what), NULL;
			if (!(cls[(unsigned char)p[1]] & esc))
				*w++ = '\\';
			*w++ = p[1];
			p += 2;
		} else if (c == '\r' && !at_eol(p, end)) {
			*w++ = *p++;
		} else if (c == '\0') {
			return lp_fail(st, p, "NUL byte in %s", what), NULL;
		} else {
			break;
		}
		while (p < end && !(cls[(unsigned char)*p] & stop))
			*w++ = *p++;
	}
	if (GT_UNLIKELY((size_t)(w - s) > UINT32_MAX))
		return lp_fail(st, s, "%s longer than 4 GiB", what), NULL;
	out->p = s;
	out->n = (uint32_t)(w - s);
	return p;
}

/*
 * First byte at or after p of class stop (C_MEAS or C_KEY), or end.
 * With SSE2, 16 bytes a step: a candidate is any byte <= ' ' (all the
 * control stops and the space), the backslash, or the class's own
 * separator (',' or '='); the table then confirms it.
 */
static inline char *skip_name(char *p, char *end, unsigned stop)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' '), bs = _mm_set1_epi8('\\');
	const __m128i sep = _mm_set1_epi8(stop == C_KEY ? '=' : ',');

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x),
					 _mm_or_si128(_mm_cmpeq_epi8(x, sep), _mm_cmpeq_epi8(x, bs)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (!mask) {
			p += 16;
			continue;
		}
		p += __builtin_ctz(mask);
		if (cls[(unsigned char)*p] & stop)
			return p;
		p++;
	}
#endif
	while (p < end && !(cls[(unsigned char)*p] & stop))
		p++;
	return p;
}

static inline char *scan_name(struct lp *st, char *p, unsigned stop, unsigned esc,
			      const char *what, struct gt_lp_str *out)
{
	char *s = p, *end = st->end;

	p = skip_name(p, end, stop);
	if (GT_UNLIKELY(p < end && (*p == '\\' || *p == '\r' || *p == '\0')) ||
	    GT_UNLIKELY((size_t)(p - s) > UINT32_MAX))
		return scan_name_slow(st, s, p, stop, esc, what, out);
	out->p = s;
	out->n = (uint32_t)(p - s);
	return p;
}

/*
 * Decimal numbers.  scan_dec() reads [+-]digits[.digits][(e|E)[+-]digits]
 * (at least one mantissa digit) and keeps up to 19 significant digits in
 * man with the decimal exponent in exp; more digits set many, and the
 * value then comes from strtod.
 */
struct dec {
	uint64_t man;
	int64_t exp;
	uint8_t neg, many, dot, has_exp;
};

static inline const char *scan_dec(const char *p, const char *end, struct dec *d)
{
	uint64_t m = 0;
	int64_t exp = 0;
	unsigned nsig = 0, ndig = 0;
	int many = 0;

	d->neg = d->dot = d->has_exp = 0;
	if (p < end && (*p == '-' || *p == '+'))
		d->neg = *p++ == '-';
	while (p < end && (unsigned)(*p - '0') < 10) {
		if (nsig < 19) {
			m = m * 10 + (unsigned)(*p - '0');
			nsig += m != 0;
		} else {
			many = 1;
		}
		ndig++;
		p++;
	}
	if (p < end && *p == '.') {
		d->dot = 1;
		p++;
		while (p < end && (unsigned)(*p - '0') < 10) {
			if (nsig < 19) {
				m = m * 10 + (unsigned)(*p - '0');
				nsig += m != 0;
				exp--;
			} else {
				many = 1;
			}
			ndig++;
			p++;
		}
	}
	if (!ndig)
		return NULL;
	if (p < end && (*p | 0x20) == 'e') {
		const char *q = p + 1;
		int eneg = 0;
		int64_t e = 0;
		if (q < end && (*q == '-' || *q == '+'))
			eneg = *q++ == '-';
		if (q < end && (unsigned)(*q - '0') < 10) {
			while (q < end && (unsigned)(*q - '0') < 10) {
				if (e < 1000000)
					e = e * 10 + (*q - '0');
				q++;
			}
			exp += eneg ? -e : e;
			d->has_exp = 1;
			p = q;
		}
	}
	d->man = m;
	d->exp = exp;
	d->many = (uint8_t)many;
	return p;
}

static const double p10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* strtod on a NUL-terminated copy of s[0..n).  Returns 0, 1 if the value
 * overflows to infinity, GT_EINVAL or GT_ENOMEM. */
__attribute__((noinline))
static int f64_slow(const char *s, size_t n, double *out)
{
	char stack[128], *copy = stack, *e;
	double v;
	int rc = 0;

	if (n >= sizeof(stack)) {
		copy = gt_malloc(n + 1);
		if (!copy)
			return GT_ENOMEM;
	}
	memcpy(copy, s, n);
	copy[n] = '\0';
	v = strtod(copy, &e);
	if (e != copy + n)
		rc = GT_EINVAL;
	else if (isinf(v))
		rc = 1;
	if (copy != stack)
		free(copy);
	*out = v;
	return rc;
}

/* Value of a scanned decimal s[0..n); same returns as f64_slow(). */
static inline int dec_f64(const struct dec *d, const char *s, size_t n, double *out)
{
	const uint64_t max53 = (uint64_t)1 << 53;
	uint64_t m = d->man;
	int64_t e = d->exp;
	double v;

	if (GT_UNLIKELY(d->many))
		return f64_slow(s, n, out);
	if (m == 0) {
		*out = d->neg ? -0.0 : 0.0;
		return 0;
	}
	if (GT_UNLIKELY(m > max53))
		return f64_slow(s, n, out);
	if (e < 0) {
		if (GT_UNLIKELY(e < -22))
			return f64_slow(s, n, out);
		v = (double)m / p10[-e];
	} else if (e <= 22) {
		v = (double)m * p10[e];
	} else {
		/* 1e30 is 10^8 * 10^22: move the excess into an exact mantissa. */
		if (e > 22 + 16)
			return f64_slow(s, n, out);
		for (; e > 22; e--) {
			m *= 10;
			if (m > max53)
				return f64_slow(s, n, out);
		}
		v = (double)m * p10[22];
	}
	*out = d->neg ? -v : v;
	return 0;
}

int gt_parse_f64(const char *s, size_t n, double *out)
{
	struct dec d;
	const char *e = scan_dec(s, s + n, &d);
	int rc;

	if (!e || e != s + n)
		return GT_EINVAL;
	rc = dec_f64(&d, s, n, out);
	return rc == 1 ? GT_EINVAL : rc;
}

/* Integer of s[0..n) (sign allowed if sign_ok), |value| <= lim.
 * Returns 0, GT_EINVAL (not an integer) or GT_ETOOBIG (out of range). */
static int parse_int(const char *s, size_t n, int sign_ok, uint64_t lim, int *neg, uint64_t *out)
{
	const char *end = s + n;
	uint64_t v = 0;

	*neg = 0;
	if (sign_ok && s < end && (*s == '-' || *s == '+'))
		*neg = *s++ == '-';
	if (s == end)
		return GT_EINVAL;
	for (; s < end; s++) {
		unsigned c = (unsigned)(*s - '0');
		if (c >= 10)
			return GT_EINVAL;
		if (v > (UINT64_MAX - c) / 10)
			return GT_ETOOBIG;
		v = v * 10 + c;
	}
	if (v > lim + (uint64_t)*neg)
		return GT_ETOOBIG;
	*out = v;
	return 0;
}

static inline char *val_end(char *p, char *end)
{
	while (p < end && !(cls[(unsigned char)*p] & C_VAL))
		p++;
	return p;
}

static inline int is_val_end(const char *p, const char *end)
{
	return p == end || (cls[(unsigned char)*p] & C_VAL);
}

__attribute__((noinline))
static char *parse_string(struct lp *st, char *p, struct gt_lp_field *f)
{
	char *q = p + 1, *w, *end = st->end;
	uint64_t line0 = st->line;
	char *ls0 = st->ls;

	f->type = GT_STRING;
	f->v.i64 = 0;
	for (;;) {
		while (q < end && !(cls[(unsigned char)*q] & C_STR))
			q++;
		if (q == end)
			goto unterminated;
		if (*q == '"') {
			w = q;
			goto done;
		}
		if (*q == '\\')
			break;
		st->line++;
		st->ls = ++q;
	}
	w = q;
	while (q < end) {
		char c = *q;
		if (c == '"')
			goto done;
		if (c == '\\' && q + 1 < end && (q[1] == '"' || q[1] == '\\')) {
			*w++ = q[1];
			q += 2;
			continue;
		}
		if (c == '\n') {
			st->line++;
			st->ls = q + 1;
		}
		*w++ = c;
		q++;
	}
unterminated:
	st->line = line0;
	st->ls = ls0;
	return lp_fail(st, p, "unterminated string"), NULL;
done:
	if (GT_UNLIKELY((size_t)(w - (p + 1)) > UINT32_MAX))
		return lp_fail(st, p, "string longer than 4 GiB"), NULL;
	f->s.p = p + 1;
	f->s.n = (uint32_t)(w - (p + 1));
	return q + 1;
}

__attribute__((cold, noinline))
static char *bad_value(struct lp *st, char *p, const char *why)
{
	char tmp[48];
	char *e = val_end(p, st->end);
	return lp_fail(st, p, "%s '%s'", why, SHOW(tmp, p, (size_t)(e - p))), NULL;
}

/* Field value at p; returns the byte after it or NULL. */
static inline char *parse_value(struct lp *st, char *p, struct gt_lp_field *f)
{
	char *end = st->end;
	unsigned char c;

	if (GT_UNLIKELY(p == end || (cls[(unsigned char)*p] & C_VAL))) {
		char tmp[48];
		return lp_fail(st, p, "missing value for field '%s'",
			       SHOW(tmp, f->key.p, f->key.n)), NULL;
	}
	c = (unsigned char)*p;
	if (GT_LIKELY((unsigned)(c - '0') < 10 || c == '-' || c == '.' || c == '+')) {
		struct dec d;
		const char *q = scan_dec(p, end, &d);
		if (GT_UNLIKELY(!q))
			return bad_value(st, p, "invalid field value");
		if (GT_LIKELY(is_val_end(q, end))) {
			int rc = dec_f64(&d, p, (size_t)(q - p), &f->v.f64);
			if (GT_UNLIKELY(rc)) {
				if (rc == GT_ENOMEM)
					return lp_nomem(st), NULL;
				return bad_value(st, p, rc == 1 ? "float out of range" : "invalid field value");
			}
			f->type = GT_F64;
			return (char *)q;
		}
		if ((*q == 'i' || *q == 'u') && !d.dot && !d.has_exp && is_val_end(q + 1, end)) {
			int neg, rc;
			uint64_t v;
			if (*q == 'i') {
				rc = parse_int(p, (size_t)(q - p), 1, INT64_MAX, &neg, &v);
				f->type = GT_I64;
				f->v.i64 = neg ? (int64_t)(0 - v) : (int64_t)v;
			} else {
				rc = parse_int(p, (size_t)(q - p), 0, UINT64_MAX, &neg, &v);
				f->type = GT_U64;
				f->v.u64 = v;
			}
			if (rc)
				return bad_value(st, p, rc == GT_ETOOBIG ? "integer out of range"
								  : "invalid field value");
			return (char *)q + 1;
		}
		return bad_value(st, p, "invalid field value");
	}
	if (c == '"')
		return parse_string(st, p, f);
	if (c == 't' || c == 'T' || c == 'f' || c == 'F') {
		char *e = val_end(p, end);
		size_t n = (size_t)(e - p);
		int v = c == 't' || c == 'T';
		if (n == 1 ||
		    (n == 4 && (!memcmp(p, "true", 4) || !memcmp(p, "True", 4) || !memcmp(p, "TRUE", 4))) ||
		    (n == 5 && (!memcmp(p, "false", 5) || !memcmp(p, "False", 5) ||
				!memcmp(p, "FALSE", 5)))) {
			f->type = GT_BOOL;
			f->v.b = v;
			return e;
		}
	}
	return bad_value(st, p, "invalid field value");
}

static const int64_t prec_mult[] = {
	[GT_UNIT_S] = 1000000000, [GT_UNIT_MS] = 1000000, [GT_UNIT_US] = 1000, [GT_UNIT_NS] = 1,
};

static int64_t precision_mult(int prec)
{
	if (prec == GT_LP_PREC_MINUTE)
		return INT64_C(60000000000);
	if (prec == GT_LP_PREC_HOUR)
		return INT64_C(3600000000000);
	if (prec < 0 || prec >= (int)GT_ARRAY_LEN(prec_mult))
		return 0;
	return prec_mult[prec];
}

static char *parse_ts(struct lp *st, char *p, int64_t mult, int64_t *out)
{
	char *s = p, *end = st->end, *e;
	uint64_t v = 0;
	unsigned ndig = 0;
	int neg = 0, rc;
	char tmp[48];

	if (*p == '-') {
		neg = 1;
		p++;
	}
	/* 19 digits always fit in a uint64. */
	while (p < end && (unsigned)(*p - '0') < 10 && ndig < 19) {
		v = v * 10 + (unsigned)(*p - '0');
		p++;
		ndig++;
	}
	if (GT_LIKELY(ndig && (at_eol(p, end) || *p == ' '))) {
		if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
			goto range;
		if (__builtin_mul_overflow(neg ? (int64_t)(0 - v) : (int64_t)v, mult, out))
			goto range;
		return p;
	}
	e = s;
	while (e < end && *e != ' ' && !at_eol(e, end))
		e++;
	rc = parse_int(s, (size_t)(e - s), 1, INT64_MAX, &neg, &v);
	if (rc == GT_EINVAL || *s == '+')
		return lp_fail(st, s, "invalid timestamp '%s'", SHOW(tmp, s, (size_t)(e - s))), NULL;
	if (rc)
		goto range;
	if (__builtin_mul_overflow(neg ? (int64_t)(0 - v) : (int64_t)v, mult, out))
		goto range;
	return e;
range:
	e = s;
	while (e < end && *e != ' ' && !at_eol(e, end))
		e++;
	return lp_fail(st, s, "timestamp out of range '%s'", SHOW(tmp, s, (size_t)(e - s))), NULL;
}

/* Swap the stack scratch arrays for heap ones of the full ceiling, once a call. */
static int grow_tags(struct lp *st)
{
	struct gt_lp_tag *t;

	if (st->tcap >= GT_LP_MAX_TAGS)
		return GT_ETOOBIG;
	t = gt_malloc(GT_LP_MAX_TAGS * sizeof(*t));
	if (!t)
		return GT_ENOMEM;
	memcpy(t, st->tags, st->tcap * sizeof(*t));
	st->tags = t;
	st->heap_tags = t;
	st->tcap = GT_LP_MAX_TAGS;
	return 0;
}

static int grow_fields(struct lp *st)
{
	struct gt_lp_field *f;

	if (st->fcap >= GT_LP_MAX_FIELDS)
		return GT_ETOOBIG;
	f = gt_malloc(GT_LP_MAX_FIELDS * sizeof(*f));
	if (!f)
		return GT_ENOMEM;
	memcpy(f, st->fields, st->fcap * sizeof(*f));
	st->fields = f;
	st->heap_fields = f;
	st->fcap = GT_LP_MAX_FIELDS;
	return 0;
}

/* One point starting at *pp (not blank, not a comment).  Leaves *pp after its line. */
static int parse_line(struct lp *st, char **pp, int64_t mult, struct gt_lp_point *pt)
{
	char *p = *pp, *end = st->end, *s;
	uint32_t nt = 0, nf = 0;
	char tmp[48];
	int rc;

	p = scan_name(st, p, C_MEAS, C_ESC_M, "measurement", &pt->measurement);
	if (!p)
		return st->rc;
	if (GT_UNLIKELY(!pt->measurement.n))
		return lp_fail(st, p, "measurement is empty");
	while (p < end && *p == ',') {
		struct gt_lp_tag *t;
		if (GT_UNLIKELY(nt == st->tcap) && (rc = grow_tags(st)) < 0) {
			if (rc == GT_ENOMEM)
				return lp_nomem(st);
			return lp_fail(st, p + 1, "too many tags (more than %d)", GT_LP_MAX_TAGS);
		}
		t = &st->tags[nt];
		s = ++p;
		p = scan_name(st, p, C_KEY, C_ESC_T, "tag key", &t->key);
		if (!p)
			return st->rc;
		if (GT_UNLIKELY(!t->key.n))
			return lp_fail(st, s, "tag key is empty");
		if (GT_UNLIKELY(p == end || *p != '='))
			return lp_fail(st, p, "missing '=' after tag key '%s'",
				       SHOW(tmp, t->key.p, t->key.n));
		s = ++p;
		p = scan_name(st, p, C_MEAS, C_ESC_T, "tag value", &t->val);
		if (!p)
			return st->rc;
		if (GT_UNLIKELY(!t->val.n))
			return lp_fail(st, s, "missing value for tag '%s'",
				       SHOW(tmp, t->key.p, t->key.n));
		nt++;
	}
	if (GT_UNLIKELY(p == end || *p != ' ')) {
		if (at_eol(p, end))
			return lp_fail(st, p, "missing fields");
		return lp_fail(st, p, "expected a space, found %s", show_char(tmp, sizeof(tmp), *p));
	}
	while (p < end && *p == ' ')
		p++;
	if (GT_UNLIKELY(at_eol(p, end)))
		return lp_fail(st, p, "missing fields");
	for (;;) {
		struct gt_lp_field *f;
		if (GT_UNLIKELY(nf == st->fcap) && (rc = grow_fields(st)) < 0) {
			if (rc == GT_ENOMEM)
				return lp_nomem(st);
			return lp_fail(st, p, "too many fields (more than %d)", GT_LP_MAX_FIELDS);
		}
		f = &st->fields[nf];
		s = p;
		p = scan_name(st, p, C_KEY, C_ESC_T, "field key", &f->key);
		if (!p)
			return st->rc;
		if (GT_UNLIKELY(!f->key.n))
			return lp_fail(st, s, "field key is empty");
		if (GT_UNLIKELY(p == end || *p != '='))
			return lp_fail(st, p, "missing '=' after field key '%s'",
				       SHOW(tmp, f->key.p, f->key.n));
		p = parse_value(st, p + 1, f);
		if (!p)
			return st->rc;
		nf++;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		break;
	}
	if (p < end && *p == ' ') {
		while (p < end && *p == ' ')
			p++;
		if (!at_eol(p, end)) {
			p = parse_ts(st, p, mult, &pt->ts_ns);
			if (!p)
				return st->rc;
			while (p < end && *p == ' ')
				p++;
			if (!at_eol(p, end))
				return lp_fail(st, p, "unexpected text after the timestamp");
		}
	} else if (!at_eol(p, end)) {
		return lp_fail(st, p, "expected ',' or ' ' after field value, found %s",
			       show_char(tmp, sizeof(tmp), *p));
	}
	pt->ntags = nt;
	pt->nfields = nf;
	pt->tags = st->tags;
	pt->fields = st->fields;
	*pp = p;
	return 0;
}

long gt_lp_parse(char *buf, size_t len, enum gt_unit precision, int64_t default_ts_ns,
		 uint64_t first_lineno, gt_lp_fn fn, void *ctx, struct gt_err *err)
{
	struct gt_lp_tag stags[STACK_TAGS];
	struct gt_lp_field sfields[STACK_FIELDS];
	struct lp st = {
		.end = buf + len, .ls = buf, .line = first_lineno, .err = err,
		.tags = stags, .fields = sfields, .tcap = STACK_TAGS, .fcap = STACK_FIELDS,
	};
	int64_t mult = precision_mult((int)precision);
	char *p = buf, *end = buf + len;
	long npoints = 0;
	int rc = 0;

	if (!mult)
		return gt_errf(err, GT_EINVAL, "invalid precision %d", (int)precision);
	if (err)
		err->code = 0;
	while (p < end) {
		struct gt_lp_point pt;
		char c = *p;

		if (c == '\n') {
			st.ls = ++p;
			st.line++;
			continue;
		}
		if (c == ' ' || c == '\t' || (c == '\r' && at_eol(p, end))) {
			p++;
			continue;
		}
		if (c == '#') {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl : end;
			continue;
		}
		pt.lineno = st.line;
		pt.ts_ns = default_ts_ns;
		rc = parse_line(&st, &p, mult, &pt);
		if (rc < 0)
			break;
		rc = fn(ctx, &pt);
		if (rc < 0)
			break;
		rc = 0;
		npoints++;
	}
	free(st.heap_tags);
	free(st.heap_fields);
	return rc < 0 ? rc : npoints;
}

int gt_lp_precision(const char *name)
{
	static const struct {
		const char *name;
		int prec;
	} names[] = {
		{"ns", GT_UNIT_NS}, {"n", GT_UNIT_NS}, {"us", GT_UNIT_US}, {"u", GT_UNIT_US},
		{"ms", GT_UNIT_MS}, {"s", GT_UNIT_S}, {"m", GT_LP_PREC_MINUTE},
		{"h", GT_LP_PREC_HOUR},
	};

	if (!name)
		return -1;
	for (size_t i = 0; i < GT_ARRAY_LEN(names); i++)
		if (!strcmp(name, names[i].name))
			return names[i].prec;
	return -1;
}

int gt_lp_escape(struct gt_buf *b, const char *s, size_t n, const char *specials)
{
	uint64_t set[4] = {0};
	size_t i, run = 0;
	int rc;

	for (; *specials; specials++)
		set[(unsigned char)*specials >> 6] |= (uint64_t)1 << ((unsigned char)*specials & 63);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(set[c >> 6] & ((uint64_t)1 << (c & 63))))
			continue;
		char esc[2] = {'\\', (char)c};
		if ((rc = gt_buf_add(b, s + run, i - run)) < 0 || (rc = gt_buf_add(b, esc, 2)) < 0)
			return rc;
		run = i + 1;
	}
	return gt_buf_add(b, s + run, n - run);
}
