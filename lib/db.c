/* db.c - catalog + engine + region client for one data directory. */
#include "db.h"

#include <pthread.h>
#include <stdio.h>

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
	if (db->catalog)
		gt_catalog_close(db->catalog);
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

int gt_db_create_table(struct gt_db *db, const char *dbname, const char *table,
		       const struct gt_schema *schema, uint32_t nregions, struct gt_table_info *out,
		       struct gt_err *err)
{
	struct gt_table_info t;
	char dir[1024];
	int rc;

	memset(&t, 0, sizeof(t));
	pthread_mutex_lock(&db->mu);
	rc = db->mc.ops->create_table(db->mc.self, dbname, table, schema, nregions, &t, err);
	for (uint32_t i = 0; !rc && i < t.nregions; i++) {
		uint64_t id = gt_table_region(&t, i);
		if ((rc = gt_region_dir(dir, sizeof(dir), t.db, id)))
			rc = gt_errf(err, rc, "region directory name too long");
		else
			rc = db->rc.ops->create(db->rc.self, id, dir, &t.schema, err);
		if (rc) {
			/* undo: a table without its regions must not stay in the catalog */
			for (uint32_t j = 0; j < i; j++)
				db->rc.ops->drop(db->rc.self, gt_table_region(&t, j), NULL);
			db->mc.ops->drop_table(db->mc.self, dbname, table, NULL, NULL);
		}
	}
	pthread_mutex_unlock(&db->mu);
	if (rc) {
		gt_table_info_release(&t);
		return rc;
	}
	if (out)
		*out = t;
	else
		gt_table_info_release(&t);
	return 0;
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
	pthread_mutex_unlock(&db->mu);
	gt_table_info_release(&t);
	return rc;
}

int gt_db_write(struct gt_db *db, const struct gt_table_info *t, const struct gt_batch *b,
		struct gt_err *err)
{
	/* One region per table until partition rules come (distributed mode). */
	return db->rc.ops->write(db->rc.self, gt_table_region(t, 0), b, err);
}

struct gt_table_scan {
	struct gt_db *db;
	struct gt_table_info t;
	struct gt_scan_req req;
	uint32_t next_region;
	struct gt_region_stream cur;
	bool open;
};

static int open_next(struct gt_table_scan *s, struct gt_err *err)
{
	int rc;
	if (s->open) {
		s->cur.free(s->cur.self);
		s->open = false;
	}
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
	if ((rc = open_next(s, err)) < 0) {
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

void gt_table_scan_free(struct gt_table_scan *s)
{
	if (!s)
		return;
	if (s->open)
		s->cur.free(s->cur.self);
	free(s);
}
