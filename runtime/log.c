/* log.c: runtime log lines on stderr, "mpp[prefix]: message", filtered by
 * the level from MPP_LOG. Quiet by default so that a translated program's
 * stderr equals the original's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_err.h"
#include "mpp_log.h"

int mpp_log_level = MPP_LOG_QUIET;

int mpp_log_init(void)
{
	const char *v = getenv("MPP_LOG");

	mpp_log_level = MPP_LOG_QUIET;
	if (!v || !*v || !strcmp(v, "quiet") || !strcmp(v, "none"))
		return 0;
	if (!strcmp(v, "warn"))
		mpp_log_level = MPP_LOG_WARN;
	else if (!strcmp(v, "info"))
		mpp_log_level = MPP_LOG_INFO;
	else if (!strcmp(v, "debug"))
		mpp_log_level = MPP_LOG_DEBUG;
	else {
		mpp_log_level = MPP_LOG_WARN;
		return mpp_err_set(MPP_ECONFIG, "bad MPP_LOG value '%s' (expected debug, info or warn)", v);
	}
	return 0;
}

void mpp_log_write(int level, const char *prefix, const char *fmt, ...)
{
	static const char *const names[] = {"", "warn", "info", "debug"};
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof line, "mpp[%s] %s: ", prefix, names[level & 3]);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
