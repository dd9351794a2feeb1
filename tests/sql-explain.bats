#!/usr/bin/env bats
# sql-explain.bats - EXPLAIN [ANALYZE] shows what the executor pushes into
# the region scan (time range, tag filters, columns) and where an
# aggregation is split into per-region partial states and a final merge;
# TQL EXPLAIN [ANALYZE] shows the PromQL expression's nodes with the scan
# each selector became.
load helper

setup_file() { :; }

mk() {
	gt-sql --data-home "$T/d" "CREATE TABLE cpu (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, u DOUBLE, v DOUBLE);
INSERT INTO cpu VALUES (1000, 'a', 1, 10), (2000, 'b', 2, 20), (3000, 'a', 5, 50), (4000, 'c', 7, 70);" >/dev/null
}

@test "EXPLAIN: time range and tag filter pushed down, aggregation split" {
	mk
	run -0 gt-sql --data-home "$T/d" "EXPLAIN SELECT host, max(u) FROM cpu WHERE host = 'a' AND ts >= 1000 AND ts < 3000 GROUP BY host"
	assert_output --partial "| physical_plan |"
	assert_output --partial "FinalAggregate: groupBy=[host], aggr=[max(cpu.u)]"
	assert_output --partial "MergeScan: table=public.cpu regions=1 (merges the regions' partial aggregates)"
	assert_output --partial "PartialAggregate: groupBy=[host], aggr=[max(cpu.u)]"
	assert_output --partial "RegionScan: table=public.cpu regions=1 time=[1970-01-01T00:00:01, 1970-01-01T00:00:03) tag_filters=[host = 'a'] columns=[u]"
}

@test "EXPLAIN: a field predicate stays a frontend filter over a full scan" {
	mk
	run -0 gt-sql --data-home "$T/d" "EXPLAIN SELECT ts, u FROM cpu WHERE u > 1 ORDER BY ts DESC LIMIT 2"
	assert_output --partial "Limit: skip=0, fetch=2"
	assert_output --partial "Sort: ts DESC"
	assert_output --partial "Filter: cpu.u > Int64(1)"
	assert_output --partial "RegionScan: table=public.cpu regions=1 time=[-inf, +inf) tag_filters=[] columns=all"
	refute_output --partial "PartialAggregate"
	# The aggregation that cannot be split runs whole in the frontend.
	run -0 gt-sql --data-home "$T/d" "EXPLAIN SELECT count(DISTINCT host) + 1 FROM cpu WHERE host IN ('a', 'b')"
	assert_output --partial "tag_filters=[host IN ('a', 'b')]"
}

@test "EXPLAIN ANALYZE: runs the query and counts its rows by stage" {
	mk
	run -0 gt-sql --data-home "$T/d" "EXPLAIN ANALYZE SELECT * FROM cpu WHERE host IN ('a', 'c')"
	assert_output --partial "| stage | node | plan"
	assert_output --partial "| 1     | 0    | RegionScan: table=public.cpu"
	assert_output --partial "Total rows: 3,"
	run -0 gt-sql --data-home "$T/d" "EXPLAIN ANALYZE SELECT host, count(*) FROM cpu GROUP BY host"
	assert_output --partial "Total rows: 3,"
}

@test "EXPLAIN: errors" {
	mk
	run -1 gt-sql --data-home "$T/d" "EXPLAIN INSERT INTO cpu VALUES (1, 'a', 1, 1)"
	assert_output --partial "Error: 1001(Unsupported), EXPLAIN supports SELECT statements only"
	run -1 gt-sql --data-home "$T/d" "EXPLAIN SELECT * FROM nope"
	assert_output --partial "Error: 4001(TableNotFound)"
	run -1 gt-sql --data-home "$T/d" "EXPLAIN"
	assert_output --partial "Error: 2000(InvalidSyntax)"
}

@test "EXPLAIN: a range query is a RangeSelect over the scan" {
	mk
	run -0 gt-sql --data-home "$T/d" "EXPLAIN SELECT ts, host, min(u) RANGE '5s' FROM cpu ALIGN '5s' ORDER BY host, ts"
	assert_output --partial "RangeSelect: range_exprs=[min(cpu.u) RANGE 5s], align=5s, align_by=[primary key]"
	run -0 gt-sql --data-home "$T/d" "EXPLAIN SELECT ts, max(u) RANGE '10s' FROM cpu ALIGN '5s' BY (length(host)) ORDER BY ts"
	assert_output --partial "align_by=[length(cpu.host)]"
}

# One value column, so each selector is one scan.
mkm() {
	gt-sql --data-home "$T/d" "CREATE TABLE mem (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, val DOUBLE);
INSERT INTO mem VALUES (0, 'a', 1), (10000, 'a', 2), (20000, 'b', 3), (30000, 'a', 4);" >/dev/null
}

# The plan cell's lines: "|   <node>" at its depth.
ROOT="| physical_plan | PromQL: range query start=1970-01-01T00:00:00 end=1970-01-01T00:00:40 step=10s"

@test "TQL EXPLAIN: a selector's matchers are the scan's tag filter, its time range takes the lookback" {
	mkm
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') mem{host=\"a\", host!~\"z.*\"}"
	assert_output --partial "$ROOT lookback=5m "
	assert_output --partial "|   VectorSelector: mem{host!~\"z.*\",host=\"a\"} "
	assert_output --partial "|     SeriesFilter: {host!~\"z.*\"} "
	assert_output --partial "|       MergeScan: table=public.mem regions=1 "
	assert_output --partial "|         RegionScan: table=public.mem regions=1 time=[1969-12-31T23:55:00, 1970-01-01T00:00:40.001) tag_filters=[host = 'a'] columns=[val] "
	# The lookback parameter is the scan's reach back.
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s', '1m') mem"
	assert_output --partial "$ROOT lookback=1m "
	assert_output --partial "RegionScan: table=public.mem regions=1 time=[1969-12-31T23:59:00, 1970-01-01T00:00:40.001) tag_filters=[] columns=[val] "
	# A table with two value columns is evaluated once per column: a scan each.
	mk
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN VERBOSE (0, 40, '10s') cpu"
	assert_output --partial "lookback=5m columns=[ts, host, u, v] "
	assert_output --partial "tag_filters=[] columns=[u] "
	assert_output --partial "tag_filters=[] columns=[v] "
}

@test "TQL EXPLAIN: a range function's range is in its scan's time" {
	mkm
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') rate(mem[1m])"
	assert_output --partial "|   Function: rate "
	assert_output --partial "|     MatrixSelector: mem[1m] "
	assert_output --partial "|         RegionScan: table=public.mem regions=1 time=[1969-12-31T23:59:00, 1970-01-01T00:00:40.001) tag_filters=[] columns=[val] "
}

@test "TQL EXPLAIN: aggregation, binary operator and subquery nodes" {
	mkm
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') sum by (host) (mem)"
	assert_output --partial "|   Aggregate: sum by (host) "
	assert_output --partial "|     VectorSelector: mem "
	# Each side of a join is its own scan; offset moves the scan's time.
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') mem / on (host) mem offset 1m"
	assert_output --partial "|   BinaryOp: / on (host) matching=one-to-one "
	assert_output --partial "|     VectorSelector: mem offset 1m "
	assert_output --partial "time=[1969-12-31T23:55:00, 1970-01-01T00:00:40.001)"
	assert_output --partial "time=[1969-12-31T23:54:00, 1969-12-31T23:59:40.001)"
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') mem * 2"
	assert_output --partial "|   BinaryOp: * "
	assert_output --partial "|     Literal: 2 "
	refute_output --partial "matching="
	# The subquery's steps from -60 s, each looking back 5m.
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') max_over_time(mem[1m:20s])"
	assert_output --partial "|   Function: max_over_time "
	assert_output --partial "|     Subquery: [1m:20s] "
	assert_output --partial "|       VectorSelector: mem "
	assert_output --partial "time=[1969-12-31T23:54:00, 1970-01-01T00:00:40.001)"
	run -0 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') max_over_time(nope[1m:])"
	assert_output --partial "|     Subquery: [1m:] step=1m "
	assert_output --partial "|         EmptyMetric: no table matches "
}

@test "TQL ANALYZE: runs the query and counts what each selector read" {
	mkm
	run -0 gt-sql --data-home "$T/d" "TQL ANALYZE (0, 40, '10s') mem{host=\"a\"}"
	assert_output --partial "| stage | node | plan"
	assert_output --partial "| 0     | 0    | PromQL: range query start=1970-01-01T00:00:00 end=1970-01-01T00:00:40 step=10s lookback=5m output_series=1 output_points=5 "
	assert_output --partial "|   VectorSelector: mem{host=\"a\"} rows_scanned=3 series=1 samples=3 "
	assert_output --partial "| 1     | 0    | RegionScan: table=public.mem regions=1 time=[1969-12-31T23:55:00, 1970-01-01T00:00:40.001) tag_filters=[host = 'a'] columns=[val] "
	assert_output --partial "Total rows: 5,"
	run -0 gt-sql --data-home "$T/d" "TQL ANALYZE VERBOSE (0, 40, '10s') sum(mem)"
	assert_output --partial "rows_scanned=4 series=2 samples=4 "
	assert_output --partial "output_series=1 output_points=5 columns=[ts, sum(mem.val)] "
}

@test "TQL EXPLAIN and ANALYZE: PromQL errors as TQL EVAL words them" {
	mkm
	run -1 gt-sql --data-home "$T/d" "TQL EVAL (0, 40, '10s') sum(mem bar)"
	assert_output --partial 'Error: 2000(InvalidSyntax), unexpected identifier "bar" in aggregation'
	local eval=$output
	run -1 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') sum(mem bar)"
	assert_output "$eval"
	run -1 gt-sql --data-home "$T/d" "TQL ANALYZE VERBOSE (0, 40, '10s') sum(mem bar)"
	assert_output "$eval"
	run -1 gt-sql --data-home "$T/d" "TQL EXPLAIN (0, 40, '10s') {__name__!=\"mem\", host=\"a\"}"
	assert_output --partial "Matcher operator != is not supported for __name__"
}

@test "EXPLAIN of a query over a TQL CTE shows the TQL's plan under it" {
	mkm
	run -0 gt-sql --data-home "$T/d" "EXPLAIN WITH tql AS (TQL EVAL (0, 40, '10s') mem) SELECT * FROM tql"
	assert_output --partial "| physical_plan | Projection: * "
	assert_output --partial "|               |   PromQL: range query start=1970-01-01T00:00:00 end=1970-01-01T00:00:40 step=10s lookback=5m "
	assert_output --partial "|               |     VectorSelector: mem "
	assert_output --partial "|               |         RegionScan: table=public.mem regions=1 time=[1969-12-31T23:55:00, 1970-01-01T00:00:40.001) tag_filters=[] columns=[val] "
	run -0 gt-sql --data-home "$T/d" "EXPLAIN ANALYZE WITH tql AS (TQL EVAL (0, 40, '10s') mem) SELECT * FROM tql"
	assert_output --partial "rows_scanned=4 series=2 samples=4 "
	assert_output --partial "Total rows: 8,"
}

@test "math functions and GreptimeDB's arrow_cast naming" {
	mk
	run -0 gt-sql --data-home "$T/d" "SELECT sin(0.0), cos(0.0), round(atan(1.0) * 4, 6), gcd(12, 18), lcm(4, 6), gcd(-4, 0), length(host)::INT64 + 2, CAST(u AS DOUBLE) FROM cpu WHERE host = 'b'"
	assert_output "+-----------------+-----------------+---------------------------------------------+--------------------------+------------------------+-------------------------+-------------------------------------------------------+-------+
| sin(Float64(0)) | cos(Float64(0)) | round(atan(Float64(1)) * Int64(4),Int64(6)) | gcd(Int64(12),Int64(18)) | lcm(Int64(4),Int64(6)) | gcd(Int64(-4),Int64(0)) | arrow_cast(length(cpu.host),Utf8(\"Int64\")) + Int64(2) | cpu.u |
+-----------------+-----------------+---------------------------------------------+--------------------------+------------------------+-------------------------+-------------------------------------------------------+-------+
| 0.0             | 1.0             | 3.141593                                    | 6                        | 12                     | 4                       | 3                                                     | 2.0   |
+-----------------+-----------------+---------------------------------------------+--------------------------+------------------------+-------------------------+-------------------------------------------------------+-------+"
}
