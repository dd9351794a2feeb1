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
	awk 'BEGIN { for (i = 0; i < 600; i++) printf "h%d,r%d,%d,%.2f,%d\n", i % 4, i % 3, 1000 * i, (i * 37 % 101) / 4.0, i % 7 }' > "$T/rows.csv"
	sqlite3 "$T/s.db" "CREATE TABLE m (host TEXT, region TEXT, ts INTEGER, v REAL, n INTEGER);"
	sqlite3 -csv "$T/s.db" ".import $T/rows.csv m"
	vals=$(awk -F, '{ sep = (NR > 1) ? "," : ""; printf "%s(\047%s\047,\047%s\047,%s,%s,%s)", sep, $1, $2, $3, $4, $5 }' "$T/rows.csv")
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m (host STRING, region STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, n BIGINT, PRIMARY KEY(host, region)); INSERT INTO m (host, region, ts, v, n) VALUES $vals"
	while IFS= read -r q; do
		[ -n "$q" ] || continue
		gt=$(gt-sql --data-home "$T/d" --csv "$q")
		sq=$(sqlite3 -csv "$T/s.db" "$q" | awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+\.[0-9]+$/) $i = sprintf("%.10g", $i); print }')
		if [ "$gt" != "$sq" ]; then
			echo "query: $q"; echo "gt:"; echo "$gt" | head; echo "sqlite:"; echo "$sq" | head
			return 1
		fi
	done <<'Q'
SELECT count(*) FROM m
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
Q
}
