/* exitcode.c: command-line arguments and exit statuses. Reads N and K
 * from argv, works through a few rounds, and leaves with exit() from a
 * nested function (status 42 with the test's arguments) after polling,
 * so the status must come through capture, restart and the runtime's own
 * main. */
/* mpp-test: args=7 13 extra-word */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long gcd(unsigned long a, unsigned long b)
{
#pragma mpp loop
	while (b) {
		unsigned long t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void finish(unsigned long value, int argc)
{
	printf("finish: value %lu argc %d\n", value, argc);
	fflush(stdout);
#pragma mpp point
	exit(value % 2 ? 43 : 42); /* 42 with the tagged arguments */
}

static void deeper(int level, unsigned long value, int argc)
{
	if (value == 0)
		return; /* not taken */
	if (level > 0) {
#pragma mpp point
		deeper(level - 1, value * 3 % 1000003, argc);
		printf("never printed\n");
	}
	finish(value, argc);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 5;
	unsigned long k = argc > 2 ? strtoul(argv[2], NULL, 10) : 3;
	unsigned long acc = 1;
	size_t arglen = 0;

	for (int i = 0; i < argc; i++)
		if (i > 0)
			arglen += strlen(argv[i]);
	printf("n=%lu k=%lu args=%d arglen=%zu last='%s'\n", n, k, argc - 1, arglen,
	       argc > 1 ? argv[argc - 1] : "");
#pragma mpp loop
	for (unsigned long i = 1; i <= 200; i++) {
		acc = (acc * (n + i) + gcd(i * k, n * 1000 + i)) % 1000000007ul;
		if (i % 40 == 0)
			printf("i=%lu acc=%lu\n", i, acc);
	}
	if (acc % 7 == 100)
		return 3; /* not taken */
	deeper(20, acc, argc);
	return 0;
}
