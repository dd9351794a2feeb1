/* connserv.c - a listener with one thread per connection, bounded (connserv.h). */
#include "connserv.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
	struct gt_connserv *s;
	int fd;
	pthread_t th;
	bool done;                       /* the thread has finished; join and free it */
	struct conn *next;
};

struct gt_connserv {
	struct gt_connserv_opts o;
	int lfd;
	int wake[2];                     /* a byte here stops the accept loop */
	char addr[300];
	unsigned nconns;
	pthread_t acceptor;
	pthread_mutex_t mu;
	struct conn *conns;
};

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct gt_connserv *s = c->s;

	s->o.serve(s->o.ctx, c->fd);
	pthread_mutex_lock(&s->mu);
	c->done = true;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Join and free the connections whose threads have finished (under mu). */
static void reap(struct gt_connserv *s)
{
	struct conn **pp = &s->conns;
	while (*pp) {
		struct conn *c = *pp;
		if (c->done) {
			*pp = c->next;
			pthread_join(c->th, NULL);
			close(c->fd);
			s->nconns--;
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

static void *accept_main(void *arg)
{
	struct gt_connserv *s = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN}, {.fd = s->wake[0], .events = POLLIN}};
		struct conn *c;
		int fd;

		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		pthread_mutex_lock(&s->mu);
		reap(s);
		pthread_mutex_unlock(&s->mu);
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		if ((fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		pthread_mutex_lock(&s->mu);
		if (s->nconns >= s->o.max_conns || !(c = calloc(1, sizeof(*c)))) {
			pthread_mutex_unlock(&s->mu);
			if (s->o.refuse)
				s->o.refuse(s->o.ctx, fd);
			close(fd);
			continue;
		}
		c->s = s;
		c->fd = fd;
		if (pthread_create(&c->th, NULL, conn_main, c)) {
			free(c);
			close(fd);
		} else {
			c->next = s->conns;
			s->conns = c;
			s->nconns++;
		}
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

int gt_connserv_start(struct gt_connserv **out, const struct gt_connserv_opts *o, struct gt_err *err)
{
	struct gt_connserv *s = calloc(1, sizeof(*s));
	int rc;
	if (!s)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	s->o = *o;
	if (!s->o.max_conns)
		s->o.max_conns = 256;
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->mu, NULL);
	if ((rc = gt_net_listen(o->addr, &s->lfd, err))) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return rc;
	}
	if (gt_net_local_addr(s->lfd, s->addr, sizeof(s->addr)))
		snprintf(s->addr, sizeof(s->addr), "%s", o->addr);
	s->o.addr = s->addr;
	if (pipe2(s->wake, O_CLOEXEC) || pthread_create(&s->acceptor, NULL, accept_main, s)) {
		rc = gt_errf(err, GT_EIO, "cannot serve on '%s': %s", s->addr, strerror(errno));
		if (s->wake[0] >= 0) {
			close(s->wake[0]);
			close(s->wake[1]);
		}
		close(s->lfd);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *gt_connserv_addr(const struct gt_connserv *s)
{
	return s->addr;
}

void gt_connserv_stop(struct gt_connserv *s)
{
	if (!s)
		return;
	if (write(s->wake[1], "x", 1) < 0)
		(void)0;
	pthread_join(s->acceptor, NULL);
	close(s->lfd);
	if (!strncmp(s->addr, "unix:", 5))
		unlink(s->addr + 5);
	/* wake every connection thread out of its read; each then finishes */
	pthread_mutex_lock(&s->mu);
	for (struct conn *c = s->conns; c; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->mu);
	for (;;) {
		pthread_mutex_lock(&s->mu);
		reap(s);
		bool empty = !s->conns;
		pthread_mutex_unlock(&s->mu);
		if (empty)
			break;
		usleep(1000);
	}
	close(s->wake[0]);
	close(s->wake[1]);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
