/*
 * test-mywire.c - the MySQL protocol's codec (mywire-int.h) on known
 * bytes, and the server's connection bound: over max_conns a client
 * reads ERR 1040 as its first packet.
 */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mywire-int.h"
#include "mywire.h"
#include "net.h"
#include "tap.h"

static void lenenc(void)
{
	static const uint64_t vals[] = {0, 250, 251, 65535, 65536, 16777215, 16777216, UINT64_MAX};
	static const size_t sizes[] = {1, 1, 3, 3, 4, 4, 9, 9};

	for (size_t k = 0; k < GT_ARRAY_LEN(vals); k++) {
		struct gt_buf b = {0};
		struct my_rd r;
		my_put_lenenc(&b, vals[k]);
		my_rd_init(&r, b.p, b.len);
		ok(b.len == sizes[k] && my_rd_lenenc(&r) == vals[k] && !r.bad && !my_rd_left(&r),
		   "lenenc %llu in %zu bytes", (unsigned long long)vals[k], sizes[k]);
		gt_buf_release(&b);
	}
	struct my_rd r;
	my_rd_init(&r, "\xfc\x01", 2);
	my_rd_lenenc(&r);
	ok(r.bad, "a truncated lenenc is bad");
}

static void native_password(void)
{
	uint8_t scramble[MY_SCRAMBLE_LEN], out[20];
	char hex[41];

	for (int k = 0; k < MY_SCRAMBLE_LEN; k++)
		scramble[k] = (uint8_t)(33 + k);
	my_native_scramble("secret", scramble, out);
	for (int k = 0; k < 20; k++)
		snprintf(hex + 2 * k, 3, "%02x", out[k]);
	/* python3: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))) */
	ok(!strcmp(hex, "1f44f306295a10870fd7895d358cb5f975d7d47f"), "mysql_native_password: %s", hex);
}

static void handshake_response(void)
{
	static const uint8_t p[] = {
		0x08, 0x82, 0x0a, 0x00,                 /* CONNECT_WITH_DB, PROTOCOL_41, SECURE, PLUGIN_AUTH */
		0x00, 0x00, 0x00, 0x01, 45,             /* max packet, charset */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		'b', 'o', 'b', 0, 2, 0xaa, 0xbb, 'm', 'e', 't', 'r', 'i', 'c', 's', 0,
		'm', 'y', 's', 'q', 'l', '_', 'n', 'a', 't', 'i', 'v', 'e', '_', 'p', 'a', 's', 's', 'w', 'o', 'r', 'd', 0,
	};
	struct my_hsresp h;
	struct gt_err err = {0};

	ok(my_hsresp_decode(&h, p, sizeof(p), &err) == 0 && !strcmp(h.user, "bob") && h.authlen == 2 &&
	   h.auth[1] == 0xbb && h.has_db && !strcmp(h.db, "metrics") && !strcmp(h.plugin, "mysql_native_password"),
	   "handshake response: user, auth, database, plugin (%s)", err.msg);
	ok(my_hsresp_decode(&h, p, 40, &err) == GT_ECORRUPT && !strncmp(err.msg, "mysql: ", 7),
	   "a truncated handshake response: %s", err.msg);
}

static void execute_params(void)
{
	/* stmt 1, no cursor, 1 iteration; 4 params, the 4th NULL; LONGLONG, DOUBLE, VAR_STRING, NULL */
	static const uint8_t p[] = {
		1, 0, 0, 0, 0, 1, 0, 0, 0, 0x08, 1,
		0x08, 0x00, 0x05, 0x00, 0xfd, 0x00, 0x06, 0x00,
		0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,         /* -5 */
		0, 0, 0, 0, 0, 0, 0xf8, 0x3f,                          /* 1.5 */
		4, 'i', 't', '\'', 's',
	};
	uint16_t types[4] = {0};
	bool bound = false;
	struct gt_buf lits = {0};
	struct gt_sql_param *v = NULL;
	struct my_exec x;
	struct gt_err err = {0};

	ok(my_exec_decode(&x, p, sizeof(p), 4, types, &bound, NULL, &lits, &err) == 0 && bound && x.stmt_id == 1,
	   "COM_STMT_EXECUTE decodes (%s)", err.msg);
	int rc = my_params(&lits, 4, &v);
	ok(rc == 0 && v[0].len == 2 && !memcmp(v[0].sql, "-5", 2) && v[1].len == 3 && !memcmp(v[1].sql, "1.5", 3) &&
	   v[2].len == 7 && !memcmp(v[2].sql, "'it''s'", 7) && v[3].len == 4 && !memcmp(v[3].sql, "NULL", 4),
	   "the values as SQL literals");
	free(v);
	ok(my_params(&lits, 5, &v) == GT_EINVAL, "fewer values than placeholders");
	gt_buf_reset(&lits);
	ok(my_exec_decode(&x, p, sizeof(p) - 3, 4, types, &bound, NULL, &lits, &err) == GT_ECORRUPT,
	   "a truncated parameter: %s", err.msg);
	gt_buf_release(&lits);
}

static void statements(void)
{
	const char *s = "SELECT ';' -- ;\n; /* ; */ ; SELECT `a;b`";
	size_t n = strlen(s), at = 0, end;
	bool empty;
	int count = 0;

	for (at = 0; at < n; at = end + 1) {
		end = my_stmt_end(s, n, at, &empty);
		count += !empty;
	}
	ok(count == 2, "two statements among quotes and comments (%d)", count);
	ok(my_count_params("? '?' \"?\" `?` -- ?\n # ?\n ?", 27) == 2, "placeholders outside quotes and comments");
}

/* Over max_conns, a client's first packet is ERR 1040. */
static void too_many(const char *dir)
{
	struct gt_engine_opts eo = {.data_home = dir};
	struct gt_db *db = NULL;
	struct gt_mywire *m = NULL;
	struct gt_wire_opts o = {.addr = "127.0.0.1:0", .max_conns = 1};
	struct gt_err err = {0};
	int a = -1, b = -1;
	uint8_t buf[512];

	if (!ok(gt_db_open(&db, &eo, &err) == 0, "open %s", dir))
		return;
	o.db = db;
	int rc = gt_mywire_start(&m, &o, &err);
	if (ok(rc == 0, "server on %s", m ? gt_mywire_addr(m) : err.msg) &&
	    ok(gt_net_connect(gt_mywire_addr(m), 2000, &a, &err) == 0, "first client")) {
		struct pollfd p = {.fd = a, .events = POLLIN};
		ok(poll(&p, 1, 2000) == 1 && recv(a, buf, sizeof(buf), 0) > 5 && buf[4] == 10,
		   "the first client gets the handshake");
		ok(gt_net_connect(gt_mywire_addr(m), 2000, &b, &err) == 0, "second client connects");
		p.fd = b;
		ssize_t got = poll(&p, 1, 2000) == 1 ? recv(b, buf, sizeof(buf), 0) : -1;
		ok(got > 7 && buf[3] == 0 && buf[4] == 0xff && (buf[5] | buf[6] << 8) == 1040 &&
		   !memcmp(buf + 8, "08004", 5), "the second gets ERR 1040 (08004)");
	}
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	gt_mywire_stop(m);
	gt_db_close(db, 1);
}

int main(void)
{
	char dir[] = "/tmp/gt-test-mywire.XXXXXX";

	lenenc();
	native_password();
	handshake_response();
	execute_params();
	statements();
	if (mkdtemp(dir)) {
		too_many(dir);
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd)) {
			/* a leftover temp dir is not a failure of the code under test */
		}
	}
	return tap_done();
}
