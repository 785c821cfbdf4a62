/* short_loops.c: loops that --mpp-auto leaves to the poll around them (a
 * counter from a value >= 0 up by one to a constant bound, arithmetic and
 * math functions only, at most 64 iterations for the nest) next to
 * look-alikes that poll themselves: a bound that is not constant, a counter
 * the body changes, a call of the program, a start below 0, a nest of more
 * than 64 iterations. -DONLY=0 leaves only the short loops (then the step
 * loop is the only one that polls), -DONLY=K adds look-alike K (1..5). */
/* mpp-test: cflags=-lm */
#include <math.h>
#include <stdio.h>

#define N 5

static double m[N][N];
static int calls;

static int twice(int x)
{
	calls++;
	return 2 * x;
}

int main(int argc, char **argv)
{
	long acc = 0;
	int n = N + argc - 1;
	(void)argv;
#pragma mpp loop
	for (int step = 0; step < 200; step++) {
		for (int i = 0; i < N; i++)
			for (int j = i + 1; j < N; j++) {
				m[i][j] += sqrt((double)(i + j + step));
				acc += i * j;
			}
		int k;
		for (k = 0; k <= 7; k++)
			acc += k ^ step;
#if !defined(ONLY) || ONLY == 1
		for (k = 0; k < n; k++)
			acc += k;
#endif
#if !defined(ONLY) || ONLY == 2
		for (k = 0; k < 8; k++) {
			acc += k;
			if (k == 3)
				k += 2;
		}
#endif
#if !defined(ONLY) || ONLY == 3
		for (k = 0; k < 4; k++)
			acc += twice(k);
#endif
#if !defined(ONLY) || ONLY == 4
		for (k = -3; k < 4; k++)
			acc += k * step;
#endif
#if !defined(ONLY) || ONLY == 5
		for (int a = 0; a < 9; a++)
			for (int b = 0; b < 9; b++)
				acc += a * b;
#endif
	}
	double s = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			s += m[i][j];
	printf("acc %ld calls %d sum %.6f\n", acc, calls, s);
	return 0;
}
