/* region_client_local.c - the region client seam, in process. */
#include "region_client.h"
#include "agg.h"
#include "engine.h"

#include <inttypes.h>

static struct gt_region *get(void *self, uint64_t id, struct gt_err *err)
{
	struct gt_region *r = gt_engine_region(self, id);
	if (!r)
		gt_errf(err, GT_ENOTFOUND, "region %" PRIu64 " is not open", id);
	return r;
}

static int l_create(void *self, uint64_t id, const char *dir, const struct gt_schema *s, struct gt_err *err)
{
	return gt_engine_create_region(self, id, dir, s, err);
}

static int l_open(void *self, uint64_t id, const char *dir, struct gt_err *err)
{
	return gt_engine_open_region(self, id, dir, err);
}

static int l_close(void *self, uint64_t id, struct gt_err *err)
{
	return gt_engine_close_region(self, id, err);
}

static int l_drop(void *self, uint64_t id, struct gt_err *err)
{
	return gt_engine_drop_region(self, id, err);
}

static int l_write(void *self, uint64_t id, const struct gt_batch *b, struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	return r ? gt_region_write(r, b, NULL, err) : GT_ENOTFOUND;
}

static int l_write_many(void *self, const uint64_t *ids, const struct gt_batch *const *bs, uint32_t n, int *rcs,
			struct gt_err *errs)
{
	struct gt_region **rs = gt_calloc(n + 1, sizeof(*rs));
	const struct gt_batch **b = gt_calloc(n + 1, sizeof(*b));
	uint32_t *at = gt_calloc(n + 1, sizeof(*at)), k = 0;
	int *krc = gt_calloc(n + 1, sizeof(*krc)), rc = 0;
	struct gt_err *kerr = gt_calloc(n + 1, sizeof(*kerr));

	if (!rs || !b || !at || !krc || !kerr) {
		for (uint32_t i = 0; i < n; i++)
			rcs[i] = gt_errf(&errs[i], GT_ENOMEM, "out of memory");
		rc = GT_ENOMEM;
		goto out;
	}
	/* the regions this datanode has go in one call; the others fail alone */
	for (uint32_t i = 0; i < n; i++) {
		rcs[i] = 0;
		if (!(rs[k] = get(self, ids[i], &errs[i]))) {
			rcs[i] = GT_ENOTFOUND;
			continue;
		}
		b[k] = bs[i];
		at[k++] = i;
	}
	gt_region_write_many(rs, b, k, krc, kerr);
	for (uint32_t j = 0; j < k; j++) {
		rcs[at[j]] = krc[j];
		if (krc[j])
			errs[at[j]] = kerr[j];
	}
	for (uint32_t i = 0; i < n && !rc; i++)
		rc = rcs[i];
out:
	free(rs);
	free(b);
	free(at);
	free(krc);
	free(kerr);
	return rc;
}

static int s_next(void *self, const struct gt_batch **b, struct gt_err *err)
{
	return gt_scan_next(self, b, err);
}

static const void *s_key(void *self, uint32_t sid, size_t *len)
{
	return gt_scan_key(self, sid, len);
}

static void s_free(void *self)
{
	gt_scan_free(self);
}

static int l_scan(void *self, uint64_t id, const struct gt_scan_req *req, struct gt_region_stream *out,
		  struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	struct gt_scan *s;
	int rc;
	if (!r)
		return GT_ENOTFOUND;
	if ((rc = gt_region_scan(r, req, &s, err)))
		return rc;
	out->self = s;
	out->next = s_next;
	out->key = s_key;
	out->free = s_free;
	return 0;
}

static int l_flush(void *self, uint64_t id, struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	return r ? gt_region_flush(r, err) : GT_ENOTFOUND;
}

static int l_compact(void *self, uint64_t id, const struct gt_compact_opts *o, struct gt_compact_report *rep,
		     struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	return r ? gt_region_compact(r, o, rep, err) : GT_ENOTFOUND;
}

static int l_alter(void *self, uint64_t id, const struct gt_schema *s, struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	return r ? gt_region_alter(r, s, err) : GT_ENOTFOUND;
}

static int l_truncate(void *self, uint64_t id, struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	return r ? gt_region_truncate(r, err) : GT_ENOTFOUND;
}

static int l_truncate_files(void *self, uint64_t id, const int64_t *ranges, uint32_t n, struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	return r ? gt_region_truncate_files(r, ranges, n, err) : GT_ENOTFOUND;
}

static int l_stats(void *self, uint64_t id, struct gt_region_stats *out, struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	if (!r)
		return GT_ENOTFOUND;
	gt_region_stats(r, out);
	return 0;
}

static int l_aggregate(void *self, uint64_t id, const void *plan, size_t n, struct gt_buf *out,
		       struct gt_err *err)
{
	struct gt_region *r = get(self, id, err);
	return r ? gt_agg_region(r, plan, n, out, err) : GT_ENOTFOUND;
}

static const struct gt_region_client_ops local_ops = {
	.create = l_create, .open = l_open, .close = l_close, .drop = l_drop,
	.write = l_write, .write_many = l_write_many, .scan = l_scan, .flush = l_flush, .compact = l_compact,
	.alter = l_alter, .truncate = l_truncate, .truncate_files = l_truncate_files, .stats = l_stats,
	.aggregate = l_aggregate,
};

void gt_region_client_local(struct gt_region_client *c, struct gt_engine *e)
{
	c->ops = &local_ops;
	c->self = e;
}
