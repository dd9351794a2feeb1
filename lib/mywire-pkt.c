/*
 * mywire-pkt.c - the MySQL packet codec (mywire-int.h): integers and
 * strings in the protocol's encodings, OK / EOF / ERR payloads, column
 * definitions, text and binary rows, and the two messages a client
 * sends that have structure: HandshakeResponse41 and COM_STMT_EXECUTE.
 * Pure functions over byte ranges; no I/O, no session state.
 */
#include <math.h>
#include <openssl/sha.h>

#include "mywire-int.h"
#include "dtoa.h"
#include "rowfmt.h"
#include "sql-ast.h"
#include "timeutil.h"

uint64_t my_rd_uint(struct my_rd *r, unsigned bytes)
{
	uint64_t v = 0;

	if (r->bad || my_rd_left(r) < bytes) {
		r->bad = true;
		return 0;
	}
	for (unsigned k = 0; k < bytes; k++)
		v |= (uint64_t)r->p[r->i + k] << (8 * k);
	r->i += bytes;
	return v;
}

uint64_t my_rd_lenenc(struct my_rd *r)
{
	uint8_t b = (uint8_t)my_rd_uint(r, 1);

	if (r->bad)
		return 0;
	if (b < 0xfb)
		return b;
	if (b == 0xfc)
		return my_rd_uint(r, 2);
	if (b == 0xfd)
		return my_rd_uint(r, 3);
	if (b == 0xfe)
		return my_rd_uint(r, 8);
	r->bad = true;
	return 0;
}

const uint8_t *my_rd_bytes(struct my_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || my_rd_left(r) < n) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->i;
	r->i += n;
	return p;
}

const uint8_t *my_rd_lenstr(struct my_rd *r, size_t *n)
{
	uint64_t len = my_rd_lenenc(r);

	if (r->bad || len > my_rd_left(r)) {
		r->bad = true;
		*n = 0;
		return NULL;
	}
	*n = (size_t)len;
	return my_rd_bytes(r, (size_t)len);
}

const uint8_t *my_rd_nulstr(struct my_rd *r, size_t *n)
{
	const uint8_t *p = r->p + r->i, *z;

	*n = 0;
	if (r->bad || !(z = memchr(p, 0, my_rd_left(r)))) {
		r->bad = true;
		return NULL;
	}
	*n = (size_t)(z - p);
	r->i += *n + 1;
	return p;
}

int my_put_uint(struct gt_buf *b, uint64_t v, unsigned bytes)
{
	uint8_t tmp[8];

	for (unsigned k = 0; k < bytes; k++)
		tmp[k] = (uint8_t)(v >> (8 * k));
	return gt_buf_add(b, tmp, bytes);
}

int my_put_lenenc(struct gt_buf *b, uint64_t v)
{
	int rc;

	if (v < 0xfb)
		return gt_buf_addch(b, (int)v);
	if (v <= 0xffff)
		return (rc = gt_buf_addch(b, 0xfc)) ? rc : my_put_uint(b, v, 2);
	if (v <= 0xffffff)
		return (rc = gt_buf_addch(b, 0xfd)) ? rc : my_put_uint(b, v, 3);
	return (rc = gt_buf_addch(b, 0xfe)) ? rc : my_put_uint(b, v, 8);
}

int my_put_lenstr(struct gt_buf *b, const void *p, size_t n)
{
	int rc = my_put_lenenc(b, n);
	return rc ? rc : gt_buf_add(b, p, n);
}

int my_put_ok(struct gt_buf *b, uint64_t affected, uint16_t status, uint16_t warnings)
{
	int rc;

	if ((rc = gt_buf_addch(b, 0x00)) || (rc = my_put_lenenc(b, affected)) || (rc = my_put_lenenc(b, 0)) ||
	    (rc = my_put_uint(b, status, 2)))
		return rc;
	return my_put_uint(b, warnings, 2);
}

int my_put_eof(struct gt_buf *b, uint16_t status, uint16_t warnings)
{
	int rc;

	if ((rc = gt_buf_addch(b, 0xfe)) || (rc = my_put_uint(b, warnings, 2)))
		return rc;
	return my_put_uint(b, status, 2);
}

int my_put_err(struct gt_buf *b, uint16_t code, const char *sqlstate, const char *msg)
{
	int rc;
	size_t n = strlen(msg);

	/* a message is for people: keep it well short of a packet */
	if (n > 4000)
		n = 4000;
	if ((rc = gt_buf_addch(b, 0xff)) || (rc = my_put_uint(b, code, 2)) || (rc = gt_buf_addch(b, '#')) ||
	    (rc = gt_buf_add(b, sqlstate, 5)))
		return rc;
	return gt_buf_add(b, msg, n);
}

void my_coltype_of(const struct gt_sql_column *c, struct my_coltype *t)
{
	memset(t, 0, sizeof(*t));
	t->charset = MY_CHARSET_BINARY;
	t->flags = MY_FLAG_BINARY | MY_FLAG_NUM;
	switch (c->type) {
	case GT_STRING:
		if (c->lt == GT_LT_BINARY) {
			t->type = MY_T_BLOB;
			t->flags = MY_FLAG_BINARY;
			t->length = 65535;
		} else {
			t->type = MY_T_VAR_STRING;
			t->flags = 0;
			t->charset = MY_CHARSET_UTF8MB4;
			t->length = 65535 * 4;
		}
		break;
	case GT_F64:
		t->type = c->lt == GT_LT_F32 ? MY_T_FLOAT : MY_T_DOUBLE;
		t->length = c->lt == GT_LT_F32 ? 12 : 22;
		t->decimals = 31;   /* NOT_FIXED_DEC: as many digits as the value needs */
		break;
	case GT_I64:
	case GT_U64:
		switch (c->lt) {
		case GT_LT_I8: case GT_LT_U8: t->type = MY_T_TINY; t->length = 4; break;
		case GT_LT_I16: case GT_LT_U16: t->type = MY_T_SHORT; t->length = 6; break;
		case GT_LT_I32: case GT_LT_U32: t->type = MY_T_LONG; t->length = 11; break;
		case GT_LT_DATE: t->type = MY_T_DATE; t->length = 10; t->flags = MY_FLAG_BINARY; break;
		/* times of day and durations go as their text (01:02:03, PT1.5S) */
		case GT_LT_TIME: case GT_LT_DURATION:
			t->type = MY_T_VAR_STRING;
			t->flags = 0;
			t->charset = MY_CHARSET_UTF8MB4;
			t->length = 64;
			return;
		default: t->type = MY_T_LONGLONG; t->length = 20; break;
		}
		if (c->type == GT_U64)
			t->flags |= MY_FLAG_UNSIGNED;
		break;
	case GT_BOOL:
		t->type = MY_T_TINY;
		t->length = 1;
		break;
	case GT_TS:
		t->type = MY_T_TIMESTAMP;
		t->flags = MY_FLAG_BINARY;
		t->decimals = (uint8_t)(c->unit > 6 ? 6 : c->unit);
		t->length = 19 + (c->unit ? 1u + c->unit : 0u);
		break;
	default:
		t->type = MY_T_VAR_STRING;
		t->flags = 0;
		t->charset = MY_CHARSET_UTF8MB4;
		t->length = 65535 * 4;
	}
}

int my_put_coldef(struct gt_buf *b, const char *name, const struct my_coltype *t)
{
	size_t n = strlen(name);
	int rc;

	if ((rc = my_put_lenstr(b, "def", 3)) || (rc = my_put_lenstr(b, "", 0)) ||   /* catalog, schema */
	    (rc = my_put_lenstr(b, "", 0)) || (rc = my_put_lenstr(b, "", 0)) ||      /* table, org_table */
	    (rc = my_put_lenstr(b, name, n)) || (rc = my_put_lenstr(b, name, n)) ||   /* name, org_name */
	    (rc = gt_buf_addch(b, 0x0c)) || (rc = my_put_uint(b, t->charset, 2)) ||
	    (rc = my_put_uint(b, t->length, 4)) || (rc = gt_buf_addch(b, t->type)) ||
	    (rc = my_put_uint(b, t->flags, 2)) || (rc = gt_buf_addch(b, t->decimals)))
		return rc;
	return my_put_uint(b, 0, 2);
}

int my_put_text_value(struct gt_buf *b, const struct gt_vec *v, uint32_t r, const struct gt_sql_column *c)
{
	char tmp[64];
	size_t n;
	uint32_t len;
	const char *s;

	if (gt_vec_is_null(v, r))
		return gt_buf_addch(b, 0xfb);
	switch (v->type) {
	case GT_STRING:
		s = gt_vec_str(v, r, &len);
		return my_put_lenstr(b, s, len);
	case GT_I64:
		if (sql_fmt_logical(tmp, sizeof(tmp), v, r, c->lt, c->unit)) {
			n = strlen(tmp);
		} else {
			n = (size_t)(v->v.i64[r] < 0 ? 1 + gt_utoa(-(uint64_t)v->v.i64[r], tmp + 1)
						      : gt_utoa((uint64_t)v->v.i64[r], tmp));
			if (v->v.i64[r] < 0)
				tmp[0] = '-';
		}
		break;
	case GT_U64:
		n = (size_t)gt_utoa(v->v.u64[r], tmp);
		break;
	case GT_F64:
		if (isnan(v->v.f64[r]))
			n = (size_t)snprintf(tmp, sizeof(tmp), "NaN");
		else if (isinf(v->v.f64[r]))
			n = (size_t)snprintf(tmp, sizeof(tmp), v->v.f64[r] > 0 ? "inf" : "-inf");
		else if (c->lt == GT_LT_F32)
			n = (size_t)gt_dtoa(tmp, sizeof(tmp), (double)(float)v->v.f64[r], true);
		else
			n = (size_t)gt_fmt_f64(tmp, sizeof(tmp), v->v.f64[r]);
		if (n >= 2 && tmp[n - 2] == '.' && tmp[n - 1] == '0')
			n -= 2;   /* MySQL prints a whole DOUBLE without ".0" */
		break;
	case GT_BOOL:
		tmp[0] = v->v.b[r] ? '1' : '0';
		n = 1;
		break;
	case GT_TS:
		/* MySQL's DATETIME text: 'YYYY-MM-DD HH:MM:SS[.fff[fff[fff]]]', UTC */
		n = sql_fmt_ts_sep(tmp, sizeof(tmp), v->v.i64[r], c->unit, ' ');
		break;
	default:
		n = 0;
	}
	return my_put_lenstr(b, tmp, n);
}

/* Civil parts of a timestamp for the binary DATETIME form. */
static int put_binary_ts(struct gt_buf *b, int64_t v, uint8_t unit)
{
	int64_t per = 1, secs, sub, days, rem, y;
	unsigned m, d;
	uint32_t micros;
	int rc;

	for (int k = 0; k < unit; k++)
		per *= 10;
	secs = v / per;
	sub = v % per;
	if (sub < 0) {
		sub += per;
		secs--;
	}
	micros = (uint32_t)(unit <= 6 ? sub * (1000000 / per) : sub / (per / 1000000));
	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	gt_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;   /* DATETIME has no room for other years */
	if ((rc = gt_buf_addch(b, micros ? 11 : 7)) || (rc = my_put_uint(b, (uint64_t)y, 2)) ||
	    (rc = gt_buf_addch(b, (int)m)) || (rc = gt_buf_addch(b, (int)d)) ||
	    (rc = gt_buf_addch(b, (int)(rem / 3600))) || (rc = gt_buf_addch(b, (int)(rem / 60 % 60))) ||
	    (rc = gt_buf_addch(b, (int)(rem % 60))))
		return rc;
	return micros ? my_put_uint(b, micros, 4) : 0;
}

int my_put_binary_row(struct gt_buf *b, const struct gt_sql_output *o, uint32_t r)
{
	size_t bitmap = (o->ncols + 7 + 2) / 8, at;
	int rc;

	if ((rc = gt_buf_addch(b, 0x00)))
		return rc;
	at = b->len;
	for (size_t k = 0; k < bitmap; k++)
		if ((rc = gt_buf_addch(b, 0)))
			return rc;
	for (uint32_t c = 0; c < o->ncols; c++) {
		const struct gt_vec *v = &o->rows.cols[c];
		struct my_coltype t;
		uint32_t len;
		const char *s;

		if (gt_vec_is_null(v, r)) {
			b->p[at + (c + 2) / 8] |= (char)(1u << ((c + 2) % 8));
			continue;
		}
		my_coltype_of(&o->cols[c], &t);
		switch (v->type) {
		case GT_STRING:
			s = gt_vec_str(v, r, &len);
			rc = my_put_lenstr(b, s, len);
			break;
		case GT_I64:
		case GT_U64:
			if (t.type == MY_T_DATE) {
				int64_t y;
				unsigned m, d;
				gt_civil_from_days(v->v.i64[r], &y, &m, &d);
				if (y < 0 || y > 9999)
					y = y < 0 ? 0 : 9999;
				if (!(rc = gt_buf_addch(b, 4)) && !(rc = my_put_uint(b, (uint64_t)y, 2)) &&
				    !(rc = gt_buf_addch(b, (int)m)))
					rc = gt_buf_addch(b, (int)d);
				break;
			}
			if (t.type == MY_T_VAR_STRING) {
				char tmp[64];
				sql_fmt_logical(tmp, sizeof(tmp), v, r, o->cols[c].lt, o->cols[c].unit);
				rc = my_put_lenstr(b, tmp, strlen(tmp));
				break;
			}
			rc = my_put_uint(b, v->v.u64[r], t.type == MY_T_TINY ? 1 : t.type == MY_T_SHORT ? 2
							 : t.type == MY_T_LONG ? 4 : 8);
			break;
		case GT_F64:
			if (t.type == MY_T_FLOAT) {
				float f = (float)v->v.f64[r];
				uint32_t u;
				memcpy(&u, &f, 4);
				rc = my_put_uint(b, u, 4);
			} else {
				uint64_t u;
				memcpy(&u, &v->v.f64[r], 8);
				rc = my_put_uint(b, u, 8);
			}
			break;
		case GT_BOOL:
			rc = gt_buf_addch(b, v->v.b[r] ? 1 : 0);
			break;
		case GT_TS:
			rc = put_binary_ts(b, v->v.i64[r], o->cols[c].unit);
			break;
		default:
			rc = GT_EINVAL;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static void copy_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = 0;
}

int my_hsresp_decode(struct my_hsresp *h, const void *p, size_t n, struct gt_err *err)
{
	struct my_rd r;
	const uint8_t *s;
	size_t len;

	memset(h, 0, sizeof(*h));
	my_rd_init(&r, p, n);
	h->caps = (uint32_t)my_rd_uint(&r, 4);
	if (r.bad)
		return gt_errf(err, GT_ECORRUPT, "mysql: handshake response of %zu bytes is too short", n);
	if (!(h->caps & MY_CLIENT_PROTOCOL_41))
		return gt_errf(err, GT_EUNSUPP, "mysql: client does not speak protocol 4.1");
	h->max_packet = (uint32_t)my_rd_uint(&r, 4);
	h->charset = (uint8_t)my_rd_uint(&r, 1);
	my_rd_bytes(&r, 23);
	if (r.bad)
		return gt_errf(err, GT_ECORRUPT, "mysql: handshake response of %zu bytes is too short", n);
	if (!my_rd_left(&r) && (h->caps & MY_CLIENT_SSL)) {
		h->ssl_request = true;
		return 0;
	}
	s = my_rd_nulstr(&r, &len);
	if (r.bad || len >= sizeof(h->user))
		return gt_errf(err, GT_ECORRUPT, "mysql: handshake response has no valid user name");
	copy_str(h->user, sizeof(h->user), s, len);
	if (h->caps & MY_CLIENT_PLUGIN_AUTH_LENENC)
		s = my_rd_lenstr(&r, &len);
	else if (h->caps & MY_CLIENT_SECURE_CONNECTION)
		s = my_rd_bytes(&r, len = (size_t)my_rd_uint(&r, 1));
	else
		s = my_rd_nulstr(&r, &len);
	if (r.bad || len > sizeof(h->auth))
		return gt_errf(err, GT_ECORRUPT, "mysql: handshake response has a bad auth response");
	if (len)
		memcpy(h->auth, s, len);
	h->authlen = len;
	/* MariaDB's client may stop here when it has no database to name */
	if ((h->caps & MY_CLIENT_CONNECT_WITH_DB) && my_rd_left(&r)) {
		s = my_rd_nulstr(&r, &len);
		if (r.bad || len > GT_NAME_MAX)
			return gt_errf(err, GT_ECORRUPT, "mysql: handshake response has a bad database name");
		copy_str(h->db, sizeof(h->db), s, len);
		h->has_db = len > 0;
	}
	if ((h->caps & MY_CLIENT_PLUGIN_AUTH) && my_rd_left(&r)) {
		s = my_rd_nulstr(&r, &len);
		if (r.bad)
			return gt_errf(err, GT_ECORRUPT, "mysql: handshake response has a bad auth plugin name");
		copy_str(h->plugin, sizeof(h->plugin), s, len);
	}
	/* connection attributes (CLIENT_CONNECT_ATTRS) are not used */
	return 0;
}

void my_native_scramble(const char *pw, const uint8_t scramble[MY_SCRAMBLE_LEN], uint8_t out[20])
{
	uint8_t h1[20], h2[20], h3[20], cat[MY_SCRAMBLE_LEN + 20];

	SHA1((const unsigned char *)pw, strlen(pw), h1);
	SHA1(h1, 20, h2);
	memcpy(cat, scramble, MY_SCRAMBLE_LEN);
	memcpy(cat + MY_SCRAMBLE_LEN, h2, 20);
	SHA1(cat, sizeof(cat), h3);
	for (int k = 0; k < 20; k++)
		out[k] = h1[k] ^ h3[k];
}

int my_stmt_id(const void *p, size_t n, uint32_t *id)
{
	struct my_rd r;

	my_rd_init(&r, p, n);
	*id = (uint32_t)my_rd_uint(&r, 4);
	return r.bad ? GT_ECORRUPT : 0;
}

static int lit_str(struct gt_buf *out, const uint8_t *s, size_t n)
{
	int rc = gt_buf_addch(out, '\'');

	for (size_t k = 0; !rc && k < n; k++) {
		if (s[k] == '\'')
			rc = gt_buf_addch(out, '\'');
		else if (s[k] == '\\')
			rc = gt_buf_addch(out, '\\');
		if (!rc)
			rc = gt_buf_addch(out, s[k]);
	}
	return rc ? rc : gt_buf_addch(out, '\'');
}

/* The binary DATE / DATETIME / TIMESTAMP value as a quoted literal. */
static int lit_datetime(struct gt_buf *out, struct my_rd *r)
{
	unsigned len = (unsigned)my_rd_uint(r, 1);
	unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
	uint32_t us = 0;

	if (len != 0 && len != 4 && len != 7 && len != 11) {
		r->bad = true;
		return GT_ECORRUPT;
	}
	if (len >= 4) {
		y = (unsigned)my_rd_uint(r, 2);
		mo = (unsigned)my_rd_uint(r, 1);
		d = (unsigned)my_rd_uint(r, 1);
	}
	if (len >= 7) {
		h = (unsigned)my_rd_uint(r, 1);
		mi = (unsigned)my_rd_uint(r, 1);
		s = (unsigned)my_rd_uint(r, 1);
	}
	if (len == 11)
		us = (uint32_t)my_rd_uint(r, 4);
	if (r->bad)
		return GT_ECORRUPT;
	if (us)
		return gt_buf_addf(out, "'%04u-%02u-%02u %02u:%02u:%02u.%06u'", y, mo, d, h, mi, s, us % 1000000u);
	return gt_buf_addf(out, "'%04u-%02u-%02u %02u:%02u:%02u'", y, mo, d, h, mi, s);
}

/* The binary TIME value as a quoted literal ('[-]HH:MM:SS[.ffffff]'). */
static int lit_time(struct gt_buf *out, struct my_rd *r)
{
	unsigned len = (unsigned)my_rd_uint(r, 1), neg = 0, h = 0, mi = 0, s = 0;
	uint32_t days = 0, us = 0;

	if (len != 0 && len != 8 && len != 12) {
		r->bad = true;
		return GT_ECORRUPT;
	}
	if (len >= 8) {
		neg = (unsigned)my_rd_uint(r, 1);
		days = (uint32_t)my_rd_uint(r, 4);
		h = (unsigned)my_rd_uint(r, 1);
		mi = (unsigned)my_rd_uint(r, 1);
		s = (unsigned)my_rd_uint(r, 1);
	}
	if (len == 12)
		us = (uint32_t)my_rd_uint(r, 4);
	if (r->bad)
		return GT_ECORRUPT;
	return gt_buf_addf(out, "'%s%02llu:%02u:%02u.%06u'", neg ? "-" : "",
			   (unsigned long long)days * 24 + h, mi, s, us % 1000000u);
}

static int lit_value(struct gt_buf *out, struct my_rd *r, uint8_t type, bool unsig)
{
	char tmp[48];
	uint64_t u;
	size_t n;
	const uint8_t *s;

	switch (type) {
	case MY_T_NULL:
		return gt_buf_addstr(out, "NULL");
	case MY_T_TINY:
	case MY_T_SHORT:
	case MY_T_YEAR:
	case MY_T_LONG:
	case MY_T_INT24:
	case MY_T_LONGLONG: {
		unsigned bytes = type == MY_T_TINY ? 1 : type == MY_T_SHORT || type == MY_T_YEAR ? 2
			       : type == MY_T_LONGLONG ? 8 : 4;
		u = my_rd_uint(r, bytes);
		if (r->bad)
			return GT_ECORRUPT;
		if (unsig)
			return gt_buf_add_u64(out, u);
		/* sign-extend from the value's width */
		if (bytes < 8 && (u >> (8 * bytes - 1)) & 1)
			u |= ~(uint64_t)0 << (8 * bytes);
		return gt_buf_add_i64(out, (int64_t)u);
	}
	case MY_T_FLOAT:
	case MY_T_DOUBLE: {
		double x;
		if (type == MY_T_FLOAT) {
			uint32_t w = (uint32_t)my_rd_uint(r, 4);
			float f;
			memcpy(&f, &w, 4);
			x = f;
		} else {
			u = my_rd_uint(r, 8);
			memcpy(&x, &u, 8);
		}
		if (r->bad)
			return GT_ECORRUPT;
		if (!isfinite(x))
			return gt_buf_addstr(out, isnan(x) ? "CAST('NaN' AS DOUBLE)"
						  : x > 0 ? "CAST('inf' AS DOUBLE)" : "CAST('-inf' AS DOUBLE)");
		if (gt_dtoa(tmp, sizeof(tmp), x, type == MY_T_FLOAT) < 0)
			return GT_EINVAL;
		return gt_buf_addstr(out, tmp);
	}
	case MY_T_DATE:
	case MY_T_DATETIME:
	case MY_T_TIMESTAMP:
		return lit_datetime(out, r);
	case MY_T_TIME:
		return lit_time(out, r);
	case MY_T_DECIMAL:
	case MY_T_NEWDECIMAL:
		/* decimals come as text; keep them numbers when they look like one */
		s = my_rd_lenstr(r, &n);
		if (r->bad)
			return GT_ECORRUPT;
		for (size_t k = 0; k < n; k++)
			if (!strchr("0123456789.-+eE", s[k]))
				return lit_str(out, s, n);
		return n ? gt_buf_add(out, s, n) : gt_buf_addstr(out, "NULL");
	case MY_T_VARCHAR: case MY_T_BIT: case MY_T_JSON: case MY_T_ENUM: case MY_T_SET:
	case MY_T_TINY_BLOB: case MY_T_MEDIUM_BLOB: case MY_T_LONG_BLOB: case MY_T_BLOB:
	case MY_T_VAR_STRING: case MY_T_STRING: case MY_T_GEOMETRY:
		s = my_rd_lenstr(r, &n);
		if (r->bad)
			return GT_ECORRUPT;
		return lit_str(out, s, n);
	}
	return GT_EUNSUPP;
}

int my_exec_decode(struct my_exec *x, const void *p, size_t n, uint16_t nparams, uint16_t *types,
		   bool *types_bound, const struct gt_buf *long_data, struct gt_buf *lits, struct gt_err *err)
{
	struct my_rd r;
	const uint8_t *nulls = NULL;
	int rc;

	my_rd_init(&r, p, n);
	x->stmt_id = (uint32_t)my_rd_uint(&r, 4);
	x->flags = (uint8_t)my_rd_uint(&r, 1);
	my_rd_uint(&r, 4);   /* iteration count: always 1 */
	if (r.bad)
		return gt_errf(err, GT_ECORRUPT, "mysql: COM_STMT_EXECUTE of %zu bytes is too short", n);
	if (!nparams)
		return 0;
	nulls = my_rd_bytes(&r, ((size_t)nparams + 7) / 8);
	if (my_rd_uint(&r, 1)) {
		for (uint16_t k = 0; k < nparams; k++)
			types[k] = (uint16_t)my_rd_uint(&r, 2);
		*types_bound = true;
	}
	if (r.bad)
		return gt_errf(err, GT_ECORRUPT, "mysql: COM_STMT_EXECUTE is too short for %u parameters",
			       (unsigned)nparams);
	if (!*types_bound)
		return gt_errf(err, GT_EINVAL, "mysql: COM_STMT_EXECUTE binds no parameter types");
	for (uint16_t k = 0; k < nparams; k++) {
		uint8_t type = (uint8_t)types[k];
		if (k && (rc = gt_buf_addch(lits, 0)))
			return rc;
		if (long_data && long_data[k].len)
			rc = lit_str(lits, (const uint8_t *)long_data[k].p, long_data[k].len);
		else if (nulls[k / 8] & (1u << (k % 8)))
			rc = gt_buf_addstr(lits, "NULL");
		else
			rc = lit_value(lits, &r, type, types[k] & 0x8000);
		if (rc == GT_ECORRUPT)
			return gt_errf(err, rc, "mysql: parameter %u of COM_STMT_EXECUTE is truncated",
				       (unsigned)k + 1);
		if (rc == GT_EUNSUPP)
			return gt_errf(err, rc, "mysql: parameter %u has unknown type %u", (unsigned)k + 1,
				       (unsigned)type);
		if (rc)
			return gt_errf(err, rc, "mysql: parameter %u: %s", (unsigned)k + 1, gt_strerror(rc));
	}
	return 0;
}
