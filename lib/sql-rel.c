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

/* Run q and take its output as a relation named name. */
static int run_rel(struct run *r, struct sql_select *q, const struct env *env, const char *name, struct sql_rel *out)
{
	struct gt_sql_result tmp = {0};
	int rc = run_query(r, q, env, &tmp);
	sql_rel_init(out);
	if (rc == 0 && (tmp.n != 1 || tmp.outs[0].kind != GT_SQL_RECORDS))
		rc = sql_err(r->e, GT_STATUS_UNEXPECTED, "a subquery returned no records");
	if (rc == 0 && sql_rel_from_output(out, &tmp.outs[0], name) < 0)
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

/* ORDER BY / LIMIT / OFFSET of q over rel (SELECT * FROM rel ORDER BY ...), or rel itself. */
static int finish(struct run *r, struct sql_select *q, struct sql_rel *rel, struct gt_sql_result *res)
{
	if (!q->norder && q->limit < 0 && q->offset < 0)
		return rel_output(r, rel, res);
	struct sql_select w;
	struct sql_select_item it;
	struct sql_expr star;
	memset(&w, 0, sizeof(w));
	memset(&it, 0, sizeof(it));
	memset(&star, 0, sizeof(star));
	star.kind = E_STAR;
	star.slot = -1;
	it.e = &star;
	w.items = &it;
	w.nitems = 1;
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

/* One query block: its FROM source resolved to a table, a CTE or a derived table. */
static int run_block(struct run *r, struct sql_select *q, const struct env *env, struct gt_sql_result *res)
{
	struct sql_rel rel, view;
	const struct sql_rel *src = NULL, *cte;
	int rc = 0;

	sql_rel_init(&rel);
	if (q->njoins)
		return sql_err(r->e, GT_STATUS_UNSUPPORTED, "joins are not supported yet");
	if (q->sub) {
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
			if ((rc = run_rel(r, c->q, &in, c->name, &in.rels[k])) < 0)
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
