#!/usr/bin/env bats
# sql.bats - the SQL engine through gt-sql: GreptimeDB's basic.sql flow
# with its exact output, error statuses, and SELECT answers checked
# against sqlite3 on the same rows.
load helper

S=/work/shared/conformance/greptimedb-sqlness/common

@test "basic.sql: create, insert, select as GreptimeDB prints them" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE system_metrics (host STRING, idc STRING, cpu_util DOUBLE, memory_util DOUBLE, disk_util DOUBLE, ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP(), PRIMARY KEY(host, idc), TIME INDEX(ts));
INSERT INTO system_metrics VALUES (\"host1\", \"idc_a\", 11.8, 10.3, 10.3, 1667446797450), (\"host2\", \"idc_a\", 80.0, 70.3, 90.0, 1667446797450), (\"host1\", \"idc_b\", 50.0, 66.7, 40.6, 1667446797450);"
	assert_output "Affected Rows: 0

Affected Rows: 3"
	run -0 gt-sql --data-home "$T/d" "SELECT * FROM system_metrics; SELECT idc, avg(memory_util) FROM system_metrics GROUP BY idc ORDER BY idc;"
	assert_output "+-------+-------+----------+-------------+-----------+-------------------------+
| host  | idc   | cpu_util | memory_util | disk_util | ts                      |
+-------+-------+----------+-------------+-----------+-------------------------+
| host1 | idc_a | 11.8     | 10.3        | 10.3      | 2022-11-03T03:39:57.450 |
| host1 | idc_b | 50.0     | 66.7        | 40.6      | 2022-11-03T03:39:57.450 |
| host2 | idc_a | 80.0     | 70.3        | 90.0      | 2022-11-03T03:39:57.450 |
+-------+-------+----------+-------------+-----------+-------------------------+

+-------+---------------------------------+
| idc   | avg(system_metrics.memory_util) |
+-------+---------------------------------+
| idc_a | 40.3                            |
| idc_b | 66.7                            |
+-------+---------------------------------+"
	run -0 gt-sql --data-home "$T/d" "create table foo (host string, ts timestamp DEFAULT '2023-04-29 00:00:00+00:00', cpu double default 0, TIME INDEX (ts), PRIMARY KEY(host)) engine=mito;
insert into foo (host, cpu, ts) values ('host1', 1.1, '2000-01-01 00:00:00+00:00');
insert into foo (host, cpu) values ('host2', 2.2);
insert into foo (host) values ('host3');
select * from foo order by ts;"
	assert_output --partial "+-------+---------------------+-----+
| host  | ts                  | cpu |
+-------+---------------------+-----+
| host1 | 2000-01-01T00:00:00 | 1.1 |
| host2 | 2023-04-29T00:00:00 | 2.2 |
| host3 | 2023-04-29T00:00:00 | 0.0 |
+-------+---------------------+-----+"
}

@test "INSERT: a comma may trail the last row, as GreptimeDB's parser allows" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE tc (ts TIMESTAMP TIME INDEX, v DOUBLE)"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO tc VALUES (1, 2), (2, 3), -- the last one is gone
;"
	assert_output "Affected Rows: 2"
	run -1 gt-sql --data-home "$T/d" "INSERT INTO tc VALUES (1, 2),,"
	assert_output --partial "Error: 2000(InvalidSyntax)"
}

@test "errors carry GreptimeDB's status and exit 1" {
	run -1 gt-sql --data-home "$T/d" "SELECT * FROM nope"
	assert_output "Error: 4001(TableNotFound), Failed to plan SQL: Table not found: greptime.public.nope"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE integers (i BIGINT)"
	assert_output "Error: 2000(InvalidSyntax), Missing time index constraint"
	run -1 gt-sql --data-home "$T/d" "SELEC 1"
	assert_output "Error: 1001(Unsupported), SQL statement is not supported, keyword: SELEC"
	run -1 gt-sql --data-home "$T/d" "SELECT 1 +"
	assert_output --partial "Error: 2000(InvalidSyntax)"
	run -1 gt-sql --data-home "$T/d" "SELECT $(printf '(%.0s' $(seq 1 3000))1"
	assert_output --partial "nested too deeply"
	run -100 gt-sql
}

@test "SELECT answers agree with sqlite3 on the same rows" {
	# 600 rows over 4 hosts and 3 regions; values derived from the row number.
	# w (BIGINT) is NULL on every 5th row and s (STRING) on every 11th; rows
	# past 300 are pushed 0-8 hours later so time buckets have several values.
	awk 'BEGIN { for (i = 0; i < 600; i++) {
		w = (i % 5 == 0) ? "" : sprintf("%d", (i * 13) % 50 - 10)
		s = (i % 11 == 0) ? "" : sprintf("s%d", i % 6)
		printf "h%d,r%d,%d,%.2f,%d,%s,%s\n", i % 4, i % 3, 1000 * i + (i > 300 ? 3600000 * (i % 9) : 0), (i * 37 % 101) / 4.0, i % 7, w, s } }' > "$T/rows.csv"
	# One VALUES list from the CSV feeds both databases (an empty field is NULL).
	vals=$(awk -F, '{ sep = (NR > 1) ? "," : ""; w = ($6 == "") ? "NULL" : $6; s = ($7 == "") ? "NULL" : "\047" $7 "\047"
		printf "%s(\047%s\047,\047%s\047,%s,%s,%s,%s,%s)", sep, $1, $2, $3, $4, $5, w, s }' "$T/rows.csv")
	sqlite3 "$T/s.db" "CREATE TABLE m (host TEXT, region TEXT, ts INTEGER, v REAL, n INTEGER, w INTEGER, s TEXT); INSERT INTO m VALUES $vals;"
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m (host STRING, region STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, n BIGINT, w BIGINT NULL, s STRING NULL, PRIMARY KEY(host, region)); INSERT INTO m (host, region, ts, v, n, w, s) VALUES $vals"
	run -0 sqlite3 "$T/s.db" "SELECT count(*), count(w), count(s) FROM m"
	assert_output "600|480|545"
	# Floats: gt-sql --csv prints %.10g, sqlite's text goes through the
	# same, and compare (helper.bash) rounds both to 9 significant digits,
	# so answers must agree to ~5e-9 relative; "gt query @@ sqlite query"
	# where the dialects differ.  At least 60 queries.
	run compare <<'Q'
SELECT count(*) FROM m
SELECT count(*), count(w), count(s), count(DISTINCT s), count(DISTINCT w) FROM m
SELECT host, count(*), sum(n) FROM m GROUP BY host ORDER BY host
SELECT region, max(v), min(v) FROM m GROUP BY region ORDER BY region
SELECT host, region, count(*) FROM m GROUP BY host, region ORDER BY host, region
SELECT host, sum(n) FROM m WHERE v > 10 GROUP BY host ORDER BY host
SELECT host, v FROM m WHERE host = 'h1' AND ts >= 100000 AND ts < 120000 ORDER BY ts
SELECT ts, v FROM m ORDER BY v DESC, ts ASC LIMIT 7
SELECT ts, n FROM m WHERE n IN (1, 3) AND region <> 'r0' ORDER BY ts LIMIT 5 OFFSET 10
SELECT host, count(*) AS c FROM m WHERE n BETWEEN 2 AND 4 GROUP BY host HAVING count(*) > 10 ORDER BY c DESC, host
SELECT n, count(DISTINCT host) FROM m GROUP BY n ORDER BY n
SELECT host, max(ts) FROM m WHERE host LIKE 'h%' AND NOT n = 0 GROUP BY host ORDER BY host DESC
SELECT n * 2 + 1, count(*) FROM m GROUP BY n * 2 + 1 ORDER BY 1
SELECT region, sum(n) FROM m WHERE ts < 300000 OR n = 6 GROUP BY region ORDER BY region
SELECT ts / 1000 % 10, count(*) FROM m GROUP BY ts / 1000 % 10 ORDER BY 1 LIMIT 3
SELECT ts, w FROM m WHERE w IS NULL ORDER BY ts LIMIT 10
SELECT count(*) FROM m WHERE w IS NOT NULL AND s IS NULL
SELECT host, count(*) FROM m WHERE s IS NULL OR w IS NULL GROUP BY host ORDER BY host
SELECT ts FROM m WHERE NOT (n < 3 OR v >= 12.5) AND host <> 'h0' ORDER BY ts DESC LIMIT 8
SELECT count(*) FROM m WHERE n != 3
SELECT count(*) FROM m WHERE v <= 5.5
SELECT ts, v FROM m WHERE v = 9.25 ORDER BY ts
SELECT count(*) FROM m WHERE host NOT IN ('h0', 'h3')
SELECT count(*) FROM m WHERE n NOT BETWEEN 1 AND 5
SELECT count(*) FROM m WHERE v BETWEEN 5 AND 10.5
SELECT s, count(*) FROM m WHERE s LIKE 's_' GROUP BY s ORDER BY s
SELECT count(*) FROM m WHERE s NOT LIKE '%3'
SELECT count(*) FROM m WHERE host ILIKE 'H1' @@ SELECT count(*) FROM m WHERE host LIKE 'H1'
SELECT count(*) FROM m WHERE host NOT ILIKE 'H%' @@ SELECT count(*) FROM m WHERE host NOT LIKE 'H%'
SELECT region, count(*) FROM m WHERE region LIKE '%1' OR host LIKE 'h_' GROUP BY region ORDER BY region
SELECT ts FROM m WHERE ts BETWEEN 3600000 AND 3700000 ORDER BY ts
SELECT count(*) FROM m WHERE ts > 300000 AND ts <= 7200000
SELECT ts, n FROM m WHERE ts IN (0, 1000, 5000, 7200000, 7534000) ORDER BY ts
SELECT ts, w FROM m WHERE w > 30 AND w IS NOT NULL ORDER BY w DESC, ts LIMIT 6
SELECT count(*) FROM m WHERE NOT w > 0
SELECT count(*) FROM m WHERE w IN (1, 2, 3) OR s IN ('s1')
SELECT count(*) FROM m WHERE s = 's1' AND (w < 0 OR w > 20) AND NOT host = 'h3'
SELECT sum(v), avg(v), min(v), max(v) FROM m
SELECT sum(w), avg(w), min(w), max(w), count(w) FROM m
SELECT host, avg(v), avg(w) FROM m GROUP BY host ORDER BY host
SELECT s, count(*), count(w), sum(w) FROM m GROUP BY s
SELECT host, region, sum(v), max(w) FROM m GROUP BY host, region ORDER BY host DESC, region ASC
SELECT region, host, avg(n) FROM m GROUP BY region, host ORDER BY region, host DESC
SELECT n % 3, count(*), sum(v) FROM m GROUP BY n % 3 ORDER BY 1
SELECT host, n % 2, count(*) FROM m GROUP BY host, n % 2 ORDER BY host, 2
SELECT count(DISTINCT n), count(DISTINCT region) FROM m WHERE host = 'h2'
SELECT host, count(DISTINCT w) FROM m GROUP BY host ORDER BY host
SELECT region, sum(n) AS t FROM m GROUP BY region HAVING sum(n) > 590 ORDER BY t DESC
SELECT host, avg(v) FROM m GROUP BY host HAVING avg(v) > 12 AND count(*) >= 150 ORDER BY host
SELECT n, max(v) - min(v) FROM m GROUP BY n HAVING max(w) > 35 ORDER BY n
SELECT host, region FROM m GROUP BY host, region HAVING count(DISTINCT n) = 7 ORDER BY host, region
SELECT n, count(*) FROM m GROUP BY n HAVING n > 2 ORDER BY n DESC
SELECT host, region, ts FROM m ORDER BY host DESC, region, ts DESC LIMIT 10
SELECT ts, n, v FROM m ORDER BY n, v DESC, ts LIMIT 12 OFFSET 40
SELECT ts FROM m ORDER BY ts LIMIT 0
SELECT ts FROM m ORDER BY ts DESC LIMIT 3 OFFSET 598
SELECT w, ts FROM m WHERE w IS NOT NULL ORDER BY w, ts DESC LIMIT 5
SELECT host, sum(v) AS t FROM m GROUP BY host ORDER BY t DESC LIMIT 2
SELECT ts, v FROM m WHERE host = 'h3' LIMIT 1000
SELECT ts, v * 2 - n, v / 4, n * n + 1, -n FROM m ORDER BY ts LIMIT 20 OFFSET 100
SELECT ts, (n + 1) * (n - 1), n % 4, n / 2 FROM m WHERE host = 'h0' ORDER BY ts LIMIT 10
SELECT ts, CAST(v AS BIGINT), CAST(n AS DOUBLE) / 2 FROM m ORDER BY ts LIMIT 10 @@ SELECT ts, CAST(v AS INTEGER), CAST(n AS REAL) / 2 FROM m ORDER BY ts LIMIT 10
SELECT ts, CAST(n AS STRING) FROM m WHERE CAST(n AS STRING) = '4' ORDER BY ts LIMIT 5 @@ SELECT ts, CAST(n AS TEXT) FROM m WHERE CAST(n AS TEXT) = '4' ORDER BY ts LIMIT 5
SELECT ts, w + n, w * 2 FROM m ORDER BY ts LIMIT 10
SELECT sum(v * n), avg(v + n), max(n * 10 - v) FROM m
SELECT host, sum(CAST(v AS BIGINT)) FROM m GROUP BY host ORDER BY host @@ SELECT host, sum(CAST(v AS INTEGER)) FROM m GROUP BY host ORDER BY host
SELECT ts / 3600000, count(*) FROM m GROUP BY ts / 3600000 ORDER BY 1
SELECT date_bin(INTERVAL '1 hour', ts) AS b, count(*), sum(v) FROM m GROUP BY b ORDER BY b @@ SELECT ts - ts % 3600000 AS b, count(*), sum(v) FROM m GROUP BY b ORDER BY b
SELECT date_trunc('hour', ts) AS b, host, max(n) FROM m GROUP BY b, host ORDER BY b, host @@ SELECT ts - ts % 3600000 AS b, host, max(n) FROM m GROUP BY b, host ORDER BY b, host
SELECT date_bin(INTERVAL '1 minute', ts) AS b, avg(v) FROM m GROUP BY b ORDER BY b DESC LIMIT 5 @@ SELECT ts - ts % 60000 AS b, avg(v) FROM m GROUP BY b ORDER BY b DESC LIMIT 5
SELECT date_bin(INTERVAL '10 seconds', ts) AS b, count(*) FROM m WHERE ts < 200000 GROUP BY b HAVING count(*) > 9 ORDER BY b @@ SELECT ts - ts % 10000 AS b, count(*) FROM m WHERE ts < 200000 GROUP BY b HAVING count(*) > 9 ORDER BY b
SELECT date_trunc('minute', ts) AS b, count(*) FROM m WHERE host = 'h1' GROUP BY b ORDER BY b @@ SELECT ts - ts % 60000 AS b, count(*) FROM m WHERE host = 'h1' GROUP BY b ORDER BY b
SELECT date_bin(INTERVAL '2 hours', ts) AS b, region, sum(n) FROM m GROUP BY b, region ORDER BY b DESC, region @@ SELECT ts - ts % 7200000 AS b, region, sum(n) FROM m GROUP BY b, region ORDER BY b DESC, region
SELECT date_bin(INTERVAL '30 seconds', ts), avg(w), count(w) FROM m WHERE ts < 120000 GROUP BY 1 ORDER BY 1 @@ SELECT ts - ts % 30000, avg(w), count(w) FROM m WHERE ts < 120000 GROUP BY 1 ORDER BY 1
SELECT count(*) FROM m WHERE ts >= 3600000
SELECT host, count(*) FROM m WHERE ts < 3600000 * 2 AND ts % 2000 = 0 GROUP BY host ORDER BY host
SELECT host, region, n, v FROM m WHERE v > 24
SELECT s, w FROM m WHERE host = 'h2' AND ts < 50000
SELECT max(ts), min(ts), count(*) FROM m WHERE ts > 5000000
SELECT region, min(w), max(s) FROM m GROUP BY region ORDER BY region
SELECT host, count(*) FROM m WHERE v > 100 GROUP BY host
SELECT sum(w), avg(w), max(w), count(w) FROM m WHERE w IS NULL
SELECT n, sum(v) / count(*), avg(v) FROM m GROUP BY n ORDER BY n
SELECT ts, CASE WHEN n < 2 THEN 'low' WHEN n < 5 THEN 'mid' ELSE 'high' END FROM m ORDER BY ts LIMIT 12
SELECT CASE n WHEN 0 THEN 'zero' WHEN 1 THEN 'one' ELSE 'many' END AS k, count(*) FROM m GROUP BY k ORDER BY k
SELECT host, sum(CASE WHEN w IS NULL THEN 1 ELSE 0 END) FROM m GROUP BY host ORDER BY host
SELECT ts, coalesce(w, -1), coalesce(s, 'none') FROM m ORDER BY ts LIMIT 12
SELECT ts, abs(w), round(v), ceil(v), floor(v) FROM m ORDER BY ts LIMIT 30
SELECT ts, round(v, 1), round(v, 2) FROM m ORDER BY ts LIMIT 30
SELECT DISTINCT host FROM m ORDER BY host
SELECT DISTINCT region, host FROM m ORDER BY region, host
SELECT DISTINCT n % 3 AS k FROM m ORDER BY k
SELECT ts, sqrt(v), ln(v + 1), exp(n) FROM m ORDER BY ts LIMIT 15
SELECT ts, upper(host), lower('AbC'), length(s) FROM m ORDER BY ts LIMIT 12
SELECT ts, s FROM m WHERE ts < 60000 ORDER BY s NULLS FIRST, ts LIMIT 15
SELECT ts, w FROM m WHERE ts < 60000 ORDER BY w DESC NULLS LAST, ts LIMIT 15
SELECT ts, w FROM m WHERE ts < 60000 ORDER BY w ASC NULLS LAST, ts DESC LIMIT 15
SELECT s, count(*) FROM m GROUP BY s ORDER BY s NULLS FIRST
SELECT host, var_pop(v), stddev_pop(v) FROM m GROUP BY host ORDER BY host @@ SELECT host, avg(v*v) - avg(v)*avg(v), sqrt(avg(v*v) - avg(v)*avg(v)) FROM m GROUP BY host ORDER BY host
SELECT region, var_samp(v), stddev(v) FROM m GROUP BY region ORDER BY region @@ SELECT region, (sum(v*v) - sum(v)*sum(v)/count(v)) / (count(v) - 1), sqrt((sum(v*v) - sum(v)*sum(v)/count(v)) / (count(v) - 1)) FROM m GROUP BY region ORDER BY region
SELECT host, first_value(v ORDER BY ts), last_value(v ORDER BY ts) FROM m GROUP BY host ORDER BY host @@ SELECT host, (SELECT v FROM m b WHERE b.host = a.host ORDER BY ts LIMIT 1), (SELECT v FROM m b WHERE b.host = a.host ORDER BY ts DESC LIMIT 1) FROM m a GROUP BY host ORDER BY host
SELECT host, mean(v) FROM m GROUP BY host ORDER BY host @@ SELECT host, avg(v) FROM m GROUP BY host ORDER BY host
SELECT count(*) FROM m WHERE w IS NOT NULL AND NOT (w BETWEEN 0 AND 20)
SELECT count(*) FROM m WHERE s NOT IN ('s1', 's2')
SELECT count(*) FROM m WHERE w NOT IN (1, 2, 3)
SELECT date_trunc('day', ts), count(*) FROM m GROUP BY 1 ORDER BY 1 @@ SELECT ts - ts % 86400000, count(*) FROM m GROUP BY 1 ORDER BY 1
SELECT date_trunc('second', ts) AS b, count(*) FROM m WHERE ts < 10000 GROUP BY b ORDER BY b @@ SELECT ts - ts % 1000 AS b, count(*) FROM m WHERE ts < 10000 GROUP BY b ORDER BY b
Q
	[ "$status" -eq 0 ] || fail "$output"
	assert_output --regexp '^([6-9][0-9]|[1-9][0-9]{2,}) queries, 0 differ$'
}
