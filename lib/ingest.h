/*
 * ingest.h - InfluxDB line protocol into tables, as GreptimeDB does it:
 * a measurement is a table, created on first write with its tags as the
 * primary key (strings), its fields as field columns and the timestamp
 * as the time index `greptime_timestamp` (nanoseconds), merge mode
 * last_non_null; a new tag or field adds a column.
 *
 * A call is one batch, all or nothing: every line is parsed and every
 * column checked against the tables (types, tag/field clashes) before
 * anything is written.  Errors name the line and the reason.
 *
 * Calling sequence: gt_ingest_init, gt_ingest_lp*, gt_ingest_release.
 * One gt_ingest per thread (it keeps reusable buffers).
 */
#ifndef GT_INGEST_H
#define GT_INGEST_H

#include "db.h"
#include "lp.h"

#define GT_TS_COLUMN "greptime_timestamp"

struct gt_ingest_table;

struct gt_ingest {
	struct gt_db *db;
	struct gt_ingest_table *tables;
	uint32_t ntables, cap;
	uint8_t ts_unit;         /* a new table's time index unit (gt_ingest_begin) */
	bool ts_first;           /* a new table has the time index before its fields */
};

void gt_ingest_init(struct gt_ingest *in, struct gt_db *db);
void gt_ingest_release(struct gt_ingest *in);

/*
 * Parse buf[0..len) (modified in place) and write it to database dbname.
 * precision: a gt_unit or GT_LP_PREC_*.  first_lineno numbers the first
 * line in messages.  *rows gets the count of rows written.
 */
int gt_ingest_lp(struct gt_ingest *in, const char *dbname, char *buf, size_t len, int precision,
		 uint64_t first_lineno, uint64_t *rows, struct gt_err *err);

/*
 * The two halves of gt_ingest_lp, for pipelines that parse one batch
 * while the previous one is written: parse touches only the gt_ingest
 * (any thread, in parallel with others); commit checks the tables and
 * writes.  Writes land in the order commits are called, so callers that
 * need input order call commit in that order.  The parsed rows are
 * copied out of buf, which may be reused once parse returns.
 */
int gt_ingest_parse(struct gt_ingest *in, char *buf, size_t len, int precision, uint64_t first_lineno,
		    struct gt_err *err);
int gt_ingest_commit(struct gt_ingest *in, const char *dbname, uint64_t *rows, struct gt_err *err);

/*
 * Rows from another protocol (Prometheus remote write, promwrite.h)
 * instead of line-protocol text: gt_ingest_begin, gt_ingest_rows per
 * series, then gt_ingest_commit.  A table created by the commit gets
 * its time index in ts_unit, placed before the fields when ts_first
 * (GreptimeDB's layout of Prometheus metrics: tags, greptime_timestamp,
 * greptime_value).
 *
 * gt_ingest_rows adds n rows of one series: pt names the table
 * (measurement), the tags (names unique) and one GT_F64 field whose
 * value is ignored: v[i] is row i's, ts_ns[i] its time in nanoseconds.
 * pt->lineno numbers the series in messages.  h is gt_ingest_tags_hash(pt),
 * which a caller that has seen the tag set before may have kept.
 */
void gt_ingest_begin(struct gt_ingest *in, enum gt_unit ts_unit, bool ts_first);
uint64_t gt_ingest_tags_hash(const struct gt_lp_point *pt);
int gt_ingest_rows(struct gt_ingest *in, const struct gt_lp_point *pt, uint64_t h, const int64_t *ts_ns,
		   const double *v, size_t n, struct gt_err *err);

#endif
