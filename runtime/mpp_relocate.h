/* mpp_relocate.h: pointer translation at capture. Given every block of the
 * state with its original address, it indexes their ranges and turns each
 * pointer slot of the saved bytes into a (block, offset) entry, and each
 * function pointer into a function-table entry; a pointer into no known
 * block is an error that names the variable. */
#ifndef MPP_RELOCATE_H
#define MPP_RELOCATE_H

#include <stddef.h>
#include <stdint.h>

#include "mpp.h"
#include "mpp_blocks.h"
#include "mpp_types.h"

/* A block of the state being written. */
struct mpp_eblock {
	int cls; /* enum mpp_fmt_class */
	const char *name;
	const struct mpp_tinfo *ti; /* NULL when no data is saved */
	uint64_t count, size;
	uintptr_t addr;
	const unsigned char *src; /* the bytes to save, NULL for none */
	uint32_t frame;
	uint64_t ptr_first, data_off;
	/* for messages */
	const struct mpp_func *fn;
	unsigned site;
	size_t heap;
};

/* A string literal of the image that saved pointers point into. */
struct mpp_elit {
	uint64_t off, len; /* image offset of its first byte; bytes, NUL included */
	const unsigned char *bytes;
	uint64_t data_off; /* in the data section (encode.c) */
};

struct mpp_reloc {
	struct mpp_bindex ix;
	struct mpp_elit *lits; /* string literals pointed to */
	size_t nlits, lcap;
	uint32_t *ltab; /* image offset -> index + 1 */
	size_t ltcap;
	unsigned char *ptrs; /* MPP_FMT_PTR_LEN bytes per entry, as in the file */
	size_t nptrs, pcap;
	const struct mpp_func **funcs; /* the function table */
	size_t nfuncs, fcap;
	uint32_t *ftab; /* func -> index + 1 */
	size_t ftcap;
};

/* Translate the pointers of the nb blocks b (image: index of the image
 * block); sets each block's ptr_first, and lists the string literals that
 * char pointers into the image point into (so that another build of the
 * program can find them by their bytes). Returns 0, MPP_ECAPTURE with a
 * message naming the variable, or MPP_ENOMEM. */
int mpp_relocate(struct mpp_reloc *r, struct mpp_eblock *b, size_t nb, uint32_t image);
void mpp_relocate_free(struct mpp_reloc *r);

#endif
