#!/usr/bin/env bats
# The same SQL, the same answers: one script of DDL, line-protocol and
# INSERT writes and queries runs against a standalone server and against
# a cluster of 1 gt-meta, 3 gt-data serve and 2 gt-front --meta (the
# statements alternate between the two frontends); every answer must be
# identical but for execution_time_ms.  Everything started is stopped by
# PID (gt-cluster down, kill).
load helper

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/gt-test.XXXXXX")
	export T
}

teardown() {
	[ -f "$T/c/cluster.conf" ] && gt-cluster down --dir "$T/c" > /dev/null 2>&1
	[ -f "$T/s.pid" ] && kill "$(cat "$T/s.pid")" 2>/dev/null && wait_gone "$(cat "$T/s.pid")"
	rm -rf "$T"
}

wait_gone() {
	for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
}

# ask PORT SQL: the JSON answer without its timing
ask() {
	curl -sS "http://127.0.0.1:$1/v1/sql?db=public" --data-urlencode "sql=$2" |
		sed 's/"execution_time_ms":[0-9]*//'
}

lp() { # PORT FILE
	curl -sS -o /dev/null -w '%{http_code}' -XPOST "http://127.0.0.1:$1/v1/influxdb/write?db=public&precision=s" \
		--data-binary "@$2"
}

@test "standalone and a cluster of 3 datanodes and 2 frontends give identical answers on partitioned tables" {
	base=$(free_base 7)
	run -0 gt-cluster up --datanodes 3 --frontends 2 --dir "$T/c" --base-port "$base"
	f1=$((base + 1)) f2=$((base + 2)) sp=$((base + 7))
	gt-front --standalone --data-home "$T/s" --http-addr "127.0.0.1:$sp" --mysql-addr 127.0.0.1:0 --postgres-addr 127.0.0.1:0 2> "$T/s.log" &
	echo $! > "$T/s.pid"
	for _ in $(seq 1 100); do grep -q ready "$T/s.log" && break; sleep 0.1; done

	# 24 hosts x 60 minutes, two fields, some nulls
	awk 'BEGIN { for (h = 0; h < 24; h++) for (m = 0; m < 60; m++) {
		printf "cpu,host=h%02d,dc=%s usage=%d.%d", h, (h % 3 ? "east" : "west"), (h * 7 + m * 13) % 100, m % 10
		if (m % 7) printf ",temp=%di", 20 + (h + m) % 15
		printf " %d\n", 1700000000 + m * 60 }}' > "$T/cpu.lp"

	stmts=(
		"CREATE TABLE cpu (host STRING, dc STRING, usage DOUBLE, temp BIGINT, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host, dc)) PARTITION ON COLUMNS (host) (host < 'h08', host >= 'h08' AND host < 'h16', host >= 'h16')"
		"CREATE TABLE ev (k STRING, n BIGINT, ts TIMESTAMP(3) TIME INDEX, PRIMARY KEY(k)) PARTITION ON COLUMNS (k) (k < 'm', k >= 'm')"
		"INSERT INTO ev VALUES ('a', 1, 1000), ('q', 2, 2000), ('z', 3, 3000), ('b', 4, 4000), ('a', 5, 5000)"
		"LP"
		"SELECT count(*), count(temp), sum(usage), min(ts), max(ts) FROM cpu"
		"SELECT host, count(*), avg(usage), max(temp) FROM cpu GROUP BY host ORDER BY host"
		"SELECT dc, date_trunc('minute', ts) AS m, max(usage) FROM cpu WHERE ts >= '2023-11-14T22:20:00Z' AND ts < '2023-11-14T22:40:00Z' GROUP BY dc, m ORDER BY dc, m"
		"SELECT host, last_value(usage ORDER BY ts), first_value(temp ORDER BY ts) FROM cpu GROUP BY host ORDER BY host"
		"SELECT * FROM cpu WHERE host IN ('h03', 'h12', 'h21') AND usage > 50 ORDER BY host, ts LIMIT 20"
		"SELECT host, usage FROM cpu ORDER BY usage DESC, host, ts LIMIT 7"
		"SELECT k, sum(n) FROM ev GROUP BY k ORDER BY k"
		"SELECT dc, first_value(host), last_value(host), count(dc), first_value(usage), last_value(temp) FROM cpu GROUP BY dc ORDER BY dc"
		"SELECT ts, count(*), sum(temp), avg(usage) FROM cpu WHERE host <> 'h02' GROUP BY ts ORDER BY ts LIMIT 5"
		"SELECT host, last_value(usage ORDER BY ts), first_value(ts ORDER BY ts DESC) FROM cpu WHERE host IN ('h01', 'h09', 'h17', 'h23') GROUP BY host ORDER BY host"
		"SELECT date_bin(INTERVAL '10 minutes', ts) AS b, min(temp), max(usage), count(*) FROM cpu GROUP BY b ORDER BY b"
		"SELECT count(*), sum(usage) FROM cpu WHERE ts > '2030-01-01T00:00:00Z'"
		"DELETE FROM cpu WHERE host = 'h05'"
		"DELETE FROM ev WHERE k = 'q'"
		"SELECT count(*) FROM cpu"
		"SELECT * FROM ev ORDER BY k, ts"
		"SHOW CREATE TABLE cpu"
		"DESCRIBE TABLE ev"
		"SELECT table_name, count(*) FROM information_schema.partitions WHERE table_schema = 'public' GROUP BY table_name ORDER BY table_name"
		"ALTER TABLE ev ADD COLUMN note STRING"
		"INSERT INTO ev VALUES ('m', 9, 9000, 'late')"
		"SELECT * FROM ev ORDER BY k, ts"
		"DROP TABLE ev"
		"SHOW TABLES"
	)
	i=0
	for s in "${stmts[@]}"; do
		f=$((i % 2 ? f2 : f1))
		if [ "$s" = LP ]; then
			a=$(lp "$sp" "$T/cpu.lp") b=$(lp "$f" "$T/cpu.lp")
		else
			a=$(ask "$sp" "$s") b=$(ask "$f" "$s")
		fi
		if [ "$a" != "$b" ]; then
			printf 'statement: %s\nstandalone: %s\ncluster:    %s\n' "$s" "$a" "$b"
			return 1
		fi
		case $a in *'"error"'*) printf 'statement: %s\nfailed on both: %s\n' "$s" "$a"; return 1 ;; esac
		i=$((i + 1))
	done
	# the cluster spread the regions over the three datanodes
	run -0 ask "$f1" "SELECT count(DISTINCT peer_id) FROM information_schema.region_peers WHERE table_name = 'cpu'"
	assert_output --partial '"rows":[[3]]'
}
