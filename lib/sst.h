/*
 * sst.h - SST files (format v1, man/man5/gt-sst.5): immutable, columnar,
 * sorted by (series key, timestamp asc, sequence desc).
 *
 * What a file holds: the schema of the columns it stores (time index,
 * fields; tag columns are listed so that keys can be decoded), a sorted
 * table of series keys (key.h encoding, opaque here), and data blocks.
 * A block holds up to block_rows consecutive rows (it may span several
 * series) with, per row: series ordinal (index into the key table),
 * timestamp, sequence, op, and every field column.  Columns in a block
 * are encoded for time series (delta-of-delta timestamps, decimal-scaled
 * integer deltas split into byte planes for floats that are short
 * decimals, raw bits otherwise, run lengths for series ordinals and ops)
 * and compressed with zstd.  The index lists per block: first and last
 * series ordinal, min and max timestamp, row count, offset, length,
 * crc32c, and per field column min/max (numbers) and null count.  The
 * footer carries magic, version, the index position and checksums.
 *
 * Writer calling sequence:
 *   gt_sst_writer_new(&w, tmp_path, schema, opts)
 *   gt_sst_writer_add(w, key, rows, from, n)   -- series in ascending
 *        key order (memcmp), the rows of one series in (ts asc, seq desc)
 *        order; may be called several times for the same series as long
 *        as the order holds
 *   gt_sst_writer_finish(w, &meta)             -- index, footer, fsync, close
 *   gt_sst_writer_free(w)                      -- unlinks the file unless finished
 *
 * The rows batch given to add carries the time column and field columns
 * identified by schema column id (a field column of the schema that the
 * batch lacks is stored as all-null; batch columns the schema lacks are
 * ignored), batch->seq (required) and batch->op (NULL = all puts).
 * Rows with equal (key, timestamp, sequence) are accepted and kept in
 * the order given.  A call that breaks the order, lacks seq or the time
 * column, has a null timestamp, an op other than put/delete or a
 * column of the wrong type fails with GT_EINVAL and changes nothing:
 * the writer stays usable.  After an I/O or memory failure every later
 * call fails.  A finished file without rows is valid (no blocks, zero
 * time and sequence ranges).
 *
 * Memory: the writer holds one block of rows, the key table (each key
 * once) and the index; the reader holds the key table and the index,
 * plus one block buffer per concurrent read_block call (pooled).
 *
 * Reader: gt_sst_open() reads and checks footer, schema, key table and
 * index (pread, no mmap, so that a file truncated under it gives an
 * error, not SIGBUS); damage is GT_ECORRUPT with a message of the form
 * "FILE: damaged at offset N: reason".
 * gt_sst_read_block() decodes one block, checking its crc and every
 * length against the index.  A reader is safe for concurrent
 * read_block calls from several threads.
 */
#ifndef GT_SST_H
#define GT_SST_H

#include "batch.h"
#include "schema.h"

#define GT_SST_SUFFIX ".sst"
#define GT_SST_DEFAULT_BLOCK_ROWS 8192

/* The most rows a block may hold (writer option ceiling, reader check). */
#define GT_SST_MAX_BLOCK_ROWS (1u << 20)

struct gt_sst_writer_opts {
	uint32_t block_rows;   /* 0 = GT_SST_DEFAULT_BLOCK_ROWS; at most GT_SST_MAX_BLOCK_ROWS */
	int zstd_level;        /* 0 = 3 */
	const char *table;     /* table name stored with the schema; NULL = none (copied) */
};

struct gt_sst_meta {
	struct gt_schema schema;   /* owned by the reader / writer */
	uint64_t rows;
	uint32_t nseries;
	uint32_t nblocks;
	int64_t min_ts, max_ts;    /* in the time index's unit */
	uint64_t min_seq, max_seq;
	uint64_t file_bytes;
};

struct gt_sst_colstat {
	uint32_t col_id;
	uint32_t nulls;
	uint8_t has_minmax;        /* numbers and timestamps only */
	union { double f64; int64_t i64; uint64_t u64; } min, max;
};

struct gt_sst_block_info {
	uint32_t sid_first, sid_last;  /* series ordinals, inclusive */
	int64_t min_ts, max_ts;
	uint32_t rows;
	uint64_t offset;
	uint32_t length;
	uint32_t crc;
	uint32_t ncolstats;
	struct gt_sst_colstat *colstats; /* one per field column, in schema order */
};

/* Per-column storage figures for `gt-sst stat`.  Besides the schema's
 * time and field columns, the per-row metadata appear as pseudo columns
 * with these ids. */
#define GT_SST_COL_SID 0xfffffffdu   /* series ordinals */
#define GT_SST_COL_SEQ 0xfffffffeu   /* sequences */
#define GT_SST_COL_OP 0xffffffffu    /* ops */

struct gt_sst_colinfo {
	uint32_t col_id;
	const char *encoding;      /* the encoding holding most of its bytes, e.g.
				      "delta-of-delta", "decimal-planes", "raw-f64" */
	uint64_t bytes;            /* compressed bytes over all blocks */
};

/* Where the parts of a file lie (documented addition for `gt-sst stat`). */
struct gt_sst_layout {
	uint64_t blocks_off, blocks_len;  /* the data blocks, back to back */
	uint64_t schema_off, schema_len;
	uint64_t keys_off, keys_len;
	uint64_t index_off, index_len;
	uint64_t footer_off, footer_len;
	uint32_t block_rows;              /* the writer's block_rows */
	uint32_t version;                 /* format version (1) */
};

struct gt_sst_writer;
struct gt_sst;

int gt_sst_writer_new(struct gt_sst_writer **out, const char *path, const struct gt_schema *schema,
		      const struct gt_sst_writer_opts *opts, struct gt_err *err);
int gt_sst_writer_add(struct gt_sst_writer *w, const void *key, size_t keylen,
		      const struct gt_batch *rows, uint32_t from, uint32_t n, struct gt_err *err);
/* meta may be NULL; if given, it is filled (schema copied: caller releases). */
int gt_sst_writer_finish(struct gt_sst_writer *w, struct gt_sst_meta *meta, struct gt_err *err);
void gt_sst_writer_free(struct gt_sst_writer *w);

int gt_sst_open(struct gt_sst **out, const char *path, struct gt_err *err);
/*
 * Open a file image held in memory (p, n stay owned by the caller and
 * must outlive the reader); name is used in error messages.  Used by the
 * fuzzer and by callers that already hold the bytes.
 */
int gt_sst_open_mem(struct gt_sst **out, const void *p, size_t n, const char *name,
		    struct gt_err *err);
void gt_sst_close(struct gt_sst *s);
const struct gt_sst_meta *gt_sst_meta(const struct gt_sst *s);
const void *gt_sst_key(const struct gt_sst *s, uint32_t sid, size_t *len);
const struct gt_sst_block_info *gt_sst_block(const struct gt_sst *s, uint32_t i);
/* First series ordinal whose key is >= key (binary search), or nseries. */
uint32_t gt_sst_seek_key(const struct gt_sst *s, const void *key, size_t keylen);
/* Per-column encodings and sizes; returns the count, *out owned by s.
 * Order: GT_SST_COL_SID, the time column, GT_SST_COL_SEQ, GT_SST_COL_OP,
 * then the field columns in schema order. */
uint32_t gt_sst_colinfo(const struct gt_sst *s, const struct gt_sst_colinfo **out);
/* The table name stored by the writer, or NULL. */
const char *gt_sst_table(const struct gt_sst *s);
void gt_sst_layout(const struct gt_sst *s, struct gt_sst_layout *out);

/*
 * Decode block i into out (gt_batch_release'd or fresh; it is reset).
 * col_ids/ncols select the field columns wanted (NULL = all); the time
 * column always comes first (out->cols[0]), then the wanted fields in
 * the order asked.  out->seq, out->op and out->sid (file series
 * ordinals) are always filled.
 */
int gt_sst_read_block(struct gt_sst *s, uint32_t i, const uint32_t *col_ids, uint32_t ncols,
		      struct gt_batch *out, struct gt_err *err);
/*
 * A col_id that is no field column of the file gives GT_ENOTFOUND (the
 * caller maps a newer schema's columns onto the file's: a column added
 * after the file was written reads as null at the caller's side).
 * Damage gives GT_ECORRUPT naming the block's file offset.
 */

/* Check every block of an open reader: checksums, decoding, order of
 * rows, and the index statistics against the decoded values. */
int gt_sst_check(struct gt_sst *s, struct gt_err *err);

/* Check every checksum and every block of a file.  0 = clean, GT_ECORRUPT
 * with err naming the file offset of the first damage. */
int gt_sst_verify(const char *path, struct gt_err *err);

#endif
