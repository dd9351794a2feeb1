/*
 * promql-eval.c - the PromQL evaluator's core: the query's step grid,
 * fetching each selector's samples once per query, instant selectors
 * (lookback, staleness), range windows over selectors and subqueries,
 * offset and @, and the dispatch to operators (promql-binop.c,
 * promql-agg.c) and functions (promql-call.c).
 *
 * Times follow Prometheus 2.42 exactly: an instant selector at time T
 * offset o takes the last sample in [T-o-lookback, T-o] unless it is a
 * staleness marker; a range selector [r] takes the samples in
 * [T-o-r, T-o] (both ends included in 2.42) without staleness markers;
 * a subquery [r:s] evaluates its expression at the multiples of s in
 * [T-o-r, T-o] (s defaults to 1m, Prometheus's evaluation interval); @
 * pins T to one time for every step.  With q->greptime (TQL) the
 * lookback and range windows leave out their start, (T-o-r, T-o], as
 * GreptimeDB's (and Prometheus 3's) do, and a NULL value is a sample
 * (gt_pq_null(), promql.h): lookback may select it, range windows leave
 * it out.
 */
#include <math.h>

#include "promql-eval-int.h"

void gt_pq_series_free(struct gt_pq_series *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++) {
		pq_labels_release(&s[i].labels);
		free(s[i].t);
		free(s[i].v);
	}
	free(s);
}

void gt_pq_result_free(struct gt_pq_result *r)
{
	if (!r)
		return;
	gt_pq_series_free(r->series, r->nseries);
	free(r->scalars.t);
	free(r->scalars.v);
	free(r->string);
	memset(r, 0, sizeof(*r));
}

static int oom(struct gt_err *err)
{
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

static int is_stale(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof(b));
	return b == GT_PQ_STALE_BITS;
}

static int64_t at_time(const struct pq_ev *ev, enum gt_pq_at at, int64_t t)
{
	switch (at) {
	case GT_PQ_AT_START: return ev->q->start;
	case GT_PQ_AT_END: return ev->q->end;
	default: return t;
	}
}

/* --- subqueries: the inner grid --- */

/* The steps a subquery's expression is evaluated at, for an outer grid
 * from s to e: multiples of the step from s-o-r on, up to e-o. */
static void sub_grid(const struct pq_ev *ev, const struct gt_pq_expr *sq, int64_t s, int64_t e, struct pq_ctx *in)
{
	if (sq->u.sub.at != GT_PQ_AT_NONE)
		s = e = at_time(ev, sq->u.sub.at, sq->u.sub.at_time);
	int64_t step = sq->u.sub.step > 0 ? sq->u.sub.step : ev->sub_step;
	int64_t lo = s - sq->u.sub.offset - sq->u.sub.range, end = e - sq->u.sub.offset;
	int64_t st = step * (lo / step); /* Go's division truncates, as C's */
	if (st < lo)
		st += step;
	in->start = st;
	in->step = step;
	in->n = st > end ? 0 : (size_t)((end - st) / step) + 1;
}

static int64_t ctx_end(const struct pq_ctx *c)
{
	return c->n ? pq_ts(c, c->n - 1) : c->start;
}

/* --- fetching: each selector's samples once, over all the steps --- */

static const struct gt_pq_expr *unparen(const struct gt_pq_expr *e)
{
	while (e && e->kind == GT_PQ_PAREN)
		e = e->u.paren;
	return e;
}

static int plan(struct pq_ev *ev, const struct gt_pq_expr *e, int64_t s, int64_t end)
{
	if (!e)
		return 0;
	switch (e->kind) {
	case GT_PQ_SELECTOR: {
		if (e->u.sel.at != GT_PQ_AT_NONE)
			s = end = at_time(ev, e->u.sel.at, e->u.sel.at_time);
		int64_t back = e->u.sel.range > 0 ? e->u.sel.range : ev->lookback;
		if (ev->nfetch == ev->capfetch) {
			size_t nc = ev->capfetch ? ev->capfetch * 2 : 8;
			struct pq_fetch *nf = gt_reallocarray(ev->fetch, nc, sizeof(*nf));
			if (!nf)
				return oom(ev->err);
			ev->fetch = nf;
			ev->capfetch = nc;
		}
		struct pq_fetch *f = &ev->fetch[ev->nfetch++];
		memset(f, 0, sizeof(*f));
		f->sel = e;
		f->mint = s - e->u.sel.offset - back;
		f->maxt = end - e->u.sel.offset;
		return 0;
	}
	case GT_PQ_SUBQUERY: {
		struct pq_ctx in;
		sub_grid(ev, e, s, end, &in);
		return in.n ? plan(ev, e->u.sub.e, in.start, ctx_end(&in)) : 0;
	}
	case GT_PQ_CALL:
		for (size_t i = 0; i < e->u.call.nargs; i++) {
			int rc = plan(ev, e->u.call.args[i], s, end);
			if (rc)
				return rc;
		}
		return 0;
	case GT_PQ_AGG: {
		int rc = plan(ev, e->u.agg.param, s, end);
		return rc ? rc : plan(ev, e->u.agg.e, s, end);
	}
	case GT_PQ_BINARY: {
		int rc = plan(ev, e->u.bin.lhs, s, end);
		return rc ? rc : plan(ev, e->u.bin.rhs, s, end);
	}
	case GT_PQ_UNARY: return plan(ev, e->u.un.e, s, end);
	case GT_PQ_PAREN: return plan(ev, e->u.paren, s, end);
	default: return 0;
	}
}

static int series_cmp(const void *a, const void *b)
{
	return pq_labels_cmp(&((const struct gt_pq_series *)a)->labels, &((const struct gt_pq_series *)b)->labels);
}

/* The selector's series (sorted by labels, as Prometheus's storage
 * returns them), with NULL samples for TQL (q->greptime); a range
 * selector's without staleness markers or NULL samples (a window holds
 * values alone). */
static int fetch(struct pq_ev *ev, const struct gt_pq_expr *e, struct pq_fetch **out)
{
	struct pq_fetch *f = NULL;
	for (size_t i = 0; i < ev->nfetch && !f; i++)
		if (ev->fetch[i].sel == e)
			f = &ev->fetch[i];
	if (!f)
		return gt_errf(ev->err, GT_EINVAL, "selector outside the query plan");
	if (!f->done) {
		int rc = ev->src->select(ev->src->ctx, e->u.sel.m, e->u.sel.nm, f->mint, f->maxt, ev->q->greptime != 0,
					 &f->s, &f->n, ev->err);
		if (rc)
			return rc;
		f->done = 1;
		if (f->n)
			qsort(f->s, f->n, sizeof(*f->s), series_cmp);
		if (e->u.sel.range > 0) {
			for (size_t i = 0; i < f->n; i++) {
				struct gt_pq_series *s = &f->s[i];
				size_t k = 0;
				for (size_t j = 0; j < s->n; j++) {
					if (is_stale(s->v[j]) || gt_pq_is_null(s->v[j]))
						continue;
					s->t[k] = s->t[j];
					s->v[k++] = s->v[j];
				}
				s->n = k;
			}
		}
	}
	*out = f;
	return 0;
}

/* --- instant vector selectors --- */

/*
 * Evaluate an instant selector over the grid.  With want_ts the value is
 * the sample's timestamp in seconds (timestamp(), which with @ looks at
 * the @ time itself, ignoring offset, as Prometheus 2.42 does).
 */
int pq_eval_selector(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, int want_ts,
		     struct pq_val *out)
{
	struct pq_fetch *f;
	int rc = fetch(ev, e, &f);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_VECTOR;
	int pinned = e->u.sel.at != GT_PQ_AT_NONE;
	int64_t off = e->u.sel.offset;
	int64_t pin = pinned ? at_time(ev, e->u.sel.at, e->u.sel.at_time) - (want_ts ? 0 : off) : 0;
	for (size_t si = 0; si < f->n; si++) {
		const struct gt_pq_series *s = &f->s[si];
		struct gt_pq_labels lb;
		size_t idx;
		if (!s->n)
			continue;
		if (pq_labels_copy(&lb, &s->labels))
			return oom(ev->err);
		if ((rc = pq_vec_add(&out->vec, c->n, &lb, &idx, ev->err))) {
			pq_labels_release(&lb);
			return rc;
		}
		struct pq_vs *o = &out->vec.s[idx];
		size_t j = 0;
		int any = 0;
		for (size_t i = 0; i < c->n; i++) {
			int64_t ref = pinned ? pin : pq_ts(c, i) - off;
			if (pinned && i > 0) {
				o->has[i] = o->has[0];
				o->v[i] = o->v[0];
				continue;
			}
			if (pinned)
				j = 0;
			while (j < s->n && s->t[j] <= ref)
				j++;
			if (!j || s->t[j - 1] < ref - ev->lookback + (ev->q->greptime != 0) || is_stale(s->v[j - 1]))
				continue;
			o->has[i] = 1;
			o->v[i] = want_ts ? (double)s->t[j - 1] / 1000 : s->v[j - 1];
			any = 1;
		}
		if (!any) {
			pq_labels_release(&o->lb);
			free(o->v);
			free(o->has);
			out->vec.n--;
		}
	}
	return 0;
}

/* --- range windows --- */

/* Whether a subquery's step i goes into its windows: a value, not a NULL
 * sample (which a range selector leaves out too, fetch). */
static int in_window(const struct pq_vs *vs, size_t i)
{
	return vs->has[i] && !gt_pq_is_null(vs->v[i]);
}

int pq_range_open(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_range *r)
{
	memset(r, 0, sizeof(*r));
	r->open = ev->q->greptime != 0;
	e = unparen(e);
	if (e->kind == GT_PQ_SELECTOR) {
		struct pq_fetch *f;
		int rc = fetch(ev, e, &f);
		if (rc)
			return rc;
		r->s = f->s;
		r->n = f->n;
		r->range = e->u.sel.range;
		r->offset = e->u.sel.offset;
		r->pinned = e->u.sel.at != GT_PQ_AT_NONE;
		r->at = at_time(ev, e->u.sel.at, e->u.sel.at_time);
		r->sel = e;
		return 0;
	}
	if (e->kind != GT_PQ_SUBQUERY)
		return gt_errf(ev->err, GT_EINVAL, "expected a range vector");
	struct pq_ctx in;
	sub_grid(ev, e, c->start, ctx_end(c), &in);
	r->range = e->u.sub.range;
	r->offset = e->u.sub.offset;
	r->pinned = e->u.sub.at != GT_PQ_AT_NONE;
	r->at = at_time(ev, e->u.sub.at, e->u.sub.at_time);
	if (!in.n)
		return 0;
	struct pq_val v;
	int rc = pq_eval(ev, e->u.sub.e, &in, &v);
	if (rc)
		return rc;
	if (v.type == GT_PQ_T_SCALAR) {
		/* A scalar subquery is one series without labels. */
		r->owned = gt_calloc(1, sizeof(*r->owned));
		if (!r->owned)
			goto nomem;
		r->s = r->owned;
		r->n = 1;
		r->owned->t = gt_malloc(in.n * sizeof(int64_t));
		r->owned->v = gt_malloc(in.n * sizeof(double));
		if (!r->owned->t || !r->owned->v)
			goto nomem;
		for (size_t i = 0; i < in.n; i++) {
			if (gt_pq_is_null(v.sc[i]))
				continue;
			r->owned->t[r->owned->n] = pq_ts(&in, i);
			r->owned->v[r->owned->n++] = v.sc[i];
		}
		pq_val_release(&v);
		return 0;
	}
	if (v.type != GT_PQ_T_VECTOR) {
		pq_val_release(&v);
		return gt_errf(ev->err, GT_EINVAL, "subquery is only allowed on instant vector");
	}
	r->owned = gt_calloc(v.vec.n ? v.vec.n : 1, sizeof(*r->owned));
	if (!r->owned)
		goto nomem;
	r->s = r->owned;
	for (size_t si = 0; si < v.vec.n; si++) {
		struct pq_vs *vs = &v.vec.s[si];
		struct gt_pq_series *o = &r->owned[r->n];
		size_t cnt = 0;
		for (size_t i = 0; i < in.n; i++)
			cnt += in_window(vs, i);
		if (!cnt)
			continue;
		o->t = gt_malloc(cnt * sizeof(int64_t));
		o->v = gt_malloc(cnt * sizeof(double));
		r->n++;
		if (!o->t || !o->v)
			goto nomem;
		for (size_t i = 0; i < in.n; i++) {
			if (!in_window(vs, i))
				continue;
			o->t[o->n] = pq_ts(&in, i);
			o->v[o->n++] = vs->v[i];
		}
		o->labels = vs->lb;
		vs->lb.l = NULL;
		vs->lb.n = 0;
	}
	pq_val_release(&v);
	return 0;
nomem:
	pq_val_release(&v);
	pq_range_close(r);
	return oom(ev->err);
}

void pq_range_close(struct pq_range *r)
{
	gt_pq_series_free(r->owned, r->n);
	memset(r, 0, sizeof(*r));
}

void pq_range_window(const struct pq_range *r, const struct pq_ctx *c, size_t step, size_t si, size_t *lo,
		     size_t *hi, int64_t *mint, int64_t *maxt)
{
	const struct gt_pq_series *s = &r->s[si];
	/* With @, Prometheus turns the @ time into an offset from the first
	 * step, so where the call is evaluated at every step (it is not
	 * step-invariant: predict_linear, or a step-dependent argument) the
	 * window moves with the step, over the samples fetched for the @
	 * time alone. */
	*maxt = (r->pinned ? r->at + (pq_ts(c, step) - c->start) : pq_ts(c, step)) - r->offset;
	*mint = *maxt - r->range;
	if (step == 0)
		*lo = *hi = 0;
	while (*hi < s->n && s->t[*hi] <= *maxt)
		(*hi)++;
	while (*lo < *hi && s->t[*lo] < *mint + r->open)
		(*lo)++;
}

/* A range selector or subquery as the answer of an instant query. */
static int eval_matrix(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	struct pq_range r;
	int rc = pq_range_open(ev, e, c, &r);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_MATRIX;
	out->mat = gt_calloc(r.n ? r.n : 1, sizeof(*out->mat));
	if (!out->mat) {
		pq_range_close(&r);
		return oom(ev->err);
	}
	for (size_t si = 0; si < r.n; si++) {
		size_t lo = 0, hi = 0;
		int64_t mint, maxt;
		pq_range_window(&r, c, 0, si, &lo, &hi, &mint, &maxt);
		if (lo == hi)
			continue;
		struct gt_pq_series *o = &out->mat[out->nmat];
		o->t = gt_malloc((hi - lo) * sizeof(int64_t));
		o->v = gt_malloc((hi - lo) * sizeof(double));
		out->nmat++;
		if (!o->t || !o->v || pq_labels_copy(&o->labels, &r.s[si].labels)) {
			pq_range_close(&r);
			return oom(ev->err);
		}
		memcpy(o->t, r.s[si].t + lo, (hi - lo) * sizeof(int64_t));
		memcpy(o->v, r.s[si].v + lo, (hi - lo) * sizeof(double));
		o->n = hi - lo;
	}
	pq_range_close(&r);
	return 0;
}

/* --- step invariance --- */

/*
 * Prometheus evaluates a step-invariant subtree (one whose value cannot
 * change from step to step: its selectors all carry @, and no function
 * in it reads the step's time) once, at the first step, and repeats the
 * answer at every step.  That is visible: topk(scalar(x), y @ 10) takes
 * k at the first step only (an aggregation's parameter does not count).
 */
static int unsafe_fn(const char *name)
{
	static const char *const names[] = {"days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour",
					    "minute", "month", "year", "predict_linear", "time"};
	for (size_t i = 0; i < GT_ARRAY_LEN(names); i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

static int invariant(const struct gt_pq_expr *e)
{
	switch (e->kind) {
	case GT_PQ_NUMBER:
	case GT_PQ_STRING: return 1;
	case GT_PQ_SELECTOR: return e->u.sel.at != GT_PQ_AT_NONE;
	case GT_PQ_SUBQUERY: return e->u.sub.at != GT_PQ_AT_NONE;
	case GT_PQ_AGG: return invariant(e->u.agg.e);
	case GT_PQ_BINARY: return invariant(e->u.bin.lhs) && invariant(e->u.bin.rhs);
	case GT_PQ_UNARY: return invariant(e->u.un.e);
	case GT_PQ_PAREN: return invariant(e->u.paren);
	case GT_PQ_CALL:
		if (unsafe_fn(e->u.call.fn->name))
			return 0;
		for (size_t i = 0; i < e->u.call.nargs; i++)
			if (!invariant(e->u.call.args[i]))
				return 0;
		return 1;
	}
	return 0;
}

static int eval_node(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out);

/* Evaluate at the first step only and repeat the answer. */
static int eval_once(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	struct pq_ctx one = {.start = c->start, .step = c->step, .n = 1};
	struct pq_val v;
	int rc = eval_node(ev, e, &one, &v);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->type = v.type;
	if (v.type == GT_PQ_T_SCALAR) {
		if (!(rc = pq_scalar_new(out, c->n, ev->err)))
			for (size_t i = 0; i < c->n; i++)
				out->sc[i] = v.sc[0];
	} else if (v.type == GT_PQ_T_VECTOR) {
		for (size_t si = 0; si < v.vec.n && !rc; si++) {
			size_t idx;
			if ((rc = pq_vec_add(&out->vec, c->n, &v.vec.s[si].lb, &idx, ev->err)))
				break;
			for (size_t i = 0; i < c->n; i++) {
				out->vec.s[idx].has[i] = v.vec.s[si].has[0];
				out->vec.s[idx].v[i] = v.vec.s[si].v[0];
			}
		}
	} else {
		*out = v;
		return 0;
	}
	pq_val_release(&v);
	if (rc)
		pq_val_release(out);
	return rc;
}

/* --- the dispatch --- */

static int eval_unary(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	int rc = pq_eval(ev, e->u.un.e, c, out);
	if (rc || e->u.un.op != '-')
		return rc;
	if (out->type == GT_PQ_T_SCALAR) {
		for (size_t i = 0; i < c->n; i++)
			out->sc[i] = -out->sc[i];
		return 0;
	}
	for (size_t si = 0; si < out->vec.n; si++) {
		struct pq_vs *s = &out->vec.s[si];
		pq_labels_del(&s->lb, "__name__");
		for (size_t i = 0; i < c->n; i++)
			s->v[i] = -s->v[i];
	}
	return pq_vec_merge_same(&out->vec, c->n, ev->err);
}

/* The query's deadline: Prometheus's wording, which its API answers with 503 "timeout". */
static int timed_out(struct pq_ev *ev)
{
	if (ev->q->deadline && gt_mono_ns() >= ev->q->deadline)
		return gt_errf(ev->err, GT_EAGAIN, "query timed out in expression evaluation");
	return 0;
}

int pq_eval(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	int rc;
	if ((rc = timed_out(ev))) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	if (c->n > 1 && e->kind != GT_PQ_NUMBER && e->kind != GT_PQ_STRING && e->kind != GT_PQ_SUBQUERY &&
	    !(e->kind == GT_PQ_SELECTOR && e->u.sel.range > 0) && invariant(e))
		rc = eval_once(ev, e, c, out);
	else
		rc = eval_node(ev, e, c, out);
	if (rc == 0 && (rc = timed_out(ev))) {
		pq_val_release(out);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

static int eval_node(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	memset(out, 0, sizeof(*out));
	switch (e->kind) {
	case GT_PQ_NUMBER: {
		int rc = pq_scalar_new(out, c->n, ev->err);
		for (size_t i = 0; !rc && i < c->n; i++)
			out->sc[i] = e->u.num;
		return rc;
	}
	case GT_PQ_STRING:
		out->type = GT_PQ_T_STRING;
		out->str = e->u.str;
		return 0;
	case GT_PQ_PAREN: return pq_eval(ev, e->u.paren, c, out);
	case GT_PQ_UNARY: return eval_unary(ev, e, c, out);
	case GT_PQ_SELECTOR:
		if (e->u.sel.range > 0)
			return eval_matrix(ev, e, c, out);
		return pq_eval_selector(ev, e, c, 0, out);
	case GT_PQ_SUBQUERY: return eval_matrix(ev, e, c, out);
	case GT_PQ_BINARY: return pq_eval_binary(ev, e, c, out);
	case GT_PQ_AGG: return pq_eval_agg(ev, e, c, out);
	case GT_PQ_CALL: return pq_eval_call(ev, e, c, out);
	}
	return gt_errf(ev->err, GT_EINVAL, "unknown expression kind %d", (int)e->kind);
}

/* --- the entry point --- */

static const char *type_doc(enum gt_pq_type t)
{
	switch (t) {
	case GT_PQ_T_SCALAR: return "scalar";
	case GT_PQ_T_STRING: return "string";
	case GT_PQ_T_VECTOR: return "instant vector";
	case GT_PQ_T_MATRIX: return "range vector";
	default: return "none";
	}
}

static int vs_cmp(const void *a, const void *b)
{
	return series_cmp(a, b);
}

static int to_result(struct pq_ev *ev, const struct gt_pq_query *q, const struct pq_ctx *c, struct pq_val *v,
		     struct gt_pq_result *out)
{
	out->type = v->type;
	switch (v->type) {
	case GT_PQ_T_SCALAR:
		if (q->instant) {
			out->scalar = v->sc[0];
			out->scalar_t = q->start;
			return 0;
		}
		out->scalars.t = gt_malloc(c->n * sizeof(int64_t));
		out->scalars.v = gt_malloc(c->n * sizeof(double));
		if (!out->scalars.t || !out->scalars.v)
			return oom(ev->err);
		for (size_t i = 0; i < c->n; i++) {
			if (v->sc_has && !v->sc_has[i])
				continue;
			out->scalars.t[out->scalars.n] = pq_ts(c, i);
			out->scalars.v[out->scalars.n++] = v->sc[i];
		}
		return 0;
	case GT_PQ_T_STRING:
		out->string = gt_strdup(v->str);
		return out->string ? 0 : oom(ev->err);
	case GT_PQ_T_MATRIX:
		out->series = v->mat;
		out->nseries = v->nmat;
		v->mat = NULL;
		v->nmat = 0;
		return 0;
	case GT_PQ_T_VECTOR:
		break;
	default:
		return gt_errf(ev->err, GT_EINVAL, "unexpected result type");
	}
	out->type = q->instant ? GT_PQ_T_VECTOR : GT_PQ_T_MATRIX;
	out->series = gt_calloc(v->vec.n ? v->vec.n : 1, sizeof(*out->series));
	if (!out->series)
		return oom(ev->err);
	for (size_t si = 0; si < v->vec.n; si++) {
		struct pq_vs *s = &v->vec.s[si];
		size_t cnt = 0;
		for (size_t i = 0; i < c->n; i++)
			cnt += s->has[i];
		if (!cnt)
			continue;
		struct gt_pq_series *o = &out->series[out->nseries++];
		o->labels = s->lb;
		s->lb.l = NULL;
		s->lb.n = 0;
		o->t = gt_malloc(cnt * sizeof(int64_t));
		o->v = gt_malloc(cnt * sizeof(double));
		if (!o->t || !o->v)
			return oom(ev->err);
		for (size_t i = 0; i < c->n; i++) {
			if (!s->has[i])
				continue;
			o->t[o->n] = pq_ts(c, i);
			o->v[o->n++] = s->v[i];
		}
	}
	if (!q->instant && out->nseries)
		qsort(out->series, out->nseries, sizeof(*out->series), vs_cmp);
	return 0;
}

int gt_pq_eval(const struct gt_pq_expr *e, const struct gt_pq_query *q, const struct gt_pq_source *src,
	       struct gt_pq_result *out, struct gt_err *err)
{
	memset(out, 0, sizeof(*out));
	struct pq_ctx c = {.start = q->start, .step = 1, .n = 1};
	if (!q->instant) {
		if (q->step <= 0)
			return gt_errf(err, GT_EINVAL,
				       "zero or negative query resolution step widths are not accepted. "
				       "Try a positive integer");
		if (q->end < q->start)
			return gt_errf(err, GT_EINVAL, "end timestamp must not be before start time");
		if ((q->end - q->start) / q->step > GT_PQ_MAX_POINTS)
			return gt_errf(err, GT_ETOOBIG,
				       "exceeded maximum resolution of 11,000 points per timeseries. "
				       "Try decreasing the query resolution (?step=XX)");
		if (e->type != GT_PQ_T_VECTOR && e->type != GT_PQ_T_SCALAR)
			return gt_errf(err, GT_EINVAL,
				       "invalid expression type \"%s\" for range query, must be Scalar or instant Vector",
				       type_doc(e->type));
		c.step = q->step;
		c.n = (size_t)((q->end - q->start) / q->step) + 1;
	}
	struct pq_ev ev = {
		.q = q,
		.src = src,
		.lookback = q->lookback > 0 ? q->lookback : GT_PQ_LOOKBACK_MS,
		.sub_step = GT_PQ_SUBQUERY_STEP_MS,
		.err = err,
	};
	struct pq_val v = {0};
	int rc = plan(&ev, e, c.start, ctx_end(&c));
	if (!rc)
		rc = pq_eval(&ev, e, &c, &v);
	if (!rc)
		rc = to_result(&ev, q, &c, &v, out);
	pq_val_release(&v);
	for (size_t i = 0; i < ev.nfetch; i++)
		gt_pq_series_free(ev.fetch[i].s, ev.fetch[i].n);
	free(ev.fetch);
	if (rc)
		gt_pq_result_free(out);
	return rc;
}
