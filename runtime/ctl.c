/* ctl.c: runtime controls from the environment, per-process counters and
 * the MPP_REPORT line. The report is appended with one write() on an
 * O_APPEND descriptor, so that concurrent processes do not mix lines. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpp_ctl.h"
#include "mpp_err.h"
#include "mpp_poll.h"

struct mpp_ctl mpp_ctl;

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int number(const char *name, uint64_t *out)
{
	const char *v = env(name), *p;
	uint64_t n = 0;

	*out = 0;
	if (!v)
		return 0;
	for (p = v; *p; p++) {
		if (*p < '0' || *p > '9' || n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return mpp_err_set(MPP_ECONFIG, "bad %s value '%s' (expected a number of poll points)", name,
			                   v);
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*out = n;
	return 0;
}

int mpp_ctl_init(void)
{
	int rc;

	memset(&mpp_ctl, 0, sizeof mpp_ctl);
	mpp_ctl.vacate_us = -1;
	if ((rc = number("MPP_STRESS", &mpp_ctl.stress)) || (rc = number("MPP_STRESS_EXEC", &mpp_ctl.stress_exec)) ||
	    (rc = number("MPP_CHECKPOINT_AT", &mpp_ctl.ckpt_at)) ||
	    (rc = number("MPP_MIGRATE_EVERY", &mpp_ctl.migrate_every)))
		return rc;
	mpp_ctl.ckpt = env("MPP_CHECKPOINT");
	mpp_ctl.restart = env("MPP_RESTART");
	mpp_ctl.report = env("MPP_REPORT");
	if (mpp_ctl.ckpt_at && !mpp_ctl.ckpt)
		return mpp_err_set(MPP_ECONFIG,
		                   "MPP_CHECKPOINT_AT is set but MPP_CHECKPOINT (the file to write) is not");
	return 0;
}

void mpp_ctl_report(void)
{
	char line[256], vacated[40] = "";
	int n, fd;

	if (!mpp_ctl.report)
		return;
	if (mpp_ctl.vacate_us >= 0)
		snprintf(vacated, sizeof vacated, " vacate_us=%" PRId64, mpp_ctl.vacate_us);
	n = snprintf(line, sizeof line,
	             "pid=%ld polls=%" PRIu64 " captures=%" PRIu64 " restores=%" PRIu64 " bytes=%" PRIu64 "%s\n",
	             (long)getpid(), mpp_poll_count(), mpp_ctl.captures, mpp_ctl.restores, mpp_ctl.bytes, vacated);
	if (n >= (int)sizeof line) /* cannot happen: 20 digits a number */
		n = (int)sizeof line - 1;
	fd = open(mpp_ctl.report, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "mpp: cannot write the report to '%s'\n", mpp_ctl.report);
		return;
	}
	if (n > 0 && write(fd, line, (size_t)n) != n)
		fprintf(stderr, "mpp: cannot write the report to '%s'\n", mpp_ctl.report);
	close(fd);
}

_Noreturn void mpp_ctl_exit(int status)
{
	fflush(NULL);
	mpp_ctl_report();
	_exit(status);
}

_Noreturn void mpp_ctl_fatal(int code, const char *what)
{
	if (what)
		fprintf(stderr, "mpp: %s: %s\n", what, mpp_err_msg());
	else
		fprintf(stderr, "mpp: %s\n", mpp_err_msg());
	mpp_ctl_exit(mpp_err_status(code));
}
