/*
 * test-rpc.c - the region RPC wire format (rpc.h, gt-rpc.5): every op's
 * request round-trips through encode and decode, replies and scan batches
 * with their series keys do too, and truncated, oversized, wrong-version
 * and damaged frames are refused with a message, never read past.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "codec.h"
#include "rpc.h"
#include "tap.h"

static struct gt_schema schema;

static void make_schema(void)
{
	struct gt_err err = {0};
	gt_schema_add(&schema, "host", GT_STRING, GT_TAG, 0, &err);
	gt_schema_add(&schema, "ts", GT_TS, GT_TIME, GT_UNIT_MS, &err);
	gt_schema_add(&schema, "v", GT_F64, GT_FIELD, 0, &err);
	gt_schema_add(&schema, "s", GT_STRING, GT_FIELD, 0, &err);
	schema.version = 3;
}

/* Encode r, check the header, decode the body into out. */
static int round_trip(const struct gt_rpc_req *r, struct gt_rpc_req *out, struct gt_buf *frame)
{
	struct gt_err err = {0};
	struct gt_rpc_hdr h;
	int rc;
	gt_buf_reset(frame);
	if ((rc = gt_rpc_req_encode(frame, 77, r, &err)))
		return rc;
	if ((rc = gt_rpc_hdr_decode(&h, frame->p, 0, &err)))
		return rc;
	if (h.op != r->op || h.id != 77 || h.len != frame->len - GT_RPC_HDR)
		return GT_ECORRUPT;
	rc = gt_rpc_req_decode(out, h.op, frame->p + GT_RPC_HDR, h.len, &err);
	if (rc)
		printf("# %s\n", err.msg);
	return rc;
}

/* Every strict prefix of the body must be refused. */
static int prefixes_refused(const struct gt_buf *frame)
{
	size_t n = frame->len - GT_RPC_HDR;
	for (size_t k = 0; k < n; k++) {
		struct gt_err err = {0};
		struct gt_rpc_req q;
		/* a copy of exactly k bytes so that ASan sees any read past it */
		char *p = malloc(k ? k : 1);
		int rc;
		memcpy(p, frame->p + GT_RPC_HDR, k);
		rc = gt_rpc_req_decode(&q, (uint8_t)frame->p[5], p, k, &err);
		gt_rpc_req_release(&q);
		free(p);
		if (rc != GT_ECORRUPT || strncmp(err.msg, "rpc: ", 5))
			return 0;
	}
	return 1;
}

static void test_simple_ops(void)
{
	static const uint8_t ops[] = {GT_RPC_OPEN, GT_RPC_CLOSE, GT_RPC_DROP, GT_RPC_FLUSH, GT_RPC_TRUNCATE,
				      GT_RPC_STATS};
	struct gt_buf f = {0};
	for (size_t i = 0; i < GT_ARRAY_LEN(ops); i++) {
		struct gt_rpc_req r = {.op = ops[i], .region_id = GT_REGION_ID(1024, 3), .dir = "data/public/x"};
		struct gt_rpc_req q;
		int rc = round_trip(&r, &q, &f);
		ok(!rc && q.op == ops[i] && q.region_id == r.region_id &&
		   (ops[i] != GT_RPC_OPEN || !strcmp(q.dir, "data/public/x")),
		   "%s round-trips", gt_rpc_op_name(ops[i]));
		ok(prefixes_refused(&f), "%s: every truncated body is refused", gt_rpc_op_name(ops[i]));
		gt_rpc_req_release(&q);
	}
	gt_buf_release(&f);
}

static void test_create_alter(void)
{
	struct gt_buf f = {0};
	struct gt_rpc_req r = {.op = GT_RPC_CREATE, .region_id = 5, .dir = "d/5", .schema = &schema};
	struct gt_rpc_req q;
	int rc = round_trip(&r, &q, &f);
	ok(!rc && !strcmp(q.dir, "d/5") && q.schema && q.schema->ncols == 4 && q.schema->version == 3 &&
	   !strcmp(q.schema->cols[3].name, "s") && q.schema->cols[1].sem == GT_TIME &&
	   q.schema->cols[1].unit == GT_UNIT_MS, "create carries dir and schema");
	ok(prefixes_refused(&f), "create: every truncated body is refused");
	gt_rpc_req_release(&q);
	r.op = GT_RPC_ALTER;
	rc = round_trip(&r, &q, &f);
	ok(!rc && q.schema && q.schema->ncols == 4, "alter carries the schema");
	gt_rpc_req_release(&q);
	gt_buf_release(&f);
}

static void fill_batch(struct gt_batch *b, bool keys)
{
	gt_batch_init(b);
	gt_batch_add_col(b, 2, GT_TS);
	gt_batch_add_col(b, 3, GT_F64);
	gt_batch_add_col(b, 4, GT_STRING);
	for (int i = 0; i < 5; i++) {
		gt_vec_push_i64(&b->cols[0], 1000 + i);
		if (i == 2)
			gt_vec_push_null(&b->cols[1]);
		else
			gt_vec_push_f64(&b->cols[1], i * 1.5);
		gt_vec_push_str(&b->cols[2], i == 4 ? "" : "abc", i == 4 ? 0 : (size_t)i % 3 + 1);
	}
	b->nrows = 5;
	if (keys) {
		gt_batch_add_key(b, "ka", 2);
		gt_batch_add_key(b, "kb", 2);
		b->has_keys = true;
		gt_batch_reserve_meta(b, 5, false, false, true);
		for (int i = 0; i < 5; i++)
			b->sid[i] = (uint32_t)i & 1;
	}
}

static int same_cols(const struct gt_batch *a, const struct gt_batch *b)
{
	if (a->nrows != b->nrows || a->ncols != b->ncols)
		return 0;
	for (uint32_t i = 0; i < a->nrows; i++) {
		uint32_t l1, l2;
		const char *s1 = gt_vec_str(&a->cols[2], i, &l1), *s2 = gt_vec_str(&b->cols[2], i, &l2);
		if (a->cols[0].v.i64[i] != b->cols[0].v.i64[i] ||
		    gt_vec_is_null(&a->cols[1], i) != gt_vec_is_null(&b->cols[1], i) ||
		    (!gt_vec_is_null(&a->cols[1], i) && a->cols[1].v.f64[i] != b->cols[1].v.f64[i]) ||
		    l1 != l2 || memcmp(s1, s2, l1))
			return 0;
	}
	return 1;
}

static void test_write(void)
{
	struct gt_buf f = {0};
	struct gt_batch b;
	struct gt_rpc_req r = {.op = GT_RPC_WRITE, .region_id = 9}, q;
	int rc;
	fill_batch(&b, true);
	r.batch = &b;
	rc = round_trip(&r, &q, &f);
	ok(!rc && q.batch && same_cols(&b, q.batch) && q.batch->has_keys && q.batch->nkeys == 2 &&
	   q.batch->sid[3] == 1, "write carries a columnar batch with its series keys");
	ok(prefixes_refused(&f), "write: every truncated body is refused");
	gt_rpc_req_release(&q);
	gt_batch_release(&b);
	gt_buf_release(&f);
}

static void test_scan(void)
{
	struct gt_buf f = {0};
	static const uint32_t fields[] = {4, 3};
	static const char *const vals[] = {"a", "bb"};
	struct gt_tag_pred preds[] = {
		{.tag = 0, .op = GT_PRED_IN, .nvals = 2, .vals = vals},
		{.tag = 1, .op = GT_PRED_IS_NULL},
	};
	struct gt_scan_req s = {.start = -5, .end = INT64_MAX, .field_ids = fields, .nfields = 2, .preds = preds,
				.npreds = 2, .batch_rows = 100, .tail = true};
	struct gt_rpc_req r = {.op = GT_RPC_SCAN, .region_id = 1, .scan = &s}, q;
	int rc = round_trip(&r, &q, &f);
	ok(!rc && q.scan->start == -5 && q.scan->end == INT64_MAX && q.scan->nfields == 2 &&
	   q.scan->field_ids[0] == 4 && q.scan->npreds == 2 && q.scan->preds[0].op == GT_PRED_IN &&
	   q.scan->preds[0].nvals == 2 && !strcmp(q.scan->preds[0].vals[1], "bb") &&
	   q.scan->preds[1].op == GT_PRED_IS_NULL && q.scan->batch_rows == 100 && q.scan->tail &&
	   !q.scan->with_seq, "scan carries time range, projection and tag predicates");
	ok(prefixes_refused(&f), "scan: every truncated body is refused");
	gt_rpc_req_release(&q);
	s.field_ids = NULL;
	s.npreds = 0;
	rc = round_trip(&r, &q, &f);
	ok(!rc && !q.scan->field_ids && !q.scan->npreds, "scan without projection means every field");
	gt_rpc_req_release(&q);
	gt_buf_release(&f);
}

static void test_compact_truncate_files(void)
{
	struct gt_buf f = {0};
	static const int64_t ranges[] = {0, 10, INT64_MIN, -3};
	struct gt_rpc_req r = {.op = GT_RPC_COMPACT, .region_id = 2, .compact = {.force = true, .now_ms = 12345}}, q;
	struct gt_rpc_result res = {.compact = {.windows = 2, .files_in = 4, .rows_out = 99, .window = -7}}, back;
	struct gt_err err = {0};
	int rc = round_trip(&r, &q, &f);
	ok(!rc && q.compact.force && q.compact.now_ms == 12345, "compact carries its options");
	gt_rpc_req_release(&q);
	r = (struct gt_rpc_req){.op = GT_RPC_TRUNCATE_FILES, .region_id = 2, .ranges = ranges, .nranges = 2};
	rc = round_trip(&r, &q, &f);
	ok(!rc && q.nranges == 2 && q.ranges[2] == INT64_MIN && q.ranges[3] == -3, "truncate_files carries ranges");
	ok(prefixes_refused(&f), "truncate_files: every truncated body is refused");
	gt_rpc_req_release(&q);

	gt_buf_reset(&f);
	rc = gt_rpc_ok_encode(&f, 5, GT_RPC_COMPACT, &res);
	rc = rc ? rc : gt_rpc_ok_decode(&back, GT_RPC_COMPACT, f.p + GT_RPC_HDR, f.len - GT_RPC_HDR, &err);
	ok(!rc && back.compact.windows == 2 && back.compact.files_in == 4 && back.compact.rows_out == 99 &&
	   back.compact.window == -7, "the compact report round-trips");
	res.stats = (struct gt_region_stats){.memtable_bytes = 1, .files = 3, .wal_bytes = 1ull << 40};
	gt_buf_reset(&f);
	rc = gt_rpc_ok_encode(&f, 5, GT_RPC_STATS, &res);
	rc = rc ? rc : gt_rpc_ok_decode(&back, GT_RPC_STATS, f.p + GT_RPC_HDR, f.len - GT_RPC_HDR, &err);
	ok(!rc && back.stats.files == 3 && back.stats.wal_bytes == 1ull << 40, "region stats round-trip");
	rc = gt_rpc_ok_decode(&back, GT_RPC_STATS, f.p + GT_RPC_HDR, f.len - GT_RPC_HDR - 1, &err);
	ok(rc == GT_ECORRUPT, "a truncated stats reply is refused");
	gt_buf_release(&f);
}

static void test_errors(void)
{
	struct gt_buf f = {0};
	struct gt_err err = {0};
	struct gt_rpc_hdr h;
	int rc;
	gt_rpc_error_encode(&f, 9, GT_ENOTFOUND, "region 5 is not open");
	rc = gt_rpc_hdr_decode(&h, f.p, 0, &err);
	ok(!rc && h.op == GT_RPC_ERROR && h.id == 9, "an error frame has its header");
	rc = gt_rpc_error_decode(f.p + GT_RPC_HDR, h.len, &err);
	ok(rc == GT_ENOTFOUND && !strcmp(err.msg, "region 5 is not open"), "status code and message travel");
	rc = gt_rpc_error_decode(f.p + GT_RPC_HDR, h.len - 1, &err);
	ok(rc == GT_ECORRUPT, "a truncated error frame is refused");

	f.p[4] = 2;
	rc = gt_rpc_hdr_decode(&h, f.p, 0, &err);
	ok(rc == GT_EUNSUPP && strstr(err.msg, "version 2"), "another version is refused: %s", err.msg);
	f.p[4] = 1;
	f.p[0] = 'X';
	ok(gt_rpc_hdr_decode(&h, f.p, 0, &err) == GT_ECORRUPT, "bad magic is refused");
	f.p[0] = 'G';
	f.p[5] = 99;
	ok(gt_rpc_hdr_decode(&h, f.p, 0, &err) == GT_ECORRUPT && strstr(err.msg, "unknown op 99"),
	   "an unknown op is refused");
	f.p[5] = GT_RPC_WRITE;
	gt_put_le32((uint8_t *)f.p + 12, (uint32_t)GT_RPC_MAX_BODY + 1);
	rc = gt_rpc_hdr_decode(&h, f.p, 0, &err);
	ok(rc == GT_ETOOBIG && strstr(err.msg, "over the limit"), "an oversized length is refused: %s", err.msg);
	gt_put_le32((uint8_t *)f.p + 12, 100);
	ok(gt_rpc_hdr_decode(&h, f.p, 50, &err) == GT_ETOOBIG, "the caller's smaller limit holds");
	ok(gt_rpc_req_decode(&(struct gt_rpc_req){0}, GT_RPC_OK, "", 0, &err) == GT_ECORRUPT,
	   "a reply op is not a request");
	gt_buf_release(&f);
}

static const void *key_of(void *ctx, uint32_t sid, size_t *len)
{
	static const char *const keys[] = {"k0", "key1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"};
	*len = strlen(keys[sid]);
	return keys[sid];
}

static void test_batches(void)
{
	struct gt_rpc_keys sent = {0}, got = {0};
	struct gt_buf f = {0};
	struct gt_batch b, d;
	struct gt_err err = {0};
	size_t len;
	const char *k;
	int rc;

	/* the stream's ordinals 7 and 1: wire ordinals 0 and 1 */
	fill_batch(&b, false);
	gt_batch_reserve_meta(&b, 5, true, false, true);
	for (int i = 0; i < 5; i++) {
		b.sid[i] = i < 3 ? 7 : 1;
		b.seq[i] = 100 + (uint64_t)i;
	}
	rc = gt_rpc_batch_encode(&f, 3, &b, &sent, key_of, NULL);
	gt_batch_init(&d);
	rc = rc ? rc : gt_rpc_batch_decode(&d, &got, f.p + GT_RPC_HDR, f.len - GT_RPC_HDR, &err);
	ok(!rc && same_cols(&b, &d) && got.n == 2 && d.sid[0] == 0 && d.sid[4] == 1 && d.seq[4] == 104,
	   "a scan batch travels with sids, seqs and the keys it introduces");
	k = gt_rpc_keys_get(&got, d.sid[4], &len);
	ok(len == 4 && !memcmp(k, "key1", 4), "the receiver resolves a series key");
	for (size_t n = 0; n + GT_RPC_HDR < f.len; n++) {
		struct gt_rpc_keys g2 = {0};
		struct gt_batch t;
		char *p = malloc(n ? n : 1);
		memcpy(p, f.p + GT_RPC_HDR, n);
		gt_batch_init(&t);
		rc = gt_rpc_batch_decode(&t, &g2, p, n, &err);
		gt_batch_release(&t);
		gt_rpc_keys_release(&g2);
		free(p);
		if (rc != GT_ECORRUPT)
			break;
	}
	ok(rc == GT_ECORRUPT, "every truncated batch is refused");

	/* a second batch: only the new series' key travels */
	gt_buf_reset(&f);
	b.sid[0] = 1;
	b.sid[1] = 3;
	rc = gt_rpc_batch_encode(&f, 3, &b, &sent, key_of, NULL);
	gt_batch_release(&d);
	gt_batch_init(&d);
	rc = rc ? rc : gt_rpc_batch_decode(&d, &got, f.p + GT_RPC_HDR, f.len - GT_RPC_HDR, &err);
	k = gt_rpc_keys_get(&got, d.sid[1], &len);
	ok(!rc && got.n == 3 && d.sid[0] == 1 && d.sid[1] == 2 && len == 2 && !memcmp(k, "k3", 2),
	   "later batches send only the keys not sent yet");

	/* a receiver that did not see the first batch refuses the unknown ordinal */
	{
		struct gt_rpc_keys fresh = {0};
		struct gt_batch t;
		gt_batch_init(&t);
		rc = gt_rpc_batch_decode(&t, &fresh, f.p + GT_RPC_HDR, f.len - GT_RPC_HDR, &err);
		ok(rc == GT_ECORRUPT && strstr(err.msg, "names series"), "a sid without a key is refused: %s",
		   err.msg);
		gt_batch_release(&t);
		gt_rpc_keys_release(&fresh);
	}
	gt_batch_release(&d);
	gt_batch_release(&b);
	gt_rpc_keys_release(&sent);
	gt_rpc_keys_release(&got);
	gt_buf_release(&f);
}

static void test_socket(void)
{
	int sv[2];
	struct gt_buf f = {0}, body = {0};
	struct gt_rpc_hdr h;
	struct gt_err err = {0};
	struct gt_rpc_req r = {.op = GT_RPC_FLUSH, .region_id = 42};
	int rc;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	gt_rpc_req_encode(&f, 1, &r, &err);
	rc = gt_rpc_write(sv[0], f.p, f.len, 1000, &err);
	rc = rc ? rc : gt_rpc_read(sv[1], &h, &body, 1000, &err);
	ok(!rc && h.op == GT_RPC_FLUSH && body.len == 8 && gt_get_le64((uint8_t *)body.p) == 42,
	   "a frame crosses a socket");
	rc = gt_rpc_read(sv[1], &h, &body, 50, &err);
	ok(rc == GT_EIO && strstr(err.msg, "timed out"), "a silent peer times out: %s", err.msg);
	/* half a header then close */
	rc = gt_rpc_write(sv[0], f.p, 6, 1000, &err);
	close(sv[0]);
	rc = gt_rpc_read(sv[1], &h, &body, 1000, &err);
	ok(rc == GT_EIO && strstr(err.msg, "middle of a frame"), "a torn frame is an error: %s", err.msg);
	rc = gt_rpc_read(sv[1], &h, &body, 1000, &err);
	ok(rc == GT_ECLOSED, "end of stream between frames is a clean close");
	close(sv[1]);

	/* an oversized length is refused before the body is read or allocated */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	gt_put_le32((uint8_t *)f.p + 12, 0xffffffffu);
	gt_rpc_write(sv[0], f.p, GT_RPC_HDR, 1000, &err);
	rc = gt_rpc_read(sv[1], &h, &body, 1000, &err);
	ok(rc == GT_ETOOBIG && body.cap < 1024, "an oversized frame is refused unread: %s", err.msg);
	close(sv[0]);
	close(sv[1]);
	gt_buf_release(&f);
	gt_buf_release(&body);
}

int main(void)
{
	make_schema();
	test_simple_ops();
	test_create_alter();
	test_write();
	test_scan();
	test_compact_truncate_files();
	test_errors();
	test_batches();
	test_socket();
	gt_schema_release(&schema);
	return tap_done();
}
