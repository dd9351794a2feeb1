/*
 * sql-agg.c - streaming hash aggregation over a table scan (sql-agg.h).
 *
 *   scan batch: ts | fields the aggregates read | sid per row
 *        |
 *        |  per run of equal sid: the series (key decoded once per query:
 *        |  tag values, the WHERE tag verdict, the id of its GROUP BY tags)
 *        v
 *   gid[i] = group of (tag group, time bucket), SKIP if the row fails
 *        |   WHERE; the bucket [lo, hi) of the previous row is reused
 *        v
 *   per aggregate: one loop over the batch's column into state arrays
 *   indexed by gid (count, sum, value + has/null flags, ordering key)
 *
 * Groups are numbered in order of their first row in scan order, as the
 * general path numbers them, so output without ORDER BY is the same.
 */
#include "keymap.h"
#include "sql-agg.h"
#include "key.h"
#include "sql-plan.h"

#define SKIP UINT32_MAX
#define MAX_PREDS 32

enum tkind { TK_NONE, TK_RAW, TK_TRUNC, TK_BIN };
enum afn { A_COUNT, A_SUM, A_AVG, A_MIN, A_MAX, A_FIRST, A_LAST };
enum asrc { AS_STAR, AS_FIELD, AS_TAG, AS_TIME };

struct agg {
	uint8_t fn, src, type, unit, lt;  /* lt: enum gt_ltype of the column */
	bool ord, desc;       /* first/last: by the time index (else row order), reversed */
	bool follower;        /* first/last: an earlier one keeps the same rows */
	uint32_t tag;         /* AS_TAG: tag ordinal */
	uint32_t colid;       /* AS_FIELD: column id */
	uint64_t *cnt;        /* per group */
	double *f;            /* F64 value or sum */
	int64_t *i;           /* I64/TS value or sum; AS_TAG: series */
	int64_t *key;         /* first/last: ordering key of the kept row */
	uint8_t *has, *null;
};

struct pred {
	uint32_t tag;
	bool neg;
	uint32_t n;
	struct sql_expr *one;   /* = / <> */
	struct sql_expr **in;   /* [NOT] IN */
};


struct series {
	uint32_t tg;          /* id of its GROUP BY tag values */
	bool pass;            /* tag conjuncts of WHERE hold */
};

struct run {
	const struct gt_schema *sc;
	const char *table;
	uint32_t ntags, ts_id;
	uint8_t unit;
	int64_t start, end;
	struct pred preds[MAX_PREDS];
	uint32_t npreds;
	/* GROUP BY: per key a tag ordinal, or UINT32_MAX for the time key */
	uint32_t *ktag;
	int *kcol;
	uint32_t ngroup;
	uint8_t tkind;
	int64_t w, o;         /* bucket width and origin in the time unit */
	int64_t safe_lo, safe_hi;
	struct agg *aggs;
	uint32_t naggs;
	bool need_rser;
	/* series */
	struct gt_keymap smap;
	struct series *ser;
	uint32_t *poff, *plen;   /* ntags per series into pbuf; plen UINT32_MAX = null */
	struct gt_buf pbuf;
	uint32_t nser, sercap;
	/* tag groups */
	struct gt_keymap tgmap;
	uint32_t *tg2gid, tgcap;
	/* groups */
	uint32_t ngroups, gcap;
	uint32_t *gser, *gtg;
	int64_t *gbucket;
	uint32_t *gslots, gnslots;
	uint64_t rowbase;
	uint32_t *win;        /* per group: the row a first/last leader kept in this batch */
	/* per batch */
	uint32_t *gid, *rser, *touched, bcap;
	struct gt_buf scratch, kb;
	struct gt_key_part parts[256];
};

static int nomem(struct gt_sql_error *e)
{
	return sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}




/* ---- planning ---- */

/* Schema column of an unqualified (or table-qualified) column reference. */
static int col_of(const struct run *r, const struct sql_expr *x)
{
	if (x->kind != E_COL || (x->q && !sql_qual_match(x->q, r->table)))
		return -1;
	return gt_schema_find(r->sc, x->s);
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
static bool plan_where(struct run *r, struct sql_expr *x, int depth)
{
	int64_t v, vh, v2, v2h;
	int k;
	if (!x)
		return true;
	if (depth > GT_SQL_MAX_DEPTH)
		return false;
	if (x->kind == E_BIN && x->op == B_AND)
		return plan_where(r, x->a, depth + 1) && plan_where(r, x->b, depth + 1);
	if (x->kind == E_BIN && x->op >= B_EQ && x->op <= B_GE && (k = col_of(r, x->a)) >= 0) {
		const struct gt_coldef *c = &r->sc->cols[k];
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
		if (c->sem == GT_TAG && c->type == GT_STRING && (x->op == B_EQ || x->op == B_NE) && x->b->kind == E_STR &&
		    r->npreds < MAX_PREDS) {
			struct pred *p = &r->preds[r->npreds++];
			p->tag = gt_schema_tag_ordinal(r->sc, k);
			p->neg = x->op == B_NE;
			p->one = x->b;
			p->n = 1;
			return true;
		}
		return false;
	}
	if (x->kind == E_IN && (k = col_of(r, x->a)) >= 0 && r->sc->cols[k].sem == GT_TAG &&
	    r->sc->cols[k].type == GT_STRING && x->nargs &&
	    r->npreds < MAX_PREDS) {
		for (uint32_t j = 0; j < x->nargs; j++)
			if (x->args[j]->kind != E_STR)
				return false;
		struct pred *p = &r->preds[r->npreds++];
		p->tag = gt_schema_tag_ordinal(r->sc, k);
		p->neg = x->neg;
		p->in = x->args;
		p->n = x->nargs;
		return true;
	}
	if (x->kind == E_BETWEEN && !x->neg && (k = col_of(r, x->a)) >= 0 && r->sc->cols[k].sem == GT_TIME &&
	    lit_time(x->b, r->unit, &v, &vh) && lit_time(x->c, r->unit, &v2, &v2h) && v2 < INT64_MAX) {
		r->start = GT_MAX(r->start, vh);
		r->end = GT_MIN(r->end, v2 + 1);
		return true;
	}
	return false;
}

static const int64_t unit_ns[] = {1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};

/* The time key: date_trunc / date_bin of the time index, or the index itself. */
static bool plan_time_key(struct run *r, const struct sql_expr *x)
{
	int64_t u = unit_ns[r->unit], wns, ons = 0;
	if (r->tkind != TK_NONE)
		return false;
	if (x->kind == E_COL) {
		int c = col_of(r, x);
		if (c < 0 || r->sc->cols[c].sem != GT_TIME)
			return false;
		r->tkind = TK_RAW;
		r->w = 1;
		r->safe_lo = INT64_MIN + 2;
		r->safe_hi = INT64_MAX - 2;
		return true;
	}
	int k = x->nargs == 2 ? col_of(r, x->args[1]) : -1;
	if (k < 0 || r->sc->cols[k].sem != GT_TIME)
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
		r->tkind = TK_BIN;
		r->w = stride;
		r->safe_lo = INT64_MIN + 2 * stride;
		r->safe_hi = INT64_MAX - 2 * stride;
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
	r->tkind = TK_TRUNC;
	r->w = wns / u;
	r->o = ons / u;
	/* Where the evaluator's nanosecond arithmetic cannot overflow. */
	r->safe_hi = (INT64_MAX - 4 * wns) / u;
	r->safe_lo = -r->safe_hi;
	return true;
}

static bool plan_agg(struct run *r, struct agg *a, const struct sql_expr *x)
{
	const char *f = x->s;
	if (x->distinct || x->nargs != 1)
		return false;
	if (!strcmp(f, "count"))
		a->fn = A_COUNT;
	else if (!strcmp(f, "sum"))
		a->fn = A_SUM;
	else if (!strcmp(f, "avg") || !strcmp(f, "mean"))
		a->fn = A_AVG;
	else if (!strcmp(f, "min"))
		a->fn = A_MIN;
	else if (!strcmp(f, "max"))
		a->fn = A_MAX;
	else if (!strcmp(f, "first_value"))
		a->fn = A_FIRST;
	else if (!strcmp(f, "last_value"))
		a->fn = A_LAST;
	else
		return false;
	if ((a->fn == A_FIRST || a->fn == A_LAST) && x->ord) {
		int ok = col_of(r, x->ord);
		if (ok < 0 || r->sc->cols[ok].sem != GT_TIME)
			return false;
		a->ord = true;
		a->desc = x->ord_desc;
	}
	if (x->args[0]->kind == E_STAR) {
		if (a->fn != A_COUNT)
			return false;
		a->src = AS_STAR;
		return true;
	}
	int k = col_of(r, x->args[0]);
	if (k < 0)
		return false;
	const struct gt_coldef *c = &r->sc->cols[k];
	a->type = c->type;
	a->unit = c->unit;
	a->lt = c->lt;
	if (c->sem == GT_TAG) {
		a->src = AS_TAG;
		a->tag = gt_schema_tag_ordinal(r->sc, k);
		if (a->fn == A_FIRST || a->fn == A_LAST)
			r->need_rser = true;
		return a->fn == A_COUNT || a->fn == A_FIRST || a->fn == A_LAST;
	}
	if (c->sem == GT_TIME) {
		a->src = AS_TIME;
		return a->fn != A_SUM && a->fn != A_AVG;
	}
	a->src = AS_FIELD;
	a->colid = c->id;
	return a->fn == A_COUNT || c->type == GT_F64 || c->type == GT_I64;
}

/* ---- scanning ---- */

static int grow_groups(struct run *r, struct gt_sql_error *e)
{
	if (r->ngroups < r->gcap)
		return 0;
	if (r->ngroups >= SQL_AGG_MAX_GROUPS)
		return sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "query makes more than %u groups",
			       SQL_AGG_MAX_GROUPS);
	uint32_t nc = r->gcap ? r->gcap * 2 : 256, oc = r->gcap;
#define GROW(p, type) do { \
		type *np_ = gt_reallocarray((p), nc, sizeof(type)); \
		if (!np_) \
			return nomem(e); \
		memset(np_ + oc, 0, (size_t)(nc - oc) * sizeof(type)); \
		(p) = np_; \
	} while (0)
	GROW(r->gser, uint32_t);
	GROW(r->gtg, uint32_t);
	GROW(r->gbucket, int64_t);
	GROW(r->win, uint32_t);
	memset(r->win + oc, 0xff, (size_t)(nc - oc) * sizeof(uint32_t));
	for (uint32_t k = 0; k < r->naggs; k++) {
		struct agg *a = &r->aggs[k];
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

static int new_group(struct run *r, uint32_t tg, int64_t bucket, uint32_t ser, struct gt_sql_error *e)
{
	int rc = grow_groups(r, e);
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
static int group_of(struct run *r, uint32_t tg, int64_t bucket, uint32_t ser, struct gt_sql_error *e)
{
	if (r->ngroups * 2 + 2 >= r->gnslots) {
		uint32_t ns = r->gnslots ? r->gnslots * 2 : 1024;
		uint32_t *sl = gt_malloc((size_t)ns * sizeof(*sl));
		if (!sl)
			return nomem(e);
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
	int g = new_group(r, tg, bucket, ser, e);
	if (g >= 0)
		r->gslots[h] = (uint32_t)g;
	return g;
}

static bool pred_holds(const struct pred *p, const char *s, uint32_t n, bool null)
{
	bool hit = false;
	if (null)
		return false;   /* a comparison with a null tag is null */
	for (uint32_t j = 0; j < p->n && !hit; j++) {
		const char *v = p->one ? p->one->s : p->in[j]->s;
		size_t vl = strlen(v);
		hit = vl == n && !memcmp(v, s, n);
	}
	return hit != p->neg;
}

/* Index of the series of a key, decoding it the first time. */
static int series_of(struct run *r, const void *key, size_t klen, struct gt_sql_error *e)
{
	bool isnew;
	int id = gt_keymap_get(&r->smap, key, klen, &isnew);
	if (id < 0)
		return nomem(e);
	if (!isnew)
		return id;
	if (r->nser == r->sercap) {
		uint32_t nc = r->sercap ? r->sercap * 2 : 64;
		struct series *s = gt_reallocarray(r->ser, nc, sizeof(*s));
		if (!s)
			return nomem(e);
		r->ser = s;
		uint32_t *po = gt_reallocarray(r->poff, (size_t)nc * (r->ntags + 1), sizeof(*po));
		if (!po)
			return nomem(e);
		r->poff = po;
		uint32_t *pl = gt_reallocarray(r->plen, (size_t)nc * (r->ntags + 1), sizeof(*pl));
		if (!pl)
			return nomem(e);
		r->plen = pl;
		r->sercap = nc;
	}
	int np = gt_key_decode(key, klen, r->parts, r->ntags, &r->scratch);
	if (np < 0)
		return sql_err(e, GT_STATUS_STORAGE_UNAVAILABLE, "corrupt series key");
	struct series *s = &r->ser[r->nser];
	uint32_t *po = &r->poff[(size_t)r->nser * (r->ntags + 1)], *pl = &r->plen[(size_t)r->nser * (r->ntags + 1)];
	for (uint32_t t = 0; t < r->ntags; t++) {
		const struct gt_key_part *p = &r->parts[t];
		if (r->pbuf.len + p->n > UINT32_MAX)
			return nomem(e);
		po[t] = (uint32_t)r->pbuf.len;
		pl[t] = p->p ? p->n : UINT32_MAX;
		if (p->p && p->n && gt_buf_add(&r->pbuf, p->p, p->n) < 0)
			return nomem(e);
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
			return nomem(e);
	}
	int tg = gt_keymap_get(&r->tgmap, r->kb.p ? r->kb.p : "", r->kb.len, &isnew);
	if (tg < 0)
		return nomem(e);
	s->tg = (uint32_t)tg;
	if (isnew) {
		if ((uint32_t)tg >= r->tgcap) {
			uint32_t nc = r->tgcap ? r->tgcap * 2 : 64;
			uint32_t *t2 = gt_reallocarray(r->tg2gid, nc, sizeof(*t2));
			if (!t2)
				return nomem(e);
			memset(t2 + r->tgcap, 0xff, (size_t)(nc - r->tgcap) * sizeof(*t2));
			r->tg2gid = t2;
			r->tgcap = nc;
		}
	}
	return (int)r->nser++;
}

/* Sentinel of sql_agg_scan's internals: give the query back to the general path. */
#define BAIL 1

/* Group ids of rows [i, j) of one series. */
static int assign_run(struct run *r, const int64_t *t, uint32_t i, uint32_t j, uint32_t sidx,
		      struct gt_sql_error *e)
{
	const struct series *s = &r->ser[sidx];
	uint32_t *gid = r->gid;
	if (r->need_rser)
		for (uint32_t k = i; k < j; k++)
			r->rser[k] = sidx;
	if (!s->pass) {
		for (uint32_t k = i; k < j; k++)
			gid[k] = SKIP;
		return 0;
	}
	int64_t start = r->start, end = r->end;
	if (r->tkind == TK_NONE) {
		uint32_t g = r->ngroup == 0 ? 0 : r->tg2gid[s->tg];
		for (uint32_t k = i; k < j; k++) {
			if (t[k] < start || t[k] >= end) {
				gid[k] = SKIP;
				continue;
			}
			if (g == SKIP) {
				int ng = new_group(r, s->tg, 0, sidx, e);
				if (ng < 0)
					return ng;
				g = r->tg2gid[s->tg] = (uint32_t)ng;
			}
			gid[k] = g;
		}
		return 0;
	}
	int64_t lo = 1, hi = 0, w = r->w, o = r->o;
	uint32_t cg = SKIP;
	for (uint32_t k = i; k < j; k++) {
		int64_t tv = t[k];
		if (tv < start || tv >= end) {
			gid[k] = SKIP;
			continue;
		}
		if (tv >= lo && tv < hi) {
			gid[k] = cg;
			continue;
		}
		if (tv < r->safe_lo || tv > r->safe_hi)
			return BAIL;
		int64_t b = r->tkind == TK_TRUNC ? floor_div(tv - o, w) * w + o : r->tkind == TK_BIN ? floor_div(tv, w) * w : tv;
		int g = group_of(r, s->tg, b, sidx, e);
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
static void update(struct run *r, struct agg *a, const struct gt_batch *b, const int64_t *t)
{
	const uint32_t *gid = r->gid;
	uint32_t n = b->nrows;
	const struct gt_vec *v = NULL;
	if (a->src == AS_FIELD) {
		int bi = gt_batch_find(b, a->colid);
		if (bi < 0 || b->cols[bi].type != a->type)
			v = NULL;   /* the column is newer than these rows: all null */
		else
			v = &b->cols[bi];
	}
	/* Locals: stores through the uint8_t state arrays may alias *a. */
	const uint8_t *valid = v ? v->valid : NULL;
	const bool field = a->src == AS_FIELD;
	uint64_t *cnt = a->cnt;
	uint8_t *has = a->has;
	double *fs = a->f;
	int64_t *is = a->i;
	uint32_t g;
#define ISNULL(i) (field && (valid && !(valid[(i) >> 3] & (1u << ((i) & 7)))))
	switch (a->fn) {
	case A_COUNT:
		if (a->src == AS_TAG || (field && !v))
			return;   /* count_tag(); a column these rows lack is all null */
		for (uint32_t i = 0, j; i < n; i = j) {
			j = run_end(gid, i, n, &g);
			if (g == SKIP)
				continue;
			uint64_t c = 0;
			for (uint32_t k = i; k < j; k++)
				c += !ISNULL(k);
			cnt[g] += c;
		}
		return;
	case A_SUM:
	case A_AVG:
		if (!v)
			return;
		for (uint32_t i = 0, j; i < n; i = j) {
			j = run_end(gid, i, n, &g);
			if (g == SKIP)
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
	case A_MIN:
	case A_MAX: {
		int sign = a->fn == A_MIN ? -1 : 1;
		if (a->src == AS_FIELD && !v)
			return;
		for (uint32_t i = 0, j; i < n; i = j) {
			j = run_end(gid, i, n, &g);
			if (g == SKIP)
				continue;
			bool h = has[g];
			if (a->src == AS_FIELD && a->type == GT_F64) {
				const double *d = v->v.f64;
				double m = fs[g];
				for (uint32_t k = i; k < j; k++)
					if (!ISNULL(k) && (!h || cmp_f64(d[k], m) == sign)) {
						m = d[k];
						h = true;
					}
				fs[g] = m;
			} else {
				const int64_t *d = a->src == AS_TIME ? t : v->v.i64;
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
static void count_tag(struct run *r, struct agg *a, const struct gt_batch *b)
{
	uint32_t n = b->nrows;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = r->gid[i];
		if (g == SKIP || r->plen[(size_t)r->rser[i] * (r->ntags + 1) + a->tag] == UINT32_MAX)
			continue;
		a->cnt[g]++;
	}
}

static bool same_order(const struct agg *a, const struct agg *b)
{
	return (a->fn == A_FIRST || a->fn == A_LAST) && a->fn == b->fn && a->ord == b->ord && a->desc == b->desc;
}

static const struct gt_vec *field_vec(const struct agg *a, const struct gt_batch *b)
{
	int bi = a->src == AS_FIELD ? gt_batch_find(b, a->colid) : -1;
	return bi >= 0 && b->cols[bi].type == a->type ? &b->cols[bi] : NULL;
}

/*
 * first_value/last_value: the leader (first of those ordered alike)
 * finds, per group, the row it keeps in this batch; then it and its
 * followers copy their values from that row.
 */
static void first_last(struct run *r, uint32_t k, const struct gt_batch *b, const int64_t *t)
{
	struct agg *l = &r->aggs[k];
	if (l->follower)
		return;
	const uint32_t *gid = r->gid;
	uint32_t n = b->nrows, nt = 0, *win = r->win, *touched = r->touched;
	int64_t *key = l->key;
	uint8_t *has = l->has;
	bool last = l->fn == A_LAST, ord = l->ord, desc = l->desc;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = gid[i];
		if (g == SKIP)
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
		if (win[g] == SKIP)
			touched[nt++] = g;
		win[g] = i;
	}
	for (uint32_t j = k; j < r->naggs; j++) {
		struct agg *a = &r->aggs[j];
		if (j != k && !(a->follower && same_order(a, l)))
			continue;
		const struct gt_vec *v = field_vec(a, b);
		for (uint32_t x = 0; x < nt; x++) {
			uint32_t g = touched[x], i = win[g];
			a->has[g] = 1;
			a->key[g] = key[g];
			switch (a->src) {
			case AS_TAG:
				a->i[g] = r->rser[i];
				break;
			case AS_TIME:
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
		win[touched[x]] = SKIP;
}

static int batch(struct run *r, struct gt_table_scan *scan, const struct gt_batch *b, struct gt_sql_error *e)
{
	uint32_t n = b->nrows;
	int ti = gt_batch_find(b, r->ts_id);
	if (ti < 0)
		return BAIL;
	const int64_t *t = b->cols[ti].v.i64;
	if (n > r->bcap) {
		uint32_t *g = gt_reallocarray(r->gid, n, sizeof(*g));
		if (!g)
			return nomem(e);
		r->gid = g;
		uint32_t *s = gt_reallocarray(r->rser, n, sizeof(*s));
		if (!s)
			return nomem(e);
		r->rser = s;
		uint32_t *tc = gt_reallocarray(r->touched, n, sizeof(*tc));
		if (!tc)
			return nomem(e);
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
		const void *key = gt_table_scan_key(scan, sid, &klen);
		if (!key)
			return BAIL;
		int sidx = series_of(r, key, klen, e);
		if (sidx < 0)
			return sidx;
		int rc = assign_run(r, t, i, j, (uint32_t)sidx, e);
		if (rc != 0)
			return rc;
		i = j;
	}
	for (uint32_t k = 0; k < r->naggs; k++) {
		struct agg *a = &r->aggs[k];
		if (a->fn == A_COUNT && a->src == AS_TAG)
			count_tag(r, a, b);
		else if (a->fn == A_FIRST || a->fn == A_LAST)
			first_last(r, k, b, t);
		else
			update(r, a, b, t);
	}
	r->rowbase += n;
	return 0;
}

/* ---- output ---- */

static int tag_push(const struct run *r, struct gt_vec *v, uint32_t ser, uint32_t tag)
{
	size_t at = (size_t)ser * (r->ntags + 1) + tag;
	struct gt_key_part p = {NULL, 0};
	if (ser != SKIP && r->plen[at] != UINT32_MAX) {
		p.p = r->plen[at] ? r->pbuf.p + r->poff[at] : "";
		p.n = r->plen[at];
	}
	return gt_key_part_push(v, &p);
}

static int emit_agg(struct run *r, struct agg *a, struct sql_xv *out, struct gt_sql_error *e)
{
	uint32_t ng = r->ngroups;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (a->fn == A_COUNT) {
		gt_vec_init(&out->v, GT_I64);
		for (uint32_t g = 0; g < ng && rc == 0; g++)
			rc = gt_vec_push_i64(&out->v, (int64_t)a->cnt[g]);
	} else if (a->fn == A_SUM && a->type == GT_I64) {
		gt_vec_init(&out->v, GT_I64);
		for (uint32_t g = 0; g < ng && rc == 0; g++)
			rc = a->has[g] ? gt_vec_push_i64(&out->v, a->i[g]) : gt_vec_push_null(&out->v);
	} else if (a->fn == A_SUM || a->fn == A_AVG) {
		gt_vec_init(&out->v, GT_F64);
		for (uint32_t g = 0; g < ng && rc == 0; g++) {
			double d = a->fn == A_SUM ? a->f[g] : a->f[g] / (double)a->cnt[g];
			rc = a->has[g] ? gt_vec_push_f64(&out->v, d) : gt_vec_push_null(&out->v);
		}
	} else {
		gt_vec_init(&out->v, a->type);
		out->unit = a->unit;
		out->lt = a->lt;
		for (uint32_t g = 0; g < ng && rc == 0; g++) {
			if (!a->has[g] || a->null[g])
				rc = gt_vec_push_null(&out->v);
			else if (a->src == AS_TAG)
				rc = tag_push(r, &out->v, (uint32_t)a->i[g], a->tag);
			else if (a->type == GT_F64)
				rc = gt_vec_push_f64(&out->v, a->f[g]);
			else
				rc = gt_vec_push_i64(&out->v, a->i[g]);
		}
	}
	return rc < 0 ? nomem(e) : 0;
}

static void run_free(struct run *r)
{
	for (uint32_t k = 0; k < r->naggs && r->aggs; k++) {
		struct agg *a = &r->aggs[k];
		free(a->cnt);
		free(a->f);
		free(a->i);
		free(a->key);
		free(a->has);
		free(a->null);
	}
	free(r->aggs);
	free(r->ktag);
	free(r->kcol);
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

/* EXPLAIN: the scan, the partial aggregation beside it in the region, the merge. */
static bool plan_partial(const struct sql_agg_query *q, const struct run *r, const struct gt_scan_req *req)
{
	struct gt_buf b = {0};
	bool dry = sql_plan_scan(q->plan, q->ti, req);
	gt_buf_addstr(&b, "PartialAggregate: groupBy=[");
	for (uint32_t k = 0; k < q->ngroup; k++) {
		if (k)
			gt_buf_addstr(&b, ", ");
		sql_expr_name(&b, q->group[k], r->table);
	}
	gt_buf_addstr(&b, "], aggr=[");
	for (uint32_t k = 0; k < q->naggs; k++) {
		if (k)
			gt_buf_addstr(&b, ", ");
		sql_expr_name(&b, q->aggs[k], r->table);
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
static bool tail_only(const struct run *r)
{
	for (uint32_t k = 0; k < r->ngroup; k++)
		if (r->ktag[k] == UINT32_MAX)
			return false;
	for (uint32_t k = 0; k < r->naggs; k++) {
		const struct agg *a = &r->aggs[k];
		if (!a->ord || a->desc != (a->fn == A_FIRST) || (a->fn != A_LAST && a->fn != A_FIRST))
			return false;
	}
	return r->naggs > 0;
}

/* agg_scan's answer when a tail scan could not decide: scan in full. */
#define TAIL_RETRY 2

static int agg_scan(const struct sql_agg_query *q, struct sql_xv **slots, uint32_t *ngroups,
		    struct gt_sql_error *e, bool tail_ok)
{
	struct run r;
	struct gt_scan_req req;
	struct gt_table_scan *scan = NULL;
	struct gt_err err = {0};
	struct sql_xv *out = NULL;
	uint32_t *fids = NULL, nf = 0;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.sc = &q->ti->schema;
	r.table = q->table ? q->table : q->ti->name;
	r.ntags = gt_schema_ntags(r.sc);
	int tsk = gt_schema_time_index(r.sc);
	if (tsk < 0 || r.ntags > 256 || r.sc->cols[tsk].type != GT_TS || r.sc->cols[tsk].unit > GT_UNIT_NS)
		return 0;
	r.ts_id = r.sc->cols[tsk].id;
	r.unit = r.sc->cols[tsk].unit;
	r.start = INT64_MIN;
	r.end = INT64_MAX;
	r.ngroup = q->ngroup;
	r.naggs = q->naggs;
	r.ktag = gt_calloc(q->ngroup + 1, sizeof(*r.ktag));
	r.kcol = gt_calloc(q->ngroup + 1, sizeof(*r.kcol));
	r.aggs = gt_calloc(q->naggs + 1, sizeof(*r.aggs));
	fids = gt_calloc(q->naggs + 1, sizeof(*fids));
	if (!r.ktag || !r.kcol || !r.aggs || !fids) {
		rc = nomem(e);
		goto out;
	}
	/* Plan: anything we do not evaluate exactly goes to the general path. */
	if (!plan_where(&r, q->where, 0))
		goto out;
	for (uint32_t k = 0; k < q->ngroup; k++) {
		struct sql_expr *x = q->group[k];
		int c = col_of(&r, x);
		r.kcol[k] = c;
		if (c >= 0 && r.sc->cols[c].sem == GT_TAG) {
			r.ktag[k] = gt_schema_tag_ordinal(r.sc, c);
			continue;
		}
		r.ktag[k] = UINT32_MAX;
		if (c >= 0 && r.sc->cols[c].sem != GT_TIME)
			goto out;
		if (x->kind != E_COL && x->kind != E_FUNC)
			goto out;
		if (!plan_time_key(&r, x))
			goto out;
	}
	for (uint32_t k = 0; k < q->naggs; k++) {
		struct agg *a = &r.aggs[k];
		if (!plan_agg(&r, a, q->aggs[k]))
			goto out;
		if (a->fn == A_COUNT && a->src == AS_TAG)
			r.need_rser = true;
		if (a->src != AS_FIELD)
			continue;
		bool dup = false;
		for (uint32_t j = 0; j < nf; j++)
			dup |= fids[j] == a->colid;
		if (!dup)
			fids[nf++] = a->colid;
	}
	for (uint32_t k = 0; k < q->naggs; k++)
		for (uint32_t j = 0; j < k && !r.aggs[k].follower; j++)
			r.aggs[k].follower = same_order(&r.aggs[j], &r.aggs[k]) && !r.aggs[j].follower;
	if (q->ngroup == 0 && (rc = new_group(&r, 0, 0, SKIP, e)) < 0)
		goto out;
	rc = 0;
	if (r.start < r.end) {
		memset(&req, 0, sizeof(req));
		req.start = r.start;
		req.end = r.end;
		req.field_ids = fids;
		req.nfields = nf;
		/* The scan prunes series by these; each series is checked again here. */
		struct gt_tag_pred tp[MAX_PREDS];
		const char *vals[MAX_PREDS][64];
		uint32_t ntp = 0;
		for (uint32_t k = 0; k < r.npreds; k++) {
			struct pred *p = &r.preds[k];
			if (p->neg || p->n > 64)
				continue;
			for (uint32_t j = 0; j < p->n; j++)
				vals[ntp][j] = p->one ? p->one->s : p->in[j]->s;
			tp[ntp].tag = p->tag;
			tp[ntp].op = p->n == 1 ? GT_PRED_EQ : GT_PRED_IN;
			tp[ntp].nvals = p->n;
			tp[ntp].vals = vals[ntp];
			ntp++;
		}
		req.preds = tp;
		req.npreds = ntp;
		req.tail = tail_ok && tail_only(&r);
		if (q->plan && plan_partial(q, &r, &req))
			goto emit;
		if ((rc = gt_db_scan(q->db, q->ti, &req, &scan, &err)) < 0) {
			rc = sql_err(e, rc == GT_ENOMEM ? GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED : GT_STATUS_STORAGE_UNAVAILABLE,
				     "%s", err.msg[0] ? err.msg : gt_strerror(rc));
			goto out;
		}
		for (;;) {
			const struct gt_batch *b;
			rc = gt_table_scan_next(scan, &b, &err);
			if (rc == GT_EAGAIN && req.tail) {
				rc = TAIL_RETRY;
				goto out;
			}
			if (rc < 0) {
				rc = sql_err(e, rc == GT_ENOMEM ? GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED :
					     GT_STATUS_STORAGE_UNAVAILABLE, "%s", err.msg[0] ? err.msg : gt_strerror(rc));
				goto out;
			}
			if (rc == 0)
				break;
			if (b->nrows && (rc = batch(&r, scan, b, e)) != 0) {
				if (rc == BAIL)
					rc = 0;
				goto out;
			}
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
		if (r.ktag[k] != UINT32_MAX) {
			gt_vec_init(&x->v, (enum gt_type)r.sc->cols[r.kcol[k]].type);
			x->unit = r.sc->cols[r.kcol[k]].unit;
			x->lt = r.sc->cols[r.kcol[k]].lt;
			for (uint32_t g = 0; g < r.ngroups && rc == 0; g++)
				if (tag_push(&r, &x->v, r.gser[g], r.ktag[k]) < 0)
					rc = nomem(e);
		} else {
			gt_vec_init(&x->v, GT_TS);
			x->unit = r.unit;
			for (uint32_t g = 0; g < r.ngroups && rc == 0; g++)
				if (gt_vec_push_i64(&x->v, r.gbucket[g]) < 0)
					rc = nomem(e);
		}
	}
	for (uint32_t k = 0; k < q->naggs && rc == 0; k++)
		rc = emit_agg(&r, &r.aggs[k], &out[q->ngroup + k], e);
	if (rc < 0) {
		for (uint32_t k = 0; k < q->ngroup + q->naggs; k++)
			sql_xv_release(&out[k]);
		free(out);
		goto out;
	}
	*slots = out;
	*ngroups = r.ngroups;
	rc = 1;
out:
	if (scan)
		gt_table_scan_free(scan);
	free(fids);
	run_free(&r);
	return rc;
}

int sql_agg_scan(const struct sql_agg_query *q, struct sql_xv **slots, uint32_t *ngroups,
		 struct gt_sql_error *e)
{
	int rc = agg_scan(q, slots, ngroups, e, true);
	return rc == TAIL_RETRY ? agg_scan(q, slots, ngroups, e, false) : rc;
}
