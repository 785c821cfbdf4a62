/* util.c: the second file of the multi-file test; a static counter and a
 * loop, so poll points and saved state live in both units. */
#include "util.h"

static int calls;

long sum_to(int n)
{
	long s = 0;
	calls++;
	for (int i = 1; i <= n; i++)
		s += i * (long)calls;
	return s;
}
