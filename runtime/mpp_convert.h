/* mpp_convert.h: values written on another architecture, made right by
 * the reader. A plan, compiled once per pair of descriptors (the writer's
 * and this program's), turns the writer's bytes of a value into this
 * host's: copies, byte swaps, integer width changes with range checks,
 * long double formats. Pointer slots are left zero for restore.c to fill;
 * unions and opaque values convert only when that is unambiguous. */
#ifndef MPP_CONVERT_H
#define MPP_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "mpp.h"
#include "mpp_format.h"

struct mpp_conv;
struct mpp_cplan;

/* Why a value could not be converted (mpp_conv_run). */
enum mpp_conv_why {
	MPP_CONV_INT = 1, /* an integer does not fit the reader's width */
	MPP_CONV_LDBL,    /* a long double overflows the reader's format */
	MPP_CONV_UNION,   /* a union whose members convert differently, not zero */
	MPP_CONV_OPAQUE   /* bytes of unknown layout (bit-fields...), not zero */
};

struct mpp_conv_fail {
	uint64_t off;   /* of the value, from the start of the converted bytes */
	int why;        /* enum mpp_conv_why */
	uint64_t value; /* MPP_CONV_INT: the value's bits */
	int is_signed;  /* MPP_CONV_INT: how to print value */
	unsigned size;  /* MPP_CONV_INT: the reader's width in bytes */
};

/* A converter from the layout described by w to the layout of this host
 * (*w is copied). NULL when out of memory. */
struct mpp_conv *mpp_conv_new(const struct mpp_arch *w);
void mpp_conv_free(struct mpp_conv *c);

/* Whether a value described by w (writer) can be converted into one
 * described by r (reader): the same shape (kinds of the same family,
 * equal counts, fields pairwise), whatever the sizes and offsets. */
int mpp_conv_compatible(const struct mpp_type *w, const struct mpp_type *r);

/* The plan for (w, r), cached in c; both must be compatible and outlive
 * c. 0, or MPP_ENOMEM / MPP_EFORMAT with a message. */
int mpp_conv_plan(struct mpp_conv *c, const struct mpp_type *w, const struct mpp_type *r, const struct mpp_cplan **out);

/* Convert count values from src (writer layout) to dst (this host's).
 * Pointer slots and padding are not written (restore.c writes the
 * pointers). Returns 0, or MPP_EFORMAT with *fail filled (no message
 * recorded), having converted the values before the one that failed. */
int mpp_conv_run(const struct mpp_cplan *p, const unsigned char *src, unsigned char *dst, uint64_t count,
                 struct mpp_conv_fail *fail);
/* The same checks without writing anything, so that a state is refused
 * before the process changes; nothing to do when no value can fail
 * (byte swaps, widening, copies). */
int mpp_conv_check(const struct mpp_cplan *p, const unsigned char *src, uint64_t count, struct mpp_conv_fail *fail);
/* Whether the plan is a copy of the whole value (same layout), and
 * whether a value may not fit. */
int mpp_conv_is_copy(const struct mpp_cplan *p);
int mpp_conv_may_fail(const struct mpp_cplan *p);

/* Scalar helpers, exported for tests and benchmarks. */
/* Byte-reverse n values of width w (2, 4, 8 or 16) from src to dst. */
void mpp_conv_swap(unsigned w, const unsigned char *src, unsigned char *dst, uint64_t n);
/* Convert one long double from writer format/size/order to reader's;
 * 0 or -1 when it overflows the reader's format. */
int mpp_conv_ldouble(unsigned wfmt, unsigned wsize, int wswap, const unsigned char *src, unsigned rfmt, unsigned rsize,
                     unsigned char *dst);

#endif
