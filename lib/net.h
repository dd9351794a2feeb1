/*
 * net.h - stream sockets named by an address string, for the region RPC
 * (and anything else that listens or connects): "unix:PATH" is a Unix
 * domain socket, "HOST:PORT" (or "[V6]:PORT") a TCP socket.
 *
 * Descriptors are close-on-exec.  Connected sockets are left blocking;
 * readers and writers poll with their own timeouts (rpc.h).
 */
#ifndef GT_NET_H
#define GT_NET_H

#include "gt.h"

/* Listen on addr (a stale Unix socket file is replaced).  *fd gets the socket. */
int gt_net_listen(const char *addr, int *fd, struct gt_err *err);
/* The address a listening socket is bound to, in the form gt_net_listen takes
 * (TCP port 0 becomes the port the kernel chose). */
int gt_net_local_addr(int fd, char *out, size_t n);
/* Connect to addr, giving up after timeout_ms.  Errors are the system's words
 * ("connection refused", "timed out after 2000 ms"). */
int gt_net_connect(const char *addr, int timeout_ms, int *fd, struct gt_err *err);

#endif
