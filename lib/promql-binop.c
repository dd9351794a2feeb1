/*
 * promql-binop.c - PromQL's binary operators as Prometheus 2.42 applies
 * them: scalar/scalar, vector/scalar (comparisons filter unless bool),
 * vector/vector with one-to-one, many-to-one and one-to-many matching
 * (on/ignoring, group_left/group_right) and the set operators and, or,
 * unless.  Match signatures and result label sets are computed once per
 * series (or pair of series), the values step by step.  With q->greptime
 * (TQL), arithmetic with vector() broadcasts it as GreptimeDB does,
 * and a NULL sample is SQL's NULL (elem).
 */
#include <math.h>

#include "promql-eval-int.h"

static int oom(struct gt_err *err)
{
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

static int is_cmp(enum gt_pq_binop op)
{
	return op >= GT_PQ_EQL && op <= GT_PQ_GTE;
}

/* shouldDropMetricName: the arithmetic operators but atan2. */
static int drops_name(enum gt_pq_binop op)
{
	return op == GT_PQ_ADD || op == GT_PQ_SUB || op == GT_PQ_MUL || op == GT_PQ_DIV || op == GT_PQ_MOD ||
	       op == GT_PQ_POW;
}

static double arith(enum gt_pq_binop op, double l, double r, int *keep)
{
	*keep = 1;
	switch (op) {
	case GT_PQ_ADD: return l + r;
	case GT_PQ_SUB: return l - r;
	case GT_PQ_MUL: return l * r;
	case GT_PQ_DIV: return l / r;
	case GT_PQ_POW: return pow(l, r);
	case GT_PQ_MOD: return fmod(l, r);
	case GT_PQ_ATAN2: return atan2(l, r);
	case GT_PQ_EQL: *keep = l == r; return l;
	case GT_PQ_NEQ: *keep = l != r; return l;
	case GT_PQ_GTR: *keep = l > r; return l;
	case GT_PQ_LSS: *keep = l < r; return l;
	case GT_PQ_GTE: *keep = l >= r; return l;
	case GT_PQ_LTE: *keep = l <= r; return l;
	default: *keep = 0; return 0;
	}
}

/*
 * vectorElemBinop: the value and whether the sample is kept; with rb
 * (bool) a comparison answers 1 or 0 and keeps the sample.  A NULL
 * sample (TQL) answers NULL, and a comparison without bool drops it,
 * as SQL's NULL fails a filter.
 */
static double elem(enum gt_pq_binop op, double l, double r, int rb, int *keep)
{
	if (gt_pq_is_null(l) || gt_pq_is_null(r)) {
		*keep = rb || !is_cmp(op);
		return gt_pq_null();
	}
	double v = arith(op, l, r, keep);
	if (rb && is_cmp(op)) {
		v = *keep ? 1 : 0;
		*keep = 1;
	}
	return v;
}

static int scalar_scalar(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *l,
			 struct pq_val *r, struct pq_val *out)
{
	for (size_t i = 0; i < c->n; i++) {
		int keep;
		/* a comparison of scalars is always bool (the parser sees to it) */
		l->sc[i] = elem(e->u.bin.op, l->sc[i], r->sc[i], 1, &keep);
	}
	/* a step one side leaves out (GreptimeDB's scalar()) the result leaves out */
	if (!l->sc_has) {
		l->sc_has = r->sc_has;
		r->sc_has = NULL;
	} else if (r->sc_has) {
		for (size_t i = 0; i < c->n; i++)
			l->sc_has[i] &= r->sc_has[i];
	}
	*out = *l;
	memset(l, 0, sizeof(*l));
	return 0;
}

static int vector_scalar(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *vec,
			 const double *sc, const uint8_t *sc_has, int swap, struct pq_val *out)
{
	enum gt_pq_binop op = e->u.bin.op;
	int rb = e->u.bin.bool_mod;
	for (size_t si = 0; si < vec->vec.n; si++) {
		struct pq_vs *s = &vec->vec.s[si];
		if (drops_name(op) || rb)
			pq_labels_del(&s->lb, "__name__");
		for (size_t i = 0; i < c->n; i++) {
			if (!s->has[i])
				continue;
			if (sc_has && !sc_has[i]) {
				s->has[i] = 0;
				continue;
			}
			double lv = s->v[i], rv = sc[i];
			int keep;
			if (swap) {
				lv = sc[i];
				rv = s->v[i];
			}
			double v = elem(op, lv, rv, rb, &keep);
			if (is_cmp(op) && swap && !rb)
				v = rv;
			s->has[i] = (uint8_t)keep;
			s->v[i] = v;
		}
	}
	pq_vec_compact(&vec->vec, c->n);
	int rc = pq_vec_merge_same(&vec->vec, c->n, ev->err);
	*out = *vec;
	memset(vec, 0, sizeof(*vec));
	return rc;
}

/* Match signatures of both sides in one id space. */
struct sigs {
	struct gt_keymap map;
	uint32_t *l, *r;
};

static int sigs_compute(const struct gt_pq_expr *e, const struct pq_vec *lv, const struct pq_vec *rv,
			struct sigs *sg, struct gt_err *err)
{
	struct gt_buf key = {0};
	int on = e->u.bin.on;
	memset(sg, 0, sizeof(*sg));
	sg->l = gt_calloc(lv->n + 1, sizeof(uint32_t));
	sg->r = gt_calloc(rv->n + 1, sizeof(uint32_t));
	if (!sg->l || !sg->r)
		return oom(err);
	for (int side = 0; side < 2; side++) {
		const struct pq_vec *v = side ? rv : lv;
		uint32_t *ids = side ? sg->r : sg->l;
		for (size_t i = 0; i < v->n; i++) {
			bool isnew;
			gt_buf_reset(&key);
			int id = pq_labels_key(&key, &v->s[i].lb, e->u.bin.labels, e->u.bin.nlabels, on, !on)
					 ? GT_ENOMEM
					 : gt_keymap_get(&sg->map, key.p ? key.p : "", key.len, &isnew);
			if (id < 0) {
				gt_buf_release(&key);
				return oom(err);
			}
			ids[i] = (uint32_t)id;
		}
	}
	gt_buf_release(&key);
	return 0;
}

static void sigs_release(struct sigs *sg)
{
	gt_keymap_release(&sg->map);
	free(sg->l);
	free(sg->r);
}

static int any_at(const struct pq_vec *v, size_t i)
{
	for (size_t si = 0; si < v->n; si++)
		if (v->s[si].has[i])
			return 1;
	return 0;
}

static int set_op(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *l,
		  struct pq_val *r, struct pq_val *out)
{
	struct sigs sg;
	struct pq_out o;
	size_t *lo = NULL, *ro = NULL;
	uint32_t *stamp = NULL;
	enum gt_pq_binop op = e->u.bin.op;
	int rc;

	pq_out_init(&o, c->n);
	if ((rc = sigs_compute(e, &l->vec, &r->vec, &sg, ev->err)))
		goto out;
	lo = gt_calloc(l->vec.n + 1, sizeof(*lo));
	ro = gt_calloc(r->vec.n + 1, sizeof(*ro));
	stamp = gt_calloc(sg.map.n + 1, sizeof(*stamp));
	if (!lo || !ro || !stamp) {
		rc = oom(ev->err);
		goto out;
	}
	for (size_t si = 0; si < l->vec.n && !rc; si++)
		rc = pq_out_series(&o, &l->vec.s[si].lb, &lo[si], ev->err);
	for (size_t si = 0; si < r->vec.n && !rc && op == GT_PQ_OR; si++)
		rc = pq_out_series(&o, &r->vec.s[si].lb, &ro[si], ev->err);
	for (size_t i = 0; i < c->n && !rc; i++) {
		uint32_t mark = (uint32_t)i + 1;
		int lany = any_at(&l->vec, i), rany = any_at(&r->vec, i);
		if (op == GT_PQ_AND && (!lany || !rany))
			continue;
		/* The signatures present on the side that filters. */
		const struct pq_vec *fv = op == GT_PQ_OR ? &l->vec : &r->vec;
		const uint32_t *fs = op == GT_PQ_OR ? sg.l : sg.r;
		for (size_t si = 0; si < fv->n; si++)
			if (fv->s[si].has[i])
				stamp[fs[si]] = mark;
		for (size_t si = 0; si < l->vec.n && !rc; si++) {
			if (!l->vec.s[si].has[i])
				continue;
			int match = stamp[sg.l[si]] == mark;
			if (op == GT_PQ_OR || (op == GT_PQ_AND && match) || (op == GT_PQ_UNLESS && (!rany || !match)))
				rc = pq_out_set(&o, lo[si], i, l->vec.s[si].v[i], ev->err);
		}
		if (op != GT_PQ_OR)
			continue;
		for (size_t si = 0; si < r->vec.n && !rc; si++)
			if (r->vec.s[si].has[i] && stamp[sg.r[si]] != mark)
				rc = pq_out_set(&o, ro[si], i, r->vec.s[si].v[i], ev->err);
	}
	if (!rc) {
		memset(out, 0, sizeof(*out));
		out->type = GT_PQ_T_VECTOR;
		pq_out_take(&o, &out->vec);
		pq_vec_compact(&out->vec, c->n);
	}
out:
	if (rc)
		pq_out_release(&o);
	sigs_release(&sg);
	free(lo);
	free(ro);
	free(stamp);
	return rc;
}

static int dup_error(struct pq_ev *ev, const struct gt_pq_expr *e, const struct gt_pq_labels *later,
		     const struct gt_pq_labels *earlier, const char *side)
{
	struct gt_buf b = {0};
	struct gt_pq_labels m;
	if (pq_labels_copy(&m, later))
		return oom(ev->err);
	if (e->u.bin.on) {
		pq_labels_keep(&m, e->u.bin.labels, e->u.bin.nlabels);
	} else {
		for (size_t i = 0; i < e->u.bin.nlabels; i++)
			pq_labels_del(&m, e->u.bin.labels[i]);
		pq_labels_del(&m, "__name__");
	}
	int rc = pq_labels_str(&b, &m);
	if (!rc)
		rc = gt_buf_addf(&b, " on the %s hand-side of the operation: [", side);
	if (!rc)
		rc = pq_labels_str(&b, later);
	if (!rc)
		rc = gt_buf_addstr(&b, ", ");
	if (!rc)
		rc = pq_labels_str(&b, earlier);
	pq_labels_release(&m);
	if (rc) {
		gt_buf_release(&b);
		return oom(ev->err);
	}
	gt_errf(ev->err, GT_EINVAL,
		"found duplicate series for the match group %s];many-to-many matching not allowed: matching labels "
		"must be unique on one side",
		b.p);
	gt_buf_release(&b);
	return GT_EINVAL;
}

/* resultMetric: the labels of one (many side, one side) pair. */
static int result_labels(const struct gt_pq_expr *e, const struct gt_pq_labels *ls, const struct gt_pq_labels *rs,
			 struct gt_pq_labels *out)
{
	if (pq_labels_copy(out, ls))
		return GT_ENOMEM;
	if (drops_name(e->u.bin.op))
		pq_labels_del(out, "__name__");
	if (e->u.bin.card == GT_PQ_ONE_TO_ONE) {
		if (e->u.bin.on)
			pq_labels_keep(out, e->u.bin.labels, e->u.bin.nlabels);
		else
			for (size_t i = 0; i < e->u.bin.nlabels; i++)
				pq_labels_del(out, e->u.bin.labels[i]);
	}
	for (size_t i = 0; i < e->u.bin.ninclude; i++) {
		const char *v = pq_labels_get(rs, e->u.bin.include[i]);
		if (pq_labels_set(out, e->u.bin.include[i], v ? v : ""))
			return GT_ENOMEM;
	}
	if (e->u.bin.bool_mod)
		pq_labels_del(out, "__name__");
	return 0;
}

static int vector_vector(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *l,
			 struct pq_val *r, struct pq_val *out)
{
	struct sigs sg;
	struct pq_out o;
	struct gt_keymap pairs = {0};
	size_t *pair_out = NULL, npair = 0, cappair = 0;
	uint32_t *rstamp = NULL, *mstamp = NULL;
	size_t *rfirst = NULL;
	enum gt_pq_binop op = e->u.bin.op;
	int swap = e->u.bin.card == GT_PQ_ONE_TO_MANY;
	int one = e->u.bin.card == GT_PQ_ONE_TO_ONE;
	int rb = e->u.bin.bool_mod;
	int rc;

	pq_out_init(&o, c->n);
	if ((rc = sigs_compute(e, &l->vec, &r->vec, &sg, ev->err)))
		goto out;
	/* After the swap for one-to-many, "l" is the many side. */
	const struct pq_vec *lv = swap ? &r->vec : &l->vec, *rv = swap ? &l->vec : &r->vec;
	const uint32_t *ls = swap ? sg.r : sg.l, *rs = swap ? sg.l : sg.r;
	size_t nsig = sg.map.n + 1;
	rstamp = gt_calloc(nsig, sizeof(*rstamp));
	mstamp = gt_calloc(nsig, sizeof(*mstamp));
	rfirst = gt_calloc(nsig, sizeof(*rfirst));
	if (!rstamp || !mstamp || !rfirst) {
		rc = oom(ev->err);
		goto out;
	}
	for (size_t i = 0; i < c->n && !rc; i++) {
		uint32_t mark = (uint32_t)i + 1;
		if (!any_at(lv, i) || !any_at(rv, i))
			continue;
		for (size_t si = 0; si < rv->n; si++) {
			if (!rv->s[si].has[i])
				continue;
			uint32_t sig = rs[si];
			if (rstamp[sig] == mark) {
				rc = dup_error(ev, e, &rv->s[si].lb, &rv->s[rfirst[sig]].lb, swap ? "left" : "right");
				goto out;
			}
			rstamp[sig] = mark;
			rfirst[sig] = si;
		}
		for (size_t si = 0; si < lv->n; si++) {
			if (!lv->s[si].has[i])
				continue;
			uint32_t sig = ls[si];
			if (rstamp[sig] != mark)
				continue;
			size_t ri = rfirst[sig];
			double vl = lv->s[si].v[i], vr = rv->s[ri].v[i];
			if (swap) {
				double t = vl;
				vl = vr;
				vr = t;
			}
			int keep;
			double v = elem(op, vl, vr, rb, &keep);
			if (!keep)
				continue;
			/* The result series of this pair, computed once. */
			uint64_t pk[2] = {si, ri};
			bool isnew;
			int pid = gt_keymap_get(&pairs, pk, sizeof(pk), &isnew);
			if (pid < 0) {
				rc = oom(ev->err);
				goto out;
			}
			if (isnew) {
				struct gt_pq_labels lb;
				size_t idx;
				if (npair == cappair) {
					size_t nc = cappair ? cappair * 2 : 64;
					size_t *np = gt_reallocarray(pair_out, nc, sizeof(*np));
					if (!np) {
						rc = oom(ev->err);
						goto out;
					}
					pair_out = np;
					cappair = nc;
				}
				if (result_labels(e, &lv->s[si].lb, &rv->s[ri].lb, &lb)) {
					pq_labels_release(&lb);
					rc = oom(ev->err);
					goto out;
				}
				rc = pq_out_series(&o, &lb, &idx, ev->err);
				pq_labels_release(&lb);
				if (rc)
					goto out;
				pair_out[npair++] = idx;
			}
			size_t oi = pair_out[pid];
			if (one) {
				if (mstamp[sig] == mark) {
					rc = gt_errf(ev->err, GT_EINVAL,
						     "multiple matches for labels: many-to-one matching must be explicit "
						     "(group_left/group_right)");
					goto out;
				}
				mstamp[sig] = mark;
			} else if (o.vec.s[oi].has[i]) {
				rc = gt_errf(ev->err, GT_EINVAL,
					     "multiple matches for labels: grouping labels must ensure unique matches");
				goto out;
			}
			if ((rc = pq_out_set(&o, oi, i, v, ev->err)))
				goto out;
		}
	}
	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_VECTOR;
	pq_out_take(&o, &out->vec);
	pq_vec_compact(&out->vec, c->n);
out:
	if (rc)
		pq_out_release(&o);
	sigs_release(&sg);
	gt_keymap_release(&pairs);
	free(pair_out);
	free(rstamp);
	free(mstamp);
	free(rfirst);
	return rc;
}

/* A call of vector(), which GreptimeDB plans as its empty metric. */
static int is_vector_call(const struct gt_pq_expr *x)
{
	while (x->kind == GT_PQ_PAREN)
		x = x->u.paren;
	return x->kind == GT_PQ_CALL && strcmp(x->u.call.fn->name, "vector") == 0;
}

/*
 * GreptimeDB (q->greptime) joins vector() with the other side of an
 * arithmetic operator on time alone (its empty metric has no tags to
 * match): vector()'s value at each step applies to every series of the
 * other side, as a scalar's would, where Prometheus matches the empty
 * label set and finds nothing.
 */
static int broadcast(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *l,
		     struct pq_val *r, struct pq_val *out)
{
	int left = is_vector_call(e->u.bin.lhs);
	const struct pq_vec *v = left ? &l->vec : &r->vec;
	double *sc = gt_malloc((c->n ? c->n : 1) * sizeof(*sc));
	if (!sc)
		return oom(ev->err);
	for (size_t i = 0; i < c->n; i++)
		sc[i] = v->n && v->s[0].has[i] ? v->s[0].v[i] : NAN;
	int rc = vector_scalar(ev, e, c, left ? r : l, sc, NULL, left, out);
	free(sc);
	return rc;
}

int pq_eval_binary(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	struct pq_val l, r;
	int rc = pq_eval(ev, e->u.bin.lhs, c, &l);
	if (rc)
		return rc;
	if ((rc = pq_eval(ev, e->u.bin.rhs, c, &r))) {
		pq_val_release(&l);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	enum gt_pq_binop op = e->u.bin.op;
	if (l.type == GT_PQ_T_SCALAR && r.type == GT_PQ_T_SCALAR)
		rc = scalar_scalar(ev, e, c, &l, &r, out);
	else if (l.type == GT_PQ_T_VECTOR && r.type == GT_PQ_T_SCALAR)
		rc = vector_scalar(ev, e, c, &l, r.sc, r.sc_has, 0, out);
	else if (l.type == GT_PQ_T_SCALAR && r.type == GT_PQ_T_VECTOR)
		rc = vector_scalar(ev, e, c, &r, l.sc, l.sc_has, 1, out);
	else if (l.type == GT_PQ_T_VECTOR && r.type == GT_PQ_T_VECTOR && ev->q->greptime && op <= GT_PQ_ATAN2 &&
		 is_vector_call(e->u.bin.lhs) != is_vector_call(e->u.bin.rhs))
		rc = broadcast(ev, e, c, &l, &r, out);
	else if (l.type == GT_PQ_T_VECTOR && r.type == GT_PQ_T_VECTOR)
		rc = op == GT_PQ_AND || op == GT_PQ_OR || op == GT_PQ_UNLESS ? set_op(ev, e, c, &l, &r, out)
									     : vector_vector(ev, e, c, &l, &r, out);
	else
		rc = gt_errf(ev->err, GT_EINVAL, "binary operator on unsupported operand types");
	pq_val_release(&l);
	pq_val_release(&r);
	if (rc)
		pq_val_release(out);
	return rc;
}
