/*
 * gt-prom-send - push samples to anything that takes Prometheus remote
 * write 1.0 (gt's /v1/prometheus/write, a Prometheus with
 * --web.enable-remote-write-receiver at /api/v1/write, VictoriaMetrics'
 * /api/v1/write), or read series back through remote read.
 *
 *   gt-prom-send [-b BATCH] URL < samples      one sample a line:
 *        metric{label="value",...} VALUE TIMESTAMP_MS
 *        (VALUE a number, NaN, +Inf, -Inf, or "stale" for the staleness
 *        marker; labels optional; # lines and blank lines skipped);
 *        consecutive lines of one series go in one TimeSeries
 *   gt-prom-send --gen METRICS,HOSTS,STEPS [-b BATCH] [-c SENDERS]
 *        [--start MS] [--interval MS] URL
 *        TSBS-like data: metrics cpu_<i>, hosts host_<j> with the TSBS
 *        cpu tags; the series are split into SENDERS shards (series k,
 *        k + SENDERS, ...), as Prometheus's remote-write queue shards
 *        them, and each shard's requests hold about BATCH samples (all
 *        its series, then the next timestamps), so every series
 *        arrives in time order; the bodies are built before the clock
 *        starts and one thread a shard posts them.  Prints one line
 *        "samples=N requests=R seconds=S samples_per_sec=X".
 *        --per-sample: lay each sample out as Prometheus's remote write
 *        does, a TimeSeries of its own that repeats the series' labels
 *        (a request: the shard's series at one timestamp, then the next);
 *        without it a TimeSeries holds its series' samples of the request.
 *   gt-prom-send --raw URL < bytes             post stdin, snappy-compressed,
 *        as it is (bad-input tests)
 *   gt-prom-send --read 'SELECTOR' --start MS --end MS URL
 *        remote read (samples); prints the series one sample a line in
 *        the input format above, labels sorted, "stale" for the marker
 *   --dump FILE   write the (first) compressed body to FILE instead of posting
 *
 * Exit 0 when every request got a 2xx; else the status and body of the
 * first refusal on stderr and exit 1.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "promql.h"
#include "promwrite.h"
#include "prometheus-remote.pb-c.h"

static const char *url;
static const char *dump_path;
static int per_sample;   /* --per-sample: a TimeSeries a sample, as Prometheus sends them */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "gt-prom-send: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	return p;
}

/* --- bodies --- */

/* Pack and compress a WriteRequest into out. */
static void encode_write(const Prometheus__WriteRequest *wr, struct gt_buf *out)
{
	size_t n = prometheus__write_request__get_packed_size(wr);
	uint8_t *raw = xmalloc(n);
	struct gt_err err = {0};

	prometheus__write_request__pack(wr, raw);
	gt_buf_reset(out);
	if (gt_snappy_encode(raw, n, out, &err))
		die("%s", err.msg);
	free(raw);
}

static void free_write(Prometheus__WriteRequest *wr)
{
	for (size_t i = 0; i < wr->n_timeseries; i++) {
		Prometheus__TimeSeries *ts = wr->timeseries[i];
		for (size_t k = 0; k < ts->n_labels; k++) {
			free(ts->labels[k]->name);
			free(ts->labels[k]->value);
			free(ts->labels[k]);
		}
		for (size_t k = 0; k < ts->n_samples; k++)
			free(ts->samples[k]);
		free(ts->labels);
		free(ts->samples);
		free(ts);
	}
	free(wr->timeseries);
	wr->timeseries = NULL;
	wr->n_timeseries = 0;
}

/* --- HTTP --- */

struct sink {
	struct gt_buf b;
};

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
	struct sink *s = ctx;
	return gt_buf_add(&s->b, p, sz * n) ? 0 : sz * n;
}

/* POST body; the answer's body into resp (if not NULL).  Dies on a non-2xx. */
static void post(CURL *c, const char *u, const struct gt_buf *body, bool read, struct gt_buf *resp)
{
	struct curl_slist *h = NULL;
	struct sink s = {0};
	long code = 0;
	CURLcode rc;

	if (dump_path) {
		FILE *f = fopen(dump_path, "wb");
		if (!f || fwrite(body->p, 1, body->len, f) != body->len || fclose(f))
			die("cannot write %s: %s", dump_path, strerror(errno));
		exit(0);
	}
	h = curl_slist_append(h, "Content-Encoding: snappy");
	h = curl_slist_append(h, "Content-Type: application/x-protobuf");
	h = curl_slist_append(h, read ? "X-Prometheus-Remote-Read-Version: 0.1.0"
				      : "X-Prometheus-Remote-Write-Version: 0.1.0");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->p);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		die("POST %s: %s", u, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299)
		die("POST %s: HTTP %ld: %.*s", u, code, (int)GT_MIN(s.b.len, (size_t)2000), s.b.p ? s.b.p : "");
	if (resp) {
		gt_buf_release(resp);
		*resp = s.b;
	} else {
		gt_buf_release(&s.b);
	}
}

/* --- text samples (stdin) --- */

static Prometheus__Label *label(const char *name, size_t nn, const char *value, size_t vn)
{
	Prometheus__Label *l = xmalloc(sizeof(*l));
	prometheus__label__init(l);
	l->name = xstrndup(name, nn);
	l->value = xstrndup(value, vn);
	return l;
}

static double parse_value(const char *s)
{
	if (!strcmp(s, "stale")) {
		uint64_t bits = GT_PQ_STALE_BITS;
		double d;
		memcpy(&d, &bits, sizeof(d));
		return d;
	}
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (end == s || *end)
		die("bad value '%s'", s);
	return d;
}

/* Parse "metric{a="b",...}" from p into ts's labels (unsorted); returns the rest. */
static char *parse_series(char *p, Prometheus__TimeSeries *ts, size_t lineno)
{
	size_t cap = 8;
	char *q = p;

	ts->labels = xmalloc(cap * sizeof(*ts->labels));
	while (*q && *q != '{' && *q != ' ' && *q != '\t')
		q++;
	if (q > p)
		ts->labels[ts->n_labels++] = label("__name__", 8, p, (size_t)(q - p));
	if (*q == '{') {
		q++;
		while (*q && *q != '}') {
			char *n0 = q, *v0, *w;
			while (*q && *q != '=')
				q++;
			if (*q != '=' || q[1] != '"')
				die("line %zu: expected name=\"value\"", lineno);
			size_t nn = (size_t)(q - n0);
			q += 2;
			v0 = w = q;
			while (*q && *q != '"') {
				if (*q == '\\' && q[1]) {
					q++;
					*w++ = *q == 'n' ? '\n' : *q;
					q++;
					continue;
				}
				*w++ = *q++;
			}
			if (*q != '"')
				die("line %zu: unterminated label value", lineno);
			q++;
			if (ts->n_labels == cap) {
				cap *= 2;
				ts->labels = realloc(ts->labels, cap * sizeof(*ts->labels));
				if (!ts->labels)
					die("out of memory");
			}
			ts->labels[ts->n_labels++] = label(n0, nn, v0, (size_t)(w - v0));
			if (*q == ',')
				q++;
		}
		if (*q != '}')
			die("line %zu: expected }", lineno);
		q++;
	}
	return q;
}

static bool same_labels(const Prometheus__TimeSeries *a, const Prometheus__TimeSeries *b)
{
	if (a->n_labels != b->n_labels)
		return false;
	for (size_t i = 0; i < a->n_labels; i++)
		if (strcmp(a->labels[i]->name, b->labels[i]->name) || strcmp(a->labels[i]->value, b->labels[i]->value))
			return false;
	return true;
}

static int lbl_cmp(const void *a, const void *b)
{
	return strcmp((*(Prometheus__Label *const *)a)->name, (*(Prometheus__Label *const *)b)->name);
}

static void send_stdin(size_t batch)
{
	Prometheus__WriteRequest wr = PROMETHEUS__WRITE_REQUEST__INIT;
	size_t cap = 0, nsamples = 0, lineno = 0, total = 0, sample_cap = 0;
	struct gt_buf body = {0};
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;
	CURL *c = curl_easy_init();

	while ((n = getline(&line, &lcap, stdin)) >= 0) {
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		Prometheus__TimeSeries *ts = xmalloc(sizeof(*ts));
		prometheus__time_series__init(ts);
		p = parse_series(p, ts, lineno);
		qsort(ts->labels, ts->n_labels, sizeof(*ts->labels), lbl_cmp);
		char *val = p + strspn(p, " \t"), *tss = val + strcspn(val, " \t");
		if (*tss)
			*tss++ = 0;
		tss += strspn(tss, " \t");
		tss[strcspn(tss, " \t")] = 0;
		if (!*val || !*tss)
			die("line %zu: expected VALUE TIMESTAMP_MS", lineno);
		Prometheus__Sample *s = xmalloc(sizeof(*s));
		prometheus__sample__init(s);
		s->value = parse_value(val);
		s->timestamp = strtoll(tss, NULL, 10);
		Prometheus__TimeSeries *last = wr.n_timeseries ? wr.timeseries[wr.n_timeseries - 1] : NULL;
		if (last && same_labels(last, ts)) {
			for (size_t k = 0; k < ts->n_labels; k++) {
				free(ts->labels[k]->name);
				free(ts->labels[k]->value);
				free(ts->labels[k]);
			}
			free(ts->labels);
			free(ts);
			ts = last;
			if (ts->n_samples == sample_cap) {
				sample_cap *= 2;
				ts->samples = realloc(ts->samples, sample_cap * sizeof(*ts->samples));
				if (!ts->samples)
					die("out of memory");
			}
		} else {
			if (wr.n_timeseries == cap) {
				cap = cap ? cap * 2 : 64;
				wr.timeseries = realloc(wr.timeseries, cap * sizeof(*wr.timeseries));
				if (!wr.timeseries)
					die("out of memory");
			}
			wr.timeseries[wr.n_timeseries++] = ts;
			sample_cap = 16;
			ts->samples = xmalloc(sample_cap * sizeof(*ts->samples));
		}
		ts->samples[ts->n_samples++] = s;
		if (++nsamples == batch) {
			encode_write(&wr, &body);
			post(c, url, &body, false, NULL);
			free_write(&wr);
			cap = 0;
			total += nsamples;
			nsamples = 0;
		}
	}
	if (nsamples || !total) {
		encode_write(&wr, &body);
		post(c, url, &body, false, NULL);
		total += nsamples;
	}
	free_write(&wr);
	free(line);
	gt_buf_release(&body);
	curl_easy_cleanup(c);
	printf("samples=%zu\n", total);
}

/* --- generated TSBS-like data --- */

static const char *const tsbs_tags[][2] = {
	{"region", "eu-west-1"}, {"datacenter", "eu-west-1a"}, {"rack", "42"}, {"os", "Ubuntu16.04LTS"},
	{"arch", "x64"}, {"team", "SF"}, {"service", "6"}, {"service_version", "0"},
	{"service_environment", "production"},
};

/* One sender's requests, posted in order: a shard of the series, as
 * Prometheus's remote-write queue shards them, so that every series
 * arrives in time order (Prometheus's receiver refuses a sample older
 * than its series' last one). */
struct shard {
	struct gt_buf *bodies;
	size_t nbodies;
};

static void *sender(void *arg)
{
	struct shard *sh = arg;
	CURL *c = curl_easy_init();

	for (size_t i = 0; i < sh->nbodies; i++)
		post(c, url, &sh->bodies[i], false, NULL);
	curl_easy_cleanup(c);
	return NULL;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Series i of the generated set: cpu_<i / hosts>{hostname="host_<i % hosts>", TSBS tags}. */
static Prometheus__TimeSeries *gen_series(size_t i, unsigned hosts, size_t per)
{
	char name[64], host[64];
	Prometheus__TimeSeries *ts = xmalloc(sizeof(*ts));
	prometheus__time_series__init(ts);
	size_t nl = 2 + GT_ARRAY_LEN(tsbs_tags), k = 0;
	Prometheus__Label **l = xmalloc(nl * sizeof(*l));
	snprintf(name, sizeof(name), "cpu_%zu", i / hosts);
	snprintf(host, sizeof(host), "host_%zu", i % hosts);
	l[k++] = label("__name__", 8, name, strlen(name));
	for (size_t t = 0; t < GT_ARRAY_LEN(tsbs_tags); t++)
		l[k++] = label(tsbs_tags[t][0], strlen(tsbs_tags[t][0]), tsbs_tags[t][1], strlen(tsbs_tags[t][1]));
	l[k++] = label("hostname", 8, host, strlen(host));
	qsort(l, nl, sizeof(*l), lbl_cmp);
	ts->labels = l;
	ts->n_labels = nl;
	ts->samples = xmalloc(per * sizeof(*ts->samples));
	for (size_t s = 0; s < per; s++) {
		ts->samples[s] = xmalloc(sizeof(**ts->samples));
		prometheus__sample__init(ts->samples[s]);
	}
	return ts;
}

/* wr's series, n samples each, encoded a sample a TimeSeries, time-major. */
static void encode_per_sample(const Prometheus__WriteRequest *wr, size_t n, struct gt_buf *out)
{
	size_t ne = wr->n_timeseries * n;
	Prometheus__TimeSeries *one = xmalloc(ne * sizeof(*one));
	Prometheus__TimeSeries **p = xmalloc(ne * sizeof(*p));
	Prometheus__WriteRequest w1 = PROMETHEUS__WRITE_REQUEST__INIT;

	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < wr->n_timeseries; i++) {
			size_t e = s * wr->n_timeseries + i;
			one[e] = *wr->timeseries[i];
			one[e].n_samples = 1;
			one[e].samples = &wr->timeseries[i]->samples[s];
			p[e] = &one[e];
		}
	w1.n_timeseries = ne;
	w1.timeseries = p;
	encode_write(&w1, out);
	free(one);
	free(p);
}

static void send_gen(const char *spec, size_t batch, int senders, int64_t start, int64_t interval)
{
	unsigned metrics, hosts, steps;
	if (sscanf(spec, "%u,%u,%u", &metrics, &hosts, &steps) != 3 || !metrics || !hosts || !steps)
		die("--gen wants METRICS,HOSTS,STEPS");
	size_t nseries = (size_t)metrics * hosts, total = 0, nreq = 0;
	if ((size_t)senders > nseries)
		senders = (int)nseries;
	struct shard *sh = xmalloc((size_t)senders * sizeof(*sh));
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	for (int k = 0; k < senders; k++) {
		/* shard k: series k, k + senders, ...; each request BATCH samples of them */
		size_t nsub = (nseries - (size_t)k + (size_t)senders - 1) / (size_t)senders;
		size_t per = batch / nsub ? batch / nsub : 1;
		Prometheus__WriteRequest wr = PROMETHEUS__WRITE_REQUEST__INIT;
		wr.n_timeseries = nsub;
		wr.timeseries = xmalloc(nsub * sizeof(*wr.timeseries));
		for (size_t i = 0; i < nsub; i++)
			wr.timeseries[i] = gen_series((size_t)k + i * (size_t)senders, hosts, per);
		sh[k].nbodies = (steps + per - 1) / per;
		sh[k].bodies = xmalloc(sh[k].nbodies * sizeof(struct gt_buf));
		for (size_t r = 0; r < sh[k].nbodies; r++) {
			size_t step0 = r * per, n = GT_MIN(per, steps - step0);
			for (size_t i = 0; i < nsub; i++) {
				Prometheus__TimeSeries *ts = wr.timeseries[i];
				ts->n_samples = n;
				for (size_t s = 0; s < n; s++) {
					rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
					ts->samples[s]->timestamp = start + (int64_t)(step0 + s) * interval;
					ts->samples[s]->value = (double)(rng >> 11) / 9007199254740992.0 * 100.0;
				}
				total += n;
			}
			if (per_sample)
				encode_per_sample(&wr, n, &sh[k].bodies[r]);
			else
				encode_write(&wr, &sh[k].bodies[r]);
		}
		for (size_t i = 0; i < nsub; i++)
			wr.timeseries[i]->n_samples = per;
		free_write(&wr);
		nreq += sh[k].nbodies;
	}
	if (dump_path) {
		CURL *c = curl_easy_init();
		post(c, url, &sh[0].bodies[0], false, NULL);
	}

	pthread_t *th = xmalloc((size_t)senders * sizeof(*th));
	double t0 = now_s();
	for (int i = 0; i < senders; i++)
		if (pthread_create(&th[i], NULL, sender, &sh[i]))
			die("cannot start a thread");
	for (int i = 0; i < senders; i++)
		pthread_join(th[i], NULL);
	double dt = now_s() - t0;
	printf("samples=%zu requests=%zu seconds=%.3f samples_per_sec=%.0f\n", total, nreq, dt, (double)total / dt);
	for (int k = 0; k < senders; k++) {
		for (size_t r = 0; r < sh[k].nbodies; r++)
			gt_buf_release(&sh[k].bodies[r]);
		free(sh[k].bodies);
	}
	free(sh);
	free(th);
}

/* --- raw --- */

static void send_raw(void)
{
	struct gt_buf in = {0}, body = {0};
	struct gt_err err = {0};
	char chunk[65536];
	size_t n;
	CURL *c = curl_easy_init();

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (gt_buf_add(&in, chunk, n))
			die("out of memory");
	if (gt_snappy_encode(in.p ? in.p : "", in.len, &body, &err))
		die("%s", err.msg);
	post(c, url, &body, false, NULL);
	curl_easy_cleanup(c);
	gt_buf_release(&in);
	gt_buf_release(&body);
}

/* --- remote read --- */

static void print_value(double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	if (bits == GT_PQ_STALE_BITS)
		printf("stale");
	else if (isnan(v))
		printf("NaN");
	else if (isinf(v))
		printf(v > 0 ? "+Inf" : "-Inf");
	else
		printf("%.17g", v);
}

static void do_read(const char *sel, int64_t start, int64_t end)
{
	Prometheus__ReadRequest rr = PROMETHEUS__READ_REQUEST__INIT;
	Prometheus__Query q = PROMETHEUS__QUERY__INIT;
	Prometheus__Query *qp = &q;
	Prometheus__TimeSeries ts = PROMETHEUS__TIME_SERIES__INIT;
	char *copy = xstrndup(sel, strlen(sel));
	struct gt_buf body = {0}, resp = {0}, raw = {0};
	struct gt_err err = {0};
	CURL *c = curl_easy_init();

	/* the selector's labels become equality matchers; name=~"re" and name!="v" too */
	parse_series(copy, &ts, 1);
	q.start_timestamp_ms = start;
	q.end_timestamp_ms = end;
	q.n_matchers = ts.n_labels;
	q.matchers = xmalloc((ts.n_labels + 1) * sizeof(*q.matchers));
	for (size_t i = 0; i < ts.n_labels; i++) {
		Prometheus__LabelMatcher *m = xmalloc(sizeof(*m));
		prometheus__label_matcher__init(m);
		char *name = ts.labels[i]->name;
		size_t nl = strlen(name);
		m->type = PROMETHEUS__LABEL_MATCHER__TYPE__EQ;
		if (nl && name[nl - 1] == '~') {
			name[--nl] = 0;
			m->type = PROMETHEUS__LABEL_MATCHER__TYPE__RE;
			if (nl && name[nl - 1] == '!') {
				name[--nl] = 0;
				m->type = PROMETHEUS__LABEL_MATCHER__TYPE__NRE;
			}
		} else if (nl && name[nl - 1] == '!') {
			name[--nl] = 0;
			m->type = PROMETHEUS__LABEL_MATCHER__TYPE__NEQ;
		}
		m->name = name;
		m->value = ts.labels[i]->value;
		q.matchers[i] = m;
	}
	rr.n_queries = 1;
	rr.queries = &qp;
	size_t n = prometheus__read_request__get_packed_size(&rr);
	uint8_t *pb = xmalloc(n);
	prometheus__read_request__pack(&rr, pb);
	if (gt_snappy_encode(pb, n, &body, &err))
		die("%s", err.msg);
	post(c, url, &body, true, &resp);

	struct gt_prom_scratch s = {0};
	size_t rawlen;
	if (gt_snappy_decode(&s, resp.p ? resp.p : "", resp.len, (size_t)1 << 30, &rawlen, &err))
		die("answer: %s", err.msg);
	Prometheus__ReadResponse *rsp = prometheus__read_response__unpack(NULL, rawlen, (uint8_t *)s.raw);
	if (!rsp)
		die("answer: bad protobuf ReadResponse");
	for (size_t r = 0; r < rsp->n_results; r++)
		for (size_t i = 0; i < rsp->results[r]->n_timeseries; i++) {
			Prometheus__TimeSeries *t = rsp->results[r]->timeseries[i];
			const char *name = "";
			for (size_t k = 0; k < t->n_labels; k++)
				if (!strcmp(t->labels[k]->name, "__name__"))
					name = t->labels[k]->value;
			for (size_t k = 0; k < t->n_samples; k++) {
				printf("%s{", name);
				int first = 1;
				for (size_t l = 0; l < t->n_labels; l++) {
					if (!strcmp(t->labels[l]->name, "__name__"))
						continue;
					printf("%s%s=\"%s\"", first ? "" : ",", t->labels[l]->name, t->labels[l]->value);
					first = 0;
				}
				printf("} ");
				print_value(t->samples[k]->value);
				printf(" %" PRId64 "\n", t->samples[k]->timestamp);
			}
		}
	prometheus__read_response__free_unpacked(rsp, NULL);
	for (size_t i = 0; i < q.n_matchers; i++)
		free(q.matchers[i]);   /* name and value belong to ts's labels */
	free(q.matchers);
	for (size_t k = 0; k < ts.n_labels; k++) {
		free(ts.labels[k]->name);
		free(ts.labels[k]->value);
		free(ts.labels[k]);
	}
	free(ts.labels);
	free(copy);
	gt_prom_scratch_release(&s);
	gt_buf_release(&body);
	gt_buf_release(&resp);
	gt_buf_release(&raw);
	free(pb);
	curl_easy_cleanup(c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"gen", required_argument, NULL, 'g'}, {"batch", required_argument, NULL, 'b'},
		{"senders", required_argument, NULL, 'c'}, {"start", required_argument, NULL, 's'},
		{"end", required_argument, NULL, 'e'}, {"interval", required_argument, NULL, 'i'},
		{"raw", no_argument, NULL, 'r'}, {"read", required_argument, NULL, 'R'},
		{"dump", required_argument, NULL, 'd'}, {"per-sample", no_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	const char *gen = NULL, *read_sel = NULL;
	size_t batch = 5000;
	int senders = 1, raw = 0, o;
	int64_t start = 1451606400000LL, end = INT64_MAX, interval = 10000;

	while ((o = getopt_long(argc, argv, "b:c:", opts, NULL)) != -1) {
		switch (o) {
		case 'g': gen = optarg; break;
		case 'b': batch = strtoull(optarg, NULL, 10); break;
		case 'c': senders = (int)strtol(optarg, NULL, 10); break;
		case 's': start = strtoll(optarg, NULL, 10); break;
		case 'e': end = strtoll(optarg, NULL, 10); break;
		case 'i': interval = strtoll(optarg, NULL, 10); break;
		case 'r': raw = 1; break;
		case 'R': read_sel = optarg; break;
		case 'd': dump_path = optarg; break;
		case 'P': per_sample = 1; break;
		default:
			fprintf(stderr, "usage: gt-prom-send [--gen M,H,STEPS] [-b BATCH] [-c SENDERS] [--start MS] "
					"[--interval MS] [--per-sample] [--raw] [--read SELECTOR --start MS --end MS] [--dump FILE] URL\n");
			return 2;
		}
	}
	if (optind + 1 != argc || !batch || senders < 1)
		die("usage: gt-prom-send [options] URL (see the source's header)");
	url = argv[optind];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (read_sel)
		do_read(read_sel, start, end);
	else if (gen)
		send_gen(gen, batch, senders, start, interval);
	else if (raw)
		send_raw();
	else
		send_stdin(batch);
	curl_global_cleanup();
	return 0;
}
