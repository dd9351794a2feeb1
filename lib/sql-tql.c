/*
 * sql-tql.c - GreptimeDB's TQL statement: `TQL EVAL (start, end, step
 * [, lookback]) <promql> [AS alias]`, a PromQL range query run by the
 * PromQL engine (promql.h) over the session's database (promstore.h)
 * and answered as a table shaped the way GreptimeDB's PromQL planner
 * shapes its DataFusion plan.
 *
 * The shape comes from walking the expression as that planner does and
 * keeping what it keeps (struct shape): the plan's table, time index,
 * value ("field") columns, tag columns and its output columns in order.
 * The rules, node by node:
 *
 *   selector          the table's columns in table order; fields, tags,
 *                     time index when a __field__ matcher picks fields or
 *                     the time index is not in milliseconds or the table
 *                     is a logical metric table (the planner projects
 *                     then); a missing table is an empty metric
 *   literal, vector(), an "empty metric": `time`, then `value`
 *   a call without      (`greptime_value` for vector())
 *   a vector argument
 *   function call     time index, one column per field (prom_rate(ts_range,
 *                     val,ts,Int64(60000)), abs(val), ...; the date functions,
 *                     date_part(), integers), tags; label_join
 *                     and label_replace add their label after the fields
 *   aggregation       by() labels the input has (or, for without(), the
 *                     input's other columns sorted), time index, one
 *                     column per field: sum(t.val) (qualified while the
 *                     field is still the table's column); count_values
 *                     puts fields, tags, time index, its label; topk and
 *                     bottomk keep the rows: fields, tags, time index
 *   x op literal      tags, time index, `val + Float64(5)`; a comparison
 *                     without bool filters and keeps the shape
 *   x op y            a join: tags, time index, `a.val / b.val` named with
 *                     each side's table (lhs/rhs when both are the same
 *                     table); the right side's tags and time index (the
 *                     left's when the right has no tags and the tables
 *                     match); a comparison without bool keeps a side:
 *                     its time index, field, tags (the side with a
 *                     table, the left when both have one)
 *   and, unless       the left side's columns
 *   or                the left time index, then every other column of
 *                     both sides sorted (the right's value column only
 *                     when it has the left's name)
 *   scalar(), absent()  time index and value (absent: and the labels of
 *                     its selector's equality matchers)
 *   `AS alias`        the value named alias, the tags, the time index
 *
 * Rows come in the order of the plan's last sort: an aggregation's group
 * columns, and for topk and bottomk their rank (row_order below); else
 * the engine's series order, each series' points in time order.  An
 * empty answer keeps its header only where GreptimeDB streams an empty
 * batch: a selector of a missing table (its empty metric) and a join of
 * a table with itself (lhs/rhs).
 *
 * Each value column is computed with every selector reading its n-th
 * field: a table with several fields gives a column per field.  Parameters
 * are SQL expressions: numbers are seconds, strings seconds, RFC 3339
 * times or durations ('5s'), timestamps and intervals what they say.
 *
 * Under a plan recorder (TQL EXPLAIN and ANALYZE, or EXPLAIN of a query
 * over a TQL CTE) the statement evaluates as usual, dry unless analysing,
 * and records its plan (sql-plan.h): the query's steps, the expression's
 * nodes top-down, and under each selector the scans promstore ran for it
 * (told through its watch, so the time range, tag filters and columns
 * shown are those of the scan).  Nodes:
 *
 *   PromQL: range query start=T end=T step=D lookback=D   the root
 *   VectorSelector: sel              MatrixSelector: sel[D]
 *     SeriesFilter: {matchers}       those no scan predicate answers
 *       MergeScan / RegionScan       as SQL's EXPLAIN words them
 *     EmptyMetric: no table matches
 *   Function: name   Aggregate: op by (l)   BinaryOp: op modifiers
 *   Subquery: [range:step]   Unary: -   Literal: value
 *
 * ANALYZE adds what each selector's scans read and selected and the
 * answer's series and points; VERBOSE the answer's columns.
 */
#include <ctype.h>
#include <math.h>
#include <time.h>

#include "buf.h"
#include "dtoa.h"
#include "promql.h"
#include "promql-fn.h"
#include "promstore.h"
#include "sql-expr.h"
#include "sql-plan.h"
#include "timeutil.h"

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
	if (v.v.type == GT_TS || (v.v.type == GT_I64 && v.lt == GT_LT_DURATION)) {
		/* an instant, or the difference of two (a duration): both in their unit */
		int64_t t = sql_xv_i64(&v, 0);
		for (unsigned u = v.unit; u > GT_UNIT_MS; u -= 3)
			t /= 1000;
		for (unsigned u = v.unit; u < GT_UNIT_MS; u += 3)
			t *= 1000;
		*ms = t;
	} else if (v.interval || (v.v.type == GT_I64 && involves_time(x))) {
		/* an interval, or other arithmetic of times: nanoseconds */
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


static bool numeric(const struct gt_coldef *c)
{
	/* the columns promstore reads as values */
	return c->sem == GT_FIELD && (c->type == GT_F64 || c->type == GT_I64 || c->type == GT_U64) &&
	       c->lt != GT_LT_DATE;
}

static const char *str_lit(const struct gt_pq_expr *x)
{
	while (x->kind == GT_PQ_PAREN)
		x = x->u.paren;
	return x->kind == GT_PQ_STRING ? x->u.str : "";
}

/*
 * label_join's and label_replace's arguments, checked when GreptimeDB
 * plans them, before any data: label_join needs a source label (Prometheus
 * takes none), and Prometheus's own argument errors, which the relabel
 * constructors give, read with a capital ("Invalid destination label name
 * in label_replace(): ~x").
 */
static int check_label_call(const struct gt_pq_expr *x, struct gt_sql_error *e)
{
	const char *f = x->u.call.fn->name;
	struct gt_pq_relabel *rl = NULL;
	struct gt_err err = {0};
	int rc;

	if (strcmp(f, "label_join") == 0) {
		size_t nsrc = x->u.call.nargs > 3 ? x->u.call.nargs - 3 : 0;
		const char *src[64];
		if (nsrc == 0 || nsrc > GT_ARRAY_LEN(src))
			return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "Invalid function argument for label_join");
		for (size_t i = 0; i < nsrc; i++)
			src[i] = str_lit(x->u.call.args[3 + i]);
		rc = gt_pq_relabel_join_new(&rl, str_lit(x->u.call.args[1]), str_lit(x->u.call.args[2]), src, nsrc, 1,
					    &err);
	} else if (strcmp(f, "label_replace") == 0) {
		rc = gt_pq_relabel_replace_new(&rl, str_lit(x->u.call.args[1]), str_lit(x->u.call.args[2]),
					       str_lit(x->u.call.args[3]), str_lit(x->u.call.args[4]), 1, &err);
	} else {
		return 0;
	}
	gt_pq_relabel_free(rl);
	if (rc == GT_ENOMEM)
		return sql_nomem(e);
	if (rc < 0)
		return sql_err(e, GT_STATUS_INVALID_ARGUMENTS, "%c%s", toupper((unsigned char)err.msg[0]), err.msg + 1);
	return 0;
}

/* Matchers and function arguments GreptimeDB refuses before it plans. */
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
		rc = check_label_call(x, e);
		for (size_t i = 0; i < x->u.call.nargs && rc == 0; i++)
			rc = check_selectors(x->u.call.args[i], e);
		return rc;
	default:
		return 0;
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
		[GT_PQ_POW] = "power", [GT_PQ_ATAN2] = "atan2", [GT_PQ_EQL] = "=", [GT_PQ_NEQ] = "!=",
		[GT_PQ_LSS] = "<", [GT_PQ_GTR] = ">", [GT_PQ_LTE] = "<=", [GT_PQ_GTE] = ">=",
		[GT_PQ_AND] = "and", [GT_PQ_OR] = "or", [GT_PQ_UNLESS] = "unless",
	};
	return s[op];
}

static bool is_comparison(enum gt_pq_binop op)
{
	return op >= GT_PQ_EQL && op <= GT_PQ_GTE;
}

/* DataFusion's expression text for lhs op rhs: power() and atan2() are functions there. */
static void binop_name(struct gt_buf *b, enum gt_pq_binop op, const char *l, const char *r)
{
	if (op == GT_PQ_POW || op == GT_PQ_ATAN2)
		gt_buf_addf(b, "%s(%s,%s)", binop_text(op), l, r);
	else
		gt_buf_addf(b, "%s %s %s", l, binop_text(op), r);
}

/* --- the planner's view: what GreptimeDB's PromPlannerContext holds --- */

struct scol {
	const char *name;
	const char *qual;   /* the column's relation (a table, "lhs", ""); NULL: none */
};

struct shape {
	const char *table;  /* NULL: none; "": an empty metric (literal, vector(), time() ...) */
	const char *ts;     /* the time index */
	const char **fields, **tags;
	uint32_t nf, nt;
	struct scol *cols;  /* the plan's output columns in order */
	uint32_t nc;
	bool batch;         /* the plan streams a batch even with no rows: an empty answer shows its header */
};

/* A selector and the fields it reads: evaluation pins it to one at a time. */
struct pin {
	struct gt_pq_expr *sel;
	const char **fields;
	uint32_t nf;
	struct gt_pq_matcher *saved;
	size_t saved_nm;
};

struct tql {
	struct gt_sql_session *s;
	void **mem;                        /* every allocation of the planning, freed at the end */
	size_t nmem;
	bool oom;
	struct pin *pins;
	size_t npins;
	const struct gt_pq_expr *lastsel;  /* the selector planned last: absent() takes its labels */
	int64_t range;                     /* the range of the range selector or subquery planned last */
	bool seen_sel, int_field;          /* the first table's first field is an integer */
};

static void *tmem(struct tql *t, void *p)
{
	void **m;

	if (!p || !(m = realloc(t->mem, (t->nmem + 1) * sizeof *m))) {
		free(p);
		t->oom = true;
		return NULL;
	}
	t->mem = m;
	m[t->nmem++] = p;
	return p;
}

/* The text built in b, kept until the statement ends ("" when memory ran out). */
static const char *tbuf(struct tql *t, struct gt_buf *b)
{
	size_t len;
	char *p = b->p ? gt_buf_detach(b, &len) : strdup("");

	gt_buf_release(b);
	p = tmem(t, p);
	return p ? p : "";
}

static const char *tstr(struct tql *t, const char *s)
{
	char *p = tmem(t, strdup(s));
	return p ? p : "";
}

static void add_name(struct tql *t, const char ***a, uint32_t *n, const char *s)
{
	const char **na = tmem(t, calloc(*n + 1, sizeof *na));

	if (!na)
		return;
	if (*n)
		memcpy(na, *a, *n * sizeof *na);
	na[(*n)++] = s;
	*a = na;
}

static void add_col(struct tql *t, struct shape *sh, const char *name, const char *qual)
{
	struct scol *nc = tmem(t, calloc(sh->nc + 1, sizeof *nc));

	if (!nc)
		return;
	if (sh->nc)
		memcpy(nc, sh->cols, sh->nc * sizeof *nc);
	nc[sh->nc++] = (struct scol){name, qual};
	sh->cols = nc;
}

static bool has_name(const char *const *a, uint32_t n, const char *s)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(a[i], s) == 0)
			return true;
	return false;
}

static const struct scol *find_col(const struct shape *sh, const char *name)
{
	for (uint32_t i = 0; i < sh->nc; i++)
		if (strcmp(sh->cols[i].name, name) == 0)
			return &sh->cols[i];
	return NULL;
}

static const char *qual_of(const struct shape *sh, const char *name)
{
	const struct scol *c = find_col(sh, name);
	return c ? c->qual : NULL;
}

/* A literal, vector(), a call with no vector argument: GreptimeDB's EmptyMetric. */
static void empty_metric(struct tql *t, struct shape *sh, const char *field)
{
	*sh = (struct shape){.table = "", .ts = "time"};
	add_name(t, &sh->fields, &sh->nf, field);
	add_col(t, sh, "time", NULL);
	add_col(t, sh, field, NULL);
}

/* GreptimeDB's projection_for_each_field_column: tags, time index, the new value columns. */
static void project_fields(struct tql *t, struct shape *sh, const char **names)
{
	struct shape o = *sh;

	o.cols = NULL;
	o.nc = 0;
	o.fields = names;
	for (uint32_t i = 0; i < sh->nt; i++)
		add_col(t, &o, sh->tags[i], sh->table);
	add_col(t, &o, sh->ts, sh->table);
	for (uint32_t i = 0; i < sh->nf; i++)
		add_col(t, &o, names[i], NULL);
	*sh = o;
}

/* A function call's projection: time index, the expressions, tags. */
static void project_call(struct tql *t, struct shape *sh, const char **exprs, uint32_t n)
{
	struct shape o = *sh;

	o.cols = NULL;
	o.nc = 0;
	add_col(t, &o, sh->ts, qual_of(sh, sh->ts));
	for (uint32_t i = 0; i < n; i++)
		add_col(t, &o, exprs[i], NULL);
	for (uint32_t i = 0; i < sh->nt; i++)
		add_col(t, &o, sh->tags[i], qual_of(sh, sh->tags[i]));
	*sh = o;
}

/* A literal as GreptimeDB's try_build_literal_expr sees one, and its text. */
static bool lit_name(const struct gt_pq_expr *e, struct gt_buf *b)
{
	switch (e->kind) {
	case GT_PQ_NUMBER:
		gt_buf_addstr(b, "Float64(");
		rust_f64(b, e->u.num);
		gt_buf_addch(b, ')');
		return true;
	case GT_PQ_STRING:
		gt_buf_addf(b, "Utf8(\"%s\")", e->u.str);
		return true;
	case GT_PQ_PAREN:
		return lit_name(e->u.paren, b);
	case GT_PQ_UNARY:
		if (e->u.un.op == '-' && e->u.un.e->kind == GT_PQ_NUMBER) {
			gt_buf_addstr(b, "Float64(");
			rust_f64(b, -e->u.un.e->u.num);
			gt_buf_addch(b, ')');
			return true;
		}
		return lit_name(e->u.un.e, b);
	case GT_PQ_BINARY: {
		struct gt_buf l = {0}, r = {0};
		bool ok = e->u.bin.op < GT_PQ_AND && lit_name(e->u.bin.lhs, &l) && lit_name(e->u.bin.rhs, &r);
		if (ok)
			binop_name(b, e->u.bin.op, l.p ? l.p : "", r.p ? r.p : "");
		gt_buf_release(&l);
		gt_buf_release(&r);
		return ok;
	}
	default:
		return false;
	}
}

static bool is_literal(const struct gt_pq_expr *e)
{
	struct gt_buf b = {0};
	bool r = lit_name(e, &b);

	gt_buf_release(&b);
	return r;
}

static const char *lit_text(struct tql *t, const struct gt_pq_expr *e)
{
	struct gt_buf b = {0};

	lit_name(e, &b);
	return tbuf(t, &b);
}

static int plan(struct tql *t, struct gt_pq_expr *e, struct shape *sh, struct gt_sql_error *err);

static int multi_fields(struct gt_sql_error *err, const char *what)
{
	return sql_err(err, GT_STATUS_UNSUPPORTED, "Multi fields calculation is not supported in %s", what);
}

static int plan_selector(struct tql *t, struct gt_pq_expr *e, struct shape *sh, struct gt_sql_error *err)
{
	const char *metric = e->u.sel.metric, *db = t->s->dbname, *schema = NULL;
	struct gt_table_info ti;
	struct gt_err gerr = {0};
	bool any_field_m = false, any_in = false;

	t->lastsel = e;
	if (e->u.sel.range)
		t->range = e->u.sel.range;
	for (size_t i = 0; i < e->u.sel.nm; i++) {
		const struct gt_pq_matcher *m = &e->u.sel.m[i];
		if (!metric && m->op == GT_PQ_M_EQ && strcmp(m->name, "__name__") == 0)
			metric = m->value;
		if (strcmp(m->name, "__field__") == 0) {
			any_field_m = true;
			any_in |= m->op == GT_PQ_M_EQ || m->op == GT_PQ_M_RE;
		}
		if (m->op == GT_PQ_M_EQ && (strcmp(m->name, "__schema__") == 0 || strcmp(m->name, "__database__") == 0))
			db = schema = m->value;
	}
	memset(&ti, 0, sizeof ti);
	if (!metric || gt_db_table(t->s->db, db, metric, &ti, &gerr) < 0) {
		empty_metric(t, sh, "value");
		return 0;
	}
	struct gt_buf ref = {0};
	gt_buf_addf(&ref, "%s%s%s", schema ? schema : "", schema ? "." : "", metric);
	*sh = (struct shape){.table = tbuf(t, &ref)};
	bool ms = true;
	int rc = 0;
	/* __field__: = and =~ opt columns in, != and !~ out (GreptimeDB's result and reverse sets) */
	for (size_t i = 0; i < e->u.sel.nm && rc == 0; i++) {
		const struct gt_pq_matcher *m = &e->u.sel.m[i];
		int k = gt_schema_find(&ti.schema, m->value);
		if (strcmp(m->name, "__field__") == 0 && (m->op == GT_PQ_M_EQ || m->op == GT_PQ_M_NE) &&
		    (k < 0 || !numeric(&ti.schema.cols[k])))
			rc = sql_err(err, GT_STATUS_INVALID_ARGUMENTS, "Cannot find column %s", m->value);
	}
	for (uint32_t k = 0; k < ti.schema.ncols && rc == 0; k++) {
		const struct gt_coldef *c = &ti.schema.cols[k];
		if (c->sem == GT_TIME) {
			sh->ts = tstr(t, c->name);
			ms = c->unit == GT_UNIT_MS;
		} else if (c->sem == GT_TAG) {
			add_name(t, &sh->tags, &sh->nt, tstr(t, c->name));
		} else if (numeric(c)) {
			bool in = !any_in;
			for (size_t i = 0; i < e->u.sel.nm; i++) {
				const struct gt_pq_matcher *m = &e->u.sel.m[i];
				bool hit = strcmp(m->name, "__field__") == 0 && gt_pq_matcher_match(m, c->name, strlen(c->name));
				if (hit && (m->op == GT_PQ_M_EQ || m->op == GT_PQ_M_RE))
					in = true;
				/* != and !~ match the columns they do not name: those they name go */
				if (strcmp(m->name, "__field__") == 0 && !hit && (m->op == GT_PQ_M_NE || m->op == GT_PQ_M_NRE))
					in = false;
			}
			if (in)
				add_name(t, &sh->fields, &sh->nf, tstr(t, c->name));
			if (in && !t->seen_sel)
				t->int_field = c->type == GT_I64;
			t->seen_sel |= in;
		}
	}
	if (rc == 0 && (any_field_m || !ms || sql_metric_physical_of(&ti.schema.opts))) {
		/* the planner's projection: fields, tags, time index (also over a
		 * metric engine's logical table, to leave __tsid out) */
		for (uint32_t i = 0; i < sh->nf; i++)
			add_col(t, sh, sh->fields[i], sh->table);
		for (uint32_t i = 0; i < sh->nt; i++)
			add_col(t, sh, sh->tags[i], sh->table);
		add_col(t, sh, sh->ts, sh->table);
	} else if (rc == 0) {
		for (uint32_t k = 0; k < ti.schema.ncols; k++) {
			const struct gt_coldef *c = &ti.schema.cols[k];
			if (c->sem == GT_TIME || c->sem == GT_TAG || has_name(sh->fields, sh->nf, c->name))
				add_col(t, sh, tstr(t, c->name), sh->table);
		}
	}
	gt_table_info_release(&ti);
	if (rc == 0 && sh->nf) {
		struct pin *np = tmem(t, calloc(t->npins + 1, sizeof *np));
		if (np) {
			if (t->npins)
				memcpy(np, t->pins, t->npins * sizeof *np);
			np[t->npins++] = (struct pin){.sel = e, .fields = sh->fields, .nf = sh->nf};
			t->pins = np;
		}
	}
	return rc;
}

static const char *agg_name(enum gt_pq_aggop op)
{
	static const char *const names[] = {
		[GT_PQ_SUM] = "sum", [GT_PQ_AVG] = "avg", [GT_PQ_MIN] = "min", [GT_PQ_MAX] = "max",
		[GT_PQ_COUNT] = "count", [GT_PQ_GROUP] = "max", [GT_PQ_STDDEV] = "stddev_pop",
		[GT_PQ_STDVAR] = "var_pop", [GT_PQ_TOPK] = "", [GT_PQ_BOTTOMK] = "",
		[GT_PQ_QUANTILE] = "quantile", [GT_PQ_COUNT_VALUES] = "count",
	};
	return names[op];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int plan_agg(struct tql *t, struct gt_pq_expr *e, struct shape *sh, struct gt_sql_error *err)
{
	enum gt_pq_aggop op = e->u.agg.op;
	struct shape in;
	int rc = plan(t, e->u.agg.e, &in, err);

	if (rc < 0)
		return rc;
	*sh = in;
	sh->cols = NULL;
	sh->nc = 0;
	if (op == GT_PQ_TOPK || op == GT_PQ_BOTTOMK) {
		/* a window and a filter: the rows stay, projected fields, tags, time index */
		if (in.nf != 1)
			return sql_err(err, GT_STATUS_INVALID_ARGUMENTS,
				       "Unsupported expr type: topk or bottomk on multi-value input");
		add_col(t, sh, in.fields[0], qual_of(&in, in.fields[0]));
		for (uint32_t i = 0; i < in.nt; i++)
			add_col(t, sh, in.tags[i], qual_of(&in, in.tags[i]));
		add_col(t, sh, in.ts, qual_of(&in, in.ts));
		return 0;
	}
	if (op == GT_PQ_GROUP && in.nf > 1)
		return multi_fields(err, "group()");
	if (op == GT_PQ_COUNT_VALUES && in.nf != 1)
		return sql_err(err, GT_STATUS_INVALID_ARGUMENTS, "Unsupported expr type: count_values on multi-value input");
	sh->tags = NULL;
	sh->nt = 0;
	if (e->u.agg.without) {
		/* the input's columns but the time index, the fields and those named, sorted */
		const char **all = NULL;
		uint32_t n = 0;
		for (uint32_t i = 0; i < in.nc; i++) {
			const char *c = in.cols[i].name;
			bool named = false;
			for (size_t j = 0; j < e->u.agg.ngrouping; j++)
				named |= strcmp(e->u.agg.grouping[j], c) == 0;
			if (!named && strcmp(c, in.ts) && !has_name(in.fields, in.nf, c) && !has_name(all, n, c))
				add_name(t, &all, &n, c);
		}
		if (n)
			qsort(all, n, sizeof *all, cmp_str);
		sh->tags = all;
		sh->nt = n;
	} else {
		/* by(): the labels the input has, as written */
		for (size_t j = 0; j < e->u.agg.ngrouping; j++) {
			const char *l = e->u.agg.grouping[j];
			if (find_col(&in, l) && !has_name(sh->tags, sh->nt, l))
				add_name(t, &sh->tags, &sh->nt, find_col(&in, l)->name);
		}
	}
	sh->fields = NULL;
	sh->nf = 0;
	for (uint32_t i = 0; i < in.nf; i++) {
		struct gt_buf b = {0};
		const char *q = qual_of(&in, in.fields[i]);
		gt_buf_addf(&b, "%s(", agg_name(op));
		if (op == GT_PQ_GROUP) {
			gt_buf_addstr(&b, "Float64(1))");
		} else {
			if (op == GT_PQ_QUANTILE && e->u.agg.param) {
				lit_name(e->u.agg.param, &b);
				gt_buf_addch(&b, ',');
			}
			gt_buf_addf(&b, "%s%s%s)", q ? q : "", q ? "." : "", in.fields[i]);
		}
		add_name(t, &sh->fields, &sh->nf, tbuf(t, &b));
	}
	if (op == GT_PQ_COUNT_VALUES) {
		const struct gt_pq_expr *p = e->u.agg.param;
		while (p && p->kind == GT_PQ_PAREN)
			p = p->u.paren;
		add_col(t, sh, sh->fields[0], NULL);
		for (uint32_t i = 0; i < sh->nt; i++)
			add_col(t, sh, sh->tags[i], qual_of(&in, sh->tags[i]));
		add_col(t, sh, in.ts, qual_of(&in, in.ts));
		add_col(t, sh, p && p->kind == GT_PQ_STRING ? p->u.str : "", NULL);
		return 0;
	}
	for (uint32_t i = 0; i < sh->nt; i++)
		add_col(t, sh, sh->tags[i], qual_of(&in, sh->tags[i]));
	add_col(t, sh, in.ts, qual_of(&in, in.ts));
	for (uint32_t i = 0; i < sh->nf; i++)
		add_col(t, sh, sh->fields[i], NULL);
	return 0;
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

static const char *date_part_name(const char *f)
{
	static const char *const map[][2] = {
		{"minute", "minute"}, {"hour", "hour"}, {"month", "month"}, {"year", "year"},
		{"day_of_month", "day"}, {"day_of_week", "dow"}, {"day_of_year", "doy"},
	};
	for (size_t i = 0; i < GT_ARRAY_LEN(map); i++)
		if (strcmp(f, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static bool is_fn(const char *f, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(f, *names) == 0)
			return true;
	return false;
}

/* label_join and label_replace: the fields stay, the label they write joins the tags. */
static void plan_label_fn(struct tql *t, const struct gt_pq_expr *e, struct shape *sh)
{
	bool join = strcmp(e->u.call.fn->name, "label_join") == 0;
	const char *arg[4] = {"", "", "", ""};
	const char **exprs = NULL, **tags = NULL;
	uint32_t nexprs = 0, ntags = 0;

	for (size_t i = 1; i < e->u.call.nargs && i < 5; i++) {
		const struct gt_pq_expr *a = e->u.call.args[i];
		while (a->kind == GT_PQ_PAREN)
			a = a->u.paren;
		if (a->kind == GT_PQ_STRING)
			arg[i - 1] = a->u.str;
	}
	const char *dst = arg[0];
	bool adds = true;
	if (!join) {
		/* label_replace(v, dst, replacement, src, regex) changes nothing with an empty regex on a
		 * label the input has, or an empty replacement of one it has not */
		bool has_src = has_name(sh->tags, sh->nt, arg[2]);
		adds = has_src ? arg[3][0] != '\0' : arg[1][0] != '\0';
	}
	for (uint32_t i = 0; i < sh->nf; i++)
		if (!adds || strcmp(sh->fields[i], dst))
			add_name(t, &exprs, &nexprs, sh->fields[i]);
	if (adds)
		add_name(t, &exprs, &nexprs, dst);
	for (uint32_t i = 0; i < sh->nt; i++)
		if (!join || strcmp(sh->tags[i], dst))
			add_name(t, &tags, &ntags, sh->tags[i]);
	const char **fields = sh->fields;
	uint32_t nf = sh->nf;
	sh->tags = tags;
	sh->nt = ntags;
	project_call(t, sh, exprs, nexprs);
	sh->fields = fields;
	sh->nf = nf;
	if (adds && !has_name(sh->tags, sh->nt, dst))
		add_name(t, &sh->tags, &sh->nt, dst);
}

static int plan_call(struct tql *t, struct gt_pq_expr *e, struct shape *sh, struct gt_sql_error *err)
{
	static const char *const keep[] = {"sort", "sort_desc", "sort_by_label", "sort_by_label_desc", "timestamp", NULL};
	static const char *const extrapolated[] = {"rate", "increase", "delta", NULL};
	const char *f = e->u.call.fn->name;
	struct gt_pq_expr *input = NULL;
	const char **lits = NULL;
	uint32_t nlits = 0;
	int rc = 0;

	if (strcmp(f, "vector") == 0) {
		empty_metric(t, sh, "greptime_value");
		return 0;
	}
	if (strcmp(f, "histogram_quantile") == 0) {
		if ((rc = plan(t, e->u.call.args[1], sh, err)) < 0)
			return rc;
		if (!has_name(sh->tags, sh->nt, "le")) {
			/* no le: GreptimeDB answers an empty relation */
			*sh = (struct shape){.table = sh->table, .ts = sh->ts};
			return 0;
		}
		struct shape o = *sh;
		o.tags = NULL;
		o.nt = 0;
		o.cols = NULL;
		o.nc = 0;
		for (uint32_t i = 0; i < sh->nt; i++)
			if (strcmp(sh->tags[i], "le"))
				add_name(t, &o.tags, &o.nt, sh->tags[i]);
		for (uint32_t i = 0; i < sh->nc; i++)
			if (strcmp(sh->cols[i].name, "le"))
				add_col(t, &o, sh->cols[i].name, sh->cols[i].qual);
		*sh = o;
		return 0;
	}
	if (strcmp(f, "scalar") == 0 || strcmp(f, "absent") == 0) {
		t->lastsel = NULL;
		if ((rc = plan(t, e->u.call.args[0], sh, err)) < 0)
			return rc;
		if (f[0] == 's' && sh->nf != 1)
			return multi_fields(err, "scalar");
		struct shape o = *sh;
		o.cols = NULL;
		o.nc = 0;
		add_col(t, &o, sh->ts, NULL);
		if (f[0] == 's') {
			struct gt_buf b = {0};
			gt_buf_addf(&b, "scalar(%s)", sh->fields[0]);
			o.fields = NULL;
			o.nf = 0;
			add_name(t, &o.fields, &o.nf, tbuf(t, &b));
			o.tags = NULL;
			o.nt = 0;
			add_col(t, &o, o.fields[0], NULL);
		} else {
			/* absent(): the value, then the labels its selector's = matchers name */
			add_col(t, &o, sh->nf ? sh->fields[0] : "value", NULL);
			const struct gt_pq_expr *ls = sh->table && sh->table[0] ? t->lastsel : NULL;
			for (size_t i = 0; ls && i < ls->u.sel.nm; i++) {
				const struct gt_pq_matcher *m = &ls->u.sel.m[i];
				if (m->op == GT_PQ_M_EQ && strncmp(m->name, "__", 2) && !find_col(&o, m->name))
					add_col(t, &o, m->name, NULL);
			}
		}
		*sh = o;
		return 0;
	}
	for (size_t i = 0; i < e->u.call.nargs; i++) {
		if (is_literal(e->u.call.args[i]))
			add_name(t, &lits, &nlits, lit_text(t, e->u.call.args[i]));
		else if (!input)
			input = e->u.call.args[i];
	}
	if (input) {
		if ((rc = plan(t, input, sh, err)) < 0)
			return rc;
		const struct gt_pq_expr *in = input;
		while (in->kind == GT_PQ_PAREN)
			in = in->u.paren;
		if (strcmp(f, "timestamp") == 0 && in->kind == GT_PQ_SELECTOR) {
			/* the planner projects the time index as the value, named "value" */
			const char **v = NULL;
			uint32_t nv = 0;
			add_name(t, &v, &nv, "value");
			sh->nf = 1;
			project_call(t, sh, v, nv);
			sh->fields = v;
		}
	} else {
		empty_metric(t, sh, "value");
	}
	if (strcmp(f, "label_join") == 0 || strcmp(f, "label_replace") == 0) {
		plan_label_fn(t, e, sh);
		return 0;
	}
	const char **exprs = NULL;
	uint32_t nexprs = 0;
	const char *dp = date_part_name(f);
	struct gt_buf b = {0};
	if (strcmp(f, "time") == 0) {
		gt_buf_addf(&b, "%s / Float64(1000)", sh->ts);
		add_name(t, &exprs, &nexprs, tbuf(t, &b));
	} else if (dp) {
		gt_buf_addf(&b, "date_part(Utf8(\"%s\"),%s)", dp, sh->ts);
		add_name(t, &exprs, &nexprs, tbuf(t, &b));
	} else if (strcmp(f, "days_in_month") == 0) {
		gt_buf_addf(&b, "date_part(Utf8(\"day\"),date_trunc(Utf8(\"month\"),%s) + IntervalYearMonth(\"1\") - "
			    "IntervalDayTime(\"IntervalDayTime { days: 1, milliseconds: 0 }\"))", sh->ts);
		add_name(t, &exprs, &nexprs, tbuf(t, &b));
	} else if (strcmp(f, "pi") == 0) {
		add_name(t, &exprs, &nexprs, "pi()");
	} else if (is_fn(f, keep)) {
		exprs = sh->fields;
		nexprs = sh->nf;
	} else {
		bool range = input && input->type == GT_PQ_T_MATRIX;
		for (uint32_t i = 0; i < sh->nf; i++) {
			if (range)
				gt_buf_addf(&b, "prom_%s(%s_range,%s", f, sh->ts, sh->fields[i]);
			else
				gt_buf_addf(&b, "%s%s(%s", strcmp(f, "round") ? "" : "prom_", fn_sql_name(f), sh->fields[i]);
			if (range && is_fn(f, extrapolated))
				gt_buf_addf(&b, ",%s,Int64(%lld)", sh->ts, (long long)t->range);
			for (uint32_t j = 0; j < nlits; j++)
				gt_buf_addf(&b, ",%s", lits[j]);
			if (strcmp(f, "round") == 0 && nlits == 0)
				gt_buf_addstr(&b, ",Float64(0)");
			gt_buf_addch(&b, ')');
			add_name(t, &exprs, &nexprs, tbuf(t, &b));
		}
	}
	gt_buf_release(&b);
	project_call(t, sh, exprs, nexprs);
	sh->fields = exprs;
	sh->nf = nexprs;
	return 0;
}

/* and, unless, or: GreptimeDB's set operators (semi and anti joins, a union). */
static int plan_setop(struct tql *t, const struct gt_pq_expr *e, const struct shape *l, const struct shape *r,
		      struct shape *sh, struct gt_sql_error *err)
{
	if (e->u.bin.op != GT_PQ_OR) {
		if (l->nf != 1)
			return multi_fields(err, "AND operator");
		*sh = *l;
		sh->table = r->table;
		sh->tags = r->tags;
		sh->nt = r->nt;
		sh->nf = 1;
		return 0;
	}
	if (l->nf != 1 || r->nf != 1)
		return multi_fields(err, "OR operator");
	const char **all = NULL;
	uint32_t n = 0;
	const struct shape *side[2] = {l, r};
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 0; i < side[s]->nc; i++) {
			const char *c = side[s]->cols[i].name;
			if (strcmp(c, l->ts) && strcmp(c, r->ts) && (strcmp(l->fields[0], r->fields[0]) == 0 || strcmp(c, r->fields[0])) &&
			    !has_name(all, n, c))
				add_name(t, &all, &n, c);
		}
	if (n)
		qsort(all, n, sizeof *all, cmp_str);
	*sh = (struct shape){.table = l->table, .ts = l->ts, .fields = l->fields, .nf = 1};
	const char *q = l->nc ? l->cols[0].qual : NULL;
	add_col(t, sh, l->ts, q);
	for (uint32_t i = 0; i < n; i++)
		add_col(t, sh, all[i], q);
	for (uint32_t i = 0; i < l->nt; i++)
		add_name(t, &sh->tags, &sh->nt, l->tags[i]);
	for (uint32_t i = 0; i < r->nt; i++)
		if (!has_name(sh->tags, sh->nt, r->tags[i]))
			add_name(t, &sh->tags, &sh->nt, r->tags[i]);
	if (sh->nt)
		qsort(sh->tags, sh->nt, sizeof *sh->tags, cmp_str);
	return 0;
}

/*
 * GreptimeDB's binary island: arithmetic (+ - * / % ^ atan2, without
 * bool, on/ignoring or group_*) over plain selectors and literals in
 * which a selector repeats is planned as one join of its distinct
 * selectors, projected to the first one's tags and time index and a
 * column per field named from the expression itself: `t.f` for a
 * selector, `lhs.f op rhs.f` for a selector with itself, `-x` for a
 * negation, `a op b` else (`cache_hit.v / cache_miss.v + cache_hit.v`
 * for cache_hit / (cache_miss + cache_hit)).  The join has no table:
 * an outer join qualifies nothing from it.
 */
#define ISLAND_MAX 16

struct island {
	const struct gt_pq_expr *leaf[ISLAND_MAX];  /* the distinct selectors, first occurrences */
	struct shape sh[ISLAND_MAX];                /* their plans */
	uint32_t n, uses;
};

static const struct gt_pq_expr *unparen(const struct gt_pq_expr *e)
{
	while (e->kind == GT_PQ_PAREN)
		e = e->u.paren;
	return e;
}

/* The metric a selector names with one __name__= (GreptimeDB's key needs one), else NULL. */
static const char *island_metric(const struct gt_pq_expr *s)
{
	const char *metric = s->u.sel.metric;
	bool named = false;

	for (size_t i = 0; i < s->u.sel.nm; i++) {
		const struct gt_pq_matcher *m = &s->u.sel.m[i];
		if (strcmp(m->name, "__name__") != 0)
			continue;
		if (m->op != GT_PQ_M_EQ || named || (metric && strcmp(m->value, metric) != 0))
			return NULL;
		named = true;
		metric = m->value;
	}
	return metric;
}

/* Does b's every matcher but __name__ appear in a? */
static bool matchers_in(const struct gt_pq_expr *a, const struct gt_pq_expr *b)
{
	for (size_t i = 0; i < b->u.sel.nm; i++) {
		const struct gt_pq_matcher *m = &b->u.sel.m[i];
		bool found = strcmp(m->name, "__name__") == 0;
		for (size_t j = 0; j < a->u.sel.nm && !found; j++)
			found = a->u.sel.m[j].op == m->op && strcmp(a->u.sel.m[j].name, m->name) == 0 &&
				strcmp(a->u.sel.m[j].value, m->value) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* One selector for GreptimeDB's island: the same metric, matchers, offset and @. */
static bool island_same(const struct gt_pq_expr *a, const struct gt_pq_expr *b)
{
	return strcmp(island_metric(a), island_metric(b)) == 0 && matchers_in(a, b) && matchers_in(b, a) &&
	       a->u.sel.offset == b->u.sel.offset && a->u.sel.at == b->u.sel.at &&
	       (a->u.sel.at != GT_PQ_AT_TIME || a->u.sel.at_time == b->u.sel.at_time);
}

static int island_find(const struct island *is, const struct gt_pq_expr *s)
{
	for (uint32_t i = 0; i < is->n; i++)
		if (island_same(is->leaf[i], s))
			return (int)i;
	return -1;
}

/* Is e an island's expression?  Collects its distinct selectors and counts every use. */
static bool island_walk(const struct gt_pq_expr *e, struct island *is)
{
	if (is_literal(e))
		return true;
	switch (e->kind) {
	case GT_PQ_PAREN: return island_walk(e->u.paren, is);
	case GT_PQ_UNARY: return island_walk(e->u.un.e, is);
	case GT_PQ_SELECTOR:
		if (e->u.sel.range || !island_metric(e))
			return false;
		is->uses++;
		if (island_find(is, e) < 0) {
			if (is->n == ISLAND_MAX)
				return false;
			is->leaf[is->n++] = e;
		}
		return true;
	case GT_PQ_BINARY:
		return e->u.bin.op <= GT_PQ_ATAN2 && !e->u.bin.bool_mod && !e->u.bin.on && !e->u.bin.nlabels &&
		       e->u.bin.card == GT_PQ_ONE_TO_ONE && island_walk(e->u.bin.lhs, is) && island_walk(e->u.bin.rhs, is);
	default:
		return false;
	}
}

/* Plan every selector of the island as the join does, keeping the first occurrences' plans. */
static int island_plan(struct tql *t, struct gt_pq_expr *e, struct island *is, struct gt_sql_error *err)
{
	int rc = 0;

	if (is_literal(e))
		return 0;
	switch (e->kind) {
	case GT_PQ_PAREN: return island_plan(t, e->u.paren, is, err);
	case GT_PQ_UNARY: return island_plan(t, e->u.un.e, is, err);
	case GT_PQ_SELECTOR: {
		struct shape s;
		if ((rc = plan(t, e, &s, err)) < 0)
			return rc;
		for (uint32_t i = 0; i < is->n; i++)
			if (is->leaf[i] == e)
				is->sh[i] = s;
		return 0;
	}
	case GT_PQ_BINARY:
		rc = island_plan(t, e->u.bin.lhs, is, err);
		return rc < 0 ? rc : island_plan(t, e->u.bin.rhs, is, err);
	default:
		return 0;
	}
}

/* The island's value column names for e into *names (one for a scalar: *scalar set). */
static void island_names(struct tql *t, const struct gt_pq_expr *e, const struct island *is, const char ***names,
			 uint32_t *n, bool *scalar)
{
	*names = NULL;
	*n = 0;
	*scalar = false;
	if (is_literal(e)) {
		add_name(t, names, n, lit_text(t, e));
		*scalar = true;
		return;
	}
	e = unparen(e);
	if (e->kind == GT_PQ_UNARY) {
		island_names(t, e->u.un.e, is, names, n, scalar);
		for (uint32_t i = 0; e->u.un.op == '-' && i < *n; i++) {
			struct gt_buf b = {0};
			gt_buf_addf(&b, "-%s", (*names)[i]);
			(*names)[i] = tbuf(t, &b);
		}
		return;
	}
	if (e->kind == GT_PQ_SELECTOR) {
		const struct shape *s = &is->sh[island_find(is, e)];
		for (uint32_t i = 0; i < s->nf; i++) {
			struct gt_buf b = {0};
			gt_buf_addf(&b, "%s.%s", island_metric(e), s->fields[i]);
			add_name(t, names, n, tbuf(t, &b));
		}
		return;
	}
	static const char *const ops[] = {"+", "-", "*", "/", "%", "^", "atan2"};
	const struct gt_pq_expr *l = unparen(e->u.bin.lhs), *r = unparen(e->u.bin.rhs);
	int same = l->kind == GT_PQ_SELECTOR && r->kind == GT_PQ_SELECTOR && island_same(l, r) ? island_find(is, l) : -1;
	const char **ln, **rn;
	uint32_t nl, nr;
	bool ls, rs;
	island_names(t, l, is, &ln, &nl, &ls);
	island_names(t, r, is, &rn, &nr, &rs);
	*scalar = ls && rs;
	uint32_t cnt = ls ? nr : rs ? nl : (nl < nr ? nl : nr);
	for (uint32_t i = 0; i < cnt; i++) {
		struct gt_buf b = {0};
		if (same >= 0)
			gt_buf_addf(&b, "lhs.%s %s rhs.%s", is->sh[same].fields[i], ops[e->u.bin.op], is->sh[same].fields[i]);
		else
			gt_buf_addf(&b, "%s %s %s", ln[ls ? 0 : i], ops[e->u.bin.op], rn[rs ? 0 : i]);
		add_name(t, names, n, tbuf(t, &b));
	}
}

/* Plan e as GreptimeDB's island when it is one: 0 planned, 1 not an island, < 0 an error. */
static int plan_island(struct tql *t, struct gt_pq_expr *e, struct shape *sh, struct gt_sql_error *err)
{
	struct island is = {0};
	size_t npins = t->npins;
	int rc;

	if (!island_walk(e, &is) || is.n == 0 || is.uses <= is.n)
		return 1;
	if ((rc = island_plan(t, e, &is, err)) < 0)
		return rc;
	bool ok = true;
	for (uint32_t i = 0; i < is.n && ok; i++) {
		ok = is.sh[i].ts && is.sh[i].table && is.sh[i].table[0] && is.sh[i].nt == is.sh[0].nt;
		for (uint32_t k = 0; k < is.sh[i].nt && ok; k++)
			ok = has_name(is.sh[0].tags, is.sh[0].nt, is.sh[i].tags[k]);
	}
	const char **names = NULL;
	uint32_t nn = 0;
	bool scalar = true;
	if (ok)
		island_names(t, e, &is, &names, &nn, &scalar);
	if (!ok || scalar || nn == 0) {
		/* the ordinary join plans them again */
		t->npins = npins;
		return 1;
	}
	const struct shape *base = &is.sh[0];
	*sh = (struct shape){.ts = base->ts, .tags = base->tags, .nt = base->nt, .fields = names, .nf = nn};
	for (uint32_t i = 0; i < base->nt; i++)
		add_col(t, sh, base->tags[i], NULL);
	add_col(t, sh, base->ts, NULL);
	for (uint32_t i = 0; i < nn; i++)
		add_col(t, sh, names[i], NULL);
	return 0;
}

static int plan_binary(struct tql *t, struct gt_pq_expr *e, struct shape *sh, struct gt_sql_error *err)
{
	enum gt_pq_binop op = e->u.bin.op;
	bool lit_l = is_literal(e->u.bin.lhs), lit_r = is_literal(e->u.bin.rhs);
	bool filter = is_comparison(op) && !e->u.bin.bool_mod;
	const char **names = NULL;
	uint32_t nn = 0;
	int rc;

	if ((rc = plan_island(t, e, sh, err)) <= 0)
		return rc;
	if (lit_l && lit_r) {
		empty_metric(t, sh, "value");
		return 0;
	}
	if (lit_l || lit_r) {
		if ((rc = plan(t, lit_l ? e->u.bin.rhs : e->u.bin.lhs, sh, err)) < 0)
			return rc;
		sh->batch = false;
		if (filter) {
			if (sh->nf != 1)
				return sql_err(err, GT_STATUS_INVALID_ARGUMENTS, "Unsupported expr type: filter on multi-value input");
			return 0;
		}
		const char *lit = lit_text(t, lit_l ? e->u.bin.lhs : e->u.bin.rhs);
		for (uint32_t i = 0; i < sh->nf; i++) {
			struct gt_buf b = {0};
			binop_name(&b, op, lit_l ? lit : sh->fields[i], lit_l ? sh->fields[i] : lit);
			add_name(t, &names, &nn, tbuf(t, &b));
		}
		project_fields(t, sh, names);
		return 0;
	}
	struct shape l, r;
	if ((rc = plan(t, e->u.bin.lhs, &l, err)) < 0 || (rc = plan(t, e->u.bin.rhs, &r, err)) < 0)
		return rc;
	if (op >= GT_PQ_AND)
		return plan_setop(t, e, &l, &r, sh, err);
	const char *lref = l.table ? l.table : "", *rref = r.table ? r.table : "";
	*sh = r;
	sh->batch = false;
	if (strcmp(lref, rref) == 0) {
		/* one table on both sides: the planner renames them; a side without tags (scalar()) leaves
		 * the other's */
		lref = "lhs";
		rref = "rhs";
		if (!r.nt)
			*sh = l;
		sh->table = r.nt ? "rhs" : "lhs";
		/* GreptimeDB's join of a table with itself streams its (empty) batch */
		sh->batch = l.table && l.table[0];
	}
	if (filter) {
		/* a comparison filters the join, then projects the side it keeps (the one with a table,
		 * the left when both have one): time index, fields, tags */
		const struct shape *k = l.table && l.table[0] ? &l : &r;
		*sh = *k;
		sh->batch = false;
		sh->table = "";
		sh->cols = NULL;
		sh->nc = 0;
		add_col(t, sh, k->ts, qual_of(k, k->ts));
		for (uint32_t i = 0; i < k->nf; i++)
			add_col(t, sh, k->fields[i], qual_of(k, k->fields[i]));
		for (uint32_t i = 0; i < k->nt; i++)
			add_col(t, sh, k->tags[i], qual_of(k, k->tags[i]));
		return sh->nf == 1 ? 0 : sql_err(err, GT_STATUS_INVALID_ARGUMENTS, "Unsupported expr type: filter on multi-value input");
	}
	for (uint32_t i = 0; i < l.nf && i < r.nf; i++) {
		struct gt_buf lb = {0}, rb = {0}, b = {0};
		gt_buf_addf(&lb, "%s.%s", lref, l.fields[i]);
		gt_buf_addf(&rb, "%s.%s", rref, r.fields[i]);
		binop_name(&b, op, lb.p ? lb.p : "", rb.p ? rb.p : "");
		gt_buf_release(&lb);
		gt_buf_release(&rb);
		add_name(t, &names, &nn, tbuf(t, &b));
	}
	sh->nf = nn;
	project_fields(t, sh, names);
	return 0;
}

/* Walk e as GreptimeDB's PromPlanner does, into sh. */
static int plan(struct tql *t, struct gt_pq_expr *e, struct shape *sh, struct gt_sql_error *err)
{
	int rc;

	switch (e->kind) {
	case GT_PQ_NUMBER:
	case GT_PQ_STRING:
		empty_metric(t, sh, "value");
		return 0;
	case GT_PQ_PAREN:
		return plan(t, e->u.paren, sh, err);
	case GT_PQ_SELECTOR:
		return plan_selector(t, e, sh, err);
	case GT_PQ_SUBQUERY:
		if ((rc = plan(t, e->u.sub.e, sh, err)) < 0)
			return rc;
		t->range = e->u.sub.range;
		return 0;
	case GT_PQ_UNARY:
		if ((rc = plan(t, e->u.un.e, sh, err)) < 0 || e->u.un.op != '-')
			return rc;
		const char **names = NULL;
		uint32_t nn = 0;
		for (uint32_t i = 0; i < sh->nf; i++) {
			struct gt_buf b = {0};
			gt_buf_addf(&b, "(- %s)", sh->fields[i]);
			add_name(t, &names, &nn, tbuf(t, &b));
		}
		project_fields(t, sh, names);
		return 0;
	case GT_PQ_AGG:
		return plan_agg(t, e, sh, err);
	case GT_PQ_CALL:
		return plan_call(t, e, sh, err);
	case GT_PQ_BINARY:
		return plan_binary(t, e, sh, err);
	}
	return 0;
}

/* --- evaluation, a field at a time --- */

/* Point every selector at its k-th field (its last when it has fewer), in place of its own
 * __field__ matchers: GreptimeDB computes each value column on its own. */
static int pin_fields(struct tql *t, uint32_t k)
{
	for (size_t i = 0; i < t->npins; i++) {
		struct pin *p = &t->pins[i];
		struct gt_pq_expr *s = p->sel;
		struct gt_pq_matcher *m = calloc(s->u.sel.nm + 1, sizeof *m);
		size_t n = 0;
		if (!m)
			return GT_ENOMEM;
		for (size_t j = 0; j < s->u.sel.nm; j++)
			if (strcmp(s->u.sel.m[j].name, "__field__"))
				m[n++] = s->u.sel.m[j];
		m[n++] = (struct gt_pq_matcher){.name = (char *)"__field__", .value = (char *)p->fields[k < p->nf ? k : p->nf - 1],
						.op = GT_PQ_M_EQ};
		p->saved = s->u.sel.m;
		p->saved_nm = s->u.sel.nm;
		s->u.sel.m = m;
		s->u.sel.nm = n;
	}
	return 0;
}

static void unpin_fields(struct tql *t)
{
	for (size_t i = 0; i < t->npins; i++) {
		struct pin *p = &t->pins[i];
		if (!p->saved)
			continue;
		free(p->sel->u.sel.m);
		p->sel->u.sel.m = p->saved;
		p->sel->u.sel.nm = p->saved_nm;
		p->saved = NULL;
	}
}

static const char *label_of(const struct gt_pq_labels *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->l[i].name, name) == 0)
			return l->l[i].value;
	return NULL;
}

static bool same_labels(const struct gt_pq_labels *a, const struct gt_pq_labels *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->l[i].name, b->l[i].name) || strcmp(a->l[i].value, b->l[i].value))
			return false;
	return true;
}

/* The value of field k's result at series like s, time ts; false when it has none. */
static bool field_value(const struct gt_pq_result *r, const struct gt_pq_series *s, int64_t ts, double *v)
{
	const struct gt_pq_series *ss = r->type == GT_PQ_T_SCALAR ? &r->scalars : r->series;
	size_t n = r->type == GT_PQ_T_SCALAR ? 1 : r->nseries;

	for (size_t i = 0; i < n; i++) {
		if (r->type != GT_PQ_T_SCALAR && !same_labels(&ss[i].labels, &s->labels))
			continue;
		for (size_t j = 0; j < ss[i].n; j++)
			if (ss[i].t[j] == ts) {
				*v = ss[i].v[j];
				return true;
			}
		return false;
	}
	return false;
}

/* Whether series a goes after b in the rows of sort-family call c (a stable order: ties stay). */
static bool series_after(const struct gt_pq_expr *c, const struct gt_pq_series *a, const struct gt_pq_series *b)
{
	const char *f = c->u.call.fn->name;
	bool desc = strcmp(f, "sort_desc") == 0 || strcmp(f, "sort_by_label_desc") == 0;
	if (strncmp(f, "sort_by_label", 13) == 0) {
		const char *names[64];
		size_t n = 0;
		for (size_t i = 1; i < c->u.call.nargs && n < GT_ARRAY_LEN(names); i++)
			names[n++] = str_lit(c->u.call.args[i]);
		int cmp = gt_pq_labels_cmp_by(&a->labels, &b->labels, names, n);
		return desc ? cmp < 0 : cmp > 0;
	}
	double va = a->n ? a->v[0] : NAN, vb = b->n ? b->v[0] : NAN;
	return desc ? va < vb : va > vb;
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
		return (strncmp(f, "sort", 4) == 0 || strcmp(f, "label_replace") == 0 ||
			strcmp(f, "label_join") == 0) && keeps_int(e->u.call.args[0]);
	}
	case GT_PQ_BINARY:
		/* a comparison with a literal filters the rows and keeps the column */
		if (!is_comparison(e->u.bin.op) || e->u.bin.bool_mod)
			return false;
		if (is_literal(e->u.bin.rhs))
			return keeps_int(e->u.bin.lhs);
		return is_literal(e->u.bin.lhs) && keeps_int(e->u.bin.rhs);
	default: return false;
	}
}

/*
 * GreptimeDB's row order.  An aggregation ends in a sort on its group
 * columns: the by() labels (nulls last), the time index, and for
 * count_values the value counted.  topk and bottomk number the rows of
 * each group and time with row_number() over the value (descending for
 * topk), then the input's tags in the same direction (nulls first), and
 * sort on the group labels, the time index and that rank.  Anything else
 * keeps the engine's series order.
 */
struct rowref {
	size_t s, p, seq;   /* series, point, position in the engine's order */
};

struct row_order {
	const struct gt_pq_series *ss;
	bool string;                  /* a string result: point p is step p */
	const struct gt_pq_query *q;
	const char **keys;            /* the group labels */
	uint32_t nk;
	const char *value_label;      /* count_values: its label, compared as a number */
	int rank;                     /* 1 topk, -1 bottomk, 0 neither */
	const char *const *tags;      /* topk and bottomk: the tie-breaking tags */
	uint32_t nt;
};

static int64_t row_ts(const struct row_order *ro, const struct rowref *x)
{
	return ro->string ? ro->q->start + (int64_t)x->p * ro->q->step : ro->ss[x->s].t[x->p];
}

/* Labels a and b, a missing one (NULL) after every value unless nulls_first. */
static int cmp_label(const char *a, const char *b, bool nulls_first)
{
	if (!a || !b)
		return !a == !b ? 0 : (!a) == nulls_first ? -1 : 1;
	return strcmp(a, b);
}

static int cmp_num(double a, double b)
{
	return a < b ? -1 : a > b;
}

static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct rowref *a = pa, *b = pb;
	const struct row_order *ro = ctx;
	const struct gt_pq_labels *la = &ro->ss[a->s].labels, *lb = &ro->ss[b->s].labels;
	int c = 0;

	for (uint32_t i = 0; i < ro->nk && c == 0; i++)
		c = cmp_label(label_of(la, ro->keys[i]), label_of(lb, ro->keys[i]), false);
	if (c == 0)
		c = cmp_num((double)row_ts(ro, a), (double)row_ts(ro, b));
	if (c == 0 && ro->value_label) {
		const char *va = label_of(la, ro->value_label), *vb = label_of(lb, ro->value_label);
		c = cmp_num(va ? strtod(va, NULL) : 0, vb ? strtod(vb, NULL) : 0);
	}
	if (c == 0 && ro->rank) {
		c = ro->rank * cmp_num(ro->ss[b->s].v[b->p], ro->ss[a->s].v[a->p]);
		for (uint32_t i = 0; i < ro->nt && c == 0; i++)
			c = ro->rank * cmp_label(label_of(lb, ro->tags[i]), label_of(la, ro->tags[i]), false);
	}
	return c ? c : cmp_num((double)a->seq, (double)b->seq);
}

/* Fill ro's keys for aggregation c over shape sh; false when c is no aggregation. */
static bool agg_row_order(struct tql *t, const struct gt_pq_expr *c, const struct shape *sh, struct row_order *ro)
{
	if (c->kind != GT_PQ_AGG)
		return false;
	enum gt_pq_aggop op = c->u.agg.op;
	if (op != GT_PQ_TOPK && op != GT_PQ_BOTTOMK) {
		ro->keys = sh->tags;
		ro->nk = sh->nt;
		if (op == GT_PQ_COUNT_VALUES)
			ro->value_label = sh->cols[sh->nc - 1].name;
		return true;
	}
	/* topk and bottomk keep their input's tags: their groups are the by() labels among them, or
	 * the others, sorted, for without() */
	ro->rank = op == GT_PQ_TOPK ? 1 : -1;
	ro->tags = sh->tags;
	ro->nt = sh->nt;
	if (!c->u.agg.without) {
		for (size_t j = 0; j < c->u.agg.ngrouping; j++)
			if (has_name(sh->tags, sh->nt, c->u.agg.grouping[j]))
				add_name(t, &ro->keys, &ro->nk, c->u.agg.grouping[j]);
		return true;
	}
	for (uint32_t i = 0; i < sh->nt; i++) {
		bool named = false;
		for (size_t j = 0; j < c->u.agg.ngrouping; j++)
			named |= strcmp(c->u.agg.grouping[j], sh->tags[i]) == 0;
		if (!named)
			add_name(t, &ro->keys, &ro->nk, sh->tags[i]);
	}
	if (ro->nk)
		qsort(ro->keys, ro->nk, sizeof *ro->keys, cmp_str);
	return true;
}

struct col {
	const char *name;
	char kind;        /* 'v'alue, 't'ime, 'l'abel */
	uint32_t field;   /* 'v': which field */
};

/* The result table: the shape's columns (or, with AS, the value, the tags, the time index), the
 * points of every series of the first field's result, the other fields' values beside them. */
static int render(struct tql *t, const struct gt_pq_expr *e, const struct shape *sh, const char *alias,
		  const struct gt_pq_query *q, const struct gt_pq_result *rs, struct gt_sql_result *res)
{
	const struct gt_pq_result *r = &rs[0];
	struct col *cols = calloc(sh->nc + sh->nt + 2, sizeof *cols);
	uint32_t ncols = 0;
	uint8_t vtype = GT_F64;
	int rc = 0;

	if (!cols)
		return GT_ENOMEM;
	if (alias) {
		cols[ncols++] = (struct col){alias, 'v', 0};
		for (uint32_t i = 0; i < sh->nt; i++)
			cols[ncols++] = (struct col){sh->tags[i], 'l', 0};
		cols[ncols++] = (struct col){sh->ts, 't', 0};
	} else {
		for (uint32_t i = 0; i < sh->nc; i++) {
			const char *n = sh->cols[i].name;
			struct col c = {n, 'l', 0};
			if (strcmp(n, sh->ts) == 0)
				c.kind = 't';
			for (uint32_t k = 0; k < sh->nf; k++)
				if (strcmp(n, sh->fields[k]) == 0)
					c = (struct col){n, 'v', k};
			cols[ncols++] = c;
		}
	}
	const struct gt_pq_expr *c = e;
	while (c->kind == GT_PQ_PAREN)
		c = c->u.paren;
	if (c->kind == GT_PQ_AGG && (c->u.agg.op == GT_PQ_COUNT || c->u.agg.op == GT_PQ_COUNT_VALUES))
		vtype = GT_I64;
	/* hour(), day_of_week(), days_in_month() ... are DataFusion's date_part(): integers */
	if (c->kind == GT_PQ_CALL && (date_part_name(c->u.call.fn->name) || strcmp(c->u.call.fn->name, "days_in_month") == 0))
		vtype = GT_I64;
	/* an integer field stays integer through sort, label_*, sum, min, max ... */
	if (t->int_field && !alias && keeps_int(e))
		vtype = GT_I64;
	if (e->type == GT_PQ_T_STRING)
		vtype = GT_STRING;

	const char **names = calloc(ncols ? ncols : 1, sizeof *names);
	uint8_t *types = calloc(ncols ? ncols : 1, 1);
	if (!names || !types) {
		free(names);
		free(types);
		free(cols);
		return GT_ENOMEM;
	}
	for (uint32_t i = 0; i < ncols; i++) {
		names[i] = cols[i].name;
		types[i] = cols[i].kind == 't' ? GT_TS : cols[i].kind == 'l' ? GT_STRING : vtype;
	}
	struct gt_sql_output *o = sql_out_table(res, names, types, ncols);
	free(names);
	free(types);
	if (!o) {
		free(cols);
		return GT_ENOMEM;
	}
	/* a selector of a missing table: GreptimeDB's empty metric streams an empty batch, its
	 * header shows; what computes on one (a call, an aggregation, a join) streams none; a
	 * join of a table with itself streams its empty batch too */
	o->keep_header = (c->kind == GT_PQ_SELECTOR && sh->table && !sh->table[0]) ||
			 (c->kind == GT_PQ_BINARY && sh->batch);
	for (uint32_t i = 0; i < ncols; i++)
		if (cols[i].kind == 't')
			o->cols[i].unit = GT_UNIT_MS;

	/* the points: a scalar's, a string's at every step, or every series' */
	const struct gt_pq_series *ss = r->series;
	size_t nss = ncols ? r->nseries : 0;
	struct gt_pq_series one = {0};
	if (r->type == GT_PQ_T_SCALAR) {
		ss = &r->scalars;
		nss = 1;
	} else if (r->type == GT_PQ_T_STRING) {
		ss = &one;
		nss = 1;
	}
	int64_t nsteps = r->type == GT_PQ_T_STRING ? (q->step > 0 ? (q->end - q->start) / q->step + 1 : 1) : 0;
	/* sort() and sort_desc() order the series by value (their first point's),
	 * sort_by_label() and sort_by_label_desc() by the labels they name */
	size_t *order = calloc(nss ? nss : 1, sizeof *order);
	if (!order) {
		free(cols);
		return GT_ENOMEM;
	}
	for (size_t i = 0; i < nss; i++)
		order[i] = i;
	if (c->kind == GT_PQ_CALL && strncmp(c->u.call.fn->name, "sort", 4) == 0) {
		for (size_t i = 1; i < nss; i++)   /* insertion sort: stable, series are few */
			for (size_t j = i; j > 0; j--) {
				if (!series_after(c, &ss[order[j - 1]], &ss[order[j]]))
					break;
				size_t tmp = order[j];
				order[j] = order[j - 1];
				order[j - 1] = tmp;
			}
	}
	/* every row as a (series, point) pair, in the engine's series order, then GreptimeDB's */
	size_t nrefs = 0;
	for (size_t i = 0; i < nss; i++)
		nrefs += r->type == GT_PQ_T_STRING ? (size_t)nsteps : ss[i].n;
	struct rowref *refs = calloc(nrefs ? nrefs : 1, sizeof *refs);
	if (!refs) {
		free(order);
		free(cols);
		return GT_ENOMEM;
	}
	nrefs = 0;
	for (size_t oi = 0; oi < nss; oi++) {
		size_t np = r->type == GT_PQ_T_STRING ? (size_t)nsteps : ss[order[oi]].n;
		for (size_t pi = 0; pi < np; pi++, nrefs++)
			refs[nrefs] = (struct rowref){.s = order[oi], .p = pi, .seq = nrefs};
	}
	struct row_order ro = {.ss = ss, .string = r->type == GT_PQ_T_STRING, .q = q};
	if (agg_row_order(t, c, sh, &ro))
		qsort_r(refs, nrefs, sizeof *refs, cmp_rows, &ro);
	for (size_t ri = 0; ri < nrefs && rc == 0; ri++) {
		const struct gt_pq_series *sr = &ss[refs[ri].s];
		size_t pi = refs[ri].p;
		int64_t ts = row_ts(&ro, &refs[ri]);
		for (uint32_t k = 0; k < ncols && rc == 0; k++) {
			struct gt_vec *v = &o->rows.cols[k];
			double x = r->type == GT_PQ_T_STRING ? 0 : sr->v[pi];
			if (cols[k].kind == 't') {
				rc = gt_vec_push_i64(v, ts);
			} else if (cols[k].kind == 'v') {
				if ((cols[k].field && !field_value(&rs[cols[k].field], sr, ts, &x)) || gt_pq_is_null(x))
					rc = gt_vec_push_null(v);   /* no value, or a NULL sample */
				else if (vtype == GT_STRING)
					rc = gt_vec_push_str(v, r->string ? r->string : "", r->string ? strlen(r->string) : 0);
				else if (vtype == GT_I64)
					rc = gt_vec_push_i64(v, (int64_t)x);
				else
					rc = gt_vec_push_f64(v, x);
			} else {
				const char *lv = label_of(&sr->labels, cols[k].name);
				rc = lv ? gt_vec_push_str(v, lv, strlen(lv)) : gt_vec_push_null(v);
			}
		}
		if (rc == 0)
			o->rows.nrows++;
	}
	free(refs);
	free(order);
	free(cols);
	return rc;
}

/*
 * A parse error as GreptimeDB's parser (the promql-parser crate) words
 * it into b: without Prometheus's "1:9: parse error: " position, and a
 * type error with the crate's type names and quotes ("expected type
 * vector in call to function 'abs', got scalar" where Prometheus says
 * "instant vector" and "abs").
 */
static int parse_error_text(struct gt_buf *b, const char *msg)
{
	static const char *const types[][2] = {{"instant vector", "vector"}, {"range vector", "matrix"}};
	const char *p = strstr(msg, "parse error: ");

	msg = p ? p + strlen("parse error: ") : msg;
	if (strncmp(msg, "expected type ", 14) != 0)
		return gt_buf_addstr(b, msg);
	for (p = msg; *p; p++) {
		size_t i;
		int rc;
		for (i = 0; i < GT_ARRAY_LEN(types); i++)
			if (strncmp(p, types[i][0], strlen(types[i][0])) == 0)
				break;
		if (i < GT_ARRAY_LEN(types)) {
			rc = gt_buf_addstr(b, types[i][1]);
			p += strlen(types[i][0]) - 1;
		} else {
			rc = gt_buf_addch(b, *p == '"' ? '\'' : *p);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* --- EXPLAIN: the plan of what ran --- */

/* What one selector's selections did, over every field's evaluation. */
struct sel_trace {
	const struct gt_pq_expr *sel;
	struct sql_plan scans;      /* its scans' nodes, as they ran */
	bool fetched;
	uint64_t rows;              /* read by its scans */
	uint64_t series, samples;   /* selected */
};

struct trace {
	struct sql_plan *pl;        /* the session's */
	struct gt_pq_source inner;  /* promstore's */
	struct gt_promstore_watch watch;
	struct sel_trace *sels;
	size_t n;
	struct sel_trace *cur;      /* the selection running */
};

static int trace_selectors(struct trace *tr, const struct gt_pq_expr *x)
{
	int rc = 0;

	switch (x->kind) {
	case GT_PQ_SELECTOR: {
		struct sel_trace *n = realloc(tr->sels, (tr->n + 1) * sizeof *n);
		if (!n)
			return GT_ENOMEM;
		tr->sels = n;
		tr->sels[tr->n++] = (struct sel_trace){.sel = x, .scans = {.dry = tr->pl->dry}};
		return 0;
	}
	case GT_PQ_SUBQUERY: return trace_selectors(tr, x->u.sub.e);
	case GT_PQ_PAREN: return trace_selectors(tr, x->u.paren);
	case GT_PQ_UNARY: return trace_selectors(tr, x->u.un.e);
	case GT_PQ_CALL:
		for (size_t i = 0; i < x->u.call.nargs && rc == 0; i++)
			rc = trace_selectors(tr, x->u.call.args[i]);
		return rc;
	case GT_PQ_AGG:
		if (x->u.agg.param && (rc = trace_selectors(tr, x->u.agg.param)) < 0)
			return rc;
		return trace_selectors(tr, x->u.agg.e);
	case GT_PQ_BINARY:
		if ((rc = trace_selectors(tr, x->u.bin.lhs)) < 0)
			return rc;
		return trace_selectors(tr, x->u.bin.rhs);
	default: return 0;
	}
}

static void trace_release(struct trace *tr)
{
	for (size_t i = 0; i < tr->n; i++)
		sql_plan_release(&tr->sels[i].scans);
	free(tr->sels);
}

static struct sel_trace *sel_trace_of(struct trace *tr, const struct gt_pq_expr *sel)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->sels[i].sel == sel)
			return &tr->sels[i];
	return NULL;
}

/* The source the evaluator reads under a plan: promstore's, knowing whose selection runs.
 * A selector is known by its matchers, the array the evaluator passes (pinned or not). */
static int traced_select(void *ctx, const struct gt_pq_matcher *m, size_t nm, int64_t mint, int64_t maxt, int nulls,
			 struct gt_pq_series **out, size_t *n, struct gt_err *err)
{
	struct trace *tr = ctx;
	int rc;

	tr->cur = NULL;
	for (size_t i = 0; i < tr->n && !tr->cur; i++)
		if (tr->sels[i].sel->u.sel.m == m)
			tr->cur = &tr->sels[i];
	rc = tr->inner.select(tr->inner.ctx, m, nm, mint, maxt, nulls, out, n, err);
	if (rc == 0 && tr->cur) {
		tr->cur->fetched = true;
		tr->cur->series += *n;
		for (size_t i = 0; i < *n; i++)
			tr->cur->samples += (*out)[i].n;
	}
	tr->cur = NULL;
	return rc;
}

/* promstore's watch: each scan a selection runs, under the selector running it. */
static bool watch_scan(void *ctx, const struct gt_table_info *ti, const struct gt_scan_req *req,
		       const struct gt_pq_matcher *const *post, size_t npost)
{
	struct trace *tr = ctx;
	if (!tr->cur)
		return tr->pl->dry;
	struct sql_plan *sp = &tr->cur->scans;
	bool dry = sql_plan_scan(sp, ti, req);
	sql_plan_merge(sp, ti, false);
	if (npost) {
		/* printed as a selector of those matchers alone: {host!="b"} */
		struct gt_pq_matcher *m = calloc(npost, sizeof *m);
		struct gt_pq_expr x = {.kind = GT_PQ_SELECTOR};
		struct gt_buf b = {0};
		for (size_t i = 0; m && i < npost; i++)
			m[i] = *post[i];
		x.u.sel.m = m;
		x.u.sel.nm = m ? npost : 0;
		if (!m || gt_pq_expr_print(&x, &b) < 0)
			sp->failed = GT_ENOMEM;
		sql_plan_add(sp, SQL_STAGE_FRONT, "SeriesFilter: %s", b.p ? b.p : "");
		gt_buf_release(&b);
		free(m);
	}
	return dry;
}

static void watch_scanned(void *ctx, uint64_t rows)
{
	struct trace *tr = ctx;
	if (tr->cur)
		tr->cur->rows += rows;
}

/* Node x's words (gt_pq_expr_print_node) after prefix, in b. */
static void node_text(struct gt_buf *b, const char *prefix, const struct gt_pq_expr *x)
{
	gt_buf_reset(b);
	gt_buf_addstr(b, prefix);
	gt_pq_expr_print_node(x, b);
}

/* x's subtree of the plan, bottom-up (sql-plan.h): its operands' subtrees, then its node. */
static void plan_node(struct trace *tr, const struct gt_pq_expr *x, struct gt_buf *b)
{
	static const char *const cards[] = {
		[GT_PQ_ONE_TO_ONE] = "one-to-one", [GT_PQ_MANY_TO_ONE] = "many-to-one",
		[GT_PQ_ONE_TO_MANY] = "one-to-many", [GT_PQ_MANY_TO_MANY] = "many-to-many",
	};
	struct sql_plan *pl = tr->pl;
	uint32_t nk = 0;

	switch (x->kind) {
	case GT_PQ_PAREN:
		plan_node(tr, x->u.paren, b);
		return;
	case GT_PQ_NUMBER:
	case GT_PQ_STRING:
		node_text(b, "Literal: ", x);
		break;
	case GT_PQ_SELECTOR: {
		struct sel_trace *st = sel_trace_of(tr, x);
		if (st && st->scans.n) {
			nk = st->scans.nroots;
			sql_plan_append(pl, &st->scans);
		} else if (st && st->fetched) {
			sql_plan_addn(pl, SQL_STAGE_FRONT, 0, "EmptyMetric: no table matches");
			nk = 1;
		}
		node_text(b, x->u.sel.range ? "MatrixSelector: " : "VectorSelector: ", x);
		if (pl->analyze && st)
			gt_buf_addf(b, " rows_scanned=%llu series=%llu samples=%llu", (unsigned long long)st->rows,
				    (unsigned long long)st->series, (unsigned long long)st->samples);
		break;
	}
	case GT_PQ_SUBQUERY:
		plan_node(tr, x->u.sub.e, b);
		nk = 1;
		node_text(b, "Subquery: ", x);
		if (!x->u.sub.step) {
			gt_buf_addstr(b, " step=");
			gt_pq_duration_print(b, GT_PQ_SUBQUERY_STEP_MS);
		}
		break;
	case GT_PQ_CALL:
		for (size_t i = 0; i < x->u.call.nargs; i++)
			plan_node(tr, x->u.call.args[i], b);
		nk = (uint32_t)x->u.call.nargs;
		node_text(b, "Function: ", x);
		break;
	case GT_PQ_AGG:
		if (x->u.agg.param)
			plan_node(tr, x->u.agg.param, b);
		plan_node(tr, x->u.agg.e, b);
		nk = x->u.agg.param ? 2 : 1;
		node_text(b, "Aggregate: ", x);
		break;
	case GT_PQ_BINARY:
		plan_node(tr, x->u.bin.lhs, b);
		plan_node(tr, x->u.bin.rhs, b);
		nk = 2;
		node_text(b, "BinaryOp: ", x);
		if (x->u.bin.lhs->type == GT_PQ_T_VECTOR && x->u.bin.rhs->type == GT_PQ_T_VECTOR)
			gt_buf_addf(b, " matching=%s", cards[x->u.bin.card]);
		break;
	case GT_PQ_UNARY:
		plan_node(tr, x->u.un.e, b);
		nk = 1;
		node_text(b, "Unary: ", x);
		break;
	}
	sql_plan_addn(pl, SQL_STAGE_FRONT, nk, "%s", b->p ? b->p : "");
}

/* The plan of x evaluated as q into the session's, its root the query's steps. */
static int plan_tql(struct trace *tr, const struct sql_stmt *st, const struct gt_pq_expr *x,
		    const struct gt_pq_query *q, const struct gt_pq_result *r, const struct gt_sql_result *res)
{
	struct gt_buf b = {0};
	char t0[64], t1[64];

	plan_node(tr, x, &b);
	sql_fmt_ts(t0, sizeof t0, q->start, GT_UNIT_MS);
	sql_fmt_ts(t1, sizeof t1, q->end, GT_UNIT_MS);
	gt_buf_reset(&b);
	gt_buf_addf(&b, "PromQL: range query start=%s end=%s step=", t0, t1);
	gt_pq_duration_print(&b, q->step);
	gt_buf_addstr(&b, " lookback=");
	gt_pq_duration_print(&b, q->lookback > 0 ? q->lookback : GT_PQ_LOOKBACK_MS);
	if (tr->pl->analyze && r) {
		uint64_t points = 0;
		size_t nseries = r->type == GT_PQ_T_SCALAR ? 1 : r->nseries;
		for (size_t i = 0; i < r->nseries; i++)
			points += r->series[i].n;
		if (r->type == GT_PQ_T_SCALAR)
			points = r->scalars.n;
		gt_buf_addf(&b, " output_series=%zu output_points=%llu", nseries, (unsigned long long)points);
	}
	if (st->verbose && res->n) {
		const struct gt_sql_output *o = &res->outs[res->n - 1];
		gt_buf_addstr(&b, " columns=[");
		for (uint32_t i = 0; i < o->ncols; i++)
			gt_buf_addf(&b, "%s%s", i ? ", " : "", o->cols[i].name);
		gt_buf_addch(&b, ']');
	}
	sql_plan_addn(tr->pl, SQL_STAGE_FRONT, 1, "%s", b.p ? b.p : "");
	gt_buf_release(&b);
	return tr->pl->failed;
}

/* Evaluate x once per value column of sh into r[0..nf), through tr when planning. */
static int eval_fields(struct tql *t, struct gt_pq_expr *x, const struct shape *sh, const struct gt_pq_query *q,
		       struct trace *tr, struct gt_pq_result *r, struct gt_sql_error *e)
{
	struct gt_promstore ps;
	struct gt_pq_source src;
	struct gt_err err = {0};
	int rc = 0;

	gt_promstore_init(&ps, t->s->db, t->s->dbname);
	gt_promstore_source(&ps, &src);
	if (tr) {
		tr->watch = (struct gt_promstore_watch){.ctx = tr, .scan = watch_scan, .scanned = watch_scanned};
		ps.watch = &tr->watch;
		tr->inner = src;
		src = (struct gt_pq_source){.ctx = tr, .select = traced_select};
	}
	for (uint32_t k = 0; k < (sh->nf ? sh->nf : 1) && rc == 0; k++) {
		if ((rc = pin_fields(t, k)) == 0)
			rc = gt_pq_eval(x, q, &src, &r[k], &err);
		unpin_fields(t);
		if (rc < 0 && strncmp(err.msg, "Execution error: ", 17) == 0)
			rc = sql_err(e, GT_STATUS_ENGINE_EXECUTE_QUERY, "%s", err.msg);
		else if (rc < 0)
			rc = rc == GT_ENOMEM && !err.msg[0] ? sql_nomem(e) : sql_engine_err(e, rc, &err);
	}
	return rc;
}

int sql_exec_tql(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e)
{
	struct gt_pq_query q = {0};
	struct gt_pq_expr *x = NULL;
	struct gt_pq_result *r = NULL;
	struct gt_err err = {0};
	struct tql t = {.s = s};
	struct shape sh = {0};
	struct trace tr = {.pl = s->plan};
	int64_t v[4] = {0, 0, 0, 0};
	int rc;

	if (st->ntql_args == 0)
		v[2] = 300000;   /* GreptimeDB's TQL EVAL without parameters: (0, 0, '5m') */
	else if (st->ntql_args < 3)
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
	q.greptime = 1;
	if ((rc = gt_pq_parse_as(st->text, 1, &x, &err)) < 0) {
		struct gt_buf msg = {0};
		if (rc != GT_ENOMEM && parse_error_text(&msg, err.msg) == 0)
			rc = sql_err(e, GT_STATUS_INVALID_SYNTAX, "%s", msg.p ? msg.p : "");
		else
			rc = sql_nomem(e);
		gt_buf_release(&msg);
		return rc;
	}
	if ((rc = check_selectors(x, e)) < 0 || (rc = plan(&t, x, &sh, e)) < 0)
		goto out;
	if (s->plan && trace_selectors(&tr, x) < 0) {
		rc = sql_nomem(e);
		goto out;
	}
	if (t.oom || !(r = calloc(sh.nf ? sh.nf : 1, sizeof *r))) {
		rc = sql_nomem(e);
		goto out;
	}
	if (x->type == GT_PQ_T_STRING) {
		/* a string literal: the engine answers it only for an instant query; GreptimeDB at every step */
		const struct gt_pq_expr *lit = x;
		while (lit->kind == GT_PQ_PAREN)
			lit = lit->u.paren;
		r[0].type = GT_PQ_T_STRING;
		if (!(r[0].string = strdup(lit->u.str))) {
			rc = sql_nomem(e);
			goto out;
		}
	} else if ((rc = eval_fields(&t, x, &sh, &q, s->plan ? &tr : NULL, r, e)) < 0) {
		goto out;
	}
	if ((rc = render(&t, x, &sh, st->name, &q, r, res)) < 0 ||
	    (s->plan && (rc = plan_tql(&tr, st, x, &q, r, res)) < 0))
		rc = sql_nomem(e);
out:
	trace_release(&tr);
	for (uint32_t k = 0; r && k < (sh.nf ? sh.nf : 1); k++)
		gt_pq_result_free(&r[k]);
	free(r);
	gt_pq_expr_free(x);
	for (size_t i = 0; i < t.nmem; i++)
		free(t.mem[i]);
	free(t.mem);
	return rc;
}
