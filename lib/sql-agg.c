/*
 * sql-agg.c - the aggregate fast path of SELECT (sql-agg.h): plans the
 * query into the aggregation kernel (agg.h), runs it next to every
 * region of the table (gt_db_aggregate: in process, or on the datanodes)
 * and merges the regions' groups in region order, then renders them.
 */
#include "agg.h"
#include "sql-agg.h"
#include "sql-plan.h"

/* The kernel's run and what planning it from SQL needs beside it. */
struct sq {
	struct agg_run r;
	const struct gt_schema *sc;
	const char *table;
	int *kcol;                               /* per GROUP BY key: its column */
	const char **vals[AGG_MAX_PREDS];        /* the preds' values (borrowed strings) */
};

static int nomem(struct gt_sql_error *e)
{
	return sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
}

/* ---- planning ---- */

/* Schema column of an unqualified (or table-qualified) column reference. */
static int col_of(const struct sq *q, const struct sql_expr *x)
{
	if (x->kind != E_COL || (x->q && !sql_qual_match(x->q, q->table)))
		return -1;
	return gt_schema_find(q->sc, x->s);
}

/* A literal the time index is compared with: the instants of its unit at
 * or below (*lo) and at or above (*hi) it (gt_time_bounds). */
static bool lit_time(const struct sql_expr *x, uint8_t unit, int64_t *lo, int64_t *hi)
{
	if (x->kind == E_INT) {
		*lo = *hi = x->i;
		return true;
	}
	return x->kind == E_STR && gt_time_bounds(x->s, strlen(x->s), unit, lo, hi) == 0;
}

/* Take a conjunct of WHERE into the plan; false if it is not one we evaluate. */
/* A tag predicate with room for n values, or NULL. */
static struct agg_pred *new_pred(struct sq *q, int col, bool neg, uint32_t n)
{
	struct agg_run *r = &q->r;
	if (r->npreds >= AGG_MAX_PREDS || !(q->vals[r->npreds] = gt_calloc(n, sizeof(char *))))
		return NULL;
	struct agg_pred *p = &r->preds[r->npreds];
	p->vals = q->vals[r->npreds++];
	p->tag = gt_schema_tag_ordinal(q->sc, col);
	p->neg = neg;
	p->n = n;
	return p;
}

static bool plan_where(struct sq *q, struct sql_expr *x, int depth)
{
	struct agg_run *r = &q->r;
	int64_t v, vh, v2, v2h;
	int k;
	if (!x)
		return true;
	if (depth > GT_SQL_MAX_DEPTH)
		return false;
	if (x->kind == E_BIN && x->op == B_AND)
		return plan_where(q, x->a, depth + 1) && plan_where(q, x->b, depth + 1);
	if (x->kind == E_BIN && x->op >= B_EQ && x->op <= B_GE && (k = col_of(q, x->a)) >= 0) {
		const struct gt_coldef *c = &q->sc->cols[k];
		if (c->sem == GT_TIME && lit_time(x->b, r->unit, &v, &vh)) {
			switch (x->op) {
			case B_EQ:
				r->start = GT_MAX(r->start, vh);
				if (v == INT64_MAX)
					return false;
				r->end = GT_MIN(r->end, v + 1);
				return true;
			case B_GT:
				if (v == INT64_MAX)
					return false;
				r->start = GT_MAX(r->start, v + 1);
				return true;
			case B_GE:
				r->start = GT_MAX(r->start, vh);
				return true;
			case B_LT:
				r->end = GT_MIN(r->end, vh);
				return true;
			case B_LE:
				if (v == INT64_MAX)
					return false;
				r->end = GT_MIN(r->end, v + 1);
				return true;
			default:
				return false;
			}
		}
		if (c->sem == GT_TAG && c->type == GT_STRING && (x->op == B_EQ || x->op == B_NE) && x->b->kind == E_STR) {
			struct agg_pred *p = new_pred(q, k, x->op == B_NE, 1);
			if (!p)
				return false;
			((const char **)p->vals)[0] = x->b->s;
			return true;
		}
		return false;
	}
	if (x->kind == E_IN && (k = col_of(q, x->a)) >= 0 && q->sc->cols[k].sem == GT_TAG &&
	    q->sc->cols[k].type == GT_STRING && x->nargs) {
		for (uint32_t j = 0; j < x->nargs; j++)
			if (x->args[j]->kind != E_STR)
				return false;
		struct agg_pred *p = new_pred(q, k, x->neg, x->nargs);
		if (!p)
			return false;
		for (uint32_t j = 0; j < x->nargs; j++)
			((const char **)p->vals)[j] = x->args[j]->s;
		return true;
	}
	if (x->kind == E_BETWEEN && !x->neg && (k = col_of(q, x->a)) >= 0 && q->sc->cols[k].sem == GT_TIME &&
	    lit_time(x->b, r->unit, &v, &vh) && lit_time(x->c, r->unit, &v2, &v2h) && v2 < INT64_MAX) {
		r->start = GT_MAX(r->start, vh);
		r->end = GT_MIN(r->end, v2 + 1);
		return true;
	}
	return false;
}

/* The time key: date_trunc / date_bin of the time index, or the index itself. */
static bool plan_time_key(struct sq *q, const struct sql_expr *x)
{
	struct agg_run *r = &q->r;
	int64_t u = agg_unit_ns[r->unit], wns, ons = 0;
	if (r->tkind != AGG_TK_NONE)
		return false;
	if (x->kind == E_COL) {
		int c = col_of(q, x);
		if (c < 0 || q->sc->cols[c].sem != GT_TIME)
			return false;
		r->tkind = AGG_TK_RAW;
		r->w = 1;
		return true;
	}
	int k = x->nargs == 2 ? col_of(q, x->args[1]) : -1;
	if (k < 0 || q->sc->cols[k].sem != GT_TIME)
		return false;
	if (!strcmp(x->s, "date_bin")) {
		const struct sql_expr *iv = x->args[0];
		if (iv->kind != E_INTERVAL || iv->i2 < 0 || iv->i2 > 1200 || iv->i < 0)
			return false;
		int64_t stride = gt_unit_convert(iv->i + iv->i2 * 30 * 86400000000000LL, GT_UNIT_NS, r->unit);
		if (stride <= 0)
			stride = 1;
		if (stride > INT64_MAX / 8)
			return false;
		r->tkind = AGG_TK_BIN;
		r->w = stride;
		return true;
	}
	if (strcmp(x->s, "date_trunc") || x->args[0]->kind != E_STR)
		return false;
	const char *g = x->args[0]->s;
	if (!strcasecmp(g, "millisecond"))
		wns = 1000000;
	else if (!strcasecmp(g, "second"))
		wns = 1000000000;
	else if (!strcasecmp(g, "minute"))
		wns = 60000000000LL;
	else if (!strcasecmp(g, "hour"))
		wns = 3600000000000LL;
	else if (!strcasecmp(g, "day"))
		wns = 86400000000000LL;
	else if (!strcasecmp(g, "week")) {
		/* Weeks start on Monday: the epoch was a Thursday. */
		wns = 7 * 86400000000000LL;
		ons = -3 * 86400000000000LL;
	} else
		return false;
	if (wns % u)
		return false;
	r->tkind = AGG_TK_TRUNC;
	r->w = wns / u;
	r->o = ons / u;
	return true;
}

static bool plan_agg(struct sq *q, struct agg_fn *a, const struct sql_expr *x)
{
	const char *f = x->s;
	if (x->distinct || x->nargs != 1)
		return false;
	if (!strcmp(f, "count"))
		a->fn = AGG_COUNT;
	else if (!strcmp(f, "sum"))
		a->fn = AGG_SUM;
	else if (!strcmp(f, "avg") || !strcmp(f, "mean"))
		a->fn = AGG_AVG;
	else if (!strcmp(f, "min"))
		a->fn = AGG_MIN;
	else if (!strcmp(f, "max"))
		a->fn = AGG_MAX;
	else if (!strcmp(f, "first_value"))
		a->fn = AGG_FIRST;
	else if (!strcmp(f, "last_value"))
		a->fn = AGG_LAST;
	else
		return false;
	if ((a->fn == AGG_FIRST || a->fn == AGG_LAST) && x->ord) {
		int ok = col_of(q, x->ord);
		if (ok < 0 || q->sc->cols[ok].sem != GT_TIME)
			return false;
		a->ord = true;
		a->desc = x->ord_desc;
	}
	if (x->args[0]->kind == E_STAR) {
		if (a->fn != AGG_COUNT)
			return false;
		a->src = AGG_STAR;
		return true;
	}
	int k = col_of(q, x->args[0]);
	if (k < 0)
		return false;
	const struct gt_coldef *c = &q->sc->cols[k];
	a->type = c->type;
	a->unit = c->unit;
	a->lt = c->lt;
	if (c->sem == GT_TAG) {
		a->src = AGG_TAG;
		a->tag = gt_schema_tag_ordinal(q->sc, k);
		return a->fn == AGG_COUNT || a->fn == AGG_FIRST || a->fn == AGG_LAST;
	}
	if (c->sem == GT_TIME) {
		a->src = AGG_TIME;
		return a->fn != AGG_SUM && a->fn != AGG_AVG;
	}
	a->src = AGG_FIELD;
	a->colid = c->id;
	return a->fn == AGG_COUNT || c->type == GT_F64 || c->type == GT_I64;
}

static int emit_agg(struct agg_run *r, struct agg_fn *a, struct sql_xv *out, struct gt_sql_error *e)
{
	uint32_t ng = r->ngroups;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (a->fn == AGG_COUNT) {
		gt_vec_init(&out->v, GT_I64);
		for (uint32_t g = 0; g < ng && rc == 0; g++)
			rc = gt_vec_push_i64(&out->v, (int64_t)a->cnt[g]);
	} else if (a->fn == AGG_SUM && a->type == GT_I64) {
		gt_vec_init(&out->v, GT_I64);
		for (uint32_t g = 0; g < ng && rc == 0; g++)
			rc = a->has[g] ? gt_vec_push_i64(&out->v, a->i[g]) : gt_vec_push_null(&out->v);
	} else if (a->fn == AGG_SUM || a->fn == AGG_AVG) {
		gt_vec_init(&out->v, GT_F64);
		for (uint32_t g = 0; g < ng && rc == 0; g++) {
			double d = a->fn == AGG_SUM ? a->f[g] : a->f[g] / (double)a->cnt[g];
			rc = a->has[g] ? gt_vec_push_f64(&out->v, d) : gt_vec_push_null(&out->v);
		}
	} else {
		gt_vec_init(&out->v, a->type);
		out->unit = a->unit;
		out->lt = a->lt;
		for (uint32_t g = 0; g < ng && rc == 0; g++) {
			if (!a->has[g] || a->null[g])
				rc = gt_vec_push_null(&out->v);
			else if (a->src == AGG_TAG)
				rc = agg_tag_push(r, &out->v, (uint32_t)a->i[g], a->tag);
			else if (a->type == GT_F64)
				rc = gt_vec_push_f64(&out->v, a->f[g]);
			else
				rc = gt_vec_push_i64(&out->v, a->i[g]);
		}
	}
	return rc < 0 ? nomem(e) : 0;
}


/* EXPLAIN: the scan, the partial aggregation beside it in the region, the merge. */
static bool plan_partial(const struct sql_agg_query *q, const char *table, const struct gt_scan_req *req)
{
	struct gt_buf b = {0};
	bool dry = sql_plan_scan(q->plan, q->ti, req);
	gt_buf_addstr(&b, "PartialAggregate: groupBy=[");
	for (uint32_t k = 0; k < q->ngroup; k++) {
		if (k)
			gt_buf_addstr(&b, ", ");
		sql_expr_name(&b, q->group[k], table);
	}
	gt_buf_addstr(&b, "], aggr=[");
	for (uint32_t k = 0; k < q->naggs; k++) {
		if (k)
			gt_buf_addstr(&b, ", ");
		sql_expr_name(&b, q->aggs[k], table);
	}
	gt_buf_addch(&b, ']');
	sql_plan_add(q->plan, SQL_STAGE_REGION, "%s", b.p ? b.p : "");
	gt_buf_release(&b);
	sql_plan_merge(q->plan, q->ti, true);
	return dry;
}

/*
 * True when every aggregate keeps the newest row of its group (last_value
 * ORDER BY the time index, first_value ORDER BY it DESC) and no GROUP BY
 * key is over time: then only the rows at each series' last timestamp
 * matter, and the scan may read just those (gt_scan_req.tail).
 */
static bool tail_only(const struct agg_run *r)
{
	for (uint32_t k = 0; k < r->ngroup; k++)
		if (r->ktag[k] == UINT32_MAX)
			return false;
	for (uint32_t k = 0; k < r->naggs; k++) {
		const struct agg_fn *a = &r->aggs[k];
		if (!a->ord || a->desc != (a->fn == AGG_FIRST) || (a->fn != AGG_LAST && a->fn != AGG_FIRST))
			return false;
	}
	return r->naggs > 0;
}

/* agg_scan's answer when a tail scan could not decide: scan in full. */
#define TAIL_RETRY 2

/* Plan the query into q; false if it is outside the kernel. */
static bool plan(struct sq *sq, const struct sql_agg_query *q)
{
	struct agg_run *r = &sq->r;
	int tsk = gt_schema_time_index(sq->sc);
	r->ntags = gt_schema_ntags(sq->sc);
	if (tsk < 0 || r->ntags > 256 || sq->sc->cols[tsk].type != GT_TS || sq->sc->cols[tsk].unit > GT_UNIT_NS)
		return false;
	r->ts_id = sq->sc->cols[tsk].id;
	r->unit = sq->sc->cols[tsk].unit;
	r->start = INT64_MIN;
	r->end = INT64_MAX;
	if (!plan_where(sq, q->where, 0))
		return false;
	for (uint32_t k = 0; k < q->ngroup; k++) {
		struct sql_expr *x = q->group[k];
		int c = col_of(sq, x);
		sq->kcol[k] = c;
		if (c >= 0 && sq->sc->cols[c].sem == GT_TAG) {
			r->ktag[k] = gt_schema_tag_ordinal(sq->sc, c);
			continue;
		}
		r->ktag[k] = AGG_SKIP;
		if (c >= 0 && sq->sc->cols[c].sem != GT_TIME)
			return false;
		if (x->kind != E_COL && x->kind != E_FUNC)
			return false;
		if (!plan_time_key(sq, x))
			return false;
	}
	for (uint32_t k = 0; k < q->naggs; k++) {
		struct agg_fn *a = &r->aggs[k];
		if (!plan_agg(sq, a, q->aggs[k]))
			return false;
		if (a->src != AGG_FIELD)
			continue;
		bool dup = false;
		for (uint32_t j = 0; j < r->nf; j++)
			dup |= r->fids[j] == a->colid;
		if (!dup)
			r->fids[r->nf++] = a->colid;
	}
	return true;
}

static int merge_one(void *ctx, const void *partial, size_t n, struct gt_err *err)
{
	return agg_merge(ctx, partial, n, err);
}

static int agg_scan(const struct sql_agg_query *q, struct sql_xv **slots, uint32_t *ngroups,
		    struct gt_sql_error *e, bool tail_ok)
{
	struct sq sq;
	struct agg_run *r = &sq.r;
	struct gt_scan_req req;
	struct gt_tag_pred preds[AGG_MAX_PREDS];
	struct gt_buf pl = {0};
	struct gt_err err = {0};
	struct sql_xv *out = NULL;
	int rc = 0;

	memset(&sq, 0, sizeof(sq));
	sq.sc = &q->ti->schema;
	sq.table = q->table ? q->table : q->ti->name;
	r->ngroup = q->ngroup;
	r->naggs = q->naggs;
	r->ktag = gt_calloc(q->ngroup + 1, sizeof(*r->ktag));
	sq.kcol = gt_calloc(q->ngroup + 1, sizeof(*sq.kcol));
	r->aggs = gt_calloc(q->naggs + 1, sizeof(*r->aggs));
	r->fids = gt_calloc(q->naggs + 1, sizeof(*r->fids));
	if (!r->ktag || !sq.kcol || !r->aggs || !r->fids) {
		rc = nomem(e);
		goto out;
	}
	/* Anything the kernel does not evaluate exactly goes to the general path. */
	if (!plan(&sq, q))
		goto out;
	r->tail = tail_ok && tail_only(r);
	if ((rc = agg_prepare(r, &err)) < 0) {
		rc = nomem(e);
		goto out;
	}
	rc = 0;
	agg_scan_req(r, &req, preds);
	if (q->plan && plan_partial(q, sq.table, &req))
		goto emit;
	if (r->start < r->end) {
		if (agg_plan_encode(r, &pl)) {
			rc = nomem(e);
			goto out;
		}
		rc = gt_db_aggregate(q->db, q->ti, &req, pl.p, pl.len, merge_one, r, &err);
		if (rc == GT_EAGAIN && r->tail) {
			rc = TAIL_RETRY;
			goto out;
		}
		if (rc == GT_EUNSUPP) {
			rc = 0;   /* the general path */
			goto out;
		}
		if (rc < 0) {
			rc = sql_err(e, rc == GT_ENOMEM || rc == GT_ETOOBIG ? GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED :
				     GT_STATUS_STORAGE_UNAVAILABLE, "%s", err.msg[0] ? err.msg : gt_strerror(rc));
			goto out;
		}
	}
emit:
	/* Output: the GROUP BY keys of each group's first row, then the aggregates. */
	out = gt_calloc(q->ngroup + q->naggs + 1, sizeof(*out));
	if (!out) {
		rc = nomem(e);
		goto out;
	}
	for (uint32_t k = 0; k < q->ngroup && rc == 0; k++) {
		struct sql_xv *x = &out[k];
		if (r->ktag[k] != AGG_SKIP) {
			gt_vec_init(&x->v, (enum gt_type)sq.sc->cols[sq.kcol[k]].type);
			x->unit = sq.sc->cols[sq.kcol[k]].unit;
			x->lt = sq.sc->cols[sq.kcol[k]].lt;
			for (uint32_t g = 0; g < r->ngroups && rc == 0; g++)
				if (agg_tag_push(r, &x->v, r->gser[g], r->ktag[k]) < 0)
					rc = nomem(e);
		} else {
			gt_vec_init(&x->v, GT_TS);
			x->unit = r->unit;
			for (uint32_t g = 0; g < r->ngroups && rc == 0; g++)
				if (gt_vec_push_i64(&x->v, r->gbucket[g]) < 0)
					rc = nomem(e);
		}
	}
	for (uint32_t k = 0; k < q->naggs && rc == 0; k++)
		rc = emit_agg(r, &r->aggs[k], &out[q->ngroup + k], e);
	if (rc < 0) {
		for (uint32_t k = 0; k < q->ngroup + q->naggs; k++)
			sql_xv_release(&out[k]);
		free(out);
		goto out;
	}
	*slots = out;
	*ngroups = r->ngroups;
	rc = 1;
out:
	gt_buf_release(&pl);
	for (uint32_t k = 0; k < AGG_MAX_PREDS; k++)
		free(sq.vals[k]);
	free(sq.kcol);
	agg_run_free(r);
	return rc;
}

int sql_agg_scan(const struct sql_agg_query *q, struct sql_xv **slots, uint32_t *ngroups,
		 struct gt_sql_error *e)
{
	int rc = agg_scan(q, slots, ngroups, e, true);
	return rc == TAIL_RETRY ? agg_scan(q, slots, ngroups, e, false) : rc;
}
