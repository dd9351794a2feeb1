/*
 * sst.c - SST files, format v1.  The authoritative description is
 * man/man5/gt-sst.5; this is the same layout in brief.  Every integer is
 * little-endian (le32/le64) or a LEB128 uvarint; "svarint" is a zigzag
 * uvarint; a "stream" is enc.h's byte string, raw, zstd or rANS.
 *
 *   offset 0      header, 16 bytes
 *                   8  magic "GTSST\r\n\x1a"
 *                   le32 version (1)
 *                   le32 flags (0)
 *   offset 16     data blocks, back to back, each:
 *                   uvarint rows (1 .. block_rows)
 *                   uvarint nsec (4 + number of field columns)
 *                   nsec x { u8 encoding | uvarint payload length }
 *                   payloads, in section order:
 *                     0 series ordinals   RUNS
 *                     1 timestamps        DOD
 *                     2 sequences         DELTA
 *                     3 ops               RUNS (0 put, 1 delete)
 *                     4.. field columns in schema order:
 *                         NULL: nothing (every row null), otherwise
 *                         u8 flags (bit 0: validity present) |
 *                         [stream of (rows+7)/8 bytes, bit set = valid] |
 *                         the encoded non-null values (enc.c)
 *                   le32 crc32c of the block's preceding bytes
 *   schema_off    schema: stream of JSON (gt_schema_to_json plus an
 *                 optional "table" member) | le32 crc32c of the stream
 *   keys_off      series keys: stream of { uvarint nseries, then per
 *                 key in ascending memcmp order: uvarint shared prefix
 *                 with the previous key | uvarint suffix length |
 *                 suffix } | le32 crc32c
 *   index_off     index: stream of {
 *                   uvarint nblocks | uvarint nsec
 *                   per section: uvarint nenc, nenc x { u8 encoding |
 *                                uvarint bytes over all blocks }
 *                   per block: uvarint rows | uvarint length |
 *                     le32 crc | uvarint sid_first |
 *                     uvarint sid_last - sid_first | svarint min_ts |
 *                     uvarint max_ts - min_ts |
 *                     per field column: uvarint nulls | u8 has_minmax |
 *                       [le64 min | le64 max]  (f64 bits, i64, u64)
 *                 } | le32 crc32c
 *   end - 120     footer, 120 bytes:
 *                   le64 schema_off, schema_len, keys_off, keys_len,
 *                        index_off, index_len, rows
 *                   le32 nseries, nblocks
 *                   le64 min_ts, max_ts, min_seq, max_seq
 *                   le32 block_rows, flags (0), version (1)
 *                   le32 crc32c of the footer's first 108 bytes
 *                   8 magic "GTSST\r\n\x1a"
 *
 * A block's offset is not stored: blocks start at 16 and follow each
 * other, so the index's lengths place them, and the reader insists that
 * they end exactly at schema_off and that every section ends where the
 * next begins.  Thus every byte of a file is covered by a magic, a
 * checksum or an exact layout rule: one flipped byte anywhere is found.
 */
#include "sst.h"

#include "codec.h"
#include "crc32c.h"
#include "enc.h"
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "GTSST\r\n\x1a"
#define HEADER_LEN 16
#define FOOTER_LEN 120
#define VERSION 1
#define NMETA 4                        /* sid, ts, seq, op sections */
#define BLOCK_STR_SOFT ((size_t)8 << 20) /* writer cuts a block past this many string bytes */
#define MAX_BLOCK_LEN ((uint64_t)1 << 30)
#define MAX_SCHEMA_RAW ((size_t)16 << 20)
#define MAX_META_RAW ((size_t)1 << 30)
#define WRITE_CHUNK ((size_t)1 << 20)

enum { SEC_SID, SEC_TS, SEC_SEQ, SEC_OP };

/*
 * A fuzzer cannot forge checksums, so a fuzzing build (clang defines
 * nothing; the libFuzzer command line of tests/fuzz/fuzz-sst.c does)
 * takes every checksum as good and reaches the decoders behind them.
 */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CRC_BAD(a, b) ((void)(a), (void)(b), 0)
#else
#define CRC_BAD(a, b) ((a) != (b))
#endif

/* ---- shared helpers ------------------------------------------------- */

static int is_field_type(unsigned t)
{
	return t == GT_F64 || t == GT_I64 || t == GT_U64 || t == GT_BOOL || t == GT_STRING || t == GT_TS;
}

/* Fields of a schema in schema order; *out allocated. */
static int field_list(const struct gt_schema *sc, uint32_t **out, uint32_t *n)
{
	uint32_t k = 0;
	*out = gt_calloc(sc->ncols ? sc->ncols : 1, sizeof(**out));
	if (!*out)
		return GT_ENOMEM;
	for (uint32_t i = 0; i < sc->ncols; i++)
		if (sc->cols[i].sem == GT_FIELD)
			(*out)[k++] = i;
	*n = k;
	return 0;
}

/* What a writer needs of a schema and a reader checks of a stored one. */
static int schema_check(const struct gt_schema *sc, struct gt_err *err, const char *what)
{
	int ti = -1;
	for (uint32_t i = 0; i < sc->ncols; i++) {
		const struct gt_coldef *c = &sc->cols[i];
		for (uint32_t j = 0; j < i; j++)
			if (sc->cols[j].id == c->id)
				return gt_errf(err, GT_EINVAL, "%s: column id %u appears twice", what, c->id);
		if (c->sem == GT_TIME) {
			if (ti >= 0 || c->type != GT_TS)
				return gt_errf(err, GT_EINVAL, "%s: bad time index", what);
			if (c->unit != GT_UNIT_S && c->unit != GT_UNIT_MS && c->unit != GT_UNIT_US &&
			    c->unit != GT_UNIT_NS)
				return gt_errf(err, GT_EINVAL, "%s: bad time unit", what);
			ti = (int)i;
		} else if (c->sem == GT_TAG) {
			if (c->type < GT_STRING || c->type > GT_TS)
				return gt_errf(err, GT_EINVAL, "%s: tag column '%s' has a bad type", what, c->name);
		} else if (c->sem == GT_FIELD) {
			if (!is_field_type(c->type))
				return gt_errf(err, GT_EINVAL, "%s: field column '%s' has a bad type", what, c->name);
		} else {
			return gt_errf(err, GT_EINVAL, "%s: column '%s' has a bad role", what, c->name);
		}
	}
	if (ti < 0)
		return gt_errf(err, GT_EINVAL, "%s: no time index column", what);
	return ti;
}

/*
 * gt_schema_from_json() refuses "default": null (jansson's "s?s" wants a
 * string when the key is present), which gt_schema_to_json() writes for
 * every column without a default: drop such members on both sides.
 */
static void strip_null_defaults(json_t *j)
{
	json_t *cols = json_object_get(j, "columns");
	for (size_t i = 0; i < json_array_size(cols); i++) {
		json_t *c = json_array_get(cols, i);
		if (json_is_object(c) && json_is_null(json_object_get(c, "default")))
			json_object_del(c, "default");
	}
}

/* Per-field statistics of a block. */
struct fstat {
	uint32_t nulls;
	uint8_t has;
	uint64_t min, max;   /* bits: f64, i64 or u64 by type */
};

static void stat_vec(const struct gt_vec *v, uint32_t n, struct fstat *st)
{
	uint32_t nulls = 0;
	int has = 0;
	union { double f; int64_t i; uint64_t u; } lo = {0}, hi = {0};

	for (uint32_t i = 0; i < n; i++) {
		if (gt_vec_is_null(v, i)) {
			nulls++;
			continue;
		}
		switch (v->type) {
		case GT_F64: {
			double x = v->v.f64[i];
			if (isnan(x))
				break;
			if (!has || x < lo.f)
				lo.f = x;
			if (!has || x > hi.f)
				hi.f = x;
			has = 1;
			break;
		}
		case GT_I64:
			if (!has || v->v.i64[i] < lo.i)
				lo.i = v->v.i64[i];
			if (!has || v->v.i64[i] > hi.i)
				hi.i = v->v.i64[i];
			has = 1;
			break;
		case GT_U64:
			if (!has || v->v.u64[i] < lo.u)
				lo.u = v->v.u64[i];
			if (!has || v->v.u64[i] > hi.u)
				hi.u = v->v.u64[i];
			has = 1;
			break;
		default:
			break;
		}
	}
	st->nulls = nulls;
	st->has = (uint8_t)has;
	if (v->type == GT_F64) {
		memcpy(&st->min, &lo.f, 8);
		memcpy(&st->max, &hi.f, 8);
	} else {
		st->min = lo.u;
		st->max = hi.u;
	}
}

/* ---- writer --------------------------------------------------------- */

struct gt_sst_writer {
	char *path;
	int fd;
	int finished;
	int failed;              /* sticky error code after an I/O failure */
	struct gt_schema schema;
	char *table;
	uint32_t time_id;
	uint32_t nfields, *field_idx;
	uint32_t block_rows;
	int has_str;
	struct gt_enc enc;

	/* the block being filled */
	uint32_t n, cap;
	int64_t *ts;
	uint64_t *seq;
	uint8_t *op;
	uint32_t *sid;
	struct gt_vec *fv;
	size_t strbytes;

	/* output */
	struct gt_buf out;       /* bytes not yet written */
	uint64_t off;            /* file offset of out.p[0] */
	struct gt_buf blk, sec;  /* block being encoded, one section's payload */
	void *dense;             /* non-null values of a column (8 bytes each) */
	uint32_t *doff;
	size_t dcap;
	struct gt_buf dstr;

	/* key table, index, totals */
	struct gt_buf keys, lastkey, index;
	uint32_t nseries, nblocks;
	uint64_t keybytes;       /* sum of the key lengths */
	int64_t last_ts;
	uint64_t last_seq;
	uint64_t rows, min_seq, max_seq;
	int64_t min_ts, max_ts;
	uint64_t *colbytes;      /* (NMETA + nfields) x GT_ENC_COUNT */
};

static int werr(struct gt_sst_writer *w, struct gt_err *err, int code, const char *what)
{
	if (code == GT_EIO)
		w->failed = code;
	return gt_errf(err, code, "%s: %s: %s", w->path, what,
		       code == GT_EIO ? strerror(errno) : gt_strerror(code));
}

int gt_sst_writer_new(struct gt_sst_writer **out, const char *path, const struct gt_schema *schema,
		      const struct gt_sst_writer_opts *opts, struct gt_err *err)
{
	struct gt_sst_writer *w;
	int rc, ti;

	*out = NULL;
	if ((ti = schema_check(schema, err, "schema")) < 0)
		return ti;
	if (opts && opts->block_rows > GT_SST_MAX_BLOCK_ROWS)
		return gt_errf(err, GT_EINVAL, "block_rows %u over %u", opts->block_rows, GT_SST_MAX_BLOCK_ROWS);
	if (opts && opts->table && strlen(opts->table) > GT_NAME_MAX)
		return gt_errf(err, GT_EINVAL, "table name too long");
	if (!(w = gt_calloc(1, sizeof(*w))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	w->fd = -1;
	w->block_rows = opts && opts->block_rows ? opts->block_rows : GT_SST_DEFAULT_BLOCK_ROWS;
	w->time_id = schema->cols[ti].id;
	rc = gt_enc_init(&w->enc, opts ? opts->zstd_level : 0);
	if (!rc)
		rc = gt_schema_copy(&w->schema, schema);
	if (!rc)
		rc = field_list(&w->schema, &w->field_idx, &w->nfields);
	if (!rc && !(w->path = gt_strdup(path)))
		rc = GT_ENOMEM;
	if (!rc && opts && opts->table && !(w->table = gt_strdup(opts->table)))
		rc = GT_ENOMEM;
	if (!rc && !(w->fv = gt_calloc(w->nfields ? w->nfields : 1, sizeof(*w->fv))))
		rc = GT_ENOMEM;
	if (!rc && !(w->colbytes = gt_calloc((NMETA + w->nfields) * GT_ENC_COUNT, sizeof(uint64_t))))
		rc = GT_ENOMEM;
	if (rc) {
		gt_sst_writer_free(w);
		return gt_errf(err, rc, "cannot start '%s': %s", path, gt_strerror(rc));
	}
	for (uint32_t k = 0; k < w->nfields; k++) {
		gt_vec_init(&w->fv[k], (enum gt_type)w->schema.cols[w->field_idx[k]].type);
		w->has_str |= w->fv[k].type == GT_STRING;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = gt_errf(err, GT_EIO, "cannot create '%s': %s", path, strerror(errno));
		free(w->path);
		w->path = NULL;   /* nothing of ours to unlink */
		gt_sst_writer_free(w);
		return rc;
	}
	if ((rc = gt_buf_add(&w->out, MAGIC, 8)) || (rc = gt_buf_le32(&w->out, VERSION)) ||
	    (rc = gt_buf_le32(&w->out, 0))) {
		gt_sst_writer_free(w);
		return gt_errf(err, rc, "out of memory");
	}
	*out = w;
	return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return GT_EIO;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int flush_out(struct gt_sst_writer *w)
{
	if (!w->out.len)
		return 0;
	if (write_all(w->fd, w->out.p, w->out.len))
		return GT_EIO;
	w->off += w->out.len;
	gt_buf_reset(&w->out);
	return 0;
}

static int dense_room(struct gt_sst_writer *w, size_t n)
{
	if (n <= w->dcap)
		return 0;
	void *d = gt_reallocarray(w->dense, n, 8);
	if (!d)
		return GT_ENOMEM;
	w->dense = d;
	uint32_t *o = gt_reallocarray(w->doff, n + 1, sizeof(*o));
	if (!o)
		return GT_ENOMEM;
	w->doff = o;
	w->dcap = n;
	return 0;
}

/* Encode field vec v (w->n rows) as a section payload into w->sec. */
static int enc_field(struct gt_sst_writer *w, const struct gt_vec *v, uint32_t nulls, unsigned *id)
{
	uint32_t n = w->n, nv = n - nulls, j = 0;
	struct gt_buf *s = &w->sec;
	int rc;

	gt_buf_reset(s);
	if (nv == 0) {
		*id = GT_ENC_NULL;
		return 0;
	}
	if ((rc = gt_buf_addch(s, nulls ? 1 : 0)))
		return rc;
	if (nulls && (rc = gt_enc_stream(&w->enc, s, v->valid, ((size_t)n + 7) / 8)))
		return rc;
	if ((rc = dense_room(w, nv)))
		return rc;
	switch (v->type) {
	case GT_STRING: {
		const char *base = v->str.p ? v->str.p : "";
		const uint32_t *off = v->off;
		if (nulls) {
			gt_buf_reset(&w->dstr);
			w->doff[0] = 0;
			for (uint32_t i = 0; i < n; i++) {
				if (gt_vec_is_null(v, i))
					continue;
				if ((rc = gt_buf_add(&w->dstr, base + v->off[i], v->off[i + 1] - v->off[i])))
					return rc;
				w->doff[++j] = (uint32_t)w->dstr.len;
			}
			base = w->dstr.p ? w->dstr.p : "";
			off = w->doff;
		}
		*id = GT_ENC_STR;
		return gt_enc_str(&w->enc, s, base, off, nv);
	}
	case GT_BOOL: {
		const uint8_t *b = v->v.b;
		if (nulls) {
			uint8_t *d = (uint8_t *)w->dense;
			for (uint32_t i = 0; i < n; i++)
				if (!gt_vec_is_null(v, i))
					d[j++] = v->v.b[i];
			b = d;
		}
		*id = GT_ENC_BOOL;
		return gt_enc_bool(&w->enc, s, b, nv);
	}
	case GT_F64: {
		const double *f = v->v.f64;
		if (nulls) {
			double *d = (double *)w->dense;
			for (uint32_t i = 0; i < n; i++)
				if (!gt_vec_is_null(v, i))
					d[j++] = v->v.f64[i];
			f = d;
		}
		return gt_enc_f64(&w->enc, s, f, nv, id);
	}
	default: {
		const uint64_t *u = v->v.u64;
		if (nulls) {
			uint64_t *d = (uint64_t *)w->dense;
			for (uint32_t i = 0; i < n; i++)
				if (!gt_vec_is_null(v, i))
					d[j++] = v->v.u64[i];
			u = d;
		}
		*id = GT_ENC_INT;
		return gt_enc_int(&w->enc, s, u, nv);
	}
	}
}

/* Append section payload w->sec as section k of the block. */
static int add_sec(struct gt_sst_writer *w, struct gt_buf *hdr, uint32_t k, unsigned id)
{
	int rc;
	if ((rc = gt_buf_addch(hdr, (int)id)) || (rc = gt_buf_uvarint(hdr, w->sec.len)) ||
	    (rc = gt_buf_add(&w->blk, w->sec.p, w->sec.len)))
		return rc;
	w->colbytes[k * GT_ENC_COUNT + id] += w->sec.len;
	return 0;
}

static int flush_block(struct gt_sst_writer *w)
{
	struct gt_buf hdr = {0};
	struct fstat *st = NULL;
	uint32_t n = w->n, k;
	int64_t lo, hi;
	int rc;

	if (!n)
		return 0;
	lo = hi = w->ts[0];
	gt_buf_reset(&w->blk);
	if (!(st = gt_calloc(w->nfields ? w->nfields : 1, sizeof(*st))))
		return GT_ENOMEM;
	rc = gt_buf_uvarint(&hdr, n);
	if (!rc)
		rc = gt_buf_uvarint(&hdr, NMETA + w->nfields);
	gt_buf_reset(&w->sec);
	if (!rc && !(rc = gt_enc_runs_u32(&w->enc, &w->sec, w->sid, n)))
		rc = add_sec(w, &hdr, SEC_SID, GT_ENC_RUNS);
	gt_buf_reset(&w->sec);
	if (!rc && !(rc = gt_enc_dod(&w->enc, &w->sec, w->ts, n)))
		rc = add_sec(w, &hdr, SEC_TS, GT_ENC_DOD);
	gt_buf_reset(&w->sec);
	if (!rc && !(rc = gt_enc_delta(&w->enc, &w->sec, w->seq, n)))
		rc = add_sec(w, &hdr, SEC_SEQ, GT_ENC_DELTA);
	gt_buf_reset(&w->sec);
	if (!rc && !(rc = gt_enc_runs_u8(&w->enc, &w->sec, w->op, n)))
		rc = add_sec(w, &hdr, SEC_OP, GT_ENC_RUNS);
	for (k = 0; !rc && k < w->nfields; k++) {
		unsigned id = 0;
		stat_vec(&w->fv[k], n, &st[k]);
		if (!(rc = enc_field(w, &w->fv[k], st[k].nulls, &id)))
			rc = add_sec(w, &hdr, NMETA + k, id);
	}
	for (uint32_t i = 1; i < n; i++) {
		lo = GT_MIN(lo, w->ts[i]);
		hi = GT_MAX(hi, w->ts[i]);
	}
	/* block = header | payloads | crc */
	size_t start = w->out.len;
	if (!rc)
		rc = gt_buf_add(&w->out, hdr.p, hdr.len);
	if (!rc)
		rc = gt_buf_add(&w->out, w->blk.p, w->blk.len);
	uint32_t crc = rc ? 0 : gt_crc32c(0, w->out.p + start, w->out.len - start);
	if (!rc)
		rc = gt_buf_le32(&w->out, crc);
	uint64_t len = w->out.len - start;
	if (!rc && len > MAX_BLOCK_LEN)
		rc = GT_ETOOBIG;
	/* index entry */
	struct gt_buf *ix = &w->index;
	if (!rc) {
		rc |= gt_buf_uvarint(ix, n);
		rc |= gt_buf_uvarint(ix, len);
		rc |= gt_buf_le32(ix, crc);
		rc |= gt_buf_uvarint(ix, w->sid[0]);
		rc |= gt_buf_uvarint(ix, w->sid[n - 1] - w->sid[0]);
		rc |= gt_buf_svarint(ix, lo);
		rc |= gt_buf_uvarint(ix, (uint64_t)hi - (uint64_t)lo);
		for (k = 0; k < w->nfields; k++) {
			rc |= gt_buf_uvarint(ix, st[k].nulls);
			rc |= gt_buf_addch(ix, st[k].has);
			if (st[k].has) {
				rc |= gt_buf_le64(ix, st[k].min);
				rc |= gt_buf_le64(ix, st[k].max);
			}
		}
		if (rc)
			rc = GT_ENOMEM;
	}
	gt_buf_release(&hdr);
	free(st);
	if (rc)
		return rc;
	w->nblocks++;
	w->n = 0;
	w->strbytes = 0;
	for (k = 0; k < w->nfields; k++)
		gt_vec_reset(&w->fv[k]);
	if (w->out.len >= WRITE_CHUNK)
		return flush_out(w);
	return 0;
}

static int block_room(struct gt_sst_writer *w)
{
	uint32_t cap = w->block_rows;
	if (w->cap >= cap)
		return 0;
	int64_t *ts = gt_reallocarray(w->ts, cap, sizeof(*ts));
	if (!ts)
		return GT_ENOMEM;
	w->ts = ts;
	uint64_t *seq = gt_reallocarray(w->seq, cap, sizeof(*seq));
	if (!seq)
		return GT_ENOMEM;
	w->seq = seq;
	uint8_t *op = gt_reallocarray(w->op, cap, sizeof(*op));
	if (!op)
		return GT_ENOMEM;
	w->op = op;
	uint32_t *sid = gt_reallocarray(w->sid, cap, sizeof(*sid));
	if (!sid)
		return GT_ENOMEM;
	w->sid = sid;
	w->cap = cap;
	return 0;
}

static size_t row_strbytes(const struct gt_batch *rows, const int *bidx, const struct gt_sst_writer *w,
			   uint32_t r)
{
	size_t sum = 0;
	for (uint32_t k = 0; k < w->nfields; k++) {
		if (bidx[k] < 0 || w->fv[k].type != GT_STRING)
			continue;
		const struct gt_vec *v = &rows->cols[bidx[k]];
		if (!gt_vec_is_null(v, r))
			sum += v->off[r + 1] - v->off[r];
	}
	return sum;
}

int gt_sst_writer_add(struct gt_sst_writer *w, const void *key, size_t keylen,
		      const struct gt_batch *rows, uint32_t from, uint32_t n, struct gt_err *err)
{
	int *bidx = NULL, ti, rc = 0, same;
	const struct gt_vec *tv;

	if (w->failed)
		return gt_errf(err, w->failed, "%s: an earlier write failed", w->path);
	if (w->finished)
		return gt_errf(err, GT_EINVAL, "%s: writer finished", w->path);
	if (!n)
		return 0;
	if (keylen > GT_KEY_MAX)
		return gt_errf(err, GT_EINVAL, "series key of %zu bytes", keylen);
	if (from > rows->nrows || n > rows->nrows - from)
		return gt_errf(err, GT_EINVAL, "rows %u+%u outside a batch of %u", from, n, rows->nrows);
	if (!rows->seq)
		return gt_errf(err, GT_EINVAL, "rows carry no sequences");
	ti = gt_batch_find(rows, w->time_id);
	if (ti < 0)
		return gt_errf(err, GT_EINVAL, "rows lack the time index column");
	tv = &rows->cols[ti];
	if ((tv->type != GT_TS && tv->type != GT_I64) || tv->len < from + n)
		return gt_errf(err, GT_EINVAL, "time index column has a bad type or length");
	if (w->nseries) {
		size_t m = GT_MIN(keylen, w->lastkey.len);
		int c = m ? memcmp(key, w->lastkey.p, m) : 0;
		if (!c)
			c = keylen < w->lastkey.len ? -1 : keylen > w->lastkey.len;
		if (c < 0)
			return gt_errf(err, GT_EINVAL, "series keys out of order");
		same = c == 0;
	} else {
		same = 0;
	}
	if (!(bidx = gt_calloc(w->nfields ? w->nfields : 1, sizeof(*bidx))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t k = 0; k < w->nfields; k++) {
		const struct gt_coldef *c = &w->schema.cols[w->field_idx[k]];
		bidx[k] = gt_batch_find(rows, c->id);
		if (bidx[k] >= 0 && (rows->cols[bidx[k]].type != c->type || rows->cols[bidx[k]].len < from + n)) {
			rc = gt_errf(err, GT_EINVAL, "column '%s' has a bad type or length", c->name);
			goto out;
		}
	}
	/* Check every row before taking any, so that a refused call changes nothing. */
	int64_t pts = w->last_ts;
	uint64_t pseq = w->last_seq;
	for (uint32_t i = from; i < from + n; i++) {
		int64_t t = tv->v.i64[i];
		uint64_t q = rows->seq[i];
		if (gt_vec_is_null(tv, i)) {
			rc = gt_errf(err, GT_EINVAL, "row %u: null timestamp", i);
			goto out;
		}
		if (rows->op && rows->op[i] > GT_OP_DELETE) {
			rc = gt_errf(err, GT_EINVAL, "row %u: bad op %u", i, rows->op[i]);
			goto out;
		}
		if ((same || i > from) && (t < pts || (t == pts && q > pseq))) {
			rc = gt_errf(err, GT_EINVAL, "row %u: not in (timestamp asc, sequence desc) order", i);
			goto out;
		}
		if (w->has_str && row_strbytes(rows, bidx, w, i) > GT_ENC_STREAM_MAX / 2) {
			rc = gt_errf(err, GT_ETOOBIG, "row %u: strings too long", i);
			goto out;
		}
		pts = t;
		pseq = q;
	}
	if (!same) {
		size_t shared = 0;
		while (shared < keylen && shared < w->lastkey.len &&
		       ((const uint8_t *)key)[shared] == (uint8_t)w->lastkey.p[shared])
			shared++;
		if (w->nseries == UINT32_MAX - 1) {
			rc = gt_errf(err, GT_ETOOBIG, "too many series");
			goto out;
		}
		if ((rc = gt_buf_uvarint(&w->keys, shared)) || (rc = gt_buf_uvarint(&w->keys, keylen - shared)) ||
		    (rc = gt_buf_add(&w->keys, (const char *)key + shared, keylen - shared)))
			goto nomem;
		gt_buf_reset(&w->lastkey);
		if ((rc = gt_buf_add(&w->lastkey, key, keylen)))
			goto nomem;
		w->nseries++;
		w->keybytes += keylen;
	}
	w->last_ts = pts;
	w->last_seq = pseq;
	if ((rc = block_room(w)))
		goto nomem;
	for (uint32_t i = from; i < from + n;) {
		uint32_t take = GT_MIN(w->block_rows - w->n, from + n - i);
		if (w->has_str) {
			/* cut the block early when its strings grow large */
			uint32_t t = 0;
			while (t < take) {
				size_t b = row_strbytes(rows, bidx, w, i + t);
				if (w->strbytes + b > BLOCK_STR_SOFT && (w->n || t))
					break;
				w->strbytes += b;
				t++;
			}
			take = t;
		}
		for (uint32_t k = 0; take && k < w->nfields; k++) {
			rc = bidx[k] >= 0 ? gt_vec_append(&w->fv[k], &rows->cols[bidx[k]], i, take)
					  : gt_vec_pad_nulls(&w->fv[k], w->n + take);
			if (rc)
				goto nomem;
		}
		for (uint32_t j = 0; j < take; j++) {
			uint32_t r = i + j, at = w->n + j;
			w->ts[at] = tv->v.i64[r];
			w->seq[at] = rows->seq[r];
			w->op[at] = rows->op ? rows->op[r] : GT_OP_PUT;
			w->sid[at] = w->nseries - 1;
			if (!w->rows && !j) {
				w->min_ts = w->max_ts = w->ts[at];
				w->min_seq = w->max_seq = w->seq[at];
			}
			w->min_ts = GT_MIN(w->min_ts, w->ts[at]);
			w->max_ts = GT_MAX(w->max_ts, w->ts[at]);
			w->min_seq = GT_MIN(w->min_seq, w->seq[at]);
			w->max_seq = GT_MAX(w->max_seq, w->seq[at]);
		}
		w->n += take;
		w->rows += take;
		i += take;
		if (w->n == w->block_rows || i < from + n) {
			if ((rc = flush_block(w))) {
				w->failed = rc;
				rc = werr(w, err, rc, "cannot write block");
				goto out;
			}
		}
	}
	goto out;
nomem:
	w->failed = rc;
	rc = gt_errf(err, rc, "%s: %s", w->path, gt_strerror(rc));
out:
	free(bidx);
	return rc;
}

/* A meta section: stream of raw | le32 crc32c of the stream. */
static int put_meta(struct gt_sst_writer *w, const void *raw, size_t n, uint64_t *off, uint64_t *len)
{
	size_t start = w->out.len;
	int rc = gt_enc_stream(&w->enc, &w->out, raw, n);
	if (rc)
		return rc;
	rc = gt_buf_le32(&w->out, gt_crc32c(0, w->out.p + start, w->out.len - start));
	*off = w->off + start;
	*len = w->out.len - start;
	return rc;
}

int gt_sst_writer_finish(struct gt_sst_writer *w, struct gt_sst_meta *meta, struct gt_err *err)
{
	uint64_t so, sl, ko, kl, io, il;
	struct gt_buf tmp = {0};
	json_t *j = NULL;
	char *js = NULL;
	uint8_t f[FOOTER_LEN];
	int rc;

	if (w->failed)
		return gt_errf(err, w->failed, "%s: an earlier write failed", w->path);
	if (w->finished)
		return gt_errf(err, GT_EINVAL, "%s: writer finished", w->path);
	if ((rc = flush_block(w)))
		goto fail;
	/* schema */
	rc = GT_ENOMEM;
	if (!(j = gt_schema_to_json(&w->schema)))
		goto fail;
	strip_null_defaults(j);
	if (w->table && json_object_set_new(j, "table", json_string(w->table)))
		goto fail;
	if (!(js = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)))
		goto fail;
	if ((rc = put_meta(w, js, strlen(js), &so, &sl)))
		goto fail;
	/* keys */
	if ((rc = gt_buf_uvarint(&tmp, w->nseries)) || (rc = gt_buf_uvarint(&tmp, w->keybytes)) ||
	    (rc = gt_buf_add(&tmp, w->keys.p, w->keys.len)))
		goto fail;
	if ((rc = put_meta(w, tmp.p, tmp.len, &ko, &kl)))
		goto fail;
	/* index */
	gt_buf_reset(&tmp);
	rc = gt_buf_uvarint(&tmp, w->nblocks);
	rc |= gt_buf_uvarint(&tmp, NMETA + w->nfields);
	for (uint32_t k = 0; k < NMETA + w->nfields; k++) {
		const uint64_t *cb = &w->colbytes[k * GT_ENC_COUNT];
		uint32_t nent = 0;
		for (unsigned e = 0; e < GT_ENC_COUNT; e++)
			nent += cb[e] > 0;
		rc |= gt_buf_uvarint(&tmp, nent);
		for (unsigned e = 0; e < GT_ENC_COUNT; e++) {
			if (!cb[e])
				continue;
			rc |= gt_buf_addch(&tmp, (int)e);
			rc |= gt_buf_uvarint(&tmp, cb[e]);
		}
	}
	rc |= gt_buf_add(&tmp, w->index.p, w->index.len);
	if (rc) {
		rc = GT_ENOMEM;
		goto fail;
	}
	if ((rc = put_meta(w, tmp.p, tmp.len, &io, &il)))
		goto fail;
	/* footer */
	gt_put_le64(f + 0, so);
	gt_put_le64(f + 8, sl);
	gt_put_le64(f + 16, ko);
	gt_put_le64(f + 24, kl);
	gt_put_le64(f + 32, io);
	gt_put_le64(f + 40, il);
	gt_put_le64(f + 48, w->rows);
	gt_put_le32(f + 56, w->nseries);
	gt_put_le32(f + 60, w->nblocks);
	gt_put_le64(f + 64, (uint64_t)w->min_ts);
	gt_put_le64(f + 72, (uint64_t)w->max_ts);
	gt_put_le64(f + 80, w->min_seq);
	gt_put_le64(f + 88, w->max_seq);
	gt_put_le32(f + 96, w->block_rows);
	gt_put_le32(f + 100, 0);
	gt_put_le32(f + 104, VERSION);
	gt_put_le32(f + 108, gt_crc32c(0, f, 108));
	memcpy(f + 112, MAGIC, 8);
	if ((rc = gt_buf_add(&w->out, f, sizeof(f))))
		goto fail;
	if ((rc = flush_out(w)) || fsync(w->fd) || close(w->fd)) {
		w->fd = -1;
		rc = GT_EIO;
		goto fail;
	}
	w->fd = -1;
	w->finished = 1;
	if (meta) {
		memset(meta, 0, sizeof(*meta));
		if ((rc = gt_schema_copy(&meta->schema, &w->schema)))
			goto fail_meta;
		meta->rows = w->rows;
		meta->nseries = w->nseries;
		meta->nblocks = w->nblocks;
		meta->min_ts = w->min_ts;
		meta->max_ts = w->max_ts;
		meta->min_seq = w->min_seq;
		meta->max_seq = w->max_seq;
		meta->file_bytes = w->off;
	}
	json_decref(j);
	free(js);
	gt_buf_release(&tmp);
	return 0;
fail:
	w->failed = rc;
fail_meta:
	json_decref(j);
	free(js);
	gt_buf_release(&tmp);
	return werr(w, err, rc, "cannot finish");
}

void gt_sst_writer_free(struct gt_sst_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (!w->finished && w->path)
		unlink(w->path);
	for (uint32_t k = 0; w->fv && k < w->nfields; k++)
		gt_vec_release(&w->fv[k]);
	free(w->fv);
	gt_schema_release(&w->schema);
	gt_enc_release(&w->enc);
	free(w->path);
	free(w->table);
	free(w->field_idx);
	free(w->ts);
	free(w->seq);
	free(w->op);
	free(w->sid);
	free(w->dense);
	free(w->doff);
	free(w->colbytes);
	gt_buf_release(&w->dstr);
	gt_buf_release(&w->out);
	gt_buf_release(&w->blk);
	gt_buf_release(&w->sec);
	gt_buf_release(&w->keys);
	gt_buf_release(&w->lastkey);
	gt_buf_release(&w->index);
	free(w);
}

/* ---- reader --------------------------------------------------------- */

/* Per-call decoding state, pooled so that concurrent readers never share. */
struct rctx {
	struct rctx *next;
	struct gt_dec dec;
	struct gt_buf blk;
	uint32_t *off;
	size_t offcap;
	uint64_t at[NMETA + GT_MAX_COLUMNS + 1]; /* section offsets in a block body */
	uint8_t secid[NMETA + GT_MAX_COLUMNS];
};

struct gt_sst {
	int fd;
	const uint8_t *mem;
	uint64_t size;
	char *path;
	struct gt_sst_meta meta;
	struct gt_sst_layout lay;
	char *table;
	uint32_t time_id;
	uint32_t nfields, *field_idx;
	uint8_t *keys;
	uint64_t *keyoff;            /* nseries + 1 */
	struct gt_sst_block_info *blocks;
	struct gt_sst_colstat *stats;
	uint32_t ninfo;
	struct gt_sst_colinfo *info;
	pthread_mutex_t mu;
	int mu_init;
	struct rctx *pool;
};

static int damaged(const struct gt_sst *s, struct gt_err *err, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int damaged(const struct gt_sst *s, struct gt_err *err, uint64_t off, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return gt_errf(err, GT_ECORRUPT, "%s: damaged at offset %llu: %s", s->path,
		       (unsigned long long)off, why);
}

/* Read n bytes at off; a short read means the file shrank or lies. */
static int read_at(const struct gt_sst *s, void *dst, size_t n, uint64_t off, struct gt_err *err)
{
	if (off > s->size || n > s->size - off)
		return damaged(s, err, off, "%zu bytes past the end of the file", n);
	if (s->mem) {
		memcpy(dst, s->mem + off, n);
		return 0;
	}
	char *p = dst;
	while (n) {
		ssize_t k = pread(s->fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return gt_errf(err, GT_EIO, "%s: cannot read at offset %llu: %s", s->path,
				       (unsigned long long)off, strerror(errno));
		if (k == 0)
			return damaged(s, err, off, "file ends early");
		p += k;
		off += (uint64_t)k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Read a meta section [off, off+len): check its crc, decode its stream
 * (raw bytes at most max) into b.
 */
static int read_meta(struct gt_sst *s, struct gt_dec *d, uint64_t off, uint64_t len, size_t max,
		     struct gt_buf *b, const char *what, struct gt_err *err)
{
	struct gt_buf raw = {0};
	struct gt_rd r;
	const uint8_t *p;
	size_t n;
	int rc;

	if (len < 6 || len > s->size)
		return damaged(s, err, off, "%s section of %llu bytes", what, (unsigned long long)len);
	if ((rc = gt_buf_grow(&raw, (size_t)len)))
		return gt_errf(err, rc, "%s: out of memory", s->path);
	if ((rc = read_at(s, raw.p, (size_t)len, off, err)))
		goto out;
	if (CRC_BAD(gt_crc32c(0, raw.p, (size_t)len - 4), gt_get_le32((uint8_t *)raw.p + len - 4))) {
		rc = damaged(s, err, off, "%s checksum mismatch", what);
		goto out;
	}
	/* a compressed stream may claim at most 4096 times its own size */
	if (max > 1048576 + len * 4096)
		max = (size_t)(1048576 + len * 4096);
	gt_rd_init(&r, raw.p, (size_t)len - 4);
	rc = gt_dec_stream(d, &r, SIZE_MAX, max, 0, &p, &n);
	if (rc == GT_ENOMEM) {
		rc = gt_errf(err, rc, "%s: out of memory", s->path);
		goto out;
	}
	if (rc || gt_rd_left(&r)) {
		rc = damaged(s, err, off, "%s does not decode", what);
		goto out;
	}
	gt_buf_reset(b);
	if ((rc = gt_buf_add(b, p, n)))
		rc = gt_errf(err, rc, "%s: out of memory", s->path);
out:
	gt_buf_release(&raw);
	return rc;
}

static int load_schema(struct gt_sst *s, struct gt_dec *d, struct gt_err *err)
{
	struct gt_buf b = {0};
	json_error_t je;
	json_t *j = NULL, *t;
	int rc = read_meta(s, d, s->lay.schema_off, s->lay.schema_len, MAX_SCHEMA_RAW, &b, "schema", err);

	if (rc)
		return rc;
	j = json_loadb(b.p ? b.p : "", b.len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		rc = damaged(s, err, s->lay.schema_off, "schema is no JSON object");
		goto out;
	}
	strip_null_defaults(j);
	if ((rc = gt_schema_from_json(&s->meta.schema, j, NULL))) {
		rc = damaged(s, err, s->lay.schema_off, "schema does not parse");
		goto out;
	}
	if ((rc = schema_check(&s->meta.schema, NULL, "schema")) < 0) {
		rc = damaged(s, err, s->lay.schema_off, "schema is not usable");
		goto out;
	}
	s->time_id = s->meta.schema.cols[rc].id;
	rc = 0;
	t = json_object_get(j, "table");
	if (t) {
		if (!json_is_string(t) || json_string_length(t) > GT_NAME_MAX ||
		    strlen(json_string_value(t)) != json_string_length(t)) {
			rc = damaged(s, err, s->lay.schema_off, "bad table name");
			goto out;
		}
		if (!(s->table = gt_strdup(json_string_value(t))))
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
	}
	if (!rc && field_list(&s->meta.schema, &s->field_idx, &s->nfields))
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
out:
	json_decref(j);
	gt_buf_release(&b);
	return rc;
}

static int load_keys(struct gt_sst *s, struct gt_dec *d, struct gt_err *err)
{
	struct gt_buf b = {0};
	struct gt_rd r;
	uint64_t n, pos = 0, total;
	uint64_t off = s->lay.keys_off;
	int rc = read_meta(s, d, off, s->lay.keys_len, MAX_META_RAW, &b, "key table", err);

	if (rc)
		return rc;
	gt_rd_init(&r, b.p, b.len);
	n = gt_rd_uvarint(&r);
	total = gt_rd_uvarint(&r);
	/* every key costs at least two bytes; the whole table is bounded */
	if (r.bad || n != s->meta.nseries || n > gt_rd_left(&r) / 2 || total > MAX_META_RAW ||
	    total > n * GT_KEY_MAX) {
		rc = damaged(s, err, off, "key table holds a bad count");
		goto out;
	}
	s->keys = gt_malloc((size_t)total + 1);
	s->keyoff = gt_calloc((size_t)n + 1, sizeof(*s->keyoff));
	if (!s->keys || !s->keyoff) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t shared = gt_rd_uvarint(&r), suf = gt_rd_uvarint(&r);
		uint64_t prevlen = i ? s->keyoff[i] - s->keyoff[i - 1] : 0;
		const void *p;
		if (r.bad || shared > prevlen || suf > GT_KEY_MAX || shared + suf > GT_KEY_MAX ||
		    (i && shared == prevlen && suf == 0) || !(p = gt_rd_take(&r, (size_t)suf))) {
			rc = damaged(s, err, off, "key %llu is malformed", (unsigned long long)i);
			goto out;
		}
		if (shared + suf > total - pos) {
			rc = damaged(s, err, off, "keys are longer than the table says");
			goto out;
		}
		if (shared)
			memmove(s->keys + pos, s->keys + s->keyoff[i - 1], (size_t)shared);
		memcpy(s->keys + pos + shared, p, (size_t)suf);
		/* ascending: the first differing byte must be larger */
		if (i && shared < prevlen && suf && s->keys[pos + shared] <= s->keys[s->keyoff[i - 1] + shared]) {
			rc = damaged(s, err, off, "key %llu is out of order", (unsigned long long)i);
			goto out;
		}
		if (i && shared < prevlen && !suf) {
			rc = damaged(s, err, off, "key %llu is out of order", (unsigned long long)i);
			goto out;
		}
		s->keyoff[i] = pos;
		pos += shared + suf;
		s->keyoff[i + 1] = pos;
	}
	if (gt_rd_left(&r) || pos != total)
		rc = damaged(s, err, off, "key table has trailing bytes");
out:
	gt_buf_release(&b);
	return rc;
}

static int load_index(struct gt_sst *s, struct gt_dec *d, struct gt_err *err)
{
	struct gt_buf b = {0};
	struct gt_rd r;
	uint64_t off = s->lay.index_off, pos = HEADER_LEN, rows = 0;
	uint64_t nblocks, nsec;
	uint32_t nf = s->nfields, lastsid = 0;
	int rc = read_meta(s, d, off, s->lay.index_len, MAX_META_RAW, &b, "index", err);

	if (rc)
		return rc;
	gt_rd_init(&r, b.p, b.len);
	nblocks = gt_rd_uvarint(&r);
	nsec = gt_rd_uvarint(&r);
	if (r.bad || nblocks != s->meta.nblocks || nsec != NMETA + nf ||
	    nblocks > gt_rd_left(&r) / 8 + 1) {
		rc = damaged(s, err, off, "index header does not match the footer");
		goto out;
	}
	s->ninfo = (uint32_t)nsec;
	s->info = gt_calloc((size_t)nsec, sizeof(*s->info));
	s->blocks = gt_calloc((size_t)nblocks + 1, sizeof(*s->blocks));
	s->stats = gt_calloc((size_t)nblocks * nf + 1, sizeof(*s->stats));
	if (!s->info || !s->blocks || !s->stats) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t k = 0; k < nsec; k++) {
		struct gt_sst_colinfo *ci = &s->info[k];
		uint64_t nent = gt_rd_uvarint(&r), best = 0;
		unsigned last = 0;
		ci->col_id = k == SEC_SID ? GT_SST_COL_SID : k == SEC_TS ? s->time_id
			   : k == SEC_SEQ ? GT_SST_COL_SEQ : k == SEC_OP ? GT_SST_COL_OP
			   : s->meta.schema.cols[s->field_idx[k - NMETA]].id;
		ci->encoding = gt_enc_name(GT_ENC_NULL);
		if (r.bad || nent > GT_ENC_COUNT) {
			rc = damaged(s, err, off, "index column summary is malformed");
			goto out;
		}
		for (uint64_t e = 0; e < nent; e++) {
			unsigned id = gt_rd_u8(&r);
			uint64_t bytes = gt_rd_uvarint(&r);
			if (r.bad || id >= GT_ENC_COUNT || (e && id <= last) || bytes > s->size) {
				rc = damaged(s, err, off, "index column summary is malformed");
				goto out;
			}
			last = id;
			ci->bytes += bytes;
			if (bytes > best) {
				best = bytes;
				ci->encoding = gt_enc_name(id);
			}
		}
	}
	for (uint32_t i = 0; i < nblocks; i++) {
		struct gt_sst_block_info *bi = &s->blocks[i];
		uint64_t n = gt_rd_uvarint(&r), len = gt_rd_uvarint(&r);
		uint32_t crc = gt_rd_le32(&r);
		uint64_t sf = gt_rd_uvarint(&r), sd = gt_rd_uvarint(&r);
		int64_t lo = gt_rd_svarint(&r);
		uint64_t span = gt_rd_uvarint(&r);
		if (r.bad || !n || n > s->lay.block_rows || len < 8 || len > MAX_BLOCK_LEN ||
		    len > s->lay.schema_off - pos || sf >= s->meta.nseries || sd >= s->meta.nseries - sf ||
		    sf < lastsid || (int64_t)((uint64_t)lo + span) < lo) {
			rc = damaged(s, err, off, "index entry of block %u is malformed", i);
			goto out;
		}
		bi->rows = (uint32_t)n;
		bi->offset = pos;
		bi->length = (uint32_t)len;
		bi->crc = crc;
		bi->sid_first = (uint32_t)sf;
		bi->sid_last = (uint32_t)(sf + sd);
		bi->min_ts = lo;
		bi->max_ts = (int64_t)((uint64_t)lo + span);
		bi->ncolstats = nf;
		bi->colstats = &s->stats[(size_t)i * nf];
		lastsid = bi->sid_last;
		for (uint32_t k = 0; k < nf; k++) {
			struct gt_sst_colstat *cs = &bi->colstats[k];
			const struct gt_coldef *c = &s->meta.schema.cols[s->field_idx[k]];
			uint64_t nulls = gt_rd_uvarint(&r);
			uint8_t has = gt_rd_u8(&r);
			cs->col_id = c->id;
			if (r.bad || nulls > n || has > 1 ||
			    (has && (nulls == n || (c->type != GT_F64 && c->type != GT_I64 && c->type != GT_U64)))) {
				rc = damaged(s, err, off, "index statistics of block %u are malformed", i);
				goto out;
			}
			cs->nulls = (uint32_t)nulls;
			cs->has_minmax = has;
			if (has) {
				cs->min.u64 = gt_rd_le64(&r);
				cs->max.u64 = gt_rd_le64(&r);
			}
		}
		if (bi->max_ts > s->meta.max_ts || bi->min_ts < s->meta.min_ts) {
			rc = damaged(s, err, off, "block %u lies outside the file's time range", i);
			goto out;
		}
		pos += len;
		rows += n;
	}
	if (r.bad || gt_rd_left(&r)) {
		rc = damaged(s, err, off, "index is truncated or has trailing bytes");
		goto out;
	}
	if (pos != s->lay.schema_off || rows != s->meta.rows) {
		rc = damaged(s, err, off, "index does not account for the data blocks");
		goto out;
	}
	/* the footer's time range is the union of the blocks' */
	if (nblocks) {
		int64_t lo = INT64_MAX, hi = INT64_MIN;
		for (uint32_t i = 0; i < nblocks; i++) {
			lo = GT_MIN(lo, s->blocks[i].min_ts);
			hi = GT_MAX(hi, s->blocks[i].max_ts);
		}
		if (lo != s->meta.min_ts || hi != s->meta.max_ts)
			rc = damaged(s, err, off, "index time range differs from the footer's");
	}
out:
	gt_buf_release(&b);
	return rc;
}

static int open_common(struct gt_sst *s, struct gt_err *err)
{
	uint8_t h[HEADER_LEN], f[FOOTER_LEN];
	struct gt_sst_layout *l = &s->lay;
	struct gt_dec d;
	int rc;

	if (s->size < HEADER_LEN + FOOTER_LEN)
		return damaged(s, err, 0, "%llu bytes is too short for an SST", (unsigned long long)s->size);
	if ((rc = read_at(s, h, HEADER_LEN, 0, err)))
		return rc;
	if (memcmp(h, MAGIC, 8))
		return damaged(s, err, 0, "no SST magic");
	if (gt_get_le32(h + 8) != VERSION)
		return damaged(s, err, 8, "format version %u (this build reads %d)", gt_get_le32(h + 8), VERSION);
	if (gt_get_le32(h + 12))
		return damaged(s, err, 12, "unknown header flags");
	uint64_t fo = s->size - FOOTER_LEN;
	if ((rc = read_at(s, f, FOOTER_LEN, fo, err)))
		return rc;
	if (memcmp(f + 112, MAGIC, 8))
		return damaged(s, err, fo + 112, "no SST magic at the end (truncated?)");
	if (gt_get_le32(f + 104) != VERSION)
		return damaged(s, err, fo + 104, "format version %u (this build reads %d)",
			       gt_get_le32(f + 104), VERSION);
	if (CRC_BAD(gt_crc32c(0, f, 108), gt_get_le32(f + 108)))
		return damaged(s, err, fo, "footer checksum mismatch");
	l->version = VERSION;
	l->blocks_off = HEADER_LEN;
	l->schema_off = gt_get_le64(f);
	l->schema_len = gt_get_le64(f + 8);
	l->keys_off = gt_get_le64(f + 16);
	l->keys_len = gt_get_le64(f + 24);
	l->index_off = gt_get_le64(f + 32);
	l->index_len = gt_get_le64(f + 40);
	l->footer_off = fo;
	l->footer_len = FOOTER_LEN;
	l->block_rows = gt_get_le32(f + 96);
	s->meta.rows = gt_get_le64(f + 48);
	s->meta.nseries = gt_get_le32(f + 56);
	s->meta.nblocks = gt_get_le32(f + 60);
	s->meta.min_ts = (int64_t)gt_get_le64(f + 64);
	s->meta.max_ts = (int64_t)gt_get_le64(f + 72);
	s->meta.min_seq = gt_get_le64(f + 80);
	s->meta.max_seq = gt_get_le64(f + 88);
	s->meta.file_bytes = s->size;
	/* the sections tile the file exactly */
	if (l->schema_off < HEADER_LEN || l->schema_off > fo || l->schema_len > fo - l->schema_off ||
	    l->keys_off != l->schema_off + l->schema_len || l->keys_len > fo - l->keys_off ||
	    l->index_off != l->keys_off + l->keys_len || l->index_len != fo - l->index_off ||
	    gt_get_le32(f + 100) || !l->block_rows || l->block_rows > GT_SST_MAX_BLOCK_ROWS ||
	    (s->meta.nblocks == 0) != (s->meta.rows == 0) || s->meta.nblocks > s->meta.rows ||
	    s->meta.rows > (uint64_t)s->meta.nblocks * l->block_rows ||
	    (s->meta.rows && !s->meta.nseries) || s->meta.nseries > s->meta.rows ||
	    s->meta.min_ts > s->meta.max_ts || s->meta.min_seq > s->meta.max_seq ||
	    (!s->meta.rows && (s->meta.min_ts || s->meta.max_ts || s->meta.min_seq || s->meta.max_seq)))
		return damaged(s, err, fo, "footer describes an impossible layout");
	l->blocks_len = l->schema_off - HEADER_LEN;
	if (pthread_mutex_init(&s->mu, NULL))
		return gt_errf(err, GT_ENOMEM, "cannot create a mutex");
	s->mu_init = 1;
	if (gt_dec_init(&d))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = load_schema(s, &d, err);
	if (!rc)
		rc = load_keys(s, &d, err);
	if (!rc)
		rc = load_index(s, &d, err);
	gt_dec_release(&d);
	return rc;
}

static struct gt_sst *sst_alloc(const char *name)
{
	struct gt_sst *s = gt_calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fd = -1;
	if (!(s->path = gt_strdup(name))) {
		free(s);
		return NULL;
	}
	return s;
}

static void sst_free(struct gt_sst *s)
{
	if (s->fd >= 0)
		close(s->fd);
	while (s->pool) {
		struct rctx *c = s->pool;
		s->pool = c->next;
		gt_dec_release(&c->dec);
		gt_buf_release(&c->blk);
		free(c->off);
		free(c);
	}
	if (s->mu_init)
		pthread_mutex_destroy(&s->mu);
	gt_schema_release(&s->meta.schema);
	free(s->path);
	free(s->table);
	free(s->field_idx);
	free(s->keys);
	free(s->keyoff);
	free(s->blocks);
	free(s->stats);
	free(s->info);
	free(s);
}

int gt_sst_open(struct gt_sst **out, const char *path, struct gt_err *err)
{
	struct gt_sst *s;
	struct stat st;
	int rc;

	*out = NULL;
	if (!(s = sst_alloc(path)))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, &st)) {
		rc = gt_errf(err, errno == ENOENT ? GT_ENOTFOUND : GT_EIO, "cannot open '%s': %s", path,
			     strerror(errno));
		sst_free(s);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		sst_free(s);
		return gt_errf(err, GT_EINVAL, "'%s' is not a regular file", path);
	}
	s->size = (uint64_t)st.st_size;
	if ((rc = open_common(s, err))) {
		sst_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int gt_sst_open_mem(struct gt_sst **out, const void *p, size_t n, const char *name, struct gt_err *err)
{
	struct gt_sst *s;
	int rc;

	*out = NULL;
	if (!(s = sst_alloc(name ? name : "(memory)")))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->mem = p;
	s->size = n;
	if ((rc = open_common(s, err))) {
		sst_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void gt_sst_close(struct gt_sst *s)
{
	if (s)
		sst_free(s);
}

const struct gt_sst_meta *gt_sst_meta(const struct gt_sst *s)
{
	return &s->meta;
}

const char *gt_sst_table(const struct gt_sst *s)
{
	return s->table;
}

void gt_sst_layout(const struct gt_sst *s, struct gt_sst_layout *out)
{
	*out = s->lay;
}

const void *gt_sst_key(const struct gt_sst *s, uint32_t sid, size_t *len)
{
	if (sid >= s->meta.nseries) {
		*len = 0;
		return NULL;
	}
	*len = (size_t)(s->keyoff[sid + 1] - s->keyoff[sid]);
	return s->keys + s->keyoff[sid];
}

const struct gt_sst_block_info *gt_sst_block(const struct gt_sst *s, uint32_t i)
{
	return i < s->meta.nblocks ? &s->blocks[i] : NULL;
}

uint32_t gt_sst_seek_key(const struct gt_sst *s, const void *key, size_t keylen)
{
	uint32_t lo = 0, hi = s->meta.nseries;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		size_t n = (size_t)(s->keyoff[mid + 1] - s->keyoff[mid]), m = GT_MIN(n, keylen);
		int c = m ? memcmp(s->keys + s->keyoff[mid], key, m) : 0;
		if (!c)
			c = n < keylen ? -1 : n > keylen;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t gt_sst_colinfo(const struct gt_sst *s, const struct gt_sst_colinfo **out)
{
	*out = s->info;
	return s->ninfo;
}

static struct rctx *ctx_get(struct gt_sst *s)
{
	struct rctx *c;
	pthread_mutex_lock(&s->mu);
	c = s->pool;
	if (c)
		s->pool = c->next;
	pthread_mutex_unlock(&s->mu);
	if (c)
		return c;
	if (!(c = gt_calloc(1, sizeof(*c))))
		return NULL;
	if (gt_dec_init(&c->dec)) {
		free(c);
		return NULL;
	}
	return c;
}

static void ctx_put(struct gt_sst *s, struct rctx *c)
{
	pthread_mutex_lock(&s->mu);
	c->next = s->pool;
	s->pool = c;
	pthread_mutex_unlock(&s->mu);
}

/* Does out already have the columns we are about to fill? */
static int layout_matches(const struct gt_batch *out, const struct gt_sst *s, const uint32_t *fk, uint32_t nf)
{
	if (out->ncols != nf + 1 || out->col_ids[0] != s->time_id || out->cols[0].type != GT_TS)
		return 0;
	for (uint32_t j = 0; j < nf; j++) {
		const struct gt_coldef *c = &s->meta.schema.cols[s->field_idx[fk[j]]];
		if (out->col_ids[j + 1] != c->id || out->cols[j + 1].type != c->type)
			return 0;
	}
	return 1;
}

/* Give v a validity bitmap of its capacity, copied from bits (n rows). */
static int set_valid(struct gt_vec *v, const uint8_t *bits, uint32_t n)
{
	size_t nb = ((size_t)v->cap + 7) / 8;
	free(v->valid);
	if (!(v->valid = gt_calloc(nb, 1)))
		return GT_ENOMEM;
	if (bits)
		memcpy(v->valid, bits, ((size_t)n + 7) / 8);
	return 0;
}

/* Spread nv dense values of width w at the front of p over the valid rows. */
static void scatter(void *p, size_t w, const uint8_t *valid, uint32_t n, uint32_t nv)
{
	uint8_t *b = p;
	uint32_t j = nv;
	for (uint32_t i = n; i-- > 0;) {
		if (valid[i >> 3] & (1u << (i & 7))) {
			j--;
			if (j != i)
				memmove(b + (size_t)i * w, b + (size_t)j * w, w);
		} else {
			memset(b + (size_t)i * w, 0, w);
		}
	}
}

static uint32_t popcount_bits(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0, full = n / 8;
	for (uint32_t i = 0; i < full; i++)
		c += (uint32_t)__builtin_popcount(p[i]);
	if (n & 7)
		c += (uint32_t)__builtin_popcount(p[full] & ((1u << (n & 7)) - 1));
	return c;
}

/* Decode field section [p, p+len) with encoding id into v (n rows). */
static int dec_field(struct rctx *c, struct gt_vec *v, unsigned id, const uint8_t *p, size_t len, uint32_t n)
{
	struct gt_rd r;
	const uint8_t *bits = NULL;
	uint32_t nv = n;
	int rc;

	if ((rc = gt_vec_reserve(v, n)))
		return rc;
	if (id == GT_ENC_NULL) {
		if (len)
			return GT_ECORRUPT;
		if (v->type == GT_STRING) {
			for (uint32_t i = 0; i <= n; i++)
				v->off[i] = 0;
		} else {
			memset(v->v.p, 0, (size_t)n * (v->type == GT_BOOL ? 1 : 8));
		}
		v->len = n;
		return set_valid(v, NULL, n);
	}
	gt_rd_init(&r, p, len);
	uint8_t flags = gt_rd_u8(&r);
	if (r.bad || flags > 1)
		return GT_ECORRUPT;
	if (flags) {
		size_t blen;
		/* copied out at once: the value decoders reuse the slot */
		if ((rc = gt_dec_stream(&c->dec, &r, ((size_t)n + 7) / 8, 0, 6, &bits, &blen)))
			return rc;
		if ((rc = set_valid(v, bits, n)))
			return rc;
		bits = v->valid;
		nv = popcount_bits(bits, n);
	}
	switch (v->type) {
	case GT_F64:
		if (id != GT_ENC_DEC && id != GT_ENC_F64RAW)
			return GT_ECORRUPT;
		rc = gt_dec_f64(&c->dec, &r, id, v->v.f64, nv);
		break;
	case GT_I64:
	case GT_U64:
	case GT_TS:
		rc = id == GT_ENC_INT ? gt_dec_int(&c->dec, &r, v->v.u64, nv) : GT_ECORRUPT;
		break;
	case GT_BOOL:
		rc = id == GT_ENC_BOOL ? gt_dec_bool(&c->dec, &r, v->v.b, nv) : GT_ECORRUPT;
		break;
	case GT_STRING: {
		const char *base;
		if (id != GT_ENC_STR)
			return GT_ECORRUPT;
		if ((size_t)nv + 1 > c->offcap) {
			uint32_t *o = gt_reallocarray(c->off, (size_t)nv + 1, sizeof(*o));
			if (!o)
				return GT_ENOMEM;
			c->off = o;
			c->offcap = (size_t)nv + 1;
		}
		if ((rc = gt_dec_str(&c->dec, &r, c->off, nv, &base)))
			return rc;
		gt_buf_reset(&v->str);
		if ((rc = gt_buf_add(&v->str, base, c->off[nv])))
			return rc;
		v->off[0] = 0;
		for (uint32_t i = 0, j = 0; i < n; i++) {
			if (!bits || (bits[i >> 3] & (1u << (i & 7))))
				j++;
			v->off[i + 1] = c->off[j];
		}
		break;
	}
	default:
		return GT_ECORRUPT;
	}
	if (rc)
		return rc;
	if (gt_rd_left(&r))
		return GT_ECORRUPT;
	if (bits && v->type != GT_STRING)
		scatter(v->v.p, v->type == GT_BOOL ? 1 : 8, bits, n, nv);
	v->len = n;
	return 0;
}

int gt_sst_read_block(struct gt_sst *s, uint32_t i, const uint32_t *col_ids, uint32_t ncols,
		      struct gt_batch *out, struct gt_err *err)
{
	const struct gt_sst_block_info *bi;
	uint32_t *fk = NULL, nf, n;
	struct rctx *c = NULL;
	struct gt_rd r;
	uint64_t nsec, *at;
	uint8_t *secid;
	const uint8_t *body;
	int rc = 0;

	if (i >= s->meta.nblocks)
		return gt_errf(err, GT_EINVAL, "%s: no block %u", s->path, i);
	bi = &s->blocks[i];
	n = bi->rows;
	nf = col_ids ? ncols : s->nfields;
	if (nf > GT_MAX_COLUMNS)
		return gt_errf(err, GT_EINVAL, "too many columns asked for");
	if (!(fk = gt_calloc(nf ? nf : 1, sizeof(*fk))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t j = 0; j < nf; j++) {
		if (!col_ids) {
			fk[j] = j;
			continue;
		}
		uint32_t k;
		for (k = 0; k < s->nfields; k++)
			if (s->meta.schema.cols[s->field_idx[k]].id == col_ids[j])
				break;
		if (k == s->nfields) {
			int idx = gt_schema_find_id(&s->meta.schema, col_ids[j]);
			rc = gt_errf(err, idx < 0 ? GT_ENOTFOUND : GT_EINVAL, "%s: column id %u is %s", s->path,
				     col_ids[j], idx < 0 ? "not in the file" : "no field column");
			goto out;
		}
		fk[j] = k;
	}
	if (!(c = ctx_get(s))) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	gt_buf_reset(&c->blk);
	if ((rc = gt_buf_grow(&c->blk, bi->length))) {
		rc = gt_errf(err, rc, "out of memory");
		goto out;
	}
	if ((rc = read_at(s, c->blk.p, bi->length, bi->offset, err)))
		goto out;
	uint32_t crc = gt_get_le32((uint8_t *)c->blk.p + bi->length - 4);
	if (CRC_BAD(crc, bi->crc) || CRC_BAD(gt_crc32c(0, c->blk.p, bi->length - 4), crc)) {
		rc = damaged(s, err, bi->offset, "block %u checksum mismatch", i);
		goto out;
	}
	gt_rd_init(&r, c->blk.p, bi->length - 4);
	uint64_t rows = gt_rd_uvarint(&r);
	nsec = gt_rd_uvarint(&r);
	if (r.bad || rows != n || nsec != NMETA + s->nfields) {
		rc = damaged(s, err, bi->offset, "block %u header does not match the index", i);
		goto out;
	}
	at = c->at;
	secid = c->secid;
	at[0] = 0;
	for (uint32_t k = 0; k < nsec; k++) {
		uint64_t len;
		secid[k] = gt_rd_u8(&r);
		len = gt_rd_uvarint(&r);
		if (r.bad || secid[k] >= GT_ENC_COUNT || len > bi->length) {
			rc = damaged(s, err, bi->offset, "block %u section table is malformed", i);
			goto out;
		}
		at[k + 1] = at[k] + len;
	}
	if (at[nsec] != gt_rd_left(&r) || secid[SEC_SID] != GT_ENC_RUNS || secid[SEC_TS] != GT_ENC_DOD ||
	    secid[SEC_SEQ] != GT_ENC_DELTA || secid[SEC_OP] != GT_ENC_RUNS) {
		rc = damaged(s, err, bi->offset, "block %u section table is malformed", i);
		goto out;
	}
	body = r.p;

	if (!layout_matches(out, s, fk, nf)) {
		gt_batch_release(out);
		if ((rc = gt_batch_add_col(out, s->time_id, GT_TS)) < 0)
			goto nomem;
		for (uint32_t j = 0; j < nf; j++) {
			const struct gt_coldef *cd = &s->meta.schema.cols[s->field_idx[fk[j]]];
			if ((rc = gt_batch_add_col(out, cd->id, (enum gt_type)cd->type)) < 0)
				goto nomem;
		}
	}
	gt_batch_reset(out);
	if ((rc = gt_batch_reserve_meta(out, n, true, true, true)) || (rc = gt_vec_reserve(&out->cols[0], n)))
		goto nomem;

	struct gt_rd sr;
	const char *what = "series ordinals";
	uint32_t sec = SEC_SID;
	gt_rd_init(&sr, body + at[SEC_SID], (size_t)(at[SEC_SID + 1] - at[SEC_SID]));
	rc = gt_dec_runs_u32(&c->dec, &sr, out->sid, n, bi->sid_last);
	if (!rc && (out->sid[0] != bi->sid_first || out->sid[n - 1] != bi->sid_last))
		rc = GT_ECORRUPT;
	if (!rc) {
		what = "timestamps";
		sec = SEC_TS;
		gt_rd_init(&sr, body + at[SEC_TS], (size_t)(at[SEC_TS + 1] - at[SEC_TS]));
		rc = gt_dec_dod(&c->dec, &sr, out->cols[0].v.i64, n);
		if (!rc) {
			int64_t lo = INT64_MAX, hi = INT64_MIN;
			const int64_t *t = out->cols[0].v.i64;
			for (uint32_t j = 0; j < n; j++) {
				lo = t[j] < lo ? t[j] : lo;
				hi = t[j] > hi ? t[j] : hi;
			}
			if (lo != bi->min_ts || hi != bi->max_ts)
				rc = GT_ECORRUPT;
		}
	}
	if (!rc) {
		what = "sequences";
		sec = SEC_SEQ;
		gt_rd_init(&sr, body + at[SEC_SEQ], (size_t)(at[SEC_SEQ + 1] - at[SEC_SEQ]));
		rc = gt_dec_delta(&c->dec, &sr, out->seq, n);
	}
	if (!rc) {
		what = "ops";
		sec = SEC_OP;
		gt_rd_init(&sr, body + at[SEC_OP], (size_t)(at[SEC_OP + 1] - at[SEC_OP]));
		rc = gt_dec_runs_u8(&c->dec, &sr, out->op, n, GT_OP_DELETE);
	}
	out->cols[0].len = n;
	for (uint32_t j = 0; !rc && j < nf; j++) {
		sec = NMETA + fk[j];
		what = s->meta.schema.cols[s->field_idx[fk[j]]].name;
		rc = dec_field(c, &out->cols[j + 1], secid[sec], body + at[sec], (size_t)(at[sec + 1] - at[sec]), n);
	}
	if (rc == GT_ENOMEM)
		goto nomem;
	if (rc) {
		rc = damaged(s, err, bi->offset + (uint64_t)(body - (const uint8_t *)c->blk.p) + at[sec],
			     "block %u: %s do not decode", i, what);
		goto out;
	}
	out->nrows = n;
	goto out;
nomem:
	rc = gt_errf(err, GT_ENOMEM, "%s: out of memory", s->path);
out:
	if (rc && out->ncols)
		gt_batch_reset(out);
	if (c)
		ctx_put(s, c);
	free(fk);
	return rc;
}

/* Compare recomputed statistics with the index entry. */
static int stats_match(const struct gt_vec *v, uint32_t n, const struct gt_sst_colstat *cs)
{
	struct fstat st;
	stat_vec(v, n, &st);
	if (st.nulls != cs->nulls || st.has != cs->has_minmax)
		return 0;
	return !st.has || (st.min == cs->min.u64 && st.max == cs->max.u64);
}

int gt_sst_check(struct gt_sst *s, struct gt_err *err)
{
	struct gt_batch b;
	uint32_t psid = 0;
	int64_t pts = 0;
	uint64_t pseq = 0;
	int have = 0, rc = 0;

	gt_batch_init(&b);
	for (uint32_t i = 0; i < s->meta.nblocks && !rc; i++) {
		const struct gt_sst_block_info *bi = &s->blocks[i];
		if ((rc = gt_sst_read_block(s, i, NULL, 0, &b, err)))
			break;
		for (uint32_t r = 0; r < b.nrows; r++) {
			uint32_t sid = b.sid[r];
			int64_t t = b.cols[0].v.i64[r];
			uint64_t q = b.seq[r];
			if (have && (sid < psid || (sid == psid && (t < pts || (t == pts && q > pseq))))) {
				rc = damaged(s, err, bi->offset, "block %u row %u is out of order", i, r);
				break;
			}
			if (q < s->meta.min_seq || q > s->meta.max_seq) {
				rc = damaged(s, err, bi->offset, "block %u row %u: sequence outside the footer's range", i, r);
				break;
			}
			have = 1;
			psid = sid;
			pts = t;
			pseq = q;
		}
		for (uint32_t k = 0; !rc && k < s->nfields; k++)
			if (!stats_match(&b.cols[k + 1], b.nrows, &bi->colstats[k]))
				rc = damaged(s, err, bi->offset, "block %u: statistics of column '%s' differ from the index",
					     i, s->meta.schema.cols[s->field_idx[k]].name);
	}
	gt_batch_release(&b);
	return rc;
}

int gt_sst_verify(const char *path, struct gt_err *err)
{
	struct gt_sst *s;
	int rc = gt_sst_open(&s, path, err);
	if (rc)
		return rc;
	rc = gt_sst_check(s, err);
	gt_sst_close(s);
	return rc;
}
