/*
 * pgcatalog.c - answers to the catalog queries psql sends for \dt, \d
 * and \d NAME (pgwire-int.h), recognised by their text as psql 10-16
 * write them (describe.c), and answered from information_schema.tables
 * and the tables' schemas.  The SQL engine has pg_catalog's tables for
 * PostgreSQL sessions (sql-sys.c) and the functions over them
 * (sql-pgfn.c), and answers every other query naming them; psql's
 * queries join those tables (and pg_am, pg_index ...), which the engine
 * cannot yet, so they are recognised here first, with the same answers:
 * the relations on the search path are those of the session's database
 * and of public, as pg_table_is_visible() says.
 *
 * The queries, in the order psql sends them:
 *   \l, \dn      ... FROM pg_catalog.pg_database d / pg_namespace n: the databases
 *   \dt, \d, \dv SELECT n.nspname as "Schema", c.relname as "Name", ... "Owner"
 *                FROM pg_catalog.pg_class c ... WHERE c.relkind IN (...)
 *                [AND c.relname OPERATOR(pg_catalog.~) '^(cpu)$' ...]
 *   \d NAME      1. SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c
 *                   ... c.relname OPERATOR(pg_catalog.~) '^(NAME)$'
 *                2. SELECT c.relchecks, c.relkind, ... WHERE c.oid = 'OID'
 *                3. SELECT a.attname, pg_catalog.format_type(...) ... FROM
 *                   pg_catalog.pg_attribute a WHERE a.attrelid = 'OID'
 *                4. footers over pg_index, pg_policy, pg_statistic_ext,
 *                   pg_publication, pg_inherits ...: no rows
 * A table's oid is its table id.  Patterns are psql's regular
 * expressions, matched with POSIX extended regexes.
 */
#include "pgwire-int.h"
#include "catalog.h"

#include <regex.h>

/* Whether needle occurs in sql[0..len). */
static bool has(const char *sql, size_t len, const char *needle)
{
	return memmem(sql, len, needle, strlen(needle)) != NULL;
}

/* The quoted text after `after` (psql's '...' literal, '' unescaped) into out; false if absent. */
static bool quoted_after(const char *sql, size_t len, const char *after, char *out, size_t n)
{
	const char *p = memmem(sql, len, after, strlen(after)), *end = sql + len;
	size_t k = 0;
	if (!p)
		return false;
	p += strlen(after);
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p != '\'')
		return false;
	for (p++; p < end; p++) {
		if (*p == '\'') {
			if (p + 1 < end && p[1] == '\'') {
				p++;
			} else {
				out[k] = 0;
				return true;
			}
		}
		if (k + 1 >= n)
			return false;
		out[k++] = *p;
	}
	return false;
}

struct rel {
	char *db, *name, *type;
	uint32_t id;
};

struct rels {
	struct rel *v;
	uint32_t n;
};

static void rels_release(struct rels *r)
{
	for (uint32_t i = 0; i < r->n; i++) {
		free(r->v[i].db);
		free(r->v[i].name);
		free(r->v[i].type);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static char *vec_dup(const struct gt_vec *v, uint32_t i)
{
	uint32_t n;
	const char *s;
	if (gt_vec_is_null(v, i))
		return gt_strdup("");
	s = gt_vec_str(v, i, &n);
	return gt_strndup(s, n);
}

/* Every table and view of every user database, sorted by database and name. */
static int list_rels(struct gt_sql_session *s, struct rels *out, struct gt_sql_error *e)
{
	static const char q[] = "SELECT table_schema, table_name, table_type, table_id FROM information_schema.tables "
				"WHERE table_schema <> 'information_schema' AND table_schema <> 'greptime_private' "
				"ORDER BY table_schema, table_name";
	struct gt_sql_result res = {0};
	char dbname[sizeof(s->dbname)];
	int rc;

	memset(out, 0, sizeof(*out));
	/* the query must not depend on the session's database */
	memcpy(dbname, s->dbname, sizeof(dbname));
	rc = gt_sql_exec(s, q, sizeof(q) - 1, &res, e);
	memcpy(s->dbname, dbname, sizeof(dbname));
	if (rc < 0) {
		gt_sql_result_release(&res);
		return rc;
	}
	const struct gt_sql_output *o = &res.outs[res.n - 1];
	if (o->kind != GT_SQL_RECORDS || o->ncols != 4 || !(out->v = gt_calloc(o->rows.nrows + 1, sizeof(*out->v)))) {
		gt_sql_result_release(&res);
		return GT_ENOMEM;
	}
	for (uint32_t i = 0; i < o->rows.nrows; i++) {
		struct rel *r = &out->v[out->n++];
		r->db = vec_dup(&o->rows.cols[0], i);
		r->name = vec_dup(&o->rows.cols[1], i);
		r->type = vec_dup(&o->rows.cols[2], i);
		r->id = gt_vec_is_null(&o->rows.cols[3], i) ? 0 : (uint32_t)o->rows.cols[3].v.u64[i];
		if (!r->db || !r->name || !r->type) {
			gt_sql_result_release(&res);
			rels_release(out);
			return GT_ENOMEM;
		}
	}
	gt_sql_result_release(&res);
	return 0;
}

/* Whether s matches psql's pattern (NULL pattern: everything). */
static bool matches(const char *pattern, const char *s)
{
	regex_t re;
	bool ok;
	if (!pattern)
		return true;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
		return false;
	ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* \l and \dn: every database (a PostgreSQL database and schema at once), without the system ones for \dn. */
static int answer_databases(struct gt_sql_session *s, bool schemas, struct gt_sql_result *res, struct gt_sql_error *e)
{
	static const char q[] = "SELECT schema_name FROM information_schema.schemata ORDER BY schema_name";
	static const char *const lcols[] = {"Name", "Owner", "Encoding", "Collate", "Ctype", "ICU Locale",
					    "Locale Provider", "Access privileges"};
	static const char *const ncols[] = {"Name", "Owner"};
	struct gt_sql_result dbs = {0};
	int rc = gt_sql_exec(s, q, sizeof(q) - 1, &dbs, e);

	if (rc == 0)
		rc = schemas ? gt_pg_output_text(res, ncols, 2) : gt_pg_output_text(res, lcols, 8);
	for (uint32_t i = 0; rc == 0 && i < dbs.outs[dbs.n - 1].rows.nrows; i++) {
		char *name = vec_dup(&dbs.outs[dbs.n - 1].rows.cols[0], i);
		const char *row[] = {name, "postgres", "UTF8", "C", "C", NULL, "libc", NULL};
		if (!name)
			rc = GT_ENOMEM;
		else if (!schemas || (strcmp(name, "information_schema") && strcmp(name, "greptime_private")))
			rc = gt_pg_output_row(res, row);
		free(name);
	}
	gt_sql_result_release(&dbs);
	return rc < 0 ? rc : 1;
}

/* The relations a query's patterns select: its name pattern, and its schema
 * pattern or else those on the search path, the session's database and
 * public (pg_table_is_visible, as the engine's: sql_pg_visible_oids). */
static bool selected(const struct gt_sql_session *s, const struct rel *r, const char *relpat, const char *nsppat)
{
	if (nsppat ? !matches(nsppat, r->db) : strcmp(r->db, s->dbname) && strcmp(r->db, GT_DEFAULT_DB))
		return false;
	return matches(relpat, r->name);
}

static int patterns(const char *sql, size_t len, char *rel, char *nsp, size_t n, const char **relpat,
		    const char **nsppat)
{
	*relpat = quoted_after(sql, len, "c.relname OPERATOR(pg_catalog.~)", rel, n) ? rel : NULL;
	*nsppat = quoted_after(sql, len, "n.nspname OPERATOR(pg_catalog.~)", nsp, n) ? nsp : NULL;
	return 0;
}

/* \dt, \d: Schema | Name | Type | Owner */
static int answer_list(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
		       struct gt_sql_error *e)
{
	static const char *const cols[] = {"Schema", "Name", "Type", "Owner", "Persistence", "Access method", "Size",
					   "Description"};
	uint32_t ncols = has(sql, len, "as \"Persistence\"") ? 8 : 4;   /* \dt+ */
	char relbuf[512], nspbuf[512];
	const char *relpat, *nsppat;
	/* the kinds asked for: c.relkind IN ('r','p','v',...) */
	const char *in = memmem(sql, len, "c.relkind IN (", 14), *close = in ? memchr(in, ')', len - (size_t)(in - sql)) : NULL;
	size_t inlen = close ? (size_t)(close - in) : 0;
	bool tables = in && has(in, inlen, "'r'"), views = in && has(in, inlen, "'v'");
	struct rels rs;
	int rc;

	patterns(sql, len, relbuf, nspbuf, sizeof(relbuf), &relpat, &nsppat);
	if ((rc = list_rels(s, &rs, e)) < 0)
		return rc;
	rc = gt_pg_output_text(res, cols, ncols);
	for (uint32_t i = 0; rc == 0 && i < rs.n; i++) {
		bool view = !strcmp(rs.v[i].type, "VIEW");
		if ((view ? !views : !tables) || !selected(s, &rs.v[i], relpat, nsppat))
			continue;
		const char *row[] = {rs.v[i].db, rs.v[i].name, view ? "view" : "table", "postgres", "permanent",
				     view ? NULL : "mito", NULL, NULL};
		rc = gt_pg_output_row(res, row);
	}
	rels_release(&rs);
	return rc < 0 ? rc : 1;
}

/* \d NAME step 1: oid | nspname | relname */
static int answer_lookup(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
			 struct gt_sql_error *e)
{
	static const char *const cols[] = {"oid", "nspname", "relname"};
	char relbuf[512], nspbuf[512], id[16];
	const char *relpat, *nsppat;
	struct rels rs;
	int rc;

	patterns(sql, len, relbuf, nspbuf, sizeof(relbuf), &relpat, &nsppat);
	if ((rc = list_rels(s, &rs, e)) < 0)
		return rc;
	rc = gt_pg_output_text(res, cols, 3);
	for (uint32_t i = 0; rc == 0 && i < rs.n; i++) {
		if (!selected(s, &rs.v[i], relpat, nsppat))
			continue;
		snprintf(id, sizeof(id), "%u", rs.v[i].id);
		const char *row[] = {id, rs.v[i].db, rs.v[i].name};
		rc = gt_pg_output_row(res, row);
	}
	rels_release(&rs);
	return rc < 0 ? rc : 1;
}

/* The relation whose oid the query names after `after`, or NULL. */
static const struct rel *by_oid(const struct rels *rs, const char *sql, size_t len, const char *after)
{
	char id[16];
	if (!quoted_after(sql, len, after, id, sizeof(id)))
		return NULL;
	for (uint32_t i = 0; i < rs->n; i++)
		if (rs->v[i].id && (uint32_t)strtoul(id, NULL, 10) == rs->v[i].id)
			return &rs->v[i];
	return NULL;
}

/* \d NAME step 2: the relation's flags (no checks, indexes, rules, triggers, policies). */
static int answer_flags(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
			struct gt_sql_error *e)
{
	static const char *const cols[] = {"relchecks", "relkind", "relhasindex", "relhasrules", "relhastriggers",
					   "relrowsecurity", "relforcerowsecurity", "relhasoids", "relispartition",
					   "?column?", "reltablespace", "reloftype", "relpersistence",
					   "relreplident", "amname"};
	const char *row[] = {"0", "r", "f", "f", "f", "f", "f", "f", "f", "", "0", "", "p", "d", NULL};
	struct rels rs;
	int rc;

	if ((rc = list_rels(s, &rs, e)) < 0)
		return rc;
	rc = gt_pg_output_text(res, cols, GT_ARRAY_LEN(cols));
	if (rc == 0 && by_oid(&rs, sql, len, "c.oid ="))
		rc = gt_pg_output_row(res, row);
	rels_release(&rs);
	return rc < 0 ? rc : 1;
}

/* \d NAME step 3: attname | format_type | default | attnotnull | attcollation | attidentity | attgenerated
 * [| attstorage | attcompression | attstattarget | description  for \d+] */
static int answer_columns(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
			  struct gt_sql_error *e)
{
	static const char *const cols[] = {"attname", "format_type", "pg_get_expr", "attnotnull", "attcollation",
					   "attidentity", "attgenerated", "attstorage", "attcompression",
					   "attstattarget", "col_description"};
	uint32_t ncols = has(sql, len, "a.attstorage") ? 11 : 7;
	struct gt_table_info ti;
	struct gt_err err = {0};
	const struct rel *r;
	struct rels rs;
	int rc;

	memset(&ti, 0, sizeof(ti));
	if ((rc = list_rels(s, &rs, e)) < 0)
		return rc;
	rc = gt_pg_output_text(res, cols, ncols);
	r = by_oid(&rs, sql, len, "a.attrelid =");
	if (rc == 0 && r && gt_db_table(s->db, r->db, r->name, &ti, &err) == 0) {
		for (uint32_t i = 0; rc == 0 && i < ti.schema.ncols; i++) {
			const struct gt_coldef *c = &ti.schema.cols[i];
			const struct gt_pg_type *t = gt_pg_type_of(c->type, c->unit, c->lt);
			bool notnull = !c->nullable || c->sem == GT_TIME;
			/* PostgreSQL keeps variable-length values "extended", fixed ones "plain" */
			const char *row[] = {c->name, t->name, c->dflt, notnull ? "t" : "f", NULL, "", "",
					     t->len < 0 ? "x" : "p", "", NULL, NULL};
			rc = gt_pg_output_row(res, row);
		}
	}
	gt_table_info_release(&ti);
	rels_release(&rs);
	return rc < 0 ? rc : 1;
}

/* Catalogs gt has nothing in: psql's footer queries over them answer no rows. */
static const char *const empty_catalogs[] = {
	"pg_catalog.pg_index", "pg_catalog.pg_policy", "pg_catalog.pg_statistic_ext", "pg_catalog.pg_publication",
	"pg_catalog.pg_inherits", "pg_catalog.pg_trigger", "pg_catalog.pg_constraint", "pg_catalog.pg_rewrite",
};

int gt_pgcat_answer(struct gt_sql_session *s, const char *sql, size_t len, struct gt_sql_result *res,
		    struct gt_sql_error *e)
{
	int rc;

	if (!has(sql, len, "pg_catalog."))
		return 0;
	if (has(sql, len, "FROM pg_catalog.pg_class c") && has(sql, len, "as \"Owner\""))
		rc = answer_list(s, sql, len, res, e);
	else if (has(sql, len, "FROM pg_catalog.pg_database d") && has(sql, len, "as \"Name\""))
		rc = answer_databases(s, false, res, e);
	else if (has(sql, len, "FROM pg_catalog.pg_namespace n") && has(sql, len, "AS \"Name\""))
		rc = answer_databases(s, true, res, e);
	else if (has(sql, len, "SELECT c.oid,") && has(sql, len, "FROM pg_catalog.pg_class c"))
		rc = answer_lookup(s, sql, len, res, e);
	else if (has(sql, len, "SELECT c.relchecks, c.relkind"))
		rc = answer_flags(s, sql, len, res, e);
	else if (has(sql, len, "FROM pg_catalog.pg_attribute a") && has(sql, len, "a.attrelid ="))
		rc = answer_columns(s, sql, len, res, e);
	else {
		static const char *const col[] = {"?column?"};
		for (size_t i = 0; i < GT_ARRAY_LEN(empty_catalogs); i++)
			if (has(sql, len, empty_catalogs[i]))
				return gt_pg_output_text(res, col, 1) < 0 ? GT_ENOMEM : 1;
		return 0;
	}
	if (rc == GT_ENOMEM) {
		e->status = GT_STATUS_INTERNAL;
		snprintf(e->msg, sizeof(e->msg), "out of memory");
	}
	return rc;
}

/* ---- SELECT of session functions ---- */

struct tok {
	const char *s;
	size_t n, i;
};

static void tok_ws(struct tok *t)
{
	while (t->i < t->n && (t->s[t->i] == ' ' || t->s[t->i] == '\t' || t->s[t->i] == '\n' || t->s[t->i] == '\r'))
		t->i++;
}

/* An identifier (letters, digits, _ and .) into out, lowercased; false if none. */
static bool tok_ident(struct tok *t, char *out, size_t cap)
{
	size_t k = 0;
	tok_ws(t);
	if (t->i < t->n && t->s[t->i] == '"') {          /* a quoted alias, kept as written */
		const char *e = memchr(t->s + t->i + 1, '"', t->n - t->i - 1);
		if (!e || (size_t)(e - t->s - t->i - 1) >= cap)
			return false;
		k = (size_t)(e - t->s - t->i - 1);
		memcpy(out, t->s + t->i + 1, k);
		out[k] = 0;
		t->i += k + 2;
		return true;
	}
	while (t->i < t->n && k + 1 < cap &&
	       (t->s[t->i] == '_' || t->s[t->i] == '.' || (t->s[t->i] >= '0' && t->s[t->i] <= '9') ||
		((t->s[t->i] | 32) >= 'a' && (t->s[t->i] | 32) <= 'z')))
	{
		char ch = t->s[t->i++];
		out[k++] = ch >= 'A' && ch <= 'Z' ? (char)(ch | 32) : ch;
	}
	out[k] = 0;
	return k > 0;
}

static bool tok_punct(struct tok *t, char c)
{
	tok_ws(t);
	if (t->i < t->n && t->s[t->i] == c) {
		t->i++;
		return true;
	}
	return false;
}

int gt_pgcat_functions(const char *sql, size_t len, const char *dbname, const char *user,
		       const char *(*setting)(const char *name), struct gt_sql_result *res)
{
	struct tok t = {sql, len, 0};
	const char *names[16], *vals[16];
	char nbuf[16][64], arg[64], word[64];
	uint32_t n = 0;

	if (!tok_ident(&t, word, sizeof(word)) || strcmp(word, "select"))
		return 0;
	do {
		const char *v, *name;
		if (n == 16 || !tok_ident(&t, word, sizeof(word)))
			return 0;
		name = word + (strncmp(word, "pg_catalog.", 11) ? 0 : 11);
		arg[0] = 0;
		if (tok_punct(&t, '(')) {
			tok_ws(&t);
			if (t.i < t.n && t.s[t.i] == '\'') {           /* current_setting('name') */
				const char *e = memchr(t.s + t.i + 1, '\'', t.n - t.i - 1);
				size_t k = e ? (size_t)(e - t.s - t.i - 1) : sizeof(arg);
				if (k >= sizeof(arg))
					return 0;
				memcpy(arg, t.s + t.i + 1, k);
				arg[k] = 0;
				t.i += k + 2;
			}
			if (!tok_punct(&t, ')'))
				return 0;
		}
		if (!strcmp(name, "version"))
			v = GT_PG_VERSION_TEXT;
		else if (!strcmp(name, "current_database") || !strcmp(name, "current_schema") ||
			 !strcmp(name, "current_catalog"))
			v = dbname;
		else if (!strcmp(name, "current_user") || !strcmp(name, "session_user") || !strcmp(name, "user"))
			v = user;
		else if (!strcmp(name, "current_setting") && arg[0] && (v = setting(arg)))
			;
		else
			return 0;
		/* named as GreptimeDB (DataFusion) names the column: "current_schema()", but "version" */
		snprintf(nbuf[n], sizeof(nbuf[n]), "%s%s", name,
			 !strcmp(name, "version") || !strcmp(name, "current_setting") ? "" : "()");
		if (tok_ident(&t, word, sizeof(word))) {          /* [AS] alias */
			if (!strcmp(word, "as") && !tok_ident(&t, word, sizeof(word)))
				return 0;
			snprintf(nbuf[n], sizeof(nbuf[n]), "%s", word);
		}
		names[n] = nbuf[n];
		vals[n++] = v;
	} while (tok_punct(&t, ','));
	tok_punct(&t, ';');
	tok_ws(&t);
	if (t.i != t.n)
		return 0;
	if (gt_pg_output_text(res, names, n) || gt_pg_output_row(res, vals))
		return GT_ENOMEM;
	return 1;
}
