/*
 * objstore.c - the generic half of the object store: key rules, dispatch
 * to a backend (objstore-local.c; S3 later), and the durable-file helpers
 * every writer of local files shares.
 *
 * The durable write, used by the local backend and gt_write_file_atomic:
 *
 *   1. open <dir>/.tmp.<pid>.<n> with O_CREAT|O_EXCL (a fresh inode)
 *   2. write every byte, fsync the file, close
 *   3. rename() over the final name (or link() for put_if_absent)
 *   4. fsync <dir>, so the new name survives a crash
 *
 * A crash before 3 leaves an orphan .tmp.* file and the old contents; a
 * crash after 3 but before 4 leaves either the old or the new contents,
 * each complete.  No reader ever sees a partial file.
 */
#include "objstore.h"

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- keys --- */

int gt_objstore_check_key(const char *key, int is_prefix, struct gt_err *err)
{
	const char *what = is_prefix ? "prefix" : "key";
	size_t n = strlen(key);
	const char *seg = key;

	if (n > GT_OBJSTORE_KEY_MAX)
		return gt_errf(err, GT_EINVAL, "%s '%.64s...' is longer than %d bytes", what, key,
			       GT_OBJSTORE_KEY_MAX);
	if (n == 0) {
		if (is_prefix)
			return 0;
		return gt_errf(err, GT_EINVAL, "empty key");
	}
	if (key[0] == '/')
		return gt_errf(err, GT_EINVAL, "%s '%s' must be relative (no leading '/')", what, key);
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);

		if (len == 0) {
			/* A prefix may end in '/': the empty last segment. */
			if (is_prefix && !slash && seg > key)
				return 0;
			return gt_errf(err, GT_EINVAL, "%s '%s' has an empty path segment", what, key);
		}
		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return gt_errf(err, GT_EINVAL, "%s '%s' has a '.' or '..' segment", what, key);
		/* A prefix's last segment may be partial: ".tm" is fine there,
		 * but nothing may name a temporary file. */
		if (len >= strlen(GT_OBJSTORE_TMP_PREFIX) &&
		    !memcmp(seg, GT_OBJSTORE_TMP_PREFIX, strlen(GT_OBJSTORE_TMP_PREFIX)))
			return gt_errf(err, GT_EINVAL, "%s '%s': segments starting with '%s' are reserved",
				       what, key, GT_OBJSTORE_TMP_PREFIX);
		if (!slash)
			return 0;
		seg = slash + 1;
	}
}

/* --- dispatch --- */

void gt_objstore_close(struct gt_objstore *os)
{
	if (os)
		os->ops->close(os);
}

int gt_objstore_put(struct gt_objstore *os, const char *key, const void *p, size_t n, struct gt_err *err)
{
	int rc = gt_objstore_check_key(key, 0, err);
	return rc ? rc : os->ops->put(os, key, p, n, 0, err);
}

int gt_objstore_put_if_absent(struct gt_objstore *os, const char *key, const void *p, size_t n,
			      struct gt_err *err)
{
	int rc = gt_objstore_check_key(key, 0, err);
	return rc ? rc : os->ops->put(os, key, p, n, 1, err);
}

int gt_objstore_put_file(struct gt_objstore *os, const char *key, const char *src_path, struct gt_err *err)
{
	int rc = gt_objstore_check_key(key, 0, err);
	return rc ? rc : os->ops->put_file(os, key, src_path, err);
}

int gt_objstore_get(struct gt_objstore *os, const char *key, uint64_t off, uint64_t len,
		    struct gt_buf *out, struct gt_err *err)
{
	int rc = gt_objstore_check_key(key, 0, err);
	return rc ? rc : os->ops->get(os, key, off, len, out, err);
}

char *gt_objstore_local_path(struct gt_objstore *os, const char *key)
{
	if (!os->ops->local_path || gt_objstore_check_key(key, 0, NULL))
		return NULL;
	return os->ops->local_path(os, key);
}

int gt_objstore_list(struct gt_objstore *os, const char *prefix, gt_objstore_list_fn fn, void *ctx,
		     struct gt_err *err)
{
	int rc = gt_objstore_check_key(prefix, 1, err);
	return rc ? rc : os->ops->list(os, prefix, fn, ctx, err);
}

int gt_objstore_delete(struct gt_objstore *os, const char *key, struct gt_err *err)
{
	int rc = gt_objstore_check_key(key, 0, err);
	return rc ? rc : os->ops->del(os, key, err);
}

/* --- local file helpers --- */

static unsigned long tmp_counter;

int gt_tmp_create(const char *dir, char **path, struct gt_err *err)
{
	struct gt_buf b = {0};
	int fd;

	*path = NULL;
	for (int tries = 0; tries < 100; tries++) {
		unsigned long n = __atomic_fetch_add(&tmp_counter, 1, __ATOMIC_RELAXED);
		gt_buf_reset(&b);
		if (gt_buf_addf(&b, "%s/%s%ld.%lu", dir, GT_OBJSTORE_TMP_PREFIX, (long)getpid(), n)) {
			gt_buf_release(&b);
			return gt_errf(err, GT_ENOMEM, "out of memory");
		}
		fd = open(b.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			*path = gt_buf_detach(&b, NULL);
			return fd;
		}
		/* EEXIST: a file left by a crashed process that had our pid. */
		if (errno != EEXIST && errno != EINTR) {
			int rc = gt_errf(err, GT_EIO, "cannot create '%s': %s", b.p, strerror(errno));
			gt_buf_release(&b);
			return rc;
		}
	}
	gt_buf_release(&b);
	return gt_errf(err, GT_EIO, "cannot create a temporary file in '%s': too many collisions", dir);
}

int gt_write_full(int fd, const void *p, size_t n, const char *path, struct gt_err *err)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return gt_errf(err, GT_EIO, "cannot write '%s': %s", path, strerror(errno));
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int gt_fsync_dir(const char *dir, struct gt_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return gt_errf(err, GT_EIO, "cannot open directory '%s': %s", dir, strerror(errno));
	if (fsync(fd) && errno != EINVAL)   /* EINVAL: the fs cannot sync directories */
		rc = gt_errf(err, GT_EIO, "cannot fsync directory '%s': %s", dir, strerror(errno));
	close(fd);
	return rc;
}

/* The directory part of path ("." when there is none); malloc'ed. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return gt_strdup(".");
	if (slash == path)
		return gt_strdup("/");
	return gt_strndup(path, (size_t)(slash - path));
}

int gt_write_file_atomic(const char *path, const void *p, size_t n, struct gt_err *err)
{
	char *dir = dir_of(path), *tmp = NULL;
	int fd = -1, rc;

	if (!dir)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	fd = gt_tmp_create(dir, &tmp, err);
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
	if (close(fd)) {
		fd = -1;
		rc = gt_errf(err, GT_EIO, "cannot close '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		rc = gt_errf(err, GT_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = gt_fsync_dir(dir, err);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return rc;
}

int gt_mkdir_p(const char *path, struct gt_err *err)
{
	struct stat st;
	char *p;
	size_t made[64];    /* ends of the components created, outermost first */
	uint32_t nmade = 0;
	int rc = 0;

	if (!*path)
		return gt_errf(err, GT_EINVAL, "cannot create a directory with an empty name");
	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return 0;
		return gt_errf(err, GT_EIO, "cannot create directory '%s': %s", path, strerror(ENOTDIR));
	}
	p = gt_strdup(path);
	if (!p)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	/* Walk the components left to right, creating what is missing. */
	for (char *s = p + 1;; s++) {
		int last = *s == '\0';
		if (*s != '/' && !last)
			continue;
		if (s[-1] == '/') {   /* doubled or trailing '/' */
			if (last)
				break;
			continue;
		}
		*s = '\0';
		if (!mkdir(p, 0755)) {
			if (nmade == sizeof(made) / sizeof(made[0])) {
				rc = gt_errf(err, GT_EINVAL, "cannot create directory '%s': more than %zu new levels",
					     path, sizeof(made) / sizeof(made[0]));
				break;
			}
			made[nmade++] = (size_t)(s - p);
		} else if (errno != EEXIST) {
			rc = gt_errf(err, GT_EIO, "cannot create directory '%s': %s", p, strerror(errno));
			break;
		} else if (stat(p, &st) || !S_ISDIR(st.st_mode)) {
			rc = gt_errf(err, GT_EIO, "cannot create directory '%s': %s", p, strerror(ENOTDIR));
			break;
		}
		if (last)
			break;
		*s = '/';
	}
	/* Then the parent of each new directory, innermost first: the first
	 * fsync commits every mkdir above in one journal transaction (ext4),
	 * and the later ones find their change committed already.  Syncing
	 * after each mkdir instead waits for a commit per level. */
	for (uint32_t i = nmade; i-- > 0 && !rc;) {
		char *parent;
		p[made[i]] = '\0';
		if (!(parent = dir_of(p))) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			break;
		}
		rc = gt_fsync_dir(parent, err);
		free(parent);
	}
	free(p);
	return rc;
}

int gt_read_file(const char *path, size_t max, struct gt_buf *out, struct gt_err *err)
{
	size_t start = out->len, room = (out->max ? out->max : GT_BUF_MAX) - out->len;
	int fd, rc = 0;

	if (!max || max > room)
		max = room;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return gt_errf(err, GT_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno));
		return gt_errf(err, GT_EIO, "cannot open '%s': %s", path, strerror(errno));
	}
	for (;;) {
		size_t chunk = 65536;
		ssize_t r;

		if (out->len - start >= max) {
			/* At the ceiling: one more byte means too big. */
			char c;
			r = read(fd, &c, 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r > 0)
				rc = gt_errf(err, GT_ETOOBIG, "'%s' is larger than %zu bytes", path, max);
			else if (r < 0)
				rc = gt_errf(err, GT_EIO, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		chunk = GT_MIN(chunk, max - (out->len - start));
		if (gt_buf_grow(out, chunk)) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory reading '%s'", path);
			break;
		}
		r = read(fd, out->p + out->len, chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = gt_errf(err, GT_EIO, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		out->p[out->len] = '\0';
	}
	close(fd);
	if (rc) {
		out->len = start;
		if (out->p)
			out->p[start] = '\0';
	}
	return rc;
}

int gt_rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return unlink(path) && errno != ENOENT ? GT_EIO : 0;
	}
	while ((e = readdir(d))) {
		size_t n;
		char *sub;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n = strlen(path) + strlen(e->d_name) + 2;
		if (!(sub = gt_malloc(n))) {
			rc = GT_ENOMEM;
			continue;
		}
		snprintf(sub, n, "%s/%s", path, e->d_name);
		if (gt_rm_tree(sub))
			rc = GT_EIO;
		free(sub);
	}
	closedir(d);
	if (rmdir(path) && errno != ENOENT)
		rc = GT_EIO;
	return rc;
}
