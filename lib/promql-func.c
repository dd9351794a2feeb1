/*
 * promql-func.c - the signatures of Prometheus 2.42's PromQL functions,
 * which the parser checks calls against (promql.h).
 *
 * variadic follows Prometheus's Variadic field: 0 means exactly nargs
 * arguments; n > 0 means at least nargs-1 and at most nargs-1+n; -1 means
 * at least nargs-1, the last type repeating without bound.  Every 2.42
 * function with optional arguments has exactly one (variadic 1), so "the
 * last n are optional" reads the same.
 *
 * Beyond 2.42, GreptimeDB's PromQL has sort_by_label and
 * sort_by_label_desc (Prometheus 2.49's experimental functions, a vector
 * and the label names to order by); Prometheus 2.42 refuses them, so no
 * query it answers changes.  double_exponential_smoothing (Prometheus
 * 3's name for holt_winters) is GreptimeDB's alone (greptime = 1): the
 * parser takes it only when asked to read GreptimeDB's PromQL (TQL).
 *
 * The table is sorted by name for the binary search.
 */
#include "promql.h"

#define S GT_PQ_T_SCALAR
#define V GT_PQ_T_VECTOR
#define M GT_PQ_T_MATRIX
#define STR GT_PQ_T_STRING

static const struct gt_pq_func funcs[] = {
	{"abs", {V}, 1, 0, V, 0},
	{"absent", {V}, 1, 0, V, 0},
	{"absent_over_time", {M}, 1, 0, V, 0},
	{"acos", {V}, 1, 0, V, 0},
	{"acosh", {V}, 1, 0, V, 0},
	{"asin", {V}, 1, 0, V, 0},
	{"asinh", {V}, 1, 0, V, 0},
	{"atan", {V}, 1, 0, V, 0},
	{"atanh", {V}, 1, 0, V, 0},
	{"avg_over_time", {M}, 1, 0, V, 0},
	{"ceil", {V}, 1, 0, V, 0},
	{"changes", {M}, 1, 0, V, 0},
	{"clamp", {V, S, S}, 3, 0, V, 0},
	{"clamp_max", {V, S}, 2, 0, V, 0},
	{"clamp_min", {V, S}, 2, 0, V, 0},
	{"cos", {V}, 1, 0, V, 0},
	{"cosh", {V}, 1, 0, V, 0},
	{"count_over_time", {M}, 1, 0, V, 0},
	{"day_of_month", {V}, 1, 1, V, 0},
	{"day_of_week", {V}, 1, 1, V, 0},
	{"day_of_year", {V}, 1, 1, V, 0},
	{"days_in_month", {V}, 1, 1, V, 0},
	{"deg", {V}, 1, 0, V, 0},
	{"delta", {M}, 1, 0, V, 0},
	{"deriv", {M}, 1, 0, V, 0},
	{"double_exponential_smoothing", {M, S, S}, 3, 0, V, 1},
	{"exp", {V}, 1, 0, V, 0},
	{"floor", {V}, 1, 0, V, 0},
	{"histogram_count", {V}, 1, 0, V, 0},
	{"histogram_fraction", {S, S, V}, 3, 0, V, 0},
	{"histogram_quantile", {S, V}, 2, 0, V, 0},
	{"histogram_sum", {V}, 1, 0, V, 0},
	{"holt_winters", {M, S, S}, 3, 0, V, 0},
	{"hour", {V}, 1, 1, V, 0},
	{"idelta", {M}, 1, 0, V, 0},
	{"increase", {M}, 1, 0, V, 0},
	{"irate", {M}, 1, 0, V, 0},
	{"label_join", {V, STR, STR, STR}, 4, -1, V, 0},
	{"label_replace", {V, STR, STR, STR, STR}, 5, 0, V, 0},
	{"last_over_time", {M}, 1, 0, V, 0},
	{"ln", {V}, 1, 0, V, 0},
	{"log10", {V}, 1, 0, V, 0},
	{"log2", {V}, 1, 0, V, 0},
	{"max_over_time", {M}, 1, 0, V, 0},
	{"min_over_time", {M}, 1, 0, V, 0},
	{"minute", {V}, 1, 1, V, 0},
	{"month", {V}, 1, 1, V, 0},
	{"pi", {0}, 0, 0, S, 0},
	{"predict_linear", {M, S}, 2, 0, V, 0},
	{"present_over_time", {M}, 1, 0, V, 0},
	{"quantile_over_time", {S, M}, 2, 0, V, 0},
	{"rad", {V}, 1, 0, V, 0},
	{"rate", {M}, 1, 0, V, 0},
	{"resets", {M}, 1, 0, V, 0},
	{"round", {V, S}, 2, 1, V, 0},
	{"scalar", {V}, 1, 0, S, 0},
	{"sgn", {V}, 1, 0, V, 0},
	{"sin", {V}, 1, 0, V, 0},
	{"sinh", {V}, 1, 0, V, 0},
	{"sort", {V}, 1, 0, V, 0},
	{"sort_by_label", {V, STR}, 2, -1, V, 0},
	{"sort_by_label_desc", {V, STR}, 2, -1, V, 0},
	{"sort_desc", {V}, 1, 0, V, 0},
	{"sqrt", {V}, 1, 0, V, 0},
	{"stddev_over_time", {M}, 1, 0, V, 0},
	{"stdvar_over_time", {M}, 1, 0, V, 0},
	{"sum_over_time", {M}, 1, 0, V, 0},
	{"tan", {V}, 1, 0, V, 0},
	{"tanh", {V}, 1, 0, V, 0},
	{"time", {0}, 0, 0, S, 0},
	{"timestamp", {V}, 1, 0, V, 0},
	{"vector", {S}, 1, 0, V, 0},
	{"year", {V}, 1, 1, V, 0},
};

const struct gt_pq_func *gt_pq_func_lookup(const char *name)
{
	size_t lo = 0, hi = GT_ARRAY_LEN(funcs);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, funcs[mid].name);
		if (c == 0)
			return &funcs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
