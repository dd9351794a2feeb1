/* test-dtoa.c - numbers as text: integers, and shortest round-trip decimals: every output reads back to
 * its value with no shorter digit string doing so, and the layout is
 * ryu's (GreptimeDB's JSON); gt_fmt_f64 (MySQL's text rows, CSV) gives
 * what printf's shortest %g that reads back gives. */
#include "buf.h"
#include "dtoa.h"
#include "rowfmt.h"
#include "tap.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Does a printf of fewer significant digits than s has read back too? */
static int has_shorter(const char *s, double v, bool f32)
{
	char digits[32], t[64];
	int nd = 0;
	for (const char *p = s; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && (nd || *p != '0'))
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	for (int prec = 0; prec < nd - 1; prec++) {
		snprintf(t, sizeof(t), "%.*e", prec, v);
		if (f32 ? strtof(t, NULL) == (float)v : strtod(t, NULL) == v)
			return 1;
	}
	return 0;
}

/* gt_fmt_f64 as it was written with printf: the reference. */
static int fmt_f64_printf(char *buf, size_t n, double v)
{
	if (isnan(v))
		return snprintf(buf, n, "NaN");
	if (isinf(v))
		return snprintf(buf, n, v > 0 ? "+Inf" : "-Inf");
	for (int prec = 1; prec <= 17; prec++) {
		int k = snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) != v)
			continue;
		double a = fabs(v);
		if (strchr(buf, 'e') && a >= 1e-5 && a < 1e16) {
			int e10 = (int)floor(log10(a));
			int dec = prec - 1 - e10;
			k = snprintf(buf, n, "%.*f", dec > 0 ? dec : 0, v);
		}
		return k;
	}
	return snprintf(buf, n, "%.17g", v);
}

static void check_fmt(double v, const char *want)
{
	char buf[64];
	int k = gt_fmt_f64(buf, sizeof(buf), v);
	ok(!strcmp(buf, want) && k == (int)strlen(want), "gt_fmt_f64: %s (got %s)", want, buf);
}

static void check(const char *what, double v, const char *want)
{
	char buf[64];
	gt_dtoa(buf, sizeof(buf), v, false);
	ok(!strcmp(buf, want), "%s: %s (got %s)", what, want, buf);
}

int main(void)
{
	char buf[64];
	int bad_trip = 0, bad_short = 0, n = 50000;

	check("whole", 100, "100.0");
	check("small", 0.001, "0.001");
	check("negative zero", -0.0, "-0.0");
	check("sum of tenths", 0.1 + 0.2, "0.30000000000000004");
	check("large", 1e300, "1e300");
	check("tiny", 1.5e-7, "1.5e-7");
	check("at the plain limit", 1e15, "1000000000000000.0");
	check("past the plain limit", 2.5e16, "2.5e16");
	check("exact tie at 17 digits", 27.6081085205078125, "27.608108520507812");
	check("subnormal", 5e-324, "5e-324");
	check("largest", DBL_MAX, "1.7976931348623157e308");
	ok(gt_dtoa(buf, sizeof(buf), NAN, false) < 0 && gt_dtoa(buf, sizeof(buf), INFINITY, false) < 0,
	   "NaN and infinities are refused");
	gt_dtoa(buf, sizeof(buf), (float)0.1f, true);
	ok(!strcmp(buf, "0.1"), "float32 0.1 is 0.1 (got %s)", buf);

	check_fmt(80, "80");
	check_fmt(0.1, "0.1");
	check_fmt(-12.34, "-12.34");
	check_fmt(1e300, "1e+300");
	check_fmt(1.5e-7, "1.5e-07");
	check_fmt(1e-5, "0.00001");
	check_fmt(1e16, "1e+16");
	check_fmt(123456789012345.6, "123456789012345.6");
	check_fmt(-0.0, "-0");
	check_fmt(0, "0");
	check_fmt(NAN, "NaN");
	check_fmt(-INFINITY, "-Inf");
	gt_fmt_f64(buf, 4, 12.345);
	ok(!strcmp(buf, "12."), "gt_fmt_f64 truncates as snprintf (got %s)", buf);

	struct gt_buf b = {0};
	gt_buf_add_i64(&b, INT64_MIN);
	gt_buf_addch(&b, ' ');
	gt_buf_add_i64(&b, 0);
	gt_buf_addch(&b, ' ');
	gt_buf_add_i64(&b, -42);
	gt_buf_addch(&b, ' ');
	gt_buf_add_u64(&b, UINT64_MAX);
	gt_buf_addch(&b, 0);
	ok(!strcmp(b.p, "-9223372036854775808 0 -42 18446744073709551615"), "integers: %s", b.p);
	gt_buf_release(&b);

	int bad_fmt = 0;
	for (int i = 0; i < n; i++) {
		uint64_t r = next();
		double v;
		bool f32 = i % 5 == 0;
		switch (i % 5) {
		case 0: memcpy(&v, &r, sizeof(v)); break;
		case 1: v = (double)(r % 1000000) / 1000.0; break;
		case 4: /* decimals of 0 to 12 places and up to 17 digits */
			v = (double)((r >> 8) % 100000000000000000ull) / pow(10, (int)(r % 13));
			break;
		case 2: v = (double)(r >> 11) / 9007199254740992.0 * pow(10, (int)(r % 40) - 20); break;
		default: v = (double)(r % 100000) / 7.0; break;
		}
		if (f32)
			v = (float)v;
		if (!f32) {
			char want[64];
			fmt_f64_printf(want, sizeof(want), v);
			gt_fmt_f64(buf, sizeof(buf), v);
			if (strcmp(buf, want) && bad_fmt++ < 5)
				printf("# %.17g: gt_fmt_f64 %s, printf %s\n", v, buf, want);
		}
		if (!isfinite(v) || (f32 && (isinf((float)v) || (v != 0 && fabs(v) < FLT_MIN))))
			continue;
		gt_dtoa(buf, sizeof(buf), v, f32);
		if (f32 ? strtof(buf, NULL) != (float)v : strtod(buf, NULL) != v) {
			if (bad_trip++ < 5)
				printf("# %.17g f32=%d -> %s does not read back\n", v, f32, buf);
		} else if (has_shorter(buf, v, f32)) {
			if (bad_short++ < 5)
				printf("# %.17g f32=%d -> %s is not the shortest\n", v, f32, buf);
		}
	}
	ok(!bad_trip, "%d random values read back (%d did not)", n, bad_trip);
	ok(!bad_short, "and none has a shorter form (%d had)", bad_short);
	ok(!bad_fmt, "gt_fmt_f64 gives printf's shortest %%g on every one (%d did not)", bad_fmt);
	return tap_done();
}
