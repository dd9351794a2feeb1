/* datanode.c - gt-data serve: engine + region RPC server + heartbeats to gt-meta (datanode.h). */
#include "datanode.h"
#include "engine.h"
#include "region_server.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <time.h>

#include "meta-api.h"

struct gt_datanode {
	struct gt_datanode_opts o;
	struct gt_meta_api *meta;
	struct gt_engine *engine;
	struct gt_region_client client;
	struct gt_region_server *server;
	pthread_t hb;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, ready, hb_started;
	char last_err[512];
};

static void dlog(struct gt_datanode *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dlog(struct gt_datanode *d, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	if (!d->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->o.log(d->o.log_ctx, msg);
}

/* The region statistics a heartbeat reports. */
struct stats_acc {
	struct gt_meta_region_stat *v;
	size_t n, cap;
};

static int add_region(void *ctx, struct gt_region *r)
{
	struct stats_acc *a = ctx;
	struct gt_region_stats s;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct gt_meta_region_stat *v = gt_reallocarray(a->v, cap, sizeof(*v));
		if (!v)
			return GT_ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	gt_region_stats(r, &s);
	a->v[a->n++] = (struct gt_meta_region_stat){
		.region_id = gt_region_id(r), .rows = s.file_rows,
		.bytes = s.file_bytes + s.memtable_bytes, .memtable_bytes = s.memtable_bytes,
	};
	return 0;
}

/* One heartbeat; opens the regions gt-meta routes here that were not reported. */
static int heartbeat(struct gt_datanode *d, struct gt_err *err)
{
	struct stats_acc acc = {0};
	struct gt_meta_region *open = NULL;
	size_t nopen = 0;
	int64_t lease;
	int rc = gt_engine_foreach(d->engine, add_region, &acc);

	if (rc)
		rc = gt_errf(err, rc, "out of memory");
	else
		rc = gt_meta_heartbeat(d->meta, d->o.node_id, gt_region_server_addr(d->server), acc.v, acc.n,
				       &lease, &open, &nopen, err);
	for (size_t i = 0; !rc && i < nopen; i++) {
		struct gt_err e = {0};
		if (d->client.ops->open(d->client.self, open[i].region_id, open[i].dir, &e))
			dlog(d, "cannot open region %" PRIu64 " ('%s'): %s", open[i].region_id, open[i].dir, e.msg);
		else
			dlog(d, "opened region %" PRIu64 " ('%s') as gt-meta asked", open[i].region_id, open[i].dir);
	}
	free(open);
	free(acc.v);
	return rc;
}

static void *hb_main(void *arg)
{
	struct gt_datanode *d = arg;
	bool failing = false;
	pthread_mutex_lock(&d->mu);
	while (!d->stop) {
		struct gt_err err = {0};
		struct timespec ts;
		int rc;
		pthread_mutex_unlock(&d->mu);
		rc = heartbeat(d, &err);
		/* say so when heartbeats start or stop failing, not every time */
		if (rc && !failing)
			dlog(d, "%s", err.msg);
		else if (!rc && failing)
			dlog(d, "heartbeat to %s answered again", d->o.meta);
		failing = rc != 0;
		pthread_mutex_lock(&d->mu);
		if (!rc)
			d->ready = true;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += d->o.heartbeat_ms / 1000;
		ts.tv_nsec += (long)(d->o.heartbeat_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		while (!d->stop && pthread_cond_timedwait(&d->cv, &d->mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int gt_datanode_start(struct gt_datanode **out, const struct gt_datanode_opts *o, struct gt_err *err)
{
	struct gt_datanode *d = gt_calloc(1, sizeof(*d));
	struct gt_engine_opts eo = {0};
	struct gt_region_server_opts so = {0};
	int rc;

	if (!d)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	d->o = *o;
	if (d->o.heartbeat_ms <= 0)
		d->o.heartbeat_ms = 1000;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	if ((rc = gt_meta_api_new(&d->meta, o->meta, NULL, err)))
		goto fail;
	eo.data_home = o->data_home;
	eo.wal.sync = (uint8_t)o->wal_sync;
	if (o->wal_purge_bytes)
		gt_wal_opts_purge(&eo.wal, o->wal_purge_bytes);
	eo.memtable_bytes = (size_t)o->memtable_bytes;
	eo.background = true;
	eo.auto_compact = true;
	eo.log = o->log;
	eo.log_ctx = o->log_ctx;
	if ((rc = gt_engine_open(&d->engine, &eo, err)))
		goto fail;
	gt_region_client_local(&d->client, d->engine);
	so.addr = o->addr;
	so.log = o->log;
	so.log_ctx = o->log_ctx;
	if ((rc = gt_region_server_open(&d->server, &so, &d->client, err)))
		goto fail;
	if (pthread_create(&d->hb, NULL, hb_main, d)) {
		rc = gt_errf(err, GT_EIO, "cannot start the heartbeat thread");
		goto fail;
	}
	d->hb_started = true;
	*out = d;
	return 0;
fail:
	gt_datanode_stop(d);
	return rc;
}

bool gt_datanode_ready(struct gt_datanode *d)
{
	bool r;
	pthread_mutex_lock(&d->mu);
	r = d->ready;
	pthread_mutex_unlock(&d->mu);
	return r;
}

const char *gt_datanode_addr(const struct gt_datanode *d)
{
	return gt_region_server_addr(d->server);
}

void gt_datanode_stop(struct gt_datanode *d)
{
	if (!d)
		return;
	if (d->hb_started) {
		pthread_mutex_lock(&d->mu);
		d->stop = true;
		pthread_cond_broadcast(&d->cv);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->hb, NULL);
	}
	gt_region_server_close(d->server);
	if (d->engine)
		gt_engine_close(d->engine, 1);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	gt_meta_api_free(d->meta);
	free(d);
}
