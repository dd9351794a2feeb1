/*
 * test-promql-fn.c - PromQL's kernels against known answers: cases from
 * Prometheus's own promql/testdata (functions.test, histograms.test,
 * aggregators.test; named as "testdata:"), reasoned out to one window
 * per case, and answers of a real Prometheus 2.42 on small data
 * (named "2.42:"; the data is in each case's comment).  Windows hold the
 * samples with t in [T - range, T], both ends included, as 2.42 selects.
 */
#include "promql-fn.h"
#include "tap.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A series as testdata's "load" writes it: samples every step_s from 0. */
struct ser {
	int64_t t[64];
	double v[64];
	size_t n;
};

static void load(struct ser *s, int64_t step_s, const double *v, size_t n)
{
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		s->t[i] = (int64_t)i * step_s * 1000;
		s->v[i] = v[i];
	}
}

/* testdata's "a+bxN": a, a+b, ..., a+N*b */
static size_t series(double *v, double a, double b, int times)
{
	for (int i = 0; i <= times; i++)
		v[i] = a + b * i;
	return (size_t)times + 1;
}

/* fn(s[range_s]) at T = at_s: 0 with *out, or 1 (no value) */
static int eval(const char *fn, const struct ser *s, int64_t range_s, int64_t at_s, const double *args, size_t nargs,
		double *out)
{
	const struct gt_pq_fn_info *fi = gt_pq_fn_lookup(fn);
	if (!fi || fi->kind != GT_PQ_FNK_RANGE)
		return -1;
	int64_t end = at_s * 1000, start = end - range_s * 1000;
	size_t a = 0, b;
	while (a < s->n && s->t[a] < start)
		a++;
	for (b = a; b < s->n && s->t[b] <= end; b++)
		;
	struct gt_pq_window w = {s->t + a, s->v + a, b - a, start, end, end};
	return gt_pq_fn_range(fi->id, &w, args, nargs, out);
}

static int near(double got, double want)
{
	if (isnan(want))
		return isnan(got);
	if (isinf(want))
		return got == want;
	return got == want || fabs(got - want) <= 1e-9 * fmax(fabs(got), fabs(want));
}

static void range_is(const char *fn, const struct ser *s, int64_t range_s, int64_t at_s, const double *args,
		     size_t nargs, double want, const char *what)
{
	double got = NAN;
	int rc = eval(fn, s, range_s, at_s, args, nargs, &got);
	ok(rc == 0 && near(got, want), "%s: %s[%llds] at %llds = %.17g (got rc %d, %.17g)", what, fn,
	   (long long)range_s, (long long)at_s, want, rc, got);
}

static void range_none(const char *fn, const struct ser *s, int64_t range_s, int64_t at_s, const double *args,
		       size_t nargs, const char *what)
{
	double got;
	ok(eval(fn, s, range_s, at_s, args, nargs, &got) == 1, "%s: %s[%llds] at %llds has no value", what, fn,
	   (long long)range_s, (long long)at_s);
}

static double math1(const char *fn, double x, const double *args, size_t nargs)
{
	const struct gt_pq_fn_info *fi = gt_pq_fn_lookup(fn);
	double out = -12345;
	if (!fi || fi->kind != GT_PQ_FNK_MATH || gt_pq_fn_math(fi->id, x, args, nargs, &out) != 0)
		return -12345;
	return out;
}

static void math_is(const char *fn, double x, const double *args, size_t nargs, double want, const char *what)
{
	double got = math1(fn, x, args, nargs);
	ok(near(got, want) && (want != 0 || signbit(got) == signbit(want)), "%s: %s(%.17g) = %.17g (got %.17g)", what,
	   fn, x, want, got);
}

static void test_lookup(void)
{
	const char *range[] = {"rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "resets",
			       "changes", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
			       "count_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time",
			       "last_over_time", "present_over_time", "holt_winters"};
	const char *math[] = {"abs", "ceil", "floor", "round", "exp", "ln", "log2", "log10", "sqrt", "sgn", "clamp",
			      "clamp_min", "clamp_max", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
			      "tanh", "asinh", "acosh", "atanh", "deg", "rad", "day_of_month", "day_of_week",
			      "day_of_year", "days_in_month", "hour", "minute", "month", "year"};
	int good = 1;
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		const struct gt_pq_fn_info *fi = gt_pq_fn_lookup(range[i]);
		good &= fi && fi->kind == GT_PQ_FNK_RANGE && strcmp(fi->name, range[i]) == 0;
	}
	ok(good, "every range function is found, as a range kernel");
	good = 1;
	for (size_t i = 0; i < sizeof(math) / sizeof(math[0]); i++) {
		const struct gt_pq_fn_info *fi = gt_pq_fn_lookup(math[i]);
		good &= fi && fi->kind == GT_PQ_FNK_MATH && strcmp(fi->name, math[i]) == 0;
	}
	ok(good, "every per-sample function is found, as a math kernel");
	ok(!gt_pq_fn_lookup("sort") && !gt_pq_fn_lookup("absent_over_time") && !gt_pq_fn_lookup("label_replace") &&
		   !gt_pq_fn_lookup("histogram_quantile") && !gt_pq_fn_lookup("time") && !gt_pq_fn_lookup("") &&
		   !gt_pq_fn_lookup("Rate"),
	   "the evaluator's own functions and unknown names are not kernels");
	ok(gt_pq_fn_lookup("rate")->counter && gt_pq_fn_lookup("increase")->counter &&
		   !gt_pq_fn_lookup("delta")->counter,
	   "rate and increase are counter functions, delta is not");
}

static void test_rate(void)
{
	struct ser foo, bar, c;
	double v[64];
	size_t n;

	/* testdata: http_requests{path="/foo"} 0+10x10, {path="/bar"} 0+10x5 0+10x5, load 5m */
	n = series(v, 0, 10, 10);
	load(&foo, 300, v, n);
	n = series(v, 0, 10, 5);
	n += series(v + n, 0, 10, 5);
	load(&bar, 300, v, n);
	range_is("increase", &foo, 3000, 3000, NULL, 0, 100, "testdata");
	range_is("increase", &bar, 3000, 3000, NULL, 0, 90, "testdata (a counter reset)");
	range_is("increase", &foo, 6000, 3000, NULL, 0, 100, "testdata (window before the first sample)");
	range_is("increase", &bar, 6000, 3000, NULL, 0, 90, "testdata (window before the first sample)");

	/* testdata: http_requests{group="canary",instance="1"} 0+80x10, load 5m */
	n = series(v, 0, 80, 10);
	load(&foo, 300, v, n);
	range_is("rate", &foo, 3000, 3000, NULL, 0, 0.26666666666666666, "testdata");
	range_is("deriv", &foo, 3000, 3000, NULL, 0, 0.26666666666666666, "testdata (deriv = rate when linear)");

	/* 2.42: c_total 5 10 2 8 20 at 0 15 30 45 60 s */
	double cv[] = {5, 10, 2, 8, 20};
	load(&c, 15, cv, 5);
	range_is("rate", &c, 60, 60, NULL, 0, 0.4166666666666667, "2.42");
	range_is("increase", &c, 50, 60, NULL, 0, 22.22222222222222, "2.42 (extrapolated 5 s to the start)");
	range_is("rate", &c, 120, 100, NULL, 0, 0.2760416666666667, "2.42 (half an interval each side)");
	range_is("irate", &c, 60, 60, NULL, 0, 0.8, "2.42");
	range_is("irate", &c, 60, 40, NULL, 0, 2.0 / 15, "2.42 (a reset: the last value over the interval)");
	range_none("rate", &c, 10, 60, NULL, 0, "one sample");
	range_none("irate", &c, 10, 60, NULL, 0, "one sample");
	range_is("resets", &c, 60, 60, NULL, 0, 1, "2.42");

	/* testdata: http_requests{path="/foo"} 1 2 3 0 1 0 0 1 2 0; {path="/bar"} 1 2 3 4 5 1 2 3 4 5;
	 * {path="/biz"} 0 0 0 0 0 1 1 1 1 1, load 5m, at 50m */
	double fv[] = {1, 2, 3, 0, 1, 0, 0, 1, 2, 0}, bv[] = {1, 2, 3, 4, 5, 1, 2, 3, 4, 5},
	       zv[] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
	struct ser biz;
	load(&foo, 300, fv, 10);
	load(&bar, 300, bv, 10);
	load(&biz, 300, zv, 10);
	range_is("resets", &foo, 1200, 3000, NULL, 0, 1, "testdata");
	range_is("resets", &bar, 1200, 3000, NULL, 0, 0, "testdata");
	range_is("resets", &foo, 1800, 3000, NULL, 0, 2, "testdata");
	range_is("resets", &bar, 1800, 3000, NULL, 0, 1, "testdata");
	range_is("resets", &foo, 3000, 3000, NULL, 0, 3, "testdata");
	range_is("changes", &foo, 1200, 3000, NULL, 0, 3, "testdata");
	range_is("changes", &bar, 1200, 3000, NULL, 0, 3, "testdata");
	range_is("changes", &biz, 1200, 3000, NULL, 0, 0, "testdata");
	range_is("changes", &foo, 1800, 3000, NULL, 0, 4, "testdata");
	range_is("changes", &bar, 1800, 3000, NULL, 0, 5, "testdata");
	range_is("changes", &biz, 1800, 3000, NULL, 0, 1, "testdata");

	/* 2.42: g 3 1 -4 2.5 2.5 at 100 117 130 200 213 s, T = 220 */
	struct ser g = {{100000, 117000, 130000, 200000, 213000}, {3, 1, -4, 2.5, 2.5}, 5};
	double a[2];
	range_is("delta", &g, 120, 220, NULL, 0, -0.5309734513274337, "2.42");
	range_is("delta", &g, 100, 150, NULL, 0, -10.5, "2.42");
	range_is("idelta", &g, 120, 220, NULL, 0, 0, "2.42");
	range_is("deriv", &g, 120, 220, NULL, 0, 0.016238743054224947, "2.42");
	a[0] = 60;
	range_is("predict_linear", &g, 120, 220, a, 1, 3.0785591109407933, "2.42");
	a[0] = 0.3, a[1] = 0.6;
	range_is("holt_winters", &g, 120, 220, a, 2, -1.8041599999999995, "2.42");
	a[0] = 0.3;
	range_is("quantile_over_time", &g, 120, 220, a, 1, 1.2999999999999998, "2.42");
	range_is("changes", &g, 120, 220, NULL, 0, 3, "2.42");
	range_is("resets", &g, 120, 220, NULL, 0, 2, "2.42");
	range_is("min_over_time", &g, 120, 220, NULL, 0, -4, "2.42");
	range_is("max_over_time", &g, 120, 220, NULL, 0, 3, "2.42 (the sample at T - range is in)");
	range_is("count_over_time", &g, 120, 220, NULL, 0, 5, "2.42");
	range_is("last_over_time", &g, 120, 220, NULL, 0, 2.5, "2.42");
	range_is("present_over_time", &g, 120, 220, NULL, 0, 1, "2.42");
	range_none("present_over_time", &g, 5, 220, NULL, 0, "an empty window");
}

static void test_predict(void)
{
	struct ser s;
	double v[64];
	size_t n = series(v, 0, 10, 4);
	n += series(v + n, 0, 10, 5);
	/* testdata: testcounter_reset_middle 0+10x4 0+10x5, load 5m */
	load(&s, 300, v, n);
	double a[] = {3600};
	range_is("predict_linear", &s, 3000, 3000, a, 1, 76.81818181818181, "testdata");

	/* testdata: http_requests 0+10x1000 100+30x1000, load 10s: holt_winters at 8000s */
	n = series(v, 7940, 10, 6);
	struct ser h;
	for (size_t i = 0; i < n; i++) {
		h.t[i] = 7940000 + (int64_t)i * 10000;
		h.v[i] = v[i];
	}
	h.n = n;
	double hw[] = {0.01, 0.1};
	range_is("holt_winters", &h, 60, 8000, hw, 2, 8000, "testdata");

	/* constant series: slope 0, and NaN for an infinite one (2.42's linearRegression) */
	struct ser c = {{0, 10000, 20000}, {5, 5, 5}, 3};
	range_is("deriv", &c, 60, 20, NULL, 0, 0, "constant");
	a[0] = 100;
	range_is("predict_linear", &c, 60, 20, a, 1, 5, "constant");
	struct ser inf = {{0, 10000}, {INFINITY, INFINITY}, 2};
	range_is("deriv", &inf, 60, 20, NULL, 0, NAN, "constant infinity");

	struct gt_err err = {0};
	double bad[] = {1, 0.6};
	const struct gt_pq_fn_info *fi = gt_pq_fn_lookup("holt_winters");
	ok(gt_pq_fn_range_check(fi->id, bad, 2, &err) == GT_EINVAL &&
		   strcmp(err.msg, "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000") == 0,
	   "2.42: holt_winters sf 1 is an error worded as Prometheus does (%s)", err.msg);
	bad[0] = 0.5, bad[1] = 0;
	ok(gt_pq_fn_range_check(fi->id, bad, 2, &err) == GT_EINVAL &&
		   strcmp(err.msg, "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000") == 0,
	   "2.42: holt_winters tf 0 is an error (%s)", err.msg);
	bad[1] = NAN;
	ok(gt_pq_fn_range_check(fi->id, bad, 2, &err) == 0, "a NaN factor passes Prometheus's check");
	ok(gt_pq_fn_range_check(gt_pq_fn_lookup("rate")->id, bad, 0, &err) == 0, "rate has no argument to check");
}

static void test_over_time(void)
{
	struct ser s;
	/* testdata: metric 0 8 8 2 3, load 10s, at 1m */
	double v1[] = {0, 8, 8, 2, 3};
	load(&s, 10, v1, 5);
	range_is("stdvar_over_time", &s, 60, 60, NULL, 0, 10.56, "testdata");
	range_is("stddev_over_time", &s, 60, 60, NULL, 0, 3.2496153618543842, "testdata");
	range_is("avg_over_time", &s, 60, 60, NULL, 0, 4.2, "testdata");
	/* testdata: metric 1.5990505637277868 x3: exactly 0 (Kahan-compensated) */
	double v2[] = {1.5990505637277868, 1.5990505637277868, 1.5990505637277868};
	load(&s, 10, v2, 3);
	double got = -1;
	ok(eval("stdvar_over_time", &s, 60, 60, NULL, 0, &got) == 0 && got == 0,
	   "testdata: stdvar_over_time of a constant is exactly 0 (got %.17g)", got);
	/* testdata: metric8 9.988465674311579e+307 x2: no overflow */
	double v3[] = {9.988465674311579e+307, 9.988465674311579e+307};
	load(&s, 10, v3, 2);
	range_is("avg_over_time", &s, 60, 60, NULL, 0, 9.988465674311579e+307, "testdata (no overflow)");
	double v4[] = {1, INFINITY, 3};
	load(&s, 10, v4, 3);
	range_is("avg_over_time", &s, 60, 60, NULL, 0, INFINITY, "an infinity stays");

	/* 2.42: k 1 1e100 1 -1e100 at 0 10 20 30 s, [1m] at 30 s */
	double k[] = {1, 1e100, 1, -1e100};
	load(&s, 10, k, 4);
	range_is("sum_over_time", &s, 60, 30, NULL, 0, 2, "2.42 (Kahan)");
	got = 0;
	ok(eval("avg_over_time", &s, 60, 30, NULL, 0, &got) == 0 && got == -2.4283361152821613e+83,
	   "2.42: avg_over_time's incremental mean, bit for bit (got %.17g)", got);
	range_is("stddev_over_time", &s, 60, 30, NULL, 0, 7.071067811865476e+99, "2.42");
	range_is("stdvar_over_time", &s, 60, 30, NULL, 0, 5.000000000000001e+199, "2.42");
	range_is("deriv", &s, 60, 30, NULL, 0, -4e+98, "2.42");

	/* min/max: NaN only when every value is NaN */
	double nv[] = {NAN, 3, NAN, 1};
	load(&s, 10, nv, 4);
	range_is("min_over_time", &s, 60, 30, NULL, 0, 1, "NaN skipped");
	range_is("max_over_time", &s, 60, 30, NULL, 0, 3, "NaN skipped");
	range_is("changes", &s, 60, 30, NULL, 0, 3, "NaN to a number is a change");
	double q[] = {0.5};
	range_is("quantile_over_time", &s, 60, 30, q, 1, NAN, "NaNs sort first");
	q[0] = 1;
	range_is("quantile_over_time", &s, 60, 30, q, 1, 3, "q 1 is the max");
	q[0] = -1;
	range_is("quantile_over_time", &s, 60, 30, q, 1, -INFINITY, "q < 0");
}

static void test_math(void)
{
	double a[2];
	math_is("abs", -2.5, NULL, 0, 2.5, "abs");
	math_is("ceil", 1.2, NULL, 0, 2, "ceil");
	math_is("floor", -1.2, NULL, 0, -2, "floor");
	math_is("round", 2.5, NULL, 0, 3, "ties round up");
	math_is("round", -2.5, NULL, 0, -2, "ties round up");
	a[0] = 0.1;
	math_is("round", 1.23456, a, 1, 1.2000000000000002, "to_nearest 0.1 (floor(x*10+0.5)/10)");
	a[0] = 5;
	math_is("round", 12.5, a, 1, 15, "to_nearest 5");
	math_is("sgn", -3, NULL, 0, -1, "sgn");
	math_is("sgn", 0, NULL, 0, 0, "sgn");
	math_is("sgn", NAN, NULL, 0, NAN, "sgn NaN");
	math_is("sqrt", 16, NULL, 0, 4, "sqrt");
	math_is("ln", M_E, NULL, 0, 1, "ln");
	math_is("log2", 8, NULL, 0, 3, "log2");
	math_is("log10", 1000, NULL, 0, 3, "log10");
	math_is("exp", 0, NULL, 0, 1, "exp");
	math_is("deg", M_PI, NULL, 0, 180, "deg");
	math_is("rad", 180, NULL, 0, M_PI, "rad");
	math_is("sin", 0, NULL, 0, 0, "sin");

	/* testdata: test_clamp -50 0 100: clamp(-25, 75) */
	a[0] = -25, a[1] = 75;
	math_is("clamp", -50, a, 2, -25, "testdata");
	math_is("clamp", 0, a, 2, 0, "testdata");
	math_is("clamp", 100, a, 2, 75, "testdata");
	math_is("clamp", NAN, a, 2, NAN, "NaN stays NaN");
	a[0] = -INFINITY, a[1] = INFINITY;
	math_is("clamp", NAN, a, 2, NAN, "2.42: clamp(NaN, -Inf, +Inf)");
	a[0] = INFINITY;
	math_is("clamp_min", NAN, a, 1, INFINITY, "2.42: Go's math.Max, +Inf beats NaN");
	a[0] = 5, a[1] = -5;
	double out;
	ok(gt_pq_fn_math(gt_pq_fn_lookup("clamp")->id, 1, a, 2, &out) == 1, "testdata: clamp with min > max drops the sample");
	a[0] = 10;
	math_is("clamp_min", 3, a, 1, 10, "clamp_min");
	math_is("clamp_max", 3, a, 1, 3, "clamp_max");
	a[0] = -INFINITY;
	math_is("clamp_max", NAN, a, 1, -INFINITY, "Go's math.Min: -Inf beats NaN");
}

static void test_dates(void)
{
	/* testdata (functions.test) */
	math_is("year", 0, NULL, 0, 1970, "testdata");
	math_is("year", 1136239445, NULL, 0, 2006, "testdata");
	math_is("month", 1136239445, NULL, 0, 1, "testdata");
	math_is("day_of_month", 1136239445, NULL, 0, 2, "testdata");
	math_is("day_of_year", 1136239445, NULL, 0, 2, "testdata");
	math_is("day_of_week", 0, NULL, 0, 4, "testdata (a Thursday)");
	math_is("day_of_week", 1136239445, NULL, 0, 1, "testdata");
	math_is("hour", 1136239445, NULL, 0, 22, "testdata");
	math_is("minute", 1136239445, NULL, 0, 4, "testdata");
	math_is("year", 1230767999, NULL, 0, 2008, "testdata (before a leap second)");
	math_is("year", 1230768000, NULL, 0, 2009, "testdata (after a leap second)");
	math_is("month", 1456790399, NULL, 0, 2, "testdata (29 February 2016)");
	math_is("day_of_month", 1456790399, NULL, 0, 29, "testdata (29 February 2016)");
	math_is("day_of_year", 1456790399, NULL, 0, 60, "29 February 2016");
	math_is("month", 1456790400, NULL, 0, 3, "testdata (1 March 2016)");
	math_is("day_of_month", 1456790400, NULL, 0, 1, "testdata (1 March 2016)");
	math_is("days_in_month", 1454284800, NULL, 0, 29, "testdata (February 2016)");
	math_is("days_in_month", 1485907200, NULL, 0, 28, "testdata (February 2017)");
	math_is("days_in_month", 1456790400, NULL, 0, 31, "March");
	/* 2.42: before the epoch, fractions truncated, and Go's calendar for NaN */
	math_is("month", -1, NULL, 0, 12, "2.42");
	math_is("year", -1, NULL, 0, 1969, "2.42");
	math_is("hour", -0.5, NULL, 0, 0, "2.42 (truncated toward zero)");
	math_is("day_of_year", 86400 * 40, NULL, 0, 41, "2.42");
	math_is("year", NAN, NULL, 0, 292277026596.0, "2.42 (NaN is int64's minimum in Go)");
	math_is("year", 1e20, NULL, 0, 292277026596.0, "2.42 (out of int64's range)");
}

static void test_quantile(void)
{
	/* testdata (aggregators.test): quantile without(point) (0.8, data) */
	double two[] = {1, 0}, three[] = {2, 0, 1}, uneven[] = {4, 1, 0};
	ok(near(gt_pq_fn_quantile(0.8, two, 2), 0.8), "testdata: two samples");
	ok(near(gt_pq_fn_quantile(0.8, three, 3), 1.6), "testdata: three samples");
	ok(near(gt_pq_fn_quantile(0.8, uneven, 3), 2.8), "testdata: uneven samples");
	ok(gt_pq_fn_quantile(-0.1, uneven, 3) == -INFINITY && gt_pq_fn_quantile(1.1, uneven, 3) == INFINITY &&
		   isnan(gt_pq_fn_quantile(NAN, uneven, 3)) && isnan(gt_pq_fn_quantile(0.5, uneven, 0)),
	   "q < 0, q > 1, NaN q and no values");
}

static double hq(double q, const double *le, const double *cnt, size_t n)
{
	struct gt_pq_bucket b[16];
	for (size_t i = 0; i < n; i++) {
		b[i].upper = le[i];
		b[i].count = cnt[i];
	}
	return gt_pq_fn_histogram_quantile(q, b, n, 0);
}

static void test_histogram_quantile(void)
{
	/* testdata (histograms.test) at 50m; given out of order on purpose */
	double pl[] = {1, INFINITY, 0.1, 0.2}, pc[] = {110, 120, 50, 70};
	double nl[] = {-0.2, -0.1, 0.3, INFINITY}, nc[] = {10, 20, 20, 30};
	ok(hq(-0.1, pl, pc, 4) == -INFINITY && hq(1.01, pl, pc, 4) == INFINITY && isnan(hq(NAN, pl, pc, 4)),
	   "testdata: q < 0, q > 1, NaN q");
	ok(near(hq(0, pl, pc, 4), 0), "testdata: q 0 in a positive lowest bucket");
	ok(near(hq(0, nl, nc, 4), -0.2), "testdata: q 0 in a negative lowest bucket");
	ok(near(hq(1, pl, pc, 4), 1) && near(hq(1, nl, nc, 4), 0.3), "testdata: q 1 is the highest finite bound");
	ok(near(hq(0.2, pl, pc, 4), 0.048) && near(hq(0.2, nl, nc, 4), -0.2), "testdata: 0.2");
	ok(near(hq(0.5, pl, pc, 4), 0.15) && near(hq(0.5, nl, nc, 4), -0.15), "testdata: 0.5");
	ok(near(hq(0.8, pl, pc, 4), 0.72) && near(hq(0.8, nl, nc, 4), 0.3), "testdata: 0.8");
	/* testdata: nonmonotonic_bucket 20 10 50 40 90 80 */
	double ml[] = {0.1, 1, 10, 100, 1000, INFINITY}, mc[] = {20, 10, 50, 40, 90, 80};
	ok(near(hq(0.99, ml, mc, 6), 979.75), "testdata: non-monotonic buckets are made monotonic");
	double xl[] = {0.1, 1}, xc[] = {1, 2};
	ok(isnan(hq(0.5, xl, xc, 2)), "no +Inf bucket: NaN");
	double il[] = {INFINITY}, ic[] = {5};
	ok(isnan(hq(0.5, il, ic, 1)), "only the +Inf bucket: NaN");
	double zl[] = {1, INFINITY}, zc[] = {0, 0};
	ok(isnan(hq(0.5, zl, zc, 2)), "no observations: NaN");
	double dl[] = {1, 1, 2, INFINITY}, dc[] = {2, 2, 6, 8};
	ok(near(hq(0.5, dl, dc, 4), 1), "equal bounds (le=\"1\" and le=\"1.0\") are merged");
}

static struct gt_pq_labels mk(const char *const *kv, size_t n)
{
	struct gt_pq_labels ls = {calloc(n ? n : 1, sizeof(struct gt_pq_label)), n};
	for (size_t i = 0; i < n; i++) {
		ls.l[i].name = strdup(kv[2 * i]);
		ls.l[i].value = strdup(kv[2 * i + 1]);
	}
	return ls;
}

static void drop(struct gt_pq_labels *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		free(ls->l[i].name);
		free(ls->l[i].value);
	}
	free(ls->l);
}

static char *show(const struct gt_pq_labels *ls, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < ls->n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s=%s", i ? "," : "", ls->l[i].name, ls->l[i].value);
	return buf;
}

static void replace_is(const char *const *kv, size_t n, const char *dst, const char *repl, const char *src,
		       const char *re, const char *want)
{
	struct gt_pq_relabel *r;
	struct gt_err err = {0};
	struct gt_pq_labels ls = mk(kv, n);
	char buf[256] = "(error)";
	if (gt_pq_relabel_replace_new(&r, dst, repl, src, re, 0, &err) == 0) {
		if (gt_pq_relabel_apply(r, &ls, &err) == 0)
			show(&ls, buf, sizeof(buf));
		gt_pq_relabel_free(r);
	}
	ok(strcmp(buf, want) == 0, "label_replace(%s, %s, %s, %s) -> %s (got %s %s)", dst, repl, src, re, want, buf,
	   err.msg);
	drop(&ls);
}

static void diag_re(const char *what, const char *re)
{
	printf("# wrongly %s: %s\n", what, re);
}

static void test_labels(void)
{
	/* testdata: testmetric{src="source-value-10",dst="original-destination-value"} */
	const char *m[] = {"__name__", "testmetric", "dst", "original-destination-value", "src", "source-value-10"};
	replace_is(m, 3, "dst", "destination-value-$1", "src", "source-value-(.*)",
		   "__name__=testmetric,dst=destination-value-10,src=source-value-10");
	replace_is(m, 3, "dst", "destination-value-$1", "src", "value-(.*)",
		   "__name__=testmetric,dst=original-destination-value,src=source-value-10"); /* anchored */
	replace_is(m, 3, "dst", "destination-value-$1", "src", ".*value-(.*)",
		   "__name__=testmetric,dst=destination-value-10,src=source-value-10");
	replace_is(m, 3, "dst", "", "src", "source-value-(.*)", "__name__=testmetric,src=source-value-10");
	replace_is(m, 3, "dst", "value-$1", "nonexistent-src", "source-value-(.*)",
		   "__name__=testmetric,dst=original-destination-value,src=source-value-10");
	replace_is(m, 3, "dst", "value-$1", "nonexistent-src", "(.*)", "__name__=testmetric,dst=value-,src=source-value-10");
	replace_is(m, 3, "new", "$1-${2}x$1x$$a$", "src", "(.*)",
		   "__name__=testmetric,dst=original-destination-value,new=source-value-10-x$a$,src=source-value-10");
	replace_is(m, 3, "aa", "${name}", "src", "source-(?P<name>v.*)",
		   "__name__=testmetric,aa=value-10,dst=original-destination-value,src=source-value-10");
	const char *nl[] = {"src", "ab\n"};
	replace_is(nl, 1, "dst", "x", "src", "ab", "src=ab\n"); /* Go's $ is the end of the text only */

	struct gt_pq_relabel *r;
	struct gt_err err = {0};
	ok(gt_pq_relabel_replace_new(&r, "x", "a", "src", "(", 0, &err) == GT_EINVAL &&
		   strcmp(err.msg, "invalid regular expression in label_replace(): (") == 0,
	   "2.42: a bad regex (%s)", err.msg);
	ok(gt_pq_relabel_replace_new(&r, "1x", "a", "src", ".*", 0, &err) == GT_EINVAL &&
		   strcmp(err.msg, "invalid destination label name in label_replace(): 1x") == 0,
	   "2.42: a bad destination (%s)", err.msg);

	/* 2.42 (Go 1.19's RE2) refuses these; PCRE2 alone would take them */
	const char *refused[] = {"(a)\\1", "(?=a)", "(?<=a)b", "a*+", "(?>a)", "(?<n>a)", "a\\Z", "a**", "(?#x)",
				 "(?|a)", "a\\h", "a{2}+", "x{1001}", "(?P=n)", "(?R)", "a\\K"};
	const char *taken[] = {"(?P<n>a)", "[*+]", "a??", "[\\d]+", "(?i)A", "\\pL", "\\Qa+\\E", "\\12", "(?is-m:a)",
			       "a*?", "[[:alpha:]]+", "[]a]*", "x{1000}", "a{2}b,3000"};
	int all = 1;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!gt_pq_re2_unsupported(refused[i]) && (all = 0, 1))
			diag_re("taken", refused[i]);
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (gt_pq_re2_unsupported(taken[i]) && (all = 0, 1))
			diag_re("refused", taken[i]);
	ok(all, "2.42: what Go's RE2 refuses and takes, as a real Prometheus answered");
	ok(gt_pq_relabel_replace_new(&r, "x", "a", "src", "(a)\\1", 0, &err) == GT_EINVAL &&
		   strcmp(err.msg, "invalid regular expression in label_replace(): (a)\\1") == 0,
	   "2.42: a backreference is an invalid regex (%s)", err.msg);

	const char *srcs[] = {"src", "src1", "src2"};
	const char *j[] = {"__name__", "testmetric", "dst", "original-destination-value", "src", "source-value-10",
			   "src1", "source-value-20", "src2", "source-value-30"};
	struct gt_pq_labels ls = mk(j, 5);
	char buf[256];
	ok(gt_pq_relabel_join_new(&r, "dst", "-", srcs, 3, 0, &err) == 0 && gt_pq_relabel_apply(r, &ls, &err) == 0 &&
		   strcmp(show(&ls, buf, sizeof(buf)),
			  "__name__=testmetric,dst=source-value-10-source-value-20-source-value-30,src=source-value-10,"
			  "src1=source-value-20,src2=source-value-30") == 0,
	   "testdata: label_join (%s)", buf);
	gt_pq_relabel_free(r);
	drop(&ls);
	const char *none[] = {"nonexistent"};
	ls = mk(j, 5);
	ok(gt_pq_relabel_join_new(&r, "dst", "-", none, 1, 0, &err) == 0 && gt_pq_relabel_apply(r, &ls, &err) == 0 &&
		   ls.n == 4 && strcmp(ls.l[1].name, "src") == 0,
	   "testdata: joining nothing removes the destination");
	gt_pq_relabel_free(r);
	drop(&ls);
	ls = mk(j, 1);
	ok(gt_pq_relabel_join_new(&r, "zz", ",", srcs, 0, 0, &err) == 0 && gt_pq_relabel_apply(r, &ls, &err) == 0 &&
		   ls.n == 1,
	   "no source labels: nothing set");
	gt_pq_relabel_free(r);
	drop(&ls);
	const char *badsrc[] = {"a", "1b"};
	ok(gt_pq_relabel_join_new(&r, "x", ",", badsrc, 2, 0, &err) == GT_EINVAL &&
		   strcmp(err.msg, "invalid source label name in label_join(): 1b") == 0,
	   "2.42: a bad source (%s)", err.msg);
	ok(gt_pq_relabel_join_new(&r, "x-", ",", badsrc, 1, 0, &err) == GT_EINVAL &&
		   strcmp(err.msg, "invalid destination label name in label_join(): x-") == 0,
	   "2.42: a bad destination (%s)", err.msg);

	/* GreptimeDB's (TQL): concat_ws skips empty sources; regexp_replace copies a non-match */
	const char *gsrc[] = {"", "src", "nonexistent", "src1"};
	ls = mk(j, 5);
	/* the answer is read after the call: apply frees the value it replaces */
	bool joined = gt_pq_relabel_join_new(&r, "dst", "-", gsrc, 4, 1, &err) == 0 &&
		      gt_pq_relabel_apply(r, &ls, &err) == 0;
	ok(joined && strcmp(ls.l[1].value, "source-value-10-source-value-20") == 0,
	   "greptime: label_join skips empty sources (%s)", joined ? ls.l[1].value : err.msg);
	gt_pq_relabel_free(r);
	drop(&ls);
	ls = mk(j, 5);
	ok(gt_pq_relabel_replace_new(&r, "new", "x$1", "src", "nomatch(.*)", 1, &err) == 0 &&
		   (gt_pq_relabel_see(r, &ls), gt_pq_relabel_apply(r, &ls, &err)) == 0 &&
		   strcmp(show(&ls, buf, sizeof(buf)),
			  "__name__=testmetric,dst=original-destination-value,new=source-value-10,src=source-value-10,"
			  "src1=source-value-20,src2=source-value-30") == 0,
	   "greptime: label_replace copies what the regex does not match (%s)", buf);
	gt_pq_relabel_free(r);
	ok(gt_pq_relabel_replace_new(&r, "src1", "x", "src", ".*", 1, &err) == 0 &&
		   (gt_pq_relabel_see(r, &ls), gt_pq_relabel_apply(r, &ls, &err)) == GT_EINVAL,
	   "greptime: label_replace refuses a destination the input has (%s)", err.msg);
	gt_pq_relabel_free(r);
	ok(gt_pq_relabel_replace_new(&r, "lit", "$1", "nonexistent", "(.*)", 1, &err) == 0 &&
		   (gt_pq_relabel_see(r, &ls), gt_pq_relabel_apply(r, &ls, &err)) == 0 &&
		   strcmp(ls.l[2].name, "lit") == 0 && strcmp(ls.l[2].value, "$1") == 0,
	   "greptime: lacking the source, the destination is the replacement as written");
	gt_pq_relabel_free(r);
	drop(&ls);
}

int main(void)
{
	test_lookup();
	test_rate();
	test_predict();
	test_over_time();
	test_math();
	test_dates();
	test_quantile();
	test_histogram_quantile();
	test_labels();
	return tap_done();
}
