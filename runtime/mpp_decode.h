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
#include "mpp_convert.h"
#include "mpp_format.h"
#include "mpp_types.h"

struct mpp_dblock {
	int cls; /* enum mpp_fmt_class */
	const char *name;
	/* The type of the block's elements: the writer's (with data, or for a
	 * constant global in version 2), then, once adapt.c has converted a
	 * foreign state, this program's (wti keeps the writer's). */
	const struct mpp_tinfo *ti, *wti;
	uint64_t count, size;         /* size: in this program's layout */
	const unsigned char *data;    /* NULL without data; the writer's bytes */
	const struct mpp_cplan *plan; /* to convert them; NULL: copy size bytes */
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

struct mpp_lit {
	uint64_t off, len; /* image offset of the literal's first byte; bytes, NUL included */
	const unsigned char *bytes;
};

struct mpp_dstate {
	const unsigned char *buf;
	size_t len;
	unsigned char *owned; /* freed with the state (may be buf) */
	unsigned version;
	uint64_t polls, fingerprint, binid;
	int binsrc;
	int foreign;           /* written on another architecture: adapt.c converts */
	int other_binary;      /* another executable: image pointers go through literals */
	struct mpp_arch warch; /* the writer's architecture */
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
	uint32_t nlits; /* version 2: string literals, by image offset */
	struct mpp_lit *lits;
	uint64_t nimage; /* pointers into the image (data and functions) */
	/* owned by adapt.c */
	unsigned char *ptrs_own; /* rewritten pointer table */
	struct mpp_tset rset;    /* this program's types of the blocks */
	struct mpp_conv *cv;
	struct mpp_synth *synth; /* descriptors made for heap blocks */
	uint32_t nblocks_file;   /* blocks in the file (literal blocks follow) */
	unsigned char *recs_own; /* stream records converted to this layout */
};

/* Decode and check len bytes at buf (which must stay valid while st is
 * used). On error st is left empty and the message is one of those listed
 * in docs/FORMAT.md; the code is MPP_EFORMAT (or MPP_ENOMEM). */
int mpp_decode(struct mpp_dstate *st, const unsigned char *buf, size_t len);
void mpp_decode_free(struct mpp_dstate *st);

/* Pointer entry k: target (block, function, MPP_FMT_NONE or
 * MPP_FMT_FN_IMAGE) and offset. */
void mpp_decode_ptr(const struct mpp_dstate *st, uint64_t k, uint32_t *target, uint64_t *off);

/* adapt.c: make a checked state written on another architecture, or by
 * another build (pointers to string literals), usable here: find each
 * block's type here and its conversion plan, check every value, map
 * pointer offsets, find literals by content (restore.c converts the data
 * with the plans, see mpp_decode_load). 0, or MPP_EFORMAT naming the variable whose
 * value does not fit, or MPP_ENOMEM. Frees its work with the state. */
int mpp_adapt(struct mpp_dstate *st);
/* The literal holding image offset off (one past its NUL included), or
 * NULL. */
const struct mpp_lit *mpp_decode_lit(const struct mpp_dstate *st, uint64_t off);
void mpp_adapt_free(struct mpp_dstate *st);

/* Put block b's data at dst in this program's layout: a copy, or its
 * conversion plan. 0, or MPP_EINTERNAL if a value checked by adapt.c
 * does not fit after all. */
int mpp_decode_load(const struct mpp_dblock *b, void *dst);

#endif
