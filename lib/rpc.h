/*
 * rpc.h - the region RPC wire format (man/man5/gt-rpc.5): how the
 * operations of struct gt_region_client_ops travel between a frontend
 * (region_client_remote.c) and a datanode (region_server.c) over a byte
 * stream (Unix socket or TCP).
 *
 * Everything is a frame: a 16-byte header then a body of at most
 * GT_RPC_MAX_BODY bytes.
 *
 *   offset size  field
 *   0      4     magic "GTRP"
 *   4      1     version (1)
 *   5      1     op: a request op (enum gt_rpc_op) or a reply kind
 *   6      2     reserved, 0 (LE)
 *   8      4     request id (LE): a reply carries its request's id
 *   12     4     body length (LE), <= GT_RPC_MAX_BODY
 *
 * Bodies are little-endian, integers as LEB128 varints (signed ones
 * zigzag), byte strings as uvarint length + bytes; batches in the binary
 * form of gt_batch_encode (columnar: time index, fields, validity
 * bitmaps, strings as lengths + bytes).  A request gets one reply frame:
 * OK (with the op's result, if any) or ERROR (status code + message); a
 * scan gets BATCH frames then END, or ERROR in their place.
 *
 * This module only packs and unpacks bytes and moves whole frames over
 * a file descriptor; it never trusts a length from the wire: each is
 * checked against its ceiling and the bytes left before anything is
 * allocated.  Thread safety: the functions share no state.
 */
#ifndef GT_RPC_H
#define GT_RPC_H

#include "region_client.h"

#define GT_RPC_MAGIC "GTRP"
#define GT_RPC_VERSION 1
#define GT_RPC_HDR 16
#define GT_RPC_MAX_BODY ((size_t)64 << 20)   /* 64 MiB */
#define GT_RPC_MAX_MSG 4096                  /* error message bytes */

enum gt_rpc_op {
	GT_RPC_CREATE = 1,
	GT_RPC_OPEN = 2,
	GT_RPC_CLOSE = 3,
	GT_RPC_DROP = 4,
	GT_RPC_WRITE = 5,
	GT_RPC_SCAN = 6,
	GT_RPC_FLUSH = 7,
	GT_RPC_COMPACT = 8,
	GT_RPC_ALTER = 9,
	GT_RPC_TRUNCATE = 10,
	GT_RPC_TRUNCATE_FILES = 11,
	GT_RPC_STATS = 12,
	GT_RPC_AGGREGATE = 13,
	GT_RPC_OP_MAX = 13,
	/* replies */
	GT_RPC_OK = 64,
	GT_RPC_ERROR = 65,
	GT_RPC_BATCH = 66,
	GT_RPC_END = 67,
};

/* The op's name ("write"), or NULL for an unknown op. */
const char *gt_rpc_op_name(unsigned op);

struct gt_rpc_hdr {
	uint8_t version, op;
	uint32_t id, len;
};

/*
 * Check a header image (GT_RPC_HDR bytes): magic, version, reserved bits,
 * op and body length against max (0 = GT_RPC_MAX_BODY).  GT_ECORRUPT,
 * GT_EUNSUPP (another version) or GT_ETOOBIG, with a message.
 */
int gt_rpc_hdr_decode(struct gt_rpc_hdr *h, const void *p, size_t max, struct gt_err *err);

/*
 * A request.  Encoding reads the members its op uses (borrowed);
 * decoding fills them with pointers into storage the request owns, which
 * gt_rpc_req_release() frees.  A zeroed struct is empty.
 */
struct gt_rpc_req_store;
struct gt_rpc_req {
	uint8_t op;
	uint64_t region_id;
	const char *dir;                    /* create, open */
	const struct gt_schema *schema;     /* create, alter */
	const struct gt_batch *batch;       /* write */
	const struct gt_scan_req *scan;     /* scan */
	struct gt_compact_opts compact;     /* compact */
	const int64_t *ranges;              /* truncate_files: 2 * nranges */
	uint32_t nranges;
	const void *plan;                   /* aggregate: the plan (agg.h) */
	size_t plan_len;
	struct gt_rpc_req_store *own;
};

/* Append a whole request frame to out. GT_ETOOBIG if over the body limit. */
int gt_rpc_req_encode(struct gt_buf *out, uint32_t id, const struct gt_rpc_req *r, struct gt_err *err);
/* Decode a request body of op h_op; r is zeroed first. */
int gt_rpc_req_decode(struct gt_rpc_req *r, unsigned op, const void *p, size_t n, struct gt_err *err);
void gt_rpc_req_release(struct gt_rpc_req *r);

/* The result an OK reply carries (compact, stats, aggregate; nothing for the others). */
struct gt_rpc_result {
	struct gt_compact_report compact;
	struct gt_region_stats stats;
	const void *partial;                /* aggregate: the partial (agg.h), the whole body */
	size_t partial_len;
};
int gt_rpc_ok_encode(struct gt_buf *out, uint32_t id, unsigned op, const struct gt_rpc_result *res);
int gt_rpc_ok_decode(struct gt_rpc_result *res, unsigned op, const void *p, size_t n, struct gt_err *err);

/* ERROR: svarint code (a GT_E* value) | bytes message. */
int gt_rpc_error_encode(struct gt_buf *out, uint32_t id, int code, const char *msg);
/* Decodes into err and returns the (negative) code it carries. */
int gt_rpc_error_decode(const void *p, size_t n, struct gt_err *err);

int gt_rpc_end_encode(struct gt_buf *out, uint32_t id);

/*
 * Scan series keys on the wire: series ordinals are dense, given in the
 * order of first appearance, and each BATCH frame first lists the keys
 * of the ordinals it introduces.  The sender maps its stream's ordinals
 * to wire ordinals; the receiver keeps every key it was sent.
 */
struct gt_rpc_keys {
	uint32_t n, cap;
	uint32_t *off;          /* receiver: n + 1 offsets into bytes */
	struct gt_buf bytes;
	uint32_t *map, mapcap;  /* sender: stream sid -> wire sid + 1 (0 = not sent) */
};
void gt_rpc_keys_release(struct gt_rpc_keys *k);
const void *gt_rpc_keys_get(const struct gt_rpc_keys *k, uint32_t sid, size_t *len);

/*
 * BATCH body:
 *   uvarint nnew | nnew x bytes key | bytes batch (gt_batch_encode, no
 *   key table) | u8 flags (1 = seq) | nrows x uvarint sid | [nrows x uvarint seq]
 * key(ctx, sid) gives the stream's key of a stream ordinal.
 */
int gt_rpc_batch_encode(struct gt_buf *out, uint32_t id, const struct gt_batch *b, struct gt_rpc_keys *sent,
			const void *(*key)(void *ctx, uint32_t sid, size_t *len), void *ctx);
/* Decode into an initialised, empty batch; keys gains the new keys. */
int gt_rpc_batch_decode(struct gt_batch *b, struct gt_rpc_keys *keys, const void *p, size_t n,
			struct gt_err *err);

/*
 * Moving frames.  Read one frame from fd: *h gets its header, body its
 * body (body->max bounds it too).  Each read waits at most timeout_ms for
 * bytes (< 0 = forever).  GT_ECLOSED on a clean end of stream before a
 * header, GT_EIO on errors and timeouts, and the header's codes.
 */
int gt_rpc_read(int fd, struct gt_rpc_hdr *h, struct gt_buf *body, int timeout_ms, struct gt_err *err);
/* Write n bytes, waiting at most timeout_ms for room each time. */
int gt_rpc_write(int fd, const void *p, size_t n, int timeout_ms, struct gt_err *err);

#endif
