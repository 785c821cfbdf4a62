/* tcp_xfer.c: the raw baselines of bench/pvm_migrate.sh.
 *   tcp_xfer recv PORT                 accept one connection; for each
 *                                      8-byte length read that many bytes
 *                                      and answer one byte; end at length 0
 *   tcp_xfer send HOST PORT BYTES REPS send BYTES REPS times over one
 *                                      connection, print the median time
 *                                      from the first byte written to the
 *                                      answer: "tcp_us=N"
 *   tcp_xfer memcpy BYTES REPS         print the median time of a memcpy
 *                                      of BYTES: "memcpy_us=N" */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int full(int fd, void *p, size_t n, int out)
{
	char *c = p;
	while (n > 0) {
		ssize_t k = out ? write(fd, c, n) : read(fd, c, n);
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int do_recv(const char *port)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1)) {
		perror("tcp_xfer: bind");
		return 1;
	}
	int c = accept(s, NULL, NULL);
	if (c < 0)
		return 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	size_t cap = 0;
	char *buf = NULL;
	for (;;) {
		uint64_t len;
		if (full(c, &len, sizeof len, 0) || len == 0)
			break;
		if (len > cap) {
			free(buf);
			buf = malloc(len);
			if (!buf)
				return 1;
			memset(buf, 1, len);
			cap = len;
		}
		if (full(c, buf, len, 0) || full(c, "k", 1, 1))
			return 1;
	}
	return 0;
}

static int do_send(const char *host, const char *port, size_t bytes, int reps)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, port, &hints, &ai)) {
		fprintf(stderr, "tcp_xfer: cannot resolve %s\n", host);
		return 1;
	}
	int s = -1;
	for (int i = 0; i < 100; i++) { /* the receiver may not listen yet */
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(s);
		s = -1;
		usleep(50000);
	}
	if (s < 0) {
		perror("tcp_xfer: connect");
		return 1;
	}
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	char *buf = malloc(bytes), ack;
	double *t = malloc(sizeof *t * (size_t)reps);
	if (!buf || !t)
		return 1;
	memset(buf, 7, bytes);
	for (int r = 0; r < reps; r++) {
		uint64_t len = bytes;
		double t0 = now_us();
		if (full(s, &len, sizeof len, 1) || full(s, buf, bytes, 1) || full(s, &ack, 1, 0))
			return 1;
		t[r] = now_us() - t0;
	}
	uint64_t zero = 0;
	full(s, &zero, sizeof zero, 1);
	printf("tcp_us=%.0f\n", median(t, reps));
	return 0;
}

static int do_memcpy(size_t bytes, int reps)
{
	char *a = malloc(bytes), *b = malloc(bytes);
	double *t = malloc(sizeof *t * (size_t)reps);
	if (!a || !b || !t)
		return 1;
	memset(a, 3, bytes);
	memset(b, 4, bytes);
	for (int r = 0; r < reps; r++) {
		double t0 = now_us();
		memcpy(b, a, bytes);
		__asm__ volatile("" : : "r"(b) : "memory");
		t[r] = now_us() - t0;
		a[r % bytes]++;
	}
	printf("memcpy_us=%.2f\n", median(t, reps));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "recv") == 0)
		return do_recv(argv[2]);
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], argv[3], (size_t)strtoull(argv[4], NULL, 10), atoi(argv[5]));
	if (argc == 4 && strcmp(argv[1], "memcpy") == 0)
		return do_memcpy((size_t)strtoull(argv[2], NULL, 10), atoi(argv[3]));
	fprintf(stderr, "usage: tcp_xfer recv PORT | send HOST PORT BYTES REPS | memcpy BYTES REPS\n");
	return 2;
}
