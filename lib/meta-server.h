/*
 * meta-server.h - gt-meta, the metadata and routing service of a cluster
 * (DESIGN.md section 1), as a library: the HTTP+JSON API of
 * gt-meta-api(5) over http.h, its state in a directory KV (kv.h) under
 * DATA_HOME/kv.
 *
 * State:
 *   KV "catalog"        the catalog document (catalog.h), written by the
 *                       frontends with compare-and-swap over /v1/kv
 *   KV "nodes/<id>"     {"addr":"..."} of every datanode ever seen
 *   KV "routes/<rid>"   {"node_id":N,"dir":"..."}: where a region lives
 *   memory              each node's last heartbeat and region statistics
 *
 * A node is alive while its last heartbeat is younger than lease_ms;
 * after that it is dead: placement skips it, routes report it
 * ("state":"dead", "down_seconds") and a log line says so once.  After a
 * restart every known node gets one lease of grace (its heartbeat is due
 * within a second anyway).  Routes and nodes survive restarts; the
 * keys under "nodes/" and "routes/" are changed only through the API
 * that owns them (/v1/heartbeat, /v1/place, /v1/routes), not /v1/kv.
 *
 * Thread safety: requests run in libmicrohttpd's threads; one mutex
 * guards the node and route tables and their KV writes.
 */
#ifndef GT_META_SERVER_H
#define GT_META_SERVER_H

#include "gt.h"

struct gt_meta_server_opts {
	const char *data_home;
	const char *addr;           /* NULL = 127.0.0.1:3002; port 0 = any free port */
	int64_t lease_ms;           /* 0 = 10000 */
	size_t max_body;            /* request ceiling; 0 = 64 MiB */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

struct gt_meta_server;

int gt_meta_server_start(struct gt_meta_server **out, const struct gt_meta_server_opts *o, struct gt_err *err);
/* The address bound, "HOST:PORT". */
const char *gt_meta_server_addr(const struct gt_meta_server *s);
/* Stop serving (requests in flight finish), then free.  NULL is a no-op. */
void gt_meta_server_stop(struct gt_meta_server *s);

#endif
