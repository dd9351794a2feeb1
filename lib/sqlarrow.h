/*
 * sqlarrow.h - a SQL result as an Arrow IPC file, GreptimeDB's
 * `/v1/sql?format=arrow` answer, and the one thing gt reads back from
 * one: the Float64 values JSON cannot carry.
 *
 * GreptimeDB's HTTP JSON (sqljson.h) writes NaN and the infinities as
 * null, as serde_json does, so a client of the JSON cannot tell them
 * from NULL; its csv and table formats are made from the same JSON
 * values.  Arrow carries them: the sqlness runner asks for it when a
 * JSON answer has a NULL in a Float64 column (GreptimeDB's own runner
 * reads Arrow, over gRPC, and prints NaN, inf, -inf).
 *
 * The file (Arrow columnar format, IPC file format, metadata V5, little
 * endian, no compression, no dictionaries):
 *   "ARROW1\0\0", the Schema message, one RecordBatch message (none for
 *   an answer with no rows whose header is not shown: the batch is what
 *   makes GreptimeDB's runner print an empty answer's header), the
 *   end-of-stream marker (0xFFFFFFFF, 0), the Footer, its int32 length,
 *   "ARROW1".
 * A message is 0xFFFFFFFF, an int32 length, a Message flatbuffer padded
 * to 8 bytes, then its body (a batch's buffers, each padded to 8).
 * Types: Int64, UInt64, Float64, Bool, Utf8, Timestamp(unit) from gt's
 * storage types; gt's narrower logical types (Int32, Date ...) go as
 * their storage type.  A statement that changes rows answers an empty
 * body (GreptimeDB's: the count is not in the file).
 *
 * Thread safety: no shared state.
 */
#ifndef GT_SQLARROW_H
#define GT_SQLARROW_H

#include "sql.h"

/* Append o (records) to out as an Arrow IPC file.  GT_ENOMEM, GT_EINVAL for a malformed output. */
int gt_sqlarrow_encode(const struct gt_sql_output *o, struct gt_buf *out);
/*
 * Read the Arrow IPC file p (len bytes) answering the query o answers,
 * and fill the NULL cells of o's Float64 columns where the file has a
 * value (NaN, inf); set o->keep_header when the file has a record batch.  GT_ECORRUPT when p is not such a file; o is then
 * unchanged or partly filled.
 */
int gt_sqlarrow_floats(const char *p, size_t len, struct gt_sql_output *o);

#endif
