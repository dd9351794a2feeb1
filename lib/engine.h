/*
 * engine.h - the region engine of one data directory: the open regions,
 * the object store, the block cache, the data-directory lock and the
 * background workers that flush and compact.
 *
 * Data directory layout (GreptimeDB's, familiar to its operators):
 *   DATA_HOME/LOCK                       flock: one process at a time
 *   DATA_HOME/catalog.json               the catalog (catalog.h)
 *   DATA_HOME/wal/                       WAL segments, shared by every region (wal.h)
 *   DATA_HOME/tmp/                       SSTs being written
 *   DATA_HOME/data/<db>/<table id>/<table id>_<region number, 10 digits>/
 *       manifest/                        (manifest.h)
 *       <file id>.sst                    (sst.h)
 *
 * Thread safety: every function is thread-safe.  A region pointer
 * returned by gt_engine_region() stays valid until the region is closed
 * or dropped through the engine, or the engine is closed.
 */
#ifndef GT_ENGINE_H
#define GT_ENGINE_H

#include "region.h"

struct gt_engine;

struct gt_engine_opts {
	const char *data_home;
	struct gt_wal_opts wal;
	size_t memtable_bytes;         /* per region; 0 = 32 MiB */
	size_t cache_bytes;            /* 0 = 64 MiB */
	bool background;               /* flush and compaction threads */
	bool auto_compact;             /* compact after flushes (needs background) */
	int lock_wait_ms;              /* wait this long for the data-directory lock; 0 = fail at once */
	bool must_exist;               /* GT_ENOTFOUND unless DATA_HOME/catalog.json exists (readers) */
	gt_log_fn log;
	void *log_ctx;
};

int gt_engine_open(struct gt_engine **out, const struct gt_engine_opts *o, struct gt_err *err);
/* Stop the workers, flush (if flush) and close every region, unlock. */
void gt_engine_close(struct gt_engine *e, int flush);

struct gt_objstore *gt_engine_store(struct gt_engine *e);
const char *gt_engine_home(const struct gt_engine *e);

/* The region directory (object store key prefix) of a region. */
int gt_region_dir(char *out, size_t n, const char *db, uint64_t region_id);

int gt_engine_create_region(struct gt_engine *e, uint64_t region_id, const char *region_dir,
			    const struct gt_schema *schema, struct gt_err *err);
/* Open a region if it is not open yet. */
int gt_engine_open_region(struct gt_engine *e, uint64_t region_id, const char *region_dir,
			  struct gt_err *err);
struct gt_region *gt_engine_region(struct gt_engine *e, uint64_t region_id);
int gt_engine_close_region(struct gt_engine *e, uint64_t region_id, struct gt_err *err);
/* Close and delete a region's files and WAL. */
int gt_engine_drop_region(struct gt_engine *e, uint64_t region_id, struct gt_err *err);
/*
 * Where a region that is not open lives: fills dir (gt_region_dir) or
 * returns non-zero.  The engine asks when a closed region holds the
 * WAL's oldest segment (a table not written since a restart): it opens
 * the region, which replays its records, and flushes it.  Without a
 * locator such a region only gets a log line.
 */
typedef int (*gt_region_locator)(void *ctx, uint64_t region_id, char *dir, size_t n);
void gt_engine_set_locator(struct gt_engine *e, gt_region_locator fn, void *ctx);
/* Visit the open regions. */
int gt_engine_foreach(struct gt_engine *e, int (*fn)(void *ctx, struct gt_region *r), void *ctx);
/* Wait until the background workers are idle (tests, tools, shutdown). */
void gt_engine_quiesce(struct gt_engine *e);
struct gt_cache *gt_engine_cache(struct gt_engine *e);

#endif
