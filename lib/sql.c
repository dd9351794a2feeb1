/*
 * sql.c - the SQL engine's entry point: status names, sessions, and
 * gt_sql_exec(), which parses a text (sql-parse.c) and runs its
 * statements one after the other (sql-exec.c).  See sql-ast.h for the
 * family's layout.
 */
#include "sql.h"
#include "sql-ast.h"

#include <stdio.h>

static const struct {
	int status;
	const char *name;
} names[] = {
	{GT_STATUS_SUCCESS, "Success"},
	{GT_STATUS_UNKNOWN, "Unknown"},
	{GT_STATUS_UNSUPPORTED, "Unsupported"},
	{GT_STATUS_UNEXPECTED, "Unexpected"},
	{GT_STATUS_INTERNAL, "Internal"},
	{GT_STATUS_INVALID_ARGUMENTS, "InvalidArguments"},
	{GT_STATUS_CANCELLED, "Cancelled"},
	{GT_STATUS_INVALID_SYNTAX, "InvalidSyntax"},
	{GT_STATUS_PLAN_QUERY, "PlanQuery"},
	{GT_STATUS_ENGINE_EXECUTE_QUERY, "EngineExecuteQuery"},
	{GT_STATUS_TABLE_ALREADY_EXISTS, "TableAlreadyExists"},
	{GT_STATUS_TABLE_NOT_FOUND, "TableNotFound"},
	{GT_STATUS_TABLE_COLUMN_NOT_FOUND, "TableColumnNotFound"},
	{GT_STATUS_TABLE_COLUMN_EXISTS, "TableColumnExists"},
	{GT_STATUS_DATABASE_NOT_FOUND, "DatabaseNotFound"},
	{GT_STATUS_DATABASE_ALREADY_EXISTS, "DatabaseAlreadyExists"},
	{GT_STATUS_STORAGE_UNAVAILABLE, "StorageUnavailable"},
	{GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "RuntimeResourcesExhausted"},
	{GT_STATUS_RATE_LIMITED, "RateLimited"},
	{GT_STATUS_USER_NOT_FOUND, "UserNotFound"},
	{GT_STATUS_UNSUPPORTED_PASSWORD_TYPE, "UnsupportedPasswordType"},
	{GT_STATUS_USER_PASSWORD_MISMATCH, "UserPasswordMismatch"},
	{GT_STATUS_AUTH_HEADER_NOT_FOUND, "AuthHeaderNotFound"},
	{GT_STATUS_INVALID_AUTH_HEADER, "InvalidAuthHeader"},
	{GT_STATUS_ACCESS_DENIED, "AccessDenied"},
	{GT_STATUS_PERMISSION_DENIED, "PermissionDenied"},
};

const char *gt_status_name(int status)
{
	for (size_t i = 0; i < GT_ARRAY_LEN(names); i++)
		if (names[i].status == status)
			return names[i].name;
	return "Unknown";
}

int gt_status_http(int status)
{
	switch (status) {
	case GT_STATUS_SUCCESS:
		return 200;
	case GT_STATUS_UNKNOWN:
	case GT_STATUS_UNEXPECTED:
	case GT_STATUS_INTERNAL:
	case GT_STATUS_STORAGE_UNAVAILABLE:
		return 500;
	case GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED:
	case GT_STATUS_RATE_LIMITED:
		return 429;
	case GT_STATUS_USER_NOT_FOUND:
	case GT_STATUS_UNSUPPORTED_PASSWORD_TYPE:
	case GT_STATUS_USER_PASSWORD_MISMATCH:
	case GT_STATUS_AUTH_HEADER_NOT_FOUND:
	case GT_STATUS_INVALID_AUTH_HEADER:
		return 401;
	case GT_STATUS_ACCESS_DENIED:
	case GT_STATUS_PERMISSION_DENIED:
		return 403;
	case GT_STATUS_TABLE_NOT_FOUND:
	case GT_STATUS_DATABASE_NOT_FOUND:
		return 404;
	default:
		return 400;
	}
}

void gt_sql_session_init(struct gt_sql_session *s, struct gt_db *db, const char *dbname)
{
	memset(s, 0, sizeof(*s));
	s->db = db;
	snprintf(s->dbname, sizeof(s->dbname), "%s", dbname ? dbname : GT_DEFAULT_DB);
}

int gt_sql_cancelled(const struct gt_sql_session *s, struct gt_sql_error *e)
{
	if (s && s->cancel && __atomic_load_n(s->cancel, __ATOMIC_RELAXED))
		return sql_err(e, GT_STATUS_CANCELLED, "canceling statement due to user request");
	return 0;
}

int gt_sql_exec(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
		struct gt_sql_error *e)
{
	return gt_sql_exec_params(s, sql, len, NULL, 0, res, e);
}

int gt_sql_exec_params(struct gt_sql_session *s, const char *sql, size_t len, const struct gt_sql_param *params,
		       uint32_t n, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct sql_parse p;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(e, 0, sizeof(*e));
	rc = sql_parse_params(&p, sql, len, params, n, e);
	if (rc < 0) {
		sql_parse_free(&p);
		return rc;
	}
	/* rows go to the sink only when the text is one statement (sql.h) */
	const struct gt_sql_sink *sink = s->sink;
	if (p.n != 1)
		s->sink = NULL;
	for (uint32_t i = 0; i < p.n && rc == 0; i++)
		rc = sql_exec_stmt(s, p.stmts[i], res, e);
	s->sink = sink;
	sql_parse_free(&p);
	return rc;
}

void gt_sql_result_release(struct gt_sql_result *res)
{
	for (uint32_t i = 0; i < res->n; i++) {
		struct gt_sql_output *o = &res->outs[i];
		for (uint32_t c = 0; c < o->ncols; c++)
			free(o->cols[c].name);
		free(o->cols);
		gt_batch_release(&o->rows);
	}
	free(res->outs);
	memset(res, 0, sizeof(*res));
}
