/*
 * sql-sys.c - system tables (information_schema.*, public.numbers) as
 * relations for SELECT.  sql-exec.c asks sql_sys_table() before it looks
 * a FROM name up in the catalog; a system table answers with its rows
 * built in memory and the SELECT runs over them (sql_select_rel).
 *
 * Served: public.numbers and information_schema's schemata, tables,
 * statistics, partitions, region_peers, engines, character_sets and
 * collations, built from the catalog (and gt-meta's routes) on every
 * query.  Every other name falls through to the catalog.
 */
#include "sql-ast.h"
#include "catalog.h"
#include "db.h"
#include "meta-api.h"

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

static int sys_cols(struct sql_rel *rel, const char *name, const struct sys_col *c, size_t n, struct gt_sql_error *e)
{
	if (sql_rel_set_name(rel, name) < 0)
		return sql_nomem(e);
	for (size_t i = 0; i < n; i++)
		if (sql_rel_add_col(rel, c[i].name, c[i].type, c[i].unit) < 0)
			return sql_nomem(e);
	return 0;
}

/* One row given as text cells (NULL = null), converted to each column's type. */
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
	const char *engine = ti ? "mito" : strcmp(db, "information_schema") ? "test_engine" : NULL;
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

int sql_sys_table(struct gt_sql_session *s, const char *db, const char *name, struct sql_rel *rel,
		  struct gt_sql_error *e)
{
	if (!strcmp(db, "public") && !strcmp(name, "numbers"))
		return sql_numbers_table(rel, SQL_NUMBERS_ROWS, e);
	if (strcmp(db, "information_schema"))
		return 0;
	if (!strcmp(name, "schemata"))
		return sys_schemata(s, rel, e);
	if (!strcmp(name, "tables"))
		return sys_tables(s, rel, e);
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
