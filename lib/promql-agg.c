/*
 * promql-agg.c - PromQL's aggregation operators (sum avg min max count
 * group stddev stdvar topk bottomk quantile count_values) with by and
 * without, with Prometheus 2.42's arithmetic: plain sums, avg as an
 * incremental mean with its infinity rules, stddev/stdvar by Welford's
 * method.  The group of each input series (and the group's labels) is
 * computed once; the values step by step.  A NULL sample (TQL) is no
 * input, as SQL's aggregates skip NULL, but it makes its group for
 * count (0) and group: the others answer a group of NULLs alone with
 * NULL, which is no sample.
 */
#include <math.h>

#include "promql-eval-int.h"
#include "promql-fn.h"

static int oom(struct gt_err *err)
{
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

/* The group's labels: by keeps only the listed labels, without drops
 * them and __name__. */
static int group_labels(const struct gt_pq_expr *e, const struct gt_pq_labels *in, struct gt_pq_labels *out)
{
	if (pq_labels_copy(out, in))
		return GT_ENOMEM;
	if (e->u.agg.without) {
		for (size_t i = 0; i < e->u.agg.ngrouping; i++)
			pq_labels_del(out, e->u.agg.grouping[i]);
		pq_labels_del(out, "__name__");
	} else {
		pq_labels_keep(out, e->u.agg.grouping, e->u.agg.ngrouping);
	}
	return 0;
}

static int valid_label_name(const char *s)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			 (p > s && *p >= '0' && *p <= '9');
		if (!ok)
			return 0;
	}
	return 1;
}

static int count_values(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_vec *in,
			struct pq_val *out)
{
	const char *lname = e->u.agg.param && e->u.agg.param->kind == GT_PQ_STRING ? e->u.agg.param->u.str : "";
	const struct gt_pq_expr *p = e->u.agg.param;
	while (p && p->kind == GT_PQ_PAREN)
		p = p->u.paren;
	if (p && p->kind == GT_PQ_STRING)
		lname = p->u.str;
	if (!valid_label_name(lname))
		return gt_errf(ev->err, GT_EINVAL, "invalid label name \"%s\"", lname);
	struct pq_out o;
	struct gt_buf num = {0};
	int rc = 0;
	pq_out_init(&o, c->n);
	for (size_t i = 0; i < c->n && !rc; i++) {
		for (size_t si = 0; si < in->n && !rc; si++) {
			struct pq_vs *s = &in->s[si];
			struct gt_pq_labels lb;
			size_t idx;
			if (!s->has[i] || gt_pq_is_null(s->v[i]))
				continue;
			gt_buf_reset(&num);
			if (pq_fmt_float(&num, s->v[i]) || pq_labels_copy(&lb, &s->lb)) {
				rc = oom(ev->err);
				break;
			}
			if (pq_labels_set(&lb, lname, num.p)) {
				pq_labels_release(&lb);
				rc = oom(ev->err);
				break;
			}
			if (e->u.agg.without) {
				for (size_t g = 0; g < e->u.agg.ngrouping; g++)
					pq_labels_del(&lb, e->u.agg.grouping[g]);
				pq_labels_del(&lb, "__name__");
			} else {
				const char *v = pq_labels_get(&lb, lname);
				char *keepv = v ? gt_strdup(v) : NULL;
				pq_labels_keep(&lb, e->u.agg.grouping, e->u.agg.ngrouping);
				if (keepv && pq_labels_set(&lb, lname, keepv))
					rc = oom(ev->err);
				free(keepv);
			}
			if (!rc)
				rc = pq_out_series(&o, &lb, &idx, ev->err);
			pq_labels_release(&lb);
			if (rc)
				break;
			struct pq_vs *d = &o.vec.s[idx];
			if (!d->has[i]) {
				d->has[i] = 1;
				d->v[i] = 0;
			}
			d->v[i]++;
		}
	}
	gt_buf_release(&num);
	if (rc) {
		pq_out_release(&o);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->type = GT_PQ_T_VECTOR;
	pq_out_take(&o, &out->vec);
	return 0;
}

struct cand {
	double v;
	size_t si;
	uint32_t g;
	const struct gt_pq_labels *lb;   /* q->greptime: the series' labels; NULL: input order */
};

/* The order of tied candidates: their labels when the query asks, else input order. */
static int cand_tie(const struct cand *a, const struct cand *b)
{
	int c = a->lb && b->lb ? pq_labels_cmp(a->lb, b->lb) : 0;
	return c ? c : (a->si < b->si ? -1 : a->si > b->si);
}

static int cand_group(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->g != b->g)
		return a->g < b->g ? -1 : 1;
	return a->si < b->si ? -1 : a->si > b->si;
}

static int cand_desc(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	/* NaN ranks lowest for topk; ties keep input order. */
	if (isnan(a->v) != isnan(b->v))
		return isnan(a->v) ? 1 : -1;
	if (!isnan(a->v) && a->v != b->v)
		return a->v > b->v ? -1 : 1;
	/* GreptimeDB ranks topk's ties in descending label order too */
	return a->lb ? -cand_tie(a, b) : cand_tie(a, b);
}

static int cand_asc(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (isnan(a->v) != isnan(b->v))
		return isnan(a->v) ? 1 : -1;
	if (!isnan(a->v) && a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return cand_tie(a, b);
}

int pq_eval_agg(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out)
{
	enum gt_pq_aggop op = e->u.agg.op;
	double *param = NULL;
	struct pq_val in;
	struct gt_keymap map = {0};
	struct gt_buf key = {0};
	uint32_t *gid = NULL;
	double *val = NULL, *mean = NULL, *cnt = NULL;
	uint32_t *stamp = NULL;
	struct cand *cands = NULL;
	size_t *outidx = NULL;
	struct pq_out o;
	int rc;

	memset(out, 0, sizeof(*out));
	pq_out_init(&o, c->n);
	if (e->u.agg.param && op != GT_PQ_COUNT_VALUES && (rc = pq_eval_scalar(ev, e->u.agg.param, c, &param)))
		return rc;
	if ((rc = pq_eval(ev, e->u.agg.e, c, &in))) {
		free(param);
		return rc;
	}
	if (op == GT_PQ_COUNT_VALUES) {
		rc = count_values(ev, e, c, &in.vec, out);
		goto done;
	}
	size_t n = in.vec.n;
	gid = gt_calloc(n + 1, sizeof(*gid));
	outidx = gt_calloc(n + 1, sizeof(*outidx));
	if (!gid || !outidx) {
		rc = oom(ev->err);
		goto done;
	}
	int topk = op == GT_PQ_TOPK || op == GT_PQ_BOTTOMK;
	int without = e->u.agg.without;
	for (size_t si = 0; si < n; si++) {
		bool isnew;
		gt_buf_reset(&key);
		int id = pq_labels_key(&key, &in.vec.s[si].lb, e->u.agg.grouping, e->u.agg.ngrouping, !without,
				       without)
				 ? GT_ENOMEM
				 : gt_keymap_get(&map, key.p ? key.p : "", key.len, &isnew);
		if (id < 0) {
			rc = oom(ev->err);
			goto done;
		}
		gid[si] = (uint32_t)id;
		struct gt_pq_labels lb;
		if (topk) {
			/* topk and bottomk answer with the input series themselves. */
			if (pq_labels_copy(&lb, &in.vec.s[si].lb)) {
				rc = oom(ev->err);
				goto done;
			}
		} else if (!isnew) {
			continue;
		} else if (group_labels(e, &in.vec.s[si].lb, &lb)) {
			pq_labels_release(&lb);
			rc = oom(ev->err);
			goto done;
		}
		size_t idx;
		rc = pq_out_series(&o, &lb, &idx, ev->err);
		pq_labels_release(&lb);
		if (rc)
			goto done;
		outidx[topk ? si : (size_t)id] = idx;
	}
	size_t ng = map.n;
	val = gt_calloc(ng + 1, sizeof(*val));
	mean = gt_calloc(ng + 1, sizeof(*mean));
	cnt = gt_calloc(ng + 1, sizeof(*cnt));
	stamp = gt_calloc(ng + 1, sizeof(*stamp));
	cands = gt_calloc(n + 1, sizeof(*cands));
	if (!val || !mean || !cnt || !stamp || !cands) {
		rc = oom(ev->err);
		goto done;
	}
	for (size_t i = 0; i < c->n; i++) {
		uint32_t mark = (uint32_t)i + 1;
		if (topk || op == GT_PQ_QUANTILE) {
			int64_t k = 0;
			if (topk) {
				double f = param[i];
				if (!(f <= 9223372036854775807.0 && f >= -9223372036854775808.0)) {
					gt_buf_reset(&key);
					rc = pq_fmt_float_v(&key, f) ? oom(ev->err)
						: gt_errf(ev->err, GT_EINVAL, "Scalar value %s overflows int64", key.p);
					goto done;
				}
				k = (int64_t)f;
				if (k < 1)
					continue;
			}
			/* Candidates grouped: order by group, then input order. */
			size_t nc = 0;
			for (size_t si = 0; si < n; si++)
				if (in.vec.s[si].has[i] && !gt_pq_is_null(in.vec.s[si].v[i]))
					cands[nc++] = (struct cand){.v = in.vec.s[si].v[i], .si = si, .g = gid[si],
								    .lb = ev->q->greptime ? &in.vec.s[si].lb : NULL};
			qsort(cands, nc, sizeof(*cands), cand_group);
			for (size_t a = 0; a < nc;) {
				uint32_t g = cands[a].g;
				size_t b = a;
				while (b < nc && cands[b].g == g)
					b++;
				if (topk) {
					qsort(cands + a, b - a, sizeof(*cands), op == GT_PQ_TOPK ? cand_desc : cand_asc);
					for (size_t x = a; x < b && (int64_t)(x - a) < k; x++) {
						struct pq_vs *d = &o.vec.s[outidx[cands[x].si]];
						d->has[i] = 1;
						d->v[i] = cands[x].v;
					}
				} else {
					double *vals = gt_malloc((b - a) * sizeof(double));
					if (!vals) {
						rc = oom(ev->err);
						goto done;
					}
					for (size_t x = a; x < b; x++)
						vals[x - a] = cands[x].v;
					struct pq_vs *d = &o.vec.s[outidx[g]];
					d->has[i] = 1;
					d->v[i] = gt_pq_fn_quantile(param[i], vals, b - a);
					free(vals);
				}
				a = b;
			}
			continue;
		}
		for (size_t si = 0; si < n; si++) {
			if (!in.vec.s[si].has[i])
				continue;
			uint32_t g = gid[si];
			double v = in.vec.s[si].v[i];
			if (gt_pq_is_null(v)) {
				if ((op == GT_PQ_COUNT || op == GT_PQ_GROUP) && stamp[g] != mark) {
					stamp[g] = mark;
					cnt[g] = 0;
					val[g] = 1;
				}
				continue;
			}
			if (stamp[g] != mark) {
				stamp[g] = mark;
				val[g] = v;
				mean[g] = v;
				cnt[g] = 1;
				if (op == GT_PQ_STDDEV || op == GT_PQ_STDVAR)
					val[g] = 0;
				else if (op == GT_PQ_GROUP)
					val[g] = 1;
				continue;
			}
			switch (op) {
			case GT_PQ_SUM:
				val[g] += v;
				break;
			case GT_PQ_AVG:
				cnt[g]++;
				if (isinf(mean[g])) {
					if (isinf(v) && (mean[g] > 0) == (v > 0))
						break;
					if (!isinf(v) && !isnan(v))
						break;
				}
				mean[g] += v / cnt[g] - mean[g] / cnt[g];
				break;
			case GT_PQ_MAX:
				if (val[g] < v || isnan(val[g]))
					val[g] = v;
				break;
			case GT_PQ_MIN:
				if (val[g] > v || isnan(val[g]))
					val[g] = v;
				break;
			case GT_PQ_COUNT:
				cnt[g]++;
				break;
			case GT_PQ_STDDEV:
			case GT_PQ_STDVAR: {
				cnt[g]++;
				double delta = v - mean[g];
				mean[g] += delta / cnt[g];
				val[g] += delta * (v - mean[g]);
				break;
			}
			default:
				break;
			}
		}
		for (uint32_t g = 0; g < ng; g++) {
			if (stamp[g] != mark)
				continue;
			double r = val[g];
			switch (op) {
			case GT_PQ_AVG: r = mean[g]; break;
			case GT_PQ_COUNT: r = cnt[g]; break;
			case GT_PQ_STDVAR: r = val[g] / cnt[g]; break;
			case GT_PQ_STDDEV: r = sqrt(val[g] / cnt[g]); break;
			default: break;
			}
			struct pq_vs *d = &o.vec.s[outidx[g]];
			d->has[i] = 1;
			d->v[i] = r;
		}
	}
	out->type = GT_PQ_T_VECTOR;
	pq_out_take(&o, &out->vec);
	pq_vec_compact(&out->vec, c->n);
done:
	pq_out_release(&o);
	pq_val_release(&in);
	gt_keymap_release(&map);
	gt_buf_release(&key);
	free(param);
	free(gid);
	free(outidx);
	free(val);
	free(mean);
	free(cnt);
	free(stamp);
	free(cands);
	if (rc)
		pq_val_release(out);
	return rc;
}
