/* test_hash.c: runtime/hash.c is XXH64: the reference test vectors, every
 * length around the 32-byte stripe and 8/4-byte tails, independence from
 * alignment, seeds, and the speed the state checksum needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mpp_hash.h"

static void test_reference_vectors(void **state)
{
	unsigned char b[100];
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		b[i] = (unsigned char)i;
	assert_true(mpp_hash64("", 0, 0) == 0xEF46DB3751D8E999ULL);
	assert_true(mpp_hash64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
	assert_true(mpp_hash64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
	assert_true(mpp_hash_str("abc") == 0x44BC2CF5AD770999ULL);
	assert_true(mpp_hash64(b, 100, 0) == 0x6AC1E58032166597ULL);
}

/* Every length hashes differently, and the result does not depend on where
 * the bytes lie in memory. */
static void test_lengths_and_alignment(void **state)
{
	unsigned char *mem = malloc(200 + 8);
	uint64_t h[130];
	int n, k, off;

	(void)state;
	assert_non_null(mem);
	for (k = 0; k < 208; k++)
		mem[k] = (unsigned char)(k * 7 + 3);
	for (n = 0; n < 130; n++) {
		h[n] = mpp_hash64(mem, (size_t)n, 0);
		for (k = 0; k < n; k++)
			assert_true(h[n] != h[k]);
	}
	for (off = 1; off < 8; off++) {
		memmove(mem + off, mem, 200);
		for (n = 0; n < 130; n++)
			assert_true(mpp_hash64(mem + off, (size_t)n, 0) == h[n]);
		memmove(mem, mem + off, 200);
	}
	free(mem);
}

static void test_seed_and_damage(void **state)
{
	unsigned char b[1000];
	uint64_t h;
	int i, bit;

	(void)state;
	memset(b, 0x5a, sizeof b);
	h = mpp_hash64(b, sizeof b, 0);
	assert_true(h != mpp_hash64(b, sizeof b, 1));
	for (i = 0; i < 1000; i += 37)
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1 << bit);
			assert_true(mpp_hash64(b, sizeof b, 0) != h);
			b[i] ^= (unsigned char)(1 << bit);
		}
	assert_true(mpp_hash_mix(1) != mpp_hash_mix(2));
}

/* Pieces of any sizes give the one-shot value. */
static void test_pieces(void **state)
{
	static unsigned char buf[5000];
	struct mpp_hash_state hs;
	unsigned seed = 7, i;
	size_t n, at, k;

	(void)state;
	for (i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (i = 0; i < 300; i++) {
		n = (size_t)rand_r(&seed) % sizeof buf;
		mpp_hash_init(&hs, i);
		for (at = 0; at < n; at += k) {
			k = (size_t)rand_r(&seed) % (i % 3 ? 70 : 4000) + (i & 1);
			if (k > n - at)
				k = n - at;
			mpp_hash_update(&hs, buf + at, k);
		}
		assert_int_equal(mpp_hash_final(&hs), mpp_hash64(buf, n, i));
	}
}

static void test_speed(void **state)
{
	size_t n = 64 << 20;
	unsigned char *b = malloc(n);
	struct timespec t0, t1;
	volatile uint64_t h;
	double s;

	(void)state;
	assert_non_null(b);
	memset(b, 1, n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	h = mpp_hash64(b, n, 0);
	h = mpp_hash64(b, n, h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("checksum: %.1f GB/s\n", 2.0 * (double)n / s / 1e9);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_lengths_and_alignment),
		cmocka_unit_test(test_seed_and_damage),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
