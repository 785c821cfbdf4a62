/* matmul.c: dense double matrix product C = A B (i-k-j order, so the
 * inner loop streams rows), repeated with the result fed back.
 *
 * Usage: matmul [N [REPS]]   (default 400 x 400, 8 products)
 *
 * Polls on the repetitions and on the rows of each product; the state is
 * the three matrices (3 N^2 doubles, up to 3.75 MiB). */
/* mpp-bench: small=200 4 */
#include <stdio.h>
#include <stdlib.h>

#define MAXN 400

static double a[MAXN][MAXN], b[MAXN][MAXN], c[MAXN][MAXN];

static void init(int n)
{
	unsigned x = 12345;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			x = x * 1103515245u + 12345u;
			a[i][j] = (double)(x >> 16 & 0xff) / 256.0 - 0.5;
			x = x * 1103515245u + 12345u;
			b[i][j] = (double)(x >> 16 & 0xff) / 256.0 - 0.5;
		}
}

static void product(int n)
{
#pragma mpp loop
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++)
			c[i][j] = 0;
		for (int k = 0; k < n; k++) {
			double aik = a[i][k];
			for (int j = 0; j < n; j++)
				c[i][j] += aik * b[k][j];
		}
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : MAXN;
	int reps = argc > 2 ? atoi(argv[2]) : 8;

	if (n < 1 || n > MAXN || reps < 1) {
		fprintf(stderr, "usage: matmul [N (1..%d) [REPS]]\n", MAXN);
		return 2;
	}
	init(n);
#pragma mpp loop
	for (int r = 0; r < reps; r++) {
		product(n);
		/* feed the scaled result back as the next left operand */
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				a[i][j] = c[i][j] / n;
	}
	double sum = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			sum += c[i][j] * ((i * 3 + j) % 7 + 1);
	printf("checksum %.9e\n", sum);
	return 0;
}
