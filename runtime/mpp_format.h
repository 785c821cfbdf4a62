/* mpp_format.h: constants of the state format (docs/FORMAT.md is the
 * reference, byte by byte) and the writer's architecture description,
 * shared by the encoder and the decoder. */
#ifndef MPP_FORMAT_H
#define MPP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define MPP_FMT_MAGIC "\x89MPP\r\n\x1a\n"
#define MPP_FMT_MAGIC_LEN 8
#define MPP_FMT_VERSION 3
#define MPP_FMT_VERSION_MIN 1 /* oldest version this reader still reads */

/* Header (all integers little-endian). */
#define MPP_FMT_HDR_LEN 96
#define MPP_FMT_OFF_VERSION 8
#define MPP_FMT_OFF_HDRLEN 10
#define MPP_FMT_OFF_NSECT 12
#define MPP_FMT_OFF_FILELEN 16
#define MPP_FMT_OFF_FPRINT 24
#define MPP_FMT_OFF_POLLS 32
#define MPP_FMT_OFF_BINID 40
#define MPP_FMT_OFF_BINSRC 48
#define MPP_FMT_OFF_ARCH 56
#define MPP_FMT_ARCH_LEN 40
#define MPP_FMT_DIRENT_LEN 24
#define MPP_FMT_TRAILER_LEN 8 /* the checksum */
#define MPP_FMT_VERSION_SUM 3 /* first version checksummed by mpp_sum64 */

enum mpp_fmt_section {
	MPP_SEC_STRINGS = 1,
	MPP_SEC_TYPES,
	MPP_SEC_FUNCS,
	MPP_SEC_BLOCKS,
	MPP_SEC_FRAMES,
	MPP_SEC_POINTERS,
	MPP_SEC_DATA,
	MPP_SEC_LITERALS,                 /* version 2 */
	MPP_SEC_COUNT = MPP_SEC_LITERALS, /* sections in a version 2 or 3 file */
	MPP_SEC_COUNT_V1 = MPP_SEC_DATA   /* sections in a version 1 file */
};

/* Entry sizes of the table sections; each section starts with a count. */
#define MPP_FMT_SECHDR_LEN 8
#define MPP_FMT_TYPE_LEN 40
#define MPP_FMT_FIELD_LEN 16
#define MPP_FMT_FUNC_LEN 4
#define MPP_FMT_BLOCK_LEN 48
#define MPP_FMT_FRAME_LEN 16
#define MPP_FMT_PTR_LEN 16
#define MPP_FMT_LIT_LEN 24
/* Longest string literal saved by content (bytes, the NUL included). */
#define MPP_FMT_LIT_MAX 65536
/* Offset of a pointer entry whose target is MPP_FMT_NONE: 0 is NULL,
 * MPP_FMT_DANGLING a pointer into freed memory. */
#define MPP_FMT_DANGLING 1

/* Block classes. */
enum mpp_fmt_class {
	MPP_BC_GLOBAL = 1, /* registered global, by name */
	MPP_BC_HEAP,       /* runtime heap block, by position */
	MPP_BC_FRAME,      /* live variable of a frame */
	MPP_BC_EXTERN,     /* object of the C library (stdout...), by name */
	MPP_BC_IMAGE,      /* the executable image, by offset (same binary only) */
	MPP_BC_STREAM,     /* a file the program opened, by path (stream.c) */
	MPP_BC_LITERAL     /* never in a file: a string literal found by content
	                      in this image (decoder-made, placed) */
};
#define MPP_BF_DATA 1u /* block flag: its bytes are in the data section */
/* Byte 2 of a heap block: log2 of the alignment the program asked for
 * (aligned_alloc, posix_memalign...), 0 for malloc's own; at most this. */
#define MPP_FMT_MAX_ALIGN_LOG2 28

#define MPP_FMT_NONE 0xFFFFFFFFu     /* no string / no type / NULL pointer */
#define MPP_FMT_FN_IMAGE 0xFFFFFFFEu /* function pointer by image offset */

/* Where the binary id came from. */
enum { MPP_BINID_NONE = 0, MPP_BINID_BUILDID = 1, MPP_BINID_FILEHASH = 2 };

/* Long double formats. */
enum { MPP_LD_UNKNOWN = 0, MPP_LD_X87 = 1, MPP_LD_BINARY128 = 2, MPP_LD_BINARY64 = 3, MPP_LD_DOUBLEDOUBLE = 4 };

/* An architecture description, unpacked. Sizes and alignments are indexed
 * by scalar kind (MPP_K_BOOL..MPP_K_LDOUBLE). */
struct mpp_arch {
	unsigned order; /* 1 little-endian, 2 big-endian */
	unsigned ptr_size, ptr_align, fn_size, fn_align;
	unsigned ld_format; /* MPP_LD_* */
	int char_signed;
	unsigned size[16], align[16];
};

/* This host's architecture description, MPP_FMT_ARCH_LEN bytes. */
void mpp_format_arch(unsigned char *out);
/* Unpack a description; 0, or -1 when it is not one this runtime can
 * convert from (unknown byte order, impossible sizes). */
int mpp_format_arch_parse(const unsigned char *desc, struct mpp_arch *a);
/* This host's description, unpacked. */
const struct mpp_arch *mpp_format_arch_native(void);
/* Whether two descriptions describe the same data layout. */
int mpp_format_arch_same(const unsigned char *a, const unsigned char *b);
/* Short human description ("little-endian, 8-byte pointers, ..."). */
void mpp_format_arch_text(const unsigned char *a, char *buf, size_t n);

/* The checksum of the n bytes of a state of this version before its
 * trailer: mpp_sum64 from version 3 on, mpp_hash64 (XXH64, seed 0) before. */
uint64_t mpp_format_checksum(unsigned version, const void *p, size_t n);

#endif
