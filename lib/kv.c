/* kv.c - the KV interface's dispatch and its directory backend (kv.h). */
#include "kv.h"
#include "objstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

int gt_kv_get(struct gt_kv *kv, const char *key, uint64_t known_rev, struct gt_buf *val, uint64_t *rev,
	      struct gt_err *err)
{
	int rc = gt_kv_check_key(key, false, err);
	return rc ? rc : kv->ops->get(kv, key, known_rev, val, rev, err);
}

int gt_kv_put(struct gt_kv *kv, const char *key, const void *p, size_t n, uint64_t *rev, struct gt_err *err)
{
	int rc = gt_kv_check_key(key, false, err);
	if (rc)
		return rc;
	if (n > GT_KV_VALUE_MAX)
		return gt_errf(err, GT_ETOOBIG, "value of key '%s' is over %zu bytes", key, GT_KV_VALUE_MAX);
	return kv->ops->put(kv, key, p, n, rev, err);
}

int gt_kv_delete(struct gt_kv *kv, const char *key, uint64_t *rev, struct gt_err *err)
{
	int rc = gt_kv_check_key(key, false, err);
	return rc ? rc : kv->ops->del(kv, key, rev, err);
}

int gt_kv_list(struct gt_kv *kv, const char *prefix, gt_kv_list_fn fn, void *ctx, struct gt_err *err)
{
	int rc = gt_kv_check_key(prefix, true, err);
	return rc ? rc : kv->ops->list(kv, prefix, fn, ctx, err);
}

void gt_kv_close(struct gt_kv *kv)
{
	if (kv)
		kv->ops->close(kv);
}

int gt_kv_check_key(const char *key, bool is_prefix, struct gt_err *err)
{
	size_t n = strlen(key);
	if ((!n && !is_prefix) || n > GT_KV_KEY_MAX)
		return gt_errf(err, GT_EINVAL, "a key must have 1 to %d bytes", GT_KV_KEY_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x20 || key[i] == 0x7f)
			return gt_errf(err, GT_EINVAL, "key has a control character at byte %zu", i);
	return 0;
}

uint64_t gt_kv_rev_of(const void *p, size_t n)
{
	uint64_t h = XXH64(p, n, 0x6774) & GT_KV_REV_MASK;
	return h ? h : 1;
}

/* --- directory backend --- */

#define STAT_CACHE 64

struct stat_memo {
	char *key;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	uint64_t rev;
};

struct kv_dir {
	struct gt_kv kv;
	pthread_mutex_t mu;
	char *dir, *suffix;
	int dirfd;
	struct stat_memo memo[STAT_CACHE];
	unsigned next_memo;
};

static bool safe_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

static int escape(struct gt_buf *out, const char *key)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (const unsigned char *s = (const unsigned char *)key; *s && !rc; s++) {
		if (safe_byte(*s) && !(s == (const unsigned char *)key && *s == '.')) {
			rc = gt_buf_addch(out, *s);
		} else {
			char e[3] = {'%', hex[*s >> 4], hex[*s & 15]};
			rc = gt_buf_add(out, e, 3);
		}
	}
	return rc;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The key of a file name, or -1 if the name is not one escape() makes. */
static int unescape(const char *name, size_t n, struct gt_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)name[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval(name[i + 1])) < 0 || (lo = hexval(name[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			/* only the one name escape() makes: no "%41" for "A" */
			if (safe_byte((unsigned char)c) && !(i == 0 && c == '.'))
				return -1;
			i += 2;
		} else if (!safe_byte((unsigned char)c) || (i == 0 && c == '.')) {
			return -1;
		}
		if (gt_buf_addch(out, c))
			return -1;
	}
	return out->len ? 0 : -1;
}

static int key_path(struct kv_dir *d, const char *key, struct gt_buf *path, struct gt_err *err)
{
	gt_buf_reset(path);
	if (gt_buf_addstr(path, d->dir) || gt_buf_addch(path, '/') || escape(path, key) ||
	    gt_buf_addstr(path, d->suffix))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	return 0;
}

static struct stat_memo *memo_find(struct kv_dir *d, const char *key)
{
	for (unsigned i = 0; i < STAT_CACHE; i++)
		if (d->memo[i].key && !strcmp(d->memo[i].key, key))
			return &d->memo[i];
	return NULL;
}

static bool memo_matches(const struct stat_memo *m, const struct stat *st)
{
	return m->ino == st->st_ino && m->size == st->st_size && m->mtime.tv_sec == st->st_mtim.tv_sec &&
	       m->mtime.tv_nsec == st->st_mtim.tv_nsec && m->ctime.tv_sec == st->st_ctim.tv_sec &&
	       m->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static void memo_set(struct kv_dir *d, const char *key, const struct stat *st, uint64_t rev)
{
	struct stat_memo *m = memo_find(d, key);
	if (!m) {
		m = &d->memo[d->next_memo++ % STAT_CACHE];
		free(m->key);
		if (!(m->key = gt_strdup(key)))
			return;
	}
	m->ino = st->st_ino;
	m->size = st->st_size;
	m->mtime = st->st_mtim;
	m->ctime = st->st_ctim;
	m->rev = rev;
}

static void memo_drop(struct kv_dir *d, const char *key)
{
	struct stat_memo *m = memo_find(d, key);
	if (m) {
		free(m->key);
		m->key = NULL;
	}
}

/*
 * Read key's current value and revision under d->mu.  With val NULL only
 * the revision is wanted.  known_rev matching the memo of an unchanged
 * file returns 1 without reading.  *rev = 0 and GT_ENOTFOUND when absent.
 */
static int dir_read(struct kv_dir *d, const char *key, const char *path, uint64_t known_rev, struct gt_buf *val,
		    uint64_t *rev, struct gt_err *err)
{
	struct gt_buf tmp = {0};
	struct gt_buf *b = val ? val : &tmp;
	struct stat st;
	struct stat_memo *m;
	size_t start = b->len, room = (b->max ? b->max : GT_BUF_MAX) - b->len;
	int fd, rc = 0;

	*rev = 0;
	/* the common case, an unchanged file already read: one stat, no open
	 * (readers revalidate before every use, so this is per request) */
	m = memo_find(d, key);
	if (m && (!val || known_rev) && !stat(path, &st) && memo_matches(m, &st) &&
	    (!val || m->rev == known_rev)) {
		*rev = m->rev;
		return val ? 1 : 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			memo_drop(d, key);
			return gt_errf(err, GT_ENOTFOUND, "key '%s' does not exist", key);
		}
		return gt_errf(err, GT_EIO, "cannot open '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st)) {
		rc = gt_errf(err, GT_EIO, "cannot stat '%s': %s", path, strerror(errno));
		goto out;
	}
	m = memo_find(d, key);
	if (m && memo_matches(m, &st) && (!val || (known_rev && m->rev == known_rev))) {
		*rev = m->rev;
		rc = val ? 1 : 0;
		goto out;
	}
	if ((uint64_t)st.st_size > GT_KV_VALUE_MAX || (size_t)st.st_size > room) {
		rc = gt_errf(err, GT_ETOOBIG, "value of key '%s' is larger than %zu bytes", key,
			     GT_MIN(room, GT_KV_VALUE_MAX));
		goto out;
	}
	if (gt_buf_grow(b, (size_t)st.st_size + 1)) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory reading key '%s'", key);
		goto out;
	}
	while (b->len - start < (size_t)st.st_size) {
		ssize_t r = read(fd, b->p + b->len, (size_t)st.st_size - (b->len - start));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = gt_errf(err, GT_EIO, "cannot read '%s': %s", path, r ? strerror(errno) : "file shrank");
			break;
		}
		b->len += (size_t)r;
	}
	b->p[b->len] = 0;
	if (!rc) {
		*rev = gt_kv_rev_of(b->p + start, b->len - start);
		memo_set(d, key, &st, *rev);
		if (known_rev && known_rev == *rev) {
			b->len = start;
			b->p[start] = 0;
			rc = 1;
		}
	} else {
		b->len = start;
		b->p[start] = 0;
	}
out:
	close(fd);
	gt_buf_release(&tmp);
	return rc;
}

static int dir_get(struct gt_kv *kv, const char *key, uint64_t known_rev, struct gt_buf *val, uint64_t *rev,
		   struct gt_err *err)
{
	struct kv_dir *d = (struct kv_dir *)kv;
	struct gt_buf path = {0};
	int rc;
	pthread_mutex_lock(&d->mu);
	rc = key_path(d, key, &path, err);
	if (!rc)
		rc = dir_read(d, key, path.p, known_rev, val, rev, err);
	pthread_mutex_unlock(&d->mu);
	gt_buf_release(&path);
	return rc;
}

static int lock_dir(struct kv_dir *d, struct gt_err *err)
{
	pthread_mutex_lock(&d->mu);
	while (flock(d->dirfd, LOCK_EX)) {
		if (errno != EINTR) {
			pthread_mutex_unlock(&d->mu);
			return gt_errf(err, GT_EIO, "cannot lock '%s': %s", d->dir, strerror(errno));
		}
	}
	return 0;
}

static void unlock_dir(struct kv_dir *d)
{
	flock(d->dirfd, LOCK_UN);
	pthread_mutex_unlock(&d->mu);
}

/* Under the lock: GT_EAGAIN unless key's revision is *rev (then 0). */
static int check_rev(struct kv_dir *d, const char *key, const char *path, uint64_t *rev, struct gt_err *err)
{
	uint64_t cur;
	struct gt_err e2 = {0};
	int rc = dir_read(d, key, path, 0, NULL, &cur, &e2);
	if (rc && rc != GT_ENOTFOUND) {
		if (err)
			*err = e2;
		return rc;
	}
	if (cur != *rev) {
		*rev = cur;
		return gt_errf(err, GT_EAGAIN, "revision mismatch on key '%s'", key);
	}
	return 0;
}

static int dir_put(struct gt_kv *kv, const char *key, const void *p, size_t n, uint64_t *rev, struct gt_err *err)
{
	struct kv_dir *d = (struct kv_dir *)kv;
	struct gt_buf path = {0};
	struct stat st;
	int rc;

	if ((rc = key_path(d, key, &path, err)))
		return rc;
	if ((rc = lock_dir(d, err)))
		goto out;
	if (!(rc = check_rev(d, key, path.p, rev, err)) &&
	    !(rc = gt_write_file_atomic(path.p, p, n, err))) {
		*rev = gt_kv_rev_of(p, n);
		if (!stat(path.p, &st))
			memo_set(d, key, &st, *rev);
		else
			memo_drop(d, key);
	}
	unlock_dir(d);
out:
	gt_buf_release(&path);
	return rc;
}

static int dir_del(struct gt_kv *kv, const char *key, uint64_t *rev, struct gt_err *err)
{
	struct kv_dir *d = (struct kv_dir *)kv;
	struct gt_buf path = {0};
	uint64_t want = *rev;
	int rc;

	if ((rc = key_path(d, key, &path, err)))
		return rc;
	if ((rc = lock_dir(d, err)))
		goto out;
	rc = check_rev(d, key, path.p, rev, err);
	if (rc == GT_EAGAIN && *rev == 0)
		rc = gt_errf(err, GT_ENOTFOUND, "key '%s' does not exist", key);
	if (!rc && want == 0)
		rc = gt_errf(err, GT_ENOTFOUND, "key '%s' does not exist", key);
	if (!rc) {
		if (unlink(path.p) && errno != ENOENT)
			rc = gt_errf(err, GT_EIO, "cannot remove '%s': %s", path.p, strerror(errno));
		else
			rc = gt_fsync_dir(d->dir, err);
		memo_drop(d, key);
	}
	unlock_dir(d);
out:
	gt_buf_release(&path);
	return rc;
}

struct entry {
	char *key, *path;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static int dir_list(struct gt_kv *kv, const char *prefix, gt_kv_list_fn fn, void *ctx, struct gt_err *err)
{
	struct kv_dir *d = (struct kv_dir *)kv;
	struct entry *ents = NULL;
	size_t n = 0, cap = 0, slen = strlen(d->suffix), plen = strlen(prefix);
	struct gt_buf k = {0}, path = {0}, val = {0};
	struct dirent *de;
	DIR *dh;
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	if (!(dh = opendir(d->dir))) {
		rc = gt_errf(err, GT_EIO, "cannot read directory '%s': %s", d->dir, strerror(errno));
		goto out;
	}
	while (!rc && (de = readdir(dh))) {
		size_t nl = strlen(de->d_name);
		if (nl <= slen || strcmp(de->d_name + nl - slen, d->suffix))
			continue;
		gt_buf_reset(&k);
		if (unescape(de->d_name, nl - slen, &k) || strncmp(k.p, prefix, plen))
			continue;
		if (n == cap) {
			struct entry *ne = gt_reallocarray(ents, cap = cap ? cap * 2 : 16, sizeof(*ents));
			if (!ne) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				break;
			}
			ents = ne;
		}
		if (!(ents[n].key = gt_strdup(k.p))) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	closedir(dh);
	if (n)
		qsort(ents, n, sizeof(*ents), cmp_entry);
	gt_buf_init(&val, GT_KV_VALUE_MAX);
	for (size_t i = 0; i < n && !rc; i++) {
		uint64_t rev;
		gt_buf_reset(&val);
		if ((rc = key_path(d, ents[i].key, &path, err)))
			break;
		rc = dir_read(d, ents[i].key, path.p, 0, &val, &rev, err);
		if (rc == GT_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (!rc)
			rc = fn(ctx, ents[i].key, rev, val.p ? val.p : "", val.len);
	}
out:
	pthread_mutex_unlock(&d->mu);
	for (size_t i = 0; i < n; i++)
		free(ents[i].key);
	free(ents);
	gt_buf_release(&k);
	gt_buf_release(&path);
	gt_buf_release(&val);
	return rc;
}

static void dir_close(struct gt_kv *kv)
{
	struct kv_dir *d = (struct kv_dir *)kv;
	for (unsigned i = 0; i < STAT_CACHE; i++)
		free(d->memo[i].key);
	if (d->dirfd >= 0)
		close(d->dirfd);
	pthread_mutex_destroy(&d->mu);
	free(d->dir);
	free(d->suffix);
	free(d);
}

static const struct gt_kv_ops dir_ops = {dir_get, dir_put, dir_del, dir_list, dir_close};

int gt_kv_open_dir(struct gt_kv **out, const char *dir, const char *suffix, bool create, struct gt_err *err)
{
	struct kv_dir *d = gt_calloc(1, sizeof(*d));
	int rc;

	if (!d || !(d->dir = gt_strdup(dir)) || !(d->suffix = gt_strdup(suffix ? suffix : ""))) {
		if (d)
			free(d->dir);
		free(d);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	d->kv.ops = &dir_ops;
	d->dirfd = -1;
	pthread_mutex_init(&d->mu, NULL);
	if (create && (rc = gt_mkdir_p(dir, err)))
		goto fail;
	d->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0) {
		rc = gt_errf(err, errno == ENOENT ? GT_ENOTFOUND : GT_EIO, "cannot open directory '%s': %s", dir,
			     strerror(errno));
		goto fail;
	}
	*out = &d->kv;
	return 0;
fail:
	dir_close(&d->kv);
	return rc;
}
