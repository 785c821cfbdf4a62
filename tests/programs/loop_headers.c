/* loop_headers.c: calls that can reach a poll point in loop headers, with
 * `continue` statements nested in statements that are themselves rewritten
 * (a call in an if condition), so the continue must still reach the
 * increment or the condition of the rewritten loop. */
#include <stdio.h>

static int steps;

static int bump(int x, int by)
{
	int r = x;
#pragma mpp loop
	for (int i = 0; i < by; i++)
		r++;
	steps++;
	return r;
}

static int odd(int x)
{
#pragma mpp point
	return x % 2;
}

int main(void)
{
	long acc = 0;
	int g;
	for (g = 0; g < 41; g = bump(g, 3)) {
		if (odd(g))
			continue; /* must still run bump() */
		acc += g;
	}
	int k = 0;
	do {
		k++;
		if (odd(k) && k < 50)
			continue; /* must still test the condition */
		acc += k * 3;
	} while (bump(k, 1) < 60);
	int n = 0;
	while (bump(n, 2) < 40) {
		n += 2;
		if (odd(n / 2))
			continue;
		acc -= n;
	}
	printf("acc %ld g %d k %d n %d steps %d\n", acc, g, k, n, steps);
	return 0;
}
