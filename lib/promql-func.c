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
 * query it answers changes.
 *
 * The table is sorted by name for the binary search.
 */
#include "promql.h"

#define S GT_PQ_T_SCALAR
#define V GT_PQ_T_VECTOR
#define M GT_PQ_T_MATRIX
#define STR GT_PQ_T_STRING

static const struct gt_pq_func funcs[] = {
	{"abs", {V}, 1, 0, V},
	{"absent", {V}, 1, 0, V},
	{"absent_over_time", {M}, 1, 0, V},
	{"acos", {V}, 1, 0, V},
	{"acosh", {V}, 1, 0, V},
	{"asin", {V}, 1, 0, V},
	{"asinh", {V}, 1, 0, V},
	{"atan", {V}, 1, 0, V},
	{"atanh", {V}, 1, 0, V},
	{"avg_over_time", {M}, 1, 0, V},
	{"ceil", {V}, 1, 0, V},
	{"changes", {M}, 1, 0, V},
	{"clamp", {V, S, S}, 3, 0, V},
	{"clamp_max", {V, S}, 2, 0, V},
	{"clamp_min", {V, S}, 2, 0, V},
	{"cos", {V}, 1, 0, V},
	{"cosh", {V}, 1, 0, V},
	{"count_over_time", {M}, 1, 0, V},
	{"day_of_month", {V}, 1, 1, V},
	{"day_of_week", {V}, 1, 1, V},
	{"day_of_year", {V}, 1, 1, V},
	{"days_in_month", {V}, 1, 1, V},
	{"deg", {V}, 1, 0, V},
	{"delta", {M}, 1, 0, V},
	{"deriv", {M}, 1, 0, V},
	{"exp", {V}, 1, 0, V},
	{"floor", {V}, 1, 0, V},
	{"histogram_count", {V}, 1, 0, V},
	{"histogram_fraction", {S, S, V}, 3, 0, V},
	{"histogram_quantile", {S, V}, 2, 0, V},
	{"histogram_sum", {V}, 1, 0, V},
	{"holt_winters", {M, S, S}, 3, 0, V},
	{"hour", {V}, 1, 1, V},
	{"idelta", {M}, 1, 0, V},
	{"increase", {M}, 1, 0, V},
	{"irate", {M}, 1, 0, V},
	{"label_join", {V, STR, STR, STR}, 4, -1, V},
	{"label_replace", {V, STR, STR, STR, STR}, 5, 0, V},
	{"last_over_time", {M}, 1, 0, V},
	{"ln", {V}, 1, 0, V},
	{"log10", {V}, 1, 0, V},
	{"log2", {V}, 1, 0, V},
	{"max_over_time", {M}, 1, 0, V},
	{"min_over_time", {M}, 1, 0, V},
	{"minute", {V}, 1, 1, V},
	{"month", {V}, 1, 1, V},
	{"pi", {0}, 0, 0, S},
	{"predict_linear", {M, S}, 2, 0, V},
	{"present_over_time", {M}, 1, 0, V},
	{"quantile_over_time", {S, M}, 2, 0, V},
	{"rad", {V}, 1, 0, V},
	{"rate", {M}, 1, 0, V},
	{"resets", {M}, 1, 0, V},
	{"round", {V, S}, 2, 1, V},
	{"scalar", {V}, 1, 0, S},
	{"sgn", {V}, 1, 0, V},
	{"sin", {V}, 1, 0, V},
	{"sinh", {V}, 1, 0, V},
	{"sort", {V}, 1, 0, V},
	{"sort_by_label", {V, STR}, 2, -1, V},
	{"sort_by_label_desc", {V, STR}, 2, -1, V},
	{"sort_desc", {V}, 1, 0, V},
	{"sqrt", {V}, 1, 0, V},
	{"stddev_over_time", {M}, 1, 0, V},
	{"stdvar_over_time", {M}, 1, 0, V},
	{"sum_over_time", {M}, 1, 0, V},
	{"tan", {V}, 1, 0, V},
	{"tanh", {V}, 1, 0, V},
	{"time", {0}, 0, 0, S},
	{"timestamp", {V}, 1, 0, V},
	{"vector", {S}, 1, 0, V},
	{"year", {V}, 1, 1, V},
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
