/*
 * sql.h - GreptimeDB's SQL dialect over a database (db.h): the one entry
 * point every protocol (HTTP /v1/sql, MySQL, PostgreSQL, the sqlness
 * runner) calls.
 *
 * A session carries what a connection remembers: the current database
 * and the clock.  gt_sql_exec() runs every statement of a text (separated
 * by ';'), one after the other, and returns one output per statement:
 * either an affected-row count (DDL, DML) or records (a schema and
 * columnar rows).  On the first failing statement it stops and returns
 * the error; the outputs of the statements before it are kept in res
 * (protocols decide whether to show them).
 *
 * Errors carry GreptimeDB's status code (what its HTTP API returns as
 * "code" and its sqlness results print as "Error: 4001(TableNotFound),
 * ...") and, for syntax errors, the line and column of the offending
 * token.
 *
 * Thread safety: one session per thread at a time; many sessions may
 * run against the same db at once.
 */
#ifndef GT_SQL_H
#define GT_SQL_H

#include "batch.h"
#include "db.h"

/* GreptimeDB's status codes (common/error status_code.rs). */
enum gt_status {
	GT_STATUS_SUCCESS = 0,
	GT_STATUS_UNKNOWN = 1000,
	GT_STATUS_UNSUPPORTED = 1001,
	GT_STATUS_UNEXPECTED = 1002,
	GT_STATUS_INTERNAL = 1003,
	GT_STATUS_INVALID_ARGUMENTS = 1004,
	GT_STATUS_CANCELLED = 1005,
	GT_STATUS_INVALID_SYNTAX = 2000,
	GT_STATUS_PLAN_QUERY = 3000,
	GT_STATUS_ENGINE_EXECUTE_QUERY = 3001,
	GT_STATUS_TABLE_ALREADY_EXISTS = 4000,
	GT_STATUS_TABLE_NOT_FOUND = 4001,
	GT_STATUS_TABLE_COLUMN_NOT_FOUND = 4002,
	GT_STATUS_TABLE_COLUMN_EXISTS = 4003,
	GT_STATUS_DATABASE_NOT_FOUND = 4004,
	GT_STATUS_DATABASE_ALREADY_EXISTS = 4010,
	GT_STATUS_STORAGE_UNAVAILABLE = 5000,
	GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED = 6000,
	GT_STATUS_RATE_LIMITED = 6001,
	GT_STATUS_USER_NOT_FOUND = 7000,
	GT_STATUS_UNSUPPORTED_PASSWORD_TYPE = 7001,
	GT_STATUS_USER_PASSWORD_MISMATCH = 7002,
	GT_STATUS_AUTH_HEADER_NOT_FOUND = 7003,
	GT_STATUS_INVALID_AUTH_HEADER = 7004,
	GT_STATUS_ACCESS_DENIED = 7005,
	GT_STATUS_PERMISSION_DENIED = 7006,
};

/* "TableNotFound" ... as GreptimeDB names a status. */
const char *gt_status_name(int status);
/* The HTTP status a GreptimeDB status maps to (400 for user errors, 500 ...). */
int gt_status_http(int status);

struct gt_sql_output;

/*
 * Where a protocol that can send rows as they come takes a SELECT's rows
 * (s->sink, NULL = none).  When the text is one statement and it is a
 * SELECT of one table's columns (`*` or plain column names; WHERE, LIMIT
 * and OFFSET allowed; no aggregate, GROUP BY, ORDER BY, DISTINCT, RANGE,
 * view, system table, EXPLAIN), the executor hands its rows to the sink
 * batch by batch as the scan makes them instead of gathering the whole
 * result first: begin() once with the columns (o->rows empty) before any
 * row, then rows() with rows [from, to) of o->rows, whose vecs are valid
 * only during the call.  The statement's output in the result is then
 * GT_SQL_RECORDS with streamed set, nstreamed rows handed over and no
 * rows of its own.  Every other statement is answered as without a sink.
 * A callback returns 0 to go on or a negative GT_E* code, which stops the
 * query (gt_sql_exec returns it with e filled).  A query can fail after
 * begin() (a scan error): the protocol decides what becomes of the rows
 * it already has.
 */
struct gt_sql_sink {
	int (*begin)(void *ctx, const struct gt_sql_output *o);
	int (*rows)(void *ctx, const struct gt_sql_output *o, uint32_t from, uint32_t to);
	void *ctx;
};

/* Where a session's statements come from: GreptimeDB bends a few rules
 * for one protocol's clients (MySQL: a string literal inserted into a
 * numeric column is read as a number). */
enum gt_sql_channel {
	GT_SQL_HTTP = 0,
	GT_SQL_MYSQL,
	GT_SQL_POSTGRES,
};

struct gt_sql_session {
	struct gt_db *db;
	char dbname[GT_NAME_MAX + 1];  /* current database; "public" by default */
	int64_t now_ns;                /* now() for the statement; 0 = read the clock */
	char time_zone[64];            /* SET time_zone: "" = UTC (range queries align to its midnight) */
	struct sql_plan *plan;         /* EXPLAIN: the executor records its plan (sql-plan.h); else NULL */
	const struct gt_sql_sink *sink; /* rows as they come (above), or NULL */
	uint8_t channel;               /* enum gt_sql_channel; zeroed = HTTP */
	const char *user;              /* who logged in (session_user), borrowed; NULL = greptime */
	const int *cancel;             /* nonzero (set by another thread, read atomically): stop
					* the statement with GT_STATUS_CANCELLED; NULL = never */
};


enum gt_sql_kind {
	GT_SQL_AFFECTED = 1,
	GT_SQL_RECORDS = 2,
};

struct gt_sql_column {
	char *name;
	uint8_t type;                  /* enum gt_type */
	uint8_t unit;                  /* enum gt_unit for GT_TS */
	uint8_t lt;                    /* enum gt_ltype: the declared type when narrower */
};

struct gt_sql_output {
	uint8_t kind;                  /* enum gt_sql_kind */
	uint64_t affected;             /* GT_SQL_AFFECTED */
	uint32_t ncols;                /* GT_SQL_RECORDS: */
	struct gt_sql_column *cols;
	struct gt_batch rows;          /* one vec per column, in order, of cols[i].type */
	bool streamed;                 /* the rows went to the session's sink: nstreamed of them */
	uint64_t nstreamed;
	bool keep_header;              /* render the header even without rows (TQL's empty answers) */
};

struct gt_sql_result {
	struct gt_sql_output *outs;
	uint32_t n;
};

struct gt_sql_error {
	int status;                    /* enum gt_status */
	uint32_t line, col;            /* 1-based position for syntax errors, else 0 */
	char msg[4096];                /* DataFusion's signature errors list every candidate: ~2 KiB */
};

void gt_sql_session_init(struct gt_sql_session *s, struct gt_db *db, const char *dbname);

/* Run every statement of sql[0..len).  0, or a negative GT_E* code with e filled. */
int gt_sql_exec(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
		struct gt_sql_error *e);
void gt_sql_result_release(struct gt_sql_result *res);
/* GT_STATUS_CANCELLED into e when s's cancel flag is up (checked between
 * scan batches and while pg_sleep waits); 0 otherwise. */
int gt_sql_cancelled(const struct gt_sql_session *s, struct gt_sql_error *e);

/*
 * A value for a placeholder of a prepared statement: the SQL text of a
 * literal (1, -2.5, 'text', NULL, true).  Placeholders are $N (N from 1)
 * or ?, numbered in the order they appear in the text.
 */
struct gt_sql_param {
	const char *sql;
	size_t len;
};
#define GT_SQL_MAX_PARAMS 65535

/*
 * gt_sql_exec with params[0..n) bound to the text's placeholders, as
 * GreptimeDB binds a prepared statement's: each becomes its literal,
 * named $N as a column; a string bound under a cast to a number must
 * read as that number ("Invalid request parameter: Unable to convert
 * ...").  A placeholder without a value fails the statement ("Placeholder
 * '$2' was not provided a value for execution").
 */
int gt_sql_exec_params(struct gt_sql_session *s, const char *sql, size_t len, const struct gt_sql_param *params,
		       uint32_t n, struct gt_sql_result *res, struct gt_sql_error *e);

/*
 * Render one output as GreptimeDB's sqlness results show it:
 * "Affected Rows: N", or an ASCII table (+---+ borders, | a | b | rows,
 * left-aligned cells padded to the widest value, "++"/"++" when there are
 * no columns), timestamps like 2022-11-03T03:39:57.450, floats in the
 * shortest form that round-trips with a ".0" on whole numbers.
 * Appends to out, without a trailing newline.
 */
int gt_sql_render(const struct gt_sql_output *o, struct gt_buf *out);
/* The table part of that over text cells: names[n], cells row-major
 * (rows * n; an empty buffer is an empty cell); a header and no body
 * when rows is 0 (as a client-side table of zero rows prints). */
int gt_sql_render_table(char *const *names, uint32_t n, const struct gt_buf *cells, uint32_t rows,
			struct gt_buf *out);
/* The same for an error: "Error: 4001(TableNotFound), message". */
int gt_sql_render_error(const struct gt_sql_error *e, struct gt_buf *out);

#endif
