/*
 * test-sql-rel.c - SELECT over an in-memory relation (sql_select_rel):
 * the seam system tables and derived tables use.
 */
#include <stdlib.h>

#include "sql-ast.h"
#include "tap.h"

static void build(struct sql_rel *r)
{
	sql_rel_init(r);
	sql_rel_set_name(r, "r");
	sql_rel_add_col(r, "x", GT_I64, 0);
	sql_rel_add_col(r, "s", GT_STRING, 0);
	sql_rel_add_col(r, "x", GT_F64, 0);  /* a duplicate name: the first one wins */
	for (int i = 0; i < 4; i++) {
		char b[8];
		snprintf(b, sizeof(b), "s%d", i);
		gt_vec_push_i64(&r->rows.cols[0], i);
		if (i == 2)
			gt_vec_push_null(&r->rows.cols[1]);
		else
			gt_vec_push_str(&r->rows.cols[1], b, strlen(b));
		gt_vec_push_f64(&r->rows.cols[2], i / 2.0);
	}
	r->rows.nrows = 4;
}

static void expect(struct sql_rel *r, const char *sql, const char *want)
{
	struct gt_sql_session s;
	struct sql_parse p;
	struct gt_sql_result res = {0};
	struct gt_sql_error e = {0};
	struct gt_buf out = {0};
	gt_sql_session_init(&s, NULL, "public");
	int rc = sql_parse(&p, sql, strlen(sql), &e);
	if (rc == 0)
		rc = sql_select_rel(&s, p.stmts[0]->sel, r, &res, &e);
	if (rc == 0)
		gt_sql_render(&res.outs[0], &out);
	else
		gt_sql_render_error(&e, &out);
	gt_buf_addch(&out, 0);
	if (!ok(!strcmp(out.p, want), "%s", sql))
		printf("# got:\n%s\n# want:\n%s\n", out.p, want);
	gt_buf_release(&out);
	gt_sql_result_release(&res);
	sql_parse_free(&p);
}

int main(void)
{
	struct sql_rel r;
	build(&r);
	expect(&r, "SELECT s, x * 2 AS y FROM r WHERE x > 0 ORDER BY y DESC",
	       "+----+---+\n| s  | y |\n+----+---+\n| s3 | 6 |\n|    | 4 |\n| s1 | 2 |\n+----+---+");
	expect(&r, "SELECT count(s), sum(r.x) FROM r",
	       "+------------+----------+\n| count(r.s) | sum(r.x) |\n+------------+----------+\n| 3          | 6        |\n+------------+----------+");
	expect(&r, "SELECT * FROM r LIMIT 1",
	       "+---+----+-----+\n| x | s  | x   |\n+---+----+-----+\n| 0 | s0 | 0.0 |\n+---+----+-----+");
	expect(&r, "SELECT q.x FROM r", "Error: 3000(PlanQuery), Failed to plan SQL: No field named q.x. Valid fields are r.x, r.s, r.x.");
	sql_rel_release(&r);
	ok(r.name == NULL && r.schema.ncols == 0 && r.rows.ncols == 0, "release leaves an empty relation");
	return tap_done();
}
