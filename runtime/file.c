/* file.c: reading and writing state files with plain POSIX calls. The
 * atomic write goes through "FILE.tmp.PID" next to FILE, so that rename
 * stays within one file system. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* states past 2 GiB on 32-bit hosts */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpp_err.h"
#include "mpp_file.h"

/* Reads the file of size bytes into p, which is zero: only its data
 * where the file system tells data from holes (SEEK_DATA, SEEK_HOLE), so
 * that the holes of a sparse state cost neither page cache nor copies; the
 * whole file where it does not. *got: the bytes covered, fewer if the file
 * shrank meanwhile. -1 with errno on a read error. */
static int read_data(int fd, unsigned char *p, size_t size, size_t *got)
{
	struct stat st;
	off_t data, hole;
	ssize_t n;

	*got = 0;
	while (*got < size) {
		data = lseek(fd, (off_t)*got, SEEK_DATA);
		if (data < 0 && errno == ENXIO) {
			/* a hole to the end, unless the file shrank */
			*got = fstat(fd, &st) || (unsigned long long)st.st_size >= size ? size : (size_t)st.st_size;
			return 0;
		}
		if (data < 0 || (unsigned long long)data >= size) {
			data = (off_t)*got; /* no SEEK_DATA here, or a file grown meanwhile */
			hole = (off_t)size;
		} else if ((hole = lseek(fd, data, SEEK_HOLE)) < 0 || (unsigned long long)hole > size) {
			hole = (off_t)size;
		}
		*got = (size_t)data;
		while (*got < (size_t)hole) {
			n = pread(fd, p + *got, (size_t)hole - *got, (off_t)*got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -1;
			if (n == 0)
				return 0; /* shrank meanwhile: decode what is there */
			*got += (size_t)n;
		}
	}
	return 0;
}

int mpp_file_read(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	unsigned char *p = NULL;
	size_t size, got = 0;
	int fd, rc = 0;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mpp_err_sys(MPP_EFORMAT, "cannot open it");
	if (fstat(fd, &st)) {
		rc = mpp_err_sys(MPP_EFORMAT, "cannot stat it");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = mpp_err_set(MPP_EFORMAT, "not a regular file");
		goto out;
	}
	if ((unsigned long long)st.st_size > SIZE_MAX / 2) {
		rc = mpp_err_set(MPP_EFORMAT, "too large");
		goto out;
	}
	size = (size_t)st.st_size;
	/* calloc: fresh zero pages, left untouched where the file has holes */
	if (size && !(p = calloc(1, size))) {
		rc = mpp_err_set(MPP_ENOMEM, "out of memory for a state of %zu bytes", size);
		goto out;
	}
	if (size && read_data(fd, p, size, &got)) {
		rc = mpp_err_sys(MPP_EFORMAT, "cannot read it");
		goto out;
	}
	*buf = p;
	*len = got;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

/* Whole aligned blocks of zeros (of the file offset) become holes: a state
 * whose live data is mostly zero pages costs little disk and write time,
 * and reads back the same, holes reading as zeros. 4 KiB is the block of
 * common file systems; one that does not keep holes stores the zeros. */
#define HOLE_BLOCK 4096

/* Whether the HOLE_BLOCK bytes at p are all zero. Data blocks usually fail
 * on the first word; a zero block is OR-ed whole, which vectorises. */
static int zero_block(const unsigned char *p)
{
	uint64_t w, any;
	size_t i;

	memcpy(&any, p, sizeof any);
	if (any)
		return 0;
	for (i = sizeof w; i < HOLE_BLOCK; i += sizeof w) {
		memcpy(&w, p + i, sizeof w);
		any |= w;
	}
	return !any;
}

static int pwrite_all(int fd, const unsigned char *p, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write buf to the empty file fd: runs of data with pwrite, whole zero
 * blocks skipped; ftruncate gives the file its length when it ends in a
 * hole. -1 with errno on failure. */
static int write_sparse(int fd, const unsigned char *p, size_t len)
{
	size_t off = 0, end, written = 0;

	while (off < len) {
		for (end = off; end < len && !(len - end >= HOLE_BLOCK && zero_block(p + end));)
			end = len - end > HOLE_BLOCK ? end + HOLE_BLOCK : len;
		if (end > off && pwrite_all(fd, p + off, end - off, (off_t)off))
			return -1;
		written = end;
		for (off = end; len - off >= HOLE_BLOCK && zero_block(p + off);)
			off += HOLE_BLOCK;
	}
	if (written < len && ftruncate(fd, (off_t)len))
		return -1;
	return 0;
}

static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int mpp_file_write(const char *path, const void *buf, size_t len, int sync)
{
	char tmp[PATH_MAX];
	int fd, n;

	n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return mpp_err_set(MPP_EIO, "cannot write '%s': name too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return mpp_err_sys(MPP_EIO, "cannot create '%s'", tmp);
	if (write_sparse(fd, buf, len) || (sync && fsync(fd))) {
		mpp_err_sys(MPP_EIO, "cannot write '%s'", tmp);
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		mpp_err_sys(MPP_EIO, "cannot write '%s'", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		mpp_err_sys(MPP_EIO, "cannot rename '%s' to '%s'", tmp, path);
		goto fail;
	}
	if (sync)
		sync_dir(path);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return MPP_EIO;
}

int mpp_file_write_temp(const void *buf, size_t len, char *path, size_t n)
{
	const char *dir = getenv("TMPDIR");
	int fd, k;

	if (!dir || !*dir)
		dir = "/tmp";
	k = snprintf(path, n, "%s/mpp-exec-XXXXXX", dir);
	if (k < 0 || (size_t)k >= n)
		return mpp_err_set(MPP_EIO, "temporary directory name too long");
	fd = mkstemp(path);
	if (fd < 0)
		return mpp_err_sys(MPP_EIO, "cannot create a temporary file in '%s'", dir);
	if (write_sparse(fd, buf, len)) {
		mpp_err_sys(MPP_EIO, "cannot write '%s'", path);
		close(fd);
		unlink(path);
		return MPP_EIO;
	}
	if (close(fd)) {
		mpp_err_sys(MPP_EIO, "cannot write '%s'", path);
		unlink(path);
		return MPP_EIO;
	}
	return 0;
}
