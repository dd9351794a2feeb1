/* test-sst.c - SST writer and reader: round trips, order checks, index,
 * concurrency, damage detection and decode speed. */
#include "key.h"
#include "sst.h"
#include "tap.h"

#include <math.h>
#include <pthread.h>
#include <unistd.h>

static char dir[256];
static uint64_t rng = 7;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double gauss(void)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0, v = (double)(rnd() >> 11) / 9007199254740992.0;
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void path_of(char *p, size_t n, const char *name)
{
	snprintf(p, n, "%s/%s", dir, name);
}

/* Schema: tag host, time ts (ms), fields f (f64), i (i64), u (u64), b (bool), s (string). */
static void make_schema(struct gt_schema *sc)
{
	memset(sc, 0, sizeof(*sc));
	gt_schema_add(sc, "host", GT_STRING, GT_TAG, 0, NULL);
	gt_schema_add(sc, "ts", GT_TS, GT_TIME, GT_UNIT_MS, NULL);
	gt_schema_add(sc, "f", GT_F64, GT_FIELD, 0, NULL);
	gt_schema_add(sc, "i", GT_I64, GT_FIELD, 0, NULL);
	gt_schema_add(sc, "u", GT_U64, GT_FIELD, 0, NULL);
	gt_schema_add(sc, "b", GT_BOOL, GT_FIELD, 0, NULL);
	gt_schema_add(sc, "s", GT_STRING, GT_FIELD, 0, NULL);
}

static void key_of(struct gt_buf *k, uint32_t s)
{
	char host[32];
	struct gt_key_part part;
	snprintf(host, sizeof(host), "host%04u", s);
	part.p = host;
	part.n = (uint32_t)strlen(host);
	gt_buf_reset(k);
	gt_key_encode(k, &part, 1);
}

/* A batch with the time column and every field, seq and op. */
static void make_batch(struct gt_batch *b)
{
	gt_batch_init(b);
	gt_batch_add_col(b, 1, GT_TS);
	gt_batch_add_col(b, 2, GT_F64);
	gt_batch_add_col(b, 3, GT_I64);
	gt_batch_add_col(b, 4, GT_U64);
	gt_batch_add_col(b, 5, GT_BOOL);
	gt_batch_add_col(b, 6, GT_STRING);
}

/* Row r of series s, deterministic; with a few nulls, deletes and duplicate timestamps. */
static void push_row(struct gt_batch *b, uint32_t s, uint32_t r)
{
	char str[32];
	uint32_t n = b->nrows;
	gt_batch_reserve_meta(b, n + 1, true, true, false);
	/* rows 3 and 4 share a timestamp; the later write (higher seq) first */
	int64_t ts = 1000 * (int64_t)(r >= 4 ? r - 1 : r);
	gt_vec_push_i64(&b->cols[0], ts);
	b->seq[n] = r == 3 ? 1000000 + s : 100 * (uint64_t)r + s;
	b->op[n] = r % 7 == 6 ? GT_OP_DELETE : GT_OP_PUT;
	if (r % 5 == 2)
		gt_vec_push_null(&b->cols[1]);
	else if (r % 11 == 10)
		gt_vec_push_f64(&b->cols[1], NAN);
	else
		gt_vec_push_f64(&b->cols[1], (double)(int64_t)(s * 100 + r) / 100);
	gt_vec_push_i64(&b->cols[2], (int64_t)r - 5);
	if (s % 2)
		gt_vec_push_null(&b->cols[3]);
	else
		gt_vec_push_u64(&b->cols[3], UINT64_MAX - r);
	gt_vec_push_bool(&b->cols[4], r % 2);
	snprintf(str, sizeof(str), r % 3 ? "v%u" : "", r);
	if (r % 4 == 1)
		gt_vec_push_null(&b->cols[5]);
	else
		gt_vec_push_str(&b->cols[5], str, strlen(str));
	b->nrows++;
}

/* Expected values of the row. */
static int row_matches(const struct gt_batch *o, uint32_t i, uint32_t s, uint32_t r)
{
	struct gt_batch e;
	int good;
	make_batch(&e);
	push_row(&e, s, r);
	good = o->cols[0].v.i64[i] == e.cols[0].v.i64[0] && o->seq[i] == e.seq[0] && o->op[i] == e.op[0];
	for (uint32_t c = 1; c < 6 && good; c++) {
		const struct gt_vec *a = &o->cols[c], *x = &e.cols[c];
		if (gt_vec_is_null(a, i) != gt_vec_is_null(x, 0)) {
			good = 0;
			break;
		}
		if (gt_vec_is_null(x, 0))
			continue;
		if (x->type == GT_STRING) {
			uint32_t la, lx;
			const char *pa = gt_vec_str(a, i, &la), *px = gt_vec_str(x, 0, &lx);
			good = la == lx && !memcmp(pa, px, la);
		} else if (x->type == GT_BOOL) {
			good = a->v.b[i] == x->v.b[0];
		} else {
			good = a->v.u64[i] == x->v.u64[0];
		}
	}
	gt_batch_release(&e);
	return good;
}

/* Write nser series of nrow rows, each series in pieces of `piece` rows. */
static int write_file(const char *path, uint32_t nser, uint32_t nrow, uint32_t piece, uint32_t block_rows)
{
	struct gt_schema sc;
	struct gt_sst_writer *w;
	struct gt_sst_writer_opts o = {.block_rows = block_rows, .table = "cpu"};
	struct gt_err err = {0};
	struct gt_buf k = {0};
	int rc;

	make_schema(&sc);
	if ((rc = gt_sst_writer_new(&w, path, &sc, &o, &err)))
		goto out;
	for (uint32_t s = 0; s < nser; s++) {
		key_of(&k, s);
		for (uint32_t r0 = 0; r0 < nrow; r0 += piece) {
			struct gt_batch b;
			make_batch(&b);
			for (uint32_t r = r0; r < nrow && r < r0 + piece; r++)
				push_row(&b, s, r);
			rc = gt_sst_writer_add(w, k.p, k.len, &b, 0, b.nrows, &err);
			gt_batch_release(&b);
			if (rc)
				goto out_w;
		}
	}
	struct gt_sst_meta m;
	rc = gt_sst_writer_finish(w, &m, &err);
	if (!rc)
		gt_schema_release(&m.schema);
out_w:
	gt_sst_writer_free(w);
out:
	if (rc)
		printf("# write_file: %s\n", err.msg);
	gt_schema_release(&sc);
	gt_buf_release(&k);
	return rc;
}

/* Read every row back and compare; returns rows matched or -1. */
static long check_file(struct gt_sst *s, uint32_t nrow)
{
	struct gt_batch o;
	struct gt_err err = {0};
	long rows = 0;
	uint32_t sid = UINT32_MAX, r = 0;

	gt_batch_init(&o);
	for (uint32_t bi = 0; bi < gt_sst_meta(s)->nblocks; bi++) {
		if (gt_sst_read_block(s, bi, NULL, 0, &o, &err)) {
			printf("# %s\n", err.msg);
			rows = -1;
			break;
		}
		for (uint32_t i = 0; i < o.nrows; i++) {
			if (o.sid[i] != sid) {
				sid = o.sid[i];
				r = 0;
			}
			if (!row_matches(&o, i, sid, r++)) {
				printf("# mismatch at block %u row %u (series %u row %u)\n", bi, i, sid, r - 1);
				gt_batch_release(&o);
				return -1;
			}
			rows++;
		}
	}
	gt_batch_release(&o);
	(void)nrow;
	return rows;
}

static void test_round_trip(void)
{
	char p[512];
	struct gt_sst *s;
	struct gt_err err = {0};
	struct gt_buf k = {0};

	path_of(p, sizeof(p), "rt.sst");
	ok(!write_file(p, 5, 40, 7, 16), "write 5 series x 40 rows in pieces of 7, blocks of 16");
	ok(!gt_sst_open(&s, p, &err), "open");
	const struct gt_sst_meta *m = gt_sst_meta(s);
	ok(m->rows == 200 && m->nseries == 5 && m->nblocks == 13, "meta: %llu rows, %u series, %u blocks",
	   (unsigned long long)m->rows, m->nseries, m->nblocks);
	ok(m->min_ts == 0 && m->max_ts == 38000 && m->min_seq == 0 && m->max_seq == 1000004,
	   "meta: time and sequence ranges");
	ok(gt_sst_table(s) && !strcmp(gt_sst_table(s), "cpu"), "table name stored");
	ok(check_file(s, 40) == 200, "every value reads back, nulls, NaN, deletes and duplicate timestamps included");

	/* index: block pruning information */
	const struct gt_sst_block_info *b0 = gt_sst_block(s, 0), *b2 = gt_sst_block(s, 2);
	ok(b0->sid_first == 0 && b0->sid_last == 0 && b0->rows == 16 && b0->min_ts == 0 && b0->max_ts == 14000,
	   "block 0 info: series 0..0, ts 0..14000");
	ok(b2->sid_first == 0 && b2->sid_last == 1 && b2->min_ts == 0 && b2->max_ts == 38000,
	   "block 2 spans series 0 and 1");
	ok(b0->ncolstats == 5 && b0->colstats[0].col_id == 2 && b0->colstats[0].has_minmax &&
	   b0->colstats[0].min.f64 == 0 && b0->colstats[0].max.f64 == 0.15 && b0->colstats[0].nulls == 3,
	   "block 0 f64 stats: min 0, max 0.15 (NaN ignored), 3 nulls");
	ok(b0->colstats[1].min.i64 == -5 && b0->colstats[1].max.i64 == 10, "block 0 i64 stats");
	ok(b2->colstats[2].nulls == 8, "block 2 u64 nulls counted (the 8 rows of series 1)");
	ok(gt_sst_block(s, 13) == NULL, "no block past the end");

	/* keys */
	key_of(&k, 3);
	ok(gt_sst_seek_key(s, k.p, k.len) == 3, "seek_key finds series 3");
	size_t klen;
	const void *kp = gt_sst_key(s, 3, &klen);
	ok(kp && klen == k.len && !memcmp(kp, k.p, klen), "key 3 is stored");
	ok(gt_sst_seek_key(s, "", 0) == 0, "seek_key of the empty key is 0");
	ok(gt_sst_seek_key(s, "\x02", 1) == 5, "seek_key past every key is nseries");
	key_of(&k, 2);
	gt_buf_addch(&k, 0);
	ok(gt_sst_seek_key(s, k.p, k.len) == 3, "seek_key between keys gives the next");

	/* projection: wanted columns in the order asked, batch reused */
	struct gt_batch o;
	uint32_t want[2] = {6, 2};
	gt_batch_init(&o);
	int rc = gt_sst_read_block(s, 1, want, 2, &o, &err);
	ok(!rc && o.ncols == 3 && o.col_ids[0] == 1 && o.col_ids[1] == 6 && o.col_ids[2] == 2 &&
	   o.cols[1].type == GT_STRING && o.nrows == 16 && o.sid && o.seq && o.op, "projection s, f");
	void *before = o.cols[2].v.p;
	rc = gt_sst_read_block(s, 2, want, 2, &o, &err);
	ok(!rc && o.cols[2].v.p == before, "the out batch's memory is reused");
	uint32_t bad = 99, tag = 0;
	ok(gt_sst_read_block(s, 0, &bad, 1, &o, &err) == GT_ENOTFOUND, "unknown column id: not found");
	ok(gt_sst_read_block(s, 0, &tag, 1, &o, &err) == GT_EINVAL, "tag column id: invalid");
	ok(gt_sst_read_block(s, 13, NULL, 0, &o, &err) == GT_EINVAL, "block past the end: invalid");
	gt_batch_release(&o);

	const struct gt_sst_colinfo *ci;
	uint32_t n = gt_sst_colinfo(s, &ci);
	ok(n == 9 && ci[0].col_id == GT_SST_COL_SID && ci[1].col_id == 1 && ci[4].col_id == 2 &&
	   !strcmp(ci[1].encoding, "delta-of-delta"), "colinfo lists sid, ts, seq, op and the fields");
	gt_sst_close(s);
	ok(!gt_sst_verify(p, &err), "verify: clean");
	gt_buf_release(&k);
}

static int add_rows(struct gt_sst_writer *w, const char *key, const int64_t *ts, const uint64_t *seq, uint32_t n,
		    struct gt_err *err)
{
	struct gt_batch b;
	int rc;
	gt_batch_init(&b);
	gt_batch_add_col(&b, 1, GT_TS);
	gt_batch_reserve_meta(&b, n, true, false, false);
	for (uint32_t i = 0; i < n; i++) {
		gt_vec_push_i64(&b.cols[0], ts[i]);
		b.seq[i] = seq[i];
	}
	b.nrows = n;
	rc = gt_sst_writer_add(w, key, strlen(key), &b, 0, n, err);
	gt_batch_release(&b);
	return rc;
}

static void test_order(void)
{
	char p[512];
	struct gt_schema sc;
	struct gt_sst_writer *w;
	struct gt_err err = {0};
	struct gt_sst *s;
	int64_t ts[3] = {1, 2, 2};
	uint64_t seq[3] = {5, 9, 8}, badseq[2] = {1, 2};
	int64_t back[2] = {5, 4};

	make_schema(&sc);
	path_of(p, sizeof(p), "order.sst");
	ok(!gt_sst_writer_new(&w, p, &sc, NULL, &err), "writer");
	ok(!add_rows(w, "b", ts, seq, 3, &err), "rows with a duplicate timestamp, seq descending");
	ok(add_rows(w, "a", ts, seq, 3, &err) == GT_EINVAL, "an earlier key is refused");
	ok(add_rows(w, "b", ts, seq, 1, &err) == GT_EINVAL, "the same series going back in time is refused");
	ok(add_rows(w, "c", back, seq, 2, &err) == GT_EINVAL, "timestamps going back are refused");
	ok(add_rows(w, "c", (int64_t[]){7, 7}, badseq, 2, &err) == GT_EINVAL, "ascending seq on one timestamp is refused");
	ok(!add_rows(w, "b", (int64_t[]){3}, seq, 1, &err), "the same series continues");
	ok(!add_rows(w, "c", (int64_t[]){1}, seq, 1, &err), "a new series after refused calls");
	ok(!gt_sst_writer_finish(w, NULL, &err), "finish");
	gt_sst_writer_free(w);
	ok(!gt_sst_open(&s, p, &err) && gt_sst_meta(s)->rows == 5 && gt_sst_meta(s)->nseries == 2,
	   "refused calls left nothing behind");
	ok(!gt_sst_check(s, &err), "check: clean");
	gt_sst_close(s);

	/* a writer freed unfinished removes its file */
	path_of(p, sizeof(p), "gone.sst");
	gt_sst_writer_new(&w, p, &sc, NULL, &err);
	add_rows(w, "a", ts, seq, 1, &err);
	gt_sst_writer_free(w);
	ok(access(p, F_OK) != 0, "writer_free without finish unlinks");

	/* missing seq, missing time column */
	struct gt_batch b;
	gt_batch_init(&b);
	gt_batch_add_col(&b, 1, GT_TS);
	gt_vec_push_i64(&b.cols[0], 1);
	b.nrows = 1;
	gt_sst_writer_new(&w, p, &sc, NULL, &err);
	ok(gt_sst_writer_add(w, "a", 1, &b, 0, 1, &err) == GT_EINVAL, "rows without seq are refused");
	gt_batch_release(&b);
	gt_sst_writer_free(w);

	/* single row */
	path_of(p, sizeof(p), "one.sst");
	gt_sst_writer_new(&w, p, &sc, NULL, &err);
	add_rows(w, "", (int64_t[]){-42}, seq, 1, &err);
	gt_sst_writer_finish(w, NULL, &err);
	gt_sst_writer_free(w);
	gt_batch_init(&b);
	ok(!gt_sst_open(&s, p, &err) && gt_sst_meta(s)->rows == 1 && !gt_sst_read_block(s, 0, NULL, 0, &b, &err) &&
	   b.nrows == 1 && b.cols[0].v.i64[0] == -42 && gt_vec_is_null(&b.cols[1], 0) && b.sid[0] == 0,
	   "a single row with the empty key and every field null");
	gt_batch_release(&b);
	gt_sst_close(s);

	/* empty file */
	path_of(p, sizeof(p), "empty.sst");
	gt_sst_writer_new(&w, p, &sc, NULL, &err);
	ok(!gt_sst_writer_finish(w, NULL, &err), "an empty file can be written");
	gt_sst_writer_free(w);
	ok(!gt_sst_verify(p, &err), "and verifies");
	gt_schema_release(&sc);
}

/* ---- concurrency ---------------------------------------------------- */

struct thr {
	struct gt_sst *s;
	int good;
};

static void *reader(void *arg)
{
	struct thr *t = arg;
	struct gt_batch o;
	struct gt_err err = {0};
	gt_batch_init(&o);
	t->good = 1;
	for (int round = 0; round < 20; round++)
		for (uint32_t bi = 0; bi < gt_sst_meta(t->s)->nblocks; bi++) {
			if (gt_sst_read_block(t->s, bi, NULL, 0, &o, &err) || o.nrows != gt_sst_block(t->s, bi)->rows) {
				t->good = 0;
				break;
			}
			for (uint32_t i = 0; i < o.nrows; i++)
				if (o.cols[2].v.i64[i] != (int64_t)(o.seq[i] / 100) - 5 && o.seq[i] < 1000000)
					t->good = 0;
		}
	gt_batch_release(&o);
	return NULL;
}

static void test_threads(void)
{
	char p[512];
	struct gt_sst *s;
	struct gt_err err = {0};
	struct thr t[2];
	pthread_t th[2];

	path_of(p, sizeof(p), "mt.sst");
	write_file(p, 20, 60, 60, 32);
	gt_sst_open(&s, p, &err);
	for (int i = 0; i < 2; i++) {
		t[i].s = s;
		pthread_create(&th[i], NULL, reader, &t[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ok(t[0].good && t[1].good, "two threads read every block of one reader concurrently");
	gt_sst_close(s);
}

/* ---- damage --------------------------------------------------------- */

static uint8_t *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	uint8_t *b;
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(*n);
	if (fread(b, 1, *n, f) != *n)
		*n = 0;
	fclose(f);
	return b;
}

/* 0 if the image opens and checks clean. */
static int check_mem(const uint8_t *p, size_t n, struct gt_err *err)
{
	struct gt_sst *s;
	int rc = gt_sst_open_mem(&s, p, n, "mem", err);
	if (rc)
		return rc;
	rc = gt_sst_check(s, err);
	gt_sst_close(s);
	return rc;
}

static void test_damage(void)
{
	char p[512];
	size_t n;
	uint8_t *img;
	struct gt_err err = {0};
	int missed = 0, wrong = 0;

	path_of(p, sizeof(p), "small.sst");
	write_file(p, 3, 9, 9, 8);
	img = slurp(p, &n);
	ok(n > 0 && !check_mem(img, n, &err), "small file (%zu bytes) is clean in memory", n);
	for (size_t at = 0; at < n; at++) {
		for (int x = 0; x < 2; x++) {
			uint8_t old = img[at];
			img[at] ^= x ? 0xff : 0x01;
			int rc = check_mem(img, n, &err);
			if (!rc)
				missed++;
			else if (rc != GT_ECORRUPT || !strstr(err.msg, "damaged at offset"))
				wrong++;
			img[at] = old;
		}
	}
	ok(!missed && !wrong, "every single-byte change is found (%d missed, %d other errors)", missed, wrong);
	missed = 0;
	for (size_t len = 0; len < n; len++)
		missed += check_mem(img, len, &err) != GT_ECORRUPT;
	ok(!missed, "every truncation is found (%d missed)", missed);

	/* on disk: flip one byte in a block, verify names the file and offset */
	img[40] ^= 0x10;
	FILE *f = fopen(p, "wb");
	fwrite(img, 1, n, f);
	fclose(f);
	int rc = gt_sst_verify(p, &err);
	ok(rc == GT_ECORRUPT && strstr(err.msg, p) && strstr(err.msg, "damaged at offset 16"),
	   "verify names the file and the block's offset: %s", err.msg);
	free(img);
}

/* ---- size and speed on the TSBS cpu-only shape ---------------------- */

static void test_tsbs(void)
{
	char p[512];
	struct gt_schema sc = {0};
	struct gt_sst_writer *w;
	struct gt_err err = {0};
	struct gt_buf k = {0};
	struct gt_sst_meta meta;
	struct gt_sst *s;
	uint32_t nser = 100, nrow = 8640;

	gt_schema_add(&sc, "hostname", GT_STRING, GT_TAG, 0, NULL);
	gt_schema_add(&sc, "ts", GT_TS, GT_TIME, GT_UNIT_NS, NULL);
	for (int f = 0; f < 10; f++) {
		char name[16];
		snprintf(name, sizeof(name), "usage_%d", f);
		gt_schema_add(&sc, name, GT_F64, GT_FIELD, 0, NULL);
	}
	path_of(p, sizeof(p), "tsbs.sst");
	gt_sst_writer_new(&w, p, &sc, NULL, &err);
	for (uint32_t sv = 0; sv < nser; sv++) {
		struct gt_batch b;
		double walk[10];
		gt_batch_init(&b);
		gt_batch_add_col(&b, 1, GT_TS);
		for (uint32_t f = 0; f < 10; f++) {
			gt_batch_add_col(&b, 2 + f, GT_F64);
			walk[f] = (double)(rnd() % 10000) / 100;
		}
		gt_batch_reserve_meta(&b, nrow, true, false, false);
		for (uint32_t r = 0; r < nrow; r++) {
			gt_vec_push_i64(&b.cols[0], 1451606400000000000ll + (int64_t)r * 10000000000ll);
			b.seq[r] = (uint64_t)r * nser + sv + 1;
			for (int f = 0; f < 10; f++) {
				walk[f] += gauss();
				walk[f] = walk[f] < 0 ? 0 : walk[f] > 100 ? 100 : walk[f];
				gt_vec_push_f64(&b.cols[1 + f], (double)llround(walk[f] * 100) / 100);
			}
		}
		b.nrows = nrow;
		key_of(&k, sv);
		gt_sst_writer_add(w, k.p, k.len, &b, 0, nrow, &err);
		gt_batch_release(&b);
	}
	ok(!gt_sst_writer_finish(w, &meta, &err), "TSBS-like file written");
	gt_sst_writer_free(w);
	double bpv = (double)meta.file_bytes / (double)(meta.rows * 10);
	printf("# TSBS cpu-only shape: %llu rows, %llu bytes, %.4f bytes/value (whole file)\n",
	       (unsigned long long)meta.rows, (unsigned long long)meta.file_bytes, bpv);
	ok(bpv <= 1.2, "at most 1.2 bytes per value, all included");
	gt_schema_release(&meta.schema);

	struct gt_batch o;
	double best = 1e9;
	gt_batch_init(&o);
	gt_sst_open(&s, p, &err);
	for (int round = 0; round < 3; round++) {
		int64_t t0 = gt_mono_ns();
		volatile double sink = 0;
		for (uint32_t bi = 0; bi < gt_sst_meta(s)->nblocks; bi++) {
			gt_sst_read_block(s, bi, NULL, 0, &o, &err);
			sink += o.cols[1].v.f64[0];
		}
		double sec = (double)(gt_mono_ns() - t0) / 1e9;
		best = sec < best ? sec : best;
	}
	double vps = (double)meta.rows * 10 / best;
	printf("# decode: %.3f s for %llu values, %.1f M values/s (one core, best of 3)\n", best,
	       (unsigned long long)meta.rows * 10, vps / 1e6);
	ok(vps > 1e6, "decodes (speed above is informative under sanitizers)");
	gt_batch_release(&o);
	gt_sst_close(s);
	gt_schema_release(&sc);
	gt_buf_release(&k);
}

static void test_million(void)
{
	char p[512];
	struct gt_schema sc = {0};
	struct gt_sst_writer *w;
	struct gt_err err = {0};
	struct gt_batch b;
	struct gt_sst *s;
	uint32_t n = 1000000;
	int good = 1;

	gt_schema_add(&sc, "ts", GT_TS, GT_TIME, GT_UNIT_US, NULL);
	gt_schema_add(&sc, "v", GT_I64, GT_FIELD, 0, NULL);
	gt_batch_init(&b);
	gt_batch_add_col(&b, 0, GT_TS);
	gt_batch_add_col(&b, 1, GT_I64);
	gt_batch_reserve_meta(&b, n, true, false, false);
	for (uint32_t i = 0; i < n; i++) {
		gt_vec_push_i64(&b.cols[0], (int64_t)i * 1000 + (int64_t)(rnd() % 10));
		gt_vec_push_i64(&b.cols[1], (int64_t)(rnd() % 1000) - 500);
		b.seq[i] = i;
	}
	b.nrows = n;
	path_of(p, sizeof(p), "million.sst");
	gt_sst_writer_new(&w, p, &sc, &(struct gt_sst_writer_opts){.block_rows = 65536}, &err);
	ok(!gt_sst_writer_add(w, "", 0, &b, 0, n, &err) && !gt_sst_writer_finish(w, NULL, &err),
	   "a million rows in one call");
	gt_sst_writer_free(w);
	struct gt_batch o;
	gt_batch_init(&o);
	gt_sst_open(&s, p, &err);
	uint32_t at = 0;
	for (uint32_t bi = 0; bi < gt_sst_meta(s)->nblocks && good; bi++) {
		good &= !gt_sst_read_block(s, bi, NULL, 0, &o, &err);
		for (uint32_t i = 0; i < o.nrows && good; i++, at++)
			good &= o.cols[0].v.i64[i] == b.cols[0].v.i64[at] && o.cols[1].v.i64[i] == b.cols[1].v.i64[at] &&
				o.seq[i] == at;
	}
	ok(good && at == n && gt_sst_meta(s)->nblocks == 16, "a million rows read back in 16 blocks");
	gt_sst_close(s);
	gt_batch_release(&o);
	gt_batch_release(&b);
	gt_schema_release(&sc);
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test-sst.XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	test_round_trip();
	test_order();
	test_threads();
	test_damage();
	test_million();
	test_tsbs();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# cannot remove %s\n", dir);
	return tap_done();
}
