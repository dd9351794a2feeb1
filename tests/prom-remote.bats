#!/usr/bin/env bats
# Prometheus remote write (and read) against the real server: samples
# pushed with gt-prom-send (protobuf-c + snappy), tables checked over
# /v1/sql; a real Prometheus scraping itself and gt's /metrics with
# remote_write to gt; bad input refused with 400 and nothing written.

load helper

sql() { # SQL -> the JSON answer on stdout
	curl -sS "http://$ADDR/v1/sql" --data-urlencode "sql=$1"
}

rows() { # SQL -> its rows as compact JSON
	sql "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["output"][0]["records"]["rows"],separators=(",",":")) if "output" in d else d)'
}

push() { # [URL-SUFFIX] < samples
	gt-prom-send "http://$ADDR/v1/prometheus/write${1:-}"
}

# req CURL-ARGS...: prints the HTTP status; the body is in $T/body.
req() {
	curl -sS -o "$T/body" -w '%{http_code}' "$@"
}

@test "remote write: a table per metric, labels as tags, ms time index, one float field" {
	start_front
	push <<'EOF'
http_requests_total{job="api",instance="a:1",code="200"} 10 1700000000000
http_requests_total{job="api",instance="a:1",code="200"} 12.5 1700000015000
http_requests_total{job="api",instance="a:1",code="500"} 1 1700000000000
up{job="api",instance="a:1"} 1 1700000000000
EOF
	run rows "SELECT code, instance, job, greptime_timestamp, greptime_value FROM http_requests_total ORDER BY code, greptime_timestamp"
	assert_output '[["200","a:1","api",1700000000000,10.0],["200","a:1","api",1700000015000,12.5],["500","a:1","api",1700000000000,1.0]]'
	run rows "SHOW CREATE TABLE up"
	assert_output --partial '\"greptime_timestamp\" TIMESTAMP(3) NOT NULL'
	assert_output --partial '\"greptime_value\" DOUBLE NULL'
	assert_output --partial 'PRIMARY KEY (\"instance\", \"job\")'
	run rows "SELECT count(*) FROM up"
	assert_output '[[1]]'
	stop_front
}

@test "remote write: a new label adds a column; an empty label is no label; ?db= picks the database" {
	start_front
	echo 'm{a="1"} 1 1000' | push
	echo 'm{a="2",b="x",c=""} 2 2000' | push
	run rows "SELECT a, b, greptime_value FROM m ORDER BY greptime_timestamp"
	assert_output '[["1",null,1.0],["2","x",2.0]]'
	run rows "SHOW CREATE TABLE m"
	assert_output --partial 'PRIMARY KEY (\"a\", \"b\")'
	refute_output --partial '\"c\"'
	sql "CREATE DATABASE other" > /dev/null
	echo 'm{z="q"} 3 3000' | push '?db=other'
	run rows "SELECT z, greptime_value FROM other.m"
	assert_output '[["q",3.0]]'
	run rows "SELECT count(*) FROM m"
	assert_output '[[2]]'
	stop_front
}

@test "remote write: a Sample's fields in any order, repeated or unknown, decode as protobuf says" {
	start_front
	# three series of metric m (label s=1..3), one Sample each:
	#   s=1: timestamp before value; s=2: value, timestamp, value again
	#   (the last wins); s=3: value, timestamp, then an unknown field 3
	PYTHONPATH="$TOP/tests/py" python3 - > "$T/wr" <<-'EOF'
	import sys
	from rwproto import ld, dbl, ts
	def series(s, sample):
	    lab = ld(1, ld(1, b"__name__") + ld(2, b"m")) + ld(1, ld(1, b"s") + ld(2, s))
	    return ld(1, lab + ld(2, sample))
	sys.stdout.buffer.write(series(b"1", ts(1000) + dbl(1.5)) +
	                        series(b"2", dbl(2.5) + ts(2000) + dbl(3.5)) +
	                        series(b"3", dbl(4.5) + ts(3000) + b"\x18\x05"))
	EOF
	run -0 gt-prom-send --raw "http://$ADDR/v1/prometheus/write" < "$T/wr"
	run rows "SELECT s, greptime_timestamp, greptime_value FROM m ORDER BY s"
	assert_output '[["1",1000,1.5],["2",2000,3.5],["3",3000,4.5]]'
	stop_front
}

@test "remote write: a series sent again (same label bytes) lands as the first time; labels after samples too" {
	start_front
	# one request: A's labels unsorted with an empty one, twice (the second
	# time from the label sets remembered); B one byte different; A with its
	# labels after the sample; A's labels, the sample, then one more label
	# (x=9: its own series); A again
	PYTHONPATH="$TOP/tests/py" python3 - > "$T/wr" <<-'EOF'
	import sys
	from rwproto import ld, lab, smp
	A = lab(b"s", b"1") + lab(b"e", b"") + lab(b"__name__", b"m")
	B = lab(b"s", b"2") + lab(b"e", b"") + lab(b"__name__", b"m")
	sys.stdout.buffer.write(ld(1, A + smp(1000, 1)) + ld(1, A + smp(2000, 2)) + ld(1, B + smp(3000, 3)) +
	                        ld(1, smp(4000, 4) + A) + ld(1, A + smp(5000, 5) + lab(b"x", b"9")) +
	                        ld(1, A + smp(6000, 6)))
	EOF
	run -0 gt-prom-send --raw "http://$ADDR/v1/prometheus/write" < "$T/wr"
	run rows "SELECT s, x, greptime_timestamp, greptime_value FROM m ORDER BY greptime_timestamp"
	assert_output '[["1",null,1000,1.0],["1",null,2000,2.0],["2",null,3000,3.0],["1",null,4000,4.0],["1","9",5000,5.0],["1",null,6000,6.0]]'
	# the same series in three requests over one connection
	printf 'n{a="1",b="2"} %s %s\n' 1 1000 2 2000 3 3000 | gt-prom-send -b 1 "http://$ADDR/v1/prometheus/write"
	run rows "SELECT a, b, greptime_timestamp, greptime_value FROM n ORDER BY greptime_timestamp"
	assert_output '[["1","2",1000,1.0],["1","2",2000,2.0],["1","2",3000,3.0]]'
	stop_front
}

@test "remote write: NaN, +-Inf and staleness markers are stored" {
	start_front
	push <<'EOF'
v{k="nan"} NaN 1000
v{k="pinf"} +Inf 1000
v{k="ninf"} -Inf 1000
v{k="stale"} stale 1000
v{k="one"} 1 1000
EOF
	run rows "SELECT k FROM v WHERE greptime_value > 1e308 ORDER BY k"
	assert_output '[["pinf"]]'
	run rows "SELECT k FROM v WHERE greptime_value < -1e308 ORDER BY k"
	assert_output '[["ninf"]]'
	run rows "SELECT count(*) FROM v WHERE greptime_value IS NOT NULL"
	assert_output '[[5]]'
	stop_front
}

@test "remote write: bad input is a 400 naming the problem, and nothing of the request is written" {
	start_front
	# not snappy at all
	printf 'not a snappy frame at all, just text' > "$T/junk"
	run req -H 'Content-Encoding: snappy' --data-binary @"$T/junk" "http://$ADDR/v1/prometheus/write"
	assert_output 400
	run cat "$T/body"
	assert_output --partial 'corrupt snappy frame'
	# a snappy frame that declares more than the body limit
	printf '\xff\xff\xff\xff\x0f' > "$T/huge"
	run req -H 'Content-Encoding: snappy' --data-binary @"$T/huge" "http://$ADDR/v1/prometheus/write"
	assert_output 400
	run cat "$T/body"
	assert_output --partial 'over the limit'
	# valid snappy, not a WriteRequest (field 1 of length 5 holding "hello")
	run gt-prom-send --raw "http://$ADDR/v1/prometheus/write" < <(printf '\x0a\x05hello')
	assert_failure
	assert_output --partial 'HTTP 400'
	assert_output --partial 'bad protobuf WriteRequest'
	# a length past the end of the message
	run gt-prom-send --raw "http://$ADDR/v1/prometheus/write" < <(printf '\x0a\xff\xff\xff\x7f\x00')
	assert_failure
	assert_output --partial 'HTTP 400'
	assert_output --partial 'field 1 of a WriteRequest at offset 0 is truncated'
	# a known field of the wrong type: Sample.value (a double) sent as a varint
	run gt-prom-send --raw "http://$ADDR/v1/prometheus/write" < <(printf '\x0a\x04\x12\x02\x08\x01')
	assert_failure
	assert_output --partial 'Sample.value at offset 4 has wire type 0'
	# no metric name; the good series before it is not written either
	run push < <(printf 'good 1 1000\n{job="x"} 1 1000\n')
	assert_failure
	assert_output --partial 'series 2 has no __name__ label'
	run push < <(printf 'good 1 1000\nbad{job="x",job="y"} 1 1000\n')
	assert_output --partial "series 2 has label 'job' twice"
	run push < <(printf 'good 1 1000\nbad{0bad="x"} 1 1000\n')
	assert_output --partial "invalid label name '0bad'"
	run push < <(printf 'good 1 1000\nbad 1 9223372036854775807\n')
	assert_output --partial 'out of range'
	run push '?db=nosuch' < <(printf 'good 1 1000\n')
	assert_output --partial 'HTTP 404'
	assert_output --partial 'Database not found: nosuch'
	run rows "SHOW TABLES"
	refute_output --partial 'good'
	refute_output --partial 'bad'
	# line protocol endpoints do not take snappy
	run req -H 'Content-Encoding: snappy' --data-binary 'm v=1 1' "http://$ADDR/v1/influxdb/write"
	assert_output 415
	stop_front
}

@test "remote write: many series and senders at once (TSBS-like), every sample lands" {
	start_front
	run gt-prom-send --gen 3,20,50 -b 500 -c 3 "http://$ADDR/v1/prometheus/write"
	assert_success
	assert_output --partial 'samples=3000 '
	for m in cpu_0 cpu_1 cpu_2; do
		run rows "SELECT count(*), count(DISTINCT hostname) FROM $m"
		assert_output '[[1000,20]]'
	done
	stop_front
}

# --- a real Prometheus ---

prom_start() { # CONFIG-FILE: starts Prometheus on a free port; sets PROM, PROM_PID
	local port
	port=$(free_base 1)
	PROM=127.0.0.1:$port
	prometheus --config.file="$1" --storage.tsdb.path="$T/prom" --web.listen-address="$PROM" \
		--web.enable-remote-write-receiver > "$T/prom.log" 2>&1 &
	PROM_PID=$!
	PIDS="${PIDS:-} $PROM_PID"
	for _ in $(seq 1 300); do
		curl -sf "http://$PROM/-/ready" > /dev/null 2>&1 && return 0
		kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited: $(tail -20 "$T/prom.log")"
		sleep 0.1
	done
	fail "prometheus not ready: $(tail -20 "$T/prom.log")"
}

prom_stop() {
	kill -TERM "$PROM_PID"
	wait "$PROM_PID" || true
}

# poll SQL EXPECTED-REGEX: until rows of SQL match (generous: 60 s)
poll() {
	local out
	for _ in $(seq 1 600); do
		out=$(rows "$1" 2>/dev/null || true)
		if echo "$out" | grep -Eq "$2"; then return 0; fi
		sleep 0.1
	done
	fail "no match for $2 after 60 s: $out; prometheus log: $(tail -5 "$T/prom.log")"
}

@test "a real Prometheus scrapes itself and gt, and remote-writes both to gt" {
	command -v prometheus > /dev/null || skip "prometheus is not installed"
	start_front
	cat > "$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['PROM_ADDR']
  - job_name: gt
    static_configs:
      - targets: ['$ADDR']
remote_write:
  - url: http://$ADDR/v1/prometheus/write?db=public
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 1s
EOF
	local port
	port=$(free_base 1)
	sed -i "s/PROM_ADDR/127.0.0.1:$port/" "$T/prom.yml"
	PROM=127.0.0.1:$port
	prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" --web.listen-address="$PROM" \
		> "$T/prom.log" 2>&1 &
	PROM_PID=$!
	PIDS="${PIDS:-} $PROM_PID"
	# both targets' up series, Prometheus's own metrics and gt's, with their labels
	poll "SELECT job, greptime_value FROM up WHERE job = 'gt' LIMIT 1" '\["gt",1\.0\]'
	poll "SELECT job FROM up WHERE job = 'prometheus' LIMIT 1" 'prometheus'
	poll "SELECT count(*) FROM prometheus_build_info" '\[\[[1-9]'
	poll "SELECT instance FROM gt_http_requests_total WHERE job = 'gt' AND endpoint = '/metrics' LIMIT 1" "$ADDR"
	poll "SELECT count(*) FROM gt_http_request_duration_seconds_bucket WHERE le = '+Inf'" '\[\[[1-9]'
	run rows "SHOW CREATE TABLE gt_http_request_duration_seconds_bucket"
	assert_output --partial '\"le\" STRING NULL'
	# gt counted what it took
	run curl -sS "http://$ADDR/metrics"
	assert_output --regexp 'gt_prom_write_samples_total [1-9]'
	prom_stop
	stop_front
}

@test "a real Prometheus with remote_read to gt answers PromQL over samples only gt holds" {
	command -v prometheus > /dev/null || skip "prometheus is not installed"
	start_front
	# an hour ago, in gt only: Prometheus's own TSDB never saw these
	local now t at
	now=$(date +%s)
	t=$(((now - 3600) * 1000))
	push <<EOF
lts_temp{room="a"} 20.5 $t
lts_temp{room="a"} 21.5 $((t + 60000))
lts_temp{room="b"} 18 $t
EOF
	cat > "$T/prom.yml" <<EOF
global:
  scrape_interval: 1h
remote_read:
  - url: http://$ADDR/v1/prometheus/read?db=public
    read_recent: true
EOF
	prom_start "$T/prom.yml"
	at=$(((t + 60000) / 1000))
	run curl -sS "http://$PROM/api/v1/query" --data-urlencode 'query=sort(lts_temp)' --data-urlencode "time=$at"
	assert_output --partial '"status":"success"'
	assert_output --partial "{\"metric\":{\"__name__\":\"lts_temp\",\"room\":\"b\"},\"value\":[$at,\"18\"]}"
	assert_output --partial "{\"metric\":{\"__name__\":\"lts_temp\",\"room\":\"a\"},\"value\":[$at,\"21.5\"]}"
	run curl -sS "http://$PROM/api/v1/query" --data-urlencode 'query=max_over_time(lts_temp{room="a"}[5m])' --data-urlencode "time=$at"
	assert_output --partial "\"value\":[$at,\"21.5\"]"
	run curl -sS "http://$PROM/api/v1/series" --data-urlencode 'match[]=lts_temp' --data-urlencode "start=$((at - 600))" --data-urlencode "end=$at"
	assert_output --partial '"room":"a"'
	assert_output --partial '"room":"b"'
	prom_stop
	stop_front
}

@test "remote read: the samples come back bit for bit (NaN, +-Inf, staleness markers), matchers apply" {
	start_front
	push <<'EOF2'
rr{k="a",z="1"} 1.5 1000
rr{k="a",z="1"} NaN 2000
rr{k="a",z="1"} stale 3000
rr{k="b"} +Inf 1000
rr{k="c"} -Inf 1000
EOF2
	run gt-prom-send --read 'rr{k="a"}' --start 0 --end 10000 "http://$ADDR/v1/prometheus/read"
	assert_success
	assert_output 'rr{k="a",z="1"} 1.5 1000
rr{k="a",z="1"} NaN 2000
rr{k="a",z="1"} stale 3000'
	run gt-prom-send --read 'rr{k!="a"}' --start 0 --end 10000 "http://$ADDR/v1/prometheus/read"
	assert_output 'rr{k="b"} +Inf 1000
rr{k="c"} -Inf 1000'
	run gt-prom-send --read 'rr{k="a"}' --start 1500 --end 2500 "http://$ADDR/v1/prometheus/read"
	assert_output 'rr{k="a",z="1"} NaN 2000'
	run gt-prom-send --raw "http://$ADDR/v1/prometheus/read" < <(printf '\x0a\x05hello')
	assert_output --partial 'HTTP 400'
	stop_front
}
