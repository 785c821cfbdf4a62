/* mpp_image.h: the executable image and the objects of the C library that
 * saved pointers may refer to without being blocks of the program: string
 * literals and constant tables (image-relative offsets, valid for the same
 * binary only, identified by its build id) and stdin/stdout/stderr. */
#ifndef MPP_IMAGE_H
#define MPP_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Whether [addr, addr + size) lies in memory of the image that the
 * program cannot write (read-only segments and RELRO). */
int mpp_image_readonly(const void *addr, size_t size);

/* If addr lies in a loaded segment of the image (one past a segment's end
 * counts), set *off to its image-relative offset and return 1. */
int mpp_image_offset(uintptr_t addr, uint64_t *off);
/* The address of image offset off, or 0 if it is in no segment. */
uintptr_t mpp_image_at(uint64_t off);
/* Bytes spanned by the image's segments. */
uint64_t mpp_image_span(void);

/* If addr lies in a NUL-terminated string of the image's read-only
 * memory (a string literal) of at most max bytes with its NUL, set *off
 * to the image offset of its first byte (after the previous NUL) and *len
 * to its length with the NUL, and return 1. */
int mpp_image_literal(uintptr_t addr, uint64_t max, uint64_t *off, uint64_t *len);
/* The address of the first occurrence of len bytes in the image's
 * read-only memory, or 0. */
uintptr_t mpp_image_find(const unsigned char *bytes, size_t len);

/* A 64-bit id of this binary: hash of its GNU build-id note, or of the
 * executable file when it has none; *source gets MPP_BINID_*. */
uint64_t mpp_image_id(int *source);

/* C library objects pointers may refer to, by name. */
size_t mpp_image_nexterns(void);
const char *mpp_image_extern(size_t i, uintptr_t *addr, uint64_t *size);
/* Address and size of the named object in this process, or 0. */
uintptr_t mpp_image_extern_find(const char *name, uint64_t *size);

#endif
