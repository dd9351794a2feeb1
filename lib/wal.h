/*
 * wal.h - the write-ahead log of a datanode, shared by all its regions:
 * the log-store interface of DESIGN.md section 3 (append a region's
 * record, read a region's records from a sequence, mark a region's
 * sequence obsolete), local segment files behind it.  One log for every
 * region means one write and one fdatasync for a request that touches
 * many regions (a remote write of many metrics), as GreptimeDB's
 * raft-engine log does.
 *
 * A WAL is a directory of segment files named <first seq, 20 digits>.wal.
 * Each record belongs to a region and carries a run of sequence numbers
 * [seq, seq + count): the WAL assigns them, in append order, from one
 * counter for all regions, so sequences on disk always increase and a
 * region's sequences increase with gaps.  Record framing
 * (man/man5/gt-wal.5):
 *
 *   u32 len | u32 crc32c(region..payload) | u64 region | u64 seq | u32 count | payload[len]
 *
 * little-endian; the CRC-32C covers the 20 bytes of region, seq and
 * count and then the payload (not len: a damaged len shows as a length
 * over the limit, a truncated record or a crc mismatch).  A segment
 * starts with a 16-byte header: 6 bytes of magic "GTWAL\0", u16 version
 * (2, so the bytes are 02 00), u64 first seq (equal to the number in the
 * name).  Version 1 segments (a log per region, from before) are read by
 * gt_wal_read_segment() with region 0 but are not opened as a log.
 * Segments roll between groups once the active one holds segment_bytes
 * or more, so a record never spans segments and a segment may pass
 * segment_bytes by up to one group.
 *
 * Group commit: gt_wal_append() may be called from many threads at once.
 * Appenders queue their records; one of them (the leader) writes every
 * queued record (up to 16 MiB a group, or one bigger record) with one
 * write() and, under GT_WAL_SYNC_ALWAYS, one fdatasync(), then wakes the
 * others.  When append returns 0 the record
 * is durable under the sync policy (ALWAYS: on disk; INTERVAL: written
 * to the kernel, synced by a background thread every interval_ms).
 *
 * A write or sync error fails every appender of its group with GT_EIO,
 * and the WAL then refuses every later append with GT_EIO (after a
 * failed fsync the state of the file is unknown): close it and open it
 * again, which recovers.
 *
 * The log keeps an index of each region's records (segment and offset),
 * built when it opens and added to by every append: replay reads only
 * the region's records, and a segment is deleted once no region needs a
 * record in it (obsolete).  A region that is never opened again keeps
 * its records, and the segments that hold them, until it is (or until
 * gt_wal_forget, when it is dropped).
 *
 * Recovery: gt_wal_open() scans the segments, checks every record, and
 * cuts a torn or damaged tail at the last whole record (truncating the
 * file); it reports how many bytes were dropped in info->dropped_bytes
 * so the caller can warn.  A damaged record followed by valid ones is
 * also cut there, and every later segment is deleted and counted as
 * dropped (the log cannot be trusted past a hole).  A segment with a bad
 * header is damaged at offset 0 and is deleted; an empty (zero-byte)
 * segment file, left by a crash while rolling, is deleted and drops
 * nothing.  New appends go to the end of the last segment.
 *
 * The open WAL holds an flock(2) on its directory: a second open of the
 * same directory, from this process or another, fails with GT_ELOCKED.
 *
 * Thread safety: append, replay, obsolete and forget may run from many
 * threads at once, except that a region's own appends must not run
 * during its replay (a region replays while it opens, before it takes
 * writes); close runs alone.  The caller owns the struct.
 */
#ifndef GT_WAL_H
#define GT_WAL_H

#include <stdbool.h>

#include "gt.h"

enum gt_wal_sync {
	GT_WAL_SYNC_ALWAYS = 0,
	GT_WAL_SYNC_INTERVAL = 1,
	GT_WAL_SYNC_NONE = 2,      /* tests and benchmarks only */
};

#define GT_WAL_MAX_RECORD (64u << 20)   /* payload ceiling */

/* "always", "interval", "none" -> enum gt_wal_sync, or -1. */
int gt_wal_sync_parse(const char *name);

struct gt_wal_opts {
	uint8_t sync;              /* enum gt_wal_sync; zero = always */
	uint32_t interval_ms;      /* GT_WAL_SYNC_INTERVAL; 0 = 1000 */
	uint64_t segment_bytes;    /* 0 = 64 MiB */
	uint64_t purge_bytes;      /* past this size gt_wal_pinning names regions to
				    * flush; 0 = 4 segments */
};

/* Set purge_bytes, with segments of a quarter of it (at most 64 MiB) so
 * that there is something to purge: what --wal-purge-bytes means. */
void gt_wal_opts_purge(struct gt_wal_opts *o, uint64_t purge_bytes);

struct gt_wal;

struct gt_wal_open_info {
	uint64_t next_seq;         /* the sequence the next append gets */
	uint64_t dropped_bytes;    /* bytes cut from a torn or damaged tail */
	uint64_t records;          /* whole records found */
	char damage[256];          /* why the log was cut, e.g. "00000000000000000003.wal:
				    * offset 186: crc mismatch"; "" when it was not */
};

/*
 * Open (creating if needed) the WAL in dir.  min_next_seq is a floor for
 * the next sequence, for when every segment has been deleted (see also
 * gt_wal_floor): next_seq = max(min_next_seq, the end (seq + count) of
 * the last record, the first seq of the last segment).  The directory
 * itself is created (one level, fsyncing its parent) when missing.
 * info may be NULL.
 */
int gt_wal_open(struct gt_wal **out, const char *dir, const struct gt_wal_opts *opts,
		uint64_t min_next_seq, struct gt_wal_open_info *info, struct gt_err *err);

/* Append one record of region covering `count` sequences; *seq gets the first. */
int gt_wal_append(struct gt_wal *w, uint64_t region, uint32_t count, const void *payload, size_t len,
		  uint64_t *seq, struct gt_err *err);

/*
 * Append n records (of any regions) with one wait: they queue back to
 * back, so they share a group (one write, one sync) unless together over
 * the group's byte limit.  Each rec's seq gets its first sequence.
 * Returns 0 when every record is durable.  A record that cannot be
 * queued (count 0, too big, out of memory) fails the call before any is
 * queued; an I/O error fails it after, when records of an earlier group
 * may already be durable (as with separate appends that raced).
 */
struct gt_wal_rec {
	uint64_t region;
	uint32_t count;
	const void *payload;
	size_t len;
	uint64_t seq;
};
int gt_wal_append_many(struct gt_wal *w, struct gt_wal_rec *recs, size_t n, struct gt_err *err);

typedef int (*gt_wal_fn)(void *ctx, uint64_t region, uint64_t seq, uint32_t count, const void *payload,
			 size_t len);

/* Call fn for every record of region whose last sequence is >= from_seq,
 * in order.  A non-zero return from fn stops the replay and is returned. */
int gt_wal_replay(struct gt_wal *w, uint64_t region, uint64_t from_seq, gt_wal_fn fn, void *ctx,
		  struct gt_err *err);

/* Region's records whose sequences are all <= seq are no longer needed:
 * delete the segments no region needs any more (never the active one). */
int gt_wal_obsolete(struct gt_wal *w, uint64_t region, uint64_t seq, struct gt_err *err);

/* Region was dropped: none of its records is needed (none may be in flight). */
int gt_wal_forget(struct gt_wal *w, uint64_t region, struct gt_err *err);

/* Sequences from now on are >= next_seq: a region opening with a flushed
 * sequence (from its manifest, maybe written on another datanode) raises
 * the floor to it + 1 before it writes. */
void gt_wal_floor(struct gt_wal *w, uint64_t next_seq);

/*
 * The log only shrinks from its oldest segment, so one region that is
 * written once and never flushed would keep every later segment.  Once
 * the segments hold more than purge_bytes, gt_wal_over() is true and
 * gt_wal_pinning() deletes the segments no region needs, then fills ids
 * (up to max) with the regions that hold the oldest segment still
 * needed: flushing them lets obsolete delete it.  Returns how many; 0
 * when the log is within its size.
 */
bool gt_wal_over(struct gt_wal *w);
size_t gt_wal_pinning(struct gt_wal *w, uint64_t *ids, size_t max);

/* The last sequence of region's records still in the log; 0 when none. */
uint64_t gt_wal_region_last(struct gt_wal *w, uint64_t region);

/* Bytes appended since open (record frames and payloads, for metrics):
 * in all, and by one region. */
uint64_t gt_wal_bytes(const struct gt_wal *w);
uint64_t gt_wal_region_bytes(struct gt_wal *w, uint64_t region);

/* fdatasync() calls made on segment files since open: one per group
 * under GT_WAL_SYNC_ALWAYS, one per dirty interval under
 * GT_WAL_SYNC_INTERVAL (for metrics, and to show group commit at work:
 * syncs / records < 1 under concurrent appends). */
uint64_t gt_wal_syncs(const struct gt_wal *w);

/* Flush and sync outstanding writes, stop the sync thread, close files, free. */
void gt_wal_close(struct gt_wal *w);

/* Read a single segment file and call fn per record, for `gt-data wal dump`
 * and the fuzzer.  Stops at the first bad record, reporting its offset in err
 * and returning GT_ECORRUPT (after calling fn for every good record); the
 * message reads "offset N: reason" (e.g. "offset 1234: crc mismatch").
 * A header of another format version gives GT_EUNSUPP instead: it is
 * not damage, and gt_wal_open() fails with it rather than cut the log.
 * The same parser checks segments in gt_wal_open(); replay checks each
 * record again as it reads it.
 * A non-zero return from fn stops the walk and is returned. */
int gt_wal_read_segment(const void *buf, size_t len, gt_wal_fn fn, void *ctx, struct gt_err *err);

#endif
