/*
 * dtoa.c - shortest round-trip decimals (dtoa.h).
 *
 * The digits come from one of three places, the cheapest first:
 *  0. a decimal of at most 8 places (most measured values: 12.34): m /
 *     10^k for the smallest k that gives x back exactly;
 *  1. 15, 16 then 17 significant digits (6 to 9 for a float32) rounded
 *     from x scaled by an exact power of ten in long double (64-bit
 *     mantissa), each candidate checked against the gaps to x's binary
 *     neighbours (strtod only when too near the middle to tell): every
 *     decimal of at most DBL_DIG (FLT_DIG) digits survives the trip
 *     through a binary value, so the first length that reads back, its
 *     trailing zeros dropped, is the shortest; a scaled value too near a
 *     half to round surely goes to 2.;
 *  2. printf's exact digits and a strtod check (subnormals, scales beyond
 *     10^27, and whatever 1. could not settle).
 */
#include "dtoa.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reads_back(const char *s, double x, bool f32)
{
	return f32 ? strtof(s, NULL) == (float)x : strtod(s, NULL) == x;
}

/* "d.ddde<e10>" of nd digits into s, for strtod. */
static void sci(char *s, const char *digits, int nd, int e10)
{
	int o = 0;
	s[o++] = digits[0];
	if (nd > 1) {
		s[o++] = '.';
		memcpy(s + o, digits + 1, (size_t)nd - 1);
		o += nd - 1;
	}
	snprintf(s + o, 12, "e%d", e10);
}

int gt_utoa(uint64_t v, char *out)
{
	char rev[24];
	int r = 0, n = 0;
	do
		rev[r++] = (char)('0' + v % 10);
	while (v /= 10);
	while (r > 0)
		out[n++] = rev[--r];
	return n;
}

/* 0.  m and 10^k are exact doubles and IEEE division rounds m * 10^-k
 * correctly, as strtod rounds that decimal: m / 10^k == a says exactly
 * that m * 10^-k reads back as a.  No decimal with fewer places does (a
 * smaller k would have matched), and with a * 10^k < 2^50 the gap
 * between a's neighbours times 10^k is at most 1/4: a * 10^k, rounded
 * once more by the multiplication, lies within 1/4 of any such m, so
 * rounding it to an integer finds m, and m is the only one with k
 * places.  Fewest places at a's magnitude is fewest digits. */
static bool short_decimal(double a, char *digits, int *nd, int *e10)
{
	static const double p10[9] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
	for (int k = 0; k < 9; k++) {
		double y = a * p10[k];
		if (y >= 0x1p50)
			return false;
		/* y rounded to an integer, ties to even (exact below 2^52, and
		 * cheaper than nearbyint's call) */
		double m = (y + 0x1p52) - 0x1p52;
		if (m >= 1 && m / p10[k] == a) {
			*nd = gt_utoa((uint64_t)m, digits);
			*e10 = *nd - 1 - k;
			return true;
		}
	}
	return false;
}

/* 1. */
static bool scaled(double a, bool f32, char *digits, int *nd, int *e10)
{
	static const long double p10[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
					    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
					    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
	char s[48];
	int lo = f32 ? FLT_DIG : DBL_DIG, hi = f32 ? 9 : 17;
	int e = (int)floor(log10(a));

	if (e > 27 || e < -27)
		return false;
	/* log10 rounds: settle e so that 1 <= a / 10^e < 10 */
	long double u = e >= 0 ? (long double)a / p10[e] : (long double)a * p10[-e];
	if (u < 1)
		e--;
	else if (u >= 10)
		e++;
	/* half the gaps to a's neighbours: a decimal nearer than that reads
	 * back as a */
	long double below, above;
	if (f32) {
		below = ((long double)a - nextafterf((float)a, 0)) / 2;
		above = ((long double)nextafterf((float)a, INFINITY) - a) / 2;
	} else {
		below = ((long double)a - nextafter(a, 0)) / 2;
		above = ((long double)nextafter(a, INFINITY) - a) / 2;
	}
	for (int p = lo; p <= hi; p++) {
		int ep = e;   /* rounding to p digits may carry into the next power */
		for (int fix = 0; fix < 2; fix++) {
			int k = p - 1 - ep;
			if (k > 27 || k < -27)
				return false;
			long double y = k >= 0 ? (long double)a * p10[k] : (long double)a / p10[-k];
			/* y carries a rounding error of a few 2^-64 relative: near a
			 * half the digit is printf's to decide */
			long long r = llrintl(y);   /* ties to even, as printf */
			long double frac = y - (long double)r;
			if (frac > 0.49L || frac < -0.49L)
				return false;
			uint64_t m = (uint64_t)r;
			if (m >= (uint64_t)p10[p]) {
				ep++;
				continue;
			}
			/* does m * 10^-k read back as a?  Its long double value is
			 * within 2^-11 of a double's ulp: only near the middle
			 * between two neighbours does strtod have to say */
			long double q = k >= 0 ? (long double)m / p10[k] : (long double)m * p10[-k];
			long double d = q - a, half = d >= 0 ? above : below, ad = d >= 0 ? d : -d;
			if (ad > half * 1.1L)
				break;
			*nd = gt_utoa(m, digits);
			*e10 = ep;
			if (ad < half * 0.9L)
				return true;
			sci(s, digits, *nd, ep);
			if (reads_back(s, a, f32))
				return true;
			break;
		}
	}
	return false;
}

/* 2. */
static void exact(double a, bool f32, char *digits, int *nd, int *e10)
{
	char tmp[48];
	const char *e;
	int prec = fabs(a) < (f32 ? FLT_MIN : DBL_MIN) ? 0 : f32 ? FLT_DIG - 1 : DBL_DIG - 1;
	for (; prec < (f32 ? 8 : 16); prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, a);
		if (reads_back(tmp, a, f32))
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec, a);
	e = strchr(tmp, 'e');
	*e10 = (int)strtol(e + 1, NULL, 10);
	*nd = 0;
	for (const char *p = tmp; p < e; p++)
		if (*p >= '0' && *p <= '9')
			digits[(*nd)++] = *p;
}

int gt_dtoa_digits(double x, bool f32, char *digits, int *e10)
{
	int nd = 0;
	double a = fabs(x);

	*e10 = 0;
	if (f32)
		a = (float)a;
	if (a == 0) {
		digits[nd++] = '0';
	} else if (!(!f32 && a >= 1e-8 && short_decimal(a, digits, &nd, e10)) &&
		   !(a >= (f32 ? FLT_MIN : DBL_MIN) && scaled(a, f32, digits, &nd, e10))) {
		exact(a, f32, digits, &nd, e10);
	}
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	return nd;
}

int gt_dtoa_layout(char *buf, size_t n, bool neg, const char *digits, int nd, int e10, int plain_below)
{
	char t[64];
	int o = 0;
	if (neg)
		t[o++] = '-';
	if (e10 >= -5 && e10 < plain_below) {
		if (e10 < 0) {                 /* 0.000ddd */
			t[o++] = '0';
			t[o++] = '.';
			for (int z = 0; z < -e10 - 1; z++)
				t[o++] = '0';
			memcpy(t + o, digits, (size_t)nd);
			o += nd;
		} else if (nd <= e10 + 1) {    /* ddd000.0 */
			memcpy(t + o, digits, (size_t)nd);
			o += nd;
			for (int z = 0; z < e10 + 1 - nd; z++)
				t[o++] = '0';
			t[o++] = '.';
			t[o++] = '0';
		} else {                       /* ddd.ddd */
			memcpy(t + o, digits, (size_t)e10 + 1);
			o += e10 + 1;
			t[o++] = '.';
			memcpy(t + o, digits + e10 + 1, (size_t)(nd - e10 - 1));
			o += nd - e10 - 1;
		}
	} else {                               /* d.ddde-7 */
		t[o++] = digits[0];
		if (nd > 1) {
			t[o++] = '.';
			memcpy(t + o, digits + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		o += snprintf(t + o, sizeof(t) - (size_t)o, "e%d", e10);
	}
	t[o] = 0;
	if ((size_t)o >= n)
		return -1;
	memcpy(buf, t, (size_t)o + 1);
	return o;
}

int gt_dtoa(char *buf, size_t n, double x, bool f32)
{
	char digits[32];
	int e10;
	if (!isfinite(x))
		return -1;
	int nd = gt_dtoa_digits(x, f32, digits, &e10);
	return gt_dtoa_layout(buf, n, signbit(x), digits, nd, e10, 16);
}
