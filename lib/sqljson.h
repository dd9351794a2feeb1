/*
 * sqljson.h - SQL results in GreptimeDB's HTTP JSON, both ways: the
 * server encodes (/v1/sql), the sqlness runner and tests decode.
 *
 * Success:
 *   {"output":[{"records":{"schema":{"column_schemas":[{"name":"ts",
 *     "data_type":"TimestampMillisecond"}]},"rows":[[1667446797450]],
 *     "total_rows":1}}, {"affectedrows":3}],"execution_time_ms":2}
 * Error (with a 4xx/5xx HTTP status, see gt_status_http()):
 *   {"code":4001,"error":"Table not found: ...","execution_time_ms":0}
 * Timestamps are integers in the column's unit; data types are named as
 * GreptimeDB names them (gt_type_name()).
 */
#ifndef GT_SQLJSON_H
#define GT_SQLJSON_H

#include "sql.h"

int gt_sqljson_encode(const struct gt_sql_result *res, int64_t elapsed_ms, struct gt_buf *out);
int gt_sqljson_error(int status, const char *msg, int64_t elapsed_ms, struct gt_buf *out);
/* Parse a response body back into a result (0), or into e for an error
 * body (GT_EINVAL); GT_ECORRUPT if the text is not such a body. */
int gt_sqljson_decode(const char *text, size_t len, struct gt_sql_result *res, struct gt_sql_error *e);

#endif
