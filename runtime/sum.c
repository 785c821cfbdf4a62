/* sum.c: the state checksum of format version 3 (docs/FORMAT.md,
 * *Checksum*). Eight independent 64-bit lanes each add, per 64-byte
 * stripe, a 32x32-bit product of their word mixed with a key and the word
 * of the neighbouring lane: multiplies that vector units do two or four at
 * a time, with no chain longer than one add per stripe, so the loop runs
 * well above memory speed. A scramble after every 16 stripes and a strong
 * final mix make it sensitive to order and spread every bit. Words are
 * read little-endian: the value does not depend on the host. */
#include <string.h>

#include "mpp_bytes.h"
#include "mpp_sum.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2 1
#endif

#define STRIPE 64            /* bytes */
#define BLOCK 16             /* stripes between scrambles */
#define SCRAMBLE 0x9E3779B1u /* 32-bit multiplier of the scramble */

/* K[j], j = 0..47: outputs 1 to 48 of splitmix64 started at the ASCII
 * bytes "mpp-sum3" read big-endian (0x6D70702D73756D33); test_sum.c
 * recomputes them. Stripe s of a block, lane i, uses K[s + i]; the
 * scramble K[24 + i]; the lanes start at K[32 + i]; the final mix uses
 * K[23] and K[40 + i]. */
static const uint64_t K[48] = {
    0x9F162B66BD6E491EULL, 0xFB1061A4DAB0AAE9ULL, 0x6D13B81C93DD98A1ULL, 0x917D2C634017C0ADULL, 0x038F07F39A4EDE1CULL,
    0xDC6BD75AEC93FD0CULL, 0x901F55DB6885A51FULL, 0xE7801377F342D1D5ULL, 0xB320E1B3F7AAD70AULL, 0x9D71C981E5955DA5ULL,
    0xD0630FCE2F76BB19ULL, 0xA4E8D706A27563F2ULL, 0xB3EE796166CEA67CULL, 0x65EA78C2FE8BBA01ULL, 0x93224C678CA0400DULL,
    0xC14C4D3E1F69503CULL, 0x50B486EC282A047CULL, 0x500B1B777F7AC630ULL, 0xAADF38FE4EBF4D66ULL, 0xAF8CE95344B1B4B5ULL,
    0xD06568508FDE053BULL, 0x2E64AE639679AD27ULL, 0x666F2C90AAB56E97ULL, 0x99EBB163DB9F1F43ULL, 0x238C0D70C4DEF76EULL,
    0x11AACEDF8570B8B5ULL, 0x3273D6AE26F488F3ULL, 0xE1BF9B63817A21D8ULL, 0x501FC810BC8E9D34ULL, 0xB2033E7F14B3E196ULL,
    0x52B47065F1694B86ULL, 0xA7C11E2F92DB5A6EULL, 0x5639EA55595F9E6AULL, 0x95F44A17BD43C427ULL, 0xAD139C7D23F95400ULL,
    0xBA347F412FD002B8ULL, 0x4E3BDC242A5F6F3CULL, 0x43E793BC4FF4B9F8ULL, 0x610EE740AAFF3B43ULL, 0xBC2B96DCBB769FA3ULL,
    0xC802A9C0FB11EC72ULL, 0x221BD7C17147823DULL, 0xEDD56650D451A094ULL, 0x9187E7032DE365E2ULL, 0x2E63D082CD914007ULL,
    0x5714E372522D605BULL, 0x66E6F0D0024AD24EULL, 0x2BFA24BE1BE1B19DULL,
};

/* n whole stripes at p into the lanes; *pos counts the stripes of the
 * current block and the scramble runs when it reaches BLOCK. */
typedef void stripes_fn(uint64_t *acc, const unsigned char *p, size_t n, unsigned *pos);

/* ---- Portable -------------------------------------------------------------- */

static void scramble_scalar(uint64_t *acc)
{
	int i;

	for (i = 0; i < 8; i++)
		acc[i] = (acc[i] ^ acc[i] >> 47 ^ K[24 + i]) * SCRAMBLE;
}

/* One stripe: the eight lanes in locals, so that the compiler keeps them in
 * registers (an array indexed by i ^ 1 stays in memory). */
#define LANE2(a, b, i)                                                                         \
	do {                                                                                   \
		uint64_t wa = mpp_load_le64(p + 8 * (i)), wb = mpp_load_le64(p + 8 * (i) + 8); \
		uint64_t da = wa ^ k[i], db = wb ^ k[(i) + 1];                                 \
		a += (da & 0xFFFFFFFFu) * (da >> 32) + wb;                                     \
		b += (db & 0xFFFFFFFFu) * (db >> 32) + wa;                                     \
	} while (0)

static void stripes_scalar(uint64_t *acc, const unsigned char *p, size_t n, unsigned *pos)
{
	uint64_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
	unsigned s = *pos;

	for (; n; n--, p += STRIPE) {
		const uint64_t *k = K + s;
		LANE2(a0, a1, 0);
		LANE2(a2, a3, 2);
		LANE2(a4, a5, 4);
		LANE2(a6, a7, 6);
		if (++s == BLOCK) {
			acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
			acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
			scramble_scalar(acc);
			a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
			a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
			s = 0;
		}
	}
	acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
	acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
	*pos = s;
}

/* ---- SSE2: two lanes a register (x86 is little-endian) ---------------------- */

#if defined(__SSE2__)
static inline __m128i step_sse2(__m128i a, const unsigned char *p, const uint64_t *k)
{
	__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i d = _mm_xor_si128(w, _mm_loadu_si128((const __m128i *)(const void *)k));
	__m128i prod = _mm_mul_epu32(d, _mm_srli_epi64(d, 32));
	return _mm_add_epi64(a, _mm_add_epi64(prod, _mm_shuffle_epi32(w, _MM_SHUFFLE(1, 0, 3, 2))));
}

static inline __m128i scramble_sse2(__m128i a, const uint64_t *k)
{
	const __m128i m = _mm_set1_epi32((int)SCRAMBLE);
	__m128i x =
	    _mm_xor_si128(_mm_xor_si128(a, _mm_srli_epi64(a, 47)), _mm_loadu_si128((const __m128i *)(const void *)k));
	__m128i lo = _mm_mul_epu32(x, m), hi = _mm_mul_epu32(_mm_srli_epi64(x, 32), m);
	return _mm_add_epi64(lo, _mm_slli_epi64(hi, 32));
}

static void stripes_sse2(uint64_t *acc, const unsigned char *p, size_t n, unsigned *pos)
{
	__m128i a0 = _mm_loadu_si128((const __m128i *)(void *)acc);
	__m128i a1 = _mm_loadu_si128((const __m128i *)(void *)(acc + 2));
	__m128i a2 = _mm_loadu_si128((const __m128i *)(void *)(acc + 4));
	__m128i a3 = _mm_loadu_si128((const __m128i *)(void *)(acc + 6));
	unsigned s = *pos;

	while (n) {
		size_t m = BLOCK - s < n ? BLOCK - s : n;
		const uint64_t *k = K + s;
		n -= m;
		s += (unsigned)m;
		for (; m; m--, p += STRIPE, k++) {
			a0 = step_sse2(a0, p, k);
			a1 = step_sse2(a1, p + 16, k + 2);
			a2 = step_sse2(a2, p + 32, k + 4);
			a3 = step_sse2(a3, p + 48, k + 6);
		}
		if (s == BLOCK) {
			a0 = scramble_sse2(a0, K + 24);
			a1 = scramble_sse2(a1, K + 26);
			a2 = scramble_sse2(a2, K + 28);
			a3 = scramble_sse2(a3, K + 30);
			s = 0;
		}
	}
	_mm_storeu_si128((__m128i *)(void *)acc, a0);
	_mm_storeu_si128((__m128i *)(void *)(acc + 2), a1);
	_mm_storeu_si128((__m128i *)(void *)(acc + 4), a2);
	_mm_storeu_si128((__m128i *)(void *)(acc + 6), a3);
	*pos = s;
}
#endif

/* ---- AVX2: four lanes a register, when the CPU has it ------------------------ */

#if defined(HAVE_AVX2)
__attribute__((target("avx2"))) static inline __m256i step_avx2(__m256i a, const unsigned char *p, const uint64_t *k)
{
	__m256i w = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i d = _mm256_xor_si256(w, _mm256_loadu_si256((const __m256i *)(const void *)k));
	__m256i prod = _mm256_mul_epu32(d, _mm256_srli_epi64(d, 32));
	return _mm256_add_epi64(a, _mm256_add_epi64(prod, _mm256_shuffle_epi32(w, _MM_SHUFFLE(1, 0, 3, 2))));
}

__attribute__((target("avx2"))) static inline __m256i scramble_avx2(__m256i a, const uint64_t *k)
{
	const __m256i m = _mm256_set1_epi32((int)SCRAMBLE);
	__m256i x = _mm256_xor_si256(_mm256_xor_si256(a, _mm256_srli_epi64(a, 47)),
	                             _mm256_loadu_si256((const __m256i *)(const void *)k));
	__m256i lo = _mm256_mul_epu32(x, m), hi = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
	return _mm256_add_epi64(lo, _mm256_slli_epi64(hi, 32));
}

__attribute__((target("avx2"))) static void stripes_avx2(uint64_t *acc, const unsigned char *p, size_t n, unsigned *pos)
{
	__m256i a0 = _mm256_loadu_si256((const __m256i *)(void *)acc);
	__m256i a1 = _mm256_loadu_si256((const __m256i *)(void *)(acc + 4));
	unsigned s = *pos;

	while (n) {
		size_t m = BLOCK - s < n ? BLOCK - s : n;
		const uint64_t *k = K + s;
		n -= m;
		s += (unsigned)m;
		for (; m; m--, p += STRIPE, k++) {
			a0 = step_avx2(a0, p, k);
			a1 = step_avx2(a1, p + 32, k + 4);
		}
		if (s == BLOCK) {
			a0 = scramble_avx2(a0, K + 24);
			a1 = scramble_avx2(a1, K + 28);
			s = 0;
		}
	}
	_mm256_storeu_si256((__m256i *)(void *)acc, a0);
	_mm256_storeu_si256((__m256i *)(void *)(acc + 4), a1);
	*pos = s;
}

static int have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") != 0;
}
#endif

/* ---- Choice of the loop ------------------------------------------------------ */

static stripes_fn *impl;
static const char *impl_name = "scalar";

int mpp_sum_select(enum mpp_sum_impl which)
{
	switch (which) {
	case MPP_SUM_BEST:
#if defined(HAVE_AVX2)
		if (have_avx2())
			return mpp_sum_select(MPP_SUM_AVX2);
#endif
#if defined(__SSE2__)
		return mpp_sum_select(MPP_SUM_SSE2);
#else
		return mpp_sum_select(MPP_SUM_SCALAR);
#endif
	case MPP_SUM_SCALAR:
		__atomic_store_n(&impl, stripes_scalar, __ATOMIC_RELAXED);
		impl_name = "scalar";
		return 0;
	case MPP_SUM_SSE2:
#if defined(__SSE2__)
		__atomic_store_n(&impl, stripes_sse2, __ATOMIC_RELAXED);
		impl_name = "sse2";
		return 0;
#else
		return -1;
#endif
	case MPP_SUM_AVX2:
#if defined(HAVE_AVX2)
		if (!have_avx2())
			return -1;
		__atomic_store_n(&impl, stripes_avx2, __ATOMIC_RELAXED);
		impl_name = "avx2";
		return 0;
#else
		return -1;
#endif
	}
	return -1;
}

const char *mpp_sum_impl_name(void)
{
	if (!__atomic_load_n(&impl, __ATOMIC_RELAXED))
		mpp_sum_select(MPP_SUM_BEST);
	return impl_name;
}

static void run(uint64_t *acc, const unsigned char *p, size_t n, unsigned *pos)
{
	/* two first callers may both choose: they store the same pointer */
	stripes_fn *f = __atomic_load_n(&impl, __ATOMIC_RELAXED);
	if (!f) {
		mpp_sum_select(MPP_SUM_BEST);
		f = __atomic_load_n(&impl, __ATOMIC_RELAXED);
	}
	f(acc, p, n, pos);
}

/* ---- The hash ---------------------------------------------------------------- */

/* The 128-bit product of a and b, its two halves xored. */
static uint64_t fold(uint64_t a, uint64_t b)
{
#if defined(__SIZEOF_INT128__)
	__extension__ typedef unsigned __int128 u128;
	u128 r = (u128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32, bl = b & 0xFFFFFFFFu, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
	uint64_t lo = (mid << 32) | (ll & 0xFFFFFFFFu);
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return lo ^ hi;
#endif
}

void mpp_sum_init(struct mpp_sum_state *s)
{
	memcpy(s->acc, K + 32, sizeof s->acc);
	s->total = 0;
	s->pos = 0;
	s->nbuf = 0;
}

void mpp_sum_update(struct mpp_sum_state *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t k;

	s->total += n;
	if (s->nbuf) {
		k = STRIPE - s->nbuf < n ? STRIPE - s->nbuf : n;
		memcpy(s->buf + s->nbuf, p, k);
		s->nbuf += (unsigned)k;
		p += k;
		n -= k;
		if (s->nbuf < STRIPE)
			return;
		run(s->acc, s->buf, 1, &s->pos);
		s->nbuf = 0;
	}
	k = n / STRIPE;
	if (k)
		run(s->acc, p, k, &s->pos);
	memcpy(s->buf, p + k * STRIPE, n - k * STRIPE);
	s->nbuf = (unsigned)(n - k * STRIPE);
}

uint64_t mpp_sum_final(const struct mpp_sum_state *s)
{
	unsigned char last[STRIPE];
	uint64_t acc[8], h;
	unsigned pos = s->pos;
	int i;

	memcpy(acc, s->acc, sizeof acc);
	if (s->nbuf) { /* the last stripe, padded with zeros */
		memcpy(last, s->buf, s->nbuf);
		memset(last + s->nbuf, 0, STRIPE - s->nbuf);
		run(acc, last, 1, &pos);
	}
	h = s->total * 0x9E3779B97F4A7C15ULL ^ K[23];
	for (i = 0; i < 8; i += 2)
		h += fold(acc[i] ^ K[40 + i], acc[i + 1] ^ K[41 + i]);
	h = (h ^ h >> 30) * 0xBF58476D1CE4E5B9ULL;
	h = (h ^ h >> 27) * 0x94D049BB133111EBULL;
	return h ^ h >> 31;
}

uint64_t mpp_sum64(const void *p, size_t n)
{
	struct mpp_sum_state s;

	mpp_sum_init(&s);
	mpp_sum_update(&s, p, n);
	return mpp_sum_final(&s);
}
