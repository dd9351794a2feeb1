/*
 * gt-data - the datanode: `serve` runs it (the region RPC, heartbeats
 * to gt-meta; lib/datanode.h), and the offline toolkit over a data
 * directory ingests line protocol from a pipe, scans rows out, flushes,
 * and inspects or repairs the WAL and the manifest.  Every subcommand is
 * a thin layer over lib/ (datanode.h, db.h, ingest.h, region.h, wal.h,
 * manifest.h).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "datanode.h"
#include "db.h"
#include "ingest.h"
#include "key.h"
#include "lp.h"
#include "rowfmt.h"

static const char usage[] =
	"usage: gt-data write --data-home DIR [--db NAME] [--precision ns|us|ms|s] [--wal-sync always|interval|none] [--batch-bytes N] [--memtable-bytes N] [--progress]\n"
	"       gt-data scan --data-home DIR [--db NAME] --table T [--start TS] [--end TS] [--where TAG=VALUE]... [--fields F,...] [--format csv|lp|jsonl|count]\n"
	"       gt-data flush --data-home DIR [--db NAME] [--table T]\n"
	"       gt-data tables --data-home DIR [--db NAME]\n"
	"       gt-data alter --data-home DIR [--db NAME] --table T --ttl DURATION\n"
	"       gt-data wal dump --data-home DIR [--db NAME] --table T\n"
	"       gt-data wal dump FILE...\n"
	"       gt-data manifest show --data-home DIR [--db NAME] --table T\n"
	"       gt-data manifest edit --data-home DIR [--db NAME] --table T --force (--remove-file ID | --flushed-seq N)\n"
	"       gt-data serve --data-home DIR --node-id N --addr unix:PATH|HOST:PORT --meta HOST:PORT [--heartbeat-ms N] [--wal-sync always|interval|none] [--wal-purge-bytes N] [--memtable-bytes N]\n"
	"       gt-data --help\n";

struct opts {
	const char *home, *db, *table, *format, *fields, *remove_file;
	int precision;
	int wal_sync;
	uint64_t batch_bytes, flushed_seq, memtable_bytes;
	const char *ttl;
	bool progress;
	int64_t start, end;
	bool force, has_flushed_seq;
	char *where[64];
	int nwhere;
};

enum {
	O_HOME = 256, O_DB, O_TABLE, O_PRECISION, O_WAL_SYNC, O_BATCH, O_START, O_END, O_WHERE,
	O_FIELDS, O_FORMAT, O_FORCE, O_REMOVE, O_FLUSHED, O_HELP, O_MEMTABLE, O_PROGRESS, O_TTL,
};

static const struct option longopts[] = {
	{"data-home", required_argument, NULL, O_HOME},
	{"db", required_argument, NULL, O_DB},
	{"table", required_argument, NULL, O_TABLE},
	{"precision", required_argument, NULL, O_PRECISION},
	{"wal-sync", required_argument, NULL, O_WAL_SYNC},
	{"batch-bytes", required_argument, NULL, O_BATCH},
	{"start", required_argument, NULL, O_START},
	{"end", required_argument, NULL, O_END},
	{"where", required_argument, NULL, O_WHERE},
	{"fields", required_argument, NULL, O_FIELDS},
	{"format", required_argument, NULL, O_FORMAT},
	{"force", no_argument, NULL, O_FORCE},
	{"remove-file", required_argument, NULL, O_REMOVE},
	{"flushed-seq", required_argument, NULL, O_FLUSHED},
	{"help", no_argument, NULL, O_HELP},
	{"memtable-bytes", required_argument, NULL, O_MEMTABLE},
	{"progress", no_argument, NULL, O_PROGRESS},
	{"ttl", required_argument, NULL, O_TTL},
	{NULL, 0, NULL, 0},
};

static int fail(int code, const struct gt_err *err)
{
	gt_cli_errorf("%s", err->msg[0] ? err->msg : gt_strerror(code));
	return gt_exit_code(code);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;
	memset(o, 0, sizeof(*o));
	o->db = GT_DEFAULT_DB;
	o->precision = GT_UNIT_NS;
	o->format = "csv";
	o->start = INT64_MIN;
	o->end = INT64_MAX;
	o->home = getenv("GT_DATA_HOME");
	o->batch_bytes = 2u << 20;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_HOME: o->home = optarg; break;
		case O_DB: o->db = optarg; break;
		case O_TABLE: o->table = optarg; break;
		case O_PRECISION:
			if ((o->precision = gt_lp_precision(optarg)) < 0)
				return gt_cli_usage_error(usage, "unknown precision '%s'", optarg);
			break;
		case O_WAL_SYNC:
			if ((o->wal_sync = gt_wal_sync_parse(optarg)) < 0)
				return gt_cli_usage_error(usage, "unknown --wal-sync '%s'", optarg);
			break;
		case O_BATCH:
			if (gt_parse_size(optarg, &o->batch_bytes) || o->batch_bytes < 1024 ||
			    o->batch_bytes > (1u << 30))
				return gt_cli_usage_error(usage, "--batch-bytes '%s' must be 1K to 1G", optarg);
			break;
		case O_START:
			if (gt_parse_i64(optarg, &o->start))
				return gt_cli_usage_error(usage, "--start '%s' is not an integer timestamp", optarg);
			break;
		case O_END:
			if (gt_parse_i64(optarg, &o->end))
				return gt_cli_usage_error(usage, "--end '%s' is not an integer timestamp", optarg);
			break;
		case O_WHERE:
			if (!strchr(optarg, '='))
				return gt_cli_usage_error(usage, "--where '%s' must be TAG=VALUE", optarg);
			if (o->nwhere == (int)GT_ARRAY_LEN(o->where))
				return gt_cli_usage_error(usage, "%s", "at most 64 --where");
			o->where[o->nwhere++] = optarg;
			break;
		case O_FIELDS: o->fields = optarg; break;
		case O_MEMTABLE:
			if (gt_parse_size(optarg, &o->memtable_bytes) || o->memtable_bytes < 4096)
				return gt_cli_usage_error(usage, "--memtable-bytes '%s' must be at least 4K", optarg);
			break;
		case O_PROGRESS: o->progress = true; break;
		case O_TTL: o->ttl = optarg; break;
		case O_FORMAT:
			if (gt_rowfmt_parse(optarg) < 0 && strcmp(optarg, "count"))
				return gt_cli_usage_error(usage, "unknown format '%s' (csv, lp, jsonl or count)", optarg);
			o->format = optarg;
			break;
		case O_FORCE: o->force = true; break;
		case O_REMOVE: o->remove_file = optarg; break;
		case O_FLUSHED:
			if (gt_parse_u64(optarg, &o->flushed_seq))
				return gt_cli_usage_error(usage, "--flushed-seq '%s' is not a sequence number", optarg);
			o->has_flushed_seq = true;
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
	if (!o->home)
		return gt_cli_usage_error(usage, "%s", "--data-home is required (or GT_DATA_HOME)");
	return 0;
}

/* Only write creates a data directory; the other subcommands need one. */
static int open_db(const struct opts *o, struct gt_db **db, bool background, struct gt_err *err)
{
	struct gt_engine_opts eo = {0};
	eo.data_home = o->home;
	eo.must_exist = !background;
	eo.wal.sync = (uint8_t)o->wal_sync;
	eo.background = background;
	eo.memtable_bytes = (size_t)o->memtable_bytes;
	eo.auto_compact = background;
	eo.log = gt_cli_log;
	return gt_db_open(db, &eo, err);
}

/*
 * write: two workers, each with its own buffer and builders.  Reading
 * the input and numbering its lines is serial (under the mutex); parsing
 * runs in parallel; writing runs one batch at a time in input order (a
 * ticket per batch), so a later line always wins over an earlier one and
 * --progress counts are exact.  A worker parses its batch while the other
 * waits for its WAL fsync.
 */
struct wshared {
	const struct opts *o;
	struct gt_db *db;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *carry;               /* bytes after the last newline of the previous read */
	size_t carry_len;
	bool eof, failed;
	uint64_t next_ticket, turn, line, total;
	int ex;
};

static void *write_worker(void *arg)
{
	struct wshared *w = arg;
	size_t cap = (size_t)w->o->batch_bytes;
	char *buf = malloc(cap);
	struct gt_ingest in;
	struct gt_err err = {0};

	gt_ingest_init(&in, w->db);
	for (;;) {
		size_t len = 0, cut;
		uint64_t ticket, first_line, nl = 0, rows = 0;
		int rc = 0;

		pthread_mutex_lock(&w->mu);
		if (!buf && !w->failed) {
			w->failed = true;
			w->ex = GT_EXIT_TEMP;
			gt_cli_errorf("out of memory");
		}
		if (w->failed || (w->eof && !w->carry_len)) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		memcpy(buf, w->carry, w->carry_len);
		len = w->carry_len;
		w->carry_len = 0;
		while (!w->eof && len < cap) {
			ssize_t n = read(0, buf + len, cap - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				gt_cli_errorf("cannot read standard input: %s", strerror(errno));
				w->ex = GT_EXIT_TEMP;
				w->failed = true;
				break;
			}
			if (n == 0)
				w->eof = true;
			len += (size_t)n;
		}
		/* a batch ends after the last whole line */
		cut = len;
		if (!w->failed && !w->eof) {
			char *p = memrchr(buf, '\n', len);
			if (!p) {
				gt_cli_errorf("line %" PRIu64 ": longer than --batch-bytes (%zu bytes)", w->line, cap);
				w->ex = GT_EXIT_PERM;
				w->failed = true;
			} else {
				cut = (size_t)(p - buf) + 1;
			}
		}
		if (w->failed) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		memcpy(w->carry, buf + cut, len - cut);
		w->carry_len = len - cut;
		for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + cut - p))); p++)
			nl++;
		ticket = w->next_ticket++;
		first_line = w->line;
		w->line += nl;
		pthread_mutex_unlock(&w->mu);

		rc = gt_ingest_parse(&in, buf, cut, w->o->precision, first_line, &err);

		pthread_mutex_lock(&w->mu);
		while (w->turn != ticket)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		/* our turn: batches before this one are written */
		if (!rc && !w->failed)
			rc = gt_ingest_commit(&in, w->o->db, &rows, &err);
		pthread_mutex_lock(&w->mu);
		if (rc && !w->failed) {
			gt_cli_errorf("%s", err.msg);
			w->ex = gt_exit_code(rc);
			w->failed = true;
		}
		if (!rc && !w->failed) {
			w->total += rows;
			if (w->o->progress) {
				/* every row up to here is durable: pipelines can resume from it */
				printf("acknowledged %" PRIu64 " rows, %" PRIu64 " lines\n", w->total,
				       first_line + nl - 1);
				fflush(stdout);
			}
		}
		w->turn++;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	gt_ingest_release(&in);
	free(buf);
	return NULL;
}

static int cmd_write(const struct opts *o)
{
	struct gt_err err = {0};
	struct wshared w = {0};
	pthread_t th[2];
	int n = 0, rc;

	w.o = o;
	w.line = 1;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	if (!(w.carry = malloc((size_t)o->batch_bytes))) {
		gt_cli_errorf("out of memory");
		return GT_EXIT_TEMP;
	}
	if ((rc = open_db(o, &w.db, true, &err))) {
		free(w.carry);
		return fail(rc, &err);
	}
	for (int i = 0; i < 2; i++)
		if (!pthread_create(&th[n], NULL, write_worker, &w))
			n++;
	if (!n)
		write_worker(&w);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	gt_db_close(w.db, 0);
	free(w.carry);
	printf("%" PRIu64 "\n", w.total);
	if (w.ex != GT_EXIT_OK)
		gt_cli_errorf("%" PRIu64 " rows were acknowledged before the error", w.total);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	return w.ex;
}

static const void *scan_key(void *ctx, uint32_t sid, size_t *len)
{
	return gt_table_scan_key(ctx, sid, len);
}

/* Build tag predicates from --where TAG=VALUE. */
static int make_preds(const struct opts *o, const struct gt_schema *s, struct gt_tag_pred *preds,
		      const char **vals, struct gt_err *err)
{
	for (int i = 0; i < o->nwhere; i++) {
		char *eq = strchr(o->where[i], '=');
		uint32_t tag = 0;
		bool found = false;
		*eq = '\0';
		for (uint32_t c = 0; c < s->ncols; c++) {
			if (s->cols[c].sem != GT_TAG)
				continue;
			if (!strcmp(s->cols[c].name, o->where[i])) {
				if (s->cols[c].type != GT_STRING)
					return gt_errf(err, GT_EINVAL, "--where: tag '%s' is not a string tag", o->where[i]);
				found = true;
				break;
			}
			tag++;
		}
		if (!found)
			return gt_errf(err, GT_EINVAL, "--where: '%s' is not a tag of table '%s'", o->where[i], o->table);
		vals[i] = eq + 1;
		preds[i].tag = tag;
		preds[i].op = GT_PRED_EQ;
		preds[i].nvals = 1;
		preds[i].vals = &vals[i];
	}
	return 0;
}

static int cmd_scan(const struct opts *o)
{
	struct gt_err err = {0};
	struct gt_db *db;
	struct gt_table_info t;
	struct gt_scan_req req = {0};
	struct gt_tag_pred preds[64];
	const char *vals[64];
	uint32_t ids[GT_MAX_COLUMNS];
	struct gt_table_scan *ts = NULL;
	struct gt_rowfmt rf;
	const struct gt_batch *b;
	struct gt_schema shown = {0};
	int rc;

	if (!o->table)
		return gt_cli_usage_error(usage, "%s", "scan needs --table");
	if ((rc = open_db(o, &db, false, &err)))
		return fail(rc, &err);
	if ((rc = gt_db_table(db, o->db, o->table, &t, &err))) {
		gt_db_close(db, 0);
		return fail(rc, &err);
	}
	req.start = o->start;
	req.end = o->end;
	if ((rc = make_preds(o, &t.schema, preds, vals, &err)))
		goto out;
	req.preds = preds;
	req.npreds = (uint32_t)o->nwhere;
	if ((rc = gt_schema_copy(&shown, &t.schema)))
		goto out;
	if (o->fields) {
		char *list = gt_strdup(o->fields), *save = NULL;
		for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
			int c = gt_schema_find(&t.schema, f);
			if (c < 0 || t.schema.cols[c].sem != GT_FIELD) {
				rc = gt_errf(&err, GT_EINVAL, "--fields: '%s' is not a field of table '%s'", f, o->table);
				break;
			}
			if (req.nfields == GT_MAX_COLUMNS) {
				rc = gt_errf(&err, GT_EINVAL, "--fields: more than %d names", GT_MAX_COLUMNS);
				break;
			}
			ids[req.nfields++] = t.schema.cols[c].id;
		}
		free(list);
		if (rc)
			goto out;
		req.field_ids = ids;
		/* show only the fields asked for */
		for (uint32_t c = 0; c < shown.ncols;) {
			bool keep = shown.cols[c].sem != GT_FIELD;
			for (uint32_t k = 0; k < req.nfields && !keep; k++)
				keep = shown.cols[c].id == ids[k];
			if (keep)
				c++;
			else
				gt_schema_drop(&shown, shown.cols[c].name, NULL);
		}
	}
	if ((rc = gt_db_scan(db, &t, &req, &ts, &err)))
		goto out;
	if (!strcmp(o->format, "count")) {
		/* rows and values only: what the engine's scan costs, without formatting */
		uint64_t rows = 0, values = 0;
		while ((rc = gt_table_scan_next(ts, &b, &err)) == 1) {
			rows += b->nrows;
			values += (uint64_t)b->nrows * (b->ncols - 1);
		}
		if (!rc)
			printf("%" PRIu64 " rows, %" PRIu64 " field values\n", rows, values);
		goto out;
	}
	gt_rowfmt_init(&rf, gt_rowfmt_parse(o->format), &shown, o->table, stdout);
	while ((rc = gt_table_scan_next(ts, &b, &err)) == 1) {
		if ((rc = gt_rowfmt_batch(&rf, b, scan_key, ts))) {
			gt_errf(&err, rc, "cannot write the output: %s", strerror(errno));
			break;
		}
	}
	if (rc == 0 && gt_rowfmt_parse(o->format) == GT_FMT_CSV && !rf.header_done)
		gt_rowfmt_batch(&rf, &(struct gt_batch){0}, scan_key, ts);
	gt_rowfmt_release(&rf);
out:
	gt_table_scan_free(ts);
	gt_schema_release(&shown);
	gt_table_info_release(&t);
	gt_db_close(db, 0);
	if (fflush(stdout) && !rc)
		rc = gt_errf(&err, GT_EIO, "cannot write the output: %s", strerror(errno));
	return rc ? fail(rc, &err) : GT_EXIT_OK;
}

static int flush_table(struct gt_db *db, const char *dbname, const char *name, struct gt_err *err)
{
	struct gt_table_info t;
	int rc = gt_db_table(db, dbname, name, &t, err);
	for (uint32_t i = 0; !rc && i < t.nregions; i++) {
		struct gt_region_stats st;
		uint64_t id = gt_table_region(&t, i);
		if (!(rc = db->rc.ops->flush(db->rc.self, id, err)) &&
		    !(rc = db->rc.ops->stats(db->rc.self, id, &st, err)))
			printf("%s.%s region %" PRIu64 ": flushed to sequence %" PRIu64 ", %" PRIu64 " files, %" PRIu64 " bytes\n",
			       dbname, name, id, st.flushed_seq, st.files, st.file_bytes);
	}
	if (!rc)
		gt_table_info_release(&t);
	return rc;
}

static int cmd_flush(const struct opts *o)
{
	struct gt_err err = {0};
	struct gt_db *db;
	char **names = NULL;
	int rc;

	if ((rc = open_db(o, &db, false, &err)))
		return fail(rc, &err);
	if (o->table)
		rc = flush_table(db, o->db, o->table, &err);
	else if (!(rc = db->mc.ops->list_tables(db->mc.self, o->db, &names, &err)))
		for (char **n = names; *n && !rc; n++)
			rc = flush_table(db, o->db, *n, &err);
	gt_strv_free(names);
	gt_db_close(db, 0);
	return rc ? fail(rc, &err) : GT_EXIT_OK;
}

static int cmd_tables(const struct opts *o)
{
	struct gt_err err = {0};
	struct gt_catalog *c;
	char path[4096], **names = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/catalog.json", o->home);
	if ((rc = gt_catalog_open(&c, path, false, &err)))
		return fail(rc, &err);
	if (!(rc = gt_catalog_list_tables(c, o->db, &names, &err))) {
		for (char **n = names; *n; n++) {
			struct gt_table_info t;
			if (gt_catalog_get_table(c, o->db, *n, &t, &err))
				continue;
			printf("%s\t%u\t%u\t%u columns\n", t.name, t.id, t.nregions, t.schema.ncols);
			gt_table_info_release(&t);
		}
	}
	gt_strv_free(names);
	gt_catalog_close(c);
	return rc ? fail(rc, &err) : GT_EXIT_OK;
}

/* The table's region dirs, read from the catalog without locking. */
static int table_regions(const struct opts *o, struct gt_table_info *t, struct gt_err *err)
{
	struct gt_catalog *c;
	char path[4096];
	int rc;

	if (!o->table)
		return gt_errf(err, GT_EINVAL, "--table is required");
	snprintf(path, sizeof(path), "%s/catalog.json", o->home);
	if ((rc = gt_catalog_open(&c, path, false, err)))
		return rc;
	rc = gt_catalog_get_table(c, o->db, o->table, t, err);
	gt_catalog_close(c);
	return rc;
}

/* Which records `wal dump --table` shows: the table's regions (all when t is NULL). */
struct dump_filter {
	const struct gt_table_info *t;
};

static int dump_record(void *ctx, uint64_t region, uint64_t seq, uint32_t count, const void *p, size_t len)
{
	const struct dump_filter *f = ctx;
	struct gt_batch b;
	struct gt_err err = {0};
	int rc;

	if (f && f->t && (GT_REGION_TABLE(region) != f->t->id || GT_REGION_NUM(region) >= f->t->nregions))
		return 0;
	gt_batch_init(&b);
	rc = gt_batch_decode(&b, p, len, &err);
	printf("region=%" PRIu64 " seq=%" PRIu64 " rows=%u bytes=%zu", region, seq, count, len);
	if (rc) {
		printf(" payload=damaged (%s)\n", err.msg);
	} else {
		printf(" columns=");
		for (uint32_t c = 0; c < b.ncols; c++)
			printf("%s%u:%s", c ? "," : "", b.col_ids[c], gt_type_name(b.cols[c].type, GT_UNIT_NS));
		printf("%s\n", b.op ? " ops" : "");
	}
	gt_batch_release(&b);
	return 0;
}

static int dump_file(const char *path, const struct dump_filter *f)
{
	struct gt_buf b = {0};
	struct gt_err err = {0};
	int rc = gt_read_file(path, (size_t)1 << 32, &b, &err);
	if (rc)
		return fail(rc, &err);
	printf("# %s\n", path);
	rc = gt_wal_read_segment(b.p, b.len, dump_record, (void *)f, &err);
	gt_buf_release(&b);
	if (rc) {
		gt_cli_errorf("%s: %s", path, err.msg);
		return GT_EXIT_NO;
	}
	return GT_EXIT_OK;
}

static int cmd_wal(int argc, char **argv)
{
	struct opts o;
	struct gt_err err = {0};
	struct gt_table_info t;
	int rc, ex = GT_EXIT_OK;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return GT_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "dump"))
		return gt_cli_usage_error(usage, "%s", "wal: the subcommand is 'dump'");
	if (argc > 2 && argv[2][0] != '-') {
		for (int i = 2; i < argc; i++) {
			int e = dump_file(argv[i], NULL);
			if (e > ex)
				ex = e;
		}
		return ex;
	}
	if ((rc = parse_opts(argc - 1, argv + 1, &o)))
		return rc;
	if ((rc = table_regions(&o, &t, &err)))
		return fail(rc, &err);
	/* the log is shared by every region: show the table's records */
	struct dump_filter f = {&t};
	char dir[4096];
	struct dirent **names;
	int n;
	snprintf(dir, sizeof(dir), "%s/wal", o.home);
	n = scandir(dir, &names, NULL, alphasort);
	for (int k = 0; k < n; k++) {
		char path[8192];
		size_t nl = strlen(names[k]->d_name);
		if (nl > 4 && !strcmp(names[k]->d_name + nl - 4, ".wal")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[k]->d_name);
			int e = dump_file(path, &f);
			if (e > ex)
				ex = e;
		}
		free(names[k]);
	}
	if (n >= 0)
		free(names);
	gt_table_info_release(&t);
	return ex;
}

static int cmd_manifest(int argc, char **argv)
{
	struct opts o;
	struct gt_err err = {0};
	struct gt_table_info t;
	bool edit;
	int rc;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return GT_EXIT_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "show") && strcmp(argv[1], "edit")))
		return gt_cli_usage_error(usage, "%s", "manifest: the subcommands are 'show' and 'edit'");
	edit = !strcmp(argv[1], "edit");
	if ((rc = parse_opts(argc - 1, argv + 1, &o)))
		return rc;
	if (edit && !o.force)
		return gt_cli_usage_error(usage, "%s", "manifest edit changes what the region believes it holds; add --force to do it");
	if (edit && !o.remove_file && !o.has_flushed_seq)
		return gt_cli_usage_error(usage, "%s", "manifest edit needs --remove-file ID or --flushed-seq N");
	if ((rc = table_regions(&o, &t, &err)))
		return fail(rc, &err);
	struct gt_engine *eng = NULL;
	struct gt_objstore *os = NULL;
	if (edit) {
		/* take the data directory lock: no writer may run meanwhile */
		struct gt_engine_opts eo = {0};
		eo.data_home = o.home;
		eo.log = gt_cli_log;
		if ((rc = gt_engine_open(&eng, &eo, &err)))
			goto out;
		os = gt_engine_store(eng);
	} else if ((rc = gt_objstore_open_local(&os, o.home, &err))) {
		goto out;
	}
	for (uint32_t i = 0; i < t.nregions && !rc; i++) {
		char dir[1024];
		struct gt_manifest *m;
		gt_region_dir(dir, sizeof(dir), t.db, gt_table_region(&t, i));
		if ((rc = gt_manifest_open(&m, os, dir, &err)))
			break;
		if (edit) {
			struct gt_manifest_edit e = {0};
			const char *rm[1] = {o.remove_file};
			if (o.remove_file) {
				e.remove = rm;
				e.nremove = 1;
			}
			e.flushed_seq = o.flushed_seq;
			rc = gt_manifest_commit(m, &e, &err);
		}
		if (!rc) {
			json_t *j = gt_region_state_to_json(gt_manifest_state(m));
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
			printf("%s\n", s ? s : "null");
			free(s);
			json_decref(j);
		}
		gt_manifest_close(m);
	}
out:
	if (eng)
		gt_engine_close(eng, 0);
	else if (os)
		gt_objstore_close(os);
	gt_table_info_release(&t);
	return rc ? fail(rc, &err) : GT_EXIT_OK;
}

/* "7d", "24h", "30m", "90s", "1w", "0" (forever) -> milliseconds. */
static int parse_duration_ms(const char *s, int64_t *out)
{
	static const struct { char u; int64_t ms; } units[] = {
		{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}, {'w', 604800000},
	};
	char *end;
	long long v;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return GT_EINVAL;
	if (!*end && v == 0) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < GT_ARRAY_LEN(units); i++)
		if (end[0] == units[i].u && !end[1] && v <= INT64_MAX / units[i].ms) {
			*out = v * units[i].ms;
			return 0;
		}
	return GT_EINVAL;
}

static int cmd_alter(const struct opts *o)
{
	struct gt_err err = {0};
	struct gt_db *db;
	struct gt_table_info t;
	struct gt_schema s;
	int64_t ttl;
	int rc;

	if (!o->table || !o->ttl)
		return gt_cli_usage_error(usage, "%s", "alter needs --table and --ttl");
	if (parse_duration_ms(o->ttl, &ttl))
		return gt_cli_usage_error(usage, "--ttl '%s' must be a duration like 7d, 24h, 30m or 0", o->ttl);
	if ((rc = open_db(o, &db, false, &err)))
		return fail(rc, &err);
	if (!(rc = gt_db_table(db, o->db, o->table, &t, &err))) {
		if (!(rc = gt_schema_copy(&s, &t.schema))) {
			s.opts.ttl_ms = ttl;
			s.version++;
			rc = gt_db_alter_table(db, &t, &s, &err);
			gt_schema_release(&s);
		}
		gt_table_info_release(&t);
	}
	gt_db_close(db, 0);
	return rc ? fail(rc, &err) : GT_EXIT_OK;
}

/*
 * serve: the datanode in the foreground.  Signals are taken by sigwait
 * in this thread only; the ready line goes to stderr once the node
 * listens and gt-meta answered its first heartbeat; SIGTERM or SIGINT
 * stops it gracefully (memtables flushed), exit 0.
 */
static int cmd_serve(int argc, char **argv)
{
	static const struct option serve_opts[] = {
		{"data-home", required_argument, NULL, 'd'},
		{"node-id", required_argument, NULL, 'n'},
		{"addr", required_argument, NULL, 'a'},
		{"meta", required_argument, NULL, 'm'},
		{"heartbeat-ms", required_argument, NULL, 'h'},
		{"wal-sync", required_argument, NULL, 'w'},
		{"wal-purge-bytes", required_argument, NULL, 'p'},
		{"memtable-bytes", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	struct gt_datanode_opts o = {0};
	struct gt_datanode *d;
	struct gt_err err = {0};
	struct timespec tick = {0, 50 * 1000000};
	sigset_t set;
	bool said = false;
	int c, rc, sig;
	uint64_t v;

	o.data_home = getenv("GT_DATA_HOME");
	o.heartbeat_ms = 1000;
	o.log = gt_cli_log;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", serve_opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.data_home = optarg; break;
		case 'a': o.addr = optarg; break;
		case 'm': o.meta = optarg; break;
		case 'n':
			if (gt_parse_u64(optarg, &v))
				return gt_cli_usage_error(usage, "--node-id '%s' must be a number", optarg);
			o.node_id = v;
			break;
		case 'h':
			if (gt_parse_u64(optarg, &v) || v < 10 || v > 3600000)
				return gt_cli_usage_error(usage, "--heartbeat-ms '%s' must be 10 to 3600000", optarg);
			o.heartbeat_ms = (int)v;
			break;
		case 'w':
			if ((o.wal_sync = gt_wal_sync_parse(optarg)) < 0)
				return gt_cli_usage_error(usage, "unknown --wal-sync '%s'", optarg);
			break;
		case 'p':
			if (gt_parse_size(optarg, &o.wal_purge_bytes) || o.wal_purge_bytes < 4096)
				return gt_cli_usage_error(usage, "--wal-purge-bytes '%s' must be at least 4K", optarg);
			break;
		case 't':
			if (gt_parse_size(optarg, &o.memtable_bytes) || o.memtable_bytes < 4096)
				return gt_cli_usage_error(usage, "--memtable-bytes '%s' must be at least 4K", optarg);
			break;
		default:
			return gt_cli_usage_error(usage, "%s", "bad option for serve");
		}
	}
	if (optind < argc)
		return gt_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!o.data_home || !o.addr || !o.meta)
		return gt_cli_usage_error(usage, "%s", "serve needs --data-home, --node-id, --addr and --meta");

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = gt_datanode_start(&d, &o, &err)))
		return fail(rc, &err);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (!said && gt_datanode_ready(d)) {
			gt_cli_ready(-1, "ready node=%" PRIu64 " addr=%s", o.node_id, gt_datanode_addr(d));
			said = true;
		}
	}
	gt_datanode_stop(d);
	return GT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc;

	gt_cli_init(argv[0]);
	if (argc < 2)
		return gt_cli_usage_error(usage, "%s", "a subcommand is required");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return GT_EXIT_OK;
	}
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "wal"))
		return cmd_wal(argc - 1, argv + 1);
	if (!strcmp(argv[1], "manifest"))
		return cmd_manifest(argc - 1, argv + 1);
	if ((rc = parse_opts(argc - 1, argv + 1, &o)))
		return rc;
	if (optind + 1 < argc)
		return gt_cli_usage_error(usage, "unexpected argument '%s'", argv[optind + 1]);
	if (!strcmp(argv[1], "write"))
		return cmd_write(&o);
	if (!strcmp(argv[1], "scan"))
		return cmd_scan(&o);
	if (!strcmp(argv[1], "flush"))
		return cmd_flush(&o);
	if (!strcmp(argv[1], "tables"))
		return cmd_tables(&o);
	if (!strcmp(argv[1], "alter"))
		return cmd_alter(&o);
	return gt_cli_usage_error(usage, "unknown subcommand '%s'", argv[1]);
}
