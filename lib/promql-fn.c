/*
 * promql-fn.c - PromQL's per-series kernels (promql-fn.h).  Stub: the
 * lookup table is final, the kernels land next.
 */
#include "promql-fn.h"

#include <math.h>

static const struct gt_pq_fn_info fns[] = {
	{"abs", GT_PQ_FN_ABS, GT_PQ_FNK_MATH, 0},
	{"acos", GT_PQ_FN_ACOS, GT_PQ_FNK_MATH, 0},
	{"acosh", GT_PQ_FN_ACOSH, GT_PQ_FNK_MATH, 0},
	{"asin", GT_PQ_FN_ASIN, GT_PQ_FNK_MATH, 0},
	{"asinh", GT_PQ_FN_ASINH, GT_PQ_FNK_MATH, 0},
	{"atan", GT_PQ_FN_ATAN, GT_PQ_FNK_MATH, 0},
	{"atanh", GT_PQ_FN_ATANH, GT_PQ_FNK_MATH, 0},
	{"avg_over_time", GT_PQ_FN_AVG_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"ceil", GT_PQ_FN_CEIL, GT_PQ_FNK_MATH, 0},
	{"changes", GT_PQ_FN_CHANGES, GT_PQ_FNK_RANGE, 0},
	{"clamp", GT_PQ_FN_CLAMP, GT_PQ_FNK_MATH, 0},
	{"clamp_max", GT_PQ_FN_CLAMP_MAX, GT_PQ_FNK_MATH, 0},
	{"clamp_min", GT_PQ_FN_CLAMP_MIN, GT_PQ_FNK_MATH, 0},
	{"cos", GT_PQ_FN_COS, GT_PQ_FNK_MATH, 0},
	{"cosh", GT_PQ_FN_COSH, GT_PQ_FNK_MATH, 0},
	{"count_over_time", GT_PQ_FN_COUNT_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"day_of_month", GT_PQ_FN_DAY_OF_MONTH, GT_PQ_FNK_MATH, 0},
	{"day_of_week", GT_PQ_FN_DAY_OF_WEEK, GT_PQ_FNK_MATH, 0},
	{"day_of_year", GT_PQ_FN_DAY_OF_YEAR, GT_PQ_FNK_MATH, 0},
	{"days_in_month", GT_PQ_FN_DAYS_IN_MONTH, GT_PQ_FNK_MATH, 0},
	{"deg", GT_PQ_FN_DEG, GT_PQ_FNK_MATH, 0},
	{"delta", GT_PQ_FN_DELTA, GT_PQ_FNK_RANGE, 0},
	{"deriv", GT_PQ_FN_DERIV, GT_PQ_FNK_RANGE, 0},
	{"exp", GT_PQ_FN_EXP, GT_PQ_FNK_MATH, 0},
	{"floor", GT_PQ_FN_FLOOR, GT_PQ_FNK_MATH, 0},
	{"holt_winters", GT_PQ_FN_HOLT_WINTERS, GT_PQ_FNK_RANGE, 0},
	{"hour", GT_PQ_FN_HOUR, GT_PQ_FNK_MATH, 0},
	{"idelta", GT_PQ_FN_IDELTA, GT_PQ_FNK_RANGE, 0},
	{"increase", GT_PQ_FN_INCREASE, GT_PQ_FNK_RANGE, 1},
	{"irate", GT_PQ_FN_IRATE, GT_PQ_FNK_RANGE, 1},
	{"last_over_time", GT_PQ_FN_LAST_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"ln", GT_PQ_FN_LN, GT_PQ_FNK_MATH, 0},
	{"log10", GT_PQ_FN_LOG10, GT_PQ_FNK_MATH, 0},
	{"log2", GT_PQ_FN_LOG2, GT_PQ_FNK_MATH, 0},
	{"max_over_time", GT_PQ_FN_MAX_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"min_over_time", GT_PQ_FN_MIN_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"minute", GT_PQ_FN_MINUTE, GT_PQ_FNK_MATH, 0},
	{"month", GT_PQ_FN_MONTH, GT_PQ_FNK_MATH, 0},
	{"predict_linear", GT_PQ_FN_PREDICT_LINEAR, GT_PQ_FNK_RANGE, 0},
	{"present_over_time", GT_PQ_FN_PRESENT_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"quantile_over_time", GT_PQ_FN_QUANTILE_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"rad", GT_PQ_FN_RAD, GT_PQ_FNK_MATH, 0},
	{"rate", GT_PQ_FN_RATE, GT_PQ_FNK_RANGE, 1},
	{"resets", GT_PQ_FN_RESETS, GT_PQ_FNK_RANGE, 1},
	{"round", GT_PQ_FN_ROUND, GT_PQ_FNK_MATH, 0},
	{"sgn", GT_PQ_FN_SGN, GT_PQ_FNK_MATH, 0},
	{"sin", GT_PQ_FN_SIN, GT_PQ_FNK_MATH, 0},
	{"sinh", GT_PQ_FN_SINH, GT_PQ_FNK_MATH, 0},
	{"sqrt", GT_PQ_FN_SQRT, GT_PQ_FNK_MATH, 0},
	{"stddev_over_time", GT_PQ_FN_STDDEV_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"stdvar_over_time", GT_PQ_FN_STDVAR_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"sum_over_time", GT_PQ_FN_SUM_OVER_TIME, GT_PQ_FNK_RANGE, 0},
	{"tan", GT_PQ_FN_TAN, GT_PQ_FNK_MATH, 0},
	{"tanh", GT_PQ_FN_TANH, GT_PQ_FNK_MATH, 0},
	{"year", GT_PQ_FN_YEAR, GT_PQ_FNK_MATH, 0},
};

const struct gt_pq_fn_info *gt_pq_fn_lookup(const char *name)
{
	size_t lo = 0, hi = sizeof(fns) / sizeof(fns[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, fns[mid].name);
		if (c == 0)
			return &fns[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int gt_pq_fn_range(enum gt_pq_fn fn, const struct gt_pq_window *w, const double *args, size_t nargs,
		   double *out)
{
	return 1;
}

int gt_pq_fn_range_check(enum gt_pq_fn fn, const double *args, size_t nargs, struct gt_err *err)
{
	return 0;
}

int gt_pq_fn_math(enum gt_pq_fn fn, double x, const double *args, size_t nargs, double *out)
{
	*out = x;
	return 0;
}

double gt_pq_fn_quantile(double q, double *v, size_t n)
{
	return NAN;
}

double gt_pq_fn_histogram_quantile(double q, struct gt_pq_bucket *b, size_t n)
{
	return NAN;
}

struct gt_pq_relabel {
	int unused;
};

int gt_pq_relabel_replace_new(struct gt_pq_relabel **out, const char *dst, const char *replacement,
			      const char *src, const char *regex, struct gt_err *err)
{
	return gt_errf(err, GT_EUNSUPP, "label_replace() is not implemented yet");
}

int gt_pq_relabel_join_new(struct gt_pq_relabel **out, const char *dst, const char *sep,
			   const char *const *src, size_t nsrc, struct gt_err *err)
{
	return gt_errf(err, GT_EUNSUPP, "label_join() is not implemented yet");
}

int gt_pq_relabel_apply(const struct gt_pq_relabel *r, struct gt_pq_labels *ls, struct gt_err *err)
{
	return 0;
}

void gt_pq_relabel_free(struct gt_pq_relabel *r)
{
	free(r);
}
