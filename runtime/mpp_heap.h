/* mpp_heap.h: memory blocks the runtime owns or tracks, saved with the
 * state and rebuilt at new addresses on restore: for now the copy of argv
 * that main receives, and blocks allocated through this API. Each block has
 * an element type and a count, so pointers inside it can be found. */
#ifndef MPP_HEAP_H
#define MPP_HEAP_H

#include <stddef.h>

#include "mpp.h"

struct mpp_hblock {
	void *addr;
	size_t size;                 /* count * elem->size */
	const struct mpp_type *elem; /* must outlive the block */
	size_t count;
	size_t align; /* requested alignment when above malloc's own, else 0 */
};

/* A tracked block of count elements of type elem (NULL: count bytes).
 * The memory is zeroed. NULL with a recorded error when out of memory. */
void *mpp_heap_alloc(const struct mpp_type *elem, size_t count);
/* The same, aligned on align (a power of two; 0 or up to malloc's own
 * alignment: as mpp_heap_alloc). The block remembers it for a restore. */
void *mpp_heap_alloc_aligned(const struct mpp_type *elem, size_t count, size_t align);
/* Memory about to be written whole (a block being restored, a state
 * arriving): from 1 MiB on, asks the kernel for all its pages at once
 * (madvise MADV_POPULATE_WRITE, Linux 5.14), cheaper than a fault per page
 * as the copy first touches them. Only a hint: nothing happens where the
 * system cannot. */
void mpp_heap_prefault(void *p, size_t n);
/* Untrack and free a block from mpp_heap_alloc: 1; 0 when p is NULL or
 * was not allocated here. Blocks have a header before them and most are
 * not the C library's, so only this frees them (not free). */
int mpp_heap_free(void *p);
/* Resize to count elements of the block's type (new bytes zeroed). As with
 * realloc, only malloc's own alignment is kept. */
void *mpp_heap_realloc(void *p, size_t count);

/* Lists the live blocks for mpp_heap_count and mpp_heap_at (nothing is
 * kept while the program runs: this walks the heap when it has changed).
 * 0, or MPP_ENOMEM. */
int mpp_heap_walk(void);
/* Live blocks (0 when mpp_heap_walk fails). */
size_t mpp_heap_count(void);
/* log2 of b's alignment for the state (0: malloc's own). */
unsigned mpp_heap_align_log2(const struct mpp_hblock *b);
/* The i-th live block, valid until the heap changes. */
const struct mpp_hblock *mpp_heap_at(size_t i);
/* The block that starts at p, or NULL (p: NULL or any readable address).
 * The answer is valid until the next call. */
const struct mpp_hblock *mpp_heap_find(const void *p);
/* Is p in the memory of the small blocks but in none that is live (a
 * freed place, or one not handed out yet)? For mpp_heap_was_freed. */
int mpp_heap_chunk_dead(const void *p);

/* Is p dangling: inside a block freed since the heap was last rebuilt, in
 * the stack below main's frame (a saved variable is found before this is
 * asked: what is left belongs to functions that returned), or the target
 * of a restored dangling pointer? */
int mpp_heap_was_freed(const void *p);
/* 16-byte places and ranges of freed big blocks remembered (for tests). */
size_t mpp_heap_nfreed(void);
/* Where a restored dangling pointer points: not NULL, inside no block. */
void *mpp_heap_dangling(void);

/* Free every block (before a state is rebuilt in the same process). */
void mpp_heap_drop(void);

/* The runtime's copy of argv: one block of argc + 1 pointers, one block per
 * string. NULL with a recorded error when out of memory. */
char **mpp_heap_argv(int argc, char *const *argv);

/* The same for a NULL-terminated environment array. */
char **mpp_heap_env(char *const *env);

#endif
