/* counter.c: the program selftest.sh feeds to the e2e harness. Built by
 * plain cc it is an ordinary program; built by mock-mppcc it carries the
 * mock runtime (mock_rt.h), which saves its whole state, the struct S. */
/* mpp-test: args=400 */
/* mpp-test: vacate-args=400000 */
#include <stdio.h>
#include <stdlib.h>
#ifdef MPP_MOCK
#include "mock_rt.h"
#else
#define MOCK_BEGIN(s, n, argv) 0
#define MOCK_POLL() ((void)0)
#endif

static struct {
	long i, n;
	unsigned long acc;
} S;

int main(int argc, char **argv)
{
	if (!MOCK_BEGIN(&S, sizeof S, argv)) {
		S.n = argc > 1 ? atol(argv[1]) : 400;
		S.i = 0;
		S.acc = 1;
		printf("counting to %ld\n", S.n);
	}
	for (; S.i < S.n; S.i++) {
		MOCK_POLL();
		for (int k = 0; k < 1000; k++)
			S.acc = S.acc * 6364136223846793005ul + (unsigned long)(S.i ^ k);
		if (S.i % 50 == 0)
			printf("%ld %016lx\n", S.i, S.acc);
	}
	printf("done %016lx\n", S.acc);
	return (int)(S.acc % 50);
}
