/* mpp_encode.h: turning a completed capture (staged frames, registered
 * globals, tracked heap blocks) into the bytes of a state (docs/FORMAT.md).
 * Pointers become (block, offset) pairs; a pointer into no known block is a
 * capture error that names the variable, and no state is produced. */
#ifndef MPP_ENCODE_H
#define MPP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer, reused from one capture to the next. */
struct mpp_buf {
	unsigned char *p;
	size_t len, cap;
};

void mpp_buf_free(struct mpp_buf *b);

/* Encode the state into out (replacing its contents). polls is the poll
 * counter to save. Returns 0, MPP_ECAPTURE, MPP_ENOMEM or MPP_EINTERNAL. */
int mpp_encode(struct mpp_buf *out, uint64_t polls);

/* Forget the encoder's cached type table and buffers (tests whose type
 * descriptors do not live for the whole process). */
void mpp_encode_free(void);

#endif
