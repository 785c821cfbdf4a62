/* test_heap.c: runtime/heap.c (tracked blocks: many allocations, frees and
 * reallocations with address lookups, the size classes, the walk a capture
 * makes, dead places, the argv copy) and runtime/blocks.c
 * (the sorted address index used to translate pointers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "mpp_blocks.h"
#include "mpp_format.h"
#include "mpp_heap.h"

#define N 100000

static void test_many_blocks(void **state)
{
	void **p = calloc(N, sizeof *p);
	unsigned seed = 7;
	size_t i, live = 0;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < N; i++) {
		p[i] = mpp_heap_alloc(&mpp_t_int, 1 + i % 5);
		assert_non_null(p[i]);
		((int *)p[i])[0] = (int)i;
	}
	assert_int_equal(mpp_heap_count(), N);
	for (i = 0; i < N; i++) {
		switch (rand_r(&seed) % 3) {
		case 0:
			mpp_heap_free(p[i]);
			p[i] = NULL;
			break;
		case 1:
			p[i] = mpp_heap_realloc(p[i], 50);
			assert_non_null(p[i]);
			assert_int_equal(((int *)p[i])[49], 0); /* new bytes zeroed */
			break;
		default: break;
		}
	}
	for (i = 0; i < N; i++) {
		const struct mpp_hblock *b;
		if (!p[i])
			continue;
		live++;
		b = mpp_heap_find(p[i]);
		assert_non_null(b);
		assert_ptr_equal(b->addr, p[i]);
		assert_ptr_equal(b->elem, &mpp_t_int);
		assert_int_equal(b->size, b->count * sizeof(int));
		assert_int_equal(((int *)p[i])[0], (int)i);
	}
	assert_int_equal(mpp_heap_count(), live);
	assert_null(mpp_heap_find((char *)p[0] + 1));
	mpp_heap_free(NULL);
	mpp_heap_drop();
	assert_int_equal(mpp_heap_count(), 0);
	free(p);
}

static void test_bytes_and_argv(void **state)
{
	char *const argv[] = {"prog", "", "last", NULL};
	char **v;
	unsigned char *b;

	(void)state;
	b = mpp_heap_alloc(NULL, 10);
	assert_non_null(b);
	assert_ptr_equal(mpp_heap_find(b)->elem, &mpp_t_uchar);
	v = mpp_heap_argv(3, argv);
	assert_non_null(v);
	assert_ptr_not_equal(v, argv);
	assert_string_equal(v[0], "prog");
	assert_string_equal(v[1], "");
	assert_string_equal(v[2], "last");
	assert_null(v[3]);
	assert_int_equal(mpp_heap_count(), 5);
	assert_int_equal(mpp_heap_find(v)->count, 4);
	assert_int_equal(mpp_heap_find(v[2])->size, 5);
	mpp_heap_drop();
}

/* Aligned blocks keep their alignment; realloc drops it, as realloc does. */
static void test_aligned(void **state)
{
	static const size_t aligns[] = {0, 16, 64, 256, 4096, 65536};
	void *p[6];
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		p[i] = mpp_heap_alloc_aligned(&mpp_t_double, 3, aligns[i]);
		assert_non_null(p[i]);
		if (aligns[i])
			assert_int_equal((uintptr_t)p[i] % aligns[i], 0);
		assert_int_equal(((double *)p[i])[2], 0.0);
	}
	assert_int_equal(mpp_heap_find(p[0])->align, 0);
	assert_int_equal(mpp_heap_align_log2(mpp_heap_find(p[0])), 0);
	assert_int_equal(mpp_heap_find(p[1])->align, 0); /* malloc's own */
	assert_int_equal(mpp_heap_find(p[2])->align, 64);
	assert_int_equal(mpp_heap_align_log2(mpp_heap_find(p[2])), 6);
	assert_int_equal(mpp_heap_align_log2(mpp_heap_find(p[5])), 16);
	p[4] = mpp_heap_realloc(p[4], 100000);
	assert_non_null(p[4]);
	assert_int_equal(mpp_heap_find(p[4])->align, 0);
	assert_null(mpp_heap_alloc_aligned(&mpp_t_double, 1, 24)); /* not a power of two */
	mpp_heap_drop();
}

/* Blocks that start a page are found without reading the page before
 * them (a set of their addresses), also after frees, reallocs and reuse;
 * an untracked address that starts a page is no block, and is not read
 * behind (its page before is unmapped here). */
static void test_page_starts(void **state)
{
	enum { M = 200 };
	void *p[M];
	size_t i;
	unsigned char *map;

	(void)state;
	for (i = 0; i < M; i++) {
		p[i] = mpp_heap_alloc_aligned(&mpp_t_uchar, 100 + i, 4096);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 4096, 0);
	}
	for (i = 0; i < M; i++)
		assert_ptr_equal(mpp_heap_find(p[i])->addr, p[i]);
	for (i = 0; i < M; i += 2)
		assert_int_equal(mpp_heap_free(p[i]), 1);
	for (i = 0; i < M; i++) {
		if (i % 2)
			assert_ptr_equal(mpp_heap_find(p[i])->addr, p[i]);
		else
			assert_null(mpp_heap_find(p[i]));
	}
	for (i = 1; i < M; i += 2) {
		void *q = mpp_heap_realloc(p[i], 200000);
		assert_non_null(q);
		if (q != p[i])
			assert_null(mpp_heap_find(p[i]));
		p[i] = q;
		assert_non_null(mpp_heap_find(q));
	}
	/* a mapping whose first page is readable and whose page before is not */
	map = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map, 4096, PROT_NONE), 0);
	assert_null(mpp_heap_find(map + 4096));
	assert_int_equal(mpp_heap_free(map + 4096), 0);
	munmap(map, 3 * 4096);
	mpp_heap_drop();
}

/* Freed ranges are remembered (dangling pointers) but merged, so a program
 * that allocates and frees forever does not grow the list without end. */
static void test_freed_bounded(void **state)
{
	void *keep[64];
	size_t i;
	unsigned char *p, *q;

	(void)state;
	for (i = 0; i < 64; i++)
		keep[i] = mpp_heap_alloc(&mpp_t_int, 10);
	p = mpp_heap_alloc(&mpp_t_int, 10);
	mpp_heap_free(p);
	assert_true(mpp_heap_was_freed(p));
	assert_true(mpp_heap_was_freed(p + 39));
	assert_false(mpp_heap_was_freed(keep[3]));
	for (i = 0; i < 2000000; i++) {
		q = mpp_heap_alloc(&mpp_t_int, 1 + i % 7);
		mpp_heap_free(q);
	}
#ifndef __SANITIZE_ADDRESS__ /* ASan's allocator does not hand freed places out again soon */
	assert_true(mpp_heap_nfreed() < 10000);
#endif
	for (i = 0; i < 64; i++)
		mpp_heap_free(keep[i]);
	assert_true(mpp_heap_was_freed(keep[7]));
	mpp_heap_drop();
	assert_false(mpp_heap_was_freed(keep[7]));
}

/* Every size of the small classes and past them: the block says its
 * count and size, starts zeroed, and grows in its place while its class has
 * room (new bytes zeroed), else moves with its bytes. */
static void test_sizes(void **state)
{
	enum { MAX = 1100 };
	unsigned char *p[MAX + 1];
	size_t n, i;

	(void)state;
	for (n = 1; n <= MAX; n++) {
		p[n] = mpp_heap_alloc(NULL, n);
		assert_non_null(p[n]);
		assert_int_equal((uintptr_t)p[n] % 16, 0);
		for (i = 0; i < n; i++)
			assert_int_equal(p[n][i], 0);
		memset(p[n], (int)(n & 0xff), n);
		assert_int_equal(mpp_heap_find(p[n])->size, n);
		assert_int_equal(mpp_heap_find(p[n])->count, n);
		assert_ptr_equal(mpp_heap_find(p[n])->elem, &mpp_t_uchar);
	}
	for (n = 1; n <= MAX; n++) /* neighbours untouched */
		for (i = 0; i < n; i++)
			assert_int_equal(p[n][i], n & 0xff);
	/* 20 bytes live in the class of 32: growing to 32 stays, to 33 moves */
	p[0] = mpp_heap_realloc(p[20], 32);
	assert_ptr_equal(p[0], p[20]);
	assert_int_equal(mpp_heap_find(p[0])->size, 32);
	assert_int_equal(p[0][19], 20);
	assert_int_equal(p[0][20], 0);
	assert_int_equal(p[0][31], 0);
	p[0] = mpp_heap_realloc(p[0], 10); /* shrinks in place */
	assert_ptr_equal(p[0], p[20]);
	p[0] = mpp_heap_realloc(p[0], 33);
	assert_ptr_not_equal(p[0], p[20]);
	assert_null(mpp_heap_find(p[20]));
	assert_true(mpp_heap_was_freed(p[20]));
	assert_int_equal(p[0][9], 20);
	assert_int_equal(p[0][10], 0); /* past the shrunk size: zero again */
	assert_int_equal(p[0][32], 0);
	p[20] = p[0];
	p[0] = mpp_heap_realloc(p[1000], 5000); /* small to big */
	assert_non_null(p[0]);
	assert_int_equal(p[0][999], 1000 & 0xff);
	assert_int_equal(p[0][4999], 0);
	p[1000] = mpp_heap_realloc(p[0], 7); /* big stays big */
	assert_non_null(p[1000]);
	assert_int_equal(mpp_heap_find(p[1000])->size, 7);
	assert_int_equal(mpp_heap_count(), MAX);
	mpp_heap_drop();
}

/* A capture lists each live block once, small and big, as the heap is now;
 * a block freed twice is freed once; memory of the C library's is not a
 * block. */
static void test_walk(void **state)
{
	enum { M = 3000 };
	void *p[M];
	size_t i, k, seen = 0;
	unsigned char *mine;

	(void)state;
	for (i = 0; i < M; i++)
		p[i] = mpp_heap_alloc(&mpp_t_int, i % 7 ? 1 + i % 40 : 300 + i);
	for (i = 0; i < M; i += 3) {
		assert_int_equal(mpp_heap_free(p[i]), 1);
		assert_int_equal(mpp_heap_free(p[i]), 0);
		p[i] = NULL;
	}
	assert_int_equal(mpp_heap_count(), M - (M + 2) / 3);
	for (k = 0; k < mpp_heap_count(); k++) {
		const struct mpp_hblock *b = mpp_heap_at(k);
		for (i = 0; i < M && p[i] != b->addr; i++)
			;
		assert_true(i < M);
		assert_int_equal(b->count, i % 7 ? 1 + i % 40 : 300 + i);
		assert_int_equal(b->size, b->count * sizeof(int));
		p[i] = NULL; /* seen */
		seen++;
	}
	assert_null(mpp_heap_at(k));
	assert_int_equal(seen, M - (M + 2) / 3);
	mine = malloc(24);
	assert_null(mpp_heap_find(mine));
	assert_int_equal(mpp_heap_free(mine), 0);
	free(mine);
	mpp_heap_drop();
	assert_int_equal(mpp_heap_count(), 0);
}

/* No small block starts a page (its header could not be told from an
 * unmapped page before an untracked address), and places of the small
 * blocks that hold no live block are dead, also those never handed out. */
static void test_small_places(void **state)
{
	enum { M = 20000 };
	char **p = calloc(M, sizeof *p);
	size_t i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < M; i++) {
		p[i] = mpp_heap_alloc(&mpp_t_char, 1 + i % 100);
		assert_non_null(p[i]);
		assert_int_not_equal((uintptr_t)p[i] % 4096, 0);
	}
	for (i = 0; i < M; i += 2)
		mpp_heap_free(p[i]);
	for (i = 0; i < M; i++) {
		assert_int_equal(mpp_heap_was_freed(p[i] + i % 100), i % 2 == 0);
		assert_int_equal(mpp_heap_find(p[i]) != NULL, i % 2 == 1);
	}
	assert_true(mpp_heap_was_freed(p[M - 1] + 2000));      /* not handed out yet */
	p[0] = mpp_heap_alloc(&mpp_t_char, 1 + (M - 2) % 100); /* the place freed last */
	assert_ptr_equal(p[0], p[M - 2]);
	assert_false(mpp_heap_was_freed(p[0]));
	mpp_heap_drop();
	free(p);
}

static void test_index(void **state)
{
	struct mpp_bindex ix = {0};
	struct mpp_bhit hit;

	(void)state;
	/* [100,110) [110,120) [130,130) [200,300) [250,260) overlapping */
	assert_int_equal(mpp_blocks_add(&ix, 200, 100, 3), 0);
	assert_int_equal(mpp_blocks_add(&ix, 110, 10, 1), 0);
	assert_int_equal(mpp_blocks_add(&ix, 100, 10, 0), 0);
	assert_int_equal(mpp_blocks_add(&ix, 130, 0, 2), 0);
	assert_int_equal(mpp_blocks_add(&ix, 250, 10, 4), 0);
	assert_int_equal(mpp_blocks_sort(&ix), 0);

	assert_false(mpp_blocks_find(&ix, 99, &hit));
	assert_true(mpp_blocks_find(&ix, 100, &hit));
	assert_int_equal(hit.inside, 0);
	assert_int_equal(hit.at_end, MPP_FMT_NONE);
	assert_true(mpp_blocks_find(&ix, 109, &hit));
	assert_int_equal(hit.inside, 0);
	assert_true(mpp_blocks_find(&ix, 110, &hit)); /* start of 1 and one past 0 */
	assert_int_equal(hit.inside, 1);
	assert_int_equal(hit.at_end, 0);
	assert_true(mpp_blocks_find(&ix, 120, &hit)); /* one past the end of 1 */
	assert_int_equal(hit.inside, MPP_FMT_NONE);
	assert_int_equal(hit.at_end, 1);
	assert_false(mpp_blocks_find(&ix, 125, &hit));
	assert_true(mpp_blocks_find(&ix, 130, &hit)); /* empty block */
	assert_int_equal(hit.inside, 2);
	assert_false(mpp_blocks_find(&ix, 131, &hit));
	assert_true(mpp_blocks_find(&ix, 255, &hit)); /* the tightest block */
	assert_int_equal(hit.inside, 4);
	assert_true(mpp_blocks_find(&ix, 270, &hit)); /* past 4, still in 3 */
	assert_int_equal(hit.inside, 3);
	assert_true(mpp_blocks_find(&ix, 300, &hit));
	assert_int_equal(hit.at_end, 3);
	assert_false(mpp_blocks_find(&ix, 301, &hit));
	mpp_blocks_free(&ix);
}

/* A million blocks: lookups stay logarithmic. */
static void test_index_large(void **state)
{
	struct mpp_bindex ix = {0};
	struct mpp_bhit hit;
	uint32_t i;

	(void)state;
	for (i = 0; i < 1000000; i++)
		assert_int_equal(mpp_blocks_add(&ix, 4096 + (uintptr_t)(999999 - i) * 32, 24, i), 0);
	assert_int_equal(mpp_blocks_sort(&ix), 0);
	for (i = 0; i < 1000000; i += 997) {
		uintptr_t a = 4096 + (uintptr_t)(999999 - i) * 32;
		assert_true(mpp_blocks_find(&ix, a + 5, &hit));
		assert_int_equal(hit.inside, i);
		assert_true(mpp_blocks_find(&ix, a + 24, &hit));
		assert_int_equal(hit.at_end, i);
		assert_false(mpp_blocks_find(&ix, a + 28, &hit));
	}
	mpp_blocks_free(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_blocks),  cmocka_unit_test(test_bytes_and_argv), cmocka_unit_test(test_aligned),
	    cmocka_unit_test(test_page_starts),  cmocka_unit_test(test_freed_bounded),  cmocka_unit_test(test_index),
	    cmocka_unit_test(test_index_large),  cmocka_unit_test(test_sizes),          cmocka_unit_test(test_walk),
	    cmocka_unit_test(test_small_places),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
