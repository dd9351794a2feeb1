/*
 * sql-window.c - window functions: f(args) OVER (PARTITION BY p ORDER BY o)
 * evaluated over the current frame (the input rows, or the groups of an
 * aggregate query), one result per row in the frame's own order.
 *
 * The rows are stably sorted by (partition keys, order keys); each
 * partition is then walked once.  The frame is DataFusion's default:
 * with ORDER BY, from the partition's first row through the current
 * row's last peer (rows with equal order keys), so running aggregates
 * include peers; without ORDER BY, the whole partition.
 *
 * Functions: row_number, rank, dense_rank, percent_rank, cume_dist,
 * lag/lead(x[, offset[, default]]), first_value, last_value, and the
 * aggregates count, sum, avg, min, max.
 */
#include "keymap.h"
#include "sql-window.h"

#include <math.h>

struct wctx {
	struct sql_expr *x;
	struct sql_xv *part, *ord;
	uint32_t *pid;          /* dense partition id per row */
};

static int ord_cmp(const struct wctx *w, uint32_t a, uint32_t b)
{
	for (uint32_t k = 0; k < w->x->nworder; k++) {
		const struct sql_order *o = &w->x->worder[k];
		const struct sql_xv *v = &w->ord[k];
		bool na = SQL_NULL(v, a), nb = SQL_NULL(v, b);
		bool nf = o->nulls_first < 0 ? o->desc : o->nulls_first;
		if (na || nb) {
			if (na && nb)
				continue;
			return na ? (nf ? -1 : 1) : (nf ? 1 : -1);
		}
		int r = sql_xv_cmp(v, a, b);
		if (r)
			return o->desc ? -r : r;
	}
	return 0;
}

static int row_cmp(const struct wctx *w, uint32_t a, uint32_t b)
{
	if (w->pid[a] != w->pid[b])
		return w->pid[a] < w->pid[b] ? -1 : 1;
	return ord_cmp(w, a, b);
}

static void msort(const struct wctx *w, uint32_t *v, uint32_t *tmp, uint32_t n)
{
	if (n < 2)
		return;
	uint32_t h = n / 2, i = 0, j = h, k = 0;
	msort(w, v, tmp, h);
	msort(w, v + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = row_cmp(w, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, (size_t)n * sizeof(*v));
}

enum wk { W_ROW_NUMBER = 1, W_RANK, W_DENSE_RANK, W_PERCENT_RANK, W_CUME_DIST, W_LAG, W_LEAD,
	  W_FIRST, W_LAST, W_COUNT, W_SUM, W_AVG, W_MIN, W_MAX };

static int kind_of(const char *f)
{
	static const struct { const char *n; int k; } t[] = {
		{"row_number", W_ROW_NUMBER}, {"rank", W_RANK}, {"dense_rank", W_DENSE_RANK},
		{"percent_rank", W_PERCENT_RANK}, {"cume_dist", W_CUME_DIST}, {"lag", W_LAG}, {"lead", W_LEAD},
		{"first_value", W_FIRST}, {"last_value", W_LAST}, {"count", W_COUNT}, {"sum", W_SUM},
		{"avg", W_AVG}, {"mean", W_AVG}, {"min", W_MIN}, {"max", W_MAX},
	};
	for (size_t k = 0; k < GT_ARRAY_LEN(t); k++)
		if (!strcmp(f, t[k].n))
			return t[k].k;
	return 0;
}

/* Set row r of out (pre-sized, all null) from row i of v. */
static int put_from(struct gt_vec *out, uint32_t r, const struct sql_xv *v, uint32_t i)
{
	if (SQL_NULL(v, i))
		return 0;
	uint32_t s = SQL_IX(v, i);
	switch (out->type) {
	case GT_F64: out->v.f64[r] = v->v.type == GT_F64 ? v->v.v.f64[s] : sql_xv_f64(v, i); break;
	case GT_BOOL: out->v.b[r] = v->v.v.b[s]; break;
	default: out->v.i64[r] = v->v.v.i64[s]; break;
	}
	out->valid[r / 8] |= (uint8_t)(1u << (r % 8));
	return 0;
}

int sql_window_eval(struct sql_ctx *c, struct sql_expr *x, struct sql_xv *out)
{
	struct wctx w = {.x = x};
	struct sql_xv arg, off, dflt;
	struct gt_keymap pm = {0};
	struct gt_buf kb = {0};
	uint32_t n = c->nrows, *rows = NULL, *tmp = NULL;
	int rc = 0, k = kind_of(x->s);
	memset(&arg, 0, sizeof(arg));
	memset(&off, 0, sizeof(off));
	memset(&dflt, 0, sizeof(dflt));
	memset(out, 0, sizeof(*out));
	if (!k)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY,
			       "Failed to plan SQL: Error during planning: Invalid function '%s' as a window function.", x->s);
	bool star = x->nargs == 0 || x->args[0]->kind == E_STAR;
	bool needs_arg = k >= W_LAG && !(k == W_COUNT && star);
	if (needs_arg && x->nargs == 0)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: Error during planning: %s expects an argument", x->s);
	if (x->distinct)
		return sql_err(c->e, GT_STATUS_UNSUPPORTED, "DISTINCT in window functions is not supported yet");
	w.part = gt_calloc(x->npart + 1, sizeof(*w.part));
	w.ord = gt_calloc(x->nworder + 1, sizeof(*w.ord));
	w.pid = gt_calloc((size_t)n + 1, sizeof(*w.pid));
	rows = gt_calloc((size_t)n + 1, sizeof(*rows));
	tmp = gt_calloc((size_t)n + 1, sizeof(*tmp));
	if (!w.part || !w.ord || !w.pid || !rows || !tmp) {
		rc = sql_nomem(c->e);
		goto out;
	}
	for (uint32_t i = 0; i < x->npart && rc == 0; i++)
		rc = sql_eval(c, x->part[i], &w.part[i]);
	for (uint32_t i = 0; i < x->nworder && rc == 0; i++)
		rc = sql_eval(c, x->worder[i].e, &w.ord[i]);
	if (rc == 0 && needs_arg)
		rc = sql_eval(c, x->args[0], &arg);
	if (rc == 0 && (k == W_LAG || k == W_LEAD) && x->nargs > 1)
		rc = sql_eval(c, x->args[1], &off);
	if (rc == 0 && (k == W_LAG || k == W_LEAD) && x->nargs > 2)
		rc = sql_eval(c, x->args[2], &dflt);
	if (rc < 0)
		goto out;
	if ((k == W_SUM || k == W_AVG) && !(arg.v.type == GT_F64 || arg.v.type == GT_I64 || arg.v.type == GT_U64)) {
		rc = sql_err(c->e, GT_STATUS_PLAN_QUERY,
			     "Failed to plan SQL: Error during planning: No function matches the given name and argument types '%s(%s)'.",
			     x->s, arg.v.type == GT_STRING ? "Utf8" : "Boolean");
		goto out;
	}
	/* Partition ids, then the walk order. */
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		bool isnew;
		gt_buf_reset(&kb);
		for (uint32_t j = 0; j < x->npart; j++)
			sql_key_add(&kb, &w.part[j], i);
		int id = gt_keymap_get(&pm, kb.p ? kb.p : "", kb.len, &isnew);
		if (id < 0)
			rc = sql_nomem(c->e);
		else
			w.pid[i] = (uint32_t)id;
		rows[i] = i;
	}
	if (rc < 0)
		goto out;
	msort(&w, rows, tmp, n);

	uint8_t type = k <= W_DENSE_RANK ? GT_U64 : k <= W_CUME_DIST || k == W_AVG ? GT_F64 : k == W_COUNT ? GT_I64 :
		       k == W_SUM ? (arg.v.type == GT_F64 ? GT_F64 : arg.v.type == GT_U64 ? GT_U64 : GT_I64) : arg.v.type;
	if ((k == W_LAG || k == W_LEAD) && x->nargs > 2 && dflt.v.type != type && !SQL_NULL(&dflt, 0)) {
		rc = sql_err(c->e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: Error during planning: %s's default must have the argument's type", x->s);
		goto out;
	}
	gt_vec_init(&out->v, type);
	out->unit = arg.unit;
	out->lt = k >= W_LAG && k != W_COUNT && k != W_AVG ? arg.lt : 0;
	if (type == GT_STRING) {
		/* Strings cannot be filled in place: pick a source row per row, then gather. */
		int64_t *src = gt_calloc((size_t)n + 1, sizeof(*src));
		if (!src) {
			rc = sql_nomem(c->e);
			goto out;
		}
		for (uint32_t i = 0; i < n; i++)
			src[i] = -1;
		for (uint32_t s = 0; s < n;) {
			uint32_t e = s;
			while (e < n && w.pid[rows[e]] == w.pid[rows[s]])
				e++;
			for (uint32_t i = s; i < e; i++) {
				uint32_t pe = i;
				while (pe + 1 < e && !ord_cmp(&w, rows[pe + 1], rows[i]))
					pe++;
				if (x->nworder == 0)
					pe = e - 1;
				int64_t pick = -1;
				if (k == W_FIRST) {
					pick = rows[s];
				} else if (k == W_LAST) {
					pick = rows[pe];
				} else if (k == W_LAG || k == W_LEAD) {
					int64_t o = off.v.type ? sql_xv_i64(&off, 0) : 1;
					int64_t t = k == W_LAG ? (int64_t)i - o : (int64_t)i + o;
					pick = t >= s && t < e ? (int64_t)rows[t] : -2;
				} else {
					for (uint32_t j = s; j <= pe; j++) {
						uint32_t r = rows[j];
						if (SQL_NULL(&arg, r))
							continue;
						if (pick < 0 || (k == W_MIN ? sql_xv_cmp(&arg, r, (uint32_t)pick) < 0 :
								 sql_xv_cmp(&arg, r, (uint32_t)pick) > 0))
							pick = r;
					}
				}
				src[rows[i]] = pick;
			}
			s = e;
		}
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			int r = src[i] >= 0 ? (SQL_NULL(&arg, (uint32_t)src[i]) ? gt_vec_push_null(&out->v) :
					       gt_vec_push_from(&out->v, &arg.v, SQL_IX(&arg, (uint32_t)src[i]))) :
				src[i] == -2 && dflt.v.type && !SQL_NULL(&dflt, 0) ? gt_vec_push_from(&out->v, &dflt.v, 0) :
				gt_vec_push_null(&out->v);
			if (r < 0)
				rc = sql_nomem(c->e);
		}
		free(src);
		goto out;
	}
	if (gt_vec_pad_nulls(&out->v, n) < 0) {
		rc = sql_nomem(c->e);
		goto out;
	}
	if (n && !out->v.valid) {
		rc = sql_err(c->e, GT_STATUS_INTERNAL, "window: no validity bitmap");
		goto out;
	}
	for (uint32_t s = 0; s < n;) {
		uint32_t e = s;
		while (e < n && w.pid[rows[e]] == w.pid[rows[s]])
			e++;
		uint64_t rank = 0, dense = 0;
		for (uint32_t i = s; i < e;) {
			/* Peers of row i: [i, pe]. */
			uint32_t pe = i;
			while (pe + 1 < e && !ord_cmp(&w, rows[pe + 1], rows[i]))
				pe++;
			if (x->nworder == 0)
				pe = e - 1;
			rank = i - s + 1;
			dense++;
			for (uint32_t j = i; j <= pe; j++) {
				uint32_t r = rows[j];
				struct gt_vec *o = &out->v;
				double d;
				switch (k) {
				case W_ROW_NUMBER: o->v.u64[r] = j - s + 1; break;
				case W_RANK: o->v.u64[r] = rank; break;
				case W_DENSE_RANK: o->v.u64[r] = dense; break;
				case W_PERCENT_RANK: o->v.f64[r] = e - s > 1 ? (double)(rank - 1) / (double)(e - s - 1) : 0.0; break;
				case W_CUME_DIST: o->v.f64[r] = (double)(pe - s + 1) / (double)(e - s); break;
				case W_LAG:
				case W_LEAD: {
					int64_t ofs = off.v.type && !SQL_NULL(&off, 0) ? sql_xv_i64(&off, 0) : 1;
					int64_t t = k == W_LAG ? (int64_t)j - ofs : (int64_t)j + ofs;
					if (t >= s && t < e)
						put_from(o, r, &arg, rows[t]);
					else if (dflt.v.type)
						put_from(o, r, &dflt, 0);
					continue;
				}
				case W_FIRST: put_from(o, r, &arg, rows[s]); continue;
				case W_LAST: put_from(o, r, &arg, rows[pe]); continue;
				default: {
					/* Aggregates over [s, pe]. */
					uint64_t cnt = 0;
					double fs = 0;
					int64_t is = 0;
					int64_t best = -1;
					for (uint32_t t = s; t <= pe; t++) {
						uint32_t q = rows[t];
						if (k == W_COUNT && star) {
							cnt++;
							continue;
						}
						if (SQL_NULL(&arg, q))
							continue;
						cnt++;
						if (k == W_MIN || k == W_MAX) {
							if (best < 0 || (k == W_MIN ? sql_xv_cmp(&arg, q, (uint32_t)best) < 0 :
									 sql_xv_cmp(&arg, q, (uint32_t)best) > 0))
								best = q;
							continue;
						}
						if (k == W_SUM || k == W_AVG) {
							fs += sql_xv_f64(&arg, q);
							is = (int64_t)((uint64_t)is + (uint64_t)sql_xv_i64(&arg, q));
						}
					}
					if (k == W_COUNT) {
						o->v.i64[r] = (int64_t)cnt;
					} else if (k == W_MIN || k == W_MAX) {
						if (best >= 0)
							put_from(o, r, &arg, (uint32_t)best);
						continue;
					} else if (!cnt) {
						continue;
					} else if (k == W_AVG) {
						d = fs / (double)cnt;
						o->v.f64[r] = d;
					} else if (type == GT_F64) {
						o->v.f64[r] = fs;
					} else {
						o->v.i64[r] = is;
					}
				}
				}
				o->valid[r / 8] |= (uint8_t)(1u << (r % 8));
			}
			i = pe + 1;
		}
		s = e;
	}
out:
	for (uint32_t i = 0; w.part && i < x->npart; i++)
		sql_xv_release(&w.part[i]);
	for (uint32_t i = 0; w.ord && i < x->nworder; i++)
		sql_xv_release(&w.ord[i]);
	free(w.part);
	free(w.ord);
	free(w.pid);
	free(rows);
	free(tmp);
	sql_xv_release(&arg);
	sql_xv_release(&off);
	sql_xv_release(&dflt);
	gt_keymap_release(&pm);
	gt_buf_release(&kb);
	if (rc < 0)
		sql_xv_release(out);
	return rc;
}
