/* mpp_err.h: error codes and the last error message. Library functions
 * return 0 or a negative code and record one message saying what failed;
 * callers may add context in front; only the top level (main.c, or the
 * entry points that generated code calls) prints it and chooses a status. */
#ifndef MPP_ERR_H
#define MPP_ERR_H

enum mpp_err {
	MPP_OK = 0,
	MPP_ENOMEM = -1,   /* out of memory */
	MPP_EIO = -2,      /* a system call failed (message has errno's text) */
	MPP_EFORMAT = -3,  /* a state is refused: damaged, foreign, mismatched */
	MPP_ECAPTURE = -4, /* the state cannot be saved (e.g. a wild pointer) */
	MPP_ECONFIG = -5,  /* bad MPP_* environment variable */
	MPP_ERESUME = -6,  /* the re-entered program does not match the state */
	MPP_EINTERNAL = -7 /* broken invariant: a bug in mpp */
};

/* Exit statuses of a translated program that come from mpp (README). */
enum {
	MPP_EXIT_REFUSED = 1,     /* state file refused */
	MPP_EXIT_SOFTWARE = 70,   /* capture or internal error (EX_SOFTWARE) */
	MPP_EXIT_CHECKPOINT = 75, /* checkpoint written: to be continued (EX_TEMPFAIL) */
	MPP_EXIT_CONFIG = 78      /* bad MPP_* variable (EX_CONFIG) */
};

/* Record a message (printf format) and return code. */
int mpp_err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with ": <strerror(errno)>" appended (errno as on entry). */
int mpp_err_sys(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put context in front of the recorded message: "<context>: <message>".
 * Returns code. */
int mpp_err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *mpp_err_msg(void);
void mpp_err_clear(void);
/* The exit status that goes with an error code. */
int mpp_err_status(int code);

#endif
