/* rewrite.h: making one function resumable (see rewrite.c). */
#ifndef MPPCC_REWRITE_H
#define MPPCC_REWRITE_H

#include "edit.h"
#include "front.h"
#include "types.h"

/* Registers the edits for f and appends its site tables to tables.
 * Functions that cannot reach a point only get their protected calls. */
int rewrite_function(struct unit *u, struct func *f, struct edits *ed, struct typegen *tg, struct sbuf *tables);

#endif
