/*
 * promql-fn.c - PromQL's per-series kernels (promql-fn.h), written from
 * Prometheus 2.42's promql/functions.go and quantile.go so that every
 * float operation happens in the same order: rate's extrapolation, the
 * Kahan-compensated sums of sum/avg/stddev/stdvar_over_time and of the
 * linear regression, Go's math.Max/Min (an infinity wins over NaN), and
 * Go's int64 conversion and calendar for the date functions.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "promql-fn.h"

#include <math.h>
#include <pcre2.h>

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
	{"double_exponential_smoothing", GT_PQ_FN_HOLT_WINTERS, GT_PQ_FNK_RANGE, 0},
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

/* --- helpers with Go's semantics --- */

/* Prometheus's kahanSumInc (Neumaier's variant). */
static void kahan_inc(double inc, double *sum, double *c)
{
	double t = *sum + inc;
	if (fabs(*sum) >= fabs(inc))
		*c += (*sum - t) + inc;
	else
		*c += (inc - t) + *sum;
	*sum = t;
}

/* Go's math.Max: +Inf beats NaN, NaN beats the rest, +0 beats -0. */
static double go_max(double x, double y)
{
	if (isinf(x) && x > 0)
		return x;
	if (isinf(y) && y > 0)
		return y;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? y : x;
	return x > y ? x : y;
}

/* Go's math.Min: -Inf beats NaN, NaN beats the rest, -0 beats +0. */
static double go_min(double x, double y)
{
	if (isinf(x) && x < 0)
		return x;
	if (isinf(y) && y < 0)
		return y;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? x : y;
	return x < y ? x : y;
}

/* time.Duration(ms).Seconds(): whole seconds plus the fraction. */
static double range_seconds(int64_t ms)
{
	return (double)(ms / 1000) + (double)((ms % 1000) * 1000000) / 1e9;
}

/* --- range functions --- */

/*
 * extrapolatedRate of 2.42: the change over the window (counter resets
 * added back for counters), extrapolated to the window's edges when the
 * first and last samples lie within 1.1 average intervals of them, else
 * by half an average interval; a counter is not extrapolated below zero.
 */
static int extrapolated_rate(const struct gt_pq_window *w, int counter, int rate, double *out)
{
	size_t n = w->n;
	if (n < 2)
		return 1;
	double result = w->v[n - 1] - w->v[0];
	if (counter) {
		double prev = w->v[0];
		for (size_t i = 1; i < n; i++) {
			if (w->v[i] < prev)
				result += prev;
			prev = w->v[i];
		}
	}
	double to_start = (double)(w->t[0] - w->start) / 1000;
	double to_end = (double)(w->end - w->t[n - 1]) / 1000;
	double sampled = (double)(w->t[n - 1] - w->t[0]) / 1000;
	double avg = sampled / (double)(n - 1);

	if (counter && result > 0 && w->v[0] >= 0) {
		double to_zero = sampled * (w->v[0] / result);
		if (to_zero < to_start)
			to_start = to_zero;
	}
	double threshold = avg * 1.1;
	double interval = sampled;
	if (to_start < threshold)
		interval += to_start;
	else
		interval += avg / 2;
	if (to_end < threshold)
		interval += to_end;
	else
		interval += avg / 2;
	double factor = interval / sampled;
	if (rate)
		factor /= range_seconds(w->end - w->start);
	*out = result * factor;
	return 0;
}

/* irate/idelta: the last two samples. */
static int instant_value(const struct gt_pq_window *w, int rate, double *out)
{
	size_t n = w->n;
	if (n < 2)
		return 1;
	double last = w->v[n - 1], prev = w->v[n - 2];
	double result = rate && last < prev ? last : last - prev;
	int64_t dt = w->t[n - 1] - w->t[n - 2];
	if (dt == 0)
		return 1;
	if (rate)
		result /= (double)dt / 1000;
	*out = result;
	return 0;
}

/* linearRegression of 2.42: least squares with x in seconds from at. */
static void linear_regression(const struct gt_pq_window *w, int64_t at, double *slope, double *intercept)
{
	double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
	double init = w->v[0];
	int consty = 1;
	for (size_t i = 0; i < w->n; i++) {
		double v = w->v[i];
		if (consty && i > 0 && v != init)
			consty = 0;
		n += 1.0;
		double x = (double)(w->t[i] - at) / 1e3;
		kahan_inc(x, &sx, &cx);
		kahan_inc(v, &sy, &cy);
		kahan_inc(x * v, &sxy, &cxy);
		kahan_inc(x * x, &sx2, &cx2);
	}
	if (consty) {
		if (isinf(init)) {
			*slope = *intercept = NAN;
		} else {
			*slope = 0;
			*intercept = init;
		}
		return;
	}
	sx += cx;
	sy += cy;
	sxy += cxy;
	sx2 += cx2;
	double cov = sxy - sx * sy / n;
	double var = sx2 - sx * sx / n;
	*slope = cov / var;
	*intercept = sy / n - *slope * sx / n;
}

static double holt_winters(const struct gt_pq_window *w, double sf, double tf)
{
	double s0 = 0, s1 = w->v[0], b = w->v[1] - w->v[0];
	for (size_t i = 1; i < w->n; i++) {
		double x = sf * w->v[i];
		/* calcTrendValue(i-1, ...): the first step keeps the initial trend */
		if (i > 1)
			b = tf * (s1 - s0) + (1 - tf) * b;
		double y = (1 - sf) * (s1 + b);
		s0 = s1;
		s1 = x + y;
	}
	return s1;
}

/* avg_over_time of 2.42: an incremental mean, Kahan-compensated. */
static double avg_over_time(const struct gt_pq_window *w)
{
	double mean = 0, count = 0, c = 0;
	for (size_t i = 0; i < w->n; i++) {
		double v = w->v[i];
		count++;
		if (isinf(mean)) {
			/* Inf - Inf would make NaN of a mean that is right already */
			if (isinf(v) && (mean > 0) == (v > 0))
				continue;
			if (!isinf(v) && !isnan(v))
				continue;
		}
		kahan_inc(v / count - mean / count, &mean, &c);
	}
	return isinf(mean) ? mean : mean + c;
}

/* stdvar_over_time of 2.42: Welford's update with Kahan-compensated sums. */
static double stdvar_over_time(const struct gt_pq_window *w)
{
	double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
	for (size_t i = 0; i < w->n; i++) {
		double v = w->v[i];
		count++;
		double delta = v - (mean + cmean);
		kahan_inc(delta / count, &mean, &cmean);
		kahan_inc(delta * (v - (mean + cmean)), &aux, &caux);
	}
	return (aux + caux) / count;
}

int gt_pq_fn_range(enum gt_pq_fn fn, const struct gt_pq_window *w, const double *args, size_t nargs,
		   double *out)
{
	size_t n = w->n;
	if (n == 0)
		return 1;
	switch (fn) {
	case GT_PQ_FN_RATE:
		return extrapolated_rate(w, 1, 1, out);
	case GT_PQ_FN_INCREASE:
		return extrapolated_rate(w, 1, 0, out);
	case GT_PQ_FN_DELTA:
		return extrapolated_rate(w, 0, 0, out);
	case GT_PQ_FN_IRATE:
		return instant_value(w, 1, out);
	case GT_PQ_FN_IDELTA:
		return instant_value(w, 0, out);
	case GT_PQ_FN_DERIV: {
		double slope, icpt;
		if (n < 2)
			return 1;
		/* intercept at the first sample: keeps x small (Prometheus #2674) */
		linear_regression(w, w->t[0], &slope, &icpt);
		*out = slope;
		return 0;
	}
	case GT_PQ_FN_PREDICT_LINEAR: {
		double slope, icpt;
		if (n < 2 || nargs < 1)
			return 1;
		linear_regression(w, w->eval, &slope, &icpt);
		*out = slope * args[0] + icpt;
		return 0;
	}
	case GT_PQ_FN_RESETS:
	case GT_PQ_FN_CHANGES: {
		size_t k = 0;
		for (size_t i = 1; i < n; i++) {
			double prev = w->v[i - 1], cur = w->v[i];
			if (fn == GT_PQ_FN_RESETS ? cur < prev : cur != prev && !(isnan(cur) && isnan(prev)))
				k++;
		}
		*out = (double)k;
		return 0;
	}
	case GT_PQ_FN_AVG_OVER_TIME:
		*out = avg_over_time(w);
		return 0;
	case GT_PQ_FN_MIN_OVER_TIME:
	case GT_PQ_FN_MAX_OVER_TIME: {
		double m = w->v[0];
		for (size_t i = 0; i < n; i++) {
			double v = w->v[i];
			if ((fn == GT_PQ_FN_MAX_OVER_TIME ? v > m : v < m) || isnan(m))
				m = v;
		}
		*out = m;
		return 0;
	}
	case GT_PQ_FN_SUM_OVER_TIME: {
		double sum = 0, c = 0;
		for (size_t i = 0; i < n; i++)
			kahan_inc(w->v[i], &sum, &c);
		*out = isinf(sum) ? sum : sum + c;
		return 0;
	}
	case GT_PQ_FN_COUNT_OVER_TIME:
		*out = (double)n;
		return 0;
	case GT_PQ_FN_QUANTILE_OVER_TIME: {
		if (nargs < 1)
			return 1;
		double *tmp = malloc(n * sizeof(*tmp));
		if (!tmp)
			return 1;
		memcpy(tmp, w->v, n * sizeof(*tmp));
		*out = gt_pq_fn_quantile(args[0], tmp, n);
		free(tmp);
		return 0;
	}
	case GT_PQ_FN_STDDEV_OVER_TIME:
		*out = sqrt(stdvar_over_time(w));
		return 0;
	case GT_PQ_FN_STDVAR_OVER_TIME:
		*out = stdvar_over_time(w);
		return 0;
	case GT_PQ_FN_LAST_OVER_TIME:
		*out = w->v[n - 1];
		return 0;
	case GT_PQ_FN_PRESENT_OVER_TIME:
		*out = 1;
		return 0;
	case GT_PQ_FN_HOLT_WINTERS:
		/* NaN factors pass Prometheus's check and give NaN */
		if (n < 2 || nargs < 2 || args[0] <= 0 || args[0] >= 1 || args[1] <= 0 || args[1] >= 1)
			return 1;
		*out = holt_winters(w, args[0], args[1]);
		return 0;
	default:
		return 1;
	}
}

int gt_pq_fn_range_check(enum gt_pq_fn fn, const double *args, size_t nargs, struct gt_err *err)
{
	if (fn != GT_PQ_FN_HOLT_WINTERS || nargs < 2)
		return 0;
	if (args[0] <= 0 || args[0] >= 1)
		return gt_errf(err, GT_EINVAL, "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", args[0]);
	if (args[1] <= 0 || args[1] >= 1)
		return gt_errf(err, GT_EINVAL, "invalid trend factor. Expected: 0 < tf < 1, got: %f", args[1]);
	return 0;
}

/* --- dates, with Go's time package --- */

/*
 * Go's int64(f) on amd64: truncation, and the "integer indefinite"
 * INT64_MIN for NaN and anything out of range (which Go's calendar then
 * turns into year 292277026596, as Prometheus answers).
 */
static int64_t go_int64(double f)
{
	if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)f;
}

struct go_date {
	int64_t year;
	int month, day, yday, hour, minute, wday;
};

static int go_is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* time.Unix(sec, 0).UTC() broken down as Go 1.19's absDate does it. */
static void go_date(int64_t sec, struct go_date *d)
{
	static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
	const int64_t zero_year = -292277022399LL;
	const uint64_t per400 = 365 * 400 + 97, per100 = 365 * 100 + 24, per4 = 365 * 4 + 1;
	/* unixToInternal + internalToAbsolute, wrapping as Go's uint64 does */
	uint64_t abs = (uint64_t)sec + 9223372028715321600ULL;
	uint64_t days = abs / 86400;
	d->hour = (int)(abs % 86400 / 3600);
	d->minute = (int)(abs % 3600 / 60);
	d->wday = (int)((abs + 86400ULL) % (7 * 86400ULL) / 86400);

	uint64_t n = days / per400, y = 400 * n;
	days -= per400 * n;
	n = days / per100;
	n -= n >> 2;
	y += 100 * n;
	days -= per100 * n;
	n = days / per4;
	y += 4 * n;
	days -= per4 * n;
	n = days / 365;
	n -= n >> 2;
	y += n;
	days -= 365 * n;

	d->year = (int64_t)y + zero_year;
	d->yday = (int)days;
	int day = (int)days;
	if (go_is_leap(d->year)) {
		if (day == 31 + 29 - 1) {
			d->month = 2;
			d->day = 29;
			return;
		}
		if (day > 31 + 29 - 1)
			day--;
	}
	int m = day / 31, begin;
	if (day >= before[m + 1]) {
		m++;
		begin = before[m];
	} else {
		begin = before[m];
	}
	d->month = m + 1;
	d->day = day - begin + 1;
}

static double date_fn(enum gt_pq_fn fn, double x)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct go_date d;
	go_date(go_int64(x), &d);
	switch (fn) {
	case GT_PQ_FN_DAY_OF_MONTH:
		return d.day;
	case GT_PQ_FN_DAY_OF_WEEK:
		return d.wday;
	case GT_PQ_FN_DAY_OF_YEAR:
		return d.yday + 1;
	case GT_PQ_FN_DAYS_IN_MONTH:
		return dim[d.month - 1] + (d.month == 2 && go_is_leap(d.year));
	case GT_PQ_FN_HOUR:
		return d.hour;
	case GT_PQ_FN_MINUTE:
		return d.minute;
	case GT_PQ_FN_MONTH:
		return d.month;
	default:
		return (double)d.year;
	}
}

/* --- per-sample functions --- */

/*
 * Go's math.Log2: exact for powers of two, else Log(frac)/Ln2 + exp
 * (the same last bit as Prometheus more often than glibc's log2; the
 * other libm functions differ from Go's by an ulp at times, far inside
 * the 1e-9 the comparisons allow).
 */
static double go_log2(double x)
{
	int e;
	double frac = frexp(x, &e);
	if (frac == 0.5)
		return e - 1;
	return log(frac) * (1 / 0.693147180559945309417232121458176568075500134360255254120680009) + e;
}

int gt_pq_fn_math(enum gt_pq_fn fn, double x, const double *args, size_t nargs, double *out)
{
	switch (fn) {
	case GT_PQ_FN_ABS: *out = fabs(x); break;
	case GT_PQ_FN_CEIL: *out = ceil(x); break;
	case GT_PQ_FN_FLOOR: *out = floor(x); break;
	case GT_PQ_FN_ROUND: {
		/* ties round up; the inverse has fewer accuracy issues (Prometheus) */
		double inv = 1.0 / (nargs > 0 ? args[0] : 1.0);
		*out = floor(x * inv + 0.5) / inv;
		break;
	}
	case GT_PQ_FN_EXP: *out = exp(x); break;
	case GT_PQ_FN_LN: *out = log(x); break;
	case GT_PQ_FN_LOG2: *out = go_log2(x); break;
	case GT_PQ_FN_LOG10: *out = log10(x); break;
	case GT_PQ_FN_SQRT: *out = sqrt(x); break;
	case GT_PQ_FN_SGN: *out = x < 0 ? -1 : x > 0 ? 1 : x; break;
	case GT_PQ_FN_CLAMP:
		if (nargs < 2 || args[1] < args[0])
			return 1;
		*out = go_max(args[0], go_min(args[1], x));
		break;
	case GT_PQ_FN_CLAMP_MIN:
		if (nargs < 1)
			return 1;
		*out = go_max(args[0], x);
		break;
	case GT_PQ_FN_CLAMP_MAX:
		if (nargs < 1)
			return 1;
		*out = go_min(args[0], x);
		break;
	case GT_PQ_FN_ACOS: *out = acos(x); break;
	case GT_PQ_FN_ACOSH: *out = acosh(x); break;
	case GT_PQ_FN_ASIN: *out = asin(x); break;
	case GT_PQ_FN_ASINH: *out = asinh(x); break;
	case GT_PQ_FN_ATAN: *out = atan(x); break;
	case GT_PQ_FN_ATANH: *out = atanh(x); break;
	case GT_PQ_FN_COS: *out = cos(x); break;
	case GT_PQ_FN_COSH: *out = cosh(x); break;
	case GT_PQ_FN_SIN: *out = sin(x); break;
	case GT_PQ_FN_SINH: *out = sinh(x); break;
	case GT_PQ_FN_TAN: *out = tan(x); break;
	case GT_PQ_FN_TANH: *out = tanh(x); break;
	case GT_PQ_FN_DEG: *out = x * 180 / M_PI; break;
	case GT_PQ_FN_RAD: *out = x * M_PI / 180; break;
	case GT_PQ_FN_DAY_OF_MONTH:
	case GT_PQ_FN_DAY_OF_WEEK:
	case GT_PQ_FN_DAY_OF_YEAR:
	case GT_PQ_FN_DAYS_IN_MONTH:
	case GT_PQ_FN_HOUR:
	case GT_PQ_FN_MINUTE:
	case GT_PQ_FN_MONTH:
	case GT_PQ_FN_YEAR:
		*out = date_fn(fn, x);
		break;
	default:
		return 1;
	}
	return 0;
}

/* --- quantiles --- */

/* vectorByValueHeap's order: NaN first, then ascending. */
static int cmp_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	if (isnan(x) || isnan(y))
		return isnan(y) - isnan(x);
	return (x > y) - (x < y);
}

double gt_pq_fn_quantile(double q, double *v, size_t n)
{
	if (n == 0 || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	qsort(v, n, sizeof(*v), cmp_value);
	double fn = (double)n;
	double rank = q * (fn - 1);
	double lo = go_max(0, floor(rank));
	double hi = go_min(fn - 1, lo + 1);
	double weight = rank - floor(rank);
	return v[(size_t)lo] * (1 - weight) + v[(size_t)hi] * weight;
}

static int cmp_bucket(const void *a, const void *b)
{
	double x = ((const struct gt_pq_bucket *)a)->upper, y = ((const struct gt_pq_bucket *)b)->upper;
	return (x > y) - (x < y);
}

double gt_pq_fn_histogram_quantile(double q, struct gt_pq_bucket *b, size_t n, int greptime)
{
	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	if (n == 0)
		return NAN;
	qsort(b, n, sizeof(*b), cmp_bucket);
	if (!(isinf(b[n - 1].upper) && b[n - 1].upper > 0))
		return NAN;

	/* coalesce equal bounds (several series with one le, e.g. "1" and "1.0") */
	size_t k = 0;
	struct gt_pq_bucket last = b[0];
	for (size_t i = 1; i < n; i++) {
		if (b[i].upper == last.upper) {
			last.count += b[i].count;
		} else {
			b[k++] = last;
			last = b[i];
		}
	}
	b[k++] = last;
	n = k;

	/* force the cumulative counts monotonic (scrapes are not atomic) */
	double max = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (b[i].count > max)
			max = b[i].count;
		else if (b[i].count < max)
			b[i].count = max;
	}

	if (n < 2)
		return NAN;
	double obs = b[n - 1].count;
	if (obs == 0)
		return NAN;
	double rank = q * obs;
	/* sort.Search over all but the +Inf bucket: first count >= rank */
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b[mid].count >= rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	size_t i = lo;
	if (i == n - 1)
		return b[n - 2].upper;
	if (i == 0 && b[0].upper <= 0)
		return b[0].upper;
	double start = 0, end = b[i].upper, count = b[i].count;
	if (i > 0) {
		start = b[i - 1].upper;
		count -= b[i - 1].count;
		rank -= b[i - 1].count;
	}
	return greptime ? start + (end - start) / count * rank : start + (end - start) * (rank / count);
}

/* --- label_replace, label_join --- */

struct gt_pq_relabel {
	char *dst;
	/* label_replace */
	pcre2_code *re;
	char *repl, *src;
	/* label_join */
	char *sep;
	char **srcs;
	size_t nsrcs;
	/* GreptimeDB's (see promql-fn.h): whether the input has src, dst */
	int greptime, empty_re, has_src, has_dst;
};

/* model.LabelNameRE: ^[a-zA-Z_][a-zA-Z0-9_]*$ */
static int label_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++) {
		int c = (unsigned char)*p;
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (p > s && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static int is_quant_start(const char *p)
{
	return *p == '*' || *p == '+' || *p == '?' || (*p == '{' && p[1] >= '0' && p[1] <= '9');
}

/* Past the quantifier at p ("*", "+", "?", "{n}", "{n,}", "{n,m}"). */
static const char *skip_quant(const char *p)
{
	if (*p != '{')
		return p + 1;
	p++;
	while ((*p >= '0' && *p <= '9') || *p == ',')
		p++;
	return *p == '}' ? p + 1 : p;
}

const char *gt_pq_re2_unsupported(const char *re)
{
	const char *p = re;
	while (*p) {
		if (*p == '\\') {
			char c = p[1];
			if (!c)
				return p;
			if (c == 'Q') { /* \Q...\E: literal text */
				const char *e = strstr(p + 2, "\\E");
				p = e ? e + 2 : p + strlen(p);
				continue;
			}
			if ((c >= '1' && c <= '9' && !(p[2] >= '0' && p[2] <= '7')) || strchr("ZhHRKXGgkNVeEcCo", c))
				return p;
			p += 2;
		} else if (*p == '[') { /* a class: its quantifier-looking characters are literal */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '\\' && p[1])
					p += 2;
				else if (p[0] == '[' && p[1] == ':' && strstr(p + 2, ":]"))
					p = strstr(p + 2, ":]") + 2;
				else
					p++;
			}
			if (*p)
				p++;
		} else if (p[0] == '(' && p[1] == '?') {
			/* RE2 knows (?flags), (?flags:...) and (?P<name>...) only */
			const char *q = p + 2;
			if (q[0] == 'P' && q[1] == '<') {
				p = q + 2;
				continue;
			}
			while (*q && strchr("imsU-", *q))
				q++;
			if (*q != ':' && *q != ')')
				return p;
			p = q + 1;
		} else if (is_quant_start(p)) {
			if (*p == '{') { /* RE2's repeat counts stop at 1000 */
				char *e;
				if (strtol(p + 1, &e, 10) > 1000 || (*e == ',' && strtol(e + 1, NULL, 10) > 1000))
					return p;
			}
			p = skip_quant(p);
			if (*p == '?')
				p++; /* lazy */
			if (*p == '+' || is_quant_start(p))
				return p; /* possessive, or a repetition of a repetition */
		} else {
			p++;
		}
	}
	return NULL;
}

int gt_pq_relabel_replace_new(struct gt_pq_relabel **out, const char *dst, const char *replacement,
			      const char *src, const char *regex, int greptime, struct gt_err *err)
{
	*out = NULL;
	size_t rl = strlen(regex);
	char *pat = malloc(rl + 9);
	if (!pat)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	/* GreptimeDB wraps the regex as ^(?s:regex)$: '.' matches a newline too */
	memcpy(pat, greptime ? "^(?s:" : "^(?:", greptime ? 5 : 4);
	memcpy(pat + 4 + (greptime != 0), regex, rl);
	memcpy(pat + 4 + (greptime != 0) + rl, ")$", 3);
	int ec;
	PCRE2_SIZE eo;
	/* Go's RE2 flavour: $ only at the very end, UTF-8 text */
	pcre2_code *re = gt_pq_re2_unsupported(regex)
				 ? NULL
				 : pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
						 PCRE2_DOLLAR_ENDONLY | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
	free(pat);
	if (!re)
		return gt_errf(err, GT_EINVAL, "invalid regular expression in label_replace(): %s", regex);
	if (!label_name_ok(dst)) {
		pcre2_code_free(re);
		return gt_errf(err, GT_EINVAL, "invalid destination label name in label_replace(): %s", dst);
	}
	struct gt_pq_relabel *r = calloc(1, sizeof(*r));
	if (!r || !(r->dst = strdup(dst)) || !(r->repl = strdup(replacement)) || !(r->src = strdup(src))) {
		pcre2_code_free(re);
		gt_pq_relabel_free(r);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	r->re = re;
	r->greptime = greptime != 0;
	r->empty_re = rl == 0;
	*out = r;
	return 0;
}

int gt_pq_relabel_join_new(struct gt_pq_relabel **out, const char *dst, const char *sep,
			   const char *const *src, size_t nsrc, int greptime, struct gt_err *err)
{
	*out = NULL;
	for (size_t i = 0; i < nsrc; i++)
		if (!label_name_ok(src[i]) && !(greptime && !*src[i]))
			return gt_errf(err, GT_EINVAL, "invalid source label name in label_join(): %s", src[i]);
	if (!label_name_ok(dst))
		return gt_errf(err, GT_EINVAL, "invalid destination label name in label_join(): %s", dst);
	struct gt_pq_relabel *r = calloc(1, sizeof(*r));
	if (!r || !(r->dst = strdup(dst)) || !(r->sep = strdup(sep)) ||
	    !(r->srcs = calloc(nsrc ? nsrc : 1, sizeof(*r->srcs))))
		goto nomem;
	for (; r->nsrcs < nsrc; r->nsrcs++)
		if (!(r->srcs[r->nsrcs] = strdup(src[r->nsrcs])))
			goto nomem;
	r->greptime = greptime != 0;
	*out = r;
	return 0;
nomem:
	gt_pq_relabel_free(r);
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

void gt_pq_relabel_free(struct gt_pq_relabel *r)
{
	if (!r)
		return;
	free(r->dst);
	if (r->re)
		pcre2_code_free(r->re);
	free(r->repl);
	free(r->src);
	free(r->sep);
	for (size_t i = 0; i < r->nsrcs; i++)
		free(r->srcs[i]);
	free(r->srcs);
	free(r);
}

static const char *label_get(const struct gt_pq_labels *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->l[i].name, name) == 0)
			return ls->l[i].value;
	return "";
}

/* A growable string; on failure it stays NULL-data and apply reports ENOMEM. */
struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static int name_char(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Go's Regexp.Expand: "$$" is "$"; "$name" takes the longest run of
 * letters, digits and '_' ("$1x" names a group "1x", which is empty);
 * "${name}"; a number without a leading zero is a group index; a
 * malformed reference leaves "$" as text.  Non-ASCII letters end a name
 * here (Go would take them; label_replace templates use ASCII names).
 */
static void expand(struct sbuf *b, const pcre2_code *re, const char *tpl, const char *subj,
		   const PCRE2_SIZE *ov, uint32_t ngroups)
{
	while (*tpl) {
		const char *dollar = strchr(tpl, '$');
		if (!dollar) {
			sb_add(b, tpl, strlen(tpl));
			return;
		}
		sb_add(b, tpl, (size_t)(dollar - tpl));
		tpl = dollar + 1;
		if (*tpl == '$') {
			sb_add(b, "$", 1);
			tpl++;
			continue;
		}
		const char *s = tpl;
		int brace = *s == '{';
		if (brace)
			s++;
		size_t len = 0;
		while (name_char((unsigned char)s[len]))
			len++;
		if (len == 0 || (brace && s[len] != '}')) {
			sb_add(b, "$", 1);
			continue;
		}
		tpl = s + len + brace;
		long num = 0;
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9' || num >= 100000000) {
				num = -1;
				break;
			}
			num = num * 10 + (s[i] - '0');
		}
		if (s[0] == '0' && len > 1)
			num = -1;
		if (num < 0) {
			char name[256];
			if (len >= sizeof(name))
				continue;
			memcpy(name, s, len);
			name[len] = 0;
			int g = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
			if (g <= 0)
				continue;
			num = g;
		}
		if ((uint32_t)num < ngroups && ov[2 * num] != PCRE2_UNSET)
			sb_add(b, subj + ov[2 * num], ov[2 * num + 1] - ov[2 * num]);
	}
}

/* Set (value non-NULL and non-empty) or delete label name in ls, keeping it sorted. */
static int labels_set(struct gt_pq_labels *ls, const char *name, char *value)
{
	size_t i = 0;
	while (i < ls->n && strcmp(ls->l[i].name, name) < 0)
		i++;
	int found = i < ls->n && strcmp(ls->l[i].name, name) == 0;
	if (!value || !*value) {
		free(value);
		if (found) {
			free(ls->l[i].name);
			free(ls->l[i].value);
			memmove(&ls->l[i], &ls->l[i + 1], (ls->n - i - 1) * sizeof(ls->l[0]));
			ls->n--;
		}
		return 0;
	}
	if (found) {
		free(ls->l[i].value);
		ls->l[i].value = value;
		return 0;
	}
	char *nm = strdup(name);
	struct gt_pq_label *l = realloc(ls->l, (ls->n + 1) * sizeof(*l));
	if (!nm || !l) {
		free(nm);
		free(value);
		if (l)
			ls->l = l;
		return GT_ENOMEM;
	}
	ls->l = l;
	memmove(&l[i + 1], &l[i], (ls->n - i) * sizeof(*l));
	l[i].name = nm;
	l[i].value = value;
	ls->n++;
	return 0;
}

void gt_pq_relabel_see(struct gt_pq_relabel *r, const struct gt_pq_labels *ls)
{
	if (!r->greptime || !r->re)
		return;
	r->has_src |= *label_get(ls, r->src) != '\0';
	r->has_dst |= *label_get(ls, r->dst) != '\0';
}

/*
 * GreptimeDB's label_replace (promql-fn.h): 1 when it leaves ls as it is,
 * 0 when b holds dst's new value (an empty one removes dst), or an error.
 */
static int replace_greptime(const struct gt_pq_relabel *r, const struct gt_pq_labels *ls, struct sbuf *b,
			    struct gt_err *err)
{
	if (r->has_src ? r->empty_re : !*r->repl)
		return 1;
	if (r->has_dst)
		return gt_errf(err, GT_EINVAL, "vector cannot contain metrics with the same labelset");
	if (!r->has_src) {
		sb_add(b, r->repl, strlen(r->repl));
		return 0;
	}
	const char *subj = label_get(ls, r->src);
	if (!*subj)
		return 0; /* a NULL source: regexp_replace gives NULL */
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
	if (!md)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (pcre2_match(r->re, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md, NULL) < 0)
		sb_add(b, subj, strlen(subj));
	else
		expand(b, r->re, r->repl, subj, pcre2_get_ovector_pointer(md), pcre2_get_ovector_count(md));
	pcre2_match_data_free(md);
	return 0;
}

int gt_pq_relabel_apply(const struct gt_pq_relabel *r, struct gt_pq_labels *ls, struct gt_err *err)
{
	struct sbuf b = {0};
	if (r->re && r->greptime) {
		int rc = replace_greptime(r, ls, &b, err);
		if (rc) {
			free(b.p);
			return rc < 0 ? rc : 0;
		}
	} else if (r->re) {
		const char *subj = label_get(ls, r->src);
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
		if (!md)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		int rc = pcre2_match(r->re, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md, NULL);
		if (rc < 0) {
			/* no match (or a match error): no replacement takes place */
			pcre2_match_data_free(md);
			return 0;
		}
		expand(&b, r->re, r->repl, subj, pcre2_get_ovector_pointer(md), pcre2_get_ovector_count(md));
		pcre2_match_data_free(md);
	} else {
		int first = 1;
		for (size_t i = 0; i < r->nsrcs; i++) {
			const char *v = label_get(ls, r->srcs[i]);
			/* GreptimeDB's concat_ws skips a NULL (absent) source */
			if (r->greptime && !*v)
				continue;
			if (!first)
				sb_add(&b, r->sep, strlen(r->sep));
			first = 0;
			sb_add(&b, v, strlen(v));
		}
	}
	if (b.oom) {
		free(b.p);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	if (labels_set(ls, r->dst, b.p) < 0)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	return 0;
}
