/* mpp_ctl.h: the runtime controls (MPP_* environment variables, see the
 * README), the counters of this process, the MPP_REPORT line written at
 * exit, and the one place that prints a fatal error and exits. */
#ifndef MPP_CTL_H
#define MPP_CTL_H

#include <stdint.h>

struct mpp_ctl {
	uint64_t stress;        /* MPP_STRESS=N, 0 when unset */
	uint64_t stress_exec;   /* MPP_STRESS_EXEC=N */
	uint64_t ckpt_at;       /* MPP_CHECKPOINT_AT=N */
	uint64_t migrate_every; /* MPP_MIGRATE_EVERY=N (PVM tasks) */
	const char *ckpt;       /* MPP_CHECKPOINT=FILE */
	const char *restart;    /* MPP_RESTART=FILE */
	const char *report;     /* MPP_REPORT=FILE */
	/* counters of this process image (carried over an exec) */
	uint64_t captures, restores, bytes;
	/* microseconds from the last vacate request to its state captured
	 * (encoded in memory), -1 when no capture served one */
	int64_t vacate_us;
};

extern struct mpp_ctl mpp_ctl;

/* Read the MPP_* variables; MPP_ECONFIG with a message for a bad value. */
int mpp_ctl_init(void);

/* Append the MPP_REPORT line (registered with atexit). */
void mpp_ctl_report(void);

/* Leave the process without running the program's atexit handlers (it
 * has not finished: it is vacating, or it failed): flush stdio, append the
 * report line, _exit(status). */
_Noreturn void mpp_ctl_exit(int status);

/* Print "mpp: <what>: <message>" (what may be NULL: the recorded message
 * alone) and leave with the status that goes with code (mpp_ctl_exit).
 * Only for the top of the runtime: main() and the entry points that
 * generated code calls. */
_Noreturn void mpp_ctl_fatal(int code, const char *what);

#endif
