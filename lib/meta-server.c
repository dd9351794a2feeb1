/* meta-server.c - gt-meta's HTTP+JSON API over a directory KV (meta-server.h, gt-meta-api(5)). */
#include "meta-server.h"
#include "http.h"
#include "kv.h"
#include "meta-api.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <time.h>

#define MAX_NODES 4096
#define MAX_ROUTES (1u << 20)
#define MAX_PLACE 65536

struct node {
	uint64_t id, rev;
	char addr[GT_META_ADDR_MAX];
	int64_t hb_mono_ms, hb_wall_ms;
	bool dead_logged;
};

struct route {
	uint64_t region_id, node_id, rev;
	char dir[GT_META_DIR_MAX];
};

struct gt_meta_server {
	struct gt_meta_server_opts o;
	struct gt_http *http;
	struct gt_kv *kv;
	pthread_mutex_t mu;
	struct node *nodes;
	size_t nnodes, capnodes;
	struct route *routes;
	size_t nroutes, caproutes;
	pthread_t ticker;
	bool ticker_started, stopping;
	pthread_cond_t tick;
};

static int64_t mono_ms(void)
{
	return gt_mono_ns() / 1000000;
}

static int64_t wall_ms(void)
{
	return gt_now_ns() / 1000000;
}

static void logf_(struct gt_meta_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct gt_meta_server *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!s->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->o.log(s->o.log_ctx, msg);
}

/* --- responses --- */

static void reply(struct gt_http_resp *rs, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	rs->ctype = "application/json";
	gt_buf_reset(&rs->body);
	if (!text) {
		rs->status = 500;
		gt_buf_addstr(&rs->body, "{\"error\":\"out of memory\"}\n");
		return;
	}
	rs->status = status;
	gt_buf_addstr(&rs->body, text);
	gt_buf_addch(&rs->body, '\n');
	free(text);
}

static void fail(struct gt_http_resp *rs, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct gt_http_resp *rs, int status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply(rs, status, json_pack("{s:s}", "error", msg));
}

static int status_of(int code)
{
	switch (code) {
	case GT_ENOTFOUND: return 404;
	case GT_EINVAL: return 400;
	case GT_ETOOBIG: return 413;
	case GT_EAGAIN: return 409;
	default: return 500;
	}
}

static void error_body(void *ctx, struct gt_http_resp *rs, const char *msg)
{
	int status = rs->status;
	reply(rs, status, json_pack("{s:s}", "error", msg));
}

/* A JSON integer in 0..2^53-1, or -1. */
static int64_t uint_of(json_t *j)
{
	json_int_t v;
	if (!json_is_integer(j))
		return -1;
	v = json_integer_value(j);
	return v < 0 || (uint64_t)v > GT_KV_REV_MASK ? -1 : (int64_t)v;
}

/* A decimal query argument in 0..2^53-1: 0, or -1 if malformed, -2 if absent. */
static int arg_u64(struct gt_http_req *rq, const char *name, uint64_t *out)
{
	const char *s = gt_http_arg(rq, name);
	char *end;
	if (!s)
		return -2;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out > GT_KV_REV_MASK ? -1 : 0;
}

static json_t *parse_body(struct gt_http_req *rq, struct gt_http_resp *rs)
{
	size_t n;
	char *body = gt_http_body(rq, &n);
	json_error_t je;
	json_t *j = json_loadb(body ? body : "", n, 0, &je);
	if (!j)
		fail(rs, 400, "malformed JSON at line %d column %d: %s", je.line, je.column, je.text);
	else if (!json_is_object(j)) {
		json_decref(j);
		j = NULL;
		fail(rs, 400, "the body must be a JSON object");
	}
	return j;
}

/* --- state --- */

static struct node *node_find(struct gt_meta_server *s, uint64_t id)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].id == id)
			return &s->nodes[i];
	return NULL;
}

static struct route *route_find(struct gt_meta_server *s, uint64_t rid)
{
	for (size_t i = 0; i < s->nroutes; i++)
		if (s->routes[i].region_id == rid)
			return &s->routes[i];
	return NULL;
}

static bool alive(const struct gt_meta_server *s, const struct node *n, int64_t now)
{
	return n && now - n->hb_mono_ms <= s->o.lease_ms;
}

static uint64_t routes_on(const struct gt_meta_server *s, uint64_t node_id)
{
	uint64_t k = 0;
	for (size_t i = 0; i < s->nroutes; i++)
		k += s->routes[i].node_id == node_id;
	return k;
}

static struct node *node_add(struct gt_meta_server *s, uint64_t id)
{
	if (s->nnodes == s->capnodes) {
		size_t cap = s->capnodes ? s->capnodes * 2 : 8;
		struct node *nn = cap > MAX_NODES ? NULL : gt_reallocarray(s->nodes, cap, sizeof(*nn));
		if (!nn)
			return NULL;
		s->nodes = nn;
		s->capnodes = cap;
	}
	memset(&s->nodes[s->nnodes], 0, sizeof(s->nodes[0]));
	s->nodes[s->nnodes].id = id;
	return &s->nodes[s->nnodes++];
}

static struct route *route_add(struct gt_meta_server *s, uint64_t rid)
{
	if (s->nroutes == s->caproutes) {
		size_t cap = s->caproutes ? s->caproutes * 2 : 64;
		struct route *nr = cap > MAX_ROUTES ? NULL : gt_reallocarray(s->routes, cap, sizeof(*nr));
		if (!nr)
			return NULL;
		s->routes = nr;
		s->caproutes = cap;
	}
	memset(&s->routes[s->nroutes], 0, sizeof(s->routes[0]));
	s->routes[s->nroutes].region_id = rid;
	return &s->routes[s->nroutes++];
}

/* Write a key gt-meta owns: its known revision first, then (someone wrote
 * it through another way) the current one. */
static int store(struct gt_meta_server *s, const char *key, json_t *j, uint64_t *rev, struct gt_err *err)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int rc = GT_EAGAIN;
	json_decref(j);
	if (!text)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	for (int tries = 0; tries < 3 && rc == GT_EAGAIN; tries++) {
		uint64_t r = *rev;
		rc = gt_kv_put(s->kv, key, text, strlen(text), &r, err);
		*rev = r;
	}
	free(text);
	return rc;
}

static int unstore(struct gt_meta_server *s, const char *key, uint64_t rev, struct gt_err *err)
{
	int rc = GT_EAGAIN;
	for (int tries = 0; tries < 3 && rc == GT_EAGAIN; tries++)
		rc = gt_kv_delete(s->kv, key, &rev, err);
	return rc == GT_ENOTFOUND ? 0 : rc;
}

static int load_node(void *ctx, const char *key, uint64_t rev, const char *value, size_t n)
{
	struct gt_meta_server *s = ctx;
	json_t *j = json_loadb(value, n, 0, NULL);
	const char *addr = json_string_value(json_object_get(j, "addr"));
	uint64_t id;
	char *end;
	struct node *nd;

	errno = 0;
	id = strtoull(key + 6, &end, 10);
	if (!errno && !*end && end != key + 6 && addr && strlen(addr) < GT_META_ADDR_MAX && !node_find(s, id) &&
	    (nd = node_add(s, id))) {
		snprintf(nd->addr, sizeof(nd->addr), "%s", addr);
		nd->rev = rev;
		nd->hb_mono_ms = mono_ms();
		nd->hb_wall_ms = wall_ms();
	} else {
		logf_(s, "ignoring malformed KV key '%s'", key);
	}
	json_decref(j);
	return 0;
}

static int load_route(void *ctx, const char *key, uint64_t rev, const char *value, size_t n)
{
	struct gt_meta_server *s = ctx;
	json_t *j = json_loadb(value, n, 0, NULL);
	const char *dir = json_string_value(json_object_get(j, "dir"));
	int64_t node = uint_of(json_object_get(j, "node_id"));
	uint64_t rid;
	char *end;
	struct route *r;

	errno = 0;
	rid = strtoull(key + 7, &end, 10);
	if (!errno && !*end && end != key + 7 && dir && strlen(dir) < GT_META_DIR_MAX && node >= 0 &&
	    !route_find(s, rid) && (r = route_add(s, rid))) {
		r->node_id = (uint64_t)node;
		r->rev = rev;
		snprintf(r->dir, sizeof(r->dir), "%s", dir);
	} else {
		logf_(s, "ignoring malformed KV key '%s'", key);
	}
	json_decref(j);
	return 0;
}

/* --- /v1/kv --- */

static bool reserved(const char *key)
{
	return !strncmp(key, "nodes/", 6) || !strncmp(key, "routes/", 7);
}

static void h_kv(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_meta_server *s = ctx;
	const char *m = gt_http_method(rq), *key = gt_http_path(rq) + strlen("/v1/kv/");
	struct gt_err err = {0};
	uint64_t rev = 0, known = 0;
	int rc, a;

	if ((rc = gt_kv_check_key(key, false, &err)))
		return fail(rs, 400, "%s", err.msg);
	if (!strcmp(m, "GET")) {
		struct gt_buf b;
		json_t *j = NULL;
		if ((a = arg_u64(rq, "known_rev", &known)) == -1)
			return fail(rs, 400, "known_rev must be a revision number");
		gt_buf_init(&b, GT_KV_VALUE_MAX);
		rc = gt_kv_get(s->kv, key, known, &b, &rev, &err);
		if (rc == 1)
			j = json_pack("{s:s,s:I,s:b}", "key", key, "rev", (json_int_t)rev, "unchanged", 1);
		else if (!rc)
			j = json_pack("{s:s,s:I,s:s%}", "key", key, "rev", (json_int_t)rev, "value", b.p ? b.p : "",
				      b.len);
		gt_buf_release(&b);
		if (rc < 0)
			return fail(rs, status_of(rc), "%s", err.msg);
		if (!j)
			return fail(rs, 500, "value of key '%s' is not UTF-8 text", key);
		return reply(rs, 200, j);
	}
	if ((a = arg_u64(rq, "rev", &rev)))
		return fail(rs, 400, "%s", a == -2 ? "rev is required (rev=0 creates a key that must not exist)" :
						     "rev must be a revision number");
	if (reserved(key))
		return fail(rs, 403, "key '%s' is kept by gt-meta itself (see /v1/heartbeat, /v1/place, /v1/routes)",
			    key);
	if (!strcmp(m, "PUT")) {
		size_t n;
		char *body = gt_http_body(rq, &n);
		json_t *probe = json_stringn(body ? body : "", n);
		if (!probe)
			return fail(rs, 400, "the value must be UTF-8 text");
		json_decref(probe);
		rc = gt_kv_put(s->kv, key, body ? body : "", n, &rev, &err);
	} else {
		rc = gt_kv_delete(s->kv, key, &rev, &err);
	}
	if (rc == GT_EAGAIN)
		return reply(rs, 409, json_pack("{s:s,s:I}", "error", "revision mismatch", "rev", (json_int_t)rev));
	if (rc)
		return fail(rs, status_of(rc), "%s", err.msg);
	reply(rs, 200, strcmp(m, "PUT") ? json_object() : json_pack("{s:I}", "rev", (json_int_t)rev));
}

static int list_item(void *ctx, const char *key, uint64_t rev, const char *value, size_t n)
{
	json_t *items = ctx, *v = json_stringn(value, n);
	if (!v)
		v = json_null();   /* written before as bytes that are not text: not shown */
	return json_array_append_new(items, json_pack("{s:s,s:I,s:o}", "key", key, "rev", (json_int_t)rev, "value", v));
}

static void h_kv_list(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_meta_server *s = ctx;
	const char *prefix = gt_http_arg(rq, "prefix");
	struct gt_err err = {0};
	json_t *items = json_array();
	int rc;

	if (!items)
		return fail(rs, 500, "out of memory");
	rc = gt_kv_list(s->kv, prefix ? prefix : "", list_item, items, &err);
	if (rc) {
		json_decref(items);
		return fail(rs, status_of(rc), "%s", err.msg[0] ? err.msg : gt_strerror(rc));
	}
	reply(rs, 200, json_pack("{s:o}", "items", items));
}

/* --- /v1/heartbeat --- */

static bool valid_addr(const char *a)
{
	size_t n = a ? strlen(a) : 0;
	if (!n || n >= GT_META_ADDR_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a[i] <= 0x20 || a[i] == 0x7f)
			return false;
	return true;
}

static void h_heartbeat(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_meta_server *s = ctx;
	json_t *j = parse_body(rq, rs), *regions, *open, *r;
	const char *addr;
	int64_t id;
	size_t i;
	struct node *nd;
	struct gt_err err = {0};
	char key[64];

	if (!j)
		return;
	id = uint_of(json_object_get(j, "node_id"));
	addr = json_string_value(json_object_get(j, "addr"));
	regions = json_object_get(j, "regions");
	if (id < 0 || !valid_addr(addr) || (regions && !json_is_array(regions))) {
		json_decref(j);
		return fail(rs, 400, "a heartbeat needs node_id (an integer >= 0), addr (\"unix:/path\" or "
				     "\"host:port\") and regions (an array)");
	}
	json_array_foreach(regions, i, r) {
		if (uint_of(json_object_get(r, "region_id")) < 0) {
			json_decref(j);
			return fail(rs, 400, "regions[%zu]: region_id must be an integer >= 0", i);
		}
	}
	if (!(open = json_array())) {
		json_decref(j);
		return fail(rs, 500, "out of memory");
	}
	pthread_mutex_lock(&s->mu);
	nd = node_find(s, (uint64_t)id);
	if (!nd && !(nd = node_add(s, (uint64_t)id))) {
		pthread_mutex_unlock(&s->mu);
		json_decref(j);
		json_decref(open);
		return fail(rs, 503, "too many datanodes (at most %d)", MAX_NODES);
	}
	if (strcmp(nd->addr, addr)) {
		snprintf(key, sizeof(key), "nodes/%" PRIu64, nd->id);
		if (store(s, key, json_pack("{s:s}", "addr", addr), &nd->rev, &err)) {
			if (!nd->addr[0])
				s->nnodes--;   /* the node just added: forget it again */
			pthread_mutex_unlock(&s->mu);
			json_decref(j);
			json_decref(open);
			return fail(rs, 500, "cannot record node %" PRId64 ": %s", id, err.msg);
		}
		logf_(s, "node %" PRIu64 " at %s%s", nd->id, addr, nd->addr[0] ? " (new address)" : " registered");
		snprintf(nd->addr, sizeof(nd->addr), "%s", addr);
	}
	if (nd->dead_logged)
		logf_(s, "node %" PRIu64 " at %s is alive again", nd->id, nd->addr);
	nd->dead_logged = false;
	nd->hb_mono_ms = mono_ms();
	nd->hb_wall_ms = wall_ms();
	for (size_t k = 0; k < s->nroutes; k++) {
		struct route *rt = &s->routes[k];
		bool listed = false;
		if (rt->node_id != nd->id)
			continue;
		json_array_foreach(regions, i, r) {
			if ((uint64_t)uint_of(json_object_get(r, "region_id")) == rt->region_id) {
				listed = true;
				break;
			}
		}
		if (!listed)
			json_array_append_new(open, json_pack("{s:I,s:s}", "region_id", (json_int_t)rt->region_id, "dir",
							      rt->dir));
	}
	pthread_mutex_unlock(&s->mu);
	json_decref(j);
	reply(rs, 200, json_pack("{s:I,s:o}", "lease_ms", (json_int_t)s->o.lease_ms, "open", open));
}

/* --- /v1/place --- */

static bool valid_dir(const char *d)
{
	size_t n = d ? strlen(d) : 0;
	return n && n < GT_META_DIR_MAX && d[0] != '/' && !strstr(d, "..");
}

static json_t *route_json(struct gt_meta_server *s, const struct route *r, int64_t now)
{
	struct node *nd = node_find(s, r->node_id);
	bool up = alive(s, nd, now);
	int64_t down = up || !nd ? 0 : (now - nd->hb_mono_ms) / 1000;
	return json_pack("{s:I,s:I,s:s,s:s,s:I}", "region_id", (json_int_t)r->region_id, "node_id",
			 (json_int_t)r->node_id, "addr", nd ? nd->addr : "", "state", up ? "alive" : "dead",
			 "down_seconds", (json_int_t)down);
}

static void h_place(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_meta_server *s = ctx;
	json_t *j = parse_body(rq, rs), *regions, *r, *out = NULL;
	struct gt_err err = {0};
	bool *used = NULL;
	uint64_t *count = NULL;
	int64_t now = mono_ms();
	size_t i, nalive = 0;

	if (!j)
		return;
	regions = json_object_get(j, "regions");
	if (!json_is_array(regions) || json_array_size(regions) > MAX_PLACE) {
		json_decref(j);
		return fail(rs, 400, "place needs regions: an array of {\"region_id\":R,\"dir\":\"...\"} (at most %d)",
			    MAX_PLACE);
	}
	json_array_foreach(regions, i, r) {
		if (uint_of(json_object_get(r, "region_id")) < 0 ||
		    !valid_dir(json_string_value(json_object_get(r, "dir")))) {
			json_decref(j);
			return fail(rs, 400, "regions[%zu]: needs region_id (an integer >= 0) and dir (a relative path)",
				    i);
		}
	}
	pthread_mutex_lock(&s->mu);
	used = gt_calloc(s->nnodes + 1, sizeof(*used));
	count = gt_calloc(s->nnodes + 1, sizeof(*count));
	out = json_array();
	if (!used || !count || !out) {
		fail(rs, 500, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < s->nnodes; k++) {
		count[k] = routes_on(s, s->nodes[k].id);
		nalive += alive(s, &s->nodes[k], now);
	}
	/* A region of this call that is routed already counts as spread. */
	json_array_foreach(regions, i, r) {
		struct route *rt = route_find(s, (uint64_t)uint_of(json_object_get(r, "region_id")));
		for (size_t k = 0; rt && k < s->nnodes; k++)
			if (s->nodes[k].id == rt->node_id)
				used[k] = true;
	}
	json_array_foreach(regions, i, r) {
		uint64_t rid = (uint64_t)uint_of(json_object_get(r, "region_id"));
		struct route *rt = route_find(s, rid);
		size_t best = SIZE_MAX;
		char key[64];

		if (!rt) {
			for (size_t k = 0; k < s->nnodes; k++) {
				if (!alive(s, &s->nodes[k], now))
					continue;
				if (best == SIZE_MAX || used[k] < used[best] ||
				    (used[k] == used[best] && (count[k] < count[best] ||
							       (count[k] == count[best] && s->nodes[k].id < s->nodes[best].id))))
					best = k;
			}
			if (best == SIZE_MAX || !nalive) {
				fail(rs, 503, "no datanode is alive");
				goto done;
			}
			if (!(rt = route_add(s, rid))) {
				fail(rs, 503, "too many routes");
				goto done;
			}
			rt->node_id = s->nodes[best].id;
			snprintf(rt->dir, sizeof(rt->dir), "%s", json_string_value(json_object_get(r, "dir")));
			snprintf(key, sizeof(key), "routes/%" PRIu64, rid);
			if (store(s, key, json_pack("{s:I,s:s}", "node_id", (json_int_t)rt->node_id, "dir", rt->dir), &rt->rev,
				  &err)) {
				s->nroutes--;
				fail(rs, 500, "cannot record the route of region %" PRIu64 ": %s", rid, err.msg);
				goto done;
			}
			used[best] = true;
			count[best]++;
			logf_(s, "region %" PRIu64 " placed on node %" PRIu64 " (%s)", rid, rt->node_id, s->nodes[best].addr);
		}
		json_array_append_new(out, route_json(s, rt, now));
	}
	reply(rs, 200, json_pack("{s:O}", "routes", out));
done:
	pthread_mutex_unlock(&s->mu);
	json_decref(out);
	json_decref(j);
	free(used);
	free(count);
}

/* --- /v1/routes, /v1/nodes --- */

static void h_routes(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_meta_server *s = ctx;
	uint64_t rid = 0;
	int a = arg_u64(rq, "region_id", &rid);
	int64_t now = mono_ms();
	json_t *out = json_array();

	if (a == -1) {
		json_decref(out);
		return fail(rs, 400, "region_id must be an integer >= 0");
	}
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; out && i < s->nroutes; i++)
		if (a == -2 || s->routes[i].region_id == rid)
			json_array_append_new(out, route_json(s, &s->routes[i], now));
	pthread_mutex_unlock(&s->mu);
	reply(rs, 200, out ? json_pack("{s:o}", "routes", out) : NULL);
}

static void h_route_delete(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_meta_server *s = ctx;
	const char *p = gt_http_path(rq) + strlen("/v1/routes/");
	struct gt_err err = {0};
	struct route *rt;
	uint64_t rid;
	char *end, key[64];
	int rc;

	errno = 0;
	rid = strtoull(p, &end, 10);
	if (errno || *end || end == p || *p < '0' || *p > '9')
		return fail(rs, 400, "'%.40s' is not a region id", p);
	pthread_mutex_lock(&s->mu);
	if (!(rt = route_find(s, rid))) {
		pthread_mutex_unlock(&s->mu);
		return fail(rs, 404, "region %" PRIu64 " has no route", rid);
	}
	snprintf(key, sizeof(key), "routes/%" PRIu64, rid);
	if (!(rc = unstore(s, key, rt->rev, &err))) {
		*rt = s->routes[--s->nroutes];
		logf_(s, "route of region %" PRIu64 " removed", rid);
	}
	pthread_mutex_unlock(&s->mu);
	if (rc)
		return fail(rs, 500, "cannot remove the route of region %" PRIu64 ": %s", rid, err.msg);
	reply(rs, 200, json_object());
}

static void h_nodes(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	struct gt_meta_server *s = ctx;
	int64_t now = mono_ms();
	json_t *out = json_array();

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; out && i < s->nnodes; i++) {
		struct node *nd = &s->nodes[i];
		json_array_append_new(out, json_pack("{s:I,s:s,s:s,s:I,s:I,s:I}", "node_id", (json_int_t)nd->id, "addr",
						     nd->addr, "state", alive(s, nd, now) ? "alive" : "dead",
						     "last_heartbeat_ms", (json_int_t)nd->hb_wall_ms, "lease_ms",
						     (json_int_t)s->o.lease_ms, "regions",
						     (json_int_t)routes_on(s, nd->id)));
	}
	pthread_mutex_unlock(&s->mu);
	reply(rs, 200, out ? json_pack("{s:o}", "nodes", out) : NULL);
}

static void h_health(void *ctx, struct gt_http_req *rq, struct gt_http_resp *rs)
{
	reply(rs, 200, json_pack("{s:s}", "status", "ok"));
}

static const struct gt_http_route routes[] = {
	{"/health", GT_HTTP_GET | GT_HTTP_HEAD, h_health},
	{"/v1/kv", GT_HTTP_GET, h_kv_list},
	{"/v1/kv/", GT_HTTP_GET | GT_HTTP_PUT | GT_HTTP_DELETE, h_kv},
	{"/v1/heartbeat", GT_HTTP_POST, h_heartbeat},
	{"/v1/place", GT_HTTP_POST, h_place},
	{"/v1/routes", GT_HTTP_GET, h_routes},
	{"/v1/routes/", GT_HTTP_DELETE, h_route_delete},
	{"/v1/nodes", GT_HTTP_GET, h_nodes},
};

/* --- lease expiry --- */

static void *ticker(void *arg)
{
	struct gt_meta_server *s = arg;
	int64_t step = GT_MAX(GT_MIN(s->o.lease_ms / 4, 1000), 10);

	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		struct timespec ts;
		int64_t now = mono_ms();
		for (size_t i = 0; i < s->nnodes; i++) {
			struct node *nd = &s->nodes[i];
			if (!nd->dead_logged && !alive(s, nd, now)) {
				nd->dead_logged = true;
				logf_(s, "node %" PRIu64 " at %s is dead: no heartbeat for %" PRId64 " ms (lease %" PRId64 " ms)",
				      nd->id, nd->addr, now - nd->hb_mono_ms, s->o.lease_ms);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)(step % 1000) * 1000000L;
		ts.tv_sec += step / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&s->tick, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void http_log(void *ctx, const char *msg)
{
	struct gt_meta_server *s = ctx;
	logf_(s, "%s", msg);
}

int gt_meta_server_start(struct gt_meta_server **out, const struct gt_meta_server_opts *o, struct gt_err *err)
{
	struct gt_meta_server *s = gt_calloc(1, sizeof(*s));
	struct gt_http_opts ho = {0};
	pthread_condattr_t ca;
	char dir[4096];
	int rc;

	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->o = *o;
	if (!s->o.addr)
		s->o.addr = GT_META_DEFAULT_ADDR;
	if (s->o.lease_ms <= 0)
		s->o.lease_ms = 10000;
	if (!s->o.max_body)
		s->o.max_body = GT_KV_VALUE_MAX;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->tick, &ca);
	pthread_condattr_destroy(&ca);
	if (!o->data_home) {
		rc = gt_errf(err, GT_EINVAL, "no data home");
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s/kv", o->data_home);
	if ((rc = gt_kv_open_dir(&s->kv, dir, "", true, err)) ||
	    (rc = gt_kv_list(s->kv, "nodes/", load_node, s, err)) ||
	    (rc = gt_kv_list(s->kv, "routes/", load_route, s, err)))
		goto fail;
	if (pthread_create(&s->ticker, NULL, ticker, s)) {
		rc = gt_errf(err, GT_ENOMEM, "cannot start a thread");
		goto fail;
	}
	s->ticker_started = true;
	ho.addr = s->o.addr;
	ho.max_body = s->o.max_body;
	ho.routes = routes;
	ho.nroutes = GT_ARRAY_LEN(routes);
	ho.ctx = s;
	ho.error_body = error_body;
	ho.log = http_log;
	if ((rc = gt_http_start(&s->http, &ho, err)))
		goto fail;
	logf_(s, "%zu datanodes and %zu routes from %s", s->nnodes, s->nroutes, dir);
	*out = s;
	return 0;
fail:
	gt_meta_server_stop(s);
	return rc;
}

const char *gt_meta_server_addr(const struct gt_meta_server *s)
{
	return gt_http_addr(s->http);
}

void gt_meta_server_stop(struct gt_meta_server *s)
{
	if (!s)
		return;
	gt_http_stop(s->http);
	if (s->ticker_started) {
		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		pthread_cond_signal(&s->tick);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->ticker, NULL);
	}
	gt_kv_close(s->kv);
	pthread_cond_destroy(&s->tick);
	pthread_mutex_destroy(&s->mu);
	free(s->nodes);
	free(s->routes);
	free(s);
}
