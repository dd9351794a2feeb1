#!/usr/bin/env bats
# sql-pparse.bats - TQL EVAL through SQL: the PromQL engine over the
# session's tables, answered in GreptimeDB's columns (the table's own
# order for a selector; time, value, labels after a function; grouping
# labels, time, value after an aggregation BY), its value column named as
# GreptimeDB's plan names it; PromQL syntax errors as GreptimeDB reports them.

load helper

setup_tables() {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE test(i DOUBLE, j TIMESTAMP TIME INDEX, k STRING PRIMARY KEY)"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO test VALUES (1, 1, 'a'), (1, 1, 'b'), (2, 2, 'a')"
}

@test "TQL EVAL of a selector answers in the table's column order" {
	setup_tables
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') test{k=\"a\"}"
	assert_output "+-----+---------------------+---+
| i   | j                   | k |
+-----+---------------------+---+
| 2.0 | 1970-01-01T00:00:05 | a |
| 2.0 | 1970-01-01T00:00:10 | a |
+-----+---------------------+---+"
	# AS names the value column, which then comes first
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') count by (k) (test) AS c"
	assert_line "| c | k | j                   |"
	assert_line "| 1 | a | 1970-01-01T00:00:05 |"
	# parameters as SQL expressions
	run -0 gt-sql --data-home "$T/d" "TQL EVAL ('1970-01-01T00:00:00'::timestamp, '1970-01-01T00:00:00'::timestamp + '2 seconds'::interval, '1s') test{k=\"a\"}"
	assert_line "| 2.0 | 1970-01-01T00:00:02 | a |"
	refute_line --partial "00:00:03"
}

@test "TQL EVAL of literals, functions and aggregations" {
	setup_tables
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') 1 * 2 + 4 / 6 - 10 % 2 ^ 2"
	assert_line "| time                | value              |"
	assert_line "| 1970-01-01T00:00:10 | 0.6666666666666665 |"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') \"1+1\""
	assert_line "| 1970-01-01T00:00:05 | 1+1   |"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') sum by (k) (test) * 2"
	assert_line "| k | j                   | sum(test.i) * Float64(2) |"
	assert_line "| a | 1970-01-01T00:00:05 | 4.0                      |"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') count_over_time(test[10s])"
	assert_line "| j                   | prom_count_over_time(j_range,i) | k |"
	assert_line "| 1970-01-01T00:00:05 | 2.0                             | a |"
}

@test "TQL EVAL errors: PromQL syntax, matchers GreptimeDB refuses, bad parameters" {
	setup_tables
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') sum(test bar)"
	assert_output 'Error: 2000(InvalidSyntax), unexpected identifier "bar" in aggregation'
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') {__name__!=\"test\"}"
	assert_output 'Error: 2000(InvalidSyntax), vector selector must contain at least one non-empty matcher'
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') {__name__=~\"test\"}"
	assert_output 'Error: 1004(InvalidArguments), Matcher operator =~ is not supported for __name__'
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') test{__field__=\"nope\"}"
	assert_output 'Error: 1004(InvalidArguments), Cannot find column nope'
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 100000, '1ms') test"
	assert_output --partial 'exceeded maximum resolution of 11,000 points per timeseries'
	run -1 gt-sql --data-home "$T/d" "TQL FOO (0, 10, '5s') test"
	assert_output --partial 'EVAL, EXPLAIN or ANALYZE after TQL'
}

@test "TQL EVAL shapes joins, set operators and several fields as GreptimeDB's plan" {
	setup_tables
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m(ts TIMESTAMP TIME INDEX, h STRING PRIMARY KEY, a DOUBLE, b DOUBLE)"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO m VALUES (1, 'x', 1, 10)"
	# the same table on both sides: lhs and rhs; tags, time index, value
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') test / test"
	assert_line "| k | j                   | lhs.i / rhs.i |"
	# a column per field
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') m + m"
	assert_line "| h | ts                  | lhs.a + rhs.a | lhs.b + rhs.b |"
	assert_line "| x | 1970-01-01T00:00:05 | 2.0           | 20.0          |"
	# or: the left time index, then the other columns sorted
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') test * 2 or m{__field__=\"a\"}"
	assert_line "| j                   | h | i * Float64(2) | k |"
	# a function: time index, value, tags
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') abs(test)"
	assert_line "| j                   | abs(i) | k |"
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') group(m)"
	assert_output 'Error: 1001(Unsupported), Multi fields calculation is not supported in group()'
}

@test "TQL EVAL: quoted UTF-8 names, sort_by_label, label_* argument errors, no parameters" {
	setup_tables
	run -0 gt-sql --data-home "$T/d" 'CREATE TABLE svc (ts TIMESTAMP TIME INDEX, "service.name" STRING PRIMARY KEY, val DOUBLE);
INSERT INTO svc VALUES (0, '"'api'"', 1), (0, '"'db'"', 2)'
	# Prometheus 3: a quoted label name, a quoted metric name, a quoted grouping label
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '1s') svc{\"service.name\"=\"api\"}"
	assert_output --partial "| api "
	refute_output --partial "| db "
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '1s') {\"svc\"}"
	assert_output --partial "| api "
	assert_output --partial "| db "
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '1s') sum by (\"service.name\") (svc)"
	assert_output --partial "| db "
	# sort_by_label orders the rows by the labels named; without it they come a, b
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (1, 1, '1s') sort_by_label_desc(test, \"k\")"
	assert_equal "$(printf '%s\n' "$output" | grep -o '| [ab] ' | tr -d '| \n')" "ba"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (1, 1, '1s') sort_by_label(test, \"k\")"
	assert_equal "$(printf '%s\n' "$output" | grep -o '| [ab] ' | tr -d '| \n')" "ab"
	# label_join and label_replace arguments, refused as GreptimeDB refuses them
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') label_join(test, \"x\", \"-\")"
	assert_output "Error: 1004(InvalidArguments), Invalid function argument for label_join"
	run -1 gt-sql --data-home "$T/d" "TQL EVAL label_replace(nosuch, \"~x\", \"\", \"k\", \"(.*)\")"
	assert_output "Error: 1004(InvalidArguments), Invalid destination label name in label_replace(): ~x"
	run -1 gt-sql --data-home "$T/d" "TQL EVAL label_replace(nosuch, \"j\", \"v\", \"k\", \"(.*\")"
	assert_output "Error: 1004(InvalidArguments), Invalid regular expression in label_replace(): (.*"
	# without (start, end, step): GreptimeDB's (0, 0, '5m')
	run -0 gt-sql --data-home "$T/d" "TQL EVAL time()"
	assert_output --partial "| 1970-01-01T00:00:00 | 0.0 "
}

@test "TQL EVAL orders aggregation rows as GreptimeDB's plan sorts them" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m (ts TIMESTAMP(3) TIME INDEX, h STRING, g STRING, val BIGINT, PRIMARY KEY(h, g));
INSERT INTO m VALUES (0, 'h1', 'a', 1), (0, 'h2', 'a', 2), (0, 'h3', 'b', 3), (5000, 'h1', 'a', 1), (5000, 'h2', 'a', 4), (5000, 'h3', 'b', 1)"
	# topk: by time, then value descending, ties by tags descending (h3 before h1)
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 5, '5s') topk(3, m)"
	assert_equal "$(printf '%s\n' "$output" | grep -o '| h[123] ' | tr -d '| \n')" "h3h2h1h2h3h1"
	# topk breaks a tie toward the greater labels, bottomk toward the lesser
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '5s') topk(1, sum by (g) (m))"
	assert_line "| 3          | b | 1970-01-01T00:00:00 |"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '5s') bottomk(1, sum by (g) (m))"
	assert_line "| 3          | a | 1970-01-01T00:00:00 |"
	# count_values: by time, then the value counted
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 5, '5s') count_values(\"v\", m)"
	assert_equal "$(printf '%s\n' "$output" | awk -F'|' 'NR > 3 && NF > 3 { gsub(/ /, "", $4); printf "%s,", $4 }')" "1,2,3,1,4,"
}

@test "TQL EVAL: the date functions answer integers, as DataFusion's date_part" {
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (1701413023, 1701413023, '1s') day_of_week()"
	assert_line "| 2023-12-01T06:43:43 | 5                           |"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (1701413023, 1701413023, '1s') days_in_month()"
	assert_output --partial "| 2023-12-01T06:43:43 | 31 "
	# time() stays a float
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (1, 1, '1s') time()"
	assert_output --partial "| 1.0 "
}

@test "TQL EVAL: a missing table answers an empty table with its header, an empty one none" {
	setup_tables
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') nosuch"
	assert_output "+------+-------+
| time | value |
+------+-------+
+------+-------+"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (1000, 1000, '5s') test"
	assert_output "++
++"
	# the difference of two timestamps is a duration in their unit
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (now() - now(), now() - (now() - '10 seconds'::interval), '5s') test{k=\"a\"}"
	assert_line --partial "| 1970-01-01T00:00:10 | a |"
}

@test "TQL EVAL: a comparison of two vectors answers the kept side's time index, value, tags" {
	setup_tables
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') time() > test{k=\"a\"}"
	assert_output "+---------------------+-----+---+
| j                   | i   | k |
+---------------------+-----+---+
| 1970-01-01T00:00:05 | 2.0 | a |
+---------------------+-----+---+"
}

@test "TQL EVAL as a CTE's body: its answer is the CTE's rows" {
	setup_tables
	run -0 gt-sql --data-home "$T/d" "WITH t (ts, val, kk) AS (TQL EVAL (0, 10, '5s') test{k=\"a\"}) SELECT ts, kk FROM t ORDER BY ts"
	assert_output "+-----+----+
| ts  | kk |
+-----+----+
| 2.0 | a  |
| 2.0 | a  |
+-----+----+"
	# the PromQL runs to the ')' closing the CTE, its own parentheses nested
	run -0 gt-sql --data-home "$T/d" "WITH t AS (TQL EVAL (0, 10, '5s') sum((test))), u AS (SELECT 1 AS one) SELECT count(*) FROM t, u"
	assert_line "| 2        |"
	run -1 gt-sql --data-home "$T/d" "WITH t AS (TQL EXPLAIN test) SELECT * FROM t"
	assert_output "Error: 2000(InvalidSyntax), Invalid SQL, error: Only TQL EVAL is supported in CTEs"
}

@test "TQL EVAL evaluates as GreptimeDB: left-open windows, Rust's deg(), its parser's type errors" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE w(v DOUBLE, ts TIMESTAMP TIME INDEX)"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO w VALUES (1, 0), (3, 5000), (1.5708, 10000)"
	# (0, 5s]: the sample at 0 is out, where Prometheus 2.42's [0, 5s] averages 1 and 3
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') avg_over_time(w[5s])"
	assert_line --partial "| 1970-01-01T00:00:05 | 3.0 "
	# the lookback leaves out a sample exactly 5m old
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (310, 310, '1s') w"
	assert_output "++
++"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') deg(w)"
	assert_line --partial "| 90.00021045914971 "
	# histogram_quantile interpolates as GreptimeDB does: (end - start) / count * rank
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE h(v DOUBLE, ts TIMESTAMP TIME INDEX, le STRING PRIMARY KEY)"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO h VALUES (50, 0, '0.1'), (70, 0, '1'), (110, 0, '5'), (120, 0, '+Inf')"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '1s') histogram_quantile(0.5, h)"
	assert_line --partial "| 0.5499999999999999 "
	# round(x, to) is round(x / to) * to; Prometheus 3's double_exponential_smoothing is holt_winters
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') round(w * 78.19, 0.1)"
	assert_line --partial "| 234.60000000000002 "
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') double_exponential_smoothing(w[10s], 0.5, 0.5)"
	assert_line --partial "prom_double_exponential_smoothing(ts_range,v,Float64(0.5),Float64(0.5))"
	# vector() joins on time alone: it applies to every series, as GreptimeDB's empty metric does
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') vector(2) * h"
	assert_line --partial "| .greptime_value * h.v "
	assert_line --partial "| +Inf | 1970-01-01T00:00:05 | 240.0 "
	# an arithmetic island (a selector repeats) names its column from the whole expression
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') h / (h{le=\"1\"} + h)"
	assert_line --partial "| 1  | 1970-01-01T00:00:05 | 0.5 "
	assert_line --partial "| h.v / h.v + h.v |"
	# absent() takes every equality matcher, the last for a name winning
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') absent(w{a=\"x\", a=\"y\"})"
	assert_line --partial "| 1970-01-01T00:00:05 | 1.0 | y "
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') scalar(1 + scalar(w))"
	assert_output --partial "expected type vector in call to function 'scalar', got scalar"
}

@test "TQL EVAL evaluates as GreptimeDB: a NULL value is a sample, and SQL's NULL from there on" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE pm(ts TIMESTAMP(3) TIME INDEX, cpu STRING, shard STRING, val DOUBLE, PRIMARY KEY(cpu, shard))"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO pm VALUES (0, 'c1', 'a', 1), (0, 'c2', 'a', 20), (0, 'c2', 'b', 5), (10000, 'c1', 'a', 2), (10000, 'c2', 'a', NULL)"
	# lookback selects the NULL at 10s over the 20 at 0s (Prometheus 2.42 has no such sample)
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') pm{cpu=\"c2\", shard=\"a\"}"
	assert_output "+---------------------+-----+-------+-----+
| ts                  | cpu | shard | val |
+---------------------+-----+-------+-----+
| 1970-01-01T00:00:10 | c2  | a     |     |
+---------------------+-----+-------+-----+"
	# count skips it but keeps its group at 0; sum drops a group of NULLs alone
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') count by (cpu) (pm{shard=\"a\"})"
	assert_line "| c2  | 1970-01-01T00:00:10 | 0             |"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') sum by (cpu) (pm{shard=\"a\"})"
	assert_line "| c1  | 1970-01-01T00:00:10 | 2.0         |"
	refute_line --partial "| c2 "
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') sum by (cpu) (pm)"
	assert_line "| c2  | 1970-01-01T00:00:10 | 5.0         |"
	# arithmetic keeps it NULL, a comparison drops it
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') pm{shard=\"a\"} + 1"
	assert_line "| c2  | a     | 1970-01-01T00:00:10 |                  |"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') pm{shard=\"a\"} > 0"
	refute_line --partial "| c2 "
	# a range window leaves it out
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 10, '1s') count_over_time(pm{cpu=\"c2\", shard=\"a\"}[20s])"
	assert_line --partial "| 1970-01-01T00:00:10 | 1.0 "
}

@test "TQL EVAL evaluates as GreptimeDB: avg_over_time and sum_over_time add in order, avg divides once" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE l(ts TIMESTAMP(3) TIME INDEX, host STRING PRIMARY KEY, cpu DOUBLE)"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO l VALUES (0, 'h', 0.1), (10000, 'h', 0.8), (20000, 'h', 0.8)"
	# (0.1 + 0.8) / 2 and (0.1 + 0.8 + 0.8) / 3, where Prometheus 2.42's incremental
	# mean gives 0.45000000000000007 and 0.5666666666666667
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (10, 20, '10s') avg_over_time(l[30s])"
	assert_line --partial "| 1970-01-01T00:00:10 | 0.45 "
	assert_line --partial "| 1970-01-01T00:00:20 | 0.5666666666666668 "
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (20, 20, '10s') sum_over_time(l[30s])"
	assert_line --partial "| 1970-01-01T00:00:20 | 1.7000000000000002 "
}

@test "TQL EVAL evaluates as GreptimeDB: label_join, label_replace, scalar() over the range, clamp's bounds" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m(v DOUBLE, ts TIMESTAMP TIME INDEX, h STRING, z STRING, PRIMARY KEY(h, z))"
	run -0 gt-sql --data-home "$T/d" "INSERT INTO m VALUES (1, 0, 'a', 'x:1'), (2, 5000, 'a', 'y'), (3, 5000, 'b', 'y')"
	# label_join skips an empty or absent source, as concat_ws skips NULL
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '1s') label_join(m, \"n\", \"-\", \"\", \"z\", \"nope\")"
	assert_line --partial "| x:1 | a | x:1 |"
	# label_replace copies a value the regex does not match (regexp_replace)
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') label_replace(m{h=\"a\"}, \"n\", \"\$2\", \"z\", \"(.*):(.*)\")"
	assert_line --partial "| 1.0 | 1 | a | x:1 |"
	assert_line --partial "| 2.0 | y | a | y   |"
	# ... and refuses to write a label the input has
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (5, 5, '1s') label_replace(m, \"z\", \"\$2\", \"z\", \"(.*):(.*)\")"
	assert_output "Error: 1004(InvalidArguments), vector cannot contain metrics with the same labelset"
	# one series: its values at the steps it has, the others left out; several: NaN throughout
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') scalar(m{h=\"b\"}) + 1"
	assert_output "+---------------------+------------------------+
| ts                  | scalar(v) + Float64(1) |
+---------------------+------------------------+
| 1970-01-01T00:00:05 | 4.0                    |
| 1970-01-01T00:00:10 | 4.0                    |
+---------------------+------------------------+"
	# (Prometheus 2.42 answers 1 at 0, where m has one series)
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 5, '5s') scalar(m)"
	assert_line --partial "| 1970-01-01T00:00:00 | NaN "
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 10, '5s') clamp(m, 2, 1)"
	assert_output "Error: 3001(EngineExecuteQuery), Execution error: min '2' > max '1'"
	# JSON and JSON2 columns keep their text
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE j(ts TIMESTAMP TIME INDEX, a JSON, b JSON2); INSERT INTO j VALUES (0, '{\"x\": 1}', '[1]'); DESC j"
	assert_line "| a      | Json                 |     | YES  |         | FIELD         |"
	assert_line "| b      | Json                 |     | YES  |         | FIELD         |"
}
