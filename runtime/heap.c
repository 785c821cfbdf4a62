/* heap.c: the tracked memory blocks and their allocator. Each block is
 * preceded by a 16-byte header: its element type, and a word holding its
 * count, its size class and a tag computed from its address (which tells a
 * tracked block from memory the C library allocated). Blocks of up to
 * 1 KiB come from per-class free lists carved out of 64 KiB chunks, so
 * malloc and free are a few loads and stores; bigger and over-aligned ones
 * come from the C library and are chained in a list. Nothing else is kept
 * while the program runs: a capture walks the chunks and the list for the
 * live blocks (in the order a state lists them), and memory of a chunk
 * that holds no live block is dead (dangling pointers); the ranges of
 * freed big blocks go to grave.c. Single-threaded, like the rest of the
 * runtime. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mpp_err.h"
#include "mpp_grave.h"
#include "mpp_heap.h"
#include "mpp_pages.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_ASAN 1
#endif
#endif
#ifdef HEAP_ASAN /* free and unused places of the chunks are poisoned */
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static const struct mpp_type charptr = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};

/* The header right before a block. w: the tag (bits 24-63), the class
 * (16-23, BIG for a block of the list) and, for a small block, the count
 * (0-15). A freed block's tag bits are inverted, so it is found no more. */
struct hdr {
	union {
		const struct mpp_type *elem; /* a live block's */
		struct hdr *next;            /* a free small block: its class's list */
		uint64_t pad;
	} u;
	uint64_t w;
};
#define HDR 16
_Static_assert(sizeof(struct hdr) == HDR && HDR % _Alignof(max_align_t) == 0, "header keeps malloc's alignment");

#define TAG_MASK (~(uint64_t)0 << 24)
#define CLASS_OF(w) ((unsigned)((w) >> 16) & 0xff)
#define COUNT_OF(w) ((size_t)((w)&0xffff))
#define BIG 0xffu

/* The tag of the block at p: a header whose tag bits differ is not one.
 * (That the 8 bytes before an untracked address hold exactly this is a
 * chance of 2^-40.) */
static inline uint64_t tag(const void *p)
{
	return (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL & TAG_MASK;
}

/* ---- Small blocks: size classes, chunks, free lists ----------------------- */

#define SMALL_MAX 1024
#define NCLASS 24
#define CHUNK 65536
static const uint16_t class_size[NCLASS] = {16,  32,  48,  64,  80,  96,  112, 128, 144, 160, 176, 192,
                                            208, 224, 240, 256, 320, 384, 448, 512, 640, 768, 896, 1024};
/* The class of n bytes (1 <= n <= SMALL_MAX), by (n - 1) / 16. */
static const uint8_t class_of[SMALL_MAX / 16] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                                 16, 16, 16, 16, 17, 17, 17, 17, 18, 18, 18, 18, 19, 19, 19, 19,
                                                 20, 20, 20, 20, 20, 20, 20, 20, 21, 21, 21, 21, 21, 21, 21, 21,
                                                 22, 22, 22, 22, 22, 22, 22, 22, 23, 23, 23, 23, 23, 23, 23, 23};

struct chunk {
	unsigned char *base;  /* from malloc, CHUNK bytes */
	unsigned char *start; /* the first slot (base rounded up to 16) */
	unsigned char *top;   /* end of the slots carved so far */
	unsigned cls;
};

struct pool {
	struct hdr *free;          /* freed blocks of the class, last freed first */
	unsigned char *bump, *end; /* the rest of the class's current chunk */
	size_t chunk;              /* its index */
};

/* A block of the C library's: its header is the end of this. */
struct big {
	struct big *prev, *next;
	size_t count, align;
	struct hdr h;
};
_Static_assert(sizeof(struct big) % HDR == 0 && offsetof(struct big, h) + HDR == sizeof(struct big),
               "a big block's header ends right before it");

static struct {
	struct pool pool[NCLASS];
	struct chunk *chunks; /* in the order they were made */
	size_t nchunks, ccap;
	struct chunk **sorted; /* by address, made when asked (nsorted of them) */
	size_t nsorted;
	struct big *first, *last;
	int stale;              /* the heap changed since the last walk */
	struct mpp_hblock *all; /* the live blocks found by the last walk */
	size_t nall, allcap;
} heap;

/* The word of the header before p. The bytes before an untracked p may be
 * another allocator's (a redzone under AddressSanitizer): read without its
 * checks. */
__attribute__((no_sanitize_address)) static inline uint64_t hdr_word(const void *p)
{
	return ((const volatile struct hdr *)p - 1)->w;
}

/* The header of the live block that starts at p, or NULL, for any readable
 * p. Only a big block may start a page (a small one never does): the page
 * before any other address that starts a page may be unmapped (p a string
 * of the environment, or in a global), so it is not read. */
static inline struct hdr *lookup(const void *p)
{
	if (!p || ((uintptr_t)p & (HDR - 1)) ||
	    (__builtin_expect(MPP_PAGE_START(p), 0) && !mpp_pages_has((uintptr_t)p)) ||
	    ((hdr_word(p) ^ tag(p)) & TAG_MASK))
		return NULL;
	return (struct hdr *)p - 1;
}

/* Clears n bytes at p (16-aligned), whole words: a small block's class has
 * room for them. */
static inline void zero_small(void *p, size_t n)
{
	uint64_t *w = p;

	switch ((n + 7) / 8) {
	case 8: w[7] = 0; /* fall through */
	case 7: w[6] = 0; /* fall through */
	case 6: w[5] = 0; /* fall through */
	case 5: w[4] = 0; /* fall through */
	case 4: w[3] = 0; /* fall through */
	case 3: w[2] = 0; /* fall through */
	case 2: w[1] = 0; /* fall through */
	case 1: w[0] = 0; break;
	default: memset(p, 0, (n + 7) & ~(size_t)7);
	}
}

/* A new chunk for class c: 0, or -1 when out of memory. */
static int new_chunk(unsigned c)
{
	struct pool *pl = &heap.pool[c];
	struct chunk *k;
	unsigned char *base;

	if (heap.nchunks == heap.ccap) {
		size_t cap = heap.ccap ? heap.ccap * 2 : 64;
		struct chunk *v = realloc(heap.chunks, cap * sizeof *v);
		if (!v)
			return -1;
		heap.chunks = v;
		heap.ccap = cap;
	}
	if (!(base = malloc(CHUNK)))
		return -1;
	POISON(base, CHUNK);
	if (pl->end)
		heap.chunks[pl->chunk].top = pl->bump;
	k = &heap.chunks[heap.nchunks];
	k->base = base;
	k->start = k->top = (unsigned char *)(((uintptr_t)base + HDR - 1) & ~(uintptr_t)(HDR - 1));
	k->cls = c;
	pl->chunk = heap.nchunks++;
	pl->bump = k->start;
	pl->end = base + CHUNK;
	return 0;
}

/* A never used place of class c, or NULL when out of memory. A place whose
 * block would start a page is skipped (see hdr_word). */
static struct hdr *carve(unsigned c)
{
	struct pool *pl = &heap.pool[c];
	size_t stride = HDR + class_size[c];
	struct hdr *h;

	for (;;) {
		if ((size_t)(pl->end - pl->bump) < stride && new_chunk(c))
			return NULL;
		h = (struct hdr *)(void *)pl->bump;
		pl->bump += stride;
		UNPOISON(h, HDR);
		if (!MPP_PAGE_START(h + 1))
			return h;
		h->u.elem = NULL;
		h->w = tag(h + 1) ^ TAG_MASK;
	}
}

/* ---- Big blocks -------------------------------------------------------------- */

/* Bytes from what the C library returned to a big block aligned on align. */
static size_t big_off(size_t align)
{
	return align ? (sizeof(struct big) + align - 1) & ~(align - 1) : sizeof(struct big);
}

static struct big *big_of(const void *p)
{
	return (struct big *)p - 1;
}

static void big_link(struct big *b)
{
	b->next = NULL;
	b->prev = heap.last;
	if (heap.last)
		heap.last->next = b;
	else
		heap.first = b;
	heap.last = b;
}

static void big_unlink(struct big *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		heap.first = b->next;
	if (b->next)
		b->next->prev = b->prev;
	else
		heap.last = b->prev;
}

/* n zeroed bytes of a big block on align (0: malloc's own). Blocks under
 * 64 KiB come from malloc and memset (calloc skips malloc's fast per-thread
 * cache); bigger ones from calloc, whose fresh pages need no clearing. */
static void *big_alloc(const struct mpp_type *elem, size_t count, size_t n, size_t align)
{
	size_t off = big_off(align);
	unsigned char *base;
	struct big *b;
	void *p;

	if (n > SIZE_MAX - off)
		goto oom;
	if (align) {
		if (posix_memalign((void **)&base, align, off + n))
			goto oom;
		memset(base + off, 0, n);
	} else if (n < 65536) {
		if (!(base = malloc(off + n)))
			goto oom;
		memset(base + off, 0, n);
	} else if (!(base = calloc(1, off + n))) {
		goto oom;
	}
	p = base + off;
	if (MPP_PAGE_START(p)) {
		if (mpp_pages_reserve()) {
			free(base);
			goto oom;
		}
		mpp_pages_add((uintptr_t)p);
	}
	b = big_of(p);
	b->count = count;
	b->align = align;
	b->h.u.elem = elem ? elem : &mpp_t_uchar;
	b->h.w = tag(p) | (uint64_t)BIG << 16;
	big_link(b);
	return p;
oom:
	mpp_err_set(MPP_ENOMEM, "out of memory for a heap block of %zu bytes", n);
	return NULL;
}

void mpp_heap_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	long pg = sysconf(_SC_PAGESIZE);
	if (n < ((size_t)1 << 20) || pg <= 0)
		return;
	uintptr_t a = ((uintptr_t)p + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~((uintptr_t)pg - 1);
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

static void big_free(void *p)
{
	struct big *b = big_of(p);

	big_unlink(b);
	if (MPP_PAGE_START(p))
		mpp_pages_del((uintptr_t)p);
	mpp_grave_add((uintptr_t)p, b->count * b->h.u.elem->size);
	b->h.w ^= TAG_MASK; /* a second free finds no block (while nobody reuses the place) */
	free((unsigned char *)p - big_off(b->align));
}

/* ---- The allocation functions ------------------------------------------------ */

/* A small block of class c at h: its header, its bytes cleared. */
static inline void *place(struct hdr *h, const struct mpp_type *elem, size_t count, unsigned c, size_t n)
{
	void *p = h + 1;

	h->u.elem = elem ? elem : &mpp_t_uchar;
	h->w = tag(p) | (uint64_t)c << 16 | count; /* count <= n <= SMALL_MAX */
	heap.stale = 1;
	UNPOISON(p, (n + 7) & ~(size_t)7);
	zero_small(p, n);
	return p;
}

/* The common case first: a small block whose class has a free place. */
void *mpp_heap_alloc(const struct mpp_type *elem, size_t count)
{
	size_t n;
	struct pool *pl;
	struct hdr *h;
	unsigned c;

	if (__builtin_expect(__builtin_mul_overflow(count, elem ? elem->size : 1, &n) || n - 1 >= SMALL_MAX, 0))
		return mpp_heap_alloc_aligned(elem, count, 0);
	c = class_of[(n - 1) >> 4];
	pl = &heap.pool[c];
	if ((h = pl->free)) {
		pl->free = h->u.next;
	} else { /* a new place, when the chunk has one that does not start a page */
		size_t stride = HDR + class_size[c];
		if (__builtin_expect((size_t)(pl->end - pl->bump) < stride || MPP_PAGE_START(pl->bump + HDR), 0))
			return mpp_heap_alloc_aligned(elem, count, 0);
		h = (struct hdr *)(void *)pl->bump;
		pl->bump += stride;
		UNPOISON(h, HDR);
	}
	return place(h, elem, count, c, n);
}

void *mpp_heap_alloc_aligned(const struct mpp_type *elem, size_t count, size_t align)
{
	size_t esz = elem ? elem->size : 1, n;
	struct hdr *h;
	unsigned c;

	if (align & (align - 1)) {
		mpp_err_set(MPP_EINTERNAL, "heap block alignment %zu is not a power of two", align);
		return NULL;
	}
	if (__builtin_mul_overflow(count, esz, &n)) {
		mpp_err_set(MPP_ENOMEM, "heap block of %zu elements of %zu bytes is too large", count, esz);
		return NULL;
	}
	heap.stale = 1;
	if (n - 1 >= SMALL_MAX || align > HDR)
		return big_alloc(elem, count, n, align > HDR ? align : 0);
	c = class_of[(n - 1) >> 4];
	if ((h = heap.pool[c].free))
		heap.pool[c].free = h->u.next;
	else if (!(h = carve(c))) {
		mpp_err_set(MPP_ENOMEM, "out of memory for a heap block of %zu bytes", n);
		return NULL;
	}
	return place(h, elem, count, c, n);
}

int mpp_heap_free(void *p)
{
	struct hdr *h = lookup(p);
	unsigned c;

	if (!h)
		return 0;
	heap.stale = 1;
	c = CLASS_OF(h->w);
	if (c == BIG) {
		big_free(p);
		return 1;
	}
	h->w ^= TAG_MASK;
	h->u.next = heap.pool[c].free;
	heap.pool[c].free = h;
	POISON(p, class_size[c]);
	return 1;
}

/* A new block for the one at p, its bytes copied, the old one freed. */
static void *move(void *p, size_t old, size_t count)
{
	struct hdr *h = (struct hdr *)p - 1;
	size_t n = count * h->u.elem->size;
	void *q = mpp_heap_alloc(h->u.elem, count);

	if (!q)
		return NULL;
	memcpy(q, p, n < old ? n : old);
	mpp_heap_free(p);
	return q;
}

void *mpp_heap_realloc(void *p, size_t count)
{
	struct hdr *h = lookup(p);
	size_t esz, n, old;
	unsigned char *base, *q;
	struct big *b;
	unsigned c;

	if (!h) {
		mpp_err_set(MPP_EINTERNAL, "realloc of an untracked block");
		return NULL;
	}
	esz = h->u.elem->size;
	if (esz && count > (SIZE_MAX - 4096) / esz) {
		mpp_err_set(MPP_ENOMEM, "heap block of %zu elements is too large", count);
		return NULL;
	}
	n = count * esz;
	heap.stale = 1;
	c = CLASS_OF(h->w);
	if (c != BIG) {
		old = COUNT_OF(h->w) * esz;
		if (!n || n > class_size[c])
			return move(p, old, count);
		/* it still fits its place */
		UNPOISON(p, (n + 7) & ~(size_t)7);
		if (n > old)
			memset((unsigned char *)p + old, 0, n - old);
		else
			POISON((unsigned char *)p + ((n + 7) & ~(size_t)7), class_size[c] - ((n + 7) & ~(size_t)7));
		h->w = (h->w & ~(uint64_t)0xffff) | count;
		return p;
	}
	b = big_of(p);
	old = b->count * esz;
	if (b->align) /* realloc keeps only malloc's own alignment */
		return move(p, old, count);
	if (mpp_pages_reserve()) /* the new place may start a page */
		goto oom;
	if (!(base = realloc((unsigned char *)p - sizeof *b, sizeof *b + (n ? n : 1))))
		goto oom;
	q = base + sizeof *b;
	b = big_of(q);
	if (n > old)
		memset(q + old, 0, n - old);
	if (q != p) { /* p: only compared and remembered once freed */
		if (b->prev)
			b->prev->next = b;
		else
			heap.first = b;
		if (b->next)
			b->next->prev = b;
		else
			heap.last = b;
		if (MPP_PAGE_START(p))
			mpp_pages_del((uintptr_t)p);
		if (MPP_PAGE_START(q))
			mpp_pages_add((uintptr_t)q);
		mpp_grave_add((uintptr_t)p, old);
		b->h.w = tag(q) | (uint64_t)BIG << 16;
	}
	b->count = count;
	return q;
oom:
	mpp_err_set(MPP_ENOMEM, "out of memory for a heap block of %zu bytes", n);
	return NULL;
}

/* ---- What a capture asks ------------------------------------------------------ */

static void describe(const struct hdr *h, const void *p, struct mpp_hblock *out)
{
	out->addr = (void *)p;
	out->elem = h->u.elem;
	if (CLASS_OF(h->w) == BIG) {
		out->count = big_of(p)->count;
		out->align = big_of(p)->align;
	} else {
		out->count = COUNT_OF(h->w);
		out->align = 0;
	}
	out->size = out->count * out->elem->size;
}

static int keep(const struct hdr *h, const void *p)
{
	if (heap.nall == heap.allcap) {
		size_t cap = heap.allcap ? heap.allcap * 2 : 256;
		struct mpp_hblock *v = realloc(heap.all, cap * sizeof *v);
		if (!v)
			return mpp_err_set(MPP_ENOMEM, "out of memory for the list of heap blocks");
		heap.all = v;
		heap.allcap = cap;
	}
	describe(h, p, &heap.all[heap.nall++]);
	return 0;
}

/* The current chunk of each class is carved up to its pool's bump. */
static void sync_tops(void)
{
	unsigned c;

	for (c = 0; c < NCLASS; c++)
		if (heap.pool[c].end)
			heap.chunks[heap.pool[c].chunk].top = heap.pool[c].bump;
}

int mpp_heap_walk(void)
{
	size_t i;
	int rc;

	if (!heap.stale)
		return 0;
	sync_tops();
	heap.nall = 0;
	for (i = 0; i < heap.nchunks; i++) {
		const struct chunk *k = &heap.chunks[i];
		size_t stride = HDR + class_size[k->cls];
		const unsigned char *s;
		for (s = k->start; s < k->top; s += stride) {
			const struct hdr *h = (const struct hdr *)(const void *)s;
			if (!((h->w ^ tag(h + 1)) & TAG_MASK) && (rc = keep(h, h + 1)))
				return rc;
		}
	}
	for (const struct big *b = heap.first; b; b = b->next)
		if ((rc = keep(&b->h, b + 1)))
			return rc;
	heap.stale = 0;
	return 0;
}

size_t mpp_heap_count(void)
{
	return mpp_heap_walk() ? 0 : heap.nall;
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
	if (mpp_heap_walk())
		return NULL;
	return i < heap.nall ? &heap.all[i] : NULL;
}

const struct mpp_hblock *mpp_heap_find(const void *p)
{
	static struct mpp_hblock found;
	const struct hdr *h = lookup(p);

	if (!h)
		return NULL;
	describe(h, p, &found);
	return &found;
}

static int by_base(const void *a, const void *b)
{
	const struct chunk *x = *(const struct chunk *const *)a, *y = *(const struct chunk *const *)b;

	return (x->base > y->base) - (x->base < y->base);
}

int mpp_heap_chunk_dead(const void *p)
{
	const unsigned char *v = p;
	const struct chunk *k;
	size_t lo = 0, hi, i, stride;

	if (heap.nsorted != heap.nchunks) { /* chunks are only ever added */
		struct chunk **s = realloc(heap.sorted, heap.nchunks * sizeof *s);
		if (!s)
			return 0; /* a dangling pointer there stops the capture: not wrong */
		heap.sorted = s;
		for (i = 0; i < heap.nchunks; i++)
			s[i] = &heap.chunks[i];
		qsort(s, heap.nchunks, sizeof *s, by_base);
		heap.nsorted = heap.nchunks;
	}
	/* the last chunk that starts at or before v */
	for (hi = heap.nsorted; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (heap.sorted[mid]->base <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || v >= (k = heap.sorted[lo - 1])->base + CHUNK)
		return 0;
	sync_tops();
	stride = HDR + class_size[k->cls];
	if (v >= k->start && v < k->top) {
		const struct hdr *h =
		    (const struct hdr *)(const void *)(k->start + (size_t)(v - k->start) / stride * stride);
		struct mpp_hblock b;
		if (!((h->w ^ tag(h + 1)) & TAG_MASK)) {
			describe(h, h + 1, &b);
			if (v >= (const unsigned char *)b.addr && v <= (const unsigned char *)b.addr + b.size)
				return 0; /* in a live block */
		}
	}
	return 1;
}

size_t mpp_heap_nfreed(void)
{
	return mpp_grave_count();
}

void mpp_heap_drop(void)
{
	size_t i;
	struct big *b, *next;

	for (i = 0; i < heap.nchunks; i++) {
		UNPOISON(heap.chunks[i].base, CHUNK);
		free(heap.chunks[i].base);
	}
	for (b = heap.first; b; b = next) {
		next = b->next;
		free((unsigned char *)(b + 1) - big_off(b->align));
	}
	free(heap.chunks);
	free(heap.sorted);
	free(heap.all);
	memset(&heap, 0, sizeof heap);
	mpp_pages_clear();
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
