#!/usr/bin/env bats
# The storage engine through gt-data and gt-compact: ingest, scans,
# dedup, schema evolution, bad input, flush, compaction and TTL, WAL and
# manifest tools, recovery from a torn WAL and from damaged files.

load helper

lp() { printf '%s\n' "$@"; }

@test "write prints the acknowledged rows and scan returns them as CSV" {
	run -0 --separate-stderr gt-data write --data-home "$T/d" <<-'EOF'
	cpu,host=a,dc=x usage=1.5,idle=2i 1000
	cpu,host=b usage=2.5 2000
	cpu,host=a,dc=x usage=3.5 3000
	EOF
	assert_output "3"
	run -0 gt-data scan --data-home "$T/d" --table cpu
	assert_output "$(lp 'host,dc,usage,idle,greptime_timestamp' 'a,x,1.5,2,1000' 'a,x,3.5,,3000' 'b,,2.5,,2000')"
}

@test "scan filters by tag and by time range, start inclusive and end exclusive" {
	lp 'm,h=a v=1 10' 'm,h=a v=2 20' 'm,h=b v=3 20' 'm,h=a v=4 30' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data scan --data-home "$T/d" --table m --where h=a --start 20 --end 30
	assert_output "$(lp 'h,v,greptime_timestamp' 'a,2,20')"
	run -100 gt-data scan --data-home "$T/d" --table m --where nope=a
	assert_output --partial "'nope' is not a tag of table 'm'"
}

@test "a later write of the same series and timestamp replaces fields it names (last_non_null)" {
	lp 'm,h=a x=1,y=1 10' | gt-data write --data-home "$T/d" >/dev/null
	lp 'm,h=a x=2 10' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data scan --data-home "$T/d" --table m --format jsonl
	assert_output '{"h":"a","x":2,"y":1,"greptime_timestamp":10}'
	gt-data flush --data-home "$T/d" >/dev/null
	lp 'm,h=a y=3 10' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data scan --data-home "$T/d" --table m --format jsonl
	assert_output '{"h":"a","x":2,"y":3,"greptime_timestamp":10}'
}

@test "a bad line rejects the whole batch and names the line and column" {
	run -100 --separate-stderr gt-data write --data-home "$T/d" <<-'EOF'
	m,h=a v=1 10
	m,h=a v=2 20
	m,h=a v=x1 30
	EOF
	assert_output "0"
	[[ "$stderr" == *"line 3, column"* ]]
	run -100 gt-data scan --data-home "$T/d" --table m
	assert_output --partial "table 'public.m' does not exist"
}

@test "a batch's new measurements are created together; one that cannot be refuses the batch and creates none" {
	for i in $(seq 12); do echo "m$i,h=a v=$i 10"; done | gt-data write --data-home "$T/d" >/dev/null
	for m in 1 7 12; do
		run -0 gt-data scan --data-home "$T/d" --table "m$m"
		assert_output "$(lp 'h,v,greptime_timestamp' "a,$m,10")"
	done
	run -0 gt-data tables --data-home "$T/d"
	[ "$(cut -f2 <<< "$output" | sort -u | wc -l)" = 12 ]   # twelve tables, twelve ids
	run -100 --separate-stderr gt-data write --data-home "$T/d" <<-'EOF'
	n1,h=a v=1 10
	n2,h=a v=1 10
	n3,greptime_timestamp=a v=1 10
	EOF
	[[ "$stderr" == *"line 3: column name 'greptime_timestamp' is reserved for the time index"* ]]
	run -100 gt-data scan --data-home "$T/d" --table n1
	assert_output --partial "table 'public.n1' does not exist"
}

@test "a field whose type changes is rejected with its line" {
	lp 'm,h=a v=1 10' | gt-data write --data-home "$T/d" >/dev/null
	run -100 --separate-stderr gt-data write --data-home "$T/d" <<-'EOF'
	m,h=a v=2 20
	m,h=a v=3i 30
	EOF
	[[ "$stderr" == *"line 2: field 'v' is Int64 here but Float64 on line 1"* ]]
	run -100 --separate-stderr gt-data write --data-home "$T/d" <<< 'm,h=a v=3i 30'
	[[ "$stderr" == *"column 'v' of table 'm' is Float64, the line has Int64"* ]]
	run -0 gt-data scan --data-home "$T/d" --table m
	assert_output "$(lp 'h,v,greptime_timestamp' 'a,1,10')"
}

@test "new tags and fields add columns; old rows read as null" {
	lp 'm,h=a v=1 10' | gt-data write --data-home "$T/d" >/dev/null
	gt-data flush --data-home "$T/d" >/dev/null
	lp 'm,h=a,z=q v=2,w="s p" 20' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data scan --data-home "$T/d" --table m
	assert_output "$(lp 'h,v,greptime_timestamp,z,w' 'a,1,10,,' 'a,2,20,q,s p')"
}

@test "precision converts timestamps to nanoseconds" {
	lp 'm v=1 2' | gt-data write --data-home "$T/d" --precision s >/dev/null
	run -0 gt-data scan --data-home "$T/d" --table m --format lp
	assert_output 'm v=1 2000000000'
	run -100 gt-data write --data-home "$T/d" --precision week </dev/null
	assert_output --partial "unknown precision 'week'"
}

@test "every value type survives write, flush and scan bit for bit" {
	lp 'm,t=x f=-0.0,i=-9223372036854775808i,u=18446744073709551615u,b=true,s="q\"uote" 1' \
	   'm,t=y f=1e-300,i=9223372036854775807i,u=0u,b=F,s="" 2' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data scan --data-home "$T/d" --table m --format lp
	expected=$(lp 'm,t=x f=-0,i=-9223372036854775808i,u=18446744073709551615u,b=true,s="q\"uote" 1' \
	              'm,t=y f=1e-300,i=9223372036854775807i,u=0u,b=false,s="" 2')
	assert_output "$expected"
	gt-data flush --data-home "$T/d" >/dev/null
	run -0 gt-data scan --data-home "$T/d" --table m --format lp
	assert_output "$expected"
}

@test "series longer than a memtable chunk read back whole, in order and by range, before and after flush" {
	# 2500 rows of h=a arrive newest first, with string, bool and integer fields and gaps;
	# 2100 rows of h=b in order (a memtable chunk holds 1024 rows).  Twice: with the
	# default memtable size a series' first chunk is whole at once; with a small one
	# it starts at 32 rows and doubles (and the memtable is flushed along the way).
	expected=$({
		echo 'h,v,s,b,n,greptime_timestamp'
		for i in $(seq 1 2500); do
			if [ $((i % 7)) = 0 ]; then echo "a,$i,,true,$i,$i"; else echo "a,$i,r$i,,,$i"; fi
		done
		for i in $(seq 1 2100); do echo "b,$i,,,,$i"; done
	})
	for size in 32M 64K; do
		{
			for i in $(seq 2500 -1 1); do
				if [ $((i % 7)) = 0 ]; then echo "m,h=a v=$i,b=true,n=${i}i $i"; else echo "m,h=a v=$i,s=\"r$i\" $i"; fi
			done
			for i in $(seq 1 2100); do echo "m,h=b v=$i $i"; done
		} | gt-data write --data-home "$T/d$size" --memtable-bytes "$size" >/dev/null
		run -0 gt-data scan --data-home "$T/d$size" --table m
		assert_output "$expected"
		run -0 gt-data scan --data-home "$T/d$size" --table m --where h=b --start 1020 --end 2050
		assert_output "$(echo 'h,v,s,b,n,greptime_timestamp'; for i in $(seq 1020 2049); do echo "b,$i,,,,$i"; done)"
		gt-data flush --data-home "$T/d$size" >/dev/null
		run -0 gt-data scan --data-home "$T/d$size" --table m
		assert_output "$expected"
	done
}

@test "runs of one series in a batch (as remote write sends them) read back whole, newest last" {
	# Every row has both fields, so the memtable copies each series' run
	# at once: h=a 2500 rows newest first (unsorted, across chunks); h=b
	# each timestamp twice in a row, the second must win; h=c starts with
	# nulls in a first write, so the second write's run goes row by row
	# into those chunks; h=d and h=e alternate (runs of one).
	for size in 32M 64K; do
		printf 'm,h=c v=1 1\nm,h=c w=2 2\n' | gt-data write --data-home "$T/d$size" --memtable-bytes "$size" >/dev/null
		{
			for i in $(seq 2500 -1 1); do echo "m,h=a v=$i,w=$((i * 2)) $i"; done
			for i in $(seq 1 1500); do echo "m,h=b v=$i,w=1 $i"; echo "m,h=b v=$i,w=2 $i"; done
			for i in $(seq 3 100); do echo "m,h=c v=$i,w=$i $i"; done
			for i in $(seq 1 40); do echo "m,h=d v=$i,w=0 $i"; echo "m,h=e v=$i,w=0 $i"; done
		} | gt-data write --data-home "$T/d$size" --memtable-bytes "$size" >/dev/null
		expected=$({
			echo 'h,v,w,greptime_timestamp'
			for i in $(seq 1 2500); do echo "a,$i,$((i * 2)),$i"; done
			for i in $(seq 1 1500); do echo "b,$i,2,$i"; done
			echo 'c,1,,1'
			echo 'c,,2,2'
			for i in $(seq 3 100); do echo "c,$i,$i,$i"; done
			for i in $(seq 1 40); do echo "d,$i,0,$i"; done
			for i in $(seq 1 40); do echo "e,$i,0,$i"; done
		})
		run -0 gt-data scan --data-home "$T/d$size" --table m
		assert_output "$expected"
		run -0 gt-data scan --data-home "$T/d$size" --table m --where h=a --start 1000 --end 1030
		assert_output "$(echo 'h,v,w,greptime_timestamp'; for i in $(seq 1000 1029); do echo "a,$i,$((i * 2)),$i"; done)"
		gt-data flush --data-home "$T/d$size" >/dev/null
		run -0 gt-data scan --data-home "$T/d$size" --table m
		assert_output "$expected"
	done
}

@test "flush writes an SST, the manifest names it, and gt-sst verifies it" {
	lp 'm,h=a v=1 10' 'm,h=b v=2 20' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data flush --data-home "$T/d" --table m
	assert_output --partial "flushed to sequence 2, 1 files"
	run -0 gt-data manifest show --data-home "$T/d" --table m
	assert_output --partial '"flushed_seq": 2'
	f=$(ls "$T"/d/data/public/1024/1024_0000000000/*.sst)
	run -0 gt-sst verify "$f"
	run -0 gt-sst dump "$f"
	assert_output --partial "b,2,20"
}

@test "manifest edit needs --force, and removes a file from the region" {
	lp 'm,h=a v=1 10' | gt-data write --data-home "$T/d" >/dev/null
	gt-data flush --data-home "$T/d" >/dev/null
	f=$(basename "$(ls "$T"/d/data/public/1024/1024_0000000000/*.sst)" .sst)
	run -100 gt-data manifest edit --data-home "$T/d" --table m --remove-file "$f"
	assert_output --partial "add --force"
	run -0 gt-data manifest edit --data-home "$T/d" --table m --force --remove-file "$f"
	run -0 --separate-stderr gt-data scan --data-home "$T/d" --table m
	assert_output "h,v,greptime_timestamp"
	[[ "$stderr" == *"deleting '"*"$f.sst', which the manifest does not name"* ]]
}

@test "wal dump lists the records of a table" {
	lp 'm,h=a v=1 10' | gt-data write --data-home "$T/d" >/dev/null
	lp 'm,h=a v=2 20' 'm,h=a v=3 30' | gt-data write --data-home "$T/d" >/dev/null
	lp 'other v=1 10' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data wal dump --data-home "$T/d" --table m
	assert_line --partial "region=4398046511104 seq=1 rows=1"
	assert_line --partial "region=4398046511104 seq=2 rows=2"
	# the log is shared, the dump shows only the table's records
	refute_line --partial "seq=4 "
	run -0 gt-data wal dump --data-home "$T/d" --table other
	assert_line --partial "region=4402341478400 seq=4 rows=1"
}

@test "a WAL of an older gt (a directory per region) is replayed, flushed and removed" {
	lp 'm,h=a v=1 10' | gt-data write --data-home "$T/d" >/dev/null
	gt-data flush --data-home "$T/d" >/dev/null
	lp 'm,h=b v=2 20' | gt-data write --data-home "$T/d" >/dev/null
	# Rebuild what gt before the shared log left: wal/<region id>/ with a
	# format 1 segment holding that last write (sequence 7), and no
	# record of it in the shared log.
	rid=4398046511104
	mkdir "$T/d/wal/$rid"
	python3 - "$(ls "$T"/d/wal/0*.wal | tail -1)" "$T/d/wal/$rid/00000000000000000007.wal" <<'PY'
import struct, sys
def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xffffffff
img = open(sys.argv[1], 'rb').read()
off, last = 16, None
while off < len(img):
    n = struct.unpack_from('<I', img, off)[0]
    last = img[off + 28:off + 28 + n], struct.unpack_from('<I', img, off + 24)[0]
    off += 28 + n
payload, count = last
body = struct.pack('<QI', 7, count)
rec = struct.pack('<II', len(payload), crc32c(body + payload)) + body + payload
open(sys.argv[2], 'wb').write(b'GTWAL\0\1\0' + struct.pack('<Q', 7) + rec)
PY
	rm "$T"/d/wal/0*.wal
	run -0 --separate-stderr gt-data scan --data-home "$T/d" --table m
	assert_output "$(lp 'h,v,greptime_timestamp' 'a,1,10' 'b,2,20')"
	[[ "$stderr" == *"replayed its WAL of an older gt (to sequence 7), flushing it"* ]]
	[ ! -e "$T/d/wal/$rid" ]
	# flushed: it survives without any WAL, and new writes come after it
	lp 'm,h=c v=3 30' | gt-data write --data-home "$T/d" >/dev/null
	run -0 gt-data wal dump --data-home "$T/d" --table m
	assert_line --partial "seq=8 rows=1"
	run -0 gt-data scan --data-home "$T/d" --table m
	assert_output "$(lp 'h,v,greptime_timestamp' 'a,1,10' 'b,2,20' 'c,3,30')"
}

@test "a torn WAL tail is cut at the last whole record, with a warning" {
	lp 'm,h=a v=1 10' | gt-data write --data-home "$T/d" >/dev/null
	lp 'm,h=a v=2 20' | gt-data write --data-home "$T/d" >/dev/null
	w=$(ls "$T"/d/wal/*.wal)
	truncate -s -5 "$w"
	run -0 --separate-stderr gt-data scan --data-home "$T/d" --table m
	assert_output "$(lp 'h,v,greptime_timestamp' 'a,1,10')"
	[[ "$stderr" == *"torn or damaged tail: dropped"*"bytes"* ]]
	# the cut is durable: the next open has nothing to drop
	run -0 --separate-stderr gt-data scan --data-home "$T/d" --table m
	[[ "$stderr" != *"dropped"* ]]
}

@test "a flipped byte in an SST is reported by verify and by a scan, without a crash" {
	lp 'm,h=a v=1 10' 'm,h=b v=2 20' | gt-data write --data-home "$T/d" >/dev/null
	gt-data flush --data-home "$T/d" >/dev/null
	f=$(ls "$T"/d/data/public/1024/1024_0000000000/*.sst)
	printf '\xff' | dd of="$f" bs=1 seek=20 conv=notrunc status=none
	run -1 gt-sst verify "$f"
	assert_output --partial "offset"
	run -100 gt-data scan --data-home "$T/d" --table m
	assert_output --partial "damaged at offset"
}

@test "a second writer on the same data directory is refused while the first holds it" {
	mkfifo "$T/fifo"
	gt-data write --data-home "$T/d" < "$T/fifo" > "$T/out1" &
	PIDS=$!
	exec 7> "$T/fifo"
	for i in $(seq 50); do [ -f "$T/d/LOCK" ] && [ -s "$T/d/LOCK" ] && break; sleep 0.1; done
	run -111 gt-data write --data-home "$T/d" < /dev/null
	assert_output --partial "is in use by another process (pid $PIDS)"
	echo 'm v=1 1' >&7
	exec 7>&-
	wait "$PIDS"
	PIDS=
	run -0 cat "$T/out1"
	assert_output "1"
}

@test "gt-compact merges a window's files into one, dedups, keeps every row" {
	for i in 1 2 3 4 5; do
		lp "m,h=a v=$i ${i}000000000" "m,h=b v=$i ${i}000000000" | gt-data write --data-home "$T/d" >/dev/null
		gt-data flush --data-home "$T/d" >/dev/null
	done
	lp 'm,h=a v=9 1000000000' | gt-data write --data-home "$T/d" >/dev/null
	gt-data flush --data-home "$T/d" >/dev/null
	[ "$(ls "$T"/d/data/public/1024/1024_0000000000/*.sst | wc -l)" -eq 6 ]
	before=$(gt-data scan --data-home "$T/d" --table m)
	run -0 gt-compact --data-home "$T/d" --once
	assert_output --partial "6 files (11 rows"
	assert_output --partial "-> 1 files (10 rows"
	[ "$(ls "$T"/d/data/public/1024/1024_0000000000/*.sst | wc -l)" -eq 1 ]
	run -0 gt-data scan --data-home "$T/d" --table m
	assert_output "$before"
	assert_line 'a,9,1000000000'
	run -0 gt-sst verify "$T"/d/data/public/1024/1024_0000000000/*.sst
}

@test "gt-compact waits for a running writer, then compacts" {
	lp 'm v=1 1' | gt-data write --data-home "$T/d" >/dev/null
	mkfifo "$T/fifo"
	gt-data write --data-home "$T/d" < "$T/fifo" >/dev/null &
	PIDS=$!
	exec 7> "$T/fifo"
	sleep 0.3
	run -111 gt-compact --data-home "$T/d" --once --wait 0
	assert_output --partial "in use by another process"
	gt-compact --data-home "$T/d" --once --wait 30 > "$T/compact.out" 7>&- &
	c=$!
	sleep 0.3
	echo 'm v=2 2' >&7
	exec 7>&-
	wait "$PIDS"
	PIDS=
	wait "$c"
	run -0 cat "$T/compact.out"
	assert_output --partial "public.m region"
}

@test "rows past the table's TTL disappear from scans, and compaction drops them" {
	now=$(date +%s)
	lp "m,h=a v=1 1000000000" "m,h=a v=2 ${now}000000000" | gt-data write --data-home "$T/d" >/dev/null
	gt-data flush --data-home "$T/d" >/dev/null
	lp "m,h=b v=3 2000000000" | gt-data write --data-home "$T/d" >/dev/null
	gt-data flush --data-home "$T/d" >/dev/null
	run -100 gt-data alter --data-home "$T/d" --table m --ttl 7x
	assert_output --partial "--ttl '7x' must be a duration"
	run -0 gt-data alter --data-home "$T/d" --table m --ttl 1d
	run -0 gt-data scan --data-home "$T/d" --table m
	assert_output "$(lp 'h,v,greptime_timestamp' "a,2,${now}000000000")"
	run -0 gt-compact --data-home "$T/d" --once
	assert_output --partial "1 files past the TTL"
	[ "$(ls "$T"/d/data/public/1024/1024_0000000000/*.sst | wc -l)" -eq 1 ]
	run -0 gt-data alter --data-home "$T/d" --table m --ttl 0
	run -0 gt-data scan --data-home "$T/d" --table m
	assert_output "$(lp 'h,v,greptime_timestamp' "a,2,${now}000000000")"
}

@test "usage errors exit 100 and --help exits 0" {
	run -100 gt-data
	run -100 gt-data frob --data-home "$T/d"
	assert_output --partial "unknown subcommand 'frob'"
	run -100 gt-data scan --data-home "$T/d"
	assert_output --partial "scan needs --table"
	run -0 gt-data --help
	assert_line --partial "usage: gt-data write --data-home DIR"
	run -0 gt-compact --help
	run -100 gt-compact
}
