/*
 * test-promql-eval.c - the PromQL evaluator over an in-memory series
 * source, with expression trees built by hand, against answers worked
 * out from Prometheus 2.42's rules (and checked with a real Prometheus
 * 2.42 where noted).
 */
#include <math.h>
#include <stdarg.h>

#include "buf.h"
#include "promql.h"
#include "tap.h"

/* --- an in-memory source --- */

struct mem_series {
	const char *labels[8]; /* name, value, ..., NULL; sorted by name */
	int64_t t[64];
	double v[64];
	size_t n;
};

static struct mem_series *mem;
static size_t nmem;
static int nselects;

static int mem_match(const struct gt_pq_matcher *m, const char *v)
{
	int eq = !strcmp(m->value, v);
	return m->op == GT_PQ_M_EQ ? eq : !eq;
}

static int mem_select(void *ctx, const struct gt_pq_matcher *m, size_t nm, int64_t mint, int64_t maxt, int nulls,
		      struct gt_pq_series **out, size_t *n, struct gt_err *err)
{
	nselects++;
	*out = calloc(nmem + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < nmem; i++) {
		struct mem_series *s = &mem[i];
		int ok = 1;
		for (size_t j = 0; j < nm && ok; j++) {
			const char *v = "";
			for (size_t k = 0; s->labels[k]; k += 2)
				if (!strcmp(s->labels[k], m[j].name))
					v = s->labels[k + 1];
			ok = mem_match(&m[j], v);
		}
		if (!ok)
			continue;
		struct gt_pq_series *o = &(*out)[(*n)++];
		size_t nl = 0;
		while (s->labels[nl])
			nl += 2;
		o->labels.n = nl / 2;
		o->labels.l = calloc(nl / 2 + 1, sizeof(*o->labels.l));
		for (size_t k = 0; k < nl; k += 2) {
			o->labels.l[k / 2].name = strdup(s->labels[k]);
			o->labels.l[k / 2].value = strdup(s->labels[k + 1]);
		}
		o->t = malloc((s->n + 1) * sizeof(int64_t));
		o->v = malloc((s->n + 1) * sizeof(double));
		for (size_t k = 0; k < s->n; k++) {
			if (s->t[k] < mint || s->t[k] > maxt)
				continue;
			o->t[o->n] = s->t[k];
			o->v[o->n++] = s->v[k];
		}
	}
	return 0;
}

static const struct gt_pq_source src = {.select = mem_select};

/* --- trees by hand: every allocation kept in a list, freed at the end --- */

static void *kept[4096];
static size_t nkept;

static void *keep(void *p)
{
	if (nkept < GT_ARRAY_LEN(kept))
		kept[nkept++] = p;
	return p;
}

static void free_kept(void)
{
	while (nkept)
		free(kept[--nkept]);
}


static struct gt_pq_expr *node(enum gt_pq_kind k, enum gt_pq_type t)
{
	struct gt_pq_expr *e = keep(calloc(1, sizeof(*e)));
	e->kind = k;
	e->type = t;
	return e;
}

static struct gt_pq_expr *num(double v)
{
	struct gt_pq_expr *e = node(GT_PQ_NUMBER, GT_PQ_T_SCALAR);
	e->u.num = v;
	return e;
}

static struct gt_pq_expr *str(const char *s)
{
	struct gt_pq_expr *e = node(GT_PQ_STRING, GT_PQ_T_STRING);
	e->u.str = keep(strdup(s));
	return e;
}

/* sel("m", "job", "=", "a", NULL) */
static struct gt_pq_expr *sel(const char *metric, ...)
{
	struct gt_pq_expr *e = node(GT_PQ_SELECTOR, GT_PQ_T_VECTOR);
	e->u.sel.metric = keep(strdup(metric));
	e->u.sel.m = keep(calloc(8, sizeof(*e->u.sel.m)));
	e->u.sel.m[0] = (struct gt_pq_matcher){.name = keep(strdup("__name__")), .value = keep(strdup(metric))};
	e->u.sel.nm = 1;
	va_list ap;
	va_start(ap, metric);
	const char *n;
	while ((n = va_arg(ap, const char *))) {
		const char *op = va_arg(ap, const char *), *v = va_arg(ap, const char *);
		e->u.sel.m[e->u.sel.nm++] = (struct gt_pq_matcher){
			.name = keep(strdup(n)), .value = keep(strdup(v)), .op = op[0] == '!' ? GT_PQ_M_NE : GT_PQ_M_EQ};
	}
	va_end(ap);
	return e;
}

static struct gt_pq_expr *rng(struct gt_pq_expr *e, int64_t range)
{
	e->u.sel.range = range;
	e->type = GT_PQ_T_MATRIX;
	return e;
}

static struct gt_pq_expr *call(const char *name, enum gt_pq_type ret, int nargs, ...)
{
	struct gt_pq_func *f = keep(calloc(1, sizeof(*f)));
	f->name = name;
	f->ret = ret;
	struct gt_pq_expr *e = node(GT_PQ_CALL, ret);
	e->u.call.fn = f;
	e->u.call.args = keep(calloc((size_t)nargs + 1, sizeof(*e->u.call.args)));
	va_list ap;
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++)
		e->u.call.args[i] = va_arg(ap, struct gt_pq_expr *);
	va_end(ap);
	e->u.call.nargs = (size_t)nargs;
	return e;
}

static struct gt_pq_expr *agg(enum gt_pq_aggop op, struct gt_pq_expr *x, struct gt_pq_expr *param, int without,
			      const char *g1, const char *g2)
{
	struct gt_pq_expr *e = node(GT_PQ_AGG, GT_PQ_T_VECTOR);
	e->u.agg.op = op;
	e->u.agg.e = x;
	e->u.agg.param = param;
	e->u.agg.without = without;
	e->u.agg.by = !without;
	e->u.agg.grouping = keep(calloc(3, sizeof(char *)));
	if (g1)
		e->u.agg.grouping[e->u.agg.ngrouping++] = keep(strdup(g1));
	if (g2)
		e->u.agg.grouping[e->u.agg.ngrouping++] = keep(strdup(g2));
	return e;
}

static struct gt_pq_expr *bin(enum gt_pq_binop op, struct gt_pq_expr *l, struct gt_pq_expr *r)
{
	struct gt_pq_expr *e = node(GT_PQ_BINARY,
				    l->type == GT_PQ_T_SCALAR && r->type == GT_PQ_T_SCALAR ? GT_PQ_T_SCALAR
											    : GT_PQ_T_VECTOR);
	e->u.bin.op = op;
	e->u.bin.lhs = l;
	e->u.bin.rhs = r;
	e->u.bin.card = op >= GT_PQ_AND ? GT_PQ_MANY_TO_MANY : GT_PQ_ONE_TO_ONE;
	e->u.bin.labels = keep(calloc(4, sizeof(char *)));
	e->u.bin.include = keep(calloc(4, sizeof(char *)));
	return e;
}

static struct gt_pq_expr *on(struct gt_pq_expr *e, int is_on, const char *l1)
{
	e->u.bin.on = is_on;
	if (l1)
		e->u.bin.labels[e->u.bin.nlabels++] = keep(strdup(l1));
	return e;
}

static struct gt_pq_expr *subq(struct gt_pq_expr *x, int64_t range, int64_t step)
{
	struct gt_pq_expr *e = node(GT_PQ_SUBQUERY, GT_PQ_T_MATRIX);
	e->u.sub.e = x;
	e->u.sub.range = range;
	e->u.sub.step = step;
	return e;
}

/* --- running and showing --- */

static struct gt_pq_result res;
static struct gt_err err;

static int run_range(const struct gt_pq_expr *e, int64_t start, int64_t end, int64_t step)
{
	struct gt_pq_query q = {.start = start, .end = end, .step = step};
	gt_pq_result_free(&res);
	memset(&err, 0, sizeof(err));
	return gt_pq_eval(e, &q, &src, &res, &err);
}

static int run_instant(const struct gt_pq_expr *e, int64_t t)
{
	struct gt_pq_query q = {.start = t, .end = t, .instant = 1};
	gt_pq_result_free(&res);
	memset(&err, 0, sizeof(err));
	return gt_pq_eval(e, &q, &src, &res, &err);
}

/* The result as text: "{job=a} 0:1 15:2; {..} ..." (times in seconds). */
static const char *show(void)
{
	static struct gt_buf b;
	gt_buf_reset(&b);
	if (res.type == GT_PQ_T_SCALAR) {
		if (res.scalars.n) {
			for (size_t i = 0; i < res.scalars.n; i++)
				gt_buf_addf(&b, "%s%lld:%g", i ? " " : "", (long long)(res.scalars.t[i] / 1000),
					    res.scalars.v[i]);
		} else {
			gt_buf_addf(&b, "%g", res.scalar);
		}
		return b.p;
	}
	for (size_t i = 0; i < res.nseries; i++) {
		const struct gt_pq_series *s = &res.series[i];
		gt_buf_addstr(&b, i ? "; {" : "{");
		for (size_t k = 0; k < s->labels.n; k++)
			gt_buf_addf(&b, "%s%s=%s", k ? "," : "", s->labels.l[k].name, s->labels.l[k].value);
		gt_buf_addch(&b, '}');
		for (size_t k = 0; k < s->n; k++)
			gt_buf_addf(&b, " %lld:%g", (long long)(s->t[k] / 1000), s->v[k]);
	}
	return b.p ? b.p : "";
}

static void is(const char *got, const char *want, const char *what)
{
	if (!ok(!strcmp(got, want), "%s", what))
		printf("#   got:  %s\n#   want: %s\n", got, want);
}

static double stale_nan(void)
{
	uint64_t b = GT_PQ_STALE_BITS;
	double d;
	memcpy(&d, &b, sizeof(d));
	return d;
}

static struct mem_series data[] = {
	/* every 15 s from 0 to 150 s, values 0..10 */
	{.labels = {"__name__", "m", "inst", "1", "job", "a", NULL}},
	/* every 30 s from 0 to 150 s, values 10, 20, ... */
	{.labels = {"__name__", "m", "inst", "2", "job", "a", NULL}},
	{.labels = {"__name__", "m", "inst", "1", "job", "b", NULL}},
	/* 0 s, 15 s, then a staleness marker at 30 s */
	{.labels = {"__name__", "gone", "job", "a", NULL}},
	/* one sample at 0 s */
	{.labels = {"__name__", "once", "job", "a", NULL}},
	{.labels = {"__name__", "other", "inst", "1", "job", "a", NULL}},
};

static void load(void)
{
	mem = data;
	nmem = GT_ARRAY_LEN(data);
	for (int i = 0; i <= 10; i++) {
		data[0].t[i] = i * 15000;
		data[0].v[i] = i;
	}
	data[0].n = 11;
	for (int i = 0; i <= 5; i++) {
		data[1].t[i] = i * 30000;
		data[1].v[i] = (i + 1) * 10;
		data[2].t[i] = i * 30000;
		data[2].v[i] = 100;
		data[5].t[i] = i * 30000;
		data[5].v[i] = 2;
	}
	data[1].n = data[2].n = data[5].n = 6;
	data[3].t[0] = 0;
	data[3].v[0] = 1;
	data[3].t[1] = 15000;
	data[3].v[1] = 2;
	data[3].t[2] = 30000;
	data[3].v[2] = stale_nan();
	data[3].n = 3;
	data[4].t[0] = 0;
	data[4].v[0] = 7;
	data[4].n = 1;
}

static void test_selectors(void)
{
	ok(run_instant(sel("m", "job", "=", "a", NULL), 20000) == 0, "instant selector");
	is(show(), "{__name__=m,inst=1,job=a} 20:1; {__name__=m,inst=2,job=a} 20:10", "last sample at or before t");

	run_range(sel("gone", NULL), 0, 60000, 15000);
	is(show(), "{__name__=gone,job=a} 0:1 15:2", "a staleness marker ends the series");

	/* Prometheus 2.42 includes a sample exactly lookback old. */
	run_range(sel("once", NULL), 290000, 310000, 10000);
	is(show(), "{__name__=once,job=a} 290:7 300:7", "lookback 5m, left end included");

	nselects = 0;
	run_range(bin(GT_PQ_ADD, sel("m", "job", "=", "b", NULL), sel("m", "job", "=", "b", NULL)), 0, 150000, 30000);
	ok(nselects == 2, "one select per selector per query (%d)", nselects);

	struct gt_pq_expr *o = sel("m", "inst", "=", "1", "job", "=", "a", NULL);
	o->u.sel.offset = 30000;
	run_range(o, 30000, 60000, 15000);
	is(show(), "{__name__=m,inst=1,job=a} 30:0 45:1 60:2", "offset");

	struct gt_pq_expr *at = sel("m", "inst", "=", "1", "job", "=", "a", NULL);
	at->u.sel.at = GT_PQ_AT_TIME;
	at->u.sel.at_time = 45000;
	run_range(at, 0, 30000, 15000);
	is(show(), "{__name__=m,inst=1,job=a} 0:3 15:3 30:3", "@ pins every step");

	struct gt_pq_expr *ae = sel("m", "inst", "=", "1", "job", "=", "a", NULL);
	ae->u.sel.at = GT_PQ_AT_END;
	run_range(ae, 0, 30000, 15000);
	is(show(), "{__name__=m,inst=1,job=a} 0:2 15:2 30:2", "@ end()");

	ok(run_instant(rng(sel("m", "inst", "=", "1", "job", "=", "a", NULL), 30000), 60000) == 0, "range selector");
	is(show(), "{__name__=m,inst=1,job=a} 30:2 45:3 60:4", "range [t-30s, t] both ends included (2.42)");

	ok(run_instant(rng(sel("gone", NULL), 60000), 60000) == 0 && res.type == GT_PQ_T_MATRIX, "matrix result");
	is(show(), "{__name__=gone,job=a} 0:1 15:2", "range drops staleness markers");
}

static void test_errors(void)
{
	ok(run_range(sel("m", NULL), 0, 11001 * 1000, 1000) == GT_ETOOBIG, "over 11,000 points");
	is(err.msg,
	   "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
	   "(?step=XX)",
	   "its message");
	ok(run_range(sel("m", NULL), 0, 11000 * 1000, 1000) == 0, "11,000 steps are fine");
	ok(run_range(rng(sel("m", NULL), 60000), 0, 60000, 15000) == GT_EINVAL, "range query of a matrix");
	is(err.msg, "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector",
	   "its message");
}

static void test_agg(void)
{
	run_instant(agg(GT_PQ_SUM, sel("m", NULL), NULL, 0, "job", NULL), 30000);
	is(show(), "{job=a} 30:22; {job=b} 30:100", "sum by (job)");
	run_instant(agg(GT_PQ_SUM, sel("m", NULL), NULL, 0, NULL, NULL), 30000);
	is(show(), "{} 30:122", "sum");
	run_instant(agg(GT_PQ_AVG, sel("m", NULL), NULL, 1, "inst", NULL), 30000);
	is(show(), "{job=a} 30:11; {job=b} 30:100", "avg without (inst) drops __name__");
	run_instant(agg(GT_PQ_COUNT, sel("m", NULL), NULL, 0, "inst", NULL), 30000);
	is(show(), "{inst=1} 30:2; {inst=2} 30:1", "count by (inst)");
	run_instant(agg(GT_PQ_MAX, sel("m", NULL), NULL, 0, NULL, NULL), 30000);
	is(show(), "{} 30:100", "max");
	run_instant(agg(GT_PQ_MIN, sel("m", NULL), NULL, 0, NULL, NULL), 30000);
	is(show(), "{} 30:2", "min");
	run_instant(agg(GT_PQ_GROUP, sel("m", NULL), NULL, 0, "job", NULL), 30000);
	is(show(), "{job=a} 30:1; {job=b} 30:1", "group");
	run_instant(agg(GT_PQ_STDVAR, sel("m", "job", "=", "a", NULL), NULL, 0, NULL, NULL), 30000);
	is(show(), "{} 30:81", "stdvar");
	run_instant(agg(GT_PQ_STDDEV, sel("m", "job", "=", "a", NULL), NULL, 0, NULL, NULL), 30000);
	is(show(), "{} 30:9", "stddev");
	run_instant(agg(GT_PQ_TOPK, sel("m", NULL), num(2), 0, NULL, NULL), 30000);
	is(show(), "{__name__=m,inst=1,job=b} 30:100; {__name__=m,inst=2,job=a} 30:20", "topk keeps labels, sorted");
	run_instant(agg(GT_PQ_BOTTOMK, sel("m", NULL), num(1), 0, "job", NULL), 30000);
	is(show(), "{__name__=m,inst=1,job=a} 30:2; {__name__=m,inst=1,job=b} 30:100", "bottomk by (job)");
	run_instant(agg(GT_PQ_COUNT_VALUES, sel("m", NULL), str("v"), 0, NULL, NULL), 30000);
	is(show(), "{v=2} 30:1; {v=100} 30:1; {v=20} 30:1", "count_values, groups in order of appearance");
	ok(run_instant(agg(GT_PQ_COUNT_VALUES, sel("m", NULL), str("1x"), 0, NULL, NULL), 30000) == GT_EINVAL,
	   "count_values with a bad label name");
	is(err.msg, "invalid label name \"1x\"", "its message");

	ok(run_instant(agg(GT_PQ_TOPK, sel("m", NULL), call("scalar", GT_PQ_T_SCALAR, 1, sel("nothing", NULL)), 0, NULL,
			   NULL),
		       30000) == GT_EINVAL,
	   "topk(NaN, ...)");
	is(err.msg, "Scalar value NaN overflows int64", "its message (Go's %%v)");
	ok(run_instant(agg(GT_PQ_TOPK, sel("m", NULL), num(1e30), 0, NULL, NULL), 30000) == GT_EINVAL, "topk(1e30)");
	is(err.msg, "Scalar value 1e+30 overflows int64", "its message");

	/* A step-invariant aggregation takes its parameter at the first
	 * step only, as Prometheus does: k is 1 at 0 s, 2 later. */
	struct gt_pq_expr *pinned = sel("m", NULL);
	pinned->u.sel.at = GT_PQ_AT_TIME;
	pinned->u.sel.at_time = 30000;
	struct gt_pq_expr *k = bin(GT_PQ_ADD, num(1), bin(GT_PQ_GTE, call("time", GT_PQ_T_SCALAR, 0), num(15)));
	k->u.bin.rhs->u.bin.bool_mod = 1;
	run_range(agg(GT_PQ_TOPK, pinned, k, 0, NULL, NULL), 0, 30000, 15000);
	is(show(), "{__name__=m,inst=1,job=b} 0:100 15:100 30:100", "topk(k, x @ t) evaluated once");

	run_range(agg(GT_PQ_SUM, sel("m", "job", "=", "a", NULL), NULL, 0, NULL, NULL), 0, 60000, 15000);
	is(show(), "{} 0:10 15:11 30:22 45:23 60:34", "sum over a range");
}

static void test_binary(void)
{
	run_instant(bin(GT_PQ_MUL, sel("m", "job", "=", "b", NULL), num(2)), 30000);
	is(show(), "{inst=1,job=b} 30:200", "vector * scalar drops __name__");
	run_instant(bin(GT_PQ_GTR, sel("m", NULL), num(5)), 30000);
	is(show(), "{__name__=m,inst=1,job=b} 30:100; {__name__=m,inst=2,job=a} 30:20", "comparison filters");
	struct gt_pq_expr *b = bin(GT_PQ_GTR, sel("m", NULL), num(5));
	b->u.bin.bool_mod = 1;
	run_instant(b, 30000);
	is(show(), "{inst=1,job=a} 30:0; {inst=1,job=b} 30:1; {inst=2,job=a} 30:1", "bool drops __name__");
	run_instant(bin(GT_PQ_LSS, num(5), sel("m", NULL)), 30000);
	is(show(), "{__name__=m,inst=1,job=b} 30:100; {__name__=m,inst=2,job=a} 30:20",
	   "scalar < vector keeps the vector's value");
	run_instant(bin(GT_PQ_SUB, num(1), num(3)), 0);
	is(show(), "-2", "scalar - scalar");

	run_instant(bin(GT_PQ_ADD, sel("m", NULL), sel("m", NULL)), 30000);
	is(show(), "{inst=1,job=a} 30:4; {inst=1,job=b} 30:200; {inst=2,job=a} 30:40", "vector + vector");
	run_instant(bin(GT_PQ_DIV, sel("m", "inst", "=", "1", "job", "=", "a", NULL), sel("other", NULL)), 30000);
	is(show(), "{inst=1,job=a} 30:1", "one-to-one ignores __name__ when matching");

	struct gt_pq_expr *dup = on(bin(GT_PQ_ADD, sel("other", NULL), sel("m", NULL)), 1, "job");
	ok(run_instant(dup, 30000) == GT_EINVAL, "many on the one side");
	is(err.msg,
	   "found duplicate series for the match group {job=\"a\"} on the right hand-side of the operation: "
	   "[{__name__=\"m\", inst=\"2\", job=\"a\"}, {__name__=\"m\", inst=\"1\", job=\"a\"}];many-to-many matching "
	   "not allowed: matching labels must be unique on one side",
	   "Prometheus's words");
	struct gt_pq_expr *many = on(bin(GT_PQ_ADD, sel("m", NULL), sel("other", NULL)), 1, "job");
	ok(run_instant(many, 30000) == GT_EINVAL, "one-to-one with many on the left");
	is(err.msg, "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
	   "its message");
	struct gt_pq_expr *gl = on(bin(GT_PQ_MUL, sel("m", "job", "=", "a", NULL), sel("other", NULL)), 1, "job");
	gl->u.bin.card = GT_PQ_MANY_TO_ONE;
	run_instant(gl, 30000);
	is(show(), "{inst=1,job=a} 30:4; {inst=2,job=a} 30:40", "group_left");
	struct gt_pq_expr *gr = on(bin(GT_PQ_SUB, sel("other", NULL), sel("m", "job", "=", "a", NULL)), 1, "job");
	gr->u.bin.card = GT_PQ_ONE_TO_MANY;
	run_instant(gr, 30000);
	is(show(), "{inst=1,job=a} 30:0; {inst=2,job=a} 30:-18", "group_right");
	gr->u.bin.include[gr->u.bin.ninclude++] = keep(strdup("inst"));
	ok(run_instant(gr, 30000) == GT_EINVAL, "group_right(inst) copying one inst onto both");
	is(err.msg, "multiple matches for labels: grouping labels must ensure unique matches", "its message");

	run_instant(bin(GT_PQ_AND, sel("m", NULL), sel("other", NULL)), 30000);
	is(show(), "{__name__=m,inst=1,job=a} 30:2", "and");
	run_instant(bin(GT_PQ_UNLESS, sel("m", NULL), sel("other", NULL)), 30000);
	is(show(), "{__name__=m,inst=1,job=b} 30:100; {__name__=m,inst=2,job=a} 30:20", "unless");
	run_instant(bin(GT_PQ_OR, sel("m", "job", "=", "b", NULL), sel("other", NULL)), 30000);
	is(show(), "{__name__=m,inst=1,job=b} 30:100; {__name__=other,inst=1,job=a} 30:2", "or");
	run_range(bin(GT_PQ_OR, sel("gone", NULL), sel("once", NULL)), 0, 30000, 15000);
	is(show(), "{__name__=gone,job=a} 0:1 15:2; {__name__=once,job=a} 30:7",
	   "or: the right side only where the left has nothing");
}

static void test_functions(void)
{
	run_range(call("time", GT_PQ_T_SCALAR, 0), 0, 30000, 15000);
	is(show(), "0:0 15:15 30:30", "time()");
	run_instant(call("vector", GT_PQ_T_VECTOR, 1, num(3)), 30000);
	is(show(), "{} 30:3", "vector()");
	run_instant(call("scalar", GT_PQ_T_SCALAR, 1, sel("m", "job", "=", "b", NULL)), 30000);
	is(show(), "100", "scalar() of one series");
	run_instant(call("scalar", GT_PQ_T_SCALAR, 1, sel("m", NULL)), 30000);
	is(show(), "nan", "scalar() of three is NaN");
	run_instant(call("timestamp", GT_PQ_T_VECTOR, 1, sel("m", "job", "=", "b", NULL)), 40000);
	is(show(), "{inst=1,job=b} 40:30", "timestamp() of a selector is the sample's");
	run_range(call("absent", GT_PQ_T_VECTOR, 1, sel("gone", "job", "=", "a", "x", "!", "y", NULL)), 0, 45000,
		  15000);
	is(show(), "{job=a} 30:1 45:1", "absent() with labels from = matchers");
	run_range(call("absent_over_time", GT_PQ_T_VECTOR, 1, rng(sel("gone", NULL), 15000)), 0, 60000, 15000);
	is(show(), "{} 45:1 60:1", "absent_over_time()");
	run_instant(call("sort_desc", GT_PQ_T_VECTOR, 1, sel("m", NULL)), 30000);
	is(show(), "{__name__=m,inst=1,job=b} 30:100; {__name__=m,inst=2,job=a} 30:20; {__name__=m,inst=1,job=a} 30:2",
	   "sort_desc");
	run_instant(call("sort", GT_PQ_T_VECTOR, 1, sel("m", NULL)), 30000);
	is(show(), "{__name__=m,inst=1,job=a} 30:2; {__name__=m,inst=2,job=a} 30:20; {__name__=m,inst=1,job=b} 30:100",
	   "sort");

	/* A subquery answers at the multiples of its step. */
	run_instant(subq(sel("m", "job", "=", "b", NULL), 60000, 20000), 70000);
	is(show(), "{__name__=m,inst=1,job=b} 20:100 40:100 60:100", "subquery steps aligned to multiples of 20s");
}

/* --- queries as text, through the parser --- */

static int q_range(const char *q, int64_t start, int64_t end, int64_t step)
{
	struct gt_pq_expr *e = NULL;
	memset(&err, 0, sizeof(err));
	int rc = gt_pq_parse(q, &e, &err);
	if (!rc)
		rc = run_range(e, start, end, step);
	gt_pq_expr_free(e);
	return rc;
}

static int q_instant(const char *q, int64_t t)
{
	struct gt_pq_expr *e = NULL;
	memset(&err, 0, sizeof(err));
	int rc = gt_pq_parse(q, &e, &err);
	if (!rc)
		rc = run_instant(e, t);
	gt_pq_expr_free(e);
	return rc;
}

static void test_parsed(void)
{
	q_range("rate(m{job=\"b\"}[1m])", 60000, 120000, 30000);
	is(show(), "{inst=1,job=b} 60:0 90:0 120:0", "rate drops __name__");
	q_range("delta(m{inst=\"1\",job=\"a\"}[30s])", 60000, 90000, 30000);
	is(show(), "{inst=1,job=a} 60:2 90:2", "delta over [t-30s, t] with both ends");
	q_range("last_over_time(gone[20s])", 0, 60000, 15000);
	is(show(), "{__name__=gone,job=a} 0:1 15:2 30:2", "last_over_time keeps __name__, skips the marker");
	q_instant("max_over_time(m{job=\"b\"}[1m:20s] offset 10s)", 70000);
	is(show(), "{inst=1,job=b} 70:100", "subquery with offset");
	q_range("m{inst=\"1\",job=\"a\"} @ 30 offset 15s", 0, 30000, 15000);
	is(show(), "{__name__=m,inst=1,job=a} 0:1 15:1 30:1", "@ with offset");
	q_range("sum_over_time(m{inst=\"1\",job=\"a\"}[30s:15s] @ end())", 0, 60000, 30000);
	is(show(), "{inst=1,job=a} 0:9 30:9 60:9", "subquery @ end()");
	q_instant("absent(m{job=~\"x.*\", inst=\"9\"})", 30000);
	is(show(), "{inst=9} 30:1", "absent keeps = matchers only");
	q_instant("label_replace(m{job=\"b\"}, \"j\", \"$1-x\", \"job\", \"(.*)\")", 30000);
	is(show(), "{__name__=m,inst=1,j=b-x,job=b} 30:100", "label_replace");
	q_instant("label_join(m{job=\"b\"}, \"job\", \"\", \"inst\", \"inst\")", 30000);
	is(show(), "{__name__=m,inst=1,job=11} 30:100", "label_join");
	ok(q_instant("label_replace(m, \"job\", \"x\", \"job\", \".*\")", 30000) == GT_EINVAL, "relabelled alike");
	is(err.msg, "vector cannot contain metrics with the same labelset", "its message");
	q_instant("count_values without (inst) (\"value\", m)", 30000);
	is(show(), "{job=a,value=2} 30:1; {job=b,value=100} 30:1; {job=a,value=20} 30:1", "count_values without");
	q_instant("m * on (job) group_left (v) label_replace(other, \"v\", \"x\", \"\", \"\")", 30000);
	is(show(), "{inst=1,job=a,v=x} 30:4; {inst=2,job=a,v=x} 30:40", "group_left copies a label");
	q_instant("m unless on (job) other", 30000);
	is(show(), "{__name__=m,inst=1,job=b} 30:100", "unless on (job)");
	q_instant("vector(1) or on () m", 30000);
	is(show(), "{} 30:1", "or on ()");
	q_instant("quantile(0.5, m)", 30000);
	is(show(), "{} 30:20", "quantile");
	q_instant("-m{job=\"b\"}", 30000);
	is(show(), "{inst=1,job=b} 30:-100", "unary minus drops __name__");
	q_instant("scalar(m{job=\"b\"}) * 2 + time()", 30000);
	is(show(), "230", "scalar arithmetic");
	ok(q_range("m{job=\"b\"}[1m:15s]", 0, 60000, 15000) == GT_EINVAL, "range query of a subquery");
	ok(q_instant("m{job=\"b\"}[1m:15s]", 60000) == 0 && res.type == GT_PQ_T_MATRIX, "instant query of a subquery");
	is(show(), "{__name__=m,inst=1,job=b} 0:100 15:100 30:100 45:100 60:100", "steps at multiples of 15 s");
	q_instant("holt_winters(m[1m], 0.5, 0.5)", 60000);
	ok(q_instant("holt_winters(m[1m], 1.5, 0.5)", 60000) == GT_EINVAL, "holt_winters checks its factors");
	is(err.msg, "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.500000", "its message");
}

int main(void)
{
	load();
	test_selectors();
	test_errors();
	test_agg();
	test_binary();
	test_functions();
	test_parsed();
	gt_pq_result_free(&res);
	free_kept();
	return tap_done();
}
