/*
 * region_client.h - the region client seam of DESIGN.md section 1: how
 * everything above the storage engine (ingest, the SQL and PromQL
 * planners, the router) talks to regions.  Today one implementation
 * exists, in-process over the engine (region_client_local.c); the
 * distributed mode adds a transport behind the same operations, so
 * callers do not change.
 *
 * A scan returns a stream of batches: cols = time index, then the fields
 * asked for; sid = series ordinals resolved to keys by stream->key().
 */
#ifndef GT_REGION_CLIENT_H
#define GT_REGION_CLIENT_H

#include "region.h"

struct gt_region_stream {
	void *self;
	int (*next)(void *self, const struct gt_batch **b, struct gt_err *err);
	const void *(*key)(void *self, uint32_t sid, size_t *len);
	void (*free)(void *self);
};

struct gt_region_client_ops {
	int (*create)(void *self, uint64_t region_id, const char *region_dir, const struct gt_schema *schema,
		      struct gt_err *err);
	int (*open)(void *self, uint64_t region_id, const char *region_dir, struct gt_err *err);
	int (*close)(void *self, uint64_t region_id, struct gt_err *err);
	int (*drop)(void *self, uint64_t region_id, struct gt_err *err);
	int (*write)(void *self, uint64_t region_id, const struct gt_batch *b, struct gt_err *err);
	/* Write bs[i] to region ids[i] for each i < n as one unit of waiting
	 * (rcs[i], errs[i]: each write's result).  NULL when the transport
	 * cannot: callers then write one by one, side by side. */
	int (*write_many)(void *self, const uint64_t *ids, const struct gt_batch *const *bs, uint32_t n, int *rcs,
			  struct gt_err *errs);
	int (*scan)(void *self, uint64_t region_id, const struct gt_scan_req *req,
		    struct gt_region_stream *out, struct gt_err *err);
	int (*flush)(void *self, uint64_t region_id, struct gt_err *err);
	int (*compact)(void *self, uint64_t region_id, const struct gt_compact_opts *o,
		       struct gt_compact_report *rep, struct gt_err *err);
	int (*alter)(void *self, uint64_t region_id, const struct gt_schema *schema, struct gt_err *err);
	int (*truncate)(void *self, uint64_t region_id, struct gt_err *err);
	/* drop the files wholly inside the [start, end) pairs of ranges (gt_region_truncate_files) */
	int (*truncate_files)(void *self, uint64_t region_id, const int64_t *ranges, uint32_t nranges,
			      struct gt_err *err);
	int (*stats)(void *self, uint64_t region_id, struct gt_region_stats *out, struct gt_err *err);
	/* Run an aggregation plan (agg.h) over the region: its partial is appended to out. */
	int (*aggregate)(void *self, uint64_t region_id, const void *plan, size_t plan_len, struct gt_buf *out,
			 struct gt_err *err);
};

struct gt_region_client {
	const struct gt_region_client_ops *ops;
	void *self;
};

struct gt_engine;
/* The in-process client over an engine (borrowed). */
void gt_region_client_local(struct gt_region_client *c, struct gt_engine *e);

/*
 * The remote client (region_client_remote.c): each operation goes to the
 * datanode that serves the region over the region RPC (rpc.h,
 * gt-rpc.5).  locate() names that datanode's address (unix:PATH or
 * HOST:PORT) for a region; refresh=true asks it to bypass its cache (the
 * route it gave last failed).  Connections are kept per address and
 * reused; every connect (2 s) and every reply (30 s) has a timeout.  On
 * a connection error (refused, reset, closed, timed out) the client asks
 * locate() again with refresh=true and tries once more; then it fails
 * with a message naming the region and the address ("region
 * 4398046511104 on unix:/x/d1.sock: connection refused").  Errors the
 * datanode reports come back with its code and message as they are.
 * Thread-safe: concurrent calls use separate connections.
 */
typedef int (*gt_region_locate_fn)(void *ctx, uint64_t region_id, bool refresh, char *addr, size_t n,
				   struct gt_err *err);
int gt_region_client_remote(struct gt_region_client *c, gt_region_locate_fn locate, void *ctx,
			    struct gt_err *err);
/* Change the timeouts (milliseconds; 0 keeps the current value). */
void gt_region_client_remote_timeouts(struct gt_region_client *c, int connect_ms, int call_ms);
/* Close every connection and free the client (open streams must be freed first). */
void gt_region_client_remote_free(struct gt_region_client *c);

#endif
