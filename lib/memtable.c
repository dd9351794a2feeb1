/*
 * memtable.c - series dictionary + per-series columnar chunks.
 *
 *   table (open addressing, power of two)    series[]
 *   +-----------+                           +--------------------------+
 *   | idx+1 | h |  -- hash(key) -->          | key | n | chunks[]        |
 *   +-----------+                           +--------------------------+
 *                                             chunk: ts[] seq[] op[] and
 *                                             a gt_vec per field
 *
 * Keys live in one arena (keys).  A series' rows are cut in chunks of
 * CHUNK_ROWS: row i is row i % CHUNK_ROWS of chunk i / CHUNK_ROWS.  The
 * first chunk grows by doubling (a series with few rows stays small);
 * later ones are made whole, so an insert never copies rows already
 * stored (a contiguous array doubling copied every row about once, and
 * that copy and its page faults were a fifth of ingest CPU).  Field vecs
 * are kept at their chunk's row count (missing values pushed as nulls).
 */
#include "memtable.h"
#include "key.h"

#include <pthread.h>
#include <sys/mman.h>
#include <xxhash.h>

enum { CHUNK_SHIFT = 10, CHUNK_ROWS = 1 << CHUNK_SHIFT, FIRST_ROWS = 32 };

struct chunk {
	int64_t *ts;
	uint64_t *seq;
	uint8_t *op;
	struct gt_vec *f;          /* one per field of the memtable */
	uint32_t cap;
	/* ts, seq, op and the fixed-width fields' values are in m's blocks */
};

/*
 * Chunks are carved from blocks mapped with MAP_POPULATE: the kernel
 * fills a block's pages in one call, where memory touched for the first
 * time costs a page fault per 4 KiB (17 us a page on the 2-core VM of
 * docs/PERFORMANCE.md, 4.7 us populated: faults were a sixth of
 * remote-write CPU).  A memtable's first block is small and each next
 * one doubles, up to 1 MiB: a region with a handful of series (a
 * Prometheus server has hundreds of metrics, each a table) holds tens of
 * KiB, not a whole MiB.  The 1 MiB blocks of a freed memtable wait in a
 * pool for the next memtables, as malloc would keep its heap, up to
 * POOL_BLOCKS; smaller ones go back to the kernel.
 */
enum { BLOCK_FIRST = 32 << 10, BLOCK_BYTES = 1 << 20, BLOCK_HEAD = 64, POOL_BLOCKS = 64 };

struct block {
	struct block *next;
	size_t used, size;
};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct block *pool;
static size_t npool;

static struct block *block_get(size_t size)
{
	struct block *b = NULL;

	if (size == BLOCK_BYTES) {
		pthread_mutex_lock(&pool_mu);
		if ((b = pool)) {
			pool = b->next;
			npool--;
		}
		pthread_mutex_unlock(&pool_mu);
	}
	if (!b) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		b = p;
	}
	b->next = NULL;
	b->used = BLOCK_HEAD;
	b->size = size;
	return b;
}

static void blocks_put(struct block *b)
{
	while (b) {
		struct block *next = b->next;
		bool keep = false;
		if (b->size == BLOCK_BYTES) {
			pthread_mutex_lock(&pool_mu);
			if ((keep = npool < POOL_BLOCKS)) {
				b->next = pool;
				pool = b;
				npool++;
			}
			pthread_mutex_unlock(&pool_mu);
		}
		if (!keep)
			munmap(b, b->size);
		b = next;
	}
}

struct series {
	uint64_t hash;
	uint32_t keyoff, keylen;
	uint32_t n;
	uint32_t nchunks, chunks_cap;
	struct chunk *c;
	int64_t last_ts;
	bool sorted;
	/* unsorted: the time order of rows [0, nperm) found by a read, kept
	 * (under mu) so the next read only sorts the rows added since */
	uint32_t *perm, nperm;
};

static inline uint32_t row_in(uint32_t i)
{
	return i & (CHUNK_ROWS - 1);
}

static inline const struct chunk *chunk_at(const struct series *s, uint32_t i)
{
	return &s->c[i >> CHUNK_SHIFT];
}

static inline int64_t ts_at(const struct series *s, uint32_t i)
{
	return chunk_at(s, i)->ts[row_in(i)];
}

static inline uint64_t seq_at(const struct series *s, uint32_t i)
{
	return chunk_at(s, i)->seq[row_in(i)];
}

static inline uint8_t op_at(const struct series *s, uint32_t i)
{
	return chunk_at(s, i)->op[row_in(i)];
}

struct gt_memtable {
	pthread_mutex_t mu;
	struct gt_schema schema;
	uint32_t ntags, nfields, ts_id;
	uint32_t *tag_ids, *field_ids;
	uint8_t *field_types;
	struct series *series;
	uint32_t nseries, series_cap;
	uint32_t *slots;            /* series index + 1; 0 = empty */
	uint32_t nslots;
	struct gt_buf keys;
	struct gt_buf scratch;
	size_t budget;              /* the region's memtable size (gt_memtable_new) */
	size_t bytes;
	uint64_t rows, min_seq, max_seq;
	int64_t min_ts, max_ts;
	struct block *blocks;       /* whole chunks' arrays, newest block first */
};

/* n bytes (64-byte aligned) of m's blocks; NULL when out of memory. */
static void *carve(struct gt_memtable *m, size_t n)
{
	n = (n + 63) & ~(size_t)63;
	if (!m->blocks || m->blocks->used + n > m->blocks->size) {
		size_t size = m->blocks ? GT_MIN(2 * m->blocks->size, (size_t)BLOCK_BYTES) : BLOCK_FIRST;
		while (size < BLOCK_HEAD + n)
			size *= 2;
		struct block *b = block_get(size);
		if (!b)
			return NULL;
		b->next = m->blocks;
		m->blocks = b;
	}
	void *p = (char *)m->blocks + m->blocks->used;
	m->blocks->used += n;
	return p;
}

struct gt_memtable *gt_memtable_new(const struct gt_schema *schema, size_t budget)
{
	struct gt_memtable *m = gt_calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->budget = budget;
	pthread_mutex_init(&m->mu, NULL);
	if (gt_schema_copy(&m->schema, schema))
		goto fail;
	m->tag_ids = gt_calloc(schema->ncols, sizeof(uint32_t));
	m->field_ids = gt_calloc(schema->ncols, sizeof(uint32_t));
	m->field_types = gt_calloc(schema->ncols, 1);
	if (!m->tag_ids || !m->field_ids || !m->field_types)
		goto fail;
	for (uint32_t i = 0; i < schema->ncols; i++) {
		const struct gt_coldef *c = &schema->cols[i];
		if (c->sem == GT_TAG)
			m->tag_ids[m->ntags++] = c->id;
		else if (c->sem == GT_FIELD) {
			m->field_types[m->nfields] = c->type;
			m->field_ids[m->nfields++] = c->id;
		} else
			m->ts_id = c->id;
	}
	m->min_seq = UINT64_MAX;
	m->min_ts = INT64_MAX;
	m->max_ts = INT64_MIN;
	return m;
fail:
	gt_memtable_free(m);
	return NULL;
}

static void chunk_release(struct chunk *c, uint32_t nfields)
{
	if (c->f)
		for (uint32_t i = 0; i < nfields; i++) {
			if (c->f[i].type != GT_STRING)
				c->f[i].v.p = NULL;   /* in m's blocks */
			gt_vec_release(&c->f[i]);
		}
	free(c->f);
}

static void series_release(struct series *s, uint32_t nfields)
{
	for (uint32_t k = 0; k < s->nchunks; k++)
		chunk_release(&s->c[k], nfields);
	free(s->c);
	free(s->perm);
}

void gt_memtable_free(struct gt_memtable *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->nseries; i++)
		series_release(&m->series[i], m->nfields);
	blocks_put(m->blocks);
	free(m->series);
	free(m->slots);
	free(m->tag_ids);
	free(m->field_ids);
	free(m->field_types);
	gt_buf_release(&m->keys);
	gt_buf_release(&m->scratch);
	gt_schema_release(&m->schema);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

uint32_t gt_memtable_schema_version(const struct gt_memtable *m)
{
	return m->schema.version;
}

static int rehash(struct gt_memtable *m)
{
	uint32_t n = m->nslots ? m->nslots * 2 : 256;
	uint32_t *slots = gt_calloc(n, sizeof(*slots));
	if (!slots)
		return GT_ENOMEM;
	for (uint32_t i = 0; i < m->nseries; i++) {
		uint32_t j = (uint32_t)m->series[i].hash & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->bytes += (size_t)(n - m->nslots) * sizeof(*slots);
	m->nslots = n;
	return 0;
}

/* Find or add the series for key; returns its index or a negative code. */
static int64_t series_get(struct gt_memtable *m, const char *key, size_t len)
{
	uint64_t h = XXH3_64bits(key, len);
	uint32_t j;
	struct series *s;

	if ((m->nseries + 1) * 4 > m->nslots * 3) {
		int rc = rehash(m);
		if (rc)
			return rc;
	}
	for (j = (uint32_t)h & (m->nslots - 1); m->slots[j]; j = (j + 1) & (m->nslots - 1)) {
		s = &m->series[m->slots[j] - 1];
		if (s->hash == h && s->keylen == len && !memcmp(m->keys.p + s->keyoff, key, len))
			return m->slots[j] - 1;
	}
	if (m->nseries == m->series_cap) {
		uint32_t cap = m->series_cap ? m->series_cap * 2 : 64;
		struct series *ns = gt_reallocarray(m->series, cap, sizeof(*ns));
		if (!ns)
			return GT_ENOMEM;
		m->series = ns;
		m->bytes += (size_t)(cap - m->series_cap) * sizeof(*ns);
		m->series_cap = cap;
	}
	if (m->keys.len > UINT32_MAX - len)
		return GT_ETOOBIG;
	s = &m->series[m->nseries];
	memset(s, 0, sizeof(*s));
	s->hash = h;
	s->keyoff = (uint32_t)m->keys.len;
	s->keylen = (uint32_t)len;
	s->sorted = true;
	s->last_ts = INT64_MIN;
	if (gt_buf_add(&m->keys, key, len))
		return GT_ENOMEM;
	m->bytes += len;
	m->slots[j] = ++m->nseries;
	return m->nseries - 1;
}

/* Carve room for cap rows of a chunk's arrays from m's blocks, keeping
 * the rows it holds (a string field's stay malloc's: they grow with the
 * strings).  A series' first chunk starts at FIRST_ROWS and doubles up
 * to CHUNK_ROWS: the smaller pieces it leaves stay in the blocks until
 * the memtable goes (at most as much again), where malloc'd arrays
 * grown by realloc cost a page fault per fresh 4 KiB (a sixth of the
 * CPU of a run meeting new series) and a copy per doubling anyway. */
static int chunk_carve(struct gt_memtable *m, struct chunk *c, uint32_t cap)
{
	uint32_t rows = c->cap;
	int64_t *ts = carve(m, (size_t)cap * 8);
	uint64_t *seq = carve(m, (size_t)cap * 8);
	uint8_t *op = carve(m, cap);

	if (!ts || !seq || !op)
		return GT_ENOMEM;
	if (rows) {
		memcpy(ts, c->ts, (size_t)rows * 8);
		memcpy(seq, c->seq, (size_t)rows * 8);
		memcpy(op, c->op, rows);
	}
	c->ts = ts;
	c->seq = seq;
	c->op = op;
	for (uint32_t i = 0; i < m->nfields; i++) {
		struct gt_vec *v = &c->f[i];
		void *p;
		if (v->type == GT_STRING) {
			if (gt_vec_reserve(v, cap - v->len))
				return GT_ENOMEM;
		} else if (!(p = carve(m, (size_t)cap * (v->type == GT_BOOL ? 1 : 8))) || gt_vec_move_to(v, p, cap)) {
			return GT_ENOMEM;
		}
	}
	m->bytes += (size_t)cap * (17 + 8 * m->nfields);
	c->cap = cap;
	return 0;
}

/* Room for row s->n: a new chunk when the last is full (whole, but the
 * first, which doubles); returns the chunk, or NULL when out of memory. */
static struct chunk *series_room(struct gt_memtable *m, struct series *s)
{
	uint32_t k = s->n >> CHUNK_SHIFT;
	struct chunk *c;

	if (k < s->nchunks) {
		c = &s->c[k];
		if (row_in(s->n) < c->cap)
			return c;
	} else {
		if (s->nchunks == s->chunks_cap) {
			uint32_t n = s->chunks_cap ? s->chunks_cap * 2 : 1;
			struct chunk *nc = gt_reallocarray(s->c, n, sizeof(*nc));
			if (!nc)
				return NULL;
			s->c = nc;
			s->chunks_cap = n;
		}
		c = &s->c[s->nchunks];
		memset(c, 0, sizeof(*c));
		if (!(c->f = gt_calloc(m->nfields ? m->nfields : 1, sizeof(*c->f))))
			return NULL;
		for (uint32_t i = 0; i < m->nfields; i++)
			gt_vec_init(&c->f[i], (enum gt_type)m->field_types[i]);
		s->nchunks++;
		m->bytes += sizeof(*c) + sizeof(struct gt_vec) * m->nfields;
	}
	/* Later chunks are whole at once.  A first chunk starts at FIRST_ROWS
	 * (most series of a Prometheus server get a row a scrape: a whole
	 * chunk each would be 25 KiB a series).  One that fills up belongs to
	 * a series that keeps coming: while the memtable is far from its
	 * budget it goes to a whole chunk at once, one copy of FIRST_ROWS
	 * rows, where doubling copied every row at each step (a tenth of the
	 * CPU of a run meeting new series). */
	uint32_t cap = k ? CHUNK_ROWS : c->cap ? c->cap * 2 : FIRST_ROWS;
	if (!k && c->cap && m->bytes + (size_t)CHUNK_ROWS * (17 + 8 * m->nfields) <= m->budget / 2)
		cap = CHUNK_ROWS;
	return chunk_carve(m, c, cap) ? NULL : c;
}

/*
 * Rows [i, e) of b, all of series s, stored a chunk's room at a time:
 * a remote-write request holds each series' samples one after the
 * other, and copying a run column by column does away with the per-row
 * bookkeeping around the stores (about half of gt_memtable_insert's
 * time).  Only for batches whose every field is a fixed-width number
 * without nulls (bulk), into chunks without nulls.  Returns the rows
 * stored (fewer than e - i when a chunk has nulls: the caller goes on
 * row by row), or -1 when out of memory.
 */
static int64_t insert_run(struct gt_memtable *m, const struct gt_batch *b, const int *field_idx, int ts_idx,
			  struct series *s, uint32_t i, uint32_t e, uint64_t first_seq)
{
	const int64_t *ts = b->cols[ts_idx].v.i64;
	uint32_t done = 0;

	while (i < e) {
		struct chunk *c = series_room(m, s);
		if (!c)
			return -1;
		uint32_t j = row_in(s->n), take = GT_MIN(c->cap - j, e - i);
		for (uint32_t f = 0; f < m->nfields; f++)
			if (c->f[f].valid)
				return done;
		for (uint32_t f = 0; f < m->nfields; f++) {
			struct gt_vec *dst = &c->f[f];
			memcpy(dst->v.u64 + dst->len, b->cols[field_idx[f]].v.u64 + i, (size_t)take * 8);
			dst->len += take;
		}
		memcpy(c->ts + j, ts + i, (size_t)take * 8);
		for (uint32_t k = 0; k < take; k++)
			c->seq[j + k] = first_seq + i + k;
		if (b->op)
			memcpy(c->op + j, b->op + i, take);
		else
			memset(c->op + j, GT_OP_PUT, take);
		int64_t last = s->last_ts, lo = m->min_ts, hi = m->max_ts;
		bool sorted = s->sorted;
		for (uint32_t k = 0; k < take; k++) {
			int64_t t = ts[i + k];
			if (t < last)
				sorted = false;
			else
				last = t;
			lo = t < lo ? t : lo;
			hi = t > hi ? t : hi;
		}
		s->last_ts = last;
		s->sorted = sorted;
		m->min_ts = lo;
		m->max_ts = hi;
		s->n += take;
		m->rows += take;
		i += take;
		done += take;
	}
	return done;
}

int gt_memtable_insert(struct gt_memtable *m, const struct gt_batch *b, uint64_t first_seq,
		       struct gt_err *err)
{
	int tag_idx[GT_MAX_COLUMNS > 256 ? 256 : GT_MAX_COLUMNS];
	int *field_idx = NULL;
	struct gt_key_part parts[256];
	uint8_t kval[256][GT_KEY_VAL_MAX];
	int ts_idx, rc = 0;

	if (m->ntags > 256)
		return gt_errf(err, GT_ETOOBIG, "more than 256 tag columns");
	ts_idx = gt_batch_find(b, m->ts_id);
	if (ts_idx < 0)
		return gt_errf(err, GT_EINVAL, "write has no time index column");
	field_idx = gt_calloc(m->nfields ? m->nfields : 1, sizeof(int));
	if (!field_idx)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t t = 0; t < m->ntags; t++)
		tag_idx[t] = gt_batch_find(b, m->tag_ids[t]);
	bool bulk = b->has_keys;
	for (uint32_t f = 0; f < m->nfields; f++) {
		field_idx[f] = gt_batch_find(b, m->field_ids[f]);
		const struct gt_vec *src = field_idx[f] < 0 ? NULL : &b->cols[field_idx[f]];
		if (!src || src->valid || src->type == GT_STRING || src->type == GT_BOOL)
			bulk = false;
	}
	/* a batch with a key table: look each distinct key up once */
	int64_t *kmap = NULL;
	if (b->has_keys) {
		kmap = gt_malloc((b->nkeys ? b->nkeys : 1) * sizeof(*kmap));
		if (!kmap) {
			free(field_idx);
			return gt_errf(err, GT_ENOMEM, "out of memory");
		}
		for (uint32_t k = 0; k < b->nkeys; k++)
			kmap[k] = -1;
	}

	uint32_t run_end = 0;
	pthread_mutex_lock(&m->mu);
	for (uint32_t i = 0; i < b->nrows; i++) {
		int64_t si;
		struct series *s;
		int64_t ts = b->cols[ts_idx].v.i64[i];

		if (kmap) {
			uint32_t k = b->sid[i];
			si = kmap[k];
			if (si < 0) {
				size_t klen;
				const char *key = gt_batch_key(b, k, &klen);
				si = series_get(m, key, klen);
				if (si < 0) {
					rc = (int)si;
					gt_errf(err, rc, "out of memory");
					break;
				}
				kmap[k] = si;
			}
			if (bulk && i >= run_end) {
				uint32_t e = i + 1;
				while (e < b->nrows && b->sid[e] == k)
					e++;
				run_end = e;   /* what insert_run leaves of it goes row by row */
				/* a run of one (line protocol's usual row) goes row by row */
				int64_t done = e - i < 2 ? 0
							 : insert_run(m, b, field_idx, ts_idx, &m->series[si], i, e,
								      first_seq);
				if (done < 0) {
					rc = gt_errf(err, GT_ENOMEM, "out of memory");
					break;
				}
				if (done > 0) {
					i += (uint32_t)done - 1;
					continue;
				}
			}
			goto have_series;
		}
		for (uint32_t t = 0; t < m->ntags; t++) {
			if (tag_idx[t] >= 0) {
				gt_key_part_of(&parts[t], &b->cols[tag_idx[t]], i, kval[t]);
			} else {
				parts[t].p = NULL;
				parts[t].n = 0;
			}
		}
		gt_buf_reset(&m->scratch);
		if ((rc = gt_key_encode(&m->scratch, parts, m->ntags))) {
			gt_errf(err, rc, "row %u: series key too long", i);
			break;
		}
		si = series_get(m, m->scratch.p ? m->scratch.p : "", m->scratch.len);
		if (si < 0) {
			rc = (int)si;
			gt_errf(err, rc, "out of memory");
			break;
		}
have_series:
		s = &m->series[si];
		struct chunk *c = series_room(m, s);
		uint32_t j = row_in(s->n);
		if (!c) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			break;
		}
		for (uint32_t f = 0; f < m->nfields; f++) {
			struct gt_vec *dst = &c->f[f];
			if (field_idx[f] < 0) {
				rc = gt_vec_push_null(dst);
			} else {
				const struct gt_vec *src = &b->cols[field_idx[f]];
				/* the common case, a number with no nulls anywhere: one store
				 * (series_room keeps every field's capacity at the chunk's) */
				if (!src->valid && !dst->valid && src->type != GT_STRING && src->type != GT_BOOL) {
					dst->v.u64[dst->len++] = src->v.u64[i];
					continue;
				}
				if (src->type == GT_STRING && !gt_vec_is_null(src, i))
					m->bytes += src->off[i + 1] - src->off[i];
				rc = gt_vec_push_from(dst, src, i);
			}
			if (rc)
				break;
		}
		if (rc) {
			/* keep the series consistent: trim fields back to n rows */
			for (uint32_t f = 0; f < m->nfields; f++)
				if (c->f[f].len > j)
					c->f[f].len = j;
			gt_errf(err, rc, "out of memory");
			break;
		}
		c->ts[j] = ts;
		c->seq[j] = first_seq + i;
		c->op[j] = b->op ? b->op[i] : GT_OP_PUT;
		if (ts < s->last_ts)
			s->sorted = false;
		else
			s->last_ts = ts;
		s->n++;
		m->rows++;
		if (ts < m->min_ts)
			m->min_ts = ts;
		if (ts > m->max_ts)
			m->max_ts = ts;
	}
	if (b->nrows) {
		if (first_seq < m->min_seq)
			m->min_seq = first_seq;
		if (first_seq + b->nrows - 1 > m->max_seq)
			m->max_seq = first_seq + b->nrows - 1;
	}
	pthread_mutex_unlock(&m->mu);
	free(field_idx);
	free(kmap);
	return rc;
}

static int cmp_series(const void *a, const void *b, void *ctx)
{
	const struct gt_memtable *m = ctx;
	const struct series *x = &m->series[*(const uint32_t *)a];
	const struct series *y = &m->series[*(const uint32_t *)b];
	size_t n = GT_MIN(x->keylen, y->keylen);
	int c = memcmp(m->keys.p + x->keyoff, m->keys.p + y->keyoff, n);
	if (c)
		return c;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* Stable order of rows of a series by timestamp (seq order kept for ties). */
static void sort_rows(const struct series *s, uint32_t *perm, uint32_t *tmp, uint32_t n)
{
	/* bottom-up merge sort on the permutation: stable, O(n log n) */
	for (uint32_t w = 1; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = GT_MIN(lo + w, n), hi = GT_MIN(lo + 2 * w, n);
			uint32_t a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				tmp[k++] = ts_at(s, perm[b]) < ts_at(s, perm[a]) ? perm[b++] : perm[a++];
			while (a < mid)
				tmp[k++] = perm[a++];
			while (b < hi)
				tmp[k++] = perm[b++];
		}
		memcpy(perm, tmp, n * sizeof(*perm));
	}
}

/*
 * The time order of an unsorted series' rows (m->mu held): the order a
 * previous read left in s->perm, with the rows added since sorted and
 * merged in (stable: on equal timestamps the earlier row, of lower seq,
 * first).  tmp is scratch of s->n.  Returns s->perm, or NULL when out of
 * memory.
 */
static const uint32_t *time_order(struct gt_memtable *m, struct series *s, uint32_t *tmp)
{
	if (s->nperm == s->n)
		return s->perm;
	uint32_t *p = gt_reallocarray(s->perm, s->n, sizeof(*p));
	if (!p)
		return NULL;
	m->bytes += (uint64_t)(s->n - s->nperm) * sizeof(*p);
	s->perm = p;
	uint32_t old = s->nperm, n = s->n;
	for (uint32_t i = old; i < n; i++)
		p[i] = i;
	sort_rows(s, p + old, tmp, n - old);
	if (old) {
		uint32_t a = 0, b = old, k = 0;
		while (a < old && b < n)
			tmp[k++] = ts_at(s, p[b]) < ts_at(s, p[a]) ? p[b++] : p[a++];
		while (a < old)
			tmp[k++] = p[a++];
		while (b < n)
			tmp[k++] = p[b++];
		memcpy(p, tmp, n * sizeof(*p));
	}
	s->nperm = n;
	return p;
}

/* The first of rows [a, e) in time order (perm = NULL: identity) at or
 * after t. */
static uint32_t lower_bound(const struct series *s, const uint32_t *perm, uint32_t a, uint32_t e, int64_t t)
{
	while (a < e) {
		uint32_t mid = a + (e - a) / 2;
		if (ts_at(s, perm ? perm[mid] : mid) < t)
			a = mid + 1;
		else
			e = mid;
	}
	return a;
}

/*
 * Tail reads: of the rows [a, e) in time order (perm = NULL: identity),
 * the first to copy.  Going back from the newest timestamp, stop at the
 * first one whose newest row (highest sequence) is a put: it survives
 * within this memtable, so older rows cannot be the series' last ones
 * unless another source deletes it (the merge then finds *floor above
 * everything it has and asks for a full read).  No such timestamp: every
 * row is copied and *floor stays INT64_MIN.
 */
static uint32_t tail_from(const struct series *s, const uint32_t *perm, uint32_t a, uint32_t e,
			  int64_t *floor)
{
	while (e > a) {
		uint32_t i = perm ? perm[e - 1] : e - 1, best = i, j = e - 1;
		int64_t t = ts_at(s, i);
		while (j > a && ts_at(s, perm ? perm[j - 1] : j - 1) == t) {
			uint32_t k = perm ? perm[--j] : --j;
			if (seq_at(s, k) > seq_at(s, best))
				best = k;
		}
		if (op_at(s, best) == GT_OP_PUT) {
			*floor = t;
			return j;
		}
		e = j;
	}
	return a;
}

/* Append rows [from, from + n) of chunk c to b (columns: time index, then
 * the fields fmap names, -1 for one the memtable lacks: null); b's seq
 * and op have room. */
static int chunk_copy(struct gt_batch *b, const struct chunk *c, const int *fmap, uint32_t nfields, uint32_t from,
		      uint32_t n)
{
	struct gt_vec tsv = { .type = GT_TS, .len = from + n, .cap = from + n, .v.i64 = c->ts };
	int rc;

	if ((rc = gt_vec_append(&b->cols[0], &tsv, from, n)))
		return rc;
	for (uint32_t f = 0; f < nfields; f++) {
		struct gt_vec *dst = &b->cols[1 + f];
		rc = fmap[f] < 0 ? gt_vec_pad_nulls(dst, b->nrows + n) : gt_vec_append(dst, &c->f[fmap[f]], from, n);
		if (rc)
			return rc;
	}
	memcpy(b->seq + b->nrows, c->seq + from, n * sizeof(uint64_t));
	memcpy(b->op + b->nrows, c->op + from, n);
	b->nrows += n;
	return 0;
}

int gt_memtable_collect(struct gt_memtable *m, const struct gt_read_spec *spec, struct gt_run *r,
			struct gt_err *err)
{
	uint32_t *order = NULL, *tmp = NULL;
	int *fmap = NULL;
	int rc = 0;

	pthread_mutex_lock(&m->mu);
	order = gt_calloc(m->nseries ? m->nseries : 1, sizeof(*order));
	fmap = gt_calloc(spec->nfields ? spec->nfields : 1, sizeof(*fmap));
	if (!order || !fmap) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < spec->nfields; i++) {
		fmap[i] = -1;
		for (uint32_t f = 0; f < m->nfields; f++)
			if (m->field_ids[f] == spec->field_ids[i])
				fmap[i] = (int)f;
	}
	for (uint32_t i = 0; i < m->nseries; i++)
		order[i] = i;
	qsort_r(order, m->nseries, sizeof(*order), cmp_series, m);

	for (uint32_t k = 0; k < m->nseries; k++) {
		struct series *s = &m->series[order[k]];
		const char *key = m->keys.p + s->keyoff;
		uint32_t start_row = r->rows.nrows, cnt = 0;

		if (spec->npreds && !gt_preds_match(spec->preds, spec->npreds, key, s->keylen))
			continue;
		if (!s->n)
			continue;
		const uint32_t *perm = NULL;
		if (!s->sorted) {
			uint32_t *nt = gt_reallocarray(tmp, s->n, sizeof(*tmp));
			if (nt)
				tmp = nt;
			if (!nt || !(perm = time_order(m, s, tmp))) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				goto out;
			}
		}
		if ((rc = gt_batch_reserve_meta(&r->rows, r->rows.nrows + s->n, true, true, false)))
			goto nomem;
		/* rows [a, e) of the time order are in the range wanted */
		int64_t floor = INT64_MIN;
		uint32_t a = lower_bound(s, perm, 0, s->n, spec->start);
		uint32_t e = spec->end == INT64_MAX ? s->n : lower_bound(s, perm, a, s->n, spec->end);
		if (spec->tail)
			a = tail_from(s, perm, a, e, &floor);
		cnt = e - a;
		if (!cnt)
			continue;
		if (s->sorted) {
			/* a sorted series: the rows wanted are one range, copied a chunk's part at a time */
			for (uint32_t lo = a; lo < e;) {
				const struct chunk *c = chunk_at(s, lo);
				uint32_t from = row_in(lo), n = GT_MIN(e - lo, CHUNK_ROWS - from);
				if ((rc = chunk_copy(&r->rows, c, fmap, spec->nfields, from, n)))
					goto nomem;
				lo += n;
			}
			goto add_series;
		}
		for (uint32_t j = a; j < e; j++) {
			uint32_t i = perm[j];
			if ((rc = chunk_copy(&r->rows, chunk_at(s, i), fmap, spec->nfields, row_in(i), 1)))
				goto nomem;
		}
		if (!cnt)
			continue;
add_series:
		if (r->nseries == r->cap) {
			uint32_t cap = r->cap ? r->cap * 2 : 64;
			struct gt_run_series *ns = gt_reallocarray(r->series, cap, sizeof(*ns));
			if (!ns)
				goto nomem;
			r->series = ns;
			r->cap = cap;
		}
		r->series[r->nseries].keyoff = (uint32_t)r->keys.len;
		r->series[r->nseries].keylen = s->keylen;
		r->series[r->nseries].off = start_row;
		r->series[r->nseries].n = cnt;
		r->series[r->nseries].floor = floor;
		if ((rc = gt_buf_add(&r->keys, key, s->keylen)))
			goto nomem;
		r->nseries++;
	}
	goto out;
nomem:
	rc = gt_errf(err, rc ? rc : GT_ENOMEM, "memtable read: out of memory");
out:
	pthread_mutex_unlock(&m->mu);
	free(order);
	free(fmap);
	free(tmp);
	return rc;
}

void gt_memtable_stats(struct gt_memtable *m, struct gt_memtable_stats *out)
{
	pthread_mutex_lock(&m->mu);
	out->bytes = m->bytes + m->keys.cap;
	out->rows = m->rows;
	out->series = m->nseries;
	out->min_seq = m->min_seq;
	out->max_seq = m->max_seq;
	out->min_ts = m->min_ts;
	out->max_ts = m->max_ts;
	pthread_mutex_unlock(&m->mu);
}

size_t gt_memtable_bytes(struct gt_memtable *m)
{
	size_t b;
	pthread_mutex_lock(&m->mu);
	b = m->bytes + m->keys.cap;
	pthread_mutex_unlock(&m->mu);
	return b;
}

struct gt_memtable_iter {
	struct gt_memtable *m;
	uint32_t *order;
	uint32_t next;
	int *fmap;
	struct gt_batch view;
	struct gt_vec *nulls;      /* per field the memtable lacks: an all-null column */
	uint32_t nfields;
	struct gt_batch cat;       /* a series of more than one chunk, made contiguous */
};

int gt_memtable_iter_new(struct gt_memtable *m, const struct gt_read_spec *spec,
			 struct gt_memtable_iter **out)
{
	struct gt_memtable_iter *it = gt_calloc(1, sizeof(*it));
	if (!it)
		return GT_ENOMEM;
	it->m = m;
	it->order = gt_calloc(m->nseries + 1, sizeof(*it->order));
	it->fmap = gt_calloc(spec->nfields + 1, sizeof(*it->fmap));
	it->view.cols = gt_calloc(spec->nfields + 1, sizeof(*it->view.cols));
	it->view.col_ids = gt_calloc(spec->nfields + 1, sizeof(*it->view.col_ids));
	if (!it->order || !it->fmap || !it->view.cols || !it->view.col_ids) {
		gt_memtable_iter_free(it);
		return GT_ENOMEM;
	}
	it->view.ncols = spec->nfields + 1;
	it->view.col_ids[0] = spec->ts_id;
	it->nfields = spec->nfields;
	it->nulls = gt_calloc(spec->nfields + 1, sizeof(*it->nulls));
	if (!it->nulls) {
		gt_memtable_iter_free(it);
		return GT_ENOMEM;
	}
	for (uint32_t i = 0; i < spec->nfields; i++)
		gt_vec_init(&it->nulls[i], (enum gt_type)spec->field_types[i]);
	gt_batch_init(&it->cat);
	for (uint32_t i = 0; i <= spec->nfields; i++) {
		if (gt_batch_add_col(&it->cat, i ? spec->field_ids[i - 1] : spec->ts_id,
				     i ? (enum gt_type)spec->field_types[i - 1] : GT_TS) < 0) {
			gt_memtable_iter_free(it);
			return GT_ENOMEM;
		}
	}
	for (uint32_t i = 0; i < spec->nfields; i++) {
		it->fmap[i] = -1;
		it->view.col_ids[1 + i] = spec->field_ids[i];
		for (uint32_t f = 0; f < m->nfields; f++)
			if (m->field_ids[f] == spec->field_ids[i])
				it->fmap[i] = (int)f;
	}
	for (uint32_t i = 0; i < m->nseries; i++)
		it->order[i] = i;
	qsort_r(it->order, m->nseries, sizeof(*it->order), cmp_series, m);
	*out = it;
	return 0;
}

int gt_memtable_iter_next(struct gt_memtable_iter *it, const void **key, size_t *keylen,
			  const struct gt_batch **view, bool *sorted)
{
	struct gt_memtable *m = it->m;
	struct gt_batch *v = &it->view;
	struct series *s;
	int rc;

	do {
		if (it->next >= m->nseries)
			return 0;
		s = &m->series[it->order[it->next++]];
	} while (!s->n);
	*key = m->keys.p + s->keyoff;
	*keylen = s->keylen;
	*sorted = s->sorted;
	if (s->nchunks > 1) {
		/* the one copy of these rows since they arrived (a flush reads here) */
		gt_batch_reset(&it->cat);
		if ((rc = gt_batch_reserve_meta(&it->cat, s->n, true, true, false)))
			return rc;
		for (uint32_t k = 0; k < s->nchunks; k++) {
			uint32_t n = k + 1 < s->nchunks ? CHUNK_ROWS : s->n - (k << CHUNK_SHIFT);
			if ((rc = chunk_copy(&it->cat, &s->c[k], it->fmap, it->nfields, 0, n)))
				return rc;
		}
		*view = &it->cat;
		return 1;
	}
	const struct chunk *c = &s->c[0];
	v->nrows = s->n;
	v->cols[0] = (struct gt_vec){ .type = GT_TS, .len = s->n, .cap = s->n, .v.i64 = c->ts };
	for (uint32_t i = 0; i + 1 < v->ncols; i++) {
		if (it->fmap[i] >= 0) {
			v->cols[1 + i] = c->f[it->fmap[i]];
			v->cols[1 + i].str.max = 0;
			continue;
		}
		/* a field this memtable never saw: all null */
		if ((rc = gt_vec_pad_nulls(&it->nulls[i], s->n)))
			return rc;
		v->cols[1 + i] = it->nulls[i];
		v->cols[1 + i].len = s->n;
	}
	v->seq = c->seq;
	v->op = c->op;
	*view = v;
	return 1;
}

void gt_memtable_iter_free(struct gt_memtable_iter *it)
{
	if (!it)
		return;
	free(it->order);
	free(it->fmap);
	free(it->view.cols);
	free(it->view.col_ids);
	for (uint32_t i = 0; it->nulls && i < it->nfields; i++)
		gt_vec_release(&it->nulls[i]);
	free(it->nulls);
	gt_batch_release(&it->cat);
	free(it);
}
