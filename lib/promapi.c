/*
 * promapi.c - the Prometheus HTTP query API (promapi.h).
 *
 * Parameters are read and checked in Prometheus's order, so that a
 * request with several faults names the same one Prometheus names
 * (web/api/v1/api.go of 2.42): query_range checks start, end, end before
 * start, step, step > 0, the 11,000 points, timeout, then the query.
 * The JSON is written by hand: Prometheus's exact number and timestamp
 * text, and Go's string escaping (<, >, & as \u003c ..., invalid UTF-8
 * as \ufffd).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "dtoa.h"
#include "promapi.h"
#include "promql.h"
#include "promstore.h"
#include "timeutil.h"

#define MAX_MATCH 64     /* match[] arguments read */

/* Prometheus's minTime and maxTime (the defaults of start and end), in ms,
 * and the text it accepts for them. */
#define MIN_TIME_MS (-9223309901257974000LL)
#define MAX_TIME_MS 9223309901257974999LL
#define MIN_TIME_TEXT "-292273086-05-16T16:47:06Z"
#define MAX_TIME_TEXT "292277025-08-18T07:12:54.999999999Z"

enum etype { E_BAD_DATA, E_EXEC, E_INTERNAL, E_NOT_FOUND, E_TIMEOUT };

static const struct {
	const char *name;
	int http;
} etypes[] = {
	[E_BAD_DATA] = {"bad_data", 400},
	[E_EXEC] = {"execution", 422},
	[E_INTERNAL] = {"internal", 500},
	[E_NOT_FOUND] = {"not_found", 404},
	[E_TIMEOUT] = {"timeout", 503},
};

/* --- JSON text as Prometheus writes it --- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* A JSON string as Go's encoder writes it (HTML-safe). */
static void json_str(struct gt_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;

	gt_buf_addch(b, '"');
	while (i < n) {
		unsigned char c = u[i];
		const char *rep = NULL;
		char esc[8];
		size_t len = 1;

		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			len = utf8_len(u + i, n - i);
			if (len == 3 && u[i] == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
				rep = u[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			} else if (!len) {
				rep = "\\ufffd";
				len = 1;
			} else {
				i += len;
				continue;
			}
		} else if (c == '"') {
			rep = "\\\"";
		} else if (c == '\\') {
			rep = "\\\\";
		} else if (c == '\n') {
			rep = "\\n";
		} else if (c == '\r') {
			rep = "\\r";
		} else if (c == '\t') {
			rep = "\\t";
		} else {
			snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			rep = esc;
		}
		gt_buf_add(b, s + run, i - run);
		gt_buf_addstr(b, rep);
		i += len;
		run = i;
	}
	gt_buf_add(b, s + run, n - run);
	gt_buf_addch(b, '"');
}

static void json_cstr(struct gt_buf *b, const char *s)
{
	json_str(b, s, strlen(s));
}

/* A timestamp as seconds, "1700000000", "1.500", "-0.001" (jsonutil.MarshalTimestamp). */
static void json_ts(struct gt_buf *b, int64_t t)
{
	uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
	if (t < 0)
		gt_buf_addch(b, '-');
	gt_buf_add_u64(b, u / 1000);
	if (u % 1000) {
		char f[5];
		snprintf(f, sizeof(f), ".%03u", (unsigned)(u % 1000));
		gt_buf_addstr(b, f);
	}
}

/* A sample value as Prometheus prints it: strconv's shortest 'f', or 'e'
 * below 1e-6 and from 1e21 on; "NaN", "+Inf", "-Inf". */
static int fmt_value(char *out, size_t n, double v)
{
	char digits[24];
	int e10, nd, o = 0;
	double a = fabs(v);

	if (isnan(v))
		return snprintf(out, n, "NaN");
	if (isinf(v))
		return snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
	if (n < 48)
		return -1;
	if (signbit(v))
		out[o++] = '-';
	if (a == 0) {
		out[o++] = '0';
		out[o] = 0;
		return o;
	}
	nd = gt_dtoa_digits(a, false, digits, &e10);
	if (a < 1e-6 || a >= 1e21) {
		out[o++] = digits[0];
		if (nd > 1) {
			out[o++] = '.';
			memcpy(out + o, digits + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		o += snprintf(out + o, n - (size_t)o, "e%c%02d", e10 < 0 ? '-' : '+', e10 < 0 ? -e10 : e10);
		return o;
	}
	if (e10 < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int z = 0; z < -e10 - 1; z++)
			out[o++] = '0';
		memcpy(out + o, digits, (size_t)nd);
		o += nd;
	} else if (e10 >= nd - 1) {
		memcpy(out + o, digits, (size_t)nd);
		o += nd;
		for (int z = 0; z < e10 - nd + 1; z++)
			out[o++] = '0';
	} else {
		memcpy(out + o, digits, (size_t)e10 + 1);
		o += e10 + 1;
		out[o++] = '.';
		memcpy(out + o, digits + e10 + 1, (size_t)(nd - e10 - 1));
		o += nd - e10 - 1;
	}
	out[o] = 0;
	return o;
}

static void json_point(struct gt_buf *b, int64_t t, double v)
{
	char num[64];
	int n = fmt_value(num, sizeof(num), v);

	gt_buf_addch(b, '[');
	json_ts(b, t);
	gt_buf_addstr(b, ",\"");
	gt_buf_add(b, num, n > 0 ? (size_t)n : 0);
	gt_buf_addstr(b, "\"]");
}

static void json_labels(struct gt_buf *b, const struct gt_pq_labels *l)
{
	gt_buf_addch(b, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			gt_buf_addch(b, ',');
		json_cstr(b, l->l[i].name);
		gt_buf_addch(b, ':');
		json_cstr(b, l->l[i].value);
	}
	gt_buf_addch(b, '}');
}

static void api_error(struct gt_http_resp *rs, enum etype et, const char *msg)
{
	rs->status = etypes[et].http;
	rs->ctype = "application/json";
	gt_buf_reset(&rs->body);
	gt_buf_addstr(&rs->body, "{\"status\":\"error\",\"errorType\":\"");
	gt_buf_addstr(&rs->body, etypes[et].name);
	gt_buf_addstr(&rs->body, "\",\"error\":");
	json_cstr(&rs->body, msg);
	gt_buf_addch(&rs->body, '}');
}

static void param_error(struct gt_http_resp *rs, const char *param, const char *msg)
{
	char m[sizeof(((struct gt_err *)0)->msg) + 64];
	snprintf(m, sizeof(m), "invalid parameter \"%s\": %s", param, msg);
	api_error(rs, E_BAD_DATA, m);
}

static void success_start(struct gt_http_resp *rs)
{
	rs->status = 200;
	rs->ctype = "application/json";
	gt_buf_reset(&rs->body);
	gt_buf_addstr(&rs->body, "{\"status\":\"success\",\"data\":");
}

/* --- parameters --- */

/* Go's strconv.ParseFloat syntax (decimal, with inf and nan), strictly. */
static bool parse_float(const char *s, double *out)
{
	const char *p = s;
	char *end;
	bool digits = false;

	if (*p == '+' || *p == '-')
		p++;
	if (!strcasecmp(p, "inf") || !strcasecmp(p, "infinity") || !strcasecmp(p, "nan")) {
		*out = strtod(s, &end);
		return true;
	}
	while (isdigit((unsigned char)*p))
		p++, digits = true;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits = true;
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, &end);
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* RFC 3339 as Go's time.RFC3339Nano reads it: "2006-01-02T15:04:05[.9]Z07:00". */
static bool rfc3339_shape(const char *s)
{
	size_t n = strlen(s), i = 19;

	if (n < 20 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
	    !all_digits(s + 8, 2) || s[10] != 'T' || !all_digits(s + 11, 2) || s[13] != ':' ||
	    !all_digits(s + 14, 2) || s[16] != ':' || !all_digits(s + 17, 2))
		return false;
	if (s[i] == '.') {
		size_t d = ++i;
		while (isdigit((unsigned char)s[i]))
			i++;
		if (i == d)
			return false;
	}
	if (s[i] == 'Z')
		return s[i + 1] == 0;
	return (s[i] == '+' || s[i] == '-') && n - i == 6 && all_digits(s + i + 1, 2) && s[i + 3] == ':' &&
	       all_digits(s + i + 4, 2);
}

static int64_t floor_div(int64_t v, int64_t f)
{
	int64_t q = v / f;
	return (v % f < 0) ? q - 1 : q;
}

/* Prometheus's parseTime, to milliseconds.  0, or -1 with msg set. */
static int parse_time(const char *s, int64_t *ms, char *msg, size_t n)
{
	double t;

	if (parse_float(s, &t) && !isfinite(t)) {
		/* Go converts Inf and NaN to the int64 minimum, and the time
		 * arithmetic after it ends at this instant */
		*ms = -9223372036854LL;
		return 0;
	}
	if (parse_float(s, &t)) {
		double ip, frac = modf(t, &ip);
		if (fabs(ip) >= 9223372036854775.0) {   /* past the int64 milliseconds: the ends */
			*ms = t < 0 ? MIN_TIME_MS : MAX_TIME_MS;
			return 0;
		}
		double ns = round(frac * 1000) / 1000;
		int64_t nsec = (int64_t)(ns * 1e9);
		*ms = (int64_t)ip * 1000 + floor_div(nsec, 1000000);
		return 0;
	}
	if (rfc3339_shape(s)) {
		int64_t lo, hi;
		if (gt_time_bounds(s, strlen(s), GT_UNIT_MS, &lo, &hi) == 0) {
			*ms = lo;
			return 0;
		}
	}
	if (!strcmp(s, MIN_TIME_TEXT)) {
		*ms = MIN_TIME_MS;
		return 0;
	}
	if (!strcmp(s, MAX_TIME_TEXT)) {
		*ms = MAX_TIME_MS;
		return 0;
	}
	snprintf(msg, n, "cannot parse \"%.200s\" to a valid timestamp", s);
	return -1;
}

/* Prometheus's parseDuration, to milliseconds (truncated, as its engine
 * takes them).  0, or -1 with msg set. */
static int parse_dur(const char *s, int64_t *ms, char *msg, size_t n)
{
	double d;

	if (parse_float(s, &d)) {
		double ns = d * 1e9;
		if (!(ns <= 9223372036854775807.0 && ns >= -9223372036854775808.0)) {
			snprintf(msg, n, "cannot parse \"%.200s\" to a valid duration. It overflows int64", s);
			return -1;
		}
		*ms = (int64_t)ns / 1000000;
		return 0;
	}
	if (*s && *s != '-' && gt_pq_parse_duration(s, strlen(s), ms) == 0)
		return 0;
	snprintf(msg, n, "cannot parse \"%.200s\" to a valid duration", s);
	return -1;
}

/* An argument, "" when absent. */
static const char *arg(struct gt_http_req *rq, const char *name)
{
	const char *v = gt_http_arg(rq, name);
	return v ? v : "";
}

/* A time argument that defaults (parseTimeParam); 0, or -1 with the reply sent. */
static int time_param(struct gt_http_req *rq, struct gt_http_resp *rs, const char *name, int64_t dflt, int64_t *ms)
{
	const char *v = arg(rq, name);
	char msg[300], m2[400];

	if (!*v) {
		*ms = dflt;
		return 0;
	}
	if (parse_time(v, ms, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(m2, sizeof(m2), "Invalid time value for '%s': %s", name, msg);
	param_error(rs, name, m2);
	return -1;
}

static int64_t now_ms(void)
{
	return gt_now_ns() / 1000000;
}

/* --- the result --- */

static const char *type_name(enum gt_pq_type t)
{
	switch (t) {
	case GT_PQ_T_SCALAR:
		return "scalar";
	case GT_PQ_T_STRING:
		return "string";
	case GT_PQ_T_VECTOR:
		return "vector";
	case GT_PQ_T_MATRIX:
		return "matrix";
	default:
		return "none";
	}
}

/* t: the time of an instant query (a string's timestamp). */
static void encode_result(struct gt_http_resp *rs, const struct gt_pq_result *r, bool range, int64_t t)
{
	struct gt_buf *b = &rs->body;

	success_start(rs);
	gt_buf_addstr(b, "{\"resultType\":\"");
	if (range && r->type == GT_PQ_T_SCALAR) {
		/* a scalar over a range is a matrix of one series without labels */
		gt_buf_addstr(b, "matrix\",\"result\":[{\"metric\":{},\"values\":[");
		for (size_t i = 0; i < r->scalars.n; i++) {
			if (i)
				gt_buf_addch(b, ',');
			json_point(b, r->scalars.t[i], r->scalars.v[i]);
		}
		gt_buf_addstr(b, "]}]}}");
		return;
	}
	gt_buf_addstr(b, type_name(r->type));
	gt_buf_addstr(b, "\",\"result\":");
	switch (r->type) {
	case GT_PQ_T_SCALAR:
		json_point(b, r->scalar_t, r->scalar);
		break;
	case GT_PQ_T_STRING:
		gt_buf_addch(b, '[');
		json_ts(b, t);
		gt_buf_addch(b, ',');
		json_cstr(b, r->string ? r->string : "");
		gt_buf_addch(b, ']');
		break;
	case GT_PQ_T_VECTOR:
	case GT_PQ_T_MATRIX: {
		bool vec = r->type == GT_PQ_T_VECTOR;
		bool first = true;
		gt_buf_addch(b, '[');
		for (size_t i = 0; i < r->nseries; i++) {
			const struct gt_pq_series *s = &r->series[i];
			if (!s->n)
				continue;
			if (!first)
				gt_buf_addch(b, ',');
			first = false;
			gt_buf_addstr(b, "{\"metric\":");
			json_labels(b, &s->labels);
			if (vec) {
				gt_buf_addstr(b, ",\"value\":");
				json_point(b, s->t[0], s->v[0]);
			} else {
				gt_buf_addstr(b, ",\"values\":[");
				for (size_t k = 0; k < s->n; k++) {
					if (k)
						gt_buf_addch(b, ',');
					json_point(b, s->t[k], s->v[k]);
				}
				gt_buf_addch(b, ']');
			}
			gt_buf_addch(b, '}');
		}
		gt_buf_addch(b, ']');
		break;
	}
	default:
		gt_buf_addstr(b, "[]");
	}
	gt_buf_addstr(b, "}}");
}

/* An evaluation error as Prometheus classes it. */
static void eval_error(struct gt_http_resp *rs, int rc, const struct gt_err *err)
{
	const char *msg = err->msg[0] ? err->msg : gt_strerror(rc);

	switch (rc) {
	case GT_ETOOBIG:
		api_error(rs, strncmp(msg, "exceeded maximum resolution", 27) ? E_EXEC : E_BAD_DATA, msg);
		break;
	case GT_EIO:
	case GT_ECORRUPT:
	case GT_ECLOSED:
		api_error(rs, E_INTERNAL, msg);
		break;
	case GT_EAGAIN:
		api_error(rs, E_TIMEOUT, msg);
		break;
	default:
		api_error(rs, E_EXEC, msg);
	}
}

enum { QUERY_TIMEOUT_MS = 120000 };

/* query and query_range share all but their time parameters. */
static void run_query(struct gt_db *db, const char *dbname, struct gt_http_req *rq, struct gt_http_resp *rs,
		      struct gt_pq_query *q, bool range)
{
	const char *text = arg(rq, "query"), *to = arg(rq, "timeout"), *lb = arg(rq, "lookback");
	struct gt_pq_expr *e = NULL;
	struct gt_pq_result res;
	struct gt_promstore ps;
	struct gt_pq_source src;
	struct gt_err err = {0};
	char msg[300];
	int64_t ms;
	int rc;

	/* Prometheus's --query.timeout default, 2 minutes; the timeout
	 * parameter can only shorten it */
	ms = QUERY_TIMEOUT_MS;
	if (*to && parse_dur(to, &ms, msg, sizeof(msg))) {
		param_error(rs, "timeout", msg);
		return;
	}
	q->deadline = gt_mono_ns() + GT_MIN(GT_MAX(ms, (int64_t)0), (int64_t)QUERY_TIMEOUT_MS) * 1000000;
	if (*lb) {
		if (parse_dur(lb, &q->lookback, msg, sizeof(msg))) {
			param_error(rs, "lookback", msg);
			return;
		}
	}
	if ((rc = gt_pq_parse(text, &e, &err)) < 0) {
		param_error(rs, "query", err.msg[0] ? err.msg : gt_strerror(rc));
		return;
	}
	if (range && e->type != GT_PQ_T_SCALAR && e->type != GT_PQ_T_VECTOR) {
		snprintf(msg, sizeof(msg), "invalid expression type \"%s\" for range query, must be Scalar or instant Vector",
			 e->type == GT_PQ_T_MATRIX ? "range vector" : type_name(e->type));
		api_error(rs, E_BAD_DATA, msg);
		gt_pq_expr_free(e);
		return;
	}
	gt_promstore_init(&ps, db, dbname);
	gt_promstore_source(&ps, &src);
	memset(&res, 0, sizeof(res));
	rc = gt_pq_eval(e, q, &src, &res, &err);
	if (rc < 0)
		eval_error(rs, rc, &err);
	else
		encode_result(rs, &res, range, q->start);
	gt_pq_result_free(&res);
	gt_pq_expr_free(e);
}

static void h_query(struct gt_db *db, const char *dbname, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_pq_query q = {0};
	int64_t t;

	if (time_param(rq, rs, "time", now_ms(), &t))
		return;
	q.start = q.end = t;
	q.instant = 1;
	run_query(db, dbname, rq, rs, &q, false);
}

static void h_query_range(struct gt_db *db, const char *dbname, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_pq_query q = {0};
	char msg[300];
	double step_ns;
	int64_t step;
	const char *st = arg(rq, "step");

	if (parse_time(arg(rq, "start"), &q.start, msg, sizeof(msg))) {
		param_error(rs, "start", msg);
		return;
	}
	if (parse_time(arg(rq, "end"), &q.end, msg, sizeof(msg))) {
		param_error(rs, "end", msg);
		return;
	}
	if (q.end < q.start) {
		param_error(rs, "end", "end timestamp must not be before start time");
		return;
	}
	if (parse_dur(st, &step, msg, sizeof(msg))) {
		param_error(rs, "step", msg);
		return;
	}
	/* the step in nanoseconds, as Prometheus holds it */
	if (parse_float(st, &step_ns))
		step_ns = trunc(step_ns * 1e9);
	else
		step_ns = (double)step * 1e6;
	if (step <= 0) {
		param_error(rs, "step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
		return;
	}
	/* Prometheus divides the range by the step in nanoseconds */
	if (floorl((long double)(q.end - q.start) * 1e6L / (long double)step_ns) > GT_PQ_MAX_POINTS) {
		api_error(rs, E_BAD_DATA, "exceeded maximum resolution of 11,000 points per timeseries. "
					  "Try decreasing the query resolution (?step=XX)");
		return;
	}
	q.step = step;
	run_query(db, dbname, rq, rs, &q, true);
}

/* --- series, labels, label values --- */

struct matchsets {
	struct gt_pq_expr *e[MAX_MATCH];
	size_t n;
};

static void matchsets_free(struct matchsets *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		gt_pq_expr_free(ms->e[i]);
	ms->n = 0;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == ':';
}

/*
 * What Prometheus's series-selector grammar says of a query that parses
 * as more than a selector: the token after the selector (a name and its
 * braces) is unexpected.
 */
static void selector_error(const char *q, char *msg, size_t n)
{
	size_t p = 0, len;

	while (isspace((unsigned char)q[p]))
		p++;
	while (ident_char(q[p]))
		p++;
	while (isspace((unsigned char)q[p]))
		p++;
	if (q[p] == '{') {
		char quote = 0;
		for (p++; q[p] && (quote || q[p] != '}'); p++) {
			if (quote && q[p] == '\\' && q[p + 1])
				p++;
			else if (quote && q[p] == quote)
				quote = 0;
			else if (!quote && (q[p] == '"' || q[p] == '\'' || q[p] == '`'))
				quote = q[p];
		}
		if (q[p])
			p++;
		while (isspace((unsigned char)q[p]))
			p++;
	}
	static const char *const kw[] = {"offset", "bool", "by", "without", "on", "ignoring", "group_left", "group_right"};
	static const char *const ops[] = {"==", "!=", "<=", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^", "<", ">", "="};
	const char *t = q + p;
	for (len = 0; ident_char(t[len]); len++)
		;
	for (size_t i = 0; len && i < GT_ARRAY_LEN(kw); i++)
		if (strlen(kw[i]) == len && !strncmp(t, kw[i], len)) {
			snprintf(msg, n, "1:%zu: parse error: unexpected <%s>", p + 1, kw[i]);
			return;
		}
	if ((len == 3 && !strncmp(t, "and", 3)) || (len == 2 && !strncmp(t, "or", 2)) ||
	    (len == 6 && !strncmp(t, "unless", 6))) {
		snprintf(msg, n, "1:%zu: parse error: unexpected <op:%.*s>", p + 1, (int)len, t);
		return;
	}
	if (len && isdigit((unsigned char)t[0])) {
		snprintf(msg, n, "1:%zu: parse error: unexpected number \"%.*s\"", p + 1, (int)len, t);
		return;
	}
	if (len) {
		snprintf(msg, n, "1:%zu: parse error: unexpected identifier \"%.*s\"", p + 1, (int)len, t);
		return;
	}
	for (size_t i = 0; *t && i < GT_ARRAY_LEN(ops); i++)
		if (!strncmp(t, ops[i], strlen(ops[i]))) {
			snprintf(msg, n, "1:%zu: parse error: unexpected <op:%s>", p + 1, ops[i]);
			return;
		}
	if (*t == '@')
		snprintf(msg, n, "1:%zu: parse error: unexpected \"<Item 57385>\" <op:@>", p + 1);
	else if (*t == ')')
		snprintf(msg, n, "1:%zu: parse error: unexpected right parenthesis ')'", p + 1);
	else if (*t == '"' || *t == '\'' || *t == '`') {
		const char *e = strchr(t + 1, *t);
		size_t sl = e ? (size_t)(e - t) + 1 : strlen(t);
		struct gt_buf b = {0};
		json_str(&b, t, sl);   /* Go's %q of the token, near enough: quotes and backslashes escaped */
		snprintf(msg, n, "1:%zu: parse error: unexpected string %s", p + 1, b.p ? b.p : "\"\"");
		gt_buf_release(&b);
	} else
		snprintf(msg, n, "1:%zu: parse error: unexpected \"%c\"", p + 1, *t ? *t : ' ');
}

/*
 * Parse every match[] as a series selector (parseMatchersParam); 0, or -1
 * with the error sent.  required: none given is an error.
 */
static int parse_matches(struct gt_http_req *rq, struct gt_http_resp *rs, struct matchsets *ms, bool required)
{
	const char *vals[MAX_MATCH];
	size_t n = gt_http_arg_all(rq, "match[]", vals, MAX_MATCH);
	char msg[600];

	ms->n = 0;
	if (n > MAX_MATCH) {
		snprintf(msg, sizeof(msg), "more than %d match[] parameters", MAX_MATCH);
		param_error(rs, "match[]", msg);
		return -1;
	}
	if (!n && required) {
		api_error(rs, E_BAD_DATA, "no match[] parameter provided");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct gt_err err = {0};
		struct gt_pq_expr *e = NULL;
		int rc = gt_pq_parse(vals[i], &e, &err);
		if (rc == 0 && (e->kind != GT_PQ_SELECTOR || e->u.sel.range || e->u.sel.offset ||
				e->u.sel.at != GT_PQ_AT_NONE)) {
			gt_pq_expr_free(e);
			matchsets_free(ms);
			selector_error(vals[i], msg, sizeof(msg));
			param_error(rs, "match[]", msg);
			return -1;
		}
		if (rc < 0) {
			matchsets_free(ms);
			/* the query grammar says this of an all-empty selector; the API says it its way */
			if (strstr(err.msg, "at least one non-empty matcher"))
				param_error(rs, "match[]", "match[] must contain at least one non-empty matcher");
			else
				param_error(rs, "match[]", err.msg[0] ? err.msg : gt_strerror(rc));
			return -1;
		}
		ms->e[ms->n++] = e;
	}
	for (size_t i = 0; i < ms->n; i++) {
		bool nonempty = false;
		for (size_t k = 0; k < ms->e[i]->u.sel.nm; k++)
			nonempty |= gt_pq_matcher_match(&ms->e[i]->u.sel.m[k], "", 0) != 1;
		if (!nonempty) {
			matchsets_free(ms);
			param_error(rs, "match[]", "match[] must contain at least one non-empty matcher");
			return -1;
		}
	}
	return 0;
}

static int series_cmp(const void *a, const void *b)
{
	return gt_promstore_labels_cmp(&((const struct gt_pq_series *)a)->labels,
				       &((const struct gt_pq_series *)b)->labels);
}

/* One set of matchers: a match[] selector's. */
struct mset {
	const struct gt_pq_matcher *m;
	size_t nm;
};

/* The union of the series the sets select in [start, end], sorted, unique. */
static int select_series(struct gt_promstore *ps, const struct mset *sets, size_t nsets, int64_t start, int64_t end,
			 struct gt_pq_series **out, size_t *n, struct gt_err *err)
{
	struct gt_pq_series *all = NULL;
	size_t nall = 0, o = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < nsets; i++) {
		struct gt_pq_series *s;
		size_t ns;
		int rc = gt_promstore_series(ps, sets[i].m, sets[i].nm, start, end, &s, &ns, err);
		if (rc < 0) {
			gt_pq_series_free(all, nall);
			return rc;
		}
		if (!ns) {
			free(s);
			continue;
		}
		struct gt_pq_series *x = gt_reallocarray(all, nall + ns, sizeof(*x));
		if (!x) {
			gt_pq_series_free(s, ns);
			gt_pq_series_free(all, nall);
			return gt_errf(err, GT_ENOMEM, "out of memory");
		}
		all = x;
		memcpy(all + nall, s, ns * sizeof(*s));
		nall += ns;
		free(s);
	}
	if (nall)
		qsort(all, nall, sizeof(*all), series_cmp);
	/* keep the first of equal label sets; the others go to the end */
	for (size_t i = 0; i < nall; i++) {
		if (o && !gt_promstore_labels_cmp(&all[o - 1].labels, &all[i].labels))
			continue;
		struct gt_pq_series tmp = all[o];
		all[o++] = all[i];
		all[i] = tmp;
	}
	if (o < nall) {
		struct gt_pq_series *dups = gt_calloc(nall - o, sizeof(*dups));
		if (!dups) {
			gt_pq_series_free(all, nall);
			return gt_errf(err, GT_ENOMEM, "out of memory");
		}
		memcpy(dups, all + o, (nall - o) * sizeof(*dups));
		gt_pq_series_free(dups, nall - o);
	}
	*out = all;
	*n = o;
	return 0;
}

/* start and end of series, labels and label values: default all time. */
static int range_params(struct gt_http_req *rq, struct gt_http_resp *rs, int64_t *start, int64_t *end)
{
	if (time_param(rq, rs, "start", MIN_TIME_MS, start) || time_param(rq, rs, "end", MAX_TIME_MS, end))
		return -1;
	return 0;
}

static void store_error(struct gt_http_resp *rs, int rc, const struct gt_err *err)
{
	eval_error(rs, rc, err);
}

static size_t msets(const struct matchsets *ms, struct mset *sets)
{
	for (size_t i = 0; i < ms->n; i++) {
		sets[i].m = ms->e[i]->u.sel.m;
		sets[i].nm = ms->e[i]->u.sel.nm;
	}
	return ms->n;
}

static void h_series(struct gt_db *db, const char *dbname, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct matchsets ms;
	struct gt_promstore ps;
	struct gt_pq_series *s = NULL;
	struct gt_err err = {0};
	int64_t start, end;
	size_t n = 0;
	int rc;

	if (parse_matches(rq, rs, &ms, true) < 0)
		return;
	if (range_params(rq, rs, &start, &end) < 0) {
		matchsets_free(&ms);
		return;
	}
	gt_promstore_init(&ps, db, dbname);
	struct mset sets[MAX_MATCH] = {{0}};
	size_t nsets = msets(&ms, sets);
	rc = select_series(&ps, sets, nsets, start, end, &s, &n, &err);
	matchsets_free(&ms);
	if (rc < 0) {
		store_error(rs, rc, &err);
		return;
	}
	success_start(rs);
	gt_buf_addch(&rs->body, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			gt_buf_addch(&rs->body, ',');
		json_labels(&rs->body, &s[i].labels);
	}
	gt_buf_addstr(&rs->body, "]}");
	gt_pq_series_free(s, n);
}

static int cstr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted, unique array of strings as the data of a success. */
static void send_strings(struct gt_http_resp *rs, const char **v, size_t n)
{
	bool first = true;

	if (n)
		qsort(v, n, sizeof(*v), cstr_cmp);
	success_start(rs);
	gt_buf_addch(&rs->body, '[');
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(v[i - 1], v[i]))
			continue;
		if (!first)
			gt_buf_addch(&rs->body, ',');
		first = false;
		json_cstr(&rs->body, v[i]);
	}
	gt_buf_addstr(&rs->body, "]}");
}

/*
 * labels (name NULL) and label/NAME/values: from the series match[]
 * selects, or without match[] from the schemas (names, metric names) or
 * every series that has the label.
 */
static void label_strings(struct gt_db *db, const char *dbname, struct gt_http_req *rq, struct gt_http_resp *rs,
			  const char *name)
{
	struct matchsets ms;
	struct gt_promstore ps;
	struct gt_pq_series *s = NULL;
	struct gt_err err = {0};
	const char **v = NULL;
	char **names = NULL;
	int64_t start, end;
	size_t n = 0, nv = 0;
	int rc = 0;

	if (parse_matches(rq, rs, &ms, false) < 0)
		return;
	if (range_params(rq, rs, &start, &end) < 0) {
		matchsets_free(&ms);
		return;
	}
	gt_promstore_init(&ps, db, dbname);
	/* label names and metric names for all time come from the schemas;
	 * for a time range (what Grafana asks) from the series with samples in it */
	bool ranged = gt_http_arg(rq, "start") || gt_http_arg(rq, "end");
	if (!ms.n && (!name || !strcmp(name, "__name__")) && !ranged) {
		rc = name ? gt_promstore_metric_names(&ps, &names, &err) : gt_promstore_label_names(&ps, &names, &err);
		if (rc < 0) {
			store_error(rs, rc, &err);
			return;
		}
		for (n = 0; names[n]; n++)
			;
		send_strings(rs, (const char **)names, n);
		gt_strv_free(names);
		return;
	}
	/* without match[]: every series that has the label, name != "" (every
	 * series has a __name__) */
	struct gt_pq_matcher has = {.name = (char *)(name ? name : "__name__"), .value = (char *)"", .op = GT_PQ_M_NE};
	struct mset sets[MAX_MATCH] = {{&has, 1}};
	size_t nsets = ms.n ? msets(&ms, sets) : 1;
	rc = select_series(&ps, sets, nsets, start, end, &s, &n, &err);
	matchsets_free(&ms);
	if (rc < 0) {
		store_error(rs, rc, &err);
		return;
	}
	size_t cap = 0;
	for (size_t i = 0; i < n; i++)
		cap += name ? 1 : s[i].labels.n;
	if (cap && !(v = gt_calloc(cap, sizeof(*v)))) {
		gt_pq_series_free(s, n);
		api_error(rs, E_INTERNAL, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s[i].labels.n; k++) {
			const struct gt_pq_label *l = &s[i].labels.l[k];
			if (!name)
				v[nv++] = l->name;
			else if (!strcmp(l->name, name) && l->value[0])
				v[nv++] = l->value;
		}
	send_strings(rs, v, nv);
	free(v);
	gt_pq_series_free(s, n);
}

/* model.LabelNameRE: [a-zA-Z_][a-zA-Z0-9_]* */
static bool label_name_ok(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static void h_buildinfo(struct gt_http_resp *rs)
{
	success_start(rs);
	gt_buf_addstr(&rs->body, "{\"version\":\"2.42.0\",\"revision\":\"gt-" GT_VERSION "\",\"branch\":\"\","
				 "\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}}");
}

void gt_promapi_serve(struct gt_db *db, const char *dbname, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	const char *path = gt_http_path(rq), *sub;
	size_t plen = strlen(GT_PROMAPI_PREFIX);

	if (strncmp(path, GT_PROMAPI_PREFIX, plen)) {
		api_error(rs, E_NOT_FOUND, "not found");
		return;
	}
	sub = path + plen;
	if (!dbname || !*dbname)
		dbname = GT_DEFAULT_DB;
	if (!strcmp(sub, "query")) {
		h_query(db, dbname, rq, rs);
	} else if (!strcmp(sub, "query_range")) {
		h_query_range(db, dbname, rq, rs);
	} else if (!strcmp(sub, "series")) {
		h_series(db, dbname, rq, rs);
	} else if (!strcmp(sub, "labels")) {
		label_strings(db, dbname, rq, rs, NULL);
	} else if (!strcmp(sub, "status/buildinfo")) {
		h_buildinfo(rs);
	} else if (!strcmp(sub, "metadata")) {
		/* Grafana's metric browser asks; gt keeps no TYPE/HELP (remote
		 * write's metadata is not stored): none known, not an error */
		success_start(rs);
		gt_buf_addstr(&rs->body, "{}}");
	} else if (!strncmp(sub, "label/", 6) && strlen(sub) > 13 && !strcmp(sub + strlen(sub) - 7, "/values")) {
		char name[GT_NAME_MAX + 1];
		size_t n = strlen(sub) - 13;
		char msg[GT_NAME_MAX + 40];
		if (n > GT_NAME_MAX)
			n = GT_NAME_MAX;
		memcpy(name, sub + 6, n);
		name[n] = 0;
		if (!label_name_ok(name)) {
			snprintf(msg, sizeof(msg), "invalid label name: \"%s\"", name);
			api_error(rs, E_BAD_DATA, msg);
			return;
		}
		label_strings(db, dbname, rq, rs, name);
	} else {
		api_error(rs, E_NOT_FOUND, "not found");
	}
}
