/*
 * objstore.h - the object store of DESIGN.md section 3: where SSTs and
 * manifests live.  One small interface, backends behind it: a local
 * directory now (objstore-local.c), S3 later.
 *
 * Keys are relative paths with '/' separators ("data/public/1024/
 * 1024_0000000000/manifest/00000000000000000001.json"); no "..", no
 * leading '/'.  Every operation is thread-safe.
 *
 * put_file publishes a finished local file under a key atomically: a
 * reader sees the whole object or nothing (local: fsync the file, rename
 * into place, fsync the directory).  put_if_absent fails with GT_EEXIST
 * when the key exists (manifest versions use it so that two writers
 * cannot both publish version N).
 *
 * Keys, precisely: 1 to GT_OBJSTORE_KEY_MAX bytes, segments separated by
 * single '/', no empty segment (so no leading, trailing or doubled '/'),
 * no "." or ".." segment, and no segment starting with ".tmp." (the
 * prefix of temporary files, which list never shows).  Anything else is
 * GT_EINVAL.  Keys compare bytewise (as S3 does): list order is strcmp
 * order of the whole key.
 *
 * Local backend, as laid out on disk: key "a/b/c" is the file
 * <dir>/a/b/c; parent directories are created on demand (each new
 * directory made durable by an fsync of its parent) and never removed.
 * A put writes <dir>/a/b/.tmp.<pid>.<n>, fsyncs it, then rename()s it
 * over the key (put) or link()s it to the key and unlinks the temporary
 * name (put_if_absent: link refuses an existing name atomically), then
 * fsyncs the directory.  A crash leaves at worst a .tmp.* file behind.
 * Deletes are not fsynced: after a crash a deleted key may come back, so
 * callers must treat a delete as "may be garbage-collected later" (the
 * manifest ignores stale deltas; an SST no manifest names is garbage).
 *
 * Thread safety: no lock is taken; every operation is a sequence of
 * system calls whose only shared state is an atomic counter for
 * temporary names.  Many threads (and processes) may use one store.
 */
#ifndef GT_OBJSTORE_H
#define GT_OBJSTORE_H

#include "buf.h"

struct gt_objstore;

#define GT_OBJSTORE_KEY_MAX 1024   /* bytes, as S3 */
#define GT_OBJSTORE_TMP_PREFIX ".tmp."

/* Open a local-directory store rooted at dir (created if missing). */
int gt_objstore_open_local(struct gt_objstore **out, const char *dir, struct gt_err *err);
void gt_objstore_close(struct gt_objstore *os);

/* Write bytes under key atomically (replacing). */
int gt_objstore_put(struct gt_objstore *os, const char *key, const void *p, size_t n, struct gt_err *err);
/* Same, but GT_EEXIST if the key exists. */
int gt_objstore_put_if_absent(struct gt_objstore *os, const char *key, const void *p, size_t n,
			      struct gt_err *err);
/* Move a finished local file (on the same filesystem for the local
 * backend) to key atomically; the source path is consumed. */
int gt_objstore_put_file(struct gt_objstore *os, const char *key, const char *src_path, struct gt_err *err);
/* Read [off, off+len) of key into out (appended); len 0 = to the end.
 * GT_ENOTFOUND if absent.  The range must lie inside the object
 * (off <= size, off + len <= size), else GT_EINVAL.  The ceiling is out's
 * own (gt_buf_init's max): a range larger than the room left in out
 * fails with GT_ETOOBIG before anything is read, and out is unchanged
 * on every failure. */
int gt_objstore_get(struct gt_objstore *os, const char *key, uint64_t off, uint64_t len,
		    struct gt_buf *out, struct gt_err *err);
/* Local path of key when the backend has one (local dir), else NULL
 * (also for an invalid key or out of memory).  Returned string is
 * malloc'ed. */
char *gt_objstore_local_path(struct gt_objstore *os, const char *key);
/* List keys that start with prefix (a string prefix, as S3: "a/b/" lists
 * everything below a/b, "a/b" also lists "a/bc"; "" lists everything),
 * recursively, sorted bytewise; fn gets each key and size.  A non-zero
 * return from fn stops the walk and is returned.  Temporary files are
 * skipped.  The prefix follows the key rules except that it may be empty
 * and end in '/'. */
typedef int (*gt_objstore_list_fn)(void *ctx, const char *key, uint64_t size);
int gt_objstore_list(struct gt_objstore *os, const char *prefix, gt_objstore_list_fn fn, void *ctx,
		     struct gt_err *err);
/* Delete key; deleting an absent key is not an error. */
int gt_objstore_delete(struct gt_objstore *os, const char *key, struct gt_err *err);

/* GT_EINVAL (with a message naming the key) unless key follows the key
 * rules above; with is_prefix, the prefix rules. */
int gt_objstore_check_key(const char *key, int is_prefix, struct gt_err *err);

/* Durable write of a local file: write tmp, fsync, rename, fsync dir.
 * The directory must exist. */
int gt_write_file_atomic(const char *path, const void *p, size_t n, struct gt_err *err);
/* fsync a directory. */
int gt_fsync_dir(const char *dir, struct gt_err *err);
/* mkdir -p, mode 0755; every directory it creates is made durable by an
 * fsync of its parent, after all of them are made.  At most 64 new
 * levels.  Safe against concurrent callers. */
int gt_mkdir_p(const char *path, struct gt_err *err);
/* Remove a local file or directory tree (rm -rf); 0, GT_EIO or GT_ENOMEM. */
int gt_rm_tree(const char *path);
/* Read a whole local file, appending to out; a file over max bytes
 * (0 = out's ceiling) fails with GT_ETOOBIG.  GT_ENOTFOUND if absent. */
int gt_read_file(const char *path, size_t max, struct gt_buf *out, struct gt_err *err);
/* Create a new temporary file "<dir>/.tmp.<pid>.<n>" (unique within the
 * process by an atomic counter, across processes by the pid), open for
 * writing.  Returns the descriptor and sets *path (malloc'ed; the caller
 * unlinks or renames it and frees the string), or a negative code. */
int gt_tmp_create(const char *dir, char **path, struct gt_err *err);
/* write() all of p to fd, retrying short writes and EINTR; path names
 * the file in the error message. */
int gt_write_full(int fd, const void *p, size_t n, const char *path, struct gt_err *err);

/*
 * Backend interface, for objstore-*.c only.  A backend embeds struct
 * gt_objstore first in its own struct and fills ops.  The generic layer
 * (objstore.c) validates keys and prefixes before calling a backend, so
 * backends see only valid keys.  put with if_absent = 1 is
 * put_if_absent.  local_path may be NULL (no local file).
 */
struct gt_objstore_ops {
	const char *name;
	int (*put)(struct gt_objstore *os, const char *key, const void *p, size_t n, int if_absent,
		   struct gt_err *err);
	int (*put_file)(struct gt_objstore *os, const char *key, const char *src_path, struct gt_err *err);
	int (*get)(struct gt_objstore *os, const char *key, uint64_t off, uint64_t len, struct gt_buf *out,
		   struct gt_err *err);
	char *(*local_path)(struct gt_objstore *os, const char *key);
	int (*list)(struct gt_objstore *os, const char *prefix, gt_objstore_list_fn fn, void *ctx,
		    struct gt_err *err);
	int (*del)(struct gt_objstore *os, const char *key, struct gt_err *err);
	void (*close)(struct gt_objstore *os);
};

struct gt_objstore {
	const struct gt_objstore_ops *ops;
};

#endif
