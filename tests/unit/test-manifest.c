/* test-manifest.c - region manifests: commit, checkpoint, recovery, crash points, races. */
#include "manifest.h"
#include "tap.h"

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define REGION "data/public/1024/1024_0000000000"
#define MDIR REGION "/manifest/"
#define RID ((uint64_t)1024 << 32)

static char root[64];
static struct gt_objstore *os;

static int rm_fn(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void fresh_store(void)
{
	gt_objstore_close(os);
	nftw(root, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(root, 0700);
	gt_objstore_open_local(&os, root, NULL);
}

static void make_schema(struct gt_schema *s)
{
	memset(s, 0, sizeof(*s));
	gt_schema_add(s, "host", GT_STRING, GT_TAG, GT_UNIT_NS, NULL);
	gt_schema_add(s, "ts", GT_TS, GT_TIME, GT_UNIT_MS, NULL);
	gt_schema_add(s, "cpu", GT_F64, GT_FIELD, GT_UNIT_NS, NULL);
	s->opts.ttl_ms = 86400000;
}

static struct gt_file_meta meta(unsigned n, uint64_t rows)
{
	struct gt_file_meta m = {0};
	snprintf(m.id, sizeof(m.id), "%08x-0000-4000-8000-%012x", n, n * 7);
	m.size = 1000 + n;
	m.rows = rows;
	m.min_ts = -5 * (int64_t)n;
	m.max_ts = 100 * (int64_t)n;
	m.min_seq = n;
	m.max_seq = 2 * (uint64_t)n;
	m.level = n % 2;
	return m;
}

/* The checkpoint text of a state, for comparisons. */
static char *text_of(const struct gt_region_state *st)
{
	json_t *j = gt_region_state_to_json(st);
	char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

static int same_state(const struct gt_region_state *a, const struct gt_region_state *b)
{
	char *x = text_of(a), *y = text_of(b);
	int same = x && y && !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

/* Reopening gives the state m holds. */
static int reopen_same(struct gt_manifest *m)
{
	struct gt_manifest *r;
	struct gt_err err = {0};
	int same;

	if (gt_manifest_open(&r, os, REGION, &err)) {
		printf("# reopen: %s\n", err.msg);
		return 0;
	}
	same = same_state(gt_manifest_state(m), gt_manifest_state(r));
	gt_manifest_close(r);
	return same;
}

static int collect(void *ctx, const char *key, uint64_t size)
{
	gt_buf_addf(ctx, "%s ", key + strlen(MDIR));
	return 0;
}

/* The names under manifest/, space-separated. */
static char *listing(void)
{
	struct gt_buf b = {0};
	gt_buf_addstr(&b, "");
	gt_objstore_list(os, MDIR, collect, &b, NULL);
	return gt_buf_detach(&b, NULL);
}

static int listing_is(const char *want)
{
	char *l = listing();
	int same = !strcmp(l, want);
	if (!same)
		printf("# listing: %s\n# wanted:  %s\n", l, want);
	free(l);
	return same;
}

static int has_file(const struct gt_region_state *st, unsigned n, uint64_t rows)
{
	struct gt_file_meta m = meta(n, rows);
	for (uint32_t i = 0; i < st->nfiles; i++)
		if (!strcmp(st->files[i].id, m.id))
			return st->files[i].rows == rows && st->files[i].size == m.size &&
			       st->files[i].min_ts == m.min_ts && st->files[i].level == m.level;
	return 0;
}

static int sorted(const struct gt_region_state *st)
{
	for (uint32_t i = 1; i < st->nfiles; i++)
		if (strcmp(st->files[i - 1].id, st->files[i].id) >= 0)
			return 0;
	return 1;
}

static int put(const char *name, const char *text)
{
	char key[256];
	snprintf(key, sizeof(key), MDIR "%s", name);
	return gt_objstore_put(os, key, text, strlen(text), NULL);
}

static int del(const char *name)
{
	char key[256];
	snprintf(key, sizeof(key), MDIR "%s", name);
	return gt_objstore_delete(os, key, NULL);
}

static char *get(const char *name)
{
	char key[256];
	struct gt_buf b = {0};
	snprintf(key, sizeof(key), MDIR "%s", name);
	if (gt_objstore_get(os, key, 0, 0, &b, NULL))
		return NULL;
	return gt_buf_detach(&b, NULL);
}

static int commit_add(struct gt_manifest *m, unsigned n, uint64_t rows, uint64_t seq)
{
	struct gt_file_meta f = meta(n, rows);
	struct gt_manifest_edit e = {.add = &f, .nadd = 1, .flushed_seq = seq};
	return gt_manifest_commit(m, &e, NULL);
}

static void test_create_open(void)
{
	struct gt_manifest *m, *r;
	struct gt_schema s;
	struct gt_err err = {0};

	fresh_store();
	make_schema(&s);
	ok(gt_manifest_open(&r, os, REGION, &err) == GT_ENOTFOUND, "open of nothing: not found (%s)", err.msg);
	ok(gt_manifest_create(&m, os, REGION, RID, &s, &err) == 0, "create: %s", err.msg);
	ok(gt_manifest_state(m)->version == 1 && gt_manifest_state(m)->region_id == RID &&
	   gt_manifest_state(m)->schema.ncols == 3 && gt_manifest_state(m)->nfiles == 0,
	   "version 1 holds the schema and region id");
	ok(listing_is("00000000000000000001.json "), "one delta on disk");
	ok(reopen_same(m), "reopen gives the same state");
	ok(gt_manifest_create(&r, os, REGION, RID, &s, &err) == GT_EEXIST, "create again: exists (%s)", err.msg);
	ok(gt_manifest_open(&r, os, REGION "/", &err) == 0 && same_state(gt_manifest_state(m), gt_manifest_state(r)),
	   "a trailing '/' on the region dir is the same region");
	gt_manifest_close(r);

	const struct gt_schema *rs = gt_manifest_state(m) ? &gt_manifest_state(m)->schema : NULL;
	ok(rs && !strcmp(rs->cols[1].name, "ts") && rs->cols[1].sem == GT_TIME && rs->cols[1].unit == GT_UNIT_MS &&
	   rs->opts.ttl_ms == 86400000 && rs->next_col_id == 3, "schema survives the round trip");
	gt_manifest_close(m);
	ok(gt_manifest_create(&m, os, REGION, (uint64_t)INT64_MAX + 1, &s, &err) == GT_EINVAL,
	   "region id over INT64_MAX refused");
	gt_schema_release(&s);
}

/* Many versions: checkpoints happen, old files go, reopening always
 * reproduces the state. */
static void test_many_versions(void)
{
	struct gt_manifest *m;
	struct gt_schema s;
	int same = 1, rc = 0;

	fresh_store();
	make_schema(&s);
	gt_manifest_create(&m, os, REGION, RID, &s, NULL);
	for (unsigned v = 2; v <= 31; v++) {
		struct gt_file_meta f = meta(v, v * 10);
		const char *rm[1];
		char rmid[GT_FILE_ID_LEN + 1];
		struct gt_manifest_edit e = {.add = &f, .nadd = 1, .flushed_seq = v * 100};
		if (v % 3 == 0) {   /* compaction-like: drop an older file */
			struct gt_file_meta old = meta(v - 2, 0);
			memcpy(rmid, old.id, sizeof(rmid));
			rm[0] = rmid;
			e.remove = rm;
			e.nremove = 1;
		}
		rc |= gt_manifest_commit(m, &e, NULL);
		same &= reopen_same(m);
	}
	const struct gt_region_state *st = gt_manifest_state(m);
	ok(rc == 0 && st->version == 31, "30 commits: version %llu", (unsigned long long)st->version);
	ok(same, "reopen after every commit reproduces the state");
	ok(listing_is("00000000000000000030.checkpoint 00000000000000000031.json _last_checkpoint "),
	   "checkpoint 30 kept, deltas <= 30 and older checkpoints deleted");
	char *p = get("_last_checkpoint");
	ok(p && !strcmp(p, "{\"version\":30,\"checkpoint\":\"00000000000000000030.checkpoint\"}"),
	   "_last_checkpoint: %s", p ? p : "(none)");
	free(p);
	ok(st->flushed_seq == 3100 && sorted(st) && st->nfiles == 21 && has_file(st, 31, 310) && !has_file(st, 28, 280),
	   "files and flushed_seq as committed (%u files)", st->nfiles);
	gt_manifest_close(m);
	gt_schema_release(&s);
}

static void test_semantics(void)
{
	struct gt_manifest *m;
	struct gt_schema s;
	struct gt_err err = {0};
	const struct gt_region_state *st;

	fresh_store();
	make_schema(&s);
	gt_manifest_create(&m, os, REGION, RID, &s, NULL);
	st = gt_manifest_state(m);

	struct gt_file_meta fs[3] = {meta(30, 1), meta(10, 1), meta(20, 1)};
	struct gt_manifest_edit e = {.add = fs, .nadd = 3, .flushed_seq = 50};
	ok(gt_manifest_commit(m, &e, &err) == 0 && st->nfiles == 3 && sorted(st), "add 3 unsorted: kept sorted");
	ok(commit_add(m, 20, 99, 0) == 0 && st->nfiles == 3 && has_file(st, 20, 99), "add of an existing id replaces it");
	ok(commit_add(m, 5, 1, 40) == 0 && st->flushed_seq == 50, "a lower flushed_seq is ignored");
	ok(reopen_same(m), "reopen agrees");

	char absent[GT_FILE_ID_LEN + 1];
	struct gt_file_meta x = meta(10, 1), a = meta(999, 1);
	memcpy(absent, a.id, sizeof(absent));
	const char *rm[] = {x.id, absent, x.id};
	e = (struct gt_manifest_edit){.remove = rm, .nremove = 3};
	ok(gt_manifest_commit(m, &e, &err) == 0 && st->nfiles == 3 && !has_file(st, 10, 1),
	   "remove: present id goes, absent and repeated ids are ignored");

	/* Remove and re-add the same id in one edit: removal applies first. */
	struct gt_file_meta again = meta(30, 77);
	const char *rm30[] = {again.id};
	e = (struct gt_manifest_edit){.add = &again, .nadd = 1, .remove = rm30, .nremove = 1};
	ok(gt_manifest_commit(m, &e, NULL) == 0 && has_file(st, 30, 77), "remove then add in one edit");

	gt_schema_add(&s, "mem", GT_F64, GT_FIELD, GT_UNIT_NS, NULL);
	s.cols[3].dflt = gt_strdup("0.5");
	e = (struct gt_manifest_edit){.schema = &s};
	ok(gt_manifest_commit(m, &e, NULL) == 0 && st->schema.ncols == 4 && st->schema.cols[3].dflt &&
	   !strcmp(st->schema.cols[3].dflt, "0.5") && st->schema.version == s.version, "schema change replaces");
	ok(reopen_same(m), "reopen agrees");

	e = (struct gt_manifest_edit){.truncate = 1, .flushed_seq = 500};
	ok(gt_manifest_commit(m, &e, NULL) == 0 && st->nfiles == 0 && st->flushed_seq == 500,
	   "truncate drops every file and sets flushed_seq");
	ok(commit_add(m, 1, 1, 0) == 0 && st->nfiles == 1, "files can be added after a truncate");
	ok(reopen_same(m), "reopen agrees");

	/* Invalid edits: refused before anything is written. */
	uint64_t v = st->version;
	char *before = listing();
	struct gt_file_meta bad = meta(2, 1);
	bad.id[5] = 'X';
	e = (struct gt_manifest_edit){.add = &bad, .nadd = 1};
	ok(gt_manifest_commit(m, &e, &err) == GT_EINVAL, "bad id refused: %s", err.msg);
	bad = meta(2, 1);
	bad.min_ts = bad.max_ts + 1;
	ok(gt_manifest_commit(m, &e, &err) == GT_EINVAL, "min_ts > max_ts refused: %s", err.msg);
	bad = meta(2, 1);
	bad.size = (uint64_t)INT64_MAX + 1;
	ok(gt_manifest_commit(m, &e, &err) == GT_EINVAL, "size over INT64_MAX refused: %s", err.msg);
	bad = meta(2, 1);
	memset(bad.id, 'a', sizeof(bad.id));   /* no terminator */
	ok(gt_manifest_commit(m, &e, &err) == GT_EINVAL, "unterminated id refused");
	const char *rmbad[] = {"short"};
	e = (struct gt_manifest_edit){.remove = rmbad, .nremove = 1};
	ok(gt_manifest_commit(m, &e, &err) == GT_EINVAL, "bad remove id refused");
	e = (struct gt_manifest_edit){.flushed_seq = UINT64_MAX};
	ok(gt_manifest_commit(m, &e, &err) == GT_EINVAL, "flushed_seq over INT64_MAX refused");
	char *after = listing();
	ok(st->version == v && !strcmp(before, after), "state and files unchanged by refused edits");
	free(before);
	free(after);
	ok(reopen_same(m), "reopen agrees");
	gt_manifest_close(m);
	gt_schema_release(&s);
}

/* Build a region at version 25: checkpoint 20, deltas 21..25. */
static struct gt_manifest *at_25(void)
{
	struct gt_manifest *m;
	struct gt_schema s;

	fresh_store();
	make_schema(&s);
	gt_manifest_create(&m, os, REGION, RID, &s, NULL);
	gt_schema_release(&s);
	for (unsigned v = 2; v <= 25; v++)
		commit_add(m, v, v, v);
	return m;
}

static int open_rc(struct gt_err *err)
{
	struct gt_manifest *r = NULL;
	int rc = gt_manifest_open(&r, os, REGION, err);
	gt_manifest_close(r);
	return rc;
}

static void test_damage(void)
{
	struct gt_manifest *m = at_25();
	struct gt_err err = {0};
	char *t;

	ok(listing_is("00000000000000000020.checkpoint 00000000000000000021.json 00000000000000000022.json "
		      "00000000000000000023.json 00000000000000000024.json 00000000000000000025.json _last_checkpoint "),
	   "version 25: checkpoint 20 and deltas 21..25");
	t = get("00000000000000000023.json");
	del("00000000000000000023.json");
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "00000000000000000023.json"),
	   "a missing delta is a gap: %s", err.msg);
	put("00000000000000000024.json", "{\"version\":24,");
	put("00000000000000000023.json", t);
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "00000000000000000024.json"),
	   "a damaged delta is named: %s", err.msg);
	put("00000000000000000024.json", t);
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "00000000000000000024.json"),
	   "a delta holding another version is named: %s", err.msg);
	free(t);
	gt_manifest_close(m);

	m = at_25();
	put("00000000000000000022.json", "{\"version\":22,\"actions\":{}}");
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "00000000000000000022.json"),
	   "actions of the wrong type: %s", err.msg);
	put("00000000000000000022.json", "{\"checkpoint\":false,\"version\":22}");
	ok(open_rc(&err) == GT_ECORRUPT, "a delta without actions: %s", err.msg);
	t = get("00000000000000000020.checkpoint");
	put("00000000000000000022.json", t);
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "holds a checkpoint"), "a checkpoint named as a delta: %s",
	   err.msg);
	free(t);
	put("00000000000000000022.json", "{\"format\":2,\"version\":22,\"actions\":[]}");
	ok(open_rc(&err) == GT_EUNSUPP, "a newer format: unsupported (%s)", err.msg);
	put("00000000000000000022.json", "{\"version\":22,\"actions\":[{\"split\":{}}]}");
	ok(open_rc(&err) == GT_EUNSUPP, "an unknown action: unsupported (%s)", err.msg);
	put("00000000000000000022.json", "{\"version\":22,\"region_id\":7,\"actions\":[]}");
	ok(open_rc(&err) == GT_ECORRUPT, "a delta of another region: %s", err.msg);
	gt_manifest_close(m);

	m = at_25();
	put("_last_checkpoint", "{\"version\":20}");
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "_last_checkpoint"), "damaged pointer: %s", err.msg);
	put("_last_checkpoint", "{\"version\":20,\"checkpoint\":\"../../x\"}");
	ok(open_rc(&err) == GT_ECORRUPT, "pointer naming another file is damage");
	put("_last_checkpoint", "{\"version\":20,\"checkpoint\":\"00000000000000000020.checkpoint\"}");
	put("00000000000000000020.checkpoint", "{\"checkpoint\":true,\"version\":20}");
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "00000000000000000020.checkpoint"),
	   "damaged checkpoint named: %s", err.msg);
	del("00000000000000000020.checkpoint");
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "00000000000000000020.checkpoint"),
	   "pointer to a missing checkpoint: %s", err.msg);
	del("_last_checkpoint");
	ok(open_rc(&err) == GT_ECORRUPT && strstr(err.msg, "00000000000000000001.json"),
	   "no checkpoint and no version 1: %s", err.msg);
	gt_manifest_close(m);
}

/* Crash points of the checkpoint protocol, each rebuilt on disk. */
static void test_crash_points(void)
{
	struct gt_manifest *m = at_25(), *r;
	const struct gt_region_state *st = gt_manifest_state(m);
	struct gt_err err = {0};
	json_t *j;
	char *t;

	/* 1. Crash after writing checkpoint 25, before moving the pointer:
	 *    pointer says 20, deltas 21..25 still there. */
	j = gt_region_state_to_json(st);
	t = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	put("00000000000000000025.checkpoint", t);
	free(t);
	ok(reopen_same(m), "crash before the pointer update: recovers (newest checkpoint, deltas ignored)");
	/* ... and the next commit still works. */
	ok(gt_manifest_open(&r, os, REGION, &err) == 0 && commit_add(r, 26, 26, 26) == 0 &&
	   gt_manifest_state(r)->version == 26, "commit after that recovery");
	gt_manifest_close(r);
	gt_manifest_close(m);

	/* 2. Crash after the pointer update, before the cleanup. */
	m = at_25();
	st = gt_manifest_state(m);
	j = gt_region_state_to_json(st);
	t = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	put("00000000000000000025.checkpoint", t);
	free(t);
	put("_last_checkpoint", "{\"version\":25,\"checkpoint\":\"00000000000000000025.checkpoint\"}");
	ok(reopen_same(m), "crash before the cleanup: deltas 21..25 ignored");
	/* Leftovers from an even older interrupted cleanup, damaged even. */
	put("00000000000000000007.json", "garbage");
	put("00000000000000000010.checkpoint", "garbage");
	ok(reopen_same(m), "leftover deltas and checkpoints below the base are ignored, unread");
	ok(gt_manifest_open(&r, os, REGION, &err) == 0, "open");
	for (unsigned v = 26; v <= 35; v++)
		commit_add(r, v, v, v);
	ok(listing_is("00000000000000000035.checkpoint _last_checkpoint "),
	   "the next checkpoint (at 35) deletes every leftover");
	gt_manifest_close(r);
	gt_manifest_close(m);

	/* 3. _last_checkpoint lost: recover from the checkpoint found by listing. */
	m = at_25();
	del("_last_checkpoint");
	ok(reopen_same(m), "no _last_checkpoint: the listed checkpoint and later deltas recover");
	/* ... and with no checkpoint written yet, from the deltas alone. */
	gt_manifest_close(m);
	fresh_store();
	struct gt_schema s;
	make_schema(&s);
	gt_manifest_create(&m, os, REGION, RID, &s, NULL);
	gt_schema_release(&s);
	for (unsigned v = 2; v <= 9; v++)
		commit_add(m, v, v, v);
	ok(listing_is("00000000000000000001.json 00000000000000000002.json 00000000000000000003.json "
		      "00000000000000000004.json 00000000000000000005.json 00000000000000000006.json "
		      "00000000000000000007.json 00000000000000000008.json 00000000000000000009.json "),
	   "before the first checkpoint: deltas only");
	ok(reopen_same(m), "recovery from deltas 1..9");
	gt_manifest_close(m);

}

static void test_overdue_checkpoint(void)
{
	struct gt_manifest *m, *r;
	struct gt_schema s;

	fresh_store();
	make_schema(&s);
	gt_manifest_create(&m, os, REGION, RID, &s, NULL);
	gt_schema_release(&s);
	for (unsigned v = 2; v <= 9; v++)
		commit_add(m, v, v, v);
	/* Write version 10 behind the manifest's back, as a writer that
	 * crashed before checkpointing would have. */
	char *t = get("00000000000000000009.json");
	char *c = strstr(t, "\"version\":9");
	struct gt_buf b = {0};
	gt_buf_add(&b, t, (size_t)(c - t));
	gt_buf_addstr(&b, "\"version\":10");
	gt_buf_addstr(&b, c + strlen("\"version\":9"));
	put("00000000000000000010.json", b.p);
	gt_buf_release(&b);
	free(t);
	gt_manifest_close(m);
	ok(gt_manifest_open(&r, os, REGION, NULL) == 0 && gt_manifest_state(r)->version == 10,
	   "recovered version 10 (no checkpoint)");
	ok(commit_add(r, 11, 11, 11) == 0 && listing_is("00000000000000000011.checkpoint _last_checkpoint "),
	   "the overdue checkpoint is made by the next commit");
	gt_manifest_close(r);
}

static void test_race(void)
{
	struct gt_manifest *a, *b;
	struct gt_schema s;
	struct gt_err err = {0};

	fresh_store();
	make_schema(&s);
	gt_manifest_create(&a, os, REGION, RID, &s, NULL);
	gt_schema_release(&s);
	gt_manifest_open(&b, os, REGION, NULL);
	ok(commit_add(a, 2, 2, 2) == 0, "writer A publishes version 2");
	struct gt_file_meta f = meta(3, 3);
	struct gt_manifest_edit e = {.add = &f, .nadd = 1};
	ok(gt_manifest_commit(b, &e, &err) == GT_EEXIST && strstr(err.msg, "00000000000000000002.json"),
	   "writer B loses version 2: %s", err.msg);
	ok(gt_manifest_state(b)->version == 1 && gt_manifest_state(b)->nfiles == 0, "B's state is unchanged");
	ok(gt_manifest_commit(b, &e, NULL) == GT_EEXIST, "B stays stale until it reopens");
	gt_manifest_close(b);
	ok(reopen_same(a), "the disk holds A's edit");

	/* The deeper race: B is stale at 9 while A publishes 10, checkpoints
	 * and deletes delta 10, so B's put_if_absent of 10 succeeds. */
	for (unsigned v = 3; v <= 9; v++)
		commit_add(a, v, v, v);
	gt_manifest_open(&b, os, REGION, NULL);
	ok(commit_add(a, 10, 10, 10) == 0 && listing_is("00000000000000000010.checkpoint _last_checkpoint "),
	   "A publishes 10 and checkpoints");
	ok(gt_manifest_commit(b, &e, &err) == GT_EEXIST, "B's late version 10 is detected: %s", err.msg);
	ok(listing_is("00000000000000000010.checkpoint _last_checkpoint "), "and B's stray delta removed");
	ok(reopen_same(a), "the disk holds A's state");
	gt_manifest_close(b);

	/* Create racing an existing region whose version 1 was deleted. */
	ok(gt_manifest_create(&b, os, REGION, RID, &gt_manifest_state(a)->schema, &err) == GT_EEXIST,
	   "create over a checkpointed region: %s", err.msg);
	gt_manifest_close(a);
}

/*
 * Fail the Nth allocation of a commit (the one that also checkpoints),
 * for every N in turn, each in a child process: the commit must fail
 * cleanly or succeed, never crash or leak (under ASan), and the manifest
 * must still open to the state the writer holds -- or, when the failure
 * came after the delta was published, to that state plus the edit.
 */
static char tpl[96];

static int copy_fn(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	char dst[512], buf[65536];
	FILE *in, *out;
	size_t n;

	snprintf(dst, sizeof(dst), "%s%s", root, p + strlen(tpl));
	if (flag == FTW_D)
		return mkdir(dst, 0755) && errno != EEXIST;
	if (!(in = fopen(p, "rb")) || !(out = fopen(dst, "wb")))
		return 1;
	while ((n = fread(buf, 1, sizeof(buf), in)))
		fwrite(buf, 1, n, out);
	fclose(in);
	return fclose(out) != 0;
}

static void test_alloc_faults(void)
{
	int bad = 0, n;

	/* A region at version 29 built once and copied for every run (a
	 * fresh one each time would spend minutes in fsync). */
	gt_manifest_close(at_25());
	{
		struct gt_manifest *m;
		gt_manifest_open(&m, os, REGION, NULL);
		for (unsigned v = 26; v <= 29; v++)
			commit_add(m, v, v, v);
		gt_manifest_close(m);
	}
	snprintf(tpl, sizeof(tpl), "%s.tpl", root);
	rename(root, tpl);
	for (n = 1; n <= 60; n++) {   /* a commit makes about 45 */
		struct gt_manifest *m, *r;
		char num[16];
		pid_t pid;
		int status;

		nftw(root, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
		nftw(tpl, copy_fn, 16, FTW_PHYS);
		if (gt_manifest_open(&m, os, REGION, NULL)) {
			bad++;
			break;
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			struct gt_file_meta f = meta(30, 30);
			const char *rm[] = {f.id};
			struct gt_manifest_edit e = {.add = &f, .nadd = 1, .remove = rm, .nremove = 1,
						     .flushed_seq = 30};
			uint64_t v = gt_manifest_state(m)->version;
			struct gt_err err = {0};
			int rc, rc2, ok_state;

			snprintf(num, sizeof(num), "%d", n);
			setenv("GT_FAIL_ALLOC", num, 1);
			gt_alloc_fault_init();
			rc = gt_manifest_commit(m, &e, NULL);
			if (rc && rc != GT_ENOMEM)
				_exit(3);
			if (rc && gt_manifest_state(m)->version != v)
				_exit(4);
			/* The Nth allocation may come in this open instead, once. */
			rc2 = gt_manifest_open(&r, os, REGION, &err);
			if (rc2 == GT_ENOMEM)
				rc2 = gt_manifest_open(&r, os, REGION, &err);
			if (rc2) {
				printf("# allocation %d: commit %d, reopen: %s\n", n, rc, err.msg);
				fflush(stdout);
				_exit(5);
			}
			ok_state = same_state(gt_manifest_state(m), gt_manifest_state(r)) ||
				   (rc && gt_manifest_state(r)->version == v + 1);
			gt_manifest_close(r);
			gt_manifest_close(m);
			gt_objstore_close(os);
			exit(ok_state ? 0 : 6);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# allocation %d: status %d\n", n, status);
			bad++;
		}
		gt_manifest_close(m);
	}
	ok(bad == 0, "failing allocation 1..%d of a checkpointing commit: clean every time", n - 1);
	nftw(tpl, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
}

static int apply(struct gt_region_state *st, const char *text, struct gt_err *err)
{
	return gt_manifest_apply_json(st, text, strlen(text), err);
}

static void test_apply_json(void)
{
	struct gt_region_state st = {0}, st2 = {0};
	struct gt_err err = {0};
	const char *ck = "{\"format\":1,\"checkpoint\":true,\"version\":7,\"region_id\":5,\"flushed_seq\":9,"
			 "\"schema\":{\"version\":1,\"next_col_id\":1,\"columns\":[{\"name\":\"ts\",\"id\":0,"
			 "\"type\":\"timestamp\",\"sem\":\"time\",\"unit\":\"ms\",\"nullable\":false,\"default\":null}]},"
			 "\"files\":[{\"id\":\"bbbbbbbb-0000-4000-8000-000000000000\",\"size\":1,\"rows\":2,\"min_ts\":-3,"
			 "\"max_ts\":4,\"min_seq\":5,\"max_seq\":6,\"level\":1},"
			 "{\"id\":\"aaaaaaaa-0000-4000-8000-000000000000\",\"size\":1,\"rows\":2,\"min_ts\":3,"
			 "\"max_ts\":4,\"min_seq\":5,\"max_seq\":6,\"level\":0}]}";

	ok(apply(&st, ck, &err) == 0 && st.version == 7 && st.region_id == 5 && st.nfiles == 2 && sorted(&st) &&
	   st.files[1].min_ts == -3, "checkpoint applies (files sorted, 'default': null accepted): %s", err.msg);
	char *t = text_of(&st);
	ok(t && apply(&st2, t, NULL) == 0 && same_state(&st, &st2), "state -> JSON -> state round trip");
	free(t);
	ok(apply(&st, "{\"version\":9,\"actions\":[]}", &err) == GT_ECORRUPT && st.version == 7,
	   "a delta that does not follow: %s", err.msg);
	ok(apply(&st, "{\"version\":8,\"actions\":[{\"flushed_seq\":3},{\"add_files\":[]}]}", NULL) == 0 &&
	   st.version == 8 && st.flushed_seq == 9, "the following delta applies");
	ok(apply(&st, "{\"version\":9,\"actions\":[{\"remove_files\":[\"aaaaaaaa-0000-4000-8000-000000000000\"]},"
		      "{\"flushed_seq\":-1}]}", &err) == GT_ECORRUPT && st.nfiles == 2 && st.version == 8,
	   "a bad action late in a delta leaves the state untouched");
	ok(apply(&st, "{\"version\":9,\"actions\":[{\"add_files\":[{\"id\":\"aaaaaaaa-0000-4000-8000-000000000000\","
		      "\"size\":1,\"rows\":2,\"min_ts\":3,\"max_ts\":4,\"min_seq\":5,\"max_seq\":6,\"level\":0},"
		      "{\"id\":\"aaaaaaaa-0000-4000-8000-000000000000\",\"size\":1,\"rows\":2,\"min_ts\":3,"
		      "\"max_ts\":4,\"min_seq\":5,\"max_seq\":6,\"level\":0}]}]}", &err) == GT_ECORRUPT,
	   "one id twice in one add_files: %s", err.msg);
	ok(apply(&st, "{\"version\":9,\"version\":9,\"actions\":[]}", NULL) == GT_ECORRUPT, "duplicate keys refused");
	ok(apply(&st, "{\"version\":9.0,\"actions\":[]}", NULL) == GT_ECORRUPT, "a real where an integer belongs");
	ok(apply(&st, "{\"version\":9,\"actions\":[{\"flushed_seq\":1,\"schema\":{}}]}", NULL) == GT_ECORRUPT,
	   "an action with two members");
	ok(apply(&st, "[]", NULL) == GT_ECORRUPT && apply(&st, "", NULL) == GT_ECORRUPT &&
	   apply(&st, "{}", NULL) == GT_ECORRUPT, "not a manifest object");
	static const char trailing[] = "{\"version\":9,\"actions\":[]}\0xx";
	ok(gt_manifest_apply_json(&st, trailing, sizeof(trailing) - 1, NULL) == GT_ECORRUPT,
	   "bytes after the object");
	ok(apply(&st, "{\"checkpoint\":1,\"version\":9}", NULL) == GT_ECORRUPT, "'checkpoint' not a boolean");
	ok(apply(&st, "{\"version\":9,\"region_id\":5,\"flushed_seq\":1,\"files\":[],\"schema\":"
		      "{\"version\":1,\"next_col_id\":0,\"columns\":[]}}", NULL) == 0 && st.version == 9 && st.nfiles == 0,
	   "a checkpoint recognised by its keys replaces the state");
	gt_region_state_release(&st);
	gt_region_state_release(&st2);
	ok(apply(&st, "{\"version\":40,\"region_id\":3,\"actions\":[{\"truncate\":{\"flushed_seq\":4}}]}", NULL) == 0 &&
	   st.version == 40 && st.region_id == 3 && st.flushed_seq == 4, "a fresh state takes any delta");
	gt_region_state_release(&st);
}

static void test_file_ids(void)
{
	char ids[200][GT_FILE_ID_LEN + 1];
	int good = 1, uniq = 1;

	for (int i = 0; i < 200; i++) {
		gt_file_id_new(ids[i]);
		const char *s = ids[i];
		good &= strlen(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' && s[14] == '4' &&
			strchr("89ab", s[19]) != NULL && strspn(s, "0123456789abcdef-") == 36;
		for (int k = 0; k < i; k++)
			uniq &= strcmp(ids[k], s) != 0;
	}
	ok(good, "file ids are uuid v4 text (%s)", ids[0]);
	ok(uniq, "200 file ids are distinct");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/gt-test-manifest.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_create_open();
	test_many_versions();
	test_semantics();
	test_damage();
	test_crash_points();
	test_overdue_checkpoint();
	test_race();
	test_alloc_faults();
	test_apply_json();
	test_file_ids();
	gt_objstore_close(os);
	nftw(root, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
