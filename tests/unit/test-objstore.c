/* test-objstore.c - the local object store and the durable-file helpers. */
#include "objstore.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static int rm_fn(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
}

static int exists(const char *rel)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return !stat(p, &st);
}

/* Collects a listing as "key:size\n" lines. */
static int collect(void *ctx, const char *key, uint64_t size)
{
	gt_buf_addf(ctx, "%s:%llu\n", key, (unsigned long long)size);
	return 0;
}

static int stop_at_second(void *ctx, const char *key, uint64_t size)
{
	int *n = ctx;
	return ++*n == 2 ? 42 : 0;
}

static int get_str(struct gt_objstore *os, const char *key, uint64_t off, uint64_t len, struct gt_buf *b)
{
	gt_buf_reset(b);
	return gt_objstore_get(os, key, off, len, b, NULL);
}

static void test_basic(struct gt_objstore *os)
{
	struct gt_buf b = {0};
	struct gt_err err = {0};
	int rc;

	ok(gt_objstore_put(os, "a/b/c.txt", "hello world", 11, &err) == 0, "put into new directories: %s", err.msg);
	ok(get_str(os, "a/b/c.txt", 0, 0, &b) == 0 && b.len == 11 && !strcmp(b.p, "hello world"), "get whole");
	ok(get_str(os, "a/b/c.txt", 6, 5, &b) == 0 && !strcmp(b.p, "world"), "get range [6,11)");
	ok(get_str(os, "a/b/c.txt", 6, 0, &b) == 0 && !strcmp(b.p, "world"), "get from 6 to the end");
	ok(get_str(os, "a/b/c.txt", 11, 0, &b) == 0 && b.len == 0, "get at the end: empty");
	ok(get_str(os, "a/b/c.txt", 12, 0, &b) == GT_EINVAL, "get past the end: invalid");
	ok(get_str(os, "a/b/c.txt", 6, 6, &b) == GT_EINVAL, "get range running past the end: invalid");
	gt_buf_reset(&b);
	gt_buf_addstr(&b, "keep:");
	ok(gt_objstore_get(os, "a/b/c.txt", 0, 5, &b, NULL) == 0 && !strcmp(b.p, "keep:hello"), "get appends");
	ok(gt_objstore_get(os, "a/b/c.txt", 0, 50, &b, NULL) == GT_EINVAL && !strcmp(b.p, "keep:hello"),
	   "failed get leaves the buffer as it was");

	ok(gt_objstore_put(os, "a/b/c.txt", "bye", 3, NULL) == 0 && get_str(os, "a/b/c.txt", 0, 0, &b) == 0 &&
	   !strcmp(b.p, "bye"), "put replaces");
	ok(gt_objstore_put(os, "empty", "", 0, NULL) == 0 && get_str(os, "empty", 0, 0, &b) == 0 && b.len == 0,
	   "empty object");

	rc = gt_objstore_get(os, "a/b/nope", 0, 0, &b, &err);
	ok(rc == GT_ENOTFOUND && strstr(err.msg, "a/b/nope"), "absent key: not found, named: %s", err.msg);
	ok(get_str(os, "a/b", 0, 0, &b) == GT_ENOTFOUND, "a directory is not an object");
	ok(get_str(os, "a/b/c.txt/x", 0, 0, &b) == GT_ENOTFOUND, "below a file: not found");

	ok(gt_objstore_delete(os, "a/b/c.txt", NULL) == 0 && get_str(os, "a/b/c.txt", 0, 0, &b) == GT_ENOTFOUND,
	   "delete");
	ok(gt_objstore_delete(os, "a/b/c.txt", NULL) == 0, "delete of an absent key is fine");
	ok(gt_objstore_delete(os, "zz/yy", NULL) == 0, "delete below an absent dir is fine");

	char *p = gt_objstore_local_path(os, "x/y");
	char want[128];
	snprintf(want, sizeof(want), "%s/x/y", root);
	ok(p && !strcmp(p, want), "local path %s", p ? p : "(null)");
	free(p);
	ok(gt_objstore_local_path(os, "../x") == NULL, "no local path for a bad key");
	gt_buf_release(&b);
}

static void test_put_if_absent(struct gt_objstore *os)
{
	struct gt_buf b = {0};
	struct gt_err err = {0};

	ok(gt_objstore_put_if_absent(os, "m/1.json", "one", 3, NULL) == 0, "put_if_absent of a new key");
	ok(gt_objstore_put_if_absent(os, "m/1.json", "two", 3, &err) == GT_EEXIST && strstr(err.msg, "m/1.json"),
	   "put_if_absent of an existing key: exists (%s)", err.msg);
	ok(get_str(os, "m/1.json", 0, 0, &b) == 0 && !strcmp(b.p, "one"), "the first writer's bytes stay");
	gt_buf_release(&b);
}

static void test_keys(struct gt_objstore *os)
{
	static const char *bad[] = {
		"", "/abs", "a//b", "a/", "..", "a/../b", "a/..", "./a", "a/./b", ".", "a/.tmp.1.2",
		".tmp.x",
	};
	struct gt_buf b = {0};
	char longkey[GT_OBJSTORE_KEY_MAX + 2];

	for (size_t i = 0; i < GT_ARRAY_LEN(bad); i++) {
		struct gt_err err = {0};
		ok(gt_objstore_put(os, bad[i], "x", 1, &err) == GT_EINVAL, "key '%s' refused: %s", bad[i], err.msg);
		ok(get_str(os, bad[i], 0, 0, &b) == GT_EINVAL, "get '%s' refused", bad[i]);
		ok(gt_objstore_delete(os, bad[i], NULL) == GT_EINVAL, "delete '%s' refused", bad[i]);
	}
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	ok(gt_objstore_put(os, longkey, "x", 1, NULL) == GT_EINVAL, "key over %d bytes refused", GT_OBJSTORE_KEY_MAX);
	ok(gt_objstore_check_key("a/..b/c..", 0, NULL) == 0, "'..' inside a name is fine");
	ok(gt_objstore_check_key(".hidden/x.tmp.", 0, NULL) == 0, "dot names that are not temporary are fine");
	ok(gt_objstore_check_key("", 1, NULL) == 0 && gt_objstore_check_key("a/b/", 1, NULL) == 0 &&
	   gt_objstore_check_key("a/b", 1, NULL) == 0, "prefixes: empty, ending in '/', partial");
	ok(gt_objstore_check_key("/", 1, NULL) == GT_EINVAL && gt_objstore_check_key("a//", 1, NULL) == GT_EINVAL &&
	   gt_objstore_check_key("../", 1, NULL) == GT_EINVAL, "bad prefixes refused");
	ok(!exists("b") && !exists("abs"), "nothing was written for a refused key");
	gt_buf_release(&b);
}

static void test_list(struct gt_objstore *os)
{
	struct gt_buf b = {0};
	int n = 0, rc;
	char tmp[512];

	rm_rf(root);
	mkdir(root, 0755);
	gt_objstore_put(os, "l/b", "22", 2, NULL);
	gt_objstore_put(os, "l/a/z", "1", 1, NULL);
	gt_objstore_put(os, "l/a-c", "333", 3, NULL);
	gt_objstore_put(os, "l/a/y/deep", "4444", 4, NULL);
	gt_objstore_put(os, "lx", "5", 1, NULL);
	/* A temporary file left by a crash must not show. */
	snprintf(tmp, sizeof(tmp), "%s/l/a/.tmp.999.1", root);
	close(open(tmp, O_WRONLY | O_CREAT, 0644));

	rc = gt_objstore_list(os, "l/", collect, &b, NULL);
	ok(rc == 0 && b.p && !strcmp(b.p, "l/a-c:3\nl/a/y/deep:4\nl/a/z:1\nl/b:2\n"),
	   "list is recursive, sorted bytewise ('-' before '/'), skips temp files");
	gt_buf_reset(&b);
	rc = gt_objstore_list(os, "l/a", collect, &b, NULL);
	ok(rc == 0 && b.p && !strcmp(b.p, "l/a-c:3\nl/a/y/deep:4\nl/a/z:1\n"), "string prefix 'l/a'");
	gt_buf_reset(&b);
	ok(gt_objstore_list(os, "l", collect, &b, NULL) == 0 && strstr(b.p, "lx:1\n") && strstr(b.p, "l/b:2\n"),
	   "prefix 'l' covers 'lx' and 'l/...'");
	gt_buf_reset(&b);
	ok(gt_objstore_list(os, "", collect, &b, NULL) == 0 && !strncmp(b.p, "l/a-c:3\n", 8) &&
	   strstr(b.p, "lx:1\n"), "empty prefix lists everything");
	gt_buf_reset(&b);
	ok(gt_objstore_list(os, "nothing/here/", collect, &b, NULL) == 0 && b.len == 0,
	   "absent prefix: empty listing");
	ok(gt_objstore_list(os, "l/", stop_at_second, &n, NULL) == 42 && n == 2, "callback return stops the walk");
	gt_buf_release(&b);
}

static void test_put_file(struct gt_objstore *os)
{
	struct gt_buf b = {0};
	struct gt_err err = {0};
	char src[512];
	int fd;

	snprintf(src, sizeof(src), "%s/incoming", root);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, "sst bytes", 9) == 9, "wrote a local file");
	close(fd);
	ok(gt_objstore_put_file(os, "data/t/1.sst", src, &err) == 0, "put_file: %s", err.msg);
	ok(access(src, F_OK) != 0, "the source is consumed");
	ok(get_str(os, "data/t/1.sst", 0, 0, &b) == 0 && !strcmp(b.p, "sst bytes"), "the object has its bytes");
	ok(gt_objstore_put_file(os, "data/t/2.sst", src, &err) == GT_ENOTFOUND && strstr(err.msg, "incoming"),
	   "put_file of an absent source: %s", err.msg);

	/* Across filesystems (/dev/shm is a tmpfs): copied, then consumed. */
	snprintf(src, sizeof(src), "/dev/shm/gt-test-objstore.%ld", (long)getpid());
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		ok(write(fd, "other fs", 8) == 8, "wrote a file on another filesystem");
		close(fd);
		ok(gt_objstore_put_file(os, "data/t/3.sst", src, &err) == 0 && access(src, F_OK) != 0 &&
		   get_str(os, "data/t/3.sst", 0, 0, &b) == 0 && !strcmp(b.p, "other fs"),
		   "put_file across filesystems: %s", err.msg);
		unlink(src);
	}
	gt_buf_release(&b);
}

static void test_ceiling(struct gt_objstore *os)
{
	size_t n = 1 << 20;
	char *big = malloc(n);
	struct gt_buf b;
	struct gt_err err = {0};

	memset(big, 'x', n);
	ok(gt_objstore_put(os, "big", big, n, NULL) == 0, "put 1 MiB");
	gt_buf_init(&b, n - 1);
	ok(gt_objstore_get(os, "big", 0, 0, &b, &err) == GT_ETOOBIG && b.len == 0,
	   "get over the buffer's ceiling: too big (%s)", err.msg);
	ok(gt_objstore_get(os, "big", 1, 0, &b, NULL) == 0 && b.len == n - 1, "a range under it is fine");
	gt_buf_release(&b);
	gt_buf_init(&b, n);
	ok(gt_objstore_get(os, "big", 0, 0, &b, NULL) == 0 && b.len == n && !memcmp(b.p, big, n),
	   "get exactly at the ceiling");
	gt_buf_release(&b);

	char path[512];
	snprintf(path, sizeof(path), "%s/big", root);
	gt_buf_init(&b, 0);
	ok(gt_read_file(path, n - 1, &b, &err) == GT_ETOOBIG && b.len == 0, "read_file over max: %s", err.msg);
	ok(gt_read_file(path, n, &b, NULL) == 0 && b.len == n, "read_file at max");
	gt_buf_release(&b);
	snprintf(path, sizeof(path), "%s/absent", root);
	ok(gt_read_file(path, 0, &b, NULL) == GT_ENOTFOUND, "read_file of an absent file");
	free(big);
}

static void test_helpers(void)
{
	char dir[512], path[600];
	struct gt_buf b = {0};
	struct gt_err err = {0};

	snprintf(dir, sizeof(dir), "%s/h/i/j", root);
	ok(gt_mkdir_p(dir, &err) == 0 && gt_mkdir_p(dir, NULL) == 0, "mkdir -p, twice");
	snprintf(path, sizeof(path), "%s/f", dir);
	ok(gt_write_file_atomic(path, "abc", 3, &err) == 0 && gt_read_file(path, 0, &b, NULL) == 0 &&
	   !strcmp(b.p, "abc"), "write_file_atomic");
	ok(gt_mkdir_p(path, &err) == GT_EIO && strstr(err.msg, "/h/i/j/f"), "mkdir -p over a file: %s", err.msg);
	ok(gt_fsync_dir(dir, NULL) == 0, "fsync_dir");
	ok(gt_fsync_dir(path, &err) == GT_EIO && strstr(err.msg, path), "fsync_dir of a file names it");
	snprintf(path, sizeof(path), "%s/nodir/f", root);
	ok(gt_write_file_atomic(path, "x", 1, &err) == GT_EIO && strstr(err.msg, "nodir"),
	   "write_file_atomic into a missing dir: %s", err.msg);
	gt_buf_release(&b);
}

struct thr {
	struct gt_objstore *os;
	int id;
	int fails;
};

static void *writer(void *arg)
{
	struct thr *t = arg;
	char key[64], val[64];
	struct gt_buf b = {0};

	for (int i = 0; i < 100; i++) {
		/* Shared and private directories, some created concurrently. */
		if (!(i % 2))
			snprintf(key, sizeof(key), "c/own%d/%d/k%d", t->id, i % 5, i);
		else
			snprintf(key, sizeof(key), "c/shared/%d/t%d-k%d", i % 7, t->id, i);
		snprintf(val, sizeof(val), "%d:%d", t->id, i);
		if (gt_objstore_put(t->os, key, val, strlen(val), NULL) ||
		    get_str(t->os, key, 0, 0, &b) || strcmp(b.p, val))
			t->fails++;
	}
	gt_buf_release(&b);
	return NULL;
}

static int count(void *ctx, const char *key, uint64_t size)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_threads(struct gt_objstore *os)
{
	pthread_t th[8];
	struct thr t[8];
	int fails = 0, n = 0;

	for (int i = 0; i < 8; i++) {
		t[i] = (struct thr){.os = os, .id = i};
		pthread_create(&th[i], NULL, writer, &t[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		fails += t[i].fails;
	}
	ok(fails == 0, "8 threads x 100 puts of different keys, each read back (%d failures)", fails);
	ok(gt_objstore_list(os, "c/", count, &n, NULL) == 0 && n == 800, "all 800 keys listed (%d)", n);
}

/* Two threads racing put_if_absent on the same keys: exactly one wins. */
struct racer {
	struct gt_objstore *os;
	int wins, exists, other;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	char key[32];
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "race/%d", i);
		int rc = gt_objstore_put_if_absent(r->os, key, "x", 1, NULL);
		if (rc == 0)
			r->wins++;
		else if (rc == GT_EEXIST)
			r->exists++;
		else
			r->other++;
	}
	return NULL;
}

static void test_race(struct gt_objstore *os)
{
	pthread_t th[4];
	struct racer r[4] = {{.os = os}, {.os = os}, {.os = os}, {.os = os}};
	int wins = 0, other = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, racer_fn, &r[i]);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		wins += r[i].wins;
		other += r[i].other;
	}
	ok(wins == 200 && other == 0, "4 threads racing put_if_absent on 200 keys: %d winners", wins);
}

int main(void)
{
	struct gt_objstore *os;
	struct gt_err err = {0};
	char sub[128];

	snprintf(root, sizeof(root), "/tmp/gt-test-objstore.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(sub, sizeof(sub), "%s/new/store", root);
	ok(gt_objstore_open_local(&os, sub, &err) == 0, "open creates the directory: %s", err.msg);
	gt_objstore_close(os);
	ok(gt_objstore_open_local(&os, root, &err) == 0, "open %s", root);

	test_basic(os);
	test_put_if_absent(os);
	test_keys(os);
	test_list(os);
	test_put_file(os);
	test_ceiling(os);
	test_helpers();
	test_threads(os);
	test_race(os);

	gt_objstore_close(os);
	rm_rf(root);
	return tap_done();
}
