/*
 * region.c - WAL + memtables + SST files + manifest of one region.
 *
 *   write --> WAL (group commit) --> mutable memtable --(size limit)--> frozen[]
 *                                                                     |
 *   scan  <-- merge(memtable runs, SST files) <-- files[] <-- flush --+
 *                                                  ^
 *                                      compaction (TWCS, TTL)
 */
#include "region.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <xxhash.h>

struct rmem {
	struct gt_memtable *mt;
	int refs;
	uint64_t last_seq;         /* frozen: every seq <= this is in this or older memtables */
};

struct rfile {
	struct gt_file_meta meta;
	uint64_t cache_id;         /* its blocks' key in the block cache */
	struct gt_sst *sst;
	char *key;
	int refs;
	bool obsolete;             /* delete when the last reference goes */
};

struct gt_region {
	struct gt_region_env env;
	uint64_t id;
	char *dir;                 /* object store prefix, ends without '/' */
	struct gt_wal *wal;              /* the engine's, shared by its regions */
	struct gt_manifest *manifest;
	pthread_mutex_t manifest_mu;
	pthread_mutex_t flush_mu;
	pthread_mutex_t compact_mu;

	pthread_rwlock_t freeze_lock;
	pthread_mutex_t mu;        /* everything below */
	pthread_cond_t flushed;
	struct gt_schema schema;
	struct rmem *mutable;
	struct rmem **frozen;
	uint32_t nfrozen;
	struct rfile **files;
	uint32_t nfiles;
	uint64_t last_seq;
	uint64_t flushes, compactions;
	int flush_error;
	char flush_msg[512];
};

static void logf_(struct gt_region *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct gt_region *r, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	if (!r->env.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->env.log(r->env.log_ctx, msg);
}

static struct rmem *rmem_new(const struct gt_region *r, const struct gt_schema *s)
{
	struct rmem *m = gt_calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->mt = gt_memtable_new(s, r->env.memtable_bytes);
	if (!m->mt) {
		free(m);
		return NULL;
	}
	m->refs = 1;
	return m;
}

/* Called with r->mu held. */
static void rmem_unref(struct rmem *m)
{
	if (m && --m->refs == 0) {
		gt_memtable_free(m->mt);
		free(m);
	}
}

static void rfile_unref(struct gt_region *r, struct rfile *f)
{
	if (!f || --f->refs > 0)
		return;
	if (f->sst)
		gt_sst_close(f->sst);
	if (r->env.cache)
		gt_cache_forget(r->env.cache, f->cache_id);
	if (f->obsolete) {
		struct gt_err e = {0};
		if (gt_objstore_delete(r->env.store, f->key, &e))
			logf_(r, "region %" PRIu64 ": cannot delete obsolete file: %s", r->id, e.msg);
	}
	free(f->key);
	free(f);
}

static char *file_key(const char *dir, const char *id)
{
	size_t n = strlen(dir) + strlen(id) + 8;
	char *k = gt_malloc(n);
	if (k)
		snprintf(k, n, "%s/%s" GT_SST_SUFFIX, dir, id);
	return k;
}

static int rfile_open(struct gt_region *r, const struct gt_file_meta *meta, struct rfile **out,
		      struct gt_err *err)
{
	struct rfile *f = gt_calloc(1, sizeof(*f));
	char *path;
	int rc;

	if (!f)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	f->meta = *meta;
	f->refs = 1;
	f->cache_id = XXH3_64bits(meta->id, strlen(meta->id)) | 1;
	f->key = file_key(r->dir, meta->id);
	if (!f->key) {
		free(f);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	path = gt_objstore_local_path(r->env.store, f->key);
	if (!path) {
		free(f->key);
		free(f);
		return gt_errf(err, GT_EUNSUPP, "object store has no local path for '%s'", meta->id);
	}
	rc = gt_sst_open(&f->sst, path, err);
	free(path);
	if (rc) {
		gt_err_prefix(err, "file %s", meta->id);
		free(f->key);
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

/* Add a file to the list; r->mu held. */
static int files_add(struct gt_region *r, struct rfile *f)
{
	struct rfile **fs = gt_reallocarray(r->files, r->nfiles + 1, sizeof(*fs));
	if (!fs)
		return GT_ENOMEM;
	r->files = fs;
	r->files[r->nfiles++] = f;
	return 0;
}

static struct gt_region *region_alloc(const struct gt_region_env *env, uint64_t id, const char *dir)
{
	struct gt_region *r = gt_calloc(1, sizeof(*r));
	pthread_rwlockattr_t ra;

	if (!r)
		return NULL;
	r->env = *env;
	if (!r->env.memtable_bytes)
		r->env.memtable_bytes = 32u << 20;
	if (!r->env.max_frozen)
		r->env.max_frozen = 2;
	r->id = id;
	r->dir = gt_strdup(dir);
	r->wal = env->wal_log;
	pthread_mutex_init(&r->manifest_mu, NULL);
	pthread_mutex_init(&r->flush_mu, NULL);
	pthread_mutex_init(&r->compact_mu, NULL);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->flushed, NULL);
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&r->freeze_lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	if (!r->dir) {
		free(r);
		return NULL;
	}
	return r;
}

static void region_free(struct gt_region *r)
{
	if (!r)
		return;

	if (r->manifest)
		gt_manifest_close(r->manifest);
	pthread_mutex_lock(&r->mu);
	rmem_unref(r->mutable);
	for (uint32_t i = 0; i < r->nfrozen; i++)
		rmem_unref(r->frozen[i]);
	pthread_mutex_unlock(&r->mu);
	for (uint32_t i = 0; i < r->nfiles; i++)
		rfile_unref(r, r->files[i]);
	free(r->files);
	free(r->frozen);
	gt_schema_release(&r->schema);
	pthread_mutex_destroy(&r->manifest_mu);
	pthread_mutex_destroy(&r->flush_mu);
	pthread_mutex_destroy(&r->compact_mu);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->flushed);
	pthread_rwlock_destroy(&r->freeze_lock);
	free(r->dir);
	free(r);
}

/* Take writes from sequence flushed_seq + 1 on: the shared log's
 * sequences must pass the region's own (its manifest may come from
 * another datanode's log), and its records up to flushed_seq are done. */
static int open_wal(struct gt_region *r, uint64_t flushed_seq, struct gt_err *err)
{
	int rc;

	if (!r->wal)
		return gt_errf(err, GT_EINVAL, "region %" PRIu64 ": no WAL", r->id);
	gt_wal_floor(r->wal, flushed_seq + 1);
	if ((rc = gt_wal_obsolete(r->wal, r->id, flushed_seq, err)))
		return rc;
	r->last_seq = GT_MAX(flushed_seq, gt_wal_region_last(r->wal, r->id));
	return 0;
}

int gt_region_create(struct gt_region **out, const struct gt_region_env *env, uint64_t region_id,
		     const char *region_dir, const struct gt_schema *schema, struct gt_err *err)
{
	struct gt_region *r = region_alloc(env, region_id, region_dir);
	int rc;

	if (!r)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if ((rc = gt_schema_copy(&r->schema, schema)))
		goto fail_nomem;
	rc = gt_manifest_create(&r->manifest, env->store, region_dir, region_id, schema, err);
	if (rc)
		goto fail;
	if ((rc = open_wal(r, 0, err)))
		goto fail;
	if (!(r->mutable = rmem_new(r, &r->schema)))
		goto fail_nomem;
	*out = r;
	return 0;
fail_nomem:
	rc = gt_errf(err, GT_ENOMEM, "out of memory");
fail:
	region_free(r);
	return rc;
}

struct replay_ctx {
	struct gt_region *r;
	struct gt_batch b;
	struct gt_err *err;
	uint64_t records, rows;
};

static int freeze_locked(struct gt_region *r, struct gt_err *err);

static int replay_one(void *ctx, uint64_t region, uint64_t seq, uint32_t count, const void *p, size_t len)
{
	(void)region;
	struct replay_ctx *rc = ctx;
	int e;

	gt_batch_release(&rc->b);
	gt_batch_init(&rc->b);
	if ((e = gt_batch_decode(&rc->b, p, len, rc->err)))
		return gt_err_prefix(rc->err, "WAL record %" PRIu64, seq), e;
	if (rc->b.nrows != count)
		return gt_errf(rc->err, GT_ECORRUPT, "WAL record %" PRIu64 ": %u rows, header says %u",
			       seq, rc->b.nrows, count);
	/* rows flushed already (the record straddles the flushed sequence)
	 * are replayed too: the merge combines equal sequences */
	if ((e = gt_memtable_insert(rc->r->mutable->mt, &rc->b, seq, rc->err)))
		return e;
	rc->records++;
	rc->rows += count;
	if (seq + count - 1 > rc->r->last_seq)
		rc->r->last_seq = seq + count - 1;
	/* replay is single-threaded: freeze and flush inline */
	if (gt_memtable_bytes(rc->r->mutable->mt) > rc->r->env.memtable_bytes &&
	    ((e = freeze_locked(rc->r, rc->err)) || (e = gt_region_flush_frozen(rc->r, rc->err))))
		return e;
	return 0;
}

struct legacy_ctx {
	struct replay_ctx *rc;
	uint64_t from_seq;
};

static int legacy_one(void *ctx, uint64_t region, uint64_t seq, uint32_t count, const void *p, size_t len)
{
	struct legacy_ctx *l = ctx;
	if (seq + count - 1 < l->from_seq)
		return 0;
	return replay_one(l->rc, region, seq, count, p, len);
}

/*
 * An older gt kept a WAL per region in <wal_root>/<region id>/ (format
 * version 1).  Replay what the manifest does not have yet, flush it at
 * once (the shared log never saw those rows), make the shared log's
 * sequences pass them, then remove the directory.  A damaged tail ends
 * the old log, as its own recovery did.
 */
static int replay_legacy(struct gt_region *r, struct replay_ctx *rc, uint64_t flushed_seq, struct gt_err *err)
{
	struct legacy_ctx l = {rc, flushed_seq + 1};
	struct dirent **names = NULL;
	char dir[4096];
	int n, e = 0;

	if (!r->env.wal_root)
		return 0;
	snprintf(dir, sizeof(dir), "%s/%" PRIu64, r->env.wal_root, r->id);
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		return errno == ENOENT ? 0 : gt_errf(err, GT_EIO, "cannot list '%s': %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		size_t nl = strlen(names[i]->d_name);
		if (!e && nl > 4 && !strcmp(names[i]->d_name + nl - 4, ".wal")) {
			char path[8192];
			struct gt_buf b = {0};
			struct gt_err why = {0};
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			/* a segment holds at most 64 MiB and one group past it */
			e = gt_read_file(path, (size_t)256 << 20, &b, err);
			if (!e) {
				e = gt_wal_read_segment(b.p, b.len, legacy_one, &l, &why);
				if (e == GT_ECORRUPT) {
					logf_(r, "region %" PRIu64 ": old WAL '%s' ends in damage (%s): replayed up to it",
					      r->id, path, why.msg);
					e = 0;
				} else if (e && err && !err->msg[0]) {
					*err = why;
					gt_err_prefix(err, "old WAL '%s'", path);
				}
			}
			gt_buf_release(&b);
		}
		free(names[i]);
	}
	free(names);
	if (e)
		return e;
	if (r->last_seq > flushed_seq) {
		logf_(r, "region %" PRIu64 ": replayed its WAL of an older gt (to sequence %" PRIu64 "), flushing it",
		      r->id, r->last_seq);
		if ((e = freeze_locked(r, err)) || (e = gt_region_flush_frozen(r, err)))
			return e;
	}
	gt_wal_floor(r->wal, r->last_seq + 1);
	gt_rm_tree(dir);
	return 0;
}

/* Delete SST files the manifest does not name (a crash after writing a
 * file and before committing it, or after a commit that removed it). */
struct orphan_ctx {
	struct gt_region *r;
	char **keys;
	uint32_t n;
};

static int orphan_visit(void *ctx, const char *key, uint64_t size)
{
	struct orphan_ctx *o = ctx;
	const struct gt_region_state *st = gt_manifest_state(o->r->manifest);
	const char *base = strrchr(key, '/');
	size_t bl;
	base = base ? base + 1 : key;
	bl = strlen(base);
	if (strchr(key + strlen(o->r->dir) + 1, '/'))
		return 0;   /* manifest/ and other subdirectories */
	if (bl != GT_FILE_ID_LEN + strlen(GT_SST_SUFFIX) || strcmp(base + GT_FILE_ID_LEN, GT_SST_SUFFIX))
		return 0;
	for (uint32_t i = 0; i < st->nfiles; i++)
		if (!memcmp(st->files[i].id, base, GT_FILE_ID_LEN))
			return 0;
	char **k = gt_reallocarray(o->keys, o->n + 1, sizeof(*k));
	if (!k)
		return GT_ENOMEM;
	o->keys = k;
	if (!(o->keys[o->n] = gt_strdup(key)))
		return GT_ENOMEM;
	o->n++;
	(void)size;
	return 0;
}

int gt_region_open(struct gt_region **out, const struct gt_region_env *env, uint64_t region_id,
		   const char *region_dir, struct gt_err *err)
{
	struct gt_region *r = region_alloc(env, region_id, region_dir);
	const struct gt_region_state *st;
	struct replay_ctx rc = {0};
	struct orphan_ctx oc = {0};
	int e;

	if (!r)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if ((e = gt_manifest_open(&r->manifest, env->store, region_dir, err)))
		goto fail;
	st = gt_manifest_state(r->manifest);
	if ((e = gt_schema_copy(&r->schema, &st->schema)))
		goto fail_nomem;
	for (uint32_t i = 0; i < st->nfiles; i++) {
		struct rfile *f;
		if ((e = rfile_open(r, &st->files[i], &f, err)))
			goto fail;
		if (files_add(r, f)) {
			rfile_unref(r, f);
			goto fail_nomem;
		}
	}
	oc.r = r;
	char prefix[4096];
	snprintf(prefix, sizeof(prefix), "%s/", region_dir);
	e = gt_objstore_list(env->store, prefix, orphan_visit, &oc, err);
	for (uint32_t i = 0; i < oc.n; i++) {
		if (!e) {
			logf_(r, "region %" PRIu64 ": deleting '%s', which the manifest does not name", region_id,
			      oc.keys[i]);
			gt_objstore_delete(env->store, oc.keys[i], NULL);
		}
		free(oc.keys[i]);
	}
	free(oc.keys);
	if (e && e != GT_ENOTFOUND)
		goto fail;
	if ((e = open_wal(r, st->flushed_seq, err)))
		goto fail;
	if (!(r->mutable = rmem_new(r, &r->schema)))
		goto fail_nomem;
	rc.r = r;
	rc.err = err;
	gt_batch_init(&rc.b);
	/* the region is not the engine's yet: no background work during replay */
	r->env.want_flush = NULL;
	r->env.want_compact = NULL;
	/* a freeze during replay must record only what was replayed so far */
	uint64_t wal_last = r->last_seq;
	r->last_seq = st->flushed_seq;
	e = replay_legacy(r, &rc, st->flushed_seq, err);
	if (!e)
		e = gt_wal_replay(r->wal, r->id, gt_manifest_state(r->manifest)->flushed_seq + 1, replay_one, &rc, err);
	if (wal_last > r->last_seq)
		r->last_seq = wal_last;
	r->env.want_flush = env->want_flush;
	r->env.want_compact = env->want_compact;
	gt_batch_release(&rc.b);
	if (e)
		goto fail;
	*out = r;
	return 0;
fail_nomem:
	e = gt_errf(err, GT_ENOMEM, "out of memory");
fail:
	gt_err_prefix(err, "region %" PRIu64, region_id);
	region_free(r);
	return e;
}

uint64_t gt_region_id(const struct gt_region *r)
{
	return r->id;
}

const char *gt_region_dir_key(const struct gt_region *r)
{
	return r->dir;
}

int gt_region_schema(struct gt_region *r, struct gt_schema *out)
{
	int rc;
	pthread_mutex_lock(&r->mu);
	rc = gt_schema_copy(out, &r->schema);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* Check a write against the schema: known columns, right types, a time
 * index without nulls. */
static int check_batch(const struct gt_schema *s, const struct gt_batch *b, struct gt_err *err)
{
	bool has_ts = false;
	for (uint32_t c = 0; c < b->ncols; c++) {
		int i = gt_schema_find_id(s, b->col_ids[c]);
		if (i < 0)
			return gt_errf(err, GT_EINVAL, "column id %u is not in the table", b->col_ids[c]);
		if (b->cols[c].type != s->cols[i].type)
			return gt_errf(err, GT_EINVAL, "column '%s' is %s, the write has %s", s->cols[i].name,
				       gt_type_name(s->cols[i].type, s->cols[i].unit),
				       gt_type_name(b->cols[c].type, s->cols[i].unit));
		if (b->cols[c].len != b->nrows)
			return gt_errf(err, GT_EINVAL, "column '%s' has %u rows, the batch %u", s->cols[i].name,
				       b->cols[c].len, b->nrows);
		if (s->cols[i].sem == GT_TIME) {
			has_ts = true;
			if (b->cols[c].valid)
				for (uint32_t k = 0; k < b->nrows; k++)
					if (gt_vec_is_null(&b->cols[c], k))
						return gt_errf(err, GT_EINVAL, "row %u: time index '%s' is null", k + 1,
							       s->cols[i].name);
		} else if (!s->cols[i].nullable && b->cols[c].valid) {
			for (uint32_t k = 0; k < b->nrows; k++)
				if (gt_vec_is_null(&b->cols[c], k))
					return gt_errf(err, GT_EINVAL, "row %u: column '%s' cannot be null", k + 1,
						       s->cols[i].name);
		}
	}
	if (!has_ts)
		return gt_errf(err, GT_EINVAL, "the write has no time index column");
	if (b->has_keys) {
		if (!b->sid)
			return gt_errf(err, GT_EINVAL, "the write has a key table but no series per row");
		for (uint32_t c = 0; c < b->ncols; c++)
			if (s->cols[gt_schema_find_id(s, b->col_ids[c])].sem == GT_TAG)
				return gt_errf(err, GT_EINVAL, "a write with a key table carries no tag columns");
		for (uint32_t i = 0; i < b->nrows; i++)
			if (b->sid[i] >= b->nkeys)
				return gt_errf(err, GT_EINVAL, "row %u names series %u of %u", i + 1, b->sid[i], b->nkeys);
	}
	return 0;
}

/* Freeze the mutable memtable; r->freeze_lock held exclusively. */
static int freeze_locked(struct gt_region *r, struct gt_err *err)
{
	struct rmem *fresh, **fz;
	struct gt_memtable_stats st;

	gt_memtable_stats(r->mutable->mt, &st);
	if (!st.rows)
		return 0;
	fresh = rmem_new(r, &r->schema);
	if (!fresh)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	pthread_mutex_lock(&r->mu);
	fz = gt_reallocarray(r->frozen, r->nfrozen + 1, sizeof(*fz));
	if (!fz) {
		pthread_mutex_unlock(&r->mu);
		rmem_unref(fresh);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	r->frozen = fz;
	r->mutable->last_seq = r->last_seq;
	r->frozen[r->nfrozen++] = r->mutable;
	r->mutable = fresh;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static int freeze(struct gt_region *r, struct gt_err *err)
{
	int rc;
	pthread_rwlock_wrlock(&r->freeze_lock);
	rc = freeze_locked(r, err);
	pthread_rwlock_unlock(&r->freeze_lock);
	return rc;
}

/*
 * A write goes in phases, so that gt_region_write_many can put the WAL
 * records of several regions into one append:
 *   put_begin   hold the region's mutable memtable (freeze_lock read, so
 *               no freeze completes under the write), check, encode;
 *   (WAL append of the payload)
 *   put_apply   insert the rows, under the sequence the WAL gave;
 *   put_end     let the memtable go;
 *   put_after   freeze and flush once over the memtable budget, and wait
 *               while too many frozen memtables queue (backpressure).
 */
struct put {
	struct gt_region *r;
	const struct gt_batch *b;
	struct gt_err *err;
	struct rmem *m;
	struct gt_buf payload;
	uint64_t seq;
	size_t bytes;
	size_t at;                 /* gt_region_write_many: the caller's index */
	int rc;
};

static int put_begin(struct put *p)
{
	struct gt_region *r = p->r;

	pthread_rwlock_rdlock(&r->freeze_lock);
	pthread_mutex_lock(&r->mu);
	p->rc = check_batch(&r->schema, p->b, p->err);
	p->m = r->mutable;
	p->m->refs++;
	pthread_mutex_unlock(&r->mu);
	if (p->rc)
		return p->rc;
	if ((p->rc = gt_batch_encode(p->b, &p->payload)))
		return gt_errf(p->err, p->rc, "cannot encode the write");
	if (p->payload.len > GT_WAL_MAX_RECORD)
		p->rc = gt_errf(p->err, GT_ETOOBIG, "write of %zu bytes is over the WAL record limit of %u bytes",
				p->payload.len, GT_WAL_MAX_RECORD);
	return p->rc;
}

static void put_apply(struct put *p)
{
	struct gt_region *r = p->r;
	const struct gt_batch *b = p->b;

	p->rc = gt_memtable_insert(p->m->mt, b, p->seq, p->err);
	pthread_mutex_lock(&r->mu);
	if (p->seq + b->nrows - 1 > r->last_seq)
		r->last_seq = p->seq + b->nrows - 1;
	pthread_mutex_unlock(&r->mu);
	if (p->rc) {
		/* The row is in the WAL but not in memory: only a restart makes
		 * the region whole again.  Report it as an I/O-class error. */
		gt_err_prefix(p->err, "region %" PRIu64 " memtable insert failed after the WAL append", r->id);
		return;
	}
	if (r->env.want_wal_purge && gt_wal_over(r->wal))
		r->env.want_wal_purge(r->env.sched_ctx);
}

static void put_end(struct put *p)
{
	struct gt_region *r = p->r;

	p->bytes = gt_memtable_bytes(p->m->mt);
	pthread_mutex_lock(&r->mu);
	rmem_unref(p->m);
	pthread_mutex_unlock(&r->mu);
	pthread_rwlock_unlock(&r->freeze_lock);
	gt_buf_release(&p->payload);
}

static int put_after(struct put *p)
{
	struct gt_region *r = p->r;
	struct gt_err *err = p->err;
	int rc = 0;

	if (p->bytes <= r->env.memtable_bytes)
		return 0;
	pthread_rwlock_wrlock(&r->freeze_lock);
	/* another writer may have frozen it already */
	if (gt_memtable_bytes(r->mutable->mt) > r->env.memtable_bytes)
		rc = freeze_locked(r, err);
	pthread_rwlock_unlock(&r->freeze_lock);
	if (rc)
		return rc;
	if (r->env.want_flush) {
		r->env.want_flush(r->env.sched_ctx, r);
	} else if ((rc = gt_region_flush_frozen(r, err))) {
		return rc;
	}
	/* backpressure: bounded memory */
	pthread_mutex_lock(&r->mu);
	while (r->nfrozen > r->env.max_frozen && !r->flush_error)
		pthread_cond_wait(&r->flushed, &r->mu);
	if (r->flush_error)
		rc = gt_errf(err, r->flush_error, "region %" PRIu64 ": flush failed: %s", r->id, r->flush_msg);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int gt_region_write(struct gt_region *r, const struct gt_batch *b, uint64_t *first_seq,
		    struct gt_err *err)
{
	struct put p = { .r = r, .b = b, .err = err };

	if (!b->nrows)
		return 0;
	if (!put_begin(&p) && !(p.rc = gt_wal_append(r->wal, r->id, b->nrows, p.payload.p, p.payload.len,
						       &p.seq, err)))
		put_apply(&p);
	put_end(&p);
	if (p.rc)
		return p.rc;
	if (first_seq)
		*first_seq = p.seq;
	return put_after(&p);
}

static int cmp_put_region(const void *a, const void *b)
{
	uint64_t x = ((const struct put *)a)->r->id, y = ((const struct put *)b)->r->id;
	return (x > y) - (x < y);
}

int gt_region_write_many(struct gt_region *const *rs, const struct gt_batch *const *bs, size_t n, int *rcs,
			 struct gt_err *errs)
{
	struct put *p = gt_calloc(n ? n : 1, sizeof(*p));
	struct gt_wal_rec *recs = gt_calloc(n ? n : 1, sizeof(*recs));
	struct gt_err werr = {0};
	size_t i, k = 0;
	bool apart = !p || !recs;
	int rc = 0;

	for (i = 0; i < n && !apart; i++) {
		p[i] = (struct put){ .r = rs[i], .b = bs[i], .err = &errs[i], .at = i };
		apart = rs[i]->wal != rs[0]->wal;
	}
	/* Regions are held in id order, so two such writes cannot each hold a
	 * region the other waits for (freeze_lock prefers writers); a region
	 * named twice, or logs that differ, go one write at a time. */
	if (!apart)
		qsort(p, n, sizeof(*p), cmp_put_region);
	for (i = 1; i < n && !apart; i++)
		apart = p[i].r == p[i - 1].r;
	if (apart) {
		for (i = 0; i < n; i++)
			if ((rcs[i] = gt_region_write(rs[i], bs[i], NULL, &errs[i])) && !rc)
				rc = rcs[i];
		free(p);
		free(recs);
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (!p[i].b->nrows || put_begin(&p[i]))
			continue;
		recs[k++] = (struct gt_wal_rec){ .region = p[i].r->id, .count = p[i].b->nrows,
						 .payload = p[i].payload.p, .len = p[i].payload.len };
	}
	rc = gt_wal_append_many(rs[0]->wal, recs, k, &werr);
	for (i = 0, k = 0; i < n; i++) {
		if (!p[i].b->nrows || p[i].rc)
			continue;
		if (rc) {
			p[i].rc = rc;
			*p[i].err = werr;
		} else {
			p[i].seq = recs[k++].seq;
			put_apply(&p[i]);
		}
	}
	for (i = 0; i < n; i++)
		if (p[i].b->nrows)
			put_end(&p[i]);
	for (i = 0; i < n; i++)
		if (p[i].b->nrows && !p[i].rc)
			p[i].rc = put_after(&p[i]);
	rc = 0;
	for (i = 0; i < n; i++)
		rcs[p[i].at] = p[i].rc;
	for (i = 0; i < n && !rc; i++)
		rc = rcs[i];
	free(p);
	free(recs);
	return rc;
}

/* Field ids and types of a schema, in schema order. */
static uint32_t schema_fields(const struct gt_schema *s, uint32_t *ids, uint8_t *types)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->ncols; i++)
		if (s->cols[i].sem == GT_FIELD) {
			ids[n] = s->cols[i].id;
			types[n++] = s->cols[i].type;
		}
	return n;
}

/* What a flush or a compaction reads: every row and field, tombstones kept. */
static void rewrite_spec(const struct gt_schema *schema, uint32_t *ids, uint8_t *types, int64_t ttl_floor,
			 struct gt_read_spec *spec, struct gt_merge_opts *mo)
{
	spec->start = INT64_MIN;
	spec->end = INT64_MAX;
	spec->ts_id = schema->cols[gt_schema_time_index(schema)].id;
	spec->nfields = schema_fields(schema, ids, types);
	spec->field_ids = ids;
	spec->field_types = types;
	mo->merge_mode = schema->opts.merge_mode;
	mo->append_mode = schema->opts.append_mode;
	mo->keep_deletes = true;
	mo->ttl_floor = ttl_floor;
}

static int tmp_path(struct gt_region *r, char *out, size_t n, char id[GT_FILE_ID_LEN + 1])
{
	gt_file_id_new(id);
	if ((size_t)snprintf(out, n, "%s/%s" GT_SST_SUFFIX, r->env.tmp_dir, id) >= n)
		return GT_ETOOBIG;
	return 0;
}

/* Write the merged output of m into a new SST; on success *f is the
 * opened file (not yet in the list) and meta filled.  *f = NULL if the
 * merge produced no rows. */
static int write_sst(struct gt_region *r, struct gt_merge *m, const struct gt_schema *schema,
		     const struct gt_sst_writer_opts *wo, uint32_t level, struct rfile **f,
		     struct gt_err *err)
{
	struct gt_sst_writer *w = NULL;
	struct gt_sst_meta sm;
	struct gt_file_meta fm = {0};
	char path[4096], *key = NULL;
	const void *k;
	size_t klen;
	const struct gt_batch *rows;
	uint64_t nrows = 0;
	int rc;

	*f = NULL;
	if ((rc = tmp_path(r, path, sizeof(path), fm.id)))
		return gt_errf(err, rc, "temporary path too long");
	if ((rc = gt_sst_writer_new(&w, path, schema, wo, err)))
		return rc;
	while ((rc = gt_merge_next(m, &k, &klen, &rows, err)) == 1) {
		if ((rc = gt_sst_writer_add(w, k, klen, rows, 0, rows->nrows, err)))
			goto fail;
		nrows += rows->nrows;
	}
	if (rc)
		goto fail;
	if (!nrows) {
		gt_sst_writer_free(w);
		return 0;
	}
	if ((rc = gt_sst_writer_finish(w, &sm, err)))
		goto fail;
	gt_sst_writer_free(w);
	w = NULL;
	fm.size = sm.file_bytes;
	fm.rows = sm.rows;
	fm.min_ts = sm.min_ts;
	fm.max_ts = sm.max_ts;
	fm.min_seq = sm.min_seq;
	fm.max_seq = sm.max_seq;
	fm.level = level;
	gt_schema_release(&sm.schema);
	key = file_key(r->dir, fm.id);
	if (!key) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto fail_unlink;
	}
	if ((rc = gt_objstore_put_file(r->env.store, key, path, err)))
		goto fail_unlink;
	free(key);
	if ((rc = rfile_open(r, &fm, f, err)))
		return rc;
	return 0;
fail:
	gt_sst_writer_free(w);
	return rc;
fail_unlink:
	free(key);
	unlink(path);
	return rc;
}

static int commit(struct gt_region *r, const struct gt_manifest_edit *e, struct gt_err *err)
{
	int rc;
	pthread_mutex_lock(&r->manifest_mu);
	rc = gt_manifest_commit(r->manifest, e, err);
	pthread_mutex_unlock(&r->manifest_mu);
	return rc;
}

static int flush_one(struct gt_region *r, struct rmem *fm, struct gt_err *err)
{
	struct gt_schema schema;
	uint32_t ids[GT_MAX_COLUMNS];
	uint8_t types[GT_MAX_COLUMNS];
	struct gt_read_spec spec = {0};
	struct gt_merge_opts mo = {0};
	struct gt_merge *m = NULL;
	struct rfile *f = NULL;
	struct gt_manifest_edit e = {0};
	int rc;

	/* the memtable's own schema: a later alter does not change what it holds */
	pthread_mutex_lock(&r->mu);
	rc = gt_schema_copy(&schema, &r->schema);
	pthread_mutex_unlock(&r->mu);
	if (rc)
		return gt_errf(err, rc, "out of memory");
	rewrite_spec(&schema, ids, types, INT64_MIN, &spec, &mo);
	/* a frozen memtable takes no more inserts: the merge reads it in place */
	if ((rc = gt_merge_new(&m, &spec, &mo)) || (rc = gt_merge_add_memtable(m, fm->mt, err)))
		goto out;
	if ((rc = write_sst(r, m, &schema, &r->env.sst, 0, &f, err)))
		goto out;
	if (f) {
		e.add = &f->meta;
		e.nadd = 1;
	}
	e.flushed_seq = fm->last_seq;
	if ((rc = commit(r, &e, err))) {
		if (f) {
			f->obsolete = true;
			rfile_unref(r, f);
		}
		goto out;
	}
	pthread_mutex_lock(&r->mu);
	if (f && (rc = files_add(r, f))) {
		f->obsolete = false;   /* the manifest names it: keep it on disk */
		rfile_unref(r, f);
	}
	r->flushes++;
	pthread_mutex_unlock(&r->mu);
	if (!rc && (rc = gt_wal_obsolete(r->wal, r->id, fm->last_seq, err)))
		logf_(r, "region %" PRIu64 ": cannot trim the WAL: %s", r->id, err ? err->msg : "");
	rc = 0;
out:
	gt_merge_free(m);
	gt_schema_release(&schema);
	return rc;
}

int gt_region_flush_frozen(struct gt_region *r, struct gt_err *err)
{
	int rc = 0;
	bool any = false;

	pthread_mutex_lock(&r->flush_mu);
	for (;;) {
		struct rmem *fm;
		pthread_mutex_lock(&r->mu);
		fm = r->nfrozen ? r->frozen[0] : NULL;
		if (fm)
			fm->refs++;
		pthread_mutex_unlock(&r->mu);
		if (!fm)
			break;
		rc = flush_one(r, fm, err);
		pthread_mutex_lock(&r->mu);
		if (!rc) {
			memmove(r->frozen, r->frozen + 1, (r->nfrozen - 1) * sizeof(*r->frozen));
			r->nfrozen--;
			fm->refs--;   /* the list's reference; ours goes below */
			r->flush_error = 0;
		} else {
			r->flush_error = rc;
			snprintf(r->flush_msg, sizeof(r->flush_msg), "%.500s", err ? err->msg : gt_strerror(rc));
		}
		rmem_unref(fm);
		pthread_cond_broadcast(&r->flushed);
		pthread_mutex_unlock(&r->mu);
		if (rc)
			break;
		any = true;
	}
	pthread_mutex_unlock(&r->flush_mu);
	if (any && !rc && r->env.want_compact)
		r->env.want_compact(r->env.sched_ctx, r);
	return rc;
}

int gt_region_flush(struct gt_region *r, struct gt_err *err)
{
	int rc = freeze(r, err);
	return rc ? rc : gt_region_flush_frozen(r, err);
}

int gt_region_alter(struct gt_region *r, const struct gt_schema *schema, struct gt_err *err)
{
	struct gt_manifest_edit e = {0};
	struct gt_schema copy;
	struct rmem *fresh;
	int rc;

	pthread_rwlock_wrlock(&r->freeze_lock);
	if ((rc = freeze_locked(r, err)))
		goto out;
	e.schema = schema;
	if ((rc = commit(r, &e, err)))
		goto out;
	if ((rc = gt_schema_copy(&copy, schema)) || !(fresh = rmem_new(r, schema))) {
		if (!rc)
			gt_schema_release(&copy);
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_lock(&r->mu);
	gt_schema_release(&r->schema);
	r->schema = copy;
	rmem_unref(r->mutable);   /* empty after the freeze */
	r->mutable = fresh;
	pthread_mutex_unlock(&r->mu);
out:
	pthread_rwlock_unlock(&r->freeze_lock);
	if (!rc && r->env.want_flush)
		r->env.want_flush(r->env.sched_ctx, r);
	else if (!rc)
		rc = gt_region_flush_frozen(r, err);
	return rc;
}

int gt_region_truncate_files(struct gt_region *r, const int64_t *ranges, uint32_t nranges, struct gt_err *err)
{
	struct gt_manifest_edit e = {0};
	struct rfile **gone = NULL;
	const char **rm = NULL;
	uint32_t n = 0;
	int rc = 0;

	pthread_mutex_lock(&r->compact_mu);
	pthread_mutex_lock(&r->flush_mu);
	pthread_mutex_lock(&r->mu);
	gone = gt_calloc(r->nfiles + 1, sizeof(*gone));
	rm = gt_calloc(r->nfiles + 1, sizeof(*rm));
	for (uint32_t i = 0; gone && rm && i < r->nfiles; i++) {
		const struct gt_file_meta *m = &r->files[i]->meta;
		for (uint32_t k = 0; k < nranges; k++)
			if (m->min_ts >= ranges[2 * k] && m->max_ts < ranges[2 * k + 1]) {
				gone[n] = r->files[i];
				rm[n++] = m->id;
				break;
			}
	}
	pthread_mutex_unlock(&r->mu);
	if (!gone || !rm) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	if (n == 0)
		goto out;
	e.remove = rm;
	e.nremove = n;
	if ((rc = commit(r, &e, err)))
		goto out;
	pthread_mutex_lock(&r->mu);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < r->nfiles; j++)
			if (r->files[j] == gone[i]) {
				r->files[j] = r->files[--r->nfiles];
				gone[i]->obsolete = true;
				rfile_unref(r, gone[i]);   /* the list's reference */
				break;
			}
	pthread_mutex_unlock(&r->mu);
out:
	free(gone);
	free(rm);
	pthread_mutex_unlock(&r->flush_mu);
	pthread_mutex_unlock(&r->compact_mu);
	return rc;
}

int gt_region_truncate(struct gt_region *r, struct gt_err *err)
{
	struct gt_manifest_edit e = {0};
	struct rmem *fresh;
	int rc = 0;

	pthread_mutex_lock(&r->compact_mu);
	pthread_mutex_lock(&r->flush_mu);
	pthread_rwlock_wrlock(&r->freeze_lock);
	fresh = rmem_new(r, &r->schema);
	if (!fresh) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	e.truncate = 1;
	e.flushed_seq = r->last_seq ? r->last_seq : 1;
	if ((rc = commit(r, &e, err))) {
		pthread_mutex_lock(&r->mu);
		rmem_unref(fresh);
		pthread_mutex_unlock(&r->mu);
		goto out;
	}
	pthread_mutex_lock(&r->mu);
	rmem_unref(r->mutable);
	r->mutable = fresh;
	for (uint32_t i = 0; i < r->nfrozen; i++)
		rmem_unref(r->frozen[i]);
	r->nfrozen = 0;
	struct rfile **old = r->files;
	uint32_t nold = r->nfiles;
	r->files = NULL;
	r->nfiles = 0;
	pthread_cond_broadcast(&r->flushed);
	pthread_mutex_unlock(&r->mu);
	for (uint32_t i = 0; i < nold; i++) {
		old[i]->obsolete = true;
		rfile_unref(r, old[i]);
	}
	free(old);
	gt_wal_obsolete(r->wal, r->id, e.flushed_seq, NULL);
out:
	pthread_rwlock_unlock(&r->freeze_lock);
	pthread_mutex_unlock(&r->flush_mu);
	pthread_mutex_unlock(&r->compact_mu);
	return rc;
}

/* ---- compaction ---- */

static const int64_t windows_s[] = {3600, 7200, 43200, 86400, 604800, 31536000};

static int64_t unit_per_s(uint8_t unit)
{
	return gt_unit_convert(1, GT_UNIT_S, (enum gt_unit)unit);
}

/* The window: the smallest of 1h, 2h, 12h, 1d, 1w, 1y that holds the
 * time span of every file (GreptimeDB infers it the same way). */
static int64_t infer_window(struct rfile **fs, uint32_t n, uint8_t unit)
{
	int64_t span = 0, ups = unit_per_s(unit);
	for (uint32_t i = 0; i < n; i++) {
		int64_t s = fs[i]->meta.max_ts - fs[i]->meta.min_ts;
		if (s > span)
			span = s;
	}
	for (size_t i = 0; i < GT_ARRAY_LEN(windows_s); i++)
		if (span < windows_s[i] * ups)
			return windows_s[i] * ups;
	return windows_s[GT_ARRAY_LEN(windows_s) - 1] * ups;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int compact_files(struct gt_region *r, const struct gt_schema *schema, struct rfile **in,
			 uint32_t nin, int64_t ttl_floor, struct gt_compact_report *rep, struct gt_err *err)
{
	uint32_t ids[GT_MAX_COLUMNS];
	uint8_t types[GT_MAX_COLUMNS];
	struct gt_read_spec spec = {0};
	struct gt_merge_opts mo = {0};
	struct gt_merge *m = NULL;
	struct rfile *f = NULL;
	struct gt_manifest_edit e = {0};
	const char **rm = NULL;
	int rc;

	rewrite_spec(schema, ids, types, ttl_floor, &spec, &mo);
	if ((rc = gt_merge_new(&m, &spec, &mo)))
		return gt_errf(err, rc, "out of memory");
	for (uint32_t i = 0; i < nin && !rc; i++)
		rc = gt_merge_add_sst(m, in[i]->sst, 0, err);   /* compaction reads each block once */
	if (!rc)
		rc = write_sst(r, m, schema, &r->env.sst_compact, 1, &f, err);
	gt_merge_free(m);
	if (rc)
		return rc;
	rm = gt_calloc(nin, sizeof(*rm));
	if (!rm) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < nin; i++) {
		rm[i] = in[i]->meta.id;
		rep->rows_in += in[i]->meta.rows;
		rep->bytes_in += in[i]->meta.size;
	}
	e.remove = rm;
	e.nremove = nin;
	if (f) {
		e.add = &f->meta;
		e.nadd = 1;
	}
	if ((rc = commit(r, &e, err)))
		goto fail;
	free(rm);
	pthread_mutex_lock(&r->mu);
	for (uint32_t i = 0; i < nin; i++) {
		for (uint32_t j = 0; j < r->nfiles; j++)
			if (r->files[j] == in[i]) {
				r->files[j] = r->files[--r->nfiles];
				in[i]->obsolete = true;
				rfile_unref(r, in[i]);   /* the list's reference */
				break;
			}
	}
	if (f && files_add(r, f)) {
		pthread_mutex_unlock(&r->mu);
		rfile_unref(r, f);
		return gt_errf(err, GT_ENOMEM, "out of memory (reopen the region)");
	}
	r->compactions++;
	pthread_mutex_unlock(&r->mu);
	rep->files_in += nin;
	if (f) {
		rep->files_out++;
		rep->rows_out += f->meta.rows;
		rep->bytes_out += f->meta.size;
	}
	return 0;
fail:
	free(rm);
	if (f) {
		f->obsolete = true;
		rfile_unref(r, f);
	}
	return rc;
}

int gt_region_compact(struct gt_region *r, const struct gt_compact_opts *o,
		      struct gt_compact_report *rep, struct gt_err *err)
{
	struct gt_compact_opts defaults = {0};
	struct gt_schema schema;
	struct rfile **fs = NULL;
	uint32_t n = 0;
	int64_t window, ttl_floor = INT64_MIN, latest = INT64_MIN, now_ms;
	uint8_t unit;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (!o)
		o = &defaults;
	pthread_mutex_lock(&r->compact_mu);
	pthread_mutex_lock(&r->mu);
	rc = gt_schema_copy(&schema, &r->schema);
	fs = gt_calloc(r->nfiles + 1, sizeof(*fs));
	if (!rc && fs) {
		for (uint32_t i = 0; i < r->nfiles; i++) {
			fs[n] = r->files[i];
			fs[n++]->refs++;
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (rc || !fs) {
		if (!rc)
			gt_schema_release(&schema);
		free(fs);
		pthread_mutex_unlock(&r->compact_mu);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	unit = schema.cols[gt_schema_time_index(&schema)].unit;
	now_ms = o->now_ms ? o->now_ms : gt_now_ns() / 1000000;
	if (schema.opts.ttl_ms > 0)
		ttl_floor = gt_unit_convert(now_ms - schema.opts.ttl_ms, GT_UNIT_MS, (enum gt_unit)unit);

	/* Files wholly past the TTL go without being read. */
	if (ttl_floor != INT64_MIN) {
		const char *rm[1];
		for (uint32_t i = 0; i < n && !rc; i++) {
			if (fs[i]->meta.max_ts >= ttl_floor)
				continue;
			struct gt_manifest_edit e = {0};
			rm[0] = fs[i]->meta.id;
			e.remove = rm;
			e.nremove = 1;
			if ((rc = commit(r, &e, err)))
				break;
			pthread_mutex_lock(&r->mu);
			for (uint32_t j = 0; j < r->nfiles; j++)
				if (r->files[j] == fs[i]) {
					r->files[j] = r->files[--r->nfiles];
					fs[i]->obsolete = true;
					rfile_unref(r, fs[i]);
					break;
				}
			pthread_mutex_unlock(&r->mu);
			rep->files_expired++;
			rfile_unref(r, fs[i]);
			fs[i] = fs[--n];
			i--;
		}
	}
	window = infer_window(fs, n, unit);
	rep->window = window;
	for (uint32_t i = 0; i < n; i++)
		if (fs[i]->meta.max_ts > latest)
			latest = fs[i]->meta.max_ts;
	/* Group by window of each file's largest timestamp. */
	bool *done = gt_calloc(n + 1, sizeof(bool));
	struct rfile **grp = gt_calloc(n + 1, sizeof(*grp));
	if (!done || !grp)
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n && !rc; i++) {
		uint32_t k = 0;
		bool expired_rows = false;
		int64_t w;
		if (done[i])
			continue;
		w = floor_div(fs[i]->meta.max_ts, window);
		for (uint32_t j = i; j < n; j++)
			if (!done[j] && floor_div(fs[j]->meta.max_ts, window) == w) {
				done[j] = true;
				grp[k++] = fs[j];
				if (fs[j]->meta.min_ts < ttl_floor)
					expired_rows = true;
			}
		bool active = w == floor_div(latest, window);
		uint32_t threshold = (active && !o->force) ? 4 : 2;
		if (k >= threshold || expired_rows) {
			rep->windows++;
			rc = compact_files(r, &schema, grp, k, ttl_floor, rep, err);
		}
	}
	free(done);
	free(grp);
	pthread_mutex_lock(&r->mu);
	for (uint32_t i = 0; i < n; i++)
		rfile_unref(r, fs[i]);
	pthread_mutex_unlock(&r->mu);
	free(fs);
	gt_schema_release(&schema);
	pthread_mutex_unlock(&r->compact_mu);
	return rc;
}

/* ---- scans ---- */

struct gt_scan {
	struct gt_region *r;
	struct rmem **mems;        /* held until the scan ends: frozen ones are read in place */
	uint32_t nmems;
	struct gt_schema schema;
	struct gt_run *runs;
	uint32_t nruns;
	struct rfile **files;
	uint32_t nfiles;
	struct gt_merge *m;
	struct gt_batch out;
	struct gt_batch view;      /* a whole series handed out in place */
	struct gt_vec *view_cols;
	uint32_t *view_sid, view_cap;
	struct gt_buf keys;
	uint32_t *keyoff, nkeys, keycap;
	uint32_t batch_rows;
	bool with_seq;
	/* a series larger than a batch is handed out in pieces */
	const struct gt_batch *pend;
	uint32_t pend_off;
	uint32_t *ids;
	uint8_t *types;
	struct gt_tag_pred *preds;
	uint32_t npreds;
};

int gt_region_scan(struct gt_region *r, const struct gt_scan_req *req, struct gt_scan **out,
		   struct gt_err *err)
{
	struct gt_scan *s = gt_calloc(1, sizeof(*s));
	struct gt_read_spec spec = {0};
	struct gt_merge_opts mo = {0};
	struct rmem **mems = NULL;
	uint32_t nmems = 0;
	int rc = 0, ts;

	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	gt_batch_init(&s->out);
	s->r = r;
	s->batch_rows = req->batch_rows ? req->batch_rows : 8192;
	s->with_seq = req->with_seq;
	pthread_mutex_lock(&r->mu);
	rc = gt_schema_copy(&s->schema, &r->schema);
	mems = gt_calloc(r->nfrozen + 1, sizeof(*mems));
	s->files = gt_calloc(r->nfiles + 1, sizeof(*s->files));
	if (!rc && mems && s->files) {
		mems[nmems++] = r->mutable;
		r->mutable->refs++;
		for (uint32_t i = 0; i < r->nfrozen; i++) {
			mems[nmems++] = r->frozen[i];
			r->frozen[i]->refs++;
		}
		for (uint32_t i = 0; i < r->nfiles; i++) {
			s->files[s->nfiles++] = r->files[i];
			r->files[i]->refs++;
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (rc || !mems || !s->files) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	s->ids = gt_calloc(s->schema.ncols + 1, sizeof(uint32_t));
	s->types = gt_calloc(s->schema.ncols + 1, 1);
	s->preds = gt_calloc(req->npreds + 1, sizeof(*s->preds));
	s->runs = gt_calloc(nmems, sizeof(*s->runs));
	if (!s->ids || !s->types || !s->preds || !s->runs) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	if (req->npreds)
		memcpy(s->preds, req->preds, req->npreds * sizeof(*s->preds));
	s->npreds = req->npreds;
	ts = gt_schema_time_index(&s->schema);
	spec.start = req->start;
	spec.end = req->end;
	spec.ts_id = s->schema.cols[ts].id;
	if (req->field_ids) {
		for (uint32_t i = 0; i < req->nfields; i++) {
			int c = gt_schema_find_id(&s->schema, req->field_ids[i]);
			if (c < 0 || s->schema.cols[c].sem != GT_FIELD) {
				rc = gt_errf(err, GT_EINVAL, "column id %u is not a field of the table", req->field_ids[i]);
				goto out;
			}
			s->ids[i] = req->field_ids[i];
			s->types[i] = s->schema.cols[c].type;
		}
		spec.nfields = req->nfields;
	} else {
		spec.nfields = schema_fields(&s->schema, s->ids, s->types);
	}
	spec.field_ids = s->ids;
	spec.field_types = s->types;
	spec.preds = s->preds;
	spec.npreds = s->npreds;
	spec.tail = req->tail;
	mo.merge_mode = s->schema.opts.merge_mode;
	mo.append_mode = s->schema.opts.append_mode;
	mo.keep_deletes = false;
	mo.ttl_floor = INT64_MIN;
	mo.cache = r->env.cache;
	if (s->schema.opts.ttl_ms > 0) {
		uint8_t unit = s->schema.cols[ts].unit;
		mo.ttl_floor = gt_unit_convert(gt_now_ns() / 1000000 - s->schema.opts.ttl_ms, GT_UNIT_MS,
					       (enum gt_unit)unit);
	}
	if ((rc = gt_merge_new(&s->m, &spec, &mo))) {
		rc = gt_errf(err, rc, "out of memory");
		goto out;
	}
	/* the mutable memtable (mems[0]) is copied out; frozen ones are read in place */
	gt_run_init(&s->runs[0]);
	s->nruns = 1;
	if ((rc = gt_run_setup(&s->runs[0], &spec)) ||
	    (rc = gt_memtable_collect(mems[0]->mt, &spec, &s->runs[0], err)) ||
	    (rc = gt_merge_add_run(s->m, &s->runs[0], err)))
		goto out;
	for (uint32_t i = 1; i < nmems && !rc; i++)
		rc = gt_merge_add_memtable(s->m, mems[i]->mt, err);
	for (uint32_t i = 0; i < s->nfiles && !rc; i++)
		rc = gt_merge_add_sst(s->m, s->files[i]->sst, s->files[i]->cache_id, err);
	if (!rc) {
		rc = gt_batch_add_col(&s->out, spec.ts_id, GT_TS);
		for (uint32_t i = 0; i < spec.nfields && rc >= 0; i++)
			rc = gt_batch_add_col(&s->out, s->ids[i], (enum gt_type)s->types[i]);
		rc = rc < 0 ? gt_errf(err, rc, "out of memory") : 0;
	}
out:
	s->mems = mems;
	s->nmems = nmems;
	if (rc) {
		gt_scan_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int add_key(struct gt_scan *s, const void *k, size_t n, uint32_t *sid)
{
	if (s->nkeys + 1 >= s->keycap) {
		uint32_t cap = s->keycap ? s->keycap * 2 : 256;
		uint32_t *ko = gt_reallocarray(s->keyoff, cap, sizeof(*ko));
		if (!ko)
			return GT_ENOMEM;
		s->keyoff = ko;
		s->keycap = cap;
	}
	if (!s->nkeys)
		s->keyoff[0] = 0;
	if (gt_buf_add(&s->keys, k, n))
		return GT_ENOMEM;
	*sid = s->nkeys;
	s->keyoff[++s->nkeys] = (uint32_t)s->keys.len;
	return 0;
}

/* A series at least this long that fits in one batch is not copied. */
#define GT_SCAN_VIEW_ROWS 1024

/* Hand out the merge's rows of one series as the batch: the columns are
 * borrowed (valid until the next gt_merge_next, i.e. the next call). */
static int view(struct gt_scan *s, const struct gt_batch *rows, const struct gt_batch **b, struct gt_err *err)
{
	struct gt_batch *v = &s->view;
	uint32_t sid = s->nkeys - 1;
	if (!s->view_cols && !(s->view_cols = gt_calloc(s->out.ncols + 1, sizeof(*s->view_cols))))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (rows->nrows > s->view_cap) {
		uint32_t *p = gt_reallocarray(s->view_sid, s->batch_rows, sizeof(*p));
		if (!p)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		s->view_sid = p;
		s->view_cap = s->batch_rows;
	}
	memset(v, 0, sizeof(*v));
	v->nrows = rows->nrows;
	v->ncols = s->out.ncols;
	v->col_ids = s->out.col_ids;
	v->cols = s->view_cols;
	for (uint32_t c = 0; c < v->ncols; c++)
		v->cols[c] = rows->cols[c];
	for (uint32_t i = 0; i < rows->nrows; i++)
		s->view_sid[i] = sid;
	v->sid = s->view_sid;
	*b = v;
	return 1;
}

int gt_scan_next(struct gt_scan *s, const struct gt_batch **b, struct gt_err *err)
{
	struct gt_batch *o = &s->out;
	int rc;

	gt_batch_reset(o);
	while (o->nrows < s->batch_rows) {
		const struct gt_batch *rows;
		uint32_t sid, n, from;

		if (!s->pend) {
			const void *k;
			size_t klen;
			rc = gt_merge_next(s->m, &k, &klen, &rows, err);
			if (rc < 0)
				return rc;
			if (rc == 0)
				break;
			if ((rc = add_key(s, k, klen, &sid)))
				return gt_errf(err, rc, "out of memory");
			if (!o->nrows && !s->with_seq && rows->nrows >= GT_SCAN_VIEW_ROWS &&
			    rows->nrows <= s->batch_rows)
				return view(s, rows, b, err);
			s->pend = rows;
			s->pend_off = 0;
		}
		rows = s->pend;
		sid = s->nkeys - 1;
		from = s->pend_off;
		n = GT_MIN(rows->nrows - from, s->batch_rows - o->nrows);
		if ((rc = gt_batch_reserve_meta(o, o->nrows + n, s->with_seq, s->with_seq, true)))
			return gt_errf(err, rc, "out of memory");
		for (uint32_t c = 0; c < o->ncols; c++)
			if ((rc = gt_vec_append(&o->cols[c], &rows->cols[c], from, n)))
				return gt_errf(err, rc, "out of memory");
		for (uint32_t i = 0; i < n; i++)
			o->sid[o->nrows + i] = sid;
		if (s->with_seq) {
			memcpy(o->seq + o->nrows, rows->seq + from, n * 8);
			memcpy(o->op + o->nrows, rows->op + from, n);
		}
		o->nrows += n;
		s->pend_off += n;
		if (s->pend_off == rows->nrows)
			s->pend = NULL;
	}
	*b = o;
	return o->nrows ? 1 : 0;
}

const void *gt_scan_key(const struct gt_scan *s, uint32_t sid, size_t *len)
{
	*len = s->keyoff[sid + 1] - s->keyoff[sid];
	return s->keys.p + s->keyoff[sid];
}

const struct gt_schema *gt_scan_schema(const struct gt_scan *s)
{
	return &s->schema;
}

void gt_scan_free(struct gt_scan *s)
{
	if (!s)
		return;
	gt_merge_free(s->m);
	for (uint32_t i = 0; i < s->nruns; i++)
		gt_run_release(&s->runs[i]);
	free(s->runs);
	if (s->mems) {
		pthread_mutex_lock(&s->r->mu);
		for (uint32_t i = 0; i < s->nmems; i++)
			rmem_unref(s->mems[i]);
		pthread_mutex_unlock(&s->r->mu);
		free(s->mems);
	}
	if (s->files) {
		pthread_mutex_lock(&s->r->mu);
		for (uint32_t i = 0; i < s->nfiles; i++)
			rfile_unref(s->r, s->files[i]);
		pthread_mutex_unlock(&s->r->mu);
		free(s->files);
	}
	gt_batch_release(&s->out);
	free(s->view_cols);
	free(s->view_sid);
	gt_buf_release(&s->keys);
	free(s->keyoff);
	free(s->ids);
	free(s->types);
	free(s->preds);
	gt_schema_release(&s->schema);
	free(s);
}

void gt_region_stats(struct gt_region *r, struct gt_region_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&r->mu);
	out->memtable_bytes = gt_memtable_bytes(r->mutable->mt);
	for (uint32_t i = 0; i < r->nfrozen; i++)
		out->memtable_bytes += gt_memtable_bytes(r->frozen[i]->mt);
	out->frozen = r->nfrozen;
	out->files = r->nfiles;
	for (uint32_t i = 0; i < r->nfiles; i++) {
		out->file_bytes += r->files[i]->meta.size;
		out->file_rows += r->files[i]->meta.rows;
	}
	out->last_seq = r->last_seq;
	out->flushes = r->flushes;
	out->compactions = r->compactions;
	pthread_mutex_unlock(&r->mu);
	pthread_mutex_lock(&r->manifest_mu);
	out->flushed_seq = gt_manifest_state(r->manifest)->flushed_seq;
	pthread_mutex_unlock(&r->manifest_mu);
	out->wal_bytes = gt_wal_region_bytes(r->wal, r->id);
}

char *gt_region_manifest_json(struct gt_region *r)
{
	json_t *j;
	char *s;
	pthread_mutex_lock(&r->manifest_mu);
	j = gt_region_state_to_json(gt_manifest_state(r->manifest));
	pthread_mutex_unlock(&r->manifest_mu);
	s = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return s;
}

void gt_region_close(struct gt_region *r, int flush_on_close)
{
	if (!r)
		return;
	if (flush_on_close) {
		struct gt_err e = {0};
		if (gt_region_flush(r, &e))
			logf_(r, "region %" PRIu64 ": flush on close failed: %s", r->id, e.msg);
	}
	region_free(r);
}
