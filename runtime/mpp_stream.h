/* mpp_stream.h: files the program opened, reopened on restore. mppcc turns
 * fopen, fdopen, freopen, fclose, setvbuf, open, creat and close into the
 * __mpp_ versions (mpp.h), which keep a table of the program's streams and
 * descriptors: path, mode, descriptor number. A capture saves one block of
 * class MPP_BC_STREAM per entry (name: the path; data: a record with the
 * offset); a FILE * pointer saved by the program is a pointer to it. */
#ifndef MPP_STREAM_H
#define MPP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "mpp.h"

/* Prepare the records of every entry for a capture: flush, read offsets.
 * MPP_ECAPTURE (naming the path) for a stream that cannot be reopened. */
int mpp_stream_snapshot(void);
size_t mpp_stream_count(void);
/* Entry i as a block: its record (valid until the next snapshot), the
 * record's type, the path, and the address pointers to it hold (0: none). */
const void *mpp_stream_record(size_t i, const struct mpp_type **type, const char **path, uintptr_t *addr);

/* The type of a record in this program's layout (struct
 * mpp_stream_record), which a record from another architecture is
 * converted to. */
const struct mpp_type *mpp_stream_type(void);
/* Check a record read from a state (its type as written, its bytes): 0 or
 * MPP_EFORMAT with a message. Changes nothing. */
int mpp_stream_check(const char *path, const struct mpp_type *type, const unsigned char *rec);
/* Reopen the entry a checked record describes; *addr gets what pointers
 * to it must become (the FILE, or 0). 0, or MPP_EFORMAT naming the path
 * (the state cannot be used here: exit status 1). */
int mpp_stream_reopen(const char *path, const unsigned char *rec, uintptr_t *addr);

/* Close every stream and descriptor of the table (MPP_STRESS, before a
 * restore in the same process). */
void mpp_stream_drop(void);

#endif
