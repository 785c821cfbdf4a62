/* staggered.c: workers (this same program) that end at different times.
 * Worker i computes 2*(i+1) chunks with poll points and sends a partial sum
 * after each, then exits; the root receives from any worker and prints each
 * worker's total in order. With MPP_MIGRATE_EVERY small, tasks move while
 * their peers end. Run: staggered [workers] (default 4). */
#include <stdio.h>
#include <stdlib.h>
#include <pvm3.h>

#define TAG_INDEX 51
#define TAG_PART 52
#define MAXW 8

static long chunk(int w, int c)
{
	long s = 0;
	for (int i = 0; i < 40; i++) {
#pragma mpp point
		for (int j = 0; j < 5; j++)
			s = (s * 17 + (i * 5 + j) * (w + 1) + c) % 999983L;
	}
	return s;
}

static void worker(int root)
{
	int w;
	pvm_recv(root, TAG_INDEX);
	pvm_upkint(&w, 1, 1);
	for (int c = 0; c < 2 * (w + 1); c++) {
		long s = chunk(w, c);
		int wc[2] = {w, c};
		pvm_initsend(PvmDataDefault);
		pvm_pkint(wc, 2, 1);
		pvm_pklong(&s, 1, 1);
		pvm_send(root, TAG_PART);
	}
}

int main(int argc, char **argv)
{
	int nw = argc > 1 ? atoi(argv[1]) : 4, tids[MAXW], next[MAXW] = {0}, parts = 0, bad = 0;
	long total[MAXW] = {0};

	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		worker(pvm_parent());
		pvm_exit();
		return 0;
	}
	if (nw < 1 || nw > MAXW || pvm_spawn(argv[0], NULL, PvmTaskDefault, "", nw, tids) != nw) {
		fprintf(stderr, "staggered: cannot spawn %d workers\n", nw);
		pvm_exit();
		return 1;
	}
	for (int w = 0; w < nw; w++) {
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&w, 1, 1);
		pvm_send(tids[w], TAG_INDEX);
		parts += 2 * (w + 1);
	}
	for (int p = 0; p < parts; p++) {
		int wc[2];
		long s;
		pvm_recv(-1, TAG_PART);
		pvm_upkint(wc, 2, 1);
		pvm_upklong(&s, 1, 1);
		if (wc[0] < 0 || wc[0] >= nw || wc[1] != next[wc[0]]++) /* per sender order */
			bad++;
		else
			total[wc[0]] = total[wc[0]] * 3 + s;
	}
	for (int w = 0; w < nw; w++)
		printf("worker %d total %ld\n", w, total[w]);
	printf("done: %d bad parts\n", bad);
	pvm_exit();
	return bad != 0;
}
