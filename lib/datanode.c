/* datanode.c - gt-data serve: engine + region RPC server + heartbeats to gt-meta (datanode.h). */
#include "datanode.h"
#include "engine.h"
#include "region_server.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <time.h>

#define REPLY_MAX (4u << 20)

struct gt_datanode {
	struct gt_datanode_opts o;
	char *meta_url;
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

static int add_region(void *ctx, struct gt_region *r)
{
	json_t *arr = ctx;
	struct gt_region_stats s;
	gt_region_stats(r, &s);
	json_array_append_new(arr, json_pack("{s:I,s:I,s:I,s:I}", "region_id", (json_int_t)gt_region_id(r),
					     "rows", (json_int_t)s.file_rows, "bytes",
					     (json_int_t)(s.file_bytes + s.memtable_bytes), "memtable_bytes",
					     (json_int_t)s.memtable_bytes));
	return 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
	struct gt_buf *b = ctx;
	return gt_buf_add(b, p, sz * n) ? 0 : sz * n;
}

/* Open the regions the answer lists. */
static void open_listed(struct gt_datanode *d, json_t *reply)
{
	json_t *open = json_object_get(reply, "open"), *it;
	size_t i;
	json_array_foreach(open, i, it) {
		json_t *id = json_object_get(it, "region_id");
		const char *dir = json_string_value(json_object_get(it, "dir"));
		struct gt_err err = {0};
		if (!json_is_integer(id) || !dir) {
			dlog(d, "heartbeat: gt-meta listed a region without region_id or dir");
			continue;
		}
		if (d->client.ops->open(d->client.self, (uint64_t)json_integer_value(id), dir, &err))
			dlog(d, "cannot open region %" PRIu64 " ('%s'): %s", (uint64_t)json_integer_value(id), dir,
			     err.msg);
		else
			dlog(d, "opened region %" PRIu64 " ('%s') as gt-meta asked", (uint64_t)json_integer_value(id),
			     dir);
	}
}

/* One heartbeat: 0 when gt-meta answered 200. */
static int heartbeat(struct gt_datanode *d, struct gt_err *err)
{
	json_t *body = json_object(), *regions = json_array(), *reply;
	struct gt_buf resp;
	struct curl_slist *hdrs = NULL;
	char *text;
	CURL *h;
	CURLcode cc;
	long status = 0;
	json_error_t je;
	int rc = 0;

	gt_engine_foreach(d->engine, add_region, regions);
	json_object_set_new(body, "node_id", json_integer((json_int_t)d->o.node_id));
	json_object_set_new(body, "addr", json_string(gt_region_server_addr(d->server)));
	json_object_set_new(body, "regions", regions);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text || !(h = curl_easy_init())) {
		free(text);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	gt_buf_init(&resp, REPLY_MAX);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, d->meta_url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	free(text);
	if (cc != CURLE_OK)
		rc = gt_errf(err, GT_EIO, "heartbeat to %s: %s", d->o.meta, curl_easy_strerror(cc));
	else if (status != 200)
		rc = gt_errf(err, GT_EIO, "heartbeat to %s: HTTP %ld: %.200s", d->o.meta, status,
			     resp.p ? resp.p : "");
	else if (!(reply = json_loadb(resp.p ? resp.p : "", resp.len, 0, &je)))
		rc = gt_errf(err, GT_ECORRUPT, "heartbeat to %s: bad JSON answer: %s", d->o.meta, je.text);
	else {
		open_listed(d, reply);
		json_decref(reply);
	}
	gt_buf_release(&resp);
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
	size_t ulen;
	int rc;

	if (!d)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	d->o = *o;
	if (d->o.heartbeat_ms <= 0)
		d->o.heartbeat_ms = 1000;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	ulen = strlen(o->meta) + 32;
	if (!(d->meta_url = gt_malloc(ulen))) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(d->meta_url, ulen, "http://%s/v1/heartbeat", o->meta);
	eo.data_home = o->data_home;
	eo.wal.sync = (uint8_t)o->wal_sync;
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
	free(d->meta_url);
	free(d);
}
