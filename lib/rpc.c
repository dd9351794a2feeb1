/* rpc.c - the region RPC wire format: frames, request and reply bodies (rpc.h, gt-rpc.5). */
#include "rpc.h"
#include "codec.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_DIR 4096
#define MAX_SCHEMA ((size_t)16 << 20)
#define MAX_FIELDS GT_MAX_COLUMNS
#define MAX_PREDS 4096
#define MAX_VALS (1u << 20)
#define MAX_RANGES (1u << 20)
#define MAX_KEY (1u << 20)

static const char *const op_names[] = {
	[GT_RPC_CREATE] = "create", [GT_RPC_OPEN] = "open", [GT_RPC_CLOSE] = "close",
	[GT_RPC_DROP] = "drop", [GT_RPC_WRITE] = "write", [GT_RPC_SCAN] = "scan",
	[GT_RPC_FLUSH] = "flush", [GT_RPC_COMPACT] = "compact", [GT_RPC_ALTER] = "alter",
	[GT_RPC_TRUNCATE] = "truncate", [GT_RPC_TRUNCATE_FILES] = "truncate_files",
	[GT_RPC_STATS] = "stats", [GT_RPC_AGGREGATE] = "aggregate",
};

const char *gt_rpc_op_name(unsigned op)
{
	switch (op) {
	case GT_RPC_OK: return "ok";
	case GT_RPC_ERROR: return "error";
	case GT_RPC_BATCH: return "batch";
	case GT_RPC_END: return "end";
	}
	return op >= 1 && op <= GT_RPC_OP_MAX ? op_names[op] : NULL;
}

/* ---------------------------------------------------------------- */
/* Frames */

int gt_rpc_hdr_decode(struct gt_rpc_hdr *h, const void *p, size_t max, struct gt_err *err)
{
	const uint8_t *b = p;
	if (!max)
		max = GT_RPC_MAX_BODY;
	if (memcmp(b, GT_RPC_MAGIC, 4))
		return gt_errf(err, GT_ECORRUPT, "rpc: bad frame magic");
	h->version = b[4];
	h->op = b[5];
	h->id = gt_get_le32(b + 8);
	h->len = gt_get_le32(b + 12);
	if (h->version != GT_RPC_VERSION)
		return gt_errf(err, GT_EUNSUPP, "rpc: frame version %u, this build speaks %u", h->version,
			       GT_RPC_VERSION);
	if (gt_get_le16(b + 6))
		return gt_errf(err, GT_ECORRUPT, "rpc: reserved header bits set");
	if (!gt_rpc_op_name(h->op))
		return gt_errf(err, GT_ECORRUPT, "rpc: unknown op %u", h->op);
	if (h->len > max)
		return gt_errf(err, GT_ETOOBIG, "rpc: %s frame of %u bytes is over the limit of %zu",
			       gt_rpc_op_name(h->op), h->len, max);
	return 0;
}

/* Start a frame: the header with a length patched by end(). */
static size_t begin(struct gt_buf *out, unsigned op, uint32_t id)
{
	uint8_t h[GT_RPC_HDR] = {0};
	memcpy(h, GT_RPC_MAGIC, 4);
	h[4] = GT_RPC_VERSION;
	h[5] = (uint8_t)op;
	gt_put_le32(h + 8, id);
	if (gt_buf_add(out, h, sizeof(h)))
		return SIZE_MAX;
	return out->len;
}

static int end(struct gt_buf *out, size_t start, int rc)
{
	size_t n;
	if (start == SIZE_MAX)
		return GT_ENOMEM;
	if (rc)
		return rc;
	n = out->len - start;
	if (n > GT_RPC_MAX_BODY)
		return GT_ETOOBIG;
	gt_put_le32((uint8_t *)out->p + start - 4, (uint32_t)n);
	return 0;
}

static int add_schema(struct gt_buf *out, const struct gt_schema *s)
{
	json_t *j = gt_schema_to_json(s);
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = t ? gt_buf_bytes(out, t, strlen(t)) : GT_ENOMEM;
	free(t);
	json_decref(j);
	return rc;
}

static int add_str(struct gt_buf *out, const char *s)
{
	return gt_buf_bytes(out, s ? s : "", s ? strlen(s) : 0);
}

static int add_scan(struct gt_buf *out, const struct gt_scan_req *q)
{
	int rc = 0;
	rc |= gt_buf_svarint(out, q->start);
	rc |= gt_buf_svarint(out, q->end);
	rc |= gt_buf_addch(out, (q->field_ids ? 1 : 0) | (q->with_seq ? 2 : 0) | (q->tail ? 4 : 0));
	rc |= gt_buf_uvarint(out, q->batch_rows);
	if (q->field_ids) {
		rc |= gt_buf_uvarint(out, q->nfields);
		for (uint32_t i = 0; i < q->nfields; i++)
			rc |= gt_buf_uvarint(out, q->field_ids[i]);
	}
	rc |= gt_buf_uvarint(out, q->npreds);
	for (uint32_t i = 0; i < q->npreds && !rc; i++) {
		const struct gt_tag_pred *p = &q->preds[i];
		rc |= gt_buf_uvarint(out, p->tag);
		rc |= gt_buf_addch(out, p->op);
		rc |= gt_buf_uvarint(out, p->nvals);
		for (uint32_t k = 0; k < p->nvals; k++)
			rc |= add_str(out, p->vals[k]);
	}
	return rc ? GT_ENOMEM : 0;
}

int gt_rpc_req_encode(struct gt_buf *out, uint32_t id, const struct gt_rpc_req *r, struct gt_err *err)
{
	size_t start = begin(out, r->op, id);
	int rc = 0;

	if (start == SIZE_MAX)
		return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
	rc |= gt_buf_le64(out, r->region_id);
	switch (r->op) {
	case GT_RPC_CREATE:
		rc |= add_str(out, r->dir);
		rc |= add_schema(out, r->schema);
		break;
	case GT_RPC_OPEN:
		rc |= add_str(out, r->dir);
		break;
	case GT_RPC_ALTER:
		rc |= add_schema(out, r->schema);
		break;
	case GT_RPC_WRITE:
		rc |= gt_batch_encode(r->batch, out);
		break;
	case GT_RPC_SCAN:
		rc |= add_scan(out, r->scan);
		break;
	case GT_RPC_AGGREGATE:
		rc |= gt_buf_bytes(out, r->plan, r->plan_len);
		break;
	case GT_RPC_COMPACT:
		rc |= gt_buf_addch(out, r->compact.force ? 1 : 0);
		rc |= gt_buf_svarint(out, r->compact.now_ms);
		break;
	case GT_RPC_TRUNCATE_FILES:
		rc |= gt_buf_uvarint(out, r->nranges);
		for (uint32_t i = 0; i < 2 * r->nranges; i++)
			rc |= gt_buf_svarint(out, r->ranges[i]);
		break;
	case GT_RPC_CLOSE: case GT_RPC_DROP: case GT_RPC_FLUSH: case GT_RPC_TRUNCATE: case GT_RPC_STATS:
		break;
	default:
		return gt_errf(err, GT_EINVAL, "rpc: cannot send op %u", r->op);
	}
	if (rc)
		rc = GT_ENOMEM;
	rc = end(out, start, rc);
	if (rc == GT_ETOOBIG)
		return gt_errf(err, rc, "rpc: %s request of %zu bytes is over the frame limit of %zu",
			       gt_rpc_op_name(r->op), out->len - start, GT_RPC_MAX_BODY);
	return rc ? gt_errf(err, rc, "rpc: out of memory") : 0;
}

/* ---------------------------------------------------------------- */
/* Request decoding */

struct gt_rpc_req_store {
	char *dir;
	struct gt_schema schema;
	bool has_schema;
	struct gt_batch batch;
	struct gt_scan_req scan;
	uint32_t *fields;
	struct gt_tag_pred *preds;
	uint32_t npreds;
	int64_t *ranges;
	void *plan;
};

void gt_rpc_req_release(struct gt_rpc_req *r)
{
	struct gt_rpc_req_store *s = r->own;
	if (s) {
		free(s->dir);
		if (s->has_schema)
			gt_schema_release(&s->schema);
		gt_batch_release(&s->batch);
		free(s->fields);
		for (uint32_t i = 0; i < s->npreds; i++) {
			for (uint32_t k = 0; k < s->preds[i].nvals; k++)
				free((char *)s->preds[i].vals[k]);
			free((void *)s->preds[i].vals);
		}
		free(s->preds);
		free(s->ranges);
		free(s->plan);
		free(s);
	}
	memset(r, 0, sizeof(*r));
}

static char *take_str(struct gt_rd *rd, size_t max)
{
	size_t n;
	const char *p = gt_rd_bytes(rd, max, &n);
	if (!p || memchr(p, 0, n))
		return NULL;
	return gt_strndup(p, n);
}

static int take_schema(struct gt_rd *rd, struct gt_rpc_req_store *s, struct gt_err *err)
{
	size_t n;
	const char *p = gt_rd_bytes(rd, MAX_SCHEMA, &n);
	json_error_t je;
	json_t *j, *cols;
	int rc;

	if (!p)
		return gt_errf(err, GT_ECORRUPT, "rpc: truncated schema");
	if (!(j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je)))
		return gt_errf(err, GT_ECORRUPT, "rpc: schema: %s", je.text);
	/* gt_schema_to_json writes "default": null, gt_schema_from_json wants it absent. */
	cols = json_object_get(j, "columns");
	for (size_t i = 0; i < json_array_size(cols); i++) {
		json_t *c = json_array_get(cols, i);
		if (json_is_object(c) && json_is_null(json_object_get(c, "default")))
			json_object_del(c, "default");
	}
	rc = gt_schema_from_json(&s->schema, j, err);
	json_decref(j);
	if (rc)
		return gt_err_prefix(err, "rpc: schema");
	s->has_schema = true;
	return 0;
}

static int take_scan(struct gt_rd *rd, struct gt_rpc_req_store *s, struct gt_err *err)
{
	struct gt_scan_req *q = &s->scan;
	uint8_t flags;
	uint64_t n;

	q->start = gt_rd_svarint(rd);
	q->end = gt_rd_svarint(rd);
	flags = gt_rd_u8(rd);
	n = gt_rd_uvarint(rd);
	if (rd->bad || flags > 7 || n > UINT32_MAX)
		return gt_errf(err, GT_ECORRUPT, "rpc: bad scan request");
	q->batch_rows = (uint32_t)n;
	q->with_seq = flags & 2;
	q->tail = flags & 4;
	if (flags & 1) {
		n = gt_rd_uvarint(rd);
		if (rd->bad || n > MAX_FIELDS || n > gt_rd_left(rd))
			return gt_errf(err, GT_ECORRUPT, "rpc: bad scan field count");
		if (!(s->fields = gt_calloc(n ? n : 1, sizeof(uint32_t))))
			return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
		for (uint64_t i = 0; i < n; i++) {
			uint64_t f = gt_rd_uvarint(rd);
			if (f > UINT32_MAX)
				rd->bad = 1;
			s->fields[i] = (uint32_t)f;
		}
		q->field_ids = s->fields;
		q->nfields = (uint32_t)n;
	}
	n = gt_rd_uvarint(rd);
	if (rd->bad || n > MAX_PREDS || n > gt_rd_left(rd))
		return gt_errf(err, GT_ECORRUPT, "rpc: bad scan predicate count");
	if (n && !(s->preds = gt_calloc(n, sizeof(*s->preds))))
		return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
	for (uint64_t i = 0; i < n; i++) {
		struct gt_tag_pred *p = &s->preds[i];
		uint64_t tag = gt_rd_uvarint(rd), nvals;
		char **vals;
		p->op = gt_rd_u8(rd);
		nvals = gt_rd_uvarint(rd);
		if (rd->bad || tag > UINT32_MAX || p->op < GT_PRED_EQ || p->op > GT_PRED_NOT_NULL ||
		    nvals > MAX_VALS || nvals > gt_rd_left(rd))
			return gt_errf(err, GT_ECORRUPT, "rpc: bad scan predicate %llu", (unsigned long long)i);
		p->tag = (uint32_t)tag;
		if (!(vals = gt_calloc(nvals ? nvals : 1, sizeof(char *))))
			return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
		p->vals = (const char *const *)vals;
		s->npreds = (uint32_t)i + 1;
		for (uint64_t k = 0; k < nvals; k++) {
			if (!(vals[k] = take_str(rd, MAX_KEY)))
				return gt_errf(err, GT_ECORRUPT, "rpc: bad value in scan predicate %llu",
					       (unsigned long long)i);
			p->nvals = (uint32_t)k + 1;
		}
	}
	if (rd->bad)
		return gt_errf(err, GT_ECORRUPT, "rpc: truncated scan request");
	q->preds = s->preds;
	q->npreds = s->npreds;
	return 0;
}

int gt_rpc_req_decode(struct gt_rpc_req *r, unsigned op, const void *p, size_t n, struct gt_err *err)
{
	struct gt_rpc_req_store *s;
	struct gt_rd rd;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (op < 1 || op > GT_RPC_OP_MAX)
		return gt_errf(err, GT_ECORRUPT, "rpc: op %u is not a request", op);
	if (!(s = gt_calloc(1, sizeof(*s))))
		return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
	gt_batch_init(&s->batch);
	r->own = s;
	r->op = (uint8_t)op;
	gt_rd_init(&rd, p, n);
	r->region_id = gt_rd_le64(&rd);
	if (rd.bad)
		return gt_errf(err, GT_ECORRUPT, "rpc: %s request without a region id", gt_rpc_op_name(op));
	switch (op) {
	case GT_RPC_CREATE:
	case GT_RPC_OPEN:
		if (!(s->dir = take_str(&rd, MAX_DIR)))
			return gt_errf(err, GT_ECORRUPT, "rpc: bad region directory");
		r->dir = s->dir;
		if (op == GT_RPC_CREATE && (rc = take_schema(&rd, s, err)))
			return rc;
		break;
	case GT_RPC_ALTER:
		if ((rc = take_schema(&rd, s, err)))
			return rc;
		break;
	case GT_RPC_WRITE:
		if ((rc = gt_batch_decode(&s->batch, rd.p, gt_rd_left(&rd), err)))
			return gt_err_prefix(err, "rpc");
		rd.p = rd.end;
		r->batch = &s->batch;
		break;
	case GT_RPC_SCAN:
		if ((rc = take_scan(&rd, s, err)))
			return rc;
		r->scan = &s->scan;
		break;
	case GT_RPC_AGGREGATE: {
		size_t len;
		const void *b = gt_rd_bytes(&rd, GT_RPC_MAX_BODY, &len);
		if (!b)
			return gt_errf(err, GT_ECORRUPT, "rpc: bad aggregate plan");
		if (!(s->plan = gt_malloc(len ? len : 1)))
			return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
		memcpy(s->plan, b, len);
		r->plan = s->plan;
		r->plan_len = len;
		break;
	}
	case GT_RPC_COMPACT: {
		uint8_t force = gt_rd_u8(&rd);
		r->compact.now_ms = gt_rd_svarint(&rd);
		if (rd.bad || force > 1)
			return gt_errf(err, GT_ECORRUPT, "rpc: bad compact request");
		r->compact.force = force;
		break;
	}
	case GT_RPC_TRUNCATE_FILES: {
		uint64_t nr = gt_rd_uvarint(&rd);
		if (rd.bad || nr > MAX_RANGES || nr * 2 > gt_rd_left(&rd))
			return gt_errf(err, GT_ECORRUPT, "rpc: bad range count");
		if (!(s->ranges = gt_calloc(nr ? 2 * nr : 1, sizeof(int64_t))))
			return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
		for (uint64_t i = 0; i < 2 * nr; i++)
			s->ranges[i] = gt_rd_svarint(&rd);
		if (rd.bad)
			return gt_errf(err, GT_ECORRUPT, "rpc: truncated ranges");
		r->ranges = s->ranges;
		r->nranges = (uint32_t)nr;
		break;
	}
	default:
		break;
	}
	if (s->has_schema)
		r->schema = &s->schema;
	if (gt_rd_left(&rd))
		return gt_errf(err, GT_ECORRUPT, "rpc: %zu trailing bytes in a %s request", gt_rd_left(&rd),
			       gt_rpc_op_name(op));
	return 0;
}

/* ---------------------------------------------------------------- */
/* Replies */

int gt_rpc_ok_encode(struct gt_buf *out, uint32_t id, unsigned op, const struct gt_rpc_result *res)
{
	size_t start = begin(out, GT_RPC_OK, id);
	int rc = 0;
	if (op == GT_RPC_COMPACT) {
		const struct gt_compact_report *c = &res->compact;
		const uint64_t v[] = {c->windows, c->files_in, c->files_out, c->files_expired,
				      c->rows_in, c->rows_out, c->bytes_in, c->bytes_out};
		for (size_t i = 0; i < GT_ARRAY_LEN(v); i++)
			rc |= gt_buf_uvarint(out, v[i]);
		rc |= gt_buf_svarint(out, c->window);
	} else if (op == GT_RPC_AGGREGATE) {
		rc |= gt_buf_add(out, res->partial, res->partial_len);
	} else if (op == GT_RPC_STATS) {
		const struct gt_region_stats *s = &res->stats;
		const uint64_t v[] = {s->memtable_bytes, s->frozen, s->files, s->file_bytes, s->file_rows,
				      s->last_seq, s->flushed_seq, s->flushes, s->compactions, s->wal_bytes};
		for (size_t i = 0; i < GT_ARRAY_LEN(v); i++)
			rc |= gt_buf_uvarint(out, v[i]);
	}
	return end(out, start, rc ? GT_ENOMEM : 0);
}

int gt_rpc_ok_decode(struct gt_rpc_result *res, unsigned op, const void *p, size_t n, struct gt_err *err)
{
	struct gt_rd rd;
	memset(res, 0, sizeof(*res));
	gt_rd_init(&rd, p, n);
	if (op == GT_RPC_COMPACT) {
		struct gt_compact_report *c = &res->compact;
		uint64_t v[8];
		for (size_t i = 0; i < GT_ARRAY_LEN(v); i++)
			v[i] = gt_rd_uvarint(&rd);
		c->window = gt_rd_svarint(&rd);
		for (size_t i = 0; i < 4; i++)
			if (v[i] > UINT32_MAX)
				rd.bad = 1;
		c->windows = (uint32_t)v[0];
		c->files_in = (uint32_t)v[1];
		c->files_out = (uint32_t)v[2];
		c->files_expired = (uint32_t)v[3];
		c->rows_in = v[4];
		c->rows_out = v[5];
		c->bytes_in = v[6];
		c->bytes_out = v[7];
	} else if (op == GT_RPC_STATS) {
		struct gt_region_stats *s = &res->stats;
		uint64_t *v[] = {&s->memtable_bytes, &s->frozen, &s->files, &s->file_bytes, &s->file_rows,
				 &s->last_seq, &s->flushed_seq, &s->flushes, &s->compactions, &s->wal_bytes};
		for (size_t i = 0; i < GT_ARRAY_LEN(v); i++)
			*v[i] = gt_rd_uvarint(&rd);
	} else if (op == GT_RPC_AGGREGATE) {
		res->partial = p;
		res->partial_len = n;
		rd.p = rd.end;
	}
	if (rd.bad || gt_rd_left(&rd))
		return gt_errf(err, GT_ECORRUPT, "rpc: bad %s reply", gt_rpc_op_name(op));
	return 0;
}

int gt_rpc_error_encode(struct gt_buf *out, uint32_t id, int code, const char *msg)
{
	size_t start = begin(out, GT_RPC_ERROR, id);
	size_t n = msg ? strlen(msg) : 0;
	int rc = 0;
	if (code >= 0)
		code = GT_EIO;
	rc |= gt_buf_svarint(out, code);
	rc |= gt_buf_bytes(out, msg ? msg : "", GT_MIN(n, GT_RPC_MAX_MSG));
	return end(out, start, rc ? GT_ENOMEM : 0);
}

int gt_rpc_error_decode(const void *p, size_t n, struct gt_err *err)
{
	struct gt_rd rd;
	int64_t code;
	const char *msg;
	size_t len;

	gt_rd_init(&rd, p, n);
	code = gt_rd_svarint(&rd);
	msg = gt_rd_bytes(&rd, GT_RPC_MAX_MSG, &len);
	if (rd.bad || !msg || gt_rd_left(&rd) || code >= 0 || code < -1000)
		return gt_errf(err, GT_ECORRUPT, "rpc: bad error reply");
	/* a message is text: stop at a NUL */
	len = strnlen(msg, len);
	return gt_errf(err, (int)code, "%.*s", (int)len, msg);
}

int gt_rpc_end_encode(struct gt_buf *out, uint32_t id)
{
	return end(out, begin(out, GT_RPC_END, id), 0);
}

/* ---------------------------------------------------------------- */
/* Scan batches and their series keys */

void gt_rpc_keys_release(struct gt_rpc_keys *k)
{
	free(k->off);
	free(k->map);
	gt_buf_release(&k->bytes);
	memset(k, 0, sizeof(*k));
}

const void *gt_rpc_keys_get(const struct gt_rpc_keys *k, uint32_t sid, size_t *len)
{
	if (sid >= k->n) {
		*len = 0;
		return "";
	}
	*len = k->off[sid + 1] - k->off[sid];
	return k->bytes.p + k->off[sid];
}

int gt_rpc_batch_encode(struct gt_buf *out, uint32_t id, const struct gt_batch *b, struct gt_rpc_keys *sent,
			const void *(*key)(void *ctx, uint32_t sid, size_t *len), void *ctx)
{
	size_t start = begin(out, GT_RPC_BATCH, id);
	uint32_t first = sent->n, nnew = 0;
	struct gt_batch view = *b;
	int rc = 0;

	if (start == SIZE_MAX)
		return GT_ENOMEM;
	/* Give wire ordinals to the stream ordinals seen for the first time. */
	for (uint32_t i = 0; i < b->nrows && b->sid; i++) {
		uint32_t s = b->sid[i];
		if (s >= sent->mapcap) {
			uint32_t cap = GT_MAX(s + 1, sent->mapcap * 2);
			uint32_t *m = gt_reallocarray(sent->map, cap, sizeof(*m));
			if (!m)
				return GT_ENOMEM;
			memset(m + sent->mapcap, 0, (size_t)(cap - sent->mapcap) * sizeof(*m));
			sent->map = m;
			sent->mapcap = cap;
		}
		if (!sent->map[s]) {
			sent->map[s] = ++sent->n;
			nnew++;
		}
	}
	rc |= gt_buf_uvarint(out, nnew);
	if (nnew) {
		/* the new ordinals in wire order: find each one's stream ordinal */
		uint32_t k = first;
		for (uint32_t i = 0; i < b->nrows && k < first + nnew; i++) {
			uint32_t s = b->sid[i];
			if (sent->map[s] == k + 1) {
				size_t len;
				const void *kp = key(ctx, s, &len);
				rc |= gt_buf_bytes(out, kp, len);
				k++;
			}
		}
	}
	/* the columns without the key table (sids follow) */
	view.has_keys = false;
	{
		struct gt_buf tmp = {0};
		rc |= gt_batch_encode(&view, &tmp);
		rc |= gt_buf_bytes(out, tmp.p, tmp.len);
		gt_buf_release(&tmp);
	}
	rc |= gt_buf_addch(out, b->seq ? 1 : 0);
	for (uint32_t i = 0; i < b->nrows; i++)
		rc |= gt_buf_uvarint(out, b->sid ? sent->map[b->sid[i]] - 1 : 0);
	for (uint32_t i = 0; i < b->nrows && b->seq; i++)
		rc |= gt_buf_uvarint(out, b->seq[i]);
	return end(out, start, rc ? (rc == GT_ETOOBIG ? rc : GT_ENOMEM) : 0);
}

static int keys_add(struct gt_rpc_keys *k, const void *p, size_t len)
{
	if (k->n + 2 > k->cap) {
		uint32_t cap = k->cap ? k->cap * 2 : 64;
		uint32_t *o = gt_reallocarray(k->off, cap, sizeof(*o));
		if (!o)
			return GT_ENOMEM;
		k->off = o;
		k->cap = cap;
	}
	if (!k->n)
		k->off[0] = 0;
	if (k->bytes.len + len > UINT32_MAX || gt_buf_add(&k->bytes, p, len))
		return GT_ENOMEM;
	k->off[++k->n] = (uint32_t)k->bytes.len;
	return 0;
}

int gt_rpc_batch_decode(struct gt_batch *b, struct gt_rpc_keys *keys, const void *p, size_t n,
			struct gt_err *err)
{
	struct gt_rd rd;
	uint64_t nnew;
	const void *bp;
	size_t blen;
	uint8_t flags;
	int rc;

	gt_rd_init(&rd, p, n);
	nnew = gt_rd_uvarint(&rd);
	if (rd.bad || nnew > gt_rd_left(&rd))
		return gt_errf(err, GT_ECORRUPT, "rpc: bad key count in a batch");
	for (uint64_t i = 0; i < nnew; i++) {
		size_t klen;
		const void *kp = gt_rd_bytes(&rd, MAX_KEY, &klen);
		if (!kp)
			return gt_errf(err, GT_ECORRUPT, "rpc: truncated series key");
		if (keys->n >= UINT32_MAX - 2 || (rc = keys_add(keys, kp, klen)))
			return gt_errf(err, GT_ENOMEM, "rpc: out of memory");
	}
	if (!(bp = gt_rd_bytes(&rd, n, &blen)))
		return gt_errf(err, GT_ECORRUPT, "rpc: truncated batch");
	if ((rc = gt_batch_decode(b, bp, blen, err)))
		return gt_err_prefix(err, "rpc");
	if (b->has_keys)
		return gt_errf(err, GT_ECORRUPT, "rpc: a scan batch carries no key table");
	flags = gt_rd_u8(&rd);
	if (rd.bad || flags > 1 || b->nrows > gt_rd_left(&rd))
		return gt_errf(err, GT_ECORRUPT, "rpc: bad batch series");
	if ((rc = gt_batch_reserve_meta(b, b->nrows, flags & 1, false, true)))
		return gt_errf(err, rc, "rpc: out of memory");
	for (uint32_t i = 0; i < b->nrows; i++) {
		uint64_t sid = gt_rd_uvarint(&rd);
		if (rd.bad || sid >= keys->n)
			return gt_errf(err, GT_ECORRUPT, "rpc: row %u names series %llu of %u", i,
				       (unsigned long long)sid, keys->n);
		b->sid[i] = (uint32_t)sid;
	}
	for (uint32_t i = 0; i < b->nrows && (flags & 1); i++)
		b->seq[i] = gt_rd_uvarint(&rd);
	if (rd.bad || gt_rd_left(&rd))
		return gt_errf(err, GT_ECORRUPT, "rpc: bad batch tail");
	return 0;
}

/* ---------------------------------------------------------------- */
/* Moving frames over a descriptor */

static int wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int rc;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc;
}

/* Read exactly n bytes: 0, 1 on a clean EOF before the first byte, or GT_EIO. */
static int read_full(int fd, void *buf, size_t n, int timeout_ms, struct gt_err *err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r;
		int w = wait_fd(fd, POLLIN, timeout_ms);
		if (w == 0)
			return gt_errf(err, GT_EIO, "timed out after %d ms", timeout_ms);
		if (w < 0)
			return gt_errf(err, GT_EIO, "%s", strerror(errno));
		r = recv(fd, (char *)buf + got, n - got, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return gt_errf(err, GT_EIO, "%s", strerror(errno));
		if (r == 0)
			return got ? gt_errf(err, GT_EIO, "connection closed in the middle of a frame") : 1;
		got += (size_t)r;
	}
	return 0;
}

int gt_rpc_read(int fd, struct gt_rpc_hdr *h, struct gt_buf *body, int timeout_ms, struct gt_err *err)
{
	uint8_t hb[GT_RPC_HDR];
	int rc = read_full(fd, hb, sizeof(hb), timeout_ms, err);
	size_t max = body->max ? GT_MIN(body->max, GT_RPC_MAX_BODY) : GT_RPC_MAX_BODY;

	if (rc == 1)
		return gt_errf(err, GT_ECLOSED, "connection closed");
	if (rc)
		return rc;
	if ((rc = gt_rpc_hdr_decode(h, hb, max, err)))
		return rc;
	gt_buf_reset(body);
	if ((rc = gt_buf_grow(body, h->len)))
		return gt_errf(err, rc, "rpc: no room for a %u-byte frame", h->len);
	rc = read_full(fd, body->p, h->len, timeout_ms, err);
	if (rc == 1)
		return gt_errf(err, GT_EIO, "connection closed after a frame header");
	if (rc)
		return rc;
	body->len = h->len;
	body->p[body->len] = 0;
	return 0;
}

int gt_rpc_write(int fd, const void *p, size_t n, int timeout_ms, struct gt_err *err)
{
	size_t put = 0;
	while (put < n) {
		ssize_t w;
		int rc = wait_fd(fd, POLLOUT, timeout_ms);
		if (rc == 0)
			return gt_errf(err, GT_EIO, "timed out after %d ms", timeout_ms);
		if (rc < 0)
			return gt_errf(err, GT_EIO, "%s", strerror(errno));
		w = send(fd, (const char *)p + put, n - put, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0)
			return gt_errf(err, GT_EIO, "%s", strerror(errno));
		put += (size_t)w;
	}
	return 0;
}
