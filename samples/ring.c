/* ring.c: a PVM ring. The first task (started by hand) spawns the others
 * from the same program; a token goes round the ring many times, each task
 * adding work of its own to it, and the first task prints the result.
 * Run: ring [ntasks] [rounds] (default 4 tasks, 200 rounds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvm3.h>

#define TAG_SETUP 1
#define TAG_TOKEN 2
#define TAG_DONE 3

/* Some work of this task's own between two passes of the token. */
static double work(int me, int round, double x)
{
	double s = x;
	for (int i = 1; i <= 2000; i++)
		s += (double)((me + 1) * (round + i) % 97) / (double)i;
	return s / 2.0;
}

int main(int argc, char **argv)
{
	int ntask = argc > 1 ? atoi(argv[1]) : 4;
	int rounds = argc > 2 ? atoi(argv[2]) : 200;
	int tids[64], me, parent = pvm_parent();
	double token;

	if (pvm_mytid() < 0)
		return 1;
	if (parent == PvmNoParent) {
		if (ntask < 2 || ntask > 64) {
			fprintf(stderr, "ring: 2 to 64 tasks\n");
			pvm_exit();
			return 2;
		}
		/* the workers are this program, found by name in PVM's path */
		char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		tids[0] = pvm_mytid();
		if (pvm_spawn(name, NULL, PvmTaskDefault, "", ntask - 1, tids + 1) != ntask - 1) {
			fprintf(stderr, "ring: cannot spawn %d tasks\n", ntask - 1);
			pvm_exit();
			return 1;
		}
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&ntask, 1, 1);
		pvm_pkint(&rounds, 1, 1);
		pvm_pkint(tids, ntask, 1);
		pvm_mcast(tids + 1, ntask - 1, TAG_SETUP);
		me = 0;
	} else {
		pvm_recv(parent, TAG_SETUP);
		pvm_upkint(&ntask, 1, 1);
		pvm_upkint(&rounds, 1, 1);
		pvm_upkint(tids, ntask, 1);
		for (me = 0; tids[me] != pvm_mytid(); me++)
			;
	}
	int next = tids[(me + 1) % ntask], prev = tids[(me + ntask - 1) % ntask];
	token = 1.0;
	for (int r = 0; r < rounds; r++) {
		if (me != 0 || r > 0) {
			pvm_recv(prev, TAG_TOKEN);
			pvm_upkdouble(&token, 1, 1);
		}
		token = work(me, r, token);
		pvm_initsend(PvmDataDefault);
		pvm_pkdouble(&token, 1, 1);
		pvm_send(next, TAG_TOKEN);
	}
	if (me == 0) {
		pvm_recv(prev, TAG_TOKEN);
		pvm_upkdouble(&token, 1, 1);
		for (int i = 1; i < ntask; i++) {
			int n;
			pvm_recv(-1, TAG_DONE);
			pvm_upkint(&n, 1, 1);
		}
		printf("ring: %d tasks, %d rounds, token %.10f\n", ntask, rounds, token);
	} else {
		int n = rounds;
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&n, 1, 1);
		pvm_send(tids[0], TAG_DONE);
	}
	pvm_exit();
	return 0;
}
