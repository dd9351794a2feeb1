/*
 * sql-ddl.c - the administrative statements that sql-exec.c dispatches
 * here: ADMIN functions (flush_table, compact_table ...) and DROP TABLE
 * over a list of tables.
 *
 * They live apart from sql-exec.c so that the query path there can
 * change without these statements in the way.  Outputs and errors follow
 * GreptimeDB's: ADMIN returns a one-row table headed by the statement's
 * text ("ADMIN flush_table('monitor')") holding 0.
 */
#include "sql-ast.h"
#include "catalog.h"

#include <ctype.h>
#include <strings.h>

bool sql_name_ok(const char *name)
{
	const unsigned char *c = (const unsigned char *)name;
	if (!(isalpha(*c) || *c == '_' || *c == ':' || *c == '-'))
		return false;
	for (c++; *c; c++)
		if (!(isalnum(*c) || strchr("_:-.@#", *c)))
			return false;
	return true;
}

static const char *const info_schema_tables[] = {
	"build_info", "character_sets", "check_constraints", "cluster_info",
	"collation_character_set_applicability", "collations", "column_privileges",
	"column_statistics", "columns", "engines", "events", "files", "flow_statistics", "flows",
	"global_status", "key_column_usage", "optimizer_trace", "parameters", "partitions",
	"procedure_info", "process_list", "profiling", "referential_constraints", "region_info",
	"region_peers", "region_statistics", "routines", "schema_privileges", "schemata",
	"session_status", "ssts_index_meta", "ssts_manifest", "ssts_storage", "statistics",
	"table_constraints", "table_privileges", "table_semantics", "tables", "views", NULL,
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *sql_table_type(const char *db, const char *table)
{
	if (!strcmp(db, "information_schema") || (!strcmp(db, "public") && !strcmp(table, "numbers")))
		return "LOCAL TEMPORARY";
	return "BASE TABLE";
}

int sql_list_tables(struct gt_sql_session *s, const char *db, char ***names, struct gt_sql_error *e)
{
	struct gt_err err = {0};
	char **v = NULL;
	size_t n = 0;
	*names = NULL;
	if (!strcmp(db, "information_schema")) {
		size_t k = GT_ARRAY_LEN(info_schema_tables);
		if (!(v = gt_calloc(k, sizeof(*v))))
			return sql_nomem(e);
		for (size_t i = 0; info_schema_tables[i]; i++)
			if (!(v[i] = gt_strdup(info_schema_tables[i]))) {
				gt_strv_free(v);
				return sql_nomem(e);
			}
		*names = v;
		return 0;
	}
	int rc = gt_catalog_list_tables(s->db->catalog, db, &v, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: greptime.%s", db);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	if (strcmp(db, "public")) {
		*names = v;
		return 0;
	}
	while (v[n])
		n++;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], "numbers")) {
			*names = v;
			return 0;
		}
	char **w = gt_reallocarray(v, n + 2, sizeof(*v));
	if (!w) {
		gt_strv_free(v);
		return sql_nomem(e);
	}
	w[n + 1] = NULL;
	if (!(w[n] = gt_strdup("numbers"))) {
		gt_strv_free(w);
		return sql_nomem(e);
	}
	qsort(w, n + 1, sizeof(*w), cmp_name);
	*names = w;
	return 0;
}

int sql_plan_error(struct gt_sql_error *e, int rc)
{
	static const char pfx[] = "Failed to plan SQL: ";
	if (e->status == GT_STATUS_TABLE_NOT_FOUND && !strncmp(e->msg, "Table not found: ", 17)) {
		size_t n = strlen(e->msg);
		if (n + sizeof(pfx) <= sizeof(e->msg)) {
			memmove(e->msg + sizeof(pfx) - 1, e->msg, n + 1);
			memcpy(e->msg, pfx, sizeof(pfx) - 1);
		}
	}
	return rc;
}

struct gt_sql_output *sql_out_new(struct gt_sql_result *res)
{
	struct gt_sql_output *o = gt_reallocarray(res->outs, res->n + 1, sizeof(*o));
	if (!o)
		return NULL;
	res->outs = o;
	o = &res->outs[res->n++];
	memset(o, 0, sizeof(*o));
	gt_batch_init(&o->rows);
	return o;
}

struct gt_sql_output *sql_out_table(struct gt_sql_result *res, const char *const *names, const uint8_t *types,
				    uint32_t n)
{
	struct gt_sql_output *o = sql_out_new(res);
	if (!o)
		return NULL;
	o->kind = GT_SQL_RECORDS;
	o->cols = gt_calloc(n, sizeof(*o->cols));
	if (!o->cols)
		return NULL;
	o->ncols = n;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t t = types ? types[i] : GT_STRING;
		o->cols[i].name = gt_strdup(names[i]);
		o->cols[i].type = t;
		if (!o->cols[i].name || gt_batch_add_col(&o->rows, i, t) < 0)
			return NULL;
	}
	return o;
}

/* A table name argument: 'db.t' or 't' in the session's database. */
static void split_name(struct gt_sql_session *s, const char *arg, char *db, char *t)
{
	const char *dot = strchr(arg, '.');
	if (dot && (size_t)(dot - arg) <= GT_NAME_MAX) {
		snprintf(db, GT_NAME_MAX + 1, "%.*s", (int)(dot - arg), arg);
		snprintf(t, GT_NAME_MAX + 1, "%s", dot + 1);
	} else {
		snprintf(db, GT_NAME_MAX + 1, "%s", s->dbname);
		snprintf(t, GT_NAME_MAX + 1, "%s", arg);
	}
}

static int admin(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	const struct sql_expr *f = st->call;
	bool flush = !strcmp(f->s, "flush_table"), compact = !strcmp(f->s, "compact_table");
	bool region = !strcmp(f->s, "flush_region") || !strcmp(f->s, "compact_region");
	struct gt_err err = {0};
	int rc = 0;

	if (!flush && !compact && !region)
		return sql_err(e, GT_STATUS_UNSUPPORTED, "Unsupported admin function: %s", f->s);
	if (f->nargs < 1)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid function args: %s", f->s);
	if (flush || compact) {
		char db[GT_NAME_MAX + 1], t[GT_NAME_MAX + 1];
		struct gt_table_info ti;
		if (f->args[0]->kind != E_STR)
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
				       "The first argument of %s must be a table name string", f->s);
		split_name(s, f->args[0]->s, db, t);
		memset(&ti, 0, sizeof(ti));
		rc = gt_db_table(s->db, db, t, &ti, &err);
		if (rc == GT_ENOTFOUND)
			return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: greptime.%s.%s", db, t);
		if (rc < 0)
			return sql_engine_err(e, rc, &err);
		for (uint32_t i = 0; i < ti.nregions && rc == 0; i++) {
			uint64_t id = gt_table_region(&ti, i);
			if (flush) {
				rc = s->db->rc.ops->flush(s->db->rc.self, id, &err);
			} else {
				struct gt_compact_opts co = {.force = true};
				struct gt_compact_report rep;
				rc = s->db->rc.ops->flush(s->db->rc.self, id, &err);
				if (rc == 0)
					rc = s->db->rc.ops->compact(s->db->rc.self, id, &co, &rep, &err);
			}
			if (rc < 0)
				rc = sql_engine_err(e, rc, &err);
		}
		gt_table_info_release(&ti);
		if (rc < 0)
			return rc;
	}

	char *hdr = gt_malloc(strlen(st->text) + 7);
	if (!hdr)
		return sql_nomem(e);
	memcpy(hdr, "ADMIN ", 6);
	memcpy(hdr + 6, st->text, strlen(st->text) + 1);
	const char *const names[] = {hdr};
	const uint8_t types[] = {GT_U64};
	struct gt_sql_output *o = sql_out_table(res, names, types, 1);
	free(hdr);
	if (!o || gt_vec_push_u64(&o->rows.cols[0], 0) < 0)
		return sql_nomem(e);
	o->rows.nrows = 1;
	return 0;
}

/*
 * DROP TABLE a, b, c: GreptimeDB checks that every table exists (unless
 * IF EXISTS) before it drops any of them.
 */
static int drop_tables(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		       struct gt_sql_error *e)
{
	struct gt_err err = {0};
	int rc;
	for (uint32_t i = 0; i <= st->nmore; i++) {
		const char *db = i ? st->more_db[i - 1] : st->db;
		const char *t = i ? st->more_name[i - 1] : st->name;
		struct gt_table_info ti;
		if (!db)
			db = s->dbname;
		memset(&ti, 0, sizeof(ti));
		rc = gt_db_table(s->db, db, t, &ti, &err);
		if (rc == GT_ENOTFOUND) {
			if (st->if_exists)
				continue;
			return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: greptime.%s.%s", db, t);
		}
		if (rc < 0)
			return sql_engine_err(e, rc, &err);
		gt_table_info_release(&ti);
	}
	for (uint32_t i = 0; i <= st->nmore; i++) {
		const char *db = i ? st->more_db[i - 1] : st->db;
		const char *t = i ? st->more_name[i - 1] : st->name;
		/* in list order, so that "DROP TABLE logical, physical" drops both */
		if ((rc = sql_metric_drop_check(s, db ? db : s->dbname, t, e)) < 0)
			return rc;
		rc = gt_db_drop_table(s->db, db ? db : s->dbname, t, &err);
		if (rc == GT_ENOTFOUND)
			continue;
		if (rc < 0)
			return sql_engine_err(e, rc, &err);
	}
	struct gt_sql_output *o = sql_out_new(res);
	if (!o)
		return sql_nomem(e);
	o->kind = GT_SQL_AFFECTED;
	o->affected = 0;
	return 0;
}

static int affected0(struct gt_sql_result *res, uint64_t n, struct gt_sql_error *e)
{
	struct gt_sql_output *o = sql_out_new(res);
	if (!o)
		return sql_nomem(e);
	o->kind = GT_SQL_AFFECTED;
	o->affected = n;
	return 0;
}

/* ALTER TABLE t SET k = v, ... / UNSET k, ...: a new schema version with the options changed. */
static int alter_set(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		     struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct gt_schema sc;
	struct gt_err err = {0};
	const char *db = st->db ? st->db : s->dbname;
	memset(&ti, 0, sizeof(ti));
	int rc = gt_db_table(s->db, db, st->name, &ti, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: greptime.%s.%s", db, st->name);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	if ((rc = sql_metric_alter_check(&ti.schema.opts, false, e)) < 0 || gt_schema_copy(&sc, &ti.schema) < 0) {
		gt_table_info_release(&ti);
		return rc < 0 ? rc : sql_nomem(e);
	}
	rc = sql_table_opts_apply(&sc.opts, st->opts, st->nopts, true, e);
	sc.version++;
	if (rc == 0 && (rc = gt_db_alter_table(s->db, &ti, &sc, &err)) < 0)
		rc = sql_engine_err(e, rc, &err);
	gt_schema_release(&sc);
	gt_table_info_release(&ti);
	return rc < 0 ? rc : affected0(res, 0, e);
}

/*
 * CREATE DATABASE ... WITH (...) (st->kind S_CREATE_DB, after the
 * database is made) and ALTER DATABASE SET / UNSET: the database's
 * options, checked as table options are.
 */
int sql_db_set_options(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_error *e)
{
	struct gt_table_opts to;
	struct gt_err err = {0};
	memset(&to, 0, sizeof(to));
	int rc = gt_catalog_db_options(s->db->catalog, st->name, &to.kv, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", st->name);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	/* apply as an alteration: a database gets no compaction.override */
	rc = sql_table_opts_apply(&to, st->opts, st->nopts, true, e);
	if (rc == 0 && (rc = gt_catalog_set_db_options(s->db->catalog, st->name, &to.kv, &err)) < 0)
		rc = sql_engine_err(e, rc, &err);
	gt_opts_release(&to.kv);
	return rc;
}

/* CREATE TABLE t LIKE src: src's columns, keys and options, no data. */
static int create_like(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		       struct gt_sql_error *e)
{
	struct gt_table_info src;
	struct gt_schema sc;
	struct gt_err err = {0};
	const char *db = st->db ? st->db : s->dbname, *sdb = st->like_db ? st->like_db : s->dbname;
	memset(&src, 0, sizeof(src));
	int rc = gt_db_table(s->db, sdb, st->like, &src, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: greptime.%s.%s", sdb, st->like);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	if (gt_schema_copy(&sc, &src.schema) < 0) {
		gt_table_info_release(&src);
		return sql_nomem(e);
	}
	sc.version = 0;
	rc = gt_db_create_table(s->db, db, st->name, &sc, &src.part, NULL, &err);
	if (rc == GT_EEXIST)
		rc = sql_err(e, GT_STATUS_TABLE_ALREADY_EXISTS, "Table already exists: `greptime.%s.%s`", db, st->name);
	else if (rc == GT_ENOTFOUND)
		rc = sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", db);
	else if (rc < 0)
		rc = sql_engine_err(e, rc, &err);
	gt_schema_release(&sc);
	gt_table_info_release(&src);
	return rc < 0 ? rc : affected0(res, 0, e);
}

int sql_exec_ddl(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	int rc;
	switch (st->kind) {
	case S_ALTER_SET:
		return alter_set(s, st, res, e);
	case S_ALTER_DB_SET:
		rc = sql_db_set_options(s, st, e);
		return rc < 0 ? rc : affected0(res, 0, e);
	case S_CREATE_LIKE:
		return create_like(s, st, res, e);
	case S_ADMIN:
		return admin(s, st, res, e);
	case S_DROP_TABLE:
		return drop_tables(s, st, res, e);
	default:
		return sql_err(e, GT_STATUS_UNSUPPORTED, "unsupported statement");
	}
}

void sql_fmt_duration_ms(char *buf, size_t n, int64_t ms)
{
	static const struct {
		int64_t ms;
		const char *one, *many;
	} us[] = {
		{31557600000LL, "year", "years"}, {2630016000LL, "month", "months"}, {86400000, "day", "days"},
		{3600000, "h", "h"}, {60000, "m", "m"}, {1000, "s", "s"}, {1, "ms", "ms"},
	};
	size_t len = 0;
	buf[0] = 0;
	for (size_t k = 0; k < GT_ARRAY_LEN(us) && len < n; k++) {
		if (ms < us[k].ms)
			continue;
		int64_t q = ms / us[k].ms;
		ms %= us[k].ms;
		len += (size_t)snprintf(buf + len, n - len, "%s%lld%s", len ? " " : "", (long long)q,
					q == 1 ? us[k].one : us[k].many);
	}
}

static bool all_digits(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (!isdigit((unsigned char)*v))
			return false;
	return true;
}

int sql_table_opts_apply(struct gt_table_opts *o, const struct sql_opt *opts, uint32_t n, bool alter,
			 struct gt_sql_error *e)
{
	bool compaction = false;
	for (uint32_t i = 0; i < n; i++) {
		const char *k = opts[i].key, *v = opts[i].val;
		if (!v) {
			gt_opts_unset(&o->kv, k);
			continue;
		}
		if (!strcmp(k, "ttl") && strcasecmp(v, "forever") && strcasecmp(v, "instant")) {
			bool ok;
			sql_parse_duration_ms(v, &ok);
			if (!ok)
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid ttl option: %s", v);
		} else if (!strcmp(k, "append_mode") && strcasecmp(v, "true") && strcasecmp(v, "false")) {
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid options: invalid append_mode: %s", v);
		} else if (!strcmp(k, "merge_mode") && *v && strcmp(v, "last_row") && strcmp(v, "last_non_null")) {
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid options: unknown merge_mode: %s", v);
		} else if (!strcmp(k, "index.type") && strcasecmp(v, "inverted") && strcasecmp(v, "skipping")) {
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
				       "Failed to parse region options: Invalid index type: %s", v);
		} else if (!strcmp(k, "compaction.twcs.trigger_file_num") && !all_digits(v)) {
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid options: invalid digit found in string");
		} else if (!strcmp(k, "max_row_group_row_count")) {
			long long x = all_digits(v) && strlen(v) < 12 ? strtoll(v, NULL, 10) : -1;
			if (x <= 0 || x > 10485760) {
				if (alter)
					return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
						       "Invalid set table option request: Invalid set region option request, key: %s, value: %s",
						       k, v);
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
					       "Invalid region options, max_row_group_row_count must be in (0, 10485760], got %s", v);
			}
		}
		compaction |= !strncmp(k, "compaction.", 11);
		if (gt_opts_set(&o->kv, k, v) < 0)
			return sql_nomem(e);
	}
	if (compaction && !alter && gt_opts_set(&o->kv, "compaction.override", "true") < 0)
		return sql_nomem(e);
	const char *ttl = gt_opts_get(&o->kv, "ttl"), *am = gt_opts_get(&o->kv, "append_mode");
	const char *mm = gt_opts_get(&o->kv, "merge_mode");
	bool ok;
	o->ttl_ms = ttl ? sql_parse_duration_ms(ttl, &ok) : 0;
	o->append_mode = am && !strcasecmp(am, "true");
	o->merge_mode = mm && !strcmp(mm, "last_non_null") ? GT_MERGE_LAST_NON_NULL : GT_MERGE_LAST_ROW;
	return 0;
}

int sql_table_engine(struct gt_table_opts *o, const char *engine, struct gt_sql_error *e)
{
	if (!engine || !strcasecmp(engine, "mito")) {
		o->engine = GT_TABLE_MITO;
		return 0;
	}
	if (strcasecmp(engine, "metric"))
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Table engine not found: %s", engine);
	o->engine = GT_TABLE_METRIC;
	return 0;
}

int sql_db_table_defaults(struct gt_sql_session *s, const char *db, struct gt_table_opts *o, struct gt_sql_error *e)
{
	struct gt_opts dbo;
	struct gt_err err = {0};
	int rc = gt_catalog_db_options(s->db->catalog, db, &dbo, &err);
	if (rc == GT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	for (uint32_t i = 0; i < dbo.n && rc == 0; i++)
		if (strncmp(dbo.keys[i], "compaction.", 11) && gt_opts_set(&o->kv, dbo.keys[i], dbo.vals[i]) < 0)
			rc = sql_nomem(e);
	gt_opts_release(&dbo);
	return rc;
}

/* The options an index kind accepts, and the defaults GreptimeDB fills in. */
static const struct sql_opt fulltext_defaults[] = {
	{"analyzer", "English"}, {"backend", "bloom"}, {"case_sensitive", "false"},
	{"false_positive_rate", "0.01"}, {"granularity", "10240"},
};
static const struct sql_opt skipping_defaults[] = {
	{"false_positive_rate", "0.01"}, {"granularity", "10240"}, {"type", "BLOOM"},
};

static int index_opts(struct gt_opts *dst, const struct sql_opt *given, uint32_t n, const struct sql_opt *defs,
		      size_t ndefs, const char *kind, const char *col, struct gt_sql_error *e)
{
	for (size_t i = 0; i < ndefs; i++)
		if (gt_opts_set(dst, defs[i].key, defs[i].val) < 0)
			return sql_nomem(e);
	for (uint32_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < ndefs && strcmp(defs[k].key, given[i].key))
			k++;
		if (k == ndefs)
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
				       "Invalid column option, column name: %s, error: invalid %s INDEX option: %s", col, kind,
				       given[i].key);
		if (gt_opts_set(dst, given[i].key, given[i].val) < 0)
			return sql_nomem(e);
	}
	return 0;
}

int sql_coldef_index(struct gt_coldef *c, const struct sql_coldef *d, struct gt_sql_error *e)
{
	int rc = 0;
	c->index = d->index;
	if (d->index & GT_INDEX_FULLTEXT) {
		if (d->type != GT_STRING)
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
				       "Invalid column option, column name: %s, error: FULLTEXT index only supports string type",
				       d->name);
		rc = index_opts(&c->fulltext, d->ft_opts, d->nft, fulltext_defaults, GT_ARRAY_LEN(fulltext_defaults),
				"FULLTEXT", d->name, e);
	}
	if (rc == 0 && (d->index & GT_INDEX_SKIPPING))
		rc = index_opts(&c->skipping, d->sk_opts, d->nsk, skipping_defaults, GT_ARRAY_LEN(skipping_defaults),
				"SKIPPING", d->name, e);
	return rc;
}
