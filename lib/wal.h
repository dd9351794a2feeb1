/*
 * wal.h - the write-ahead log of one region: the log-store interface of
 * DESIGN.md section 3, local segment files behind it.
 *
 * A WAL is a directory of segment files named <first seq, 20 digits>.wal.
 * Each record carries a run of sequence numbers [seq, seq + count): the
 * WAL assigns them, in append order, so sequences on disk always
 * increase.  Record framing (man/man5/gt-wal.5):
 *
 *   u32 len | u32 crc32c(seq..payload) | u64 seq | u32 count | payload[len]
 *
 * little-endian.  A segment starts with a 16-byte header
 * ("GTWAL\0\0\1" magic+version, u64 first seq).  Segments roll at
 * segment_bytes.
 *
 * Group commit: gt_wal_append() may be called from many threads at once.
 * Appenders queue their records; one of them (the leader) writes every
 * queued record with one write() and, under GT_WAL_SYNC_ALWAYS, one
 * fdatasync(), then wakes the others.  When append returns 0 the record
 * is durable under the sync policy (ALWAYS: on disk; INTERVAL: written
 * to the kernel, synced by a background thread every interval_ms).
 *
 * Recovery: gt_wal_open() scans the segments, checks every record, and
 * cuts a torn or damaged tail at the last whole record (truncating the
 * file); it reports how many bytes were dropped in *dropped so the
 * caller can warn.  A damaged record followed by valid ones is also cut
 * there (the log cannot be trusted past a hole).
 *
 * Thread safety: append is thread-safe; replay, obsolete and close must
 * not run concurrently with each other.  The caller owns the struct.
 */
#ifndef GT_WAL_H
#define GT_WAL_H

#include "gt.h"

enum gt_wal_sync {
	GT_WAL_SYNC_ALWAYS = 0,
	GT_WAL_SYNC_INTERVAL = 1,
	GT_WAL_SYNC_NONE = 2,      /* tests and benchmarks only */
};

#define GT_WAL_MAX_RECORD (64u << 20)   /* payload ceiling */

struct gt_wal_opts {
	uint8_t sync;              /* enum gt_wal_sync; zero = always */
	uint32_t interval_ms;      /* GT_WAL_SYNC_INTERVAL; 0 = 1000 */
	uint64_t segment_bytes;    /* 0 = 64 MiB */
};

struct gt_wal;

struct gt_wal_open_info {
	uint64_t next_seq;         /* the sequence the next append gets */
	uint64_t dropped_bytes;    /* bytes cut from a torn or damaged tail */
	uint64_t records;          /* whole records found */
};

/*
 * Open (creating if needed) the WAL in dir.  min_next_seq is a floor for
 * the next sequence (the manifest's flushed sequence + 1), for when every
 * segment has been deleted.
 */
int gt_wal_open(struct gt_wal **out, const char *dir, const struct gt_wal_opts *opts,
		uint64_t min_next_seq, struct gt_wal_open_info *info, struct gt_err *err);

/* Append one record covering `count` sequences; *seq gets the first. */
int gt_wal_append(struct gt_wal *w, uint32_t count, const void *payload, size_t len,
		  uint64_t *seq, struct gt_err *err);

typedef int (*gt_wal_fn)(void *ctx, uint64_t seq, uint32_t count, const void *payload, size_t len);

/* Call fn for every record whose last sequence is >= from_seq, in order.
 * A non-zero return from fn stops the replay and is returned. */
int gt_wal_replay(struct gt_wal *w, uint64_t from_seq, gt_wal_fn fn, void *ctx, struct gt_err *err);

/* Records whose sequences are all <= seq are no longer needed: delete the
 * segments that hold only such records (never the active one). */
int gt_wal_obsolete(struct gt_wal *w, uint64_t seq, struct gt_err *err);

/* Bytes appended since open (for metrics). */
uint64_t gt_wal_bytes(const struct gt_wal *w);

/* Flush and sync outstanding writes, stop the sync thread, close files, free. */
void gt_wal_close(struct gt_wal *w);

/* Read a single segment file and call fn per record, for `gt-data wal dump`
 * and the fuzzer.  Stops at the first bad record, reporting its offset in err
 * and returning GT_ECORRUPT (after calling fn for every good record). */
int gt_wal_read_segment(const void *buf, size_t len, gt_wal_fn fn, void *ctx, struct gt_err *err);

#endif
