#!/usr/bin/env bats
# wire-bench.bats - scripts/gt-bench-wire works end to end in a tiny run:
# a real PostgreSQL server and gt-front started, loaded and stopped, every
# figure a number on each protocol gt-front offers.  No timing is
# asserted (the benchmark's figures are for docs/PERFORMANCE.md).
load helper

have_postgres() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/postgres" ] && return 0
	done
	return 1
}

@test "gt-bench-wire: a tiny run against PostgreSQL and gt, every figure a number" {
	have_postgres || skip "no PostgreSQL server binaries (Debian package postgresql)"
	command -v gt-wire-bench > /dev/null || skip "gt-wire-bench not built (libpq-dev, libmariadb-dev)"
	run -0 --separate-stderr gt-bench-wire --rows 1000 --pings 20 --runs 1 --dir "$T/b"
	assert_line --index 0 --regexp '^\| figure \| PostgreSQL [0-9.]+ \| gt, PostgreSQL protocol \| gt, MySQL protocol \|$'
	refute_output --partial failed
	# PostgreSQL's column: a number in every row.
	num='[0-9]+(\.[0-9]+)?'
	assert_line --regexp "^\| SELECT 1 round trip, libpq / libmariadb \(median of 20, us\) \| $num \|"
	assert_line --regexp "^\| 1000 rows, libpq / libmariadb \(rows/s, best of 1\) \| $num \|"
	assert_line --regexp "^\| SELECT 1 round trip, libpq extended protocol .* \| $num \|"
	assert_line --regexp "^\| 1000 rows, \`psql -At -c\` .* \| $num \|"
	# gt's protocols, once gt-front offers them: numbers too.
	if gt-front --help | grep -q -- --postgres-addr; then
		assert_line --regexp "^\| SELECT 1 round trip, libpq / libmariadb \(median of 20, us\) \| $num \| $num \|"
		assert_line --regexp "^\| 1000 rows, libpq / libmariadb \(rows/s, best of 1\) \| $num \| $num \|"
		assert_line --regexp "^\| SELECT 1 round trip, libpq extended protocol .* \| $num \| $num \|"
		assert_line --regexp "^\| 1000 rows, \`psql -At -c\` .* \| $num \| $num \|"
	fi
	if gt-front --help | grep -q -- --mysql-addr; then
		assert_line --regexp "^\| SELECT 1 round trip, libpq / libmariadb .* \| $num \|$"
		assert_line --regexp "^\| 1000 rows, libpq / libmariadb .* \| $num \|$"
		if /usr/bin/python3 -c 'import pymysql' 2> /dev/null; then
			assert_line --regexp "^\| SELECT 1 round trip, psycopg2 / pymysql .* \| $num \|$"
		fi
	fi
	# both servers were stopped before it exited
	run -0 grep -c 'database system is shut down' "$T/b/pg.log"
	run -0 grep -c '^gt-front: stopped' "$T/b/gt.log"
}

@test "gt-bench-wire and install-deps are shellcheck-clean POSIX sh" {
	command -v shellcheck > /dev/null || skip "shellcheck not installed (Debian package shellcheck)"
	run -0 shellcheck -s sh "$TOP/scripts/gt-bench-wire" "$TOP/scripts/install-deps"
}
