#!/usr/bin/env bats
# gt-front --standalone: the HTTP API (health, InfluxDB writes with gzip,
# errors, limits, /ping, /query, /metrics, /v1/sql), the data-directory
# lock, graceful stop and crash recovery.  Every server is started on a
# free loopback port (--http-addr 127.0.0.1:0) and stopped with SIGTERM,
# whose exit status must be 0: a sanitizer report (leak, overflow) makes
# it non-zero and fails the test.

load helper

# req CURL-ARGS...: prints the HTTP status; the body is in $T/body.
req() {
	curl -sS -o "$T/body" -w '%{http_code}' "$@"
}

lp() {
	printf 'cpu,host=a usage=1.5 1000\ncpu,host=b usage=2.5 2000\n\ncpu,host=c usage=3.5 3000\n'
}

@test "--help, usage errors, and one of --standalone or --meta" {
	run -0 gt-front --help
	assert_output --partial 'gt-front --standalone --data-home DIR'
	assert_output --partial 'gt-front --meta HOST:PORT'
	run -100 gt-front --data-home "$T/d"
	assert_output --partial 'one of --standalone (with --data-home) or --meta HOST:PORT is needed'
	run -100 gt-front --standalone --data-home "$T/d" --meta 127.0.0.1:3002
	assert_output --partial 'one of --standalone'
	run -100 gt-front --standalone
	assert_output --partial '--data-home is required'
	run -100 gt-front --standalone --data-home "$T/d" --max-body 1
	run -100 gt-front --standalone --data-home "$T/d" --http-addr 127.0.0.1:99999
	assert_output --partial 'bad port'
}

@test "health, ping, unknown path and method" {
	start_front
	run -0 req "http://$ADDR/health"
	assert_output 200
	[ "$(cat "$T/body")" = "{}" ]
	run -0 curl -sS -o /dev/null -D - "http://$ADDR/ping"
	assert_output --partial '204'
	assert_output --partial 'X-Influxdb-Version:'
	run -0 req "http://$ADDR/nope"
	assert_output 404
	grep -q '"code":' "$T/body"
	run -0 req -X DELETE "http://$ADDR/v1/influxdb/write"
	assert_output 405
	stop_front
}

@test "influx writes (v1, v2 with bucket, root /write, gzip) are 204 and durable after SIGTERM" {
	start_front
	run -0 req --data-binary "$(lp)" "http://$ADDR/v1/influxdb/write?db=public&precision=ns"
	assert_output 204
	run -0 req --data-binary 'mem,host=a free=7i 5' "http://$ADDR/v1/influxdb/api/v2/write?bucket=public&precision=s"
	assert_output 204
	run -0 req --data-binary 'mem,host=b free=8i 6' "http://$ADDR/write?db=public&rp=autogen&precision=ms"
	assert_output 204
	printf 'disk,host=z used=9 7\ndisk,host=y used=10 8\n' | gzip -c > "$T/body.gz"
	run -0 req -H 'Content-Encoding: gzip' --data-binary @"$T/body.gz" "http://$ADDR/v1/influxdb/write?db=public"
	assert_output 204
	stop_front
	run -0 gt-data scan --data-home "$T/d" --table cpu
	assert_output "host,usage,greptime_timestamp
a,1.5,1000
b,2.5,2000
c,3.5,3000"
	run -0 gt-data scan --data-home "$T/d" --table mem
	assert_line 'a,7,5000000000'
	assert_line 'b,8,6000000'
	run -0 gt-data scan --data-home "$T/d" --table disk --format count
	assert_output --regexp '^2 rows'
}

@test "a bad line rejects the whole request with 400 naming the line" {
	start_front
	run -0 req --data-binary 'cpu,host=a usage=1 1' "http://$ADDR/v1/influxdb/write"
	assert_output 204
	run -0 req --data-binary $'cpu,host=b usage=2 2\ncpu,host=c usage= 3\n' "http://$ADDR/v1/influxdb/write"
	assert_output 400
	run -0 cat "$T/body"
	assert_output --regexp '^\{"code":1004,"error":"line 2, column [0-9]+: .*","execution_time_ms":[0-9]+\}$'
	run -0 req --data-binary 'cpu v=1' "http://$ADDR/v1/influxdb/write?precision=fortnights"
	assert_output 400
	run -0 req --data-binary 'cpu v=1' "http://$ADDR/v1/influxdb/write?db=nosuchdb"
	assert_output 404
	grep -q '"code":4004' "$T/body"
	stop_front
	run -0 gt-data scan --data-home "$T/d" --table cpu --format count
	assert_output --regexp '^1 rows'
}

@test "content encodings: unknown is 415, truncated or damaged gzip is 400" {
	start_front
	run -0 req -H 'Content-Encoding: br' --data-binary 'cpu v=1' "http://$ADDR/v1/influxdb/write"
	assert_output 415
	grep -q '"code":' "$T/body"
	seq 1 2000 | sed 's/.*/cpu,host=h& v=& &/' | gzip -c > "$T/full.gz"
	head -c $(($(stat -c %s "$T/full.gz") / 2)) "$T/full.gz" > "$T/half.gz"
	run -0 req -H 'Content-Encoding: gzip' --data-binary @"$T/half.gz" "http://$ADDR/v1/influxdb/write"
	assert_output 400
	grep -q 'truncated' "$T/body"
	run -0 req -H 'Content-Encoding: gzip' --data-binary 'not gzip at all' "http://$ADDR/v1/influxdb/write"
	assert_output 400
	run -0 req -H 'Content-Encoding: gzip' --data-binary @"$T/full.gz" "http://$ADDR/v1/influxdb/write"
	assert_output 204
	stop_front
	run -0 gt-data scan --data-home "$T/d" --table cpu --format count
	assert_output --regexp '^2000 rows'
}

@test "bodies over --max-body are 413, sent or inflated" {
	start_front --max-body 8K
	head -c 20000 /dev/zero | tr '\0' 'x' > "$T/big"
	run -0 req --data-binary @"$T/big" "http://$ADDR/v1/influxdb/write"
	assert_output 413
	grep -q '"code":' "$T/body"
	# chunked: no Content-Length, the ceiling is found while reading
	run -0 req -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "http://$ADDR/v1/influxdb/write"
	assert_output 413
	# small on the wire, over the limit once inflated
	gzip -c "$T/big" > "$T/big.gz"
	run -0 req -H 'Content-Encoding: gzip' --data-binary @"$T/big.gz" "http://$ADDR/v1/influxdb/write"
	assert_output 413
	run -0 req "http://$ADDR/health"
	assert_output 200
	stop_front
}

@test "/query: CREATE DATABASE, SHOW DATABASES, then writes to it" {
	start_front
	run -0 req "http://$ADDR/query" --data-urlencode 'q=CREATE DATABASE telegraf'
	assert_output 200
	[ "$(cat "$T/body")" = '{"results":[{"statement_id":0}]}' ]
	run -0 req -G "http://$ADDR/query" --data-urlencode 'q=SHOW DATABASES'
	assert_output 200
	[ "$(cat "$T/body")" = '{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["public"],["telegraf"]]}]}]}' ]
	run -0 req --data-binary 'net,host=a bytes=1i 1' "http://$ADDR/write?db=telegraf"
	assert_output 204
	run -0 req -G "http://$ADDR/query" --data-urlencode 'q=DROP DATABASE telegraf'
	assert_output 400
	grep -q '"error":' "$T/body"
	run -0 req "http://$ADDR/query"
	assert_output 400
	stop_front
	run -0 gt-data scan --data-home "$T/d" --db telegraf --table net
	assert_line 'a,1,1'
}

@test "/metrics counts rows ingested and requests by endpoint and code" {
	start_front
	for i in 1 2 3; do
		run -0 req --data-binary "$(lp)" "http://$ADDR/v1/influxdb/write"
		assert_output 204
	done
	run -0 req --data-binary 'bad line' "http://$ADDR/v1/influxdb/write"
	assert_output 400
	run -0 curl -sS "http://$ADDR/metrics"
	assert_line 'gt_ingest_rows_total 9'
	assert_line 'gt_http_requests_total{endpoint="/v1/influxdb/write",code="204"} 3'
	assert_line 'gt_http_requests_total{endpoint="/v1/influxdb/write",code="400"} 1'
	assert_line 'gt_http_request_duration_seconds_count{endpoint="/v1/influxdb/write"} 4'
	assert_line 'gt_regions_open 1'
	assert_line '# TYPE gt_memtable_bytes gauge'
	stop_front
}

@test "/v1/sql answers GreptimeDB's JSON; a missing sql parameter is 400" {
	start_front
	run -0 req -G "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT * FROM no_such_table_here'
	[ "$output" -ge 400 ] && [ "$output" -lt 500 ]
	run -0 cat "$T/body"
	assert_output --regexp '^\{"code":[0-9]+,"error":".*","execution_time_ms":[0-9]+\}$'
	run -0 req "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT * FROM no_such_table_here' --data-urlencode 'db=public'
	[ "$output" -ge 400 ] && [ "$output" -lt 500 ]
	grep -q '"code":' "$T/body"
	run -0 req "http://$ADDR/v1/sql"
	assert_output 400
	grep -q '"code":1004' "$T/body"
	run -0 req -G "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT 1' --data-urlencode 'db=nosuchdb'
	assert_output 404
	grep -q '"code":4004' "$T/body"
	stop_front
}

@test "a second server on the same data directory is refused with 111" {
	start_front
	run -111 --separate-stderr gt-front --standalone --data-home "$T/d" --http-addr 127.0.0.1:0
	[[ "$stderr" == *"in use by another process"* ]] || fail "stderr: $stderr"
	# the address in use is temporary too
	run -111 --separate-stderr gt-front --standalone --data-home "$T/d2" --http-addr "$ADDR"
	[[ "$stderr" == *"cannot listen on"* ]] || fail "stderr: $stderr"
	run -0 req "http://$ADDR/health"
	assert_output 200
	stop_front
}

@test "--ready-fd gets the ready line" {
	gt-front --standalone --data-home "$T/d" --http-addr 127.0.0.1:0 --mysql-addr 127.0.0.1:0 --postgres-addr 127.0.0.1:0 --ready-fd 3 3>"$T/ready" 2>"$T/front.log" &
	FPID=$!
	PIDS="${PIDS:-} $FPID"
	for _ in $(seq 1 200); do [ -s "$T/ready" ] && break; sleep 0.05; done
	run -0 cat "$T/ready"
	assert_output --regexp '^gt-front: ready http=127\.0\.0\.1:[0-9]+ mysql=127\.0\.0\.1:[0-9]+ postgres=127\.0\.0\.1:[0-9]+$'
	stop_front
}

@test "SIGKILL, restart: every acknowledged row is there" {
	start_front
	for i in $(seq 1 20); do
		run -0 req --data-binary "cpu,host=h$i v=$i $i" "http://$ADDR/v1/influxdb/write"
		assert_output 204
	done
	kill -9 "$FPID"
	wait "$FPID" || true
	start_front
	run -0 req --data-binary 'cpu,host=h21 v=21 21' "http://$ADDR/v1/influxdb/write"
	assert_output 204
	stop_front
	run -0 gt-data scan --data-home "$T/d" --table cpu --format count
	assert_output --regexp '^21 rows'
}

# fill_log: 40 requests of 200 rows to table 'busy' (8000 rows), many
# times a 64K WAL over
fill_log() {
	for i in $(seq 1 40); do
		awk -v i="$i" 'BEGIN { for (k = 0; k < 200; k++) printf "busy,host=h%d,rack=r%d v=%d,w=%d %d\n", k, k % 7, k, i, i * 1000 + k }' > "$T/body"
		run -0 req --data-binary @"$T/body" "http://$ADDR/v1/influxdb/write"
		assert_output 204
	done
}

@test "the shared WAL stays near --wal-purge-bytes: a region that holds it is flushed" {
	start_front --wal-purge-bytes 64K
	# one row in 'idle', then 'busy' fills the log many times over
	run -0 req --data-binary 'idle,host=a v=1 1' "http://$ADDR/v1/influxdb/write"
	fill_log
	sleep 1
	# 'idle' was flushed for the log's sake, and the log holds a few segments, not 40 requests' worth
	run -0 sh -c "ls '$T'/d/data/public/*/*/*.sst | wc -l"
	[ "$output" -ge 1 ]
	size=$(du -sk "$T/d/wal" | cut -f1)
	[ "$size" -lt 160 ] || fail "the WAL holds $size KiB"
	kill -9 "$FPID"
	wait "$FPID" || true
	start_front
	stop_front
	run -0 gt-data scan --data-home "$T/d" --table idle --format count
	assert_output --regexp '^1 rows'
	run -0 gt-data scan --data-home "$T/d" --table busy --format count
	assert_output --regexp '^8000 rows'
}

@test "after a restart, a table not written again is opened and flushed when it holds the WAL back" {
	start_front --wal-purge-bytes 64K
	run -0 req --data-binary 'idle,host=a v=1 1' "http://$ADDR/v1/influxdb/write"
	kill -9 "$FPID"
	wait "$FPID" || true
	# 'idle' is in the log only; this server never touches it
	start_front --wal-purge-bytes 64K
	fill_log
	sleep 1
	run -0 sh -c "ls '$T'/d/data/public/1024/*/*.sst 2>/dev/null | wc -l"   # idle is table 1024
	[ "$output" -ge 1 ]
	size=$(du -sk "$T/d/wal" | cut -f1)
	[ "$size" -lt 160 ] || fail "the WAL holds $size KiB: $(grep WAL "$T/front.log" | head -n 3)"
	kill -9 "$FPID"
	wait "$FPID" || true
	run -0 gt-data scan --data-home "$T/d" --table idle --format count
	assert_output --regexp '^1 rows'
	run -0 gt-data scan --data-home "$T/d" --table busy --format count
	assert_output --regexp '^8000 rows'
}

@test "hundreds of small tables of many short series keep gt-front's memory small" {
	# A Prometheus server's own metrics are hundreds of tables of a few
	# series, each series a row a scrape.  Here 300 tables x 20 series, a
	# row each.  A memtable once took a whole 1 MiB block, and a new
	# series a whole 1024-row chunk: 300 - 540 MB; about 30 MB now.
	start_front
	awk 'BEGIN { for (t = 1; t <= 300; t++) for (s = 1; s <= 20; s++) printf "metric_%d,host=h%d v=%d 1000000000\n", t, s, s }' > "$T/body"
	run -0 req --data-binary @"$T/body" "http://$ADDR/v1/influxdb/write"
	assert_output 204
	rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$FPID/status")
	[ "$rss" -lt 100000 ] || fail "gt-front's peak RSS is $rss KiB after 300 tables of 20 one-row series"
	run -0 sh -c "curl -sS '$ADDR/v1/sql' --data-urlencode 'sql=SELECT count(*), sum(v) FROM metric_277'"
	assert_output --partial '[[20,210.0]]'
	stop_front
}

@test "clients that stall or vanish mid-request do not hurt the server" {
	start_front --timeout 2
	head -c 200000 /dev/zero | tr '\0' 'x' > "$T/slow"
	# an upload too slow to finish: curl gives up (28 = timeout)
	run -28 curl -sS -o /dev/null --max-time 1 --limit-rate 20k --data-binary @"$T/slow" "http://$ADDR/v1/influxdb/write"
	# a request cut off after its headers, and garbage
	printf 'POST /v1/influxdb/write HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\ncpu v=1' |
		timeout 2 curl -sS --max-time 1 "telnet://$ADDR" > /dev/null 2>&1 || true
	printf 'NOT HTTP AT ALL\r\n\r\n' | timeout 2 curl -sS --max-time 1 "telnet://$ADDR" > /dev/null 2>&1 || true
	run -0 req "http://$ADDR/health"
	assert_output 200
	run -0 req --data-binary 'cpu v=1 1' "http://$ADDR/v1/influxdb/write"
	assert_output 204
	stop_front
}

@test "concurrent keep-alive writers lose nothing" {
	start_front
	for s in 1 2 3 4; do
		for b in $(seq 1 10); do
			seq 1 100 | sed "s/.*/cpu,s=$s,b=$b,i=& v=& 1/" > "$T/batch.$s.$b"
		done
	done
	for s in 1 2 3 4; do
		(
			args=()
			for b in $(seq 1 10); do
				[ "$b" -eq 1 ] || args+=(--next)
				args+=(-o /dev/null -w '%{http_code}\n' --data-binary @"$T/batch.$s.$b" "http://$ADDR/v1/influxdb/write")
			done
			curl -sS "${args[@]}" > "$T/codes.$s.tmp"
			mv "$T/codes.$s.tmp" "$T/codes.$s"
		) &
	done
	wait_for() { for _ in $(seq 1 200); do [ "$(ls "$T" | grep -c '^codes\.[0-9]$')" -eq 4 ] && return 0; sleep 0.05; done; }
	wait_for
	run -0 sh -c "cat '$T'/codes.[0-9] | sort | uniq -c"
	[[ "$output" =~ ^\ *40\ 204$ ]] || fail "answers: $output; server: $(cat "$T/front.log")"
	stop_front
	run -0 gt-data scan --data-home "$T/d" --table cpu --format count
	assert_output --regexp '^4000 rows'
}

@test "the real influx CLI imports into gt: CREATE DATABASE through /query, points through /write" {
	command -v influx >/dev/null || skip "influx CLI (influxdb-client) not installed"
	start_front
	printf '# DDL\nCREATE DATABASE imp\n\n# DML\n# CONTEXT-DATABASE: imp\n\ncpu,host=a v=1 1000000000\n\ncpu,host=b v=2 2000000000\n' > "$T/imp.txt"
	run -0 influx -host "${ADDR%:*}" -port "${ADDR##*:}" -import -path "$T/imp.txt" -precision ns
	assert_output --partial "Processed 2 inserts"
	assert_output --partial "Failed 0 inserts"
	run -0 influx -host "${ADDR%:*}" -port "${ADDR##*:}" -execute 'SHOW DATABASES'
	assert_line imp
	stop_front
	run -0 gt-data scan --data-home "$T/d" --db imp --table cpu
	assert_output "$(printf '%s\n' 'host,v,greptime_timestamp' 'a,1,1000000000' 'b,2,2000000000')"
}
