/*
 * sql-range.c - GreptimeDB's range queries (SELECT ... RANGE ... ALIGN,
 * see sql-range.h): their planning (durations, origin, BY keys, which
 * select expression reads which column of the group frame, GreptimeDB's
 * error messages) and their grouping into that frame.
 *
 * Semantics, as GreptimeDB's sqlness results (the .result files of range/) show them:
 *   - time slots are t = origin + k * align, origin the epoch unless
 *     ALIGN ... TO says otherwise;
 *   - the window of slot t for an aggregate with RANGE r is [t, t + r);
 *     a row falls in every window holding its timestamp, so windows
 *     overlap when r > align and skip rows when r < align;
 *   - per BY key (default: the primary key columns), slot t is an output
 *     row when some aggregate's window of t holds a row, whatever its
 *     values; an aggregate whose own window is empty there gives its
 *     value over no rows (count 0, the others null);
 *   - when any aggregate has a FILL (its own or ALIGN's), every slot from
 *     the key's first to its last is an output row, and each aggregate
 *     with a FILL replaces its nulls: NULL keeps them, PREV takes the
 *     slot before's value, LINEAR interpolates in time between the
 *     nearest values and extrapolates from the two nearest at the ends
 *     (the column becomes float), a constant is converted to the
 *     aggregate's type;
 *   - rows come out by key (in order of first appearance), then time.
 *
 * Execution: (key, slot) pairs get dense group ids.  For each distinct
 * range the (row, window) pairs are expanded into a gathered frame with
 * one group id per pair, and each aggregate with that range is computed
 * by the executor's aggregate code (sql_agg_eval) over it, so range
 * queries get every aggregate the executor has.  The expansion and the
 * filled slots are capped at SQL_RANGE_MAX_PAIRS.
 */
#include "sql-range.h"

#include "keymap.h"
#include "sql-aggfn.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <strings.h>

struct ragg {
	struct sql_expr *x;
	int64_t range;         /* nanoseconds */
	uint32_t rix;          /* index of its range in plan.ranges */
};

struct plan {
	struct sql_ctx *c;
	const struct sql_range_in *in;
	int tsk;               /* time index column of the input */
	int64_t align, origin; /* nanoseconds */
	struct sql_expr **by;  /* BY keys (default ones owned in defby) */
	uint32_t nby;
	struct sql_expr *defby;
	struct ragg *aggs;
	uint32_t naggs;
	int64_t *ranges;       /* distinct ranges */
	uint32_t nranges;
	bool fill;             /* some aggregate fills */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t unit_mul(uint8_t unit)
{
	static const int64_t m[] = {1000000000LL, 100000000LL, 10000000LL, 1000000LL, 100000LL,
				    10000LL, 1000LL, 100LL, 10LL, 1};
	return m[unit <= 9 ? unit : 9];
}

static void xname(struct gt_buf *b, const struct sql_expr *x, const struct plan *p)
{
	sql_expr_name_q(b, x, p->in->table);
}

static bool same_name(const struct sql_expr *a, const struct sql_expr *b, const struct plan *p)
{
	struct gt_buf x = {0}, y = {0};
	xname(&x, a, p);
	xname(&y, b, p);
	bool eq = x.len == y.len && (!x.len || !memcmp(x.p, y.p, x.len));
	gt_buf_release(&x);
	gt_buf_release(&y);
	return eq;
}

static bool has_range(const struct sql_expr *x, int depth)
{
	if (!x || depth > GT_SQL_MAX_DEPTH * 2)
		return false;
	if (x->range)
		return true;
	if (has_range(x->a, depth + 1) || has_range(x->b, depth + 1) || has_range(x->c, depth + 1) ||
	    has_range(x->ord, depth + 1))
		return true;
	for (uint32_t k = 0; k < x->nargs; k++)
		if (has_range(x->args[k], depth + 1))
			return true;
	return false;
}

/* A duration of RANGE or ALIGN in nanoseconds, > 0. */
static int duration(struct plan *p, struct sql_expr *d, int64_t *ns)
{
	struct sql_ctx *c = p->c;
	if (d->kind == E_STR) {
		if (gt_parse_duration(d->s, strlen(d->s), ns) < 0 || *ns <= 0)
			return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Error during planning: duration must be greater than 0");
		return 0;
	}
	struct sql_ctx k = {.e = c->e, .nrows = 1, .now_ns = c->now_ns};
	struct sql_xv v;
	struct gt_buf nb = {0};
	int rc = sql_eval(&k, d, &v);
	bool months = false;
	for (const struct sql_expr *x = d; x; x = x->kind == E_CAST ? x->a : NULL)
		months |= x->kind == E_INTERVAL && x->i2 != 0;
	if (rc == 0 && !months && v.interval && !SQL_NULL(&v, 0) && (*ns = sql_xv_i64(&v, 0)) > 0) {
		sql_xv_release(&v);
		return 0;
	}
	if (rc == 0)
		sql_xv_release(&v);
	xname(&nb, d, p);
	if (months)
		rc = sql_err(c->e, GT_STATUS_PLAN_QUERY,
			     "Error during planning: Year or month interval is not allowed in range query: %s",
			     nb.p ? nb.p : "");
	else
		rc = sql_err(c->e, GT_STATUS_PLAN_QUERY, "Error during planning: Illegal argument `%s` in range select query",
			     nb.p ? nb.p : "");
	gt_buf_release(&nb);
	return rc;
}

/* ALIGN ... TO: the origin of the time slots in nanoseconds. */
static int origin(struct plan *p, int64_t *ns)
{
	struct sql_ctx *c = p->c;
	struct sql_expr *to = p->in->q->align_to;
	int32_t off = 0;
	/* GreptimeDB aligns to the epoch shifted by the zone's offset (not to local midnight). */
	if (p->in->time_zone && gt_tz_offset(p->in->time_zone, 0, &off) < 0)
		off = 0;
	*ns = (int64_t)off * 1000000000LL;
	if (!to)
		return 0;
	if (to->kind == E_STR) {
		if (!strcasecmp(to->s, "now")) {
			*ns = c->now_ns;
			return 0;
		}
		if (!strcasecmp(to->s, "calendar"))
			return 0;
		*ns = 0;
		if (gt_parse_time(to->s, strlen(to->s), ns) == 0)
			return 0;
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Error during planning: Illegal `align to` argument `%s` in range select query, can't be parse as NOW/CALENDAR/Timestamp, error: Failed to parse a string into Timestamp, raw string: %s",
			       to->s, to->s);
	}
	struct sql_ctx k = {.e = c->e, .nrows = 1, .now_ns = c->now_ns};
	struct sql_xv v;
	int rc = sql_eval(&k, to, &v);
	if (rc < 0)
		return rc;
	if (SQL_NULL(&v, 0) || (v.v.type != GT_TS && v.v.type != GT_I64))
		rc = sql_err(c->e, GT_STATUS_PLAN_QUERY,
			     "Error during planning: Illegal `align to` argument in range select query");
	else if (v.v.type == GT_TS || v.lt == GT_LT_DURATION)   /* an instant, or a span (now() - ts) */
		*ns = sql_xv_i64(&v, 0) * unit_mul(v.unit);
	else
		*ns = sql_xv_i64(&v, 0);
	sql_xv_release(&v);
	return rc;
}

/* Pass 1: every range aggregate of x gets a slot after the keys and the time. */
static int collect(struct plan *p, struct sql_expr *x, int depth)
{
	struct gt_sql_error *e = p->c->e;
	int rc = 0;
	if (!x || depth > GT_SQL_MAX_DEPTH * 2)
		return 0;
	if (x->range) {
		struct gt_buf nb = {0};
		for (uint32_t k = 0; k < x->nargs; k++)
			if (has_range(x->args[k], 0) || has_range(x->ord, 0))
				return sql_err(e, GT_STATUS_INVALID_SYNTAX, "Range Query: Nest Range Query is not allowed");
		if (x->over)
			return sql_err(e, GT_STATUS_INVALID_SYNTAX,
				       "Range Query: Window functions is not allowed in Range Query");
		if (!sql_is_agg(x)) {
			xname(&nb, x, p);
			rc = sql_err(e, GT_STATUS_PLAN_QUERY,
				     "Error during planning: Range Query: `%s` is not an aggregate function", nb.p ? nb.p : "");
			gt_buf_release(&nb);
			return rc;
		}
		if (x->range->fill == SQL_FILL_NONE && p->in->q->fill != SQL_FILL_NONE) {
			x->range->fill = p->in->q->fill;
			x->range->fillv = p->in->q->fillv;
		}
		for (uint32_t k = 0; k < p->naggs; k++)
			if (same_name(p->aggs[k].x, x, p)) {
				x->slot = (int)(p->nby + 1 + k);
				return 0;
			}
		struct ragg *v = gt_reallocarray(p->aggs, p->naggs + 1, sizeof(*v));
		if (!v)
			return sql_nomem(e);
		p->aggs = v;
		v = &p->aggs[p->naggs];
		memset(v, 0, sizeof(*v));
		v->x = x;
		x->slot = (int)(p->nby + 1 + p->naggs++);
		if ((rc = duration(p, x->range->dur, &v->range)) < 0)
			return rc;
		p->fill |= x->range->fill != SQL_FILL_NONE;
		for (v->rix = 0; v->rix < p->nranges && p->ranges[v->rix] != v->range; v->rix++)
			;
		if (v->rix == p->nranges) {
			int64_t *r = gt_reallocarray(p->ranges, p->nranges + 1, sizeof(*r));
			if (!r)
				return sql_nomem(e);
			p->ranges = r;
			r[p->nranges++] = v->range;
		}
		return 0;
	}
	if (rc == 0)
		rc = collect(p, x->a, depth + 1);
	if (rc == 0)
		rc = collect(p, x->b, depth + 1);
	if (rc == 0)
		rc = collect(p, x->c, depth + 1);
	for (uint32_t k = 0; k < x->nargs && rc == 0; k++)
		rc = collect(p, x->args[k], depth + 1);
	return rc;
}

/* "No field named x. ..." as DataFusion words it, listing the group frame's columns. */
static int no_field(struct plan *p, const struct sql_expr *x)
{
	struct gt_buf nb = {0}, vb = {0};
	const char *ts = p->in->sc->cols[p->tsk].name;
	int rc;
	xname(&nb, x, p);
	if (x->kind == E_COL) {
		rc = sql_err(p->c->e, GT_STATUS_ENGINE_EXECUTE_QUERY, "No field named %s. Did you mean '%s.%s'?.",
			     nb.p ? nb.p : "", p->in->table ? p->in->table : "", ts);
		gt_buf_release(&nb);
		return rc;
	}
	for (uint32_t k = 0; k < p->naggs; k++) {
		gt_buf_addstr(&vb, "\"");
		xname(&vb, p->aggs[k].x, p);
		gt_buf_addstr(&vb, "\", ");
	}
	gt_buf_addf(&vb, "%s.%s", p->in->table ? p->in->table : "", ts);
	for (uint32_t k = 0; k < p->nby; k++) {
		gt_buf_addstr(&vb, ", ");
		if (p->by[k]->kind != E_COL)
			gt_buf_addstr(&vb, "\"");
		xname(&vb, p->by[k], p);
		if (p->by[k]->kind != E_COL)
			gt_buf_addstr(&vb, "\"");
	}
	rc = sql_err(p->c->e, GT_STATUS_ENGINE_EXECUTE_QUERY, "No field named \"%s\". Valid fields are %s.",
		     nb.p ? nb.p : "", vb.p ? vb.p : "");
	gt_buf_release(&nb);
	gt_buf_release(&vb);
	return rc;
}

/* Pass 2: the time index and BY keys read their slots; anything else of the input is an error. */
static int resolve(struct plan *p, struct sql_expr *x, int depth)
{
	int rc = 0;
	if (!x || depth > GT_SQL_MAX_DEPTH * 2 || x->range)
		return 0;
	for (uint32_t k = 0; k < p->nby; k++)
		if (same_name(p->by[k], x, p)) {
			x->slot = (int)k;
			return 0;
		}
	if (x->kind == E_COL && !strcmp(x->s, p->in->sc->cols[p->tsk].name)) {
		x->slot = (int)p->nby;
		return 0;
	}
	if (x->kind == E_COL || sql_is_agg(x))
		return no_field(p, x);
	if (rc == 0)
		rc = resolve(p, x->a, depth + 1);
	if (rc == 0)
		rc = resolve(p, x->b, depth + 1);
	if (rc == 0)
		rc = resolve(p, x->c, depth + 1);
	for (uint32_t k = 0; k < x->nargs && rc == 0; k++)
		rc = resolve(p, x->args[k], depth + 1);
	return rc;
}

static int plan_query(struct plan *p)
{
	const struct sql_range_in *in = p->in;
	struct sql_select *q = in->q;
	const struct gt_schema *sc = in->sc;
	struct gt_sql_error *e = p->c->e;
	int rc = 0;

	p->tsk = -1;
	for (uint32_t k = 0; k < sc->ncols && p->tsk < 0; k++)
		if (sc->cols[k].sem == GT_TIME)
			p->tsk = (int)k;
	for (uint32_t k = 0; k < sc->ncols && p->tsk < 0; k++)
		if (sc->cols[k].type == GT_TS)
			p->tsk = (int)k;
	if (p->tsk < 0)
		return sql_err(e, GT_STATUS_PLAN_QUERY, "Error during planning: Range Query: no time index in the input");
	if (q->by_given) {
		p->by = q->by;
		p->nby = q->nby;
	} else if (in->derived) {
		return sql_err(e, GT_STATUS_INVALID_SYNTAX,
			       "Range Query: Cannot infer default BY columns from derived range query input");
	} else {
		uint32_t n = 0;
		p->defby = gt_calloc(sc->ncols + 1, sizeof(*p->defby));
		p->by = gt_calloc(sc->ncols + 1, sizeof(*p->by));
		if (!p->defby || !p->by)
			return sql_nomem(e);
		for (uint32_t k = 0; k < sc->ncols; k++) {
			if (sc->cols[k].sem != GT_TAG)
				continue;
			p->defby[n].kind = E_COL;
			p->defby[n].s = sc->cols[k].name;
			p->defby[n].slot = -1;
			p->by[n] = &p->defby[n];
			n++;
		}
		p->nby = n;
	}
	for (uint32_t k = 0; k < q->nitems && rc == 0; k++) {
		if (q->items[k].e->kind == E_STAR)
			return sql_err(e, GT_STATUS_PLAN_QUERY, "Error during planning: Range Query: * is not allowed");
		rc = collect(p, q->items[k].e, 0);
	}
	for (uint32_t k = 0; k < q->norder && rc == 0; k++)
		rc = collect(p, q->order[k].e, 0);
	if (rc == 0)
		rc = collect(p, q->having, 0);
	for (uint32_t k = 0; k < q->nitems && rc == 0; k++)
		rc = resolve(p, q->items[k].e, 0);
	for (uint32_t k = 0; k < q->norder && rc == 0; k++) {
		struct sql_expr *x = q->order[k].e;
		bool alias = false;
		/* ORDER BY an output alias or position reads that item. */
		if (x->kind == E_INT)
			continue;
		for (uint32_t j = 0; j < q->nitems && x->kind == E_COL && !x->q; j++)
			alias |= q->items[j].alias && !strcmp(q->items[j].alias, x->s);
		if (!alias)
			rc = resolve(p, x, 0);
	}
	if (rc == 0)
		rc = resolve(p, q->having, 0);
	if (rc == 0 && (rc = duration(p, q->align, &p->align)) == 0)
		rc = origin(p, &p->origin);
	return rc;
}

static void plan_release(struct plan *p)
{
	free(p->defby);
	if (p->by != p->in->q->by)
		free(p->by);
	free(p->aggs);
	free(p->ranges);
}

/* (key, slot) -> dense group id. */
struct groups {
	struct gt_keymap map;
	uint32_t *kid;
	int64_t *slot;
	uint32_t cap;
};

static int group_get(struct groups *g, uint32_t kid, int64_t slot, uint32_t *id)
{
	char k[12];
	bool isnew;
	memcpy(k, &kid, 4);
	memcpy(k + 4, &slot, 8);
	int r = gt_keymap_get(&g->map, k, sizeof(k), &isnew);
	if (r < 0)
		return GT_ENOMEM;
	*id = (uint32_t)r;
	if (isnew) {
		if (*id >= g->cap) {
			uint32_t nc = g->cap ? g->cap * 2 : 64;
			uint32_t *a = gt_reallocarray(g->kid, nc, sizeof(*a));
			if (!a)
				return GT_ENOMEM;
			g->kid = a;
			int64_t *b = gt_reallocarray(g->slot, nc, sizeof(*b));
			if (!b)
				return GT_ENOMEM;
			g->slot = b;
			g->cap = nc;
		}
		g->kid[*id] = kid;
		g->slot[*id] = slot;
	}
	return 0;
}

/* The (row, window) pairs of one range. */
struct pairs {
	uint32_t *row, *gid;
	uint32_t n, cap;
};

static int pair_add(struct pairs *w, uint32_t row, uint32_t gid)
{
	if (w->n == w->cap) {
		uint32_t nc = w->cap ? w->cap * 2 : 256;
		uint32_t *a = gt_reallocarray(w->row, nc, sizeof(*a));
		if (!a)
			return GT_ENOMEM;
		w->row = a;
		uint32_t *b = gt_reallocarray(w->gid, nc, sizeof(*b));
		if (!b)
			return GT_ENOMEM;
		w->gid = b;
		w->cap = nc;
	}
	w->row[w->n] = row;
	w->gid[w->n++] = gid;
	return 0;
}

struct order_ent {
	uint32_t kid, gid;
	int64_t slot;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order_ent *x = a, *y = b;
	if (x->kid != y->kid)
		return x->kid < y->kid ? -1 : 1;
	return (x->slot > y->slot) - (x->slot < y->slot);
}

static const char *arrow_type(uint8_t t)
{
	switch (t) {
	case GT_I64: return "Int64";
	case GT_U64: return "UInt64";
	case GT_F64: return "Float64";
	case GT_BOOL: return "Boolean";
	case GT_STRING: return "Utf8";
	default: return "Timestamp";
	}
}

/* FILL constant text -> one value of type t in *v. */
static int fill_const(struct plan *p, const char *text, uint8_t t, struct gt_vec *v)
{
	char up[256], *end;
	size_t n = strlen(text);
	int ok = 0;
	for (size_t i = 0; i < n && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)text[i]);
	up[GT_MIN(n, sizeof(up) - 1)] = 0;
	gt_vec_init(v, t);
	errno = 0;
	switch (t) {
	case GT_I64:
	case GT_TS: {
		long long x = strtoll(text, &end, 10);
		if (n && !*end && !errno)
			ok = gt_vec_push_i64(v, x) < 0 ? -1 : 1;
		break;
	}
	case GT_U64: {
		unsigned long long x = strtoull(text, &end, 10);
		if (n && !*end && !errno && text[0] != '-')
			ok = gt_vec_push_u64(v, x) < 0 ? -1 : 1;
		break;
	}
	case GT_F64: {
		double x = strtod(text, &end);
		if (n && !*end)
			ok = gt_vec_push_f64(v, x) < 0 ? -1 : 1;
		break;
	}
	case GT_BOOL:
		if (!strcasecmp(text, "true") || !strcasecmp(text, "false"))
			ok = gt_vec_push_bool(v, !strcasecmp(text, "true")) < 0 ? -1 : 1;
		break;
	default:
		ok = gt_vec_push_str(v, text, n) < 0 ? -1 : 1;
		break;
	}
	if (ok < 0)
		return sql_nomem(p->c->e);
	if (ok == 0)
		return sql_err(p->c->e, GT_STATUS_PLAN_QUERY,
			       "Error during planning: %s is not a valid fill option, fail to convert to a const value. { Arrow error: Cast error: Cannot cast string '%s' to value of %s type }",
			       up, up, arrow_type(t));
	return 0;
}

/*
 * Fill one aggregate column x (rows in output order; runs [beg, end) of
 * one key each, their slots' times in ts) by its FILL.
 */
static int fill_column(struct plan *p, const struct sql_range *r, struct sql_xv *x, const uint32_t *runs,
		       uint32_t nruns, const int64_t *ts)
{
	struct gt_vec out, cv;
	uint32_t n = x->v.len;
	int rc = 0;
	if (r->fill == SQL_FILL_NONE || r->fill == SQL_FILL_NULL)
		return 0;
	if (r->fill == SQL_FILL_CONST) {
		if ((rc = fill_const(p, r->fillv, x->v.type, &cv)) < 0)
			return rc;
		gt_vec_init(&out, x->v.type);
		for (uint32_t i = 0; i < n && rc == 0; i++)
			if ((gt_vec_is_null(&x->v, i) ? gt_vec_push_from(&out, &cv, 0) : gt_vec_push_from(&out, &x->v, i)) < 0)
				rc = sql_nomem(p->c->e);
		gt_vec_release(&cv);
	} else if (r->fill == SQL_FILL_PREV) {
		gt_vec_init(&out, x->v.type);
		for (uint32_t k = 0; k < nruns && rc == 0; k++) {
			int64_t src = -1;
			for (uint32_t i = runs[k]; i < runs[k + 1] && rc == 0; i++) {
				if (!gt_vec_is_null(&x->v, i))
					src = i;
				else if (i == runs[k])
					src = -1;
				if ((src < 0 ? gt_vec_push_null(&out) : gt_vec_push_from(&out, &x->v, (uint32_t)src)) < 0)
					rc = sql_nomem(p->c->e);
			}
		}
	} else {
		double *y;
		bool *has;
		if (x->v.type != GT_F64 && x->v.type != GT_I64 && x->v.type != GT_U64 && x->v.type != GT_BOOL)
			return sql_err(p->c->e, GT_STATUS_PLAN_QUERY,
				       "Error during planning: Use FILL LINEAR on Non-numeric DataType %s",
				       arrow_type(x->v.type));
		y = gt_calloc(n + 1, sizeof(*y));
		has = gt_calloc(n + 1, sizeof(*has));
		if (!y || !has) {
			free(y);
			free(has);
			return sql_nomem(p->c->e);
		}
		for (uint32_t i = 0; i < n; i++)
			if ((has[i] = !gt_vec_is_null(&x->v, i)))
				y[i] = sql_xv_f64(x, i);
		for (uint32_t k = 0; k < nruns; k++) {
			uint32_t b = runs[k], e = runs[k + 1], nn = 0;
			for (uint32_t i = b; i < e; i++)
				nn += has[i];
			if (nn < 2)
				continue;
			for (uint32_t i = b; i < e; i++) {
				if (has[i])
					continue;
				/* The nearest known points around i, or the two nearest on one side. */
				int64_t lo = -1, hi = -1, l2 = -1, h2 = -1;
				for (int64_t j = (int64_t)i - 1; j >= b && lo < 0; j--)
					if (has[j])
						lo = j;
				for (uint32_t j = i + 1; j < e && hi < 0; j++)
					if (has[j])
						hi = j;
				if (lo < 0) {
					for (uint32_t j = (uint32_t)hi + 1; j < e && h2 < 0; j++)
						if (has[j])
							h2 = j;
					lo = hi;
					hi = h2;
				} else if (hi < 0) {
					for (int64_t j = lo - 1; j >= b && l2 < 0; j--)
						if (has[j])
							l2 = j;
					hi = lo;
					lo = l2;
				}
				/* In milliseconds, as GreptimeDB computes it, for the same rounding. */
				double x0 = (double)floor_div(ts[lo], 1000000), x1 = (double)floor_div(ts[hi], 1000000);
				double xi = (double)floor_div(ts[i], 1000000);
				y[i] = y[lo] + (y[hi] - y[lo]) / (x1 - x0) * (xi - x0);
			}
			for (uint32_t i = b; i < e; i++)
				has[i] = true;
		}
		gt_vec_init(&out, GT_F64);
		for (uint32_t i = 0; i < n && rc == 0; i++)
			if ((has[i] ? gt_vec_push_f64(&out, y[i]) : gt_vec_push_null(&out)) < 0)
				rc = sql_nomem(p->c->e);
		free(y);
		free(has);
	}
	if (rc < 0) {
		gt_vec_release(&out);
		return rc;
	}
	gt_vec_release(&x->v);
	x->v = out;
	x->scalar = false;
	return 0;
}

/* Gather the rows of one range's pairs into a frame and compute its aggregates. */
static int run_range(struct plan *p, uint32_t rix, const struct pairs *w, uint32_t ngroups, struct sql_xv *out)
{
	struct sql_ctx *c = p->c;
	const struct gt_schema *sc = p->in->sc;
	struct gt_vec *cols = gt_calloc(sc->ncols + 1, sizeof(*cols));
	int rc = 0;
	if (!cols)
		return sql_nomem(c->e);
	for (uint32_t k = 0; k < sc->ncols; k++) {
		gt_vec_init(&cols[k], c->cols[k].type);
		if (gt_vec_reserve(&cols[k], w->n) < 0)
			rc = sql_nomem(c->e);
		for (uint32_t i = 0; i < w->n && rc == 0; i++)
			if (gt_vec_push_from(&cols[k], &c->cols[k], w->row[i]) < 0)
				rc = sql_nomem(c->e);
	}
	struct sql_ctx g = *c;
	g.cols = cols;
	g.nrows = w->n;
	g.slots = NULL;
	for (uint32_t a = 0; a < p->naggs && rc == 0; a++)
		if (p->aggs[a].rix == rix)
			rc = sql_agg_eval(&g, p->aggs[a].x, w->gid, ngroups, false, &out[a]);
	for (uint32_t k = 0; k < sc->ncols; k++)
		gt_vec_release(&cols[k]);
	free(cols);
	return rc;
}

int sql_range_group(struct sql_ctx *c, const struct sql_range_in *in, struct sql_xv **slotsp, uint32_t *nslotsp,
		    uint32_t *ngroupsp)
{
	struct plan p;
	struct groups g;
	struct gt_keymap km = {0};
	struct gt_buf kb = {0};
	struct sql_xv *bx = NULL, *res = NULL, *slots = NULL;
	struct pairs *w = NULL;
	struct order_ent *ord = NULL;
	uint32_t *kid = NULL, *kfirst = NULL, *runs = NULL, nkeys = 0, ngroups = 0, nslots = 0, nruns = 0;
	int64_t *tsv = NULL;
	uint64_t total = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	p.c = c;
	p.in = in;
	if ((rc = plan_query(&p)) < 0)
		goto out;
	bx = gt_calloc(p.nby + 1, sizeof(*bx));
	kid = gt_calloc(c->nrows + 1, sizeof(*kid));
	kfirst = gt_calloc(c->nrows + 1, sizeof(*kfirst));
	w = gt_calloc(p.nranges + 1, sizeof(*w));
	res = gt_calloc(p.naggs + 1, sizeof(*res));
	if (!bx || !kid || !kfirst || !w || !res) {
		rc = sql_nomem(c->e);
		goto out;
	}
	/* Keys. */
	for (uint32_t k = 0; k < p.nby && rc == 0; k++)
		rc = sql_eval(c, p.by[k], &bx[k]);
	for (uint32_t i = 0; i < c->nrows && rc == 0; i++) {
		bool isnew;
		gt_buf_reset(&kb);
		for (uint32_t k = 0; k < p.nby; k++)
			sql_key_add(&kb, &bx[k], i);
		int id = gt_keymap_get(&km, kb.p ? kb.p : "", kb.len, &isnew);
		if (id < 0) {
			rc = sql_nomem(c->e);
			break;
		}
		kid[i] = (uint32_t)id;
		if (isnew)
			kfirst[id] = i;
	}
	nkeys = km.n;
	if (rc < 0)
		goto out;
	/* Windows: row i at time t is in slot k's window when o + k*a <= t < o + k*a + r. */
	const struct gt_vec *tcol = &c->cols[p.tsk];
	int64_t mul = unit_mul(in->sc->cols[p.tsk].unit);
	for (uint32_t i = 0; i < c->nrows && rc == 0; i++) {
		int64_t t, d;
		if (gt_vec_is_null(tcol, i))
			continue;
		if (__builtin_mul_overflow(tcol->v.i64[i], mul, &t) || __builtin_sub_overflow(t, p.origin, &d))
			continue;
		for (uint32_t j = 0; j < p.nranges && rc == 0; j++) {
			int64_t kmax = floor_div(d, p.align), kmin;
			if (d < INT64_MIN + p.ranges[j])
				continue;
			kmin = floor_div(d - p.ranges[j], p.align) + 1;
			for (int64_t k = kmin; k <= kmax && rc == 0; k++) {
				uint32_t gid;
				if (++total > SQL_RANGE_MAX_PAIRS)
					rc = sql_err(c->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED,
						     "range query expands to more than %u (row, window) pairs", SQL_RANGE_MAX_PAIRS);
				else if (group_get(&g, kid[i], k, &gid) < 0 || pair_add(&w[j], i, gid) < 0)
					rc = sql_nomem(c->e);
			}
		}
	}
	if (rc < 0)
		goto out;
	/* FILL: every slot between a key's first and last. */
	if (p.fill && g.map.n) {
		int64_t *lo = gt_calloc(nkeys + 1, sizeof(*lo)), *hi = gt_calloc(nkeys + 1, sizeof(*hi));
		bool *seen = gt_calloc(nkeys + 1, sizeof(*seen));
		uint32_t n0 = g.map.n;
		if (!lo || !hi || !seen)
			rc = sql_nomem(c->e);
		for (uint32_t id = 0; id < n0 && rc == 0; id++) {
			uint32_t kk = g.kid[id];
			if (!seen[kk] || g.slot[id] < lo[kk])
				lo[kk] = g.slot[id];
			if (!seen[kk] || g.slot[id] > hi[kk])
				hi[kk] = g.slot[id];
			seen[kk] = true;
		}
		for (uint32_t kk = 0; kk < nkeys && rc == 0; kk++) {
			if (!seen[kk])
				continue;
			for (int64_t s = lo[kk]; s <= hi[kk] && rc == 0; s++) {
				uint32_t gid;
				if (++total > SQL_RANGE_MAX_PAIRS)
					rc = sql_err(c->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED,
						     "range query fills more than %u time slots", SQL_RANGE_MAX_PAIRS);
				else if (group_get(&g, kk, s, &gid) < 0)
					rc = sql_nomem(c->e);
			}
		}
		free(lo);
		free(hi);
		free(seen);
		if (rc < 0)
			goto out;
	}
	ngroups = g.map.n;
	/* Aggregates, one gathered frame per range. */
	for (uint32_t j = 0; j < p.nranges && rc == 0; j++)
		rc = run_range(&p, j, &w[j], ngroups, res);
	if (rc < 0)
		goto out;
	/* Output order: key, then time. */
	ord = gt_calloc(ngroups + 1, sizeof(*ord));
	tsv = gt_calloc(ngroups + 1, sizeof(*tsv));
	runs = gt_calloc(ngroups + 2, sizeof(*runs));
	nslots = p.nby + 1 + p.naggs;
	slots = gt_calloc(nslots + 1, sizeof(*slots));
	if (!ord || !tsv || !runs || !slots) {
		rc = sql_nomem(c->e);
		goto out;
	}
	for (uint32_t id = 0; id < ngroups; id++) {
		ord[id].kid = g.kid[id];
		ord[id].slot = g.slot[id];
		ord[id].gid = id;
	}
	qsort(ord, ngroups, sizeof(*ord), order_cmp);
	for (uint32_t i = 0; i < ngroups; i++) {
		tsv[i] = p.origin + ord[i].slot * p.align;
		if (i == 0 || ord[i].kid != ord[i - 1].kid)
			runs[nruns++] = i;
	}
	runs[nruns] = ngroups;
	for (uint32_t k = 0; k < p.nby && rc == 0; k++) {
		gt_vec_init(&slots[k].v, bx[k].v.type);
		slots[k].unit = bx[k].unit;
		for (uint32_t i = 0; i < ngroups && rc == 0; i++)
			if (gt_vec_push_from(&slots[k].v, &bx[k].v, SQL_IX(&bx[k], kfirst[ord[i].kid])) < 0)
				rc = sql_nomem(c->e);
	}
	struct sql_xv *tx = &slots[p.nby];
	uint8_t unit = in->sc->cols[p.tsk].unit;
	gt_vec_init(&tx->v, GT_TS);
	tx->unit = unit;
	for (uint32_t i = 0; i < ngroups && rc == 0; i++)
		if (gt_vec_push_i64(&tx->v, floor_div(tsv[i], mul)) < 0)
			rc = sql_nomem(c->e);
	for (uint32_t a = 0; a < p.naggs && rc == 0; a++) {
		struct sql_xv *x = &slots[p.nby + 1 + a];
		gt_vec_init(&x->v, res[a].v.type);
		x->unit = res[a].unit;
		for (uint32_t i = 0; i < ngroups && rc == 0; i++)
			if (gt_vec_push_from(&x->v, &res[a].v, SQL_IX(&res[a], ord[i].gid)) < 0)
				rc = sql_nomem(c->e);
		if (rc == 0)
			rc = fill_column(&p, p.aggs[a].x->range, x, runs, nruns, tsv);
	}
	if (rc < 0)
		goto out;
	*slotsp = slots;
	*nslotsp = nslots;
	*ngroupsp = ngroups;
	slots = NULL;
out:
	if (slots) {
		for (uint32_t k = 0; k < nslots; k++)
			sql_xv_release(&slots[k]);
		free(slots);
	}
	for (uint32_t k = 0; bx && k < p.nby; k++)
		sql_xv_release(&bx[k]);
	for (uint32_t a = 0; res && a < p.naggs; a++)
		sql_xv_release(&res[a]);
	for (uint32_t j = 0; w && j < p.nranges; j++) {
		free(w[j].row);
		free(w[j].gid);
	}
	free(bx);
	free(res);
	free(w);
	free(kid);
	free(kfirst);
	free(ord);
	free(tsv);
	free(runs);
	gt_keymap_release(&km);
	gt_keymap_release(&g.map);
	free(g.kid);
	free(g.slot);
	gt_buf_release(&kb);
	plan_release(&p);
	return rc;
}
