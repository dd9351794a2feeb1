#!/usr/bin/env bats
# sql-aggs.bats - aggregate functions (lib/sql-aggfn.c): exact answers
# worked out by hand, and statistics compared with sqlite3 computing the
# same quantity from sums.
load helper

rows() {
	gt-sql --data-home "$T/d" "CREATE TABLE t (g BIGINT, x DOUBLE, y DOUBLE, i BIGINT, b BOOLEAN, s STRING, ts TIMESTAMP TIME INDEX);
INSERT INTO t VALUES (1, 1.0, 2.0, 7, true, 'a', 1000), (1, 2.0, 4.5, 3, true, 'b', 2000), (1, 3.0, 5.0, 5, NULL, NULL, 3000),
(2, 10.0, 1.0, 8, false, 'x', 4000), (2, 20.0, NULL, 12, true, 'y', 5000), (2, 30.0, 3.0, 4, false, 'z', 6000), (3, NULL, 1.0, NULL, NULL, 'p', 7000)" >/dev/null
}

@test "bit and bool folds, median, string_agg, array_agg by hand" {
	rows
	run -0 gt-sql --data-home "$T/d" --csv "SELECT g, bit_and(i), bit_or(i), bit_xor(i), bool_and(b), bool_or(b), median(i), median(x) FROM t GROUP BY g ORDER BY g"
	assert_output "1,1,7,1,1,1,5,2
2,0,12,0,0,1,8,20
3,,,,,,,"
	run -0 gt-sql --data-home "$T/d" --csv "SELECT g, string_agg(s, '-' ORDER BY s DESC), array_agg(i ORDER BY i) FROM t GROUP BY g ORDER BY g"
	# A null element prints as nothing: [NULL] is "[]".
	assert_output '1,b-a,[3, 5, 7]
2,z-y-x,[4, 8, 12]
3,p,[]'
	run -0 gt-sql --data-home "$T/d" --csv "SELECT approx_distinct(g), count(DISTINCT g), median(NULL) FROM t"
	assert_output "3,3,"
}

@test "approx_percentile_cont: both syntaxes, DESC, weights, t-digest" {
	rows
	run -0 gt-sql --data-home "$T/d" --csv "SELECT approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY x), approx_percentile_cont(x, 0.5), approx_percentile_cont(0.25) WITHIN GROUP (ORDER BY x DESC), approx_median(i) FROM t"
	# Six values are six centroids: rank 3 lands on 10, interpolated
	# half a step towards 3 over (20 - 3) / 2; DESC reads q as 1 - q.
	assert_output "5.75,5.75,20,6"
	run -0 gt-sql --data-home "$T/d" --csv "SELECT approx_percentile_cont_with_weight(i, 0.5) WITHIN GROUP (ORDER BY x) FROM t"
	assert_output "10.53125"
	run -1 gt-sql --data-home "$T/d" "SELECT approx_percentile_cont(1.5) WITHIN GROUP (ORDER BY x) FROM t"
	assert_output --partial "Percentile value must be between 0.0 and 1.0"
	run -0 gt-sql --data-home "$T/d" "SELECT approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY x DESC) FROM t"
	assert_output --partial "| approx_percentile_cont(Float64(0.5)) WITHIN GROUP [t.x DESC NULLS FIRST] |"
}

@test "corr, covar and regr agree with sqlite3's sums" {
	rows
	norm() { awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++) if ($i ~ /[.eE]/) $i = sprintf("%.9g", $i); print }'; }
	sqlite3 "$T/s.db" "CREATE TABLE t (g, x, y); INSERT INTO t VALUES (1,1.0,2.0),(1,2.0,4.5),(1,3.0,5.0),(2,10.0,1.0),(2,20.0,NULL),(2,30.0,3.0),(3,NULL,1.0);"
	go=$(gt-sql --data-home "$T/d" --csv "SELECT g, covar_pop(x, y), covar_samp(x, y), corr(x, y), regr_slope(y, x), regr_intercept(y, x), regr_count(y, x) FROM t GROUP BY g ORDER BY g" | norm)
	so=$(sqlite3 -csv "$T/s.db" "WITH p AS (SELECT g, x, y FROM t WHERE x IS NOT NULL AND y IS NOT NULL),
s AS (SELECT g, count(*) n, sum(x) sx, sum(y) sy, sum(x*y) sxy, sum(x*x) sxx, sum(y*y) syy FROM p GROUP BY g)
SELECT g, (sxy - sx*sy/n)/n, CASE WHEN n > 1 THEN (sxy - sx*sy/n)/(n-1) END,
CASE WHEN n > 1 THEN (sxy - sx*sy/n) / sqrt((sxx - sx*sx/n)*(syy - sy*sy/n)) END,
CASE WHEN n > 1 THEN (sxy - sx*sy/n)/(sxx - sx*sx/n) END,
CASE WHEN n > 1 THEN sy/n - (sxy - sx*sy/n)/(sxx - sx*sx/n)*sx/n END, n FROM s
UNION ALL SELECT 3, NULL, NULL, NULL, NULL, NULL, 0 ORDER BY g" | norm)
	[ "$go" = "$so" ] || { echo "gt:     $go"; echo "sqlite: $so"; false; }
}

@test "aggregate errors are clear" {
	rows
	run -1 gt-sql --data-home "$T/d" "SELECT bit_and(s) FROM t"
	assert_output --partial "No function matches the given name and argument types 'bit_and(Utf8)'"
	run -1 gt-sql --data-home "$T/d" "SELECT corr(x) FROM t"
	assert_output --partial "corr expects 2 arguments, got 1"
	run -1 gt-sql --data-home "$T/d" "SELECT avg(NULL) FROM t"
	assert_output "Error: 3001(EngineExecuteQuery), Execution error: AvgAccumulator for (Null --> Float64)"
}

@test "public.numbers: 100 rows, or as many as a bare LIMIT asks; integer sum wraps" {
	run -0 gt-sql --data-home "$T/d" --csv "SELECT count(*), sum(number), min(number), max(number) FROM numbers"
	assert_output "100,4950,0,99"
	run -0 gt-sql --data-home "$T/d" --csv "SELECT number FROM numbers LIMIT 3 OFFSET 250"
	assert_output "250
251
252"
	run -0 gt-sql --data-home "$T/d" --csv "CREATE TABLE b (v BIGINT, ts TIMESTAMP TIME INDEX); INSERT INTO b VALUES (9223372036854775807, 1), (2, 2); SELECT sum(v) FROM b"
	assert_output --partial "-9223372036854775807"
}

@test "matches, @@, greatest/least, split_part" {
	run -0 gt-sql --data-home "$T/d" --csv "CREATE TABLE f (ts TIMESTAMP TIME INDEX, s STRING); INSERT INTO f VALUES (1, 'the quick fox'), (2, 'a lazy dog'), (3, 'fox and dog'), (4, NULL);
SELECT ts FROM f WHERE matches(s, 'fox -dog') ORDER BY ts; SELECT ts FROM f WHERE matches(s, '+dog (quick OR lazy)') ORDER BY ts;
SELECT ts FROM f WHERE matches(s, '\"fox and\" OR quick AND dog') ORDER BY ts"
	# fox without dog: 1; must dog, quick/lazy optional: 2, 3; AND binds tighter than OR: 3
	assert_output "1
2
3
3"
	run -1 gt-sql --data-home "$T/d" "SELECT matches(s, '(fox') FROM f"
	assert_output --partial "missing ')'"
	run -0 gt-sql --data-home "$T/d" --csv "SELECT 'cat!' @@ 'cat', 'category' @@ 'cat', 'dog/cat' @@ '/cat', '' @@ '', 'any' @@ ''"
	assert_output "1,0,1,1,0"
	run -0 gt-sql --data-home "$T/d" --csv "SELECT greatest(1, 5, NULL, 3), least(2.5, 1), greatest(NULL, NULL), split_part('a,b,c', ',', 2), split_part('a,b,c', ',', -1), split_part('a,b,c', ',', 7)"
	assert_output "5,1,,b,c,"
	run -1 gt-sql --data-home "$T/d" "SELECT split_part('a', ',', 0)"
	assert_output --partial "field position must not be zero"
}

@test "to_unixtime, trailing comma, unknown names without a table" {
	run -0 gt-sql --data-home "$T/d" --csv "SELECT to_unixtime('  1970-01-02T00:00:01Z '), to_unixtime(5), to_unixtime('1970-01-01 00:01:00+0000')"
	assert_output "86401,5,60"
	run -0 gt-sql --data-home "$T/d" --csv "CREATE TABLE u (a BIGINT, ts TIMESTAMP TIME INDEX); INSERT INTO u VALUES (7, 1); SELECT a, ts, FROM u"
	assert_output --partial "7,1"
	run -1 gt-sql --data-home "$T/d" 'SELECT "Abc"'
	assert_output 'Error: 3000(PlanQuery), Failed to plan SQL: No field named "Abc".'
}

@test "DISTINCT with GROUP BY, DISTINCT ON, and DataFusion's DISTINCT ordering rules" {
	run -0 gt-sql --data-home "$T/d" --csv "CREATE TABLE d (a BIGINT, b BIGINT, t TIMESTAMP TIME INDEX); INSERT INTO d VALUES (11, 22, 1), (13, 22, 2), (11, 21, 3), (11, 22, 4);
SELECT DISTINCT max(b) FROM d GROUP BY a; SELECT DISTINCT ON (a) a, b, t FROM d ORDER BY a, t DESC"
	assert_output "22
11,22,4
13,22,2"
	run -1 gt-sql --data-home "$T/d" "SELECT DISTINCT a % 2 FROM d ORDER BY b"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: Error during planning: For SELECT DISTINCT, ORDER BY expressions d.b must appear in select list"
	run -1 gt-sql --data-home "$T/d" "SELECT DISTINCT ON (b) a FROM d ORDER BY a"
	assert_output "Error: 3000(PlanQuery), Failed to plan SQL: Error during planning: SELECT DISTINCT ON expressions must match initial ORDER BY expressions"
}

@test "window functions agree with sqlite3" {
	rows
	sqlite3 "$T/s.db" "CREATE TABLE t (g, x, i, ts); INSERT INTO t VALUES (1,1.0,7,1000),(1,2.0,3,2000),(1,3.0,5,3000),(2,10.0,8,4000),(2,20.0,12,5000),(2,30.0,4,6000),(3,NULL,NULL,7000);"
	while IFS= read -r q; do
		go=$(gt-sql --data-home "$T/d" --csv "$q" 2>&1 | sed 's/\.0\(,\|$\)/\1/g')
		so=$(sqlite3 -csv "$T/s.db" "$q" 2>&1 | sed 's/\.0\(,\|$\)/\1/g')
		[ "$go" = "$so" ] || { echo "query: $q"; echo "gt:     $go"; echo "sqlite: $so"; false; }
	done <<'Q'
SELECT g, i, row_number() OVER (PARTITION BY g ORDER BY i), rank() OVER (ORDER BY g), dense_rank() OVER (ORDER BY g DESC) FROM t ORDER BY ts
SELECT g, sum(i) OVER (PARTITION BY g ORDER BY ts), count(*) OVER (PARTITION BY g), max(x) OVER (ORDER BY g) FROM t ORDER BY ts
SELECT i, lag(i) OVER (ORDER BY ts), lead(i, 2, 0) OVER (ORDER BY ts), first_value(i) OVER (PARTITION BY g ORDER BY i DESC) FROM t ORDER BY ts
Q
	run -1 gt-sql --data-home "$T/d" "SELECT sum(i) OVER (ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t"
	assert_output --partial "window frames are not supported yet"
	run -1 gt-sql --data-home "$T/d" "SELECT nope(i) OVER () FROM t"
	assert_output --partial "Invalid function 'nope'"
}
