/* test_hostile.c: hostile states aimed at the heap parts of the format
 * (runtime/heap.c, alloc.c, stream.c as seen by decode and restore): a
 * pointer outside any block, heap block sizes that overflow, alignments
 * out of range, a cycle in the type table, an unknown function name, bad
 * stream records, a file gone at restore. Each must be refused with its
 * message and leave the program's heap, globals and files as they were;
 * run under ASan (see README) nothing may be written to freed or foreign
 * memory. Also a round trip of the same state. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "mpp_stream.h"

/* ---- The program: a list on the heap, an aligned block, an open file --- */

struct item {
	int v;
	struct item *next;
	int (*op)(int);
};

static struct item *g_list;
static FILE *g_file;
static double *g_vec; /* 64-byte aligned */

static int inc(int v)
{
	return v + 1;
}

static int dbl(int v)
{
	return v * 2;
}

static void work_fn(void)
{
}

static const struct mpp_type ty_item;
static const struct mpp_type ty_itemp = {MPP_K_PTR, sizeof(void *), _Alignof(void *), "struct item *", &ty_item, 0, 0};
static const struct mpp_type ty_fn = {
    MPP_K_FNPTR, sizeof(int (*)(int)), _Alignof(int (*)(int)), "int (*)(int)", 0, 0, 0};
static const struct mpp_field fl_item[] = {{"v", offsetof(struct item, v), &mpp_t_int},
                                           {"next", offsetof(struct item, next), &ty_itemp},
                                           {"op", offsetof(struct item, op), &ty_fn}};
static const struct mpp_type ty_item = {MPP_K_STRUCT, sizeof(struct item), _Alignof(struct item), "struct item", 0, 3,
                                        fl_item};
static const struct mpp_type ty_file = {MPP_K_OPAQUE, 1, 1, "FILE", 0, 0, 0};
static const struct mpp_type ty_filep = {MPP_K_PTR, sizeof(FILE *), _Alignof(FILE *), "FILE *", &ty_file, 0, 0};
static const struct mpp_type ty_dblp = {MPP_K_PTR, sizeof(double *), _Alignof(double *), "double *", &mpp_t_double, 0,
                                        0};

static const char *const work_names[] = {"cur"};
static const struct mpp_type *const work_types[] = {&ty_itemp};
static const struct mpp_site work_sites[] = {{7, 1, work_names, work_types}};
static const struct mpp_func funcs[] = {
    {"hostile.c:inc", (void (*)(void))inc, 0, 0},
    {"hostile.c:dbl", (void (*)(void))dbl, 0, 0},
    {"work", work_fn, 1, work_sites},
};
static const struct mpp_global globals[] = {
    {"hostile.c:g_list", (void *)&g_list, &ty_itemp, 0},
    {"hostile.c:g_file", (void *)&g_file, &ty_filep, 0},
    {"hostile.c:g_vec", (void *)&g_vec, &ty_dblp, 0},
};
static const struct mpp_unit unit = {MPP_ABI_VERSION, "hostile.c", 0x686f7374696c6501ULL, 3, globals, 3, funcs};

static struct mpp_buf buf;
static struct item *cur;
static char path[64];

static void set_up_program(void)
{
	int k;

	g_list = NULL;
	for (k = 0; k < 3; k++) {
		struct item *it = __mpp_malloc(&ty_item, sizeof *it);
		assert_non_null(it);
		it->v = 10 * (k + 1);
		it->next = g_list;
		it->op = k % 2 ? dbl : inc;
		g_list = it;
	}
	cur = g_list->next;
	g_vec = __mpp_aligned_alloc(&mpp_t_double, 64, 5 * sizeof(double));
	assert_non_null(g_vec);
	for (k = 0; k < 5; k++)
		g_vec[k] = k / 4.0;
	snprintf(path, sizeof path, "/tmp/mpp-hostile-%d", (int)getpid());
	g_file = __mpp_fopen(path, "w+");
	assert_non_null(g_file);
	fputs("hello, file", g_file);
}

static int capture(void)
{
	void *vars[1] = {&cur};
	int rc;

	mpp_poll_force(MPP_R_STRESS);
	__mpp_capture_frame(&funcs[2], 1, vars);
	rc = mpp_encode(&buf, 9);
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
	assert_int_equal(capture(), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mpp_restore_abort();
	mpp_stream_drop();
	mpp_heap_drop();
	mpp_capture_free();
	mpp_encode_free();
	mpp_buf_free(&buf);
	mpp_registry_reset();
	mpp_types_intern_free();
	unlink(path);
	return 0;
}

/* ---- Finding things in a state ------------------------------------------ */

static void fix_checksum(unsigned char *b, size_t len)
{
	mpp_put_u64(b + len - 8, mpp_format_checksum(mpp_get_u16(b + MPP_FMT_OFF_VERSION), b, len - 8));
}

static unsigned char *section(unsigned char *b, unsigned id, uint64_t *len)
{
	for (unsigned i = 0; i < MPP_SEC_COUNT; i++) {
		unsigned char *d = b + MPP_FMT_HDR_LEN + i * MPP_FMT_DIRENT_LEN;
		if (mpp_get_u32(d) == id) {
			*len = mpp_get_u64(d + 16);
			return b + mpp_get_u64(d + 8);
		}
	}
	fail_msg("no section %u", id);
	return NULL;
}

/* The k-th block of class cls (0: the first); *index gets its index. */
static unsigned char *block_of(unsigned char *b, int cls, unsigned k, uint32_t *index)
{
	uint64_t len;
	unsigned char *s = section(b, MPP_SEC_BLOCKS, &len);
	uint32_t n = mpp_get_u32(s);

	for (uint32_t i = 0; i < n; i++) {
		unsigned char *e = s + 8 + (uint64_t)i * MPP_FMT_BLOCK_LEN;
		if (e[0] == cls && k-- == 0) {
			if (index)
				*index = i;
			return e;
		}
	}
	fail_msg("no block of class %d", cls);
	return NULL;
}

static unsigned char *type_entry(unsigned char *b, uint32_t want)
{
	uint64_t len, pos = 8;
	unsigned char *t = section(b, MPP_SEC_TYPES, &len);

	for (uint32_t i = 0; i < mpp_get_u32(t); i++) {
		unsigned char *e = t + pos;
		if (i == want)
			return e;
		pos += MPP_FMT_TYPE_LEN;
		if (e[0] == MPP_K_STRUCT || e[0] == MPP_K_UNION)
			pos += mpp_get_u64(e + 32) * MPP_FMT_FIELD_LEN;
	}
	fail_msg("no type %u", want);
	return NULL;
}

/* ---- The program is left as it was ----------------------------------------- */

static void assert_untouched(void)
{
	struct item *it = g_list;

	for (int k = 3; k >= 1; k--, it = it->next) {
		assert_non_null(it);
		assert_int_equal(it->v, 10 * k);
		assert_ptr_equal(it->op, k % 2 ? inc : dbl);
		assert_non_null(mpp_heap_find(it));
	}
	assert_null(it);
	assert_ptr_equal(cur, g_list->next);
	assert_int_equal(mpp_heap_count(), 4);
	assert_int_equal((uintptr_t)g_vec % 64, 0);
	assert_true(g_vec[4] == 1.0);
	assert_int_equal(mpp_stream_count(), 1);
	assert_int_equal(ftell(g_file), 11);
}

/* Decode a mutated copy: refused with a message starting with prefix. */
static void refuse(void (*mutate)(unsigned char *), const char *prefix)
{
	struct mpp_dstate st;
	unsigned char *b = malloc(buf.len);
	int rc;

	assert_non_null(b);
	memcpy(b, buf.p, buf.len);
	mutate(b);
	fix_checksum(b, buf.len);
	rc = mpp_decode(&st, b, buf.len);
	if (rc != MPP_EFORMAT)
		fail_msg("accepted (rc %d), expected '%s'", rc, prefix);
	if (strncmp(mpp_err_msg(), prefix, strlen(prefix)))
		fail_msg("message '%s' does not start with '%s'", mpp_err_msg(), prefix);
	free(b);
	assert_untouched();
}

/* ---- Mutations ---------------------------------------------------------------- */

static char msg[300];

/* The pointer of g_list (the global's only slot) into no block. */
static void m_ptr_no_block(unsigned char *b)
{
	uint64_t len;
	uint32_t nb = mpp_get_u32(section(b, MPP_SEC_BLOCKS, &len));
	unsigned char *g = block_of(b, MPP_BC_GLOBAL, 0, NULL);
	unsigned char *p = section(b, MPP_SEC_POINTERS, &len) + 8 + mpp_get_u64(g + 40) * MPP_FMT_PTR_LEN;
	mpp_put_u32(p, nb + 7);
	snprintf(msg, sizeof msg, "corrupt state: pointer %llu refers to block %u of %u",
	         (unsigned long long)mpp_get_u64(g + 40), nb + 7, nb);
}

/* ... and just past the end of the heap block it points to. */
static void m_ptr_past_block(unsigned char *b)
{
	uint64_t len;
	unsigned char *g = block_of(b, MPP_BC_GLOBAL, 0, NULL), *blocks = section(b, MPP_SEC_BLOCKS, &len);
	unsigned char *p = section(b, MPP_SEC_POINTERS, &len) + 8 + mpp_get_u64(g + 40) * MPP_FMT_PTR_LEN;
	uint32_t target = mpp_get_u32(p);
	mpp_put_u64(p + 8, mpp_get_u64(blocks + 8 + (uint64_t)target * MPP_FMT_BLOCK_LEN + 24) + 1);
	snprintf(msg, sizeof msg, "corrupt state: pointer %llu lies beyond the end of block %u",
	         (unsigned long long)mpp_get_u64(g + 40), target);
}

/* A heap block of 2^62 elements of 24 bytes: count x size overflows. */
static void m_heap_count_overflow(unsigned char *b)
{
	uint32_t i;
	unsigned char *h = block_of(b, MPP_BC_HEAP, 2, &i);
	mpp_put_u64(h + 16, 1ULL << 62);
	mpp_put_u64(h + 24, (1ULL << 62) * sizeof(struct item)); /* what the product wraps to */
	snprintf(msg, sizeof msg, "corrupt state: block %u: size %llu is not %llu elements of type", i,
	         (unsigned long long)((1ULL << 62) * sizeof(struct item)), 1ULL << 62);
}

/* A consistent but enormous heap block: its bytes are not in the file. */
static void m_heap_huge(unsigned char *b)
{
	uint32_t i;
	unsigned char *h = block_of(b, MPP_BC_HEAP, 2, &i);
	mpp_put_u64(h + 16, 1ULL << 58);
	mpp_put_u64(h + 24, (1ULL << 58) * sizeof(struct item));
	snprintf(msg, sizeof msg, "corrupt state: block %u: ", i);
}

static void m_align_too_big(unsigned char *b)
{
	uint32_t i;
	unsigned char *h = block_of(b, MPP_BC_HEAP, 0, &i);
	h[2] = 40;
	snprintf(msg, sizeof msg, "corrupt state: block %u has alignment 2^40", i);
}

static void m_align_on_global(unsigned char *b)
{
	uint32_t i;
	unsigned char *g = block_of(b, MPP_BC_GLOBAL, 0, &i);
	g[2] = 6;
	snprintf(msg, sizeof msg, "corrupt state: block %u has alignment 2^6", i);
}

/* The struct item type made to contain itself (a cycle). */
static void m_type_cycle(unsigned char *b)
{
	uint32_t t = mpp_get_u32(block_of(b, MPP_BC_HEAP, 2, NULL) + 8);
	unsigned char *e = type_entry(b, t);
	assert_int_equal(e[0], MPP_K_STRUCT);
	mpp_put_u32(e + MPP_FMT_TYPE_LEN + 4, t); /* field 0 ("v") of type itself */
	snprintf(msg, sizeof msg, "corrupt state: field 0 of type %u refers to type %u", t, t);
}

/* An array type that is its own element. */
static void m_type_self_elem(unsigned char *b)
{
	uint32_t t;
	unsigned char *e;
	t = mpp_get_u32(block_of(b, MPP_BC_STREAM, 0, NULL) + 8); /* the stream record */
	e = type_entry(b, t);
	/* its last field is char[8]: find that array type */
	uint32_t arr = mpp_get_u32(e + MPP_FMT_TYPE_LEN + (mpp_get_u64(e + 32) - 1) * MPP_FMT_FIELD_LEN + 4);
	mpp_put_u32(type_entry(b, arr) + 8, arr);
	snprintf(msg, sizeof msg, "corrupt state: type %u has element type %u", arr, arr);
}

/* The function table names a function the program does not have. */
static void m_unknown_function(unsigned char *b)
{
	uint64_t len;
	char *s = (char *)section(b, MPP_SEC_STRINGS, &len);
	char *p = memmem(s, len, "hostile.c:dbl", 14);
	assert_non_null(p);
	memcpy(p, "hostile.c:sub", 13);
	snprintf(msg, sizeof msg, "the state refers to function 'hostile.c:sub', which this program does not have");
}

static unsigned char *stream_record(unsigned char *b)
{
	uint64_t len;
	unsigned char *s = block_of(b, MPP_BC_STREAM, 0, NULL);
	return section(b, MPP_SEC_DATA, &len) + mpp_get_u64(s + 32);
}

/* Offset of field k of the stream record, from the state's type table. */
static uint64_t record_field(unsigned char *b, unsigned k)
{
	unsigned char *e = type_entry(b, mpp_get_u32(block_of(b, MPP_BC_STREAM, 0, NULL) + 8));
	return mpp_get_u64(e + MPP_FMT_TYPE_LEN + k * MPP_FMT_FIELD_LEN + 8);
}

static void m_stream_mode(unsigned char *b)
{
	memcpy(stream_record(b) + record_field(b, 7), "x+", 3);
	snprintf(msg, sizeof msg, "corrupt state: bad record for stream '%s'", path);
}

static void m_stream_offset(unsigned char *b)
{
	mpp_put_u64(stream_record(b), (uint64_t)-5); /* negative offset */
	snprintf(msg, sizeof msg, "corrupt state: bad record for stream '%s'", path);
}

static void m_stream_kind(unsigned char *b)
{
	int k = 9;
	memcpy(stream_record(b) + record_field(b, 1), &k, sizeof k);
	snprintf(msg, sizeof msg, "corrupt state: bad record for stream '%s'", path);
}

static void m_stream_no_data(unsigned char *b)
{
	uint32_t i;
	unsigned char *s = block_of(b, MPP_BC_STREAM, 0, &i);
	s[1] = 0;
	snprintf(msg, sizeof msg, "corrupt state: block %u has no data", i);
}

static void m_stream_layout(unsigned char *b)
{
	uint32_t t = mpp_get_u32(block_of(b, MPP_BC_STREAM, 0, NULL) + 8);
	unsigned char *e = type_entry(b, t);
	/* swap the offsets of fields 1 and 2 (kind and fd) */
	unsigned char *f1 = e + MPP_FMT_TYPE_LEN + MPP_FMT_FIELD_LEN, *f2 = f1 + MPP_FMT_FIELD_LEN;
	uint64_t o1 = mpp_get_u64(f1 + 8);
	mpp_put_u64(f1 + 8, mpp_get_u64(f2 + 8));
	mpp_put_u64(f2 + 8, o1);
	snprintf(msg, sizeof msg, "corrupt state: the record of stream '%s' has another layout", path);
}

/* ---- Tests ----------------------------------------------------------------- */

static void test_refusals(void **state)
{
	static void (*const cases[])(unsigned char *) = {
	    m_ptr_no_block,    m_ptr_past_block, m_heap_count_overflow, m_heap_huge,        m_align_too_big,
	    m_align_on_global, m_type_cycle,     m_type_self_elem,      m_unknown_function, m_stream_mode,
	    m_stream_offset,   m_stream_kind,    m_stream_no_data,      m_stream_layout,
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned char *b = malloc(buf.len);
		assert_non_null(b);
		memcpy(b, buf.p, buf.len);
		cases[i](b); /* sets msg */
		free(b);
		print_message("case %zu: expect '%s'\n", i, msg);
		char want[300];
		snprintf(want, sizeof want, "%s", msg);
		refuse(cases[i], want);
	}
}

/* Drop everything as MPP_STRESS does and rebuild: same list, same
 * alignment, the file open again at its offset, functions by name. */
static void test_roundtrip(void **state)
{
	struct mpp_dstate st;
	void *vars[1] = {&cur};

	(void)state;
	mpp_restore_drop();
	assert_int_equal(mpp_heap_count(), 0);
	assert_int_equal(mpp_stream_count(), 0);
	g_list = NULL;
	cur = NULL;
	assert_int_equal(mpp_decode(&st, buf.p, buf.len), 0);
	assert_int_equal(mpp_restore_begin(&st, "test"), 0);
	assert_int_equal(__mpp_resume_site(&funcs[2]), 1);
	__mpp_restore_frame(&funcs[2], 1, vars);
	assert_false(__mpp_restoring);
	assert_untouched();
	assert_int_equal(g_list->op(5), 6);
	assert_int_equal(g_list->next->op(5), 10);
	assert_int_equal(mpp_heap_find(g_vec)->align, 64);
	fputs("!", g_file);
	rewind(g_file);
	char line[32] = {0};
	assert_non_null(fgets(line, sizeof line, g_file));
	assert_string_equal(line, "hello, file!");
}

/* The file is gone at restore: refused, naming it, before anything of the
 * program is overwritten. */
static void test_file_gone(void **state)
{
	struct mpp_dstate st;
	char want[200];

	(void)state;
	unlink(path);
	struct item *before = g_list;
	assert_int_equal(mpp_decode(&st, buf.p, buf.len), 0);
	g_list = NULL;
	assert_int_equal(mpp_restore_begin(&st, "test"), MPP_EFORMAT);
	snprintf(want, sizeof want, "cannot reopen '%s' (a stream opened with mode \"w+\"): No such file or directory",
	         path);
	assert_string_equal(mpp_err_msg(), want);
	assert_null(g_list); /* the globals were not written */
	g_list = before;
	assert_false(__mpp_restoring);
	assert_int_equal(mpp_heap_count(), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_gone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
