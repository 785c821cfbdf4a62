/* stencil.c: a 1-D heat equation over NTASK PVM tasks, each owning a slice
 * of the rod and exchanging its edge cells with both neighbours at every
 * step; the root task gathers the rod and prints checksums.
 * Run: stencil [tasks] [cells per task] [steps] (default 4, 2000, 400). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvm3.h>

#define TAG_SETUP 20
#define TAG_LEFT 21  /* a cell travelling to the left neighbour */
#define TAG_RIGHT 22 /* ... to the right one */
#define TAG_GATHER 23

int main(int argc, char **argv)
{
	int ntask = argc > 1 ? atoi(argv[1]) : 4, n = argc > 2 ? atoi(argv[2]) : 2000;
	int steps = argc > 3 ? atoi(argv[3]) : 400, tids[32], me;

	if (pvm_mytid() < 0)
		return 1;
	if (pvm_parent() == PvmNoParent) {
		if (ntask < 1 || ntask > 32 || n < 2) {
			fprintf(stderr, "stencil: 1 to 32 tasks, at least 2 cells each\n");
			pvm_exit();
			return 2;
		}
		char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		tids[0] = pvm_mytid();
		if (ntask > 1 && pvm_spawn(name, NULL, PvmTaskDefault, "", ntask - 1, tids + 1) != ntask - 1) {
			fprintf(stderr, "stencil: cannot spawn %d tasks\n", ntask - 1);
			pvm_exit();
			return 1;
		}
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&ntask, 1, 1);
		pvm_pkint(&n, 1, 1);
		pvm_pkint(&steps, 1, 1);
		pvm_pkint(tids, ntask, 1);
		if (ntask > 1)
			pvm_mcast(tids + 1, ntask - 1, TAG_SETUP);
		me = 0;
	} else {
		pvm_recv(pvm_parent(), TAG_SETUP);
		pvm_upkint(&ntask, 1, 1);
		pvm_upkint(&n, 1, 1);
		pvm_upkint(&steps, 1, 1);
		pvm_upkint(tids, ntask, 1);
		for (me = 0; tids[me] != pvm_mytid(); me++)
			;
	}
	/* u[0] and u[n+1] are the neighbours' edge cells */
	double *u = calloc((size_t)n + 2, sizeof(double)), *v = calloc((size_t)n + 2, sizeof(double));
	for (int i = 1; i <= n; i++) {
		int g = me * n + i - 1;
		u[i] = (g % 97 == 0) ? 100.0 : (double)(g % 13);
	}
	for (int s = 0; s < steps; s++) {
		if (me > 0) {
			pvm_initsend(PvmDataDefault);
			pvm_pkdouble(&u[1], 1, 1);
			pvm_send(tids[me - 1], TAG_LEFT);
		}
		if (me < ntask - 1) {
			pvm_initsend(PvmDataDefault);
			pvm_pkdouble(&u[n], 1, 1);
			pvm_send(tids[me + 1], TAG_RIGHT);
		}
		if (me > 0) {
			pvm_recv(tids[me - 1], TAG_RIGHT);
			pvm_upkdouble(&u[0], 1, 1);
		} else {
			u[0] = u[1];
		}
		if (me < ntask - 1) {
			pvm_recv(tids[me + 1], TAG_LEFT);
			pvm_upkdouble(&u[n + 1], 1, 1);
		} else {
			u[n + 1] = u[n];
		}
		for (int i = 1; i <= n; i++)
			v[i] = u[i] + 0.25 * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
		double *t = u;
		u = v;
		v = t;
	}
	if (me > 0) {
		pvm_initsend(PvmDataDefault);
		pvm_pkint(&me, 1, 1);
		pvm_pkdouble(&u[1], n, 1);
		pvm_send(tids[0], TAG_GATHER);
	} else {
		double *rod = malloc(sizeof(double) * (size_t)n * (size_t)ntask);
		memcpy(rod, &u[1], sizeof(double) * (size_t)n);
		for (int k = 1; k < ntask; k++) {
			int who;
			pvm_recv(-1, TAG_GATHER);
			pvm_upkint(&who, 1, 1);
			pvm_upkdouble(rod + (size_t)who * (size_t)n, n, 1);
		}
		double sum = 0, wsum = 0;
		for (int i = 0; i < n * ntask; i++) {
			sum += rod[i];
			wsum += rod[i] * (double)(i % 101);
		}
		printf("stencil: %d tasks x %d cells, %d steps\n", ntask, n, steps);
		printf("sum %.9f weighted %.9f first %.9f middle %.9f last %.9f\n", sum, wsum, rod[0],
		       rod[n * ntask / 2], rod[n * ntask - 1]);
		free(rod);
	}
	free(u);
	free(v);
	pvm_exit();
	return 0;
}
