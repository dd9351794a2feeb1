#!/usr/bin/env bats
# sql-rel.bats - relational composition in SELECT (lib/sql-rel.c):
# derived tables, set operations, WITH, subqueries in expressions,
# INSERT ... SELECT, joins; answers checked against sqlite3 on the same
# rows, and GreptimeDB's error texts for the invalid forms.
load helper

# Two tables m (300 rows) and d (a dimension keyed by host) in both databases.
load_rows() {
	awk 'BEGIN { for (i = 0; i < 300; i++) {
		w = (i % 5 == 0) ? "" : sprintf("%d", (i * 13) % 50 - 10)
		printf "h%d,r%d,%d,%.2f,%d,%s\n", i % 5, i % 3, 1000 * i, (i * 37 % 101) / 4.0, i % 7, w } }' > "$T/rows.csv"
	vals=$(awk -F, '{ sep = (NR > 1) ? "," : ""; w = ($6 == "") ? "NULL" : $6
		printf "%s(\047%s\047,\047%s\047,%s,%s,%s,%s)", sep, $1, $2, $3, $4, $5, w }' "$T/rows.csv")
	dvals="('h0','east',1,0),('h1','west',2,1000),('h2','east',3,2000),('h3','north',NULL,3000),('h9','south',9,4000)"
	sqlite3 "$T/s.db" "CREATE TABLE m (host TEXT, region TEXT, ts INTEGER, v REAL, n INTEGER, w INTEGER); INSERT INTO m VALUES $vals;
CREATE TABLE d (host TEXT, zone TEXT, k INTEGER, ts INTEGER); INSERT INTO d VALUES $dvals;"
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m (host STRING, region STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, n BIGINT, w BIGINT NULL, PRIMARY KEY(host, region)); INSERT INTO m VALUES $vals;
CREATE TABLE d (host STRING, zone STRING, k BIGINT NULL, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host)); INSERT INTO d VALUES $dvals"
}

@test "derived tables, set operations, WITH and subqueries agree with sqlite3" {
	load_rows
	compare <<'Q'
SELECT host, c FROM (SELECT host, count(*) AS c FROM m GROUP BY host) ORDER BY host
SELECT t.host, t.c FROM (SELECT host, count(*) AS c FROM m GROUP BY host) AS t WHERE t.c > 59 ORDER BY t.host
SELECT count(*) FROM (SELECT * FROM m WHERE n = 3 LIMIT 7) tbl
SELECT max(s) FROM (SELECT host, sum(v) AS s FROM m GROUP BY host) x
SELECT ts, n FROM (SELECT ts, n FROM m WHERE n < 2 ORDER BY ts DESC LIMIT 10) ORDER BY ts
SELECT n FROM m WHERE n < 3 UNION SELECT n + 10 FROM m WHERE n > 4 ORDER BY n
SELECT host FROM m UNION ALL SELECT host FROM d ORDER BY host LIMIT 12
SELECT n FROM m UNION ALL SELECT n FROM m WHERE n = 6
SELECT w FROM m WHERE w > 30 INTERSECT SELECT w FROM m WHERE n = 2 ORDER BY w
SELECT n FROM m EXCEPT SELECT n FROM m WHERE n > 3 ORDER BY 1 DESC
SELECT host FROM d EXCEPT SELECT host FROM m
SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y' UNION ALL SELECT 3, 'z' ORDER BY a DESC
SELECT n FROM m WHERE n < 2 UNION SELECT n FROM m WHERE n > 5 INTERSECT SELECT n FROM m WHERE n = 6 ORDER BY n @@ SELECT n FROM m WHERE n < 2 UNION SELECT * FROM (SELECT n FROM m WHERE n > 5 INTERSECT SELECT n FROM m WHERE n = 6) ORDER BY n
WITH c AS (SELECT host, avg(v) AS a FROM m GROUP BY host) SELECT host, a FROM c WHERE a > 12 ORDER BY host
WITH a AS (SELECT n, count(*) AS c FROM m GROUP BY n), b AS (SELECT max(c) AS mc FROM a) SELECT n FROM a WHERE c = (SELECT mc FROM b) ORDER BY n
WITH x(h, c) AS (SELECT host, count(*) FROM m GROUP BY host) SELECT h, c FROM x ORDER BY h
WITH m AS (SELECT 5 AS n) SELECT n FROM m
SELECT count(*) FROM m WHERE host IN (SELECT host FROM d WHERE zone = 'east')
SELECT count(*) FROM m WHERE n NOT IN (SELECT k FROM d WHERE k IS NOT NULL)
SELECT ts, v FROM m WHERE v > (SELECT avg(v) FROM m) ORDER BY v DESC, ts LIMIT 5
SELECT count(*) FROM m WHERE EXISTS (SELECT 1 FROM d WHERE zone = 'south')
SELECT host, (SELECT max(n) FROM m) - n FROM m WHERE ts < 5000 ORDER BY host
Q
}

@test "INSERT ... SELECT writes a query's rows, cast to the table's types" {
	load_rows
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m2 (host STRING, ts TIMESTAMP TIME INDEX, total DOUBLE, PRIMARY KEY(host));
INSERT INTO m2 SELECT host, max(ts), sum(n) FROM m GROUP BY host;
INSERT INTO m2 (ts, host) SELECT k, zone FROM d WHERE k IS NOT NULL"
	assert_output "Affected Rows: 0

Affected Rows: 5

Affected Rows: 4"
	sqlite3 "$T/s.db" "CREATE TABLE m2 (host TEXT, ts INTEGER, total REAL); INSERT INTO m2 SELECT host, max(ts), sum(n) FROM m GROUP BY host; INSERT INTO m2 (ts, host) SELECT k, zone FROM d WHERE k IS NOT NULL"
	compare <<'Q'
SELECT host, ts, total FROM m2 ORDER BY host, ts
Q
	run -1 gt-sql --data-home "$T/d" "INSERT INTO m2 (host) SELECT host, ts FROM d"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: Error during planning: Column count doesn't match insert query!"
}

@test "invalid relational forms fail as GreptimeDB words them" {
	load_rows
	run -1 gt-sql --data-home "$T/d" "SELECT n FROM m UNION SELECT n, w FROM m"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: Error during planning: UNION queries have different number of columns"
	run -1 gt-sql --data-home "$T/d" "SELECT n AS k FROM m UNION SELECT n AS l FROM m ORDER BY l"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: No field named l. Valid fields are k."
	run -1 gt-sql --data-home "$T/d" "SELECT n - 1 AS k FROM m UNION SELECT n FROM m ORDER BY n - 1"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: Error during planning: For SELECT DISTINCT, ORDER BY expressions n must appear in select list"
	run -1 gt-sql --data-home "$T/d" "SELECT n FROM m ORDER BY 2"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: Error during planning: Order by column out of bounds, specified: 2, max: 1"
	run -1 gt-sql --data-home "$T/d" "SELECT x.n FROM m"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: No field named x.n. Valid fields are m.host, m.region, m.ts, m.v, m.n, m.w."
	run -1 gt-sql --data-home "$T/d" "SELECT * FROM (SELECT n FROM m"
	assert_output --partial "Error: 2000(InvalidSyntax)"
}

@test "views: stored as their statement, read as their query's rows" {
	load_rows
	run -0 gt-sql --data-home "$T/d" "CREATE VIEW hv AS SELECT host, count(*) AS c FROM m GROUP BY host; CREATE OR REPLACE VIEW hv2 (h, n) AS SELECT host, c FROM hv WHERE c > 59"
	assert_output "Affected Rows: 0

Affected Rows: 0"
	sqlite3 "$T/s.db" "CREATE VIEW hv AS SELECT host, count(*) AS c FROM m GROUP BY host; CREATE VIEW hv2 (h, n) AS SELECT host, c FROM hv WHERE c > 59"
	compare <<'Q'
SELECT hv.host, c FROM hv ORDER BY host
SELECT h, n FROM public.hv2 ORDER BY h DESC @@ SELECT h, n FROM hv2 ORDER BY h DESC
SELECT sum(c) FROM hv AS x WHERE x.c >= 60
Q
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE VIEW hv2"
	assert_output --partial "| hv2  | CREATE OR REPLACE VIEW hv2 (h, n) AS SELECT host, c FROM hv WHERE c > 59 |"
	run -0 gt-sql --data-home "$T/d" "SHOW VIEWS"
	assert_output --partial "| hv2   |"
	run -1 gt-sql --data-home "$T/d" "CREATE VIEW hv AS SELECT 1"
	assert_output "Error: 4000(TableAlreadyExists), View already exists: \`greptime.public.hv\`"
	run -1 gt-sql --data-home "$T/d" "CREATE VIEW m AS SELECT 1"
	assert_output "Error: 4000(TableAlreadyExists), Table already exists: \`greptime.public.m\`"
	run -0 gt-sql --data-home "$T/d" "DROP VIEW hv2; DROP VIEW IF EXISTS hv2"
	run -1 gt-sql --data-home "$T/d" "SHOW CREATE VIEW hv2"
	assert_output "Error: 4001(TableNotFound), View not found: hv2"
	run -1 gt-sql --data-home "$T/d" "DROP VIEW hv2"
	assert_output "Error: 4001(TableNotFound), Table not found: greptime.public.hv2"
}
