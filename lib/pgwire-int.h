/*
 * pgwire-int.h - what the PostgreSQL server's files share (pgwire.h is the
 * public face): how gt's types look to a PostgreSQL client (pgvalue.c)
 * and the answers to psql's catalog queries (pgcatalog.c).
 */
#ifndef GT_PGWIRE_INT_H
#define GT_PGWIRE_INT_H

#include "pgproto.h"
#include "sql.h"

/* What version() answers a PostgreSQL client. */
#define GT_PG_VERSION_TEXT "PostgreSQL 16.3 (gt " GT_VERSION ", GreptimeDB-compatible) on x86_64-pc-linux-gnu"

/* A gt column type as PostgreSQL sees it. */
struct gt_pg_type {
	uint32_t oid;
	int16_t len;            /* pg_type.typlen: bytes, -1 = variable */
	const char *name;       /* what format_type() prints: "bigint", "timestamp without time zone" */
};
const struct gt_pg_type *gt_pg_type_of(unsigned type, unsigned unit, unsigned lt);

/* Append row r of column v (described by c) in format fmt (0 text, 1 binary),
 * without the length word.  v's row must not be null. */
int gt_pg_value(struct gt_buf *b, const struct gt_sql_column *c, const struct gt_vec *v, uint32_t r, int fmt);
/* The text form of that straight into p, which has room for
 * gt_pg_text_size() bytes (GT_PG_TEXT_FIXED for all but strings); returns
 * its length.  (What a DataRow of many rows is built from: one room check
 * per row rather than one per value.)  unit: the column's, for GT_TS. */
#define GT_PG_TEXT_FIXED 64
size_t gt_pg_text_size(const struct gt_pg_type *t, const struct gt_vec *v, uint32_t r);
size_t gt_pg_text(char *p, const struct gt_pg_type *t, unsigned unit, const struct gt_vec *v, uint32_t r);

/*
 * Append a Bind parameter as a SQL literal the engine reads back as the
 * same value: NULL, a number, TRUE/FALSE or a quoted string.  oid is the
 * type Parse declared (0 = unspecified: text), fmt the parameter's format.
 * GT_EINVAL with a message naming parameter $idx when the value is not of
 * its type.
 */
int gt_pg_param_literal(struct gt_buf *sql, unsigned idx, uint32_t oid, int fmt, const uint8_t *v, int32_t len,
			struct gt_err *err);

/*
 * $n placeholders in a statement (outside strings, quoted names and
 * comments).  gt_pg_max_param: the largest n (0 = none; GT_ETOOBIG over
 * 65535).  gt_pg_substitute: the statement with each $n replaced by
 * vals[n-1] (literals from gt_pg_param_literal, NUL-separated in lits at
 * offsets off[n-1]).
 */
int gt_pg_max_param(const char *sql, size_t len);
/* The offset of the first ';' outside quotes and comments, or len. */
size_t gt_pg_stmt_end(const char *sql, size_t len);
int gt_pg_substitute(struct gt_buf *out, const char *sql, size_t len, const char *lits, const size_t *off,
		     unsigned n, struct gt_err *err);

/*
 * psql's catalog queries (\dt, \d, \d NAME and the footers of \d NAME):
 * 1 when sql is one of them, with res holding its one output (text
 * columns); 0 when it is not; < 0 with e filled on failure.
 */
int gt_pgcat_answer(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
		    struct gt_sql_error *e);

/*
 * SELECT of session functions only (no FROM): version(), current_database(),
 * current_schema(), current_user, session_user, user, current_setting('x')
 * (setting() answers, NULL = unknown), each with an optional alias.  1 with
 * one row in res; 0 when sql is anything else.
 */
/* A session setting's value as SHOW answers it (pgwire.c); NULL = unknown
 * or per session (search_path). */
const char *gt_pg_setting(const char *name);
int gt_pgcat_functions(const char *sql, size_t len, const char *dbname, const char *user,
		       const char *(*setting)(const char *name), struct gt_sql_result *res);

/* Build a records output of text columns, for answers made here. */
int gt_pg_output_text(struct gt_sql_result *res, const char *const *names, uint32_t ncols);
int gt_pg_output_row(struct gt_sql_result *res, const char *const *vals);  /* NULL = null */

#endif
