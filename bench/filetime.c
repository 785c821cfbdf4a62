/* filetime.c: runs a program and notes when a file appears in a directory
 * (created, or renamed into place as mpp writes its checkpoints) and when
 * the program exits.
 *
 * Usage: filetime DIR NAME PROGRAM [ARGS...]
 *
 * Prints one line: "APPEAR_US EXIT_US STATUS", CLOCK_REALTIME times in
 * microseconds of the moment DIR/NAME appeared ("-" if it did not) and of
 * the return of waitpid(), and the exit status (128 + N when killed by
 * signal N). The watch is set up before the program starts, so no event is
 * missed. The program's stdout and stderr are left as they are. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long long appear = -1, end;
	int fd, st, status;
	pid_t pid, w;
	if (argc < 4) {
		fprintf(stderr, "usage: filetime DIR NAME PROGRAM [ARGS...]\n");
		return 2;
	}
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, argv[1], IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		fprintf(stderr, "filetime: cannot watch %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("filetime: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "filetime: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("filetime: waitpid");
			return 2;
		}
		/* short timeouts: the exit of the child is found by polling */
		if (poll(&p, 1, appear < 0 ? 1 : 0) > 0) {
			char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
			ssize_t n = read(fd, buf, sizeof buf);
			long long t = now_us();
			for (char *q = buf; n > 0 && q < buf + n;) {
				struct inotify_event *e = (struct inotify_event *)q;
				if (appear < 0 && e->len && strcmp(e->name, argv[2]) == 0)
					appear = t;
				q += sizeof *e + e->len;
			}
		} else if (appear >= 0) {
			w = waitpid(pid, &st, 0);
			if (w == pid)
				break;
		}
	}
	end = now_us();
	status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	if (appear < 0)
		printf("- %lld %d\n", end, status);
	else
		printf("%lld %lld %d\n", appear, end, status);
	return 0;
}
