/* state.c: capture and restore time of heap states, for bench/heap.sh.
 * Linked with libmpp like a translated program, it builds a heap through
 * the runtime's allocator, then times, best of R rounds:
 *   capture  mpp_encode: every block and pointer into one state buffer;
 *   restore  drop the heap, mpp_decode, mpp_restore_begin and the frame:
 *            every block allocated again and its pointers translated.
 * Usage: state blocks N R   N nodes of a linked list (24-byte blocks, one
 *                           pointer each: per-block costs)
 *        state bytes S R    S bytes in 16 blocks of doubles (no pointers:
 *                           the copying costs)
 * Prints: blocks bytes state_bytes capture_s restore_s */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpp.h"
#include "mpp_capture.h"
#include "mpp_ctl.h"
#include "mpp_decode.h"
#include "mpp_encode.h"
#include "mpp_err.h"
#include "mpp_heap.h"
#include "mpp_poll.h"
#include "mpp_registry.h"
#include "mpp_restore.h"

struct node {
	long key;
	double val;
	struct node *next;
};

static struct node *list;
static double **arrays; /* 16 blocks of doubles */

static const struct mpp_type ty_node;
static const struct mpp_type ty_nodep = {MPP_K_PTR, sizeof(void *), _Alignof(void *), "struct node *", &ty_node, 0, 0};
static const struct mpp_field fl_node[] = {{"key", offsetof(struct node, key), &mpp_t_long},
                                           {"val", offsetof(struct node, val), &mpp_t_double},
                                           {"next", offsetof(struct node, next), &ty_nodep}};
static const struct mpp_type ty_node = {MPP_K_STRUCT, sizeof(struct node), _Alignof(struct node), "struct node", 0, 3,
                                        fl_node};
static const struct mpp_type ty_dblp = {MPP_K_PTR, sizeof(double *), _Alignof(double *), "double *", &mpp_t_double, 0,
                                        0};
static const struct mpp_type ty_dblpp = {MPP_K_PTR, sizeof(double **), _Alignof(double **), "double **", &ty_dblp, 0,
                                         0};

static void bench_fn(void)
{
}

static const char *const names[] = {"n"};
static const struct mpp_type *const types[] = {&mpp_t_long};
static const struct mpp_site sites[] = {{1, 1, names, types}};
static const struct mpp_func funcs[] = {{"bench", bench_fn, 1, sites}};
static const struct mpp_global globals[] = {{"state.c:list", (void *)&list, &ty_nodep, 0},
                                            {"state.c:arrays", (void *)&arrays, &ty_dblpp, 0}};
static const struct mpp_unit unit = {MPP_ABI_VERSION, "state.c", 0x7374617465626e63ULL, 2, globals, 1, funcs};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "state: %s: %s\n", what, mpp_err_msg());
	exit(1);
}

int main(int argc, char **argv)
{
	static struct mpp_buf buf;
	long n, rounds, i, frame_n = 42;
	int by_blocks;
	double best_cap = 1e30, best_res = 1e30;
	size_t nblocks;

	if (argc != 4 || (strcmp(argv[1], "blocks") && strcmp(argv[1], "bytes"))) {
		fprintf(stderr, "usage: state blocks N ROUNDS | state bytes S ROUNDS\n");
		return 2;
	}
	by_blocks = !strcmp(argv[1], "blocks");
	n = atol(argv[2]);
	rounds = atol(argv[3]);
	mpp_register_unit(&unit);
	if (mpp_registry_check())
		die("registry");
	if (by_blocks) {
		for (i = 0; i < n; i++) {
			struct node *x = __mpp_malloc(&ty_node, sizeof *x);
			x->key = i;
			x->val = (double)i / 3;
			x->next = list;
			list = x;
		}
	} else {
		size_t per = (size_t)n / 16 / sizeof(double);
		arrays = __mpp_calloc(&ty_dblp, 16, sizeof *arrays);
		for (i = 0; i < 16; i++) {
			arrays[i] = __mpp_malloc(&mpp_t_double, per * sizeof(double));
			for (size_t k = 0; k < per; k++)
				arrays[i][k] = (double)k;
		}
	}
	nblocks = mpp_heap_count();
	for (long r = 0; r < rounds; r++) {
		struct mpp_dstate st;
		void *vars[1] = {&frame_n};
		double t0, t1, t2;

		mpp_poll_force(MPP_R_STRESS);
		__mpp_capture_frame(&funcs[0], 1, vars);
		t0 = now();
		if (mpp_encode(&buf, 1))
			die("capture");
		t1 = now();
		mpp_poll_done();
		mpp_restore_drop();
		if (mpp_decode(&st, buf.p, buf.len) || mpp_restore_begin(&st, "bench"))
			die("restore");
		if (__mpp_resume_site(&funcs[0]) != 1)
			die("resume");
		__mpp_restore_frame(&funcs[0], 1, vars);
		t2 = now();
		if (__mpp_restoring || frame_n != 42)
			die("restore incomplete");
		if (t1 - t0 < best_cap)
			best_cap = t1 - t0;
		if (t2 - t1 < best_res)
			best_res = t2 - t1;
	}
	/* the restored heap is the same */
	if (by_blocks) {
		long k = n;
		for (struct node *x = list; x; x = x->next)
			if (x->key != --k)
				die("list broken");
		if (k != 0)
			die("list length");
	} else if (n >= 16 * 8 && arrays[15][1] != 1.0) {
		die("arrays broken");
	}
	printf("%zu %ld %zu %.6f %.6f\n", nblocks, by_blocks ? n * (long)sizeof(struct node) : n, buf.len, best_cap,
	       best_res);
	return 0;
}
