/*
 * meta-api.h - the client side of gt-meta's HTTP+JSON API (gt-meta-api(5)):
 * what a datanode, a frontend and the gt-meta operator commands call.
 * It owns one connection description (the gt-meta address, a pool of
 * libcurl handles, timeouts) and a cache of region routes.
 *
 *   gt_meta_api_new("127.0.0.1:3002") -> heartbeat / place / routes /
 *   nodes / locate / gt_meta_kv_open (the KV of kv.h over HTTP, so the
 *   catalog of catalog.h can live in gt-meta) -> gt_meta_api_free.
 *
 * Every call has a connect timeout and a total timeout; a failure names
 * gt-meta's address ("gt-meta 127.0.0.1:3002: connection refused") and
 * is GT_EAGAIN for what a retry may cure (connection, timeout, 5xx),
 * GT_EINVAL for a 4xx, GT_ECORRUPT for an answer that is not the API's.
 * Thread-safe: calls may run in parallel (each takes a pooled handle).
 * Arrays returned are the caller's to free() (one allocation each).
 */
#ifndef GT_META_API_H
#define GT_META_API_H

#include <stdbool.h>
#include "buf.h"

struct gt_kv;

#define GT_META_ADDR_MAX 256    /* "unix:/path" or "host:port", with its NUL */
#define GT_META_DIR_MAX 256     /* a region's directory, relative to a data home */
#define GT_META_DEFAULT_ADDR "127.0.0.1:3002"

struct gt_meta_api_opts {
	unsigned connect_ms;        /* 0 = 2000 */
	unsigned timeout_ms;        /* whole request; 0 = 10000 */
	unsigned route_ttl_ms;      /* how long a cached route is trusted; 0 = 10000 */
};

struct gt_meta_region_stat {
	uint64_t region_id, rows, bytes, memtable_bytes;
};

/* A region to place, and a region a datanode must open. */
struct gt_meta_region {
	uint64_t region_id;
	char dir[GT_META_DIR_MAX];
};

struct gt_meta_route {
	uint64_t region_id, node_id;
	char addr[GT_META_ADDR_MAX];
	bool alive;
	int64_t down_seconds;
};

struct gt_meta_node {
	uint64_t node_id;
	char addr[GT_META_ADDR_MAX];
	bool alive;
	int64_t last_heartbeat_ms, lease_ms;   /* wall clock ms; ms */
	uint64_t regions;
};

struct gt_meta_api;

int gt_meta_api_new(struct gt_meta_api **out, const char *addr, const struct gt_meta_api_opts *o,
		    struct gt_err *err);
void gt_meta_api_free(struct gt_meta_api *a);
const char *gt_meta_api_addr(const struct gt_meta_api *a);

/*
 * One request: method, path with its query string (already escaped),
 * optional body.  *status gets the HTTP status and resp (appended, its
 * ceiling applies) the body, whatever the status; the return is 0 when
 * an answer came, else GT_EAGAIN (no connection, timeout) or GT_ENOMEM.
 */
int gt_meta_request(struct gt_meta_api *a, const char *method, const char *path, const void *body, size_t n,
		    int *status, struct gt_buf *resp, struct gt_err *err);

/* A datanode's heartbeat: its id, address and region statistics.  Gets
 * the lease and the regions routed to it that it did not list (it must
 * open them): *open (may be NULL when *nopen is 0) is the caller's. */
int gt_meta_heartbeat(struct gt_meta_api *a, uint64_t node_id, const char *addr,
		      const struct gt_meta_region_stat *regions, size_t n, int64_t *lease_ms,
		      struct gt_meta_region **open, size_t *nopen, struct gt_err *err);
/* Place new regions on live datanodes (idempotent for routed ones); one
 * route per region, in order.  GT_EAGAIN when no datanode is alive. */
int gt_meta_place(struct gt_meta_api *a, const struct gt_meta_region *regions, size_t n,
		  struct gt_meta_route **routes, size_t *nroutes, struct gt_err *err);
/* Routes of every region (region_id 0) or of one. */
int gt_meta_routes(struct gt_meta_api *a, uint64_t region_id, struct gt_meta_route **routes, size_t *n,
		   struct gt_err *err);
/* Forget a region's route (after DROP TABLE).  GT_ENOTFOUND if none. */
int gt_meta_route_delete(struct gt_meta_api *a, uint64_t region_id, struct gt_err *err);
int gt_meta_nodes(struct gt_meta_api *a, struct gt_meta_node **nodes, size_t *n, struct gt_err *err);

/*
 * The address of the datanode serving a region, from the route cache
 * (refresh = ask gt-meta again, after a stale-route error).  GT_ENOTFOUND
 * when the region has no route.  The signature of region_client.h's
 * gt_region_locate_fn, with ctx = the struct gt_meta_api.
 */
int gt_meta_locate(void *ctx, uint64_t region_id, bool refresh, char *addr, size_t n, struct gt_err *err);

/* The KV of kv.h over /v1/kv (a borrowed: it must outlive the KV). */
int gt_meta_kv_open(struct gt_kv **out, struct gt_meta_api *a, struct gt_err *err);

#endif
