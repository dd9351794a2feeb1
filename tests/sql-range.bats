#!/usr/bin/env bats
# sql-range.bats - range queries (SELECT ... RANGE ... ALIGN ... FILL):
# answers worked out by hand from the rule "slot t = origin + k*align,
# window [t, t + range), a row counts in every window holding it".
load helper

# host a: 1s=1, 2s=2, 7s=7, 12s=NULL, 31s=31; host b: 3s=30, 4s=40.
setup_table() {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m (ts timestamp(3) time index, h string primary key, v bigint);
INSERT INTO m VALUES (1000,'a',1),(2000,'a',2),(7000,'a',7),(12000,'a',null),(31000,'a',31),(3000,'b',30),(4000,'b',40);"
}

@test "RANGE = ALIGN: one window per slot, slots with only NULLs still appear" {
	setup_table
	run -0 gt-sql --data-home "$T/d" "SELECT ts, h, sum(v) RANGE '5s', count(v) RANGE '5s' FROM m ALIGN '5s' ORDER BY h, ts"
	assert_output "+---------------------+---+-------------------+---------------------+
| ts                  | h | sum(m.v) RANGE 5s | count(m.v) RANGE 5s |
+---------------------+---+-------------------+---------------------+
| 1970-01-01T00:00:00 | a | 3                 | 2                   |
| 1970-01-01T00:00:05 | a | 7                 | 1                   |
| 1970-01-01T00:00:10 | a |                   | 0                   |
| 1970-01-01T00:00:30 | a | 31                | 1                   |
| 1970-01-01T00:00:00 | b | 70                | 2                   |
+---------------------+---+-------------------+---------------------+"
}

@test "RANGE > ALIGN: overlapping windows count a row twice" {
	setup_table
	run -0 gt-sql --data-home "$T/d" "SELECT ts, h, sum(v) RANGE '10s' FROM m ALIGN '5s' ORDER BY h, ts"
	assert_output "+---------------------+---+--------------------+
| ts                  | h | sum(m.v) RANGE 10s |
+---------------------+---+--------------------+
| 1969-12-31T23:59:55 | a | 3                  |
| 1970-01-01T00:00:00 | a | 10                 |
| 1970-01-01T00:00:05 | a | 7                  |
| 1970-01-01T00:00:10 | a |                    |
| 1970-01-01T00:00:25 | a | 31                 |
| 1970-01-01T00:00:30 | a | 31                 |
| 1969-12-31T23:59:55 | b | 70                 |
| 1970-01-01T00:00:00 | b | 70                 |
+---------------------+---+--------------------+"
}

@test "RANGE < ALIGN: rows between windows are skipped" {
	setup_table
	run -0 gt-sql --data-home "$T/d" "SELECT ts, h, sum(v) RANGE '2s' FROM m ALIGN '5s' ORDER BY h, ts"
	assert_output "+---------------------+---+-------------------+
| ts                  | h | sum(m.v) RANGE 2s |
+---------------------+---+-------------------+
| 1970-01-01T00:00:00 | a | 1                 |
| 1970-01-01T00:00:30 | a | 31                |
+---------------------+---+-------------------+"
}

@test "FILL PREV, LINEAR, a constant and NULL fill every slot from a key's first to last" {
	setup_table
	run -0 gt-sql --data-home "$T/d" "SELECT ts, sum(v) RANGE '5s' FILL PREV, sum(v) RANGE '5s' FILL LINEAR, sum(v) RANGE '5s' FILL 0, sum(v) RANGE '5s' FILL NULL, count(v) RANGE '5s' FROM m WHERE h = 'a' ALIGN '5s' ORDER BY ts"
	assert_output "+---------------------+-----------------------------+-------------------------------+--------------------------+-----------------------------+---------------------+
| ts                  | sum(m.v) RANGE 5s FILL PREV | sum(m.v) RANGE 5s FILL LINEAR | sum(m.v) RANGE 5s FILL 0 | sum(m.v) RANGE 5s FILL NULL | count(m.v) RANGE 5s |
+---------------------+-----------------------------+-------------------------------+--------------------------+-----------------------------+---------------------+
| 1970-01-01T00:00:00 | 3                           | 3.0                           | 3                        | 3                           | 2                   |
| 1970-01-01T00:00:05 | 7                           | 7.0                           | 7                        | 7                           | 1                   |
| 1970-01-01T00:00:10 | 7                           | 11.8                          | 0                        |                             | 0                   |
| 1970-01-01T00:00:15 | 7                           | 16.6                          | 0                        |                             | 0                   |
| 1970-01-01T00:00:20 | 7                           | 21.4                          | 0                        |                             | 0                   |
| 1970-01-01T00:00:25 | 7                           | 26.2                          | 0                        |                             | 0                   |
| 1970-01-01T00:00:30 | 31                          | 31.0                          | 31                       | 31                          | 1                   |
+---------------------+-----------------------------+-------------------------------+--------------------------+-----------------------------+---------------------+"
	# ALIGN ... FILL applies to every aggregate without its own FILL, and names it.
	run -0 gt-sql --data-home "$T/d" "SELECT ts, max(v) RANGE '5s' FROM m WHERE h = 'b' OR ts > 20000 ALIGN '10s' BY () FILL PREV ORDER BY ts"
	assert_output "+---------------------+-----------------------------+
| ts                  | max(m.v) RANGE 5s FILL PREV |
+---------------------+-----------------------------+
| 1970-01-01T00:00:00 | 40                          |
| 1970-01-01T00:00:10 | 40                          |
| 1970-01-01T00:00:20 | 40                          |
| 1970-01-01T00:00:30 | 31                          |
+---------------------+-----------------------------+"
}

@test "ALIGN TO moves the slots; BY () is one group; expressions over range aggregates" {
	setup_table
	run -0 gt-sql --data-home "$T/d" "SELECT ts, h, sum(v) RANGE '5s' FROM m ALIGN '5s' TO '1970-01-01T00:00:02Z' ORDER BY h, ts"
	assert_output "+---------------------+---+-------------------+
| ts                  | h | sum(m.v) RANGE 5s |
+---------------------+---+-------------------+
| 1969-12-31T23:59:57 | a | 1                 |
| 1970-01-01T00:00:02 | a | 2                 |
| 1970-01-01T00:00:07 | a | 7                 |
| 1970-01-01T00:00:12 | a |                   |
| 1970-01-01T00:00:27 | a | 31                |
| 1970-01-01T00:00:02 | b | 70                |
+---------------------+---+-------------------+"
	run -0 gt-sql --data-home "$T/d" "SELECT ts, sum(v) RANGE '5s' AS s, max(v) RANGE '1h' * 2 + 1 FROM m ALIGN '5s' BY () ORDER BY ts LIMIT 3"
	# The first hour-long windows hold every row: max 40.
	assert_output "+---------------------+---+-----------------------------------------+
| ts                  | s | max(m.v) RANGE 1h * Int64(2) + Int64(1) |
+---------------------+---+-----------------------------------------+
| 1969-12-31T23:00:05 |   | 81                                      |
| 1969-12-31T23:00:10 |   | 81                                      |
| 1969-12-31T23:00:15 |   | 81                                      |
+---------------------+---+-----------------------------------------+"
}

@test "range errors: GreptimeDB's messages, parse errors with their position" {
	setup_table
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE 'soon' FROM m ALIGN '5s'"
	assert_output "Error: 2000(InvalidSyntax), Invalid SQL syntax: sql parser error: not a valid duration string: soon"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) FROM m ALIGN '5s'"
	assert_output "Error: 2000(InvalidSyntax), Invalid SQL syntax: sql parser error: Illegal Range select, no RANGE keyword found in any SelectItem"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE '5s' FROM m"
	assert_output "Error: 2000(InvalidSyntax), Invalid SQL syntax: sql parser error: ALIGN argument cannot be omitted in the range select query"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) * 2 RANGE '10s' FROM m ALIGN '5s'"
	assert_output "Error: 2000(InvalidSyntax), Invalid SQL syntax: sql parser error: Can't use the RANGE keyword in Expr 2 without function"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE '5s' FROM m ALIGN '5s' BY h"
	assert_output "Error: 2000(InvalidSyntax), Invalid SQL syntax: sql parser error: Expected: (, found: h at Line: 1, Column: 47"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE '5s' FROM m ALIGN '0s'"
	assert_output "Error: 3000(PlanQuery), Error during planning: duration must be greater than 0"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE '5s' FROM m ALIGN '5s' FILL 3.0"
	assert_output "Error: 3000(PlanQuery), Error during planning: 3.0 is not a valid fill option, fail to convert to a const value. { Arrow error: Cast error: Cannot cast string '3.0' to value of Int64 type }"
	run -1 gt-sql --data-home "$T/d" "SELECT min(max(v) RANGE '5s') RANGE '5s' FROM m ALIGN '5s'"
	assert_output "Error: 2000(InvalidSyntax), Range Query: Nest Range Query is not allowed"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE '10s', max(v) FROM m ALIGN '5s'"
	assert_output "Error: 3001(EngineExecuteQuery), No field named \"max(m.v)\". Valid fields are \"min(m.v) RANGE 10s\", m.ts, m.h."
	run -1 gt-sql --data-home "$T/d" "SELECT h, min(v) RANGE '10s' FROM m ALIGN '5s' BY ()"
	assert_output "Error: 3001(EngineExecuteQuery), No field named m.h. Did you mean 'm.ts'?."
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE '1d' FROM m ALIGN '1ms'"
	assert_output "Error: 6000(RuntimeResourcesExhausted), range query expands to more than 16777216 (row, window) pairs"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO m VALUES (100000000, 'a', 1)"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE '1ms' FROM m ALIGN '1ms' BY () FILL NULL"
	assert_output --partial "Error: 6000(RuntimeResourcesExhausted), range query fills more than"
}

@test "INTERVAL durations keep their days apart in names; SET time_zone shifts the default origin" {
	setup_table
	run -0 gt-sql --data-home "$T/d" "SELECT ts, sum(v) RANGE (INTERVAL '1' day) FROM m ALIGN ('12 hours'::INTERVAL + '12 hours'::INTERVAL) BY ()"
	assert_output "+---------------------+----------------------------------------------------------------------------------------------------+
| ts                  | sum(m.v) RANGE IntervalMonthDayNano(\"IntervalMonthDayNano { months: 0, days: 1, nanoseconds: 0 }\") |
+---------------------+----------------------------------------------------------------------------------------------------+
| 1970-01-01T00:00:00 | 111                                                                                                |
+---------------------+----------------------------------------------------------------------------------------------------+"
	run -1 gt-sql --data-home "$T/d" "SELECT min(v) RANGE (INTERVAL '1 month') FROM m ALIGN '1d'"
	assert_output "Error: 3000(PlanQuery), Error during planning: Year or month interval is not allowed in range query: IntervalMonthDayNano(\"IntervalMonthDayNano { months: 1, days: 0, nanoseconds: 0 }\")"
	# GreptimeDB aligns to the epoch moved by the zone's offset: 08:00 UTC for +08:00.
	run -0 gt-sql --data-home "$T/d" "SET time_zone = 'Asia/Shanghai'; SELECT ts, sum(v) RANGE '1d' FROM m ALIGN '1d' BY ()"
	assert_output "Affected Rows: 0

+---------------------+-------------------+
| ts                  | sum(m.v) RANGE 1d |
+---------------------+-------------------+
| 1969-12-31T08:00:00 | 111               |
+---------------------+-------------------+"
	run -1 gt-sql --data-home "$T/d" "SET time_zone = 'Mars/Olympus'"
	assert_output "Error: 1004(InvalidArguments), Invalid timezone: Mars/Olympus"
}
