/*
 * fuzz-rpc.c - libFuzzer target for the region RPC frame decoder
 * (rpc.h): any input is taken as a frame image.  The header must be
 * accepted or refused with a message; an accepted header's body is
 * decoded as its op says (request, OK reply of each op, error, scan
 * batch), which must succeed or fail with GT_ECORRUPT / GT_EUNSUPP /
 * GT_ETOOBIG and an "rpc: " message, never read outside the input.  A
 * request that decodes is encoded again and must decode to the same
 * bytes (the format has one spelling per request).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void refused_well(int rc, const struct gt_err *err)
{
	if (rc == 0)
		return;
	if ((rc != GT_ECORRUPT && rc != GT_EUNSUPP && rc != GT_ETOOBIG && rc != GT_EINVAL) ||
	    strncmp(err->msg, "rpc: ", 5))
		abort();
}

static void request(unsigned op, const uint8_t *p, size_t n)
{
	struct gt_err err = {0};
	struct gt_rpc_req r, again;
	struct gt_buf b1 = {0}, b2 = {0};
	int rc = gt_rpc_req_decode(&r, op, p, n, &err);

	refused_well(rc, &err);
	if (!rc) {
		/* a decoded request must encode; schemas may re-spell their JSON */
		if (gt_rpc_req_encode(&b1, 1, &r, &err))
			abort();
		if (gt_rpc_req_decode(&again, op, b1.p + GT_RPC_HDR, b1.len - GT_RPC_HDR, &err))
			abort();
		if (gt_rpc_req_encode(&b2, 1, &again, &err) || b1.len != b2.len || memcmp(b1.p, b2.p, b1.len))
			abort();
		gt_rpc_req_release(&again);
	}
	gt_rpc_req_release(&r);
	gt_buf_release(&b1);
	gt_buf_release(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_err err = {0};
	struct gt_rpc_hdr h;
	const uint8_t *body;
	size_t n;
	int rc;

	if (size < GT_RPC_HDR)
		return 0;
	rc = gt_rpc_hdr_decode(&h, data, 0, &err);
	refused_well(rc, &err);
	if (rc)
		return 0;
	body = data + GT_RPC_HDR;
	/* the declared length, but never past the input */
	n = GT_MIN((size_t)h.len, size - GT_RPC_HDR);
	if (h.op >= 1 && h.op <= GT_RPC_OP_MAX) {
		request(h.op, body, n);
	} else if (h.op == GT_RPC_OK) {
		struct gt_rpc_result res;
		for (unsigned op = 1; op <= GT_RPC_OP_MAX; op++)
			refused_well(gt_rpc_ok_decode(&res, op, body, n, &err), &err);
	} else if (h.op == GT_RPC_ERROR) {
		rc = gt_rpc_error_decode(body, n, &err);
		if (rc >= 0)
			abort();
		if (rc == GT_ECORRUPT && strncmp(err.msg, "rpc: ", 5) && strlen(err.msg) > GT_RPC_MAX_MSG)
			abort();
	} else if (h.op == GT_RPC_BATCH) {
		struct gt_rpc_keys keys = {0};
		struct gt_batch b;
		gt_batch_init(&b);
		rc = gt_rpc_batch_decode(&b, &keys, body, n, &err);
		refused_well(rc, &err);
		for (uint32_t i = 0; !rc && i < b.nrows; i++) {
			size_t len;
			const volatile uint8_t *k = gt_rpc_keys_get(&keys, b.sid[i], &len);
			if (len)
				(void)k[len - 1];
		}
		gt_batch_release(&b);
		gt_rpc_keys_release(&keys);
	}
	return 0;
}
