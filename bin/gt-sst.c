/*
 * gt-sst - inspect, dump and verify SST files (man/man1/gt-sst.1).
 * A thin main over lib/sst.c: parse, call the library, map the result
 * to the exit table.  Subcommands live in one table; adding one (the
 * coming `write`) is a function and a row.
 */
#include "gt.h"
#include "batch.h"
#include "key.h"
#include "schema.h"
#include "sst.h"

#include <errno.h>
#include <math.h>

/* The synopsis, shared by --help and the man page's SYNOPSIS (a test
 * compares them). */
static const char synopsis[] =
	"usage: gt-sst stat FILE\n"
	"       gt-sst dump [--format csv|lp|jsonl] [--table NAME] [--meta] FILE\n"
	"       gt-sst verify FILE...\n"
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
		       gt_type_name((enum gt_type)c->type, (enum gt_unit)c->unit));
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

enum fmt { F_CSV, F_LP, F_JSONL };

/* Shortest text that reads back as the same double. */
static void put_f64(FILE *f, double v, enum fmt fmt)
{
	char b[40];
	if (isnan(v)) {
		fputs(fmt == F_JSONL ? "\"NaN\"" : "NaN", f);
		return;
	}
	if (isinf(v)) {
		fputs(fmt == F_JSONL ? (v > 0 ? "\"Infinity\"" : "\"-Infinity\"") : (v > 0 ? "+Inf" : "-Inf"), f);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(b, sizeof(b), "%.*g", prec, v);
		if (strtod(b, NULL) == v)
			break;
	}
	fputs(b, f);
}

static void put_csv_str(FILE *f, const char *p, size_t n)
{
	int quote = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			quote = 1;
	if (!quote) {
		fwrite(p, 1, n, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			fputc('"', f);
		fputc(p[i], f);
	}
	fputc('"', f);
}

static void put_json_str(FILE *f, const char *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Line protocol escapes: `special` lists what takes a backslash. */
static void put_lp(FILE *f, const char *p, size_t n, const char *special)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (strchr(special, p[i]) && p[i])
			fputc('\\', f);
		fputc(p[i], f);
	}
}

static void put_value(FILE *f, const struct gt_vec *v, uint32_t r, enum fmt fmt)
{
	uint32_t n;
	const char *p;
	switch (v->type) {
	case GT_F64:
		put_f64(f, v->v.f64[r], fmt);
		break;
	case GT_I64:
	case GT_TS:
		fprintf(f, "%lld%s", (long long)v->v.i64[r], fmt == F_LP && v->type == GT_I64 ? "i" : "");
		break;
	case GT_U64:
		fprintf(f, "%llu%s", (unsigned long long)v->v.u64[r], fmt == F_LP ? "u" : "");
		break;
	case GT_BOOL:
		fputs(v->v.b[r] ? "true" : "false", f);
		break;
	case GT_STRING:
		p = gt_vec_str(v, r, &n);
		if (fmt == F_CSV)
			put_csv_str(f, p, n);
		else if (fmt == F_JSONL)
			put_json_str(f, p, n);
		else {
			fputc('"', f);
			put_lp(f, p, n, "\"\\");
			fputc('"', f);
		}
		break;
	}
}

static int cmd_dump(int argc, char **argv)
{
	enum fmt fmt = F_CSV;
	const char *table = NULL, *path = NULL;
	int meta = 0, rc = 0;
	struct gt_sst *s;
	struct gt_err err = {0};
	struct gt_batch b;
	struct gt_buf scratch = {0};
	struct gt_key_part *parts = NULL;
	uint32_t *tagcols = NULL, ntags = 0, cursid = UINT32_MAX;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--format") && i + 1 < argc) {
			const char *v = argv[++i];
			if (!strcmp(v, "csv"))
				fmt = F_CSV;
			else if (!strcmp(v, "lp"))
				fmt = F_LP;
			else if (!strcmp(v, "jsonl"))
				fmt = F_JSONL;
			else
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
	const struct gt_sst_meta *m = gt_sst_meta(s);
	const struct gt_schema *sc = &m->schema;
	if (!table)
		table = gt_sst_table(s) ? gt_sst_table(s) : "t";
	ntags = gt_schema_ntags(sc);
	tagcols = gt_calloc(ntags + 1, sizeof(*tagcols));
	parts = gt_calloc(ntags + 1, sizeof(*parts));
	if (!tagcols || !parts) {
		fprintf(stderr, "gt-sst: out of memory\n");
		return GT_EXIT_TEMP;
	}
	for (uint32_t i = 0, k = 0; i < sc->ncols; i++)
		if (sc->cols[i].sem == GT_TAG)
			tagcols[k++] = i;
	/* batch column of each schema column: time is 0, fields follow in schema order */
	int *bcol = gt_calloc(sc->ncols + 1, sizeof(*bcol));
	int *tagno = gt_calloc(sc->ncols + 1, sizeof(*tagno));
	if (!bcol || !tagno) {
		fprintf(stderr, "gt-sst: out of memory\n");
		return GT_EXIT_TEMP;
	}
	for (uint32_t i = 0, f = 0, t = 0; i < sc->ncols; i++) {
		tagno[i] = sc->cols[i].sem == GT_TAG ? (int)t++ : -1;
		bcol[i] = sc->cols[i].sem == GT_TIME ? 0 : sc->cols[i].sem == GT_FIELD ? (int)++f : -1;
	}
	if (fmt == F_CSV) {
		for (uint32_t i = 0; i < sc->ncols; i++) {
			if (i)
				fputc(',', stdout);
			put_csv_str(stdout, sc->cols[i].name, strlen(sc->cols[i].name));
		}
		if (meta)
			fputs(",__seq,__op", stdout);
		fputc('\n', stdout);
	}
	gt_batch_init(&b);
	int ti = gt_schema_time_index(sc);
	for (uint32_t bi = 0; bi < m->nblocks && !rc; bi++) {
		if ((rc = gt_sst_read_block(s, bi, NULL, 0, &b, &err))) {
			fprintf(stderr, "gt-sst: %s\n", err.msg);
			break;
		}
		for (uint32_t r = 0; r < b.nrows; r++) {
			if (b.sid[r] != cursid) {
				size_t klen;
				const void *key = gt_sst_key(s, b.sid[r], &klen);
				int n = gt_key_decode(key, klen, parts, ntags, &scratch);
				if (n < 0) {
					fprintf(stderr, "gt-sst: %s: series key %u does not decode\n", path, b.sid[r]);
					rc = GT_ECORRUPT;
					break;
				}
				cursid = b.sid[r];
			}
			if (b.op[r] == GT_OP_DELETE && (!meta || fmt == F_LP))
				continue;
			if (fmt == F_LP) {
				int nf = 0;
				for (uint32_t i = 0; i < sc->ncols; i++)
					if (bcol[i] > 0 && !gt_vec_is_null(&b.cols[bcol[i]], r))
						nf++;
				if (!nf)
					continue;  /* line protocol needs a field */
				put_lp(stdout, table, strlen(table), ", ");
				for (uint32_t t = 0; t < ntags; t++) {
					if (!parts[t].p || !parts[t].n)
						continue;
					const char *name = sc->cols[tagcols[t]].name;
					fputc(',', stdout);
					put_lp(stdout, name, strlen(name), ",= ");
					fputc('=', stdout);
					put_lp(stdout, parts[t].p, parts[t].n, ",= ");
				}
				nf = 0;
				for (uint32_t i = 0; i < sc->ncols; i++) {
					if (bcol[i] <= 0 || gt_vec_is_null(&b.cols[bcol[i]], r))
						continue;
					fputc(nf++ ? ',' : ' ', stdout);
					put_lp(stdout, sc->cols[i].name, strlen(sc->cols[i].name), ",= ");
					fputc('=', stdout);
					put_value(stdout, &b.cols[bcol[i]], r, F_LP);
				}
				printf(" %lld\n", (long long)gt_unit_convert(b.cols[0].v.i64[r],
					(enum gt_unit)sc->cols[ti].unit, GT_UNIT_NS));
				continue;
			}
			if (fmt == F_JSONL)
				fputc('{', stdout);
			for (uint32_t i = 0; i < sc->ncols; i++) {
				const char *name = sc->cols[i].name;
				if (fmt == F_CSV && i)
					fputc(',', stdout);
				if (fmt == F_JSONL) {
					if (i)
						fputc(',', stdout);
					put_json_str(stdout, name, strlen(name));
					fputc(':', stdout);
				}
				if (tagno[i] >= 0) {
					const struct gt_key_part *kp = &parts[tagno[i]];
					if (kp->p)
						fmt == F_CSV ? put_csv_str(stdout, kp->p, kp->n) : put_json_str(stdout, kp->p, kp->n);
					else if (fmt == F_JSONL)
						fputs("null", stdout);
				} else if (gt_vec_is_null(&b.cols[bcol[i]], r)) {
					if (fmt == F_JSONL)
						fputs("null", stdout);
				} else {
					put_value(stdout, &b.cols[bcol[i]], r, fmt);
				}
			}
			if (meta && fmt == F_CSV)
				printf(",%llu,%s", (unsigned long long)b.seq[r], b.op[r] ? "delete" : "put");
			if (meta && fmt == F_JSONL)
				printf(",\"__seq\":%llu,\"__op\":\"%s\"", (unsigned long long)b.seq[r],
				       b.op[r] ? "delete" : "put");
			fputs(fmt == F_JSONL ? "}\n" : "\n", stdout);
		}
	}
	gt_batch_release(&b);
	gt_buf_release(&scratch);
	free(parts);
	free(tagcols);
	free(bcol);
	free(tagno);
	gt_sst_close(s);
	if (fflush(stdout)) {
		fprintf(stderr, "gt-sst: cannot write: %s\n", strerror(errno));
		return GT_EXIT_TEMP;
	}
	return rc ? gt_exit_code(rc) : GT_EXIT_OK;
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
