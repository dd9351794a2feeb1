/*
 * gt-tsbs-gen - write the TSBS cpu-only data set as line protocol.
 *
 *   gt-tsbs-gen [--hosts N] [--hours H] [--seed S] [--interval-s I]
 *               [--start 2016-01-01T00:00:00Z]
 *
 * One row per host every I seconds from the start, ordered by time then
 * host: measurement cpu, the ten TSBS tags (fixed per host) and the ten
 * usage_* fields, each a random walk in [0,100] with N(0,1) steps,
 * printed with two decimals and a nanosecond timestamp.  Defaults give
 * 864,000 rows (100 hosts, 24 h, 10 s), about 315 MB.
 *
 * Determinism: the output depends only on the arguments.  Every random
 * number comes from xoshiro256** seeded by splitmix64 from (seed, host),
 * so host i's rows are the same whatever --hosts is.  Values are kept as
 * integer hundredths; a step is round(100 * z) for a Box-Muller normal z
 * computed with our own log and sin/cos polynomials (basic IEEE
 * operations only, no FMA contraction), not libm's, whose last bits
 * differ between C libraries.
 */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "timeutil.h"
#include <errno.h>
#include <math.h>
#include <unistd.h>

#include "gt.h"

#define NFIELDS 10
#define OUT_CAP (1 << 20)

static const char *const field_names[NFIELDS] = {
	"usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
	"usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice",
};

/* TSBS's regions and the availability zones (data centers) of each. */
static const struct {
	const char *name, *zones;
} regions[] = {
	{"us-east-1", "abce"}, {"us-west-1", "ab"}, {"us-west-2", "abc"},
	{"eu-west-1", "abc"}, {"eu-central-1", "ab"}, {"ap-southeast-1", "ab"},
	{"ap-southeast-2", "ab"}, {"ap-northeast-1", "ac"}, {"sa-east-1", "abc"},
};
static const char *const oses[] = {"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"};
static const char *const arches[] = {"x64", "x86"};
static const char *const teams[] = {"SF", "NYC", "LON", "CHI"};
static const char *const envs[] = {"production", "staging", "test"};

struct host {
	uint64_t s[4];          /* xoshiro256** state */
	int32_t v[NFIELDS];     /* current values in hundredths, 0..10000 */
	char *prefix;           /* "cpu,hostname=...,service_environment=x " */
	size_t prefix_len;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t xoshiro(uint64_t *s)
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* log(x) for x in (0, 1]: x = m 2^k with m in [sqrt(1/2), sqrt(2)), then
 * log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172, by its series. */
static double det_log(double x)
{
	const double ln2 = 0.69314718055994530942;
	int k;
	double m = frexp(x, &k), s, s2, p;

	if (m < 0.70710678118654752440) {
		m *= 2;
		k--;
	}
	s = (m - 1) / (m + 1);
	s2 = s * s;
	p = 1.0 / 21;
	p = 1.0 / 19 + s2 * p;
	p = 1.0 / 17 + s2 * p;
	p = 1.0 / 15 + s2 * p;
	p = 1.0 / 13 + s2 * p;
	p = 1.0 / 11 + s2 * p;
	p = 1.0 / 9 + s2 * p;
	p = 1.0 / 7 + s2 * p;
	p = 1.0 / 5 + s2 * p;
	p = 1.0 / 3 + s2 * p;
	p = 1.0 + s2 * p;
	return k * ln2 + 2 * s * p;
}

/* sin and cos of 2 pi u for u in [0, 1): quadrant, then Taylor on [0, pi/2). */
static void det_sincos(double u, double *sn, double *cs)
{
	static const double half_pi = 1.57079632679489661923;
	double a = 4 * u, x, x2, s, c;
	int q = (int)a;

	x = (a - q) * half_pi;
	x2 = x * x;
	s = 1.0 / 51090942171709440000.0;                  /* 1/21! */
	s = 1.0 / 121645100408832000.0 - x2 * s;           /* 1/19! */
	s = 1.0 / 355687428096000.0 - x2 * s;              /* 1/17! */
	s = 1.0 / 1307674368000.0 - x2 * s;                /* 1/15! */
	s = 1.0 / 6227020800.0 - x2 * s;                   /* 1/13! */
	s = 1.0 / 39916800.0 - x2 * s;                     /* 1/11! */
	s = 1.0 / 362880.0 - x2 * s;                       /* 1/9! */
	s = 1.0 / 5040.0 - x2 * s;                         /* 1/7! */
	s = 1.0 / 120.0 - x2 * s;                          /* 1/5! */
	s = 1.0 / 6.0 - x2 * s;                            /* 1/3! */
	s = x * (1.0 - x2 * s);
	c = 1.0 / 1124000727777607680000.0;                /* 1/22! */
	c = 1.0 / 2432902008176640000.0 - x2 * c;          /* 1/20! */
	c = 1.0 / 6402373705728000.0 - x2 * c;             /* 1/18! */
	c = 1.0 / 20922789888000.0 - x2 * c;               /* 1/16! */
	c = 1.0 / 87178291200.0 - x2 * c;                  /* 1/14! */
	c = 1.0 / 479001600.0 - x2 * c;                    /* 1/12! */
	c = 1.0 / 3628800.0 - x2 * c;                      /* 1/10! */
	c = 1.0 / 40320.0 - x2 * c;                        /* 1/8! */
	c = 1.0 / 720.0 - x2 * c;                          /* 1/6! */
	c = 1.0 / 24.0 - x2 * c;                           /* 1/4! */
	c = 1.0 / 2.0 - x2 * c;                            /* 1/2! */
	c = 1.0 - x2 * c;
	switch (q & 3) {
	case 0: *sn = s; *cs = c; break;
	case 1: *sn = c; *cs = -s; break;
	case 2: *sn = -s; *cs = -c; break;
	default: *sn = -c; *cs = s; break;
	}
}

/* Two N(0,1) draws, scaled by 100 and rounded half away from zero. */
static void normal_pair(uint64_t *s, int32_t *a, int32_t *b)
{
	double u1 = (double)((xoshiro(s) >> 11) + 1) * 0x1p-53;   /* (0, 1] */
	double u2 = (double)(xoshiro(s) >> 11) * 0x1p-53;         /* [0, 1) */
	double r = sqrt(-2 * det_log(u1)) * 100, sn, cs, x, y;

	det_sincos(u2, &sn, &cs);
	x = r * cs;
	y = r * sn;
	*a = (int32_t)(x < 0 ? x - 0.5 : x + 0.5);
	*b = (int32_t)(y < 0 ? y - 0.5 : y + 0.5);
}

static int host_init(struct host *h, uint64_t seed, uint64_t i)
{
	uint64_t x = seed ^ (i * 0xd1342543de82ef95ULL), t;
	unsigned reg;
	char buf[512];
	int n;

	for (int k = 0; k < 4; k++)
		h->s[k] = splitmix64(&x);
	t = xoshiro(h->s);
	reg = (unsigned)(t % GT_ARRAY_LEN(regions));
	t = xoshiro(h->s);
	size_t nz = strlen(regions[reg].zones);
	n = snprintf(buf, sizeof(buf),
		"cpu,hostname=host_%llu,region=%s,datacenter=%s%c,rack=%u,os=%s,arch=%s,team=%s,"
		"service=%u,service_version=%u,service_environment=%s ",
		(unsigned long long)i, regions[reg].name, regions[reg].name,
		regions[reg].zones[t % nz], (unsigned)((t >> 8) % 100),
		oses[(t >> 16) % GT_ARRAY_LEN(oses)], arches[(t >> 24) % GT_ARRAY_LEN(arches)],
		teams[(t >> 32) % GT_ARRAY_LEN(teams)], (unsigned)((t >> 40) % 20),
		(unsigned)((t >> 48) % 2), envs[(t >> 56) % GT_ARRAY_LEN(envs)]);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	h->prefix = gt_strndup(buf, (size_t)n);
	if (!h->prefix)
		return -1;
	h->prefix_len = (size_t)n;
	for (int k = 0; k < NFIELDS; k++)
		h->v[k] = (int32_t)(xoshiro(h->s) % 10001);
	return 0;
}

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* v hundredths, 0 <= v <= 10000, as "d.dd". */
static inline char *put_hundredths(char *p, int32_t v)
{
	int32_t ip = v / 100, fp = v % 100;

	if (ip >= 100) {
		*p++ = '1';
		*p++ = '0';
		*p++ = '0';
	} else if (ip >= 10) {
		memcpy(p, digits2 + 2 * ip, 2);
		p += 2;
	} else {
		*p++ = (char)('0' + ip);
	}
	*p++ = '.';
	memcpy(p, digits2 + 2 * fp, 2);
	return p + 2;
}

static size_t fmt_i64(char *out, int64_t v)
{
	char tmp[24];
	size_t n = 0, k = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[k++] = '-';
	while (n)
		out[k++] = tmp[--n];
	return k;
}

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(1, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "gt-tsbs-gen: cannot write: %s\n", strerror(errno));
			exit(GT_EXIT_TEMP);
		}
		p += w;
		n -= (size_t)w;
	}
}

static int parse_start(const char *s, int64_t *out)
{
	int64_t ns;

	if (gt_parse_time(s, strlen(s), &ns))
		return -1;
	*out = ns / 1000000000;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *e;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &e, 10);
	return errno || *e ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gt-tsbs-gen [--hosts N] [--hours H] [--seed S] [--interval-s I] "
		   "[--start 2016-01-01T00:00:00Z]\n");
}

int main(int argc, char **argv)
{
	uint64_t hosts = 100, hours = 24, seed = 1, interval = 10;
	int64_t start = 1451606400;   /* 2016-01-01T00:00:00Z */
	struct host *hs;
	char *out, ts[24];
	size_t len = 0, rowmax = 0, tslen, name_len[NFIELDS];

	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return GT_EXIT_OK;
		}
		if (!strcmp(a, "--hosts"))
			bad = parse_u64(v, &hosts) || hosts == 0 || hosts > 100000000;
		else if (!strcmp(a, "--hours"))
			bad = parse_u64(v, &hours) || hours > 24 * 365 * 100;
		else if (!strcmp(a, "--seed"))
			bad = parse_u64(v, &seed);
		else if (!strcmp(a, "--interval-s"))
			bad = parse_u64(v, &interval) || interval == 0 || interval > 86400;
		else if (!strcmp(a, "--start"))
			bad = !v || parse_start(v, &start);
		else {
			fprintf(stderr, "gt-tsbs-gen: unknown option '%s'\n", a);
			usage(stderr);
			return GT_EXIT_PERM;
		}
		if (bad) {
			fprintf(stderr, "gt-tsbs-gen: bad value for %s: '%s'\n", a, v ? v : "");
			return GT_EXIT_PERM;
		}
	}
	if (start < -4000000000LL || start > 4000000000LL) {
		fprintf(stderr, "gt-tsbs-gen: start out of range\n");
		return GT_EXIT_PERM;
	}

	for (int k = 0; k < NFIELDS; k++)
		name_len[k] = strlen(field_names[k]);
	hs = gt_calloc(hosts, sizeof(*hs));
	out = gt_malloc(OUT_CAP);
	if (!hs || !out) {
		fprintf(stderr, "gt-tsbs-gen: out of memory\n");
		return GT_EXIT_TEMP;
	}
	for (uint64_t i = 0; i < hosts; i++) {
		if (host_init(&hs[i], seed, i)) {
			fprintf(stderr, "gt-tsbs-gen: out of memory\n");
			return GT_EXIT_TEMP;
		}
		rowmax = GT_MAX(rowmax, hs[i].prefix_len);
	}
	/* prefix + names + '=' + "100.00" + ',' per field + ' ' + timestamp + '\n' */
	rowmax += NFIELDS * (16 + 1 + 6 + 1) + 1 + 21 + 1;

	uint64_t steps = hours * 3600 / interval;
	for (uint64_t t = 0; t < steps; t++) {
		int64_t tns = (start + (int64_t)(t * interval)) * 1000000000;
		tslen = fmt_i64(ts, tns);
		for (uint64_t i = 0; i < hosts; i++) {
			struct host *h = &hs[i];
			char *p;
			if (len + rowmax > OUT_CAP) {
				write_all(out, len);
				len = 0;
			}
			/* The first row shows the starting values, as TSBS does. */
			if (t > 0) {
				for (int k = 0; k < NFIELDS; k += 2) {
					int32_t a, b;
					normal_pair(h->s, &a, &b);
					h->v[k] = GT_MIN(GT_MAX(h->v[k] + a, 0), 10000);
					h->v[k + 1] = GT_MIN(GT_MAX(h->v[k + 1] + b, 0), 10000);
				}
			}
			p = out + len;
			memcpy(p, h->prefix, h->prefix_len);
			p += h->prefix_len;
			for (int k = 0; k < NFIELDS; k++) {
				if (k)
					*p++ = ',';
				memcpy(p, field_names[k], name_len[k]);
				p += name_len[k];
				*p++ = '=';
				p = put_hundredths(p, h->v[k]);
			}
			*p++ = ' ';
			memcpy(p, ts, tslen);
			p += tslen;
			*p++ = '\n';
			len = (size_t)(p - out);
		}
	}
	write_all(out, len);
	for (uint64_t i = 0; i < hosts; i++)
		free(hs[i].prefix);
	free(hs);
	free(out);
	return GT_EXIT_OK;
}
