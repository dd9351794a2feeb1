/*
 * http.h - a small HTTP/1.1 server over libmicrohttpd: a route table,
 * request bodies accumulated into one buffer under a ceiling, gzip and
 * deflate bodies inflated under the same ceiling, query-string and
 * urlencoded-form arguments, and a graceful stop.
 *
 * Threads: one thread per connection (libmicrohttpd's
 * MHD_USE_THREAD_PER_CONNECTION), so a handler may block (a WAL fsync)
 * without stalling other clients, and every connection's requests run
 * one after the other in its own thread.  A connection context
 * (conn_open/conn_close) is therefore used by one thread at a time: the
 * place for per-thread state such as a line-protocol ingester.
 * Keep-alive is on; idle and slow connections are closed after
 * timeout_s seconds of inactivity.
 *
 * A request's life: headers arrive -> a body over max_body is refused
 * with 413 as soon as its Content-Length or its bytes show it (the rest
 * of the body is read and dropped, so the connection stays usable) ->
 * the body is inflated if Content-Encoding says gzip/deflate (passed as
 * is if it says passthrough_encoding; 415 for an unknown encoding, 400
 * for a damaged or truncated stream, 413 if the inflated body is over
 * max_body) -> the route's handler fills a
 * response -> on_done sees the route, status and latency (metrics).
 * A client that goes away mid-request costs nothing more than its buffer,
 * freed when libmicrohttpd reports the request complete.
 *
 * Stop: gt_http_stop() stops accepting, answers 503 to requests that
 * start after it, waits for the requests in flight to finish (up to
 * drain_ms), then closes every connection and joins the threads.
 *
 * The library never prints: messages go to log (one line each).
 */
#ifndef GT_HTTP_H
#define GT_HTTP_H

#include <stdbool.h>
#include "buf.h"

#define GT_HTTP_MAX_BODY_DEFAULT ((size_t)64 << 20)
#define GT_HTTP_MAX_HEADERS 8

struct gt_http;
struct gt_http_req;

struct gt_http_resp {
	int status;                 /* HTTP status; 200 unless the handler sets it */
	const char *ctype;          /* Content-Type (static string), or NULL for none */
	struct gt_buf body;         /* handed to libmicrohttpd without a copy */
	unsigned nheaders;
	const char *headers[GT_HTTP_MAX_HEADERS][2];  /* extra headers (static strings) */
};

/* A handler: fill rs (status, type, body).  Runs in the connection's thread. */
typedef void (*gt_http_fn)(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs);

enum gt_http_method { GT_HTTP_GET = 1, GT_HTTP_POST = 2, GT_HTTP_HEAD = 4, GT_HTTP_PUT = 8, GT_HTTP_DELETE = 16 };

struct gt_http_route {
	/* Exact match, without the query string; a path ending in '/' matches
	 * every path that starts with it ("/v1/kv/" serves "/v1/kv/a/b"). */
	const char *path;
	unsigned methods;           /* enum gt_http_method bits */
	gt_http_fn fn;
};

struct gt_http_opts {
	const char *addr;           /* "HOST:PORT" or "[V6]:PORT"; port 0 = any free port */
	size_t max_body;            /* request body ceiling, before and after inflating; 0 = 64 MiB */
	unsigned timeout_s;         /* idle/slow connection timeout; 0 = 60 s */
	unsigned max_conns;         /* 0 = 512 */
	unsigned drain_ms;          /* how long stop waits for requests in flight; 0 = 30 s */
	const struct gt_http_route *routes;
	size_t nroutes;
	void *ctx;                  /* passed to every callback */
	/* Per-connection state, created when a connection opens (may be NULL). */
	void *(*conn_open)(void *ctx);
	void (*conn_close)(void *ctx, void *conn);
	/* Error bodies for what the server itself refuses (404, 405, 413,
	 * 415, 400 bad encoding, 503): fill rs->body and rs->ctype.  NULL =
	 * a text/plain body of msg. */
	void (*error_body)(void *ctx, struct gt_http_resp *rs, const char *msg);
	/* Once a routed request's headers have arrived, before its body is
	 * read: return true to go on, or fill rs (status, body, headers) and
	 * return false to answer with it instead of the handler (the body is
	 * not read, the connection is closed after).  May use gt_http_header
	 * and gt_http_query_arg, not gt_http_arg or gt_http_body.  NULL = all pass. */
	bool (*authorize)(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs);
	/* After every response: route path (or NULL when none matched), status, latency. */
	void (*on_done)(void *ctx, const char *route, int status, int64_t elapsed_ns);
	void (*log)(void *ctx, const char *msg);
	/* A Content-Encoding handed to the handlers undecoded (the handler
	 * checks the header): "snappy" for Prometheus's remote write and
	 * read.  NULL = none. */
	const char *passthrough_encoding;
};

/* Listen and start serving.  GT_EIO with err naming the address if the bind fails. */
int gt_http_start(struct gt_http **out, const struct gt_http_opts *o, struct gt_err *err);
/* The address actually bound, "HOST:PORT" (useful with port 0). */
const char *gt_http_addr(const struct gt_http *h);
/* Graceful stop (see above), then free.  NULL is a no-op. */
void gt_http_stop(struct gt_http *h);

/* --- inside a handler --- */

const char *gt_http_method(const struct gt_http_req *rq);
const char *gt_http_path(const struct gt_http_req *rq);
/* The connection's context from conn_open. */
void *gt_http_conn(const struct gt_http_req *rq);
/* The body, inflated; writable, NUL-terminated; valid until the handler returns. */
char *gt_http_body(struct gt_http_req *rq, size_t *len);
/* A request header (case-insensitive name), or NULL. */
const char *gt_http_header(const struct gt_http_req *rq, const char *name);
/*
 * An argument: from the query string first, then from an
 * application/x-www-form-urlencoded body ('+' and %XX decoded).  NULL if
 * absent.  Valid until the handler returns.
 */
const char *gt_http_arg(struct gt_http_req *rq, const char *name);
/*
 * Every value of a repeated argument ("match[]=a&match[]=b"): those of
 * the query string, then those of an urlencoded body, in order, at most
 * max of them into vals.  Returns how many there are (may exceed max).
 * Valid until the handler returns.
 */
size_t gt_http_arg_all(struct gt_http_req *rq, const char *name, const char **vals, size_t max);
/* An argument of the query string only ('+' and %XX decoded), or NULL. */
const char *gt_http_query_arg(const struct gt_http_req *rq, const char *name);

/* Response helpers. */
void gt_http_resp_header(struct gt_http_resp *rs, const char *name, const char *value);

#endif
