/*
 * engine.c - regions of a data directory, the lock, background workers.
 *
 * Two workers: one flushes frozen memtables, one compacts, so that a
 * long compaction never holds back the flushes that bound memory.  Each
 * has a queue of region ids (not pointers: a region may be dropped while
 * queued); a region queued twice runs once.
 */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>
#include <dirent.h>

struct queue {
	uint64_t *ids;
	uint32_t n, cap;
	bool busy;
	pthread_cond_t cond;
	pthread_t thread;
	bool started;
};

struct slot {
	uint64_t id;
	struct gt_region *r;
	int busy;                  /* workers using it */
};

struct gt_engine {
	struct gt_engine_opts o;
	char *home;
	int lock_fd;
	struct gt_objstore *store;
	struct gt_cache *cache;
	struct gt_wal *wal;        /* shared by every region */
	struct gt_region_env env;
	char wal_root[4096], tmp_dir[4096];
	pthread_mutex_t mu;
	pthread_cond_t idle;
	pthread_cond_t ready;      /* a region's creation finished */
	struct slot *slots;
	uint32_t nslots;
	struct queue flushq, compactq;
	bool stopping;
	bool purge_wanted;         /* the WAL is over its size (flush worker) */
	gt_region_locator locate;  /* where a closed region lives (may be NULL) */
	void *locate_ctx;
};

static void elog(struct gt_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void elog(struct gt_engine *e, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	if (!e->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->o.log(e->o.log_ctx, msg);
}

int gt_region_dir(char *out, size_t n, const char *db, uint64_t region_id)
{
	uint32_t t = GT_REGION_TABLE(region_id);
	if ((size_t)snprintf(out, n, "data/%s/%u/%u_%010u", db, t, t, GT_REGION_NUM(region_id)) >= n)
		return GT_ETOOBIG;
	return 0;
}

static void enqueue(struct gt_engine *e, struct queue *q, uint64_t id)
{
	pthread_mutex_lock(&e->mu);
	for (uint32_t i = 0; i < q->n; i++)
		if (q->ids[i] == id)
			goto out;
	if (q->n == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 16;
		uint64_t *ids = gt_reallocarray(q->ids, cap, sizeof(*ids));
		if (!ids)
			goto out;   /* the work is done later, at the next flush or close */
		q->ids = ids;
		q->cap = cap;
	}
	q->ids[q->n++] = id;
	pthread_cond_signal(&q->cond);
out:
	pthread_mutex_unlock(&e->mu);
}

static void want_flush(void *ctx, struct gt_region *r)
{
	struct gt_engine *e = ctx;
	enqueue(e, &e->flushq, gt_region_id(r));
}

static struct slot *find_slot(struct gt_engine *e, uint64_t id);

static void want_wal_purge(void *ctx)
{
	struct gt_engine *e = ctx;
	pthread_mutex_lock(&e->mu);
	if (!e->purge_wanted) {
		e->purge_wanted = true;
		pthread_cond_signal(&e->flushq.cond);
	}
	pthread_mutex_unlock(&e->mu);
}

/* Open a region that is not open, through the locator (e->mu held;
 * released meanwhile).  Opening replays its WAL records. */
static int open_closed(struct gt_engine *e, uint64_t id, struct gt_err *err)
{
	char dir[1024];
	int rc;

	if (!e->locate)
		return gt_errf(err, GT_ENOTFOUND, "no table is known to own it");
	pthread_mutex_unlock(&e->mu);
	if (e->locate(e->locate_ctx, id, dir, sizeof(dir)))
		rc = gt_errf(err, GT_ENOTFOUND, "no table owns it");
	else
		rc = gt_engine_open_region(e, id, dir, err);
	pthread_mutex_lock(&e->mu);
	return rc;
}

void gt_engine_set_locator(struct gt_engine *e, gt_region_locator fn, void *ctx)
{
	pthread_mutex_lock(&e->mu);
	e->locate = fn;
	e->locate_ctx = ctx;
	pthread_mutex_unlock(&e->mu);
}

/* Flush the regions that hold the WAL's oldest segment, so that it can
 * go (flush worker, e->mu held; released while flushing). */
static void purge_wal(struct gt_engine *e)
{
	uint64_t ids[64];
	size_t n;

	e->purge_wanted = false;
	pthread_mutex_unlock(&e->mu);
	n = gt_wal_pinning(e->wal, ids, GT_ARRAY_LEN(ids));
	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < n; i++) {
		struct slot *s = find_slot(e, ids[i]);
		struct gt_err err = {0};
		if ((!s || !s->r) && open_closed(e, ids[i], &err)) {
			elog(e, "WAL: region %" PRIu64 ", which is not open, holds its oldest segment: %s", ids[i],
			     err.msg);
			continue;
		}
		if (!(s = find_slot(e, ids[i])) || !s->r)
			continue;   /* dropped meanwhile */
		struct gt_region *r = s->r;
		s->busy++;
		pthread_mutex_unlock(&e->mu);
		if (gt_region_flush(r, &err))
			elog(e, "region %" PRIu64 ": flush for the WAL's size failed: %s", ids[i], err.msg);
		pthread_mutex_lock(&e->mu);
		if ((s = find_slot(e, ids[i])))
			s->busy--;
		pthread_cond_broadcast(&e->idle);
	}
}

static void want_compact(void *ctx, struct gt_region *r)
{
	struct gt_engine *e = ctx;
	if (e->o.auto_compact)
		enqueue(e, &e->compactq, gt_region_id(r));
}

static struct slot *find_slot(struct gt_engine *e, uint64_t id)
{
	for (uint32_t i = 0; i < e->nslots; i++)
		if (e->slots[i].id == id)
			return &e->slots[i];
	return NULL;
}

/* The slot of a region, waiting while it is being created; e->mu held. */
static struct slot *wait_slot(struct gt_engine *e, uint64_t id)
{
	struct slot *s;
	while ((s = find_slot(e, id)) && !s->r)
		pthread_cond_wait(&e->ready, &e->mu);
	return s;
}

struct worker_arg {
	struct gt_engine *e;
	struct queue *q;
	bool compact;
};

static void *worker(void *arg)
{
	struct gt_engine *e = ((struct worker_arg *)arg)->e;
	struct queue *q = ((struct worker_arg *)arg)->q;
	bool compact = ((struct worker_arg *)arg)->compact;

	free(arg);
	pthread_setname_np(pthread_self(), compact ? "gt-compact" : "gt-flush");
	pthread_mutex_lock(&e->mu);
	for (;;) {
		while (!q->n && !e->stopping && (compact || !e->purge_wanted))
			pthread_cond_wait(&q->cond, &e->mu);
		if (!compact && e->purge_wanted && !e->stopping) {
			purge_wal(e);
			continue;
		}
		if (!q->n && e->stopping)
			break;
		uint64_t id = q->ids[0];
		memmove(q->ids, q->ids + 1, (q->n - 1) * sizeof(*q->ids));
		q->n--;
		struct slot *s = find_slot(e, id);
		if (!s || !s->r)
			continue;
		struct gt_region *r = s->r;
		s->busy++;
		q->busy = true;
		pthread_mutex_unlock(&e->mu);

		struct gt_err err = {0};
		int rc;
		if (compact) {
			struct gt_compact_report rep;
			rc = gt_region_compact(r, NULL, &rep, &err);
			if (!rc && rep.files_in)
				elog(e, "region %" PRIu64 ": compacted %u files (%" PRIu64 " rows) into %u, %u expired",
				     id, rep.files_in, rep.rows_in, rep.files_out, rep.files_expired);
		} else {
			rc = gt_region_flush_frozen(r, &err);
		}
		if (rc)
			elog(e, "region %" PRIu64 ": %s failed: %s", id, compact ? "compaction" : "flush", err.msg);
#ifdef __GLIBC__
		/* A flushed memtable or a compaction's buffers leave free pages in
		 * the malloc arenas of the threads that filled them; hand them
		 * back, so that memory stays near the memtable budget instead of
		 * growing with every arena a writer thread touched. */
		malloc_trim(0);
#endif

		pthread_mutex_lock(&e->mu);
		s = find_slot(e, id);
		if (s)
			s->busy--;
		q->busy = false;
		pthread_cond_broadcast(&e->idle);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

static int start_worker(struct gt_engine *e, struct queue *q, bool compact, struct gt_err *err)
{
	struct worker_arg *a = gt_malloc(sizeof(*a));
	if (!a)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	a->e = e;
	a->q = q;
	a->compact = compact;
	if (pthread_create(&q->thread, NULL, worker, a)) {
		free(a);
		return gt_errf(err, GT_EAGAIN, "cannot start a worker thread");
	}
	q->started = true;
	return 0;
}

static int take_lock(struct gt_engine *e, struct gt_err *err)
{
	char path[4096], pid[32];
	int64_t deadline = gt_mono_ns() + (int64_t)e->o.lock_wait_ms * 1000000;

	snprintf(path, sizeof(path), "%s/LOCK", e->home);
	e->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (e->lock_fd < 0)
		return gt_errf(err, GT_EIO, "cannot open '%s': %s", path, strerror(errno));
	while (flock(e->lock_fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK)
			return gt_errf(err, GT_EIO, "cannot lock '%s': %s", path, strerror(errno));
		if (gt_mono_ns() >= deadline) {
			ssize_t n = pread(e->lock_fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			return gt_errf(err, GT_ELOCKED, "data directory '%s' is in use by another process%s%s%s",
				       e->home, *pid ? " (pid " : "", pid, *pid ? ")" : "");
		}
		usleep(50000);
	}
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(e->lock_fd, 0) || pwrite(e->lock_fd, pid, (size_t)n, 0) != n)
		return gt_errf(err, GT_EIO, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static void clean_tmp(struct gt_engine *e)
{
	DIR *d = opendir(e->tmp_dir);
	struct dirent *de;
	char path[8192];
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", e->tmp_dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

int gt_engine_open(struct gt_engine **out, const struct gt_engine_opts *o, struct gt_err *err)
{
	struct gt_engine *e = gt_calloc(1, sizeof(*e));
	char path[4096];
	int rc;

	if (!e)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	e->o = *o;
	e->lock_fd = -1;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->idle, NULL);
	pthread_cond_init(&e->ready, NULL);
	pthread_cond_init(&e->flushq.cond, NULL);
	pthread_cond_init(&e->compactq.cond, NULL);
	if (!o->data_home || !*o->data_home) {
		rc = gt_errf(err, GT_EINVAL, "no data directory given");
		goto fail;
	}
	if (!(e->home = gt_strdup(o->data_home))) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto fail;
	}
	if (o->must_exist) {
		snprintf(path, sizeof(path), "%s/catalog.json", e->home);
		if (access(path, F_OK)) {
			rc = gt_errf(err, GT_ENOTFOUND, "'%s' is not a gt data directory (no catalog.json)", e->home);
			goto fail;
		}
	}
	if ((rc = gt_mkdir_p(e->home, err)) || (rc = take_lock(e, err)))
		goto fail;
	snprintf(e->wal_root, sizeof(e->wal_root), "%s/wal", e->home);
	snprintf(e->tmp_dir, sizeof(e->tmp_dir), "%s/tmp", e->home);
	if ((rc = gt_mkdir_p(e->wal_root, err)) || (rc = gt_mkdir_p(e->tmp_dir, err)))
		goto fail;
	clean_tmp(e);
	snprintf(path, sizeof(path), "%s", e->home);
	if ((rc = gt_objstore_open_local(&e->store, path, err)))
		goto fail;
	e->cache = gt_cache_new(o->cache_bytes ? o->cache_bytes : 64u << 20);
	if (!e->cache) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto fail;
	}
	struct gt_wal_open_info wi = {0};
	if ((rc = gt_wal_open(&e->wal, e->wal_root, &o->wal, 1, &wi, err)))
		goto fail;
	if (wi.dropped_bytes)
		elog(e, "WAL had a torn or damaged tail: dropped %" PRIu64 " bytes after %" PRIu64
		     " whole records (%s)", wi.dropped_bytes, wi.records, wi.damage[0] ? wi.damage : "no detail");
	e->env.store = e->store;
	e->env.cache = e->cache;
	e->env.wal_log = e->wal;
	e->env.wal_root = e->wal_root;
	e->env.tmp_dir = e->tmp_dir;
	e->env.memtable_bytes = o->memtable_bytes;
	/* rANS does the entropy coding: a higher zstd level buys 0.02% (gt-sst(5)) */
	e->env.sst_compact.zstd_level = 3;
	e->env.log = o->log;
	e->env.log_ctx = o->log_ctx;
	if (o->background) {
		e->env.want_flush = want_flush;
		e->env.want_compact = want_compact;
		e->env.want_wal_purge = want_wal_purge;
		e->env.sched_ctx = e;
		if ((rc = start_worker(e, &e->flushq, false, err)) ||
		    (rc = start_worker(e, &e->compactq, true, err)))
			goto fail;
	}
	*out = e;
	return 0;
fail:
	gt_engine_close(e, 0);
	return rc;
}

struct gt_objstore *gt_engine_store(struct gt_engine *e)
{
	return e->store;
}

const char *gt_engine_home(const struct gt_engine *e)
{
	return e->home;
}

struct gt_cache *gt_engine_cache(struct gt_engine *e)
{
	return e->cache;
}

static int add_slot(struct gt_engine *e, uint64_t id, struct gt_region *r)
{
	struct slot *s = gt_reallocarray(e->slots, e->nslots + 1, sizeof(*s));
	if (!s)
		return GT_ENOMEM;
	e->slots = s;
	e->slots[e->nslots].id = id;
	e->slots[e->nslots].r = r;
	e->slots[e->nslots].busy = 0;
	e->nslots++;
	return 0;
}

int gt_engine_create_region(struct gt_engine *e, uint64_t region_id, const char *region_dir,
			    const struct gt_schema *schema, struct gt_err *err)
{
	struct gt_region *r;
	int rc;

	/* Reserve the slot first (r == NULL: being created), so that a thread
	 * that already sees the table in the catalog and opens the region
	 * waits for this creation instead of opening it a second time. */
	pthread_mutex_lock(&e->mu);
	if (find_slot(e, region_id)) {
		pthread_mutex_unlock(&e->mu);
		return gt_errf(err, GT_EEXIST, "region %" PRIu64 " is open already", region_id);
	}
	rc = add_slot(e, region_id, NULL);
	pthread_mutex_unlock(&e->mu);
	if (rc)
		return gt_errf(err, rc, "out of memory");
	rc = gt_region_create(&r, &e->env, region_id, region_dir, schema, err);
	pthread_mutex_lock(&e->mu);
	struct slot *sl = find_slot(e, region_id);
	if (rc)
		*sl = e->slots[--e->nslots];
	else
		sl->r = r;
	pthread_cond_broadcast(&e->ready);
	pthread_mutex_unlock(&e->mu);
	return rc;
}

int gt_engine_open_region(struct gt_engine *e, uint64_t region_id, const char *region_dir,
			  struct gt_err *err)
{
	struct gt_region *r;
	int rc;

	pthread_mutex_lock(&e->mu);
	if (wait_slot(e, region_id)) {
		pthread_mutex_unlock(&e->mu);
		return 0;
	}
	/* Opened under the engine lock: two threads must not open a region twice. */
	rc = gt_region_open(&r, &e->env, region_id, region_dir, err);
	if (!rc && (rc = add_slot(e, region_id, r))) {
		gt_region_close(r, 0);
		rc = gt_errf(err, rc, "out of memory");
	}
	pthread_mutex_unlock(&e->mu);
	return rc;
}

struct gt_region *gt_engine_region(struct gt_engine *e, uint64_t region_id)
{
	struct slot *s;
	pthread_mutex_lock(&e->mu);
	s = wait_slot(e, region_id);
	pthread_mutex_unlock(&e->mu);
	return s ? s->r : NULL;
}

/* Remove a slot once no worker uses it; returns the region or NULL. */
static struct gt_region *detach(struct gt_engine *e, uint64_t id)
{
	struct slot *s;
	struct gt_region *r;
	pthread_mutex_lock(&e->mu);
	while ((s = wait_slot(e, id)) && s->busy)
		pthread_cond_wait(&e->idle, &e->mu);
	if (!s) {
		pthread_mutex_unlock(&e->mu);
		return NULL;
	}
	r = s->r;
	*s = e->slots[--e->nslots];
	pthread_mutex_unlock(&e->mu);
	return r;
}

int gt_engine_close_region(struct gt_engine *e, uint64_t region_id, struct gt_err *err)
{
	struct gt_region *r = detach(e, region_id);
	if (!r)
		return gt_errf(err, GT_ENOTFOUND, "region %" PRIu64 " is not open", region_id);
	gt_region_close(r, 1);
	return 0;
}

struct drop_ctx {
	char **keys;
	uint32_t n;
};

static int collect_key(void *ctx, const char *key, uint64_t size)
{
	struct drop_ctx *d = ctx;
	char **k = gt_reallocarray(d->keys, d->n + 1, sizeof(*k));
	(void)size;
	if (!k)
		return GT_ENOMEM;
	d->keys = k;
	if (!(d->keys[d->n] = gt_strdup(key)))
		return GT_ENOMEM;
	d->n++;
	return 0;
}

int gt_engine_drop_region(struct gt_engine *e, uint64_t region_id, struct gt_err *err)
{
	struct gt_region *r = detach(e, region_id);
	struct drop_ctx d = {0};
	char path[4096], *prefix;
	int rc;

	if (!r)
		return gt_errf(err, GT_ENOTFOUND, "region %" PRIu64 " is not open", region_id);
	size_t plen = strlen(gt_region_dir_key(r)) + 2;
	prefix = gt_malloc(plen);
	if (prefix)
		snprintf(prefix, plen, "%s/", gt_region_dir_key(r));
	gt_region_close(r, 0);
	if (!prefix)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = gt_objstore_list(e->store, prefix, collect_key, &d, err);
	/* the manifest goes last, so that a crash leaves a region that still opens */
	for (uint32_t i = 0; i < d.n && !rc; i++)
		if (!strstr(d.keys[i], "/manifest/"))
			rc = gt_objstore_delete(e->store, d.keys[i], err);
	for (uint32_t i = 0; i < d.n && !rc; i++)
		if (strstr(d.keys[i], "/manifest/"))
			rc = gt_objstore_delete(e->store, d.keys[i], err);
	for (uint32_t i = 0; i < d.n; i++)
		free(d.keys[i]);
	free(d.keys);
	free(prefix);
	gt_wal_forget(e->wal, region_id, NULL);
	snprintf(path, sizeof(path), "%s/%" PRIu64, e->wal_root, region_id);
	gt_rm_tree(path);   /* a per-region WAL of an older gt, if any */
	return rc == GT_ENOTFOUND ? 0 : rc;
}

int gt_engine_foreach(struct gt_engine *e, int (*fn)(void *ctx, struct gt_region *r), void *ctx)
{
	uint64_t *ids;
	uint32_t n;
	int rc = 0;

	pthread_mutex_lock(&e->mu);
	n = e->nslots;
	ids = gt_calloc(n + 1, sizeof(*ids));
	for (uint32_t i = 0; ids && i < n; i++)
		ids[i] = e->slots[i].id;
	pthread_mutex_unlock(&e->mu);
	if (!ids)
		return GT_ENOMEM;
	for (uint32_t i = 0; i < n && !rc; i++) {
		struct gt_region *r = gt_engine_region(e, ids[i]);
		if (r)
			rc = fn(ctx, r);
	}
	free(ids);
	return rc;
}

void gt_engine_quiesce(struct gt_engine *e)
{
	pthread_mutex_lock(&e->mu);
	while (e->flushq.n || e->flushq.busy || e->compactq.n || e->compactq.busy)
		pthread_cond_wait(&e->idle, &e->mu);
	pthread_mutex_unlock(&e->mu);
}

void gt_engine_close(struct gt_engine *e, int flush)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = true;
	e->compactq.n = 0;   /* compaction can wait for the next start */
	pthread_cond_broadcast(&e->flushq.cond);
	pthread_cond_broadcast(&e->compactq.cond);
	pthread_mutex_unlock(&e->mu);
	if (e->flushq.started)
		pthread_join(e->flushq.thread, NULL);
	if (e->compactq.started)
		pthread_join(e->compactq.thread, NULL);
	for (uint32_t i = 0; i < e->nslots; i++)
		if (e->slots[i].r)
			gt_region_close(e->slots[i].r, flush);
	gt_wal_close(e->wal);
	free(e->slots);
	free(e->flushq.ids);
	free(e->compactq.ids);
	if (e->cache)
		gt_cache_free(e->cache);
	if (e->store)
		gt_objstore_close(e->store);
	if (e->lock_fd >= 0)
		close(e->lock_fd);
	pthread_mutex_destroy(&e->mu);
	pthread_cond_destroy(&e->idle);
	pthread_cond_destroy(&e->ready);
	pthread_cond_destroy(&e->flushq.cond);
	pthread_cond_destroy(&e->compactq.cond);
	free(e->home);
	free(e);
}
