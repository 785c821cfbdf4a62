/* mpp_log.h: the runtime's only logging path. MPP_LOG=debug|info|warn picks
 * the level (quiet by default); each source file names its prefix with
 * MPP_LOG_PREFIX before including this header. Lines go to stderr. */
#ifndef MPP_LOG_H
#define MPP_LOG_H

enum { MPP_LOG_QUIET = 0, MPP_LOG_WARN, MPP_LOG_INFO, MPP_LOG_DEBUG };

extern int mpp_log_level;

/* Reads MPP_LOG; returns 0, or a negative mpp_err for an unknown value
 * (the level is then warn). */
int mpp_log_init(void);

void mpp_log_write(int level, const char *prefix, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#ifndef MPP_LOG_PREFIX
#define MPP_LOG_PREFIX "mpp"
#endif

#define mpp_log_at(lv, ...)                                               \
	do {                                                              \
		if (__builtin_expect(mpp_log_level >= (lv), 0))           \
			mpp_log_write((lv), MPP_LOG_PREFIX, __VA_ARGS__); \
	} while (0)
#define mpp_debug(...) mpp_log_at(MPP_LOG_DEBUG, __VA_ARGS__)
#define mpp_info(...) mpp_log_at(MPP_LOG_INFO, __VA_ARGS__)
#define mpp_warn(...) mpp_log_at(MPP_LOG_WARN, __VA_ARGS__)

#endif
