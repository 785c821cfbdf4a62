/* mpp_errhold.h: hold what a stretch of code writes on stderr (file
 * descriptor 2), then pass it on without the lines a filter drops. The PVM
 * layer holds libpvm3's complaints about a direct route to a destination
 * that ended meanwhile, which the layer handles itself: a spawned task's
 * stderr is the program's own output, caught by its parent. */
#ifndef MPP_ERRHOLD_H
#define MPP_ERRHOLD_H

#include <stddef.h>

struct mpp_errhold {
	int fd;    /* the memory file that stands in for stderr, or -1 */
	int saved; /* the real stderr, or -1 */
};

/* Makes stderr a memory file until mpp_errhold_end. When none can be
 * made, nothing is held (h->fd is -1) and output goes straight on. */
void mpp_errhold_begin(struct mpp_errhold *h);

/* Gives back the real stderr and writes on it what was held, line by line
 * in order, except the lines for which drop(line, len) is nonzero (len
 * counts the newline, when there is one). Each dropped line is logged at
 * debug level. Returns the number of lines dropped. */
int mpp_errhold_end(struct mpp_errhold *h, int (*drop)(const char *line, size_t len));

/* Ends the hold in force, if any, passing on all it held: for a process
 * that exits in the middle (mpp_ctl_exit; an exit() elsewhere, e.g.
 * libpvm3's with PvmAutoErr 2, through atexit), so that its last words
 * are not lost. Only one hold is in force at a time: a begin while
 * another holds holds nothing. */
void mpp_errhold_abandon(void);

/* libpvm3's complaints about a direct route whose other end ended: a
 * refused connection after the route was granted, or a write into the
 * closed socket ("libpvm [tTID] pvm_tc_conack() connect: ...",
 * "libpvm [tTID] mxfer() write tt sock: ..."). */
int mpp_errhold_route_noise(const char *line, size_t len);

#endif
