/*
 * merge.c - sources of sorted rows (memtable runs, SST files) and the
 * merge that combines them series by series (see merge.h).
 */
#include "merge.h"
#include "cache.h"
#include "key.h"
#include "memtable.h"
#include "sst.h"

#include <stdlib.h>

bool gt_preds_match(const struct gt_tag_pred *preds, uint32_t n, const void *key, size_t keylen)
{
	struct gt_key_part parts[256];
	struct gt_buf scratch = {0};
	bool ok = true;
	uint32_t upto = 0;   /* decode only as far as the last tag asked about */

	for (uint32_t i = 0; i < n; i++)
		if (preds[i].tag < 256 && preds[i].tag >= upto)
			upto = preds[i].tag + 1;
	if (gt_key_prefix_decode(key, keylen, parts, upto, &scratch) < 0) {
		gt_buf_release(&scratch);
		return false;
	}
	for (uint32_t i = 0; i < n && ok; i++) {
		const struct gt_tag_pred *p = &preds[i];
		const struct gt_key_part *t = p->tag < 256 ? &parts[p->tag] : NULL;
		bool isnull = !t || !t->p, any = false;

		switch (p->op) {
		case GT_PRED_IS_NULL:
			ok = isnull;
			break;
		case GT_PRED_NOT_NULL:
			ok = !isnull;
			break;
		default:
			if (isnull) {
				ok = false;
				break;
			}
			for (uint32_t k = 0; k < p->nvals && !any; k++)
				any = strlen(p->vals[k]) == t->n && !memcmp(p->vals[k], t->p, t->n);
			ok = (p->op == GT_PRED_EQ || p->op == GT_PRED_IN) ? any : !any;
		}
	}
	gt_buf_release(&scratch);
	return ok;
}

void gt_run_init(struct gt_run *r)
{
	memset(r, 0, sizeof(*r));
	gt_batch_init(&r->rows);
}

void gt_run_release(struct gt_run *r)
{
	gt_batch_release(&r->rows);
	free(r->series);
	gt_buf_release(&r->keys);
	gt_run_init(r);
}

static int setup_cols(struct gt_batch *b, const struct gt_read_spec *spec)
{
	int rc = gt_batch_add_col(b, spec->ts_id, GT_TS);
	for (uint32_t i = 0; i < spec->nfields && rc >= 0; i++)
		rc = gt_batch_add_col(b, spec->field_ids[i], (enum gt_type)spec->field_types[i]);
	return rc < 0 ? rc : 0;
}

int gt_run_setup(struct gt_run *r, const struct gt_read_spec *spec)
{
	return setup_cols(&r->rows, spec);
}

enum { SRC_RUN, SRC_SST, SRC_MEM };

struct src {
	int kind;
	int64_t order;             /* gather order: files by first timestamp, runs last */
	const void *key;
	size_t keylen;
	bool done;
	/* run */
	const struct gt_run *run;
	uint32_t si;
	/* sst */
	struct gt_sst *sst;
	uint8_t *match;            /* per sid: passes the predicates; NULL = all */
	uint32_t *match_prefix;    /* count of matching sids before i */
	uint32_t *blocks, nblocks, bi;
	struct gt_batch blk;       /* decoded here when there is no cache */
	struct gt_cache_entry *ent; /* the current block when it came from the cache */
	uint64_t cache_id, proj;   /* cache key: file, projection */
	bool loaded;
	uint32_t cur_blk;          /* block index of the current block (tail reads) */
	uint32_t pos, cur_sid;
	uint32_t *want, nwant;     /* field ids present in the file, spec order */
	int *colmap;               /* spec field -> blk column, or -1 */
	/* frozen memtable */
	struct gt_memtable_iter *mit;
	const struct gt_batch *mview;
	bool msorted, madvance;
};

struct gt_merge {
	struct gt_read_spec spec;
	struct gt_merge_opts o;
	int64_t start;
	struct src *srcs;
	uint32_t nsrcs;
	struct gt_batch g;         /* gathered rows of the current series */
	struct gt_batch out;       /* combined rows */
	uint32_t *perm, perm_cap;
	uint32_t *sel;             /* tail reads: the sources holding the current series */
	int64_t *ub;
	struct gt_buf key;
	uint32_t *field_ids;
	uint8_t *field_types;
};

int gt_merge_new(struct gt_merge **out, const struct gt_read_spec *spec, const struct gt_merge_opts *o)
{
	struct gt_merge *m = gt_calloc(1, sizeof(*m));
	if (!m)
		return GT_ENOMEM;
	m->spec = *spec;
	m->o = *o;
	m->field_ids = gt_calloc(spec->nfields + 1, sizeof(uint32_t));
	m->field_types = gt_calloc(spec->nfields + 1, 1);
	if (!m->field_ids || !m->field_types)
		goto fail;
	memcpy(m->field_ids, spec->field_ids, spec->nfields * sizeof(uint32_t));
	memcpy(m->field_types, spec->field_types, spec->nfields);
	m->spec.field_ids = m->field_ids;
	m->spec.field_types = m->field_types;
	m->start = spec->start;
	if (o->ttl_floor > m->start)
		m->start = o->ttl_floor;
	m->spec.start = m->start;
	gt_batch_init(&m->g);
	gt_batch_init(&m->out);
	if (setup_cols(&m->g, spec) || setup_cols(&m->out, spec))
		goto fail;
	*out = m;
	return 0;
fail:
	gt_merge_free(m);
	return GT_ENOMEM;
}

static struct src *new_src(struct gt_merge *m)
{
	struct src *s = gt_reallocarray(m->srcs, m->nsrcs + 1, sizeof(*s));
	if (!s)
		return NULL;
	m->srcs = s;
	s = &m->srcs[m->nsrcs++];
	memset(s, 0, sizeof(*s));
	gt_batch_init(&s->blk);
	return s;
}

static void run_peek(struct src *s)
{
	if (s->si >= s->run->nseries) {
		s->done = true;
		return;
	}
	s->key = s->run->keys.p + s->run->series[s->si].keyoff;
	s->keylen = s->run->series[s->si].keylen;
}

int gt_merge_add_run(struct gt_merge *m, const struct gt_run *run, struct gt_err *err)
{
	struct src *s = new_src(m);
	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->kind = SRC_RUN;
	s->order = INT64_MAX;
	s->run = run;
	run_peek(s);
	return 0;
}

static int mem_peek(struct gt_merge *m, struct src *s)
{
	int rc;
	do
		rc = gt_memtable_iter_next(s->mit, &s->key, &s->keylen, &s->mview, &s->msorted);
	while (rc == 1 && m->spec.npreds && !gt_preds_match(m->spec.preds, m->spec.npreds, s->key, s->keylen));
	s->madvance = false;
	if (rc < 0)
		return rc;
	if (rc == 0)
		s->done = true;
	return 0;
}

int gt_merge_add_memtable(struct gt_merge *m, struct gt_memtable *mt, struct gt_err *err)
{
	struct src *s = new_src(m);
	int rc;
	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->kind = SRC_MEM;
	s->order = INT64_MAX;
	if ((rc = gt_memtable_iter_new(mt, &m->spec, &s->mit)) || (rc = mem_peek(m, s))) {
		gt_memtable_iter_free(s->mit);
		m->nsrcs--;
		return gt_errf(err, rc, "out of memory");
	}
	return 0;
}

/* The current block of an SST source (sources move in the array: no
 * pointer into a source is kept). */
static inline const struct gt_batch *cur(struct src *s)
{
	return s->ent ? gt_cache_value(s->ent) : &s->blk;
}

static void free_cached(void *v)
{
	gt_batch_release(v);
	free(v);
}

/*
 * Make block i of s's file the current block: from the block cache when
 * the merge has one and the file may be cached (decoded blocks are keyed
 * by file, block and projection), else decoded into s->blk.
 */
static int load_block(struct gt_merge *m, struct src *s, uint32_t i, struct gt_err *err)
{
	struct gt_cache *c = m->o.cache;
	uint64_t key = s->proj ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull);
	struct gt_batch *b;
	int rc;

	if (s->loaded && s->cur_blk == i)
		return 0;
	s->loaded = false;
	if (s->ent) {
		gt_cache_release(c, s->ent);
		s->ent = NULL;
	}
	s->cur_blk = i;
	if (!c || !s->cache_id) {
		if ((rc = gt_sst_read_block(s->sst, i, s->want, s->nwant, &s->blk, err)))
			return rc;
		s->loaded = true;
		return 0;
	}
	if ((s->ent = gt_cache_get(c, s->cache_id, key))) {
		s->loaded = true;
		return 0;
	}
	if (!(b = gt_malloc(sizeof(*b))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	gt_batch_init(b);
	if ((rc = gt_sst_read_block(s->sst, i, s->want, s->nwant, b, err))) {
		free_cached(b);
		return rc;
	}
	size_t bytes = sizeof(*b) + (size_t)b->nrows * (8 + 1 + 4);
	for (uint32_t k = 0; k < b->ncols; k++)
		bytes += (size_t)b->cols[k].len * (b->cols[k].type == GT_BOOL ? 1 : 8) + b->cols[k].str.len;
	if (!(s->ent = gt_cache_put(c, s->cache_id, key, b, bytes, free_cached)))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->loaded = true;
	return 0;
}

/* Rows [*a, *e) of series sid in the current block of s. */
static void blk_rows(struct src *s, uint32_t sid, uint32_t *a, uint32_t *e)
{
	const struct gt_batch *b = cur(s);
	uint32_t lo = 0, hi = b->nrows;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (b->sid[mid] < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*a = lo;
	hi = b->nrows;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (b->sid[mid] <= sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*e = lo;
}

/* Position an SST source on the next row of a matching series. */
static int sst_peek(struct gt_merge *m, struct src *s, struct gt_err *err)
{
	for (;;) {
		if (!s->loaded || s->pos >= cur(s)->nrows) {
			int rc;
			if (s->bi >= s->nblocks) {
				s->done = true;
				return 0;
			}
			rc = load_block(m, s, s->blocks[s->bi++], err);
			if (rc)
				return rc;
			s->loaded = true;
			s->pos = 0;
			continue;
		}
		uint32_t sid = cur(s)->sid[s->pos];
		if (s->match && !s->match[sid]) {
			uint32_t a;
			blk_rows(s, sid, &a, &s->pos);  /* rows are in series order */
			continue;
		}
		s->cur_sid = sid;
		s->key = gt_sst_key(s->sst, sid, &s->keylen);
		return 0;
	}
}

/* Tail reads: position an SST source on the first matching series at or
 * after sid that some kept block holds (s->bi: the first such block). */
static void tail_peek(struct src *s, uint32_t sid)
{
	for (;;) {
		const struct gt_sst_block_info *bi;
		while (s->bi < s->nblocks && gt_sst_block(s->sst, s->blocks[s->bi])->sid_last < sid)
			s->bi++;
		if (s->bi >= s->nblocks) {
			s->done = true;
			return;
		}
		bi = gt_sst_block(s->sst, s->blocks[s->bi]);
		if (sid < bi->sid_first)
			sid = bi->sid_first;
		if (s->match && !s->match[sid]) {
			sid++;
			continue;
		}
		s->cur_sid = sid;
		s->key = gt_sst_key(s->sst, sid, &s->keylen);
		return;
	}
}

/* Evaluate the tag predicates once per series of the file and keep the
 * blocks that overlap the time range and hold a matching series. */
static int sst_prune(struct gt_merge *m, struct src *s, struct gt_err *err)
{
	const struct gt_sst_meta *meta = gt_sst_meta(s->sst);
	uint32_t cnt = 0;

	for (uint32_t sid = 0; sid < meta->nseries; sid++) {
		s->match_prefix[sid] = cnt;
		if (s->match) {
			size_t klen;
			const void *k = gt_sst_key(s->sst, sid, &klen);
			s->match[sid] = gt_preds_match(m->spec.preds, m->spec.npreds, k, klen);
			cnt += s->match[sid];
		} else {
			cnt++;
		}
	}
	s->match_prefix[meta->nseries] = cnt;
	for (uint32_t b = 0; b < meta->nblocks; b++) {
		const struct gt_sst_block_info *bi = gt_sst_block(s->sst, b);
		if (bi->max_ts < m->spec.start || bi->min_ts >= m->spec.end)
			continue;
		if (bi->sid_last >= meta->nseries || bi->sid_first > bi->sid_last)
			return gt_errf(err, GT_ECORRUPT, "block %u names series out of range", b);
		if (s->match_prefix[bi->sid_last + 1] == s->match_prefix[bi->sid_first])
			continue;
		s->blocks[s->nblocks++] = b;
	}
	if (m->spec.tail) {
		tail_peek(s, 0);
		return 0;
	}
	return sst_peek(m, s, err);
}

int gt_merge_add_sst(struct gt_merge *m, struct gt_sst *sst, uint64_t cache_id, struct gt_err *err)
{
	const struct gt_sst_meta *meta = gt_sst_meta(sst);
	struct src *s;
	int rc;

	if (meta->rows == 0 || meta->max_ts < m->spec.start || meta->min_ts >= m->spec.end)
		return 0;
	s = new_src(m);
	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->kind = SRC_SST;
	s->sst = sst;
	s->cache_id = cache_id;
	s->want = gt_calloc(m->spec.nfields + 1, sizeof(uint32_t));
	s->colmap = gt_calloc(m->spec.nfields + 1, sizeof(int));
	s->blocks = gt_calloc(meta->nblocks + 1, sizeof(uint32_t));
	if (!s->want || !s->colmap || !s->blocks)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t f = 0; f < m->spec.nfields; f++) {
		int i = gt_schema_find_id(&meta->schema, m->spec.field_ids[f]);
		s->colmap[f] = -1;
		if (i < 0 || meta->schema.cols[i].sem != GT_FIELD)
			continue;
		if (meta->schema.cols[i].type != m->spec.field_types[f])
			return gt_errf(err, GT_ECORRUPT, "column id %u has another type in the file",
				       m->spec.field_ids[f]);
		s->colmap[f] = (int)(1 + s->nwant);
		s->want[s->nwant++] = m->spec.field_ids[f];
	}
	s->proj = 0xcbf29ce484222325ull;
	for (uint32_t k = 0; k < s->nwant; k++)
		s->proj = (s->proj ^ s->want[k]) * 0x100000001b3ull;
	if (m->spec.npreds) {
		s->match = gt_calloc(meta->nseries + 1, 1);
		if (!s->match)
			return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	s->match_prefix = gt_calloc((size_t)meta->nseries + 1, sizeof(uint32_t));
	if (!s->match_prefix)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->order = meta->min_ts;
	if ((rc = sst_prune(m, s, err)))
		return rc;
	/* Scan resistance: a read that would fill a good part of the cache
	 * (a full scan) decodes into its own buffer and leaves the cache to
	 * the small, repeated reads it helps. */
	if (m->o.cache && s->cache_id && !m->spec.tail) {
		uint64_t rows = 0;
		for (uint32_t k = 0; k < s->nblocks; k++)
			rows += gt_sst_block(sst, s->blocks[k])->rows;
		if (rows * (s->nwant + 2) * 8 > gt_cache_budget(m->o.cache) / 4)
			s->cache_id = 0;
	}
	/* Keep sources in gather order, so that files that do not overlap in
	 * time gather already sorted and need no sort in combine(). */
	struct src tmp = *s;
	uint32_t i = m->nsrcs - 1;
	while (i > 0 && m->srcs[i - 1].order > tmp.order) {
		m->srcs[i] = m->srcs[i - 1];
		i--;
	}
	m->srcs[i] = tmp;
	return 0;
}

static int append_rows(struct gt_batch *dst, const struct gt_batch *src, uint32_t from, uint32_t n,
		       const int *colmap, uint32_t nfields, const struct gt_merge *m)
{
	int rc;
	if ((rc = gt_batch_reserve_meta(dst, dst->nrows + n, true, true, false)))
		return rc;
	if ((rc = gt_vec_append(&dst->cols[0], &src->cols[0], from, n)))
		return rc;
	for (uint32_t f = 0; f < nfields; f++) {
		int c = colmap ? colmap[f] : (int)(1 + f);
		if (c < 0)
			rc = gt_vec_pad_nulls(&dst->cols[1 + f], dst->nrows + n);
		else
			rc = gt_vec_append(&dst->cols[1 + f], &src->cols[c], from, n);
		if (rc)
			return rc;
	}
	memcpy(dst->seq + dst->nrows, src->seq + from, n * sizeof(uint64_t));
	if (src->op)
		memcpy(dst->op + dst->nrows, src->op + from, n);
	else
		memset(dst->op + dst->nrows, GT_OP_PUT, n);
	dst->nrows += n;
	(void)m;
	return 0;
}

/* First i in [lo, hi) with v[i] >= x (v ascending there), or hi. */
static uint32_t lower_u32(const uint32_t *v, uint32_t lo, uint32_t hi, uint64_t x)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t lower_i64(const int64_t *v, uint32_t lo, uint32_t hi, int64_t x)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Append the rows of the current series of s to m->g and advance s. */
static int take(struct gt_merge *m, struct src *s, struct gt_err *err)
{
	int rc;
	if (s->kind == SRC_MEM) {
		const struct gt_batch *v = s->mview;
		const int64_t *ts = v->cols[0].v.i64;
		uint32_t n = v->nrows;
		if (s->msorted) {
			uint32_t a = 0, e = n;
			while (a < e && ts[a] < m->start)
				a++;
			while (e > a && ts[e - 1] >= m->spec.end)
				e--;
			rc = e > a ? append_rows(&m->g, v, a, e - a, NULL, m->spec.nfields, m) : 0;
		} else {
			rc = 0;
			for (uint32_t i = 0; i < n && !rc; i++)
				if (ts[i] >= m->start && ts[i] < m->spec.end)
					rc = append_rows(&m->g, v, i, 1, NULL, m->spec.nfields, m);
		}
		if (rc)
			return gt_errf(err, rc, "merge: out of memory");
		s->madvance = true;
		return 0;
	}
	if (s->kind == SRC_RUN) {
		const struct gt_run_series *rs = &s->run->series[s->si++];
		rc = append_rows(&m->g, &s->run->rows, rs->off, rs->n, NULL, m->spec.nfields, m);
		if (rc)
			return gt_errf(err, rc, "merge: out of memory");
		run_peek(s);
		return 0;
	}
	uint32_t sid = s->cur_sid;
	for (;;) {
		uint32_t from = s->pos, n;
		/* the series' rows in this block, then those in the time range:
		 * binary searches (sids ascend, and times within a series) */
		s->pos = lower_u32(cur(s)->sid, s->pos, cur(s)->nrows, sid + 1);
		n = s->pos - from;
		uint32_t a, e;
		const int64_t *ts = cur(s)->cols[0].v.i64;
		a = lower_i64(ts, from, from + n, m->start);
		e = lower_i64(ts, a, from + n, m->spec.end);
		if (e > a && (rc = append_rows(&m->g, cur(s), a, e - a, s->colmap, m->spec.nfields, m)))
			return gt_errf(err, rc, "merge: out of memory");
		if (s->pos < cur(s)->nrows)
			break;
		/* the series may go on in the next block */
		if (s->bi >= s->nblocks) {
			s->done = true;
			return 0;
		}
		const struct gt_sst_block_info *bi = gt_sst_block(s->sst, s->blocks[s->bi]);
		if (bi->sid_first != sid)
			break;
		if ((rc = load_block(m, s, s->blocks[s->bi++], err)))
			return rc;
		s->pos = 0;
	}
	return sst_peek(m, s, err);
}

static int keycmp(const void *a, size_t an, const void *b, size_t bn)
{
	int c = memcmp(a, b, GT_MIN(an, bn));
	return c ? c : (an > bn) - (an < bn);
}

static int cmp_row(const void *a, const void *b, void *ctx)
{
	const struct gt_batch *g = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int64_t tx = g->cols[0].v.i64[x], ty = g->cols[0].v.i64[y];
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return g->seq[x] < g->seq[y] ? 1 : g->seq[x] > g->seq[y] ? -1 : 0;
}

static int emit(struct gt_merge *m, uint32_t i)
{
	int rc = append_rows(&m->out, &m->g, i, 1, NULL, m->spec.nfields, m);
	return rc;
}

/* Combine the gathered rows into m->out. */
static int combine(struct gt_merge *m, const struct gt_batch **res)
{
	struct gt_batch *g = &m->g;
	const int64_t *ts = g->cols[0].v.i64;
	uint32_t n = g->nrows;
	bool ordered = true, has_del = false;
	int rc;

	for (uint32_t i = 1; i < n; i++)
		ordered &= ts[i] > ts[i - 1];
	for (uint32_t i = 0; i < n; i++)
		has_del |= g->op[i] != GT_OP_PUT;
	if (ordered && (!has_del || m->o.keep_deletes)) {
		*res = g;
		return 0;
	}
	if (n > m->perm_cap) {
		uint32_t *p = gt_reallocarray(m->perm, n, sizeof(*p));
		if (!p)
			return GT_ENOMEM;
		m->perm = p;
		m->perm_cap = n;
	}
	for (uint32_t i = 0; i < n; i++)
		m->perm[i] = i;
	if (!ordered)
		qsort_r(m->perm, n, sizeof(uint32_t), cmp_row, g);
	gt_batch_reset(&m->out);
	for (uint32_t k = 0; k < n;) {
		uint32_t first = m->perm[k], end = k + 1;
		while (end < n && ts[m->perm[end]] == ts[first])
			end++;
		if (m->o.append_mode) {
			/* every distinct row survives; a delete hides the older ones */
			for (uint32_t j = k; j < end; j++) {
				uint32_t r = m->perm[j];
				if (j > k && g->seq[r] == g->seq[m->perm[j - 1]])
					continue;
				if (g->op[r] == GT_OP_DELETE) {
					if (m->o.keep_deletes && (rc = emit(m, r)))
						return rc;
					break;
				}
				if ((rc = emit(m, r)))
					return rc;
			}
		} else if (g->op[first] == GT_OP_DELETE) {
			if (m->o.keep_deletes && (rc = emit(m, first)))
				return rc;
		} else {
			uint32_t row = m->out.nrows;
			if ((rc = emit(m, first)))
				return rc;
			if (m->o.merge_mode == GT_MERGE_LAST_NON_NULL) {
				for (uint32_t f = 0; f < m->spec.nfields; f++) {
					struct gt_vec *ov = &m->out.cols[1 + f];
					const struct gt_vec *gv = &g->cols[1 + f];
					if (!gt_vec_is_null(ov, row))
						continue;
					for (uint32_t j = k + 1; j < end; j++) {
						uint32_t r = m->perm[j];
						if (g->op[r] == GT_OP_DELETE)
							break;
						if (gt_vec_is_null(gv, r))
							continue;
						/* replace the null in the last row */
						ov->len--;
						if (ov->type == GT_STRING)
							ov->str.len = ov->off[ov->len];
						if ((rc = gt_vec_push_from(ov, gv, r)))
							return rc;
						break;
					}
				}
			}
		}
		k = end;
	}
	*res = &m->out;
	return 0;
}

/* ---- tail reads ----
 *
 * For each series, the sources holding it are visited newest first (by
 * an upper bound of their last timestamp that needs no decoding: the
 * block index for files), each giving its last timestamp in range; a
 * source whose bound is below the best so far is not read at all.  Then
 * every source gives its rows at or after that timestamp T, and they are
 * combined as usual.  Combining treats each timestamp on its own, so the
 * result at T is the full read's.  When every row at T is deleted, the
 * series is read again in full; a memtable run that copied only its tail
 * (floor) then decides only at or above its floor, and below it the
 * read fails with GT_EAGAIN: the caller reads again without tail.
 */

/* The kept blocks [s->bi, *hi] hold the current series of s. */
static uint32_t tail_last_block(const struct src *s)
{
	uint32_t hi = s->bi;
	while (hi + 1 < s->nblocks && gt_sst_block(s->sst, s->blocks[hi + 1])->sid_first <= s->cur_sid)
		hi++;
	return hi;
}

/* The last timestamp in range of a memtable source's current series. */
static int mem_last(const struct gt_merge *m, const struct src *s, int64_t *t)
{
	if (s->msorted) {
		const int64_t *ts = s->mview->cols[0].v.i64;
		uint32_t e = s->mview->nrows;
		while (e > 0 && ts[e - 1] >= m->spec.end)
			e--;
		*t = e ? ts[e - 1] : INT64_MIN;
		return e && ts[e - 1] >= m->start;
	}
	const int64_t *ts = s->mview->cols[0].v.i64;
	int found = 0;
	for (uint32_t i = 0; i < s->mview->nrows; i++)
		if (ts[i] >= m->start && ts[i] < m->spec.end && (!found || ts[i] > *t)) {
			*t = ts[i];
			found = 1;
		}
	return found;
}

/* An upper bound of the last timestamp in range of s's current series
 * (INT64_MIN: none), without decoding anything. */
static int64_t tail_bound(const struct gt_merge *m, const struct src *s)
{
	int64_t t = INT64_MIN;
	if (s->kind == SRC_SST) {
		t = gt_sst_block(s->sst, s->blocks[tail_last_block(s)])->max_ts;
	} else if (s->kind == SRC_RUN) {
		const struct gt_run_series *rs = &s->run->series[s->si];
		t = rs->n ? s->run->rows.cols[0].v.i64[rs->off + rs->n - 1] : INT64_MIN;
	} else {
		int64_t last;
		return mem_last(m, s, &last) ? last : INT64_MIN;
	}
	return t >= m->spec.end ? m->spec.end - 1 : t;
}

/* The last timestamp in range of s's current series: 1 with *t, 0 when
 * there is none, or a negative code. */
static int tail_max(struct gt_merge *m, struct src *s, int64_t *t, struct gt_err *err)
{
	if (s->kind == SRC_MEM)
		return mem_last(m, s, t);
	if (s->kind == SRC_RUN) {
		const struct gt_run_series *rs = &s->run->series[s->si];
		const int64_t *ts = s->run->rows.cols[0].v.i64 + rs->off;
		for (uint32_t i = rs->n; i-- > 0;)
			if (ts[i] < m->spec.end) {
				*t = ts[i];
				return ts[i] >= m->start;
			}
		return 0;
	}
	for (uint32_t k = tail_last_block(s) + 1; k-- > s->bi;) {
		const struct gt_sst_block_info *bi = gt_sst_block(s->sst, s->blocks[k]);
		uint32_t a, e;
		int rc;
		if (bi->max_ts < m->start)
			return 0;
		if (bi->min_ts >= m->spec.end)
			continue;
		if ((rc = load_block(m, s, s->blocks[k], err)))
			return rc;
		blk_rows(s, s->cur_sid, &a, &e);
		const int64_t *ts = cur(s)->cols[0].v.i64;
		while (e > a && ts[e - 1] >= m->spec.end)
			e--;
		if (e > a) {
			*t = ts[e - 1];
			return ts[e - 1] >= m->start;
		}
	}
	return 0;
}

/* Append the rows of s's current series with timestamps in [lo, end) to
 * m->g (lo at least the merge's start); *floor is raised to a run's
 * floor. */
static int tail_take(struct gt_merge *m, struct src *s, int64_t lo, int64_t *floor, struct gt_err *err)
{
	int rc = 0;
	if (lo < m->start)
		lo = m->start;
	if (s->kind == SRC_MEM && s->msorted) {
		const struct gt_batch *v = s->mview;
		const int64_t *ts = v->cols[0].v.i64;
		uint32_t a, e = v->nrows;
		while (e > 0 && ts[e - 1] >= m->spec.end)
			e--;
		a = e;
		while (a > 0 && ts[a - 1] >= lo)
			a--;
		rc = e > a ? append_rows(&m->g, v, a, e - a, NULL, m->spec.nfields, m) : 0;
		return rc ? gt_errf(err, rc, "merge: out of memory") : 0;
	}
	if (s->kind == SRC_MEM) {
		const struct gt_batch *v = s->mview;
		const int64_t *ts = v->cols[0].v.i64;
		for (uint32_t i = 0; i < v->nrows && !rc; i++)
			if (ts[i] >= lo && ts[i] < m->spec.end)
				rc = append_rows(&m->g, v, i, 1, NULL, m->spec.nfields, m);
		return rc ? gt_errf(err, rc, "merge: out of memory") : 0;
	}
	if (s->kind == SRC_RUN) {
		const struct gt_run_series *rs = &s->run->series[s->si];
		const int64_t *ts = s->run->rows.cols[0].v.i64 + rs->off;
		uint32_t a = rs->n, e = rs->n;
		while (e > 0 && ts[e - 1] >= m->spec.end)
			e--;
		a = e;
		while (a > 0 && ts[a - 1] >= lo)
			a--;
		if (rs->floor > *floor)
			*floor = rs->floor;
		rc = e > a ? append_rows(&m->g, &s->run->rows, rs->off + a, e - a, NULL, m->spec.nfields, m) : 0;
		return rc ? gt_errf(err, rc, "merge: out of memory") : 0;
	}
	/* Going back from the last block, find the first one that may hold
	 * rows at or after lo; then take the rows forward from there. */
	uint32_t hi = tail_last_block(s), k = hi;
	while (k > s->bi) {
		const struct gt_sst_block_info *bi = gt_sst_block(s->sst, s->blocks[k]);
		uint32_t a, e;
		if (bi->max_ts < lo) {
			k++;
			break;
		}
		if ((rc = load_block(m, s, s->blocks[k], err)))
			return rc;
		blk_rows(s, s->cur_sid, &a, &e);
		if (e > a && cur(s)->cols[0].v.i64[a] < lo)
			break;
		k--;
	}
	for (; k <= hi; k++) {
		uint32_t a, e;
		if (gt_sst_block(s->sst, s->blocks[k])->max_ts < lo)
			continue;
		if ((rc = load_block(m, s, s->blocks[k], err)))
			return rc;
		blk_rows(s, s->cur_sid, &a, &e);
		const int64_t *ts = cur(s)->cols[0].v.i64;
		uint32_t first = a;
		while (e > first && ts[e - 1] >= m->spec.end)
			e--;
		for (a = e; a > first && ts[a - 1] >= lo;)
			a--;
		if (e > a && (rc = append_rows(&m->g, cur(s), a, e - a, s->colmap, m->spec.nfields, m)))
			return gt_errf(err, rc, "merge: out of memory");
	}
	return 0;
}

static void tail_advance(struct gt_merge *m, struct src *s)
{
	if (s->kind == SRC_MEM) {
		s->madvance = true;
	} else if (s->kind == SRC_RUN) {
		s->si++;
		run_peek(s);
	} else {
		tail_peek(s, s->cur_sid + 1);
	}
	(void)m;
}

/* Keep only the rows at the last timestamp of *res (sorted by time). */
static int tail_trim(struct gt_merge *m, const struct gt_batch **res)
{
	const struct gt_batch *b = *res;
	const int64_t *ts = b->cols[0].v.i64;
	uint32_t n = b->nrows, a = n;
	int rc;
	while (a > 0 && ts[a - 1] == ts[n - 1])
		a--;
	if (a == 0)
		return 0;
	struct gt_batch *dst = b == &m->g ? &m->out : &m->g;
	gt_batch_reset(dst);
	if ((rc = append_rows(dst, b, a, n - a, NULL, m->spec.nfields, m)))
		return rc;
	*res = dst;
	return 0;
}

/* One series of a tail read from the nsel sources in m->sel: 1 with
 * *rows set, 0 when the series has no rows, or a negative code. */
static int tail_series(struct gt_merge *m, uint32_t nsel, const struct gt_batch **rows, struct gt_err *err)
{
	int64_t best = INT64_MIN, floor = INT64_MIN;
	bool any = false;
	int rc;

	for (uint32_t i = 0; i < nsel; i++) {
		uint32_t x = m->sel[i];
		int64_t b = tail_bound(m, &m->srcs[x]);
		uint32_t j = i;
		while (j > 0 && m->ub[j - 1] < b) {
			m->sel[j] = m->sel[j - 1];
			m->ub[j] = m->ub[j - 1];
			j--;
		}
		m->sel[j] = x;
		m->ub[j] = b;
	}
	for (uint32_t i = 0; i < nsel && (!any || m->ub[i] >= best); i++) {
		int64_t t = INT64_MIN;
		if ((rc = tail_max(m, &m->srcs[m->sel[i]], &t, err)) < 0)
			return rc;
		if (rc && (!any || t > best)) {
			best = t;
			any = true;
		}
	}
	if (!any)
		return 0;
	gt_batch_reset(&m->g);
	for (uint32_t i = 0; i < nsel && m->ub[i] >= best; i++)
		if ((rc = tail_take(m, &m->srcs[m->sel[i]], best, &floor, err)))
			return rc;
	if (m->g.nrows) {
		if ((rc = combine(m, rows)))
			return gt_errf(err, rc, "merge: out of memory");
		if ((*rows)->nrows)
			goto trim;
	}
	/* every row at the last timestamp is deleted: read the series in full */
	gt_batch_reset(&m->g);
	floor = INT64_MIN;
	for (uint32_t i = 0; i < nsel; i++)
		if ((rc = tail_take(m, &m->srcs[m->sel[i]], INT64_MIN, &floor, err)))
			return rc;
	if (m->g.nrows && (rc = combine(m, rows)))
		return gt_errf(err, rc, "merge: out of memory");
	if (!m->g.nrows || !(*rows)->nrows || (*rows)->cols[0].v.i64[(*rows)->nrows - 1] < floor) {
		if (floor != INT64_MIN)
			return gt_errf(err, GT_EAGAIN, "tail read: a memtable's tail is deleted by another source");
		return 0;
	}
trim:
	if ((rc = tail_trim(m, rows)))
		return gt_errf(err, rc, "merge: out of memory");
	return 1;
}

/* Tail reads: the series of min, from every source that holds it. */
static int tail_next(struct gt_merge *m, const struct src *min, const struct gt_batch **rows,
		     struct gt_err *err)
{
	uint32_t nsel = 0;
	int rc;
	gt_buf_reset(&m->key);
	if ((rc = gt_buf_add(&m->key, min->key, min->keylen)))
		return gt_errf(err, rc, "merge: out of memory");
	if (!m->sel) {
		m->sel = gt_calloc(m->nsrcs + 1, sizeof(*m->sel));
		m->ub = gt_calloc(m->nsrcs + 1, sizeof(*m->ub));
		if (!m->sel || !m->ub)
			return gt_errf(err, GT_ENOMEM, "merge: out of memory");
	}
	for (uint32_t i = 0; i < m->nsrcs; i++) {
		struct src *s = &m->srcs[i];
		if (!s->done && !keycmp(s->key, s->keylen, m->key.p, m->key.len))
			m->sel[nsel++] = i;
	}
	rc = tail_series(m, nsel, rows, err);
	for (uint32_t i = 0; i < nsel; i++)
		tail_advance(m, &m->srcs[m->sel[i]]);
	return rc;
}

int gt_merge_next(struct gt_merge *m, const void **key, size_t *keylen, const struct gt_batch **rows,
		  struct gt_err *err)
{
	for (;;) {
		struct src *min = NULL;
		uint32_t nmin = 0;
		int rc;

		for (uint32_t i = 0; i < m->nsrcs; i++) {
			struct src *s = &m->srcs[i];
			if (s->kind == SRC_MEM && s->madvance && !s->done && (rc = mem_peek(m, s)))
				return gt_errf(err, rc, "merge: out of memory");
		}
		for (uint32_t i = 0; i < m->nsrcs; i++) {
			struct src *s = &m->srcs[i];
			if (s->done)
				continue;
			int c = min ? keycmp(s->key, s->keylen, min->key, min->keylen) : -1;
			if (c < 0) {
				min = s;
				nmin = 1;
			} else if (c == 0) {
				nmin++;
			}
		}
		if (!min)
			return 0;
		if (m->spec.tail) {
			if ((rc = tail_next(m, min, rows, err)) < 0)
				return rc;
			if (rc == 0)
				continue;
			*key = m->key.p;
			*keylen = m->key.len;
			return 1;
		}
		if (nmin == 1 && min->kind == SRC_MEM && min->msorted) {
			/* one source, in place: hand out the memtable's own arrays when
			 * nothing needs combining or cutting */
			const struct gt_batch *v = min->mview;
			const int64_t *ts = v->cols[0].v.i64;
			bool plain = v->nrows && ts[0] >= m->start && ts[v->nrows - 1] < m->spec.end;
			for (uint32_t i = 1; i < v->nrows && plain; i++)
				plain = ts[i] > ts[i - 1];
			for (uint32_t i = 0; i < v->nrows && plain && !m->o.keep_deletes; i++)
				plain = v->op[i] == GT_OP_PUT;
			if (plain) {
				*key = min->key;
				*keylen = min->keylen;
				*rows = v;
				min->madvance = true;
				return 1;
			}
		}
		gt_buf_reset(&m->key);
		if ((rc = gt_buf_add(&m->key, min->key, min->keylen)))
			return gt_errf(err, rc, "merge: out of memory");
		gt_batch_reset(&m->g);
		for (uint32_t i = 0; i < m->nsrcs; i++) {
			struct src *s = &m->srcs[i];
			if (!s->done && !keycmp(s->key, s->keylen, m->key.p, m->key.len) &&
			    (rc = take(m, s, err)))
				return rc;
		}
		if (!m->g.nrows)
			continue;
		if ((rc = combine(m, rows)))
			return gt_errf(err, rc, "merge: out of memory");
		if (!(*rows)->nrows)
			continue;
		*key = m->key.p;
		*keylen = m->key.len;
		return 1;
	}
}

void gt_merge_free(struct gt_merge *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->nsrcs; i++) {
		struct src *s = &m->srcs[i];
		gt_batch_release(&s->blk);
		if (s->ent)
			gt_cache_release(m->o.cache, s->ent);
		free(s->match);
		free(s->match_prefix);
		free(s->blocks);
		free(s->want);
		free(s->colmap);
		gt_memtable_iter_free(s->mit);
	}
	free(m->srcs);
	gt_batch_release(&m->g);
	gt_batch_release(&m->out);
	free(m->perm);
	free(m->sel);
	free(m->ub);
	free(m->field_ids);
	free(m->field_types);
	gt_buf_release(&m->key);
	free(m);
}
