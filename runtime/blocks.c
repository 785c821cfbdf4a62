/* blocks.c: sorted index of block address ranges. Blocks should not
 * overlap, but nothing breaks if they do: a running maximum of the ends
 * bounds the backward scan from the binary-search position. */
#include <stdlib.h>

#include "mpp_blocks.h"
#include "mpp_err.h"
#include "mpp_format.h"

void mpp_blocks_clear(struct mpp_bindex *ix)
{
	ix->n = 0;
}

void mpp_blocks_free(struct mpp_bindex *ix)
{
	free(ix->v);
	free(ix->maxend);
	ix->v = NULL;
	ix->maxend = NULL;
	ix->n = ix->cap = 0;
}

int mpp_blocks_add(struct mpp_bindex *ix, uintptr_t start, uint64_t size, uint32_t id)
{
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 256;
		struct mpp_bent *v = realloc(ix->v, cap * sizeof *v);
		uintptr_t *m;
		if (!v)
			return mpp_err_set(MPP_ENOMEM, "out of memory for the block index");
		ix->v = v;
		m = realloc(ix->maxend, cap * sizeof *m);
		if (!m)
			return mpp_err_set(MPP_ENOMEM, "out of memory for the block index");
		ix->maxend = m;
		ix->cap = cap;
	}
	ix->v[ix->n].start = start;
	ix->v[ix->n].end = size > UINTPTR_MAX - start ? UINTPTR_MAX : start + (uintptr_t)size;
	ix->v[ix->n].id = id;
	ix->n++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	const struct mpp_bent *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int mpp_blocks_sort(struct mpp_bindex *ix)
{
	size_t i;

	qsort(ix->v, ix->n, sizeof *ix->v, cmp);
	for (i = 0; i < ix->n; i++)
		ix->maxend[i] = i && ix->maxend[i - 1] > ix->v[i].end ? ix->maxend[i - 1] : ix->v[i].end;
	return 0;
}

int mpp_blocks_find(const struct mpp_bindex *ix, uintptr_t a, struct mpp_bhit *hit)
{
	size_t lo = 0, hi = ix->n, i;
	uintptr_t best = 0;

	hit->inside = hit->at_end = MPP_FMT_NONE;
	/* first entry with start > a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->v[mid].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0 && ix->maxend[i] >= a;) {
		const struct mpp_bent *e = &ix->v[i];
		if (a < e->end || (e->start == e->end && e->start == a)) {
			/* the tightest (latest starting) block wins */
			if (hit->inside == MPP_FMT_NONE || e->start > best) {
				hit->inside = e->id;
				best = e->start;
			}
		} else if (a == e->end && hit->at_end == MPP_FMT_NONE) {
			hit->at_end = e->id;
		}
	}
	return hit->inside != MPP_FMT_NONE || hit->at_end != MPP_FMT_NONE;
}
