/* pgproto.c - PostgreSQL v3 messages: framing, decoders, encoders (pgproto.h). */
#include "pgproto.h"

/* A cursor over a message body; every read is bounds-checked. */
struct rd {
	const uint8_t *p;
	size_t n, i;
	const char *what;       /* the message, for errors */
	struct gt_err *err;
};

static int short_msg(struct rd *r)
{
	return gt_errf(r->err, GT_ECORRUPT, "pg: %s message is truncated", r->what);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int rd_u16(struct rd *r, uint16_t *v)
{
	if (r->n - r->i < 2)
		return short_msg(r);
	*v = (uint16_t)(r->p[r->i] << 8 | r->p[r->i + 1]);
	r->i += 2;
	return 0;
}

static int rd_u32(struct rd *r, uint32_t *v)
{
	if (r->n - r->i < 4)
		return short_msg(r);
	*v = be32(r->p + r->i);
	r->i += 4;
	return 0;
}

/* A NUL-terminated string inside the body. */
static int rd_str(struct rd *r, const char **s, size_t *len)
{
	const uint8_t *z = memchr(r->p + r->i, 0, r->n - r->i);
	if (!z)
		return gt_errf(r->err, GT_ECORRUPT, "pg: %s message has an unterminated string", r->what);
	*s = (const char *)r->p + r->i;
	if (len)
		*len = (size_t)(z - (r->p + r->i));
	r->i = (size_t)(z - r->p) + 1;
	return 0;
}

static int rd_end(struct rd *r)
{
	if (r->i != r->n)
		return gt_errf(r->err, GT_ECORRUPT, "pg: %s message has %zu bytes after its end", r->what,
			       r->n - r->i);
	return 0;
}

static void rd_init(struct rd *r, const struct gt_pg_msg *m, const char *what, struct gt_err *err)
{
	r->p = m->p;
	r->n = m->n;
	r->i = 0;
	r->what = what;
	r->err = err;
}

int gt_pg_split(const uint8_t *buf, size_t len, bool startup, size_t max, struct gt_pg_msg *m,
		size_t *need, struct gt_err *err)
{
	size_t hdr = startup ? 4 : 5;
	uint32_t n;

	*need = 0;
	if (len < hdr)
		return 0;
	n = be32(buf + hdr - 4);
	if (startup && (n < 8 || n > GT_PG_STARTUP_MAX))
		return gt_errf(err, n < 8 ? GT_ECORRUPT : GT_ETOOBIG,
			       "pg: startup packet length %u is outside 8..%u", n, GT_PG_STARTUP_MAX);
	if (!startup && n < 4)
		return gt_errf(err, GT_ECORRUPT, "pg: message '%c' has length %u", buf[0] >= 32 && buf[0] < 127 ? buf[0] : '?', n);
	if (!startup && n > max)
		return gt_errf(err, GT_ETOOBIG, "pg: message of %u bytes is over the limit of %zu", n, max);
	*need = n + hdr - 4;
	if (len < *need)
		return 0;
	m->type = startup ? 0 : buf[0];
	m->p = buf + hdr;
	m->n = n - 4;
	return (int)*need;
}

int gt_pg_startup_decode(struct gt_pg_startup *s, const struct gt_pg_msg *m, struct gt_err *err)
{
	struct rd r;
	int rc;

	memset(s, 0, sizeof(*s));
	rd_init(&r, m, "startup", err);
	if ((rc = rd_u32(&r, &s->code)))
		return rc;
	if (s->code == GT_PG_CANCEL_REQUEST) {
		if ((rc = rd_u32(&r, &s->cancel_pid)) || (rc = rd_u32(&r, &s->cancel_key)))
			return rc;
		return rd_end(&r);
	}
	if (s->code != GT_PG_PROTO_V3)
		return rd_end(&r);
	for (;;) {
		const char *k, *v;
		size_t klen;
		if ((rc = rd_str(&r, &k, &klen)))
			return rc;
		if (!klen)
			break;
		if ((rc = rd_str(&r, &v, NULL)))
			return rc;
		if (s->nparams == GT_ARRAY_LEN(s->keys))
			return gt_errf(err, GT_ETOOBIG, "pg: startup packet has more than %zu parameters",
				       GT_ARRAY_LEN(s->keys));
		s->keys[s->nparams] = k;
		s->vals[s->nparams++] = v;
	}
	return rd_end(&r);
}

const char *gt_pg_startup_get(const struct gt_pg_startup *s, const char *key)
{
	for (uint32_t i = 0; i < s->nparams; i++)
		if (!strcmp(s->keys[i], key))
			return s->vals[i];
	return NULL;
}

int gt_pg_parse_decode(struct gt_pg_parse *p, const struct gt_pg_msg *m, struct gt_err *err)
{
	struct rd r;
	int rc;

	memset(p, 0, sizeof(*p));
	rd_init(&r, m, "Parse", err);
	if ((rc = rd_str(&r, &p->name, NULL)) || (rc = rd_str(&r, &p->query, &p->query_len)) ||
	    (rc = rd_u16(&r, &p->nparams)))
		return rc;
	if ((size_t)p->nparams * 4 > r.n - r.i)
		return short_msg(&r);
	if (p->nparams && !(p->oids = gt_calloc(p->nparams, sizeof(*p->oids))))
		return gt_errf(err, GT_ENOMEM, "pg: out of memory");
	for (uint16_t i = 0; i < p->nparams; i++)
		rd_u32(&r, &p->oids[i]);
	if ((rc = rd_end(&r)))
		gt_pg_parse_release(p);
	return rc;
}

void gt_pg_parse_release(struct gt_pg_parse *p)
{
	free(p->oids);
	p->oids = NULL;
	p->nparams = 0;
}

int gt_pg_bind_decode(struct gt_pg_bind *b, const struct gt_pg_msg *m, struct gt_err *err)
{
	struct rd r;
	int rc;

	memset(b, 0, sizeof(*b));
	rd_init(&r, m, "Bind", err);
	if ((rc = rd_str(&r, &b->portal, NULL)) || (rc = rd_str(&r, &b->stmt, NULL)) || (rc = rd_u16(&r, &b->nfmts)))
		return rc;
	/* every count is checked against the bytes left before allocating */
	if ((size_t)b->nfmts * 2 > r.n - r.i)
		return short_msg(&r);
	if (b->nfmts && !(b->fmts = gt_calloc(b->nfmts, sizeof(*b->fmts))))
		goto nomem;
	for (uint16_t i = 0; i < b->nfmts; i++)
		rd_u16(&r, (uint16_t *)&b->fmts[i]);
	if ((rc = rd_u16(&r, &b->nparams)))
		goto fail;
	if ((size_t)b->nparams * 4 > r.n - r.i) {
		rc = short_msg(&r);
		goto fail;
	}
	if (b->nparams && (!(b->vals = gt_calloc(b->nparams, sizeof(*b->vals))) ||
			   !(b->lens = gt_calloc(b->nparams, sizeof(*b->lens)))))
		goto nomem;
	for (uint16_t i = 0; i < b->nparams; i++) {
		uint32_t len;
		if ((rc = rd_u32(&r, &len)))
			goto fail;
		b->lens[i] = (int32_t)len;
		if (b->lens[i] < 0) {
			if (b->lens[i] != -1) {
				rc = gt_errf(err, GT_ECORRUPT, "pg: Bind parameter %u has length %d", i + 1, b->lens[i]);
				goto fail;
			}
			continue;
		}
		if (len > r.n - r.i) {
			rc = short_msg(&r);
			goto fail;
		}
		b->vals[i] = r.p + r.i;
		r.i += len;
	}
	if ((rc = rd_u16(&r, &b->nresfmts)))
		goto fail;
	if ((size_t)b->nresfmts * 2 > r.n - r.i) {
		rc = short_msg(&r);
		goto fail;
	}
	if (b->nresfmts && !(b->resfmts = gt_calloc(b->nresfmts, sizeof(*b->resfmts))))
		goto nomem;
	for (uint16_t i = 0; i < b->nresfmts; i++)
		rd_u16(&r, (uint16_t *)&b->resfmts[i]);
	for (uint16_t i = 0; i < b->nfmts; i++)
		if (b->fmts[i] != 0 && b->fmts[i] != 1) {
			rc = gt_errf(err, GT_ECORRUPT, "pg: Bind has parameter format code %d", b->fmts[i]);
			goto fail;
		}
	for (uint16_t i = 0; i < b->nresfmts; i++)
		if (b->resfmts[i] != 0 && b->resfmts[i] != 1) {
			rc = gt_errf(err, GT_ECORRUPT, "pg: Bind has result format code %d", b->resfmts[i]);
			goto fail;
		}
	if (b->nfmts > 1 && b->nfmts != b->nparams) {
		rc = gt_errf(err, GT_ECORRUPT, "pg: Bind has %u parameter formats for %u parameters", b->nfmts,
			     b->nparams);
		goto fail;
	}
	if ((rc = rd_end(&r)))
		goto fail;
	return 0;
nomem:
	rc = gt_errf(err, GT_ENOMEM, "pg: out of memory");
fail:
	gt_pg_bind_release(b);
	return rc;
}

void gt_pg_bind_release(struct gt_pg_bind *b)
{
	free(b->fmts);
	free(b->resfmts);
	free(b->vals);
	free(b->lens);
	b->fmts = b->resfmts = NULL;
	b->vals = NULL;
	b->lens = NULL;
	b->nfmts = b->nresfmts = b->nparams = 0;
}

int gt_pg_format(const int16_t *fmts, uint16_t nfmts, uint32_t i)
{
	if (nfmts == 0)
		return 0;
	if (nfmts == 1)
		return fmts[0];
	return i < nfmts ? fmts[i] : 0;
}

int gt_pg_target_decode(struct gt_pg_target *t, const struct gt_pg_msg *m, struct gt_err *err)
{
	struct rd r;
	int rc;

	rd_init(&r, m, m->type == 'D' ? "Describe" : "Close", err);
	if (r.n < 1)
		return short_msg(&r);
	t->kind = (char)r.p[r.i++];
	if (t->kind != 'S' && t->kind != 'P')
		return gt_errf(err, GT_ECORRUPT, "pg: %s of kind %d (not 'S' or 'P')", r.what, t->kind);
	if ((rc = rd_str(&r, &t->name, NULL)))
		return rc;
	return rd_end(&r);
}

int gt_pg_execute_decode(struct gt_pg_execute *e, const struct gt_pg_msg *m, struct gt_err *err)
{
	struct rd r;
	int rc;

	rd_init(&r, m, "Execute", err);
	if ((rc = rd_str(&r, &e->portal, NULL)) || (rc = rd_u32(&r, &e->max_rows)))
		return rc;
	if ((int32_t)e->max_rows < 0)
		e->max_rows = 0;
	return rd_end(&r);
}

int gt_pg_string_decode(const char **s, size_t *len, const struct gt_pg_msg *m, struct gt_err *err)
{
	struct rd r;
	int rc;

	rd_init(&r, m, m->type == 'Q' ? "Query" : "password", err);
	if ((rc = rd_str(&r, s, len)))
		return rc;
	return rd_end(&r);
}

int gt_pg_sasl_initial_decode(const char **mech, const uint8_t **data, size_t *len, const struct gt_pg_msg *m,
			      struct gt_err *err)
{
	struct rd r;
	uint32_t n;
	int rc;

	rd_init(&r, m, "SASLInitialResponse", err);
	if ((rc = rd_str(&r, mech, NULL)) || (rc = rd_u32(&r, &n)))
		return rc;
	if (n == 0xffffffffu)
		n = 0;
	if (n > r.n - r.i)
		return short_msg(&r);
	*data = r.p + r.i;
	*len = n;
	r.i += n;
	return rd_end(&r);
}

size_t gt_pg_begin(struct gt_buf *b, char type)
{
	size_t start = b->len;
	static const char zero[4];
	/* a failed add shows in gt_pg_end as a short message */
	if (gt_buf_addch(b, type) == 0)
		gt_buf_add(b, zero, 4);
	return start;
}

int gt_pg_end(struct gt_buf *b, size_t start)
{
	size_t n;
	if (b->len < start + 5)
		return GT_ENOMEM;
	n = b->len - start - 1;
	if (n > INT32_MAX)
		return GT_ETOOBIG;
	b->p[start + 1] = (char)(n >> 24);
	b->p[start + 2] = (char)(n >> 16);
	b->p[start + 3] = (char)(n >> 8);
	b->p[start + 4] = (char)n;
	return 0;
}

int gt_pg_put_i16(struct gt_buf *b, int16_t v)
{
	uint8_t x[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
	return gt_buf_add(b, x, 2);
}

int gt_pg_put_i32(struct gt_buf *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	uint8_t x[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
	return gt_buf_add(b, x, 4);
}

int gt_pg_put_str(struct gt_buf *b, const char *s)
{
	return gt_buf_add(b, s, strlen(s) + 1);
}

int gt_pg_auth_msg(struct gt_buf *b, int32_t code, const void *extra, size_t n)
{
	size_t s = gt_pg_begin(b, 'R');
	if (gt_pg_put_i32(b, code) || (n && gt_buf_add(b, extra, n)))
		return GT_ENOMEM;
	return gt_pg_end(b, s);
}

int gt_pg_param_status(struct gt_buf *b, const char *key, const char *val)
{
	size_t s = gt_pg_begin(b, 'S');
	if (gt_pg_put_str(b, key) || gt_pg_put_str(b, val))
		return GT_ENOMEM;
	return gt_pg_end(b, s);
}

int gt_pg_backend_key(struct gt_buf *b, uint32_t pid, uint32_t key)
{
	size_t s = gt_pg_begin(b, 'K');
	if (gt_pg_put_i32(b, (int32_t)pid) || gt_pg_put_i32(b, (int32_t)key))
		return GT_ENOMEM;
	return gt_pg_end(b, s);
}

int gt_pg_ready(struct gt_buf *b, char status)
{
	size_t s = gt_pg_begin(b, 'Z');
	if (gt_buf_addch(b, status))
		return GT_ENOMEM;
	return gt_pg_end(b, s);
}

int gt_pg_complete(struct gt_buf *b, const char *tag)
{
	size_t s = gt_pg_begin(b, 'C');
	if (gt_pg_put_str(b, tag))
		return GT_ENOMEM;
	return gt_pg_end(b, s);
}

int gt_pg_empty(struct gt_buf *b, char type)
{
	return gt_pg_end(b, gt_pg_begin(b, type));
}

int gt_pg_error(struct gt_buf *b, char type, const char *severity, const char *sqlstate, const char *msg,
		uint32_t position)
{
	size_t s = gt_pg_begin(b, type);
	char pos[16];

	/* S only: GreptimeDB sends no V (the unlocalized severity, which clients read as optional) */
	if (gt_buf_addch(b, 'S') || gt_pg_put_str(b, severity) || gt_buf_addch(b, 'C') || gt_pg_put_str(b, sqlstate) ||
	    gt_buf_addch(b, 'M') || gt_pg_put_str(b, msg))
		return GT_ENOMEM;
	if (position) {
		snprintf(pos, sizeof(pos), "%u", position);
		if (gt_buf_addch(b, 'P') || gt_pg_put_str(b, pos))
			return GT_ENOMEM;
	}
	if (gt_buf_addch(b, 0))
		return GT_ENOMEM;
	return gt_pg_end(b, s);
}
