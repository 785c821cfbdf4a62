/* placement.c: where polls go around the step loop below, whose own
 * pragma polls on every step unless it can be strip-mined. tests/e2e/
 * cli_test.sh counts the polls of each variant (-DONLY=K):
 *   1  --mpp-auto: a scan (`while (data[i] < 990) i++;`) polls once per 4
 *      iterations (its body is written 4 times over between two polls);
 *      skipping it would leave its work between two polls unbounded;
 *   2  --mpp-auto: a nest whose inner loop has M iterations (argument 1,
 *      default 100): the inner loop runs unpolled and the outer loop polls
 *      once per 4096 / (M + 1) + 1 = 41 iterations, 2 polls per step; with
 *      M = 10000 the inner loop polls in chunks again;
 *   3  pragmas only: the step loop calls a function of short loops only
 *      (bounded work), so it is strip-mined: 1 poll for the 100 steps.
 * Without -DONLY all variants run (the e2e tests). */
#include <stdio.h>
#include <stdlib.h>

#define STEPS 100
#define LEN 4096

static int data[LEN + 1];
static double state[6];

static void bounded_step(int step)
{
	for (int i = 0; i < 6; i++)
		for (int j = i + 1; j < 6; j++)
			state[i] += (state[j] - state[i]) * 0.01 + (step % 7) * 0.001;
}

int main(int argc, char **argv)
{
	long acc = 0;
	int m = argc > 1 ? atoi(argv[1]) : 100;
	for (int i = 0; i < LEN; i++)
		data[i] = (i * 37) % 1000;
	data[LEN] = 1000; /* the scan stops here at the latest */
#pragma mpp loop
	for (int step = 0; step < STEPS; step++) {
#if !defined(ONLY) || ONLY == 1
		{
			int i = step * 7;
			while (data[i] < 990)
				i++;
			acc += i;
		}
#endif
#if !defined(ONLY) || ONLY == 2
		for (int i = 0; i < 50; i++)
			for (int k = 0; k < m; k++)
				acc += (i ^ k) & 15;
#endif
#if !defined(ONLY) || ONLY == 3
		bounded_step(step);
#endif
	}
	printf("acc %ld state %.9f %.9f\n", acc, state[0], state[5]);
	return 0;
}
