/*
 * sql-sys.c - system tables (information_schema.*, public.numbers) as
 * relations for SELECT.  sql-exec.c asks sql_sys_table() before it looks
 * a FROM name up in the catalog; a system table answers with its rows
 * built in memory and the SELECT runs over them (sql_select_rel).
 *
 * Served: public.numbers.  Every other name falls through to the catalog.
 */
#include "sql-ast.h"

int sql_numbers_table(struct sql_rel *rel, uint32_t n, struct gt_sql_error *e)
{
	int k;
	if (n > SQL_NUMBERS_MAX)
		n = SQL_NUMBERS_MAX;
	if (sql_rel_set_name(rel, "numbers") < 0 || (k = sql_rel_add_col(rel, "number", GT_U64, 0)) < 0 ||
	    gt_vec_reserve(&rel->rows.cols[k], n) < 0)
		return sql_nomem(e);
	for (uint32_t i = 0; i < n; i++)
		gt_vec_push_u64(&rel->rows.cols[k], i);
	rel->rows.nrows = n;
	return 1;
}

int sql_sys_table(struct gt_sql_session *s, const char *db, const char *name, struct sql_rel *rel,
		  struct gt_sql_error *e)
{
	(void)s;
	if (!strcmp(db, "public") && !strcmp(name, "numbers"))
		return sql_numbers_table(rel, SQL_NUMBERS_ROWS, e);
	return 0;
}
