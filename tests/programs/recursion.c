/* recursion.c: deep recursion (10,000 frames active at a poll point),
 * mutual recursion, Ackermann, a binary tree walk counting through a
 * pointer to main's local, and frames that link to their parents' locals. */
#include <stdio.h>

#define DEPTH 10000

/* 10,000 frames deep, polls every 1000 levels and at the bottom. */
static long deep(int n, long acc)
{
	if (n == 0) {
#pragma mpp point
		return acc;
	}
	if (n % 1000 == 0) {
#pragma mpp point
		acc ^= n;
	}
	return deep(n - 1, acc + n) + 1; /* not a tail call */
}

static int is_odd(unsigned n);

static int is_even(unsigned n)
{
	if (n % 500 == 0) {
#pragma mpp point
		;
	}
	return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(unsigned n)
{
	return n == 0 ? 0 : is_even(n - 1);
}

static unsigned long ack_calls;

static unsigned ack(unsigned m, unsigned n)
{
	ack_calls++;
	if (m == 0) {
#pragma mpp point
		return n + 1;
	}
	if (n == 0)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

/* Counts nodes through a pointer to a local of main. */
static void walk(int depth, int *count, unsigned *hash)
{
	(*count)++;
	*hash = *hash * 31 + (unsigned)depth;
	if (depth == 0) {
#pragma mpp point
		return;
	}
	walk(depth - 1, count, hash);
	walk(depth - 1, count, hash);
}

/* Each frame has a node linked to its caller's node: a list through the stack. */
struct node {
	int value;
	const struct node *up;
};

static long chain(int n, const struct node *up)
{
	struct node here = {n * n % 97, up};
	if (n == 0) {
		long sum = 0;
#pragma mpp point
		for (const struct node *p = &here; p; p = p->up)
			sum = sum * 3 % 1000003 + p->value;
		return sum;
	}
	return chain(n - 1, &here) + here.value;
}

static unsigned fib(unsigned n)
{
	if (n < 2)
		return n;
	if (n == 12) {
#pragma mpp point
		;
	}
	return fib(n - 1) + fib(n - 2);
}

int main(void)
{
	long d = deep(DEPTH, 0);
	printf("deep(%d) = %ld\n", DEPTH, d);
	d = deep(DEPTH / 2, 7);
	printf("deep(%d) = %ld\n", DEPTH / 2, d);

	printf("is_even(4001) = %d, is_odd(4001) = %d, is_even(5000) = %d\n", is_even(4001),
	       is_odd(4001), is_even(5000));

	for (unsigned m = 0; m <= 3; m++)
		for (unsigned n = 0; n <= 3; n++) {
			unsigned a = ack(m, n);
			printf("ack(%u, %u) = %u\n", m, n, a);
		}
	printf("ack calls %lu\n", ack_calls);

	int count = 0;
	unsigned hash = 17;
	walk(10, &count, &hash);
	printf("walk: %d nodes, hash %08x\n", count, hash);

	printf("chain(300) = %ld\n", chain(300, NULL));
	printf("fib(22) = %u\n", fib(22));
	return count == 2047 ? 0 : 2;
}
