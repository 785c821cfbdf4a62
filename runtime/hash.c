/* hash.c: a 64-bit hash in the style of xxHash64: four independent lanes of
 * multiply-rotate over 32-byte stripes, so a modern core overlaps them and
 * hashes at memory speed; words are read little-endian, so the result does
 * not depend on the host's byte order. Not cryptographic: it detects damage. */
#include <string.h>

#include "mpp_bytes.h"
#include "mpp_hash.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t round1(uint64_t acc, uint64_t w)
{
	acc += w * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static inline uint64_t merge(uint64_t h, uint64_t v)
{
	h ^= round1(0, v);
	return h * P1 + P4;
}

/* The bytes after the last whole 32-byte stripe, and the final mix:
 * shared by the one-shot and the streaming hash. */
static uint64_t finish(uint64_t h, const unsigned char *p, const unsigned char *end)
{
	while (p + 8 <= end) {
		h ^= round1(0, mpp_load_le64(p));
		h = rotl(h, 27) * P1 + P4;
		p += 8;
	}
	if (p + 4 <= end) {
		h ^= (uint64_t)mpp_get_u32(p) * P1;
		h = rotl(h, 23) * P2 + P3;
		p += 4;
	}
	while (p < end) {
		h ^= *p++ * P5;
		h = rotl(h, 11) * P1;
	}
	return mpp_hash_mix(h);
}

uint64_t mpp_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	const unsigned char *end = p + n;
	uint64_t h;

	if (n >= 32) {
		uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
		const unsigned char *limit = end - 32;
		do {
			v1 = round1(v1, mpp_load_le64(p));
			v2 = round1(v2, mpp_load_le64(p + 8));
			v3 = round1(v3, mpp_load_le64(p + 16));
			v4 = round1(v4, mpp_load_le64(p + 24));
			p += 32;
		} while (p <= limit);
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
		h = merge(h, v1);
		h = merge(h, v2);
		h = merge(h, v3);
		h = merge(h, v4);
	} else {
		h = seed + P5;
	}
	h += (uint64_t)n;
	return finish(h, p, end);
}

/* ---- The same hash over pieces ---------------------------------------- */

void mpp_hash_init(struct mpp_hash_state *s, uint64_t seed)
{
	s->v[0] = seed + P1 + P2;
	s->v[1] = seed + P2;
	s->v[2] = seed;
	s->v[3] = seed - P1;
	s->seed = seed;
	s->total = 0;
	s->nbuf = 0;
}

static void stripes(uint64_t *v, const unsigned char *p, size_t n)
{
	uint64_t v1 = v[0], v2 = v[1], v3 = v[2], v4 = v[3];
	const unsigned char *end = p + n;

	for (; p < end; p += 32) {
		v1 = round1(v1, mpp_load_le64(p));
		v2 = round1(v2, mpp_load_le64(p + 8));
		v3 = round1(v3, mpp_load_le64(p + 16));
		v4 = round1(v4, mpp_load_le64(p + 24));
	}
	v[0] = v1;
	v[1] = v2;
	v[2] = v3;
	v[3] = v4;
}

void mpp_hash_update(struct mpp_hash_state *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t k;

	s->total += n;
	if (s->nbuf) {
		k = 32 - s->nbuf < n ? 32 - s->nbuf : n;
		memcpy(s->buf + s->nbuf, p, k);
		s->nbuf += (unsigned)k;
		p += k;
		n -= k;
		if (s->nbuf < 32)
			return;
		stripes(s->v, s->buf, 32);
		s->nbuf = 0;
	}
	k = n & ~(size_t)31;
	stripes(s->v, p, k);
	memcpy(s->buf, p + k, n - k);
	s->nbuf = (unsigned)(n - k);
}

uint64_t mpp_hash_final(const struct mpp_hash_state *s)
{
	const unsigned char *p = s->buf, *end = s->buf + s->nbuf;
	uint64_t h;

	if (s->total >= 32) {
		h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) + rotl(s->v[3], 18);
		h = merge(h, s->v[0]);
		h = merge(h, s->v[1]);
		h = merge(h, s->v[2]);
		h = merge(h, s->v[3]);
	} else {
		h = s->seed + P5;
	}
	h += s->total;
	return finish(h, p, end);
}

uint64_t mpp_hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t mpp_hash_str(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return mpp_hash64(s, n, 0);
}
