/*
 * wire.h - gt-sqlness's clients of the server's wire protocols, for the
 * statements under "-- SQLNESS PROTOCOL MYSQL|POSTGRES".
 *
 * Each renders what it gets as GreptimeDB's sqlness runner does (its
 * tests/runner: the mysql crate and tokio-postgres' simple_query):
 *   MySQL       "affected_rows: N" when there is no row (a SELECT of no
 *               rows too), else a table of the first result set's text
 *               values; an error as the mysql crate prints it:
 *               "Failed to execute query, err: MySqlError { ERROR 1210
 *               (HY000): message }".
 *   PostgreSQL  "Affected Rows: N" (N the command tag's last number, else
 *               0) for a command, a table (with its header even when there
 *               are no rows) for a query, nothing for a query without
 *               columns, "(Empty response)" for an empty query; an error as
 *               tokio-postgres' Debug prints it: "Failed to execute query,
 *               encountered: Error { kind: Db, cause: Some(DbError { ... }) }".
 * A connection belongs to one case file (one process, one thread).
 */
#ifndef GT_SQLNESS_WIRE_H
#define GT_SQLNESS_WIRE_H

#include "buf.h"

enum wire_proto { WIRE_MYSQL, WIRE_POSTGRES };

struct wire;

/* Connect to addr ("HOST:PORT") as GreptimeDB's runner does: database
 * public, no TLS.  0, or -1 with why filled. */
int wire_open(struct wire **out, enum wire_proto p, const char *addr, int timeout_ms, char *why, size_t whylen);
/* Run sql[0..len) and append its rendering to out.  0 (the statement ran
 * or failed with a SQL error, both rendered), or -1 when the connection is
 * lost (why says; the caller gives up on the file). */
int wire_query(struct wire *w, const char *sql, size_t len, struct gt_buf *out, char *why, size_t whylen);
void wire_close(struct wire *w);

#endif
