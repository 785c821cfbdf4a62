/* stream.c: workers that never stop sending while the root moves. The
 * root spawns W workers; each sends N numbered messages to the root, one
 * every 0.3 ms or so, looking for a STOP between them (pvm_nrecv: that is
 * where it hears of the root's moves). The root receives them in any
 * order of workers, checks that the numbers from each worker come in
 * order with none missing, and computes between receives (poll points,
 * where it moves). Its destination may die after the workers were told
 * of the move (fail_test.sh dest-busy): what they sent to it meanwhile
 * must still reach the root where it stays.
 * Run: stream [workers] [messages] (default 2, 3000). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <pvm3.h>

#define TAG_DATA 61
#define TAG_STOP 62
#define MAXW 8

static long value(int w, int k)
{
	return ((long)w * 7919L + (long)k * 104729L) % 1000003L;
}

static void worker(int root, int me, int n)
{
	for (int k = 0; k < n; k++) {
		int wk[2] = {me, k};
		long v = value(me, k);
		pvm_initsend(PvmDataDefault);
		pvm_pkint(wk, 2, 1);
		pvm_pklong(&v, 1, 1);
		pvm_send(root, TAG_DATA);
		if (pvm_nrecv(root, TAG_STOP) > 0)
			return;
		usleep(300); /* still sending when the root moves */
	}
	pvm_recv(root, TAG_STOP);
}

static long churn(long acc, int k)
{
	for (int i = 0; i < 20; i++) {
#pragma mpp point
		acc = (acc * 31 + i + k) % 1000000007L;
	}
	return acc;
}

int main(int argc, char **argv)
{
	int nw = argc > 1 ? atoi(argv[1]) : 2, n = argc > 2 ? atoi(argv[2]) : 3000, tids[MAXW];
	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		int b = pvm_recv(pvm_parent(), -1), me = 0;
		(void)b;
		pvm_upkint(&me, 1, 1);
		worker(pvm_parent(), me, n);
		pvm_exit();
		return 0;
	}
	if (nw < 1 || nw > MAXW || n < 1 || pvm_spawn(argv[0], NULL, PvmTaskDefault, "", nw, tids) != nw) {
		fprintf(stderr, "stream: cannot spawn %d workers\n", nw);
		pvm_exit();
		return 1;
	}
	for (int w = 0; w < nw; w++) {
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&w, 1, 1);
		pvm_send(tids[w], 60);
	}
	int next[MAXW] = {0}, bad = 0;
	long sum = 0, acc = 1;
	for (int got = 0; got < nw * n; got++) {
		int wk[2];
		long v;
		pvm_recv(-1, TAG_DATA);
		pvm_upkint(wk, 2, 1);
		pvm_upklong(&v, 1, 1);
		if (wk[0] < 0 || wk[0] >= nw || wk[1] != next[wk[0]] || v != value(wk[0], wk[1])) {
			if (bad++ < 5)
				printf("out of order: worker %d message %d, expected %d\n", wk[0], wk[1],
				       wk[0] >= 0 && wk[0] < nw ? next[wk[0]] : -1);
		} else
			next[wk[0]]++;
		sum += v;
		acc = churn(acc, got);
	}
	pvm_initsend(PvmDataDefault);
	pvm_mcast(tids, nw, TAG_STOP);
	printf("received %d messages from %d workers, sum %ld, acc %ld, %d out of order\n", nw * n, nw, sum, acc, bad);
	pvm_exit();
	return bad != 0;
}
