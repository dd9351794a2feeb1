/*
 * promql-call.c - PromQL function calls: range functions over windows
 * and per-sample math through the kernels of promql-fn.h, and the
 * structural functions that are the evaluator's own (time, vector,
 * scalar, timestamp, absent, absent_over_time, sort, sort_desc,
 * sort_by_label, sort_by_label_desc,
 * label_replace, label_join, histogram_quantile, pi).
 *
 * __name__ is dropped where Prometheus 2.42 drops it: by every range
 * function but last_over_time, every math and date function, timestamp
 * and histogram_quantile; label_* and sort keep it.
 */
#include <math.h>

#include "promql-eval-int.h"
#include "promql-fn.h"

static int oom(struct gt_err *err)
{
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

static const struct gt_pq_expr *unparen(const struct gt_pq_expr *e)
{
	while (e && e->kind == GT_PQ_PAREN)
		e = e->u.paren;
	return e;
}

int pq_eval_scalar(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, double **out)
{
	struct pq_val v;
	int rc = pq_eval(ev, e, c, &v);
	if (rc)
		return rc;
	if (v.type != GT_PQ_T_SCALAR) {
		pq_val_release(&v);
		return gt_errf(ev->err, GT_EINVAL, "expected a scalar argument");
	}
	*out = v.sc;
	v.sc = NULL;
	pq_val_release(&v);
	return 0;
}

static int eval_vector(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	int rc = pq_eval(ev, e, c, out);
	if (!rc && out->type != GT_PQ_T_VECTOR) {
		pq_val_release(out);
		return gt_errf(ev->err, GT_EINVAL, "expected an instant vector argument");
	}
	return rc;
}

/* Every label set distinct (Prometheus's Matrix.ContainsSameLabelset). */
static int check_unique(struct pq_ev *ev, const struct pq_vec *v)
{
	struct gt_keymap map = {0};
	struct gt_buf key = {0};
	int rc = 0;
	for (size_t i = 0; i < v->n && !rc; i++) {
		bool isnew;
		gt_buf_reset(&key);
		if (pq_labels_key(&key, &v->s[i].lb, NULL, 0, 0, 0) ||
		    gt_keymap_get(&map, key.p ? key.p : "", key.len, &isnew) < 0)
			rc = oom(ev->err);
		else if (!isnew)
			rc = pq_err_same_labelset(ev->err);
	}
	gt_keymap_release(&map);
	gt_buf_release(&key);
	return rc;
}

/* The labels absent() and absent_over_time() give: the selector's
 * equality matchers, but no label that another matcher names too.
 * GreptimeDB's absent() (greptime) takes every equality matcher in
 * order, the last one for a name winning, and ignores the others. */
static int absent_labels(const struct gt_pq_expr *arg, int greptime, struct gt_pq_labels *lb)
{
	memset(lb, 0, sizeof(*lb));
	arg = unparen(arg);
	if (arg->kind != GT_PQ_SELECTOR)
		return 0;
	const struct gt_pq_matcher *m = arg->u.sel.m;
	for (size_t i = 0; greptime && i < arg->u.sel.nm; i++)
		if (strcmp(m[i].name, "__name__") && m[i].op == GT_PQ_M_EQ && pq_labels_set(lb, m[i].name, m[i].value))
			return GT_ENOMEM;
	if (greptime)
		return 0;
	for (size_t i = 0; i < arg->u.sel.nm; i++)
		if (strcmp(m[i].name, "__name__") && m[i].op == GT_PQ_M_EQ && !pq_labels_get(lb, m[i].name) &&
		    pq_labels_set(lb, m[i].name, m[i].value))
			return GT_ENOMEM;
	/* Every other matcher (including a second = for a name) removes
	 * its label, as createLabelsForAbsentFunction does. */
	for (size_t i = 0; i < arg->u.sel.nm; i++) {
		if (!strcmp(m[i].name, "__name__"))
			continue;
		int other = m[i].op != GT_PQ_M_EQ;
		for (size_t j = 0; j < i && !other; j++)
			other = !strcmp(m[j].name, m[i].name) && m[j].op == GT_PQ_M_EQ && *m[j].value;
		if (other)
			pq_labels_del(lb, m[i].name);
	}
	return 0;
}

/* A vector of one series with labels lb (taken) and value 1 at every
 * step where present[i] is 0. */
static int absent_vector(struct pq_ev *ev, const struct pq_ctx *c, const uint8_t *present, struct gt_pq_labels *lb,
			 struct pq_val *out)
{
	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_VECTOR;
	size_t idx;
	int rc = pq_vec_add(&out->vec, c->n, lb, &idx, ev->err);
	if (rc) {
		pq_labels_release(lb);
		return rc;
	}
	for (size_t i = 0; i < c->n; i++) {
		out->vec.s[idx].has[i] = !present[i];
		out->vec.s[idx].v[i] = 1;
	}
	pq_vec_compact(&out->vec, c->n);
	return 0;
}

/* --- range functions --- */


/*
 * GreptimeDB's range functions where they depart from Prometheus's
 * (q->greptime): sum_over_time and avg_over_time add the window's
 * values in order, avg then divides by their count (Arrow's sum over
 * the window), where Prometheus 2.42 adds with Kahan compensation and
 * keeps an incremental mean: the last digit can differ.
 */
static int range_at(const struct pq_ev *ev, enum gt_pq_fn fn, const struct gt_pq_window *w, const double *args,
		    size_t nargs, double *out)
{
	if (ev->q->greptime && (fn == GT_PQ_FN_SUM_OVER_TIME || fn == GT_PQ_FN_AVG_OVER_TIME) && w->n) {
		double sum = 0;
		for (size_t i = 0; i < w->n; i++)
			sum += w->v[i];
		*out = fn == GT_PQ_FN_AVG_OVER_TIME ? sum / (double)w->n : sum;
		return 0;
	}
	return gt_pq_fn_range(fn, w, args, nargs, out);
}
static int call_range(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c,
		      const struct gt_pq_fn_info *fi, size_t mi, struct pq_val *out)
{
	const char *name = e->u.call.fn->name;
	int absent = !strcmp(name, "absent_over_time");
	size_t nargs = 0;
	double *sargs[6] = {0};
	double argv[6];
	struct pq_range r;
	uint8_t *present = NULL;
	int rc = 0;

	if (!absent && !fi)
		return gt_errf(ev->err, GT_EUNSUPP, "function %s is not supported", name);
	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_VECTOR;
	for (size_t i = 0; i < e->u.call.nargs && i < 6; i++) {
		if (i == mi)
			continue;
		if ((rc = pq_eval_scalar(ev, e->u.call.args[i], c, &sargs[nargs])))
			goto out;
		nargs++;
	}
	if ((rc = pq_range_open(ev, e->u.call.args[mi], c, &r)))
		goto out;
	if (absent && !(present = gt_calloc(c->n, 1))) {
		rc = oom(ev->err);
		goto close;
	}
	for (size_t si = 0; si < r.n; si++) {
		size_t lo = 0, hi = 0, idx = 0;
		struct pq_vs *o = NULL;
		if (!absent) {
			struct gt_pq_labels lb;
			if (pq_labels_copy(&lb, &r.s[si].labels)) {
				rc = oom(ev->err);
				goto close;
			}
			if (strcmp(name, "last_over_time"))
				pq_labels_del(&lb, "__name__");
			if ((rc = pq_vec_add(&out->vec, c->n, &lb, &idx, ev->err))) {
				pq_labels_release(&lb);
				goto close;
			}
			o = &out->vec.s[idx];
		}
		for (size_t i = 0; i < c->n; i++) {
			int64_t mint, maxt;
			pq_range_window(&r, c, i, si, &lo, &hi, &mint, &maxt);
			if (lo == hi)
				continue;
			if (absent) {
				present[i] = 1;
				continue;
			}
			for (size_t a = 0; a < nargs; a++)
				argv[a] = sargs[a][i];
			if ((rc = gt_pq_fn_range_check(fi->id, argv, nargs, ev->err)))
				goto close;
			struct gt_pq_window w = {
				.t = r.s[si].t + lo,
				.v = r.s[si].v + lo,
				.n = hi - lo,
				.start = mint,
				.end = maxt,
				.eval = pq_ts(c, i),
			};
			double val;
			if (range_at(ev, fi->id, &w, argv, nargs, &val) == 0) {
				o->has[i] = 1;
				o->v[i] = val;
			}
		}
	}
	if (absent) {
		struct gt_pq_labels lb;
		if (absent_labels(e->u.call.args[mi], 0, &lb)) {
			rc = oom(ev->err);
			goto close;
		}
		rc = absent_vector(ev, c, present, &lb, out);
		goto close;
	}
	pq_vec_compact(&out->vec, c->n);
	rc = check_unique(ev, &out->vec);
close:
	pq_range_close(&r);
out:
	for (size_t a = 0; a < nargs; a++)
		free(sargs[a]);
	free(present);
	if (rc)
		pq_val_release(out);
	return rc;
}

/* --- per-sample functions --- */

/*
 * GreptimeDB's arithmetic where it departs from Prometheus's (q->greptime): deg() and rad()
 * multiply by one rounded constant (Rust's to_degrees and to_radians) where Prometheus
 * multiplies then divides; round(x, to) is round(x / to) * to, ties away from zero, and
 * round(x, 0) rounds to an integer, where Prometheus computes floor(x * (1/to) + 0.5) / (1/to).
 */
static int math_at(const struct pq_ev *ev, enum gt_pq_fn fn, double x, const double *args, size_t nargs, double *out)
{
	if (ev->q->greptime && (fn == GT_PQ_FN_DEG || fn == GT_PQ_FN_RAD)) {
		*out = x * (fn == GT_PQ_FN_DEG ? 180.0 / M_PI : M_PI / 180.0);
		return 0;
	}
	if (ev->q->greptime && fn == GT_PQ_FN_ROUND) {
		double to = nargs > 0 ? args[0] : 1.0;
		*out = to == 0 ? round(x) : round(x / to) * to;
		return 0;
	}
	return gt_pq_fn_math(fn, x, args, nargs, out);
}

/*
 * GreptimeDB's clamp() refuses min > max as it meets a value, where
 * Prometheus answers nothing: an execution error (the TQL words).
 */
static int clamp_bounds(struct pq_ev *ev, const struct pq_ctx *c, const struct pq_val *in, double *const *bounds)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!(bounds[0][i] > bounds[1][i]))
			continue;
		for (size_t si = 0; si < in->vec.n; si++) {
			if (!in->vec.s[si].has[i] || gt_pq_is_null(in->vec.s[si].v[i]))
				continue;
			struct gt_buf lo = {0}, hi = {0};
			int rc = pq_fmt_float(&lo, bounds[0][i]) || pq_fmt_float(&hi, bounds[1][i])
					 ? oom(ev->err)
					 : gt_errf(ev->err, GT_EINVAL, "Execution error: min '%s' > max '%s'", lo.p, hi.p);
			gt_buf_release(&lo);
			gt_buf_release(&hi);
			return rc;
		}
	}
	return 0;
}

static int call_math(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c,
		     const struct gt_pq_fn_info *fi, struct pq_val *out)
{
	size_t nargs = 0;
	double *sargs[6] = {0};
	double argv[6];
	int rc;

	memset(out, 0, sizeof(*out));
	if (e->u.call.nargs == 0) {
		/* A date function of no argument: vector(time()). */
		out->type = GT_PQ_T_VECTOR;
		struct gt_pq_labels lb = {0};
		size_t idx;
		if ((rc = pq_vec_add(&out->vec, c->n, &lb, &idx, ev->err)))
			return rc;
		for (size_t i = 0; i < c->n; i++) {
			double val;
			if (gt_pq_fn_math(fi->id, (double)(pq_ts(c, i) / 1000), NULL, 0, &val) == 0) {
				out->vec.s[0].has[i] = 1;
				out->vec.s[0].v[i] = val;
			}
		}
		pq_vec_compact(&out->vec, c->n);
		return 0;
	}
	if ((rc = eval_vector(ev, e->u.call.args[0], c, out)))
		return rc;
	for (size_t i = 1; i < e->u.call.nargs && i < 6; i++) {
		if ((rc = pq_eval_scalar(ev, e->u.call.args[i], c, &sargs[nargs])))
			goto out;
		nargs++;
	}
	if (ev->q->greptime && fi->id == GT_PQ_FN_CLAMP && nargs == 2 && (rc = clamp_bounds(ev, c, out, sargs)))
		goto out;
	for (size_t si = 0; si < out->vec.n; si++) {
		struct pq_vs *s = &out->vec.s[si];
		pq_labels_del(&s->lb, "__name__");
		for (size_t i = 0; i < c->n; i++) {
			if (!s->has[i] || gt_pq_is_null(s->v[i]))   /* a NULL sample stays NULL, as in SQL */
				continue;
			for (size_t a = 0; a < nargs; a++)
				argv[a] = sargs[a][i];
			if (math_at(ev, fi->id, s->v[i], argv, nargs, &s->v[i]))
				s->has[i] = 0;
		}
	}
	pq_vec_compact(&out->vec, c->n);
	rc = pq_vec_merge_same(&out->vec, c->n, ev->err);
out:
	for (size_t a = 0; a < nargs; a++)
		free(sargs[a]);
	if (rc)
		pq_val_release(out);
	return rc;
}

/* --- structural functions --- */

/*
 * GreptimeDB's scalar() (ScalarCalculate) decides over the whole range:
 * an input of exactly one series gives that series' values at the steps
 * it has (the others left out), any other input NaN at every step.
 */
static int scalar_greptime(struct pq_ev *ev, const struct pq_ctx *c, const struct pq_val *v, struct pq_val *out)
{
	const struct pq_vs *one = NULL;
	size_t nseries = 0;
	for (size_t si = 0; si < v->vec.n; si++) {
		if (memchr(v->vec.s[si].has, 1, c->n)) {
			one = &v->vec.s[si];
			nseries++;
		}
	}
	for (size_t i = 0; i < c->n; i++)
		out->sc[i] = nseries == 1 ? one->v[i] : NAN;
	if (nseries != 1)
		return 0;
	if (!(out->sc_has = gt_malloc(c->n ? c->n : 1)))
		return oom(ev->err);
	memcpy(out->sc_has, one->has, c->n);
	return 0;
}

static int fn_scalar_of(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	struct pq_val v;
	int rc = eval_vector(ev, e->u.call.args[0], c, &v);
	if (rc)
		return rc;
	if (!(rc = pq_scalar_new(out, c->n, ev->err)) && ev->q->greptime) {
		rc = scalar_greptime(ev, c, &v, out);
	} else if (!rc) {
		for (size_t i = 0; i < c->n; i++) {
			size_t cnt = 0;
			double val = NAN;
			for (size_t si = 0; si < v.vec.n; si++) {
				if (v.vec.s[si].has[i]) {
					cnt++;
					val = v.vec.s[si].v[i];
				}
			}
			out->sc[i] = cnt == 1 ? val : NAN;
		}
	}
	pq_val_release(&v);
	if (rc)
		pq_val_release(out);
	return rc;
}

static int fn_vector(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	double *sc;
	int rc = pq_eval_scalar(ev, e->u.call.args[0], c, &sc);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_VECTOR;
	struct gt_pq_labels lb = {0};
	size_t idx;
	if (!(rc = pq_vec_add(&out->vec, c->n, &lb, &idx, ev->err))) {
		for (size_t i = 0; i < c->n; i++) {
			out->vec.s[0].has[i] = 1;
			out->vec.s[0].v[i] = sc[i];
		}
	}
	free(sc);
	return rc;
}

static int fn_timestamp(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	const struct gt_pq_expr *a = unparen(e->u.call.args[0]);
	int rc;
	if (a->kind == GT_PQ_SELECTOR && a->u.sel.range == 0) {
		rc = pq_eval_selector(ev, a, c, 1, out);
	} else {
		rc = eval_vector(ev, a, c, out);
		for (size_t si = 0; !rc && si < out->vec.n; si++)
			for (size_t i = 0; i < c->n; i++)
				out->vec.s[si].v[i] = (double)pq_ts(c, i) / 1000;
	}
	if (rc)
		return rc;
	for (size_t si = 0; si < out->vec.n; si++)
		pq_labels_del(&out->vec.s[si].lb, "__name__");
	if ((rc = pq_vec_merge_same(&out->vec, c->n, ev->err)))
		pq_val_release(out);
	return rc;
}

static int fn_absent(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	struct pq_val v;
	int rc = eval_vector(ev, e->u.call.args[0], c, &v);
	if (rc)
		return rc;
	uint8_t *present = gt_calloc(c->n, 1);
	struct gt_pq_labels lb;
	if (!present || absent_labels(e->u.call.args[0], ev->q->greptime, &lb)) {
		free(present);
		pq_val_release(&v);
		return oom(ev->err);
	}
	for (size_t si = 0; si < v.vec.n; si++)
		for (size_t i = 0; i < c->n; i++)
			present[i] |= v.vec.s[si].has[i];
	pq_val_release(&v);
	rc = absent_vector(ev, c, present, &lb, out);
	free(present);
	return rc;
}

/* Go's vectorByValueHeap / vectorByReverseValueHeap order: NaN first. */
static int value_cmp(const void *pa, const void *pb, int desc)
{
	double a = ((const struct pq_vs *)pa)->v[0], b = ((const struct pq_vs *)pb)->v[0];
	if (isnan(a))
		return isnan(b) ? 0 : -1;
	if (isnan(b))
		return 1;
	if (desc)
		return a > b ? -1 : a < b;
	return a < b ? -1 : a > b;
}

static int value_asc(const void *a, const void *b)
{
	return value_cmp(a, b, 0);
}

static int value_desc(const void *a, const void *b)
{
	return value_cmp(a, b, 1);
}

static int fn_sort(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, int desc, struct pq_val *out)
{
	int rc = eval_vector(ev, e->u.call.args[0], c, out);
	if (rc || c->n != 1)
		return rc; /* a range query's result is sorted by labels anyway */
	pq_vec_compact(&out->vec, 1);
	if (out->vec.n)
		qsort(out->vec.s, out->vec.n, sizeof(*out->vec.s), desc ? value_desc : value_asc);
	return 0;
}

static const char *str_arg(const struct gt_pq_expr *e)
{
	e = unparen(e);
	return e->kind == GT_PQ_STRING ? e->u.str : "";
}

struct by_label {
	const char **names;
	size_t n;
	int desc;
};

/* The named labels in turn, then (as Prometheus 3 does) the whole label set, so the order is total. */
static int by_label_cmp(const void *pa, const void *pb, void *arg)
{
	const struct by_label *bl = arg;
	const struct gt_pq_labels *a = &((const struct pq_vs *)pa)->lb, *b = &((const struct pq_vs *)pb)->lb;
	int c = gt_pq_labels_cmp_by(a, b, bl->names, bl->n);
	if (!c)
		c = pq_labels_cmp(a, b);
	return bl->desc ? -c : c;
}

/* sort_by_label[_desc](v, "label", ...): an instant query's samples in the order of those labels. */
static int fn_sort_by_label(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, int desc,
			    struct pq_val *out)
{
	int rc = eval_vector(ev, e->u.call.args[0], c, out);
	if (rc || c->n != 1)
		return rc; /* a range query's result is sorted by labels anyway */
	struct by_label bl = {gt_calloc(e->u.call.nargs, sizeof(*bl.names)), e->u.call.nargs - 1, desc};
	if (!bl.names) {
		pq_val_release(out);
		return oom(ev->err);
	}
	for (size_t i = 0; i < bl.n; i++)
		bl.names[i] = str_arg(e->u.call.args[1 + i]);
	pq_vec_compact(&out->vec, 1);
	if (out->vec.n)
		qsort_r(out->vec.s, out->vec.n, sizeof(*out->vec.s), by_label_cmp, &bl);
	free(bl.names);
	return 0;
}

static int fn_label(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, int join, struct pq_val *out)
{
	struct gt_pq_relabel *rl = NULL;
	int rc;
	if (join) {
		size_t nsrc = e->u.call.nargs > 3 ? e->u.call.nargs - 3 : 0;
		const char **src = gt_calloc(nsrc ? nsrc : 1, sizeof(*src));
		if (!src)
			return oom(ev->err);
		for (size_t i = 0; i < nsrc; i++)
			src[i] = str_arg(e->u.call.args[3 + i]);
		rc = gt_pq_relabel_join_new(&rl, str_arg(e->u.call.args[1]), str_arg(e->u.call.args[2]), src, nsrc,
					    ev->q->greptime, ev->err);
		free(src);
	} else {
		rc = gt_pq_relabel_replace_new(&rl, str_arg(e->u.call.args[1]), str_arg(e->u.call.args[2]),
					       str_arg(e->u.call.args[3]), str_arg(e->u.call.args[4]), ev->q->greptime,
					       ev->err);
	}
	if (rc)
		return rc;
	if (!(rc = eval_vector(ev, e->u.call.args[0], c, out))) {
		for (size_t si = 0; si < out->vec.n; si++)
			gt_pq_relabel_see(rl, &out->vec.s[si].lb);
		for (size_t si = 0; !rc && si < out->vec.n; si++)
			rc = gt_pq_relabel_apply(rl, &out->vec.s[si].lb, ev->err);
		if (!rc)
			rc = pq_vec_merge_same(&out->vec, c->n, ev->err);
		if (rc)
			pq_val_release(out);
	}
	gt_pq_relabel_free(rl);
	return rc;
}

/* Go's strconv.ParseFloat closely enough for le labels. */
static int parse_le(const char *s, double *out)
{
	char *end;
	if (!*s)
		return -1;
	*out = strtod(s, &end);
	return *end ? -1 : 0;
}

static int fn_histogram_quantile(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c,
				 struct pq_val *out)
{
	double *q = NULL;
	struct pq_val v = {0};
	struct gt_keymap map = {0};
	struct gt_buf key = {0};
	size_t *grp = NULL;
	double *le = NULL;
	struct gt_pq_bucket *b = NULL;
	size_t *cnt = NULL;
	static char *const le_name[] = {"le"};
	int rc;

	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_VECTOR;
	if ((rc = pq_eval_scalar(ev, e->u.call.args[0], c, &q)) || (rc = eval_vector(ev, e->u.call.args[1], c, &v)))
		goto out;
	grp = gt_calloc(v.vec.n ? v.vec.n : 1, sizeof(*grp));
	le = gt_calloc(v.vec.n ? v.vec.n : 1, sizeof(*le));
	b = gt_calloc(v.vec.n ? v.vec.n : 1, sizeof(*b));
	if (!grp || !le || !b) {
		rc = oom(ev->err);
		goto out;
	}
	/* Group the buckets: every label but le (__name__ included) is the
	 * histogram's identity; the result drops le and __name__. */
	for (size_t si = 0; si < v.vec.n; si++) {
		const char *l = pq_labels_get(&v.vec.s[si].lb, "le");
		bool isnew;
		grp[si] = SIZE_MAX;
		if (!l || parse_le(l, &le[si]))
			continue;
		gt_buf_reset(&key);
		int id = pq_labels_key(&key, &v.vec.s[si].lb, le_name, 1, 0, 0) ? GT_ENOMEM
			: gt_keymap_get(&map, key.p ? key.p : "", key.len, &isnew);
		if (id < 0) {
			rc = oom(ev->err);
			goto out;
		}
		grp[si] = (size_t)id;
		if (isnew) {
			struct gt_pq_labels lb;
			size_t idx;
			if (pq_labels_copy(&lb, &v.vec.s[si].lb)) {
				rc = oom(ev->err);
				goto out;
			}
			pq_labels_del(&lb, "__name__");
			pq_labels_del(&lb, "le");
			if ((rc = pq_vec_add(&out->vec, c->n, &lb, &idx, ev->err))) {
				pq_labels_release(&lb);
				goto out;
			}
		}
	}
	/* Per step, gather each histogram's buckets (series grouped by id). */
	size_t ng = out->vec.n;
	cnt = gt_calloc(ng ? ng : 1, sizeof(*cnt));
	size_t *first = gt_calloc(ng + 1, sizeof(*first));
	size_t *order = gt_calloc(v.vec.n ? v.vec.n : 1, sizeof(*order));
	if (!cnt || !first || !order) {
		free(first);
		free(order);
		rc = oom(ev->err);
		goto out;
	}
	for (size_t si = 0; si < v.vec.n; si++)
		if (grp[si] != SIZE_MAX)
			first[grp[si] + 1]++;
	for (size_t g = 0; g < ng; g++)
		first[g + 1] += first[g];
	{
		size_t *fill = cnt;
		for (size_t si = 0; si < v.vec.n; si++)
			if (grp[si] != SIZE_MAX)
				order[first[grp[si]] + fill[grp[si]]++] = si;
	}
	for (size_t i = 0; i < c->n; i++) {
		for (size_t g = 0; g < ng; g++) {
			size_t nb = 0;
			for (size_t k = first[g]; k < first[g + 1]; k++) {
				size_t si = order[k];
				if (!v.vec.s[si].has[i] || gt_pq_is_null(v.vec.s[si].v[i]))   /* a NULL is no bucket */
					continue;
				b[nb].upper = le[si];
				b[nb++].count = v.vec.s[si].v[i];
			}
			if (!nb)
				continue;
			out->vec.s[g].has[i] = 1;
			out->vec.s[g].v[i] = gt_pq_fn_histogram_quantile(q[i], b, nb, ev->q->greptime);
		}
	}
	free(first);
	free(order);
	pq_vec_compact(&out->vec, c->n);
	rc = pq_vec_merge_same(&out->vec, c->n, ev->err);
out:
	free(q);
	free(grp);
	free(le);
	free(b);
	free(cnt);
	gt_keymap_release(&map);
	gt_buf_release(&key);
	pq_val_release(&v);
	if (rc)
		pq_val_release(out);
	return rc;
}

int pq_eval_call(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	const char *name = e->u.call.fn->name;
	const struct gt_pq_fn_info *fi = gt_pq_fn_lookup(name);
	memset(out, 0, sizeof(*out));

	for (size_t i = 0; i < e->u.call.nargs; i++) {
		const struct gt_pq_expr *a = unparen(e->u.call.args[i]);
		if ((a->kind == GT_PQ_SELECTOR && a->u.sel.range > 0) || a->kind == GT_PQ_SUBQUERY)
			return call_range(ev, e, c, fi, i, out);
	}
	if (fi && fi->kind == GT_PQ_FNK_MATH)
		return call_math(ev, e, c, fi, out);
	if (!strcmp(name, "time") || !strcmp(name, "pi")) {
		int rc = pq_scalar_new(out, c->n, ev->err);
		for (size_t i = 0; !rc && i < c->n; i++)
			out->sc[i] = name[0] == 't' ? (double)pq_ts(c, i) / 1000 : M_PI;
		return rc;
	}
	if (!strcmp(name, "vector"))
		return fn_vector(ev, e, c, out);
	if (!strcmp(name, "scalar"))
		return fn_scalar_of(ev, e, c, out);
	if (!strcmp(name, "timestamp"))
		return fn_timestamp(ev, e, c, out);
	if (!strcmp(name, "absent"))
		return fn_absent(ev, e, c, out);
	if (!strcmp(name, "sort") || !strcmp(name, "sort_desc"))
		return fn_sort(ev, e, c, name[4] == '_', out);
	if (!strcmp(name, "sort_by_label") || !strcmp(name, "sort_by_label_desc"))
		return fn_sort_by_label(ev, e, c, name[13] == '_', out);
	if (!strcmp(name, "label_replace") || !strcmp(name, "label_join"))
		return fn_label(ev, e, c, name[6] == 'j', out);
	if (!strcmp(name, "histogram_quantile"))
		return fn_histogram_quantile(ev, e, c, out);
	return gt_errf(ev->err, GT_EUNSUPP, "function %s is not supported", name);
}
