/*
 * fuzz-promql.c - libFuzzer target for the PromQL parser: any bytes must
 * parse (and then print, and the printed text parse again to the same
 * text) or fail with a message, never crash, leak or recurse without
 * bound.  Nothing is evaluated.
 */
#include "buf.h"
#include "promql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_pq_expr *e = NULL, *e2 = NULL;
	struct gt_err err = {0};
	struct gt_buf out = {0}, out2 = {0};
	/* An exactly sized NUL-terminated copy, so AddressSanitizer sees any read past it. */
	char *q = malloc(size + 1);

	if (!q)
		return 0;
	memcpy(q, data, size);
	q[size] = 0;
	if (gt_pq_parse(q, &e, &err) < 0) {
		if (!err.msg[0])
			abort();   /* every failure must say why */
	} else {
		/* the canonical text reads back as itself */
		gt_pq_expr_print(e, &out);
		if (out.p && gt_pq_parse(out.p, &e2, &err) == 0) {
			gt_pq_expr_print(e2, &out2);
			if (!out2.p || strcmp(out.p, out2.p) != 0)
				abort();
		}
	}
	gt_pq_expr_free(e);
	gt_pq_expr_free(e2);
	gt_buf_release(&out);
	gt_buf_release(&out2);
	free(q);
	return 0;
}
