/*
 * mywire.c - one MySQL connection from handshake to COM_QUIT (mywire.h):
 * packet framing over the socket, authentication, the command loop, and
 * results written as text or binary rows.
 *
 * Output is built in one buffer (packets with their headers) and written
 * when a response is complete or the buffer passes FLUSH_AT, so a large
 * result streams in pieces while a small one costs one write.  Input is
 * read through a small buffer; a command's payload (all of its packets)
 * is gathered into c->in, never past MAX_COMMAND.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mywire.h"
#include "mywire-int.h"
#include "auth.h"
#include "connserv.h"

#define MAX_COMMAND (16u << 20)       /* what @@max_allowed_packet says */
#define FLUSH_AT (64u << 10)
#define MAX_STMTS 1024                /* prepared statements per connection */
#define NATIVE "mysql_native_password"

#define SERVER_CAPS (MY_CLIENT_LONG_PASSWORD | MY_CLIENT_FOUND_ROWS | MY_CLIENT_LONG_FLAG |          \
		     MY_CLIENT_CONNECT_WITH_DB | MY_CLIENT_NO_SCHEMA | MY_CLIENT_PROTOCOL_41 |          \
		     MY_CLIENT_INTERACTIVE | MY_CLIENT_TRANSACTIONS | MY_CLIENT_SECURE_CONNECTION |     \
		     MY_CLIENT_MULTI_STATEMENTS | MY_CLIENT_MULTI_RESULTS | MY_CLIENT_PS_MULTI_RESULTS | \
		     MY_CLIENT_PLUGIN_AUTH | MY_CLIENT_CONNECT_ATTRS | MY_CLIENT_PLUGIN_AUTH_LENENC)

struct gt_mywire {
	struct gt_wire_opts o;
	struct gt_connserv *cs;
	atomic_uint next_id;
	int64_t started_ns;
	pthread_mutex_t live_mu;       /* live: the connections KILL can name */
	struct my_conn *live;
};

/* A prepared statement: COM_STMT_PREPARE (id) or PREPARE name FROM (name). */
struct my_stmt {
	uint32_t id;
	char name[65];
	char *sql;
	size_t len;
	uint16_t nparams;
	bool bound;                    /* types[] came with an execute */
	uint16_t *types;
	struct gt_buf *long_data;      /* nparams buffers */
};

struct my_conn {
	struct gt_mywire *srv;
	int fd;
	uint32_t id;
	int cancel;                    /* KILL [QUERY] named this connection (atomic) */
	struct my_conn *live_next;
	uint8_t seq;
	uint32_t caps;
	uint16_t status;
	int idle_ms;
	bool dead;                     /* the socket failed: stop */
	char user[128], peer[64];
	uint8_t scramble[MY_SCRAMBLE_LEN];
	struct gt_sql_session s;
	struct my_vars vars;
	struct my_fed fed;
	uint64_t questions;
	uint8_t rbuf[16384];
	size_t rpos, rlen;
	struct gt_buf in, out;
	uint64_t flushes;              /* writes of out so far */
	size_t pkt;                    /* where the packet being built starts in out */
	struct my_stmt *stmts;
	uint32_t nstmts, next_stmt_id;
};

/* ---- socket ---- */

static int flush(struct my_conn *c)
{
	size_t done = 0;

	while (!c->dead && done < c->out.len) {
		struct pollfd p = {.fd = c->fd, .events = POLLOUT};
		ssize_t n;
		int pr = poll(&p, 1, c->idle_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			c->dead = true;
			break;
		}
		n = send(c->fd, c->out.p + done, c->out.len - done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			c->dead = true;
		else
			done += (size_t)n;
	}
	c->flushes++;
	gt_buf_reset(&c->out);
	return c->dead ? GT_EIO : 0;
}

/* Read n bytes; GT_EAGAIN on timeout, GT_ECLOSED at end of stream, GT_EIO. */
static int read_exact(struct my_conn *c, void *dst, size_t n, int timeout_ms)
{
	uint8_t *d = dst;

	while (n) {
		if (c->rpos < c->rlen) {
			size_t k = GT_MIN(n, c->rlen - c->rpos);
			memcpy(d, c->rbuf + c->rpos, k);
			c->rpos += k;
			d += k;
			n -= k;
			continue;
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int pr = poll(&p, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			return GT_EAGAIN;
		if (pr < 0)
			return GT_EIO;
		ssize_t got = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			return GT_ECLOSED;
		if (got < 0)
			return GT_EIO;
		c->rpos = 0;
		c->rlen = (size_t)got;
	}
	return 0;
}

/*
 * Read one payload (a packet and its continuations) into c->in.
 * GT_EINVAL: out of sequence; GT_ETOOBIG: over MAX_COMMAND; else as
 * read_exact.
 */
static int read_payload(struct my_conn *c, int first_timeout_ms)
{
	uint8_t h[4];
	uint32_t len;
	int rc, timeout = first_timeout_ms;

	gt_buf_reset(&c->in);
	do {
		if ((rc = read_exact(c, h, 4, timeout)))
			return rc;
		timeout = c->idle_ms;
		len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16;
		if (h[3] != c->seq)
			return GT_EINVAL;
		c->seq++;
		if (c->in.len + len > MAX_COMMAND)
			return GT_ETOOBIG;
		if ((rc = gt_buf_grow(&c->in, len)))
			return rc;
		if ((rc = read_exact(c, c->in.p + c->in.len, len, timeout)))
			return rc;
		c->in.len += len;
	} while (len == MY_PKT_MAX);
	return 0;
}

/* ---- building packets ---- */

static int begin(struct my_conn *c)
{
	c->pkt = c->out.len;
	return gt_buf_add(&c->out, "\0\0\0\0", 4);
}

static void put_hdr(char *h, size_t len, uint8_t seq)
{
	h[0] = (char)(len & 0xff);
	h[1] = (char)(len >> 8 & 0xff);
	h[2] = (char)(len >> 16 & 0xff);
	h[3] = (char)seq;
}

/* Fill in the header of the packet begun last (splitting a payload of 16 MiB or more). */
static int end(struct my_conn *c)
{
	size_t len = c->out.len - c->pkt - 4;
	int rc = 0;

	if (len < MY_PKT_MAX) {
		put_hdr(c->out.p + c->pkt, len, c->seq++);
	} else {
		size_t n;
		char *payload = gt_buf_detach(&c->out, &n), hdr[4];
		const char *p = payload + c->pkt + 4;

		if ((rc = gt_buf_add(&c->out, payload, c->pkt)))
			goto done;
		do {
			size_t k = GT_MIN(len, (size_t)MY_PKT_MAX);
			put_hdr(hdr, k, c->seq++);
			if ((rc = gt_buf_add(&c->out, hdr, 4)) || (rc = gt_buf_add(&c->out, p, k)))
				goto done;
			p += k;
			len -= k;
			if (k < MY_PKT_MAX)
				break;
		} while (1);
	done:
		free(payload);
	}
	if (!rc && c->out.len >= FLUSH_AT)
		rc = flush(c);
	return rc;
}

static uint16_t warnings(const struct my_conn *c)
{
	return c->fed.warning[0] ? 1 : 0;
}

static int send_ok(struct my_conn *c, uint64_t affected, bool more)
{
	int rc;

	if ((rc = begin(c)) ||
	    (rc = my_put_ok(&c->out, affected, (uint16_t)(c->status | (more ? MY_STATUS_MORE_RESULTS : 0)),
			    warnings(c))))
		return rc;
	return end(c);
}

static int send_eof(struct my_conn *c, bool more)
{
	int rc;

	if ((rc = begin(c)) ||
	    (rc = my_put_eof(&c->out, (uint16_t)(c->status | (more ? MY_STATUS_MORE_RESULTS : 0)), warnings(c))))
		return rc;
	return end(c);
}

static int send_err(struct my_conn *c, uint16_t code, const char *sqlstate, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int send_err(struct my_conn *c, uint16_t code, const char *sqlstate, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((rc = begin(c)) || (rc = my_put_err(&c->out, code, sqlstate, msg)))
		return rc;
	return end(c);
}

/* An engine error as GreptimeDB shows it: "(TableNotFound): Table not found: ...". */
static int send_sql_err(struct my_conn *c, const struct gt_sql_error *e)
{
	uint16_t code;
	const char *state;
	int status = e->status ? e->status : GT_STATUS_INTERNAL;

	my_errcode(status, e->msg, &code, &state);
	return send_err(c, code, state, "(%s): %s", gt_status_name(status), e->msg);
}

/* ---- results ---- */

/* A result set's head: the column count, the column definitions, EOF. */
static int records_head(struct my_conn *c, const struct gt_sql_output *o)
{
	struct my_coltype t;
	int rc;

	if ((rc = begin(c)) || (rc = my_put_lenenc(&c->out, o->ncols)) || (rc = end(c)))
		return rc;
	for (uint32_t k = 0; k < o->ncols; k++) {
		my_coltype_of(&o->cols[k], &t);
		if ((rc = begin(c)) || (rc = my_put_coldef(&c->out, o->cols[k].name ? o->cols[k].name : "", &t)) ||
		    (rc = end(c)))
			return rc;
	}
	return send_eof(c, false);
}

/* Rows [from, to) of o as text or binary rows. */
static int records_rows(struct my_conn *c, const struct gt_sql_output *o, uint32_t from, uint32_t to, bool binary)
{
	int rc = 0;
	for (uint32_t r = from; r < to && !rc; r++) {
		if ((rc = begin(c)))
			return rc;
		if (binary) {
			rc = my_put_binary_row(&c->out, o, r);
		} else {
			for (uint32_t k = 0; k < o->ncols && !rc; k++)
				rc = my_put_text_value(&c->out, &o->rows.cols[k], r, &o->cols[k]);
		}
		if (!rc)
			rc = end(c);
	}
	return rc;
}

static int send_records(struct my_conn *c, const struct gt_sql_output *o, bool binary, bool more)
{
	int rc;

	/* a result of no columns has no MySQL form: say how many rows it affected (none) */
	if (!o->ncols)
		return send_ok(c, 0, more);
	if (o->rows.ncols != o->ncols)
		return GT_EINVAL;
	if ((rc = records_head(c, o)) || (rc = records_rows(c, o, 0, o->rows.nrows, binary)))
		return rc;
	return send_eof(c, more);
}

static int send_output(struct my_conn *c, const struct gt_sql_output *o, bool binary, bool more)
{
	if (o->kind == GT_SQL_AFFECTED)
		return send_ok(c, o->affected, more);
	if (o->streamed)       /* head and rows went out as the scan made them */
		return send_eof(c, more);
	return send_records(c, o, binary, more);
}

/*
 * A query's rows onto the wire as the scan makes them (sql.h: struct
 * gt_sql_sink), flushed as out fills.  Until the first flush the answer
 * can be taken back: a query that fails then is answered by its ERR
 * alone, as without streaming.
 */
struct my_stream {
	struct my_conn *c;
	bool binary, begun;
	size_t mark;                   /* out.len before the head */
	uint8_t seq;                   /* c->seq then */
	uint64_t flushes;              /* c->flushes then */
};

static int stream_begin(void *ctx, const struct gt_sql_output *o)
{
	struct my_stream *ms = ctx;
	ms->begun = true;
	ms->mark = ms->c->out.len;
	ms->seq = ms->c->seq;
	ms->flushes = ms->c->flushes;
	return records_head(ms->c, o);
}

static int stream_rows(void *ctx, const struct gt_sql_output *o, uint32_t from, uint32_t to)
{
	struct my_stream *ms = ctx;
	return records_rows(ms->c, o, from, to, ms->binary);
}

/* ---- prepared statements ---- */

static void stmt_free(struct my_stmt *st)
{
	free(st->sql);
	free(st->types);
	for (uint16_t k = 0; st->long_data && k < st->nparams; k++)
		gt_buf_release(&st->long_data[k]);
	free(st->long_data);
}

static struct my_stmt *stmt_find(struct my_conn *c, uint32_t id, const char *name)
{
	for (uint32_t k = 0; k < c->nstmts; k++) {
		struct my_stmt *st = &c->stmts[k];
		if (name ? !strcasecmp(st->name, name) : (!st->name[0] && st->id == id))
			return st;
	}
	return NULL;
}

static void stmt_drop(struct my_conn *c, struct my_stmt *st)
{
	stmt_free(st);
	*st = c->stmts[--c->nstmts];
}

/* A new statement of text sql[0..n); NULL with e filled. */
static struct my_stmt *stmt_add(struct my_conn *c, const char *name, const char *sql, size_t n,
				struct gt_sql_error *e)
{
	struct my_stmt *st;
	uint32_t nparams = my_count_params(sql, n);

	if (name && (st = stmt_find(c, 0, name)))
		stmt_drop(c, st);
	if (c->nstmts >= MAX_STMTS || nparams > 65535) {
		e->status = GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED;
		snprintf(e->msg, sizeof(e->msg), c->nstmts >= MAX_STMTS ? "too many prepared statements (%u)"
									 : "too many parameters (%u)",
			 c->nstmts >= MAX_STMTS ? MAX_STMTS : nparams);
		return NULL;
	}
	if (!(st = gt_reallocarray(c->stmts, c->nstmts + 1, sizeof(*st))))
		goto nomem;
	c->stmts = st;
	st = &c->stmts[c->nstmts];
	memset(st, 0, sizeof(*st));
	st->nparams = (uint16_t)nparams;
	if (!(st->sql = gt_strndup(sql, n)) ||
	    (nparams && (!(st->types = gt_calloc(nparams, sizeof(*st->types))) ||
			 !(st->long_data = gt_calloc(nparams, sizeof(*st->long_data)))))) {
		stmt_free(st);
		goto nomem;
	}
	for (uint32_t k = 0; k < nparams; k++)
		gt_buf_init(&st->long_data[k], MAX_COMMAND);
	st->len = n;
	st->id = ++c->next_stmt_id;
	if (name)
		snprintf(st->name, sizeof(st->name), "%s", name);
	c->nstmts++;
	return st;
nomem:
	e->status = GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED;
	snprintf(e->msg, sizeof(e->msg), "out of memory");
	return NULL;
}

/* ---- running statements ---- */

static int run_text(struct my_conn *c, const char *sql, size_t n, const struct gt_buf *lits, uint32_t nlits,
		    bool binary);

/* PREPARE / EXECUTE / DEALLOCATE in SQL: 1 when it was one (answered), 0 when not. */
static int run_text_prepare(struct my_conn *c, const char *sql, size_t n, bool binary, bool more)
{
	char name[65];
	struct gt_buf arg = {0};
	struct gt_sql_error e = {0};
	struct my_stmt *st;
	uint32_t nargs;
	int kind = my_text_prepare(sql, n, name, sizeof(name), &arg, &nargs), rc = 0;

	if (kind == 0)
		goto done;
	if (kind < 0) {
		rc = send_err(c, 1064, "42000", "(InvalidSyntax): malformed PREPARE, EXECUTE or DEALLOCATE");
	} else if (kind == MY_TEXT_PREPARE) {
		rc = stmt_add(c, name, arg.p ? arg.p : "", arg.len, &e) ? send_ok(c, 0, more) : send_sql_err(c, &e);
	} else if (!(st = stmt_find(c, 0, name))) {
		rc = send_err(c, 1243, "HY000", "Unknown prepared statement handler (%s) given to %s", name,
			      kind == MY_TEXT_EXECUTE ? "EXECUTE" : "DEALLOCATE PREPARE");
	} else if (kind == MY_TEXT_DEALLOCATE) {
		stmt_drop(c, st);
		rc = send_ok(c, 0, more);
	} else if (nargs != st->nparams) {
		rc = send_err(c, 1210, "HY000", "Incorrect arguments to EXECUTE: %u given, %u expected",
			      (unsigned)nargs, (unsigned)st->nparams);
	} else {
		rc = run_text(c, st->sql, st->len, &arg, nargs, binary);
	}
	kind = rc ? rc : 1;
done:
	gt_buf_release(&arg);
	return kind;
}

/* One statement, its placeholders bound to params[0..nparams).  0 when
 * answered (the answer may be an ERR: then *failed), or a GT_E* code. */
/*
 * KILL [QUERY | CONNECTION] id, what the mysql client sends on a second
 * connection when Ctrl-C interrupts a query: the connection's cancel
 * flag goes up (the SQL engine ends its statement with 1317 "Query
 * execution was interrupted"), and without QUERY its socket is shut so
 * that it ends too.  1 when sql is a KILL (answered), 0 when not.
 */
static bool blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int kill_stmt(struct my_conn *c, const char *sql, size_t n, int *rc)
{
	size_t i = 0, k;
	bool query = false;
	uint64_t id = 0;

	while (i < n && blank(sql[i]))
		i++;
	if (n - i < 5 || strncasecmp(sql + i, "kill", 4) || !blank(sql[i + 4]))
		return 0;
	for (i += 5; i < n && blank(sql[i]); i++)
		;
	if (n - i > 6 && !strncasecmp(sql + i, "query", 5) && blank(sql[i + 5])) {
		query = true;
		i += 6;
	} else if (n - i > 11 && !strncasecmp(sql + i, "connection", 10) && blank(sql[i + 10])) {
		i += 11;
	}
	while (i < n && blank(sql[i]))
		i++;
	for (k = i; k < n && sql[k] >= '0' && sql[k] <= '9' && id <= UINT32_MAX; k++)
		id = id * 10 + (uint64_t)(sql[k] - '0');
	size_t e = k;
	while (e < n && (blank(sql[e]) || sql[e] == ';'))
		e++;
	if (k == i || e != n || id > UINT32_MAX) {
		*rc = send_err(c, 1064, "42000", "(InvalidSyntax): KILL [QUERY | CONNECTION] wants a connection id");
		return 1;
	}
	bool found = false;
	pthread_mutex_lock(&c->srv->live_mu);
	for (struct my_conn *t = c->srv->live; t; t = t->live_next)
		if (t->id == (uint32_t)id) {
			found = true;
			__atomic_store_n(&t->cancel, 1, __ATOMIC_RELAXED);
			if (!query)
				shutdown(t->fd, SHUT_RDWR);
		}
	pthread_mutex_unlock(&c->srv->live_mu);
	*rc = found ? send_ok(c, 0, false) : send_err(c, 1094, "HY000", "Unknown thread id: %u", (unsigned)id);
	return 1;
}

static int run_one(struct my_conn *c, const char *sql, size_t n, const struct gt_sql_param *params, uint32_t nparams,
		   bool binary, bool more, bool *failed)
{
	struct gt_sql_result res = {0};
	struct gt_sql_error e = {0};
	struct gt_buf rewritten = {0};
	int rc;

	c->questions++;
	__atomic_store_n(&c->cancel, 0, __ATOMIC_RELAXED);   /* a KILL QUERY while idle is forgotten */
	if (kill_stmt(c, sql, n, &rc))
		return rc;
	rc = my_fed_answer(&c->fed, sql, n, &res, &rewritten, &e);
	if (rc == 0 && !rewritten.len && (rc = run_text_prepare(c, sql, n, binary, more))) {
		gt_buf_release(&rewritten);
		return rc < 0 ? rc : 0;
	}
	if (rc == 0) {
		memset(&e, 0, sizeof(e));
		if (rewritten.len) {
			sql = rewritten.p;
			n = rewritten.len;
		}
		struct my_stream ms = {.c = c, .binary = binary};
		const struct gt_sql_sink sink = {.begin = stream_begin, .rows = stream_rows, .ctx = &ms};
		c->s.sink = &sink;
		rc = gt_sql_exec_params(&c->s, sql, n, params, nparams, &res, &e);
		c->s.sink = NULL;
		if (rc < 0 && ms.begun && ms.flushes == c->flushes) {
			c->out.len = ms.mark;      /* nothing sent yet: the ERR alone answers */
			c->out.p[c->out.len] = 0;
			c->seq = ms.seq;
		}
		if (rc == 0)
			rc = 1;
	}
	if (rc == 1) {
		rc = 0;
		for (uint32_t k = 0; k < res.n && !rc; k++)
			rc = send_output(c, &res.outs[k], binary, more || k + 1 < res.n);
	} else if (rc == GT_ENOMEM && !e.msg[0]) {
		*failed = true;
		rc = send_err(c, 1041, "HY000", "Out of memory");
	} else {
		*failed = true;
		rc = send_sql_err(c, &e);
	}
	gt_sql_result_release(&res);
	gt_buf_release(&rewritten);
	return rc;
}

/* Every statement of a COM_QUERY, or of an executed prepared statement
 * with the NUL-separated literals lits bound to its placeholders in order. */
static int run_text(struct my_conn *c, const char *sql, size_t n, const struct gt_buf *lits, uint32_t nlits,
		    bool binary)
{
	size_t at = 0, end;
	uint32_t count = 0, k = 0, used = 0;
	bool empty, failed = false;
	struct gt_sql_param *params = NULL;
	int rc = 0;

	for (at = 0; at < n; at = end + 1) {
		end = my_stmt_end(sql, n, at, &empty);
		count += !empty;
	}
	if (!count)
		return send_err(c, 1065, "42000", "Query was empty");
	if (count > 1 && !(c->caps & MY_CLIENT_MULTI_STATEMENTS))
		return send_err(c, 1064, "42000",
				"(InvalidSyntax): %u statements in one query need CLIENT_MULTI_STATEMENTS", count);
	if (lits && (rc = my_params(lits, nlits, &params)))
		return rc == GT_EINVAL ? send_err(c, 1210, "HY000", "Incorrect arguments to EXECUTE") : rc;
	for (at = 0; at < n && !rc && !failed; at = end + 1) {
		end = my_stmt_end(sql, n, at, &empty);
		if (empty)
			continue;
		k++;
		/* each statement takes the values of its own placeholders, numbered from $1 */
		uint32_t np = GT_MIN(my_count_params(sql + at, end - at), nlits - used);
		rc = run_one(c, sql + at, end - at, params ? params + used : NULL, np, binary, k < count, &failed);
		used += np;
	}
	free(params);
	return rc;
}

/* ---- commands ---- */

/* USE db; 0 or a GT_E* code with e filled. */
static int use_db(struct my_conn *c, const char *db, size_t n, struct gt_sql_error *e)
{
	struct gt_buf sql = {0};
	struct gt_sql_result res = {0};
	int rc = gt_buf_addstr(&sql, "USE `");

	for (size_t k = 0; !rc && k < n; k++)
		rc = db[k] == '`' ? gt_buf_add(&sql, "``", 2) : gt_buf_addch(&sql, db[k]);
	if (!rc)
		rc = gt_buf_addch(&sql, '`');
	if (!rc)
		rc = gt_sql_exec(&c->s, sql.p, sql.len, &res, e);
	else
		snprintf(e->msg, sizeof(e->msg), "out of memory");
	gt_sql_result_release(&res);
	gt_buf_release(&sql);
	return rc;
}

static int send_use_err(struct my_conn *c, const char *db, size_t n, const struct gt_sql_error *e)
{
	if (e->status == GT_STATUS_DATABASE_NOT_FOUND)
		return send_err(c, 1049, "42000", "Unknown database '%.*s'", (int)GT_MIN(n, 256), db);
	return send_sql_err(c, e);
}

static int com_init_db(struct my_conn *c, const char *db, size_t n)
{
	struct gt_sql_error e = {0};

	if (use_db(c, db, n, &e))
		return send_use_err(c, db, n, &e);
	return send_ok(c, 0, false);
}

static int com_stmt_prepare(struct my_conn *c, const char *sql, size_t n)
{
	struct gt_sql_error e = {0};
	struct my_stmt *st = stmt_add(c, NULL, sql, n, &e);
	struct my_coltype t = {.type = MY_T_VAR_STRING, .charset = MY_CHARSET_UTF8MB4, .length = 65535};
	int rc;

	if (!st)
		return send_sql_err(c, &e);
	/* the columns are told with each execute's result set */
	if ((rc = begin(c)) || (rc = gt_buf_addch(&c->out, 0)) || (rc = my_put_uint(&c->out, st->id, 4)) ||
	    (rc = my_put_uint(&c->out, 0, 2)) || (rc = my_put_uint(&c->out, st->nparams, 2)) ||
	    (rc = gt_buf_addch(&c->out, 0)) || (rc = my_put_uint(&c->out, 0, 2)) || (rc = end(c)))
		return rc;
	for (uint16_t k = 0; k < st->nparams; k++)
		if ((rc = begin(c)) || (rc = my_put_coldef(&c->out, "?", &t)) || (rc = end(c)))
			return rc;
	return st->nparams ? send_eof(c, false) : 0;
}

static int com_stmt_execute(struct my_conn *c, const uint8_t *p, size_t n)
{
	struct gt_err err = {0};
	struct my_exec x;
	struct my_stmt *st;
	struct gt_buf lits;
	uint32_t id;
	int rc;

	if (my_stmt_id(p, n, &id) || !(st = stmt_find(c, id, NULL)))
		return send_err(c, 1243, "HY000", "Unknown prepared statement handler (%u) given to mysqld_stmt_execute",
				(unsigned)id);
	gt_buf_init(&lits, MAX_COMMAND);
	rc = my_exec_decode(&x, p, n, st->nparams, st->types, &st->bound, st->long_data, &lits, &err);
	for (uint16_t k = 0; k < st->nparams; k++)
		gt_buf_reset(&st->long_data[k]);
	if (rc == GT_ENOMEM) {
		goto done;
	} else if (rc) {
		rc = send_err(c, 1210, "HY000", "(InvalidArguments): %s", err.msg);
	} else {
		rc = run_text(c, st->sql, st->len, &lits, st->nparams, true);
	}
done:
	gt_buf_release(&lits);
	return rc;
}

static void com_stmt_long_data(struct my_conn *c, const uint8_t *p, size_t n)
{
	struct my_rd r;
	struct my_stmt *st;
	uint32_t id;
	uint16_t param;

	/* no response, ever: a bad one is dropped and the execute tells */
	my_rd_init(&r, p, n);
	id = (uint32_t)my_rd_uint(&r, 4);
	param = (uint16_t)my_rd_uint(&r, 2);
	if (r.bad || !(st = stmt_find(c, id, NULL)) || param >= st->nparams)
		return;
	gt_buf_add(&st->long_data[param], p + 6, n - 6);
}

static int com_statistics(struct my_conn *c)
{
	int64_t up = (gt_now_ns() - c->srv->started_ns) / 1000000000;
	int rc;

	if ((rc = begin(c)) ||
	    (rc = gt_buf_addf(&c->out, "Uptime: %lld  Threads: 1  Questions: %llu  Slow queries: 0  Opens: 0  "
				       "Flush tables: 0  Open tables: 0  Queries per second avg: 0.000",
			      (long long)up, (unsigned long long)c->questions)))
		return rc;
	return end(c);
}

static void reset_session(struct my_conn *c)
{
	for (uint32_t k = 0; k < c->nstmts; k++)
		stmt_free(&c->stmts[k]);
	c->nstmts = 0;
	my_vars_release(&c->vars);
	c->fed.warning[0] = 0;
	c->s.time_zone[0] = 0;
	c->status = MY_STATUS_AUTOCOMMIT;
}

/* One command in c->in.  0 to go on, 1 to close (COM_QUIT), or a GT_E* code. */
static int command(struct my_conn *c)
{
	const uint8_t *p = (const uint8_t *)c->in.p + 1;
	size_t n = c->in.len - 1;
	uint32_t id;
	struct my_stmt *st;

	switch ((uint8_t)c->in.p[0]) {
	case MY_COM_QUIT:
		return 1;
	case MY_COM_PING:
		return send_ok(c, 0, false);
	case MY_COM_INIT_DB:
		return com_init_db(c, (const char *)p, n);
	case MY_COM_QUERY:
		return run_text(c, (const char *)p, n, NULL, 0, false);
	case MY_COM_FIELD_LIST:
		/* column lists for the CLI's name completion: none offered */
		return send_eof(c, false);
	case MY_COM_STATISTICS:
		return com_statistics(c);
	case MY_COM_STMT_PREPARE:
		return com_stmt_prepare(c, (const char *)p, n);
	case MY_COM_STMT_EXECUTE:
		return com_stmt_execute(c, p, n);
	case MY_COM_STMT_SEND_LONG_DATA:
		com_stmt_long_data(c, p, n);
		return 0;
	case MY_COM_STMT_CLOSE:
		if (!my_stmt_id(p, n, &id) && (st = stmt_find(c, id, NULL)))
			stmt_drop(c, st);
		return 0;
	case MY_COM_STMT_RESET:
		if (my_stmt_id(p, n, &id) || !(st = stmt_find(c, id, NULL)))
			return send_err(c, 1243, "HY000", "Unknown prepared statement handler (%u) given to mysqld_stmt_reset",
					(unsigned)id);
		for (uint16_t k = 0; k < st->nparams; k++)
			gt_buf_reset(&st->long_data[k]);
		return send_ok(c, 0, false);
	case MY_COM_SET_OPTION:
		if (n < 2 || (p[0] != 0 && p[0] != 1) || p[1])
			return send_err(c, 1047, "08S01", "Unknown COM_SET_OPTION");
		c->caps = p[0] == 0 ? c->caps | MY_CLIENT_MULTI_STATEMENTS : c->caps & ~(uint32_t)MY_CLIENT_MULTI_STATEMENTS;
		return send_eof(c, false);
	case MY_COM_RESET_CONNECTION:
		reset_session(c);
		return send_ok(c, 0, false);
	default:
		return send_err(c, 1047, "08S01", "Unknown command %u", (unsigned)(uint8_t)c->in.p[0]);
	}
}

/* ---- handshake ---- */

static int send_handshake(struct my_conn *c)
{
	uint8_t rnd[MY_SCRAMBLE_LEN];
	int rc;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		for (size_t k = 0; k < sizeof(rnd); k++)
			rnd[k] = (uint8_t)(gt_now_ns() >> (k % 8 * 8)) ^ (uint8_t)(k * 131);
	}
	/* printable, never NUL: some clients treat the scramble as a C string */
	for (size_t k = 0; k < sizeof(rnd); k++)
		c->scramble[k] = (uint8_t)(rnd[k] % 94 + 33);
	if ((rc = begin(c)) || (rc = gt_buf_addch(&c->out, 10)) ||
	    (rc = gt_buf_add(&c->out, MY_SERVER_VERSION, sizeof(MY_SERVER_VERSION))) ||
	    (rc = my_put_uint(&c->out, c->id, 4)) || (rc = gt_buf_add(&c->out, c->scramble, 8)) ||
	    (rc = gt_buf_addch(&c->out, 0)) || (rc = my_put_uint(&c->out, SERVER_CAPS & 0xffff, 2)) ||
	    (rc = gt_buf_addch(&c->out, MY_CHARSET_UTF8MB4)) || (rc = my_put_uint(&c->out, c->status, 2)) ||
	    (rc = my_put_uint(&c->out, SERVER_CAPS >> 16, 2)) || (rc = gt_buf_addch(&c->out, MY_SCRAMBLE_LEN + 1)) ||
	    (rc = gt_buf_add(&c->out, "\0\0\0\0\0\0\0\0\0\0", 10)) ||
	    (rc = gt_buf_add(&c->out, c->scramble + 8, MY_SCRAMBLE_LEN - 8)) || (rc = gt_buf_addch(&c->out, 0)) ||
	    (rc = gt_buf_add(&c->out, NATIVE, sizeof(NATIVE))) || (rc = end(c)))
		return rc;
	return flush(c);
}

/* Whether the auth response answers our scramble with the user's password. */
static bool password_ok(struct my_conn *c, const uint8_t *resp, size_t n)
{
	const char *pw = gt_auth_password(c->srv->o.auth, c->user);
	uint8_t want[20];

	if (!pw)
		return false;
	if (!pw[0])
		return n == 0;
	if (n != 20)
		return false;
	my_native_scramble(pw, c->scramble, want);
	return CRYPTO_memcmp(want, resp, 20) == 0;
}

/* 0 when the client is in (OK sent); else the connection is to be closed. */
static int handshake(struct my_conn *c)
{
	struct my_hsresp *h;
	struct gt_err err = {0};
	const uint8_t *auth;
	size_t authlen;
	int rc;

	if ((rc = send_handshake(c)))
		return rc;
	if (!(h = gt_calloc(1, sizeof(*h))))
		return GT_ENOMEM;
	if ((rc = read_payload(c, c->idle_ms))) {
		if (rc == GT_EINVAL || rc == GT_ETOOBIG) {
			send_err(c, 1043, "08S01", "Bad handshake");
			flush(c);
		}
		goto done;
	}
	if ((rc = my_hsresp_decode(h, c->in.p, c->in.len, &err)) || h->ssl_request) {
		send_err(c, 1043, "08S01", "Bad handshake: %s", h->ssl_request ? "TLS is not supported" : err.msg);
		flush(c);
		rc = rc ? rc : GT_EUNSUPP;
		goto done;
	}
	c->caps = h->caps & SERVER_CAPS;
	snprintf(c->user, sizeof(c->user), "%s", h->user);
	c->fed.user = c->user;
	auth = h->auth;
	authlen = h->authlen;
	if (c->srv->o.auth && h->plugin[0] && strcmp(h->plugin, NATIVE) && (c->caps & MY_CLIENT_PLUGIN_AUTH)) {
		/* the client hashed for another plugin: ask for ours (AuthSwitchRequest) */
		if ((rc = begin(c)) || (rc = gt_buf_addch(&c->out, 0xfe)) ||
		    (rc = gt_buf_add(&c->out, NATIVE, sizeof(NATIVE))) ||
		    (rc = gt_buf_add(&c->out, c->scramble, MY_SCRAMBLE_LEN)) || (rc = gt_buf_addch(&c->out, 0)) ||
		    (rc = end(c)) || (rc = flush(c)) || (rc = read_payload(c, c->idle_ms)))
			goto done;
		auth = (const uint8_t *)c->in.p;
		authlen = c->in.len;
	}
	if (c->srv->o.auth && !password_ok(c, auth, authlen)) {
		send_err(c, 1045, "28000", "Access denied for user '%s'@'%s' (using password: %s)", c->user, c->peer,
			 authlen ? "YES" : "NO");
		flush(c);
		rc = GT_EINVAL;
		goto done;
	}
	if (h->has_db && (c->caps & MY_CLIENT_CONNECT_WITH_DB)) {
		struct gt_sql_error e = {0};
		if ((rc = use_db(c, h->db, strlen(h->db), &e))) {
			send_use_err(c, h->db, strlen(h->db), &e);
			flush(c);
			goto done;
		}
	}
	if (!(rc = send_ok(c, 0, false)))
		rc = flush(c);
done:
	free(h);
	return rc;
}

/* ---- the connection ---- */

static void peer_name(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	snprintf(out, n, "localhost");
	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)n);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)n);
}

static void serve(void *ctx, int fd)
{
	struct gt_mywire *m = ctx;
	struct my_conn *c = gt_calloc(1, sizeof(*c));
	int one = 1, rc;

	if (!c)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->srv = m;
	c->fd = fd;
	c->id = atomic_fetch_add(&m->next_id, 1) + 1;
	c->status = MY_STATUS_AUTOCOMMIT;
	c->idle_ms = (int)(m->o.idle_timeout_s ? m->o.idle_timeout_s : 300) * 1000;
	gt_buf_init(&c->in, MAX_COMMAND);
	gt_sql_session_init(&c->s, m->o.db, NULL);
	c->s.channel = GT_SQL_MYSQL;
	c->s.cancel = &c->cancel;
	c->fed.s = &c->s;
	c->fed.vars = &c->vars;
	c->fed.conn_id = c->id;
	c->fed.status = &c->status;
	c->fed.user = "";
	peer_name(fd, c->peer, sizeof(c->peer));
	if (handshake(c))
		goto done;
	pthread_mutex_lock(&m->live_mu);
	c->live_next = m->live;
	m->live = c;
	pthread_mutex_unlock(&m->live_mu);
	for (;;) {
		c->seq = 0;
		rc = read_payload(c, c->idle_ms);
		if (rc == GT_EAGAIN) {
			send_err(c, 4031, "HY000", "The client was disconnected by the server because of inactivity.");
			flush(c);
			break;
		}
		if (rc == GT_EINVAL) {
			c->seq = 0;
			send_err(c, 1156, "08S01", "Got packets out of order");
			flush(c);
			break;
		}
		if (rc == GT_ETOOBIG) {
			c->seq = 0;
			send_err(c, 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes");
			flush(c);
			break;
		}
		if (rc)
			break;
		if (!c->in.len) {
			send_err(c, 1047, "08S01", "Empty command packet");
			flush(c);
			break;
		}
		rc = command(c);
		if (rc < 0 && !c->dead && rc != GT_EIO) {
			/* a failure of ours in the middle of an answer: the stream is lost */
			send_err(c, 1815, "HY000", "(Internal): %s", gt_strerror(rc));
		}
		if (flush(c) || rc)
			break;
	}
done:
	pthread_mutex_lock(&m->live_mu);
	for (struct my_conn **p = &m->live; *p; p = &(*p)->live_next)
		if (*p == c) {
			*p = c->live_next;
			break;
		}
	pthread_mutex_unlock(&m->live_mu);
	reset_session(c);
	gt_buf_release(&c->in);
	gt_buf_release(&c->out);
	free(c->stmts);
	free(c);
}

static void refuse(void *ctx, int fd)
{
	struct gt_buf b = {0};

	/* the first packet a client reads: sequence 0 */
	if (!gt_buf_add(&b, "\0\0\0\0", 4) && !my_put_err(&b, 1040, "08004", "Too many connections")) {
		put_hdr(b.p, b.len - 4, 0);
		if (send(fd, b.p, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* the client is gone or not reading: nothing more to tell it */
		}
	}
	gt_buf_release(&b);
}

int gt_mywire_start(struct gt_mywire **out, const struct gt_wire_opts *o, struct gt_err *err)
{
	struct gt_mywire *m = gt_calloc(1, sizeof(*m));
	struct gt_connserv_opts co = {0};
	int rc;

	*out = NULL;
	if (!m)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	m->o = *o;
	m->started_ns = gt_now_ns();
	pthread_mutex_init(&m->live_mu, NULL);
	co.addr = o->addr ? o->addr : "127.0.0.1:4002";
	co.max_conns = o->max_conns;
	co.serve = serve;
	co.refuse = refuse;
	co.ctx = m;
	if ((rc = gt_connserv_start(&m->cs, &co, err))) {
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

const char *gt_mywire_addr(const struct gt_mywire *m)
{
	return gt_connserv_addr(m->cs);
}

void gt_mywire_stop(struct gt_mywire *m)
{
	if (!m)
		return;
	gt_connserv_stop(m->cs);
	free(m);
}
