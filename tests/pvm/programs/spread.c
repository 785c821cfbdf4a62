/* spread.c: a root task and N workers (this same program) on one host,
 * for the scheduler's tests: each worker computes ITERS steps with a poll
 * point and a 1 ms pause in each (so a run lasts about ITERS ms whatever
 * the load), then sends its result to the root, which prints them in
 * order. Run: spread N ITERS [HOST] (workers on HOST, else anywhere). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <pvm3.h>

#define TAG_IDX 51
#define TAG_RES 52
#define MAXW 64

static long work(int idx, int iters)
{
	long acc = idx + 1;
	for (int i = 0; i < iters; i++) {
#pragma mpp point
		acc = (acc * 31 + i + idx) % 1000000007L;
		usleep(1000);
	}
	return acc;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2, iters = argc > 2 ? atoi(argv[2]) : 1000, tids[MAXW];
	char *host = argc > 3 ? argv[3] : NULL;

	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		int v[2];
		pvm_recv(pvm_parent(), TAG_IDX);
		pvm_upkint(v, 2, 1);
		long acc = work(v[0], v[1]);
		pvm_initsend(PvmDataDefault);
		pvm_pkint(v, 1, 1);
		pvm_pklong(&acc, 1, 1);
		pvm_send(pvm_parent(), TAG_RES);
		pvm_exit();
		return 0;
	}
	if (n < 1 || n > MAXW ||
	    pvm_spawn(argv[0], NULL, host ? PvmTaskHost : PvmTaskDefault, host ? host : "", n, tids) != n) {
		fprintf(stderr, "spread: cannot spawn %d workers\n", n);
		pvm_exit();
		return 1;
	}
	for (int w = 0; w < n; w++) {
		int v[2] = {w, iters};
		pvm_initsend(PvmDataDefault);
		pvm_pkint(v, 2, 1);
		pvm_send(tids[w], TAG_IDX);
	}
	for (int w = 0; w < n; w++) {
		int k;
		long acc;
		pvm_recv(tids[w], TAG_RES);
		pvm_upkint(&k, 1, 1);
		pvm_upklong(&acc, 1, 1);
		printf("worker %d: %ld\n", k, acc);
	}
	printf("done: %d workers\n", n);
	pvm_exit();
	return 0;
}
