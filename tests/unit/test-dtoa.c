/* test-dtoa.c - numbers as text: integers, and shortest round-trip decimals: every output reads back to
 * its value with no shorter digit string doing so, and the layout is
 * ryu's (GreptimeDB's JSON). */
#include "buf.h"
#include "dtoa.h"
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

	for (int i = 0; i < n; i++) {
		uint64_t r = next();
		double v;
		bool f32 = i % 5 == 0;
		switch (i % 4) {
		case 0: memcpy(&v, &r, sizeof(v)); break;
		case 1: v = (double)(r % 1000000) / 1000.0; break;
		case 2: v = (double)(r >> 11) / 9007199254740992.0 * pow(10, (int)(r % 40) - 20); break;
		default: v = (double)(r % 100000) / 7.0; break;
		}
		if (f32)
			v = (float)v;
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
	return tap_done();
}
