/* mpp_grave.h: dead memory (grave.c): ranges of freed big heap blocks, for
 * heap.c; what a capture asks (mpp_heap_was_freed) is in mpp_heap.h. */
#ifndef MPP_GRAVE_H
#define MPP_GRAVE_H

#include <stddef.h>
#include <stdint.h>

/* [lo, lo + size) was freed. */
void mpp_grave_add(uintptr_t lo, size_t size);
/* 16-byte places and big ranges remembered (for tests). */
size_t mpp_grave_count(void);
/* Forget every range (the heap is dropped: its addresses mean nothing to
 * the rebuilt one). */
void mpp_grave_clear(void);

#endif
