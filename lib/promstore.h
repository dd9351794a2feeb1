/*
 * promstore.h - the tables of one database seen as Prometheus series: a
 * gt_pq_source (promql.h) over a gt_db, as GreptimeDB maps its tables to
 * PromQL.
 *
 *   metric name   the table's name (__name__); a selector without one
 *                 (`{__name__=~"demo_.*"}`, `{job="a"}`) reads every
 *                 table of the database its matchers allow
 *   labels        the tag columns; a NULL or empty tag is an absent
 *                 label (it matches `l=""`); other tag types print as
 *                 text (42, true, 1.5)
 *   samples       the time index in milliseconds (floored; when a finer
 *                 unit puts several rows in one millisecond the last
 *                 wins), one series per selected numeric field (Float64,
 *                 Int64, UInt64 read as doubles; a NULL is no sample,
 *                 or when the select asks for nulls (TQL) a
 *                 gt_pq_null() sample).
 *                 Floats pass bit-exact: staleness markers stay markers.
 *   __field__     matchers on the field column's name pick the fields,
 *                 each its own series with the same labels.  Without
 *                 one, the table's first numeric field in column order
 *                 (a remote-write table's greptime_value; a line-protocol
 *                 table's first field), which is what GreptimeDB's
 *                 Prometheus API answers for a multi-field table.
 *   __database__  (or __schema__) = "db" reads that database instead.
 *
 * Tag matchers `l="v"` on string tags become scan predicates (equality,
 * and IN for a regex that is a plain alternation of literals); every
 * matcher is also checked on the decoded labels.  A matcher on a label
 * the table has no column for sees "".
 *
 * Thread-safe as the db is; a struct gt_promstore is read-only once
 * initialised and may serve many evaluations at once.
 */
#ifndef GT_PROMSTORE_H
#define GT_PROMSTORE_H

#include "db.h"
#include "promql.h"

/* Samples a selection may hold in memory (Prometheus's default
 * --query.max-samples): past it, GT_ETOOBIG with Prometheus's words. */
#define GT_PQ_MAX_SAMPLES 50000000

/*
 * EXPLAIN's view of the scans a selection runs (sql-tql.c), so that its
 * plan is what ran: told of each table scan before it starts.
 */
struct gt_table_info;
struct gt_scan_req;
struct gt_promstore_watch {
	void *ctx;
	/* The scan of table t with what req pushes down, and the label
	 * matchers the scan cannot answer (post[0..npost)), checked on each
	 * series' labels.  True: read nothing (a plan without data). */
	bool (*scan)(void *ctx, const struct gt_table_info *t, const struct gt_scan_req *req,
		     const struct gt_pq_matcher *const *post, size_t npost);
	/* The rows that scan read. */
	void (*scanned)(void *ctx, uint64_t rows);
};

struct gt_promstore {
	struct gt_db *db;                 /* borrowed */
	char dbname[GT_NAME_MAX + 1];
	const struct gt_promstore_watch *watch;   /* borrowed; NULL (gt_promstore_init): none */
};

void gt_promstore_init(struct gt_promstore *ps, struct gt_db *db, const char *dbname);
/* The source the evaluator reads; src->ctx is ps. */
void gt_promstore_source(struct gt_promstore *ps, struct gt_pq_source *src);

/* Prometheus's order of label sets (labels.Compare): name, then value,
 * pair by pair; a prefix first.  Selections come back in this order, as
 * a Prometheus TSDB gives series. */
int gt_promstore_labels_cmp(const struct gt_pq_labels *a, const struct gt_pq_labels *b);

/*
 * The label sets of the series matching every matcher with a sample in
 * [mint, maxt], without their samples (the series, labels and
 * label-values endpoints).  *out has *n series with n == 0 samples each;
 * free with gt_pq_series_free.
 */
int gt_promstore_series(struct gt_promstore *ps, const struct gt_pq_matcher *m, size_t nm, int64_t mint,
			int64_t maxt, struct gt_pq_series **out, size_t *n, struct gt_err *err);

/*
 * Every label name of every table that has a numeric field (its tag
 * columns, and __name__ when there is one such table), sorted, unique:
 * the labels endpoint without match[].  It reads schemas only, so a tag
 * column whose every value is NULL is listed too.  *names is a
 * NULL-terminated array (gt_strv_free).
 */
int gt_promstore_label_names(struct gt_promstore *ps, char ***names, struct gt_err *err);
/* The metric names: the tables that have a numeric field, sorted. */
int gt_promstore_metric_names(struct gt_promstore *ps, char ***names, struct gt_err *err);

#endif
