/*
 * mywire.h - the MySQL wire protocol server: what `gt-front
 * --mysql-addr` listens with, so that the `mysql`/`mariadb` CLI, pymysql
 * and every MySQL driver reach the same SQL engine as HTTP (sql.h).
 *
 * Served: handshake v10 with mysql_native_password (checked against
 * opts->auth when set; any user when NULL; a client asking for another
 * plugin is switched to it), COM_QUERY with text result sets (several
 * statements when the client allows them), COM_INIT_DB, COM_PING,
 * COM_QUIT, COM_STMT_PREPARE / EXECUTE (binary rows and parameters) /
 * SEND_LONG_DATA / CLOSE / RESET, COM_SET_OPTION, COM_FIELD_LIST (empty),
 * COM_STATISTICS, COM_RESET_CONNECTION; the statements drivers send on
 * connect (SELECT @@version_comment, SET NAMES ..., see mywire-fed.c);
 * PREPARE / EXECUTE / DEALLOCATE in SQL.  Errors are ERR packets with
 * MySQL error numbers and SQLSTATEs mapped from gt's status codes.
 * Timestamps are TIMESTAMP columns shown as 'YYYY-MM-DD HH:MM:SS[.fff]'
 * in UTC.
 *
 * Limits: a command (all of its packets) of at most 16 MiB; a client
 * that sends a packet out of sequence, a bad handshake or more than the
 * limit gets an ERR packet and is disconnected; a connection idle for
 * opts->idle_timeout_s is told so (ERR 4031) and closed.
 *
 * One thread per connection (connserv.h); the db and auth are borrowed.
 */
#ifndef GT_MYWIRE_H
#define GT_MYWIRE_H

#include "gt.h"
#include "wire.h"

struct gt_mywire;

/* Listen on o->addr and serve.  0, or an error naming the address. */
int gt_mywire_start(struct gt_mywire **out, const struct gt_wire_opts *o, struct gt_err *err);
/* The bound address, "HOST:PORT" (port 0 resolved). */
const char *gt_mywire_addr(const struct gt_mywire *m);
/* Stop accepting, disconnect every client, join, free.  NULL is fine. */
void gt_mywire_stop(struct gt_mywire *m);

#endif
