/* db.c - catalog + engine + region client for one data directory, or a
 * cluster's catalog and regions reached through gt-meta (db.h). */
#include "db.h"
#include "par.h"
#include "kv.h"
#include "meta-api.h"
#include "merge.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>

/* The engine's locator: a region's directory from its table's database. */
static int locate_region(void *ctx, uint64_t region_id, char *dir, size_t n)
{
	char db[GT_NAME_MAX + 1];
	if (gt_catalog_table_db(ctx, GT_REGION_TABLE(region_id), db, sizeof(db)))
		return GT_ENOTFOUND;
	return gt_region_dir(dir, n, db, region_id);
}

int gt_db_open(struct gt_db **out, const struct gt_engine_opts *o, struct gt_err *err)
{
	struct gt_db *db = gt_calloc(1, sizeof(*db));
	char path[4096];
	int rc;

	if (!db)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	pthread_mutex_init(&db->mu, NULL);
	if ((rc = gt_engine_open(&db->engine, o, err)))
		goto fail;
	snprintf(path, sizeof(path), "%s/catalog.json", o->data_home);
	if ((rc = gt_catalog_open(&db->catalog, path, !o->must_exist, err)))
		goto fail;
	gt_region_client_local(&db->rc, db->engine);
	gt_meta_client_local(&db->mc, db->catalog);
	gt_engine_set_locator(db->engine, locate_region, db->catalog);
	/* The engine holds the data directory's lock: no other process
	 * changes catalog.json while it is open, so reads need not stat it
	 * (a stat per table per request was 2.5% of remote-write CPU). */
	gt_catalog_set_max_age(db->catalog, UINT_MAX);
	*out = db;
	return 0;
fail:
	gt_db_close(db, 0);
	return rc;
}

int gt_db_open_cluster(struct gt_db **out, const char *meta_addr, struct gt_err *err)
{
	struct gt_db *db = gt_calloc(1, sizeof(*db));
	int rc;

	if (!db)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	pthread_mutex_init(&db->mu, NULL);
	if ((rc = gt_meta_api_new(&db->meta, meta_addr, NULL, err)) ||
	    (rc = gt_meta_kv_open(&db->kv, db->meta, err)) ||
	    (rc = gt_catalog_open_kv(&db->catalog, db->kv, "catalog", true, err)) ||
	    (rc = gt_region_client_remote(&db->rc, gt_meta_locate, db->meta, err)))
		goto fail;
	gt_meta_client_local(&db->mc, db->catalog);
	*out = db;
	return 0;
fail:
	gt_db_close(db, 0);
	return rc;
}

void gt_db_close(struct gt_db *db, int flush)
{
	if (!db)
		return;
	if (db->engine)
		gt_engine_close(db->engine, flush);
	if (db->meta && db->rc.ops)
		gt_region_client_remote_free(&db->rc);
	if (db->catalog)
		gt_catalog_close(db->catalog);
	if (db->kv)
		gt_kv_close(db->kv);
	if (db->meta)
		gt_meta_api_free(db->meta);
	pthread_mutex_destroy(&db->mu);
	free(db);
}

static int open_regions(struct gt_db *db, const struct gt_table_info *t, struct gt_err *err)
{
	char dir[1024];
	int rc;
	for (uint32_t i = 0; i < t->nregions; i++) {
		uint64_t id = gt_table_region(t, i);
		if ((rc = gt_region_dir(dir, sizeof(dir), t->db, id)))
			return gt_errf(err, rc, "region directory name too long");
		if ((rc = db->rc.ops->open(db->rc.self, id, dir, err)))
			return rc;
	}
	return 0;
}

int gt_db_table(struct gt_db *db, const char *dbname, const char *table, struct gt_table_info *out,
		struct gt_err *err)
{
	int rc = db->mc.ops->get_table(db->mc.self, dbname, table, out, err);
	if (rc)
		return rc;
	if ((rc = open_regions(db, out, err)))
		gt_table_info_release(out);
	return rc;
}

/* Cluster: have gt-meta place a new table's regions on live datanodes. */
static int place(struct gt_db *db, const struct gt_table_info *t, struct gt_err *err)
{
	struct gt_meta_region *regs = gt_calloc(t->nregions ? t->nregions : 1, sizeof(*regs));
	struct gt_meta_route *routes = NULL;
	size_t nroutes = 0;
	int rc = 0;

	if (!regs)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < t->nregions && !rc; i++) {
		regs[i].region_id = gt_table_region(t, i);
		if (gt_region_dir(regs[i].dir, sizeof(regs[i].dir), t->db, regs[i].region_id))
			rc = gt_errf(err, GT_EINVAL, "region directory name too long");
	}
	if (!rc)
		rc = gt_meta_place(db->meta, regs, t->nregions, &routes, &nroutes, err);
	free(routes);
	free(regs);
	return rc;
}

struct make_ctx {
	struct gt_db *db;
	struct gt_table_info *ts;
	int *rcs;
	struct gt_err *errs;
};

/* The regions of table i, when its catalog entry was made.  A table
 * whose regions cannot all be created drops those that were. */
static void make_regions(void *arg, uint32_t i)
{
	struct make_ctx *m = arg;
	const struct gt_table_info *t = &m->ts[i];
	char dir[1024];
	uint32_t r = 0;

	for (; r < t->nregions && !m->rcs[i]; r++) {
		uint64_t id = gt_table_region(t, r);
		if (gt_region_dir(dir, sizeof(dir), t->db, id))
			m->rcs[i] = gt_errf(&m->errs[i], GT_EINVAL, "region directory name too long");
		else
			m->rcs[i] = m->db->rc.ops->create(m->db->rc.self, id, dir, &t->schema, &m->errs[i]);
	}
	for (uint32_t j = 0; m->rcs[i] && j + 1 < r; j++)
		m->db->rc.ops->drop(m->db->rc.self, gt_table_region(t, j), NULL);
}

int gt_db_create_tables(struct gt_db *db, const char *dbname, const struct gt_table_spec *specs, uint32_t n,
			struct gt_table_info *outs, int *rcs, struct gt_err *errs, struct gt_err *err)
{
	struct gt_table_info *ts = gt_calloc(n + 1, sizeof(*ts));
	bool *made = gt_calloc(n + 1, sizeof(*made));
	int rc;

	if (!ts || !made) {
		free(ts);
		free(made);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&db->mu);
	rc = db->mc.ops->create_tables(db->mc.self, dbname, specs, n, ts, rcs, errs, err);
	for (uint32_t i = 0; !rc && i < n; i++) {
		made[i] = !rcs[i];
		if (made[i] && db->meta)
			rcs[i] = place(db, &ts[i], &errs[i]);
	}
	/* The tables' regions side by side: creating one is a handful of
	 * directory fsyncs, which the file system commits together. */
	if (!rc) {
		struct make_ctx m = {db, ts, rcs, errs};
		gt_par_run(n, n < 16 ? n : 16, make_regions, &m);
	}
	/* undo: a table without its regions must not stay in the catalog */
	for (uint32_t i = 0; !rc && i < n; i++)
		if (made[i] && rcs[i])
			db->mc.ops->drop_table(db->mc.self, dbname, specs[i].name, NULL, NULL);
	pthread_mutex_unlock(&db->mu);
	for (uint32_t i = 0; i < n; i++) {
		if (!rc && !rcs[i] && outs)
			outs[i] = ts[i];
		else
			gt_table_info_release(&ts[i]);
	}
	free(ts);
	free(made);
	return rc;
}

int gt_db_create_table(struct gt_db *db, const char *dbname, const char *table,
		       const struct gt_schema *schema, const struct gt_partition *part, struct gt_table_info *out,
		       struct gt_err *err)
{
	struct gt_table_spec sp = {table, schema, part};
	int trc = 0;
	int rc = gt_db_create_tables(db, dbname, &sp, 1, out, &trc, err, err);
	return rc ? rc : trc;
}

int gt_db_alter_table(struct gt_db *db, const struct gt_table_info *t, const struct gt_schema *schema,
		      struct gt_err *err)
{
	int rc;
	pthread_mutex_lock(&db->mu);
	rc = db->mc.ops->alter_table(db->mc.self, t->db, t->name, t->schema.version, schema, err);
	for (uint32_t i = 0; !rc && i < t->nregions; i++)
		rc = db->rc.ops->alter(db->rc.self, gt_table_region(t, i), schema, err);
	pthread_mutex_unlock(&db->mu);
	return rc;
}

int gt_db_drop_table(struct gt_db *db, const char *dbname, const char *table, struct gt_err *err)
{
	struct gt_table_info t;
	int rc;

	if ((rc = gt_db_table(db, dbname, table, &t, err)))
		return rc;
	pthread_mutex_lock(&db->mu);
	rc = db->mc.ops->drop_table(db->mc.self, dbname, table, NULL, err);
	for (uint32_t i = 0; !rc && i < t.nregions; i++)
		rc = db->rc.ops->drop(db->rc.self, gt_table_region(&t, i), err);
	for (uint32_t i = 0; !rc && db->meta && i < t.nregions; i++)
		gt_meta_route_delete(db->meta, gt_table_region(&t, i), NULL);
	pthread_mutex_unlock(&db->mu);
	gt_table_info_release(&t);
	return rc;
}

/* The rows of b that route to region g, as a batch of their own (keys
 * renumbered to those the rows use). */
static int sub_batch(struct gt_batch *out, const struct gt_batch *b, const uint32_t *region, uint32_t g,
		     int64_t *kmap, struct gt_err *err)
{
	int rc = 0;
	gt_batch_init(out);
	for (uint32_t c = 0; c < b->ncols && rc >= 0; c++)
		rc = gt_batch_add_col(out, b->col_ids[c], (enum gt_type)b->cols[c].type);
	if (rc >= 0 && (b->has_keys || b->op))
		rc = gt_batch_reserve_meta(out, b->nrows, false, b->op != NULL, b->has_keys);
	out->has_keys = b->has_keys;
	for (uint32_t k = 0; b->has_keys && k < b->nkeys; k++)
		kmap[k] = -1;
	for (uint32_t r = 0; r < b->nrows && rc >= 0; r++) {
		if (region[r] != g)
			continue;
		for (uint32_t c = 0; c < b->ncols && rc >= 0; c++)
			rc = gt_vec_push_from(&out->cols[c], &b->cols[c], r);
		if (rc < 0)
			break;
		if (b->op)
			out->op[out->nrows] = b->op[r];
		if (b->has_keys) {
			uint32_t k = b->sid[r];
			if (kmap[k] < 0) {
				size_t len;
				const void *key = gt_batch_key(b, k, &len);
				if ((rc = gt_batch_add_key(out, key, len)) < 0)
					break;
				kmap[k] = rc;
			}
			out->sid[out->nrows] = (uint32_t)kmap[k];
		}
		out->nrows++;
	}
	if (rc < 0) {
		gt_batch_release(out);
		return gt_errf(err, rc, "out of memory");
	}
	return 0;
}

/*
 * The region writes of one request.  The in-process client takes them
 * all in one call (one WAL append and one sync for every region); a
 * client without write_many (a remote one) writes them side by side
 * (par.h), a datanode's answer each, overlapping instead of adding up.
 */
struct region_write {
	struct gt_db *db;
	uint64_t region_id;
	uint32_t table;            /* index of the caller's table */
	const struct gt_batch *b;  /* the caller's batch, or part */
	struct gt_batch part;      /* the rows one region of a partitioned table takes */
	struct gt_err err;
	int rc;
};

static void region_write_job(void *ctx, uint32_t i)
{
	struct region_write *w = (struct region_write *)ctx + i;
	w->rc = w->db->rc.ops->write(w->db->rc.self, w->region_id, w->b, &w->err);
}

/* Split b by t's partition rule into writes w[*nw...]: every row is routed
 * before anything is written, and a row no region takes fails the table. */
static int route(struct gt_db *db, const struct gt_table_info *t, const struct gt_batch *b, uint32_t table,
		 struct region_write *w, uint32_t *nw, struct gt_err *err)
{
	struct gt_part_plan *pl = NULL;
	uint32_t *region = NULL, first = *nw;
	int64_t *kmap = NULL;
	int rc;

	if ((rc = gt_partition_compile(&t->part, &t->schema, &pl, err)))
		return gt_err_prefix(err, "table '%s'", t->name), rc;
	region = gt_calloc(b->nrows ? b->nrows : 1, sizeof(*region));
	kmap = gt_calloc(b->has_keys && b->nkeys ? b->nkeys : 1, sizeof(*kmap));
	if (!region || !kmap)
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
	else if ((rc = gt_partition_route(pl, b, region, err)))
		gt_err_prefix(err, "table '%s'", t->name);
	for (uint32_t g = 0; !rc && g < t->nregions; g++) {
		bool any = false;
		for (uint32_t r = 0; r < b->nrows && !any; r++)
			any = region[r] == g;
		if (!any)
			continue;
		struct region_write *x = &w[*nw];
		if ((rc = sub_batch(&x->part, b, region, g, kmap, err)))
			break;
		x->db = db;
		x->table = table;
		x->b = &x->part;
		x->region_id = gt_table_region(t, g);
		++*nw;
	}
	if (rc)
		for (; *nw > first; --*nw)
			gt_batch_release(&w[*nw - 1].part);
	free(region);
	free(kmap);
	gt_part_plan_free(pl);
	return rc;
}

int gt_db_write_many(struct gt_db *db, const struct gt_table_info *const *ts, const struct gt_batch *const *bs,
		     uint32_t n, int *rcs, struct gt_err *errs)
{
	struct region_write *w;
	uint32_t nw = 0, total = 0;
	int rc = 0;

	for (uint32_t i = 0; i < n; i++) {
		rcs[i] = 0;
		total += ts[i]->part.nexprs < 2 ? 1 : ts[i]->nregions;
	}
	if (!(w = gt_calloc(total + 1, sizeof(*w)))) {
		for (uint32_t i = 0; i < n; i++)
			rcs[i] = gt_errf(&errs[i], GT_ENOMEM, "out of memory");
		return n ? GT_ENOMEM : 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (ts[i]->part.nexprs >= 2) {
			rcs[i] = route(db, ts[i], bs[i], i, w, &nw, &errs[i]);
			continue;
		}
		w[nw] = (struct region_write){ .db = db, .region_id = gt_table_region(ts[i], 0), .table = i,
					       .b = bs[i] };
		gt_batch_init(&w[nw++].part);
	}
	if (nw && db->rc.ops->write_many) {
		uint64_t *ids = gt_calloc(nw, sizeof(*ids));
		const struct gt_batch **b = gt_calloc(nw, sizeof(*b));
		int *wrc = gt_calloc(nw, sizeof(*wrc));
		struct gt_err *werr = gt_calloc(nw, sizeof(*werr));
		if (ids && b && wrc && werr) {
			for (uint32_t k = 0; k < nw; k++) {
				ids[k] = w[k].region_id;
				b[k] = w[k].b;
			}
			db->rc.ops->write_many(db->rc.self, ids, b, nw, wrc, werr);
			for (uint32_t k = 0; k < nw; k++) {
				w[k].rc = wrc[k];
				w[k].err = werr[k];
			}
		} else {
			for (uint32_t k = 0; k < nw; k++)
				w[k].rc = gt_errf(&w[k].err, GT_ENOMEM, "out of memory");
		}
		free(ids);
		free(b);
		free(wrc);
		free(werr);
	} else if (nw) {
		gt_par_run(nw, 8, region_write_job, w);
	}
	/* a table answers with the first of its regions that failed */
	for (uint32_t k = 0; k < nw; k++) {
		if (w[k].rc < 0 && !rcs[w[k].table]) {
			rcs[w[k].table] = w[k].rc;
			errs[w[k].table] = w[k].err;
		}
		gt_batch_release(&w[k].part);
	}
	for (uint32_t i = 0; i < n && !rc; i++)
		rc = rcs[i];
	free(w);
	return rc;
}

int gt_db_write(struct gt_db *db, const struct gt_table_info *t, const struct gt_batch *b,
		struct gt_err *err)
{
	int rc;
	if (t->part.nexprs < 2)
		return db->rc.ops->write(db->rc.self, gt_table_region(t, 0), b, err);
	return gt_db_write_many(db, &t, &b, 1, &rc, err);
}

struct gt_table_scan {
	struct gt_db *db;
	struct gt_table_info t;
	struct gt_scan_req req;
	uint32_t next_region;
	bool *skip;              /* NULL, or per region: pruned by the partition rule */
	struct gt_region_stream cur;
	bool open;
};

/*
 * The regions whose partition expression cannot hold under the scan's tag
 * equality and IN predicates: skip[i] set.  NULL when nothing is pruned
 * (no rule, no such predicate, or the rule does not compile).
 */
static bool *prune(const struct gt_table_info *t, const struct gt_scan_req *req)
{
	struct gt_part_plan *pl = NULL;
	struct gt_err err = {0};
	bool *skip = NULL, any = false;

	if (t->part.nexprs < 2 || !req->npreds || gt_partition_compile(&t->part, &t->schema, &pl, &err))
		return NULL;
	if (!(skip = gt_calloc(t->nregions, sizeof(*skip))))
		goto out;
	for (uint32_t i = 0; i < req->npreds; i++) {
		const struct gt_tag_pred *p = &req->preds[i];
		uint32_t lens[64];
		int k = -1;
		if ((p->op != GT_PRED_EQ && p->op != GT_PRED_IN) || p->nvals > 64)
			continue;
		for (uint32_t c = 0, ord = 0; c < t->schema.ncols && k < 0; c++)
			if (t->schema.cols[c].sem == GT_TAG && ord++ == p->tag)
				k = (int)c;
		if (k < 0)
			continue;
		for (uint32_t v = 0; v < p->nvals; v++)
			lens[v] = (uint32_t)strlen(p->vals[v]);
		for (uint32_t r = 0; r < t->nregions; r++)
			if (!gt_part_plan_may_match(pl, r, t->schema.cols[k].name, p->vals, lens, p->nvals))
				any = skip[r] = true;
	}
	if (!any) {
		free(skip);
		skip = NULL;
	}
out:
	gt_part_plan_free(pl);
	return skip;
}

static int open_next(struct gt_table_scan *s, struct gt_err *err)
{
	int rc;
	if (s->open) {
		s->cur.free(s->cur.self);
		s->open = false;
	}
	while (s->skip && s->next_region < s->t.nregions && s->skip[s->next_region])
		s->next_region++;
	if (s->next_region >= s->t.nregions)
		return 0;
	rc = s->db->rc.ops->scan(s->db->rc.self, gt_table_region(&s->t, s->next_region++), &s->req, &s->cur, err);
	if (rc)
		return rc;
	s->open = true;
	return 1;
}

int gt_db_scan(struct gt_db *db, const struct gt_table_info *t, const struct gt_scan_req *req,
	       struct gt_table_scan **out, struct gt_err *err)
{
	struct gt_table_scan *s = gt_calloc(1, sizeof(*s));
	int rc;
	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->db = db;
	s->req = *req;
	s->t.nregions = t->nregions;
	s->t.id = t->id;
	s->skip = prune(t, req);
	if ((rc = open_next(s, err)) < 0) {
		free(s->skip);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int gt_table_scan_next(struct gt_table_scan *s, const struct gt_batch **b, struct gt_err *err)
{
	for (;;) {
		int rc;
		if (!s->open)
			return 0;
		rc = s->cur.next(s->cur.self, b, err);
		if (rc)
			return rc;
		if ((rc = open_next(s, err)) < 0)
			return rc;
	}
}

const void *gt_table_scan_key(struct gt_table_scan *s, uint32_t sid, size_t *len)
{
	return s->cur.key(s->cur.self, sid, len);
}

struct agg_call {
	struct gt_db *db;
	uint64_t region_id;
	const void *plan;
	size_t plan_len;
	struct gt_buf out;
	struct gt_err err;
	int rc;
	pthread_t th;
	bool started;
};

static void *agg_call_main(void *arg)
{
	struct agg_call *c = arg;
	const struct gt_region_client *rc = &c->db->rc;
	c->rc = rc->ops->aggregate(rc->self, c->region_id, c->plan, c->plan_len, &c->out, &c->err);
	return NULL;
}

int gt_db_aggregate(struct gt_db *db, const struct gt_table_info *t, const struct gt_scan_req *req,
		    const void *plan, size_t plan_len,
		    int (*merge)(void *ctx, const void *partial, size_t n, struct gt_err *err), void *ctx,
		    struct gt_err *err)
{
	bool *skip = prune(t, req);
	struct agg_call *calls = gt_calloc(t->nregions + 1, sizeof(*calls));
	uint32_t n = 0;
	int rc = 0;

	if (!calls) {
		free(skip);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < t->nregions; i++) {
		if (skip && skip[i])
			continue;
		struct agg_call *c = &calls[n++];
		c->db = db;
		c->region_id = gt_table_region(t, i);
		c->plan = plan;
		c->plan_len = plan_len;
	}
	/* The first region in this thread, the others beside it. */
	for (uint32_t i = 1; i < n; i++)
		calls[i].started = pthread_create(&calls[i].th, NULL, agg_call_main, &calls[i]) == 0;
	for (uint32_t i = 0; i < n; i++)
		if (i == 0 || !calls[i].started)
			agg_call_main(&calls[i]);
	for (uint32_t i = 0; i < n; i++) {
		struct agg_call *c = &calls[i];
		if (c->started)
			pthread_join(c->th, NULL);
		if (rc == 0 && c->rc < 0) {
			*err = c->err;
			rc = c->rc;
		}
		if (rc == 0)
			rc = merge(ctx, c->out.p ? c->out.p : "", c->out.len, err);
		gt_buf_release(&c->out);
	}
	free(calls);
	free(skip);
	return rc;
}

void gt_table_scan_free(struct gt_table_scan *s)
{
	if (!s)
		return;
	if (s->open)
		s->cur.free(s->cur.self);
	free(s->skip);
	free(s);
}
