/* sigtime.c: responsiveness probe. Starts a program, lets it run for a
 * while, sends it SIGUSR2 and measures the time until it has exited.
 *
 * Usage: sigtime [-o FILE] DELAY_MS PROGRAM [ARGS...]
 *
 * Prints one line: "MS STATUS", the milliseconds from kill() to the return
 * of waitpid() and the exit status (128 + N when killed by signal N). When
 * the program is already gone before the signal would be sent, MS is "-"
 * (nothing was measured). The program's stdout goes to FILE (-o), else to
 * /dev/null; its stderr is left as it is. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null";
	if (argc > 2 && strcmp(argv[1], "-o") == 0) {
		out = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: sigtime [-o FILE] DELAY_MS PROGRAM [ARGS...]\n");
		return 2;
	}
	char *end;
	double delay = strtod(argv[1], &end);
	if (*end || delay < 0) {
		fprintf(stderr, "sigtime: bad delay '%s'\n", argv[1]);
		return 2;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "sigtime: cannot open %s: %s\n", out, strerror(errno));
		return 2;
	}
	fflush(stdout);

	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sigtime: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		close(fd);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "sigtime: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}

	struct timespec d = {(time_t)(delay / 1000), (long)((delay - (time_t)(delay / 1000) * 1000) * 1e6)};
	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;

	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == pid) {
		printf("- %d\n", status_code(st));
		return 0;
	}
	double t0 = now_ms();
	if (kill(pid, SIGUSR2) != 0) {
		fprintf(stderr, "sigtime: kill: %s\n", strerror(errno));
		return 2;
	}
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	double t1 = now_ms();
	if (r != pid) {
		fprintf(stderr, "sigtime: waitpid: %s\n", strerror(errno));
		return 2;
	}
	printf("%.3f %d\n", t1 - t0, status_code(st));
	return 0;
}
