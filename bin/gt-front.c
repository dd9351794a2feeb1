/*
 * gt-front - the frontend: the HTTP API (front.h) over a database.
 * --standalone runs the region engine and the catalog in-process on one
 * data directory; --meta HOST:PORT is a cluster's frontend (catalog in
 * gt-meta, regions on the datanodes it routes them to).  Foreground, one log line per event on stderr,
 * readiness as a "ready" line (also on --ready-fd), SIGTERM or SIGINT
 * stops it gracefully: stop accepting, finish the requests in flight,
 * flush every region, exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "db.h"
#include "front.h"
#include "mywire.h"
#include "pgwire.h"

static const char usage[] =
	"usage: gt-front --standalone --data-home DIR [--http-addr HOST:PORT] [--mysql-addr HOST:PORT] [--postgres-addr HOST:PORT] [--max-body N] [--timeout SECONDS] [--wal-sync always|interval|none] [--wal-purge-bytes N] [--memtable-bytes N] [--user-provider SPEC] [--ready-fd N]\n"
	"       gt-front --meta HOST:PORT [--http-addr HOST:PORT] [--mysql-addr HOST:PORT] [--postgres-addr HOST:PORT] [--max-body N] [--timeout SECONDS] [--user-provider SPEC] [--ready-fd N]\n"
	"       gt-front --help\n";

enum { O_STANDALONE = 256, O_META, O_HOME, O_HTTP, O_MYSQL, O_PG, O_MAXBODY, O_TIMEOUT, O_WAL_SYNC, O_WAL_PURGE, O_MEMTABLE, O_USERS, O_READY, O_HELP };

static const struct option longopts[] = {
	{"standalone", no_argument, NULL, O_STANDALONE},
	{"meta", required_argument, NULL, O_META},
	{"data-home", required_argument, NULL, O_HOME},
	{"http-addr", required_argument, NULL, O_HTTP},
	{"mysql-addr", required_argument, NULL, O_MYSQL},
	{"postgres-addr", required_argument, NULL, O_PG},
	{"max-body", required_argument, NULL, O_MAXBODY},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"wal-sync", required_argument, NULL, O_WAL_SYNC},
	{"wal-purge-bytes", required_argument, NULL, O_WAL_PURGE},
	{"memtable-bytes", required_argument, NULL, O_MEMTABLE},
	{"user-provider", required_argument, NULL, O_USERS},
	{"ready-fd", required_argument, NULL, O_READY},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

struct opts {
	bool standalone;
	const char *home, *http, *meta, *mysql, *pg;   /* "" = that protocol not served */
	struct gt_auth *auth;            /* --user-provider; NULL = open access */
	uint64_t max_body, timeout, memtable, wal_purge;
	int wal_sync;
	int64_t ready_fd;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->home = getenv("GT_DATA_HOME");
	o->http = "127.0.0.1:4000";
	o->mysql = "127.0.0.1:4002";
	o->pg = "127.0.0.1:4003";
	o->ready_fd = -1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_STANDALONE: o->standalone = true; break;
		case O_META: o->meta = optarg; break;
		case O_HOME: o->home = optarg; break;
		case O_HTTP: o->http = optarg; break;
		case O_MYSQL: o->mysql = optarg; break;
		case O_PG: o->pg = optarg; break;
		case O_MAXBODY:
			if (gt_parse_size(optarg, &o->max_body) || o->max_body < 1024 || o->max_body > (4ull << 30))
				return gt_cli_usage_error(usage, "--max-body '%s' must be 1K to 4G", optarg);
			break;
		case O_TIMEOUT:
			if (gt_parse_u64(optarg, &o->timeout) || o->timeout < 1 || o->timeout > 86400)
				return gt_cli_usage_error(usage, "--timeout '%s' must be 1 to 86400 seconds", optarg);
			break;
		case O_WAL_SYNC:
			if ((o->wal_sync = gt_wal_sync_parse(optarg)) < 0)
				return gt_cli_usage_error(usage, "unknown --wal-sync '%s'", optarg);
			break;
		case O_WAL_PURGE:
			if (gt_parse_size(optarg, &o->wal_purge) || o->wal_purge < 4096)
				return gt_cli_usage_error(usage, "--wal-purge-bytes '%s' must be at least 4K", optarg);
			break;
		case O_MEMTABLE:
			if (gt_parse_size(optarg, &o->memtable) || o->memtable < 4096)
				return gt_cli_usage_error(usage, "--memtable-bytes '%s' must be at least 4K", optarg);
			break;
		case O_USERS: {
			struct gt_err err = {0};
			gt_auth_free(o->auth);
			o->auth = NULL;
			if (gt_auth_open(&o->auth, optarg, &err))
				return gt_cli_usage_error(usage, "--user-provider: %s", err.msg);
			break;
		}
		case O_READY:
			if (gt_parse_i64(optarg, &o->ready_fd) || o->ready_fd < 0 || o->ready_fd > 65535)
				return gt_cli_usage_error(usage, "--ready-fd '%s' is not a file descriptor", optarg);
			break;
		case 'h':
		case O_HELP:
			fputs(usage, stdout);
			exit(GT_EXIT_OK);
		default:
			fputs(usage, stderr);
			return GT_EXIT_PERM;
		}
	}
	if (optind < argc)
		return gt_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (o->standalone == !!o->meta)
		return gt_cli_usage_error(usage, "%s", "one of --standalone (with --data-home) or --meta HOST:PORT is needed");
	if (o->meta)
		return 0;
	if (!o->home)
		return gt_cli_usage_error(usage, "%s", "--data-home is required (or GT_DATA_HOME)");
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct gt_engine_opts eo = {0};
	struct gt_err err = {0};
	struct gt_db *db = NULL;
	struct gt_front *front = NULL;
	struct gt_front_opts fo = {0};
	struct gt_mywire *my = NULL;
	struct gt_pgwire *pg = NULL;
	struct gt_wire_opts wo = {0};
	char ready[1024];
	sigset_t sigs;
	int rc, sig = 0;

	gt_cli_init(argv[0]);
	if ((rc = parse_opts(argc, argv, &o))) {
		gt_auth_free(o.auth);
		return rc;
	}
	/* Every thread started from here on inherits the mask; main waits for the signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	eo.data_home = o.home;
	eo.wal.sync = (uint8_t)o.wal_sync;
	if (o.wal_purge)
		gt_wal_opts_purge(&eo.wal, o.wal_purge);
	eo.memtable_bytes = (size_t)o.memtable;
	eo.background = true;
	eo.auto_compact = true;
	eo.log = gt_cli_log;
	if ((rc = o.meta ? gt_db_open_cluster(&db, o.meta, &err) : gt_db_open(&db, &eo, &err))) {
		gt_cli_errorf("%s", err.msg[0] ? err.msg : gt_strerror(rc));
		gt_auth_free(o.auth);
		return gt_exit_code(rc);
	}
	fo.db = db;
	fo.auth = o.auth;
	fo.http_addr = o.http;
	fo.max_body = (size_t)o.max_body;
	fo.timeout_s = (unsigned)o.timeout;
	fo.log = gt_cli_log;
	if ((rc = gt_front_start(&front, &fo, &err))) {
		gt_cli_errorf("%s", err.msg[0] ? err.msg : gt_strerror(rc));
		gt_db_close(db, 1);
		gt_auth_free(o.auth);
		return gt_exit_code(rc);
	}
	wo.db = db;
	wo.auth = o.auth;
	wo.idle_timeout_s = o.timeout ? (unsigned)o.timeout : 300;
	if (*o.mysql) {
		wo.addr = o.mysql;
		if ((rc = gt_mywire_start(&my, &wo, &err))) {
			gt_cli_errorf("mysql: %s", err.msg[0] ? err.msg : gt_strerror(rc));
			gt_front_stop(front);
			gt_db_close(db, 1);
			gt_auth_free(o.auth);
			return gt_exit_code(rc);
		}
	}
	if (*o.pg) {
		wo.addr = o.pg;
		if ((rc = gt_pgwire_start(&pg, &wo, &err))) {
			gt_cli_errorf("postgres: %s", err.msg[0] ? err.msg : gt_strerror(rc));
			gt_mywire_stop(my);
			gt_front_stop(front);
			gt_db_close(db, 1);
			gt_auth_free(o.auth);
			return gt_exit_code(rc);
		}
	}
	snprintf(ready, sizeof(ready), "ready http=%s", gt_front_http_addr(front));
	if (my)
		snprintf(ready + strlen(ready), sizeof(ready) - strlen(ready), " mysql=%s", gt_mywire_addr(my));
	if (pg)
		snprintf(ready + strlen(ready), sizeof(ready) - strlen(ready), " postgres=%s", gt_pgwire_addr(pg));
	gt_cli_ready(o.ready_fd, "%s", ready);
	while (sigwait(&sigs, &sig) && errno == EINTR)
		;
	gt_cli_errorf("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	gt_pgwire_stop(pg);
	gt_mywire_stop(my);
	gt_front_stop(front);
	gt_db_close(db, 1);
	gt_auth_free(o.auth);
	gt_cli_errorf("stopped");
	return GT_EXIT_OK;
}
