#!/usr/bin/env bats
# sql-perf.bats - the query shortcuts give the general path's answers:
# last_value per series read from each series' newest rows only (tail
# scans) against the same query forced onto the general path.
load helper

lastq() { # expr suffix -> the lastpoint query, "v * 1" style forces the general path
	echo "SELECT h, last_value(v$1 ORDER BY ts) AS lv, last_value(w$1 ORDER BY ts) AS lw, last_value(ts ORDER BY ts) AS lt FROM t $2 GROUP BY h ORDER BY h;"
}

@test "lastpoint over memtable and files, with overwrites, deletes and nulls, equals the general path" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (h STRING, r STRING, v DOUBLE, w DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(h, r));
INSERT INTO t VALUES ('a','x',1,1,1000),('a','x',2,2,2000),('b','x',3,3,1000),('b','x',4,4,3000),('c','y',5,5,1000),('e','x',6,6,1000),('f','x',1,1,1000);
ADMIN flush_table('t');
INSERT INTO t VALUES ('a','x',7,null,2000),('b','y',8,8,500),('c','y',9,9,4000),('c','y',10,10,500),('d','x',11,11,100),('d','x',12,12,200);
ADMIN flush_table('t');
INSERT INTO t VALUES ('c','z',13,13,4000),('d','x',14,null,300),('f','x',15,15,900);
DELETE FROM t WHERE h='b' AND ts=3000;
DELETE FROM t WHERE h='d' AND ts=300;
DELETE FROM t WHERE h='e';
$(lastq) $(lastq ' * 1')
$(lastq '' "WHERE ts < 3000") $(lastq ' * 1' "WHERE ts < 3000")
$(lastq '' "WHERE ts >= 1000 AND r = 'x'") $(lastq ' * 1' "WHERE ts >= 1000 AND r = 'x'")"
	assert_output --partial "| a | 7.0 |     | 1970-01-01T00:00:02 |"
	assert_output --partial "| b | 3.0 | 3.0 | 1970-01-01T00:00:01 |"
	assert_output --partial "| d | 12.0 | 12.0 | 1970-01-01T00:00:00.200 |"
	refute_output --partial "| e |"
	# three answers, each from the shortcut and from the general path
	printf '%s\n' "$output" | awk 'BEGIN { RS = ""; ORS = "\n\n" } /\| lv/' > "$T/answers"
	run -0 awk 'BEGIN { RS = "" } { q[NR] = $0 } END { if (NR != 6) exit 1; for (i = 1; i <= 5; i += 2) if (q[i] != q[i + 1]) exit 2 }' "$T/answers"
}

@test "a memtable series written out of time order reads in time order, again after more rows arrive" {
	# rows arrive out of order and overwrite each other across writes;
	# each read keeps the order it found and merges in the newer rows
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (h STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(h));
INSERT INTO t VALUES ('a',5,5000),('a',1,1000),('a',3,3000);
SELECT count(*), sum(v), min(ts), max(ts) FROM t WHERE ts >= 1000 AND ts < 5000;
INSERT INTO t VALUES ('a',4,4000),('a',30,3000),('a',2,2000),('a',0,500);
SELECT count(*), sum(v), min(ts), max(ts) FROM t WHERE ts >= 1000 AND ts < 5000;
INSERT INTO t VALUES ('a',6,6000),('a',10,1000),('a',40,4000);
SELECT ts, v FROM t WHERE ts > 500 AND ts <= 5000;
SELECT last_value(v ORDER BY ts), first_value(v ORDER BY ts) FROM t GROUP BY h;"
	assert_output --partial "| 2        | 4.0      | 1970-01-01T00:00:01 | 1970-01-01T00:00:03 |"
	assert_output --partial "| 4        | 37.0     | 1970-01-01T00:00:01 | 1970-01-01T00:00:04 |"
	assert_output --partial "| 6.0                                            | 0.0                                             |"
	run -0 sh -c "printf '%s\n' \"\$1\" | grep -E '^\| 1970' | head -5 | tr -s ' '" _ "$output"
	assert_output "| 1970-01-01T00:00:01 | 10.0 |
| 1970-01-01T00:00:02 | 2.0 |
| 1970-01-01T00:00:03 | 30.0 |
| 1970-01-01T00:00:04 | 40.0 |
| 1970-01-01T00:00:05 | 5.0 |"
}
