/*
 * fuzz-sst.c - libFuzzer target for the SST reader: open the input as a
 * file image in memory, decode every block (all columns, then a
 * projection), touch every value, and run the full check.  Damage must
 * come back as an error code, never as a crash, a hang or a huge
 * allocation.
 *
 * A real session (checksums bypassed so that the decoders are reached):
 *   clang -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Ilib \
 *     -O1 -g -fsanitize=fuzzer,address,undefined -o fuzz-sst \
 *     tests/fuzz/fuzz-sst.c lib/{err,buf,codec,crc32c,schema,batch,key,enc,sst}.c \
 *     -lzstd -ljansson -lm -lpthread
 *   mkdir -p work && ./fuzz-sst -max_total_time=600 work tests/fuzz/corpus/sst
 * Keep every crash input in tests/fuzz/corpus/sst/ after fixing it.
 */
#include "sst.h"

#include <stdint.h>

static volatile uint64_t sink;

static void touch(const struct gt_batch *b)
{
	uint64_t h = b->nrows;
	for (uint32_t c = 0; c < b->ncols; c++) {
		const struct gt_vec *v = &b->cols[c];
		for (uint32_t i = 0; i < v->len; i++) {
			if (gt_vec_is_null(v, i)) {
				h += 1;
				continue;
			}
			switch (v->type) {
			case GT_STRING: {
				uint32_t n;
				const char *p = gt_vec_str(v, i, &n);
				for (uint32_t k = 0; k < n; k++)
					h = h * 31 + (uint8_t)p[k];
				break;
			}
			case GT_BOOL:
				h += v->v.b[i];
				break;
			default:
				h ^= v->v.u64[i];
				break;
			}
		}
	}
	for (uint32_t i = 0; i < b->nrows; i++)
		h += b->seq[i] + b->op[i] + b->sid[i];
	sink += h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_sst *s;
	struct gt_err err = {0};
	struct gt_batch b;

	if (gt_sst_open_mem(&s, data, size, "fuzz", &err))
		return 0;
	const struct gt_sst_meta *m = gt_sst_meta(s);
	for (uint32_t i = 0; i < m->nseries; i++) {
		size_t len;
		const uint8_t *k = gt_sst_key(s, i, &len);
		sink += len ? k[0] + k[len - 1] : 0;
		sink += gt_sst_seek_key(s, k, len);
	}
	gt_batch_init(&b);
	for (uint32_t i = 0; i < m->nblocks; i++) {
		const struct gt_sst_block_info *bi = gt_sst_block(s, i);
		sink += bi->rows + bi->sid_last;
		if (!gt_sst_read_block(s, i, NULL, 0, &b, &err))
			touch(&b);
		/* a projection: the last field only, into the same batch */
		uint32_t nf = bi->ncolstats;
		if (nf) {
			uint32_t id = bi->colstats[nf - 1].col_id;
			if (!gt_sst_read_block(s, i, &id, 1, &b, &err))
				touch(&b);
		}
	}
	gt_batch_release(&b);
	sink += (uint64_t)gt_sst_check(s, &err);
	gt_sst_close(s);
	return 0;
}
