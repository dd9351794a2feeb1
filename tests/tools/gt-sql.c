/*
 * gt-sql - run SQL against a data directory and print each output as
 * GreptimeDB's sqlness results show it (gt_sql_render), or as plain CSV
 * rows with --csv (for comparisons with other databases).
 *
 *   gt-sql --data-home DIR [--db NAME] [--csv] 'SQL'
 *
 * Exit: 0 ok, 1 the SQL failed (error printed on stdout as
 * "Error: 4001(TableNotFound), ..."), 100 usage, 111 cannot open.
 */
#include "sql.h"

static int csv_out(const struct gt_sql_output *o)
{
	struct gt_buf b = {0};
	if (o->kind != GT_SQL_RECORDS)
		return 0;
	for (uint32_t r = 0; r < o->rows.nrows; r++) {
		struct gt_sql_output one = *o;
		(void)one;
		for (uint32_t c = 0; c < o->ncols; c++) {
			const struct gt_vec *v = &o->rows.cols[c];
			char buf[64] = "";
			if (c)
				gt_buf_addch(&b, ',');
			if (gt_vec_is_null(v, r))
				continue;
			switch (v->type) {
			case GT_STRING: {
				uint32_t n;
				const char *s = gt_vec_str(v, r, &n);
				gt_buf_add(&b, s, n);
				continue;
			}
			case GT_F64:
				snprintf(buf, sizeof(buf), "%.10g", v->v.f64[r]);
				break;
			case GT_U64:
				snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->v.u64[r]);
				break;
			case GT_BOOL:
				snprintf(buf, sizeof(buf), "%d", v->v.b[r]);
				break;
			default:
				snprintf(buf, sizeof(buf), "%lld", (long long)v->v.i64[r]);
			}
			gt_buf_addstr(&b, buf);
		}
		gt_buf_addch(&b, '\n');
	}
	if (b.len)
		fwrite(b.p, 1, b.len, stdout);
	gt_buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	const char *home = NULL, *dbname = NULL, *sql = NULL;
	bool csv = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data-home") && i + 1 < argc)
			home = argv[++i];
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			dbname = argv[++i];
		else if (!strcmp(argv[i], "--csv"))
			csv = true;
		else if (!sql && argv[i][0] != '-')
			sql = argv[i];
		else
			sql = NULL, i = argc;
	}
	if (!home || !sql) {
		fprintf(stderr, "usage: gt-sql --data-home DIR [--db NAME] [--csv] 'SQL'\n");
		return GT_EXIT_PERM;
	}
	struct gt_engine_opts o = {.data_home = home, .background = false};
	struct gt_db *db;
	struct gt_err err = {0};
	int rc = gt_db_open(&db, &o, &err);
	if (rc < 0) {
		fprintf(stderr, "gt-sql: cannot open '%s': %s\n", home, err.msg);
		return gt_exit_code(rc);
	}
	struct gt_sql_session s;
	struct gt_sql_result res;
	struct gt_sql_error e;
	struct gt_buf out = {0};
	gt_sql_session_init(&s, db, dbname);
	rc = gt_sql_exec(&s, sql, strlen(sql), &res, &e);
	for (uint32_t i = 0; i < res.n; i++) {
		if (csv) {
			csv_out(&res.outs[i]);
			continue;
		}
		gt_buf_reset(&out);
		gt_sql_render(&res.outs[i], &out);
		printf("%s\n\n", out.p ? out.p : "");
	}
	if (rc < 0) {
		gt_buf_reset(&out);
		gt_sql_render_error(&e, &out);
		printf("%s\n", out.p ? out.p : "");
	}
	gt_buf_release(&out);
	gt_sql_result_release(&res);
	gt_db_close(db, 1);
	return rc < 0 ? GT_EXIT_NO : GT_EXIT_OK;
}
