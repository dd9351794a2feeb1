/*
 * gt-meta - the metadata service of a cluster (meta-server.h), and the
 * operator commands that print its state through its HTTP API
 * (meta-api.h).  serve runs in the foreground, logs to stderr, says
 * "gt-meta: ready addr=HOST:PORT" once listening and stops gracefully on
 * SIGTERM or SIGINT (exit 0).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "meta-api.h"
#include "meta-server.h"
#include "region.h"

static const char usage[] =
	"usage: gt-meta [serve] --data-home DIR [--addr HOST:PORT] [--lease-ms N] [--max-body N] [--ready-fd N]\n"
	"       gt-meta nodes|routes [--addr HOST:PORT]\n"
	"       gt-meta kv [--addr HOST:PORT] [PREFIX]\n"
	"       gt-meta --help\n";

enum { O_HOME = 256, O_ADDR, O_LEASE, O_MAXBODY, O_READY, O_HELP };

static const struct option longopts[] = {
	{"data-home", required_argument, NULL, O_HOME},
	{"addr", required_argument, NULL, O_ADDR},
	{"lease-ms", required_argument, NULL, O_LEASE},
	{"max-body", required_argument, NULL, O_MAXBODY},
	{"ready-fd", required_argument, NULL, O_READY},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

struct opts {
	const char *cmd, *home, *addr, *prefix;
	int64_t lease_ms, ready_fd;
	uint64_t max_body;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->cmd = "serve";
	o->home = getenv("GT_DATA_HOME");
	o->addr = GT_META_DEFAULT_ADDR;
	o->ready_fd = -1;
	if (argc > 1 && argv[1][0] != '-') {
		o->cmd = argv[1];
		argv++;
		argc--;
	}
	if (strcmp(o->cmd, "serve") && strcmp(o->cmd, "nodes") && strcmp(o->cmd, "routes") && strcmp(o->cmd, "kv"))
		return gt_cli_usage_error(usage, "unknown command '%s'", o->cmd);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_HOME: o->home = optarg; break;
		case O_ADDR: o->addr = optarg; break;
		case O_LEASE:
			if (gt_parse_i64(optarg, &o->lease_ms) || o->lease_ms < 10 || o->lease_ms > 86400000)
				return gt_cli_usage_error(usage, "--lease-ms '%s' must be 10 to 86400000", optarg);
			break;
		case O_MAXBODY:
			if (gt_parse_size(optarg, &o->max_body) || o->max_body < 1024 || o->max_body > (1ull << 30))
				return gt_cli_usage_error(usage, "--max-body '%s' must be 1K to 1G", optarg);
			break;
		case O_READY:
			if (gt_parse_i64(optarg, &o->ready_fd) || o->ready_fd < 0 || o->ready_fd > 65535)
				return gt_cli_usage_error(usage, "--ready-fd '%s' is not a file descriptor", optarg);
			break;
		case 'h':
		case O_HELP:
			fputs(usage, stdout);
			exit(GT_EXIT_OK);
		default:
			fputs(usage, stderr);
			return GT_EXIT_PERM;
		}
	}
	if (!strcmp(o->cmd, "kv") && optind < argc)
		o->prefix = argv[optind++];
	if (optind < argc)
		return gt_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!strcmp(o->cmd, "serve") && !o->home)
		return gt_cli_usage_error(usage, "%s", "--data-home is required (or GT_DATA_HOME)");
	return 0;
}

static int serve(const struct opts *o)
{
	struct gt_meta_server_opts so = {0};
	struct gt_meta_server *s = NULL;
	struct gt_err err = {0};
	sigset_t sigs;
	int rc, sig = 0;

	/* Every thread started from here on inherits the mask; main waits for the signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	so.data_home = o->home;
	so.addr = o->addr;
	so.lease_ms = o->lease_ms;
	so.max_body = (size_t)o->max_body;
	so.log = gt_cli_log;
	if ((rc = gt_meta_server_start(&s, &so, &err))) {
		gt_cli_errorf("%s", err.msg[0] ? err.msg : gt_strerror(rc));
		return gt_exit_code(rc);
	}
	gt_cli_ready(o->ready_fd, "ready addr=%s", gt_meta_server_addr(s));
	while (sigwait(&sigs, &sig) && errno == EINTR)
		;
	gt_cli_errorf("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	gt_meta_server_stop(s);
	gt_cli_errorf("stopped");
	return GT_EXIT_OK;
}

static int cmd_nodes(struct gt_meta_api *a, struct gt_err *err)
{
	struct gt_meta_node *n = NULL;
	size_t cnt = 0;
	int64_t now = gt_now_ns() / 1000000;
	int rc = gt_meta_nodes(a, &n, &cnt, err);

	if (rc)
		return rc;
	printf("%-8s %-6s %-8s %-10s %-9s %s\n", "NODE", "STATE", "REGIONS", "AGE_S", "LEASE_MS", "ADDR");
	for (size_t i = 0; i < cnt; i++) {
		printf("%-8" PRIu64 " %-6s %-8" PRIu64 " ", n[i].node_id, n[i].alive ? "alive" : "dead", n[i].regions);
		printf("%-10.1f %-9" PRId64 " %s\n", (double)(now - n[i].last_heartbeat_ms) / 1000, n[i].lease_ms,
		       n[i].addr);
	}
	free(n);
	return 0;
}

static int cmd_routes(struct gt_meta_api *a, struct gt_err *err)
{
	struct gt_meta_route *r = NULL;
	size_t cnt = 0;
	int rc = gt_meta_routes(a, 0, &r, &cnt, err);

	if (rc)
		return rc;
	printf("%-20s %-8s %-6s %-8s %-6s %-12s %s\n", "REGION", "TABLE", "NUMBER", "NODE", "STATE", "DOWN_S", "ADDR");
	for (size_t i = 0; i < cnt; i++)
		printf("%-20" PRIu64 " %-8" PRIu64 " %-6" PRIu64 " %-8" PRIu64 " %-6s %-12" PRId64 " %s\n", r[i].region_id,
		       r[i].region_id >> 32, r[i].region_id & 0xffffffffu, r[i].node_id, r[i].alive ? "alive" : "dead",
		       r[i].down_seconds, r[i].addr);
	free(r);
	return 0;
}

static int cmd_kv(struct gt_meta_api *a, const char *prefix, struct gt_err *err)
{
	struct gt_buf path = {0}, resp;
	json_t *res, *e;
	size_t i;
	int st = 0, rc;
	char *q = NULL;

	gt_buf_init(&resp, (size_t)1 << 30);
	if (prefix && *prefix) {
		/* percent-encode every byte outside [A-Za-z0-9-_.~/] */
		for (const unsigned char *p = (const unsigned char *)prefix; *p; p++)
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    strchr("-_.~/", *p))
				gt_buf_addch(&path, *p);
			else
				gt_buf_addf(&path, "%%%02X", *p);
		q = gt_buf_detach(&path, NULL);
	}
	gt_buf_addf(&path, "/v1/kv?prefix=%s", q ? q : "");
	free(q);
	rc = gt_meta_request(a, "GET", path.p, NULL, 0, &st, &resp, err);
	gt_buf_release(&path);
	if (rc) {
		gt_buf_release(&resp);
		return rc;
	}
	res = json_loadb(resp.p ? resp.p : "", resp.len, 0, NULL);
	gt_buf_release(&resp);
	if (st != 200 || !json_is_array(json_object_get(res, "items"))) {
		const char *msg = json_string_value(json_object_get(res, "error"));
		rc = gt_errf(err, st >= 500 ? GT_EAGAIN : GT_EINVAL, "gt-meta %s: %d %s", gt_meta_api_addr(a), st,
			     msg ? msg : "unexpected answer");
		json_decref(res);
		return rc;
	}
	printf("%-40s %-18s %-8s %s\n", "KEY", "REV", "BYTES", "VALUE");
	json_array_foreach(json_object_get(res, "items"), i, e) {
		json_t *v = json_object_get(e, "value");
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		size_t n = json_string_length(v), show = 0;
		/* one line: the value up to its first newline, at most 60 bytes */
		while (show < n && show < 60 && s[show] != '\n')
			show++;
		printf("%-40s %-18" JSON_INTEGER_FORMAT " %-8zu %.*s%s\n", json_string_value(json_object_get(e, "key")),
		       json_integer_value(json_object_get(e, "rev")), n, (int)show, s, show < n ? "..." : "");
	}
	json_decref(res);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct gt_meta_api *a = NULL;
	struct gt_err err = {0};
	int rc;

	gt_cli_init(argv[0]);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (!strcmp(o.cmd, "serve"))
		return serve(&o);
	if ((rc = gt_meta_api_new(&a, o.addr, NULL, &err)))
		goto out;
	if (!strcmp(o.cmd, "nodes"))
		rc = cmd_nodes(a, &err);
	else if (!strcmp(o.cmd, "routes"))
		rc = cmd_routes(a, &err);
	else
		rc = cmd_kv(a, o.prefix, &err);
out:
	gt_meta_api_free(a);
	if (rc) {
		gt_cli_errorf("%s", err.msg[0] ? err.msg : gt_strerror(rc));
		return gt_exit_code(rc);
	}
	return GT_EXIT_OK;
}
