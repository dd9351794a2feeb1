/*
 * gt-promql-fn-check DIR - promql-fn.h's kernels against a real
 * Prometheus's answers (tests/promql-fn/promql-fn-diff writes DIR).
 *
 * DIR/series.txt: "S <key> <n>" then n lines "<t_ms> <value>" per series.
 * DIR/cases.txt: per query "Q <kind> <fn> <range_ms> <metric> <step_s>
 * <nargs> <args...> # <expr>", then "R <key> <t_ms> <value>" per point
 * Prometheus answered and "END" (or "E <error>").  The steps run from
 * 1700000060 s to 1700007300 s.  Every point is computed here over the
 * windows Prometheus 2.42 selects and compared: within 1e-9 relative,
 * NaN equal to NaN, the same points present.  Prints the differences
 * and "N points, N exact, N bad"; exit 0 when none is bad, 1 otherwise,
 * 100 when DIR cannot be read.
 */
#include "promql-fn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START 1700000060000LL
#define END 1700007300000LL
#define LOOKBACK 300000LL
#define MAXSER 64

struct ser {
	char key[128];
	int64_t *t;
	double *v;
	size_t n;
};

struct pt {
	char key[128];
	int64_t t;
	double v;
	int seen;
};

static struct ser ss[MAXSER];
static int nss;
static struct pt *pts;
static size_t npts, cappts;
static long total, exact, bad;
static char expr[512];

static int of_metric(const char *key, const char *metric)
{
	size_t l = strlen(metric);
	return strncmp(key, metric, l) == 0 && (key[l] == 0 || key[l] == '{');
}

/* the instant-vector value at T: the last sample in [T - 5m, T] */
static int at(const struct ser *s, int64_t t, double *v)
{
	for (size_t i = s->n; i-- > 0;) {
		if (s->t[i] <= t) {
			if (s->t[i] < t - LOOKBACK)
				return 0;
			*v = s->v[i];
			return 1;
		}
	}
	return 0;
}

static int same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b || fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

/* gt's point (key, t, v) against Prometheus's */
static void want(const char *key, int64_t t, double v)
{
	total++;
	for (size_t i = 0; i < npts; i++) {
		struct pt *p = &pts[i];
		if (p->seen || p->t != t || strcmp(p->key, key) != 0)
			continue;
		p->seen = 1;
		if (!same(p->v, v)) {
			if (bad++ < 50)
				printf("DIFF %s %s t=%lld prometheus=%.17g gt=%.17g\n", expr, key, (long long)t, p->v, v);
		} else if (p->v == v || isnan(v)) {
			exact++;
		}
		return;
	}
	if (bad++ < 50)
		printf("EXTRA %s %s t=%lld gt=%.17g\n", expr, key, (long long)t, v);
}

static int load_series(const char *dir)
{
	char path[4096], line[512];
	snprintf(path, sizeof(path), "%s/series.txt", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == 'S') {
			size_t n;
			if (nss == MAXSER)
				break;
			struct ser *s = &ss[nss++];
			if (sscanf(line, "S %127s %zu", s->key, &n) != 2 || !(s->t = calloc(n + 1, 8)) ||
			    !(s->v = calloc(n + 1, 8)))
				break;
			continue;
		}
		if (!nss)
			break;
		struct ser *s = &ss[nss - 1];
		char vb[64];
		long long t;
		if (sscanf(line, "%lld %63s", &t, vb) == 2) {
			s->t[s->n] = t;
			s->v[s->n++] = strtod(vb, NULL);
		}
	}
	fclose(f);
	return 0;
}

static void run(const char *kind, const struct gt_pq_fn_info *fi, int64_t rng, const char *metric, int64_t step,
		const double *args, size_t nargs)
{
	for (int64_t t = START; t <= END; t += step * 1000) {
		if (!strcmp(kind, "range") || !strcmp(kind, "math") || !strcmp(kind, "date")) {
			for (int si = 0; si < nss; si++) {
				const struct ser *s = &ss[si];
				double out, x;
				if (!of_metric(s->key, metric))
					continue;
				if (!strcmp(kind, "range")) {
					size_t a = 0, b;
					while (a < s->n && s->t[a] < t - rng)
						a++;
					for (b = a; b < s->n && s->t[b] <= t; b++)
						;
					struct gt_pq_window w = {s->t + a, s->v + a, b - a, t - rng, t, t};
					if (b > a && gt_pq_fn_range(fi->id, &w, args, nargs, &out) == 0)
						want(s->key, t, out);
				} else if (at(s, t, &x)) {
					int date = !strcmp(kind, "date");
					if (gt_pq_fn_math(fi->id, date ? x * args[0] : x, args, date ? 0 : nargs, &out) == 0)
						want(s->key, t, out);
				}
			}
		} else if (!strcmp(kind, "time")) {
			double out;
			if (gt_pq_fn_math(fi->id, (double)(t / 1000), NULL, 0, &out) == 0)
				want("-", t, out);
		} else if (!strcmp(kind, "quantile")) {
			double v[MAXSER];
			size_t n = 0;
			for (int si = 0; si < nss; si++)
				if (of_metric(ss[si].key, metric) && at(&ss[si], t, &v[n]))
					n++;
			if (n)
				want(metric, t, gt_pq_fn_quantile(args[0], v, n));
		} else if (!strcmp(kind, "hq")) {
			/* group hist_bucket{h=..,le=..} by h */
			for (int h = 0; h < 10; h++) {
				struct gt_pq_bucket b[MAXSER];
				size_t n = 0;
				char pre[64], key[64];
				snprintf(pre, sizeof(pre), "%s{h=\"%d\",le=\"", metric, h);
				for (int si = 0; si < nss; si++) {
					double x;
					if (strncmp(ss[si].key, pre, strlen(pre)) || !at(&ss[si], t, &x))
						continue;
					b[n].upper = strtod(ss[si].key + strlen(pre), NULL);
					b[n++].count = x;
				}
				snprintf(key, sizeof(key), "%s{h=\"%d\"}", metric, h);
				if (n)
					want(key, t, gt_pq_fn_histogram_quantile(args[0], b, n, 0));
			}
		}
	}
}

int main(int argc, char **argv)
{
	char path[4096], line[512], kind[32] = "", fn[64] = "", metric[64] = "";
	long long rng = 0, step = 1;
	size_t nargs = 0;
	double args[4] = {0};
	long badq = 0, nq = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gt-promql-fn-check DIR\n");
		return 100;
	}
	if (load_series(argv[1])) {
		fprintf(stderr, "gt-promql-fn-check: cannot read '%s/series.txt'\n", argv[1]);
		return 100;
	}
	snprintf(path, sizeof(path), "%s/cases.txt", argv[1]);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "gt-promql-fn-check: cannot read '%s'\n", path);
		return 100;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == 'Q') {
			int off = 0, na = 0;
			char *p = line, *hash = strchr(line, '#');
			if (sscanf(p, "Q %31s %63s %lld %63s %lld %d%n", kind, fn, &rng, metric, &step, &na, &off) < 6 ||
			    na < 0 || na > 4 || step <= 0)
				continue;
			nargs = (size_t)na;
			p += off;
			for (size_t i = 0; i < nargs; i++)
				args[i] = strtod(p, &p);
			snprintf(expr, sizeof(expr), "%s", hash ? hash + 2 : "?");
			expr[strcspn(expr, "\n")] = 0;
			npts = 0;
		} else if (line[0] == 'R' && line[1] == ' ') {
			if (npts == cappts) {
				cappts = cappts ? 2 * cappts : 4096;
				struct pt *np = realloc(pts, cappts * sizeof(*pts));
				if (!np)
					return 100;
				pts = np;
			}
			char vb[64];
			long long t;
			struct pt *p = &pts[npts];
			if (sscanf(line, "R %127s %lld %63s", p->key, &t, vb) == 3) {
				p->t = t;
				p->v = strtod(vb, NULL);
				p->seen = 0;
				npts++;
			}
		} else if (line[0] == 'E' && line[1] == ' ') {
			printf("PROMETHEUS-ERROR %s: %s", expr, line + 2);
			badq++;
		} else if (!strncmp(line, "END", 3)) {
			const struct gt_pq_fn_info *fi = gt_pq_fn_lookup(fn);
			long bad0 = bad;
			nq++;
			if (fi || !strcmp(kind, "quantile") || !strcmp(kind, "hq"))
				run(kind, fi, rng, metric, step, args, nargs);
			else
				printf("UNKNOWN %s\n", fn), bad++;
			for (size_t i = 0; i < npts; i++)
				if (!pts[i].seen && bad++ < 50)
					printf("MISSING %s %s t=%lld prometheus=%.17g\n", expr, pts[i].key,
					       (long long)pts[i].t, pts[i].v);
			if (bad > bad0)
				badq++;
		}
	}
	fclose(f);
	printf("%ld queries, %ld points, %ld exact, %ld bad, %ld queries differ\n", nq, total, exact, bad, badq);
	return bad || badq ? 1 : 0;
}
