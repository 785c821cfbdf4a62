/* mpp_restore.h: applying a decoded state. Globals and heap blocks are
 * rebuilt at once; frames are rebuilt one by one as the program re-enters
 * its functions (__mpp_resume_site, __mpp_restore_frame), outermost first.
 * A pointer whose target frame is not re-entered yet waits in a fixup list
 * until that frame is restored; the last frame ends the restore. */
#ifndef MPP_RESTORE_H
#define MPP_RESTORE_H

#include "mpp_decode.h"

/* Take over *st (it is freed when the restore ends), rebuild globals and
 * heap, and set __mpp_restoring. label names the state in messages, e.g.
 * "cannot restore 'FILE'". Returns 0 or a negative mpp_err. */
int mpp_restore_begin(struct mpp_dstate *st, const char *label);
/* Decode the state bytes buf (malloc'ed, owned from now on) and begin
 * restoring them; on any error, exit with its status and a message
 * starting with what (runtime/main.c). */
void mpp_restore_bytes(unsigned char *buf, size_t len, const char *what);

/* Whether a restore is in progress (frames still to re-enter). */
int mpp_restore_active(void);

/* Drop the program's rebuildable state before rebuilding it in the same
 * process: free the heap blocks, zero the saved globals. */
void mpp_restore_drop(void);

/* Abandon a restore in progress (tests). */
void mpp_restore_abort(void);

#endif
