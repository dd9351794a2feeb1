/*
 * front.h - the frontend's HTTP surface over a database (db.h): what
 * `gt-front --standalone` serves.
 *
 *   GET  /health                               200 {}
 *   GET  /metrics                              Prometheus text (metrics.h)
 *   GET|POST /v1/sql?db=D&sql=S                SQL (sql.h) as GreptimeDB's JSON (sqljson.h);
 *                                              sql and db also from an urlencoded form body
 *   POST /v1/influxdb/write?db=D&precision=P   line protocol (ingest.h), 204
 *   POST /v1/influxdb/api/v2/write?bucket=D&precision=P
 *   POST /write, /api/v2/write                 the same at the root (influx CLI, Telegraf)
 *   GET|HEAD /ping, /v1/influxdb/ping          204 with X-Influxdb-Version
 *   GET|POST /query?q=...                      InfluxDB 1.x: CREATE DATABASE, SHOW DATABASES only
 *   GET|POST /v1/prometheus/api/v1/...         Prometheus's query API (promapi.h): query,
 *                                              query_range, series, labels, label/N/values
 *   POST /v1/prometheus/write?db=D             Prometheus remote write 1.0 (promwrite.h), 204
 *
 * With users (opts.auth), every endpoint but /health wants credentials,
 * as GreptimeDB asks for them: "Authorization: Basic base64(user:pw)";
 * on the InfluxDB endpoints also "Authorization: Token user:pw" or the
 * u= and p= query arguments.  A request without them, or with wrong
 * ones, is answered 401 with "WWW-Authenticate: Basic realm=..." and
 * GreptimeDB's error (7003 no credentials, 7004 a malformed header,
 * 7000 unknown user, 7002 wrong password) before its body is read.
 * A refusal is logged with the user name, never the password.
 *
 * Errors are GreptimeDB's JSON (the Prometheus API's are Prometheus's), {"code":N,"error":"...","execution_time_ms":N}
 * with the HTTP status gt_status_http(N) gives; a line-protocol error
 * names the line and column.  /query answers in InfluxDB's shape.
 *
 * A write request is all or nothing: every line is parsed (in the
 * thread that received the request, with that connection's own
 * ingester) and checked before anything is written, and 204 is sent
 * only once the rows are durable under the WAL's sync policy.  There is
 * no lock around ingest: concurrent requests write concurrently.
 *
 * Everything goes through the db and its seams; the db is borrowed and
 * must outlive the frontend.  gt_front_stop() stops serving gracefully
 * (see http.h) but does not close the db.
 */
#ifndef GT_FRONT_H
#define GT_FRONT_H

#include "auth.h"
#include "db.h"

struct gt_front;

struct gt_front_opts {
	struct gt_db *db;              /* borrowed */
	const struct gt_auth *auth;    /* borrowed; NULL = open access (auth.h) */
	const char *http_addr;         /* "HOST:PORT"; NULL = 127.0.0.1:4000; port 0 = any */
	size_t max_body;               /* request body ceiling (also inflated); 0 = 64 MiB */
	unsigned timeout_s;            /* idle/slow client timeout; 0 = 60 s */
	void (*log)(void *ctx, const char *msg);  /* one line per event, or NULL */
	void *log_ctx;
};

int gt_front_start(struct gt_front **out, const struct gt_front_opts *o, struct gt_err *err);
/* The HTTP address bound, "HOST:PORT". */
const char *gt_front_http_addr(const struct gt_front *f);
/* Stop accepting, finish requests in flight, free.  NULL is a no-op. */
void gt_front_stop(struct gt_front *f);

#endif
