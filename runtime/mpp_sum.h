/* mpp_sum.h: the checksum of state files from format version 3 on, a
 * 64-bit hash built for speed on long inputs: eight 64-bit lanes over
 * 64-byte stripes, vectorised with SSE2 or AVX2 on x86, the same value on
 * every host. docs/FORMAT.md, *Checksum*, specifies it. Not cryptographic:
 * it detects damage. (Older files carry mpp_hash64, see mpp_hash.h.) */
#ifndef MPP_SUM_H
#define MPP_SUM_H

#include <stddef.h>
#include <stdint.h>

/* The checksum of n bytes at p. */
uint64_t mpp_sum64(const void *p, size_t n);

/* The same value over bytes given in pieces of any sizes (the state writer
 * hashes each piece while it is still in the cache). */
struct mpp_sum_state {
	uint64_t acc[8]; /* the lanes */
	uint64_t total;  /* bytes so far */
	unsigned pos;    /* stripes done in the current block */
	unsigned nbuf;   /* bytes in buf, less than a stripe */
	unsigned char buf[64];
};
void mpp_sum_init(struct mpp_sum_state *s);
void mpp_sum_update(struct mpp_sum_state *s, const void *p, size_t n);
uint64_t mpp_sum_final(const struct mpp_sum_state *s);

/* The implementation of the stripe loop in use, all giving the same
 * values: the best this host runs (the default), or one chosen by tests
 * and benchmarks. mpp_sum_select returns 0, or -1 when this build or host
 * lacks the one asked for (the one in use stays). Not thread-safe: call it
 * before hashing. */
enum mpp_sum_impl { MPP_SUM_BEST, MPP_SUM_SCALAR, MPP_SUM_SSE2, MPP_SUM_AVX2 };
int mpp_sum_select(enum mpp_sum_impl which);
const char *mpp_sum_impl_name(void);

#endif
