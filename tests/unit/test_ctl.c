/* test_ctl.c: runtime/ctl.c and log.c: the MPP_* variables with their
 * error messages, the MPP_REPORT line, MPP_LOG levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpp_ctl.h"
#include "mpp_err.h"
#include "mpp_log.h"
#include "mpp_poll.h"

static void clear_env(void)
{
	unsetenv("MPP_STRESS");
	unsetenv("MPP_STRESS_EXEC");
	unsetenv("MPP_CHECKPOINT");
	unsetenv("MPP_CHECKPOINT_AT");
	unsetenv("MPP_RESTART");
	unsetenv("MPP_REPORT");
	unsetenv("MPP_LOG");
}

static void test_values(void **state)
{
	(void)state;
	clear_env();
	assert_int_equal(mpp_ctl_init(), 0);
	assert_int_equal(mpp_ctl.stress, 0);
	assert_null(mpp_ctl.ckpt);
	setenv("MPP_STRESS", "7", 1);
	setenv("MPP_STRESS_EXEC", "50", 1);
	setenv("MPP_CHECKPOINT", "state.mpp", 1);
	setenv("MPP_CHECKPOINT_AT", "18446744073709551615", 1);
	setenv("MPP_RESTART", "old.mpp", 1);
	setenv("MPP_REPORT", "", 1); /* empty: unset */
	assert_int_equal(mpp_ctl_init(), 0);
	assert_int_equal(mpp_ctl.stress, 7);
	assert_int_equal(mpp_ctl.stress_exec, 50);
	assert_true(mpp_ctl.ckpt_at == UINT64_MAX);
	assert_string_equal(mpp_ctl.ckpt, "state.mpp");
	assert_string_equal(mpp_ctl.restart, "old.mpp");
	assert_null(mpp_ctl.report);
	clear_env();
}

static void test_bad_values(void **state)
{
	(void)state;
	clear_env();
	setenv("MPP_STRESS", "abc", 1);
	assert_int_equal(mpp_ctl_init(), MPP_ECONFIG);
	assert_string_equal(mpp_err_msg(), "bad MPP_STRESS value 'abc' (expected a number of poll points)");
	setenv("MPP_STRESS", "-1", 1);
	assert_int_equal(mpp_ctl_init(), MPP_ECONFIG);
	setenv("MPP_STRESS", "18446744073709551616", 1);
	assert_int_equal(mpp_ctl_init(), MPP_ECONFIG);
	unsetenv("MPP_STRESS");
	setenv("MPP_CHECKPOINT_AT", "5", 1);
	assert_int_equal(mpp_ctl_init(), MPP_ECONFIG);
	assert_string_equal(mpp_err_msg(), "MPP_CHECKPOINT_AT is set but MPP_CHECKPOINT (the file to write) is not");
	clear_env();
	assert_int_equal(mpp_err_status(MPP_ECONFIG), MPP_EXIT_CONFIG);
	assert_int_equal(mpp_err_status(MPP_EFORMAT), 1);
	assert_int_equal(mpp_err_status(MPP_ECAPTURE), 70);
}

static void test_report(void **state)
{
	char path[] = "/tmp/mpp-test-report-XXXXXX", line[256], want[256];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	clear_env();
	setenv("MPP_REPORT", path, 1);
	assert_int_equal(mpp_ctl_init(), 0);
	mpp_ctl.captures = 3;
	mpp_ctl.restores = 2;
	mpp_ctl.bytes = 12345;
	mpp_poll_set_count(99);
	mpp_ctl_report();
	mpp_ctl_report();
	f = fopen(path, "r");
	assert_non_null(f);
	snprintf(want, sizeof want, "pid=%ld polls=99 captures=3 restores=2 bytes=12345\n", (long)getpid());
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, want);
	assert_non_null(fgets(line, sizeof line, f)); /* appended */
	assert_null(fgets(line, sizeof line, f));
	fclose(f);
	/* a process that vacated says how soon its state was captured */
	mpp_ctl.vacate_us = 4321;
	mpp_ctl_report();
	f = fopen(path, "r");
	assert_non_null(f);
	for (int i = 0; i < 3; i++)
		assert_non_null(fgets(line, sizeof line, f));
	snprintf(want, sizeof want, "pid=%ld polls=99 captures=3 restores=2 bytes=12345 vacate_us=4321\n",
	         (long)getpid());
	assert_string_equal(line, want);
	fclose(f);
	unlink(path);
	clear_env();
}

static void test_log_levels(void **state)
{
	(void)state;
	clear_env();
	assert_int_equal(mpp_log_init(), 0);
	assert_int_equal(mpp_log_level, MPP_LOG_QUIET);
	setenv("MPP_LOG", "debug", 1);
	assert_int_equal(mpp_log_init(), 0);
	assert_int_equal(mpp_log_level, MPP_LOG_DEBUG);
	setenv("MPP_LOG", "info", 1);
	assert_int_equal(mpp_log_init(), 0);
	assert_int_equal(mpp_log_level, MPP_LOG_INFO);
	setenv("MPP_LOG", "loud", 1);
	assert_int_equal(mpp_log_init(), MPP_ECONFIG);
	assert_int_equal(mpp_log_level, MPP_LOG_WARN);
	assert_string_equal(mpp_err_msg(), "bad MPP_LOG value 'loud' (expected debug, info or warn)");
	clear_env();
	mpp_log_init();
}

static void test_err_wrap(void **state)
{
	(void)state;
	assert_int_equal(mpp_err_set(MPP_EFORMAT, "checksum %s", "mismatch"), MPP_EFORMAT);
	assert_int_equal(mpp_err_wrap(MPP_EFORMAT, "cannot restore '%s'", "f"), MPP_EFORMAT);
	assert_string_equal(mpp_err_msg(), "cannot restore 'f': checksum mismatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_err_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
