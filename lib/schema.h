/*
 * schema.h - the data model of DESIGN.md section 2: column types, the
 * semantic of each column (tag, time index, field) and a table's schema.
 *
 * Column ids are stable for the life of a table: ADD COLUMN takes
 * next_col_id, DROP COLUMN removes the definition but never reuses its
 * id, so an old SST's columns are matched to the current schema by id.
 * Tag columns form the primary key in the order they appear in cols[].
 * New tag columns are only ever appended to the key (see key.h for why
 * that keeps old series keys valid).
 *
 * A schema owns its names; gt_schema_release() frees them.
 */
#ifndef GT_SCHEMA_H
#define GT_SCHEMA_H

#include <stdbool.h>
#include "gt.h"

enum gt_type {
	GT_STRING = 1,
	GT_F64 = 2,
	GT_I64 = 3,
	GT_U64 = 4,
	GT_BOOL = 5,
	GT_TS = 6,       /* int64 in the column's unit */
};

enum gt_sem {
	GT_TAG = 1,      /* part of the primary key (any type, see key.h) */
	GT_FIELD = 2,
	GT_TIME = 3,     /* the time index: one per table, not null */
};

/* Time units as powers of ten below a second. */
enum gt_unit {
	GT_UNIT_S = 0,
	GT_UNIT_MS = 3,
	GT_UNIT_US = 6,
	GT_UNIT_NS = 9,
};

/* How rows with the same (series, timestamp) combine. */
enum gt_merge_mode {
	GT_MERGE_LAST_ROW = 0,       /* the latest row wins whole (SQL tables) */
	GT_MERGE_LAST_NON_NULL = 1,  /* per field, the latest non-null value (line protocol tables) */
};

/*
 * Declared types GreptimeDB has that gt keeps in a wider storage type.
 * A column (and a SQL value) has a storage type (enum gt_type: what its
 * vecs, WAL, memtables and SSTs hold) and, when it was declared
 * narrower, a logical type that names it (DESCRIBE, SHOW CREATE TABLE,
 * HTTP), range-checks values on insert and cast, and renders them.
 * 0 means the storage type itself.
 */
enum gt_ltype {
	GT_LT_NONE = 0,
	GT_LT_I8 = 1,        /* GT_I64 */
	GT_LT_I16 = 2,
	GT_LT_I32 = 3,
	GT_LT_U8 = 4,        /* GT_U64 */
	GT_LT_U16 = 5,
	GT_LT_U32 = 6,
	GT_LT_F32 = 7,       /* GT_F64, values rounded to float32 on the way in */
	GT_LT_DATE = 8,      /* GT_I64: days since 1970-01-01 */
	GT_LT_BINARY = 9,    /* GT_STRING */
	/* Values of expressions only, never a column's declared type: */
	GT_LT_TIME = 10,     /* GT_I64: nanoseconds since midnight (SQL TIME, Arrow Time64(ns)) */
	GT_LT_DURATION = 11, /* GT_I64: a span in the value's unit (timestamp - timestamp) */
	/* A column's declared type again: */
	GT_LT_JSON = 12,     /* GT_STRING: JSON and JSON2 columns, kept as the text given (not checked) */
};

#define GT_NAME_MAX 255       /* longest database, table or column name */
#define GT_MAX_COLUMNS 4096

/*
 * Options as text, by key, sorted and unique: table options as given in
 * WITH(...) and ALTER TABLE SET, database options, and the options of a
 * column's index.  Owns its strings; a zeroed struct is empty.
 */
struct gt_opts {
	uint32_t n;
	char **keys, **vals;
};

void gt_opts_release(struct gt_opts *o);
int gt_opts_copy(struct gt_opts *dst, const struct gt_opts *src);
/* The value of key, or NULL. */
const char *gt_opts_get(const struct gt_opts *o, const char *key);
/* Set (insert or replace) key to val.  0 or GT_ENOMEM. */
int gt_opts_set(struct gt_opts *o, const char *key, const char *val);
/* Remove key; 1 if it was there, else 0. */
int gt_opts_unset(struct gt_opts *o, const char *key);

/* Index kinds a column may carry (GreptimeDB's column options). */
enum gt_index {
	GT_INDEX_INVERTED = 1,
	GT_INDEX_FULLTEXT = 2,
	GT_INDEX_SKIPPING = 4,
};

struct gt_coldef {
	char *name;
	uint32_t id;
	uint8_t type;       /* enum gt_type */
	uint8_t sem;        /* enum gt_sem */
	uint8_t unit;       /* enum gt_unit, GT_TS only */
	uint8_t nullable;
	uint8_t lt;         /* enum gt_ltype */
	char *dflt;         /* DEFAULT expression as SQL text, or NULL */
	uint8_t index;      /* enum gt_index bits */
	struct gt_opts fulltext, skipping;  /* their WITH(...) options, defaults filled in */
};

/* The table engine CREATE TABLE ... ENGINE= names. */
enum gt_table_engine {
	GT_TABLE_MITO = 0,     /* the region engine: every table so far */
	GT_TABLE_METRIC = 1,   /* a metric engine table, physical or logical (lib/sql-metric.c); stored as mito */
};

/* The engine's name as ENGINE= and information_schema spell it: "mito", "metric". */
const char *gt_table_engine_name(unsigned engine);

struct gt_table_opts {
	uint8_t engine;     /* enum gt_table_engine */
	int64_t ttl_ms;     /* 0 = keep forever */
	bool append_mode;   /* no dedup by row key */
	uint8_t merge_mode; /* enum gt_merge_mode */
	/* Every option as given (WITH, ALTER SET), lowercase keys; the fields
	 * above are derived from it.  What SHOW CREATE TABLE prints. */
	struct gt_opts kv;
};

struct gt_schema {
	uint32_t version;     /* bumped by every change */
	uint32_t next_col_id;
	uint32_t ncols;
	struct gt_coldef *cols;
	struct gt_table_opts opts;
};

void gt_schema_release(struct gt_schema *s);
int gt_schema_copy(struct gt_schema *dst, const struct gt_schema *src);
/* Index of the column with this name or id, or -1. */
int gt_schema_find(const struct gt_schema *s, const char *name);
int gt_schema_find_id(const struct gt_schema *s, uint32_t id);
/* Index of the time index column, or -1. */
int gt_schema_time_index(const struct gt_schema *s);
uint32_t gt_schema_ntags(const struct gt_schema *s);
/* Ordinal among the tag columns (the series key's part) of column k. */
uint32_t gt_schema_tag_ordinal(const struct gt_schema *s, int k);
/* Append a column (takes a copy of name); assigns the next id.  Returns its index. */
int gt_schema_add(struct gt_schema *s, const char *name, enum gt_type type,
		  enum gt_sem sem, enum gt_unit unit, struct gt_err *err);
int gt_schema_drop(struct gt_schema *s, const char *name, struct gt_err *err);

/* Names as GreptimeDB prints them: "String", "Float64", "TimestampNanosecond" ... */
const char *gt_type_name(enum gt_type t, enum gt_unit unit);
const char *gt_unit_name(enum gt_unit u);  /* "s", "ms", "us", "ns" */
/* The same with a logical type: "Int32", "Float32", "Date" ... */
const char *gt_ltype_name(enum gt_type t, enum gt_unit unit, unsigned lt);
/* The storage type of a logical type. */
enum gt_type gt_ltype_storage(unsigned lt);
/* Whether a value fits the logical type (always for GT_LT_NONE). */
bool gt_ltype_fits_i64(unsigned lt, int64_t v);
bool gt_ltype_fits_u64(unsigned lt, uint64_t v);
/* Multiply to convert a count of `from` units to `to` units (may lose precision downward). */
int64_t gt_unit_convert(int64_t v, enum gt_unit from, enum gt_unit to);

/* JSON form (jansson), used by the manifest and the catalog:
 * {"version":1,"next_col_id":4,"columns":[{"name":..,"id":..,"type":"f64","sem":"field",
 *   "unit":"ns","nullable":true,"default":null[,"ltype":"f32"],"index":["inverted","fulltext","skipping"],
 *   "fulltext":{"analyzer":"English",...},"skipping":{...}}],"options":{"ttl_ms":0,
 *   "append_mode":false,"merge_mode":"last_row","kv":{"ttl":"7d",...},"engine":"metric"}}
 * "index", "fulltext", "skipping", "kv" and "engine" (mito) are absent when empty (older
 * files never have them). */
struct json_t;
struct json_t *gt_opts_to_json(const struct gt_opts *o);
int gt_opts_from_json(struct gt_opts *o, const struct json_t *j, struct gt_err *err);
struct json_t *gt_schema_to_json(const struct gt_schema *s);
int gt_schema_from_json(struct gt_schema *s, const struct json_t *j, struct gt_err *err);

#endif
