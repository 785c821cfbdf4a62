/* convert.c: throughput of the state encoder and decoder on large arrays,
 * against memcpy of the same bytes in the same run. A hand-made program of
 * three global arrays (double, int, long), one of them saved per case.
 *   convert write KIND FILE   save a state of array KIND (on any target)
 *   convert run [DIR]         measure on this host: memcpy, a plain byte
 *                             swap, the checksum alone (a decode verifies
 *                             it before copying or converting, so the two
 *                             times add up) and the version 2 one (XXH64),
 *                             encode, decode of its own states, and decode
 *                             of DIR/KIND.ARCH.state
 *                             written by other architectures (conversion)
 * Linked with libmpp; see bench/convert.sh. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpp.h"
#include "mpp_capture.h"
#include "mpp_convert.h"
#include "mpp_decode.h"
#include "mpp_encode.h"
#include "mpp_err.h"
#include "mpp_file.h"
#include "mpp_hash.h"
#include "mpp_poll.h"
#include "mpp_registry.h"
#include "mpp_restore.h"
#include "mpp_sum.h"

#define DATA_BYTES (64u << 20)        /* of each array on the writer */
#define NDBL (DATA_BYTES / 8)         /* doubles */
#define NINT (DATA_BYTES / 4)         /* ints */
#define NLONG (DATA_BYTES / 4)        /* longs: 64 MiB where long has 4 bytes */
static double g_dbl[NDBL];
static int g_int[NINT];
static long g_long[NLONG];

enum { K_DOUBLE, K_INT, K_LONG, NKINDS };
static const char *const kind_names[NKINDS] = {"double", "int", "long"};

static const struct mpp_type ty_dbl = {MPP_K_ARRAY, sizeof g_dbl, _Alignof(double), "double[]", &mpp_t_double, NDBL, 0};
static const struct mpp_type ty_int = {MPP_K_ARRAY, sizeof g_int, _Alignof(int), "int[]", &mpp_t_int, NINT, 0};
static const struct mpp_type ty_long = {MPP_K_ARRAY, sizeof g_long, _Alignof(long), "long[]", &mpp_t_long, NLONG, 0};
static struct mpp_global globals[NKINDS] = {
    {"convert.c:g_dbl", (void *)g_dbl, &ty_dbl, 0},
    {"convert.c:g_int", (void *)g_int, &ty_int, 0},
    {"convert.c:g_long", (void *)g_long, &ty_long, 0},
};
static const struct mpp_site site = {1, 0, NULL, NULL};
static void bench_fn(void)
{
}
static const struct mpp_func funcs[1] = {{"bench", bench_fn, 1, &site}};
static const struct mpp_unit unit = {MPP_ABI_VERSION, "convert.c", 0x62656e6368000002ULL, NKINDS, globals, 1, funcs};

int __mpp_main_thunk(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	(void)envp;
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "convert: %s: %s\n", what, mpp_err_msg());
	exit(1);
}

/* Only array `kind` is saved: the others are nosave globals. */
static void program(int kind)
{
	int k;

	for (k = 0; k < NKINDS; k++)
		globals[k].flags = k == kind ? 0 : MPP_G_NOSAVE;
	mpp_registry_reset();
	mpp_register_unit(&unit);
	if (mpp_registry_check())
		die("registry");
}

static size_t bytes_of(int kind)
{
	return kind == K_DOUBLE ? sizeof g_dbl : kind == K_INT ? sizeof g_int : sizeof g_long;
}

static void fill(int kind)
{
	size_t i;

	for (i = 0; i < NDBL && kind == K_DOUBLE; i++)
		g_dbl[i] = (double)i * 0.5 - 1e6;
	for (i = 0; i < NINT && kind == K_INT; i++)
		g_int[i] = (int)(i * 2654435761u);
	for (i = 0; i < NLONG && kind == K_LONG; i++)
		g_long[i] = (long)(int)(i * 2246822519u); /* fits any long */
}

/* The values fill() stored, checked on a sample after a restore. */
static int check(int kind)
{
	size_t i;

	for (i = 0; i < NINT; i += 4099) {
		if (kind == K_DOUBLE && i < NDBL && g_dbl[i] != (double)i * 0.5 - 1e6)
			return 0;
		if (kind == K_INT && g_int[i] != (int)(i * 2654435761u))
			return 0;
		if (kind == K_LONG && g_long[i] != (long)(int)(i * 2246822519u))
			return 0;
	}
	return 1;
}

/* CPU time of this thread, kernel time (page faults) included: on a
 * shared machine the time it waits for a core is not the cost measured. */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void encode(struct mpp_buf *buf)
{
	mpp_poll_force(MPP_R_STRESS);
	__mpp_capture_frame(&funcs[0], 1, NULL);
	if (mpp_encode(buf, 0))
		die("encode");
	mpp_poll_done();
}

/* Decode and rebuild the globals (copying or converting into place). */
static void decode(const struct mpp_buf *buf)
{
	struct mpp_dstate st;

	if (mpp_decode(&st, buf->p, buf->len))
		die("decode");
	if (mpp_restore_begin(&st, "bench"))
		die("restore");
	mpp_restore_abort();
}

#define RUNS 7

struct row {
	const char *data, *what;
	double seconds; /* best of RUNS */
	size_t bytes;   /* of the data this host ends up with */
};

/* One line per measurement, tab-separated: data, operation, GB/s, the
 * time of memcpy of the same bytes over this one's (convert.sh makes the
 * table). */
static void print_row(const struct row *r, double memcpy_s)
{
	double gbs = (double)r->bytes / r->seconds / 1e9;
	printf("%s\t%s\t%.3f\t%.3f\n", r->data, r->what, gbs, memcpy_s / r->seconds);
	fflush(stdout);
}

static int cmd_run(const char *dir)
{
	static const char *const archs[] = {"s390x", "i686", "x86_64"};
	struct mpp_buf buf = {0}, foreign = {0};
	unsigned char *src, *dst;
	double t, best, memcpy_s;
	int kind, r, a, bad = 0;
	struct row row;
	char path[4096];

	for (kind = 0; kind < NKINDS; kind++) {
		size_t n = bytes_of(kind);
		program(kind);
		fill(kind);
		src = malloc(n);
		dst = malloc(n);
		if (!src || !dst)
			return 2;
		memcpy(src, globals[kind].addr, n);
		memset(dst, 1, n);
		for (best = 1e9, r = 0; r < RUNS; r++) {
			t = now();
			memcpy(dst, src, n);
			t = now() - t;
			best = t < best ? t : best;
		}
		memcpy_s = best;
		row = (struct row){kind_names[kind], "memcpy", best, n};
		print_row(&row, memcpy_s);
		if (kind != K_LONG && sizeof(long) == 8) {
			unsigned w = kind == K_DOUBLE ? 8 : 4;
			for (best = 1e9, r = 0; r < RUNS; r++) {
				t = now();
				mpp_conv_swap(w, src, dst, n / w);
				t = now() - t;
				best = t < best ? t : best;
			}
			row = (struct row){kind_names[kind], "byte swap loop (reference)", best, n};
			print_row(&row, memcpy_s);
		}
		for (best = 1e9, r = 0; r < RUNS; r++) {
			volatile uint64_t sum;
			t = now();
			sum = mpp_sum64(src, n);
			t = now() - t;
			(void)sum;
			best = t < best ? t : best;
		}
		row = (struct row){kind_names[kind], "checksum alone (reference)", best, n};
		print_row(&row, memcpy_s);
		for (best = 1e9, r = 0; r < RUNS; r++) {
			volatile uint64_t sum;
			t = now();
			sum = mpp_hash64(src, n, 0);
			t = now() - t;
			(void)sum;
			best = t < best ? t : best;
		}
		row = (struct row){kind_names[kind], "XXH64 alone (version 2 checksum)", best, n};
		print_row(&row, memcpy_s);
		for (best = 1e9, r = 0; r < RUNS; r++) {
			t = now();
			encode(&buf);
			t = now() - t;
			best = t < best ? t : best;
		}
		row = (struct row){kind_names[kind], "encode (native bytes)", best, n};
		print_row(&row, memcpy_s);
		for (best = 1e9, r = 0; r < RUNS; r++) {
			memset(globals[kind].addr, 0, n);
			t = now();
			decode(&buf);
			t = now() - t;
			best = t < best ? t : best;
			bad |= !check(kind);
		}
		row = (struct row){kind_names[kind], "decode, same architecture", best, n};
		print_row(&row, memcpy_s);
		for (a = 0; dir && a < 3; a++) {
			unsigned char *p;
			size_t len;
			snprintf(path, sizeof path, "%s/%s.%s.state", dir, kind_names[kind], archs[a]);
			if (mpp_file_read(path, &p, &len)) {
				mpp_err_clear();
				continue;
			}
			mpp_buf_free(&foreign);
			foreign.p = p;
			foreign.len = foreign.cap = len;
			for (best = 1e9, r = 0; r < RUNS; r++) {
				memset(globals[kind].addr, 0, n);
				t = now();
				decode(&foreign);
				t = now() - t;
				best = t < best ? t : best;
				bad |= !check(kind);
			}
			snprintf(path, sizeof path, "decode from %s (%s)", archs[a],
			         a == 0 ? "byte swap" : kind == K_LONG && sizeof(long) == 8 ? "4 -> 8 bytes" : "copy");
			row = (struct row){kind_names[kind], path, best, n};
			print_row(&row, memcpy_s);
		}
		free(src);
		free(dst);
	}
	mpp_buf_free(&buf);
	mpp_buf_free(&foreign);
	if (bad) {
		fprintf(stderr, "convert: a restored array does not hold the values saved\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int kind;

	if (argc == 4 && !strcmp(argv[1], "write")) {
		struct mpp_buf buf = {0};
		for (kind = 0; kind < NKINDS && strcmp(argv[2], kind_names[kind]); kind++)
			;
		if (kind == NKINDS)
			return 2;
		program(kind);
		fill(kind);
		encode(&buf);
		if (mpp_file_write(argv[3], buf.p, buf.len, 0))
			die("write");
		return 0;
	}
	if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "run"))
		return cmd_run(argc == 3 ? argv[2] : NULL);
	fprintf(stderr, "usage: convert write double|int|long FILE | convert run [DIR]\n");
	return 2;
}
