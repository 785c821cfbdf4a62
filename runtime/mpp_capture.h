/* mpp_capture.h: staging of the frames saved while the stack unwinds. Each
 * translated function, innermost first, hands its live variables to
 * __mpp_capture_frame; their bytes are copied at once (the frame is gone
 * right after) together with their original addresses, which the encoder
 * later uses to translate pointers. */
#ifndef MPP_CAPTURE_H
#define MPP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "mpp.h"

struct mpp_cvar {
	uintptr_t addr; /* where the variable lived */
	const struct mpp_type *type;
	const char *name;
	size_t off; /* of its bytes in the staging buffer */
};

struct mpp_cframe {
	const struct mpp_func *fn;
	unsigned site;
	size_t first; /* index of its first variable */
	size_t nvars;
};

/* Start a new capture (forget the previous frames, keep the buffers). */
void mpp_capture_begin(void);
/* 0, or the first error met while staging (message recorded then). */
int mpp_capture_status(void);

size_t mpp_capture_nframes(void);
/* Frame i, 0 = innermost. */
const struct mpp_cframe *mpp_capture_frame(size_t i);
const struct mpp_cvar *mpp_capture_var(size_t i);
const unsigned char *mpp_capture_bytes(const struct mpp_cvar *v);

/* Release the buffers (tests, valgrind). */
void mpp_capture_free(void);

#endif
