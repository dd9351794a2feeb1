/*
 * front.c - the frontend's HTTP handlers (front.h) over http.h.
 *
 * Per connection (one thread each, http.h) the frontend keeps a line
 * protocol ingester, so its reusable buffers and table lookups survive
 * across the requests of a keep-alive connection and no two threads
 * ever share one.  Metrics are updated with atomics (metrics.h); the
 * engine's gauges are read from the regions when /metrics is scraped.
 */
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <pthread.h>
#include <strings.h>

#include "front.h"
#include "http.h"
#include "ingest.h"
#include "timeutil.h"
#include "lp.h"
#include "metrics.h"
#include "promapi.h"
#include "promstore.h"
#include "promwrite.h"
#include "sql.h"
#include "sqlarrow.h"
#include "sqljson.h"

/* The InfluxDB version /ping reports: what clients expect of a 1.x server. */
#define INFLUX_VERSION "1.8.10"

struct gt_front {
	struct gt_db *db;
	const struct gt_auth *auth;
	struct gt_http *http;
	struct gt_metrics *m;
	struct gt_metric *rows, *write_reqs;
	struct gt_metric *prom_samples, *prom_reqs;
	size_t max_body;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

struct conn {
	struct gt_ingest in;
	struct gt_prom_scratch prom;
};

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static void flog(struct gt_front *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void flog(struct gt_front *f, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!f->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->log(f->log_ctx, msg);
}

static int64_t elapsed_ms(int64_t t0)
{
	return (gt_mono_ns() - t0) / 1000000;
}

/* GreptimeDB's error body with the HTTP status its code maps to. */
static void gerror(struct gt_http_resp *rs, int status, const char *msg, int64_t t0)
{
	rs->status = gt_status_http(status);
	rs->ctype = "application/json";
	gt_buf_reset(&rs->body);
	gt_sqljson_error(status, msg, t0 ? elapsed_ms(t0) : 0, &rs->body);
}

/* A library error code as GreptimeDB's status. */
static int status_of(int code)
{
	switch (code) {
	case GT_EINVAL:
	case GT_ETOOBIG:
	case GT_EEXIST:
		return GT_STATUS_INVALID_ARGUMENTS;
	case GT_ENOTFOUND:
		return GT_STATUS_DATABASE_NOT_FOUND;
	case GT_ENOMEM:
		return GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED;
	case GT_EUNSUPP:
		return GT_STATUS_UNSUPPORTED;
	case GT_EIO:
	case GT_ECLOSED:
	case GT_ELOCKED:
		return GT_STATUS_STORAGE_UNAVAILABLE;
	default:
		return GT_STATUS_INTERNAL;
	}
}

/* http.h's own refusals (404, 413, 415 ...) in GreptimeDB's shape, keeping
 * the HTTP status http.c chose. */
static void error_body(void *ctx, struct gt_http_resp *rs, const char *msg)
{
	(void)ctx;
	rs->ctype = "application/json";
	gt_sqljson_error(rs->status == 503 ? GT_STATUS_STORAGE_UNAVAILABLE : GT_STATUS_INVALID_ARGUMENTS, msg, 0,
			 &rs->body);
}

static void on_done(void *ctx, const char *route, int status, int64_t ns)
{
	struct gt_front *f = ctx;
	char labels[160];

	snprintf(labels, sizeof(labels), "endpoint=\"%s\",code=\"%d\"", route ? route : "other", status);
	gt_metric_add(gt_metrics_counter(f->m, "gt_http_requests_total",
					 "HTTP requests answered, by endpoint and status code", labels),
		      1);
	snprintf(labels, sizeof(labels), "endpoint=\"%s\"", route ? route : "other");
	gt_metric_observe(gt_metrics_histogram(f->m, "gt_http_request_duration_seconds",
					       "HTTP request latency, from the headers to the response",
					       labels, latency_bounds, GT_ARRAY_LEN(latency_bounds)),
			  (double)ns / 1e9);
}

static void http_log(void *ctx, const char *msg)
{
	struct gt_front *f = ctx;
	if (f->log)
		f->log(f->log_ctx, msg);
}

static void *conn_open(void *ctx)
{
	struct gt_front *f = ctx;
	struct conn *c = gt_calloc(1, sizeof(*c));

	if (c)
		gt_ingest_init(&c->in, f->db);
	return c;
}

static void conn_close(void *ctx, void *p)
{
	struct conn *c = p;

	(void)ctx;
	gt_ingest_release(&c->in);
	gt_prom_scratch_release(&c->prom);
	free(c);
}

/* "greptime-public" (catalog-schema, as GreptimeDB accepts) is "public". */
static const char *db_arg(struct gt_http_req *rq, const char *name)
{
	const char *db = gt_http_arg(rq, name);

	if (!db || !*db)
		return NULL;
	if (!strncmp(db, "greptime-", 9) && db[9])
		return db + 9;
	return db;
}

static void h_health(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	(void)ctx;
	(void)rq;
	rs->status = 200;
	rs->ctype = "application/json";
	gt_buf_addstr(&rs->body, "{}");
}

static void h_ping(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	(void)ctx;
	(void)rq;
	rs->status = 204;
	gt_http_resp_header(rs, "X-Influxdb-Version", INFLUX_VERSION);
	gt_http_resp_header(rs, "X-Influxdb-Build", "OSS");
}

/* http.c hands snappy bodies over as sent (gt_http_opts.passthrough_encoding). */
static bool snappy_body(struct gt_http_req *rq)
{
	const char *ce = gt_http_header(rq, "Content-Encoding");
	return ce && !strcasecmp(ce, "snappy");
}

/* A failed write as GreptimeDB's error; a client's mistake is 400. */
static void write_error(struct gt_front *f, struct gt_http_resp *rs, const char *db, int rc, struct gt_err *err,
			int64_t t0)
{
	int st = status_of(rc);
	if (rc == GT_ENOTFOUND)
		snprintf(err->msg, sizeof(err->msg), "Database not found: %.255s", db);
	else if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s", gt_strerror(rc));
	if (st >= GT_STATUS_STORAGE_UNAVAILABLE || rc == GT_ENOMEM)
		flog(f, "write to '%s': %s", db, err->msg);
	gerror(rs, st, err->msg, t0);
}

static void write_common(struct gt_front *f, struct gt_http_req *rq, struct gt_http_resp *rs, bool v2)
{
	struct conn *c = gt_http_conn(rq);
	struct gt_ingest tmp;
	struct gt_ingest *in;
	struct gt_err err = {0};
	const char *db, *prec;
	int64_t t0 = gt_mono_ns();
	int precision = GT_UNIT_NS, rc;
	uint64_t rows = 0;
	size_t len;
	char *body;

	db = v2 ? db_arg(rq, "bucket") : NULL;
	if (!db)
		db = db_arg(rq, "db");
	if (!db)
		db = GT_DEFAULT_DB;
	prec = gt_http_arg(rq, "precision");
	if (prec && *prec && (precision = gt_lp_precision(prec)) < 0) {
		snprintf(err.msg, sizeof(err.msg), "unknown precision '%.40s' (ns, us, ms, s)", prec);
		gerror(rs, GT_STATUS_INVALID_ARGUMENTS, err.msg, t0);
		return;
	}
	if (gt_check_name("database", db, &err)) {
		gerror(rs, GT_STATUS_INVALID_ARGUMENTS, err.msg, t0);
		return;
	}
	if (snappy_body(rq)) {
		rs->status = 415;
		error_body(f, rs, "unsupported Content-Encoding 'snappy' for line protocol (gzip, deflate or identity)");
		return;
	}
	body = gt_http_body(rq, &len);
	in = c ? &c->in : &tmp;
	if (!c)
		gt_ingest_init(&tmp, f->db);
	rc = gt_ingest_parse(in, body, len, precision, 1, &err);
	/* commits run in parallel: the engine makes a region's creation and a
	 * concurrent open of it wait for each other */
	if (!rc)
		rc = gt_ingest_commit(in, db, &rows, &err);
	if (!c)
		gt_ingest_release(&tmp);
	gt_metric_add(f->write_reqs, 1);
	if (rc) {
		write_error(f, rs, db, rc, &err, t0);
		return;
	}
	gt_metric_add(f->rows, rows);
	rs->status = 204;
}

static void h_write(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	write_common(ctx, rq, rs, false);
}

static void h_write_v2(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	write_common(ctx, rq, rs, true);
}

/*
 * Prometheus remote write: a snappy-compressed WriteRequest (the body
 * is snappy whether or not Content-Encoding says so, as the protocol
 * has it).  All or nothing, 204 once written.
 */
static void h_prom_write(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_front *f = ctx;
	struct conn *c = gt_http_conn(rq), tmp;
	struct gt_err err = {0};
	const char *db = db_arg(rq, "db"), *ce = gt_http_header(rq, "Content-Encoding");
	int64_t t0 = gt_mono_ns();
	uint64_t samples = 0, rows = 0;
	size_t len, rawlen = 0;
	char *body;
	int rc;

	if (!db)
		db = GT_DEFAULT_DB;
	if (ce && *ce && strcasecmp(ce, "snappy") && strcasecmp(ce, "identity")) {
		rs->status = 415;
		snprintf(err.msg, sizeof(err.msg), "unsupported Content-Encoding '%.40s' (remote write is snappy)", ce);
		error_body(f, rs, err.msg);
		return;
	}
	if (gt_check_name("database", db, &err)) {
		gerror(rs, GT_STATUS_INVALID_ARGUMENTS, err.msg, t0);
		return;
	}
	if (!c) {
		memset(&tmp, 0, sizeof(tmp));
		gt_ingest_init(&tmp.in, f->db);
		c = &tmp;
	}
	body = gt_http_body(rq, &len);
	rc = gt_snappy_decode(&c->prom, body, len, f->max_body, &rawlen, &err);
	if (!rc)
		rc = gt_promwrite_parse(&c->in, &c->prom, c->prom.raw, rawlen, &samples, &err);
	if (!rc)
		rc = gt_ingest_commit(&c->in, db, &rows, &err);
	if (c == &tmp) {
		gt_ingest_release(&tmp.in);
		gt_prom_scratch_release(&tmp.prom);
	}
	gt_metric_add(f->prom_reqs, 1);
	if (rc) {
		write_error(f, rs, db, rc, &err, t0);
		return;
	}
	gt_metric_add(f->prom_samples, samples);
	rs->status = 204;
}

/* Prometheus remote read: a snappy ReadRequest in, a snappy ReadResponse (samples) out. */
static void h_prom_read(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_front *f = ctx;
	struct conn *c = gt_http_conn(rq), tmp;
	struct gt_err err = {0};
	const char *db = db_arg(rq, "db");
	struct gt_promstore ps;
	struct gt_pq_source src;
	struct gt_buf pb = {0};
	int64_t t0 = gt_mono_ns();
	size_t len, rawlen = 0;
	char *body;
	int rc;

	if (!db)
		db = GT_DEFAULT_DB;
	if (gt_check_name("database", db, &err)) {
		gerror(rs, GT_STATUS_INVALID_ARGUMENTS, err.msg, t0);
		return;
	}
	if (!f->db->mc.ops->has_db(f->db->mc.self, db)) {
		write_error(f, rs, db, GT_ENOTFOUND, &err, t0);
		return;
	}
	if (!c) {
		memset(&tmp, 0, sizeof(tmp));
		c = &tmp;
	}
	body = gt_http_body(rq, &len);
	gt_promstore_init(&ps, f->db, db);
	gt_promstore_source(&ps, &src);
	rc = gt_snappy_decode(&c->prom, body, len, f->max_body, &rawlen, &err);
	if (!rc)
		rc = gt_promread(&src, &c->prom, c->prom.raw, rawlen, &pb, &err);
	if (!rc) {
		gt_buf_reset(&rs->body);
		rc = gt_snappy_encode(pb.p ? pb.p : "", pb.len, &rs->body, &err);
	}
	gt_buf_release(&pb);
	if (c == &tmp)
		gt_prom_scratch_release(&tmp.prom);
	if (rc) {
		write_error(f, rs, db, rc, &err, t0);
		return;
	}
	rs->status = 200;
	rs->ctype = "application/x-protobuf";
	gt_http_resp_header(rs, "Content-Encoding", "snappy");
}

static void h_sql(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_front *f = ctx;
	struct gt_sql_session s;
	struct gt_sql_result res = {0};
	struct gt_sql_error e;
	const char *sql = gt_http_arg(rq, "sql");
	const char *db = db_arg(rq, "db");
	int64_t t0 = gt_mono_ns();
	int rc;

	memset(&e, 0, sizeof(e));
	if (!sql || !*sql) {
		gerror(rs, GT_STATUS_INVALID_ARGUMENTS, "sql parameter is required.", t0);
		return;
	}
	if (db && strcmp(db, "information_schema") && !f->db->mc.ops->has_db(f->db->mc.self, db)) {
		snprintf(e.msg, sizeof(e.msg), "Database not found: %.255s", db);
		gerror(rs, GT_STATUS_DATABASE_NOT_FOUND, e.msg, t0);
		return;
	}
	gt_sql_session_init(&s, f->db, db ? db : GT_DEFAULT_DB);
	/* GreptimeDB's session time zone over HTTP, as its clients send it. */
	const char *tz = gt_http_header(rq, "x-greptime-timezone");
	int32_t off;
	if (tz && (strlen(tz) >= sizeof(s.time_zone) || gt_tz_offset(tz, 0, &off) < 0)) {
		snprintf(e.msg, sizeof(e.msg), "Invalid timezone: %.200s", tz);
		gerror(rs, GT_STATUS_INVALID_ARGUMENTS, e.msg, t0);
		return;
	}
	if (tz)
		snprintf(s.time_zone, sizeof(s.time_zone), "%s", tz);
	rc = gt_sql_exec(&s, sql, strlen(sql), &res, &e);
	const char *format = gt_http_arg(rq, "format");
	if (rc) {
		gerror(rs, e.status ? e.status : status_of(rc), e.msg[0] ? e.msg : gt_strerror(rc), t0);
	} else if (format && strcmp(format, "arrow") == 0) {
		/* GreptimeDB's Arrow answer: one statement's records as an IPC file, an empty body for
		 * a count of rows (sqlarrow.h) */
		rs->status = 200;
		rs->ctype = "application/arrow";
		gt_buf_reset(&rs->body);
		if (res.n > 1)
			gerror(rs, GT_STATUS_INVALID_ARGUMENTS, "cannot output multi-statements result in arrow format", t0);
		else if (res.n == 1 && res.outs[0].kind == GT_SQL_RECORDS && (rc = gt_sqlarrow_encode(&res.outs[0], &rs->body)))
			gerror(rs, rc == GT_ETOOBIG ? GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED : GT_STATUS_INTERNAL,
			       "cannot encode the result", t0);
	} else {
		rs->status = 200;
		rs->ctype = "application/json";
		if ((rc = gt_sqljson_encode(&res, elapsed_ms(t0), &rs->body)))
			gerror(rs, rc == GT_ETOOBIG ? GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED : GT_STATUS_INTERNAL,
			       "cannot encode the result", t0);
	}
	gt_sql_result_release(&res);
}

/* The Prometheus query API (promapi.h) over the tables of ?db=. */
static void h_prom_api(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_front *f = ctx;

	gt_promapi_serve(f->db, db_arg(rq, "db"), rq, rs);
}

/* InfluxDB 1.x error body: {"error":"..."} with a 400. */
static void influx_error(struct gt_http_resp *rs, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	rs->status = 400;
	rs->ctype = "application/json";
	gt_buf_reset(&rs->body);
	if (text)
		gt_buf_addstr(&rs->body, text);
	free(text);
	json_decref(j);
}

/* Next word of s (letters, digits, '_', or a "quoted" name); advances *s. */
static size_t next_word(const char **s, const char **w)
{
	const char *p = *s;
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	*w = p;
	if (*p == '"') {
		const char *q = strchr(p + 1, '"');
		if (!q)
			return 0;
		*w = p + 1;
		*s = q + 1;
		return (size_t)(q - p - 1);
	}
	while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n' && p[n] != '\r' && p[n] != ';')
		n++;
	*s = p + n;
	return n;
}

static bool word_is(const char *w, size_t n, const char *kw)
{
	return n == strlen(kw) && !strncasecmp(w, kw, n);
}

/* One /query statement into results[]; 0, or -1 with msg set. */
static int influx_stmt(struct gt_front *f, const char *stmt, json_t *result, char *msg, size_t msz)
{
	const char *p = stmt, *w1, *w2, *w3, *w4;
	size_t n1 = next_word(&p, &w1), n2 = next_word(&p, &w2), n3 = next_word(&p, &w3);
	size_t n4 = next_word(&p, &w4);
	struct gt_err err = {0};

	(void)w4;
	if (word_is(w1, n1, "SHOW") && word_is(w2, n2, "DATABASES") && !n3) {
		char **names = NULL;
		json_t *vals = json_array(), *series;
		if (f->db->mc.ops->list_dbs(f->db->mc.self, &names) < 0) {
			json_decref(vals);
			snprintf(msg, msz, "cannot list databases");
			return -1;
		}
		for (char **n = names; n && *n; n++)
			json_array_append_new(vals, json_pack("[s]", *n));
		gt_strv_free(names);
		series = json_pack("[{s:s,s:[s],s:o}]", "name", "databases", "columns", "name", "values", vals);
		json_object_set_new(result, "series", series);
		return 0;
	}
	if (word_is(w1, n1, "CREATE") && word_is(w2, n2, "DATABASE") && n3 && !n4) {
		char name[GT_NAME_MAX + 1];
		if (n3 > GT_NAME_MAX) {
			snprintf(msg, msz, "database name is longer than %d bytes", GT_NAME_MAX);
			return -1;
		}
		memcpy(name, w3, n3);
		name[n3] = 0;
		/* 1 = created, 0 = it existed (InfluxDB's CREATE DATABASE is idempotent) */
		if (gt_check_name("database", name, &err) ||
		    f->db->mc.ops->create_db(f->db->mc.self, name, true, &err) < 0) {
			snprintf(msg, msz, "%s", err.msg);
			return -1;
		}
		flog(f, "created database '%s'", name);
		return 0;
	}
	snprintf(msg, msz, "error parsing query: gt serves only CREATE DATABASE and SHOW DATABASES here "
		 "(use /v1/sql): %.200s", stmt);
	return -1;
}

static void h_query(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_front *f = ctx;
	const char *q = gt_http_arg(rq, "q");
	json_t *results, *doc;
	char *text, *copy, *stmt, *save = NULL;
	char msg[512];
	int id = 0;

	if (!q || !*q) {
		influx_error(rs, "missing required parameter \"q\"");
		return;
	}
	if (!(copy = gt_strdup(q))) {
		influx_error(rs, "out of memory");
		return;
	}
	results = json_array();
	for (stmt = strtok_r(copy, ";", &save); stmt; stmt = strtok_r(NULL, ";", &save)) {
		const char *p = stmt, *w;
		json_t *r;
		if (!next_word(&p, &w))
			continue;
		r = json_pack("{s:i}", "statement_id", id++);
		if (influx_stmt(f, stmt, r, msg, sizeof(msg))) {
			json_decref(r);
			json_decref(results);
			free(copy);
			influx_error(rs, msg);
			return;
		}
		json_array_append_new(results, r);
	}
	free(copy);
	doc = json_pack("{s:o}", "results", results);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text) {
		influx_error(rs, "out of memory");
		return;
	}
	rs->status = 200;
	rs->ctype = "application/json";
	gt_buf_addstr(&rs->body, text);
	free(text);
}

struct engine_sum {
	struct gt_region_stats s;
	uint64_t regions;
};

static int add_region(void *ctx, struct gt_region *r)
{
	struct engine_sum *sum = ctx;
	struct gt_region_stats st;

	gt_region_stats(r, &st);
	sum->regions++;
	sum->s.memtable_bytes += st.memtable_bytes;
	sum->s.files += st.files;
	sum->s.file_bytes += st.file_bytes;
	sum->s.flushes += st.flushes;
	sum->s.compactions += st.compactions;
	sum->s.wal_bytes += st.wal_bytes;
	return 0;
}

static void h_metrics(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_front *f = ctx;
	struct engine_sum sum;
	static const struct {
		const char *name, *help;
		size_t off;
	} gauges[] = {
		{"gt_memtable_bytes", "Bytes in the memtables of the open regions",
		 offsetof(struct gt_region_stats, memtable_bytes)},
		{"gt_wal_bytes", "Bytes of WAL not yet obsolete, over the open regions",
		 offsetof(struct gt_region_stats, wal_bytes)},
		{"gt_sst_files", "SST files of the open regions", offsetof(struct gt_region_stats, files)},
		{"gt_sst_bytes", "Bytes of SST files of the open regions", offsetof(struct gt_region_stats, file_bytes)},
		{"gt_region_flushes", "Flushes done by the open regions since they opened",
		 offsetof(struct gt_region_stats, flushes)},
		{"gt_region_compactions", "Compactions done by the open regions since they opened",
		 offsetof(struct gt_region_stats, compactions)},
	};

	(void)rq;
	memset(&sum, 0, sizeof(sum));
	if (f->db->engine)   /* a cluster's frontend holds no region */
		gt_engine_foreach(f->db->engine, add_region, &sum);
	gt_metric_set(gt_metrics_gauge(f->m, "gt_regions_open", "Regions open in this process", NULL),
		      (double)sum.regions);
	for (size_t i = 0; i < GT_ARRAY_LEN(gauges); i++) {
		uint64_t v;
		memcpy(&v, (const char *)&sum.s + gauges[i].off, sizeof(v));
		gt_metric_set(gt_metrics_gauge(f->m, gauges[i].name, gauges[i].help, NULL), (double)v);
	}
	rs->status = 200;
	rs->ctype = "text/plain; version=0.0.4; charset=utf-8";
	if (gt_metrics_render(f->m, &rs->body))
		gerror(rs, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "cannot render the metrics", 0);
}

/* The InfluxDB endpoints, which also take InfluxDB's forms of credentials. */
static bool influx_path(const char *path)
{
	return !strncmp(path, "/v1/influxdb/", 13) || !strcmp(path, "/write") || !strcmp(path, "/api/v2/write") ||
	       !strcmp(path, "/ping") || !strcmp(path, "/query");
}

/* Where credentials are read into; a password longer than this is refused as malformed. */
struct creds {
	char user[256], pw[256];
};

/* Split "user:pw" of n bytes (no NUL inside) into c.  0, or GT_EINVAL. */
static int split_creds(const char *s, size_t n, struct creds *c)
{
	const char *colon = memchr(s, ':', n);
	size_t un, pn;
	if (!colon || memchr(s, '\0', n))
		return GT_EINVAL;
	un = (size_t)(colon - s);
	pn = n - un - 1;
	if (un >= sizeof(c->user) || pn >= sizeof(c->pw))
		return GT_EINVAL;
	memcpy(c->user, s, un);
	c->user[un] = 0;
	memcpy(c->pw, colon + 1, pn);
	c->pw[pn] = 0;
	return 0;
}

/* The credentials of Basic's base64(user:pw).  0, or GT_EINVAL. */
static int basic_creds(const char *b64, struct creds *c)
{
	unsigned char raw[3 * (sizeof(c->user) + sizeof(c->pw)) / 2];
	size_t n = strlen(b64), pad = 0;
	int got;
	if (!n || n % 4 || n / 4 * 3 > sizeof(raw))
		return GT_EINVAL;
	if ((got = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n)) < 0)
		return GT_EINVAL;
	while (pad < 2 && b64[n - 1 - pad] == '=')
		pad++;
	int rc = split_creds((const char *)raw, (size_t)got - pad, c);
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

/*
 * Read the credentials of a request as GreptimeDB does: the Authorization
 * header (Basic; on the InfluxDB endpoints also Token user:pw), else on
 * the InfluxDB endpoints the u and p arguments.  0, or a GreptimeDB
 * status with msg saying what is wrong.
 */
static int read_creds(struct gt_http_req *rq, struct creds *c, char *msg, size_t n)
{
	const char *h = gt_http_header(rq, "Authorization"), *sp;
	bool influx = influx_path(gt_http_path(rq));

	if (!h) {
		const char *u = influx ? gt_http_query_arg(rq, "u") : NULL, *p = influx ? gt_http_query_arg(rq, "p") : NULL;
		if (u && *u && p && *p) {
			if (strlen(u) >= sizeof(c->user) || strlen(p) >= sizeof(c->pw))
				goto invalid;
			snprintf(c->user, sizeof(c->user), "%s", u);
			snprintf(c->pw, sizeof(c->pw), "%s", p);
			return 0;
		}
		if ((u && *u) || (p && *p)) {
			snprintf(msg, n, "influxdb auth: username and password must be provided together");
			return GT_STATUS_INVALID_ARGUMENTS;
		}
		snprintf(msg, n, influx ? "Not found influx http authorization info"
					: "Not found http or grpc authorization header");
		return GT_STATUS_AUTH_HEADER_NOT_FOUND;
	}
	if (!(sp = strchr(h, ' ')))
		goto invalid;
	if ((size_t)(sp - h) == 5 && !strncasecmp(h, "basic", 5)) {
		if (strchr(sp + 1, ' ') || basic_creds(sp + 1, c))
			goto invalid;
		return 0;
	}
	if (influx && (size_t)(sp - h) == 5 && !strncasecmp(h, "token", 5)) {
		if (split_creds(sp + 1, strlen(sp + 1), c))
			goto invalid;
		return 0;
	}
	snprintf(msg, n, "Unsupported http auth scheme, name: %.*s", (int)(sp - h < 40 ? sp - h : 40), h);
	return GT_STATUS_INVALID_AUTH_HEADER;
invalid:
	snprintf(msg, n, "Invalid http authorization header");
	return GT_STATUS_INVALID_AUTH_HEADER;
}

/* Every endpoint but /health wants a known user and its password (front.h). */
static bool authorize(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_front *f = ctx;
	struct creds c = {0};
	char msg[400];
	int status;

	if (!f->auth || !strcmp(gt_http_path(rq), "/health"))
		return true;
	if (!(status = read_creds(rq, &c, msg, sizeof(msg)))) {
		if (!gt_auth_password(f->auth, c.user)) {
			status = GT_STATUS_USER_NOT_FOUND;
			snprintf(msg, sizeof(msg), "User not found, username: %s", c.user);
		} else if (!gt_auth_check(f->auth, c.user, c.pw)) {
			status = GT_STATUS_USER_PASSWORD_MISMATCH;
			snprintf(msg, sizeof(msg), "Username and password does not match, username: %s", c.user);
		}
	}
	OPENSSL_cleanse(c.pw, sizeof(c.pw));
	if (!status)
		return true;
	flog(f, "%s %s: refused: %s", gt_http_method(rq), gt_http_path(rq), msg);
	gerror(rs, status, msg, 0);
	if (rs->status == 401)
		gt_http_resp_header(rs, "WWW-Authenticate", "Basic realm=\"greptime\"");
	return false;
}

static const struct gt_http_route routes[] = {
	{"/health", GT_HTTP_GET | GT_HTTP_HEAD | GT_HTTP_POST, h_health},
	{"/metrics", GT_HTTP_GET, h_metrics},
	{"/v1/sql", GT_HTTP_GET | GT_HTTP_POST, h_sql},
	{"/v1/influxdb/write", GT_HTTP_POST, h_write},
	{"/v1/influxdb/api/v2/write", GT_HTTP_POST, h_write_v2},
	{"/write", GT_HTTP_POST, h_write},
	{"/api/v2/write", GT_HTTP_POST, h_write_v2},
	{"/ping", GT_HTTP_GET | GT_HTTP_HEAD, h_ping},
	{"/v1/influxdb/ping", GT_HTTP_GET | GT_HTTP_HEAD, h_ping},
	{"/query", GT_HTTP_GET | GT_HTTP_POST, h_query},
	{GT_PROMAPI_PREFIX, GT_HTTP_GET | GT_HTTP_POST, h_prom_api},
	{"/v1/prometheus/write", GT_HTTP_POST, h_prom_write},
	{"/v1/prometheus/read", GT_HTTP_POST, h_prom_read},
};

int gt_front_start(struct gt_front **out, const struct gt_front_opts *o, struct gt_err *err)
{
	struct gt_front *f;
	struct gt_http_opts ho = {0};
	int rc;

	*out = NULL;
	if (!(f = gt_calloc(1, sizeof(*f))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	f->db = o->db;
	f->auth = o->auth;
	f->log = o->log;
	f->log_ctx = o->log_ctx;
	if ((rc = gt_metrics_new(&f->m))) {
		free(f);
		return gt_errf(err, rc, "out of memory");
	}
	f->rows = gt_metrics_counter(f->m, "gt_ingest_rows_total", "Rows written by line protocol requests", NULL);
	f->write_reqs = gt_metrics_counter(f->m, "gt_ingest_requests_total", "Line protocol write requests", NULL);
	f->prom_samples = gt_metrics_counter(f->m, "gt_prom_write_samples_total",
					     "Samples written by Prometheus remote write requests", NULL);
	f->prom_reqs = gt_metrics_counter(f->m, "gt_prom_write_requests_total", "Prometheus remote write requests", NULL);
	f->max_body = o->max_body ? o->max_body : GT_HTTP_MAX_BODY_DEFAULT;
	ho.addr = o->http_addr ? o->http_addr : "127.0.0.1:4000";
	ho.max_body = o->max_body;
	ho.timeout_s = o->timeout_s;
	ho.routes = routes;
	ho.nroutes = GT_ARRAY_LEN(routes);
	ho.ctx = f;
	ho.conn_open = conn_open;
	ho.conn_close = conn_close;
	ho.error_body = error_body;
	ho.authorize = authorize;
	ho.on_done = on_done;
	ho.log = http_log;
	ho.passthrough_encoding = "snappy";
	if ((rc = gt_http_start(&f->http, &ho, err))) {
		gt_metrics_free(f->m);
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

const char *gt_front_http_addr(const struct gt_front *f)
{
	return gt_http_addr(f->http);
}

void gt_front_stop(struct gt_front *f)
{
	if (!f)
		return;
	gt_http_stop(f->http);
	gt_metrics_free(f->m);
	free(f);
}
