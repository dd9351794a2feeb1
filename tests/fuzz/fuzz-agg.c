/*
 * fuzz-agg.c - libFuzzer target for the aggregation kernel's bytes
 * (agg.h): a plan, as a datanode receives it in an AGGREGATE request,
 * and a partial, as a frontend receives it in the reply.  Input: u16 LE
 * plan length | plan | partial.  The plan must decode or be refused
 * with GT_ECORRUPT and an "aggregate plan: " message; a decoded plan
 * must encode to bytes that decode to the same plan; the partial must merge (twice: two
 * regions) or be refused with GT_ECORRUPT / GT_ETOOBIG, never read
 * outside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agg_run r;
	struct gt_err err = {0};
	struct gt_buf again = {0};
	size_t pl;
	int rc;

	if (size < 2)
		return 0;
	pl = (size_t)data[0] | (size_t)data[1] << 8;
	if (pl > size - 2)
		pl = size - 2;
	memset(&r, 0, sizeof(r));
	rc = agg_plan_decode(&r, data + 2, pl, &err);
	if (rc && (rc != GT_ECORRUPT || strncmp(err.msg, "aggregate plan: ", 16)))
		abort();
	if (!rc) {
		/* varints may come overlong: the plan's own encoding is a fixed point */
		struct agg_run r2;
		struct gt_buf third = {0};
		memset(&r2, 0, sizeof(r2));
		if (agg_plan_encode(&r, &again) || agg_plan_decode(&r2, again.p, again.len, &err) ||
		    agg_plan_encode(&r2, &third) || third.len != again.len || memcmp(third.p, again.p, again.len))
			abort();
		agg_run_free(&r2);
		gt_buf_release(&third);
		if (agg_prepare(&r, &err) == 0)
			for (int k = 0; k < 2; k++) {
				rc = agg_merge(&r, data + 2 + pl, size - 2 - pl, &err);
				if (rc && rc != GT_ECORRUPT && rc != GT_ETOOBIG)
					abort();
			}
	}
	gt_buf_release(&again);
	agg_run_free(&r);
	return 0;
}
