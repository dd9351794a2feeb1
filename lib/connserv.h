/*
 * connserv.h - the connection server: a listening socket (TCP or Unix)
 * with one thread per accepted connection and a bound on their number.
 * Every server protocol (region RPC, PostgreSQL, MySQL) runs on it; the
 * protocol only says how to serve one connection.
 *
 * Calling sequence: gt_connserv_start() binds and starts accepting;
 * gt_connserv_addr() tells the bound address (TCP port 0 resolved);
 * gt_connserv_stop() stops accepting, shuts every live connection down
 * (shutdown(2), so a blocked read returns), joins every thread and frees.
 *
 * serve(ctx, fd) runs in the connection's own thread; it reads and writes
 * fd and returns when done.  It must not close fd: the connserv closes it
 * after serve returns.  Over max_conns, refuse(ctx, fd) (if not NULL) runs
 * in the accepting thread to write the protocol's "too many connections"
 * error, briefly; then fd is closed.  Idle timeouts are the protocol's
 * business (poll with a timeout before each read).  ctx is borrowed and
 * must outlive the server; serve must be thread-safe.
 */
#ifndef GT_CONNSERV_H
#define GT_CONNSERV_H

#include "gt.h"

struct gt_connserv;

struct gt_connserv_opts {
	const char *addr;                 /* gt_net_listen form; port 0 = any */
	unsigned max_conns;               /* 0 = 256 */
	void (*serve)(void *ctx, int fd); /* runs in the connection's thread; closes nothing */
	void (*refuse)(void *ctx, int fd);/* over max_conns: write a protocol error, or NULL */
	void *ctx;
};

/* Bind o->addr and start accepting.  0, or an error naming the address. */
int gt_connserv_start(struct gt_connserv **out, const struct gt_connserv_opts *o, struct gt_err *err);
/* The bound address, in gt_net_listen form (a TCP port 0 resolved). */
const char *gt_connserv_addr(const struct gt_connserv *s);
/* Stop accepting, shut live connections down, join every thread, free.
 * A Unix socket's file is removed.  NULL is fine. */
void gt_connserv_stop(struct gt_connserv *s);

#endif
