/* test_state.c: capture, encode, decode and restore together, on a small
 * program described by hand: a round trip at new addresses with every kind
 * of pointer (arrays, one past the end, cycles, fixups into a later frame,
 * heap, literals, stdout, functions); every refusal of the decoder with its
 * message, truncation, corruption, capture errors, resume mismatches. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpp.h"
#include "mpp_bytes.h"
#include "mpp_capture.h"
#include "mpp_ctl.h"
#include "mpp_decode.h"
#include "mpp_encode.h"
#include "mpp_err.h"
#include "mpp_format.h"
#include "mpp_hash.h"
#include "mpp_heap.h"
#include "mpp_poll.h"
#include "mpp_registry.h"
#include "mpp_restore.h"

/* ---- The program ------------------------------------------------------- */

struct node {
	int val;
	struct node *next;
};

union cell {
	long l;
	char *p;
};

static struct node g_ring[3];
static int *g_deep;
static const char *g_lit;
static int (*g_fn)(int);
static long g_big[1000];
static FILE *g_out;
static char **g_argv;
static const int g_const[4] = {1, 2, 3, 4};
static const int *g_cp;
static union cell g_cell;

static int twice(int v)
{
	return 2 * v;
}

static int thrice(int v)
{
	return 3 * v;
}

static void outer_fn(void)
{
}

static void inner_fn(void)
{
}

static const struct mpp_type ty_intp = {MPP_K_PTR, sizeof(int *), _Alignof(int *), "int *", &mpp_t_int, 0, 0};
static const struct mpp_type ty_cintp = {MPP_K_PTR, sizeof(int *), _Alignof(int *), "const int *", &mpp_t_int, 0, 0};
static const struct mpp_type ty_intpp = {MPP_K_PTR, sizeof(int **), _Alignof(int **), "int **", &ty_intp, 0, 0};
static const struct mpp_type ty_int8 = {MPP_K_ARRAY, sizeof(int[8]), _Alignof(int[8]), "int[8]", &mpp_t_int, 8, 0};
static const struct mpp_type ty_int4 = {MPP_K_ARRAY, sizeof(int[4]), _Alignof(int[4]), "int[4]", &mpp_t_int, 4, 0};
static const struct mpp_type ty_cint4 = {MPP_K_ARRAY, sizeof(int[4]), _Alignof(int[4]), "const int[4]", &mpp_t_int, 4, 0};
static const struct mpp_type ty_node;
static const struct mpp_type ty_nodep = {MPP_K_PTR, sizeof(void *), _Alignof(void *), "struct node *", &ty_node, 0, 0};
static const struct mpp_field fl_node[] = {{"val", offsetof(struct node, val), &mpp_t_int},
					   {"next", offsetof(struct node, next), &ty_nodep}};
static const struct mpp_type ty_node = {MPP_K_STRUCT, sizeof(struct node), _Alignof(struct node), "struct node", 0, 2, fl_node};
static const struct mpp_type ty_node3 = {MPP_K_ARRAY, sizeof(struct node[3]), _Alignof(struct node[3]), "struct node[3]", &ty_node, 3, 0};
static const struct mpp_type ty_ccharp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "const char *", &mpp_t_char, 0, 0};
static const struct mpp_type ty_charp = {MPP_K_PTR, sizeof(char *), _Alignof(char *), "char *", &mpp_t_char, 0, 0};
static const struct mpp_type ty_charpp = {MPP_K_PTR, sizeof(char **), _Alignof(char **), "char **", &ty_charp, 0, 0};
static const struct mpp_type ty_fn = {MPP_K_FNPTR, sizeof(int (*)(int)), _Alignof(int (*)(int)), "int (*)(int)", 0, 0, 0};
static const struct mpp_type ty_long1000 = {MPP_K_ARRAY, sizeof(long[1000]), _Alignof(long[1000]), "long[1000]", &mpp_t_long, 1000, 0};
static const struct mpp_type ty_file = {MPP_K_OPAQUE, 1, 1, "FILE", 0, 0, 0};
static const struct mpp_type ty_filep = {MPP_K_PTR, sizeof(FILE *), _Alignof(FILE *), "FILE *", &ty_file, 0, 0};
static const struct mpp_field fl_cell[] = {{"l", 0, &mpp_t_long}, {"p", 0, &ty_charp}};
static const struct mpp_type ty_cell = {MPP_K_UNION, sizeof(union cell), _Alignof(union cell), "union cell", 0, 2, fl_cell};
static const struct mpp_type ty_dbl = {MPP_K_DOUBLE, sizeof(double), _Alignof(double), "double", 0, 0, 0};

/* outer: a frame with an array, pointers into it, one past its end, to a
 * variable of inner (restored later), to a global; and two adjacent
 * blocks (an int[4] followed by an int, then by a double). */
struct outer_frame {
	int arr[8];
	int *end;
	int *mid;
	int *inner_ptr;
	struct node *np;
	union cell un;
};

struct adj1 {
	int a[4];
	int b;
};

struct adj2 {
	int a[4];
	double b;
};

struct inner_frame {
	int x;
	int *px;
	int **pp;
	int (*fn)(int);
	int *p_adj1; /* a + 4 == &b, both int: start of b */
	int *p_adj2; /* a + 4 == &b, b a double: end of a */
};

static const char *const outer_names[] = {"arr", "end", "mid", "inner_ptr", "np", "un", "a1", "b1", "a2", "b2"};
static const struct mpp_type *const outer_types[] = {&ty_int8, &ty_intp, &ty_intp, &ty_intp, &ty_nodep, &ty_cell,
						     &ty_int4, &mpp_t_int, &ty_int4, &ty_dbl};
static const char *const inner_names[] = {"x", "px", "pp", "fn", "p_adj1", "p_adj2"};
static const struct mpp_type *const inner_types[] = {&mpp_t_int, &ty_intp, &ty_intpp, &ty_fn, &ty_intp, &ty_intp};
static const struct mpp_site outer_sites[] = {{10, 10, outer_names, outer_types}};
static const struct mpp_site inner_sites[] = {{20, 6, inner_names, inner_types}, {21, 0, 0, 0}};

static const struct mpp_func funcs[] = {
	{"test.c:twice", (void (*)(void))twice, 0, 0},
	{"test.c:thrice", (void (*)(void))thrice, 0, 0},
	{"outer", outer_fn, 1, outer_sites},
	{"test.c:inner", inner_fn, 2, inner_sites},
};
#define F_OUTER (&funcs[2])
#define F_INNER (&funcs[3])

static const struct mpp_global globals[] = {
	{"test.c:g_ring", (void *)&g_ring, &ty_node3, 0},
	{"test.c:g_deep", (void *)&g_deep, &ty_intp, 0},
	{"test.c:g_lit", (void *)&g_lit, &ty_ccharp, 0},
	{"test.c:g_fn", (void *)&g_fn, &ty_fn, 0},
	{"test.c:g_big", (void *)&g_big, &ty_long1000, 0},
	{"test.c:g_out", (void *)&g_out, &ty_filep, 0},
	{"test.c:g_argv", (void *)&g_argv, &ty_charpp, 0},
	{"test.c:g_const", (void *)&g_const, &ty_cint4, MPP_G_CONST},
	{"test.c:g_cp", (void *)&g_cp, &ty_cintp, 0},
	{"test.c:g_cell", (void *)&g_cell, &ty_cell, 0},
};

static const struct mpp_unit unit = {MPP_ABI_VERSION, "test.c", 0x1234567890abcdefULL,
				     sizeof globals / sizeof globals[0], globals, 4, funcs};

/* The frames as they were when captured. */
struct frames {
	struct outer_frame o;
	struct adj1 j1;
	struct adj2 j2;
	struct inner_frame i;
};

static struct frames *live;
static struct mpp_buf buf;
static char *const test_argv[] = {"prog", "one", "two", NULL};

static void set_up_program(void)
{
	int k;

	live = calloc(1, sizeof *live);
	assert_non_null(live);
	for (k = 0; k < 8; k++)
		live->o.arr[k] = k * k;
	live->o.end = live->o.arr + 8;
	live->o.mid = live->o.arr + 3;
	live->o.inner_ptr = &live->i.x;
	live->o.np = &g_ring[1];
	live->o.un.p = NULL;
	for (k = 0; k < 4; k++)
		live->j1.a[k] = live->j2.a[k] = k;
	live->j1.b = 77;
	live->j2.b = 2.5;
	live->i.x = 42;
	live->i.px = &live->o.arr[5];
	live->i.pp = &live->o.mid;
	live->i.fn = thrice;
	live->i.p_adj1 = live->j1.a + 4;
	live->i.p_adj2 = live->j2.a + 4;
	assert_ptr_equal(live->i.p_adj1, &live->j1.b); /* adjacent, as intended */
	assert_ptr_equal((void *)live->i.p_adj2, (void *)&live->j2.b);
	for (k = 0; k < 3; k++) {
		g_ring[k].val = k + 1;
		g_ring[k].next = &g_ring[(k + 1) % 3];
	}
	g_deep = &live->i.x;
	g_lit = "a string literal" + 2;
	g_fn = twice;
	for (k = 0; k < 1000; k++)
		g_big[k] = (long)k * 1000003;
	g_out = stdout;
	g_argv = mpp_heap_argv(3, test_argv);
	assert_non_null(g_argv);
	g_cp = &g_const[2];
	g_cell.p = NULL;
}

static void *outer_vars(struct frames *f)
{
	static void *v[10];
	v[0] = &f->o.arr;
	v[1] = &f->o.end;
	v[2] = &f->o.mid;
	v[3] = &f->o.inner_ptr;
	v[4] = &f->o.np;
	v[5] = &f->o.un;
	v[6] = &f->j1.a;
	v[7] = &f->j1.b;
	v[8] = &f->j2.a;
	v[9] = &f->j2.b;
	return v;
}

static void *inner_vars(struct frames *f)
{
	static void *v[6];
	v[0] = &f->i.x;
	v[1] = &f->i.px;
	v[2] = &f->i.pp;
	v[3] = &f->i.fn;
	v[4] = &f->i.p_adj1;
	v[5] = &f->i.p_adj2;
	return v;
}

/* Unwind: innermost frame first, as generated code does. */
static int capture(uint64_t polls)
{
	int rc;

	mpp_poll_force(MPP_R_STRESS);
	__mpp_capture_frame(F_INNER, 1, inner_vars(live));
	__mpp_capture_frame(F_OUTER, 1, outer_vars(live));
	rc = mpp_encode(&buf, polls);
	mpp_poll_done();
	return rc;
}

static int setup(void **state)
{
	(void)state;
	mpp_registry_reset();
	mpp_register_unit(&unit);
	assert_int_equal(mpp_registry_check(), 0);
	memset(&mpp_ctl, 0, sizeof mpp_ctl);
	set_up_program();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mpp_restore_abort();
	mpp_heap_drop();
	mpp_capture_free();
	mpp_encode_free();
	mpp_buf_free(&buf);
	mpp_registry_reset();
	mpp_types_intern_free();
	free(live);
	live = NULL;
	return 0;
}

/* ---- Round trip -------------------------------------------------------- */

static void fix_checksum(unsigned char *b, size_t len)
{
	mpp_put_u64(b + len - 8, mpp_format_checksum(mpp_get_u16(b + MPP_FMT_OFF_VERSION), b, len - 8));
}

static void test_roundtrip(void **state)
{
	struct mpp_dstate st;
	struct frames *now;
	int k;

	(void)state;
	assert_int_equal(capture(42), 0);
	assert_memory_equal(buf.p, MPP_FMT_MAGIC, 8);
	assert_int_equal(mpp_get_u64(buf.p + MPP_FMT_OFF_FILELEN), buf.len);

	/* drop everything, as MPP_STRESS does, then rebuild elsewhere */
	mpp_restore_drop();
	assert_null(g_ring[0].next);
	assert_null(g_argv);
	assert_int_equal(g_const[2], 3); /* constant: not dropped */
	memset(live, 0xa5, sizeof *live);
	now = calloc(1, sizeof *now + 64); /* new addresses */
	assert_non_null(now);
	mpp_poll_set_count(0);

	assert_int_equal(mpp_decode(&st, buf.p, buf.len), 0);
	assert_int_equal(st.nframes, 2);
	assert_int_equal(mpp_restore_begin(&st, "test"), 0);
	assert_int_equal(__mpp_restoring, 1);
	assert_int_equal(mpp_poll_count(), 42);

	/* globals and heap are back before any frame */
	for (k = 0; k < 3; k++) {
		assert_int_equal(g_ring[k].val, k + 1);
		assert_ptr_equal(g_ring[k].next, &g_ring[(k + 1) % 3]);
	}
	assert_string_equal(g_lit, "string literal");
	assert_ptr_equal(g_fn, twice);
	assert_ptr_equal(g_out, stdout);
	assert_ptr_equal(g_cp, &g_const[2]);
	assert_null(g_cell.p);
	for (k = 0; k < 1000; k++)
		assert_int_equal(g_big[k], (long)k * 1000003);
	assert_non_null(g_argv); /* (malloc may give the dropped block's place again) */
	assert_string_equal(g_argv[0], "prog");
	assert_string_equal(g_argv[2], "two");
	assert_null(g_argv[3]);
	assert_ptr_equal(mpp_heap_find(g_argv)->addr, g_argv);

	/* re-enter: outer first; its pointer into inner waits for inner */
	assert_int_equal(__mpp_resume_site(F_OUTER), 1);
	__mpp_restore_frame(F_OUTER, 1, outer_vars(now));
	assert_int_equal(__mpp_restoring, 1);
	for (k = 0; k < 8; k++)
		assert_int_equal(now->o.arr[k], k * k);
	assert_ptr_equal(now->o.end, now->o.arr + 8);
	assert_ptr_equal(now->o.mid, now->o.arr + 3);
	assert_ptr_equal(now->o.np, &g_ring[1]);
	assert_null(now->o.un.p);
	assert_int_equal(__mpp_resume_site(F_INNER), 1);
	__mpp_restore_frame(F_INNER, 1, inner_vars(now));

	/* the innermost frame ends the restore */
	assert_int_equal(__mpp_restoring, 0);
	assert_false(mpp_restore_active());
	assert_int_equal(mpp_ctl.restores, 1);
	assert_int_equal(now->i.x, 42);
	assert_ptr_equal(now->i.px, &now->o.arr[5]);
	assert_ptr_equal(now->i.pp, &now->o.mid);
	assert_ptr_equal(now->i.fn, thrice);
	assert_ptr_equal(now->o.inner_ptr, &now->i.x); /* fixup: outer frame -> inner */
	assert_ptr_equal(g_deep, &now->i.x);           /* fixup: global -> inner */
	assert_ptr_equal(now->i.p_adj1, &now->j1.b);   /* start of the next block */
	assert_ptr_equal(now->i.p_adj2, now->j2.a + 4); /* one past the end of a */
	assert_int_equal(now->j1.b, 77);
	free(now);
}

/* A second capture of the rebuilt state gives the same bytes (apart from
 * nothing: addresses are not saved). */
static void test_encode_is_deterministic(void **state)
{
	unsigned char *first;
	size_t n;

	(void)state;
	assert_int_equal(capture(7), 0);
	n = buf.len;
	first = malloc(n);
	assert_non_null(first);
	memcpy(first, buf.p, n);
	assert_int_equal(capture(7), 0);
	assert_int_equal(buf.len, n);
	assert_memory_equal(first, buf.p, n);
	free(first);
}

static int restored_hook_runs;
static void restored_hook(void)
{
	restored_hook_runs++;
}

static void test_frames_without_variables_and_hooks(void **state)
{
	struct mpp_dstate st;

	(void)state;
	mpp_on_restore(restored_hook);
	mpp_poll_force(MPP_R_STRESS);
	__mpp_capture_frame(F_INNER, 2, NULL);
	__mpp_capture_frame(F_OUTER, 1, outer_vars(live));
	assert_int_equal(mpp_encode(&buf, 3), 0);
	mpp_poll_done();
	assert_int_equal(mpp_decode(&st, buf.p, buf.len), 0);
	assert_int_equal(mpp_restore_begin(&st, "test"), 0);
	assert_int_equal(__mpp_resume_site(F_OUTER), 1);
	__mpp_restore_frame(F_OUTER, 1, outer_vars(live));
	assert_int_equal(__mpp_resume_site(F_INNER), 2);
	assert_int_equal(restored_hook_runs, 0);
	__mpp_restore_frame(F_INNER, 2, NULL);
	assert_int_equal(restored_hook_runs, 1);
	assert_int_equal(__mpp_restoring, 0);
}

static unsigned char *section(unsigned char *b, unsigned id, uint64_t *len);

/* A state of another build of the program: pointers to string literals
 * are found again by their bytes. */
static void test_other_build_literals(void **state)
{
	struct mpp_dstate st;
	unsigned char *b;
	uint64_t len;
	const unsigned char *lit;

	(void)state;
	assert_int_equal(capture(9), 0);
	b = malloc(buf.len);
	assert_non_null(b);
	memcpy(b, buf.p, buf.len);
	lit = section(b, MPP_SEC_LITERALS, &len);
	assert_int_equal(mpp_get_u32(lit), 1);
	assert_int_equal(mpp_get_u64(lit + 16), sizeof "a string literal");
	mpp_put_u64(b + MPP_FMT_OFF_BINID, mpp_get_u64(b + MPP_FMT_OFF_BINID) ^ 1);
	fix_checksum(b, buf.len);
	mpp_restore_drop();
	g_lit = NULL;
	assert_int_equal(mpp_decode(&st, b, buf.len), 0);
	assert_int_equal(mpp_restore_begin(&st, "test"), 0);
	assert_non_null(g_lit);
	assert_string_equal(g_lit, "string literal");
	assert_string_equal(g_lit - 2, "a string literal");
	mpp_restore_abort();
	free(b);
}

/* ---- Decoder refusals -------------------------------------------------- */

static int decode_copy(const unsigned char *b, size_t len)
{
	struct mpp_dstate st;
	unsigned char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, b, len);
	rc = mpp_decode(&st, copy, len);
	if (!rc)
		mpp_decode_free(&st);
	assert_memory_equal(copy, b, len); /* the decoder never writes */
	free(copy);
	return rc;
}

static void expect_refusal(const unsigned char *b, size_t len, const char *msg)
{
	assert_int_equal(decode_copy(b, len), MPP_EFORMAT);
	assert_string_equal(mpp_err_msg(), msg);
}

static void expect_prefix(const unsigned char *b, size_t len, const char *prefix)
{
	assert_int_equal(decode_copy(b, len), MPP_EFORMAT);
	if (strncmp(mpp_err_msg(), prefix, strlen(prefix)))
		fail_msg("message '%s' does not start with '%s'", mpp_err_msg(), prefix);
}

static void test_refuse_basic(void **state)
{
	unsigned char *b;
	char msg[200];

	(void)state;
	assert_int_equal(capture(5), 0);
	b = malloc(buf.len + 1);
	assert_non_null(b);
	expect_refusal(buf.p, 0, "empty file (not an mpp state file)");
	expect_refusal((const unsigned char *)"#!/bin/sh\necho hi\n", 18, "not an mpp state file");
	expect_refusal((const unsigned char *)"\x89MPX", 4, "not an mpp state file");
	expect_refusal(buf.p, 3, "truncated at byte 3");

	memcpy(b, buf.p, buf.len);
	mpp_put_u16(b + 8, 4);
	expect_refusal(b, buf.len, "unsupported format version 4 (this program reads versions 1 to 3)");

	memcpy(b, buf.p, buf.len);
	b[buf.len] = 0;
	snprintf(msg, sizeof msg, "corrupt state: 1 bytes after the end of the state (byte %zu)", buf.len);
	expect_refusal(b, buf.len + 1, msg);

	memcpy(b, buf.p, buf.len);
	b[buf.len / 2] ^= 0x10;
	expect_refusal(b, buf.len, "checksum mismatch (file damaged)");
	memcpy(b, buf.p, buf.len);
	b[buf.len - 1] ^= 0x01;
	expect_refusal(b, buf.len, "checksum mismatch (file damaged)");

	memcpy(b, buf.p, buf.len);
	b[MPP_FMT_OFF_ARCH] = 3; /* no byte order known */
	fix_checksum(b, buf.len);
	expect_prefix(b, buf.len, "written on an architecture this runtime cannot convert from (unknown byte order, ");
	memcpy(b, buf.p, buf.len);
	b[MPP_FMT_OFF_ARCH + 1] = 3; /* 3-byte pointers */
	fix_checksum(b, buf.len);
	expect_prefix(b, buf.len, "written on an architecture this runtime cannot convert from (");

	memcpy(b, buf.p, buf.len);
	mpp_put_u64(b + MPP_FMT_OFF_FPRINT, 0x0123456789abcdefULL);
	fix_checksum(b, buf.len);
	snprintf(msg, sizeof msg, "written by another program (fingerprint 0x0123456789abcdef vs 0x%016llx)",
		 (unsigned long long)mpp_registry_fingerprint());
	expect_refusal(b, buf.len, msg);
	free(b);
}

static void test_truncation_at_every_length(void **state)
{
	char msg[64];
	size_t n;

	(void)state;
	assert_int_equal(capture(5), 0);
	for (n = 1; n < buf.len; n++) {
		snprintf(msg, sizeof msg, "truncated at byte %zu", n);
		expect_refusal(buf.p, n, msg);
	}
	assert_int_equal(decode_copy(buf.p, buf.len), 0);
}

/* Where a section starts, from the directory. */
static unsigned char *section(unsigned char *b, unsigned id, uint64_t *len)
{
	unsigned i;

	for (i = 0; i < MPP_SEC_COUNT; i++) {
		unsigned char *d = b + MPP_FMT_HDR_LEN + i * MPP_FMT_DIRENT_LEN;
		if (mpp_get_u32(d) == id) {
			*len = mpp_get_u64(d + 16);
			return b + mpp_get_u64(d + 8);
		}
	}
	fail_msg("no section %u", id);
	return NULL;
}

/* Index of the block named name. */
static unsigned char *block_named(unsigned char *b, const char *name)
{
	uint64_t slen, blen;
	const char *strs = (const char *)section(b, MPP_SEC_STRINGS, &slen);
	unsigned char *blocks = section(b, MPP_SEC_BLOCKS, &blen);
	uint32_t n = mpp_get_u32(blocks), i, ref;

	for (i = 0; i < n; i++) {
		ref = mpp_get_u32(blocks + 8 + i * MPP_FMT_BLOCK_LEN + 4);
		if (ref != MPP_FMT_NONE && !strcmp(strs + ref, name))
			return blocks + 8 + i * MPP_FMT_BLOCK_LEN;
	}
	fail_msg("no block %s", name);
	return NULL;
}

typedef void (*mutation)(unsigned char *b);

static void m_dir_dup(unsigned char *b)
{
	mpp_put_u32(b + MPP_FMT_HDR_LEN + MPP_FMT_DIRENT_LEN, 1);
}
static void m_dir_out(unsigned char *b)
{
	mpp_put_u64(b + MPP_FMT_HDR_LEN + 16, 1u << 30);
}
static void m_hdrlen(unsigned char *b)
{
	mpp_put_u16(b + MPP_FMT_OFF_HDRLEN, 95);
}
static void m_strings_unterminated(unsigned char *b)
{
	uint64_t len;
	unsigned char *s = section(b, MPP_SEC_STRINGS, &len);
	s[len - 1] = 'x';
}
static void m_type_kind(unsigned char *b)
{
	uint64_t len;
	section(b, MPP_SEC_TYPES, &len)[8] = 99;
}
static void m_type_count(unsigned char *b)
{
	uint64_t len;
	mpp_put_u32(section(b, MPP_SEC_TYPES, &len), 0x7fffffff);
}
static void m_type_forward(unsigned char *b)
{
	uint64_t len;
	unsigned char *t = section(b, MPP_SEC_TYPES, &len);
	uint32_t n = mpp_get_u32(t), i;
	uint64_t pos = 8;
	for (i = 0; i < n; i++) { /* the first array: make it its own element */
		unsigned char *e = t + pos;
		if (e[0] == MPP_K_ARRAY) {
			mpp_put_u32(e + 8, i);
			return;
		}
		pos += MPP_FMT_TYPE_LEN;
		if (e[0] == MPP_K_STRUCT || e[0] == MPP_K_UNION)
			pos += mpp_get_u64(e + 32) * MPP_FMT_FIELD_LEN;
	}
	fail_msg("no array type");
}
static void m_type_size(unsigned char *b)
{
	uint64_t len;
	unsigned char *t = section(b, MPP_SEC_TYPES, &len);
	uint32_t n = mpp_get_u32(t), i;
	uint64_t pos = 8;
	for (i = 0; i < n; i++) {
		unsigned char *e = t + pos;
		if (e[0] == MPP_K_PTR) {
			mpp_put_u64(e + 16, 3);
			return;
		}
		pos += MPP_FMT_TYPE_LEN;
		if (e[0] == MPP_K_STRUCT || e[0] == MPP_K_UNION)
			pos += mpp_get_u64(e + 32) * MPP_FMT_FIELD_LEN;
	}
}
static void m_block_class(unsigned char *b)
{
	block_named(b, "test.c:g_big")[0] = 9;
}
static void m_block_size(unsigned char *b)
{
	unsigned char *e = block_named(b, "test.c:g_big");
	mpp_put_u64(e + 24, mpp_get_u64(e + 24) + 8);
}
static void m_block_data(unsigned char *b)
{
	mpp_put_u64(block_named(b, "test.c:g_big") + 32, 1ULL << 40);
}
static void m_block_global_unknown(unsigned char *b)
{
	uint64_t len;
	char *s = (char *)section(b, MPP_SEC_STRINGS, &len);
	char *p = memmem(s, len, "test.c:g_big", 12);
	p[7] = 'h';
}
static void m_block_first_ptr(unsigned char *b)
{
	unsigned char *e = block_named(b, "test.c:g_big");
	mpp_put_u64(e + 40, mpp_get_u64(e + 40) + 1);
}
static void m_block_type(unsigned char *b)
{
	mpp_put_u32(block_named(b, "test.c:g_big") + 8, 100000);
}
static void m_global_layout(unsigned char *b)
{
	/* g_deep (int *) claims the type of g_fn's slot: a function pointer */
	unsigned char *fn = block_named(b, "test.c:g_fn");
	mpp_put_u32(block_named(b, "test.c:g_deep") + 8, mpp_get_u32(fn + 8));
}
static void m_frame_site(unsigned char *b)
{
	uint64_t len;
	mpp_put_u32(section(b, MPP_SEC_FRAMES, &len) + 8 + 4, 7);
}
static void m_frame_nvars(unsigned char *b)
{
	uint64_t len;
	unsigned char *f = section(b, MPP_SEC_FRAMES, &len);
	mpp_put_u32(f + 8 + 12, mpp_get_u32(f + 8 + 12) - 1);
}
static void m_frame_func(unsigned char *b)
{
	uint64_t len;
	char *s = (char *)section(b, MPP_SEC_STRINGS, &len);
	char *p = memmem(s, len, "outer", 6);
	p[0] = 'u';
}
static void m_frames_none(unsigned char *b)
{
	uint64_t len;
	mpp_put_u32(section(b, MPP_SEC_FRAMES, &len), 0);
}
static void m_ptr_target(unsigned char *b)
{
	uint64_t len;
	unsigned char *p = section(b, MPP_SEC_POINTERS, &len);
	mpp_put_u32(p + 8, 5000);
}
static void m_ptr_offset(unsigned char *b)
{
	uint64_t len;
	unsigned char *p = section(b, MPP_SEC_POINTERS, &len);
	uint64_t n = mpp_get_u64(p), i;
	for (i = 0; i < n; i++) { /* a pointer to a block: push it beyond the end */
		unsigned char *e = p + 8 + i * 16;
		if (mpp_get_u32(e) != MPP_FMT_NONE && mpp_get_u32(e) != MPP_FMT_FN_IMAGE) {
			mpp_put_u64(e + 8, 1ULL << 33);
			return;
		}
	}
}
static void m_ptr_count(unsigned char *b)
{
	uint64_t len;
	unsigned char *p = section(b, MPP_SEC_POINTERS, &len);
	mpp_put_u64(p, mpp_get_u64(p) + 1);
}
static void m_null_with_offset(unsigned char *b)
{
	uint64_t len;
	unsigned char *p = section(b, MPP_SEC_POINTERS, &len);
	uint64_t n = mpp_get_u64(p), i;
	for (i = 0; i < n; i++) {
		unsigned char *e = p + 8 + i * 16;
		if (mpp_get_u32(e) == MPP_FMT_NONE) {
			mpp_put_u64(e + 8, 4);
			return;
		}
	}
	fail_msg("no null pointer");
}
static void m_binary_id(unsigned char *b)
{
	uint64_t len;
	unsigned char *l = section(b, MPP_SEC_LITERALS, &len);

	/* another build, and the literal no longer covers the pointer */
	mpp_put_u64(b + MPP_FMT_OFF_BINID, mpp_get_u64(b + MPP_FMT_OFF_BINID) ^ 1);
	assert_int_equal(mpp_get_u32(l), 1);
	mpp_put_u64(l + 8, mpp_get_u64(l + 8) + 1000);
}

static void test_refuse_corrupt(void **state)
{
	static const struct {
		mutation m;
		const char *msg;
	} cases[] = {
		{m_dir_dup, "corrupt state: bad section directory (entry 1)"},
		{m_dir_out, "corrupt state: section "},
		{m_hdrlen, "corrupt state: bad header"},
		{m_strings_unterminated, "corrupt state: string table not terminated"},
		{m_type_kind, "corrupt state: type 0 has unknown kind 99"},
		{m_type_count, "corrupt state: type count 2147483647 does not fit its section"},
		{m_type_forward, "corrupt state: type "},
		{m_type_size, "corrupt state: type "},
		{m_block_class, "corrupt state: block 4 has unknown class 9"},
		{m_block_size, "corrupt state: block 4: size 8008 is not 1 elements of type "},
		{m_block_data, "corrupt state: block 4: data outside the data section"},
		{m_block_global_unknown, "the state has global 'test.c:h_big', which this program does not have"},
		{m_block_first_ptr, "corrupt state: block 4: pointer entries out of order"},
		{m_block_type, "corrupt state: block 4 has type 100000"},
		{m_global_layout, "global 'test.c:g_deep' has another type in the state"},
		{m_frame_site, "the state has a frame of 'outer' at site 7, which it does not have"},
		{m_frame_nvars, "corrupt state: frame 0 ('outer' site 1) has 9 variables, the program saves 10 there"},
		{m_frame_func, "the state has a frame of function 'uuter', which this program does not have"},
		{m_frames_none, "corrupt state: frame count 0 does not match its section"},
		{m_ptr_target, "corrupt state: pointer "},
		{m_ptr_offset, "corrupt state: pointer "},
		{m_ptr_count, "corrupt state: pointer table does not match the blocks"},
		{m_null_with_offset, "corrupt state: null pointer "},
		{m_binary_id, "it holds 1 pointers into the executable that are not string literals (constant tables, "
			      "functions outside the translated code) and was written by another build of the "
			      "program (binary id 0x"},
	};
	unsigned char *b;
	size_t i;

	(void)state;
	assert_int_equal(capture(5), 0);
	b = malloc(buf.len);
	assert_non_null(b);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(b, buf.p, buf.len);
		cases[i].m(b);
		fix_checksum(b, buf.len);
		print_message("case %zu: expect '%s'\n", i, cases[i].msg);
		expect_prefix(b, buf.len, cases[i].msg);
	}
	free(b);
}

/* Random damage behind a valid checksum: refused or accepted, never a
 * crash, never a read outside the buffer (run it under valgrind). */
static void test_fuzz(void **state)
{
	unsigned char *b;
	unsigned seed = 12345, i, k, n, accepted = 0;
	const char *iters = getenv("MPP_TEST_FUZZ");
	unsigned rounds = iters ? (unsigned)atoi(iters) : 20000;

	(void)state;
	assert_int_equal(capture(5), 0);
	b = malloc(buf.len);
	assert_non_null(b);
	for (i = 0; i < rounds; i++) {
		memcpy(b, buf.p, buf.len);
		n = 1 + rand_r(&seed) % 4;
		for (k = 0; k < n; k++) {
			size_t at = (size_t)rand_r(&seed) % (buf.len - 8);
			switch (rand_r(&seed) % 3) {
			case 0:
				b[at] ^= (unsigned char)(1u << (rand_r(&seed) % 8));
				break;
			case 1:
				b[at] = (unsigned char)rand_r(&seed);
				break;
			default:
				b[at] = rand_r(&seed) & 1 ? 0xff : 0;
			}
		}
		fix_checksum(b, buf.len);
		accepted += decode_copy(b, buf.len) == 0;
	}
	print_message("%u of %u damaged states accepted (damage in data bytes)\n", accepted, rounds);
	free(b);
}

/* ---- Capture errors ---------------------------------------------------- */

static void expect_capture_error(const char *prefix, const char *suffix)
{
	const char *m;

	assert_int_equal(capture(1), MPP_ECAPTURE);
	m = mpp_err_msg();
	if (strncmp(m, prefix, strlen(prefix)) || strlen(m) < strlen(suffix) ||
	    strcmp(m + strlen(m) - strlen(suffix), suffix))
		fail_msg("message '%s' is not '%s...%s'", m, prefix, suffix);
}

static void test_capture_errors(void **state)
{
	struct node *elsewhere = malloc(64); /* untracked memory */
	(void)state;

	live->i.px = (int *)(uintptr_t)0x10;
	expect_capture_error("cannot save pointer 'px' in frame of 'test.c:inner' (site 1, line 20): it points to 0x10",
			     "outside any known block");
	live->i.px = &live->o.arr[5];

	g_ring[2].next = elsewhere;
	expect_capture_error("cannot save pointer 'test.c:g_ring[2].next' (global variable): it points to 0x",
			     " outside any known block");
	g_ring[2].next = &g_ring[0];
	free(elsewhere);

	live->o.un.l = 5;
	expect_capture_error("cannot save union 'un' in frame of 'outer' (site 1, line 10): it has a pointer member",
			     "(pointers in unions are not supported)");
	live->o.un.p = NULL;

	g_fn = (int (*)(int))(uintptr_t)0x20;
	expect_capture_error("cannot save function pointer 'test.c:g_fn' (global variable): 0x20 is not a function "
			     "of the program",
			     "program");
	g_fn = thrice;
	assert_int_equal(capture(1), 0);
}

static void test_capture_site_errors(void **state)
{
	(void)state;
	mpp_poll_force(MPP_R_STRESS);
	__mpp_capture_frame(F_INNER, 3, NULL);
	assert_int_equal(mpp_encode(&buf, 1), MPP_EINTERNAL);
	assert_string_equal(mpp_err_msg(), "function 'test.c:inner' has no site 3 (it has 2)");
	mpp_poll_done();

	mpp_poll_force(MPP_R_STRESS);
	assert_int_equal(mpp_encode(&buf, 1), MPP_EINTERNAL);
	assert_string_equal(mpp_err_msg(), "the capture ended without saving any frame");
	mpp_poll_done();
}

/* ---- Resume that does not follow the state -------------------------------- */

/* Run fn in a child; expect its exit status and the start of its stderr. */
static void expect_death(void (*fn)(void), int status, const char *prefix)
{
	int fds[2], ws;
	char out[1024];
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		fn();
		_exit(99);
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof out - 1);
	close(fds[0]);
	out[n > 0 ? n : 0] = 0;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), status);
	if (strncmp(out, prefix, strlen(prefix)))
		fail_msg("stderr '%s' does not start with '%s'", out, prefix);
}

static void begin_restore(void)
{
	struct mpp_dstate st;

	assert_int_equal(capture(9), 0);
	assert_int_equal(mpp_decode(&st, buf.p, buf.len), 0);
	assert_int_equal(mpp_restore_begin(&st, "cannot restore 'x.state'"), 0);
}

static void wrong_function(void)
{
	begin_restore();
	__mpp_resume_site(F_INNER);
}

static void wrong_site(void)
{
	begin_restore();
	__mpp_resume_site(F_OUTER);
	__mpp_restore_frame(F_OUTER, 1, outer_vars(live));
	__mpp_resume_site(F_INNER);
	__mpp_restore_frame(F_INNER, 2, NULL);
}

static void too_deep(void)
{
	begin_restore();
	__mpp_resume_site(F_OUTER);
	__mpp_restore_frame(F_OUTER, 1, outer_vars(live));
	__mpp_resume_site(F_INNER);
	__mpp_restore_frame(F_INNER, 1, inner_vars(live));
	__mpp_restoring = 1;
	__mpp_resume_site(F_INNER);
}

static void test_resume_mismatch(void **state)
{
	(void)state;
	expect_death(wrong_function, 1,
		     "mpp: cannot restore 'x.state': saved frame 0 is in 'outer' (site 1, line 10), but the program "
		     "re-entered 'test.c:inner' (not the same program path)\n");
	expect_death(wrong_site, 1,
		     "mpp: cannot restore 'x.state': saved frame 1 is 'test.c:inner' at site 1, but 'test.c:inner' "
		     "resumed at site 2\n");
	expect_death(too_deep, 70, "mpp: 'test.c:inner' was re-entered for a restore, but no restore is in progress\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encode_is_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_without_variables_and_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_build_literals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_at_every_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_site_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_mismatch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
