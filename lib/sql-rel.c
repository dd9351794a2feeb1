/*
 * sql-rel.c - relations and the composition of queries.
 *
 * A relation is what a SELECT reads when it does not read a table: a
 * schema and a columnar batch in memory (the output of another query, a
 * derived table, a CTE, a system table built by sql-sys.c).
 * sql_select_rel() in sql-exec.c runs one query block over a relation
 * exactly as over a table scan.
 *
 * sql_query_run() runs a whole query bottom-up: WITH materializes each
 * CTE in order (each sees those before it), a set operation runs both
 * sides, casts them to common column types and keeps rows by key
 * (UNION dedups in order of first appearance, INTERSECT and EXCEPT
 * count the right side's rows), then ORDER BY / LIMIT apply to the
 * whole as SELECT * over the result.  Uncorrelated subqueries in
 * expressions run first and are replaced by literals (new nodes in the
 * statement's arena), so sql-expr.c never sees them.
 *
 * A relation's schema may hold duplicate column names (the output of
 * SELECT a, a): it is built column by column here, not with
 * gt_schema_add(), and lookups find the first match.
 */
#include "keymap.h"
#include "sql-expr.h"

void sql_rel_init(struct sql_rel *r)
{
	memset(r, 0, sizeof(*r));
	gt_batch_init(&r->rows);
}

void sql_rel_release(struct sql_rel *r)
{
	for (uint32_t k = 0; r->quals && k < r->schema.ncols; k++)
		free(r->quals[k]);
	free(r->quals);
	free(r->hidden);
	free(r->name);
	gt_schema_release(&r->schema);
	gt_batch_release(&r->rows);
	sql_rel_init(r);
}

int sql_rel_set_name(struct sql_rel *r, const char *name)
{
	char *n = name ? gt_strdup(name) : NULL;
	if (name && !n)
		return GT_ENOMEM;
	free(r->name);
	r->name = n;
	return 0;
}

int sql_rel_add_col(struct sql_rel *r, const char *name, uint8_t type, uint8_t unit)
{
	struct gt_schema *sc = &r->schema;
	if (sc->ncols >= GT_MAX_COLUMNS)
		return GT_ETOOBIG;
	struct gt_coldef *cols = gt_reallocarray(sc->cols, sc->ncols + 1, sizeof(*cols));
	if (!cols)
		return GT_ENOMEM;
	sc->cols = cols;
	struct gt_coldef *c = &cols[sc->ncols];
	memset(c, 0, sizeof(*c));
	if (!(c->name = gt_strdup(name)))
		return GT_ENOMEM;
	c->id = sc->next_col_id++;
	c->type = type;
	c->unit = type == GT_TS ? unit : 0;
	c->sem = GT_FIELD;
	c->nullable = 1;
	sc->ncols++;
	if (gt_batch_add_col(&r->rows, c->id, type) < 0) {
		free(c->name);
		sc->ncols--;
		sc->next_col_id--;
		return GT_ENOMEM;
	}
	return (int)sc->ncols - 1;
}

int sql_rel_from_output(struct sql_rel *r, struct gt_sql_output *o, const char *name)
{
	sql_rel_init(r);
	if (sql_rel_set_name(r, name) < 0)
		return GT_ENOMEM;
	r->schema.cols = gt_calloc(o->ncols + 1, sizeof(*r->schema.cols));
	if (!r->schema.cols)
		return GT_ENOMEM;
	for (uint32_t k = 0; k < o->ncols; k++) {
		struct gt_coldef *c = &r->schema.cols[k];
		c->name = o->cols[k].name;
		o->cols[k].name = NULL;
		c->id = k;
		c->type = o->cols[k].type;
		c->unit = o->cols[k].unit;
		c->lt = o->cols[k].lt;
		c->sem = GT_FIELD;
		c->nullable = 1;
	}
	r->schema.ncols = r->schema.next_col_id = o->ncols;
	r->rows = o->rows;
	gt_batch_init(&o->rows);
	for (uint32_t k = 0; k < r->rows.ncols; k++)
		r->rows.col_ids[k] = k;
	return 0;
}

/* ---- queries: WITH, set operations, derived tables, subqueries ---- */

/* The CTEs in scope: each WITH level materializes its CTEs in order. */
struct env {
	const struct env *up;
	const struct sql_cte *ctes;
	struct sql_rel *rels;
	uint32_t n;            /* how many of ctes are visible (and built) */
};

struct run {
	struct gt_sql_session *s;
	struct sql_arena *arena;
	struct gt_sql_error *e;
	const struct gt_sql_sink *sink;  /* for the statement's own block (depth 1), or NULL */
	int depth;
};

static int run_query(struct run *r, struct sql_select *q, const struct env *env, struct gt_sql_result *res);

/* generate_series's rows from its arguments (o: one row of start, stop
 * and maybe step), as PostgreSQL gives them: none when an argument is
 * NULL or the range is empty, a zero step an error. */
static int series_rel(struct run *r, const struct gt_sql_output *o, const char *name, const char *col,
		      struct sql_rel *out)
{
	enum { SERIES_MAX_ROWS = 1u << 22 };
	int64_t arg[3] = {0, 0, 1};
	bool null = o->rows.nrows != 1;
	for (uint32_t k = 0; k < o->ncols && k < 3 && !null; k++) {
		const struct gt_vec *v = &o->rows.cols[k];
		if (gt_vec_is_null(v, 0))
			null = true;
		else if (v->type == GT_I64 || v->type == GT_U64)
			arg[k] = v->v.i64[0];
		else if (v->type == GT_F64 && v->v.f64[0] == (double)(int64_t)v->v.f64[0])
			arg[k] = (int64_t)v->v.f64[0];
		else
			return sql_err(r->e, GT_STATUS_INVALID_ARGUMENTS, "generate_series wants integer arguments");
	}
	if (arg[2] == 0)
		return sql_err(r->e, GT_STATUS_INVALID_ARGUMENTS, "step size cannot equal zero");
	if (sql_rel_set_name(out, name) < 0 || sql_rel_add_col(out, col, GT_I64, 0) < 0)
		return sql_nomem(r->e);
	for (int64_t v = arg[0]; !null && (arg[2] > 0 ? v <= arg[1] : v >= arg[1]); v += arg[2]) {
		if (out->rows.nrows >= SERIES_MAX_ROWS)
			return sql_err(r->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "generate_series: more than %u rows",
				       (unsigned)SERIES_MAX_ROWS);
		if (gt_vec_push_i64(&out->rows.cols[0], v) < 0)
			return sql_nomem(r->e);
		out->rows.nrows++;
		if ((arg[2] > 0 && v > INT64_MAX - arg[2]) || (arg[2] < 0 && v < INT64_MIN - arg[2]))
			break;
	}
	return 0;
}

/* Run q and take its output as a relation named name. */
static int run_rel(struct run *r, struct sql_select *q, const struct env *env, const char *name, struct sql_rel *out)
{
	struct gt_sql_result tmp = {0};
	int rc = run_query(r, q, env, &tmp);
	sql_rel_init(out);
	if (rc == 0 && (tmp.n != 1 || tmp.outs[0].kind != GT_SQL_RECORDS))
		rc = sql_err(r->e, GT_STATUS_UNEXPECTED, "a subquery returned no records");
	if (rc == 0 && q->series)
		rc = series_rel(r, &tmp.outs[0], name, q->series_col, out);
	else if (rc == 0 && sql_rel_from_output(out, &tmp.outs[0], name) < 0)
		rc = sql_nomem(r->e);
	gt_sql_result_release(&tmp);
	return rc;
}

/* A TQL CTE's rows: the TQL EVAL answer as a relation named after the CTE. */
static int tql_rel(struct run *r, const struct sql_cte *c, struct sql_rel *out)
{
	struct gt_sql_result tmp = {0};
	int rc = sql_exec_tql(r->s, c->tql, &tmp, r->e);

	sql_rel_init(out);
	if (rc == 0 && (tmp.n != 1 || tmp.outs[0].kind != GT_SQL_RECORDS))
		rc = sql_err(r->e, GT_STATUS_UNEXPECTED, "a TQL CTE returned no records");
	else if (rc == 0 && sql_rel_from_output(out, &tmp.outs[0], c->name) < 0)
		rc = sql_nomem(r->e);
	gt_sql_result_release(&tmp);
	return rc;
}

static const struct sql_rel *find_cte(const struct env *env, const char *name)
{
	for (; env; env = env->up)
		for (uint32_t k = env->n; k-- > 0;)
			if (!strcmp(env->ctes[k].name, name))
				return &env->rels[k];
	return NULL;
}

/* Turn node x into the literal value of row i of column k of rel. */
static int set_literal(struct run *r, struct sql_expr *x, const struct sql_rel *rel, uint32_t k, uint32_t i)
{
	const struct gt_vec *v = &rel->rows.cols[k];
	const struct gt_coldef *c = &rel->schema.cols[k];
	x->sub = NULL;
	x->nargs = 0;
	x->a = x->b = x->c = NULL;
	if (i >= v->len || gt_vec_is_null(v, i)) {
		x->kind = E_NULL;
		return 0;
	}
	switch (c->type) {
	case GT_STRING: {
		uint32_t n;
		const char *p = gt_vec_str(v, i, &n);
		x->kind = E_STR;
		x->i = n;
		return (x->s = sql_strndup(r->arena, p, n)) ? 0 : sql_nomem(r->e);
	}
	case GT_F64:
		x->kind = E_FLOAT;
		x->f = v->v.f64[i];
		return 0;
	case GT_BOOL:
		x->kind = E_BOOL;
		x->i = v->v.b[i];
		return 0;
	case GT_U64:
		if (v->v.u64[i] > (uint64_t)INT64_MAX) {
			x->kind = E_FLOAT;
			x->f = (double)v->v.u64[i];
		} else {
			x->kind = E_INT;
			x->i = (int64_t)v->v.u64[i];
		}
		return 0;
	case GT_TS: {
		struct sql_expr *a = sql_alloc(r->arena, sizeof(*a));
		if (!a)
			return sql_nomem(r->e);
		memset(a, 0, sizeof(*a));
		a->kind = E_INT;
		a->i = v->v.i64[i];
		a->slot = -1;
		x->kind = E_CAST;
		x->cast_type = GT_TS;
		x->cast_unit = c->unit;
		x->a = a;
		return 0;
	}
	default:
		x->kind = E_INT;
		x->i = v->v.i64[i];
		return 0;
	}
}

/*
 * Uncorrelated subqueries in expressions run first and are replaced by
 * their values: (SELECT ...) by a literal, x IN (SELECT ...) by an IN
 * list, EXISTS (SELECT ...) by a boolean.
 */
static int subst(struct run *r, const struct env *env, struct sql_expr *x, int depth)
{
	int rc = 0;
	if (!x)
		return 0;
	if (depth > GT_SQL_MAX_DEPTH * 2)
		return sql_err(r->e, GT_STATUS_INVALID_SYNTAX, "expression nested too deeply");
	if (x->sub) {
		struct sql_rel rel;
		if ((rc = run_rel(r, x->sub, env, NULL, &rel)) < 0)
			return rc;
		uint32_t n = rel.rows.nrows;
		if (x->kind == E_EXISTS) {
			x->kind = E_BOOL;
			x->i = n > 0;
			x->sub = NULL;
		} else if (rel.schema.ncols != 1) {
			rc = sql_err(r->e, GT_STATUS_PLAN_QUERY,
				     "Failed to plan SQL: Error during planning: %s should only return one column, but found %u",
				     x->kind == E_IN ? "IN subquery" : "Scalar subquery", rel.schema.ncols);
		} else if (x->kind == E_SUBQ) {
			if (n > 1)
				rc = sql_err(r->e, GT_STATUS_ENGINE_EXECUTE_QUERY,
					     "Execution error: Scalar subquery returned more than one row");
			else
				rc = set_literal(r, x, &rel, 0, 0);
		} else if (n > GT_SQL_MAX_ROWS) {
			rc = sql_err(r->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "IN subquery returned more than %u rows",
				     GT_SQL_MAX_ROWS);
		} else {
			struct sql_expr **args = sql_alloc(r->arena, (n + 1) * sizeof(*args));
			rc = args ? 0 : sql_nomem(r->e);
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				if (!(args[i] = sql_alloc(r->arena, sizeof(**args)))) {
					rc = sql_nomem(r->e);
					break;
				}
				memset(args[i], 0, sizeof(**args));
				args[i]->slot = -1;
				rc = set_literal(r, args[i], &rel, 0, i);
			}
			if (rc == 0) {
				x->args = args;
				x->nargs = n;
				x->sub = NULL;
			}
		}
		sql_rel_release(&rel);
		return rc;
	}
	if ((rc = subst(r, env, x->a, depth + 1)) < 0 || (rc = subst(r, env, x->b, depth + 1)) < 0 ||
	    (rc = subst(r, env, x->c, depth + 1)) < 0 || (rc = subst(r, env, x->ord, depth + 1)) < 0)
		return rc;
	for (uint32_t k = 0; k < x->nargs && rc == 0; k++)
		rc = subst(r, env, x->args[k], depth + 1);
	return rc;
}

static int subst_block(struct run *r, const struct env *env, struct sql_select *q)
{
	int rc = 0;
	for (uint32_t k = 0; k < q->nitems && rc == 0; k++)
		rc = subst(r, env, q->items[k].e, 0);
	if (rc == 0)
		rc = subst(r, env, q->where, 0);
	if (rc == 0)
		rc = subst(r, env, q->having, 0);
	for (uint32_t k = 0; k < q->ngroup && rc == 0; k++)
		rc = subst(r, env, q->group[k], 0);
	for (uint32_t k = 0; k < q->norder && rc == 0; k++)
		rc = subst(r, env, q->order[k].e, 0);
	for (uint32_t k = 0; k < q->njoins && rc == 0; k++)
		rc = subst(r, env, q->joins[k].on, 0);
	return rc;
}

/* Move a relation into a new records output of res. */
static int rel_output(struct run *r, struct sql_rel *rel, struct gt_sql_result *res)
{
	struct gt_sql_output *o = sql_out_new(res);
	if (!o || !(o->cols = gt_calloc(rel->schema.ncols + 1, sizeof(*o->cols))))
		return sql_nomem(r->e);
	o->kind = GT_SQL_RECORDS;
	o->ncols = rel->schema.ncols;
	for (uint32_t k = 0; k < o->ncols; k++) {
		o->cols[k].name = rel->schema.cols[k].name;
		rel->schema.cols[k].name = NULL;
		o->cols[k].type = rel->schema.cols[k].type;
		o->cols[k].unit = rel->schema.cols[k].unit;
		o->cols[k].lt = rel->schema.cols[k].lt;
	}
	o->rows = rel->rows;
	gt_batch_init(&rel->rows);
	for (uint32_t k = 0; k < o->rows.ncols; k++)
		o->rows.col_ids[k] = k;
	return 0;
}

/* The type both sides of a set operation are cast to. */
static uint8_t unify(uint8_t a, uint8_t b)
{
	bool na = a == GT_F64 || a == GT_I64 || a == GT_U64, nb = b == GT_F64 || b == GT_I64 || b == GT_U64;
	if (a == b)
		return a;
	if (na && nb)
		return a == GT_F64 || b == GT_F64 ? GT_F64 : GT_I64;
	if (a == GT_STRING || b == GT_STRING)
		return GT_STRING;
	return a;
}

/* Column k of rel as type/unit, appended to out. */
static int conv_col(struct run *r, const struct sql_rel *rel, uint32_t k, uint8_t type, uint8_t unit, struct gt_vec *out)
{
	const struct gt_coldef *c = &rel->schema.cols[k];
	const struct gt_vec *v = &rel->rows.cols[k];
	if (c->type == type && (type != GT_TS || c->unit == unit))
		return gt_vec_append(out, v, 0, v->len) < 0 ? sql_nomem(r->e) : 0;
	struct sql_xv in, o;
	memset(&in, 0, sizeof(in));
	in.v = *v;             /* borrowed: never released */
	in.unit = c->unit;
	struct sql_ctx cx = {.e = r->e, .nrows = v->len};
	int rc = sql_xv_cast(&cx, &in, type, unit, 0, &o);
	if (rc < 0)
		return rc;
	if (gt_vec_append(out, &o.v, 0, o.v.len) < 0)
		rc = sql_nomem(r->e);
	sql_xv_release(&o);
	return rc;
}

static void row_key(struct gt_buf *kb, const struct sql_rel *rel, uint32_t i)
{
	gt_buf_reset(kb);
	for (uint32_t k = 0; k < rel->schema.ncols; k++) {
		struct sql_xv x;
		memset(&x, 0, sizeof(x));
		x.v = rel->rows.cols[k];
		sql_key_add(kb, &x, i);
	}
}

static const char *setop_name(uint8_t op)
{
	return op == SETOP_UNION ? "UNION" : op == SETOP_INTERSECT ? "INTERSECT" : "EXCEPT";
}

/* The leftmost query block of a set operation. */
static const struct sql_select *leftmost(const struct sql_select *q)
{
	while (q->setop)
		q = q->left;
	while (q->sub && !q->from && q->nitems == 1 && q->items[0].e->kind == E_STAR)
		q = q->sub;
	return q;
}

/*
 * ORDER BY over UNION (distinct) may only name output columns: a column
 * of the first block's table that is not one is the error DataFusion
 * gives for SELECT DISTINCT.
 */
static int check_distinct_order(struct run *r, const struct sql_select *q, const struct sql_rel *u,
				const struct sql_expr *x, int depth)
{
	if (!x || depth > GT_SQL_MAX_DEPTH * 2)
		return 0;
	if (x->kind == E_COL && gt_schema_find(&u->schema, x->s) < 0) {
		const struct sql_select *l = leftmost(q);
		struct gt_table_info ti;
		struct gt_err err = {0};
		if (!l->from || gt_db_table(r->s->db, l->from_db ? l->from_db : r->s->dbname, l->from, &ti, &err) < 0)
			return 0;
		bool has = gt_schema_find(&ti.schema, x->s) >= 0;
		gt_table_info_release(&ti);
		if (has)
			return sql_err(r->e, GT_STATUS_PLAN_QUERY,
				       "Failed to plan SQL: Error during planning: For SELECT DISTINCT, ORDER BY expressions %s must appear in select list",
				       x->s);
		return 0;
	}
	int rc = check_distinct_order(r, q, u, x->a, depth + 1);
	if (rc == 0)
		rc = check_distinct_order(r, q, u, x->b, depth + 1);
	if (rc == 0)
		rc = check_distinct_order(r, q, u, x->c, depth + 1);
	for (uint32_t k = 0; k < x->nargs && rc == 0; k++)
		rc = check_distinct_order(r, q, u, x->args[k], depth + 1);
	return rc;
}

/* w = SELECT * (no FROM yet), built in the caller's it and star. */
static void select_star(struct sql_select *w, struct sql_select_item *it, struct sql_expr *star)
{
	memset(w, 0, sizeof(*w));
	memset(it, 0, sizeof(*it));
	memset(star, 0, sizeof(*star));
	star->kind = E_STAR;
	star->slot = -1;
	it->e = star;
	w->items = it;
	w->nitems = 1;
}

/* ORDER BY / LIMIT / OFFSET of q over rel (SELECT * FROM rel ORDER BY ...), or rel itself. */
static int finish(struct run *r, struct sql_select *q, struct sql_rel *rel, struct gt_sql_result *res)
{
	if (!q->norder && q->limit < 0 && q->offset < 0)
		return rel_output(r, rel, res);
	struct sql_select w;
	struct sql_select_item it;
	struct sql_expr star;
	select_star(&w, &it, &star);
	w.order = q->order;
	w.norder = q->norder;
	w.limit = q->limit;
	w.offset = q->offset;
	return sql_select_rel(r->s, &w, rel, res, r->e);
}

static int run_setop(struct run *r, struct sql_select *q, const struct env *env, struct gt_sql_result *res)
{
	struct sql_rel L, R, U;
	struct gt_keymap m = {0};
	struct gt_buf kb = {0};
	uint32_t *cnt = NULL, *pick = NULL, npick = 0;
	uint8_t *done = NULL;
	int rc;

	sql_rel_init(&L);
	sql_rel_init(&R);
	sql_rel_init(&U);
	if ((rc = run_rel(r, q->left, env, NULL, &L)) < 0 || (rc = run_rel(r, q->right, env, NULL, &R)) < 0)
		goto out;
	if (L.schema.ncols != R.schema.ncols) {
		rc = sql_err(r->e, GT_STATUS_PLAN_QUERY,
			     "Failed to plan SQL: Error during planning: %s queries have different number of columns",
			     setop_name(q->setop));
		goto out;
	}
	/* Both sides cast to one type per column, named by the left side. */
	struct sql_rel *side[2] = {&L, &R};
	for (uint32_t k = 0; k < L.schema.ncols && rc == 0; k++) {
		const struct gt_coldef *a = &L.schema.cols[k], *b = &R.schema.cols[k];
		uint8_t t = unify(a->type, b->type);
		uint8_t unit = t != GT_TS ? 0 : a->type == GT_TS && b->type == GT_TS ? GT_MAX(a->unit, b->unit) :
			       a->type == GT_TS ? a->unit : b->unit;
		for (int sd = 0; sd < 2 && rc == 0; sd++) {
			struct sql_rel *x = side[sd];
			if (x->schema.cols[k].type == t && x->schema.cols[k].unit == unit)
				continue;
			struct gt_vec nv;
			gt_vec_init(&nv, t);
			if ((rc = conv_col(r, x, k, t, unit, &nv)) < 0) {
				gt_vec_release(&nv);
				break;
			}
			gt_vec_release(&x->rows.cols[k]);
			x->rows.cols[k] = nv;
			x->schema.cols[k].type = t;
			x->schema.cols[k].unit = unit;
		}
		int ui = rc == 0 ? sql_rel_add_col(&U, a->name, t, unit) : 0;
		if (ui < 0)
			rc = sql_nomem(r->e);
		else if (rc == 0 && a->lt == b->lt)
			U.schema.cols[ui].lt = a->lt;
	}
	if (rc < 0)
		goto out;
	uint64_t total = (uint64_t)L.rows.nrows + R.rows.nrows;
	pick = gt_calloc(total + 1, sizeof(*pick));    /* row i of L, or L.nrows + j for row j of R */
	cnt = gt_calloc(R.rows.nrows + 1, sizeof(*cnt));
	done = gt_calloc(total + 1, 1);
	if (!pick || !cnt || !done) {
		rc = sql_nomem(r->e);
		goto out;
	}
	bool all = q->setop_all;
	if (q->setop == SETOP_UNION) {
		for (uint64_t i = 0; i < total; i++) {
			bool isnew = true;
			if (!all) {
				if (i < L.rows.nrows)
					row_key(&kb, &L, (uint32_t)i);
				else
					row_key(&kb, &R, (uint32_t)(i - L.rows.nrows));
				if (gt_keymap_get(&m, kb.p, kb.len, &isnew) < 0) {
					rc = sql_nomem(r->e);
					goto out;
				}
			}
			if (isnew)
				pick[npick++] = (uint32_t)i;
		}
	} else {
		/* R's distinct rows get ids 0 .. nr-1 with their counts. */
		bool isnew;
		for (uint32_t j = 0; j < R.rows.nrows; j++) {
			row_key(&kb, &R, j);
			int id = gt_keymap_get(&m, kb.p, kb.len, &isnew);
			if (id < 0) {
				rc = sql_nomem(r->e);
				goto out;
			}
			cnt[id]++;
		}
		uint32_t nr = m.n;
		for (uint32_t i = 0; i < L.rows.nrows; i++) {
			row_key(&kb, &L, i);
			int id = gt_keymap_get(&m, kb.p, kb.len, &isnew);
			if (id < 0) {
				rc = sql_nomem(r->e);
				goto out;
			}
			bool inr = (uint32_t)id < nr && cnt[id] > 0;
			bool keep;
			if (q->setop == SETOP_INTERSECT)
				keep = inr && (all || !done[id]);
			else
				keep = all ? !inr : !inr && !done[id];
			if (all && inr)
				cnt[id]--;
			if (!all)
				done[id] = 1;
			if (keep)
				pick[npick++] = i;
		}
	}
	for (uint32_t k = 0; k < U.schema.ncols && rc == 0; k++)
		for (uint32_t i = 0; i < npick && rc == 0; i++) {
			uint32_t p = pick[i];
			const struct gt_vec *src = p < L.rows.nrows ? &L.rows.cols[k] : &R.rows.cols[k];
			if (gt_vec_push_from(&U.rows.cols[k], src, p < L.rows.nrows ? p : p - L.rows.nrows) < 0)
				rc = sql_nomem(r->e);
		}
	U.rows.nrows = npick;
	if (rc < 0)
		goto out;
	if (q->setop == SETOP_UNION && !all)
		for (uint32_t k = 0; k < q->norder && rc == 0; k++)
			rc = check_distinct_order(r, q, &U, q->order[k].e, 0);
	if (rc == 0)
		rc = finish(r, q, &U, res);
out:
	free(pick);
	free(cnt);
	free(done);
	gt_keymap_release(&m);
	gt_buf_release(&kb);
	sql_rel_release(&L);
	sql_rel_release(&R);
	sql_rel_release(&U);
	return rc;
}

/* ---- joins ---- */

/*
 * A join pairs rows in memory, so its pairs have a ceiling: the candidate
 * pairs (before residual ON conditions) and the joined rows past it are
 * refused with an error, never allocated.
 */
#define SQL_JOIN_MAX_ROWS (1u << 22)
#define NONE UINT32_MAX

/* The qualifier of a FROM item: its alias, else db.name or name as written. */
static void item_qual(char *buf, size_t n, const char *db, const char *name, const char *alias)
{
	if (alias)
		snprintf(buf, n, "%s", alias);
	else if (db)
		snprintf(buf, n, "%s.%s", db, name);
	else
		snprintf(buf, n, "%s", name ? name : "");
}

/* One side of a join as a relation named by its qualifier: a derived
 * table runs as is; a table, view, CTE or system table as SELECT * FROM
 * it WHERE where (the conditions pushed down to it, or NULL). */
static int side_rel(struct run *r, const struct env *env, char *db, char *name, struct sql_select *sub, char *alias,
		    struct sql_expr *where, struct sql_rel *out)
{
	if (sub)
		return run_rel(r, sub, env, alias, out);
	struct sql_select w;
	struct sql_select_item it;
	struct sql_expr star;
	char qual[2 * GT_NAME_MAX + 2];
	select_star(&w, &it, &star);
	w.from_db = db;
	w.from = name;
	w.alias = alias;
	w.where = where;
	w.limit = w.offset = -1;
	item_qual(qual, sizeof(qual), db, name, alias);
	return run_rel(r, &w, env, qual, out);
}

/* What expressions over rel's rows are evaluated against. */
static void rel_ctx(struct run *r, const struct sql_rel *rel, struct sql_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->e = r->e;
	c->schema = &rel->schema;
	c->table = rel->name;
	c->quals = rel->quals;
	c->hidden = rel->hidden;
	c->cols = rel->rows.cols;
	c->nrows = rel->rows.nrows;
	c->now_ns = r->s->now_ns ? r->s->now_ns : gt_now_ns();
	c->s = r->s;
}

/* Whether x reads only columns of c's frame (or none), so it can be
 * evaluated over that side of a join alone. */
static bool reads_only(const struct sql_ctx *c, const struct sql_expr *x, int depth)
{
	if (!x)
		return true;
	if (depth > GT_SQL_MAX_DEPTH * 2 || x->sub || x->kind == E_STAR || x->kind == E_WINDOW)
		return false;
	if (x->kind == E_COL)
		return sql_col_find(c, x) >= 0;
	if (!reads_only(c, x->a, depth + 1) || !reads_only(c, x->b, depth + 1) || !reads_only(c, x->c, depth + 1))
		return false;
	for (uint32_t k = 0; k < x->nargs; k++)
		if (!reads_only(c, x->args[k], depth + 1))
			return false;
	return true;
}

/* The conditions of one join: equality keys (lk[k] over the left side
 * equals rk[k] over the right) and the rest (resid), all ANDed. */
struct jcond {
	struct sql_expr *lk[64], *rk[64], *resid[64];
	uint32_t nk, nresid;
	int using_col[64];      /* USING: the left key's column in L, else -1 */
};

static int split_on(struct run *r, const struct sql_ctx *lc, const struct sql_ctx *rc, struct sql_expr *x,
		    struct jcond *jc, int depth)
{
	if (x->kind == E_BIN && x->op == B_AND && depth < 32) {
		int rv = split_on(r, lc, rc, x->a, jc, depth + 1);
		return rv < 0 ? rv : split_on(r, lc, rc, x->b, jc, depth + 1);
	}
	if (x->kind == E_BIN && x->op == B_EQ && jc->nk < 64) {
		if (reads_only(lc, x->a, 0) && reads_only(rc, x->b, 0)) {
			jc->using_col[jc->nk] = -1;
			jc->lk[jc->nk] = x->a;
			jc->rk[jc->nk++] = x->b;
			return 0;
		}
		if (reads_only(rc, x->a, 0) && reads_only(lc, x->b, 0)) {
			jc->using_col[jc->nk] = -1;
			jc->lk[jc->nk] = x->b;
			jc->rk[jc->nk++] = x->a;
			return 0;
		}
	}
	if (jc->nresid >= 64)
		return sql_err(r->e, GT_STATUS_UNSUPPORTED, "too many join conditions");
	jc->resid[jc->nresid++] = x;
	return 0;
}

/* USING (cols): each an equality key, the left one hidden in the result. */
static int using_keys(struct run *r, const struct sql_ctx *lc, const struct sql_ctx *rc, char *const *names,
		      uint32_t n, struct jcond *jc)
{
	for (uint32_t k = 0; k < n; k++) {
		struct sql_expr *x[2];
		for (int sd = 0; sd < 2; sd++) {
			if (!(x[sd] = sql_alloc(r->arena, sizeof(*x[sd]))))
				return sql_nomem(r->e);
			memset(x[sd], 0, sizeof(*x[sd]));
			x[sd]->kind = E_COL;
			x[sd]->s = names[k];
			x[sd]->slot = -1;
			/* The left key is its first column of that name, hidden or not,
			 * as DataFusion resolves USING through a chain of joins. */
			int c = sd ? sql_col_find(rc, x[sd]) : gt_schema_find(lc->schema, names[k]);
			if (c < 0)
				return sql_err(r->e, GT_STATUS_PLAN_QUERY,
					       "Failed to plan SQL: Schema error: No field named %s.", names[k]);
			if (!sd)
				jc->using_col[jc->nk] = c;
		}
		if (jc->nk >= 64)
			return sql_err(r->e, GT_STATUS_UNSUPPORTED, "too many join conditions");
		jc->lk[jc->nk] = x[0];
		jc->rk[jc->nk++] = x[1];
	}
	return 0;
}

/* NATURAL: USING the names of the left's visible columns the right also has. */
static int natural_keys(struct run *r, const struct sql_ctx *lc, const struct sql_ctx *rc, struct jcond *jc)
{
	char *names[64];
	uint32_t n = 0;
	for (uint32_t k = 0; k < lc->schema->ncols && n < 64; k++) {
		char *nm = lc->schema->cols[k].name;
		if ((lc->hidden && lc->hidden[k]) || gt_schema_find(rc->schema, nm) < 0)
			continue;
		bool dup = false;
		for (uint32_t i = 0; i < n; i++)
			dup |= !strcmp(names[i], nm);
		if (!dup)
			names[n++] = nm;
	}
	return using_keys(r, lc, rc, names, n, jc);
}

/* Evaluate key k over both sides, cast to one type so equal values make equal keys. */
static int eval_keys(struct run *r, struct sql_ctx *lc, struct sql_ctx *rc, const struct jcond *jc, uint32_t k,
		     struct sql_xv *lv, struct sql_xv *rv)
{
	int rc0;
	if ((rc0 = sql_eval(lc, jc->lk[k], lv)) < 0 || (rc0 = sql_eval(rc, jc->rk[k], rv)) < 0)
		return rc0;
	uint8_t a = lv->v.type, b = rv->v.type;
	uint8_t t = unify(a, b);
	uint8_t unit = t != GT_TS ? 0 : a == GT_TS && b == GT_TS ? GT_MAX(lv->unit, rv->unit) : a == GT_TS ? lv->unit : rv->unit;
	struct sql_xv *side[2] = {lv, rv};
	struct sql_ctx *cx[2] = {lc, rc};
	for (int sd = 0; sd < 2; sd++) {
		struct sql_xv *x = side[sd], o;
		if (x->v.type == t && (t != GT_TS || x->unit == unit))
			continue;
		if ((rc0 = sql_xv_cast(cx[sd], x, t, unit, 0, &o)) < 0)
			return rc0;
		sql_xv_release(x);
		*x = o;
	}
	return 0;
}

static bool key_of(struct gt_buf *kb, const struct sql_xv *v, uint32_t n, uint32_t i)
{
	gt_buf_reset(kb);
	for (uint32_t k = 0; k < n; k++) {
		if (SQL_NULL(&v[k], i))
			return false;      /* NULL never equals anything */
		sql_key_add(kb, &v[k], i);
	}
	return true;
}

static int add_pair(struct run *r, uint32_t **li, uint32_t **ri, uint32_t *n, uint32_t *cap, uint32_t a, uint32_t b)
{
	if (*n >= SQL_JOIN_MAX_ROWS)
		return sql_err(r->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED,
			       "join result exceeds %u rows", SQL_JOIN_MAX_ROWS);
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 256;
		uint32_t *x = gt_reallocarray(*li, nc, sizeof(*x)), *y;
		if (!x)
			return sql_nomem(r->e);
		*li = x;
		if (!(y = gt_reallocarray(*ri, nc, sizeof(*y))))
			return sql_nomem(r->e);
		*ri = y;
		*cap = nc;
	}
	(*li)[*n] = a;
	(*ri)[*n] = b;
	(*n)++;
	return 0;
}

/* The columns of L then R, each qualified by its side, rows li[i]/ri[i]
 * (NONE: nulls); a USING key on the right takes the left's value where
 * the right has no row (ufrom: the left column of each right one, or -1). */
static int gather(struct run *r, const struct sql_rel *L, const struct sql_rel *R, const uint32_t *li,
		  const uint32_t *ri, uint32_t n, const int *ufrom, struct sql_rel *out)
{
	uint32_t nl = L->schema.ncols, nc = nl + R->schema.ncols;
	sql_rel_init(out);
	if (!(out->quals = gt_calloc(nc + 1, sizeof(*out->quals))) || !(out->hidden = gt_calloc(nc + 1, 1)))
		return sql_nomem(r->e);
	for (uint32_t k = 0; k < nc; k++) {
		const struct sql_rel *sd = k < nl ? L : R;
		uint32_t c = k < nl ? k : k - nl;
		const struct gt_coldef *d = &sd->schema.cols[c];
		const char *q = sd->quals ? sd->quals[c] : sd->name;
		if (sql_rel_add_col(out, d->name, d->type, d->unit) < 0 || (q && !(out->quals[k] = gt_strdup(q))))
			return sql_nomem(r->e);
		out->schema.cols[k].lt = d->lt;
		out->hidden[k] = sd->hidden && sd->hidden[c];
		const uint32_t *rows = k < nl ? li : ri;
		struct gt_vec *v = &out->rows.cols[k];
		for (uint32_t i = 0; i < n; i++) {
			int rv;
			if (rows[i] != NONE)
				rv = gt_vec_push_from(v, &sd->rows.cols[c], rows[i]);
			else if (k >= nl && ufrom && ufrom[c] >= 0 && li[i] != NONE)
				rv = gt_vec_push_from(v, &L->rows.cols[ufrom[c]], li[i]);
			else
				rv = gt_vec_push_null(v);
			if (rv < 0)
				return sql_nomem(r->e);
		}
	}
	out->rows.nrows = n;
	return 0;
}

/* L joined with R by j into out. */
static int join_rels(struct run *r, const struct sql_rel *L, const struct sql_rel *R, const struct sql_from *j,
		     struct sql_rel *out)
{
	struct sql_ctx lc, rc;
	struct jcond jc;
	struct sql_xv lv[64], rv[64];
	struct gt_keymap m = {0};
	struct gt_buf kb = {0};
	struct sql_rel cand;
	uint32_t *li = NULL, *ri = NULL, n = 0, cap = 0, *head = NULL, *next = NULL;
	uint32_t *fl = NULL, *fr = NULL, fn = 0, fcap = 0;
	uint8_t *lm = NULL, *rm = NULL, *keep = NULL;
	int *ufrom = NULL;
	uint32_t nl = L->rows.nrows, nr = R->rows.nrows;
	int rv0 = 0;

	memset(&jc, 0, sizeof(jc));
	memset(lv, 0, sizeof(lv));
	memset(rv, 0, sizeof(rv));
	sql_rel_init(&cand);
	rel_ctx(r, L, &lc);
	rel_ctx(r, R, &rc);
	if (j->on)
		rv0 = split_on(r, &lc, &rc, j->on, &jc, 0);
	else if (j->nusing)
		rv0 = using_keys(r, &lc, &rc, j->using, j->nusing, &jc);
	else if (j->natural)
		rv0 = natural_keys(r, &lc, &rc, &jc);
	for (uint32_t k = 0; k < jc.nk && rv0 == 0; k++)
		rv0 = eval_keys(r, &lc, &rc, &jc, k, &lv[k], &rv[k]);
	if (rv0 < 0)
		goto out;
	/* Candidate pairs: equal keys through a hash of R, else every pair. */
	if (jc.nk) {
		head = gt_calloc((size_t)nr + 1, sizeof(*head));
		next = gt_calloc((size_t)nr + 1, sizeof(*next));
		if (!head || !next) {
			rv0 = sql_nomem(r->e);
			goto out;
		}
		for (uint32_t i = 0; i <= nr; i++)
			head[i] = NONE;
		/* Chains built from the last row keep each key's rows in R's order. */
		for (uint32_t jr = nr; jr-- > 0;) {
			bool isnew;
			next[jr] = NONE;
			if (!key_of(&kb, rv, jc.nk, jr))
				continue;
			int id = gt_keymap_get(&m, kb.p, kb.len, &isnew);
			if (id < 0) {
				rv0 = sql_nomem(r->e);
				goto out;
			}
			next[jr] = head[id];
			head[id] = jr;
		}
		uint32_t nids = m.n;
		for (uint32_t i = 0; i < nl && rv0 == 0; i++) {
			bool isnew;
			if (!key_of(&kb, lv, jc.nk, i))
				continue;
			int id = gt_keymap_get(&m, kb.p, kb.len, &isnew);
			if (id < 0) {
				rv0 = sql_nomem(r->e);
				goto out;
			}
			if ((uint32_t)id >= nids)
				continue;
			for (uint32_t jr = head[id]; jr != NONE && rv0 == 0; jr = next[jr])
				rv0 = add_pair(r, &li, &ri, &n, &cap, i, jr);
		}
	} else {
		if ((uint64_t)nl * nr > SQL_JOIN_MAX_ROWS) {
			rv0 = sql_err(r->e, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED,
				      "join of %u by %u rows exceeds %u row pairs", nl, nr, SQL_JOIN_MAX_ROWS);
			goto out;
		}
		for (uint32_t i = 0; i < nl && rv0 == 0; i++)
			for (uint32_t jr = 0; jr < nr && rv0 == 0; jr++)
				rv0 = add_pair(r, &li, &ri, &n, &cap, i, jr);
	}
	if (rv0 < 0)
		goto out;
	/* The rest of ON over the candidate rows. */
	keep = gt_calloc((size_t)n + 1, 1);
	lm = gt_calloc((size_t)nl + 1, 1);
	rm = gt_calloc((size_t)nr + 1, 1);
	if (!keep || !lm || !rm) {
		rv0 = sql_nomem(r->e);
		goto out;
	}
	memset(keep, 1, n);
	if (jc.nresid) {
		struct sql_ctx cc;
		if ((rv0 = gather(r, L, R, li, ri, n, NULL, &cand)) < 0)
			goto out;
		rel_ctx(r, &cand, &cc);
		for (uint32_t k = 0; k < jc.nresid && rv0 == 0; k++) {
			struct sql_xv mk;
			if ((rv0 = sql_eval(&cc, jc.resid[k], &mk)) < 0)
				break;
			for (uint32_t i = 0; i < n; i++)
				if (SQL_NULL(&mk, i) ||
				    (mk.v.type == GT_BOOL ? !mk.v.v.b[SQL_IX(&mk, i)] : sql_xv_f64(&mk, i) == 0))
					keep[i] = 0;
			sql_xv_release(&mk);
		}
		if (rv0 < 0)
			goto out;
	}
	for (uint32_t i = 0; i < n && rv0 == 0; i++) {
		if (!keep[i])
			continue;
		lm[li[i]] = rm[ri[i]] = 1;
		rv0 = add_pair(r, &fl, &fr, &fn, &fcap, li[i], ri[i]);
	}
	if (j->join == J_LEFT || j->join == J_FULL)
		for (uint32_t i = 0; i < nl && rv0 == 0; i++)
			if (!lm[i])
				rv0 = add_pair(r, &fl, &fr, &fn, &fcap, i, NONE);
	if (j->join == J_RIGHT || j->join == J_FULL)
		for (uint32_t jr = 0; jr < nr && rv0 == 0; jr++)
			if (!rm[jr])
				rv0 = add_pair(r, &fl, &fr, &fn, &fcap, NONE, jr);
	if (rv0 < 0)
		goto out;
	if (!(ufrom = gt_calloc(R->schema.ncols + 1, sizeof(*ufrom)))) {
		rv0 = sql_nomem(r->e);
		goto out;
	}
	for (uint32_t k = 0; k < R->schema.ncols; k++)
		ufrom[k] = -1;
	for (uint32_t k = 0; k < jc.nk; k++) {
		int c = jc.using_col[k];
		if (c >= 0 && jc.rk[k]->kind == E_COL) {
			int rc2 = sql_col_find(&rc, jc.rk[k]);
			if (rc2 >= 0)
				ufrom[rc2] = c;
		}
	}
	if ((rv0 = gather(r, L, R, fl, fr, fn, ufrom, out)) < 0)
		goto out;
	for (uint32_t k = 0; k < jc.nk; k++)
		if (jc.using_col[k] >= 0)
			out->hidden[jc.using_col[k]] = true;
out:
	for (uint32_t k = 0; k < jc.nk; k++) {
		sql_xv_release(&lv[k]);
		sql_xv_release(&rv[k]);
	}
	sql_rel_release(&cand);
	gt_keymap_release(&m);
	gt_buf_release(&kb);
	free(li);
	free(ri);
	free(fl);
	free(fr);
	free(head);
	free(next);
	free(keep);
	free(lm);
	free(rm);
	free(ufrom);
	return rv0;
}

/* Whether x reads columns, each qualified by qual, and nothing else that
 * depends on the other items (a subquery, *, a window, an aggregate). */
static bool only_qual(const struct sql_expr *x, const char *qual, bool *cols, int depth)
{
	if (!x)
		return true;
	if (depth > GT_SQL_MAX_DEPTH * 2 || x->sub || x->kind == E_STAR || x->kind == E_WINDOW ||
	    (x->kind == E_FUNC && (x->distinct || x->ord || x->over)))
		return false;
	if (x->kind == E_COL) {
		*cols = true;
		return x->q && sql_qual_match(x->q, qual);
	}
	if (!only_qual(x->a, qual, cols, depth + 1) || !only_qual(x->b, qual, cols, depth + 1) ||
	    !only_qual(x->c, qual, cols, depth + 1))
		return false;
	for (uint32_t k = 0; k < x->nargs; k++)
		if (!only_qual(x->args[k], qual, cols, depth + 1))
			return false;
	return true;
}

/*
 * The conjuncts of WHERE that read only item qual's columns, ANDed onto
 * *acc, for that item's scan: fewer rows to join, and a table's scan
 * narrows by time and tags.  WHERE still runs whole over the join, so
 * pushing only has to be safe, never complete: an item a later outer
 * join may fill with NULLs gets nothing (its rows failing a condition
 * must still be there to be NULL-filled).
 */
static int push_where(struct run *r, struct sql_expr *x, const char *qual, struct sql_expr **acc, int depth)
{
	if (!x)
		return 0;
	if (x->kind == E_BIN && x->op == B_AND && depth < 32) {
		int rc = push_where(r, x->a, qual, acc, depth + 1);
		return rc < 0 ? rc : push_where(r, x->b, qual, acc, depth + 1);
	}
	bool cols = false;
	if (!only_qual(x, qual, &cols, 0) || !cols)
		return 0;
	if (!*acc) {
		*acc = x;
		return 0;
	}
	struct sql_expr *a = sql_alloc(r->arena, sizeof(*a));
	if (!a)
		return sql_nomem(r->e);
	memset(a, 0, sizeof(*a));
	a->kind = E_BIN;
	a->op = B_AND;
	a->slot = -1;
	a->a = *acc;
	a->b = x;
	*acc = a;
	return 0;
}

/* The WHERE conditions item k (0 = the first FROM item) can be scanned with. */
static int item_where(struct run *r, const struct sql_select *q, uint32_t k, struct sql_expr **out)
{
	char qual[2 * GT_NAME_MAX + 2], other[2 * GT_NAME_MAX + 2];
	*out = NULL;
	if (!q->where || (k == 0 ? q->sub != NULL : q->joins[k - 1].sub != NULL))
		return 0;
	if (k > 0 && (q->joins[k - 1].join == J_LEFT || q->joins[k - 1].join == J_FULL))
		return 0;
	/* joins[i] joins items 0..i with item i + 1. */
	for (uint32_t i = k; i < q->njoins; i++)
		if (q->joins[i].join == J_RIGHT || q->joins[i].join == J_FULL)
			return 0;
	if (k == 0)
		item_qual(qual, sizeof(qual), q->from_db, q->from, q->alias);
	else
		item_qual(qual, sizeof(qual), q->joins[k - 1].db, q->joins[k - 1].name, q->joins[k - 1].alias);
	/* Two items of one name: a qualified column could be either's. */
	for (uint32_t i = 0; i <= q->njoins; i++) {
		if (i == k)
			continue;
		if (i == 0)
			item_qual(other, sizeof(other), q->from_db, q->from, q->alias);
		else
			item_qual(other, sizeof(other), q->joins[i - 1].db, q->joins[i - 1].name, q->joins[i - 1].alias);
		if (sql_qual_match(qual, other) || sql_qual_match(other, qual))
			return 0;
	}
	return push_where(r, q->where, qual, out, 0);
}

/* FROM a JOIN b ... JOIN c: each item materialized, joined left to right into out. */
static int run_joins(struct run *r, struct sql_select *q, const struct env *env, struct sql_rel *out)
{
	struct sql_rel cur, side, next;
	struct sql_expr *w;
	int rc;
	sql_rel_init(&side);
	sql_rel_init(&cur);
	if ((rc = item_where(r, q, 0, &w)) < 0 ||
	    (rc = side_rel(r, env, q->from_db, q->from, q->sub, q->alias, w, &cur)) < 0)
		return rc;
	for (uint32_t k = 0; k < q->njoins && rc == 0; k++) {
		const struct sql_from *j = &q->joins[k];
		if ((rc = item_where(r, q, k + 1, &w)) < 0 ||
		    (rc = side_rel(r, env, j->db, j->name, j->sub, j->alias, w, &side)) < 0)
			break;
		sql_rel_init(&next);
		if ((rc = join_rels(r, &cur, &side, j, &next)) == 0) {
			sql_rel_release(&cur);
			cur = next;
		} else {
			sql_rel_release(&next);
		}
		sql_rel_release(&side);
	}
	if (rc < 0)
		sql_rel_release(&cur);
	else
		*out = cur;
	return rc;
}

/* One query block: its FROM source resolved to a table, a CTE, a derived
 * table or the join of several. */
static int run_block(struct run *r, struct sql_select *q, const struct env *env, struct gt_sql_result *res)
{
	struct sql_rel rel, view;
	const struct sql_rel *src = NULL, *cte;
	int rc = 0;

	sql_rel_init(&rel);
	if (q->njoins) {
		if ((rc = run_joins(r, q, env, &rel)) < 0)
			return rc;
		src = &rel;
	} else if (q->sub) {
		if ((rc = run_rel(r, q->sub, env, q->alias, &rel)) < 0)
			return rc;
		src = &rel;
	} else if (q->from && !q->from_db && (cte = find_cte(env, q->from))) {
		view = *cte;       /* borrowed under its reference name */
		view.name = q->alias ? q->alias : q->from;
		src = &view;
	} else if (q->from) {
		/* A view: its rows, qualified as a table would be (alias, db.name or name). */
		if ((rc = sql_view_rel(r->s, q->from_db ? q->from_db : r->s->dbname, q->from, &rel, r->e)) < 0)
			return rc;
		if (rc > 0) {
			char qual[2 * GT_NAME_MAX + 2];
			if (q->alias)
				snprintf(qual, sizeof(qual), "%s", q->alias);
			else if (q->from_db)
				snprintf(qual, sizeof(qual), "%s.%s", q->from_db, q->from);
			else
				snprintf(qual, sizeof(qual), "%s", q->from);
			if (sql_rel_set_name(&rel, qual) < 0) {
				sql_rel_release(&rel);
				return sql_nomem(r->e);
			}
			src = &rel;
		}
		rc = 0;
	}
	if (!src && r->sink && r->depth == 1 && (rc = sql_select_stream(r->s, q, r->sink, res, r->e)) != 0)
		return rc < 0 ? rc : 0;
	rc = sql_select_rel(r->s, q, src, res, r->e);
	sql_rel_release(&rel);
	return rc;
}

static int run_query(struct run *r, struct sql_select *q, const struct env *env, struct gt_sql_result *res)
{
	int rc = 0;
	if (++r->depth > GT_SQL_MAX_DEPTH) {
		r->depth--;
		return sql_err(r->e, GT_STATUS_INVALID_SYNTAX, "query nested too deeply");
	}
	if (q->nctes) {
		struct env in = {.up = env, .ctes = q->ctes};
		in.rels = gt_calloc(q->nctes, sizeof(*in.rels));
		if (!in.rels) {
			r->depth--;
			return sql_nomem(r->e);
		}
		for (uint32_t k = 0; k < q->nctes && rc == 0; k++) {
			const struct sql_cte *c = &q->ctes[k];
			if ((rc = c->tql ? tql_rel(r, c, &in.rels[k]) : run_rel(r, c->q, &in, c->name, &in.rels[k])) < 0)
				break;
			in.n = k + 1;
			if (c->ncols && c->ncols != in.rels[k].schema.ncols) {
				rc = sql_err(r->e, GT_STATUS_PLAN_QUERY,
					     "Failed to plan SQL: Error during planning: Source table contains %u columns but only %u names given as column alias",
					     in.rels[k].schema.ncols, c->ncols);
				break;
			}
			for (uint32_t j = 0; j < c->ncols && rc == 0; j++) {
				char *nm = gt_strdup(c->cols[j]);
				if (!nm) {
					rc = sql_nomem(r->e);
					break;
				}
				free(in.rels[k].schema.cols[j].name);
				in.rels[k].schema.cols[j].name = nm;
			}
		}
		if (rc == 0) {
			uint32_t n = q->nctes;
			q->nctes = 0;  /* run the body once, with the CTEs in scope */
			rc = run_query(r, q, &in, res);
			q->nctes = n;
		}
		for (uint32_t k = 0; k < q->nctes; k++)
			sql_rel_release(&in.rels[k]);
		free(in.rels);
		r->depth--;
		return rc;
	}
	if (q->setop) {
		for (uint32_t k = 0; k < q->norder && rc == 0; k++)
			rc = subst(r, env, q->order[k].e, 0);
		if (rc == 0)
			rc = run_setop(r, q, env, res);
	} else if ((rc = subst_block(r, env, q)) == 0) {
		rc = run_block(r, q, env, res);
	}
	r->depth--;
	return rc;
}

int sql_query_run(struct gt_sql_session *s, struct sql_arena *arena, struct sql_select *q,
		  const struct gt_sql_sink *sink, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct run r = {.s = s, .arena = arena, .e = e, .sink = sink};
	return run_query(&r, q, NULL, res);
}
