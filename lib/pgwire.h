/*
 * pgwire.h - the PostgreSQL server: psql, libpq, psycopg2, JDBC and
 * Grafana's PostgreSQL data source talk to gt's SQL engine (sql.h) over
 * the PostgreSQL v3 protocol (messages in pgproto.h), on a connection
 * server (connserv.h), one thread per connection.
 *
 * What a connection gets:
 *   startup      the "database" parameter is the gt database ("public"
 *                when absent or "postgres"); SSLRequest and GSSENCRequest
 *                are answered 'N'; CancelRequest is accepted and ignored
 *                (statements are not interruptible yet).
 *   auth         when opts->auth is set: SCRAM-SHA-256 (what libpq and
 *                every driver since PostgreSQL 10 speak); a wrong password
 *                or unknown user is FATAL 28P01.  Without auth, none.
 *   simple       Query with any number of statements: each answers
 *                RowDescription + DataRows + CommandComplete ("SELECT n",
 *                "INSERT 0 n", "CREATE TABLE" ...); the first failing one
 *                answers ErrorResponse and ends the batch.
 *   extended     Parse / Bind (text and binary parameters, text and binary
 *                results) / Describe / Execute (with a row limit: portal
 *                suspension) / Close / Sync / Flush, named and unnamed
 *                statements and portals.  $n parameters are bound by
 *                substituting literals into the statement text; after an
 *                error every message up to Sync is skipped.
 *   types        Int8/16/32/64 -> int2/int4/int8, UInt64 -> numeric, Float64
 *                -> float8, Float32 -> float4, String -> text, Binary -> bytea,
 *                Boolean -> bool, Timestamp* -> timestamp ('YYYY-MM-DD
 *                HH:MM:SS[.ffffff]' in UTC), Date -> date.
 *   transactions BEGIN / COMMIT / ROLLBACK are accepted (every statement
 *                autocommits, as in GreptimeDB); SET of session settings
 *                (search_path selects the database) and SHOW of them work.
 *   psql         the catalog queries of \dt, \d and \d TABLE are
 *                answered from the catalog (pgcatalog.c).
 *   limits       a message over 64 MiB or a startup packet over 10000
 *                bytes, a malformed message, an unknown message type or
 *                bytes that are not a startup packet: FATAL ErrorResponse
 *                (08P01) where the protocol allows one, then close.  A
 *                connection idle for opts->idle_timeout_s is closed.
 *
 * Thread safety: the server's functions are called from one thread; every
 * connection runs in its own.  opts->db and opts->auth are borrowed.
 */
#ifndef GT_PGWIRE_H
#define GT_PGWIRE_H

#include "wire.h"
#include "gt.h"

#define GT_PG_MAX_MESSAGE (64u << 20)

struct gt_pgwire;

/* Listen on opts->addr (NULL = 127.0.0.1:4003) and serve.  0, or an error naming the address. */
int gt_pgwire_start(struct gt_pgwire **out, const struct gt_wire_opts *opts, struct gt_err *err);
/* The bound address, "HOST:PORT". */
const char *gt_pgwire_addr(const struct gt_pgwire *s);
/* Stop accepting, close every connection, free.  NULL is fine. */
void gt_pgwire_stop(struct gt_pgwire *s);

/*
 * One connection's protocol over any pair of byte streams (the server
 * calls it with a socket; the fuzz target with a pipe).  Returns when the
 * client terminates, the stream ends or a protocol error closed it.
 */
void gt_pgwire_serve_fd(const struct gt_wire_opts *opts, int fd);

#endif
