/* jacobi.c: Jacobi iteration for the Laplace equation on an N x N grid
 * (5-point stencil, fixed boundary values), with the residual printed now
 * and then.
 *
 * Usage: jacobi [SWEEPS [N]]   (default 1000 sweeps of 512 x 512)
 *
 * Polls on the sweeps and on the rows of each sweep; the state is the two
 * grids (2 N^2 doubles, 4 MiB at the default size). */
/* mpp-bench: small=150 */
/* mpp-bench: cflags=-lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAXN 512

static double g[2][MAXN][MAXN];

int main(int argc, char **argv)
{
	int sweeps = argc > 1 ? atoi(argv[1]) : 1000;
	int n = argc > 2 ? atoi(argv[2]) : MAXN;

	if (sweeps < 1 || n < 4 || n > MAXN) {
		fprintf(stderr, "usage: jacobi [SWEEPS [N (4..%d)]]\n", MAXN);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		g[0][i][0] = g[1][i][0] = 1.0;
		g[0][0][i] = g[1][0][i] = sin(M_PI * i / (n - 1));
	}
	int cur = 0;
	double res = 0;
#pragma mpp loop
	for (int s = 1; s <= sweeps; s++) {
		int nxt = 1 - cur;
		res = 0;
#pragma mpp loop
		for (int i = 1; i < n - 1; i++)
			for (int j = 1; j < n - 1; j++) {
				double v = 0.25 * (g[cur][i - 1][j] + g[cur][i + 1][j] + g[cur][i][j - 1] +
						   g[cur][i][j + 1]);
				res += fabs(v - g[cur][i][j]);
				g[nxt][i][j] = v;
			}
		cur = nxt;
		if (s % (sweeps / 4 > 0 ? sweeps / 4 : 1) == 0)
			printf("sweep %d: residual %.9e\n", s, res);
	}
	double sum = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			sum += g[cur][i][j] * (1 + (i + 2 * j) % 5);
	printf("checksum %.9f\n", sum);
	return 0;
}
