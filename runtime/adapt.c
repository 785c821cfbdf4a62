/* adapt.c: a checked state from another architecture or another build,
 * made usable here. Every block gets this program's type (globals and
 * frames from the program; heap blocks from the typed pointers that point
 * to them, else by name), its bytes go through convert.c's plans, pointer
 * offsets move from the writer's layout to this one, and pointers to
 * string literals find the same bytes in this image. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPP_LOG_PREFIX "adapt"
#include "mpp_bytes.h"
#include "mpp_convert.h"
#include "mpp_decode.h"
#include "mpp_err.h"
#include "mpp_hash.h"
#include "mpp_image.h"
#include "mpp_log.h"
#include "mpp_registry.h"
#include "mpp_stream.h"

struct mpp_synth {
	struct mpp_type t;
	struct mpp_synth *next;
};

struct via {
	uint32_t block; /* a block holding a pointer to this heap block, or NONE */
	uint64_t off;   /* where in it, in this program's layout */
};

struct ad {
	struct mpp_dstate *st;
	const struct mpp_type **rt; /* per block: this program's type */
	struct via *via;            /* per heap block: who points to it (messages) */
	uint32_t *queue, nq;
	const struct mpp_type **names; /* named types of the program, by hash */
	size_t ncap, nnames;
	int names_done;
};

static int nomem(void)
{
	return mpp_err_set(MPP_ENOMEM, "out of memory while converting the state");
}

void mpp_adapt_free(struct mpp_dstate *st)
{
	while (st->synth) {
		struct mpp_synth *s = st->synth;
		st->synth = s->next;
		free(s);
	}
	mpp_conv_free(st->cv);
	mpp_types_free(&st->rset);
	free(st->ptrs_own);
	free(st->recs_own);
	st->cv = NULL;
	st->ptrs_own = NULL;
	st->recs_own = NULL;
}

/* ---- Messages ------------------------------------------------------------ */

static const struct mpp_type *leaf_at(const struct mpp_type *t, uint64_t off)
{
	size_t i;
	int d;

	for (d = 0; t && d < MPP_TYPES_MAXDEPTH; d++) {
		if ((t->kind == MPP_K_ARRAY || t->kind == MPP_K_COMPLEX) && t->elem && t->elem->size) {
			off %= t->elem->size;
			t = t->elem;
		} else if (t->kind == MPP_K_STRUCT) {
			const struct mpp_field *f = NULL;
			for (i = 0; i < t->count; i++)
				if (off >= t->fields[i].offset && off - t->fields[i].offset < t->fields[i].type->size)
					f = &t->fields[i];
			if (!f)
				return t;
			off -= f->offset;
			t = f->type;
		} else {
			return t;
		}
	}
	return t;
}

/* The adapt run in progress, for messages about heap blocks. */
static const struct ad *current;

static const struct via *via_of(const struct mpp_dstate *st, const struct mpp_dblock *b);

/* "global 'x.f[2]'", "'v.f' in frame of 'fn' (site 3, line 42)",
 * "'[5].next' in the heap block ('struct node') that 'p' in frame of 'f'
 * (site 1, line 9) points to". t: the block's element type in the layout
 * off refers to. */
static void describe(const struct mpp_dstate *st, const struct mpp_dblock *b, const struct mpp_type *t, uint64_t off,
                     char *buf, size_t n)
{
	char path[300], owner[400];
	const struct via *v;

	if (b->cls == MPP_BC_HEAP) {
		snprintf(path, sizeof path, "[%" PRIu64 "]", t->size ? off / t->size : 0);
		mpp_types_path(t, t->size ? off % t->size : 0, path, sizeof path);
		v = via_of(st, b);
		if (v && v->block != MPP_FMT_NONE && st->blocks[v->block].cls != MPP_BC_HEAP) {
			const struct mpp_dblock *o = &st->blocks[v->block];
			/* v->off is in this layout: describe o by this program's type */
			describe(st, o, current->rt[v->block], v->off, owner, sizeof owner);
			if (snprintf(buf, n, "'%s' in the heap block ('%s') that %s points to", path,
			             t->name ? t->name : "?", owner) < 0)
				buf[0] = 0; /* a long message is cut, which is fine */
		} else {
			snprintf(buf, n, "'%s' in heap block %u ('%s')", path, (unsigned)(b - st->blocks),
			         t->name ? t->name : "?");
		}
		return;
	}
	snprintf(path, sizeof path, "%s", b->name ? b->name : "?");
	mpp_types_path(t, off, path, sizeof path);
	if (b->cls == MPP_BC_FRAME && b->frame < st->nframes) {
		const struct mpp_dframe *f = &st->frames[b->frame];
		snprintf(buf, n, "'%s' in frame of '%s' (site %u, line %u)", path, f->fn->name, f->site,
		         f->fn->sites[f->site - 1].line);
	} else {
		snprintf(buf, n, "global '%s'", path);
	}
}

static int value_error(const struct mpp_dstate *st, const struct mpp_dblock *b, const struct mpp_conv_fail *f)
{
	const struct mpp_type *w = b->ti->t, *leaf = leaf_at(w, w->size ? f->off % w->size : 0);
	char at[500], val[32];

	describe(st, b, w, f->off, at, sizeof at);
	switch (f->why) {
	case MPP_CONV_INT:
		if (f->is_signed)
			snprintf(val, sizeof val, "%" PRId64, (int64_t)f->value);
		else
			snprintf(val, sizeof val, "%" PRIu64, f->value);
		return mpp_err_set(MPP_EFORMAT,
		                   "%s holds %s, which does not fit in a %u-byte '%s' on this architecture", at, val,
		                   f->size, leaf->name ? leaf->name : "?");
	case MPP_CONV_LDBL:
		return mpp_err_set(MPP_EFORMAT, "%s holds a long double too large for this architecture's long double",
		                   at);
	case MPP_CONV_UNION:
		return mpp_err_set(MPP_EFORMAT,
		                   "%s is a union ('%s') whose members are laid out differently on the two "
		                   "architectures, and the state does not say which one is in use",
		                   at, leaf->name ? leaf->name : "?");
	default:
		return mpp_err_set(MPP_EFORMAT,
		                   "%s ('%s') has a layout mpp cannot describe (bit-fields...) and is not zero: it "
		                   "cannot be converted between architectures",
		                   at, leaf->name ? leaf->name : "?");
	}
}

/* ---- This program's types ------------------------------------------------ */

static int add_rti(struct mpp_dstate *st, const struct mpp_type *t, const struct mpp_tinfo **out)
{
	int rc = mpp_types_add(&st->rset, t, out);

	return rc == MPP_ENOMEM ? rc : rc ? mpp_err_wrap(MPP_EFORMAT, "this program's type '%s'", t->name) : 0;
}

static size_t name_slot(const char *name, size_t cap)
{
	return (size_t)mpp_hash_str(name) & (cap - 1);
}

/* Visit t and every type it mentions (fields, elements, pointees). */
static int index_type(struct ad *a, const struct mpp_type *t, unsigned depth, const struct mpp_type ***seen,
                      size_t *nseen, size_t *cap)
{
	size_t i, h;

	if (!t || depth > MPP_TYPES_MAXDEPTH)
		return 0;
	for (i = 0; i < *nseen; i++) /* small: the program's distinct types */
		if ((*seen)[i] == t)
			return 0;
	if (*nseen == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		const struct mpp_type **v = realloc(*seen, c * sizeof *v);
		if (!v)
			return -1;
		*seen = v;
		*cap = c;
	}
	(*seen)[(*nseen)++] = t;
	if ((t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION || t->kind == MPP_K_ENUM) && t->name &&
	    a->nnames < a->ncap / 2) {
		for (h = name_slot(t->name, a->ncap); a->names[h]; h = (h + 1) & (a->ncap - 1))
			if (!strcmp(a->names[h]->name, t->name))
				break;
		if (!a->names[h]) {
			a->names[h] = t;
			a->nnames++;
		}
	}
	if (t->elem && index_type(a, t->elem, depth + 1, seen, nseen, cap))
		return -1;
	if (t->kind == MPP_K_STRUCT || t->kind == MPP_K_UNION)
		for (i = 0; i < t->count; i++)
			if (index_type(a, t->fields[i].type, depth + 1, seen, nseen, cap))
				return -1;
	return 0;
}

static int index_names(struct ad *a)
{
	const struct mpp_type **seen = NULL;
	size_t nseen = 0, cap = 0, i, k, j;
	int rc = 0;

	a->names_done = 1;
	a->ncap = 1024;
	if (!(a->names = calloc(a->ncap, sizeof *a->names)))
		return nomem();
	for (i = 0; i < mpp_registry_nglobals() && !rc; i++)
		rc = index_type(a, mpp_registry_global(i, NULL)->type, 1, &seen, &nseen, &cap);
	for (i = 0; i < mpp_registry_nfuncs() && !rc; i++) {
		const struct mpp_func *f = mpp_registry_func(i);
		for (k = 0; k < f->nsites && !rc; k++)
			for (j = 0; j < f->sites[k].nvars && !rc; j++)
				rc = index_type(a, f->sites[k].types[j], 1, &seen, &nseen, &cap);
	}
	free(seen);
	/* the table keeps the first ncap / 2 names: beyond, fewer lookups succeed */
	return rc ? nomem() : 0;
}

static const struct mpp_type *by_name(struct ad *a, const char *name)
{
	size_t h, n = 0;

	if (!name || (!a->names_done && index_names(a)))
		return NULL;
	for (h = name_slot(name, a->ncap); a->names[h] && n < a->ncap; h = (h + 1) & (a->ncap - 1), n++)
		if (!strcmp(a->names[h]->name, name))
			return a->names[h];
	return NULL;
}

/* A descriptor of this host for heap elements of writer type w that no
 * typed pointer revealed: named types of the program, scalars whose size
 * does not depend on a typedef, arrays of those. NULL: unknown. */
static const struct mpp_type *fallback(struct ad *a, const struct mpp_type *w, unsigned depth)
{
	const struct mpp_arch *wa = &a->st->warch, *ra = mpp_format_arch_native();
	const struct mpp_type *e;
	struct mpp_synth *s;

	if (depth > MPP_TYPES_MAXDEPTH)
		return NULL;
	switch (w->kind) {
	case MPP_K_STRUCT:
	case MPP_K_UNION: return by_name(a, w->name);
	case MPP_K_ENUM:
		if ((e = by_name(a, w->name)))
			return e;
		return w->size == sizeof(int) ? &mpp_t_int : NULL;
	case MPP_K_INT:
	case MPP_K_UINT: /* int on ILP32 may be ssize_t, size_t, intptr_t */
		return wa->ptr_size == ra->ptr_size ? mpp_types_scalar(w->kind) : NULL;
	case MPP_K_LONG:
	case MPP_K_ULONG: /* long may be int64_t, size_t... */
		return wa->ptr_size == ra->ptr_size && wa->size[MPP_K_LONG] == ra->size[MPP_K_LONG]
		           ? mpp_types_scalar(w->kind)
		           : NULL;
	case MPP_K_PTR: return &mpp_t_voidptr;
	case MPP_K_FNPTR: return &mpp_t_fnptr;
	case MPP_K_ARRAY:
	case MPP_K_COMPLEX:
		if (!(e = fallback(a, w->elem, depth + 1)) || (e->size && w->count > SIZE_MAX / e->size))
			return NULL;
		if (!(s = calloc(1, sizeof *s)))
			return NULL;
		s->t = *w;
		s->t.elem = e;
		s->t.size = (w->kind == MPP_K_ARRAY ? w->count : 2) * e->size;
		s->t.align = e->align;
		s->next = a->st->synth;
		a->st->synth = s;
		return &s->t;
	case MPP_K_OPAQUE: return NULL;
	default: return mpp_types_scalar(w->kind);
	}
}

/* ---- Heap block types from the pointers to them ---------------------------- */

struct iwalk {
	struct ad *a;
	uint32_t bi; /* the block walked */
	uint64_t k;
};

static const struct via *via_of(const struct mpp_dstate *st, const struct mpp_dblock *b)
{
	if (!current || current->st != st || !current->via || (uint32_t)(b - st->blocks) >= st->nblocks_file)
		return NULL;
	return &current->via[b - st->blocks];
}

static int usable(struct ad *a, const struct mpp_type *w, const struct mpp_type *r)
{
	const struct mpp_cplan *p;

	if (!mpp_conv_compatible(w, r) || mpp_conv_plan(a->st->cv, w, r, &p)) {
		mpp_err_clear();
		return 0;
	}
	return 1;
}

static int infer_slot(void *ctx, uint64_t off, const struct mpp_slot *slot)
{
	struct iwalk *w = ctx;
	struct mpp_dstate *st = w->a->st;
	const struct mpp_type *p, *t;
	uint32_t target;
	uint64_t toff;

	if (slot->kind == MPP_SLOT_UNION)
		return 0;
	mpp_decode_ptr(st, w->k++, &target, &toff);
	if (slot->kind != MPP_SLOT_DATA || target >= st->nblocks || st->blocks[target].cls != MPP_BC_HEAP ||
	    w->a->rt[target])
		return 0;
	p = slot->type ? slot->type->elem : NULL;
	t = st->blocks[target].ti->t;
	if (!p || !p->size || !t->size || toff % t->size || !usable(w->a, t, p))
		return 0;
	w->a->rt[target] = p;
	w->a->via[target].block = w->bi;
	w->a->via[target].off = off;
	w->a->queue[w->a->nq++] = target;
	return 0;
}

static int walk_reader(struct ad *a, uint32_t bi, mpp_slot_fn fn, void *ctx)
{
	const struct mpp_dblock *b = &a->st->blocks[bi];
	const struct mpp_tinfo *ti;
	uint64_t e;
	int rc;

	if ((rc = add_rti(a->st, a->rt[bi], &ti)))
		return rc;
	if (ti->nptrs != b->ti->nptrs || ti->nunions != b->ti->nunions)
		return mpp_err_set(MPP_EFORMAT, "%s of block %u has other pointers in the state", a->rt[bi]->name, bi);
	if (!ti->nptrs)
		return 0;
	for (e = 0; e < b->count; e++)
		if ((rc = mpp_types_walk(ti, e * a->rt[bi]->size, fn, ctx)))
			return rc;
	return 0;
}

static int find_types(struct ad *a)
{
	struct mpp_dstate *st = a->st;
	struct iwalk w;
	uint32_t i, j;
	int rc;

	for (i = 0; i < st->nblocks; i++) {
		struct mpp_dblock *b = &st->blocks[i];
		if (b->cls == MPP_BC_GLOBAL) {
			a->rt[i] = b->g->type;
		} else if (b->cls == MPP_BC_FRAME) {
			const struct mpp_dframe *f = &st->frames[b->frame];
			a->rt[i] = f->fn->sites[f->site - 1].types[i - f->first];
		} else if (b->cls == MPP_BC_STREAM) {
			a->rt[i] = mpp_stream_type();
			if (!mpp_conv_compatible(b->ti->t, a->rt[i]))
				return mpp_err_set(MPP_EFORMAT,
				                   "corrupt state: the record of stream '%s' has another layout",
				                   b->name);
		}
		if (a->rt[i] && b->data)
			a->queue[a->nq++] = i;
	}
	for (j = 0; j < a->nq; j++) {
		w.a = a;
		w.bi = a->queue[j];
		w.k = st->blocks[a->queue[j]].ptr_first;
		if ((rc = walk_reader(a, a->queue[j], infer_slot, &w)))
			return rc;
	}
	for (i = 0; i < st->nblocks; i++) {
		const struct mpp_type *t;
		if (st->blocks[i].cls != MPP_BC_HEAP || a->rt[i])
			continue;
		t = st->blocks[i].ti->t;
		a->rt[i] = fallback(a, t, 1);
		if (!a->rt[i] || !usable(a, t, a->rt[i]))
			return mpp_err_set(MPP_EFORMAT,
			                   "heap block %u (%" PRIu64 " elements of '%s') has no typed pointer to it "
			                   "in the state, and the layout of '%s' on this architecture is unknown",
			                   i, st->blocks[i].count, t->name ? t->name : "?", t->name ? t->name : "?");
	}
	return 0;
}

/* ---- Data ------------------------------------------------------------------- */

/* Give every block this program's type and its conversion plan, and check
 * every value that may not fit: restore.c converts while it copies into
 * place, so a refused state leaves the process as it was, and no buffer of
 * the converted state's size is ever needed. */
static int check_data(struct ad *a)
{
	struct mpp_dstate *st = a->st;
	const struct mpp_cplan *plan;
	const struct mpp_tinfo *rti;
	struct mpp_conv_fail fail;
	uint32_t i;
	int rc;

	for (i = 0; i < st->nblocks; i++) {
		struct mpp_dblock *b = &st->blocks[i];
		uint64_t rs = a->rt[i] ? a->rt[i]->size : 0;
		if (!a->rt[i])
			continue;
		if ((rc = add_rti(st, a->rt[i], &rti)))
			return rc;
		b->wti = b->ti;
		if (b->data) {
			if (rs && b->count > SIZE_MAX / rs)
				return mpp_err_set(MPP_EFORMAT, "the state is too large for this architecture");
			if ((rc = mpp_conv_plan(st->cv, b->ti->t, a->rt[i], &plan))) {
				char where[500];
				describe(st, b, b->ti->t, 0, where, sizeof where);
				return mpp_err_wrap(rc, "cannot convert %s", where);
			}
			if (mpp_conv_check(plan, b->data, b->count, &fail))
				return value_error(st, b, &fail);
			b->plan = mpp_conv_is_copy(plan) ? NULL : plan;
			b->size = b->count * rs;
		} else {
			b->size = rs;
		}
		b->ti = rti;
	}
	return 0;
}

/* The records of the files the program opened, converted now (they are
 * small) and checked like those of this architecture, so that restore.c
 * reopens from records in its own layout. */
static int convert_streams(struct ad *a)
{
	struct mpp_dstate *st = a->st;
	size_t rs = mpp_stream_type()->size, n = 0, k = 0;
	uint32_t i;
	int rc;

	for (i = 0; i < st->nblocks; i++)
		n += st->blocks[i].cls == MPP_BC_STREAM;
	if (!n)
		return 0;
	if (!(st->recs_own = calloc(n, rs)))
		return nomem();
	for (i = 0; i < st->nblocks; i++) {
		struct mpp_dblock *b = &st->blocks[i];
		unsigned char *r;
		if (b->cls != MPP_BC_STREAM)
			continue;
		r = st->recs_own + k++ * rs;
		if ((rc = mpp_decode_load(b, r)))
			return rc;
		b->data = r;
		b->plan = NULL;
		if ((rc = mpp_stream_check(b->name, b->ti->t, b->data)))
			return rc;
	}
	return 0;
}

/* ---- Pointers ------------------------------------------------------------------ */

static int same_named(const struct mpp_type *h, const struct mpp_type *t)
{
	return h && t && h->name && t->name && !strcmp(h->name, t->name);
}

/* Offset off inside one value of writer type w to the same place in r. */
static int map_value(const struct mpp_type *w, const struct mpp_type *r, uint64_t off, const struct mpp_type *hint,
                     uint64_t *out, unsigned depth)
{
	uint64_t x, es;
	size_t i, end = SIZE_MAX;

	if (off == 0 || off == w->size) {
		*out = off ? r->size : 0;
		return 0;
	}
	if (off > w->size || depth > MPP_TYPES_MAXDEPTH)
		return -1;
	switch (w->kind) {
	case MPP_K_ARRAY:
	case MPP_K_COMPLEX:
		if (!(es = w->elem->size) || map_value(w->elem, r->elem, off % es, hint, &x, depth + 1))
			return -1;
		*out = off / es * r->elem->size + x;
		return 0;
	case MPP_K_STRUCT:
		for (i = 0; i < w->count; i++) {
			const struct mpp_field *f = &w->fields[i];
			if (off >= f->offset && off - f->offset < f->type->size) {
				if (end != SIZE_MAX && off == f->offset &&
				    mpp_types_may_end(hint, w->fields[end].type, same_named) &&
				    !mpp_types_may_start(hint, f->type, same_named))
					break; /* one past the array before, not this field */
				if (map_value(f->type, r->fields[i].type, off - f->offset, hint, &x, depth + 1))
					return -1;
				*out = r->fields[i].offset + x;
				return 0;
			}
			if (f->type->size && off == f->offset + f->type->size)
				end = i;
		}
		if (end == SIZE_MAX)
			return -1; /* padding */
		*out = r->fields[end].offset + r->fields[end].type->size;
		return 0;
	case MPP_K_UNION:
		for (i = 0; i < w->count; i++)
			if (off <= w->fields[i].type->size &&
			    !map_value(w->fields[i].type, r->fields[i].type, off, hint, &x, depth + 1)) {
				*out = x;
				return 0;
			}
		return -1;
	default: return -1; /* inside a scalar: bytes of another order or size */
	}
}

struct pwalk {
	struct ad *a;
	uint32_t bi;
	uint64_t k;
	uint64_t base; /* of the element walked, this layout */
	uint32_t image;
};

static int pointer_error(struct pwalk *w, uint64_t off, uint32_t target, uint64_t toff, const char *why)
{
	const struct mpp_dstate *st = w->a->st;
	const struct mpp_dblock *b = &st->blocks[w->bi], *t = &st->blocks[target];
	char at[500], to[500];

	describe(st, b, b->ti->t, off, at, sizeof at);
	if (t->cls == MPP_BC_EXTERN)
		snprintf(to, sizeof to, "'%s'", t->name);
	else
		describe(st, t, t->wti ? t->wti->t : t->ti->t, toff, to, sizeof to);
	return mpp_err_set(MPP_EFORMAT, "%s is a pointer to byte %" PRIu64 " of %s, %s", at, toff, to, why);
}

static int map_slot(void *ctx, uint64_t off, const struct mpp_slot *slot)
{
	struct pwalk *w = ctx;
	struct mpp_dstate *st = w->a->st;
	unsigned char *e;
	const struct mpp_dblock *t;
	const struct mpp_lit *lit;
	uint32_t target;
	uint64_t toff, x, ws;

	if (slot->kind == MPP_SLOT_UNION)
		return 0;
	e = st->ptrs_own + w->k * MPP_FMT_PTR_LEN;
	mpp_decode_ptr(st, w->k++, &target, &toff);
	if (slot->kind != MPP_SLOT_DATA || target == MPP_FMT_NONE)
		return 0;
	t = &st->blocks[target];
	if (t->cls == MPP_BC_IMAGE) {
		if (!st->other_binary && !st->foreign)
			return 0;
		if (!(lit = mpp_decode_lit(st, toff))) /* decode.c refused these */
			return mpp_err_set(MPP_EINTERNAL, "image pointer without a literal");
		mpp_put_u32(e, st->nblocks_file + (uint32_t)(lit - st->lits));
		mpp_put_u64(e + 8, toff - lit->off);
		return 0;
	}
	if (!st->foreign)
		return 0;
	if (t->cls == MPP_BC_EXTERN) {
		if (toff)
			return pointer_error(w, off, target, toff, "inside a C library object of another layout");
		return 0;
	}
	if (!t->wti) {
		if (toff)
			return pointer_error(w, off, target, toff,
			                     "whose layout the state does not describe (format version 1)");
		return 0;
	}
	ws = t->wti->t->size;
	if (!ws || toff == t->count * ws) {
		x = toff ? t->count * t->ti->t->size : 0;
	} else if (map_value(t->wti->t, t->ti->t, toff % ws, slot->type ? slot->type->elem : NULL, &x, 1)) {
		return pointer_error(
		    w, off, target, toff,
		    "which lies inside a value laid out differently on this architecture (a scalar's bytes, "
		    "or padding)");
	} else {
		x += toff / ws * t->ti->t->size;
	}
	mpp_put_u64(e + 8, x);
	return 0;
}

static int add_literals(struct ad *a)
{
	struct mpp_dstate *st = a->st;
	const struct mpp_tinfo *chr;
	struct mpp_dblock *v;
	uint32_t i, found = 0;
	int rc;

	if (!st->nlits)
		return 0;
	if ((rc = add_rti(st, &mpp_t_char, &chr)))
		return rc;
	if (!(v = realloc(st->blocks, ((size_t)st->nblocks + st->nlits) * sizeof *v)))
		return nomem();
	st->blocks = v;
	for (i = 0; i < st->nlits; i++) {
		struct mpp_dblock *b = &st->blocks[st->nblocks + i];
		memset(b, 0, sizeof *b);
		b->frame = MPP_FMT_NONE;
		b->count = b->size = st->lits[i].len;
		b->ptr_first = st->nptrs;
		if ((b->addr = mpp_image_find(st->lits[i].bytes, (size_t)st->lits[i].len))) {
			b->cls = MPP_BC_LITERAL;
			b->placed = 1;
			found++;
		} else { /* not in this image (folded away): a heap copy */
			b->cls = MPP_BC_HEAP;
			b->data = st->lits[i].bytes;
			b->ti = b->wti = chr;
		}
	}
	st->nblocks += st->nlits;
	mpp_debug("%u string literals, %u found in this image", st->nlits, found);
	return 0;
}

static int map_pointers(struct ad *a)
{
	struct mpp_dstate *st = a->st;
	struct pwalk w;
	uint32_t i;
	uint64_t e;
	int rc;

	if (!st->nptrs)
		return 0;
	if (!(st->ptrs_own = malloc((size_t)st->nptrs * MPP_FMT_PTR_LEN)))
		return nomem();
	memcpy(st->ptrs_own, st->ptrs, (size_t)st->nptrs * MPP_FMT_PTR_LEN);
	for (i = 0; i < st->nblocks_file; i++) {
		const struct mpp_dblock *b = &st->blocks[i];
		if (!b->data || !b->ti->nptrs)
			continue;
		w.a = a;
		w.bi = i;
		w.k = b->ptr_first;
		for (e = 0; e < b->count; e++) {
			w.base = e * b->ti->t->size;
			if ((rc = mpp_types_walk(b->ti, w.base, map_slot, &w)))
				return rc;
		}
	}
	st->ptrs = st->ptrs_own;
	return 0;
}

int mpp_adapt(struct mpp_dstate *st)
{
	struct ad a;
	int rc = 0;

	memset(&a, 0, sizeof a);
	a.st = st;
	st->nblocks_file = st->nblocks;
	if (st->foreign) {
		mpp_types_init(&st->rset);
		a.rt = calloc(st->nblocks ? st->nblocks : 1, sizeof *a.rt);
		a.queue = calloc(st->nblocks ? st->nblocks : 1, sizeof *a.queue);
		a.via = malloc((st->nblocks ? st->nblocks : 1) * sizeof *a.via);
		if (!a.rt || !a.queue || !a.via || !(st->cv = mpp_conv_new(&st->warch))) {
			rc = nomem();
			goto out;
		}
		memset(a.via, 0xff, st->nblocks * sizeof *a.via);
		current = &a;
		if ((rc = find_types(&a)) || (rc = check_data(&a)) || (rc = convert_streams(&a)))
			goto out;
	}
	if ((st->foreign || (st->other_binary && st->nimage)) && (rc = map_pointers(&a)))
		goto out;
	if ((st->foreign || st->other_binary) && st->nimage)
		rc = add_literals(&a);
out:
	current = NULL;
	free(a.rt);
	free(a.queue);
	free(a.via);
	free(a.names);
	return rc;
}

int mpp_decode_load(const struct mpp_dblock *b, void *dst)
{
	struct mpp_conv_fail f;

	if (!b->plan) {
		memcpy(dst, b->data, (size_t)b->size);
		return 0;
	}
	if (mpp_conv_run(b->plan, b->data, dst, b->count, &f))
		return mpp_err_set(MPP_EINTERNAL, "a value checked before the restore does not fit any more");
	return 0;
}
