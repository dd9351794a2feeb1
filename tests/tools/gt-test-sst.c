/*
 * gt-test-sst - write a deterministic SST for the shell tests (there is
 * no `gt-sst write` yet) and for measuring the format.
 *
 *   gt-test-sst [-s SERIES] [-r ROWS] [-b BLOCK_ROWS] [-z LEVEL] [-t TABLE]
 *               [--nulls] [--deletes] [--tsbs] [--stats] FILE
 *
 * Default schema: tags host, dc; time index ts (milliseconds); fields
 * usage (f64), count (i64), bytes (u64), up (bool), note (string).
 * SERIES series (default 3) of ROWS rows each (default 4).
 *
 * --tsbs writes the TSBS cpu-only shape instead: ten tags, time index
 * in nanoseconds every 10 s, ten float fields, each a random walk with
 * N(0,1) steps clamped to [0,100] and rounded to two decimals; defaults
 * to 100 series of 8640 rows.  --stats prints rows, values, bytes and
 * bytes per value.
 */
#include "gt.h"
#include "batch.h"
#include "key.h"
#include "sst.h"

#include <math.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double unif(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = unif(), v = unif();
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int usage(void)
{
	fprintf(stderr, "usage: gt-test-sst [-s SERIES] [-r ROWS] [-b BLOCK_ROWS] [-z LEVEL] [-t TABLE] "
			"[--nulls] [--deletes] [--tsbs] [--stats] FILE\n");
	return GT_EXIT_PERM;
}

struct series {
	char key[1024];
	size_t keylen;
	uint32_t no;
};

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	size_t m = GT_MIN(x->keylen, y->keylen);
	int c = memcmp(x->key, y->key, m);
	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

static const char *const tsbs_tags[] = {
	"hostname", "region", "datacenter", "rack", "os", "arch", "team", "service",
	"service_version", "service_environment",
};
static const char *const tsbs_fields[] = {
	"usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
	"usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice",
};

int main(int argc, char **argv)
{
	uint32_t nser = UINT32_MAX, rows = UINT32_MAX;
	int nulls = 0, deletes = 0, tsbs = 0, stats = 0, rc;
	struct gt_sst_writer_opts o = {0};
	const char *path = NULL;
	struct gt_schema sc = {0};
	struct gt_err err = {0};
	struct gt_sst_writer *w = NULL;
	struct gt_sst_meta meta;
	struct series *ser;
	struct gt_buf kb = {0};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--nulls"))
			nulls = 1;
		else if (!strcmp(a, "--deletes"))
			deletes = 1;
		else if (!strcmp(a, "--tsbs"))
			tsbs = 1;
		else if (!strcmp(a, "--stats"))
			stats = 1;
		else if (a[0] == '-' && a[1] && !a[2] && strchr("srbzt", a[1]) && i + 1 < argc) {
			const char *v = argv[++i];
			if (a[1] == 't') {
				o.table = v;
				continue;
			}
			long x = strtol(v, NULL, 10);
			if (x < 0 || x > 100000000)
				return usage();
			if (a[1] == 's')
				nser = (uint32_t)x;
			else if (a[1] == 'r')
				rows = (uint32_t)x;
			else if (a[1] == 'b')
				o.block_rows = (uint32_t)x;
			else
				o.zstd_level = (int)x;
		} else if (a[0] != '-' && !path) {
			path = a;
		} else {
			return usage();
		}
	}
	if (!path)
		return usage();
	if (nser == UINT32_MAX)
		nser = tsbs ? 100 : 3;
	if (rows == UINT32_MAX)
		rows = tsbs ? 8640 : 4;

	/* schema */
	if (tsbs) {
		for (size_t t = 0; t < GT_ARRAY_LEN(tsbs_tags); t++)
			gt_schema_add(&sc, tsbs_tags[t], GT_STRING, GT_TAG, 0, NULL);
		gt_schema_add(&sc, "ts", GT_TS, GT_TIME, GT_UNIT_NS, NULL);
		for (size_t f = 0; f < GT_ARRAY_LEN(tsbs_fields); f++)
			gt_schema_add(&sc, tsbs_fields[f], GT_F64, GT_FIELD, 0, NULL);
	} else {
		gt_schema_add(&sc, "host", GT_STRING, GT_TAG, 0, NULL);
		gt_schema_add(&sc, "dc", GT_STRING, GT_TAG, 0, NULL);
		gt_schema_add(&sc, "ts", GT_TS, GT_TIME, GT_UNIT_MS, NULL);
		gt_schema_add(&sc, "usage", GT_F64, GT_FIELD, 0, NULL);
		gt_schema_add(&sc, "count", GT_I64, GT_FIELD, 0, NULL);
		gt_schema_add(&sc, "bytes", GT_U64, GT_FIELD, 0, NULL);
		gt_schema_add(&sc, "up", GT_BOOL, GT_FIELD, 0, NULL);
		gt_schema_add(&sc, "note", GT_STRING, GT_FIELD, 0, NULL);
	}

	/* series keys, sorted */
	if (!(ser = gt_calloc(nser ? nser : 1, sizeof(*ser))))
		return GT_EXIT_TEMP;
	for (uint32_t s = 0; s < nser; s++) {
		char vals[10][64];
		struct gt_key_part parts[10];
		uint32_t np = tsbs ? 10 : 2;
		if (tsbs) {
			snprintf(vals[0], 64, "host_%u", s);
			snprintf(vals[1], 64, "%s", (const char *[]){"us-east-1", "us-west-1", "eu-west-1",
								     "ap-south-1"}[s % 4]);
			snprintf(vals[2], 64, "%s%c", vals[1], 'a' + (int)(s % 3));
			snprintf(vals[3], 64, "%u", s % 97);
			snprintf(vals[4], 64, "Ubuntu%u.04LTS", 15 + s % 3);
			snprintf(vals[5], 64, "%s", s % 2 ? "x86" : "x64");
			snprintf(vals[6], 64, "%s", (const char *[]){"SF", "NYC", "LON", "CHI"}[s % 4]);
			snprintf(vals[7], 64, "%u", s % 20);
			snprintf(vals[8], 64, "%u", s % 2);
			snprintf(vals[9], 64, "%s", (const char *[]){"production", "staging", "test"}[s % 3]);
		} else {
			snprintf(vals[0], 64, "h%u", s);
			snprintf(vals[1], 64, "dc%u", s % 2);
		}
		for (uint32_t p = 0; p < np; p++) {
			parts[p].p = vals[p];
			parts[p].n = (uint32_t)strlen(vals[p]);
		}
		gt_buf_reset(&kb);
		if (gt_key_encode(&kb, parts, np) || kb.len > sizeof(ser[s].key))
			return GT_EXIT_PERM;
		memcpy(ser[s].key, kb.p, kb.len);
		ser[s].keylen = kb.len;
		ser[s].no = s;
	}
	qsort(ser, nser, sizeof(*ser), cmp_series);

	if ((rc = gt_sst_writer_new(&w, path, &sc, &o, &err))) {
		fprintf(stderr, "gt-test-sst: %s\n", err.msg);
		return gt_exit_code(rc);
	}
	int ti = gt_schema_time_index(&sc);
	for (uint32_t s = 0; s < nser; s++) {
		struct gt_batch b;
		uint32_t no = ser[s].no;
		gt_batch_init(&b);
		gt_batch_add_col(&b, sc.cols[ti].id, GT_TS);
		for (uint32_t c = 0; c < sc.ncols; c++)
			if (sc.cols[c].sem == GT_FIELD)
				gt_batch_add_col(&b, sc.cols[c].id, (enum gt_type)sc.cols[c].type);
		if (gt_batch_reserve_meta(&b, rows, true, deletes, false))
			return GT_EXIT_TEMP;
		if (tsbs) {
			double walk[10];
			for (int f = 0; f < 10; f++)
				walk[f] = unif() * 100;
			for (uint32_t r = 0; r < rows; r++) {
				gt_vec_push_i64(&b.cols[0], 1451606400000000000ll + (int64_t)r * 10000000000ll);
				b.seq[r] = (uint64_t)r * nser + no + 1;
				for (int f = 0; f < 10; f++) {
					walk[f] += gauss();
					walk[f] = walk[f] < 0 ? 0 : walk[f] > 100 ? 100 : walk[f];
					gt_vec_push_f64(&b.cols[1 + f], (double)llround(walk[f] * 100) / 100);
				}
			}
		} else {
			for (uint32_t r = 0; r < rows; r++) {
				char note[32];
				gt_vec_push_i64(&b.cols[0], 1700000000000ll + (int64_t)r * 1000);
				b.seq[r] = (uint64_t)r * nser + no + 1;
				if (deletes)
					b.op[r] = r % 5 == 4 ? GT_OP_DELETE : GT_OP_PUT;
				if (nulls && r % 3 == 1)
					gt_vec_push_null(&b.cols[1]);
				else
					gt_vec_push_f64(&b.cols[1], (double)((no * 7 + r * 3) % 1000) / 100);
				if (nulls)
					gt_vec_push_null(&b.cols[2]);
				else
					gt_vec_push_i64(&b.cols[2], (int64_t)r * (no + 1) - 5);
				gt_vec_push_u64(&b.cols[3], 18446744073709551615ull - r);
				gt_vec_push_bool(&b.cols[4], r % 3 == 0);
				snprintf(note, sizeof(note), "n%u \"q\",x", r % 5);
				if (nulls && r % 4 == 2)
					gt_vec_push_null(&b.cols[5]);
				else
					gt_vec_push_str(&b.cols[5], note, strlen(note));
			}
		}
		b.nrows = rows;
		if ((rc = gt_sst_writer_add(w, ser[s].key, ser[s].keylen, &b, 0, rows, &err))) {
			fprintf(stderr, "gt-test-sst: %s\n", err.msg);
			return gt_exit_code(rc);
		}
		gt_batch_release(&b);
	}
	if ((rc = gt_sst_writer_finish(w, &meta, &err))) {
		fprintf(stderr, "gt-test-sst: %s\n", err.msg);
		gt_sst_writer_free(w);
		return gt_exit_code(rc);
	}
	gt_sst_writer_free(w);
	if (stats) {
		uint64_t values = meta.rows * (sc.ncols - gt_schema_ntags(&sc) - 1);
		printf("rows %llu values %llu bytes %llu bytes/value %.4f\n", (unsigned long long)meta.rows,
		       (unsigned long long)values, (unsigned long long)meta.file_bytes,
		       values ? (double)meta.file_bytes / (double)values : 0.0);
	}
	gt_schema_release(&meta.schema);
	gt_schema_release(&sc);
	gt_buf_release(&kb);
	free(ser);
	return 0;
}
