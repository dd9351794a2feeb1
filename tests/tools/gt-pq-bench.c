/*
 * gt-pq-bench - times a PostgreSQL-protocol server as a compiled driver
 * sees it, through libpq over one connection: the round trip of a small
 * query (W warm-up and N timed PQexec calls, each from the call to the
 * whole result read; prints the median), or with --rows the fetch rate of
 * a query returning many rows (PQexec reads the whole result into memory,
 * as psql does; prints the row count and the best run's rows per second).
 * The same client for gt's PostgreSQL protocol and a real PostgreSQL
 * server (scripts/gt-bench-wire).
 *
 *   gt-pq-bench --conninfo STR [--query SQL] [--runs N] [--warmup N] [--rows]
 *
 * --query defaults to "SELECT 1"; --runs to 1000 (--rows: 5); --warmup to
 * 20 (--rows: 1).  Prints "MEDIAN_US P99_US" ("41.2 63.0"), or with
 * --rows "ROWS ROWS_PER_S".  A failed connection or query stops the run
 * with the server's message (exit 111 for the connection, 1 for a query).
 */
#include <getopt.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage[] =
	"usage: gt-pq-bench --conninfo STR [--query SQL] [--runs N] [--warmup N] [--rows]\n";

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* One PQexec of query: its row count, or -1 after printing the error. */
static int64_t run_once(PGconn *conn, const char *query)
{
	PGresult *r = PQexec(conn, query);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		gt_cli_errorf("query '%s' failed: %s", query, PQerrorMessage(conn));
		PQclear(r);
		return -1;
	}
	int64_t n = PQntuples(r);
	PQclear(r);
	return n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"conninfo", required_argument, NULL, 'c'},
		{"query", required_argument, NULL, 'q'},
		{"runs", required_argument, NULL, 'r'},
		{"warmup", required_argument, NULL, 'w'},
		{"rows", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conninfo = NULL, *query = "SELECT 1";
	int64_t runs = -1, warmup = -1;
	bool rows = false;
	int c;

	gt_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conninfo = optarg; break;
		case 'q': query = optarg; break;
		case 'r':
			if (gt_parse_i64(optarg, &runs) || runs < 1 || runs > 1000000)
				return gt_cli_usage_error(usage, "--runs '%s' must be 1 to 1000000", optarg);
			break;
		case 'w':
			if (gt_parse_i64(optarg, &warmup) || warmup < 0 || warmup > 1000000)
				return gt_cli_usage_error(usage, "--warmup '%s' must be 0 to 1000000", optarg);
			break;
		case 'R': rows = true; break;
		case 'h': fputs(usage, stdout); return GT_EXIT_OK;
		default: fputs(usage, stderr); return GT_EXIT_PERM;
		}
	}
	if (optind != argc)
		return gt_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!conninfo)
		return gt_cli_usage_error(usage, "%s", "--conninfo is required");
	if (runs < 0)
		runs = rows ? 5 : 1000;
	if (warmup < 0)
		warmup = rows ? 1 : 20;

	PGconn *conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		gt_cli_errorf("cannot connect to '%s': %s", conninfo, PQerrorMessage(conn));
		PQfinish(conn);
		return GT_EXIT_TEMP;
	}
	int64_t *took = calloc((size_t)runs, sizeof(*took));
	int64_t nrows = 0;
	int rc = GT_EXIT_OK;
	if (!took) {
		gt_cli_errorf("out of memory");
		rc = GT_EXIT_TEMP;
		goto out;
	}
	for (int64_t i = -warmup; i < runs; i++) {   /* i < 0: warm-up */
		int64_t t0 = now_ns();
		nrows = run_once(conn, query);
		int64_t t1 = now_ns();
		if (nrows < 0) {
			rc = GT_EXIT_NO;
			goto out;
		}
		if (i >= 0)
			took[i] = t1 - t0;
	}
	qsort(took, (size_t)runs, sizeof(*took), cmp_i64);
	if (rows)
		printf("%lld %.0f\n", (long long)nrows, (double)nrows * 1e9 / (double)(took[0] > 0 ? took[0] : 1));
	else
		printf("%.1f %.1f\n", (double)took[runs / 2] / 1000.0, (double)took[runs * 99 / 100] / 1000.0);
out:
	free(took);
	PQfinish(conn);
	return rc;
}
