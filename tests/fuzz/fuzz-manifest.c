/*
 * fuzz-manifest.c - the manifest reader on arbitrary bytes.
 *
 * Besides "never crash, never leak", one property: whatever the reader
 * accepts, it writes back as a checkpoint that reads again to the same
 * state (the checkpoint form is a fixed point).  A second application of
 * the same input to the resulting state exercises the non-fresh paths
 * (version continuity, region match, replacing a state).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "manifest.h"

static char *text_of(const struct gt_region_state *st)
{
	json_t *j = gt_region_state_to_json(st);
	char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_region_state st = {0}, again = {0};
	struct gt_err err = {0};

	if (gt_manifest_apply_json(&st, (const char *)data, size, &err) == 0) {
		char *t1 = text_of(&st), *t2;
		if (!t1)
			abort();
		if (gt_manifest_apply_json(&again, t1, strlen(t1), &err))
			abort();   /* the checkpoint we wrote must read back */
		t2 = text_of(&again);
		if (!t2 || strcmp(t1, t2))
			abort();   /* ... to the same state */
		free(t1);
		free(t2);
		gt_manifest_apply_json(&st, (const char *)data, size, &err);
	}
	gt_region_state_release(&st);
	gt_region_state_release(&again);
	return 0;
}
