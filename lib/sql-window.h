/*
 * sql-window.h - window functions (sql-window.c): f(...) OVER (PARTITION
 * BY ... ORDER BY ...) over the executor's current frame.
 */
#ifndef GT_SQL_WINDOW_H
#define GT_SQL_WINDOW_H

#include "sql-expr.h"

/* Evaluate E_WINDOW x over c's frame into out (c->nrows rows, frame order).
 * 0, or a negative code with c->e filled. */
int sql_window_eval(struct sql_ctx *c, struct sql_expr *x, struct sql_xv *out);

#endif
