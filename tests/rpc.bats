#!/usr/bin/env bats
# The region RPC end to end: gt-data serve registered with gt-meta,
# driven by gt-rpc-call through the remote region client: create, write,
# scan, flush, stats; bad frames; kill -9 and restart with every
# acknowledged row back (gt-meta routes the region to the node, whose
# heartbeat answer makes it reopen the region).

load helper

R=4398046511104
DIR=data/public/1024/1024_0000000000

start_meta() {
	gt-meta --data-home "$T/m" --addr 127.0.0.1:0 2> "$T/meta.err" &
	PIDS="${PIDS:-} $!"
	for _ in $(seq 200); do
		grep -q 'ready addr=' "$T/meta.err" 2>/dev/null && break
		sleep 0.05
	done
	META=$(sed -n 's/^gt-meta: ready addr=//p' "$T/meta.err")
	[ -n "$META" ] || { cat "$T/meta.err"; return 1; }
}

# place: gt-meta routes the test region to a live datanode (ours)
place() {
	curl -sS -X POST "http://$META/v1/place" -d "{\"regions\":[{\"region_id\":$R,\"dir\":\"$DIR\"}]}"
}

# start_data: gt-data serve on $T/d.sock, waits for its ready line
start_data() {
	gt-data serve --data-home "$T/d" --node-id 7 --addr "unix:$T/d.sock" --meta "$META" \
		--heartbeat-ms 100 2> "$T/data.err" &
	DPID=$!
	PIDS="${PIDS:-} $DPID"
	for _ in $(seq 200); do
		grep -q 'ready' "$T/data.err" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$T/data.err"
	return 1
}

call() { gt-rpc-call --connect-ms 1000 --call-ms 3000 "unix:$T/d.sock" "$@"; }

@test "gt-data serve says it is ready and registers its node id and address with gt-meta" {
	start_meta
	start_data
	run -0 cat "$T/data.err"
	assert_output --partial "gt-data: ready node=7 addr=unix:$T/d.sock"
	run -0 gt-meta nodes --addr "$META"
	assert_line --regexp "^7 +alive +0 +.* unix:$T/d.sock\$"
	kill -TERM "$DPID"
	rc=0; wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "create, write, scan back, filter, flush and stats over the region RPC" {
	start_meta
	start_data
	run -0 call create $R $DIR
	run -0 call write $R <<-'EOF'
	a 1000 1.5
	b 2000 2.5
	a 3000 -
	c 4000 4
	EOF
	assert_output 4
	run -0 call scan $R
	assert_output "$(printf '%s\n' a,1000,1.5 a,3000, b,2000,2.5 c,4000,4)"
	run -0 call scan $R 1000 3500 a
	assert_output "$(printf '%s\n' a,1000,1.5 a,3000,)"
	run -0 call flush $R
	run -0 call stats $R
	assert_output --partial "files=1 file_rows=4 memtable_bytes=0 flushes=1"
	run -0 call scan $R
	assert_output "$(printf '%s\n' a,1000,1.5 a,3000, b,2000,2.5 c,4000,4)"
	# a graceful stop (under ASan: no leak on any path used above)
	kill -TERM "$DPID"
	rc=0; wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "an aggregate runs on the datanode and only its groups come back, from memtable and files" {
	start_meta
	start_data
	run -0 call create $R $DIR
	run -0 call write $R <<-'EOF'
	a 1000 1.5
	b 2000 2.5
	a 3000 -
	c 4000 4
	a 500 7
	EOF
	run -0 call aggregate $R
	assert_output "$(printf '%s\n' a,3,8.5,7, b,1,2.5,2.5,2.5 c,1,4,4,4)"
	run -0 call flush $R
	run -0 call write $R <<-'EOF'
	b 5000 10
	EOF
	run -0 call aggregate $R
	assert_output "$(printf '%s\n' a,3,8.5,7, b,2,12.5,10,10 c,1,4,4,4)"
	# a damaged plan gets an error naming it; an unknown region too; the server goes on
	run -100 call aggregate $R 0102
	assert_output --regexp "^gt-rpc-call: region $R on unix:.*: aggregate plan: bad header$"
	run -100 call aggregate 5
	assert_output "gt-rpc-call: region 5 is not open"
	run -0 call aggregate $R
	assert_line c,1,4,4,4
}

@test "errors of the datanode come back with their code and message" {
	start_meta
	start_data
	run -100 call stats 5
	assert_output "gt-rpc-call: region 5 is not open"
	run -0 call create $R $DIR
	run -100 call create $R $DIR
	assert_output --partial "gt-rpc-call: "
}

@test "a bad frame gets an error frame and the connection is closed; the server goes on" {
	start_meta
	start_data
	run -0 python3 - "$T/d.sock" <<-'EOF'
	import socket, struct, sys
	def ask(frame):
	    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(frame)
	    data = b''
	    while True:
	        b = s.recv(65536)
	        if not b: break
	        data += b
	    return data
	for name, f in [('magic', b'XXXX' + bytes(12)),
	                ('version', b'GTRP\x09\x07\x00\x00' + struct.pack('<II', 1, 8) + bytes(8)),
	                ('oversized', b'GTRP\x01\x05\x00\x00' + struct.pack('<II', 1, 0xffffffff)),
	                ('truncated body', b'GTRP\x01\x0c\x00\x00' + struct.pack('<II', 1, 4) + bytes(4))]:
	    r = ask(f)
	    assert r[:4] == b'GTRP' and r[5] == 65, (name, r)
	    print(name, r[16+2:].decode())
	EOF
	assert_line --partial "magic rpc: bad frame magic"
	assert_line --partial "version rpc: frame version 9"
	assert_line --partial "oversized rpc: write frame of 4294967295 bytes is over the limit"
	assert_line --partial "truncated body rpc: stats request without a region id"
	run -0 call create $R $DIR
	run -0 call stats $R
	kill -TERM "$DPID"
	rc=0; wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "kill -9 of the datanode: a clear error, not a hang; after a restart every acknowledged row is back" {
	start_meta
	start_data
	run -0 call create $R $DIR
	printf 'a 1000 1\nb 2000 2\n' | call write $R
	run -0 call flush $R
	run -0 call write $R <<<'c 3000 3'
	run -0 place
	assert_output --partial "\"node_id\":7"
	kill -9 "$DPID"
	wait "$DPID" || true
	SECONDS=0
	run -111 call scan $R
	assert_output "gt-rpc-call: region $R on unix:$T/d.sock: connection refused"
	[ "$SECONDS" -le 3 ]
	start_data
	# gt-meta's answer makes the restarted node open the region it routes there
	run -0 cat "$T/data.err"
	assert_output --partial "opened region $R"
	run -0 call scan $R
	assert_output "$(printf '%s\n' a,1000,1 b,2000,2 c,3000,3)"
	kill -TERM "$DPID"
	rc=0; wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "a datanode that does not answer in time fails the call with a timeout" {
	# a listener that accepts and never replies
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$T/mute.sock" &
	PIDS="${PIDS:-} $!"
	for _ in $(seq 100); do [ -S "$T/mute.sock" ] && break; sleep 0.05; done
	SECONDS=0
	run -111 gt-rpc-call --call-ms 500 "unix:$T/mute.sock" stats $R
	assert_output "gt-rpc-call: region $R on unix:$T/mute.sock: timed out after 500 ms"
	[ "$SECONDS" -le 3 ]
}

@test "gt-data serve refuses bad flags" {
	run -100 gt-data serve --data-home "$T/d" --node-id 1
	assert_output --partial "serve needs --data-home, --node-id, --addr and --meta"
	run -100 gt-data serve --data-home "$T/d" --node-id x --addr unix:/x --meta 1:2
	assert_output --partial "--node-id 'x' must be a number"
}

@test "gt-compact --node asks a running datanode to compact a region" {
	start_meta
	start_data
	run -0 call create $R $DIR
	for t in 1000 2000 3000; do
		call write $R <<<"a $t $t" > /dev/null
		call flush $R
	done
	run -0 gt-compact --node "unix:$T/d.sock" --region $R --force
	assert_output --regexp "^unix:$T/d.sock region $R: [0-9]+ windows, 3 files \\(3 rows, [0-9]+ bytes\\) -> 1 files \\(3 rows"
	run -0 call scan $R
	assert_output "$(printf '%s\n' a,1000,1000 a,2000,2000 a,3000,3000)"
	run -100 gt-compact --node "unix:$T/d.sock" --region 5
	assert_output "gt-compact: region 5 is not open"
	run -100 gt-compact --node "unix:$T/d.sock"
	assert_output --partial "--node and --region go together"
}
