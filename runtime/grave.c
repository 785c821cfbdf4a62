/* grave.c: dead memory, so that a capture can tell a dangling pointer (a
 * correct program never uses it again) from one into memory nobody knows:
 * places of freed heap blocks, and the stack of functions that returned.
 * The chunks of the small blocks know their own dead places (heap.c); the
 * places of big blocks freed or moved are bits in bitmaps here (one bit per
 * 16 bytes, one bitmap per MiB of address space that held blocks), so
 * the memory stays a fixed fraction of the heap however long the program
 * runs; blocks of a MiB and more are kept as ranges. A place that holds a
 * live block again is found as that block first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_grave.h"
#include "mpp_hash.h"
#include "mpp_heap.h"

#define GRAIN_SHIFT 4 /* a bit per 16 bytes: blocks start on 16 */
#define PAGE_SHIFT 20 /* a bitmap per MiB */
#define PAGE_WORDS ((1u << (PAGE_SHIFT - GRAIN_SHIFT)) / 64)

struct page {
	uintptr_t key; /* address >> PAGE_SHIFT, + 1 (0: empty slot) */
	uint64_t *bits;
};

struct range {
	uintptr_t lo, hi;
};

static struct {
	struct page *tab; /* open addressing on key */
	size_t n, cap;
	struct page *last; /* the page of the last access */
	struct range *big; /* blocks of a MiB and more, unsorted */
	size_t nbig, bigcap;
} grave;

/* One object that restored dangling pointers point at: not NULL, inside
 * no block, recognised again by the next capture. */
static unsigned char dangling_target;

void *mpp_heap_dangling(void)
{
	return &dangling_target;
}

static size_t home(uintptr_t key, size_t cap)
{
	return (size_t)mpp_hash_mix(key) & (cap - 1);
}

static struct page *find_page(uintptr_t key)
{
	size_t i;

	if (grave.last && grave.last->key == key)
		return grave.last;
	if (!grave.cap)
		return NULL;
	for (i = home(key, grave.cap); grave.tab[i].key; i = (i + 1) & (grave.cap - 1))
		if (grave.tab[i].key == key)
			return grave.last = &grave.tab[i];
	return NULL;
}

static struct page *new_page(uintptr_t key)
{
	struct page *p;
	size_t i;

	if ((grave.n + 1) * 2 > grave.cap) {
		size_t cap = grave.cap ? grave.cap * 2 : 64;
		struct page *tab = calloc(cap, sizeof *tab);
		if (!tab)
			return NULL;
		for (i = 0; i < grave.cap; i++) {
			size_t j;
			if (!grave.tab[i].key)
				continue;
			for (j = home(grave.tab[i].key, cap); tab[j].key; j = (j + 1) & (cap - 1))
				;
			tab[j] = grave.tab[i];
		}
		free(grave.tab);
		grave.tab = tab;
		grave.cap = cap;
	}
	for (i = home(key, grave.cap); grave.tab[i].key; i = (i + 1) & (grave.cap - 1))
		;
	p = &grave.tab[i];
	if (!(p->bits = calloc(PAGE_WORDS, sizeof *p->bits)))
		return NULL;
	p->key = key;
	grave.n++;
	return grave.last = p;
}

void mpp_grave_add(uintptr_t lo, size_t size)
{
	uintptr_t g, end;

	if (!size)
		size = 1;
	/* fast path: a small block whose grains share one word of the page
	 * used last */
	g = lo >> GRAIN_SHIFT;
	end = ((lo + size - 1) >> GRAIN_SHIFT) + 1;
	if (end - g <= 64 - (g & 63) && grave.last && grave.last->key == (g >> (PAGE_SHIFT - GRAIN_SHIFT)) + 1) {
		size_t bit = g & ((1u << (PAGE_SHIFT - GRAIN_SHIFT)) - 1), n = end - g;
		grave.last->bits[bit / 64] |= (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << (bit % 64);
		return;
	}
	if (size >= ((size_t)1 << PAGE_SHIFT)) {
		if (grave.nbig == grave.bigcap) {
			size_t cap = grave.bigcap ? grave.bigcap * 2 : 16;
			struct range *v = realloc(grave.big, cap * sizeof *v);
			if (!v)
				return; /* a dangling pointer there will stop a capture: not wrong */
			grave.big = v;
			grave.bigcap = cap;
		}
		grave.big[grave.nbig].lo = lo;
		grave.big[grave.nbig++].hi = lo + size;
		return;
	}
	for (; g < end;) {
		uintptr_t key = (g >> (PAGE_SHIFT - GRAIN_SHIFT)) + 1;
		struct page *p = find_page(key);
		if (!p && !(p = new_page(key)))
			return;
		/* the grains of this page, a word of bits at a time */
		uintptr_t page_end = (g | ((1u << (PAGE_SHIFT - GRAIN_SHIFT)) - 1)) + 1,
		          stop = end < page_end ? end : page_end;
		while (g < stop) {
			size_t bit = g & ((1u << (PAGE_SHIFT - GRAIN_SHIFT)) - 1), n = 64 - bit % 64;
			if (n > stop - g)
				n = stop - g;
			p->bits[bit / 64] |= (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << (bit % 64);
			g += n;
		}
	}
}

size_t mpp_grave_count(void)
{
	size_t i, k, n = grave.nbig;

	for (i = 0; i < grave.cap; i++)
		if (grave.tab[i].key)
			for (k = 0; k < PAGE_WORDS; k++)
				n += (size_t)__builtin_popcountll(grave.tab[i].bits[k]);
	return n;
}

void mpp_grave_clear(void)
{
	size_t i;

	for (i = 0; i < grave.cap; i++)
		free(grave.tab[i].bits);
	free(grave.tab);
	free(grave.big);
	memset(&grave, 0, sizeof grave);
}

static int freed(uintptr_t v)
{
	const struct page *p = find_page(((v >> GRAIN_SHIFT) >> (PAGE_SHIFT - GRAIN_SHIFT)) + 1);
	size_t i, bit = (v >> GRAIN_SHIFT) & ((1u << (PAGE_SHIFT - GRAIN_SHIFT)) - 1);

	if (p && (p->bits[bit / 64] >> (bit % 64) & 1))
		return 1;
	for (i = 0; i < grave.nbig; i++)
		if (v >= grave.big[i].lo && v < grave.big[i].hi)
			return 1;
	return 0;
}

/* ---- The stack of returned functions ----------------------------------------
 * The live variables of translated frames that may be pointed to are saved
 * blocks (mppcc refuses alloca and compound literals whose address is taken
 * in functions that can reach a poll point). Any other address of the
 * stack, below the frame of main, belongs to a local whose function has
 * returned: a pointer there is dangling. Above main lie the process's
 * arguments and environment, which are not dead. */
static uintptr_t stack_main; /* about the depth of main's frame */
static uintptr_t stack_lo, stack_hi;

static void note_stack(void) __attribute__((constructor));
static void note_stack(void)
{
	volatile char here = 0;
	stack_main = (uintptr_t)&here;
}

/* The [stack] mapping from /proc/self/maps (it grows: read again when an
 * address is not inside the one known). */
static void read_stack_range(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			stack_lo = (uintptr_t)lo;
			stack_hi = (uintptr_t)hi;
			break;
		}
	}
	fclose(f);
}

static int dead_local(uintptr_t v)
{
	if (!stack_main || v >= stack_main)
		return 0;
	if (v < stack_lo || v >= stack_hi)
		read_stack_range();
	return v >= stack_lo && v < stack_hi && v < stack_main;
}

int mpp_heap_was_freed(const void *p)
{
	uintptr_t v = (uintptr_t)p;

	if (p == &dangling_target || dead_local(v) || mpp_heap_chunk_dead(p))
		return 1;
	return freed(v);
}
