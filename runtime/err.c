/* err.c: the last error message of the runtime (one per process: the
 * runtime is single-threaded where it records errors) and the mapping from
 * error codes to the exit statuses documented in the README. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mpp_err.h"

static char err_msg[1024];

int mpp_err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	return code;
}

int mpp_err_sys(int code, const char *fmt, ...)
{
	int e = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	n = strlen(err_msg);
	snprintf(err_msg + n, sizeof err_msg - n, ": %s", strerror(e));
	return code;
}

int mpp_err_wrap(int code, const char *fmt, ...)
{
	char old[sizeof err_msg];
	size_t n;
	va_list ap;

	memcpy(old, err_msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	n = strlen(err_msg);
	snprintf(err_msg + n, sizeof err_msg - n, ": %s", old);
	return code;
}

const char *mpp_err_msg(void)
{
	return err_msg;
}

void mpp_err_clear(void)
{
	err_msg[0] = '\0';
}

int mpp_err_status(int code)
{
	switch (code) {
	case MPP_EFORMAT:
	case MPP_ERESUME: return MPP_EXIT_REFUSED;
	case MPP_ECONFIG: return MPP_EXIT_CONFIG;
	default: return MPP_EXIT_SOFTWARE;
	}
}
