#!/usr/bin/env bats
# wire-stream.bats - a SELECT of one table's columns goes onto the
# PostgreSQL and MySQL wire as the scan makes its rows (sql.h: struct
# gt_sql_sink).  The rows must be what the gathering path gives: the
# reference is the same query with one column as an expression (v + 0),
# which the executor never streams, over the same protocol.

load helper

PY=/usr/bin/python3

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/gt-test.XXXXXX")
	export T
	command -v psql > /dev/null || skip "psql is not installed (scripts/install-deps)"
	command -v mysql > /dev/null || skip "mysql is not installed (scripts/install-deps)"
}

pq() {
	PGCONNECT_TIMEOUT=5 psql -X -h 127.0.0.1 -p "$PG_PORT" -U greptime -d public -A "$@"
}

my() {
	mysql -h 127.0.0.1 -P "$MY_PORT" -u root --connect-timeout=10 -D public -B "$@"
}

# 20,000 rows of 40 hosts in two INSERTs, a flush between them: the scan
# merges an SST and the memtable, and the text passes the servers' write
# buffers many times over.
load_rows() {
	local i
	for i in 0 1; do
		awk -v part="$i" 'BEGIN {
			printf "INSERT INTO t (ts, host, v, n) VALUES "
			for (r = 0; r < 10000; r++) {
				k = part * 10000 + r
				printf "%s(%.0f, '\''host_%02d'\'', %s, %s)", r ? ", " : "", 1700000000000 + k * 1000, k % 40,
					k % 7 ? sprintf("%.2f", k / 3) : "NULL", k % 11 ? k : "NULL"
			}
		}' > "$T/ins.sql"
		curl -fsS "http://$ADDR/v1/sql?db=public" --data-urlencode "sql@$T/ins.sql" > /dev/null
		[ "$i" = 1 ] || curl -fsS "http://$ADDR/v1/sql?db=public" --data-urlencode "sql=ADMIN flush_table('t')" > /dev/null
	done
}

@test "psql and mysql: streamed rows equal the gathered ones, with WHERE, LIMIT and OFFSET" {
	start_front
	curl -fsS "http://$ADDR/v1/sql?db=public" --data-urlencode \
		"sql=CREATE TABLE t (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, v DOUBLE, n BIGINT)" > /dev/null
	load_rows
	local where q
	for where in "" "WHERE n > 15000 OR host = 'host_07'" "WHERE v IS NULL"; do
		for q in "" "LIMIT 0" "LIMIT 1" "LIMIT 5000 OFFSET 1234" "OFFSET 19990" "LIMIT 3 OFFSET 30000"; do
			pq -c "SELECT ts, host, v, n FROM t $where $q" > "$T/pg.s"
			pq -c "SELECT ts, host, v + 0 AS v, n FROM t $where $q" > "$T/pg.g"
			cmp "$T/pg.s" "$T/pg.g" || fail "psql: $where $q: streamed rows differ"
			my -e "SELECT ts, host, v, n FROM t $where $q" > "$T/my.s"
			my -e "SELECT ts, host, v + 0 AS v, n FROM t $where $q" > "$T/my.g"
			cmp "$T/my.s" "$T/my.g" || fail "mysql: $where $q: streamed rows differ"
		done
	done
	# the whole table: 20,000 rows and psql's count line
	run -0 pq -t -c "SELECT * FROM t"
	[ "${#lines[@]}" -eq 20000 ] || fail "psql got ${#lines[@]} rows"
	# names: *, an alias, a qualified column, a table alias
	run -0 pq -c "SELECT t.host, v AS value, * FROM t LIMIT 1"
	assert_line -n 0 "host|value|ts|host|v|n"
	run -0 pq -c "SELECT x.n FROM t AS x WHERE x.n = 12"
	assert_output "n
12
(1 row)"
	run -0 my -e "SELECT t.host, v AS value FROM t WHERE n = 12"
	assert_output "host	value
host_12	4"
	stop_front
}

@test "a streamed query that fails before anything was sent is answered by its error alone" {
	start_front
	curl -fsS "http://$ADDR/v1/sql?db=public" --data-urlencode \
		"sql=CREATE TABLE t (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, v DOUBLE, n BIGINT)" > /dev/null
	# an empty table: the WHERE is never evaluated, as without streaming
	run -0 "$PY" "$BATS_TEST_DIRNAME/py/pg_raw.py" "$PG_PORT" query "SELECT ts FROM t WHERE nosuch > 1"
	assert_output "T C Z"
	load_rows
	run -0 "$PY" "$BATS_TEST_DIRNAME/py/pg_raw.py" "$PG_PORT" query "SELECT ts, v FROM t WHERE nosuch > 1"
	assert_output "E:42703 Z"
	run -0 "$PY" "$BATS_TEST_DIRNAME/py/pg_raw.py" "$PG_PORT" query "SELECT host FROM t LIMIT 2"
	assert_output "T D*2 C Z"
	run -1 pq -c "SELECT ts FROM t WHERE nosuch > 1"
	assert_output --partial "No field named nosuch"
	run -1 my -e "SELECT ts FROM t WHERE nosuch > 1"
	assert_output --partial "No field named nosuch"
	# the sessions go on
	run -0 my -N -e "SELECT ts FROM t WHERE nosuch > 1; SELECT count(*) FROM t" --force
	assert_output --partial "20000"
	stop_front
}
