/*
 * sql-sys.c - system tables (information_schema.*, public.numbers) as
 * relations for SELECT.  sql-exec.c asks sql_sys_table() before it looks
 * a FROM name up in the catalog; a system table answers with its rows
 * built in memory and the SELECT runs over them (sql_select_rel).
 *
 * Served: public.numbers and information_schema's schemata, tables,
 * statistics, partitions, region_peers, engines, character_sets and
 * collations, built from the catalog (and gt-meta's routes) on every
 * query; and, to sessions that came over the PostgreSQL protocol only,
 * pg_catalog's pg_namespace, pg_class, pg_attribute, pg_database and
 * pg_type (PostgreSQL's own rows, pg-types.inc).  Every other name falls
 * through to the catalog, so over HTTP and MySQL pg_catalog.pg_class is
 * a missing table as in GreptimeDB.
 */
#include "sql-ast.h"
#include "catalog.h"
#include "db.h"
#include "meta-api.h"
#include "crc32c.h"
#include "pgwire-int.h"

#include <ctype.h>
#include <stdlib.h>

int sql_numbers_table(struct sql_rel *rel, uint32_t n, struct gt_sql_error *e)
{
	int k;
	if (n > SQL_NUMBERS_MAX)
		n = SQL_NUMBERS_MAX;
	if (sql_rel_set_name(rel, "numbers") < 0 || (k = sql_rel_add_col(rel, "number", GT_U64, 0)) < 0 ||
	    gt_vec_reserve(&rel->rows.cols[k], n) < 0)
		return sql_nomem(e);
	for (uint32_t i = 0; i < n; i++)
		gt_vec_push_u64(&rel->rows.cols[k], i);
	rel->rows.nrows = n;
	return 1;
}

/* A column of an information_schema table. */
struct sys_col {
	const char *name;
	uint8_t type, unit;
};

/* Append a column to rel: lt narrows its declared type (DESC shows it),
 * notnull makes DESC say NO where the column never holds a null. */
static int rel_col(struct sql_rel *rel, const char *name, uint8_t type, uint8_t unit, uint8_t lt, bool notnull,
		   struct gt_sql_error *e)
{
	int k = sql_rel_add_col(rel, name, type, unit);
	if (k < 0)
		return sql_nomem(e);
	rel->schema.cols[k].lt = lt;
	rel->schema.cols[k].nullable = !notnull;
	return 0;
}

static int sys_cols(struct sql_rel *rel, const char *name, const struct sys_col *c, size_t n, struct gt_sql_error *e)
{
	if (sql_rel_set_name(rel, name) < 0)
		return sql_nomem(e);
	for (size_t i = 0; i < n; i++)
		if (rel_col(rel, c[i].name, c[i].type, c[i].unit, 0, false, e) < 0)
			return GT_ENOMEM;
	return 0;
}

/* One row given as text cells (NULL = null), converted to each column's
 * type (booleans as PostgreSQL writes them: t or f). */
static int sys_row(struct sql_rel *rel, const char *const *v, struct gt_sql_error *e)
{
	for (uint32_t k = 0; k < rel->schema.ncols; k++) {
		struct gt_vec *c = &rel->rows.cols[k];
		int rc;
		if (!v[k])
			rc = gt_vec_push_null(c);
		else if (c->type == GT_STRING)
			rc = gt_vec_push_str(c, v[k], strlen(v[k]));
		else if (c->type == GT_U64)
			rc = gt_vec_push_u64(c, strtoull(v[k], NULL, 10));
		else if (c->type == GT_BOOL)
			rc = gt_vec_push_bool(c, v[k][0] == 't');
		else if (c->type == GT_F64)
			rc = gt_vec_push_f64(c, strtod(v[k], NULL));
		else
			rc = gt_vec_push_i64(c, strtoll(v[k], NULL, 10));
		if (rc < 0)
			return sql_nomem(e);
	}
	rel->rows.nrows++;
	return 0;
}

/* Every database's name, information_schema and greptime_private included, sorted. */
static int all_dbs(struct gt_sql_session *s, char ***out, struct gt_sql_error *e)
{
	char **v = NULL;
	size_t n = 0;
	if (gt_catalog_list_dbs(s->db->catalog, &v) < 0)
		return sql_nomem(e);
	while (v[n])
		n++;
	char **w = gt_reallocarray(v, n + 3, sizeof(*w));
	if (!w) {
		gt_strv_free(v);
		return sql_nomem(e);
	}
	w[n] = w[n + 1] = w[n + 2] = NULL;
	static const char *const sys[] = {"greptime_private", "information_schema"};
	for (size_t k = 0; k < 2; k++) {
		bool have = false;
		for (size_t i = 0; i < n; i++)
			have |= !strcmp(w[i], sys[k]);
		if (!have && !(w[n++] = gt_strdup(sys[k]))) {
			gt_strv_free(w);
			return sql_nomem(e);
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(w[j - 1], w[j]) > 0; j--) {
			char *t = w[j];
			w[j] = w[j - 1];
			w[j - 1] = t;
		}
	*out = w;
	return 0;
}

static int sys_schemata(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct sys_col cols[] = {
		{"catalog_name", GT_STRING, 0}, {"schema_name", GT_STRING, 0},
		{"default_character_set_name", GT_STRING, 0}, {"default_collation_name", GT_STRING, 0},
		{"sql_path", GT_STRING, 0}, {"options", GT_STRING, 0},
	};
	char **dbs = NULL;
	int rc = sys_cols(rel, "schemata", cols, GT_ARRAY_LEN(cols), e);
	if (rc == 0)
		rc = all_dbs(s, &dbs, e);
	for (size_t i = 0; rc == 0 && dbs[i]; i++) {
		struct gt_opts o;
		struct gt_err err = {0};
		struct gt_buf b;
		gt_buf_init(&b, 1 << 20);
		if (gt_catalog_db_options(s->db->catalog, dbs[i], &o, &err) == 0) {
			for (uint32_t k = 0; k < o.n; k++)
				gt_buf_addf(&b, "%s'%s'='%s'", k ? ", " : "", o.keys[k], o.vals[k]);
			gt_opts_release(&o);
		}
		const char *v[] = {"greptime", dbs[i], "utf8", "utf8_bin", NULL, b.p ? b.p : ""};
		rc = sys_row(rel, v, e);
		gt_buf_release(&b);
	}
	gt_strv_free(dbs);
	return rc < 0 ? rc : 1;
}

/* Call fn for every table of every database (system tables included), in name order. */
static int each_table(struct gt_sql_session *s,
		      int (*fn)(struct gt_sql_session *, const char *, const char *, struct gt_table_info *,
				struct sql_rel *, void *, struct gt_sql_error *),
		      struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	char **dbs = NULL;
	int rc = all_dbs(s, &dbs, e);
	for (size_t i = 0; rc == 0 && dbs[i]; i++) {
		char **names = NULL;
		if (!strcmp(dbs[i], "greptime_private"))
			continue;
		if ((rc = sql_list_tables(s, dbs[i], &names, e)) < 0)
			break;
		for (size_t k = 0; rc == 0 && names[k]; k++) {
			struct gt_table_info ti;
			struct gt_err err = {0};
			memset(&ti, 0, sizeof(ti));
			bool user = !strcmp(sql_table_type(dbs[i], names[k]), "BASE TABLE") &&
				    gt_db_table(s->db, dbs[i], names[k], &ti, &err) == 0;
			rc = fn(s, dbs[i], names[k], user ? &ti : NULL, rel, ctx, e);
			gt_table_info_release(&ti);
		}
		gt_strv_free(names);
	}
	gt_strv_free(dbs);
	return rc < 0 ? rc : 1;
}

static int table_row(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
		     struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	char id[16], created[32];
	snprintf(id, sizeof(id), "%u", ti ? ti->id : 0u);
	snprintf(created, sizeof(created), "%lld", (long long)(ti ? ti->created_ms / 1000 : 0));
	const char *engine = ti ? gt_table_engine_name(ti->schema.opts.engine) : strcmp(db, "information_schema") ? "test_engine" : NULL;
	const char *v[] = {"greptime", db, name, sql_table_type(db, name), ti ? id : NULL, "0", "0", "0", "0", "0",
			   engine, "11", "Fixed", "0", "0", "0", ti ? created : NULL, ti ? created : NULL, NULL,
			   "utf8_bin", "0", "", "", ti ? "N" : "Y"};
	(void)s;
	return sys_row(rel, v, e);
}

static int sys_tables(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct sys_col cols[] = {
		{"table_catalog", GT_STRING, 0}, {"table_schema", GT_STRING, 0}, {"table_name", GT_STRING, 0},
		{"table_type", GT_STRING, 0}, {"table_id", GT_U64, 0}, {"data_length", GT_U64, 0},
		{"max_data_length", GT_U64, 0}, {"index_length", GT_U64, 0}, {"max_index_length", GT_U64, 0},
		{"avg_row_length", GT_U64, 0}, {"engine", GT_STRING, 0}, {"version", GT_U64, 0},
		{"row_format", GT_STRING, 0}, {"table_rows", GT_U64, 0}, {"data_free", GT_U64, 0},
		{"auto_increment", GT_U64, 0}, {"create_time", GT_TS, GT_UNIT_S}, {"update_time", GT_TS, GT_UNIT_S},
		{"check_time", GT_TS, GT_UNIT_S}, {"table_collation", GT_STRING, 0}, {"checksum", GT_U64, 0},
		{"create_options", GT_STRING, 0}, {"table_comment", GT_STRING, 0}, {"temporary", GT_STRING, 0},
	};
	int rc = sys_cols(rel, "tables", cols, GT_ARRAY_LEN(cols), e);
	return rc < 0 ? rc : each_table(s, table_row, rel, NULL, e);
}

static int statistics_row(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
			  struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	struct sql_index_row *r = NULL;
	uint32_t n = 0;
	int rc = 0;
	(void)s;
	if (!ti)
		return 0;
	if (sql_index_rows(&ti->schema, &r, &n) < 0)
		return sql_nomem(e);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		char seq[16];
		snprintf(seq, sizeof(seq), "%u", r[i].seq);
		const char *v[] = {"greptime", db, name, r[i].unique ? "0" : "1", db, r[i].key, seq, r[i].c->name,
				   "A", NULL, NULL, NULL, r[i].c->nullable ? "YES" : "", r[i].type, "", "", "YES",
				   NULL, r[i].gtype};
		rc = sys_row(rel, v, e);
	}
	free(r);
	return rc;
}

static int sys_statistics(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct sys_col cols[] = {
		{"table_catalog", GT_STRING, 0}, {"table_schema", GT_STRING, 0}, {"table_name", GT_STRING, 0},
		{"non_unique", GT_I64, 0}, {"index_schema", GT_STRING, 0}, {"index_name", GT_STRING, 0},
		{"seq_in_index", GT_I64, 0}, {"column_name", GT_STRING, 0}, {"collation", GT_STRING, 0},
		{"cardinality", GT_I64, 0}, {"sub_part", GT_I64, 0}, {"packed", GT_STRING, 0},
		{"nullable", GT_STRING, 0}, {"index_type", GT_STRING, 0}, {"comment", GT_STRING, 0},
		{"index_comment", GT_STRING, 0}, {"is_visible", GT_STRING, 0}, {"expression", GT_STRING, 0},
		{"greptime_index_type", GT_STRING, 0},
	};
	int rc = sys_cols(rel, "statistics", cols, GT_ARRAY_LEN(cols), e);
	return rc < 0 ? rc : each_table(s, statistics_row, rel, NULL, e);
}

/* information_schema.columns: a row per column of every table, in the
 * table's column order, with GreptimeDB's columns; the MySQL-style
 * lengths and precisions follow the type (strings unbounded, integers
 * their decimal digits, timestamps their fraction digits). */
static int column_row(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
		      struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	int rc = 0;
	(void)s;
	(void)ctx;
	if (!ti)
		return 0;   /* gt's own system tables are not listed */
	for (uint32_t k = 0; k < ti->schema.ncols && rc == 0; k++) {
		const struct gt_coldef *c = &ti->schema.cols[k];
		char ord[16], tb[32], type[32], prec[8] = "", dtp[8] = "";
		bool str = c->type == GT_STRING, integer = c->type == GT_I64 || c->type == GT_U64;
		snprintf(ord, sizeof(ord), "%u", k + 1);
		snprintf(type, sizeof(type), "%s", sql_type_name(c, tb, sizeof(tb)));
		for (char *q = type; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (integer) {
			int digits = c->type == GT_U64 ? 20 : 19;
			switch (c->lt) {
			case GT_LT_I8: case GT_LT_U8: digits = 3; break;
			case GT_LT_I16: case GT_LT_U16: digits = 5; break;
			case GT_LT_I32: case GT_LT_U32: digits = 10; break;
			default: break;
			}
			snprintf(prec, sizeof(prec), "%d", digits);
		} else if (c->type == GT_F64) {
			snprintf(prec, sizeof(prec), "%d", c->lt == GT_LT_F32 ? 12 : 22);
		} else if (c->type == GT_TS) {
			snprintf(dtp, sizeof(dtp), "%d", c->unit == GT_UNIT_S ? 0 : c->unit == GT_UNIT_MS ? 3 : c->unit == GT_UNIT_US ? 6 : 9);
		}
		const char *v[] = {"greptime", db, name, c->name, ord, str ? "2147483647" : NULL,
				   str ? "2147483647" : NULL, prec[0] ? prec : NULL, integer ? "0" : NULL,
				   dtp[0] ? dtp : NULL, str ? "utf8" : NULL, str ? "utf8_bin" : NULL,
				   c->sem == GT_TAG ? "PRI" : c->sem == GT_TIME ? "TIME INDEX" : "", "", "select,insert", "",
				   gt_ltype_name((enum gt_type)c->type, (enum gt_unit)c->unit, c->lt), type,
				   c->sem == GT_TAG ? "TAG" : c->sem == GT_TIME ? "TIMESTAMP" : "FIELD", c->dflt,
				   c->nullable ? "YES" : "NO", type, NULL, NULL};
		rc = sys_row(rel, v, e);
	}
	return rc;
}

static int sys_columns(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct sys_col cols[] = {
		{"table_catalog", GT_STRING, 0}, {"table_schema", GT_STRING, 0}, {"table_name", GT_STRING, 0},
		{"column_name", GT_STRING, 0}, {"ordinal_position", GT_I64, 0},
		{"character_maximum_length", GT_I64, 0}, {"character_octet_length", GT_I64, 0},
		{"numeric_precision", GT_I64, 0}, {"numeric_scale", GT_I64, 0}, {"datetime_precision", GT_I64, 0},
		{"character_set_name", GT_STRING, 0}, {"collation_name", GT_STRING, 0}, {"column_key", GT_STRING, 0},
		{"extra", GT_STRING, 0}, {"privileges", GT_STRING, 0}, {"generation_expression", GT_STRING, 0},
		{"greptime_data_type", GT_STRING, 0}, {"data_type", GT_STRING, 0}, {"semantic_type", GT_STRING, 0},
		{"column_default", GT_STRING, 0}, {"is_nullable", GT_STRING, 0}, {"column_type", GT_STRING, 0},
		{"column_comment", GT_STRING, 0}, {"srs_id", GT_I64, 0},
	};
	int rc = sys_cols(rel, "columns", cols, GT_ARRAY_LEN(cols), e);
	return rc < 0 ? rc : each_table(s, column_row, rel, NULL, e);
}

/* information_schema.partitions: a row per region, p0, p1 ... in rule order. */
static int partition_row(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
			 struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	struct gt_buf cols;
	int rc = 0;
	(void)s;
	if (!ti)
		return 0;
	gt_buf_init(&cols, 1 << 20);
	for (uint32_t k = 0; k < ti->part.ncols; k++)
		gt_buf_addf(&cols, "%s%s", k ? ", " : "", ti->part.cols[k]);
	for (uint32_t i = 0; i < ti->nregions && rc == 0; i++) {
		char pname[16], ord[16], id[24];
		snprintf(pname, sizeof(pname), "p%u", i);
		snprintf(ord, sizeof(ord), "%u", i + 1);
		snprintf(id, sizeof(id), "%llu", (unsigned long long)gt_table_region(ti, i));
		const char *v[] = {"greptime", db, name, pname, NULL, ord, NULL, ti->part.ncols ? "RANGE" : NULL, NULL,
				   ti->part.ncols ? cols.p : NULL, NULL, i < ti->part.nexprs ? ti->part.exprs[i] : NULL,
				   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, id};
		rc = sys_row(rel, v, e);
	}
	gt_buf_release(&cols);
	return rc;
}

static int sys_partitions(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct sys_col cols[] = {
		{"table_catalog", GT_STRING, 0}, {"table_schema", GT_STRING, 0}, {"table_name", GT_STRING, 0},
		{"partition_name", GT_STRING, 0}, {"subpartition_name", GT_STRING, 0},
		{"partition_ordinal_position", GT_I64, 0}, {"subpartition_ordinal_position", GT_I64, 0},
		{"partition_method", GT_STRING, 0}, {"subpartition_method", GT_STRING, 0},
		{"partition_expression", GT_STRING, 0}, {"subpartition_expression", GT_STRING, 0},
		{"partition_description", GT_STRING, 0}, {"table_rows", GT_I64, 0}, {"avg_row_length", GT_I64, 0},
		{"data_length", GT_I64, 0}, {"max_data_length", GT_I64, 0}, {"index_length", GT_I64, 0},
		{"data_free", GT_I64, 0}, {"create_time", GT_TS, GT_UNIT_S}, {"update_time", GT_TS, GT_UNIT_S},
		{"check_time", GT_TS, GT_UNIT_S}, {"checksum", GT_I64, 0}, {"partition_comment", GT_STRING, 0},
		{"nodegroup", GT_STRING, 0}, {"tablespace_name", GT_STRING, 0}, {"greptime_partition_id", GT_U64, 0},
	};
	int rc = sys_cols(rel, "partitions", cols, GT_ARRAY_LEN(cols), e);
	return rc < 0 ? rc : each_table(s, partition_row, rel, NULL, e);
}

int sql_peers_load(struct gt_sql_session *s, struct sql_peers *p, struct gt_sql_error *e)
{
	struct gt_err err = {0};
	int rc;
	memset(p, 0, sizeof(*p));
	if (!s->db->meta)
		return 0;
	p->cluster = true;
	if ((rc = gt_meta_routes(s->db->meta, 0, &p->routes, &p->n, &err)))
		return sql_engine_err(e, rc, &err);
	return 0;
}

void sql_peers_get(const struct sql_peers *p, uint64_t region_id, struct sql_peer *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = "";
	if (!p->cluster) {
		out->known = out->alive = true;
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->routes[i].region_id == region_id) {
			out->known = true;
			out->id = p->routes[i].node_id;
			out->addr = p->routes[i].addr;
			out->alive = p->routes[i].alive;
			out->down_seconds = p->routes[i].down_seconds;
			return;
		}
}

void sql_peers_release(struct sql_peers *p)
{
	free(p->routes);
	memset(p, 0, sizeof(*p));
}

/*
 * information_schema.region_peers: a row per region and the peer serving
 * it (sql_peers_get): standalone one peer, id 0, no address, the leader,
 * alive.  In a cluster a region whose datanode lost its lease is DOWN,
 * with the seconds since; one gt-meta has not placed is UNKNOWN.
 */
static int region_peer_row(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
			   struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	const struct sql_peers *peers = ctx;
	int rc = 0;
	for (uint32_t i = 0; ti && i < ti->nregions && rc == 0; i++) {
		char id[24], pid[24], down[24];
		struct sql_peer pr;
		uint64_t region = gt_table_region(ti, i);
		sql_peers_get(peers, region, &pr);
		snprintf(id, sizeof(id), "%llu", (unsigned long long)region);
		snprintf(pid, sizeof(pid), "%llu", (unsigned long long)pr.id);
		snprintf(down, sizeof(down), "%lld", (long long)pr.down_seconds);
		const char *v[] = {"greptime", db, name, id, pid, pr.addr, "Yes",
				   !pr.known ? "UNKNOWN" : pr.alive ? "ALIVE" : "DOWN", pr.known && !pr.alive ? down : NULL};
		rc = sys_row(rel, v, e);
	}
	return rc;
}

static int sys_region_peers(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct sys_col cols[] = {
		{"table_catalog", GT_STRING, 0}, {"table_schema", GT_STRING, 0}, {"table_name", GT_STRING, 0},
		{"region_id", GT_U64, 0}, {"peer_id", GT_U64, 0}, {"peer_addr", GT_STRING, 0},
		{"is_leader", GT_STRING, 0}, {"status", GT_STRING, 0}, {"down_seconds", GT_I64, 0},
	};
	struct sql_peers peers;
	int rc = sys_cols(rel, "region_peers", cols, GT_ARRAY_LEN(cols), e);
	if (rc < 0 || (rc = sql_peers_load(s, &peers, e)) < 0)
		return rc;
	rc = each_table(s, region_peer_row, rel, &peers, e);
	sql_peers_release(&peers);
	return rc;
}

/* Tables of constant rows: engines, character_sets, collations. */
static int sys_const(struct sql_rel *rel, const char *name, const struct sys_col *cols, size_t ncols,
		     const char *const *row, struct gt_sql_error *e)
{
	int rc = sys_cols(rel, name, cols, ncols, e);
	if (rc == 0)
		rc = sys_row(rel, row, e);
	return rc < 0 ? rc : 1;
}

/*
 * ---- pg_catalog: what PostgreSQL tools read, for PostgreSQL sessions only ----
 *
 * A gt database is a PostgreSQL schema (a pg_namespace row); the one
 * PostgreSQL database is the catalog, greptime.  Every object is owned by
 * oid 10, the bootstrap superuser pg_get_userbyid() names "postgres".
 * A table's oid is its table id; the system tables, which have none, get
 * fixed small ones (public.numbers 2, as GreptimeDB's table id;
 * information_schema's 100 and up in name order).
 */
#define PG_OWNER "10"
#define NSP_INFORMATION_SCHEMA 13283u   /* as pg_type's information_schema types name it */
#define NSP_FIRST 16384u                /* PostgreSQL's FirstNormalObjectId */
#define NSP_SPAN 49152u                 /* user schemas' oids stay below 65536 */
#define OID_NUMBERS 2u
#define OID_INFO_SCHEMA_FIRST 100u

static const char *const pg_tables[] = {"pg_attribute", "pg_class", "pg_database", "pg_namespace", "pg_type"};

bool sql_pg_named(const struct gt_sql_session *s, const char *db, const char *name)
{
	if (s->channel != GT_SQL_POSTGRES || (db && strcmp(db, "pg_catalog")))
		return false;
	for (size_t i = 0; i < GT_ARRAY_LEN(pg_tables); i++)
		if (!strcmp(name, pg_tables[i]))
			return true;
	return false;
}

/*
 * Namespace oids.  gt keeps no number per database, so the oid is made
 * from the name: a CRC-32C into 16384..65535, the same on every call and
 * every start.  Two names on one oid: the later in name order takes the
 * next free one (so creating a database can move the oid of one that
 * sorts after it and collided; with a few hundred databases that is
 * rare).
 */
struct nsp_map {
	char **dbs;                /* all_dbs(): sorted */
	uint32_t *oid;
	size_t n;
};

static void nsp_release(struct nsp_map *m)
{
	gt_strv_free(m->dbs);
	free(m->oid);
	memset(m, 0, sizeof(*m));
}

static int nsp_load(struct gt_sql_session *s, struct nsp_map *m, struct gt_sql_error *e)
{
	int rc;
	memset(m, 0, sizeof(*m));
	if ((rc = all_dbs(s, &m->dbs, e)) < 0)
		return rc;
	while (m->dbs[m->n])
		m->n++;
	if (!(m->oid = gt_calloc(m->n + 1, sizeof(*m->oid)))) {
		nsp_release(m);
		return sql_nomem(e);
	}
	for (size_t i = 0; i < m->n; i++) {
		uint32_t o = NSP_FIRST + gt_crc32c(0, m->dbs[i], strlen(m->dbs[i])) % NSP_SPAN;
		if (!strcmp(m->dbs[i], "information_schema"))
			o = NSP_INFORMATION_SCHEMA;
		for (size_t j = 0; j < i; j++)
			if (m->oid[j] == o) {
				o = NSP_FIRST + (o - NSP_FIRST + 1) % NSP_SPAN;
				j = (size_t)-1;   /* look again from the first */
			}
		m->oid[i] = o;
	}
	return 0;
}

static uint32_t nsp_oid(const struct nsp_map *m, const char *db)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->dbs[i], db))
			return m->oid[i];
	return 0;
}

/* A pg_catalog column: PostgreSQL's catalogs declare most of theirs NOT NULL. */
struct pg_col {
	const char *name;
	uint8_t type, lt;
	bool notnull;
};
#define PG_OIDCOL(name) {name, GT_I64, GT_LT_I32, true}
#define PG_I16COL(name) {name, GT_I64, GT_LT_I16, true}
#define PG_BOOLCOL(name) {name, GT_BOOL, 0, true}
#define PG_STRCOL(name) {name, GT_STRING, 0, true}
#define PG_NULLSTR(name) {name, GT_STRING, 0, false}

static int pg_cols(struct sql_rel *rel, const char *name, const struct pg_col *c, size_t n, struct gt_sql_error *e)
{
	if (sql_rel_set_name(rel, name) < 0)
		return sql_nomem(e);
	for (size_t i = 0; i < n; i++)
		if (rel_col(rel, c[i].name, c[i].type, 0, c[i].lt, c[i].notnull, e) < 0)
			return GT_ENOMEM;
	return 0;
}

static int pg_namespace(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct pg_col cols[] = {
		PG_OIDCOL("oid"), PG_STRCOL("nspname"), PG_OIDCOL("nspowner"), PG_NULLSTR("nspacl"),
		PG_NULLSTR("options"),
	};
	struct nsp_map m;
	int rc = pg_cols(rel, "pg_namespace", cols, GT_ARRAY_LEN(cols), e);
	if (rc < 0 || (rc = nsp_load(s, &m, e)) < 0)
		return rc;
	for (size_t i = 0; i < m.n && rc == 0; i++) {
		char oid[16];
		snprintf(oid, sizeof(oid), "%u", m.oid[i]);
		const char *v[] = {oid, m.dbs[i], PG_OWNER, NULL, NULL};
		rc = sys_row(rel, v, e);
	}
	nsp_release(&m);
	return rc < 0 ? rc : 1;
}

struct pg_class_ctx {
	struct nsp_map m;
	uint32_t next_sys;         /* information_schema's next oid */
};

static uint32_t rel_oid(struct pg_class_ctx *x, const char *db, struct gt_table_info *ti)
{
	if (ti)
		return ti->id;
	return strcmp(db, "information_schema") ? OID_NUMBERS : x->next_sys++;
}

static int class_row(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
		     struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	struct pg_class_ctx *x = ctx;
	char oid[16], nsp[16], natts[16];
	(void)s;
	snprintf(oid, sizeof(oid), "%u", rel_oid(x, db, ti));
	snprintf(nsp, sizeof(nsp), "%u", nsp_oid(&x->m, db));
	snprintf(natts, sizeof(natts), "%u", ti ? ti->schema.ncols : 1u);
	const char *v[] = {oid, name, nsp, "0", "0", PG_OWNER, "0", oid, "0", "0", "-1", "0", "0", "f", "f", "p",
			   "r", natts, "0", "f", "f", "f", "f", "f", "t", "d", "f", "0", "0", "0", NULL};
	return sys_row(rel, v, e);
}

static int pg_class(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct pg_col cols[] = {
		PG_OIDCOL("oid"), PG_STRCOL("relname"), PG_OIDCOL("relnamespace"), PG_OIDCOL("reltype"),
		{"reloftype", GT_I64, GT_LT_I32, false}, PG_OIDCOL("relowner"), PG_OIDCOL("relam"),
		PG_OIDCOL("relfilenode"), PG_OIDCOL("reltablespace"), PG_OIDCOL("relpages"),
		{"reltuples", GT_F64, 0, true}, PG_OIDCOL("relallvisible"), PG_OIDCOL("reltoastrelid"),
		PG_BOOLCOL("relhasindex"), PG_BOOLCOL("relisshared"), PG_STRCOL("relpersistence"),
		PG_STRCOL("relkind"), PG_I16COL("relnatts"), PG_I16COL("relchecks"), PG_BOOLCOL("relhasrules"),
		PG_BOOLCOL("relhastriggers"), PG_BOOLCOL("relhassubclass"), PG_BOOLCOL("relrowsecurity"),
		PG_BOOLCOL("relforcerowsecurity"), PG_BOOLCOL("relispopulated"), PG_STRCOL("relreplident"),
		PG_BOOLCOL("relispartition"), {"relrewrite", GT_I64, GT_LT_I32, false},
		PG_OIDCOL("relfrozenxid"), PG_OIDCOL("relminmxid"), PG_NULLSTR("relpartbound"),
	};
	struct pg_class_ctx x = {.next_sys = OID_INFO_SCHEMA_FIRST};
	int rc = pg_cols(rel, "pg_class", cols, GT_ARRAY_LEN(cols), e);
	if (rc < 0 || (rc = nsp_load(s, &x.m, e)) < 0)
		return rc;
	rc = each_table(s, class_row, rel, &x, e);
	nsp_release(&x.m);
	return rc;
}

/* A user table's columns, numbered from 1, typed as the PostgreSQL protocol sends them. */
static int attribute_rows(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
			  struct sql_rel *rel, void *ctx, struct gt_sql_error *e)
{
	int rc = 0;
	(void)s;
	(void)db;
	(void)name;
	(void)ctx;
	for (uint32_t i = 0; ti && i < ti->schema.ncols && rc == 0; i++) {
		const struct gt_coldef *c = &ti->schema.cols[i];
		const struct gt_pg_type *t = gt_pg_type_of(c->type, c->unit, c->lt);
		char relid[16], typid[16], len[16], num[16];
		bool notnull = !c->nullable || c->sem == GT_TIME;
		snprintf(relid, sizeof(relid), "%u", ti->id);
		snprintf(typid, sizeof(typid), "%u", t->oid);
		snprintf(len, sizeof(len), "%d", t->len);
		snprintf(num, sizeof(num), "%u", i + 1);
		/* PostgreSQL keeps variable-length values "extended", fixed ones "plain" */
		const char *v[] = {relid, c->name, typid, "-1", len, num, "0", "-1", "-1", t->len > 0 ? "t" : "f",
				   t->len == 8 ? "d" : "i", t->len < 0 ? "x" : "p", "", notnull ? "t" : "f",
				   c->dflt ? "t" : "f", "f", "", "", "f", "t", "0", t->oid == 25 ? "100" : "0"};
		rc = sys_row(rel, v, e);
	}
	return rc;
}

static int pg_attribute(struct gt_sql_session *s, struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct pg_col cols[] = {
		PG_OIDCOL("attrelid"), PG_STRCOL("attname"), PG_OIDCOL("atttypid"), PG_I16COL("attstattarget"),
		PG_I16COL("attlen"), PG_I16COL("attnum"), PG_OIDCOL("attndims"), PG_OIDCOL("attcacheoff"),
		PG_OIDCOL("atttypmod"), PG_BOOLCOL("attbyval"), PG_STRCOL("attalign"), PG_STRCOL("attstorage"),
		PG_STRCOL("attcompression"), PG_BOOLCOL("attnotnull"), PG_BOOLCOL("atthasdef"),
		PG_BOOLCOL("atthasmissing"), PG_STRCOL("attidentity"), PG_STRCOL("attgenerated"),
		PG_BOOLCOL("attisdropped"), PG_BOOLCOL("attislocal"), PG_OIDCOL("attinhcount"),
		PG_OIDCOL("attcollation"),
	};
	int rc = pg_cols(rel, "pg_attribute", cols, GT_ARRAY_LEN(cols), e);
	return rc < 0 ? rc : each_table(s, attribute_rows, rel, NULL, e);
}

static int pg_database(struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct pg_col cols[] = {
		PG_OIDCOL("oid"), PG_STRCOL("datname"), PG_OIDCOL("datdba"), PG_OIDCOL("encoding"),
		PG_STRCOL("datlocprovider"), PG_STRCOL("datcollate"), PG_STRCOL("datctype"),
		PG_BOOLCOL("datistemplate"), PG_BOOLCOL("datallowconn"), PG_OIDCOL("datconnlimit"),
		PG_OIDCOL("datlastsysoid"), PG_OIDCOL("datfrozenxid"), PG_OIDCOL("datminmxid"),
		PG_OIDCOL("dattablespace"), PG_NULLSTR("daticulocale"), PG_NULLSTR("daticurules"), PG_NULLSTR("datacl"),
	};
	/* encoding 6 is UTF8; 1663 is pg_default's tablespace */
	static const char *const row[] = {"1", "greptime", PG_OWNER, "6", "c", "C", "C", "f", "t", "-1", "0", "0", "1",
					  "1663", NULL, NULL, NULL};
	int rc = pg_cols(rel, "pg_database", cols, GT_ARRAY_LEN(cols), e);
	if (rc == 0)
		rc = sys_row(rel, row, e);
	return rc < 0 ? rc : 1;
}

/* PostgreSQL's types: the checked-in rows of pg-types.inc, '|'-separated, an empty cell NULL. */
static const char *const pg_type_rows[] = {
#include "pg-types.inc"
};

static int pg_type(struct sql_rel *rel, struct gt_sql_error *e)
{
	static const struct pg_col cols[] = {
		PG_OIDCOL("oid"), PG_STRCOL("typname"), PG_OIDCOL("typnamespace"), PG_OIDCOL("typowner"),
		PG_I16COL("typlen"), PG_BOOLCOL("typbyval"), PG_STRCOL("typtype"), PG_STRCOL("typcategory"),
		PG_BOOLCOL("typispreferred"), PG_BOOLCOL("typisdefined"), PG_STRCOL("typdelim"), PG_OIDCOL("typrelid"),
		PG_STRCOL("typsubscript"), PG_OIDCOL("typelem"), PG_OIDCOL("typarray"), PG_STRCOL("typinput"),
		PG_STRCOL("typoutput"), PG_STRCOL("typreceive"), PG_STRCOL("typsend"), PG_STRCOL("typmodin"),
		PG_STRCOL("typmodout"), PG_STRCOL("typanalyze"), PG_STRCOL("typalign"), PG_STRCOL("typstorage"),
		PG_BOOLCOL("typnotnull"), PG_OIDCOL("typbasetype"), PG_OIDCOL("typtypmod"), PG_OIDCOL("typndims"),
		PG_OIDCOL("typcollation"), PG_NULLSTR("typdefaultbin"), PG_NULLSTR("typdefault"), PG_NULLSTR("typacl"),
	};
	enum { NCOLS = GT_ARRAY_LEN(cols) };
	int rc = pg_cols(rel, "pg_type", cols, NCOLS, e);
	for (size_t i = 0; rc == 0 && i < GT_ARRAY_LEN(pg_type_rows); i++) {
		char buf[512], *p = buf;
		const char *v[NCOLS];
		snprintf(buf, sizeof(buf), "%s", pg_type_rows[i]);
		for (size_t k = 0; k < NCOLS; k++) {
			char *bar = strchr(p, '|');
			if (bar)
				*bar = 0;
			v[k] = *p ? p : NULL;
			p = bar ? bar + 1 : p + strlen(p);
		}
		rc = sys_row(rel, v, e);
	}
	return rc < 0 ? rc : 1;
}

int sql_pg_visible_oids(struct gt_sql_session *s, uint32_t **out, size_t *n, struct gt_sql_error *e)
{
	const char *path[] = {s->dbname, "public"};
	uint32_t *v = NULL;
	size_t cap = 0;
	int rc = 0;
	*out = NULL;
	*n = 0;
	for (size_t d = 0; d < 2 && rc == 0; d++) {
		char **names = NULL;
		if ((d == 1 && !strcmp(path[0], "public")) || !gt_catalog_has_db(s->db->catalog, path[d]))
			continue;
		if ((rc = sql_list_tables(s, path[d], &names, e)) < 0)
			break;
		for (size_t k = 0; names[k] && rc == 0; k++) {
			struct gt_table_info ti;
			struct gt_err err = {0};
			uint32_t oid = OID_NUMBERS;
			memset(&ti, 0, sizeof(ti));
			if (gt_db_table(s->db, path[d], names[k], &ti, &err) == 0)
				oid = ti.id;
			else if (strcmp(sql_table_type(path[d], names[k]), "LOCAL TEMPORARY"))
				oid = 0;        /* a view */
			gt_table_info_release(&ti);
			if (*n == cap) {
				uint32_t *w = gt_reallocarray(v, cap = cap ? 2 * cap : 64, sizeof(*v));
				if (!w) {
					rc = sql_nomem(e);
					break;
				}
				v = w;
			}
			if (oid)
				v[(*n)++] = oid;
		}
		gt_strv_free(names);
	}
	if (rc < 0) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}

static int pg_table(struct gt_sql_session *s, const char *name, struct sql_rel *rel, struct gt_sql_error *e)
{
	if (!strcmp(name, "pg_namespace"))
		return pg_namespace(s, rel, e);
	if (!strcmp(name, "pg_class"))
		return pg_class(s, rel, e);
	if (!strcmp(name, "pg_attribute"))
		return pg_attribute(s, rel, e);
	if (!strcmp(name, "pg_database"))
		return pg_database(rel, e);
	if (!strcmp(name, "pg_type"))
		return pg_type(rel, e);
	return 0;
}

int sql_sys_table(struct gt_sql_session *s, const char *db, const char *name, struct sql_rel *rel,
		  struct gt_sql_error *e)
{
	if (!strcmp(db, "pg_catalog"))
		return sql_pg_named(s, db, name) ? pg_table(s, name, rel, e) : 0;
	if (!strcmp(db, "public") && !strcmp(name, "numbers"))
		return sql_numbers_table(rel, SQL_NUMBERS_ROWS, e);
	if (strcmp(db, "information_schema"))
		return 0;
	if (!strcmp(name, "schemata"))
		return sys_schemata(s, rel, e);
	if (!strcmp(name, "tables"))
		return sys_tables(s, rel, e);
	if (!strcmp(name, "columns"))
		return sys_columns(s, rel, e);
	if (!strcmp(name, "statistics"))
		return sys_statistics(s, rel, e);
	if (!strcmp(name, "partitions"))
		return sys_partitions(s, rel, e);
	if (!strcmp(name, "region_peers"))
		return sys_region_peers(s, rel, e);
	if (!strcmp(name, "engines")) {
		static const struct sys_col cols[] = {
			{"engine", GT_STRING, 0}, {"support", GT_STRING, 0}, {"comment", GT_STRING, 0},
			{"transactions", GT_STRING, 0}, {"xa", GT_STRING, 0}, {"savepoints", GT_STRING, 0},
		};
		static const char *const row[] = {"mito", "DEFAULT", "Storage engine for time-series data", "NO", "NO",
						  "NO"};
		return sys_const(rel, "engines", cols, GT_ARRAY_LEN(cols), row, e);
	}
	if (!strcmp(name, "character_sets")) {
		static const struct sys_col cols[] = {
			{"character_set_name", GT_STRING, 0}, {"default_collate_name", GT_STRING, 0},
			{"description", GT_STRING, 0}, {"maxlen", GT_I64, 0},
		};
		static const char *const row[] = {"utf8", "utf8_bin", "UTF-8 Unicode", "4"};
		return sys_const(rel, "character_sets", cols, GT_ARRAY_LEN(cols), row, e);
	}
	if (!strcmp(name, "collations")) {
		static const struct sys_col cols[] = {
			{"collation_name", GT_STRING, 0}, {"character_set_name", GT_STRING, 0}, {"id", GT_I64, 0},
			{"is_default", GT_STRING, 0}, {"is_compiled", GT_STRING, 0}, {"sortlen", GT_I64, 0},
		};
		static const char *const row[] = {"utf8_bin", "utf8", "1", "Yes", "Yes", "1"};
		return sys_const(rel, "collations", cols, GT_ARRAY_LEN(cols), row, e);
	}
	return 0;
}
