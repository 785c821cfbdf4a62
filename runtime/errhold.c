/* errhold.c: stderr held in a memory file while libpvm3 may complain
 * about a route the PVM layer knows to be gone, then passed on filtered.
 * The process is single-threaded where this is used, so nothing else
 * writes on descriptor 2 meanwhile. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mpp_errhold.h"
#include "mpp_log.h"

/* the hold in force, which an exit in the middle gives back whole */
static struct mpp_errhold *active;

void mpp_errhold_begin(struct mpp_errhold *h)
{
	static int registered;
	h->fd = h->saved = -1;
	if (active)
		return; /* one at a time: this one holds nothing */
	if (!registered && atexit(mpp_errhold_abandon) == 0)
		registered = 1;
	if (!registered)
		return;
	fflush(stderr);
	int fd = memfd_create("mpp-stderr", MFD_CLOEXEC);
	if (fd < 0)
		return;
	int saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (saved < 0) {
		close(fd);
		return;
	}
	if (dup2(fd, 2) < 0) {
		close(saved);
		close(fd);
		return;
	}
	h->fd = fd;
	h->saved = saved;
	active = h;
}

/* the held text, or NULL when there is none (or it cannot be read) */
static char *held_text(int fd)
{
	off_t len = lseek(fd, 0, SEEK_CUR);
	if (len <= 0)
		return NULL;
	char *text = malloc((size_t)len + 1);
	if (!text)
		return NULL;
	if (pread(fd, text, (size_t)len, 0) != len) {
		free(text);
		return NULL;
	}
	text[len] = 0;
	return text;
}

int mpp_errhold_end(struct mpp_errhold *h, int (*drop)(const char *line, size_t len))
{
	if (h->fd < 0)
		return 0;
	if (active == h)
		active = NULL;
	fflush(stderr);
	dup2(h->saved, 2);
	close(h->saved);
	char *text = held_text(h->fd);
	close(h->fd);
	h->fd = h->saved = -1;
	int dropped = 0;
	for (char *line = text, *end; line && *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		size_t len = (size_t)(end - line);
		if (drop && drop(line, len)) {
			dropped++;
			mpp_debug("kept out of the output: %.*s", (int)(len - (end[-1] == '\n')), line);
		} else if (write(2, line, len) != (ssize_t)len) {
			break;
		}
	}
	free(text);
	return dropped;
}

void mpp_errhold_abandon(void)
{
	if (active)
		mpp_errhold_end(active, NULL);
}

int mpp_errhold_route_noise(const char *line, size_t len)
{
	static const char conack[] = "] pvm_tc_conack() connect: ", write_tt[] = "] mxfer() write tt sock: ";
	return len > 8 && memcmp(line, "libpvm [", 8) == 0 &&
	       (memmem(line, len, conack, sizeof conack - 1) || memmem(line, len, write_tt, sizeof write_tt - 1));
}
