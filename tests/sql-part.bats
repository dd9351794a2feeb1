#!/usr/bin/env bats
# sql-part.bats - partitioned tables (PARTITION ON COLUMNS): a table split
# into regions by its rule answers every query as the same table without
# a rule fed the same rows (line protocol and INSERT); rows outside every
# partition are refused whole; bad rules get GreptimeDB's errors; SHOW
# CREATE TABLE, information_schema.partitions and region_peers show the
# rule and its regions.

load helper

# A cluster started by a test (gt-cluster up --dir $T/c) is stopped by it.
teardown() {
	if [ -f "$T/c/cluster.conf" ]; then
		gt-cluster down --dir "$T/c" > /dev/null 2>&1 || true
	fi
	if [ -n "${PIDS:-}" ]; then
		for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	fi
	rm -rf "$T"
}

lp() {
	curl -sS -o "$T/lp.out" -w '%{http_code}' "http://$ADDR/v1/influxdb/write?db=public&precision=ms" --data-binary "$1"
}

# Each query run on the partitioned table p and on the plain table u
# (same columns, no rule) must print the same, the table name aside.
QUERIES=(
	"SELECT count(*) FROM @"
	"SELECT host, count(*), sum(v), min(v), max(v) FROM @ GROUP BY host ORDER BY host"
	"SELECT date_bin('10 seconds'::INTERVAL, ts) AS b, count(*), avg(v) FROM @ GROUP BY b ORDER BY b"
	"SELECT host, date_bin('10 seconds'::INTERVAL, ts) AS b, max(v) FROM @ GROUP BY host, b ORDER BY host, b"
	"SELECT host, last_value(v ORDER BY ts) FROM @ GROUP BY host ORDER BY host"
	"SELECT * FROM @ ORDER BY ts DESC, host LIMIT 5"
	"SELECT * FROM @ WHERE host = 'mango' ORDER BY ts"
	"SELECT * FROM @ WHERE host IN ('apple', 'zebra') ORDER BY ts, host"
	"SELECT host, v FROM @ WHERE v > 3 ORDER BY v DESC, host LIMIT 4"
	"SELECT count(DISTINCT host) FROM @"
)

compare_tables() {
	local q
	for q in "${QUERIES[@]}"; do
		run -0 gt-sql --data-home "$T/d" "${q//@/p}"
		local pa=$output
		run -0 gt-sql --data-home "$T/d" "${q//@/u}"
		[ "${pa//p\./u.}" = "${output}" ] || fail "differs for '$q':
$pa
---
$output"
	done
}

@test "a partitioned table answers as its unpartitioned copy (line protocol and INSERT, flush, delete, truncate)" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE p (host STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host))
PARTITION ON COLUMNS (host) (host < 'h', host >= 'h' AND host < 'p', host >= 'p');
CREATE TABLE u (host STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host))"
	start_front
	body=""
	for i in $(seq 1 40); do
		for h in apple grape mango peach zebra; do
			body="${body}x,host=$h v=$((i * 7 % 13)).5 $((i * 1000 + ${#h}))
"
		done
	done
	run -0 lp "${body//x,/p,}"
	[ "$output" = 204 ] || fail "line protocol to p: $output $(cat "$T/lp.out")"
	run -0 lp "${body//x,/u,}"
	[ "$output" = 204 ] || fail "line protocol to u: $output $(cat "$T/lp.out")"
	stop_front
	for t in p u; do
		run -0 gt-sql --data-home "$T/d" "INSERT INTO $t VALUES ('apple', 100, 500), ('kiwi', 3, 1500), ('zebra', -1, 41000), ('mango', 9, 7000)"
	done
	compare_tables
	run -0 gt-sql --data-home "$T/d" "SELECT count(*) FROM p"
	assert_line "| 204      |"
	# flushed to SSTs, then more rows in the memtables
	run -0 gt-sql --data-home "$T/d" "ADMIN flush_table('p'); ADMIN flush_table('u')"
	for t in p u; do
		run -0 gt-sql --data-home "$T/d" "INSERT INTO $t VALUES ('grape', 50, 2000), ('peach', 51, 90000)"
	done
	compare_tables
	for t in p u; do
		run -0 gt-sql --data-home "$T/d" "DELETE FROM $t WHERE host = 'mango' OR v > 50"
		assert_output "Affected Rows: 43"
	done
	compare_tables
	run -0 gt-sql --data-home "$T/d" "TRUNCATE TABLE p; SELECT count(*) FROM p"
	assert_line "| 0        |"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO p VALUES ('b', 1, 1); SELECT * FROM p"
	assert_line "| b    | 1.0 | 1970-01-01T00:00:00.001 |"
}

@test "rows outside every partition are refused whole" {
	# a rule must cover every value, so only a null partition value is outside
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE p (a INT, b STRING, ts TIMESTAMP TIME INDEX, PRIMARY KEY(a, b))
PARTITION ON COLUMNS (a, b) (a < 10, a >= 10 AND b < 'm', a >= 10 AND b >= 'm')"
	run -1 gt-sql --data-home "$T/d" "INSERT INTO p VALUES (1, 'x', 1), (15, 'y', 2), (25, NULL, 3)"
	assert_output "Error: 1004(InvalidArguments), table 'p': No partition of the table takes row 3 (a=25, b=NULL)"
	run -1 gt-sql --data-home "$T/d" "INSERT INTO p VALUES (NULL, 'x', 1)"
	assert_output "Error: 1004(InvalidArguments), table 'p': No partition of the table takes row 1 (a=NULL, b='x')"
	run -0 gt-sql --data-home "$T/d" "SELECT count(*) FROM p"
	assert_line "| 0        |"
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE q (host STRING, dc STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host, dc))
PARTITION ON COLUMNS (host) (host < 'm', host >= 'm')"
	start_front
	run -0 lp "q,host=a,dc=x v=1 1
q,dc=y v=2 2"
	[ "$output" = 400 ] || fail "expected 400, got $output $(cat "$T/lp.out")"
	run -0 cat "$T/lp.out"
	assert_output --partial "No partition of the table takes row 2 (host=NULL)"
	stop_front
	run -0 gt-sql --data-home "$T/d" "SELECT count(*) FROM q"
	assert_line "| 0        |"
}

@test "bad partition rules get GreptimeDB's errors" {
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t (a INT PRIMARY KEY, ts TIMESTAMP TIME INDEX) PARTITION ON COLUMNS (a) (a < 10, a > 10 AND a < 20, a >= 20)"
	assert_output 'Error: 1004(InvalidArguments), Checkpoint `a=10` is not covered'
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t (b STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX) PARTITION ON COLUMNS (b) (b >= 'a', b <= 'o')"
	assert_output 'Error: 1004(InvalidArguments), Checkpoint `b=a` is overlapped'
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t (a INT PRIMARY KEY, ts TIMESTAMP TIME INDEX) PARTITION ON COLUMNS (a) (a < 10, a >= 10 AND a < 20)"
	assert_output 'Error: 1004(InvalidArguments), Checkpoint `a=20` is not covered'
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t (a INT PRIMARY KEY, ts TIMESTAMP TIME INDEX) PARTITION ON COLUMNS (x) (x < 10, x >= 10)"
	assert_output "Error: 1004(InvalidArguments), Invalid partition columns when creating table 't', reason: partition column x is not defined"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t (a INT, c INT, ts TIMESTAMP TIME INDEX, PRIMARY KEY(a, c)) PARTITION ON COLUMNS (a) (a < 10, c >= 10)"
	assert_output "Error: 1004(InvalidArguments), Invalid partition expr 'c >= 10': column c is not a partition column"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t (a INT PRIMARY KEY, ts TIMESTAMP TIME INDEX) PARTITION ON COLUMNS (a) (a < 'x', a >= 'x')"
	assert_output "Error: 1004(InvalidArguments), Invalid partition expr 'a < 'x'': a string value cannot be compared with column a"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t (a INT PRIMARY KEY, ts TIMESTAMP TIME INDEX) PARTITION ON COLUMNS (a) (a <"
	assert_output --partial "Error: 2000(InvalidSyntax)"
	run -0 gt-sql --data-home "$T/d" "SHOW TABLES"
	refute_output --partial "| t "
	# a partition column stays while the rule names it
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE f (a INT PRIMARY KEY, v DOUBLE, ts TIMESTAMP TIME INDEX) PARTITION ON COLUMNS (v) (v < 0, v >= 0)"
	run -1 gt-sql --data-home "$T/d" "ALTER TABLE f DROP COLUMN v"
	assert_output "Error: 1004(InvalidArguments), Not allowed to remove partition column v from table f"
	# CREATE TABLE LIKE copies the rule
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE g LIKE f; INSERT INTO g VALUES (1, -5, 1), (2, 5, 2); SELECT count(*) FROM information_schema.region_peers WHERE table_name = 'g'; SELECT v FROM g ORDER BY v"
	assert_output --partial "| 2        |"
	assert_output --partial "| -5.0 |
| 5.0  |"
}

@test "SHOW CREATE TABLE, SHOW REGION, information_schema.partitions and region_peers show the rule and its regions" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE \`Mixed\` (\`Id\` INT, host STRING, ts TIMESTAMP TIME INDEX, PRIMARY KEY(\`Id\`, host))
PARTITION ON COLUMNS (\`Id\`, host) (\`Id\` < 5, \`Id\` >= 5 AND host <= 'it''s', \`Id\` >= 5 AND host > 'it''s');
CREATE TABLE plain (ts TIMESTAMP TIME INDEX)"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE \`Mixed\`"
	assert_output --partial '|       | PARTITION ON COLUMNS ("Id", "host") ( |
|       |   Id < 5,                             |
|       |   Id >= 5 AND host <= '"'it''s'"',        |
|       |   Id >= 5 AND host > '"'it''s'"'          |
|       | )                                     |
|       | ENGINE=mito                           |'
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE plain"
	refute_output --partial "PARTITION"
	run -0 gt-sql --data-home "$T/d" "SELECT table_name, partition_name, partition_expression, partition_description, greptime_partition_id FROM information_schema.partitions ORDER BY table_name, partition_name"
	assert_output "+------------+----------------+----------------------+-----------------------------+-----------------------+
| table_name | partition_name | partition_expression | partition_description       | greptime_partition_id |
+------------+----------------+----------------------+-----------------------------+-----------------------+
| Mixed      | p0             | Id, host             | Id < 5                      | 4398046511104         |
| Mixed      | p1             | Id, host             | Id >= 5 AND host <= 'it''s' | 4398046511105         |
| Mixed      | p2             | Id, host             | Id >= 5 AND host > 'it''s'  | 4398046511106         |
| plain      | p0             |                      |                             | 4402341478400         |
+------------+----------------+----------------------+-----------------------------+-----------------------+"
	run -0 gt-sql --data-home "$T/d" "SELECT * FROM information_schema.region_peers ORDER BY region_id"
	assert_output "+---------------+--------------+------------+---------------+---------+-----------+-----------+--------+--------------+
| table_catalog | table_schema | table_name | region_id     | peer_id | peer_addr | is_leader | status | down_seconds |
+---------------+--------------+------------+---------------+---------+-----------+-----------+--------+--------------+
| greptime      | public       | Mixed      | 4398046511104 | 0       |           | Yes       | ALIVE  |              |
| greptime      | public       | Mixed      | 4398046511105 | 0       |           | Yes       | ALIVE  |              |
| greptime      | public       | Mixed      | 4398046511106 | 0       |           | Yes       | ALIVE  |              |
| greptime      | public       | plain      | 4402341478400 | 0       |           | Yes       | ALIVE  |              |
+---------------+--------------+------------+---------------+---------+-----------+-----------+--------+--------------+"
	run -0 gt-sql --data-home "$T/d" "SHOW REGION FROM \`Mixed\`; SHOW REGION FROM plain IN public WHERE Leader = 'No'"
	assert_output "+-------+---------------+------+--------+
| Table | Region        | Peer | Leader |
+-------+---------------+------+--------+
| Mixed | 4398046511104 | 0    | Yes    |
| Mixed | 4398046511105 | 0    | Yes    |
| Mixed | 4398046511106 | 0    | Yes    |
+-------+---------------+------+--------+

++
++"
	# the rule routes by both columns and survives a restart
	run -0 gt-sql --data-home "$T/d" "INSERT INTO \`Mixed\` VALUES (1, 'zz', 1), (7, 'a', 2), (7, 'j', 3)"
	run -0 gt-sql --data-home "$T/d" "SELECT * FROM \`Mixed\` ORDER BY ts"
	assert_output "+----+------+-------------------------+
| Id | host | ts                      |
+----+------+-------------------------+
| 1  | zz   | 1970-01-01T00:00:00.001 |
| 7  | a    | 1970-01-01T00:00:00.002 |
| 7  | j    | 1970-01-01T00:00:00.003 |
+----+------+-------------------------+"
}

@test "cluster: a partitioned table's regions spread over the datanodes; writes split, reads merge; region_peers names them" {
	base=$(free_base 3)
	run -0 gt-cluster up --datanodes 2 --frontends 1 --dir "$T/c" --base-port "$base"
	ADDR=127.0.0.1:$((base + 1))
	q() {
		curl -sS "http://$ADDR/v1/sql" --data-urlencode "sql=$1"
	}
	run -0 q "CREATE TABLE p (host STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host)) PARTITION ON COLUMNS (host) (host < 'h', host >= 'h' AND host < 'p', host >= 'p')"
	assert_output --partial '"affectedrows":0'
	run -0 q "INSERT INTO p VALUES ('a', 1, 1000), ('k', 2, 2000), ('z', 3, 3000), ('a', 4, 12000)"
	assert_output --partial '"affectedrows":4'
	run -0 lp "p,host=q v=5 5000
p,host=b v=6 6000"
	[ "$output" = 204 ] || fail "line protocol: $output $(cat "$T/lp.out")"
	run -0 q "SELECT host, count(*), sum(v) FROM p GROUP BY host ORDER BY host"
	assert_output --partial '"rows":[["a",2,5.0],["b",1,6.0],["k",1,2.0],["q",1,5.0],["z",1,3.0]]'
	run -0 q "SELECT * FROM p WHERE host IN ('k', 'q') ORDER BY ts"
	assert_output --partial '"rows":[["k",2.0,2000],["q",5.0,5000]]'
	run -0 q "SELECT region_id, peer_id, peer_addr, is_leader, status, down_seconds FROM information_schema.region_peers ORDER BY region_id"
	assert_output --partial "\"rows\":[[4398046511104,1,\"unix:$T/c/run/data-1.sock\",\"Yes\",\"ALIVE\",null],[4398046511105,2,\"unix:$T/c/run/data-2.sock\",\"Yes\",\"ALIVE\",null],[4398046511106,1,\"unix:$T/c/run/data-1.sock\",\"Yes\",\"ALIVE\",null]]"
	run -0 q "SHOW REGION FROM p"
	assert_output --partial '"rows":[["p",4398046511104,1,"Yes"],["p",4398046511105,2,"Yes"],["p",4398046511106,1,"Yes"]]'
	run -0 gt-cluster down --dir "$T/c"
}
