/*
 * gt-sst - inspect, dump and verify SST files (man/man1/gt-sst.1).
 * A thin main over lib/sst.c: parse, call the library, map the result
 * to the exit table.  Subcommands live in one table; adding one (the
 * coming `write`) is a function and a row.
 */
#include "gt.h"
#include "batch.h"
#include "db.h"
#include "ingest.h"
#include "key.h"
#include "lp.h"
#include "rowfmt.h"
#include "schema.h"
#include "sst.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>



/* The synopsis, shared by --help and the man page's SYNOPSIS (a test
 * compares them). */
static const char synopsis[] =
	"usage: gt-sst stat FILE\n"
	"       gt-sst dump [--format csv|lp|jsonl] [--table NAME] [--meta] FILE\n"
	"       gt-sst verify FILE...\n"
	"       gt-sst write -o FILE [--precision ns|us|ms|s]\n"
	"       gt-sst --help\n";

static int usage_error(const char *msg)
{
	fprintf(stderr, "gt-sst: %s (try 'gt-sst --help')\n", msg);
	return GT_EXIT_PERM;
}

static int open_or_die(struct gt_sst **s, const char *path)
{
	struct gt_err err = {0};
	int rc = gt_sst_open(s, path, &err);
	if (rc)
		fprintf(stderr, "gt-sst: %s\n", err.msg);
	return rc;
}

static const char *col_name(const struct gt_schema *sc, uint32_t id)
{
	int i;
	switch (id) {
	case GT_SST_COL_SID:
		return "(series)";
	case GT_SST_COL_SEQ:
		return "(seq)";
	case GT_SST_COL_OP:
		return "(op)";
	default:
		i = gt_schema_find_id(sc, id);
		return i < 0 ? "?" : sc->cols[i].name;
	}
}

static const char *sem_name(unsigned sem)
{
	return sem == GT_TAG ? "tag" : sem == GT_TIME ? "time" : "field";
}

/* ---- stat ----------------------------------------------------------- */

static int cmd_stat(int argc, char **argv)
{
	struct gt_sst *s;
	struct gt_sst_layout l;
	const struct gt_sst_colinfo *ci;
	const struct gt_sst_meta *m;
	uint32_t nci, nfields = 0;
	uint64_t colsum = 0;
	int ti;

	if (argc != 2)
		return usage_error("stat takes one FILE");
	if (open_or_die(&s, argv[1]))
		return GT_EXIT_PERM;
	m = gt_sst_meta(s);
	gt_sst_layout(s, &l);
	nci = gt_sst_colinfo(s, &ci);
	ti = gt_schema_time_index(&m->schema);
	for (uint32_t i = 0; i < m->schema.ncols; i++)
		nfields += m->schema.cols[i].sem == GT_FIELD;
	uint64_t values = m->rows * nfields;

	printf("file: %s\n", argv[1]);
	printf("format: gt-sst v%u\n", l.version);
	printf("table: %s\n", gt_sst_table(s) ? gt_sst_table(s) : "-");
	printf("bytes: %llu\n", (unsigned long long)m->file_bytes);
	printf("rows: %llu\n", (unsigned long long)m->rows);
	printf("series: %u\n", m->nseries);
	printf("blocks: %u\n", m->nblocks);
	printf("block rows: %u\n", l.block_rows);
	printf("time range: %lld .. %lld (%s)\n", (long long)m->min_ts, (long long)m->max_ts,
	       gt_unit_name((enum gt_unit)m->schema.cols[ti].unit));
	printf("seq range: %llu .. %llu\n", (unsigned long long)m->min_seq, (unsigned long long)m->max_seq);
	printf("values: %llu\n", (unsigned long long)values);
	if (values)
		printf("bytes/value: %.4f\n", (double)m->file_bytes / (double)values);
	else
		printf("bytes/value: -\n");
	printf("schema:\n");
	for (uint32_t i = 0; i < m->schema.ncols; i++) {
		const struct gt_coldef *c = &m->schema.cols[i];
		printf("  %-24s id %-4u %-5s %s\n", c->name, c->id, sem_name(c->sem),
		       gt_ltype_name((enum gt_type)c->type, (enum gt_unit)c->unit, c->lt));
	}
	printf("storage:\n");
	printf("  %-24s %-16s %12s %12s\n", "column", "encoding", "bytes", "bytes/row");
	for (uint32_t k = 0; k < nci; k++) {
		printf("  %-24s %-16s %12llu %12.4f\n", col_name(&m->schema, ci[k].col_id), ci[k].encoding,
		       (unsigned long long)ci[k].bytes, m->rows ? (double)ci[k].bytes / (double)m->rows : 0.0);
		colsum += ci[k].bytes;
	}
	printf("  %-24s %-16s %12llu\n", "(block headers)", "-", (unsigned long long)(l.blocks_len - colsum));
	printf("  %-24s %-16s %12llu\n", "(header)", "-", (unsigned long long)l.blocks_off);
	printf("  %-24s %-16s %12llu\n", "(schema)", "-", (unsigned long long)l.schema_len);
	printf("  %-24s %-16s %12llu\n", "(series keys)", "-", (unsigned long long)l.keys_len);
	printf("  %-24s %-16s %12llu\n", "(index)", "-", (unsigned long long)l.index_len);
	printf("  %-24s %-16s %12llu\n", "(footer)", "-", (unsigned long long)l.footer_len);
	gt_sst_close(s);
	return fflush(stdout) ? GT_EXIT_TEMP : GT_EXIT_OK;
}

/* ---- dump ----------------------------------------------------------- */

static const void *file_key(void *ctx, uint32_t sid, size_t *len)
{
	return gt_sst_key(ctx, sid, len);
}

static int cmd_dump(int argc, char **argv)
{
	int fmt = GT_FMT_CSV, meta = 0, rc = 0;
	const char *table = NULL, *path = NULL;
	struct gt_sst *s;
	struct gt_err err = {0};
	struct gt_batch b;
	struct gt_rowfmt rf;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--format") && i + 1 < argc) {
			if ((fmt = gt_rowfmt_parse(argv[++i])) < 0)
				return usage_error("--format takes csv, lp or jsonl");
		} else if (!strcmp(a, "--table") && i + 1 < argc) {
			table = argv[++i];
		} else if (!strcmp(a, "--meta")) {
			meta = 1;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("dump: unknown option");
		} else if (path) {
			return usage_error("dump takes one FILE");
		} else {
			path = a;
		}
	}
	if (!path)
		return usage_error("dump takes one FILE");
	if (open_or_die(&s, path))
		return GT_EXIT_PERM;
	if (!table)
		table = gt_sst_table(s) ? gt_sst_table(s) : "t";
	gt_rowfmt_init(&rf, fmt, &gt_sst_meta(s)->schema, table, stdout);
	rf.meta = meta;
	gt_batch_init(&b);
	for (uint32_t bi = 0; bi < gt_sst_meta(s)->nblocks && !rc; bi++) {
		if ((rc = gt_sst_read_block(s, bi, NULL, 0, &b, &err)))
			fprintf(stderr, "gt-sst: %s\n", err.msg);
		else if ((rc = gt_rowfmt_batch(&rf, &b, file_key, s)) == GT_ECORRUPT)
			fprintf(stderr, "gt-sst: %s: a series key does not decode\n", path);
	}
	if (!rc && fmt == GT_FMT_CSV && !rf.header_done) {
		struct gt_batch none = {0};
		rc = gt_rowfmt_batch(&rf, &none, file_key, s);
	}
	gt_rowfmt_release(&rf);
	gt_batch_release(&b);
	gt_sst_close(s);
	if (fflush(stdout) || rc == GT_EIO) {
		fprintf(stderr, "gt-sst: cannot write: %s\n", strerror(errno));
		return GT_EXIT_TEMP;
	}
	return rc ? gt_exit_code(rc) : GT_EXIT_OK;
}

/* ---- write ----------------------------------------------------------- */

/*
 * Line protocol on stdin -> one SST.  The rows go through the engine
 * itself, in a scratch data directory next to the output: the same
 * ingest, dedup and writer as a flush, so the file is exactly what gt
 * would have written.  One measurement per file.
 */
static int cmd_write(int argc, char **argv)
{
	const char *out = NULL;
	int precision = GT_UNIT_NS, rc;
	struct gt_err err = {0};
	struct gt_engine_opts eo = {0};
	struct gt_db *db = NULL;
	struct gt_ingest in;
	struct gt_buf text = {0};
	char home[4096], **tables = NULL;
	uint64_t rows = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--precision") && i + 1 < argc) {
			if ((precision = gt_lp_precision(argv[++i])) < 0)
				return usage_error("unknown --precision");
		} else
			return usage_error("write: unknown argument");
	}
	if (!out)
		return usage_error("write needs -o FILE");
	char *slash = strrchr(out, '/');
	snprintf(home, sizeof(home), "%.*s.gt-sst-write.XXXXXX", slash ? (int)(slash - out + 1) : 0, out);
	if (!mkdtemp(home)) {
		fprintf(stderr, "gt-sst: cannot make a scratch directory next to '%s': %s\n", out, strerror(errno));
		return GT_EXIT_TEMP;
	}
	for (;;) {
		if ((rc = gt_buf_grow(&text, 1 << 20))) {
			gt_errf(&err, rc, "standard input is too large");
			goto out;
		}
		ssize_t n = read(0, text.p + text.len, text.cap - text.len - 1);
		if (n < 0) {
			rc = gt_errf(&err, GT_EIO, "cannot read standard input: %s", strerror(errno));
			goto out;
		}
		if (!n)
			break;
		text.len += (size_t)n;
	}
	eo.data_home = home;
	eo.memtable_bytes = SIZE_MAX / 2;   /* one flush: one file */
	eo.wal.sync = GT_WAL_SYNC_NONE;     /* the output file is synced; the scratch WAL is thrown away */
	if ((rc = gt_db_open(&db, &eo, &err)))
		goto out;
	gt_ingest_init(&in, db);
	rc = gt_ingest_lp(&in, GT_DEFAULT_DB, text.p ? text.p : "", text.len, precision, 1, &rows, &err);
	gt_ingest_release(&in);
	if (rc)
		goto out;
	if ((rc = db->mc.ops->list_tables(db->mc.self, GT_DEFAULT_DB, &tables, &err)))
		goto out;
	if (!tables[0] || tables[1]) {
		rc = gt_errf(&err, GT_EINVAL, "write takes exactly one measurement, the input has %s",
			     tables[0] ? "several" : "none");
		goto out;
	}
	struct gt_table_info t;
	if ((rc = gt_db_table(db, GT_DEFAULT_DB, tables[0], &t, &err)))
		goto out;
	struct gt_region *r = gt_engine_region(db->engine, gt_table_region(&t, 0));
	if (!(rc = gt_region_flush(r, &err))) {
		/* the one file the flush made */
		char dir[1024], key[1200];
		const struct gt_region_state *st;
		gt_region_dir(dir, sizeof(dir), t.db, gt_table_region(&t, 0));
		struct gt_manifest *m;
		if (!(rc = gt_manifest_open(&m, gt_engine_store(db->engine), dir, &err))) {
			st = gt_manifest_state(m);
			if (st->nfiles != 1) {
				rc = gt_errf(&err, GT_EINVAL, "the input made %u files", st->nfiles);
			} else {
				snprintf(key, sizeof(key), "%s/%s" GT_SST_SUFFIX, dir, st->files[0].id);
				char *src = gt_objstore_local_path(gt_engine_store(db->engine), key);
				if (!src || rename(src, out))
					rc = gt_errf(&err, GT_EIO, "cannot move the file to '%s': %s", out, strerror(errno));
				else if (slash) {
					char d[4096];
					snprintf(d, sizeof(d), "%.*s", (int)(slash - out) + (slash == out), out);
					rc = gt_fsync_dir(d, &err);
				} else {
					rc = gt_fsync_dir(".", &err);
				}
				free(src);
			}
			gt_manifest_close(m);
		}
	}
	gt_table_info_release(&t);
out:
	gt_strv_free(tables);
	gt_buf_release(&text);
	gt_db_close(db, 0);
	gt_rm_tree(home);
	if (rc) {
		fprintf(stderr, "gt-sst: %s\n", err.msg);
		return gt_exit_code(rc);
	}
	printf("%llu\n", (unsigned long long)rows);
	return GT_EXIT_OK;
}

/* ---- verify --------------------------------------------------------- */

static int cmd_verify(int argc, char **argv)
{
	int worst = GT_EXIT_OK;
	if (argc < 2)
		return usage_error("verify takes at least one FILE");
	for (int i = 1; i < argc; i++) {
		struct gt_err err = {0};
		int rc = gt_sst_verify(argv[i], &err);
		if (!rc)
			continue;
		/* damage (the message names the file and the offset) is a "no";
		 * a file that cannot be read at all is an error */
		fprintf(stderr, "gt-sst: %s\n", err.msg);
		if (rc == GT_ECORRUPT)
			worst = worst == GT_EXIT_OK ? GT_EXIT_NO : worst;
		else
			worst = gt_exit_code(rc) > worst ? gt_exit_code(rc) : worst;
	}
	return worst;
}

/* ---- main ----------------------------------------------------------- */

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{"stat", cmd_stat},
	{"dump", cmd_dump},
	{"verify", cmd_verify},
	{"write", cmd_write},
};

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(synopsis, stdout);
		return fflush(stdout) ? GT_EXIT_TEMP : GT_EXIT_OK;
	}
	for (size_t i = 0; i < GT_ARRAY_LEN(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "gt-sst: unknown command '%s' (try 'gt-sst --help')\n", argv[1]);
	return GT_EXIT_PERM;
}
