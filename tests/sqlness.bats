#!/usr/bin/env bats
# The sqlness runner (tests/sqlness.sh, gt-sqlness) on small case
# directories of its own.  Expected results are recorded by the runner
# itself (--record) and then compared, so these tests check the runner
# (servers, statements, directives, counts, the passing list) whatever
# the SQL engine answers today.
load helper

cases() {
	mkdir -p "$T/cases/select" "$T/cases/join"
	cat > "$T/cases/basic.sql" <<'EOF'
CREATE TABLE t (host STRING, ts TIMESTAMP TIME INDEX, val DOUBLE, PRIMARY KEY(host));

INSERT INTO t VALUES ('b', 2, 2.0), ('a', 1, 1.0), ('c', 3, 3.0);

-- SQLNESS SORT_RESULT 3 1
SELECT host, val FROM t;

-- SQLNESS REPLACE (\d+) N
-- SQLNESS SLEEP 100ms
SELECT count(*) FROM t;

-- SQLNESS ARG restart=true
SELECT host FROM t ORDER BY host;
EOF
	cat > "$T/cases/select/one.sql" <<'EOF'
SELECT 1;

USE public;

-- a comment
SELECT
  2;
EOF
	printf -- '-- SQLNESS PROTOCOL SMTP\nSELECT 1;\n' > "$T/cases/join/proto.sql"
	export GT_SQLNESS_DIR=$T/cases GT_SQLNESS_PASSING=$T/passing.txt
}

have_server() {
	gt-front --help 2>&1 | grep -q -- --standalone || skip "gt-front has no --standalone yet"
}

@test "gt-sqlness --selftest: case splitting, SORT_RESULT, REPLACE" {
	run -0 gt-sqlness --selftest
	refute_output --partial "not ok"
}

@test "sqlness.sh: recorded results pass, an unknown PROTOCOL fails, counts per directory" {
	have_server
	cases
	run -0 gt-sqlness --cases "$T/cases" --server "$(command -v gt-front)" --record
	[ -s "$T/cases/basic.result" ]
	grep -q '^-- SQLNESS SORT_RESULT 3 1$' "$T/cases/basic.result"
	run -0 sh "$TOP/tests/sqlness.sh" -v
	assert_line "ok   basic.sql"
	assert_line "ok   select/one.sql"
	assert_line --partial "FAIL join/proto.sql: statement 1: unknown PROTOCOL SMTP"
	assert_line --regexp '^  select +1/1$'
	assert_line --regexp '^  join +0/1$'
	assert_line "sqlness target set: 2/2 (100.0%)"
	assert_equal "${lines[-1]}" "sqlness: 2/3 case files passed"
}

@test "sqlness.sh: a changed result fails and -v shows where" {
	have_server
	cases
	run -0 gt-sqlness --cases "$T/cases" --server "$(command -v gt-front)" --record select
	printf 'SELECT 1;\n\nsomething else\n\n' > "$T/cases/select/one.result"
	run -0 sh "$TOP/tests/sqlness.sh" -v select
	assert_line "FAIL select/one.sql: output differs"
	assert_line "  first difference at line 3:"
	assert_line "  expected| something else"
	assert_equal "${lines[-1]}" "sqlness: 0/1 case files passed"
}

@test "sqlness.sh --check, --update: the passing list guards against regressions" {
	cases
	# An empty list never fails, whatever passes.
	: > "$T/passing.txt"
	run -0 sh "$TOP/tests/sqlness.sh" --check join
	assert_equal "${lines[-1]}" "sqlness: 0/1 case files passed"
	# A listed file that fails now is named and fails the check.
	printf '# comment\njoin/proto.sql\nother/kept.sql\n' > "$T/passing.txt"
	run -1 sh "$TOP/tests/sqlness.sh" --check join
	assert_line "sqlness: regression: join/proto.sql passed before and fails now"
	assert_equal "${lines[-1]}" "sqlness: 0/1 case files passed"
	# --update drops it and keeps the entries outside the run.
	run -0 sh "$TOP/tests/sqlness.sh" --update join
	run -0 grep -v '^#' "$T/passing.txt"
	assert_output "other/kept.sql"
}

@test "sqlness.sh: a server that cannot start fails every file, quickly" {
	cases
	run -0 gt-sqlness --cases "$T/cases" --server /nonexistent/gt-front -v
	assert_line --partial "FAIL basic.sql: server exited with status 127 before it was ready"
	assert_equal "${lines[-1]}" "sqlness: 0/3 case files passed"
}

@test "sqlness.sh: usage errors exit 100" {
	cases
	run -100 sh "$TOP/tests/sqlness.sh" no-such-dir
	assert_output --partial "no case file or directory 'no-such-dir'"
	run -100 gt-sqlness --cases "$T/cases"
	run -100 gt-sqlness --cases "$T/cases" --server x --check
	GT_SQLNESS_DIR=$T/none run -100 sh "$TOP/tests/sqlness.sh"
}

# wire_case FLAG: skip unless gt-front has FLAG (that wire server); cases go in $T/wire.
wire_case() {
	have_server
	gt-front --help 2>&1 | grep -q -- "$1" || skip "gt-front has no $1 yet"
	mkdir -p "$T/wire"
	export GT_SQLNESS_DIR=$T/wire GT_SQLNESS_PASSING=$T/passing.txt
}

@test "PROTOCOL MYSQL: statements go over MySQL, rendered as GreptimeDB's runner renders them" {
	wire_case --mysql-addr
	cat > "$T/wire/my.sql" <<'EOF'
-- SQLNESS PROTOCOL MYSQL
CREATE TABLE t (h STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY (h));

-- SQLNESS PROTOCOL MYSQL
INSERT INTO t VALUES ('a', 1.5, 1000), ('b', NULL, 2000);

-- SQLNESS PROTOCOL MYSQL
SELECT h, v, ts FROM t ORDER BY h;

-- SQLNESS PROTOCOL MYSQL
SELECT h FROM t WHERE h = 'zzz';

SELECT h FROM t ORDER BY h;
EOF
	cat > "$T/wire/my.result" <<'EOF'
-- SQLNESS PROTOCOL MYSQL
CREATE TABLE t (h STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY (h));

affected_rows: 0

-- SQLNESS PROTOCOL MYSQL
INSERT INTO t VALUES ('a', 1.5, 1000), ('b', NULL, 2000);

affected_rows: 2

-- SQLNESS PROTOCOL MYSQL
SELECT h, v, ts FROM t ORDER BY h;

+---+-----+---------------------+
| h | v   | ts                  |
+---+-----+---------------------+
| a | 1.5 | 1970-01-01 00:00:01 |
| b |     | 1970-01-01 00:00:02 |
+---+-----+---------------------+

-- SQLNESS PROTOCOL MYSQL
SELECT h FROM t WHERE h = 'zzz';

affected_rows: 0

SELECT h FROM t ORDER BY h;

+---+
| h |
+---+
| a |
| b |
+---+

EOF
	run -0 sh "$TOP/tests/sqlness.sh" -v
	assert_line "ok   my.sql"
}

@test "PROTOCOL POSTGRES: statements go over PostgreSQL, rendered as GreptimeDB's runner renders them" {
	wire_case --postgres-addr
	cat > "$T/wire/pg.sql" <<'EOF'
-- SQLNESS PROTOCOL POSTGRES
CREATE TABLE t (h STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY (h));

-- SQLNESS PROTOCOL POSTGRES
INSERT INTO t VALUES ('a', 1.5, 1000), ('b', NULL, 2000);

-- SQLNESS PROTOCOL POSTGRES
SELECT h, v FROM t ORDER BY h;

-- SQLNESS PROTOCOL POSTGRES
SELECT h FROM t WHERE h = 'zzz';

-- SQLNESS REPLACE severity:.*code: severity:..., code:
-- SQLNESS REPLACE message:.*routine: message:...
-- SQLNESS PROTOCOL POSTGRES
SELECT * FROM nosuch;
EOF
	cat > "$T/wire/pg.result" <<'EOF'
-- SQLNESS PROTOCOL POSTGRES
CREATE TABLE t (h STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY (h));

Affected Rows: 0

-- SQLNESS PROTOCOL POSTGRES
INSERT INTO t VALUES ('a', 1.5, 1000), ('b', NULL, 2000);

Affected Rows: 2

-- SQLNESS PROTOCOL POSTGRES
SELECT h, v FROM t ORDER BY h;

+---+-----+
| h | v   |
+---+-----+
| a | 1.5 |
| b |     |
+---+-----+

-- SQLNESS PROTOCOL POSTGRES
SELECT h FROM t WHERE h = 'zzz';

+---+
| h |
+---+
+---+

-- SQLNESS REPLACE severity:.*code: severity:..., code:
-- SQLNESS REPLACE message:.*routine: message:...
-- SQLNESS PROTOCOL POSTGRES
SELECT * FROM nosuch;

Failed to execute query, encountered: Error { kind: Db, cause: Some(DbError { severity:..., code: SqlState(E42P01), message:... None }) }

EOF
	run -0 sh "$TOP/tests/sqlness.sh" -v
	assert_line "ok   pg.sql"
}
