/*
 * sqlarrow.c - SQL results as Arrow IPC files (sqlarrow.h).
 *
 * Flatbuffers are written front to back: a table is its vtable then the
 * table (int32 offset back to the vtable, the fields by size, largest
 * first), and what a table points to (strings, vectors, other tables)
 * comes after it, so every uoffset is positive; pointers are patched once
 * their target is written.  Reading checks every offset against the
 * bytes there are before it follows one.
 */
#include <string.h>

#include "buf.h"
#include "sqlarrow.h"

enum { T_INT = 2, T_FLOAT = 3, T_UTF8 = 5, T_BOOL = 6, T_TIMESTAMP = 10 };   /* Arrow's Type union */
enum { H_SCHEMA = 1, H_RECORDBATCH = 3 };                                        /* MessageHeader */
#define V5 4
#define MAX_FIELDS 8

struct fbf {
	uint8_t size;   /* 0: absent */
	bool off;       /* a uoffset, patched later */
	uint64_t v;
};

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int pad(struct gt_buf *b, size_t a)
{
	static const char z[8];
	return gt_buf_add(b, z, (a - b->len % a) % a);
}

static int add_le(struct gt_buf *b, uint64_t v, int n)
{
	uint8_t t[8];
	put_le(t, v, n);
	return gt_buf_add(b, t, (size_t)n);
}

/* A table of n fields; *at its position, pos[i] where offset field i sits. */
static int fb_table(struct gt_buf *b, const struct fbf *f, int n, size_t *at, size_t *pos)
{
	uint16_t off[MAX_FIELDS] = {0};
	size_t o = 4, vt;
	int rc;

	for (int sz = 8; sz >= 1; sz /= 2)
		for (int i = 0; i < n; i++)
			if (f[i].size == sz) {
				o = (o + (size_t)sz - 1) / (size_t)sz * (size_t)sz;
				off[i] = (uint16_t)o;
				o += (size_t)sz;
			}
	if ((rc = pad(b, 2)))
		return rc;
	vt = b->len;
	if ((rc = add_le(b, 4 + 2 * (uint64_t)n, 2)) || (rc = add_le(b, o, 2)))
		return rc;
	for (int i = 0; i < n; i++)
		if ((rc = add_le(b, off[i], 2)))
			return rc;
	if ((rc = pad(b, 8)))
		return rc;
	*at = b->len;
	if ((rc = add_le(b, *at - vt, 4)))
		return rc;
	size_t ts = *at;
	while (b->len < ts + o)
		if ((rc = gt_buf_addch(b, 0)))
			return rc;
	for (int i = 0; i < n; i++) {
		if (!f[i].size)
			continue;
		put_le((uint8_t *)b->p + ts + off[i], f[i].off ? 0 : f[i].v, f[i].size);
		if (pos)
			pos[i] = ts + off[i];
	}
	return 0;
}

static void fb_patch(struct gt_buf *b, size_t at, size_t target)
{
	put_le((uint8_t *)b->p + at, target - at, 4);
}

static int fb_string(struct gt_buf *b, const char *s, size_t *at)
{
	int rc;
	size_t n = strlen(s);

	if ((rc = pad(b, 4)))
		return rc;
	*at = b->len;
	if ((rc = add_le(b, n, 4)) || (rc = gt_buf_add(b, s, n)) || (rc = gt_buf_addch(b, 0)))
		return rc;
	return 0;
}

/* A vector of n elements of size each, elements aligned to align: *at its length's position. */
static int fb_vector(struct gt_buf *b, uint32_t n, size_t size, size_t align, const void *elems, size_t *at)
{
	int rc;

	if ((rc = pad(b, 4)))
		return rc;
	while ((b->len + 4) % align)
		if ((rc = add_le(b, 0, 4)))
			return rc;
	*at = b->len;
	if ((rc = add_le(b, n, 4)))
		return rc;
	if (elems)
		return gt_buf_add(b, elems, n * size);
	for (size_t i = 0; i < n * size && !rc; i++)   /* slots patched later */
		rc = gt_buf_addch(b, 0);
	return rc;
}

static void col_type(const struct gt_sql_column *c, int *tt, struct fbf *f, int *nf)
{
	*nf = 0;
	switch (c->type) {
	case GT_I64:
	case GT_U64:
		*tt = T_INT;
		f[0] = (struct fbf){4, false, 64};
		f[1] = (struct fbf){1, false, c->type == GT_I64};
		*nf = 2;
		break;
	case GT_F64:
		*tt = T_FLOAT;
		f[0] = (struct fbf){2, false, 2};   /* DOUBLE */
		*nf = 1;
		break;
	case GT_BOOL:
		*tt = T_BOOL;
		break;
	case GT_TS:
		*tt = T_TIMESTAMP;
		f[0] = (struct fbf){2, false, c->unit / 3u};
		*nf = 1;
		break;
	default:
		*tt = T_UTF8;
	}
}

/* The Schema table; *at its position. */
static int fb_schema(struct gt_buf *b, const struct gt_sql_output *o, size_t *at)
{
	struct fbf sf[2] = {{2, false, 0}, {4, true, 0}};
	size_t spos[2], vec;
	int rc;

	if ((rc = fb_table(b, sf, 2, at, spos)) || (rc = fb_vector(b, o->ncols, 4, 4, NULL, &vec)))
		return rc;
	fb_patch(b, spos[1], vec);
	for (uint32_t i = 0; i < o->ncols; i++) {
		struct fbf ff[6] = {{4, true, 0}, {1, false, 1}, {1, false, 0}, {4, true, 0}, {0, false, 0}, {4, true, 0}};
		struct fbf tf[2];
		size_t fpos[6], fat, s, t, tpos[2], ch;
		int tt, ntf;
		col_type(&o->cols[i], &tt, tf, &ntf);
		ff[2].v = (uint64_t)tt;
		if ((rc = fb_table(b, ff, 6, &fat, fpos)))
			return rc;
		fb_patch(b, vec + 4 + 4 * i, fat);
		if ((rc = fb_string(b, o->cols[i].name ? o->cols[i].name : "", &s)))
			return rc;
		fb_patch(b, fpos[0], s);
		if ((rc = fb_table(b, tf, ntf, &t, tpos)))
			return rc;
		fb_patch(b, fpos[3], t);
		if ((rc = fb_vector(b, 0, 4, 4, NULL, &ch)))
			return rc;
		fb_patch(b, fpos[5], ch);
	}
	return 0;
}

/* A message (flatbuffer fb, body) appended to out; *meta its metadata length. */
static int add_message(struct gt_buf *out, const struct gt_buf *fb, const struct gt_buf *body, int32_t *meta)
{
	size_t flen = (fb->len + 7) / 8 * 8;
	int rc;

	*meta = (int32_t)(8 + flen);
	if ((rc = add_le(out, 0xFFFFFFFFu, 4)) || (rc = add_le(out, flen, 4)) || (rc = gt_buf_add(out, fb->p, fb->len)) ||
	    (rc = pad(out, 8)))
		return rc;
	return body && body->len ? gt_buf_add(out, body->p, body->len) : 0;
}

/* The Message table with header kind h; *hpos where its header offset sits. */
static int fb_message(struct gt_buf *b, int h, uint64_t body_len, size_t *hpos)
{
	struct fbf mf[4] = {{2, false, V5}, {1, false, (uint64_t)h}, {4, true, 0}, {8, false, body_len}};
	size_t at, pos[4];
	int rc;

	if ((rc = add_le(b, 0, 4)) || (rc = fb_table(b, mf, 4, &at, pos)))
		return rc;
	fb_patch(b, 0, at);
	*hpos = pos[2];
	return 0;
}

/* The batch's body: per column a validity bitmap (empty without NULLs) and its values (Utf8:
 * offsets, then bytes); nodes and buffers describe it. */
static int batch_body(const struct gt_sql_output *o, struct gt_buf *body, uint8_t *nodes, uint8_t *bufs, uint32_t *nbufs)
{
	uint32_t n = o->rows.nrows;
	int rc = 0;

	*nbufs = 0;
	for (uint32_t c = 0; c < o->ncols && !rc; c++) {
		const struct gt_vec *v = &o->rows.cols[c];
		uint64_t nulls = 0;
		for (uint32_t r = 0; r < n; r++)
			nulls += gt_vec_is_null(v, r);
		put_le(nodes + 16 * c, n, 8);
		put_le(nodes + 16 * c + 8, nulls, 8);
		/* validity */
		size_t start = body->len;
		for (uint32_t r = 0; nulls && r < n && !rc; r += 8) {
			uint8_t byte = 0;
			for (uint32_t k = 0; k < 8 && r + k < n; k++)
				byte |= (uint8_t)(!gt_vec_is_null(v, r + k) << k);
			rc = gt_buf_addch(body, byte);
		}
		put_le(bufs + 16 * *nbufs, start, 8);
		put_le(bufs + 16 * (*nbufs)++ + 8, body->len - start, 8);
		rc = rc ? rc : pad(body, 8);
		start = body->len;
		if (v->type == GT_STRING) {
			uint32_t total = 0, len;
			for (uint32_t r = 0; r <= n && !rc; r++) {
				rc = add_le(body, total, 4);
				if (r < n && !gt_vec_is_null(v, r)) {
					gt_vec_str(v, r, &len);
					total += len;
				}
			}
			put_le(bufs + 16 * *nbufs, start, 8);
			put_le(bufs + 16 * (*nbufs)++ + 8, body->len - start, 8);
			rc = rc ? rc : pad(body, 8);
			start = body->len;
			for (uint32_t r = 0; r < n && !rc; r++) {
				const char *s = gt_vec_is_null(v, r) ? "" : gt_vec_str(v, r, &len);
				rc = gt_buf_add(body, s, gt_vec_is_null(v, r) ? 0 : len);
			}
		} else if (v->type == GT_BOOL) {
			for (uint32_t r = 0; r < n && !rc; r += 8) {
				uint8_t byte = 0;
				for (uint32_t k = 0; k < 8 && r + k < n; k++)
					byte |= (uint8_t)((v->v.b[r + k] != 0) << k);
				rc = gt_buf_addch(body, byte);
			}
		} else {
			for (uint32_t r = 0; r < n && !rc; r++)
				rc = add_le(body, v->v.u64[r], 8);
		}
		put_le(bufs + 16 * *nbufs, start, 8);
		put_le(bufs + 16 * (*nbufs)++ + 8, body->len - start, 8);
		rc = rc ? rc : pad(body, 8);
	}
	return rc;
}

int gt_sqlarrow_encode(const struct gt_sql_output *o, struct gt_buf *out)
{
	struct gt_buf fb = {0}, body = {0};
	uint8_t *nodes = NULL, *bufs = NULL, blocks[2][24];
	uint32_t nbufs = 0;
	size_t hpos, at, pos[4], nv, bv;
	int32_t meta;
	int rc;

	if (o->kind != GT_SQL_RECORDS || (o->ncols && o->rows.ncols != o->ncols))
		return GT_EINVAL;
	if (!(nodes = calloc(o->ncols + 1, 16)) || !(bufs = calloc(3 * (size_t)o->ncols + 1, 16))) {
		rc = GT_ENOMEM;
		goto out;
	}
	if ((rc = gt_buf_add(out, "ARROW1\0\0", 8)))
		goto out;
	/* the schema */
	if ((rc = fb_message(&fb, H_SCHEMA, 0, &hpos)) || (rc = fb_schema(&fb, o, &at)))
		goto out;
	fb_patch(&fb, hpos, at);
	if ((rc = add_message(out, &fb, NULL, &meta)))
		goto out;
	/* the batch: none for an empty answer that shows no header (GreptimeDB's scans of nothing
	 * stream no batch; its empty metric streams an empty one) */
	bool batch = o->rows.nrows > 0 || o->keep_header;
	if (!batch)
		goto eos;
	if ((rc = batch_body(o, &body, nodes, bufs, &nbufs)))
		goto out;
	size_t batch_at = out->len;
	struct fbf rf[3] = {{8, false, o->rows.nrows}, {4, true, 0}, {4, true, 0}};
	gt_buf_reset(&fb);
	if ((rc = fb_message(&fb, H_RECORDBATCH, body.len, &hpos)) || (rc = fb_table(&fb, rf, 3, &at, pos)))
		goto out;
	fb_patch(&fb, hpos, at);
	if ((rc = fb_vector(&fb, o->ncols, 16, 8, nodes, &nv)))
		goto out;
	fb_patch(&fb, pos[1], nv);
	if ((rc = fb_vector(&fb, nbufs, 16, 8, bufs, &bv)))
		goto out;
	fb_patch(&fb, pos[2], bv);
	if ((rc = add_message(out, &fb, &body, &meta)))
		goto out;
	put_le(blocks[0], batch_at, 8);
	put_le(blocks[0] + 8, (uint64_t)meta, 4);
	put_le(blocks[0] + 12, 0, 4);
	put_le(blocks[0] + 16, body.len, 8);
eos:
	/* end of stream, then the footer */
	if ((rc = add_le(out, 0xFFFFFFFFu, 4)) || (rc = add_le(out, 0, 4)))
		goto out;
	struct fbf ff[4] = {{2, false, V5}, {4, true, 0}, {4, true, 0}, {4, true, 0}};
	size_t fpos[4], sat, dv, rv;
	gt_buf_reset(&fb);
	if ((rc = add_le(&fb, 0, 4)) || (rc = fb_table(&fb, ff, 4, &at, fpos)))
		goto out;
	fb_patch(&fb, 0, at);
	if ((rc = fb_schema(&fb, o, &sat)))
		goto out;
	fb_patch(&fb, fpos[1], sat);
	if ((rc = fb_vector(&fb, 0, 24, 8, blocks[1], &dv)))
		goto out;
	fb_patch(&fb, fpos[2], dv);
	if ((rc = fb_vector(&fb, batch ? 1 : 0, 24, 8, blocks[0], &rv)))
		goto out;
	fb_patch(&fb, fpos[3], rv);
	if ((rc = gt_buf_add(out, fb.p, fb.len)) || (rc = add_le(out, fb.len, 4)) || (rc = gt_buf_add(out, "ARROW1", 6)))
		goto out;
out:
	gt_buf_release(&fb);
	gt_buf_release(&body);
	free(nodes);
	free(bufs);
	return rc;
}

/* --- reading --- */

struct rd {
	const uint8_t *p;
	size_t len;
	bool bad;
};

static uint64_t rd(struct rd *r, size_t at, int n)
{
	if (r->bad || at > r->len || r->len - at < (size_t)n) {
		r->bad = true;
		return 0;
	}
	return get_le(r->p + at, n);
}

/* Where field id of the table at t sits, or 0 when absent. */
static size_t rd_field(struct rd *r, size_t t, int id)
{
	int64_t vt = (int64_t)t - (int32_t)rd(r, t, 4);
	if (vt < 0) {
		r->bad = true;
		return 0;
	}
	size_t vsize = rd(r, (size_t)vt, 2);
	if ((size_t)(4 + 2 * id) + 2 > vsize)
		return 0;
	size_t o = rd(r, (size_t)vt + 4 + 2 * (size_t)id, 2);
	return o ? t + o : 0;
}

static size_t rd_deref(struct rd *r, size_t at)
{
	return at ? at + rd(r, at, 4) : 0;
}

int gt_sqlarrow_floats(const char *text, size_t len, struct gt_sql_output *o)
{
	struct rd r = {(const uint8_t *)text, len, false};
	uint8_t types[1024];
	uint32_t ntypes = 0;
	uint64_t row0 = 0;
	size_t pos = 8;

	if (len < 8 || memcmp(text, "ARROW1", 6) || o->kind != GT_SQL_RECORDS)
		return GT_ECORRUPT;
	for (;;) {
		if (rd(&r, pos, 4) != 0xFFFFFFFFu)
			return GT_ECORRUPT;
		size_t mlen = rd(&r, pos + 4, 4);
		if (r.bad)
			return GT_ECORRUPT;
		if (mlen == 0)
			return 0;
		struct rd m = {r.p + pos + 8, GT_MIN(mlen, len - pos - 8), false};
		size_t msg = rd(&m, 0, 4);   /* the root table */
		int h = (int)rd(&m, rd_field(&m, msg, 1), 1);
		size_t hdr = rd_deref(&m, rd_field(&m, msg, 2));
		uint64_t blen = rd(&m, rd_field(&m, msg, 3), 8);
		size_t body = pos + 8 + mlen;
		if (m.bad || blen > len || body > len - blen)
			return GT_ECORRUPT;
		if (h == H_SCHEMA) {
			size_t fv = rd_deref(&m, rd_field(&m, hdr, 1));
			ntypes = (uint32_t)rd(&m, fv, 4);
			if (ntypes > sizeof types)
				return GT_ECORRUPT;
			for (uint32_t i = 0; i < ntypes; i++) {
				size_t f = rd_deref(&m, fv + 4 + 4 * (size_t)i);
				size_t tt = rd_field(&m, f, 2);
				types[i] = tt ? (uint8_t)rd(&m, tt, 1) : 0;
				size_t tp = rd_deref(&m, rd_field(&m, f, 3));
				/* a float column is a DOUBLE one here; mark anything else apart */
				if (types[i] == T_FLOAT && rd(&m, rd_field(&m, tp, 0), 2) != 2)
					types[i] = 0;
			}
		} else if (h == H_RECORDBATCH) {
			o->keep_header = true;
			uint64_t n = rd(&m, rd_field(&m, hdr, 0), 8);
			size_t bv = rd_deref(&m, rd_field(&m, hdr, 2));
			uint32_t nb = (uint32_t)rd(&m, bv, 4), bi = 0;
			for (uint32_t c = 0; c < ntypes && !m.bad; c++) {
				uint32_t used = types[c] == T_UTF8 ? 3 : 2;
				if (bi + used > nb)
					return GT_ECORRUPT;
				size_t b0 = bv + 4 + 16 * (size_t)bi;
				uint64_t voff = rd(&m, b0, 8), vlen = rd(&m, b0 + 8, 8);
				uint64_t doff = rd(&m, b0 + 16, 8), dlen = rd(&m, b0 + 24, 8);
				bi += used;
				if (types[c] != T_FLOAT || c >= o->ncols || o->rows.cols[c].type != GT_F64)
					continue;
				if (voff > blen || vlen > blen - voff || doff > blen || dlen > blen - doff || dlen < 8 * n ||
				    (vlen && vlen * 8 < n))
					return GT_ECORRUPT;
				struct gt_vec *v = &o->rows.cols[c];
				for (uint64_t i = 0; i < n; i++) {
					uint64_t row = row0 + i;
					bool valid = !vlen || (r.p[body + voff + i / 8] >> (i % 8) & 1);
					if (row >= v->len || !valid || !gt_vec_is_null(v, (uint32_t)row))
						continue;
					uint64_t bits = get_le(r.p + body + doff + 8 * i, 8);
					memcpy(&v->v.f64[row], &bits, 8);
					v->valid[row / 8] |= (uint8_t)(1u << (row % 8));
				}
			}
			row0 += n;
		}
		if (m.bad)
			return GT_ECORRUPT;
		pos = body + blen;
	}
}
