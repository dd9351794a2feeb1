/*
 * sql-expr.h - vectorized expression evaluation (sql-expr.c), shared by
 * the executor (sql-exec.c) and the renderer.
 *
 * A struct sql_xv owns its vec; sql_xv_release() frees it.  A scalar xv
 * holds one value that stands for every row of the frame.
 */
#ifndef GT_SQL_EXPR_H
#define GT_SQL_EXPR_H

#include "sql-ast.h"
#include "rowfmt.h"

struct sql_xv {
	struct gt_vec v;
	uint8_t unit;      /* GT_TS */
	uint8_t lt;        /* enum gt_ltype: the declared type when narrower (schema.h) */
	bool scalar;       /* one value for every row */
	bool interval;     /* GT_I64 nanoseconds from an INTERVAL */
};

#define SQL_IX(x, i) ((x)->scalar ? 0u : (uint32_t)(i))
#define SQL_NULL(x, i) gt_vec_is_null(&(x)->v, SQL_IX(x, i))

/* What an expression is evaluated against. */
struct sql_ctx {
	struct gt_sql_error *e;
	const struct gt_schema *schema;  /* input frame: cols[k] is schema column k */
	const char *table;
	char *const *quals;              /* a join's per-column qualifiers (struct sql_rel), or NULL */
	const bool *hidden;
	struct gt_vec *cols;
	uint32_t nrows;
	struct sql_xv *slots;            /* group frame (nrows = groups), or NULL */
	int64_t now_ns;
	struct gt_sql_session *s;        /* for the session's functions (sql-pgfn.c), or NULL */
};

int sql_eval(struct sql_ctx *c, struct sql_expr *x, struct sql_xv *out);
/* sql-pgfn.c: PostgreSQL's session and catalog functions, x's arguments
 * evaluated in av over n rows: 1 = o filled, 0 = not one of them, < 0 = error. */
int sql_pg_func(struct sql_ctx *c, struct sql_expr *x, const struct sql_xv *av, uint32_t n, struct sql_xv *o);
/* CAST(a AS type) over c->nrows rows (or one when a is scalar); lt the logical type or 0. */
int sql_xv_cast(struct sql_ctx *c, struct sql_xv *a, uint8_t type, uint8_t unit, uint8_t lt, struct sql_xv *o);
/* The frame column E_COL x names: its index, -1 none, -2 an unqualified
 * name two sides of a join have. */
int sql_col_find(const struct sql_ctx *c, const struct sql_expr *x);
/* Does column qualifier q ("t" or "db.t") name table ("t", "db.t" or an alias)? */
bool sql_qual_match(const char *q, const char *table);
void sql_xv_release(struct sql_xv *x);
double sql_xv_f64(const struct sql_xv *x, uint32_t i);
int64_t sql_xv_i64(const struct sql_xv *x, uint32_t i);
int sql_xv_text(const struct sql_xv *x, uint32_t i, char *buf, size_t n, const char **s, uint32_t *len);
/* Compare rows i and j of one xv, both not null: <0, 0, >0 (NaN sorts last). */
int sql_xv_cmp(const struct sql_xv *x, uint32_t i, uint32_t j);
/* Append row i of x to a group key (a null byte, or 1 and the value). */
int sql_key_add(struct gt_buf *k, const struct sql_xv *x, uint32_t i);
/* Output column name as GreptimeDB (DataFusion) prints it: bare for a
 * top-level column, else qualified with the table inside expressions. */
int sql_expr_name(struct gt_buf *b, const struct sql_expr *x, const char *table);
int sql_expr_name_q(struct gt_buf *b, const struct sql_expr *x, const char *table);

#endif
