/* test_convert.c: receiver-makes-right conversion (runtime/convert.c) on
 * hand-made writer layouts: byte swaps, integer widths and their range
 * checks, long double formats against the compiler's own conversions,
 * structs laid out by another ABI, unions, opaque values, shapes. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpp.h"
#include "mpp_convert.h"
#include "mpp_err.h"
#include "mpp_format.h"

/* ---- Writer architectures ----------------------------------------------- */

static int host_le(void)
{
	const uint16_t one = 1;
	unsigned char b;

	memcpy(&b, &one, 1);
	return b;
}

/* The other byte order than this host's, with sizes for ILP32 or LP64. */
static struct mpp_arch foreign_arch(int ilp32, int other_order, unsigned ldfmt, unsigned ldsize)
{
	struct mpp_arch a;
	unsigned k;

	memset(&a, 0, sizeof a);
	a.order = host_le() ? (other_order ? 2 : 1) : (other_order ? 1 : 2);
	a.ptr_size = a.fn_size = ilp32 ? 4 : 8;
	a.ptr_align = a.fn_align = a.ptr_size;
	a.ld_format = ldfmt;
	a.char_signed = 1;
	for (k = MPP_K_BOOL; k <= MPP_K_LDOUBLE; k++)
		a.size[k] = a.align[k] = 1;
	a.size[MPP_K_SHORT] = a.size[MPP_K_USHORT] = 2;
	a.size[MPP_K_INT] = a.size[MPP_K_UINT] = a.size[MPP_K_FLOAT] = 4;
	a.size[MPP_K_LONG] = a.size[MPP_K_ULONG] = ilp32 ? 4 : 8;
	a.size[MPP_K_LLONG] = a.size[MPP_K_ULLONG] = a.size[MPP_K_DOUBLE] = 8;
	a.size[MPP_K_LDOUBLE] = ldsize;
	for (k = MPP_K_SHORT; k <= MPP_K_LDOUBLE; k++)
		a.align[k] = a.size[k] > 4 && ilp32 ? 4 : a.size[k];
	return a;
}

/* Writer descriptors of scalar kinds, as a state of that layout has them. */
#define WT(id, k, sz, nm) static const struct mpp_type id = {k, sz, sz, nm, 0, 0, 0}
WT(w_int, MPP_K_INT, 4, "int");
WT(w_long4, MPP_K_LONG, 4, "long");
WT(w_long8, MPP_K_LONG, 8, "long");
WT(w_ulong4, MPP_K_ULONG, 4, "unsigned long");
WT(w_ulong8, MPP_K_ULONG, 8, "unsigned long");
WT(w_double, MPP_K_DOUBLE, 8, "double");
WT(w_short, MPP_K_SHORT, 2, "short");
WT(w_char, MPP_K_CHAR, 1, "char");
WT(w_ptr4, MPP_K_PTR, 4, "int *");
WT(w_ptr8, MPP_K_PTR, 8, "int *");

static void put_be(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static void put_order(unsigned char *p, uint64_t v, unsigned n, int other)
{
	unsigned i;

	if (other == !host_le()) { /* little-endian bytes */
		for (i = 0; i < n; i++)
			p[i] = (unsigned char)(v >> (8 * i));
	} else {
		put_be(p, v, n);
	}
}

/* ---- Scalars and runs ------------------------------------------------------ */

static void test_swap_doubles(void **state)
{
	struct mpp_arch w = foreign_arch(0, 1, MPP_LD_BINARY128, 16);
	static const struct mpp_type arr = {MPP_K_ARRAY, 8 * 1000, 8, "double[1000]", &w_double, 1000, 0};
	static const struct mpp_type host = {
	    MPP_K_ARRAY, sizeof(double[1000]), _Alignof(double), "double[1000]", &mpp_t_double, 1000, 0};
	struct mpp_conv *c = mpp_conv_new(&w);
	const struct mpp_cplan *p;
	struct mpp_conv_fail f;
	unsigned char *src = malloc(8 * 1000);
	double *dst = calloc(1000, sizeof *dst);
	uint64_t bits;
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 1000; i++) {
		double v = i * 0.5 - 3.25;
		memcpy(&bits, &v, 8);
		put_order(src + 8 * i, bits, 8, 1);
	}
	assert_int_equal(mpp_conv_plan(c, &arr, &host, &p), 0);
	assert_int_equal(mpp_conv_run(p, src, (unsigned char *)dst, 1, &f), 0);
	for (i = 0; i < 1000; i++)
		assert_true(dst[i] == i * 0.5 - 3.25);
	/* the same through count instead of an array type */
	memset(dst, 0, 1000 * sizeof *dst);
	assert_int_equal(mpp_conv_plan(c, &w_double, &mpp_t_double, &p), 0);
	assert_int_equal(mpp_conv_run(p, src, (unsigned char *)dst, 1000, &f), 0);
	assert_true(dst[999] == 999 * 0.5 - 3.25);
	mpp_conv_free(c);
	free(src);
	free(dst);
}

/* Convert one writer integer of type w into host type r; returns the
 * run's result and the value in *out. */
static int conv_int(struct mpp_conv *c, const struct mpp_type *w, const struct mpp_type *r, uint64_t bits, int other,
                    void *out, struct mpp_conv_fail *f)
{
	const struct mpp_cplan *p;
	unsigned char src[8];

	put_order(src, bits, (unsigned)w->size, other);
	assert_int_equal(mpp_conv_plan(c, w, r, &p), 0);
	memset(out, 0x5a, r->size);
	return mpp_conv_run(p, src, out, 1, f);
}

static void test_integer_widths(void **state)
{
	struct mpp_arch w64 = foreign_arch(0, 1, MPP_LD_BINARY128, 16), w32 = foreign_arch(1, 1, MPP_LD_X87, 12);
	struct mpp_conv *c64 = mpp_conv_new(&w64), *c32 = mpp_conv_new(&w32);
	static const struct mpp_type h_int = {MPP_K_INT, 4, 4, "int", 0, 0, 0},
	                             h_uint = {MPP_K_UINT, 4, 4, "unsigned int", 0, 0, 0},
	                             h_ll = {MPP_K_LLONG, 8, 8, "long long", 0, 0, 0},
	                             h_ull = {MPP_K_ULLONG, 8, 8, "unsigned long long", 0, 0, 0};
	struct mpp_conv_fail f;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;

	(void)state;
	/* 8 -> 4 bytes, signed: in range, negative, out of range */
	assert_int_equal(conv_int(c64, &w_long8, &h_int, 2000000000, 1, &i32, &f), 0);
	assert_int_equal(i32, 2000000000);
	assert_int_equal(conv_int(c64, &w_long8, &h_int, (uint64_t)-7, 1, &i32, &f), 0);
	assert_int_equal(i32, -7);
	assert_int_equal(conv_int(c64, &w_long8, &h_int, (uint64_t)INT32_MIN, 1, &i32, &f), 0);
	assert_int_equal(i32, INT32_MIN);
	assert_int_equal(conv_int(c64, &w_long8, &h_int, 1ULL << 31, 1, &i32, &f), MPP_EFORMAT);
	assert_int_equal(f.why, MPP_CONV_INT);
	assert_int_equal(f.value, 1ULL << 31);
	assert_int_equal(f.size, 4);
	assert_true(f.is_signed);
	assert_int_equal(conv_int(c64, &w_long8, &h_int, (uint64_t)INT32_MIN - 1, 1, &i32, &f), MPP_EFORMAT);
	/* unsigned: fits, too big, all ones (SIZE_MAX, ULONG_MAX) is the maximum */
	assert_int_equal(conv_int(c64, &w_ulong8, &h_uint, 4000000000u, 1, &u32, &f), 0);
	assert_int_equal(u32, 4000000000u);
	assert_int_equal(conv_int(c64, &w_ulong8, &h_uint, 1ULL << 32, 1, &u32, &f), MPP_EFORMAT);
	assert_false(f.is_signed);
	assert_int_equal(conv_int(c64, &w_ulong8, &h_uint, UINT64_MAX, 1, &u32, &f), 0);
	assert_int_equal(u32, UINT32_MAX);
	assert_int_equal(conv_int(c64, &w_ulong8, &h_uint, UINT64_MAX - 1, 1, &u32, &f), MPP_EFORMAT);
	/* 4 -> 8: sign and zero extension, all ones stays the maximum */
	assert_int_equal(conv_int(c32, &w_long4, &h_ll, (uint32_t)-123456, 1, &i64, &f), 0);
	assert_int_equal(i64, -123456);
	assert_int_equal(conv_int(c32, &w_ulong4, &h_ull, 0xfffffffeu, 1, &u64, &f), 0);
	assert_int_equal(u64, 0xfffffffeu);
	assert_int_equal(conv_int(c32, &w_ulong4, &h_ull, 0xffffffffu, 1, &u64, &f), 0);
	assert_int_equal(u64, UINT64_MAX);
	/* same width, other order: a swap; shorts too */
	assert_int_equal(conv_int(c32, &w_long4, &h_int, 0x01020304, 1, &i32, &f), 0);
	assert_int_equal(i32, 0x01020304);
	{
		int16_t s16;
		static const struct mpp_type h_short = {MPP_K_SHORT, 2, 2, "short", 0, 0, 0};
		assert_int_equal(conv_int(c32, &w_short, &h_short, 0xfffe, 1, &s16, &f), 0);
		assert_int_equal(s16, -2);
	}
	mpp_conv_free(c64);
	mpp_conv_free(c32);
}

/* The offset of the first value that does not fit, in an array. */
static void test_failure_offset(void **state)
{
	struct mpp_arch w = foreign_arch(0, 0, MPP_LD_X87, 16);
	static const struct mpp_type arr = {MPP_K_ARRAY, 8 * 16, 8, "long[16]", &w_long8, 16, 0};
	static const struct mpp_type host = {MPP_K_ARRAY, 4 * 16, 4, "long[16]", &mpp_t_int, 16, 0};
	struct mpp_conv *c = mpp_conv_new(&w);
	const struct mpp_cplan *p;
	struct mpp_conv_fail f;
	unsigned char src[8 * 16];
	int32_t dst[16];
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		put_order(src + 8 * i, i == 11 ? 5000000000ULL : (uint64_t)i, 8, 0);
	assert_int_equal(mpp_conv_plan(c, &arr, &host, &p), 0);
	assert_int_equal(mpp_conv_run(p, src, (unsigned char *)dst, 1, &f), MPP_EFORMAT);
	assert_int_equal(f.off, 11 * 8);
	assert_int_equal(f.value, 5000000000ULL);
	assert_int_equal(dst[10], 10);
	mpp_conv_free(c);
}

/* ---- Long double -------------------------------------------------------------- */

#if defined(__x86_64__) && LDBL_MANT_DIG == 64 && defined(__SIZEOF_FLOAT128__)
static void reversed(unsigned char *d, const unsigned char *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		d[i] = s[n - 1 - i];
}

static void ld_case(long double v)
{
	__float128 q = (__float128)v, back;
	unsigned char out[16], be[16];
	long double r;

	/* x87 -> binary128 (exact) */
	memset(out, 0, 16);
	assert_int_equal(mpp_conv_ldouble(MPP_LD_X87, 16, 0, (const unsigned char *)&v, MPP_LD_BINARY128, 16, out), 0);
	memcpy(&back, out, 16);
	if (v == v)
		assert_memory_equal(out, &q, 16);
	else
		assert_true(back != back);
	/* binary128, big-endian as s390x writes it -> x87 */
	reversed(be, (const unsigned char *)&q, 16);
	memset(&r, 0, sizeof r);
	assert_int_equal(mpp_conv_ldouble(MPP_LD_BINARY128, 16, 1, be, MPP_LD_X87, 16, (unsigned char *)&r), 0);
	if (v == v)
		assert_memory_equal(&r, &v, 10);
	else
		assert_true(r != r);
	/* x87 of a 12-byte writer (i686) -> 16 */
	assert_int_equal(mpp_conv_ldouble(MPP_LD_X87, 12, 0, (const unsigned char *)&v, MPP_LD_X87, 16, out), 0);
	if (v == v)
		assert_memory_equal(out, &v, 10);
}

static void test_long_double(void **state)
{
	static const long double cases[] = {0.0L,     -0.0L,     1.0L,       -2.5L,         1.0L / 3,
	                                    LDBL_MAX, -LDBL_MAX, LDBL_MIN,   LDBL_MIN / 3,  LDBL_TRUE_MIN,
	                                    1e-4940L, HUGE_VALL, -HUGE_VALL, 123456789.125L};
	__float128 third = (__float128)1 / 3, tiny = (__float128)LDBL_TRUE_MIN / 4, big;
	unsigned char be[16], out[16];
	long double r;
	double d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ld_case(cases[i]);
	ld_case(__builtin_nanl(""));
	/* rounding binary128 -> x87: to nearest, as the compiler does */
	reversed(be, (const unsigned char *)&third, 16);
	assert_int_equal(mpp_conv_ldouble(MPP_LD_BINARY128, 16, 1, be, MPP_LD_X87, 16, (unsigned char *)&r), 0);
	assert_true(r == (long double)third);
	reversed(be, (const unsigned char *)&tiny, 16);
	assert_int_equal(mpp_conv_ldouble(MPP_LD_BINARY128, 16, 1, be, MPP_LD_X87, 16, (unsigned char *)&r), 0);
	assert_true(r == (long double)tiny);
	/* binary128's largest is beyond x87's once rounded to 64 bits: refused */
	memset(be, 0xff, 16);
	be[0] = 0x7f;
	be[1] = 0xfe;
	assert_int_equal(mpp_conv_ldouble(MPP_LD_BINARY128, 16, 1, be, MPP_LD_X87, 16, (unsigned char *)&r), -1);
	memset(be + 8, 0, 8); /* 63 fraction bits of ones: x87's largest exactly */
	be[8] = 0xff;
	be[9] = 0xfe;
	assert_int_equal(mpp_conv_ldouble(MPP_LD_BINARY128, 16, 1, be, MPP_LD_X87, 16, (unsigned char *)&r), 0);
	assert_true(r == LDBL_MAX);
	(void)big;
	/* a long double that is a double (binary64 writers) */
	d = -1234.5678;
	assert_int_equal(
	    mpp_conv_ldouble(MPP_LD_BINARY64, 8, 0, (const unsigned char *)&d, MPP_LD_X87, 16, (unsigned char *)&r), 0);
	assert_true(r == (long double)d);
	r = 1.0L / 3;
	assert_int_equal(mpp_conv_ldouble(MPP_LD_X87, 16, 0, (const unsigned char *)&r, MPP_LD_BINARY64, 8, out), 0);
	memcpy(&d, out, 8);
	assert_true(d == (double)(1.0L / 3));
}
#else
static void test_long_double(void **state)
{
	(void)state;
	skip(); /* reference values need x86_64's x87 long double and __float128 */
}
#endif

/* ---- Structs, unions, opaque, shapes ------------------------------------------- */

/* What an ILP32 big-endian writer has for
 *   struct rec { char c; double d; long l; int *p; short s[3]; }:
 * c at 0, d at 4 (doubles are 4-aligned there), l at 12, p at 16, s at 20, size 28. */
struct rec {
	char c;
	double d;
	long l;
	int *p;
	short s[3];
};

static const struct mpp_type w_short3 = {MPP_K_ARRAY, 6, 2, "short[3]", &w_short, 3, 0};
static const struct mpp_field w_rec_f[] = {
    {"c", 0, &w_char}, {"d", 4, &w_double}, {"l", 12, &w_long4}, {"p", 16, &w_ptr4}, {"s", 20, &w_short3}};
static const struct mpp_type w_rec = {MPP_K_STRUCT, 28, 4, "struct rec", 0, 5, w_rec_f};

static const struct mpp_type h_intp = {MPP_K_PTR, sizeof(int *), _Alignof(int *), "int *", &mpp_t_int, 0, 0};
static const struct mpp_type h_short3 = {
    MPP_K_ARRAY, sizeof(short[3]), _Alignof(short), "short[3]", &mpp_t_short, 3, 0};
static const struct mpp_field h_rec_f[] = {{"c", offsetof(struct rec, c), &mpp_t_char},
                                           {"d", offsetof(struct rec, d), &mpp_t_double},
                                           {"l", offsetof(struct rec, l), &mpp_t_long},
                                           {"p", offsetof(struct rec, p), &h_intp},
                                           {"s", offsetof(struct rec, s), &h_short3}};
static const struct mpp_type h_rec = {MPP_K_STRUCT, sizeof(struct rec), _Alignof(struct rec), "struct rec", 0, 5,
                                      h_rec_f};

static void test_struct_layouts(void **state)
{
	struct mpp_arch w = foreign_arch(1, 1, MPP_LD_X87, 12);
	static const struct mpp_type w_arr = {MPP_K_ARRAY, 28 * 3, 4, "struct rec[3]", &w_rec, 3, 0};
	static const struct mpp_type h_arr = {
	    MPP_K_ARRAY, sizeof(struct rec[3]), _Alignof(struct rec), "struct rec[3]", &h_rec, 3, 0};
	struct mpp_conv *c = mpp_conv_new(&w);
	const struct mpp_cplan *p;
	struct mpp_conv_fail f;
	unsigned char src[28 * 3];
	struct rec out[3];
	uint64_t bits;
	int k;

	(void)state;
	assert_true(mpp_conv_compatible(&w_arr, &h_arr));
	memset(src, 0, sizeof src);
	for (k = 0; k < 3; k++) {
		unsigned char *e = src + 28 * k;
		double d = 1.5 * k - 0.25;
		e[0] = (unsigned char)('x' + k);
		memcpy(&bits, &d, 8);
		put_order(e + 4, bits, 8, 1);
		put_order(e + 12, (uint64_t)(uint32_t)(-1000 * k - 1), 4, 1);
		put_order(e + 16, 0xdeadbeef, 4, 1); /* a pointer's bytes: ignored */
		put_order(e + 20, (uint64_t)(uint16_t)(k - 2), 2, 1);
		put_order(e + 22, 300, 2, 1);
		put_order(e + 24, 0x7fff, 2, 1);
	}
	assert_int_equal(mpp_conv_plan(c, &w_arr, &h_arr, &p), 0);
	memset(out, 0, sizeof out);
	assert_int_equal(mpp_conv_run(p, src, (unsigned char *)out, 1, &f), 0);
	for (k = 0; k < 3; k++) {
		assert_int_equal(out[k].c, 'x' + k);
		assert_true(out[k].d == 1.5 * k - 0.25);
		assert_int_equal(out[k].l, -1000 * k - 1);
		assert_null(out[k].p); /* restore.c fills pointers */
		assert_int_equal(out[k].s[0], k - 2);
		assert_int_equal(out[k].s[1], 300);
		assert_int_equal(out[k].s[2], 0x7fff);
	}
	mpp_conv_free(c);
}

static void test_unions_and_opaque(void **state)
{
	struct mpp_arch same_order = foreign_arch(1, 0, MPP_LD_X87, 12), other = foreign_arch(0, 1, MPP_LD_X87, 16);
	static const struct mpp_type w_c4 = {MPP_K_ARRAY, 4, 1, "char[4]", &w_char, 4, 0};
	static const struct mpp_type h_c4 = {MPP_K_ARRAY, 4, 1, "char[4]", &mpp_t_char, 4, 0};
	/* union { int i; char c[4]; }: the same bytes when the order is the same */
	static const struct mpp_field w_u_f[] = {{"i", 0, &w_int}, {"c", 0, &w_c4}};
	static const struct mpp_field h_u_f[] = {{"i", 0, &mpp_t_int}, {"c", 0, &h_c4}};
	static const struct mpp_type w_u = {MPP_K_UNION, 4, 4, "union u", 0, 2, w_u_f};
	static const struct mpp_type h_u = {MPP_K_UNION, 4, 4, "union u", 0, 2, h_u_f};
	/* union { int i; unsigned u; }: one conversion for every member */
	static const struct mpp_type w_uint = {MPP_K_UINT, 4, 4, "unsigned int", 0, 0, 0};
	static const struct mpp_field w_v_f[] = {{"i", 0, &w_int}, {"u", 0, &w_uint}};
	static const struct mpp_field h_v_f[] = {{"i", 0, &mpp_t_int}, {"u", 0, &mpp_t_uint}};
	static const struct mpp_type w_v = {MPP_K_UNION, 4, 4, "union v", 0, 2, w_v_f};
	static const struct mpp_type h_v = {MPP_K_UNION, 4, 4, "union v", 0, 2, h_v_f};
	static const struct mpp_type w_op = {MPP_K_OPAQUE, 4, 4, "struct bits", 0, 0, 0};
	static const struct mpp_type h_op = {MPP_K_OPAQUE, 4, 4, "struct bits", 0, 0, 0};
	struct mpp_conv *c1 = mpp_conv_new(&same_order), *c2 = mpp_conv_new(&other);
	const struct mpp_cplan *p;
	struct mpp_conv_fail f;
	unsigned char src[4] = {1, 2, 3, 4}, zero[4] = {0}, out[4];
	int32_t v;

	(void)state;
	assert_int_equal(mpp_conv_plan(c1, &w_u, &h_u, &p), 0);
	assert_int_equal(mpp_conv_run(p, src, out, 1, &f), 0);
	assert_memory_equal(out, src, 4);
	/* other byte order: int and char[4] disagree; zero is still fine */
	assert_int_equal(mpp_conv_plan(c2, &w_u, &h_u, &p), 0);
	assert_int_equal(mpp_conv_run(p, src, out, 1, &f), MPP_EFORMAT);
	assert_int_equal(f.why, MPP_CONV_UNION);
	memset(out, 0, 4);
	assert_int_equal(mpp_conv_run(p, zero, out, 1, &f), 0);
	assert_int_equal(mpp_conv_plan(c2, &w_v, &h_v, &p), 0);
	put_order(src, 0x01020304, 4, 1);
	assert_int_equal(mpp_conv_run(p, src, (unsigned char *)&v, 1, &f), 0);
	assert_int_equal(v, 0x01020304);
	/* opaque bytes convert only when zero */
	assert_int_equal(mpp_conv_plan(c2, &w_op, &h_op, &p), 0);
	assert_int_equal(mpp_conv_run(p, src, out, 1, &f), MPP_EFORMAT);
	assert_int_equal(f.why, MPP_CONV_OPAQUE);
	assert_int_equal(mpp_conv_run(p, zero, out, 1, &f), 0);
	mpp_conv_free(c1);
	mpp_conv_free(c2);
}

static void test_shapes(void **state)
{
	struct mpp_arch w = foreign_arch(1, 1, MPP_LD_X87, 12);
	static const struct mpp_type w_i3 = {MPP_K_ARRAY, 12, 4, "int[3]", &w_int, 3, 0};
	static const struct mpp_type h_i4 = {MPP_K_ARRAY, 16, 4, "int[4]", &mpp_t_int, 4, 0};
	static const struct mpp_field w_rec_renamed_f[] = {
	    {"c", 0, &w_char}, {"d", 4, &w_double}, {"n", 12, &w_long4}, {"p", 16, &w_ptr4}, {"s", 20, &w_short3}};
	static const struct mpp_type w_renamed = {MPP_K_STRUCT, 28, 4, "struct rec", 0, 5, w_rec_renamed_f};
	struct mpp_conv *c = mpp_conv_new(&w);
	const struct mpp_cplan *p;

	(void)state;
	assert_true(mpp_conv_compatible(&w_long4, &mpp_t_llong)); /* integers of any width */
	assert_true(mpp_conv_compatible(&w_ptr4, &h_intp));
	assert_false(mpp_conv_compatible(&w_double, &mpp_t_float));
	assert_false(mpp_conv_compatible(&w_ptr4, &mpp_t_long));
	assert_false(mpp_conv_compatible(&w_i3, &h_i4));
	assert_false(mpp_conv_compatible(&w_renamed, &h_rec)); /* a field of another name */
	assert_int_equal(mpp_conv_plan(c, &w_i3, &h_i4, &p), MPP_EFORMAT);
	assert_string_equal(mpp_err_msg(), "'int[3]' cannot be converted to 'int[4]' of this architecture");
	assert_int_equal(mpp_conv_plan(c, &w_ptr8, &h_intp, &p), 0); /* pointers: nothing to copy */
	mpp_conv_free(c);
}

/* Runs large enough for the streaming stores, at every alignment of the
 * destination to 16 bytes and an odd source: each value reversed, not a
 * byte written outside the run. */
static void test_swap_large(void **state)
{
	static const unsigned widths[] = {2, 4, 8};
	uint64_t n, i;
	unsigned k, j, off;
	unsigned char *src, *dst;

	(void)state;
	for (k = 0; k < 3; k++) {
		unsigned w = widths[k];
		n = (4u << 20) / w + 37;
		src = malloc(n * w + 1);
		dst = malloc(n * w + 32);
		assert_non_null(src);
		assert_non_null(dst);
		for (i = 0; i < n * w + 1; i++)
			src[i] = (unsigned char)(i * 131 + (i >> 11));
		for (off = 0; off < 16; off += w) {
			memset(dst, 0xa5, n * w + 32);
			mpp_conv_swap(w, src + 1, dst + off, n);
			for (i = 0; i < off; i++)
				assert_int_equal(dst[i], 0xa5);
			for (i = 0; i < n; i++)
				for (j = 0; j < w; j++)
					if (dst[off + i * w + j] != src[1 + i * w + (w - 1 - j)])
						fail_msg("w %u, offset %u: value %llu byte %u", w, off,
						         (unsigned long long)i, j);
			for (i = off + n * w; i < n * w + 32; i++)
				assert_int_equal(dst[i], 0xa5);
		}
		free(src);
		free(dst);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_swap_doubles),   cmocka_unit_test(test_integer_widths),
	    cmocka_unit_test(test_failure_offset), cmocka_unit_test(test_long_double),
	    cmocka_unit_test(test_struct_layouts), cmocka_unit_test(test_unions_and_opaque),
	    cmocka_unit_test(test_shapes),         cmocka_unit_test(test_swap_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
