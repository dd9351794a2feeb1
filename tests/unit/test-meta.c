/* test-meta.c - the meta client (meta-api.h) against an in-process gt-meta:
 * heartbeat, place, routes, locate with its cache, nodes, the remote KV,
 * and two catalogs sharing key "catalog" over HTTP. */
#include <unistd.h>

#include "catalog.h"
#include "kv.h"
#include "meta-api.h"
#include "meta-server.h"
#include "objstore.h"
#include "tap.h"

int main(void)
{
	char dir[] = "/tmp/test-meta-XXXXXX", addr[GT_META_ADDR_MAX];
	struct gt_meta_server_opts so = {0};
	struct gt_meta_server *s = NULL;
	struct gt_meta_api *a = NULL, *dead = NULL, *bad = NULL;
	struct gt_meta_api_opts ao = {0};
	struct gt_err err = {0};
	struct gt_meta_region *open = NULL, want[3];
	struct gt_meta_route *routes = NULL;
	struct gt_meta_node *nodes = NULL;
	struct gt_meta_region_stat st = {((uint64_t)1024 << 32) | 9, 10, 100, 5};
	struct gt_kv *kv1 = NULL, *kv2 = NULL;
	struct gt_buf b = {0};
	size_t n = 0, nr = 0;
	int64_t lease = 0;
	uint64_t rev;

	if (!mkdtemp(dir))
		return 1;
	so.data_home = dir;
	so.addr = "127.0.0.1:0";
	so.lease_ms = 5000;
	ok(gt_meta_server_start(&s, &so, &err) == 0, "start gt-meta: %s", err.msg);
	if (!s)
		return tap_done();
	ao.route_ttl_ms = 60000;
	ok(gt_meta_api_new(&a, gt_meta_server_addr(s), &ao, &err) == 0, "client");

	ok(gt_meta_place(a, want, 0, &routes, &nr, &err) == 0 && nr == 0, "placing nothing is fine");
	free(routes);
	routes = NULL;
	for (int i = 0; i < 3; i++) {
		want[i].region_id = ((uint64_t)1024 << 32) | (uint64_t)i;
		snprintf(want[i].dir, sizeof(want[i].dir), "public/1024_%010d", i);
	}
	ok(gt_meta_place(a, want, 3, &routes, &nr, &err) == GT_EAGAIN, "no datanode: GT_EAGAIN (%s)", err.msg);
	ok(strstr(err.msg, "no datanode is alive") != NULL, "the message says why");
	ok(gt_meta_heartbeat(a, 1, "unix:/x/d1.sock", NULL, 0, &lease, &open, &n, &err) == 0 && lease == 5000 &&
		   n == 0,
	   "heartbeat of node 1: %s", err.msg);
	free(open);
	ok(gt_meta_heartbeat(a, 2, "127.0.0.1:4102", &st, 1, &lease, &open, &n, &err) == 0, "node 2 with stats");
	free(open);
	ok(gt_meta_place(a, want, 3, &routes, &nr, &err) == 0 && nr == 3, "place 3 regions on 2 nodes: %s", err.msg);
	ok(nr == 3 && routes[0].node_id != routes[1].node_id && routes[0].alive, "the first two on different nodes");
	ok(nr == 3 && routes[2].region_id == want[2].region_id && routes[2].addr[0], "answers in the order asked");
	free(routes);
	routes = NULL;

	ok(gt_meta_locate(a, want[1].region_id, false, addr, sizeof(addr), &err) == 0 && addr[0],
	   "locate a placed region: %s", addr);
	ok(gt_meta_locate(a, 77, true, addr, sizeof(addr), &err) == GT_ENOTFOUND, "locate an unrouted region");
	/* node 1 heartbeats without its regions: it is told to open them */
	ok(gt_meta_heartbeat(a, 1, "unix:/x/d1-new.sock", NULL, 0, &lease, &open, &n, &err) == 0 && n >= 1 &&
		   !strncmp(open[0].dir, "public/1024_", 12),
	   "a restarted node gets its regions back (%zu)", n);
	free(open);
	ok(gt_meta_routes(a, want[0].region_id, &routes, &nr, &err) == 0 && nr == 1, "one route by region id");
	free(routes);
	routes = NULL;
	ok(gt_meta_nodes(a, &nodes, &n, &err) == 0 && n == 2 && nodes[0].alive && nodes[0].regions + nodes[1].regions == 3,
	   "two live nodes holding three regions");
	free(nodes);
	ok(gt_meta_route_delete(a, want[2].region_id, &err) == 0, "delete a route");
	ok(gt_meta_route_delete(a, want[2].region_id, &err) == GT_ENOTFOUND, "deleting it again: not found");

	/* the KV over HTTP */
	ok(gt_meta_kv_open(&kv1, a, &err) == 0 && gt_meta_kv_open(&kv2, a, &err) == 0, "remote KV");
	ok(gt_kv_get(kv1, "k x/é", 0, &b, &rev, &err) == GT_ENOTFOUND, "absent key");
	rev = 0;
	ok(gt_kv_put(kv1, "k x/é", "v1", 2, &rev, &err) == 0 && rev == gt_kv_rev_of("v1", 2),
	   "create a key with a space and UTF-8 in its name: %s", err.msg);
	{
		uint64_t stale = rev, r2 = rev;
		ok(gt_kv_put(kv2, "k x/é", "v2", 2, &r2, &err) == 0, "CAS put");
		ok(gt_kv_put(kv1, "k x/é", "v3", 2, &stale, &err) == GT_EAGAIN && stale == r2,
		   "stale put conflicts and reports the current revision");
		ok(gt_kv_get(kv1, "k x/é", r2, &b, &rev, &err) == 1, "known revision: unchanged");
		ok(gt_kv_get(kv1, "k x/é", 0, &b, &rev, &err) == 0 && !strcmp(b.p, "v2"), "value read back");
		ok(gt_kv_put(kv1, "routes/1", "{}", 2, &stale, &err) == GT_EINVAL, "gt-meta's own keys are refused");
		ok(gt_kv_delete(kv1, "k x/é", &r2, &err) == 0, "CAS delete");
	}

	/* two frontends' catalogs on one gt-meta */
	{
		struct gt_catalog *c1 = NULL, *c2 = NULL;
		ok(gt_catalog_open_kv(&c1, kv1, "catalog", true, &err) == 0, "catalog over HTTP: %s", err.msg);
		ok(gt_catalog_open_kv(&c2, kv2, "catalog", true, &err) == 0, "second catalog on the same key");
		ok(gt_catalog_create_db(c1, "a", false, &err) == 1, "create through one");
		ok(gt_catalog_create_db(c2, "b", false, &err) == 1, "create through the other, after a conflict");
		ok(gt_catalog_has_db(c1, "b") && gt_catalog_has_db(c2, "a"), "both see both");
		ok(gt_catalog_drop_db(c1, "b", false, &err) == 1 && !gt_catalog_has_db(c2, "b"), "a drop shows");
		/* c2 trusts its copy for a minute, except when it misses */
		gt_catalog_set_max_age(c2, 60000);
		ok(gt_catalog_has_db(c2, "a"), "c2 read (and revalidated) once");
		ok(gt_catalog_create_db(c1, "c", false, &err) == 1 && gt_catalog_has_db(c2, "c"),
		   "a database created elsewhere is found at once (a miss revalidates)");
		ok(gt_catalog_drop_db(c1, "a", false, &err) == 1 && gt_catalog_has_db(c2, "a"),
		   "a drop elsewhere is seen only after the max age");
		ok(gt_catalog_create_db(c2, "a", false, &err) == 1, "but changes compare and swap on the stored revision");
		ok(gt_catalog_create_db(c2, "c", false, &err) == GT_EEXIST, "and see the stored document");
		gt_catalog_close(c1);
		gt_catalog_close(c2);
	}
	gt_kv_close(kv1);
	gt_kv_close(kv2);

	/* a gt-meta that is not there: a temporary error naming it */
	ao.connect_ms = 500;
	ok(gt_meta_api_new(&dead, "127.0.0.1:1", &ao, &err) == 0, "client of nothing");
	ok(gt_meta_nodes(dead, &nodes, &n, &err) == GT_EAGAIN && strstr(err.msg, "gt-meta 127.0.0.1:1"),
	   "unreachable: %s", err.msg);
	ok(gt_meta_api_new(&bad, "http://x/", NULL, &err) == GT_EINVAL, "a URL is not an address");

	gt_meta_api_free(dead);
	gt_meta_api_free(a);
	gt_meta_server_stop(s);
	gt_buf_release(&b);
	gt_rm_tree(dir);
	return tap_done();
}
