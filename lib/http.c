/*
 * http.c - the HTTP server of http.h over libmicrohttpd (MHD).
 *
 * MHD calls on_access() several times per request: once when the
 * headers are in (we allocate the request state and decide early
 * refusals), once per chunk of body (appended to one buffer under the
 * ceiling), and once more with no data (we inflate, run the handler and
 * queue the response).  on_completed() frees the state whatever happened,
 * including a client that vanished mid-body.  on_conn() creates and
 * destroys the per-connection context.
 *
 * The listening socket is ours (bound before MHD starts, so a bind error
 * is a clear message and port 0 works); MHD closes it on stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "http.h"

struct gt_http {
	struct MHD_Daemon *d;
	struct gt_http_opts o;
	char addr[96];
	_Atomic int inflight;
	_Atomic bool stopping;
};

struct gt_http_req {
	struct gt_http *h;
	struct MHD_Connection *conn;
	const char *method, *path;
	const struct gt_http_route *route;
	void *conn_ctx;
	struct gt_buf body, inflated;
	bool use_inflated, form_parsed;
	int refuse;                   /* a status decided before the handler, or 0 */
	char refuse_msg[160];
	int64_t t0;
	struct gt_buf form;           /* "key\0value\0" pairs of an urlencoded body */
};

static void logf_(struct gt_http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct gt_http *h, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!h->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	h->o.log(h->o.ctx, msg);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct gt_http *h = cls;
	char msg[512];
	size_t n;

	if (!h->o.log)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	h->o.log(h->o.ctx, msg);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void refuse(struct gt_http_req *rq, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct gt_http_req *rq, int status, const char *fmt, ...)
{
	va_list ap;

	if (rq->refuse)
		return;
	rq->refuse = status;
	va_start(ap, fmt);
	vsnprintf(rq->refuse_msg, sizeof(rq->refuse_msg), fmt, ap);
	va_end(ap);
	/* the body is no longer wanted */
	gt_buf_release(&rq->body);
}

static void error_resp(struct gt_http *h, struct gt_http_resp *rs, int status, const char *msg)
{
	rs->status = status;
	gt_buf_reset(&rs->body);
	if (h->o.error_body) {
		h->o.error_body(h->o.ctx, rs, msg);
	} else {
		rs->ctype = "text/plain; charset=utf-8";
		gt_buf_addf(&rs->body, "%s\n", msg);
	}
}

static enum MHD_Result send_resp(struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = rs->body.len;
	char *p = len ? gt_buf_detach(&rs->body, &len) : NULL;

	gt_buf_release(&rs->body);
	if (p)
		r = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(p);
		return MHD_NO;
	}
	if (rs->ctype)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->ctype);
	for (unsigned i = 0; i < rs->nheaders; i++)
		MHD_add_response_header(r, rs->headers[i][0], rs->headers[i][1]);
	if (atomic_load(&rq->h->stopping))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(rq->conn, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	if (rq->h->o.on_done)
		rq->h->o.on_done(rq->h->o.ctx, rq->route ? rq->route->path : NULL, rs->status,
				 mono_ns() - rq->t0);
	return ret;
}

static unsigned method_bit(const char *m)
{
	if (!strcmp(m, "GET"))
		return GT_HTTP_GET;
	if (!strcmp(m, "POST"))
		return GT_HTTP_POST;
	if (!strcmp(m, "HEAD"))
		return GT_HTTP_HEAD;
	if (!strcmp(m, "PUT"))
		return GT_HTTP_PUT;
	if (!strcmp(m, "DELETE"))
		return GT_HTTP_DELETE;
	return 0;
}

/* Inflate rq->body (gzip or zlib, members concatenated) into rq->inflated. */
static void inflate_body(struct gt_http_req *rq)
{
	z_stream zs;
	int zr = Z_OK;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK) {
		refuse(rq, 500, "cannot start inflating the body");
		return;
	}
	zs.next_in = (Bytef *)rq->body.p;
	zs.avail_in = (uInt)rq->body.len;
	for (;;) {
		size_t left = rq->inflated.max - rq->inflated.len;
		size_t room = rq->inflated.cap > rq->inflated.len + 1 ? rq->inflated.cap - rq->inflated.len - 1 : 0;
		if (left == 0) {
			refuse(rq, 413, "inflated body is over the limit of %zu bytes", rq->inflated.max);
			break;
		}
		if (room == 0) {
			if (gt_buf_grow(&rq->inflated, GT_MIN(GT_MAX(rq->body.len * 4, (size_t)65536), left))) {
				refuse(rq, 500, "out of memory inflating the body");
				break;
			}
			room = rq->inflated.cap - rq->inflated.len - 1;
		}
		room = GT_MIN(room, left);
		zs.next_out = (Bytef *)rq->inflated.p + rq->inflated.len;
		zs.avail_out = (uInt)GT_MIN(room, (size_t)UINT32_MAX);
		zr = inflate(&zs, Z_NO_FLUSH);
		rq->inflated.len = (size_t)((char *)zs.next_out - rq->inflated.p);
		rq->inflated.p[rq->inflated.len] = 0;
		if (zr == Z_STREAM_END) {
			if (zs.avail_in == 0)
				break;
			/* another gzip member follows */
			if (inflateReset(&zs) != Z_OK) {
				refuse(rq, 400, "damaged compressed body");
				break;
			}
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && zs.avail_in == 0) {
			refuse(rq, 400, "truncated compressed body (%zu bytes read, stream not ended)",
			       rq->body.len);
			break;
		}
		if (zr == Z_BUF_ERROR)
			continue;
		refuse(rq, 400, "damaged compressed body: %s", zs.msg ? zs.msg : "inflate error");
		break;
	}
	inflateEnd(&zs);
	if (!rq->refuse)
		rq->use_inflated = true;
}

/* Content-Encoding: identity, gzip, x-gzip, deflate. */
static void check_encoding(struct gt_http_req *rq, bool *compressed)
{
	const char *ce = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);

	*compressed = false;
	if (!ce || !*ce || !strcasecmp(ce, "identity"))
		return;
	if (rq->h->o.passthrough_encoding && !strcasecmp(ce, rq->h->o.passthrough_encoding))
		return;
	if (!strcasecmp(ce, "gzip") || !strcasecmp(ce, "x-gzip") || !strcasecmp(ce, "deflate")) {
		*compressed = true;
		return;
	}
	refuse(rq, 415, "unsupported Content-Encoding '%.40s' (gzip, deflate or identity)", ce);
}

static void begin(struct gt_http *h, struct gt_http_req *rq, const char *url, const char *method)
{
	const union MHD_ConnectionInfo *ci;
	const char *cl;
	unsigned mb = method_bit(method);
	bool compressed, path_found = false;

	rq->t0 = mono_ns();
	rq->method = method;
	rq->path = url;
	gt_buf_init(&rq->body, h->o.max_body);
	gt_buf_init(&rq->inflated, h->o.max_body);
	gt_buf_init(&rq->form, h->o.max_body);
	ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	rq->conn_ctx = ci ? ci->socket_context : NULL;
	for (size_t i = 0; i < h->o.nroutes; i++) {
		const char *rp = h->o.routes[i].path;
		size_t rl = strlen(rp);
		if (rl && rp[rl - 1] == '/' ? strncmp(rp, url, rl) : strcmp(rp, url))
			continue;
		path_found = true;
		if (h->o.routes[i].methods & mb) {
			rq->route = &h->o.routes[i];
			break;
		}
	}
	if (atomic_load(&h->stopping)) {
		refuse(rq, 503, "the server is shutting down");
		return;
	}
	if (!rq->route) {
		if (path_found)
			refuse(rq, 405, "method %.16s not allowed on %.100s", method, url);
		else
			refuse(rq, 404, "no such endpoint: %.120s", url);
		return;
	}
	check_encoding(rq, &compressed);
	cl = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && !rq->refuse) {
		char *end;
		unsigned long long n;
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno || *end || n > h->o.max_body)
			refuse(rq, 413, "request body of %.30s bytes is over the limit of %zu bytes", cl,
			       h->o.max_body);
		else if (n && gt_buf_grow(&rq->body, (size_t)n))
			refuse(rq, 500, "out of memory for a body of %llu bytes", n);
	}
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_size,
				 void **con_cls)
{
	struct gt_http *h = cls;
	struct gt_http_req *rq = *con_cls;
	struct gt_http_resp rs;
	bool compressed = false;

	(void)version;
	if (!rq) {
		rq = gt_calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->h = h;
		rq->conn = conn;
		atomic_fetch_add(&h->inflight, 1);
		*con_cls = rq;
		begin(h, rq, url, method);
		/* Refuse an announced oversize body before the client sends it
		 * (no 100 Continue); MHD then closes the connection. */
		if (rq->refuse == 413 || rq->refuse == 503) {
			memset(&rs, 0, sizeof(rs));
			error_resp(h, &rs, rq->refuse, rq->refuse_msg);
			return send_resp(rq, &rs);
		}
		memset(&rs, 0, sizeof(rs));
		if (!rq->refuse && h->o.authorize && !h->o.authorize(h->o.ctx, rq, &rs)) {
			rq->refuse = rs.status;
			gt_buf_release(&rq->body);
			return send_resp(rq, &rs);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->refuse) {
			int rc = gt_buf_add(&rq->body, upload_data, *upload_size);
			if (rc == GT_ETOOBIG)
				refuse(rq, 413, "request body is over the limit of %zu bytes", h->o.max_body);
			else if (rc)
				refuse(rq, 500, "out of memory reading the body");
		}
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&rs, 0, sizeof(rs));
	if (!rq->refuse) {
		check_encoding(rq, &compressed);
		if (compressed && !rq->refuse)
			inflate_body(rq);
	}
	if (rq->refuse) {
		error_resp(h, &rs, rq->refuse, rq->refuse_msg);
	} else {
		rs.status = 200;
		rq->route->fn(h->o.ctx, rq, &rs);
	}
	if (rs.status >= 500)
		logf_(h, "%s %s: %d", method, url, rs.status);
	return send_resp(rq, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct gt_http *h = cls;
	struct gt_http_req *rq = *con_cls;

	(void)conn;
	if (!rq)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && toe != MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN &&
	    toe != MHD_REQUEST_TERMINATED_CLIENT_ABORT)
		logf_(h, "%s %s: request ended early (%s)", rq->method, rq->path,
		      toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" : "connection error");
	gt_buf_release(&rq->body);
	gt_buf_release(&rq->inflated);
	gt_buf_release(&rq->form);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&h->inflight, 1);
}

static void on_conn(void *cls, struct MHD_Connection *conn, void **socket_context,
		    enum MHD_ConnectionNotificationCode toe)
{
	struct gt_http *h = cls;

	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = h->o.conn_open ? h->o.conn_open(h->o.ctx) : NULL;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (h->o.conn_close && *socket_context)
			h->o.conn_close(h->o.ctx, *socket_context);
		*socket_context = NULL;
	}
}

/* Bind and listen on "HOST:PORT" / "[V6]:PORT"; returns the fd. */
static int listen_on(struct gt_http *h, const char *addr, struct gt_err *err)
{
	char host[256], port[16], numhost[INET6_ADDRSTRLEN], numport[16];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t hl;
	int fd = -1, one = 1, rc;

	if (!colon || colon == addr || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(port))
		return gt_errf(err, GT_EINVAL, "bad address '%s' (HOST:PORT)", addr);
	hl = (size_t)(colon - addr);
	if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
		addr++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return gt_errf(err, GT_EINVAL, "bad address '%s' (HOST:PORT)", addr);
	memcpy(host, addr, hl);
	host[hl] = 0;
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (strspn(port, "0123456789") != strlen(port) || strtol(port, NULL, 10) > 65535)
		return gt_errf(err, GT_EINVAL, "bad port in '%s' (0 to 65535)", addr);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai)))
		return gt_errf(err, GT_EINVAL, "bad address '%s': %s", addr, gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = gt_errf(err, GT_EIO, "cannot create a socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
		rc = gt_errf(err, errno == EADDRINUSE ? GT_EAGAIN : GT_EIO, "cannot listen on '%s': %s", addr,
			     strerror(errno));
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) ||
	    getnameinfo((struct sockaddr *)&ss, sl, numhost, sizeof(numhost), numport, sizeof(numport),
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		rc = gt_errf(err, GT_EIO, "cannot read the bound address: %s", strerror(errno));
		goto out;
	}
	snprintf(h->addr, sizeof(h->addr), ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", numhost, numport);
	rc = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

int gt_http_start(struct gt_http **out, const struct gt_http_opts *o, struct gt_err *err)
{
	struct gt_http *h;
	int fd;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC;

	*out = NULL;
	if (!(h = gt_calloc(1, sizeof(*h))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	h->o = *o;
	if (!h->o.addr)
		h->o.addr = "127.0.0.1:4000";
	if (!h->o.max_body)
		h->o.max_body = GT_HTTP_MAX_BODY_DEFAULT;
	if (!h->o.timeout_s)
		h->o.timeout_s = 60;
	if (!h->o.max_conns)
		h->o.max_conns = 512;
	if (!h->o.drain_ms)
		h->o.drain_ms = 30000;
	if ((fd = listen_on(h, h->o.addr, err)) < 0) {
		free(h);
		return fd;
	}
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_access, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, h,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)h->o.timeout_s,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)h->o.max_conns,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_NOTIFY_CONNECTION, on_conn, h,
				MHD_OPTION_END);
	if (!h->d) {
		close(fd);
		free(h);
		return gt_errf(err, GT_EIO, "cannot start the HTTP server on '%s'", o->addr);
	}
	*out = h;
	return 0;
}

const char *gt_http_addr(const struct gt_http *h)
{
	return h->addr;
}

void gt_http_stop(struct gt_http *h)
{
	MHD_socket fd;
	int64_t deadline;

	if (!h)
		return;
	atomic_store(&h->stopping, true);
	fd = MHD_quiesce_daemon(h->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/* Requests already started finish and get their answers; idle
	 * keep-alive connections are closed by MHD_stop_daemon. */
	deadline = mono_ns() + (int64_t)h->o.drain_ms * 1000000;
	while (atomic_load(&h->inflight) > 0 && mono_ns() < deadline) {
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&h->inflight) > 0)
		logf_(h, "stopping with %d requests still in flight", atomic_load(&h->inflight));
	MHD_stop_daemon(h->d);
	free(h);
}

const char *gt_http_method(const struct gt_http_req *rq)
{
	return rq->method;
}

const char *gt_http_path(const struct gt_http_req *rq)
{
	return rq->path;
}

void *gt_http_conn(const struct gt_http_req *rq)
{
	return rq->conn_ctx;
}

char *gt_http_body(struct gt_http_req *rq, size_t *len)
{
	struct gt_buf *b = rq->use_inflated ? &rq->inflated : &rq->body;
	*len = b->len;
	return b->p ? b->p : (char *)"";
}

const char *gt_http_header(const struct gt_http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX and '+' in place; returns the new length.  %00 stays as
 * written, so that a decoded key or value never holds a NUL. */
static size_t form_unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < n) {
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi >= 0 && lo >= 0 && (hi | lo)) {
				c = (char)(hi << 4 | lo);
				i += 2;
			}
		}
		s[o++] = c;
	}
	return o;
}

static void parse_form(struct gt_http_req *rq)
{
	const char *ct = gt_http_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t len, i = 0;
	char *body;

	rq->form_parsed = true;
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33))
		return;
	body = gt_http_body(rq, &len);
	while (i < len) {
		size_t end = i, eq, kl, vl;
		while (end < len && body[end] != '&')
			end++;
		eq = i;
		while (eq < end && body[eq] != '=')
			eq++;
		kl = eq - i;
		vl = eq < end ? end - eq - 1 : 0;
		/* decode into the form buffer: key NUL value NUL */
		if (kl && !gt_buf_grow(&rq->form, kl + vl + 2)) {
			char *k = rq->form.p + rq->form.len;
			memcpy(k, body + i, kl);
			kl = form_unescape(k, kl);
			k[kl] = 0;
			memcpy(k + kl + 1, body + eq + 1, vl);
			vl = form_unescape(k + kl + 1, vl);
			k[kl + 1 + vl] = 0;
			rq->form.len += kl + vl + 2;
			rq->form.p[rq->form.len] = 0;
		}
		i = end + 1;
	}
}

const char *gt_http_query_arg(const struct gt_http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *gt_http_arg(struct gt_http_req *rq, const char *name)
{
	const char *v = gt_http_query_arg(rq, name);
	const char *p, *end;

	if (v)
		return v;
	if (!rq->form_parsed)
		parse_form(rq);
	for (p = rq->form.p, end = p ? p + rq->form.len : NULL; p && p < end;) {
		const char *val = p + strlen(p) + 1;
		if (!strcmp(p, name))
			return val;
		p = val + strlen(val) + 1;
	}
	return NULL;
}

struct arg_all {
	const char *name;
	const char **vals;
	size_t max, n;
};

static enum MHD_Result arg_all_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct arg_all *a = cls;

	(void)kind;
	if (key && !strcmp(key, a->name)) {
		if (a->n < a->max)
			a->vals[a->n] = value ? value : "";
		a->n++;
	}
	return MHD_YES;
}

size_t gt_http_arg_all(struct gt_http_req *rq, const char *name, const char **vals, size_t max)
{
	struct arg_all a = {name, vals, max, 0};
	const char *p, *end;

	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, arg_all_it, &a);
	if (!rq->form_parsed)
		parse_form(rq);
	for (p = rq->form.p, end = p ? p + rq->form.len : NULL; p && p < end;) {
		const char *val = p + strlen(p) + 1;
		arg_all_it(&a, MHD_GET_ARGUMENT_KIND, p, val);
		p = val + strlen(val) + 1;
	}
	return a.n;
}

void gt_http_resp_header(struct gt_http_resp *rs, const char *name, const char *value)
{
	if (rs->nheaders < GT_HTTP_MAX_HEADERS) {
		rs->headers[rs->nheaders][0] = name;
		rs->headers[rs->nheaders][1] = value;
		rs->nheaders++;
	}
}
