/*
 * sql-pgfn.c - PostgreSQL's session and catalog functions in the SQL
 * engine, for the catalog queries PostgreSQL tools send (psql, Grafana,
 * drivers' metadata calls).  sql-expr.c asks sql_pg_func() about every
 * call it does not know, with the arguments evaluated.
 *
 *   current_schema(), current_database()   the session's database
 *   current_schemas(bool)                  the search path as a text array:
 *                                          {db,public[,information_schema,pg_catalog,greptime_private]}
 *   session_user, current_user             the user the session logged in as
 *   version()                              PostgreSQL's version text (PostgreSQL sessions)
 *   pg_get_userbyid(oid)                   'postgres': every object's owner
 *   pg_table_is_visible(oid)               on the search path (sql_pg_visible_oids)
 *   obj_description, col_description,      NULL: gt keeps no comments
 *   shobj_description
 *   pg_my_temp_schema()                    0: no temporary schema
 *   regclass(text)                         'name'::regclass: the table's oid
 *   a op ANY (array)                       the parser's "any" call: a op any
 *                                          element of a text array '{x,y}'
 *
 * gt has no array type: arrays are their PostgreSQL text form, which is
 * also what a PostgreSQL client reads for a text[] value.
 */
#include "sql-ast.h"
#include "sql-expr.h"
#include "catalog.h"
#include "db.h"
#include "pgwire-int.h"

#include <stdlib.h>

#define PG_SYSTEM_SCHEMAS "information_schema,pg_catalog,greptime_private"

/* o: one value of type for every row. */
static void pg_scalar(struct sql_xv *o, uint8_t type)
{
	memset(o, 0, sizeof(*o));
	gt_vec_init(&o->v, type);
	o->scalar = true;
}

static int pg_nomem(struct sql_ctx *c)
{
	return sql_err(c->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
}

static int pg_text(struct sql_ctx *c, struct sql_xv *o, const char *s)
{
	pg_scalar(o, GT_STRING);
	return (s ? gt_vec_push_str(&o->v, s, strlen(s)) : gt_vec_push_null(&o->v)) < 0 ? pg_nomem(c) : 1;
}

static const char *session_db(const struct sql_ctx *c)
{
	return c->s ? c->s->dbname : GT_DEFAULT_DB;
}

/* current_schemas(all): the search path, the system schemas after it when all. */
static int current_schemas(struct sql_ctx *c, const struct sql_xv *all, struct sql_xv *o)
{
	struct gt_buf b;
	const char *db = session_db(c);
	int rc;
	if (SQL_NULL(all, 0))
		return pg_text(c, o, NULL);
	gt_buf_init(&b, 1 << 16);
	gt_buf_addf(&b, "{%s%s%s}", db, strcmp(db, GT_DEFAULT_DB) ? "," GT_DEFAULT_DB : "",
		    sql_xv_i64(all, 0) ? "," PG_SYSTEM_SCHEMAS : "");
	rc = b.p ? pg_text(c, o, b.p) : pg_nomem(c);
	gt_buf_release(&b);
	return rc;
}

/* One value per row of the argument: f(row) for rows where it is not null. */
static int per_row(struct sql_ctx *c, const struct sql_xv *a, uint32_t n, uint8_t type, struct sql_xv *o,
		   int (*f)(struct sql_ctx *, const struct sql_xv *, uint32_t, struct gt_vec *, void *), void *ctx)
{
	int rc = 0;
	pg_scalar(o, type);
	o->scalar = n == 1;
	for (uint32_t i = 0; i < n && rc >= 0; i++)
		rc = SQL_NULL(a, i) ? (gt_vec_push_null(&o->v) < 0 ? pg_nomem(c) : 0) : f(c, a, i, &o->v, ctx);
	return rc < 0 ? rc : 1;
}

static int owner_name(struct sql_ctx *c, const struct sql_xv *a, uint32_t i, struct gt_vec *out, void *ctx)
{
	(void)a;
	(void)i;
	(void)ctx;
	return gt_vec_push_str(out, "postgres", 8) < 0 ? pg_nomem(c) : 0;
}

struct oids {
	uint32_t *v;
	size_t n;
};

static int visible(struct sql_ctx *c, const struct sql_xv *a, uint32_t i, struct gt_vec *out, void *ctx)
{
	const struct oids *vis = ctx;
	int64_t oid = sql_xv_i64(a, i);
	bool on = false;
	for (size_t k = 0; k < vis->n && !on; k++)
		on = vis->v[k] == oid;
	return gt_vec_push_bool(out, on) < 0 ? pg_nomem(c) : 0;
}

static int table_is_visible(struct sql_ctx *c, const struct sql_xv *a, uint32_t n, struct sql_xv *o)
{
	struct oids vis = {0};
	int rc;
	if (!c->s)
		return sql_err(c->e, GT_STATUS_PLAN_QUERY, "pg_table_is_visible needs a session");
	if ((rc = sql_pg_visible_oids(c->s, &vis.v, &vis.n, c->e)) < 0)
		return rc;
	rc = per_row(c, a, n, GT_BOOL, o, visible, &vis);
	free(vis.v);
	return rc;
}

/* 'name'::regclass, 'db.name'::regclass: the table's oid, found on the search path when unqualified. */
static int regclass(struct sql_ctx *c, const struct sql_xv *a, uint32_t i, struct gt_vec *out, void *ctx)
{
	char buf[64], name[2 * GT_NAME_MAX + 2];
	const char *s, *dot, *path[2];
	uint32_t len;
	int64_t oid = -1;
	(void)ctx;
	if (sql_xv_text(a, i, buf, sizeof(buf), &s, &len) < 0 || len >= sizeof(name))
		return sql_err(c->e, GT_STATUS_INVALID_ARGUMENTS, "invalid name syntax");
	memcpy(name, s, len);
	name[len] = 0;
	dot = strchr(name, '.');
	path[0] = session_db(c);
	path[1] = GT_DEFAULT_DB;
	if (dot) {
		name[dot - name] = 0;
		path[0] = path[1] = name;
	}
	const char *table = dot ? dot + 1 : name;
	for (int k = 0; k < 2 && oid < 0 && c->s; k++) {
		struct gt_table_info ti;
		struct gt_err err = {0};
		memset(&ti, 0, sizeof(ti));
		if (gt_db_table(c->s->db, path[k], table, &ti, &err) == 0)
			oid = ti.id;
		else if (!strcmp(path[k], GT_DEFAULT_DB) && !strcmp(table, "numbers"))
			oid = 2;        /* sql-sys.c's oid for public.numbers */
		gt_table_info_release(&ti);
	}
	if (oid < 0)
		return sql_err(c->e, GT_STATUS_TABLE_NOT_FOUND, "relation \"%.*s\" does not exist", (int)len, s);
	return gt_vec_push_i64(out, oid) < 0 ? pg_nomem(c) : 0;
}

/* Whether text a[i] compares as op (= or <>) to some element of the text array arr[i]. */
static bool any_element(const struct sql_xv *a, const struct sql_xv *arr, uint32_t i, int op)
{
	char ba[64], bb[64];
	const char *x, *s;
	uint32_t nx, ns;
	if (sql_xv_text(a, i, ba, sizeof(ba), &x, &nx) < 0 || sql_xv_text(arr, i, bb, sizeof(bb), &s, &ns) < 0)
		return false;
	if (ns < 2 || s[0] != '{' || s[ns - 1] != '}')
		return false;
	for (uint32_t k = 1; k < ns - 1;) {
		uint32_t end = k;
		const char *el = s + k;
		if (*el == '"') {          /* a quoted element: "a,b" */
			el++;
			for (end = k + 1; end < ns - 1 && s[end] != '"'; end++)
				;
			uint32_t len = end - k - 1;
			bool eq = len == nx && !memcmp(el, x, nx);
			if (op == B_EQ ? eq : !eq)
				return true;
			k = end + 2;
			continue;
		}
		while (end < ns - 1 && s[end] != ',')
			end++;
		bool eq = end - k == nx && !memcmp(el, x, nx);
		if (op == B_EQ ? eq : !eq)
			return true;
		k = end + 1;
	}
	return false;
}

static int any(struct sql_ctx *c, struct sql_expr *x, const struct sql_xv *av, uint32_t n, struct sql_xv *o)
{
	if (x->op != B_EQ && x->op != B_NE)
		return sql_err(c->e, GT_STATUS_UNSUPPORTED, "only = ANY and <> ANY are supported");
	pg_scalar(o, GT_BOOL);
	o->scalar = n == 1;
	for (uint32_t i = 0; i < n; i++) {
		int r = SQL_NULL(&av[0], i) || SQL_NULL(&av[1], i) ? gt_vec_push_null(&o->v)
								   : gt_vec_push_bool(&o->v, any_element(&av[0], &av[1], i, x->op));
		if (r < 0)
			return pg_nomem(c);
	}
	return 1;
}

int sql_pg_func(struct sql_ctx *c, struct sql_expr *x, const struct sql_xv *av, uint32_t n, struct sql_xv *o)
{
	const char *f = x->s;
	uint32_t na = x->nargs;
	if (na == 0 && (!strcmp(f, "current_schema") || !strcmp(f, "current_database")))
		return pg_text(c, o, session_db(c));
	if (na == 0 && (!strcmp(f, "session_user") || !strcmp(f, "current_user")))
		return pg_text(c, o, c->s && c->s->user ? c->s->user : "greptime");
	if (na == 0 && !strcmp(f, "version") && c->s && c->s->channel == GT_SQL_POSTGRES)
		return pg_text(c, o, GT_PG_VERSION_TEXT);
	if (na == 1 && !strcmp(f, "current_schemas"))
		return current_schemas(c, &av[0], o);
	if (na == 1 && !strcmp(f, "pg_get_userbyid"))
		return per_row(c, &av[0], n, GT_STRING, o, owner_name, NULL);
	if (na == 1 && !strcmp(f, "pg_table_is_visible"))
		return table_is_visible(c, &av[0], n, o);
	if (((na == 1 || na == 2) && !strcmp(f, "obj_description")) || (na == 2 && !strcmp(f, "col_description")) ||
	    (na == 2 && !strcmp(f, "shobj_description")))
		return pg_text(c, o, NULL);
	if (na == 0 && !strcmp(f, "pg_my_temp_schema")) {
		pg_scalar(o, GT_I64);
		return gt_vec_push_i64(&o->v, 0) < 0 ? pg_nomem(c) : 1;
	}
	if (na == 1 && !strcmp(f, "regclass"))
		return per_row(c, &av[0], n, GT_I64, o, regclass, NULL);
	if (na == 2 && !strcmp(f, "any"))
		return any(c, x, av, n, o);
	return 0;
}
