/* test_corpus.c: the states of tests/fuzz/corpus, written by
 * tests/fuzz/program.c on x86_64, i686 and s390x, restored here: every
 * version 2 and 3 state is accepted and rebuilds the program's globals and heap
 * with the values it saved (converted from the writer's layout: padding,
 * widths, byte order, long double format; pointers into fields, into a
 * constant array, into string literals; functions by name); the version 1
 * states, whose literals another build cannot find, are refused with
 * their message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fuzz/program.c"
#include "mpp_decode.h"
#include "mpp_env.h"
#include "mpp_err.h"
#include "mpp_file.h"
#include "mpp_heap.h"
#include "mpp_registry.h"
#include "mpp_restore.h"

extern char **environ;

/* version 2 (XXH64 checksum), then version 3 (mpp_sum64) */
static const char *const states[] = {"x86_64-p1",    "x86_64-p4",  "x86_64-p9",   "x86_64-p14",   "x86_64-args",
                                     "i686-p1",      "i686-p4",    "i686-p9",     "i686-p14",     "i686-args",
                                     "s390x-p1",     "s390x-p4",   "s390x-p9",    "s390x-p14",    "s390x-args",
                                     "v3-x86_64-p9", "v3-i686-p4", "v3-s390x-p1", "v3-s390x-args"};

static unsigned char *load(const char *name, size_t *len)
{
	const char *src = getenv("MPP_TEST_SOURCE_DIR");
	char path[4096];
	unsigned char *buf;

	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s.state", src ? src : "../../..", name);
	if (mpp_file_read(path, &buf, len))
		fail_msg("%s: %s", path, mpp_err_msg());
	return buf;
}

static void restored_values(const char *name)
{
	int i, heap_recs = 0, heap_w = 0;
	size_t k;

	for (i = 0; i < 3; i++) {
		assert_int_equal(recs[i].tag, 'a' + i);
		assert_ptr_equal(recs[i].next, &recs[(i + 1) % 3]);
		assert_int_equal(recs[i].s, -100 * i);
		assert_int_equal(recs[i].l, -70000L * i);
		assert_true(recs[i].ll == (long long)i * 1000000007LL);
		assert_true(recs[i].f == 0.5f * (float)i);
		assert_int_equal(recs[i].ok, i & 1);
		assert_int_equal(strncmp(recs[i].name, "rec", 3), 0);
		/* 1/2^(i+1) + i, plus 0.25 for each round that touched it */
		assert_true(recs[i].ld >= 1.0L / (1 << (i + 1)) + i && recs[i].ld <= 1.0L / (1 << (i + 1)) + i + 2);
	}
	assert_int_equal(recs[1].c, GREEN);
	assert_int_equal(recs[2].c, BLUE);
	assert_true(recs[0].ul == ULONG_MAX); /* all ones stays all ones */
	assert_ptr_equal(lp, &recs[2].l);
	assert_ptr_equal(namep, &names[1]); /* into a constant global */
	assert_true(op == twice || op == negate);
	assert_true(!strcmp(greeting, "fuzzer") || !strcmp(greeting, "uzzer"));
	assert_string_equal(greeting - (greeting[0] == 'f' ? 7 : 8), "hello, fuzzer"); /* the whole literal */
	assert_int_equal(nums[0].i, -42);
	assert_true(nums[1].f == 2.75f);
	assert_true(none == (size_t)-1);
	assert_true(__real__ z == 1.5 && __imag__ z == 0);
	assert_int_equal(packed.hi, 0);
	assert_true(grid[0][1] >= 1.5 && grid[2][3] >= 23.5);
	/* heap blocks, typed by the frame's pointers to them */
	for (k = 0; k < mpp_heap_count(); k++) {
		const struct mpp_hblock *h = mpp_heap_at(k);
		if (h->elem->kind == MPP_K_STRUCT && h->count == 2) {
			const struct rec *hr = h->addr;
			assert_int_equal(h->elem->size, sizeof(struct rec));
			assert_int_equal(hr[0].tag, 'c');
			assert_int_equal(hr[1].tag, 'a');
			assert_ptr_equal(hr[0].next, &hr[1]);
			assert_ptr_equal(hr[1].next, &recs[1]);
			heap_recs++;
		} else if (h->count == 8 && h->elem->size == 8 && h->elem->kind != MPP_K_PTR) {
			const int64_t *w = h->addr;
			assert_true(w[7] <= 7 * -1234567 + 7 && w[7] >= 7 * -1234567);
			heap_w++;
		}
	}
	assert_int_equal(heap_recs, 1);
	assert_int_equal(heap_w, 1);
	print_message("%s: restored\n", name);
}

static void test_v2_v3_states(void **state)
{
	char **env = environ;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof states / sizeof states[0]; i++) {
		struct mpp_dstate st;
		unsigned char *buf = load(states[i], &len);
		assert_int_equal(buf[8], strncmp(states[i], "v3-", 3) ? 2 : 3); /* format version */
		memset(recs, 0, sizeof recs);
		lp = NULL;
		namep = NULL;
		greeting = NULL;
		if (mpp_decode(&st, buf, len))
			fail_msg("%s refused: %s", states[i], mpp_err_msg());
		assert_int_equal(mpp_restore_begin(&st, "corpus"), 0);
		restored_values(states[i]);
		mpp_restore_abort();
		mpp_restore_drop();
		environ = env; /* the state's environ was rebuilt, then dropped */
		free(buf);
	}
}

static void test_v1_states(void **state)
{
	static const char *const v1[] = {"v1-x86_64-p9", "v1-s390x-p4"};
	size_t i, len;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct mpp_dstate st;
		unsigned char *buf = load(v1[i], &len);
		assert_int_equal(buf[8], 1); /* format version 1 */
		assert_int_equal(mpp_decode(&st, buf, len), MPP_EFORMAT);
		if (!strstr(mpp_err_msg(), "was written by another build of the program in format version 1, which "
		                           "does not say where they point"))
			fail_msg("%s: %s", v1[i], mpp_err_msg());
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v2_v3_states),
	    cmocka_unit_test(test_v1_states),
	};

	mpp_env_register();
	if (mpp_registry_check())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
