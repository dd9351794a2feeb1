/*
 * sql-parse.c - recursive-descent parser for GreptimeDB's SQL dialect
 * (the statements listed in sql-ast.h), tokens from sql-lex.c into an
 * arena-allocated AST.
 *
 * Expression precedence, lowest first: OR, AND, NOT, comparison / IS /
 * IN / BETWEEN / LIKE, || , + -, * / %, unary -, postfix ::type, primary.
 * Nesting depth is counted on every recursive entry and capped at
 * GT_SQL_MAX_DEPTH so that hostile input cannot exhaust the stack.
 */
#include "sql-ast.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <strings.h>

struct P {
	struct sql_arena *a;
	struct sql_token *t;
	uint32_t n, i;
	int depth;
	const char *text;
	struct gt_sql_error *e;
	bool failed;
	const struct gt_sql_param *params;  /* values of the placeholders */
	uint32_t nparams;
	uint32_t nq;                        /* ? seen so far: the next one is $(nq + 1) */
};

#define TK(p) (&(p)->t[(p)->i])

static bool is_kw(const struct sql_token *t, const char *kw)
{
	return t->kind == T_IDENT && strlen(kw) == t->n && !strncasecmp(t->s, kw, t->n);
}

static bool is_op(const struct sql_token *t, const char *op)
{
	return t->kind == T_OP && !strcmp(t->s, op);
}

static void tokname(const struct sql_token *t, char *buf, size_t n)
{
	if (t->kind == T_EOF)
		snprintf(buf, n, "EOF");
	else if (t->kind == T_STR)
		snprintf(buf, n, "'%.*s'", (int)GT_MIN(t->n, 200), t->s);
	else if (t->kind == T_DQSTR || t->kind == T_QIDENT)
		snprintf(buf, n, "\"%.*s\"", (int)GT_MIN(t->n, 200), t->s);
	else
		snprintf(buf, n, "%.*s", (int)GT_MIN(t->n, 200), t->s);
}

/* The value of an integer token (its text is not NUL-terminated). */
static int64_t tok_int(const struct sql_token *t)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%.*s", (int)GT_MIN(t->n, 31), t->s);
	return strtoll(buf, NULL, 10);
}

static void *fail(struct P *p, const char *expected)
{
	if (!p->failed) {
		char f[256];
		const struct sql_token *t = TK(p);
		tokname(t, f, sizeof(f));
		sql_err(p->e, GT_STATUS_INVALID_SYNTAX,
			"Invalid SQL syntax: sql parser error: Expected: %s, found: %s at Line: %u, Column: %u",
			expected, f, t->line, t->col);
		p->e->line = t->line;
		p->e->col = t->col;
		p->failed = true;
	}
	return NULL;
}

static void *failmsg(struct P *p, int status, const char *msg)
{
	if (!p->failed) {
		sql_err(p->e, status, "%s", msg);
		p->e->line = TK(p)->line;
		p->e->col = TK(p)->col;
		p->failed = true;
	}
	return NULL;
}

/* GreptimeDB's answer to a statement it cannot start or a token after a complete one. */
static void *unsupported_kw(struct P *p)
{
	char f[256], m[300];
	tokname(TK(p), f, sizeof(f));
	snprintf(m, sizeof(m), "SQL statement is not supported, keyword: %s", f);
	return failmsg(p, GT_STATUS_UNSUPPORTED, m);
}

static void *oom(struct P *p)
{
	return failmsg(p, GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED, "out of memory");
}

static bool accept_kw(struct P *p, const char *kw)
{
	if (is_kw(TK(p), kw)) {
		p->i++;
		return true;
	}
	return false;
}

static bool accept_op(struct P *p, const char *op)
{
	if (is_op(TK(p), op)) {
		p->i++;
		return true;
	}
	return false;
}

static bool expect_kw(struct P *p, const char *kw)
{
	char up[32];
	size_t i;
	if (accept_kw(p, kw))
		return true;
	for (i = 0; kw[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)kw[i]);
	up[i] = 0;
	fail(p, up);
	return false;
}

static bool expect_op(struct P *p, const char *op)
{
	if (accept_op(p, op))
		return true;
	fail(p, op);
	return false;
}

static const char *const reserved[] = {
	"select", "from", "where", "group", "order", "by", "limit", "offset", "having", "and", "or",
	"not", "as", "on", "values", "insert", "into", "create", "table", "drop", "asc", "desc",
	"is", "in", "between", "like", "union", "join", "with", "align", "fill", "range", "intersect",
	"except", NULL,
};

static bool is_reserved(const struct sql_token *t)
{
	for (int i = 0; reserved[i]; i++)
		if (is_kw(t, reserved[i]))
			return true;
	return false;
}

/* An identifier: bare (lowercased, as GreptimeDB folds them) or quoted (as is). */
static char *ident(struct P *p)
{
	struct sql_token *t = TK(p);
	if (t->kind == T_IDENT) {
		char *s = sql_strndup(p->a, t->s, t->n);
		if (!s)
			return oom(p);
		for (char *c = s; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		p->i++;
		return s;
	}
	if (t->kind == T_QIDENT || t->kind == T_DQSTR) {
		if (t->n == 0 || t->n > GT_NAME_MAX)
			return fail(p, "identifier");
		char *s = sql_strndup(p->a, t->s, t->n);
		if (!s)
			return oom(p);
		p->i++;
		return s;
	}
	return fail(p, "identifier");
}

/* A database or table name: an identifier, or a 'string' as GreptimeDB accepts. */
static char *objname(struct P *p)
{
	struct sql_token *t = TK(p);
	if (t->kind == T_STR && t->n > 0 && t->n <= GT_NAME_MAX * 4) {
		char *s = sql_strndup(p->a, t->s, t->n);
		if (!s)
			return oom(p);
		p->i++;
		return s;
	}
	return ident(p);
}

/* [db.]name */
static bool qname(struct P *p, char **db, char **name)
{
	char *a = objname(p);
	if (!a)
		return false;
	*db = NULL;
	*name = a;
	if (accept_op(p, ".")) {
		char *b = objname(p);
		if (!b)
			return false;
		*db = a;
		*name = b;
	}
	return true;
}

static struct sql_expr *node(struct P *p, uint8_t kind)
{
	struct sql_expr *x = sql_alloc(p->a, sizeof(*x));
	if (!x)
		return oom(p);
	x->kind = kind;
	x->line = TK(p)->line;
	x->col = TK(p)->col;
	x->slot = -1;
	return x;
}

/* Growable arena arrays: copy into a larger block when full. */
static bool push_ptr(struct P *p, void ***v, uint32_t *n, uint32_t *cap, void *x)
{
	if (*n >= GT_SQL_MAX_LIST * 32u) {
		failmsg(p, GT_STATUS_INVALID_SYNTAX, "list is too long");
		return false;
	}
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 8;
		void **nv = sql_alloc(p->a, (size_t)nc * sizeof(void *));
		if (!nv) {
			oom(p);
			return false;
		}
		if (*n)
			memcpy(nv, *v, (size_t)*n * sizeof(void *));
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return true;
}

static struct sql_expr *expr(struct P *p);
static struct sql_select *query(struct P *p);
static bool at_query(struct P *p, uint32_t i);
static struct sql_expr *window_spec(struct P *p, struct sql_expr *x);

/* Type name -> gt storage type, unit and logical type (GreptimeDB's
 * names and the SQL aliases it accepts).  Returns false if not a known type. */
static bool parse_type(struct P *p, uint8_t *type, uint8_t *unit, uint8_t *lt)
{
	struct sql_token *t = TK(p);
	*unit = GT_UNIT_MS;
	*lt = GT_LT_NONE;
	if (t->kind != T_IDENT)
		return fail(p, "a data type"), false;
	static const struct {
		const char *name;
		uint8_t type, lt, unit;
	} types[] = {
		{"string", GT_STRING, 0, 0}, {"varchar", GT_STRING, 0, 0}, {"text", GT_STRING, 0, 0},
		{"char", GT_STRING, 0, 0}, {"character", GT_STRING, 0, 0},
		{"tinytext", GT_STRING, 0, 0}, {"mediumtext", GT_STRING, 0, 0}, {"longtext", GT_STRING, 0, 0},
		{"binary", GT_STRING, GT_LT_BINARY, 0}, {"varbinary", GT_STRING, GT_LT_BINARY, 0},
		{"blob", GT_STRING, GT_LT_BINARY, 0}, {"bytea", GT_STRING, GT_LT_BINARY, 0},
		/* JSON2 is GreptimeDB's structured JSON (still unfinished there): gt keeps both as text */
		{"json", GT_STRING, GT_LT_JSON, 0}, {"json2", GT_STRING, GT_LT_JSON, 0},
		{"double", GT_F64, 0, 0}, {"float64", GT_F64, 0, 0}, {"float8", GT_F64, 0, 0},
		{"float", GT_F64, GT_LT_F32, 0}, {"real", GT_F64, GT_LT_F32, 0}, {"float32", GT_F64, GT_LT_F32, 0},
		{"float4", GT_F64, GT_LT_F32, 0},
		{"bigint", GT_I64, 0, 0}, {"int64", GT_I64, 0, 0}, {"int8", GT_I64, 0, 0},
		{"int", GT_I64, GT_LT_I32, 0}, {"integer", GT_I64, GT_LT_I32, 0}, {"int32", GT_I64, GT_LT_I32, 0},
		{"int4", GT_I64, GT_LT_I32, 0}, {"mediumint", GT_I64, GT_LT_I32, 0},
		{"smallint", GT_I64, GT_LT_I16, 0}, {"int16", GT_I64, GT_LT_I16, 0}, {"int2", GT_I64, GT_LT_I16, 0},
		{"tinyint", GT_I64, GT_LT_I8, 0},
		{"uint64", GT_U64, 0, 0}, {"uint32", GT_U64, GT_LT_U32, 0}, {"uint16", GT_U64, GT_LT_U16, 0},
		{"uint8", GT_U64, GT_LT_U8, 0},
		{"boolean", GT_BOOL, 0, 0}, {"bool", GT_BOOL, 0, 0},
		{"date", GT_I64, GT_LT_DATE, 0}, {"time", GT_I64, GT_LT_TIME, 0},
		{"datetime", GT_TS, 0, GT_UNIT_US},
		{"timestamp", GT_TS, 0, GT_UNIT_MS}, {"timestamptz", GT_TS, 0, GT_UNIT_MS},
		{"timestamp_s", GT_TS, 0, GT_UNIT_S}, {"timestamp_sec", GT_TS, 0, GT_UNIT_S},
		{"timestampsecond", GT_TS, 0, GT_UNIT_S},
		{"timestamp_ms", GT_TS, 0, GT_UNIT_MS}, {"timestamp_millisecond", GT_TS, 0, GT_UNIT_MS},
		{"timestampmillisecond", GT_TS, 0, GT_UNIT_MS},
		{"timestamp_us", GT_TS, 0, GT_UNIT_US}, {"timestampmicrosecond", GT_TS, 0, GT_UNIT_US},
		{"timestamp_ns", GT_TS, 0, GT_UNIT_NS}, {"timestampnanosecond", GT_TS, 0, GT_UNIT_NS},
	};
	size_t k;
	for (k = 0; k < GT_ARRAY_LEN(types); k++)
		if (is_kw(t, types[k].name))
			break;
	if (k == GT_ARRAY_LEN(types))
		return fail(p, "a data type"), false;
	*type = types[k].type;
	*lt = types[k].lt;
	if (*type == GT_TS)
		*unit = types[k].unit;
	if (*lt == GT_LT_TIME)
		*unit = GT_UNIT_NS;   /* DataFusion's TIME is Time64(ns) */
	if (is_kw(t, "double") && p->i + 1 < p->n && is_kw(&p->t[p->i + 1], "precision"))
		p->i++;
	p->i++;
	if (accept_op(p, "(")) {
		struct sql_token *v = TK(p);
		if (v->kind != T_INT)
			return fail(p, "a literal int"), false;
		int64_t prec = tok_int(v);
		p->i++;
		if (!expect_op(p, ")"))
			return false;
		if (*type == GT_TS) {
			if (prec != 0 && prec != 3 && prec != 6 && prec != 9)
				return failmsg(p, GT_STATUS_INVALID_SYNTAX, "Invalid timestamp precision"), false;
			*unit = (uint8_t)prec;
		}
	}
	if (*type == GT_I64 && *lt != GT_LT_DATE && accept_kw(p, "unsigned")) {
		static const uint8_t unsigned_of[] = {
			[GT_LT_NONE] = GT_LT_NONE, [GT_LT_I8] = GT_LT_U8, [GT_LT_I16] = GT_LT_U16, [GT_LT_I32] = GT_LT_U32,
		};
		*type = GT_U64;
		*lt = *lt < GT_ARRAY_LEN(unsigned_of) ? unsigned_of[*lt] : GT_LT_NONE;
	}
	return true;
}

int sql_interval_parse(const char *s, size_t n, const char *unit, size_t ulen, int64_t *ns, int64_t *months,
		       int64_t *days)
{
	const char *end = s + n;
	*ns = *months = *days = 0;
	while (s < end) {
		char nb[64], ub[32], *ep;
		size_t k = 0;
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s >= end)
			break;
		while (s + k < end && k < 63 && (isdigit((unsigned char)s[k]) || s[k] == '.' || s[k] == '-'))
			k++;
		memcpy(nb, s, k);
		nb[k] = 0;
		double num = strtod(nb, &ep);
		if (k == 0 || *ep)
			return -1;
		s += k;
		while (s < end && isspace((unsigned char)*s))
			s++;
		for (k = 0; s < end && isalpha((unsigned char)*s) && k < sizeof(ub) - 1; s++)
			ub[k++] = (char)tolower((unsigned char)*s);
		if (k == 0 && unit && ulen < sizeof(ub)) {
			for (; k < ulen; k++)
				ub[k] = (char)tolower((unsigned char)unit[k]);
			unit = NULL;
		}
		ub[k] = 0;
		if (k == 0)
			return -1;
		if (ub[k - 1] == 's' && k > 2)
			ub[--k] = 0;
		double mul, whole;
		if (!strcmp(ub, "nanosecond") || !strcmp(ub, "ns"))
			mul = 1;
		else if (!strcmp(ub, "microsecond") || !strcmp(ub, "us"))
			mul = 1e3;
		else if (!strcmp(ub, "millisecond") || !strcmp(ub, "ms"))
			mul = 1e6;
		else if (!strcmp(ub, "second") || !strcmp(ub, "sec") || !strcmp(ub, "s"))
			mul = 1e9;
		else if (!strcmp(ub, "minute") || !strcmp(ub, "min") || !strcmp(ub, "m"))
			mul = 60e9;
		else if (!strcmp(ub, "hour") || !strcmp(ub, "h"))
			mul = 3600e9;
		else if (!strcmp(ub, "day") || !strcmp(ub, "d") || !strcmp(ub, "week") || !strcmp(ub, "w")) {
			/* Whole days are their own field, as in DataFusion's IntervalMonthDayNano. */
			if (ub[0] == 'w')
				num *= 7;
			if (fabs(num) > 1e8)
				return -3;
			num -= (whole = trunc(num));
			*days += (int64_t)whole;
			*ns += (int64_t)(whole * 86400e9);
			mul = 86400e9;
		} else if (!strcmp(ub, "month") || !strcmp(ub, "year") || !strcmp(ub, "y")) {
			if (fabs(num) > 1e8)
				return -3;
			*months += (int64_t)num * (ub[0] == 'm' ? 1 : 12);
			continue;
		} else {
			return -2;
		}
		if (fabs(num * mul) > 9e18 || fabs((double)*ns + num * mul) > 9e18)
			return -3;
		*ns += (int64_t)(num * mul);
	}
	return 0;
}

/*
 * GreptimeDB rewrites a cast to one of its Arrow-named type aliases
 * (INT64, UINT8, FLOAT32 ...) into arrow_cast(x, 'Int64'), and DataFusion
 * then names the column by that call; standard SQL types stay plain casts.
 * A cast to a TIMESTAMP type is rewritten the same way (DataFusion lacks
 * TIMESTAMP(p)), to arrow_cast(x, 'Timestamp(ms)').  Marks the cast node
 * (s = the Arrow type) when the type just parsed is one.
 */
static void arrow_alias(struct P *p, struct sql_expr *c, uint32_t from)
{
	static const char *const names[][2] = {
		{"int8", NULL}, {"int16", "Int16"}, {"int32", "Int32"}, {"int64", "Int64"}, {"uint8", "UInt8"},
		{"uint16", "UInt16"}, {"uint32", "UInt32"}, {"uint64", "UInt64"}, {"float32", "Float32"},
		{"float64", "Float64"},
	};
	static const char *const ts[] = {
		[GT_UNIT_S] = "Timestamp(s)", [GT_UNIT_MS] = "Timestamp(ms)", [GT_UNIT_US] = "Timestamp(µs)",
		[GT_UNIT_NS] = "Timestamp(ns)",
	};
	if (p->t[from].kind != T_IDENT)
		return;
	/* DATETIME is its own SQL type, not TIMESTAMP: a plain cast */
	if (c->cast_type == GT_TS && c->cast_unit < GT_ARRAY_LEN(ts) && !is_kw(&p->t[from], "datetime")) {
		c->s = (char *)ts[c->cast_unit];
		return;
	}
	if (p->i != from + 1)
		return;
	for (size_t k = 0; k < GT_ARRAY_LEN(names); k++)
		if (names[k][1] && is_kw(&p->t[from], names[k][0]))
			c->s = (char *)names[k][1];
}

static struct sql_expr *unary(struct P *p);

/*
 * A placeholder ($N, or ? numbered in order) is replaced by the literal
 * bound to it, parsed from its text and marked with its number; without
 * one the statement fails as GreptimeDB's execution does.
 */
static struct sql_expr *param(struct P *p)
{
	struct sql_token *t = TK(p);
	uint32_t k = t->s[0] == '?' ? ++p->nq : (uint32_t)tok_int(&(struct sql_token){.s = t->s + 1, .n = t->n - 1});
	if (k == 0 || k > p->nparams) {
		char m[128];
		snprintf(m, sizeof(m), "Execution error: Placeholder '%.*s' was not provided a value for execution.",
			 (int)t->n, t->s);
		failmsg(p, GT_STATUS_ENGINE_EXECUTE_QUERY, m);
		p->e->line = p->e->col = 0;
		return NULL;
	}
	const struct gt_sql_param *v = &p->params[k - 1];
	struct P q = {.a = p->a, .e = p->e, .text = v->sql, .depth = p->depth};
	struct sql_expr *x = NULL;
	if (sql_lex(p->a, v->sql, v->len, &q.t, &q.n, p->e) == 0 && (x = unary(&q)) && TK(&q)->kind != T_EOF)
		x = fail(&q, "a literal value");
	if (!x) {
		p->failed = true;
		return NULL;
	}
	x->param = k;
	x->line = t->line;
	x->col = t->col;
	p->i++;
	return x;
}

/* A placeholder's value must read as the type a cast gives it: GreptimeDB
 * takes a parameter's type from its cast and converts the value first. */
static bool param_cast(struct P *p, const struct sql_expr *c)
{
	const struct sql_expr *v = c->a;
	union sql_num num;
	uint8_t type = c->cast_type;
	if (!v->param || v->kind != E_STR || c->cast_lt == GT_LT_DATE || c->cast_lt == GT_LT_BINARY ||
	    (type != GT_BOOL && type != GT_I64 && type != GT_U64 && type != GT_F64) ||
	    sql_str_to_num(v->s, (size_t)v->i, type, c->cast_lt, &num))
		return true;
	char m[512];
	snprintf(m, sizeof(m), "Invalid request parameter: Unable to convert %.*s to datatype %s", (int)GT_MIN(v->i, 200),
		 v->s, sql_dt_name(type, c->cast_lt));
	failmsg(p, GT_STATUS_INVALID_ARGUMENTS, m);
	p->e->line = p->e->col = 0;
	return false;
}

/*
 * The text of a typed literal (TIMESTAMP '  2017-07-23   13:10:11 ') as
 * GreptimeDB hands it on: blanks around it dropped and each run of blanks
 * inside made one space, in place.  It names the column so as well.
 */
static void typed_text(struct sql_expr *s)
{
	size_t n = 0;
	bool blank = false;
	for (const char *q = s->s; *q; q++) {
		if (isspace((unsigned char)*q)) {
			blank = n > 0;
			continue;
		}
		if (blank)
			s->s[n++] = ' ';
		blank = false;
		s->s[n++] = *q;
	}
	s->s[n] = 0;
	s->i = (int64_t)n;
}

static struct sql_expr *primary(struct P *p)
{
	struct sql_token *t = TK(p);
	struct sql_expr *x;

	if (t->kind == T_PARAM)
		return param(p);

	if (t->kind == T_INT) {
		x = node(p, E_INT);
		if (!x)
			return NULL;
		errno = 0;
		char buf[512];
		snprintf(buf, sizeof(buf), "%.*s", (int)t->n, t->s);
		unsigned long long u = strtoull(buf, NULL, 10);
		if (errno || u > (unsigned long long)INT64_MAX) {
			x->kind = E_FLOAT;
			x->f = strtod(buf, NULL);
		} else {
			x->i = (int64_t)u;
		}
		p->i++;
		return x;
	}
	if (t->kind == T_FLOAT) {
		x = node(p, E_FLOAT);
		if (!x)
			return NULL;
		char buf[512];
		snprintf(buf, sizeof(buf), "%.*s", (int)t->n, t->s);
		x->f = strtod(buf, NULL);
		p->i++;
		return x;
	}
	if (t->kind == T_STR) {
		x = node(p, E_STR);
		if (!x)
			return NULL;
		x->s = sql_strndup(p->a, t->s, t->n);
		x->i = (int64_t)t->n;
		p->i++;
		return x->s ? x : oom(p);
	}
	if (accept_op(p, "(")) {
		if (at_query(p, p->i)) {
			if (!(x = node(p, E_SUBQ)) || !(x->sub = query(p)) || !expect_op(p, ")"))
				return NULL;
			return x;
		}
		x = expr(p);
		if (!x || !expect_op(p, ")"))
			return NULL;
		return x;
	}
	if (is_kw(t, "exists") && is_op(&t[1], "(") && at_query(p, p->i + 2)) {
		p->i += 2;
		if (!(x = node(p, E_EXISTS)) || !(x->sub = query(p)) || !expect_op(p, ")"))
			return NULL;
		return x;
	}
	if (is_op(t, "*")) {
		p->i++;
		return node(p, E_STAR);
	}
	if (t->kind == T_IDENT) {
		if (is_kw(t, "null")) {
			p->i++;
			return node(p, E_NULL);
		}
		if (is_kw(t, "true") || is_kw(t, "false")) {
			x = node(p, E_BOOL);
			if (x)
				x->i = is_kw(t, "true");
			p->i++;
			return x;
		}
		if ((is_kw(t, "timestamp") || is_kw(t, "date")) && t[1].kind == T_STR) {
			/* TIMESTAMP 'text', DATE 'text': the text cast to the type, named by the text as DataFusion does */
			x = node(p, E_CAST);
			if (!x || !parse_type(p, &x->cast_type, &x->cast_unit, &x->cast_lt) || !(x->a = primary(p)))
				return NULL;
			typed_text(x->a);
			return x;
		}
		if (is_kw(t, "interval")) {
			p->i++;
			struct sql_token *v = TK(p);
			if (v->kind != T_STR)
				return fail(p, "an interval string");
			x = node(p, E_INTERVAL);
			if (!x)
				return NULL;
			p->i++;
			/* '5 minutes', '1 hour 30 minutes', '1d', or '1' DAY with the unit after the string */
			const char *unit = NULL;
			size_t ulen = 0, k;
			for (k = 0; k < v->n && !isalpha((unsigned char)v->s[k]); k++)
				;
			if (k == v->n && TK(p)->kind == T_IDENT) {
				unit = TK(p)->s;
				ulen = TK(p)->n;
				p->i++;
			}
			int r = sql_interval_parse(v->s, v->n, unit, ulen, &x->i, &x->i2, &x->days);
			if (r < 0)
				return failmsg(p, GT_STATUS_INVALID_SYNTAX,
					       r == -2 ? "Invalid interval unit" : r == -3 ? "Interval is too large" : "Invalid interval");
			return x;
		}
		if (is_kw(t, "cast")) {
			p->i++;
			if (!expect_op(p, "("))
				return NULL;
			x = node(p, E_CAST);
			if (!x || !(x->a = expr(p)) || !expect_kw(p, "as"))
				return NULL;
			uint32_t from = p->i;
			if (!parse_type(p, &x->cast_type, &x->cast_unit, &x->cast_lt))
				return NULL;
			arrow_alias(p, x, from);
			if (!param_cast(p, x) || !expect_op(p, ")"))
				return NULL;
			return x;
		}
		if (is_kw(t, "extract") && is_op(&t[1], "(") && t[2].kind == T_IDENT && is_kw(&t[3], "from")) {
			/* EXTRACT(field FROM x) is date_part('FIELD', x), the field upper-cased as sqlparser prints it */
			struct sql_expr *f = node(p, E_STR);
			if (!f || !(x = node(p, E_FUNC)) || !(f->s = sql_strndup(p->a, t[2].s, t[2].n)))
				return oom(p);
			for (char *q = f->s; *q; q++)
				*q = (char)toupper((unsigned char)*q);
			f->i = (int64_t)t[2].n;
			p->i += 4;
			uint32_t cap = 0;
			struct sql_expr *arg = expr(p);
			x->s = "date_part";
			if (!arg || !push_ptr(p, (void ***)&x->args, &x->nargs, &cap, f) ||
			    !push_ptr(p, (void ***)&x->args, &x->nargs, &cap, arg) || !expect_op(p, ")"))
				return NULL;
			return x;
		}
		if (is_kw(t, "case")) {
			p->i++;
			x = node(p, E_CASE);
			uint32_t cap = 0;
			struct sql_expr *operand = NULL;
			if (!x)
				return NULL;
			if (!is_kw(TK(p), "when") && !(operand = expr(p)))
				return NULL;
			while (accept_kw(p, "when")) {
				struct sql_expr *w = expr(p), *th;
				if (!w || !expect_kw(p, "then") || !(th = expr(p)))
					return NULL;
				if (operand) {
					struct sql_expr *eq = node(p, E_BIN);
					if (!eq)
						return NULL;
					eq->op = B_EQ;
					eq->a = operand;
					eq->b = w;
					w = eq;
				}
				if (!push_ptr(p, (void ***)&x->args, &x->nargs, &cap, w) ||
				    !push_ptr(p, (void ***)&x->args, &x->nargs, &cap, th))
					return NULL;
			}
			if (!x->nargs)
				return fail(p, "WHEN");
			if (accept_kw(p, "else") && !(x->a = expr(p)))
				return NULL;
			if (!expect_kw(p, "end"))
				return NULL;
			return x;
		}
	}
	if (t->kind == T_IDENT || t->kind == T_QIDENT || t->kind == T_DQSTR) {
		if (t->kind == T_IDENT && is_reserved(t))
			return fail(p, "an expression");
		bool bare = t->kind == T_IDENT;
		char *name = ident(p);
		if (!name)
			return NULL;
		/* pg_catalog.f(...): PostgreSQL's functions, named as PostgreSQL tools write them */
		if (bare && !strcmp(name, "pg_catalog") && p->i + 2 < p->n && is_op(TK(p), ".") &&
		    p->t[p->i + 1].kind == T_IDENT && is_op(&p->t[p->i + 2], "(")) {
			p->i++;
			if (!(name = ident(p)))
				return NULL;
		}
		if (bare && accept_op(p, "(")) {
			x = node(p, E_FUNC);
			uint32_t cap = 0;
			if (!x)
				return NULL;
			x->s = name;
			if (!strcmp(name, "current_timestamp") || !strcmp(name, "now"))
				x->s = "now";
			if (accept_kw(p, "distinct"))
				x->distinct = true;
			if (!accept_op(p, ")")) {
				for (;;) {
					struct sql_expr *arg = expr(p);
					if (!arg || !push_ptr(p, (void ***)&x->args, &x->nargs, &cap, arg))
						return NULL;
					if (x->nargs > GT_SQL_MAX_LIST)
						return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many arguments");
					if (!accept_op(p, ","))
						break;
				}
				if (accept_kw(p, "order")) {
					if (!expect_kw(p, "by") || !(x->ord = expr(p)))
						return NULL;
					if (accept_kw(p, "desc"))
						x->ord_desc = true;
					else
						accept_kw(p, "asc");
				}
				if (!expect_op(p, ")"))
					return NULL;
			}
			if (accept_kw(p, "within")) {
				/* approx_percentile_cont(p) WITHIN GROUP (ORDER BY x [ASC|DESC]) */
				if (!expect_kw(p, "group") || !expect_op(p, "(") || !expect_kw(p, "order") ||
				    !expect_kw(p, "by") || !(x->ord = expr(p)))
					return NULL;
				x->within = true;
				if (accept_kw(p, "desc"))
					x->ord_desc = true;
				else
					accept_kw(p, "asc");
				if (!expect_op(p, ")"))
					return NULL;
			}
			if (accept_kw(p, "over") && !window_spec(p, x))
				return NULL;
			return x;
		}
		if (bare && !strcmp(name, "current_timestamp")) {
			x = node(p, E_FUNC);
			if (x)
				x->s = "now";
			return x;
		}
		/* SQL's niladic functions, called without parentheses */
		if (bare && (!strcmp(name, "session_user") || !strcmp(name, "current_user"))) {
			x = node(p, E_FUNC);
			if (x)
				x->s = name;
			return x;
		}
		x = node(p, E_COL);
		if (!x)
			return NULL;
		x->s = name;
		if (accept_op(p, ".")) {
			if (accept_op(p, "*")) {
				x->kind = E_STAR;
				return x;
			}
			char *n2 = ident(p);
			if (!n2)
				return NULL;
			x->q = name;
			x->s = n2;
			if (accept_op(p, ".")) {
				/* db.t.col: the qualifier is "db.t", matched as written in FROM */
				char *n3 = ident(p);
				if (!n3)
					return NULL;
				size_t la = strlen(name), lb = strlen(n2);
				char *q = sql_alloc(p->a, la + lb + 2);
				if (!q)
					return oom(p);
				memcpy(q, name, la);
				q[la] = '.';
				memcpy(q + la + 1, n2, lb + 1);
				x->q = q;
				x->s = n3;
			}
		}
		return x;
	}
	return fail(p, "an expression");
}

/* A RANGE or ALIGN duration: '5s' (checked here, as GreptimeDB's parser does) or an expression. */
static struct sql_expr *duration(struct P *p)
{
	struct sql_token *t = TK(p);
	int64_t ns;
	if (t->kind == T_STR && gt_parse_duration(t->s, t->n, &ns) < 0) {
		char m[300];
		snprintf(m, sizeof(m), "Invalid SQL syntax: sql parser error: not a valid duration string: %.*s",
			 (int)GT_MIN(t->n, 200), t->s);
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, m);
	}
	return primary(p);
}

/* FILL NULL | PREV | LINEAR | constant, after RANGE or ALIGN. */
static bool fill_opt(struct P *p, uint8_t *fill, char **fillv)
{
	struct sql_token *t;
	if (!accept_kw(p, "fill"))
		return true;
	t = TK(p);
	if (accept_kw(p, "null")) {
		*fill = SQL_FILL_NULL;
		return true;
	}
	if (accept_kw(p, "prev")) {
		*fill = SQL_FILL_PREV;
		return true;
	}
	if (accept_kw(p, "linear")) {
		*fill = SQL_FILL_LINEAR;
		return true;
	}
	bool neg = is_op(t, "-") && (t[1].kind == T_INT || t[1].kind == T_FLOAT);
	if (neg)
		t++;
	if (t->kind != T_INT && t->kind != T_FLOAT && t->kind != T_STR && t->kind != T_IDENT)
		return fail(p, "NULL, PREV, LINEAR or a constant"), false;
	if (!(*fillv = sql_alloc(p->a, t->n + 2)))
		return oom(p), false;
	snprintf(*fillv, t->n + 2, "%s%.*s", neg ? "-" : "", (int)t->n, t->s);
	*fill = SQL_FILL_CONST;
	p->i += neg ? 2 : 1;
	return true;
}

/*
 * Give every function call of x that is not inside another call the
 * range r (GreptimeDB: RANGE binds to the expression before it and
 * applies to its calls).  Returns how many got it.
 */
static uint32_t range_attach(struct sql_expr *x, struct sql_range *r, int depth)
{
	uint32_t n = 0;
	if (!x || depth > GT_SQL_MAX_DEPTH * 2)
		return 0;
	if (x->kind == E_FUNC || x->kind == E_WINDOW) {
		if (!x->range)
			x->range = r;
		return 1;
	}
	n += range_attach(x->a, r, depth + 1);
	n += range_attach(x->b, r, depth + 1);
	n += range_attach(x->c, r, depth + 1);
	for (uint32_t k = 0; k < x->nargs; k++)
		n += range_attach(x->args[k], r, depth + 1);
	return n;
}

/* x RANGE dur [FILL f]; x began at token start. */
static struct sql_expr *range_postfix(struct P *p, struct sql_expr *x, uint32_t start)
{
	size_t from = p->t[start].off, to = TK(p)->off;
	struct sql_range *r;
	p->i++;
	if (!(r = sql_alloc(p->a, sizeof(*r))))
		return oom(p);
	if (!(r->dur = duration(p)) || !fill_opt(p, &r->fill, &r->fillv))
		return NULL;
	if (!range_attach(x, r, 0)) {
		char m[400];
		while (to > from && isspace((unsigned char)p->text[to - 1]))
			to--;
		snprintf(m, sizeof(m),
			 "Invalid SQL syntax: sql parser error: Can't use the RANGE keyword in Expr %.*s without function",
			 (int)GT_MIN(to - from, 200), p->text + from);
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, m);
	}
	return x;
}

/* expr [, expr ...] appended to *v; past GT_SQL_MAX_LIST a syntax error "too many <what>". */
static bool expr_list(struct P *p, struct sql_expr ***v, uint32_t *n, uint32_t *cap, const char *what)
{
	for (;;) {
		struct sql_expr *x = expr(p);
		if (!x || !push_ptr(p, (void ***)v, n, cap, x))
			return false;
		if (*n > GT_SQL_MAX_LIST) {
			char msg[64];
			snprintf(msg, sizeof(msg), "too many %s", what);
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, msg), false;
		}
		if (!accept_op(p, ","))
			return true;
	}
}

/* The direction of an ORDER BY key whose expression is parsed: [ASC|DESC] [NULLS FIRST|LAST]. */
static bool order_dir(struct P *p, struct sql_order *o)
{
	o->desc = false;
	o->nulls_first = -1;
	if (accept_kw(p, "desc"))
		o->desc = true;
	else
		accept_kw(p, "asc");
	if (accept_kw(p, "nulls")) {
		if (accept_kw(p, "first"))
			o->nulls_first = 1;
		else if (expect_kw(p, "last"))
			o->nulls_first = 0;
		else
			return false;
	}
	return true;
}

/* One ORDER BY key: expr [ASC|DESC] [NULLS FIRST|LAST]. */
static bool order_item(struct P *p, struct sql_order *o)
{
	return (o->e = expr(p)) && order_dir(p, o);
}

/* name(lhs, <expr>) for postfix syntax that reads as a call: the node at
 * the current token, then skip tokens, the argument, and closer. */
static struct sql_expr *call2(struct P *p, char *name, struct sql_expr *lhs, uint32_t skip, const char *closer)
{
	struct sql_expr *f = node(p, E_FUNC);
	p->i += skip;
	if (!f)
		return NULL;
	if (!(f->args = sql_alloc(p->a, 2 * sizeof(*f->args))))
		return oom(p);
	if (!(f->args[1] = expr(p)) || !expect_op(p, closer))
		return NULL;
	f->s = name;
	f->args[0] = lhs;
	f->nargs = 2;
	return f;
}

/* f(...) OVER ([PARTITION BY e, ...] [ORDER BY key, ...]): x becomes an E_WINDOW. */
static struct sql_expr *window_spec(struct P *p, struct sql_expr *x)
{
	uint32_t pcap = 0;
	x->kind = E_WINDOW;
	x->over = true;
	if (!expect_op(p, "("))
		return NULL;
	if (accept_kw(p, "partition")) {
		if (!expect_kw(p, "by"))
			return NULL;
		if (!expr_list(p, &x->part, &x->npart, &pcap, "PARTITION BY keys"))
			return NULL;
	}
	if (accept_kw(p, "order")) {
		uint32_t cap = 0;
		if (!expect_kw(p, "by"))
			return NULL;
		for (;;) {
			if (x->nworder == cap) {
				uint32_t nc = cap ? cap * 2 : 4;
				struct sql_order *nv = sql_alloc(p->a, nc * sizeof(*nv));
				if (!nv)
					return oom(p);
				if (x->nworder)
					memcpy(nv, x->worder, x->nworder * sizeof(*nv));
				x->worder = nv;
				cap = nc;
			}
			if (!order_item(p, &x->worder[x->nworder++]))
				return NULL;
			if (x->nworder > GT_SQL_MAX_LIST)
				return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many ORDER BY keys");
			if (!accept_op(p, ","))
				break;
		}
	}
	if (is_kw(TK(p), "rows") || is_kw(TK(p), "range") || is_kw(TK(p), "groups"))
		return failmsg(p, GT_STATUS_UNSUPPORTED, "window frames are not supported yet");
	if (!expect_op(p, ")"))
		return NULL;
	return x;
}

static struct sql_expr *postfix(struct P *p)
{
	uint32_t start = p->i;
	struct sql_expr *x = primary(p);
	while (x) {
		if (accept_op(p, "::")) {
			struct sql_expr *c = node(p, E_CAST);
			uint32_t from = p->i;
			/* PostgreSQL's object identifiers: 'name'::regclass is the table's oid, ::oid a number */
			if (c && accept_kw(p, "regclass")) {
				c->kind = E_FUNC;
				c->s = "regclass";
				if (!(c->args = sql_alloc(p->a, sizeof(*c->args))))
					return oom(p);
				c->args[0] = x;
				c->nargs = 1;
				x = c;
				continue;
			}
			if (c && accept_kw(p, "oid")) {
				c->cast_type = GT_I64;
				c->a = x;
				x = c;
				continue;
			}
			if (c && accept_kw(p, "interval"))
				c->cast_type = SQL_CAST_INTERVAL;
			else if (!c || !parse_type(p, &c->cast_type, &c->cast_unit, &c->cast_lt))
				return NULL;
			else
				arrow_alias(p, c, from);
			c->a = x;
			x = c;
			if (!param_cast(p, c))
				return NULL;
		} else if (accept_op(p, "[")) {
			/* arr[i]: sql-pgfn.c's array_element over the array's text form */
			if (!(x = call2(p, "array_element", x, 0, "]")))
				return NULL;
		} else if (is_kw(TK(p), "range")) {
			x = range_postfix(p, x, start);
		} else {
			break;
		}
	}
	return x;
}

static struct sql_expr *unary(struct P *p)
{
	if (++p->depth > GT_SQL_MAX_DEPTH)
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, "Invalid SQL syntax: expression nested too deeply");
	struct sql_expr *x;
	if (accept_op(p, "-")) {
		struct sql_expr *a = unary(p);
		if (!a)
			return NULL;
		if (a->kind == E_INT) {
			a->i = -a->i;
			x = a;
		} else if (a->kind == E_FLOAT) {
			a->f = -a->f;
			x = a;
		} else {
			x = node(p, E_NEG);
			if (x)
				x->a = a;
		}
	} else if (accept_op(p, "+")) {
		x = unary(p);
	} else {
		x = postfix(p);
	}
	p->depth--;
	return x;
}

static struct sql_expr *bin(struct P *p, uint8_t op, struct sql_expr *a, struct sql_expr *b)
{
	if (!a || !b)
		return NULL;
	struct sql_expr *x = node(p, E_BIN);
	if (!x)
		return NULL;
	x->op = op;
	x->a = a;
	x->b = b;
	return x;
}

static struct sql_expr *mul(struct P *p)
{
	struct sql_expr *x = unary(p);
	while (x) {
		uint8_t op = is_op(TK(p), "*") ? B_MUL : is_op(TK(p), "/") ? B_DIV : is_op(TK(p), "%") ? B_MOD : 0;
		if (!op)
			break;
		p->i++;
		x = bin(p, op, x, unary(p));
	}
	return x;
}

static struct sql_expr *add(struct P *p)
{
	struct sql_expr *x = mul(p);
	while (x) {
		uint8_t op = is_op(TK(p), "+") ? B_ADD : is_op(TK(p), "-") ? B_SUB : is_op(TK(p), "||") ? B_CONCAT : 0;
		if (!op)
			break;
		p->i++;
		x = bin(p, op, x, mul(p));
	}
	return x;
}

/*
 * a IS [NOT] DISTINCT FROM b, null-safe equality, as the expression
 * CASE WHEN a IS NULL THEN b IS NULL WHEN b IS NULL THEN false ELSE a = b END
 * (negated for IS DISTINCT FROM), so the executor needs nothing new.
 */
static struct sql_expr *not_distinct(struct P *p, struct sql_expr *a, struct sql_expr *b, bool distinct)
{
	struct sql_expr *c = node(p, E_CASE), *an = node(p, E_ISNULL), *bn = node(p, E_ISNULL), *bn2 = node(p, E_ISNULL);
	struct sql_expr *f = node(p, E_BOOL), *eq = b ? bin(p, B_EQ, a, b) : NULL;
	if (!c || !an || !bn || !bn2 || !f || !eq)
		return NULL;
	if (!(c->args = sql_alloc(p->a, 4 * sizeof(*c->args))))
		return oom(p);
	an->a = a;
	bn->a = bn2->a = b;
	f->i = 0;
	c->args[0] = an;
	c->args[1] = bn;
	c->args[2] = bn2;
	c->args[3] = f;
	c->nargs = 4;
	c->a = eq;
	if (!distinct)
		return c;
	struct sql_expr *n = node(p, E_NOT);
	if (n)
		n->a = c;
	return n;
}

static struct sql_expr *cmp(struct P *p)
{
	struct sql_expr *x = add(p);
	if (!x)
		return NULL;
	for (;;) {
		struct sql_token *t = TK(p);
		uint8_t op = is_op(t, "=") || is_op(t, "==") ? B_EQ : is_op(t, "!=") || is_op(t, "<>") ? B_NE :
			     is_op(t, "<") ? B_LT : is_op(t, "<=") ? B_LE : is_op(t, ">") ? B_GT :
			     is_op(t, ">=") ? B_GE : is_op(t, "@@") ? B_ATAT : 0;
		if (op) {
			p->i++;
			if ((op == B_EQ || op == B_NE) && (is_kw(TK(p), "any") || is_kw(TK(p), "some")) &&
			    p->i + 1 < p->n && is_op(&p->t[p->i + 1], "(")) {
				/* a = ANY (array): sql-pgfn.c's "any" over the array's text form */
				if (!(x = call2(p, "any", x, 2, ")")))
					return NULL;
				x->op = op;
				continue;
			}
			x = bin(p, op, x, add(p));
			if (!x)
				return NULL;
			continue;
		}
		if (accept_kw(p, "is")) {
			struct sql_expr *n = node(p, E_ISNULL);
			if (!n)
				return NULL;
			n->neg = accept_kw(p, "not");
			if (accept_kw(p, "distinct")) {
				if (!expect_kw(p, "from") || !(x = not_distinct(p, x, add(p), !n->neg)))
					return NULL;
				continue;
			}
			if (!expect_kw(p, "null"))
				return NULL;
			n->a = x;
			x = n;
			continue;
		}
		bool neg = false;
		uint32_t save = p->i;
		if (accept_kw(p, "not"))
			neg = true;
		if (accept_kw(p, "in")) {
			struct sql_expr *n = node(p, E_IN);
			uint32_t cap = 0;
			if (!n || !expect_op(p, "("))
				return NULL;
			n->neg = neg;
			n->a = x;
			if (at_query(p, p->i)) {
				if (!(n->sub = query(p)) || !expect_op(p, ")"))
					return NULL;
				x = n;
				continue;
			}
			for (;;) {
				struct sql_expr *v = expr(p);
				if (!v || !push_ptr(p, (void ***)&n->args, &n->nargs, &cap, v))
					return NULL;
				if (n->nargs > GT_SQL_MAX_LIST)
					return failmsg(p, GT_STATUS_INVALID_SYNTAX, "IN list is too long");
				if (!accept_op(p, ","))
					break;
			}
			if (!expect_op(p, ")"))
				return NULL;
			x = n;
			continue;
		}
		if (accept_kw(p, "between")) {
			struct sql_expr *n = node(p, E_BETWEEN);
			if (!n || !(n->b = add(p)) || !expect_kw(p, "and") || !(n->c = add(p)))
				return NULL;
			n->neg = neg;
			n->a = x;
			x = n;
			continue;
		}
		bool like = accept_kw(p, "like"), ilike = !like && accept_kw(p, "ilike");
		if (like || ilike) {
			struct sql_expr *n = node(p, E_LIKE);
			if (!n || !(n->b = add(p)))
				return NULL;
			n->neg = neg;
			n->icase = ilike;
			n->a = x;
			x = n;
			continue;
		}
		p->i = save;
		break;
	}
	return x;
}

static struct sql_expr *notx(struct P *p)
{
	if (accept_kw(p, "not")) {
		if (++p->depth > GT_SQL_MAX_DEPTH)
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, "Invalid SQL syntax: expression nested too deeply");
		struct sql_expr *x = node(p, E_NOT);
		if (!x || !(x->a = notx(p)))
			return NULL;
		p->depth--;
		return x;
	}
	return cmp(p);
}

static struct sql_expr *andx(struct P *p)
{
	struct sql_expr *x = notx(p);
	while (x && accept_kw(p, "and"))
		x = bin(p, B_AND, x, notx(p));
	return x;
}

static struct sql_expr *expr(struct P *p)
{
	if (++p->depth > GT_SQL_MAX_DEPTH)
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, "Invalid SQL syntax: expression nested too deeply");
	struct sql_expr *x = andx(p);
	while (x && accept_kw(p, "or"))
		x = bin(p, B_OR, x, andx(p));
	p->depth--;
	return x;
}

/* The source text of tokens [from, to). */
static char *span(struct P *p, uint32_t from, uint32_t to)
{
	if (to <= from)
		return sql_strndup(p->a, "", 0);
	size_t a = p->t[from].off;
	const struct sql_token *last = &p->t[to - 1];
	size_t b = last->off + last->n + ((last->kind == T_STR || last->kind == T_DQSTR || last->kind == T_QIDENT) ? 2 : 0);
	/* Quoted tokens hold unescaped text; take the source up to the next token instead. */
	if (last->kind == T_STR || last->kind == T_DQSTR || last->kind == T_QIDENT)
		b = p->t[to].off;
	while (b > a && isspace((unsigned char)p->text[b - 1]))
		b--;
	return sql_strndup(p->a, p->text + a, b - a);
}

int64_t sql_parse_duration_ms(const char *s, bool *ok)
{
	int64_t ns = 0;
	*ok = !*s || gt_parse_duration(s, strlen(s), &ns) == 0;
	return *ok ? ns / 1000000 : 0;
}

static bool push_col(struct P *p, struct sql_stmt *st, uint32_t *cap, struct sql_coldef *c)
{
	if (st->ncols >= GT_SQL_MAX_LIST) {
		failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many columns");
		return false;
	}
	if (st->ncols == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 8;
		struct sql_coldef *nv = sql_alloc(p->a, (size_t)nc * sizeof(*nv));
		if (!nv) {
			oom(p);
			return false;
		}
		if (st->ncols)
			memcpy(nv, st->cols, (size_t)st->ncols * sizeof(*nv));
		st->cols = nv;
		*cap = nc;
	}
	st->cols[st->ncols++] = *c;
	return true;
}

static bool name_list(struct P *p, char ***v, uint32_t *n)
{
	uint32_t cap = 0;
	if (!expect_op(p, "("))
		return false;
	for (;;) {
		char *s = ident(p);
		if (!s || !push_ptr(p, (void ***)v, n, &cap, s))
			return false;
		if (*n > GT_SQL_MAX_LIST)
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, "list is too long"), false;
		if (!accept_op(p, ",") || is_op(TK(p), ")"))
			break;
	}
	return expect_op(p, ")");
}

static bool opt_list(struct P *p, struct sql_opt **v, uint32_t *n, bool parens, bool table);

/* FULLTEXT INDEX [WITH(...)], SKIPPING INDEX [WITH(...)] or INVERTED INDEX after a column. */
static bool index_opt(struct P *p, struct sql_coldef *c)
{
	const struct sql_token *t = TK(p);
	uint8_t bit = is_kw(t, "fulltext") ? GT_INDEX_FULLTEXT : is_kw(t, "skipping") ? GT_INDEX_SKIPPING : GT_INDEX_INVERTED;
	const char *kw = bit == GT_INDEX_FULLTEXT ? "FULLTEXT" : bit == GT_INDEX_SKIPPING ? "SKIPPING" : "INVERTED";
	p->i++;
	if (!accept_kw(p, "index")) {
		char m[GT_NAME_MAX + 128];
		snprintf(m, sizeof(m), "Invalid column option, column name: %s, error: expect INDEX after %s keyword",
			 c->name, kw);
		return failmsg(p, GT_STATUS_INVALID_ARGUMENTS, m), false;
	}
	c->index |= bit;
	if (bit != GT_INDEX_INVERTED && accept_kw(p, "with"))
		return opt_list(p, bit == GT_INDEX_FULLTEXT ? &c->ft_opts : &c->sk_opts,
				bit == GT_INDEX_FULLTEXT ? &c->nft : &c->nsk, true, false);
	return true;
}

/* One column definition: name type [options...]. */
static bool coldef(struct P *p, struct sql_coldef *c)
{
	memset(c, 0, sizeof(*c));
	if (!(c->name = ident(p)))
		return false;
	uint32_t at = p->i;
	if (!parse_type(p, &c->type, &c->unit, &c->lt))
		return false;
	if (c->lt == GT_LT_TIME) {
		/* TIME is a value of casts only: no column stores one */
		p->i = at;
		return fail(p, "a data type"), false;
	}
	for (;;) {
		if (accept_kw(p, "not")) {
			if (!expect_kw(p, "null"))
				return false;
			c->not_null = true;
			c->null_given = true;
		} else if (accept_kw(p, "null")) {
			c->not_null = false;
			c->null_given = true;
		} else if (accept_kw(p, "time")) {
			if (!expect_kw(p, "index"))
				return false;
			c->time_index = true;
		} else if (accept_kw(p, "primary")) {
			if (!expect_kw(p, "key"))
				return false;
			c->primary = true;
		} else if (accept_kw(p, "default")) {
			uint32_t from = p->i;
			if (!(c->dflt_e = expr(p)))
				return false;
			c->dflt = span(p, from, p->i);
		} else if (accept_kw(p, "comment")) {
			if (TK(p)->kind != T_STR)
				return fail(p, "a string"), false;
			p->i++;
		} else if (is_kw(TK(p), "fulltext") || is_kw(TK(p), "skipping") || is_kw(TK(p), "inverted")) {
			if (!index_opt(p, c))
				return false;
		} else {
			break;
		}
	}
	return true;
}

/* The table and database option keys GreptimeDB knows (others are refused). */
static bool option_key_ok(const char *key)
{
	static const char *const keys[] = {
		"ttl", "storage", "write_buffer_size", "append_mode", "merge_mode", "comment",
		"wal_options", "physical_metric_table", "on_physical_table", "skip_wal", "sst_format",
		"table_data_model", "metric_engine.experimental.sparse_primary_key_encoding",
		"max_row_group_row_count", "index.type", NULL,
	};
	static const char *const prefixes[] = {"compaction.", "index.", "memtable.", "sst.", "wal.", NULL};
	for (int i = 0; keys[i]; i++)
		if (!strcasecmp(key, keys[i]))
			return true;
	for (int i = 0; prefixes[i]; i++)
		if (!strncasecmp(key, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Append one option to *v (arena). */
static bool push_opt(struct P *p, struct sql_opt **v, uint32_t *n, char *key, char *val)
{
	if (*n >= GT_SQL_MAX_LIST)
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many options"), false;
	struct sql_opt *nv = sql_alloc(p->a, (size_t)(*n + 1) * sizeof(*nv));
	if (!nv)
		return oom(p), false;
	if (*n)
		memcpy(nv, *v, (size_t)*n * sizeof(*nv));
	nv[*n].key = key;
	nv[*n].val = val;
	*v = nv;
	(*n)++;
	return true;
}

/* An option key: name, 'quoted' or "quoted", dotted parts joined; lowercase. */
static char *opt_key(struct P *p)
{
	struct sql_token *k = TK(p);
	char key[256];
	if (k->kind != T_IDENT && k->kind != T_STR && k->kind != T_DQSTR && k->kind != T_QIDENT)
		return fail(p, "an option name");
	snprintf(key, sizeof(key), "%.*s", (int)GT_MIN(k->n, 255), k->s);
	p->i++;
	while (accept_op(p, ".")) {
		size_t kl = strlen(key);
		if (TK(p)->kind == T_EOF || TK(p)->kind == T_OP)
			return fail(p, "an option name");
		snprintf(key + kl, sizeof(key) - kl, ".%.*s", (int)GT_MIN(TK(p)->n, 254), TK(p)->s);
		p->i++;
	}
	for (char *c = key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return sql_strndup(p->a, key, strlen(key));
}

/* An option value: a string, number or bare word, as text. */
static char *opt_val(struct P *p)
{
	struct sql_token *v = TK(p);
	if (v->kind != T_STR && v->kind != T_DQSTR && v->kind != T_INT && v->kind != T_FLOAT && v->kind != T_IDENT)
		return fail(p, "an option value");
	p->i++;
	return sql_strndup(p->a, v->s, v->n);
}

/*
 * key = value [, ...] into *v; with parens, inside ( ) (a trailing comma
 * allowed).  table: keys must be table or database options GreptimeDB
 * knows.
 */
static bool opt_list(struct P *p, struct sql_opt **v, uint32_t *n, bool parens, bool table)
{
	if (parens && !expect_op(p, "("))
		return false;
	if (parens && accept_op(p, ")"))
		return true;
	for (;;) {
		char *key = opt_key(p), *val;
		if (!key)
			return false;
		if (table && !option_key_ok(key)) {
			char m[400];
			snprintf(m, sizeof(m), "Unrecognized table option key: %s", key);
			return failmsg(p, GT_STATUS_INVALID_ARGUMENTS, m), false;
		}
		if (!expect_op(p, "=") || !(val = opt_val(p)) || !push_opt(p, v, n, key, val))
			return false;
		if (!accept_op(p, ",") || (parens && is_op(TK(p), ")")))
			break;
	}
	return !parens || expect_op(p, ")");
}

static bool with_opts(struct P *p, struct sql_stmt *st)
{
	uint32_t from = st->nopts;
	if (!opt_list(p, &st->opts, &st->nopts, true, true))
		return false;
	for (uint32_t i = from; i < st->nopts; i++) {
		const char *key = st->opts[i].key, *val = st->opts[i].val;
		if (!strcmp(key, "ttl")) {
			bool ok;
			if (!strcasecmp(val, "forever") || !strcasecmp(val, "instant"))
				st->ttl_ms = 0;
			else {
				st->ttl_ms = sql_parse_duration_ms(val, &ok);
				if (!ok)
					return failmsg(p, GT_STATUS_INVALID_ARGUMENTS, "Invalid ttl option"), false;
			}
		} else if (!strcmp(key, "append_mode")) {
			st->append_mode = !strcasecmp(val, "true");
		} else if (!strcasecmp(key, "merge_mode")) {
			if (!strcasecmp(val, "last_non_null"))
				st->merge_mode = GT_MERGE_LAST_NON_NULL;
			else if (!strcasecmp(val, "last_row") || !*val)
				st->merge_mode = GT_MERGE_LAST_ROW;
			else {
				/* GreptimeDB's message: serde reading {"merge_mode":"VAL"} */
				char m[96];
				snprintf(m, sizeof(m), "Invalid options: Matching variant not found at line 1 column %zu",
					 16 + strlen(val));
				return failmsg(p, GT_STATUS_INVALID_ARGUMENTS, m), false;
			}
		}
	}
	return true;
}

/*
 * PARTITION ON COLUMNS (c, ...) (expr, ...) after CREATE TABLE: the
 * expressions are parsed here as SQL (syntax errors with positions) and
 * kept as their source text, which partition.c reads as a rule.
 */
static bool partition_rule(struct P *p, struct sql_stmt *st)
{
	uint32_t cap = 0;
	if (!expect_kw(p, "on") || !expect_kw(p, "columns") || !name_list(p, &st->part_cols, &st->npart_cols) ||
	    !expect_op(p, "("))
		return false;
	st->partitioned = true;
	while (!is_op(TK(p), ")")) {
		size_t from = TK(p)->off, to;
		char *text;
		if (!expr(p))
			return false;
		to = TK(p)->off;
		while (to > from && (p->text[to - 1] == ' ' || p->text[to - 1] == '\t' || p->text[to - 1] == '\n' ||
				     p->text[to - 1] == '\r'))
			to--;
		if (!(text = sql_strndup(p->a, p->text + from, to - from)) ||
		    !push_ptr(p, (void ***)&st->part_exprs, &st->npart_exprs, &cap, text))
			return oom(p), false;
		if (st->npart_exprs > GT_SQL_MAX_LIST)
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, "list is too long"), false;
		if (!accept_op(p, ","))
			break;
	}
	return expect_op(p, ")");
}

static struct sql_stmt *create_table(struct P *p, struct sql_stmt *st)
{
	uint32_t cap = 0;
	st->kind = S_CREATE_TABLE;
	if (is_kw(TK(p), "if") && is_kw(TK(p) + 1, "not")) {
		p->i += 2;
		if (!accept_kw(p, "exists")) {
			char f[256], m[900];
			const struct sql_token *t = TK(p);
			tokname(t, f, sizeof(f));
			snprintf(m, sizeof(m),
				 "Unexpected token while parsing SQL statement, expected: 'EXISTS', found: %s: "
				 "sql parser error: Expected: EXISTS, found: %s at Line: %u, Column: %u",
				 f, f, t->line, t->col);
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, m);
		}
		st->if_exists = true;
	} else if (is_kw(TK(p), "if") && is_kw(TK(p) + 1, "exists")) {
		p->i++;
		return unsupported_kw(p);
	}
	if (!qname(p, &st->db, &st->name))
		return NULL;
	if (accept_kw(p, "like")) {
		st->kind = S_CREATE_LIKE;
		return qname(p, &st->like_db, &st->like) ? st : NULL;
	}
	if (!expect_op(p, "("))
		return NULL;
	for (; !is_op(TK(p), ")");) {
		if (accept_kw(p, "time")) {
			char **v = NULL;
			uint32_t n = 0;
			if (!expect_kw(p, "index") || !name_list(p, &v, &n))
				return NULL;
			if (n != 1)
				return failmsg(p, GT_STATUS_INVALID_SYNTAX,
					       "Invalid time index: it should contain only one column in time index");
			st->ts_col = v[0];
			st->nts++;
		} else if (accept_kw(p, "primary")) {
			if (!expect_kw(p, "key") || !name_list(p, &st->pk, &st->npk))
				return NULL;
		} else {
			struct sql_coldef c;
			if (!coldef(p, &c))
				return NULL;
			if (c.time_index)
				st->nts++;
			if (!push_col(p, st, &cap, &c))
				return NULL;
		}
		if (!accept_op(p, ","))
			break;
		if (is_op(TK(p), ")"))
			break;
	}
	if (!expect_op(p, ")"))
		return NULL;
	for (;;) {
		if (accept_kw(p, "engine")) {
			if (!expect_op(p, "=") || !(st->engine = ident(p)))
				return NULL;
		} else if (accept_kw(p, "with")) {
			if (!with_opts(p, st))
				return NULL;
		} else if (accept_kw(p, "partition")) {
			if (!partition_rule(p, st))
				return NULL;
		} else {
			break;
		}
	}
	if (st->nts == 0)
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, "Missing time index constraint");
	if (st->nts > 1) {
		char m[128];
		snprintf(m, sizeof(m), "Invalid time index: expected only one time index constraint but actual %u", st->nts);
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, m);
	}
	return st;
}

static bool has_range(const struct sql_expr *x, int depth)
{
	if (!x || depth > GT_SQL_MAX_DEPTH * 2)
		return false;
	if (x->range)
		return true;
	if (has_range(x->a, depth + 1) || has_range(x->b, depth + 1) || has_range(x->c, depth + 1))
		return true;
	for (uint32_t k = 0; k < x->nargs; k++)
		if (has_range(x->args[k], depth + 1))
			return true;
	return false;
}

/*
 * ALIGN align [TO NOW | CALENDAR | 'timestamp' | (expr)] [BY (expr, ...)]
 * [FILL f] after WHERE; and GreptimeDB's checks that RANGE and ALIGN come
 * together.
 */
static bool align_clause(struct P *p, struct sql_select *s)
{
	bool range = false;
	uint32_t cap = 0;
	for (uint32_t k = 0; k < s->nitems; k++)
		range |= has_range(s->items[k].e, 0);
	if (!accept_kw(p, "align")) {
		if (range)
			failmsg(p, GT_STATUS_INVALID_SYNTAX,
				"Invalid SQL syntax: sql parser error: ALIGN argument cannot be omitted in the range select query");
		return !range;
	}
	if (!range)
		return failmsg(p, GT_STATUS_INVALID_SYNTAX,
			       "Invalid SQL syntax: sql parser error: Illegal Range select, no RANGE keyword found in any SelectItem"),
		       false;
	if (!(s->align = duration(p)))
		return false;
	if (accept_kw(p, "to")) {
		struct sql_token *t = TK(p);
		if (t->kind == T_IDENT && !is_reserved(t)) {
			/* NOW, CALENDAR, or a word the planner will refuse as a timestamp. */
			if (!(s->align_to = node(p, E_STR)) || !(s->align_to->s = sql_strndup(p->a, t->s, t->n)))
				return oom(p), false;
			p->i++;
		} else if (!(s->align_to = primary(p))) {
			return false;
		}
	}
	if (accept_kw(p, "by")) {
		s->by_given = true;
		if (!expect_op(p, "("))
			return false;
		if (!accept_op(p, ")")) {
			if (!expr_list(p, &s->by, &s->nby, &cap, "BY keys") || !expect_op(p, ")"))
				return false;
		}
	}
	return fill_opt(p, &s->fill, &s->fillv);
}

static struct sql_select *query(struct P *p);

/* Words that end a FROM item instead of naming it. */
static bool from_alias_ok(const struct sql_token *t)
{
	static const char *const stop[] = {
		"left", "right", "full", "inner", "cross", "outer", "natural", "using", "on", "join", "window",
		"qualify", NULL,
	};
	if (t->kind == T_QIDENT || t->kind == T_DQSTR)
		return true;
	if (t->kind != T_IDENT || is_reserved(t))
		return false;
	for (int i = 0; stop[i]; i++)
		if (is_kw(t, stop[i]))
			return false;
	return true;
}

/* True at the start of a query: SELECT, WITH, or ( that opens one. */
static bool at_query(struct P *p, uint32_t i)
{
	while (i < p->n && is_op(&p->t[i], "("))
		i++;
	return i < p->n && (is_kw(&p->t[i], "select") || is_kw(&p->t[i], "with"));
}

/*
 * A function in FROM, name(args) [AS] alias, as PostgreSQL has it: a
 * derived table of one column named alias (else the function's name).
 * generate_series(start, stop[, step]) gives a row per value (the block
 * selects the arguments; sql-rel.c's run_rel expands them); any other
 * function one row of its value.
 */
static struct sql_select *from_function(struct P *p, struct sql_expr *fx, char *alias)
{
	struct sql_select *q = sql_alloc(p->a, sizeof(*q));
	if (!q)
		return oom(p), NULL;
	memset(q, 0, sizeof(*q));
	q->limit = q->offset = -1;
	bool series = !strcmp(fx->s, "generate_series");
	if (series && (fx->nargs < 2 || fx->nargs > 3))
		return failmsg(p, GT_STATUS_INVALID_ARGUMENTS, "generate_series wants (start, stop[, step])"), NULL;
	q->nitems = series ? fx->nargs : 1;
	if (!(q->items = sql_alloc(p->a, q->nitems * sizeof(*q->items))))
		return oom(p), NULL;
	for (uint32_t k = 0; k < q->nitems; k++) {
		q->items[k].e = series ? fx->args[k] : fx;
		q->items[k].alias = series ? NULL : alias ? alias : fx->s;
	}
	q->series = series;
	q->series_col = alias ? alias : fx->s;
	return q;
}

/* One FROM item: [db.]name, (query) or name(args), then [AS] alias. */
static bool from_item(struct P *p, char **db, char **name, struct sql_select **sub, char **alias)
{
	struct sql_expr *fx = NULL;
	if (is_op(TK(p), "(") && at_query(p, p->i + 1)) {
		p->i++;
		if (!(*sub = query(p)) || !expect_op(p, ")"))
			return false;
	} else if (TK(p)->kind == T_IDENT && p->i + 1 < p->n && is_op(&p->t[p->i + 1], "(")) {
		if (!(fx = primary(p)))
			return false;
		if (fx->kind != E_FUNC)
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, "Invalid SQL syntax: a function call expected in FROM"),
			       false;
	} else if (!qname(p, db, name)) {
		return false;
	}
	if (accept_kw(p, "as")) {
		if (!(*alias = ident(p)))
			return false;
	} else if (from_alias_ok(TK(p))) {
		if (!(*alias = ident(p)))
			return false;
	}
	if (fx) {
		if (!*alias)
			*alias = fx->s;
		if (!(*sub = from_function(p, fx, *alias)))
			return false;
	}
	return true;
}

/* FROM a [AS x] {, b | [NATURAL] [INNER|LEFT|RIGHT|FULL [OUTER]|CROSS] JOIN b [ON expr | USING (cols)]} */
static bool from_clause(struct P *p, struct sql_select *s)
{
	uint32_t cap = 0;
	if (!from_item(p, &s->from_db, &s->from, &s->sub, &s->alias))
		return false;
	for (;;) {
		uint8_t kind;
		bool natural = accept_kw(p, "natural");
		if (natural) {
			kind = J_INNER;
			if (is_kw(TK(p), "left") || is_kw(TK(p), "right") || is_kw(TK(p), "full")) {
				kind = is_kw(TK(p), "left") ? J_LEFT : is_kw(TK(p), "right") ? J_RIGHT : J_FULL;
				p->i++;
				accept_kw(p, "outer");
			} else {
				accept_kw(p, "inner");
			}
			if (!expect_kw(p, "join"))
				return false;
		} else if (accept_op(p, ",")) {
			kind = J_CROSS;
		} else if (accept_kw(p, "cross")) {
			if (!expect_kw(p, "join"))
				return false;
			kind = J_CROSS;
		} else if (accept_kw(p, "join")) {
			kind = J_INNER;
		} else if (accept_kw(p, "inner")) {
			if (!expect_kw(p, "join"))
				return false;
			kind = J_INNER;
		} else if (is_kw(TK(p), "left") || is_kw(TK(p), "right") || is_kw(TK(p), "full")) {
			kind = is_kw(TK(p), "left") ? J_LEFT : is_kw(TK(p), "right") ? J_RIGHT : J_FULL;
			p->i++;
			accept_kw(p, "outer");
			if (!expect_kw(p, "join"))
				return false;
		} else {
			return true;
		}
		if (s->njoins >= 64) {
			failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many joins");
			return false;
		}
		if (s->njoins == cap) {
			uint32_t nc = cap ? cap * 2 : 4;
			struct sql_from *nv = sql_alloc(p->a, nc * sizeof(*nv));
			if (!nv) {
				oom(p);
				return false;
			}
			if (s->njoins)
				memcpy(nv, s->joins, s->njoins * sizeof(*nv));
			s->joins = nv;
			cap = nc;
		}
		struct sql_from *j = &s->joins[s->njoins++];
		memset(j, 0, sizeof(*j));
		j->join = kind;
		j->natural = natural;
		if (!from_item(p, &j->db, &j->name, &j->sub, &j->alias))
			return false;
		if (kind == J_CROSS || natural)
			continue;
		if (accept_kw(p, "on")) {
			if (!(j->on = expr(p)))
				return false;
		} else if (accept_kw(p, "using")) {
			if (!name_list(p, &j->using, &j->nusing))
				return false;
		} else {
			fail(p, "ON or USING");
			return false;
		}
	}
}

/* One query block: items FROM ... WHERE ... GROUP BY ... HAVING ... */
static struct sql_select *select_core(struct P *p)
{
	struct sql_select *s = sql_alloc(p->a, sizeof(*s));
	uint32_t cap = 0, gcap = 0;
	if (!s)
		return oom(p);
	s->limit = s->offset = -1;
	s->distinct = accept_kw(p, "distinct");
	if (!s->distinct) {
		accept_kw(p, "all");
	} else if (accept_kw(p, "on")) {
		uint32_t dcap = 0;
		s->distinct = false;
		if (!expect_op(p, "("))
			return NULL;
		if (!expr_list(p, &s->distinct_on, &s->ndistinct_on, &dcap, "DISTINCT ON keys") ||
		    !expect_op(p, ")"))
			return NULL;
	}
	for (;;) {
		struct sql_expr *x = expr(p);
		if (!x)
			return NULL;
		if (s->nitems >= GT_SQL_MAX_LIST)
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many select items");
		if (s->nitems == cap) {
			uint32_t nc = cap ? cap * 2 : 8;
			struct sql_select_item *nv = sql_alloc(p->a, nc * sizeof(*nv));
			if (!nv)
				return oom(p);
			if (s->nitems)
				memcpy(nv, s->items, s->nitems * sizeof(*nv));
			s->items = nv;
			cap = nc;
		}
		struct sql_select_item *it = &s->items[s->nitems++];
		it->e = x;
		it->alias = NULL;
		if (accept_kw(p, "as")) {
			if (!(it->alias = ident(p)))
				return NULL;
		} else if ((TK(p)->kind == T_IDENT && !is_reserved(TK(p))) || TK(p)->kind == T_QIDENT ||
			   TK(p)->kind == T_DQSTR) {
			if (!(it->alias = ident(p)))
				return NULL;
		}
		if (!accept_op(p, ","))
			break;
		/* A trailing comma before FROM is allowed, as GreptimeDB's parser does. */
		if (is_kw(TK(p), "from"))
			break;
	}
	if (accept_kw(p, "from") && !from_clause(p, s))
		return NULL;
	if (accept_kw(p, "where") && !(s->where = expr(p)))
		return NULL;
	if (!align_clause(p, s))
		return NULL;
	if (accept_kw(p, "group")) {
		if (!expect_kw(p, "by"))
			return NULL;
		if (!expr_list(p, &s->group, &s->ngroup, &gcap, "group keys"))
			return NULL;
	}
	if (s->distinct) {
		/* SELECT DISTINCT a, b is SELECT a, b ... GROUP BY a, b; with a
		 * GROUP BY of its own, the output rows are deduplicated. */
		if (s->ngroup)
			s->distinct_rows = true;
		for (uint32_t k = 0; k < s->nitems && !s->distinct_rows; k++) {
			if (s->items[k].e->kind == E_STAR)
				return failmsg(p, GT_STATUS_UNSUPPORTED, "SELECT DISTINCT * is not supported yet");
			if (!push_ptr(p, (void ***)&s->group, &s->ngroup, &gcap, s->items[k].e))
				return NULL;
		}
	}
	if (accept_kw(p, "having") && !(s->having = expr(p)))
		return NULL;
	return s;
}

/* [ORDER BY ...] [LIMIT n [, m]] [OFFSET n] of a query. */
/* The count of LIMIT or OFFSET: a literal int, or a placeholder bound to one. */
static bool limit_int(struct P *p, int64_t *out)
{
	union sql_num num;
	if (TK(p)->kind == T_INT) {
		*out = tok_int(TK(p));
		p->i++;
		return true;
	}
	if (TK(p)->kind != T_PARAM)
		return fail(p, "a literal int"), false;
	uint32_t at = p->i;
	struct sql_expr *x = param(p);
	if (!x)
		return false;
	if (x->kind == E_INT) {
		*out = x->i;
	} else if (x->kind == E_STR && sql_str_to_num(x->s, (size_t)x->i, GT_I64, 0, &num)) {
		*out = num.i;
	} else {
		p->i = at;
		return fail(p, "a literal int"), false;
	}
	return true;
}

static struct sql_select *order_limit(struct P *p, struct sql_select *s)
{
	if (accept_kw(p, "order")) {
		uint32_t ocap = 0;
		if (!expect_kw(p, "by"))
			return NULL;
		for (;;) {
			struct sql_expr *x = expr(p);
			if (!x)
				return NULL;
			if (s->norder >= GT_SQL_MAX_LIST)
				return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many order keys");
			if (s->norder == ocap) {
				uint32_t nc = ocap ? ocap * 2 : 4;
				struct sql_order *nv = sql_alloc(p->a, nc * sizeof(*nv));
				if (!nv)
					return oom(p);
				if (s->norder)
					memcpy(nv, s->order, s->norder * sizeof(*nv));
				s->order = nv;
				ocap = nc;
			}
			struct sql_order *o = &s->order[s->norder++];
			o->e = x;
			if (!order_dir(p, o))
				return NULL;
			if (!accept_op(p, ","))
				break;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (accept_kw(p, "limit")) {
			if (!limit_int(p, &s->limit))
				return NULL;
			if (accept_op(p, ",")) {
				s->offset = s->limit;
				if (!limit_int(p, &s->limit))
					return NULL;
			}
		}
		if (accept_kw(p, "offset") && !limit_int(p, &s->offset))
			return NULL;
	}
	return s;
}

static struct sql_select *setop_node(struct P *p, uint8_t op, bool all, struct sql_select *l, struct sql_select *r)
{
	struct sql_select *s = sql_alloc(p->a, sizeof(*s));
	if (!s)
		return oom(p);
	s->limit = s->offset = -1;
	s->setop = op;
	s->setop_all = all;
	s->left = l;
	s->right = r;
	return s;
}

/* SELECT core, or ( query ). */
static struct sql_select *query_primary(struct P *p)
{
	if (accept_op(p, "(")) {
		struct sql_select *q = query(p);
		return q && expect_op(p, ")") ? q : NULL;
	}
	if (!expect_kw(p, "select"))
		return NULL;
	return select_core(p);
}

/* UNION and EXCEPT bind looser than INTERSECT, all left to right. */
static struct sql_select *query_set(struct P *p, int depth)
{
	if (depth > GT_SQL_MAX_DEPTH)
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, "query nested too deeply");
	struct sql_select *l = query_primary(p);
	while (l) {
		uint8_t op = is_kw(TK(p), "union") ? SETOP_UNION : is_kw(TK(p), "except") ? SETOP_EXCEPT :
			     is_kw(TK(p), "intersect") ? SETOP_INTERSECT : 0;
		if (!op)
			break;
		p->i++;
		bool all = accept_kw(p, "all");
		if (!all)
			accept_kw(p, "distinct");
		struct sql_select *r = query_primary(p);
		if (!r)
			return NULL;
		if (op == SETOP_INTERSECT && l->setop && l->setop != SETOP_INTERSECT && !l->norder && l->limit < 0) {
			/* a UNION b INTERSECT c = a UNION (b INTERSECT c) */
			if (!(l->right = setop_node(p, op, all, l->right, r)))
				return NULL;
			continue;
		}
		l = setop_node(p, op, all, l, r);
	}
	return l;
}

static struct sql_stmt *tql(struct P *p, struct sql_stmt *st);

/* [WITH name [(cols)] AS (query), ...] set-expression [ORDER BY] [LIMIT] */
static struct sql_select *query(struct P *p)
{
	struct sql_cte *ctes = NULL;
	uint32_t n = 0, cap = 0;
	if (++p->depth > GT_SQL_MAX_DEPTH)
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, "query nested too deeply");
	if (accept_kw(p, "with")) {
		accept_kw(p, "recursive");
		for (;;) {
			if (n >= GT_SQL_MAX_LIST)
				return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many common table expressions");
			if (n == cap) {
				uint32_t nc = cap ? cap * 2 : 4;
				struct sql_cte *nv = sql_alloc(p->a, nc * sizeof(*nv));
				if (!nv)
					return oom(p);
				if (n)
					memcpy(nv, ctes, n * sizeof(*nv));
				ctes = nv;
				cap = nc;
			}
			struct sql_cte *c = &ctes[n++];
			memset(c, 0, sizeof(*c));
			if (!(c->name = ident(p)))
				return NULL;
			if (is_op(TK(p), "(") && !name_list(p, &c->cols, &c->ncols))
				return NULL;
			if (!expect_kw(p, "as") || !expect_op(p, "("))
				return NULL;
			if (accept_kw(p, "tql")) {
				/* GreptimeDB's TQL CTE: the TQL answer is the CTE's rows */
				if (!(c->tql = sql_alloc(p->a, sizeof(*c->tql))))
					return oom(p);
				c->tql->arena = p->a;
				if (!tql(p, c->tql))
					return NULL;
				if (c->tql->tql_verb != 'E')
					return failmsg(p, GT_STATUS_INVALID_SYNTAX,
						       "Invalid SQL, error: Only TQL EVAL is supported in CTEs");
				if (!expect_op(p, ")"))
					return NULL;
			} else if (!(c->q = query(p)) || !expect_op(p, ")")) {
				return NULL;
			}
			if (!accept_op(p, ","))
				break;
		}
	}
	struct sql_select *s = query_set(p, 0);
	if (!s)
		return NULL;
	bool own = s->norder || s->limit >= 0 || s->offset >= 0 || s->nctes;
	if (own && (n || is_kw(TK(p), "order") || is_kw(TK(p), "limit") || is_kw(TK(p), "offset"))) {
		/* (query with its own ORDER BY / LIMIT / WITH) ORDER BY ...: SELECT * FROM (query) */
		struct sql_select *w = sql_alloc(p->a, sizeof(*w));
		struct sql_select_item *it = sql_alloc(p->a, sizeof(*it));
		if (!w || !it || !(it->e = node(p, E_STAR)))
			return oom(p);
		w->limit = w->offset = -1;
		w->items = it;
		w->nitems = 1;
		w->sub = s;
		s = w;
	}
	s->ctes = ctes;
	s->nctes = n;
	p->depth--;
	return order_limit(p, s);
}

/* A VALUES literal: "..." is a string there, as MySQL reads it. */
static struct sql_expr *value(struct P *p)
{
	struct sql_token *t = TK(p);
	if (t->kind == T_DQSTR) {
		struct sql_expr *x = node(p, E_STR);
		if (!x)
			return NULL;
		x->s = sql_strndup(p->a, t->s, t->n);
		x->i = (int64_t)t->n;
		p->i++;
		return x->s ? x : oom(p);
	}
	if (is_kw(t, "default")) {
		p->i++;
		struct sql_expr *x = node(p, E_FUNC);
		if (x)
			x->s = "__default";
		return x;
	}
	return expr(p);
}

static struct sql_stmt *insert(struct P *p, struct sql_stmt *st)
{
	uint32_t rcap = 0;
	st->kind = S_INSERT;
	if (!expect_kw(p, "into"))
		return NULL;
	if (is_kw(TK(p), "table") && TK(p)[1].kind != T_OP)
		p->i++;
	if (!qname(p, &st->db, &st->name))
		return NULL;
	if (is_op(TK(p), "(") && !at_query(p, p->i) && !name_list(p, &st->icols, &st->nicols))
		return NULL;
	if (at_query(p, p->i))
		return (st->sel = query(p)) ? st : NULL;
	if (!expect_kw(p, "values"))
		return NULL;
	for (;;) {
		struct sql_expr **row = NULL;
		uint32_t n = 0, cap = 0;
		if (!expect_op(p, "("))
			return NULL;
		if (!is_op(TK(p), ")")) {
			for (;;) {
				struct sql_expr *v = value(p);
				if (!v || !push_ptr(p, (void ***)&row, &n, &cap, v))
					return NULL;
				if (n > GT_SQL_MAX_LIST)
					return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many values in a row");
				if (!accept_op(p, ",") || is_op(TK(p), ")"))
					break;
			}
		}
		if (!expect_op(p, ")"))
			return NULL;
		if (st->nrows >= GT_SQL_MAX_ROWS)
			return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many rows in one INSERT");
		if (st->nrows == rcap) {
			uint32_t nc = rcap ? rcap * 2 : 8;
			struct sql_expr ***nr = sql_alloc(p->a, nc * sizeof(*nr));
			uint32_t *nl = sql_alloc(p->a, nc * sizeof(*nl));
			if (!nr || !nl)
				return oom(p);
			if (st->nrows) {
				memcpy(nr, st->rows, st->nrows * sizeof(*nr));
				memcpy(nl, st->rowlen, st->nrows * sizeof(*nl));
			}
			st->rows = nr;
			st->rowlen = nl;
			rcap = nc;
		}
		st->rows[st->nrows] = row;
		st->rowlen[st->nrows++] = n;
		/* a comma may trail the last row, as GreptimeDB's parser allows */
		if (!accept_op(p, ",") || is_op(TK(p), ";") || TK(p)->kind == T_EOF)
			break;
	}
	return st;
}

/* SET k = v [, ...] or UNSET k [, ...] of ALTER TABLE / DATABASE into st->opts. */
static bool alter_set(struct P *p, struct sql_stmt *st)
{
	if (accept_kw(p, "set"))
		return opt_list(p, &st->opts, &st->nopts, false, false);
	if (!expect_kw(p, "unset"))
		return false;
	do {
		char *key = opt_key(p);
		if (!key || !push_opt(p, &st->opts, &st->nopts, key, NULL))
			return false;
	} while (accept_op(p, ","));
	return true;
}

/* The LIKE 'pattern' or WHERE expr that may end a SHOW statement. */
static bool show_filter(struct P *p, struct sql_stmt *st)
{
	if (accept_kw(p, "like")) {
		if (TK(p)->kind != T_STR)
			return fail(p, "a string"), false;
		st->like = sql_strndup(p->a, TK(p)->s, TK(p)->n);
		p->i++;
	} else if (accept_kw(p, "where")) {
		return (st->show_where = expr(p)) != NULL;
	}
	return true;
}

/* SHOW COLUMNS|INDEX {FROM | IN} table [{FROM | IN} db] */
static bool show_table_of(struct P *p, struct sql_stmt *st)
{
	if (!accept_kw(p, "from") && !accept_kw(p, "in")) {
		char f[256], m[400];
		tokname(TK(p), f, sizeof(f));
		if (TK(p)->kind == T_EOF)
			snprintf(f, sizeof(f), ";");
		snprintf(m, sizeof(m),
			 "Unexpected token while parsing SQL statement, expected: '{FROM | IN} table', found: %s", f);
		return failmsg(p, GT_STATUS_INVALID_SYNTAX, m), false;
	}
	if (!qname(p, &st->db, &st->name))
		return false;
	if ((accept_kw(p, "from") || accept_kw(p, "in")) && !(st->db = ident(p)))
		return false;
	return true;
}

static struct sql_stmt *show(struct P *p, struct sql_stmt *st)
{
	st->full = accept_kw(p, "full");
	if (accept_kw(p, "databases") || accept_kw(p, "schemas")) {
		st->kind = S_SHOW_DBS;
	} else if (accept_kw(p, "tables")) {
		st->kind = S_SHOW_TABLES;
		if ((accept_kw(p, "from") || accept_kw(p, "in")) && !(st->db = ident(p)))
			return NULL;
	} else if (is_kw(TK(p), "table") && is_kw(TK(p) + 1, "status")) {
		p->i += 2;
		st->kind = S_SHOW_TABLE_STATUS;
		if ((accept_kw(p, "from") || accept_kw(p, "in")) && !(st->db = ident(p)))
			return NULL;
	} else if (accept_kw(p, "create")) {
		if (accept_kw(p, "database") || accept_kw(p, "schema")) {
			st->kind = S_SHOW_CREATE_DB;
			return (st->name = objname(p)) ? st : NULL;
		}
		if (accept_kw(p, "view")) {
			st->kind = S_SHOW_CREATE_VIEW;
			return qname(p, &st->db, &st->name) ? st : NULL;
		}
		if (!expect_kw(p, "table") || !qname(p, &st->db, &st->name))
			return NULL;
		st->kind = S_SHOW_CREATE;
		return st;
	} else if (accept_kw(p, "columns") || accept_kw(p, "fields")) {
		st->kind = S_SHOW_COLUMNS;
		if (!show_table_of(p, st))
			return NULL;
	} else if (accept_kw(p, "index") || accept_kw(p, "indexes") || accept_kw(p, "keys")) {
		st->kind = S_SHOW_INDEX;
		if (!show_table_of(p, st))
			return NULL;
		if (is_kw(TK(p), "like"))
			return unsupported_kw(p);
	} else if (accept_kw(p, "region")) {
		st->kind = S_SHOW_REGION;
		if (!show_table_of(p, st))
			return NULL;
	} else if (accept_kw(p, "charset") || (is_kw(TK(p), "character") && is_kw(TK(p) + 1, "set") && (p->i += 2))) {
		st->kind = S_SHOW_CHARSET;
	} else if (accept_kw(p, "collation")) {
		st->kind = S_SHOW_COLLATION;
	} else if (accept_kw(p, "processlist")) {
		st->kind = S_SHOW_PROCESSLIST;
		return st;
	} else if (accept_kw(p, "views")) {
		st->kind = S_SHOW_VIEWS;
		if ((accept_kw(p, "from") || accept_kw(p, "in")) && !(st->db = ident(p)))
			return NULL;
	} else {
		return fail(p, "DATABASES, TABLES or CREATE");
	}
	return show_filter(p, st) ? st : NULL;
}

/* CREATE [OR REPLACE] VIEW [IF NOT EXISTS] [db.]name [(cols)] AS query */
static struct sql_stmt *create_view(struct P *p, struct sql_stmt *st, uint32_t start)
{
	st->kind = S_CREATE_VIEW;
	if (accept_kw(p, "or")) {
		if (!expect_kw(p, "replace"))
			return NULL;
		st->or_replace = true;
	}
	if (!expect_kw(p, "view"))
		return NULL;
	if (accept_kw(p, "if")) {
		if (!expect_kw(p, "not") || !expect_kw(p, "exists"))
			return NULL;
		st->if_exists = true;
	}
	if (!qname(p, &st->db, &st->name))
		return NULL;
	if (is_op(TK(p), "(") && !name_list(p, &st->icols, &st->nicols))
		return NULL;
	if (!expect_kw(p, "as"))
		return NULL;
	if (!at_query(p, p->i)) {
		/* GreptimeDB plans the body and finds it is not a query. */
		uint32_t from = p->i, to = p->i;
		while (to < p->n && p->t[to].kind != T_EOF && !is_op(&p->t[to], ";"))
			to++;
		char *body = span(p, from, to);
		char m[512];
		snprintf(m, sizeof(m), "Failed to plan SQL: This feature is not implemented: Query %s not implemented yet",
			 body ? body : "");
		return failmsg(p, GT_STATUS_UNSUPPORTED, m);
	}
	if (!(st->sel = query(p)))
		return NULL;
	return (st->text = span(p, start, p->i)) ? st : oom(p);
}

/* TQL {EVAL | EXPLAIN | ANALYZE} [VERBOSE] [(start, end, step [, lookback])] <promql> [AS alias], after TQL */
static struct sql_stmt *tql(struct P *p, struct sql_stmt *st)
{
	st->kind = S_TQL;
	if (accept_kw(p, "eval") || accept_kw(p, "evaluate"))
		st->tql_verb = 'E';
	else if (accept_kw(p, "explain"))
		st->tql_verb = 'X';
	else if (accept_kw(p, "analyze"))
		st->tql_verb = 'A';
	else
		return fail(p, "EVAL, EXPLAIN or ANALYZE after TQL");
	st->verbose = accept_kw(p, "verbose");
	if (accept_op(p, "(")) {
		do {
			if (st->ntql_args == 4)
				return fail(p, "at most 4 TQL parameters (start, end, step, lookback)");
			if (!(st->tql_args[st->ntql_args++] = expr(p)))
				return NULL;
		} while (accept_op(p, ","));
		if (!expect_op(p, ")"))
			return NULL;
	}
	if (TK(p)->kind != T_RAW || TK(p)->n == 0)
		return fail(p, "a PromQL query");
	/* a trailing "AS alias" names the value column */
	const char *q = TK(p)->s;
	size_t n = TK(p)->n, a = n;
	while (a > 0 && (isalnum((unsigned char)q[a - 1]) || q[a - 1] == '_'))
		a--;
	size_t w = a;
	while (w > 0 && isspace((unsigned char)q[w - 1]))
		w--;
	if (a < n && a > w && w >= 3 && strncasecmp(q + w - 2, "as", 2) == 0 && isspace((unsigned char)q[w - 3])) {
		if (!(st->name = sql_strndup(p->a, q + a, n - a)))
			return oom(p);
		n = w - 2;
		while (n > 0 && isspace((unsigned char)q[n - 1]))
			n--;
	}
	if (!(st->text = sql_strndup(p->a, q, n)))
		return oom(p);
	p->i++;
	return st;
}

static struct sql_stmt *statement(struct P *p)
{
	uint32_t start = p->i;
	struct sql_stmt *st = sql_alloc(p->a, sizeof(*st));
	if (!st)
		return oom(p);
	st->line = TK(p)->line;
	st->col = TK(p)->col;
	st->arena = p->a;
	if (accept_kw(p, "explain")) {
		st->kind = S_EXPLAIN;
		st->analyze = accept_kw(p, "analyze");
		st->verbose = accept_kw(p, "verbose");
		if (!(st->inner = statement(p)))
			return NULL;
		if (st->inner->kind != S_SELECT)
			return failmsg(p, GT_STATUS_UNSUPPORTED, "EXPLAIN supports SELECT statements only");
		return st;
	}
	if (accept_kw(p, "create")) {
		if (is_kw(TK(p), "view") || (is_kw(TK(p), "or") && is_kw(TK(p) + 1, "replace")))
			return create_view(p, st, start);
		if (accept_kw(p, "database") || accept_kw(p, "schema")) {
			st->kind = S_CREATE_DB;
			if (accept_kw(p, "if")) {
				if (!expect_kw(p, "not") || !expect_kw(p, "exists"))
					return NULL;
				st->if_exists = true;
			}
			if (!(st->name = objname(p)))
				return NULL;
			if (accept_kw(p, "with") && !with_opts(p, st))
				return NULL;
			return st;
		}
		if (accept_kw(p, "table"))
			return create_table(p, st);
		return fail(p, "an object type after CREATE");
	}
	if (accept_kw(p, "drop")) {
		if (accept_kw(p, "view")) {
			st->kind = S_DROP_VIEW;
			if (accept_kw(p, "if")) {
				if (!expect_kw(p, "exists"))
					return NULL;
				st->if_exists = true;
			}
			return qname(p, &st->db, &st->name) ? st : NULL;
		}
		if (accept_kw(p, "database") || accept_kw(p, "schema"))
			st->kind = S_DROP_DB;
		else if (accept_kw(p, "table"))
			st->kind = S_DROP_TABLE;
		else
			return fail(p, "TABLE, VIEW, INDEX, FUNCTION, PROCEDURE, STAGE, or SEQUENCE after DROP");
		if (is_kw(TK(p), "if") && !is_op(TK(p) + 1, ";") && TK(p)[1].kind != T_EOF) {
			p->i++;
			if (!expect_kw(p, "exists"))
				return NULL;
			st->if_exists = true;
		}
		if (st->kind == S_DROP_DB)
			return (st->name = objname(p)) ? st : NULL;
		if (!qname(p, &st->db, &st->name))
			return NULL;
		uint32_t cd = 0, cn = 0;
		while (accept_op(p, ",")) {
			char *d, *n;
			uint32_t k = st->nmore;
			if (!qname(p, &d, &n) || !push_ptr(p, (void ***)&st->more_db, &k, &cd, d) ||
			    !push_ptr(p, (void ***)&st->more_name, &st->nmore, &cn, n))
				return NULL;
		}
		return st;
	}
	if (accept_kw(p, "show"))
		return show(p, st);
	if (accept_kw(p, "set")) {
		/* SET [SESSION | LOCAL] name {= | TO} value */
		st->kind = S_SET;
		if (!accept_kw(p, "session"))
			accept_kw(p, "local");
		if (!(st->name = ident(p)))
			return NULL;
		if (!accept_op(p, "=") && !expect_kw(p, "to"))
			return NULL;
		struct sql_token *v = TK(p);
		if (v->kind != T_STR && v->kind != T_DQSTR && v->kind != T_IDENT && v->kind != T_INT)
			return fail(p, "a value");
		p->i++;
		return (st->value = sql_strndup(p->a, v->s, v->n)) ? st : oom(p);
	}
	if (accept_kw(p, "use")) {
		st->kind = S_USE;
		return (st->name = objname(p)) ? st : NULL;
	}
	if (accept_kw(p, "describe") || accept_kw(p, "desc")) {
		st->kind = S_DESCRIBE;
		accept_kw(p, "table");
		return qname(p, &st->db, &st->name) ? st : NULL;
	}
	if (accept_kw(p, "truncate")) {
		st->kind = S_TRUNCATE;
		accept_kw(p, "table");
		if (!qname(p, &st->db, &st->name))
			return NULL;
		if (accept_kw(p, "file")) {
			if (!expect_kw(p, "range"))
				return NULL;
			do {
				int64_t v[2];
				if (!expect_op(p, "("))
					return NULL;
				for (int k = 0; k < 2; k++) {
					bool neg = accept_op(p, "-");
					if (TK(p)->kind != T_INT)
						return fail(p, "a timestamp integer");
					v[k] = neg ? -tok_int(TK(p)) : tok_int(TK(p));
					p->i++;
					if (k == 0 && !expect_op(p, ","))
						return NULL;
				}
				if (!expect_op(p, ")"))
					return NULL;
				if (st->nranges >= GT_SQL_MAX_LIST)
					return failmsg(p, GT_STATUS_INVALID_SYNTAX, "too many ranges");
				int64_t *nr = sql_alloc(p->a, (size_t)(st->nranges + 1) * 2 * sizeof(*nr));
				if (!nr)
					return oom(p);
				if (st->nranges)
					memcpy(nr, st->ranges, (size_t)st->nranges * 2 * sizeof(*nr));
				nr[2 * st->nranges] = v[0];
				nr[2 * st->nranges + 1] = v[1];
				st->ranges = nr;
				st->nranges++;
			} while (accept_op(p, ","));
		}
		return st;
	}
	if (accept_kw(p, "alter")) {
		if (accept_kw(p, "database") || accept_kw(p, "schema")) {
			if (!(st->name = objname(p)))
				return NULL;
			st->kind = S_ALTER_DB_SET;
			return alter_set(p, st) ? st : NULL;
		}
		if (!expect_kw(p, "table") || !qname(p, &st->db, &st->name))
			return NULL;
		if (is_kw(TK(p), "set") || is_kw(TK(p), "unset")) {
			st->kind = S_ALTER_SET;
			return alter_set(p, st) ? st : NULL;
		}
		if (accept_kw(p, "add")) {
			uint32_t cap = 0;
			struct sql_coldef c;
			accept_kw(p, "column");
			st->kind = S_ALTER_ADD;
			if (accept_kw(p, "if")) {
				if (!expect_kw(p, "not") || !expect_kw(p, "exists"))
					return NULL;
				st->if_exists = true;
			}
			if (!coldef(p, &c) || !push_col(p, st, &cap, &c))
				return NULL;
			return st;
		}
		if (accept_kw(p, "drop")) {
			accept_kw(p, "column");
			st->kind = S_ALTER_DROP;
			return (st->dropcol = ident(p)) ? st : NULL;
		}
		return fail(p, "ADD, DROP, SET or UNSET");
	}
	if (accept_kw(p, "insert") || accept_kw(p, "replace"))
		return insert(p, st);
	if (accept_kw(p, "admin")) {
		uint32_t from = p->i;
		st->kind = S_ADMIN;
		if (TK(p)->kind != T_IDENT || !is_op(&p->t[p->i + 1], "("))
			return fail(p, "a function call after ADMIN");
		if (!(st->call = expr(p)))
			return NULL;
		if (st->call->kind != E_FUNC)
			return fail(p, "a function call after ADMIN");
		if (!(st->text = span(p, from, p->i)))
			return oom(p);
		/* the header is name(args): "flush_table ('t')" prints as flush_table('t') */
		char *paren = strchr(st->text, '(');
		if (paren) {
			char *q = paren;
			while (q > st->text && isspace((unsigned char)q[-1]))
				q--;
			memmove(q, paren, strlen(paren) + 1);
		}
		return st;
	}
	if (accept_kw(p, "tql"))
		return tql(p, st);
	if (accept_kw(p, "delete")) {
		st->kind = S_DELETE;
		if (!expect_kw(p, "from") || !qname(p, &st->db, &st->name))
			return NULL;
		if (accept_kw(p, "where") && !(st->where = expr(p)))
			return NULL;
		return st;
	}
	if (at_query(p, p->i)) {
		st->kind = S_SELECT;
		return (st->sel = query(p)) ? st : NULL;
	}
	if (TK(p)->kind == T_IDENT)
		return unsupported_kw(p);
	return fail(p, "an SQL statement");
}

int sql_parse(struct sql_parse *ps, const char *text, size_t len, struct gt_sql_error *e)
{
	return sql_parse_params(ps, text, len, NULL, 0, e);
}

int sql_parse_params(struct sql_parse *ps, const char *text, size_t len, const struct gt_sql_param *params,
		     uint32_t nparams, struct gt_sql_error *e)
{
	struct P p = {.params = params, .nparams = nparams};
	uint32_t cap = 0;
	memset(ps, 0, sizeof(*ps));
	e->status = 0;
	e->line = e->col = 0;
	e->msg[0] = 0;
	int rc = sql_lex(&ps->arena, text, len, &p.t, &p.n, e);
	if (rc < 0)
		return rc;
	p.a = &ps->arena;
	p.e = e;
	p.text = text;
	for (;;) {
		while (accept_op(&p, ";"))
			;
		if (TK(&p)->kind == T_EOF)
			break;
		struct sql_stmt *st = statement(&p);
		if (!st)
			return e->status == GT_STATUS_UNSUPPORTED ? GT_EUNSUPP :
			       e->status == GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED ? GT_ENOMEM : GT_EINVAL;
		if (!is_op(TK(&p), ";") && TK(&p)->kind != T_EOF) {
			unsupported_kw(&p);
			return GT_EUNSUPP;
		}
		if (ps->n >= GT_SQL_MAX_STMTS) {
			failmsg(&p, GT_STATUS_INVALID_SYNTAX, "too many statements");
			return GT_EINVAL;
		}
		if (!push_ptr(&p, (void ***)&ps->stmts, &ps->n, &cap, st))
			return GT_ENOMEM;
	}
	return 0;
}

void sql_parse_free(struct sql_parse *p)
{
	sql_arena_free(&p->arena);
	memset(p, 0, sizeof(*p));
}
