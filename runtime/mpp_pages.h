/* mpp_pages.h: the set of heap blocks that start a page (pages.c), so
 * that heap.c reads the header before such an address only when it is
 * one of its own. */
#ifndef MPP_PAGES_H
#define MPP_PAGES_H

#include <stdint.h>

#define MPP_PAGE_START(p) (((uintptr_t)(p)&4095) == 0)

int mpp_pages_has(uintptr_t p);
/* Room for one more address: 0, or -1 when out of memory. */
int mpp_pages_reserve(void);
/* After mpp_pages_reserve. */
void mpp_pages_add(uintptr_t p);
void mpp_pages_del(uintptr_t p);
/* Forget them all. */
void mpp_pages_clear(void);

#endif
