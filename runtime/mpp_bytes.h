/* mpp_bytes.h: fixed byte-order helpers for the state format. Every integer
 * of a state file's structure is little-endian whatever the host is; these
 * read and write it byte by byte, so they work on any alignment and on
 * big-endian hosts alike. Header-only (static inline). */
#ifndef MPP_BYTES_H
#define MPP_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void mpp_put_u8(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
}

static inline void mpp_put_u16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void mpp_put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void mpp_put_u64(unsigned char *p, uint64_t v)
{
	mpp_put_u32(p, (uint32_t)v);
	mpp_put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t mpp_get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t mpp_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t mpp_get_u64(const unsigned char *p)
{
	return (uint64_t)mpp_get_u32(p) | (uint64_t)mpp_get_u32(p + 4) << 32;
}

/* A little-endian 64-bit word at any alignment, fast: one load, plus a
 * byte swap on big-endian hosts (used by the checksum). */
static inline uint64_t mpp_load_le64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

#endif
