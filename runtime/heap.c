/* heap.c: registry of tracked memory blocks. Blocks sit in an array of
 * slots (the order in which a state lists them); each block is preceded by
 * a small header holding its slot, so free and realloc find it in O(1)
 * without a table. A freed block's slot keeps its range and is given to the
 * next allocation (which, malloc reusing places the same way, usually gets
 * the same place); the slots are compacted before a capture, the ranges of
 * freed blocks going to grave.c. Capture builds its own sorted index, so
 * lookups by interior address stay O(log n) for millions of blocks. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_err.h"
#include "mpp_grave.h"
#include "mpp_heap.h"

static const struct mpp_type charptr = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};

/* A freed slot and the place its block had (kept here too, so that an
 * allocation compares it without touching the slot). */
struct freed {
	size_t slot;
	uintptr_t addr;
};

static struct {
	struct mpp_hblock *v; /* live blocks and, with elem NULL, freed ones */
	size_t n, cap;
	struct freed *free; /* slots of freed blocks, last freed last */
	size_t nfree, fcap;
} heap;

/* The header right before a block: its slot, and a check that tells a
 * tracked block from memory the C library allocated (whose 16 bytes
 * before are malloc's own). HDR keeps blocks aligned like malloc's. */
struct hdr {
	uint64_t index;
	uint64_t check;
};
#define HDR 16
_Static_assert(sizeof(struct hdr) <= HDR && HDR % _Alignof(max_align_t) == 0, "header keeps malloc's alignment");

static uint64_t hdr_check(uint64_t index, const void *p)
{
	return (index ^ (uint64_t)(uintptr_t)p) * 0x9E3779B97F4A7C15ULL ^ 0x6d70702d68656170ULL;
}

static void set_hdr(void *p, size_t index)
{
	struct hdr *h = (struct hdr *)((unsigned char *)p - HDR);
	h->index = index;
	h->check = hdr_check(index, p);
}

/* Tracked blocks that start a page (aligned allocations, mostly): the page
 * before an arbitrary address that starts a page may be unmapped (p a string
 * of the environment, or in a global), so its header is read only when p is
 * known to be one of these. A set of addresses, open addressing with linear
 * probing; 0 is an empty place (no block starts at address 0). Kept instead
 * of asking the kernel to copy the bytes, which qemu's user mode cannot. */
static struct {
	uintptr_t *v;
	size_t cap, n;
} pages;

#define PAGE_START(p) (((uintptr_t)(p)&4095) == 0)

static size_t page_slot(uintptr_t p)
{
	return (size_t)(((uint64_t)p >> 12) * 0x9E3779B97F4A7C15ULL >> 20) & (pages.cap - 1);
}

static int page_has(uintptr_t p)
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

/* Room for one more address: 0, or -1 when out of memory. */
static int page_reserve(void)
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

/* After page_reserve. */
static void page_add(uintptr_t p)
{
	if (page_has(p))
		return;
	page_put(pages.v, pages.cap, p);
	pages.n++;
}

/* Removal with backward shift: the places after it that probed past it
 * move up, so lookups never need tombstones. */
static void page_del(uintptr_t p)
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

/* Can the header bytes before p be read? They are in p's page (which the
 * caller can read) unless p starts a page: then only if p is a tracked
 * block's (its header is in the memory malloc gave for it). The bytes
 * before an untracked p may be another allocator's (a redzone under
 * AddressSanitizer): read without its checks, word by word (p is aligned
 * on 16), without memcpy, which it intercepts. */
__attribute__((no_sanitize_address)) static int hdr_readable(const void *p, struct hdr *out)
{
	const volatile uint64_t *w = (const volatile uint64_t *)(const void *)((const unsigned char *)p - HDR);

	if (PAGE_START(p) && !page_has((uintptr_t)p))
		return 0;
	out->index = w[0];
	out->check = w[1];
	return 1;
}

/* Slot of the live block that starts at p, or -1, for any readable p. */
static long lookup(const void *p)
{
	struct hdr hb, *h = &hb;

	if (!p || ((uintptr_t)p & (HDR - 1)) || !hdr_readable(p, &hb))
		return -1;
	if (h->index >= heap.n || h->check != hdr_check(h->index, p) || heap.v[h->index].addr != p ||
	    !heap.v[h->index].elem)
		return -1;
	return (long)h->index;
}

/* What malloc returned for block b. */
static void *base_of(const struct mpp_hblock *b)
{
	return (unsigned char *)b->addr - (b->align ? b->align : HDR);
}

/* n zeroed bytes after a header, aligned on align when it is more than
 * malloc's own: the block's address. Small blocks come from malloc and
 * memset (calloc skips malloc's fast per-thread cache); big ones from
 * calloc, whose fresh pages need no clearing. */
static void *zalloc(size_t n, size_t align)
{
	unsigned char *base;

	if (align <= HDR) {
		if (n > SIZE_MAX - HDR)
			return NULL;
		if (n <= 64) { /* the common small node: clear it without a call */
			uint64_t *w;
			/* whole words (malloc's chunks are in steps of 16 anyway) */
			if (!(base = malloc(HDR + ((n + 7) & ~(size_t)7))))
				return NULL;
			w = (uint64_t *)(void *)(base + HDR);
			switch ((n + 7) / 8) {
			case 8: w[7] = 0; /* fall through */
			case 7: w[6] = 0; /* fall through */
			case 6: w[5] = 0; /* fall through */
			case 5: w[4] = 0; /* fall through */
			case 4: w[3] = 0; /* fall through */
			case 3: w[2] = 0; /* fall through */
			case 2: w[1] = 0; /* fall through */
			default: w[0] = 0;
			}
		} else if (n < 65536) {
			if (!(base = malloc(HDR + n)))
				return NULL;
			memset(base + HDR, 0, n);
		} else if (!(base = calloc(1, HDR + n))) {
			return NULL;
		}
		return base + HDR;
	}
	if (n > SIZE_MAX - align || posix_memalign((void **)&base, align, align + n))
		return NULL;
	memset(base + align, 0, n);
	return base + align;
}

/* A slot for a new block at p: the last freed one (its range goes to the
 * grave unless p is that very place again), else a new one. */
static long take_slot(const void *p)
{
	if (heap.nfree) {
		const struct freed *f = &heap.free[--heap.nfree];
		if (f->addr != (uintptr_t)p)
			mpp_grave_add(f->addr, heap.v[f->slot].size);
		return (long)f->slot;
	}
	if (heap.n == heap.cap) {
		size_t cap = heap.cap ? heap.cap * 2 : 64;
		struct mpp_hblock *v = realloc(heap.v, cap * sizeof *v);
		if (!v)
			return -1;
		heap.v = v;
		heap.cap = cap;
	}
	return (long)heap.n++;
}

void *mpp_heap_alloc(const struct mpp_type *elem, size_t count)
{
	return mpp_heap_alloc_aligned(elem, count, 0);
}

void *mpp_heap_alloc_aligned(const struct mpp_type *elem, size_t count, size_t align)
{
	size_t esz = elem ? elem->size : 1, n;
	struct mpp_hblock *b;
	void *p;
	long i;

	if (__builtin_expect(align & (align - 1), 0)) {
		mpp_err_set(MPP_EINTERNAL, "heap block alignment %zu is not a power of two", align);
		return NULL;
	}
	if (__builtin_mul_overflow(count, esz, &n)) {
		mpp_err_set(MPP_ENOMEM, "heap block of %zu elements of %zu bytes is too large", count, esz);
		return NULL;
	}
	if (align <= HDR)
		align = 0;
	if (!(p = zalloc(n, align)))
		goto oom;
	if ((PAGE_START(p) && page_reserve()) || (i = take_slot(p)) < 0) {
		free((unsigned char *)p - (align ? align : HDR));
		goto oom;
	}
	if (PAGE_START(p))
		page_add((uintptr_t)p);
	b = &heap.v[i];
	b->addr = p;
	b->size = n;
	b->elem = elem ? elem : &mpp_t_uchar;
	b->count = count;
	b->align = align;
	set_hdr(p, (size_t)i);
	return p;
oom:
	mpp_err_set(MPP_ENOMEM, "out of memory for a heap block of %zu bytes", n);
	return NULL;
}

int mpp_heap_free(void *p)
{
	long i = lookup(p);
	struct mpp_hblock *b;

	if (i < 0)
		return 0;
	b = &heap.v[i];
	if (heap.nfree == heap.fcap) {
		size_t cap = heap.fcap ? heap.fcap * 2 : 64;
		struct freed *f = realloc(heap.free, cap * sizeof *f);
		if (!f) { /* keep the block: a leak, not a wrong state */
			mpp_err_set(MPP_ENOMEM, "out of memory while freeing a heap block");
			return 1;
		}
		heap.free = f;
		heap.fcap = cap;
	}
	if (PAGE_START(b->addr))
		page_del((uintptr_t)b->addr);
	free(base_of(b));
	b->elem = NULL; /* addr and size stay: the range is dead */
	heap.free[heap.nfree].slot = (size_t)i;
	heap.free[heap.nfree++].addr = (uintptr_t)b->addr;
	return 1;
}

void *mpp_heap_realloc(void *p, size_t count)
{
	long i = lookup(p);
	struct mpp_hblock *b;
	size_t esz, n;
	unsigned char *base, *q;
	uintptr_t old;

	if (i < 0) {
		mpp_err_set(MPP_EINTERNAL, "realloc of an untracked block");
		return NULL;
	}
	b = &heap.v[i];
	esz = b->elem->size;
	if (esz && count > (SIZE_MAX - HDR) / esz) {
		mpp_err_set(MPP_ENOMEM, "heap block of %zu elements is too large", count);
		return NULL;
	}
	n = count * esz;
	if (page_reserve()) /* the new place may start a page */
		goto oom;
	old = (uintptr_t)b->addr; /* p: only compared and remembered once freed */
	if (b->align) {
		/* realloc keeps only malloc's own alignment */
		if (!(q = zalloc(n, 0)))
			goto oom;
		memcpy(q, p, n < b->size ? n : b->size);
		free(base_of(b));
	} else {
		if (!(base = realloc(base_of(b), HDR + (n ? n : 1))))
			goto oom;
		q = base + HDR;
		if (n > b->size)
			memset(q + b->size, 0, n - b->size);
	}
	if ((uintptr_t)q != old) {
		if (PAGE_START(old))
			page_del(old);
		if (PAGE_START(q))
			page_add((uintptr_t)q);
		mpp_grave_add(old, b->size);
	}
	b->addr = q;
	b->align = 0;
	b->size = n;
	b->count = count;
	set_hdr(q, (size_t)i);
	return q;
oom:
	mpp_err_set(MPP_ENOMEM, "out of memory for a heap block of %zu bytes", n);
	return NULL;
}

/* Live blocks to the front, in their order; the ranges of freed ones to
 * the grave. */
static void compact(void)
{
	size_t i, k = 0;

	if (!heap.nfree)
		return;
	for (i = 0; i < heap.n; i++) {
		if (!heap.v[i].elem) {
			mpp_grave_add((uintptr_t)heap.v[i].addr, heap.v[i].size);
			continue;
		}
		if (i != k) {
			heap.v[k] = heap.v[i];
			set_hdr(heap.v[k].addr, k);
		}
		k++;
	}
	heap.n = k;
	heap.nfree = 0;
}

size_t mpp_heap_count(void)
{
	compact();
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
	compact();
	return i < heap.n ? &heap.v[i] : NULL;
}

const struct mpp_hblock *mpp_heap_find(const void *p)
{
	long i = lookup(p);

	return i < 0 ? NULL : &heap.v[i];
}

size_t mpp_heap_nfreed(void)
{
	return mpp_grave_count();
}

void mpp_heap_drop(void)
{
	size_t i;

	for (i = 0; i < heap.n; i++)
		if (heap.v[i].elem)
			free(base_of(&heap.v[i]));
	free(heap.v);
	free(heap.free);
	free(pages.v);
	memset(&heap, 0, sizeof heap);
	memset(&pages, 0, sizeof pages);
	mpp_grave_clear(); /* the addresses of this heap mean nothing to the rebuilt one */
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
