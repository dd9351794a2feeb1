#!/usr/bin/env bats
# gt-front --mysql-addr: the MySQL protocol against Debian's real
# clients: the `mysql` CLI (MariaDB's), pymysql (tests/py/mysql_client.py),
# MariaDB's Connector/C for server-side prepared statements
# (tests/tools/gt-my-client.c), and raw bytes a driver never sends
# (tests/py/mysql_raw.py).  Every server runs on free loopback ports and
# must stop with exit 0 (a sanitizer report makes it fail).

load helper

# Debian's python3 has python3-pymysql; a python3 earlier on PATH may not.
PY=/usr/bin/python3

my() { # mysql ARGS...: the CLI against the server, as root, database public
	mysql -h 127.0.0.1 -P "$MY_PORT" -u root --connect-timeout=10 "$@"
}

@test "mysql -B: several statements, tab-separated rows, timestamps as text in UTC" {
	start_front
	run -0 my -B -e "CREATE TABLE cpu (ts TIMESTAMP(3) TIME INDEX, host STRING PRIMARY KEY, usage DOUBLE, n BIGINT, up BOOLEAN);
		INSERT INTO cpu VALUES ('2024-01-02 03:04:05.678', 'a', 0.5, 3, true), ('2024-01-02 03:04:06', 'b', 2, -4, false), (0, 'c', NULL, NULL, NULL);
		SELECT * FROM cpu ORDER BY ts; SELECT count(*) AS n FROM cpu"
	assert_output "$(printf 'ts\thost\tusage\tn\tup
1970-01-01 00:00:00\tc\tNULL\tNULL\tNULL
2024-01-02 03:04:05.678\ta\t0.5\t3\t1
2024-01-02 03:04:06\tb\t2\t-4\t0
n
3')"
	stop_front
}

@test "mysql table output, SHOW DATABASES, SHOW TABLES, USE, DATABASE()" {
	start_front
	run -0 my -t -e "SHOW DATABASES"
	assert_output "+--------------------+
| Database           |
+--------------------+
| greptime_private   |
| information_schema |
| public             |
+--------------------+"
	run -0 my -B -N -e "CREATE DATABASE metrics; USE metrics; CREATE TABLE m (ts TIMESTAMP TIME INDEX, v DOUBLE); SHOW TABLES; SELECT DATABASE()"
	assert_output "$(printf 'm\nmetrics')"
	run -0 my -B -N -D metrics -e "SELECT DATABASE(); SHOW TABLES"
	assert_output "$(printf 'metrics\nm')"
	run -0 my -t -e "SELECT @@version_comment LIMIT 1"
	assert_output "+-------------------+
| @@version_comment |
+-------------------+
| GreptimeDB        |
+-------------------+"
	stop_front
}

@test "what JDBC connectors send: IF, IFNULL, COALESCE (over MySQL and HTTP alike)" {
	start_front
	run -0 my -B -N -e "SELECT IF(1, 'yes', 'no'), IF(0, 'yes', 'no'), IF(NULL, 'yes', 'no'), IFNULL(NULL, 'default'), IFNULL('value', 'default'), COALESCE(NULL, NULL, 'third'), IF(2 > 1, 1.5, 2)"
	assert_output "$(printf 'yes\tno\tno\tdefault\tvalue\tthird\t1.5')"
	run -0 curl -sS --data-urlencode "sql=SELECT IF(2 > 1, 'a', 'b') AS r, COALESCE(NULL, 'c') AS s" "http://$ADDR/v1/sql"
	assert_output --partial '"rows":[["a","c"]]'
	# Grafana's MySQL data source lists tables and columns of the current database
	run -0 my -B -N -e "CREATE TABLE g (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, v DOUBLE);
		SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE';
		SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'g' ORDER BY ordinal_position" public
	assert_output "$(printf 'g\nts\ttimestamp(3)\nhost\tstring\nv\tdouble')"
	stop_front
}

@test "mysql errors: MySQL numbers and SQLSTATEs, exit 1, the connection goes on" {
	start_front
	run -1 my -e "SELECT * FROM nosuch"
	assert_output --partial "ERROR 1146 (42S02) at line 1: (TableNotFound): Failed to plan SQL: Table not found: greptime.public.nosuch"
	run -1 my -e "SELECT 1 +"
	assert_output --partial "ERROR 1064 (42000) at line 1: (InvalidSyntax)"
	run -0 my -e "CREATE TABLE e (ts TIMESTAMP TIME INDEX, v DOUBLE)"
	run -1 my -e "SELECT nocol FROM e"
	assert_output --partial "ERROR 1054 (42S22)"
	run -1 my -D nosuchdb -e "SELECT 1"
	assert_output --partial "ERROR 1049 (42000): Unknown database 'nosuchdb'"
	# --force goes on after an error on the same connection
	run -0 bash -c "printf 'SELECT * FROM nosuch;\nSELECT 42;\n' | mysql -h 127.0.0.1 -P $MY_PORT -u root -B -N --force"
	assert_line 42
	stop_front
}

@test "the same query gives the same rows over HTTP and MySQL" {
	start_front
	run -0 my -e "CREATE TABLE s (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, v DOUBLE, n BIGINT);
		INSERT INTO s VALUES (1000, 'a', 1.25, 1), (2000, 'b', -3.5, 2), (3000, 'c', 1e20, 3)"
	sql="SELECT host, v, n FROM s ORDER BY ts"
	run -0 my -B -N -e "$sql"
	mysql_rows=$output
	run -0 curl -sS --data-urlencode "sql=$sql" "http://$ADDR/v1/sql"
	http_rows=$(echo "$output" | $PY -c 'import json,sys
for r in json.load(sys.stdin)["output"][0]["records"]["rows"]:
    print("\t".join("%s" % (repr(x) if isinstance(x, float) else x) for x in r))')
	# Python prints 1e20 as 1e+20 and MySQL as 100000000000000000000: compare as numbers
	run -0 $PY -c 'import sys
a = [l.split("\t") for l in sys.argv[1].splitlines()]
b = [l.split("\t") for l in sys.argv[2].splitlines()]
assert len(a) == len(b) == 3, (a, b)
for x, y in zip(a, b):
    assert x[0] == y[0] and float(x[1]) == float(y[1]) and int(x[2]) == int(y[2]), (x, y)' "$mysql_rows" "$http_rows"
	stop_front
}

@test "pymysql: parameterised queries with quotes, backslashes and unicode; column types" {
	start_front
	run -0 $PY "$TOP/tests/py/mysql_client.py" params "$MY_PORT" "$ADDR"
	assert_output "params ok"
	stop_front
}

@test "pymysql: 5000 rows buffered and unbuffered, equal to the HTTP answer" {
	start_front
	run -0 $PY "$TOP/tests/py/mysql_client.py" many "$MY_PORT" "$ADDR"
	assert_output "many ok"
	stop_front
}

@test "pymysql: errors raise ProgrammingError / OperationalError with MySQL's numbers" {
	start_front
	run -0 $PY "$TOP/tests/py/mysql_client.py" errors "$MY_PORT" "$ADDR"
	assert_output "errors ok"
	stop_front
}

@test "pymysql: session variables, SET, select_db, several result sets, ping" {
	start_front
	run -0 $PY "$TOP/tests/py/mysql_client.py" session "$MY_PORT" "$ADDR"
	assert_output "session ok"
	stop_front
}

@test "server-side prepared statements (libmariadb): binary parameters and rows, long data, re-execution" {
	start_front
	run -0 gt-my-client -P "$MY_PORT" "CREATE TABLE p (ts TIMESTAMP(3) TIME INDEX, host STRING PRIMARY KEY, v DOUBLE, n BIGINT, b BOOLEAN)"
	run -0 gt-my-client -P "$MY_PORT" "INSERT INTO p VALUES (?, ?, ?, ?, ?)" "t:2024-01-02 03:04:05.678" "s:it's" d:1.5 i:-7 i:1
	assert_output "affected: 1"
	run -0 gt-my-client -P "$MY_PORT" -l "INSERT INTO p VALUES (?, ?, ?, ?, ?)" "t:2024-01-02 03:04:06" "s:sent as long data" d:2.25 n: i:0
	assert_output "affected: 1"
	run -0 gt-my-client -P "$MY_PORT" "SELECT * FROM p WHERE v > ? ORDER BY ts" d:0
	assert_output "$(printf 'ts\thost\tv\tn\tb
2024-01-02 03:04:05.678\tit'"'"'s\t1.5\t-7\t1
2024-01-02 03:04:06.000\tsent as long data\t2.25\tNULL\t0
rows: 2')"
	run -0 gt-my-client -P "$MY_PORT" -n 3 "SELECT host, n FROM p WHERE host = ?" "s:it's"
	assert_output "$(printf "host\tn\nit's\t-7\nrows: 1")"
	run -0 gt-my-client -P "$MY_PORT" "SELECT count(*) AS c FROM numbers WHERE number < ?" i:40
	assert_output "$(printf 'c\n40\nrows: 1')"
	run -1 gt-my-client -P "$MY_PORT" "SELECT * FROM nosuch WHERE a = ?" i:1
	assert_output "error 1146 (42S02): (TableNotFound): Failed to plan SQL: Table not found: greptime.public.nosuch"
	stop_front
}

@test "PREPARE / EXECUTE / DEALLOCATE in SQL" {
	start_front
	run -0 my -B -e "PREPARE s FROM 'SELECT ? + 1 AS x, ? AS y'; EXECUTE s USING 41, 'it''s'; DEALLOCATE PREPARE s"
	assert_output "$(printf "x\ty\n42\tit's")"
	run -1 my -e "EXECUTE nosuch USING 1"
	assert_output --partial "ERROR 1243 (HY000)"
	stop_front
}

@test "SET of unknown variables is a warning; SHOW WARNINGS; SHOW VARIABLES; read_preference" {
	start_front
	run -0 my -B -e "SET some_unsupported_var = 123; SHOW WARNINGS; SELECT 1 AS one; SHOW WARNINGS"
	assert_output "$(printf 'Level\tCode\tMessage\nWarning\t1000\tUnsupported set variable SOME_UNSUPPORTED_VAR\none\n1')"
	run -0 my -B -N -e "SET SESSION max_execution_time = 2000; SELECT @@session.max_execution_time; SHOW VARIABLES LIKE 'max_exec%'"
	assert_output "$(printf '2000\nmax_execution_time\t2000')"
	run -0 my -B -N -e "SET read_preference = 'follower'; SELECT read_preference()"
	assert_output FOLLOWER
	run -1 my -e "SET read_preference = 'hi'"
	assert_output --partial "ERROR 1235 (42000) at line 1: (Unsupported): Not supported: Invalid read preference expr hi in set variable statement"
	stop_front
}

@test "KILL QUERY: the mysql client's Ctrl-C and pymysql stop a running statement (1317); KILL ends a connection" {
	start_front
	# --foreground: the SIGINT goes to mysql alone; without it timeout sends
	# it to its process group too, and a second Ctrl-C kills the connection
	run timeout --foreground -s INT 1 mysql -h 127.0.0.1 -P "$MY_PORT" -u root --connect-timeout=10 -e "SELECT pg_sleep(60)" public
	assert_output --partial 'Ctrl-C -- query killed.'
	assert_output --partial 'ERROR 1317 (70100) at line 1: (Cancelled): canceling statement due to user request'
	run "$PY" - "$MY_PORT" <<'EOF'
import pymysql, sys, threading, time
port = int(sys.argv[1])
a = pymysql.connect(host="127.0.0.1", port=port, database="public", user="root")
b = pymysql.connect(host="127.0.0.1", port=port, database="public", user="root")
cur = a.cursor()
cur.execute("SELECT connection_id()")
cid = cur.fetchone()[0]
threading.Timer(0.3, lambda: b.cursor().execute("KILL QUERY %d" % cid)).start()
t0 = time.time()
try:
    cur.execute("SELECT pg_sleep(60)")
    print("ran to the end")
except pymysql.err.OperationalError as e:
    print(e.args[0], "in time" if time.time() - t0 < 30 else "late")
cur.execute("SELECT 1")
print(cur.fetchall())
try:
    b.cursor().execute("KILL QUERY 999999")
except pymysql.err.MySQLError as e:
    print(e.args)
b.cursor().execute("KILL %d" % cid)
try:
    cur.execute("SELECT 1")
    print("still connected")
except pymysql.err.MySQLError as e:
    print("connection ended")
EOF
	assert_success
	assert_output "1317 in time
((1,),)
(1094, 'Unknown thread id: 999999')
connection ended"
	stop_front
}

@test "bad input: garbage, short handshake, out of sequence, over 16 MiB, truncated, unknown command" {
	start_front
	for c in garbage short_handshake order toobig truncated unknown bad_execute; do
		run -0 $PY "$TOP/tests/py/mysql_raw.py" "$c" "$MY_PORT"
		assert_line "still serving"
	done
	stop_front
}

@test "an idle connection is told (4031) and closed after --timeout" {
	start_front --timeout 1
	run -0 $PY "$TOP/tests/py/mysql_raw.py" idle "$MY_PORT"
	assert_line --partial "ERR 4031"
	assert_line "still serving"
	stop_front
}

@test "--user-provider: the right password gets in, a wrong one is 1045 on the CLI and pymysql" {
	start_front --user-provider "static_user_provider:cmd:alice=s3cret,bob="
	run -0 my -u alice -ps3cret -B -N -e "SELECT 1"
	assert_output 1
	run -1 my -u alice -pwrong -e "SELECT 1"
	assert_output --partial "ERROR 1045 (28000): Access denied for user 'alice'@'127.0.0.1' (using password: YES)"
	run -1 my -u mallory -e "SELECT 1"
	assert_output --partial "ERROR 1045 (28000)"
	run -0 my -u bob -B -N -e "SELECT 2"
	assert_output 2
	run -0 $PY "$TOP/tests/py/mysql_client.py" auth "$MY_PORT" "$ADDR" alice s3cret
	assert_output "auth ok"
	run -1 gt-my-client -P "$MY_PORT" -u alice -p nope "SELECT 1"
	assert_output --partial "error 1045"
	! grep -q s3cret "$T/front.log" || fail "the password is in the log"
	stop_front
}

@test "--mysql-addr '' serves no MySQL; the ready line leaves it out" {
	start_front --mysql-addr ''
	grep -q '^gt-front: ready http=' "$T/front.log" || fail "$(cat "$T/front.log")"
	! grep -q 'mysql=' "$T/front.log" || fail "$(cat "$T/front.log")"
	stop_front
}
