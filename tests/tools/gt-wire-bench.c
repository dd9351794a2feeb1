/*
 * gt-wire-bench - times a PostgreSQL- or MySQL-protocol server as a
 * compiled driver sees it, over one connection through the protocol's own
 * client library (libpq; MariaDB's Connector/C, as the mysql command):
 * the round trip of a small query (W warm-up and N timed queries, each
 * from the call to the whole result read; prints the median), or with
 * --rows the fetch rate of a query returning many rows (the whole result
 * read into the library's memory, as psql and mysql do; prints the row
 * count and the best run's rows per second).  The same client for gt's
 * protocols and a real PostgreSQL server (scripts/gt-bench-wire).
 *
 *   gt-wire-bench --pg CONNINFO | --mysql HOST:PORT [--user U] [--db DB]
 *                 [--query SQL] [--runs N] [--warmup N] [--rows] [--extended]
 *
 * --extended sends each query through PostgreSQL's extended protocol
 * (PQexecParams: Parse, Bind, Describe, Execute, Sync), as most drivers
 * and Grafana do, instead of a simple Query message.
 *
 * --query defaults to "SELECT 1"; --runs to 1000 (--rows: 5); --warmup to
 * 20 (--rows: 1); --mysql's user to "bench" without a password.  Prints
 * "MEDIAN_US P99_US" ("41.2 63.0"), or with --rows "ROWS ROWS_PER_S".  A
 * failed connection or query stops the run with the server's message
 * (exit 111 for the connection, 1 for a query).
 */
#include <getopt.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage[] =
	"usage: gt-wire-bench --pg CONNINFO | --mysql HOST:PORT [--user U] [--db DB] [--query SQL] [--runs N] [--warmup N] [--rows] [--extended]\n";

/* One connection on either protocol (exactly one of the two is set). */
struct conn {
	PGconn *pg;
	MYSQL *my;
	bool extended;   /* PostgreSQL: PQexecParams instead of PQexec */
};

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

/* One query, its whole result read: the row count, or -1 after printing
 * the server's error. */
static int64_t run_once(struct conn *c, const char *query)
{
	int64_t n;
	if (c->pg) {
		PGresult *r = c->extended ? PQexecParams(c->pg, query, 0, NULL, NULL, NULL, NULL, 0) : PQexec(c->pg, query);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			gt_cli_errorf("query '%s' failed: %s", query, PQerrorMessage(c->pg));
			PQclear(r);
			return -1;
		}
		n = PQntuples(r);
		PQclear(r);
		return n;
	}
	MYSQL_RES *r = NULL;
	if (mysql_query(c->my, query) || !(r = mysql_store_result(c->my))) {
		gt_cli_errorf("query '%s' failed: %s", query, mysql_error(c->my));
		return -1;
	}
	n = (int64_t)mysql_num_rows(r);
	mysql_free_result(r);
	return n;
}

static int conn_open(struct conn *c, const char *pg, const char *my, const char *user, const char *db)
{
	if (pg) {
		c->pg = PQconnectdb(pg);
		if (PQstatus(c->pg) == CONNECTION_OK)
			return 0;
		gt_cli_errorf("cannot connect to '%s': %s", pg, PQerrorMessage(c->pg));
		return -1;
	}
	const char *colon = strrchr(my, ':');
	int64_t port = 0;
	char host[256];
	if (!colon || (size_t)(colon - my) >= sizeof(host) || gt_parse_i64(colon + 1, &port) || port < 1 || port > 65535) {
		gt_cli_errorf("--mysql '%s' is not HOST:PORT", my);
		return -1;
	}
	memcpy(host, my, (size_t)(colon - my));
	host[colon - my] = '\0';
	c->my = mysql_init(NULL);
	if (!c->my) {
		gt_cli_errorf("out of memory");
		return -1;
	}
	if (mysql_real_connect(c->my, host, user, "", db, (unsigned)port, NULL, 0))
		return 0;
	gt_cli_errorf("cannot connect to '%s': %s", my, mysql_error(c->my));
	return -1;
}

static void conn_close(struct conn *c)
{
	if (c->pg)
		PQfinish(c->pg);
	if (c->my)
		mysql_close(c->my);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"pg", required_argument, NULL, 'p'},
		{"mysql", required_argument, NULL, 'm'},
		{"user", required_argument, NULL, 'u'},
		{"db", required_argument, NULL, 'd'},
		{"query", required_argument, NULL, 'q'},
		{"runs", required_argument, NULL, 'r'},
		{"warmup", required_argument, NULL, 'w'},
		{"rows", no_argument, NULL, 'R'},
		{"extended", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *pg = NULL, *my = NULL, *user = "bench", *db = NULL, *query = "SELECT 1";
	int64_t runs = -1, warmup = -1;
	bool rows = false, extended = false;
	int c;

	gt_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pg = optarg; break;
		case 'm': my = optarg; break;
		case 'u': user = optarg; break;
		case 'd': db = optarg; break;
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
		case 'e': extended = true; break;
		case 'h': fputs(usage, stdout); return GT_EXIT_OK;
		default: fputs(usage, stderr); return GT_EXIT_PERM;
		}
	}
	if (optind != argc)
		return gt_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!pg == !my)
		return gt_cli_usage_error(usage, "%s", "one of --pg CONNINFO or --mysql HOST:PORT is needed");
	if (extended && !pg)
		return gt_cli_usage_error(usage, "%s", "--extended is for --pg");
	if (runs < 0)
		runs = rows ? 5 : 1000;
	if (warmup < 0)
		warmup = rows ? 1 : 20;

	struct conn conn = {.extended = extended};
	int64_t *took = NULL, nrows = 0;
	int rc = GT_EXIT_OK;
	if (conn_open(&conn, pg, my, user, db)) {
		rc = GT_EXIT_TEMP;
		goto out;
	}
	took = calloc((size_t)runs, sizeof(*took));
	if (!took) {
		gt_cli_errorf("out of memory");
		rc = GT_EXIT_TEMP;
		goto out;
	}
	for (int64_t i = -warmup; i < runs; i++) {   /* i < 0: warm-up */
		int64_t t0 = now_ns();
		nrows = run_once(&conn, query);
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
	conn_close(&conn);
	return rc;
}
