#!/bin/sh
# sqlness.sh [BUILD] [--check|--update] [-v] [-j N] [PATH_OR_DIR...]
#
# Run GreptimeDB's sqlness case files against gt-front --standalone and
# print the pass count per directory, the issue's target set and, last,
# "sqlness: N/M case files passed".  PATHs are case files or directories
# relative to the case directory (select aggregate basic.sql).
#
#   --check    exit 1 if a file listed in tests/sqlness-passing.txt fails
#   --update   rewrite tests/sqlness-passing.txt from this run
#   -v         a line per file, and where each failing file differs
#   --out DIR  write every actual .result under DIR
#
# BUILD is the build directory (build, build-san, or a path; default
# $GT_BUILD, else build).  The case directory is
# $GT_SQLNESS_DIR (its common/ if it has one), else
# ../shared/conformance/greptimedb-sqlness/common beside the repository.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)

build=${GT_BUILD:-build}
if [ $# -gt 0 ]; then
	case $1 in
	-*) ;;
	*)
		if [ -d "$1/bin" ] || [ -d "$top/$1/bin" ]; then
			build=$1
			shift
		fi
		;;
	esac
fi
case $build in
/*) ;;
*) build=$top/$build ;;
esac

if [ -n "${GT_SQLNESS_DIR:-}" ]; then
	cases=$GT_SQLNESS_DIR
	[ -d "$cases/common" ] && cases=$cases/common
else
	cases=$top/../shared/conformance/greptimedb-sqlness/common
fi
if [ ! -d "$cases" ]; then
	echo "sqlness.sh: no case directory '$cases' (set GT_SQLNESS_DIR)" >&2
	exit 100
fi

tool=$build/tests/tools/gt-sqlness
server=$build/bin/gt-front
if [ ! -x "$tool" ]; then
	echo "sqlness.sh: no '$tool': run make first" >&2
	exit 100
fi

exec "$tool" --cases "$cases" --server "$server" \
	--passing "${GT_SQLNESS_PASSING:-$top/tests/sqlness-passing.txt}" "$@"
