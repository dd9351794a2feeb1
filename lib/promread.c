/*
 * promread.c - Prometheus remote read (promwrite.h): a ReadRequest's
 * queries answered from a gt_pq_source (promstore.h over the tables),
 * as a ReadResponse of samples.
 */
#include "promwrite.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>

#include "prometheus-remote.pb-c.h"

static int matcher_of(const Prometheus__LabelMatcher *lm, struct gt_pq_matcher *m, struct gt_err *err)
{
	m->name = lm->name;
	m->value = lm->value;
	m->re = NULL;
	switch (lm->type) {
	case PROMETHEUS__LABEL_MATCHER__TYPE__EQ: m->op = GT_PQ_M_EQ; return 0;
	case PROMETHEUS__LABEL_MATCHER__TYPE__NEQ: m->op = GT_PQ_M_NE; return 0;
	case PROMETHEUS__LABEL_MATCHER__TYPE__RE: m->op = GT_PQ_M_RE; break;
	case PROMETHEUS__LABEL_MATCHER__TYPE__NRE: m->op = GT_PQ_M_NRE; break;
	default: return gt_errf(err, GT_EINVAL, "unknown label matcher type %d", (int)lm->type);
	}
	/* fully anchored, as Prometheus anchors them */
	struct gt_buf pat = {0};
	int ec;
	PCRE2_SIZE eo;
	if (gt_buf_addf(&pat, "^(?:%s)$", lm->value))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	m->re = pcre2_compile((PCRE2_SPTR)pat.p, pat.len, PCRE2_UTF | PCRE2_DOTALL, &ec, &eo, NULL);
	gt_buf_release(&pat);
	if (!m->re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		return gt_errf(err, GT_EINVAL, "invalid regular expression '%.100s' for label %.100s: %s", lm->value,
			       lm->name, (const char *)msg);
	}
	return 0;
}

/* Answer one query into qr (arena-allocated).  The selected series are kept in *sel for freeing. */
static int read_query(const struct gt_pq_source *src, ProtobufCAllocator *a, const Prometheus__Query *q,
		      Prometheus__QueryResult *qr, struct gt_pq_series **sel, size_t *nsel, struct gt_err *err)
{
	struct gt_pq_matcher *m = gt_calloc(q->n_matchers + 1, sizeof(*m));
	size_t nm = 0;
	int rc = 0;

	if (!m)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (; nm < q->n_matchers && !rc; nm++)
		rc = matcher_of(q->matchers[nm], &m[nm], err);
	if (!rc)
		rc = src->select(src->ctx, m, nm, q->start_timestamp_ms, q->end_timestamp_ms, 0, sel, nsel, err);
	for (size_t i = 0; i < nm; i++)
		pcre2_code_free(m[i].re);
	free(m);
	if (rc)
		return rc;
	qr->n_timeseries = 0;
	qr->timeseries = a->alloc(a->allocator_data, (*nsel + 1) * sizeof(*qr->timeseries));
	if (!qr->timeseries)
		return gt_errf(err, GT_ETOOBIG, "the answer is too large");
	for (size_t i = 0; i < *nsel; i++) {
		const struct gt_pq_series *se = &(*sel)[i];
		Prometheus__TimeSeries *ts = a->alloc(a->allocator_data, sizeof(*ts));
		Prometheus__Label *lab = a->alloc(a->allocator_data, (se->labels.n + 1) * sizeof(*lab));
		Prometheus__Label **lp = a->alloc(a->allocator_data, (se->labels.n + 1) * sizeof(*lp));
		Prometheus__Sample *smp = a->alloc(a->allocator_data, (se->n + 1) * sizeof(*smp));
		Prometheus__Sample **sp = a->alloc(a->allocator_data, (se->n + 1) * sizeof(*sp));
		if (!ts || !lab || !lp || !smp || !sp)
			return gt_errf(err, GT_ETOOBIG, "the answer is too large");
		prometheus__time_series__init(ts);
		for (size_t k = 0; k < se->labels.n; k++) {
			prometheus__label__init(&lab[k]);
			lab[k].name = se->labels.l[k].name;
			lab[k].value = se->labels.l[k].value;
			lp[k] = &lab[k];
		}
		for (size_t k = 0; k < se->n; k++) {
			prometheus__sample__init(&smp[k]);
			smp[k].timestamp = se->t[k];
			smp[k].value = se->v[k];
			sp[k] = &smp[k];
		}
		ts->n_labels = se->labels.n;
		ts->labels = lp;
		ts->n_samples = se->n;
		ts->samples = sp;
		qr->timeseries[qr->n_timeseries++] = ts;
	}
	return 0;
}

int gt_promread(const struct gt_pq_source *src, struct gt_prom_scratch *s, const void *pb, size_t len,
		struct gt_buf *out, struct gt_err *err)
{
	ProtobufCAllocator a;
	Prometheus__ReadRequest *rr;
	Prometheus__ReadResponse resp = PROMETHEUS__READ_RESPONSE__INIT;
	struct gt_pq_series **sel = NULL;
	size_t *nsel = NULL;
	int rc = 0;

	/* the answer grows with the data, bounded by the source's own limit */
	gt_prom_arena_start(s, &a, SIZE_MAX / 2);
	rr = prometheus__read_request__unpack(&a, len, pb);
	if (!rr) {
		rc = gt_errf(err, GT_EINVAL, "bad protobuf ReadRequest (%zu bytes)", len);
		goto out;
	}
	for (size_t i = 0; i < rr->n_accepted_response_types; i++)
		if (rr->accepted_response_types[i] == PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__SAMPLES)
			break;
		else if (i + 1 == rr->n_accepted_response_types) {
			rc = gt_errf(err, GT_EINVAL, "remote read: only the SAMPLES response type is served");
			goto out;
		}
	sel = gt_calloc(rr->n_queries + 1, sizeof(*sel));
	nsel = gt_calloc(rr->n_queries + 1, sizeof(*nsel));
	resp.results = a.alloc(a.allocator_data, (rr->n_queries + 1) * sizeof(*resp.results));
	if (!sel || !nsel || !resp.results) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < rr->n_queries && !rc; i++) {
		Prometheus__QueryResult *qr = a.alloc(a.allocator_data, sizeof(*qr));
		if (!qr) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			break;
		}
		prometheus__query_result__init(qr);
		resp.results[resp.n_results++] = qr;
		rc = read_query(src, &a, rr->queries[i], qr, &sel[i], &nsel[i], err);
	}
	if (!rc) {
		size_t n = prometheus__read_response__get_packed_size(&resp);
		if (gt_buf_grow(out, n))
			rc = gt_errf(err, GT_ENOMEM, "out of memory for an answer of %zu bytes", n);
		else
			out->len += prometheus__read_response__pack(&resp, (uint8_t *)out->p + out->len);
	}
out:
	if (sel)
		for (size_t i = 0; rr && i < rr->n_queries; i++)
			gt_pq_series_free(sel[i], nsel[i]);
	free(sel);
	free(nsel);
	gt_prom_arena_end(s);
	return rc;
}
