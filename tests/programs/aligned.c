/* aligned.c: blocks from aligned_alloc, posix_memalign, memalign, valloc
 * and reallocarray, allocations and frees written inside macros, and free
 * passed as a callback. Every round checks that each block still has the
 * alignment it was allocated with, so a restore that lost it shows. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NEW(T) ((T *)malloc(sizeof(T)))
#define NEW_ARRAY(T, n) ((T *)calloc((n), sizeof(T)))
#define DISPOSE(p) free(p)
#define GROW(a, n) ((a) = reallocarray((a), (n), sizeof *(a)))

struct vec {
	double *x; /* 64-byte aligned, for vector loads */
	size_t n;
	struct vec *next;
};

struct pool {
	struct vec *vecs;
	float *page;     /* page-aligned (valloc) */
	long *ring;      /* memalign(256) */
	int *ids;        /* grown with reallocarray */
	size_t nids;
	char **names;    /* array of strings made inside a macro */
	void (*release)(void *);
};

static int misaligned(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) != 0;
}

static struct vec *vec_new(size_t n, unsigned seed)
{
	struct vec *v = NEW(struct vec);
	if (posix_memalign((void **)&v->x, 64, n * sizeof(double)))
		return NULL;
	v->n = n;
	for (size_t i = 0; i < n; i++)
		v->x[i] = (double)((seed * 2654435761u + i * 40503u) % 1000) / 10.0;
	return v;
}

static double dot(const struct vec *a, const struct vec *b)
{
	double s = 0;
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++)
		s += a->x[i] * b->x[i];
	return s;
}

static void each_free(void **items, size_t n, void (*release)(void *))
{
	for (size_t i = 0; i < n; i++)
		release(items[i]);
}

int main(void)
{
	struct pool pool = {0};
	long pagesize = sysconf(_SC_PAGESIZE);
	double *big = aligned_alloc(4096, 8192 * sizeof(double));
	unsigned bad = 0;

	pool.page = valloc(1000 * sizeof(float));
	pool.ring = memalign(256, 64 * sizeof(long));
	pool.release = free;
	for (int i = 0; i < 8192; i++)
		big[i] = i * 0.5;
#pragma mpp loop
	for (int round = 0; round < 40; round++) {
		struct vec *v = vec_new(16 + (size_t)round * 3, (unsigned)round);
		v->next = pool.vecs;
		pool.vecs = v;
		GROW(pool.ids, pool.nids + 1);
		pool.ids[pool.nids++] = round * 7;
		pool.page[round] = (float)round / 4;
		pool.ring[round % 64] += round;
		if (round % 5 == 4) {
			pool.names = realloc(pool.names, (size_t)(round / 5 + 1) * sizeof *pool.names);
			char *s = NEW_ARRAY(char, 16);
			snprintf(s, 16, "batch-%d", round / 5);
			pool.names[round / 5] = s;
		}
		double total = 0;
		int count = 0;
#pragma mpp loop every 4
		for (struct vec *p = pool.vecs; p; p = p->next) {
			total += dot(p, pool.vecs);
			bad += misaligned(p->x, 64);
			count++;
		}
		bad += misaligned(big, 4096) + misaligned(pool.page, (size_t)pagesize) + misaligned(pool.ring, 256);
		printf("round %2d: vectors %2d dot %.1f big %.1f page %.2f ring %ld ids %zu misaligned %u\n", round,
		       count, total, big[round * 100], pool.page[round], pool.ring[round % 64], pool.nids, bad);
	}
	for (size_t i = 0; i < 8; i++)
		printf("%s%s", pool.names[i], i + 1 < 8 ? " " : "\n");
	long idsum = 0;
	for (size_t i = 0; i < pool.nids; i++)
		idsum += pool.ids[i];
	printf("ids sum %ld\n", idsum);
	each_free((void **)pool.names, 8, pool.release);
	DISPOSE(pool.names);
	while (pool.vecs) {
		struct vec *next = pool.vecs->next;
		free(pool.vecs->x);
		DISPOSE(pool.vecs);
		pool.vecs = next;
	}
	free(pool.ids);
	free(pool.ring);
	free(pool.page);
	free(big);
	printf("misaligned blocks seen: %u\n", bad);
	return bad != 0;
}
