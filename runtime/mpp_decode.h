/* mpp_decode.h: reading a state. The bytes are treated as hostile: every
 * length, index, offset and count is checked before use, and the whole
 * state is checked against this program (fingerprint, globals, functions,
 * sites, variable layouts, pointer targets) before anything is changed, so
 * a refused state leaves the process as it was. */
#ifndef MPP_DECODE_H
#define MPP_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "mpp.h"
#include "mpp_types.h"

struct mpp_dblock {
	int cls; /* enum mpp_fmt_class */
	const char *name;
	const struct mpp_tinfo *ti; /* NULL without data */
	uint64_t count, size;
	const unsigned char *data; /* NULL without data */
	uint64_t ptr_first;
	uint32_t frame;
	unsigned align_log2;        /* HEAP: alignment the program asked for, 0: malloc's */
	const struct mpp_global *g; /* GLOBAL */
	uintptr_t addr;             /* current address once placed */
	int placed;
};

struct mpp_dframe {
	const struct mpp_func *fn;
	unsigned site;
	uint32_t first, nvars; /* its blocks */
};

struct mpp_dstate {
	const unsigned char *buf;
	size_t len;
	unsigned char *owned; /* freed with the state (may be buf) */
	uint64_t polls, fingerprint, binid;
	int binsrc;
	uint32_t ntypes;
	struct mpp_type *types;
	struct mpp_field *fields;
	struct mpp_tset tset;
	const struct mpp_tinfo **ti;
	uint32_t nblocks;
	struct mpp_dblock *blocks;
	uint32_t nframes;
	struct mpp_dframe *frames;
	uint32_t nfuncs;
	const struct mpp_func **funcs;
	const unsigned char *ptrs;
	uint64_t nptrs;
};

/* Decode and check len bytes at buf (which must stay valid while st is
 * used). On error st is left empty and the message is one of those listed
 * in docs/FORMAT.md; the code is MPP_EFORMAT (or MPP_ENOMEM). */
int mpp_decode(struct mpp_dstate *st, const unsigned char *buf, size_t len);
void mpp_decode_free(struct mpp_dstate *st);

/* Pointer entry k: target (block, function, MPP_FMT_NONE or
 * MPP_FMT_FN_IMAGE) and offset. */
void mpp_decode_ptr(const struct mpp_dstate *st, uint64_t k, uint32_t *target, uint64_t *off);

#endif
