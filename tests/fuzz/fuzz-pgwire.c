/*
 * fuzz-pgwire.c - libFuzzer target for the PostgreSQL message decoder
 * (pgproto.h) and the parameter binding of the extended protocol
 * (pgwire-int.h).  The input is a client's byte stream: a startup-phase
 * packet, then typed messages.  Each message must split and decode, or
 * be refused with GT_ECORRUPT / GT_ETOOBIG and a "pg: " message, never
 * read outside the input.  A Parse's query is scanned for $n; a Bind's
 * parameters become literals (typed by the input) and are substituted
 * into the query.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void refused_well(int rc, const struct gt_err *err)
{
	if (rc >= 0)
		return;
	if ((rc != GT_ECORRUPT && rc != GT_ETOOBIG) || strncmp(err->msg, "pg: ", 4))
		abort();
}

/* The last Parse's query, for the Binds after it. */
struct state {
	char query[4096];
	size_t qlen;
};

static void bind(struct state *st, const struct gt_pg_bind *b)
{
	struct gt_buf lits = {0}, sql = {0};
	struct gt_err err = {0};
	size_t off[64];
	unsigned n = GT_MIN(b->nparams, 64u);
	static const uint32_t oids[] = {0, GT_PG_BOOL, GT_PG_INT2, GT_PG_INT4, GT_PG_INT8, GT_PG_FLOAT4,
					GT_PG_FLOAT8, GT_PG_TEXT, GT_PG_TIMESTAMP, GT_PG_DATE, GT_PG_NUMERIC, 9999};

	for (unsigned i = 0; i < n; i++) {
		off[i] = lits.len;
		uint32_t oid = oids[(i + (b->lens[i] > 0 ? b->vals[i][0] : 0)) % GT_ARRAY_LEN(oids)];
		int rc = gt_pg_param_literal(&lits, i + 1, oid, gt_pg_format(b->fmts, b->nfmts, i), b->vals[i], b->lens[i],
					     &err);
		if (rc && rc != GT_EINVAL && rc != GT_EUNSUPP)
			abort();
		if (rc)
			gt_buf_addstr(&lits, "NULL");
		gt_buf_addch(&lits, 0);
	}
	int rc = gt_pg_substitute(&sql, st->query, st->qlen, lits.p ? lits.p : "", off, n, &err);
	if (rc && rc != GT_EINVAL)
		abort();
	gt_buf_release(&lits);
	gt_buf_release(&sql);
}

static void message(struct state *st, const struct gt_pg_msg *m)
{
	struct gt_err err = {0};
	const char *s;
	size_t len;
	int rc = 0;

	switch (m->type) {
	case 'Q':
		rc = gt_pg_string_decode(&s, &len, m, &err);
		if (!rc) {
			size_t at = 0;
			while (at < len)
				at += gt_pg_stmt_end(s + at, len - at) + 1;
		}
		break;
	case 'p': {
		const char *mech;
		const uint8_t *d;
		refused_well(gt_pg_string_decode(&s, &len, m, &err), &err);
		rc = gt_pg_sasl_initial_decode(&mech, &d, &len, m, &err);
		if (!rc && len)
			(void)*(volatile const uint8_t *)&d[len - 1];
		break;
	}
	case 'P': {
		struct gt_pg_parse p;
		rc = gt_pg_parse_decode(&p, m, &err);
		if (!rc) {
			st->qlen = GT_MIN(p.query_len, sizeof(st->query));
			memcpy(st->query, p.query, st->qlen);
			int k = gt_pg_max_param(st->query, st->qlen);
			if (k < 0 && k != GT_ETOOBIG)
				abort();
			gt_pg_parse_release(&p);
		}
		break;
	}
	case 'B': {
		struct gt_pg_bind b;
		rc = gt_pg_bind_decode(&b, m, &err);
		if (!rc) {
			bind(st, &b);
			gt_pg_bind_release(&b);
		}
		break;
	}
	case 'D':
	case 'C': {
		struct gt_pg_target t;
		rc = gt_pg_target_decode(&t, m, &err);
		break;
	}
	case 'E': {
		struct gt_pg_execute e;
		rc = gt_pg_execute_decode(&e, m, &err);
		break;
	}
	default:
		break;
	}
	refused_well(rc, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st = {{0}, 0};
	struct gt_err err = {0};
	struct gt_pg_msg m;
	struct gt_pg_startup su;
	size_t need, off = 0;
	int rc;

	rc = gt_pg_split(data, size, true, GT_PG_STARTUP_MAX, &m, &need, &err);
	refused_well(rc, &err);
	if (rc <= 0)
		return 0;
	off = (size_t)rc;
	refused_well(gt_pg_startup_decode(&su, &m, &err), &err);
	while (off < size) {
		rc = gt_pg_split(data + off, size - off, false, 1 << 20, &m, &need, &err);
		refused_well(rc, &err);
		if (rc <= 0)
			break;
		off += (size_t)rc;
		message(&st, &m);
	}
	return 0;
}
