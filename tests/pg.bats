#!/usr/bin/env bats
# pg.bats - gt-front's PostgreSQL protocol (--postgres-addr) with the real
# clients: psql (several statements, \dt, \d TABLE, errors with their
# SQLSTATE, pg_catalog's tables and functions), libpq's extended protocol
# (tests/tools/gt-pq-client: PQexecParams with text and binary parameters
# and results, PQprepare + PQexecPrepared, many rows), psycopg2 (tests/py/pg_psycopg2.py), and
# hand-made bytes for what clients never send (tests/py/pg_raw.py).

load helper

PY=/usr/bin/python3   # Debian's python, with python3-psycopg2

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/gt-test.XXXXXX")
	export T
	command -v psql > /dev/null || skip "psql is not installed (scripts/install-deps)"
}

pq() { # psql over the server's PostgreSQL port, unaligned, errors verbose
	PGCONNECT_TIMEOUT=5 psql -X -h 127.0.0.1 -p "$PG_PORT" -U greptime -d public -v VERBOSITY=verbose "$@"
}

conninfo() {
	echo "host=127.0.0.1 port=$PG_PORT dbname=public user=greptime connect_timeout=5"
}

@test "psql: several statements in one -c, rows with PostgreSQL's text forms" {
	start_front
	run -0 pq -A -c "CREATE TABLE cpu (ts TIMESTAMP(6) TIME INDEX, host STRING PRIMARY KEY, usage DOUBLE, n BIGINT, ok BOOLEAN);
		INSERT INTO cpu VALUES ('2024-01-01 00:00:00.5', 'a', 1.5, 42, true), (1700000000000000, 'b', 2, -7, false),
			('2024-01-01 00:00:00.000123', 'c', NULL, NULL, NULL);
		SELECT * FROM cpu ORDER BY host"
	assert_output "CREATE TABLE
INSERT 0 3
ts|host|usage|n|ok
2024-01-01 00:00:00.5|a|1.5|42|t
2023-11-14 22:13:20|b|2|-7|f
2024-01-01 00:00:00.000123|c|||
(3 rows)"
	run -0 pq -c "INSERT INTO cpu VALUES (1, 'd', 1e300, 1, true)" -c "DELETE FROM cpu WHERE host = 'd'" \
		-c "SELECT 1e-7 AS small, 123456789012345678 AS big, 0.1 + 0.2 AS sum"
	assert_output "INSERT 0 1
DELETE 1
 small |        big         |         sum         
-------+--------------------+---------------------
 1e-07 | 123456789012345678 | 0.30000000000000004
(1 row)"
	stop_front
}

@test "psql: a timestamp difference is an interval, a TIME cast a time, in PostgreSQL's text" {
	start_front
	run -0 pq -A -c "SELECT '2025-04-14 20:42:19.021000'::TIMESTAMP - '2025-04-14 20:42:18.103000'::TIMESTAMP AS d,
		'2025-04-15 22:42:19'::TIMESTAMP - '2025-04-14 20:42:19'::TIMESTAMP AS h, now() - now() AS z,
		'2025-04-14 20:42:19.5'::TIMESTAMP::TIME AS t"
	assert_output "d|h|z|t
00:00:00.918000|26:00:00|00:00:00|20:42:19.5
(1 row)"
	stop_front
}

@test "psql: \\dt, \\d, \\d TABLE, \\dn and \\l describe the catalog" {
	start_front
	run -0 pq -c "CREATE TABLE cpu (ts TIMESTAMP(3) TIME INDEX, host STRING, usage DOUBLE DEFAULT 0, n INT, f FLOAT, PRIMARY KEY(host))"
	run -0 pq -c '\dt'
	assert_output "          List of relations
 Schema |  Name   | Type  |  Owner   
--------+---------+-------+----------
 public | cpu     | table | postgres
 public | numbers | table | postgres
(2 rows)"
	run -0 pq -c '\d cpu'
	assert_output '                          Table "public.cpu"
 Column |            Type             | Collation | Nullable | Default 
--------+-----------------------------+-----------+----------+---------
 ts     | timestamp without time zone |           | not null | 
 host   | text                        |           |          | 
 usage  | double precision            |           |          | 0
 n      | integer                     |           |          | 
 f      | real                        |           |          | '
	run -0 pq -c '\d+ cpu'
	assert_output --partial ' usage  | double precision            |           |          | 0       | plain    |             |              | '
	assert_output --partial ' host   | text                        |           |          |         | extended |'
	run -0 pq -A -t -c '\dt+ cpu'
	assert_output 'public|cpu|table|postgres|permanent|mito||'
	run -0 pq -c '\dt cp*'
	assert_output --partial ' public | cpu  | table | postgres'
	refute_output --partial numbers
	run -1 pq -c '\d nope'
	assert_output 'Did not find any relation named "nope".'
	run -0 pq -c '\dv' -c '\di'
	assert_output 'Did not find any relations.
Did not find any relations.'
	run -0 pq -c "CREATE DATABASE other" -c '\dn'
	assert_output --partial '  Name  |  Owner   
--------+----------
 other  | postgres
 public | postgres
(2 rows)'
	run -0 pq -A -t -c '\l'
	assert_output 'greptime_private|postgres|UTF8|C|C||libc|
information_schema|postgres|UTF8|C|C||libc|
other|postgres|UTF8|C|C||libc|
public|postgres|UTF8|C|C||libc|'
	stop_front
}

@test "pg_catalog: pg_namespace, pg_class, pg_attribute, pg_type for PostgreSQL sessions only; the functions tools call" {
	start_front
	run -0 pq -c "CREATE TABLE cpu (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, usage DOUBLE, n BIGINT)" \
		-c "CREATE DATABASE other" -c "CREATE TABLE other.o (ts TIMESTAMP TIME INDEX)"
	run -0 pq -A -t -c "SELECT nspname, nspowner FROM pg_catalog.pg_namespace ORDER BY nspname"
	assert_output "greptime_private|10
information_schema|10
other|10
public|10"
	# a schema's oid is the same on every call and after a restart
	run -0 pq -A -t -c "SELECT oid FROM pg_namespace WHERE nspname = 'other'"
	local oid=$output
	run -0 pq -A -t -c "SELECT relname, relkind, pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class
		WHERE relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'other')"
	assert_output "o|r|postgres"
	run -0 pq -A -t -c "SELECT relname FROM pg_class WHERE relnamespace IN
		(SELECT oid FROM pg_namespace WHERE nspname = 'public' OR nspname = 'other') ORDER BY relname"
	assert_output "cpu
numbers
o"
	run -0 pq -A -t -c "SELECT attname, atttypid, attnotnull FROM pg_attribute WHERE attrelid = 'cpu'::regclass::oid ORDER BY attnum"
	assert_output "ts|1114|t
host|25|f
usage|701|f
n|20|f"
	run -0 pq -A -t -c "SELECT typname FROM pg_catalog.pg_type WHERE oid = 1114"
	assert_output "timestamp"
	# the search path: the database, then public; the system schemas with current_schemas(true)
	run -0 pq -A -t -c "SELECT current_schema(), current_database(), current_schemas(false), current_schemas(true), session_user"
	assert_output "public|public|{public}|{public,information_schema,pg_catalog,greptime_private}|greptime"
	run -0 psql -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U greptime -d other -c "SELECT current_schemas(false),
		'other' = ANY (current_schemas(false)), 'nope' = ANY (current_schemas(true))" \
		-c "SELECT relname FROM pg_class WHERE pg_table_is_visible(oid) ORDER BY relname"
	assert_output "{other,public}|t|f
cpu
numbers
o"
	run -0 pq -A -t -c "SELECT obj_description(oid, 'pg_class') IS NULL, pg_my_temp_schema() FROM pg_class WHERE relname = 'cpu'"
	assert_output "t|0"
	# arrays are their text form: what Grafana's metadata queries take apart
	run -0 pq -A -t -c "SELECT string_to_array('a, b,c', ','), array_upper(string_to_array('a,b', ','), 1),
		(string_to_array('a,b,c', ','))[2], quote_ident('cpu'), quote_ident('My Tab'), parse_ident('my_db.Foo')"
	assert_output '{a," b",c}|2|b|cpu|"My Tab"|{my_db,foo}'
	run -0 pq -A -c "DESC TABLE pg_catalog.pg_namespace"
	assert_output "Column|Type|Key|Null|Default|Semantic Type
oid|Int32||NO||FIELD
nspname|String||NO||FIELD
nspowner|Int32||NO||FIELD
nspacl|String||YES||FIELD
options|String||YES||FIELD
(5 rows)"
	run -1 pq -c "CREATE DATABASE pg_catalog"
	assert_output --partial "Schema pg_catalog already exists"
	# over HTTP (as over MySQL) there is no pg_catalog
	run -0 curl -s "http://$ADDR/v1/sql" --data-urlencode "sql=SELECT * FROM pg_catalog.pg_class"
	assert_output --partial "Table not found: greptime.pg_catalog.pg_class"
	stop_front
	start_front
	run -0 pq -A -t -c "SELECT oid FROM pg_namespace WHERE nspname = 'other'"
	assert_output "$oid"
	stop_front
}

@test "pg_catalog: pg_class JOIN pg_attribute JOIN pg_type lists a table's columns, as tools ask" {
	start_front
	run -0 pq -c "CREATE TABLE foo (ts TIMESTAMP TIME INDEX, log_data STRING, count_num BIGINT)"
	run -0 pq -A -t -c "SELECT attname, atttypid, typ.typname FROM pg_catalog.pg_class AS cls INNER JOIN
pg_catalog.pg_attribute AS attr ON cls.oid = attr.attrelid INNER JOIN
pg_catalog.pg_type AS typ ON attr.atttypid = typ.oid WHERE attr.attnum >= 0 AND
cls.oid = 'foo'::regclass::oid ORDER BY attr.attnum"
	assert_output "ts|1114|timestamp
log_data|25|text
count_num|20|int8"
	# psql's \dv, \di and \ds join pg_class with pg_namespace through the engine
	for c in '\dv' '\di' '\ds'; do
		run -0 pq -c "$c"
		assert_output "Did not find any relations."
	done
	stop_front
}

@test "functions in FROM: generate_series as rows, a scalar function as one row; current_setting, user, trim" {
	start_front
	run -0 pq -A -t -c "SELECT * FROM generate_series(1, 5, 2) AS i" -c "SELECT count(*) FROM generate_series(5, 1)" \
		-c "SELECT i, s[i] FROM generate_series(1, 2) i, string_to_array('a,b', ',') s ORDER BY i" \
		-c "SELECT current_setting('search_path'), current_setting('DateStyle'), user, trim('  x ') || '|'"
	assert_output "1
3
5
0
1|a
2|b
public|ISO, MDY|greptime|x|"
	run pq -c "SELECT current_setting('no_such')"
	assert_output --partial 'unrecognized configuration parameter "no_such"'
	run pq -c "SELECT * FROM generate_series(1, 3, 0)"
	assert_output --partial 'step size cannot equal zero'
	stop_front
}

@test "psql: errors carry SQLSTATE codes and positions; the session goes on" {
	start_front
	run -1 pq -c "SELECT * FROM nope"
	assert_output --partial 'ERROR:  42P01: Failed to plan SQL: Table not found: greptime.public.nope'
	run -1 pq -c "CREATE TABLE t (ts TIMESTAMP TIME INDEX, v DOUBLE)" -c "SELECT nope FROM t"
	assert_output --partial 'ERROR:  42703: Failed to plan SQL: No field named nope.'
	run -1 pq -c "SELECT 1;
SELEC 2"
	assert_output --partial 'ERROR:  42601: SQL statement is not supported, keyword: SELEC
LINE 2: SELEC 2
        ^'
	run -1 pq -c "CREATE TABLE t (ts TIMESTAMP TIME INDEX)"
	assert_output --partial 'ERROR:  42P07:'
	# the connection serves the next -c after an error (psql's exit status is the last one's)
	run -0 pq -c "SELECT * FROM nope" -c "SELECT 42 AS answer"
	assert_output --partial '     42'
	run -2 psql -X -h 127.0.0.1 -p "$PG_PORT" -U greptime -d nodb -c 'SELECT 1'
	assert_output --partial 'FATAL:  database "nodb" does not exist'
	stop_front
}

@test "psql: transactions, SET and SHOW as PostgreSQL clients expect them" {
	start_front
	run -0 pq -c "CREATE DATABASE other" -c "CREATE TABLE other.o (ts TIMESTAMP TIME INDEX, v DOUBLE)"
	run -0 pq -A -t -c "BEGIN" -c "SHOW search_path" -c "SET search_path TO other" -c "SHOW search_path" \
		-c "SHOW TABLES" -c "SHOW client_encoding" -c "SET extra_float_digits = 3" -c "COMMIT"
	assert_output "BEGIN
public
SET
other
o
UTF8
SET
COMMIT"
	run -0 psql -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U greptime -d other -c 'SHOW TABLES'
	assert_output "o"
	# what tools ask on connect
	run -0 psql -X -A -h 127.0.0.1 -p "$PG_PORT" -U bob -d other \
		-c "SELECT current_database(), current_schema() AS s, current_user, pg_catalog.current_setting('server_version_num')" \
		-c 'select version()'
	assert_output "current_database()|s|current_user()|current_setting
other|other|bob|160003
(1 row)
version
PostgreSQL 16.3 (gt 0.1.0, GreptimeDB-compatible) on x86_64-pc-linux-gnu
(1 row)"
	stop_front
}

@test "libpq: PQexecParams with text and binary parameters, binary results, PQprepare, many rows" {
	start_front
	run -0 gt-pq-client "$(conninfo)" "CREATE TABLE cpu (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, usage DOUBLE, n BIGINT, ok BOOLEAN)"
	run -0 gt-pq-client "$(conninfo)" 'INSERT INTO cpu VALUES ($1, $2, $3, $4, $5)' "ts:2024-01-01 00:00:01" a float8:1.5 int8:42 bool:t
	assert_output "status: INSERT 0 1"
	run -0 gt-pq-client "$(conninfo)" 'INSERT INTO cpu VALUES ($1, $2, $3, $4, $5)' "2024-01-01 00:00:02" "b'q" 2.25 7 NULL
	run -0 gt-pq-client "$(conninfo)" 'INSERT INTO cpu VALUES ($1, $2, $3, $4, $5)' "ts:2024-01-01 00:00:03" c NULL int4:-3 bool:f
	run -0 gt-pq-client "$(conninfo)" 'SELECT * FROM cpu WHERE n > $1 ORDER BY ts' int2:0
	assert_output "ts:1114|host:25|usage:701|n:20|ok:16
2024-01-01 00:00:01|a|1.5|42|t
2024-01-01 00:00:02|b'q|2.25|7|NULL
status: SELECT 2"
	run -0 gt-pq-client -b "$(conninfo)" 'SELECT ts, host, usage, n, ok, n * 2 = $2 AS b FROM cpu WHERE host <> $1 ORDER BY ts' "b'q" int8:84
	assert_output "ts:1114|host:25|usage:701|n:20|ok:16|b:16
2024-01-01 00:00:01.000000|a|1.5|42|t|t
2024-01-01 00:00:03.000000|c|NULL|-3|f|f
status: SELECT 2"
	run -0 gt-pq-client -p s1 -n 2 "$(conninfo)" 'SELECT host, n FROM cpu WHERE n >= $1 ORDER BY host' 5
	assert_output "describe: 1 params, 2 columns
host:25|n:20
a|42
b'q|7
status: SELECT 2
host:25|n:20
a|42
b'q|7
status: SELECT 2"
	# Describe of a statement learns its columns where a NULL parameter would not do
	run -0 gt-pq-client -p s2 "$(conninfo)" 'SELECT number AS n FROM numbers LIMIT $1' int8:2
	assert_output "describe: 1 params, 1 columns
n:1700
0
1
status: SELECT 2"
	run -0 gt-pq-client -c "$(conninfo)" 'SELECT number FROM numbers LIMIT $1' int4:100000
	assert_output "rows: 100000"
	run -0 gt-pq-client -b "$(conninfo)" 'SELECT count(*) AS c, sum(number) AS s FROM numbers WHERE number < $1' float8:50
	assert_output "c:20|s:1700
50|1225
status: SELECT 1"
	run -1 gt-pq-client "$(conninfo)" 'SELECT $2' a
	assert_output 'error: 08P01 bind message supplies 1 parameters, but prepared statement "" requires 2'
	run -1 gt-pq-client "$(conninfo)" 'SELECT * FROM nope WHERE x = $1' 1
	assert_output 'error: 42P01 Failed to plan SQL: Table not found: greptime.public.nope'
	stop_front
}

@test "psycopg2: parameters, thousands of rows, error classes, the same rows as HTTP" {
	[ -x "$PY" ] && "$PY" -c 'import psycopg2' 2>/dev/null || skip "python3-psycopg2 is not installed"
	start_front
	run -0 "$PY" "$TOP/tests/py/pg_psycopg2.py" "$PG_PORT" "$ADDR"
	refute_output --partial Traceback
	assert_line "ok 5000 rows back with their Python types"
	assert_line "ok UndefinedColumn"
	assert_line "ok the same rows over HTTP and PostgreSQL"
	stop_front
}

@test "cancel requests: psql's Ctrl-C and psycopg2's cancel() stop a running statement with 57014" {
	start_front
	# psql on SIGINT sends a CancelRequest on a new connection
	run timeout -s INT 1 psql -X -h 127.0.0.1 -p "$PG_PORT" -U greptime -d public -c "SELECT pg_sleep(60)"
	assert_output --partial 'Cancel request sent'
	assert_output --partial 'ERROR:  canceling statement due to user request'
	[ -x "$PY" ] && "$PY" -c 'import psycopg2' 2>/dev/null || skip "python3-psycopg2 is not installed"
	run "$PY" - "$PG_PORT" <<'EOF'
import psycopg2, sys, threading, time
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), dbname="public", user="greptime")
c.autocommit = True
cur = c.cursor()
t0 = time.time()
threading.Timer(0.3, c.cancel).start()
try:
    cur.execute("SELECT pg_sleep(60)")
    print("ran to the end")
except psycopg2.errors.QueryCanceled as e:
    print("QueryCanceled", e.pgcode, str(e).strip(), "in time" if time.time() - t0 < 30 else "late")
c.cancel()  # while idle: nothing to cancel, the next statement runs
cur.execute("SELECT 1")
print(cur.fetchall())
EOF
	assert_success
	assert_output "QueryCanceled 57014 canceling statement due to user request in time
[(1,)]"
	stop_front
}

@test "bad input closes the connection with a protocol error; the server and other connections go on" {
	start_front
	psql -X -h 127.0.0.1 -p "$PG_PORT" -U greptime -d public -c 'SELECT 1' > /dev/null
	raw() { run -0 "$PY" "$TOP/tests/py/pg_raw.py" "$PG_PORT" "$1"; }
	raw garbage;        assert_output "closed"
	raw ssl;            assert_output "N
R S S S S S S S S S S K Z"
	raw cancel;         assert_output "closed"
	raw oldproto;       assert_output "E:0A000 closed"
	raw huge;           assert_output "E:54000 closed"
	raw badlen;         assert_output "E:08P01 closed"
	raw unknown;        assert_output "E:08P01 closed"
	raw truncated-bind; assert_output "1 E:08P01 closed"
	raw midquery
	raw extended-error; assert_output "1 2 E:42P01 Z
1 2 D C Z"
	raw suspend;        assert_output "1 2 D D s D D s D C Z"
	raw empty;          assert_output "I Z"
	raw tx-portal;      assert_output "C Z
1 2 D D s Z
D C Z
C Z
E:34000 Z"
	run -0 pq -A -t -c 'SELECT 7'
	assert_output 7
	stop_front
}

@test "an idle connection is closed after --timeout" {
	start_front --timeout 1
	run -0 "$PY" "$TOP/tests/py/pg_raw.py" "$PG_PORT" idle
	assert_output "E:57P05 closed"
	stop_front
}

@test "--postgres-addr '' turns the protocol off" {
	start_front --postgres-addr ''
	run -0 grep '^gt-front: ready ' "$T/front.log"
	refute_output --partial postgres=
	stop_front
}

@test "--user-provider: SCRAM-SHA-256 with the right password; a wrong one or an unknown user is 28P01" {
	printf 'root=Sup3r secret\nreader=r\n' > "$T/users"
	start_front --user-provider "static_user_provider:file:$T/users"
	run -0 env PGPASSWORD='Sup3r secret' psql -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U root -d public -c 'SELECT 1'
	assert_output 1
	run -0 gt-pq-client "host=127.0.0.1 port=$PG_PORT dbname=public user=reader password=r" 'SELECT $1::BIGINT AS x' int8:5
	assert_output "x:20
5
status: SELECT 1"
	run -2 env PGPASSWORD=wrong psql -X -h 127.0.0.1 -p "$PG_PORT" -U root -d public -c 'SELECT 1'
	assert_output --partial 'FATAL:  password authentication failed for user "root"'
	run -2 env PGPASSWORD=r psql -X -h 127.0.0.1 -p "$PG_PORT" -U nobody -d public -c 'SELECT 1'
	assert_output --partial 'FATAL:  password authentication failed for user "nobody"'
	run -2 env PGPASSWORD= psql -X -w -h 127.0.0.1 -p "$PG_PORT" -U root -d public -c 'SELECT 1'
	assert_output --partial 'password'
	run -1 grep -F 'Sup3r' "$T/front.log"
	stop_front
}

@test "--postgres-addr unix:DIR/.s.PGSQL.PORT is where psql -h DIR -p PORT connects" {
	mkdir "$T/sock"
	start_front --postgres-addr "unix:$T/sock/.s.PGSQL.5999"
	assert_equal "$(grep -c "postgres=unix:$T/sock/.s.PGSQL.5999" "$T/front.log")" 1
	run -0 psql -X -A -t -h "$T/sock" -p 5999 -U greptime -d public -c 'SELECT 40 + 2'
	assert_output 42
	stop_front
}
