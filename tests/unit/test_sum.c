/* test_sum.c: runtime/sum.c, the state checksum of format version 3: fixed
 * vectors, a plain reference implementation written from docs/FORMAT.md
 * (keys generated, zero-padded last stripe) that every implementation of
 * the stripe loop (scalar, SSE2, AVX2) must match at every length and
 * alignment, pieces against one shot, damage detection, and the speed.
 * Built with cmocka as unit.sum; built with -DSUM_STANDALONE (no cmocka)
 * by tests/e2e/sum_cross_test.sh for i686 and s390x, which must give the
 * same values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef SUM_STANDALONE
static int failures;
#define CHECK(c)                                                            \
	do {                                                                \
		if (!(c)) {                                                 \
			failures++;                                         \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
		}                                                           \
	} while (0)
#else
#include <setjmp.h>

#include <cmocka.h>
#define CHECK(c) assert_true(c)
#endif

#include "mpp_sum.h"

/* ---- The reference, from the format description ------------------------------ */

static uint64_t ref_keys[48];

static void ref_make_keys(void)
{
	uint64_t x = 0x6D70702D73756D33ULL, z;
	int j;

	for (j = 0; j < 48; j++) {
		x += 0x9E3779B97F4A7C15ULL;
		z = x;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
		ref_keys[j] = z ^ (z >> 31);
	}
}

static uint64_t ref_word(const unsigned char *p)
{
	uint64_t w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = w << 8 | p[i];
	return w;
}

/* High and low halves of the 128-bit product, by 32-bit pieces. */
static uint64_t ref_fold(uint64_t a, uint64_t b)
{
	uint64_t r[4] = {0, 0, 0, 0}, x[2] = {a & 0xFFFFFFFFu, a >> 32}, y[2] = {b & 0xFFFFFFFFu, b >> 32};
	int i, j, k;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			uint64_t t = x[i] * y[j];
			for (k = i + j; t; k++) { /* add t at 32-bit digit k */
				uint64_t s = r[k] + (t & 0xFFFFFFFFu);
				r[k] = s & 0xFFFFFFFFu;
				t = (t >> 32) + (s >> 32);
			}
		}
	return (r[0] | r[1] << 32) ^ (r[2] | r[3] << 32);
}

static uint64_t ref_sum(const unsigned char *p, size_t n)
{
	uint64_t acc[8], h;
	unsigned char stripe[64];
	size_t off;
	int s = 0, i;

	memcpy(acc, ref_keys + 32, sizeof acc);
	for (off = 0; off < n; off += 64) {
		size_t k = n - off < 64 ? n - off : 64;
		memset(stripe, 0, sizeof stripe);
		memcpy(stripe, p + off, k);
		for (i = 0; i < 8; i++) {
			uint64_t w = ref_word(stripe + 8 * i), d = w ^ ref_keys[s + i];
			acc[i] += (d & 0xFFFFFFFFu) * (d >> 32);
			acc[i ^ 1] += w;
		}
		if (++s == 16) {
			for (i = 0; i < 8; i++)
				acc[i] = (acc[i] ^ (acc[i] >> 47) ^ ref_keys[24 + i]) * 0x9E3779B1u;
			s = 0;
		}
	}
	h = ((uint64_t)n * 0x9E3779B97F4A7C15ULL) ^ ref_keys[23];
	for (i = 0; i < 8; i += 2)
		h += ref_fold(acc[i] ^ ref_keys[40 + i], acc[i + 1] ^ ref_keys[41 + i]);
	h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
	h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
	return h ^ (h >> 31);
}

/* ---- Test data ------------------------------------------------------------------ */

static unsigned char pattern_byte(size_t i)
{
	return (unsigned char)(((i * 131 + 7) >> 1) ^ (i >> 8));
}

/* mpp_sum64 of pattern_byte(0..n-1), computed apart from this code. */
static const struct {
	size_t n;
	uint64_t sum;
} vectors[] = {
    {0, 0x4C96686456454973ULL},    {1, 0x27368D3C304F4B56ULL},    {3, 0xB25C7CFE7EBF4353ULL},
    {7, 0xF876A45DA237E6CCULL},    {8, 0x6B9E4EC8472D3181ULL},    {15, 0xED0551D4C944D6F0ULL},
    {63, 0x5B8AD656507FDF9AULL},   {64, 0x6484EE5ED90FE6A3ULL},   {65, 0x6CEFFDBCFB0D35DFULL},
    {127, 0x6056EFE13639A2CAULL},  {128, 0x8B4156AA5E233490ULL},  {200, 0x4EC8F52785D4CC2CULL},
    {1023, 0x5943CE4C8C98E9D5ULL}, {1024, 0x2F942EEB21D6B19BULL}, {1025, 0x39921C9315C60AB8ULL},
    {1087, 0xBC0271863BDF60A6ULL}, {1088, 0x8458511B1AE83A90ULL}, {2000, 0x9F86E90DA0EB0757ULL},
    {2048, 0x15894E1318A5C10EULL}, {4097, 0x5DD79DE63E55AC04ULL},
};
#define NVECTORS (sizeof vectors / sizeof vectors[0])
#define BUF 5000

static const enum mpp_sum_impl impls[] = {MPP_SUM_SCALAR, MPP_SUM_SSE2, MPP_SUM_AVX2};
#define NIMPLS 3

/* ---- Tests ------------------------------------------------------------------------ */

static void test_reference_vectors(void **state)
{
	unsigned char *b = malloc(BUF + 16);
	size_t i, v;
	unsigned m, off;

	(void)state;
	CHECK(b != NULL);
	ref_make_keys();
	for (v = 0; v < NVECTORS; v++) {
		for (i = 0; i < vectors[v].n; i++)
			b[i] = pattern_byte(i);
		CHECK(ref_sum(b, vectors[v].n) == vectors[v].sum);
	}
	CHECK(ref_sum((const unsigned char *)"abc", 3) == 0xCFA7EC729542918BULL); /* docs/FORMAT.md */
	for (m = 0; m < NIMPLS; m++) {
		if (mpp_sum_select(impls[m]))
			continue;
		CHECK(mpp_sum64("abc", 3) == 0xCFA7EC729542918BULL);
		for (off = 0; off < 16; off += 5)
			for (v = 0; v < NVECTORS; v++) {
				for (i = 0; i < vectors[v].n; i++)
					b[off + i] = pattern_byte(i);
				CHECK(mpp_sum64(b + off, vectors[v].n) == vectors[v].sum);
			}
	}
	mpp_sum_select(MPP_SUM_BEST);
	free(b);
}

/* Every length from 0 to 2100 at every start modulo 8, and random bytes,
 * in every implementation, equal the reference. */
static void test_every_length(void **state)
{
	unsigned char *b = malloc(BUF + 16);
	uint64_t *want = malloc(2101 * sizeof *want);
	unsigned seed = 11, m, off;
	size_t i, n;

	(void)state;
	CHECK(b != NULL && want != NULL);
	ref_make_keys();
	for (i = 0; i < BUF + 16; i++)
		b[i] = (unsigned char)rand_r(&seed);
	for (n = 0; n <= 2100; n++)
		want[n] = ref_sum(b, n);
	for (m = 0; m < NIMPLS; m++) {
		if (mpp_sum_select(impls[m]))
			continue;
		for (off = 0; off < 8; off++) {
			if (off)
				memmove(b + off, b + off - 1, BUF);
			for (n = 0; n <= 2100; n++)
				CHECK(mpp_sum64(b + off, n) == want[n]);
		}
		memmove(b, b + 7, BUF);
	}
	mpp_sum_select(MPP_SUM_BEST);
	free(want);
	free(b);
}

/* Pieces of any sizes give the one-shot value. */
static void test_pieces(void **state)
{
	static unsigned char buf[BUF];
	struct mpp_sum_state s;
	unsigned seed = 7, i, m;
	size_t n, at, k;

	(void)state;
	for (i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (m = 0; m < NIMPLS; m++) {
		if (mpp_sum_select(impls[m]))
			continue;
		for (i = 0; i < 300; i++) {
			n = (size_t)rand_r(&seed) % sizeof buf;
			mpp_sum_init(&s);
			for (at = 0; at < n; at += k) {
				k = (size_t)rand_r(&seed) % (i % 3 ? 70 : 4000) + (i & 1);
				if (k > n - at)
					k = n - at;
				mpp_sum_update(&s, buf + at, k);
			}
			CHECK(mpp_sum_final(&s) == mpp_sum64(buf, n));
		}
	}
	mpp_sum_select(MPP_SUM_BEST);
}

/* Flipped bits, exchanged words and exchanged stripes all change the value,
 * and zeros appended to the input do too (the length counts). */
static void test_damage(void **state)
{
	static unsigned char b[3000];
	unsigned char t[64];
	uint64_t h, z;
	size_t i;
	int bit;

	(void)state;
	for (i = 0; i < sizeof b; i++)
		b[i] = pattern_byte(i);
	h = mpp_sum64(b, sizeof b);
	for (i = 0; i < sizeof b; i += 29)
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1 << bit);
			CHECK(mpp_sum64(b, sizeof b) != h);
			b[i] ^= (unsigned char)(1 << bit);
		}
	for (i = 0; i + 128 <= sizeof b; i += 200) {
		memcpy(t, b + i, 8); /* neighbouring words */
		memcpy(b + i, b + i + 8, 8);
		memcpy(b + i + 8, t, 8);
		CHECK(mpp_sum64(b, sizeof b) != h);
		memcpy(b + i + 8, b + i, 8);
		memcpy(b + i, t, 8);
		memcpy(t, b + i, 64); /* neighbouring stripes */
		memcpy(b + i, b + i + 64, 64);
		memcpy(b + i + 64, t, 64);
		CHECK(mpp_sum64(b, sizeof b) != h);
		memcpy(b + i + 64, b + i, 64);
		memcpy(b + i, t, 64);
	}
	CHECK(mpp_sum64(b, sizeof b) == h);
	memset(b, 0, sizeof b);
	z = mpp_sum64(b, 0);
	for (i = 1; i < 200; i++)
		CHECK(mpp_sum64(b, i) != z && mpp_sum64(b, i) != mpp_sum64(b, i - 1));
}

static double rate(size_t n, int reps)
{
	unsigned char *b = malloc(n);
	struct timespec t0, t1;
	volatile uint64_t h = 0;
	double s;
	int r;

	if (!b)
		return 0;
	memset(b, 1, n);
	h = mpp_sum64(b, n); /* pages touched, cache warm */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (r = 0; r < reps; r++)
		h += mpp_sum64(b, n);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	(void)h;
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	free(b);
	return (double)n * reps / s / 1e9;
}

/* Printed, not asserted: the machine may be busy (CPU time of the thread,
 * so waiting for a core does not count, but a shared cache does). */
static void test_speed(void **state)
{
	unsigned m;

	(void)state;
	for (m = 0; m < NIMPLS; m++) {
		if (mpp_sum_select(impls[m]))
			continue;
		printf("checksum %-6s in cache (64 KiB): %5.1f GB/s, out of cache (64 MiB): %5.1f GB/s\n",
		       mpp_sum_impl_name(), rate((size_t)64 << 10, 4000), rate((size_t)64 << 20, 4));
	}
	mpp_sum_select(MPP_SUM_BEST);
}

#ifdef SUM_STANDALONE
int main(int argc, char **argv)
{
	unsigned m;

	test_reference_vectors(NULL);
	test_every_length(NULL);
	test_pieces(NULL);
	test_damage(NULL);
	if (argc > 1 && !strcmp(argv[1], "speed"))
		test_speed(NULL);
	printf("implementations");
	for (m = 0; m < NIMPLS; m++)
		if (mpp_sum_select(impls[m]) == 0)
			printf(" %s", mpp_sum_impl_name());
	printf(": %s\n", failures ? "FAILED" : "all checks passed");
	return failures != 0;
}
#else
int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference_vectors),
	    cmocka_unit_test(test_every_length),
	    cmocka_unit_test(test_pieces),
	    cmocka_unit_test(test_damage),
	    cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
