/* routes.c: a root task and workers (this same program) that all ask for
 * direct routes (pvm_setopt(PvmRoute, PvmRouteDirect)) and exchange
 * messages both ways, of 4 bytes to 64 KiB, in rounds: the root sends each
 * worker an array, the worker checks it, adds its index and sends it back,
 * and the root checks that. Both sides compute a little with poll points
 * between messages, so that tasks move while their peers send to them.
 * Every task reports the route option it reads back (pvm_getopt) at the
 * end, and the root prints a line per round and a checksum.
 * Run: routes [workers] [rounds] (default 2 workers, 24 rounds). */
#include <stdio.h>
#include <stdlib.h>
#include <pvm3.h>

#define TAG_ARR 61
#define TAG_BACK 62
#define TAG_OPT 63
#define MAXW 8
#define MAXN (16 << 10) /* ints: 64 KiB */

static int arr[MAXN];

static long work(long s, int n)
{
	for (int i = 0; i < 30; i++) {
#pragma mpp point
		for (int j = 0; j < 50; j++)
			s = (s * 31 + i * 50 + j + n) % 1000003L;
	}
	return s;
}

static int len_of(int r)
{
	return 1 << (r % 15); /* 1 .. 16384 ints */
}

static int value(int r, int i)
{
	return (r * 7919 + i * 31) % 100003;
}

static void worker(int root)
{
	int w, rounds;
	pvm_recv(root, TAG_ARR);
	pvm_upkint(&w, 1, 1);
	pvm_upkint(&rounds, 1, 1);
	long s = 0;
	for (int r = 0; r < rounds; r++) {
		int n = len_of(r);
		pvm_recv(root, TAG_ARR);
		pvm_upkint(arr, n, 1);
		for (int i = 0; i < n; i++)
			if (arr[i] != value(r, i)) {
				printf("worker %d round %d: element %d is %d, not %d\n", w, r, i, arr[i], value(r, i));
				break;
			}
		s = work(s, n);
		for (int i = 0; i < n; i++)
			arr[i] += w + 1;
		pvm_initsend(PvmDataDefault);
		pvm_pkint(arr, n, 1);
		pvm_pklong(&s, 1, 1);
		pvm_send(root, TAG_BACK);
	}
	int opt[2] = {w, pvm_getopt(PvmRoute)};
	pvm_initsend(PvmDataDefault);
	pvm_pkint(opt, 2, 1);
	pvm_send(root, TAG_OPT);
}

int main(int argc, char **argv)
{
	int nw = argc > 1 ? atoi(argv[1]) : 2, rounds = argc > 2 ? atoi(argv[2]) : 24, tids[MAXW];

	if (pvm_mytid() < 0)
		return 1;
	int old = pvm_setopt(PvmRoute, PvmRouteDirect);
	if (pvm_parent() != PvmNoParent) {
		worker(pvm_parent());
		pvm_exit();
		return 0;
	}
	printf("route option was %d, now %d\n", old, pvm_getopt(PvmRoute));
	if (nw < 1 || nw > MAXW || pvm_spawn(argv[0], NULL, PvmTaskDefault, "", nw, tids) != nw) {
		printf("cannot start %d workers\n", nw);
		pvm_exit();
		return 1;
	}
	for (int w = 0; w < nw; w++) {
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&w, 1, 1);
		pvm_pkint(&rounds, 1, 1);
		pvm_send(tids[w], TAG_ARR);
	}
	long sum = 0;
	for (int r = 0; r < rounds; r++) {
		int n = len_of(r), bad = 0;
		for (int i = 0; i < n; i++)
			arr[i] = value(r, i);
		pvm_initsend(PvmDataDefault);
		pvm_pkint(arr, n, 1);
		pvm_mcast(tids, nw, TAG_ARR);
		sum = work(sum, n);
		for (int w = 0; w < nw; w++) {
			long s;
			pvm_recv(tids[w], TAG_BACK);
			pvm_upkint(arr, n, 1);
			pvm_upklong(&s, 1, 1);
			for (int i = 0; i < n; i++)
				bad += arr[i] != value(r, i) + w + 1;
			sum = (sum * 131 + s) % 1000003L;
		}
		printf("round %2d: %5d ints to and from %d workers, %d wrong, sum %ld\n", r, n, nw, bad, sum);
	}
	for (int k = 0; k < nw; k++) {
		int opt[2];
		pvm_recv(-1, TAG_OPT);
		pvm_upkint(opt, 2, 1);
		arr[opt[0]] = opt[1];
	}
	for (int w = 0; w < nw; w++)
		printf("worker %d: route option %d\n", w, arr[w]);
	printf("root: route option %d\n", pvm_getopt(PvmRoute));
	pvm_exit();
	return 0;
}
