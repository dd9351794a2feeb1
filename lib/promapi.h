/*
 * promapi.h - Prometheus's HTTP query API (as Prometheus 2.42 answers it)
 * over the tables of a database, served by the frontend under
 * /v1/prometheus/api/v1/ (front.h):
 *
 *   query              query, time, timeout, lookback (GreptimeDB's)
 *   query_range        query, start, end, step, timeout, lookback
 *   series             match[] (one or more), start, end
 *   labels             match[] (optional), start, end
 *   label/NAME/values  match[] (optional), start, end
 *   status/buildinfo   what Grafana asks of a data source
 *
 * GET with a query string or POST with an urlencoded form; times are
 * RFC 3339 or unix seconds (fractions rounded to the millisecond as
 * Prometheus rounds them), durations "1m30s" or float seconds.  Answers
 * are Prometheus's envelopes byte for byte:
 *   {"status":"success","data":{"resultType":"matrix","result":[...]}}
 *   {"status":"error","errorType":"bad_data","error":"..."}
 * bad_data is HTTP 400 (bad parameters, parse errors, over 11,000 points
 * per series), execution 422 (the query failed while running), internal
 * 500 (storage).  Samples print as Prometheus prints them ("1.5", "NaN",
 * "+Inf", "1e-07"), timestamps as seconds with up to three decimals.
 *
 * Metrics are tables of the request's database (promstore.h); an
 * unknown database or metric answers an empty result, as GreptimeDB.
 */
#ifndef GT_PROMAPI_H
#define GT_PROMAPI_H

#include "db.h"
#include "http.h"

/* The prefix the routes live under; the handler reads the rest of the path. */
#define GT_PROMAPI_PREFIX "/v1/prometheus/api/v1/"

/* Serve one request whose path starts with GT_PROMAPI_PREFIX, over the
 * tables of dbname (NULL: public). */
void gt_promapi_serve(struct gt_db *db, const char *dbname, struct gt_http_req *rq, struct gt_http_resp *rs);

#endif
