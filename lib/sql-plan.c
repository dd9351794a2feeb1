/*
 * sql-plan.c - EXPLAIN's plan nodes and their rendering (sql-plan.h).
 */
#include <stdarg.h>
#include "sql-ast.h"
#include "sql-plan.h"
#include "catalog.h"
#include "region.h"

void sql_plan_add(struct sql_plan *pl, int stage, const char *fmt, ...)
{
	if (!pl || pl->failed)
		return;
	if (pl->n == pl->cap) {
		uint32_t cap = pl->cap ? pl->cap * 2 : 8;
		struct sql_plan_node *nn = gt_realloc(pl->nodes, cap * sizeof(*nn));
		if (!nn) {
			pl->failed = GT_ENOMEM;
			return;
		}
		pl->nodes = nn;
		pl->cap = cap;
	}
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = n >= 0 ? gt_malloc((size_t)n + 1) : NULL;
	if (text)
		vsnprintf(text, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	if (!text) {
		pl->failed = GT_ENOMEM;
		return;
	}
	pl->nodes[pl->n].stage = (uint8_t)stage;
	pl->nodes[pl->n].text = text;
	pl->n++;
}

void sql_plan_release(struct sql_plan *pl)
{
	for (uint32_t i = 0; i < pl->n; i++)
		free(pl->nodes[i].text);
	free(pl->nodes);
	memset(pl, 0, sizeof(*pl));
}

/* Nodes of one stage (or all, stage < 0) top-down, indented by depth. */
static int render(const struct sql_plan *pl, int stage, struct gt_buf *b)
{
	int depth = 0;
	for (uint32_t i = pl->n; i-- > 0;) {
		const struct sql_plan_node *nd = &pl->nodes[i];
		if (stage >= 0 && nd->stage != stage)
			continue;
		for (int k = 0; k < depth; k++)
			gt_buf_addstr(b, "  ");
		gt_buf_addstr(b, nd->text);
		if (gt_buf_addch(b, '\n') < 0)
			return GT_ENOMEM;
		depth++;
	}
	return 0;
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
	sql_plan_add(pl, SQL_STAGE_REGION, "%s", b.p ? b.p : "RegionScan");
	gt_buf_release(&b);
	return pl->dry;
}

void sql_plan_merge(struct sql_plan *pl, const struct gt_table_info *ti, bool partial)
{
	sql_plan_add(pl, SQL_STAGE_FRONT, "MergeScan: table=%s.%s regions=%u%s", ti->db, ti->name, ti->nregions,
		     partial ? " (merges the regions' partial aggregates)" : "");
}
