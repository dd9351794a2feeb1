/* batch.c - columnar vectors and batches, and their binary form. */
#include "batch.h"
#include "codec.h"

#include <stdlib.h>
#include <string.h>

#define GT_BATCH_MAX_ROWS (1u << 30)

static size_t width(uint8_t type)
{
	switch (type) {
	case GT_BOOL:
		return 1;
	case GT_STRING:
		return 0;
	default:
		return 8;
	}
}

void gt_vec_init(struct gt_vec *v, enum gt_type type)
{
	memset(v, 0, sizeof(*v));
	v->type = (uint8_t)type;
}

void gt_vec_release(struct gt_vec *v)
{
	free(v->valid);
	free(v->v.p);
	free(v->off);
	gt_buf_release(&v->str);
	gt_vec_init(v, (enum gt_type)v->type);
}

void gt_vec_reset(struct gt_vec *v)
{
	v->len = 0;
	if (v->valid) {
		free(v->valid);
		v->valid = NULL;
	}
	gt_buf_reset(&v->str);
	if (v->off)
		v->off[0] = 0;
}

/* The validity bitmap (if any) to cap rows, the new ones zero; v->cap = cap. */
static int valid_grow(struct gt_vec *v, uint32_t cap)
{
	if (v->valid && cap > v->cap) {
		uint8_t *valid = gt_realloc(v->valid, ((size_t)cap + 7) / 8);
		if (!valid)
			return GT_ENOMEM;
		memset(valid + (v->cap + 7) / 8, 0, (cap + 7) / 8 - (v->cap + 7) / 8);
		v->valid = valid;
	}
	v->cap = cap;
	return 0;
}

int gt_vec_reserve(struct gt_vec *v, uint32_t rows)
{
	uint32_t want, cap;

	if (rows > GT_BATCH_MAX_ROWS - v->len)
		return GT_ETOOBIG;
	want = v->len + rows;
	if (want <= v->cap && (v->type != GT_STRING || v->off))
		return 0;
	cap = v->cap ? v->cap : 16;
	while (cap < want)
		cap *= 2;
	if (v->type == GT_STRING) {
		uint32_t *off = gt_reallocarray(v->off, (size_t)cap + 1, sizeof(*off));
		if (!off)
			return GT_ENOMEM;
		if (!v->off)
			off[0] = 0;
		v->off = off;
	} else {
		void *p = gt_reallocarray(v->v.p, cap, width(v->type));
		if (!p)
			return GT_ENOMEM;
		v->v.p = p;
	}
	return valid_grow(v, cap);
}

int gt_vec_move_to(struct gt_vec *v, void *p, uint32_t cap)
{
	if (v->type == GT_STRING || cap < v->len)
		return GT_EINVAL;
	if (v->len)
		memcpy(p, v->v.p, (size_t)v->len * width(v->type));
	v->v.p = p;
	return valid_grow(v, cap);
}

static inline void mark_valid(struct gt_vec *v, uint32_t i)
{
	if (v->valid)
		v->valid[i >> 3] |= (uint8_t)(1u << (i & 7));
}

#define PUSH(fn, T, member)                                  \
	int fn(struct gt_vec *v, T x)                        \
	{                                                    \
		if (GT_UNLIKELY(v->len >= v->cap)) {         \
			int rc = gt_vec_reserve(v, 1);       \
			if (rc)                              \
				return rc;                   \
		}                                            \
		v->v.member[v->len] = x;                     \
		mark_valid(v, v->len);                       \
		v->len++;                                    \
		return 0;                                    \
	}
PUSH(gt_vec_push_i64, int64_t, i64)
PUSH(gt_vec_push_u64, uint64_t, u64)
PUSH(gt_vec_push_f64, double, f64)
#undef PUSH

int gt_vec_push_bool(struct gt_vec *v, bool x)
{
	if (GT_UNLIKELY(v->len >= v->cap)) {
		int rc = gt_vec_reserve(v, 1);
		if (rc)
			return rc;
	}
	v->v.b[v->len] = x ? 1 : 0;
	mark_valid(v, v->len);
	v->len++;
	return 0;
}

int gt_vec_push_str(struct gt_vec *v, const char *s, size_t n)
{
	int rc;
	if (GT_UNLIKELY(v->len >= v->cap || !v->off)) {
		rc = gt_vec_reserve(v, 1);
		if (rc)
			return rc;
	}
	if (n > UINT32_MAX - v->str.len)
		return GT_ETOOBIG;
	rc = gt_buf_add(&v->str, s, n);
	if (rc)
		return rc;
	v->off[v->len + 1] = (uint32_t)v->str.len;
	mark_valid(v, v->len);
	v->len++;
	return 0;
}

int gt_vec_set_null(struct gt_vec *v, uint32_t i)
{
	if (!v->valid) {
		size_t nb = ((size_t)(v->cap ? v->cap : 1) + 7) / 8;
		v->valid = gt_malloc(nb);
		if (!v->valid)
			return GT_ENOMEM;
		memset(v->valid, 0xff, nb);
	}
	v->valid[i >> 3] &= (uint8_t)~(1u << (i & 7));
	return 0;
}

int gt_vec_push_null(struct gt_vec *v)
{
	int rc = gt_vec_reserve(v, 1);
	if (rc)
		return rc;
	if (v->type == GT_STRING) {
		v->off[v->len + 1] = (uint32_t)v->str.len;
	} else if (v->type == GT_BOOL) {
		v->v.b[v->len] = 0;
	} else {
		v->v.u64[v->len] = 0;
	}
	rc = gt_vec_set_null(v, v->len);
	if (rc)
		return rc;
	v->len++;
	return 0;
}

int gt_vec_pad_nulls(struct gt_vec *v, uint32_t rows)
{
	while (v->len < rows) {
		int rc = gt_vec_push_null(v);
		if (rc)
			return rc;
	}
	return 0;
}

int gt_vec_push_from(struct gt_vec *v, const struct gt_vec *src, uint32_t i)
{
	if (gt_vec_is_null(src, i))
		return gt_vec_push_null(v);
	switch (v->type) {
	case GT_STRING: {
		uint32_t n;
		const char *s = gt_vec_str(src, i, &n);
		return gt_vec_push_str(v, s, n);
	}
	case GT_BOOL:
		return gt_vec_push_bool(v, src->v.b[i]);
	default:
		return gt_vec_push_u64(v, src->v.u64[i]);
	}
}

int gt_vec_append(struct gt_vec *v, const struct gt_vec *src, uint32_t from, uint32_t n)
{
	int rc;
	if (!n)
		return 0;   /* src may have no arrays at all */
	if ((rc = gt_vec_reserve(v, n)))
		return rc;
	if (v->type != GT_STRING && !src->valid && !v->valid) {
		size_t w = width(v->type);
		memcpy((char *)v->v.p + (size_t)v->len * w, (const char *)src->v.p + (size_t)from * w, (size_t)n * w);
		v->len += n;
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		rc = gt_vec_push_from(v, src, from + i);
		if (rc)
			return rc;
	}
	return 0;
}

void gt_batch_init(struct gt_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void gt_batch_release(struct gt_batch *b)
{
	for (uint32_t i = 0; i < b->ncols; i++)
		gt_vec_release(&b->cols[i]);
	free(b->cols);
	free(b->col_ids);
	free(b->seq);
	free(b->op);
	free(b->sid);
	free(b->keyoff);
	gt_buf_release(&b->keys);
	gt_batch_init(b);
}

void gt_batch_reset(struct gt_batch *b)
{
	for (uint32_t i = 0; i < b->ncols; i++)
		gt_vec_reset(&b->cols[i]);
	b->nrows = 0;
	b->nkeys = 0;
	gt_buf_reset(&b->keys);
}

int gt_batch_add_key(struct gt_batch *b, const void *key, size_t len)
{
	int rc;
	if (b->nkeys + 1 >= b->keycap) {
		uint32_t cap = b->keycap ? b->keycap * 2 : 64;
		uint32_t *ko = gt_reallocarray(b->keyoff, cap, sizeof(*ko));
		if (!ko)
			return GT_ENOMEM;
		b->keyoff = ko;
		b->keycap = cap;
	}
	if (b->keys.len + len > UINT32_MAX)
		return GT_ETOOBIG;
	if (!b->nkeys)
		b->keyoff[0] = (uint32_t)b->keys.len;
	if ((rc = gt_buf_add(&b->keys, key, len)))
		return rc;
	b->has_keys = true;
	b->keyoff[++b->nkeys] = (uint32_t)b->keys.len;
	return (int)(b->nkeys - 1);
}

int gt_batch_add_col(struct gt_batch *b, uint32_t col_id, enum gt_type type)
{
	struct gt_vec *cols;
	uint32_t *ids;

	if (b->ncols >= GT_MAX_COLUMNS)
		return GT_ETOOBIG;
	cols = gt_reallocarray(b->cols, b->ncols + 1, sizeof(*cols));
	if (!cols)
		return GT_ENOMEM;
	b->cols = cols;
	ids = gt_reallocarray(b->col_ids, b->ncols + 1, sizeof(*ids));
	if (!ids)
		return GT_ENOMEM;
	b->col_ids = ids;
	gt_vec_init(&b->cols[b->ncols], type);
	b->col_ids[b->ncols] = col_id;
	return (int)b->ncols++;
}

int gt_batch_find(const struct gt_batch *b, uint32_t col_id)
{
	for (uint32_t i = 0; i < b->ncols; i++)
		if (b->col_ids[i] == col_id)
			return (int)i;
	return -1;
}

static int grow_meta(void **p, uint32_t cap, size_t w)
{
	void *q = gt_reallocarray(*p, cap, w);
	if (!q)
		return GT_ENOMEM;
	*p = q;
	return 0;
}

int gt_batch_reserve_meta(struct gt_batch *b, uint32_t rows, bool seq, bool op, bool sid)
{
	uint32_t cap = b->meta_cap;
	int rc = 0;

	if (rows > GT_BATCH_MAX_ROWS)
		return GT_ETOOBIG;
	if (rows <= cap && (!seq || b->seq) && (!op || b->op) && (!sid || b->sid))
		return 0;
	if (cap < rows) {
		cap = cap ? cap : 16;
		while (cap < rows)
			cap *= 2;
	}
	if ((seq || b->seq) && (rc = grow_meta((void **)&b->seq, cap, 8)))
		return rc;
	if ((op || b->op) && (rc = grow_meta((void **)&b->op, cap, 1)))
		return rc;
	if ((sid || b->sid) && (rc = grow_meta((void **)&b->sid, cap, 4)))
		return rc;
	b->meta_cap = cap;
	return 0;
}

int gt_batch_encode(const struct gt_batch *b, struct gt_buf *out)
{
	int rc = 0;
	uint32_t n = b->nrows;

	rc |= gt_buf_addch(out, 1);
	rc |= gt_buf_uvarint(out, n);
	rc |= gt_buf_uvarint(out, b->ncols);
	rc |= gt_buf_addch(out, (b->op ? 1 : 0) | (b->has_keys ? 2 : 0));
	if (rc)
		return GT_ENOMEM;
	if (b->op && (rc = gt_buf_add(out, b->op, n)))
		return rc;
	if (b->has_keys) {
		rc |= gt_buf_uvarint(out, b->nkeys);
		for (uint32_t k = 0; k < b->nkeys; k++) {
			size_t len;
			const void *key = gt_batch_key(b, k, &len);
			rc |= gt_buf_bytes(out, key, len);
		}
		if ((rc |= gt_buf_grow(out, (size_t)n * 5)))
			return GT_ENOMEM;
		for (uint32_t i = 0; i < n; i++)
			out->len += gt_put_uvarint((uint8_t *)out->p + out->len, b->sid[i]);
		out->p[out->len] = 0;
	}
	for (uint32_t c = 0; c < b->ncols; c++) {
		const struct gt_vec *v = &b->cols[c];
		rc |= gt_buf_uvarint(out, b->col_ids[c]);
		rc |= gt_buf_addch(out, v->type);
		rc |= gt_buf_addch(out, v->valid ? 1 : 0);
		if (v->valid)
			rc |= gt_buf_add(out, v->valid, (n + 7) / 8);
		if (rc)
			return GT_ENOMEM;
		if (v->type == GT_STRING) {
			uint32_t total = n ? v->off[n] - v->off[0] : 0;
			rc |= gt_buf_uvarint(out, total);
			if (n)
				rc |= gt_buf_add(out, v->str.p + v->off[0], total);
			for (uint32_t i = 0; i < n; i++)
				rc |= gt_buf_uvarint(out, v->off[i + 1] - v->off[i]);
		} else if (v->type == GT_BOOL) {
			rc |= gt_buf_add(out, v->v.b, n);
		} else {
			size_t need = (size_t)n * 8;
			if ((rc = gt_buf_grow(out, need)))
				return rc;
			uint8_t *p = (uint8_t *)out->p + out->len;
			for (uint32_t i = 0; i < n; i++)
				gt_put_le64(p + (size_t)i * 8, v->v.u64[i]);
			out->len += need;
			out->p[out->len] = 0;
		}
		if (rc)
			return GT_ENOMEM;
	}
	return 0;
}

static int valid_type(unsigned t)
{
	return t >= GT_STRING && t <= GT_TS;
}

int gt_batch_decode(struct gt_batch *b, const void *p, size_t len, struct gt_err *err)
{
	struct gt_rd r;
	uint64_t n, ncols;
	uint8_t flags;
	int rc;

	gt_rd_init(&r, p, len);
	if (gt_rd_u8(&r) != 1)
		return gt_errf(err, GT_ECORRUPT, "batch: unknown version");
	n = gt_rd_uvarint(&r);
	ncols = gt_rd_uvarint(&r);
	flags = gt_rd_u8(&r);
	if (r.bad || n > GT_BATCH_MAX_ROWS || ncols > GT_MAX_COLUMNS || flags > 3)
		return gt_errf(err, GT_ECORRUPT, "batch: bad header");
	if (n > gt_rd_left(&r))  /* every row costs at least one byte per column */
		if (ncols || flags)
			return gt_errf(err, GT_ECORRUPT, "batch: %llu rows in %zu bytes",
				       (unsigned long long)n, gt_rd_left(&r));
	b->nrows = (uint32_t)n;
	if (flags & 1) {
		const void *ops = gt_rd_take(&r, n);
		if (!ops)
			return gt_errf(err, GT_ECORRUPT, "batch: truncated ops");
		if ((rc = gt_batch_reserve_meta(b, (uint32_t)n, false, true, false)))
			return gt_errf(err, rc, "batch: out of memory");
		memcpy(b->op, ops, n);
	}
	if (flags & 2) {
		uint64_t nkeys = gt_rd_uvarint(&r);
		if (r.bad || nkeys > n || nkeys > gt_rd_left(&r))
			return gt_errf(err, GT_ECORRUPT, "batch: bad key count");
		for (uint64_t k = 0; k < nkeys; k++) {
			size_t klen;
			const void *key = gt_rd_bytes(&r, 1u << 20, &klen);
			if (!key)
				return gt_errf(err, GT_ECORRUPT, "batch: truncated key %llu", (unsigned long long)k);
			if ((rc = gt_batch_add_key(b, key, klen)) < 0)
				return gt_errf(err, rc, "batch: out of memory");
		}
		b->has_keys = true;
		if ((rc = gt_batch_reserve_meta(b, (uint32_t)n, false, false, true)))
			return gt_errf(err, rc, "batch: out of memory");
		for (uint64_t i = 0; i < n; i++) {
			uint64_t sid = gt_rd_uvarint(&r);
			if (r.bad || sid >= nkeys)
				return gt_errf(err, GT_ECORRUPT, "batch: row %llu names series %llu of %llu",
					       (unsigned long long)i, (unsigned long long)sid, (unsigned long long)nkeys);
			b->sid[i] = (uint32_t)sid;
		}
	}
	for (uint64_t c = 0; c < ncols; c++) {
		uint64_t id = gt_rd_uvarint(&r);
		uint8_t type = gt_rd_u8(&r);
		uint8_t has_nulls = gt_rd_u8(&r);
		const uint8_t *bitmap = NULL;
		struct gt_vec *v;
		int idx;

		if (r.bad || !valid_type(type) || has_nulls > 1 || id > UINT32_MAX)
			return gt_errf(err, GT_ECORRUPT, "batch: bad column %llu header", (unsigned long long)c);
		if (has_nulls && !(bitmap = gt_rd_take(&r, (n + 7) / 8)))
			return gt_errf(err, GT_ECORRUPT, "batch: truncated null bitmap");
		idx = gt_batch_add_col(b, (uint32_t)id, type);
		if (idx < 0)
			return gt_errf(err, idx, "batch: cannot add column");
		v = &b->cols[idx];
		if ((rc = gt_vec_reserve(v, (uint32_t)n)))
			return gt_errf(err, rc, "batch: out of memory");
		if (type == GT_STRING) {
			size_t total;
			const char *s = gt_rd_bytes(&r, UINT32_MAX, &total);
			uint64_t sum = 0;
			if (!s)
				return gt_errf(err, GT_ECORRUPT, "batch: truncated strings");
			if ((rc = gt_buf_add(&v->str, s, total)))
				return gt_errf(err, rc, "batch: out of memory");
			v->off[0] = 0;
			for (uint64_t i = 0; i < n; i++) {
				sum += gt_rd_uvarint(&r);
				if (r.bad || sum > total)
					return gt_errf(err, GT_ECORRUPT, "batch: bad string lengths");
				v->off[i + 1] = (uint32_t)sum;
			}
			if (sum != total)
				return gt_errf(err, GT_ECORRUPT, "batch: string lengths do not add up");
		} else {
			size_t w = width(type);
			const uint8_t *vals = gt_rd_take(&r, (size_t)n * w);
			if (!vals)
				return gt_errf(err, GT_ECORRUPT, "batch: truncated values");
			if (w == 1) {
				memcpy(v->v.b, vals, n);
			} else {
				for (uint64_t i = 0; i < n; i++)
					v->v.u64[i] = gt_get_le64(vals + i * 8);
			}
		}
		v->len = (uint32_t)n;
		if (bitmap) {
			size_t nb = ((size_t)v->cap + 7) / 8;
			v->valid = gt_calloc(nb, 1);
			if (!v->valid)
				return gt_errf(err, GT_ENOMEM, "batch: out of memory");
			memcpy(v->valid, bitmap, (n + 7) / 8);
		}
	}
	if (gt_rd_left(&r))
		return gt_errf(err, GT_ECORRUPT, "batch: %zu trailing bytes", gt_rd_left(&r));
	return 0;
}
