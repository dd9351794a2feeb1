/*
 * region_client_remote.c - the region client seam over the region RPC:
 * requests go to the datanode that locate() names, on pooled connections
 * (region_client.h, rpc.h).
 */
#include "region_client.h"
#include "net.h"
#include "rpc.h"

#include <inttypes.h>
#include <pthread.h>
#include <unistd.h>

#define ADDR_MAX 256
#define MAX_IDLE 64

struct rconn {
	char addr[ADDR_MAX];
	int fd;
	bool reused;                     /* taken from the pool: a dead peer may show only now */
	struct rconn *next;
};

struct remote {
	gt_region_locate_fn locate;
	void *ctx;
	int connect_ms, call_ms;
	pthread_mutex_t mu;
	struct rconn *idle;
	uint32_t nidle;
	uint32_t next_id;
};

static void conn_close(struct rconn *c)
{
	if (c) {
		close(c->fd);
		free(c);
	}
}

static void conn_put(struct remote *rm, struct rconn *c)
{
	pthread_mutex_lock(&rm->mu);
	if (rm->nidle < MAX_IDLE) {
		c->next = rm->idle;
		rm->idle = c;
		rm->nidle++;
		c = NULL;
	}
	pthread_mutex_unlock(&rm->mu);
	conn_close(c);
}

static int conn_get(struct remote *rm, const char *addr, struct rconn **out, struct gt_err *err)
{
	struct rconn *c = NULL, **pp;
	int rc;

	pthread_mutex_lock(&rm->mu);
	for (pp = &rm->idle; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->addr, addr)) {
			c = *pp;
			*pp = c->next;
			rm->nidle--;
			break;
		}
	pthread_mutex_unlock(&rm->mu);
	if (c) {
		c->reused = true;
		*out = c;
		return 0;
	}
	if (!(c = gt_calloc(1, sizeof(*c))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	if ((rc = gt_net_connect(addr, rm->connect_ms, &c->fd, err))) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* A scan's stream: holds its connection until END. */
struct rstream {
	struct remote *rm;
	struct rconn *c;
	uint64_t region_id;
	uint32_t id;
	bool done;
	struct gt_buf in;
	struct gt_rpc_hdr h;
	bool have;                       /* h/in hold a frame not yet handed out */
	struct gt_rpc_keys keys;
	struct gt_batch b;
};

/*
 * Send a request and read its first reply frame into h/in.  A
 * connection-level failure is retried once on a fresh route; *out gets
 * the connection the reply came on.
 */
static int exchange(struct remote *rm, const struct gt_rpc_req *req, struct gt_rpc_hdr *h, struct gt_buf *in,
		    struct rconn **out, struct gt_err *err)
{
	struct gt_buf frame = {0};
	char addr[ADDR_MAX];
	uint32_t id;
	int rc;

	pthread_mutex_lock(&rm->mu);
	id = ++rm->next_id;
	pthread_mutex_unlock(&rm->mu);
	if ((rc = gt_rpc_req_encode(&frame, id, req, err)))
		goto out;
	for (int attempt = 0;; attempt++) {
		struct rconn *c = NULL;
		struct gt_err e = {0};
		bool stale;

		if ((rc = rm->locate(rm->ctx, req->region_id, attempt > 0, addr, sizeof(addr), err))) {
			gt_err_prefix(err, "region %" PRIu64, req->region_id);
			goto out;
		}
		rc = conn_get(rm, addr, &c, &e);
		if (!rc)
			rc = gt_rpc_write(c->fd, frame.p, frame.len, rm->call_ms, &e);
		if (!rc)
			rc = gt_rpc_read(c->fd, h, in, rm->call_ms, &e);
		if (!rc && h->id != id)
			rc = gt_errf(&e, GT_ECORRUPT, "rpc: reply %u to request %u", h->id, id);
		if (!rc && h->op != GT_RPC_OK && h->op != GT_RPC_ERROR && h->op != GT_RPC_BATCH &&
		    h->op != GT_RPC_END)
			rc = gt_errf(&e, GT_ECORRUPT, "rpc: a %s frame as a reply", gt_rpc_op_name(h->op));
		if (!rc) {
			*out = c;
			break;
		}
		/* a pooled connection that died since its last use is not an error yet */
		stale = c && c->reused && rc == GT_ECLOSED;
		conn_close(c);
		if (rc == GT_ECLOSED)
			gt_errf(&e, GT_EIO, "connection closed by the datanode");
		if (stale || attempt == 0)
			if (rc == GT_EIO || rc == GT_ECLOSED)
				continue;
		rc = gt_errf(err, rc < 0 ? (rc == GT_ECLOSED ? GT_EIO : rc) : GT_EIO, "region %" PRIu64 " on %s: %s",
			     req->region_id, addr, e.msg);
		goto out;
	}
	rc = 0;
out:
	gt_buf_release(&frame);
	return rc;
}

static int reply_error(struct remote *rm, struct rconn *c, const struct gt_buf *in, uint64_t region_id,
		       struct gt_err *err)
{
	int rc = gt_rpc_error_decode(in->p, in->len, err);
	if (rc == GT_ECORRUPT) {
		gt_err_prefix(err, "region %" PRIu64 " on %s", region_id, c->addr);
		conn_close(c);
	} else {
		conn_put(rm, c);
	}
	return rc;
}

/* A request answered by OK or ERROR. */
static int call_into(struct remote *rm, const struct gt_rpc_req *req, struct gt_rpc_result *res,
		     struct gt_buf *partial, struct gt_err *err)
{
	struct gt_buf in;
	struct gt_rpc_hdr h;
	struct gt_rpc_result tmp;
	struct rconn *c;
	int rc;

	gt_buf_init(&in, GT_RPC_MAX_BODY);
	if ((rc = exchange(rm, req, &h, &in, &c, err)))
		goto out;
	if (h.op == GT_RPC_ERROR) {
		rc = reply_error(rm, c, &in, req->region_id, err);
	} else if (h.op != GT_RPC_OK ||
		   (rc = gt_rpc_ok_decode(res ? res : &tmp, req->op, in.p, in.len, err)) ||
		   (req->op == GT_RPC_AGGREGATE && partial && gt_buf_add(partial, in.p, in.len))) {
		rc = gt_errf(err, GT_ECORRUPT, "region %" PRIu64 " on %s: bad reply to %s", req->region_id,
			     c->addr, gt_rpc_op_name(req->op));
		conn_close(c);
	} else {
		conn_put(rm, c);
	}
out:
	gt_buf_release(&in);
	return rc;
}

static int call(struct remote *rm, const struct gt_rpc_req *req, struct gt_rpc_result *res, struct gt_err *err)
{
	return call_into(rm, req, res, NULL, err);
}

static int r_create(void *self, uint64_t id, const char *dir, const struct gt_schema *s, struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_CREATE, .region_id = id, .dir = dir, .schema = s};
	return call(self, &r, NULL, err);
}

static int r_open(void *self, uint64_t id, const char *dir, struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_OPEN, .region_id = id, .dir = dir};
	return call(self, &r, NULL, err);
}

static int simple(void *self, unsigned op, uint64_t id, struct gt_err *err)
{
	struct gt_rpc_req r = {.op = (uint8_t)op, .region_id = id};
	return call(self, &r, NULL, err);
}

static int r_close(void *self, uint64_t id, struct gt_err *err) { return simple(self, GT_RPC_CLOSE, id, err); }
static int r_drop(void *self, uint64_t id, struct gt_err *err) { return simple(self, GT_RPC_DROP, id, err); }
static int r_flush(void *self, uint64_t id, struct gt_err *err) { return simple(self, GT_RPC_FLUSH, id, err); }
static int r_truncate(void *self, uint64_t id, struct gt_err *err) { return simple(self, GT_RPC_TRUNCATE, id, err); }

static int r_write(void *self, uint64_t id, const struct gt_batch *b, struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_WRITE, .region_id = id, .batch = b};
	return call(self, &r, NULL, err);
}

static int r_compact(void *self, uint64_t id, const struct gt_compact_opts *o, struct gt_compact_report *rep,
		     struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_COMPACT, .region_id = id};
	struct gt_rpc_result res;
	int rc;
	if (o)
		r.compact = *o;
	if (!(rc = call(self, &r, &res, err)) && rep)
		*rep = res.compact;
	return rc;
}

static int r_alter(void *self, uint64_t id, const struct gt_schema *s, struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_ALTER, .region_id = id, .schema = s};
	return call(self, &r, NULL, err);
}

static int r_truncate_files(void *self, uint64_t id, const int64_t *ranges, uint32_t n, struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_TRUNCATE_FILES, .region_id = id, .ranges = ranges, .nranges = n};
	return call(self, &r, NULL, err);
}

static int r_aggregate(void *self, uint64_t id, const void *plan, size_t n, struct gt_buf *out,
		       struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_AGGREGATE, .region_id = id, .plan = plan, .plan_len = n};
	struct gt_rpc_result res;
	return call_into(self, &r, &res, out, err);
}

static int r_stats(void *self, uint64_t id, struct gt_region_stats *out, struct gt_err *err)
{
	struct gt_rpc_req r = {.op = GT_RPC_STATS, .region_id = id};
	struct gt_rpc_result res;
	int rc;
	if (!(rc = call(self, &r, &res, err)))
		*out = res.stats;
	return rc;
}

/* ---------------------------------------------------------------- */
/* Scans */

static void st_free(void *self)
{
	struct rstream *st = self;
	if (st->c) {
		if (st->done)
			conn_put(st->rm, st->c);
		else
			conn_close(st->c);   /* frames may still be on their way */
	}
	gt_buf_release(&st->in);
	gt_rpc_keys_release(&st->keys);
	gt_batch_release(&st->b);
	free(st);
}

static int st_next(void *self, const struct gt_batch **b, struct gt_err *err)
{
	struct rstream *st = self;
	int rc;

	if (st->done)
		return 0;
	if (!st->have) {
		struct gt_err e = {0};
		if ((rc = gt_rpc_read(st->c->fd, &st->h, &st->in, st->rm->call_ms, &e)) ||
		    (st->h.id != st->id && (rc = gt_errf(&e, GT_ECORRUPT, "rpc: reply to another request")))) {
			if (rc == GT_ECLOSED)
				rc = gt_errf(&e, GT_EIO, "connection closed by the datanode");
			rc = gt_errf(err, rc, "region %" PRIu64 " on %s: %s", st->region_id, st->c->addr, e.msg);
			conn_close(st->c);
			st->c = NULL;
			st->done = true;
			return rc;
		}
	}
	st->have = false;
	switch (st->h.op) {
	case GT_RPC_BATCH:
		gt_batch_release(&st->b);
		gt_batch_init(&st->b);
		if ((rc = gt_rpc_batch_decode(&st->b, &st->keys, st->in.p, st->in.len, err)))
			break;
		*b = &st->b;
		return 1;
	case GT_RPC_END:
		st->done = true;
		return 0;
	case GT_RPC_ERROR:
		rc = gt_rpc_error_decode(st->in.p, st->in.len, err);
		st->done = true;
		if (rc != GT_ECORRUPT)
			return rc;
		break;
	default:
		rc = gt_errf(err, GT_ECORRUPT, "rpc: a %s frame in a scan", gt_rpc_op_name(st->h.op));
		break;
	}
	/* a damaged stream: the connection cannot be trusted any more */
	gt_err_prefix(err, "region %" PRIu64 " on %s", st->region_id, st->c->addr);
	conn_close(st->c);
	st->c = NULL;
	st->done = true;
	return rc;
}

static const void *st_key(void *self, uint32_t sid, size_t *len)
{
	struct rstream *st = self;
	return gt_rpc_keys_get(&st->keys, sid, len);
}

static int r_scan(void *self, uint64_t id, const struct gt_scan_req *q, struct gt_region_stream *out,
		  struct gt_err *err)
{
	struct remote *rm = self;
	struct gt_rpc_req r = {.op = GT_RPC_SCAN, .region_id = id, .scan = q};
	struct rstream *st = gt_calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	st->rm = rm;
	st->region_id = id;
	gt_buf_init(&st->in, GT_RPC_MAX_BODY);
	gt_batch_init(&st->b);
	if ((rc = exchange(rm, &r, &st->h, &st->in, &st->c, err))) {
		st_free(st);
		return rc;
	}
	st->id = st->h.id;
	st->have = true;
	/* an error before the first batch is the call's error */
	if (st->h.op == GT_RPC_ERROR) {
		struct rconn *c = st->c;
		st->c = NULL;
		rc = reply_error(rm, c, &st->in, id, err);
		st_free(st);
		return rc;
	}
	out->self = st;
	out->next = st_next;
	out->key = st_key;
	out->free = st_free;
	return 0;
}

static const struct gt_region_client_ops remote_ops = {
	.create = r_create, .open = r_open, .close = r_close, .drop = r_drop,
	.write = r_write, .scan = r_scan, .flush = r_flush, .compact = r_compact,
	.alter = r_alter, .truncate = r_truncate, .truncate_files = r_truncate_files, .stats = r_stats,
	.aggregate = r_aggregate,
};

int gt_region_client_remote(struct gt_region_client *c, gt_region_locate_fn locate, void *ctx,
			    struct gt_err *err)
{
	struct remote *rm = gt_calloc(1, sizeof(*rm));
	if (!rm)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rm->locate = locate;
	rm->ctx = ctx;
	rm->connect_ms = 2000;
	rm->call_ms = 30000;
	pthread_mutex_init(&rm->mu, NULL);
	c->ops = &remote_ops;
	c->self = rm;
	return 0;
}

void gt_region_client_remote_timeouts(struct gt_region_client *c, int connect_ms, int call_ms)
{
	struct remote *rm = c->self;
	if (connect_ms > 0)
		rm->connect_ms = connect_ms;
	if (call_ms > 0)
		rm->call_ms = call_ms;
}

void gt_region_client_remote_free(struct gt_region_client *c)
{
	struct remote *rm = c ? c->self : NULL;
	if (!rm)
		return;
	while (rm->idle) {
		struct rconn *n = rm->idle->next;
		conn_close(rm->idle);
		rm->idle = n;
	}
	pthread_mutex_destroy(&rm->mu);
	free(rm);
	c->self = NULL;
	c->ops = NULL;
}
