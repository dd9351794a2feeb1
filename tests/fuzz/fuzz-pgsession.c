/*
 * fuzz-pgsession.c - libFuzzer target for the PostgreSQL server's session
 * logic (pgwire.c) over a real database: the input is everything a client
 * sends on one connection (startup, then any messages); a helper thread
 * feeds it through a socket pair and reads every answer until the server
 * closes.  The server must neither crash, nor leak, nor hang: it ends at
 * the end of the input, at Terminate, or at the first protocol error.
 * One database (in a temporary directory, removed at exit) serves every
 * input, so statements of one input see the tables of earlier ones.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db.h"
#include "pgwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gt_db *db;
static struct gt_wire_opts wo;
static char home[64];

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[512];
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			rm_tree(p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void done(void)
{
	gt_db_close(db, 0);
	rm_tree(home);
}

static void init(void)
{
	struct gt_engine_opts eo = {0};
	struct gt_err err = {0};
	snprintf(home, sizeof(home), "/tmp/gt-fuzz-pgsession.XXXXXX");
	if (!mkdtemp(home))
		abort();
	eo.data_home = home;
	if (gt_db_open(&db, &eo, &err))
		abort();
	wo.db = db;
	wo.idle_timeout_s = 2;
	atexit(done);
}

struct client {
	int fd;
	const uint8_t *p;
	size_t n;
};

/* Write the input and read every answer, at once (the server may answer
 * before it has read everything), until the server closes. */
static void *client(void *arg)
{
	struct client *c = arg;
	size_t off = 0;
	char buf[65536];
	bool open = true;

	if (c->n == 0) {
		shutdown(c->fd, SHUT_WR);
		open = false;
	}
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = (short)(POLLIN | (open ? POLLOUT : 0))};
		if (poll(&p, 1, 10000) <= 0)
			abort();                 /* the server hangs */
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = read(c->fd, buf, sizeof(buf));
			if (k <= 0)
				break;
		}
		if (open && (p.revents & POLLOUT)) {
			ssize_t k = write(c->fd, c->p + off, c->n - off);
			if (k < 0) {
				open = false;        /* the server closed: stop writing */
				continue;
			}
			off += (size_t)k;
			if (off == c->n) {
				shutdown(c->fd, SHUT_WR);
				open = false;
			}
		}
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	pthread_t th;
	struct client c;

	if (!db)
		init();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	c.fd = sv[1];
	c.p = data;
	c.n = size;
	if (pthread_create(&th, NULL, client, &c))
		abort();
	gt_pgwire_serve_fd(&wo, sv[0]);
	close(sv[0]);
	pthread_join(th, NULL);
	close(sv[1]);
	return 0;
}
