/* test-enc.c - round trips of every column encoding, bit-exact. */
#include "enc.h"
#include "tap.h"

#include <math.h>

static struct gt_enc E;
static struct gt_dec D;
static struct gt_buf B;

static uint64_t rng = 42;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = unif(), v = unif();
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double bits2d(uint64_t b)
{
	double d;
	memcpy(&d, &b, 8);
	return d;
}

/* Encode then decode n doubles; 1 if every bit pattern survives. */
static int rt_f64(const double *v, uint32_t n, unsigned *id, size_t *bytes)
{
	double *out = calloc(n + 1, sizeof(*out));
	struct gt_rd r;
	int same;

	gt_buf_reset(&B);
	if (gt_enc_f64(&E, &B, v, n, id)) {
		free(out);
		return 0;
	}
	*bytes = B.len;
	gt_rd_init(&r, B.p, B.len);
	same = gt_dec_f64(&D, &r, *id, out, n) == 0 && gt_rd_left(&r) == 0 &&
	       (n == 0 || memcmp(out, v, (size_t)n * 8) == 0);
	free(out);
	return same;
}

static int rt_int(const uint64_t *v, uint32_t n)
{
	uint64_t *out = calloc(n + 1, sizeof(*out));
	struct gt_rd r;
	int same;

	gt_buf_reset(&B);
	if (gt_enc_int(&E, &B, v, n)) {
		free(out);
		return 0;
	}
	gt_rd_init(&r, B.p, B.len);
	same = gt_dec_int(&D, &r, out, n) == 0 && !gt_rd_left(&r) && (!n || !memcmp(out, v, (size_t)n * 8));
	free(out);
	return same;
}

static int rt_dod(const int64_t *v, uint32_t n)
{
	int64_t *out = calloc(n + 1, sizeof(*out));
	struct gt_rd r;
	int same;

	gt_buf_reset(&B);
	if (gt_enc_dod(&E, &B, v, n)) {
		free(out);
		return 0;
	}
	gt_rd_init(&r, B.p, B.len);
	same = gt_dec_dod(&D, &r, out, n) == 0 && !gt_rd_left(&r) && (!n || !memcmp(out, v, (size_t)n * 8));
	free(out);
	return same;
}

static int rt_delta(const uint64_t *v, uint32_t n)
{
	uint64_t *out = calloc(n + 1, sizeof(*out));
	struct gt_rd r;
	int same;

	gt_buf_reset(&B);
	if (gt_enc_delta(&E, &B, v, n)) {
		free(out);
		return 0;
	}
	gt_rd_init(&r, B.p, B.len);
	same = gt_dec_delta(&D, &r, out, n) == 0 && !gt_rd_left(&r) && (!n || !memcmp(out, v, (size_t)n * 8));
	free(out);
	return same;
}

static void test_floats(void)
{
	static const uint64_t specials[] = {
		0x7ff8000000000000ull, /* quiet NaN */
		0x7ff0000000000001ull, /* signalling NaN */
		0x7ff0000000000002ull, /* Prometheus stale marker */
		0xfff8000000000000ull, /* negative NaN */
		0x7fffffffffffffffull, /* NaN, all payload bits */
		0x7ff0000000000000ull, /* +Inf */
		0xfff0000000000000ull, /* -Inf */
		0x8000000000000000ull, /* -0.0 */
		0x0000000000000000ull, /* +0.0 */
		0x0000000000000001ull, /* smallest denormal */
		0x000fffffffffffffull, /* largest denormal */
		0x8000000000000001ull, /* negative denormal */
		0x7fefffffffffffffull, /* DBL_MAX */
		0x0010000000000000ull, /* DBL_MIN */
	};
	double v[64];
	unsigned id = 0;
	int g;
	size_t bytes;
	uint32_t n = 0;

	for (size_t i = 0; i < GT_ARRAY_LEN(specials); i++)
		v[n++] = bits2d(specials[i]);
	g = rt_f64(v, n, &id, &bytes);
	ok(g, "specials alone round-trip bit-exact (%s)", gt_enc_name(id));
	/* specials as exceptions among short decimals */
	double w[4096];
	for (uint32_t i = 0; i < 4096; i++)
		w[i] = (double)(int64_t)(rnd() % 100000) / 100;
	for (size_t i = 0; i < GT_ARRAY_LEN(specials); i++)
		w[i * 200 + 7] = bits2d(specials[i]);
	g = rt_f64(w, 4096, &id, &bytes);
	ok(g && id == GT_ENC_DEC,
	   "specials among 4096 two-decimal values round-trip as exceptions (%s, %zu bytes)", gt_enc_name(id), bytes);
	g = rt_f64(v, 0, &id, &bytes);
	ok(g, "no values");
	double one = 3.25;
	g = rt_f64(&one, 1, &id, &bytes);
	ok(g && id == GT_ENC_DEC, "a single value");
	g = rt_f64(&v[7], 1, &id, &bytes);
	ok(g, "a single -0.0");

	/* random decimals of 0..6 places, one scale per column and mixed */
	for (int places = 0; places <= 6; places++) {
		double p = pow(10, places);
		for (uint32_t i = 0; i < 4096; i++) {
			char s[64];
			snprintf(s, sizeof(s), "%.*f", places, ((double)(int64_t)(rnd() % 2000000) - 1000000) / p);
			w[i] = strtod(s, NULL);
		}
		g = rt_f64(w, 4096, &id, &bytes);
	ok(g && id == GT_ENC_DEC, "decimals of %d places (%.3f bytes/value)",
		   places, (double)bytes / 4096);
	}
	for (uint32_t i = 0; i < 4096; i++) {
		char s[64];
		int places = (int)(rnd() % 7);
		snprintf(s, sizeof(s), "%.*f", places, (double)(rnd() % 100000000) / 1000);
		w[i] = strtod(s, NULL);
	}
	g = rt_f64(w, 4096, &id, &bytes);
	ok(g, "decimals of mixed places (%s)", gt_enc_name(id));
	/* short decimals mixed with values that are not */
	for (uint32_t i = 0; i < 4096; i++)
		w[i] = i % 3 ? (double)(int64_t)(rnd() % 10000) / 10 : unif() * 1e3 / 7;
	g = rt_f64(w, 4096, &id, &bytes);
	ok(g, "short decimals mixed with thirds (%s)", gt_enc_name(id));
	for (uint32_t i = 0; i < 4096; i++)
		w[i] = i % 100 ? (double)(int64_t)(rnd() % 10000) / 100 : 0.1 + 0.2;
	g = rt_f64(w, 4096, &id, &bytes);
	ok(g && id == GT_ENC_DEC, "1%% of 0.1+0.2 among two-decimal values (%s)",
	   gt_enc_name(id));
	for (uint32_t i = 0; i < 4096; i++)
		w[i] = bits2d(rnd());
	g = rt_f64(w, 4096, &id, &bytes);
	ok(g && id == GT_ENC_F64RAW, "random bit patterns (%s)", gt_enc_name(id));
	/* magnitudes at the edge of 2^53 */
	for (uint32_t i = 0; i < 64; i++)
		v[i] = (i & 1 ? -1 : 1) * (9007199254740992.0 - (double)i * 3);
	g = rt_f64(v, 64, &id, &bytes);
	ok(g, "integers near 2^53 (%s)", gt_enc_name(id));
	for (uint32_t i = 0; i < 64; i++)
		v[i] = (double)(i + 1) * 1e300;
	g = rt_f64(v, 64, &id, &bytes);
	ok(g, "huge values (%s)", gt_enc_name(id));
	for (uint32_t i = 0; i < 64; i++)
		v[i] = 1e-300 * (double)(i + 1);
	g = rt_f64(v, 64, &id, &bytes);
	ok(g, "tiny values (%s)", gt_enc_name(id));

	/* a million values */
	uint32_t big = 1000000;
	double *m = malloc((size_t)big * 8);
	double x = 50;
	for (uint32_t i = 0; i < big; i++) {
		x += gauss();
		m[i] = (double)llround(x * 1000) / 1000;
	}
	g = rt_f64(m, big, &id, &bytes);
	ok(g, "a million three-decimal values (%s, %.3f bytes/value)", gt_enc_name(id),
	   (double)bytes / big);
	free(m);
}

static void test_tsbs(void)
{
	/* TSBS cpu-only: a random walk of N(0,1) steps clamped to [0,100],
	 * two decimals, 8640 values per series; 100 series */
	size_t total = 0, n = 0;
	unsigned id = 0;
	size_t bytes;
	int all = 1;
	double *v = malloc(8640 * sizeof(*v));
	for (int s = 0; s < 100; s++) {
		double w = unif() * 100;
		for (int i = 0; i < 8640; i++) {
			w += gauss();
			w = w < 0 ? 0 : w > 100 ? 100 : w;
			v[i] = (double)llround(w * 100) / 100;
		}
		all &= rt_f64(v, 8640, &id, &bytes) && id == GT_ENC_DEC;
		total += bytes;
		n += 8640;
	}
	ok(all, "TSBS-like random walks round-trip");
	printf("# TSBS-like random walk, two decimals, 8640 values a series: %.4f bytes/value\n",
	       (double)total / (double)n);
	ok((double)total / (double)n < 1.15, "TSBS-like values cost under 1.15 bytes each");
	free(v);
}

static void test_ints(void)
{
	uint64_t v[4096];
	int64_t t[4096];
	uint32_t n;

	static const uint64_t lim[] = {
		0, 1, UINT64_MAX, (uint64_t)INT64_MAX, (uint64_t)INT64_MIN, UINT64_MAX - 1, 2, (uint64_t)INT64_MIN + 1,
		0, UINT64_MAX, 0,
	};
	n = (uint32_t)GT_ARRAY_LEN(lim);
	ok(rt_int(lim, n), "int64/uint64 limits");
	ok(rt_delta(lim, n), "delta of limits");
	memcpy(t, lim, sizeof(lim));
	ok(rt_dod(t, n), "delta-of-delta of limits");
	ok(rt_int(lim, 0) && rt_delta(lim, 0) && rt_dod(t, 0), "no values");
	ok(rt_int(&lim[2], 1) && rt_delta(&lim[2], 1) && rt_dod(&t[2], 1), "a single value");
	for (uint32_t i = 0; i < 4096; i++) {
		v[i] = rnd();
		t[i] = (int64_t)rnd();
	}
	ok(rt_int(v, 4096) && rt_delta(v, 4096) && rt_dod(t, 4096), "random 64-bit values");
	for (uint32_t i = 0; i < 4096; i++) {
		v[i] = 1000000 + i * 17 + rnd() % 5;
		t[i] = 1700000000000000000ll + (int64_t)i * 10000000000ll;
	}
	ok(rt_int(v, 4096) && rt_delta(v, 4096), "a counter");
	gt_buf_reset(&B);
	gt_enc_dod(&E, &B, t, 4096);
	ok(rt_dod(t, 4096) && B.len < 64, "regular timestamps cost almost nothing (%zu bytes for 4096)", B.len);
	/* a million */
	uint32_t big = 1000000;
	uint64_t *m = malloc((size_t)big * 8);
	for (uint32_t i = 0; i < big; i++)
		m[i] = (uint64_t)((int64_t)(rnd() % 2001) - 1000);
	ok(rt_int(m, big) && rt_delta(m, big), "a million small signed values");
	free(m);

	/* runs */
	uint32_t sid[1000], sid2[1000];
	uint8_t op[1000], op2[1000];
	for (uint32_t i = 0; i < 1000; i++) {
		sid[i] = i / 7;
		op[i] = (uint8_t)(i % 13 == 0);
	}
	struct gt_rd r;
	gt_buf_reset(&B);
	gt_enc_runs_u32(&E, &B, sid, 1000);
	gt_enc_runs_u8(&E, &B, op, 1000);
	gt_rd_init(&r, B.p, B.len);
	ok(!gt_dec_runs_u32(&D, &r, sid2, 1000, 1000) && !gt_dec_runs_u8(&D, &r, op2, 1000, 1) && !gt_rd_left(&r) &&
	   !memcmp(sid, sid2, sizeof(sid)) && !memcmp(op, op2, sizeof(op)), "runs of series ordinals and ops");
	gt_rd_init(&r, B.p, B.len);
	ok(gt_dec_runs_u32(&D, &r, sid2, 1000, 10) == GT_ECORRUPT, "a run value over its bound is corrupt");
}

static void test_bools_strings(void)
{
	uint8_t b[1001], b2[1001];
	struct gt_rd r;

	for (uint32_t i = 0; i < 1001; i++)
		b[i] = (uint8_t)((rnd() >> 7) & 1);
	gt_buf_reset(&B);
	gt_enc_bool(&E, &B, b, 1001);
	gt_rd_init(&r, B.p, B.len);
	ok(!gt_dec_bool(&D, &r, b2, 1001) && !gt_rd_left(&r) && !memcmp(b, b2, sizeof(b)), "bools");

	static const char *const strs[] = {"", "a", "", "grüße", "日本語", "\xf0\x9f\x98\x80", "with\0nul", "", "x"};
	uint32_t n = (uint32_t)GT_ARRAY_LEN(strs), off[16], off2[16];
	struct gt_buf s = {0};
	const char *base;
	off[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = i == 6 ? 8 : strlen(strs[i]);
		gt_buf_add(&s, strs[i], len);
		off[i + 1] = (uint32_t)s.len;
	}
	gt_buf_reset(&B);
	gt_enc_str(&E, &B, s.p, off, n);
	gt_rd_init(&r, B.p, B.len);
	ok(!gt_dec_str(&D, &r, off2, n, &base) && !memcmp(off, off2, (n + 1) * 4) && !memcmp(base, s.p, s.len),
	   "empty, UTF-8 and NUL-holding strings");
	gt_buf_reset(&B);
	gt_enc_str(&E, &B, "", off, 0);
	gt_rd_init(&r, B.p, B.len);
	ok(!gt_dec_str(&D, &r, off2, 0, &base) && !gt_rd_left(&r), "no strings");

	/* repetitive strings compress */
	gt_buf_reset(&s);
	uint32_t *o = malloc(10001 * 4), *o2 = malloc(10001 * 4);
	o[0] = 0;
	for (uint32_t i = 0; i < 10000; i++) {
		gt_buf_addstr(&s, (const char *[]){"GET", "POST", "PUT"}[rnd() % 3]);
		o[i + 1] = (uint32_t)s.len;
	}
	gt_buf_reset(&B);
	gt_enc_str(&E, &B, s.p, o, 10000);
	gt_rd_init(&r, B.p, B.len);
	ok(!gt_dec_str(&D, &r, o2, 10000, &base) && !memcmp(o, o2, 10001 * 4) && !memcmp(base, s.p, s.len) &&
	   B.len < s.len / 4, "repetitive strings round-trip and compress (%zu of %zu bytes)", B.len, s.len);
	free(o);
	free(o2);
	gt_buf_release(&s);
}

static void test_streams(void)
{
	uint8_t raw[5000], *p;
	const uint8_t *q;
	size_t len;
	struct gt_rd r;
	int good = 1;

	/* each codec, then every truncation of the skewed one is refused */
	for (int kind = 0; kind < 3; kind++) {
		for (uint32_t i = 0; i < sizeof(raw); i++)
			raw[i] = kind == 0 ? (uint8_t)rnd() : kind == 1 ? (uint8_t)(i % 7) : (uint8_t)(rnd() % 16 == 0);
		gt_buf_reset(&B);
		gt_enc_stream(&E, &B, raw, sizeof(raw));
		gt_rd_init(&r, B.p, B.len);
		good &= !gt_dec_stream(&D, &r, sizeof(raw), 0, 0, &q, &len) && len == sizeof(raw) &&
			!memcmp(q, raw, sizeof(raw)) && !gt_rd_left(&r);
		ok(good, "stream of %s bytes uses codec %d", (const char *[]){"random", "periodic", "skewed"}[kind],
		   B.p[0]);
	}
	p = (uint8_t *)B.p;
	ok(p[0] == 2, "skewed bytes are rANS-coded");
	int refused = 1;
	for (size_t cut = 0; cut < B.len; cut++) {
		gt_rd_init(&r, p, cut);
		refused &= gt_dec_stream(&D, &r, sizeof(raw), 0, 0, &q, &len) != 0;
	}
	ok(refused, "every truncation of a rANS stream is refused");
	int flips = 0, tried = 0;
	for (size_t at = 1; at < B.len; at++) {
		for (int bit = 0; bit < 8; bit += 3) {
			p[at] ^= (uint8_t)(1 << bit);
			gt_rd_init(&r, p, B.len);
			int rc = gt_dec_stream(&D, &r, sizeof(raw), 0, 0, &q, &len);
			flips += rc != 0 || memcmp(q, raw, sizeof(raw)) != 0;
			tried++;
			p[at] ^= (uint8_t)(1 << bit);
		}
	}
	ok(flips > 0, "flipped bits in a rANS stream decode to an error or other bytes, never a crash (%d of %d)",
	   flips, tried);
}

int main(void)
{
	gt_enc_init(&E, 0);
	gt_dec_init(&D);
	test_floats();
	test_tsbs();
	test_ints();
	test_bools_strings();
	test_streams();
	gt_enc_release(&E);
	gt_dec_release(&D);
	gt_buf_release(&B);
	return tap_done();
}
