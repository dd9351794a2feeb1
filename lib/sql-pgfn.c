/*
 * sql-pgfn.c - PostgreSQL's session and catalog functions in the SQL
 * engine, for the catalog queries PostgreSQL tools send (psql, Grafana,
 * drivers' metadata calls).  sql-expr.c asks sql_pg_func() about every
 * call it does not know, with the arguments evaluated.
 *
 *   current_schema(), current_database()   the session's database (MySQL's
 *   database(), schema()                   names for it too)
 *   current_schemas(bool)                  the search path as a text array:
 *                                          {db,public[,information_schema,pg_catalog,greptime_private]}
 *   session_user, current_user             the user the session logged in as
 *   version()                              PostgreSQL's version text (PostgreSQL sessions)
 *   pg_get_userbyid(oid)                   'postgres': every object's owner
 *   pg_table_is_visible(oid)               on the search path (sql_pg_visible_oids)
 *   obj_description, col_description,      NULL: gt keeps no comments
 *   shobj_description
 *   pg_my_temp_schema()                    0: no temporary schema
 *   current_setting(name)                  SHOW's answer (search_path: the database)
 *   user                                   current_user, where no column is named so
 *   pg_sleep(seconds)                      waits (a row at a time), NULL; a
 *                                          cancel request ends it
 *   regclass(text)                         'name'::regclass: the table's oid
 *   a op ANY (array)                       the parser's "any" call: a op any
 *                                          element of a text array '{x,y}'
 *   string_to_array, array_length,         arrays as text; a[i] is the parser's
 *   array_lower, array_upper, a[i]         array_element(a, i)
 *   quote_ident, parse_ident
 *
 * gt has no array type: arrays are their PostgreSQL text form, which is
 * also what a PostgreSQL client reads for a text[] value.
 */
#include "sql-ast.h"
#include "sql-expr.h"
#include "catalog.h"
#include "db.h"
#include "pgwire-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <time.h>

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

/*
 * The next element of the text array s[0..n) ('{a,b,"c,d"}') from *pos
 * (1 at the start): false after the last.  A quoted element is returned
 * without its quotes (backslash escapes are not undone).
 */
static bool array_next(const char *s, uint32_t n, uint32_t *pos, const char **el, uint32_t *len)
{
	uint32_t k = *pos, end;
	if (n < 2 || s[0] != '{' || s[n - 1] != '}' || k >= n - 1)
		return false;
	if (s[k] == '"') {
		for (end = k + 1; end < n - 1 && s[end] != '"'; end++)
			if (s[end] == '\\' && end + 1 < n - 1)
				end++;
		*el = s + k + 1;
		*len = end - k - 1;
		end++;
	} else {
		for (end = k; end < n - 1 && s[end] != ','; end++)
			;
		*el = s + k;
		*len = end - k;
	}
	*pos = end + 1;
	return true;
}

/* Whether text a[i] compares as op (= or <>) to some element of the text array arr[i]. */
static bool any_element(const struct sql_xv *a, const struct sql_xv *arr, uint32_t i, int op)
{
	char ba[64], bb[64];
	const char *x, *s, *el;
	uint32_t nx, ns, len, pos = 1;
	if (sql_xv_text(a, i, ba, sizeof(ba), &x, &nx) < 0 || sql_xv_text(arr, i, bb, sizeof(bb), &s, &ns) < 0)
		return false;
	while (array_next(s, ns, &pos, &el, &len)) {
		bool eq = len == nx && !memcmp(el, x, nx);
		if (op == B_EQ ? eq : !eq)
			return true;
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

/*
 * A function of text: f(text of av[0] row i, the second argument, out)
 * appends the row's result to out (digits for an integer type) or returns
 * 1 for a NULL result.  A NULL first argument gives NULL.
 */
typedef int (*text_fn)(const char *s, uint32_t n, const struct sql_xv *arg2, uint32_t i, struct gt_buf *out);

static int text_rows(struct sql_ctx *c, const struct sql_xv *av, uint32_t n, uint8_t type, text_fn f,
		     struct sql_xv *o)
{
	struct gt_buf b;
	int rc = 1;
	pg_scalar(o, type);
	o->scalar = n == 1;
	gt_buf_init(&b, 1 << 20);
	for (uint32_t i = 0; i < n && rc > 0; i++) {
		char buf[64];
		const char *s;
		uint32_t len;
		int r = 1;
		gt_buf_reset(&b);
		if (!SQL_NULL(&av[0], i) && sql_xv_text(&av[0], i, buf, sizeof(buf), &s, &len) == 0)
			r = f(s, len, &av[1], i, &b);
		if (r < 0 || (r == 0 && !b.p && gt_buf_addstr(&b, "") < 0))
			rc = pg_nomem(c);
		else if (r == 1)
			rc = gt_vec_push_null(&o->v) < 0 ? pg_nomem(c) : 1;
		else if (type == GT_I64)
			rc = gt_vec_push_i64(&o->v, strtoll(b.p, NULL, 10)) < 0 ? pg_nomem(c) : 1;
		else
			rc = gt_vec_push_str(&o->v, b.p, b.len) < 0 ? pg_nomem(c) : 1;
	}
	gt_buf_release(&b);
	return rc;
}

/* An array element as PostgreSQL writes it: quoted when it holds a delimiter, a quote, space or is empty. */
static int add_element(struct gt_buf *out, const char *s, uint32_t n)
{
	bool quote = n == 0 || (n == 4 && !strncasecmp(s, "null", 4));
	for (uint32_t k = 0; k < n && !quote; k++)
		quote = strchr(",{}\"\\ \t", s[k]) != NULL;
	if (out->len > 1 && gt_buf_addch(out, ',') < 0)
		return GT_ENOMEM;
	if (!quote)
		return gt_buf_add(out, s, n);
	if (gt_buf_addch(out, '"') < 0)
		return GT_ENOMEM;
	for (uint32_t k = 0; k < n; k++)
		if ((s[k] == '"' || s[k] == '\\' ? gt_buf_addch(out, '\\') : 0) < 0 || gt_buf_addch(out, s[k]) < 0)
			return GT_ENOMEM;
	return gt_buf_addch(out, '"');
}

/* string_to_array(text, delimiter) */
static int split(const char *s, uint32_t n, const struct sql_xv *d, uint32_t i, struct gt_buf *out)
{
	char buf[64];
	const char *dl;
	uint32_t dn, start = 0;
	if (SQL_NULL(d, i) || sql_xv_text(d, i, buf, sizeof(buf), &dl, &dn) < 0)
		return 1;
	if (gt_buf_addch(out, '{') < 0)
		return GT_ENOMEM;
	for (uint32_t k = 0; n && dn && k + dn <= n; k++)
		if (!memcmp(s + k, dl, dn)) {
			if (add_element(out, s + start, k - start) < 0)
				return GT_ENOMEM;
			start = k + dn;
			k += dn - 1;
		}
	if (n && (add_element(out, s + start, n - start) < 0))
		return GT_ENOMEM;
	return gt_buf_addch(out, '}') < 0 ? GT_ENOMEM : 0;
}

static uint32_t array_count(const char *s, uint32_t n)
{
	const char *el;
	uint32_t len, pos = 1, k = 0;
	while (array_next(s, n, &pos, &el, &len))
		k++;
	return k;
}

/* array_length(a, 1) and array_upper(a, 1): the count; array_lower(a, 1): 1.  NULL when empty or dim is not 1. */
static int bound(const char *s, uint32_t n, const struct sql_xv *dim, uint32_t i, struct gt_buf *out, bool lower)
{
	uint32_t k = array_count(s, n);
	if (SQL_NULL(dim, i) || sql_xv_i64(dim, i) != 1 || k == 0)
		return 1;
	return gt_buf_addf(out, "%u", lower ? 1u : k) < 0 ? GT_ENOMEM : 0;
}

static int upper(const char *s, uint32_t n, const struct sql_xv *dim, uint32_t i, struct gt_buf *out)
{
	return bound(s, n, dim, i, out, false);
}

static int lower(const char *s, uint32_t n, const struct sql_xv *dim, uint32_t i, struct gt_buf *out)
{
	return bound(s, n, dim, i, out, true);
}

/* a[i], 1-based; NULL outside the array */
static int element(const char *s, uint32_t n, const struct sql_xv *ix, uint32_t i, struct gt_buf *out)
{
	const char *el;
	uint32_t len, pos = 1;
	int64_t want = SQL_NULL(ix, i) ? 0 : sql_xv_i64(ix, i);
	for (int64_t k = 1; array_next(s, n, &pos, &el, &len); k++)
		if (k == want)
			return gt_buf_add(out, el, len) < 0 ? GT_ENOMEM : 0;
	return 1;
}

/* quote_ident: as is when a plain lowercase identifier, else in double quotes ("" for "). */
static int quote(const char *s, uint32_t n, const struct sql_xv *unused, uint32_t i, struct gt_buf *out)
{
	bool plain = n > 0 && (s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'));
	(void)unused;
	(void)i;
	for (uint32_t k = 0; k < n && plain; k++)
		plain = s[k] == '_' || (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '$';
	if (plain)
		return gt_buf_add(out, s, n) < 0 ? GT_ENOMEM : 0;
	if (gt_buf_addch(out, '"') < 0)
		return GT_ENOMEM;
	for (uint32_t k = 0; k < n; k++)
		if ((s[k] == '"' ? gt_buf_addch(out, '"') : 0) < 0 || gt_buf_addch(out, s[k]) < 0)
			return GT_ENOMEM;
	return gt_buf_addch(out, '"') < 0 ? GT_ENOMEM : 0;
}

/* parse_ident('a.b'): the dotted name's parts as an array, unquoted ones lowercased. */
static int parse_ident(const char *s, uint32_t n, const struct sql_xv *unused, uint32_t i, struct gt_buf *out)
{
	struct gt_buf part;
	uint32_t k = 0;
	int rc = 0;
	(void)unused;
	(void)i;
	gt_buf_init(&part, 1 << 16);
	if (gt_buf_addch(out, '{') < 0)
		return GT_ENOMEM;
	while (rc == 0 && k <= n) {
		gt_buf_reset(&part);
		if (gt_buf_addstr(&part, "") < 0)
			rc = GT_ENOMEM;
		if (k < n && s[k] == '"') {
			for (k++; k < n && rc == 0; k++) {
				if (s[k] == '"' && !(k + 1 < n && s[k + 1] == '"'))
					break;
				k += s[k] == '"';
				rc = gt_buf_addch(&part, s[k]);
			}
			k++;
		} else {
			for (; k < n && s[k] != '.' && rc == 0; k++)
				rc = gt_buf_addch(&part, s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] | 32) : s[k]);
		}
		if (rc == 0)
			rc = add_element(out, part.p, (uint32_t)part.len);
		if (k < n && s[k] != '.')
			break;
		k++;
	}
	gt_buf_release(&part);
	return rc < 0 || gt_buf_addch(out, '}') < 0 ? GT_ENOMEM : 0;
}

/* current_setting(name): what SHOW name answers; search_path is the
 * session's database, as gt-front's SHOW search_path says. */
static int current_setting(struct sql_ctx *c, const struct sql_xv *a, struct sql_xv *o)
{
	char name[64];
	if (!a->scalar || a->v.type != GT_STRING || SQL_NULL(a, 0))
		return sql_err(c->e, GT_STATUS_INVALID_ARGUMENTS, "current_setting wants a setting's name as text");
	uint32_t n;
	const char *v = gt_vec_str(&a->v, 0, &n);
	snprintf(name, sizeof(name), "%.*s", (int)GT_MIN(n, sizeof(name) - 1), v);
	for (char *q = name; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	if (!strcmp(name, "search_path"))
		return pg_text(c, o, session_db(c));
	const char *val = gt_pg_setting(name);
	if (!val)
		return sql_err(c->e, GT_STATUS_INVALID_ARGUMENTS, "unrecognized configuration parameter \"%s\"", name);
	return pg_text(c, o, val);
}

/* pg_sleep(seconds): PostgreSQL's, a row at a time; it waits in slices
 * so that a cancel request (gt_sql_cancelled) ends it. */
static int pg_sleep(struct sql_ctx *c, const struct sql_xv *a, uint32_t n, struct sql_xv *o)
{
	int rc;
	for (uint32_t i = 0; i < (a->scalar ? 1 : n); i++) {
		double left = SQL_NULL(a, i) ? 0 : sql_xv_f64(a, i);
		if (!(left <= 86400 * 366.0))   /* NaN, or longer than PostgreSQL would take */
			return sql_err(c->e, GT_STATUS_INVALID_ARGUMENTS, "pg_sleep: invalid duration");
		int64_t until = gt_mono_ns() + (int64_t)(left * 1e9);
		for (;;) {
			if ((rc = gt_sql_cancelled(c->s, c->e)) < 0)
				return rc;
			int64_t now = gt_mono_ns();
			if (now >= until)
				break;
			int64_t step = GT_MIN(until - now, (int64_t)10000000);
			struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step};
			nanosleep(&ts, NULL);
		}
	}
	return pg_text(c, o, NULL);
}

int sql_pg_func(struct sql_ctx *c, struct sql_expr *x, const struct sql_xv *av, uint32_t n, struct sql_xv *o)
{
	const char *f = x->s;
	uint32_t na = x->nargs;
	if (na == 0 && (!strcmp(f, "current_schema") || !strcmp(f, "current_database") || !strcmp(f, "database") ||
			!strcmp(f, "schema")))
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
	if (na == 1 && !strcmp(f, "current_setting"))
		return current_setting(c, &av[0], o);
	if (na == 1 && !strcmp(f, "pg_sleep"))
		return pg_sleep(c, &av[0], n, o);
	if (na == 0 && !strcmp(f, "pg_my_temp_schema")) {
		pg_scalar(o, GT_I64);
		return gt_vec_push_i64(&o->v, 0) < 0 ? pg_nomem(c) : 1;
	}
	if (na == 1 && !strcmp(f, "regclass"))
		return per_row(c, &av[0], n, GT_I64, o, regclass, NULL);
	if (na == 2 && !strcmp(f, "any"))
		return any(c, x, av, n, o);
	if (na == 2 && !strcmp(f, "string_to_array"))
		return text_rows(c, av, n, GT_STRING, split, o);
	if (na == 2 && (!strcmp(f, "array_length") || !strcmp(f, "array_upper")))
		return text_rows(c, av, n, GT_I64, upper, o);
	if (na == 2 && !strcmp(f, "array_lower"))
		return text_rows(c, av, n, GT_I64, lower, o);
	if (na == 2 && !strcmp(f, "array_element"))
		return text_rows(c, av, n, GT_STRING, element, o);
	if (na == 1 && !strcmp(f, "quote_ident"))
		return text_rows(c, av, n, GT_STRING, quote, o);
	if (na == 1 && !strcmp(f, "parse_ident"))
		return text_rows(c, av, n, GT_STRING, parse_ident, o);
	return 0;
}
