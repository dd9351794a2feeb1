/*
 * test-agg.c - the aggregation kernel (agg.h): a plan survives
 * encode/decode; rows folded in one pass give the same groups as the
 * same rows split over "regions" whose partials are merged in order
 * (counts, sums, min/max, first/last by time and by row order, a tag's
 * first value, time buckets); damaged plans and partials are refused
 * with a message, never read past.
 *
 *   test-agg --seeds DIR   also writes fuzz-agg seeds into DIR
 */
#include <stdio.h>

#include "agg.h"
#include "codec.h"
#include "tap.h"

static const char *hosts[] = {"a", "b", "c", "d"};

static void key_of_host(struct gt_buf *k, uint32_t h)
{
	struct gt_key_part p[2] = {{hosts[h], 1}, {h & 1 ? "x" : "y", 1}};
	gt_buf_reset(k);
	gt_key_encode(k, p, 2);
}

struct keys {
	struct gt_buf k[4];
};

static const void *key_fn(void *ctx, uint32_t sid, size_t *len)
{
	struct keys *ks = ctx;
	*len = ks->k[sid].len;
	return ks->k[sid].p;
}

/* The plan: GROUP BY host, date_bin(10, ts) ... or one group. */
static void plan(struct agg_run *r, bool grouped)
{
	static const char *vals[] = {"d"};
	static const uint8_t fns[] = {AGG_COUNT, AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_FIRST, AGG_LAST, AGG_LAST,
				      AGG_FIRST, AGG_MAX};
	memset(r, 0, sizeof(*r));
	r->ntags = 2;
	r->ts_id = 1;
	r->unit = GT_UNIT_MS;
	r->start = 0;
	r->end = 1000;
	r->npreds = 1;
	r->preds[0] = (struct agg_pred){.tag = 0, .neg = true, .n = 1, .vals = vals};
	r->ngroup = grouped ? 2 : 0;
	r->ktag = gt_calloc(3, sizeof(*r->ktag));
	r->ktag[0] = 0;
	r->ktag[1] = AGG_SKIP;
	r->tkind = grouped ? AGG_TK_BIN : AGG_TK_NONE;
	r->w = grouped ? 10 : 0;
	r->naggs = GT_ARRAY_LEN(fns);
	r->aggs = gt_calloc(r->naggs, sizeof(*r->aggs));
	for (uint32_t k = 0; k < r->naggs; k++) {
		struct agg_fn *a = &r->aggs[k];
		a->fn = fns[k];
		a->src = AGG_FIELD;
		a->colid = 2;
		a->type = GT_F64;
		a->ord = k == 5 || k == 6;
	}
	r->aggs[8].src = AGG_TAG;     /* first_value(host) in row order */
	r->aggs[8].type = GT_STRING;
	r->aggs[8].tag = 0;
	r->aggs[9].src = AGG_TIME;    /* max(ts) */
	r->aggs[9].type = GT_TS;
	r->fids = gt_calloc(1, sizeof(*r->fids));
	r->fids[0] = 2;
	r->nf = 1;
}

/* Rows [lo, hi) of a fixed pseudo-random table as batches of 7 rows. */
static int feed(struct agg_run *r, uint32_t lo, uint32_t hi, struct keys *ks)
{
	struct gt_err err = {0};
	for (uint32_t i = lo; i < hi; i += 7) {
		struct gt_batch b;
		uint32_t n = GT_MIN(7u, hi - i);
		gt_batch_init(&b);
		gt_batch_add_col(&b, 1, GT_TS);
		gt_batch_add_col(&b, 2, GT_F64);
		gt_batch_reserve_meta(&b, n, false, false, true);
		for (uint32_t j = 0; j < n; j++) {
			uint32_t row = i + j;
			b.sid[j] = (row / 3) % 4;
			gt_vec_push_i64(&b.cols[0], (int64_t)((row * 37) % 120));
			if (row % 11 == 5)
				gt_vec_push_null(&b.cols[1]);
			else
				gt_vec_push_f64(&b.cols[1], (double)((row * 7919) % 1000) / 7.0);
		}
		b.nrows = n;
		int rc = agg_batch(r, &b, key_fn, ks, &err);
		gt_batch_release(&b);
		if (rc)
			return rc;
	}
	return 0;
}

static bool same_groups(const struct agg_run *x, const struct agg_run *y)
{
	if (x->ngroups != y->ngroups)
		return false;
	for (uint32_t g = 0; g < x->ngroups; g++) {
		if (x->gbucket[g] != y->gbucket[g])
			return false;
		for (uint32_t k = 0; k < x->naggs; k++) {
			const struct agg_fn *a = &x->aggs[k], *b = &y->aggs[k];
			if (a->cnt[g] != b->cnt[g] || a->has[g] != b->has[g] || a->null[g] != b->null[g])
				return false;
			if (!a->has[g] || a->null[g])
				continue;
			if (a->src == AGG_TAG) {
				struct gt_vec va, vb;
				gt_vec_init(&va, GT_STRING);
				gt_vec_init(&vb, GT_STRING);
				agg_tag_push(x, &va, (uint32_t)a->i[g], a->tag);
				agg_tag_push(y, &vb, (uint32_t)b->i[g], b->tag);
				uint32_t la, lb;
				const char *sa = gt_vec_str(&va, 0, &la), *sb = gt_vec_str(&vb, 0, &lb);
				bool same = la == lb && !memcmp(sa, sb, la);
				gt_vec_release(&va);
				gt_vec_release(&vb);
				if (!same)
					return false;
			} else if (a->fn == AGG_SUM || a->fn == AGG_AVG) {
				double d = a->f[g] - b->f[g], m = a->f[g] < 0 ? -a->f[g] : a->f[g];
				if (d > 1e-9 * m + 1e-12 || d < -1e-9 * m - 1e-12)
					return false;
			} else if (a->src == AGG_FIELD ? a->f[g] != b->f[g] : a->i[g] != b->i[g]) {
				return false;
			}
		}
	}
	return true;
}

static void test_plan_round_trip(void)
{
	struct agg_run r, d;
	struct gt_buf b1 = {0}, b2 = {0};
	struct gt_err err = {0};
	plan(&r, true);
	ok(agg_plan_encode(&r, &b1) == 0, "a plan encodes");
	memset(&d, 0, sizeof(d));
	ok(agg_plan_decode(&d, b1.p, b1.len, &err) == 0, "and decodes: %s", err.msg);
	ok(agg_plan_encode(&d, &b2) == 0 && b1.len == b2.len && !memcmp(b1.p, b2.p, b1.len),
	   "to the same plan");
	ok(d.npreds == 1 && d.preds[0].neg && !strcmp(d.preds[0].vals[0], "d"), "with its predicate");
	int refused = 0;
	for (size_t k = 0; k < b1.len; k++) {
		struct agg_run t;
		memset(&t, 0, sizeof(t));
		refused += agg_plan_decode(&t, b1.p, k, &err) == GT_ECORRUPT;
		agg_run_free(&t);
	}
	ok(refused == (int)b1.len, "every truncated plan is refused (%d of %zu)", refused, b1.len);
	agg_run_free(&r);
	agg_run_free(&d);
	gt_buf_release(&b1);
	gt_buf_release(&b2);
}

static void split_equals_one_pass(bool grouped, const char *seeds)
{
	struct keys ks;
	struct agg_run one, merged, part;
	struct gt_err err = {0};
	struct gt_buf pb = {0}, planb = {0};
	const uint32_t cut[] = {0, 40, 41, 97, 150};
	int rc = 0;

	for (uint32_t h = 0; h < 4; h++) {
		memset(&ks.k[h], 0, sizeof(ks.k[h]));
		key_of_host(&ks.k[h], h);
	}
	plan(&one, grouped);
	agg_prepare(&one, &err);
	ok(feed(&one, 0, 150, &ks) == 0, "%s: one pass folds", grouped ? "grouped" : "one group");
	plan(&merged, grouped);
	agg_prepare(&merged, &err);
	agg_plan_encode(&merged, &planb);
	for (size_t c = 0; c + 1 < GT_ARRAY_LEN(cut) && rc == 0; c++) {
		memset(&part, 0, sizeof(part));
		gt_buf_reset(&pb);
		rc = agg_plan_decode(&part, planb.p, planb.len, &err);
		if (!rc)
			rc = agg_prepare(&part, &err);
		if (!rc)
			rc = feed(&part, cut[c], cut[c + 1], &ks);
		if (!rc)
			rc = agg_partial_encode(&part, &pb, &err);
		if (!rc)
			rc = agg_merge(&merged, pb.p, pb.len, &err);
		if (!rc && seeds && c == 1) {
			char path[512];
			snprintf(path, sizeof(path), "%s/%s", seeds, grouped ? "grouped" : "one-group");
			FILE *f = fopen(path, "wb");
			if (f) {
				uint8_t l[2] = {(uint8_t)planb.len, (uint8_t)(planb.len >> 8)};
				fwrite(l, 1, 2, f);
				fwrite(planb.p, 1, planb.len, f);
				fwrite(pb.p, 1, pb.len, f);
				fclose(f);
			}
		}
		if (!rc) {
			/* every truncation of a partial is refused */
			int refused = 0;
			for (size_t k = 0; k < pb.len; k++) {
				struct agg_run t;
				memset(&t, 0, sizeof(t));
				agg_plan_decode(&t, planb.p, planb.len, &err);
				agg_prepare(&t, &err);
				refused += agg_merge(&t, pb.p, k, &err) == GT_ECORRUPT;
				agg_run_free(&t);
			}
			if (refused != (int)pb.len)
				rc = -100;
		}
		agg_run_free(&part);
	}
	ok(rc == 0, "%s: four partials encode and merge, truncations refused (%d %s)",
	   grouped ? "grouped" : "one group", rc, err.msg);
	ok(same_groups(&one, &merged), "%s: merged partials equal one pass (%u groups)",
	   grouped ? "grouped" : "one group", one.ngroups);
	ok(grouped ? one.ngroups > 20 : one.ngroups == 1, "%s: groups made: %u", grouped ? "grouped" : "one group",
	   one.ngroups);
	agg_run_free(&one);
	agg_run_free(&merged);
	gt_buf_release(&pb);
	gt_buf_release(&planb);
	for (uint32_t h = 0; h < 4; h++)
		gt_buf_release(&ks.k[h]);
}

int main(int argc, char **argv)
{
	const char *seeds = argc == 3 && !strcmp(argv[1], "--seeds") ? argv[2] : NULL;
	test_plan_round_trip();
	split_equals_one_pass(true, seeds);
	split_equals_one_pass(false, seeds);
	return tap_done();
}
