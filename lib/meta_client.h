/*
 * meta_client.h - the meta client seam of DESIGN.md section 1: how the
 * frontend reads and changes the catalog (databases, tables, schemas,
 * table ids and regions).  Today one implementation exists, in process
 * over the catalog (meta_client_local.c); distributed mode adds gt-meta
 * behind the same operations (HTTP+JSON, with route lookups and datanode
 * leases), so callers do not change.
 *
 * Every operation is as catalog.h documents it; getters return copies
 * the caller releases.  Thread-safe.
 */
#ifndef GT_META_CLIENT_H
#define GT_META_CLIENT_H

#include "catalog.h"

struct gt_meta_client_ops {
	int (*create_db)(void *self, const char *db, bool if_not_exists, struct gt_err *err);
	int (*drop_db)(void *self, const char *db, bool if_exists, struct gt_err *err);
	bool (*has_db)(void *self, const char *db);
	int (*list_dbs)(void *self, char ***names);
	int (*list_tables)(void *self, const char *db, char ***names, struct gt_err *err);
	int (*create_tables)(void *self, const char *db, const struct gt_table_spec *specs, uint32_t n,
			     struct gt_table_info *outs, int *rcs, struct gt_err *errs, struct gt_err *err);
	int (*get_table)(void *self, const char *db, const char *name, struct gt_table_info *out,
			 struct gt_err *err);
	int (*alter_table)(void *self, const char *db, const char *name, uint32_t old_version,
			   const struct gt_schema *schema, struct gt_err *err);
	int (*drop_table)(void *self, const char *db, const char *name, struct gt_table_info *out,
			  struct gt_err *err);
};

struct gt_meta_client {
	const struct gt_meta_client_ops *ops;
	void *self;
};

/* The in-process client over a catalog (borrowed). */
void gt_meta_client_local(struct gt_meta_client *c, struct gt_catalog *cat);

#endif
