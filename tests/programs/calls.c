/* calls.c: calls that reach poll points inside larger expressions: in
 * arithmetic, conditions, loop headers, && || ?: (which must not evaluate
 * what C does not evaluate), arguments of other calls, initialisers,
 * return expressions, array subscripts and through function pointers.
 * Every callee polls, so each of these calls is a resumable site. The
 * calls' side effects are commutative sums so that C's unspecified order of
 * evaluation cannot change the output. */
#include <stdio.h>

static unsigned long calls_f, calls_g, calls_h, sum_args;

static int f(int a)
{
	calls_f++;
	sum_args += (unsigned)a;
#pragma mpp point
	return a * 3 + 1;
}

static int g(int b)
{
	int r = 0;
	calls_g++;
#pragma mpp loop
	for (int i = 0; i < (b & 7); i++)
		r += i;
	return r + b;
}

static int h(int a, int b)
{
	calls_h++;
#pragma mpp point
	return a - b;
}

struct iter {
	int i, n;
	long seen;
};

static int next(struct iter *s)
{
#pragma mpp point
	s->seen += s->i;
	return ++s->i < s->n;
}

struct pt {
	int x, y;
};

static struct pt mk(int x)
{
#pragma mpp point
	return (struct pt){x, f(x)};
}

static int fib(int n)
{
	if (n < 2) {
#pragma mpp point
		return n;
	}
	return fib(n - 1) + fib(n - 2);
}

static int plus_one(int x)
{
	return f(x) + 1; /* call in a return expression */
}

static int (*const ops[3])(int) = {f, g, plus_one};

int main(void)
{
	long acc = 0;
	int x = 0, y;
	int arr[10] = {0};

	for (int a = 0; a < 20; a++) {
		x = f(a) + g(a);                       /* two calls in one expression */
		y = f(g(f(a % 5)));                    /* calls as arguments of calls */
		int z = h(f(a), g(a)) * 2 + f(1);      /* in an initialiser */
		acc += x + y + z;
		if (a % 2 == 0 && f(a) > 10)           /* call only when a is even */
			acc += 1;
		if (a % 3 == 0 || g(a) > 100)          /* call only when a % 3 != 0 */
			acc += 2;
		acc += a % 4 ? f(a) : g(a);            /* exactly one of the two */
		arr[f(a) % 10] += g(a);                /* call in a subscript */
		acc += ops[a % 3](a);                  /* through a function pointer */
		acc += (f(a), g(a));                   /* comma operator */
		acc += mk(a).y - mk(a + 1).x;          /* struct-returning calls */
		switch (f(a) % 4) {                    /* call in a switch condition */
		case 0:
			acc += g(1);
			break;
		default:
			acc -= 1;
		}
	}
	printf("part 1: acc %ld calls %lu %lu %lu args %lu\n", acc, calls_f, calls_g, calls_h, sum_args);

	/* loop headers */
	for (int i = f(0); i < g(9); i += f(0))
		acc += i;
	struct iter s = {0, 50, 0};
	while (next(&s))
		acc += s.i;
	s.i = 0;
	do
		acc -= s.i;
	while (next(&s) && f(s.i) < 100);
	printf("part 2: acc %ld seen %ld calls %lu %lu\n", acc, s.seen, calls_f, calls_g);

	int k = 0;
	while (k < 5 && (g(k) || f(k)))
		k++;
	acc += fib(15) + fib(10) * 2;
	int init[3] = {f(1), g(2), h(3, 4)};
	acc += init[0] + init[1] + init[2];
	for (int i = 0; i < 10; i++)
		acc += arr[i] * (i + 1);
	printf("part 3: k %d acc %ld calls %lu %lu %lu args %lu\n", k, acc, calls_f, calls_g, calls_h,
	       sum_args);
	return plus_one((int)(acc % 20)) % 50;
}
