/*
 * sql-range.h - range queries (sql-range.c), called by select in
 * sql-exec.c:
 *
 *   SELECT ts, host, min(val) RANGE '10s' [FILL f], ... FROM t [WHERE ...]
 *   ALIGN '5s' [TO NOW | CALENDAR | 'timestamp' | (expr)] [BY (keys)] [FILL f]
 *
 * The parser (sql-parse.c) fills struct sql_select's align, align_to,
 * by, fill and every aggregate call's struct sql_range.  Select reads
 * its input frame as for any query, calls sql_range_group() in place of
 * GROUP BY, then projects, orders and limits the group frame as usual.
 *
 * Ownership: on success *slots is a heap array of *nslots xvs, each of
 * *ngroups rows (BY keys, then the aligned time, then the aggregates),
 * released by the caller with sql_xv_release() and free(); the select
 * expressions are annotated (slot) to read them.
 */
#ifndef GT_SQL_RANGE_H
#define GT_SQL_RANGE_H

#include "sql-expr.h"

/* Past this many (row, window) pairs or filled slots a query fails with
 * RUNTIME_RESOURCES_EXHAUSTED (RANGE much wider than ALIGN multiplies rows). */
#define SQL_RANGE_MAX_PAIRS (16u << 20)

struct sql_range_in {
	struct sql_select *q;
	const struct gt_schema *sc;  /* the input frame's columns */
	const char *table;           /* their qualifier */
	bool derived;                /* input is not a table: there is no primary key for BY */
	int64_t now_ns;              /* ALIGN TO NOW */
	const char *time_zone;       /* the session's: the default origin is its 1970-01-01 00:00 */
};

/* Group c's frame for the range query in->q.  0, or a negative code with c->e filled. */
int sql_range_group(struct sql_ctx *c, const struct sql_range_in *in, struct sql_xv **slots, uint32_t *nslots,
		    uint32_t *ngroups);

#endif
