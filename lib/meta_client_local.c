/* meta_client_local.c - the meta client seam, in process over the catalog. */
#include "meta_client.h"

static int l_create_db(void *self, const char *db, bool ine, struct gt_err *err)
{
	return gt_catalog_create_db(self, db, ine, err);
}

static int l_drop_db(void *self, const char *db, bool ie, struct gt_err *err)
{
	return gt_catalog_drop_db(self, db, ie, err);
}

static bool l_has_db(void *self, const char *db)
{
	return gt_catalog_has_db(self, db);
}

static int l_list_dbs(void *self, char ***names)
{
	return gt_catalog_list_dbs(self, names);
}

static int l_list_tables(void *self, const char *db, char ***names, struct gt_err *err)
{
	return gt_catalog_list_tables(self, db, names, err);
}

static int l_create_tables(void *self, const char *db, const struct gt_table_spec *specs, uint32_t n,
			   struct gt_table_info *outs, int *rcs, struct gt_err *errs, struct gt_err *err)
{
	return gt_catalog_create_tables(self, db, specs, n, outs, rcs, errs, err);
}

static int l_get_table(void *self, const char *db, const char *name, struct gt_table_info *out,
		       struct gt_err *err)
{
	return gt_catalog_get_table(self, db, name, out, err);
}

static int l_alter_table(void *self, const char *db, const char *name, uint32_t old_version,
			 const struct gt_schema *s, struct gt_err *err)
{
	return gt_catalog_alter_table(self, db, name, old_version, s, err);
}

static int l_drop_table(void *self, const char *db, const char *name, struct gt_table_info *out,
			struct gt_err *err)
{
	return gt_catalog_drop_table(self, db, name, out, err);
}

static const struct gt_meta_client_ops local_ops = {
	.create_db = l_create_db, .drop_db = l_drop_db, .has_db = l_has_db, .list_dbs = l_list_dbs,
	.list_tables = l_list_tables, .create_tables = l_create_tables, .get_table = l_get_table,
	.alter_table = l_alter_table, .drop_table = l_drop_table,
};

void gt_meta_client_local(struct gt_meta_client *c, struct gt_catalog *cat)
{
	c->ops = &local_ops;
	c->self = cat;
}
