/* wire.c - gt-sqlness's MySQL (libmariadb) and PostgreSQL (libpq) clients and their rendering (wire.h). */
#include <errno.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <poll.h>
#include <time.h>

#include "gt.h"
#include "sql.h"
#include "wire.h"

struct wire {
	enum wire_proto proto;
	int timeout_ms;
	MYSQL *my;
	PGconn *pg;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Split "HOST:PORT" (or "[V6]:PORT"). */
static int split_addr(const char *addr, char *host, size_t hn, unsigned *port)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t n;
	char *end;
	unsigned long p;

	if (!colon)
		return -1;
	n = (size_t)(colon - addr);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hn)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p == 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

/* Render a table of text cells (NULL = an empty cell). */
static void table(char *const *names, uint32_t ncols, char *const *vals, uint32_t nrows, struct gt_buf *out)
{
	struct gt_buf *cells = gt_calloc((size_t)ncols * nrows + 1, sizeof(*cells));
	if (!cells || !names) {
		gt_buf_addstr(out, "Error: runner: out of memory");
	} else {
		for (size_t i = 0; i < (size_t)ncols * nrows; i++)
			if (vals[i])
				gt_buf_addstr(&cells[i], vals[i]);
		gt_sql_render_table(names, ncols, cells, nrows, out);
		for (size_t i = 0; i < (size_t)ncols * nrows; i++)
			gt_buf_release(&cells[i]);
	}
	free(cells);
}

/* ------------------------------------------------------------------ */
/* MySQL                                                                */

static int my_open(struct wire *w, const char *host, unsigned port, char *why, size_t whylen)
{
	unsigned t = (unsigned)(w->timeout_ms + 999) / 1000;
	if (!(w->my = mysql_init(NULL))) {
		snprintf(why, whylen, "mysql: out of memory");
		return -1;
	}
	mysql_options(w->my, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(w->my, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(w->my, MYSQL_OPT_WRITE_TIMEOUT, &t);
	if (!mysql_real_connect(w->my, host, "root", "", "public", port, NULL, CLIENT_MULTI_STATEMENTS)) {
		snprintf(why, whylen, "mysql: cannot connect to %s:%u: %s", host, port, mysql_error(w->my));
		return -1;
	}
	return 0;
}

/* Whether a MySQL error is the connection's, not the statement's. */
static bool my_lost(MYSQL *my)
{
	unsigned e = mysql_errno(my);
	return e == 2006 || e == 2013 || e == 2055 || e == 2002 || e == 2003;
}

static void my_error(MYSQL *my, struct gt_buf *out)
{
	gt_buf_addf(out, "Failed to execute query, err: MySqlError { ERROR %u (%s): %s }", mysql_errno(my),
		    mysql_sqlstate(my), mysql_error(my));
}

/*
 * The first result set as the mysql crate's rows: each value fetched by
 * its column's name, so that a repeated name shows its first column's
 * value (Row::get by name).
 */
static void my_rows(MYSQL_RES *res, struct gt_buf *out)
{
	uint32_t ncols = mysql_num_fields(res), nrows = (uint32_t)mysql_num_rows(res);
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	char **names = gt_calloc(ncols + 1, sizeof(*names));
	char **vals = gt_calloc((size_t)ncols * nrows + 1, sizeof(*vals));
	uint32_t *first = gt_calloc(ncols + 1, sizeof(*first));
	MYSQL_ROW row;

	if (!names || !vals || !first) {
		gt_buf_addstr(out, "Error: runner: out of memory");
		goto out;
	}
	for (uint32_t c = 0; c < ncols; c++) {
		names[c] = f[c].name;
		first[c] = c;
		for (uint32_t k = 0; k < c; k++)
			if (!strcmp(f[k].name, f[c].name)) {
				first[c] = k;
				break;
			}
	}
	for (uint32_t r = 0; r < nrows && (row = mysql_fetch_row(res)); r++)
		for (uint32_t c = 0; c < ncols; c++)
			vals[(size_t)r * ncols + c] = row[first[c]];
	table(names, ncols, vals, nrows, out);
out:
	free(names);
	free(vals);
	free(first);
}

static int my_query(struct wire *w, const char *sql, size_t len, struct gt_buf *out, char *why, size_t whylen)
{
	MYSQL_RES *res;
	int rc = 0;

	if (mysql_real_query(w->my, sql, (unsigned long)len)) {
		if (my_lost(w->my))
			goto lost;
		my_error(w->my, out);
		return 0;
	}
	res = mysql_store_result(w->my);
	if (!res && mysql_field_count(w->my)) {
		if (my_lost(w->my))
			goto lost;
		my_error(w->my, out);
	} else if (!res || mysql_num_rows(res) == 0) {
		gt_buf_addf(out, "affected_rows: %llu", res ? 0ull : (unsigned long long)mysql_affected_rows(w->my));
	} else {
		my_rows(res, out);
	}
	if (res)
		mysql_free_result(res);
	/* the later result sets of a multi-statement query are read and dropped */
	while ((rc = mysql_next_result(w->my)) == 0)
		if ((res = mysql_store_result(w->my)))
			mysql_free_result(res);
	if (rc > 0 && my_lost(w->my))
		goto lost;
	return 0;
lost:
	snprintf(why, whylen, "mysql: %s", mysql_error(w->my));
	return -1;
}

/* ------------------------------------------------------------------ */
/* PostgreSQL                                                           */

static int pg_open(struct wire *w, const char *host, unsigned port, char *why, size_t whylen)
{
	char port_s[16], timeout_s[16];
	const char *keys[] = {"host", "port", "dbname", "sslmode", "connect_timeout", NULL};
	const char *vals[] = {host, port_s, "public", "disable", timeout_s, NULL};

	snprintf(port_s, sizeof(port_s), "%u", port);
	snprintf(timeout_s, sizeof(timeout_s), "%d", (w->timeout_ms + 999) / 1000);
	w->pg = PQconnectdbParams(keys, vals, 0);
	if (!w->pg || PQstatus(w->pg) != CONNECTION_OK) {
		snprintf(why, whylen, "postgres: cannot connect to %s:%u: %s", host, port,
			 w->pg ? PQerrorMessage(w->pg) : "out of memory");
		return -1;
	}
	return 0;
}

/* s as Rust's Debug shows a string: quoted, with \" \\ \n \r \t \0 and \u{..} escapes. */
static void rust_str(struct gt_buf *out, const char *s)
{
	gt_buf_addch(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': gt_buf_addstr(out, "\\\""); break;
		case '\\': gt_buf_addstr(out, "\\\\"); break;
		case '\n': gt_buf_addstr(out, "\\n"); break;
		case '\r': gt_buf_addstr(out, "\\r"); break;
		case '\t': gt_buf_addstr(out, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				gt_buf_addf(out, "\\u{%x}", c);
			else
				gt_buf_addch(out, (char)c);
		}
	}
	gt_buf_addch(out, '"');
}

/* ", name: Some(\"v\")" or ", name: None" for an optional string field. */
static void pg_field(struct gt_buf *out, const PGresult *r, const char *name, int code)
{
	const char *v = PQresultErrorField(r, code);
	gt_buf_addf(out, ", %s: ", name);
	if (!v) {
		gt_buf_addstr(out, "None");
		return;
	}
	gt_buf_addstr(out, "Some(");
	rust_str(out, v);
	gt_buf_addch(out, ')');
}

/* An ErrorResponse as tokio-postgres' Error prints with {:?}. */
static void pg_error(const PGresult *r, struct gt_buf *out)
{
	const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	const char *ipos = PQresultErrorField(r, PG_DIAG_INTERNAL_POSITION);
	const char *line = PQresultErrorField(r, PG_DIAG_SOURCE_LINE);
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	gt_buf_addstr(out, "Failed to execute query, encountered: Error { kind: Db, cause: Some(DbError { severity: ");
	rust_str(out, sev ? sev : "");
	pg_field(out, r, "parsed_severity", PG_DIAG_SEVERITY_NONLOCALIZED);
	gt_buf_addf(out, ", code: SqlState(E%s), message: ", code ? code : "");
	rust_str(out, msg ? msg : "");
	pg_field(out, r, "detail", PG_DIAG_MESSAGE_DETAIL);
	pg_field(out, r, "hint", PG_DIAG_MESSAGE_HINT);
	gt_buf_addstr(out, ", position: ");
	if (pos) {
		gt_buf_addf(out, "Some(Original(%s))", pos);
	} else if (ipos) {
		gt_buf_addf(out, "Some(Internal { position: %s, query: ", ipos);
		rust_str(out, PQresultErrorField(r, PG_DIAG_INTERNAL_QUERY) ? PQresultErrorField(r, PG_DIAG_INTERNAL_QUERY) : "");
		gt_buf_addstr(out, " })");
	} else {
		gt_buf_addstr(out, "None");
	}
	pg_field(out, r, "where_", PG_DIAG_CONTEXT);
	pg_field(out, r, "schema", PG_DIAG_SCHEMA_NAME);
	pg_field(out, r, "table", PG_DIAG_TABLE_NAME);
	pg_field(out, r, "column", PG_DIAG_COLUMN_NAME);
	pg_field(out, r, "datatype", PG_DIAG_DATATYPE_NAME);
	pg_field(out, r, "constraint", PG_DIAG_CONSTRAINT_NAME);
	pg_field(out, r, "file", PG_DIAG_SOURCE_FILE);
	if (line)
		gt_buf_addf(out, ", line: Some(%s)", line);
	else
		gt_buf_addstr(out, ", line: None");
	pg_field(out, r, "routine", PG_DIAG_SOURCE_FUNCTION);
	gt_buf_addstr(out, " }) }");
}

static void pg_rows(const PGresult *r, struct gt_buf *out)
{
	uint32_t ncols = (uint32_t)PQnfields(r), nrows = (uint32_t)PQntuples(r);
	char **names, **vals;

	if (ncols == 0)
		return;
	names = gt_calloc(ncols, sizeof(*names));
	vals = gt_calloc((size_t)ncols * nrows + 1, sizeof(*vals));
	if (names && vals) {
		for (uint32_t c = 0; c < ncols; c++)
			names[c] = PQfname(r, (int)c);
		for (uint32_t i = 0; i < nrows; i++)
			for (uint32_t c = 0; c < ncols; c++)
				if (!PQgetisnull(r, (int)i, (int)c))
					vals[(size_t)i * ncols + c] = PQgetvalue(r, (int)i, (int)c);
	}
	table(names, ncols, vals, nrows, out);
	free(names);
	free(vals);
}

/* The rows of a command tag as tokio-postgres reads them: its last word as a number, else 0. */
static unsigned long long tag_rows(const char *tag)
{
	const char *sp = strrchr(tag, ' ');
	char *end;
	unsigned long long n;
	if (!sp)
		return 0;
	errno = 0;
	n = strtoull(sp + 1, &end, 10);
	return errno || end == sp + 1 || *end ? 0 : n;
}

/* Wait until a whole result is there or the deadline passes.  0, or -1 (why filled). */
static int pg_wait(struct wire *w, int64_t deadline, char *why, size_t whylen)
{
	while (PQisBusy(w->pg)) {
		struct pollfd p = {.fd = PQsocket(w->pg), .events = POLLIN};
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			snprintf(why, whylen, "postgres: no answer after %d ms", w->timeout_ms);
			return -1;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			snprintf(why, whylen, "postgres: poll: %s", strerror(errno));
			return -1;
		}
		if (!PQconsumeInput(w->pg)) {
			snprintf(why, whylen, "postgres: %s", PQerrorMessage(w->pg));
			return -1;
		}
	}
	return 0;
}

/*
 * simple_query's messages, rendered as GreptimeDB's runner does: an error
 * anywhere fails the whole call; else the first statement's result counts.
 */
static int pg_query(struct wire *w, const char *sql, size_t len, struct gt_buf *out, char *why, size_t whylen)
{
	int64_t deadline = now_ms() + w->timeout_ms;
	PGresult *first = NULL, *err = NULL, *r;
	char *text = strndup(sql, len);

	if (!text || !PQsendQuery(w->pg, text)) {
		snprintf(why, whylen, "postgres: %s", text ? PQerrorMessage(w->pg) : "out of memory");
		free(text);
		return -1;
	}
	free(text);
	for (;;) {
		if (pg_wait(w, deadline, why, whylen))
			goto lost;
		if (!(r = PQgetResult(w->pg)))
			break;
		if (PQresultStatus(r) == PGRES_FATAL_ERROR && !err && PQresultErrorField(r, PG_DIAG_SQLSTATE))
			err = r;
		else if (!first && PQresultStatus(r) != PGRES_FATAL_ERROR)
			first = r;
		else
			PQclear(r);
	}
	if (PQstatus(w->pg) != CONNECTION_OK) {
		snprintf(why, whylen, "postgres: %s", PQerrorMessage(w->pg));
		goto lost;
	}
	if (err)
		pg_error(err, out);
	else if (!first || PQresultStatus(first) == PGRES_EMPTY_QUERY)
		gt_buf_addstr(out, "(Empty response)");
	else if (PQresultStatus(first) == PGRES_TUPLES_OK)
		pg_rows(first, out);
	else
		gt_buf_addf(out, "Affected Rows: %llu", tag_rows(PQcmdStatus(first)));
	PQclear(first);
	PQclear(err);
	return 0;
lost:
	PQclear(first);
	PQclear(err);
	return -1;
}

/* ------------------------------------------------------------------ */

int wire_open(struct wire **out, enum wire_proto p, const char *addr, int timeout_ms, char *why, size_t whylen)
{
	char host[256];
	unsigned port;
	struct wire *w;
	int rc;

	if (split_addr(addr, host, sizeof(host), &port)) {
		snprintf(why, whylen, "bad address '%s'", addr);
		return -1;
	}
	if (!(w = gt_calloc(1, sizeof(*w)))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	w->proto = p;
	w->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	rc = p == WIRE_MYSQL ? my_open(w, host, port, why, whylen) : pg_open(w, host, port, why, whylen);
	if (rc) {
		wire_close(w);
		return -1;
	}
	*out = w;
	return 0;
}

int wire_query(struct wire *w, const char *sql, size_t len, struct gt_buf *out, char *why, size_t whylen)
{
	return w->proto == WIRE_MYSQL ? my_query(w, sql, len, out, why, whylen) : pg_query(w, sql, len, out, why, whylen);
}

void wire_close(struct wire *w)
{
	if (!w)
		return;
	if (w->my)
		mysql_close(w->my);
	if (w->pg)
		PQfinish(w->pg);
	free(w);
}
