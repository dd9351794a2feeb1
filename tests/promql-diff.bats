#!/usr/bin/env bats
# promql-diff.bats - gt's PromQL against a real Prometheus (2.42, Debian's
# package) on the same remote-written samples: the compliance suite's
# ~540 queries plus our own (tests/promql-diff/queries.promql), through
# tests/promql-diff/promql-diff.  The number of queries that agree may
# not drop below tests/promql-diff/min-agree (raise it when more agree;
# docs/CONFORMANCE.md lists the ones that differ and why).
load helper

DIFF=$TOP/tests/promql-diff/promql-diff

need() {
	command -v prometheus > /dev/null || skip "no prometheus (Debian package prometheus)"
	/usr/bin/python3 -c 'import yaml' 2> /dev/null || skip "no python3-yaml"
}

@test "promql-diff: Prometheus against a second Prometheus agrees on every query (the harness is sound)" {
	need
	run -0 /usr/bin/python3 "$DIFF" --self --tmp "$T"
	refute_output --partial DIFF
	assert_line --regexp '^# compliance: 5[0-9][0-9]/5[0-9][0-9] '
	n=$(echo "$output" | sed -n 's|^\([0-9]*\)/\([0-9]*\) queries agree$|\1 \2|p')
	[ -n "$n" ]
	set -- $n
	[ "$1" -eq "$2" ]
	[ "$2" -ge 850 ]
}

@test "promql-diff: gt agrees with Prometheus on at least min-agree queries" {
	need
	start_front
	run /usr/bin/python3 "$DIFF" --gt "$ADDR" --tmp "$T" --min-agree "$TOP/tests/promql-diff/min-agree"
	echo "$output" | grep -E '^(# (compliance|own|own-instant):|[0-9]+/[0-9]+ queries agree)' | sed 's/^# //; s/^/# /' >&3
	[ "$status" -eq 0 ] || fail "$output"
	assert_line --regexp '^[0-9]+/[0-9]+ queries agree$'
	stop_front
}

@test "gt-bench-prom --gt-only runs end to end: every gt figure is a number and the answers have their series" {
	command -v /usr/bin/python3 > /dev/null || skip "no python3"
	run -0 "$TOP/scripts/gt-bench-prom" --gt-only --hosts 5 --hours 1 --dir "$T/bench"
	assert_line --regexp '^\| max_over_time 1h, one host \(range, step 1h\) \| [0-9.]+ \| - \| - \|$'
	assert_line --regexp '^\| avg by \(hostname\) of avg_over_time 1h \(range, step 1h\) \| [0-9.]+ \| - \| - \|$'
	assert_line --regexp '^\| lastpoint: cpu_usage_user of every host \(instant\) \| [0-9.]+ \| - \| - \|$'
	assert_line '| series in the answers (check) | 1 / 5 / 5 | - | - |'
	assert_line --regexp '^\| remote-write ingest, samples/s: new series .* \| [0-9]+ \| - \| - \|$'
	assert_line --regexp '^\| the same series again \(2,160,000 samples\) \| [0-9]+ \| - \| - \|$'
	assert_line --regexp '^\| the same again, a TimeSeries a series .* \| [0-9]+ \| - \| - \|$'
	assert_line --regexp '^\| the three, gt with --wal-sync interval \(fresh data dir\) \| [0-9]+ / [0-9]+ / [0-9]+ \| - \| - \|$'
}

@test "gt-bench-prom stays shellcheck-clean" {
	command -v shellcheck > /dev/null || skip "no shellcheck"
	run -0 shellcheck "$TOP/scripts/gt-bench-prom"
}
