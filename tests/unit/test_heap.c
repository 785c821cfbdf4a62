/* test_heap.c: runtime/heap.c (tracked blocks: many allocations, frees and
 * reallocations with address lookups, the argv copy) and runtime/blocks.c
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
	    cmocka_unit_test(test_many_blocks), cmocka_unit_test(test_bytes_and_argv), cmocka_unit_test(test_aligned),
	    cmocka_unit_test(test_page_starts), cmocka_unit_test(test_freed_bounded),  cmocka_unit_test(test_index),
	    cmocka_unit_test(test_index_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
