/*
 * fuzz-promwrite.c - libFuzzer target for the remote-write decoder
 * (promwrite.h): the input is a snappy frame as a client posts it.  The
 * frame must decompress or be refused (GT_EINVAL / GT_ETOOBIG with a
 * message); what decompresses is decoded as a WriteRequest into an
 * ingester's builders (no database), which must load or be refused the
 * same way, never read outside the input.  The decompressed bytes are
 * also decoded as they are (the protobuf without its snappy frame), so
 * the corpus reaches the protobuf decoder either way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "promwrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void refused_well(int rc, const struct gt_err *err)
{
	if (rc == 0)
		return;
	if ((rc != GT_EINVAL && rc != GT_ETOOBIG) || !err->msg[0])
		abort();
}

static void decode(const void *pb, size_t n)
{
	struct gt_ingest in;
	struct gt_prom_scratch s = {0};
	struct gt_err err = {0};
	uint64_t samples = 0;

	gt_ingest_init(&in, NULL);
	refused_well(gt_promwrite_parse(&in, &s, pb, n, &samples, &err), &err);
	gt_ingest_release(&in);
	gt_prom_scratch_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_prom_scratch s = {0};
	struct gt_err err = {0};
	size_t n = 0;
	int rc = gt_snappy_decode(&s, data, size, (size_t)1 << 24, &n, &err);

	refused_well(rc, &err);
	if (!rc)
		decode(s.raw, n);
	gt_prom_scratch_release(&s);
	decode(data, size);
	return 0;
}
