/*
 * fuzz-wal.c - libFuzzer target for the WAL segment parser: any input is
 * parsed as a whole segment image by gt_wal_read_segment(), which must
 * either accept it or stop with GT_ECORRUPT (or GT_EUNSUPP for another
 * version) and an "offset N: ..." message, never read outside the input, and hand fn only payloads that
 * lie inside it (every payload byte is read to let ASan check that).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct acc {
	uint64_t next;      /* the end of the previous record */
	uint8_t x;
};

static int touch(void *ctx, uint64_t region, uint64_t seq, uint32_t count, const void *payload, size_t len)
{
	struct acc *a = ctx;
	const uint8_t *p = payload;

	(void)region;
	/* The parser promises increasing, non-empty sequence runs. */
	if (count == 0 || seq < a->next)
		abort();
	a->next = seq + count;
	for (size_t i = 0; i < len; i++)
		a->x ^= p[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_err err = {0};
	struct acc a = {0};
	volatile uint8_t sink;
	int rc;

	rc = gt_wal_read_segment(data, size, touch, &a, &err);
	if (rc != 0 && ((rc != GT_ECORRUPT && rc != GT_EUNSUPP) ||
			strncmp(err.msg, "offset ", 7) != 0))
		abort();
	sink = a.x;
	(void)sink;
	return 0;
}
