/* meta-api.c - gt-meta's HTTP API from the client side, and the remote KV (meta-api.h). */
#include "meta-api.h"
#include "kv.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>

#define POOL 8
#define RESP_MAX ((size_t)256 << 20)

struct cached_route {
	uint64_t region_id;
	char addr[GT_META_ADDR_MAX];
	int64_t at_ms;
};

struct gt_meta_api {
	char *addr, *base;
	struct gt_meta_api_opts o;
	pthread_mutex_t mu;
	CURL *idle[POOL];
	unsigned nidle;
	struct cached_route *cache;
	size_t ncache, capcache;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int gt_meta_api_new(struct gt_meta_api **out, const char *addr, const struct gt_meta_api_opts *o,
		    struct gt_err *err)
{
	struct gt_meta_api *a = gt_calloc(1, sizeof(*a));
	struct gt_buf base = {0};

	if (!addr || !*addr || strchr(addr, '/') || strchr(addr, ' '))
		return free(a), gt_errf(err, GT_EINVAL, "'%s' is not a gt-meta address (HOST:PORT)", addr ? addr : "");
	if (!a || !(a->addr = gt_strdup(addr)) || gt_buf_addf(&base, "http://%s", addr)) {
		if (a)
			free(a->addr);
		free(a);
		gt_buf_release(&base);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	pthread_once(&curl_once, curl_init_once);
	a->base = gt_buf_detach(&base, NULL);
	if (o)
		a->o = *o;
	if (!a->o.connect_ms)
		a->o.connect_ms = 2000;
	if (!a->o.timeout_ms)
		a->o.timeout_ms = 10000;
	if (!a->o.route_ttl_ms)
		a->o.route_ttl_ms = 10000;
	pthread_mutex_init(&a->mu, NULL);
	*out = a;
	return 0;
}

void gt_meta_api_free(struct gt_meta_api *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->nidle; i++)
		curl_easy_cleanup(a->idle[i]);
	pthread_mutex_destroy(&a->mu);
	free(a->cache);
	free(a->addr);
	free(a->base);
	free(a);
}

const char *gt_meta_api_addr(const struct gt_meta_api *a)
{
	return a->addr;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	return gt_buf_add(ctx, p, size * nmemb) ? 0 : size * nmemb;
}

int gt_meta_request(struct gt_meta_api *a, const char *method, const char *path, const void *body, size_t n,
		    int *status, struct gt_buf *resp, struct gt_err *err)
{
	struct gt_buf url = {0};
	struct curl_slist *hdr = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long code = 0;
	int rc = 0;

	pthread_mutex_lock(&a->mu);
	if (a->nidle)
		c = a->idle[--a->nidle];
	pthread_mutex_unlock(&a->mu);
	if (!c && !(c = curl_easy_init()))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	curl_easy_reset(c);
	if (gt_buf_addstr(&url, a->base) || gt_buf_addstr(&url, path)) {
		rc = gt_errf(err, GT_ENOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url.p);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)a->o.connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)a->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		hdr = curl_slist_append(hdr, "Expect:");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	} else if (!strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	cc = curl_easy_perform(c);
	if (cc == CURLE_WRITE_ERROR) {
		rc = gt_errf(err, GT_ETOOBIG, "gt-meta %s: answer to %s %s is over %zu bytes", a->addr, method, path,
			     resp->max ? resp->max : GT_BUF_MAX);
	} else if (cc != CURLE_OK) {
		rc = gt_errf(err, GT_EAGAIN, "gt-meta %s: %s", a->addr, curl_easy_strerror(cc));
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		*status = (int)code;
	}
out:
	curl_slist_free_all(hdr);
	gt_buf_release(&url);
	pthread_mutex_lock(&a->mu);
	if (a->nidle < POOL) {
		a->idle[a->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&a->mu);
	if (c)
		curl_easy_cleanup(c);
	return rc;
}

/*
 * A request whose answer is JSON: *out gets the decoded object on 2xx.
 * Other statuses become errors carrying gt-meta's {"error":...} text; an
 * expect_status (e.g. 409) is passed through as 0 with *out and *status.
 */
static int call(struct gt_meta_api *a, const char *method, const char *path, json_t *body, int expect_status,
		int *status, json_t **out, struct gt_err *err)
{
	struct gt_buf resp;
	char *text = NULL;
	int st = 0, rc;
	json_t *j = NULL;

	*out = NULL;
	if (body && !(text = json_dumps(body, JSON_COMPACT)))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	gt_buf_init(&resp, RESP_MAX);
	rc = gt_meta_request(a, method, path, text, text ? strlen(text) : 0, &st, &resp, err);
	free(text);
	if (!rc) {
		j = json_loadb(resp.p ? resp.p : "", resp.len, 0, NULL);
		if (status)
			*status = st;
		if ((st >= 200 && st < 300) || st == expect_status) {
			if (!json_is_object(j))
				rc = gt_errf(err, GT_ECORRUPT, "gt-meta %s: %s %s: the answer is not a JSON object", a->addr,
					     method, path);
		} else {
			const char *msg = json_string_value(json_object_get(j, "error"));
			int code = st == 404 ? GT_ENOTFOUND : st == 409 ? GT_EAGAIN : st >= 500 ? GT_EAGAIN : GT_EINVAL;
			rc = gt_errf(err, code, "gt-meta %s: %s %s: %d %s", a->addr, method, path, st,
				     msg ? msg : "(no error message)");
		}
	}
	gt_buf_release(&resp);
	if (rc)
		json_decref(j);
	else
		*out = j;
	return rc;
}

static int64_t u_of(json_t *j)
{
	json_int_t v = json_integer_value(j);
	return json_is_integer(j) && v >= 0 ? (int64_t)v : -1;
}

static int copy_str(char *dst, size_t n, json_t *j)
{
	const char *s = json_string_value(j);
	if (!s || strlen(s) >= n)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int routes_from(struct gt_meta_api *a, json_t *arr, struct gt_meta_route **routes, size_t *n,
		       struct gt_err *err)
{
	size_t cnt = json_array_size(arr), i;
	struct gt_meta_route *r = gt_calloc(cnt ? cnt : 1, sizeof(*r));
	json_t *e;

	if (!json_is_array(arr)) {
		free(r);
		return gt_errf(err, GT_ECORRUPT, "gt-meta %s: no routes in the answer", a->addr);
	}
	if (!r)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	json_array_foreach(arr, i, e) {
		int64_t rid = u_of(json_object_get(e, "region_id")), node = u_of(json_object_get(e, "node_id"));
		const char *state = json_string_value(json_object_get(e, "state"));
		if (rid < 0 || node < 0 || copy_str(r[i].addr, sizeof(r[i].addr), json_object_get(e, "addr"))) {
			free(r);
			return gt_errf(err, GT_ECORRUPT, "gt-meta %s: malformed route %zu", a->addr, i);
		}
		r[i].region_id = (uint64_t)rid;
		r[i].node_id = (uint64_t)node;
		r[i].alive = !state || !strcmp(state, "alive");
		r[i].down_seconds = GT_MAX(u_of(json_object_get(e, "down_seconds")), 0);
	}
	*routes = r;
	*n = cnt;
	return 0;
}

int gt_meta_heartbeat(struct gt_meta_api *a, uint64_t node_id, const char *addr,
		      const struct gt_meta_region_stat *regions, size_t n, int64_t *lease_ms,
		      struct gt_meta_region **open, size_t *nopen, struct gt_err *err)
{
	json_t *arr = json_array(), *body, *res = NULL, *o, *e;
	struct gt_meta_region *out = NULL;
	size_t i, cnt;
	int rc;

	*open = NULL;
	*nopen = 0;
	for (i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:I,s:I,s:I,s:I}", "region_id", (json_int_t)regions[i].region_id,
						     "rows", (json_int_t)regions[i].rows, "bytes",
						     (json_int_t)regions[i].bytes, "memtable_bytes",
						     (json_int_t)regions[i].memtable_bytes));
	body = arr ? json_pack("{s:I,s:s,s:o}", "node_id", (json_int_t)node_id, "addr", addr, "regions", arr) : NULL;
	if (!body)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = call(a, "POST", "/v1/heartbeat", body, 0, NULL, &res, err);
	json_decref(body);
	if (rc)
		return rc;
	o = json_object_get(res, "open");
	cnt = json_array_size(o);
	if (u_of(json_object_get(res, "lease_ms")) < 0 || !json_is_array(o) ||
	    !(out = gt_calloc(cnt ? cnt : 1, sizeof(*out)))) {
		rc = gt_errf(err, out ? GT_ECORRUPT : GT_ECORRUPT, "gt-meta %s: malformed heartbeat answer", a->addr);
		goto done;
	}
	*lease_ms = u_of(json_object_get(res, "lease_ms"));
	json_array_foreach(o, i, e) {
		int64_t rid = u_of(json_object_get(e, "region_id"));
		if (rid < 0 || copy_str(out[i].dir, sizeof(out[i].dir), json_object_get(e, "dir"))) {
			rc = gt_errf(err, GT_ECORRUPT, "gt-meta %s: malformed region to open", a->addr);
			goto done;
		}
		out[i].region_id = (uint64_t)rid;
	}
	*open = out;
	*nopen = cnt;
	out = NULL;
done:
	free(out);
	json_decref(res);
	return rc;
}

static void cache_put(struct gt_meta_api *a, const struct gt_meta_route *r, size_t n)
{
	int64_t now = gt_mono_ns() / 1000000;
	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < a->ncache && a->cache[k].region_id != r[i].region_id; k++)
			;
		if (k == a->ncache) {
			if (a->ncache == a->capcache) {
				size_t cap = a->capcache ? a->capcache * 2 : 64;
				struct cached_route *nc = gt_reallocarray(a->cache, cap, sizeof(*nc));
				if (!nc)
					break;
				a->cache = nc;
				a->capcache = cap;
			}
			a->ncache++;
		}
		a->cache[k].region_id = r[i].region_id;
		memcpy(a->cache[k].addr, r[i].addr, sizeof(r[i].addr));
		a->cache[k].at_ms = now;
	}
	pthread_mutex_unlock(&a->mu);
}

int gt_meta_place(struct gt_meta_api *a, const struct gt_meta_region *regions, size_t n,
		  struct gt_meta_route **routes, size_t *nroutes, struct gt_err *err)
{
	json_t *arr = json_array(), *body, *res = NULL;
	int rc;

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:I,s:s}", "region_id", (json_int_t)regions[i].region_id, "dir",
						     regions[i].dir));
	body = arr ? json_pack("{s:o}", "regions", arr) : NULL;
	if (!body)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	rc = call(a, "POST", "/v1/place", body, 0, NULL, &res, err);
	json_decref(body);
	if (!rc && !(rc = routes_from(a, json_object_get(res, "routes"), routes, nroutes, err)))
		cache_put(a, *routes, *nroutes);
	json_decref(res);
	return rc;
}

int gt_meta_routes(struct gt_meta_api *a, uint64_t region_id, struct gt_meta_route **routes, size_t *n,
		   struct gt_err *err)
{
	char path[64];
	json_t *res = NULL;
	int rc;

	if (region_id)
		snprintf(path, sizeof(path), "/v1/routes?region_id=%" PRIu64, region_id);
	else
		snprintf(path, sizeof(path), "/v1/routes");
	rc = call(a, "GET", path, NULL, 0, NULL, &res, err);
	if (!rc && !(rc = routes_from(a, json_object_get(res, "routes"), routes, n, err)))
		cache_put(a, *routes, *n);
	json_decref(res);
	return rc;
}

int gt_meta_route_delete(struct gt_meta_api *a, uint64_t region_id, struct gt_err *err)
{
	char path[64];
	json_t *res = NULL;
	int rc;

	snprintf(path, sizeof(path), "/v1/routes/%" PRIu64, region_id);
	rc = call(a, "DELETE", path, NULL, 0, NULL, &res, err);
	json_decref(res);
	pthread_mutex_lock(&a->mu);
	for (size_t k = 0; k < a->ncache; k++)
		if (a->cache[k].region_id == region_id)
			a->cache[k] = a->cache[--a->ncache];
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gt_meta_nodes(struct gt_meta_api *a, struct gt_meta_node **nodes, size_t *n, struct gt_err *err)
{
	json_t *res = NULL, *arr, *e;
	struct gt_meta_node *out;
	size_t i, cnt;
	int rc;

	if ((rc = call(a, "GET", "/v1/nodes", NULL, 0, NULL, &res, err)))
		return rc;
	arr = json_object_get(res, "nodes");
	cnt = json_array_size(arr);
	if (!json_is_array(arr) || !(out = gt_calloc(cnt ? cnt : 1, sizeof(*out)))) {
		json_decref(res);
		return gt_errf(err, GT_ECORRUPT, "gt-meta %s: no nodes in the answer", a->addr);
	}
	json_array_foreach(arr, i, e) {
		int64_t id = u_of(json_object_get(e, "node_id"));
		const char *state = json_string_value(json_object_get(e, "state"));
		if (id < 0 || copy_str(out[i].addr, sizeof(out[i].addr), json_object_get(e, "addr"))) {
			free(out);
			json_decref(res);
			return gt_errf(err, GT_ECORRUPT, "gt-meta %s: malformed node %zu", a->addr, i);
		}
		out[i].node_id = (uint64_t)id;
		out[i].alive = state && !strcmp(state, "alive");
		out[i].last_heartbeat_ms = u_of(json_object_get(e, "last_heartbeat_ms"));
		out[i].lease_ms = u_of(json_object_get(e, "lease_ms"));
		out[i].regions = (uint64_t)GT_MAX(u_of(json_object_get(e, "regions")), 0);
	}
	json_decref(res);
	*nodes = out;
	*n = cnt;
	return 0;
}

int gt_meta_locate(void *ctx, uint64_t region_id, bool refresh, char *addr, size_t n, struct gt_err *err)
{
	struct gt_meta_api *a = ctx;
	struct gt_meta_route *r = NULL;
	int64_t now = gt_mono_ns() / 1000000;
	size_t nr = 0;
	int rc;

	if (!refresh) {
		bool hit = false;
		pthread_mutex_lock(&a->mu);
		for (size_t k = 0; k < a->ncache; k++) {
			if (a->cache[k].region_id == region_id && now - a->cache[k].at_ms < a->o.route_ttl_ms) {
				snprintf(addr, n, "%s", a->cache[k].addr);
				hit = true;
				break;
			}
		}
		pthread_mutex_unlock(&a->mu);
		if (hit)
			return 0;
	}
	if ((rc = gt_meta_routes(a, region_id, &r, &nr, err)))
		return rc;
	if (!nr || !r[0].addr[0])
		rc = gt_errf(err, GT_ENOTFOUND, "region %" PRIu64 " has no route in gt-meta %s", region_id, a->addr);
	else if ((size_t)snprintf(addr, n, "%s", r[0].addr) >= n)
		rc = gt_errf(err, GT_ETOOBIG, "address of region %" PRIu64 " is too long", region_id);
	free(r);
	return rc;
}

/* --- the KV of kv.h over /v1/kv --- */

struct kv_remote {
	struct gt_kv kv;
	struct gt_meta_api *a;
};

static int kv_path(struct gt_buf *p, const char *prefix, const char *key, const char *arg, uint64_t v)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = gt_buf_addstr(p, prefix);
	for (const unsigned char *s = (const unsigned char *)key; *s && !rc; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		    *s == '_' || *s == '.' || *s == '/' || *s == '~') {
			rc = gt_buf_addch(p, *s);
		} else {
			char e[3] = {'%', hex[*s >> 4], hex[*s & 15]};
			rc = gt_buf_add(p, e, 3);
		}
	}
	if (!rc && arg)
		rc = gt_buf_addf(p, "%s%" PRIu64, arg, v);
	return rc;
}

static int r_get(struct gt_kv *kv, const char *key, uint64_t known_rev, struct gt_buf *val, uint64_t *rev,
		 struct gt_err *err)
{
	struct kv_remote *r = (struct kv_remote *)kv;
	struct gt_buf p = {0};
	json_t *res = NULL, *v;
	int rc;

	if (kv_path(&p, "/v1/kv/", key, known_rev ? "?known_rev=" : NULL, known_rev)) {
		gt_buf_release(&p);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	rc = call(r->a, "GET", p.p, NULL, 0, NULL, &res, err);
	gt_buf_release(&p);
	if (rc == GT_ENOTFOUND)
		rc = gt_errf(err, GT_ENOTFOUND, "key '%s' does not exist", key);
	if (rc)
		return rc;
	*rev = (uint64_t)GT_MAX(u_of(json_object_get(res, "rev")), 0);
	v = json_object_get(res, "value");
	if (json_is_true(json_object_get(res, "unchanged")) && known_rev == *rev)
		rc = 1;
	else if (!json_is_string(v))
		rc = gt_errf(err, GT_ECORRUPT, "gt-meta %s: no value for key '%s'", r->a->addr, key);
	else if (gt_buf_add(val, json_string_value(v), json_string_length(v)))
		rc = gt_errf(err, GT_ETOOBIG, "value of key '%s' is over %zu bytes", key, val->max);
	json_decref(res);
	return rc;
}

static int r_change(struct kv_remote *r, const char *method, const char *key, const void *p, size_t n,
		    uint64_t *rev, struct gt_err *err)
{
	struct gt_buf path = {0}, resp;
	json_t *res = NULL;
	int st = 0, rc;

	if (kv_path(&path, "/v1/kv/", key, "?rev=", *rev)) {
		gt_buf_release(&path);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	gt_buf_init(&resp, RESP_MAX);
	rc = gt_meta_request(r->a, method, path.p, p ? p : "", p ? n : 0, &st, &resp, err);
	if (!rc) {
		const char *msg;
		res = json_loadb(resp.p ? resp.p : "", resp.len, 0, NULL);
		msg = json_string_value(json_object_get(res, "error"));
		if (st == 200) {
			if (p)
				*rev = (uint64_t)GT_MAX(u_of(json_object_get(res, "rev")), 0);
		} else if (st == 409) {
			*rev = (uint64_t)GT_MAX(u_of(json_object_get(res, "rev")), 0);
			rc = gt_errf(err, GT_EAGAIN, "revision mismatch on key '%s'", key);
		} else {
			rc = gt_errf(err, st == 404 ? GT_ENOTFOUND : st == 413 ? GT_ETOOBIG : st >= 500 ? GT_EAGAIN : GT_EINVAL,
				     "gt-meta %s: %s key '%s': %d %s", r->a->addr, method, key, st, msg ? msg : "");
		}
	}
	json_decref(res);
	gt_buf_release(&path);
	gt_buf_release(&resp);
	return rc;
}

static int r_put(struct gt_kv *kv, const char *key, const void *p, size_t n, uint64_t *rev, struct gt_err *err)
{
	return r_change((struct kv_remote *)kv, "PUT", key, p, n, rev, err);
}

static int r_del(struct gt_kv *kv, const char *key, uint64_t *rev, struct gt_err *err)
{
	return r_change((struct kv_remote *)kv, "DELETE", key, NULL, 0, rev, err);
}

static int r_list(struct gt_kv *kv, const char *prefix, gt_kv_list_fn fn, void *ctx, struct gt_err *err)
{
	struct kv_remote *r = (struct kv_remote *)kv;
	struct gt_buf p = {0};
	json_t *res = NULL, *items, *e;
	size_t i;
	int rc;

	if (kv_path(&p, "/v1/kv?prefix=", prefix, NULL, 0)) {
		gt_buf_release(&p);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	rc = call(r->a, "GET", p.p, NULL, 0, NULL, &res, err);
	gt_buf_release(&p);
	if (rc)
		return rc;
	items = json_object_get(res, "items");
	json_array_foreach(items, i, e) {
		const char *k = json_string_value(json_object_get(e, "key"));
		json_t *v = json_object_get(e, "value");
		if (!k)
			continue;
		if ((rc = fn(ctx, k, (uint64_t)GT_MAX(u_of(json_object_get(e, "rev")), 0),
			     json_is_string(v) ? json_string_value(v) : "", json_string_length(v))))
			break;
	}
	json_decref(res);
	return rc;
}

static void r_close(struct gt_kv *kv)
{
	free(kv);
}

static const struct gt_kv_ops remote_ops = {r_get, r_put, r_del, r_list, r_close};

int gt_meta_kv_open(struct gt_kv **out, struct gt_meta_api *a, struct gt_err *err)
{
	struct kv_remote *r = gt_calloc(1, sizeof(*r));
	if (!r)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	r->kv.ops = &remote_ops;
	r->a = a;
	*out = &r->kv;
	return 0;
}
