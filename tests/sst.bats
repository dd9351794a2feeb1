#!/usr/bin/env bats
# gt-sst: stat, dump, verify, usage.  Files come from gt-test-sst
# (tests/tools/gt-test-sst.c), which writes a deterministic small SST.
load helper

# flip_byte FILE OFFSET: xor one byte with 1, in place
flip_byte() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}

@test "--help and -h print the synopsis and exit 0" {
	run -0 gt-sst --help
	assert_line --index 0 'usage: gt-sst stat FILE'
	run -0 gt-sst -h
	assert_line --partial 'gt-sst verify FILE...'
}

@test "--help matches the SYNOPSIS of gt-sst(1)" {
	run -0 gt-sst --help
	help=$(printf '%s\n' "$output" | sed -e 's/^usage: //' -e 's/^ *//')
	man=$(groff -man -Tascii -P-cbou "$TOP/man/man1/gt-sst.1" 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^[A-Z]/p' | sed -e '1d' -e '$d' -e 's/^ *//' -e '/^$/d')
	[ -n "$man" ]
	assert_equal "$help" "$man"
}

@test "usage errors exit 100 with one line" {
	run -100 gt-sst
	assert_output --partial 'gt-sst: no command given'
	run -100 gt-sst frobnicate
	assert_output "gt-sst: unknown command 'frobnicate' (try 'gt-sst --help')"
	run -100 gt-sst stat
	run -100 gt-sst stat a b
	run -100 gt-sst verify
	run -100 gt-sst dump
	run -100 gt-sst dump --format xml x.sst
	assert_output --partial '--format takes csv, lp or jsonl'
	run -100 gt-sst dump --bogus x.sst
	[ "${#lines[@]}" -eq 1 ]
}

@test "stat of a missing file exits 100 naming it" {
	run -100 gt-sst stat "$T/nope.sst"
	assert_output --partial "cannot open '$T/nope.sst'"
}

@test "stat prints the file's figures" {
	gt-test-sst -t cpu "$T/a.sst"
	run -0 gt-sst stat "$T/a.sst"
	assert_line 'format: gt-sst v1'
	assert_line 'table: cpu'
	assert_line 'rows: 12'
	assert_line 'series: 3'
	assert_line 'blocks: 1'
	assert_line 'block rows: 8192'
	assert_line 'time range: 1700000000000 .. 1700000003000 (ms)'
	assert_line 'seq range: 1 .. 12'
	assert_line 'values: 60'
	assert_line --regexp '^bytes: [0-9]+$'
	assert_line --regexp '^bytes/value: [0-9]+\.[0-9]{4}$'
	assert_line --regexp '^  ts +id 2 +time +TimestampMillisecond$'
	assert_line --regexp '^  usage +decimal-planes +[0-9]+ +[0-9.]+$'
	assert_line --regexp '^  ts +delta-of-delta +[0-9]+ '
	assert_line --regexp '^  note +plain-strings +[0-9]+ '
	assert_line --regexp '^  \(footer\) +- +120$'
}

@test "stat of the TSBS shape stays under 1.2 bytes per value" {
	gt-test-sst --tsbs -s 20 "$T/tsbs.sst"
	run -0 gt-sst stat "$T/tsbs.sst"
	assert_line 'rows: 172800'
	bpv=$(printf '%s\n' "$output" | sed -n 's/^bytes\/value: //p')
	awk -v b="$bpv" 'BEGIN { exit !(b <= 1.2) }'
}

@test "dump csv: header, tags from the series key, nulls empty" {
	gt-test-sst --nulls "$T/a.sst"
	run -0 gt-sst dump "$T/a.sst"
	assert_line --index 0 'host,dc,ts,usage,count,bytes,up,note'
	assert_line --index 1 'h0,dc0,1700000000000,0,,18446744073709551615,true,"n0 ""q"",x"'
	assert_line --index 2 'h0,dc0,1700000001000,,,18446744073709551614,false,"n1 ""q"",x"'
	assert_line --index 3 'h0,dc0,1700000002000,0.06,,18446744073709551613,false,'
	assert_line --index 5 'h1,dc1,1700000000000,0.07,,18446744073709551615,true,"n0 ""q"",x"'
	[ "${#lines[@]}" -eq 13 ]
}

@test "dump jsonl" {
	gt-test-sst --nulls "$T/a.sst"
	run -0 gt-sst dump --format jsonl "$T/a.sst"
	assert_line --index 0 '{"host":"h0","dc":"dc0","ts":1700000000000,"usage":0,"count":null,"bytes":18446744073709551615,"up":true,"note":"n0 \"q\",x"}'
	[ "${#lines[@]}" -eq 12 ]
}

@test "dump lp uses the stored table name, --table overrides it" {
	gt-test-sst -t cpu "$T/a.sst"
	run -0 gt-sst dump --format lp "$T/a.sst"
	assert_line --index 0 'cpu,host=h0,dc=dc0 usage=0,count=-5i,bytes=18446744073709551615u,up=true,note="n0 \"q\",x" 1700000000000000000'
	run -0 gt-sst dump --format lp --table 'my table' "$T/a.sst"
	assert_line --index 0 --partial 'my\ table,host=h0,dc=dc0 usage=0,'
	gt-test-sst "$T/b.sst"
	run -0 gt-sst dump --format lp "$T/b.sst"
	assert_line --index 0 --partial 't,host=h0,dc=dc0 '
}

@test "dump leaves deletions out unless --meta" {
	gt-test-sst --deletes -s 1 -r 10 "$T/a.sst"
	run -0 gt-sst dump "$T/a.sst"
	[ "${#lines[@]}" -eq 9 ]
	run -0 gt-sst dump --meta "$T/a.sst"
	assert_line --index 0 'host,dc,ts,usage,count,bytes,up,note,__seq,__op'
	assert_line --index 5 --regexp ',5,delete$'
	[ "${#lines[@]}" -eq 11 ]
}

@test "verify: clean files exit 0 and print nothing" {
	gt-test-sst "$T/a.sst"
	gt-test-sst --nulls --deletes -s 7 -r 50 -b 16 "$T/b.sst"
	run -0 gt-sst verify "$T/a.sst" "$T/b.sst"
	assert_output ''
}

@test "verify: a flipped byte exits 1 naming the file and the offset" {
	gt-test-sst "$T/a.sst"
	flip_byte "$T/a.sst" 40
	run -1 gt-sst verify "$T/a.sst"
	assert_output "gt-sst: $T/a.sst: damaged at offset 16: block 0 checksum mismatch"
}

@test "verify: damage in the footer and truncation are found" {
	gt-test-sst "$T/a.sst"
	cp "$T/a.sst" "$T/b.sst"
	size=$(wc -c < "$T/a.sst")
	flip_byte "$T/a.sst" $((size - 60))
	run -1 gt-sst verify "$T/a.sst"
	assert_output --regexp "^gt-sst: $T/a.sst: damaged at offset [0-9]+: footer checksum mismatch$"
	head -c $((size - 1)) "$T/b.sst" > "$T/c.sst"
	run -1 gt-sst verify "$T/c.sst"
	assert_output --regexp "^gt-sst: $T/c.sst: damaged at offset [0-9]+: "
}

@test "verify: one damaged file among clean ones exits 1" {
	gt-test-sst "$T/a.sst"
	gt-test-sst "$T/b.sst"
	flip_byte "$T/b.sst" 100
	run -1 gt-sst verify "$T/a.sst" "$T/b.sst"
	assert_output --partial "gt-sst: $T/b.sst: damaged at offset"
	refute_output --partial "$T/a.sst"
}

@test "verify: a missing file is an error, not damage" {
	run -100 gt-sst verify "$T/nope.sst"
	assert_output --partial "cannot open '$T/nope.sst'"
}

@test "stat and dump of a damaged file exit 100" {
	gt-test-sst "$T/a.sst"
	size=$(wc -c < "$T/a.sst")
	flip_byte "$T/a.sst" $((size - 1))
	run -100 gt-sst stat "$T/a.sst"
	assert_output --partial 'damaged at offset'
	run -100 gt-sst dump "$T/a.sst"
}

@test "write turns line protocol into one verified SST, combining equal rows as a flush does" {
	run -0 --separate-stderr gt-sst write -o "$T/w.sst" <<-'EOF2'
	cpu,host=b u=2 20
	cpu,host=a u=1,v=80 10
	cpu,host=a u=3 10
	EOF2
	assert_output "3"
	run -0 gt-sst verify "$T/w.sst"
	run -0 gt-sst dump "$T/w.sst"
	assert_output "$(printf '%s\n' 'host,u,v,greptime_timestamp' 'a,3,80,10' 'b,2,,20')"
	[ -z "$(ls -A "$T" | grep gt-sst-write)" ]
}

@test "write refuses a bad line, and more than one measurement, writing nothing" {
	run -100 gt-sst write -o "$T/w.sst" <<< 'cpu,host=a u=1x 10'
	assert_output --partial "line 1, column"
	[ ! -e "$T/w.sst" ]
	run -100 gt-sst write -o "$T/w.sst" <<< $'cpu u=1 10\nmem u=2 10'
	assert_output --partial "exactly one measurement"
	[ ! -e "$T/w.sst" ]
	run -100 gt-sst write < /dev/null
	assert_output --partial "write needs -o FILE"
}
