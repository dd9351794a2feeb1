/*
 * sql-show.c - the SHOW statements: DATABASES, TABLES, CREATE TABLE,
 * CREATE DATABASE, COLUMNS, INDEX, CHARACTER SET, COLLATION and
 * PROCESSLIST, each a records output laid out as GreptimeDB's.
 *
 * Each builds its whole table first; LIKE 'pattern' keeps the rows whose
 * first column matches, WHERE expr is evaluated over the built table
 * with the executor's expression evaluator (sql-expr.c), its columns
 * named as the table's headers.  Cells are text, as MySQL shows them.
 */
#include "sql-expr.h"
#include "catalog.h"

#include <ctype.h>
#include <strings.h>

static bool like_match(const char *s, const char *p)
{
	if (!*p)
		return !*s;
	if (*p == '%') {
		for (;; s++) {
			if (like_match(s, p + 1))
				return true;
			if (!*s)
				return false;
		}
	}
	if (!*s)
		return false;
	return (*p == '_' || *p == *s) && like_match(s + 1, p + 1);
}

/* Append one row of text cells (NULL = a null cell). */
static int push_row(struct gt_sql_output *o, const char *const *v, struct gt_sql_error *e)
{
	for (uint32_t k = 0; k < o->ncols; k++)
		if ((v[k] ? gt_vec_push_str(&o->rows.cols[k], v[k], strlen(v[k])) :
			    gt_vec_push_null(&o->rows.cols[k])) < 0)
			return sql_nomem(e);
	o->rows.nrows++;
	return 0;
}

/*
 * Keep the rows of o that LIKE (on the first column) or WHERE (over all
 * columns, by header name) select.
 */
static int show_filter(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_output *o,
		       struct gt_sql_error *e)
{
	struct gt_schema sc;
	struct sql_xv m;
	uint32_t n = o->rows.nrows;
	uint8_t *keep;
	int rc = 0;

	if (!st->like && !st->show_where)
		return 0;
	if (!(keep = gt_calloc(n ? n : 1, 1)))
		return sql_nomem(e);
	memset(&sc, 0, sizeof(sc));
	memset(&m, 0, sizeof(m));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len;
		const char *v = gt_vec_str(&o->rows.cols[0], i, &len);
		char buf[GT_NAME_MAX + 1];
		snprintf(buf, sizeof(buf), "%.*s", (int)GT_MIN(len, GT_NAME_MAX), v);
		keep[i] = !st->like || like_match(buf, st->like);
	}
	if (st->show_where) {
		struct gt_err err = {0};
		/* WHERE names the columns in lowercase (Key_name as key_name), as GreptimeDB's rewrite does. */
		for (uint32_t k = 0; k < o->ncols && rc == 0; k++) {
			char lc[GT_NAME_MAX + 1];
			snprintf(lc, sizeof(lc), "%s", o->cols[k].name);
			for (char *p = lc; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (gt_schema_add(&sc, lc, o->cols[k].type, GT_FIELD, GT_UNIT_MS, &err) < 0)
				rc = sql_nomem(e);
		}
		struct sql_ctx c = {.e = e, .schema = &sc, .cols = o->rows.cols, .nrows = n, .now_ns = s->now_ns};
		if (rc == 0)
			rc = sql_eval(&c, st->show_where, &m);
		for (uint32_t i = 0; rc == 0 && i < n; i++)
			keep[i] &= !SQL_NULL(&m, i) && sql_xv_i64(&m, i) != 0;
	}
	struct gt_batch b;
	gt_batch_init(&b);
	for (uint32_t k = 0; k < o->ncols && rc == 0; k++)
		if (gt_batch_add_col(&b, k, o->cols[k].type) < 0)
			rc = sql_nomem(e);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		if (!keep[i])
			continue;
		for (uint32_t k = 0; k < o->ncols && rc == 0; k++)
			if (gt_vec_push_from(&b.cols[k], &o->rows.cols[k], i) < 0)
				rc = sql_nomem(e);
		b.nrows++;
	}
	if (rc == 0) {
		gt_batch_release(&o->rows);
		o->rows = b;
	} else {
		gt_batch_release(&b);
	}
	sql_xv_release(&m);
	gt_schema_release(&sc);
	free(keep);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A database's options as SHOW FULL DATABASES prints them: 'ttl' first, a line each. */
static int db_options_text(struct gt_sql_session *s, const char *db, struct gt_buf *b)
{
	struct gt_opts o;
	struct gt_err err = {0};
	if (gt_catalog_db_options(s->db->catalog, db, &o, &err) < 0)
		return 0;
	const char *ttl = gt_opts_get(&o, "ttl");
	if (ttl)
		gt_buf_addf(b, "'ttl'='%s'\n", ttl);
	for (uint32_t i = 0; i < o.n; i++)
		if (strcmp(o.keys[i], "ttl"))
			gt_buf_addf(b, "'%s'='%s'\n", o.keys[i], o.vals[i]);
	gt_opts_release(&o);
	return 0;
}

static int show_dbs(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	char **names = NULL;
	const char *const hdr[] = {"Database", "Options"};
	int rc = gt_catalog_list_dbs(s->db->catalog, &names);
	if (rc < 0)
		return sql_nomem(e);
	size_t n = 0;
	while (names[n])
		n++;
	const char **all = gt_calloc(n + 2, sizeof(*all));
	if (!all) {
		gt_strv_free(names);
		return sql_nomem(e);
	}
	size_t m = 0;
	bool has_is = false, has_pr = false;
	for (size_t i = 0; i < n; i++) {
		all[m++] = names[i];
		has_is |= !strcmp(names[i], "information_schema");
		has_pr |= !strcmp(names[i], "greptime_private");
	}
	if (!has_is)
		all[m++] = "information_schema";
	if (!has_pr)
		all[m++] = "greptime_private";
	qsort(all, m, sizeof(*all), cmp_str);
	struct gt_sql_output *o = sql_out_table(res, hdr, NULL, st->full ? 2 : 1);
	rc = o ? 0 : sql_nomem(e);
	for (size_t i = 0; i < m && rc == 0; i++) {
		struct gt_buf b;
		gt_buf_init(&b, 1 << 20);
		if (st->full)
			db_options_text(s, all[i], &b);
		const char *v[] = {all[i], b.p ? b.p : ""};
		rc = push_row(o, v, e);
		gt_buf_release(&b);
	}
	free(all);
	gt_strv_free(names);
	return rc < 0 ? rc : show_filter(s, st, o, e);
}

static int show_tables(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	char **names = NULL;
	const char *db = st->db ? st->db : s->dbname;
	char h0[GT_NAME_MAX + 16];
	snprintf(h0, sizeof(h0), "Tables_in_%s", db);
	const char *const hdr[] = {h0, "Table_type"};
	int rc = sql_list_tables(s, db, &names, e);
	if (rc < 0)
		return rc;
	struct gt_sql_output *o = sql_out_table(res, hdr, NULL, st->full ? 2 : 1);
	rc = o ? 0 : sql_nomem(e);
	for (size_t i = 0; names[i] && rc == 0; i++) {
		const char *v[] = {names[i], sql_table_type(db, names[i])};
		rc = push_row(o, v, e);
	}
	gt_strv_free(names);
	return rc < 0 ? rc : show_filter(s, st, o, e);
}

/* SHOW TABLE STATUS: MySQL's table of tables, mostly constants for gt. */
static int show_table_status(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
			     struct gt_sql_error *e)
{
	static const char *const hdr[] = {"Name", "Engine", "Version", "Row_format", "Rows", "Avg_row_length",
					  "Data_length", "Max_data_length", "Index_length", "Data_free",
					  "Auto_increment", "Create_time", "Update_time", "Check_time", "Collation",
					  "Checksum", "Create_options", "Comment"};
	char **names = NULL;
	const char *db = st->db ? st->db : s->dbname;
	int rc = sql_list_tables(s, db, &names, e);
	if (rc < 0)
		return rc;
	struct gt_sql_output *o = sql_out_table(res, hdr, NULL, GT_ARRAY_LEN(hdr));
	rc = o ? 0 : sql_nomem(e);
	for (size_t i = 0; names[i] && rc == 0; i++) {
		struct gt_table_info ti;
		struct gt_err err = {0};
		char created[64];
		const char *engine = "";
		int64_t ms = (s->now_ns ? s->now_ns : gt_now_ns()) / 1000000;
		memset(&ti, 0, sizeof(ti));
		if (strcmp(db, "information_schema") && gt_db_table(s->db, db, names[i], &ti, &err) == 0) {
			ms = ti.created_ms;
			engine = gt_table_engine_name(ti.schema.opts.engine);
		} else if (!strcmp(db, "public") && !strcmp(names[i], "numbers")) {
			engine = "test_engine";
		}
		sql_fmt_ts(created, sizeof(created), ms, GT_UNIT_MS);
		const char *v[] = {names[i], engine, "11", "Fixed", "0", "0", "0", "0", "0", "0", "0",
				   created, created, NULL, "utf8_bin", "0", "", ""};
		rc = push_row(o, v, e);
		gt_table_info_release(&ti);
	}
	gt_strv_free(names);
	return rc < 0 ? rc : show_filter(s, st, o, e);
}

static int get_table(struct gt_sql_session *s, const char *db, const char *name, struct gt_table_info *ti,
		     struct gt_sql_error *e)
{
	struct gt_err err = {0};
	memset(ti, 0, sizeof(*ti));
	int rc = gt_db_table(s->db, db ? db : s->dbname, name, ti, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_TABLE_NOT_FOUND, "Table not found: greptime.%s.%s", db ? db : s->dbname, name);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	return 0;
}

/* key = 'value', ... of an option list, keys with a dot quoted ('memtable.type'). */
static void opts_text(struct gt_buf *b, const struct gt_opts *o, const char *sep)
{
	for (uint32_t i = 0; i < o->n; i++) {
		const char *q = strchr(o->keys[i], '.') ? "'" : "";
		const char *v = o->vals[i];
		char ttl[128];
		if (!strcmp(o->keys[i], "ttl") && strcasecmp(v, "forever") && strcasecmp(v, "instant")) {
			bool ok;
			int64_t ms = sql_parse_duration_ms(v, &ok);
			if (ok && ms > 0) {
				sql_fmt_duration_ms(ttl, sizeof(ttl), ms);
				v = ttl;
			}
		}
		gt_buf_addf(b, "%s%s%s%s = '%s'", i ? sep : "", q, o->keys[i], q, v);
	}
}

static int show_create(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_table_info ti;
	struct gt_buf b;
	char tb[32];
	const char *const hdr[] = {"Table", "Create Table"};
	int rc = get_table(s, st->db, st->name, &ti, e);
	if (rc < 0)
		return rc;
	gt_buf_init(&b, 1 << 20);
	gt_buf_addf(&b, "CREATE TABLE IF NOT EXISTS \"%s\" (\n", ti.name);
	int ts = gt_schema_time_index(&ti.schema);
	uint32_t ntags = 0;
	/* A physical metric table's __table_id and __tsid are the engine's, not the user's. */
	for (uint32_t i = 0; i < ti.schema.ncols; i++)
		ntags += ti.schema.cols[i].sem == GT_TAG && !sql_metric_internal_col(&ti.schema.opts, ti.schema.cols[i].name);
	for (uint32_t i = 0; i < ti.schema.ncols; i++) {
		const struct gt_coldef *c = &ti.schema.cols[i];
		if (sql_metric_internal_col(&ti.schema.opts, c->name))
			continue;
		gt_buf_addf(&b, "  \"%s\" %s %s", c->name, sql_type_name(c, tb, sizeof(tb)),
			    c->nullable ? "NULL" : "NOT NULL");
		if (c->dflt)
			gt_buf_addf(&b, " DEFAULT %s", c->dflt);
		if (c->index & GT_INDEX_FULLTEXT) {
			gt_buf_addstr(&b, " FULLTEXT INDEX WITH(");
			opts_text(&b, &c->fulltext, ", ");
			gt_buf_addstr(&b, ")");
		}
		if (c->index & GT_INDEX_SKIPPING) {
			gt_buf_addstr(&b, " SKIPPING INDEX WITH(");
			opts_text(&b, &c->skipping, ", ");
			gt_buf_addstr(&b, ")");
		}
		if (c->index & GT_INDEX_INVERTED)
			gt_buf_addstr(&b, " INVERTED INDEX");
		gt_buf_addstr(&b, ",\n");
	}
	if (ts >= 0)
		gt_buf_addf(&b, "  TIME INDEX (\"%s\")%s\n", ti.schema.cols[ts].name, ntags ? "," : "");
	if (ntags) {
		gt_buf_addstr(&b, "  PRIMARY KEY (");
		uint32_t k = 0;
		for (uint32_t i = 0; i < ti.schema.ncols; i++)
			if (ti.schema.cols[i].sem == GT_TAG && !sql_metric_internal_col(&ti.schema.opts, ti.schema.cols[i].name))
				gt_buf_addf(&b, "%s\"%s\"", k++ ? ", " : "", ti.schema.cols[i].name);
		gt_buf_addstr(&b, ")\n");
	}
	gt_buf_addstr(&b, ")\n");
	if (ti.part.nexprs) {
		gt_buf_addstr(&b, "PARTITION ON COLUMNS (");
		for (uint32_t i = 0; i < ti.part.ncols; i++)
			gt_buf_addf(&b, "%s\"%s\"", i ? ", " : "", ti.part.cols[i]);
		gt_buf_addstr(&b, ") (\n");
		for (uint32_t i = 0; i < ti.part.nexprs; i++)
			gt_buf_addf(&b, "  %s%s\n", ti.part.exprs[i], i + 1 < ti.part.nexprs ? "," : "");
		gt_buf_addstr(&b, ")\n");
	} else {
		gt_buf_addstr(&b, "\n");
	}
	gt_buf_addf(&b, "ENGINE=%s\n", gt_table_engine_name(ti.schema.opts.engine));
	if (ti.schema.opts.kv.n) {
		gt_buf_addstr(&b, "WITH(\n  ");
		opts_text(&b, &ti.schema.opts.kv, ",\n  ");
		gt_buf_addstr(&b, "\n)");
	}
	struct gt_sql_output *o = sql_out_table(res, hdr, NULL, 2);
	rc = o ? 0 : sql_nomem(e);
	if (rc == 0) {
		const char *v[] = {ti.name, b.p ? b.p : ""};
		rc = push_row(o, v, e);
	}
	gt_buf_release(&b);
	gt_table_info_release(&ti);
	return rc;
}

static int show_create_db(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
			  struct gt_sql_error *e)
{
	struct gt_opts opts;
	struct gt_err err = {0};
	struct gt_buf b;
	const char *const hdr[] = {"Database", "Create Database"};
	int rc = gt_catalog_db_options(s->db->catalog, st->name, &opts, &err);
	if (rc == GT_ENOTFOUND)
		return sql_err(e, GT_STATUS_DATABASE_NOT_FOUND, "Database not found: %s", st->name);
	if (rc < 0)
		return sql_engine_err(e, rc, &err);
	gt_buf_init(&b, 1 << 20);
	gt_buf_addf(&b, "CREATE DATABASE IF NOT EXISTS %s", st->name);
	if (opts.n) {
		gt_buf_addstr(&b, "\nWITH(\n  ");
		opts_text(&b, &opts, ",\n  ");
		gt_buf_addstr(&b, "\n)");
	}
	struct gt_sql_output *o = sql_out_table(res, hdr, NULL, 2);
	rc = o ? 0 : sql_nomem(e);
	if (rc == 0) {
		const char *v[] = {st->name, b.p ? b.p : ""};
		rc = push_row(o, v, e);
	}
	gt_buf_release(&b);
	gt_opts_release(&opts);
	return rc;
}

/* Schema column indexes of ti sorted by name (SHOW COLUMNS order). */
static int cmp_col(const void *a, const void *b, void *arg)
{
	const struct gt_schema *sc = arg;
	return strcmp(sc->cols[*(const uint32_t *)a].name, sc->cols[*(const uint32_t *)b].name);
}

static int show_columns(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
			struct gt_sql_error *e)
{
	static const char *const hdr_full[] = {"Field", "Type", "Collation", "Null", "Key", "Default",
					       "Comment", "Privileges", "Extra", "Greptime_type"};
	static const char *const hdr[] = {"Field", "Type", "Null", "Key", "Default", "Extra", "Greptime_type"};
	struct gt_table_info ti;
	int rc = get_table(s, st->db, st->name, &ti, e);
	if (rc < 0)
		return rc;
	uint32_t n = ti.schema.ncols, *ord = gt_calloc(n ? n : 1, sizeof(*ord));
	struct gt_sql_output *o = ord ? sql_out_table(res, st->full ? hdr_full : hdr, NULL, st->full ? 10 : 7) : NULL;
	rc = o ? 0 : sql_nomem(e);
	for (uint32_t i = 0; i < n; i++)
		ord[i] = i;
	if (rc == 0)
		qsort_r(ord, n, sizeof(*ord), cmp_col, &ti.schema);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct gt_coldef *c = &ti.schema.cols[ord[i]];
		char tb[32], type[32];
		snprintf(type, sizeof(type), "%s", sql_type_name(c, tb, sizeof(tb)));
		for (char *p = type; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *key = c->sem == GT_TAG ? "PRI" : c->sem == GT_TIME ? "TIME INDEX" : "";
		const char *null = c->nullable ? "YES" : "NO", *dflt = c->dflt ? c->dflt : "";
		const char *gtype = gt_type_name(c->type, c->unit);
		if (st->full) {
			const char *v[] = {c->name, type, c->type == GT_STRING ? "utf8_bin" : "", null, key, dflt,
					   "", "select,insert", "", gtype};
			rc = push_row(o, v, e);
		} else {
			const char *v[] = {c->name, type, null, key, dflt, "", gtype};
			rc = push_row(o, v, e);
		}
	}
	free(ord);
	gt_table_info_release(&ti);
	return rc < 0 ? rc : show_filter(s, st, o, e);
}

static int cmp_index_row(const void *a, const void *b)
{
	const struct sql_index_row *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

int sql_index_rows(const struct gt_schema *sc, struct sql_index_row **out, uint32_t *nout)
{
	static const struct {
		uint8_t bit;
		const char *pfx, *type;
	} kinds[] = {{GT_INDEX_FULLTEXT, "FULLTEXT_INDEX_", "FULLTEXT"},
		     {GT_INDEX_SKIPPING, "SKIPPING_INDEX_", "SKIPPING"},
		     {GT_INDEX_INVERTED, "INVERTED_INDEX_", "INVERTED"}};
	struct sql_index_row *r = gt_calloc((size_t)sc->ncols * 4 + 1, sizeof(*r));
	uint32_t n = 0, pk = 0;
	if (!r)
		return GT_ENOMEM;
	for (uint32_t i = 0; i < sc->ncols; i++) {
		const struct gt_coldef *c = &sc->cols[i];
		if (c->sem == GT_TIME)
			r[n++] = (struct sql_index_row){"TIME INDEX", 1, c, "TIME", "", false};
		if (c->sem == GT_TAG)
			r[n++] = (struct sql_index_row){"PRIMARY", ++pk, c, "PRIMARY", "dense", true};
		for (size_t k = 0; k < GT_ARRAY_LEN(kinds); k++) {
			if (!(c->index & kinds[k].bit))
				continue;
			const char *gtype = kinds[k].bit == GT_INDEX_INVERTED ? "inverted" :
					    kinds[k].bit == GT_INDEX_SKIPPING ? "bloom_filter" :
					    strcmp(gt_opts_get(&c->fulltext, "backend") ? gt_opts_get(&c->fulltext, "backend") : "bloom",
						   "tantivy") ? "fulltext_bloom" : "fulltext_tantivy";
			r[n] = (struct sql_index_row){"", 1, c, kinds[k].type, gtype, false};
			snprintf(r[n].key, sizeof(r[n].key), "%s%s", kinds[k].pfx, c->name);
			n++;
		}
	}
	qsort(r, n, sizeof(*r), cmp_index_row);
	*out = r;
	*nout = n;
	return 0;
}

static int show_index(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		      struct gt_sql_error *e)
{
	static const char *const hdr[] = {"Table", "Non_unique", "Key_name", "Seq_in_index", "Column_name",
					  "Collation", "Cardinality", "Sub_part", "Packed", "Null", "Index_type",
					  "Comment", "Index_comment", "Visible", "Expression"};
	struct gt_table_info ti;
	int rc = get_table(s, st->db, st->name, &ti, e);
	if (rc < 0)
		return rc;
	struct sql_index_row *r = NULL;
	uint32_t n = 0;
	struct gt_sql_output *o = sql_index_rows(&ti.schema, &r, &n) == 0 ?
				  sql_out_table(res, hdr, NULL, GT_ARRAY_LEN(hdr)) : NULL;
	rc = o ? 0 : sql_nomem(e);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		char seq[16];
		snprintf(seq, sizeof(seq), "%u", r[i].seq);
		const char *v[] = {ti.name, r[i].unique ? "0" : "1", r[i].key, seq, r[i].c->name, "A", NULL, NULL,
				   NULL, r[i].c->nullable ? "YES" : "", r[i].type, "", "", "YES", NULL};
		rc = push_row(o, v, e);
	}
	free(r);
	gt_table_info_release(&ti);
	return rc < 0 ? rc : show_filter(s, st, o, e);
}

/* SHOW REGION FROM t: a row per region with the peer serving it (sql_peers_get). */
static int show_region(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		       struct gt_sql_error *e)
{
	static const char *const hdr[] = {"Table", "Region", "Peer", "Leader"};
	static const uint8_t types[] = {GT_STRING, GT_U64, GT_U64, GT_STRING};
	struct gt_table_info ti;
	struct sql_peers peers;
	int rc = get_table(s, st->db, st->name, &ti, e);
	if (rc < 0)
		return rc;
	if ((rc = sql_peers_load(s, &peers, e)) < 0) {
		gt_table_info_release(&ti);
		return rc;
	}
	struct gt_sql_output *o = sql_out_table(res, hdr, types, 4);
	rc = o ? 0 : sql_nomem(e);
	for (uint32_t i = 0; i < ti.nregions && rc == 0; i++) {
		struct gt_batch *b = &o->rows;
		struct sql_peer pr;
		uint64_t region = gt_table_region(&ti, i);
		sql_peers_get(&peers, region, &pr);
		if (gt_vec_push_str(&b->cols[0], ti.name, strlen(ti.name)) < 0 || gt_vec_push_u64(&b->cols[1], region) < 0 ||
		    gt_vec_push_u64(&b->cols[2], pr.id) < 0 ||
		    gt_vec_push_str(&b->cols[3], "Yes", 3) < 0)
			rc = sql_nomem(e);
		else
			b->nrows++;
	}
	sql_peers_release(&peers);
	gt_table_info_release(&ti);
	return rc < 0 ? rc : show_filter(s, st, o, e);
}

static int show_fixed(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		      struct gt_sql_error *e)
{
	static const char *const charset_hdr[] = {"Charset", "Description", "Default collation", "Maxlen"};
	static const char *const charset_row[] = {"utf8", "UTF-8 Unicode", "utf8_bin", "4"};
	static const char *const coll_hdr[] = {"Collation", "Charset", "Id", "Default", "Compiled", "Sortlen"};
	static const char *const coll_row[] = {"utf8_bin", "utf8", "1", "Yes", "Yes", "1"};
	bool cs = st->kind == S_SHOW_CHARSET;
	struct gt_sql_output *o = sql_out_table(res, cs ? charset_hdr : coll_hdr, NULL, cs ? 4 : 6);
	if (!o)
		return sql_nomem(e);
	int rc = push_row(o, cs ? charset_row : coll_row, e);
	return rc < 0 ? rc : show_filter(s, st, o, e);
}

/*
 * SHOW [FULL] PROCESSLIST: the statement itself is the only query
 * running in a standalone server that answers one statement at a time
 * per session.
 */
static int show_processlist(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
			    struct gt_sql_error *e)
{
	static const char *const hdr[] = {"Id", "Catalog", "Query", "Elapsed Time"};
	static const char *const hdr_full[] = {"Id", "Catalog", "Schema", "Client", "Frontend", "Start Time",
					       "Elapsed Time", "Query"};
	char start[64], id[64];
	int64_t now = s->now_ns ? s->now_ns : gt_now_ns();
	sql_fmt_ts(start, sizeof(start), now / 1000, GT_UNIT_US);
	snprintf(id, sizeof(id), "127.0.0.1:4001/%u", 0u);
	struct gt_sql_output *o = sql_out_table(res, st->full ? hdr_full : hdr, NULL, st->full ? 8 : 4);
	if (!o)
		return sql_nomem(e);
	if (st->full) {
		const char *v[] = {id, "greptime", s->dbname, "unknown[unknown client addr]", "127.0.0.1:4001",
				   start, "PT0.000100S", "SHOW FULL PROCESSLIST"};
		return push_row(o, v, e);
	}
	const char *v[] = {id, "greptime", "SHOW PROCESSLIST", "PT0.000100S"};
	return push_row(o, v, e);
}

int sql_exec_show(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	switch (st->kind) {
	case S_SHOW_DBS:
		return show_dbs(s, st, res, e);
	case S_SHOW_TABLES:
		return show_tables(s, st, res, e);
	case S_SHOW_TABLE_STATUS:
		return show_table_status(s, st, res, e);
	case S_SHOW_CREATE:
		return show_create(s, st, res, e);
	case S_SHOW_CREATE_DB:
		return show_create_db(s, st, res, e);
	case S_SHOW_COLUMNS:
		return show_columns(s, st, res, e);
	case S_SHOW_INDEX:
		return show_index(s, st, res, e);
	case S_SHOW_CHARSET:
	case S_SHOW_COLLATION:
		return show_fixed(s, st, res, e);
	case S_SHOW_PROCESSLIST:
		return show_processlist(s, st, res, e);
	case S_SHOW_REGION:
		return show_region(s, st, res, e);
	default:
		return sql_err(e, GT_STATUS_UNSUPPORTED, "unsupported statement");
	}
}
