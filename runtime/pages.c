/* pages.c: the set of heap blocks that start a page (big blocks aligned on
 * a page, mostly). The page before an arbitrary address that starts a page
 * may be unmapped (a string of the environment, a global), so heap.c reads
 * the header before such an address only when it is in this set. Open
 * addressing with linear probing; 0 is an empty place (no block starts at
 * address 0). Kept instead of asking the kernel to copy the bytes, which
 * qemu's user mode cannot. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_pages.h"

static struct {
	uintptr_t *v;
	size_t cap, n;
} pages;

static size_t page_slot(uintptr_t p)
{
	return (size_t)(((uint64_t)p >> 12) * 0x9E3779B97F4A7C15ULL >> 20) & (pages.cap - 1);
}

int mpp_pages_has(uintptr_t p)
{
	size_t h;

	if (!pages.n)
		return 0;
	for (h = page_slot(p); pages.v[h]; h = (h + 1) & (pages.cap - 1))
		if (pages.v[h] == p)
			return 1;
	return 0;
}

static void page_put(uintptr_t *v, size_t cap, uintptr_t p)
{
	size_t h;

	for (h = page_slot(p) & (cap - 1); v[h] && v[h] != p; h = (h + 1) & (cap - 1))
		;
	v[h] = p;
}

int mpp_pages_reserve(void)
{
	if ((pages.n + 1) * 2 > pages.cap) {
		size_t cap = pages.cap ? pages.cap * 2 : 64, i, old = pages.cap;
		uintptr_t *v = calloc(cap, sizeof *v), *ov = pages.v;
		if (!v)
			return -1;
		pages.v = v;
		pages.cap = cap;
		for (i = 0; i < old; i++)
			if (ov[i])
				page_put(v, cap, ov[i]);
		free(ov);
	}
	return 0;
}

void mpp_pages_add(uintptr_t p)
{
	if (mpp_pages_has(p))
		return;
	page_put(pages.v, pages.cap, p);
	pages.n++;
}

/* Removal with backward shift: the places after it that probed past it
 * move up, so lookups never need tombstones. */
void mpp_pages_del(uintptr_t p)
{
	size_t h, j, k;

	if (!pages.n)
		return;
	for (h = page_slot(p); pages.v[h] != p; h = (h + 1) & (pages.cap - 1))
		if (!pages.v[h])
			return;
	pages.v[h] = 0;
	pages.n--;
	for (j = (h + 1) & (pages.cap - 1); pages.v[j]; j = (j + 1) & (pages.cap - 1)) {
		k = page_slot(pages.v[j]);
		/* move v[j] to the hole unless its home lies cyclically in (h, j] */
		if ((h <= j) ? (h < k && k <= j) : (h < k || k <= j))
			continue;
		pages.v[h] = pages.v[j];
		pages.v[j] = 0;
		h = j;
	}
}

void mpp_pages_clear(void)
{
	free(pages.v);
	memset(&pages, 0, sizeof pages);
}
