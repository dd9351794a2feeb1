/*
 * region_server.h - serves the region RPC (rpc.h, gt-rpc.5) on a
 * listening socket, dispatching every request to a region client (on a
 * datanode, the in-process client over its engine).
 *
 * The connection server (connserv.h) gives each connection its own thread, which reads a
 * request, calls the client, writes the reply, and loops.  A frame it
 * cannot decode gets an ERROR frame and the connection is closed; the
 * server goes on.  Calling sequence: gt_region_server_open() (binds and
 * starts serving), ..., gt_region_server_close() (stops accepting, shuts
 * every connection down, joins every thread).  The client is borrowed
 * and must outlive the server; it must be thread-safe.
 */
#ifndef GT_REGION_SERVER_H
#define GT_REGION_SERVER_H

#include "region_client.h"

struct gt_region_server;

struct gt_region_server_opts {
	const char *addr;                /* unix:PATH or HOST:PORT */
	int io_timeout_ms;               /* a frame half sent or a reply not taken; 0 = 30000 */
	uint32_t max_conns;              /* 0 = 256: more are refused with an ERROR frame */
	gt_log_fn log;                   /* may be NULL */
	void *log_ctx;
};

int gt_region_server_open(struct gt_region_server **out, const struct gt_region_server_opts *o,
			  struct gt_region_client *client, struct gt_err *err);
/* The address it listens on (a TCP port 0 resolved). */
const char *gt_region_server_addr(const struct gt_region_server *s);
void gt_region_server_close(struct gt_region_server *s);

#endif
