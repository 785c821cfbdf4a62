/* format.c: the architecture description written in every state header:
 * byte order, sizes and alignments of all scalar kinds, pointer sizes, the
 * long double format. A reader compares it with its own to decide whether
 * the data bytes can be used as they are (receiver makes right). */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "mpp.h"
#include "mpp_format.h"
#include "mpp_hash.h"
#include "mpp_sum.h"

/* Offsets inside the description. */
#define A_ORDER 0
#define A_PTRSIZE 1
#define A_PTRALIGN 2
#define A_FNSIZE 3
#define A_FNALIGN 4
#define A_LDFMT 5
#define A_CHARSIGNED 6
#define A_SCALARS 8 /* (size, align) of MPP_K_BOOL..MPP_K_LDOUBLE */
#define A_NSCALARS (MPP_K_LDOUBLE - MPP_K_BOOL + 1)
#define A_USED (A_SCALARS + 2 * A_NSCALARS)

static int ldouble_format(void)
{
	switch (LDBL_MANT_DIG) {
	case 64: return MPP_LD_X87;
	case 113: return MPP_LD_BINARY128;
	case 53: return MPP_LD_BINARY64;
	case 106: return MPP_LD_DOUBLEDOUBLE;
	default: return MPP_LD_UNKNOWN;
	}
}

void mpp_format_arch(unsigned char *out)
{
	static const struct mpp_type *const scalars[A_NSCALARS] = {
	    &mpp_t_bool,   &mpp_t_char,   &mpp_t_schar, &mpp_t_uchar,  &mpp_t_short,
	    &mpp_t_ushort, &mpp_t_int,    &mpp_t_uint,  &mpp_t_long,   &mpp_t_ulong,
	    &mpp_t_llong,  &mpp_t_ullong, &mpp_t_float, &mpp_t_double, &mpp_t_ldouble};
	const uint16_t one = 1;
	unsigned char first;
	int i;

	memcpy(&first, &one, 1);
	memset(out, 0, MPP_FMT_ARCH_LEN);
	out[A_ORDER] = first ? 1 : 2;
	out[A_PTRSIZE] = (unsigned char)sizeof(void *);
	out[A_PTRALIGN] = (unsigned char)_Alignof(void *);
	out[A_FNSIZE] = (unsigned char)sizeof(void (*)(void));
	out[A_FNALIGN] = (unsigned char)_Alignof(void (*)(void));
	out[A_LDFMT] = (unsigned char)ldouble_format();
	out[A_CHARSIGNED] = (char)-1 < 0;
	for (i = 0; i < A_NSCALARS; i++) {
		out[A_SCALARS + 2 * i] = (unsigned char)scalars[i]->size;
		out[A_SCALARS + 2 * i + 1] = (unsigned char)scalars[i]->align;
	}
}

int mpp_format_arch_parse(const unsigned char *d, struct mpp_arch *a)
{
	int i;

	memset(a, 0, sizeof *a);
	a->order = d[A_ORDER];
	a->ptr_size = d[A_PTRSIZE];
	a->ptr_align = d[A_PTRALIGN];
	a->fn_size = d[A_FNSIZE];
	a->fn_align = d[A_FNALIGN];
	a->ld_format = d[A_LDFMT];
	a->char_signed = d[A_CHARSIGNED] != 0;
	for (i = 0; i < A_NSCALARS; i++) {
		a->size[MPP_K_BOOL + i] = d[A_SCALARS + 2 * i];
		a->align[MPP_K_BOOL + i] = d[A_SCALARS + 2 * i + 1];
	}
	if (a->order != 1 && a->order != 2)
		return -1;
	/* pointers of 2, 4 or 8 bytes, integers of 1, 2, 4 or 8, chars of 1 */
	if ((a->ptr_size != 4 && a->ptr_size != 8 && a->ptr_size != 2) ||
	    (a->fn_size != 4 && a->fn_size != 8 && a->fn_size != 2))
		return -1;
	for (i = MPP_K_BOOL; i <= MPP_K_ULLONG; i++) {
		unsigned s = a->size[i];
		if (s != 1 && s != 2 && s != 4 && s != 8)
			return -1;
	}
	if (a->size[MPP_K_CHAR] != 1 || a->size[MPP_K_SCHAR] != 1 || a->size[MPP_K_UCHAR] != 1 ||
	    a->size[MPP_K_FLOAT] != 4 || a->size[MPP_K_DOUBLE] != 8 || a->size[MPP_K_LDOUBLE] < 8 ||
	    a->size[MPP_K_LDOUBLE] > 16)
		return -1;
	return 0;
}

const struct mpp_arch *mpp_format_arch_native(void)
{
	static struct mpp_arch native;
	static int done;
	unsigned char d[MPP_FMT_ARCH_LEN];

	if (!done) {
		mpp_format_arch(d);
		mpp_format_arch_parse(d, &native);
		done = 1;
	}
	return &native;
}

int mpp_format_arch_same(const unsigned char *a, const unsigned char *b)
{
	return memcmp(a, b, A_USED) == 0;
}

void mpp_format_arch_text(const unsigned char *a, char *buf, size_t n)
{
	static const char *const ld[] = {"unknown", "x87 extended", "binary128", "binary64", "double-double"};
	unsigned f = a[A_LDFMT] < 5 ? a[A_LDFMT] : 0;
	int kl = MPP_K_LONG - MPP_K_BOOL, kld = MPP_K_LDOUBLE - MPP_K_BOOL;

	snprintf(buf, n, "%s, %u-byte pointers, %u-byte long, %u-byte long double (%s), %s char",
	         a[A_ORDER] == 1   ? "little-endian"
	         : a[A_ORDER] == 2 ? "big-endian"
	                           : "unknown byte order",
	         a[A_PTRSIZE], a[A_SCALARS + 2 * kl], a[A_SCALARS + 2 * kld], ld[f],
	         a[A_CHARSIGNED] ? "signed" : "unsigned");
}

uint64_t mpp_format_checksum(unsigned version, const void *p, size_t n)
{
	return version >= MPP_FMT_VERSION_SUM ? mpp_sum64(p, n) : mpp_hash64(p, n, 0);
}
