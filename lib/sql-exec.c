/*
 * sql-exec.c - runs parsed statements against a database (db.h).
 *
 * DDL maps onto the catalog and the region client.  INSERT builds one
 * columnar batch keyed by schema column ids and writes it with
 * gt_db_write.  SELECT:
 *   1. time-range and tag (= / IN) conjuncts of WHERE are pushed into
 *      the scan request (pruning only: WHERE is still evaluated whole);
 *   2. each scan batch becomes an input frame (one vec per schema
 *      column, tags decoded from series keys), WHERE is evaluated over
 *      it vectorized and the passing rows are appended to the result
 *      frame (ceiling SQL_MAX_ROWS rows);
 *   3. with GROUP BY or aggregates: group keys are hashed into group
 *      ids, each aggregate is accumulated per group from its argument
 *      vector, and a group frame (keys, aggregates) replaces the input
 *      frame; expressions over it read annotated slots;
 *   4. HAVING filters groups, ORDER BY sorts a row permutation (stable
 *      merge sort, nulls last ascending / first descending), LIMIT and
 *      OFFSET cut it, and the projection is gathered in that order.
 */
#include "keymap.h"
#include "sql-agg.h"
#include "sql-aggfn.h"
#include "sql-plan.h"
#include "sql-expr.h"
#include "sql-range.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#define SQL_MAX_ROWS (32u << 20)

struct qerr {
	struct gt_err err;
};

int sql_nomem(struct gt_sql_error *e)
{
	return sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
}

int sql_engine_err(struct gt_sql_error *e, int rc, const struct gt_err *err)
{
	int st = rc == GT_ENOMEM ? GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED :
		 rc == GT_EINVAL || rc == GT_ETOOBIG ? GT_STATUS_INVALID_ARGUMENTS :
		 rc == GT_EUNSUPP ? GT_STATUS_UNSUPPORTED : GT_STATUS_STORAGE_UNAVAILABLE;
	return sql_err(e, st, "%s", err->msg[0] ? err->msg : gt_strerror(rc));
}

static const char *dbof(struct gt_sql_session *s, const char *db)
{
	return db ? db : s->dbname;
}

static int affected(struct gt_sql_result *res, uint64_t n, struct gt_sql_error *e)
{
	struct gt_sql_output *o = sql_out_new(res);
	if (!o)
		return sql_nomem(e);
	o->kind = GT_SQL_AFFECTED;
	o->affected = n;
	return 0;
}


static int table_not_found(struct gt_sql_error *e, const char *db, const char *t)
{
	return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: greptime.%s.%s", db, t);
}

static int get_table(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
		     struct gt_sql_error *e)
{
	struct gt_err err = {0};
	memset(ti, 0, sizeof(*ti));
	int rc = gt_db_table(s->db, dbof(s, db), name, ti, &err);
	if (rc == GT_ENOTFOUND)
		return table_not_found(e, dbof(s, db), name);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	return 0;
}

const char *sql_type_name(const struct gt_coldef *c, char *buf, size_t n)
{
	static const char *const lnames[] = {
		[GT_LT_I8] = "TINYINT", [GT_LT_I16] = "SMALLINT", [GT_LT_I32] = "INT",
		[GT_LT_U8] = "TINYINT UNSIGNED", [GT_LT_U16] = "SMALLINT UNSIGNED", [GT_LT_U32] = "INT UNSIGNED",
		[GT_LT_F32] = "FLOAT", [GT_LT_DATE] = "DATE", [GT_LT_BINARY] = "VARBINARY",
		[GT_LT_JSON] = "JSON",
	};
	if (c->lt && c->lt < GT_ARRAY_LEN(lnames) && lnames[c->lt])
		return lnames[c->lt];
	switch (c->type) {
	case GT_STRING: return "STRING";
	case GT_F64: return "DOUBLE";
	case GT_I64: return "BIGINT";
	case GT_U64: return "BIGINT UNSIGNED";
	case GT_BOOL: return "BOOLEAN";
	default:
		snprintf(buf, n, "TIMESTAMP(%d)", c->unit);
		return buf;
	}
}

static int describe(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct sql_rel sys;
	const struct gt_schema *sc = &ti.schema;
	const char *const hdr[] = {"Column", "Type", "Key", "Null", "Default", "Semantic Type"};
	int rc;

	memset(&ti, 0, sizeof(ti));
	sql_rel_init(&sys);
	/* pg_catalog's tables are described by the columns their rows are built with */
	if (sql_pg_named(s, st->db, st->name)) {
		if ((rc = sql_sys_table(s, "pg_catalog", st->name, &sys, e)) < 0)
			return rc;
		sc = &sys.schema;
	} else if ((rc = get_table(s, st->db, st->name, &ti, e)) < 0) {
		/* DESCRIBE names a missing table as it was written, not in full */
		if (e->status == GT_STATUS_TABLE_NOT_FOUND)
			sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: %s%s%s", st->db ? st->db : "",
				st->db ? "." : "", st->name);
		return rc;
	}
	struct gt_sql_output *o = sql_out_table(res, hdr, NULL, 6);
	rc = o ? 0 : sql_nomem(e);
	for (uint32_t i = 0; i < sc->ncols && rc == 0; i++) {
		const struct gt_coldef *c = &sc->cols[i];
		const char *v[6] = {
			c->name, gt_ltype_name(c->type, c->unit, c->lt), c->sem == GT_FIELD ? "" : "PRI",
			c->nullable ? "YES" : "NO", c->dflt ? c->dflt : "",
			c->sem == GT_TAG ? "TAG" : c->sem == GT_TIME ? "TIMESTAMP" : "FIELD",
		};
		for (int k = 0; k < 6 && rc == 0; k++)
			if (gt_vec_push_str(&o->rows.cols[k], v[k], strlen(v[k])) < 0)
				rc = sql_nomem(e);
		o->rows.nrows++;
	}
	gt_table_info_release(&ti);
	sql_rel_release(&sys);
	return rc;
}

static int add_coldef(struct gt_schema *sc, const struct sql_coldef *d, uint8_t sem, struct gt_sql_error *e)
{
	struct gt_err err = {0};
	if (gt_schema_find(sc, d->name) >= 0)
		return sql_err(e, GT_STATUS_TABLE_COLUMN_EXISTS, "Column %s already exists in table", d->name);
	int k = gt_schema_add(sc, d->name, d->type, sem, d->type == GT_TS ? d->unit : GT_UNIT_MS, &err);
	if (k < 0)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "%s", err.msg);
	sc->cols[k].nullable = sem != GT_TIME && !d->not_null;
	sc->cols[k].lt = d->lt;
	if (d->dflt_e && d->dflt_e->kind == E_COL)
		return sql_err(e, GT_STATUS_UNSUPPORTED,
			       "Unsupported default constraint for column: '%s', reason: expr '%s' not supported", d->name,
			       d->dflt);
	if (d->dflt_e && d->dflt_e->kind == E_FUNC && !strcmp(d->dflt_e->s, "now")) {
		/* now() stays now(); CURRENT_TIMESTAMP in any spelling is current_timestamp(). */
		const char *f = strncasecmp(d->dflt, "now", 3) ? "current_timestamp()" : "now()";
		if (!(sc->cols[k].dflt = gt_strdup(f)))
			return sql_nomem(e);
	} else if (d->dflt && !(sc->cols[k].dflt = gt_strdup(d->dflt)))
		return sql_nomem(e);
	return sql_coldef_index(&sc->cols[k], d, e);
}

static int create_table(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
			struct gt_sql_error *e)
{
	struct gt_schema sc;
	struct gt_partition part = {0};
	struct gt_err err = {0};
	const char *db = dbof(s, st->db);
	const char *ts = st->ts_col;
	uint32_t npk_inline = 0;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	if (gt_check_name("table", st->name, &err) < 0 || strchr(st->name, '.') || !sql_name_ok(st->name))
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid table name: %s", st->name);
	if (!gt_catalog_has_db(s->db->catalog, db))
		return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", db);
	for (uint32_t i = 0; i < st->ncols; i++) {
		const struct sql_coldef *d = &st->cols[i];
		if (d->time_index) {
			ts = d->name;
			if (d->type != GT_TS)
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
					       "Invalid column option, column name: %s, error: time index column data type should be timestamp", d->name);
			if (d->null_given && !d->not_null)
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
					       "Invalid column option, column name: %s, error: time index column can't be null", d->name);
		}
		if (d->primary)
			npk_inline++;
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(st->cols[j].name, d->name))
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid SQL, error: column name `%s` is duplicated at index %u and %u",
					       d->name, j, i);
	}
	if (npk_inline && st->npk)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
			       "Illegal primary keys definition: found definitions of primary keys in multiple places");
	if (npk_inline > 1)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
			       "Illegal primary keys definition: not allowed to inline multiple primary keys in columns options");
	bool logical = st->engine && !strcasecmp(st->engine, "metric") && sql_metric_stmt_logical(st);
	if (logical)
		sql_metric_sort_cols(st);
	bool found_ts = false;
	for (uint32_t i = 0; i < st->ncols && rc == 0; i++) {
		const struct sql_coldef *d = &st->cols[i];
		bool is_ts = ts && !strcmp(d->name, ts);
		bool pk = d->primary;
		for (uint32_t k = 0; k < st->npk; k++)
			pk |= !strcmp(st->pk[k], d->name);
		if (is_ts) {
			found_ts = true;
			if (d->type != GT_TS)
				rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
					     "Invalid column option, column name: %s, error: time index column data type should be timestamp", d->name);
			else
				rc = add_coldef(&sc, d, GT_TIME, e);
		} else if (pk) {
			rc = add_coldef(&sc, d, GT_TAG, e);
		} else {
			rc = add_coldef(&sc, d, GT_FIELD, e);
		}
	}
	if (rc == 0 && st->append_mode && st->merge_mode != GT_MERGE_LAST_ROW)
		rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
			     "Invalid region options, only last_row merge_mode is allowed when append_mode is enabled");
	if (rc == 0 && !found_ts)
		rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid time index: column %s not found", ts ? ts : "");
	for (uint32_t k = 0; k < st->npk && rc == 0; k++)
		if (gt_schema_find(&sc, st->pk[k]) < 0)
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Primary key column %s not found", st->pk[k]);
	if (rc == 0)
		rc = sql_table_engine(&sc.opts, st->engine, e);
	if (rc == 0)
		rc = sql_db_table_defaults(s, db, &sc.opts, e);
	if (rc == 0)
		rc = sql_table_opts_apply(&sc.opts, st->opts, st->nopts, false, e);
	if (rc == 0 && logical)
		rc = sql_metric_logical_check(s, db, &sc, e);
	if (rc == 0 && st->partitioned &&
	    (rc = gt_partition_make(&part, st->name, (const char *const *)st->part_cols, st->npart_cols,
				    (const char *const *)st->part_exprs, st->npart_exprs, &sc, &err)) < 0)
		rc = sql_engine_err(e, rc, &err);
	if (rc == 0) {
		rc = gt_db_create_table(s->db, db, st->name, &sc, &part, NULL, &err);
		if (rc == GT_EEXIST) {
			rc = st->if_exists ? 0 :
			     sql_err(e, GT_STATUS_TABLE_ALREADY_EXISTS, "Table already exists: `greptime.%s.%s`", db, st->name);
		} else if (rc == GT_ENOTFOUND) {
			rc = sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", db);
		} else if (rc < 0) {
			rc = sql_engine_err(e, rc, &err);
		} else if (logical && (rc = sql_metric_widen_physical(s, db, &sc, e)) < 0) {
			gt_db_drop_table(s->db, db, st->name, NULL);
		}
	}
	gt_schema_release(&sc);
	gt_partition_release(&part);
	return rc < 0 ? rc : affected(res, 0, e);
}

static int alter(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct gt_schema sc;
	struct gt_err err = {0};
	int rc = get_table(s, st->db, st->name, &ti, e);
	if (rc < 0)
		return rc;
	if ((rc = sql_metric_alter_check(&ti.schema.opts, st->kind == S_ALTER_ADD, e)) < 0 ||
	    gt_schema_copy(&sc, &ti.schema) < 0) {
		gt_table_info_release(&ti);
		return rc < 0 ? rc : sql_nomem(e);
	}
	if (st->kind == S_ALTER_ADD) {
		const struct sql_coldef *d = &st->cols[0];
		if (gt_schema_find(&sc, d->name) >= 0 && st->if_exists) {
			goto done;
		}
		if (d->time_index)
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Cannot add a time index column");
		else if (d->not_null && !d->dflt)
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "No valid default value can be built automatically, column: %s", d->name);
		else
			rc = add_coldef(&sc, d, d->primary ? GT_TAG : GT_FIELD, e);
	} else {
		int k = gt_schema_find(&sc, st->dropcol);
		if (k < 0)
			rc = sql_err(e, GT_STATUS_TABLE_COLUMN_NOT_FOUND, "Column %s not exists in table %s", st->dropcol, st->name);
		else if (sc.cols[k].sem != GT_FIELD)
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Not allowed to remove index column %s from table %s",
				     st->dropcol, st->name);
		for (uint32_t c = 0; rc == 0 && c < ti.part.ncols; c++)
			if (!strcmp(ti.part.cols[c], sc.cols[k].name))
				rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
					     "Not allowed to remove partition column %s from table %s", st->dropcol, st->name);
		if (rc == 0 && gt_schema_drop(&sc, st->dropcol, &err) < 0)
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "%s", err.msg);
	}
	if (rc == 0 && (rc = gt_db_alter_table(s->db, &ti, &sc, &err)) < 0)
		rc = sql_engine_err(e, rc, &err);
	if (rc == 0 && sql_metric_physical_of(&sc.opts))
		rc = sql_metric_widen_physical(s, dbof(s, st->db), &sc, e);
done:
	gt_schema_release(&sc);
	gt_table_info_release(&ti);
	return rc < 0 ? rc : affected(res, 0, e);
}

/* ---- INSERT ---- */

static int eval_const(struct gt_sql_session *s, struct sql_expr *x, struct sql_xv *o, struct gt_sql_error *e)
{
	struct sql_ctx c = {.e = e, .nrows = 1, .now_ns = s->now_ns ? s->now_ns : gt_now_ns(), .s = s};
	return sql_eval(&c, x, o);
}

/* Evaluate a column's DEFAULT text. */
static int eval_default(struct gt_sql_session *s, const char *text, struct sql_xv *o, struct gt_sql_error *e)
{
	struct sql_parse p;
	struct gt_buf q = {0};
	gt_buf_addstr(&q, "SELECT ");
	gt_buf_addstr(&q, text);
	int rc = sql_parse(&p, q.p, q.len, e);
	if (rc == 0 && (p.n != 1 || p.stmts[0]->kind != S_SELECT || p.stmts[0]->sel->nitems != 1))
		rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid default value: %s", text);
	if (rc == 0)
		rc = eval_const(s, p.stmts[0]->sel->items[0].e, o, e);
	sql_parse_free(&p);
	gt_buf_release(&q);
	return rc;
}

/* p[0..n) as a whole decimal integer (an optional sign, digits). */
static bool parse_i64(const char *p, uint32_t n, int64_t *out)
{
	char buf[32], *ep;
	if (n == 0 || n >= sizeof(buf) || isspace((unsigned char)p[0]))
		return false;
	memcpy(buf, p, n);
	buf[n] = 0;
	errno = 0;
	long long v = strtoll(buf, &ep, 10);
	if (*ep || errno)
		return false;
	*out = v;
	return true;
}

/*
 * A MySQL client's string literal for a boolean or numeric column, read
 * as that type (GreptimeDB's auto_string_to_numeric): 1 with the value
 * pushed, 0 when c is neither, or an error naming the text.
 */
static int push_str_number(const struct gt_coldef *c, const char *p, uint32_t n, struct gt_vec *out,
			   struct gt_sql_error *e)
{
	union sql_num v;
	int r;
	if (c->type == GT_TS || c->type == GT_STRING || c->lt == GT_LT_DATE || c->lt == GT_LT_BINARY)
		return 0;
	if (!sql_str_to_num(p, n, c->type, c->lt, &v))
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Unable to convert %.*s to datatype %s", (int)GT_MIN(n, 200), p,
			       sql_dt_name(c->type, c->lt));
	r = c->type == GT_BOOL ? gt_vec_push_bool(out, v.i != 0) : c->type == GT_F64 ? gt_vec_push_f64(out, v.f) :
	    c->type == GT_U64 ? gt_vec_push_u64(out, v.u) : gt_vec_push_i64(out, v.i);
	return r < 0 ? sql_nomem(e) : 1;
}

/* Append value v (scalar) to column vec out of coldef c; auto_num: v is a
 * MySQL client's string literal (push_str_number). */
static int push_value(const struct gt_coldef *c, struct sql_xv *v, bool auto_num, struct gt_vec *out,
		      struct gt_sql_error *e)
{
	int r;
	if (auto_num && !SQL_NULL(v, 0) && v->v.type == GT_STRING) {
		uint32_t n;
		const char *p = gt_vec_str(&v->v, 0, &n);
		if ((r = push_str_number(c, p, n, out, e)) != 0)
			return r < 0 ? r : 0;
	}
	if (SQL_NULL(v, 0)) {
		if (!c->nullable)
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid request for region, reason: column %s is not null", c->name);
		return gt_vec_push_null(out) < 0 ? sql_nomem(e) : 0;
	}
	uint8_t vt = v->v.type;
	switch (c->type) {
	case GT_STRING:
		if (vt == GT_I64 && v->scalar)
			return sql_err(e, GT_STATUS_INVALID_SYNTAX,
				       "Failed to parse value: Fail to parse number %lld, invalid column type: %s",
				       (long long)v->v.v.i64[0], sql_dt_name(c->type, c->lt));
		if (vt != GT_STRING)
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect %s, got %s",
				       sql_dt_name(c->type, c->lt), sql_dt_name(vt, v->lt));
		{
			uint32_t n;
			const char *p = gt_vec_str(&v->v, 0, &n);
			r = gt_vec_push_str(out, p, n);
		}
		break;
	case GT_TS:
		if (vt == GT_STRING) {
			uint32_t n;
			int64_t ns;
			const char *p = gt_vec_str(&v->v, 0, &n);
			/* Text that is no time is a count of the column's unit, as in GreptimeDB. */
			if (gt_parse_time_unit(p, n, c->unit, &ns) < 0 && !parse_i64(p, n, &ns))
				return sql_err(e, GT_STATUS_INVALID_SYNTAX,
					       "Failed to parse value: Failed to parse %.*s to Timestamp value",
					       (int)GT_MIN(n, 200), p);
			r = gt_vec_push_i64(out, ns);
		} else if (vt == GT_TS) {
			r = gt_vec_push_i64(out, gt_unit_convert(v->v.v.i64[0], v->unit, c->unit));
		} else if (vt == GT_I64 || vt == GT_U64) {
			r = gt_vec_push_i64(out, sql_xv_i64(v, 0));
		} else {
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect Timestamp, got %s", sql_dt_name(vt, v->lt));
		}
		break;
	case GT_BOOL:
		if (vt == GT_STRING || vt == GT_TS)
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect %s, got %s",
				       sql_dt_name(c->type, c->lt), sql_dt_name(vt, v->lt));
		r = gt_vec_push_bool(out, sql_xv_f64(v, 0) != 0);
		break;
	default:
		if (vt == GT_STRING && c->lt == GT_LT_DATE) {
			uint32_t n;
			int64_t ns;
			const char *p = gt_vec_str(&v->v, 0, &n);
			if (gt_parse_time(p, n, &ns) < 0)
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Failed to parse string to date: %.*s",
					       (int)GT_MIN(n, 200), p);
			r = gt_vec_push_i64(out, sql_days_of_ns(ns));
		} else if (vt == GT_STRING) {
			uint32_t n;
			const char *p = gt_vec_str(&v->v, 0, &n);
			char buf[128], *ep;
			snprintf(buf, sizeof(buf), "%.*s", (int)GT_MIN(n, 127), p);
			double d = strtod(buf, &ep);
			if (ep == buf || *ep)
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect %s, got %s",
					       sql_dt_name(c->type, c->lt), sql_dt_name(vt, v->lt));
			r = c->type == GT_F64 ? gt_vec_push_f64(out, d) : c->type == GT_U64 ? gt_vec_push_u64(out, (uint64_t)d) :
			    gt_vec_push_i64(out, (int64_t)d);
		} else if (c->type == GT_F64) {
			r = gt_vec_push_f64(out, sql_xv_f64(v, 0));
		} else if (c->type == GT_U64) {
			if (vt == GT_F64 || (vt == GT_I64 && v->v.v.i64[0] < 0))
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect %s, got %s",
					       sql_dt_name(c->type, c->lt), sql_dt_name(vt, v->lt));
			r = gt_vec_push_u64(out, (uint64_t)sql_xv_i64(v, 0));
		} else {
			if (vt == GT_F64)
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Column type mismatch. Expect %s, got %s",
					       sql_dt_name(c->type, c->lt), sql_dt_name(vt, v->lt));
			r = gt_vec_push_i64(out, sql_xv_i64(v, 0));
		}
	}
	if (r < 0)
		return sql_nomem(e);
	return c->lt ? sql_narrow_last(out, c->lt, sql_dt_name(c->type, c->lt), e) : 0;
}

/* Row r of column k of a query's output as one value of column c's type. */
static int select_value(const struct gt_sql_output *so, uint32_t k, uint32_t r, const struct gt_coldef *c,
			struct sql_xv *v, struct gt_sql_error *e)
{
	struct sql_xv one;
	memset(&one, 0, sizeof(one));
	gt_vec_init(&one.v, so->cols[k].type);
	one.unit = so->cols[k].unit;
	one.lt = so->cols[k].lt;
	one.scalar = true;
	if (gt_vec_push_from(&one.v, &so->rows.cols[k], r) < 0) {
		sql_xv_release(&one);
		return sql_nomem(e);
	}
	if (one.v.type == c->type && (c->type != GT_TS || one.unit == c->unit) && one.lt == c->lt) {
		*v = one;
		return 0;
	}
	struct sql_ctx cx = {.e = e, .nrows = 1};
	int rc = sql_xv_cast(&cx, &one, c->type, c->unit, c->lt, v);
	sql_xv_release(&one);
	return rc;
}

static int insert(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct gt_batch b;
	struct gt_err err = {0};
	int *map = NULL;   /* schema column -> value position, -1 = default */
	struct gt_sql_result src = {0};
	struct gt_sql_output *so = NULL;
	uint32_t nrows = st->nrows;
	int rc = get_table(s, st->db, st->name, &ti, e);
	if (rc < 0)
		return rc;
	if (ti.schema.opts.engine == GT_TABLE_METRIC && gt_opts_get(&ti.schema.opts.kv, "physical_metric_table")) {
		gt_table_info_release(&ti);
		return sql_err(e, GT_STATUS_UNSUPPORTED, "Write request to physical region is forbidden");
	}
	gt_batch_init(&b);
	const struct gt_schema *sc = &ti.schema;
	uint32_t nvals = st->nicols ? st->nicols : sc->ncols;
	map = gt_calloc(sc->ncols + 1, sizeof(int));
	if (!map) {
		rc = sql_nomem(e);
		goto out;
	}
	for (uint32_t k = 0; k < sc->ncols; k++)
		map[k] = st->nicols ? -1 : (int)k;
	for (uint32_t j = 0; j < st->nicols; j++) {
		int k = gt_schema_find(sc, st->icols[j]);
		if (k < 0) {
			rc = sql_err(e, GT_STATUS_TABLE_COLUMN_NOT_FOUND, "Column %s not found in table %s", st->icols[j], st->name);
			goto out;
		}
		if (map[k] >= 0) {
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid SQL, error: column name `%s` is duplicated at index %d and %u",
				     st->icols[j], map[k], j);
			goto out;
		}
		map[k] = (int)j;
	}
	for (uint32_t r = 0; r < st->nrows; r++)
		if (st->rowlen[r] != nvals) {
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid SQL, error: column count mismatch, columns: %u, values: %u",
				     nvals, st->rowlen[r]);
			goto out;
		}
	if (st->sel) {
		/* INSERT ... SELECT: the query's columns, cast to the table's types. */
		if ((rc = sql_query_run(s, st->arena, st->sel, NULL, &src, e)) < 0)
			goto out;
		so = &src.outs[src.n - 1];
		if (so->ncols != nvals) {
			rc = sql_err(e, GT_STATUS_PLAN_QUERY,
				     "Failed to plan SQL: Error during planning: Column count doesn't match insert query!");
			goto out;
		}
		nrows = so->rows.nrows;
	}
	for (uint32_t k = 0; k < sc->ncols; k++)
		if (gt_batch_add_col(&b, sc->cols[k].id, sc->cols[k].type) < 0) {
			rc = sql_nomem(e);
			goto out;
		}
	for (uint32_t r = 0; r < nrows && rc == 0; r++) {
		for (uint32_t k = 0; k < sc->ncols && rc == 0; k++) {
			const struct gt_coldef *c = &sc->cols[k];
			struct sql_xv v;
			struct sql_expr *x = map[k] >= 0 && !so ? st->rows[r][map[k]] : NULL;
			if (x && x->kind == E_FUNC && !strcmp(x->s, "__default"))
				x = NULL;
			if (so && map[k] >= 0) {
				rc = select_value(so, (uint32_t)map[k], r, c, &v, e);
			} else if (x) {
				rc = eval_const(s, x, &v, e);
			} else if (c->dflt) {
				rc = eval_default(s, c->dflt, &v, e);
			} else if (c->nullable) {
				rc = gt_vec_push_null(&b.cols[k]) < 0 ? sql_nomem(e) : 0;
				continue;
			} else {
				rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "No valid default value can be built automatically, column: %s",
					     c->name);
				break;
			}
			if (rc == 0)
				rc = push_value(c, &v, s->channel == GT_SQL_MYSQL && x && x->kind == E_STR, &b.cols[k], e);
			sql_xv_release(&v);
		}
		b.nrows++;
	}
	if (rc == 0 && nrows && (rc = gt_db_write(s->db, &ti, &b, &err)) < 0)
		rc = sql_engine_err(e, rc, &err);
	if (rc == 0)
		rc = affected(res, nrows, e);
out:
	gt_sql_result_release(&src);
	free(map);
	gt_batch_release(&b);
	gt_table_info_release(&ti);
	return rc;
}

/* ---- SELECT ---- */

struct frame {
	uint32_t ncols, nrows;
	struct gt_vec *cols;
};

static void frame_release(struct frame *f)
{
	for (uint32_t k = 0; k < f->ncols; k++)
		gt_vec_release(&f->cols[k]);
	free(f->cols);
	memset(f, 0, sizeof(*f));
}

static int frame_init(struct frame *f, const struct gt_schema *sc)
{
	f->nrows = 0;
	f->ncols = sc->ncols;
	f->cols = gt_calloc(sc->ncols ? sc->ncols : 1, sizeof(*f->cols));
	if (!f->cols)
		return GT_ENOMEM;
	for (uint32_t k = 0; k < sc->ncols; k++)
		gt_vec_init(&f->cols[k], sc->cols[k].type);
	return 0;
}

static bool is_col(const struct sql_expr *x, const struct gt_schema *sc, int *k)
{
	if (x->kind != E_COL)
		return false;
	*k = gt_schema_find(sc, x->s);
	return *k >= 0;
}

/* A literal the time index is compared with: the instants of the column's
 * unit at or below (*lo) and at or above (*hi) it (gt_time_bounds). */
static bool lit_time(const struct sql_expr *x, const struct gt_coldef *c, int64_t *lo, int64_t *hi)
{
	if (x->kind == E_INT) {
		*lo = *hi = x->i;
		return true;
	}
	return x->kind == E_STR && gt_time_bounds(x->s, strlen(x->s), c->unit, lo, hi) == 0;
}

struct pushdown {
	int64_t start, end;
	struct gt_tag_pred preds[32];
	uint32_t npreds;
	const char *vals[32][64];
	/* the conjuncts the scan does not settle exactly, ANDed (sql_where) */
	const struct sql_expr *rest[64];
	uint32_t nrest;
	bool all;             /* more than rest[] holds: judge by the whole WHERE */
	struct sql_expr ands[63];
};

/* Take one conjunct of WHERE into the scan request; true if the scan then
 * settles it exactly (the time range and string tag equality are exact), so
 * the rows need not be judged by it again. */
static bool push_one(struct pushdown *pd, const struct sql_expr *x, const struct gt_schema *sc)
{
	int k;
	int64_t v, vh;
	if (x->kind == E_BIN && x->op >= B_EQ && x->op <= B_GE && is_col(x->a, sc, &k)) {
		const struct gt_coldef *c = &sc->cols[k];
		if (c->sem == GT_TIME && lit_time(x->b, c, &v, &vh)) {
			switch (x->op) {
			case B_EQ:
				pd->start = GT_MAX(pd->start, vh);
				if (v == INT64_MAX)
					return false;
				pd->end = GT_MIN(pd->end, v + 1);
				return true;
			case B_GT:
				if (v == INT64_MAX)
					return false;
				pd->start = GT_MAX(pd->start, v + 1);
				return true;
			case B_GE:
				pd->start = GT_MAX(pd->start, vh);
				return true;
			case B_LT:
				pd->end = GT_MIN(pd->end, vh);
				return true;
			case B_LE:
				if (v == INT64_MAX)
					return false;
				pd->end = GT_MIN(pd->end, v + 1);
				return true;
			}
			return false;
		}
		if (c->sem == GT_TAG && c->type == GT_STRING && x->op == B_EQ && x->b->kind == E_STR && pd->npreds < 32) {
			struct gt_tag_pred *p = &pd->preds[pd->npreds];
			pd->vals[pd->npreds][0] = x->b->s;
			p->tag = gt_schema_tag_ordinal(sc, k);
			p->op = GT_PRED_EQ;
			p->nvals = 1;
			p->vals = pd->vals[pd->npreds++];
			return true;
		}
		return false;
	}
	if (x->kind == E_IN && !x->neg && !x->sub && is_col(x->a, sc, &k) && sc->cols[k].sem == GT_TAG &&
	    sc->cols[k].type == GT_STRING && x->nargs && x->nargs <= 64 && pd->npreds < 32) {
		for (uint32_t j = 0; j < x->nargs; j++)
			if (x->args[j]->kind != E_STR)
				return false;
		struct gt_tag_pred *p = &pd->preds[pd->npreds];
		for (uint32_t j = 0; j < x->nargs; j++)
			pd->vals[pd->npreds][j] = x->args[j]->s;
		p->tag = gt_schema_tag_ordinal(sc, k);
		p->op = GT_PRED_IN;
		p->nvals = x->nargs;
		p->vals = pd->vals[pd->npreds++];
		return true;
	}
	if (x->kind == E_BETWEEN && !x->neg && is_col(x->a, sc, &k) && sc->cols[k].sem == GT_TIME) {
		if (lit_time(x->b, &sc->cols[k], &v, &vh))
			pd->start = GT_MAX(pd->start, vh);
		if (lit_time(x->c, &sc->cols[k], &v, &vh) && v < INT64_MAX)
			pd->end = GT_MIN(pd->end, v + 1);
	}
	return false;
}

/* Walk the AND tree of WHERE, narrow the scan by what is safe to prune and
 * keep the conjuncts left to judge the rows by. */
static void push_conj(struct pushdown *pd, const struct sql_expr *x, const struct gt_schema *sc, int depth)
{
	if (!x)
		return;
	if (depth > GT_SQL_MAX_DEPTH) {
		pd->all = true;
		return;
	}
	if (x->kind == E_BIN && x->op == B_AND) {
		push_conj(pd, x->a, sc, depth + 1);
		push_conj(pd, x->b, sc, depth + 1);
		return;
	}
	if (push_one(pd, x, sc) && !(x->a && x->a->q))
		return;
	if (pd->nrest < GT_ARRAY_LEN(pd->rest))
		pd->rest[pd->nrest++] = x;
	else
		pd->all = true;
}

/* What the rows are judged by after the scan: NULL when the scan settles
 * all of WHERE, else its remaining conjuncts ANDed (nodes in pd). */
static struct sql_expr *sql_where(struct pushdown *pd, struct sql_expr *where)
{
	if (pd->all)
		return where;
	if (!pd->nrest)
		return NULL;
	struct sql_expr *w = (struct sql_expr *)pd->rest[0];
	for (uint32_t j = 1; j < pd->nrest; j++) {
		struct sql_expr *a = &pd->ands[j - 1];
		memset(a, 0, sizeof(*a));
		a->kind = E_BIN;
		a->op = B_AND;
		a->a = w;
		a->b = (struct sql_expr *)pd->rest[j];
		a->slot = -1;
		w = a;
	}
	return w;
}

/* EXPLAIN: the frontend's filter over what the scan returns. */
static void plan_where(struct sql_plan *pl, const struct sql_expr *where, const char *table)
{
	struct gt_buf b = {0};
	if (!where)
		return;
	sql_expr_name(&b, where, table);
	sql_plan_add(pl, SQL_STAGE_FRONT, "Filter: %s", b.p ? b.p : "");
	gt_buf_release(&b);
}

static void plan_list(struct gt_buf *b, struct sql_expr *const *x, uint32_t n, const char *table)
{
	gt_buf_addch(b, '[');
	for (uint32_t k = 0; k < n; k++) {
		if (k)
			gt_buf_addstr(b, ", ");
		sql_expr_name(b, x[k], table);
	}
	gt_buf_addch(b, ']');
}

/* WHERE's verdict on rows [0, nrows) of cols: *m holds it (bool or number,
 * NULL = false).  A NULL where passes every row. */
static bool row_passes(const struct sql_xv *m, uint32_t i)
{
	if (SQL_NULL(m, i))
		return false;
	return m->v.type == GT_BOOL ? m->v.v.b[SQL_IX(m, i)] : sql_xv_f64(m, i) != 0;
}

/* Append the rows of cols (sc->ncols vecs of nrows) that pass WHERE to f. */
static int frame_add(struct gt_sql_session *s, struct frame *f, const struct gt_schema *sc, const char *table,
		     const struct sql_rel *rel, struct gt_vec *cols, uint32_t nrows, struct sql_expr *where, int64_t now_ns, struct gt_sql_error *e)
{
	int rc = 0;
	if (f->nrows + (uint64_t)nrows > SQL_MAX_ROWS)
		return sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "query reads more than %u rows", SQL_MAX_ROWS);
	if (!where) {
		for (uint32_t k = 0; k < sc->ncols; k++)
			if (gt_vec_append(&f->cols[k], &cols[k], 0, nrows) < 0)
				return sql_nomem(e);
		f->nrows += nrows;
		return 0;
	}
	struct sql_ctx c = {.e = e, .schema = sc, .table = table, .cols = cols, .nrows = nrows, .now_ns = now_ns, .s = s};
	struct sql_xv m;
	if (rel) {
		c.quals = rel->quals;
		c.hidden = rel->hidden;
	}
	if ((rc = sql_eval(&c, where, &m)) < 0)
		return rc;
	for (uint32_t i = 0; i < nrows && rc == 0; i++) {
		if (!row_passes(&m, i))
			continue;
		for (uint32_t k = 0; k < sc->ncols && rc == 0; k++)
			if (gt_vec_push_from(&f->cols[k], &cols[k], i) < 0)
				rc = sql_nomem(e);
		f->nrows++;
	}
	sql_xv_release(&m);
	return rc;
}

/* Mark in want[] the columns of sc that x reads by name; false when x holds
 * something whose reads are not plain column references (a subquery, a
 * RANGE call) or nests too deep: then the caller reads every column. */
static bool cols_read(const struct sql_expr *x, const struct gt_schema *sc, bool *want, int depth)
{
	if (!x)
		return true;
	if (depth > GT_SQL_MAX_DEPTH || x->sub || x->range)
		return false;
	if (x->kind == E_COL) {
		int k = gt_schema_find(sc, x->s);
		if (k >= 0)
			want[k] = true;
		return true;
	}
	if (!cols_read(x->a, sc, want, depth + 1) || !cols_read(x->b, sc, want, depth + 1) ||
	    !cols_read(x->c, sc, want, depth + 1) || !cols_read(x->ord, sc, want, depth + 1))
		return false;
	for (uint32_t j = 0; j < x->nargs; j++)
		if (!cols_read(x->args[j], sc, want, depth + 1))
			return false;
	for (uint32_t j = 0; j < x->npart; j++)
		if (!cols_read(x->part[j], sc, want, depth + 1))
			return false;
	for (uint32_t j = 0; j < x->nworder; j++)
		if (!cols_read(x->worder[j].e, sc, want, depth + 1))
			return false;
	return true;
}

/* The series' tag values (parts, decoded from its key) onto the tag columns
 * k of cols with judged[k] == which. */
static int push_tags(struct gt_vec *cols, const struct gt_schema *sc, const struct gt_key_part *parts,
		     const bool *judged, bool which, struct gt_sql_error *e)
{
	for (uint32_t k = 0, tag = 0; k < sc->ncols; k++) {
		if (sc->cols[k].sem != GT_TAG)
			continue;
		const struct gt_key_part *p = &parts[tag++];
		if (judged[k] != which)
			continue;
		int rc = gt_key_part_push(&cols[k], p);
		if (rc == GT_ECORRUPT)
			return sql_err(e, GT_STATUS_STORAGE_UNAVAILABLE, "corrupt series key");
		if (rc < 0)
			return sql_nomem(e);
	}
	return 0;
}

/* Decode series sid's key into parts (once per run of one series). */
static int series_parts(struct gt_table_scan *scan, uint32_t sid, uint32_t *last_sid, struct gt_key_part *parts,
			uint32_t ntags, struct gt_buf *scratch, struct gt_sql_error *e)
{
	if (sid == *last_sid)
		return 0;
	size_t klen;
	const void *key = gt_table_scan_key(scan, sid, &klen);
	if (!key || gt_key_decode(key, klen, parts, ntags, scratch) < 0)
		return sql_err(e, GT_STATUS_STORAGE_UNAVAILABLE, "corrupt series key");
	*last_sid = sid;
	return 0;
}

/* What scan_table hands each batch's passing rows to instead of gathering
 * them: cols[k] is schema column k, valid during the call.  0 to go on, 1
 * to stop the scan (enough rows), < 0 an error with e filled. */
typedef int (*scan_emit_fn)(void *ctx, struct gt_vec *cols, uint32_t nrows);

/* Read the table through the scan, filter by WHERE, collect into f (or,
 * with emit, hand each batch's rows to it; f then stays empty).  Tag
 * values live in the series keys: only the tags WHERE reads are spelled
 * out for every row it judges; the rest are added for the rows it keeps. */
static int scan_table(struct gt_sql_session *s, struct gt_table_info *ti, const char *table, struct sql_expr *where,
		      struct frame *f, scan_emit_fn emit, void *ectx, int64_t now_ns, struct gt_sql_error *e)
{
	const struct gt_schema *sc = &ti->schema;
	struct pushdown pd;
	struct gt_scan_req req;
	struct gt_table_scan *scan = NULL;
	struct gt_err err = {0};
	struct frame tmp = {0}, pass = {0};  /* pass: with emit, a batch's rows that WHERE keeps */
	struct gt_buf scratch = {0};
	struct gt_key_part parts[256];
	uint32_t ntags = gt_schema_ntags(sc);
	bool *judged = NULL;
	struct gt_vec *view = NULL;   /* per column: the batch's own vec, or tmp's */
	struct sql_xv m = {0};
	int rc;

	memset(&pd, 0, sizeof(pd));
	pd.start = INT64_MIN;
	pd.end = INT64_MAX;
	push_conj(&pd, where, sc, 0);
	struct sql_expr *judge = sql_where(&pd, where);
	if (frame_init(f, sc) < 0 || frame_init(&tmp, sc) < 0 || frame_init(&pass, sc) < 0 ||
	    !(judged = gt_calloc(sc->ncols + 1, sizeof(bool))) ||
	    !(view = gt_calloc(sc->ncols + 1, sizeof(*view)))) {
		rc = sql_nomem(e);
		goto out;
	}
	if (pd.start >= pd.end) {
		rc = 0;
		goto out;
	}
	if (ntags > 256) {
		rc = sql_err(e, GT_STATUS_UNSUPPORTED, "more than 256 tag columns");
		goto out;
	}
	if (!judge || !cols_read(judge, sc, judged, 0))
		for (uint32_t k = 0; k < sc->ncols; k++)
			judged[k] = true;
	uint32_t judged_tags = 0;
	for (uint32_t k = 0; k < sc->ncols; k++)
		judged_tags += judged[k] && sc->cols[k].sem == GT_TAG;
	memset(&req, 0, sizeof(req));
	req.start = pd.start;
	req.end = pd.end;
	req.preds = pd.preds;
	req.npreds = pd.npreds;
	if (s->plan) {
		bool dry = sql_plan_scan(s->plan, ti, &req);
		sql_plan_merge(s->plan, ti, false);
		plan_where(s->plan, where, table);
		if (dry) {
			rc = 0;
			goto out;
		}
	}
	if ((rc = gt_db_scan(s->db, ti, &req, &scan, &err)) < 0) {
		rc = sql_engine_err(e, rc, &err);
		goto out;
	}
	for (;;) {
		const struct gt_batch *b;
		rc = gt_table_scan_next(scan, &b, &err);
		if (rc < 0) {
			rc = sql_engine_err(e, rc, &err);
			goto out;
		}
		if (rc == 0)
			break;
		if ((rc = gt_sql_cancelled(s, e)) < 0)
			goto out;
		rc = 0;
		if (!b->nrows)
			continue;
		if (f->nrows + (uint64_t)b->nrows > SQL_MAX_ROWS) {
			rc = sql_err(e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "query reads more than %u rows", SQL_MAX_ROWS);
			goto out;
		}
		/* fields and the time index are read where the batch holds
		 * them; tmp holds the judged tags and columns the batch lacks */
		for (uint32_t k = 0; k < sc->ncols; k++)
			gt_vec_reset(&tmp.cols[k]);
		uint32_t last_sid = UINT32_MAX;
		for (uint32_t i = 0; judged_tags && i < b->nrows; i++)
			if ((rc = series_parts(scan, b->sid ? b->sid[i] : 0, &last_sid, parts, ntags, &scratch, e)) < 0 ||
			    (rc = push_tags(tmp.cols, sc, parts, judged, true, e)) < 0)
				goto out;
		for (uint32_t k = 0; k < sc->ncols; k++) {
			int bi = sc->cols[k].sem == GT_TAG ? -1 : gt_batch_find(b, sc->cols[k].id);
			if (bi < 0 && sc->cols[k].sem != GT_TAG && gt_vec_pad_nulls(&tmp.cols[k], b->nrows) < 0) {
				rc = sql_nomem(e);
				goto out;
			}
			view[k] = bi >= 0 ? b->cols[bi] : tmp.cols[k];
		}
		tmp.nrows = b->nrows;
		if (!judge && emit) {
			if ((rc = emit(ectx, view, tmp.nrows)) != 0)
				goto out;
			continue;
		}
		if (!judge) {
			for (uint32_t k = 0; k < sc->ncols; k++)
				if (gt_vec_append(&f->cols[k], &view[k], 0, tmp.nrows) < 0) {
					rc = sql_nomem(e);
					goto out;
				}
			f->nrows += tmp.nrows;
			continue;
		}
		struct sql_ctx c = {.e = e, .schema = sc, .table = table, .cols = view, .nrows = tmp.nrows, .now_ns = now_ns,
				    .s = s};
		sql_xv_release(&m);
		if ((rc = sql_eval(&c, judge, &m)) < 0)
			goto out;
		last_sid = UINT32_MAX;
		struct frame *dst = emit ? &pass : f;
		for (uint32_t k = 0; emit && k < sc->ncols; k++)
			gt_vec_reset(&pass.cols[k]);
		pass.nrows = 0;
		for (uint32_t i = 0; i < tmp.nrows; i++) {
			if (!row_passes(&m, i))
				continue;
			for (uint32_t k = 0; k < sc->ncols; k++) {
				if (sc->cols[k].sem == GT_TAG && !judged[k])
					continue;
				if (gt_vec_push_from(&dst->cols[k], &view[k], i) < 0) {
					rc = sql_nomem(e);
					goto out;
				}
			}
			if (ntags && ((rc = series_parts(scan, b->sid ? b->sid[i] : 0, &last_sid, parts, ntags, &scratch, e)) < 0 ||
				      (rc = push_tags(dst->cols, sc, parts, judged, false, e)) < 0))
				goto out;
			dst->nrows++;
		}
		if (emit && pass.nrows && (rc = emit(ectx, pass.cols, pass.nrows)) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc > 0)
		rc = 0;
	if (scan)
		gt_table_scan_free(scan);
	sql_xv_release(&m);
	free(judged);
	free(view);
	frame_release(&tmp);
	frame_release(&pass);
	gt_buf_release(&scratch);
	return rc;
}

static bool name_eq(const struct sql_expr *a, const struct sql_expr *b, const char *table)
{
	struct gt_buf x = {0}, y = {0};
	sql_expr_name_q(&x, a, table);
	sql_expr_name_q(&y, b, table);
	bool eq = x.len == y.len && (!x.len || !memcmp(x.p, y.p, x.len));
	gt_buf_release(&x);
	gt_buf_release(&y);
	return eq;
}

struct aggplan {
	struct sql_expr **aggs;
	uint32_t naggs, cap;
	struct sql_expr **group;
	uint32_t ngroup;
	const char *table;
};

static int collect_aggs(struct aggplan *ap, struct sql_expr *x, int depth)
{
	if (!x || depth > GT_SQL_MAX_DEPTH * 2)
		return 0;
	if (sql_is_agg(x)) {
		for (uint32_t k = 0; k < ap->naggs; k++)
			if (name_eq(ap->aggs[k], x, ap->table)) {
				x->slot = (int)(ap->ngroup + k);
				return 0;
			}
		if (ap->naggs == ap->cap) {
			uint32_t nc = ap->cap ? ap->cap * 2 : 8;
			struct sql_expr **v = gt_reallocarray(ap->aggs, nc, sizeof(*v));
			if (!v)
				return GT_ENOMEM;
			ap->aggs = v;
			ap->cap = nc;
		}
		x->slot = (int)(ap->ngroup + ap->naggs);
		ap->aggs[ap->naggs++] = x;
		return 0;
	}
	for (uint32_t k = 0; k < ap->ngroup; k++)
		if (name_eq(ap->group[k], x, ap->table)) {
			x->slot = (int)k;
			return 0;
		}
	int rc = 0;
	if (rc == 0)
		rc = collect_aggs(ap, x->a, depth + 1);
	if (rc == 0)
		rc = collect_aggs(ap, x->b, depth + 1);
	if (rc == 0)
		rc = collect_aggs(ap, x->c, depth + 1);
	for (uint32_t k = 0; k < x->nargs && rc == 0; k++)
		rc = collect_aggs(ap, x->args[k], depth + 1);
	return rc;
}

static bool has_agg(const struct sql_expr *x, int depth)
{
	if (!x || depth > GT_SQL_MAX_DEPTH * 2)
		return false;
	if (sql_is_agg(x))
		return true;
	if (has_agg(x->a, depth + 1) || has_agg(x->b, depth + 1) || has_agg(x->c, depth + 1))
		return true;
	for (uint32_t k = 0; k < x->nargs; k++)
		if (has_agg(x->args[k], depth + 1))
			return true;
	return false;
}

/* GROUP BY, or an aggregate anywhere after FROM/WHERE. */
static bool query_has_agg(const struct sql_select *q)
{
	bool agg = q->ngroup > 0 || has_agg(q->having, 0);
	for (uint32_t k = 0; k < q->nitems; k++)
		agg |= has_agg(q->items[k].e, 0);
	for (uint32_t k = 0; k < q->norder; k++)
		agg |= has_agg(q->order[k].e, 0);
	return agg;
}

struct sortctx {
	struct sql_xv *keys;
	struct sql_order *ord;
	uint32_t n;
};

static int row_cmp(const struct sortctx *sc, uint32_t a, uint32_t b)
{
	for (uint32_t k = 0; k < sc->n; k++) {
		const struct sql_xv *x = &sc->keys[k];
		bool na = SQL_NULL(x, a), nb = SQL_NULL(x, b);
		bool nf = sc->ord[k].nulls_first < 0 ? sc->ord[k].desc : sc->ord[k].nulls_first;
		int r;
		if (na || nb) {
			if (na && nb)
				continue;
			r = na ? (nf ? -1 : 1) : (nf ? 1 : -1);
			return r;
		}
		r = sql_xv_cmp(x, a, b);
		if (r)
			return sc->ord[k].desc ? -r : r;
	}
	return 0;
}

static void merge_sort(const struct sortctx *sc, uint32_t *v, uint32_t *tmp, uint32_t n)
{
	if (n < 2)
		return;
	uint32_t h = n / 2;
	merge_sort(sc, v, tmp, h);
	merge_sort(sc, v + h, tmp, n - h);
	uint32_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = row_cmp(sc, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, (size_t)n * sizeof(*v));
}

static struct sql_expr *resolve_alias(struct sql_select *q, struct sql_expr *x, const struct gt_schema *sc)
{
	if (x->kind == E_INT && x->i >= 1 && (uint64_t)x->i <= q->nitems && q->items[x->i - 1].e->kind != E_STAR)
		return q->items[x->i - 1].e;
	if (x->kind == E_COL && !x->q) {
		for (uint32_t k = 0; k < q->nitems; k++)
			if (q->items[k].alias && !strcmp(q->items[k].alias, x->s) &&
			    (!sc || gt_schema_find(sc, x->s) < 0 || q->items[k].e->kind != E_COL))
				return q->items[k].e;
	}
	return x;
}

/*
 * Aggregate queries over a table first try sql-agg.c's streaming path:
 * plan the aggregates as the general path does (annotating the
 * expressions with their slots), then scan and aggregate without
 * gathering rows.  1 = *slots holds the group frame; 0 = run the general
 * path (ap is left empty).
 */
static int agg_fast(struct gt_sql_session *s, struct sql_select *q, struct gt_table_info *ti, const char *table,
		    struct aggplan *ap, struct sql_xv **slots, uint32_t *ngroups, struct gt_sql_error *e)
{
	int rc = 0;
	for (uint32_t k = 0; k < q->nitems; k++)
		if (q->items[k].e->kind == E_STAR)
			return 0;
	ap->table = table;
	ap->ngroup = q->ngroup;
	ap->group = gt_calloc(q->ngroup + 1, sizeof(*ap->group));
	if (!ap->group)
		return sql_nomem(e);
	for (uint32_t k = 0; k < q->ngroup; k++)
		ap->group[k] = resolve_alias(q, q->group[k], &ti->schema);
	for (uint32_t k = 0; k < q->nitems && rc == 0; k++)
		rc = collect_aggs(ap, q->items[k].e, 0);
	if (rc == 0 && q->having)
		rc = collect_aggs(ap, q->having, 0);
	for (uint32_t k = 0; k < q->norder && rc == 0; k++)
		rc = collect_aggs(ap, resolve_alias(q, q->order[k].e, &ti->schema), 0);
	if (rc == 0) {
		struct sql_agg_query aq = {
			.db = s->db, .ti = ti, .table = table, .where = q->where, .group = ap->group, .ngroup = q->ngroup,
			.aggs = ap->aggs, .naggs = ap->naggs, .plan = s->plan,
		};
		rc = sql_agg_scan(&aq, slots, ngroups, e);
	} else {
		rc = sql_nomem(e);
	}
	if (rc <= 0) {
		free(ap->aggs);
		free(ap->group);
		memset(ap, 0, sizeof(*ap));
	}
	return rc;
}

/* EXPLAIN: what the frontend does after the scan, bottom-up. */
static void plan_select(struct sql_plan *pl, const struct sql_select *q, const struct aggplan *ap, bool agg,
			bool fast, const char *table)
{
	struct gt_buf b = {0};
	if (q->align) {
		/* A range query: its aggregates over (row, window) groups, one row per slot. */
		gt_buf_addstr(&b, "RangeSelect: range_exprs=[");
		for (uint32_t k = 0, n = 0; k < q->nitems; k++)
			if (q->items[k].e->kind != E_STAR && q->items[k].e->kind != E_COL) {
				if (n++)
					gt_buf_addstr(&b, ", ");
				sql_expr_name(&b, q->items[k].e, table);
			}
		gt_buf_addstr(&b, "], align=");
		if (q->align->kind == E_STR)
			gt_buf_addstr(&b, q->align->s);
		else
			sql_expr_name(&b, q->align, table);
		gt_buf_addstr(&b, ", align_by=");
		if (q->by_given)
			plan_list(&b, q->by, q->nby, table);
		else
			gt_buf_addstr(&b, "[primary key]");
		sql_plan_add(pl, SQL_STAGE_FRONT, "%s", b.p ? b.p : "");
		gt_buf_reset(&b);
	} else if (agg) {
		gt_buf_addstr(&b, fast ? "FinalAggregate: groupBy=" : "Aggregate: groupBy=");
		plan_list(&b, ap->group, ap->ngroup, table);
		gt_buf_addstr(&b, ", aggr=");
		plan_list(&b, ap->aggs, ap->naggs, table);
		sql_plan_add(pl, SQL_STAGE_FRONT, "%s", b.p ? b.p : "");
		gt_buf_reset(&b);
	}
	if (q->having) {
		sql_expr_name(&b, q->having, table);
		sql_plan_add(pl, SQL_STAGE_FRONT, "Filter: %s", b.p ? b.p : "");
		gt_buf_reset(&b);
	}
	for (uint32_t k = 0; k < q->nitems; k++) {
		if (k)
			gt_buf_addstr(&b, ", ");
		if (q->items[k].e->kind == E_STAR)
			gt_buf_addch(&b, '*');
		else
			sql_expr_name(&b, q->items[k].e, table);
		if (q->items[k].alias)
			gt_buf_addf(&b, " AS %s", q->items[k].alias);
	}
	sql_plan_add(pl, SQL_STAGE_FRONT, "Projection: %s", b.p ? b.p : "");
	gt_buf_reset(&b);
	if (q->norder) {
		for (uint32_t k = 0; k < q->norder; k++) {
			if (k)
				gt_buf_addstr(&b, ", ");
			sql_expr_name(&b, q->order[k].e, table);
			gt_buf_addstr(&b, q->order[k].desc ? " DESC" : " ASC");
		}
		sql_plan_add(pl, SQL_STAGE_FRONT, "Sort: %s", b.p ? b.p : "");
	}
	if (q->limit >= 0 || q->offset > 0)
		sql_plan_add(pl, SQL_STAGE_FRONT, "Limit: skip=%lld, fetch=%lld", (long long)GT_MAX(q->offset, 0),
			     (long long)q->limit);
	gt_buf_release(&b);
}

/*
 * Run q over its input: rel when given, else the FROM table (a system
 * table's relation or a region scan), else one row of nothing.
 */
/*
 * DataFusion's planning rules for DISTINCT: a plain DISTINCT can only be
 * ordered by what it selects, and DISTINCT ON's keys must be the leading
 * ORDER BY keys.
 */
static int check_distinct(const struct sql_select *q, const char *table, struct gt_sql_error *e)
{
	if (q->distinct && !q->distinct_rows) {
		for (uint32_t k = 0; k < q->norder; k++) {
			const struct sql_expr *x = q->order[k].e;
			bool ok = x->kind == E_INT;
			for (uint32_t j = 0; j < q->nitems && !ok; j++)
				ok = (x->kind == E_COL && !x->q && q->items[j].alias && !strcmp(q->items[j].alias, x->s)) ||
				     name_eq(x, q->items[j].e, table);
			if (!ok) {
				struct gt_buf b = {0};
				sql_expr_name_q(&b, x, table);
				int rc = sql_err(e, GT_STATUS_PLAN_QUERY,
						 "Failed to plan SQL: Error during planning: For SELECT DISTINCT, ORDER BY expressions %.*s must appear in select list",
						 (int)GT_MIN(b.len, 512), b.p ? b.p : "");
				gt_buf_release(&b);
				return rc;
			}
		}
	}
	for (uint32_t k = 0; k < q->ndistinct_on && k < q->norder; k++)
		if (!name_eq(q->distinct_on[k], q->order[k].e, table))
			return sql_err(e, GT_STATUS_PLAN_QUERY,
				       "Failed to plan SQL: Error during planning: SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
	return 0;
}

/* Keep the first row (in output order perm[0..*n)) of each DISTINCT ON key, or of each distinct output row. */
static int distinct_perm(struct sql_ctx *c, const struct sql_select *q, const struct sql_xv *proj, uint32_t nproj,
			 uint32_t *perm, uint32_t *n, struct gt_sql_error *e)
{
	struct sql_xv *on = NULL;
	struct gt_keymap km = {0};
	struct gt_buf kb = {0};
	uint32_t nk = q->ndistinct_on ? q->ndistinct_on : nproj, kept = 0;
	int rc = 0;
	if (q->ndistinct_on) {
		if (!(on = gt_calloc(nk, sizeof(*on))))
			return sql_nomem(e);
		for (uint32_t k = 0; k < nk && rc == 0; k++)
			rc = sql_eval(c, q->distinct_on[k], &on[k]);
	}
	const struct sql_xv *keys = on ? on : proj;
	for (uint32_t i = 0; i < *n && rc == 0; i++) {
		bool isnew;
		gt_buf_reset(&kb);
		for (uint32_t k = 0; k < nk; k++)
			sql_key_add(&kb, &keys[k], perm[i]);
		if (gt_keymap_get(&km, kb.p ? kb.p : "", kb.len, &isnew) < 0)
			rc = sql_nomem(e);
		else if (isnew)
			perm[kept++] = perm[i];
	}
	if (rc == 0)
		*n = kept;
	for (uint32_t k = 0; on && k < nk; k++)
		sql_xv_release(&on[k]);
	free(on);
	gt_keymap_release(&km);
	gt_buf_release(&kb);
	return rc;
}

static int select_run(struct gt_sql_session *s, struct sql_select *q, const struct sql_rel *rel,
		      struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct sql_rel sys;
	struct frame f = {0};
	struct aggplan ap = {0};
	struct sql_xv *slots = NULL, *proj = NULL, *keys = NULL;
	uint32_t nslots = 0, nproj = 0, *perm = NULL, *tmp = NULL, *gid = NULL, *first = NULL;
	struct gt_schema empty;
	const struct gt_schema *sc = &empty;
	const char *table = NULL;
	char qual[2 * GT_NAME_MAX + 2];
	int64_t now_ns = s->now_ns ? s->now_ns : gt_now_ns();
	int rc = 0;
	bool have_table = false, fast = false;
	uint32_t fast_groups = 0;

	memset(&empty, 0, sizeof(empty));
	memset(&ti, 0, sizeof(ti));
	sql_rel_init(&sys);
	if (!rel && q->from) {
		/* Columns are qualified by the alias, else the name as written (t or db.t). */
		if (q->alias)
			snprintf(qual, sizeof(qual), "%s", q->alias);
		else if (q->from_db)
			snprintf(qual, sizeof(qual), "%s.%s", q->from_db, q->from);
		else
			snprintf(qual, sizeof(qual), "%s", q->from);
		table = qual;
		if ((rc = sql_sys_table(s, sql_pg_named(s, q->from_db, q->from) ? "pg_catalog" : dbof(s, q->from_db),
					q->from, &sys, e)) < 0)
			return rc;
		/* GreptimeDB pushes a bare LIMIT into the numbers scan, which then
		 * generates that many rows instead of its default 100. */
		if (rc > 0 && !strcmp(dbof(s, q->from_db), "public") && !strcmp(q->from, "numbers") && !q->where &&
		    q->limit >= 0 && !q->norder && !q->distinct && !q->ndistinct_on && !query_has_agg(q)) {
			uint64_t n = (uint64_t)q->limit + (uint64_t)(q->offset > 0 ? q->offset : 0);
			sql_rel_release(&sys);
			sql_rel_init(&sys);
			if ((rc = sql_numbers_table(&sys, n > SQL_NUMBERS_MAX ? SQL_NUMBERS_MAX : (uint32_t)n, e)) < 0)
				return rc;
		}
		if (rc > 0)
			rel = &sys;
		rc = 0;
	} else if (rel) {
		table = rel->name;
	}
	if ((rc = check_distinct(q, rel ? rel->name : q->from, e)) < 0)
		goto out;
	if (rel) {
		have_table = true;
		sc = &rel->schema;
		if ((rc = frame_init(&f, sc)) < 0) {
			rc = sql_nomem(e);
			goto out;
		}
		if ((rc = frame_add(s, &f, sc, table, rel, rel->rows.cols, rel->rows.nrows, q->where, now_ns, e)) < 0)
			goto out;
	} else if (q->from) {
		if (q->from_db && !strcmp(q->from_db, "information_schema"))
			return sql_err(e, GT_STATUS_UNSUPPORTED, "information_schema is not supported yet");
		if ((rc = get_table(s, q->from_db, q->from, &ti, e)) < 0)
			return rc;
		have_table = true;
		sc = &ti.schema;
		if (!q->align && query_has_agg(q) && (rc = agg_fast(s, q, &ti, table, &ap, &slots, &fast_groups, e)) != 0) {
			if (rc < 0)
				goto out;
			fast = true;
			nslots = q->ngroup + ap.naggs;
			rc = 0;
		} else if ((rc = scan_table(s, &ti, table, q->where, &f, NULL, NULL, now_ns, e)) < 0) {
			goto out;
		}
	} else {
		f.nrows = 1;
		if (q->where) {
			struct sql_ctx c0 = {.e = e, .nrows = 1, .now_ns = now_ns, .s = s};
			struct sql_xv m;
			if ((rc = sql_eval(&c0, q->where, &m)) < 0)
				goto out;
			if (SQL_NULL(&m, 0) || sql_xv_f64(&m, 0) == 0)
				f.nrows = 0;
			sql_xv_release(&m);
		}
	}
	struct sql_ctx c = {.e = e, .schema = sc, .table = table, .cols = f.cols, .nrows = f.nrows, .now_ns = now_ns,
			    .s = s};
	if (rel) {
		c.quals = rel->quals;
		c.hidden = rel->hidden;
	}

	/* Aggregation. */
	bool agg = query_has_agg(q) || q->align;
	if (q->align) {
		struct sql_range_in ri = {.q = q, .sc = sc, .table = table, .derived = rel && rel != &sys,
					  .now_ns = now_ns, .time_zone = s->time_zone};
		if ((rc = sql_range_group(&c, &ri, &slots, &nslots, &c.nrows)) < 0)
			goto out;
		c.slots = slots;
	} else if (fast) {
		c.slots = slots;
		c.nrows = fast_groups;
	} else if (agg) {
		struct gt_keymap gm = {0};
		struct gt_buf kb = {0};
		struct sql_xv *gx = NULL;
		uint32_t ngroups = 0;
		ap.table = table;
		ap.ngroup = q->ngroup;
		ap.group = gt_calloc(q->ngroup + 1, sizeof(*ap.group));
		gx = gt_calloc(q->ngroup + 1, sizeof(*gx));
		gid = gt_calloc(f.nrows + 1, sizeof(*gid));
		first = gt_calloc(f.nrows + 1, sizeof(*first));
		if (!ap.group || !gx || !gid || !first) {
			free(gx);
			rc = sql_nomem(e);
			goto out;
		}
		for (uint32_t k = 0; k < q->ngroup; k++)
			ap.group[k] = resolve_alias(q, q->group[k], sc);
		for (uint32_t k = 0; k < q->ngroup && rc == 0; k++)
			rc = sql_eval(&c, ap.group[k], &gx[k]);
		if (rc == 0) {
			if (q->ngroup == 0) {
				ngroups = 1;
			} else {
				for (uint32_t i = 0; i < f.nrows && rc == 0; i++) {
					bool isnew;
					gt_buf_reset(&kb);
					for (uint32_t k = 0; k < q->ngroup; k++)
						sql_key_add(&kb, &gx[k], i);
					int id = gt_keymap_get(&gm, kb.p ? kb.p : "", kb.len, &isnew);
					if (id < 0) {
						rc = sql_nomem(e);
						break;
					}
					gid[i] = (uint32_t)id;
					if (isnew)
						first[id] = i;
				}
				ngroups = gm.n;
			}
		}
		gt_keymap_release(&gm);
		gt_buf_release(&kb);
		/* Annotate the post-aggregation expressions. */
		for (uint32_t k = 0; k < q->nitems && rc == 0; k++)
			if (q->items[k].e->kind == E_STAR)
				rc = sql_err(e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: * is not allowed with GROUP BY");
			else if (collect_aggs(&ap, q->items[k].e, 0) < 0)
				rc = sql_nomem(e);
		if (rc == 0 && q->having && collect_aggs(&ap, q->having, 0) < 0)
			rc = sql_nomem(e);
		for (uint32_t k = 0; k < q->norder && rc == 0; k++)
			if (collect_aggs(&ap, resolve_alias(q, q->order[k].e, sc), 0) < 0)
				rc = sql_nomem(e);
		nslots = q->ngroup + ap.naggs;
		slots = gt_calloc(nslots + 1, sizeof(*slots));
		if (!slots && rc == 0)
			rc = sql_nomem(e);
		for (uint32_t k = 0; k < q->ngroup && rc == 0; k++) {
			gt_vec_init(&slots[k].v, gx[k].v.type);
			slots[k].unit = gx[k].unit;
			slots[k].lt = gx[k].lt;
			for (uint32_t g = 0; g < ngroups && rc == 0; g++)
				if (gt_vec_push_from(&slots[k].v, &gx[k].v, SQL_IX(&gx[k], first[g])) < 0)
					rc = sql_nomem(e);
		}
		for (uint32_t k = 0; k < ap.naggs && rc == 0; k++)
			rc = sql_agg_eval(&c, ap.aggs[k], gid, ngroups, q->ngroup > 0, &slots[q->ngroup + k]);
		for (uint32_t k = 0; k < q->ngroup; k++)
			sql_xv_release(&gx[k]);
		free(gx);
		if (rc < 0)
			goto out;
		c.slots = slots;
		c.nrows = ngroups;
	}
	if (agg) {
		if (q->having) {
			struct sql_xv m;
			if ((rc = sql_eval(&c, q->having, &m)) < 0)
				goto out;
			struct sql_xv *ns = gt_calloc(nslots + 1, sizeof(*ns));
			uint32_t kept = 0;
			if (!ns) {
				sql_xv_release(&m);
				rc = sql_nomem(e);
				goto out;
			}
			for (uint32_t k = 0; k < nslots; k++) {
				gt_vec_init(&ns[k].v, slots[k].v.type);
				ns[k].unit = slots[k].unit;
				ns[k].lt = slots[k].lt;
			}
			for (uint32_t g = 0; g < c.nrows && rc == 0; g++) {
				if (SQL_NULL(&m, g) || sql_xv_f64(&m, g) == 0)
					continue;
				for (uint32_t k = 0; k < nslots && rc == 0; k++)
					if (gt_vec_push_from(&ns[k].v, &slots[k].v, g) < 0)
						rc = sql_nomem(e);
				kept++;
			}
			sql_xv_release(&m);
			for (uint32_t k = 0; k < nslots; k++)
				sql_xv_release(&slots[k]);
			free(slots);
			slots = ns;
			c.slots = slots;
			c.nrows = kept;
			if (rc < 0)
				goto out;
		}
	} else if (q->having) {
		rc = sql_err(e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: HAVING requires GROUP BY or an aggregate");
		goto out;
	}

	/* Projection. */
	uint32_t cap = 0;
	for (uint32_t k = 0; k < q->nitems; k++)
		cap += q->items[k].e->kind == E_STAR ? sc->ncols : 1;
	if (cap == 0 && !have_table) {
		rc = sql_err(e, GT_STATUS_PLAN_QUERY, "Failed to plan SQL: Error during planning: SELECT * with no tables specified is not valid");
		goto out;
	}
	proj = gt_calloc(cap + 1, sizeof(*proj));
	char **names = gt_calloc(cap + 1, sizeof(*names));
	if (!proj || !names) {
		free(names);
		rc = sql_nomem(e);
		goto out;
	}
	for (uint32_t k = 0; k < q->nitems && rc == 0; k++) {
		struct sql_expr *x = q->items[k].e;
		if (x->kind == E_STAR) {
			/* t.* takes t's columns; * leaves out the left keys of USING. */
			for (uint32_t j = 0; j < sc->ncols && rc == 0; j++) {
				const char *jq = c.quals ? c.quals[j] : table;
				if (x->s ? !sql_qual_match(x->s, jq) : c.hidden && c.hidden[j])
					continue;
				struct sql_xv *p = &proj[nproj];
				gt_vec_init(&p->v, sc->cols[j].type);
				p->unit = sc->cols[j].unit;
				p->lt = sc->cols[j].lt;
				names[nproj++] = gt_strdup(sc->cols[j].name);
				if (gt_vec_append(&p->v, &f.cols[j], 0, f.nrows) < 0)
					rc = sql_nomem(e);
			}
			continue;
		}
		struct gt_buf nb = {0};
		if (q->items[k].alias)
			gt_buf_addstr(&nb, q->items[k].alias);
		else
			sql_expr_name(&nb, x, table);
		names[nproj] = gt_buf_detach(&nb, NULL);
		rc = sql_eval(&c, x, &proj[nproj]);
		nproj++;
	}
	/* Order. */
	uint32_t n = c.nrows;
	perm = gt_calloc(n + 1, sizeof(*perm));
	tmp = gt_calloc(n + 1, sizeof(*tmp));
	if (rc == 0 && (!perm || !tmp))
		rc = sql_nomem(e);
	for (uint32_t i = 0; i < n && rc == 0; i++)
		perm[i] = i;
	if (rc == 0 && q->norder) {
		keys = gt_calloc(q->norder, sizeof(*keys));
		if (!keys)
			rc = sql_nomem(e);
		for (uint32_t k = 0; k < q->norder && rc == 0; k++) {
			struct sql_expr *x = q->order[k].e;
			/* An ORDER BY naming an output column reads it. */
			int hit = -1;
			if (x->kind == E_INT && x->i > (int64_t)nproj) {
				rc = sql_err(e, GT_STATUS_PLAN_QUERY,
					     "Failed to plan SQL: Error during planning: Order by column out of bounds, specified: %lld, max: %u",
					     (long long)x->i, nproj);
				break;
			}
			if (x->kind == E_INT && x->i >= 1)
				hit = (int)x->i - 1;
			else if (x->kind == E_COL && !x->q)
				for (uint32_t j = 0; j < nproj; j++)
					if (names[j] && !strcmp(names[j], x->s) &&
					    (j >= q->nitems || q->items[j].alias || !agg)) {
						hit = (int)j;
						break;
					}
			if (hit >= 0) {
				keys[k] = proj[hit];
				keys[k].v.valid = proj[hit].v.valid;
				/* Borrowed: mark so that release skips it. */
				keys[k].interval = true;
				keys[k].v.cap = UINT32_MAX;
			} else {
				rc = sql_eval(&c, resolve_alias(q, x, sc), &keys[k]);
			}
		}
		if (rc == 0) {
			struct sortctx so = {.keys = keys, .ord = q->order, .n = q->norder};
			merge_sort(&so, perm, tmp, n);
		}
	}
	if (rc == 0 && (q->ndistinct_on || q->distinct_rows))
		rc = distinct_perm(&c, q, proj, nproj, perm, &n, e);
	if (rc < 0)
		goto out_names;
	/* Output. */
	uint64_t from = q->offset > 0 ? (uint64_t)q->offset : 0;
	uint64_t to = n;
	if (from > to)
		from = to;
	if (q->limit >= 0 && from + (uint64_t)q->limit < to)
		to = from + (uint64_t)q->limit;
	struct gt_sql_output *o = sql_out_new(res);
	if (!o) {
		rc = sql_nomem(e);
		goto out_names;
	}
	o->kind = GT_SQL_RECORDS;
	o->cols = gt_calloc(nproj + 1, sizeof(*o->cols));
	if (!o->cols) {
		rc = sql_nomem(e);
		goto out_names;
	}
	o->ncols = nproj;
	for (uint32_t k = 0; k < nproj && rc == 0; k++) {
		o->cols[k].name = names[k];
		names[k] = NULL;
		o->cols[k].type = proj[k].v.type;
		o->cols[k].unit = proj[k].unit;
		o->cols[k].lt = proj[k].lt;
		if (!o->cols[k].name || gt_batch_add_col(&o->rows, k, proj[k].v.type) < 0) {
			rc = sql_nomem(e);
			break;
		}
		struct gt_vec *ov = &o->rows.cols[k];
		for (uint64_t i = from; i < to && rc == 0; i++)
			if (gt_vec_push_from(ov, &proj[k].v, SQL_IX(&proj[k], perm[i])) < 0)
				rc = sql_nomem(e);
	}
	o->rows.nrows = (uint32_t)(to - from);
	if (s->plan)
		plan_select(s->plan, q, &ap, agg, fast, table);
out_names:
	for (uint32_t k = 0; k < cap; k++)
		free(names[k]);
	free(names);
out:
	if (keys) {
		for (uint32_t k = 0; k < q->norder; k++)
			if (!(keys[k].interval && keys[k].v.cap == UINT32_MAX))
				sql_xv_release(&keys[k]);
		free(keys);
	}
	for (uint32_t k = 0; k < nproj; k++)
		sql_xv_release(&proj[k]);
	free(proj);
	for (uint32_t k = 0; k < nslots && slots; k++)
		sql_xv_release(&slots[k]);
	free(slots);
	free(ap.aggs);
	free(ap.group);
	free(perm);
	free(tmp);
	free(gid);
	free(first);
	frame_release(&f);
	gt_table_info_release(&ti);
	sql_rel_release(&sys);
	return rc;
}

int sql_select_rel(struct gt_sql_session *s, struct sql_select *q, const struct sql_rel *rel,
		   struct gt_sql_result *res, struct gt_sql_error *e)
{
	return select_run(s, q, rel, res, e);
}

/* ---- SELECT streamed to a sink ---- */

struct stream {
	const struct gt_sql_sink *sink;
	struct gt_sql_output *o;     /* the output: columns here, rows borrowed per batch */
	uint32_t *src;               /* output column k is schema column src[k] */
	uint64_t skip, left;         /* OFFSET still to skip, LIMIT still to send (UINT64_MAX: none) */
	uint64_t sent;
	struct gt_sql_error *e;
};

static int stream_emit(void *ctx, struct gt_vec *cols, uint32_t nrows)
{
	struct stream *st = ctx;
	uint32_t from = 0, to = nrows;
	if (st->skip) {
		from = st->skip >= nrows ? nrows : (uint32_t)st->skip;
		st->skip -= from;
	}
	if (to - from > st->left)
		to = from + (uint32_t)st->left;
	if (from < to) {
		for (uint32_t k = 0; k < st->o->ncols; k++)
			st->o->rows.cols[k] = cols[st->src[k]];
		st->o->rows.nrows = nrows;
		int rc = st->sink->rows(st->sink->ctx, st->o, from, to);
		if (rc < 0)
			return sql_err(st->e, GT_STATUS_INTERNAL, "%s", gt_strerror(rc));
		st->sent += to - from;
		if (st->left != UINT64_MAX)
			st->left -= to - from;
	}
	return st->left == 0 ? 1 : 0;
}

int sql_select_stream(struct gt_sql_session *s, struct sql_select *q, const struct gt_sql_sink *sink,
		      struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct gt_sql_output view = {0};
	struct frame f = {0};
	struct stream st = {.sink = sink, .o = &view, .e = e};
	char qual[2 * GT_NAME_MAX + 2], *text = NULL;
	const char *db = dbof(s, q->from_db);
	struct gt_err err = {0};
	uint32_t n = 0;
	int rc;

	/* Only what needs no more than one batch at a time; the usual path
	 * gives every error (no table, no column) as it always has. */
	if (s->plan || !q->from || q->sub || q->njoins || q->setop || q->nctes || q->align || q->ngroup ||
	    q->having || q->norder || q->distinct || q->distinct_rows || q->ndistinct_on || query_has_agg(q) ||
	    !strcmp(db, "information_schema") || (!strcmp(db, "public") && !strcmp(q->from, "numbers")) ||
	    sql_pg_named(s, q->from_db, q->from))
		return 0;
	for (uint32_t k = 0; k < q->nitems; k++)
		if (q->items[k].e->kind != E_STAR && q->items[k].e->kind != E_COL)
			return 0;
	rc = gt_catalog_get_view(s->db->catalog, db, q->from, &text, &err);
	free(text);
	if (rc != GT_ENOTFOUND)
		return 0;
	memset(&ti, 0, sizeof(ti));
	if (gt_db_table(s->db, db, q->from, &ti, &err) < 0) {
		gt_table_info_release(&ti);
		return 0;
	}
	const struct gt_schema *sc = &ti.schema;
	if (q->alias)
		snprintf(qual, sizeof(qual), "%s", q->alias);
	else if (q->from_db)
		snprintf(qual, sizeof(qual), "%s.%s", q->from_db, q->from);
	else
		snprintf(qual, sizeof(qual), "%s", q->from);
	for (uint32_t k = 0; k < q->nitems; k++)
		n += q->items[k].e->kind == E_STAR ? sc->ncols : 1;
	if (n == 0) {
		gt_table_info_release(&ti);
		return 0;
	}
	rc = 0;
	if (!(st.src = gt_calloc(n + 1, sizeof(*st.src))) || !(view.cols = gt_calloc(n + 1, sizeof(*view.cols))) ||
	    !(view.rows.cols = gt_calloc(n + 1, sizeof(*view.rows.cols)))) {
		rc = sql_nomem(e);
		goto out;
	}
	view.kind = GT_SQL_RECORDS;
	view.rows.ncols = n;
	for (uint32_t k = 0; k < q->nitems && rc == 0; k++) {
		const struct sql_expr *x = q->items[k].e;
		if (x->kind == E_STAR) {
			for (uint32_t j = 0; j < sc->ncols; j++)
				st.src[view.ncols++] = j;
			continue;
		}
		int j = gt_schema_find(sc, x->s);
		if (j < 0 || (x->q && !sql_qual_match(x->q, qual)))
			goto out;    /* rc 0: the usual path says what is wrong */
		st.src[view.ncols++] = (uint32_t)j;
	}
	for (uint32_t k = 0; k < n; k++) {
		const struct gt_coldef *c = &sc->cols[st.src[k]];
		view.cols[k].type = c->type;
		view.cols[k].unit = c->unit;
		view.cols[k].lt = c->lt;
	}
	/* names: the schema's for *, else the alias or the expression's */
	for (uint32_t k = 0, at = 0; k < q->nitems; k++) {
		const struct sql_expr *x = q->items[k].e;
		if (x->kind == E_STAR) {
			for (uint32_t j = 0; j < sc->ncols; j++, at++)
				if (!(view.cols[at].name = gt_strdup(sc->cols[j].name)))
					rc = sql_nomem(e);
			continue;
		}
		struct gt_buf nb = {0};
		if (q->items[k].alias)
			gt_buf_addstr(&nb, q->items[k].alias);
		else
			sql_expr_name(&nb, x, qual);
		if (!(view.cols[at++].name = gt_buf_detach(&nb, NULL)))
			rc = sql_nomem(e);
	}
	if (rc < 0)
		goto out;
	st.skip = q->offset > 0 ? (uint64_t)q->offset : 0;
	st.left = q->limit >= 0 ? (uint64_t)q->limit : UINT64_MAX;
	if ((rc = sink->begin(sink->ctx, &view)) < 0) {
		rc = sql_err(e, GT_STATUS_INTERNAL, "%s", gt_strerror(rc));
		goto out;
	}
	if (st.left && (rc = scan_table(s, &ti, qual, q->where, &f, stream_emit, &st, s->now_ns ? s->now_ns : gt_now_ns(),
					e)) < 0)
		goto out;
	/* the output: the columns, no rows of its own, how many were streamed */
	struct gt_sql_output *o = sql_out_new(res);
	if (!o) {
		rc = sql_nomem(e);
		goto out;
	}
	o->kind = GT_SQL_RECORDS;
	o->streamed = true;
	o->nstreamed = st.sent;
	o->cols = view.cols;
	o->ncols = view.ncols;
	view.cols = NULL;
	view.ncols = 0;
	for (uint32_t k = 0; k < o->ncols && rc == 0; k++)
		if (gt_batch_add_col(&o->rows, k, o->cols[k].type) < 0)
			rc = sql_nomem(e);
	if (rc == 0)
		rc = 1;
out:
	for (uint32_t k = 0; view.cols && k < n; k++)
		free(view.cols[k].name);
	free(view.cols);
	free(view.rows.cols);   /* borrowed vecs: only the array is ours */
	free(st.src);
	frame_release(&f);
	gt_table_info_release(&ti);
	return rc;
}

static int delete_stmt(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		       struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct frame f = {0};
	struct gt_batch b;
	struct gt_err err = {0};
	int rc = get_table(s, st->db, st->name, &ti, e);
	if (rc < 0)
		return rc;
	gt_batch_init(&b);
	if (ti.schema.opts.append_mode) {
		rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid request to region, reason: DELETE is not allowed under append mode");
		goto out;
	}
	if ((rc = scan_table(s, &ti, ti.name, st->where, &f, NULL, NULL, s->now_ns ? s->now_ns : gt_now_ns(), e)) < 0)
		goto out;
	for (uint32_t k = 0; k < ti.schema.ncols && rc == 0; k++) {
		const struct gt_coldef *c = &ti.schema.cols[k];
		if (c->sem == GT_FIELD)
			continue;
		int bi = gt_batch_add_col(&b, c->id, c->type);
		if (bi < 0 || gt_vec_append(&b.cols[bi], &f.cols[k], 0, f.nrows) < 0)
			rc = sql_nomem(e);
	}
	b.nrows = f.nrows;
	if (rc == 0 && f.nrows) {
		if (gt_batch_reserve_meta(&b, f.nrows, false, true, false) < 0) {
			rc = sql_nomem(e);
			goto out;
		}
		memset(b.op, GT_OP_DELETE, f.nrows);
		if ((rc = gt_db_write(s->db, &ti, &b, &err)) < 0)
			rc = sql_engine_err(e, rc, &err);
	}
	if (rc == 0)
		rc = affected(res, f.nrows, e);
out:
	frame_release(&f);
	gt_batch_release(&b);
	gt_table_info_release(&ti);
	return rc;
}

/*
 * EXPLAIN [ANALYZE] of a query, TQL EXPLAIN|ANALYZE of a PromQL one: run
 * st with a plan recorder (dry unless ANALYZE) and answer the plan.
 */
static int explain(struct gt_sql_session *s, struct sql_stmt *st, bool analyze, struct gt_sql_result *res,
		   struct gt_sql_error *e)
{
	struct sql_plan pl = {.dry = !analyze, .analyze = analyze};
	struct gt_sql_result tmp = {0};
	struct sql_plan *saved = s->plan;
	int64_t t0 = gt_now_ns();
	s->plan = &pl;
	int rc = st->kind == S_TQL ? sql_exec_tql(s, st, &tmp, e) : sql_exec_stmt(s, st, &tmp, e);
	s->plan = saved;
	double ms = (double)(gt_now_ns() - t0) / 1e6;
	uint64_t rows = tmp.n ? tmp.outs[tmp.n - 1].rows.nrows : 0;
	gt_sql_result_release(&tmp);
	if (rc == 0)
		rc = sql_plan_output(&pl, rows, ms, res, e);
	sql_plan_release(&pl);
	return rc;
}

/* information_schema is read-only: no DDL or writes name it. */
static int read_only(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_error *e)
{
	const char *db;
	switch (st->kind) {
	case S_CREATE_DB:
	case S_DROP_DB:
	case S_ALTER_DB_SET:
		db = st->name;
		break;
	case S_CREATE_TABLE:
	case S_CREATE_LIKE:
	case S_DROP_TABLE:
	case S_ALTER_ADD:
	case S_ALTER_DROP:
	case S_ALTER_SET:
	case S_TRUNCATE:
	case S_INSERT:
	case S_DELETE:
		db = dbof(s, st->db);
		break;
	default:
		return 0;
	}
	if (strcmp(db, "information_schema"))
		return 0;
	if (st->kind == S_DELETE)
		return sql_err(e, GT_STATUS_UNSUPPORTED, "Cannot change read-only table: %s", st->name);
	return sql_err(e, GT_STATUS_UNSUPPORTED, "Schema `information_schema` is read-only");
}

int sql_exec_stmt(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_err err = {0};
	int rc;
	/* the system schemas exist for every session, whether or not it sees them */
	if (st->kind == S_CREATE_DB && (!strcmp(st->name, "information_schema") || !strcmp(st->name, "pg_catalog")))
		return st->if_exists ? affected(res, 1, e)
				     : sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Schema %s already exists", st->name);
	if ((rc = read_only(s, st, e)) < 0)
		return rc;
	switch (st->kind) {
	case S_CREATE_DB:
		if (gt_check_name("database", st->name, &err) < 0 || !sql_name_ok(st->name))
			return sql_err(e, GT_STATUS_UNEXPECTED, "Unexpected, violated: Invalid database name: %s", st->name);
		rc = gt_catalog_create_db(s->db->catalog, st->name, st->if_exists, &err);
		if (rc == GT_EEXIST)
			return sql_err(e, GT_STATUS_DATABASE_ALREADY_EXISTS, "Schema %s already exists", st->name);
		if (rc < 0)
			return sql_engine_err(e, rc, &err);
		if (rc == 1 && st->nopts && (rc = sql_db_set_options(s, st, e)) < 0)
			return rc;
		return affected(res, 1, e);
	case S_DROP_DB:
		if (!strcmp(s->dbname, st->name) && gt_catalog_has_db(s->db->catalog, st->name))
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Schema `%s` is in use", st->name);
		rc = gt_catalog_drop_db(s->db->catalog, st->name, st->if_exists, &err);
		if (rc == GT_ENOTFOUND)
			return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", st->name);
		if (rc < 0)
			return sql_engine_err(e, rc, &err);
		return affected(res, 0, e);
	case S_SHOW_DBS:
	case S_SHOW_TABLES:
	case S_SHOW_CREATE:
	case S_SHOW_CREATE_DB:
	case S_SHOW_COLUMNS:
	case S_SHOW_INDEX:
	case S_SHOW_REGION:
	case S_SHOW_CHARSET:
	case S_SHOW_COLLATION:
	case S_SHOW_PROCESSLIST:
	case S_SHOW_TABLE_STATUS:
		return sql_exec_show(s, st, res, e);
	case S_SET: {
		int32_t off;
		if (strcmp(st->name, "time_zone"))
			return sql_err(e, GT_STATUS_UNSUPPORTED, "Unsupported set variable %s", st->name);
		if (strlen(st->value) >= sizeof(s->time_zone) || gt_tz_offset(st->value, 0, &off) < 0)
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid timezone: %s", st->value);
		snprintf(s->time_zone, sizeof(s->time_zone), "%s", st->value);
		return affected(res, 0, e);
	}
	case S_USE:
		if (!gt_catalog_has_db(s->db->catalog, st->name) && strcmp(st->name, "information_schema") &&
		    !(s->channel == GT_SQL_POSTGRES && !strcmp(st->name, "pg_catalog")))
			return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", st->name);
		snprintf(s->dbname, sizeof(s->dbname), "%s", st->name);
		return affected(res, 0, e);
	case S_CREATE_TABLE:
		return create_table(s, st, res, e);
	case S_DROP_TABLE:
		if (st->nmore)
			return sql_exec_ddl(s, st, res, e);
		if ((rc = sql_metric_drop_check(s, dbof(s, st->db), st->name, e)) < 0)
			return rc;
		rc = gt_db_drop_table(s->db, dbof(s, st->db), st->name, &err);
		if (rc == GT_ENOTFOUND) {
			if (st->if_exists)
				return affected(res, 0, e);
			return table_not_found(e, dbof(s, st->db), st->name);
		}
		if (rc < 0)
			return sql_engine_err(e, rc, &err);
		return affected(res, 0, e);
	case S_DESCRIBE:
		return describe(s, st, res, e);
	case S_ALTER_ADD:
	case S_ALTER_DROP:
		return alter(s, st, res, e);
	case S_TRUNCATE: {
		struct gt_table_info ti;
		if ((rc = get_table(s, st->db, st->name, &ti, e)) < 0)
			return rc;
		for (uint32_t i = 0; i < ti.nregions && rc == 0; i++) {
			uint64_t id = gt_table_region(&ti, i);
			rc = st->nranges ? s->db->rc.ops->truncate_files(s->db->rc.self, id, st->ranges, st->nranges, &err) :
					   s->db->rc.ops->truncate(s->db->rc.self, id, &err);
			if (rc < 0)
				rc = sql_engine_err(e, rc, &err);
		}
		gt_table_info_release(&ti);
		return rc < 0 ? rc : affected(res, 0, e);
	}
	case S_INSERT:
		return insert(s, st, res, e);
	case S_DELETE:
		return delete_stmt(s, st, res, e);
	case S_EXPLAIN:
		return explain(s, st->inner, st->analyze, res, e);
	case S_TQL:
		if (st->tql_verb != 'E')
			return explain(s, st, st->tql_verb == 'A', res, e);
		return sql_exec_tql(s, st, res, e);
	case S_CREATE_VIEW:
	case S_DROP_VIEW:
	case S_SHOW_VIEWS:
	case S_SHOW_CREATE_VIEW:
		return sql_exec_view(s, st, res, e);
	case S_SELECT: {
		/* the sink takes this statement's rows only: not a subquery's or a view's */
		const struct gt_sql_sink *sink = s->sink;
		s->sink = NULL;
		rc = sql_query_run(s, st->arena, st->sel, sink, res, e);
		s->sink = sink;
		return rc < 0 ? sql_plan_error(e, rc) : rc;
	}
	default:
		return sql_exec_ddl(s, st, res, e);
	}
}
