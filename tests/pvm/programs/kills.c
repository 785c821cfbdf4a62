/* kills.c: pvm_kill of tasks that are moving. A root spawns workers (this
 * same program) and asks to be told when each ends. In phase k it sends
 * every worker still alive a number, 3 times over, and checks the answers
 * (each worker holds 1 MiB, checked with every answer, and computes with
 * poll points before it answers, so that under MPP_MIGRATE_EVERY=1 it is
 * moving most of the time); then it sends worker k one more number and
 * kills it with pvm_kill while it works on it (in odd phases after waiting
 * 3 ms in a receive, so that the root has heard of the move the worker
 * began meanwhile). The kill must end the task
 * wherever it is, also in the middle of a move (at both its old and its new
 * place): the job must end, each worker's exit notice must come exactly
 * once, and pvm_pstat must say the task is gone. The root moves too.
 * Run: kills [workers] (default 3, at most 8). */
#include <stdio.h>
#include <stdlib.h>
#include <pvm3.h>

#define MAXW 8
#define BLOCK (256 << 10) /* ints: 1 MiB, so that each move of a worker takes a while */
#define ASKS 3
#define TAG_WORK 71
#define TAG_ANSWER 72
#define TAG_EXIT 73
#define TAG_NONE 74 /* nobody sends it */

static long work(long x)
{
	long s = x;
	for (int i = 0; i < 2; i++) {
#pragma mpp point
		for (int j = 0; j < 200; j++)
			s = (s * 31 + i + j) % 1000003L;
	}
	return s;
}

/* What the worker's block holds: checked with every answer. */
static long block_sum(const int *b)
{
	long s = 0;
	for (int i = 0; i < BLOCK; i++)
		s += b[i] == i * 7 + 1;
	return s - BLOCK;
}

static void worker(int root)
{
	int *b = malloc(BLOCK * sizeof *b);
	if (!b) {
		printf("worker: no memory for its block\n"); /* the output differs, and the root waits */
		return;
	}
	for (int i = 0; i < BLOCK; i++)
		b[i] = i * 7 + 1;
	for (;;) {
		long x;
		pvm_recv(root, TAG_WORK);
		pvm_upklong(&x, 1, 1);
		long y = work(x) + block_sum(b);
		pvm_initsend(PvmDataDefault);
		pvm_pklong(&y, 1, 1);
		pvm_send(root, TAG_ANSWER);
	}
}

int main(int argc, char **argv)
{
	int nw = argc > 1 ? atoi(argv[1]) : 3, tids[MAXW], notices[MAXW] = {0};

	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		worker(pvm_parent()); /* returns only without memory: the root kills it */
		return 0;
	}
	if (nw < 1 || nw > MAXW || pvm_spawn(argv[0], NULL, PvmTaskDefault, "", nw, tids) != nw) {
		printf("cannot start %d workers\n", nw);
		pvm_exit();
		return 1;
	}
	pvm_notify(PvmTaskExit, TAG_EXIT, nw, tids);
	long sum = 0;
	for (int k = 0; k < nw; k++) {
		int bad = 0;
		for (int a = 0; a < ASKS; a++) {
			for (int w = k; w < nw; w++) {
				long x = (long)(k * 100 + a * 10 + w);
				pvm_initsend(PvmDataDefault);
				pvm_pklong(&x, 1, 1);
				pvm_send(tids[w], TAG_WORK);
			}
			for (int w = k; w < nw; w++) {
				long y;
				pvm_recv(tids[w], TAG_ANSWER);
				pvm_upklong(&y, 1, 1);
				bad += y != work((long)(k * 100 + a * 10 + w));
				sum = (sum * 131 + y) % 1000003L;
			}
		}
		/* one more number for worker k, and the kill while it works on it
		 * (and moves, under MPP_MIGRATE_EVERY=1): at once, or in odd
		 * phases after 3 ms in a receive, where the root hears of the move */
		long x = -1;
		pvm_initsend(PvmDataDefault);
		pvm_pklong(&x, 1, 1);
		pvm_send(tids[k], TAG_WORK);
		if (k % 2) {
			struct timeval tmo = {0, 3000};
			pvm_trecv(-1, TAG_NONE, &tmo);
		}
		int rc = pvm_kill(tids[k]);
		printf("phase %d: %d answers from %d workers, %d wrong, sum %ld; kill worker %d: %s\n", k,
		       ASKS * (nw - k), nw - k, bad, sum, k, rc < 0 ? "failed" : "ok");
	}
	/* every notice once: wait for nw, then half a second for a second one */
	for (int got = 0; got < nw + 1; got++) {
		struct timeval tmo = {0, 500000};
		int tid, b = got < nw ? pvm_recv(-1, TAG_EXIT) : pvm_trecv(-1, TAG_EXIT, &tmo);
		if (b <= 0)
			break;
		pvm_upkint(&tid, 1, 1);
		int w = 0;
		while (w < nw && tids[w] != tid)
			w++;
		if (w == nw)
			printf("exit notice of t%x, not a worker\n", tid);
		else
			notices[w]++;
	}
	for (int w = 0; w < nw; w++)
		printf("worker %d: %d exit notice%s, pvm_pstat %s\n", w, notices[w], notices[w] == 1 ? "" : "s",
		       pvm_pstat(tids[w]) == PvmNoTask ? "PvmNoTask" : "still there");
	pvm_exit();
	return 0;
}
