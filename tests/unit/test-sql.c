/*
 * test-sql.c - the SQL engine: parse errors with positions, ceilings,
 * and statements executed against a temporary data directory with the
 * rendered output compared to GreptimeDB's texts.
 */
#include <stdlib.h>
#include <unistd.h>

#include "sql-ast.h"
#include "tap.h"

static struct gt_db *db;
static struct gt_sql_session sess;

/* Run sql; return the rendering of every output (or the error), joined by blank lines. */
static char *run(const char *sql)
{
	struct gt_sql_result res;
	struct gt_sql_error e = {0};
	struct gt_buf out = {0};
	int rc = gt_sql_exec(&sess, sql, strlen(sql), &res, &e);
	for (uint32_t i = 0; i < res.n; i++) {
		if (i)
			gt_buf_addstr(&out, "\n\n");
		gt_sql_render(&res.outs[i], &out);
	}
	if (rc < 0) {
		if (res.n)
			gt_buf_addstr(&out, "\n\n");
		gt_sql_render_error(&e, &out);
	}
	gt_sql_result_release(&res);
	char *s = gt_buf_detach(&out, NULL);
	return s ? s : gt_strdup("");
}

static void expect(const char *sql, const char *want)
{
	char *got = run(sql);
	if (!ok(!strcmp(got, want), "%s", sql))
		printf("# got:\n%s\n# want:\n%s\n", got, want);
	free(got);
}

static void parse_errors(void)
{
	struct sql_parse p;
	struct gt_sql_error e = {0};
	ok(sql_parse(&p, "SELECT 1;\n SELEC 2", 18, &e) < 0 && e.status == GT_STATUS_UNSUPPORTED && e.line == 2 &&
	   e.col == 2, "unknown statement at line 2 column 2 (%u:%u)", e.line, e.col);
	sql_parse_free(&p);
	const char *two = "select a, b from t where x in (1,2) order by a desc limit 3; -- c\n/* d */ select 1";
	ok(sql_parse(&p, two, strlen(two), &e) == 0 &&
	   p.n == 2 && p.stmts[0]->sel->norder == 1 && p.stmts[0]->sel->limit == 3, "two statements, comments");
	sql_parse_free(&p);
	struct gt_buf deep = {0};
	gt_buf_addstr(&deep, "SELECT ");
	for (int i = 0; i < 100000; i++)
		gt_buf_addch(&deep, '(');
	ok(sql_parse(&p, deep.p, deep.len, &e) < 0 && e.status == GT_STATUS_INVALID_SYNTAX, "deep nesting is an error");
	sql_parse_free(&p);
	gt_buf_release(&deep);
	char longid[400];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = 0;
	char q[512];
	snprintf(q, sizeof(q), "SELECT %s", longid);
	ok(sql_parse(&p, q, strlen(q), &e) < 0, "identifier over 255 bytes is refused");
	sql_parse_free(&p);
	int64_t ns;
	ok(gt_parse_time("2023-01-01 00:00:00+08:00", 25, &ns) == 0 && ns == 1672502400000000000LL, "time with zone");
	char ts[64];
	sql_fmt_ts(ts, sizeof(ts), 1667446797450, GT_UNIT_MS);
	ok(!strcmp(ts, "2022-11-03T03:39:57.450"), "ts format %s", ts);
	sql_fmt_f64(ts, sizeof(ts), 80);
	ok(!strcmp(ts, "80.0"), "float 80.0");
}

int main(void)
{
	char dir[] = "/tmp/gt-test-sql.XXXXXX";
	struct gt_err err = {0};
	if (!mkdtemp(dir))
		return 1;
	struct gt_engine_opts o = {.data_home = dir, .background = false};
	parse_errors();
	if (!ok(gt_db_open(&db, &o, &err) == 0, "open %s", dir))
		return tap_done();
	gt_sql_session_init(&sess, db, NULL);
	sess.now_ns = 1700000000000000000LL;
	expect("CREATE TABLE system_metrics (host STRING, idc STRING, cpu_util DOUBLE, memory_util DOUBLE, disk_util DOUBLE,"
	       " ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP(), PRIMARY KEY(host, idc), TIME INDEX(ts));",
	       "Affected Rows: 0");
	expect("INSERT INTO system_metrics VALUES (\"host1\", \"idc_a\", 11.8, 10.3, 10.3, 1667446797450),"
	       " (\"host2\", \"idc_a\", 80.0, 70.3, 90.0, 1667446797450), (\"host1\", \"idc_b\", 50.0, 66.7, 40.6, 1667446797450);",
	       "Affected Rows: 3");
	expect("SELECT count(*) FROM system_metrics;", "+----------+\n| count(*) |\n+----------+\n| 3        |\n+----------+");
	expect("SELECT avg(cpu_util) FROM system_metrics;",
	       "+------------------------------+\n| avg(system_metrics.cpu_util) |\n+------------------------------+\n"
	       "| 47.26666666666667            |\n+------------------------------+");
	expect("SELECT idc, avg(memory_util) FROM system_metrics GROUP BY idc ORDER BY idc;",
	       "+-------+---------------------------------+\n| idc   | avg(system_metrics.memory_util) |\n"
	       "+-------+---------------------------------+\n| idc_a | 40.3                            |\n"
	       "| idc_b | 66.7                            |\n+-------+---------------------------------+");
	expect("SELECT host, cpu_util FROM system_metrics WHERE host = 'host1' AND cpu_util > 20 ORDER BY cpu_util DESC LIMIT 1",
	       "+-------+----------+\n| host  | cpu_util |\n+-------+----------+\n| host1 | 50.0     |\n+-------+----------+");
	expect("SELECT max(cpu_util) - min(cpu_util) AS r, sum(cpu_util) FROM system_metrics WHERE ts >= '2022-11-03T03:39:57.450Z'",
	       "+------+------------------------------+\n| r    | sum(system_metrics.cpu_util) |\n"
	       "+------+------------------------------+\n| 68.2 | 141.8                        |\n"
	       "+------+------------------------------+");
	expect("SELECT * FROM system_metrics WHERE ts < 0", "++\n++");
	expect("SELECT 1 + 1", "+---------------------+\n| Int64(1) + Int64(1) |\n+---------------------+\n| 2                   |\n+---------------------+");
	expect("SELECT * FROM nope", "Error: 4001(TableNotFound), Failed to plan SQL: Table not found: greptime.public.nope");
	expect("CREATE TABLE integers (i BIGINT)", "Error: 2000(InvalidSyntax), Missing time index constraint");
	expect("CREATE TABLE t (i TIMESTAMP TIME INDEX, j BIGINT); INSERT INTO t (i) VALUES (1), (2000); SELECT i, j FROM t ORDER BY i DESC",
	       "Affected Rows: 0\n\nAffected Rows: 2\n\n+-------------------------+---+\n| i                       | j |\n"
	       "+-------------------------+---+\n| 1970-01-01T00:00:02     |   |\n| 1970-01-01T00:00:00.001 |   |\n"
	       "+-------------------------+---+");
	expect("DELETE FROM t WHERE i = 1; SELECT count(*) FROM t", "Affected Rows: 1\n\n+----------+\n| count(*) |\n+----------+\n| 1        |\n+----------+");
	expect("DROP TABLE t; DROP TABLE system_metrics", "Affected Rows: 0\n\nAffected Rows: 0");
	gt_db_close(db, 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
