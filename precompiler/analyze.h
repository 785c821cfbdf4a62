/* analyze.h: poll points, reachability and checks (see analyze.c). */
#ifndef MPPCC_ANALYZE_H
#define MPPCC_ANALYZE_H

#include "front.h"

/* Attaches pragmas, places automatic points, computes which functions and
 * calls reach a point, rejects what cannot be migrated. 0 or -1. */
int analyze(struct unit *u);

#endif
