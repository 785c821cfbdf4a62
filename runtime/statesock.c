/* statesock.c: the bytes of a large migrated state over a TCP connection
 * of the PVM layer's own (mpp_statesock.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mpp_err.h"
#include "mpp_log.h"
#include "mpp_statesock.h"

#define CONNECT_MS 10000 /* to connect to the destination */
#define HEAD_MS 5000     /* for a connection's header */
#define TICK_MS 100      /* between two questions to give_up */
#define IO_MAX (1 << 30) /* bytes per read or send call */

/* This host's IPv4 address: the one its name resolves to, as libpvm3 finds
 * its own for direct routes. */
static int own_ip(uint32_t *ip)
{
	char name[256];
	struct addrinfo hints, *res = NULL;
	if (gethostname(name, sizeof name) < 0)
		return mpp_err_set(MPP_EIO, "this host has no name: %s", strerror(errno));
	name[sizeof name - 1] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		return mpp_err_set(MPP_EIO, "the host name '%s' has no IPv4 address: %s", name, gai_strerror(rc));
	*ip = ((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr.s_addr;
	freeaddrinfo(res);
	return 0;
}

int mpp_statesock_listen(struct mpp_statesock *l)
{
	struct sockaddr_in a;
	socklen_t n = sizeof a;
	l->fd = -1;
	l->port = 0;
	if (own_ip(&l->ip) < 0)
		return MPP_EIO;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &n) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return mpp_err_set(MPP_EIO, "cannot listen for a state: %s", strerror(e));
	}
	l->fd = fd;
	l->port = ntohs(a.sin_port);
	return 0;
}

void mpp_statesock_close(struct mpp_statesock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* poll for one event on fd: > 0 ready, 0 timed out, < 0 error */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = {fd, events, 0};
	int r;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r;
}

static void where(char *s, size_t n, uint32_t ip, int port)
{
	char a[INET_ADDRSTRLEN];
	struct in_addr in = {ip};
	snprintf(s, n, "%s:%d", inet_ntop(AF_INET, &in, a, sizeof a) ? a : "?", port);
}

static int send_all(int fd, const unsigned char *p, uint64_t len)
{
	for (uint64_t off = 0; off < len;) {
		size_t k = len - off < IO_MAX ? (size_t)(len - off) : IO_MAX;
		ssize_t w = send(fd, p + off, k, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (uint64_t)w;
	}
	return 0;
}

int mpp_statesock_send(uint32_t ip, int port, const unsigned char token[MPP_STATESOCK_TOKEN], const void *p,
                       uint64_t len)
{
	char to[64];
	struct sockaddr_in a;
	where(to, sizeof to, ip, port);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = ip;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		mpp_err_set(MPP_EIO, "no socket to send a state: %s", strerror(errno));
		return 1;
	}
	int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
	if (rc < 0 && errno == EINPROGRESS) {
		int err = 0, w = wait_fd(fd, POLLOUT, CONNECT_MS);
		socklen_t n = sizeof err;
		if (w == 0)
			err = ETIMEDOUT;
		else if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
			err = errno;
		errno = err;
		rc = err ? -1 : 0;
	}
	int flags = rc == 0 ? fcntl(fd, F_GETFL) : -1;
	if (rc < 0 || flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		mpp_err_set(MPP_EIO, "cannot connect to %s to send a state: %s", to, strerror(errno));
		close(fd);
		return 1;
	}
	unsigned char head[MPP_STATESOCK_HEAD];
	memcpy(head, token, MPP_STATESOCK_TOKEN);
	for (int i = 0; i < 8; i++)
		head[MPP_STATESOCK_TOKEN + i] = (unsigned char)(len >> (56 - 8 * i));
	if (send_all(fd, head, sizeof head) < 0 || send_all(fd, p, len) < 0) {
		mpp_err_set(MPP_EIO, "the connection to %s broke while it took a state of %llu bytes: %s", to,
		            (unsigned long long)len, strerror(errno));
		close(fd);
		return MPP_EIO;
	}
	/* the kernel sends what is left of its buffers after the close */
	close(fd);
	return 0;
}

/* Reads len bytes from fd into p (*got of them): 0 when all came, 1 when
 * give_up said so, 2 when limit_ms (0: none) passed without them, -1 at
 * the end of the connection (errno 0) or an error. */
static int read_full(int fd, unsigned char *p, uint64_t len, int limit_ms, int (*give_up)(void *), void *arg,
                     uint64_t *got)
{
	int waited = 0;
	*got = 0;
	while (*got < len) {
		int w = wait_fd(fd, POLLIN, TICK_MS);
		if (w < 0)
			return -1;
		if (w == 0) {
			waited += TICK_MS;
			if (give_up(arg))
				return 1;
			if (limit_ms && waited >= limit_ms)
				return 2;
			continue;
		}
		size_t k = len - *got < IO_MAX ? (size_t)(len - *got) : IO_MAX;
		ssize_t r = read(fd, p + *got, k);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == 0)
			errno = 0;
		if (r <= 0)
			return -1;
		*got += (uint64_t)r;
	}
	return 0;
}

static int same_token(const unsigned char *a, const unsigned char *b)
{
	unsigned d = 0;
	for (int i = 0; i < MPP_STATESOCK_TOKEN; i++)
		d |= (unsigned)(a[i] ^ b[i]);
	return d == 0;
}

int mpp_statesock_take(struct mpp_statesock *l, const unsigned char token[MPP_STATESOCK_TOKEN], void *buf, uint64_t len,
                       int (*give_up)(void *), void *arg)
{
	for (;;) {
		int w = wait_fd(l->fd, POLLIN, TICK_MS);
		if (w < 0)
			return mpp_err_set(MPP_EIO, "waiting for a state's connection: %s", strerror(errno));
		if (w == 0) {
			if (give_up(arg))
				return 1;
			continue;
		}
		struct sockaddr_in from;
		socklen_t n = sizeof from;
		int c = accept4(l->fd, (struct sockaddr *)&from, &n, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
				continue;
			return mpp_err_set(MPP_EIO, "cannot accept a state's connection: %s", strerror(errno));
		}
		char peer[64];
		where(peer, sizeof peer, from.sin_addr.s_addr, ntohs(from.sin_port));
		unsigned char head[MPP_STATESOCK_HEAD];
		uint64_t got, hlen = 0;
		int r = read_full(c, head, sizeof head, HEAD_MS, give_up, arg, &got);
		if (r == 1) {
			close(c);
			return 1;
		}
		for (int i = 0; r == 0 && i < 8; i++)
			hlen = hlen << 8 | head[MPP_STATESOCK_TOKEN + i];
		if (r != 0 || !same_token(head, token) || hlen != len) {
			if (r == 2)
				mpp_warn("a connection to the state's port from %s sent no header within %d s: closed",
				         peer, HEAD_MS / 1000);
			else if (r != 0)
				mpp_warn("a connection to the state's port from %s ended in its header: closed", peer);
			else if (!same_token(head, token))
				mpp_warn("a connection to the state's port from %s has a wrong token: closed", peer);
			else
				mpp_warn(
				    "a connection to the state's port from %s announces %llu bytes, not %llu: closed",
				    peer, (unsigned long long)hlen, (unsigned long long)len);
			close(c);
			continue;
		}
		r = read_full(c, buf, len, 0, give_up, arg, &got);
		int e = errno;
		close(c);
		if (r == 0 || r == 1)
			return r;
		return mpp_err_set(MPP_EIO, "the state's connection from %s ended after %llu of %llu bytes%s%s", peer,
		                   (unsigned long long)got, (unsigned long long)len, e ? ": " : "",
		                   e ? strerror(e) : "");
	}
}
