/*
 * gt-rpc-call - drive a datanode's region RPC from the shell through the
 * remote region client (region_client.h), for tests.
 *
 *   gt-rpc-call [--connect-ms N] [--call-ms N] ADDR OP REGION [ARGS]
 *     create REGION DIR     region of schema (host tag, ts ms time index, v f64)
 *     open REGION DIR
 *     write REGION          rows "host ts v" on stdin ("-" for a null v); prints the count
 *     scan REGION [START END [HOST]]   prints "host,ts,v" lines
 *     flush | close | drop | truncate | stats | compact  REGION
 *     aggregate REGION      GROUP BY host: count(*), sum(v), max(v),
 *                           last_value(v ORDER BY ts) run on the datanode;
 *                           prints "host,count,sum,max,last" lines
 *     aggregate REGION HEX  sends the plan bytes HEX as they are
 *
 * Exit: 0 ok, 100 usage, otherwise the error's exit code with
 * "gt-rpc-call: MESSAGE" on stderr.
 */
#include <inttypes.h>

#include "agg.h"
#include "cli.h"
#include "key.h"
#include "region_client.h"

static const char *addr;

static int locate(void *ctx, uint64_t id, bool refresh, char *out, size_t n, struct gt_err *err)
{
	snprintf(out, n, "%s", addr);
	return 0;
}

static void make_schema(struct gt_schema *s)
{
	struct gt_err err = {0};
	memset(s, 0, sizeof(*s));
	gt_schema_add(s, "host", GT_STRING, GT_TAG, 0, &err);
	gt_schema_add(s, "ts", GT_TS, GT_TIME, GT_UNIT_MS, &err);
	gt_schema_add(s, "v", GT_F64, GT_FIELD, 0, &err);
	s->cols[1].nullable = 0;
}

static int do_write(struct gt_region_client *c, uint64_t id, struct gt_err *err)
{
	struct gt_schema s;
	struct gt_batch b;
	struct gt_buf key = {0};
	char line[1024];
	int rc = 0;

	make_schema(&s);
	gt_batch_init(&b);
	gt_batch_add_col(&b, s.cols[1].id, GT_TS);
	gt_batch_add_col(&b, s.cols[2].id, GT_F64);
	b.has_keys = true;
	while (fgets(line, sizeof(line), stdin)) {
		char host[256], v[64];
		long long ts;
		struct gt_key_part part;
		int k;
		if (sscanf(line, "%255s %lld %63s", host, &ts, v) != 3)
			continue;
		part.p = host;
		part.n = (uint32_t)strlen(host);
		gt_buf_reset(&key);
		gt_key_encode(&key, &part, 1);
		/* one key per distinct host, found by a linear look (test sizes) */
		for (k = 0; k < (int)b.nkeys; k++) {
			size_t len;
			const void *p = gt_batch_key(&b, (uint32_t)k, &len);
			if (len == key.len && !memcmp(p, key.p, len))
				break;
		}
		if (k == (int)b.nkeys)
			k = gt_batch_add_key(&b, key.p, key.len);
		gt_batch_reserve_meta(&b, b.nrows + 1, false, false, true);
		b.sid[b.nrows] = (uint32_t)k;
		gt_vec_push_i64(&b.cols[0], ts);
		if (!strcmp(v, "-"))
			gt_vec_push_null(&b.cols[1]);
		else
			gt_vec_push_f64(&b.cols[1], strtod(v, NULL));
		b.nrows++;
	}
	if (!(rc = c->ops->write(c->self, id, &b, err)))
		printf("%u\n", b.nrows);
	gt_batch_release(&b);
	gt_buf_release(&key);
	gt_schema_release(&s);
	return rc;
}

static int do_scan(struct gt_region_client *c, uint64_t id, int argc, char **argv, struct gt_err *err)
{
	struct gt_scan_req q = {.start = INT64_MIN, .end = INT64_MAX, .batch_rows = 2};
	struct gt_region_stream st;
	struct gt_tag_pred pred;
	const char *vals[1];
	const struct gt_batch *b;
	struct gt_buf scratch = {0};
	int rc;

	if (argc >= 2) {
		gt_parse_i64(argv[0], &q.start);
		gt_parse_i64(argv[1], &q.end);
	}
	if (argc >= 3) {
		vals[0] = argv[2];
		pred = (struct gt_tag_pred){.tag = 0, .op = GT_PRED_EQ, .nvals = 1, .vals = vals};
		q.preds = &pred;
		q.npreds = 1;
	}
	if ((rc = c->ops->scan(c->self, id, &q, &st, err)))
		return rc;
	while ((rc = st.next(st.self, &b, err)) > 0) {
		for (uint32_t i = 0; i < b->nrows; i++) {
			size_t len;
			const void *k = st.key(st.self, b->sid[i], &len);
			struct gt_key_part part = {0};
			gt_key_decode(k, len, &part, 1, &scratch);
			printf("%.*s,%" PRId64 ",", (int)part.n, part.p ? part.p : "", b->cols[0].v.i64[i]);
			if (b->ncols > 1 && !gt_vec_is_null(&b->cols[1], i))
				printf("%g", b->cols[1].v.f64[i]);
			printf("\n");
		}
	}
	st.free(st.self);
	gt_buf_release(&scratch);
	return rc < 0 ? rc : 0;
}

static int do_aggregate(struct gt_region_client *c, uint64_t id, const char *hex, struct gt_err *err)
{
	struct gt_buf plan = {0}, partial = {0};
	struct agg_run r;
	const uint8_t fns[] = {AGG_COUNT, AGG_SUM, AGG_MAX, AGG_LAST};
	struct gt_schema s;
	int rc;

	make_schema(&s);
	memset(&r, 0, sizeof(r));
	r.ntags = 1;
	r.ts_id = s.cols[1].id;
	r.unit = GT_UNIT_MS;
	r.start = INT64_MIN;
	r.end = INT64_MAX;
	r.ngroup = 1;
	r.ktag = gt_calloc(1, sizeof(*r.ktag));
	r.naggs = 4;
	r.aggs = gt_calloc(4, sizeof(*r.aggs));
	r.fids = gt_calloc(1, sizeof(*r.fids));
	r.fids[0] = s.cols[2].id;
	r.nf = 1;
	for (uint32_t k = 0; k < 4; k++)
		r.aggs[k] = (struct agg_fn){.fn = fns[k], .src = k ? AGG_FIELD : AGG_STAR, .type = GT_F64, .colid = s.cols[2].id,
					    .ord = fns[k] == AGG_LAST};
	if ((rc = agg_prepare(&r, err)))
		goto out;
	if (hex) {
		for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
			unsigned x;
			sscanf(hex + i, "%2x", &x);
			gt_buf_addch(&plan, (char)x);
		}
	} else if ((rc = agg_plan_encode(&r, &plan))) {
		goto out;
	}
	if ((rc = c->ops->aggregate(c->self, id, plan.p ? plan.p : "", plan.len, &partial, err)) ||
	    (rc = agg_merge(&r, partial.p ? partial.p : "", partial.len, err)))
		goto out;
	for (uint32_t g = 0; g < r.ngroups; g++) {
		struct gt_vec v;
		uint32_t len;
		gt_vec_init(&v, GT_STRING);
		agg_tag_push(&r, &v, r.gser[g], 0);
		const char *h = gt_vec_str(&v, 0, &len);
		printf("%.*s,%" PRIu64 ",%g,%g,", (int)len, h, r.aggs[0].cnt[g], r.aggs[1].f[g], r.aggs[2].f[g]);
		if (r.aggs[3].has[g] && !r.aggs[3].null[g])
			printf("%g", r.aggs[3].f[g]);
		printf("\n");
		gt_vec_release(&v);
	}
out:
	gt_schema_release(&s);
	agg_run_free(&r);
	gt_buf_release(&plan);
	gt_buf_release(&partial);
	return rc;
}

int main(int argc, char **argv)
{
	struct gt_region_client c;
	struct gt_err err = {0};
	int connect_ms = 0, call_ms = 0, rc;
	uint64_t id;
	const char *op;

	gt_cli_init(argv[0]);
	argv++;
	argc--;
	while (argc >= 2 && !strncmp(argv[0], "--", 2)) {
		int64_t v;
		if (gt_parse_i64(argv[1], &v))
			return GT_EXIT_PERM;
		if (!strcmp(argv[0], "--connect-ms"))
			connect_ms = (int)v;
		else if (!strcmp(argv[0], "--call-ms"))
			call_ms = (int)v;
		else
			return GT_EXIT_PERM;
		argv += 2;
		argc -= 2;
	}
	if (argc < 3 || gt_parse_u64(argv[2], &id)) {
		fprintf(stderr, "usage: gt-rpc-call [--connect-ms N] [--call-ms N] ADDR OP REGION [ARGS]\n");
		return GT_EXIT_PERM;
	}
	addr = argv[0];
	op = argv[1];
	gt_region_client_remote(&c, locate, NULL, &err);
	gt_region_client_remote_timeouts(&c, connect_ms, call_ms);
	if (!strcmp(op, "create") && argc == 4) {
		struct gt_schema s;
		make_schema(&s);
		rc = c.ops->create(c.self, id, argv[3], &s, &err);
		gt_schema_release(&s);
	} else if (!strcmp(op, "open") && argc == 4) {
		rc = c.ops->open(c.self, id, argv[3], &err);
	} else if (!strcmp(op, "write")) {
		rc = do_write(&c, id, &err);
	} else if (!strcmp(op, "scan")) {
		rc = do_scan(&c, id, argc - 3, argv + 3, &err);
	} else if (!strcmp(op, "aggregate")) {
		rc = do_aggregate(&c, id, argc >= 4 ? argv[3] : NULL, &err);
	} else if (!strcmp(op, "flush")) {
		rc = c.ops->flush(c.self, id, &err);
	} else if (!strcmp(op, "close")) {
		rc = c.ops->close(c.self, id, &err);
	} else if (!strcmp(op, "drop")) {
		rc = c.ops->drop(c.self, id, &err);
	} else if (!strcmp(op, "truncate")) {
		rc = c.ops->truncate(c.self, id, &err);
	} else if (!strcmp(op, "compact")) {
		struct gt_compact_opts o = {.force = true};
		struct gt_compact_report r = {0};
		if (!(rc = c.ops->compact(c.self, id, &o, &r, &err)))
			printf("files_in=%u files_out=%u rows_out=%" PRIu64 "\n", r.files_in, r.files_out, r.rows_out);
	} else if (!strcmp(op, "stats")) {
		struct gt_region_stats s;
		if (!(rc = c.ops->stats(c.self, id, &s, &err)))
			printf("files=%" PRIu64 " file_rows=%" PRIu64 " memtable_bytes=%" PRIu64 " flushes=%" PRIu64
			       " last_seq=%" PRIu64 " flushed_seq=%" PRIu64 "\n",
			       s.files, s.file_rows, s.memtable_bytes, s.flushes, s.last_seq, s.flushed_seq);
	} else {
		fprintf(stderr, "gt-rpc-call: unknown op '%s'\n", op);
		rc = GT_EINVAL;
	}
	gt_region_client_remote_free(&c);
	if (rc) {
		gt_cli_errorf("%s", err.msg[0] ? err.msg : gt_strerror(rc));
		return gt_exit_code(rc);
	}
	return GT_EXIT_OK;
}
