/*
 * pgproto.h - the PostgreSQL v3 wire protocol's messages, without I/O:
 * splitting a byte stream into messages, decoding what a client sends
 * and encoding what a server answers.  pgwire.c runs the sessions over
 * it; tests/fuzz/fuzz-pgwire.c feeds it arbitrary bytes.
 *
 * Framing (every integer big-endian):
 *   startup phase:  int32 len (itself included) | int32 code | body
 *                   code 196608 = protocol 3.0 (body: key\0value\0 ... \0),
 *                   80877103 SSLRequest, 80877104 GSSENCRequest,
 *                   80877102 CancelRequest (int32 pid | int32 key)
 *   after it:       u8 type | int32 len (itself included) | body
 *
 * Decoders never read outside their input; the structs they fill point
 * into the message body (which the caller keeps alive), except the
 * arrays of a Parse or Bind, which gt_pg_*_release() frees.  Every
 * refusal is GT_ECORRUPT (malformed) or GT_ETOOBIG (over a limit) with
 * a message starting "pg: ".
 *
 * Encoders append one whole message to a gt_buf; gt_pg_begin() and
 * gt_pg_end() frame a message whose body the caller writes with the
 * gt_pg_put_* helpers.
 */
#ifndef GT_PGPROTO_H
#define GT_PGPROTO_H

#include <stdbool.h>
#include "buf.h"

#define GT_PG_PROTO_V3 196608u
#define GT_PG_SSL_REQUEST 80877103u
#define GT_PG_GSSENC_REQUEST 80877104u
#define GT_PG_CANCEL_REQUEST 80877102u
#define GT_PG_STARTUP_MAX 10000u          /* what PostgreSQL allows a startup packet */
#define GT_PG_MAX_PARAMS 65535u           /* an int16 count */

/* Type OIDs (pg_type.dat) gt sends and accepts. */
enum gt_pg_oid {
	GT_PG_BOOL = 16, GT_PG_BYTEA = 17, GT_PG_CHAR = 18, GT_PG_NAME = 19, GT_PG_INT8 = 20,
	GT_PG_INT2 = 21, GT_PG_INT4 = 23, GT_PG_TEXT = 25, GT_PG_OID = 26, GT_PG_FLOAT4 = 700,
	GT_PG_FLOAT8 = 701, GT_PG_UNKNOWN = 705, GT_PG_VARCHAR = 1043, GT_PG_DATE = 1082,
	GT_PG_TIME = 1083, GT_PG_TIMESTAMP = 1114, GT_PG_TIMESTAMPTZ = 1184, GT_PG_INTERVAL = 1186, GT_PG_NUMERIC = 1700,
};

/*
 * Split the next message off buf[0..len).  startup selects the framing
 * without a type byte.  Returns the whole message's size (> 0) with *m
 * filled, 0 when more bytes are needed (*need = how many the message
 * takes in all, when known, else 0), or GT_ECORRUPT / GT_ETOOBIG for a
 * length under the minimum or over max.
 */
struct gt_pg_msg {
	uint8_t type;           /* 0 in the startup phase */
	const uint8_t *p;       /* body */
	size_t n;
};
int gt_pg_split(const uint8_t *buf, size_t len, bool startup, size_t max, struct gt_pg_msg *m,
		size_t *need, struct gt_err *err);

/* A startup-phase packet: code and, for protocol 3.0, its parameters. */
struct gt_pg_startup {
	uint32_t code;
	uint32_t nparams;
	const char *keys[32], *vals[32];  /* more parameters than this are refused */
	uint32_t cancel_pid, cancel_key;  /* CancelRequest */
};
int gt_pg_startup_decode(struct gt_pg_startup *s, const struct gt_pg_msg *m, struct gt_err *err);
/* The value of parameter key, or NULL. */
const char *gt_pg_startup_get(const struct gt_pg_startup *s, const char *key);

/* 'P' Parse */
struct gt_pg_parse {
	const char *name, *query;
	size_t query_len;
	uint16_t nparams;
	uint32_t *oids;               /* nparams, 0 = unspecified */
};
int gt_pg_parse_decode(struct gt_pg_parse *p, const struct gt_pg_msg *m, struct gt_err *err);
void gt_pg_parse_release(struct gt_pg_parse *p);

/* 'B' Bind */
struct gt_pg_bind {
	const char *portal, *stmt;
	uint16_t nfmts, nparams, nresfmts;
	int16_t *fmts, *resfmts;      /* 0 = text, 1 = binary */
	const uint8_t **vals;         /* nparams; NULL = SQL NULL */
	int32_t *lens;
};
int gt_pg_bind_decode(struct gt_pg_bind *b, const struct gt_pg_msg *m, struct gt_err *err);
void gt_pg_bind_release(struct gt_pg_bind *b);
/* The format of parameter (or result column) i given a format list as Bind sends it. */
int gt_pg_format(const int16_t *fmts, uint16_t nfmts, uint32_t i);

/* 'D' Describe and 'C' Close: kind 'S' (statement) or 'P' (portal) and a name. */
struct gt_pg_target {
	char kind;
	const char *name;
};
int gt_pg_target_decode(struct gt_pg_target *t, const struct gt_pg_msg *m, struct gt_err *err);

/* 'E' Execute */
struct gt_pg_execute {
	const char *portal;
	uint32_t max_rows;            /* 0 = all */
};
int gt_pg_execute_decode(struct gt_pg_execute *e, const struct gt_pg_msg *m, struct gt_err *err);

/* 'Q' Query and 'p' PasswordMessage (cleartext or md5): one string. */
int gt_pg_string_decode(const char **s, size_t *len, const struct gt_pg_msg *m, struct gt_err *err);
/* 'p' as SASLInitialResponse: mechanism and the client-first message. */
int gt_pg_sasl_initial_decode(const char **mech, const uint8_t **data, size_t *len, const struct gt_pg_msg *m,
			      struct gt_err *err);

/* Encoders: frame, then the body. */
size_t gt_pg_begin(struct gt_buf *b, char type);
int gt_pg_end(struct gt_buf *b, size_t start);
int gt_pg_put_i16(struct gt_buf *b, int16_t v);
int gt_pg_put_i32(struct gt_buf *b, int32_t v);
int gt_pg_put_str(struct gt_buf *b, const char *s);     /* with its NUL */

/* Whole messages. */
int gt_pg_auth_msg(struct gt_buf *b, int32_t code, const void *extra, size_t n);  /* 'R' */
int gt_pg_param_status(struct gt_buf *b, const char *key, const char *val);      /* 'S' */
int gt_pg_backend_key(struct gt_buf *b, uint32_t pid, uint32_t key);             /* 'K' */
int gt_pg_ready(struct gt_buf *b, char status);                                  /* 'Z' */
int gt_pg_complete(struct gt_buf *b, const char *tag);                           /* 'C' */
int gt_pg_empty(struct gt_buf *b, char type);   /* bodiless: '1' '2' '3' 'n' 'I' 's' */
/* 'E' ErrorResponse / 'N' NoticeResponse: severity (S; no V, as GreptimeDB), SQLSTATE, message;
 * position 0 = none. */
int gt_pg_error(struct gt_buf *b, char type, const char *severity, const char *sqlstate, const char *msg,
		uint32_t position);

#endif
