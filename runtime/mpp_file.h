/* mpp_file.h: state files. Reading takes the whole file into memory and
 * never modifies it; writing is atomic (a temporary file in the same
 * directory, fsync, rename), so a reader sees the old state or the new one,
 * never a mix. Files are written sparse: whole 4 KiB blocks of zeros become
 * holes, which read as zeros (the bytes are those of buf). */
#ifndef MPP_FILE_H
#define MPP_FILE_H

#include <stddef.h>

/* *buf gets a malloc'ed copy of the file (NULL when empty); holes are not
 * read but left as the zero pages of calloc. Errors are MPP_EFORMAT (the
 * file cannot be used as a state) or MPP_ENOMEM. */
int mpp_file_read(const char *path, unsigned char **buf, size_t *len);

/* Write path atomically; with sync, data and directory entry are on disk
 * when it returns. MPP_EIO on failure (nothing left behind). */
int mpp_file_write(const char *path, const void *buf, size_t len, int sync);

/* Write buf to a new private file in $TMPDIR (or /tmp); its name goes to
 * path (n bytes). MPP_EIO on failure. */
int mpp_file_write_temp(const void *buf, size_t len, char *path, size_t n);

#endif
