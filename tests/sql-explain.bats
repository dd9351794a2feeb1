#!/usr/bin/env bats
# sql-explain.bats - EXPLAIN [ANALYZE] shows what the executor pushes into
# the region scan (time range, tag filters, columns) and where an
# aggregation is split into per-region partial states and a final merge.
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

@test "math functions and GreptimeDB's arrow_cast naming" {
	mk
	run -0 gt-sql --data-home "$T/d" "SELECT sin(0.0), cos(0.0), round(atan(1.0) * 4, 6), gcd(12, 18), lcm(4, 6), gcd(-4, 0), length(host)::INT64 + 2, CAST(u AS DOUBLE) FROM cpu WHERE host = 'b'"
	assert_output "+-----------------+-----------------+---------------------------------------------+--------------------------+------------------------+-------------------------+-------------------------------------------------------+-------+
| sin(Float64(0)) | cos(Float64(0)) | round(atan(Float64(1)) * Int64(4),Int64(6)) | gcd(Int64(12),Int64(18)) | lcm(Int64(4),Int64(6)) | gcd(Int64(-4),Int64(0)) | arrow_cast(length(cpu.host),Utf8(\"Int64\")) + Int64(2) | cpu.u |
+-----------------+-----------------+---------------------------------------------+--------------------------+------------------------+-------------------------+-------------------------------------------------------+-------+
| 0.0             | 1.0             | 3.141593                                    | 6                        | 12                     | 4                       | 3                                                     | 2.0   |
+-----------------+-----------------+---------------------------------------------+--------------------------+------------------------+-------------------------+-------------------------------------------------------+-------+"
}
