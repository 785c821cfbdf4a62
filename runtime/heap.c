/* heap.c: registry of tracked memory blocks. Blocks sit in an array (the
 * order in which a state lists them) with an address hash for free and
 * realloc; capture builds its own sorted index over all blocks, so lookups
 * by interior address stay O(log n) for millions of blocks. It also knows
 * dead memory: freed blocks and the stack of returned functions. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_err.h"
#include "mpp_hash.h"
#include "mpp_heap.h"

static const struct mpp_type charptr = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};

static struct {
	struct mpp_hblock *v;
	size_t n, cap;
	size_t *tab; /* address -> index + 1; 0 = empty; linear probing */
	size_t tcap;
} heap;

static size_t home(const void *p, size_t cap)
{
	return (size_t)mpp_hash_mix((uint64_t)(uintptr_t)p) & (cap - 1);
}

static long lookup(const void *p)
{
	size_t i;

	if (!heap.tcap)
		return -1;
	for (i = home(p, heap.tcap); heap.tab[i]; i = (i + 1) & (heap.tcap - 1))
		if (heap.v[heap.tab[i] - 1].addr == p)
			return (long)i;
	return -1;
}

static void tab_put(const void *p, size_t index)
{
	size_t i;

	for (i = home(p, heap.tcap); heap.tab[i]; i = (i + 1) & (heap.tcap - 1))
		;
	heap.tab[i] = index + 1;
}

/* Remove table slot i, shifting later entries of its run back. */
static void tab_del(size_t i)
{
	size_t j = i, k;

	heap.tab[i] = 0;
	for (;;) {
		j = (j + 1) & (heap.tcap - 1);
		if (!heap.tab[j])
			return;
		k = home(heap.v[heap.tab[j] - 1].addr, heap.tcap);
		/* move j to i unless its home lies cyclically in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			heap.tab[i] = heap.tab[j];
			heap.tab[j] = 0;
			i = j;
		}
	}
}

static int grow(void)
{
	size_t i;

	if (heap.n == heap.cap) {
		size_t cap = heap.cap ? heap.cap * 2 : 64;
		struct mpp_hblock *v = realloc(heap.v, cap * sizeof *v);
		if (!v)
			return -1;
		heap.v = v;
		heap.cap = cap;
	}
	if ((heap.n + 1) * 2 > heap.tcap) {
		size_t cap = heap.tcap ? heap.tcap * 2 : 128;
		size_t *tab = calloc(cap, sizeof *tab);
		if (!tab)
			return -1;
		free(heap.tab);
		heap.tab = tab;
		heap.tcap = cap;
		for (i = 0; i < heap.n; i++)
			tab_put(heap.v[i].addr, i);
	}
	return 0;
}

void *mpp_heap_alloc(const struct mpp_type *elem, size_t count)
{
	return mpp_heap_alloc_aligned(elem, count, 0);
}

/* Zeroed memory of n bytes (at least one), aligned on align when it is
 * more than malloc's own alignment. */
static void *zalloc(size_t n, size_t align)
{
	void *p;

	if (!n)
		n = 1;
	if (align <= _Alignof(max_align_t))
		return calloc(1, n);
	if (posix_memalign(&p, align, n))
		return NULL;
	return memset(p, 0, n);
}

void *mpp_heap_alloc_aligned(const struct mpp_type *elem, size_t count, size_t align)
{
	size_t esz = elem ? elem->size : 1;
	struct mpp_hblock *b;
	void *p;

	if (align & (align - 1)) {
		mpp_err_set(MPP_EINTERNAL, "heap block alignment %zu is not a power of two", align);
		return NULL;
	}
	if (esz && count > SIZE_MAX / esz) {
		mpp_err_set(MPP_ENOMEM, "heap block of %zu elements of %zu bytes is too large", count, esz);
		return NULL;
	}
	if (grow() || !(p = zalloc(count * esz, align))) {
		mpp_err_set(MPP_ENOMEM, "out of memory for a heap block of %zu bytes", count * esz);
		return NULL;
	}
	b = &heap.v[heap.n];
	b->addr = p;
	b->size = count * esz;
	b->elem = elem ? elem : &mpp_t_uchar;
	b->count = count;
	b->align = align > _Alignof(max_align_t) ? align : 0;
	tab_put(p, heap.n);
	heap.n++;
	return p;
}

/* Freed blocks, so a capture can tell a dangling pointer (a correct
 * program never uses it again) from one into memory nobody knows. Ranges
 * are appended as blocks are freed; from time to time they are sorted and
 * merged where they overlap or touch, so that a program that frees and
 * allocates forever keeps about as many ranges as its heap has places. */
struct range {
	uintptr_t lo, hi;
};

static struct {
	struct range *v;
	size_t n, cap;
	size_t limit; /* merge when n reaches it */
	int sorted;   /* sorted by lo and disjoint */
} grave;

/* One object that restored dangling pointers point at: not NULL, inside
 * no block, recognised again by the next capture. */
static unsigned char dangling_target;

void *mpp_heap_dangling(void)
{
	return &dangling_target;
}

static int by_lo(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort the ranges and merge those that overlap or touch. */
static void merge_graves(void)
{
	size_t i, k = 0;

	if (grave.sorted)
		return;
	qsort(grave.v, grave.n, sizeof *grave.v, by_lo);
	for (i = 0; i < grave.n; i++) {
		if (k && grave.v[i].lo <= grave.v[k - 1].hi) {
			if (grave.v[i].hi > grave.v[k - 1].hi)
				grave.v[k - 1].hi = grave.v[i].hi;
			continue;
		}
		grave.v[k++] = grave.v[i];
	}
	grave.n = k;
	grave.sorted = 1;
}

static void bury(uintptr_t lo, size_t size)
{
	if (grave.n >= grave.limit) {
		merge_graves();
		grave.limit = grave.n * 2 > 4096 ? grave.n * 2 : 4096;
	}
	if (grave.n == grave.cap) {
		size_t cap = grave.cap ? grave.cap * 2 : 256;
		struct range *v = realloc(grave.v, cap * sizeof *v);
		if (!v)
			return;
		grave.v = v;
		grave.cap = cap;
	}
	grave.v[grave.n].lo = lo;
	grave.v[grave.n].hi = lo + (size ? size : 1);
	grave.n++;
	grave.sorted = 0;
}

size_t mpp_heap_nfreed(void)
{
	merge_graves();
	return grave.n;
}

/* ---- Dead locals ----------------------------------------------------------
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
	size_t a = 0, b;

	if (p == &dangling_target || dead_local(v))
		return 1;
	if (!grave.n)
		return 0;
	merge_graves();
	b = grave.n;
	while (a < b) { /* first range starting after v */
		size_t m = a + (b - a) / 2;
		if (grave.v[m].lo <= v)
			a = m + 1;
		else
			b = m;
	}
	return a > 0 && v < grave.v[a - 1].hi;
}

void mpp_heap_free(void *p)
{
	long slot;
	size_t i, last;

	if (!p || (slot = lookup(p)) < 0)
		return;
	i = heap.tab[slot] - 1;
	tab_del((size_t)slot);
	bury((uintptr_t)heap.v[i].addr, heap.v[i].size);
	free(heap.v[i].addr);
	last = heap.n - 1;
	if (i != last) {
		long s = lookup(heap.v[last].addr);
		heap.v[i] = heap.v[last];
		heap.tab[s] = i + 1;
	}
	heap.n--;
}

void *mpp_heap_realloc(void *p, size_t count)
{
	long slot;
	struct mpp_hblock *b;
	size_t esz;
	unsigned char *q;

	if (!p || (slot = lookup(p)) < 0) {
		mpp_err_set(MPP_EINTERNAL, "realloc of an untracked block");
		return NULL;
	}
	b = &heap.v[heap.tab[slot] - 1];
	esz = b->elem->size;
	if (esz && count > SIZE_MAX / esz) {
		mpp_err_set(MPP_ENOMEM, "heap block of %zu elements is too large", count);
		return NULL;
	}
	q = realloc(p, count * esz > 0 ? count * esz : 1);
	if (!q) {
		mpp_err_set(MPP_ENOMEM, "out of memory for a heap block of %zu bytes", count * esz);
		return NULL;
	}
	if (count * esz > b->size)
		memset(q + b->size, 0, count * esz - b->size);
	tab_del((size_t)slot);
	if (q != p)
		bury((uintptr_t)p, b->size);
	b->addr = q;
	b->align = 0; /* realloc keeps only malloc's own alignment */
	b->size = count * esz;
	b->count = count;
	tab_put(q, (size_t)(b - heap.v));
	return q;
}

size_t mpp_heap_count(void)
{
	return heap.n;
}

unsigned mpp_heap_align_log2(const struct mpp_hblock *b)
{
	unsigned k = 0;

	while (b->align >> (k + 1))
		k++;
	return b->align ? k : 0;
}

const struct mpp_hblock *mpp_heap_at(size_t i)
{
	return i < heap.n ? &heap.v[i] : NULL;
}

const struct mpp_hblock *mpp_heap_find(const void *p)
{
	long slot = lookup(p);

	return slot < 0 ? NULL : &heap.v[heap.tab[slot] - 1];
}

void mpp_heap_drop(void)
{
	size_t i;

	/* the addresses of this heap mean nothing to the rebuilt one */
	free(grave.v);
	memset(&grave, 0, sizeof grave);

	for (i = 0; i < heap.n; i++)
		free(heap.v[i].addr);
	free(heap.v);
	free(heap.tab);
	memset(&heap, 0, sizeof heap);
}

char **mpp_heap_argv(int argc, char *const *argv)
{
	char **v;
	int i;

	if (argc < 0)
		argc = 0;
	v = mpp_heap_alloc(&charptr, (size_t)argc + 1);
	if (!v)
		return NULL;
	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		if (!(v[i] = mpp_heap_alloc(&mpp_t_char, n)))
			return NULL;
		memcpy(v[i], argv[i], n);
	}
	v[argc] = NULL;
	return v;
}

char **mpp_heap_env(char *const *env)
{
	int n = 0;

	while (env && env[n])
		n++;
	return mpp_heap_argv(n, env);
}
