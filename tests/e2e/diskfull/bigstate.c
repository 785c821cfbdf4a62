/* bigstate.c: a state of a chosen size (N doubles on the heap) for
 * diskfull_test.sh; each step changes every element, so a state from a
 * later point differs from an earlier one. Prints one checksum at the end.
 * Run: bigstate N STEPS */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 8192, steps = argc > 2 ? atol(argv[2]) : 400;
	double *a = malloc(sizeof *a * (size_t)n), sum = 0;

	if (!a || n < 1) {
		fprintf(stderr, "bigstate: bad size\n");
		return 2;
	}
	for (long i = 0; i < n; i++)
		a[i] = (double)i;
	for (long s = 0; s < steps; s++) {
#pragma mpp point
		for (long i = 0; i < n; i++)
			a[i] = a[i] * 0.5 + (double)((i + s) % 7);
	}
	for (long i = 0; i < n; i++)
		sum += a[i] * (double)(i % 13 + 1);
	printf("n=%ld steps=%ld sum=%.6f\n", n, steps, sum);
	free(a);
	return 0;
}
