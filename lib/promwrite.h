/*
 * promwrite.h - Prometheus remote write 1.0 and remote read (samples
 * response; promread.c): the snappy block frames, the protobuf messages of
 * proto/prometheus-remote.proto (a WriteRequest is read in place, its
 * strings left in the body; a ReadRequest through protobuf-c), and their
 * mapping onto tables as GreptimeDB lays them out:
 *
 *   one table per metric name (__name__), created on first write in the
 *   request's database: every other label a tag column (STRING, primary
 *   key), greptime_timestamp TIMESTAMP(3) the time index (the sample's
 *   milliseconds), greptime_value DOUBLE the one field; a label the
 *   table lacks adds a column (ingest.h's create/alter path).
 *
 * Values are stored bit for bit: NaN, +-Inf and the staleness marker
 * (GT_PQ_STALE_BITS) come back from remote read as they came in.  A
 * label with an empty value is no label, as in Prometheus.
 *
 * A write request is all or nothing: the frame is decompressed, the
 * protobuf decoded and every series checked (a __name__, label names,
 * no label twice, timestamps that fit) before a table is touched.
 * A connection's scratch remembers the label sets it has decoded and
 * checked, by their bytes (Prometheus repeats a series' labels with every
 * sample): a series seen before skips decoding, checking and hashing.
 *
 * Errors say what is wrong ("corrupt snappy frame", "bad protobuf
 * WriteRequest", "series 3 has no __name__ label") and are the client's
 * (GT_EINVAL, GT_ETOOBIG over the size limit).
 */
#ifndef GT_PROMWRITE_H
#define GT_PROMWRITE_H

#include "buf.h"
#include "ingest.h"
#include "promql.h"

#define GT_PROM_VALUE_COLUMN "greptime_value"

/* Per-thread scratch (decompressed body, decode arena), reused across
 * requests; zero-initialised is ready; gt_prom_scratch_release frees. */
struct gt_prom_scratch {
	char *raw;
	size_t rawcap;
	struct gt_prom_chunk *chunks;  /* the protobuf decode arena */
	size_t arena_used, arena_max;
	int64_t *ts;
	double *v;
	size_t tvcap;
	struct gt_prom_memo *memo;     /* label sets seen on this connection (promwrite.c) */
};
void gt_prom_scratch_release(struct gt_prom_scratch *s);

/* protobuf-c's allocator over s's arena (remote read): allocations up to
 * max bytes in all, freed together by gt_prom_arena_end (or the next start). */
struct ProtobufCAllocator;
void gt_prom_arena_start(struct gt_prom_scratch *s, struct ProtobufCAllocator *a, size_t max);
void gt_prom_arena_end(struct gt_prom_scratch *s);

/*
 * Decompress a snappy block (not framed) frame in[0..n) into s->raw.
 * The length the frame declares is checked against max before anything
 * is decompressed (GT_ETOOBIG); a damaged frame is GT_EINVAL.
 */
int gt_snappy_decode(struct gt_prom_scratch *s, const void *in, size_t n, size_t max, size_t *outlen,
		     struct gt_err *err);
/* Compress in[0..n) as a snappy block, appended to out. */
int gt_snappy_encode(const void *in, size_t n, struct gt_buf *out, struct gt_err *err);

/*
 * Decode an (uncompressed) WriteRequest and load it into in's builders
 * (gt_ingest_begin ... gt_ingest_rows): nothing is written; commit with
 * gt_ingest_commit.  *samples gets the count of samples.
 */
int gt_promwrite_parse(struct gt_ingest *in, struct gt_prom_scratch *s, const void *pb, size_t len,
		       uint64_t *samples, struct gt_err *err);

/*
 * Remote read: decode an (uncompressed) ReadRequest, answer each query
 * from src (matchers as given, [start, end] in ms) and append the
 * (uncompressed) ReadResponse to out.  Labels of each series sorted by
 * name, __name__ among them.
 */
int gt_promread(const struct gt_pq_source *src, struct gt_prom_scratch *s, const void *pb, size_t len,
		struct gt_buf *out, struct gt_err *err);

#endif
