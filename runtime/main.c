/* main.c: the real main(). Reads the controls, starts the program afresh
 * or from a state (MPP_RESTART, or the file left by MPP_STRESS_EXEC), and
 * runs __mpp_main_thunk in a loop: after each unwinding the state is
 * rebuilt in place, in a new image, or written before exiting with 75.
 * Nothing else lives here: unit tests link the library with their main. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MPP_LOG_PREFIX "main"
#include "mpp.h"
#include "mpp_ctl.h"
#include "mpp_decode.h"
#include "mpp_encode.h"
#include "mpp_env.h"
#include "mpp_err.h"
#include "mpp_file.h"
#include "mpp_heap.h"
#include "mpp_log.h"
#include "mpp_poll.h"
#include "mpp_registry.h"
#include "mpp_restore.h"

/* Set for the new image by MPP_STRESS_EXEC: "CAPTURES,RESTORES,BYTES,FILE". */
#define EXEC_VAR "MPP_INTERNAL_EXEC_STATE"

extern char **environ;

static void setup(void)
{
	int rc;

	if (mpp_log_init())
		fprintf(stderr, "mpp: %s\n", mpp_err_msg());
	if ((rc = mpp_ctl_init()))
		mpp_ctl_fatal(rc, NULL);
	mpp_env_register();
	if ((rc = mpp_registry_check()))
		mpp_ctl_fatal(rc, NULL);
	if ((rc = mpp_poll_init()))
		mpp_ctl_fatal(rc, NULL);
	if (mpp_ctl.report && atexit(mpp_ctl_report))
		mpp_warn("cannot register the report at exit");
}

void mpp_restore_bytes(unsigned char *buf, size_t len, const char *what)
{
	struct mpp_dstate st;
	int rc;

	if ((rc = mpp_decode(&st, buf, len))) {
		free(buf);
		mpp_ctl_fatal(rc, what);
	}
	st.owned = buf;
	if ((rc = mpp_restore_begin(&st, what)))
		mpp_ctl_fatal(rc, what);
}

static void restore_file(const char *path, int remove)
{
	unsigned char *buf;
	size_t len;
	char what[600];
	int rc;

	snprintf(what, sizeof what, "cannot restore '%s'", path);
	rc = mpp_file_read(path, &buf, &len);
	if (remove)
		unlink(path);
	if (rc)
		mpp_ctl_fatal(rc, what);
	mpp_restore_bytes(buf, len, what);
	mpp_info("restoring from '%s' (%zu bytes)", path, len);
}

/* The state left by the previous image of this process (MPP_STRESS_EXEC). */
static int exec_state(void)
{
	const char *v = getenv(EXEC_VAR);
	char path[4096];
	unsigned long long c, r, b;
	int n = 0;

	if (!v)
		return 0;
	if (sscanf(v, "%llu,%llu,%llu,%n", &c, &r, &b, &n) != 3 || !n || strlen(v + n) >= sizeof path) {
		mpp_err_set(MPP_EINTERNAL, "bad %s value '%s'", EXEC_VAR, v);
		mpp_ctl_fatal(MPP_EINTERNAL, NULL);
	}
	snprintf(path, sizeof path, "%s", v + n);
	unsetenv(EXEC_VAR);
	mpp_ctl.captures = c;
	mpp_ctl.restores = r;
	mpp_ctl.bytes = b;
	restore_file(path, 1);
	return 1;
}

static void stress(const struct mpp_buf *buf)
{
	struct mpp_dstate st;
	int rc;

	mpp_restore_drop();
	if ((rc = mpp_decode(&st, buf->p, buf->len)))
		mpp_ctl_fatal(rc, "cannot restore the state just captured (MPP_STRESS)");
	if ((rc = mpp_restore_begin(&st, "cannot restore the state just captured (MPP_STRESS)")))
		mpp_ctl_fatal(rc, "cannot restore the state just captured (MPP_STRESS)");
}

static _Noreturn void reexec(const struct mpp_buf *buf, char **argv)
{
	char path[4096], var[4200];
	int rc;

	if ((rc = mpp_file_write_temp(buf->p, buf->len, path, sizeof path)))
		mpp_ctl_fatal(rc, "MPP_STRESS_EXEC");
	snprintf(var, sizeof var, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s", mpp_ctl.captures, mpp_ctl.restores,
	         mpp_ctl.bytes, path);
	if (setenv(EXEC_VAR, var, 1)) {
		unlink(path);
		mpp_err_sys(MPP_EIO, "cannot set %s", EXEC_VAR);
		mpp_ctl_fatal(MPP_EIO, "MPP_STRESS_EXEC");
	}
	execve("/proc/self/exe", argv, environ);
	mpp_err_sys(MPP_EIO, "cannot execute /proc/self/exe");
	unlink(path);
	mpp_ctl_fatal(MPP_EIO, "MPP_STRESS_EXEC");
}

int main(int argc, char **argv, char **envp)
{
	static struct mpp_buf buf;
	char **uargv = argv;
	char what[600];
	int ret, rc;

	(void)envp;
	setup();
	if (mpp_pvm_ops && mpp_pvm_ops->arrive()) {
		/* a PVM migration destination: the state came with the message */
	} else if (!exec_state()) {
		if (mpp_ctl.restart) {
			restore_file(mpp_ctl.restart, 0);
		} else if (mpp_env_adopt() || !(uargv = mpp_heap_argv(argc, argv))) {
			/* pointers to arguments and getenv results point into blocks */
			mpp_ctl_fatal(MPP_ENOMEM, NULL);
		}
	}
	for (;;) {
		ret = __mpp_main_thunk(argc, uargv, environ);
		if (!__mpp_capturing) {
			if (mpp_restore_active()) {
				mpp_err_set(MPP_ERESUME, "the program finished before re-entering every saved frame");
				mpp_ctl_fatal(MPP_ERESUME, NULL);
			}
			return ret;
		}
		fflush(NULL);
		if ((rc = mpp_env_adopt()) || (rc = mpp_encode(&buf, mpp_poll_count())))
			mpp_ctl_fatal(rc, NULL);
		mpp_ctl.captures++;
		mpp_ctl.bytes += buf.len;
		int64_t asked = mpp_poll_asked_us();
		if (asked >= 0)
			mpp_ctl.vacate_us = asked;
		switch (mpp_poll_reason()) {
		case MPP_R_STRESS:
			mpp_poll_done();
			stress(&buf);
			break;
		case MPP_R_EXEC: mpp_poll_done(); reexec(&buf, argv);
		case MPP_R_MIGRATE:
			mpp_poll_done();
			mpp_pvm_ops->leave(&buf);
			/* the destination was lost: go on here */
			stress(&buf);
			break;
		default:
			mpp_poll_done();
			if ((rc = mpp_file_write(mpp_ctl.ckpt, buf.p, buf.len, 1))) {
				snprintf(what, sizeof what, "cannot write the checkpoint '%s'", mpp_ctl.ckpt);
				mpp_ctl_fatal(rc, what);
			}
			mpp_info("checkpoint '%s' written (%zu bytes) at poll %llu", mpp_ctl.ckpt, buf.len,
			         (unsigned long long)mpp_poll_count());
			if (asked >= 0)
				mpp_info("state captured %" PRId64 " us after the vacate request", asked);
			mpp_ctl_exit(MPP_EXIT_CHECKPOINT);
		}
	}
}
