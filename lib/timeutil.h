/*
 * timeutil.h - civil dates (proleptic Gregorian, Howard Hinnant's
 * algorithms) and the timestamp text GreptimeDB accepts:
 * "2023-01-01", "2023-01-01 00:00:00[.fffffffff]", "...T...", with an
 * optional "Z" or "+hh[:mm]"/"-hh[:mm]" zone; and durations ("5s", "1h30m").  Pure functions,
 * thread-safe.
 */
#ifndef GT_TIMEUTIL_H
#define GT_TIMEUTIL_H

#include "gt.h"

/* Days since 1970-01-01 of y-m-d. */
int64_t gt_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The civil date of a day count since 1970-01-01. */
void gt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Parse s[0..n) (surrounding spaces allowed) into nanoseconds since the
 * epoch, UTC.  0, or -1 if the text is not such a timestamp. */
int gt_parse_time(const char *s, size_t n, int64_t *ns);
/* The same in units of 10^-unit seconds (0 s, 3 ms, 6 us, 9 ns), so that
 * years far from 1970 fit a coarser unit; -1 also when the value does not
 * fit 64 bits.  Years past 9999 or before 0 carry a sign (+234049-06-04). */
int gt_parse_time_unit(const char *s, size_t n, unsigned unit, int64_t *out);
/* The instants of unit `unit` just at or below (*lo) and at or above (*hi)
 * the timestamp text: equal when the text has no finer digits.  A column
 * of that unit holds a row > text iff row >= *lo + 1, >= text iff row >=
 * *hi, < text iff row < *hi, <= text iff row <= *lo. */
int gt_time_bounds(const char *s, size_t n, unsigned unit, int64_t *lo, int64_t *hi);
/* Parse a duration as GreptimeDB reads TTLs and RANGE/ALIGN strings
 * (humantime): "5s", "1h 30m", "2days", "100ms"; units ns us ms s m h d
 * w, M (month = 30.44 days), y (365.25 days) and their long names.
 * 0 with *ns, or -1 if the text is not a duration or overflows. */
int gt_parse_duration(const char *s, size_t n, int64_t *ns);
/* The UTC offset in seconds of a time zone ("UTC", "+08:00", "-05",
 * "Asia/Shanghai" from /usr/share/zoneinfo) at at_s seconds since the
 * epoch.  0, or -1 for an unknown zone. */
int gt_tz_offset(const char *zone, int64_t at_s, int32_t *off_s);

#endif
