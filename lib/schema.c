/* schema.c - table schemas and their JSON form. */
#include "schema.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void gt_opts_release(struct gt_opts *o)
{
	for (uint32_t i = 0; i < o->n; i++) {
		free(o->keys[i]);
		free(o->vals[i]);
	}
	free(o->keys);
	free(o->vals);
	memset(o, 0, sizeof(*o));
}

int gt_opts_copy(struct gt_opts *dst, const struct gt_opts *src)
{
	memset(dst, 0, sizeof(*dst));
	for (uint32_t i = 0; i < src->n; i++)
		if (gt_opts_set(dst, src->keys[i], src->vals[i]) < 0) {
			gt_opts_release(dst);
			return GT_ENOMEM;
		}
	return 0;
}

/* Index of key, or of where it would go (*found false). */
static uint32_t opts_pos(const struct gt_opts *o, const char *key, bool *found)
{
	uint32_t lo = 0, hi = o->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(o->keys[mid], key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const char *gt_opts_get(const struct gt_opts *o, const char *key)
{
	bool found;
	uint32_t i = opts_pos(o, key, &found);
	return found ? o->vals[i] : NULL;
}

int gt_opts_set(struct gt_opts *o, const char *key, const char *val)
{
	bool found;
	uint32_t i = opts_pos(o, key, &found);
	char *v = gt_strdup(val);
	if (!v)
		return GT_ENOMEM;
	if (found) {
		free(o->vals[i]);
		o->vals[i] = v;
		return 0;
	}
	char *k = gt_strdup(key);
	char **nk = k ? gt_reallocarray(o->keys, o->n + 1, sizeof(*nk)) : NULL;
	if (nk)
		o->keys = nk;
	char **nv = nk ? gt_reallocarray(o->vals, o->n + 1, sizeof(*nv)) : NULL;
	if (!nv) {
		free(k);
		free(v);
		return GT_ENOMEM;
	}
	o->vals = nv;
	memmove(o->keys + i + 1, o->keys + i, (o->n - i) * sizeof(*o->keys));
	memmove(o->vals + i + 1, o->vals + i, (o->n - i) * sizeof(*o->vals));
	o->keys[i] = k;
	o->vals[i] = v;
	o->n++;
	return 0;
}

int gt_opts_unset(struct gt_opts *o, const char *key)
{
	bool found;
	uint32_t i = opts_pos(o, key, &found);
	if (!found)
		return 0;
	free(o->keys[i]);
	free(o->vals[i]);
	memmove(o->keys + i, o->keys + i + 1, (o->n - i - 1) * sizeof(*o->keys));
	memmove(o->vals + i, o->vals + i + 1, (o->n - i - 1) * sizeof(*o->vals));
	o->n--;
	return 1;
}

json_t *gt_opts_to_json(const struct gt_opts *o)
{
	json_t *j = json_object();
	for (uint32_t i = 0; j && i < o->n; i++)
		json_object_set_new(j, o->keys[i], json_string(o->vals[i]));
	return j;
}

int gt_opts_from_json(struct gt_opts *o, const json_t *j, struct gt_err *err)
{
	const char *k;
	json_t *v;
	memset(o, 0, sizeof(*o));
	if (!j)
		return 0;
	if (!json_is_object(j) || json_object_size(j) > GT_MAX_COLUMNS)
		return gt_errf(err, GT_ECORRUPT, "options: not an object of strings");
	json_object_foreach((json_t *)j, k, v) {
		if (!json_is_string(v)) {
			gt_opts_release(o);
			return gt_errf(err, GT_ECORRUPT, "options: '%s' is not a string", k);
		}
		if (gt_opts_set(o, k, json_string_value(v)) < 0) {
			gt_opts_release(o);
			return gt_errf(err, GT_ENOMEM, "out of memory");
		}
	}
	return 0;
}

static void coldef_release(struct gt_coldef *c)
{
	free(c->name);
	free(c->dflt);
	gt_opts_release(&c->fulltext);
	gt_opts_release(&c->skipping);
}

void gt_schema_release(struct gt_schema *s)
{
	for (uint32_t i = 0; i < s->ncols; i++)
		coldef_release(&s->cols[i]);
	free(s->cols);
	gt_opts_release(&s->opts.kv);
	memset(s, 0, sizeof(*s));
}

int gt_schema_copy(struct gt_schema *dst, const struct gt_schema *src)
{
	*dst = *src;
	dst->cols = gt_calloc(src->ncols, sizeof(*dst->cols));
	if (!dst->cols)
		goto nomem;
	for (uint32_t i = 0; i < src->ncols; i++) {
		dst->cols[i] = src->cols[i];
		dst->cols[i].name = gt_strdup(src->cols[i].name);
		dst->cols[i].dflt = src->cols[i].dflt ? gt_strdup(src->cols[i].dflt) : NULL;
		memset(&dst->cols[i].fulltext, 0, sizeof(dst->cols[i].fulltext));
		memset(&dst->cols[i].skipping, 0, sizeof(dst->cols[i].skipping));
		if (!dst->cols[i].name || (src->cols[i].dflt && !dst->cols[i].dflt) ||
		    gt_opts_copy(&dst->cols[i].fulltext, &src->cols[i].fulltext) < 0 ||
		    gt_opts_copy(&dst->cols[i].skipping, &src->cols[i].skipping) < 0) {
			dst->ncols = i + 1;
			memset(&dst->opts.kv, 0, sizeof(dst->opts.kv));
			gt_schema_release(dst);
			goto nomem;
		}
	}
	if (gt_opts_copy(&dst->opts.kv, &src->opts.kv) < 0) {
		gt_schema_release(dst);
		goto nomem;
	}
	return 0;
nomem:
	memset(dst, 0, sizeof(*dst));
	return GT_ENOMEM;
}

int gt_schema_find(const struct gt_schema *s, const char *name)
{
	for (uint32_t i = 0; i < s->ncols; i++)
		if (!strcmp(s->cols[i].name, name))
			return (int)i;
	return -1;
}

int gt_schema_find_id(const struct gt_schema *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->ncols; i++)
		if (s->cols[i].id == id)
			return (int)i;
	return -1;
}

int gt_schema_time_index(const struct gt_schema *s)
{
	for (uint32_t i = 0; i < s->ncols; i++)
		if (s->cols[i].sem == GT_TIME)
			return (int)i;
	return -1;
}

uint32_t gt_schema_ntags(const struct gt_schema *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->ncols; i++)
		n += s->cols[i].sem == GT_TAG;
	return n;
}

uint32_t gt_schema_tag_ordinal(const struct gt_schema *s, int k)
{
	uint32_t t = 0;
	for (int j = 0; j < k; j++)
		t += s->cols[j].sem == GT_TAG;
	return t;
}

int gt_schema_add(struct gt_schema *s, const char *name, enum gt_type type,
		  enum gt_sem sem, enum gt_unit unit, struct gt_err *err)
{
	struct gt_coldef *cols;
	size_t nlen = strlen(name);

	if (!nlen || nlen > GT_NAME_MAX)
		return gt_errf(err, GT_EINVAL, "column name '%.64s' must have 1 to %d bytes", name, GT_NAME_MAX);
	if (gt_schema_find(s, name) >= 0)
		return gt_errf(err, GT_EEXIST, "column '%s' exists already", name);
	if (s->ncols >= GT_MAX_COLUMNS)
		return gt_errf(err, GT_ETOOBIG, "a table has at most %d columns", GT_MAX_COLUMNS);
	if (sem == GT_TIME && gt_schema_time_index(s) >= 0)
		return gt_errf(err, GT_EINVAL, "a table has one time index");
	cols = gt_reallocarray(s->cols, s->ncols + 1, sizeof(*cols));
	if (!cols)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->cols = cols;
	memset(&cols[s->ncols], 0, sizeof(cols[0]));
	cols[s->ncols].name = gt_strdup(name);
	if (!cols[s->ncols].name)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	cols[s->ncols].id = s->next_col_id++;
	cols[s->ncols].type = (uint8_t)type;
	cols[s->ncols].sem = (uint8_t)sem;
	cols[s->ncols].unit = (uint8_t)unit;
	cols[s->ncols].nullable = sem != GT_TIME;
	s->version++;
	return (int)s->ncols++;
}

int gt_schema_drop(struct gt_schema *s, const char *name, struct gt_err *err)
{
	int i = gt_schema_find(s, name);
	if (i < 0)
		return gt_errf(err, GT_ENOTFOUND, "column '%s' does not exist", name);
	if (s->cols[i].sem != GT_FIELD)
		return gt_errf(err, GT_EINVAL, "cannot drop column '%s': it is part of the primary key or the time index", name);
	coldef_release(&s->cols[i]);
	memmove(&s->cols[i], &s->cols[i + 1], (s->ncols - (uint32_t)i - 1) * sizeof(s->cols[0]));
	s->ncols--;
	s->version++;
	return 0;
}

static const char *const type_names[] = {
	[GT_STRING] = "string", [GT_F64] = "f64", [GT_I64] = "i64",
	[GT_U64] = "u64", [GT_BOOL] = "bool", [GT_TS] = "timestamp",
};
static const char *const sem_names[] = {
	[GT_TAG] = "tag", [GT_FIELD] = "field", [GT_TIME] = "time",
};

static const char *const ltype_names[] = {
	[GT_LT_I8] = "i8", [GT_LT_I16] = "i16", [GT_LT_I32] = "i32", [GT_LT_U8] = "u8",
	[GT_LT_U16] = "u16", [GT_LT_U32] = "u32", [GT_LT_F32] = "f32", [GT_LT_DATE] = "date",
	[GT_LT_BINARY] = "binary", [GT_LT_TIME] = "time", [GT_LT_DURATION] = "duration",
	[GT_LT_JSON] = "json",
};

const char *gt_ltype_name(enum gt_type t, enum gt_unit unit, unsigned lt)
{
	static const char *const names[] = {
		[GT_LT_I8] = "Int8", [GT_LT_I16] = "Int16", [GT_LT_I32] = "Int32", [GT_LT_U8] = "UInt8",
		[GT_LT_U16] = "UInt16", [GT_LT_U32] = "UInt32", [GT_LT_F32] = "Float32", [GT_LT_DATE] = "Date",
		[GT_LT_BINARY] = "Binary", [GT_LT_TIME] = "TimeNanosecond", [GT_LT_JSON] = "Json",
	};
	static const char *const durations[] = {
		[GT_UNIT_S] = "DurationSecond", [GT_UNIT_MS] = "DurationMillisecond",
		[GT_UNIT_US] = "DurationMicrosecond", [GT_UNIT_NS] = "DurationNanosecond",
	};
	if (lt == GT_LT_DURATION && t == GT_I64 && unit < GT_ARRAY_LEN(durations) && durations[unit])
		return durations[unit];
	if (lt && lt < GT_ARRAY_LEN(names) && gt_ltype_storage(lt) == t)
		return names[lt];
	return gt_type_name(t, unit);
}

enum gt_type gt_ltype_storage(unsigned lt)
{
	switch (lt) {
	case GT_LT_U8: case GT_LT_U16: case GT_LT_U32: return GT_U64;
	case GT_LT_F32: return GT_F64;
	case GT_LT_BINARY: case GT_LT_JSON: return GT_STRING;
	default: return GT_I64;
	}
}

bool gt_ltype_fits_i64(unsigned lt, int64_t v)
{
	switch (lt) {
	case GT_LT_I8: return v >= INT8_MIN && v <= INT8_MAX;
	case GT_LT_I16: return v >= INT16_MIN && v <= INT16_MAX;
	case GT_LT_I32: case GT_LT_DATE: return v >= INT32_MIN && v <= INT32_MAX;
	case GT_LT_U8: case GT_LT_U16: case GT_LT_U32: return v >= 0 && gt_ltype_fits_u64(lt, (uint64_t)v);
	default: return true;
	}
}

bool gt_ltype_fits_u64(unsigned lt, uint64_t v)
{
	switch (lt) {
	case GT_LT_U8: return v <= UINT8_MAX;
	case GT_LT_U16: return v <= UINT16_MAX;
	case GT_LT_U32: return v <= UINT32_MAX;
	case GT_LT_I8: case GT_LT_I16: case GT_LT_I32: case GT_LT_DATE:
		return v <= INT32_MAX && gt_ltype_fits_i64(lt, (int64_t)v);
	default: return true;
	}
}

const char *gt_unit_name(enum gt_unit u)
{
	switch (u) {
	case GT_UNIT_S: return "s";
	case GT_UNIT_MS: return "ms";
	case GT_UNIT_US: return "us";
	default: return "ns";
	}
}

static int unit_from_name(const char *s)
{
	if (!strcmp(s, "s")) return GT_UNIT_S;
	if (!strcmp(s, "ms")) return GT_UNIT_MS;
	if (!strcmp(s, "us")) return GT_UNIT_US;
	if (!strcmp(s, "ns")) return GT_UNIT_NS;
	return -1;
}

const char *gt_type_name(enum gt_type t, enum gt_unit unit)
{
	switch (t) {
	case GT_STRING: return "String";
	case GT_F64: return "Float64";
	case GT_I64: return "Int64";
	case GT_U64: return "UInt64";
	case GT_BOOL: return "Boolean";
	case GT_TS:
		switch (unit) {
		case GT_UNIT_S: return "TimestampSecond";
		case GT_UNIT_MS: return "TimestampMillisecond";
		case GT_UNIT_US: return "TimestampMicrosecond";
		default: return "TimestampNanosecond";
		}
	}
	return "Unknown";
}

int64_t gt_unit_convert(int64_t v, enum gt_unit from, enum gt_unit to)
{
	static const int64_t p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000,
				      10000000, 100000000, 1000000000};
	if (from == to)
		return v;
	if (to > from)
		return v * p10[to - from];
	return v / p10[from - to];
}

/* enum gt_index bit k is index_names[k]. */
static const char *const index_names[] = {"inverted", "fulltext", "skipping"};

json_t *gt_schema_to_json(const struct gt_schema *s)
{
	json_t *cols = json_array();
	for (uint32_t i = 0; i < s->ncols; i++) {
		const struct gt_coldef *c = &s->cols[i];
		json_t *jc = json_pack("{s:s,s:I,s:s,s:s,s:s,s:b,s:s?}",
			"name", c->name, "id", (json_int_t)c->id, "type", type_names[c->type],
			"sem", sem_names[c->sem], "unit", gt_unit_name(c->unit),
			"nullable", c->nullable, "default", c->dflt);
		/* only when set: schemas without one read the same in older gt */
		if (jc && c->lt && c->lt < GT_ARRAY_LEN(ltype_names))
			json_object_set_new(jc, "ltype", json_string(ltype_names[c->lt]));
		if (jc && c->index) {
			json_t *ix = json_array();
			for (size_t k = 0; k < GT_ARRAY_LEN(index_names); k++)
				if (c->index & (1u << k))
					json_array_append_new(ix, json_string(index_names[k]));
			json_object_set_new(jc, "index", ix);
		}
		if (jc && c->fulltext.n)
			json_object_set_new(jc, "fulltext", gt_opts_to_json(&c->fulltext));
		if (jc && c->skipping.n)
			json_object_set_new(jc, "skipping", gt_opts_to_json(&c->skipping));
		json_array_append_new(cols, jc);
	}
	json_t *j = json_pack("{s:I,s:I,s:o,s:{s:I,s:b,s:s}}",
		"version", (json_int_t)s->version, "next_col_id", (json_int_t)s->next_col_id,
		"columns", cols, "options", "ttl_ms", (json_int_t)s->opts.ttl_ms,
		"append_mode", s->opts.append_mode,
		"merge_mode", s->opts.merge_mode == GT_MERGE_LAST_NON_NULL ? "last_non_null" : "last_row");
	if (j && s->opts.kv.n)
		json_object_set_new(json_object_get(j, "options"), "kv", gt_opts_to_json(&s->opts.kv));
	if (j && s->opts.engine == GT_TABLE_METRIC)
		json_object_set_new(json_object_get(j, "options"), "engine",
				    json_string(gt_table_engine_name(s->opts.engine)));
	return j;
}

const char *gt_table_engine_name(unsigned engine)
{
	return engine == GT_TABLE_METRIC ? "metric" : "mito";
}

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

int gt_schema_from_json(struct gt_schema *s, const json_t *j, struct gt_err *err)
{
	json_t *cols = NULL, *opts = NULL;
	json_int_t version, next;
	json_error_t je;

	memset(s, 0, sizeof(*s));
	if (json_unpack_ex((json_t *)j, &je, 0, "{s:I,s:I,s:o,s?o}", "version", &version,
			   "next_col_id", &next, "columns", &cols, "options", &opts))
		return gt_errf(err, GT_ECORRUPT, "schema: %s", je.text);
	if (!json_is_array(cols) || json_array_size(cols) > GT_MAX_COLUMNS ||
	    version < 0 || version > UINT32_MAX || next < 0 || next > UINT32_MAX)
		return gt_errf(err, GT_ECORRUPT, "schema: bad columns");
	s->version = (uint32_t)version;
	s->next_col_id = (uint32_t)next;
	s->cols = gt_calloc(json_array_size(cols), sizeof(*s->cols));
	if (!s->cols)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(cols); i++) {
		const char *name, *type, *sem, *unit, *dflt = NULL, *ltype = NULL;
		json_t *jd = NULL;
		json_int_t id;
		int nullable = 1, t, m, u, lt = 0;
		struct gt_coldef *c = &s->cols[i];

		if (json_unpack_ex(json_array_get(cols, i), &je, 0, "{s:s,s:I,s:s,s:s,s:s,s?b,s?o,s?s}",
				   "name", &name, "id", &id, "type", &type, "sem", &sem,
				   "unit", &unit, "nullable", &nullable, "default", &jd, "ltype", &ltype) ||
		    (ltype && ((lt = lookup(ltype_names, GT_ARRAY_LEN(ltype_names), ltype)) <= 0 ||
			       (t = lookup(type_names, GT_ARRAY_LEN(type_names), type)) != (int)gt_ltype_storage((unsigned)lt))) ||
		    (jd && !json_is_null(jd) && !(dflt = json_string_value(jd))) ||
		    (t = lookup(type_names, GT_ARRAY_LEN(type_names), type)) < 0 ||
		    (m = lookup(sem_names, GT_ARRAY_LEN(sem_names), sem)) < 0 ||
		    (u = unit_from_name(unit)) < 0 || id < 0 || id >= next ||
		    strlen(name) == 0 || strlen(name) > GT_NAME_MAX) {
			gt_schema_release(s);
			return gt_errf(err, GT_ECORRUPT, "schema: bad column %zu", i);
		}
		c->name = gt_strdup(name);
		c->dflt = dflt ? gt_strdup(dflt) : NULL;
		s->ncols++;
		if (!c->name || (dflt && !c->dflt)) {
			gt_schema_release(s);
			return gt_errf(err, GT_ENOMEM, "out of memory");
		}
		json_t *jc = json_array_get(cols, i), *ix = json_object_get(jc, "index");
		for (size_t k = 0; json_is_array(ix) && k < json_array_size(ix); k++) {
			const char *nm = json_string_value(json_array_get(ix, k));
			int b = nm ? lookup(index_names, GT_ARRAY_LEN(index_names), nm) : -1;
			if (b >= 0)
				c->index |= (uint8_t)(1u << b);
		}
		int orc = gt_opts_from_json(&c->fulltext, json_object_get(jc, "fulltext"), err);
		if (orc == 0)
			orc = gt_opts_from_json(&c->skipping, json_object_get(jc, "skipping"), err);
		if (orc < 0) {
			gt_schema_release(s);
			return orc;
		}
		c->id = (uint32_t)id;
		c->type = (uint8_t)t;
		c->sem = (uint8_t)m;
		c->unit = (uint8_t)u;
		c->nullable = (uint8_t)nullable;
		c->lt = (uint8_t)lt;
	}
	if (opts) {
		json_int_t ttl = 0;
		int append = 0;
		const char *merge = "last_row";
		if (json_unpack_ex(opts, &je, 0, "{s?I,s?b,s?s}", "ttl_ms", &ttl,
				   "append_mode", &append, "merge_mode", &merge)) {
			gt_schema_release(s);
			return gt_errf(err, GT_ECORRUPT, "schema options: %s", je.text);
		}
		s->opts.ttl_ms = ttl;
		s->opts.append_mode = append;
		s->opts.merge_mode = !strcmp(merge, "last_non_null") ? GT_MERGE_LAST_NON_NULL : GT_MERGE_LAST_ROW;
		const char *eng = json_string_value(json_object_get(opts, "engine"));
		s->opts.engine = eng && !strcmp(eng, "metric") ? GT_TABLE_METRIC : GT_TABLE_MITO;
		int orc = gt_opts_from_json(&s->opts.kv, json_object_get(opts, "kv"), err);
		if (orc < 0) {
			gt_schema_release(s);
			return orc;
		}
	}
	return 0;
}
