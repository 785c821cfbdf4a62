/* test_file.c: runtime/file.c: atomic writes leave the old file or the new
 * one and no temporary behind; reads refuse what is not a readable regular
 * file with a message; temporary files for MPP_STRESS_EXEC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpp_err.h"
#include "mpp_file.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/mpp-test-file-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_write_read(void **state)
{
	char path[128];
	unsigned char big[100000], *got;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 31);
	snprintf(path, sizeof path, "%s/state", dir);
	assert_int_equal(mpp_file_write(path, "old", 3, 1), 0);
	assert_int_equal(mpp_file_write(path, big, sizeof big, 1), 0);
	assert_int_equal(entries(), 1);
	assert_int_equal(mpp_file_read(path, &got, &len), 0);
	assert_int_equal(len, sizeof big);
	assert_memory_equal(got, big, len);
	free(got);
	assert_int_equal(mpp_file_write(path, "", 0, 0), 0);
	assert_int_equal(mpp_file_read(path, &got, &len), 0);
	assert_int_equal(len, 0);
	assert_null(got);
}

static void test_read_errors(void **state)
{
	char path[128];
	unsigned char *got;
	size_t len;

	(void)state;
	snprintf(path, sizeof path, "%s/missing", dir);
	assert_int_equal(mpp_file_read(path, &got, &len), MPP_EFORMAT);
	assert_string_equal(mpp_err_msg(), "cannot open it: No such file or directory");
	assert_int_equal(mpp_file_read(dir, &got, &len), MPP_EFORMAT);
	assert_string_equal(mpp_err_msg(), "not a regular file");
}

static void test_write_errors(void **state)
{
	char path[128], msg[256];

	(void)state;
	snprintf(path, sizeof path, "%s/no/such/dir/state", dir);
	assert_int_equal(mpp_file_write(path, "x", 1, 1), MPP_EIO);
	snprintf(msg, sizeof msg, "cannot create '%s.tmp.%ld': No such file or directory", path, (long)getpid());
	assert_string_equal(mpp_err_msg(), msg);
	assert_int_equal(entries(), 0);
}

static void test_temp(void **state)
{
	char path[256];
	unsigned char *got;
	size_t len;

	(void)state;
	setenv("TMPDIR", dir, 1);
	assert_int_equal(mpp_file_write_temp("hello", 5, path, sizeof path), 0);
	assert_int_equal(strncmp(path, dir, strlen(dir)), 0);
	assert_int_equal(mpp_file_read(path, &got, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(got, "hello", 5);
	free(got);
	unsetenv("TMPDIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
