/*
 * sql-aggfn.h - the aggregate functions of SELECT (sql-aggfn.c): count,
 * sum, avg, min, max, first_value/last_value, the variance family,
 * bit_and/or/xor, bool_and/or, corr, covar_*, regr_*, median,
 * approx_median, approx_percentile_cont[_with_weight], approx_distinct,
 * string_agg and array_agg, with DataFusion's result types, null rules
 * and floating-point order of operations.
 *
 * Calling sequence: the caller assigns every row of a frame to a group
 * (gid[i] < ngroups) and calls sql_agg_eval() once per aggregate call;
 * the result has one row per group.  The same entry point serves plain
 * GROUP BY, aggregates without GROUP BY (ngroups = 1) and RANGE queries.
 *
 * grouped: whether the query has GROUP BY keys.  DataFusion computes a
 * few aggregates (corr) with a different formula in that case (its
 * GroupsAccumulator), so their last digits depend on it.
 */
#ifndef GT_SQL_AGGFN_H
#define GT_SQL_AGGFN_H

#include "sql-expr.h"

/* Whether x is a call of an aggregate function. */
bool sql_is_agg(const struct sql_expr *x);

/* Compute aggregate call a over the rows of c's frame into out (ngroups
 * rows).  0, or a negative code with c->e filled. */
int sql_agg_eval(struct sql_ctx *c, struct sql_expr *a, const uint32_t *gid, uint32_t ngroups, bool grouped,
		 struct sql_xv *out);

#endif
