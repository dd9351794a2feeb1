# helper.bash - loaded by every bats suite.
# Puts the build's programs first on PATH (GT_BUILD, default build/),
# gives each test its own temp dir ($T) and loads bats-assert.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
GT_BUILD=${GT_BUILD:-$TOP/build}
PATH="$GT_BUILD/bin:$GT_BUILD/tests/tools:$TOP/scripts:$PATH"
export PATH ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/gt-test.XXXXXX")
	export T
}

teardown() {
	if [ -n "${PIDS:-}" ]; then
		for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	fi
	rm -rf "$T"
}

free_base() { # N -> a base port with base..base+N free on loopback
	local p i busy lo=32768
	# below the kernel's ephemeral range: a port there can be taken by any
	# outgoing connection between this check and the server's bind
	read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2> /dev/null || true
	[ "$lo" -gt 12000 ] || lo=32768
	for _ in $(seq 1 50); do
		p=$((10000 + RANDOM % (lo - 10000 - $1 - 1)))
		busy=
		for i in $(seq 0 "$1"); do
			if (exec 3<> "/dev/tcp/127.0.0.1/$((p + i))") 2> /dev/null; then busy=1; fi
		done
		[ -n "$busy" ] || { echo "$p"; return 0; }
	done
	echo "no free port range" >&2
	return 1
}

# start_front [DATA_HOME] [OPTION...]: gt-front --standalone in the
# background on DATA_HOME (default $T/d), every protocol on a free
# loopback port; waits for its ready line and sets FPID, ADDR (the HTTP
# HOST:PORT), MY_PORT (MySQL) and PG_PORT (PostgreSQL).  Its stderr is $T/front.log.
start_front() {
	local home=$T/d line
	if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then home=$1; shift; fi
	: > "$T/front.log"
	gt-front --standalone --data-home "$home" --http-addr 127.0.0.1:0 --mysql-addr 127.0.0.1:0 --postgres-addr 127.0.0.1:0 \
		"$@" 2>>"$T/front.log" &
	FPID=$!
	PIDS="${PIDS:-} $FPID"
	for _ in $(seq 1 200); do
		line=$(grep '^gt-front: ready ' "$T/front.log" | tail -n 1)
		if [ -n "$line" ]; then
			ADDR=$(echo "$line" | sed -n 's/.* http=\([^ ]*\).*/\1/p')
			MY_PORT=$(echo "$line" | sed -n 's/.* mysql=[^ ]*:\([0-9]*\).*/\1/p')
			PG_PORT=$(echo "$line" | sed -n 's/.* postgres=[^ ]*:\([0-9]*\).*/\1/p')
			return 0
		fi
		kill -0 "$FPID" 2>/dev/null || fail "gt-front exited before ready: $(cat "$T/front.log")"
		sleep 0.05
	done
	fail "gt-front not ready after 10 s: $(cat "$T/front.log")"
}

# stop_front: SIGTERM, and the server must exit 0 (a sanitizer report makes it not).
stop_front() {
	local st=0
	kill -TERM "$FPID"
	wait "$FPID" || st=$?
	[ "$st" -eq 0 ] || fail "gt-front exited $st after SIGTERM: $(cat "$T/front.log")"
}

# compare < QUERIES: each line "query" (for both) or "gt query @@ sqlite
# query", run by gt-sql on $T/d and by sqlite3 on $T/s.db as CSV; floats
# compared to 9 digits, answers of queries without ORDER BY sorted.
# Prints each difference and "N queries, M differ"; fails if M > 0.
compare() {
	local nq=0 bad=0 line gq sq go so
	norm() {
		awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ && $i ~ /[.eE]/) $i = sprintf("%.9g", sprintf("%.10g", $i)); print }'
	}
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		gq=${line%% @@ *} sq=${line#* @@ }
		nq=$((nq + 1))
		case $gq in
		*"ORDER BY"*) go=$(gt-sql --data-home "$T/d" --csv "$gq" 2>&1 | norm) so=$(sqlite3 -csv "$T/s.db" "$sq" 2>&1 | norm) ;;
		*) go=$(gt-sql --data-home "$T/d" --csv "$gq" 2>&1 | norm | LC_ALL=C sort) so=$(sqlite3 -csv "$T/s.db" "$sq" 2>&1 | norm | LC_ALL=C sort) ;;
		esac
		if [ "$go" != "$so" ]; then
			bad=$((bad + 1))
			echo "query $nq: $line"; diff <(echo "$go") <(echo "$so") | head -20 || true
		fi
	done
	echo "$nq queries, $bad differ"
	[ "$bad" -eq 0 ]
}
