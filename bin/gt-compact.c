/*
 * gt-compact - time-window compaction and TTL of a data directory's
 * regions, one round (--once, for cron) or every --interval seconds.
 * Takes the data directory's lock for each round, waiting up to --wait
 * seconds for a writer to finish, so it is safe next to `gt-data write`.
 * With --node it asks a running datanode instead, over the region RPC
 * (region_client.h's remote client), to compact the regions named.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "region_client.h"

static const char usage[] =
	"usage: gt-compact --data-home DIR [--db NAME] [--table T] [--once] [--force] [--wait SECONDS] [--interval SECONDS]\n"
	"       gt-compact --node unix:PATH|HOST:PORT --region ID... [--force]\n"
	"       gt-compact --help\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *home, *db, *table;
	bool once, force;
	int64_t wait_s, interval_s;
	const char *node;
	uint64_t regions[64];
	int nregions;
};

static void report(const char *label, uint64_t id, const struct gt_compact_report *rep)
{
	if (!rep->files_in && !rep->files_expired) {
		printf("%s region %" PRIu64 ": nothing to compact\n", label, id);
		return;
	}
	printf("%s region %" PRIu64 ": %u windows, %u files (%" PRIu64 " rows, %" PRIu64
	       " bytes) -> %u files (%" PRIu64 " rows, %" PRIu64 " bytes), %u files past the TTL\n",
	       label, id, rep->windows, rep->files_in, rep->rows_in, rep->bytes_in, rep->files_out,
	       rep->rows_out, rep->bytes_out, rep->files_expired);
}

static int compact_table(struct gt_db *db, const struct opts *o, const char *name, struct gt_err *err)
{
	struct gt_table_info t;
	int rc = gt_db_table(db, o->db, name, &t, err);
	char label[600];
	snprintf(label, sizeof(label), "%s.%s", o->db, name);
	for (uint32_t i = 0; !rc && i < t.nregions; i++) {
		struct gt_compact_opts co = {0};
		struct gt_compact_report rep;
		uint64_t id = gt_table_region(&t, i);
		co.force = o->force;
		if ((rc = db->rc.ops->compact(db->rc.self, id, &co, &rep, err)))
			break;
		report(label, id, &rep);
	}
	if (!rc)
		gt_table_info_release(&t);
	return rc;
}

static int round_(const struct opts *o, struct gt_err *err)
{
	struct gt_engine_opts eo = {0};
	struct gt_db *db;
	char **names = NULL;
	int rc;

	eo.data_home = o->home;
	eo.must_exist = true;
	eo.lock_wait_ms = (int)(o->wait_s * 1000);
	eo.log = gt_cli_log;
	if ((rc = gt_db_open(&db, &eo, err)))
		return rc;
	if (o->table)
		rc = compact_table(db, o, o->table, err);
	else if (!(rc = db->mc.ops->list_tables(db->mc.self, o->db, &names, err)))
		for (char **n = names; *n && !rc && !stop; n++)
			rc = compact_table(db, o, *n, err);
	gt_strv_free(names);
	gt_db_close(db, 0);
	fflush(stdout);
	return rc;
}

static int locate_node(void *ctx, uint64_t id, bool refresh, char *addr, size_t n, struct gt_err *err)
{
	snprintf(addr, n, "%s", (const char *)ctx);
	return 0;
}

/* --node: one round on a running datanode, region by region. */
static int compact_node(const struct opts *o)
{
	struct gt_region_client c;
	struct gt_err err = {0};
	int rc = gt_region_client_remote(&c, locate_node, (void *)o->node, &err);
	for (int i = 0; !rc && i < o->nregions; i++) {
		struct gt_compact_opts co = {.force = o->force};
		struct gt_compact_report rep;
		if (!(rc = c.ops->compact(c.self, o->regions[i], &co, &rep, &err)))
			report(o->node, o->regions[i], &rep);
	}
	gt_region_client_remote_free(&c);
	if (rc) {
		gt_cli_errorf("%s", err.msg);
		return gt_exit_code(rc);
	}
	return GT_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"data-home", required_argument, NULL, 'd'},
		{"db", required_argument, NULL, 'b'},
		{"table", required_argument, NULL, 't'},
		{"once", no_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},
		{"wait", required_argument, NULL, 'w'},
		{"interval", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{"node", required_argument, NULL, 'n'},
		{"region", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {getenv("GT_DATA_HOME"), GT_DEFAULT_DB, NULL, false, false, 60, 600, NULL, {0}, 0};
	struct gt_err err = {0};
	int c, rc;

	gt_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.home = optarg; break;
		case 'b': o.db = optarg; break;
		case 't': o.table = optarg; break;
		case 'o': o.once = true; break;
		case 'f': o.force = true; break;
		case 'w':
			if (gt_parse_i64(optarg, &o.wait_s) || o.wait_s < 0 || o.wait_s > 86400) {
				gt_cli_errorf("--wait '%s' must be 0 to 86400 seconds", optarg);
				return GT_EXIT_PERM;
			}
			break;
		case 'i':
			if (gt_parse_i64(optarg, &o.interval_s) || o.interval_s < 1 || o.interval_s > 86400 * 7) {
				gt_cli_errorf("--interval '%s' must be 1 to 604800 seconds", optarg);
				return GT_EXIT_PERM;
			}
			break;
		case 'n': o.node = optarg; break;
		case 'r':
			if (o.nregions == (int)GT_ARRAY_LEN(o.regions) || gt_parse_u64(optarg, &o.regions[o.nregions])) {
				gt_cli_errorf("--region '%s' must be a region id (at most %zu of them)", optarg,
					      GT_ARRAY_LEN(o.regions));
				return GT_EXIT_PERM;
			}
			o.nregions++;
			break;
		case 'h':
			fputs(usage, stdout);
			return GT_EXIT_OK;
		default:
			fputs(usage, stderr);
			return GT_EXIT_PERM;
		}
	}
	if (optind < argc) {
		gt_cli_errorf("unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		return GT_EXIT_PERM;
	}
	if (o.node || o.nregions) {
		if (!o.node || !o.nregions) {
			gt_cli_errorf("--node and --region go together");
			fputs(usage, stderr);
			return GT_EXIT_PERM;
		}
		return compact_node(&o);
	}
	if (!o.home) {
		gt_cli_errorf("--data-home is required (or GT_DATA_HOME)");
		fputs(usage, stderr);
		return GT_EXIT_PERM;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (;;) {
		rc = round_(&o, &err);
		if (rc) {
			gt_cli_errorf("%s", err.msg);
			if (o.once)
				return gt_exit_code(rc);
		}
		if (o.once || stop)
			return GT_EXIT_OK;
		for (int64_t s = 0; s < o.interval_s && !stop; s++)
			sleep(1);
		if (stop)
			return GT_EXIT_OK;
	}
}
