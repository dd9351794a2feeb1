/* timeutil.c - civil dates, ISO-8601 timestamps and humantime durations. */
#include "timeutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int64_t gt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void gt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int digits(const char **s, const char *end, int n, int *out)
{
	int v = 0;
	for (int k = 0; k < n; k++) {
		if (*s >= end || !isdigit((unsigned char)**s))
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	*out = v;
	return 0;
}

int gt_parse_time_unit(const char *s, size_t n, unsigned unit, int64_t *out)
{
	const char *end = s + n;
	int y = 0, mo, d, h = 0, mi = 0, se = 0, ysign = 1, ny = 0;
	int64_t frac = 0;
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	/* a year past 9999 or before 0 has a sign, as chrono prints it */
	if (s < end && (*s == '+' || *s == '-'))
		ysign = *s++ == '-' ? -1 : 1;
	while (s < end && isdigit((unsigned char)*s) && ny < 9) {
		y = y * 10 + (*s++ - '0');
		ny++;
	}
	y *= ysign;
	if (ny < 4 || s >= end || *s++ != '-' || digits(&s, end, 2, &mo) || s >= end ||
	    *s++ != '-' || digits(&s, end, 2, &d))
		return -1;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1)
		return -1;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return -1;
	if (s < end && (*s == ' ' || *s == 'T' || *s == 't')) {
		s++;
		if (digits(&s, end, 2, &h) || s >= end || *s++ != ':' || digits(&s, end, 2, &mi))
			return -1;
		if (s < end && *s == ':') {
			s++;
			if (digits(&s, end, 2, &se))
				return -1;
		}
		if (s < end && *s == '.') {
			int k = 0;
			s++;
			while (s < end && isdigit((unsigned char)*s)) {
				if (k < 9) {
					frac = frac * 10 + (*s - '0');
					k++;
				}
				s++;
			}
			for (; k < 9; k++)
				frac *= 10;
		}
	}
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	int64_t off = 0;
	while (s < end && *s == ' ')
		s++;
	if (s < end) {
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s == '-' ? -1 : 1, oh, om = 0;
			s++;
			if (digits(&s, end, 2, &oh))
				return -1;
			if (s < end && *s == ':')
				s++;
			if (s < end && digits(&s, end, 2, &om))
				return -1;
			off = sign * ((int64_t)oh * 3600 + om * 60);
		} else {
			return -1;
		}
	}
	if (s != end)
		return -1;
	int64_t secs = gt_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
	int64_t per = 1, sub = frac, v;
	if (unit > 9)
		return -1;
	for (unsigned k = 0; k < unit; k++)
		per *= 10;
	for (unsigned k = unit; k < 9; k++)
		sub /= 10;
	if (__builtin_mul_overflow(secs, per, &v) || __builtin_add_overflow(v, sub, &v))
		return -1;
	*out = v;
	return 0;
}

int gt_time_bounds(const char *s, size_t n, unsigned unit, int64_t *lo, int64_t *hi)
{
	int64_t ns, per = 1;
	if (unit > 9)
		return -1;
	if (gt_parse_time(s, n, &ns) < 0) {
		/* too far from 1970 for nanoseconds: whole units only */
		if (gt_parse_time_unit(s, n, unit, lo) < 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	for (unsigned k = unit; k < 9; k++)
		per *= 10;
	*lo = ns / per - (ns % per < 0);
	*hi = *lo + (ns % per != 0);
	return 0;
}

int gt_parse_time(const char *s, size_t n, int64_t *ns)
{
	return gt_parse_time_unit(s, n, 9, ns);
}


int gt_parse_duration(const char *s, size_t n, int64_t *ns)
{
	static const struct {
		const char *u;
		int64_t ns;
	} units[] = {
		{"ns", 1}, {"nsec", 1}, {"nanos", 1},
		{"us", 1000}, {"usec", 1000}, {"micros", 1000},
		{"ms", 1000000}, {"msec", 1000000}, {"millis", 1000000},
		{"s", 1000000000LL}, {"sec", 1000000000LL}, {"secs", 1000000000LL},
		{"second", 1000000000LL}, {"seconds", 1000000000LL},
		{"m", 60000000000LL}, {"min", 60000000000LL}, {"mins", 60000000000LL},
		{"minute", 60000000000LL}, {"minutes", 60000000000LL},
		{"h", 3600000000000LL}, {"hr", 3600000000000LL}, {"hrs", 3600000000000LL},
		{"hour", 3600000000000LL}, {"hours", 3600000000000LL},
		{"d", 86400000000000LL}, {"day", 86400000000000LL}, {"days", 86400000000000LL},
		{"w", 604800000000000LL}, {"week", 604800000000000LL}, {"weeks", 604800000000000LL},
		{"month", 2630016000000000LL}, {"months", 2630016000000000LL},
		{"y", 31557600000000000LL}, {"year", 31557600000000000LL}, {"years", 31557600000000000LL},
	};
	const char *end = s + n;
	int64_t total = 0;
	bool any = false;
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (s < end) {
		int64_t v = 0, mul = -1;
		if (!isdigit((unsigned char)*s))
			return -1;
		for (; s < end && isdigit((unsigned char)*s); s++)
			if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
				return -1;
		while (s < end && isspace((unsigned char)*s))
			s++;
		const char *u = s;
		while (s < end && isalpha((unsigned char)*s))
			s++;
		size_t ul = (size_t)(s - u);
		if (ul == 1 && *u == 'M')
			mul = 2630016000000000LL;
		for (size_t k = 0; mul < 0 && k < GT_ARRAY_LEN(units); k++)
			if (ul == strlen(units[k].u) && !strncasecmp(u, units[k].u, ul))
				mul = units[k].ns;
		if (mul < 0 || __builtin_mul_overflow(v, mul, &v) || __builtin_add_overflow(total, v, &total))
			return -1;
		any = true;
		while (s < end && isspace((unsigned char)*s))
			s++;
	}
	if (!any)
		return -1;
	*ns = total;
	return 0;
}

/* Big-endian 32-bit signed integer at p. */
static int32_t be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

int gt_tz_offset(const char *zone, int64_t at_s, int32_t *off_s)
{
	char path[512];
	unsigned char buf[1 << 16];
	size_t n;
	int h = 0, m = 0, k = 0;
	*off_s = 0;
	if (!*zone || !strcasecmp(zone, "utc") || !strcmp(zone, "Z") || !strcasecmp(zone, "gmt"))
		return 0;
	if ((zone[0] == '+' || zone[0] == '-') &&
	    (sscanf(zone + 1, "%2d:%2d%n", &h, &m, &k) == 2 || sscanf(zone + 1, "%2d%n", &h, &k) == 1) &&
	    !zone[1 + k] && h < 24 && m < 60) {
		*off_s = (zone[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
		return 0;
	}
	/* A named zone: the offset of the TZif file's version-1 data at at_s. */
	for (const char *c = zone; *c; c++)
		if (!(isalnum((unsigned char)*c) || *c == '/' || *c == '_' || *c == '-' || *c == '+') ||
		    (c[0] == '.' && c[1] == '.'))
			return -1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n < 44 || memcmp(buf, "TZif", 4))
		return -1;
	int32_t timecnt = be32(buf + 32), typecnt = be32(buf + 36);
	size_t need = 44 + (size_t)timecnt * 5 + (size_t)typecnt * 6;
	if (timecnt < 0 || typecnt < 1 || timecnt > 4096 || typecnt > 256 || need > n)
		return -1;
	const unsigned char *times = buf + 44, *idx = times + timecnt * 4, *types = idx + timecnt;
	int32_t t = 0;
	for (int32_t i = 0; i < timecnt && be32(times + i * 4) <= at_s; i++)
		t = idx[i];
	if (t >= typecnt)
		return -1;
	*off_s = be32(types + t * 6);
	return 0;
}
