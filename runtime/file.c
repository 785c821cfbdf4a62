/* file.c: reading and writing state files with plain POSIX calls. The
 * atomic write goes through "FILE.tmp.PID" next to FILE, so that rename
 * stays within one file system. */
#define _GNU_SOURCE
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

int mpp_file_read(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	unsigned char *p = NULL;
	size_t size, got = 0;
	ssize_t n;
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
	if (size && !(p = malloc(size))) {
		rc = mpp_err_set(MPP_ENOMEM, "out of memory for a state of %zu bytes", size);
		goto out;
	}
	while (got < size) {
		n = read(fd, p + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mpp_err_sys(MPP_EFORMAT, "cannot read it");
			goto out;
		}
		if (n == 0)
			break; /* shrank meanwhile: decode what is there */
		got += (size_t)n;
	}
	*buf = p;
	*len = got;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
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
	if (write_all(fd, buf, len) || (sync && fsync(fd))) {
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
	if (write_all(fd, buf, len)) {
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
