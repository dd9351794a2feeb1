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
 */
#ifndef GT_OBJSTORE_H
#define GT_OBJSTORE_H

#include "buf.h"

struct gt_objstore;

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
 * GT_ENOTFOUND if absent.  Objects larger than max fail with GT_ETOOBIG. */
int gt_objstore_get(struct gt_objstore *os, const char *key, uint64_t off, uint64_t len,
		    struct gt_buf *out, struct gt_err *err);
/* Local path of key when the backend has one (local dir), else NULL.
 * Returned string is malloc'ed. */
char *gt_objstore_local_path(struct gt_objstore *os, const char *key);
/* List keys under prefix (recursive), sorted; fn gets each key and size. */
typedef int (*gt_objstore_list_fn)(void *ctx, const char *key, uint64_t size);
int gt_objstore_list(struct gt_objstore *os, const char *prefix, gt_objstore_list_fn fn, void *ctx,
		     struct gt_err *err);
/* Delete key; deleting an absent key is not an error. */
int gt_objstore_delete(struct gt_objstore *os, const char *key, struct gt_err *err);

/* Durable write of a local file: write tmp, fsync, rename, fsync dir. */
int gt_write_file_atomic(const char *path, const void *p, size_t n, struct gt_err *err);
/* fsync a directory. */
int gt_fsync_dir(const char *dir, struct gt_err *err);
/* mkdir -p */
int gt_mkdir_p(const char *path, struct gt_err *err);
/* Read a whole local file into out, failing past max bytes. */
int gt_read_file(const char *path, size_t max, struct gt_buf *out, struct gt_err *err);

#endif
