/*
 * promql-fn.h - PromQL's per-series numeric kernels, with Prometheus
 * 2.42's arithmetic (answers are compared against a real Prometheus
 * within 1e-9 relative, so the order of every sum is its order).
 *
 * Owns: the range functions (rate and friends, every *_over_time,
 * holt_winters) over one window of one series; the per-sample functions
 * (math, clamp, round, trig, dates); histogram_quantile over one
 * histogram's buckets; quantile over values (the quantile aggregation and
 * quantile_over_time); label_replace and label_join on one label set.
 *
 * Not here: selection, lookback, staleness, steps, offset/@, vector
 * matching, aggregation grouping, dropping __name__, sort, absent,
 * vector/scalar/time/timestamp (promql-eval.c).
 *
 * Calling sequence: the evaluator looks a call's function up once per
 * call site (gt_pq_fn_lookup(call->fn->name)); a NULL answer means the
 * function is the evaluator's own.  Then per series and step it calls
 * gt_pq_fn_range (kind GT_PQ_FNK_RANGE) or gt_pq_fn_math (kind
 * GT_PQ_FNK_MATH) with the scalar arguments evaluated at that step.
 *
 * Staleness markers (NaNs with bits GT_PQ_STALE_BITS) never reach these
 * functions: the evaluator drops them from windows.  Other NaNs and
 * infinities are ordinary values, treated as Prometheus treats them.
 *
 * Every function is pure and thread-safe; nothing here allocates except
 * the label transforms (struct gt_pq_relabel), which say who frees what.
 */
#ifndef GT_PROMQL_FN_H
#define GT_PROMQL_FN_H

#include "promql.h"

#include <stddef.h>
#include <stdint.h>

enum gt_pq_fn {
	GT_PQ_FN_NONE,
	/* range functions: one matrix argument (the window) */
	GT_PQ_FN_RATE, GT_PQ_FN_IRATE, GT_PQ_FN_INCREASE, GT_PQ_FN_DELTA, GT_PQ_FN_IDELTA,
	GT_PQ_FN_DERIV, GT_PQ_FN_PREDICT_LINEAR, GT_PQ_FN_RESETS, GT_PQ_FN_CHANGES,
	GT_PQ_FN_AVG_OVER_TIME, GT_PQ_FN_MIN_OVER_TIME, GT_PQ_FN_MAX_OVER_TIME,
	GT_PQ_FN_SUM_OVER_TIME, GT_PQ_FN_COUNT_OVER_TIME, GT_PQ_FN_QUANTILE_OVER_TIME,
	GT_PQ_FN_STDDEV_OVER_TIME, GT_PQ_FN_STDVAR_OVER_TIME, GT_PQ_FN_LAST_OVER_TIME,
	GT_PQ_FN_PRESENT_OVER_TIME, GT_PQ_FN_HOLT_WINTERS,
	/* per-sample functions: one instant vector argument */
	GT_PQ_FN_ABS, GT_PQ_FN_CEIL, GT_PQ_FN_FLOOR, GT_PQ_FN_ROUND, GT_PQ_FN_EXP, GT_PQ_FN_LN,
	GT_PQ_FN_LOG2, GT_PQ_FN_LOG10, GT_PQ_FN_SQRT, GT_PQ_FN_SGN, GT_PQ_FN_CLAMP,
	GT_PQ_FN_CLAMP_MIN, GT_PQ_FN_CLAMP_MAX,
	GT_PQ_FN_ACOS, GT_PQ_FN_ACOSH, GT_PQ_FN_ASIN, GT_PQ_FN_ASINH, GT_PQ_FN_ATAN,
	GT_PQ_FN_ATANH, GT_PQ_FN_COS, GT_PQ_FN_COSH, GT_PQ_FN_SIN, GT_PQ_FN_SINH, GT_PQ_FN_TAN,
	GT_PQ_FN_TANH, GT_PQ_FN_DEG, GT_PQ_FN_RAD,
	/* dates: the sample value is unix seconds (no argument: the
	 * evaluator passes vector(time())'s value, the step time) */
	GT_PQ_FN_DAY_OF_MONTH, GT_PQ_FN_DAY_OF_WEEK, GT_PQ_FN_DAY_OF_YEAR, GT_PQ_FN_DAYS_IN_MONTH,
	GT_PQ_FN_HOUR, GT_PQ_FN_MINUTE, GT_PQ_FN_MONTH, GT_PQ_FN_YEAR,
	GT_PQ_FN_COUNT_
};

enum gt_pq_fn_kind {
	GT_PQ_FNK_RANGE, /* gt_pq_fn_range */
	GT_PQ_FNK_MATH,  /* gt_pq_fn_math (dates too) */
};

struct gt_pq_fn_info {
	const char *name;        /* as PromQL spells it */
	enum gt_pq_fn id;
	enum gt_pq_fn_kind kind;
	int counter;             /* rate/irate/increase/resets: Prometheus warns on non-counters */
};

/*
 * The kernel for a function name, NULL when the function is not a
 * kernel here (evaluator-structural: sort, absent, vector, time,
 * timestamp, label_*, histogram_quantile, pi, scalar, ...).
 */
const struct gt_pq_fn_info *gt_pq_fn_lookup(const char *name);

/*
 * One series' samples in one window, as Prometheus 2.42 selects them: t
 * ascending with t[i] in [start, end] (both ends included in 2.42), no
 * staleness markers.  For a selector foo[r] offset o evaluated at step
 * time T:  start = T - o - r, end = T - o, eval = T.  2.42 turns "@ X"
 * into the offset o + (query start - X) and evaluates the step-invariant
 * call once, at T = the query start: so start = X - o - r, end = X - o,
 * eval = the query start.  Over a subquery, r and o are the subquery's.
 * rate/increase/delta extrapolate to start and end (and rate divides by
 * end - start); predict_linear predicts from eval; the rest ignore all
 * three.
 */
struct gt_pq_window {
	const int64_t *t;  /* ms */
	const double *v;
	size_t n;
	int64_t start, end, eval; /* ms */
};

/*
 * Apply range function fn (kind GT_PQ_FNK_RANGE) to window w.  args are
 * the call's scalar arguments at this step, in call order without the
 * matrix:  quantile_over_time: args[0] = q;  predict_linear: args[0] =
 * seconds ahead;  holt_winters: args[0] = sf, args[1] = tf.  nargs is
 * their count.  Returns 0 with *out set, or 1 for "no value" (the series
 * drops out at this step: too few samples, or holt_winters' factors
 * outside (0, 1), which Prometheus reports as an error: see
 * gt_pq_fn_range_check).  The window must not be empty (2.42 calls no
 * function on an empty window; 1 is returned for one).
 */
int gt_pq_fn_range(enum gt_pq_fn fn, const struct gt_pq_window *w, const double *args, size_t nargs,
		   double *out);

/*
 * Errors Prometheus raises from a range function's scalar arguments
 * (holt_winters: "invalid smoothing factor. Expected: 0 < sf < 1, got:
 * %f", "invalid trend factor. Expected: 0 < tf < 1, got: %f").  0 or
 * GT_EINVAL with err filled.  Prometheus raises them for the first
 * non-empty window (a NaN factor passes and gives NaN); call it then.
 */
int gt_pq_fn_range_check(enum gt_pq_fn fn, const double *args, size_t nargs, struct gt_err *err);

/*
 * Apply per-sample function fn (kind GT_PQ_FNK_MATH) to x.  args: the
 * scalar arguments after the vector in call order:  round: to_nearest
 * (nargs 0 = 1);  clamp: min, max;  clamp_min: min;  clamp_max: max.
 * Dates: x is unix seconds.  Returns 0 with *out set, or 1 for "no value"
 * (clamp with min > max drops every sample).
 */
int gt_pq_fn_math(enum gt_pq_fn fn, double x, const double *args, size_t nargs, double *out);

/*
 * quantile(q, v) as Prometheus's aggregation and quantile_over_time
 * compute it (linear interpolation between closest ranks): q < 0 ->
 * -Inf, q > 1 -> +Inf, NaN q -> NaN, n == 0 -> NaN.  Sorts v in place.
 */
double gt_pq_fn_quantile(double q, double *v, size_t n);

/*
 * One bucket of a classic histogram: its upper bound (the le label as a
 * float, "+Inf" included) and its cumulative count.
 */
struct gt_pq_bucket {
	double upper;
	double count;
};

/*
 * histogram_quantile(q, ...) for one histogram (the series sharing
 * every label but le at one step).  Prometheus's rules: q < 0 -> -Inf,
 * q > 1 -> +Inf, NaN q -> NaN; buckets sorted by upper bound (b is
 * sorted in place) and equal bounds merged; no +Inf bucket -> NaN; fewer
 * than 2 buckets -> NaN; counts forced monotonic; zero observations ->
 * NaN; the lowest bucket interpolates from 0 when its bound is positive.
 * greptime: interpolate in GreptimeDB's order, start + (end - start) /
 * count * rank, where Prometheus computes start + (end - start) * (rank /
 * count): the last digit can differ (0.5499999999999999 for 0.55).
 */
double gt_pq_fn_histogram_quantile(double q, struct gt_pq_bucket *b, size_t n, int greptime);

/*
 * label_replace(v, dst, replacement, src, regex) and label_join(v, dst,
 * separator, src...), compiled once per call site and applied per
 * series.  Errors are Prometheus's words ("invalid regular expression in
 * label_replace(): ...", "invalid destination label name in
 * label_replace(): 1x", "invalid source label name in label_join(): ..."),
 * GT_EINVAL.
 *
 * With greptime = 1 they are GreptimeDB's (TQL), which plans them as SQL
 * over the input's columns, so a choice is made once for the whole input
 * where Prometheus makes it per series:
 *   label_join    concat_ws: an empty source name and an absent (empty)
 *                 source value are skipped, separator and all;
 *   label_replace regexp_replace(src, '^(?s:regex)$', replacement): a
 *                 value the regex does not match is copied as it is;
 *                 nothing changes when the input has src and the regex
 *                 is empty, or lacks src and the replacement is empty;
 *                 lacking src, dst is the replacement as written; and
 *                 dst must be a label the input lacks ("vector cannot
 *                 contain metrics with the same labelset").
 * "The input has a label" means some series of it has the label: call
 * gt_pq_relabel_see on every series before the first apply.
 */
struct gt_pq_relabel;

int gt_pq_relabel_replace_new(struct gt_pq_relabel **out, const char *dst, const char *replacement,
			      const char *src, const char *regex, int greptime, struct gt_err *err);
int gt_pq_relabel_join_new(struct gt_pq_relabel **out, const char *dst, const char *sep,
			   const char *const *src, size_t nsrc, int greptime, struct gt_err *err);
/* Note which labels the input has (greptime only; a no-op otherwise). */
void gt_pq_relabel_see(struct gt_pq_relabel *r, const struct gt_pq_labels *ls);
/*
 * Rewrite ls in place (it stays sorted, names unique; a label whose new
 * value is empty is removed).  Names and values are malloc'd strings the
 * label set owns; replaced ones are freed.  0, GT_ENOMEM, or (greptime)
 * GT_EINVAL when dst is a label the input has.
 */
int gt_pq_relabel_apply(const struct gt_pq_relabel *r, struct gt_pq_labels *ls, struct gt_err *err);
void gt_pq_relabel_free(struct gt_pq_relabel *r);

/*
 * Where regex re uses what PCRE2 takes but Go's RE2 (Prometheus 2.42's
 * regexp) refuses: backreferences, lookaround, atomic and branch-reset
 * groups, comments, (?<name>) (Go 1.19 knows (?P<name>) only),
 * possessive and nested quantifiers, PCRE-only escapes (\Z \h \R \K
 * ...).  NULL when there is none.  label_replace() refuses such a regex
 * as Prometheus does; matchers can use it the same way.
 */
const char *gt_pq_re2_unsupported(const char *re);

#endif
