/* restore.c: rebuilding a decoded state. Heap blocks and globals first;
 * each frame when its function is re-entered, outermost first. Pointers to
 * variables of frames not re-entered yet wait in per-frame fixup lists. A
 * mismatch between the state and the re-entered program is fatal: the
 * program cannot go on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPP_LOG_PREFIX "restore"
#include "mpp_ctl.h"
#include "mpp_env.h"
#include "mpp_err.h"
#include "mpp_format.h"
#include "mpp_heap.h"
#include "mpp_image.h"
#include "mpp_log.h"
#include "mpp_poll.h"
#include "mpp_registry.h"
#include "mpp_restore.h"
#include "mpp_stream.h"

struct fixup {
	uintptr_t slot;
	uint64_t off;
	uint32_t target;
	uint32_t next; /* index + 1 of the next fixup of the same frame */
};

static struct {
	int active;
	struct mpp_dstate st;
	char label[600];
	uint32_t cursor; /* next frame to re-enter */
	struct fixup *fx;
	size_t nfx, fxcap, pending;
	uint32_t *heads; /* per frame: first fixup index + 1 */
} rs;

static void clear(void)
{
	mpp_decode_free(&rs.st);
	free(rs.fx);
	free(rs.heads);
	memset(&rs, 0, sizeof rs);
	__mpp_restoring = 0;
}

void mpp_restore_abort(void)
{
	clear();
}

int mpp_restore_active(void)
{
	return rs.active;
}

_Noreturn static void die(int code)
{
	char what[700];

	snprintf(what, sizeof what, "%s", rs.label);
	clear();
	mpp_ctl_fatal(code, what);
}

void mpp_restore_drop(void)
{
	size_t i, n = mpp_registry_nglobals();
	unsigned flags;

	mpp_heap_drop();
	mpp_stream_drop();
	for (i = 0; i < n; i++) {
		const struct mpp_global *g = mpp_registry_global(i, &flags);
		if (!(flags & (MPP_G_CONST | MPP_G_NOSAVE)))
			memset(g->addr, 0, g->type->size);
	}
}

/* ---- Pointers -------------------------------------------------------------- */

static int add_fixup(uintptr_t slot, uint32_t target, uint64_t off)
{
	uint32_t frame = rs.st.blocks[target].frame;
	struct fixup *f;

	if (rs.nfx == rs.fxcap) {
		size_t cap = rs.fxcap ? rs.fxcap * 2 : 64;
		struct fixup *v = realloc(rs.fx, cap * sizeof *v);
		if (!v)
			return mpp_err_set(MPP_ENOMEM, "out of memory for pointer fixups");
		rs.fx = v;
		rs.fxcap = cap;
	}
	f = &rs.fx[rs.nfx];
	f->slot = slot;
	f->off = off;
	f->target = target;
	f->next = rs.heads[frame];
	rs.heads[frame] = (uint32_t)++rs.nfx;
	rs.pending++;
	return 0;
}

static void put(uintptr_t slot, uintptr_t v)
{
	memcpy((void *)slot, &v, sizeof v);
}

struct rwalk {
	uint64_t k;
	unsigned char *base;
};

static int on_slot(void *ctx, uint64_t off, const struct mpp_slot *slot)
{
	struct rwalk *w = ctx;
	uintptr_t at = (uintptr_t)(w->base + off);
	const struct mpp_dblock *t;
	uint32_t target;
	uint64_t toff;

	if (slot->kind == MPP_SLOT_UNION)
		return 0;
	mpp_decode_ptr(&rs.st, w->k++, &target, &toff);
	if (target == MPP_FMT_NONE) {
		put(at, toff == MPP_FMT_DANGLING ? (uintptr_t)mpp_heap_dangling() : 0);
	} else if (slot->kind == MPP_SLOT_FN) {
		if (target == MPP_FMT_FN_IMAGE) {
			put(at, mpp_image_at(toff));
		} else {
			void (*f)(void) = rs.st.funcs[target]->addr;
			if (!f) /* a static function mppcc saw only called, never used as a value */
				return mpp_err_set(MPP_EFORMAT,
				                   "the state holds a pointer to function '%s', which this program "
				                   "never uses as a pointer",
				                   rs.st.funcs[target]->name);
			memcpy((void *)at, &f, sizeof f);
		}
	} else {
		t = &rs.st.blocks[target];
		if (t->cls == MPP_BC_IMAGE)
			put(at, mpp_image_at(toff));
		else if (t->placed)
			put(at, t->addr + (uintptr_t)toff);
		else
			return add_fixup(at, target, toff);
	}
	return 0;
}

static int resolve_block(const struct mpp_dblock *b)
{
	struct rwalk w;
	uint64_t e;
	int rc;

	if (!b->data || !b->ti->nptrs)
		return 0;
	w.k = b->ptr_first;
	w.base = (unsigned char *)b->addr;
	for (e = 0; e < b->count; e++)
		if ((rc = mpp_types_walk(b->ti, e * b->ti->t->size, on_slot, &w)))
			return rc;
	return 0;
}

/* ---- Globals and heap -------------------------------------------------------- */

int mpp_restore_begin(struct mpp_dstate *st, const char *label)
{
	uint32_t i;
	int rc;

	clear();
	rs.st = *st;
	memset(st, 0, sizeof *st);
	snprintf(rs.label, sizeof rs.label, "%s", label);
	rs.heads = calloc(rs.st.nframes, sizeof *rs.heads);
	if (!rs.heads) {
		rc = mpp_err_set(MPP_ENOMEM, "out of memory for pointer fixups");
		goto fail;
	}
	/* files first: one that cannot be opened again stops the restore
	 * before anything of the program is overwritten */
	for (i = 0; i < rs.st.nblocks; i++) {
		struct mpp_dblock *b = &rs.st.blocks[i];
		if (b->cls != MPP_BC_STREAM)
			continue;
		if ((rc = mpp_stream_reopen(b->name, b->data, &b->addr)))
			goto fail;
		b->placed = 1;
	}
	for (i = 0; i < rs.st.nblocks; i++) {
		struct mpp_dblock *b = &rs.st.blocks[i];
		if (b->cls == MPP_BC_HEAP) {
			const struct mpp_type *t = mpp_types_intern(b->ti->t);
			void *p = t ? mpp_heap_alloc_aligned(t, (size_t)b->count,
			                                     b->align_log2 ? (size_t)1 << b->align_log2 : 0)
			            : NULL;
			if (!p) {
				rc = mpp_err_set(MPP_ENOMEM, "out of memory for heap block %u (%llu bytes)", i,
				                 (unsigned long long)b->size);
				goto fail;
			}
			b->addr = (uintptr_t)p;
			b->placed = 1;
			mpp_heap_prefault(p, (size_t)b->size);
			if ((rc = mpp_decode_load(b, p)))
				goto fail;
		} else if (b->cls == MPP_BC_GLOBAL && b->data) {
			if ((rc = mpp_decode_load(b, (void *)b->addr)))
				goto fail;
		}
	}
	for (i = 0; i < rs.st.nblocks; i++)
		if (rs.st.blocks[i].cls != MPP_BC_FRAME && (rc = resolve_block(&rs.st.blocks[i])))
			goto fail;
	rs.active = 1;
	rs.cursor = 0;
	mpp_poll_set_count(rs.st.polls);
	__mpp_restoring = 1;
	mpp_debug("restoring %u frames, %u blocks, %llu pointers", rs.st.nframes, rs.st.nblocks,
	          (unsigned long long)rs.st.nptrs);
	mpp_env_restored(); /* environ is the rebuilt array now */
	return 0;
fail:
	mpp_stream_drop(); /* those reopened so far */
	clear();
	return rc;
}

/* ---- Frames -------------------------------------------------------------------- */

unsigned __mpp_resume_site(const struct mpp_func *fn)
{
	const struct mpp_dframe *f;

	if (!rs.active) {
		mpp_err_set(MPP_EINTERNAL, "'%s' was re-entered for a restore, but no restore is in progress",
		            fn->name);
		mpp_ctl_fatal(MPP_EINTERNAL, NULL);
	}
	if (rs.cursor >= rs.st.nframes) {
		mpp_err_set(MPP_ERESUME, "the program re-entered '%s' below the innermost saved frame", fn->name);
		die(MPP_ERESUME);
	}
	f = &rs.st.frames[rs.cursor];
	if (f->fn != fn) {
		mpp_err_set(MPP_ERESUME,
		            "saved frame %u is in '%s' (site %u, line %u), but the program re-entered '%s' "
		            "(not the same program path)",
		            rs.cursor, f->fn->name, f->site, f->fn->sites[f->site - 1].line, fn->name);
		die(MPP_ERESUME);
	}
	return f->site;
}

static void finish(void)
{
	if (rs.pending) {
		mpp_err_set(MPP_EINTERNAL, "%zu pointers still unresolved at the end of the restore", rs.pending);
		die(MPP_EINTERNAL);
	}
	mpp_debug("restore complete at poll %llu", (unsigned long long)rs.st.polls);
	clear();
	mpp_ctl.restores++;
	mpp_registry_run_hooks();
}

void __mpp_restore_frame(const struct mpp_func *fn, unsigned site, void *const *vars)
{
	const struct mpp_dframe *f;
	uint32_t j, x;
	int rc;

	if (!rs.active || rs.cursor >= rs.st.nframes) {
		mpp_err_set(MPP_EINTERNAL, "frame of '%s' restored with no saved frame left", fn->name);
		mpp_ctl_fatal(MPP_EINTERNAL, NULL);
	}
	f = &rs.st.frames[rs.cursor];
	if (f->fn != fn || f->site != site) {
		mpp_err_set(MPP_ERESUME, "saved frame %u is '%s' at site %u, but '%s' resumed at site %u", rs.cursor,
		            f->fn->name, f->site, fn->name, site);
		die(MPP_ERESUME);
	}
	if (f->nvars && !vars) {
		mpp_err_set(MPP_EINTERNAL, "site %u of '%s' restores no variables", site, fn->name);
		die(MPP_EINTERNAL);
	}
	for (j = 0; j < f->nvars; j++) {
		struct mpp_dblock *b = &rs.st.blocks[f->first + j];
		if ((rc = mpp_decode_load(b, vars[j])))
			die(rc);
		b->addr = (uintptr_t)vars[j];
		b->placed = 1;
	}
	for (j = 0; j < f->nvars; j++)
		if ((rc = resolve_block(&rs.st.blocks[f->first + j])))
			die(rc);
	for (x = rs.heads[rs.cursor]; x; x = rs.fx[x - 1].next) {
		const struct fixup *p = &rs.fx[x - 1];
		put(p->slot, rs.st.blocks[p->target].addr + (uintptr_t)p->off);
		rs.pending--;
	}
	rs.heads[rs.cursor] = 0;
	if (++rs.cursor == rs.st.nframes)
		finish();
}
