/*
 * sql-aggfn.c - aggregate functions over a frame whose rows are assigned
 * to groups (see sql-aggfn.h).
 *
 * Three shapes of state:
 *   - streaming per group (count, sum, avg, min, max, first/last, the
 *     variance family, bit and bool folds, corr/covar/regr moments): one
 *     pass over the rows updating struct aggst / struct pairst;
 *   - holistic (median, approx_*, string_agg, array_agg): the rows are
 *     bucketed by group (a stable counting sort, so each group's rows
 *     stay in frame order), then each group is computed from its rows.
 * DISTINCT keeps the first row of each (group, value) pair.
 *
 * Floating point follows DataFusion's accumulators operation by
 * operation (Welford updates for variance, covariance and regression,
 * its t-digest for approx_percentile_cont), so results agree to the
 * last digit with GreptimeDB on the same rows in the same order.
 */
#include "keymap.h"
#include "sql-aggfn.h"

#include <math.h>

enum agk {
	K_COUNT = 1, K_SUM, K_AVG, K_MIN, K_MAX, K_FIRST, K_LAST,
	K_VAR_SAMP, K_VAR_POP, K_STD_SAMP, K_STD_POP,
	K_BIT_AND, K_BIT_OR, K_BIT_XOR, K_BOOL_AND, K_BOOL_OR,
	K_CORR, K_COVAR_POP, K_COVAR_SAMP,
	K_REGR_SLOPE, K_REGR_INTERCEPT, K_REGR_COUNT, K_REGR_R2, K_REGR_AVGX, K_REGR_AVGY,
	K_REGR_SXX, K_REGR_SYY, K_REGR_SXY,
	K_MEDIAN, K_APPROX_MEDIAN, K_APPROX_PCT, K_APPROX_PCT_W, K_APPROX_DISTINCT,
	K_STRING_AGG, K_ARRAY_AGG,
};

static const struct aggdef {
	const char *name;
	uint8_t kind, nargs;   /* value arguments (WITHIN GROUP's ORDER BY counts as one) */
} defs[] = {
	{"count", K_COUNT, 1}, {"sum", K_SUM, 1}, {"avg", K_AVG, 1}, {"mean", K_AVG, 1},
	{"min", K_MIN, 1}, {"max", K_MAX, 1}, {"first_value", K_FIRST, 1}, {"last_value", K_LAST, 1},
	{"stddev", K_STD_SAMP, 1}, {"stddev_samp", K_STD_SAMP, 1}, {"stddev_pop", K_STD_POP, 1},
	{"variance", K_VAR_SAMP, 1}, {"var_samp", K_VAR_SAMP, 1}, {"var", K_VAR_SAMP, 1},
	{"var_pop", K_VAR_POP, 1}, {"variance_pop", K_VAR_POP, 1},
	{"bit_and", K_BIT_AND, 1}, {"bit_or", K_BIT_OR, 1}, {"bit_xor", K_BIT_XOR, 1},
	{"bool_and", K_BOOL_AND, 1}, {"bool_or", K_BOOL_OR, 1},
	{"corr", K_CORR, 2}, {"covar_pop", K_COVAR_POP, 2}, {"covar_samp", K_COVAR_SAMP, 2},
	{"covar", K_COVAR_SAMP, 2},
	{"regr_slope", K_REGR_SLOPE, 2}, {"regr_intercept", K_REGR_INTERCEPT, 2}, {"regr_count", K_REGR_COUNT, 2},
	{"regr_r2", K_REGR_R2, 2}, {"regr_avgx", K_REGR_AVGX, 2}, {"regr_avgy", K_REGR_AVGY, 2},
	{"regr_sxx", K_REGR_SXX, 2}, {"regr_syy", K_REGR_SYY, 2}, {"regr_sxy", K_REGR_SXY, 2},
	{"median", K_MEDIAN, 1}, {"approx_median", K_APPROX_MEDIAN, 1},
	{"approx_percentile_cont", K_APPROX_PCT, 2}, {"approx_percentile_cont_with_weight", K_APPROX_PCT_W, 3},
	{"approx_distinct", K_APPROX_DISTINCT, 1},
	{"string_agg", K_STRING_AGG, 2}, {"array_agg", K_ARRAY_AGG, 1},
};

static const struct aggdef *find_def(const struct sql_expr *x)
{
	if (x->kind != E_FUNC)
		return NULL;
	for (size_t k = 0; k < GT_ARRAY_LEN(defs); k++)
		if (!strcmp(x->s, defs[k].name))
			return &defs[k];
	return NULL;
}

bool sql_is_agg(const struct sql_expr *x)
{
	return find_def(x) != NULL;
}

static bool is_intlike(uint8_t t)
{
	return t == GT_I64 || t == GT_U64 || t == GT_BOOL;
}

static bool is_num(uint8_t t)
{
	return t == GT_F64 || is_intlike(t);
}

static int nomem(struct sql_ctx *c)
{
	return sql_nomem(c->e);
}

/*
 * The coercible signatures of sum and avg, in DataFusion's order: the
 * class each candidate requires and its implicit coercions.  A call
 * matching none fails with every candidate's complaint and the list.
 */
static const struct {
	const char *f;
	const char *cls[5], *coerce[5];
} sigs[] = {
	{"sum",
	 {"Decimal", "Native(LogicalType(Native(UInt64), UInt64))", "Native(LogicalType(Native(Int64), Int64))",
	  "Native(LogicalType(Native(Float64), Float64))", "Duration"},
	 {NULL,
	  "[Native(LogicalType(Native(UInt8), UInt8)), Native(LogicalType(Native(UInt16), UInt16)), "
	  "Native(LogicalType(Native(UInt32), UInt32))], default_type=UInt64",
	  "[Native(LogicalType(Native(Int8), Int8)), Native(LogicalType(Native(Int16), Int16)), "
	  "Native(LogicalType(Native(Int32), Int32))], default_type=Int64",
	  "[Float], default_type=Float64", NULL}},
	{"avg",
	 {"Decimal", "Duration", "Native(LogicalType(Native(Float64), Float64))"},
	 {NULL, NULL, "[Integer, Float], default_type=Float64"}},
};

static int plan_err(struct sql_ctx *c, const char *f, const struct sql_xv *arg)
{
	const char *t = sql_arrow_type_name(arg->v.type, arg->unit, arg->lt);
	struct gt_buf b = {0};
	size_t k;
	int rc;
	for (k = 0; k < GT_ARRAY_LEN(sigs) && strcmp(sigs[k].f, f); k++)
		;
	if (k == GT_ARRAY_LEN(sigs))
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: No function matches the given name and argument types '%s(%s)'.",
			       f, arg->v.type == GT_STRING ? "Utf8" : arg->v.type == GT_BOOL ? "Boolean" : t);
	gt_buf_addf(&b, "Execution error: Function '%s' failed to match any signature, errors: ", f);
	for (size_t i = 0; i < 5 && sigs[k].cls[i]; i++)
		gt_buf_addf(&b, "%sError during planning: Function '%s' requires TypeSignatureClass::%s, but received %s (DataType: %s).",
			    i ? "," : "", f, sigs[k].cls[i], t, t);
	gt_buf_addf(&b, " No function matches the given name and argument types '%s(%s)'. You might need to add explicit type casts.\n\tCandidate functions:",
		    f, t);
	for (size_t i = 0; i < 5 && sigs[k].cls[i]; i++) {
		gt_buf_addf(&b, "\n\t%s(Coercion(TypeSignatureClass::%s", f, sigs[k].cls[i]);
		/* DataFusion leaves the call's parenthesis open after a coercion list */
		if (sigs[k].coerce[i])
			gt_buf_addf(&b, ", implicit_coercion=ImplicitCoercion(%s))", sigs[k].coerce[i]);
		else
			gt_buf_addstr(&b, "))");
	}
	rc = b.p ? sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: Error during planning: %s", b.p)
		 : sql_nomem(c->e);
	gt_buf_release(&b);
	return rc;
}

/* The evaluated inputs of one call. */
struct agin {
	const struct aggdef *d;
	struct sql_expr *a;
	struct sql_xv val, val2, ord;   /* value, second argument (y or weight or separator), ORDER BY key */
	bool star, has2, has_ord;
	double pct;                     /* approx_percentile_cont's fraction */
	const uint8_t *keep;            /* DISTINCT: rows to use, or NULL for all */
};

/* Rows i of x and y compared under the call's ORDER BY (nulls last ascending, first descending). */
static int ord_cmp(const struct agin *in, uint32_t i, uint32_t j)
{
	const struct sql_xv *o = &in->ord;
	bool ni = SQL_NULL(o, i), nj = SQL_NULL(o, j);
	int r = ni && nj ? 0 : ni ? 1 : nj ? -1 : sql_xv_cmp(o, i, j);
	return in->a->ord_desc ? -r : r;
}

/* Stable merge sort of row indices by the ORDER BY key. */
static void sort_rows(const struct agin *in, uint32_t *v, uint32_t *tmp, uint32_t n)
{
	if (n < 2)
		return;
	uint32_t h = n / 2, i = 0, j = h, k = 0;
	sort_rows(in, v, tmp, h);
	sort_rows(in, v + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = ord_cmp(in, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, (size_t)n * sizeof(*v));
}

/* ---- streaming: count, sum, avg, min, max, first/last, variance ---- */

struct aggst {
	double sum, mean, m2;
	int64_t isum;
	uint64_t cnt;
	uint32_t best;      /* row index for min/max/first/last */
	bool has;
};

static int simple_agg(struct sql_ctx *c, struct agin *in, const uint32_t *gid, uint32_t ngroups, struct sql_xv *out)
{
	struct sql_expr *a = in->a;
	struct sql_xv *arg = &in->val;
	uint8_t k = in->d->kind;
	int rc = 0;
	bool star = in->star;
	if (star && k != K_COUNT)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: %s(*) is not supported", a->s);
	bool isnum = !star && is_num(arg->v.type);
	bool isfirst = k == K_FIRST, islast = k == K_LAST, ismin = k == K_MIN, ismax = k == K_MAX;
	if (!star && !isnum && !ismin && !ismax && !isfirst && !islast && k != K_COUNT)
		return plan_err(c, a->s, arg);
	if (k == K_AVG && a->args[0]->kind == E_NULL && c->schema)
		return sql_err(c->e, GT_STATUS_ENGINE_EXECUTE_QUERY, "Execution error: AvgAccumulator for (Null --> Float64)");
	struct aggst *st = gt_calloc(ngroups ? ngroups : 1, sizeof(*st));
	if (!st)
		return nomem(c);
	for (uint32_t i = 0; i < c->nrows; i++) {
		struct aggst *g = &st[gid[i]];
		if (isfirst || islast) {
			if (in->has_ord) {
				if (!g->has) {
					g->has = true;
					g->best = i;
				} else {
					int r = ord_cmp(in, i, g->best);
					if (isfirst ? r < 0 : r >= 0)
						g->best = i;
				}
			} else {
				if (!g->has || islast)
					g->best = i;
				g->has = true;
			}
			continue;
		}
		if (!star && SQL_NULL(arg, i))
			continue;
		if (in->keep && !in->keep[i])
			continue;
		if (ismin || ismax) {
			if (!g->has || (ismin ? sql_xv_cmp(arg, i, g->best) < 0 : sql_xv_cmp(arg, i, g->best) > 0))
				g->best = i;
			g->has = true;
			continue;
		}
		g->has = true;
		g->cnt++;
		if (!isnum)
			continue;
		if (arg->v.type == GT_I64 || arg->v.type == GT_BOOL) {
			/* DataFusion's integer sum wraps around. */
			g->isum = (int64_t)((uint64_t)g->isum + (uint64_t)sql_xv_i64(arg, i));
		} else if (arg->v.type == GT_U64) {
			g->isum = (int64_t)((uint64_t)g->isum + arg->v.v.u64[SQL_IX(arg, i)]);
		}
		double d = sql_xv_f64(arg, i);
		g->sum += d;
		double delta = d - g->mean;
		g->mean += delta / (double)g->cnt;
		g->m2 += delta * (d - g->mean);
	}
	if (k == K_COUNT) {
		gt_vec_init(&out->v, GT_I64);
		for (uint32_t g = 0; g < ngroups && rc == 0; g++)
			if (gt_vec_push_i64(&out->v, (int64_t)st[g].cnt) < 0)
				rc = nomem(c);
	} else if (ismin || ismax || isfirst || islast) {
		gt_vec_init(&out->v, arg->v.type);
		out->unit = arg->unit;
		out->lt = arg->lt;
		for (uint32_t g = 0; g < ngroups && rc == 0; g++) {
			int r = !st[g].has || SQL_NULL(arg, st[g].best) ? gt_vec_push_null(&out->v) :
				gt_vec_push_from(&out->v, &arg->v, SQL_IX(arg, st[g].best));
			if (r < 0)
				rc = nomem(c);
		}
	} else if (k == K_SUM && arg->v.type != GT_F64) {
		gt_vec_init(&out->v, arg->v.type == GT_U64 ? GT_U64 : GT_I64);
		for (uint32_t g = 0; g < ngroups && rc == 0; g++) {
			int r = !st[g].has ? gt_vec_push_null(&out->v) : gt_vec_push_i64(&out->v, st[g].isum);
			if (r < 0)
				rc = nomem(c);
		}
	} else {
		gt_vec_init(&out->v, GT_F64);
		for (uint32_t g = 0; g < ngroups && rc == 0; g++) {
			struct aggst *s = &st[g];
			double v;
			bool null = !s->has;
			if (k == K_SUM) {
				v = s->sum;
			} else if (k == K_AVG) {
				v = s->sum / (double)s->cnt;
			} else if (k == K_STD_POP || k == K_VAR_POP) {
				v = s->m2 / (double)s->cnt;
				if (k == K_STD_POP)
					v = sqrt(v);
			} else {
				null |= s->cnt < 2;
				v = s->cnt >= 2 ? s->m2 / (double)(s->cnt - 1) : 0;
				if (k == K_STD_SAMP)
					v = sqrt(v);
			}
			int r = null ? gt_vec_push_null(&out->v) : gt_vec_push_f64(&out->v, v);
			if (r < 0)
				rc = nomem(c);
		}
	}
	free(st);
	return rc;
}

/* ---- streaming: bit_and/or/xor, bool_and/or ---- */

static int fold_agg(struct sql_ctx *c, struct agin *in, const uint32_t *gid, uint32_t ngroups, struct sql_xv *out)
{
	const struct sql_xv *arg = &in->val;
	uint8_t k = in->d->kind;
	bool isbool = k == K_BOOL_AND || k == K_BOOL_OR;
	int rc = 0;
	if (isbool ? arg->v.type != GT_BOOL && !is_intlike(arg->v.type) : !is_intlike(arg->v.type) || arg->v.type == GT_BOOL)
		return plan_err(c, in->a->s, arg);
	int64_t *acc = gt_calloc(ngroups ? ngroups : 1, sizeof(*acc));
	uint8_t *has = gt_calloc(ngroups ? ngroups : 1, 1);
	if (!acc || !has) {
		free(acc);
		free(has);
		return nomem(c);
	}
	for (uint32_t i = 0; i < c->nrows; i++) {
		if (SQL_NULL(arg, i) || (in->keep && !in->keep[i]))
			continue;
		uint32_t g = gid[i];
		int64_t v = sql_xv_i64(arg, i);
		if (isbool)
			v = v != 0;
		if (!has[g]) {
			acc[g] = v;
			has[g] = 1;
			continue;
		}
		switch (k) {
		case K_BIT_AND: case K_BOOL_AND: acc[g] &= v; break;
		case K_BIT_OR: case K_BOOL_OR: acc[g] |= v; break;
		default: acc[g] ^= v; break;
		}
	}
	gt_vec_init(&out->v, isbool ? GT_BOOL : arg->v.type);
	for (uint32_t g = 0; g < ngroups && rc == 0; g++) {
		int r = !has[g] ? gt_vec_push_null(&out->v) : isbool ? gt_vec_push_bool(&out->v, acc[g] != 0) :
			gt_vec_push_i64(&out->v, acc[g]);
		if (r < 0)
			rc = nomem(c);
	}
	free(acc);
	free(has);
	return rc;
}

/* ---- streaming: corr, covar_*, regr_* over (y, x) pairs ---- */

struct pairst {
	uint64_t n;
	double m1, m2;          /* means of the first and second argument */
	double q1, q2, co;      /* their centred second moments and the co-moment */
	double s1, s2, s12, s11, s22;   /* plain sums (corr with GROUP BY) */
};

static int pair_agg(struct sql_ctx *c, struct agin *in, const uint32_t *gid, uint32_t ngroups, bool grouped,
		    struct sql_xv *out)
{
	const struct sql_xv *a1 = &in->val, *a2 = &in->val2;
	uint8_t k = in->d->kind;
	int rc = 0;
	if (!is_num(a1->v.type) || a1->v.type == GT_BOOL)
		return plan_err(c, in->a->s, a1);
	if (!is_num(a2->v.type) || a2->v.type == GT_BOOL)
		return plan_err(c, in->a->s, a2);
	struct pairst *st = gt_calloc(ngroups ? ngroups : 1, sizeof(*st));
	if (!st)
		return nomem(c);
	for (uint32_t i = 0; i < c->nrows; i++) {
		if (SQL_NULL(a1, i) || SQL_NULL(a2, i) || (in->keep && !in->keep[i]))
			continue;
		struct pairst *s = &st[gid[i]];
		double v1 = sql_xv_f64(a1, i), v2 = sql_xv_f64(a2, i);
		s->n++;
		double n = (double)s->n;
		if (k >= K_REGR_SLOPE) {
			/* DataFusion's RegrAccumulator: regr_*(y, x). */
			double y = v1, x = v2;
			double dx = x - s->m2, dy = y - s->m1;
			s->m2 += dx / n;
			s->m1 += dy / n;
			s->q2 += dx * (x - s->m2);
			s->q1 += dy * (y - s->m1);
			s->co += dx * (y - s->m1);
			continue;
		}
		/* CovarianceAccumulator, and for corr two variance accumulators. */
		double d1 = v1 - s->m1, nm1 = d1 / n + s->m1;
		double d2 = v2 - s->m2, nm2 = d2 / n + s->m2;
		s->co = d1 * (v2 - nm2) + s->co;
		s->q1 += d1 * (v1 - nm1);
		s->q2 += d2 * (v2 - nm2);
		s->m1 = nm1;
		s->m2 = nm2;
		s->s1 += v1;
		s->s2 += v2;
		s->s12 += v1 * v2;
		s->s11 += v1 * v1;
		s->s22 += v2 * v2;
	}
	gt_vec_init(&out->v, k == K_REGR_COUNT ? GT_U64 : GT_F64);
	for (uint32_t g = 0; g < ngroups && rc == 0; g++) {
		const struct pairst *s = &st[g];
		double n = (double)s->n, v = 0;
		bool null = false;
		switch (k) {
		case K_CORR:
			if (grouped) {
				/* CorrelationGroupsAccumulator: from plain sums. */
				double mx = s->s1 / n, my = s->s2 / n;
				double num = s->s12 - s->s1 * my;
				double den = sqrt((s->s11 - s->s1 * mx) * (s->s22 - s->s2 * my));
				null = s->n < 2 || den == 0;
				v = num / den;
			} else {
				double sd1 = sqrt(s->q1 / n), sd2 = sqrt(s->q2 / n);
				null = s->n < 2 || sd1 == 0 || sd2 == 0;
				v = s->co / n / sd1 / sd2;
			}
			break;
		case K_COVAR_POP:
			null = s->n == 0;
			v = s->co / n;
			break;
		case K_COVAR_SAMP:
			null = s->n < 2;
			v = s->co / (n - 1);
			break;
		case K_REGR_COUNT:
			break;
		case K_REGR_SLOPE:
		case K_REGR_INTERCEPT: {
			/* GreptimeDB merges the partial state into an empty one,
			 * which rescales the means: mean * n / n. */
			double my = s->m1 * n / n, mx = s->m2 * n / n;
			double cov = s->co / n, varx = s->q2 / n, slope = cov / varx;
			null = s->n <= 1 || varx == 0;
			v = k == K_REGR_SLOPE ? slope : my - slope * mx;
			break;
		}
		case K_REGR_R2: {
			double cov = s->co / n, varx = s->q2 / n, vary = s->q1 / n;
			null = s->n <= 1 || varx == 0 || vary == 0;
			v = (cov * cov) / (varx * vary);
			break;
		}
		default:
			null = s->n < 1;
			v = k == K_REGR_AVGX ? s->m2 * n / n : k == K_REGR_AVGY ? s->m1 * n / n : k == K_REGR_SXX ? s->q2 :
			    k == K_REGR_SYY ? s->q1 : s->co;
		}
		int r = k == K_REGR_COUNT ? gt_vec_push_u64(&out->v, s->n) :
			null ? gt_vec_push_null(&out->v) : gt_vec_push_f64(&out->v, v);
		if (r < 0)
			rc = nomem(c);
	}
	free(st);
	return rc;
}

/* ---- t-digest (DataFusion's, after Folly's): approx_percentile_cont ---- */

#define TD_MAX_SIZE 100

struct centroid {
	double mean, weight;
};

struct tdigest {
	struct centroid *c;
	uint32_t n;
	double sum, min, max;
	uint64_t count;
};

static double td_k_to_q(uint64_t k, uint32_t d)
{
	double kd = (double)k / (double)d;
	if (kd >= 0.5) {
		double b = 1.0 - kd;
		return 1.0 - 2.0 * b * b;
	}
	return 2.0 * kd * kd;
}

static double cen_add(struct centroid *c, double sum, double weight)
{
	double ns = sum + c->weight * c->mean;
	c->weight += weight;
	c->mean = ns / c->weight;
	return ns;
}

static int cmp_cen(const void *a, const void *b)
{
	double x = ((const struct centroid *)a)->mean, y = ((const struct centroid *)b)->mean;
	return (x > y) - (x < y);
}

/*
 * Compress centroids v[0..n) (sorted by mean) of total count into t,
 * as both merge_sorted_f64 from an empty digest (weights 1) and
 * merge_digests do: t->c must have room for n centroids.
 */
static void td_compress(struct tdigest *t, struct centroid *v, uint32_t n, uint64_t count)
{
	uint64_t k_limit = 1;
	double q_limit = td_k_to_q(k_limit, TD_MAX_SIZE) * (double)count;
	k_limit++;
	struct centroid curr = v[0];
	double so_far = curr.weight, sums = 0, weights = 0;
	t->n = 0;
	t->sum = 0;
	for (uint32_t i = 1; i < n; i++) {
		so_far += v[i].weight;
		if (so_far <= q_limit) {
			sums += v[i].mean * v[i].weight;
			weights += v[i].weight;
		} else {
			t->sum += cen_add(&curr, sums, weights);
			sums = weights = 0;
			t->c[t->n++] = curr;
			q_limit = td_k_to_q(k_limit, TD_MAX_SIZE) * (double)count;
			k_limit++;
			curr = v[i];
		}
	}
	t->sum += cen_add(&curr, sums, weights);
	t->c[t->n++] = curr;
	qsort(t->c, t->n, sizeof(*t->c), cmp_cen);
	t->count = count;
}

static double td_quantile(const struct tdigest *t, double q)
{
	if (!t->n)
		return 0.0;
	double rank = q * (double)t->count, tw;
	uint32_t pos;
	if (q > 0.5) {
		if (q >= 1.0)
			return t->max;
		pos = 0;
		tw = (double)t->count;
		for (uint32_t k = t->n; k-- > 0;) {
			tw -= t->c[k].weight;
			if (rank >= tw) {
				pos = k;
				break;
			}
		}
	} else {
		if (q <= 0.0)
			return t->min;
		pos = t->n - 1;
		tw = 0;
		for (uint32_t k = 0; k < t->n; k++) {
			if (rank < tw + t->c[k].weight) {
				pos = k;
				break;
			}
			tw += t->c[k].weight;
		}
	}
	double delta = 0, lo = t->min, hi = t->max;
	if (t->n > 1) {
		if (pos == 0) {
			delta = t->c[1].mean - t->c[0].mean;
			hi = t->c[1].mean;
		} else if (pos == t->n - 1) {
			delta = t->c[pos].mean - t->c[pos - 1].mean;
			lo = t->c[pos - 1].mean;
		} else {
			delta = (t->c[pos + 1].mean - t->c[pos - 1].mean) / 2.0;
			lo = t->c[pos - 1].mean;
			hi = t->c[pos + 1].mean;
		}
	}
	double v = t->c[pos].mean + ((rank - tw) / t->c[pos].weight - 0.5) * delta;
	if (isinf(lo) && lo > 0)
		lo = -INFINITY;
	if (isinf(hi) && hi < 0)
		hi = INFINITY;
	if (isnan(lo) || isnan(hi))
		return v;
	return v < lo ? lo : v > hi ? hi : v;
}

static int cmp_f64(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return (x > y) - (x < y);
}

/* ---- holistic: median, approx_*, string_agg, array_agg ---- */

/* Push a computed quantile as the input's type (integers truncate, as a Rust `as` cast). */
static int push_as(struct gt_vec *v, uint8_t type, double d)
{
	if (type == GT_F64)
		return gt_vec_push_f64(v, d);
	if (type == GT_U64)
		return gt_vec_push_u64(v, d <= 0 || d != d ? 0 : d >= 1.8e19 ? UINT64_MAX : (uint64_t)d);
	return gt_vec_push_i64(v, d != d ? 0 : d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d);
}

static int group_median(struct sql_ctx *c, const struct agin *in, const uint32_t *rows, uint32_t n, struct gt_vec *out,
			double *scratch)
{
	const struct sql_xv *arg = &in->val;
	uint32_t m = 0;
	(void)c;
	if (arg->v.type == GT_F64) {
		for (uint32_t k = 0; k < n; k++)
			if (!SQL_NULL(arg, rows[k]))
				scratch[m++] = sql_xv_f64(arg, rows[k]);
		if (!m)
			return gt_vec_push_null(out);
		qsort(scratch, m, sizeof(*scratch), cmp_f64);
		return gt_vec_push_f64(out, m % 2 ? scratch[m / 2] : (scratch[m / 2 - 1] + scratch[m / 2]) / 2);
	}
	int64_t *iv = (int64_t *)scratch;
	for (uint32_t k = 0; k < n; k++)
		if (!SQL_NULL(arg, rows[k]))
			iv[m++] = sql_xv_i64(arg, rows[k]);
	if (!m)
		return gt_vec_push_null(out);
	/* Sort as signed (unsigned inputs above INT64_MAX are out of reach here). */
	for (uint32_t i = 1; i < m; i++) {
		int64_t x = iv[i];
		uint32_t j = i;
		for (; j > 0 && iv[j - 1] > x; j--)
			iv[j] = iv[j - 1];
		iv[j] = x;
	}
	if (m % 2)
		return gt_vec_push_i64(out, iv[m / 2]);
	/* (low + high) / 2 with wrapping addition and truncating division. */
	int64_t s = (int64_t)((uint64_t)iv[m / 2 - 1] + (uint64_t)iv[m / 2]);
	return gt_vec_push_i64(out, s / 2);
}

static int group_pct(struct sql_ctx *c, const struct agin *in, const uint32_t *rows, uint32_t n, struct gt_vec *out,
		     double *scratch, struct centroid *cen, struct centroid *cen2)
{
	const struct sql_xv *arg = &in->val;
	struct tdigest t = {.c = cen2};
	uint32_t m = 0;
	uint64_t count = 0;
	(void)c;
	if (in->d->kind == K_APPROX_PCT_W) {
		const struct sql_xv *w = &in->val2;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t i = rows[k];
			if (SQL_NULL(arg, i) || SQL_NULL(w, i))
				continue;
			/* A one-centroid digest counts (u64)weight values; merge_digests
			 * skips the digests that count none. */
			double wt = sql_xv_f64(w, i);
			uint64_t wc = wt >= 1.8e19 ? UINT64_MAX : wt >= 1 ? (uint64_t)wt : 0;
			if (!wc)
				continue;
			cen[m].mean = sql_xv_f64(arg, i);
			cen[m].weight = wt;
			m++;
			count += wc;
		}
		if (!m)
			return gt_vec_push_null(out);
		/* merge_digests: a stable merge of one-centroid digests by mean. */
		for (uint32_t i = 1; i < m; i++) {
			struct centroid x = cen[i];
			uint32_t j = i;
			for (; j > 0 && cen[j - 1].mean > x.mean; j--)
				cen[j] = cen[j - 1];
			cen[j] = x;
		}
		t.min = INFINITY;
		t.max = -INFINITY;
		for (uint32_t k = 0; k < m; k++) {
			t.min = fmin(t.min, cen[k].mean);
			t.max = fmax(t.max, cen[k].mean);
		}
	} else {
		for (uint32_t k = 0; k < n; k++)
			if (!SQL_NULL(arg, rows[k]))
				scratch[m++] = sql_xv_f64(arg, rows[k]);
		if (!m)
			return gt_vec_push_null(out);
		qsort(scratch, m, sizeof(*scratch), cmp_f64);
		for (uint32_t k = 0; k < m; k++) {
			cen[k].mean = scratch[k];
			cen[k].weight = 1.0;
		}
		count = m;
		t.min = scratch[0];
		t.max = scratch[m - 1];
	}
	if (!count)
		return gt_vec_push_null(out);
	td_compress(&t, cen, m, count);
	double q = in->pct;
	if (in->a->within && in->a->ord_desc)
		q = 1.0 - q;
	return push_as(out, arg->v.type, td_quantile(&t, q));
}

static int group_concat(struct sql_ctx *c, const struct agin *in, uint32_t *rows, uint32_t n, struct gt_vec *out,
			uint32_t *tmp, struct gt_buf *b)
{
	const struct sql_xv *arg = &in->val;
	bool list = in->d->kind == K_ARRAY_AGG;
	const char *sep = "";
	uint32_t seplen = 0, used = 0;
	char nb[64], sb[64];
	(void)c;
	if (in->has_ord)
		sort_rows(in, rows, tmp, n);
	if (!list && in->has2 && !SQL_NULL(&in->val2, 0))
		sql_xv_text(&in->val2, 0, sb, sizeof(sb), &sep, &seplen);
	gt_buf_reset(b);
	if (list)
		gt_buf_addch(b, '[');
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = rows[k];
		const char *s = "";
		uint32_t len = 0;
		bool null = SQL_NULL(arg, i);
		if (null && !list)
			continue;
		if (!null)
			sql_xv_text(arg, i, nb, sizeof(nb), &s, &len);
		if (used)
			gt_buf_add(b, list ? ", " : sep, list ? 2 : seplen);
		gt_buf_add(b, s, len);
		used++;
	}
	if (!used)
		return gt_vec_push_null(out);
	if (list)
		gt_buf_addch(b, ']');
	return gt_vec_push_str(out, b->p ? b->p : "", b->len);
}

static int holistic_agg(struct sql_ctx *c, struct agin *in, const uint32_t *gid, uint32_t ngroups, struct sql_xv *out)
{
	const struct sql_xv *arg = &in->val;
	uint8_t k = in->d->kind;
	uint32_t n = c->nrows;
	uint32_t *start = NULL, *rows = NULL, *tmp = NULL;
	double *scratch = NULL;
	struct centroid *cen = NULL, *cen2 = NULL;
	struct gt_buf b = {0};
	struct gt_keymap dm = {0};
	int rc = 0;
	bool numeric = k == K_MEDIAN || k == K_APPROX_MEDIAN || k == K_APPROX_PCT || k == K_APPROX_PCT_W;

	if (numeric && (!is_num(arg->v.type) || arg->v.type == GT_BOOL))
		return plan_err(c, in->a->s, arg);
	if (k == K_APPROX_PCT_W && (!is_num(in->val2.v.type) || in->val2.v.type == GT_BOOL))
		return plan_err(c, in->a->s, &in->val2);
	if (k == K_STRING_AGG && !in->val2.scalar)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: string_agg's delimiter must be a literal");
	start = gt_calloc((size_t)ngroups + 2, sizeof(*start));
	rows = gt_calloc((size_t)n + 1, sizeof(*rows));
	tmp = gt_calloc((size_t)n + 1, sizeof(*tmp));
	scratch = gt_calloc((size_t)n + 1, sizeof(*scratch));
	cen = gt_calloc((size_t)n + 1, sizeof(*cen));
	cen2 = gt_calloc((size_t)n + 1, sizeof(*cen2));
	if (!start || !rows || !tmp || !scratch || !cen || !cen2) {
		rc = nomem(c);
		goto out;
	}
	/* Bucket the rows by group, each group's rows in frame order. */
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!in->keep || in->keep[i])
			start[gid[i] + 1]++;
	for (uint32_t g = 0; g < ngroups; g++)
		start[g + 1] += start[g];
	memcpy(tmp, start, (size_t)ngroups * sizeof(*tmp));
	for (uint32_t i = 0; i < n; i++)
		if (!in->keep || in->keep[i]) {
			rows[tmp[gid[i]]++] = i;
			m++;
		}
	(void)m;
	if (k == K_APPROX_DISTINCT)
		gt_vec_init(&out->v, GT_U64);
	else if (k == K_STRING_AGG || k == K_ARRAY_AGG)
		gt_vec_init(&out->v, GT_STRING);
	else
		gt_vec_init(&out->v, arg->v.type);
	for (uint32_t g = 0; g < ngroups && rc == 0; g++) {
		uint32_t *r = rows + start[g], cnt = start[g + 1] - start[g];
		int x;
		switch (k) {
		case K_MEDIAN:
			x = group_median(c, in, r, cnt, &out->v, scratch);
			break;
		case K_APPROX_MEDIAN:
		case K_APPROX_PCT:
		case K_APPROX_PCT_W:
			x = group_pct(c, in, r, cnt, &out->v, scratch, cen, cen2);
			break;
		case K_APPROX_DISTINCT: {
			uint64_t d = 0;
			for (uint32_t j = 0; j < cnt && rc == 0; j++) {
				bool isnew;
				if (SQL_NULL(arg, r[j]))
					continue;
				gt_buf_reset(&b);
				gt_buf_add(&b, &g, sizeof(g));
				sql_key_add(&b, arg, r[j]);
				if (gt_keymap_get(&dm, b.p, b.len, &isnew) < 0)
					rc = nomem(c);
				d += isnew;
			}
			x = gt_vec_push_u64(&out->v, d);
			break;
		}
		default:
			x = group_concat(c, in, r, cnt, &out->v, tmp, &b);
		}
		if (x < 0 && rc == 0)
			rc = nomem(c);
	}
out:
	free(start);
	free(rows);
	free(tmp);
	free(scratch);
	free(cen);
	free(cen2);
	gt_buf_release(&b);
	gt_keymap_release(&dm);
	return rc;
}

/* DISTINCT: keep[i] = 1 for the first row of each (group, value). */
static int distinct_rows(struct sql_ctx *c, const struct agin *in, const uint32_t *gid, uint8_t **keep)
{
	struct gt_keymap dm = {0};
	struct gt_buf kb = {0};
	int rc = 0;
	uint8_t *k = gt_calloc((size_t)c->nrows + 1, 1);
	if (!k)
		return nomem(c);
	for (uint32_t i = 0; i < c->nrows && rc == 0; i++) {
		bool isnew;
		gt_buf_reset(&kb);
		gt_buf_add(&kb, &gid[i], sizeof(gid[i]));
		sql_key_add(&kb, &in->val, i);
		if (gt_keymap_get(&dm, kb.p, kb.len, &isnew) < 0)
			rc = nomem(c);
		k[i] = isnew;
	}
	gt_keymap_release(&dm);
	gt_buf_release(&kb);
	if (rc < 0)
		free(k);
	else
		*keep = k;
	return rc;
}

int sql_agg_eval(struct sql_ctx *c, struct sql_expr *a, const uint32_t *gid, uint32_t ngroups, bool grouped,
		 struct sql_xv *out)
{
	struct agin in;
	uint8_t *keep = NULL;
	int rc = 0;
	memset(&in, 0, sizeof(in));
	memset(out, 0, sizeof(*out));
	in.a = a;
	in.d = find_def(a);
	if (!in.d)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: Error during planning: Invalid function '%s'.", a->s);
	uint8_t k = in.d->kind;
	/* The value, the second argument and the percentile, by form:
	 *   approx_percentile_cont(p) WITHIN GROUP (ORDER BY x) | (x, p[, size])
	 *   approx_percentile_cont_with_weight(w, p) WITHIN GROUP (ORDER BY x) | (x, w, p) */
	struct sql_expr *val = a->nargs ? a->args[0] : NULL, *second = NULL, *pct = NULL;
	uint32_t want = in.d->nargs;
	if (k == K_APPROX_PCT || k == K_APPROX_PCT_W) {
		uint32_t given = a->nargs + (a->within ? 1 : 0);
		if (given < want || given > want + (k == K_APPROX_PCT))
			return sql_err(c->e, GT_STATUS_PLAN_QUERY,
				       "Failed to plan SQL: Error during planning: %s expects %u arguments", a->s, want);
		if (a->within) {
			val = a->ord;
			second = k == K_APPROX_PCT_W ? a->args[0] : NULL;
			pct = a->args[k == K_APPROX_PCT_W ? 1 : 0];
		} else {
			second = k == K_APPROX_PCT_W ? a->args[1] : NULL;
			pct = a->args[k == K_APPROX_PCT_W ? 2 : 1];
		}
	} else if (k == K_COUNT) {
		in.star = a->nargs == 0 || a->args[0]->kind == E_STAR;
	} else if (a->nargs != want) {
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: %s expects %u argument%s, got %u", a->s, want,
			       want == 1 ? "" : "s", a->nargs);
	} else if (want == 2) {
		second = a->args[1];
	}
	if (!in.star && val && val->kind == E_STAR)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: %s(*) is not supported", a->s);
	if (k == K_APPROX_MEDIAN)
		in.pct = 0.5;
	if (pct) {
		struct sql_ctx c1 = *c;
		struct sql_xv p;
		c1.nrows = 1;
		if ((rc = sql_eval(&c1, pct, &p)) < 0)
			return rc;
		bool ok = p.scalar && !SQL_NULL(&p, 0) && is_num(p.v.type);
		in.pct = ok ? sql_xv_f64(&p, 0) : -1;
		sql_xv_release(&p);
		if (!ok || !(in.pct >= 0 && in.pct <= 1))
			return sql_err(c->e, GT_STATUS_PLAN_QUERY,
				       "Failed to plan SQL: Error during planning: Percentile value must be between 0.0 and 1.0 inclusive");
	}
	if (!in.star && (rc = sql_eval(c, val, &in.val)) < 0)
		goto out;
	if (second) {
		in.has2 = true;
		if ((rc = sql_eval(c, second, &in.val2)) < 0)
			goto out;
	}
	if (a->ord && !a->within) {
		in.has_ord = true;
		if ((rc = sql_eval(c, a->ord, &in.ord)) < 0)
			goto out;
	}
	if (a->distinct && !in.star && k != K_FIRST && k != K_LAST) {
		if ((rc = distinct_rows(c, &in, gid, &keep)) < 0)
			goto out;
		in.keep = keep;
	}
	if (k <= K_STD_POP)
		rc = simple_agg(c, &in, gid, ngroups, out);
	else if (k <= K_BOOL_OR)
		rc = fold_agg(c, &in, gid, ngroups, out);
	else if (k <= K_REGR_SXY)
		rc = pair_agg(c, &in, gid, ngroups, grouped, out);
	else
		rc = holistic_agg(c, &in, gid, ngroups, out);
out:
	free(keep);
	sql_xv_release(&in.val);
	sql_xv_release(&in.val2);
	sql_xv_release(&in.ord);
	if (rc < 0)
		sql_xv_release(out);
	return rc;
}
