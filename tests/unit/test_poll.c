/* test_poll.c: runtime/poll.c: the fast-path flag stays 0 when nothing
 * needs counting; stress, exec and checkpoint-at decide at the right polls
 * with the right priorities; a capture due inside a library callback
 * (__mpp_nocap) waits for the next poll; SIGUSR2 and
 * mpp_request_checkpoint vacate at the next poll, then the flag clears; the
 * poll a restore runs again (mpp_poll_reentered) neither counts nor
 * captures, and keeps a waiting request for the next one; a capture that
 * serves a vacate knows how long ago it was asked for. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mpp.h"
#include "mpp_capture.h"
#include "mpp_ctl.h"
#include "mpp_poll.h"

static int setup(void **state)
{
	(void)state;
	memset(&mpp_ctl, 0, sizeof mpp_ctl);
	mpp_poll_set_count(0);
	mpp_poll_done();
	__mpp_nocap = 0;
	return 0;
}

/* Poll n times; return the 1-based polls that captured, as a bit mask. */
static uint64_t polls(int n, int *reasons)
{
	uint64_t mask = 0;
	int i;

	for (i = 1; i <= n; i++) {
		if (__mpp_req && __mpp_poll()) {
			assert_int_equal(__mpp_capturing, 1);
			mask |= 1ULL << i;
			if (reasons)
				reasons[i] = mpp_poll_reason();
			mpp_poll_done();
		}
	}
	return mask;
}

static void test_quiet(void **state)
{
	(void)state;
	assert_int_equal(mpp_poll_init(), 0);
	assert_int_equal(__mpp_req, 0);
	assert_int_equal(polls(10, NULL), 0);
	assert_int_equal(mpp_poll_count(), 0); /* not even counted: the fast path never called it */
}

static void test_report_counts(void **state)
{
	(void)state;
	mpp_ctl.report = "r";
	assert_int_equal(mpp_poll_init(), 0);
	assert_int_equal(__mpp_req, 1);
	assert_int_equal(polls(10, NULL), 0);
	assert_int_equal(mpp_poll_count(), 10);
	assert_int_equal(__mpp_req, 1);
}

static void test_stress_exec_checkpoint(void **state)
{
	int r[64];

	(void)state;
	mpp_ctl.stress = 3;
	mpp_ctl.stress_exec = 5;
	mpp_ctl.ckpt_at = 9;
	mpp_ctl.ckpt = "f";
	assert_int_equal(mpp_poll_init(), 0);
	memset(r, 0, sizeof r);
	assert_int_equal(polls(16, r), (1ULL << 3) | (1ULL << 5) | (1ULL << 6) | (1ULL << 9) | (1ULL << 10) |
	                                   (1ULL << 12) | (1ULL << 15));
	assert_int_equal(r[3], MPP_R_STRESS);
	assert_int_equal(r[5], MPP_R_EXEC);
	assert_int_equal(r[9], MPP_R_CHECKPOINT); /* before stress */
	assert_int_equal(r[15], MPP_R_EXEC);      /* before stress */
	signal(SIGUSR2, SIG_DFL);
}

static void test_nocap_defers(void **state)
{
	int r[16];

	(void)state;
	mpp_ctl.stress = 4;
	assert_int_equal(mpp_poll_init(), 0);
	assert_int_equal(polls(3, NULL), 0);
	__mpp_nocap = 1;
	assert_int_equal(polls(2, NULL), 0); /* polls 4 and 5 inside a callback */
	__mpp_nocap = 0;
	memset(r, 0, sizeof r);
	assert_int_equal(polls(1, r), 1ULL << 1); /* poll 6 catches up */
	assert_int_equal(r[1], MPP_R_STRESS);
	assert_int_equal(mpp_poll_count(), 6);
	assert_int_equal(polls(2, NULL), 1ULL << 2); /* poll 8: the usual rhythm */
}

static void test_vacate(void **state)
{
	int r[8];

	(void)state;
	mpp_ctl.ckpt = "f";
	assert_int_equal(mpp_poll_init(), 0);
	assert_int_equal(__mpp_req, 0);
	raise(SIGUSR2); /* handled: the process goes on */
	assert_int_equal(__mpp_req, 1);
	memset(r, 0, sizeof r);
	assert_int_equal(polls(3, r), 1ULL << 1);
	assert_int_equal(r[1], MPP_R_CHECKPOINT);
	assert_int_equal(__mpp_req, 0);
	mpp_request_checkpoint();
	assert_int_equal(__mpp_req, 1);
	assert_int_equal(polls(1, NULL), 1ULL << 1);
	signal(SIGUSR2, SIG_DFL);
}

static void sleep_ms(long ms)
{
	struct timespec t = {0, ms * 1000000L};
	while (nanosleep(&t, &t))
		;
}

/* how long ago the vacate that a capture serves was asked for: from the
 * first of two requests; none for other captures or after the capture */
static void test_vacate_asked_time(void **state)
{
	(void)state;
	mpp_ctl.ckpt = "f";
	mpp_ctl.stress = 1;
	assert_int_equal(mpp_poll_init(), 0);
	assert_true(__mpp_poll());
	assert_int_equal(mpp_poll_reason(), MPP_R_STRESS);
	assert_int_equal(mpp_poll_asked_us(), -1);
	mpp_poll_done();
	raise(SIGUSR2);
	sleep_ms(20);
	mpp_request_checkpoint();
	sleep_ms(20);
	assert_true(__mpp_poll());
	assert_int_equal(mpp_poll_reason(), MPP_R_CHECKPOINT);
	int64_t us = mpp_poll_asked_us();
	assert_true(us >= 40000);
	assert_true(us < 10000000);
	sleep_ms(5);
	assert_true(mpp_poll_asked_us() >= us + 5000); /* the time until now */
	mpp_poll_done();
	assert_int_equal(mpp_poll_asked_us(), -1);
	assert_true(__mpp_poll()); /* stress again, no request */
	assert_int_equal(mpp_poll_asked_us(), -1);
	mpp_poll_done();
	signal(SIGUSR2, SIG_DFL);
}

static void test_reentered_poll_skipped(void **state)
{
	(void)state;
	mpp_ctl.stress = 1;
	assert_int_equal(mpp_poll_init(), 0);
	assert_int_equal(polls(2, NULL), (1ULL << 1) | (1ULL << 2));
	mpp_poll_reentered(); /* the poll that captured is run again */
	assert_int_equal(polls(1, NULL), 0);
	assert_int_equal(mpp_poll_count(), 2);
	assert_int_equal(__mpp_req, 1);
	assert_int_equal(polls(1, NULL), 1ULL << 1); /* the next one captures as usual */
	assert_int_equal(mpp_poll_count(), 3);
}

static void test_reentered_keeps_request(void **state)
{
	(void)state;
	mpp_ctl.ckpt = "f";
	assert_int_equal(mpp_poll_init(), 0);
	mpp_poll_reentered();
	assert_int_equal(__mpp_req, 1); /* the poll run again takes the slow path */
	assert_int_equal(polls(1, NULL), 0);
	assert_int_equal(__mpp_req, 0); /* and quiet is quiet again */
	assert_int_equal(mpp_poll_count(), 0);
	mpp_poll_reentered();
	raise(SIGUSR2);
	assert_int_equal(polls(1, NULL), 0); /* a vacate waits for the poll after it */
	assert_int_equal(__mpp_req, 1);
	assert_int_equal(polls(1, NULL), 1ULL << 1);
	signal(SIGUSR2, SIG_DFL);
}

static void test_request_without_file(void **state)
{
	(void)state;
	assert_int_equal(mpp_poll_init(), 0);
	mpp_request_checkpoint(); /* no MPP_CHECKPOINT: nowhere to write, ignored */
	assert_int_equal(__mpp_req, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_quiet, setup),
	    cmocka_unit_test_setup(test_report_counts, setup),
	    cmocka_unit_test_setup(test_stress_exec_checkpoint, setup),
	    cmocka_unit_test_setup(test_nocap_defers, setup),
	    cmocka_unit_test_setup(test_vacate, setup),
	    cmocka_unit_test_setup(test_vacate_asked_time, setup),
	    cmocka_unit_test_setup(test_reentered_poll_skipped, setup),
	    cmocka_unit_test_setup(test_reentered_keeps_request, setup),
	    cmocka_unit_test_setup(test_request_without_file, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	mpp_capture_free();
	return rc;
}
