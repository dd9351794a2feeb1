/*
 * objstore-local.c - the local-directory backend of the object store.
 *
 * Key "a/b/c" is the file <root>/a/b/c.  Writes go through a temporary
 * file in the key's directory (objstore.c describes the durable write);
 * put_if_absent publishes with link(), which fails with EEXIST instead of
 * replacing, so of two writers of one key exactly one succeeds.  No lock
 * is held anywhere: the kernel serialises the name operations.
 */
#include "objstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct local_store {
	struct gt_objstore base;   /* first: the generic layer casts */
	char *root;
};

static struct local_store *to_local(struct gt_objstore *os)
{
	return (struct local_store *)os;
}

/* <root>/<key>; malloc'ed, NULL when out of memory. */
static char *key_path(struct local_store *ls, const char *key)
{
	struct gt_buf b = {0};
	if (gt_buf_addf(&b, "%s/%s", ls->root, key)) {
		gt_buf_release(&b);
		return NULL;
	}
	return gt_buf_detach(&b, NULL);
}

/* Split off the directory of a key path in place: returns the last '/'. */
static char *last_slash(char *path)
{
	return strrchr(path, '/');
}

static int local_put(struct gt_objstore *os, const char *key, const void *p, size_t n, int if_absent,
		     struct gt_err *err)
{
	struct local_store *ls = to_local(os);
	char *path = key_path(ls, key), *tmp = NULL, *slash;
	int fd = -1, rc;

	if (!path)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	slash = last_slash(path);
	*slash = '\0';
	rc = gt_mkdir_p(path, err);
	if (rc)
		goto out;
	fd = gt_tmp_create(path, &tmp, err);
	*slash = '/';
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	rc = gt_write_full(fd, p, n, tmp, err);
	if (rc)
		goto out;
	if (fsync(fd)) {
		rc = gt_errf(err, GT_EIO, "cannot fsync '%s': %s", tmp, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc) {
		rc = gt_errf(err, GT_EIO, "cannot close '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (if_absent) {
		if (link(tmp, path)) {
			if (errno == EEXIST)
				rc = gt_errf(err, GT_EEXIST, "'%s' exists already", path);
			else
				rc = gt_errf(err, GT_EIO, "cannot link '%s' to '%s': %s", tmp, path,
					     strerror(errno));
			goto out;
		}
		/* The temporary name goes in the same directory sync below. */
		unlink(tmp);
	} else if (rename(tmp, path)) {
		rc = gt_errf(err, GT_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	*slash = '\0';
	rc = gt_fsync_dir(path, err);
	*slash = '/';
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(path);
	return rc;
}

/* Copy src into a new temporary file in dir (for a put_file across
 * filesystems); returns 0 and sets *tmp, the durable copy. */
static int copy_to_tmp(const char *src, int sfd, const char *dir, char **tmp, struct gt_err *err)
{
	char buf[65536];
	int fd = gt_tmp_create(dir, tmp, err), rc = 0;

	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t r = read(sfd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = gt_errf(err, GT_EIO, "cannot read '%s': %s", src, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		rc = gt_write_full(fd, buf, (size_t)r, *tmp, err);
		if (rc)
			break;
	}
	if (!rc && fsync(fd))
		rc = gt_errf(err, GT_EIO, "cannot fsync '%s': %s", *tmp, strerror(errno));
	if (close(fd) && !rc)
		rc = gt_errf(err, GT_EIO, "cannot close '%s': %s", *tmp, strerror(errno));
	if (rc) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return rc;
}

static int local_put_file(struct gt_objstore *os, const char *key, const char *src, struct gt_err *err)
{
	struct local_store *ls = to_local(os);
	char *path = key_path(ls, key), *tmp = NULL, *slash;
	struct stat st;
	int sfd = -1, rc;

	if (!path)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	slash = last_slash(path);
	sfd = open(src, O_RDONLY | O_CLOEXEC);
	if (sfd < 0) {
		rc = gt_errf(err, errno == ENOENT ? GT_ENOTFOUND : GT_EIO, "cannot open '%s': %s", src,
			     strerror(errno));
		goto out;
	}
	if (fstat(sfd, &st) || !S_ISREG(st.st_mode)) {
		rc = gt_errf(err, GT_EINVAL, "'%s' is not a regular file", src);
		goto out;
	}
	/* The data must be durable before the name that publishes it. */
	if (fsync(sfd)) {
		rc = gt_errf(err, GT_EIO, "cannot fsync '%s': %s", src, strerror(errno));
		goto out;
	}
	*slash = '\0';
	rc = gt_mkdir_p(path, err);
	*slash = '/';
	if (rc)
		goto out;
	if (rename(src, path)) {
		if (errno != EXDEV) {
			rc = gt_errf(err, GT_EIO, "cannot rename '%s' to '%s': %s", src, path, strerror(errno));
			goto out;
		}
		*slash = '\0';
		rc = copy_to_tmp(src, sfd, path, &tmp, err);
		*slash = '/';
		if (rc)
			goto out;
		if (rename(tmp, path)) {
			rc = gt_errf(err, GT_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
			unlink(tmp);
			goto out;
		}
		unlink(src);
	}
	*slash = '\0';
	rc = gt_fsync_dir(path, err);
	*slash = '/';
out:
	if (sfd >= 0)
		close(sfd);
	free(tmp);
	free(path);
	return rc;
}

static int local_get(struct gt_objstore *os, const char *key, uint64_t off, uint64_t len,
		     struct gt_buf *out, struct gt_err *err)
{
	struct local_store *ls = to_local(os);
	char *path = key_path(ls, key);
	size_t start = out->len, room = (out->max ? out->max : GT_BUF_MAX) - out->len;
	struct stat st;
	uint64_t size, done = 0;
	int fd = -1, rc = 0;

	if (!path)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = gt_errf(err, GT_ENOTFOUND, "no object '%s' ('%s': %s)", key, path, strerror(errno));
		else
			rc = gt_errf(err, GT_EIO, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st)) {
		rc = gt_errf(err, GT_EIO, "cannot stat '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = gt_errf(err, GT_ENOTFOUND, "no object '%s' ('%s' is not a regular file)", key, path);
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (off > size || (len && len > size - off)) {
		rc = gt_errf(err, GT_EINVAL, "range [%llu, +%llu) is past the end of '%s' (%llu bytes)",
			     (unsigned long long)off, (unsigned long long)len, path, (unsigned long long)size);
		goto out;
	}
	if (!len)
		len = size - off;
	if (len > room) {
		rc = gt_errf(err, GT_ETOOBIG, "'%s': %llu bytes exceed the reader's ceiling of %zu", path,
			     (unsigned long long)len, room);
		goto out;
	}
	if (gt_buf_grow(out, (size_t)len)) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory reading '%s'", path);
		goto out;
	}
	while (done < len) {
		ssize_t r = pread(fd, out->p + start + done, (size_t)(len - done), (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = gt_errf(err, GT_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (r == 0) {
			rc = gt_errf(err, GT_EIO, "cannot read '%s': it shrank while being read", path);
			goto out;
		}
		done += (uint64_t)r;
	}
	out->len = start + (size_t)len;
	out->p[out->len] = '\0';
out:
	if (rc && out->p)
		out->p[start] = '\0';
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

static char *local_path(struct gt_objstore *os, const char *key)
{
	return key_path(to_local(os), key);
}

/* --- list --- */

struct listing {
	struct item {
		char *key;
		uint64_t size;
	} *items;
	size_t n, cap;
};

static int listing_add(struct listing *l, const char *key, uint64_t size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct item *it = gt_reallocarray(l->items, cap, sizeof(*it));
		if (!it)
			return GT_ENOMEM;
		l->items = it;
		l->cap = cap;
	}
	l->items[l->n].key = gt_strdup(key);
	if (!l->items[l->n].key)
		return GT_ENOMEM;
	l->items[l->n++].size = size;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Names of a directory, read whole so that no descriptor stays open
 * while we recurse.  *names is NULL-terminated. */
static int read_names(const char *dir, char ***names, size_t *n, struct gt_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;
	int rc = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;   /* vanished or never there: nothing under it */
		return gt_errf(err, GT_EIO, "cannot open directory '%s': %s", dir, strerror(errno));
	}
	while ((errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strncmp(e->d_name, GT_OBJSTORE_TMP_PREFIX, strlen(GT_OBJSTORE_TMP_PREFIX)))
			continue;
		if (*n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **p = gt_reallocarray(*names, ncap, sizeof(*p));
			if (!p) {
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
				goto out;
			}
			*names = p;
			cap = ncap;
		}
		(*names)[*n] = gt_strdup(e->d_name);
		if (!(*names)[*n]) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			goto out;
		}
		(*names)[++*n] = NULL;
	}
	if (errno)
		rc = gt_errf(err, GT_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
out:
	closedir(d);
	if (rc) {
		free_names(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

/* Add every file below <root>/<rel> (rel is "" or ends in '/') whose
 * first-level name starts with match (NULL: everything). */
static int walk(struct local_store *ls, const char *rel, const char *match, struct listing *l,
		struct gt_err *err)
{
	struct gt_buf dir = {0}, path = {0}, key = {0};
	char **names;
	size_t n;
	int rc;

	if (gt_buf_addf(&dir, "%s/%s", ls->root, rel)) {
		gt_buf_release(&dir);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	rc = read_names(dir.p, &names, &n, err);
	if (rc)
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		struct stat st;

		if (match && strncmp(names[i], match, strlen(match)))
			continue;
		gt_buf_reset(&key);
		gt_buf_reset(&path);
		if (gt_buf_addf(&key, "%s%s", rel, names[i]) || gt_buf_addf(&path, "%s/%s", ls->root, key.p)) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			break;
		}
		if (key.len > GT_OBJSTORE_KEY_MAX)
			continue;   /* not addressable as a key */
		if (lstat(path.p, &st)) {
			if (errno == ENOENT)
				continue;   /* deleted meanwhile */
			rc = gt_errf(err, GT_EIO, "cannot stat '%s': %s", path.p, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (gt_buf_addch(&key, '/'))
				rc = gt_errf(err, GT_ENOMEM, "out of memory");
			else
				rc = walk(ls, key.p, NULL, l, err);
			continue;
		}
		/* Follow a symlink to a file, never one to a directory (no loops). */
		if (S_ISLNK(st.st_mode) && stat(path.p, &st))
			continue;
		if (!S_ISREG(st.st_mode))
			continue;
		if (listing_add(l, key.p, (uint64_t)st.st_size))
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
	}
	free_names(names, n);
out:
	gt_buf_release(&dir);
	gt_buf_release(&path);
	gt_buf_release(&key);
	return rc;
}

static int local_list(struct gt_objstore *os, const char *prefix, gt_objstore_list_fn fn, void *ctx,
		      struct gt_err *err)
{
	struct local_store *ls = to_local(os);
	struct listing l = {0};
	const char *slash = strrchr(prefix, '/');
	size_t dirlen = slash ? (size_t)(slash - prefix) + 1 : 0;
	char *rel = gt_strndup(prefix, dirlen);
	int rc;

	if (!rel)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = walk(ls, rel, prefix + dirlen, &l, err);
	if (!rc && l.n)
		qsort(l.items, l.n, sizeof(*l.items), item_cmp);
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = fn(ctx, l.items[i].key, l.items[i].size);
	for (size_t i = 0; i < l.n; i++)
		free(l.items[i].key);
	free(l.items);
	free(rel);
	return rc;
}

static int local_del(struct gt_objstore *os, const char *key, struct gt_err *err)
{
	char *path = key_path(to_local(os), key);
	int rc = 0;

	if (!path)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (unlink(path) && errno != ENOENT && errno != ENOTDIR)
		rc = gt_errf(err, GT_EIO, "cannot delete '%s': %s", path, strerror(errno));
	free(path);
	return rc;
}

static void local_close(struct gt_objstore *os)
{
	struct local_store *ls = to_local(os);
	free(ls->root);
	free(ls);
}

static const struct gt_objstore_ops local_ops = {
	.name = "local",
	.put = local_put,
	.put_file = local_put_file,
	.get = local_get,
	.local_path = local_path,
	.list = local_list,
	.del = local_del,
	.close = local_close,
};

int gt_objstore_open_local(struct gt_objstore **out, const char *dir, struct gt_err *err)
{
	struct local_store *ls;
	size_t n = strlen(dir);
	int rc;

	*out = NULL;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!n)
		return gt_errf(err, GT_EINVAL, "object store directory name is empty");
	ls = gt_calloc(1, sizeof(*ls));
	if (!ls || !(ls->root = gt_strndup(dir, n))) {
		free(ls);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	/* "/" as root would give "//key": harmless, but keep paths tidy. */
	if (!strcmp(ls->root, "/"))
		ls->root[0] = '\0';
	rc = gt_mkdir_p(n == 1 && dir[0] == '/' ? "/" : ls->root, err);
	if (rc) {
		free(ls->root);
		free(ls);
		return rc;
	}
	ls->base.ops = &local_ops;
	*out = &ls->base;
	return 0;
}
