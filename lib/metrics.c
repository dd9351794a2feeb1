/*
 * metrics.c - counters, gauges and histograms with labels (metrics.h).
 *
 *   registry --> family[] (name, help, type, bounds) --> series list
 *                                                      (labels, atomics)
 *
 * Families and series are allocated one by one and never moved or freed
 * before the registry, so series pointers stay valid while the arrays
 * that index them grow.  Doubles (gauges, histogram sums) are kept as
 * their bit patterns in atomic 64-bit words; a sum is updated with a
 * compare-and-swap loop.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "codec.h"
#include "metrics.h"

#define MAX_SERIES 10000   /* ceiling against unbounded label values */

enum kind { K_COUNTER = 1, K_GAUGE, K_HISTOGRAM };

struct gt_metric {
	struct gt_metric *next;
	uint8_t kind;
	unsigned nbounds;
	const double *bounds;              /* the family's */
	_Atomic uint64_t val;              /* counter value, or gauge bits */
	_Atomic uint64_t sum_bits;         /* histogram */
	_Atomic uint64_t count;
	_Atomic uint64_t buckets[GT_METRICS_MAX_BUCKETS + 1];
	char labels[];
};

struct family {
	char *name, *help;
	uint8_t kind;
	unsigned nbounds;
	double bounds[GT_METRICS_MAX_BUCKETS];
	struct gt_metric *head, **tail;
};

struct gt_metrics {
	pthread_rwlock_t lock;
	struct family **fams;
	size_t nfams, cap, nseries;
};

int gt_metrics_new(struct gt_metrics **out)
{
	struct gt_metrics *m = gt_calloc(1, sizeof(*m));
	*out = NULL;
	if (!m)
		return GT_ENOMEM;
	pthread_rwlock_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void gt_metrics_free(struct gt_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfams; i++) {
		struct family *f = m->fams[i];
		for (struct gt_metric *s = f->head, *next; s; s = next) {
			next = s->next;
			free(s);
		}
		free(f->name);
		free(f->help);
		free(f);
	}
	free(m->fams);
	pthread_rwlock_destroy(&m->lock);
	free(m);
}

static struct family *find_family(struct gt_metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nfams; i++)
		if (!strcmp(m->fams[i]->name, name))
			return m->fams[i];
	return NULL;
}

static struct gt_metric *find_series(struct family *f, const char *labels)
{
	for (struct gt_metric *s = f->head; s; s = s->next)
		if (!strcmp(s->labels, labels))
			return s;
	return NULL;
}

static struct gt_metric *get(struct gt_metrics *m, uint8_t kind, const char *name, const char *help,
			     const char *labels, const double *bounds, unsigned nbounds)
{
	struct family *f;
	struct gt_metric *s = NULL;
	size_t llen;

	if (!m || !name)
		return NULL;
	if (!labels)
		labels = "";
	pthread_rwlock_rdlock(&m->lock);
	f = find_family(m, name);
	if (f && f->kind == kind)
		s = find_series(f, labels);
	pthread_rwlock_unlock(&m->lock);
	if (s || (f && f->kind != kind))
		return s;

	pthread_rwlock_wrlock(&m->lock);
	f = find_family(m, name);
	if (f && f->kind != kind)
		goto out;
	if (f && (s = find_series(f, labels)))
		goto out;
	if (m->nseries >= MAX_SERIES)
		goto out;
	if (!f) {
		if (m->nfams == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 16;
			struct family **v = gt_reallocarray(m->fams, cap, sizeof(*v));
			if (!v)
				goto out;
			m->fams = v;
			m->cap = cap;
		}
		if (!(f = gt_calloc(1, sizeof(*f))))
			goto out;
		f->name = gt_strdup(name);
		f->help = gt_strdup(help ? help : "");
		if (!f->name || !f->help) {
			free(f->name);
			free(f->help);
			free(f);
			f = NULL;
			goto out;
		}
		f->kind = kind;
		f->nbounds = GT_MIN(nbounds, GT_METRICS_MAX_BUCKETS);
		for (unsigned i = 0; i < f->nbounds; i++)
			f->bounds[i] = bounds[i];
		f->tail = &f->head;
		m->fams[m->nfams++] = f;
	}
	llen = strlen(labels);
	if (!(s = gt_calloc(1, sizeof(*s) + llen + 1)))
		goto out;
	memcpy(s->labels, labels, llen + 1);
	s->kind = kind;
	s->nbounds = f->nbounds;
	s->bounds = f->bounds;
	*f->tail = s;
	f->tail = &s->next;
	m->nseries++;
out:
	pthread_rwlock_unlock(&m->lock);
	return s;
}

struct gt_metric *gt_metrics_counter(struct gt_metrics *m, const char *name, const char *help,
				     const char *labels)
{
	return get(m, K_COUNTER, name, help, labels, NULL, 0);
}

struct gt_metric *gt_metrics_gauge(struct gt_metrics *m, const char *name, const char *help,
				   const char *labels)
{
	return get(m, K_GAUGE, name, help, labels, NULL, 0);
}

struct gt_metric *gt_metrics_histogram(struct gt_metrics *m, const char *name, const char *help,
				       const char *labels, const double *bounds, unsigned nbounds)
{
	return get(m, K_HISTOGRAM, name, help, labels, bounds, nbounds);
}


void gt_metric_add(struct gt_metric *c, uint64_t n)
{
	if (c && c->kind == K_COUNTER)
		atomic_fetch_add_explicit(&c->val, n, memory_order_relaxed);
}

void gt_metric_set(struct gt_metric *g, double v)
{
	if (g && g->kind == K_GAUGE)
		atomic_store_explicit(&g->val, gt_f64_bits(v), memory_order_relaxed);
}

void gt_metric_observe(struct gt_metric *h, double v)
{
	unsigned i = 0;
	uint64_t old;

	if (!h || h->kind != K_HISTOGRAM)
		return;
	while (i < h->nbounds && v > h->bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	old = atomic_load_explicit(&h->sum_bits, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&h->sum_bits, &old, gt_f64_bits(gt_f64_of(old) + v),
						      memory_order_relaxed, memory_order_relaxed))
		;
}

double gt_metric_value(const struct gt_metric *x)
{
	if (!x)
		return 0;
	if (x->kind == K_COUNTER)
		return (double)atomic_load(&x->val);
	if (x->kind == K_GAUGE)
		return gt_f64_of(atomic_load(&x->val));
	return (double)atomic_load(&x->count);
}

/* Prometheus' float form: shortest %g that reads back, +Inf, -Inf, NaN. */
static int add_num(struct gt_buf *out, double v)
{
	char tmp[40];

	if (isnan(v))
		return gt_buf_addstr(out, "NaN");
	if (isinf(v))
		return gt_buf_addstr(out, v > 0 ? "+Inf" : "-Inf");
	if (v == floor(v) && fabs(v) < 1e15)
		return gt_buf_addf(out, "%.0f", v);
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return gt_buf_addstr(out, tmp);
}

/* HELP text escapes: backslash and newline. */
static int add_help(struct gt_buf *out, const char *s)
{
	int rc = 0;
	for (; *s && !rc; s++) {
		if (*s == '\\')
			rc = gt_buf_add(out, "\\\\", 2);
		else if (*s == '\n')
			rc = gt_buf_add(out, "\\n", 2);
		else
			rc = gt_buf_addch(out, *s);
	}
	return rc;
}

static int render_series(struct gt_buf *out, const struct family *f, struct gt_metric *s)
{
	const char *sep = s->labels[0] ? "," : "";
	uint64_t cum = 0;
	int rc;

	if (f->kind != K_HISTOGRAM) {
		if ((rc = gt_buf_addf(out, s->labels[0] ? "%s{%s} " : "%s%s ", f->name, s->labels)))
			return rc;
		if (f->kind == K_COUNTER)
			rc = gt_buf_addf(out, "%llu", (unsigned long long)atomic_load(&s->val));
		else
			rc = add_num(out, gt_f64_of(atomic_load(&s->val)));
		return rc ? rc : gt_buf_addch(out, '\n');
	}
	for (unsigned i = 0; i <= f->nbounds; i++) {
		cum += atomic_load(&s->buckets[i]);
		if ((rc = gt_buf_addf(out, "%s_bucket{%s%sle=\"", f->name, s->labels, sep)) ||
		    (rc = add_num(out, i < f->nbounds ? f->bounds[i] : INFINITY)) ||
		    (rc = gt_buf_addf(out, "\"} %llu\n", (unsigned long long)cum)))
			return rc;
	}
	if ((rc = gt_buf_addf(out, s->labels[0] ? "%s_sum{%s} " : "%s_sum%s ", f->name, s->labels)) ||
	    (rc = add_num(out, gt_f64_of(atomic_load(&s->sum_bits)))))
		return rc;
	/* count as the buckets' total, so that it always equals the +Inf bucket */
	return gt_buf_addf(out, s->labels[0] ? "\n%s_count{%s} %llu\n" : "\n%s_count%s %llu\n", f->name,
			   s->labels, (unsigned long long)cum);
}

int gt_metrics_render(struct gt_metrics *m, struct gt_buf *out)
{
	static const char *types[] = {"", "counter", "gauge", "histogram"};
	int rc = 0;

	pthread_rwlock_rdlock(&m->lock);
	for (size_t i = 0; i < m->nfams && !rc; i++) {
		const struct family *f = m->fams[i];
		if ((rc = gt_buf_addf(out, "# HELP %s ", f->name)) || (rc = add_help(out, f->help)) ||
		    (rc = gt_buf_addf(out, "\n# TYPE %s %s\n", f->name, types[f->kind])))
			break;
		for (struct gt_metric *s = f->head; s && !rc; s = s->next)
			rc = render_series(out, f, s);
	}
	pthread_rwlock_unlock(&m->lock);
	return rc;
}
