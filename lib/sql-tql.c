/*
 * sql-tql.c - GreptimeDB's TQL statement: `TQL EVAL (start, end, step
 * [, lookback]) <promql> [AS alias]`, a PromQL range query run by the
 * PromQL engine (promql.h) over the session's database (promstore.h)
 * and answered as a table the way GreptimeDB's plan names and orders
 * its columns:
 *
 *   a plain selector     the table's columns in table order, the time
 *                        index holding the step's time, the field its
 *                        value at that step
 *   `AS alias`, or a     the value (named alias, or the field), the tags,
 *   __field__ matcher    the time index
 *   an aggregation BY l  l..., the time index, the value
 *   anything else        the time index, the value, the labels (new
 *                        labels first, then the table's tags in order)
 *   a scalar or string   "time" (or the table's time index), the value
 *
 * The value column is named after the expression as DataFusion prints
 * GreptimeDB's plan: the field ("val"), prom_rate(ts_range,val,ts,
 * Int64(60000)), sum(t.val), x * Float64(100), ...  Parameters are SQL
 * expressions: numbers are seconds, strings seconds, RFC 3339 times or
 * durations ('5s'), timestamps and intervals what they say.
 */
#include <math.h>
#include <time.h>

#include "buf.h"
#include "dtoa.h"
#include "promql.h"
#include "promstore.h"
#include "sql-expr.h"
#include "timeutil.h"

enum tql_layout {
	L_TABLE,   /* the table's columns in order */
	L_VTT,     /* value, tags, time */
	L_GTV,     /* grouping labels, time, value */
	L_TVT,     /* time, value, tags */
	L_SCALAR,  /* time, value */
};

struct tql {
	struct gt_sql_session *s;
	struct gt_table_info ti;   /* the first selector's table */
	bool have_ti;
	const char *ts;            /* its time index's name */
	char field[GT_NAME_MAX + 1];
};

/* Does x compute with times (now(), casts to timestamps, intervals)? */
static bool involves_time(const struct sql_expr *x)
{
	struct gt_buf b = {0};
	bool r = false;

	if (sql_expr_name(&b, x, NULL) == 0 && b.p)
		r = strcasestr(b.p, "now()") || strcasestr(b.p, "timestamp") || strcasestr(b.p, "interval");
	gt_buf_release(&b);
	return r;
}

/* A parameter as milliseconds: a time (dur false) or a duration. */
static int tql_param(struct gt_sql_session *s, struct sql_expr *x, bool dur, int64_t *ms, struct gt_sql_error *e)
{
	struct sql_ctx c = {.e = e, .nrows = 1, .now_ns = s->now_ns ? s->now_ns : gt_now_ns()};
	struct sql_xv v = {0};
	int rc = sql_eval(&c, x, &v);

	if (rc < 0)
		return rc;
	if (SQL_NULL(&v, 0)) {
		sql_xv_release(&v);
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "TQL parameters must not be NULL");
	}
	if (v.v.type == GT_TS) {
		int64_t t = sql_xv_i64(&v, 0);
		for (unsigned u = v.unit; u > GT_UNIT_MS; u -= 3)
			t /= 1000;
		for (unsigned u = v.unit; u < GT_UNIT_MS; u += 3)
			t *= 1000;
		*ms = t;
	} else if (v.interval || (v.v.type == GT_I64 && involves_time(x))) {
		/* an interval, or the difference of two timestamps: nanoseconds */
		*ms = sql_xv_i64(&v, 0) / 1000000;
	} else if (v.v.type == GT_STRING) {
		char buf[64];
		const char *str;
		uint32_t len;
		int64_t ns;
		sql_xv_text(&v, 0, buf, sizeof buf, &str, &len);
		if (gt_pq_parse_duration(str, len, ms) == 0) {
			/* seconds or a duration */
		} else if (!dur && gt_parse_time(str, len, &ns) == 0) {
			*ms = ns / 1000000;
		} else {
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "cannot parse TQL parameter '%.*s'", (int)len, str);
		}
	} else {
		double f = sql_xv_f64(&v, 0);
		if (!isfinite(f) || fabs(f) > 9.2e15)
			rc = sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "TQL parameter out of range");
		else
			*ms = (int64_t)llround(f * 1000);
	}
	sql_xv_release(&v);
	return rc;
}

static bool numeric(uint8_t t)
{
	return t == GT_F64 || t == GT_I64 || t == GT_U64;
}

/* Look the first selector's table up once; its time index and field name the columns. */
static int tql_table(struct tql *t, const struct gt_pq_expr *sel, struct gt_sql_error *e)
{
	const char *metric = sel->u.sel.metric, *field = NULL, *db = t->s->dbname;
	struct gt_err err = {0};

	for (size_t i = 0; i < sel->u.sel.nm; i++) {
		const struct gt_pq_matcher *m = &sel->u.sel.m[i];
		if (!metric && m->op == GT_PQ_M_EQ && strcmp(m->name, "__name__") == 0)
			metric = m->value;
		if (m->op == GT_PQ_M_EQ && strcmp(m->name, "__field__") == 0)
			field = m->value;
		if (m->op == GT_PQ_M_EQ && (strcmp(m->name, "__schema__") == 0 || strcmp(m->name, "__database__") == 0))
			db = m->value;
	}
	if (t->have_ti || !metric || gt_db_table(t->s->db, db, metric, &t->ti, &err) < 0)
		return 0;
	t->have_ti = true;
	for (uint32_t i = 0; i < t->ti.schema.ncols; i++) {
		const struct gt_coldef *c = &t->ti.schema.cols[i];
		if (c->sem == GT_TIME)
			t->ts = c->name;
		else if (c->sem == GT_FIELD && !t->field[0] && (field ? strcmp(c->name, field) == 0 : numeric(c->type)))
			snprintf(t->field, sizeof t->field, "%s", c->name);
	}
	if (field && !t->field[0])
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Cannot find column %s", field);
	return 0;
}

/* Matchers GreptimeDB refuses before it plans. */
static int check_selectors(const struct gt_pq_expr *x, struct gt_sql_error *e)
{
	int rc = 0;

	switch (x->kind) {
	case GT_PQ_SELECTOR:
		for (size_t i = 0; i < x->u.sel.nm; i++) {
			const struct gt_pq_matcher *m = &x->u.sel.m[i];
			if (strcmp(m->name, "__name__") == 0 && m->op != GT_PQ_M_EQ)
				return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Matcher operator %s is not supported for __name__",
					       m->op == GT_PQ_M_NE ? "!=" : m->op == GT_PQ_M_RE ? "=~" : "!~");
		}
		return 0;
	case GT_PQ_SUBQUERY: return check_selectors(x->u.sub.e, e);
	case GT_PQ_PAREN: return check_selectors(x->u.paren, e);
	case GT_PQ_UNARY: return check_selectors(x->u.un.e, e);
	case GT_PQ_AGG: return check_selectors(x->u.agg.e, e);
	case GT_PQ_BINARY:
		rc = check_selectors(x->u.bin.lhs, e);
		return rc < 0 ? rc : check_selectors(x->u.bin.rhs, e);
	case GT_PQ_CALL:
		for (size_t i = 0; i < x->u.call.nargs && rc == 0; i++)
			rc = check_selectors(x->u.call.args[i], e);
		return rc;
	default:
		return 0;
	}
}

/* Only numbers (and strings): the value column is "value". */
static bool literal_only(const struct gt_pq_expr *x)
{
	switch (x->kind) {
	case GT_PQ_NUMBER:
	case GT_PQ_STRING: return true;
	case GT_PQ_PAREN: return literal_only(x->u.paren);
	case GT_PQ_UNARY: return literal_only(x->u.un.e);
	case GT_PQ_BINARY: return literal_only(x->u.bin.lhs) && literal_only(x->u.bin.rhs);
	default: return false;
	}
}

static const struct gt_pq_expr *find_selector(const struct gt_pq_expr *e)
{
	const struct gt_pq_expr *r = NULL;

	switch (e->kind) {
	case GT_PQ_SELECTOR: return e;
	case GT_PQ_SUBQUERY: return find_selector(e->u.sub.e);
	case GT_PQ_PAREN: return find_selector(e->u.paren);
	case GT_PQ_UNARY: return find_selector(e->u.un.e);
	case GT_PQ_AGG: return find_selector(e->u.agg.e);
	case GT_PQ_BINARY:
		r = find_selector(e->u.bin.lhs);
		return r ? r : find_selector(e->u.bin.rhs);
	case GT_PQ_CALL:
		for (size_t i = 0; i < e->u.call.nargs && !r; i++)
			r = find_selector(e->u.call.args[i]);
		return r;
	default: return NULL;
	}
}

/* A float as Rust's Display prints it (DataFusion's Float64(...)): never an exponent. */
static void rust_f64(struct gt_buf *b, double v)
{
	char d[32];
	int e10;

	if (isnan(v)) {
		gt_buf_addstr(b, "NaN");
		return;
	}
	if (isinf(v)) {
		gt_buf_addstr(b, v > 0 ? "inf" : "-inf");
		return;
	}
	if (signbit(v))
		gt_buf_addch(b, '-');
	if (v == 0) {
		gt_buf_addch(b, '0');
		return;
	}
	int nd = gt_dtoa_digits(fabs(v), false, d, &e10);
	if (e10 < 0) {
		gt_buf_addstr(b, "0.");
		for (int i = -1; i > e10; i--)
			gt_buf_addch(b, '0');
		gt_buf_add(b, d, (size_t)nd);
		return;
	}
	for (int i = 0; i <= e10; i++)
		gt_buf_addch(b, i < nd ? d[i] : '0');
	if (nd > e10 + 1) {
		gt_buf_addch(b, '.');
		gt_buf_add(b, d + e10 + 1, (size_t)(nd - e10 - 1));
	}
}

static const char *binop_text(enum gt_pq_binop op)
{
	static const char *const s[] = {
		[GT_PQ_ADD] = "+", [GT_PQ_SUB] = "-", [GT_PQ_MUL] = "*", [GT_PQ_DIV] = "/", [GT_PQ_MOD] = "%",
		[GT_PQ_POW] = "^", [GT_PQ_ATAN2] = "atan2", [GT_PQ_EQL] = "=", [GT_PQ_NEQ] = "!=",
		[GT_PQ_LSS] = "<", [GT_PQ_GTR] = ">", [GT_PQ_LTE] = "<=", [GT_PQ_GTE] = ">=",
		[GT_PQ_AND] = "and", [GT_PQ_OR] = "or", [GT_PQ_UNLESS] = "unless",
	};
	return s[op];
}

static const char *fn_sql_name(const char *f)
{
	static const char *const map[][2] = {
		{"sgn", "signum"}, {"rad", "radians"}, {"deg", "degrees"},
	};
	for (size_t i = 0; i < GT_ARRAY_LEN(map); i++)
		if (strcmp(f, map[i][0]) == 0)
			return map[i][1];
	return f;
}

/* The value column's name for e; qual: qualify a selector's field with its table. */
static void value_name(struct tql *t, const struct gt_pq_expr *e, bool qual, struct gt_buf *b)
{
	switch (e->kind) {
	case GT_PQ_NUMBER:
		gt_buf_addstr(b, "Float64(");
		rust_f64(b, e->u.num);
		gt_buf_addch(b, ')');
		break;
	case GT_PQ_STRING:
		gt_buf_addf(b, "Utf8(\"%s\")", e->u.str);
		break;
	case GT_PQ_SELECTOR:
		if (qual && e->u.sel.metric)
			gt_buf_addf(b, "%s.", e->u.sel.metric);
		gt_buf_addstr(b, t->field[0] ? t->field : "greptime_value");
		break;
	case GT_PQ_SUBQUERY:
		value_name(t, e->u.sub.e, qual, b);
		break;
	case GT_PQ_PAREN:
		value_name(t, e->u.paren, qual, b);
		break;
	case GT_PQ_UNARY:
		gt_buf_addstr(b, "(- ");
		value_name(t, e->u.un.e, qual, b);
		gt_buf_addch(b, ')');
		break;
	case GT_PQ_AGG: {
		static const char *const names[] = {
			[GT_PQ_SUM] = "sum", [GT_PQ_AVG] = "avg", [GT_PQ_MIN] = "min", [GT_PQ_MAX] = "max",
			[GT_PQ_COUNT] = "count", [GT_PQ_GROUP] = "max", [GT_PQ_STDDEV] = "stddev_pop",
			[GT_PQ_STDVAR] = "var_pop", [GT_PQ_TOPK] = "", [GT_PQ_BOTTOMK] = "",
			[GT_PQ_QUANTILE] = "quantile", [GT_PQ_COUNT_VALUES] = "count",
		};
		enum gt_pq_aggop op = e->u.agg.op;
		if (op == GT_PQ_TOPK || op == GT_PQ_BOTTOMK) {
			value_name(t, e->u.agg.e, qual, b);
			break;
		}
		gt_buf_addf(b, "%s(", names[op]);
		if (op == GT_PQ_GROUP) {
			gt_buf_addstr(b, "Float64(1))");
			break;
		}
		if (op == GT_PQ_QUANTILE) {
			value_name(t, e->u.agg.param, true, b);
			gt_buf_addch(b, ',');
		}
		value_name(t, e->u.agg.e, true, b);
		gt_buf_addch(b, ')');
		break;
	}
	case GT_PQ_CALL: {
		const char *f = e->u.call.fn->name;
		size_t n = e->u.call.nargs;
		int m = -1;   /* the range-vector argument */
		for (size_t i = 0; i < n; i++)
			if (e->u.call.args[i]->type == GT_PQ_T_MATRIX)
				m = (int)i;
		if (strcmp(f, "label_replace") == 0 || strcmp(f, "label_join") == 0 || strcmp(f, "sort") == 0 ||
		    strcmp(f, "sort_desc") == 0) {
			value_name(t, e->u.call.args[0], qual, b);
			break;
		}
		if (strcmp(f, "vector") == 0) {
			gt_buf_addstr(b, "greptime_value");
			break;
		}
		if (m >= 0) {
			const struct gt_pq_expr *a = e->u.call.args[m];
			int64_t range = a->kind == GT_PQ_SELECTOR ? a->u.sel.range : a->u.sub.range;
			const char *ts = t->ts ? t->ts : "time";
			gt_buf_addf(b, "prom_%s(%s_range,", f, ts);
			value_name(t, a, false, b);
			if (strcmp(f, "rate") == 0 || strcmp(f, "increase") == 0 || strcmp(f, "delta") == 0)
				gt_buf_addf(b, ",%s,Int64(%lld)", ts, (long long)range);
			for (size_t i = 0; i < n; i++) {
				if ((int)i == m)
					continue;
				gt_buf_addch(b, ',');
				value_name(t, e->u.call.args[i], false, b);
			}
			gt_buf_addch(b, ')');
			break;
		}
		gt_buf_addf(b, "%s(", fn_sql_name(f));
		for (size_t i = 0; i < n; i++) {
			if (i)
				gt_buf_addch(b, ',');
			value_name(t, e->u.call.args[i], qual, b);
		}
		gt_buf_addch(b, ')');
		break;
	}
	case GT_PQ_BINARY: {
		const struct gt_pq_expr *l = e->u.bin.lhs, *r = e->u.bin.rhs;
		bool vv = l->type == GT_PQ_T_VECTOR && r->type == GT_PQ_T_VECTOR;
		if (e->u.bin.op == GT_PQ_ATAN2) {
			gt_buf_addstr(b, "atan2(");
			value_name(t, l, qual || vv, b);
			gt_buf_addch(b, ',');
			value_name(t, r, qual || vv, b);
			gt_buf_addch(b, ')');
			break;
		}
		value_name(t, l, qual || vv, b);
		gt_buf_addf(b, " %s ", binop_text(e->u.bin.op));
		value_name(t, r, qual || vv, b);
		break;
	}
	}
}

/* The expression that decides the layout: through parentheses and arithmetic with a scalar. */
static const struct gt_pq_expr *core(const struct gt_pq_expr *e)
{
	for (;;) {
		if (e->kind == GT_PQ_PAREN)
			e = e->u.paren;
		else if (e->kind == GT_PQ_BINARY && e->u.bin.rhs->type == GT_PQ_T_SCALAR)
			e = e->u.bin.lhs;
		else if (e->kind == GT_PQ_BINARY && e->u.bin.lhs->type == GT_PQ_T_SCALAR)
			e = e->u.bin.rhs;
		else
			return e;
	}
}

static bool has_field_matcher(const struct gt_pq_expr *sel)
{
	for (size_t i = 0; i < sel->u.sel.nm; i++)
		if (strcmp(sel->u.sel.m[i].name, "__field__") == 0)
			return true;
	return false;
}

static const char *label_of(const struct gt_pq_labels *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->l[i].name, name) == 0)
			return l->l[i].value;
	return NULL;
}

/* Does e hand its selector's values through with integer arithmetic only? */
static bool keeps_int(const struct gt_pq_expr *e)
{
	switch (e->kind) {
	case GT_PQ_SELECTOR: return e->u.sel.range == 0;
	case GT_PQ_PAREN: return keeps_int(e->u.paren);
	case GT_PQ_AGG:
		return (e->u.agg.op == GT_PQ_SUM || e->u.agg.op == GT_PQ_MIN || e->u.agg.op == GT_PQ_MAX ||
			e->u.agg.op == GT_PQ_TOPK || e->u.agg.op == GT_PQ_BOTTOMK) && keeps_int(e->u.agg.e);
	case GT_PQ_CALL: {
		const char *f = e->u.call.fn->name;
		return (strcmp(f, "sort") == 0 || strcmp(f, "sort_desc") == 0 || strcmp(f, "label_replace") == 0 ||
			strcmp(f, "label_join") == 0) && keeps_int(e->u.call.args[0]);
	}
	default: return false;
	}
}

static bool has_agg(const struct gt_pq_expr *e)
{
	switch (e->kind) {
	case GT_PQ_AGG: return true;
	case GT_PQ_PAREN: return has_agg(e->u.paren);
	case GT_PQ_SUBQUERY: return has_agg(e->u.sub.e);
	case GT_PQ_UNARY: return has_agg(e->u.un.e);
	case GT_PQ_BINARY: return has_agg(e->u.bin.lhs) || has_agg(e->u.bin.rhs);
	case GT_PQ_CALL:
		for (size_t i = 0; i < e->u.call.nargs; i++)
			if (has_agg(e->u.call.args[i]))
				return true;
		return false;
	default: return false;
	}
}

struct col {
	const char *name;
	char kind;        /* 'v'alue, 't'ime, 'l'abel */
	uint8_t type;
};

static int add_col(struct col **cols, uint32_t *n, const char *name, char kind, uint8_t type)
{
	for (uint32_t i = 0; kind == 'l' && i < *n; i++)
		if ((*cols)[i].kind == 'l' && strcmp((*cols)[i].name, name) == 0)
			return 0;
	struct col *nc = realloc(*cols, (*n + 1) * sizeof *nc);
	if (!nc)
		return GT_ENOMEM;
	nc[*n] = (struct col){name, kind, type};
	*cols = nc;
	(*n)++;
	return 0;
}

static int is_table_tag(const struct tql *t, const char *name)
{
	for (uint32_t i = 0; t->have_ti && i < t->ti.schema.ncols; i++)
		if (t->ti.schema.cols[i].sem == GT_TAG && strcmp(t->ti.schema.cols[i].name, name) == 0)
			return 1;
	return 0;
}

static bool label_present(const struct gt_pq_result *r, const char *name)
{
	for (size_t i = 0; i < r->nseries; i++)
		if (label_of(&r->series[i].labels, name))
			return true;
	return false;
}

/* The tag columns: labels no table column has (sorted, as the series carry them), then the table's
 * tags; after an aggregation only those some series still has. */
static int add_tags(struct tql *t, const struct gt_pq_result *r, bool present_only, struct col **cols, uint32_t *n)
{
	for (size_t i = 0; i < r->nseries; i++)
		for (size_t j = 0; j < r->series[i].labels.n; j++) {
			const char *ln = r->series[i].labels.l[j].name;
			if (strcmp(ln, "__name__") != 0 && !is_table_tag(t, ln) && add_col(cols, n, ln, 'l', GT_STRING) < 0)
				return GT_ENOMEM;
		}
	for (uint32_t i = 0; t->have_ti && i < t->ti.schema.ncols; i++)
		if (t->ti.schema.cols[i].sem == GT_TAG && (!present_only || label_present(r, t->ti.schema.cols[i].name)) &&
		    add_col(cols, n, t->ti.schema.cols[i].name, 'l', GT_STRING) < 0)
			return GT_ENOMEM;
	return 0;
}

static int render(struct tql *t, const struct gt_pq_expr *e, const char *alias, const struct gt_pq_query *q,
		  const struct gt_pq_result *r, struct gt_sql_result *res, struct gt_sql_error *e2)
{
	const struct gt_pq_expr *c = core(e);
	struct gt_buf vname = {0};
	struct col *cols = NULL;
	uint32_t ncols = 0;
	enum tql_layout lay;
	uint8_t vtype = GT_F64;
	const char *tsname = t->ts ? t->ts : "time";
	int rc = 0;

	if (e->type == GT_PQ_T_SCALAR || e->type == GT_PQ_T_STRING || (c->kind == GT_PQ_SELECTOR && !t->have_ti))
		lay = L_SCALAR;
	else if (alias || (c->kind == GT_PQ_SELECTOR && has_field_matcher(c)))
		lay = L_VTT;
	else if (c->kind == GT_PQ_SELECTOR && t->have_ti)
		lay = L_TABLE;
	else if (c->kind == GT_PQ_AGG && !c->u.agg.without)
		lay = L_GTV;
	else
		lay = L_TVT;
	if (c->kind == GT_PQ_AGG && c == e && (c->u.agg.op == GT_PQ_COUNT || c->u.agg.op == GT_PQ_COUNT_VALUES))
		vtype = GT_I64;
	if (alias)
		gt_buf_addstr(&vname, alias);
	else if (literal_only(e) || (c->kind == GT_PQ_SELECTOR && !t->have_ti))
		gt_buf_addstr(&vname, "value");
	else
		value_name(t, e, false, &vname);
	if (!vname.p) {
		rc = GT_ENOMEM;
		goto out;
	}
	if (e->type == GT_PQ_T_STRING)
		vtype = GT_STRING;
	/* an integer field stays integer through sort, label_*, sum, min, max ... */
	for (uint32_t i = 0; t->have_ti && !alias && i < t->ti.schema.ncols; i++) {
		const struct gt_coldef *cd = &t->ti.schema.cols[i];
		if (strcmp(cd->name, t->field) == 0 && cd->type == GT_I64 && keeps_int(e))
			vtype = GT_I64;
	}
	switch (lay) {
	case L_SCALAR:
		rc = add_col(&cols, &ncols, t->have_ti ? tsname : "time", 't', GT_TS);
		rc |= add_col(&cols, &ncols, vname.p, 'v', vtype);
		break;
	case L_TABLE:
		for (uint32_t i = 0; i < t->ti.schema.ncols && rc == 0; i++) {
			const struct gt_coldef *cd = &t->ti.schema.cols[i];
			if (cd->sem == GT_TIME)
				rc = add_col(&cols, &ncols, cd->name, 't', GT_TS);
			else if (cd->sem == GT_TAG)
				rc = add_col(&cols, &ncols, cd->name, 'l', GT_STRING);
			else if (strcmp(cd->name, t->field) == 0)
				rc = add_col(&cols, &ncols, vname.p, 'v', vtype);
		}
		break;
	case L_VTT:
		rc = add_col(&cols, &ncols, vname.p, 'v', vtype);
		rc |= add_tags(t, r, has_agg(e), &cols, &ncols);
		rc |= add_col(&cols, &ncols, tsname, 't', GT_TS);
		break;
	case L_GTV:
		for (size_t i = 0; i < c->u.agg.ngrouping && rc == 0; i++)
			rc = add_col(&cols, &ncols, c->u.agg.grouping[i], 'l', GT_STRING);
		rc |= add_col(&cols, &ncols, tsname, 't', GT_TS);
		rc |= add_col(&cols, &ncols, vname.p, 'v', vtype);
		break;
	case L_TVT:
		rc = add_col(&cols, &ncols, tsname, 't', GT_TS);
		rc |= add_col(&cols, &ncols, vname.p, 'v', vtype);
		rc |= add_tags(t, r, has_agg(e), &cols, &ncols);
		break;
	}
	if (rc < 0)
		goto out;

	const char **names = calloc(ncols ? ncols : 1, sizeof *names);
	uint8_t *types = calloc(ncols ? ncols : 1, 1);
	if (!names || !types) {
		free(names);
		free(types);
		rc = GT_ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < ncols; i++) {
		names[i] = cols[i].name;
		types[i] = cols[i].type;
	}
	struct gt_sql_output *o = sql_out_table(res, names, types, ncols);
	free(names);
	free(types);
	if (!o) {
		rc = GT_ENOMEM;
		goto out;
	}
	o->keep_header = true;
	for (uint32_t i = 0; i < ncols; i++)
		if (cols[i].type == GT_TS)
			o->cols[i].unit = GT_UNIT_MS;

	/* the points: a scalar's, a string's at every step, or every series' */
	const struct gt_pq_series *ss = r->series;
	size_t nss = r->nseries;
	struct gt_pq_series one = {0};
	if (r->type == GT_PQ_T_SCALAR) {
		ss = &r->scalars;
		nss = 1;
	} else if (r->type == GT_PQ_T_STRING) {
		ss = &one;
		nss = 1;
	}
	int64_t nsteps = r->type == GT_PQ_T_STRING ? (q->step > 0 ? (q->end - q->start) / q->step + 1 : 1) : 0;
	/* sort() and sort_desc() order the series by value (their first point's) */
	size_t *order = calloc(nss ? nss : 1, sizeof *order);
	if (!order) {
		rc = GT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nss; i++)
		order[i] = i;
	if (c->kind == GT_PQ_CALL && (strcmp(c->u.call.fn->name, "sort") == 0 || strcmp(c->u.call.fn->name, "sort_desc") == 0)) {
		bool desc = c->u.call.fn->name[4] == '_';
		for (size_t i = 1; i < nss; i++)   /* insertion sort: stable, series are few */
			for (size_t j = i; j > 0; j--) {
				const struct gt_pq_series *a = &ss[order[j - 1]], *b = &ss[order[j]];
				double va = a->n ? a->v[0] : NAN, vb = b->n ? b->v[0] : NAN;
				if (!(desc ? va < vb : va > vb))
					break;
				size_t tmp = order[j];
				order[j] = order[j - 1];
				order[j - 1] = tmp;
			}
	}
	for (size_t oi = 0; oi < nss && rc == 0; oi++) {
		const struct gt_pq_series *sr = &ss[order[oi]];
		int64_t np = r->type == GT_PQ_T_STRING ? nsteps : (int64_t)sr->n;
		for (int64_t pi = 0; pi < np && rc == 0; pi++) {
			int64_t ts = r->type == GT_PQ_T_STRING ? q->start + pi * q->step : sr->t[pi];
			for (uint32_t k = 0; k < ncols && rc == 0; k++) {
				struct gt_vec *v = &o->rows.cols[k];
				if (cols[k].kind == 't') {
					rc = gt_vec_push_i64(v, ts);
				} else if (cols[k].kind == 'v') {
					if (vtype == GT_STRING)
						rc = gt_vec_push_str(v, r->string ? r->string : "", r->string ? strlen(r->string) : 0);
					else if (vtype == GT_I64)
						rc = gt_vec_push_i64(v, (int64_t)sr->v[pi]);
					else
						rc = gt_vec_push_f64(v, sr->v[pi]);
				} else {
					const char *lv = label_of(&sr->labels, cols[k].name);
					rc = lv ? gt_vec_push_str(v, lv, strlen(lv)) : gt_vec_push_null(v);
				}
			}
			if (rc == 0)
				o->rows.nrows++;
		}
	}
	free(order);
out:
	free(cols);
	gt_buf_release(&vname);
	if (rc < 0)
		return sql_nomem(e2);
	return 0;
}

/* Prometheus's "1:9: parse error: " prefix off: GreptimeDB's parser does not print positions. */
static const char *strip_position(const char *msg)
{
	const char *p = strstr(msg, "parse error: ");
	return p ? p + strlen("parse error: ") : msg;
}

int sql_exec_tql(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_pq_query q = {0};
	struct gt_pq_expr *x = NULL;
	struct gt_pq_result r = {0};
	struct gt_err err = {0};
	struct tql t = {.s = s};
	int64_t v[4] = {0, 0, 0, 0};
	int rc;

	if (st->tql_verb != 'E')
		return sql_err(e, GT_STATUS_UNSUPPORTED, "TQL EXPLAIN and TQL ANALYZE are not supported");
	if (st->ntql_args < 3)
		return sql_err(e, GT_STATUS_INVALID_SYNTAX, "TQL EVAL needs (start, end, step)");
	for (uint32_t i = 0; i < st->ntql_args; i++)
		if ((rc = tql_param(s, st->tql_args[i], i >= 2, &v[i], e)) < 0)
			return rc;
	if (v[2] <= 0)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "zero or negative query resolution step widths are not accepted. Try a positive integer");
	if (v[1] < v[0])
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "end timestamp must not be before start time");
	if ((v[1] - v[0]) / v[2] >= GT_PQ_MAX_POINTS)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS,
			       "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
	q.start = v[0];
	q.end = v[1];
	q.step = v[2];
	q.lookback = v[3];
	if ((rc = gt_pq_parse(st->text, &x, &err)) < 0)
		return sql_err(e, rc == GT_ENOMEM ? GT_STATUS_RUNTIME_RESOURCES_EXHAUSTED : GT_STATUS_INVALID_SYNTAX, "%s",
			       strip_position(err.msg));
	if ((rc = check_selectors(x, e)) < 0)
		goto out;
	const struct gt_pq_expr *sel = find_selector(x);
	if (sel && (rc = tql_table(&t, sel, e)) < 0)
		goto out;
	if (x->type == GT_PQ_T_STRING) {
		/* a string literal: the engine answers it only for an instant query; GreptimeDB at every step */
		const struct gt_pq_expr *lit = x;
		while (lit->kind == GT_PQ_PAREN)
			lit = lit->u.paren;
		r.type = GT_PQ_T_STRING;
		if (!(r.string = strdup(lit->u.str))) {
			rc = sql_nomem(e);
			goto out;
		}
	} else {
		struct gt_promstore ps;
		struct gt_pq_source src;
		gt_promstore_init(&ps, s->db, s->dbname);
		gt_promstore_source(&ps, &src);
		rc = gt_pq_eval(x, &q, &src, &r, &err);
		if (rc < 0) {
			rc = sql_engine_err(e, rc, &err);
			goto out;
		}
	}
	rc = render(&t, x, st->name, &q, &r, res, e);
out:
	gt_pq_result_free(&r);
	gt_pq_expr_free(x);
	if (t.have_ti)
		gt_table_info_release(&t.ti);
	return rc;
}
