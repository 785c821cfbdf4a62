/* test_statesock.c: runtime/statesock.c, the connection of the PVM layer's
 * own that carries the bytes of a large state: exact bytes through, and
 * what a destination does with connections that are not its source's (a
 * wrong token, a wrong length, cut short), with a source that cannot
 * connect, and when it gives up waiting. The sending side runs in a child
 * process; the destination's warnings are read from its stderr. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpp_err.h"
#include "mpp_log.h"
#include "mpp_statesock.h"

#define LEN (3u << 20) /* more than the socket buffers hold */

static const unsigned char token[MPP_STATESOCK_TOKEN] = "0123456789abcdef";
static unsigned char *want, *got;
static uint32_t loopback;

static int setup(void **state)
{
	(void)state;
	want = malloc(LEN);
	got = malloc(LEN);
	if (!want || !got)
		return -1;
	for (uint32_t i = 0; i < LEN; i++)
		want[i] = (unsigned char)(i * 131 + (i >> 13));
	loopback = htonl(INADDR_LOOPBACK);
	mpp_log_level = MPP_LOG_WARN;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(want);
	free(got);
	return 0;
}

/* What a child sends: kind 0 the state with this token, 1 another token,
 * 2 another length, 3 the header and half the bytes (then it closes). */
static void child_send(int port, int kind)
{
	unsigned char t[MPP_STATESOCK_TOKEN];
	memcpy(t, token, sizeof t);
	if (kind == 1)
		t[7] ^= 1;
	if (kind == 0)
		_exit(mpp_statesock_send(loopback, port, t, want, LEN) == 0 ? 0 : 1);
	/* a stranger's send may break when the destination closes it */
	if (kind == 1)
		_exit(mpp_statesock_send(loopback, port, t, want, LEN) == 1 ? 1 : 0);
	if (kind == 2)
		_exit(mpp_statesock_send(loopback, port, t, want, LEN - 1) == 1 ? 1 : 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = {loopback}};
	unsigned char head[MPP_STATESOCK_HEAD];
	memcpy(head, t, sizeof t);
	for (int i = 0; i < 8; i++)
		head[MPP_STATESOCK_TOKEN + i] = (unsigned char)((uint64_t)LEN >> (56 - 8 * i));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || write(fd, head, sizeof head) != sizeof head ||
	    write(fd, want, LEN / 2) != LEN / 2)
		_exit(1);
	close(fd);
	_exit(0);
}

/* Starts children of the given kinds one after the other (each once the
 * previous one has ended) in a process of their own; returns its pid. */
static pid_t senders(int port, const int *kinds, int n)
{
	pid_t p = fork();
	if (p != 0)
		return p;
	int bad = 0;
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0)
			child_send(port, kinds[i]);
		int st = 0;
		waitpid(c, &st, 0);
		bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	_exit(bad);
}

static int senders_status(pid_t p)
{
	int st = 0;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static int ticks;
static int never(void *arg)
{
	(void)arg;
	ticks++;
	return 0;
}

/* Runs take with stderr in a file; *err gets what was written there. */
static int take_logged(struct mpp_statesock *l, int (*give_up)(void *), char *err, size_t n)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	fflush(stderr);
	int saved = dup(2);
	dup2(fileno(f), 2);
	int rc = mpp_statesock_take(l, token, got, LEN, give_up, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	size_t k = fread(err, 1, n - 1, f);
	err[k] = '\0';
	fclose(f);
	return rc;
}

static void test_bytes_through(void **state)
{
	struct mpp_statesock l;
	char err[1024];
	(void)state;
	assert_int_equal(mpp_statesock_listen(&l), 0);
	assert_true(l.fd >= 0);
	assert_true(l.port > 0 && l.port < 65536);
	assert_true(l.ip != 0);
	memset(got, 0, LEN);
	pid_t p = senders(l.port, (const int[]){0}, 1);
	assert_int_equal(take_logged(&l, never, err, sizeof err), 0);
	assert_memory_equal(got, want, LEN);
	assert_string_equal(err, "");
	assert_int_equal(senders_status(p), 0);
	mpp_statesock_close(&l);
	assert_int_equal(l.fd, -1);
}

/* A wrong token, then a wrong length: each connection closed with a
 * warning, and the source's connection after them is taken. */
static void test_strangers_closed(void **state)
{
	struct mpp_statesock l;
	char err[2048], line[256];
	(void)state;
	assert_int_equal(mpp_statesock_listen(&l), 0);
	memset(got, 0, LEN);
	pid_t p = senders(l.port, (const int[]){1, 2, 0}, 3);
	assert_int_equal(take_logged(&l, never, err, sizeof err), 0);
	assert_memory_equal(got, want, LEN);
	assert_int_equal(senders_status(p), 0);
	/* "mpp[...] warn: a connection ... from 127.0.0.1:PORT has ...": the
	 * ports of the strangers are their own */
	char *w1 = strstr(err, "a connection to the state's port from 127.0.0.1:");
	assert_non_null(w1);
	assert_non_null(strstr(w1, " has a wrong token: closed\n"));
	snprintf(line, sizeof line, " announces %u bytes, not %u: closed\n", LEN - 1, LEN);
	assert_non_null(strstr(err, line));
	assert_null(strstr(err, "ended"));
	mpp_statesock_close(&l);
}

static void test_cut_short(void **state)
{
	struct mpp_statesock l;
	char err[1024], want_msg[256];
	(void)state;
	assert_int_equal(mpp_statesock_listen(&l), 0);
	pid_t p = senders(l.port, (const int[]){3}, 1);
	assert_int_equal(take_logged(&l, never, err, sizeof err), MPP_EIO);
	assert_int_equal(senders_status(p), 0);
	snprintf(want_msg, sizeof want_msg, " ended after %u of %u bytes", LEN / 2, LEN);
	assert_non_null(strstr(mpp_err_msg(), "the state's connection from 127.0.0.1:"));
	assert_non_null(strstr(mpp_err_msg(), want_msg));
	assert_memory_equal(got, want, LEN / 2);
	mpp_err_clear();
	mpp_statesock_close(&l);
}

static int calls;
static int third_time(void *arg)
{
	(void)arg;
	return ++calls == 3;
}

/* Nobody connects: give_up is asked every 100 ms and ends the wait. */
static void test_give_up(void **state)
{
	struct mpp_statesock l;
	char err[256];
	(void)state;
	assert_int_equal(mpp_statesock_listen(&l), 0);
	calls = 0;
	assert_int_equal(take_logged(&l, third_time, err, sizeof err), 1);
	assert_int_equal(calls, 3);
	assert_string_equal(err, "");
	mpp_statesock_close(&l);
}

/* Nobody listens: nothing is sent, and the caller is told so (1). */
static void test_cannot_connect(void **state)
{
	struct mpp_statesock l;
	char msg[256];
	(void)state;
	assert_int_equal(mpp_statesock_listen(&l), 0);
	int port = l.port;
	mpp_statesock_close(&l);
	assert_int_equal(mpp_statesock_send(loopback, port, token, want, 16), 1);
	snprintf(msg, sizeof msg, "cannot connect to 127.0.0.1:%d to send a state: Connection refused", port);
	assert_string_equal(mpp_err_msg(), msg);
	mpp_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bytes_through),  cmocka_unit_test(test_strangers_closed),
	    cmocka_unit_test(test_cut_short),      cmocka_unit_test(test_give_up),
	    cmocka_unit_test(test_cannot_connect),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
