/*
 * test-tail.c - tail reads of the merge (gt_read_spec.tail, what
 * last_value queries use) against full reads: random sources (frozen
 * memtables, memtable runs copied with the tail flag, SST files with
 * tiny blocks so that series span blocks) with duplicates, deletes,
 * nulls, overlapping times, both merge modes and append mode, optional
 * time ranges; the tail read must give, per series, exactly the rows of
 * the full read at its last timestamp (or GT_EAGAIN, counted).
 */
#include "cache.h"
#include "memtable.h"
#include "merge.h"
#include "sst.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

#define NHOST 5
#define MAXSRC 4

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

struct out {
	struct gt_buf keys;      /* key lengths and bytes, back to back */
	struct gt_batch rows;
	uint32_t nseries;
};

static int setup(struct gt_batch *b, const struct gt_read_spec *spec)
{
	int rc = gt_batch_add_col(b, spec->ts_id, GT_TS);
	for (uint32_t i = 0; i < spec->nfields && rc >= 0; i++)
		rc = gt_batch_add_col(b, spec->field_ids[i], (enum gt_type)spec->field_types[i]);
	return rc < 0 ? rc : gt_batch_reserve_meta(b, 1, true, true, false);
}

/* Append rows [from, n) of r to o, with their key. */
static void keep(struct out *o, const void *key, size_t klen, const struct gt_batch *r, uint32_t from)
{
	uint32_t n = r->nrows - from, len = (uint32_t)klen;
	gt_buf_add(&o->keys, &len, sizeof(len));
	gt_buf_add(&o->keys, &n, sizeof(n));
	gt_buf_add(&o->keys, key, klen);
	gt_batch_reserve_meta(&o->rows, o->rows.nrows + n, true, true, false);
	for (uint32_t c = 0; c < r->ncols; c++)
		gt_vec_append(&o->rows.cols[c], &r->cols[c], from, n);
	memcpy(o->rows.seq + o->rows.nrows, r->seq + from, n * 8);
	o->rows.nrows += n;
	o->nseries++;
}

static bool same(const struct out *a, const struct out *b)
{
	if (a->nseries != b->nseries || a->rows.nrows != b->rows.nrows || a->keys.len != b->keys.len ||
	    (a->keys.len && memcmp(a->keys.p, b->keys.p, a->keys.len)))
		return false;
	for (uint32_t i = 0; i < a->rows.nrows; i++) {
		if (a->rows.seq[i] != b->rows.seq[i])
			return false;
		for (uint32_t c = 0; c < a->rows.ncols; c++) {
			const struct gt_vec *x = &a->rows.cols[c], *y = &b->rows.cols[c];
			if (gt_vec_is_null(x, i) != gt_vec_is_null(y, i))
				return false;
			if (!gt_vec_is_null(x, i) && x->v.i64[i] != y->v.i64[i])
				return false;
		}
	}
	return true;
}

static void dump(const char *what, const struct out *o)
{
	const char *p = o->keys.p;
	uint32_t row = 0;
	for (uint32_t k = 0; k < o->nseries; k++) {
		uint32_t len, n;
		memcpy(&len, p, 4);
		memcpy(&n, p + 4, 4);
		printf("# %s series %u (%u bytes %02x%02x%02x%02x):", what, k, len, (uint8_t)p[8], (uint8_t)p[9],
		       (uint8_t)p[10], (uint8_t)p[11]);
		for (uint32_t i = 0; i < n; i++, row++)
			printf(" ts=%lld seq=%llu", (long long)o->rows.cols[0].v.i64[row],
			       (unsigned long long)o->rows.seq[row]);
		printf("\n");
		p += 8 + len;
	}
}

struct world {
	struct gt_schema sc;
	struct gt_memtable *mt[MAXSRC];
	int kind[MAXSRC];            /* 0 frozen memtable, 1 run, 2 SST */
	struct gt_sst *sst[MAXSRC];
	uint32_t nsrc;
	struct gt_cache *cache;
};

/* Read the world through a merge; 0, or GT_EAGAIN from a tail read. */
static int read_all(struct world *w, const struct gt_read_spec *spec0, const struct gt_merge_opts *mo,
		    bool tail, struct out *o)
{
	struct gt_read_spec spec = *spec0;
	struct gt_merge *m;
	struct gt_run runs[MAXSRC];
	struct gt_err err = {0};
	int rc = 0;

	spec.tail = tail;
	gt_merge_new(&m, &spec, mo);
	for (uint32_t i = 0; i < w->nsrc; i++) {
		gt_run_init(&runs[i]);
		if (w->kind[i] == 0) {
			gt_merge_add_memtable(m, w->mt[i], &err);
		} else if (w->kind[i] == 1) {
			gt_run_setup(&runs[i], &spec);
			gt_memtable_collect(w->mt[i], &spec, &runs[i], &err);
			gt_merge_add_run(m, &runs[i], &err);
		} else {
			gt_merge_add_sst(m, w->sst[i], i + 1, &err);
		}
	}
	for (;;) {
		const void *k;
		size_t kl;
		const struct gt_batch *r;
		rc = gt_merge_next(m, &k, &kl, &r, &err);
		if (rc <= 0)
			break;
		uint32_t from = r->nrows;
		if (tail)
			from = 0;
		else
			while (from > 0 && r->cols[0].v.i64[from - 1] == r->cols[0].v.i64[r->nrows - 1])
				from--;
		keep(o, k, kl, r, from);
	}
	gt_merge_free(m);
	for (uint32_t i = 0; i < w->nsrc; i++)
		gt_run_release(&runs[i]);
	return rc;
}

static void make_world(struct world *w, const char *dir, uint64_t *seq)
{
	struct gt_err err = {0};
	w->nsrc = 1 + rnd(MAXSRC);
	for (uint32_t s = 0; s < w->nsrc; s++) {
		struct gt_batch b;
		uint32_t n = 1 + rnd(40);
		bool file = rnd(2);
		uint8_t used[NHOST][32] = {{0}};
		gt_batch_init(&b);
		gt_batch_add_col(&b, 1, GT_STRING);
		gt_batch_add_col(&b, 2, GT_TS);
		gt_batch_add_col(&b, 3, GT_F64);
		gt_batch_add_col(&b, 4, GT_F64);
		gt_batch_reserve_meta(&b, n, false, true, false);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t h = rnd(NHOST), t = rnd(32);
			char name[2] = {(char)('a' + h), 0};
			if (file) {
				/* an SST holds one row per (series, timestamp) of one flush */
				if (used[h][t])
					continue;
				used[h][t] = 1;
			}
			gt_vec_push_str(&b.cols[0], name, 1);
			gt_vec_push_i64(&b.cols[1], t);
			if (rnd(4))
				gt_vec_push_f64(&b.cols[2], rnd(1000));
			else
				gt_vec_push_null(&b.cols[2]);
			if (rnd(3))
				gt_vec_push_f64(&b.cols[3], rnd(1000));
			else
				gt_vec_push_null(&b.cols[3]);
			b.op[b.nrows] = rnd(5) ? GT_OP_PUT : GT_OP_DELETE;
			b.nrows++;
		}
		w->mt[s] = gt_memtable_new(&w->sc, 0);
		/* sequences mostly increase with the source; now and then an
		 * older source gets newer ones (replays, odd orders) */
		uint64_t first = rnd(8) ? *seq : (1ull << 40) + *seq;
		*seq += b.nrows + 1;
		gt_memtable_insert(w->mt[s], &b, first, &err);
		gt_batch_release(&b);
		w->kind[s] = file ? 2 : rnd(2);
		if (file) {
			uint32_t ids[2] = {3, 4};
			uint8_t types[2] = {GT_F64, GT_F64};
			struct gt_read_spec all = {.start = INT64_MIN, .end = INT64_MAX, .field_ids = ids,
						   .field_types = types, .nfields = 2, .ts_id = 2};
			struct gt_run run;
			struct gt_sst_writer *wr;
			char path[256];
			snprintf(path, sizeof(path), "%s/%u.sst", dir, s);
			gt_run_init(&run);
			gt_run_setup(&run, &all);
			gt_memtable_collect(w->mt[s], &all, &run, &err);
			gt_sst_writer_new(&wr, path, &w->sc, &(struct gt_sst_writer_opts){.block_rows = 1 + rnd(6)}, &err);
			for (uint32_t k = 0; k < run.nseries; k++)
				if (gt_sst_writer_add(wr, run.keys.p + run.series[k].keyoff, run.series[k].keylen,
						      &run.rows, run.series[k].off, run.series[k].n, &err))
					printf("# writer: %s\n", err.msg);
			gt_sst_writer_finish(wr, NULL, &err);
			gt_sst_writer_free(wr);
			gt_run_release(&run);
			if (gt_sst_open(&w->sst[s], path, &err))
				printf("# open: %s\n", err.msg);
		}
	}
}

static void free_world(struct world *w)
{
	for (uint32_t s = 0; s < w->nsrc; s++) {
		gt_memtable_free(w->mt[s]);
		if (w->sst[s])
			gt_sst_close(w->sst[s]);
		gt_cache_forget(w->cache, s + 1);
		w->sst[s] = NULL;
	}
}

int main(void)
{
	char dir[] = "/tmp/gt-test-tail.XXXXXX";
	struct world w;
	uint64_t seq = 1;
	uint32_t rounds = 3000, bad = 0, again = 0, rows = 0;
	uint32_t ids[2] = {3, 4};
	uint8_t types[2] = {GT_F64, GT_F64};

	if (!mkdtemp(dir))
		return 1;
	memset(&w, 0, sizeof(w));
	w.sc.next_col_id = 1;
	gt_schema_add(&w.sc, "h", GT_STRING, GT_TAG, 0, NULL);
	gt_schema_add(&w.sc, "ts", GT_TS, GT_TIME, GT_UNIT_MS, NULL);
	gt_schema_add(&w.sc, "v", GT_F64, GT_FIELD, 0, NULL);
	gt_schema_add(&w.sc, "w", GT_F64, GT_FIELD, 0, NULL);
	w.cache = gt_cache_new(1u << 20);
	for (uint32_t round = 0; round < rounds; round++) {
		struct gt_read_spec spec = {.start = INT64_MIN, .end = INT64_MAX, .field_ids = ids,
					    .field_types = types, .nfields = 2, .ts_id = 2};
		struct gt_merge_opts mo = {.merge_mode = rnd(2) ? GT_MERGE_LAST_NON_NULL : GT_MERGE_LAST_ROW,
					   .append_mode = rnd(4) == 0, .ttl_floor = INT64_MIN,
					   .cache = rnd(2) ? w.cache : NULL};
		struct out full = {0}, tail = {0};
		if (rnd(3) == 0) {
			spec.start = rnd(16);
			spec.end = spec.start + 1 + rnd(20);
		}
		if (rnd(4) == 0)
			spec.nfields = 1 + rnd(2), spec.field_ids = ids + 2 - spec.nfields,
			spec.field_types = types;
		make_world(&w, dir, &seq);
		gt_batch_init(&full.rows);
		gt_batch_init(&tail.rows);
		setup(&full.rows, &spec);
		setup(&tail.rows, &spec);
		read_all(&w, &spec, &mo, false, &full);
		int rc = read_all(&w, &spec, &mo, true, &tail);
		if (rc == GT_EAGAIN)
			again++;
		else if (rc < 0 || !same(&full, &tail)) {
			if (!bad++ && getenv("TAIL_DEBUG")) {
				printf("# round %u rc %d mode %d append %d range [%lld,%lld) nsrc %u kinds", round, rc,
				       mo.merge_mode, mo.append_mode, (long long)spec.start, (long long)spec.end, w.nsrc);
				for (uint32_t s = 0; s < w.nsrc; s++)
					printf(" %d", w.kind[s]);
				printf("\n");
				dump("full", &full);
				for (uint32_t s = 0; s < w.nsrc; s++) {
					struct gt_merge_opts one = mo;
					struct world w1 = w;
					struct out o = {0};
					w1.nsrc = 1;
					w1.kind[0] = w.kind[s];
					w1.mt[0] = w.mt[s];
					w1.sst[0] = w.sst[s];
					one.cache = NULL;
					gt_batch_init(&o.rows);
					setup(&o.rows, &spec);
					read_all(&w1, &spec, &one, false, &o);
					printf("# source %u (kind %d, %u blocks):\n", s, w.kind[s],
					       w.sst[s] ? gt_sst_meta(w.sst[s])->nblocks : 0);
					dump("src", &o);
				}
				dump("tail", &tail);
			}
		}
		rows += full.rows.nrows;
		gt_batch_release(&full.rows);
		gt_batch_release(&tail.rows);
		gt_buf_release(&full.keys);
		gt_buf_release(&tail.keys);
		free_world(&w);
		for (uint32_t s = 0; s < MAXSRC; s++) {
			char path[256];
			snprintf(path, sizeof(path), "%s/%u.sst", dir, s);
			unlink(path);
		}
	}
	ok(bad == 0, "tail reads equal the last rows of full reads: %u of %u rounds differ (%u rows)", bad,
	   rounds, rows);
	ok(again < rounds / 20, "tail reads that asked for a full read: %u", again);
	gt_cache_free(w.cache);
	gt_schema_release(&w.sc);
	rmdir(dir);
	return tap_done();
}
