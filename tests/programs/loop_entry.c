/* loop_entry.c: loop polls that a restore enters again from the loop's
 * top (a do loop; a while or for loop whose condition reads only saved
 * variables and has no side effects) next to look-alikes that restore at
 * the poll itself (a condition with a side effect, one that reads a
 * volatile, a loop as the only statement of an if), strip-mined loops
 * whose body calls a function that polls (counting up with <= and down
 * with >=), whose restore enters the inner loop where its condition fails,
 * and loops holding such calls whose conditions (&&, ||, !, !=) locals can
 * make fail, which a restore enters so. */
#include <stdio.h>

#define N 64

static int tab[N];
static volatile int vlimit = 40;
static long calls;

static int poll_inside(int x)
{
	int r = 0;
#pragma mpp loop
	for (int k = 0; k < 3; k++)
		r += x + k;
	calls++;
	return r;
}

/* while loop, condition on locals and a global array */
static long scan(int lo, int v)
{
	long s = 0;
	int j = N - 1;
#pragma mpp loop
	while (j >= lo && tab[j] > v) {
		s += tab[j];
		j--;
	}
	return s * 100 + j;
}

/* for loop with a break: not strip-mined, its counter has a known floor */
static long first_over(int limit)
{
	long s = 0;
	int i;
#pragma mpp loop
	for (i = 0; i < N; i++) {
		if (tab[i] > limit)
			break;
		s += tab[i] / 2;
	}
	return s * 1000 + i;
}

static long do_loop(int n)
{
	long s = 1;
#pragma mpp loop
	do {
		s = s * 3 % 1000003 + n;
	} while (--n > 0);
	return s;
}

/* condition with a side effect: restored at the poll */
static long side_effect(int n)
{
	long s = 0;
#pragma mpp loop
	while (n-- > 0)
		s += n * n;
	return s;
}

/* condition reading a volatile: restored at the poll */
static long vol(void)
{
	long s = 0;
	int i = 0;
#pragma mpp loop
	while (i < vlimit) {
		s += i;
		i += 3;
	}
	return s;
}

/* a loop as the only statement of an if, and a for (;;) */
static long nested(int n, int flag)
{
	long s = 0;
	int i = 0;
	if (flag)
#pragma mpp loop
		while (i < n) {
			int t = i;
#pragma mpp loop
			for (;;) {
				s += t;
				if (--t < 0)
					break;
			}
			i++;
		}
	else
		s = -1;
	return s;
}

/* strip-mined loops whose body calls a function that polls */
static long strips(int n)
{
	long s = 0;
#pragma mpp loop
	for (int i = 1; i <= n; i++)
		s += poll_inside(i) % 7;
#pragma mpp loop
	for (long j = n; j >= 2; j -= 2)
		s = s * 5 % 100003 + poll_inside((int)j);
	return s;
}

/* loops holding a call that polls, whose conditions locals can make fail:
 * a restore enters them with those locals set so */
static long conds(int n)
{
	long s = 0;
	int lo = 0, hi = n, done = 0;
	while (lo < hi && !done) {
		s += poll_inside(lo);
		lo += 2;
		done = s > 400;
	}
	/* such loops as the only statement of an if, with an else */
	int z = 0;
	if (n % 2)
		while (z < lo) {
			s += poll_inside(z);
			z += 3;
		}
	else
		s -= 1;
	if (n > 10)
		while (lo > 0) {
			s = s * 7 % 10007 + poll_inside(lo);
			lo -= 4;
		}
	else
		s -= 2;
	unsigned a = 0, b = (unsigned)n;
	while (a != b || done) {
		s = s * 3 % 10007 + poll_inside((int)a);
		a++;
		done = 0;
	}
	return s;
}

int main(void)
{
	long total = 0;
	for (int i = 0; i < N; i++)
		tab[i] = (i * 37) % 101;
#pragma mpp loop
	for (int r = 0; r < 6; r++) {
		long a = scan(r * 5, 30 + r);
		long b = first_over(80 + r);
		long c = do_loop(20 + r);
		long d = side_effect(10 + r);
		long e = vol();
		long f = nested(6 + r, r % 3 != 2);
		long g = strips(9 + r);
		long h = conds(7 + r * 3);
		printf("round %d: %ld %ld %ld %ld %ld %ld %ld %ld\n", r, a, b, c, d, e, f, g, h);
		total += a + b + c + d + e + f + g + h;
	}
	printf("total %ld, %ld calls\n", total, calls);
	return 0;
}
