/* mpp_poll.h: the slow path of a poll point: counting, deciding when to
 * capture and why, and the asynchronous requests (SIGUSR2, or
 * mpp_request_checkpoint) that make the next poll capture. */
#ifndef MPP_POLL_H
#define MPP_POLL_H

#include <stdint.h>

enum mpp_reason {
	MPP_R_NONE = 0,
	MPP_R_STRESS,     /* MPP_STRESS: rebuild in this process */
	MPP_R_EXEC,       /* MPP_STRESS_EXEC: rebuild in a new process image */
	MPP_R_CHECKPOINT, /* MPP_CHECKPOINT_AT or a vacate request: write and exit */
	MPP_R_MIGRATE     /* PVM: ship the state to a destination task and exit */
};

/* Arm polling from mpp_ctl: counting modes keep __mpp_req at 1; with
 * MPP_CHECKPOINT, SIGUSR2 asks for a checkpoint. Returns 0 or MPP_EIO. */
int mpp_poll_init(void);

/* Why the capture in progress was started (MPP_R_NONE if none). */
int mpp_poll_reason(void);
/* Microseconds since the vacate request (SIGUSR2 or
 * mpp_request_checkpoint) that the capture in progress serves, or -1 when
 * it serves none. */
int64_t mpp_poll_asked_us(void);
/* Clear the capture in progress (after main has handled it). */
void mpp_poll_done(void);

uint64_t mpp_poll_count(void);
void mpp_poll_set_count(uint64_t n);

/* A restore has entered a loop again above its poll: the next poll is
 * that one, run a second time; it neither counts nor captures (a request
 * waiting stays for the poll after it). */
void mpp_poll_reentered(void);

/* Start a capture now, as a poll would (tests). */
void mpp_poll_force(int reason);

/* The PVM layer (pvm.c), linked only into programs that call PVM: it sets
 * mpp_pvm_ops from a constructor. poll is asked at a poll point when
 * mpp_pvm_kick is set (a message arrived) or when counting; it returns
 * MPP_R_MIGRATE when the task must leave now (peers already flushed).
 * arrive is asked once at start: 1 when this process is a migration
 * destination whose state has been received and whose restore has begun.
 * leave ships a captured state and exits; it returns only when the
 * destination is lost, after which the task rebuilds itself and goes on. */
struct mpp_buf;
struct mpp_pvm_ops {
	int (*poll)(uint64_t polls);
	int (*arrive)(void);
	void (*leave)(const struct mpp_buf *state);
};
extern const struct mpp_pvm_ops *mpp_pvm_ops;
extern volatile int mpp_pvm_kick;

#endif
