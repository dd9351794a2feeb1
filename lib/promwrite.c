/*
 * promwrite.c - Prometheus remote write and remote read (promwrite.h):
 * snappy frames, protobuf-c decoding into an arena, the checks that
 * make a write all or nothing, and the rows handed to ingest.c.
 */
#include "promwrite.h"

#include <inttypes.h>
#include <snappy-c.h>
#include <stdio.h>

#include "prometheus-remote.pb-c.h"

/* --- scratch and the decode arena --- */

struct gt_prom_chunk {
	struct gt_prom_chunk *next;
	size_t cap, used;
	max_align_t data[];
};

#define CHUNK_MIN ((size_t)1 << 20)

static void *arena_alloc(void *ctx, size_t n)
{
	struct gt_prom_scratch *s = ctx;
	struct gt_prom_chunk *c = s->chunks;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < n) {
		/* keep the first chunk across requests; a bigger one goes in front */
		size_t cap = GT_MAX(CHUNK_MIN, n);
		if (s->arena_used + cap > s->arena_max)
			return NULL;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = s->chunks;
		s->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	s->arena_used += n;
	return p;
}

static void arena_free(void *ctx, void *p)
{
	(void)ctx;
	(void)p;
}

/* Forget the arena's allocations, keeping one chunk for the next request. */
static void arena_reset(struct gt_prom_scratch *s)
{
	struct gt_prom_chunk *c = s->chunks, *keep = NULL;

	while (c) {
		struct gt_prom_chunk *next = c->next;
		if (!keep && c->cap == CHUNK_MIN) {
			keep = c;
			keep->used = 0;
			keep->next = NULL;
		} else {
			free(c);
		}
		c = next;
	}
	s->chunks = keep;
	s->arena_used = 0;
}

void gt_prom_scratch_release(struct gt_prom_scratch *s)
{
	arena_reset(s);
	free(s->chunks);
	free(s->raw);
	free(s->ts);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* --- snappy --- */

int gt_snappy_decode(struct gt_prom_scratch *s, const void *in, size_t n, size_t max, size_t *outlen,
		     struct gt_err *err)
{
	size_t ulen;

	*outlen = 0;
	if (snappy_uncompressed_length(in, n, &ulen) != SNAPPY_OK)
		return gt_errf(err, GT_EINVAL, "corrupt snappy frame: no valid length header (remote write bodies are snappy block format)");
	if (ulen > max)
		return gt_errf(err, GT_ETOOBIG, "snappy frame decompresses to %zu bytes, over the limit of %zu bytes",
			       ulen, max);
	if (ulen + 1 > s->rawcap) {
		char *p = realloc(s->raw, ulen + 1);
		if (!p)
			return gt_errf(err, GT_ENOMEM, "out of memory for a body of %zu bytes", ulen);
		s->raw = p;
		s->rawcap = ulen + 1;
	}
	size_t got = ulen;
	if (snappy_uncompress(in, n, s->raw, &got) != SNAPPY_OK || got != ulen)
		return gt_errf(err, GT_EINVAL, "corrupt snappy frame: the data does not decompress");
	s->raw[ulen] = 0;
	*outlen = ulen;
	return 0;
}

int gt_snappy_encode(const void *in, size_t n, struct gt_buf *out, struct gt_err *err)
{
	size_t cap = snappy_max_compressed_length(n), got = cap;

	if (gt_buf_grow(out, cap))
		return gt_errf(err, GT_ENOMEM, "out of memory compressing %zu bytes", n);
	if (snappy_compress(in, n, out->p + out->len, &got) != SNAPPY_OK)
		return gt_errf(err, GT_EINVAL, "snappy cannot compress %zu bytes", n);
	out->len += got;
	return 0;
}

/* --- remote write --- */

void gt_prom_arena_start(struct gt_prom_scratch *s, ProtobufCAllocator *a, size_t max)
{
	arena_reset(s);
	s->arena_max = max;
	a->alloc = arena_alloc;
	a->free = arena_free;
	a->allocator_data = s;
}

void gt_prom_arena_end(struct gt_prom_scratch *s)
{
	arena_reset(s);
}

/* Prometheus's label name syntax: [a-zA-Z_][a-zA-Z0-9_]* */
static bool label_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp((*(Prometheus__Label *const *)a)->name, (*(Prometheus__Label *const *)b)->name);
}

/*
 * Check series i and fill pt (table, tags, the value field) for it.
 * tags has room for ts->n_labels.  Returns 0, or GT_EINVAL naming the series.
 */
static int check_series(Prometheus__TimeSeries *ts, size_t i, struct gt_lp_point *pt, struct gt_lp_tag *tags,
			struct gt_err *err)
{
	const char *name = NULL;
	uint32_t nt = 0;

	/* sorted by name, as Prometheus sends them; sort if a sender did not */
	for (size_t k = 1; k < ts->n_labels; k++)
		if (strcmp(ts->labels[k - 1]->name, ts->labels[k]->name) >= 0) {
			qsort(ts->labels, ts->n_labels, sizeof(*ts->labels), label_cmp);
			break;
		}
	for (size_t k = 0; k < ts->n_labels; k++) {
		const Prometheus__Label *l = ts->labels[k];
		if (k && !strcmp(ts->labels[k - 1]->name, l->name))
			return gt_errf(err, GT_EINVAL, "series %zu has label '%.100s' twice", i + 1, l->name);
		/* the first letter before the whole name: most labels are neither */
		if (l->name[0] == '_' && !strcmp(l->name, "__name__")) {
			name = l->value;
			continue;
		}
		if (!label_name_ok(l->name))
			return gt_errf(err, GT_EINVAL, "series %zu: invalid label name '%.100s'", i + 1, l->name);
		if (l->name[0] == 'g' && (!strcmp(l->name, GT_TS_COLUMN) || !strcmp(l->name, GT_PROM_VALUE_COLUMN)))
			return gt_errf(err, GT_EINVAL, "series %zu: label name '%s' is reserved for a column", i + 1,
				       l->name);
		if (!*l->value)
			continue;   /* an empty label is no label */
		tags[nt].key.p = l->name;
		tags[nt].key.n = (uint32_t)strlen(l->name);
		tags[nt].val.p = l->value;
		tags[nt].val.n = (uint32_t)GT_MIN(strlen(l->value), (size_t)UINT32_MAX);
		nt++;
	}
	if (!name || !*name)
		return gt_errf(err, GT_EINVAL, "series %zu has no __name__ label (the metric name)", i + 1);
	if (gt_check_name("metric", name, err))
		return gt_errf(err, GT_EINVAL, "series %zu: %s", i + 1, err->msg);
	pt->measurement.p = name;
	pt->measurement.n = (uint32_t)strlen(name);
	pt->tags = tags;
	pt->ntags = nt;
	pt->lineno = i + 1;
	return 0;
}

/* 1 ms in ns, and the range of ms that fits in ns */
#define MS_NS 1000000LL
#define MS_MAX (INT64_MAX / MS_NS)

int gt_promwrite_parse(struct gt_ingest *in, struct gt_prom_scratch *s, const void *pb, size_t len,
		       uint64_t *samples, struct gt_err *err)
{
	ProtobufCAllocator a;
	Prometheus__WriteRequest *wr;
	struct gt_lp_tag *tags = NULL;
	size_t tags_cap = 0;
	struct gt_lp_field f = {.key = {GT_PROM_VALUE_COLUMN, sizeof(GT_PROM_VALUE_COLUMN) - 1}, .type = GT_F64};
	struct gt_lp_point pt = {.fields = &f, .nfields = 1};
	uint64_t total = 0;
	int rc = 0;

	*samples = 0;
	gt_ingest_begin(in, GT_UNIT_MS, true);
	/* a request decodes to a few times its size; a crafted one (empty
	 * messages of two bytes each) could ask for far more */
	gt_prom_arena_start(s, &a, len * 16 + (CHUNK_MIN << 2));
	wr = prometheus__write_request__unpack(&a, len, pb);
	if (!wr) {
		if (s->arena_used + GT_MAX(CHUNK_MIN, len) > s->arena_max)
			rc = gt_errf(err, GT_ETOOBIG, "WriteRequest of %zu bytes decodes to more than %zu bytes", len,
				     s->arena_max);
		else
			rc = gt_errf(err, GT_EINVAL, "bad protobuf WriteRequest (%zu bytes): not a remote write 1.0 message",
				     len);
		goto out;
	}
	for (size_t i = 0; i < wr->n_timeseries && !rc; i++) {
		Prometheus__TimeSeries *ts = wr->timeseries[i];
		if (ts->n_labels > tags_cap) {
			free(tags);
			tags_cap = GT_MAX(ts->n_labels, (size_t)32);
			if (!(tags = gt_calloc(tags_cap, sizeof(*tags)))) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				break;
			}
		}
		if ((rc = check_series(ts, i, &pt, tags, err)))
			break;
		if (ts->n_samples > s->tvcap) {
			size_t cap = GT_MAX(ts->n_samples, (size_t)1024);
			int64_t *t = gt_reallocarray(s->ts, cap, sizeof(*t));
			if (t)
				s->ts = t;
			double *v = gt_reallocarray(s->v, cap, sizeof(*v));
			if (v)
				s->v = v;
			if (!t || !v) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				break;
			}
			s->tvcap = cap;
		}
		for (size_t k = 0; k < ts->n_samples; k++) {
			int64_t ms = ts->samples[k]->timestamp;
			if (ms > MS_MAX || ms < -MS_MAX) {
				rc = gt_errf(err, GT_EINVAL, "series %zu: timestamp %" PRId64 " ms is out of range", i + 1, ms);
				break;
			}
			s->ts[k] = ms * MS_NS;
			s->v[k] = ts->samples[k]->value;   /* bits as sent: NaN payloads survive a copy */
		}
		if (!rc && ts->n_samples)
			rc = gt_ingest_rows(in, &pt, s->ts, s->v, ts->n_samples, err);
		total += ts->n_samples;
	}
	if (!rc)
		*samples = total;
out:
	free(tags);
	arena_reset(s);
	return rc;
}
