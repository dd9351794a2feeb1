/*
 * promwrite.c - Prometheus remote write and remote read (promwrite.h):
 * snappy frames, protobuf-c decoding into an arena, the checks that
 * make a write all or nothing, and the rows handed to ingest.c.
 */
#include "promwrite.h"
#include "codec.h"
#include "keymap.h"

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

static void memo_free(struct gt_prom_memo *m);

void gt_prom_scratch_release(struct gt_prom_scratch *s)
{
	memo_free(s->memo);
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

/* --- remote write: the WriteRequest read in place --- */

/*
 * The messages of proto/prometheus-remote.proto that a write carries,
 * read straight from the decompressed body (strings stay in it):
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; ... }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; ... }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 *
 * As protobuf has it: fields in any order, the last of a repeated
 * scalar wins, a missing one is zero or empty, unknown fields (metadata,
 * exemplars, native histograms) are skipped.  A known field of the wrong
 * wire type, a truncated field or a varint over 10 bytes is an error
 * that names the offset.  protobuf-c's generic unpacker, which this
 * replaces for writes, copied every label into its own allocation and
 * cost 10 - 17% of ingest (perf); remote read still uses it.
 */

/* A reader over base[off..end). */
struct pb {
	const uint8_t *base;
	size_t off, end;
};

/* One field: number, wire type, and its value (varint, fixed) or bytes (LEN). */
struct pb_field {
	uint32_t num;
	uint8_t wt;
	uint64_t v;
	size_t at, n;        /* LEN: bytes [at, at + n) of base */
	size_t start;        /* the field's own offset, for messages */
};

enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_I32 = 5 };

static int pb_varint(struct pb *r, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned sh = 0; sh < 64 && r->off < r->end; sh += 7) {
		uint8_t b = r->base[r->off++];
		x |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* The next field: 1, 0 at the end, or GT_EINVAL (err says where). */
static int pb_next(struct pb *r, struct pb_field *f, const char *msg, struct gt_err *err)
{
	uint64_t tag;

	if (r->off >= r->end)
		return 0;
	f->start = r->off;
	if (pb_varint(r, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
		return gt_errf(err, GT_EINVAL, "bad protobuf WriteRequest: bad field key in a %s at offset %zu", msg,
			       f->start);
	f->num = (uint32_t)(tag >> 3);
	f->wt = (uint8_t)(tag & 7);
	switch (f->wt) {
	case PB_VARINT:
		if (pb_varint(r, &f->v))
			goto truncated;
		return 1;
	case PB_I64:
	case PB_I32: {
		size_t width = f->wt == PB_I64 ? 8 : 4;
		if (r->end - r->off < width)
			goto truncated;
		f->v = width == 8 ? gt_get_le64(r->base + r->off) : gt_get_le32(r->base + r->off);
		r->off += width;
		return 1;
	}
	case PB_LEN:
		if (pb_varint(r, &f->v) || f->v > r->end - r->off)
			goto truncated;
		f->at = r->off;
		f->n = (size_t)f->v;
		r->off += f->n;
		return 1;
	default:
		return gt_errf(err, GT_EINVAL, "bad protobuf WriteRequest: field %u of a %s at offset %zu has wire type %u",
			       f->num, msg, f->start, f->wt);
	}
truncated:
	return gt_errf(err, GT_EINVAL, "bad protobuf WriteRequest: field %u of a %s at offset %zu is truncated", f->num,
		       msg, f->start);
}

static int pb_wrong(const struct pb_field *f, const char *msg, const char *field, struct gt_err *err)
{
	return gt_errf(err, GT_EINVAL, "bad protobuf WriteRequest: %s.%s at offset %zu has wire type %u", msg, field,
		       f->start, f->wt);
}

/* Prometheus's label name syntax: [a-zA-Z_][a-zA-Z0-9_]* */
static bool label_name_ok(const char *s, uint32_t n)
{
	if (!n || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (uint32_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static int str_cmp(const struct gt_lp_str *a, const struct gt_lp_str *b)
{
	int c = memcmp(a->p, b->p, GT_MIN(a->n, b->n));
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

static bool str_is(const struct gt_lp_str *a, const char *lit)
{
	size_t n = strlen(lit);
	return a->n == n && !memcmp(a->p, lit, n);
}

static int label_cmp(const void *a, const void *b)
{
	return str_cmp(&((const struct gt_lp_tag *)a)->key, &((const struct gt_lp_tag *)b)->key);
}

/* The decoding state of one request. */
struct wr {
	struct gt_prom_scratch *s;
	const uint8_t *base;
	struct gt_lp_tag *labels;   /* the series' labels, name -> key, value -> val */
	size_t nlabels, labels_cap;
	size_t nsamples;            /* into s->ts, s->v */
};

static int add_label(struct wr *w, const struct pb_field *lf, struct gt_err *err)
{
	struct pb r = {w->base, lf->at, lf->at + lf->n};
	struct gt_lp_tag l = {{"", 0}, {"", 0}};
	struct pb_field f;
	int k;

	while ((k = pb_next(&r, &f, "Label", err)) > 0) {
		if (f.num != 1 && f.num != 2)
			continue;
		if (f.wt != PB_LEN)
			return pb_wrong(&f, "Label", f.num == 1 ? "name" : "value", err);
		if (f.n > UINT32_MAX)
			return gt_errf(err, GT_EINVAL, "bad protobuf WriteRequest: a label of %zu bytes", f.n);
		struct gt_lp_str *dst = f.num == 1 ? &l.key : &l.val;
		dst->p = (const char *)w->base + f.at;
		dst->n = (uint32_t)f.n;
	}
	if (k < 0)
		return k;
	if (w->nlabels == w->labels_cap) {
		size_t cap = w->labels_cap ? w->labels_cap * 2 : 32;
		struct gt_lp_tag *t = gt_reallocarray(w->labels, cap, sizeof(*t));
		if (!t)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		w->labels = t;
		w->labels_cap = cap;
	}
	w->labels[w->nlabels++] = l;
	return 0;
}

/* 1 ms in ns, and the range of ms that fits in ns */
#define MS_NS 1000000LL
#define MS_MAX (INT64_MAX / MS_NS)

static int add_sample(struct wr *w, const struct pb_field *sf, size_t series, struct gt_err *err)
{
	struct gt_prom_scratch *s = w->s;
	struct pb r = {w->base, sf->at, sf->at + sf->n};
	struct pb_field f;
	uint64_t bits = 0;
	int64_t ms = 0;
	int k;

	/* The layout every sender uses, value then timestamp (keys 0x09 and
	 * 0x10), read straight; anything else goes field by field. */
	const uint8_t *p = w->base + sf->at;
	if (sf->n >= 11 && p[0] == 0x09 && p[9] == 0x10) {
		r.off += 10;
		if (!pb_varint(&r, &f.v) && r.off == r.end) {
			bits = gt_get_le64(p + 1);
			ms = (int64_t)f.v;
			goto have;
		}
		r.off = sf->at;
		bits = 0;
	}
	while ((k = pb_next(&r, &f, "Sample", err)) > 0) {
		if (f.num == 1) {
			if (f.wt != PB_I64)
				return pb_wrong(&f, "Sample", "value", err);
			bits = f.v;
		} else if (f.num == 2) {
			if (f.wt != PB_VARINT)
				return pb_wrong(&f, "Sample", "timestamp", err);
			ms = (int64_t)f.v;
		}
	}
	if (k < 0)
		return k;
have:
	if (ms > MS_MAX || ms < -MS_MAX)
		return gt_errf(err, GT_EINVAL, "series %zu: timestamp %" PRId64 " ms is out of range", series, ms);
	if (w->nsamples == s->tvcap) {
		size_t cap = GT_MAX(s->tvcap * 2, (size_t)1024);
		int64_t *t = gt_reallocarray(s->ts, cap, sizeof(*t));
		if (t)
			s->ts = t;
		double *v = gt_reallocarray(s->v, cap, sizeof(*v));
		if (v)
			s->v = v;
		if (!t || !v)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		s->tvcap = cap;
	}
	s->ts[w->nsamples] = ms * MS_NS;
	memcpy(&s->v[w->nsamples], &bits, 8);   /* bits as sent: NaN payloads survive */
	w->nsamples++;
	return 0;
}

/*
 * Check series i's labels and fill pt (table, tags, the value field)
 * for it; the tags are w->labels, compacted.  Returns 0, or GT_EINVAL
 * naming the series.
 */
static int check_series(struct wr *w, size_t i, struct gt_lp_point *pt, struct gt_err *err)
{
	struct gt_lp_tag *l = w->labels;
	struct gt_lp_str name = {"", 0};
	char cname[GT_NAME_MAX + 1];
	uint32_t nt = 0;

	/* sorted by name, as Prometheus sends them; sort if a sender did not */
	for (size_t k = 1; k < w->nlabels; k++)
		if (str_cmp(&l[k - 1].key, &l[k].key) >= 0) {
			qsort(l, w->nlabels, sizeof(*l), label_cmp);
			break;
		}
	for (size_t k = 0; k < w->nlabels; k++) {
		const struct gt_lp_str *ln = &l[k].key;
		int shown = (int)GT_MIN(ln->n, 100u);
		if (k && !str_cmp(&l[k - 1].key, ln))
			return gt_errf(err, GT_EINVAL, "series %zu has label '%.*s' twice", i + 1, shown, ln->p);
		/* the first letter before the whole name: most labels are neither */
		if (ln->n && ln->p[0] == '_' && str_is(ln, "__name__")) {
			name = l[k].val;
			continue;
		}
		if (!label_name_ok(ln->p, ln->n))
			return gt_errf(err, GT_EINVAL, "series %zu: invalid label name '%.*s'", i + 1, shown, ln->p);
		if (ln->p[0] == 'g' && (str_is(ln, GT_TS_COLUMN) || str_is(ln, GT_PROM_VALUE_COLUMN)))
			return gt_errf(err, GT_EINVAL, "series %zu: label name '%.*s' is reserved for a column", i + 1,
				       shown, ln->p);
		if (!l[k].val.n)
			continue;   /* an empty label is no label */
		l[nt++] = l[k];
	}
	if (!name.n)
		return gt_errf(err, GT_EINVAL, "series %zu has no __name__ label (the metric name)", i + 1);
	if (name.n > GT_NAME_MAX)
		return gt_errf(err, GT_EINVAL, "series %zu: metric name must have 1 to %d bytes", i + 1, GT_NAME_MAX);
	memcpy(cname, name.p, name.n);
	cname[name.n] = '\0';
	if (memchr(cname, '\0', name.n) || gt_check_name("metric", cname, err))
		return gt_errf(err, GT_EINVAL, "series %zu: invalid metric name '%.*s'", i + 1,
			       (int)GT_MIN(name.n, 100u), name.p);
	pt->measurement = name;
	pt->tags = l;
	pt->ntags = nt;
	pt->lineno = i + 1;
	return 0;
}

/*
 * The label sets a connection has sent before, by their bytes.  A
 * Prometheus sends each of its series once a request, request after
 * request, with the same labels in the same bytes: decoding, checking and
 * hashing them again was most of the CPU of such a request (a sample a
 * series).  An entry keeps the labels' bytes (the TimeSeries' leading
 * Label fields) and where in them its metric name and tags lie, checked,
 * sorted and compacted, as offsets: a request that sends the same bytes
 * gets its tags pointing into its own body.  Bounded; when full it
 * starts over.
 */
enum { MEMO_MAX_ENTS = 1 << 17, MEMO_MAX_BYTES = 16 << 20 };

struct memo_tag {
	uint32_t koff, klen, voff, vlen;
};

struct memo_ent {
	uint64_t h;                /* gt_ingest_tags_hash */
	uint32_t tag0, ntags;      /* m->tags[tag0 .. tag0 + ntags) */
	uint32_t name_off, name_len;
};

struct gt_prom_memo {
	struct gt_keymap bytes;    /* label bytes -> entry id */
	struct memo_ent *ents;     /* by id */
	uint32_t cap;
	struct memo_tag *tags;
	uint32_t ntags, tags_cap;
};

static void memo_free(struct gt_prom_memo *m)
{
	if (!m)
		return;
	gt_keymap_release(&m->bytes);
	free(m->ents);
	free(m->tags);
	free(m);
}

/* The entry for label bytes p[0..n), or NULL. */
static const struct memo_ent *memo_find(const struct gt_prom_memo *m, const uint8_t *p, size_t n)
{
	int id = m ? gt_keymap_find(&m->bytes, p, n) : -1;
	return id < 0 ? NULL : &m->ents[id];
}

/*
 * Remember the checked series pt, whose labels are the bytes p[0..n) of
 * the body (its tags and name point into them).  Out of memory only
 * means the next request decodes it again.
 */
static void memo_add(struct gt_prom_scratch *s, const uint8_t *p, size_t n, const struct gt_lp_point *pt,
		     uint64_t h)
{
	struct gt_prom_memo *m = s->memo;
	bool isnew;

	if (!m && !(m = s->memo = gt_calloc(1, sizeof(*m))))
		return;
	if (m->bytes.n >= MEMO_MAX_ENTS || m->bytes.keys.len + n > MEMO_MAX_BYTES) {
		gt_keymap_release(&m->bytes);
		m->ntags = 0;
	}
	if (m->bytes.n == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 1024;
		struct memo_ent *ne = gt_reallocarray(m->ents, cap, sizeof(*ne));
		if (!ne)
			return;
		m->ents = ne;
		m->cap = cap;
	}
	if (m->ntags + pt->ntags > m->tags_cap) {
		uint32_t cap = m->tags_cap ? m->tags_cap * 2 : 4096;
		while (cap < m->ntags + pt->ntags)
			cap *= 2;
		struct memo_tag *nt = gt_reallocarray(m->tags, cap, sizeof(*nt));
		if (!nt)
			return;
		m->tags = nt;
		m->tags_cap = cap;
	}
	int id = gt_keymap_get(&m->bytes, p, n, &isnew);
	if (id < 0 || !isnew)
		return;
	struct memo_ent *e = &m->ents[id];
	e->h = h;
	e->tag0 = m->ntags;
	e->ntags = pt->ntags;
	e->name_off = (uint32_t)((const uint8_t *)pt->measurement.p - p);
	e->name_len = pt->measurement.n;
	for (uint32_t k = 0; k < pt->ntags; k++)
		m->tags[m->ntags++] = (struct memo_tag){
			(uint32_t)((const uint8_t *)pt->tags[k].key.p - p), pt->tags[k].key.n,
			(uint32_t)((const uint8_t *)pt->tags[k].val.p - p), pt->tags[k].val.n};
}

/* pt's name and tags from entry e, pointing into the label bytes p of this body. */
static int memo_use(struct wr *w, const struct gt_prom_memo *m, const struct memo_ent *e, const uint8_t *p,
		    struct gt_lp_point *pt, struct gt_err *err)
{
	if (e->ntags > w->labels_cap) {
		size_t cap = GT_MAX((size_t)e->ntags, (size_t)32);
		struct gt_lp_tag *t = gt_reallocarray(w->labels, cap, sizeof(*t));
		if (!t)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		w->labels = t;
		w->labels_cap = cap;
	}
	for (uint32_t k = 0; k < e->ntags; k++) {
		const struct memo_tag *t = &m->tags[e->tag0 + k];
		w->labels[k].key = (struct gt_lp_str){(const char *)p + t->koff, t->klen};
		w->labels[k].val = (struct gt_lp_str){(const char *)p + t->voff, t->vlen};
	}
	pt->measurement = (struct gt_lp_str){(const char *)p + e->name_off, e->name_len};
	pt->tags = w->labels;
	pt->ntags = e->ntags;
	return 0;
}

/* The end of the Label fields a TimeSeries tf starts with (tf->at when none). */
static size_t labels_end(const struct wr *w, const struct pb_field *tf)
{
	struct pb r = {w->base, tf->at, tf->at + tf->n};
	size_t end = tf->at;
	uint64_t len;

	/* key 0x0a (field 1, LEN), then the length: a step a label */
	while (r.off < r.end && w->base[r.off] == 0x0a) {
		r.off++;
		if (pb_varint(&r, &len) || len > r.end - r.off)
			break;
		r.off += (size_t)len;
		end = r.off;
	}
	return end;
}

/* Decode TimeSeries number i (from 0) and hand its rows to in. */
static int add_series(struct gt_ingest *in, struct wr *w, const struct pb_field *tf, size_t i,
		      struct gt_lp_point *pt, uint64_t *total, struct gt_err *err)
{
	struct pb r = {w->base, tf->at, tf->at + tf->n};
	struct pb_field f;
	const uint8_t *lp = w->base + tf->at;
	size_t lend = labels_end(w, tf), ln = lend - tf->at;
	uint64_t h;
	const struct memo_ent *e = memo_find(w->s->memo, lp, ln);
	bool late_label = false;   /* a Label after a Sample: not the memo's to keep */
	int k, rc = 0;

	w->nlabels = 0;
	w->nsamples = 0;
	if (e)
		r.off = lend;   /* the labels are known: decode the samples alone */
	while (!rc && (k = pb_next(&r, &f, "TimeSeries", err)) > 0) {
		if (f.num != 1 && f.num != 2)
			continue;
		if (f.wt != PB_LEN)
			return pb_wrong(&f, "TimeSeries", f.num == 1 ? "labels" : "samples", err);
		if (f.num == 1 && e) {
			/* labels after the samples: decode this one whole, as a stranger */
			w->nsamples = 0;
			r.off = tf->at;
			e = NULL;
			continue;
		}
		late_label |= f.num == 1 && f.start >= lend;
		rc = f.num == 1 ? add_label(w, &f, err) : add_sample(w, &f, i + 1, err);
	}
	if (rc || k < 0)
		return rc ? rc : k;
	if (e) {
		if ((rc = memo_use(w, w->s->memo, e, lp, pt, err)))
			return rc;
		pt->lineno = i + 1;
		h = e->h;
	} else {
		if ((rc = check_series(w, i, pt, err)))
			return rc;
		h = gt_ingest_tags_hash(pt);
		if (!late_label)
			memo_add(w->s, lp, ln, pt, h);
	}
	if (w->nsamples && (rc = gt_ingest_rows(in, pt, h, w->s->ts, w->s->v, w->nsamples, err)))
		return rc;
	*total += w->nsamples;
	return 0;
}

int gt_promwrite_parse(struct gt_ingest *in, struct gt_prom_scratch *s, const void *pb, size_t len,
		       uint64_t *samples, struct gt_err *err)
{
	struct wr w = {.s = s, .base = pb};
	struct pb r = {pb, 0, len};
	struct gt_lp_field f = {.key = {GT_PROM_VALUE_COLUMN, sizeof(GT_PROM_VALUE_COLUMN) - 1}, .type = GT_F64};
	struct gt_lp_point pt = {.fields = &f, .nfields = 1};
	struct pb_field tf;
	uint64_t total = 0;
	size_t i = 0;
	int k, rc = 0;

	*samples = 0;
	gt_ingest_begin(in, GT_UNIT_MS, true);
	if (!pb && len)
		return gt_errf(err, GT_EINVAL, "bad protobuf WriteRequest: no body");
	while (!rc && (k = pb_next(&r, &tf, "WriteRequest", err)) > 0) {
		if (tf.num != 1)
			continue;   /* metadata (3) and whatever a newer sender adds */
		if (tf.wt != PB_LEN)
			rc = pb_wrong(&tf, "WriteRequest", "timeseries", err);
		else
			rc = add_series(in, &w, &tf, i++, &pt, &total, err);
	}
	free(w.labels);
	if (rc || k < 0)
		return rc ? rc : k;
	*samples = total;
	return 0;
}
