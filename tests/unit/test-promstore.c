/*
 * test-promstore.c - tables as Prometheus series (promstore.h): a
 * remote-write shaped table (tags, greptime_timestamp ms,
 * greptime_value) with a staleness marker, tables with second and
 * nanosecond time indexes, the inclusive [mint, maxt] bounds, absent
 * labels, several fields, and the labels-only selection.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "promstore.h"
#include "tap.h"

static struct gt_db *db;

/* A table: tags (string), a time index of unit, fields f64 named. */
static int make_table(const char *name, const char *const *tags, size_t ntags, unsigned unit,
		      const char *const *fields, size_t nf, struct gt_table_info *t)
{
	struct gt_schema s = {0};
	struct gt_err err = {0};
	int rc;

	for (size_t i = 0; i < ntags; i++)
		gt_schema_add(&s, tags[i], GT_STRING, GT_TAG, 0, &err);
	gt_schema_add(&s, "greptime_timestamp", GT_TS, GT_TIME, (enum gt_unit)unit, &err);
	for (size_t i = 0; i < nf; i++)
		gt_schema_add(&s, fields[i], GT_F64, GT_FIELD, 0, &err);
	rc = gt_db_create_table(db, "public", name, &s, NULL, t, &err);
	if (rc)
		printf("# %s\n", err.msg);
	gt_schema_release(&s);
	return rc;
}

/* Write rows: per row the tag values (NULL = null), a time, field values (NAN bits kept). */
struct row {
	const char *tags[2];
	int64_t ts;
	double v[2];
	bool null[2];
};

static int write_rows(const struct gt_table_info *t, const struct row *rows, size_t n, size_t ntags, size_t nf)
{
	struct gt_batch b;
	struct gt_err err = {0};
	int rc;

	gt_batch_init(&b);
	for (uint32_t k = 0; k < t->schema.ncols; k++)
		gt_batch_add_col(&b, t->schema.cols[k].id, (enum gt_type)t->schema.cols[k].type);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < ntags; k++)
			if (rows[i].tags[k])
				gt_vec_push_str(&b.cols[k], rows[i].tags[k], strlen(rows[i].tags[k]));
			else
				gt_vec_push_null(&b.cols[k]);
		gt_vec_push_i64(&b.cols[ntags], rows[i].ts);
		for (size_t f = 0; f < nf; f++)
			if (rows[i].null[f])
				gt_vec_push_null(&b.cols[ntags + 1 + f]);
			else
				gt_vec_push_f64(&b.cols[ntags + 1 + f], rows[i].v[f]);
	}
	b.nrows = (uint32_t)n;
	rc = gt_db_write(db, t, &b, &err);
	if (rc)
		printf("# %s\n", err.msg);
	gt_batch_release(&b);
	return rc;
}

static struct gt_pq_matcher mk(const char *name, enum gt_pq_mop op, const char *value)
{
	struct gt_pq_matcher m = {.name = (char *)name, .value = (char *)value, .op = op};
	return m;
}

static const char *label(const struct gt_pq_series *s, const char *name)
{
	for (size_t i = 0; i < s->labels.n; i++)
		if (!strcmp(s->labels.l[i].name, name))
			return s->labels.l[i].value;
	return NULL;
}

static uint64_t bits(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof(b));
	return b;
}

static void test_remote_write_shape(struct gt_pq_source *src)
{
	static const char *const tags[] = {"job", "instance"};
	static const char *const fields[] = {"greptime_value"};
	struct gt_table_info t = {0};
	struct gt_pq_series *s = NULL;
	struct gt_err err = {0};
	size_t n = 0;
	double stale;
	uint64_t sb = GT_PQ_STALE_BITS;

	memcpy(&stale, &sb, sizeof(stale));
	if (!ok(make_table("up", tags, 2, GT_UNIT_MS, fields, 1, &t) == 0, "create up"))
		return;
	struct row rows[] = {
		{{"prom", "a:1"}, 1000, {1}, {0}},
		{{"prom", "a:1"}, 2000, {stale}, {0}},
		{{"prom", "a:1"}, 3000, {INFINITY}, {0}},
		{{"prom", NULL}, 1500, {2}, {0}},
		{{"node", ""}, 1000, {3}, {0}},
		{{"node", "b:1"}, 1000, {0}, {1}},   /* a null value is no sample */
	};
	ok(write_rows(&t, rows, GT_ARRAY_LEN(rows), 2, 1) == 0, "write up");

	struct gt_pq_matcher m[3] = {mk("__name__", GT_PQ_M_EQ, "up"), mk("job", GT_PQ_M_EQ, "prom")};
	int rc = src->select(src->ctx, m, 2, 0, 10000, 0, &s, &n, &err);
	ok(rc == 0 && n == 2, "job=prom: two series (%d, %zu) %s", rc, n, err.msg);
	if (n == 2) {
		/* sorted by labels: {__name__, instance="a:1", job} before {__name__, job} */
		ok(s[0].labels.n == 3 && label(&s[0], "instance") && !strcmp(label(&s[0], "instance"), "a:1") &&
		   !strcmp(label(&s[0], "__name__"), "up") && !strcmp(s[0].labels.l[0].name, "__name__") &&
		   !strcmp(s[0].labels.l[1].name, "instance"), "labels sorted by name, __name__ is the table");
		ok(s[0].n == 3 && s[0].t[0] == 1000 && s[0].t[1] == 2000 && s[0].t[2] == 3000, "samples in time order");
		ok(s[0].n == 3 && bits(s[0].v[1]) == GT_PQ_STALE_BITS, "the staleness marker is bit-exact");
		ok(s[0].n == 3 && isinf(s[0].v[2]) && s[0].v[2] > 0, "+Inf kept");
		ok(s[1].labels.n == 2 && !label(&s[1], "instance") && s[1].n == 1 && s[1].t[0] == 1500,
		   "a NULL tag is an absent label");
	}
	gt_pq_series_free(s, n);

	/* [mint, maxt] is inclusive at both ends */
	rc = src->select(src->ctx, m, 2, 2000, 3000, 0, &s, &n, &err);
	ok(rc == 0 && n == 1 && s[0].n == 2 && s[0].t[0] == 2000 && s[0].t[1] == 3000, "bounds inclusive");
	gt_pq_series_free(s, n);

	/* instance="" matches the absent and the empty label */
	m[1] = mk("__name__", GT_PQ_M_EQ, "up");
	m[0] = mk("instance", GT_PQ_M_EQ, "");
	rc = src->select(src->ctx, m, 2, 0, 10000, 0, &s, &n, &err);
	ok(rc == 0 && n == 2 && !label(&s[0], "instance") && !label(&s[1], "instance"),
	   "instance=\"\": the NULL and the empty tag (%zu)", n);
	gt_pq_series_free(s, n);

	/* a label no column carries is "" */
	m[0] = mk("zone", GT_PQ_M_NE, "");
	rc = src->select(src->ctx, m, 2, 0, 10000, 0, &s, &n, &err);
	ok(rc == 0 && n == 0, "zone!=\"\" on a table without zone: nothing");
	gt_pq_series_free(s, n);
	m[0] = mk("zone", GT_PQ_M_EQ, "");
	m[2] = mk("job", GT_PQ_M_NE, "prom");
	rc = src->select(src->ctx, m, 3, 0, 10000, 0, &s, &n, &err);
	ok(rc == 0 && n == 1 && !strcmp(label(&s[0], "job"), "node"), "zone=\"\", job!=prom: the node series");
	gt_pq_series_free(s, n);

	/* asked for nulls (TQL), the NULL value is a sample of its own */
	m[0] = mk("instance", GT_PQ_M_EQ, "b:1");   /* m[1] is still __name__="up" */
	rc = src->select(src->ctx, m, 2, 0, 10000, 1, &s, &n, &err);
	ok(rc == 0 && n == 1 && s[0].n == 1 && s[0].t[0] == 1000 && gt_pq_is_null(s[0].v[0]),
	   "nulls: the NULL row is a gt_pq_null() sample (%zu)", n);
	gt_pq_series_free(s, n);

	/* labels only: every series with a sample, no samples */
	m[0] = mk("job", GT_PQ_M_NE, "");
	rc = gt_promstore_series(src->ctx, m, 2, 1200, 10000, &s, &n, &err);
	ok(rc == 0 && n == 2 && s[0].n == 0 && s[1].n == 0, "series: two have a sample after 1.2 s (%zu)", n);
	gt_pq_series_free(s, n);
	gt_table_info_release(&t);
}

static void test_units_and_fields(struct gt_pq_source *src)
{
	static const char *const tags[] = {"host"};
	static const char *const fields[] = {"a", "b"};
	struct gt_table_info ts = {0}, tn = {0};
	struct gt_pq_series *s = NULL;
	struct gt_err err = {0};
	size_t n = 0;
	int rc;

	if (!ok(make_table("secs", tags, 1, GT_UNIT_S, fields, 2, &ts) == 0, "create secs") ||
	    !ok(make_table("nanos", tags, 1, GT_UNIT_NS, fields, 2, &tn) == 0, "create nanos"))
		return;
	struct row rs[] = {{{"h"}, -2, {1, 10}, {0}}, {{"h"}, 5, {2, 20}, {0, 1}}};
	struct row rn[] = {
		{{"h"}, -1, {1, 10}, {0}},                  /* floors to -1 ms */
		{{"h"}, 1999999, {2, 20}, {0}},             /* 1 ms */
		{{"h"}, 1000001, {3, 30}, {0}},             /* 1 ms too: the later row of the ms wins */
		{{"h"}, 2000000, {4, 40}, {0}},
	};
	ok(write_rows(&ts, rs, 2, 1, 2) == 0 && write_rows(&tn, rn, 4, 1, 2) == 0, "write secs, nanos");

	struct gt_pq_matcher m[2] = {mk("__name__", GT_PQ_M_EQ, "secs")};
	rc = src->select(src->ctx, m, 1, -2000, 5000, 0, &s, &n, &err);
	ok(rc == 0 && n == 1 && s[0].n == 2 && s[0].t[0] == -2000 && s[0].t[1] == 5000 && s[0].v[1] == 2,
	   "seconds to ms; without __field__ the first field");
	gt_pq_series_free(s, n);
	rc = src->select(src->ctx, m, 1, -1999, 4999, 0, &s, &n, &err);
	ok(rc == 0 && n == 0, "seconds: nothing strictly inside (-2 s, 5 s)");
	gt_pq_series_free(s, n);
	m[1] = mk("__field__", GT_PQ_M_EQ, "b");
	rc = src->select(src->ctx, m, 2, -10000, 10000, 0, &s, &n, &err);
	ok(rc == 0 && n == 1 && s[0].n == 1 && s[0].v[0] == 10, "__field__=b; its NULL is no sample");
	gt_pq_series_free(s, n);
	m[1] = mk("__field__", GT_PQ_M_NE, "x");
	rc = src->select(src->ctx, m, 2, -10000, 10000, 0, &s, &n, &err);
	ok(rc == 0 && n == 2 && s[0].n + s[1].n == 3, "__field__!=x: each field its own series");
	gt_pq_series_free(s, n);

	m[0] = mk("__name__", GT_PQ_M_EQ, "nanos");
	rc = src->select(src->ctx, m, 1, -1, 1, 0, &s, &n, &err);
	ok(rc == 0 && n == 1 && s[0].n == 2 && s[0].t[0] == -1 && s[0].t[1] == 1 && s[0].v[1] == 2,
	   "nanoseconds floor to ms; a ms keeps the last row (%zu)", n ? s[0].n : 0);
	gt_pq_series_free(s, n);
	rc = src->select(src->ctx, m, 1, 2, 2, 0, &s, &n, &err);
	ok(rc == 0 && n == 1 && s[0].n == 1 && s[0].t[0] == 2 && s[0].v[0] == 4, "nanoseconds: maxt inclusive");
	gt_pq_series_free(s, n);

	/* without a metric name, every table the other matchers allow */
	m[0] = mk("host", GT_PQ_M_EQ, "h");
	rc = src->select(src->ctx, m, 1, -10000, 10000, 0, &s, &n, &err);
	ok(rc == 0 && n == 2 && !strcmp(label(&s[0], "__name__"), "nanos") && !strcmp(label(&s[1], "__name__"), "secs"),
	   "{host=\"h\"} reads every table (%zu)", n);
	gt_pq_series_free(s, n);

	char **names = NULL;
	ok(gt_promstore_label_names(src->ctx, &names, &err) == 0 && names && names[0] && !strcmp(names[0], "__name__") &&
	   names[1] && !strcmp(names[1], "host") && names[2] && !strcmp(names[2], "instance") && names[3] &&
	   !strcmp(names[3], "job") && !names[4], "label names over the schemas");
	gt_strv_free(names);
	ok(gt_promstore_metric_names(src->ctx, &names, &err) == 0 && names && !strcmp(names[0], "nanos") &&
	   !strcmp(names[1], "secs") && !strcmp(names[2], "up") && !names[3], "metric names");
	gt_strv_free(names);
	gt_table_info_release(&ts);
	gt_table_info_release(&tn);
}

int main(void)
{
	char dir[] = "/tmp/gt-test-promstore.XXXXXX";
	struct gt_engine_opts o = {.background = false};
	struct gt_promstore ps;
	struct gt_pq_source src;
	struct gt_err err = {0};

	if (!mkdtemp(dir))
		return 1;
	o.data_home = dir;
	if (!ok(gt_db_open(&db, &o, &err) == 0, "open %s", dir))
		return tap_done();
	gt_promstore_init(&ps, db, "public");
	gt_promstore_source(&ps, &src);
	test_remote_write_shape(&src);
	test_units_and_fields(&src);
	gt_db_close(db, 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
