/*
 * agg.c - the aggregation kernel (agg.h): folding batches into per-group
 * states, and the plan and partial states as bytes.
 *
 *   scan batch: ts | fields the aggregates read | sid per row
 *        |
 *        |  per run of equal sid: the series (key decoded once per run
 *        |  of the kernel: tag values, the WHERE tag verdict, the id of
 *        |  its GROUP BY tags)
 *        v
 *   gid[i] = group of (tag group, time bucket), AGG_SKIP if the row fails
 *        |   WHERE; the bucket [lo, hi) of the previous row is reused
 *        v
 *   per aggregate: one loop over the batch's column into state arrays
 *   indexed by gid (count, sum, value + has/null flags, ordering key)
 *
 * Groups are numbered in order of their first row in scan order, as the
 * general path of SELECT numbers them, so output without ORDER BY is
 * the same.
 */
#include "agg.h"
#include "codec.h"

#define MAX_KEY (1u << 20)   /* bytes of a series key or a predicate value */

static int nomem(struct gt_err *err)
{
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}



/* ---- scanning ---- */

static int grow_groups(struct agg_run *r, struct gt_err *err)
{
	if (r->ngroups < r->gcap)
		return 0;
	if (r->ngroups >= AGG_MAX_GROUPS)
		return gt_errf(err, GT_ETOOBIG, "query makes more than %u groups", AGG_MAX_GROUPS);
	uint32_t nc = r->gcap ? r->gcap * 2 : 256, oc = r->gcap;
#define GROW(p, type) do { \
		type *np_ = gt_reallocarray((p), nc, sizeof(type)); \
		if (!np_) \
			return nomem(err); \
		memset(np_ + oc, 0, (size_t)(nc - oc) * sizeof(type)); \
		(p) = np_; \
	} while (0)
	GROW(r->gser, uint32_t);
	GROW(r->gtg, uint32_t);
	GROW(r->gbucket, int64_t);
	GROW(r->win, uint32_t);
	memset(r->win + oc, 0xff, (size_t)(nc - oc) * sizeof(uint32_t));
	for (uint32_t k = 0; k < r->naggs; k++) {
		struct agg_fn *a = &r->aggs[k];
		GROW(a->cnt, uint64_t);
		GROW(a->f, double);
		GROW(a->i, int64_t);
		GROW(a->key, int64_t);
		GROW(a->has, uint8_t);
		GROW(a->null, uint8_t);
	}
#undef GROW
	r->gcap = nc;
	return 0;
}

static int new_group(struct agg_run *r, uint32_t tg, int64_t bucket, uint32_t ser, struct gt_err *err)
{
	int rc = grow_groups(r, err);
	if (rc < 0)
		return rc;
	uint32_t g = r->ngroups++;
	r->gser[g] = ser;
	r->gtg[g] = tg;
	r->gbucket[g] = bucket;
	return (int)g;
}

static uint64_t mix(uint32_t tg, int64_t b)
{
	uint64_t h = ((uint64_t)b ^ ((uint64_t)tg << 40) ^ tg) * 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

/* Group of (tag group, bucket), created on first use. */
static int group_of(struct agg_run *r, uint32_t tg, int64_t bucket, uint32_t ser, struct gt_err *err)
{
	if (r->ngroups * 2 + 2 >= r->gnslots) {
		uint32_t ns = r->gnslots ? r->gnslots * 2 : 1024;
		uint32_t *sl = gt_malloc((size_t)ns * sizeof(*sl));
		if (!sl)
			return nomem(err);
		memset(sl, 0xff, (size_t)ns * sizeof(*sl));
		for (uint32_t g = 0; g < r->ngroups; g++) {
			uint64_t h = mix(r->gtg[g], r->gbucket[g]) & (ns - 1);
			while (sl[h] != UINT32_MAX)
				h = (h + 1) & (ns - 1);
			sl[h] = g;
		}
		free(r->gslots);
		r->gslots = sl;
		r->gnslots = ns;
	}
	uint64_t h = mix(tg, bucket) & (r->gnslots - 1);
	while (r->gslots[h] != UINT32_MAX) {
		uint32_t g = r->gslots[h];
		if (r->gtg[g] == tg && r->gbucket[g] == bucket)
			return (int)g;
		h = (h + 1) & (r->gnslots - 1);
	}
	int g = new_group(r, tg, bucket, ser, err);
	if (g >= 0)
		r->gslots[h] = (uint32_t)g;
	return g;
}

static bool pred_holds(const struct agg_pred *p, const char *s, uint32_t n, bool null)
{
	bool hit = false;
	if (null)
		return false;   /* a comparison with a null tag is null */
	for (uint32_t j = 0; j < p->n && !hit; j++) {
		const char *v = p->vals[j];
		size_t vl = strlen(v);
		hit = vl == n && !memcmp(v, s, n);
	}
	return hit != p->neg;
}

/* Index of the series of a key, decoding it the first time. */
static int series_of(struct agg_run *r, const void *key, size_t klen, struct gt_err *err)
{
	bool isnew;
	int id = gt_keymap_get(&r->smap, key, klen, &isnew);
	if (id < 0)
		return nomem(err);
	if (!isnew)   /* a key whose first decode failed stays corrupt */
		return (uint32_t)id < r->nser ? id : gt_errf(err, GT_ECORRUPT, "corrupt series key");
	if (r->nser == r->sercap) {
		uint32_t nc = r->sercap ? r->sercap * 2 : 64;
		struct agg_series *s = gt_reallocarray(r->ser, nc, sizeof(*s));
		if (!s)
			return nomem(err);
		r->ser = s;
		uint32_t *po = gt_reallocarray(r->poff, (size_t)nc * (r->ntags + 1), sizeof(*po));
		if (!po)
			return nomem(err);
		r->poff = po;
		uint32_t *pl = gt_reallocarray(r->plen, (size_t)nc * (r->ntags + 1), sizeof(*pl));
		if (!pl)
			return nomem(err);
		r->plen = pl;
		r->sercap = nc;
	}
	int np = gt_key_decode(key, klen, r->parts, r->ntags, &r->scratch);
	if (np < 0)
		return gt_errf(err, GT_ECORRUPT, "corrupt series key");
	struct agg_series *s = &r->ser[r->nser];
	uint32_t *po = &r->poff[(size_t)r->nser * (r->ntags + 1)], *pl = &r->plen[(size_t)r->nser * (r->ntags + 1)];
	for (uint32_t t = 0; t < r->ntags; t++) {
		const struct gt_key_part *p = &r->parts[t];
		if (r->pbuf.len + p->n > UINT32_MAX)
			return nomem(err);
		po[t] = (uint32_t)r->pbuf.len;
		pl[t] = p->p ? p->n : UINT32_MAX;
		if (p->p && p->n && gt_buf_add(&r->pbuf, p->p, p->n) < 0)
			return nomem(err);
	}
	s->pass = true;
	for (uint32_t k = 0; k < r->npreds && s->pass; k++) {
		const struct gt_key_part *p = &r->parts[r->preds[k].tag];
		s->pass = pred_holds(&r->preds[k], p->p, p->n, !p->p);
	}
	s->tg = 0;
	gt_buf_reset(&r->kb);
	for (uint32_t k = 0; k < r->ngroup; k++) {
		if (r->ktag[k] == UINT32_MAX)
			continue;
		const struct gt_key_part *p = &r->parts[r->ktag[k]];
		uint32_t n = p->p ? p->n : 0;
		if (gt_buf_addch(&r->kb, p->p ? 1 : 0) < 0 || gt_buf_add(&r->kb, &n, sizeof(n)) < 0 ||
		    (n && gt_buf_add(&r->kb, p->p, n) < 0))
			return nomem(err);
	}
	int tg = gt_keymap_get(&r->tgmap, r->kb.p ? r->kb.p : "", r->kb.len, &isnew);
	if (tg < 0)
		return nomem(err);
	s->tg = (uint32_t)tg;
	if (isnew) {
		if ((uint32_t)tg >= r->tgcap) {
			uint32_t nc = r->tgcap ? r->tgcap * 2 : 64;
			uint32_t *t2 = gt_reallocarray(r->tg2gid, nc, sizeof(*t2));
			if (!t2)
				return nomem(err);
			memset(t2 + r->tgcap, 0xff, (size_t)(nc - r->tgcap) * sizeof(*t2));
			r->tg2gid = t2;
			r->tgcap = nc;
		}
	}
	return (int)r->nser++;
}

/* Group ids of rows [i, j) of one series. */
static int assign_run(struct agg_run *r, const int64_t *t, uint32_t i, uint32_t j, uint32_t sidx,
		      struct gt_err *err)
{
	const struct agg_series *s = &r->ser[sidx];
	uint32_t *gid = r->gid;
	if (r->need_rser)
		for (uint32_t k = i; k < j; k++)
			r->rser[k] = sidx;
	if (!s->pass) {
		for (uint32_t k = i; k < j; k++)
			gid[k] = AGG_SKIP;
		return 0;
	}
	int64_t start = r->start, end = r->end;
	if (r->tkind == AGG_TK_NONE) {
		uint32_t g = r->ngroup == 0 ? 0 : r->tg2gid[s->tg];
		for (uint32_t k = i; k < j; k++) {
			if (t[k] < start || t[k] >= end) {
				gid[k] = AGG_SKIP;
				continue;
			}
			if (g == AGG_SKIP) {
				int ng = new_group(r, s->tg, 0, sidx, err);
				if (ng < 0)
					return ng;
				g = r->tg2gid[s->tg] = (uint32_t)ng;
			}
			gid[k] = g;
		}
		return 0;
	}
	int64_t lo = 1, hi = 0, w = r->w, o = r->o;
	uint32_t cg = AGG_SKIP;
	for (uint32_t k = i; k < j; k++) {
		int64_t tv = t[k];
		if (tv < start || tv >= end) {
			gid[k] = AGG_SKIP;
			continue;
		}
		if (tv >= lo && tv < hi) {
			gid[k] = cg;
			continue;
		}
		if (tv < r->safe_lo || tv > r->safe_hi)
			return AGG_BAIL;
		int64_t b = r->tkind == AGG_TK_TRUNC ? floor_div(tv - o, w) * w + o : r->tkind == AGG_TK_BIN ? floor_div(tv, w) * w : tv;
		int g = group_of(r, s->tg, b, sidx, err);
		if (g < 0)
			return g;
		cg = (uint32_t)g;
		lo = b;
		hi = b + w;
		gid[k] = cg;
	}
	return 0;
}

static int cmp_f64(double a, double b)
{
	if (a != a || b != b)
		return (a != a) - (b != b);
	return (a > b) - (a < b);
}

/* One aggregate over one batch. */
/* The next run [*i, return) of rows with one group, g its group. */
static inline uint32_t run_end(const uint32_t *gid, uint32_t i, uint32_t n, uint32_t *g)
{
	uint32_t j = i + 1;
	*g = gid[i];
	while (j < n && gid[j] == *g)
		j++;
	return j;
}

/*
 * Fold one batch into the aggregate's state, a run of rows of one group at
 * a time: the group's state is held in registers across the run (the
 * order of the additions is the rows' order, as row by row).
 */
static void update(struct agg_run *r, struct agg_fn *a, const struct gt_batch *b, const int64_t *t)
{
	const uint32_t *gid = r->gid;
	uint32_t n = b->nrows;
	const struct gt_vec *v = NULL;
	if (a->src == AGG_FIELD) {
		int bi = gt_batch_find(b, a->colid);
		if (bi < 0 || b->cols[bi].type != a->type)
			v = NULL;   /* the column is newer than these rows: all null */
		else
			v = &b->cols[bi];
	}
	/* Locals: stores through the uint8_t state arrays may alias *a. */
	const uint8_t *valid = v ? v->valid : NULL;
	const bool field = a->src == AGG_FIELD;
	uint64_t *cnt = a->cnt;
	uint8_t *has = a->has;
	double *fs = a->f;
	int64_t *is = a->i;
	uint32_t g;
#define ISNULL(i) (field && (valid && !(valid[(i) >> 3] & (1u << ((i) & 7)))))
	switch (a->fn) {
	case AGG_COUNT:
		if (a->src == AGG_TAG || (field && !v))
			return;   /* count_tag(); a column these rows lack is all null */
		for (uint32_t i = 0, j; i < n; i = j) {
			j = run_end(gid, i, n, &g);
			if (g == AGG_SKIP)
				continue;
			uint64_t c = 0;
			for (uint32_t k = i; k < j; k++)
				c += !ISNULL(k);
			cnt[g] += c;
		}
		return;
	case AGG_SUM:
	case AGG_AVG:
		if (!v)
			return;
		for (uint32_t i = 0, j; i < n; i = j) {
			j = run_end(gid, i, n, &g);
			if (g == AGG_SKIP)
				continue;
			uint64_t c = 0;
			if (a->type == GT_F64) {
				const double *d = v->v.f64;
				double sum = fs[g];
				for (uint32_t k = i; k < j; k++)
					if (!ISNULL(k)) {
						sum += d[k];
						c++;
					}
				fs[g] = sum;
			} else {
				const int64_t *d = v->v.i64;
				uint64_t isum = (uint64_t)is[g];   /* wraps, as DataFusion's sum */
				double sum = fs[g];
				for (uint32_t k = i; k < j; k++)
					if (!ISNULL(k)) {
						isum += (uint64_t)d[k];
						sum += (double)d[k];
						c++;
					}
				is[g] = (int64_t)isum;
				fs[g] = sum;
			}
			cnt[g] += c;
			has[g] |= c > 0;
		}
		return;
	case AGG_MIN:
	case AGG_MAX: {
		int sign = a->fn == AGG_MIN ? -1 : 1;
		if (a->src == AGG_FIELD && !v)
			return;
		for (uint32_t i = 0, j; i < n; i = j) {
			j = run_end(gid, i, n, &g);
			if (g == AGG_SKIP)
				continue;
			bool h = has[g];
			if (a->src == AGG_FIELD && a->type == GT_F64) {
				const double *d = v->v.f64;
				double m = fs[g];
				for (uint32_t k = i; k < j; k++)
					if (!ISNULL(k) && (!h || cmp_f64(d[k], m) == sign)) {
						m = d[k];
						h = true;
					}
				fs[g] = m;
			} else {
				const int64_t *d = a->src == AGG_TIME ? t : v->v.i64;
				int64_t m = is[g];
				for (uint32_t k = i; k < j; k++)
					if (!ISNULL(k) && (!h || (sign < 0 ? d[k] < m : d[k] > m))) {
						m = d[k];
						h = true;
					}
				is[g] = m;
			}
			has[g] = h;
		}
		return;
	}
	default:
		return;   /* first/last: first_last() */
	}
#undef ISNULL
}

/* count(tag): per series nullness, counted by run. */
static void count_tag(struct agg_run *r, struct agg_fn *a, const struct gt_batch *b)
{
	uint32_t n = b->nrows;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = r->gid[i];
		if (g == AGG_SKIP || r->plen[(size_t)r->rser[i] * (r->ntags + 1) + a->tag] == UINT32_MAX)
			continue;
		a->cnt[g]++;
	}
}

static bool same_order(const struct agg_fn *a, const struct agg_fn *b)
{
	return (a->fn == AGG_FIRST || a->fn == AGG_LAST) && a->fn == b->fn && a->ord == b->ord && a->desc == b->desc;
}

static const struct gt_vec *field_vec(const struct agg_fn *a, const struct gt_batch *b)
{
	int bi = a->src == AGG_FIELD ? gt_batch_find(b, a->colid) : -1;
	return bi >= 0 && b->cols[bi].type == a->type ? &b->cols[bi] : NULL;
}

/*
 * first_value/last_value: the leader (first of those ordered alike)
 * finds, per group, the row it keeps in this batch; then it and its
 * followers copy their values from that row.
 */
static void first_last(struct agg_run *r, uint32_t k, const struct gt_batch *b, const int64_t *t)
{
	struct agg_fn *l = &r->aggs[k];
	if (l->follower)
		return;
	const uint32_t *gid = r->gid;
	uint32_t n = b->nrows, nt = 0, *win = r->win, *touched = r->touched;
	int64_t *key = l->key;
	uint8_t *has = l->has;
	bool last = l->fn == AGG_LAST, ord = l->ord, desc = l->desc;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = gid[i];
		if (g == AGG_SKIP)
			continue;
		int64_t kv = ord ? t[i] : (int64_t)(r->rowbase + i);
		if (has[g]) {
			int c = (kv > key[g]) - (kv < key[g]);
			if (desc)
				c = -c;
			if (last ? c < 0 : c >= 0)
				continue;
		}
		has[g] = 1;
		key[g] = kv;
		if (win[g] == AGG_SKIP)
			touched[nt++] = g;
		win[g] = i;
	}
	for (uint32_t j = k; j < r->naggs; j++) {
		struct agg_fn *a = &r->aggs[j];
		if (j != k && !(a->follower && same_order(a, l)))
			continue;
		const struct gt_vec *v = field_vec(a, b);
		for (uint32_t x = 0; x < nt; x++) {
			uint32_t g = touched[x], i = win[g];
			a->has[g] = 1;
			a->key[g] = key[g];
			switch (a->src) {
			case AGG_TAG:
				a->i[g] = r->rser[i];
				break;
			case AGG_TIME:
				a->i[g] = t[i];
				break;
			default:
				a->null[g] = !v || gt_vec_is_null(v, i);
				if (a->null[g])
					break;
				if (a->type == GT_F64)
					a->f[g] = v->v.f64[i];
				else
					a->i[g] = v->v.i64[i];
			}
		}
	}
	for (uint32_t x = 0; x < nt; x++)
		win[touched[x]] = AGG_SKIP;
}

int agg_batch(struct agg_run *r, const struct gt_batch *b,
	      const void *(*keyf)(void *ctx, uint32_t sid, size_t *len), void *ctx, struct gt_err *err)
{
	uint32_t n = b->nrows;
	int ti = gt_batch_find(b, r->ts_id);
	if (ti < 0)
		return AGG_BAIL;
	const int64_t *t = b->cols[ti].v.i64;
	if (n > r->bcap) {
		uint32_t *g = gt_reallocarray(r->gid, n, sizeof(*g));
		if (!g)
			return nomem(err);
		r->gid = g;
		uint32_t *s = gt_reallocarray(r->rser, n, sizeof(*s));
		if (!s)
			return nomem(err);
		r->rser = s;
		uint32_t *tc = gt_reallocarray(r->touched, n, sizeof(*tc));
		if (!tc)
			return nomem(err);
		r->touched = tc;
		r->bcap = n;
	}
	for (uint32_t i = 0; i < n;) {
		uint32_t sid = b->sid ? b->sid[i] : 0, j = i + 1;
		if (b->sid)
			while (j < n && b->sid[j] == sid)
				j++;
		else
			j = n;
		size_t klen;
		const void *key = keyf(ctx, sid, &klen);
		if (!key)
			return AGG_BAIL;
		int sidx = series_of(r, key, klen, err);
		if (sidx < 0)
			return sidx;
		int rc = assign_run(r, t, i, j, (uint32_t)sidx, err);
		if (rc != 0)
			return rc;
		i = j;
	}
	for (uint32_t k = 0; k < r->naggs; k++) {
		struct agg_fn *a = &r->aggs[k];
		if (a->fn == AGG_COUNT && a->src == AGG_TAG)
			count_tag(r, a, b);
		else if (a->fn == AGG_FIRST || a->fn == AGG_LAST)
			first_last(r, k, b, t);
		else
			update(r, a, b, t);
	}
	r->rowbase += n;
	return 0;
}

/* ---- output ---- */

int agg_tag_push(const struct agg_run *r, struct gt_vec *v, uint32_t ser, uint32_t tag)
{
	size_t at = (size_t)ser * (r->ntags + 1) + tag;
	struct gt_key_part p = {NULL, 0};
	if (ser != AGG_SKIP && r->plen[at] != UINT32_MAX) {
		p.p = r->plen[at] ? r->pbuf.p + r->poff[at] : "";
		p.n = r->plen[at];
	}
	return gt_key_part_push(v, &p);
}

void agg_run_free(struct agg_run *r)
{
	for (uint32_t k = 0; k < r->naggs && r->aggs; k++) {
		struct agg_fn *a = &r->aggs[k];
		free(a->cnt);
		free(a->f);
		free(a->i);
		free(a->key);
		free(a->has);
		free(a->null);
	}
	free(r->aggs);
	free(r->ktag);
	free(r->fids);
	free(r->own);
	gt_keymap_release(&r->smap);
	gt_keymap_release(&r->tgmap);
	free(r->ser);
	free(r->poff);
	free(r->plen);
	gt_buf_release(&r->pbuf);
	free(r->tg2gid);
	free(r->gser);
	free(r->gtg);
	free(r->gbucket);
	free(r->gslots);
	free(r->win);
	free(r->gid);
	free(r->rser);
	free(r->touched);
	gt_buf_release(&r->scratch);
	gt_buf_release(&r->kb);
}


/* ---- plan ---- */

const int64_t agg_unit_ns[] = {1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};

/* The bucket of the time key is within what the arithmetic can hold. */
static bool time_key_ok(const struct agg_run *r)
{
	int64_t u = agg_unit_ns[r->unit];
	switch (r->tkind) {
	case AGG_TK_RAW:
		return r->w == 1 && r->o == 0;
	case AGG_TK_BIN:
		return r->w > 0 && r->w <= INT64_MAX / 8 && r->o == 0;
	case AGG_TK_TRUNC:
		return r->w > 0 && r->w <= 7 * 86400000000000LL / u && r->o >= -3 * 86400000000000LL / u && r->o <= 0;
	default:
		return true;
	}
}

/* Where the bucket arithmetic of assign_run cannot overflow. */
static void safe_bounds(struct agg_run *r)
{
	int64_t u = agg_unit_ns[r->unit];
	switch (r->tkind) {
	case AGG_TK_RAW:
		r->safe_lo = INT64_MIN + 2;
		r->safe_hi = INT64_MAX - 2;
		break;
	case AGG_TK_BIN:
		r->safe_lo = INT64_MIN + 2 * r->w;
		r->safe_hi = INT64_MAX - 2 * r->w;
		break;
	case AGG_TK_TRUNC:
		r->safe_hi = (INT64_MAX - 4 * r->w * u) / u;
		r->safe_lo = -r->safe_hi;
		break;
	default:
		break;
	}
}

int agg_prepare(struct agg_run *r, struct gt_err *err)
{
	safe_bounds(r);
	for (uint32_t k = 0; k < r->naggs; k++) {
		struct agg_fn *a = &r->aggs[k];
		a->follower = false;
		for (uint32_t j = 0; j < k && !a->follower; j++)
			a->follower = same_order(&r->aggs[j], a) && !r->aggs[j].follower;
		if (a->src == AGG_TAG && (a->fn == AGG_COUNT || a->fn == AGG_FIRST || a->fn == AGG_LAST))
			r->need_rser = true;
	}
	if (r->ngroup == 0 && r->ngroups == 0) {
		int rc = new_group(r, 0, 0, AGG_SKIP, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void agg_scan_req(const struct agg_run *r, struct gt_scan_req *req, struct gt_tag_pred *preds)
{
	uint32_t n = 0;
	memset(req, 0, sizeof(*req));
	req->start = r->start;
	req->end = r->end;
	req->field_ids = r->fids;
	req->nfields = r->nf;
	/* The scan prunes series by these; the kernel checks each series again. */
	for (uint32_t k = 0; k < r->npreds; k++) {
		const struct agg_pred *p = &r->preds[k];
		if (p->neg)
			continue;
		preds[n].tag = p->tag;
		preds[n].op = p->n == 1 ? GT_PRED_EQ : GT_PRED_IN;
		preds[n].nvals = p->n;
		preds[n].vals = p->vals;
		n++;
	}
	req->preds = preds;
	req->npreds = n;
	req->tail = r->tail;
}

/*
 * Plan bytes: uvarint ntags, ts_id | u8 unit | svarint start, end |
 * uvarint npreds | per pred: uvarint tag | u8 neg | uvarint n | n x bytes |
 * uvarint ngroup | per key uvarint tag + 1 (0: the time key) | u8 tkind |
 * svarint w, o | uvarint naggs | per aggregate: u8 fn,
 * src, type, unit, lt, flags (1 ord, 2 desc) | uvarint tag, colid |
 * uvarint nf | nf x uvarint field id | u8 tail.
 */
int agg_plan_encode(const struct agg_run *r, struct gt_buf *out)
{
	int rc = 0;
	rc |= gt_buf_uvarint(out, r->ntags);
	rc |= gt_buf_uvarint(out, r->ts_id);
	rc |= gt_buf_addch(out, (char)r->unit);
	rc |= gt_buf_svarint(out, r->start);
	rc |= gt_buf_svarint(out, r->end);
	rc |= gt_buf_uvarint(out, r->npreds);
	for (uint32_t k = 0; k < r->npreds; k++) {
		const struct agg_pred *p = &r->preds[k];
		rc |= gt_buf_uvarint(out, p->tag);
		rc |= gt_buf_addch(out, p->neg);
		rc |= gt_buf_uvarint(out, p->n);
		for (uint32_t j = 0; j < p->n; j++)
			rc |= gt_buf_bytes(out, p->vals[j], strlen(p->vals[j]));
	}
	rc |= gt_buf_uvarint(out, r->ngroup);
	for (uint32_t k = 0; k < r->ngroup; k++)
		rc |= gt_buf_uvarint(out, r->ktag[k] == AGG_SKIP ? 0 : (uint64_t)r->ktag[k] + 1);
	rc |= gt_buf_addch(out, (char)r->tkind);
	rc |= gt_buf_svarint(out, r->w);
	rc |= gt_buf_svarint(out, r->o);
	rc |= gt_buf_uvarint(out, r->naggs);
	for (uint32_t k = 0; k < r->naggs; k++) {
		const struct agg_fn *a = &r->aggs[k];
		const char b[] = {(char)a->fn, (char)a->src, (char)a->type, (char)a->unit, (char)a->lt,
				  (char)((a->ord ? 1 : 0) | (a->desc ? 2 : 0))};
		rc |= gt_buf_add(out, b, sizeof(b));
		rc |= gt_buf_uvarint(out, a->tag);
		rc |= gt_buf_uvarint(out, a->colid);
	}
	rc |= gt_buf_uvarint(out, r->nf);
	for (uint32_t k = 0; k < r->nf; k++)
		rc |= gt_buf_uvarint(out, r->fids[k]);
	rc |= gt_buf_addch(out, r->tail);
	return rc ? GT_ENOMEM : 0;
}

/* The sources each function reads, as sql-agg.c plans them. */
static bool source_ok(const struct agg_fn *a)
{
	switch (a->src) {
	case AGG_STAR:
		return a->fn == AGG_COUNT;
	case AGG_TAG:
		return a->fn == AGG_COUNT || a->fn == AGG_FIRST || a->fn == AGG_LAST;
	case AGG_TIME:
		return a->fn != AGG_SUM && a->fn != AGG_AVG;
	default:
		return a->fn == AGG_COUNT || a->type == GT_F64 || a->type == GT_I64;
	}
}

static uint32_t rd_u32(struct gt_rd *rd, uint64_t max)
{
	uint64_t v = gt_rd_uvarint(rd);
	if (v > max) {
		rd->bad = 1;
		return 0;
	}
	return (uint32_t)v;
}

int agg_plan_decode(struct agg_run *r, const void *p, size_t n, struct gt_err *err)
{
	struct gt_rd rd;
	uint32_t nvals = 0;
	size_t sbytes = 0;

	gt_rd_init(&rd, p, n);
	r->ntags = rd_u32(&rd, 256);
	r->ts_id = rd_u32(&rd, UINT32_MAX);
	r->unit = gt_rd_u8(&rd);
	r->start = gt_rd_svarint(&rd);
	r->end = gt_rd_svarint(&rd);
	r->npreds = rd_u32(&rd, AGG_MAX_PREDS);
	/* First pass over the preds: how much room their strings need. */
	struct gt_rd save = rd;
	for (uint32_t k = 0; k < r->npreds && !rd.bad; k++) {
		(void)gt_rd_uvarint(&rd);
		(void)gt_rd_u8(&rd);
		uint32_t m = rd_u32(&rd, gt_rd_left(&rd));
		for (uint32_t j = 0; j < m && !rd.bad; j++) {
			size_t len;
			if (gt_rd_bytes(&rd, MAX_KEY, &len))
				sbytes += len + 1;
		}
		nvals += m;
	}
	if (rd.bad || r->unit > GT_UNIT_NS || r->ntags > 256)
		return gt_errf(err, GT_ECORRUPT, "aggregate plan: bad header");
	rd = save;
	const char **vals = NULL;
	if (nvals || sbytes) {
		size_t need = (size_t)nvals * sizeof(char *) + sbytes;
		if (!(r->own = gt_malloc(need)))
			return nomem(err);
		vals = (const char **)(void *)r->own;
	}
	char *sp = r->own ? r->own + (size_t)nvals * sizeof(char *) : NULL;
	for (uint32_t k = 0; k < r->npreds; k++) {
		struct agg_pred *pr = &r->preds[k];
		pr->tag = rd_u32(&rd, r->ntags ? r->ntags - 1 : 0);
		uint8_t neg = gt_rd_u8(&rd);
		pr->neg = neg != 0;
		if (neg > 1)
			rd.bad = 1;
		pr->n = rd_u32(&rd, gt_rd_left(&rd));
		pr->vals = vals;
		for (uint32_t j = 0; j < pr->n; j++) {
			size_t len;
			const void *b = gt_rd_bytes(&rd, MAX_KEY, &len);
			if (!b || memchr(b, 0, len))
				return gt_errf(err, GT_ECORRUPT, "aggregate plan: bad predicate %u", k);
			memcpy(sp, b, len);
			sp[len] = 0;
			*vals++ = sp;
			sp += len + 1;
		}
		if (pr->n == 0)
			rd.bad = 1;
	}
	r->ngroup = rd_u32(&rd, 64);
	if (rd.bad)
		return gt_errf(err, GT_ECORRUPT, "aggregate plan: bad predicates");
	if (!(r->ktag = gt_calloc(r->ngroup + 1, sizeof(*r->ktag))))
		return nomem(err);
	for (uint32_t k = 0; k < r->ngroup; k++) {
		uint32_t t = rd_u32(&rd, r->ntags);
		r->ktag[k] = t ? t - 1 : AGG_SKIP;
	}
	r->tkind = gt_rd_u8(&rd);
	r->w = gt_rd_svarint(&rd);
	r->o = gt_rd_svarint(&rd);
	if (r->tkind > AGG_TK_BIN || (r->tkind != AGG_TK_NONE && !time_key_ok(r)))
		rd.bad = 1;
	r->naggs = rd_u32(&rd, 1024);
	if (rd.bad || !(r->aggs = gt_calloc(r->naggs + 1, sizeof(*r->aggs))))
		return rd.bad ? gt_errf(err, GT_ECORRUPT, "aggregate plan: bad keys") : nomem(err);
	for (uint32_t k = 0; k < r->naggs; k++) {
		struct agg_fn *a = &r->aggs[k];
		a->fn = gt_rd_u8(&rd);
		a->src = gt_rd_u8(&rd);
		a->type = gt_rd_u8(&rd);
		a->unit = gt_rd_u8(&rd);
		a->lt = gt_rd_u8(&rd);
		uint8_t fl = gt_rd_u8(&rd);
		a->ord = fl & 1;
		a->desc = fl & 2;
		a->tag = rd_u32(&rd, r->ntags ? r->ntags - 1 : 0);
		a->colid = rd_u32(&rd, UINT32_MAX);
		if (a->fn > AGG_LAST || a->src > AGG_TIME || fl > 3 || a->unit > GT_UNIT_NS || !source_ok(a))
			rd.bad = 1;
	}
	r->nf = rd_u32(&rd, 4096);
	if (rd.bad || !(r->fids = gt_calloc(r->nf + 1, sizeof(*r->fids))))
		return rd.bad ? gt_errf(err, GT_ECORRUPT, "aggregate plan: bad aggregates") : nomem(err);
	for (uint32_t k = 0; k < r->nf; k++)
		r->fids[k] = rd_u32(&rd, UINT32_MAX);
	uint8_t tail = gt_rd_u8(&rd);
	r->tail = tail != 0;
	if (rd.bad || tail > 1 || gt_rd_left(&rd))
		return gt_errf(err, GT_ECORRUPT, "aggregate plan: bad field list");
	return 0;
}

/* ---- partial states ---- */

static bool keeps_value(const struct agg_fn *a)
{
	return a->fn == AGG_MIN || a->fn == AGG_MAX || a->fn == AGG_FIRST || a->fn == AGG_LAST;
}

static bool is_f64(const struct agg_fn *a)
{
	return a->src == AGG_FIELD && a->type == GT_F64;
}

int agg_partial_encode(const struct agg_run *r, struct gt_buf *out, struct gt_err *err)
{
	size_t at = out->len;
	int rc = 0;
	rc |= gt_buf_uvarint(out, r->rowbase);
	rc |= gt_buf_uvarint(out, r->nser);
	for (uint32_t s = 0; s < r->nser && !rc; s++) {
		uint32_t len;
		const char *k = gt_keymap_key(&r->smap, s, &len);
		rc |= gt_buf_bytes(out, k, len);
	}
	rc |= gt_buf_uvarint(out, r->ngroups);
	for (uint32_t g = 0; g < r->ngroups && !rc; g++) {
		rc |= gt_buf_uvarint(out, r->gser[g] == AGG_SKIP ? 0 : (uint64_t)r->gser[g] + 1);
		rc |= gt_buf_svarint(out, r->gbucket[g]);
		for (uint32_t k = 0; k < r->naggs; k++) {
			const struct agg_fn *a = &r->aggs[k];
			if (a->fn == AGG_COUNT || a->fn == AGG_SUM || a->fn == AGG_AVG)
				rc |= gt_buf_uvarint(out, a->cnt[g]);
			if (a->fn == AGG_COUNT)
				continue;
			rc |= gt_buf_addch(out, (char)((a->has[g] ? 1 : 0) | (a->null[g] ? 2 : 0)));
			if (!a->has[g])
				continue;
			if (a->fn == AGG_FIRST || a->fn == AGG_LAST)
				rc |= gt_buf_svarint(out, a->key[g]);
			if (a->fn == AGG_SUM || a->fn == AGG_AVG) {
				rc |= gt_buf_le64(out, gt_f64_bits(a->f[g]));
				rc |= gt_buf_svarint(out, a->i[g]);
			} else if (keeps_value(a) && !a->null[g]) {
				if (is_f64(a))
					rc |= gt_buf_le64(out, gt_f64_bits(a->f[g]));
				else if (a->src == AGG_TAG)
					rc |= gt_buf_uvarint(out, (uint64_t)a->i[g] + 1);
				else
					rc |= gt_buf_svarint(out, a->i[g]);
			}
		}
		if (out->len - at > AGG_MAX_PARTIAL)
			return gt_errf(err, GT_EUNSUPP, "aggregate: more than %zu bytes of groups", AGG_MAX_PARTIAL);
	}
	return rc ? nomem(err) : 0;
}

/* Does the partial's value (key kv) replace the group's in first/last? */
static bool first_last_takes(const struct agg_fn *a, uint8_t has, int64_t have, int64_t kv)
{
	if (!has)
		return true;
	int c = (kv > have) - (kv < have);
	if (a->desc)
		c = -c;
	return a->fn == AGG_LAST ? c >= 0 : c < 0;
}

int agg_merge(struct agg_run *r, const void *p, size_t n, struct gt_err *err)
{
	struct gt_rd rd;
	uint32_t *smap = NULL;
	int rc = 0;

	gt_rd_init(&rd, p, n);
	uint64_t rows = gt_rd_uvarint(&rd);
	uint32_t ns = rd_u32(&rd, gt_rd_left(&rd));
	if (rd.bad)
		return gt_errf(err, GT_ECORRUPT, "aggregate partial: bad header");
	if (!(smap = gt_calloc(ns + 1, sizeof(*smap))))
		return nomem(err);
	for (uint32_t s = 0; s < ns; s++) {
		size_t len;
		const void *k = gt_rd_bytes(&rd, MAX_KEY, &len);
		if (!k) {
			rc = gt_errf(err, GT_ECORRUPT, "aggregate partial: bad series key %u", s);
			goto out;
		}
		int sidx = series_of(r, k, len, err);
		if (sidx < 0) {
			rc = sidx;
			goto out;
		}
		smap[s] = (uint32_t)sidx;
	}
	uint32_t ng = rd_u32(&rd, gt_rd_left(&rd));
	for (uint32_t x = 0; x < ng && !rd.bad; x++) {
		uint32_t ps = rd_u32(&rd, ns), sidx = ps ? smap[ps - 1] : AGG_SKIP;
		int64_t bucket = gt_rd_svarint(&rd);
		int g;
		if (rd.bad)
			break;
		if (r->ngroup == 0)
			g = 0;
		else if (sidx == AGG_SKIP) {
			rd.bad = 1;
			break;
		} else if (r->tkind == AGG_TK_NONE) {
			uint32_t tg = r->ser[sidx].tg;
			if (r->tg2gid[tg] == AGG_SKIP) {
				if ((g = new_group(r, tg, 0, sidx, err)) < 0) {
					rc = g;
					goto out;
				}
				r->tg2gid[tg] = (uint32_t)g;
			}
			g = (int)r->tg2gid[tg];
		} else if ((g = group_of(r, r->ser[sidx].tg, bucket, sidx, err)) < 0) {
			rc = g;
			goto out;
		}
		for (uint32_t k = 0; k < r->naggs && !rd.bad; k++) {
			struct agg_fn *a = &r->aggs[k];
			uint64_t c = 0;
			if (a->fn == AGG_COUNT || a->fn == AGG_SUM || a->fn == AGG_AVG)
				a->cnt[g] += c = gt_rd_uvarint(&rd);
			if (a->fn == AGG_COUNT)
				continue;
			uint8_t fl = gt_rd_u8(&rd), has = fl & 1, null = (fl >> 1) & 1;
			if (!has)
				continue;
			int64_t kv = 0, iv = 0;
			double fv = 0;
			if (a->fn == AGG_FIRST || a->fn == AGG_LAST) {
				kv = gt_rd_svarint(&rd);
				if (!a->ord)
					kv += (int64_t)r->rowbase;
			}
			if (a->fn == AGG_SUM || a->fn == AGG_AVG) {
				fv = gt_f64_of(gt_rd_le64(&rd));
				iv = gt_rd_svarint(&rd);
			} else if (!null) {
				if (is_f64(a))
					fv = gt_f64_of(gt_rd_le64(&rd));
				else if (a->src == AGG_TAG) {
					uint32_t ts = rd_u32(&rd, ns);
					iv = ts ? smap[ts - 1] : AGG_SKIP;
				} else
					iv = gt_rd_svarint(&rd);
			}
			switch (a->fn) {
			case AGG_SUM:
			case AGG_AVG:
				a->f[g] += fv;
				a->i[g] = (int64_t)((uint64_t)a->i[g] + (uint64_t)iv);
				a->has[g] = 1;
				break;
			case AGG_MIN:
			case AGG_MAX: {
				int sign = a->fn == AGG_MIN ? -1 : 1;
				bool take = !a->has[g] || (is_f64(a) ? cmp_f64(fv, a->f[g]) == sign :
							   (sign < 0 ? iv < a->i[g] : iv > a->i[g]));
				if (take) {
					a->f[g] = fv;
					a->i[g] = iv;
				}
				a->has[g] = 1;
				break;
			}
			default:
				if (first_last_takes(a, a->has[g], a->key[g], kv)) {
					a->has[g] = 1;
					a->key[g] = kv;
					a->null[g] = null;
					a->f[g] = fv;
					a->i[g] = iv;
				}
			}
		}
	}
	if (rd.bad || gt_rd_left(&rd)) {
		rc = gt_errf(err, GT_ECORRUPT, "aggregate partial: bad groups");
		goto out;
	}
	r->rowbase += rows;
out:
	free(smap);
	return rc;
}

/* ---- the region side ---- */

static const void *scan_key(void *ctx, uint32_t sid, size_t *len)
{
	return gt_scan_key(ctx, sid, len);
}

int gt_agg_region(struct gt_region *reg, const void *plan, size_t n, struct gt_buf *out, struct gt_err *err)
{
	struct agg_run r;
	struct gt_scan_req req;
	struct gt_tag_pred preds[AGG_MAX_PREDS];
	struct gt_scan *scan = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = agg_plan_decode(&r, plan, n, err)) || (rc = agg_prepare(&r, err)))
		goto out;
	agg_scan_req(&r, &req, preds);
	if (r.start < r.end) {
		if ((rc = gt_region_scan(reg, &req, &scan, err)))
			goto out;
		for (;;) {
			const struct gt_batch *b;
			if ((rc = gt_scan_next(scan, &b, err)) <= 0)
				break;
			if (b->nrows && (rc = agg_batch(&r, b, scan_key, scan, err)) != 0) {
				if (rc == AGG_BAIL)
					rc = gt_errf(err, GT_EUNSUPP, "aggregate: rows outside the kernel");
				break;
			}
		}
		if (rc < 0)
			goto out;
	}
	rc = agg_partial_encode(&r, out, err);
out:
	gt_scan_free(scan);
	agg_run_free(&r);
	return rc;
}
