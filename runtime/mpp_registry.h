/* mpp_registry.h: the translated units of the program (registered from
 * constructors before main), their globals and functions, looked up by name
 * (for restoring) and by address (for saving function pointers), and the
 * program fingerprint that ties a state to the program that wrote it. */
#ifndef MPP_REGISTRY_H
#define MPP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "mpp.h"

/* Builds the lookup tables; fails on a unit of another ABI version or
 * when out of memory. Run once at start (again after more units
 * register). A name given to two different objects is looked up as the
 * first one: the encoder refuses to save the other. */
int mpp_registry_check(void);

/* Combination of every unit's fingerprint, independent of the order in
 * which the constructors ran. */
uint64_t mpp_registry_fingerprint(void);

/* Globals in registration order. flags are the effective MPP_G_* flags:
 * a global that lies in read-only memory counts as MPP_G_CONST. */
size_t mpp_registry_nglobals(void);
const struct mpp_global *mpp_registry_global(size_t i, unsigned *flags);
const struct mpp_global *mpp_registry_find_global(const char *name, unsigned *flags);

const struct mpp_func *mpp_registry_find_func(const char *name);
/* Functions in registration order (each name once). */
size_t mpp_registry_nfuncs(void);
const struct mpp_func *mpp_registry_func(size_t i);
const struct mpp_func *mpp_registry_func_at(void (*addr)(void));

/* Run the mpp_on_restore hooks (after each completed restore). */
void mpp_registry_run_hooks(void);

/* Forget every unit and hook (tests). */
void mpp_registry_reset(void);

#endif
