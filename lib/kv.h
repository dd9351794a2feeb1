/*
 * kv.h - a small key-value store where every change is a compare-and-swap
 * on a revision: the metadata of gt (the catalog document, gt-meta's
 * routes and datanodes) lives behind it, so that a single process, a
 * gt-meta over HTTP and later etcd are interchangeable backends.
 *
 *   get(key)            -> value + rev                 (GT_ENOTFOUND if absent)
 *   put(key, value, rev) : succeeds only if the key's current revision is
 *                          rev (0 = the key must not exist); returns the
 *                          new revision.  On a mismatch: GT_EAGAIN and
 *                          *rev is set to the current revision (0 = absent).
 *   delete(key, rev)     : the same check; GT_ENOTFOUND if absent.
 *   list(prefix)         : every key starting with prefix, sorted bytewise.
 *
 * A revision is a non-zero number below 2^53 (exact in JSON) that changes
 * whenever the value changes.  Callers compare revisions for equality
 * only; they are not ordered (etcd's mod_revision would fit, the
 * directory backend uses a hash of the value: a put of the very same
 * bytes keeps the revision, which is harmless for compare-and-swap since
 * the caller's change was computed from those bytes).
 *
 * Keys: 1 to GT_KV_KEY_MAX bytes, no NUL, no control character.  Values:
 * any bytes up to GT_KV_VALUE_MAX.
 *
 * Backends: the directory backend below (kv.c) and the remote one over
 * gt-meta's HTTP API (kv-remote.c, meta-api.h).  Every backend is
 * thread-safe.  A struct gt_kv is owned by whoever opened it and freed
 * with gt_kv_close().
 */
#ifndef GT_KV_H
#define GT_KV_H

#include <stdbool.h>
#include "buf.h"

#define GT_KV_KEY_MAX 512
#define GT_KV_VALUE_MAX ((size_t)64 << 20)
#define GT_KV_REV_MASK ((UINT64_C(1) << 53) - 1)

struct gt_kv;

/* list callback: a non-zero return stops the walk and is returned. */
typedef int (*gt_kv_list_fn)(void *ctx, const char *key, uint64_t rev, const char *value, size_t n);

struct gt_kv_ops {
	/* known_rev != 0 and equal to the current revision: return 1 and
	 * leave val alone (a cheap revalidation of a cached value). */
	int (*get)(struct gt_kv *kv, const char *key, uint64_t known_rev, struct gt_buf *val, uint64_t *rev,
		   struct gt_err *err);
	int (*put)(struct gt_kv *kv, const char *key, const void *p, size_t n, uint64_t *rev, struct gt_err *err);
	int (*del)(struct gt_kv *kv, const char *key, uint64_t *rev, struct gt_err *err);
	int (*list)(struct gt_kv *kv, const char *prefix, gt_kv_list_fn fn, void *ctx, struct gt_err *err);
	void (*close)(struct gt_kv *kv);
};

/* Backends embed this first. */
struct gt_kv {
	const struct gt_kv_ops *ops;
};

/*
 * Get key's value (appended to val, whose ceiling applies) and revision.
 * With known_rev equal to the current revision, returns 1 and reads
 * nothing; otherwise 0.  GT_ENOTFOUND when the key is absent.
 */
int gt_kv_get(struct gt_kv *kv, const char *key, uint64_t known_rev, struct gt_buf *val, uint64_t *rev,
	      struct gt_err *err);
/* Compare-and-swap put: *rev in = expected revision (0 = create), out =
 * the new revision, or on GT_EAGAIN the current one (0 = absent). */
int gt_kv_put(struct gt_kv *kv, const char *key, const void *p, size_t n, uint64_t *rev, struct gt_err *err);
/* Compare-and-swap delete: *rev as for put; GT_ENOTFOUND if absent. */
int gt_kv_delete(struct gt_kv *kv, const char *key, uint64_t *rev, struct gt_err *err);
int gt_kv_list(struct gt_kv *kv, const char *prefix, gt_kv_list_fn fn, void *ctx, struct gt_err *err);
void gt_kv_close(struct gt_kv *kv);

/* GT_EINVAL with a message unless key follows the key rules (an empty
 * key is allowed with is_prefix). */
int gt_kv_check_key(const char *key, bool is_prefix, struct gt_err *err);

/*
 * The directory backend: key K is the file DIR/escape(K)SUFFIX, holding
 * the value's bytes and nothing else (so DATA_HOME/catalog.json is key
 * "catalog" with suffix ".json").  escape() keeps [A-Za-z0-9._-] and
 * writes every other byte as %XX ('/' is %2F, so the directory is flat);
 * a leading '.' is %2E so that no key hides as a dot file.
 *
 * A change: lock (a mutex, and flock() on the directory against other
 * processes) -> read the current value and compare its revision -> write
 * a temporary file, fsync, rename over the key's file, fsync the
 * directory (delete: unlink, fsync the directory) -> unlock.  A crash
 * leaves the old or the new value, at worst a .tmp.* file beside it.
 * The revision is a 53-bit hash (xxh64) of the value, non-zero; gets
 * remember (inode, size, mtime, ctime) -> revision for recent keys so
 * that revalidating an unchanged key costs one stat().
 *
 * The directory is created when create is set, else GT_ENOTFOUND.
 */
int gt_kv_open_dir(struct gt_kv **out, const char *dir, const char *suffix, bool create, struct gt_err *err);

/* The revision the directory backend gives a value (tests, tools). */
uint64_t gt_kv_rev_of(const void *p, size_t n);

#endif
