/*
 * region.h - a region: the unit of storage of DESIGN.md section 3.
 *
 * A region owns a WAL (local disk), a mutable memtable, frozen
 * memtables waiting to be flushed, and the SST files its manifest names
 * (in the object store).  It is created and driven by the engine
 * (engine.h), which supplies the object store, the block cache and the
 * background workers; callers outside the engine use the region client
 * seam (region_client.h), never this header.
 *
 * Write: check the batch against the schema, append it to the WAL
 * (group commit: concurrent writers share one write and one fsync),
 * insert it into the mutable memtable, return.  Nothing is acknowledged
 * before its WAL record is durable under the sync policy.  A memtable
 * past its size limit is frozen and queued for flush; writers wait while
 * more than max_frozen memtables are queued (bounded memory).
 *
 * Freeze point: writers hold freeze_lock shared between the WAL append
 * and the memtable insert; a freeze takes it exclusive, so every
 * sequence the WAL has handed out is in some memtable when the frozen
 * memtable's flushed sequence is recorded.
 *
 * Read: a scan takes references to the memtables and files under the
 * region mutex, copies the memtable rows it wants, and merges them with
 * the files without holding any lock.
 *
 * Thread safety: every function is thread-safe unless noted.
 */
#ifndef GT_REGION_H
#define GT_REGION_H

#include "batch.h"
#include "cache.h"
#include "manifest.h"
#include "memtable.h"
#include "merge.h"
#include "objstore.h"
#include "sst.h"
#include "wal.h"

struct gt_region;
struct gt_scan;

/* Region id = table id << 32 | region number (GreptimeDB's layout). */
#define GT_REGION_ID(table, num) (((uint64_t)(table) << 32) | (uint32_t)(num))
#define GT_REGION_TABLE(id) ((uint32_t)((id) >> 32))
#define GT_REGION_NUM(id) ((uint32_t)(id))

typedef void (*gt_log_fn)(void *ctx, const char *msg);

struct gt_region_env {
	struct gt_objstore *store;
	struct gt_cache *cache;          /* may be NULL */
	struct gt_wal *wal_log;          /* the datanode's WAL, shared by its regions (engine.h) */
	const char *wal_root;            /* where an older gt kept a WAL per region,
					  * <wal_root>/<region id>/: replayed once, then removed */
	const char *tmp_dir;             /* local dir for SSTs being written */
	size_t memtable_bytes;           /* 0 = 32 MiB */
	uint32_t max_frozen;             /* 0 = 1 */
	struct gt_sst_writer_opts sst;
	struct gt_sst_writer_opts sst_compact;
	gt_log_fn log;
	void *log_ctx;
	/* asked to run flush / compaction soon (engine workers); NULL = do it inline */
	void (*want_flush)(void *ctx, struct gt_region *r);
	void (*want_compact)(void *ctx, struct gt_region *r);
	/* the shared WAL is over its size: flush the regions that hold it */
	void (*want_wal_purge)(void *ctx);
	void *sched_ctx;
};

int gt_region_create(struct gt_region **out, const struct gt_region_env *env, uint64_t region_id,
		     const char *region_dir, const struct gt_schema *schema, struct gt_err *err);
/* Open and recover (manifest, orphan files, WAL replay). */
int gt_region_open(struct gt_region **out, const struct gt_region_env *env, uint64_t region_id,
		   const char *region_dir, struct gt_err *err);
/* Flush what is in memory (if flush_on_close), stop, free.  Not concurrent
 * with other calls on the region. */
void gt_region_close(struct gt_region *r, int flush_on_close);

uint64_t gt_region_id(const struct gt_region *r);
/* The region directory: the object store key prefix of its files. */
const char *gt_region_dir_key(const struct gt_region *r);
/* Copy of the current schema (caller releases). */
int gt_region_schema(struct gt_region *r, struct gt_schema *out);

/* Write a batch (columns by schema column id).  *first_seq gets the
 * first sequence (may be NULL). */
int gt_region_write(struct gt_region *r, const struct gt_batch *b, uint64_t *first_seq,
		    struct gt_err *err);
/*
 * Write bs[i] to rs[i] for each i < n, the WAL records of all in one
 * append (one group, one sync: gt_wal_append_many).  rcs[i] and errs[i]
 * get each write's result; returns the first failure in input order, or
 * 0.  Writes are independent: one that fails (bad batch, budget) does
 * not stop the others.
 */
int gt_region_write_many(struct gt_region *const *rs, const struct gt_batch *const *bs, size_t n, int *rcs,
			 struct gt_err *errs);
/* Freeze the memtable and flush every frozen memtable, synchronously. */
int gt_region_flush(struct gt_region *r, struct gt_err *err);
/* Flush queued frozen memtables (the engine's worker calls this). */
int gt_region_flush_frozen(struct gt_region *r, struct gt_err *err);

struct gt_compact_opts {
	bool force;                      /* compact every window with 2+ files */
	int64_t now_ms;                  /* clock for TTL; 0 = now */
};
struct gt_compact_report {
	uint32_t windows, files_in, files_out, files_expired;
	uint64_t rows_in, rows_out, bytes_in, bytes_out;
	int64_t window;                  /* in the time index unit */
};
/* One round of time-window compaction and TTL.  Serialised per region. */
int gt_region_compact(struct gt_region *r, const struct gt_compact_opts *o,
		      struct gt_compact_report *rep, struct gt_err *err);

/* Schema change: freeze the memtable, record the schema in the manifest. */
int gt_region_alter(struct gt_region *r, const struct gt_schema *schema, struct gt_err *err);
/* Drop every row (memtables and files). */
int gt_region_truncate(struct gt_region *r, struct gt_err *err);
/*
 * TRUNCATE ... FILE RANGE: drop the SST files whose rows all lie in one
 * of the ranges [ranges[2i], ranges[2i+1]) (time index unit), in one
 * manifest edit.  Memtables and other files are untouched.
 */
int gt_region_truncate_files(struct gt_region *r, const int64_t *ranges, uint32_t nranges, struct gt_err *err);

struct gt_scan_req {
	int64_t start, end;              /* [start, end); INT64_MIN / INT64_MAX for open */
	const uint32_t *field_ids;       /* NULL = every field */
	uint32_t nfields;
	const struct gt_tag_pred *preds;
	uint32_t npreds;
	uint32_t batch_rows;             /* 0 = 8192 */
	bool with_seq;                   /* keep seq/op in output (debugging) */
	/* Only the last rows of each series are wanted (last_value): each
	 * series yields exactly its rows at its last timestamp in range
	 * (what the full scan gives there), read newest source first.  May
	 * fail with GT_EAGAIN when that cannot be decided cheaply: scan
	 * again without tail. */
	bool tail;
};

int gt_region_scan(struct gt_region *r, const struct gt_scan_req *req, struct gt_scan **out,
		   struct gt_err *err);
/*
 * Next batch: 1 with *b set (cols: time index, then the fields asked for,
 * in order; b->sid = series ordinals of this scan, see gt_scan_key), 0 at
 * the end, or a negative code.  The batch is owned by the scan and valid
 * until the next call.
 */
int gt_scan_next(struct gt_scan *s, const struct gt_batch **b, struct gt_err *err);
const void *gt_scan_key(const struct gt_scan *s, uint32_t sid, size_t *len);
/* The schema the scan reads with (valid for the scan's life). */
const struct gt_schema *gt_scan_schema(const struct gt_scan *s);
void gt_scan_free(struct gt_scan *s);

struct gt_region_stats {
	uint64_t memtable_bytes, frozen, files, file_bytes, file_rows;
	uint64_t last_seq, flushed_seq, flushes, compactions, wal_bytes;
};
void gt_region_stats(struct gt_region *r, struct gt_region_stats *out);
/* Manifest state as JSON text (caller frees). */
char *gt_region_manifest_json(struct gt_region *r);

#endif
