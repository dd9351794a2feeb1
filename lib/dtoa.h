/*
 * dtoa.h - numbers as text: integers, and doubles as the shortest decimal that reads back to the same
 * value, laid out as Rust's ryu-based Display does (what GreptimeDB's
 * JSON and DataFusion's text print): plain notation with ".0" on whole
 * numbers for decimal exponents -5..15 ("100.0", "0.001", "1.5"), else
 * the exponent without padding ("1e300", "1.5e-7", "-2.5e16").
 */
#ifndef GT_DTOA_H
#define GT_DTOA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal digits of v into out (room for 20), no terminator; returns their
 * count. */
int gt_utoa(uint64_t v, char *out);

/* Shortest decimal of finite x (as a float32 when f32: the fewest digits
 * strtof reads back to (float)x), into buf of n >= 40 bytes.  Returns its
 * length, or -1 when x is not finite. */
int gt_dtoa(char *buf, size_t n, double x, bool f32);

/* The parts: the shortest significant digits of finite |x| (no trailing
 * zeros, NUL-terminated, at most 17) and the decimal exponent of the
 * first, x = d.ddd * 10^e10.  Returns the digit count. */
int gt_dtoa_digits(double x, bool f32, char *digits, int *e10);
/* Lay them out, plain for -5 <= e10 < plain_below (16 for gt_dtoa). */
int gt_dtoa_layout(char *buf, size_t n, bool neg, const char *digits, int nd, int e10, int plain_below);

#endif
