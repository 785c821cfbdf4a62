/* types.h: generation of type tables (struct mpp_type) for saved data. */
#ifndef MPPCC_TYPES_H
#define MPPCC_TYPES_H

#include "edit.h"
#include "front.h"

struct typegen;

struct typegen *types_new(void);
void types_free(struct typegen *tg);
/* C expression for a pointer to t's descriptor, or NULL with *why set
 * (caller frees) when t cannot be saved. spell_hint: a file-scope spelling
 * of t when clang's own is not usable (may be NULL). */
const char *types_ref(struct typegen *tg, CXType t, const char *spell_hint, char **why);
/* Same for a parameter: arrays are adjusted to pointers. */
const char *types_ref_param(struct typegen *tg, CXType t, char **why);
/* Forward declarations (before the code that refers to them), then the
 * definitions (at the end, where every type is complete). */
void types_emit_decls(struct typegen *tg, struct sbuf *out);
void types_emit_defs(struct typegen *tg, struct sbuf *out);

#endif
