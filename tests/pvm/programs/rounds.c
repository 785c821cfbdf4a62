/* rounds.c: a root task and workers (this same program) in rounds. Each
 * round the root sends every worker a GO; each worker answers with K
 * messages and a DONE. The root waits for every DONE (the answers are then
 * queued, not yet received), computes with poll points (where it tries to
 * move, with the answers queued), then receives the K answers from each
 * worker in order and prints a checksum. The workers are idle while the
 * root computes: nothing is sent to it there. With a third argument of 1 the root first
 * waits for a RELEASE message from anyone (fail_test.sh's forger sends it
 * after its forged control messages).
 * With a fifth argument of N > 0 the root also holds N bytes of heap
 * (ballast, so that its state is large), changes them every round and
 * prints their checksum at the end.
 * Run: rounds [workers] [rounds] [wait] [host] [ballast] (0 to 8
 * workers, default 2; 6 rounds, 0, workers on any host, else on that host ("-": any),
 * no ballast). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvm3.h>

#define TAG_GO 41
#define TAG_DATA 42
#define TAG_STOP 43
#define TAG_RELEASE 44
#define TAG_DONE 45
#define K 20
#define MAXW 8

static long value(int w, int r, int k)
{
	return ((long)w * 1000003L + (long)r * 7919L + k * 31L) % 1000033L;
}

static void worker(int root)
{
	for (;;) {
		int b = pvm_recv(root, -1), len, tag, src, wr[2];
		pvm_bufinfo(b, &len, &tag, &src);
		if (tag == TAG_STOP)
			return;
		pvm_upkint(wr, 2, 1);
		for (int k = 0; k < K; k++) {
			long v = value(wr[0], wr[1], k);
			int rk[2] = {wr[1], k};
			pvm_initsend(PvmDataDefault);
			pvm_pkint(rk, 2, 1);
			pvm_pklong(&v, 1, 1);
			pvm_send(root, TAG_DATA);
		}
		pvm_initsend(PvmDataDefault);
		pvm_send(root, TAG_DONE);
	}
}

/* the root's own work between sending GO and reading the answers */
static long churn(long acc, int r)
{
	for (int i = 0; i < 4000; i++) {
#pragma mpp point
		acc = (acc * 31 + i + r) % 1000000007L;
	}
	return acc;
}

int main(int argc, char **argv)
{
	int nw = argc > 1 ? atoi(argv[1]) : 2, rounds = argc > 2 ? atoi(argv[2]) : 6;
	int wait = argc > 3 ? atoi(argv[3]) : 0, tids[MAXW], bad = 0;
	char *host = argc > 4 && strcmp(argv[4], "-") != 0 ? argv[4] : NULL;
	long ballast = argc > 5 ? atol(argv[5]) : 0, acc = 1;
	unsigned char *heap = NULL;

	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() != PvmNoParent) {
		worker(pvm_parent());
		pvm_exit();
		return 0;
	}
	if (nw < 0 || nw > MAXW ||
	    (nw > 0 &&
	     pvm_spawn(argv[0], NULL, host ? PvmTaskHost : PvmTaskDefault, host ? host : "", nw, tids) != nw)) {
		fprintf(stderr, "rounds: cannot spawn %d workers\n", nw);
		pvm_exit();
		return 1;
	}
	if (ballast > 0) {
		if (!(heap = malloc((size_t)ballast))) {
			fprintf(stderr, "rounds: no memory for %ld bytes of ballast\n", ballast);
			pvm_exit();
			return 1;
		}
		for (long i = 0; i < ballast; i++)
			heap[i] = (unsigned char)(i * 7 + i / 4093);
	}
	if (wait) {
		pvm_recv(-1, TAG_RELEASE);
		printf("released\n");
	}
	for (int r = 0; r < rounds; r++) {
		for (int w = 0; w < nw; w++) {
			int wr[2] = {w, r};
			pvm_initsend(PvmDataDefault);
			pvm_pkint(wr, 2, 1);
			pvm_send(tids[w], TAG_GO);
		}
		for (int w = 0; w < nw; w++)
			pvm_recv(tids[w], TAG_DONE);
		acc = churn(acc, r);
		for (long i = r; i < ballast; i += 4096)
			heap[i] += (unsigned char)(r + 1);
		long sum = 0;
		for (int w = 0; w < nw; w++)
			for (int k = 0; k < K; k++) {
				int rk[2];
				long v;
				pvm_recv(tids[w], TAG_DATA);
				pvm_upkint(rk, 2, 1);
				pvm_upklong(&v, 1, 1);
				if (rk[0] != r || rk[1] != k || v != value(w, r, k))
					bad++;
				sum += v;
			}
		printf("round %d sum %ld acc %ld\n", r, sum, acc);
	}
	if (ballast > 0) {
		unsigned long h = 5381;
		for (long i = 0; i < ballast; i++)
			h = (h * 33 + heap[i]) & 0xffffffffUL;
		printf("ballast %ld bytes, checksum %lx\n", ballast, h);
		free(heap);
	}
	pvm_initsend(PvmDataDefault);
	if (nw > 0)
		pvm_mcast(tids, nw, TAG_STOP);
	printf("done: %d bad answers\n", bad);
	pvm_exit();
	return bad != 0;
}
