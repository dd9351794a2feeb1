/* catalog.c - databases and tables in one durable JSON document. */
#include "catalog.h"
#include "objstore.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

struct gt_catalog {
	pthread_mutex_t mu;
	char *path;
	json_t *doc;
};

int gt_check_name(const char *what, const char *name, struct gt_err *err)
{
	size_t n = strlen(name);
	if (!n || n > GT_NAME_MAX)
		return gt_errf(err, GT_EINVAL, "%s name must have 1 to %d bytes", what, GT_NAME_MAX);
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return gt_errf(err, GT_EINVAL, "invalid %s name '%s'", what, name);
	return 0;
}

static int save(struct gt_catalog *c, struct gt_err *err)
{
	char *text = json_dumps(c->doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	int rc;
	if (!text)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = gt_write_file_atomic(c->path, text, strlen(text), err);
	free(text);
	return rc;
}

int gt_catalog_open(struct gt_catalog **out, const char *path, bool create, struct gt_err *err)
{
	struct gt_catalog *c = gt_calloc(1, sizeof(*c));
	struct gt_buf b = {0};
	json_error_t je;
	int rc;

	if (!c || !(c->path = gt_strdup(path))) {
		free(c);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&c->mu, NULL);
	rc = gt_read_file(path, 256u << 20, &b, err);
	if (rc == GT_ENOTFOUND && !create) {
		rc = gt_errf(err, GT_ENOTFOUND, "no catalog at '%s': not a gt data directory", path);
	} else if (rc == GT_ENOTFOUND) {
		c->doc = json_pack("{s:i,s:i,s:{s:{s:{}}}}", "version", 1, "next_table_id", GT_FIRST_TABLE_ID,
				   "databases", GT_DEFAULT_DB, "tables");
		rc = c->doc ? save(c, err) : gt_errf(err, GT_ENOMEM, "out of memory");
	} else if (!rc) {
		c->doc = json_loadb(b.p ? b.p : "", b.len, 0, &je);
		if (!c->doc || !json_is_object(json_object_get(c->doc, "databases")) ||
		    !json_is_integer(json_object_get(c->doc, "next_table_id")))
			rc = gt_errf(err, GT_ECORRUPT, "catalog '%s': line %d: %s", path, je.line,
				     c->doc ? "missing databases or next_table_id" : je.text);
	}
	gt_buf_release(&b);
	if (rc) {
		gt_catalog_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void gt_catalog_close(struct gt_catalog *c)
{
	if (!c)
		return;
	json_decref(c->doc);
	free(c->path);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static json_t *dbs(struct gt_catalog *c)
{
	return json_object_get(c->doc, "databases");
}

static json_t *tables(struct gt_catalog *c, const char *db)
{
	return json_object_get(json_object_get(dbs(c), db), "tables");
}

int gt_catalog_create_db(struct gt_catalog *c, const char *db, bool if_not_exists, struct gt_err *err)
{
	int rc;
	if ((rc = gt_check_name("database", db, err)))
		return rc;
	pthread_mutex_lock(&c->mu);
	if (json_object_get(dbs(c), db)) {
		rc = if_not_exists ? 0 : gt_errf(err, GT_EEXIST, "database '%s' already exists", db);
	} else {
		json_object_set_new(dbs(c), db, json_pack("{s:{}}", "tables"));
		if ((rc = save(c, err)))
			json_object_del(dbs(c), db);
		else
			rc = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_drop_db(struct gt_catalog *c, const char *db, bool if_exists, struct gt_err *err)
{
	json_t *old;
	int rc = 0;
	pthread_mutex_lock(&c->mu);
	old = json_object_get(dbs(c), db);
	if (!old) {
		rc = if_exists ? 0 : gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	} else {
		json_incref(old);
		json_object_del(dbs(c), db);
		if ((rc = save(c, err)))
			json_object_set(dbs(c), db, old);
		else
			rc = 1;
		json_decref(old);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

bool gt_catalog_has_db(struct gt_catalog *c, const char *db)
{
	bool has;
	pthread_mutex_lock(&c->mu);
	has = json_object_get(dbs(c), db) != NULL;
	pthread_mutex_unlock(&c->mu);
	return has;
}

int gt_catalog_db_options(struct gt_catalog *c, const char *db, struct gt_opts *out, struct gt_err *err)
{
	json_t *d;
	int rc;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->mu);
	d = json_object_get(dbs(c), db);
	rc = d ? gt_opts_from_json(out, json_object_get(d, "options"), err) :
		 gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_set_db_options(struct gt_catalog *c, const char *db, const struct gt_opts *o, struct gt_err *err)
{
	json_t *d, *old;
	int rc;
	pthread_mutex_lock(&c->mu);
	d = json_object_get(dbs(c), db);
	if (!d) {
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
		goto out;
	}
	old = json_object_get(d, "options");
	json_incref(old);
	if (o->n)
		json_object_set_new(d, "options", gt_opts_to_json(o));
	else
		json_object_del(d, "options");
	if ((rc = save(c, err))) {
		if (old)
			json_object_set(d, "options", old);
		else
			json_object_del(d, "options");
	}
	json_decref(old);
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void gt_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int keys_of(json_t *obj, char ***names)
{
	size_t n = json_object_size(obj), i = 0;
	const char *k;
	json_t *v;
	char **out = gt_calloc(n + 1, sizeof(*out));
	if (!out)
		return GT_ENOMEM;
	json_object_foreach(obj, k, v) {
		if (!(out[i++] = gt_strdup(k))) {
			gt_strv_free(out);
			return GT_ENOMEM;
		}
	}
	qsort(out, n, sizeof(*out), cmpstr);
	*names = out;
	return 0;
}

int gt_catalog_list_dbs(struct gt_catalog *c, char ***names)
{
	int rc;
	pthread_mutex_lock(&c->mu);
	rc = keys_of(dbs(c), names);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_list_tables(struct gt_catalog *c, const char *db, char ***names, struct gt_err *err)
{
	json_t *t;
	int rc;
	pthread_mutex_lock(&c->mu);
	t = tables(c, db);
	rc = t ? keys_of(t, names) : gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void gt_table_info_release(struct gt_table_info *t)
{
	free(t->db);
	free(t->name);
	gt_schema_release(&t->schema);
	memset(t, 0, sizeof(*t));
}

static int info_from(const char *db, const char *name, json_t *j, struct gt_table_info *out,
		     struct gt_err *err)
{
	json_int_t id = 0, nregions = 0, created = 0;
	json_t *schema = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (json_unpack(j, "{s:I,s:I,s?I,s:o}", "id", &id, "regions", &nregions, "created_ms", &created,
			"schema", &schema) || id <= 0 || id > UINT32_MAX || nregions < 1 || nregions > 65536)
		return gt_errf(err, GT_ECORRUPT, "catalog: table '%s.%s' is malformed", db, name);
	if ((rc = gt_schema_from_json(&out->schema, schema, err)))
		return gt_err_prefix(err, "catalog: table '%s.%s'", db, name), rc;
	out->db = gt_strdup(db);
	out->name = gt_strdup(name);
	out->id = (uint32_t)id;
	out->nregions = (uint32_t)nregions;
	out->created_ms = created;
	if (!out->db || !out->name) {
		gt_table_info_release(out);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	return 0;
}

int gt_catalog_create_table(struct gt_catalog *c, const char *db, const char *name,
			    const struct gt_schema *schema, uint32_t nregions,
			    struct gt_table_info *out, struct gt_err *err)
{
	json_t *t, *j;
	json_int_t id;
	int rc;

	if ((rc = gt_check_name("table", name, err)))
		return rc;
	if (gt_schema_time_index(schema) < 0)
		return gt_errf(err, GT_EINVAL, "table '%s' needs a time index", name);
	pthread_mutex_lock(&c->mu);
	t = tables(c, db);
	if (!t) {
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
		goto out;
	}
	if (json_object_get(t, name)) {
		rc = gt_errf(err, GT_EEXIST, "table '%s.%s' already exists", db, name);
		goto out;
	}
	id = json_integer_value(json_object_get(c->doc, "next_table_id"));
	j = json_pack("{s:I,s:I,s:I,s:o}", "id", id, "regions", (json_int_t)(nregions ? nregions : 1),
		      "created_ms", (json_int_t)(gt_now_ns() / 1000000), "schema", gt_schema_to_json(schema));
	if (!j) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	json_object_set_new(t, name, j);
	json_object_set_new(c->doc, "next_table_id", json_integer(id + 1));
	if ((rc = save(c, err))) {
		json_object_del(t, name);
		json_object_set_new(c->doc, "next_table_id", json_integer(id));
		goto out;
	}
	if (out)
		rc = info_from(db, name, j, out, err);
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_get_table(struct gt_catalog *c, const char *db, const char *name,
			 struct gt_table_info *out, struct gt_err *err)
{
	json_t *t, *j;
	int rc;
	pthread_mutex_lock(&c->mu);
	t = tables(c, db);
	j = t ? json_object_get(t, name) : NULL;
	if (!t)
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	else if (!j)
		rc = gt_errf(err, GT_ENOTFOUND, "table '%s.%s' does not exist", db, name);
	else
		rc = info_from(db, name, j, out, err);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_alter_table(struct gt_catalog *c, const char *db, const char *name,
			   uint32_t old_version, const struct gt_schema *schema, struct gt_err *err)
{
	json_t *t, *j, *old;
	json_int_t v;
	int rc = 0;
	pthread_mutex_lock(&c->mu);
	t = tables(c, db);
	j = t ? json_object_get(t, name) : NULL;
	if (!j) {
		rc = gt_errf(err, GT_ENOTFOUND, "table '%s.%s' does not exist", db, name);
		goto out;
	}
	old = json_object_get(j, "schema");
	v = json_integer_value(json_object_get(old, "version"));
	if (v != old_version) {
		rc = gt_errf(err, GT_EAGAIN, "table '%s.%s' changed meanwhile", db, name);
		goto out;
	}
	json_incref(old);
	json_object_set_new(j, "schema", gt_schema_to_json(schema));
	if ((rc = save(c, err)))
		json_object_set(j, "schema", old);
	json_decref(old);
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_drop_table(struct gt_catalog *c, const char *db, const char *name,
			  struct gt_table_info *out, struct gt_err *err)
{
	json_t *t, *j;
	int rc;
	pthread_mutex_lock(&c->mu);
	t = tables(c, db);
	j = t ? json_object_get(t, name) : NULL;
	if (!j) {
		rc = gt_errf(err, GT_ENOTFOUND, "table '%s.%s' does not exist", db, name);
		goto out;
	}
	json_incref(j);
	if (out && (rc = info_from(db, name, j, out, err))) {
		json_decref(j);
		goto out;
	}
	json_object_del(t, name);
	if ((rc = save(c, err))) {
		json_object_set(t, name, j);
		if (out)
			gt_table_info_release(out);
	}
	json_decref(j);
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* Views live beside the tables of their database: "views": {name: "CREATE VIEW ... text"}. */
static json_t *views(struct gt_catalog *c, const char *db, bool create)
{
	json_t *d = json_object_get(dbs(c), db), *v;
	if (!d)
		return NULL;
	v = json_object_get(d, "views");
	if (!v && create) {
		v = json_object();
		if (!v || json_object_set_new(d, "views", v) < 0)
			return NULL;
	}
	return v;
}

int gt_catalog_create_view(struct gt_catalog *c, const char *db, const char *name, const char *text, bool replace,
			   struct gt_err *err)
{
	json_t *v, *old;
	int rc;
	if ((rc = gt_check_name("view", name, err)))
		return rc;
	pthread_mutex_lock(&c->mu);
	if (!json_object_get(dbs(c), db)) {
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	} else if (json_object_get(tables(c, db), name)) {
		rc = gt_errf(err, GT_EEXIST, "table '%s.%s' exists", db, name);
	} else if (!(v = views(c, db, true))) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
	} else if ((old = json_object_get(v, name)) && !replace) {
		rc = gt_errf(err, GT_EEXIST, "view '%s.%s' exists", db, name);
	} else {
		json_incref(old);
		json_object_set_new(v, name, json_string(text));
		if ((rc = save(c, err))) {
			if (old)
				json_object_set(v, name, old);
			else
				json_object_del(v, name);
		}
		json_decref(old);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_get_view(struct gt_catalog *c, const char *db, const char *name, char **text, struct gt_err *err)
{
	json_t *j;
	int rc = 0;
	pthread_mutex_lock(&c->mu);
	j = json_object_get(views(c, db, false), name);
	if (!json_is_string(j))
		rc = gt_errf(err, GT_ENOTFOUND, "view '%s.%s' does not exist", db, name);
	else if (!(*text = gt_strdup(json_string_value(j))))
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_drop_view(struct gt_catalog *c, const char *db, const char *name, struct gt_err *err)
{
	json_t *v, *j;
	int rc;
	pthread_mutex_lock(&c->mu);
	v = views(c, db, false);
	j = json_object_get(v, name);
	if (!j) {
		rc = gt_errf(err, GT_ENOTFOUND, "view '%s.%s' does not exist", db, name);
	} else {
		json_incref(j);
		json_object_del(v, name);
		if ((rc = save(c, err)))
			json_object_set(v, name, j);
		json_decref(j);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_list_views(struct gt_catalog *c, const char *db, char ***names, struct gt_err *err)
{
	json_t *v;
	int rc;
	pthread_mutex_lock(&c->mu);
	if (!json_object_get(dbs(c), db)) {
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	} else {
		v = views(c, db, false);
		if (v) {
			rc = keys_of(v, names);
		} else {
			*names = gt_calloc(1, sizeof(**names));
			rc = *names ? 0 : GT_ENOMEM;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}
