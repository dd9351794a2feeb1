/*
 * sql-metric.c - metric engine tables (ENGINE=metric): a physical table,
 * created WITH (physical_metric_table = ''), and the logical tables
 * created on it WITH (on_physical_table = 'phy').
 *
 * In GreptimeDB the rows of every logical table are stored in the
 * physical table's regions, tagged with the logical table's id
 * (__table_id) and a hash of the series' labels (__tsid), and the
 * physical table's columns are the union of its logical tables' tags.
 * gt keeps what a user sees and stores each logical table in regions of
 * its own, as any table: INSERT, SELECT, TQL/PromQL, ALTER and DROP of
 * a logical table take the ordinary paths.  What makes it a metric table
 * lives here and in the catalog:
 *
 *   - CREATE checks the physical table the way the metric engine does
 *     (it exists and is physical, the time index has its unit, fields
 *     are its Float64 fields, tags are strings) and gives the logical
 *     table the physical table's region options (append_mode, merge_mode,
 *     ttl), so its rows merge as the physical table's would;
 *   - a logical table's columns are listed by name, as GreptimeDB's
 *     logical regions list them (DESC, SELECT *, INSERT without columns);
 *   - the physical table's schema gains __table_id (UInt32), __tsid
 *     (UInt64) and every tag a logical table adds, so DESC and
 *     information_schema show it as GreptimeDB does (SHOW CREATE TABLE
 *     leaves the two internal columns out, as GreptimeDB does);
 *   - a physical table still used by a logical table cannot be dropped.
 *
 * What differs: the physical table's own regions stay empty, so SELECT
 * on it answers no rows where GreptimeDB answers every logical table's
 * rows, and rows come in gt's series order rather than by __tsid hash.
 */
#include "sql-ast.h"
#include "catalog.h"

#include <stdlib.h>
#include <strings.h>

#define METRIC_TABLE_ID "__table_id"
#define METRIC_TSID "__tsid"

const char *sql_metric_physical_of(const struct gt_table_opts *o)
{
	return o->engine == GT_TABLE_METRIC ? gt_opts_get(&o->kv, "on_physical_table") : NULL;
}

bool sql_metric_is_physical(const struct gt_table_opts *o)
{
	return o->engine == GT_TABLE_METRIC && gt_opts_get(&o->kv, "physical_metric_table");
}

bool sql_metric_internal_col(const struct gt_table_opts *o, const char *name)
{
	return sql_metric_is_physical(o) && (!strcmp(name, METRIC_TABLE_ID) || !strcmp(name, METRIC_TSID));
}

bool sql_metric_stmt_logical(const struct sql_stmt *st)
{
	for (uint32_t i = 0; i < st->nopts; i++)
		if (!strcasecmp(st->opts[i].key, "on_physical_table"))
			return true;
	return false;
}

static int coldef_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sql_coldef *)a)->name, ((const struct sql_coldef *)b)->name);
}

void sql_metric_sort_cols(struct sql_stmt *st)
{
	qsort(st->cols, st->ncols, sizeof(*st->cols), coldef_cmp);
}

static const char *unit_word(unsigned u)
{
	switch (u) {
	case GT_UNIT_S: return "Second";
	case GT_UNIT_US: return "Microsecond";
	case GT_UNIT_NS: return "Nanosecond";
	default: return "Millisecond";
	}
}

/* The physical table named phy of database db, or GreptimeDB's error. */
static int get_physical(struct gt_sql_session *s, const char *db, const char *phy, struct gt_table_info *ti,
			struct gt_sql_error *e)
{
	struct gt_err err = {0};
	memset(ti, 0, sizeof(*ti));
	int rc = gt_db_table(s->db, db, phy, ti, &err);
	if (rc == 0 && !sql_metric_is_physical(&ti->schema.opts)) {
		gt_table_info_release(ti);
		rc = GT_ENOTFOUND;
	}
	/* The metric engine looks the physical table up by its name key. */
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: __table_name/greptime/%s/%s", db, phy);
	return rc < 0 ? sql_engine_err(e, rc, &err) : 0;
}

int sql_metric_logical_check(struct gt_sql_session *s, const char *db, struct gt_schema *sc, struct gt_sql_error *e)
{
	struct gt_table_info phy;
	int rc = get_physical(s, db, sql_metric_physical_of(&sc->opts), &phy, e);
	if (rc < 0)
		return rc;
	int pts = gt_schema_time_index(&phy.schema);
	for (uint32_t i = 0; i < sc->ncols && rc == 0; i++) {
		const struct gt_coldef *c = &sc->cols[i];
		if (c->sem == GT_TIME) {
			if (pts >= 0 && c->unit != phy.schema.cols[pts].unit)
				rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
					     "Unexpected request: Metric has differenttime unit (%s) than the physical region (%s)",
					     unit_word(c->unit), unit_word(phy.schema.cols[pts].unit));
		} else if (c->sem == GT_TAG) {
			if (c->type != GT_STRING || c->lt)
				rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect %s, got %s",
					     sql_dt_name(GT_STRING, 0), sql_dt_name(c->type, c->lt));
		} else {
			int k = gt_schema_find(&phy.schema, c->name);
			if (k < 0 || phy.schema.cols[k].sem != GT_FIELD)
				rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Adding field column %s to physical table",
					     c->name);
			else if (c->type != GT_F64 || c->lt)
				rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect %s, got %s",
					     sql_dt_name(GT_F64, 0), sql_dt_name(c->type, c->lt));
		}
	}
	sc->opts.append_mode = phy.schema.opts.append_mode;
	sc->opts.merge_mode = phy.schema.opts.merge_mode;
	if (phy.schema.opts.ttl_ms)
		sc->opts.ttl_ms = phy.schema.opts.ttl_ms;
	gt_table_info_release(&phy);
	return rc;
}

/*
 * A physical table WITH ('index.type' = 'skipping') puts a bloom skipping
 * index on __table_id and on every tag its logical tables add, with the
 * table's index.granularity and index.false_positive_rate.
 */
static int skipping_index(struct gt_coldef *c, const struct gt_opts *kv)
{
	const char *type = gt_opts_get(kv, "index.type");
	if (!type || strcasecmp(type, "skipping"))
		return 0;
	const char *fpr = gt_opts_get(kv, "index.false_positive_rate");
	const char *gran = gt_opts_get(kv, "index.granularity");
	c->index |= GT_INDEX_SKIPPING;
	if (gt_opts_set(&c->skipping, "false_positive_rate", fpr ? fpr : "0.01") < 0 ||
	    gt_opts_set(&c->skipping, "granularity", gran ? gran : "10240") < 0 ||
	    gt_opts_set(&c->skipping, "type", "BLOOM") < 0)
		return GT_ENOMEM;
	return 0;
}

/* Append tag column name of type (lt) to sc unless it has one. */
static int add_tag(struct gt_schema *sc, const char *name, enum gt_type type, unsigned lt, bool nullable,
		   bool *changed, struct gt_sql_error *e)
{
	struct gt_err err = {0};
	if (gt_schema_find(sc, name) >= 0)
		return 0;
	int k = gt_schema_add(sc, name, type, GT_TAG, GT_UNIT_MS, &err);
	if (k < 0)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "%s", err.msg);
	sc->cols[k].lt = (uint8_t)lt;
	sc->cols[k].nullable = nullable;
	*changed = true;
	if (strcmp(name, METRIC_TSID) && skipping_index(&sc->cols[k], &sc->opts.kv) < 0)
		return sql_nomem(e);
	return 0;
}

int sql_metric_widen_physical(struct gt_sql_session *s, const char *db, const struct gt_schema *logical,
			      struct gt_sql_error *e)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		struct gt_table_info phy;
		struct gt_schema sc;
		struct gt_err err = {0};
		bool changed = false;
		int rc = get_physical(s, db, sql_metric_physical_of(&logical->opts), &phy, e);
		if (rc < 0)
			return rc;
		if (gt_schema_copy(&sc, &phy.schema) < 0) {
			gt_table_info_release(&phy);
			return sql_nomem(e);
		}
		rc = add_tag(&sc, METRIC_TABLE_ID, GT_U64, GT_LT_U32, false, &changed, e);
		if (rc == 0)
			rc = add_tag(&sc, METRIC_TSID, GT_U64, 0, false, &changed, e);
		for (uint32_t i = 0; i < logical->ncols && rc == 0; i++)
			if (logical->cols[i].sem == GT_TAG)
				rc = add_tag(&sc, logical->cols[i].name, GT_STRING, 0, true, &changed, e);
		if (rc == 0 && changed) {
			rc = gt_db_alter_table(s->db, &phy, &sc, &err);
			if (rc < 0 && rc != GT_EAGAIN)
				rc = sql_engine_err(e, rc, &err);
		}
		gt_schema_release(&sc);
		gt_table_info_release(&phy);
		if (rc != GT_EAGAIN)
			return rc;
	}
	return sql_err(e, GT_STATUS_UNEXPECTED, "physical table %s changed too often, try again",
		       sql_metric_physical_of(&logical->opts));
}

int sql_metric_alter_check(const struct gt_table_opts *o, bool add_column, struct gt_sql_error *e)
{
	if (!sql_metric_physical_of(o) || add_column)
		return 0;
	return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
		       "Alter logical tables invalid arguments: Only support add columns operation");
}

int sql_metric_drop_check(struct gt_sql_session *s, const char *db, const char *name, struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct gt_err err = {0};
	char **names = NULL;
	memset(&ti, 0, sizeof(ti));
	if (gt_db_table(s->db, db, name, &ti, &err) < 0)
		return 0;   /* DROP reports a missing table itself */
	bool physical = sql_metric_is_physical(&ti.schema.opts);
	gt_table_info_release(&ti);
	if (!physical)
		return 0;
	int rc = sql_list_tables(s, db, &names, e);
	for (size_t i = 0; rc == 0 && names[i]; i++) {
		memset(&ti, 0, sizeof(ti));
		if (gt_db_table(s->db, db, names[i], &ti, &err) < 0)
			continue;
		const char *phy = sql_metric_physical_of(&ti.schema.opts);
		if (phy && !strcmp(phy, name))
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
				     "Physical region is busy, there are still some logical regions using it");
		gt_table_info_release(&ti);
	}
	gt_strv_free(names);
	return rc;
}
