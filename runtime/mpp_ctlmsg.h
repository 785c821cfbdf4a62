/* mpp_ctlmsg.h: the control messages of the PVM layer (docs/PROTOCOL.md)
 * as bytes: their kinds, and the parser that checks one before the PVM
 * layer acts on it (sizes, counts, host names, the job's secret). Plain C
 * over libc, so that it is tested and fuzzed without a PVM daemon. */
#ifndef MPP_CTLMSG_H
#define MPP_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

/* The kind, the first int of every message on the control tag. */
enum mpp_cm_kind {
	MPP_CM_MAP = 1,
	MPP_CM_NOTICE,
	MPP_CM_FLUSH,
	MPP_CM_MOVED,
	MPP_CM_MIGRATE,
	MPP_CM_STATE,
	MPP_CM_ACK,
	MPP_CM_FWD,
	MPP_CM_READY,
	MPP_CM_WAKE,
	/* from outside the job (mppctl, the scheduler): the job's secret first */
	MPP_CM_CTL_MIGRATE,
	MPP_CM_STATUS,
	MPP_CM_CTL_PREPARE,
	/* between tasks of the job again */
	MPP_CM_SHADOW,
	MPP_CM_STATEDATA,
	MPP_CM_DATAPORT
};

#define MPP_CM_HOST_MAX 256   /* a host name, with its NUL */
#define MPP_CM_MAX (1u << 20) /* longest message the parser reads (not the body of a STATE, STATEDATA or FWD) */
#define MPP_CM_FWD_HEAD 24    /* kind and the 5 ints before a forwarded message */
#define MPP_CM_SHADOW_HEAD 28 /* kind, the place, and the 5 ints before a shadowed one */

/* A parsed message; v, host and the lists as the kind has them. */
struct mpp_ctlmsg {
	int kind;
	/* NOTICE: vtid, old, new place, epoch; MOVED: vtid, old, new place;
	 * FLUSH, WAKE: a vtid; FWD: real source, tag, context, encoding, has a
	 * body; SHADOW: the place the message went to, then as FWD; DATAPORT:
	 * an IPv4 address (network order) and a port (0..65535); CTL_*,
	 * STATUS: the secret (high, low) */
	int v[6];
	char host[MPP_CM_HOST_MAX]; /* MIGRATE, CTL_MIGRATE, CTL_PREPARE: never empty */
	/* MAP: nlist entries (vtid, real tid, epoch) at list, nlist2 (vtid,
	 * real tid) at list2; FLUSH: nlist tids at list. Point into the bytes. */
	const unsigned char *list, *list2;
	int nlist, nlist2;
};

/* How many bytes of a message of `total` bytes, starting with the 4 bytes
 * at kind4, the parser needs: 4 for STATE and STATEDATA, MPP_CM_FWD_HEAD for FWD,
 * MPP_CM_SHADOW_HEAD for SHADOW, all of
 * the message for the others; 0 when the message is too long
 * (MPP_CM_MAX). */
size_t mpp_ctlmsg_head(const unsigned char *kind4, size_t total);

/* Parses and checks the n bytes at p (XDR: big-endian 32-bit ints;
 * strings as their length with the NUL, the bytes, padding to 4) into *m.
 * secret: the job's (high, low), NULL when it has none. Returns 0; 1 when a
 * request from outside the job is well formed but its secret is wrong (or
 * the job has none); MPP_EFORMAT with a message (mpp_err_msg) when the
 * bytes are not a message of a known kind with its exact size. */
int mpp_ctlmsg_parse(struct mpp_ctlmsg *m, const unsigned char *p, size_t n, const uint32_t *secret);

/* The i-th int of a list of a parsed message (m->list or m->list2). */
int mpp_ctlmsg_int(const unsigned char *list, int i);

/* Is the kind a request from outside the job (checked by the secret)? */
int mpp_ctlmsg_outside(int kind);

#endif
