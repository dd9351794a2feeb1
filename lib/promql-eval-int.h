/*
 * promql-eval-int.h - what the evaluator's files share (promql-eval.c,
 * promql-binop.c, promql-agg.c, promql-labels.c); not for other modules.
 *
 * Every expression is evaluated over a grid of steps (struct pq_ctx:
 * start, start+step, ... n times).  An instant vector is dense over the
 * grid: each series holds a value and a presence flag per step, so every
 * operator works step by step across series (vectorized per step) while
 * label work (grouping keys, match signatures, result labels) is done
 * once per series, not once per step.  Series appear in the order
 * Prometheus would first produce them.
 *
 * Label sets follow promql.h: sorted by name, every name and value its
 * own malloc'd string owned by the set.
 */
#ifndef GT_PROMQL_EVAL_INT_H
#define GT_PROMQL_EVAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "keymap.h"
#include "promql.h"

/* The steps an expression is evaluated at. */
struct pq_ctx {
	int64_t start, step; /* step > 0 (1 when n == 1) */
	size_t n;
};
static inline int64_t pq_ts(const struct pq_ctx *c, size_t i)
{
	return c->start + (int64_t)i * c->step;
}

/* One series of an instant vector over the steps. */
struct pq_vs {
	struct gt_pq_labels lb;
	double *v;    /* [n] */
	uint8_t *has; /* [n]: 1 when the series has a value at that step */
};
struct pq_vec {
	struct pq_vs *s;
	size_t n, cap;
};

/* A value: a scalar per step, a string, an instant vector, or (only as
 * the answer of an instant query of foo[5m] or a subquery) a matrix. */
struct pq_val {
	enum gt_pq_type type;
	double *sc;               /* SCALAR: [n] */
	uint8_t *sc_has;          /* SCALAR: [n] 1 where there is a value; NULL: at every step
				   * (only GreptimeDB's scalar() leaves steps out) */
	const char *str;          /* STRING: borrowed from the tree */
	struct pq_vec vec;        /* VECTOR */
	struct gt_pq_series *mat; /* MATRIX */
	size_t nmat;
};

/* Samples of one selector, fetched once per query. */
struct pq_fetch {
	const struct gt_pq_expr *sel;
	int64_t mint, maxt;
	struct gt_pq_series *s;
	size_t n;
	int done;
};

struct pq_ev {
	const struct gt_pq_query *q;
	const struct gt_pq_source *src;
	int64_t lookback;
	int64_t sub_step;  /* a subquery's step when it names none */
	struct pq_fetch *fetch;
	size_t nfetch, capfetch;
	struct gt_err *err;
};

/* --- label sets (promql-labels.c) --- */
void pq_labels_release(struct gt_pq_labels *l);
int pq_labels_copy(struct gt_pq_labels *dst, const struct gt_pq_labels *src);
const char *pq_labels_get(const struct gt_pq_labels *l, const char *name);
/* Remove name (no-op when absent). */
void pq_labels_del(struct gt_pq_labels *l, const char *name);
/* Set name=value (copies both); an empty value removes the label. */
int pq_labels_set(struct gt_pq_labels *l, const char *name, const char *value);
/* Keep only the listed names. */
void pq_labels_keep(struct gt_pq_labels *l, char *const *names, size_t n);
int pq_labels_cmp(const struct gt_pq_labels *a, const struct gt_pq_labels *b);
/* Append the labels' identity to b ("name\xffvalue\xff"...): with
 * on=1 only the listed names, with on=0 all but the listed names (and
 * never __name__ when drop_name). */
int pq_labels_key(struct gt_buf *b, const struct gt_pq_labels *l, char *const *names, size_t n, int on,
		  int drop_name);
/* {a="b", c="d"} as Prometheus's labels.String(). */
int pq_labels_str(struct gt_buf *b, const struct gt_pq_labels *l);
/* Go's strconv.FormatFloat(v, 'f', -1, 64). */
int pq_fmt_float(struct gt_buf *b, double v);
/* Go's fmt %v of a float64 (what Prometheus's error messages print). */
int pq_fmt_float_v(struct gt_buf *b, double v);

/* --- vectors --- */
void pq_vec_release(struct pq_vec *v);
/* A new series with the given labels (taken) and no values; its index. */
int pq_vec_add(struct pq_vec *v, size_t nsteps, struct gt_pq_labels *lb, size_t *idx, struct gt_err *err);
void pq_val_release(struct pq_val *v);
int pq_scalar_new(struct pq_val *v, size_t n, struct gt_err *err);

/*
 * The output of an operator: series looked up by label set, created in
 * order of first appearance.  pq_out_put stores one value at one step;
 * a second value for the same labels at the same step is Prometheus's
 * "vector cannot contain metrics with the same labelset".
 */
struct pq_out {
	struct pq_vec vec;
	struct gt_keymap map;
	struct gt_buf key;
	size_t nsteps;
};
void pq_out_init(struct pq_out *o, size_t nsteps);
void pq_out_release(struct pq_out *o);
/* The series for lb (copied); its index. */
int pq_out_series(struct pq_out *o, const struct gt_pq_labels *lb, size_t *idx, struct gt_err *err);
int pq_out_set(struct pq_out *o, size_t idx, size_t step, double v, struct gt_err *err);
/* Move the vector out of o (o is released). */
void pq_out_take(struct pq_out *o, struct pq_vec *dst);
/* Drop series that have no value at any step. */
void pq_vec_compact(struct pq_vec *v, size_t nsteps);
/* Re-key a vector whose label sets were changed in place (dropped
 * __name__, relabelled): series with equal labels merge, and two values
 * at one step are the "same labelset" error. */
int pq_vec_merge_same(struct pq_vec *v, size_t nsteps, struct gt_err *err);

/* --- evaluation (promql-eval.c) --- */
int pq_eval(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out);
int pq_err_same_labelset(struct gt_err *err);
/* An instant selector over the grid; with want_ts the values are the
 * samples' timestamps in seconds (timestamp()). */
int pq_eval_selector(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, int want_ts,
		     struct pq_val *out);

/*
 * A range vector argument (foo[5m] or a subquery): its series' samples
 * (staleness markers dropped) and how a step's window is placed.
 * pq_range_window gives the window [mint, maxt] of step `step` as the
 * sample indexes [lo, hi); call it for steps 0, 1, ... in order per
 * series with lo and hi carried over (they start at 0).
 */
struct pq_range {
	const struct gt_pq_series *s;
	size_t n;
	int64_t range, offset;
	int pinned; /* @: every step's window ends at at - offset */
	int64_t at;
	int open;   /* q->greptime: the window leaves out a sample at its start */
	const struct gt_pq_expr *sel;   /* the selector, NULL for a subquery */
	struct gt_pq_series *owned;     /* a subquery's series */
};
int pq_range_open(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_range *r);
void pq_range_close(struct pq_range *r);
void pq_range_window(const struct pq_range *r, const struct pq_ctx *c, size_t step, size_t si, size_t *lo,
		     size_t *hi, int64_t *mint, int64_t *maxt);

/* --- function calls (promql-call.c) --- */
int pq_eval_call(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out);
/* Evaluate e as a scalar per step into *out (malloc'd, [c->n]). */
int pq_eval_scalar(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, double **out);

/* --- binary operators (promql-binop.c) --- */
int pq_eval_binary(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out);

/* --- aggregations (promql-agg.c) --- */
int pq_eval_agg(struct pq_ev *ev, const struct gt_pq_expr *e, const struct pq_ctx *c, struct pq_val *out);

#endif
