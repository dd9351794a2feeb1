/*
 * rowfmt.h - rows out as text for Unix pipelines: CSV (with a header
 * line), JSON lines, or InfluxDB line protocol.  Used by `gt-data scan`
 * and `gt-sst dump`.
 *
 * Columns come out in schema order (tags decoded from each row's series
 * key; for line protocol tables: tags, fields, then the time index).  Numbers print in the shortest form
 * that reads back to the same value; NaN and infinities print as NaN,
 * +Inf and -Inf (as strings in JSON).  Nulls are empty in CSV, null in
 * JSON, and left out in line protocol (a row whose fields are all null
 * has no line-protocol form and is skipped).  Line protocol timestamps
 * are nanoseconds, so the output feeds `gt-data write` unchanged.
 * Rows whose op is a deletion are left out unless meta is set, which
 * also adds each row's sequence and op ("put" or "delete") as the columns
 * __seq and __op (CSV and JSON lines only).
 */
#ifndef GT_ROWFMT_H
#define GT_ROWFMT_H

#include <stdio.h>
#include "batch.h"
#include "key.h"

enum gt_rowfmt_kind { GT_FMT_CSV, GT_FMT_JSONL, GT_FMT_LP };

/* "csv", "jsonl", "lp" -> kind, or -1. */
int gt_rowfmt_parse(const char *name);

typedef const void *(*gt_key_fn)(void *ctx, uint32_t sid, size_t *len);

struct gt_rowfmt {
	int kind;
	const struct gt_schema *schema;
	const char *table;
	FILE *out;
	bool meta;             /* add __seq and __op (csv, jsonl) and keep deletions */
	bool header_done;
	struct gt_buf line, scratch;
	struct gt_key_part parts[256];
	struct gt_vec tagv;    /* a non-string tag's decoded value */
};

void gt_rowfmt_init(struct gt_rowfmt *f, int kind, const struct gt_schema *schema, const char *table, FILE *out);
void gt_rowfmt_release(struct gt_rowfmt *f);
/* Write the rows of b (cols: time index then fields, by column id; sid set).
 * Schema fields the batch lacks print as null. */
int gt_rowfmt_batch(struct gt_rowfmt *f, const struct gt_batch *b, gt_key_fn key, void *ctx);

/* Shortest text that strtod reads back as v ("1", "80", "0.1", "1e+300"). */
int gt_fmt_f64(char *buf, size_t n, double v);

#endif
