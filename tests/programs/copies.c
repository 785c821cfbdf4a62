/* copies.c: functions whose loops hold calls that can migrate, which mppcc
 * writes twice (a copy that restores and a copy that runs; see README, How
 * mppcc translates): recursion through a loop, a goto back to a user label,
 * a switch with cases around a call, a static counter that both copies
 * share, and __LINE__ and __func__, which must name the source's line and
 * function in either copy (and "main" in main, which mppcc renames). An
 * old-style definition is written once.
 * Output: the same from the plain and the translated builds, whichever
 * copy prints it. */
#include <stdio.h>

static int depth_seen[12];

/* subsets of {0..n-1} with sum s, by recursion from a loop */
static long subsets(int n, int from, int s, int depth)
{
	long count = s == 0;
	depth_seen[depth]++;
#pragma mpp loop
	for (int i = from; i < n; i++) {
		if (i + 1 > s)
			break;
		count += subsets(n, i + 1, s - (i + 1), depth + 1);
	}
	return count;
}

struct acc {
	long sum;
	int odd, even;
};

/* x >= 0; the same on 32-bit and 64-bit longs */
static long step(long x)
{
	unsigned long long r = (unsigned long long)x;
#pragma mpp loop
	for (int k = 0; k < 50; k++)
		r = (r * 1103515245ULL + 12345) % 2147483647ULL;
	return (long)r;
}

/* a user label, a switch with cases around the call, a static, and the
 * line and function names */
static long walk(int rounds)
{
	static int calls;
	struct acc a = {0, 0, 0};
	int retried = 0;
	calls++;
again:
#pragma mpp loop
	for (int i = 0; i < rounds; i++) {
		long v = step(i + retried);
		if (i == rounds / 2 && !retried) {
			retried = 1;
			printf("line %d of %s: retry after %d\n", __LINE__, __func__, i);
			goto again;
		}
		switch (v % 3) {
		case 0:
			a.sum += v % 1000;
			break;
		case 1:
			a.odd++;
			a.sum -= step(v) % 100;
			break;
		default:
			a.even++;
			continue;
		}
	}
	printf("line %d of %s: call %d sum %ld odd %d even %d\n", __LINE__, __func__, calls, a.sum, a.odd,
	       a.even);
	return a.sum;
}

/* an old-style definition: written once */
static long old_style(n, base)
int n;
long base;
{
	long t = 0;
#pragma mpp loop
	for (int i = 0; i < n; i++)
		t += step(base + i) & 7;
	return t;
}

int main(void)
{
	long total = 0;
	for (int s = 10; s <= 40; s += 10) {
		long c = subsets(12, 0, s, 0);
		printf("subsets of 1..12 with sum %d: %ld\n", s, c);
		total += c;
	}
	for (int d = 0; d < 12; d++)
		printf("%d ", depth_seen[d]);
	printf("\n");
	total += walk(300);
	total += walk(120);
	total += old_style(40, 7) - old_style(10, 3);
	printf("line %d of %s: total %ld\n", __LINE__, __func__, total);
	return 0;
}
