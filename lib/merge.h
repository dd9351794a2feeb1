/*
 * merge.h - sorted sources of rows and the merge that reads them as one:
 * the read side shared by scans, flushes and compactions.
 *
 * A source yields series in ascending key order (memcmp of key.h keys);
 * for each series it appends that series' rows, sorted by timestamp
 * (ties in any order), to a gather batch whose columns are the time
 * column followed by the requested field columns, with seq and op.
 * Two kinds exist: a run (rows copied out of a memtable, see
 * memtable.h) and an SST file (read block by block, pruned by time range
 * and by the series that pass the tag predicates).
 *
 * The merge keeps a cursor per source, takes the smallest key, gathers
 * that series' rows from every source that has it, orders them by
 * (timestamp asc, seq desc), and combines rows of the same timestamp:
 * the row with the highest seq wins (merge_mode last_row) or each field
 * takes its latest non-null value (last_non_null); a delete hides every
 * older row of its timestamp.  In append mode only rows with equal seq
 * (the same row read twice, e.g. replayed into a memtable after it was
 * flushed) are combined.  Rows outside [start, end) and, when a TTL
 * floor is set, rows older than it are dropped.  Tombstones are kept
 * when keep_deletes is set (flush, compaction) and dropped otherwise
 * (queries).
 *
 * Not thread-safe: one merge, one thread.
 */
#ifndef GT_MERGE_H
#define GT_MERGE_H

#include <stdbool.h>
#include "batch.h"
#include "schema.h"

struct gt_sst;

/* Tag predicates: AND of (tag op values).  tag is the position of the tag
 * in the primary key (0 = first tag column). */
enum gt_pred_op {
	GT_PRED_EQ = 1,      /* tag = v */
	GT_PRED_NE = 2,      /* tag != v (null tags do not match, as in SQL) */
	GT_PRED_IN = 3,      /* tag IN (v...) */
	GT_PRED_NOT_IN = 4,
	GT_PRED_IS_NULL = 5,
	GT_PRED_NOT_NULL = 6,
};

struct gt_tag_pred {
	uint32_t tag;
	uint8_t op;
	uint32_t nvals;
	const char *const *vals;     /* NUL-terminated values */
};

/* True if the series key passes every predicate. */
bool gt_preds_match(const struct gt_tag_pred *preds, uint32_t n, const void *key, size_t keylen);

/* What to read: shared by sources and the merge. */
struct gt_read_spec {
	int64_t start, end;          /* [start, end) */
	const uint32_t *field_ids;   /* field column ids wanted, in output order */
	const uint8_t *field_types;  /* their types (from the region's schema) */
	uint32_t nfields;
	uint32_t ts_id;              /* time index column id */
	const struct gt_tag_pred *preds;
	uint32_t npreds;
	/* Tail read (last_value and the like): each series yields exactly the
	 * rows the full read gives at its last timestamp, and nothing else.
	 * Sources are read newest first and stop as soon as no older data
	 * can matter; see gt_merge_next. */
	bool tail;
};

/* A run: series with their rows, all in memory, in key order. */
struct gt_run_series {
	uint32_t keyoff, keylen;     /* in keys */
	uint32_t off, n;             /* rows [off, off+n) of rows */
	int64_t floor;               /* tail reads: the rows below this timestamp
					were not copied; INT64_MIN = every row */
};

struct gt_run {
	struct gt_batch rows;        /* cols: ts, fields per spec; seq; op */
	struct gt_run_series *series;
	uint32_t nseries, cap;
	struct gt_buf keys;
};

void gt_run_init(struct gt_run *r);
void gt_run_release(struct gt_run *r);
/* Prepare rows' columns for a spec (ts then fields). */
int gt_run_setup(struct gt_run *r, const struct gt_read_spec *spec);

struct gt_merge;

struct gt_merge_opts {
	uint8_t merge_mode;          /* enum gt_merge_mode */
	bool append_mode;
	bool keep_deletes;           /* flush and compaction */
	int64_t ttl_floor;           /* drop rows with ts < this; INT64_MIN = none */
	struct gt_cache *cache;      /* decoded blocks, shared; NULL = none */
};

/* spec->preds (and the strings they point to) must outlive the merge. */
int gt_merge_new(struct gt_merge **out, const struct gt_read_spec *spec, const struct gt_merge_opts *o);
/* Add sources.  A run is borrowed (must outlive the merge); an SST reader
 * is borrowed too. */
int gt_merge_add_run(struct gt_merge *m, const struct gt_run *run, struct gt_err *err);
/* A frozen memtable, read in place (no copy); borrowed. */
struct gt_memtable;
int gt_merge_add_memtable(struct gt_merge *m, struct gt_memtable *mt, struct gt_err *err);
/* An SST file; cache_id names the file in the merge's block cache (0 = do
 * not cache its blocks, e.g. for compaction). */
int gt_merge_add_sst(struct gt_merge *m, struct gt_sst *sst, uint64_t cache_id, struct gt_err *err);
/*
 * Next series: 1 and key/rows set (rows owned by the merge, valid until
 * the next call; cols = ts then fields per spec, seq and op filled), 0 at
 * the end, or a negative code.  A series whose rows all drop out is
 * skipped.
 */
int gt_merge_next(struct gt_merge *m, const void **key, size_t *keylen, const struct gt_batch **rows,
		  struct gt_err *err);
void gt_merge_free(struct gt_merge *m);

#endif
