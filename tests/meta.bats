#!/usr/bin/env bats
# gt-meta: the KV with compare-and-swap over HTTP, heartbeats and leases,
# placement, routes, restart, the operator commands, and bad input.
# Every server runs on a free loopback port (--addr 127.0.0.1:0) and is
# stopped with SIGTERM, whose exit status must be 0 (a sanitizer report
# makes it non-zero).  Datanodes are played by curl heartbeats.

load helper

# start_meta [OPTION...]: gt-meta on $T/m in the background; sets MPID, ADDR.
start_meta() {
	: > "$T/meta.log"
	gt-meta --data-home "$T/m" --addr 127.0.0.1:0 "$@" 2>>"$T/meta.log" &
	MPID=$!
	PIDS="${PIDS:-} $MPID"
	for _ in $(seq 1 200); do
		ADDR=$(sed -n 's/^gt-meta: ready addr=//p' "$T/meta.log" | tail -n 1)
		[ -n "$ADDR" ] && return 0
		kill -0 "$MPID" 2>/dev/null || fail "gt-meta exited before ready: $(cat "$T/meta.log")"
		sleep 0.05
	done
	fail "gt-meta not ready after 10 s: $(cat "$T/meta.log")"
}

stop_meta() {
	local st=0
	kill -TERM "$MPID"
	wait "$MPID" || st=$?
	[ "$st" -eq 0 ] || fail "gt-meta exited $st after SIGTERM: $(cat "$T/meta.log")"
}

# req CURL-ARGS...: prints the HTTP status; the body is in $T/body.
req() {
	curl -sS -o "$T/body" -w '%{http_code}' "$@"
}

body() {
	cat "$T/body"
}

# jq-free field extraction: the value of "rev" in $T/body.
rev_of_body() {
	sed -n 's/.*"rev":\([0-9]*\).*/\1/p' "$T/body"
}

hb() { # hb NODE ADDR [REGIONS-JSON]
	req -X POST "http://$ADDR/v1/heartbeat" -d "{\"node_id\":$1,\"addr\":\"$2\",\"regions\":${3:-[]}}"
}

@test "--help, usage errors, ready line and SIGTERM" {
	run -0 gt-meta --help
	assert_output --partial 'gt-meta [serve] --data-home DIR'
	run -100 gt-meta
	assert_output --partial '--data-home is required'
	run -100 gt-meta frobnicate
	assert_output --partial "unknown command 'frobnicate'"
	run -100 gt-meta --data-home "$T/m" --lease-ms 0
	run -100 gt-meta --data-home "$T/m" --addr 127.0.0.1:99999
	run -111 gt-meta nodes --addr 127.0.0.1:1
	assert_output --partial 'gt-meta 127.0.0.1:1'
	start_meta
	run -0 req "http://$ADDR/health"
	assert_equal "$(body)" '{"status":"ok"}'
	stop_meta
	assert grep -q 'gt-meta: stopped' "$T/meta.log"
}

@test "KV: create, compare-and-swap, 409 on a stale revision, delete, list" {
	start_meta
	run -0 req "http://$ADDR/v1/kv/app/x"
	assert_output 404
	run -0 req -X PUT "http://$ADDR/v1/kv/app/x?rev=0" --data-binary 'one'
	assert_output 200
	r1=$(rev_of_body)
	[ -n "$r1" ] && [ "$r1" -gt 0 ]
	run -0 req "http://$ADDR/v1/kv/app/x"
	assert_output 200
	assert_equal "$(body)" "{\"key\":\"app/x\",\"rev\":$r1,\"value\":\"one\"}"
	# create-only refuses an existing key and says the current revision
	run -0 req -X PUT "http://$ADDR/v1/kv/app/x?rev=0" --data-binary 'two'
	assert_output 409
	assert_equal "$(body)" "{\"error\":\"revision mismatch\",\"rev\":$r1}"
	run -0 req -X PUT "http://$ADDR/v1/kv/app/x?rev=$r1" --data-binary 'two'
	assert_output 200
	r2=$(rev_of_body)
	[ "$r2" != "$r1" ]
	# the stale revision loses, and the value stays
	run -0 req -X PUT "http://$ADDR/v1/kv/app/x?rev=$r1" --data-binary 'three'
	assert_output 409
	assert_equal "$(rev_of_body)" "$r2"
	run -0 req "http://$ADDR/v1/kv/app/x"
	assert_equal "$(body)" "{\"key\":\"app/x\",\"rev\":$r2,\"value\":\"two\"}"
	run -0 req -X PUT "http://$ADDR/v1/kv/app/y?rev=0" --data-binary '{"a":1}'
	run -0 req -X PUT "http://$ADDR/v1/kv/other?rev=0" --data-binary 'z'
	run -0 req "http://$ADDR/v1/kv?prefix=app/"
	assert_output 200
	assert_equal "$(body)" "{\"items\":[{\"key\":\"app/x\",\"rev\":$r2,\"value\":\"two\"},{\"key\":\"app/y\",\"rev\":$(curl -s "http://$ADDR/v1/kv/app/y" | sed 's/.*"rev":\([0-9]*\).*/\1/'),\"value\":\"{\\\"a\\\":1}\"}]}"
	# delete: stale revision 409, then the right one, then 404
	run -0 req -X DELETE "http://$ADDR/v1/kv/app/x?rev=$r1"
	assert_output 409
	run -0 req -X DELETE "http://$ADDR/v1/kv/app/x?rev=$r2"
	assert_output 200
	run -0 req -X DELETE "http://$ADDR/v1/kv/app/x?rev=$r2"
	assert_output 404
	run -0 req "http://$ADDR/v1/kv/app/x"
	assert_output 404
	run -0 gt-meta kv --addr "$ADDR" app/
	assert_line --regexp '^app/y +[0-9]+ +7 +\{"a":1\}$'
	refute_output --partial other
	stop_meta
}

@test "heartbeat registers a node; the lease expires and the node is dead" {
	start_meta --lease-ms 1500
	run -0 hb 7 "unix:$T/d7.sock"
	assert_output 200
	assert_equal "$(body)" '{"lease_ms":1500,"open":[]}'
	run -0 req "http://$ADDR/v1/nodes"
	assert_output --partial 200
	assert [ "$(sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' "$T/body")" = alive ]
	run -0 hb 7 "unix:$T/d7.sock"
	run -0 gt-meta nodes --addr "$ADDR"
	assert_line --regexp "^7 +alive +0 .* unix:$T/d7.sock\$"
	sleep 2
	run -0 req "http://$ADDR/v1/nodes"
	assert [ "$(sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' "$T/body")" = dead ]
	assert grep -q "node 7 at unix:$T/d7.sock is dead" "$T/meta.log"
	# no live node: placement is refused
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[{"region_id":1,"dir":"public/1"}]}'
	assert_output 503
	assert_equal "$(body)" '{"error":"no datanode is alive"}'
	# a heartbeat brings it back
	run -0 hb 7 "unix:$T/d7.sock"
	run -0 req "http://$ADDR/v1/nodes"
	assert [ "$(sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' "$T/body")" = alive ]
	stop_meta
}

@test "placement spreads the regions of one call over 3 nodes; routes report dead nodes" {
	start_meta --lease-ms 3000
	for n in 1 2 3; do run -0 hb $n "127.0.0.1:410$n"; done
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[
		{"region_id":4398046511104,"dir":"public/1024_0000000000"},
		{"region_id":4398046511105,"dir":"public/1024_0000000001"},
		{"region_id":4398046511106,"dir":"public/1024_0000000002"}]}'
	assert_output 200
	nodes=$(grep -o '"node_id":[0-9]*' "$T/body" | sort -u | wc -l)
	assert_equal "$nodes" 3
	first=$(body)
	# idempotent: placing a routed region again gives the same route
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[{"region_id":4398046511105,"dir":"public/1024_0000000001"}]}'
	assert_output 200
	n105=$(printf '%s' "$first" | grep -o '"region_id":4398046511105,"node_id":[0-9]*')
	assert grep -q "$n105" "$T/body"
	# a fourth region goes to a node with the fewest (all have one: the lowest id)
	for n in 1 2 3; do run -0 hb $n "127.0.0.1:410$n"; done
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[{"region_id":4398046511107,"dir":"public/1024_0000000003"}]}'
	assert_output --partial 200
	assert grep -q '"node_id":1,' "$T/body"
	# a node that restarted gets back the regions it did not list
	run -0 hb 1 127.0.0.1:4101 '[{"region_id":4398046511107,"rows":0,"bytes":0,"memtable_bytes":0}]'
	assert_output 200
	r1=$(printf '%s' "$first" | grep -o '"region_id":[0-9]*,"node_id":1' | sed 's/"region_id":\([0-9]*\),.*/\1/')
	assert_equal "$(grep -o '"region_id":[0-9]*' "$T/body")" "\"region_id\":$r1"
	run -0 req "http://$ADDR/v1/routes?region_id=$r1"
	assert_output 200
	assert grep -q "\"region_id\":$r1,\"node_id\":1,\"addr\":\"127.0.0.1:4101\",\"state\":\"alive\",\"down_seconds\":0" "$T/body"
	# nodes 2 and 3 stop heartbeating: their routes say dead
	for _ in 1 2 3 4 5 6 7 8; do sleep 0.5; run -0 hb 1 127.0.0.1:4101; done
	run -0 req "http://$ADDR/v1/routes"
	assert_equal "$(grep -o '"state":"dead"' "$T/body" | wc -l)" 2
	assert_equal "$(grep -o '"state":"alive"' "$T/body" | wc -l)" 2
	run -0 gt-meta routes --addr "$ADDR"
	assert_line --regexp '^4398046511107 +1024 +3 +1 +alive +0 +127\.0\.0\.1:4101$'
	# a new region now lands on the one live node
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[{"region_id":9,"dir":"public/9"}]}'
	assert grep -q '"node_id":1,' "$T/body"
	run -0 req -X DELETE "http://$ADDR/v1/routes/9"
	assert_output 200
	run -0 req -X DELETE "http://$ADDR/v1/routes/9"
	assert_output 404
	stop_meta
}

@test "a restart keeps the catalog, the routes and the nodes" {
	start_meta
	run -0 hb 1 unix:/x/d1.sock
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[{"region_id":4398046511104,"dir":"public/1024_0000000000"}]}'
	assert_output 200
	run -0 req -X PUT "http://$ADDR/v1/kv/catalog?rev=0" --data-binary '{"version":1,"next_table_id":1025,"databases":{}}'
	assert_output 200
	crev=$(rev_of_body)
	curl -s "http://$ADDR/v1/routes" > "$T/routes.before"
	stop_meta
	start_meta
	run -0 req "http://$ADDR/v1/kv/catalog"
	assert_output 200
	assert_equal "$(rev_of_body)" "$crev"
	run -0 req "http://$ADDR/v1/routes"
	assert_equal "$(body)" "$(cat "$T/routes.before")"
	run -0 gt-meta nodes --addr "$ADDR"
	assert_line --regexp '^1 +alive +1 .* unix:/x/d1\.sock$'
	# the node's regions are handed back after the restart
	run -0 hb 1 unix:/x/d1.sock
	assert_equal "$(body)" '{"lease_ms":10000,"open":[{"region_id":4398046511104,"dir":"public/1024_0000000000"}]}'
	stop_meta
}

@test "bad input gets a 4xx JSON error, never a crash" {
	start_meta --max-body 64K
	for path in heartbeat place; do
		run -0 req -X POST "http://$ADDR/v1/$path" -d '{"node_id":'
		assert_output 400
		assert grep -q '"error":"malformed JSON' "$T/body"
		run -0 req -X POST "http://$ADDR/v1/$path" -d '[1,2]'
		assert_output 400
		run -0 req -X POST "http://$ADDR/v1/$path" -d '{"node_id":-1,"addr":"x","regions":"no"}'
		assert_output 400
		assert grep -q '"error":' "$T/body"
	done
	run -0 req -X POST "http://$ADDR/v1/heartbeat" -d '{"node_id":1,"addr":"a b"}'
	assert_output 400
	run -0 req -X POST "http://$ADDR/v1/heartbeat" -d '{"node_id":1,"addr":"x","regions":[{"region_id":"1"}]}'
	assert_output 400
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[{"region_id":1,"dir":"../../etc"}]}'
	assert_output 400
	run -0 req -X POST "http://$ADDR/v1/place" -d '{"regions":[{"region_id":1}]}'
	assert_output 400
	run -0 req "http://$ADDR/v1/nope"
	assert_output 404
	assert_equal "$(body)" '{"error":"no such endpoint: /v1/nope"}'
	run -0 req -X PUT "http://$ADDR/v1/nodes"
	assert_output 405
	assert grep -q '"error":' "$T/body"
	run -0 req -X PUT "http://$ADDR/v1/kv/a" --data-binary x
	assert_output 400
	assert grep -q 'rev is required' "$T/body"
	run -0 req -X PUT "http://$ADDR/v1/kv/a?rev=abc" --data-binary x
	assert_output 400
	run -0 req -X PUT "http://$ADDR/v1/kv/a?rev=99999999999999999999" --data-binary x
	assert_output 400
	run -0 req "http://$ADDR/v1/kv/"
	assert_output 400
	run -0 req "http://$ADDR/v1/kv/a%01b"
	assert_output 400
	run -0 req -X PUT "http://$ADDR/v1/kv/routes/1?rev=0" --data-binary '{}'
	assert_output 403
	printf '\377\376' > "$T/bin"
	run -0 req -X PUT "http://$ADDR/v1/kv/bin?rev=0" --data-binary @"$T/bin"
	assert_output 400
	head -c 70000 /dev/zero | tr '\0' a > "$T/big"
	run -0 req -X PUT "http://$ADDR/v1/kv/big?rev=0" --data-binary @"$T/big"
	assert_output 413
	assert grep -q '"error":' "$T/body"
	run -0 req -X DELETE "http://$ADDR/v1/routes/xyz"
	assert_output 400
	run -0 req "http://$ADDR/v1/routes?region_id=-4"
	assert_output 400
	run -0 req "http://$ADDR/health"
	assert_output 200
	stop_meta
}
