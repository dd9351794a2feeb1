/*
 * sql-plan.h - EXPLAIN: the executor's own account of how it ran a query.
 *
 * Under EXPLAIN the session carries a plan.  The parts of the executor
 * that decide something add a node as they run, bottom-up: the region
 * scan (the time range and tag filters pushed into it, the columns it
 * reads), the split of an aggregation into per-region partial states
 * merged in the frontend, the frontend's filter, aggregate, sort, limit
 * and projection.  Because the nodes come from the code paths that
 * execute, the plan cannot drift from what runs.
 *
 * Plain EXPLAIN plans without reading data (dry: scans return no rows);
 * EXPLAIN ANALYZE runs the query and adds row counts and time.
 *
 * The plan is a tree recorded in post-order: a node's children are the
 * subtrees recorded just before it.  sql_plan_add puts a node over the
 * subtree recorded last, so a query's scan, filter, aggregate, sort...
 * form a chain; sql_plan_addn takes several (a PromQL binary operator
 * over its two sides, sql-tql.c).  Subtrees no node took are printed one
 * after another.
 *
 * Rendering (sql_plan_output): EXPLAIN gives GreptimeDB's two columns
 * plan_type | plan with one physical_plan row (nodes top-down, each
 * indented under its parent); EXPLAIN ANALYZE gives stage | node | plan,
 * stage 0 the frontend and stage 1 the regions (each stage's nodes
 * indented under their nearest ancestor of that stage), then
 * "Total rows: N".
 */
#ifndef GT_SQL_PLAN_H
#define GT_SQL_PLAN_H

#include <stdbool.h>
#include "sql.h"

enum { SQL_STAGE_FRONT = 0, SQL_STAGE_REGION = 1 };

struct sql_plan_node {
	uint8_t stage;
	uint32_t nkids;   /* its children: the nkids subtrees recorded just before it */
	char *text;
};

struct sql_plan {
	bool dry;                     /* plan only: do not read regions */
	bool analyze;                 /* EXPLAIN ANALYZE: counts and time */
	struct sql_plan_node *nodes;  /* in the order they ran (bottom-up) */
	uint32_t n, cap;
	uint32_t nroots;              /* subtrees recorded that no node has taken yet */
	int failed;                   /* out of memory while recording */
};

/* Add a node (printf-style text) over the subtree recorded last, if any; a no-op when pl is NULL. */
void sql_plan_add(struct sql_plan *pl, int stage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add a node over the nkids subtrees recorded last (at most pl->nroots). */
void sql_plan_addn(struct sql_plan *pl, int stage, uint32_t nkids, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Move src's nodes after dst's (its subtrees become dst's last ones); src is left empty. */
void sql_plan_append(struct sql_plan *dst, struct sql_plan *src);
/* The output rows of EXPLAIN [ANALYZE]: total_rows is the query's row count. */
int sql_plan_output(const struct sql_plan *pl, uint64_t total_rows, double ms, struct gt_sql_result *res,
		    struct gt_sql_error *e);
void sql_plan_release(struct sql_plan *pl);

/*
 * The region scan node of table ti with what req pushes down (time range,
 * tag filters, columns), a leaf.  True when the caller must not read (a dry plan).
 * False, with nothing recorded, when pl is NULL.
 */
struct gt_table_info;
struct gt_scan_req;
bool sql_plan_scan(struct sql_plan *pl, const struct gt_table_info *ti, const struct gt_scan_req *req);
/* The merge of the regions' scans in the frontend ("MergeScan: regions=N"), over the scan recorded last. */
void sql_plan_merge(struct sql_plan *pl, const struct gt_table_info *ti, bool partial);

#endif
