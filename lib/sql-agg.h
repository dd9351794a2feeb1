/*
 * sql-agg.h - the aggregate fast path of SELECT: streaming hash
 * aggregation next to each region of the table (the kernel of agg.h, run
 * by the region client: in process, or on the datanodes over the region
 * RPC), merged in the frontend (sql-agg.c), called by sql-exec.c.
 *
 * It answers a GROUP BY / aggregate query without gathering rows when
 *   - every GROUP BY key is a tag column, the time index, or one
 *     date_trunc('second' .. 'week', ts) / date_bin(INTERVAL, ts) of it
 *     (at most one key over time);
 *   - every aggregate is count, sum, avg/mean, min, max, first_value or
 *     last_value (ORDER BY the time index, or none) of one column,
 *     without DISTINCT, and sum/avg/min/max read a float or integer
 *     field;
 *   - WHERE is a conjunction of time index comparisons with literals
 *     (=, <, <=, >, >=, BETWEEN) and tag comparisons with strings (=,
 *     <>, [NOT] IN).
 * Otherwise it says so before reading anything, and the caller runs the
 * general path.  Tag values are decoded once per series, each batch's
 * rows get a group id from (series, time bucket), and each aggregate is
 * one loop over the batch's column updating per-group state.  Results
 * are those of the general path: groups in order of first appearance,
 * nulls ignored, last_value ties to the later row; a sum is each
 * region's sum in scan order, added up in region order.
 * When every aggregate keeps its group's newest row (last_value ORDER BY
 * the time index, first_value ORDER BY it DESC) and no key is over time,
 * the scan reads only each series' rows at its last timestamp (a tail
 * scan, region.h), and scans again in full if that cannot decide.  Rows
 * the kernel cannot evaluate, or a region's groups past 48 MiB, send the
 * query to the general path.
 *
 * Ceiling: SQL_AGG_MAX_GROUPS groups, past which the query fails with
 * RUNTIME_RESOURCES_EXHAUSTED.
 *
 * Ownership: on success *slots is a heap array of ngroup + naggs xvs
 * (each ngroups rows: the GROUP BY keys, then the aggregates) the
 * caller releases with sql_xv_release() and free().
 */
#ifndef GT_SQL_AGG_H
#define GT_SQL_AGG_H

#include "agg.h"
#include "sql-expr.h"

#define SQL_AGG_MAX_GROUPS AGG_MAX_GROUPS

struct sql_agg_query {
	struct gt_db *db;
	const struct gt_table_info *ti;
	const char *table;               /* qualifier of its columns (alias, db.t or t) */
	struct sql_expr *where;
	struct sql_expr *const *group;   /* GROUP BY keys, aliases resolved */
	uint32_t ngroup;
	struct sql_expr *const *aggs;    /* distinct aggregate calls */
	uint32_t naggs;
	struct sql_plan *plan;           /* EXPLAIN: record the split (sql-plan.h), or NULL */
};

/* 1 with *slots and *ngroups set; 0 when the query is outside the fast
 * path (nothing to release); or a negative code with e filled. */
int sql_agg_scan(const struct sql_agg_query *q, struct sql_xv **slots, uint32_t *ngroups,
		 struct gt_sql_error *e);

#endif
