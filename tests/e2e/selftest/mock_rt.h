/* mock_rt.h: a hand-written stand-in for a translated program and libmpp,
 * used only by selftest.sh to check the e2e harness itself. It follows the
 * runtime's environment contract (MPP_STRESS, MPP_STRESS_EXEC,
 * MPP_CHECKPOINT[_AT], MPP_RESTART, SIGUSR2, MPP_REPORT) for a program whose
 * whole state is one block of memory, saved and restored as bytes.
 * MOCK_BUG_NORESTORE and MOCK_BUG_NOCAPTURE make it wrong on purpose. */
#ifndef MOCK_RT_H
#define MOCK_RT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mock_hdr {
	uint32_t magic;
	uint32_t size;
	uint64_t polls;
	uint32_t sum;
	uint32_t pad;
};

static struct {
	void *state;
	size_t size;
	unsigned long polls, captures, restores, bytes;
	unsigned long stress, stress_exec, at;
	const char *ckpt, *report;
	int skip; /* the first poll after a restore is the interrupted one */
	char **argv;
} mock;
static volatile sig_atomic_t mock_vacate;

static uint32_t mock_sum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void mock_report(void)
{
	FILE *f;
	if (!mock.report || !(f = fopen(mock.report, "a")))
		return;
	fprintf(f, "pid=%ld polls=%lu captures=%lu restores=%lu bytes=%lu\n", (long)getpid(),
		mock.polls, mock.captures, mock.restores, mock.bytes);
	fclose(f);
}

static void mock_write(const char *path)
{
	char tmp[4096];
	struct mock_hdr h = {0x4d4f434b, (uint32_t)mock.size, mock.polls, 0, 0};
	FILE *f;
	h.sum = mock_sum(mock.state, mock.size);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "wb")) || fwrite(&h, sizeof h, 1, f) != 1 ||
	    fwrite(mock.state, mock.size, 1, f) != 1 || fclose(f) || rename(tmp, path)) {
		perror("mock: writing state");
		exit(70);
	}
	mock.captures++;
	mock.bytes += sizeof h + mock.size;
}

static void mock_read(const char *path)
{
	struct mock_hdr h;
	unsigned char buf[4096];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "mock: %s: cannot open state file\n", path);
		exit(1);
	}
	if (fread(&h, sizeof h, 1, f) != 1 || h.magic != 0x4d4f434b || h.size != mock.size ||
	    fread(buf, mock.size, 1, f) != 1 || mock_sum(buf, mock.size) != h.sum ||
	    fgetc(f) != EOF) {
		fprintf(stderr, "mock: %s: not a state file of this program\n", path);
		exit(1);
	}
	fclose(f);
#ifndef MOCK_BUG_NORESTORE
	memcpy(mock.state, buf, mock.size);
	mock.polls = h.polls;
	mock.skip = 1;
#endif
	mock.restores++;
}

static void mock_on_usr2(int sig)
{
	(void)sig;
	mock_vacate = 1;
}

static unsigned long mock_env(const char *name)
{
	const char *v = getenv(name);
	return v ? strtoul(v, NULL, 10) : 0;
}

/* Returns 1 when the state was restored (the program must not initialise it). */
static int mock_begin(void *state, size_t size, char **argv)
{
	const char *x;
	mock.state = state;
	mock.size = size;
	mock.argv = argv;
	mock.stress = mock_env("MPP_STRESS");
	mock.stress_exec = mock_env("MPP_STRESS_EXEC");
	mock.at = mock_env("MPP_CHECKPOINT_AT");
	mock.ckpt = getenv("MPP_CHECKPOINT");
	mock.report = getenv("MPP_REPORT");
	signal(SIGUSR2, mock_on_usr2);
	atexit(mock_report);
	if ((x = getenv("MOCK_EXEC_STATE"))) {
		mock_read(x);
		unlink(x);
		return 1;
	}
	if ((x = getenv("MPP_RESTART"))) {
		mock_read(x);
		return 1;
	}
	return 0;
}

static void mock_poll(void)
{
	static unsigned char copy[4096];
	char path[4096];
	if (mock.skip) {
		mock.skip = 0;
		return;
	}
	mock.polls++;
	if (mock.stress && mock.polls % mock.stress == 0) {
#ifndef MOCK_BUG_NOCAPTURE
		memcpy(copy, mock.state, mock.size);
		memset(mock.state, 0xa5, mock.size);
		memcpy(mock.state, copy, mock.size);
		mock.captures++;
		mock.restores++;
		mock.bytes += mock.size;
#endif
	}
	if (mock.stress_exec && mock.polls % mock.stress_exec == 0) {
		snprintf(path, sizeof path, "%s/mock-exec.%ld.state",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
		mock_write(path);
		mock_report();
		fflush(NULL);
		setenv("MOCK_EXEC_STATE", path, 1);
		execv("/proc/self/exe", mock.argv);
		perror("mock: execv");
		exit(70);
	}
	if (mock.ckpt && ((mock.at && mock.polls == mock.at) || mock_vacate)) {
		mock_write(mock.ckpt);
		exit(75);
	}
}

#define MOCK_BEGIN(s, n, argv) mock_begin((s), (n), (argv))
#define MOCK_POLL() mock_poll()
#endif
