/*
 * partition.h - partition rules: which region of a table a row belongs
 * to, as GreptimeDB's `PARTITION ON COLUMNS (c, ...) (expr, ...)` says.
 *
 * A rule names its partition columns and holds one expression per
 * region: comparisons of a partition column with a constant
 * (=, <>, !=, <, <=, >, >=) joined by AND and OR, e.g.
 *
 *     a < 10,  a = 10 AND b < 'a',  a >= 20 OR a = -1
 *
 * Region i of the table holds the rows for which expression i is true.
 * The catalog keeps a rule as text: the column names and each
 * expression in GreptimeDB's canonical form (what SHOW CREATE TABLE and
 * information_schema.partitions print: bare column names, strings in
 * single quotes, one space around operators, no parentheses).  A table
 * without a rule, or with no expressions, has one region that takes
 * every row.
 *
 * gt_partition_make checks a rule as GreptimeDB does when a table is
 * created: the columns exist, each expression uses only partition
 * columns with constants of a comparable type, and the expressions
 * cover every value exactly once (tested at the constants written and
 * between them: "Checkpoint `a=10` is not covered" / "is overlapped").
 *
 * gt_partition_split assigns each row of a write batch to its region
 * and fails, naming the row's values, when a row matches no region.
 *
 * Everything allocated here is owned by the struct it hangs off and
 * freed by its _release/_free.  Not thread-safe per object; the
 * functions keep no global state.
 */
#ifndef GT_PARTITION_H
#define GT_PARTITION_H

#include "batch.h"

/* A rule as the catalog keeps it.  Zeroed = no rule (one region). */
struct gt_partition {
	uint32_t ncols, nexprs;
	char **cols;     /* partition columns, in declared order */
	char **exprs;    /* one canonical expression text per region */
};

void gt_partition_release(struct gt_partition *p);
int gt_partition_copy(struct gt_partition *dst, const struct gt_partition *src);
/* The regions a table with this rule has: nexprs, at least 1. */
static inline uint32_t gt_partition_nregions(const struct gt_partition *p)
{
	return p && p->nexprs ? p->nexprs : 1;
}

/*
 * Build *out, the rule of table (named in messages), from a rule as written: columns cols[0..ncols), expression
 * texts exprs[0..nexprs) (each the source text of one expression).
 * Checked against schema sc as described above; out gets the canonical
 * texts.  0, or GT_EINVAL with GreptimeDB's message in err (GT_ENOMEM).
 */
int gt_partition_make(struct gt_partition *out, const char *table, const char *const *cols, uint32_t ncols,
		      const char *const *exprs, uint32_t nexprs, const struct gt_schema *sc,
		      struct gt_err *err);

/*
 * A rule compiled against a schema, for routing rows and pruning scans.
 * gt_partition_compile fails (GT_EINVAL) if the schema no longer has a
 * partition column or a stored text does not parse.
 */
struct gt_part_plan;
int gt_partition_compile(const struct gt_partition *p, const struct gt_schema *sc, struct gt_part_plan **out,
			 struct gt_err *err);
void gt_part_plan_free(struct gt_part_plan *pl);

/*
 * The region of each row of b: region[r] for r < b->nrows (caller's
 * array).  Tag values come from b's columns, or from its key table when
 * b->has_keys (the table's primary-key order).  A row that matches no
 * expression (or a null partition value) fails the whole batch:
 * GT_EINVAL, err naming the row's partition values.
 */
int gt_partition_route(const struct gt_part_plan *pl, const struct gt_batch *b, uint32_t *region,
		       struct gt_err *err);

/*
 * Pruning: may region i hold a row whose partition column col equals
 * one of the values vals[0..n) (strings as written in SQL, numbers as
 * text)?  Callers ask once per equality/IN predicate and keep a region
 * only if every answer is yes.  Unknown columns and values that do not
 * convert answer yes.
 */
bool gt_part_plan_may_match(const struct gt_part_plan *pl, uint32_t region, const char *col,
			    const char *const *vals, const uint32_t *lens, uint32_t n);

#endif
