/*
 * mywire-int.h - the parts of the MySQL protocol server (mywire.h) that
 * its files share: the packet codec (mywire-pkt.c: pure functions over
 * byte ranges, what tests/fuzz/fuzz-mywire.c drives), the statement
 * text helpers and the answers gt gives itself to what drivers ask a
 * MySQL server (mywire-fed.c), and the session (mywire.c).
 *
 * Wire format (MySQL client/server protocol 4.1, little-endian):
 *
 *   packet  = u24 payload length | u8 sequence id | payload
 *             a payload of 0xffffff bytes or more is split into packets
 *             of 0xffffff bytes, the last one shorter (possibly empty)
 *   lenenc  = < 0xfb: one byte | 0xfc u16 | 0xfd u24 | 0xfe u64
 *             (0xfb is NULL in a text row; 0xff starts an ERR packet)
 *   lenstr  = lenenc length | bytes
 *
 * Every reader checks each length against the bytes left before it
 * reads; a short or inconsistent payload makes the reader "bad" and the
 * caller answers with an error instead of guessing.
 */
#ifndef GT_MYWIRE_INT_H
#define GT_MYWIRE_INT_H

#include <stdbool.h>

#include "buf.h"
#include "sql.h"

#define MY_PKT_MAX 0xffffffu            /* one packet's payload */
#define MY_SERVER_VERSION "8.4.2-gt-" GT_VERSION
#define MY_SCRAMBLE_LEN 20
#define MY_CHARSET_UTF8MB4 45           /* utf8mb4_general_ci */
#define MY_CHARSET_BINARY 63

/* Capability flags (the ones gt looks at or announces). */
enum {
	MY_CLIENT_LONG_PASSWORD = 0x1,
	MY_CLIENT_FOUND_ROWS = 0x2,
	MY_CLIENT_LONG_FLAG = 0x4,
	MY_CLIENT_CONNECT_WITH_DB = 0x8,
	MY_CLIENT_NO_SCHEMA = 0x10,
	MY_CLIENT_PROTOCOL_41 = 0x200,
	MY_CLIENT_INTERACTIVE = 0x400,
	MY_CLIENT_SSL = 0x800,
	MY_CLIENT_TRANSACTIONS = 0x2000,
	MY_CLIENT_SECURE_CONNECTION = 0x8000,
	MY_CLIENT_MULTI_STATEMENTS = 0x10000,
	MY_CLIENT_MULTI_RESULTS = 0x20000,
	MY_CLIENT_PS_MULTI_RESULTS = 0x40000,
	MY_CLIENT_PLUGIN_AUTH = 0x80000,
	MY_CLIENT_CONNECT_ATTRS = 0x100000,
	MY_CLIENT_PLUGIN_AUTH_LENENC = 0x200000,
};

/* Server status flags. */
enum {
	MY_STATUS_AUTOCOMMIT = 0x2,
	MY_STATUS_MORE_RESULTS = 0x8,
};

/* Command bytes. */
enum {
	MY_COM_QUIT = 0x01,
	MY_COM_INIT_DB = 0x02,
	MY_COM_QUERY = 0x03,
	MY_COM_FIELD_LIST = 0x04,
	MY_COM_STATISTICS = 0x09,
	MY_COM_PING = 0x0e,
	MY_COM_STMT_PREPARE = 0x16,
	MY_COM_STMT_EXECUTE = 0x17,
	MY_COM_STMT_SEND_LONG_DATA = 0x18,
	MY_COM_STMT_CLOSE = 0x19,
	MY_COM_STMT_RESET = 0x1a,
	MY_COM_SET_OPTION = 0x1b,
	MY_COM_RESET_CONNECTION = 0x1f,
};

/* Column types. */
enum my_type {
	MY_T_DECIMAL = 0, MY_T_TINY = 1, MY_T_SHORT = 2, MY_T_LONG = 3, MY_T_FLOAT = 4,
	MY_T_DOUBLE = 5, MY_T_NULL = 6, MY_T_TIMESTAMP = 7, MY_T_LONGLONG = 8, MY_T_INT24 = 9,
	MY_T_DATE = 10, MY_T_TIME = 11, MY_T_DATETIME = 12, MY_T_YEAR = 13, MY_T_NEWDATE = 14,
	MY_T_VARCHAR = 15, MY_T_BIT = 16, MY_T_JSON = 245, MY_T_NEWDECIMAL = 246, MY_T_ENUM = 247,
	MY_T_SET = 248, MY_T_TINY_BLOB = 249, MY_T_MEDIUM_BLOB = 250, MY_T_LONG_BLOB = 251,
	MY_T_BLOB = 252, MY_T_VAR_STRING = 253, MY_T_STRING = 254, MY_T_GEOMETRY = 255,
};

/* Column definition flags. */
enum {
	MY_FLAG_NOT_NULL = 1,
	MY_FLAG_UNSIGNED = 32,
	MY_FLAG_BINARY = 128,
	MY_FLAG_NUM = 32768,
};

/* ---- reading a payload ---- */

struct my_rd {
	const uint8_t *p;
	size_t n, i;
	bool bad;                       /* a read ran past the end */
};

static inline void my_rd_init(struct my_rd *r, const void *p, size_t n)
{
	r->p = p;
	r->n = n;
	r->i = 0;
	r->bad = false;
}
static inline size_t my_rd_left(const struct my_rd *r)
{
	return r->n - r->i;
}
uint64_t my_rd_uint(struct my_rd *r, unsigned bytes);   /* 1..8 bytes LE */
uint64_t my_rd_lenenc(struct my_rd *r);                 /* 0xfb and 0xff are bad */
const uint8_t *my_rd_bytes(struct my_rd *r, size_t n);
const uint8_t *my_rd_lenstr(struct my_rd *r, size_t *n);
const uint8_t *my_rd_nulstr(struct my_rd *r, size_t *n); /* up to a NUL, which is skipped */

/* ---- writing ---- */

int my_put_uint(struct gt_buf *b, uint64_t v, unsigned bytes);
int my_put_lenenc(struct gt_buf *b, uint64_t v);
int my_put_lenstr(struct gt_buf *b, const void *p, size_t n);

/* Payloads (without the 4-byte header). */
int my_put_ok(struct gt_buf *b, uint64_t affected, uint16_t status, uint16_t warnings);
int my_put_eof(struct gt_buf *b, uint16_t status, uint16_t warnings);
int my_put_err(struct gt_buf *b, uint16_t code, const char *sqlstate, const char *msg);

/* How a gt result column is described to a client. */
struct my_coltype {
	uint8_t type;                   /* enum my_type */
	uint16_t flags, charset;
	uint32_t length;
	uint8_t decimals;
};
void my_coltype_of(const struct gt_sql_column *c, struct my_coltype *t);
int my_put_coldef(struct gt_buf *b, const char *name, const struct my_coltype *t);

/* Row values, text (COM_QUERY) and binary (COM_STMT_EXECUTE) forms. */
int my_put_text_value(struct gt_buf *b, const struct gt_vec *v, uint32_t r, const struct gt_sql_column *c);
int my_put_binary_row(struct gt_buf *b, const struct gt_sql_output *o, uint32_t r);

/* The client's HandshakeResponse41 (or an SSLRequest, which is its prefix). */
struct my_hsresp {
	uint32_t caps, max_packet;
	uint8_t charset;
	bool ssl_request;               /* only the 32-byte prefix with CLIENT_SSL */
	char user[128];
	uint8_t auth[256];
	size_t authlen;
	bool has_db;
	char db[GT_NAME_MAX + 1];
	char plugin[64];
};
/* 0, or GT_ECORRUPT / GT_EUNSUPP (pre-4.1 client) with err saying why. */
int my_hsresp_decode(struct my_hsresp *h, const void *p, size_t n, struct gt_err *err);

/* mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
void my_native_scramble(const char *pw, const uint8_t scramble[MY_SCRAMBLE_LEN], uint8_t out[20]);

/*
 * COM_STMT_EXECUTE parameters (the payload after the command byte).
 * types[] holds nparams (type | unsigned flag << 8) pairs: the ones the
 * client bound before, replaced when this execute binds new ones.
 * long_data[i] (may be NULL) is what COM_STMT_SEND_LONG_DATA sent for
 * parameter i; such a parameter has no value in the payload.  Each
 * parameter's value becomes SQL literal text in lits, NUL-separated.
 */
struct my_exec {
	uint32_t stmt_id;
	uint8_t flags;                  /* cursor type: only 0 (no cursor) is served */
};
int my_exec_decode(struct my_exec *x, const void *p, size_t n, uint16_t nparams, uint16_t *types,
		   bool *types_bound, const struct gt_buf *long_data, struct gt_buf *lits, struct gt_err *err);
/* The statement id a COM_STMT_EXECUTE / CLOSE / RESET / SEND_LONG_DATA names (GT_ECORRUPT if short). */
int my_stmt_id(const void *p, size_t n, uint32_t *id);

/* ---- statement text (mywire-fed.c) ---- */

/* The end of the statement starting at s[from] (the ';' or n), skipping
 * quotes and comments; *empty says whether it holds only blanks and
 * comments. */
size_t my_stmt_end(const char *s, size_t n, size_t from, bool *empty);
/* The number of '?' placeholders outside quotes and comments. */
uint32_t my_count_params(const char *s, size_t n);
/* The nlits NUL-separated literals of lits as the engine's parameters
 * (*out points into lits; free it); GT_EINVAL when lits holds fewer. */
int my_params(const struct gt_buf *lits, uint32_t nlits, struct gt_sql_param **out);

/* What a connection tells the statements gt answers itself. */
struct my_vars {
	uint32_t n;
	char **names, **vals;           /* lowercase names; values as text */
};
void my_vars_release(struct my_vars *v);
int my_vars_set(struct my_vars *v, const char *name, const char *val);
const char *my_vars_get(const struct my_vars *v, const char *name);

struct my_fed {
	struct gt_sql_session *s;
	struct my_vars *vars;
	const char *user;
	uint32_t conn_id;
	uint16_t *status;               /* MY_STATUS_AUTOCOMMIT follows SET autocommit */
	char warning[256];              /* SHOW WARNINGS: the last statement's, or "" */
};

/*
 * Answer the statement s[0..n) if it is one that gt answers for the
 * MySQL protocol itself (SELECT @@var, SET, SHOW WARNINGS, SHOW
 * VARIABLES, SELECT DATABASE(), COMMIT ...).  1 with one output in res;
 * 0 when the engine should run it (then *rewritten may hold a text to
 * run instead, e.g. SET time_zone); a negative code with e filled.
 */
int my_fed_answer(struct my_fed *f, const char *s, size_t n, struct gt_sql_result *res,
		  struct gt_buf *rewritten, struct gt_sql_error *e);

/*
 * The SQL-level prepared statements: PREPARE name FROM 'text' (arg gets
 * the text), EXECUTE name [USING v, ...] (arg gets the values' SQL text,
 * NUL-separated, *nargs of them), DEALLOCATE [PREPARE] name.  Returns
 * which, 0 for another statement, GT_EINVAL when malformed.
 */
enum { MY_TEXT_PREPARE = 1, MY_TEXT_EXECUTE = 2, MY_TEXT_DEALLOCATE = 3 };
int my_text_prepare(const char *s, size_t n, char *name, size_t cap, struct gt_buf *arg, uint32_t *nargs);

/* The MySQL error number and SQLSTATE for a gt status and message. */
void my_errcode(int status, const char *msg, uint16_t *code, const char **sqlstate);

#endif
