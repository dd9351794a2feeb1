/*
 * sql-sys.c - system tables (information_schema.*, public.numbers) as
 * relations for SELECT.  sql-exec.c asks sql_sys_table() before it looks
 * a FROM name up in the catalog; a system table answers with its rows
 * built in memory and the SELECT runs over them (sql_select_rel).
 *
 * None are served yet: every name falls through to the catalog.
 */
#include "sql-ast.h"

int sql_sys_table(struct gt_sql_session *s, const char *db, const char *name, struct sql_rel *rel,
		  struct gt_sql_error *e)
{
	(void)s;
	(void)db;
	(void)name;
	(void)rel;
	(void)e;
	return 0;
}
