/* mpp-test: cflags=--mpp-auto */
/* alloca in a function that can reach a point. */
#include <alloca.h>
int sum(int n)
{
	int *a = alloca((unsigned)n * sizeof *a);
	int s = 0;
	for (int i = 0; i < n; i++) {
		a[i] = i;
		s += a[i];
	}
	return s;
}
int main(void)
{
	return sum(4) - 6;
}
