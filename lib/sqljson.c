/*
 * sqljson.c - SQL results in GreptimeDB's HTTP JSON (see sqljson.h).
 *
 * Encoding is written by hand, straight from the columnar batches into
 * the output buffer (a result may hold millions of values; building a
 * jansson tree for it would double the memory and the time).  Values are
 * written as GreptimeDB (serde_json) writes them: integers as integers,
 * floats in the shortest form that reads back to the same double with
 * ".0" on whole numbers, NaN and infinities as null, timestamps as
 * integers in the column's unit, strings with JSON escapes.
 *
 * Decoding is not a hot path (tests and the sqlness runner), so it
 * parses with jansson.  jansson refuses integers above INT64_MAX; such a
 * body is parsed a second time with integers read as doubles, so a
 * UInt64 value above 2^63 comes back rounded to a double's precision.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "sqljson.h"
#include "dtoa.h"
#include "timeutil.h"

static int add_json_str(struct gt_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	int rc;

	if ((rc = gt_buf_addch(out, '"')))
		return rc;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t elen = 0;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((rc = gt_buf_add(out, s + run, i - run)))
			return rc;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; elen = 2; break;
		case '\\': esc[1] = '\\'; elen = 2; break;
		case '\n': esc[1] = 'n'; elen = 2; break;
		case '\r': esc[1] = 'r'; elen = 2; break;
		case '\t': esc[1] = 't'; elen = 2; break;
		case '\b': esc[1] = 'b'; elen = 2; break;
		case '\f': esc[1] = 'f'; elen = 2; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if ((rc = gt_buf_add(out, esc, elen)))
			return rc;
	}
	if ((rc = gt_buf_add(out, s + run, n - run)))
		return rc;
	return gt_buf_addch(out, '"');
}

static int add_f64(struct gt_buf *out, double x)
{
	char tmp[48];
	int n = gt_dtoa(tmp, sizeof(tmp), x, false);
	return n < 0 ? gt_buf_add(out, "null", 4) : gt_buf_add(out, tmp, (size_t)n);
}

static int add_value(struct gt_buf *out, const struct gt_vec *v, uint32_t i)
{
	uint32_t n;
	const char *s;

	if (gt_vec_is_null(v, i))
		return gt_buf_add(out, "null", 4);
	switch (v->type) {
	case GT_I64:
	case GT_TS:
		return gt_buf_add_i64(out, v->v.i64[i]);
	case GT_U64:
		return gt_buf_add_u64(out, v->v.u64[i]);
	case GT_F64:
		return add_f64(out, v->v.f64[i]);
	case GT_BOOL:
		return v->v.b[i] ? gt_buf_add(out, "true", 4) : gt_buf_add(out, "false", 5);
	case GT_STRING:
		s = gt_vec_str(v, i, &n);
		return add_json_str(out, s, n);
	}
	return GT_EINVAL;
}

static int encode_records(const struct gt_sql_output *o, struct gt_buf *out)
{
	int rc;

	if ((rc = gt_buf_addstr(out, "{\"records\":{\"schema\":{\"column_schemas\":[")))
		return rc;
	for (uint32_t c = 0; c < o->ncols; c++) {
		const char *name = o->cols[c].name ? o->cols[c].name : "";
		if ((c && (rc = gt_buf_addch(out, ','))) ||
		    (rc = gt_buf_addstr(out, "{\"name\":")) ||
		    (rc = add_json_str(out, name, strlen(name))) ||
		    (rc = gt_buf_addf(out, ",\"data_type\":\"%s\"}",
				      gt_ltype_name((enum gt_type)o->cols[c].type, (enum gt_unit)o->cols[c].unit,
						    o->cols[c].lt))))
			return rc;
	}
	if ((rc = gt_buf_addstr(out, "]},\"rows\":[")))
		return rc;
	/* A result's batch must have one vec per column; anything else is a bug upstream. */
	if (o->ncols && o->rows.ncols != o->ncols)
		return GT_EINVAL;
	for (uint32_t r = 0; r < o->rows.nrows && o->ncols; r++) {
		if ((r && (rc = gt_buf_addch(out, ','))) || (rc = gt_buf_addch(out, '[')))
			return rc;
		for (uint32_t c = 0; c < o->ncols; c++) {
			if (o->rows.cols[c].len <= r)
				return GT_EINVAL;
			if ((c && (rc = gt_buf_addch(out, ','))) || (rc = add_value(out, &o->rows.cols[c], r)))
				return rc;
		}
		if ((rc = gt_buf_addch(out, ']')))
			return rc;
	}
	return gt_buf_addf(out, "],\"total_rows\":%" PRIu32 "}}", o->ncols ? o->rows.nrows : 0);
}

int gt_sqljson_encode(const struct gt_sql_result *res, int64_t elapsed_ms, struct gt_buf *out)
{
	int rc;

	if ((rc = gt_buf_addstr(out, "{\"output\":[")))
		return rc;
	for (uint32_t i = 0; i < res->n; i++) {
		const struct gt_sql_output *o = &res->outs[i];
		if (i && (rc = gt_buf_addch(out, ',')))
			return rc;
		if (o->kind == GT_SQL_AFFECTED)
			rc = gt_buf_addf(out, "{\"affectedrows\":%" PRIu64 "}", o->affected);
		else if (o->kind == GT_SQL_RECORDS)
			rc = encode_records(o, out);
		else
			rc = GT_EINVAL;
		if (rc)
			return rc;
	}
	return gt_buf_addf(out, "],\"execution_time_ms\":%" PRId64 "}", elapsed_ms);
}

int gt_sqljson_error(int status, const char *msg, int64_t elapsed_ms, struct gt_buf *out)
{
	int rc;

	if (!msg)
		msg = "";
	if ((rc = gt_buf_addf(out, "{\"code\":%d,\"error\":", status)) ||
	    (rc = add_json_str(out, msg, strlen(msg))))
		return rc;
	return gt_buf_addf(out, ",\"execution_time_ms\":%" PRId64 "}", elapsed_ms);
}

/* The inverse of gt_ltype_name(): storage type, unit and logical type
 * (GreptimeDB's narrower types are gt's logical types); anything else
 * reads as a string. */
static void type_from_name(const char *name, uint8_t *type, uint8_t *unit, uint8_t *lt)
{
	static const struct {
		const char *name;
		uint8_t type, unit, lt;
	} map[] = {
		{"String", GT_STRING, 0, 0},
		{"Binary", GT_STRING, 0, GT_LT_BINARY},
		{"Json", GT_STRING, 0, GT_LT_JSON},
		{"Float64", GT_F64, 0, 0},
		{"Float32", GT_F64, 0, GT_LT_F32},
		{"Int64", GT_I64, 0, 0},
		{"Int32", GT_I64, 0, GT_LT_I32},
		{"Int16", GT_I64, 0, GT_LT_I16},
		{"Int8", GT_I64, 0, GT_LT_I8},
		{"Date", GT_I64, 0, GT_LT_DATE},
		{"UInt64", GT_U64, 0, 0},
		{"UInt32", GT_U64, 0, GT_LT_U32},
		{"UInt16", GT_U64, 0, GT_LT_U16},
		{"UInt8", GT_U64, 0, GT_LT_U8},
		{"Boolean", GT_BOOL, 0, 0},
		{"TimestampSecond", GT_TS, GT_UNIT_S, 0},
		{"TimestampMillisecond", GT_TS, GT_UNIT_MS, 0},
		{"TimestampMicrosecond", GT_TS, GT_UNIT_US, 0},
		{"TimestampNanosecond", GT_TS, GT_UNIT_NS, 0},
		{"TimeNanosecond", GT_I64, GT_UNIT_NS, GT_LT_TIME},
		{"DurationSecond", GT_I64, GT_UNIT_S, GT_LT_DURATION},
		{"DurationMillisecond", GT_I64, GT_UNIT_MS, GT_LT_DURATION},
		{"DurationMicrosecond", GT_I64, GT_UNIT_US, GT_LT_DURATION},
		{"DurationNanosecond", GT_I64, GT_UNIT_NS, GT_LT_DURATION},
	};
	*type = GT_STRING;
	*unit = 0;
	*lt = 0;
	for (size_t i = 0; i < GT_ARRAY_LEN(map); i++) {
		if (!strcmp(map[i].name, name)) {
			*type = map[i].type;
			*unit = map[i].unit;
			*lt = map[i].lt;
			return;
		}
	}
}

static int push_json(struct gt_vec *v, const json_t *j)
{
	if (json_is_null(j))
		return gt_vec_push_null(v);
	switch (v->type) {
	case GT_I64:
	case GT_TS:
		if (json_is_integer(j))
			return gt_vec_push_i64(v, (int64_t)json_integer_value(j));
		if (json_is_real(j))
			return gt_vec_push_i64(v, (int64_t)json_real_value(j));
		if (v->type == GT_I64 && json_is_string(j)) {
			/* a Date as text ("2024-01-01"): days since 1970-01-01 */
			int64_t ns;
			const int64_t day = 86400000000000LL;
			if (gt_parse_time(json_string_value(j), json_string_length(j), &ns) < 0)
				return GT_ECORRUPT;
			return gt_vec_push_i64(v, ns / day - (ns % day < 0));
		}
		return GT_ECORRUPT;
	case GT_U64:
		if (json_is_integer(j) && json_integer_value(j) >= 0)
			return gt_vec_push_u64(v, (uint64_t)json_integer_value(j));
		/* 2^64 is UINT64_MAX rounded to a double (the second parse) */
		if (json_is_real(j) && json_real_value(j) >= 0 && json_real_value(j) <= 18446744073709551616.0)
			return gt_vec_push_u64(v, json_real_value(j) >= 18446744073709551615.0
						      ? UINT64_MAX : (uint64_t)json_real_value(j));
		return GT_ECORRUPT;
	case GT_F64:
		if (json_is_number(j))
			return gt_vec_push_f64(v, json_number_value(j));
		return GT_ECORRUPT;
	case GT_BOOL:
		if (json_is_boolean(j))
			return gt_vec_push_bool(v, json_is_true(j));
		return GT_ECORRUPT;
	case GT_STRING:
		if (json_is_string(j))
			return gt_vec_push_str(v, json_string_value(j), json_string_length(j));
		else {
			/* A type gt does not have (Date, Decimal, a list ...): keep its JSON text. */
			char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
			int rc;
			if (!text)
				return GT_ENOMEM;
			rc = gt_vec_push_str(v, text, strlen(text));
			free(text);
			return rc;
		}
	}
	return GT_ECORRUPT;
}

static int decode_records(struct gt_sql_output *o, const json_t *rec)
{
	const json_t *cs = json_object_get(json_object_get(rec, "schema"), "column_schemas");
	const json_t *rows = json_object_get(rec, "rows");
	size_t i, r;
	const json_t *x;
	int rc;

	o->kind = GT_SQL_RECORDS;
	gt_batch_init(&o->rows);
	if (!json_is_array(cs) || !json_is_array(rows) || json_array_size(cs) > GT_MAX_COLUMNS)
		return GT_ECORRUPT;
	if (json_array_size(rows) > UINT32_MAX)
		return GT_ETOOBIG;
	o->cols = gt_calloc(json_array_size(cs) + 1, sizeof(*o->cols));
	if (!o->cols)
		return GT_ENOMEM;
	json_array_foreach(cs, i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *dt = json_string_value(json_object_get(x, "data_type"));
		if (!name || !dt)
			return GT_ECORRUPT;
		if (!(o->cols[i].name = gt_strdup(name)))
			return GT_ENOMEM;
		o->ncols = (uint32_t)i + 1;
		type_from_name(dt, &o->cols[i].type, &o->cols[i].unit, &o->cols[i].lt);
		if ((rc = gt_batch_add_col(&o->rows, (uint32_t)i, (enum gt_type)o->cols[i].type)) < 0)
			return rc;
	}
	json_array_foreach(rows, r, x) {
		const json_t *val;
		if (!json_is_array(x) || json_array_size(x) != o->ncols)
			return GT_ECORRUPT;
		json_array_foreach(x, i, val) {
			if ((rc = push_json(&o->rows.cols[i], val)))
				return rc;
		}
		o->rows.nrows++;
	}
	return 0;
}

static int decode_doc(const json_t *doc, struct gt_sql_result *res, struct gt_sql_error *e)
{
	const json_t *outs = json_object_get(doc, "output");
	const json_t *code = json_object_get(doc, "code");
	const json_t *x;
	size_t i;
	int rc;

	if (json_is_integer(code) && json_is_string(json_object_get(doc, "error"))) {
		e->status = (int)json_integer_value(code);
		e->line = e->col = 0;
		snprintf(e->msg, sizeof(e->msg), "%s", json_string_value(json_object_get(doc, "error")));
		return GT_EINVAL;
	}
	if (!json_is_array(outs) || json_array_size(outs) > UINT32_MAX)
		return GT_ECORRUPT;
	res->outs = gt_calloc(json_array_size(outs) + 1, sizeof(*res->outs));
	if (!res->outs)
		return GT_ENOMEM;
	json_array_foreach(outs, i, x) {
		struct gt_sql_output *o = &res->outs[i];
		const json_t *aff = json_object_get(x, "affectedrows");
		const json_t *rec = json_object_get(x, "records");

		res->n = (uint32_t)i + 1;
		if (json_is_integer(aff) && json_integer_value(aff) >= 0) {
			o->kind = GT_SQL_AFFECTED;
			o->affected = (uint64_t)json_integer_value(aff);
			gt_batch_init(&o->rows);
		} else if (json_is_object(rec)) {
			if ((rc = decode_records(o, rec)))
				return rc;
		} else {
			gt_batch_init(&o->rows);
			return GT_ECORRUPT;
		}
	}
	return 0;
}

int gt_sqljson_decode(const char *text, size_t len, struct gt_sql_result *res, struct gt_sql_error *e)
{
	json_error_t je;
	json_t *doc;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(e, 0, sizeof(*e));
	doc = json_loadb(text, len, JSON_ALLOW_NUL, &je);
	if (!doc && strstr(je.text, "too big"))
		doc = json_loadb(text, len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &je);
	if (!doc)
		return GT_ECORRUPT;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return GT_ECORRUPT;
	}
	rc = decode_doc(doc, res, e);
	json_decref(doc);
	if (rc && rc != GT_EINVAL)
		gt_sql_result_release(res);
	return rc;
}
