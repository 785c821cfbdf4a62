/* mpp_pvm_int.h: what pvm.c (the PVM layer) offers pvm_group.c (the group
 * functions built on it) and pvm_upk.c (the read positions of the
 * program's message buffers). */
#ifndef MPP_PVM_INT_H
#define MPP_PVM_INT_H

#include <stddef.h>

/* The layer's arrays: p, of n elements of sz bytes, with room for one
 * more (NULL and 0 for a new one). They grow by powers of two from 16: a
 * larger block only when mpp_pvm_full(n). Out of memory is fatal (a
 * message, the task exits). */
void *mpp_pvm_grow(void *p, int n, size_t sz);
/* Whether an array of n elements is full: the next mpp_pvm_grow makes it
 * larger (n is 16 or a larger power of two). */
int mpp_pvm_full(int n);

/* Whether message buffer b exists (quietly: no libpvm3 complaint). */
int mpp_pvm_buf_exists(int b);
/* Enrolls in PVM if not yet done; <0 on error. */
int mpp_pvm_enroll(void);
/* This task's virtual tid. */
int mpp_pvm_me(void);
/* The job's name ("<job>" in the mailbox class names). */
const char *mpp_pvm_job(void);
/* The virtual tid of a real one (itself when unknown). */
int mpp_pvm_to_v(int r);
/* Sends the active send buffer to virtual task vt as a group message. */
int mpp_pvm_grp_send(int vt);
/* The next group message, from the held queue or PVM, without touching
 * the program's buffers and without being a migration point; *src is its
 * virtual source. Waits wait_ms (forever when < 0); 0 when none came. */
int mpp_pvm_grp_next(int *src, int wait_ms);
/* One message in a STATE message, with src; and back (<= 0 on error). */
int mpp_pvm_pack_msg(int b, int src);
int mpp_pvm_unpack_msg(int *src);
/* The group memberships and pending group messages in a STATE message.
 * Unpacking returns 0; -1 when the section is cut short or damaged (the
 * rest of the state would be misread); 1 when it was read whole but an
 * instance could not be kept here (warned). */
void mpp_pvm_grp_pack(void);
int mpp_pvm_grp_unpack(void);
/* Whether the group layer keeps buffer id b (a pending group message);
 * and that it is now the copy nb (read past its header again: a copy
 * starts at the beginning). */
int mpp_pvm_grp_holds(int b);
int mpp_pvm_grp_moved(int b, int nb);

#endif
