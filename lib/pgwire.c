/*
 * pgwire.c - the PostgreSQL server's sessions (pgwire.h): startup,
 * authentication, the simple and the extended query protocols over the
 * SQL engine, errors as SQLSTATEs.
 *
 * A connection reads whole messages into `in` (the length checked
 * against GT_PG_MAX_MESSAGE before the body is read) and gathers its
 * answers in `out`, written when the client waits for them: at
 * ReadyForQuery, Flush, or when out passes OUT_FLUSH bytes.
 *
 * Statements run one at a time: a simple Query is split at ';' (outside
 * quotes and comments) so that each statement gets its own answer and
 * the session statements handled here (BEGIN, SET search_path, psql's
 * catalog queries ...) can sit among engine statements.  A portal runs
 * its statement when first described or executed and keeps the result
 * until it is closed or the Sync ends it, so Execute with a row limit
 * resumes where it stopped.
 */
#include "pgwire.h"
#include "pgwire-int.h"
#include "pgauth.h"
#include "auth.h"
#include "connserv.h"
#include "db.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>
#include <openssl/rand.h>

#define OUT_FLUSH (256u << 10)
#define MAX_STMTS 1024          /* named statements, and portals, per connection */
#define STARTUP_TIMEOUT_S 60    /* PostgreSQL's authentication_timeout */

struct gt_pgwire {
	struct gt_wire_opts o;
	struct gt_connserv *cs;
	char addr[300];
};

struct stmt {
	char *name;
	char *sql;
	size_t len;
	uint16_t nparams;
	uint32_t *oids;              /* nparams; 0 = not given */
	struct stmt *next;
};

struct portal {
	char *name;
	char *sql;                   /* parameters substituted */
	size_t len;
	uint16_t nresfmts;
	int16_t *resfmts;
	bool ran;                    /* res / tag / error hold the outcome */
	int rc;
	struct gt_sql_result res;
	struct gt_sql_output *out;   /* the records to send, or NULL */
	struct gt_sql_error e;
	char tag[64];
	bool empty;                  /* an empty statement */
	uint32_t row;                /* next row to send */
	struct portal *next;
};

struct conn {
	const struct gt_wire_opts *o;
	int fd;
	struct gt_buf in;
	size_t in_off;               /* consumed bytes of in */
	struct gt_buf out;
	uint64_t flushes;            /* writes of out so far (a streamed answer is final once one happened) */
	bool closing;                /* a fatal error was queued: flush and close */
	bool skip;                   /* extended protocol error: skip to Sync */
	bool in_tx;                  /* between BEGIN and COMMIT/ROLLBACK (no effect on the engine) */
	int timeout_ms;
	struct gt_sql_session s;
	char user[64];
	struct stmt *stmts;
	struct portal *portals;
	uint32_t nstmts, nportals;
	int cancel;                  /* a CancelRequest named this connection (atomic) */
	uint32_t pid, key;           /* BackendKeyData, what a CancelRequest must name */
	struct conn *live_next;      /* in live (registered after startup) */
};

/*
 * The connections a CancelRequest can reach: every one past startup, in
 * this process.  A request naming a connection's pid and key raises its
 * cancel flag, which the SQL engine checks between scan batches
 * (gt_sql_cancelled) and each statement clears when it starts; the
 * connection is taken out before its memory goes, under the same lock.
 */
static struct {
	pthread_mutex_t mu;
	struct conn *head;
} live = {PTHREAD_MUTEX_INITIALIZER, NULL};

static void live_add(struct conn *c)
{
	pthread_mutex_lock(&live.mu);
	c->live_next = live.head;
	live.head = c;
	pthread_mutex_unlock(&live.mu);
}

static void live_remove(struct conn *c)
{
	pthread_mutex_lock(&live.mu);
	for (struct conn **p = &live.head; *p; p = &(*p)->live_next)
		if (*p == c) {
			*p = c->live_next;
			break;
		}
	pthread_mutex_unlock(&live.mu);
}

static void live_cancel(uint32_t pid, uint32_t key)
{
	pthread_mutex_lock(&live.mu);
	for (struct conn *c = live.head; c; c = c->live_next)
		if (c->pid == pid && c->key == key)
			__atomic_store_n(&c->cancel, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&live.mu);
}

/* A statement starts: a cancel that came while idle is forgotten. */
static void cancel_clear(struct conn *c)
{
	__atomic_store_n(&c->cancel, 0, __ATOMIC_RELAXED);
}

/* One table from gt status codes to SQLSTATEs; a message substring refines a
 * status the engine uses for several things (first match wins). */
static const struct {
	int status;
	const char *msg;
	const char *sqlstate;
} sqlstates[] = {
	{GT_STATUS_INVALID_SYNTAX, NULL, "42601"},                    /* syntax_error */
	{GT_STATUS_UNSUPPORTED, "statement is not supported", "42601"},
	{GT_STATUS_UNSUPPORTED, NULL, "0A000"},                       /* feature_not_supported */
	{GT_STATUS_TABLE_NOT_FOUND, NULL, "42P01"},                   /* undefined_table */
	{GT_STATUS_TABLE_ALREADY_EXISTS, NULL, "42P07"},              /* duplicate_table */
	{GT_STATUS_TABLE_COLUMN_NOT_FOUND, NULL, "42703"},            /* undefined_column */
	{GT_STATUS_TABLE_COLUMN_EXISTS, NULL, "42701"},               /* duplicate_column */
	{GT_STATUS_DATABASE_NOT_FOUND, NULL, "3D000"},                /* invalid_catalog_name */
	{GT_STATUS_DATABASE_ALREADY_EXISTS, NULL, "42P04"},           /* duplicate_database */
	{GT_STATUS_PLAN_QUERY, "No field named", "42703"},
	{GT_STATUS_PLAN_QUERY, "Invalid function", "42883"},          /* undefined_function */
	{GT_STATUS_PLAN_QUERY, NULL, "42000"},                        /* syntax_error_or_access_rule_violation */
	{GT_STATUS_INVALID_ARGUMENTS, NULL, "22023"},                 /* invalid_parameter_value */
	{GT_STATUS_ENGINE_EXECUTE_QUERY, NULL, "XX000"},
	{GT_STATUS_CANCELLED, NULL, "57014"},                         /* query_canceled */
	{GT_STATUS_STORAGE_UNAVAILABLE, NULL, "58030"},               /* io_error */
	{GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, NULL, "53000"},       /* insufficient_resources */
	{GT_STATUS_RATE_LIMITED, NULL, "53400"},                      /* configuration_limit_exceeded */
	{GT_STATUS_USER_NOT_FOUND, NULL, "28P01"},                    /* invalid_password */
	{GT_STATUS_USER_PASSWORD_MISMATCH, NULL, "28P01"},
	{GT_STATUS_UNSUPPORTED_PASSWORD_TYPE, NULL, "28000"},         /* invalid_authorization_specification */
	{GT_STATUS_ACCESS_DENIED, NULL, "42501"},                     /* insufficient_privilege */
	{GT_STATUS_PERMISSION_DENIED, NULL, "42501"},
};

static const char *sqlstate_of(const struct gt_sql_error *e)
{
	for (size_t i = 0; i < GT_ARRAY_LEN(sqlstates); i++)
		if (sqlstates[i].status == e->status && (!sqlstates[i].msg || strstr(e->msg, sqlstates[i].msg)))
			return sqlstates[i].sqlstate;
	return "XX000";                                              /* internal_error */
}

/* ---- I/O ---- */

static int flush_out(struct conn *c)
{
	size_t off = 0;
	while (off < c->out.len) {
		ssize_t n = write(c->fd, c->out.p + off, c->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};
			if (poll(&p, 1, c->timeout_ms) <= 0)
				return GT_EIO;
			continue;
		}
		if (n <= 0)
			return GT_EIO;
		off += (size_t)n;
	}
	c->flushes++;
	gt_buf_reset(&c->out);
	return 0;
}

/*
 * The next message (whole, in c->in).  0 with *m; GT_ECLOSED at the end of
 * the stream; GT_EAGAIN on the idle timeout; GT_ECORRUPT/GT_ETOOBIG for a
 * bad length (err says which).
 */
static int read_msg(struct conn *c, bool startup, int timeout_ms, struct gt_pg_msg *m, struct gt_err *err)
{
	for (;;) {
		size_t need;
		int rc = gt_pg_split((const uint8_t *)c->in.p + c->in_off, c->in.len - c->in_off, startup,
				     GT_PG_MAX_MESSAGE, m, &need, err);
		if (rc > 0) {
			c->in_off += (size_t)rc;
			return 0;
		}
		if (rc < 0)
			return rc;
		/* make room: drop what was consumed, then grow to the message's size */
		if (c->in_off) {
			memmove(c->in.p, c->in.p + c->in_off, c->in.len - c->in_off);
			c->in.len -= c->in_off;
			c->in_off = 0;
		}
		size_t want = GT_MAX(need, c->in.len + 8192) - c->in.len;
		if ((rc = gt_buf_grow(&c->in, want)))
			return gt_errf(err, rc, "pg: no memory for a message of %zu bytes", need);
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		rc = poll(&p, 1, timeout_ms);
		if (rc == 0)
			return GT_EAGAIN;
		if (rc < 0 && errno != EINTR)
			return GT_ECLOSED;
		if (rc < 0)
			continue;
		ssize_t n = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return GT_ECLOSED;
		c->in.len += (size_t)n;
		c->in.p[c->in.len] = 0;
	}
}

/* ---- answers ---- */

static void send_error(struct conn *c, bool fatal, const char *sqlstate, const char *msg, uint32_t pos)
{
	gt_pg_error(&c->out, 'E', fatal ? "FATAL" : "ERROR", sqlstate, msg, pos);
	if (fatal)
		c->closing = true;
}

/* The 1-based character position of line/col in sql (PostgreSQL counts characters). */
static uint32_t char_pos(const char *sql, size_t len, uint32_t line, uint32_t col)
{
	size_t i = 0;
	uint32_t l = 1, chars = 0;
	while (i < len && l < line) {
		if (sql[i] == '\n')
			l++;
		if (((uint8_t)sql[i] & 0xc0) != 0x80)
			chars++;
		i++;
	}
	for (uint32_t k = 1; i < len && k < col; i++)
		if (((uint8_t)sql[i] & 0xc0) != 0x80) {
			chars++;
			k++;
		}
	return chars + 1;
}

static void send_sql_error(struct conn *c, const struct gt_sql_error *e, const char *stmt, size_t len,
			   const char *whole, size_t wlen)
{
	uint32_t pos = 0;
	if (e->line && e->col && stmt >= whole && stmt + len <= whole + wlen) {
		size_t before = (size_t)(stmt - whole);
		pos = char_pos(stmt, len, e->line, e->col) + char_pos(whole, before, 1, UINT32_MAX) - 1;
	}
	send_error(c, false, sqlstate_of(e), e->msg, pos);
}

static int row_description(struct conn *c, const struct gt_sql_output *o, const int16_t *fmts, uint16_t nfmts)
{
	size_t s = gt_pg_begin(&c->out, 'T');
	int rc = gt_pg_put_i16(&c->out, (int16_t)o->ncols);
	for (uint32_t i = 0; rc == 0 && i < o->ncols; i++) {
		const struct gt_pg_type *t = gt_pg_type_of(o->cols[i].type, o->cols[i].unit, o->cols[i].lt);
		if ((rc = gt_pg_put_str(&c->out, o->cols[i].name)) || (rc = gt_pg_put_i32(&c->out, 0)) ||
		    (rc = gt_pg_put_i16(&c->out, 0)) || (rc = gt_pg_put_i32(&c->out, (int32_t)t->oid)) ||
		    (rc = gt_pg_put_i16(&c->out, t->len)) || (rc = gt_pg_put_i32(&c->out, -1)))
			break;
		rc = gt_pg_put_i16(&c->out, (int16_t)gt_pg_format(fmts, nfmts, i));
	}
	return rc ? rc : gt_pg_end(&c->out, s);
}

static void put_be32(char *p, uint32_t n)
{
	p[0] = (char)(n >> 24);
	p[1] = (char)(n >> 16);
	p[2] = (char)(n >> 8);
	p[3] = (char)n;
}

/* DataRows for rows [from, to) of o; flushes as out grows.  A row in text
 * format is laid out in place after one room check: this runs per row of
 * every result. */
static int data_rows(struct conn *c, const struct gt_sql_output *o, uint32_t from, uint32_t to, const int16_t *fmts,
		     uint16_t nfmts)
{
	const struct gt_pg_type *tv[64], **types = tv;
	bool text = true;
	int rc = 0;

	if (o->ncols > GT_ARRAY_LEN(tv) && !(types = gt_calloc(o->ncols, sizeof(*types))))
		return GT_ENOMEM;
	for (uint32_t i = 0; i < o->ncols; i++) {
		types[i] = gt_pg_type_of(o->cols[i].type, o->cols[i].unit, o->cols[i].lt);
		text &= gt_pg_format(fmts, nfmts, i) == 0;
	}
	for (uint32_t r = from; rc == 0 && r < to; r++) {
		if (text) {
			size_t need = 7;
			for (uint32_t i = 0; i < o->ncols; i++)
				need += 4 + (gt_vec_is_null(&o->rows.cols[i], r) ? 0 :
					     gt_pg_text_size(types[i], &o->rows.cols[i], r));
			if (need > INT32_MAX) {
				rc = GT_ETOOBIG;
				break;
			}
			if ((rc = gt_buf_grow(&c->out, need)))
				break;
			char *b = c->out.p + c->out.len, *p = b + 7;
			b[0] = 'D';
			b[5] = (char)(o->ncols >> 8);
			b[6] = (char)o->ncols;
			for (uint32_t i = 0; i < o->ncols; i++) {
				const struct gt_vec *v = &o->rows.cols[i];
				if (gt_vec_is_null(v, r)) {
					put_be32(p, UINT32_MAX);   /* -1: NULL */
					p += 4;
					continue;
				}
				size_t n = gt_pg_text(p + 4, types[i], o->cols[i].unit, v, r);
				put_be32(p, (uint32_t)n);
				p += 4 + n;
			}
			put_be32(b + 1, (uint32_t)(p - b - 1));
			c->out.len += (size_t)(p - b);
			c->out.p[c->out.len] = 0;
		} else {
			size_t s = gt_pg_begin(&c->out, 'D');
			rc = gt_pg_put_i16(&c->out, (int16_t)o->ncols);
			for (uint32_t i = 0; rc == 0 && i < o->ncols; i++) {
				const struct gt_vec *v = &o->rows.cols[i];
				if (gt_vec_is_null(v, r)) {
					rc = gt_pg_put_i32(&c->out, -1);
					continue;
				}
				size_t at = c->out.len;
				if ((rc = gt_pg_put_i32(&c->out, 0)) ||
				    (rc = gt_pg_value(&c->out, &o->cols[i], v, r, gt_pg_format(fmts, nfmts, i))))
					break;
				put_be32(c->out.p + at, (uint32_t)(c->out.len - at - 4));
			}
			if (rc == 0)
				rc = gt_pg_end(&c->out, s);
		}
		if (rc == 0 && c->out.len >= OUT_FLUSH)
			rc = flush_out(c);
	}
	if (types != tv)
		free(types);
	return rc;
}

/* ---- statements ---- */

static bool word_is(const char *p, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && !strncasecmp(p, w, k) && (n == k || !(p[k] == '_' || (p[k] >= '0' && p[k] <= '9') ||
							       ((p[k] | 32) >= 'a' && (p[k] | 32) <= 'z')));
}

/* The next word of sql after *i (skipping blanks and comments), as a pointer and length. */
static const char *next_word(const char *sql, size_t len, size_t *i, size_t *n)
{
	for (;;) {
		while (*i < len && (sql[*i] == ' ' || sql[*i] == '\t' || sql[*i] == '\n' || sql[*i] == '\r'))
			(*i)++;
		if (*i + 1 < len && sql[*i] == '-' && sql[*i + 1] == '-') {
			while (*i < len && sql[*i] != '\n')
				(*i)++;
		} else if (*i + 1 < len && sql[*i] == '/' && sql[*i + 1] == '*') {
			const char *e = memmem(sql + *i + 2, len - *i - 2, "*/", 2);
			*i = e ? (size_t)(e - sql) + 2 : len;
		} else {
			break;
		}
	}
	size_t start = *i;
	while (*i < len && (sql[*i] == '_' || (sql[*i] >= '0' && sql[*i] <= '9') ||
			    ((sql[*i] | 32) >= 'a' && (sql[*i] | 32) <= 'z')))
		(*i)++;
	if (*i == start && *i < len)
		(*i)++;
	*n = *i - start;
	return sql + start;
}

/* The CommandComplete tag of an engine output of statement sql. */
static void make_tag(char *tag, size_t n, const char *sql, size_t len, const struct gt_sql_output *o)
{
	size_t i = 0, n1, n2;
	const char *w1 = next_word(sql, len, &i, &n1), *w2 = next_word(sql, len, &i, &n2);
	unsigned long long k = o->kind != GT_SQL_RECORDS ? o->affected : o->streamed ? o->nstreamed : o->rows.nrows;

	if (o->kind == GT_SQL_RECORDS)
		snprintf(tag, n, "SELECT %llu", k);
	else if (word_is(w1, n1, "insert"))
		snprintf(tag, n, "INSERT 0 %llu", k);
	else if (word_is(w1, n1, "delete") || word_is(w1, n1, "update") || word_is(w1, n1, "copy"))
		snprintf(tag, n, "%.*s %llu", (int)n1, w1, k);
	else if (word_is(w1, n1, "create") && (word_is(w2, n2, "or") || word_is(w2, n2, "external")))
		snprintf(tag, n, "CREATE %s", word_is(w2, n2, "or") ? "VIEW" : "TABLE");
	else if (n2 && n2 < 32 && !(w2[0] == '`' || w2[0] == '"'))
		snprintf(tag, n, "%.*s %.*s", (int)n1, w1, (int)n2, w2);
	else
		snprintf(tag, n, "%.*s", (int)GT_MIN(n1, 32), w1);
	/* a count the engine reports (CREATE DATABASE: 1) ends the tag, where clients read it, as GreptimeDB sends it */
	if (o->kind == GT_SQL_AFFECTED && k && tag[0] && !(tag[strlen(tag) - 1] >= '0' && tag[strlen(tag) - 1] <= '9'))
		snprintf(tag + strlen(tag), n - strlen(tag), " %llu", k);
	for (char *p = tag; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
}

/* Session settings clients set and show; the values SHOW answers. */
static const struct {
	const char *name, *value;
} settings[] = {
	{"application_name", ""}, {"client_encoding", "UTF8"}, {"client_min_messages", "notice"},
	{"datestyle", "ISO, MDY"}, {"default_transaction_isolation", "read committed"},
	{"default_transaction_read_only", "off"}, {"extra_float_digits", "1"}, {"integer_datetimes", "on"},
	{"intervalstyle", "postgres"}, {"lc_messages", "C"}, {"lock_timeout", "0"},
	{"max_identifier_length", "255"}, {"server_encoding", "UTF8"}, {"server_version", "16.3"},
	{"server_version_num", "160003"}, {"standard_conforming_strings", "on"}, {"statement_timeout", "0"},
	{"timezone", "UTC"}, {"transaction_isolation", "read committed"}, {"idle_in_transaction_session_timeout", "0"},
	{"bytea_output", "hex"}, {"search_path", NULL}, {"transaction", NULL}, {"session", NULL}, {"names", NULL},
};

static int setting(const char *w, size_t n)
{
	for (size_t i = 0; i < GT_ARRAY_LEN(settings); i++)
		if (strlen(settings[i].name) == n && !strncasecmp(settings[i].name, w, n))
			return (int)i;
	return -1;
}

/* What SHOW and current_setting() answer for a setting; NULL = unknown
 * (search_path is the session's database: the engine answers it). */
const char *gt_pg_setting(const char *name)
{
	int k = setting(name, strlen(name));
	return k >= 0 ? settings[k].value : NULL;
}

static void set_error(struct gt_sql_error *e, int status, const char *msg)
{
	memset(e, 0, sizeof(*e));
	e->status = status;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

/*
 * Statements answered here rather than by the engine: transaction control,
 * session SET/SHOW, psql's catalog queries.  1 when handled (p filled), 0
 * when the engine should run it, < 0 on error (p->e filled).
 */
static int session_stmt(struct conn *c, const char *sql, size_t len, struct portal *p)
{
	size_t i = 0, n1, n2, n3;
	const char *w1 = next_word(sql, len, &i, &n1), *w2 = next_word(sql, len, &i, &n2);
	int k, rc;

	if (word_is(w1, n1, "begin") || (word_is(w1, n1, "start") && word_is(w2, n2, "transaction"))) {
		c->in_tx = true;
		snprintf(p->tag, sizeof(p->tag), "BEGIN");
		return 1;
	}
	if (word_is(w1, n1, "commit") || word_is(w1, n1, "end") || word_is(w1, n1, "rollback") ||
	    word_is(w1, n1, "abort")) {
		c->in_tx = false;
		snprintf(p->tag, sizeof(p->tag), "%s", word_is(w1, n1, "commit") || word_is(w1, n1, "end") ? "COMMIT"
													: "ROLLBACK");
		return 1;
	}
	if (word_is(w1, n1, "set") && (word_is(w2, n2, "session") || word_is(w2, n2, "local")))
		w2 = next_word(sql, len, &i, &n2);
	if (word_is(w1, n1, "set") && (k = setting(w2, n2)) >= 0) {
		if (word_is(w2, n2, "search_path")) {
			/* the first schema of the path becomes the database */
			const char *v = next_word(sql, len, &i, &n3);
			char db[GT_NAME_MAX + 1], use[GT_NAME_MAX + 16];
			struct gt_sql_result res = {0};
			if (word_is(v, n3, "to") || (n3 == 1 && v[0] == '='))
				v = next_word(sql, len, &i, &n3);
			if (n3 == 1 && (v[0] == '\'' || v[0] == '"')) {
				const char *e = memchr(v + 1, v[0], len - (size_t)(v + 1 - sql));
				if (!e) {
					set_error(&p->e, GT_STATUS_INVALID_SYNTAX, "unterminated search_path value");
					return GT_EINVAL;
				}
				n3 = (size_t)(e - v - 1);
				v++;
			}
			size_t cut = strcspn(v, ", ");
			n3 = GT_MIN(n3, cut);
			if (n3 == 0 || n3 > GT_NAME_MAX) {
				set_error(&p->e, GT_STATUS_INVALID_ARGUMENTS, "invalid search_path");
				return GT_EINVAL;
			}
			snprintf(db, sizeof(db), "%.*s", (int)n3, v);
			snprintf(use, sizeof(use), "USE `%s`", db);
			rc = strchr(db, '`') ? GT_EINVAL : gt_sql_exec(&c->s, use, strlen(use), &res, &p->e);
			gt_sql_result_release(&res);
			if (rc < 0)
				return rc;
		}
		snprintf(p->tag, sizeof(p->tag), "SET");
		return 1;
	}
	if (word_is(w1, n1, "show") && (k = setting(w2, n2)) >= 0 && settings[k].value) {
		const char *col[] = {settings[k].name}, *val[] = {settings[k].value};
		if (gt_pg_output_text(&p->res, col, 1) || gt_pg_output_row(&p->res, val))
			goto nomem;
		return 1;
	}
	if (word_is(w1, n1, "show") && word_is(w2, n2, "search_path")) {
		const char *col[] = {"search_path"}, *val[] = {c->s.dbname};
		if (gt_pg_output_text(&p->res, col, 1) || gt_pg_output_row(&p->res, val))
			goto nomem;
		return 1;
	}
	if (word_is(w1, n1, "select") &&
	    (rc = gt_pgcat_functions(sql, len, c->s.dbname, c->user, gt_pg_setting, &p->res)) != 0) {
		if (rc < 0)
			goto nomem;
		return 1;
	}
	if ((word_is(w1, n1, "select") || word_is(w1, n1, "with")) &&
	    (rc = gt_pgcat_answer(&c->s, sql, len, &p->res, &p->e)) != 0)
		return rc;
	return 0;
nomem:
	set_error(&p->e, GT_STATUS_INTERNAL, "out of memory");
	return GT_ENOMEM;
}

/*
 * A simple query's rows onto the wire as the scan makes them (sql.h: struct
 * gt_sql_sink): the RowDescription, then DataRows, flushed as out fills, so
 * that the client reads while the server formats and no whole result is
 * held.  Until the first flush the answer can be taken back: a query that
 * fails then is answered by its error alone, as without streaming.
 */
struct pg_stream {
	struct conn *c;
	bool begun;
	size_t mark;                 /* out.len before the RowDescription */
	uint64_t flushes;            /* c->flushes then */
};

static int stream_begin(void *ctx, const struct gt_sql_output *o)
{
	struct pg_stream *ps = ctx;
	ps->begun = true;
	ps->mark = ps->c->out.len;
	ps->flushes = ps->c->flushes;
	return row_description(ps->c, o, NULL, 0);
}

static int stream_rows(void *ctx, const struct gt_sql_output *o, uint32_t from, uint32_t to)
{
	struct pg_stream *ps = ctx;
	return data_rows(ps->c, o, from, to, NULL, 0);
}

/* Run one statement (or, from Parse, a text the engine splits) into p;
 * stream: a simple query's, whose rows may go out as they come. */
static void run_stmt(struct conn *c, const char *sql, size_t len, struct portal *p, bool stream)
{
	struct pg_stream ps = {.c = c};
	const struct gt_sql_sink sink = {.begin = stream_begin, .rows = stream_rows, .ctx = &ps};
	size_t i = 0, n1;
	int rc;

	p->ran = true;
	p->row = 0;
	cancel_clear(c);
	const char *w1 = next_word(sql, len, &i, &n1);
	if (n1 == 0) {
		p->empty = true;
		return;
	}
	rc = session_stmt(c, sql, len, p);
	if (rc == 0) {
		c->s.sink = stream ? &sink : NULL;
		rc = gt_sql_exec(&c->s, sql, len, &p->res, &p->e);
		c->s.sink = NULL;
		if (rc < 0 && ps.begun && ps.flushes == c->flushes) {
			c->out.len = ps.mark;       /* nothing sent yet: the error alone answers */
			c->out.p[c->out.len] = 0;
		}
	}
	if (rc < 0) {
		p->rc = rc;
		if (!p->e.msg[0])
			set_error(&p->e, GT_STATUS_INTERNAL, gt_strerror(rc));
		return;
	}
	if (p->res.n) {
		struct gt_sql_output *o = &p->res.outs[p->res.n - 1];
		/* GreptimeDB answers USE with a result of no columns, not a command count */
		if (word_is(w1, n1, "use") && o->kind == GT_SQL_AFFECTED)
			o->kind = GT_SQL_RECORDS;
		if (o->kind == GT_SQL_RECORDS)
			p->out = o;
		if (!p->tag[0])
			make_tag(p->tag, sizeof(p->tag), sql, len, o);
	}
}

static void portal_reset(struct portal *p)
{
	gt_sql_result_release(&p->res);
	p->out = NULL;
	p->ran = false;
	p->rc = 0;
	p->empty = false;
	p->tag[0] = 0;
	memset(&p->e, 0, sizeof(p->e));
}

static void portal_free(struct portal *p)
{
	if (!p)
		return;
	portal_reset(p);
	free(p->name);
	free(p->sql);
	free(p->resfmts);
	free(p);
}

static void stmt_free(struct stmt *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->sql);
	free(s->oids);
	free(s);
}

/* Outside BEGIN ... COMMIT no portal outlives its statement's transaction. */
static void end_tx_portals(struct conn *c)
{
	while (c->portals && !c->in_tx) {
		struct portal *p = c->portals;
		c->portals = p->next;
		portal_free(p);
		c->nportals--;
	}
}

/* Simple query: every statement, each answered, up to the first error. */
static int simple_query(struct conn *c, const struct gt_pg_msg *m)
{
	struct gt_err err = {0};
	const char *sql;
	size_t len, at = 0;
	bool any = false;
	int rc;

	if ((rc = gt_pg_string_decode(&sql, &len, m, &err)))
		return rc;
	while (at < len) {
		size_t end = at + gt_pg_stmt_end(sql + at, len - at), i = 0, n1;
		struct portal p;
		memset(&p, 0, sizeof(p));
		next_word(sql + at, end - at, &i, &n1);
		if (n1 == 0) {               /* blanks or comments only */
			at = end + 1;
			continue;
		}
		any = true;
		run_stmt(c, sql + at, end - at, &p, true);
		if (p.rc < 0) {
			send_sql_error(c, &p.e, sql + at, end - at, sql, len);
			portal_reset(&p);
			break;
		}
		if (p.out && !p.out->streamed && ((rc = row_description(c, p.out, NULL, 0)) ||
			      (rc = data_rows(c, p.out, 0, p.out->rows.nrows, NULL, 0)))) {
			portal_reset(&p);
			return rc;
		}
		gt_pg_complete(&c->out, p.tag[0] ? p.tag : "SELECT 0");
		portal_reset(&p);
		at = end + 1;
	}
	if (!any)
		gt_pg_empty(&c->out, 'I');
	end_tx_portals(c);
	gt_pg_ready(&c->out, c->in_tx ? 'T' : 'I');
	return flush_out(c);
}

static struct stmt **find_stmt(struct conn *c, const char *name)
{
	struct stmt **s = &c->stmts;
	while (*s && strcmp((*s)->name, name))
		s = &(*s)->next;
	return s;
}

static struct portal **find_portal(struct conn *c, const char *name)
{
	struct portal **p = &c->portals;
	while (*p && strcmp((*p)->name, name))
		p = &(*p)->next;
	return p;
}

/* An error in the extended protocol: answer it and skip to Sync. */
static void ext_error(struct conn *c, const char *sqlstate, const char *msg)
{
	send_error(c, false, sqlstate, msg, 0);
	c->skip = true;
}

static int on_parse(struct conn *c, const struct gt_pg_msg *m)
{
	struct gt_err err = {0};
	struct gt_pg_parse p;
	struct stmt **slot, *s;
	int rc, maxp;

	if ((rc = gt_pg_parse_decode(&p, m, &err)))
		return rc;
	slot = find_stmt(c, p.name);
	if (*slot && p.name[0]) {
		char msg[300];
		snprintf(msg, sizeof(msg), "prepared statement \"%.200s\" already exists", p.name);
		ext_error(c, "42P05", msg);
		goto out;
	}
	if (!*slot && c->nstmts >= MAX_STMTS) {
		ext_error(c, "53000", "too many prepared statements");
		goto out;
	}
	if ((maxp = gt_pg_max_param(p.query, p.query_len)) < 0) {
		ext_error(c, "54000", "too many parameters");
		goto out;
	}
	if (!(s = gt_calloc(1, sizeof(*s))) || !(s->name = gt_strdup(p.name)) ||
	    !(s->sql = gt_strndup(p.query, p.query_len)) ||
	    !(s->oids = gt_calloc((size_t)GT_MAX(maxp, p.nparams) + 1, sizeof(*s->oids)))) {
		stmt_free(s);
		gt_pg_parse_release(&p);
		return GT_ENOMEM;
	}
	s->len = p.query_len;
	s->nparams = (uint16_t)GT_MAX(maxp, p.nparams);
	if (p.nparams)
		memcpy(s->oids, p.oids, p.nparams * sizeof(*s->oids));
	if (*slot) {                     /* the unnamed statement is replaced */
		s->next = (*slot)->next;
		stmt_free(*slot);
		*slot = s;
	} else {
		s->next = c->stmts;
		c->stmts = s;
		c->nstmts++;
	}
	gt_pg_empty(&c->out, '1');
out:
	gt_pg_parse_release(&p);
	return 0;
}

static int on_bind(struct conn *c, const struct gt_pg_msg *m)
{
	struct gt_err err = {0};
	struct gt_pg_bind b;
	struct gt_buf lits = {0}, sql = {0};
	size_t *off = NULL;
	struct stmt *s;
	struct portal **slot, *p = NULL;
	char msg[300];
	int rc;

	if ((rc = gt_pg_bind_decode(&b, m, &err)))
		return rc;
	s = *find_stmt(c, b.stmt);
	slot = find_portal(c, b.portal);
	if (!s) {
		snprintf(msg, sizeof(msg), "prepared statement \"%.200s\" does not exist", b.stmt);
		ext_error(c, "26000", msg);
		goto out;
	}
	if (b.nparams != s->nparams) {
		snprintf(msg, sizeof(msg), "bind message supplies %u parameters, but prepared statement \"%.200s\" requires %u",
			 b.nparams, b.stmt, s->nparams);
		ext_error(c, "08P01", msg);
		goto out;
	}
	if (*slot && b.portal[0]) {
		snprintf(msg, sizeof(msg), "portal \"%.200s\" already exists", b.portal);
		ext_error(c, "42P03", msg);
		goto out;
	}
	if (!*slot && c->nportals >= MAX_STMTS) {
		ext_error(c, "53000", "too many portals");
		goto out;
	}
	gt_buf_init(&lits, GT_PG_MAX_MESSAGE * 2);
	gt_buf_init(&sql, GT_PG_MAX_MESSAGE * 3);
	if (b.nparams && !(off = gt_calloc(b.nparams, sizeof(*off)))) {
		rc = GT_ENOMEM;
		goto out;
	}
	for (uint16_t i = 0; i < b.nparams; i++) {
		off[i] = lits.len;
		if ((rc = gt_pg_param_literal(&lits, i + 1u, s->oids[i], gt_pg_format(b.fmts, b.nfmts, i), b.vals[i],
					      b.lens[i], &err)) ||
		    (rc = gt_buf_addch(&lits, 0))) {
			if (rc == GT_ENOMEM || rc == GT_ETOOBIG)
				goto out;
			ext_error(c, rc == GT_EUNSUPP ? "0A000" : "22P02", err.msg);
			rc = 0;
			goto out;
		}
	}
	if ((rc = gt_pg_substitute(&sql, s->sql, s->len, lits.p ? lits.p : "", off, b.nparams, &err))) {
		if (rc == GT_ENOMEM || rc == GT_ETOOBIG)
			goto out;
		ext_error(c, "42P02", err.msg);
		rc = 0;
		goto out;
	}
	if (!(p = gt_calloc(1, sizeof(*p))) || !(p->name = gt_strdup(b.portal)) ||
	    (b.nresfmts && !(p->resfmts = gt_calloc(b.nresfmts, sizeof(*p->resfmts))))) {
		rc = GT_ENOMEM;
		goto out;
	}
	p->len = sql.len;
	p->sql = gt_buf_detach(&sql, NULL);
	if (!p->sql && !(p->sql = gt_strdup(""))) {
		rc = GT_ENOMEM;
		goto out;
	}
	p->nresfmts = b.nresfmts;
	if (b.nresfmts)
		memcpy(p->resfmts, b.resfmts, b.nresfmts * sizeof(*p->resfmts));
	if (*slot) {
		p->next = (*slot)->next;
		portal_free(*slot);
		*slot = p;
	} else {
		p->next = c->portals;
		c->portals = p;
		c->nportals++;
	}
	p = NULL;
	gt_pg_empty(&c->out, '2');
out:
	portal_free(p);
	free(off);
	gt_buf_release(&lits);
	gt_buf_release(&sql);
	gt_pg_bind_release(&b);
	return rc;
}

/* Whether a statement only reads (so Describe may run it to learn its columns). */
static bool reads_only(const char *sql, size_t len)
{
	size_t i = 0, n;
	const char *w = next_word(sql, len, &i, &n);
	return word_is(w, n, "select") || word_is(w, n, "with") || word_is(w, n, "show") || word_is(w, n, "desc") ||
	       word_is(w, n, "describe") || word_is(w, n, "values") || word_is(w, n, "tql");
}

/* Describe a statement: its parameters, and its columns learnt by running it with
 * NULL parameters when it only reads (NoData otherwise). */
static int describe_stmt(struct conn *c, struct stmt *s)
{
	size_t st = gt_pg_begin(&c->out, 't');
	struct gt_buf lits = {0}, sql = {0};
	struct gt_err err = {0};
	size_t *off = NULL;
	struct portal p;
	int rc = gt_pg_put_i16(&c->out, (int16_t)s->nparams);

	for (uint16_t i = 0; rc == 0 && i < s->nparams; i++)
		rc = gt_pg_put_i32(&c->out, (int32_t)(s->oids[i] ? s->oids[i] : GT_PG_TEXT));
	if (rc || (rc = gt_pg_end(&c->out, st)))
		return rc;
	memset(&p, 0, sizeof(p));
	if (!reads_only(s->sql, s->len))
		return gt_pg_empty(&c->out, 'n');
	if (s->nparams && !(off = gt_calloc(s->nparams, sizeof(*off))))
		return GT_ENOMEM;
	/* NULL for every parameter; where NULL is not allowed (LIMIT $1), 1 */
	for (int round = 0; round < (s->nparams ? 2 : 1) && !p.out; round++) {
		portal_reset(&p);
		gt_buf_reset(&lits);
		gt_buf_reset(&sql);
		for (uint16_t i = 0; i < s->nparams; i++) {
			off[i] = lits.len;
			gt_buf_addstr(&lits, round ? "1" : "NULL");
			gt_buf_addch(&lits, 0);
		}
		if (gt_pg_substitute(&sql, s->sql, s->len, lits.p ? lits.p : "", off, s->nparams, &err) == 0)
			run_stmt(c, sql.p ? sql.p : "", sql.len, &p, false);
	}
	if (p.out)
		rc = row_description(c, p.out, NULL, 0);
	else
		rc = gt_pg_empty(&c->out, 'n');
	portal_reset(&p);
	free(off);
	gt_buf_release(&lits);
	gt_buf_release(&sql);
	return rc;
}

/*
 * The portal named `name`, its statement run (once): NULL when there is
 * no such portal or its statement failed, the error sent and the rest of
 * the extended-protocol batch skipped.
 */
static struct portal *ran_portal(struct conn *c, const char *name)
{
	struct portal *p = *find_portal(c, name);
	char msg[300];
	if (!p) {
		snprintf(msg, sizeof(msg), "portal \"%.200s\" does not exist", name);
		ext_error(c, "34000", msg);
		return NULL;
	}
	if (!p->ran)
		run_stmt(c, p->sql, p->len, p, false);
	if (p->rc < 0) {
		send_sql_error(c, &p->e, p->sql, p->len, p->sql, p->len);
		c->skip = true;
		return NULL;
	}
	return p;
}

static int on_describe(struct conn *c, const struct gt_pg_msg *m)
{
	struct gt_err err = {0};
	struct gt_pg_target t;
	char msg[300];
	int rc;

	if ((rc = gt_pg_target_decode(&t, m, &err)))
		return rc;
	if (t.kind == 'S') {
		struct stmt *s = *find_stmt(c, t.name);
		if (!s) {
			snprintf(msg, sizeof(msg), "prepared statement \"%.200s\" does not exist", t.name);
			ext_error(c, "26000", msg);
			return 0;
		}
		return describe_stmt(c, s);
	}
	struct portal *p = ran_portal(c, t.name);
	if (!p)
		return 0;
	if (p->out)
		return row_description(c, p->out, p->resfmts, p->nresfmts);
	return gt_pg_empty(&c->out, 'n');
}

static int on_execute(struct conn *c, const struct gt_pg_msg *m)
{
	struct gt_err err = {0};
	struct gt_pg_execute e;
	struct portal *p;
	char msg[300];
	int rc;

	if ((rc = gt_pg_execute_decode(&e, m, &err)))
		return rc;
	if (!(p = ran_portal(c, e.portal)))
		return 0;
	if (p->empty)
		return gt_pg_empty(&c->out, 'I');
	if (!p->out)
		return gt_pg_complete(&c->out, p->tag);
	uint32_t from = p->row, to = p->out->rows.nrows;
	if (e.max_rows && to - from > e.max_rows)
		to = from + e.max_rows;
	if ((rc = data_rows(c, p->out, from, to, p->resfmts, p->nresfmts)))
		return rc;
	p->row = to;
	if (to < p->out->rows.nrows)
		return gt_pg_empty(&c->out, 's');
	snprintf(msg, sizeof(msg), "SELECT %u", to - from);
	return gt_pg_complete(&c->out, msg);
}

static int on_close(struct conn *c, const struct gt_pg_msg *m)
{
	struct gt_err err = {0};
	struct gt_pg_target t;
	int rc;

	if ((rc = gt_pg_target_decode(&t, m, &err)))
		return rc;
	if (t.kind == 'S') {
		struct stmt **s = find_stmt(c, t.name), *x = *s;
		if (x) {
			*s = x->next;
			stmt_free(x);
			c->nstmts--;
		}
	} else {
		struct portal **p = find_portal(c, t.name), *x = *p;
		if (x) {
			*p = x->next;
			portal_free(x);
			c->nportals--;
		}
	}
	return gt_pg_empty(&c->out, '3');
}

/* Sync ends the implicit transaction: every portal goes, unless BEGIN holds them
 * (JDBC's fetch size resumes a named portal after later Syncs). */
static int on_sync(struct conn *c)
{
	end_tx_portals(c);
	c->skip = false;
	gt_pg_ready(&c->out, c->in_tx ? 'T' : 'I');
	return flush_out(c);
}

/* ---- startup ---- */

static int send_startup_ok(struct conn *c, uint32_t pid, uint32_t key)
{
	static const char *const names[] = {"server_version", "server_encoding", "client_encoding", "DateStyle",
					    "TimeZone", "integer_datetimes", "standard_conforming_strings",
					    "IntervalStyle", "is_superuser"};
	static const char *const vals[] = {("16.3-gt-" GT_VERSION), "UTF8", "UTF8", "ISO, MDY", "UTC", "on", "on",
					   "postgres", "on"};
	gt_pg_auth_msg(&c->out, 0, NULL, 0);
	for (size_t i = 0; i < GT_ARRAY_LEN(names); i++)
		gt_pg_param_status(&c->out, names[i], vals[i]);
	gt_pg_param_status(&c->out, "session_authorization", c->user);
	gt_pg_backend_key(&c->out, pid, key);
	gt_pg_ready(&c->out, 'I');
	return flush_out(c);
}

static void auth_failed(struct conn *c)
{
	char msg[200];
	snprintf(msg, sizeof(msg), "password authentication failed for user \"%.64s\"", c->user);
	send_error(c, true, "28P01", msg, 0);
}

/* SCRAM-SHA-256 with the user's password: 0 = authenticated. */
static int authenticate(struct conn *c)
{
	static const char mech[] = "SCRAM-SHA-256\0";
	const char *pw = gt_auth_password(c->o->auth, c->user), *name;
	char dummy[33];
	struct gt_pg_scram sc;
	struct gt_buf reply = {0};
	struct gt_err err = {0};
	struct gt_pg_msg m;
	const uint8_t *data;
	size_t n;
	int rc;

	if (!pw) {                   /* an unknown user goes through the same exchange and fails */
		uint8_t r[16];
		RAND_bytes(r, sizeof(r));
		for (int i = 0; i < 16; i++)
			snprintf(dummy + 2 * i, 3, "%02x", r[i]);
		pw = dummy;
	}
	gt_pg_auth_msg(&c->out, 10, mech, sizeof(mech));
	if ((rc = flush_out(c)) || (rc = read_msg(c, false, STARTUP_TIMEOUT_S * 1000, &m, &err)))
		return rc;
	if (m.type != 'p' || gt_pg_sasl_initial_decode(&name, &data, &n, &m, &err) || strcmp(name, "SCRAM-SHA-256")) {
		send_error(c, true, "08P01", "expected a SCRAM-SHA-256 SASLInitialResponse", 0);
		return GT_EINVAL;
	}
	if (gt_pg_scram_start(&sc, pw, data, n, &reply, &err)) {
		send_error(c, true, "08P01", err.msg, 0);
		goto fail;
	}
	gt_pg_auth_msg(&c->out, 11, reply.p, reply.len);
	gt_buf_reset(&reply);
	if ((rc = flush_out(c)) || (rc = read_msg(c, false, STARTUP_TIMEOUT_S * 1000, &m, &err)))
		goto fail;
	if (m.type != 'p') {
		send_error(c, true, "08P01", "expected a SASLResponse", 0);
		goto fail;
	}
	if (gt_pg_scram_finish(&sc, m.p, m.n, &reply, &err) || pw == dummy) {
		auth_failed(c);
		goto fail;
	}
	gt_pg_auth_msg(&c->out, 12, reply.p, reply.len);
	gt_buf_release(&reply);
	return 0;
fail:
	gt_buf_release(&reply);
	return GT_EINVAL;
}

/* The startup phase: 0 when the session may begin. */
static int startup(struct conn *c)
{
	struct gt_pg_startup st;
	struct gt_err err = {0};
	struct gt_pg_msg m;
	const char *user, *db;
	char dbname[GT_NAME_MAX + 2];
	int rc;

	for (int round = 0;; round++) {
		if ((rc = read_msg(c, true, STARTUP_TIMEOUT_S * 1000, &m, &err)))
			return rc;              /* garbage or silence before startup: close without a word */
		if ((rc = gt_pg_startup_decode(&st, &m, &err)))
			return rc;
		if ((st.code == GT_PG_SSL_REQUEST || st.code == GT_PG_GSSENC_REQUEST) && round < 2) {
			gt_buf_addch(&c->out, 'N');
			if ((rc = flush_out(c)))
				return rc;
			continue;
		}
		break;
	}
	if (st.code == GT_PG_CANCEL_REQUEST) {
		live_cancel(st.cancel_pid, st.cancel_key);
		return GT_ECLOSED;           /* no answer: the client just closes */
	}
	if (st.code != GT_PG_PROTO_V3) {
		char msg[120];
		snprintf(msg, sizeof(msg), "unsupported frontend protocol %u.%u: server supports 3.0", st.code >> 16,
			 st.code & 0xffff);
		send_error(c, true, "0A000", msg, 0);
		return GT_EUNSUPP;
	}
	user = gt_pg_startup_get(&st, "user");
	db = gt_pg_startup_get(&st, "database");
	if (!user || !*user) {
		send_error(c, true, "28000", "no PostgreSQL user name specified in startup packet", 0);
		return GT_EINVAL;
	}
	snprintf(c->user, sizeof(c->user), "%s", user);
	/* the packet's bytes are reused by the messages authentication reads */
	snprintf(dbname, sizeof(dbname), "%s", !db || !*db || !strcmp(db, "postgres") ? "public" : db);
	db = dbname;
	if (c->o->auth && authenticate(c))
		return GT_EINVAL;
	gt_sql_session_init(&c->s, c->o->db, "public");
	c->s.channel = GT_SQL_POSTGRES;
	c->s.user = c->user;
	if (strcmp(db, "public")) {
		char use[GT_NAME_MAX + 16];
		struct gt_sql_result res = {0};
		struct gt_sql_error e = {0};
		snprintf(use, sizeof(use), "USE `%.*s`", GT_NAME_MAX, db);
		rc = strchr(db, '`') ? GT_EINVAL : gt_sql_exec(&c->s, use, strlen(use), &res, &e);
		gt_sql_result_release(&res);
		if (rc < 0) {
			char msg[400];
			snprintf(msg, sizeof(msg), "database \"%.255s\" does not exist", db);
			send_error(c, true, "3D000", msg, 0);
			return GT_ENOTFOUND;
		}
	}
	uint32_t ids[2] = {0, 0};
	RAND_bytes((unsigned char *)ids, sizeof(ids));
	c->pid = ids[0] & 0x7fffffff;
	c->key = ids[1];
	c->s.cancel = &c->cancel;
	live_add(c);
	return send_startup_ok(c, c->pid, c->key);
}

static const char *msg_error(int rc)
{
	return rc == GT_ETOOBIG ? "54000" : "08P01";
}

void gt_pgwire_serve_fd(const struct gt_wire_opts *o, int fd)
{
	struct conn c;
	struct gt_err err = {0};
	struct gt_pg_msg m;
	int rc;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.fd = fd;
	c.timeout_ms = (int)(o->idle_timeout_s ? o->idle_timeout_s : 300) * 1000;
	gt_buf_init(&c.in, GT_PG_MAX_MESSAGE + 16);
	gt_buf_init(&c.out, GT_BUF_MAX);
	if (startup(&c))
		goto done;
	while (!c.closing) {
		if ((rc = read_msg(&c, false, c.timeout_ms, &m, &err))) {
			if (rc == GT_EAGAIN)
				send_error(&c, true, "57P05", "terminating connection due to idle timeout", 0);
			else if (rc != GT_ECLOSED)
				send_error(&c, true, msg_error(rc), err.msg, 0);
			break;
		}
		if (c.skip && m.type != 'S' && m.type != 'X')
			continue;
		switch (m.type) {
		case 'Q': rc = simple_query(&c, &m); break;
		case 'P': rc = on_parse(&c, &m); break;
		case 'B': rc = on_bind(&c, &m); break;
		case 'D': rc = on_describe(&c, &m); break;
		case 'E': rc = on_execute(&c, &m); break;
		case 'C': rc = on_close(&c, &m); break;
		case 'S': rc = on_sync(&c); break;
		case 'H': rc = flush_out(&c); break;
		case 'X': goto done;
		case 'F':               /* a simple-protocol message: error, then ready again */
			send_error(&c, false, "0A000", "function calls are not supported", 0);
			gt_pg_ready(&c.out, c.in_tx ? 'T' : 'I');
			rc = flush_out(&c);
			break;
		default: {
			char msg[80];
			snprintf(msg, sizeof(msg), "invalid frontend message type %d", m.type);
			send_error(&c, true, "08P01", msg, 0);
			rc = 0;
		}
		}
		/* a large message's buffer is not kept for the life of the connection */
		if (c.in.cap > (1u << 20) && c.in_off == c.in.len) {
			gt_buf_release(&c.in);
			gt_buf_init(&c.in, GT_PG_MAX_MESSAGE + 16);
			c.in_off = 0;
		}
		if (rc == GT_ECORRUPT || rc == GT_ETOOBIG || rc == GT_EINVAL) {
			send_error(&c, true, msg_error(rc), err.msg[0] ? err.msg : "malformed message", 0);
		} else if (rc) {
			if (rc != GT_EIO)
				send_error(&c, true, "53200", "out of memory", 0);   /* out_of_memory */
			break;
		}
	}
done:
	live_remove(&c);
	if (c.closing)
		flush_out(&c);
	while (c.portals) {
		struct portal *p = c.portals;
		c.portals = p->next;
		portal_free(p);
	}
	while (c.stmts) {
		struct stmt *s = c.stmts;
		c.stmts = s->next;
		stmt_free(s);
	}
	gt_buf_release(&c.in);
	gt_buf_release(&c.out);
}

static void serve(void *ctx, int fd)
{
	struct gt_pgwire *s = ctx;
	gt_pgwire_serve_fd(&s->o, fd);
}

static void refuse(void *ctx, int fd)
{
	struct gt_buf b = {0};
	(void)ctx;
	/* the client's startup packet is not read: the error goes first, as PostgreSQL does */
	if (gt_pg_error(&b, 'E', "FATAL", "53300", "sorry, too many clients already", 0) == 0)
		(void)!write(fd, b.p, b.len);
	gt_buf_release(&b);
}

int gt_pgwire_start(struct gt_pgwire **out, const struct gt_wire_opts *o, struct gt_err *err)
{
	struct gt_pgwire *s = gt_calloc(1, sizeof(*s));
	struct gt_connserv_opts co = {0};
	int rc;

	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->o = *o;
	co.addr = o->addr ? o->addr : "127.0.0.1:4003";
	co.max_conns = o->max_conns;
	co.serve = serve;
	co.refuse = refuse;
	co.ctx = s;
	if ((rc = gt_connserv_start(&s->cs, &co, err))) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *gt_pgwire_addr(const struct gt_pgwire *s)
{
	return gt_connserv_addr(s->cs);
}

void gt_pgwire_stop(struct gt_pgwire *s)
{
	if (!s)
		return;
	gt_connserv_stop(s->cs);
	free(s);
}
