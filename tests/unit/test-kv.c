/* test-kv.c - the directory KV backend: compare-and-swap, listing, escaping, durability. */
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "kv.h"
#include "objstore.h"
#include "tap.h"

struct seen {
	char keys[16][64];
	uint64_t revs[16];
	int n;
};

static int collect(void *ctx, const char *key, uint64_t rev, const char *value, size_t n)
{
	struct seen *s = ctx;
	(void)value;
	(void)n;
	if (s->n < 16) {
		snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
		s->revs[s->n++] = rev;
	}
	return 0;
}

static int get_str(struct gt_kv *kv, const char *key, char *out, size_t n, uint64_t *rev)
{
	struct gt_buf b = {0};
	int rc = gt_kv_get(kv, key, 0, &b, rev, NULL);
	if (!rc)
		snprintf(out, n, "%s", b.p ? b.p : "");
	gt_buf_release(&b);
	return rc;
}

struct racer {
	struct gt_kv *kv;
	int incs;
};

/* Increment the counter in key "n" incs times by get -> put ?rev, retrying conflicts. */
static void *race(void *arg)
{
	struct racer *r = arg;
	for (int i = 0; i < r->incs; i++) {
		for (;;) {
			char v[32];
			uint64_t rev = 0;
			int rc = get_str(r->kv, "n", v, sizeof(v), &rev);
			long x = rc ? 0 : strtol(v, NULL, 10);
			if (rc && rc != GT_ENOTFOUND)
				return NULL;
			snprintf(v, sizeof(v), "%ld", x + 1);
			rc = gt_kv_put(r->kv, "n", v, strlen(v), &rev, NULL);
			if (!rc)
				break;
			if (rc != GT_EAGAIN)
				return NULL;
		}
	}
	return NULL;
}

/* Several tables in one catalog change: consecutive ids, a result per
 * table, and no write at all when every table exists. */
static void create_many(struct gt_catalog *c1, struct gt_catalog *c2, struct gt_kv *kv)
{
	struct gt_schema s = {0};
	struct gt_table_spec sp[4];
	struct gt_table_info outs[4] = {{0}};
	struct gt_err err = {0}, errs[4] = {{0}};
	int rcs[4] = {0};
	uint64_t rev0 = 0, rev1 = 0, rev2 = 0;
	char v[64];

	gt_schema_add(&s, "host", GT_STRING, GT_TAG, 0, &err);
	gt_schema_add(&s, "ts", GT_TS, GT_TIME, GT_UNIT_MS, &err);
	gt_schema_add(&s, "v", GT_F64, GT_FIELD, 0, &err);
	ok(gt_catalog_create_table(c2, "one", "there", &s, NULL, NULL, &err) == 0, "a table: %s", err.msg);
	sp[0] = (struct gt_table_spec){"a", &s, NULL};
	sp[1] = (struct gt_table_spec){"there", &s, NULL};
	sp[2] = (struct gt_table_spec){"bad/name", &s, NULL};
	sp[3] = (struct gt_table_spec){"b", &s, NULL};
	get_str(kv, "catalog", v, sizeof(v), &rev0);
	ok(gt_catalog_create_tables(c1, "one", sp, 4, outs, rcs, errs, &err) == 0, "create four at once: %s",
	   err.msg);
	ok(rcs[0] == 0 && rcs[3] == 0 && rcs[1] == GT_EEXIST && rcs[2] == GT_EINVAL,
	   "each its own result: %d %d %d %d", rcs[0], rcs[1], rcs[2], rcs[3]);
	ok(strstr(errs[1].msg, "one.there") && strstr(errs[2].msg, "bad/name"), "each its own message: %s / %s",
	   errs[1].msg, errs[2].msg);
	ok(outs[3].id == outs[0].id + 1 && !strcmp(outs[3].name, "b") && outs[0].schema.ncols == 3,
	   "consecutive ids, the tables returned");
	get_str(kv, "catalog", v, sizeof(v), &rev1);
	ok(rev1 != rev0, "written");
	gt_table_info_release(&outs[0]);
	gt_table_info_release(&outs[3]);
	ok(gt_catalog_create_tables(c2, "one", sp, 2, NULL, rcs, errs, &err) == 0 && rcs[0] == GT_EEXIST &&
		   rcs[1] == GT_EEXIST,
	   "all there already: each GT_EEXIST");
	get_str(kv, "catalog", v, sizeof(v), &rev2);
	ok(rev2 == rev1, "and nothing written");
	ok(gt_catalog_create_tables(c1, "nodb", sp, 1, NULL, rcs, errs, &err) == GT_ENOTFOUND &&
		   strstr(err.msg, "nodb"),
	   "no such database: the call fails: %s", err.msg);
	gt_schema_release(&s);
}

int main(void)
{
	char dir[] = "/tmp/test-kv-XXXXXX", path[256], v[64];
	struct gt_kv *kv = NULL, *kv2 = NULL;
	struct gt_err err = {0};
	struct gt_buf b = {0};
	struct seen s = {0};
	uint64_t rev = 0, r1, r2, old;
	struct stat st;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/missing", dir);
	ok(gt_kv_open_dir(&kv, path, "", false, &err) == GT_ENOTFOUND, "a missing directory is not created unasked");
	snprintf(path, sizeof(path), "%s/kv", dir);
	ok(gt_kv_open_dir(&kv, path, "", true, &err) == 0, "open a new directory: %s", err.msg);
	ok(gt_kv_open_dir(&kv2, path, "", false, &err) == 0, "a second handle on the same directory");

	ok(gt_kv_get(kv, "a", 0, &b, &rev, &err) == GT_ENOTFOUND, "get of an absent key is not found");
	rev = 5;
	ok(gt_kv_put(kv, "a", "one", 3, &rev, &err) == GT_EAGAIN && rev == 0,
	   "put with a revision on an absent key conflicts and reports 0");
	rev = 0;
	ok(gt_kv_put(kv, "a", "one", 3, &rev, &err) == 0 && rev != 0, "create with rev 0");
	r1 = rev;
	ok(r1 == gt_kv_rev_of("one", 3) && r1 <= GT_KV_REV_MASK, "revision is the value's hash, under 2^53");
	rev = 0;
	ok(gt_kv_put(kv, "a", "two", 3, &rev, &err) == GT_EAGAIN && rev == r1,
	   "create of an existing key conflicts and reports the current revision");
	rev = r1;
	ok(gt_kv_put(kv2, "a", "two", 3, &rev, &err) == 0 && rev != r1, "put with the current revision");
	r2 = rev;
	rev = r1;
	ok(gt_kv_put(kv, "a", "three", 5, &rev, &err) == GT_EAGAIN && rev == r2,
	   "a stale revision conflicts (the other handle wrote): %s", err.msg);
	ok(get_str(kv, "a", v, sizeof(v), &rev) == 0 && !strcmp(v, "two") && rev == r2,
	   "get sees the other handle's write");
	gt_buf_reset(&b);
	ok(gt_kv_get(kv, "a", r2, &b, &rev, &err) == 1 && b.len == 0, "known revision: 1 and nothing read");
	ok(gt_kv_get(kv, "a", r1, &b, &rev, &err) == 0 && !strcmp(b.p, "two"), "old known revision: reads");

	/* An edit behind the store's back (another process, an operator) is seen. */
	snprintf(path, sizeof(path), "%s/kv/a", dir);
	ok(gt_write_file_atomic(path, "edited", 6, &err) == 0, "rewrite the key's file directly");
	gt_buf_reset(&b);
	ok(gt_kv_get(kv, "a", r2, &b, &rev, &err) == 0 && !strcmp(b.p, "edited") && rev == gt_kv_rev_of("edited", 6),
	   "revalidation notices the new file");

	old = rev;
	rev = r2;
	ok(gt_kv_delete(kv, "a", &rev, &err) == GT_EAGAIN && rev == old, "delete with a stale revision conflicts");
	rev = old;
	ok(gt_kv_delete(kv, "a", &rev, &err) == 0, "delete with the current revision");
	ok(stat(path, &st) != 0, "the file is gone");
	rev = old;
	ok(gt_kv_delete(kv, "a", &rev, &err) == GT_ENOTFOUND, "delete of an absent key is not found");

	/* Keys that are not file names. */
	rev = 0;
	ok(gt_kv_put(kv, "routes/4398046511104", "{}", 2, &rev, &err) == 0, "a key with '/'");
	rev = 0;
	ok(gt_kv_put(kv, "routes/1", "{}", 2, &rev, &err) == 0, "another");
	rev = 0;
	ok(gt_kv_put(kv, ".hidden %", "x", 1, &rev, &err) == 0, "a key with a leading dot and a percent");
	rev = 0;
	ok(gt_kv_put(kv, "nodes/1", "n", 1, &rev, &err) == 0, "a node key");
	snprintf(path, sizeof(path), "%s/kv/routes%%2F1", dir);
	ok(stat(path, &st) == 0, "'/' is escaped as %%2F in a flat directory");
	ok(gt_kv_list(kv, "routes/", collect, &s, &err) == 0 && s.n == 2 && !strcmp(s.keys[0], "routes/1") &&
		   !strcmp(s.keys[1], "routes/4398046511104") && s.revs[0] == gt_kv_rev_of("{}", 2),
	   "list by prefix, sorted, with revisions");
	memset(&s, 0, sizeof(s));
	ok(gt_kv_list(kv, "", collect, &s, &err) == 0 && s.n == 4 && !strcmp(s.keys[0], ".hidden %"),
	   "list everything (temporary files are not keys)");

	rev = 0;
	ok(gt_kv_put(kv, "", "x", 1, &rev, &err) == GT_EINVAL, "empty key refused");
	ok(gt_kv_put(kv, "a\nb", "x", 1, &rev, &err) == GT_EINVAL, "control character refused");
	{
		char big[GT_KV_KEY_MAX + 2];
		memset(big, 'k', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		ok(gt_kv_put(kv, big, "x", 1, &rev, &err) == GT_EINVAL, "long key refused");
	}

	/* Concurrent increments through two handles: no lost update. */
	{
		struct racer r[4] = {{kv, 50}, {kv2, 50}, {kv, 50}, {kv2, 50}};
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, race, &r[i]);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		ok(get_str(kv, "n", v, sizeof(v), &rev) == 0 && !strcmp(v, "200"),
		   "four racing incrementers, 50 each: %s", v);
	}

	/* The catalog on a KV: a second catalog's change shows through CAS. */
	{
		struct gt_catalog *c1 = NULL, *c2 = NULL;
		char **names = NULL;
		ok(gt_catalog_open_kv(&c1, kv, "catalog", true, &err) == 0, "catalog on a KV key: %s", err.msg);
		ok(gt_catalog_open_kv(&c2, kv2, "catalog", false, &err) == 0, "second catalog on the same key");
		ok(gt_catalog_create_db(c1, "one", false, &err) == 1, "create a database through the first");
		ok(gt_catalog_create_db(c2, "two", false, &err) == 1, "create another through the second (CAS retry)");
		ok(gt_catalog_has_db(c1, "two") && gt_catalog_has_db(c2, "one"), "each sees the other's change");
		ok(gt_catalog_create_db(c1, "two", false, &err) == GT_EEXIST, "no duplicate after revalidation");
		ok(gt_catalog_list_dbs(c2, &names) == 0 && names[0] && names[1] && names[2] && !names[3],
		   "three databases");
		gt_strv_free(names);
		create_many(c1, c2, kv);
		gt_catalog_close(c1);
		gt_catalog_close(c2);
	}

	gt_kv_close(kv);
	gt_kv_close(kv2);
	gt_buf_release(&b);
	gt_rm_tree(dir);
	return tap_done();
}
