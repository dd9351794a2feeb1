#!/usr/bin/env bats
# promql-fn.bats - promql-fn.c's kernels (rate and friends, *_over_time,
# holt_winters, math, dates, quantile, histogram_quantile) against a real
# Prometheus 2.42 (Debian's package), point by point over two hours of
# seeded data: tests/promql-fn/promql-fn-diff and gt-promql-fn-check.
load helper

need() {
	command -v prometheus > /dev/null || skip "no prometheus (Debian package prometheus)"
	command -v promtool > /dev/null || skip "no promtool (Debian package prometheus)"
}

@test "promql-fn: every kernel's answer agrees with Prometheus 2.42 within 1e-9; a wrong one fails" {
	need
	run -0 /usr/bin/python3 "$TOP/tests/promql-fn/promql-fn-diff" --check "$GT_BUILD/tests/tools/gt-promql-fn-check" --tmp "$T/p" --seed 1
	assert_line --regexp '^647 queries, [0-9]{6} points, [0-9]+ exact, 0 bad, 0 queries differ$'
	# the checker sees a changed answer
	sed -i '0,/^R ctr_total{i="0"} \([0-9]*\) .*$/s//R ctr_total{i="0"} \1 12345/' "$T/p/cases.txt"
	run -1 gt-promql-fn-check "$T/p"
	assert_line --regexp '^DIFF rate\(ctr_total\[37s\]\) ctr_total\{i="0"\} t=[0-9]+ prometheus=12345 gt='
	assert_line --regexp ' 1 bad, 1 queries differ$'
}

@test "promql-fn: and on other data (seed 2)" {
	need
	run -0 /usr/bin/python3 "$TOP/tests/promql-fn/promql-fn-diff" --check "$GT_BUILD/tests/tools/gt-promql-fn-check" --tmp "$T/p" --seed 2
	assert_line --regexp '^647 queries, [0-9]{6} points, [0-9]+ exact, 0 bad, 0 queries differ$'
}
