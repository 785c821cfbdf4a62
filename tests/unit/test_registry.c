/* test_registry.c: runtime/registry.c: lookups of globals and functions by
 * name and address, the program fingerprint (independent of registration
 * order), units of another ABI version, names given twice, globals found in
 * read-only memory, restore hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mpp_err.h"
#include "mpp_registry.h"

static int a1, a2, b1;
static const int table[64] = {1, 2, 3};
static void fa(void)
{
}
static void fb(void)
{
}
static void fc(void)
{
}

static const struct mpp_global ga[] = {
	{"a1", &a1, &mpp_t_int, 0},
	{"a.c:a2", &a2, &mpp_t_int, MPP_G_NOSAVE},
	{"a.c:table", (void *)&table, &mpp_t_int, 0}, /* not marked constant */
};
static const struct mpp_global gb[] = {{"b1", &b1, &mpp_t_int, 0}, {"a1", &a1, &mpp_t_int, 0}};
static const struct mpp_global gdup[] = {{"b1", &a2, &mpp_t_int, 0}};
static const struct mpp_func fna[] = {{"fa", fa, 0, 0}, {"a.c:fb", fb, 0, 0}};
static const struct mpp_func fnb[] = {{"fc", fc, 0, 0}};
static const struct mpp_unit ua = {MPP_ABI_VERSION, "a.c", 0x1111, 3, ga, 2, fna};
static const struct mpp_unit ub = {MPP_ABI_VERSION, "b.c", 0x2222, 2, gb, 1, fnb};
static const struct mpp_unit ub2 = {MPP_ABI_VERSION, "b.c", 0x2223, 2, gb, 1, fnb};
static const struct mpp_unit udup = {MPP_ABI_VERSION, "dup.c", 0x3333, 1, gdup, 0, 0};
static const struct mpp_unit uold = {MPP_ABI_VERSION + 1, "old.c", 0x4444, 0, 0, 0, 0};

static int teardown(void **state)
{
	(void)state;
	mpp_registry_reset();
	return 0;
}

static void test_lookups(void **state)
{
	unsigned flags;

	(void)state;
	mpp_register_unit(&ua);
	mpp_register_unit(&ub);
	assert_int_equal(mpp_registry_check(), 0);
	assert_int_equal(mpp_registry_nglobals(), 4); /* a1 twice at one address: once */
	assert_ptr_equal(mpp_registry_find_global("a1", &flags), &ga[0]);
	assert_int_equal(flags, 0);
	assert_ptr_equal(mpp_registry_find_global("a.c:a2", &flags), &ga[1]);
	assert_int_equal(flags, MPP_G_NOSAVE);
	assert_ptr_equal(mpp_registry_find_global("a.c:table", &flags), &ga[2]);
	assert_int_equal(flags, MPP_G_CONST); /* found in read-only memory */
	assert_null(mpp_registry_find_global("nope", &flags));
	assert_ptr_equal(mpp_registry_find_func("a.c:fb"), &fna[1]);
	assert_ptr_equal(mpp_registry_find_func("fc"), &fnb[0]);
	assert_null(mpp_registry_find_func("fb"));
	assert_ptr_equal(mpp_registry_func_at(fc), &fnb[0]);
	assert_ptr_equal(mpp_registry_func_at(fa), &fna[0]);
	assert_null(mpp_registry_func_at((void (*)(void))test_lookups));
	assert_ptr_equal(mpp_registry_global(3, &flags), &gb[0]);
	assert_null(mpp_registry_global(4, &flags));
}

static void test_fingerprint(void **state)
{
	uint64_t ab, ba, ab2;

	(void)state;
	mpp_register_unit(&ua);
	mpp_register_unit(&ub);
	ab = mpp_registry_fingerprint();
	mpp_registry_reset();
	mpp_register_unit(&ub);
	mpp_register_unit(&ua);
	ba = mpp_registry_fingerprint();
	assert_true(ab == ba);
	mpp_registry_reset();
	mpp_register_unit(&ua);
	mpp_register_unit(&ub2);
	ab2 = mpp_registry_fingerprint();
	assert_true(ab != ab2);
	mpp_registry_reset();
	mpp_register_unit(&ua);
	assert_true(mpp_registry_fingerprint() != ab);
}

static void test_same_name_twice(void **state)
{
	(void)state;
	mpp_register_unit(&ub);
	mpp_register_unit(&udup);
	assert_int_equal(mpp_registry_check(), 0);
	/* the name finds the first; the encoder refuses to save the other */
	assert_ptr_equal(mpp_registry_find_global("b1", NULL), &gb[0]);
	assert_ptr_equal(mpp_registry_global(2, NULL), &gdup[0]);
}

static void test_abi_mismatch(void **state)
{
	(void)state;
	mpp_register_unit(&ua);
	mpp_register_unit(&uold);
	assert_int_equal(mpp_registry_check(), MPP_EINTERNAL);
	assert_string_equal(mpp_err_msg(), "unit 'old.c' was translated for mpp ABI version 2, this runtime implements "
					   "version 1: rebuild it with this mppcc");
}

static int hook_calls;
static void hook(void)
{
	hook_calls++;
}

static void test_hooks(void **state)
{
	(void)state;
	mpp_on_restore(hook);
	mpp_on_restore(hook);
	mpp_registry_run_hooks();
	assert_int_equal(hook_calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_lookups, teardown),
		cmocka_unit_test_teardown(test_fingerprint, teardown),
		cmocka_unit_test_teardown(test_same_name_twice, teardown),
		cmocka_unit_test_teardown(test_abi_mismatch, teardown),
		cmocka_unit_test_teardown(test_hooks, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
