/*
 * db.h - one data directory opened as a database: the catalog and the
 * engine, and the two seams over them (meta client, region client).
 * Table operations here go through the seams only.  What the offline tools
 * (gt-data, gt-compact) and the standalone server build on.
 *
 * Tables are looked up in the catalog and their regions opened through
 * the region client on first use.  Thread-safe.
 */
#ifndef GT_DB_H
#define GT_DB_H

#include <pthread.h>
#include "catalog.h"
#include "engine.h"
#include "meta_client.h"
#include "region_client.h"

struct gt_meta_api;
struct gt_kv;

struct gt_db {
	struct gt_engine *engine;      /* NULL in a cluster's frontend */
	struct gt_catalog *catalog;    /* owned; reach it through mc */
	struct gt_meta_api *meta;      /* cluster: gt-meta's client (routes, placement); else NULL */
	struct gt_kv *kv;              /* cluster: the catalog's KV, over gt-meta */
	struct gt_meta_client mc;      /* the meta client seam */
	struct gt_region_client rc;    /* the region client seam */
	pthread_mutex_t mu;
};

int gt_db_open(struct gt_db **out, const struct gt_engine_opts *o, struct gt_err *err);
void gt_db_close(struct gt_db *db, int flush);
/*
 * A cluster's frontend: the catalog lives in gt-meta's KV (key
 * "catalog"), regions on the datanodes gt-meta routes them to, reached
 * over the region RPC.  A new table's regions are placed by gt-meta
 * before they are created; a dropped table's routes are forgotten.
 */
int gt_db_open_cluster(struct gt_db **out, const char *meta_addr, struct gt_err *err);

/* Look a table up and make sure its regions are open. */
int gt_db_table(struct gt_db *db, const char *dbname, const char *table, struct gt_table_info *out,
		struct gt_err *err);
/* Create tables and their regions (one per expression of a spec's part;
 * part NULL: one region): one catalog change for all of them, then their
 * regions side by side.  Results per table as gt_catalog_create_tables
 * gives them; a table whose regions fail is taken out of the catalog
 * again.  A non-zero return: nothing was created. */
int gt_db_create_tables(struct gt_db *db, const char *dbname, const struct gt_table_spec *specs, uint32_t n,
			struct gt_table_info *outs, int *rcs, struct gt_err *errs, struct gt_err *err);
/* One table.  GT_EEXIST if it exists. */
int gt_db_create_table(struct gt_db *db, const char *dbname, const char *table,
		       const struct gt_schema *schema, const struct gt_partition *part, struct gt_table_info *out,
		       struct gt_err *err);
/* Change a table's schema (catalog compare-and-swap, then every region). */
int gt_db_alter_table(struct gt_db *db, const struct gt_table_info *t, const struct gt_schema *schema,
		      struct gt_err *err);
int gt_db_drop_table(struct gt_db *db, const char *dbname, const char *table, struct gt_err *err);

/* Route a batch to the table's region(s): split by the partition rule,
 * every row checked before any region is written (partition.h). */
int gt_db_write(struct gt_db *db, const struct gt_table_info *t, const struct gt_batch *b,
		struct gt_err *err);
/* Write bs[i] to table ts[i] for each i < n, every region's rows of the
 * whole set in one WAL append where the region client can (in process).
 * rcs[i] and errs[i] get each table's result (its first region to fail);
 * returns the first failure in input order, or 0. */
int gt_db_write_many(struct gt_db *db, const struct gt_table_info *const *ts, const struct gt_batch *const *bs,
		     uint32_t n, int *rcs, struct gt_err *errs);

/*
 * A scan over every region of a table, one after the other.  Batches are
 * as the region client gives them; sids are per region, so the key of a
 * row must be read before the next call.
 */
struct gt_table_scan;
int gt_db_scan(struct gt_db *db, const struct gt_table_info *t, const struct gt_scan_req *req,
	       struct gt_table_scan **out, struct gt_err *err);
int gt_table_scan_next(struct gt_table_scan *s, const struct gt_batch **b, struct gt_err *err);
const void *gt_table_scan_key(struct gt_table_scan *s, uint32_t sid, size_t *len);
void gt_table_scan_free(struct gt_table_scan *s);

/*
 * Run an aggregation plan (agg.h) next to every region of a table the
 * scan request does not prune, at once (a thread per region past the
 * first), and hand each region's partial to merge() in region order.
 * The first failing region's error, in region order, is returned.
 */
int gt_db_aggregate(struct gt_db *db, const struct gt_table_info *t, const struct gt_scan_req *req,
		    const void *plan, size_t plan_len,
		    int (*merge)(void *ctx, const void *partial, size_t n, struct gt_err *err), void *ctx,
		    struct gt_err *err);

/* The region id of region number i of a table. */
static inline uint64_t gt_table_region(const struct gt_table_info *t, uint32_t i)
{
	return GT_REGION_ID(t->id, i);
}

#endif
