/*
 * catalog.h - databases and tables: names, table ids, schemas and the
 * regions of each table, kept as one JSON document: the value of one key
 * of a KV store (kv.h).  Standalone, the key is "catalog" of a directory
 * KV on DATA_HOME with suffix ".json", i.e. the file DATA_HOME/catalog.json
 * as ever (written durably: write, fsync, rename, fsync dir).  In a
 * cluster it is key "catalog" of gt-meta, reached over the remote KV.
 *
 * Every change is get -> edit a copy -> put with the revision read
 * (compare and swap); when another writer came first the change is made
 * again on the newer document, so several processes (frontends) may
 * share one catalog.  Reads use the cached document after a cheap
 * revalidation (one stat() for the directory KV).
 *
 *   {"version":1,"next_table_id":1025,
 *    "databases":{"public":{"tables":{"cpu":{"id":1024,"regions":1,
 *                                             "created_ms":...,"schema":{...},
 *                                             "partition":{"columns":["a"],
 *                                                          "exprs":["a < 10","a >= 10"]}}},
 *                           "options":{"ttl":"1h",...}}}}
 *
 * A database's "options" (CREATE DATABASE ... WITH, ALTER DATABASE SET)
 * are absent when it has none; a table's "partition" (partition.h) when
 * it has no rule.  "regions" is the rule's expression count, at least 1.
 *
 * Table ids start at 1024 as in GreptimeDB; region numbers are 0..n-1.
 * Thread-safe (one mutex).  Getters return copies the caller releases.
 */
#ifndef GT_CATALOG_H
#define GT_CATALOG_H

#include <stdbool.h>
#include "partition.h"
#include "schema.h"

#define GT_DEFAULT_DB "public"
#define GT_FIRST_TABLE_ID 1024

struct gt_table_info {
	char *db;
	char *name;
	uint32_t id;
	uint32_t nregions;
	int64_t created_ms;
	struct gt_schema schema;
	struct gt_partition part;   /* zeroed: no rule */
};

struct gt_catalog;

/* Open (creating it when create is set, else GT_ENOTFOUND) the catalog at path
 * (a directory KV on path's directory; a ".json" ending is the suffix). */
int gt_catalog_open(struct gt_catalog **out, const char *path, bool create, struct gt_err *err);
/* The same on key of kv (borrowed: it must outlive the catalog). */
struct gt_kv;
int gt_catalog_open_kv(struct gt_catalog **out, struct gt_kv *kv, const char *key, bool create,
		       struct gt_err *err);
void gt_catalog_close(struct gt_catalog *c);

/*
 * Let reads trust the cached document for ms milliseconds after a
 * revalidation (0, the default: revalidate before every read).  For a
 * catalog over gt-meta's HTTP KV, where a revalidation is a round trip.
 * A read that does not find its database, table or view revalidates at
 * once, so an object created by another process is seen immediately;
 * other changes by others are seen within ms.  Changes stay
 * compare-and-swap on the stored revision, never on a stale copy.
 */
void gt_catalog_set_max_age(struct gt_catalog *c, unsigned ms);

int gt_catalog_create_db(struct gt_catalog *c, const char *db, bool if_not_exists, struct gt_err *err);
/* A database's options (WITH of CREATE DATABASE, ALTER DATABASE): out is released by the caller. */
int gt_catalog_db_options(struct gt_catalog *c, const char *db, struct gt_opts *out, struct gt_err *err);
/* Replace a database's options. */
int gt_catalog_set_db_options(struct gt_catalog *c, const char *db, const struct gt_opts *o, struct gt_err *err);
int gt_catalog_drop_db(struct gt_catalog *c, const char *db, bool if_exists, struct gt_err *err);
bool gt_catalog_has_db(struct gt_catalog *c, const char *db);
/* Sorted names; *names is a NULL-terminated array the caller frees with gt_strv_free. */
int gt_catalog_list_dbs(struct gt_catalog *c, char ***names);
int gt_catalog_list_tables(struct gt_catalog *c, const char *db, char ***names, struct gt_err *err);
void gt_strv_free(char **v);

/* A table to create: part NULL is no partition rule (one region). */
struct gt_table_spec {
	const char *name;
	const struct gt_schema *schema;
	const struct gt_partition *part;
};
/* Create the tables of specs[0..n) in one catalog change (one write,
 * whatever n), with consecutive ids.  Each gets its own result in
 * rcs[i]/errs[i] (GT_EEXIST: it exists; outs[i], when outs is not NULL,
 * is filled for each 0), so one table's refusal does not stop the
 * others.  Returns non-zero, with nothing created, when the change
 * itself fails (no such database, storage). */
int gt_catalog_create_tables(struct gt_catalog *c, const char *db, const struct gt_table_spec *specs, uint32_t n,
			     struct gt_table_info *outs, int *rcs, struct gt_err *errs, struct gt_err *err);
/* One table: out (may be NULL) gets it.  GT_EEXIST if it exists. */
int gt_catalog_create_table(struct gt_catalog *c, const char *db, const char *name,
			    const struct gt_schema *schema, const struct gt_partition *part,
			    struct gt_table_info *out, struct gt_err *err);
/* The database that holds table id table_id (GT_ENOTFOUND if none). */
int gt_catalog_table_db(struct gt_catalog *c, uint32_t table_id, char *db, size_t n);
int gt_catalog_get_table(struct gt_catalog *c, const char *db, const char *name,
			 struct gt_table_info *out, struct gt_err *err);
/* Replace the schema if the stored version is old_version (compare and swap):
 * GT_EAGAIN if someone changed it meanwhile. */
int gt_catalog_alter_table(struct gt_catalog *c, const char *db, const char *name,
			   uint32_t old_version, const struct gt_schema *schema, struct gt_err *err);
int gt_catalog_drop_table(struct gt_catalog *c, const char *db, const char *name,
			  struct gt_table_info *out, struct gt_err *err);
void gt_table_info_release(struct gt_table_info *t);

/*
 * Views: named queries of a database, kept as the text of the statement
 * that created them.  A view and a table cannot share a name.  create:
 * GT_EEXIST when the name is a table, or a view and !replace;
 * GT_ENOTFOUND without the database.  get: *text is the caller's to free.
 */
int gt_catalog_create_view(struct gt_catalog *c, const char *db, const char *name, const char *text, bool replace,
			   struct gt_err *err);
int gt_catalog_get_view(struct gt_catalog *c, const char *db, const char *name, char **text, struct gt_err *err);
int gt_catalog_drop_view(struct gt_catalog *c, const char *db, const char *name, struct gt_err *err);
int gt_catalog_list_views(struct gt_catalog *c, const char *db, char ***names, struct gt_err *err);

/* Check a database, table or column name: 1..255 bytes, no NUL or '/'. */
int gt_check_name(const char *what, const char *name, struct gt_err *err);

#endif
