/* test_types.c: runtime/types.c: the scalar descriptors, checks of bad
 * descriptors with their messages, pointer slots of nested types (flat
 * lists and the structural walk for large ones, in increasing offsets),
 * access paths for messages, and persistent shared copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mpp_err.h"
#include "mpp_types.h"

struct inner {
	char c;
	int *p;
	void (*f)(void);
};

union u {
	long l;
	int *p;
};

struct outer {
	int n;
	struct inner in[2];
	union u un;
	double d;
};

static const struct mpp_type ty_intp = {MPP_K_PTR, sizeof(int *), _Alignof(int *), "int *", &mpp_t_int, 0, 0};
static const struct mpp_field fl_inner[] = {{"c", offsetof(struct inner, c), &mpp_t_char},
                                            {"p", offsetof(struct inner, p), &ty_intp},
                                            {"f", offsetof(struct inner, f), &mpp_t_fnptr}};
static const struct mpp_type ty_inner = {
    MPP_K_STRUCT, sizeof(struct inner), _Alignof(struct inner), "struct inner", 0, 3, fl_inner};
static const struct mpp_type ty_inner2 = {
    MPP_K_ARRAY, sizeof(struct inner[2]), _Alignof(struct inner[2]), "struct inner[2]", &ty_inner, 2, 0};
static const struct mpp_field fl_u[] = {{"l", 0, &mpp_t_long}, {"p", 0, &ty_intp}};
static const struct mpp_type ty_u = {MPP_K_UNION, sizeof(union u), _Alignof(union u), "union u", 0, 2, fl_u};
static const struct mpp_field fl_outer[] = {{"n", offsetof(struct outer, n), &mpp_t_int},
                                            {"in", offsetof(struct outer, in), &ty_inner2},
                                            {"un", offsetof(struct outer, un), &ty_u},
                                            {"d", offsetof(struct outer, d), &mpp_t_double}};
static const struct mpp_type ty_outer = {
    MPP_K_STRUCT, sizeof(struct outer), _Alignof(struct outer), "struct outer", 0, 4, fl_outer};
static const struct mpp_type ty_outer100 = {
    MPP_K_ARRAY, 100 * sizeof(struct outer), _Alignof(struct outer), "struct outer[100]", &ty_outer, 100, 0};

static void test_scalars(void **state)
{
	(void)state;
	assert_int_equal(mpp_t_int.size, sizeof(int));
	assert_int_equal(mpp_t_ldouble.align, _Alignof(long double));
	assert_int_equal(mpp_t_voidptr.kind, MPP_K_PTR);
	assert_ptr_equal(mpp_types_scalar(MPP_K_ULLONG), &mpp_t_ullong);
	assert_null(mpp_types_scalar(MPP_K_PTR));
}

struct slots {
	uint64_t off[600];
	int kind[600];
	int n;
};

static int collect(void *ctx, uint64_t off, const struct mpp_slot *slot)
{
	struct slots *s = ctx;

	s->off[s->n] = off;
	s->kind[s->n++] = slot->kind;
	return 0;
}

static void test_slots(void **state)
{
	struct mpp_tset set;
	const struct mpp_tinfo *ti;
	struct slots s;
	int i;

	(void)state;
	mpp_types_init(&set);
	assert_int_equal(mpp_types_add(&set, &ty_outer, &ti), 0);
	assert_int_equal(ti->nptrs, 4);
	assert_int_equal(ti->nunions, 1);
	assert_int_equal(ti->nflat, 5);
	/* children come first */
	assert_true(mpp_types_find(&set, &ty_inner)->index < ti->index);
	assert_true(mpp_types_find(&set, &ty_intp)->index < mpp_types_find(&set, &ty_inner)->index);
	memset(&s, 0, sizeof s);
	assert_int_equal(mpp_types_walk(ti, 1000, collect, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.off[0], 1000 + offsetof(struct outer, in) + offsetof(struct inner, p));
	assert_int_equal(s.kind[0], MPP_SLOT_DATA);
	assert_int_equal(s.off[1], 1000 + offsetof(struct outer, in) + offsetof(struct inner, f));
	assert_int_equal(s.kind[1], MPP_SLOT_FN);
	assert_int_equal(s.off[3],
	                 1000 + offsetof(struct outer, in) + sizeof(struct inner) + offsetof(struct inner, f));
	assert_int_equal(s.off[4], 1000 + offsetof(struct outer, un));
	assert_int_equal(s.kind[4], MPP_SLOT_UNION);

	/* too many slots for a flat list: walked by structure, same order */
	assert_int_equal(mpp_types_add(&set, &ty_outer100, &ti), 0);
	assert_int_equal(ti->nptrs, 400);
	assert_null(ti->flat);
	memset(&s, 0, sizeof s);
	assert_int_equal(mpp_types_walk(ti, 0, collect, &s), 0);
	assert_int_equal(s.n, 500);
	for (i = 1; i < s.n; i++)
		assert_true(s.off[i] > s.off[i - 1]);
	assert_int_equal(s.off[499], 99 * sizeof(struct outer) + offsetof(struct outer, un));
	mpp_types_free(&set);
}

static void test_path(void **state)
{
	char buf[128] = "v";

	(void)state;
	mpp_types_path(&ty_outer100,
	               7 * sizeof(struct outer) + offsetof(struct outer, in) + sizeof(struct inner) +
	                   offsetof(struct inner, p),
	               buf, sizeof buf);
	assert_string_equal(buf, "v[7].in[1].p");
}

/* A struct containing an array of that struct: a cycle that only a broken
 * descriptor table can have. */
static const struct mpp_type cyc_s;
static const struct mpp_type cyc_a = {MPP_K_ARRAY, 0, 1, "struct cycle[1]", &cyc_s, 1, 0};
static const struct mpp_field fl_cyc[] = {{"me", 0, &cyc_a}};
static const struct mpp_type cyc_s = {MPP_K_STRUCT, 0, 1, "struct cycle", 0, 1, fl_cyc};

static void test_bad_descriptors(void **state)
{
	static const struct mpp_type bad_kind = {99, 4, 4, "weird", 0, 0, 0};
	static const struct mpp_type bad_int = {MPP_K_INT, 3, 1, "int", 0, 0, 0};
	static const struct mpp_type bad_ptr = {MPP_K_PTR, 2, 2, "short ptr", 0, 0, 0};
	static const struct mpp_type bad_arr = {MPP_K_ARRAY, 10, 4, "int[3]", &mpp_t_int, 3, 0};
	static const struct mpp_type no_elem = {MPP_K_ARRAY, 0, 4, "x[]", 0, 0, 0};
	static const struct mpp_field fl_out[] = {{"x", 6, &mpp_t_int}};
	static const struct mpp_type bad_field = {MPP_K_STRUCT, 8, 4, "struct s", 0, 1, fl_out};
	static const struct mpp_field fl_uoff[] = {{"x", 4, &mpp_t_int}};
	static const struct mpp_type bad_union = {MPP_K_UNION, 8, 4, "union v", 0, 1, fl_uoff};
	static const struct {
		const struct mpp_type *t;
		const char *msg;
	} cases[] = {
	    {&bad_kind, "bad type descriptor 'weird': unknown kind"},
	    {&bad_int, "bad type descriptor 'int': size differs from the runtime's scalar of that kind"},
	    {&bad_ptr, "bad type descriptor 'short ptr': pointer size differs from the runtime's"},
	    {&bad_arr, "bad type descriptor 'int[3]': size is not count times the element's"},
	    {&no_elem, "bad type descriptor 'x[]': no element type"},
	    {&bad_field, "bad type descriptor 'struct s': field outside the struct"},
	    {&bad_union, "bad type descriptor 'union v': union member not at offset 0"},
	    {&cyc_s, "bad type descriptor 'struct cycle': types nested too deeply (or a type contains itself)"},
	};
	struct mpp_tset set;
	const struct mpp_tinfo *ti;
	size_t i;

	(void)state;
	mpp_types_init(&set);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(mpp_types_add(&set, cases[i].t, &ti), MPP_ECAPTURE);
		if (strncmp(mpp_err_msg(), cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: '%s'", i, mpp_err_msg());
	}
	assert_int_equal(mpp_types_add(&set, NULL, &ti), MPP_ECAPTURE);
	mpp_types_free(&set);
}

static void test_intern(void **state)
{
	struct mpp_type copy = ty_outer;
	const struct mpp_type *a, *b, *c;

	(void)state;
	a = mpp_types_intern(&ty_outer);
	b = mpp_types_intern(&copy);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, &ty_outer);
	assert_string_equal(a->name, "struct outer");
	assert_int_equal(a->fields[1].type->elem->fields[1].offset, offsetof(struct inner, p));
	assert_ptr_equal(mpp_types_intern(&mpp_t_int), &mpp_t_int);
	copy.name = "struct other";
	c = mpp_types_intern(&copy);
	assert_ptr_not_equal(a, c);
	mpp_types_intern_free();
}

/* A pointer to a character type keeps that pointee when interned, from
 * its descriptor or, for a type read from a state (no pointee), from its
 * name: string literals it points to are saved by content after a
 * restore too. Other pointers keep none. */
static void test_intern_char_pointers(void **state)
{
	static const struct {
		const char *name;
		int kind; /* of the kept pointee, 0: none */
	} cases[] = {
	    {"char *", MPP_K_CHAR},
	    {"const char *", MPP_K_CHAR},
	    {"char const *", MPP_K_CHAR},
	    {"const char *const", MPP_K_CHAR},
	    {"unsigned char *", MPP_K_CHAR},
	    {"char **", 0},
	    {"int *", 0},
	    {"charset *", 0},
	    {"struct char_box *", 0},
	    {"char *restrict", MPP_K_CHAR},
	    {"char[4] *", 0},
	};
	struct mpp_type t = {MPP_K_PTR, sizeof(void *), _Alignof(void *), NULL, NULL, 0, 0};
	const struct mpp_type *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		t.name = cases[i].name;
		r = mpp_types_intern(&t);
		assert_non_null(r);
		if (cases[i].kind) {
			assert_non_null(r->elem);
			assert_int_equal(r->elem->kind, cases[i].kind);
		} else if (r->elem) {
			fail_msg("'%s' kept a pointee", cases[i].name);
		}
	}
	t.name = "text";
	t.elem = &mpp_t_uchar;
	r = mpp_types_intern(&t);
	assert_int_equal(r->elem->kind, MPP_K_UCHAR);
	t.elem = &mpp_t_int;
	assert_null(mpp_types_intern(&t)->elem);
	mpp_types_intern_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars), cmocka_unit_test(test_slots),
	    cmocka_unit_test(test_path),    cmocka_unit_test(test_bad_descriptors),
	    cmocka_unit_test(test_intern),  cmocka_unit_test(test_intern_char_pointers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
