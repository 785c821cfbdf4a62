/* footprint.c: a program whose live state and address space are chosen,
 * for comparing mpp with a whole-process checkpointer (bench/dmtcp.sh).
 *
 * Usage: footprint LIVE_MIB SCRATCH_MIB SPARSE_MIB READY [GO]
 *
 * First a scratch phase: SCRATCH_MIB of 64 KiB blocks are allocated and
 * filled with pseudo-random numbers. Then LIVE_MIB of 64 KiB blocks of
 * doubles (the live state) are allocated and filled from the scratch
 * blocks and the generator. Then every scratch block is freed: the live
 * blocks sit above them in the heap, so the C library keeps the freed
 * memory mapped and resident (as after any big temporary structure), but
 * no variable refers to it any more. Last, with SPARSE_MIB > 0, one array
 * of SPARSE_MIB is allocated with calloc and one double of every MiB of it
 * is set: live, mostly zero, mostly never touched by the program.
 *
 * At the program point that both checkpointers stop at, the program writes
 * READY (atomically, by rename) with one line: "US RSS_KIB SIZE_KIB", the
 * CLOCK_REALTIME time in microseconds and its resident and mapped sizes
 * from /proc/self/status. With GO given (the run under a whole-process
 * checkpointer), it then waits until the file GO exists, checking every
 * 0.2 ms; the checkpointer takes its image during that wait. Then comes
 * the migration point (mpp checkpoints there), then the rest of the run:
 * one pass over the live state (the set doubles of the sparse array) that
 * prints "checksum HEX blocks N", so a
 * restarted run must read back every live byte and can be compared with
 * an uninterrupted one. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK_DOUBLES 8192 /* 64 KiB: below the C library's mmap threshold */

static unsigned long long rng_state = 88172645463325252ULL;

static unsigned long long rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static long long now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* The value in KiB of KEY ("VmRSS:") in /proc/self/status, -1 if unknown. */
static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0) {
			v = atol(line + n);
			break;
		}
	fclose(f);
	return v;
}

static void write_ready(const char *path)
{
	char tmp[4096];
	long long us = now_us();
	long rss = status_kib("VmRSS:");
	long size = status_kib("VmSize:");
	FILE *f;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%lld %ld %ld\n", us, rss, size) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		perror(path);
		exit(1);
	}
}

static void wait_for(const char *path)
{
	struct timespec pause = {0, 200000};
	while (access(path, F_OK) != 0)
		nanosleep(&pause, NULL);
}

static double *new_block(void)
{
	double *b = malloc(BLOCK_DOUBLES * sizeof *b);
	if (!b) {
		fprintf(stderr, "footprint: out of memory\n");
		exit(1);
	}
	return b;
}

/* Folds the bytes of one double into the hash H. */
static unsigned long long fold(unsigned long long h, double v)
{
	unsigned long long bits;
	memcpy(&bits, &v, sizeof bits);
	return (h ^ bits) * 1099511628211ULL;
}

int main(int argc, char **argv)
{
	long live_n, scratch_n, sparse_mib;
	double **live, **scratch, *sparse = NULL;
	unsigned long long h = 1469598103934665603ULL;
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: footprint LIVE_MIB SCRATCH_MIB SPARSE_MIB READY [GO]\n");
		return 2;
	}
	live_n = atol(argv[1]) * 16;
	scratch_n = atol(argv[2]) * 16;
	sparse_mib = atol(argv[3]);
	if (live_n < 1 || scratch_n < 0 || sparse_mib < 0) {
		fprintf(stderr, "footprint: LIVE_MIB must be >= 1, SCRATCH_MIB and SPARSE_MIB >= 0\n");
		return 2;
	}

	scratch = malloc((scratch_n + 1) * sizeof *scratch);
	if (!scratch)
		return 1;
	for (long b = 0; b < scratch_n; b++) {
		scratch[b] = new_block();
		for (long i = 0; i < BLOCK_DOUBLES; i++)
			scratch[b][i] = (double)(rng_next() >> 11) * 0x1p-53;
	}
	live = malloc(live_n * sizeof *live);
	if (!live)
		return 1;
	for (long b = 0; b < live_n; b++) {
		live[b] = new_block();
		for (long i = 0; i < BLOCK_DOUBLES; i++) {
			double r = (double)(rng_next() >> 11) * 0x1p-53;
			live[b][i] = scratch_n ? r + scratch[(b * 7 + i) % scratch_n][i] : r;
		}
	}
	for (long b = 0; b < scratch_n; b++)
		free(scratch[b]);
	free(scratch);
	if (sparse_mib) {
		sparse = calloc(sparse_mib * 131072, sizeof *sparse);
		if (!sparse) {
			fprintf(stderr, "footprint: out of memory\n");
			return 1;
		}
		for (long m = 0; m < sparse_mib; m++)
			sparse[m * 131072] = (double)(rng_next() >> 11) * 0x1p-53;
	}

	write_ready(argv[4]);
	if (argc == 6)
		wait_for(argv[5]);
#pragma mpp point
	for (long b = 0; b < live_n; b++) {
		for (long i = 0; i < BLOCK_DOUBLES; i++)
			h = fold(h, live[b][i]);
		free(live[b]);
	}
	free(live);
	for (long m = 0; m < sparse_mib; m++)
		h = fold(h, sparse[m * 131072]);
	free(sparse);
	printf("checksum %016llx blocks %ld\n", h, live_n);
	return 0;
}
