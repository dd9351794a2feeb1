#!/usr/bin/env bats
# Crash safety: SIGKILL a writer (and a compactor) at random moments, 25
# times, with a tiny memtable so that kills land during flushes and
# compactions too.  After every restart each acknowledged row is there
# exactly once and every SST verifies.

load helper

gen() { # round rows
	awk -v r="$1" -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "m,h=h%d v=%di %d\n", i % 4, i, r * 1000000 + i }'
}

check() { # every acknowledged row of every round so far, exactly once
	gt-data scan --data-home "$T/d" --table m > "$T/scan.csv" 2> "$T/scan.err" || {
		cat "$T/scan.err"; return 1; }
	tail -n +2 "$T/scan.csv" | cut -d, -f1,3 | sort > "$T/have"
	if [ -n "$(uniq -d "$T/have")" ]; then
		echo "duplicate rows:"; uniq -d "$T/have" | head; return 1
	fi
	sort "$T/acked" > "$T/want"
	missing=$(comm -23 "$T/want" "$T/have" | head -5)
	if [ -n "$missing" ]; then
		echo "acknowledged rows missing after a crash: $missing"; return 1
	fi
	for f in "$T"/d/data/public/*/*/*.sst; do
		[ -e "$f" ] || continue
		gt-sst verify "$f" || return 1
	done
}

@test "SIGKILL during ingest, flush and compaction loses no acknowledged row (25 rounds)" {
	: > "$T/acked"
	for round in $(seq 1 25); do
		gen "$round" 20000 > "$T/in.lp"
		gt-data write --data-home "$T/d" --progress --batch-bytes 2K --memtable-bytes 16K \
			< "$T/in.lp" > "$T/progress" 2> "$T/write.err" &
		w=$!
		PIDS=$w
		if [ $((round % 5)) -eq 0 ]; then
			# a compactor from cron, waiting on the writer's lock, killed too
			gt-compact --data-home "$T/d" --once --force --wait 5 > /dev/null 2>&1 &
			PIDS="$PIDS $!"
		fi
		sleep "0.$((RANDOM % 6 + 1))"
		kill -9 $PIDS 2>/dev/null || true
		wait $PIDS 2>/dev/null || true
		PIDS=
		acked=$(grep -c '' "$T/progress" >/dev/null; tail -n 1 "$T/progress" | awk '/^acknowledged/ { print $2 } /^[0-9]+$/ { print $1 }')
		acked=${acked:-0}
		echo "# round $round: $acked rows acknowledged before the kill" >&3
		head -n "$acked" "$T/in.lp" | awk -F'[ ,=]' '{ print $3 "," $6 }' >> "$T/acked"
		check
		if [ $((round % 5)) -eq 0 ]; then
			run -0 gt-compact --data-home "$T/d" --once --force
			check
		fi
	done
	[ "$(wc -l < "$T/acked")" -gt 0 ]
}
