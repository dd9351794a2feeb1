/*
 * promql.h - PromQL: the expression tree the parser builds, the label
 * sets and series every PromQL module passes around, the series source
 * the evaluator reads from, and the evaluator's entry point.
 *
 * Modules (each owns its part; this header is their contract):
 *   promql-parse.c  text -> tree, type checking, errors as Prometheus
 *                   words them ("1:9: parse error: unexpected ...").
 *   promql-func.c   the function signatures the parser checks calls
 *                   against (gt_pq_func_lookup).
 *   promql-fn.c     per-series numeric kernels (promql-fn.h): rate and
 *                   friends, *_over_time, math, dates, histogram_quantile,
 *                   label_replace/label_join.
 *   promql-eval.c   evaluation over steps: selection with lookback and
 *                   staleness, offset/@, subqueries, aggregations, binary
 *                   operators with vector matching, the structural
 *                   functions (sort, absent, vector, scalar, time, ...).
 *   promstore.c     a gt_pq_source over a gt_db (tables as metrics).
 *   promapi.c       the Prometheus HTTP API over all of this.
 *
 * Times are milliseconds since the epoch; durations milliseconds.
 */
#ifndef GT_PROMQL_H
#define GT_PROMQL_H

#include "codec.h"
#include "gt.h"

struct gt_buf;

/* Prometheus's staleness marker: a NaN with this exact bit pattern. */
#define GT_PQ_STALE_BITS 0x7ff0000000000002ULL
/*
 * A NULL field value as a sample (TQL alone: a source asked for nulls):
 * a quiet NaN with this payload ("NULL"), either sign.  Prometheus's
 * own NaNs (Go's math.NaN(), the staleness marker) never carry it.
 */
#define GT_PQ_NULL_BITS 0x7ff800004e554c4cULL
static inline double gt_pq_null(void)
{
	return gt_f64_of(GT_PQ_NULL_BITS);
}
static inline int gt_pq_is_null(double v)
{
	return (gt_f64_bits(v) & ~(1ULL << 63)) == GT_PQ_NULL_BITS;
}
#define GT_PQ_LOOKBACK_MS (5 * 60 * 1000)
#define GT_PQ_MAX_POINTS 11000 /* per series of a range query */
#define GT_PQ_SUBQUERY_STEP_MS (60 * 1000) /* a subquery's step when it names none: Prometheus's evaluation interval */

enum gt_pq_type { GT_PQ_T_NONE, GT_PQ_T_SCALAR, GT_PQ_T_STRING, GT_PQ_T_VECTOR, GT_PQ_T_MATRIX };

/* --- labels --- */

struct gt_pq_label {
	char *name, *value;
};
/* A label set, sorted by name, names unique; __name__ is a label like any. */
struct gt_pq_labels {
	struct gt_pq_label *l;
	size_t n;
};

/*
 * Order a and b by the values of the labels names[0..n) in turn (a missing
 * label reads as ""), bytewise: the order of sort_by_label, which
 * GreptimeDB runs as an ORDER BY of those label columns.  0 when all agree.
 */
int gt_pq_labels_cmp_by(const struct gt_pq_labels *a, const struct gt_pq_labels *b, const char *const *names,
			size_t n);

/* --- the tree --- */

enum gt_pq_mop { GT_PQ_M_EQ, GT_PQ_M_NE, GT_PQ_M_RE, GT_PQ_M_NRE };
struct gt_pq_matcher {
	char *name, *value;
	enum gt_pq_mop op;
	void *re; /* pcre2_code *, compiled fully anchored ("^(?:value)$"), for RE/NRE */
};
/* 1 when value (len bytes) satisfies m. */
int gt_pq_matcher_match(const struct gt_pq_matcher *m, const char *value, size_t len);

enum gt_pq_kind {
	GT_PQ_NUMBER,   /* num */
	GT_PQ_STRING,   /* str */
	GT_PQ_SELECTOR, /* sel: instant vector (range 0) or matrix (range > 0) */
	GT_PQ_SUBQUERY, /* sub */
	GT_PQ_CALL,     /* call */
	GT_PQ_AGG,      /* agg */
	GT_PQ_BINARY,   /* bin */
	GT_PQ_UNARY,    /* un: '-' (or '+', kept for printing) */
	GT_PQ_PAREN,    /* paren: kept so the tree prints as written */
};

/* @ modifier */
enum gt_pq_at { GT_PQ_AT_NONE, GT_PQ_AT_TIME, GT_PQ_AT_START, GT_PQ_AT_END };

struct gt_pq_func; /* promql-func.c */

enum gt_pq_aggop {
	GT_PQ_SUM, GT_PQ_AVG, GT_PQ_MIN, GT_PQ_MAX, GT_PQ_COUNT, GT_PQ_GROUP, GT_PQ_STDDEV, GT_PQ_STDVAR,
	GT_PQ_TOPK, GT_PQ_BOTTOMK, GT_PQ_QUANTILE, GT_PQ_COUNT_VALUES,
};

enum gt_pq_binop {
	GT_PQ_ADD, GT_PQ_SUB, GT_PQ_MUL, GT_PQ_DIV, GT_PQ_MOD, GT_PQ_POW, GT_PQ_ATAN2,
	GT_PQ_EQL, GT_PQ_NEQ, GT_PQ_LSS, GT_PQ_GTR, GT_PQ_LTE, GT_PQ_GTE,
	GT_PQ_AND, GT_PQ_OR, GT_PQ_UNLESS,
};

enum gt_pq_card { GT_PQ_ONE_TO_ONE, GT_PQ_MANY_TO_ONE, GT_PQ_ONE_TO_MANY, GT_PQ_MANY_TO_MANY };

struct gt_pq_expr {
	enum gt_pq_kind kind;
	enum gt_pq_type type;  /* the result type, set by the parser */
	int pos, end;          /* byte offsets into the query text */
	union {
		double num;
		char *str;
		struct {
			char *metric;              /* NULL when only matchers name it */
			struct gt_pq_matcher *m;   /* includes __name__="metric" when metric is set */
			size_t nm;
			int64_t range;             /* 0: instant vector selector */
			int64_t offset;            /* may be negative */
			enum gt_pq_at at;
			int64_t at_time;           /* GT_PQ_AT_TIME */
		} sel;
		struct {
			struct gt_pq_expr *e;
			int64_t range, step;       /* step 0: the query's default (its step) */
			int64_t offset;
			enum gt_pq_at at;
			int64_t at_time;
		} sub;
		struct {
			const struct gt_pq_func *fn;
			struct gt_pq_expr **args;
			size_t nargs;
		} call;
		struct {
			enum gt_pq_aggop op;
			struct gt_pq_expr *param;  /* topk/bottomk/quantile/count_values, else NULL */
			struct gt_pq_expr *e;
			char **grouping;           /* by (...) or without (...) labels */
			size_t ngrouping;
			int without;
			int by;                    /* 1 when "by" was written (even empty) */
		} agg;
		struct {
			enum gt_pq_binop op;
			struct gt_pq_expr *lhs, *rhs;
			int bool_mod;              /* comparison with bool */
			/* vector matching, when both sides are vectors */
			enum gt_pq_card card;
			int on;                    /* on(...) (else ignoring(...)) */
			char **labels;             /* the on/ignoring list */
			size_t nlabels;
			char **include;            /* group_left/group_right (...) */
			size_t ninclude;
		} bin;
		struct {
			char op; /* '-' or '+' */
			struct gt_pq_expr *e;
		} un;
		struct gt_pq_expr *paren;
	} u;
};

/*
 * Parse a query.  On error, err->msg reads as Prometheus's does, e.g.
 * "1:9: parse error: unexpected <EOF> in aggregation" and the return is
 * GT_EINVAL.  Regexes are compiled here (a bad one is a parse error).
 */
int gt_pq_parse(const char *q, struct gt_pq_expr **out, struct gt_err *err);
/* gt_pq_parse, and with greptime = 1 GreptimeDB's PromQL (TQL): its functions too (greptime in gt_pq_func). */
int gt_pq_parse_as(const char *q, int greptime, struct gt_pq_expr **out, struct gt_err *err);
void gt_pq_expr_free(struct gt_pq_expr *e);
/* Print the tree back as PromQL (canonical form, as Prometheus's String()). */
int gt_pq_expr_print(const struct gt_pq_expr *e, struct gt_buf *out);
/* Print node e alone, its operands left out, in the same words: a selector
 * or literal whole, "rate", "sum by (host)", "/ on (host) group_left (x)",
 * "[5m:1m] offset 1m" for a subquery, "-" (TQL EXPLAIN's plan). */
int gt_pq_expr_print_node(const struct gt_pq_expr *e, struct gt_buf *out);
/* A duration as Prometheus prints one: "1h30m", "10s", "0s". */
void gt_pq_duration_print(struct gt_buf *b, int64_t ms);
/* "5m", "1h30m", "1.5" (seconds) -> ms; GT_EINVAL on a bad one. */
int gt_pq_parse_duration(const char *s, size_t n, int64_t *ms);

/* --- function signatures (promql-func.c) --- */

struct gt_pq_func {
	const char *name;
	enum gt_pq_type args[6];
	int nargs;          /* required + optional */
	int variadic;       /* 0: exactly nargs; n > 0: last n args optional; -1: last repeats */
	enum gt_pq_type ret;
	int greptime;       /* 1: GreptimeDB's PromQL alone (gt_pq_parse_as), unknown to Prometheus 2.42 */
};
const struct gt_pq_func *gt_pq_func_lookup(const char *name);

/* --- what the evaluator reads --- */

struct gt_pq_series {
	struct gt_pq_labels labels;
	int64_t *t;   /* sorted ascending */
	double *v;    /* staleness markers kept as GT_PQ_STALE_BITS NaNs, NULL samples as gt_pq_null() */
	size_t n;
};

struct gt_pq_source {
	void *ctx;
	/*
	 * Every series matching all matchers (one of them usually
	 * __name__), with its samples in [mint, maxt] inclusive.  With
	 * nulls, a row whose value is NULL is a sample too (gt_pq_null());
	 * without, it is none.  *out is malloc'd; free with gt_pq_series_free.
	 */
	int (*select)(void *ctx, const struct gt_pq_matcher *m, size_t nm, int64_t mint, int64_t maxt, int nulls,
		      struct gt_pq_series **out, size_t *n, struct gt_err *err);
};
void gt_pq_series_free(struct gt_pq_series *s, size_t n);

/* --- the evaluator (promql-eval.c) --- */

struct gt_pq_result {
	enum gt_pq_type type;          /* SCALAR, STRING, VECTOR (instant) or MATRIX (range) */
	struct gt_pq_series *series;   /* VECTOR/MATRIX: series with their points */
	size_t nseries;
	double scalar;                 /* instant query of a scalar */
	int64_t scalar_t;
	struct gt_pq_series scalars;   /* range query of a scalar: the points (no labels) */
	char *string;
};
void gt_pq_result_free(struct gt_pq_result *r);

struct gt_pq_query {
	int64_t start, end, step;      /* instant query: start == end, step 0 */
	int64_t lookback;              /* 0: GT_PQ_LOOKBACK_MS */
	int instant;                   /* 1: an instant query (vector/scalar result) */
	int64_t deadline;              /* gt_mono_ns() past which evaluation stops; 0: none */
	int greptime;                  /* 1: GreptimeDB's PromQL (TQL), 0: Prometheus 2.42's; see below */
};
/*
 * Where GreptimeDB's PromQL departs from Prometheus 2.42, q->greptime
 * picks GreptimeDB's way (TQL alone asks: the Prometheus HTTP API keeps
 * 2.42's answers):
 *   - lookback and range windows are left-open, (T-r, T] (Prometheus 3's
 *     choice too), where 2.42 includes a sample at exactly T-r;
 *   - arithmetic between vector() and a vector applies vector()'s value
 *     to every series (GreptimeDB joins its empty metric on time alone),
 *     where 2.42 matches label sets and finds none;
 *   - absent() labels its series with every equality matcher, the last
 *     one for a name winning, where 2.42 drops a label two matchers name;
 *   - topk and bottomk break ties by labels, topk preferring the greatest
 *     (GreptimeDB's row_number()), where 2.42 keeps input order;
 *   - deg() and rad() multiply by one rounded constant (Rust's
 *     to_degrees and to_radians), where 2.42 multiplies then divides,
 *     round(x, to) is round(x / to) * to (ties away from zero), and
 *     histogram_quantile interpolates in another order: the last digit
 *     can differ;
 *   - label_join and label_replace are SQL over the input's columns
 *     (concat_ws, regexp_replace; promql-fn.h has the rules): an empty
 *     or absent source is skipped in a join, a value the regex does not
 *     match is copied to dst, and writing a label the input has fails;
 *   - scalar() decides over the whole range: one series gives its values
 *     at the steps it has and leaves the others out (pq_val.sc_has),
 *     any other input NaN at every step, where 2.42 decides step by step;
 *   - a row whose value is NULL is a sample (the source is asked for
 *     nulls): lookback selects it over an older value, and it goes on
 *     as SQL's NULL does: arithmetic and functions of it are NULL, a
 *     comparison drops it (with bool it is NULL), aggregations skip it
 *     (count and group still make its group, count 0; the others drop
 *     a group of NULLs alone), range functions and subqueries leave it
 *     out of their windows, and TQL shows it as NULL.  2.42 has no
 *     such sample: the row is not there;
 *   - avg_over_time and sum_over_time add the window's values in order
 *     and avg divides the sum by the count (Arrow's sum), where 2.42 adds
 *     with Kahan compensation and keeps an incremental mean;
 *   - clamp() with min > max at a step with a value fails with
 *     "Execution error: min '12' > max '0'" where 2.42 answers nothing.
 *     (An error whose message begins "Execution error: " is DataFusion's
 *     execution error: TQL answers it as EngineExecuteQuery.)
 */
/*
 * Evaluate e.  Errors as Prometheus words them, GT_EINVAL for the
 * user's ("vector cannot contain metrics with the same labelset"),
 * GT_ETOOBIG over GT_PQ_MAX_POINTS, GT_EAGAIN once q->deadline has passed
 * (checked before and after every node: a node's own work is not cut).  Range results sorted by labels.
 */
int gt_pq_eval(const struct gt_pq_expr *e, const struct gt_pq_query *q, const struct gt_pq_source *src,
	       struct gt_pq_result *out, struct gt_err *err);

#endif
