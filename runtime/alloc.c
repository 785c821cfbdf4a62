/* alloc.c: the C allocation functions as translated programs call them.
 * mppcc turns malloc/calloc/realloc/free/strdup into these; each block is
 * tracked by heap.c with the element type mppcc inferred (or as bytes), so
 * a capture saves it and rebuilds it at a new address with its pointers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpp.h"
#include "mpp_heap.h"

/* Elements of elem needed for n bytes (at least one, so a zero-size
 * request still returns a unique pointer). */
static size_t elems(const struct mpp_type *elem, size_t n)
{
	size_t esz = elem && elem->size ? elem->size : 1;
	size_t c = n / esz + (n % esz != 0);
	return c ? c : 1;
}

/* malloc with an element type (NULL: bytes). Memory starts zeroed, which
 * malloc allows. */
void *__mpp_malloc(const struct mpp_type *elem, size_t n)
{
	void *p = mpp_heap_alloc(elem && elem->size ? elem : NULL, elem && elem->size ? elems(elem, n) : (n ? n : 1));
	if (!p)
		errno = ENOMEM;
	return p;
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
	if (!p)
		return;
	if (mpp_heap_find(p))
		mpp_heap_free(p);
	else
		free(p); /* allocated by a library (getline, strdup of libc...) */
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
