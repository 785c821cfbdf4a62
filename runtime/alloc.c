/* alloc.c: the C allocation functions as translated programs call them.
 * mppcc turns malloc, calloc, realloc, reallocarray, free, strdup, strndup
 * and the aligned allocators into these; each block is tracked by heap.c
 * with the element type mppcc inferred (or as bytes) and its alignment, so
 * a capture saves it and rebuilds it at a new address with its pointers.
 * The C library functions that return new memory (asprintf, getline) are
 * wrapped so that the strings they make are tracked blocks too. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpp.h"
#include "mpp_format.h"
#include "mpp_heap.h"

/* Elements of elem needed for n bytes (at least one, so a zero-size
 * request still returns a unique pointer). */
static size_t elems(const struct mpp_type *elem, size_t n)
{
	size_t esz = elem && elem->size ? elem->size : 1, c;

	if (n == esz) /* malloc(sizeof *p): no division */
		return 1;
	if (esz == 1)
		return n ? n : 1;
	c = n / esz + (n % esz != 0);
	return c ? c : 1;
}

/* n bytes of elem (NULL: bytes) aligned on align (0: malloc's own).
 * Memory starts zeroed, which malloc allows: an uninitialised pointer
 * member is then null, not garbage, when a capture reads it. */
static void *alloc(const struct mpp_type *elem, size_t n, size_t align)
{
	int typed = elem && elem->size;
	void *p;

	if (align > (size_t)1 << MPP_FMT_MAX_ALIGN_LOG2) { /* a state could not say it */
		errno = EINVAL;
		return NULL;
	}
	if (!align) /* malloc's own alignment: the common case */
		p = mpp_heap_alloc(typed ? elem : NULL, typed ? elems(elem, n) : (n ? n : 1));
	else
		p = mpp_heap_alloc_aligned(typed ? elem : NULL, typed ? elems(elem, n) : (n ? n : 1), align);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *__mpp_malloc(const struct mpp_type *elem, size_t n)
{
	return alloc(elem, n, 0);
}

void *__mpp_calloc(const struct mpp_type *elem, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return __mpp_malloc(elem, n * size);
}

void *__mpp_realloc(const struct mpp_type *elem, void *p, size_t n)
{
	if (!p)
		return __mpp_malloc(elem, n);
	const struct mpp_hblock *b = mpp_heap_find(p);
	if (!b) /* from code that was not translated (a library) */
		return realloc(p, n);
	void *q = mpp_heap_realloc(p, elems(b->elem, n));
	if (!q)
		errno = ENOMEM;
	return q;
}

void __mpp_free(void *p)
{
	if (p && !mpp_heap_free(p))
		free(p); /* allocated by a library (scandir, realpath...) */
}

char *__mpp_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = __mpp_malloc(&mpp_t_char, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *__mpp_strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = __mpp_malloc(&mpp_t_char, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

void *__mpp_reallocarray(const struct mpp_type *elem, void *p, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return __mpp_realloc(elem, p, n * size);
}

static int power_of_two(size_t a)
{
	return a && !(a & (a - 1));
}

void *__mpp_aligned_alloc(const struct mpp_type *elem, size_t align, size_t n)
{
	if (!power_of_two(align)) {
		errno = EINVAL;
		return NULL;
	}
	return alloc(elem, n, align);
}

int __mpp_posix_memalign(const struct mpp_type *elem, void **pp, size_t align, size_t n)
{
	void *p;

	if (!power_of_two(align) || align % sizeof(void *))
		return EINVAL;
	if (!(p = alloc(elem, n, align)))
		return ENOMEM;
	*pp = p;
	return 0;
}

/* glibc's memalign rounds an alignment that is not a power of two up. */
void *__mpp_memalign(const struct mpp_type *elem, size_t align, size_t n)
{
	size_t a = 1;

	while (a < align) {
		if (a > (size_t)-1 / 2) {
			errno = EINVAL;
			return NULL;
		}
		a *= 2;
	}
	return alloc(elem, n, a);
}

static size_t page(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 0 ? (size_t)ps : 4096;
}

void *__mpp_valloc(const struct mpp_type *elem, size_t n)
{
	return alloc(elem, n, page());
}

void *__mpp_pvalloc(const struct mpp_type *elem, size_t n)
{
	size_t ps = page();

	if (n > (size_t)-1 - ps) {
		errno = ENOMEM;
		return NULL;
	}
	return alloc(elem, n ? (n + ps - 1) / ps * ps : ps, ps);
}

/* free, malloc, calloc and realloc used as function pointers: bytes. */
void *__mpp_malloc_v(size_t n)
{
	return __mpp_malloc(NULL, n);
}

void *__mpp_calloc_v(size_t n, size_t size)
{
	return __mpp_calloc(NULL, n, size);
}

void *__mpp_realloc_v(void *p, size_t n)
{
	return __mpp_realloc(NULL, p, n);
}

/* ---- Library functions that allocate ------------------------------------ */

int __mpp_vasprintf(char **strp, const char *fmt, va_list ap)
{
	char *tmp, *p;
	int n = vasprintf(&tmp, fmt, ap);

	if (n < 0)
		return n;
	p = __mpp_malloc(&mpp_t_char, (size_t)n + 1);
	if (p)
		memcpy(p, tmp, (size_t)n + 1);
	free(tmp);
	if (!p)
		return -1;
	*strp = p;
	return n;
}

int __mpp_asprintf(char **strp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = __mpp_vasprintf(strp, fmt, ap);
	va_end(ap);
	return n;
}

/* getdelim into a tracked buffer: the C library reads into a scratch
 * buffer of its own, the line is copied into *lineptr, grown as getdelim
 * would. A buffer the C library allocated itself is left to it. */
ssize_t __mpp_getdelim(char **lineptr, size_t *n, int delim, struct _IO_FILE *f)
{
	static char *scratch;
	static size_t scap;
	const struct mpp_hblock *b;
	ssize_t r;

	if (!lineptr || !n || !f) {
		errno = EINVAL;
		return -1;
	}
	b = *lineptr ? mpp_heap_find(*lineptr) : NULL;
	if (*lineptr && !b)
		return getdelim(lineptr, n, delim, f);
	r = getdelim(&scratch, &scap, delim, f);
	if (r < 0 && *lineptr)
		return r;
	if (!*lineptr || b->size < (size_t)(r < 0 ? 0 : r) + 1) {
		size_t want = (size_t)(r < 0 ? 0 : r) + 1, cap = b ? b->size : 0;
		char *q;
		if (cap < 120)
			cap = 120;
		while (cap < want)
			cap *= 2;
		if (!(q = __mpp_realloc(&mpp_t_char, *lineptr, cap)))
			return -1;
		*lineptr = q;
		*n = cap;
	}
	if (r >= 0)
		memcpy(*lineptr, scratch, (size_t)r + 1);
	else
		(*lineptr)[0] = 0;
	return r;
}

ssize_t __mpp_getline(char **lineptr, size_t *n, struct _IO_FILE *f)
{
	return __mpp_getdelim(lineptr, n, '\n', f);
}
