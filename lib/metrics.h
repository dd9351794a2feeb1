/*
 * metrics.h - a server's own metrics: counters, gauges and histograms
 * with labels, rendered in Prometheus' text exposition format (0.0.4)
 * for GET /metrics.
 *
 * A registry owns metric families (one name, help text and type each);
 * a family owns its series (one label set each).  Series are created on
 * first use and live as long as the registry, so the pointer returned by
 * gt_metrics_counter() and friends may be kept and updated without a
 * lookup.  Labels are given as Prometheus writes them between braces,
 * already escaped: `endpoint="/v1/sql",code="200"` (NULL or "" for none).
 *
 * Thread safety: every function is thread-safe.  Lookups take a
 * read-write lock (shared for existing series); updates are lock-free
 * atomics.  A render sees each value atomically but not all values at
 * one instant.
 *
 * Calling sequence: gt_metrics_new, gt_metrics_{counter,gauge,histogram}
 * and updates from any thread, gt_metrics_render, gt_metrics_free (after
 * every user stopped).
 */
#ifndef GT_METRICS_H
#define GT_METRICS_H

#include "buf.h"

struct gt_metrics;
struct gt_metric;   /* one series: a counter, a gauge or a histogram */

#define GT_METRICS_MAX_BUCKETS 32

int gt_metrics_new(struct gt_metrics **out);
void gt_metrics_free(struct gt_metrics *m);

/*
 * Find or create a series.  NULL when out of memory, when the name is
 * already registered with another type, or when the registry holds
 * too many series (a ceiling against label explosions); updates on a
 * NULL series are ignored, so callers need not check.
 * For histograms, bounds are the upper bounds of the buckets in
 * increasing order (at most GT_METRICS_MAX_BUCKETS, +Inf is implied);
 * the first call for a name fixes them.
 */
struct gt_metric *gt_metrics_counter(struct gt_metrics *m, const char *name, const char *help,
				     const char *labels);
struct gt_metric *gt_metrics_gauge(struct gt_metrics *m, const char *name, const char *help,
				   const char *labels);
struct gt_metric *gt_metrics_histogram(struct gt_metrics *m, const char *name, const char *help,
				       const char *labels, const double *bounds, unsigned nbounds);

void gt_metric_add(struct gt_metric *c, uint64_t n);      /* counter */
void gt_metric_set(struct gt_metric *g, double v);        /* gauge */
void gt_metric_observe(struct gt_metric *h, double v);    /* histogram */
/* Current value of a counter or gauge (tests). */
double gt_metric_value(const struct gt_metric *x);

/* Append every family, in registration order, in the text format. */
int gt_metrics_render(struct gt_metrics *m, struct gt_buf *out);

#endif
