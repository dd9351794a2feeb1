/*
 * sql-plan.c - EXPLAIN's plan nodes and their rendering (sql-plan.h).
 */
#include <stdarg.h>
#include "sql-ast.h"
#include "sql-plan.h"
#include "catalog.h"
#include "region.h"

/* Room for `more` nodes. */
static int grow(struct sql_plan *pl, uint32_t more)
{
	if (pl->n + more <= pl->cap)
		return 0;
	uint32_t cap = pl->cap ? pl->cap : 8;
	while (cap < pl->n + more)
		cap *= 2;
	struct sql_plan_node *nn = gt_reallocarray(pl->nodes, cap, sizeof(*nn));
	if (!nn)
		return pl->failed = GT_ENOMEM;
	pl->nodes = nn;
	pl->cap = cap;
	return 0;
}

static void vadd(struct sql_plan *pl, int stage, uint32_t nkids, const char *fmt, va_list ap)
{
	va_list ap2;
	if (!pl || pl->failed || grow(pl, 1) < 0)
		return;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	char *text = n >= 0 ? gt_malloc((size_t)n + 1) : NULL;
	if (text)
		vsnprintf(text, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	if (!text) {
		pl->failed = GT_ENOMEM;
		return;
	}
	if (nkids > pl->nroots)
		nkids = pl->nroots;
	pl->nodes[pl->n++] = (struct sql_plan_node){.stage = (uint8_t)stage, .nkids = nkids, .text = text};
	pl->nroots = pl->nroots - nkids + 1;
}

void sql_plan_add(struct sql_plan *pl, int stage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(pl, stage, 1, fmt, ap);
	va_end(ap);
}

void sql_plan_addn(struct sql_plan *pl, int stage, uint32_t nkids, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(pl, stage, nkids, fmt, ap);
	va_end(ap);
}

void sql_plan_append(struct sql_plan *dst, struct sql_plan *src)
{
	if (!dst->failed && !src->failed && grow(dst, src->n) == 0) {
		memcpy(dst->nodes + dst->n, src->nodes, src->n * sizeof(*src->nodes));
		dst->n += src->n;
		dst->nroots += src->nroots;
		src->n = 0;   /* the texts are dst's now */
	} else if (!dst->failed) {
		dst->failed = GT_ENOMEM;
	}
	sql_plan_release(src);
}

void sql_plan_release(struct sql_plan *pl)
{
	for (uint32_t i = 0; i < pl->n; i++)
		free(pl->nodes[i].text);
	free(pl->nodes);
	memset(pl, 0, sizeof(*pl));
}

/* The tree of a post-order recording: each node's parent (UINT32_MAX for
 * a root) and the first node of its subtree. */
struct tree {
	uint32_t *parent, *first;
};

static int tree_build(const struct sql_plan *pl, struct tree *t)
{
	uint32_t *stack = gt_calloc(pl->n + 1, sizeof(*stack)), sp = 0;
	t->parent = gt_calloc(pl->n + 1, sizeof(*t->parent));
	t->first = gt_calloc(pl->n + 1, sizeof(*t->first));
	if (!stack || !t->parent || !t->first) {
		free(stack);
		return GT_ENOMEM;
	}
	for (uint32_t i = 0; i < pl->n; i++) {
		uint32_t k = pl->nodes[i].nkids <= sp ? pl->nodes[i].nkids : sp;
		t->parent[i] = UINT32_MAX;
		t->first[i] = k ? t->first[stack[sp - k]] : i;
		for (uint32_t j = sp - k; j < sp; j++)
			t->parent[stack[j]] = i;
		sp -= k;
		stack[sp++] = i;
	}
	free(stack);
	return 0;
}

/* Node i's subtree top-down: the nodes of one stage (all when stage < 0),
 * each indented under its nearest shown ancestor. */
static int render_node(const struct sql_plan *pl, const struct tree *t, uint32_t i, int stage, int depth,
		       struct gt_buf *b)
{
	const struct sql_plan_node *nd = &pl->nodes[i];
	int rc = 0;
	if (stage < 0 || nd->stage == stage) {
		for (int k = 0; k < depth; k++)
			rc |= gt_buf_addstr(b, "  ");
		rc |= gt_buf_addstr(b, nd->text);
		rc |= gt_buf_addch(b, '\n');
		depth++;
	}
	for (uint32_t j = t->first[i]; j < i && rc == 0; j++)
		if (t->parent[j] == i)
			rc = render_node(pl, t, j, stage, depth, b);
	return rc < 0 ? GT_ENOMEM : 0;
}

static int render(const struct sql_plan *pl, int stage, struct gt_buf *b)
{
	struct tree t = {0};
	int rc = tree_build(pl, &t);
	for (uint32_t i = 0; rc == 0 && i < pl->n; i++)
		if (t.parent[i] == UINT32_MAX)
			rc = render_node(pl, &t, i, stage, 0, b);
	free(t.parent);
	free(t.first);
	return rc;
}

static int push_cell(struct gt_vec *v, struct gt_buf *b)
{
	size_t n = b->len;
	if (n && b->p[n - 1] == '\n')
		n--;
	return gt_vec_push_str(v, b->p ? b->p : "", (uint32_t)n);
}

int sql_plan_output(const struct sql_plan *pl, uint64_t total_rows, double ms, struct gt_sql_result *res,
		    struct gt_sql_error *e)
{
	struct gt_buf b = {0};
	int rc = pl->failed;
	if (rc < 0)
		return sql_nomem(e);
	if (!pl->analyze) {
		static const char *const names[] = {"plan_type", "plan"};
		struct gt_sql_output *o = sql_out_table(res, names, NULL, 2);
		if (!o)
			return sql_nomem(e);
		if (render(pl, -1, &b) < 0 || gt_vec_push_str(&o->rows.cols[0], "physical_plan", 13) < 0 ||
		    push_cell(&o->rows.cols[1], &b) < 0)
			rc = sql_nomem(e);
		else
			o->rows.nrows = 1;
		gt_buf_release(&b);
		return rc;
	}
	static const char *const names[] = {"stage", "node", "plan"};
	static const uint8_t types[] = {GT_U64, GT_U64, GT_STRING};
	struct gt_sql_output *o = sql_out_table(res, names, types, 3);
	if (!o)
		return sql_nomem(e);
	for (int st = SQL_STAGE_FRONT; st <= SQL_STAGE_REGION && rc == 0; st++) {
		gt_buf_reset(&b);
		if (render(pl, st, &b) < 0)
			rc = GT_ENOMEM;
		if (rc == 0 && b.len) {
			if (gt_vec_push_u64(&o->rows.cols[0], (uint64_t)st) < 0 ||
			    gt_vec_push_u64(&o->rows.cols[1], 0) < 0 || push_cell(&o->rows.cols[2], &b) < 0)
				rc = GT_ENOMEM;
			o->rows.nrows++;
		}
	}
	gt_buf_reset(&b);
	if (rc == 0 && (gt_buf_addf(&b, "Total rows: %llu, %.3f ms", (unsigned long long)total_rows, ms) < 0 ||
			gt_vec_push_null(&o->rows.cols[0]) < 0 || gt_vec_push_null(&o->rows.cols[1]) < 0 ||
			push_cell(&o->rows.cols[2], &b) < 0))
		rc = GT_ENOMEM;
	if (rc == 0)
		o->rows.nrows++;
	gt_buf_release(&b);
	return rc < 0 ? sql_nomem(e) : 0;
}

static void fmt_bound(struct gt_buf *b, int64_t v, uint8_t unit, bool lo)
{
	char t[64];
	if (v == (lo ? INT64_MIN : INT64_MAX)) {
		gt_buf_addstr(b, lo ? "-inf" : "+inf");
		return;
	}
	sql_fmt_ts(t, sizeof(t), v, unit);
	gt_buf_addstr(b, t);
}

bool sql_plan_scan(struct sql_plan *pl, const struct gt_table_info *ti, const struct gt_scan_req *req)
{
	if (!pl)
		return false;
	const struct gt_schema *sc = &ti->schema;
	int tsk = gt_schema_time_index(sc);
	uint8_t unit = tsk >= 0 ? sc->cols[tsk].unit : GT_UNIT_MS;
	struct gt_buf b = {0};
	gt_buf_addf(&b, "RegionScan: table=%s.%s regions=%u time=[", ti->db, ti->name, ti->nregions);
	fmt_bound(&b, req->start, unit, true);
	gt_buf_addstr(&b, ", ");
	fmt_bound(&b, req->end, unit, false);
	gt_buf_addstr(&b, ") tag_filters=[");
	for (uint32_t k = 0; k < req->npreds; k++) {
		const struct gt_tag_pred *p = &req->preds[k];
		const char *name = "?";
		for (uint32_t c = 0, t = 0; c < sc->ncols; c++)
			if (sc->cols[c].sem == GT_TAG && t++ == p->tag)
				name = sc->cols[c].name;
		bool eq = p->op == GT_PRED_EQ && p->nvals == 1;
		gt_buf_addf(&b, "%s%s %s", k ? ", " : "", name, eq ? "= " : "IN (");
		for (uint32_t j = 0; j < p->nvals; j++)
			gt_buf_addf(&b, "%s'%s'", j ? ", " : "", p->vals[j]);
		if (!eq)
			gt_buf_addch(&b, ')');
	}
	gt_buf_addstr(&b, "] columns=");
	if (!req->field_ids) {
		gt_buf_addstr(&b, "all");
	} else {
		gt_buf_addch(&b, '[');
		for (uint32_t k = 0; k < req->nfields; k++) {
			const char *name = "?";
			for (uint32_t c = 0; c < sc->ncols; c++)
				if (sc->cols[c].id == req->field_ids[k])
					name = sc->cols[c].name;
			gt_buf_addf(&b, "%s%s", k ? ", " : "", name);
		}
		gt_buf_addch(&b, ']');
	}
	sql_plan_addn(pl, SQL_STAGE_REGION, 0, "%s", b.p ? b.p : "RegionScan");
	gt_buf_release(&b);
	return pl->dry;
}

void sql_plan_merge(struct sql_plan *pl, const struct gt_table_info *ti, bool partial)
{
	sql_plan_addn(pl, SQL_STAGE_FRONT, 1, "MergeScan: table=%s.%s regions=%u%s", ti->db, ti->name, ti->nregions,
		      partial ? " (merges the regions' partial aggregates)" : "");
}
