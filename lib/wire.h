/*
 * wire.h - what the SQL wire protocol servers (pgwire.h for PostgreSQL,
 * mywire.h for MySQL) are started with.  Each runs on a connection server
 * (connserv.h) over the same SQL engine as HTTP (sql.h).
 *
 * A zeroed struct means defaults.  db and auth are borrowed: they must
 * outlive the server.  auth NULL = open access (no --user-provider).
 */
#ifndef GT_WIRE_H
#define GT_WIRE_H

struct gt_db;
struct gt_auth;

struct gt_wire_opts {
	struct gt_db *db;
	const char *addr;                /* gt_net_listen form; port 0 = any */
	const struct gt_auth *auth;      /* NULL = every user may connect */
	unsigned idle_timeout_s;         /* 0 = 300: an idle connection is closed */
	unsigned max_conns;              /* 0 = 256: more are refused with the protocol's error */
};

#endif
