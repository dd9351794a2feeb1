/*
 * batch.h - columnar batches: the unit in which rows move through gt
 * (parser -> region write, WAL payload, memtable -> SST, SST -> scan ->
 * query).
 *
 * A gt_vec is one column: fixed-width values in v (8 bytes a row for
 * numbers and timestamps, 1 for bools), or strings as len+1 offsets into
 * str; plus a validity bitmap that is NULL while every row is valid.
 * A gt_batch is a set of vecs of equal length, each tagged with the
 * schema column id it carries, plus optional per-row region metadata:
 * seq (the row's WAL sequence), op (GT_OP_PUT or GT_OP_DELETE) and sid
 * (a series ordinal whose meaning the producer documents: e.g. the index
 * of the row's series key in an SST's key table).
 *
 * A batch owns all of its arrays.  Not thread-safe.
 */
#ifndef GT_BATCH_H
#define GT_BATCH_H

#include <stdbool.h>
#include "buf.h"
#include "schema.h"

enum gt_op { GT_OP_PUT = 0, GT_OP_DELETE = 1 };

struct gt_vec {
	uint8_t type;         /* enum gt_type */
	uint32_t len;         /* rows */
	uint32_t cap;         /* rows allocated in v / valid / off */
	uint8_t *valid;       /* bit i set = row i not null; NULL = all valid */
	union {
		int64_t *i64;     /* GT_I64, GT_TS */
		uint64_t *u64;    /* GT_U64 */
		double *f64;      /* GT_F64 */
		uint8_t *b;       /* GT_BOOL: 0 or 1 */
		void *p;
	} v;
	uint32_t *off;        /* GT_STRING: len+1 offsets into str.p */
	struct gt_buf str;    /* GT_STRING bytes */
};

static inline bool gt_vec_is_null(const struct gt_vec *v, uint32_t i)
{
	return v->valid && !(v->valid[i >> 3] & (1u << (i & 7)));
}

static inline const char *gt_vec_str(const struct gt_vec *v, uint32_t i, uint32_t *len)
{
	*len = v->off[i + 1] - v->off[i];
	return v->str.p + v->off[i];
}

void gt_vec_init(struct gt_vec *v, enum gt_type type);
void gt_vec_release(struct gt_vec *v);
void gt_vec_reset(struct gt_vec *v);                 /* len = 0, keeps memory */
int gt_vec_reserve(struct gt_vec *v, uint32_t rows);  /* room for `rows` more */
/* Move a fixed-width vec's values to p, room for cap >= len rows, which
 * the caller owns (the memtable's blocks): it must not be grown by
 * gt_vec_reserve past cap, nor released with p set.  The validity
 * bitmap, if any, grows to cap. */
int gt_vec_move_to(struct gt_vec *v, void *p, uint32_t cap);
int gt_vec_push_i64(struct gt_vec *v, int64_t x);     /* GT_I64, GT_TS */
int gt_vec_push_u64(struct gt_vec *v, uint64_t x);
int gt_vec_push_f64(struct gt_vec *v, double x);
int gt_vec_push_bool(struct gt_vec *v, bool x);
int gt_vec_push_str(struct gt_vec *v, const char *s, size_t n);
int gt_vec_push_null(struct gt_vec *v);
/* Append rows [from, from+n) of src (same type) to v. */
int gt_vec_append(struct gt_vec *v, const struct gt_vec *src, uint32_t from, uint32_t n);
/* Append row i of src to v. */
int gt_vec_push_from(struct gt_vec *v, const struct gt_vec *src, uint32_t i);
/* Pad with nulls until len == rows. */
int gt_vec_pad_nulls(struct gt_vec *v, uint32_t rows);
/* Set row i null (i < len). Allocates the bitmap on first use. */
int gt_vec_set_null(struct gt_vec *v, uint32_t i);

struct gt_batch {
	uint32_t nrows;
	uint32_t ncols;
	uint32_t *col_ids;    /* schema column id per vec */
	struct gt_vec *cols;
	uint64_t *seq;        /* NULL or nrows sequences */
	uint8_t *op;          /* NULL (all GT_OP_PUT) or nrows ops */
	uint32_t *sid;        /* NULL or nrows series ordinals */
	uint32_t meta_cap;    /* rows allocated in seq/op/sid */
	/*
	 * Optional series key table (writes from line protocol): when
	 * has_keys, row i belongs to series key sid[i] (key.h encoding, in
	 * the table's primary-key order) and the batch carries no tag
	 * columns.  Each distinct tag set is encoded once per batch instead
	 * of once per row.
	 */
	bool has_keys;
	uint32_t nkeys, keycap;
	uint32_t *keyoff;     /* nkeys + 1 offsets into keys */
	struct gt_buf keys;
};

/* Append a series key to the batch's key table; returns its index or a GT_E* code. */
int gt_batch_add_key(struct gt_batch *b, const void *key, size_t len);
static inline const void *gt_batch_key(const struct gt_batch *b, uint32_t k, size_t *len)
{
	*len = b->keyoff[k + 1] - b->keyoff[k];
	return b->keys.p + b->keyoff[k];
}

void gt_batch_init(struct gt_batch *b);
void gt_batch_release(struct gt_batch *b);
/* Drop all rows, keep columns and memory. */
void gt_batch_reset(struct gt_batch *b);
/* Add an empty column; returns its index or a GT_E* code. */
int gt_batch_add_col(struct gt_batch *b, uint32_t col_id, enum gt_type type);
/* Index of the vec carrying column id, or -1. */
int gt_batch_find(const struct gt_batch *b, uint32_t col_id);
/* Make seq/op/sid (those asked for) hold at least `rows` entries. */
int gt_batch_reserve_meta(struct gt_batch *b, uint32_t rows, bool seq, bool op, bool sid);

/*
 * Binary form of a batch, used as the WAL payload and on the region RPC.
 * Little-endian; see man/man5/gt-wal.5 "PAYLOAD":
 *   u8 version(1) | uvarint nrows | uvarint ncols | u8 flags(1=op present, 2=keys)
 *   [op: nrows bytes]
 *   [keys: uvarint nkeys | nkeys x (uvarint len | bytes) | nrows x uvarint sid]
 *   per column: uvarint col_id | u8 type | u8 has_nulls [bitmap (nrows+7)/8]
 *               values: 8*nrows LE (numbers), nrows bytes (bool),
 *               strings: uvarint total | total bytes | nrows uvarint lengths
 */
int gt_batch_encode(const struct gt_batch *b, struct gt_buf *out);
/* Decode into an empty (initialised) batch; every length is checked. */
int gt_batch_decode(struct gt_batch *b, const void *p, size_t n, struct gt_err *err);

#endif
