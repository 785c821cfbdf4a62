/* test_errhold.c: runtime/errhold.c. Whatever is written on stderr while
 * it is held comes out afterwards, byte for byte and in order, except the
 * lines the filter drops; the filter for libpvm3's route complaints drops
 * exactly those (the lines libpvm3 3.4.6 prints) and nothing else; a
 * process that exits while it holds says all it held. Each
 * test points descriptor 2 at a file of its own first and reads it back. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>

#include "mpp_ctl.h"
#include "mpp_errhold.h"

struct capture {
	char path[64];
	int saved; /* the test runner's stderr */
};

/* descriptor 2 becomes a fresh file */
static void capture_start(struct capture *c)
{
	strcpy(c->path, "errhold-XXXXXX");
	int fd = mkstemp(c->path);
	assert_true(fd >= 0);
	fflush(stderr);
	c->saved = dup(2);
	assert_true(c->saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
}

/* the runner's stderr back; returns what the file got (free it) */
static char *capture_stop(struct capture *c)
{
	fflush(stderr);
	assert_true(dup2(c->saved, 2) == 2);
	close(c->saved);
	FILE *f = fopen(c->path, "rb");
	assert_non_null(f);
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	unlink(c->path);
	buf[n] = 0;
	return strdup(buf);
}

static const char conack[] = "libpvm [tc010f] pvm_tc_conack() connect: Connection refused\n";
static const char pipe_line[] = "libpvm [t40003] mxfer() write tt sock: Broken pipe\n";

static void test_drops_route_noise_only(void **unused)
{
	(void)unused;
	struct capture c;
	capture_start(&c);
	fputs("before\n", stderr);
	struct mpp_errhold h;
	mpp_errhold_begin(&h);
	assert_true(h.fd >= 0);
	fputs("one\n", stderr);
	fputs(conack, stderr);
	assert_int_equal(write(2, "two\n", 4), 4); /* the descriptor, not only the FILE */
	fputs(pipe_line, stderr);
	fputs("libpvm [t40003] pvm_tc_conack() fcntl: Bad file descriptor\n", stderr);
	fputs("no newline", stderr);
	assert_int_equal(mpp_errhold_end(&h, mpp_errhold_route_noise), 2);
	assert_int_equal(h.fd, -1);
	fputs("after\n", stderr);
	char *got = capture_stop(&c);
	assert_string_equal(got, "before\none\ntwo\n"
	                         "libpvm [t40003] pvm_tc_conack() fcntl: Bad file descriptor\n"
	                         "no newlineafter\n");
	free(got);
}

static void test_no_filter_passes_all(void **unused)
{
	(void)unused;
	struct capture c;
	capture_start(&c);
	struct mpp_errhold h;
	mpp_errhold_begin(&h);
	fputs(conack, stderr);
	fputs("x\n\ny\n", stderr);
	assert_int_equal(mpp_errhold_end(&h, NULL), 0);
	char *got = capture_stop(&c);
	char want[256];
	snprintf(want, sizeof want, "%sx\n\ny\n", conack);
	assert_string_equal(got, want);
	free(got);
}

static void test_nothing_held(void **unused)
{
	(void)unused;
	struct capture c;
	capture_start(&c);
	struct mpp_errhold h;
	mpp_errhold_begin(&h);
	assert_int_equal(mpp_errhold_end(&h, mpp_errhold_route_noise), 0);
	/* a second end, or one of a hold that never began, does nothing */
	assert_int_equal(mpp_errhold_end(&h, mpp_errhold_route_noise), 0);
	struct mpp_errhold never = {-1, -1};
	assert_int_equal(mpp_errhold_end(&never, mpp_errhold_route_noise), 0);
	fputs("still here\n", stderr);
	char *got = capture_stop(&c);
	assert_string_equal(got, "still here\n");
	free(got);
}

static void test_abandon_passes_all(void **unused)
{
	(void)unused;
	struct capture c;
	capture_start(&c);
	struct mpp_errhold h, second;
	mpp_errhold_begin(&h);
	assert_true(h.fd >= 0);
	mpp_errhold_begin(&second); /* one hold at a time */
	assert_int_equal(second.fd, -1);
	fputs("a\n", stderr);
	fputs(conack, stderr);
	mpp_errhold_abandon();
	assert_int_equal(h.fd, -1);
	assert_int_equal(mpp_errhold_end(&h, mpp_errhold_route_noise), 0); /* already ended */
	mpp_errhold_abandon();                                             /* nothing in force: nothing to do */
	char *got = capture_stop(&c);
	char want[256];
	snprintf(want, sizeof want, "a\n%s", conack);
	assert_string_equal(got, want);
	free(got);
}

/* a process that exits while stderr is held: exit() (atexit) and
 * mpp_ctl_exit (the runtime's fatal errors) both say what was held */
static void exit_held(int how)
{
	struct capture c;
	capture_start(&c);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mpp_errhold h;
		mpp_errhold_begin(&h);
		fputs("last words\n", stderr);
		if (how)
			mpp_ctl_exit(7);
		exit(5);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), how ? 7 : 5);
	char *got = capture_stop(&c);
	assert_string_equal(got, "last words\n");
	free(got);
}

static void test_exit_says_it(void **unused)
{
	(void)unused;
	exit_held(0);
	exit_held(1);
}

static int noise(const char *s)
{
	return mpp_errhold_route_noise(s, strlen(s));
}

static void test_route_noise(void **unused)
{
	(void)unused;
	assert_true(noise(conack));
	assert_true(noise(pipe_line));
	assert_true(noise("libpvm [t1] pvm_tc_conack() connect: Connection timed out")); /* no newline */
	assert_false(noise("libpvm [t1] pvm_tc_conack() fcntl: Bad file descriptor\n"));
	assert_false(noise("libpvm [t1] mxfer() select: Interrupted system call\n"));
	/* the program's own words, even quoting libpvm3 */
	assert_false(noise("worker 3: libpvm [t1] pvm_tc_conack() connect: x\n"));
	assert_false(noise("pvm_tc_conack() connect: Connection refused\n"));
	assert_false(noise("libpvm ["));
	assert_false(noise(""));
	/* only within the line's length */
	assert_false(mpp_errhold_route_noise(conack, 30));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drops_route_noise_only), cmocka_unit_test(test_no_filter_passes_all),
	    cmocka_unit_test(test_nothing_held),           cmocka_unit_test(test_route_noise),
	    cmocka_unit_test(test_abandon_passes_all),     cmocka_unit_test(test_exit_says_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
