/*
 * sql-view.c - views: CREATE [OR REPLACE] VIEW, DROP VIEW, SHOW VIEWS,
 * SHOW CREATE VIEW, and a view reference in FROM expanded into the rows
 * of its query (sql_view_rel, called by sql-rel.c).
 *
 * A view is kept in the catalog as the text of the statement that
 * created it (what SHOW CREATE VIEW prints); reading it parses that text
 * again and runs its query in a session of the view's database, so a
 * view sees tables as of each read.  A view that reaches itself (after
 * CREATE OR REPLACE) stops at SQL_VIEW_MAX_DEPTH nested expansions.
 */
#include "sql-ast.h"

#define SQL_VIEW_MAX_DEPTH 16

static _Thread_local int view_depth;

static const char *dbof(struct gt_sql_session *s, const char *db)
{
	return db ? db : s->dbname;
}

static int affected0(struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_sql_output *o = sql_out_new(res);
	if (!o)
		return sql_nomem(e);
	o->kind = GT_SQL_AFFECTED;
	return 0;
}

static int create_view(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		       struct gt_sql_error *e)
{
	struct gt_err err = {0};
	struct gt_table_info ti;
	const char *db = dbof(s, st->db);
	if (st->or_replace && st->if_exists)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
			       "Invalid SQL, error: syntax error Create Or Replace and If Not Exist cannot be used together");
	if (gt_db_table(s->db, db, st->name, &ti, &err) == 0) {
		gt_table_info_release(&ti);
		return sql_err(e, GT_STATUS_TABLE_ALREADY_EXISTS, "Table already exists: `greptime.%s.%s`", db, st->name);
	}
	/* The query must plan: run it once (its rows are dropped). */
	struct gt_sql_result tmp = {0};
	struct gt_sql_session vs = *s;
	snprintf(vs.dbname, sizeof(vs.dbname), "%s", db);
	int rc = sql_query_run(&vs, st->arena, st->sel, NULL, &tmp, e);
	uint32_t ncols = tmp.n ? tmp.outs[0].ncols : 0;
	gt_sql_result_release(&tmp);
	if (rc < 0)
		return sql_plan_error(e, rc);
	if (st->nicols && st->nicols != ncols)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Expect %u columns for view %s, but found %u", ncols,
			       st->name, st->nicols);
	rc = gt_catalog_create_view(s->db->catalog, db, st->name, st->text, st->or_replace, &err);
	if (rc == GT_EEXIST && st->if_exists)
		rc = 0;
	else if (rc == GT_EEXIST)
		return sql_err(e, GT_STATUS_TABLE_ALREADY_EXISTS, "View already exists: `greptime.%s.%s`", db, st->name);
	else if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", db);
	else if (rc < 0)
		return sql_engine_err(e, rc, &err);
	return affected0(res, e);
}

static int show_create_view(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
			    struct gt_sql_error *e)
{
	struct gt_err err = {0};
	char *text = NULL;
	const char *const hdr[] = {"View", "Create View"};
	int rc = gt_catalog_get_view(s->db->catalog, dbof(s, st->db), st->name, &text, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "View not found: %s", st->name);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	struct gt_sql_output *o = sql_out_table(res, hdr, NULL, 2);
	rc = o ? 0 : sql_nomem(e);
	if (rc == 0 && (gt_vec_push_str(&o->rows.cols[0], st->name, strlen(st->name)) < 0 ||
			gt_vec_push_str(&o->rows.cols[1], text, strlen(text)) < 0))
		rc = sql_nomem(e);
	if (rc == 0)
		o->rows.nrows = 1;
	free(text);
	return rc;
}

static int show_views(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		      struct gt_sql_error *e)
{
	struct gt_err err = {0};
	char **names = NULL;
	const char *db = dbof(s, st->db);
	const char *const hdr[] = {"Views"};
	int rc = gt_catalog_list_views(s->db->catalog, db, &names, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", db);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	/* GreptimeDB prints an empty listing without columns. */
	struct gt_sql_output *o = names[0] ? sql_out_table(res, hdr, NULL, 1) : sql_out_table(res, hdr, NULL, 0);
	rc = o ? 0 : sql_nomem(e);
	for (size_t i = 0; names[i] && rc == 0; i++) {
		if (gt_vec_push_str(&o->rows.cols[0], names[i], strlen(names[i])) < 0)
			rc = sql_nomem(e);
		o->rows.nrows++;
	}
	gt_strv_free(names);
	return rc;
}

int sql_exec_view(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_err err = {0};
	int rc;
	switch (st->kind) {
	case S_CREATE_VIEW:
		return create_view(s, st, res, e);
	case S_DROP_VIEW:
		rc = gt_catalog_drop_view(s->db->catalog, dbof(s, st->db), st->name, &err);
		if (rc == GT_ENOTFOUND && !st->if_exists)
			return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: greptime.%s.%s", dbof(s, st->db),
				       st->name);
		if (rc < 0 && rc != GT_ENOTFOUND)
			return sql_engine_err(e, rc, &err);
		return affected0(res, e);
	case S_SHOW_VIEWS:
		return show_views(s, st, res, e);
	case S_SHOW_CREATE_VIEW:
		return show_create_view(s, st, res, e);
	default:
		return sql_err(e, GT_STATUS_UNSUPPORTED, "not a view statement");
	}
}

int sql_view_rel(struct gt_sql_session *s, const char *db, const char *name, struct sql_rel *rel,
		 struct gt_sql_error *e)
{
	struct gt_err err = {0};
	struct sql_parse p;
	struct gt_sql_result tmp = {0};
	char *text = NULL;
	int rc = gt_catalog_get_view(s->db->catalog, db, name, &text, &err);
	if (rc == GT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	if (view_depth >= SQL_VIEW_MAX_DEPTH) {
		free(text);
		return sql_err(e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: view %s.%s refers to itself", db, name);
	}
	rc = sql_parse(&p, text, strlen(text), e);
	if (rc == 0 && (p.n != 1 || p.stmts[0]->kind != S_CREATE_VIEW))
		rc = sql_err(e, GT_STATUS_UNEXPECTED, "view %s.%s is stored damaged", db, name);
	if (rc == 0) {
		struct sql_stmt *st = p.stmts[0];
		struct gt_sql_session vs = *s;
		snprintf(vs.dbname, sizeof(vs.dbname), "%s", db);
		view_depth++;
		rc = sql_query_run(&vs, st->arena, st->sel, NULL, &tmp, e);
		view_depth--;
		if (rc == 0 && sql_rel_from_output(rel, &tmp.outs[0], name) < 0)
			rc = sql_nomem(e);
		for (uint32_t k = 0; rc == 0 && k < st->nicols && k < rel->schema.ncols; k++) {
			char *nm = gt_strdup(st->icols[k]);
			if (!nm) {
				rc = sql_nomem(e);
				break;
			}
			free(rel->schema.cols[k].name);
			rel->schema.cols[k].name = nm;
		}
	}
	gt_sql_result_release(&tmp);
	sql_parse_free(&p);
	free(text);
	return rc < 0 ? rc : 1;
}
