#!/usr/bin/env bats
# The manual: every program's --help synopsis is its man page's SYNOPSIS,
# every program has a page, and every page renders without a warning.

load helper

MAN=$TOP/man

# The usage lines of `PROG --help` (in $output), without "usage:" and
# without leading and trailing blanks, one per line, sorted.
help_lines() {
	printf '%s\n' "$output" | sed -e 's/^usage://' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' |
		grep -v '^$' | LC_ALL=C sort
}

# The SYNOPSIS lines of a man page's roff source: the text lines between
# ".SH SYNOPSIS" and the next ".SH" (requests and macros dropped), with
# \- as -, \~ as a space, and the font escapes \fB \fI \fR \fP removed.
man_lines() {
	awk '/^\.SH/ { on = ($0 ~ /^\.SH[[:space:]]+"?SYNOPSIS"?[[:space:]]*$/); next }
	     on && !/^\./' "$1" |
		sed -e 's/\\-/-/g' -e 's/\\~/ /g' -e 's/\\f[BIRP]//g' \
		    -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' |
		grep -v '^$' | LC_ALL=C sort
}

check_synopsis() {
	local prog=$1 page=$MAN/man1/$1.1
	[ -f "$page" ] || fail "$prog has no man page $page"
	run -0 --separate-stderr "$prog" --help
	help_lines > "$T/help"
	man_lines "$page" > "$T/man"
	[ -s "$T/help" ] || fail "$prog --help printed no usage line"
	diff -u "$T/help" "$T/man" > "$T/diff" ||
		fail "$(printf '%s --help (-) and the SYNOPSIS of man/man1/%s.1 (+) differ:\n%s' \
			"$prog" "$prog" "$(tail -n +3 "$T/diff")")"
}

@test "gt-data --help is its man page's SYNOPSIS" {
	check_synopsis gt-data
}

@test "gt-compact --help is its man page's SYNOPSIS" {
	check_synopsis gt-compact
}

@test "gt-sst --help is its man page's SYNOPSIS" {
	check_synopsis gt-sst
}

@test "gt-meta --help is its man page's SYNOPSIS" {
	check_synopsis gt-meta
}

@test "gt-front --help is its man page's SYNOPSIS" {
	check_synopsis gt-front
}

@test "gt-flow --help is its man page's SYNOPSIS" {
	check_synopsis gt-flow
}

@test "gt-cluster --help is its man page's SYNOPSIS" {
	check_synopsis gt-cluster
}

@test "gt-supervise --help is its man page's SYNOPSIS" {
	check_synopsis gt-supervise
}

@test "every program has a section-1 page, and gt(7) exists" {
	for src in "$TOP"/bin/gt-*.c; do
		prog=$(basename "$src" .c)
		[ -f "$MAN/man1/$prog.1" ] || fail "bin/$prog.c has no man/man1/$prog.1"
	done
	[ -f "$MAN/man7/gt.7" ] || fail "man/man7/gt.7 is missing"
}

@test "every man page renders without a groff warning" {
	command -v groff >/dev/null || skip "groff not installed (Debian package groff-base)"
	n=0 bad=
	for page in "$MAN"/man*/*.[1-9]; do
		[ -f "$page" ] || continue
		n=$((n + 1))
		# -t: run tbl, as man(1) does for pages that start with '\" t
		warnings=$(groff -t -man -Tutf8 -ww "$page" 2>&1 >/dev/null)
		[ -z "$warnings" ] || bad="$bad${page#"$TOP"/}:"$'\n'"$warnings"$'\n'
	done
	[ "$n" -gt 0 ] || fail "no man page found under $MAN"
	[ -z "$bad" ] || fail "$bad"
}
