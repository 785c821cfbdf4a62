/* mpp_hash.h: the 64-bit hash of the runtime (XXH64): program
 * fingerprints, binary ids, hash tables, and the checksum of state format
 * versions 1 and 2 (version 3 uses mpp_sum.h). Fast (several GB/s), the
 * same value on every host for the same bytes. */
#ifndef MPP_HASH_H
#define MPP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Hash of n bytes at p; seed chains calls (hash of a||b is not the chained
 * value, but chaining is deterministic, which is all the file hash needs). */
uint64_t mpp_hash64(const void *p, size_t n, uint64_t seed);

/* The same value as mpp_hash64 over bytes given in pieces (the state
 * writer hashes each piece while it is still in the cache). */
struct mpp_hash_state {
	uint64_t v[4], seed, total;
	unsigned char buf[32];
	unsigned nbuf;
};
void mpp_hash_init(struct mpp_hash_state *s, uint64_t seed);
void mpp_hash_update(struct mpp_hash_state *s, const void *p, size_t n);
uint64_t mpp_hash_final(const struct mpp_hash_state *s);

/* A strong mix of one 64-bit value (for hash tables and combining). */
uint64_t mpp_hash_mix(uint64_t x);

/* Hash of a NUL-terminated string. */
uint64_t mpp_hash_str(const char *s);

#endif
