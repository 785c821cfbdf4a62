/* heat.c: heat diffusion on a square plate (explicit 5-point stencil).
 *
 * The plate starts cold with a hot spot and two edges held at fixed
 * temperatures; every step each inner cell moves towards the mean of its
 * four neighbours. The program prints a line every few steps and a
 * checksum at the end, so a run that was checkpointed, moved and restarted
 * can be compared with an uninterrupted one.
 *
 * Usage: heat [SIZE [STEPS]]   (default 96 x 96 cells, 300 steps)
 *
 * Migration points: the `loop` pragma on the time loop polls once per
 * step, which is a few microseconds of work at the default size: frequent
 * enough to leave within a millisecond, rare enough to cost nothing. The
 * grids are globals, so the state is the grids plus the loop counters. */
/* mpp-test: vacate-args=256 3000 */
#include <stdio.h>
#include <stdlib.h>

#define MAXN 256

static double grid[2][MAXN][MAXN];

static void init(int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			grid[0][i][j] = grid[1][i][j] = 0.0;
	for (int i = 0; i < n; i++) {
		grid[0][i][0] = grid[1][i][0] = 100.0;       /* hot left edge */
		grid[0][n - 1][i] = grid[1][n - 1][i] = 25.0; /* warm bottom edge */
	}
	for (int i = n / 3; i < n / 3 + n / 8; i++)
		for (int j = n / 2; j < n / 2 + n / 8; j++)
			grid[0][i][j] = 500.0; /* a hot spot */
}

/* One step from grid[from] into grid[1 - from]; returns the largest change. */
static double step(int n, int from)
{
	double maxdiff = 0;
	for (int i = 1; i < n - 1; i++)
		for (int j = 1; j < n - 1; j++) {
			double old = grid[from][i][j];
			double v = old + 0.2 * (grid[from][i - 1][j] + grid[from][i + 1][j] +
						grid[from][i][j - 1] + grid[from][i][j + 1] - 4 * old);
			grid[1 - from][i][j] = v;
			if (v - old > maxdiff)
				maxdiff = v - old;
			else if (old - v > maxdiff)
				maxdiff = old - v;
		}
	return maxdiff;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 96;
	int steps = argc > 2 ? atoi(argv[2]) : 300;
	int cur = 0;

	if (n < 8 || n > MAXN || steps < 1) {
		fprintf(stderr, "usage: heat [SIZE (8..%d) [STEPS]]\n", MAXN);
		return 2;
	}
	init(n);
#pragma mpp loop
	for (int t = 1; t <= steps; t++) {
		double d = step(n, cur);
		cur = 1 - cur;
		if (t % (steps / 10 > 0 ? steps / 10 : 1) == 0)
			printf("step %5d: centre %10.6f  largest change %.3e\n", t,
			       grid[cur][n / 2][n / 2], d);
	}

	/* Checksum: weighted sum of the final temperatures. */
	double sum = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			sum += grid[cur][i][j] * (1 + (i * 7 + j * 3) % 11);
	printf("checksum %.6f\n", sum);
	return 0;
}
