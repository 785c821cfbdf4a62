/* groups.c: every group function while members move. Started as 4 roots
 * (mpprun -n 4); each joins "grid", waits for all 4 (pvm_freezegroup),
 * then for 6 rounds: instance 0 scatters a row to every member, each
 * works on its row, the rows are gathered and reduced (sum and a product
 * of its own) at instance 0, instance 1 broadcasts a word, a barrier ends
 * the round. Instance 0 prints what it gathered; every member checks
 * pvm_gettid/pvm_getinst of itself. Then instance 3 leaves, and the
 * others meet in a barrier of 3 and see the group without it. Built with --mpp-auto, its work
 * loops are migration points. */
#include <stdio.h>
#include <stdlib.h>
#include <pvm3.h>

#define N 4
#define W 64
#define TAG_WORD 71
#define TAG_LEFT 72

static void twice(int *type, void *x, void *y, int *num, int *info)
{
	double *a = x, *b = y;
	(void)type;
	for (int i = 0; i < *num; i++)
		a[i] = a[i] * 0.5 + b[i];
	*info = 0;
}

int main(void)
{
	int me = pvm_mytid(), inst = pvm_joingroup("grid");
	if (me < 0 || inst < 0) {
		printf("cannot join: %d\n", inst);
		return 1;
	}
	pvm_freezegroup("grid", N);
	static int table[N * W], row[W], gathered[N];
	static double acc[W];
	for (int r = 0; r < 6; r++) {
		if (inst == 0)
			for (int i = 0; i < N * W; i++)
				table[i] = (i * 7 + r * 13) % 101;
		pvm_scatter(row, table, W, PVM_INT, 31, "grid", 0);
		int sum = 0;
		for (int i = 0; i < W; i++) {
			long x = row[i];
			for (int k = 0; k < 200; k++)
				x = (x * 31 + k) % 9973;
			sum += (int)(x % 1000);
			acc[i] = (double)(row[i] + inst);
		}
		pvm_gather(gathered, &sum, 1, PVM_INT, 32, "grid", 0);
		pvm_reduce(PvmSum, row, W, PVM_INT, 33, "grid", 0);
		pvm_reduce(twice, acc, W, PVM_DOUBLE, 34, "grid", 0);
		char word[32] = "";
		if (inst == 1) {
			snprintf(word, sizeof word, "round-%d", r);
			pvm_initsend(PvmDataDefault);
			pvm_pkstr(word);
			pvm_bcast("grid", TAG_WORD);
		} else {
			pvm_recv(-1, TAG_WORD);
			pvm_upkstr(word);
		}
		if (pvm_getinst("grid", pvm_mytid()) != inst || pvm_gettid("grid", inst) != pvm_mytid())
			printf("instance %d: gettid/getinst disagree in round %d\n", inst, r);
		int size = pvm_gsize("grid");
		pvm_barrier("grid", -1);
		if (inst == 0)
			printf("round %d %s: gathered %d %d %d %d, sum[0..2] %d %d %d, acc[5] %.4f, size %d\n", r, word,
			       gathered[0], gathered[1], gathered[2], gathered[3], row[0], row[1], row[2], acc[5],
			       size);
	}
	/* instance 3 leaves and says so to instance 0; the other three meet
	 * once more, in a group of 3 */
	if (inst == 3) {
		int t0 = pvm_gettid("grid", 0);
		pvm_lvgroup("grid");
		pvm_initsend(PvmDataDefault);
		pvm_send(t0, TAG_LEFT);
	} else {
		int left = 0, gone = 0;
		if (inst == 0) { /* before the barrier: nobody else has left */
			pvm_recv(-1, TAG_LEFT);
			left = pvm_gsize("grid");
			gone = pvm_gettid("grid", 3) == PvmNoInst;
		}
		pvm_barrier("grid", N - 1);
		if (inst == 0)
			printf("after instance 3 left: size %d, instance 3 %s\n", left, gone ? "gone" : "still there");
		pvm_lvgroup("grid");
	}
	pvm_exit();
	return 0;
}
