/* poll.c: the flags that generated code tests on its fast path, and
 * __mpp_poll, the slow path. __mpp_req stays 0 unless something needs a
 * look: counting modes set it for good, a vacate request until served (the
 * signal handler only sets flags). A capture due inside a library callback
 * (__mpp_nocap > 0) waits for the next poll outside it. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#define MPP_LOG_PREFIX "poll"
#include "mpp.h"
#include "mpp_capture.h"
#include "mpp_ctl.h"
#include "mpp_err.h"
#include "mpp_log.h"
#include "mpp_poll.h"

volatile int __mpp_req;
int __mpp_capturing;
int __mpp_restoring;
int __mpp_nocap;
const struct mpp_pvm_ops *mpp_pvm_ops;
volatile int mpp_pvm_kick;

static volatile sig_atomic_t vacate;
static uint64_t polls;
static int counting;
static int pending; /* reason deferred by __mpp_nocap */
static int reason;  /* of the capture in progress */
static int reentry; /* the next poll is the one a restore entered again */

/* when the vacate request waiting was made (the first of several), and
 * when the one of the capture in progress was (if capture_asked) */
static struct timespec asked_at, capture_asked_at;
static int capture_asked;

/* clock_gettime is async-signal-safe */
static void asked_now(void)
{
	if (!vacate)
		clock_gettime(CLOCK_MONOTONIC, &asked_at);
	vacate = 1;
	__mpp_req = 1;
}

static void on_usr2(int sig)
{
	int e = errno;
	(void)sig;
	asked_now();
	errno = e;
}

int mpp_poll_init(void)
{
	struct sigaction sa;

	counting = mpp_ctl.stress || mpp_ctl.stress_exec || mpp_ctl.ckpt_at || mpp_ctl.report || mpp_ctl.migrate_every;
	__mpp_req = counting;
	if (mpp_ctl.ckpt) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr2;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		if (sigaction(SIGUSR2, &sa, NULL))
			return mpp_err_sys(MPP_EIO, "cannot install the SIGUSR2 handler");
	}
	return 0;
}

void mpp_request_checkpoint(void)
{
	if (!mpp_ctl.ckpt) {
		mpp_warn("checkpoint requested but MPP_CHECKPOINT is not set: ignored");
		return;
	}
	asked_now();
}

static void start(int why)
{
	reason = why;
	__mpp_capturing = 1;
	mpp_capture_begin();
	mpp_debug("capture at poll %llu (reason %d)", (unsigned long long)polls, why);
}

int __mpp_poll(void)
{
	int why = pending;

	if (reentry) {
		/* this poll was passed before the capture, and counted then */
		reentry = 0;
		__mpp_req = counting;
		if (vacate || pending || mpp_pvm_kick)
			__mpp_req = 1;
		return 0;
	}
	polls++;
	/* clear before looking at the flags: a signal arriving now sets it again */
	__mpp_req = counting;
	if (vacate) {
		capture_asked_at = asked_at;
		capture_asked = 1;
		vacate = 0;
		why = MPP_R_CHECKPOINT;
	}
	if (mpp_ctl.ckpt_at && polls == mpp_ctl.ckpt_at)
		why = MPP_R_CHECKPOINT;
	if (why != MPP_R_CHECKPOINT) {
		if (mpp_ctl.stress_exec && polls % mpp_ctl.stress_exec == 0)
			why = MPP_R_EXEC;
		else if (mpp_ctl.stress && polls % mpp_ctl.stress == 0 && why == MPP_R_NONE)
			why = MPP_R_STRESS;
	}
	if (why == MPP_R_NONE && mpp_pvm_ops && __mpp_nocap <= 0 && (mpp_pvm_kick || mpp_ctl.migrate_every)) {
		mpp_pvm_kick = 0;
		why = mpp_pvm_ops->poll(polls);
	}
	if (why == MPP_R_NONE)
		return 0;
	if (__mpp_nocap > 0) {
		pending = why;
		__mpp_req = 1;
		return 0;
	}
	pending = MPP_R_NONE;
	start(why);
	return 1;
}

void mpp_poll_reentered(void)
{
	reentry = 1;
	__mpp_req = 1;
}

void __mpp_restore_entry(const struct mpp_func *fn, unsigned site, void *const *vars)
{
	__mpp_restore_frame(fn, site, vars);
	mpp_poll_reentered();
}

void mpp_poll_force(int why)
{
	start(why);
}

int mpp_poll_reason(void)
{
	return reason;
}

int64_t mpp_poll_asked_us(void)
{
	struct timespec t;
	if (!capture_asked || clock_gettime(CLOCK_MONOTONIC, &t))
		return -1;
	return (int64_t)(t.tv_sec - capture_asked_at.tv_sec) * 1000000 + (t.tv_nsec - capture_asked_at.tv_nsec) / 1000;
}

void mpp_poll_done(void)
{
	capture_asked = 0;
	reason = MPP_R_NONE;
	__mpp_capturing = 0;
}

uint64_t mpp_poll_count(void)
{
	return polls;
}

void mpp_poll_set_count(uint64_t n)
{
	polls = n;
}
