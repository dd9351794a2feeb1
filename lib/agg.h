/*
 * agg.h - the aggregation kernel (agg.c): streaming hash aggregation of
 * a scan's batches into per-group states, with no SQL in it.
 *
 *   sql-agg.c  plans a SELECT into a struct agg_run, ships the plan
 *              (agg_plan_encode) to every region of the table, merges
 *              the regions' partial states in region order (agg_merge)
 *              and renders the groups;
 *   gt_agg_region  runs next to one region (in process, or on the
 *              datanode behind the region RPC's AGGREGATE op, gt-rpc.5):
 *              decodes the plan, scans the region, folds each batch
 *              (agg_batch) and encodes the groups (agg_partial_encode).
 *
 * So an aggregate query moves its groups across the process split, not
 * its rows.  Merging in region order keeps the answers of one pass over
 * the regions' rows: groups in order of first appearance, count/min/max
 * exact, first/last ties to the later row; a sum adds each region's
 * partial sum to the sum of the regions before it.
 *
 * The kernel: per run of rows of one series, the series (key decoded
 * once: tag values, the WHERE tag verdict, the id of its GROUP BY tags);
 * gid[i] = group of (tag group, time bucket), SKIP if the row fails
 * WHERE; then per aggregate one loop over the batch's column into state
 * arrays indexed by gid.
 *
 * Ceilings: AGG_MAX_GROUPS groups (GT_ETOOBIG past it), and a partial of
 * at most AGG_MAX_PARTIAL bytes (GT_EUNSUPP past it: the caller
 * aggregates some other way).
 */
#ifndef GT_AGG_H
#define GT_AGG_H

#include "batch.h"
#include "buf.h"
#include "key.h"
#include "keymap.h"
#include "region.h"

#define AGG_MAX_GROUPS (1u << 22)
#define AGG_MAX_PARTIAL ((size_t)48 << 20)
#define AGG_MAX_PREDS 32
#define AGG_SKIP UINT32_MAX
/* agg_batch: the rows are outside what the kernel evaluates exactly. */
#define AGG_BAIL 1

/* Nanoseconds of a time unit (enum gt_unit: s .. ns). */
extern const int64_t agg_unit_ns[];

enum agg_tkind { AGG_TK_NONE, AGG_TK_RAW, AGG_TK_TRUNC, AGG_TK_BIN };
enum agg_kind { AGG_COUNT, AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_FIRST, AGG_LAST };
enum agg_src { AGG_STAR, AGG_FIELD, AGG_TAG, AGG_TIME };

/* One aggregate: the plan (first line), then its per-group state. */
struct agg_fn {
	uint8_t fn, src, type, unit, lt;  /* lt: enum gt_ltype of the column */
	bool ord, desc;       /* first/last: by the time index (else row order), reversed */
	uint32_t tag;         /* AGG_TAG: tag ordinal */
	uint32_t colid;       /* AGG_FIELD: column id */
	bool follower;        /* first/last: an earlier one keeps the same rows */
	uint64_t *cnt;        /* per group */
	double *f;            /* F64 value or sum */
	int64_t *i;           /* I64/TS value or sum; AGG_TAG first/last: series */
	int64_t *key;         /* first/last: ordering key of the kept row */
	uint8_t *has, *null;
};

/* A tag comparison of WHERE with strings: tag [NOT] IN (vals). */
struct agg_pred {
	uint32_t tag;
	bool neg;
	uint32_t n;
	const char *const *vals;
};

struct agg_series {
	uint32_t tg;          /* id of its GROUP BY tag values */
	bool pass;            /* tag conjuncts of WHERE hold */
};

struct agg_run {
	/* ---- the plan (what agg_plan_encode carries) ---- */
	uint32_t ntags, ts_id;
	uint8_t unit;                    /* of the time index */
	int64_t start, end;              /* [start, end) of the time index */
	struct agg_pred preds[AGG_MAX_PREDS];
	uint32_t npreds;
	uint32_t *ktag;                  /* per GROUP BY key: tag ordinal, or AGG_SKIP for the time key */
	uint32_t ngroup;
	uint8_t tkind;
	int64_t w, o;                    /* bucket width and origin in the time unit */
	struct agg_fn *aggs;
	uint32_t naggs;
	uint32_t *fids, nf;              /* the fields the aggregates read */
	bool tail;                       /* scan only each series' last rows (region.h) */
	/* ---- set by agg_prepare ---- */
	bool need_rser;
	int64_t safe_lo, safe_hi;        /* time values whose bucket cannot overflow */
	/* ---- state ---- */
	struct gt_keymap smap;           /* series keys -> series index */
	struct agg_series *ser;
	uint32_t *poff, *plen;           /* ntags per series into pbuf; plen AGG_SKIP = null */
	struct gt_buf pbuf;
	uint32_t nser, sercap;
	struct gt_keymap tgmap;          /* GROUP BY tag values -> tag group */
	uint32_t *tg2gid, tgcap;
	uint32_t ngroups, gcap;
	uint32_t *gser, *gtg;            /* per group: its first series, its tag group */
	int64_t *gbucket;
	uint32_t *gslots, gnslots;
	uint64_t rowbase;                /* rows folded so far (first/last in row order) */
	uint32_t *win;                   /* per group: the row a first/last leader kept in this batch */
	uint32_t *gid, *rser, *touched, bcap;
	struct gt_buf scratch, kb;
	struct gt_key_part parts[256];
	char *own;                       /* agg_plan_decode: storage of the pred strings */
};

/*
 * After the plan is filled in: mark first/last followers, note what the
 * kernel must track, and make the one group of a query without GROUP BY.
 */
int agg_prepare(struct agg_run *r, struct gt_err *err);
/* The scan request of the plan; preds has room for AGG_MAX_PREDS. */
void agg_scan_req(const struct agg_run *r, struct gt_scan_req *req, struct gt_tag_pred *preds);
/*
 * Fold one batch (cols: the time index, then fields; sid per row, whose
 * key key(ctx, sid) gives).  0, AGG_BAIL (give the query to a path that
 * evaluates anything), or a negative code.
 */
int agg_batch(struct agg_run *r, const struct gt_batch *b,
	      const void *(*key)(void *ctx, uint32_t sid, size_t *len), void *ctx, struct gt_err *err);
/* Release everything the run holds (a zeroed run is fine). */
void agg_run_free(struct agg_run *r);

/* The value of tag `tag` of series ser (AGG_SKIP: null) pushed onto v. */
int agg_tag_push(const struct agg_run *r, struct gt_vec *v, uint32_t ser, uint32_t tag);

int agg_plan_encode(const struct agg_run *r, struct gt_buf *out);
/* Fill a zeroed run from a plan; GT_ECORRUPT on bad bytes. */
int agg_plan_decode(struct agg_run *r, const void *p, size_t n, struct gt_err *err);
/*
 * The groups as a partial: uvarint rows folded | uvarint nseries |
 * nseries x bytes key | uvarint ngroups | per group: uvarint series + 1
 * (0: none) | svarint bucket | per aggregate its state (gt-rpc.5).
 */
int agg_partial_encode(const struct agg_run *r, struct gt_buf *out, struct gt_err *err);
/* Merge a partial of the same plan into r, after the partials merged before. */
int agg_merge(struct agg_run *r, const void *p, size_t n, struct gt_err *err);

/*
 * The region side: run the plan over region reg and append its partial
 * to out.  GT_EAGAIN when a tail scan cannot decide (plan again without
 * tail), GT_EUNSUPP when the rows are outside the kernel (AGG_BAIL) or
 * the partial would pass AGG_MAX_PARTIAL, GT_ETOOBIG past AGG_MAX_GROUPS.
 */
int gt_agg_region(struct gt_region *reg, const void *plan, size_t n, struct gt_buf *out, struct gt_err *err);

#endif
