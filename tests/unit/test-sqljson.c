/*
 * test-sqljson.c - GreptimeDB's /v1/sql JSON: the exact text of encoded
 * results and errors, decoding of GreptimeDB's own bodies, round trips
 * of every type (nulls, escapes, float forms), and refusal of bodies
 * that are not such JSON; the Arrow answer (sqlarrow.h) giving back the
 * NaN and infinities JSON writes as null, and keeping NULL null.
 */
#include <math.h>

#include "sqlarrow.h"
#include "sqljson.h"
#include "tap.h"

static void add_col(struct gt_sql_output *o, const char *name, enum gt_type t, enum gt_unit u)
{
	o->cols = gt_reallocarray(o->cols, o->ncols + 1, sizeof(*o->cols));
	o->cols[o->ncols].name = gt_strdup(name);
	o->cols[o->ncols].type = (uint8_t)t;
	o->cols[o->ncols].unit = (uint8_t)u;
	gt_batch_add_col(&o->rows, o->ncols, t);
	o->ncols++;
}

/* A result of two outputs: affected rows, then a table of every type. */
static void build(struct gt_sql_result *res)
{
	struct gt_sql_output *o;

	memset(res, 0, sizeof(*res));
	res->outs = gt_calloc(2, sizeof(*res->outs));
	res->n = 2;
	res->outs[0].kind = GT_SQL_AFFECTED;
	res->outs[0].affected = 3;
	gt_batch_init(&res->outs[0].rows);
	o = &res->outs[1];
	o->kind = GT_SQL_RECORDS;
	gt_batch_init(&o->rows);
	add_col(o, "host", GT_STRING, 0);
	add_col(o, "ts", GT_TS, GT_UNIT_MS);
	add_col(o, "v", GT_F64, 0);
	add_col(o, "i", GT_I64, 0);
	add_col(o, "u", GT_U64, 0);
	add_col(o, "b", GT_BOOL, 0);

	gt_vec_push_str(&o->rows.cols[0], "a\"b\\c\n\x01", 7);
	gt_vec_push_i64(&o->rows.cols[1], 1667446797450);
	gt_vec_push_f64(&o->rows.cols[2], 1.0);
	gt_vec_push_i64(&o->rows.cols[3], -5);
	gt_vec_push_u64(&o->rows.cols[4], UINT64_C(9223372036854775807));
	gt_vec_push_bool(&o->rows.cols[5], true);

	gt_vec_push_null(&o->rows.cols[0]);
	gt_vec_push_i64(&o->rows.cols[1], 0);
	gt_vec_push_f64(&o->rows.cols[2], 0.1);
	gt_vec_push_null(&o->rows.cols[3]);
	gt_vec_push_u64(&o->rows.cols[4], 0);
	gt_vec_push_bool(&o->rows.cols[5], false);

	gt_vec_push_str(&o->rows.cols[0], "h\xc3\xa9", 3);
	gt_vec_push_i64(&o->rows.cols[1], -1);
	gt_vec_push_f64(&o->rows.cols[2], NAN);
	gt_vec_push_i64(&o->rows.cols[3], INT64_MIN);
	gt_vec_push_null(&o->rows.cols[4]);
	gt_vec_push_null(&o->rows.cols[5]);
	o->rows.nrows = 3;
}

static const char expect[] =
	"{\"output\":[{\"affectedrows\":3},{\"records\":{\"schema\":{\"column_schemas\":["
	"{\"name\":\"host\",\"data_type\":\"String\"},"
	"{\"name\":\"ts\",\"data_type\":\"TimestampMillisecond\"},"
	"{\"name\":\"v\",\"data_type\":\"Float64\"},"
	"{\"name\":\"i\",\"data_type\":\"Int64\"},"
	"{\"name\":\"u\",\"data_type\":\"UInt64\"},"
	"{\"name\":\"b\",\"data_type\":\"Boolean\"}]},"
	"\"rows\":[[\"a\\\"b\\\\c\\n\\u0001\",1667446797450,1.0,-5,9223372036854775807,true],"
	"[null,0,0.1,null,0,false],"
	"[\"h\xc3\xa9\",-1,null,-9223372036854775808,null,null]],"
	"\"total_rows\":3}}],\"execution_time_ms\":7}";

static void test_encode_decode(void)
{
	struct gt_sql_result res, back;
	struct gt_sql_error e;
	struct gt_buf b = {0};
	const struct gt_sql_output *o;
	uint32_t n;
	const char *s;

	build(&res);
	ok(gt_sqljson_encode(&res, 7, &b) == 0, "encode a result");
	ok(b.len && !strcmp(b.p, expect), "encoded text is GreptimeDB's shape:\n# %s", b.p ? b.p : "");

	ok(gt_sqljson_decode(b.p, b.len, &back, &e) == 0, "decode it back");
	ok(back.n == 2 && back.outs[0].kind == GT_SQL_AFFECTED && back.outs[0].affected == 3,
	   "affected rows come back");
	o = &back.outs[1];
	ok(back.n == 2 && o->kind == GT_SQL_RECORDS && o->ncols == 6 && o->rows.nrows == 3 &&
	   o->rows.ncols == 6, "records: 6 columns, 3 rows");
	if (back.n == 2 && o->ncols == 6 && o->rows.nrows == 3) {
		ok(!strcmp(o->cols[0].name, "host") && o->cols[0].type == GT_STRING &&
		   o->cols[1].type == GT_TS && o->cols[1].unit == GT_UNIT_MS && o->cols[2].type == GT_F64 &&
		   o->cols[3].type == GT_I64 && o->cols[4].type == GT_U64 && o->cols[5].type == GT_BOOL,
		   "column names and types (inverse of gt_type_name)");
		s = gt_vec_str(&o->rows.cols[0], 0, &n);
		ok(n == 7 && !memcmp(s, "a\"b\\c\n\x01", 7), "escaped string round-trips");
		ok(gt_vec_is_null(&o->rows.cols[0], 1), "null string");
		s = gt_vec_str(&o->rows.cols[0], 2, &n);
		ok(n == 3 && !memcmp(s, "h\xc3\xa9", 3), "UTF-8 string");
		ok(o->rows.cols[1].v.i64[0] == 1667446797450 && o->rows.cols[1].v.i64[2] == -1, "timestamps");
		ok(o->rows.cols[2].v.f64[0] == 1.0 && o->rows.cols[2].v.f64[1] == 0.1 &&
		   gt_vec_is_null(&o->rows.cols[2], 2), "floats; NaN encodes as null");
		ok(o->rows.cols[3].v.i64[0] == -5 && gt_vec_is_null(&o->rows.cols[3], 1) &&
		   o->rows.cols[3].v.i64[2] == INT64_MIN, "int64 with INT64_MIN");
		ok(o->rows.cols[4].v.u64[0] == UINT64_C(9223372036854775807) && gt_vec_is_null(&o->rows.cols[4], 2),
		   "uint64");
		ok(o->rows.cols[5].v.b[0] == 1 && o->rows.cols[5].v.b[1] == 0 && gt_vec_is_null(&o->rows.cols[5], 2),
		   "booleans");
	}
	gt_sql_result_release(&back);
	gt_sql_result_release(&res);
	gt_buf_release(&b);
}

static void test_floats(void)
{
	static const struct {
		double x;
		const char *text;
	} cases[] = {
		{0.0, "0.0"}, {-0.0, "-0.0"}, {2.5, "2.5"}, {100.0, "100.0"}, {1e300, "1e300"}, {1.5e-7, "1.5e-7"}, {0.001, "0.001"}, {1e15, "1000000000000000.0"}, {1e16, "1e16"}, {123456.789, "123456.789"},
		{0.30000000000000004, "0.30000000000000004"}, {-12.34, "-12.34"}, {INFINITY, "null"},
	};
	for (size_t i = 0; i < GT_ARRAY_LEN(cases); i++) {
		struct gt_sql_result res = {0};
		struct gt_sql_output o = {0};
		struct gt_buf b = {0};
		char want[128];

		o.kind = GT_SQL_RECORDS;
		gt_batch_init(&o.rows);
		add_col(&o, "x", GT_F64, 0);
		gt_vec_push_f64(&o.rows.cols[0], cases[i].x);
		o.rows.nrows = 1;
		res.outs = &o;
		res.n = 1;
		gt_sqljson_encode(&res, 0, &b);
		snprintf(want, sizeof(want), "\"rows\":[[%s]]", cases[i].text);
		ok(b.p && strstr(b.p, want) != NULL, "float %g is written %s", cases[i].x, cases[i].text);
		gt_buf_release(&b);
		free(o.cols[0].name);
		free(o.cols);
		gt_batch_release(&o.rows);
	}
}

static void test_errors(void)
{
	struct gt_buf b = {0};
	struct gt_sql_result res;
	struct gt_sql_error e;
	const char *greptime = "{\"code\":4001,\"error\":\"Table not found: greptime.public.nope\","
			       "\"execution_time_ms\":0}";

	ok(gt_sqljson_error(GT_STATUS_INVALID_SYNTAX, "bad \"token\"", 3, &b) == 0, "encode an error");
	ok(b.p && !strcmp(b.p, "{\"code\":2000,\"error\":\"bad \\\"token\\\"\",\"execution_time_ms\":3}"),
	   "error text: %s", b.p ? b.p : "");
	ok(gt_sqljson_decode(b.p, b.len, &res, &e) == GT_EINVAL && e.status == 2000 &&
	   !strcmp(e.msg, "bad \"token\""), "decode our error");
	gt_buf_release(&b);

	ok(gt_sqljson_decode(greptime, strlen(greptime), &res, &e) == GT_EINVAL && e.status == 4001 &&
	   !strcmp(e.msg, "Table not found: greptime.public.nope"), "decode GreptimeDB's error body");
	ok(res.n == 0 && res.outs == NULL, "an error leaves an empty result");

	static const char *bad[] = {
		"", "[]", "{", "{\"output\":3}", "{\"output\":[{\"x\":1}]}",
		"{\"output\":[{\"records\":{\"schema\":{\"column_schemas\":[{\"name\":\"a\",\"data_type\":\"Int64\"}]},"
		"\"rows\":[[1,2]]}}]}",
		"{\"output\":[{\"records\":{\"schema\":{\"column_schemas\":[{\"name\":\"a\",\"data_type\":\"Int64\"}]},"
		"\"rows\":[[\"x\"]]}}]}",
		"{\"output\":[{\"affectedrows\":1},{\"records\":{\"schema\":{\"column_schemas\":[{\"name\":\"a\",\"data_type\":\"Boolean\"}]},"
		"\"rows\":[[true],[3]]}}]}",
	};
	for (size_t i = 0; i < GT_ARRAY_LEN(bad); i++) {
		int rc = gt_sqljson_decode(bad[i], strlen(bad[i]), &res, &e);
		ok(rc == GT_ECORRUPT && res.n == 0 && !res.outs, "refuse '%s' (%d)", bad[i], rc);
	}
}

static void test_greptime_body(void)
{
	/* As GreptimeDB 0.9 answers SELECT with an empty result and other types. */
	const char *body = "{\"output\":[{\"records\":{\"schema\":{\"column_schemas\":["
			   "{\"name\":\"d\",\"data_type\":\"Date\"},{\"name\":\"n\",\"data_type\":\"Int32\"},"
			   "{\"name\":\"big\",\"data_type\":\"UInt64\"}]},"
			   "\"rows\":[[\"2024-01-01\",7,18446744073709551615]],\"total_rows\":1,\"metrics\":{}}}],"
			   "\"execution_time_ms\":1}";
	const char *empty = "{\"output\":[{\"records\":{\"schema\":{\"column_schemas\":[]},\"rows\":[],"
			    "\"total_rows\":0}}],\"execution_time_ms\":0}";
	struct gt_sql_result res;
	struct gt_sql_error e;

	ok(gt_sqljson_decode(body, strlen(body), &res, &e) == 0 && res.n == 1 && res.outs[0].ncols == 3,
	   "decode a body with types gt does not have and a UInt64 above INT64_MAX");
	if (res.n == 1 && res.outs[0].ncols == 3 && res.outs[0].rows.nrows == 1) {
		ok(res.outs[0].cols[0].type == GT_I64 && res.outs[0].cols[0].lt == GT_LT_DATE &&
		   res.outs[0].rows.cols[0].v.i64[0] == 19723, "Date given as a string: days, logical type Date");
		ok(res.outs[0].cols[1].type == GT_I64 && res.outs[0].cols[1].lt == GT_LT_I32 &&
		   res.outs[0].rows.cols[1].v.i64[0] == 7, "Int32 in an Int64 with logical type Int32");
		ok(res.outs[0].rows.cols[2].v.u64[0] >= UINT64_C(18446744073709549568), "UInt64 max (as a double)");
	}
	gt_sql_result_release(&res);
	ok(gt_sqljson_decode(empty, strlen(empty), &res, &e) == 0 && res.n == 1 &&
	   res.outs[0].kind == GT_SQL_RECORDS && res.outs[0].ncols == 0 && res.outs[0].rows.nrows == 0,
	   "decode an empty result");
	gt_sql_result_release(&res);
}

/* JSON writes NaN, inf and NULL alike; the Arrow file of the same output tells them apart. */
/* An empty answer: a batch (its header shows) only when the output keeps its header. */
static void test_arrow_empty(void)
{
	struct gt_sql_result res;
	struct gt_buf ar = {0};

	memset(&res, 0, sizeof(res));
	res.outs = gt_calloc(1, sizeof(*res.outs));
	res.n = 1;
	struct gt_sql_output *o = &res.outs[0];
	o->kind = GT_SQL_RECORDS;
	gt_batch_init(&o->rows);
	add_col(o, "time", GT_TS, GT_UNIT_MS);
	add_col(o, "value", GT_F64, 0);
	ok(gt_sqlarrow_encode(o, &ar) == 0 && gt_sqlarrow_floats(ar.p, ar.len, o) == 0 && !o->keep_header,
	   "arrow: an empty answer without its header has no batch");
	gt_buf_reset(&ar);
	o->keep_header = true;
	ok(gt_sqlarrow_encode(o, &ar) == 0, "arrow encodes an empty batch");
	o->keep_header = false;
	ok(gt_sqlarrow_floats(ar.p, ar.len, o) == 0 && o->keep_header, "arrow: an empty batch keeps the header");
	gt_sql_result_release(&res);
	gt_buf_release(&ar);
}

static void test_arrow_floats(void)
{
	struct gt_sql_result res, back;
	struct gt_sql_error e;
	struct gt_buf js = {0}, ar = {0};

	build(&res);
	struct gt_sql_output *o = &res.outs[1];
	gt_vec_push_str(&o->rows.cols[0], "x", 1);
	gt_vec_push_i64(&o->rows.cols[1], 5);
	gt_vec_push_f64(&o->rows.cols[2], -INFINITY);
	gt_vec_push_i64(&o->rows.cols[3], 1);
	gt_vec_push_u64(&o->rows.cols[4], 1);
	gt_vec_push_bool(&o->rows.cols[5], true);
	gt_vec_push_null(&o->rows.cols[0]);
	gt_vec_push_i64(&o->rows.cols[1], 6);
	gt_vec_push_null(&o->rows.cols[2]);
	gt_vec_push_i64(&o->rows.cols[3], 1);
	gt_vec_push_u64(&o->rows.cols[4], 1);
	gt_vec_push_bool(&o->rows.cols[5], true);
	o->rows.nrows += 2;
	ok(gt_sqljson_encode(&res, 0, &js) == 0, "json encodes");
	ok(gt_sqlarrow_encode(o, &ar) == 0, "arrow encodes");
	ok(ar.len > 16 && memcmp(ar.p, "ARROW1", 6) == 0 && memcmp(ar.p + ar.len - 6, "ARROW1", 6) == 0,
	   "an Arrow IPC file: ARROW1 at both ends");
	memset(&back, 0, sizeof(back));
	memset(&e, 0, sizeof(e));
	ok(gt_sqljson_decode(js.p, js.len, &back, &e) == 0, "json decodes");
	struct gt_sql_output *b = &back.outs[1];
	uint32_t n = b->rows.nrows;
	ok(n >= 5 && gt_vec_is_null(&b->rows.cols[2], 2) && gt_vec_is_null(&b->rows.cols[2], n - 2),
	   "json: NaN and -inf read back as NULL");
	ok(gt_sqlarrow_floats(ar.p, ar.len, b) == 0, "arrow read");
	ok(isnan(b->rows.cols[2].v.f64[2]) && !gt_vec_is_null(&b->rows.cols[2], 2), "arrow: NaN back");
	ok(b->rows.cols[2].v.f64[n - 2] == -INFINITY, "arrow: -inf back");
	ok(gt_vec_is_null(&b->rows.cols[2], n - 1), "arrow: NULL stays NULL");
	gt_sqlarrow_floats(ar.p, ar.len / 2, b);
	ok(1, "half a file is read without a crash");
	ok(gt_sqlarrow_floats("ARROW1\0\0\xff\xff\xff\xff\x40", 13, b) == GT_ECORRUPT, "a short file is corrupt");
	gt_sql_result_release(&res);
	gt_sql_result_release(&back);
	gt_buf_release(&js);
	gt_buf_release(&ar);
}

int main(void)
{
	test_encode_decode();
	test_floats();
	test_errors();
	test_greptime_body();
	test_arrow_floats();
	test_arrow_empty();
	return tap_done();
}
