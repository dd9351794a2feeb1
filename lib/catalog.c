/* catalog.c - databases and tables in one JSON document, the value of one KV key. */
#include "catalog.h"
#include "keymap.h"
#include "kv.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

struct gt_catalog {
	pthread_mutex_t mu;
	struct gt_kv *kv;
	bool own_kv;
	char *key;
	char *where;        /* for messages: the file, or "key 'catalog'" */
	json_t *doc;        /* the document at revision rev */
	uint64_t rev;
	int64_t max_age_ms; /* reads trust doc this long after a revalidation */
	int64_t checked_ms; /* monotonic time of the last revalidation */
	bool maybe_stale;   /* the last read skipped revalidating */
	/* Tables already parsed from doc (by "db\0name"), so that a write
	 * does not parse a schema from JSON every time; dropped whenever doc
	 * is replaced. */
	struct gt_keymap parsed_keys;
	struct gt_table_info *parsed;
	json_t *parsed_doc;
};

#define CATALOG_MAX ((size_t)256 << 20)
#define CAS_TRIES 100

int gt_check_name(const char *what, const char *name, struct gt_err *err)
{
	size_t n = strlen(name);
	if (!n || n > GT_NAME_MAX)
		return gt_errf(err, GT_EINVAL, "%s name must have 1 to %d bytes", what, GT_NAME_MAX);
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return gt_errf(err, GT_EINVAL, "invalid %s name '%s'", what, name);
	return 0;
}

static int parse(struct gt_catalog *c, const char *text, size_t len, json_t **out, struct gt_err *err)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	if (!doc || !json_is_object(json_object_get(doc, "databases")) ||
	    !json_is_integer(json_object_get(doc, "next_table_id"))) {
		json_decref(doc);
		return gt_errf(err, GT_ECORRUPT, "catalog %s: line %d: %s", c->where, je.line,
			       doc ? "missing databases or next_table_id" : je.text);
	}
	*out = doc;
	return 0;
}

/* Bring c->doc up to the stored revision (cheap when it has not changed). */
static int refresh(struct gt_catalog *c, struct gt_err *err)
{
	struct gt_buf b;
	json_t *doc = NULL;
	uint64_t rev = 0;
	int rc;

	gt_buf_init(&b, CATALOG_MAX);
	rc = gt_kv_get(c->kv, c->key, c->doc ? c->rev : 0, &b, &rev, err);
	if (rc == GT_ENOTFOUND)
		rc = gt_errf(err, GT_ENOTFOUND, "no catalog at %s: not a gt data directory", c->where);
	if (!rc && !(rc = parse(c, b.p ? b.p : "", b.len, &doc, err))) {
		json_decref(c->doc);
		c->doc = doc;
		c->rev = rev;
	}
	if (rc >= 0)
		c->checked_ms = gt_mono_ns() / 1000000;
	gt_buf_release(&b);
	return rc < 0 ? rc : 0;
}

/* Before a read: revalidate unless that was done less than max_age_ms
 * ago; a failing revalidation keeps the cached document. */
static void refresh_for_read(struct gt_catalog *c)
{
	c->maybe_stale = c->max_age_ms && gt_mono_ns() / 1000000 - c->checked_ms < c->max_age_ms;
	if (!c->maybe_stale)
		refresh(c, NULL);
}

/* After a read that did not find its object: if the document may be
 * stale, revalidate and say so (the caller looks again), so that an
 * object another process just created is found at once. */
static bool recheck(struct gt_catalog *c)
{
	if (!c->maybe_stale)
		return false;
	c->maybe_stale = false;
	refresh(c, NULL);
	return true;
}

void gt_catalog_set_max_age(struct gt_catalog *c, unsigned ms)
{
	pthread_mutex_lock(&c->mu);
	c->max_age_ms = ms;
	pthread_mutex_unlock(&c->mu);
}

/*
 * Every change: fn edits a copy of the current document (returns a
 * negative code, 0 = store the copy, or 1 = nothing to store) -> the copy
 * is put with the revision it was made from -> on a revision mismatch
 * (another writer came first) start again from the newer document.
 * Returns fn's answer.  Called with c->mu held.
 */
typedef int (*change_fn)(json_t *doc, void *arg, struct gt_err *err);

static int change(struct gt_catalog *c, change_fn fn, void *arg, struct gt_err *err)
{
	for (int tries = 0; tries < CAS_TRIES; tries++) {
		json_t *copy;
		char *text;
		uint64_t rev;
		int rc;

		if ((rc = refresh(c, err)))
			return rc;
		if (!(copy = json_deep_copy(c->doc)))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		if ((rc = fn(copy, arg, err))) {
			json_decref(copy);
			return rc;
		}
		if (!(text = json_dumps(copy, JSON_INDENT(1) | JSON_SORT_KEYS))) {
			json_decref(copy);
			return gt_errf(err, GT_ENOMEM, "out of memory");
		}
		rev = c->rev;
		rc = gt_kv_put(c->kv, c->key, text, strlen(text), &rev, err);
		free(text);
		if (!rc) {
			json_decref(c->doc);
			c->doc = copy;
			c->rev = rev;
			return 0;
		}
		json_decref(copy);
		if (rc != GT_EAGAIN)
			return rc;
	}
	return gt_errf(err, GT_EAGAIN, "catalog %s: too many concurrent changes, try again", c->where);
}

static int open_kv(struct gt_catalog **out, struct gt_kv *kv, bool own_kv, const char *key, const char *where,
		   bool create, struct gt_err *err)
{
	struct gt_catalog *c = gt_calloc(1, sizeof(*c));
	int rc;

	if (!c || !(c->key = gt_strdup(key)) || !(c->where = gt_strdup(where))) {
		if (c)
			free(c->key);
		free(c);
		if (own_kv)
			gt_kv_close(kv);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	c->kv = kv;
	c->own_kv = own_kv;
	pthread_mutex_init(&c->mu, NULL);
	rc = refresh(c, err);
	if (rc == GT_ENOTFOUND && create) {
		json_t *doc = json_pack("{s:i,s:i,s:{s:{s:{}}}}", "version", 1, "next_table_id", GT_FIRST_TABLE_ID,
					"databases", GT_DEFAULT_DB, "tables");
		char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
		uint64_t rev = 0;
		rc = text ? gt_kv_put(kv, key, text, strlen(text), &rev, err) : gt_errf(err, GT_ENOMEM, "out of memory");
		if (!rc) {
			c->doc = doc;
			c->rev = rev;
			doc = NULL;
		} else if (rc == GT_EAGAIN) {
			rc = refresh(c, err);   /* another process created it meanwhile */
		}
		json_decref(doc);
		free(text);
	}
	if (rc) {
		gt_catalog_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int gt_catalog_open_kv(struct gt_catalog **out, struct gt_kv *kv, const char *key, bool create,
		       struct gt_err *err)
{
	char where[GT_KV_KEY_MAX + 16];
	snprintf(where, sizeof(where), "key '%s'", key);
	return open_kv(out, kv, false, key, where, create, err);
}

int gt_catalog_open(struct gt_catalog **out, const char *path, bool create, struct gt_err *err)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	bool json = blen > 5 && !strcmp(base + blen - 5, ".json");
	char *dir = slash ? gt_strndup(path, (size_t)(slash - path)) : gt_strdup(".");
	char *key = gt_strndup(base, json ? blen - 5 : blen);
	struct gt_buf where = {0};
	struct gt_kv *kv = NULL;
	int rc;

	if (!dir || !key || gt_buf_addf(&where, "'%s'", path)) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
	} else if ((rc = gt_kv_open_dir(&kv, *dir ? dir : "/", json ? ".json" : "", false, err))) {
		if (rc == GT_ENOTFOUND)
			rc = gt_errf(err, GT_ENOTFOUND, "no catalog at '%s': not a gt data directory", path);
	} else {
		rc = open_kv(out, kv, true, key, where.p, create, err);
	}
	gt_buf_release(&where);
	free(dir);
	free(key);
	return rc;
}

/* Forget the parsed tables (mu held). */
static void parsed_drop(struct gt_catalog *c)
{
	for (uint32_t i = 0; i < c->parsed_keys.n; i++)
		gt_table_info_release(&c->parsed[i]);
	free(c->parsed);
	c->parsed = NULL;
	gt_keymap_release(&c->parsed_keys);
	memset(&c->parsed_keys, 0, sizeof(c->parsed_keys));
	c->parsed_doc = NULL;
}

void gt_catalog_close(struct gt_catalog *c)
{
	if (!c)
		return;
	parsed_drop(c);
	json_decref(c->doc);
	if (c->own_kv)
		gt_kv_close(c->kv);
	free(c->key);
	free(c->where);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static json_t *dbs(json_t *doc)
{
	return json_object_get(doc, "databases");
}

static json_t *tables(json_t *doc, const char *db)
{
	return json_object_get(json_object_get(dbs(doc), db), "tables");
}

struct db_arg {
	const char *db;
	bool if_;               /* IF NOT EXISTS / IF EXISTS */
	const struct gt_opts *opts;
};

static int ch_create_db(json_t *doc, void *arg, struct gt_err *err)
{
	struct db_arg *a = arg;
	if (json_object_get(dbs(doc), a->db))
		return a->if_ ? 1 : gt_errf(err, GT_EEXIST, "database '%s' already exists", a->db);
	return json_object_set_new(dbs(doc), a->db, json_pack("{s:{}}", "tables")) ?
		       gt_errf(err, GT_ENOMEM, "out of memory") : 0;
}

int gt_catalog_create_db(struct gt_catalog *c, const char *db, bool if_not_exists, struct gt_err *err)
{
	struct db_arg a = {db, if_not_exists, NULL};
	int rc;
	if ((rc = gt_check_name("database", db, err)))
		return rc;
	pthread_mutex_lock(&c->mu);
	rc = change(c, ch_create_db, &a, err);
	pthread_mutex_unlock(&c->mu);
	return rc < 0 ? rc : rc == 0;   /* 1 when created */
}

static int ch_drop_db(json_t *doc, void *arg, struct gt_err *err)
{
	struct db_arg *a = arg;
	if (!json_object_get(dbs(doc), a->db))
		return a->if_ ? 1 : gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", a->db);
	json_object_del(dbs(doc), a->db);
	return 0;
}

int gt_catalog_drop_db(struct gt_catalog *c, const char *db, bool if_exists, struct gt_err *err)
{
	struct db_arg a = {db, if_exists, NULL};
	int rc;
	pthread_mutex_lock(&c->mu);
	rc = change(c, ch_drop_db, &a, err);
	pthread_mutex_unlock(&c->mu);
	return rc < 0 ? rc : rc == 0;   /* 1 when dropped */
}

bool gt_catalog_has_db(struct gt_catalog *c, const char *db)
{
	bool has;
	pthread_mutex_lock(&c->mu);
	refresh_for_read(c);
	has = json_object_get(dbs(c->doc), db) != NULL;
	if (!has && recheck(c))
		has = json_object_get(dbs(c->doc), db) != NULL;
	pthread_mutex_unlock(&c->mu);
	return has;
}

int gt_catalog_db_options(struct gt_catalog *c, const char *db, struct gt_opts *out, struct gt_err *err)
{
	json_t *d;
	int rc;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->mu);
	refresh_for_read(c);
	d = json_object_get(dbs(c->doc), db);
	if (!d && recheck(c))
		d = json_object_get(dbs(c->doc), db);
	rc = d ? gt_opts_from_json(out, json_object_get(d, "options"), err) :
		 gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int ch_set_db_options(json_t *doc, void *arg, struct gt_err *err)
{
	struct db_arg *a = arg;
	json_t *d = json_object_get(dbs(doc), a->db);
	if (!d)
		return gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", a->db);
	if (a->opts->n)
		json_object_set_new(d, "options", gt_opts_to_json(a->opts));
	else
		json_object_del(d, "options");
	return 0;
}

int gt_catalog_set_db_options(struct gt_catalog *c, const char *db, const struct gt_opts *o, struct gt_err *err)
{
	struct db_arg a = {db, false, o};
	int rc;
	pthread_mutex_lock(&c->mu);
	rc = change(c, ch_set_db_options, &a, err);
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
	refresh_for_read(c);
	rc = keys_of(dbs(c->doc), names);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_list_tables(struct gt_catalog *c, const char *db, char ***names, struct gt_err *err)
{
	json_t *t;
	int rc;
	pthread_mutex_lock(&c->mu);
	refresh_for_read(c);
	t = tables(c->doc, db);
	if (!t && recheck(c))
		t = tables(c->doc, db);
	rc = t ? keys_of(t, names) : gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void gt_table_info_release(struct gt_table_info *t)
{
	free(t->db);
	free(t->name);
	gt_schema_release(&t->schema);
	gt_partition_release(&t->part);
	memset(t, 0, sizeof(*t));
}

/* A JSON array of strings as a string vector; false if it is not one. */
static bool strv_from(json_t *a, char ***out, uint32_t *n)
{
	size_t i;
	json_t *v;
	*n = 0;
	if (!json_is_array(a) || json_array_size(a) > 65536 || !(*out = gt_calloc(json_array_size(a) + 1, sizeof(char *))))
		return false;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !((*out)[i] = gt_strdup(json_string_value(v))))
			return false;
		*n = (uint32_t)i + 1;
	}
	return true;
}

static int part_from(json_t *j, struct gt_partition *p)
{
	json_t *cols = json_object_get(j, "columns"), *exprs = json_object_get(j, "exprs");
	bool ok = strv_from(cols, &p->cols, &p->ncols);
	ok = strv_from(exprs, &p->exprs, &p->nexprs) && ok;
	return ok ? 0 : GT_ECORRUPT;
}

static json_t *part_to(const struct gt_partition *p)
{
	json_t *cols = json_array(), *exprs = json_array();
	for (uint32_t i = 0; i < p->ncols; i++)
		json_array_append_new(cols, json_string(p->cols[i]));
	for (uint32_t i = 0; i < p->nexprs; i++)
		json_array_append_new(exprs, json_string(p->exprs[i]));
	return json_pack("{s:o,s:o}", "columns", cols, "exprs", exprs);
}

static int info_from(const char *db, const char *name, json_t *j, struct gt_table_info *out,
		     struct gt_err *err)
{
	json_int_t id = 0, nregions = 0, created = 0;
	json_t *schema = NULL, *part = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (json_unpack(j, "{s:I,s:I,s?I,s:o,s?o}", "id", &id, "regions", &nregions, "created_ms", &created,
			"schema", &schema, "partition", &part) ||
	    id <= 0 || id > UINT32_MAX || nregions < 1 || nregions > 65536)
		return gt_errf(err, GT_ECORRUPT, "catalog: table '%s.%s' is malformed", db, name);
	if ((rc = gt_schema_from_json(&out->schema, schema, err)))
		return gt_err_prefix(err, "catalog: table '%s.%s'", db, name), rc;
	if (part && (part_from(part, &out->part) || gt_partition_nregions(&out->part) != nregions)) {
		gt_table_info_release(out);
		return gt_errf(err, GT_ECORRUPT, "catalog: table '%s.%s' has a malformed partition rule", db, name);
	}
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

struct table_arg {
	const char *db, *name;
	const struct gt_schema *schema;
	const struct gt_partition *part;
	uint32_t old_version;
	json_t *j;              /* the table's object in the stored copy */
	struct gt_table_info *out;
};

/* The new table's object, with id id. */
static json_t *table_json(json_int_t id, const struct gt_table_spec *sp)
{
	json_t *j = json_pack("{s:I,s:I,s:I,s:o}", "id", id, "regions", (json_int_t)gt_partition_nregions(sp->part),
			      "created_ms", (json_int_t)(gt_now_ns() / 1000000), "schema",
			      gt_schema_to_json(sp->schema));
	if (j && sp->part && sp->part->ncols && json_object_set_new(j, "partition", part_to(sp->part))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

struct tables_arg {
	const char *db;
	const struct gt_table_spec *specs;
	uint32_t n;
	json_t **js;            /* each new table's object in the stored copy; NULL: not created */
	int *rcs;
	struct gt_err *errs;
};

/* Every spec that does not exist yet, with consecutive ids; GT_EEXIST
 * (nothing to write) when none is new. */
static int ch_create_tables(json_t *doc, void *arg, struct gt_err *err)
{
	struct tables_arg *a = arg;
	json_t *t = tables(doc, a->db);
	json_int_t id;
	uint32_t added = 0;

	if (!t)
		return gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", a->db);
	id = json_integer_value(json_object_get(doc, "next_table_id"));
	for (uint32_t i = 0; i < a->n; i++) {
		const struct gt_table_spec *sp = &a->specs[i];
		a->js[i] = NULL;
		if (a->rcs[i] && a->rcs[i] != GT_EEXIST)
			continue;   /* refused before the change */
		if (json_object_get(t, sp->name)) {
			a->rcs[i] = gt_errf(&a->errs[i], GT_EEXIST, "table '%s.%s' already exists", a->db, sp->name);
			continue;
		}
		a->rcs[i] = 0;
		if (!(a->js[i] = table_json(id, sp)) || json_object_set_new(t, sp->name, a->js[i]))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		id++;
		added++;
	}
	if (!added)
		return GT_EEXIST;
	if (json_object_set_new(doc, "next_table_id", json_integer(id)))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	return 0;
}

int gt_catalog_create_tables(struct gt_catalog *c, const char *db, const struct gt_table_spec *specs, uint32_t n,
			     struct gt_table_info *outs, int *rcs, struct gt_err *errs, struct gt_err *err)
{
	json_t **js = gt_calloc(n + 1, sizeof(*js));
	struct tables_arg a = {db, specs, n, js, rcs, errs};
	int rc;

	if (!js)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		if (!(rcs[i] = gt_check_name("table", specs[i].name, &errs[i])) &&
		    gt_schema_time_index(specs[i].schema) < 0)
			rcs[i] = gt_errf(&errs[i], GT_EINVAL, "table '%s' needs a time index", specs[i].name);
	}
	pthread_mutex_lock(&c->mu);
	rc = change(c, ch_create_tables, &a, err);
	if (rc == GT_EEXIST)
		rc = 0;     /* every table exists already: rcs say so */
	for (uint32_t i = 0; !rc && i < n; i++)
		if (js[i] && !rcs[i] && outs)
			rcs[i] = info_from(db, specs[i].name, js[i], &outs[i], &errs[i]);
	pthread_mutex_unlock(&c->mu);
	free(js);
	return rc;
}

int gt_catalog_create_table(struct gt_catalog *c, const char *db, const char *name,
			    const struct gt_schema *schema, const struct gt_partition *part,
			    struct gt_table_info *out, struct gt_err *err)
{
	struct gt_table_spec sp = {name, schema, part};
	int trc = 0;
	int rc = gt_catalog_create_tables(c, db, &sp, 1, out, &trc, err, err);
	return rc ? rc : trc;
}

static int info_copy(struct gt_table_info *dst, const struct gt_table_info *src)
{
	*dst = *src;
	dst->db = gt_strdup(src->db);
	dst->name = gt_strdup(src->name);
	memset(&dst->schema, 0, sizeof(dst->schema));
	memset(&dst->part, 0, sizeof(dst->part));
	if (!dst->db || !dst->name || gt_schema_copy(&dst->schema, &src->schema) ||
	    gt_partition_copy(&dst->part, &src->part)) {
		gt_table_info_release(dst);
		return GT_ENOMEM;
	}
	return 0;
}

/* Table j of doc as *out: parsed once per document (mu held). */
static int parsed_get(struct gt_catalog *c, const char *db, const char *name, json_t *j,
		      struct gt_table_info *out, struct gt_err *err)
{
	size_t dl = strlen(db), nl = strlen(name);
	char key[2 * GT_NAME_MAX + 2];
	bool isnew = false;
	int rc;

	if (dl + nl + 1 > sizeof(key))
		return info_from(db, name, j, out, err);
	if (c->parsed_doc != c->doc) {
		parsed_drop(c);
		c->parsed_doc = c->doc;
	}
	memcpy(key, db, dl);
	key[dl] = '\0';
	memcpy(key + dl + 1, name, nl);
	int id = gt_keymap_get(&c->parsed_keys, key, dl + 1 + nl, &isnew);
	if (id < 0)
		return info_from(db, name, j, out, err);
	if (isnew) {
		struct gt_table_info *p = gt_reallocarray(c->parsed, c->parsed_keys.n, sizeof(*p));
		if (p)
			c->parsed = p;
		if (!p || (rc = info_from(db, name, j, &c->parsed[id], err))) {
			/* leave no half entry: start over at the next read */
			if (p)
				memset(&c->parsed[id], 0, sizeof(c->parsed[id]));
			parsed_drop(c);
			return p ? rc : gt_errf(err, GT_ENOMEM, "out of memory");
		}
	}
	if (info_copy(out, &c->parsed[id]))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	return 0;
}

int gt_catalog_table_db(struct gt_catalog *c, uint32_t table_id, char *db, size_t n)
{
	const char *dname, *tname;
	json_t *d, *t;
	int rc = GT_ENOTFOUND;

	pthread_mutex_lock(&c->mu);
	refresh_for_read(c);
	json_object_foreach(dbs(c->doc), dname, d) {
		json_object_foreach(json_object_get(d, "tables"), tname, t) {
			if (json_integer_value(json_object_get(t, "id")) == (json_int_t)table_id) {
				rc = (size_t)snprintf(db, n, "%s", dname) < n ? 0 : GT_ETOOBIG;
				goto out;
			}
		}
	}
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
	refresh_for_read(c);
	t = tables(c->doc, db);
	j = t ? json_object_get(t, name) : NULL;
	if (!j && recheck(c)) {
		t = tables(c->doc, db);
		j = t ? json_object_get(t, name) : NULL;
	}
	if (!t)
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	else if (!j)
		rc = gt_errf(err, GT_ENOTFOUND, "table '%s.%s' does not exist", db, name);
	else
		rc = parsed_get(c, db, name, j, out, err);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int ch_alter_table(json_t *doc, void *arg, struct gt_err *err)
{
	struct table_arg *a = arg;
	json_t *j = json_object_get(tables(doc, a->db), a->name);
	json_int_t v;

	if (!j)
		return gt_errf(err, GT_ENOTFOUND, "table '%s.%s' does not exist", a->db, a->name);
	v = json_integer_value(json_object_get(json_object_get(j, "schema"), "version"));
	if (v != a->old_version)
		return gt_errf(err, GT_EAGAIN, "table '%s.%s' changed meanwhile", a->db, a->name);
	return json_object_set_new(j, "schema", gt_schema_to_json(a->schema)) ?
		       gt_errf(err, GT_ENOMEM, "out of memory") : 0;
}

int gt_catalog_alter_table(struct gt_catalog *c, const char *db, const char *name,
			   uint32_t old_version, const struct gt_schema *schema, struct gt_err *err)
{
	struct table_arg a = {db, name, schema, NULL, old_version, NULL, NULL};
	int rc;
	pthread_mutex_lock(&c->mu);
	rc = change(c, ch_alter_table, &a, err);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int ch_drop_table(json_t *doc, void *arg, struct gt_err *err)
{
	struct table_arg *a = arg;
	json_t *t = tables(doc, a->db), *j = json_object_get(t, a->name);
	int rc;
	if (!j)
		return gt_errf(err, GT_ENOTFOUND, "table '%s.%s' does not exist", a->db, a->name);
	/* out describes the table as it was in the document the drop edits */
	if (a->out) {
		gt_table_info_release(a->out);
		if ((rc = info_from(a->db, a->name, j, a->out, err)))
			return rc;
	}
	json_object_del(t, a->name);
	return 0;
}

int gt_catalog_drop_table(struct gt_catalog *c, const char *db, const char *name,
			  struct gt_table_info *out, struct gt_err *err)
{
	struct table_arg a = {db, name, NULL, NULL, 0, NULL, out};
	int rc;
	if (out)
		memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->mu);
	if ((rc = change(c, ch_drop_table, &a, err)) && out)
		gt_table_info_release(out);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* Views live beside the tables of their database: "views": {name: "CREATE VIEW ... text"}. */
static json_t *views(json_t *doc, const char *db, bool create)
{
	json_t *d = json_object_get(dbs(doc), db), *v;
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

struct view_arg {
	const char *db, *name, *text;
	bool replace;
};

static int ch_create_view(json_t *doc, void *arg, struct gt_err *err)
{
	struct view_arg *a = arg;
	json_t *v;
	if (!json_object_get(dbs(doc), a->db))
		return gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", a->db);
	if (json_object_get(tables(doc, a->db), a->name))
		return gt_errf(err, GT_EEXIST, "table '%s.%s' exists", a->db, a->name);
	if (!(v = views(doc, a->db, true)))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (json_object_get(v, a->name) && !a->replace)
		return gt_errf(err, GT_EEXIST, "view '%s.%s' exists", a->db, a->name);
	return json_object_set_new(v, a->name, json_string(a->text)) ? gt_errf(err, GT_ENOMEM, "out of memory") : 0;
}

int gt_catalog_create_view(struct gt_catalog *c, const char *db, const char *name, const char *text, bool replace,
			   struct gt_err *err)
{
	struct view_arg a = {db, name, text, replace};
	int rc;
	if ((rc = gt_check_name("view", name, err)))
		return rc;
	pthread_mutex_lock(&c->mu);
	rc = change(c, ch_create_view, &a, err);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_get_view(struct gt_catalog *c, const char *db, const char *name, char **text, struct gt_err *err)
{
	json_t *j;
	int rc = 0;
	pthread_mutex_lock(&c->mu);
	refresh_for_read(c);
	j = json_object_get(views(c->doc, db, false), name);
	if (!json_is_string(j) && recheck(c))
		j = json_object_get(views(c->doc, db, false), name);
	if (!json_is_string(j))
		rc = gt_errf(err, GT_ENOTFOUND, "view '%s.%s' does not exist", db, name);
	else if (!(*text = gt_strdup(json_string_value(j))))
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int ch_drop_view(json_t *doc, void *arg, struct gt_err *err)
{
	struct view_arg *a = arg;
	json_t *v = views(doc, a->db, false);
	if (!json_object_get(v, a->name))
		return gt_errf(err, GT_ENOTFOUND, "view '%s.%s' does not exist", a->db, a->name);
	json_object_del(v, a->name);
	return 0;
}

int gt_catalog_drop_view(struct gt_catalog *c, const char *db, const char *name, struct gt_err *err)
{
	struct view_arg a = {db, name, NULL, false};
	int rc;
	pthread_mutex_lock(&c->mu);
	rc = change(c, ch_drop_view, &a, err);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int gt_catalog_list_views(struct gt_catalog *c, const char *db, char ***names, struct gt_err *err)
{
	json_t *v;
	int rc;
	pthread_mutex_lock(&c->mu);
	refresh_for_read(c);
	if (!json_object_get(dbs(c->doc), db))
		recheck(c);
	if (!json_object_get(dbs(c->doc), db)) {
		rc = gt_errf(err, GT_ENOTFOUND, "database '%s' does not exist", db);
	} else {
		v = views(c->doc, db, false);
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
