/* mpp_blocks.h: the address index used to translate pointers at capture:
 * every block [start, start + size) of the state (globals, heap blocks,
 * frame variables, library objects) sorted by address, answering "which
 * block holds this address" in O(log n). */
#ifndef MPP_BLOCKS_H
#define MPP_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

struct mpp_bent {
	uintptr_t start, end;
	uint32_t id;
};

struct mpp_bindex {
	struct mpp_bent *v;
	uintptr_t *maxend; /* max end over v[0..i], for overlapping blocks */
	size_t n, cap;
};

/* What holds an address: `inside` is a block with start <= addr < end
 * (or an empty block starting at addr), `at_end` a block that addr is one
 * past the end of. Either may be MPP_FMT_NONE. */
struct mpp_bhit {
	uint32_t inside, at_end;
};

void mpp_blocks_clear(struct mpp_bindex *ix);
void mpp_blocks_free(struct mpp_bindex *ix);
int mpp_blocks_add(struct mpp_bindex *ix, uintptr_t start, uint64_t size, uint32_t id);
/* Sort after the last add; returns 0 or MPP_ENOMEM. */
int mpp_blocks_sort(struct mpp_bindex *ix);
/* Look addr up; returns 1 if some block holds it. */
int mpp_blocks_find(const struct mpp_bindex *ix, uintptr_t addr, struct mpp_bhit *hit);

#endif
