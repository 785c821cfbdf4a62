/* test_file.c: runtime/file.c: atomic writes leave the old file or the new
 * one and no temporary behind; reads refuse what is not a readable regular
 * file with a message; temporary files for MPP_STRESS_EXEC; whole zero
 * blocks become holes and the file reads back the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpp_err.h"
#include "mpp_file.h"

static char dir[128];
static const char *base = "/tmp"; /* $TMPDIR when set: the file system tested */

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "%s/mpp-test-file-XXXXXX", base);
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

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
	char path[256];
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
	char path[256];
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
	char path[256], msg[512];

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

/* Reads path back: the same bytes as want[0..len). Returns its st_blocks. */
static long long read_back(const char *path, const unsigned char *want, size_t len)
{
	struct stat st;
	unsigned char *got;
	size_t n;

	assert_int_equal(mpp_file_read(path, &got, &n), 0);
	assert_int_equal(n, len);
	if (len)
		assert_memory_equal(got, want, len);
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, (long long)len);
	return (long long)st.st_blocks;
}

/* Whether the file system under dir keeps holes: a 1 MiB file with 4 KiB
 * written at 512 KiB by plain calls must take less than 64 KiB. If not,
 * why goes to the message and the sparse tests skip. */
static int holes_kept(char *why, size_t n)
{
	char path[256];
	unsigned char b[4096];
	struct statfs fs;
	struct stat st;
	int fd;

	snprintf(path, sizeof path, "%s/probe", dir);
	memset(b, 1, sizeof b);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, sizeof b, 512 << 10), (ssize_t)sizeof b);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(statfs(dir, &fs), 0);
	close(fd);
	unlink(path);
	if (st.st_blocks * 512 < 64 << 10)
		return 1;
	snprintf(why, n, "the file system under %s (type 0x%lx) keeps no holes: %lld blocks for 4 KiB in 1 MiB", dir,
	         (unsigned long)fs.f_type, (long long)st.st_blocks);
	return 0;
}

/* 1 MiB of zeros with 4 KiB of data at 512 KiB: the same bytes back, and
 * only a few blocks on disk (the data block, some metadata). */
static void test_sparse(void **state)
{
	static unsigned char big[1 << 20];
	char path[256], why[512];
	struct stat st;
	long long blocks;
	size_t i;

	(void)state;
	if (!holes_kept(why, sizeof why)) {
		print_message("SKIP test_sparse: %s\n", why);
		skip();
	}
	for (i = 0; i < 4096; i++)
		big[(512 << 10) + i] = (unsigned char)(i * 7 + 1);
	snprintf(path, sizeof path, "%s/state", dir);
	assert_int_equal(mpp_file_write(path, big, sizeof big, 1), 0);
	assert_int_equal(entries(), 1);
	blocks = read_back(path, big, sizeof big);
	assert_int_equal(stat(path, &st), 0);
	print_message("1 MiB with 4 KiB of data: %lld blocks of 512 bytes (st_blksize %ld)\n", blocks,
	              (long)st.st_blksize);
	/* 4 KiB of data on file-system blocks of st_blksize: at most 4 of them */
	assert_true(blocks * 512 >= 4096);
	assert_true(blocks * 512 <= 4 * (st.st_blksize > 4096 ? st.st_blksize : 4096));
	/* through the MPP_STRESS_EXEC writer too */
	assert_int_equal(mpp_file_write_temp(big, sizeof big, path, sizeof path), 0);
	blocks = read_back(path, big, sizeof big);
	assert_true(blocks * 512 <= 4 * (st.st_blksize > 4096 ? st.st_blksize : 4096));
	unlink(path);
	/* ending in zeros: the length comes from ftruncate, still a hole */
	snprintf(path, sizeof path, "%s/state", dir);
	assert_int_equal(mpp_file_write(path, big, (600 << 10), 0), 0);
	blocks = read_back(path, big, 600 << 10);
	assert_true(blocks * 512 <= 4 * (st.st_blksize > 4096 ? st.st_blksize : 4096));
}

/* Buffers of every shape read back byte for byte with their exact length,
 * holes or not: no zero block, starting or ending in zeros, zeros but no
 * whole block, a block zero but for its last byte, a source not aligned
 * with the file's blocks, all zeros. */
static void test_sparse_shapes(void **state)
{
	enum { K = 1024 };
	/* b: [0, 64K) data, [64K, 128K) zeros, [128K, 136K) data, [136K, 200K)
	 * zeros, [200K, 204K) zeros but its last byte, zeros to 256K + 1 */
	static unsigned char b[256 * K + 1];
	struct {
		size_t at, len; /* a slice of b */
		const char *what;
	} cases[] = {
	    {0, 12 * K + 100, "no zero block"},
	    {64 * K, 64 * K + 10, "starting in zeros"},
	    {128 * K, 8 * K + 64 * K, "ending in whole zero blocks"},
	    {128 * K, 8 * K + 4 * K + 100, "ending in zeros not a whole block"},
	    {64 * K, 4 * K - 1, "zeros shorter than a block"},
	    {196 * K, 8 * K, "a zero block, then one zero but for its last byte"},
	    {64 * K + 1, 64 * K + 100, "a source not aligned with the file's blocks"},
	    {64 * K, 64 * K, "all zeros"},
	    {128 * K, 8 * K + 64 * K + 4 * K, "data, a hole, data"},
	};
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; i < 64 * K; i++)
		b[i] = (unsigned char)(i % 251 + 1);
	for (i = 128 * K; i < 136 * K; i++)
		b[i] = (unsigned char)(i % 13 + 1);
	b[204 * K - 1] = 0x80;
	snprintf(path, sizeof path, "%s/state", dir);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("%s\n", cases[i].what);
		assert_int_equal(mpp_file_write(path, b + cases[i].at, cases[i].len, 0), 0);
		read_back(path, b + cases[i].at, cases[i].len);
	}
	assert_int_equal(entries(), 1);
}

/* A stale temporary file of the same name full of 0xff: holes in the new
 * file read as zeros, not as its old bytes. */
static void test_sparse_stale(void **state)
{
	static unsigned char old[1 << 20], b[1 << 20];
	char path[256], tmp[300];
	FILE *f;

	(void)state;
	memset(old, 0xff, sizeof old);
	snprintf(path, sizeof path, "%s/state", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	assert_non_null(f = fopen(tmp, "w"));
	assert_int_equal(fwrite(old, 1, sizeof old, f), sizeof old);
	assert_int_equal(fclose(f), 0);
	memset(b + 100, 'x', 10);
	assert_int_equal(mpp_file_write(path, b, sizeof b / 2, 1), 0);
	read_back(path, b, sizeof b / 2);
	assert_int_equal(entries(), 1);
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	if (t && *t && strlen(t) < 80)
		base = strdup(t);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_temp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sparse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sparse_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sparse_stale, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
