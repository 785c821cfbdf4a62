/* mpp_hash.h: the 64-bit hash of the runtime: state checksums, program
 * fingerprints, binary ids and hash tables. Fast (several GB/s), the same
 * value on every host for the same bytes. */
#ifndef MPP_HASH_H
#define MPP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Hash of n bytes at p; seed chains calls (hash of a||b is not the chained
 * value, but chaining is deterministic, which is all the file hash needs). */
uint64_t mpp_hash64(const void *p, size_t n, uint64_t seed);

/* A strong mix of one 64-bit value (for hash tables and combining). */
uint64_t mpp_hash_mix(uint64_t x);

/* Hash of a NUL-terminated string. */
uint64_t mpp_hash_str(const char *s);

#endif
