/* relocate.c: pointers become block references at capture. All blocks are
 * indexed by address; each pointer slot becomes a (block, offset) entry in
 * the file's format, each function pointer a function-table entry or an
 * image offset; a pointer that matches nothing stops the capture with a
 * message naming the variable and the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpp_bytes.h"
#include "mpp_err.h"
#include "mpp_format.h"
#include "mpp_hash.h"
#include "mpp_heap.h"
#include "mpp_image.h"
#include "mpp_registry.h"
#include "mpp_relocate.h"

_Static_assert(sizeof(void *) == sizeof(uintptr_t), "pointers must fit uintptr_t");
_Static_assert(sizeof(void (*)(void)) == sizeof(uintptr_t), "function pointers must fit uintptr_t");

struct walk {
	struct mpp_reloc *r;
	const struct mpp_eblock *blocks;
	uint32_t image;
	const struct mpp_eblock *b; /* the block being walked */
	uint64_t base;              /* offset of its element being walked */
};

static int oom(void)
{
	mpp_err_set(MPP_ENOMEM, "out of memory while translating pointers");
	return MPP_ENOMEM;
}

void mpp_relocate_free(struct mpp_reloc *r)
{
	mpp_blocks_free(&r->ix);
	free(r->ptrs);
	free(r->funcs);
	free(r->ftab);
	free(r->lits);
	free(r->ltab);
	memset(r, 0, sizeof *r);
}

/* ---- Function table ------------------------------------------------------ */

static int func_ref(struct mpp_reloc *r, const struct mpp_func *f, uint32_t *ref)
{
	size_t h, i;

	*ref = MPP_FMT_NONE;
	if ((r->nfuncs + 1) * 2 > r->ftcap) {
		size_t cap = r->ftcap ? r->ftcap * 2 : 64;
		uint32_t *tab = calloc(cap, sizeof *tab);
		if (!tab)
			return oom();
		for (i = 0; i < r->nfuncs; i++) {
			for (h = (size_t)mpp_hash_mix((uintptr_t)r->funcs[i]) & (cap - 1); tab[h];
			     h = (h + 1) & (cap - 1))
				;
			tab[h] = (uint32_t)i + 1;
		}
		free(r->ftab);
		r->ftab = tab;
		r->ftcap = cap;
	}
	for (h = (size_t)mpp_hash_mix((uintptr_t)f) & (r->ftcap - 1); r->ftab[h]; h = (h + 1) & (r->ftcap - 1)) {
		if (r->funcs[r->ftab[h] - 1] == f) {
			*ref = r->ftab[h] - 1;
			return 0;
		}
	}
	if (r->nfuncs == r->fcap) {
		size_t cap = r->fcap ? r->fcap * 2 : 64;
		const struct mpp_func **v = realloc(r->funcs, cap * sizeof *v);
		if (!v)
			return oom();
		r->funcs = v;
		r->fcap = cap;
	}
	r->funcs[r->nfuncs] = f;
	r->ftab[h] = (uint32_t)r->nfuncs + 1;
	*ref = (uint32_t)r->nfuncs++;
	return 0;
}

/* ---- String literals ------------------------------------------------------ */

static int char_pointer(const struct mpp_slot *slot)
{
	const struct mpp_type *p = slot->type ? slot->type->elem : NULL;

	return p && (p->kind == MPP_K_CHAR || p->kind == MPP_K_SCHAR || p->kind == MPP_K_UCHAR);
}

/* Note the literal that v (image offset img) points into, if it is one. */
static int note_literal(struct mpp_reloc *r, uintptr_t v, uint64_t img)
{
	uint64_t off, len;
	size_t h, i;

	if (!mpp_image_literal(v, MPP_FMT_LIT_MAX, &off, &len))
		return 0;
	if ((r->nlits + 1) * 2 > r->ltcap) {
		size_t cap = r->ltcap ? r->ltcap * 2 : 64;
		uint32_t *tab = calloc(cap, sizeof *tab);
		if (!tab)
			return oom();
		for (i = 0; i < r->nlits; i++) {
			for (h = (size_t)mpp_hash_mix(r->lits[i].off) & (cap - 1); tab[h]; h = (h + 1) & (cap - 1))
				;
			tab[h] = (uint32_t)i + 1;
		}
		free(r->ltab);
		r->ltab = tab;
		r->ltcap = cap;
	}
	for (h = (size_t)mpp_hash_mix(off) & (r->ltcap - 1); r->ltab[h]; h = (h + 1) & (r->ltcap - 1))
		if (r->lits[r->ltab[h] - 1].off == off)
			return 0;
	if (r->nlits == r->lcap) {
		size_t cap = r->lcap ? r->lcap * 2 : 64;
		struct mpp_elit *l = realloc(r->lits, cap * sizeof *l);
		if (!l)
			return oom();
		r->lits = l;
		r->lcap = cap;
	}
	r->lits[r->nlits].off = off;
	r->lits[r->nlits].len = len;
	r->lits[r->nlits].bytes = (const unsigned char *)(v - (uintptr_t)(img - off));
	r->lits[r->nlits].data_off = 0;
	r->ltab[h] = (uint32_t)++r->nlits;
	return 0;
}

/* ---- Entries ----------------------------------------------------------------- */

/* "'name.path' in frame of 'f' (site 3, line 42)" and the like. */
static void where(const struct mpp_eblock *b, uint64_t off, char *buf, size_t n)
{
	char path[256];

	if (b->cls == MPP_BC_HEAP) {
		snprintf(path, sizeof path, "[%llu]", (unsigned long long)(b->ti->t->size ? off / b->ti->t->size : 0));
		mpp_types_path(b->ti->t, b->ti->t->size ? off % b->ti->t->size : 0, path, sizeof path);
		snprintf(buf, n, "'%s' in heap block %zu", path, b->heap);
		return;
	}
	snprintf(path, sizeof path, "%s", b->name ? b->name : "?");
	mpp_types_path(b->ti->t, off, path, sizeof path);
	if (b->cls == MPP_BC_FRAME)
		snprintf(buf, n, "'%s' in frame of '%s' (site %u, line %u)", path, b->fn->name, b->site,
		         b->fn->sites[b->site - 1].line);
	else
		snprintf(buf, n, "'%s' (global variable)", path);
}

static int emit(struct mpp_reloc *r, uint32_t target, uint64_t off)
{
	unsigned char *e;

	if ((r->nptrs + 1) * MPP_FMT_PTR_LEN > r->pcap) {
		size_t cap = r->pcap ? r->pcap * 2 : 4096;
		unsigned char *p;
		if (cap > SIZE_MAX / 2 || !(p = realloc(r->ptrs, cap)))
			return oom();
		r->ptrs = p;
		r->pcap = cap;
	}
	e = r->ptrs + r->nptrs * MPP_FMT_PTR_LEN;
	mpp_put_u32(e, target);
	mpp_put_u32(e + 4, 0);
	mpp_put_u64(e + 8, off);
	r->nptrs++;
	return 0;
}

/* ---- One past the end, or the start of the next block? --------------------- */

static int same_t(const struct mpp_type *a, const struct mpp_type *b)
{
	return a == b || (a->kind == b->kind && a->size == b->size && a->name && b->name && !strcmp(a->name, b->name));
}

/* An address that is both one past block a and the start of block b: both
 * readings are valid C. Prefer the start of b unless only a's element type
 * matches what the pointer points to (as for `end = arr + n`). In a restore
 * by the same binary adjacent frame variables and globals stay adjacent,
 * so the choice rarely matters there. */
static uint32_t tie_break(const struct walk *w, const struct mpp_slot *slot, uint32_t a, uint32_t b)
{
	const struct mpp_type *p = slot->type ? slot->type->elem : NULL;
	const struct mpp_eblock *ba = &w->blocks[a], *bb = &w->blocks[b];

	if (!p || !ba->ti || !bb->ti)
		return b;
	if (mpp_types_may_end(p, ba->ti->t, same_t) && !mpp_types_may_start(p, bb->ti->t, same_t))
		return a;
	return b;
}

/* ---- Slots -------------------------------------------------------------------- */

static int data_ptr(const struct walk *w, uint64_t off, const struct mpp_slot *slot, uintptr_t v)
{
	struct mpp_bhit hit;
	uint32_t id;
	uint64_t img;
	char at[400];
	int rc;

	if (!v)
		return emit(w->r, MPP_FMT_NONE, 0);
	if (mpp_blocks_find(&w->r->ix, v, &hit)) {
		if (hit.inside != MPP_FMT_NONE && hit.at_end != MPP_FMT_NONE && w->blocks[hit.inside].addr == v)
			id = tie_break(w, slot, hit.at_end, hit.inside);
		else
			id = hit.inside != MPP_FMT_NONE ? hit.inside : hit.at_end;
		return emit(w->r, id, (uint64_t)(v - w->blocks[id].addr));
	}
	if (mpp_image_offset(v, &img)) {
		if (char_pointer(slot) && (rc = note_literal(w->r, v, img)))
			return rc;
		return emit(w->r, w->image, img);
	}
	if (mpp_heap_was_freed((const void *)v)) /* dangling: never used again */
		return emit(w->r, MPP_FMT_NONE, MPP_FMT_DANGLING);
	where(w->b, off, at, sizeof at);
	return mpp_err_set(MPP_ECAPTURE, "cannot save pointer %s: it points to %p outside any known block", at,
	                   (void *)v);
}

static int fn_ptr(const struct walk *w, uint64_t off, uintptr_t v)
{
	void (*fp)(void);
	const struct mpp_func *f;
	uint32_t ref;
	uint64_t img;
	char at[400];
	int rc;

	if (!v)
		return emit(w->r, MPP_FMT_NONE, 0);
	memcpy(&fp, &v, sizeof fp);
	if ((f = mpp_registry_func_at(fp))) {
		if (mpp_registry_find_func(f->name) != f) {
			where(w->b, off, at, sizeof at);
			return mpp_err_set(
			    MPP_ECAPTURE, "cannot save function pointer %s: another function has the same name as '%s'",
			    at, f->name);
		}
		if ((rc = func_ref(w->r, f, &ref)))
			return rc;
		return emit(w->r, ref, 0);
	}
	if (mpp_image_offset(v, &img))
		return emit(w->r, MPP_FMT_FN_IMAGE, img);
	where(w->b, off, at, sizeof at);
	return mpp_err_set(MPP_ECAPTURE, "cannot save function pointer %s: %p is not a function of the program", at,
	                   (void *)v);
}

static int on_slot(void *ctx, uint64_t off, const struct mpp_slot *slot)
{
	const struct walk *w = ctx;
	const unsigned char *p = w->b->src + w->base + off;
	uintptr_t v;
	uint64_t i;
	char at[400];

	switch (slot->kind) {
	case MPP_SLOT_DATA: memcpy(&v, p, sizeof v); return data_ptr(w, w->base + off, slot, v);
	case MPP_SLOT_FN: memcpy(&v, p, sizeof v); return fn_ptr(w, w->base + off, v);
	default:
		for (i = 0; i < slot->size; i++) {
			if (p[i]) {
				where(w->b, w->base + off, at, sizeof at);
				return mpp_err_set(MPP_ECAPTURE,
				                   "cannot save union %s: it has a pointer member and is not all zero "
				                   "(pointers in unions are not supported)",
				                   at);
			}
		}
		return 0;
	}
}

int mpp_relocate(struct mpp_reloc *r, struct mpp_eblock *b, size_t nb, uint32_t image)
{
	struct walk w = {r, b, image, NULL, 0};
	size_t i;
	uint64_t c;
	int rc;

	r->nptrs = 0;
	r->nfuncs = 0;
	r->nlits = 0;
	if (r->ftab)
		memset(r->ftab, 0, r->ftcap * sizeof *r->ftab);
	if (r->ltab)
		memset(r->ltab, 0, r->ltcap * sizeof *r->ltab);
	mpp_blocks_clear(&r->ix);
	for (i = 0; i < nb; i++) {
		if (b[i].cls == MPP_BC_IMAGE || !b[i].addr)
			continue;
		if ((rc = mpp_blocks_add(&r->ix, b[i].addr, b[i].size, (uint32_t)i)))
			return rc;
	}
	if ((rc = mpp_blocks_sort(&r->ix)))
		return rc;
	for (i = 0; i < nb; i++) {
		b[i].ptr_first = r->nptrs;
		if (!b[i].src || (!b[i].ti->nptrs && !b[i].ti->nunions))
			continue;
		w.b = &b[i];
		for (c = 0; c < b[i].count; c++) {
			w.base = c * b[i].ti->t->size;
			if ((rc = mpp_types_walk(b[i].ti, 0, on_slot, &w)))
				return rc;
		}
	}
	return 0;
}
