#!/usr/bin/env bats
# sql-types.bats - column types as GreptimeDB has them: primary-key (tag)
# columns of any type, kept in order-preserving series keys, through
# insert, query, delete, flush to SST and reopening; the narrow types
# (Int8..Int32, UInt8..UInt32, Float32, Date) with their names, range
# checks and rendering; the HTTP JSON column types.

load helper

sql() {
	curl -sS "http://$ADDR/v1/sql" --data-urlencode "sql=$1"
}

@test "integer, boolean, float and timestamp primary keys: insert, order, filter, group" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (k INT, b BOOLEAN, f DOUBLE, kt TIMESTAMP(0), v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(k, b, f, kt));
INSERT INTO t VALUES (10, true, -1.5, 5, 1, 1000), (-3, false, 2.5, 6, 2, 1000), (200, true, 0, NULL, 3, 1000),
  (-3, false, 2.5, 6, 4, 2000), (NULL, NULL, NULL, NULL, 5, 1000), (-200, true, -0.25, 7, 6, 1000);"
	assert_output "Affected Rows: 0

Affected Rows: 6"
	# the key order is the value order: negative numbers first, nulls last
	run -0 gt-sql --data-home "$T/d" "SELECT k, b, f, kt, v FROM t ORDER BY k, ts"
	assert_output "+------+-------+-------+---------------------+-----+
| k    | b     | f     | kt                  | v   |
+------+-------+-------+---------------------+-----+
| -200 | true  | -0.25 | 1970-01-01T00:00:07 | 6.0 |
| -3   | false | 2.5   | 1970-01-01T00:00:06 | 2.0 |
| -3   | false | 2.5   | 1970-01-01T00:00:06 | 4.0 |
| 10   | true  | -1.5  | 1970-01-01T00:00:05 | 1.0 |
| 200  | true  | 0.0   |                     | 3.0 |
|      |       |       |                     | 5.0 |
+------+-------+-------+---------------------+-----+"
	run -0 gt-sql --data-home "$T/d" "SELECT k, v FROM t WHERE k > 0 AND b ORDER BY k; SELECT b, count(*), sum(v) FROM t GROUP BY b ORDER BY b"
	assert_output "+-----+-----+
| k   | v   |
+-----+-----+
| 10  | 1.0 |
| 200 | 3.0 |
+-----+-----+

+-------+----------+----------+
| b     | count(*) | sum(t.v) |
+-------+----------+----------+
| false | 2        | 6.0      |
| true  | 3        | 10.0     |
|       | 1        | 5.0      |
+-------+----------+----------+"
	run -0 gt-sql --data-home "$T/d" "DESCRIBE TABLE t"
	assert_line "| k      | Int32                | PRI | YES  |         | TAG           |"
	assert_line "| b      | Boolean              | PRI | YES  |         | TAG           |"
}

@test "typed keys survive flush, delete and reopening" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (k BIGINT, u BIGINT UNSIGNED, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(k, u));
INSERT INTO t VALUES (1, 9223372036854775807, 1, 1000), (-1, 0, 2, 1000), (9223372036854775807, 5, 3, 1000);
ADMIN flush_table('t');
INSERT INTO t VALUES (1, 9223372036854775807, 10, 1000), (2, 7, 4, 1000);"
	run -0 gt-sql --data-home "$T/d" "DELETE FROM t WHERE k = -1; SELECT * FROM t ORDER BY k"
	assert_output "Affected Rows: 1

+---------------------+---------------------+------+---------------------+
| k                   | u                   | v    | ts                  |
+---------------------+---------------------+------+---------------------+
| 1                   | 9223372036854775807 | 10.0 | 1970-01-01T00:00:01 |
| 2                   | 7                   | 4.0  | 1970-01-01T00:00:01 |
| 9223372036854775807 | 5                   | 3.0  | 1970-01-01T00:00:01 |
+---------------------+---------------------+------+---------------------+"
	run -0 gt-sql --data-home "$T/d" "ADMIN flush_table('t')"
	run -0 gt-sql --data-home "$T/d" "SELECT k, u, v FROM t WHERE u < 10 ORDER BY k DESC"
	assert_output "+---------------------+---+-----+
| k                   | u | v   |
+---------------------+---+-----+
| 9223372036854775807 | 5 | 3.0 |
| 2                   | 7 | 4.0 |
+---------------------+---+-----+"
}

@test "typed keys over HTTP: JSON types, restart of the server" {
	start_front
	run -0 sql "CREATE TABLE t (k SMALLINT, ok BOOLEAN, v FLOAT, d DATE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(k, ok))"
	run -0 sql "INSERT INTO t VALUES (7, true, 0.1, '2024-01-01', 1000), (-7, false, 1.25, '1969-12-31', 2000)"
	run -0 sql "ADMIN flush_table('t')"
	stop_front
	start_front
	run -0 sql "SELECT * FROM t ORDER BY k"
	assert_output --partial '"column_schemas":[{"name":"k","data_type":"Int16"},{"name":"ok","data_type":"Boolean"},{"name":"v","data_type":"Float32"},{"name":"d","data_type":"Date"},{"name":"ts","data_type":"TimestampMillisecond"}]'
	assert_output --partial '"rows":[[-7,false,1.25,-1,2000],[7,true,0.10000000149011612,19723,1000]]'
	stop_front
}

@test "narrow types: names, SHOW CREATE TABLE, rendering" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE n (a TINYINT, b INT2, c INT, d BIGINT, e TINYINT UNSIGNED, f INT UNSIGNED, g REAL, h DOUBLE PRECISION, i DATE, j DATETIME, ts TIMESTAMP TIME INDEX);
INSERT INTO n VALUES (-128, 32767, -2147483648, 1, 255, 4294967295, 0.1, 0.1, '2024-02-29', '2024-02-29 01:02:03.000004', 0);
ADMIN flush_table('n')"
	# read back from the SST (a timestamp field included)
	run -0 gt-sql --data-home "$T/d" "SELECT * FROM n"
	assert_output --partial "| -128 | 32767 | -2147483648 | 1 | 255 | 4294967295 | 0.1 | 0.1 | 2024-02-29 | 2024-02-29T01:02:03.000004 | 1970-01-01T00:00:00 |"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE n"
	assert_output --partial '"a" TINYINT NULL,'
	assert_output --partial '"e" TINYINT UNSIGNED NULL,'
	assert_output --partial '"g" FLOAT NULL,'
	assert_output --partial '"i" DATE NULL,'
	assert_output --partial '"j" TIMESTAMP(6) NULL,'
	run -0 gt-sql --data-home "$T/d" "DESC TABLE n"
	assert_line "| b      | Int16                |     | YES  |         | FIELD         |"
	assert_line "| f      | UInt32               |     | YES  |         | FIELD         |"
	run -0 gt-sql --data-home "$T/d" "SELECT '7'::INT, CAST(300 AS SMALLINT), 1.5::FLOAT, CAST('2024-03-01' AS DATE)"
	assert_output "+-----------+------------+--------------+--------------------+
| Utf8(\"7\") | Int64(300) | Float64(1.5) | Utf8(\"2024-03-01\") |
+-----------+------------+--------------+--------------------+
| 7         | 300        | 1.5          | 2024-03-01         |
+-----------+------------+--------------+--------------------+"
}

@test "out-of-range values are errors, not wrapped" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE n (a TINYINT, u SMALLINT UNSIGNED, ts TIMESTAMP TIME INDEX, PRIMARY KEY(a))"
	run -1 gt-sql --data-home "$T/d" "INSERT INTO n VALUES (128, 1, 0)"
	assert_output "Error: 2000(InvalidSyntax), Failed to parse value: Fail to parse number 128, invalid column type: Int8(Int8Type)"
	run -1 gt-sql --data-home "$T/d" "INSERT INTO n VALUES (1, 65536, 0)"
	assert_output --partial "invalid column type: UInt16(UInt16Type)"
	run -1 gt-sql --data-home "$T/d" "SELECT CAST(40000 AS SMALLINT)"
	assert_output "Error: 3001(EngineExecuteQuery), Cast error: Can't cast value 40000 to type Int16"
	run -1 gt-sql --data-home "$T/d" "SELECT 'abc'::INT"
	assert_output "Error: 3001(EngineExecuteQuery), Cast error: Cannot cast string 'abc' to value of Int32 type"
	run -0 gt-sql --data-home "$T/d" "SELECT count(*) FROM n"
	assert_output --partial "| 0        |"
}

@test "gt-data scan prints typed keys; --where takes string tags only" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (k INT, b BOOLEAN, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(k, b));
INSERT INTO t VALUES (-5, true, 1, 0), (3, NULL, 2, 0);
ADMIN flush_table('t')"
	run -0 gt-data scan --data-home "$T/d" --table t --format csv
	assert_output "k,b,v,ts
-5,true,1,0
3,,2,0"
	run -0 gt-data scan --data-home "$T/d" --table t --format lp
	assert_output "t,k=-5,b=true v=1 0
t,k=3 v=2 0"
	run -100 gt-data scan --data-home "$T/d" --table t --where k=3
	assert_output --partial "not a string tag"
}

@test "timestamps far from 1970 fit a coarser unit and print with a signed year" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE y (ts TIMESTAMP(3) TIME INDEX, v INT);
INSERT INTO y VALUES ('+234049-06-04 01:11:41.163+0000', 1), ('-19578-12-20 11:45:59.875+0000', 2), ('0001-01-01 00:00:00', 3);
SELECT * FROM y ORDER BY ts"
	assert_output --partial "| -19578-12-20T11:45:59.875  | 2 |
| 0001-01-01T00:00:00        | 3 |
| +234049-06-04T01:11:41.163 | 1 |"
	# the same year does not fit nanoseconds
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE z (ts TIMESTAMP(9) TIME INDEX); INSERT INTO z VALUES ('+234049-06-04 01:11:41')"
	assert_output --partial "Failed to parse +234049-06-04 01:11:41 to Timestamp value"
}

@test "Date compares with date text; Float32 arithmetic stays Float32; exponents print as DataFusion's" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE dates (d DATE, f FLOAT, x DOUBLE, ts TIMESTAMP TIME INDEX);
INSERT INTO dates VALUES ('2021-08-20', 0.3, 1e308, 1000), ('2021-08-21', 1e20, 1e-7, 2000);
SELECT d, f * 2, x FROM dates WHERE d >= '2021-08-20' ORDER BY d DESC; SELECT count(*) FROM dates WHERE d = '2021-08-21'"
	assert_output "Affected Rows: 0

Affected Rows: 2

+------------+--------------------+-------+
| d          | dates.f * Int64(2) | x     |
+------------+--------------------+-------+
| 2021-08-21 | 2e20               | 1e-7  |
| 2021-08-20 | 0.6                | 1e308 |
+------------+--------------------+-------+

+----------+
| count(*) |
+----------+
| 1        |
+----------+"
}

@test "a timestamp text finer than the column compares at its own precision" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE p (ts TIMESTAMP(3) TIME INDEX, v INT);
INSERT INTO p VALUES ('2026-06-02 03:50:00', 2), ('2026-06-02 03:50:00.195', 3);
SELECT v FROM p WHERE ts >= '2026-06-02 03:50:00.000000195' ORDER BY v;
SELECT count(*) FROM p WHERE ts < '2026-06-02 03:50:00.000000195';
SELECT count(*) FROM p WHERE ts = '2026-06-02 03:50:00.000000195'"
	assert_output "Affected Rows: 0

Affected Rows: 2

+---+
| v |
+---+
| 3 |
+---+

+----------+
| count(*) |
+----------+
| 1        |
+----------+

+----------+
| count(*) |
+----------+
| 0        |
+----------+"
}

@test "timestamp arithmetic, typed literals, TIME casts and date_part over HTTP as DataFusion answers" {
	start_front
	run -0 sql "CREATE TABLE tt (t TIMESTAMP, ts TIMESTAMP TIME INDEX)"
	run -0 sql "INSERT INTO tt VALUES ('2008-01-01 00:00:01.5', 1000), (NULL, 2000)"
	# instant + instant (and *, /, %) has no type: a planning error, not a made-up timestamp
	run -0 sql "SELECT t + t FROM tt"
	assert_output --partial '"code":3000'
	assert_output --partial 'Cannot get result type for temporal operation Timestamp(ms) + Timestamp(ms): Invalid argument error: Invalid timestamp arithmetic operation: Timestamp(ms) + Timestamp(ms)'
	run -0 sql "SELECT t % t FROM tt"
	assert_output --partial 'Invalid timestamp arithmetic operation: Timestamp(ms) % Timestamp(ms)'
	# instant - instant is a Duration in the timestamps' unit
	run -0 sql "SELECT t - t, t - '2008-01-01'::TIMESTAMP FROM tt ORDER BY ts"
	assert_output --partial '{"name":"tt.t - tt.t","data_type":"DurationMillisecond"}'
	assert_output --partial '"rows":[[0,1500],[null,null]]'
	# sum and avg list DataFusion's candidate signatures
	run -0 sql "SELECT sum(t) FROM tt"
	assert_output --partial "Function 'sum' requires TypeSignatureClass::Duration, but received Timestamp(ms) (DataType: Timestamp(ms))."
	assert_output --partial "No function matches the given name and argument types 'sum(Timestamp(ms))'. You might need to add explicit type casts.\n\tCandidate functions:\n\tsum(Coercion(TypeSignatureClass::Decimal))"
	run -0 sql "SELECT avg(t) FROM tt"
	assert_output --partial "avg(Coercion(TypeSignatureClass::Native(LogicalType(Native(Float64), Float64)), implicit_coercion=ImplicitCoercion([Integer, Float], default_type=Float64))"
	# a typed literal's blanks are trimmed and collapsed; an unknown zone after the time is named
	run -0 sql "SELECT timestamp '    2017-07-23     13:10:11    '"
	assert_output --partial '"column_schemas":[{"name":"Utf8(\"2017-07-23 13:10:11\")","data_type":"TimestampMillisecond"}]},"rows":[[1500815411000]]'
	run -0 sql "SELECT timestamp '2017-07-23 13:10:11 AA'"
	assert_output --partial 'Parser error: Invalid timezone \"AA\": failed to parse timezone'
	run -0 sql "SELECT timestamp '2017-07-23 13:10:11 Asia/Shanghai'"
	assert_output --partial '"rows":[[1500786611000]]'
	# casts to TIMESTAMP are named as GreptimeDB's arrow_cast rewrite; EXTRACT is date_part
	run -0 sql "SELECT (DATE '1992-01-01')::TIMESTAMP, EXTRACT(YEAR FROM t), date_part('microseconds', t), t::TIME FROM tt ORDER BY ts"
	assert_output --partial '{"name":"arrow_cast(Utf8(\"1992-01-01\"),Utf8(\"Timestamp(ms)\"))","data_type":"TimestampMillisecond"}'
	assert_output --partial '{"name":"date_part(Utf8(\"YEAR\"),tt.t)","data_type":"Int32"}'
	assert_output --partial '{"name":"tt.t","data_type":"TimeNanosecond"}'
	assert_output --partial '"rows":[[694224000000,2008,1500000,1500000000],[694224000000,null,null,null]]'
	stop_front
}

@test "durations, times of day and dates print as GreptimeDB prints them" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE tt (t TIMESTAMP, ts TIMESTAMP TIME INDEX);
INSERT INTO tt VALUES ('2008-01-01 00:00:01.5', 1000), ('2024-02-29 23:59:58', 2000);
SELECT t - t AS z, t - '2008-01-01'::TIMESTAMP AS d, t::TIME AS tm, t::DATE AS dt, EXTRACT(dow FROM t) AS dow, date_part('week', t) AS w FROM tt ORDER BY ts"
	assert_output "Affected Rows: 0

Affected Rows: 2

+-----+--------------+--------------+------------+-----+---+
| z   | d            | tm           | dt         | dow | w |
+-----+--------------+--------------+------------+-----+---+
| P0D | PT1.5S       | 00:00:01.500 | 2008-01-01 | 2   | 1 |
| P0D | PT510105598S | 23:59:58     | 2024-02-29 | 4   | 9 |
+-----+--------------+--------------+------------+-----+---+"
	run -1 gt-sql --data-home "$T/d" "SELECT date_part('fortnight', t) FROM tt"
	assert_output "Error: 3001(EngineExecuteQuery), Execution error: Date part 'fortnight' not supported"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE x (a TIME, ts TIMESTAMP TIME INDEX)"
	assert_output --partial "Expected: a data type, found: TIME"
}
