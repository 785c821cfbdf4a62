/* spectral.c: spectral norm of the infinite matrix A(i,j) =
 * 1/((i+j)(i+j+1)/2+i+1), truncated to N x N, by the power method on
 * A^T A (the classic benchmark, own code).
 *
 * Usage: spectral [N]   (default 2500)
 *
 * Every matrix element is recomputed by a small function: a division-bound
 * double loop. Polls on the power iterations and on the rows of each
 * matrix-vector product. */
/* mpp-bench: small=800 */
/* mpp-bench: cflags=-lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAXN 4096

static double u[MAXN], v[MAXN], tmp[MAXN];

static double eval_a(int i, int j)
{
	return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

/* out = A x */
static void mul_av(int n, const double *x, double *out)
{
#pragma mpp loop
	for (int i = 0; i < n; i++) {
		double s = 0;
		for (int j = 0; j < n; j++)
			s += eval_a(i, j) * x[j];
		out[i] = s;
	}
}

/* out = A^T x */
static void mul_atv(int n, const double *x, double *out)
{
#pragma mpp loop
	for (int i = 0; i < n; i++) {
		double s = 0;
		for (int j = 0; j < n; j++)
			s += eval_a(j, i) * x[j];
		out[i] = s;
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2500;

	if (n < 1 || n > MAXN) {
		fprintf(stderr, "usage: spectral [N (1..%d)]\n", MAXN);
		return 2;
	}
	for (int i = 0; i < n; i++)
		u[i] = 1;
#pragma mpp loop
	for (int it = 0; it < 10; it++) {
		mul_av(n, u, tmp);
		mul_atv(n, tmp, v);
		mul_av(n, v, tmp);
		mul_atv(n, tmp, u);
	}
	double vbv = 0, vv = 0;
	for (int i = 0; i < n; i++) {
		vbv += u[i] * v[i];
		vv += v[i] * v[i];
	}
	printf("spectral norm %.9f\n", sqrt(vbv / vv));
	return 0;
}
