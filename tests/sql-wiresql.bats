#!/usr/bin/env bats
# What GreptimeDB's MySQL and PostgreSQL users see of the SQL engine
# that differs by protocol or comes with prepared statements: a string
# inserted into a numeric column over MySQL, placeholders ($1, ?) and
# their values, against the real `mysql` and `psql` clients.

load helper

my() { # mysql ARGS...: the CLI against the server, as root, database public
	mysql -h 127.0.0.1 -P "$MY_PORT" -u root --connect-timeout=10 "$@"
}

pg() { # psql ARGS...: against the server, database public, no .psqlrc
	psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d public -v ON_ERROR_STOP=1 "$@"
}

@test "mysql: a string inserted into a numeric column is read as that number; a timestamp string of digits counts the column's unit" {
	start_front
	run -0 my -B -N -e "CREATE TABLE t (ts TIMESTAMP TIME INDEX, i INT, f DOUBLE, b BOOLEAN);
		INSERT INTO t VALUES ('3', '13', '1.5', 'true'), ('4', '-14', '2e3', 'false');
		SELECT ts, i, f, b FROM t ORDER BY ts"
	assert_output "$(printf '1970-01-01 00:00:00.003\t13\t1.5\t1\n1970-01-01 00:00:00.004\t-14\t2000\t0')"
	run -1 my -B -N -e "INSERT INTO t VALUES (5, '15a', 1, true)"
	assert_output --partial "ERROR 1210 (HY000)"
	assert_output --partial "Unable to convert 15a to datatype Int32(Int32Type)"
	run -1 my -B -N -e "INSERT INTO t VALUES (5, '3000000000', 1, true)"
	assert_output --partial "Unable to convert 3000000000 to datatype Int32(Int32Type)"
	run -1 my -B -N -e "INSERT INTO t VALUES (5, 1, 1, 'yes')"
	assert_output --partial "Unable to convert yes to datatype Boolean(BooleanType)"
	# Nothing of the failed statements was written.
	run -0 my -B -N -e "SELECT count(*) FROM t"
	assert_output 2
	# Over HTTP a timestamp string of digits is the same count of milliseconds.
	run -0 curl -sS --data-urlencode "sql=INSERT INTO t VALUES ('5', 1, 1, true)" "http://$ADDR/v1/sql"
	run -0 my -B -N -e "SELECT ts FROM t WHERE i = 1"
	assert_output "1970-01-01 00:00:00.005"
	stop_front
}

@test "mysql: PREPARE and EXECUTE bind values to placeholders, named \$N as GreptimeDB names them" {
	start_front
	run -0 my -t -e "PREPARE s FROM 'SELECT ?::int, CAST(? AS STRING), ? + 1'; EXECUTE s USING 7, 'x', 2.5"
	assert_output "+------+------+---------------+
| \$1   | \$2   | \$3 + Int64(1) |
+------+------+---------------+
|    7 | x    |           3.5 |
+------+------+---------------+"
	# A string under a cast to a number must read as one.
	run -1 my -e "PREPARE s FROM 'SELECT ?::int'; EXECUTE s USING 'a'"
	assert_output --partial "ERROR 1210 (HY000)"
	assert_output --partial "Invalid request parameter: Unable to convert a to datatype Int32(Int32Type)"
	run -0 my -B -N -e "PREPARE s FROM 'SELECT ?::int'; EXECUTE s USING '12'"
	assert_output 12
	# LIMIT and OFFSET take placeholders; '?' inside a string is text.
	run -0 my -B -N -e "CREATE TABLE t (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY);
		INSERT INTO t VALUES (1, 'a'), (2, 'b?'), (3, 'c');
		PREPARE q FROM 'SELECT host FROM t WHERE host != ? ORDER BY ts LIMIT ? OFFSET ?';
		EXECUTE q USING 'c', 5, 1; DEALLOCATE q"
	assert_output "b?"
	# A placeholder with no value fails the statement, as GreptimeDB's execution does.
	run -1 my -e "SELECT ?"
	assert_output --partial "ERROR 1815 (HY000)"
	assert_output --partial "Placeholder '?' was not provided a value for execution."
	run -1 my -e "PREPARE s FROM 'SELECT ?, ?'; EXECUTE s USING 1"
	assert_output --partial "Incorrect arguments to EXECUTE: 1 given, 2 expected"
	stop_front
}

@test "HTTP: a placeholder without a value is an execution error" {
	start_front
	run -0 curl -sS --data-urlencode 'sql=SELECT $1' "http://$ADDR/v1/sql"
	assert_output --partial "Placeholder '\$1' was not provided a value for execution."
	assert_output --partial '"code":3001'
	stop_front
}

@test "TIMESTAMP 'text' is the text cast to a timestamp; text arrow cannot read fails as GreptimeDB's cast does" {
	start_front
	run -0 curl -sS --data-urlencode "sql=SELECT timestamp '2017-07-23 13:10:11' AS a, TIMESTAMP '1970-01-01' + interval '1 day' AS b" "http://$ADDR/v1/sql"
	assert_output --partial '"rows":[[1500815411000,86400000]]'
	run -0 my -B -N -e "SELECT timestamp '2017-07-23T13:10:11Z'"
	assert_output "2017-07-23 13:10:11"
	run -0 curl -sS --data-urlencode "sql=SELECT '294247-01-10 04:00:54'::timestamp" "http://$ADDR/v1/sql"
	assert_output --partial "Parser error: Error parsing timestamp from '294247-01-10 04:00:54': error parsing date"
	assert_output --partial '"code":3001'
	run -0 curl -sS --data-urlencode "sql=SELECT timestamp '2017-07-23A13:10:11'" "http://$ADDR/v1/sql"
	assert_output --partial "Error parsing timestamp from '2017-07-23A13:10:11': invalid timestamp separator"
	stop_front
}
