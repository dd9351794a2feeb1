/* region_server.c - the region RPC server: serves each connection (connserv.h) over a region client (region_server.h). */
#include "region_server.h"
#include "connserv.h"
#include "rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* one connection, in its own thread (connserv.h) */
struct conn {
	struct gt_region_server *s;
	int fd;
};

struct gt_region_server {
	struct gt_region_client *client;
	struct gt_connserv *cs;
	int timeout_ms;
	gt_log_fn log;
	void *log_ctx;
};

static void logf_(struct gt_region_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct gt_region_server *s, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->log(s->log_ctx, msg);
}

static int send_buf(struct conn *c, struct gt_buf *b, struct gt_err *err)
{
	int rc = gt_rpc_write(c->fd, b->p, b->len, c->s->timeout_ms, err);
	gt_buf_reset(b);
	return rc;
}

static int send_error(struct conn *c, struct gt_buf *b, uint32_t id, int code, const char *msg)
{
	struct gt_err err = {0};
	gt_buf_reset(b);
	if (gt_rpc_error_encode(b, id, code, msg))
		return GT_ENOMEM;
	return send_buf(c, b, &err);
}

/* key callback for gt_rpc_batch_encode over a region stream */
static const void *stream_key(void *ctx, uint32_t sid, size_t *len)
{
	struct gt_region_stream *st = ctx;
	return st->key(st->self, sid, len);
}

/* Stream a scan: BATCH frames then END, or ERROR.  0, or an I/O error (drop the connection). */
static int serve_scan(struct conn *c, struct gt_buf *out, uint32_t id, const struct gt_rpc_req *r)
{
	struct gt_region_client *cl = c->s->client;
	struct gt_region_stream st = {0};
	struct gt_rpc_keys sent = {0};
	struct gt_err err = {0};
	int rc = cl->ops->scan(cl->self, r->region_id, r->scan, &st, &err);

	if (rc)
		return send_error(c, out, id, rc, err.msg);
	for (;;) {
		const struct gt_batch *b;
		rc = st.next(st.self, &b, &err);
		if (rc <= 0)
			break;
		if ((rc = gt_rpc_batch_encode(out, id, b, &sent, stream_key, &st))) {
			gt_errf(&err, rc, "region %" PRIu64 ": a scan batch does not fit a frame", r->region_id);
			break;
		}
		if ((rc = send_buf(c, out, &err))) {
			st.free(st.self);
			gt_rpc_keys_release(&sent);
			return rc;
		}
	}
	st.free(st.self);
	gt_rpc_keys_release(&sent);
	gt_buf_reset(out);
	if (rc < 0)
		return send_error(c, out, id, rc, err.msg);
	if (gt_rpc_end_encode(out, id))
		return GT_ENOMEM;
	return send_buf(c, out, &err);
}

static int dispatch(struct conn *c, struct gt_buf *out, uint32_t id, const struct gt_rpc_req *r)
{
	struct gt_region_client *cl = c->s->client;
	const struct gt_region_client_ops *ops = cl->ops;
	struct gt_rpc_result res = {0};
	struct gt_err err = {0};
	struct gt_buf partial = {0};
	uint64_t rid = r->region_id;
	int rc;

	switch (r->op) {
	case GT_RPC_SCAN: return serve_scan(c, out, id, r);
	case GT_RPC_CREATE: rc = ops->create(cl->self, rid, r->dir, r->schema, &err); break;
	case GT_RPC_OPEN: rc = ops->open(cl->self, rid, r->dir, &err); break;
	case GT_RPC_CLOSE: rc = ops->close(cl->self, rid, &err); break;
	case GT_RPC_DROP: rc = ops->drop(cl->self, rid, &err); break;
	case GT_RPC_WRITE: rc = ops->write(cl->self, rid, r->batch, &err); break;
	case GT_RPC_FLUSH: rc = ops->flush(cl->self, rid, &err); break;
	case GT_RPC_COMPACT: rc = ops->compact(cl->self, rid, &r->compact, &res.compact, &err); break;
	case GT_RPC_ALTER: rc = ops->alter(cl->self, rid, r->schema, &err); break;
	case GT_RPC_TRUNCATE: rc = ops->truncate(cl->self, rid, &err); break;
	case GT_RPC_TRUNCATE_FILES: rc = ops->truncate_files(cl->self, rid, r->ranges, r->nranges, &err); break;
	case GT_RPC_STATS: rc = ops->stats(cl->self, rid, &res.stats, &err); break;
	case GT_RPC_AGGREGATE:
		rc = ops->aggregate(cl->self, rid, r->plan, r->plan_len, &partial, &err);
		res.partial = partial.p;
		res.partial_len = partial.len;
		break;
	default: rc = gt_errf(&err, GT_EINVAL, "rpc: op %u is not a request", r->op); break;
	}
	if (rc < 0) {
		gt_buf_release(&partial);
		return send_error(c, out, id, rc, err.msg[0] ? err.msg : gt_strerror(rc));
	}
	rc = gt_rpc_ok_encode(out, id, r->op, &res);
	gt_buf_release(&partial);
	if (rc)
		return GT_ENOMEM;
	return send_buf(c, out, &err);
}

/*
 * After an error frame for a bad frame: stop sending and read what the
 * peer still sends (briefly, boundedly), so that closing does not reset
 * the connection before the peer has read the error.
 */
static void drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	shutdown(fd, SHUT_WR);
	while (total < (1u << 20)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;
		if (poll(&p, 1, 200) <= 0)
			break;
		if ((r = recv(fd, buf, sizeof(buf), 0)) <= 0)
			break;
		total += (size_t)r;
	}
}

static void serve(void *ctx, int fd)
{
	struct conn conn = {.s = ctx, .fd = fd}, *c = &conn;
	struct gt_region_server *s = c->s;
	struct gt_buf in, out = {0};

	gt_buf_init(&in, GT_RPC_MAX_BODY);
	for (;;) {
		struct gt_err err = {0};
		struct gt_rpc_hdr h = {0};
		struct gt_rpc_req r;
		int rc;

		/* wait for a request as long as the peer likes, then read it with a timeout */
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		rc = gt_rpc_read(c->fd, &h, &in, s->timeout_ms, &err);
		if (rc == GT_ECLOSED)
			break;
		if (rc) {
			/* a bad frame: say why, then drop the connection */
			if (rc != GT_EIO) {
				send_error(c, &out, h.id, rc, err.msg);
				drain(c->fd);
			}
			logf_(s, "region rpc: dropping a connection: %s", err.msg);
			break;
		}
		if (h.op < 1 || h.op > GT_RPC_OP_MAX) {
			send_error(c, &out, h.id, GT_ECORRUPT, "rpc: a reply frame sent as a request");
			drain(c->fd);
			break;
		}
		if ((rc = gt_rpc_req_decode(&r, h.op, in.p, in.len, &err))) {
			send_error(c, &out, h.id, rc, err.msg);
			drain(c->fd);
			gt_rpc_req_release(&r);
			logf_(s, "region rpc: dropping a connection: %s", err.msg);
			break;
		}
		rc = dispatch(c, &out, h.id, &r);
		gt_rpc_req_release(&r);
		if (rc)
			break;
		/* an idle connection does not keep a big write's buffer */
		if (in.cap > (1u << 20))
			gt_buf_release(&in);
		if (out.cap > (1u << 20))
			gt_buf_release(&out);
	}
	gt_buf_release(&in);
	gt_buf_release(&out);
}

/* Over max_conns: an ERROR frame says why, then the connserv closes. */
static void refuse(void *ctx, int fd)
{
	struct conn c = {.s = ctx, .fd = fd};
	struct gt_buf b = {0};
	send_error(&c, &b, 0, GT_EAGAIN, "rpc: too many connections");
	gt_buf_release(&b);
}

int gt_region_server_open(struct gt_region_server **out, const struct gt_region_server_opts *o,
			  struct gt_region_client *client, struct gt_err *err)
{
	struct gt_region_server *s = calloc(1, sizeof(*s));
	struct gt_connserv_opts co = {.addr = o->addr, .max_conns = o->max_conns,
				      .serve = serve, .refuse = refuse};
	int rc;
	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->client = client;
	s->timeout_ms = o->io_timeout_ms > 0 ? o->io_timeout_ms : 30000;
	s->log = o->log;
	s->log_ctx = o->log_ctx;
	co.ctx = s;
	if ((rc = gt_connserv_start(&s->cs, &co, err))) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *gt_region_server_addr(const struct gt_region_server *s)
{
	return gt_connserv_addr(s->cs);
}

void gt_region_server_close(struct gt_region_server *s)
{
	if (!s)
		return;
	gt_connserv_stop(s->cs);
	free(s);
}
