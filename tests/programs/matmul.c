/* matmul.c: dense matrix multiply, double (global matrices) and integer
 * (local matrices, 3 x 9 KiB), with a poll per row of the outer loop;
 * prints checksums. */
#include <stdio.h>

#define N 96
#define M 48

static double a[N][N], b[N][N], c[N][N];

static void init(int seed)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = ((i * 31 + j * 17 + seed) % 23) / 7.0 - 1.5;
			b[i][j] = ((i * 13 + j * 29 + seed) % 19) / 5.0 - 2.0;
		}
}

static void dmul(void)
{
#pragma mpp loop
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int k = 0; k < N; k++)
				s += a[i][k] * b[k][j];
			c[i][j] = s;
		}
}

static double dsum(void)
{
	double s = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			s += c[i][j] * ((i + j) % 3 - 1);
	return s;
}

static unsigned long imul(int seed)
{
	long x[M][M], y[M][M], z[M][M];
	unsigned long h = 0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			x[i][j] = (i * j + seed) % 11 - 5;
			y[i][j] = (i + 2 * j + seed) % 13 - 6;
		}
	for (int rep = 0; rep < 2; rep++) {
#pragma mpp loop
		for (int i = 0; i < M; i++)
			for (int j = 0; j < M; j++) {
				long s = 0;
				for (int k = 0; k < M; k++)
					s += x[i][k] * y[k][j];
				z[i][j] = s;
			}
		/* x = z, scaled down to keep values small */
		for (int i = 0; i < M; i++)
			for (int j = 0; j < M; j++)
				x[i][j] = z[i][j] % 17;
	}
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++)
			h = h * 1000003u + (unsigned long)z[i][j];
	return h;
}

int main(void)
{
	double total = 0;
	for (int seed = 0; seed < 3; seed++) {
		init(seed);
		dmul();
		double s = dsum();
		total += s;
		printf("seed %d: double %.6f c[7][11] %.6f int %016lx\n", seed, s, c[7][11], imul(seed));
	}
	printf("total %.6f\n", total);
	return 0;
}
