/* registry.c: units registered by translated code (from constructors, so
 * errors wait for mpp_registry_check), and the tables built from them:
 * globals and functions by name, functions by address, effective global
 * flags. A name given to two objects is tolerated until a capture needs one
 * of them: the lookup finds the other, which the encoder reports. */
#include <stdlib.h>
#include <string.h>

#define MPP_LOG_PREFIX "registry"
#include "mpp_err.h"
#include "mpp_hash.h"
#include "mpp_image.h"
#include "mpp_log.h"
#include "mpp_registry.h"

struct rglobal {
	const struct mpp_global *g;
	const struct mpp_unit *u;
	unsigned flags;
};

struct rfunc {
	const struct mpp_func *f;
	const struct mpp_unit *u;
};

static struct {
	const struct mpp_unit **units;
	size_t nunits, cap;
	int oom;
	const struct mpp_unit *bad_abi;
	void (**hooks)(void);
	size_t nhooks, hcap;
	/* tables, rebuilt when dirty */
	int dirty;
	struct rglobal *globals;
	size_t nglobals;
	struct rfunc *funcs;
	size_t nfuncs;
	size_t *gtab, *ftab; /* name hash tables: index + 1, 0 = empty */
	size_t gcap, fcap;
	struct rfunc *byaddr;
} reg;

void mpp_register_unit(const struct mpp_unit *u)
{
	if (u->abi_version != MPP_ABI_VERSION) {
		if (!reg.bad_abi)
			reg.bad_abi = u;
		return;
	}
	if (reg.nunits == reg.cap) {
		size_t cap = reg.cap ? reg.cap * 2 : 16;
		const struct mpp_unit **v = realloc(reg.units, cap * sizeof *v);
		if (!v) {
			reg.oom = 1;
			return;
		}
		reg.units = v;
		reg.cap = cap;
	}
	reg.units[reg.nunits++] = u;
	reg.dirty = 1;
}

void mpp_on_restore(void (*fn)(void))
{
	if (reg.nhooks == reg.hcap) {
		size_t cap = reg.hcap ? reg.hcap * 2 : 8;
		void (**v)(void) = realloc(reg.hooks, cap * sizeof *v);
		if (!v) {
			reg.oom = 1;
			return;
		}
		reg.hooks = v;
		reg.hcap = cap;
	}
	reg.hooks[reg.nhooks++] = fn;
}

void mpp_registry_run_hooks(void)
{
	size_t i;

	/* a hook may itself pass poll points: it must not capture while the
	 * restore is being finished */
	__mpp_nocap++;
	for (i = 0; i < reg.nhooks; i++)
		reg.hooks[i]();
	__mpp_nocap--;
}

static void free_tables(void)
{
	free(reg.globals);
	free(reg.funcs);
	free(reg.gtab);
	free(reg.ftab);
	free(reg.byaddr);
	reg.globals = NULL;
	reg.funcs = NULL;
	reg.gtab = reg.ftab = NULL;
	reg.byaddr = NULL;
	reg.nglobals = reg.nfuncs = reg.gcap = reg.fcap = 0;
}

void mpp_registry_reset(void)
{
	free_tables();
	free(reg.units);
	free(reg.hooks);
	memset(&reg, 0, sizeof reg);
}

static size_t table_cap(size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 1)
		cap *= 2;
	return cap;
}

/* Insert name -> i; returns the index already holding that name, or -1. */
static long table_put(size_t *tab, size_t cap, const char *name, size_t i, const char *(*name_of)(size_t))
{
	size_t h = (size_t)mpp_hash_str(name) & (cap - 1);

	for (; tab[h]; h = (h + 1) & (cap - 1))
		if (!strcmp(name_of(tab[h] - 1), name))
			return (long)(tab[h] - 1);
	tab[h] = i + 1;
	return -1;
}

static long table_get(const size_t *tab, size_t cap, const char *name, const char *(*name_of)(size_t))
{
	size_t h;

	if (!cap)
		return -1;
	for (h = (size_t)mpp_hash_str(name) & (cap - 1); tab[h]; h = (h + 1) & (cap - 1))
		if (!strcmp(name_of(tab[h] - 1), name))
			return (long)(tab[h] - 1);
	return -1;
}

static const char *gname(size_t i)
{
	return reg.globals[i].g->name;
}

static const char *fname(size_t i)
{
	return reg.funcs[i].f->name;
}

static int by_addr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct rfunc *)a)->f->addr;
	uintptr_t y = (uintptr_t)((const struct rfunc *)b)->f->addr;

	return x < y ? -1 : x > y;
}

static int build(void)
{
	size_t i, k, ng = 0, nf = 0;
	long dup;

	free_tables();
	for (i = 0; i < reg.nunits; i++) {
		ng += reg.units[i]->nglobals;
		nf += reg.units[i]->nfuncs;
	}
	reg.globals = calloc(ng + 1, sizeof *reg.globals);
	reg.funcs = calloc(nf + 1, sizeof *reg.funcs);
	reg.byaddr = calloc(nf + 1, sizeof *reg.byaddr);
	reg.gcap = table_cap(ng);
	reg.fcap = table_cap(nf);
	reg.gtab = calloc(reg.gcap, sizeof *reg.gtab);
	reg.ftab = calloc(reg.fcap, sizeof *reg.ftab);
	if (!reg.globals || !reg.funcs || !reg.byaddr || !reg.gtab || !reg.ftab) {
		free_tables();
		return mpp_err_set(MPP_ENOMEM, "out of memory for the unit tables");
	}
	for (i = 0; i < reg.nunits; i++) {
		const struct mpp_unit *u = reg.units[i];
		for (k = 0; k < u->nglobals; k++) {
			struct rglobal *r = &reg.globals[reg.nglobals];
			r->g = &u->globals[k];
			r->u = u;
			r->flags = r->g->flags;
			if (!r->g->name || !r->g->type)
				goto bad_entry;
			if (!(r->flags & MPP_G_CONST) && mpp_image_readonly(r->g->addr, r->g->type->size)) {
				mpp_debug("global '%s' is in read-only memory: not saved", r->g->name);
				r->flags |= MPP_G_CONST;
			}
			dup = table_put(reg.gtab, reg.gcap, r->g->name, reg.nglobals, gname);
			if (dup >= 0 && reg.globals[dup].g->addr == r->g->addr)
				continue; /* the same object registered twice */
			if (dup >= 0)
				mpp_warn("two globals named '%s' (in '%s' and '%s'): they cannot be saved", r->g->name,
				         reg.globals[dup].u->file, u->file);
			reg.nglobals++;
		}
		for (k = 0; k < u->nfuncs; k++) {
			struct rfunc *r = &reg.funcs[reg.nfuncs];
			r->f = &u->funcs[k];
			r->u = u;
			if (!r->f->name)
				goto bad_entry;
			dup = table_put(reg.ftab, reg.fcap, r->f->name, reg.nfuncs, fname);
			if (dup >= 0 && reg.funcs[dup].f->addr == r->f->addr)
				continue;
			if (dup >= 0)
				mpp_warn("two functions named '%s' (in '%s' and '%s'): their frames cannot be saved",
				         r->f->name, reg.funcs[dup].u->file, u->file);
			reg.byaddr[reg.nfuncs] = *r;
			reg.nfuncs++;
		}
	}
	qsort(reg.byaddr, reg.nfuncs, sizeof *reg.byaddr, by_addr);
	reg.dirty = 0;
	return 0;
bad_entry:
	mpp_err_set(MPP_EINTERNAL, "unit '%s' has a global or function without name or type",
	            reg.units[i]->file ? reg.units[i]->file : "?");
	free_tables();
	return MPP_EINTERNAL;
}

static int ensure(void)
{
	return reg.dirty || !reg.globals ? build() : 0;
}

int mpp_registry_check(void)
{
	if (reg.bad_abi)
		return mpp_err_set(
		    MPP_EINTERNAL,
		    "unit '%s' was translated for mpp ABI version %d, this runtime implements version %d: "
		    "rebuild it with this mppcc",
		    reg.bad_abi->file ? reg.bad_abi->file : "?", reg.bad_abi->abi_version, MPP_ABI_VERSION);
	if (reg.oom)
		return mpp_err_set(MPP_ENOMEM, "out of memory while registering units");
	return build();
}

uint64_t mpp_registry_fingerprint(void)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < reg.nunits; i++) {
		const struct mpp_unit *u = reg.units[i];
		sum += mpp_hash_mix(u->fingerprint ^ (u->file ? mpp_hash_str(u->file) : 0));
	}
	return mpp_hash_mix(sum ^ mpp_hash_mix((uint64_t)reg.nunits << 8 | MPP_ABI_VERSION));
}

size_t mpp_registry_nglobals(void)
{
	return ensure() ? 0 : reg.nglobals;
}

const struct mpp_global *mpp_registry_global(size_t i, unsigned *flags)
{
	if (ensure() || i >= reg.nglobals)
		return NULL;
	if (flags)
		*flags = reg.globals[i].flags;
	return reg.globals[i].g;
}

const struct mpp_global *mpp_registry_find_global(const char *name, unsigned *flags)
{
	long i;

	if (ensure() || (i = table_get(reg.gtab, reg.gcap, name, gname)) < 0)
		return NULL;
	if (flags)
		*flags = reg.globals[i].flags;
	return reg.globals[i].g;
}

size_t mpp_registry_nfuncs(void)
{
	return ensure() ? 0 : reg.nfuncs;
}

const struct mpp_func *mpp_registry_func(size_t i)
{
	return ensure() || i >= reg.nfuncs ? NULL : reg.funcs[i].f;
}

const struct mpp_func *mpp_registry_find_func(const char *name)
{
	long i;

	if (ensure() || (i = table_get(reg.ftab, reg.fcap, name, fname)) < 0)
		return NULL;
	return reg.funcs[i].f;
}

const struct mpp_func *mpp_registry_func_at(void (*addr)(void))
{
	size_t lo = 0, hi;

	if (ensure())
		return NULL;
	hi = reg.nfuncs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uintptr_t a = (uintptr_t)reg.byaddr[mid].f->addr;
		if (a == (uintptr_t)addr)
			return reg.byaddr[mid].f;
		if (a < (uintptr_t)addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
