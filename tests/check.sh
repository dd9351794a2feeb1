#!/bin/sh
# check.sh BUILD SANBUILD - run every suite and end with "N passed, N failed".
#
# Suites: C unit tests and fuzz corpus replays (plain and sanitized
# builds), the bats suites against the plain build, and the suites named
# in SAN_BATS again against the sanitized build.  Each suite prints TAP;
# this script counts "ok"/"not ok" lines, and a suite that exits non-zero
# with no failing line (a crash) counts as one more failure.
set -u
build=${1:-build}
san=${2:-build-san}
top=$(cd "$(dirname "$0")/.." && pwd)
log=${CHECK_LOG:-$top/$build/check.log}
mkdir -p "$(dirname "$log")"
: > "$log"
pass=0
fail=0
SAN_BATS="engine.bats cluster-sql.bats pg.bats mysql.bats auth.bats prom-api.bats prom-remote.bats"

run_suite() {
	name=$1
	shift
	out=$(mktemp)
	"$@" > "$out" 2>>"$log"
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >> "$out"
	fi
	{ echo "# suite $name"; cat "$out"; } >> "$log"
	grep '^not ok' "$out" | sed "s|^|$name: |"
	printf '%-40s %5d passed %3d failed\n' "$name" "$p" "$f"
	pass=$((pass + p))
	fail=$((fail + f))
	rm -f "$out"
}

for b in "$build" "$san"; do
	for t in "$top/$b"/tests/unit/test-*; do
		[ -x "$t" ] || continue
		run_suite "$b/unit/$(basename "$t")" "$t"
	done
	for t in "$top/$b"/tests/fuzz/fuzz-*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		run_suite "$b/fuzz/$n" "$t" "$top/tests/fuzz/corpus/${n#fuzz-}"
	done
done

for s in "$top"/tests/*.bats; do
	[ -f "$s" ] || continue
	run_suite "bats/$(basename "$s")" env GT_BUILD="$top/$build" bats --tap "$s"
done
for s in $SAN_BATS; do
	[ -f "$top/tests/$s" ] || continue
	run_suite "bats-san/$s" env GT_BUILD="$top/$san" bats --tap "$top/tests/$s"
done

# GreptimeDB's own SQL cases: a file that passed before must pass now.
sqlness_tap() {
	sq_out=$(sh "$top/tests/sqlness.sh" "$1" --check 2>&1)
	sq_rc=$?
	echo "$sq_out" | sed 's/^/# /'
	if [ "$sq_rc" -eq 0 ]; then
		echo "ok 1 - sqlness: no regression ($(echo "$sq_out" | tail -n 1))"
	elif [ "$sq_rc" -eq 100 ] && echo "$sq_out" | grep -q 'no case directory'; then
		echo "ok 1 - # SKIP sqlness: GreptimeDB's case files are not beside the repository"
	else
		echo "not ok 1 - sqlness regression: $(echo "$sq_out" | grep -i 'regress' | head -n 3 | tr '\n' ' ')"
	fi
}
run_suite "sqlness" sqlness_tap "$top/$build"

echo "details in $log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
