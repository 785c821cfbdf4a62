/* libcalls.h: C library calls that mppcc routes through libmpp (see
 * libcalls.c): allocations, so that blocks are tracked with their types,
 * and stdio streams, so that open files are reopened on restore. */
#ifndef MPPCC_LIBCALLS_H
#define MPPCC_LIBCALLS_H

#include "edit.h"
#include "front.h"
#include "types.h"

struct libcalls;

struct libcalls *libcalls_new(void);
void libcalls_free(struct libcalls *lc);
/* Rewrite the library calls of f's body (before the rewriter runs). */
void libcalls_function(struct libcalls *lc, struct unit *u, struct func *f, struct edits *ed, struct typegen *tg);
/* Library functions used as values in the initialisers of the file's
 * globals; then declares every wrapper made (call after the functions). */
void libcalls_globals(struct libcalls *lc, struct unit *u, struct edits *ed);
/* Wrappers of library functions used as values: how many, their entries in
 * the unit's function table, their definitions. */
int libcalls_nfuncs(const struct libcalls *lc);
void libcalls_emit_funcs(const struct libcalls *lc, const struct unit *u, struct sbuf *out);
void libcalls_emit_wrappers(const struct libcalls *lc, struct sbuf *out);
/* Declarations for the top of the translated file, definitions for its end. */
void libcalls_emit_decls(struct libcalls *lc, struct sbuf *out);
void libcalls_emit_defs(struct libcalls *lc, struct unit *u, struct sbuf *out);

#endif
