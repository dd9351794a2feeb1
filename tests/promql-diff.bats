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

@test "gt-bench-prom stays shellcheck-clean" {
	command -v shellcheck > /dev/null || skip "no shellcheck"
	run -0 shellcheck "$TOP/scripts/gt-bench-prom"
}
