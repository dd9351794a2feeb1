/* net.c - listen on and connect to "unix:PATH" and "HOST:PORT" addresses (net.h). */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Split "HOST:PORT" / "[V6]:PORT" into host and port. */
static int split(const char *addr, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon;
	size_t h;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (!close || close[1] != ':')
			return GT_EINVAL;
		h = (size_t)(close - addr - 1);
		addr++;
		colon = close + 1;
	} else {
		if (!(colon = strrchr(addr, ':')))
			return GT_EINVAL;
		h = (size_t)(colon - addr);
	}
	if (h >= hn || strlen(colon + 1) >= pn || !colon[1])
		return GT_EINVAL;
	memcpy(host, addr, h);
	host[h] = 0;
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	return 0;
}

static int unix_addr(const char *path, struct sockaddr_un *sa, struct gt_err *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!*path || strlen(path) >= sizeof(sa->sun_path))
		return gt_errf(err, GT_EINVAL, "unix socket path '%s' is empty or too long", path);
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static int resolve(const char *addr, bool passive, struct addrinfo **res, struct gt_err *err)
{
	char host[256], port[32];
	struct addrinfo hints = {0};
	int rc;
	if (split(addr, host, sizeof(host), port, sizeof(port)))
		return gt_errf(err, GT_EINVAL, "bad address '%s': want unix:PATH or HOST:PORT", addr);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, res)))
		return gt_errf(err, GT_EINVAL, "cannot resolve '%s': %s", addr, gai_strerror(rc));
	return 0;
}

int gt_net_listen(const char *addr, int *fd, struct gt_err *err)
{
	int s = -1, one = 1;
	if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un sa;
		int rc = unix_addr(addr + 5, &sa, err);
		if (rc)
			return rc;
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return gt_errf(err, GT_EIO, "socket: %s", strerror(errno));
		unlink(sa.sun_path);
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 128)) {
			rc = errno;
			close(s);
			return gt_errf(err, GT_EIO, "cannot listen on '%s': %s", addr, strerror(rc));
		}
	} else {
		struct addrinfo *res, *ai;
		int rc = resolve(addr, true, &res, err), e = 0;
		if (rc)
			return rc;
		for (ai = res; ai; ai = ai->ai_next) {
			if ((s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
				e = errno;
				continue;
			}
			setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (!bind(s, ai->ai_addr, ai->ai_addrlen) && !listen(s, 128))
				break;
			e = errno;
			close(s);
			s = -1;
		}
		freeaddrinfo(res);
		if (s < 0)
			return gt_errf(err, GT_EIO, "cannot listen on '%s': %s", addr, strerror(e));
	}
	*fd = s;
	return 0;
}

int gt_net_local_addr(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return GT_EIO;
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *sa = (const void *)&ss;
		return (size_t)snprintf(out, n, "unix:%s", sa->sun_path) < n ? 0 : GT_ETOOBIG;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sa = (const void *)&ss;
		inet_ntop(AF_INET, &sa->sin_addr, host, sizeof(host));
		return (size_t)snprintf(out, n, "%s:%u", host, ntohs(sa->sin_port)) < n ? 0 : GT_ETOOBIG;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sa = (const void *)&ss;
		inet_ntop(AF_INET6, &sa->sin6_addr, host, sizeof(host));
		return (size_t)snprintf(out, n, "[%s]:%u", host, ntohs(sa->sin6_port)) < n ? 0 : GT_ETOOBIG;
	}
	return GT_EINVAL;
}

/* Non-blocking connect bounded by timeout_ms; 0 or an errno value (ETIMEDOUT). */
static int connect_timeout(int s, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
	int fl = fcntl(s, F_GETFL), e = 0;
	socklen_t el = sizeof(e);
	struct pollfd p = {.fd = s, .events = POLLOUT};
	int rc;

	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	if (connect(s, sa, len) == 0)
		goto done;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return errno;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return ETIMEDOUT;
	if (rc < 0)
		return errno;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el))
		return errno;
	if (e)
		return e;
done:
	fcntl(s, F_SETFL, fl);
	return 0;
}

int gt_net_connect(const char *addr, int timeout_ms, int *fd, struct gt_err *err)
{
	int s = -1, e = 0, rc;
	if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un sa;
		if ((rc = unix_addr(addr + 5, &sa, err)))
			return rc;
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return gt_errf(err, GT_EIO, "socket: %s", strerror(errno));
		if ((e = connect_timeout(s, (struct sockaddr *)&sa, sizeof(sa), timeout_ms))) {
			close(s);
			s = -1;
		}
	} else {
		struct addrinfo *res, *ai;
		int one = 1;
		if ((rc = resolve(addr, false, &res, err)))
			return rc;
		for (ai = res; ai; ai = ai->ai_next) {
			if ((s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
				e = errno;
				continue;
			}
			if (!(e = connect_timeout(s, ai->ai_addr, ai->ai_addrlen, timeout_ms))) {
				setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				break;
			}
			close(s);
			s = -1;
		}
		freeaddrinfo(res);
	}
	if (s < 0) {
		if (e == ETIMEDOUT)
			return gt_errf(err, GT_EIO, "connect timed out after %d ms", timeout_ms);
		rc = gt_errf(err, GT_EIO, "%s", strerror(e ? e : ECONNREFUSED));
		/* "connection refused", as the rest of a message reads */
		if (err && err->msg[0] >= 'A' && err->msg[0] <= 'Z')
			err->msg[0] = (char)(err->msg[0] - 'A' + 'a');
		return rc;
	}
	*fd = s;
	return 0;
}
